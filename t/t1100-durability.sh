#!/bin/sh
test_description='stopping and killing the daemon: clean stop, kill -9, acknowledged entries stay'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

CLIENTS=3		# writers in parallel
PER_CLIENT=400		# most entries one writer adds (bounds the burst)
KILL_AFTER=60		# acknowledged entries before the kill -9

# burst NODE: start $CLIENTS writers in the background; writer C appends
# every id it got acknowledged to acked.C and stops at the first failure.
# Sets $burst_pids.
burst () {
	burst_pids=
	for c in $(test_seq $CLIENTS)
	do
		: >acked.$c
		(
			i=0
			while test $i -lt $PER_CLIENT
			do
				i=$((i + 1))
				id=$(ioectl -d "$1" -t 3 journal add "client $c entry $i") || break
				echo "$id" >>acked.$c
			done
			echo "client $c stopped after $i tries"
		) &
		burst_pids="$burst_pids $!"
	done
}

acked () {
	cat acked.* | wc -l
}

# burst_kill NODE: burst, kill -9 NODE once $KILL_AFTER entries are
# acknowledged, wait for the writers
burst_kill () {
	burst "$1" &&
	wait_until 60 "test \$(acked) -ge $KILL_AFTER" &&
	ioed_kill9 "$1" &&
	echo "killed with $(acked) acknowledged" &&
	wait $burst_pids &&
	# the kill must have hit the burst, not its end
	test $(acked) -lt $((CLIENTS * PER_CLIENT))
}

# check_acked NODE: every acknowledged id is in the journal and in the ledger
check_acked () {
	sort -u acked.* >want &&
	ioectl -d "$1" --json journal list >list.json &&
	jq -r ".entries[].id" list.json | sort >have &&
	comm -23 want have >missing &&
	test_must_be_empty missing &&
	for c in $(test_seq $CLIENTS)
	do
		last=$(tail -n 1 acked.$c) &&
		if test -n "$last"
		then
			ioectl -d "$1" ledger show $last >show &&
			grep -E "^body +client $c entry" show || return 1
		fi
	done
}

test_expect_success 'SIGTERM stops cleanly: pid file and sockets removed' '
	ioed_start alpha &&
	test_path_is_file alpha/ioed.pid &&
	ioed_stop alpha &&
	test_path_is_missing alpha/ioed.pid alpha/ctl alpha/events
'

test_expect_success 'SIGINT stops cleanly too' '
	ioed_start alpha &&
	ioed_stop alpha INT &&
	test_path_is_missing alpha/ioed.pid alpha/ctl alpha/events
'

test_expect_success 'ioectl after a clean stop: exit 3' '
	test_expect_code 3 ioectl -t 2 -d alpha status 2>err &&
	grep "^ioectl: .*alpha" err
'

test_expect_success '-f stays in the foreground, logs ready, exits 0 on SIGTERM' '
	ioed -f -v -d fg 2>fg.err &
	pid=$! &&
	ioed_register_ $pid "$PWD/fg" &&
	wait_until 20 "grep -q ready fg.err" &&
	test $(cat fg/ioed.pid) = $pid &&
	ioectl -d fg status >/dev/null &&
	kill -TERM $pid &&
	wait_until 15 "! ioed_alive_ $pid" &&
	{ wait $pid; rc=$?; } &&
	test $rc = 0 &&
	test_path_is_missing fg/ioed.pid fg/ctl fg/events
'

test_expect_success '-f stops on SIGHUP like on SIGTERM' '
	ioed -f -d fg 2>fg.err &
	pid=$! &&
	ioed_register_ $pid "$PWD/fg" &&
	wait_until 20 "test -S fg/ctl && ioectl -d fg status >/dev/null 2>&1" &&
	kill -HUP $pid &&
	wait_until 15 "! ioed_alive_ $pid" &&
	{ wait $pid; rc=$?; } &&
	test $rc = 0 &&
	test_path_is_missing fg/ioed.pid fg/ctl fg/events
'

test_expect_success 'a detached daemon ignores SIGHUP' '
	ioed_start hup &&
	kill -HUP $(ioed_pid hup) &&
	sleep 0.5 &&
	ioed_alive_ $(ioed_pid hup) &&
	ioectl -d hup status >/dev/null &&
	ioed_stop hup
'

test_expect_success 'acknowledged entries survive kill -9 during a burst (sync: full)' '
	ioed_start alpha &&
	burst_kill alpha
'

test_expect_success 'kill -9 leaves a stale pid file and socket' '
	test_path_is_file alpha/ioed.pid &&
	test_path_is_socket alpha/ctl
'

test_expect_success 'ioectl against the killed daemon: exit 3' '
	test_expect_code 3 ioectl -t 2 -d alpha status 2>err &&
	grep "^ioectl: .*alpha" err
'

test_expect_success 'the stale pid file and socket do not prevent a restart' '
	old=$(cat alpha/ioed.pid) &&
	ioed_start alpha &&
	test $(cat alpha/ioed.pid) != $old &&
	ioectl -d alpha status >/dev/null
'

test_expect_success 'after the restart every acknowledged entry is there' '
	check_acked alpha
'

test_expect_success 'verify passes after the kill -9' '
	ioectl -d alpha verify >out &&
	n=$(ioectl -d alpha --json status | jq .entries) &&
	grep -E "^verified $n entries from 1 authors?$" out
'

test_expect_success 'new entries follow on after the restart' '
	ioectl -d alpha journal add "after the crash" &&
	ioectl -d alpha verify
'

test_expect_success 'a second burst and kill -9 on the restarted node' '
	burst_kill alpha &&
	ioed_start alpha &&
	check_acked alpha &&
	ioectl -d alpha verify
'

test_expect_success 'acknowledged entries survive kill -9 during a burst (sync: normal)' '
	mkdir -m 700 bravo &&
	printf "store:\n  sync: normal\n" >bravo/ioe.yaml &&
	ioed_start bravo &&
	burst_kill bravo &&
	ioed_start bravo &&
	check_acked bravo &&
	ioectl -d bravo verify
'

test_expect_success 'a stale pid file naming a live process does not prevent a start' '
	ioed_stop bravo &&
	echo $$ >bravo/ioed.pid &&
	ioed_start bravo &&
	test $(cat bravo/ioed.pid) != $$ &&
	kill -0 $$ &&
	ioectl -d bravo status >/dev/null
'

test_expect_success 'kill -9 when idle, restart, verify: three times' '
	for i in 1 2 3
	do
		ioectl -d bravo journal add "idle $i" >>idle.acked &&
		ioed_kill9 bravo &&
		ioed_start bravo &&
		ioectl -d bravo verify || return 1
	done &&
	for id in $(cat idle.acked)
	do
		ioectl -d bravo ledger show $id >/dev/null || return 1
	done
'

test_done
