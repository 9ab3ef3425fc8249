# lib-tui.sh - ioe-tui in tmux, for the screen tests
#
# Source after test-lib.sh:  . "$TEST_DIRECTORY/lib-tui.sh"
#
#	tui_start NAME DIR WIDTH HEIGHT [ioe-tui options]
#				ioe-tui on the node in DIR, in a tmux session
#				NAME of WIDTH x HEIGHT, started in the
#				scratch directory; its exit status goes to
#				NAME.rc, its stderr to NAME.err
#	keys NAME KEY...	tmux key names (Enter, F2, Escape, C-u, PPage)
#	type_line NAME TEXT	types TEXT literally, then Enter
#	screen NAME [capture-pane options]
#				what NAME shows, into NAME.screen
#	screen_has NAME TEXT
#	wait_screen SECONDS NAME TEXT
#				NAME shows TEXT within SECONDS; if not, says
#				what it shows
#	wait_screen_not SECONDS NAME TEXT
#				NAME stops showing TEXT within SECONDS
#	wait_exit SECONDS NAME	ioe-tui in NAME ended; prints its status
#
# Prerequisites TUI (ioe-tui and its self-test are built) and TMUX. One
# tmux server per script, on a socket of its own, stopped at the end.

test_lazy_prereq TUI '
	test -x "$IOE_BUILD_DIR/src/ioe-tui" &&
	test -x "$IOE_BUILD_DIR/src/ioe-tui-selftest"
'
test_lazy_prereq TMUX 'tmux -V'

# Our own tmux server, on a socket of its own, stopped at the end.
TMUX_SOCK=$TRASH_DIRECTORY/tmux.sock
unset TMUX TMUX_PANE
t () {
	tmux -S "$TMUX_SOCK" -f /dev/null "$@"
}
test_atexit 't kill-server 2>/dev/null; :'

# tui_start NAME NODE WIDTH HEIGHT [ioe-tui options]: ioe-tui on NODE in
# a tmux session NAME; its exit status goes to NAME.rc, its stderr to
# NAME.err
tui_start () {
	ts_name_=$1 ts_node_=$2 ts_w_=$3 ts_h_=$4
	shift 4
	rm -f "$ts_name_.rc" &&
	# The server stays when its last session ends: a new session
	# started while it is going away would find it gone ("server exited
	# unexpectedly"). test_atexit stops it.
	t new-session -d -s "$ts_name_" -x "$ts_w_" -y "$ts_h_" \
		"cd '$TRASH_DIRECTORY' && ioe-tui -d '$ts_node_' $* \
		2>'$ts_name_.err'; echo \$? >'$ts_name_.rc'" \; \
		set-option -s exit-empty off
}

# keys NAME KEY...: tmux key names (Enter, F2, Escape, C-u, PPage)
keys () {
	k_name_=$1
	shift
	t send-keys -t "$k_name_" "$@"
}

# type_line NAME TEXT: types TEXT literally, then Enter
type_line () {
	t send-keys -t "$1" -l "$2" &&
	t send-keys -t "$1" Enter
}

# screen NAME [capture-pane options]: what NAME shows, into NAME.screen
screen () {
	sc_name_=$1
	shift
	t capture-pane -p "$@" -t "$sc_name_" >"$sc_name_.screen"
}

screen_has () {
	screen "$1" && grep -qF -- "$2" "$1.screen"
}

# wait_screen SECONDS NAME TEXT: NAME shows TEXT within SECONDS; if not,
# say what it shows
wait_screen () {
	ws_n_=$(($1 * 10))
	while test $ws_n_ -gt 0
	do
		screen_has "$2" "$3" && return 0
		ws_n_=$((ws_n_ - 1))
		sleep 0.1
	done
	echo "the screen of '$2' never showed '$3'; it shows:" >&4
	cat "$2.screen" >&4
	test ! -s "$2.err" || cat "$2.err" >&4
	return 1
}

# wait_screen_not SECONDS NAME TEXT: NAME stops showing TEXT
wait_screen_not () {
	wn_n_=$(($1 * 10))
	while test $wn_n_ -gt 0
	do
		screen_has "$2" "$3" || return 0
		wn_n_=$((wn_n_ - 1))
		sleep 0.1
	done
	echo "the screen of '$2' still shows '$3':" >&4
	cat "$2.screen" >&4
	return 1
}

# wait_exit SECONDS NAME: ioe-tui in NAME ended; prints its status
wait_exit () {
	we_n_=$(($1 * 10))
	while test $we_n_ -gt 0
	do
		if test -s "$2.rc"
		then
			cat "$2.rc"
			return 0
		fi
		we_n_=$((we_n_ - 1))
		sleep 0.1
	done
	echo "ioe-tui in '$2' did not end" >&4
	return 1
}

ESC=$(printf '\033')
