#!/bin/sh
test_description='files: every rule of a mesh path, a node over its quota, a thousand small files across a line a - b - c'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-files.sh"

# A line a - b - c (alice, bob, carol); q, with files.quota 3M, is linked
# to a for the quota tests only (quinn).

# paths that break one rule each (doc/files.md, "Mesh paths")
P_CTL=$(printf 'a\001b')
P_DEL=$(printf 'a\177b')
P_UTF8=$(printf 'caf\351')
P_UTF8_CUT=$(printf 'x/\342\202')
P_NAME256=$(printf '%0256d' 0 | tr 0 n)
P_NAME255=$(printf '%0255d' 0 | tr 0 n)
# 102 times "abcdefghi/" is 1020 bytes
P_1020=$(i=0; while test $i -lt 102; do printf 'abcdefghi/'; i=$((i + 1)); done)
P_1024=${P_1020}abcd
P_1025=${P_1020}abcde

# puts_by NODE: how many file operations NODE's users made, in its files log
puts_by () {
	ioectl -d "$1" --json files log >"puts_by.$1.json" &&
	jq --arg n "$1" '[.entries[] | select(.node == $n)] | length' \
		"puts_by.$1.json"
}

# refused_path NODE RULE SHOWN CMD...: 'ioectl -d NODE CMD' exits 1 with a
# message that names the rule (RULE, an ERE) and, unless SHOWN is empty,
# the path ('SHOWN'); with --json the code is invalid; NODE wrote no file
# operation
refused_path () {
	rp_n_=$1
	rp_rule_=$2
	rp_shown_=$3
	shift 3
	puts_by "$rp_n_" >rp.before &&
	test_expect_code 1 ioectl -d "$rp_n_" "$@" >rp.out 2>rp.err &&
	cat rp.err &&
	test_must_be_empty rp.out &&
	test_line_count = 1 rp.err &&
	grep -E "^ioectl: .*$rp_rule_" rp.err &&
	{ test -z "$rp_shown_" || grep -F "'$rp_shown_'" rp.err; } &&
	test_expect_code 1 ioectl -d "$rp_n_" --json "$@" >rp.json 2>/dev/null &&
	jq -e ".error.code == \"invalid\"" rp.json &&
	puts_by "$rp_n_" >rp.after &&
	test_cmp rp.before rp.after
}

# refused_everywhere RULE SHOWN PATH: put, mkdir and mv (to and from)
# refuse PATH on a, naming RULE; the chunk of the file that put would
# have sent (new bytes at each call) is not on a
re_count_=0
refused_everywhere () {
	re_count_=$((re_count_ + 1))
	echo "a file that must never be sent ($re_count_)" >fresh &&
	refused_path a "$1" "$2" files put fresh "$3" &&
	test_path_is_missing "$(chunk_file a "$(sha256sum <fresh | cut -c1-64)")" &&
	refused_path a "$1" "$2" files mkdir "$3" &&
	refused_path a "$1" "$2" files mv ok.txt "$3" &&
	refused_path a "$1" "$2" files mv "$3" ok2.txt &&
	ioectl -d a files stat ok.txt >/dev/null
}

test_expect_success 'set up a line a - b - c with a user on each node' '
	files_line_abc &&
	echo "a file already on the mesh" >ok.txt &&
	ioectl -d a files put ok.txt &&
	wait_holders 20 ok.txt 3 a b c
'

test_expect_success 'a leading / is refused: relative to the root' '
	refused_everywhere "a mesh path is relative to the mesh.s root" \
		/abs /abs &&
	refused_everywhere "relative to the mesh.s root" /ok.txt /ok.txt
'

test_expect_success 'an empty component is refused: a//b and a trailing /' '
	refused_everywhere "empty component" "a//b" "a//b" &&
	refused_everywhere "empty component" "a/" "a/" &&
	refused_everywhere "empty component" "a/b//" "a/b//" &&
	refused_everywhere "empty component" "ok.txt/" "ok.txt/"
'

test_expect_success '. and .. are refused, alone or as a component' '
	refused_everywhere "'\''\.'\'' and '\''\.\.'\'' are not allowed" . . &&
	refused_everywhere "are not allowed" .. .. &&
	refused_everywhere "are not allowed" "a/./b" "a/./b" &&
	refused_everywhere "are not allowed" "a/../b" "a/../b" &&
	refused_everywhere "are not allowed" "../ok.txt" "../ok.txt" &&
	refused_everywhere "are not allowed" "a/.." "a/.."
'

test_expect_success 'a control character is refused: \001, ESC, \037 and DEL' '
	refused_everywhere "control character" "a\\x01b" "$P_CTL" &&
	refused_everywhere "control character" "a\\x7fb" "$P_DEL" &&
	refused_everywhere "control character" "" "$(printf "a\033b")" &&
	refused_everywhere "control character" "" "$(printf "\037")"
'

test_expect_success 'a C1 control character is refused (U+0080 to U+009F)' '
	refused_everywhere "control character" "" "$(printf "a\302\205b")" &&
	refused_everywhere "control character" "" "$(printf "\302\237")"
'

test_expect_success 'a tab or a newline is allowed (doc/files.md: C0 but tab and newline)' '
	ioectl -d a files put ok.txt "$(printf "a\tb")" &&
	ioectl -d a files mkdir "$(printf "line\nbreak")" &&
	ioectl -d a files stat "$(printf "a\tb")" >/dev/null &&
	ioectl -d a files ls >out &&
	! grep -x "break/" out
'

test_expect_success 'text that is not UTF-8 is refused, naming the rule' '
	refused_everywhere "UTF-8" "" "$P_UTF8" &&
	refused_everywhere "UTF-8" "" "$P_UTF8_CUT"
'

test_expect_success 'a component over 255 bytes is refused; 255 bytes are fine' '
	refused_everywhere "at most 255 bytes" "" "$P_NAME256" &&
	refused_everywhere "at most 255 bytes" "" "d/$P_NAME256/e" &&
	ioectl -d a files put ok.txt "$P_NAME255" &&
	ioectl -d a files stat "$P_NAME255" >/dev/null
'

test_expect_success 'a path over 1024 bytes is refused; 1024 bytes are fine' '
	test ${#P_1024} = 1024 &&
	test ${#P_1025} = 1025 &&
	refused_everywhere "at most 1024 bytes" "" "$P_1025" &&
	ioectl -d a files put ok.txt "$P_1024" &&
	ioectl -d a files stat "$P_1024" >/dev/null
'

test_expect_success 'good paths that look odd are taken' '
	ioectl -d a files put ok.txt "..." &&
	ioectl -d a files put ok.txt "a..b" &&
	ioectl -d a files put ok.txt ".hidden" &&
	ioectl -d a files put ok.txt "été/ß" &&
	ioectl -d a files mkdir "with space" &&
	for p in "..." "a..b" ".hidden" "été/ß" "with space"
	do
		ioectl -d a files stat "$p" >/dev/null || return 1
	done
'

test_expect_success 'the refused paths left nothing behind on any node' '
	wait_converged 20 a b c &&
	for n in a b c
	do
		ioectl -d $n --json files log >log.$n &&
		jq -r ".entries[].path" log.$n >paths.$n &&
		! grep -e "^/" -e "//" -e "/$" -e "^\\.\\.\\?/" -e "/\\.\\.\\?/" \
			-e "^\\.\\.\\?$" paths.$n || return 1
	done
'

# --- quota ---------------------------------------------------------------

test_expect_success 'q starts with files.quota 3M, linked to a' '
	printf "name: q\nfiles:\n  quota: 3M\n" >q.yaml &&
	mesh_node q a -- -c "$PWD/q.yaml" &&
	wait_peer_up 10 a q &&
	ioectl -d q user add quinn &&
	ioectl -d q --json status >status &&
	jq -e ".files.quota == 3145728 and .files.over_quota == false" status
'

test_expect_success 'q holds a file of its own and one from a' '
	random_file own 1 &&
	ioectl -d q files put own q/own &&
	head -c 524288 /dev/urandom >froma &&
	ioectl -d a files put froma a/froma &&
	wait_complete 30 a/froma q &&
	wait_complete 30 q/own a &&
	get_cmp q q/own own &&
	get_cmp q a/froma froma
'

test_expect_success 'a 5 MiB put on q is refused before any byte is sent, naming the quota' '
	random_file five 5 &&
	chunk_hashes five >five.chunks &&
	ioectl -d q --json status | jq .files.used >used.before &&
	# the tree, less the counts of holders that other nodes change
	tree_json q | jq -c ".[] | del(.holders)" >tree.before &&
	puts_by q >puts.before &&
	test_expect_code 1 ioectl -d q files put five five >out 2>err &&
	cat err &&
	test_must_be_empty out &&
	grep "^ioectl: quota exceeded" err &&
	grep -F "quota" err &&
	grep -F "3.0 MiB" err &&
	grep -F "5.0 MiB" err &&
	grep -F "q" err &&
	test_expect_code 1 ioectl -d q --json files put five five >json 2>/dev/null &&
	jq -e ".error.code == \"quota_exceeded\"" json &&
	test $(chunks_on_disk q five.chunks) = 0 &&
	ioectl -d q --json status | jq .files.used >used.after &&
	test_cmp used.before used.after &&
	tree_json q | jq -c ".[] | del(.holders)" >tree.after &&
	test_cmp tree.before tree.after &&
	puts_by q >puts.after &&
	test_cmp puts.before puts.after
'

test_expect_success 'a puts a file larger than q'\''s quota: q says over_quota, keeps the bytes it had' '
	random_file six 6 &&
	ioectl -d a files put six a/six &&
	wait_until 30 "test \$(fstatus q over_quota) = true" &&
	sleep 1 &&
	ioectl -d q --json status >status &&
	jq -c .files status &&
	jq -e ".files.over_quota == true" status &&
	file_complete q q/own &&
	file_complete q a/froma &&
	get_cmp q q/own own &&
	get_cmp q a/froma froma &&
	ioectl -d q files verify &&
	wait_complete 30 a/six b c &&
	get_cmp c a/six six
'

test_expect_success 'q keeps no more than its quota of chunks' '
	ioectl -d q --json status >status &&
	jq -c .files status &&
	jq -e ".files.used <= .files.quota and .files.missing > 0" status &&
	test $(fstat q a/six .chunks_here) -lt 6
'

test_expect_success 'q over its quota fetches nothing more' '
	used=$(fstatus q used) &&
	sleep 2 &&
	test $(fstatus q used) = $used &&
	test $(fstatus q fetching) = 0
'

test_expect_success 'q over its quota refuses a new put, even a small one' '
	echo "a few bytes" >tiny &&
	puts_by q >puts.before &&
	test_expect_code 1 ioectl -d q --json files put tiny tiny >json 2>err &&
	cat err json &&
	jq -e ".error.code == \"quota_exceeded\"" json &&
	puts_by q >puts.after &&
	test_cmp puts.before puts.after
'

test_expect_success 'status says it in words: what q holds, its quota, and that it is over' '
	ioectl -d q status >status.out &&
	grep -E "^files        [0-9]+ files, [0-9]+ directories; .* of chunks here \(quota 3.0 MiB\)$" status.out &&
	grep "^QUOTA        over files.quota: this node fetches no more chunks and refuses new files$" status.out &&
	ioectl -d a status >status.a &&
	! grep "^QUOTA" status.a
'

test_expect_success 'q leaves the mesh' '
	ioed_stop q
'

# --- a file too large for one manifest ---------------------------------------

test_expect_success 'a file whose chunk list cannot fit in one entry is refused before any byte' '
	truncate -s 15001M huge &&
	puts_by a >puts.before &&
	test_expect_code 1 ioectl -d a files put huge huge 2>err &&
	grep "a file of 15729688576 bytes (14.6 GiB) is too large for the file ledger: at most 15728640000 bytes (14.6 GiB)" err &&
	test_expect_code 1 ioectl -d a --json files put huge huge >json 2>/dev/null &&
	jq -e ".error.code == \"too_large\"" json &&
	puts_by a >puts.after &&
	test_cmp puts.before puts.after &&
	rm -f huge
'

# --- a thousand small files ------------------------------------------------

test_expect_success 'a thousand small files put on a' '
	mkdir many &&
	for i in $(test_seq 1000)
	do
		echo "small file $i" >many/$i || return 1
	done &&
	t0=$(date +%s) &&
	test_seq 1000 | xargs -P 4 -n 50 sh -c "
		for i
		do
			ioectl -d a files put -q many/\$i m/\$i || exit 255
		done" sh &&
	echo "put 1000 files on a in $(($(date +%s) - t0)) s" &&
	ioectl -d a --json files ls m >ls.a &&
	jq -e ".entries | length == 1000" ls.a
'

# all_local NODE N: NODE lists N files in m, every one held here
all_local () {
	ioectl -d "$1" --json files ls m >"al.$1.json" 2>/dev/null &&
	jq -e --argjson n "$2" \
		"(.entries | length) == \$n and all(.entries[]; .local == true)" \
		"al.$1.json" >/dev/null
}

test_expect_success 'all thousand listed and held whole on c within 60 s' '
	t0=$(date +%s) &&
	wait_until 60 all_local c 1000 &&
	echo "c held all 1000 $(($(date +%s) - t0)) s after the last put" &&
	jq -r ".entries[].name" al.c.json | sort -n >names &&
	test_seq 1000 >expect &&
	test_cmp expect names &&
	wait_until 10 "test \$(fstatus c missing) = 0" &&
	for i in 1 500 1000
	do
		get_cmp c m/$i many/$i || return 1
	done
'

test_expect_success 'the thousand files are the same on every node, counted by all three' '
	wait_until 60 all_local b 1000 &&
	wait_until 30 "ioectl -d a --json files ls m | jq -e \"all(.entries[]; .holders == 3)\" >/dev/null" &&
	wait_converged 30 a b c &&
	for n in a b c
	do
		ioectl -d $n --json files ls m >ls.$n &&
		jq -e "all(.entries[]; .holders == 3)" ls.$n >/dev/null &&
		tree_json $n m >tree.$n || return 1
	done &&
	test_cmp tree.a tree.b &&
	test_cmp tree.a tree.c &&
	ioectl -d c files verify
'

test_done
