#!/bin/sh
test_description='the voice relay across a line a - b - c: frames reach listeners two hops away and nobody else, the floor is one holder everywhere, emergencies preempt, a talker cut off frees the floor'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-files.sh"

# raw NODE ROOM USER MODE PRIO SECONDS: test-tool's bare voice client
raw () {
	test-tool voice-raw "$@"
}

# vstatus NODE: the result of voice.status on NODE
vstatus () {
	echo '{"v":4,"id":1,"method":"voice.status"}' |
	timeout 10 test-tool zmq-send "ipc://$PWD/$1/ctl" | jq .result
}

# holder NODE ROOM: who holds the floor of ROOM as NODE sees it ("" if free)
holder () {
	vstatus "$1" |
	jq -r --arg r "$2" '.rooms[] | select(.room == $r) | .floor.talker // ""'
}

test_expect_success 'set up a line a - b - c and a room' '
	files_line_abc &&
	ioectl -d a room create ops &&
	wait_converged 10 a b c
'

test_expect_success 'the voice socket answers HELLO and refuses nonsense' '
	test -S a/voice &&
	test "$(stat -c %a a/voice)" = 600 &&
	test_must_fail raw a nope alice listen normal 0 >out &&
	grep "ERROR LISTEN not_found" out &&
	test_must_fail raw a ops nobody ptt normal 0 >out &&
	grep "ERROR TALK not_found no user .nobody. on this node" out &&
	test_must_fail raw a ops alice shout normal 0 >out &&
	grep "ERROR TALK bad_request" out
'

test_expect_success 'a listener on c hears a talker on a, two hops away' '
	raw c ops carol listen normal 4 >listen.out &
	lpid=$! &&
	wait_until 10 "ioectl -d a --json map | jq -e \".nodes[] | select(.name == \\\"c\\\") | .voice.ops\"" &&
	raw a ops alice ptt normal 2 >talk.out &&
	wait $lpid &&
	cat talk.out listen.out &&
	grep "^GRANTED ops" talk.out &&
	sent=$(sed -n "s/^SENT //p" talk.out) &&
	heard=$(sed -n "s/^HEARD alice@a //p" listen.out) &&
	echo "sent $sent heard $heard" &&
	test "$sent" -ge 90 &&
	test "$heard" = "$sent" &&
	grep "^FLOOR ops alice@a" listen.out
'

test_expect_success 'frames go only towards listeners: b relays, nothing is sent to a node with none' '
	vstatus b >b.json &&
	jq -e ".streams[] | select(.talker == \"alice@a\") | .frames > 0" b.json &&
	vstatus c >c.json &&
	jq -e ".streams[] | select(.talker == \"alice@a\") | .frames > 0 and .lost == 0" c.json &&
	raw a ops alice ptt normal 1 >talk2.out &&
	vstatus b >b2.json &&
	jq -e "[.streams[] | select(.talker == \"alice@a\" and .active)] | length == 0 or all(.frames == 0)" b2.json
'

test_expect_success 'a listener on b only: c, beyond it, gets nothing' '
	raw b ops bob listen normal 4 >blisten.out &
	wait_until 10 "ioectl -d a --json map | jq -e \".nodes[] | select(.name == \\\"b\\\") | .voice.ops\"" &&
	raw a ops alice ptt normal 2 >talk3.out &&
	wait &&
	stream=$(sed -n "s/^GRANTED ops //p" talk3.out) &&
	sent=$(sed -n "s/^SENT //p" talk3.out) &&
	test "$(sed -n "s/^HEARD alice@a //p" blisten.out)" = "$sent" &&
	vstatus c >c3.json &&
	jq -e --argjson s "$stream" "[.streams[] | select(.stream == \$s) | .frames] | add // 0 | . == 0" c3.json
'

test_expect_success 'a second talker is refused while the first holds the floor, on any node' '
	raw a ops alice ptt normal 5 >first.out &
	tpid=$! &&
	wait_until 5 "test \"\$(holder c ops)\" = alice@a" &&
	# No listener anywhere: no frame reaches c, yet the floor is held
	# there past its 1 s time-out, by the press said again.
	sleep 2 &&
	test "$(holder c ops)" = alice@a &&
	test_must_fail raw c ops carol ptt normal 1 >second.out &&
	grep "^BUSY ops alice@a" second.out &&
	wait $tpid
'

test_expect_success 'an emergency preempts the holder, and every node agrees' '
	{ raw a ops alice ptt normal 4 >normal.out; echo $? >normal.rc; } &

	# (not "&&" before "&": that would run the whole list in the
	# background)
	wait_until 5 "test \"\$(holder c ops)\" = alice@a" || return 1
	raw c ops carol ptt emergency 2 >emerg.out &

	wait_until 5 "grep PREEMPTED normal.out" &&
	grep "^PREEMPTED ops [0-9]* carol@c" normal.out &&
	for n in a b c
	do
		test "$(holder $n ops)" = carol@c || return 1
	done &&
	# dash reaps every finished job in one wait: wait for all
	wait &&
	echo 3 >expect &&
	test_cmp expect normal.rc
'

test_expect_success 'two talkers who press apart (b down) get one winner once b is back, the same on every node' '
	ioed_stop b || return 1
	{ raw a ops alice ptt normal 8 >race.a; echo $? >race.a.rc; } &
	{ raw c ops carol ptt normal 8 >race.c; echo $? >race.c.rc; } &
	wait_until 5 "grep ^GRANTED race.a && grep ^GRANTED race.c" &&
	mesh_start b &&
	wait_until 10 "grep ^PREEMPTED race.a race.c" &&
	wait_until 5 "test -n \"\$(holder b ops)\"" &&
	w=$(holder a ops) &&
	echo "winner: $w" &&
	test "$(holder b ops)" = "$w" &&
	test "$(holder c ops)" = "$w" &&
	wait &&
	cat race.a.rc race.c.rc | sort >rcs &&
	printf "0\n3\n" >expect &&
	test_cmp expect rcs &&
	case "$w" in
	alice@a) grep "^PREEMPTED ops [0-9]* alice@a" race.c ;;
	carol@c) grep "^PREEMPTED ops [0-9]* carol@c" race.a ;;
	*) false ;;
	esac
'

test_expect_success 'a talker cut off (killed) frees the floor within seconds, on every node' '
	test-tool voice-raw a ops alice ptt normal 30 >killed.out &
	tpid=$! &&
	wait_until 5 "test \"\$(holder b ops)\" = alice@a" &&
	kill -9 $tpid &&
	wait_until 8 "test -z \"\$(holder a ops)\" && test -z \"\$(holder b ops)\" && test -z \"\$(holder c ops)\"" &&
	raw c ops carol ptt normal 1 >after.out &&
	grep "^GRANTED" after.out
'

test_expect_success 'a hostile neighbour flooding made-up talkers and malformed frames: bounded, and b still relays' '
	mesh_node mallory b &&
	wait_peer_up 10 b mallory &&
	ioed_stop mallory &&
	test-tool mesh-peer mallory $(mesh_ep b) voice ops 3000 ping >out &&
	grep "^ping: pong" out &&
	vstatus b >flood.json &&
	n=$(jq ".streams | length" flood.json) &&
	echo "b knows $n streams" &&
	test "$n" -le 1024 &&
	test $(grep -c "streams or rooms are known already" b/ioed.log) -le 3 &&
	grep "malformed message from" b/ioed.log &&
	wait_until 20 "test \$(vstatus b | jq \".streams | length\") -lt 1024" ||
		return 1
	raw c ops carol listen normal 3 >l5.out &
	wait_until 10 "ioectl -d a --json map | jq -e \".nodes[] | select(.name == \\\"c\\\") | .voice.ops\"" &&
	raw a ops alice ptt normal 1 >t5.out &&
	wait &&
	test "$(sed -n "s/^HEARD alice@a //p" l5.out)" = "$(sed -n "s/^SENT //p" t5.out)"
'

test_expect_success 'a recorded room stores each talk spurt as an Ogg Opus file in the ledger' '
	ioectl -d a room set ops record on &&
	wait_until 10 "ioectl -d c --json room list | jq -e \".rooms[] | select(.room == \\\"ops\\\") | .recording\"" &&
	raw c ops carol ptt normal 2 >rec.out &&
	sent=$(sed -n "s/^SENT //p" rec.out) &&
	wait_until 10 "ioectl -d a --json files ls rooms/ops/recordings | jq -e \".entries | length == 1\"" &&
	ioectl -d a --json files ls rooms/ops/recordings >rec.json &&
	path=$(jq -r ".entries[0].path" rec.json) &&
	echo "$path" &&
	case "$path" in
	"rooms/ops/recordings/"*"Z carol@c.opus") ;;
	*) false ;;
	esac &&
	ioectl -d a files get "$path" rec.opus &&
	opusinfo rec.opus >info.txt 2>&1 || true &&
	opusdec --quiet --rate 16000 rec.opus rec.wav &&
	samples=$(soxi -s rec.wav) &&
	echo "sent $sent frames, decoded $samples samples" &&
	test $samples -ge $(( (sent - 1) * 320 - 104 )) &&
	test $samples -le $(( sent * 320 )) &&
	strings rec.opus | grep "TALKER=carol@c" &&
	ioectl -d a room set ops record off &&
	wait_until 10 "ioectl -d c --json room list | jq -e \".rooms[] | select(.room == \\\"ops\\\") | .recording == false\"" &&
	raw c ops carol ptt normal 1 >norec.out &&
	sleep 1 &&
	ioectl -d a --json files ls rooms/ops/recordings | jq -e ".entries | length == 1"
'

test_done
