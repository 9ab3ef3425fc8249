# lib-ioed.sh - start and stop ioed nodes inside a test's scratch directory
#
# Source after test-lib.sh:  . "$TEST_DIRECTORY/lib-ioed.sh"
#
#	ioed_start NAME [ioed options]	start a detached node in ./NAME
#					(ioed -d NAME returns once ready)
#	ioed_stop NAME [SIGNAL]		SIGTERM (or SIGNAL) the node, wait for it
#					to go (bounded), kill -9 if it does not
#					(and fail)
#	ioed_kill9 NAME			kill -9 the node and wait for it to go
#	ioed_pid NAME			print the pid from NAME/ioed.pid
#	ioed_adopt NAME			register a daemon started by other means
#	ioed_expect_refused CODE NAME [ioed options]
#					ioed -d NAME must exit CODE without
#					leaving a daemon behind
#	ioed_ctl NAME			print the control endpoint of NAME
#
# The node's name is ioed's own default (the host name) unless given with
# -n NAME or a config file: pass "-n NAME" where the name matters.
#
# ioed gets no descriptor 9 (the lock test-lib.sh holds for the run).
#
# Every daemon started is recorded as "PID DIR" in $IOE_TEST_PIDS; all that
# are still running are stopped when the script ends. Only pids recorded
# there are ever signalled.

IOED_STOP_WAIT=${IOED_STOP_WAIT:-15}	# seconds a daemon gets to stop

# ioed_alive_ PID: the process exists and is not a zombie
ioed_alive_ () {
	kill -0 "$1" 2>/dev/null || return 1
	state_=$(sed -n 's/^State:[ 	]*\([A-Za-z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	test "$state_" != Z
}

# ioed_abs_ DIR: absolute path of an existing DIR
ioed_abs_ () {
	(cd "$1" 2>/dev/null && pwd -P)
}

ioed_register_ () {
	echo "$1 $2" >>"$IOE_TEST_PIDS"
}

# ioed_ours_ PID DIR: PID was started by this script for DIR
ioed_ours_ () {
	grep -qx "$1 $2" "$IOE_TEST_PIDS" 2>/dev/null
}

# ioed_wait_gone_ PID SECONDS
ioed_wait_gone_ () {
	wg_tries_=$(($2 * 10))
	while ioed_alive_ "$1"
	do
		wg_tries_=$((wg_tries_ - 1))
		test $wg_tries_ -gt 0 || return 1
		sleep 0.1
	done
	return 0
}

# ioed_pid NAME
ioed_pid () {
	ip_pid_=$(cat "$1/ioed.pid" 2>/dev/null) || {
		echo "ioed_pid: no pid file '$1/ioed.pid'" >&4
		return 1
	}
	case $ip_pid_ in
	''|*[!0-9]*)
		echo "ioed_pid: '$1/ioed.pid' holds '$ip_pid_', not a pid" >&4
		return 1 ;;
	esac
	echo "$ip_pid_"
}

ioed_ctl () {
	echo "ipc://$(ioed_abs_ "$1")/ctl"
}

# ioed_adopt NAME: record the daemon whose pid is in NAME/ioed.pid
ioed_adopt () {
	ia_pid_=$(ioed_pid "$1") &&
	ia_dir_=$(ioed_abs_ "$1") &&
	ioed_register_ "$ia_pid_" "$ia_dir_"
}

ioed_start () {
	test $# -ge 1 || BUG "ioed_start needs a NAME"
	is_name_=$1
	shift
	is_oldpid_=$(cat "$is_name_/ioed.pid" 2>/dev/null)
	if ! ioed -d "$is_name_" "$@" 9>&-
	then
		echo "ioed_start: 'ioed -d $is_name_ $*' failed" >&4
		test ! -f "$is_name_/ioed.log" || tail -n 20 "$is_name_/ioed.log" >&4
		# it said it failed; if it left a new daemon anyway, stop it
		if is_pid_=$(cat "$is_name_/ioed.pid" 2>/dev/null) &&
		   test "$is_pid_" != "$is_oldpid_" &&
		   ioed_alive_ "$is_pid_" &&
		   grep -q ioed "/proc/$is_pid_/cmdline" 2>/dev/null
		then
			ioed_adopt "$is_name_" && ioed_stop "$is_name_"
		fi
		return 1
	fi
	is_pid_=$(ioed_pid "$is_name_") || return 1
	ioed_register_ "$is_pid_" "$(ioed_abs_ "$is_name_")"
	if ! ioed_alive_ "$is_pid_"
	then
		echo "ioed_start: ioed (pid $is_pid_) returned but is not running" >&4
		return 1
	fi
	test_path_is_socket "$is_name_/ctl"
}

# ioed_stop NAME [SIGNAL]
ioed_stop () {
	st_sig_=${2:-TERM}
	st_pid_=$(ioed_pid "$1") || return 1
	st_dir_=$(ioed_abs_ "$1") || return 1
	if ! ioed_ours_ "$st_pid_" "$st_dir_"
	then
		echo "ioed_stop: pid $st_pid_ in '$1/ioed.pid' was not started by this test" >&4
		return 1
	fi
	if ! ioed_alive_ "$st_pid_"
	then
		echo "ioed_stop: ioed (pid $st_pid_) of '$1' is not running" >&4
		return 1
	fi
	kill "-$st_sig_" "$st_pid_" || return 1
	if ! ioed_wait_gone_ "$st_pid_" "$IOED_STOP_WAIT"
	then
		echo "ioed_stop: ioed (pid $st_pid_) of '$1' still running ${IOED_STOP_WAIT}s after SIG$st_sig_; kill -9" >&4
		kill -9 "$st_pid_" 2>/dev/null
		ioed_wait_gone_ "$st_pid_" 5
		return 1
	fi
}

ioed_kill9 () {
	k9_pid_=$(ioed_pid "$1") || return 1
	k9_dir_=$(ioed_abs_ "$1") || return 1
	if ! ioed_ours_ "$k9_pid_" "$k9_dir_"
	then
		echo "ioed_kill9: pid $k9_pid_ in '$1/ioed.pid' was not started by this test" >&4
		return 1
	fi
	kill -9 "$k9_pid_" || return 1
	ioed_wait_gone_ "$k9_pid_" 10 || {
		echo "ioed_kill9: pid $k9_pid_ survived kill -9" >&4
		return 1
	}
}

# ioed_expect_refused CODE NAME [ioed options]: the start must fail with
# exit CODE; if a daemon starts anyway it is stopped and the check fails.
ioed_expect_refused () {
	er_want_=$1
	er_name_=$2
	shift 2
	er_oldpid_=$(cat "$er_name_/ioed.pid" 2>/dev/null)
	ioed -d "$er_name_" "$@" 9>&-
	er_code_=$?
	if test $er_code_ = 0
	then
		echo "ioed_expect_refused: 'ioed -d $er_name_ $*' started, expected exit $er_want_" >&4
		er_pid_=$(cat "$er_name_/ioed.pid" 2>/dev/null)
		if test -n "$er_pid_" && test "$er_pid_" != "$er_oldpid_" &&
		   ioed_alive_ "$er_pid_"
		then
			ioed_register_ "$er_pid_" "$(ioed_abs_ "$er_name_")"
			ioed_stop "$er_name_"
		fi
		return 1
	fi
	if test $er_code_ != "$er_want_"
	then
		echo "ioed_expect_refused: 'ioed -d $er_name_ $*' exited $er_code_, expected $er_want_" >&4
		return 1
	fi
}

# at exit: stop every daemon this script started that still runs
ioed_stop_all_ () {
	test -f "$IOE_TEST_PIDS" || return 0
	while read -r sa_pid_ sa_dir_
	do
		ioed_alive_ "$sa_pid_" || continue
		grep -q ioed "/proc/$sa_pid_/cmdline" 2>/dev/null || continue
		# a stopped (SIGSTOP) daemon would never see SIGTERM
		kill -CONT "$sa_pid_" 2>/dev/null
		kill -TERM "$sa_pid_" 2>/dev/null
		if ! ioed_wait_gone_ "$sa_pid_" "$IOED_STOP_WAIT"
		then
			echo "ioed (pid $sa_pid_) in '$sa_dir_' ignored SIGTERM; kill -9" >&4
			kill -9 "$sa_pid_" 2>/dev/null
			ioed_wait_gone_ "$sa_pid_" 5
		fi
	done <"$IOE_TEST_PIDS"
}

# daemons a killed earlier run of this script may have left
ioed_stop_all_ 2>/dev/null
rm -f "$IOE_TEST_PIDS"
test_atexit ioed_stop_all_

# ioed_check_logs_: no daemon of this script left a sanitizer report or a
# failed assertion in its log (a crash a test did not notice is a bug)
ioed_check_logs_ () {
	cl_bad_=0
	test -f "$IOE_TEST_PIDS" || return 0
	while read -r cl_pid_ cl_dir_
	do
		cl_log_=$cl_dir_/ioed.log
		test -f "$cl_log_" || continue
		if grep -Eq "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|Assertion .* failed" "$cl_log_"
		then
			echo "sanitizer report in $cl_log_:" >&4
			grep -E -A12 "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|Assertion .* failed" "$cl_log_" | head -40 >&4
			cl_bad_=1
		fi
	done <"$IOE_TEST_PIDS"
	return $cl_bad_
}

test_before_done_ () {
	test_expect_success 'no daemon logged a sanitizer report or a failed assertion' '
		ioed_check_logs_
	'
}

# --- journal and ledger across nodes -------------------------------------

# journal_texts NODE: the texts of NODE's journal, in its order
journal_texts () {
	ioectl -d "$1" --json journal list >"texts.$1.json" &&
	jq -r '.entries[].text' "texts.$1.json"
}

# has_text NODE TEXT: NODE lists an entry whose text is TEXT
has_text () {
	journal_texts "$1" >"has.$1" && grep -qxF "$2" "has.$1"
}

# count_prefix NODE PREFIX: number of NODE's entries whose text starts
# with PREFIX
count_prefix () {
	ioectl -d "$1" --json journal list >"count.$1.json" &&
	jq --arg p "$2" '[.entries[] | select(.text | startswith($p))] | length' \
		"count.$1.json"
}

# writer NODE PREFIX COUNT: add COUNT entries "PREFIX 0" ... on NODE, one
# after the other
writer () {
	w_i_=0
	while test $w_i_ -lt $3
	do
		ioectl -d "$1" journal add "$2 $w_i_" >/dev/null || return 1
		w_i_=$((w_i_ + 1))
	done
}

# heads_of NODE: NODE's ledger heads on one line, sorted by author
heads_of () {
	ioectl -d "$1" --json ledger heads >"heads.$1.json" &&
	jq -cS '.heads | sort_by(.author)' "heads.$1.json"
}

# same_heads NODE...: every NODE has the heads of the first
same_heads () {
	sh_first_=$(heads_of "$1") || return 1
	shift
	for sh_n_
	do
		sh_h_=$(heads_of "$sh_n_") || return 1
		test "$sh_h_" = "$sh_first_" || return 1
	done
}

# wait_converged SECS NODE...: the heads agree within SECS seconds; if
# not, show them and the links
wait_converged () {
	wc_secs_=$1
	shift
	wait_until "$wc_secs_" same_heads "$@" && return 0
	for wc_n_
	do
		echo "heads and peers of $wc_n_:" >&4
		ioectl -d "$wc_n_" ledger heads >&4 2>&1
		ioectl -d "$wc_n_" peers >&4 2>&1
	done
	return 1
}
