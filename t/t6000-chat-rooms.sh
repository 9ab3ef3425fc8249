#!/bin/sh
test_description='chat across a line a - b - c: users, rooms, history in one order, tail, unread, search, direct messages, a partition'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

# c has two users (carol, dave), a and b one each (alice, bob).

# hist NODE ROOM [ioectl options]: ROOM's history on NODE as lines
# "user@node<TAB>text", in the order NODE shows them (reads the room)
hist () {
	hi_n_=$1
	hi_r_=$2
	shift 2
	ioectl -d "$hi_n_" "$@" --json history "$hi_r_" >"hist.$hi_n_.json" &&
	jq -r '.messages[] | "\(.user)@\(.node)\t\(.text)"' "hist.$hi_n_.json"
}

# hist_ids NODE ROOM [ioectl options]: the ids, users, nodes and texts
# of ROOM's history on NODE, one message a line
hist_ids () {
	hd_n_=$1
	hd_r_=$2
	shift 2
	ioectl -d "$hd_n_" "$@" --json history "$hd_r_" >"ids.$hd_n_.json" &&
	jq -c '.messages[] | [.id, .user, .node, .time_us, .text]' "ids.$hd_n_.json"
}

# room_field NODE ROOM FIELD [ioectl options]: FIELD of ROOM in NODE's
# room list for the acting user
room_field () {
	rf_n_=$1
	rf_r_=$2
	rf_f_=$3
	shift 3
	ioectl -d "$rf_n_" "$@" --json room list >"rooms.$rf_n_.json" &&
	jq -r --arg r "$rf_r_" --arg f "$rf_f_" \
		'.rooms[] | select(.room == $r) | .[$f]' "rooms.$rf_n_.json"
}

# counts NODE ROOM [ioectl options]: "UNREAD MENTIONS" of ROOM
counts () {
	cn_n_=$1
	cn_r_=$2
	shift 2
	ioectl -d "$cn_n_" "$@" --json room list >"counts.$cn_n_.json" &&
	jq -r --arg r "$cn_r_" \
		'.rooms[] | select(.room == $r) | "\(.unread) \(.mentions)"' \
		"counts.$cn_n_.json"
}

# has_room NODE ROOM: NODE knows ROOM
has_room () {
	ioectl -d "$1" --json room list >"has_room.$1.json" &&
	jq -e --arg r "$2" 'any(.rooms[]; .room == $r)' "has_room.$1.json" >/dev/null
}

# n_users NODE: how many users NODE knows
n_users () {
	ioectl -d "$1" --json user list | jq '.users | length'
}

# search_texts NODE ARGS...: the texts search finds on NODE, in order
search_texts () {
	st_n_=$1
	shift
	ioectl -d "$st_n_" --json search "$@" >"search.$st_n_.json" &&
	jq -r '.messages[].text' "search.$st_n_.json"
}

# search_ok NODE TEXT: search TEXT on NODE gives a list, or refuses it
# as invalid (exit 1); never an error of the query engine
search_ok () {
	ioectl -d "$1" --json search -- "$2" >search_ok.out 2>search_ok.err
	so_rc_=$?
	if test $so_rc_ = 0
	then
		jq -e '.messages | type == "array"' search_ok.out >/dev/null &&
		return 0
	elif test $so_rc_ = 1 &&
	     jq -e '.error.code == "invalid"' search_ok.out >/dev/null &&
	     ! grep -i -e fts5 -e sqlite -e "syntax error" search_ok.err
	then
		return 0
	fi
	echo "search '$2' on $1 exited $so_rc_:" >&4
	cat search_ok.out search_ok.err >&4
	return 1
}

# proc_alive PID: PID runs (not a zombie)
proc_alive () {
	kill -0 "$1" 2>/dev/null &&
	! grep -q '^State:[ 	]*Z' "/proc/$1/status" 2>/dev/null
}

# stop_bg PID: stop PID, a command this test started in the background:
# SIGTERM, again every 0.1 s while it runs (one sent before the command
# was executed can be lost), at most 50 times
stop_bg () {
	sb_i_=0
	while proc_alive "$1" && test $sb_i_ -lt 50
	do
		kill -TERM "$1" 2>/dev/null
		sleep 0.1
		sb_i_=$((sb_i_ + 1))
	done
	! proc_alive "$1"
}

LINE_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  '

test_expect_success 'set up a line a - b - c (c reaches a only through b)' '
	mesh_ca a &&
	mesh_node b a &&
	mesh_node c b &&
	wait_peer_up 10 b a &&
	wait_peer_up 10 b c &&
	wait_peer_up 10 c b &&
	ioectl -d c --json peers >c.json &&
	jq -e "[.peers[].name] == [\"b\"]" c.json &&
	wait_converged 10 a b c
'

test_expect_success 'no user on a node: a clear message, exit 1, nothing written' '
	heads_of a >before &&
	test_expect_code 1 ioectl -d a room create ops 2>err &&
	echo "ioectl: no user on this node: run '\''ioectl user add NAME'\''" >expect &&
	test_cmp expect err &&
	test_expect_code 1 ioectl -d a --json say ops hello >out 2>err &&
	jq -e ".error.code == \"not_found\"" out &&
	heads_of a >after &&
	test_cmp before after
'

test_expect_success 'user add: alice on a, bob on b, carol and dave on c' '
	ioectl -d a user add alice >out &&
	echo "user alice@a added" >expect &&
	test_cmp expect out &&
	ioectl -d b --json user add bob >out &&
	jq -e ".name == \"bob\" and .user == \"bob@b\"" out &&
	ioectl -d c user add carol &&
	ioectl -d c user add dave
'

test_expect_success 'user add: a name taken on this node or a bad name is refused' '
	heads_of c >before &&
	test_expect_code 1 ioectl -d c user add carol 2>err &&
	grep "carol" err &&
	test_expect_code 1 ioectl -d c user add "bad name" 2>err &&
	grep "^ioectl: .*bad name" err &&
	heads_of c >after &&
	test_cmp before after
'

test_expect_success 'user list: every user of the mesh on every node, this node marked' '
	wait_until 10 "test \$(n_users a) = 4" &&
	wait_until 10 "test \$(n_users c) = 4" &&
	for n in a b c
	do
		ioectl -d $n --json user list >$n.users &&
		jq -r "[.users[].user] | sort | join(\" \")" $n.users >actual &&
		echo "alice@a bob@b carol@c dave@c" >expect &&
		test_cmp expect actual &&
		jq -r "[.users[] | select(.here) | .user] | sort | join(\" \")" \
			$n.users >actual &&
		case $n in
		c) echo "carol@c dave@c" ;;
		a) echo "alice@a" ;;
		b) echo "bob@b" ;;
		esac >expect &&
		test_cmp expect actual || return 1
	done &&
	ioectl -d c user list >out &&
	grep -x "carol@c  (this node)" out &&
	grep -x "alice@a" out &&
	test_line_count = 4 out
'

test_expect_success 'room create with a topic; the creator is a member' '
	ioectl -d a room create ops --topic "crisis ops" &&
	ioectl -d a --json room list >rooms &&
	jq -e ".rooms | length == 1" rooms &&
	jq -e ".rooms[0] | .room == \"ops\" and .topic == \"crisis ops\" and
		.members == 1 and .joined == true and .unread == 0 and
		.mentions == 0" rooms &&
	heads_of a >before &&
	test_expect_code 1 ioectl -d a room create ops 2>err &&
	grep "ops" err &&
	heads_of a >after &&
	test_cmp before after
'

test_expect_success 'several users on a node: a clear message, exit 2' '
	wait_until 10 has_room c ops &&
	heads_of c >before &&
	test_expect_code 2 ioectl -d c room join ops 2>err &&
	echo "ioectl: several users on this node (carol, dave): give -u NAME" >expect &&
	test_cmp expect err &&
	test_expect_code 2 ioectl -d c say ops hello 2>err &&
	test_cmp expect err &&
	heads_of c >after &&
	test_cmp before after
'

test_expect_success '-u NAME and IOE_USER pick the user; -u wins; an unknown -u is refused' '
	ioectl -d c -u carol room join ops >out &&
	grep "carol" out &&
	IOE_USER=dave ioectl -d c room join ops &&
	IOE_USER=dave ioectl -d c --json room list >rooms &&
	jq -e ".user == \"dave\" and .rooms[0].joined == true" rooms &&
	IOE_USER=dave ioectl -d c -u carol --json room list >rooms &&
	jq -e ".user == \"carol\"" rooms &&
	heads_of c >before &&
	test_expect_code 1 ioectl -d c -u zed --json say ops hello >out 2>err &&
	echo "ioectl: no user '\''zed'\'' on this node (carol, dave)" >expect &&
	test_cmp expect err &&
	jq -e ".error.code == \"not_found\"" out &&
	heads_of c >after &&
	test_cmp before after
'

test_expect_success 'room join from b; members are counted on every node' '
	wait_until 10 has_room b ops &&
	ioectl -d b room join ops &&
	wait_converged 10 a b c &&
	test "$(room_field a ops members)" = 4 &&
	test "$(room_field b ops members)" = 4 &&
	test "$(room_field c ops members -u carol)" = 4
'

test_expect_success 'room leave: the member count drops, the user is no longer joined' '
	ioectl -d c -u dave room create logistics --topic "fuel and food" &&
	wait_until 10 has_room b logistics &&
	ioectl -d b room join logistics &&
	wait_converged 10 a b c &&
	test "$(room_field a logistics members)" = 2 &&
	ioectl -d c -u dave room leave logistics &&
	wait_converged 10 a b c &&
	test "$(room_field a logistics members)" = 1 &&
	test "$(room_field c logistics joined -u dave)" = false &&
	test "$(room_field c logistics joined -u carol)" = false &&
	test "$(room_field b logistics joined)" = true &&
	test "$(room_field c ops joined -u dave)" = true
'

test_expect_success 'room topic: set on b, seen on a and c; room list shows it' '
	ioectl -d b room topic ops flood response, east wing &&
	wait_converged 10 a b c &&
	test "$(room_field a ops topic)" = "flood response, east wing" &&
	test "$(room_field c ops topic -u carol)" = "flood response, east wing" &&
	ioectl -d a room list >out &&
	grep -E "^\* ops +4 +[0-9]+ +[0-9]+ +flood response, east wing$" out &&
	grep -E "^  logistics +1 +[0-9]+ +[0-9]+ +fuel and food$" out
'

test_expect_success 'say from every node, one after the other: the same history, in that order, everywhere' '
	ioectl -d a say ops "alice opens" >id.a &&
	wait_converged 10 a b c &&
	ioectl -d b say ops "bob answers" >id.b &&
	wait_converged 10 a b c &&
	ioectl -d c -u carol say ops "carol closes" >id.c &&
	wait_converged 10 a b c &&
	printf "alice@a\talice opens\nbob@b\tbob answers\ncarol@c\tcarol closes\n" >expect &&
	hist a ops >a.hist &&
	test_cmp expect a.hist &&
	hist b ops >b.hist &&
	test_cmp expect b.hist &&
	hist c ops -u dave >c.hist &&
	test_cmp expect c.hist &&
	hist_ids a ops >a.ids &&
	hist_ids b ops >b.ids &&
	hist_ids c ops -u carol >c.ids &&
	test_cmp a.ids b.ids &&
	test_cmp a.ids c.ids &&
	jq -r ".[0]" a.ids >ids &&
	cat id.a id.b id.c >expect &&
	test_cmp expect ids
'

test_expect_success 'history --json: every field of a message' '
	ioectl -d c -u carol --json history ops >h.json &&
	jq -e --arg id "$(cat id.b)" "
		.messages[1] | .id == \$id and .room == \"ops\" and
		.user == \"bob\" and .node == \"b\" and .text == \"bob answers\" and
		(.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\")) and
		(.time_us | type == \"number\") and .mentions == []
	" h.json &&
	jq -e "[.messages[].time_us] | . == sort" h.json
'

test_expect_success 'history and tail lines: local time, user@node, text' '
	ioectl -d b history ops >out &&
	test_line_count = 3 out &&
	grep -E "${LINE_RE}alice@a  alice opens$" out &&
	grep -E "${LINE_RE}bob@b  bob answers$" out &&
	grep -E "${LINE_RE}carol@c  carol closes$" out
'

test_expect_success 'history --since and --until' '
	t=$(jq -r ".messages[1].time_us" h.json) &&
	ioectl -d a --json history ops --since @$((t / 1000000 + 100)) >h &&
	jq -e ".messages == []" h &&
	ioectl -d a --json history ops --until @$((t / 1000000 - 100)) >h &&
	jq -e ".messages == []" h &&
	ioectl -d a --json history ops --since @$((t / 1000000 - 100)) >h &&
	jq -e ".messages | length == 3" h
'

test_expect_success 'concurrent says on all three nodes: one order, the same everywhere' '
	for i in 1 2 3 4 5
	do
		ioectl -d a say ops "burst a$i" >/dev/null &&
		ioectl -d b say ops "burst b$i" >/dev/null &&
		ioectl -d c -u carol say ops "burst c$i" >/dev/null || return 1
	done &&
	wait_converged 10 a b c &&
	hist_ids a ops >a.ids &&
	hist_ids b ops >b.ids &&
	hist_ids c ops -u carol >c.ids &&
	test_cmp a.ids b.ids &&
	test_cmp a.ids c.ids &&
	test_line_count = 18 a.ids &&
	jq -r ".[4]" a.ids | grep "^burst a" >per.a &&
	printf "burst a%s\n" 1 2 3 4 5 >expect &&
	test_cmp expect per.a &&
	jq -r ".[4]" a.ids | grep "^burst c" >per.c &&
	printf "burst c%s\n" 1 2 3 4 5 >expect &&
	test_cmp expect per.c
'

test_expect_success 'tail -n N: the last N messages; tail: the last 20' '
	ioectl -d b tail ops -n 2 >out &&
	test_line_count = 2 out &&
	hist b ops | tail -n 2 | cut -f 2 >expect &&
	sed -E "s/${LINE_RE}[^ ]+  //" out >actual &&
	test_cmp expect actual &&
	ioectl -d b --json tail ops -n 1 >t.json &&
	jq -e --arg id "$(jq -r ".[0]" a.ids | tail -n 1)" \
		".messages | length == 1 and .[0].id == \$id" t.json &&
	i=0 &&
	while test $i -lt 4
	do
		ioectl -d a say ops "more $i" >/dev/null || return 1
		i=$((i + 1))
	done &&
	wait_converged 10 a b c &&
	ioectl -d c -u carol tail ops >out &&
	test_line_count = 20 out &&
	tail -n 1 out | grep -E "${LINE_RE}alice@a  more 3$" &&
	hist c ops -u carol | tail -n 20 | cut -f 2 >expect &&
	sed -E "s/${LINE_RE}[^ ]+  //" out >actual &&
	test_cmp expect actual
'

test_expect_success 'tail -n with a bad count is a usage error' '
	test_expect_code 2 ioectl -d a tail ops -n 0 2>err &&
	grep -- "-n" err &&
	test_expect_code 2 ioectl -d a tail ops -n x 2>err &&
	test_expect_code 1 ioectl -d a tail nosuch 2>err &&
	grep "unknown room .nosuch." err
'

test_expect_success 'tail -f: follows new messages from far and near until stopped' '
	{ ioectl -d c -u carol tail ops -f -n 1 >follow.out 2>follow.err & } &&
	pid=$! &&
	test_when_finished "stop_bg $pid" &&
	wait_until 10 "test -s follow.out" &&
	test_line_count = 1 follow.out &&
	grep -E "${LINE_RE}alice@a  more 3$" follow.out &&
	# the subscription is made after the history is printed
	sleep 1 &&
	if ! proc_alive $pid
	then
		echo "tail -f ended by itself after the history" >&4
		false
	fi &&
	grep -q ioectl /proc/$pid/cmdline &&
	ioectl -d a say ops "live from alice" &&
	wait_until 10 "grep -q \"live from alice\" follow.out" &&
	ioectl -d c -u dave say ops "live from dave" &&
	wait_until 10 "grep -q \"live from dave\" follow.out" &&
	ioectl -d a say logistics "not in ops" &&
	ioectl -d b say ops "live from bob" &&
	wait_until 10 "grep -q \"live from bob\" follow.out" &&
	# what tail -f shows is read, for carol only
	wait_converged 10 a b c &&
	test "$(counts c ops -u carol)" = "0 0" &&
	test "$(counts c ops -u dave | cut -d " " -f 1)" -gt 0 &&
	proc_alive $pid &&
	kill -TERM $pid &&
	wait_until 5 "! proc_alive $pid" &&
	{ wait $pid; rc=$?; } &&
	echo "tail -f exited $rc" &&
	test $rc = 0 &&
	sed -n "2,\$p" follow.out >lines &&
	grep -E "${LINE_RE}alice@a  live from alice$" lines &&
	grep -E "${LINE_RE}dave@c  live from dave$" lines &&
	grep -E "${LINE_RE}bob@b  live from bob$" lines &&
	! grep "not in ops" follow.out &&
	test_line_count = 3 lines &&
	test_must_be_empty follow.err
'

test_expect_success 'unread and mentions: counted per user, cleared by reading' '
	wait_converged 10 a b c &&
	ioectl -d a tail ops -n 1 >/dev/null &&
	ioectl -d b tail ops -n 1 >/dev/null &&
	ioectl -d c -u carol tail ops -n 1 >/dev/null &&
	ioectl -d c -u dave history ops >/dev/null &&
	test "$(counts a ops)" = "0 0" &&
	test "$(counts b ops)" = "0 0" &&
	test "$(counts c ops -u carol)" = "0 0" &&
	test "$(counts c ops -u dave)" = "0 0" &&
	ioectl -d a say ops "@bob, please check the pumps" >/dev/null &&
	ioectl -d a say ops "@dave@c and @carol: sandbags" >/dev/null &&
	ioectl -d a say ops "ask @bob@c too" >/dev/null &&
	wait_converged 10 a b c &&
	ioectl -d c -u carol say ops "noted @bob@b." >/dev/null &&
	wait_converged 10 a b c &&
	test "$(counts b ops)" = "4 2" &&
	test "$(counts c ops -u carol)" = "3 1" &&
	test "$(counts c ops -u dave)" = "4 1" &&
	test "$(counts a ops)" = "1 0" &&
	ioectl -d b room list >out &&
	grep -E "^\* ops +4 +4 +2  " out
'

test_expect_success 'mentions in history --json' '
	ioectl -d a --json history ops >h.json &&
	jq -c "[.messages[-4:][] | .mentions | sort]" h.json >actual &&
	echo "[[\"bob\"],[\"carol\",\"dave@c\"],[\"bob@c\"],[\"bob@b\"]]" >expect &&
	test_cmp expect actual
'

test_expect_success 'tail clears unread for that user only, on that node only' '
	ioectl -d c -u carol tail ops -n 1 >/dev/null &&
	test "$(counts c ops -u carol)" = "0 0" &&
	test "$(counts c ops -u dave)" = "4 1" &&
	test "$(counts b ops)" = "4 2"
'

test_expect_success 'history clears unread too; one own message is never unread' '
	ioectl -d c -u dave history ops >/dev/null &&
	test "$(counts c ops -u dave)" = "0 0" &&
	test "$(counts c ops -u carol)" = "0 0" &&
	ioectl -d b history ops >/dev/null &&
	test "$(counts b ops)" = "0 0" &&
	ioectl -d b say ops "on it" >/dev/null &&
	test "$(counts b ops)" = "0 0" &&
	wait_converged 10 a b c &&
	test "$(counts c ops -u carol)" = "1 0" &&
	test "$(counts c ops -u dave)" = "1 0"
'

test_expect_success 'search: messages to find, in two rooms' '
	ioectl -d a say ops "generator check at the depot" >/dev/null &&
	wait_converged 10 a b c &&
	ioectl -d b say logistics "Generator fuel low" >/dev/null &&
	wait_converged 10 a b c &&
	ioectl -d c -u carol say ops "pumps AND OR \"quoted\" NEAR(x) col:y" >/dev/null &&
	wait_converged 10 a b c
'

test_expect_success 'search: one word, any case, in every room' '
	search_texts c generator >actual &&
	printf "%s\n" "generator check at the depot" "Generator fuel low" >expect &&
	test_cmp expect actual &&
	search_texts a GENERATOR >actual &&
	test_cmp expect actual &&
	ioectl -d b search generator >out &&
	test_line_count = 2 out &&
	grep -E "${LINE_RE}ops +alice@a  generator check at the depot$" out &&
	grep -E "${LINE_RE}logistics +bob@b  Generator fuel low$" out &&
	jq -e ".messages[0] | .room == \"ops\" and .user == \"alice\" and
		.node == \"a\"" search.c.json
'

test_expect_success 'search: several words find messages holding them all, in any order' '
	search_texts b depot generator >actual &&
	echo "generator check at the depot" >expect &&
	test_cmp expect actual &&
	search_texts b "generator depot" >actual &&
	test_cmp expect actual &&
	search_texts b generator pumps >actual &&
	test_must_be_empty actual
'

test_expect_success 'search: a phrase in quotes matches those words in that order' '
	search_texts c "\"generator check\"" >actual &&
	echo "generator check at the depot" >expect &&
	test_cmp expect actual &&
	search_texts c "\"check generator\"" >actual &&
	test_must_be_empty actual
'

test_expect_success 'search --room: only that room; an unknown room is refused' '
	search_texts a generator --room logistics >actual &&
	echo "Generator fuel low" >expect &&
	test_cmp expect actual &&
	search_texts a generator --room ops >actual &&
	echo "generator check at the depot" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 ioectl -d a search generator --room nosuch 2>err &&
	grep "unknown room .nosuch." err
'

test_expect_success 'search: FTS syntax in what is typed is only text' '
	search_texts a "AND OR \"" >actual &&
	echo "pumps AND OR \"quoted\" NEAR(x) col:y" >expect &&
	test_cmp expect actual &&
	search_texts a "NEAR(x)" >actual &&
	test_cmp expect actual &&
	search_texts a "col:y" >actual &&
	test_cmp expect actual &&
	search_texts a "generator OR pumps" >actual &&
	test_must_be_empty actual &&
	search_texts a "generator NOT depot" >actual &&
	test_must_be_empty actual &&
	for q in "\"" "\"\"" "*" "(" ")" "-generator" "^" "text:" "NEAR(" "{a b}:c" "AND" "OR" "NOT" "\"a\" \"b" "gen*"
	do
		search_ok a "$q" || return 1
	done &&
	test_expect_code 1 ioectl -d a search "" 2>err &&
	test_expect_code 1 ioectl -d a search "   " 2>err
'

test_expect_success 'msg USER@NODE: a direct message, read with tail @USER@NODE on both sides' '
	ioectl -d a msg bob@b "private to bob" >dm.id &&
	wait_converged 10 a b c &&
	ioectl -d b tail @alice@a >out &&
	test_line_count = 1 out &&
	grep -E "${LINE_RE}alice@a  private to bob$" out &&
	ioectl -d b msg alice@a "reply to alice" &&
	wait_converged 10 a b c &&
	ioectl -d a tail @bob@b >out &&
	test_line_count = 2 out &&
	sed -E "s/${LINE_RE}//" out >actual &&
	printf "%s\n" "alice@a  private to bob" "bob@b  reply to alice" >expect &&
	test_cmp expect actual &&
	ioectl -d a --json history @bob@b >h.json &&
	jq -e --arg id "$(cat dm.id)" ".messages | length == 2 and
		.[0].id == \$id and .[0].room == \"@bob@b\" and
		.[1].user == \"bob\" and .[1].node == \"b\"" h.json
'

test_expect_success 'a direct conversation is not shown to a third user' '
	for u in carol dave
	do
		ioectl -d c -u $u tail @alice@a >out &&
		test_must_be_empty out &&
		ioectl -d c -u $u tail @bob@b >out &&
		test_must_be_empty out &&
		ioectl -d c -u $u --json history @alice@a >h.json &&
		jq -e ".messages == []" h.json || return 1
	done &&
	search_texts c private >actual &&
	test_must_be_empty actual &&
	search_texts a private >actual &&
	test_must_be_empty actual &&
	ioectl -d c -u carol msg alice@a "carol to alice" &&
	wait_converged 10 a b c &&
	ioectl -d b tail @alice@a >out &&
	test_line_count = 2 out &&
	! grep "carol to alice" out &&
	ioectl -d a tail @carol@c >out &&
	test_line_count = 1 out &&
	grep "carol@c  carol to alice$" out
'

test_expect_success 'tail -f @USER@NODE follows the conversation, not others' '
	{ ioectl -d b tail @alice@a -f >dmfollow.out 2>dmfollow.err & } &&
	pid=$! &&
	test_when_finished "stop_bg $pid" &&
	wait_until 10 "test \$(wc -l <dmfollow.out) -ge 2" &&
	sleep 1 &&
	if ! proc_alive $pid
	then
		echo "tail -f ended by itself after the history" >&4
		false
	fi &&
	grep -q ioectl /proc/$pid/cmdline &&
	ioectl -d c -u carol msg alice@a "carol again" &&
	ioectl -d a msg bob@b "alice live" &&
	wait_until 10 "grep -q \"alice live\" dmfollow.out" &&
	ioectl -d b msg alice@a "bob live" &&
	wait_until 10 "grep -q \"bob live\" dmfollow.out" &&
	kill -TERM $pid &&
	wait_until 5 "! proc_alive $pid" &&
	! grep "carol again" dmfollow.out &&
	test_line_count = 4 dmfollow.out
'

test_expect_success 'b stops: a and c say while apart and do not see each other' '
	hist a ops >before.a &&
	ioed_stop b &&
	wait_until 10 "test \$(peers_up c) = 0" &&
	wait_until 10 "test \$(peers_up a) = 0" &&
	ioectl -d a say ops "apart a1" >/dev/null &&
	ioectl -d c -u carol say ops "apart c1" >/dev/null &&
	ioectl -d a say ops "apart a2" >/dev/null &&
	ioectl -d c -u dave say ops "apart c2" >/dev/null &&
	ioectl -d c -u carol say ops "apart c3" >/dev/null &&
	sleep 1 &&
	hist a ops >a.apart &&
	! grep "apart c" a.apart &&
	hist c ops -u carol >c.apart &&
	! grep "apart a" c.apart
'

test_expect_success 'b comes back: all three show the same messages in the same order' '
	mesh_start b &&
	wait_converged 30 a b c &&
	hist_ids a ops >a.ids &&
	hist_ids b ops >b.ids &&
	hist_ids c ops -u carol >c.ids &&
	test_cmp a.ids b.ids &&
	test_cmp a.ids c.ids &&
	jq -r ".[4]" a.ids | grep "^apart " >apart &&
	test_line_count = 5 apart &&
	grep "^apart a" apart >actual &&
	printf "apart a%s\n" 1 2 >expect &&
	test_cmp expect actual &&
	grep "^apart c" apart >actual &&
	printf "apart c%s\n" 1 2 3 >expect &&
	test_cmp expect actual &&
	ioectl -d a history ops >a.txt &&
	ioectl -d b history ops >b.txt &&
	ioectl -d c -u dave history ops >c.txt &&
	test_cmp a.txt b.txt &&
	test_cmp a.txt c.txt &&
	for n in a b c
	do
		ioectl -d $n --json verify >v.json &&
		jq -e ".ok == true" v.json || return 1
	done
'

test_done
