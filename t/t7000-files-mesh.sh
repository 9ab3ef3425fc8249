#!/bin/sh
test_description='files across a line a - b - c: a 200 MiB file, transfers cut by a crash and by a lost link, a damaged chunk repaired, a tampered ledger entry found'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-files.sh"

# a has alice, b bob, c carol. c reaches a only through b, so every byte
# c gets from a passes through b's chunk store first.

# between NODE PATH N: NODE holds some of the N chunks of PATH, not all
between () {
	bt_h_=$(fstat "$1" "$2" .chunks_here) &&
	test "$bt_h_" -ge 1 && test "$bt_h_" -lt "$3"
}

test_expect_success 'set up a line a - b - c with a user on each node' '
	files_line_abc
'

test_expect_success 'a 200 MiB file put on a is held whole by c' '
	random_file big 200 &&
	chunk_hashes big >big.chunks &&
	test_line_count = 200 big.chunks &&
	t0=$(date +%s) &&
	ioectl -d a --json files put big data/big >put.json &&
	echo "put 200 MiB on a in $(($(date +%s) - t0)) s" &&
	jq -e ".path == \"data/big\" and .size == 209715200" put.json &&
	wait_complete 90 data/big c &&
	echo "c held all 200 chunks $(($(date +%s) - t0)) s after the put" &&
	test $(chunks_on_disk c big.chunks) = 200 &&
	wait_until 10 "test \$(fstatus c missing) = 0" &&
	fstatus c fetching >out &&
	echo 0 >expect &&
	test_cmp expect out
'

test_expect_success 'files get on c gives the same 200 MiB, and the same id everywhere' '
	t0=$(date +%s) &&
	get_cmp c data/big big &&
	echo "got 200 MiB on c in $(($(date +%s) - t0)) s" &&
	id=$(jq -r .id put.json) &&
	for n in a b c
	do
		test "$(fstat $n data/big .id)" = "$id" &&
		test "$(fstat $n data/big .size)" = 209715200 &&
		test "$(fstat $n data/big .chunks)" = 200 || return 1
	done
'

test_expect_success 'files stat on every node comes to show 3 holders: a, b and c' '
	wait_holders 30 data/big 3 a b c &&
	for n in a b c
	do
		fstat $n data/big ".holder_names | join(\" \")" >out &&
		echo "a b c" >expect &&
		test_cmp expect out &&
		fstat $n data/big .chunks_here >out &&
		echo 200 >expect &&
		test_cmp expect out || return 1
	done &&
	ioectl -d c files ls -l data >out &&
	grep -E "^file +200\.0 MiB +0[0-7]{3} +alice@a .* 3/3 nodes, here +big$" out
'

test_expect_success 'c killed (-9) half-way through a file: it resumes and the bytes are right' '
	random_file crash 96 &&
	chunk_hashes crash >crash.chunks &&
	ioectl -d a files put crash crash &&
	wait_until 60 between c crash 96 &&
	ioed_kill9 c &&
	n=$(chunks_on_disk c crash.chunks) &&
	echo "c held $n of 96 chunks when it was killed" &&
	test $n -ge 1 &&
	test $n -lt 96 &&
	mesh_start c &&
	wait_complete 60 crash c &&
	test $(chunks_on_disk c crash.chunks) = 96 &&
	# it fetched what it lacked, not the whole file again
	received=$(fstatus c received) &&
	echo "c received $received chunks after its restart" &&
	test $received -le $((96 - n)) &&
	get_cmp c crash crash &&
	wait_holders 30 crash 3 a b c &&
	find c/chunks -name "*.tmp*" >tmp &&
	test_must_be_empty tmp
'

test_expect_success 'b killed (-9) while c fetches through it: c completes once b is back' '
	random_file cut 96 &&
	ioectl -d a files put cut cut &&
	wait_until 60 between c cut 96 &&
	ioed_kill9 b &&
	wait_until 10 "test \$(fstatus c sources) = 0" &&
	n=$(fstat c cut .chunks_here) &&
	echo "c held $n of 96 chunks when b was killed" &&
	test $n -lt 96 &&
	sleep 1 &&
	test $(fstat c cut .chunks_here) = $n &&
	mesh_start b &&
	wait_peer_up 10 c b &&
	wait_complete 60 cut b c &&
	get_cmp c cut cut &&
	get_cmp b cut cut &&
	wait_holders 30 cut 3 a b c
'

test_expect_success 'a damaged chunk on b: files verify fails and names it' '
	h=$(sed -n 1p big.chunks) &&
	f=$(chunk_file b $h) &&
	test_path_is_file "$f" &&
	flip_byte "$f" 4096 &&
	test_expect_code 1 ioectl -d b files verify >out 2>err &&
	cat out err &&
	grep "^chunk $h: " err &&
	test_line_count = 1 err
'

test_expect_success 'the damaged chunk is fetched again: verify passes, files get is right' '
	h=$(sed -n 1p big.chunks) &&
	wait_until 30 "ioectl -d b files verify >out 2>err" &&
	cat out &&
	test_must_be_empty err &&
	grep "^checked [0-9]* chunks$" out &&
	sha256sum <"$(chunk_file b $h)" | cut -c1-64 >actual &&
	echo $h >expect &&
	test_cmp expect actual &&
	wait_complete 10 data/big b &&
	get_cmp b data/big big
'

test_expect_success 'files verify --json: ok false, the chunk in bad with why' '
	h=$(sed -n 100p big.chunks) &&
	flip_byte "$(chunk_file b $h)" 0 &&
	test_expect_code 1 ioectl -d b --json files verify >json 2>err &&
	cat json err &&
	jq -e --arg h $h "
		.ok == false and (.bad | length) == 1 and .bad[0].hash == \$h
		and (.bad[0].why | type == \"string\" and length > 0)
		and .ledger.ok == true and .chunks >= 300" json &&
	grep "^chunk $h: " err &&
	wait_until 30 "ioectl -d b files verify >/dev/null 2>&1" &&
	test $(fstatus b bad_chunks) -ge 2
'

test_expect_success 'a damaged chunk found when it is read: files get on b is still right' '
	h=$(sed -n 37p crash.chunks) &&
	flip_byte "$(chunk_file b $h)" 1000 &&
	get_cmp b crash crash &&
	sha256sum <"$(chunk_file b $h)" | cut -c1-64 >actual &&
	echo $h >expect &&
	test_cmp expect actual &&
	ioectl -d b files verify
'

test_expect_success 'a ledger entry tampered with in c'\''s store: files verify and verify name it' '
	id=$(fstat c data/big ".versions[0].entry") &&
	test -n "$id" &&
	ioed_stop c &&
	# a byte of the body: after the fixed fields (94 bytes), the kind
	# "file.put" and its lengths
	test-tool store-flip c/store.db $id 110 &&
	mesh_start c &&
	test_expect_code 1 ioectl -d c files verify >out 2>err &&
	cat out err &&
	grep -E "^entry $id: .+" err &&
	test_expect_code 1 ioectl -d c --json files verify >json 2>err &&
	jq -e --arg id $id ".ok == false and .ledger.ok == false and .ledger.id == \$id" json &&
	test_expect_code 1 ioectl -d c verify >out 2>err &&
	grep -E "^(ioectl: )?entry $id: .+" err
'

test_expect_success 'the tampered entry does not spread: a and b still verify' '
	sleep 2 &&
	ioectl -d a files verify &&
	ioectl -d b files verify &&
	ioectl -d b verify
'

test_done
