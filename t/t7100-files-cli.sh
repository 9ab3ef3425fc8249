#!/bin/sh
test_description='ioectl files: put and get byte for byte, ls, mkdir, mv, rm, log, stat, verify, mesh path rules, local safety, resume, progress bar'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

# Two nodes, a and b, linked; a has the user alice, b the user bob. Most
# of the work is done on a.

MIB=1048576
hex64='^[0-9a-f]{64}$'

test_lazy_prereq XXD 'xxd -v'
test_lazy_prereq SCRIPT 'script -qec true /dev/null </dev/null'
test_lazy_prereq MANDOC 'mandoc -V || mandoc -h; command -v mandoc && command -v col'

# manifest_id FILE: the id doc/files.md gives FILE: SHA-256 of
# "ioe-manifest-1", NUL, size (u64 BE), chunk size (u32 BE), the hashes
manifest_id () {
	mi_size_=$(wc -c <"$1") &&
	rm -rf mi.d && mkdir mi.d &&
	split -b $MIB -a 4 -d "$1" mi.d/c. &&
	{
		printf 'ioe-manifest-1\000' &&
		printf '%016x%08x' "$mi_size_" $MIB | xxd -r -p &&
		for mi_c_ in $(ls mi.d | sort)
		do
			sha256sum <"mi.d/$mi_c_" | cut -c1-64 | xxd -r -p || return 1
		done
	} | sha256sum | cut -c1-64
}

# chunk_count NODE: the chunks NODE holds (status)
chunk_count () {
	ioectl -d "$1" --json status | jq -r '.files.chunks'
}

# chunk_file NODE HASH: where NODE keeps the chunk HASH
chunk_file () {
	cf_h_=$2
	echo "$1/chunks/$(printf %s "$cf_h_" | cut -c1-2)/$cf_h_"
}

# put_fails WHAT PATH RULE: files put of a small file to PATH exits 1 with
# the code invalid, a message naming RULE, and no chunk sent
put_fails () {
	pf_before_=$(chunk_count a) &&
	test_expect_code 1 ioectl -d a files put small "$1" 2>pf.err &&
	grep -i -e "$2" pf.err &&
	test_expect_code 1 ioectl -d a --json files put small "$1" >pf.json 2>/dev/null &&
	jq -e '.error.code == "invalid"' pf.json &&
	test "$(chunk_count a)" = "$pf_before_"
}

test_expect_success 'set up two nodes a and b, a user on each, test files' '
	mesh_ca a &&
	mesh_node b a &&
	wait_peer_up 10 a b &&
	ioectl -d a user add alice >/dev/null &&
	ioectl -d b user add bob >/dev/null &&
	: >empty &&
	printf x >one &&
	head -c $MIB /dev/urandom >mib &&
	head -c $((MIB + 1)) /dev/urandom >mibplus &&
	head -c $((5 * MIB + 12345)) /dev/urandom >five &&
	printf "%s\n" "a small file" >small &&
	chmod 640 five &&
	mkdir out
'

test_expect_success 'put says what it put: path, human size, short id' '
	ioectl -d a files put one >put.out &&
	grep -E "^put one \(1 byte, id [0-9a-f]{12}\)$" put.out &&
	ioectl -d a files put mib >put.out &&
	grep -E "^put mib \(1\.0 MiB, id [0-9a-f]{12}\)$" put.out &&
	ioectl -d a files put empty >put.out &&
	grep -E "^put empty \(0 bytes, id [0-9a-f]{12}\)$" put.out
'

test_expect_success 'put --json gives path, id, size and the entry' '
	ioectl -d a --json files put mibplus >mibplus.json &&
	jq -e --arg hex "$hex64" "
		.path == \"mibplus\" and .size == $((MIB + 1)) and
		(.id | test(\$hex)) and (.entry | test(\$hex))
	" mibplus.json &&
	ioectl -d a --json files put five >five.json &&
	jq -e ".size == $((5 * MIB + 12345))" five.json
'

test_expect_success XXD 'the file id is the manifest hash of doc/files.md' '
	for f in empty one mib mibplus five
	do
		manifest_id $f >expect &&
		ioectl -d a --json files stat $f >stat.json &&
		jq -r .id stat.json >actual &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'get gives back every file byte for byte, with its mode' '
	for f in empty one mib mibplus five
	do
		ioectl -d a files get $f out/$f >get.out &&
		cmp $f out/$f &&
		grep "^got $f (.*, id [0-9a-f]\{12\}) as out/$f$" get.out || return 1
	done &&
	test_file_mode out/five 640 &&
	test_path_is_missing out/five.ioe-part
'

# all_held NODE: every file NODE lists at the root is held by both nodes
all_held () {
	ioectl -d "$1" --json files ls >held.json &&
	jq -e "all(.entries[] | select(.type == \"file\"); .holders == 2)" held.json >/dev/null
}

test_expect_success 'b gets the files a put, and says so' '
	wait_until 20 all_held a &&
	wait_until 20 all_held b &&
	ioectl -d b files get five b-five &&
	cmp five b-five &&
	ioectl -d b files get empty b-empty &&
	cmp empty b-empty
'

test_expect_success 'get without LOCAL writes the last component into the current directory' '
	ioectl -d a files mkdir docs >/dev/null &&
	ioectl -d a files put small docs/notes.txt >/dev/null &&
	mkdir here &&
	(cd here && ioectl -d ../a files get docs/notes.txt >/dev/null) &&
	cmp small here/notes.txt &&
	test_path_is_missing here/docs
'

test_expect_success 'get into a directory writes DIR/NAME' '
	mkdir into &&
	ioectl -d a files get docs/notes.txt into >/dev/null &&
	cmp small into/notes.txt &&
	ioectl -d a files get one into/ >/dev/null &&
	cmp one into/one
'

test_expect_success 'get refuses to replace a file without -f, replaces it with -f' '
	echo precious >keep &&
	test_expect_code 1 ioectl -d a files get one keep 2>err &&
	grep "keep.* exists: give -f to replace it" err &&
	echo precious >expect &&
	test_cmp expect keep &&
	test_path_is_missing keep.ioe-part &&
	test_expect_code 1 ioectl -d a --json files get one keep >json 2>/dev/null &&
	jq -e ".error.code == \"exists\"" json &&
	ioectl -d a files get -f one keep >/dev/null &&
	cmp one keep
'

test_expect_success 'get never replaces a directory, even with -f' '
	mkdir -p dirs/one &&
	test_expect_code 1 ioectl -d a files get -f one dirs 2>err &&
	grep "dirs/one.* is a directory" err &&
	test_path_is_dir dirs/one
'

test_expect_success 'get refuses a LOCAL whose directory does not exist' '
	test_expect_code 1 ioectl -d a files get one nodir/one 2>err &&
	grep "there is no directory .nodir." err &&
	test_path_is_missing nodir &&
	test_expect_code 1 ioectl -d a files get one missing/ 2>err &&
	test_path_is_missing missing
'

test_expect_success 'get writes nowhere but the target: no ../, no symbolic link followed' '
	test_expect_code 1 ioectl -d a files get ../one 2>err &&
	mkdir jail && echo outside >victim &&
	ln -s ../victim jail/one.ioe-part &&
	test_expect_code 1 ioectl -d a files get one jail 2>err &&
	grep "one.ioe-part.*symbolic link" err &&
	echo outside >expect &&
	test_cmp expect victim &&
	test_path_is_missing jail/one
'

test_expect_success 'a mesh name with a tab is not taken as a local name; LOCAL is' '
	ioectl -d a files put small "$(printf "tab\there")" >/dev/null &&
	mkdir tabs &&
	(cd tabs && test_expect_code 1 ioectl -d ../a files get "$(printf "tab\there")" 2>../err) &&
	grep "does not end in a name usable for a local file: name LOCAL" err &&
	test_expect_code 1 ioectl -d a files get "$(printf "tab\there")" tabs 2>err &&
	ls tabs >list && test_must_be_empty list &&
	ioectl -d a files get "$(printf "tab\there")" tabs/tab-here >/dev/null &&
	cmp small tabs/tab-here &&
	ioectl -d a -u alice files rm "$(printf "tab\there")" >/dev/null
'

test_expect_success 'a killed get is resumed: right chunks kept, the rest fetched' '
	mkdir resume &&
	{
		head -c $MIB five &&
		head -c $((2 * MIB)) /dev/urandom &&
		head -c 100 /dev/zero
	} >resume/five.ioe-part &&
	ioectl -d a --json files get five resume >json &&
	cmp five resume/five &&
	test_path_is_missing resume/five.ioe-part &&
	jq -e ".chunks == 6 and .kept == 1 and .fetched == 5" json &&
	test_file_mode resume/five 640
'

test_expect_success 'a part file longer than the file, all right, is cut to size' '
	mkdir resume2 &&
	{ cat mibplus && echo garbage; } >resume2/mibplus.ioe-part &&
	ioectl -d a --json files get mibplus resume2 >json &&
	jq -e ".kept == 2 and .fetched == 0" json &&
	cmp mibplus resume2/mibplus
'

test_expect_success 'put into a directory of the mesh takes the local name' '
	ioectl -d a files put small docs >put.out &&
	grep "^put docs/small (13 bytes, id " put.out &&
	ioectl -d a files ls docs >ls.out &&
	printf "%s\n" notes.txt small >expect &&
	test_cmp expect ls.out
'

test_expect_success 'ls lists names, directories first with a trailing /' '
	ioectl -d a files ls >ls.out &&
	printf "%s\n" docs/ empty five mib mibplus one >expect &&
	test_cmp expect ls.out &&
	ioectl -d a --json files ls >ls.json &&
	jq -e ".entries | length == 6" ls.json
'

test_expect_success 'ls of a file lists that file' '
	ioectl -d a files ls docs/small >ls.out &&
	echo small >expect &&
	test_cmp expect ls.out
'

test_expect_success 'ls -l: type, size, mode, user@node, time, id, replication' '
	ioectl -d a files ls -l >ls.out &&
	test_line_count = 6 ls.out &&
	grep -E "^dir +- +- +alice@a +[0-9-]{10} [0-9:]{8}  - +- +docs/$" ls.out &&
	id=$(jq -r .id five.json | cut -c1-12) &&
	grep -E "^file +5\.0 MiB +0640 +alice@a +[0-9-]{10} [0-9:]{8}  $id  2/2 nodes, here  five$" ls.out &&
	grep -E "^file +1 byte +0644 .* one$" ls.out &&
	grep -E "^file +0 bytes +0644 .* empty$" ls.out &&
	ioectl -d a files ls -l docs/notes.txt >ls.out &&
	grep -E "^file +13 bytes +0644 +alice@a .* notes\.txt$" ls.out
'

test_expect_success 'mkdir, mv, rm: one line each' '
	ioectl -d a files mkdir procs/old >out.txt &&
	echo "made directory procs/old" >expect &&
	test_cmp expect out.txt &&
	ioectl -d a files mv docs/small procs/small.txt >out.txt &&
	echo "moved docs/small to procs/small.txt" >expect &&
	test_cmp expect out.txt &&
	ioectl -d a files rm procs/small.txt >out.txt &&
	echo "removed procs/small.txt" >expect &&
	test_cmp expect out.txt &&
	ioectl -d a files ls procs >ls.out &&
	echo old/ >expect &&
	test_cmp expect ls.out
'

test_expect_success 'mkdir, mv and rm report what is in the way' '
	test_expect_code 1 ioectl -d a --json files mkdir procs >json 2>/dev/null &&
	jq -e ".error.code == \"exists\"" json &&
	test_expect_code 1 ioectl -d a --json files mv nothing x >json 2>/dev/null &&
	jq -e ".error.code == \"not_found\"" json &&
	test_expect_code 1 ioectl -d a --json files rm procs >json 2>/dev/null &&
	jq -e ".error.code == \"invalid\"" json &&
	ioectl -d a files ls procs >/dev/null
'

test_expect_success 'log: time, user@node, op, path (-> to), id' '
	ioectl -d a files log procs >log.out &&
	test_line_count = 3 log.out &&
	sed -n 1p log.out | grep -E "^[0-9-]{10} [0-9:]{8}  alice@a  mkdir  procs/old$" &&
	sed -n 2p log.out | grep -E "^[0-9-]{10} [0-9:]{8}  alice@a  mv     docs/small -> procs/small\.txt  [0-9a-f]{12}$" &&
	sed -n 3p log.out | grep -E "^[0-9-]{10} [0-9:]{8}  alice@a  rm     procs/small\.txt  [0-9a-f]{12}$" &&
	ioectl -d a files log >log.out &&
	id=$(jq -r .id five.json | cut -c1-12) &&
	grep -E "^[0-9-]{10} [0-9:]{8}  alice@a  put    five  $id$" log.out &&
	ioectl -d a --json files log procs >log.json &&
	jq -e ".entries | length == 3 and .[1].op == \"mv\" and .[1].to == \"procs/small.txt\"" log.json
'

test_expect_success 'stat: size, id, mode, chunks, here, holders, versions' '
	ioectl -d a files stat five >stat.out &&
	grep -E "^size +5\.0 MiB \($((5 * MIB + 12345)) bytes\)$" stat.out &&
	grep -E "^id +$(jq -r .id five.json)$" stat.out &&
	grep -E "^mode +0640$" stat.out &&
	grep -E "^chunks +6 of 1\.0 MiB$" stat.out &&
	grep -E "^here +6 of 6 chunks$" stat.out &&
	grep -E "^holders +[12]: " stat.out &&
	grep -E "^versions +1$" stat.out
'

test_expect_success 'every mesh path rule gives exit 1 and names the rule' '
	put_fails /abs "relative" &&
	put_fails "a//b" "empty component" &&
	put_fails "a/" "empty component" &&
	put_fails "." "\." &&
	put_fails "a/../b" "\.\." &&
	put_fails "$(printf "a\001b")" "control character" &&
	put_fails "$(printf "a\177b")" "control character" &&
	put_fails "$(printf "a\377b")" "must be UTF-8 text" &&
	put_fails "$(printf "%0256d" 0)" "255" &&
	long=$(printf "%0100d/" $(seq 1 11)) &&
	put_fails "${long}x" "1024"
'

test_expect_success 'the daemon refuses bad paths in mkdir, mv, rm, ls and get too' '
	test_expect_code 1 ioectl -d a files mkdir /x 2>err &&
	test_expect_code 1 ioectl -d a files mv one ../x 2>err &&
	test_expect_code 1 ioectl -d a files rm a//b 2>err &&
	test_expect_code 1 ioectl -d a files ls "x/" 2>err &&
	test_expect_code 1 ioectl -d a files get .. 2>err &&
	bad=$(printf "x\377") &&
	for cmd in "mkdir $bad" "mv one $bad" "mv $bad one" "rm $bad" \
		"ls $bad" "log $bad" "stat $bad" "get $bad"
	do
		test_expect_code 1 ioectl -d a files $cmd 2>err &&
		grep "x.xff.: a mesh path must be UTF-8 text" err || return 1
	done &&
	ioectl -d a files stat one
'

test_expect_success 'put refuses a directory, a FIFO, a missing file, naming it' '
	test_expect_code 1 ioectl -d a files put out 2>err &&
	grep "cannot put .out.: it is a directory, and only a regular file can be put" err &&
	mkfifo fifo &&
	test_expect_code 1 ioectl -d a files put fifo 2>err &&
	grep "cannot put .fifo.: it is a FIFO" err &&
	test_expect_code 1 ioectl -d a --json files put nothere >json 2>err &&
	grep "cannot read .nothere.: No such file or directory" err &&
	jq -e ".error.code == \"io_error\"" json
'

test_expect_success SANITY 'put refuses an unreadable file' '
	echo secret >unreadable &&
	chmod 000 unreadable &&
	test_expect_code 1 ioectl -d a files put unreadable 2>err &&
	grep "cannot read .unreadable.: Permission denied" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 ioectl -d a files put 2>err &&
	grep "usage: ioectl files put" err &&
	test_expect_code 2 ioectl -d a files mv one 2>err &&
	test_expect_code 2 ioectl -d a files get one two three 2>err &&
	test_expect_code 2 ioectl -d a files ls -x 2>err &&
	test_expect_code 2 ioectl -d a files 2>err &&
	test_expect_code 2 ioectl -d a files frob 2>err
'

test_expect_success 'no progress bar when standard error is not a terminal' '
	ioectl -d a files get five quiet-five >/dev/null 2>err &&
	test_must_be_empty err
'

test_expect_success SCRIPT 'a progress bar on a terminal, cleared at the end' '
	script -qec "ioectl -d a files put five bar-five && ioectl -d a files get bar-five tty-five" /dev/null </dev/null >tty.out &&
	cmp five tty-five &&
	grep "iB/s" tty.out &&
	grep "\[#*\.*\]" tty.out &&
	grep "$(printf "\r\033\\[K")put bar-five (5.0 MiB" tty.out
'

test_expect_success SCRIPT '--json and -q draw no progress bar on a terminal' '
	script -qec "ioectl -d a --json files get five json-five; ioectl -d a files get -q five q-five" /dev/null </dev/null >tty.out &&
	cmp five json-five &&
	cmp five q-five &&
	! grep "iB/s" tty.out &&
	! grep "$(printf "\r\033")" tty.out &&
	test_line_count = 1 tty.out
'

test_expect_success 'get gives up when no node within reach holds a chunk, keeps what came' '
	h=$(tail -c 1 mibplus | sha256sum | cut -c1-64) &&
	ioed_stop b &&
	rm "$(chunk_file a $h)" &&
	mkdir stall &&
	test_expect_code 1 env IOE_TEST_FETCH_PATIENCE=1 \
		ioectl -d a files get mibplus stall 2>err &&
	grep "no node within reach holds chunk 2 of .mibplus." err &&
	test_path_is_missing stall/mibplus &&
	test $(wc -c <stall/mibplus.ioe-part) -ge $MIB
'

test_expect_success 'with b back, the stalled get resumes: chunk 1 kept, chunk 2 fetched from b' '
	mesh_start b &&
	wait_peer_up 10 a b &&
	ioectl -d a --json files get mibplus stall >json &&
	jq -e ".kept == 1 and .fetched == 1" json &&
	cmp mibplus stall/mibplus
'

test_expect_success 'concurrent puts: log shows the conflict copy' '
	ioed_stop b &&
	echo from-a >clash-a &&
	ioectl -d a files put clash-a clash.txt >/dev/null &&
	ioed_stop a &&
	mesh_start b &&
	echo from-b >clash-b &&
	ioectl -d b files put clash-b clash.txt >/dev/null &&
	mesh_start a -n a &&
	wait_peer_up 10 a b &&
	wait_until 20 "ioectl -d a files ls | grep -q conflict" &&
	ioectl -d a files log clash.txt >log.out &&
	test_line_count = 2 log.out &&
	# The later in the log'"'"'s order (Lamport clock, then author key)
	# keeps the path; the other is copied under its author'"'"'s name.
	if grep -q "  bob@b  put    clash\.txt  [0-9a-f]\{12\}  (" log.out
	then
		winner=b loser=a loser_user=alice
	else
		winner=a loser=b loser_user=bob
	fi &&
	grep -E "^[0-9-]{10} [0-9:]{8}  [a-z]+@$loser  put    clash\.txt  [0-9a-f]{12}$" log.out &&
	grep -E "  [a-z]+@$winner  put    clash\.txt  [0-9a-f]{12}  \(.*clash \(conflict from $loser_user on $loser\)\.txt.*\)$" log.out &&
	ioectl -d a files get "clash (conflict from $loser_user on $loser).txt" copy-loser >/dev/null &&
	cmp clash-$loser copy-loser &&
	ioectl -d a files get clash.txt copy-winner >/dev/null &&
	cmp clash-$winner copy-winner
'

test_expect_success 'verify: chunks checked, the ledger too' '
	ioectl -d a files verify >verify.out &&
	grep -E "^checked [0-9]+ chunks$" verify.out &&
	grep -E "^verified [0-9]+ entries from [0-9]+ authors$" verify.out
'

test_expect_success 'verify names a damaged chunk, exits 1; the chunk comes back' '
	h=$(printf x | sha256sum | cut -c1-64) &&
	f=$(chunk_file a $h) &&
	test_path_is_file "$f" &&
	chmod u+w "$f" && printf y >"$f" &&
	test_expect_code 1 ioectl -d a files verify >verify.out 2>verify.err &&
	grep "^chunk $h: .*damaged" verify.err &&
	wait_until 20 "test -f $f" &&
	ioectl -d a files verify &&
	ioectl -d a files get one again-one &&
	cmp one again-one
'

test_expect_success 'put, mkdir, mv, rm act for -u USER; with several users, none is a usage error' '
	ioectl -d a user add carol >/dev/null &&
	test_expect_code 2 ioectl -d a files put small by-whom 2>err &&
	grep "several users on this node (alice, carol): give -u NAME" err &&
	ioectl -d a -u carol files put small by-carol >/dev/null &&
	ioectl -d a files ls -l by-carol >ls.out &&
	grep " carol@a " ls.out &&
	IOE_USER=carol ioectl -d a files mkdir carols >/dev/null &&
	ioectl -d a -u alice files mv by-carol carols/by-carol >/dev/null &&
	ioectl -d a -u alice files log carols >log.out &&
	grep "  carol@a  mkdir  carols$" log.out &&
	grep -E "  alice@a  mv     by-carol -> carols/by-carol  [0-9a-f]{12}$" log.out &&
	test_expect_code 2 ioectl -d a files rm carols/by-carol 2>err &&
	ioectl -d a -u carol files rm carols/by-carol >/dev/null
'

test_expect_success 'help files and files --help print the usage of ioectl(1)' '
	ioectl help files >help.out &&
	ioectl files --help >help2.out &&
	test_cmp help.out help2.out &&
	test_line_count = 9 help.out
'

test_expect_success MANDOC 'each files usage is in ioectl(1) as written' '
	mandoc -T ascii "$TEST_DIRECTORY/../man/ioectl.1" | col -b >man.txt &&
	sed -e "s/^usage: ioectl //" help.out | while read -r u
	do
		grep -F -e "$u" man.txt >/dev/null || {
			echo "not in ioectl(1): $u" >&4
			return 1
		}
	done
'

test_done
