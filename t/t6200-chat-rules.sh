#!/bin/sh
test_description='chat rules across a line a - b - c: texts, names, rooms, users, levels and deadlines refused with nothing written; control characters shown inert'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

# a runs with chat.max_bytes 64 (DIR/ioe.yaml); b and c with the default.
# Users: alice@a, bob@b, carol@c. Room ops: all three.

# no_controls FILE: FILE holds no control character but newline and tab
# (no escape sequence can reach the terminal) and no C1 control
no_controls () {
	if LC_ALL=C tr -d '\000-\010\013-\037\177' <"$1" | cmp -s - "$1" &&
	   ! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1"
	then
		return 0
	fi
	echo "'$1' holds control characters:" >&4
	od -c "$1" >&4
	return 1
}

# refused NODE EXIT CODE PATTERN ARGS...: 'ioectl -d NODE --json ARGS'
# exits EXIT, gives the error CODE, says on stderr what matches PATTERN
# (grep -E) with nothing raw for the terminal, and writes nothing: NODE's
# ledger heads are unchanged
refused () {
	rf_node_=$1
	rf_exit_=$2
	rf_code_=$3
	rf_pat_=$4
	shift 4
	heads_of "$rf_node_" >refused.before || return 1
	ioectl -d "$rf_node_" --json "$@" >refused.out 2>refused.err
	rf_rc_=$?
	cat refused.err
	if test $rf_rc_ != "$rf_exit_"
	then
		echo "refused: 'ioectl -d $rf_node_ --json $*' exited $rf_rc_, not $rf_exit_" >&4
		cat refused.out >&4
		return 1
	fi
	if ! jq -e --arg c "$rf_code_" '.error.code == $c' refused.out >/dev/null
	then
		echo "refused: 'ioectl $*': not the error code $rf_code_:" >&4
		cat refused.out >&4
		return 1
	fi
	if ! head -n 1 refused.err | grep -E -- "^ioectl: .*$rf_pat_" >/dev/null
	then
		echo "refused: 'ioectl $*': the message does not match '$rf_pat_'" >&4
		return 1
	fi
	no_controls refused.err &&
	no_controls refused.out &&
	heads_of "$rf_node_" >refused.after &&
	test_cmp refused.before refused.after
}

# n_msgs NODE ROOM [ioectl options]: how many messages ROOM holds on NODE
n_msgs () {
	nm_n_=$1
	nm_r_=$2
	shift 2
	ioectl -d "$nm_n_" "$@" --json history "$nm_r_" | jq '.messages | length'
}

# repeat N TEXT: TEXT N times, on one line, no newline
repeat () {
	rp_i_=0
	while test $rp_i_ -lt $1
	do
		printf '%s' "$2"
		rp_i_=$((rp_i_ + 1))
	done
}

test_expect_success 'set up a line a - b - c; a has chat.max_bytes 64' '
	mkdir -m 700 a &&
	printf "chat:\n  max_bytes: 64\n" >a/ioe.yaml &&
	mesh_ca a &&
	mesh_node b a &&
	mesh_node c b &&
	wait_peer_up 10 b a &&
	wait_peer_up 10 b c &&
	wait_peer_up 10 c b &&
	ioectl -d a user add alice &&
	ioectl -d b user add bob &&
	ioectl -d c user add carol &&
	ioectl -d a room create ops &&
	wait_converged 10 a b c &&
	ioectl -d b room join ops &&
	ioectl -d c room join ops &&
	ioectl -d a role assign it-oncall bob@b &&
	wait_converged 10 a b c
'

test_expect_success 'an empty text is refused: say, msg, alert, topic' '
	refused a 1 invalid "the text is empty" say ops "" &&
	refused a 1 invalid "the text is empty" msg bob@b "" &&
	refused a 1 invalid "the text is empty" alert ops "" &&
	refused a 1 invalid "the topic is empty" room topic ops "" &&
	refused c 1 invalid "the text is empty" say ops "" &&
	: | refused c 1 invalid "the text is empty" say ops -
'

test_expect_success 'a text of white space only is refused, ASCII or Unicode, argument or stdin' '
	refused a 1 invalid "the text is empty" say ops "   " &&
	refused a 1 invalid "the text is empty" say ops " 	 " "  " &&
	refused b 1 invalid "the text is empty" msg alice@a "$(printf " \t\r\v\f")" &&
	refused c 1 invalid "the text is empty" alert ops "$(printf "\302\240\343\200\200\342\200\203")" &&
	refused b 1 invalid "the topic is empty" room topic ops "    " &&
	printf " \n\t\n\n" | refused c 1 invalid "the text is empty" say ops -
'

test_expect_success 'invalid UTF-8 is refused: a bad byte, overlong, a surrogate, cut short' '
	for t in "\377" "ok \377 ok" "\300\257" "\355\240\200" "\342\202" "\370\210\200\200\200" "\364\220\200\200"
	do
		text=$(printf "$t") &&
		refused a 1 invalid "not valid UTF-8" say ops "$text" &&
		refused b 1 invalid "not valid UTF-8" msg alice@a "$text" &&
		refused c 1 invalid "not valid UTF-8" alert ops "$text" &&
		refused a 1 invalid "not valid UTF-8" room topic ops "$text" ||
		return 1
	done &&
	printf "abc\377def\n" | refused c 1 invalid "not valid UTF-8" say ops -
'

test_expect_success 'a NUL on standard input is refused' '
	printf "before\000after" | refused a 1 invalid "NUL" say ops - &&
	printf "\000" | refused c 1 invalid "NUL" say ops - &&
	printf "x\000y\n" | refused b 1 invalid "NUL" msg alice@a - &&
	printf "x\000y" | refused b 1 invalid "NUL" alert ops -
'

test_expect_success 'over chat.max_bytes is refused as too_large; at the limit is accepted' '
	t64=$(repeat 64 x) &&
	t65=$(repeat 65 x) &&
	refused a 1 too_large "65 bytes, over the limit of 64 \(chat.max_bytes\)" say ops "$t65" &&
	refused a 1 too_large "over the limit of 64" msg bob@b "$t65" &&
	refused a 1 too_large "over the limit of 64" alert ops "$t65" &&
	refused a 1 too_large "over the limit of 64" room topic ops "$t65" &&
	refused a 1 too_large "66 bytes, over the limit of 64" say ops "$(repeat 33 "é")" &&
	printf "%s\n" "$t65" | refused a 1 too_large "over the limit of 64" say ops - &&
	n=$(n_msgs a ops) &&
	ioectl -d a say ops "$t64" &&
	ioectl -d a say ops "$(repeat 32 "é")" &&
	printf "%s\n" "$t64" | ioectl -d a say ops - &&
	test $(n_msgs a ops) = $((n + 3))
'

test_expect_success 'the default chat.max_bytes is 16384 (on b)' '
	repeat 16385 y >big &&
	refused b 1 too_large "16385 bytes, over the limit of 16384" say ops - <big &&
	repeat 2000000 z >huge &&
	refused b 1 too_large "" say ops - <huge &&
	repeat 16384 y >max &&
	ioectl -d b say ops - <max &&
	wait_converged 10 a b c &&
	ioectl -d c --json history ops >h.json &&
	jq -e ".messages[-1].text | length == 16384" h.json
'

test_expect_success 'room names: control characters, spaces and other bad names are refused' '
	refused a 1 invalid "room name .bad name. may only hold" room create "bad name" &&
	refused a 1 invalid "room name .*may only hold" room create "$(printf "tab\tname")" &&
	refused a 1 invalid "room name .esc\\\\x1b\[31m. may only hold" room create "$(printf "esc\033[31m")" &&
	refused a 1 invalid "room name .*may only hold" room create "$(printf "new\nline")" &&
	refused a 1 invalid "room name .*may only hold" room create "$(printf "bell\007")" &&
	refused a 1 invalid "room name .*may only hold" room create "a/b" &&
	refused a 1 invalid "room name .*may only hold" room create "caf$(printf "\303\251")" &&
	refused a 1 invalid "room name .*may only hold" room create "x@y" &&
	refused a 1 invalid "room name" room create -- -lead &&
	refused a 1 invalid "room name" room create ".dot" &&
	refused a 1 invalid "room name" room create "_under" &&
	refused a 1 invalid "room name is empty" room create "" &&
	refused c 1 invalid "room name .*longer than 63" room create "$(repeat 64 r)" &&
	ioectl -d c room create "$(repeat 63 r)" &&
	ioectl -d c room create "A.b_c-9"
'

test_expect_success 'an unknown room is refused by every command that names one' '
	refused a 1 not_found "unknown room .nosuch." say nosuch hi &&
	refused b 1 not_found "unknown room .nosuch." room join nosuch &&
	refused b 1 not_found "unknown room .nosuch." room leave nosuch &&
	refused b 1 not_found "unknown room .nosuch." room topic nosuch hi &&
	refused c 1 not_found "unknown room .nosuch." tail nosuch &&
	refused c 1 not_found "unknown room .nosuch." history nosuch &&
	refused c 1 not_found "unknown room .nosuch." alert nosuch hi &&
	refused c 1 not_found "unknown room .nosuch." search hi --room nosuch &&
	refused a 1 not_found "unknown room .bad name." say "bad name" hi &&
	refused a 1 not_found "unknown room .esc\\\\x1b" say "$(printf "esc\033[31m")" hi
'

test_expect_success 'an unknown user is refused: msg, tail @USER@NODE, role assign, -u' '
	refused a 1 not_found "no user .zed@a. in the mesh" msg zed@a hi &&
	refused a 1 not_found "no user .bob@a. in the mesh" msg bob@a hi &&
	refused a 1 not_found "no user .bob@nowhere. in the mesh" msg bob@nowhere hi &&
	refused a 1 not_found "no user .bob. in the mesh: write it NAME@NODE" msg bob hi &&
	refused c 1 not_found "no user .zed@b. in the mesh" tail @zed@b &&
	refused a 1 not_found "no user .zed@b. in the mesh" role assign it-oncall zed@b &&
	refused a 1 not_found "no user .carol. in the mesh" role assign it-oncall carol &&
	refused b 1 not_found "no user .zed@c. in the mesh" role unassign it-oncall zed@c &&
	refused a 1 not_found "no user .zed. on this node" -u zed say ops hi
'

test_expect_success 'bad role names are refused' '
	refused a 1 invalid "role .bad role. may only hold" role assign "bad role" bob@b &&
	refused a 1 invalid "role" role deputy it-oncall "$(printf "x\033y")" &&
	refused a 1 invalid "its own deputy" role deputy it-oncall it-oncall &&
	refused a 1 invalid "role .bad role. may only hold" alert ops hi --to "bad role"
'

test_expect_success 'a bad --level is a usage error' '
	refused a 2 usage "level.*urgent or critical.*.loud." alert ops hi --level loud &&
	refused a 2 usage "level.*urgent or critical" alert ops hi --level "" &&
	refused a 2 usage "level.*.Critical." alert ops hi --level Critical
'

test_expect_success 'a bad --deadline is a usage error' '
	for d in 5x -5s 1d 1w "" s 1.5m "5 m" 10081m 169h 604801s 99999999999999999999s
	do
		refused a 2 usage "--deadline wants 90s, 5m or 1h" alert ops hi --deadline "$d" ||
		return 1
	done &&
	refused a 2 usage "deadline" alert ops hi --deadline
'

test_expect_success 'error messages show what was typed inert' '
	esc=$(printf "\033[2J\033]0;x\007") &&
	fails= &&
	while read -r node args
	do
		eval "set -- $args" &&
		heads_of $node >inert.before &&
		test_must_fail ioectl -d $node "$@" >inert.out 2>inert.err &&
		cat inert.err &&
		test -s inert.err &&
		heads_of $node >inert.after &&
		test_cmp inert.before inert.after &&
		no_controls inert.err ||
		fails="$fails
	$node: $args"
	done <<-\EOF &&
	a alert ops hi --level "$esc"
	a alert ops hi --deadline "$esc"
	c ack "$esc"
	c -u "x$esc" say ops hi
	c msg "x$esc@c" hi
	c tail ops -n "$esc"
	c journal export --format "$esc"
	c role deputy "$esc" it-oncall
	c role assign it-oncall "x$esc@c"
	c user add "$esc"
	c room create "$esc"
	c say "$esc" hi
	EOF
	if test -n "$fails"
	then
		echo "control characters reached the terminal for:$fails" >&4
		false
	fi
'

test_expect_success 'the good forms of --level and --deadline are accepted' '
	ioectl -d a --json alert ops hi --level urgent --deadline 90s --to it-oncall >a1 &&
	ioectl -d a --json alert ops hi --level critical --deadline 5m --to it-oncall >a2 &&
	ioectl -d a --json alert ops hi --deadline 1h --to it-oncall >a3 &&
	ioectl -d a --json alerts >all &&
	jq -c "[.alerts[] | [.level, .deadline_s, .to]]" all >actual &&
	echo "[[\"urgent\",90,\"it-oncall\"],[\"critical\",300,\"it-oncall\"],[\"urgent\",3600,\"it-oncall\"]]" >expect &&
	test_cmp expect actual
'

test_expect_success 'nothing refused reached another node' '
	wait_converged 10 a b c &&
	for n in a b c
	do
		ioectl -d $n --json history ops >h.$n &&
		jq -r ".messages[].text" h.$n >t.$n &&
		! grep -e "^ *\$" -e "^nosuch" t.$n &&
		test $(jq ".messages | length" h.$n) = 4 || return 1
	done &&
	test_cmp t.a t.c
'

test_expect_success 'control and escape sequences in a message are stored as sent' '
	printf "evil \033[31mred\033[0m bell\007 cr\rX c1\302\233Y del\177 nl\nZ" >evil &&
	ioectl -d c say ops - <evil >evil.id &&
	printf "title \033]0;pwned\007 \033[2J" >evil.topic &&
	ioectl -d b room topic ops "$(cat evil.topic)" &&
	ioectl -d b alert ops "$(printf "alarm \033[5mblink\033[0m")" &&
	ioectl -d a msg carol@c "$(printf "dm \033[1mbold")" &&
	ioectl -d b journal add "$(printf "log \033[31mred")" &&
	wait_converged 10 a b c &&
	ioectl -d a --json history ops >h.json &&
	! grep -q "$(printf "\033")" h.json &&
	jq -j ".messages[-1].text" h.json >stored &&
	cmp evil stored
'

ESCAPED='evil \x1b[31mred\x1b[0m bell\x07 cr\x0dX c1\xc2\x9bY del\x7f nl\nZ'

test_expect_success 'tail and history show them inert, on every node' '
	ioectl -d c tail ops -n 1 >out.c &&
	ioectl -d a history ops >out.a &&
	ioectl -d b tail ops >out.b &&
	for f in out.a out.b out.c
	do
		no_controls $f &&
		grep -F "carol@c  $ESCAPED" $f || return 1
	done &&
	tail -n 1 out.c | sed -E "s/^.{19}  //" >actual &&
	printf "%s\n" "carol@c  $ESCAPED" >expect &&
	test_cmp expect actual &&
	! grep -P "\x1b" out.a out.b out.c &&
	od -An -tx1 out.c >hex &&
	! grep -w 1b hex &&
	! grep -w 07 hex &&
	! grep -w 0d hex
'

test_expect_success 'search, room list, alerts, direct messages and the export show them inert' '
	ioectl -d a search evil >out &&
	no_controls out &&
	grep -F "$ESCAPED" out &&
	ioectl -d a room list >out &&
	no_controls out &&
	grep -F "title \x1b]0;pwned\x07 \x1b[2J" out &&
	ioectl -d c alerts >out &&
	no_controls out &&
	grep -F "alarm \x1b[5mblink\x1b[0m" out &&
	ioectl -d c tail @alice@a >out &&
	no_controls out &&
	grep -F "alice@a  dm \x1b[1mbold" out &&
	ioectl -d b journal export --format md >out &&
	no_controls out &&
	grep -F "log \x1b\[31mred" out &&
	ioectl -d b journal list >out &&
	no_controls out
'

test_done
