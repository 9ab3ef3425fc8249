#!/bin/sh
test_description='files_store_bytes, the daemon storing bytes as a file of the ledger (the voice relay'\''s recordings), through test-tool files-store on a stopped node'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

MIB=1048576
REC="rooms/ops/recordings/2026-11-22T10-00-00Z alice@a.opus"

# row NODE PATH FIELD: FIELD of PATH in NODE's tree (files stat)
row () {
	ioectl -d "$1" --json files stat "$2" >row.json &&
	jq -r ".$3" row.json
}

test_expect_success 'set up a and b, alice on a, bytes to store' '
	mesh_ca a &&
	mesh_node b a &&
	wait_peer_up 10 a b &&
	ioectl -d a user add alice >/dev/null &&
	head -c $((2 * MIB + 4321)) /dev/urandom >first &&
	head -c 777 /dev/urandom >second &&
	: >empty
'

test_expect_success 'two stores at one path: the second takes a free name' '
	ioed_stop a &&
	test-tool files-store a a "$REC" alice first second >out &&
	cat out &&
	test_line_count = 2 out &&
	mesh_start a &&
	test "$(row a "$REC" size)" = $((2 * MIB + 4321)) &&
	test "$(row a "$REC" chunks)" = 3 &&
	test "$(row a "$REC" chunks_here)" = 3 &&
	test "$(row a "rooms/ops/recordings/2026-11-22T10-00-00Z alice@a 2.opus" size)" = 777 &&
	test "$(row a "$REC" user)" = alice &&
	test "$(row a "rooms/ops/recordings" type)" = dir
'

test_expect_success 'the files read back byte for byte and verify' '
	ioectl -d a files get "$REC" got1 >/dev/null &&
	cmp first got1 &&
	ioectl -d a files get "rooms/ops/recordings/2026-11-22T10-00-00Z alice@a 2.opus" got2 >/dev/null &&
	cmp second got2 &&
	ioectl -d a --json files verify >verify.json &&
	jq -e ".ok and (.bad | length) == 0" verify.json
'

test_expect_success 'b gets them like any file' '
	wait_until 20 "ioectl -d b --json files stat \"$REC\" >b.json 2>/dev/null && jq -e .local b.json >/dev/null" &&
	ioectl -d b files get "$REC" got3 >/dev/null &&
	cmp first got3
'

test_expect_success 'an empty file, a third name' '
	ioed_stop a &&
	test-tool files-store a a "$REC" alice empty >out &&
	mesh_start a &&
	test "$(row a "rooms/ops/recordings/2026-11-22T10-00-00Z alice@a 3.opus" size)" = 0
'

test_expect_success 'refused: a bad path, an unknown user, a file in the way' '
	ioed_stop a &&
	test_must_fail test-tool files-store a a "/abs" alice second 2>err &&
	grep "relative to the mesh" err &&
	test_must_fail test-tool files-store a a "x" mallory second 2>err &&
	grep "no user '\''mallory'\'' on this node" err &&
	test_must_fail test-tool files-store a a "$REC/below" alice second 2>err &&
	grep "is a file, not a directory" err &&
	mesh_start a
'

test_expect_success 'refused beside a running daemon' '
	test_must_fail test-tool files-store a a x alice second 2>err &&
	grep "another ioed (pid [0-9]*) is running" err
'

test_done
