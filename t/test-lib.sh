# test-lib.sh - shared code for the ioe test scripts (POSIX sh, TAP output)
#
# A test script looks like this:
#
#	#!/bin/sh
#	test_description='what this script covers'
#	. "$(dirname "$0")/test-lib.sh"
#
#	test_expect_success 'what this test shows' '
#		some-command >actual &&
#		test_cmp expect actual
#	'
#	test_done
#
# Options of every test script:
#	-v, --verbose	show the output of the tests (default: into a log
#			file, kept when a test fails)
#	-i, --immediate	stop at the first failing test
#	-d, --debug	keep the scratch directory even when all tests pass
#	-x		trace the commands of the tests (set -x)
#
# Environment:
#	IOE_BUILD_DIR		where the programs were built (default: the
#				directory holding t/); $IOE_BUILD_DIR/src and
#				$IOE_BUILD_DIR/t/helper come first on PATH
#	IOE_TEST_OUTPUT_DIR	where scratch directories and logs go
#				(default: $IOE_BUILD_DIR/t)
#	IOE_SKIP_TESTS		space-separated patterns of tests to skip:
#				"t1000.3" (one test), "t2000" (a whole script)

# --- options ------------------------------------------------------------

verbose= immediate= debug= trace=
while test $# -gt 0
do
	case $1 in
	-v|--verbose)	verbose=t ;;
	-i|--immediate)	immediate=t ;;
	-d|--debug)	debug=t ;;
	-x|--trace)	trace=t ;;
	-h|--help)
		echo "usage: $0 [-v] [-i] [-d] [-x]"
		exit 0 ;;
	*)
		echo "$0: unknown test option '$1'" >&2
		exit 1 ;;
	esac
	shift
done

# --- where things are ---------------------------------------------------

TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd) || exit 1
IOE_BUILD_DIR=${IOE_BUILD_DIR:-$TEST_DIRECTORY/..}
IOE_BUILD_DIR=$(cd "$IOE_BUILD_DIR" && pwd) || exit 1
IOE_TEST_OUTPUT_DIR=${IOE_TEST_OUTPUT_DIR:-$IOE_BUILD_DIR/t}
mkdir -p "$IOE_TEST_OUTPUT_DIR" &&
IOE_TEST_OUTPUT_DIR=$(cd "$IOE_TEST_OUTPUT_DIR" && pwd) || exit 1
export IOE_BUILD_DIR IOE_TEST_OUTPUT_DIR

this_test=${0##*/}
this_test=${this_test%.sh}
TEST_NUMBER=${this_test%%-*}

# --- programs -----------------------------------------------------------

for prog_ in src/ioed src/ioectl t/helper/test-tool
do
	if ! test -x "$IOE_BUILD_DIR/$prog_"
	then
		echo "Bail out! $IOE_BUILD_DIR/$prog_ is not built (run make)"
		exit 1
	fi
done

# --- scratch directory and log names ------------------------------------

TEST_RESULTS_DIR=$IOE_TEST_OUTPUT_DIR/test-results
mkdir -p "$TEST_RESULTS_DIR" || exit 1

# While this script runs it holds a lock on test-results/NAME.lock. Should
# another run of the same script (another checkout's "make check", say)
# hold it already, this run takes private names, so that neither removes
# the other's scratch directory nor stops the other's daemons.
run_suffix_=
if command -v flock >/dev/null 2>&1
then
	exec 9>>"$TEST_RESULTS_DIR/$this_test.lock"
	flock -n 9 || run_suffix_=.$$
fi

IOE_TEST_LOG=$TEST_RESULTS_DIR/$this_test$run_suffix_.log
# lib-ioed.sh records here every daemon the script started ("PID DIR"),
# so that t/run can stop what a killed script left behind.
IOE_TEST_PIDS=$TEST_RESULTS_DIR/$this_test$run_suffix_.pids

# Unix socket paths (DIR/ctl, DIR/events) must stay under 100 bytes: keep
# the scratch directory short, else move it under $TMPDIR.
TRASH_DIRECTORY=$IOE_TEST_OUTPUT_DIR/trash.$this_test$run_suffix_
trash_parent_=
if test ${#TRASH_DIRECTORY} -gt 64
then
	trash_base_=${TMPDIR:-/tmp}
	test ${#trash_base_} -le 30 || trash_base_=/tmp
	trash_parent_=$(mktemp -d "$trash_base_/ioe.XXXXXX") || exit 1
	TRASH_DIRECTORY=$trash_parent_/trash.$this_test
fi

PATH=$IOE_BUILD_DIR/src:$IOE_BUILD_DIR/t/helper:$PATH
export PATH

# --- a predictable environment ------------------------------------------

unset IOE_DIR IOE_TIMEOUT CDPATH
LANG=C.UTF-8
LC_ALL=C.UTF-8
TZ=UTC
HOME=$TRASH_DIRECTORY
export LANG LC_ALL TZ HOME

# --- output -------------------------------------------------------------
# fd 5: TAP (the script's stdout); fd 7: the script's stderr;
# fd 3 and 4: stdout and stderr of the test bodies.

exec 5>&1 7>&2
if test -n "$verbose"
then
	rm -f "$IOE_TEST_LOG"
	exec 3>&1 4>&2
else
	: >"$IOE_TEST_LOG" || exit 1
	exec 3>>"$IOE_TEST_LOG" 4>&3
fi

say () {
	printf '%s\n' "$*" >&5
	test -n "$verbose" || printf '%s\n' "$*" >&3
}

say_verbose () {
	test -z "$verbose" || printf '%s\n' "$*" >&3
}

BUG () {
	say "Bail out! BUG in the test script: $*"
	printf 'BUG in the test script: %s\n' "$*" >&7
	exit 1
}

# --- scratch directory --------------------------------------------------

rm -rf "$TRASH_DIRECTORY" &&
mkdir -p "$TRASH_DIRECTORY" &&
cd "$TRASH_DIRECTORY" || {
	say "Bail out! cannot make the scratch directory '$TRASH_DIRECTORY'"
	exit 1
}

# --- state --------------------------------------------------------------

test_count=0
test_success=0
test_failure=0
test_skipped=0
test_atexit_cleanup=:
test_atexit_done_=
test_done_called_=
in_test_=
satisfied_prereq=' '
evaluated_prereq=' '
skip_all=

# --- clean-up at exit ---------------------------------------------------

# test_atexit CMD: run CMD when the script ends, even when it dies.
# Later registrations run first.
test_atexit () {
	test_atexit_cleanup="{ $*
	} ; $test_atexit_cleanup"
}

test_atexit_run_ () {
	test -z "$test_atexit_done_" || return 0
	test_atexit_done_=t
	cd "$TRASH_DIRECTORY" 2>/dev/null || cd /
	eval "$test_atexit_cleanup" </dev/null >&3 2>&4
}

die_ () {
	code_=$?
	trap - EXIT
	test_atexit_run_
	say "Bail out! $this_test exited (code $code_) without test_done"
	printf '%s: exited (code %s) without test_done; kept %s\n' \
		"$this_test" "$code_" "$TRASH_DIRECTORY" >&7
	exit 1
}
trap die_ EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --- running tests ------------------------------------------------------

# test_when_finished CMD: run CMD after the current test, pass or fail;
# a failing CMD fails the test.
test_when_finished () {
	test -n "$in_test_" ||
		BUG "test_when_finished outside a test"
	test_cleanup="{ $*
		} && (exit \"\$eval_ret\"); eval_ret=\$?; $test_cleanup"
}

test_eval_inner_ () {
	eval "
		test -z \"\$trace\" || set -x
		$*"
}

test_eval_ () {
	test_eval_inner_ "$@" </dev/null >&3 2>&4
	test_eval_ret_=$?
	{ set +x; } 2>/dev/null
	return $test_eval_ret_
}

test_run_ () {
	test_cleanup=:
	in_test_=t
	test_eval_ "$1"
	eval_ret=$?
	if test -z "$immediate" || test $eval_ret = 0
	then
		cd "$TRASH_DIRECTORY"
		test_eval_ "$test_cleanup"
	fi
	in_test_=
	cd "$TRASH_DIRECTORY"
	return $eval_ret
}

test_skip_by_env_ () {
	test -n "$IOE_SKIP_TESTS" || return 1
	set -f
	for pat_ in $IOE_SKIP_TESTS
	do
		case "$TEST_NUMBER.$test_count" in
		$pat_) set +f; return 0 ;;
		esac
		case "$TEST_NUMBER" in
		$pat_) set +f; return 0 ;;
		esac
	done
	set +f
	return 1
}

test_ok_ () {
	test_success=$((test_success + 1))
	say "ok $test_count - $1"
}

test_skip_ () {
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # skip $1 ($2)"
}

test_failure_ () {
	test_failure=$((test_failure + 1))
	say "not ok $test_count - $1"
	printf '%s\n' "$2" | sed -e 's/^/#	/' >&5
	test -n "$verbose" || printf '%s\n' "$2" | sed -e 's/^/#	/' >&3
	if test -n "$immediate"
	then
		say "# stopping at the first failure (-i)"
		test_done
	fi
}

# test_expect_success [PREREQ] DESCRIPTION BODY
test_expect_success () {
	test_prereq=
	if test $# = 3
	then
		test_prereq=$1
		shift
	fi
	test $# = 2 || BUG "test_expect_success needs 2 or 3 arguments"
	test_count=$((test_count + 1))
	if test_skip_by_env_
	then
		test_skip_ "$1" "IOE_SKIP_TESTS"
		return 0
	fi
	if test -n "$test_prereq" && ! test_have_prereq "$test_prereq"
	then
		test_skip_ "$1" "missing $missing_prereq"
		return 0
	fi
	say_verbose "expecting success of $this_test.$test_count '$1': $2"
	if test_run_ "$2"
	then
		test_ok_ "$1"
	else
		test_failure_ "$1" "$2"
	fi
	say_verbose ""
}

# --- prerequisites ------------------------------------------------------

# test_set_prereq NAME: NAME is satisfied
test_set_prereq () {
	satisfied_prereq="$satisfied_prereq$1 "
}

# test_lazy_prereq NAME SCRIPT: NAME is satisfied if SCRIPT succeeds;
# SCRIPT runs once, when a test first needs NAME, in its own directory.
test_lazy_prereq () {
	case $1 in
	''|*[!A-Z0-9_]*) BUG "bad prerequisite name '$1'" ;;
	esac
	eval "lazy_prereq_$1=\$2"
}

test_eval_prereq_ () {
	eval "script_=\${lazy_prereq_$1-}"
	test -n "$script_" || return 1
	mkdir -p "$TRASH_DIRECTORY/prereq.$1" || return 1
	say_verbose "checking prerequisite $1: $script_"
	(
		cd "$TRASH_DIRECTORY/prereq.$1" &&
		eval "$script_"
	) </dev/null >&3 2>&4
	ret_=$?
	rm -rf "$TRASH_DIRECTORY/prereq.$1"
	return $ret_
}

# test_have_prereq LIST: LIST is NAME[,NAME...], each may be !NAME.
# Sets $missing_prereq to what is missing.
test_have_prereq () {
	save_ifs_=$IFS
	IFS=,
	set -- $*
	IFS=$save_ifs_
	missing_prereq=
	for prereq_
	do
		negate_=
		case $prereq_ in
		!*) negate_=t; prereq_=${prereq_#!} ;;
		esac
		case "$evaluated_prereq" in
		*" $prereq_ "*) ;;
		*)
			evaluated_prereq="$evaluated_prereq$prereq_ "
			if test_eval_prereq_ "$prereq_"
			then
				test_set_prereq "$prereq_"
			fi
			;;
		esac
		case "$satisfied_prereq" in
		*" $prereq_ "*) have_=t ;;
		*) have_= ;;
		esac
		if test -n "$negate_"
		then
			test -z "$have_" ||
				missing_prereq="${missing_prereq:+$missing_prereq,}!$prereq_"
		else
			test -n "$have_" ||
				missing_prereq="${missing_prereq:+$missing_prereq,}$prereq_"
		fi
	done
	test -z "$missing_prereq"
}

test_lazy_prereq ROOT 'test "$(id -u)" = 0'
test_lazy_prereq SANITY 'test "$(id -u)" != 0'
test_lazy_prereq OPENSSL 'openssl version'
test_lazy_prereq SQLITE3 'sqlite3 -version'

# --- helpers for test bodies --------------------------------------------

# test_must_fail CMD...: CMD exits non-zero, but not by a signal or a
# crash (exit > 128), and is found (not 126/127)
test_must_fail () {
	"$@"
	exit_code_=$?
	if test $exit_code_ -eq 0
	then
		echo "test_must_fail: command succeeded: $*" >&4
		return 1
	elif test $exit_code_ -gt 128
	then
		echo "test_must_fail: died by signal or crashed (exit $exit_code_): $*" >&4
		return 1
	elif test $exit_code_ -eq 127
	then
		echo "test_must_fail: command not found: $*" >&4
		return 1
	elif test $exit_code_ -eq 126
	then
		echo "test_must_fail: cannot execute: $*" >&4
		return 1
	fi
	return 0
}

# test_expect_code N CMD...: CMD exits with status N
test_expect_code () {
	want_code_=$1
	shift
	"$@"
	exit_code_=$?
	if test $exit_code_ = "$want_code_"
	then
		return 0
	fi
	echo "test_expect_code: command exited with $exit_code_, we wanted $want_code_: $*" >&4
	return 1
}

# test_cmp EXPECTED ACTUAL
test_cmp () {
	test $# = 2 || BUG "test_cmp needs 2 arguments"
	diff -u "$@"
}

# test_must_be_empty FILE
test_must_be_empty () {
	test $# = 1 || BUG "test_must_be_empty needs 1 argument"
	if ! test -f "$1"
	then
		echo "'$1' is missing" >&4
		return 1
	fi
	if test -s "$1"
	then
		echo "'$1' is not empty, it contains:" >&4
		cat "$1" >&4
		return 1
	fi
}

# test_line_count OP N FILE: e.g. test_line_count = 3 out
test_line_count () {
	test $# = 3 || BUG "test_line_count needs 3 arguments"
	lines_=$(wc -l <"$3")
	if ! test "$lines_" "$1" "$2"
	then
		echo "test_line_count: line count of '$3' is $lines_, not $1 $2:" >&4
		cat "$3" >&4
		return 1
	fi
}

test_path_is_file () {
	test -f "$1" || { echo "file '$1' does not exist" >&4; return 1; }
}

test_path_is_dir () {
	test -d "$1" || { echo "directory '$1' does not exist" >&4; return 1; }
}

test_path_is_socket () {
	test -S "$1" || { echo "'$1' is not a socket" >&4; return 1; }
}

test_path_is_missing () {
	for p_
	do
		if test -e "$p_" || test -L "$p_"
		then
			echo "'$p_' exists and should not" >&4
			ls -ld "$p_" >&4
			return 1
		fi
	done
}

# test_file_mode PATH MODE: permission bits of PATH are MODE (octal, e.g. 600)
test_file_mode () {
	mode_=$(stat -c %a "$1") || return 1
	if test "$mode_" != "$2"
	then
		echo "mode of '$1' is $mode_, expected $2" >&4
		return 1
	fi
}

# test_seq [FIRST] LAST
test_seq () {
	seq "$@"
}

# wait_until SECONDS CMD: run CMD (eval) every 0.1 s until it succeeds;
# fail after SECONDS (both the number of tries and the clock are bounded)
wait_until () {
	case $1 in
	''|*[!0-9]*) BUG "wait_until: '$1' is not a number of seconds" ;;
	esac
	wu_secs_=$1
	shift
	wu_tries_=$((wu_secs_ * 10))
	wu_end_=$(($(date +%s) + wu_secs_ + 1))
	while :
	do
		if eval "$*"
		then
			return 0
		fi
		wu_tries_=$((wu_tries_ - 1))
		test $wu_tries_ -gt 0 || break
		test "$(date +%s)" -lt $wu_end_ || break
		sleep 0.1
	done
	echo "wait_until: still failing after ${wu_secs_}s: $*" >&4
	return 1
}

# --- the end ------------------------------------------------------------

test_remove_trash_ () {
	cd / || return 1
	rm -rf "$TRASH_DIRECTORY"
	test -z "$trash_parent_" || rmdir "$trash_parent_" 2>/dev/null
	return 0
}

test_done () {
	trap - EXIT
	test_done_called_=t
	# Libraries may check what only shows once everything has stopped
	# (lib-ioed.sh: sanitizer reports in the daemons' logs).
	if command -v test_before_done_ >/dev/null 2>&1 &&
		test -z "$skip_all"
	then
		test_atexit_run_
		test_before_done_
	fi
	if test $test_count = 0 && test -n "$skip_all"
	then
		say "1..0 # SKIP $skip_all"
	else
		say "1..$test_count"
	fi
	test_atexit_run_
	say "# passed $test_success failed $test_failure skipped $test_skipped"
	if test $test_failure = 0
	then
		rm -f "$IOE_TEST_PIDS"
		if test -z "$debug"
		then
			test_remove_trash_
			test -n "$verbose" || rm -f "$IOE_TEST_LOG"
		else
			say "# kept (-d): $TRASH_DIRECTORY"
		fi
		exit 0
	fi
	say "# kept: $TRASH_DIRECTORY"
	test -n "$verbose" || say "# log: $IOE_TEST_LOG"
	exit 1
}
