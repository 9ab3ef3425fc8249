#!/bin/sh
test_description='room set ROOM record on|off: the room.set entry, room list, across two nodes, concurrent settings, refused values, hostile bodies'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

# Two nodes, a and b, linked; alice on a, bob on b; alice made the room
# ops on a.

# recording NODE ROOM: "true" or "false", from NODE's room list
recording () {
	ioectl -d "$1" --json room list >"rec.$1.json" &&
	jq -r --arg r "$2" '.rooms[] | select(.room == $r) | .recording' \
		"rec.$1.json"
}

# recording_is NODE ROOM VALUE
recording_is () {
	test "$(recording "$1" "$2")" = "$3"
}

test_expect_success 'set up a and b, alice and bob, the room ops' '
	mesh_ca a &&
	mesh_node b a &&
	wait_peer_up 10 a b &&
	ioectl -d a user add alice >/dev/null &&
	ioectl -d b user add bob >/dev/null &&
	ioectl -d a room create ops >/dev/null &&
	wait_until 10 "recording_is b ops false"
'

test_expect_success 'a new room does not record; room list has a REC column' '
	recording_is a ops false &&
	ioectl -d a room list >list &&
	grep -E "^  ROOM +MEMBERS +UNREAD +MENTIONS +REC +TOPIC$" list &&
	grep -E "^\* ops +1 +0 +0 +$" list
'

test_expect_success 'room set ops record on: said, listed, in the ledger' '
	ioectl -d a room set ops record on >out &&
	echo "alice set record on in ops" >expect &&
	test_cmp expect out &&
	recording_is a ops true &&
	ioectl -d a room list >list &&
	grep -E "^\* ops +1 +0 +0 +on *$" list
'

test_expect_success 'the setting reaches b' '
	wait_until 10 "recording_is b ops true"
'

test_expect_success '--json gives room, user and record' '
	ioectl -d b --json room set ops record off >out.json &&
	jq -e ".room == \"ops\" and .user == \"bob\" and .record == false" out.json &&
	recording_is b ops false &&
	wait_until 10 "recording_is a ops false"
'

test_expect_success 'only on and off: a clear usage error, exit 2, nothing written' '
	heads_of a >before &&
	test_expect_code 2 ioectl -d a room set ops record yes 2>err &&
	grep "^ioectl: record is '\''on'\'' or '\''off'\'', not '\''yes'\''$" err &&
	grep "usage: .*room set NAME record on|off" err &&
	test_expect_code 2 ioectl -d a room set ops record 2>err &&
	test_expect_code 2 ioectl -d a room set ops volume on 2>err &&
	grep "^ioectl: unknown setting '\''volume'\'' (settings: record)$" err &&
	test_expect_code 2 ioectl -d a --json room set ops record ON >out.json 2>/dev/null &&
	jq -e ".error.code == \"usage\"" out.json &&
	heads_of a >after &&
	test_cmp before after
'

test_expect_success 'an unknown room: not_found, exit 1, nothing written' '
	heads_of a >before &&
	test_expect_code 1 ioectl -d a room set nope record on 2>err &&
	echo "ioectl: unknown room '\''nope'\''" >expect &&
	test_cmp expect err &&
	test_expect_code 1 ioectl -d a --json room set nope record on >out.json 2>/dev/null &&
	jq -e ".error.code == \"not_found\"" out.json &&
	heads_of a >after &&
	test_cmp before after
'

test_expect_success 'the control method wants a boolean record' '
	PV=$(ioectl --json version | jq .protocol) &&
	for bad in "\"yes\"" 1 null
	do
		echo "{\"v\":$PV,\"id\":1,\"method\":\"room.set\",\"params\":{\"room\":\"ops\",\"record\":$bad}}" |
		timeout 20 test-tool zmq-send "$(ioed_ctl a)" >reply &&
		jq -e ".error.code == \"bad_request\"" reply || return 1
	done &&
	echo "{\"v\":$PV,\"id\":1,\"method\":\"room.set\",\"params\":{\"room\":\"ops\"}}" |
	timeout 20 test-tool zmq-send "$(ioed_ctl a)" >reply &&
	jq -e ".error.code == \"bad_request\"" reply &&
	recording_is a ops false
'

test_expect_success 'set at once on a and b: both show the same, the later in log order' '
	wait_converged 10 a b &&
	ioectl -d a room set ops record on >/dev/null &
	ioectl -d b room set ops record off >/dev/null &&
	wait $! &&
	wait_converged 10 a b &&
	test "$(recording a ops)" = "$(recording b ops)"
'

test_expect_success 'room set before the room exists (hostile or early): no room, no crash' '
	ioed_stop b &&
	test-tool mesh-peer b "$(mesh_ep a)" \
		entry room.set "{\"room\":\"ghost\",\"user\":\"bob\",\"record\":true}" \
		entry room.set "{\"room\":\"ops\",\"user\":\"bob\",\"record\":\"yes\"}" \
		entry room.set "{\"room\":\"ops\",\"record\":true}" \
		entry room.set "{\"room\":\"../x\",\"user\":\"bob\",\"record\":true}" \
		entry room.set "[1,2]" \
		entry room.set "not json" \
		ping >out &&
	grep -x "ping: pong" out &&
	before=$(recording a ops) &&
	ioectl -d a --json room list >list.json &&
	jq -e "all(.rooms[]; .room != \"ghost\")" list.json &&
	test "$(recording a ops)" = "$before" &&
	ioectl -d a --json status >/dev/null
'

test_expect_success 'a room created after its setting takes it' '
	ioectl -d a room create ghost >/dev/null &&
	recording_is a ghost true
'

test_lazy_prereq SQLITE3 'sqlite3 -version'

test_expect_success 'b comes back and agrees' '
	mesh_start b &&
	wait_peer_up 10 a b &&
	wait_converged 10 a b &&
	test "$(recording a ops)" = "$(recording b ops)" &&
	recording_is b ghost true
'

test_expect_success SQLITE3 'an older store is upgraded and the view rebuilt from the log' '
	recording a ops >before &&
	recording a ghost >>before &&
	ioed_stop a &&
	sqlite3 a/store.db "DROP TABLE room_settings; PRAGMA user_version = 4" &&
	mesh_start a &&
	recording a ops >after &&
	recording a ghost >>after &&
	test_cmp before after
'

test_done
