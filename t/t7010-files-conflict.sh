#!/bin/sh
test_description='files across a partition: concurrent puts, rm and mv against put, conflict copies, one tree everywhere; entries with hostile paths from the mesh'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-files.sh"

# A line a - b - c; a has alice, b bob, c carol. Stopping b cuts a and c
# apart. While apart, a and c write to the same paths; a few journal
# entries on one side put its writes later in the log's order (lamport,
# author, seq), so that each case is tried both ways:
#	p1, r1, m1: a writes first, c later
#	p2, r2, m2: c writes first, a later
# (p: put against put, r: rm against put, m: mv against put). The order is
# checked on the entries themselves, not taken for granted.

# content NAME: a small file NAME whose bytes say NAME (and some noise)
content () {
	{ echo "$1"; head -c 3000 /dev/urandom | od -An -tx1; } >"$1"
}

# put_entry NODE LOCAL PATH: put, print the entry's id
put_entry () {
	ioectl -d "$1" --json files put "$2" "$3" >"put.$1.json" &&
	jq -r .entry "put.$1.json"
}

# order_key NODE ENTRY: "LAMPORT AUTHOR SEQ" of ENTRY, padded so that
# the log's order is the order of the strings
order_key () {
	ioectl -d "$1" --json ledger show "$2" >"key.json" &&
	jq -r '"\(.lamport + 100000000000 | tostring) \(.author) \(.seq + 100000000000 | tostring)"' key.json
}

# later NODE E1 E2: E1 comes after E2 in the log's order
later () {
	lt_1_=$(order_key "$1" "$2") &&
	lt_2_=$(order_key "$1" "$3") &&
	test "$lt_1_" != "$lt_2_" &&
	test "$(printf '%s\n%s\n' "$lt_1_" "$lt_2_" | LC_ALL=C sort | tail -n 1)" = "$lt_1_"
}

# outcome NODE ENTRY: what became of the operation ENTRY, in files log
outcome () {
	ioectl -d "$1" --json files log >"log.$1.json" &&
	jq -r --arg e "$2" '.entries[] | select(.entry == $e) | .outcome' \
		"log.$1.json"
}

# the paths every node must agree on at the end
PATHS='part/p1.txt part/p2.txt part/r1.txt part/r2.txt part/m1.txt
part/m2.txt part/m1-moved.txt'

test_expect_success 'set up a line a - b - c with a user on each node' '
	files_line_abc
'

test_expect_success 'files to remove and to move, on every node before the partition' '
	for f in r1 r2 m1 m2
	do
		content $f.orig &&
		ioectl -d a files put $f.orig part/$f.txt || return 1
	done &&
	for f in r1 r2 m1 m2
	do
		wait_complete 20 part/$f.txt b c &&
		wait_holders 20 part/$f.txt 3 a b c || return 1
	done &&
	wait_converged 20 a b c
'

test_expect_success 'b stops: a and c are cut apart' '
	ioed_stop b &&
	wait_until 10 "test \$(peers_up a) = 0" &&
	wait_until 10 "test \$(peers_up c) = 0"
'

test_expect_success 'while apart, a and c write to the same paths' '
	content p1.a && content p1.c && content p2.a && content p2.c &&
	content r1.c && content r2.c && content m1.c && content m2.c &&
	# a: p1, r1, m1 early
	put_entry a p1.a part/p1.txt >p1.a.entry &&
	ioectl -d a --json files rm part/r1.txt | jq -r .entry >r1.a.entry &&
	ioectl -d a --json files mv part/m1.txt part/m1-moved.txt |
		jq -r .entry >m1.a.entry &&
	# c: a few entries first, so that its writes come later
	for i in 1 2 3 4 5
	do
		ioectl -d c journal add "c apart $i" >/dev/null || return 1
	done &&
	put_entry c p1.c part/p1.txt >p1.c.entry &&
	put_entry c r1.c part/r1.txt >r1.c.entry &&
	put_entry c m1.c part/m1.txt >m1.c.entry &&
	put_entry c p2.c part/p2.txt >p2.c.entry &&
	put_entry c r2.c part/r2.txt >r2.c.entry &&
	put_entry c m2.c part/m2.txt >m2.c.entry &&
	# a: more entries, then p2, r2, m2 late
	for i in 1 2 3 4 5 6 7 8 9 10
	do
		ioectl -d a journal add "a apart $i" >/dev/null || return 1
	done &&
	put_entry a p2.a part/p2.txt >p2.a.entry &&
	ioectl -d a --json files rm part/r2.txt | jq -r .entry >r2.a.entry &&
	ioectl -d a --json files mv part/m2.txt part/m2-moved.txt |
		jq -r .entry >m2.a.entry &&
	for f in p1.a r1.a m1.a p1.c r1.c m1.c p2.c r2.c m2.c p2.a r2.a m2.a
	do
		grep -Eqx "[0-9a-f]{64}" $f.entry || return 1
	done &&
	# apart, each sees only its own writes
	get_cmp a part/p1.txt p1.a &&
	get_cmp c part/p1.txt p1.c &&
	test_must_fail ioectl -d a files stat part/r1.txt &&
	ioectl -d a files stat part/m1-moved.txt &&
	test_must_fail ioectl -d c files stat part/m1-moved.txt
'

test_expect_success 'b comes back: the logs converge' '
	mesh_start b &&
	wait_peer_up 10 c b &&
	wait_peer_up 10 a b &&
	wait_converged 30 a b c
'

test_expect_success 'the order in the log is the one the test arranged' '
	for n in a b c
	do
		later $n $(cat p1.c.entry) $(cat p1.a.entry) &&
		later $n $(cat r1.c.entry) $(cat r1.a.entry) &&
		later $n $(cat m1.c.entry) $(cat m1.a.entry) &&
		later $n $(cat p2.a.entry) $(cat p2.c.entry) &&
		later $n $(cat r2.a.entry) $(cat r2.c.entry) &&
		later $n $(cat m2.a.entry) $(cat m2.c.entry) || return 1
	done
'

test_expect_success 'every node holds every file of the tree, counted by all three' '
	for p in $PATHS "part/p1 (conflict from alice on a).txt" \
		"part/p2 (conflict from carol on c).txt"
	do
		wait_complete 30 "$p" a b c &&
		wait_holders 30 "$p" 3 a b c || return 1
	done
'

test_expect_success 'every node shows the same tree' '
	tree_json a part >tree.a &&
	tree_json b part >tree.b &&
	tree_json c part >tree.c &&
	test_cmp tree.a tree.b &&
	test_cmp tree.a tree.c &&
	tree_json a >root.a &&
	tree_json c >root.c &&
	test_cmp root.a root.c &&
	jq -r ".[].name" tree.a >names &&
	sort >expect <<-\EOF &&
	m1-moved.txt
	m1.txt
	m2.txt
	p1 (conflict from alice on a).txt
	p1.txt
	p2 (conflict from carol on c).txt
	p2.txt
	r1.txt
	r2.txt
	EOF
	sort names >actual &&
	test_cmp expect actual
'

test_expect_success 'put against put: the later write holds the path, the other is the conflict copy' '
	for n in a b c
	do
		get_cmp $n part/p1.txt p1.c &&
		get_cmp $n "part/p1 (conflict from alice on a).txt" p1.a &&
		get_cmp $n part/p2.txt p2.a &&
		get_cmp $n "part/p2 (conflict from carol on c).txt" p2.c || return 1
	done &&
	fstat b part/p1.txt ".user + \"@\" + .node" >out &&
	echo carol@c >expect &&
	test_cmp expect out &&
	fstat b "part/p1 (conflict from alice on a).txt" ".user + \"@\" + .node" >out &&
	echo alice@a >expect &&
	test_cmp expect out &&
	fstat b part/p2.txt ".user + \"@\" + .node" >out &&
	echo alice@a >expect &&
	test_cmp expect out
'

test_expect_success 'rm against put: the put is kept whichever came first' '
	for n in a b c
	do
		get_cmp $n part/r1.txt r1.c &&
		get_cmp $n part/r2.txt r2.c || return 1
	done &&
	# r1: the rm came first and was applied, then the put made the file
	outcome b $(cat r1.a.entry) >out &&
	echo applied >expect &&
	test_cmp expect out &&
	outcome b $(cat r1.c.entry) >out &&
	test_cmp expect out &&
	# r2: the put came first; the rm saw an older version and is skipped
	outcome b $(cat r2.a.entry) >out &&
	grep "^skipped: " out
'

test_expect_success 'mv against put: nothing written while apart is lost' '
	for n in a b c
	do
		# m1: the mv came first and moved the old bytes; the put made
		# a new file at the old name
		get_cmp $n part/m1.txt m1.c &&
		get_cmp $n part/m1-moved.txt m1.orig &&
		# m2: the put came first; the mv of the old version is skipped
		get_cmp $n part/m2.txt m2.c &&
		test_must_fail ioectl -d $n files stat part/m2-moved.txt ||
		return 1
	done &&
	outcome b $(cat m1.a.entry) >out &&
	echo applied >expect &&
	test_cmp expect out &&
	outcome b $(cat m2.a.entry) >out &&
	grep "^skipped: " out
'

test_expect_success 'files log is the same on every node' '
	ioectl -d a --json files log part >log.a &&
	ioectl -d b --json files log part >log.b &&
	ioectl -d c --json files log part >log.c &&
	test_cmp log.a log.b &&
	test_cmp log.a log.c &&
	ioectl -d b files log part >out &&
	cat out &&
	grep " put  *part/p1.txt " out &&
	grep " rm  *part/r2.txt .*(skipped: " out
'

test_expect_success 'files log says where the other version went, as documented' '
	outcome b $(cat p1.c.entry) >out &&
	echo "concurrent with another version, kept as '\''part/p1 (conflict from alice on a).txt'\''" >expect &&
	test_cmp expect out &&
	outcome b $(cat p1.a.entry) >out &&
	echo applied >expect &&
	test_cmp expect out &&
	outcome b $(cat p2.a.entry) >out &&
	echo "concurrent with another version, kept as '\''part/p2 (conflict from carol on c).txt'\''" >expect &&
	test_cmp expect out &&
	ioectl -d b files log part/p1.txt >out &&
	grep -F "(concurrent with another version, kept as '\''part/p1 (conflict from alice on a).txt'\'')" out
'

test_expect_success 'files stat lists both versions at a path that had a conflict' '
	fstat b part/p1.txt "[.versions[].entry] | sort | join(\" \")" >out &&
	echo $(cat p1.a.entry p1.c.entry | sort) >expect &&
	test_cmp expect out
'

test_expect_success 'a second conflict at the same path: the copy takes the next number' '
	ioed_stop b &&
	wait_until 10 "test \$(peers_up c) = 0" &&
	content p1.a2 && content p1.c2 &&
	ioectl -d a files put p1.a2 part/p1.txt &&
	# the copy of p1.a2 cannot take the name the first copy holds: it
	# takes " 2", inside the parentheses (as fpath_conflict makes it)
	for i in 1 2 3 4 5
	do
		ioectl -d c journal add "c again $i" >/dev/null || return 1
	done &&
	ioectl -d c files put p1.c2 part/p1.txt &&
	mesh_start b &&
	wait_converged 30 a b c &&
	for n in a b c
	do
		wait_complete 30 "part/p1 (conflict from alice on a 2).txt" $n &&
		get_cmp $n "part/p1 (conflict from alice on a 2).txt" p1.a2 &&
		get_cmp $n "part/p1 (conflict from alice on a).txt" p1.a &&
		get_cmp $n part/p1.txt p1.c2 || return 1
	done
'

# --- entries with hostile paths from the mesh -----------------------------

# empty_id: the id of the empty file (doc/files.md: the manifest's bytes)
empty_id () {
	printf "696f652d6d616e69666573742d3100000000000000000000100000" |
		xxd -r -p | sha256sum | cut -c1-64
}

# put_body PATH: a file.put body for the empty file at PATH (PATH is
# JSON text inside the quotes)
put_body () {
	printf '{"path":"%s","size":0,"mode":420,"chunk_size":1048576,"chunks":[],"id":"%s","base":null,"user":"eve","node":"mallory"}' \
		"$1" "$(empty_id)"
}

test_expect_success 'a node of the mesh, mallory, linked to a' '
	mesh_node mallory a &&
	wait_peer_up 10 a mallory &&
	wait_converged 20 a b c mallory &&
	ioed_stop mallory
'

test_expect_success 'a file.put from mallory with a good path is taken (the tool works)' '
	test-tool mesh-peer mallory $(mesh_ep a) \
		entry file.put "$(put_body from-mallory.txt)" >out &&
	cat out &&
	grep -x "entry: sent" out &&
	wait_until 20 "ioectl -d c files stat from-mallory.txt >/dev/null 2>&1" &&
	fstat c from-mallory.txt "\"\\(.user)@\\(.node) \\(.size) \\(.id)\"" >out &&
	echo "eve@mallory 0 $(empty_id)" >expect &&
	test_cmp expect out &&
	# an empty file is whole at once: a, b, c (and mallory) hold it
	wait_holders 20 from-mallory.txt 4 a b c
'

test_expect_success 'signed entries with hostile paths from mallory change no tree' '
	tree_json a >before.a &&
	tree_json c >before.c &&
	ioectl -d c --json files log >log.before &&
	test-tool mesh-peer mallory $(mesh_ep a) \
		entry file.put "$(put_body ../escape.txt)" \
		entry file.put "$(put_body /etc/ioe-escape)" \
		entry file.put "$(put_body "a//b")" \
		entry file.put "$(put_body "x/./y")" \
		entry file.put "$(put_body "ctl\\u0001x")" \
		entry file.put "$(put_body "del\\u007fx")" \
		entry file.put "$(put_body "$(head -c 256 /dev/zero | tr "\\000" n)")" \
		entry file.mkdir "{\"path\":\"../up\",\"user\":\"eve\",\"node\":\"mallory\"}" \
		entry file.mv "{\"from\":\"from-mallory.txt\",\"to\":\"../../moved\",\"base\":\"$(empty_id)\",\"user\":\"eve\",\"node\":\"mallory\"}" \
		entry file.rm "{\"path\":\"/from-mallory.txt\",\"base\":\"$(empty_id)\",\"user\":\"eve\",\"node\":\"mallory\"}" \
		entry file.mkdir "{\"path\":\"mallory-was-here\",\"user\":\"eve\",\"node\":\"mallory\"}" \
		>out &&
	cat out &&
	test $(grep -cx "entry: sent" out) = 11 &&
	# the last one, a good one, shows that all arrived
	wait_until 20 "ioectl -d c files stat mallory-was-here >/dev/null 2>&1" &&
	wait_converged 20 a b c &&
	tree_json a >after.a &&
	tree_json c >after.c &&
	jq "[.[] | select(.path != \"mallory-was-here\")]" after.a >after.a.less &&
	jq "[.[] | select(.path != \"mallory-was-here\")]" after.c >after.c.less &&
	test_cmp before.a after.a.less &&
	test_cmp before.c after.c.less &&
	ioectl -d c --json files log >log.after &&
	jq -r ".entries[].path" log.after >paths &&
	! grep -e "\\.\\." -e "^/" -e "//" -e "/\\./" -e "ctl" -e "del" -e nnnnnnnn paths &&
	test_path_is_missing escape.txt c/escape.txt up moved ../moved &&
	grep "file.put entry [0-9]* is not usable" a/ioed.log
'

test_expect_success 'a path with an ESC or a C1 control from mallory changes no tree either' '
	tree_json c >before.c &&
	test-tool mesh-peer mallory $(mesh_ep a) \
		entry file.put "$(put_body "esc\\u001bx")" \
		entry file.put "$(put_body "nel\\u0085x")" \
		entry file.mkdir "{\"path\":\"mallory-again\",\"user\":\"eve\",\"node\":\"mallory\"}" \
		>out &&
	cat out &&
	test $(grep -cx "entry: sent" out) = 3 &&
	wait_until 20 "ioectl -d c files stat mallory-again >/dev/null 2>&1" &&
	tree_json c >after.c &&
	jq "[.[] | select(.path != \"mallory-again\")]" after.c >after.c.less &&
	test_cmp before.c after.c.less
'

# empty_id_4k: the id of the empty file cut in chunks of 4 KiB (another
# id for the same empty bytes)
empty_id_4k () {
	printf "696f652d6d616e69666573742d3100000000000000000000001000" |
		xxd -r -p | sha256sum | cut -c1-64
}

test_expect_success 'a conflict copy named after a hostile user stays a plain name in its directory' '
	test-tool mesh-peer mallory $(mesh_ep a) \
		entry file.put "{\"path\":\"trap/f.txt\",\"size\":0,\"mode\":420,\"chunk_size\":4096,\"chunks\":[],\"id\":\"$(empty_id_4k)\",\"base\":null,\"user\":\"../../x/y\",\"node\":\"mallory\"}" \
		entry file.put "{\"path\":\"trap/f.txt\",\"size\":0,\"mode\":420,\"chunk_size\":1048576,\"chunks\":[],\"id\":\"$(empty_id)\",\"base\":null,\"user\":\"eve\",\"node\":\"mallory\"}" \
		>out &&
	cat out &&
	test $(grep -cx "entry: sent" out) = 2 &&
	wait_until 20 "test \$(ioectl -d c --json files ls trap | jq \".entries | length\") = 2" &&
	wait_converged 20 a b c &&
	tree_json c trap >trap.c &&
	jq -r ".[].path" trap.c >actual &&
	printf "%s\n" "trap/f (conflict from .._.._x_y on mallory).txt" trap/f.txt >expect &&
	test_cmp expect actual &&
	fstat c trap/f.txt .id >out &&
	empty_id >expect &&
	test_cmp expect out &&
	# the empty files are whole everywhere: a, b, c and mallory hold them
	wait_holders 20 trap/f.txt 4 a c &&
	wait_holders 20 "trap/f (conflict from .._.._x_y on mallory).txt" 4 a c &&
	tree_json c trap >trap.c &&
	tree_json a trap >trap.a &&
	test_cmp trap.a trap.c &&
	tree_json c >root.c &&
	jq -r ".[].path" root.c >paths &&
	! grep -e "^x" -e "^\\.\\." paths
'

test_expect_success 'verify still passes on every node' '
	for n in a b c
	do
		ioectl -d $n files verify || return 1
	done
'

test_done
