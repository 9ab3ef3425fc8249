#!/bin/sh
test_description='ioe.yaml: every error is FILE:LINE: reason and exit 1; flags override the file'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

# config_error LINE REASON-ERE: ioed refuses cfg.yaml with exit 1, and its
# message is "ioed: $PWD/cfg.yaml:LINE: REASON"; no daemon is left
config_error () {
	ce_file=$PWD/cfg.yaml
	ioed_expect_refused 1 node -c "$ce_file" >out 2>err
	ce_ret=$?
	cat err
	test $ce_ret = 0 || return 1
	test_must_be_empty out &&
	test_path_is_missing node/ioed.pid &&
	ce_msg=$(grep -F "$ce_file:" err | head -n 1) &&
	case $ce_msg in
	"ioed: $ce_file:$1: "*) ;;
	*)
		echo "expected 'ioed: $ce_file:$1: ...', got '$ce_msg'"
		return 1 ;;
	esac &&
	ce_reason=${ce_msg#"ioed: $ce_file:$1: "} &&
	test -n "$ce_reason" &&
	echo "$ce_reason" | grep -E "$2"
}

# config_ok: ioed starts with cfg.yaml; stop it again
config_ok () {
	ioed_start node -c "$PWD/cfg.yaml" &&
	ioectl -d node status >status.out &&
	ioed_stop node
}

test_expect_success 'unknown key at the top level' '
	printf "# a comment\nname: alpha\nnmae: beta\n" >cfg.yaml &&
	config_error 3 "^unknown key .nmae.$" &&
	grep -Fx "ioed: $PWD/cfg.yaml:3: unknown key '\''nmae'\''" err
'

test_expect_success 'unknown key in a nested mapping' '
	printf "name: alpha\nlog:\n  level: info\n  levle: debug\nstore:\n  sync: full\n" >cfg.yaml &&
	config_error 4 "unknown key .*levle"
'

test_expect_success 'unknown key in store and journal' '
	printf "store:\n  snyc: full\n" >cfg.yaml &&
	config_error 2 "unknown key .*snyc" &&
	printf "name: a\n\njournal:\n  max_byte: 10\n" >cfg.yaml &&
	config_error 4 "unknown key .*max_byte"
'

test_expect_success 'wrong type: a mapping where a scalar is due' '
	printf "# c\nname: {first: x}\n" >cfg.yaml &&
	config_error 2 . &&
	printf "log:\n  level: {a: b}\n" >cfg.yaml &&
	config_error 2 .
'

test_expect_success 'wrong type: a list where a scalar is due' '
	printf "name: alpha\nlog:\n  level: [info, debug]\n" >cfg.yaml &&
	config_error 3 . &&
	printf "journal:\n  max_bytes: [1]\n" >cfg.yaml &&
	config_error 2 . &&
	printf "name: [a]\n" >cfg.yaml &&
	config_error 1 .
'

test_expect_success 'wrong type: a scalar or a list where a mapping is due' '
	printf "name: alpha\nlog: warning\n" >cfg.yaml &&
	config_error 2 . &&
	printf "name: alpha\n\nstore: [full]\n" >cfg.yaml &&
	config_error 3 . &&
	printf "journal: 100\n" >cfg.yaml &&
	config_error 1 .
'

test_expect_success 'wrong type: a section with nothing under it' '
	printf "name: a\nlog:\nstore:\n  sync: full\n" >cfg.yaml &&
	config_error 2 . &&
	printf "journal:\n" >cfg.yaml &&
	config_error 1 .
'

test_expect_success 'wrong type: the document is not a mapping' '
	printf -- "- name: a\n- log: b\n" >cfg.yaml &&
	config_error 1 . &&
	printf "just a scalar\n" >cfg.yaml &&
	config_error 1 .
'

test_expect_success 'bad value: name' '
	printf "# c\nname: \"bad name!\"\n" >cfg.yaml &&
	config_error 2 . &&
	printf "name: -lead\n" >cfg.yaml &&
	config_error 1 . &&
	printf "name: .lead\n" >cfg.yaml &&
	config_error 1 . &&
	printf "name: \"\"\n" >cfg.yaml &&
	config_error 1 . &&
	printf "name: n%063d\n" 0 >cfg.yaml &&
	config_error 1 . &&
	printf "name: caf\303\251\n" >cfg.yaml &&
	config_error 1 .
'

test_expect_success 'good names are taken (63 chars, digits, ._-)' '
	printf "name: n%062d\n" 0 >cfg.yaml &&
	config_ok &&
	grep -E "^node +n0{62}$" status.out &&
	printf "name: 9a.b_c-D\n" >cfg.yaml &&
	config_ok &&
	grep -E "^node +9a\.b_c-D$" status.out &&
	printf "name: \"quoted\"\n" >cfg.yaml &&
	config_ok &&
	grep -E "^node +quoted$" status.out
'

test_expect_success 'bad value: log.level' '
	printf "log:\n  level: loud\n" >cfg.yaml &&
	config_error 2 . &&
	printf "log:\n  level: WARNING2\n" >cfg.yaml &&
	config_error 2 .
'

test_expect_success 'every log level is taken' '
	for level in error warning info debug
	do
		printf "log:\n  level: $level\n" >cfg.yaml &&
		config_ok || return 1
	done
'

test_expect_success 'bad value: store.sync' '
	printf "name: a\nstore:\n  sync: maybe\n" >cfg.yaml &&
	config_error 3 .
'

test_expect_success 'store.sync full and normal are taken' '
	printf "store:\n  sync: full\n" >cfg.yaml &&
	config_ok &&
	printf "store:\n  sync: normal\n" >cfg.yaml &&
	config_ok
'

test_expect_success 'bad value: journal.max_bytes 0, too big, not a number' '
	printf "journal:\n  max_bytes: 0\n" >cfg.yaml &&
	config_error 2 . &&
	printf "journal:\n  max_bytes: 1048577\n" >cfg.yaml &&
	config_error 2 . &&
	printf "journal:\n  max_bytes: lots\n" >cfg.yaml &&
	config_error 2 . &&
	printf "journal:\n  max_bytes: -1\n" >cfg.yaml &&
	config_error 2 . &&
	printf "journal:\n  max_bytes: 1.5\n" >cfg.yaml &&
	config_error 2 . &&
	printf "journal:\n  max_bytes: 99999999999999999999999\n" >cfg.yaml &&
	config_error 2 . &&
	printf "journal:\n  max_bytes: 100kb\n" >cfg.yaml &&
	config_error 2 .
'

test_expect_success 'journal.max_bytes 1 and 1048576 are taken' '
	printf "journal:\n  max_bytes: 1\n" >cfg.yaml &&
	config_ok &&
	printf "journal:\n  max_bytes: 1048576\n" >cfg.yaml &&
	config_ok
'

test_expect_success 'duplicate key' '
	printf "name: a\nlog:\n  level: info\nname: b\n" >cfg.yaml &&
	config_error 4 "duplicate" &&
	printf "log:\n  level: info\n  level: debug\n" >cfg.yaml &&
	config_error 3 "duplicate" &&
	printf "store:\n  sync: full\nlog:\n  level: info\nstore:\n  sync: normal\n" >cfg.yaml &&
	config_error 5 "duplicate"
'

test_expect_success 'YAML syntax error' '
	printf "name: alpha\nlog: a: b\nstore:\n  sync: full\n" >cfg.yaml &&
	config_error 2 . &&
	printf "name: alpha\n\nlog: @x\n" >cfg.yaml &&
	config_error 3 . &&
	printf "name: alpha\nlog:\n  level: info\n\tfile: x\n" >cfg.yaml &&
	config_error 4 .
'

test_expect_success 'binary garbage is refused as FILE:LINE' '
	printf "\377\376\000\001\002" >cfg.yaml &&
	ioed_expect_refused 1 node -c "$PWD/cfg.yaml" 2>err &&
	cat err &&
	grep -E "^ioed: $PWD/cfg.yaml:[0-9]+: ." err
'

test_expect_success 'a missing config file is refused' '
	ioed_expect_refused 1 node -c "$PWD/nope.yaml" 2>err &&
	cat err &&
	grep -E "^ioed: $PWD/nope.yaml:[0-9]+: " err &&
	test_path_is_missing node/ioed.pid
'

test_expect_success 'a directory as the config file is refused' '
	mkdir adir &&
	ioed_expect_refused 1 node -c "$PWD/adir" 2>err &&
	cat err &&
	grep -E "^ioed: $PWD/adir:[0-9]+: " err
'

test_expect_success 'a directory as DIR/ioe.yaml is refused' '
	mkdir -p -m 700 dnode/ioe.yaml &&
	ioed_expect_refused 1 dnode 2>err &&
	cat err &&
	grep -E "^ioed: .*dnode/ioe.yaml:[0-9]+: " err &&
	test_path_is_missing dnode/ioed.pid
'

test_expect_success SANITY 'an unreadable config file is refused' '
	echo "name: a" >unreadable.yaml &&
	chmod 000 unreadable.yaml &&
	ioed_expect_refused 1 node -c "$PWD/unreadable.yaml" 2>err &&
	grep -E "^ioed: $PWD/unreadable.yaml:[0-9]+: " err
'

test_expect_success 'an empty file is valid' '
	: >cfg.yaml &&
	config_ok
'

test_expect_success 'a file of comments only is valid' '
	printf "# nothing\n\n   # set here\n" >cfg.yaml &&
	config_ok
'

test_expect_success 'DIR/ioe.yaml is read by default; the message names it' '
	mkdir -m 700 enode &&
	printf "# c\n\nnmae: x\n" >enode/ioe.yaml &&
	ioed_expect_refused 1 enode 2>err &&
	cat err &&
	grep -E "^ioed: (enode|$PWD/enode)/ioe.yaml:3: unknown key .nmae.$" err
'

test_expect_success '-c FILE replaces DIR/ioe.yaml' '
	echo "name: from-c" >cfg.yaml &&
	ioed_start enode -c "$PWD/cfg.yaml" &&
	ioectl -d enode status >out &&
	grep -E "^node +from-c$" out &&
	ioed_stop enode
'

test_expect_success '-n overrides the config name' '
	echo "name: from-file" >cfg.yaml &&
	ioed_start node -c "$PWD/cfg.yaml" -n from-flag &&
	ioectl -d node status >out &&
	grep -E "^node +from-flag$" out &&
	ioed_stop node
'

test_expect_success 'a bad -n NAME is refused (exit 1)' '
	ioed_expect_refused 1 node -n "bad name" 2>err &&
	grep "^ioed: " err &&
	ioed_expect_refused 1 node -n "" 2>err &&
	ioed_expect_refused 1 node -n "n$(printf "%063d" 0)" 2>err &&
	test_path_is_missing node/ioed.pid
'

test_expect_success 'log.file and log.level are used when detached' '
	printf "log:\n  level: info\n  file: $PWD/cfg.log\n" >cfg.yaml &&
	ioed_start node -c "$PWD/cfg.yaml" &&
	wait_until 10 "grep -q ready cfg.log" &&
	ioed_stop node
'

test_expect_success '-l FILE overrides log.file' '
	rm -f cfg.log &&
	printf "log:\n  level: info\n  file: $PWD/cfg.log\n" >cfg.yaml &&
	ioed_start node -c "$PWD/cfg.yaml" -l "$PWD/flag.log" &&
	wait_until 10 "grep -q ready flag.log" &&
	ioed_stop node &&
	! grep ready cfg.log
'

test_expect_success '-f logs to stderr and ignores -l and log.file' '
	printf "log:\n  level: info\n  file: $PWD/cfg-f.log\n" >cfg.yaml &&
	ioed -f -d fnode -c "$PWD/cfg.yaml" -l "$PWD/flag-f.log" 2>f.err &
	pid=$! &&
	ioed_register_ $pid "$PWD/fnode" &&
	wait_until 20 "grep -q ready f.err" &&
	kill -TERM $pid &&
	wait_until 15 "! ioed_alive_ $pid" &&
	{ wait $pid; rc=$?; } &&
	test $rc = 0 &&
	test_path_is_missing cfg-f.log flag-f.log
'

test_expect_success 'the default log is DIR/ioed.log; -v raises the level to info' '
	ioed_start vnode -v &&
	wait_until 10 "grep -q ready vnode/ioed.log" &&
	ioed_stop vnode
'

test_done
