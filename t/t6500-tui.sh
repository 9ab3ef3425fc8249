#!/bin/sh
test_description='ioe-tui: the model self-tests, then the real program in tmux on a mesh of three nodes'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-tui.sh"

# The chat methods (doc/chat.md) on the running node alpha.
test_lazy_prereq CHAT 'ioectl -d "$TRASH_DIRECTORY/alpha" user list'

# --- the model, headless --------------------------------------------------

test_expect_success TUI 'ioe-tui-selftest lists the model classes' '
	ioe-tui-selftest -l >classes &&
	grep -x app classes &&
	grep -x input classes &&
	grep -x map classes
'

if test -x "$IOE_BUILD_DIR/src/ioe-tui-selftest"
then
	for class in $(ioe-tui-selftest -l 2>/dev/null)
	do
		test_expect_success TUI "model self-test of $class" "
			ioe-tui-selftest -t $class >out 2>&1 || { cat out; false; }
		"
	done
fi

test_expect_success TUI 'ioe-tui: usage, version, and no terminal' '
	test_expect_code 2 ioe-tui -x 2>err &&
	grep "^usage: ioe-tui" err &&
	ioe-tui -V >out &&
	grep "^ioe-tui [0-9]" out &&
	test_expect_code 1 ioe-tui -d nowhere </dev/null >out 2>err &&
	grep "needs a terminal" err
'

test_expect_success TUI,TMUX 'without a daemon ioe-tui says so and exits 1' '
	tui_start nodaemon "$TRASH_DIRECTORY/nowhere" 80 24 &&
	test "$(wait_exit 10 nodaemon)" = 1 &&
	grep "no daemon at" nodaemon.err
'

# --- a mesh ---------------------------------------------------------------

test_expect_success 'set up a line alpha - bravo - charlie' '
	mesh_ca alpha &&
	mesh_node bravo alpha &&
	mesh_node charlie bravo &&
	wait_peer_up 10 alpha bravo &&
	wait_peer_up 10 charlie bravo
'

# --- chat (needs the chat methods of doc/chat.md) --------------------------

test_expect_success TUI,TMUX,CHAT 'first start: no user on the node, ioe-tui asks for a name and adds it' '
	tui_start a alpha 120 40 &&
	wait_screen 10 a "your name:" &&
	wait_screen 5 a "this node has no user yet" &&
	type_line a alice &&
	wait_screen 10 a "[alice@alpha]" &&
	ioectl -d alpha user list >users &&
	grep alice users
'

test_expect_success TUI,TMUX,CHAT '/join makes a room; ioe-tui on charlie joins it' '
	type_line a "/join ops" &&
	wait_screen 10 a "[2:ops]" &&
	ioectl -d charlie user add bob &&
	wait_until 20 "ioectl -d charlie room list | grep -q ops" &&
	tui_start b charlie 120 40 &&
	wait_screen 10 b "[bob@charlie]" &&
	type_line b "/join ops" &&
	wait_screen 10 b "[2:ops]"
'

test_expect_success TUI,TMUX,CHAT 'a line typed on alpha shows on the screen of charlie, with its author' '
	type_line a "hello from alice" &&
	wait_screen 10 a "hello from alice" &&
	wait_screen 20 b "hello from alice" &&
	grep "alice@alpha.*hello from alice" b.screen
'

test_expect_success TUI,TMUX,CHAT 'a line typed on charlie shows on alpha' '
	type_line b "hi alice, bob here" &&
	wait_screen 20 a "hi alice, bob here" &&
	grep "bob@charlie.*hi alice, bob here" a.screen
'

test_expect_success TUI,TMUX,CHAT 'escape sequences in a message are shown inert' '
	ioectl -d alpha say ops "$(printf "red \033[31mALARM\033[0m end")" &&
	wait_screen 20 b "red \\x1b[31mALARM\\x1b[0m end" &&
	screen b -e &&
	grep "ALARM" b.screen >line &&
	! grep -E "$ESC\[([0-9]*;)*31m" line
'

test_expect_success TUI,TMUX,CHAT 'Tab completes commands and rooms' '
	t send-keys -t b -l "/jo" &&
	keys b Tab &&
	wait_screen 5 b "] /join" &&
	t send-keys -t b -l "o" &&
	keys b Tab &&
	wait_screen 5 b "] /join ops" &&
	keys b C-u &&
	wait_screen_not 5 b "] /join"
'

test_expect_success TUI,TMUX,CHAT 'unread and mention counts in the room list' '
	keys b M-1 &&
	wait_screen 5 b "[1:ioe]" &&
	type_line a "ping @bob" &&
	wait_screen 20 b "1@1" &&
	keys b M-2 &&
	wait_screen 5 b "ping @bob" &&
	wait_screen_not 5 b "1@1"
'

test_expect_success TUI,TMUX,CHAT 'PgUp and PgDn scroll back through the room' '
	i=0 &&
	while test $i -lt 60
	do
		ioectl -d charlie say ops "line $i" >/dev/null || return 1
		i=$((i + 1))
	done &&
	wait_screen 20 b "line 59" &&
	keys b PPage &&
	wait_screen 5 b "more below" &&
	! grep -F "line 59" b.screen &&
	keys b NPage NPage NPage &&
	wait_screen 5 b "line 59" &&
	wait_screen_not 5 b "more below"
'

test_expect_success TUI,TMUX,CHAT 'an alert raised on charlie: a banner on alpha until /ack' '
	ioectl -d charlie alert ops "evacuate wing B" --level critical &&
	wait_screen 20 a "(/ack to acknowledge)" &&
	grep "CRITICAL.*evacuate wing B" a.screen &&
	type_line a "/ack" &&
	wait_screen_not 10 a "(/ack to acknowledge)" &&
	ioectl -d alpha --json alerts >alerts.json &&
	jq -e "any(.alerts[]; .text == \"evacuate wing B\" and
		any(.acked[]; .user | startswith(\"alice\")))" alerts.json
'

test_expect_success TUI,TMUX,CHAT '/quit leaves ioe-tui with status 0' '
	type_line b "/quit" &&
	test "$(wait_exit 10 b)" = 0 &&
	type_line a "/quit" &&
	test "$(wait_exit 10 a)" = 0
'

# --- map, status, help, terminal (need only the mesh) ----------------------

test_expect_success TUI,TMUX 'in 80x24, the map view draws the three nodes' '
	tui_start m alpha 80 24 &&
	wait_screen 10 m "alpha] [" &&
	keys m F2 &&
	wait_screen 10 m "map of the mesh" &&
	wait_screen 20 m "[charlie]" &&
	grep -F "[alpha]" m.screen &&
	grep -F "[bravo]" m.screen &&
	grep "mesh seen from alpha: 3 nodes reachable, 2 links" m.screen
'

test_expect_success TUI,TMUX 'links are coloured by quality, and not with -C or NO_COLOR' '
	screen m -e &&
	grep -E "$ESC\[([0-9]*;)*3[1-3]m.*-----" m.screen &&
	tui_start mono alpha 80 24 -C &&
	wait_screen 10 mono "alpha] [" &&
	keys mono F2 &&
	wait_screen 20 mono "[charlie]" &&
	screen mono -e &&
	! grep -E "$ESC\[([0-9]*;)*([34][0-7])m" mono.screen &&
	t new-session -d -s nocolor -x 80 -y 24 \
		"NO_COLOR=1 ioe-tui -d $TRASH_DIRECTORY/alpha" &&
	wait_screen 10 nocolor "alpha] [" &&
	screen nocolor -e &&
	! grep -E "$ESC\[([0-9]*;)*([34][0-7])m" nocolor.screen &&
	type_line mono /quit &&
	type_line nocolor /quit
'

test_expect_success TUI,TMUX 'the status view shows the node and its links' '
	keys m F3 &&
	wait_screen 10 m "status of node alpha" &&
	wait_screen 10 m "bravo" &&
	grep -E "bravo +(in|out) +up" m.screen
'

test_expect_success TUI,TMUX 'the help screen lists keys and commands' '
	keys m F1 &&
	wait_screen 10 m "PgUp, PgDn" &&
	keys m NPage &&
	wait_screen 5 m "/join ROOM" &&
	keys m Escape &&
	wait_screen_not 5 m "PgUp, PgDn"
'

test_expect_success TUI,TMUX 'ioe-tui follows a resize' '
	keys m F2 &&
	wait_screen 10 m "[charlie]" &&
	t resize-window -t m -x 120 -y 40 &&
	wait_until 10 "screen m && test \$(wc -l <m.screen) = 40 &&
		sed -n 39p m.screen | grep -q \"^\\[\" &&
		grep -q \"^mesh seen from alpha\" m.screen" &&
	grep -F "[charlie]" m.screen &&
	t resize-window -t m -x 100 -y 30 &&
	wait_until 10 "screen m && test \$(wc -l <m.screen) = 30 &&
		sed -n 29p m.screen | grep -q \"^\\[\" &&
		grep -q \"^mesh seen from alpha\" m.screen" &&
	grep -F "[charlie]" m.screen
'

test_expect_success TUI,TMUX 'the map is live: a node that stops leaves it' '
	ioed_stop charlie &&
	wait_screen 40 m "2 nodes reachable" &&
	! grep -F "[charlie]" m.screen &&
	mesh_start charlie &&
	wait_screen 40 m "3 nodes reachable" &&
	type_line m /quit &&
	test "$(wait_exit 10 m)" = 0
'

test_done
