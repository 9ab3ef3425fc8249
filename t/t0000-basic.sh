#!/bin/sh
test_description='program basics: help, version, usage errors, command lookup'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

version_re='[0-9]+\.[0-9]+\.[0-9]+'

test_expect_success 'ioed --help prints the usage on stdout, exit 0' '
	ioed --help >out 2>err &&
	test_must_be_empty err &&
	for opt in --config --dir --foreground --log --name --verbose --help --version
	do
		grep -e "$opt" out || return 1
	done &&
	ioed -h >out-h &&
	test_cmp out out-h
'

test_expect_success 'ioed -V and --version print the version, exit 0' '
	ioed -V >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 1 out &&
	grep -E "$version_re" out &&
	ioed --version >out2 &&
	test_cmp out out2
'

test_expect_success 'ioectl --help prints the usage on stdout, exit 0' '
	ioectl --help >out 2>err &&
	test_must_be_empty err &&
	grep -e "--json" out &&
	grep -e "-d" out &&
	grep -e "-t" out &&
	grep -e COMMAND out &&
	ioectl -h >out-h &&
	test_cmp out out-h
'

test_expect_success 'ioectl -V and --version print the same version as ioed' '
	ioectl -V >out 2>err &&
	test_must_be_empty err &&
	ioectl --version >out2 &&
	test_cmp out out2 &&
	grep -oE "$version_re" out >v-ioectl &&
	ioed -V | grep -oE "$version_re" >v-ioed &&
	test_cmp v-ioed v-ioectl
'

test_expect_success 'ioed: unknown option is a usage error (exit 2)' '
	test_expect_code 2 ioed --no-such-option >out 2>err &&
	grep "^ioed: unknown option" err &&
	test_must_be_empty out &&
	test_expect_code 2 ioed -Q 2>err &&
	grep -x "ioed: unknown option '\''-Q'\''" err &&
	grep -e "--config" err
'

test_expect_success 'ioed: an option without its value is a usage error' '
	test_expect_code 2 ioed -c 2>err &&
	grep -x "ioed: missing value for option '\''-c'\''" err &&
	test_expect_code 2 ioed -d 2>err &&
	grep -x "ioed: missing value for option '\''-d'\''" err
'

test_expect_success 'ioed: an argument is a usage error' '
	test_expect_code 2 ioed -d node extra 2>err &&
	grep -x "ioed: unexpected argument '\''extra'\''" err &&
	test_path_is_missing node/ioed.pid
'

# ioectl usage errors: exit 2, "ioectl: ..." on stderr, nothing on stdout.
# No daemon runs here: a usage error must be found before any connection.
check_usage_error () {
	test_expect_code 2 ioectl -t 2 -d nodaemon "$@" >out 2>err &&
	test_must_be_empty out &&
	grep "^ioectl: " err
}

test_expect_success 'ioectl: no command is a usage error' '
	test_expect_code 2 ioectl >out 2>err &&
	test_must_be_empty out &&
	test -s err
'

test_expect_success 'ioectl: unknown option is a usage error' '
	check_usage_error --no-such-option status &&
	check_usage_error -Q status
'

test_expect_success 'ioectl: bad -t value is a usage error' '
	check_usage_error -t abc status &&
	test_expect_code 2 ioectl -d nodaemon -t 2>err &&
	grep "^ioectl: " err
'

test_expect_success 'ioectl: missing or extra arguments are usage errors' '
	check_usage_error journal &&
	check_usage_error journal frobnicate &&
	check_usage_error journal add &&
	check_usage_error ledger &&
	check_usage_error ledger show &&
	check_usage_error ledger show 0123456789abcdef extra &&
	check_usage_error status extra &&
	check_usage_error verify extra
'

test_expect_success 'ioectl: bad journal list options are usage errors' '
	check_usage_error journal list --no-such-option &&
	check_usage_error journal list -n abc &&
	check_usage_error journal list --since yesterday &&
	check_usage_error journal list --until "2026-13-45T99:00:00Z"
'

test_expect_success 'ioectl: unknown command is a usage error naming it' '
	check_usage_error frobnicate &&
	grep frobnicate err
'

test_expect_success 'ioectl: with --json a usage error is also JSON on stdout' '
	test_expect_code 2 ioectl -d nodaemon --json frobnicate >out 2>err &&
	grep "^ioectl: " err &&
	jq -e "(.error.code == \"usage\") and (.error.message | type == \"string\")" out &&
	test_expect_code 2 ioectl -d nodaemon --json journal list -n abc >out 2>err &&
	jq -e ".error.code == \"usage\"" out
'

test_expect_success 'ioectl: -t takes fractions of a second' '
	test_expect_code 3 ioectl -t 0.5 -d nodaemon status 2>err &&
	grep "^ioectl: " err &&
	check_usage_error -t -1 status &&
	check_usage_error -t 1x status
'

test_expect_success 'ioectl: an ambiguous prefix lists the candidates' '
	test_expect_code 2 ioectl -d nodaemon ver >out 2>err &&
	test_must_be_empty out &&
	grep "^ioectl: ambiguous command: ver, could be: " err &&
	grep "could be: .*verify" err &&
	grep "could be: .*version" err &&
	test_expect_code 2 ioectl -d nodaemon v 2>err &&
	grep "^ioectl: ambiguous command: v, could be: " err
'

test_expect_success 'ioectl: an unknown subcommand is a usage error' '
	test_expect_code 2 ioectl -d nodaemon ledger x 2>err &&
	grep "^ioectl: " err
'

test_expect_success 'ioectl: a unique prefix finds the command (he = help)' '
	ioectl help >full &&
	ioectl he >prefix &&
	test_cmp full prefix
'

test_expect_success 'ioectl help lists every command' '
	ioectl -d nodaemon help >out 2>err &&
	test_must_be_empty err &&
	for cmd in status journal ledger verify help version
	do
		grep -w "$cmd" out || return 1
	done
'

test_expect_success 'ioectl help journal prints its usage' '
	ioectl help journal >out &&
	grep -F "journal add TEXT..." out &&
	grep -F "journal list [--since TIME] [--until TIME] [--author NODE] [-n COUNT]" out
'

test_expect_success 'ioectl help ledger prints its usage' '
	ioectl help ledger >out &&
	grep -F "ledger heads" out &&
	grep -F "ledger show ID" out
'

test_expect_success 'ioectl help of an unknown command is a usage error' '
	test_expect_code 2 ioectl help frobnicate >out 2>err &&
	grep "^ioectl: " err
'

test_expect_success 'ioectl: no daemon at -d DIR gives exit 3 naming DIR' '
	test_expect_code 3 ioectl -t 2 -d nodaemon status >out 2>err &&
	test_must_be_empty out &&
	grep -Ex "ioectl: no daemon at .(.*/)?nodaemon. \(no control socket .(.*/)?nodaemon/ctl.\)" err
'

test_expect_success 'ioectl: no daemon in an existing empty DIR gives exit 3' '
	mkdir -m 700 emptydir &&
	test_expect_code 3 ioectl -t 2 -d emptydir status 2>err &&
	grep "^ioectl: .*emptydir" err
'

test_expect_success 'ioectl: no daemon at $IOE_DIR gives exit 3 naming it' '
	IOE_DIR=$PWD/envdir &&
	export IOE_DIR &&
	test_when_finished "unset IOE_DIR" &&
	test_expect_code 3 ioectl -t 2 status 2>err &&
	grep "^ioectl: .*envdir" err
'

test_expect_success 'ioectl: long options --dir and --timeout' '
	test_expect_code 3 ioectl --dir longdir --timeout 1 status 2>err &&
	grep "^ioectl: .*longdir" err
'

test_expect_success 'ioectl: -d wins over $IOE_DIR' '
	test_expect_code 3 env IOE_DIR=$PWD/envdir ioectl -t 2 -d flagdir status 2>err &&
	grep "^ioectl: .*flagdir" err &&
	! grep envdir err
'

test_expect_success 'ioectl: the default DIR is $HOME/.ioe' '
	test_expect_code 3 ioectl -t 2 status 2>err &&
	grep "^ioectl: .*\.ioe" err
'

test_expect_success 'ioectl: with --json the no-daemon error is JSON on stdout' '
	test_expect_code 3 ioectl -t 2 -d nodaemon --json status >out 2>err &&
	grep "^ioectl: " err &&
	jq -e "(.error.code == \"no_daemon\") and (.error.message | type == \"string\")" out
'

test_expect_success 'ioectl help and version need no daemon' '
	ioectl -d nodaemon help >out &&
	test -s out &&
	ioectl -d nodaemon version >out &&
	grep -E "$version_re" out &&
	ioectl -d nodaemon --json version >json &&
	jq -e ".protocol == 4" json
'

test_expect_success 'ioectl: $IOE_TIMEOUT bounds the wait for a reply' '
	start=$(date +%s) &&
	test_expect_code 3 env IOE_TIMEOUT=1 ioectl -d nodaemon status &&
	test $(($(date +%s) - start)) -le 5
'

test_expect_success 'a daemon answers: unique prefix st = status, --json after COMMAND' '
	ioed_start alpha -n alpha &&
	ioectl -d alpha status >full &&
	ioectl -d alpha st >prefix &&
	grep -v "^uptime" full >full.cmp &&
	grep -v "^uptime" prefix >prefix.cmp &&
	test_cmp full.cmp prefix.cmp &&
	ioectl -d alpha status --json >json &&
	jq -e ".name == \"alpha\"" json
'

test_expect_success 'a unique prefix works at every level: j l = journal list' '
	ioectl -d alpha journal add "prefix test" &&
	ioectl -d alpha journal list >full &&
	ioectl -d alpha j l >prefix &&
	test_cmp full prefix &&
	ioectl -d alpha --json led h >heads &&
	jq -e ".heads | length == 1" heads
'

test_expect_success 'ioectl version works and matches -V' '
	ioectl -d alpha version >out &&
	grep -oE "$version_re" out | head -n 1 >v1 &&
	ioectl -V | grep -oE "$version_re" >v2 &&
	test_cmp v2 v1 &&
	ioectl -d alpha --json version >json &&
	jq -e "(.version | type == \"string\") and .protocol == 4" json &&
	jq -r .version json >v3 &&
	test_cmp v2 v3
'

test_done
