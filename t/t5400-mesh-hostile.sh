#!/bin/sh
test_description='a neighbour that misbehaves: bad signatures, truncated and
malformed messages, a forked feed, random bytes on the mesh ports'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

. "$TEST_DIRECTORY/lib-mesh.sh"

# A TCP and UDP port pair nobody uses, below the ephemeral range that
# outgoing connections take their ports from.
port=$(mesh_port alpha)
ep=tcp://127.0.0.1:$port

test_expect_success 'a node and a peer with a real certificate' '
	ioed_start alpha -n alpha --listen $ep &&
	ioectl -d alpha pki init --mesh hostile >/dev/null &&
	ioectl -d alpha pki issue mallory --out mallory >/dev/null &&
	ioed_start mallory -n mallory --peer $ep &&
	wait_until 10 "ioectl -d alpha --json peers | jq -e \".peers[] | select(.name == \\\"mallory\\\" and .state == \\\"up\\\")\"" &&
	ioectl -d mallory journal add "the original words" &&
	wait_until 10 "journal_texts alpha | grep -qx \"the original words\"" &&
	ioed_stop mallory
'

test_expect_success 'an entry with a bad signature is refused, the link stays' '
	test-tool mesh-peer mallory $ep badsig "forged words" ping >out &&
	cat out &&
	grep -x welcome out &&
	grep -x "ping: pong" out &&
	! journal_texts alpha | grep -q "forged words" &&
	grep "bad signature; refused" alpha/ioed.log
'

test_expect_success 'truncated and malformed messages are refused with a reason' '
	test-tool mesh-peer mallory $ep truncated garbage ping >out &&
	grep -x "ping: pong" out &&
	grep "does not decode: truncated" alpha/ioed.log &&
	grep "ENTRY with 2 fields, not 1" alpha/ioed.log &&
	grep "summary of 41 bytes is malformed" alpha/ioed.log &&
	grep "unknown command" alpha/ioed.log
'

test_expect_success 'a good entry after all that is taken' '
	test-tool mesh-peer mallory $ep good "honest words" >out &&
	wait_until 10 "journal_texts alpha | grep -qx \"honest words\""
'

test_expect_success 'a forked feed: the first entry is kept, the other is evidence, status raises it' '
	ioectl -d alpha --json status >before &&
	jq -e ".forks == 0" before &&
	test-tool mesh-peer mallory $ep fork "second version of history" ping >out &&
	grep -x "ping: pong" out &&
	wait_until 10 "ioectl -d alpha --json status | jq -e \".forks == 1\"" &&
	ioectl -d alpha status >status &&
	grep "^ALERT .*forked" status &&
	! journal_texts alpha | grep -q "second version of history" &&
	journal_texts alpha | grep -qx "honest words" &&
	grep "fork: author" alpha/ioed.log
'

test_expect_success 'another forged version of that entry is kept too' '
	test-tool mesh-peer mallory $ep fork "third version of history" >out &&
	wait_until 10 "ioectl -d alpha --json status | jq -e \".forks == 2\"" &&
	! journal_texts alpha | grep -q "third version"
'

test_expect_success 'verify still passes: nothing bad was stored' '
	ioectl -d alpha verify
'

test_expect_success 'random bytes on the TCP and UDP mesh ports do not hurt' '
	for i in 1 2 3
	do
		head -c 5000 /dev/urandom >junk &&
		timeout 5 bash -c "cat junk >/dev/tcp/127.0.0.1/$port" 2>/dev/null
		timeout 5 bash -c "cat junk >/dev/udp/127.0.0.1/$port" 2>/dev/null
		true
	done &&
	ioectl -d alpha status >/dev/null &&
	test-tool mesh-peer mallory $ep ping >out &&
	grep -x "ping: pong" out
'

test_expect_success 'a cloned node forks its feed: the first is kept, links stay quiet' '
	ioed_stop alpha &&
	ioed_start alpha -n alpha --listen $ep &&
	ioectl -d alpha pki issue victor --out victor >/dev/null &&
	ioed_start victor --peer $ep &&
	ioectl -d victor journal add "victor before the clone" &&
	wait_until 10 "journal_texts alpha | grep -qx \"victor before the clone\"" &&
	ioed_stop victor &&
	cp -a victor clone &&
	ioed_start victor --peer $ep &&
	for i in 1 2 3; do ioectl -d victor journal add "victor original $i" || return 1; done &&
	wait_until 10 "journal_texts alpha | grep -qx \"victor original 3\"" &&
	ioed_stop victor &&
	ioectl -d alpha --json status | jq .forks >forks.before &&
	ioed_start clone --peer $ep &&
	for i in 1 2 3 4 5; do ioectl -d clone journal add "clone version $i" || return 1; done &&
	wait_until 15 "ioectl -d alpha --json status | jq -e \".forks > $(cat forks.before)\"" &&
	! journal_texts alpha | grep -q "clone version" &&
	ioectl -d alpha verify &&
	ioectl -d alpha --json peers | jq "[.peers[].bytes_in] | add" >in.1 &&
	sleep 4 &&
	ioectl -d alpha --json peers | jq "[.peers[].bytes_in] | add" >in.2 &&
	echo "bytes in over 4 s: $(($(cat in.2) - $(cat in.1)))" &&
	test $(($(cat in.2) - $(cat in.1))) -lt 20000 &&
	ioed_stop clone
'

test_expect_success 'an expired certificate is refused with the reason' '
	test-tool pki-issue-at alpha old old -200000 -100 &&
	test_must_fail test-tool mesh-peer old $ep ping >out &&
	grep -x "refused: certificate has expired" out &&
	grep "refused a link .*certificate has expired" alpha/ioed.log
'

test_expect_success 'a certificate not yet valid is refused with the reason' '
	test-tool pki-issue-at alpha early early +3600 +200000 &&
	test_must_fail test-tool mesh-peer early $ep ping >out &&
	grep -x "refused: certificate is not yet valid" out
'

test_expect_success 'a node whose own certificate expired says why its mesh waits' '
	ioed_start old -n old --peer $ep &&
	ioectl -d old status >status &&
	grep "^mesh  *not running: .*certificate has expired" status
'

test_done
