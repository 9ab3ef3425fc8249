#!/bin/sh
test_description='control API robustness: bad requests get error replies, ioed stays up; one daemon per DIR'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

# The protocol version the programs speak (ioe-protocol(7)).
PV=$(ioectl --json version | jq .protocol)

# send: stdin as one frame to alpha's control socket, the reply on stdout
# (bounded: a lost reply must not hang the test)
send () {
	timeout 20 test-tool zmq-send "$EP"
}

# answers: alpha still answers status
answers () {
	ioectl -d alpha -t 10 status >status.out &&
	grep -E "^node +alpha$" status.out
}

# error_reply FILE: FILE is one error reply of this protocol version
error_reply () {
	cat "$1" &&
	jq -e --argjson pv "$PV" '.v == $pv and (.error.code | type == "string" and length > 0) and
		(.error.message | type == "string" and length > 0) and
		(has("result") | not)' "$1"
}

count () {
	ioectl -d alpha --json journal list | jq '.entries | length'
}

test_expect_success 'set up' '
	ioed_start alpha -n alpha &&
	EP=$(ioed_ctl alpha) &&
	echo "$EP"
'

test_expect_success 'a good request gets a result with its id' '
	printf "{\"v\":$PV,\"id\":3,\"method\":\"status\"}" | send >reply &&
	jq -e ".v == $PV and .id == 3 and .result.name == \"alpha\" and (has(\"error\") | not)" reply
'

test_expect_success 'journal.add through the API' '
	printf "{\"v\":$PV,\"id\":4,\"method\":\"journal.add\",\"params\":{\"text\":\"via api\"}}" | send >reply &&
	jq -e ".id == 4 and (.result.id | test(\"^[0-9a-f]{64}$\"))" reply &&
	ioectl -d alpha --json journal list >list &&
	jq -e ".entries[-1].text == \"via api\" and .entries[-1].id == \"$(jq -r .result.id reply)\"" list
'

test_expect_success 'a method result is what ioectl --json prints' '
	printf "{\"v\":$PV,\"id\":1,\"method\":\"status\"}" | send >reply &&
	jq -S ".result | del(.uptime)" reply >api &&
	ioectl -d alpha --json status | jq -S "del(.uptime)" >cli &&
	test_cmp cli api &&
	for m in journal.list ledger.heads verify
	do
		printf "{\"v\":$PV,\"id\":1,\"method\":\"%s\"}" $m | send >reply &&
		jq -S .result reply >api &&
		ioectl -d alpha --json $(echo $m | tr . " ") | jq -S . >cli &&
		test_cmp cli api || return 1
	done
'

test_expect_success 'journal.list since and until (Unix µs) are inclusive' '
	ioectl -d alpha journal add "second" &&
	ioectl -d alpha journal add "third" &&
	ioectl -d alpha --json journal list >list &&
	t=$(jq ".entries[1].time_us" list) &&
	printf "{\"v\":$PV,\"id\":2,\"method\":\"journal.list\",\"params\":{\"since\":%s}}" $t | send >reply &&
	jq -r ".result.entries[].text" reply >actual &&
	printf "second\nthird\n" >expect &&
	test_cmp expect actual &&
	printf "{\"v\":$PV,\"id\":2,\"method\":\"journal.list\",\"params\":{\"until\":%s}}" $t | send >reply &&
	jq -r ".result.entries[].text" reply >actual &&
	printf "via api\nsecond\n" >expect &&
	test_cmp expect actual &&
	printf "{\"v\":$PV,\"id\":2,\"method\":\"journal.list\",\"params\":{\"since\":%s,\"until\":%s}}" $t $t | send >reply &&
	jq -r ".result.entries[].text" reply >actual &&
	echo second >expect &&
	test_cmp expect actual
'

test_expect_success 'journal.list limit and author' '
	printf "{\"v\":$PV,\"id\":2,\"method\":\"journal.list\",\"params\":{\"limit\":1}}" | send >reply &&
	jq -r ".result.entries[].text" reply >actual &&
	echo third >expect &&
	test_cmp expect actual &&
	printf "{\"v\":$PV,\"id\":2,\"method\":\"journal.list\",\"params\":{\"author\":\"self\"}}" | send >reply &&
	jq -e ".result.entries | length == 3" reply &&
	printf "{\"v\":$PV,\"id\":2,\"method\":\"journal.list\",\"params\":{\"author\":\"alpha\"}}" | send >reply &&
	jq -e ".result.entries | length == 3" reply
'

test_expect_success 'new entries are published on the event socket' '
	test-tool subscribe "ipc://$PWD/alpha/events" 2 10000 >events.out 2>events.err &
	sub=$! &&
	wait_until 10 "grep -q subscribed events.err" &&
	i=0 &&
	while ioed_alive_ $sub && test $i -lt 50
	do
		i=$((i + 1)) &&
		ioectl -d alpha journal add "event $i" >>event.ids &&
		sleep 0.2 || return 1
	done &&
	{ wait $sub; rc=$?; } &&
	test $rc = 0 &&
	cat events.out &&
	sed -n "1p;3p" events.out >topics &&
	printf "entry\nentry\n" >expect &&
	test_cmp expect topics &&
	sed -n 2p events.out >e1 &&
	sed -n 4p events.out >e2 &&
	key=$(ioectl -d alpha --json status | jq -r .key) &&
	for e in e1 e2
	do
		jq -e --arg key "$key" "
			(.id | test(\"^[0-9a-f]{64}$\")) and .author == \$key and
			.name == \"alpha\" and (.seq | type == \"number\") and
			(.lamport | type == \"number\") and (.time | type == \"string\") and
			.kind == \"journal\"
		" $e || return 1
		grep -qx "$(jq -r .id $e)" event.ids || return 1
	done &&
	test $(jq .seq e2) = $(($(jq .seq e1) + 1))
'

test_expect_success 'not JSON: error reply with id null, ioed answers' '
	printf "hello, this is not json" | send >reply &&
	error_reply reply &&
	jq -e "has(\"id\") and .id == null" reply &&
	answers
'

test_expect_success 'an empty frame: error reply, ioed answers' '
	printf "" | send >reply &&
	error_reply reply &&
	answers
'

test_expect_success 'random bytes, five times: error replies, ioed answers' '
	for i in 1 2 3 4 5
	do
		head -c 1000 /dev/urandom | send >reply &&
		error_reply reply &&
		answers || return 1
	done
'

test_expect_success 'truncated JSON: error reply' '
	printf "{\"v\":$PV,\"id\":5,\"method\":\"sta" | send >reply &&
	error_reply reply &&
	answers
'

test_expect_success 'JSON that is not an object: error replies' '
	for req in "[1,2,3]" "\"status\"" 42 null true "[]"
	do
		printf "%s" "$req" | send >reply &&
		error_reply reply &&
		answers || return 1
	done
'

test_expect_success 'no method: error reply with the id' '
	printf "{\"v\":$PV,\"id\":6}" | send >reply &&
	error_reply reply &&
	jq -e ".id == 6" reply &&
	answers
'

test_expect_success 'method not a string: error reply' '
	printf "{\"v\":$PV,\"id\":7,\"method\":42}" | send >reply &&
	error_reply reply &&
	printf "{\"v\":$PV,\"id\":7,\"method\":null}" | send >reply &&
	error_reply reply &&
	answers
'

test_expect_success 'unknown method: error reply with the id' '
	printf "{\"v\":$PV,\"id\":8,\"method\":\"no.such.method\"}" | send >reply &&
	error_reply reply &&
	jq -e ".id == 8" reply &&
	printf "{\"v\":$PV,\"id\":8,\"method\":\"\"}" | send >reply &&
	error_reply reply &&
	answers
'

test_expect_success 'wrong version: error reply' '
	for v in $((PV + 1)) 0 -1 "\"$PV\"" null 1.5
	do
		printf "{\"v\":%s,\"id\":9,\"method\":\"status\"}" "$v" | send >reply &&
		error_reply reply || return 1
	done &&
	answers
'

test_expect_success 'no version: error reply version_mismatch' '
	printf "{\"id\":10,\"method\":\"status\"}" | send >reply &&
	error_reply reply &&
	jq -e ".error.code == \"version_mismatch\" and .id == 10" reply &&
	answers
'

test_expect_success 'multi-frame and envelope-less messages do not upset ioed' '
	{ test-tool zmq-frames "$EP" "" "{\"v\":$PV,\"id\":1,\"method\":\"status\"}" "extra frame"; true; } &&
	{ test-tool zmq-frames "$EP" "no envelope"; true; } &&
	{ test-tool zmq-frames "$EP" "" "" ""; true; } &&
	answers
'

test_expect_success 'bad params for journal.add: error replies, nothing added' '
	n=$(count) &&
	for params in "" ",\"params\":[]" ",\"params\":\"x\"" ",\"params\":{}" \
		",\"params\":{\"text\":5}" ",\"params\":{\"text\":null}" \
		",\"params\":{\"text\":\"\"}" ",\"params\":{\"text\":[\"a\"]}"
	do
		printf "{\"v\":$PV,\"id\":11,\"method\":\"journal.add\"%s}" "$params" | send >reply &&
		error_reply reply || return 1
	done &&
	test $(count) = $n &&
	answers
'

test_expect_success 'invalid UTF-8 in the request: error reply, nothing added' '
	n=$(count) &&
	printf "{\"v\":$PV,\"id\":12,\"method\":\"journal.add\",\"params\":{\"text\":\"a\377b\"}}" | send >reply &&
	error_reply reply &&
	printf "{\"v\":$PV,\"id\":12,\"method\":\"journal.add\",\"params\":{\"text\":\"lone \\\\ud800\"}}" >req &&
	cat req &&
	send <req >reply &&
	error_reply reply &&
	test $(count) = $n &&
	answers
'

test_expect_success 'bad params for journal.list and ledger.show: error replies' '
	printf "{\"v\":$PV,\"id\":13,\"method\":\"journal.list\",\"params\":{\"limit\":\"x\"}}" | send >reply &&
	error_reply reply &&
	printf "{\"v\":$PV,\"id\":13,\"method\":\"journal.list\",\"params\":{\"since\":\"yesterday\"}}" | send >reply &&
	error_reply reply &&
	printf "{\"v\":$PV,\"id\":14,\"method\":\"ledger.show\",\"params\":{}}" | send >reply &&
	error_reply reply &&
	printf "{\"v\":$PV,\"id\":14,\"method\":\"ledger.show\",\"params\":{\"id\":42}}" | send >reply &&
	error_reply reply &&
	printf "{\"v\":$PV,\"id\":14,\"method\":\"ledger.show\",\"params\":{\"id\":\"zz\"}}" | send >reply &&
	error_reply reply &&
	answers
'

test_expect_success 'a 2 MB journal.add: error reply, ioed answers' '
	n=$(count) &&
	{
		printf "{\"v\":$PV,\"id\":15,\"method\":\"journal.add\",\"params\":{\"text\":\"" &&
		head -c 2000000 /dev/zero | tr "\000" a &&
		printf "\"}}"
	} >big.json &&
	send <big.json >reply &&
	error_reply reply &&
	test $(count) = $n &&
	answers
'

test_expect_success 'deeply nested JSON: error reply, ioed answers' '
	head -c 100000 /dev/zero | tr "\000" "[" >deep.json &&
	send <deep.json >reply &&
	error_reply reply &&
	answers
'

test_expect_success 'a 20 MB frame of random bytes: error reply or none, ioed answers' '
	head -c 20000000 /dev/urandom >huge &&
	{ send <huge >reply; true; } &&
	{ test ! -s reply || error_reply reply; } &&
	answers
'

test_expect_success 'clients that go away before the reply do not wedge ioed' '
	for i in 1 2 3 4 5
	do
		printf "{\"v\":$PV,\"id\":16,\"method\":\"verify\"}" >req &&
		{ timeout -s KILL 0.05 test-tool zmq-send "$EP" <req >/dev/null; true; } || return 1
	done &&
	answers
'

test_expect_success 'four clients in parallel, 20 requests each: all answered' '
	for c in 1 2 3 4
	do
		(
			i=0
			while test $i -lt 20
			do
				i=$((i + 1))
				ioectl -d alpha -t 10 status >/dev/null || { echo "client $c: request $i failed"; exit 1; }
			done
		) >client.$c 2>&1 &
		pids="$pids $!"
	done &&
	ok=0 &&
	for p in $pids
	do
		wait $p && ok=$((ok + 1))
	done &&
	cat client.* &&
	test $ok = 4
'

test_expect_success 'a stopped daemon: ioectl -t 1 gives up with exit 3' '
	pid=$(ioed_pid alpha) &&
	kill -STOP $pid &&
	test_when_finished "kill -CONT $pid" &&
	start=$(date +%s) &&
	test_expect_code 3 ioectl -d alpha -t 1 status 2>err &&
	test $(($(date +%s) - start)) -le 4 &&
	grep -Ex "ioectl: no daemon answers at .(alpha|$PWD/alpha). \(no reply within 1000 ms\)" err &&
	start=$(date +%s) &&
	test_expect_code 3 env IOE_TIMEOUT=1 ioectl -d alpha status 2>err &&
	test $(($(date +%s) - start)) -le 4 &&
	grep -E "\(no reply within 1000 ms\)" err &&
	kill -CONT $pid &&
	answers
'

# --- one daemon per DIR ---

test_expect_success 'a second ioed on the same DIR is refused' '
	pid=$(ioed_pid alpha) &&
	inode=$(stat -c %i alpha/ctl) &&
	ioed_expect_refused 1 alpha 2>err &&
	cat err &&
	grep -Ex "ioed: another ioed \(pid $pid\) is running on .(alpha|$PWD/alpha)." err &&
	test $(cat alpha/ioed.pid) = $pid &&
	test $(stat -c %i alpha/ctl) = $inode &&
	test_path_is_socket alpha/events &&
	answers
'

test_expect_success 'a second ioed -f on the same DIR is refused' '
	pid=$(ioed_pid alpha) &&
	test_expect_code 1 timeout 20 ioed -f -d alpha 2>err &&
	cat err &&
	grep -E "^ioed: another ioed \(pid $pid\) is running on " err &&
	test $(cat alpha/ioed.pid) = $pid &&
	answers
'

test_expect_success 'the same DIR by another path is refused too' '
	pid=$(ioed_pid alpha) &&
	ioed_expect_refused 1 "$PWD/alpha" 2>err &&
	grep -E "^ioed: another ioed \(pid $pid\) is running on " err &&
	ioed_expect_refused 1 ./alpha/../alpha 2>err &&
	grep -E "^ioed: another ioed \(pid $pid\) is running on " err &&
	ln -s alpha alias &&
	ioed_expect_refused 1 alias 2>err &&
	grep -E "^ioed: another ioed \(pid $pid\) is running on " err &&
	test $(cat alpha/ioed.pid) = $pid &&
	answers
'

test_expect_success 'the first daemon keeps working after the refusals' '
	ioectl -d alpha journal add "still here" &&
	ioectl -d alpha journal list | tail -n 1 >last &&
	grep "  alpha  still here$" last &&
	ioectl -d alpha verify
'

test_done
