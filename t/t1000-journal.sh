#!/bin/sh
test_description='journal add and list, filters, text rules, ledger heads and show'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

hex64='^[0-9a-f]{64}$'
iso_us='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'
zeros=$(printf '%064d' 0)

# texts NODE [journal list options]: the texts listed, one per line
texts () {
	node_=$1
	shift
	ioectl -d "$node_" --json journal list "$@" >texts.json &&
	jq -r '.entries[].text' texts.json
}

# count NODE: number of journal entries listed
count () {
	ioectl -d "$1" --json journal list >count.json &&
	jq '.entries | length' count.json
}

test_expect_success 'journal add prints the id of the new entry' '
	ioed_start alpha -n alpha &&
	ioectl -d alpha journal add hello world >id &&
	test_line_count = 1 id &&
	grep -E "$hex64" id
'

test_expect_success 'journal list shows the entry: local time, name, text' '
	ioectl -d alpha journal list >out &&
	test_line_count = 1 out &&
	grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  alpha  hello world$" out
'

test_expect_success 'journal list --json has the documented fields' '
	ioectl -d alpha --json journal list >json &&
	key=$(ioectl -d alpha --json status | jq -r .key) &&
	jq -e --arg id "$(cat id)" --arg key "$key" --arg hex "$hex64" --arg iso "$iso_us" "
		(.entries | length == 1) and
		(.entries[0] |
			.id == \$id and .author == \$key and .name == \"alpha\" and
			(.seq | type == \"number\") and (.lamport | type == \"number\") and
			(.time | test(\$iso)) and .text == \"hello world\")
	" json
'

test_expect_success 'the listed time is the JSON time in local time (TZ=UTC here)' '
	ioectl -d alpha --json journal list >json &&
	jq -r ".entries[0].time" json | sed -e "s/T/ /" -e "s/\..*//" >expect &&
	ioectl -d alpha journal list | cut -c1-19 >actual &&
	test_cmp expect actual
'

test_lazy_prereq TZDATA 'test -f /usr/share/zoneinfo/Asia/Tokyo'

test_expect_success TZDATA 'journal list follows TZ' '
	ioectl -d alpha --json journal list >json &&
	t=$(jq -r ".entries[0].time" json) &&
	TZ=Asia/Tokyo date -d "${t%.*}Z" "+%Y-%m-%d %H:%M:%S" >expect &&
	TZ=Asia/Tokyo ioectl -d alpha journal list | cut -c1-19 >actual &&
	test_cmp expect actual
'

test_expect_success 'journal add --json gives id, seq and time; seq counts up' '
	ioectl -d alpha --json journal add "second entry" >a1 &&
	ioectl -d alpha --json journal add "third entry" >a2 &&
	jq -e --arg hex "$hex64" --arg iso "$iso_us" "
		(.id | test(\$hex)) and (.seq | type == \"number\") and (.time | test(\$iso))
	" a1 &&
	s1=$(jq .seq a1) &&
	s2=$(jq .seq a2) &&
	test $s2 = $((s1 + 1)) &&
	now=$(date +%s) &&
	t=$(jq -r .time a2) &&
	t=$(date -u -d "${t%.*}Z" +%s) &&
	test $((now - t)) -le 60 && test $((t - now)) -le 60
'

test_expect_success 'journal list gives the entries in order with rising seq and lamport' '
	texts alpha >actual &&
	printf "%s\n" "hello world" "second entry" "third entry" >expect &&
	test_cmp expect actual &&
	jq -e "[.entries[].seq] | . == sort and (. | unique | length) == length" texts.json &&
	jq -e "[.entries[].lamport] | . == sort and (. | unique | length) == length" texts.json &&
	jq -r ".entries[1].id" texts.json >listed &&
	jq -r .id a1 >added &&
	test_cmp added listed
'

test_expect_success 'text "-" is read from standard input' '
	printf "from stdin" | ioectl -d alpha journal add - >id-stdin &&
	grep -E "$hex64" id-stdin &&
	texts alpha | tail -n 1 >actual &&
	echo "from stdin" >expect &&
	test_cmp expect actual
'

test_expect_success 'with "-" one trailing newline of standard input is dropped' '
	echo "echoed line" | ioectl -d alpha journal add - &&
	ioectl -d alpha --json journal list >json &&
	jq -e ".entries[-1].text == \"echoed line\"" json &&
	printf "two newlines\n\n" | ioectl -d alpha journal add - &&
	ioectl -d alpha --json journal list >json &&
	jq -e ".entries[-1].text == \"two newlines\n\"" json
'

test_expect_success 'the words of TEXT... are joined by single spaces' '
	ioectl -d alpha journal add "one  two" three "" four &&
	ioectl -d alpha --json journal list >json &&
	jq -e ".entries[-1].text == \"one  two three  four\"" json
'

test_expect_success 'a newline inside the text is kept and shown as \n' '
	printf "line one\nline two" | ioectl -d alpha journal add - &&
	ioectl -d alpha --json journal list >json &&
	jq -e ".entries[-1].text == \"line one\nline two\"" json &&
	ioectl -d alpha journal list | tail -n 1 >out &&
	grep -F "  alpha  line one\\nline two" out
'

test_expect_success 'control characters are shown escaped' '
	ioectl -d alpha journal add "$(printf "red \033[31malert\033[0m bell\007")" &&
	ioectl -d alpha --json journal list >json &&
	jq -e ".entries[-1].text == \"red \u001b[31malert\u001b[0m bell\u0007\"" json &&
	ioectl -d alpha journal list >out &&
	tail -n 1 out >last &&
	grep -F "  alpha  red \\x1b[31malert\\x1b[0m bell\\x07" last
'

test_expect_success 'DEL and C1 controls are shown escaped too' '
	ioectl -d alpha journal add "$(printf "rub\177out csi\302\233x")" &&
	ioectl -d alpha journal list | tail -n 1 >last &&
	grep -E "  alpha  rub\\\\x7fout csi(\\\\xc2)?\\\\x9bx$" last
'

test_expect_success 'a backslash is shown as \\, a tab stays a tab' '
	ioectl -d alpha journal add "$(printf "back\\\\slash\ttab")" &&
	ioectl -d alpha --json journal list >json &&
	jq -e ".entries[-1].text == \"back\\\\slash\ttab\"" json &&
	ioectl -d alpha journal list | tail -n 1 >last &&
	printf "  alpha  back\\\\\\\\slash\ttab\n" >expect &&
	cut -c20- last >actual &&
	test_cmp expect actual
'

test_expect_success 'journal list output holds no raw control character' '
	ioectl -d alpha journal list >out &&
	LC_ALL=C tr -d "\000-\010\013-\037\177" <out >clean &&
	cmp out clean
'

test_expect_success 'UTF-8 text is kept as is' '
	ioectl -d alpha journal add "Générateur 2 ☎ 🚑" &&
	texts alpha | tail -n 1 >actual &&
	echo "Générateur 2 ☎ 🚑" >expect &&
	test_cmp expect actual &&
	ioectl -d alpha journal list | tail -n 1 >last &&
	grep -F "  alpha  Générateur 2 ☎ 🚑" last
'

test_expect_success 'empty text is refused (exit 1)' '
	n=$(count alpha) &&
	test_expect_code 1 ioectl -d alpha journal add "" 2>err &&
	grep "^ioectl: " err &&
	test_expect_code 1 ioectl -d alpha journal add - </dev/null 2>err &&
	grep "^ioectl: " err &&
	test $(count alpha) = $n
'

test_expect_success 'text of only white space is refused (exit 1)' '
	n=$(count alpha) &&
	test_expect_code 1 ioectl -d alpha journal add "   " &&
	printf " \t\n" | test_expect_code 1 ioectl -d alpha journal add - &&
	test $(count alpha) = $n
'

test_expect_success 'a NUL character is refused (exit 1)' '
	n=$(count alpha) &&
	printf "nul\000inside" >nul &&
	test_expect_code 1 ioectl -d alpha journal add - <nul 2>err &&
	grep "^ioectl: " err &&
	test $(count alpha) = $n
'

test_expect_success '--json errors carry the code: invalid, too_large' '
	test_expect_code 1 ioectl -d alpha --json journal add "   " >out &&
	jq -e ".error.code == \"invalid\"" out &&
	head -c 16385 /dev/zero | tr "\000" c >over &&
	test_expect_code 1 ioectl -d alpha --json journal add - <over >out &&
	jq -e ".error.code == \"too_large\"" out
'

test_expect_success 'invalid UTF-8 is refused (exit 1)' '
	n=$(count alpha) &&
	test_expect_code 1 ioectl -d alpha journal add "$(printf "bad \377 byte")" 2>err &&
	grep "^ioectl: " err &&
	test_expect_code 1 ioectl -d alpha journal add "$(printf "overlong \300\257")" &&
	test_expect_code 1 ioectl -d alpha journal add "$(printf "cut \342\230")" &&
	printf "stdin \376 bad" >bad &&
	test_expect_code 1 ioectl -d alpha journal add - <bad &&
	test $(count alpha) = $n
'

test_expect_success 'text of journal.max_bytes (16384) is taken, one more byte refused' '
	n=$(count alpha) &&
	head -c 16384 /dev/zero | tr "\000" a >max &&
	ioectl -d alpha journal add - <max &&
	texts alpha | tail -n 1 >actual &&
	cat max >expect && echo >>expect &&
	test_cmp expect actual &&
	head -c 16385 /dev/zero | tr "\000" b >over &&
	test_expect_code 1 ioectl -d alpha journal add - <over 2>err &&
	grep "^ioectl: " err &&
	test_expect_code 1 ioectl -d alpha journal add "$(cat over)" &&
	test $(count alpha) = $((n + 1))
'

test_expect_success 'max_bytes counts bytes, not characters' '
	n=$(count alpha) &&
	for i in $(test_seq 8193); do printf "é"; done >wide &&
	test_expect_code 1 ioectl -d alpha journal add - <wide &&
	test $(count alpha) = $n
'

test_expect_success 'journal.max_bytes from the config is enforced' '
	mkdir -m 700 small &&
	printf "journal:\n  max_bytes: 100\n" >small/ioe.yaml &&
	ioed_start small &&
	head -c 100 /dev/zero | tr "\000" x >100 &&
	head -c 101 /dev/zero | tr "\000" y >101 &&
	ioectl -d small journal add - <100 &&
	test_expect_code 1 ioectl -d small journal add - <101 &&
	test $(count small) = 1
'

test_expect_success 'entries survive a restart' '
	ioectl -d alpha journal list >before &&
	ioectl -d alpha --json journal list >before.json &&
	ioed_stop alpha &&
	ioed_start alpha -n alpha &&
	ioectl -d alpha journal list >after &&
	ioectl -d alpha --json journal list >after.json &&
	test_cmp before after &&
	test_cmp before.json after.json
'

# --- filters ---

test_expect_success 'set up two entries a second apart' '
	ioed_start times -n times &&
	ioectl -d times journal add early &&
	sleep 1.1 &&
	date +%s >mid &&
	ioectl -d times journal add late
'

test_expect_success '--since and --until @UNIX' '
	mid=$(cat mid) &&
	texts times --since @$mid >actual && echo late >expect && test_cmp expect actual &&
	texts times --until @$mid >actual && echo early >expect && test_cmp expect actual &&
	texts times --since @0 >actual && printf "early\nlate\n" >expect && test_cmp expect actual &&
	texts times --since @$mid --until @$((mid + 3600)) >actual &&
	echo late >expect && test_cmp expect actual
'

test_expect_success '--since with an ISO 8601 UTC time' '
	mid=$(cat mid) &&
	texts times --since "$(date -u -d @$mid +%Y-%m-%dT%H:%M:%SZ)" >actual &&
	echo late >expect && test_cmp expect actual &&
	texts times --until "$(date -u -d @$mid +%Y-%m-%dT%H:%M:%SZ)" >actual &&
	echo early >expect && test_cmp expect actual
'

test_expect_success '--since and --until with a local "YYYY-MM-DD HH:MM[:SS]" time' '
	mid=$(cat mid) &&
	texts times --since "$(date -d @$mid "+%Y-%m-%d %H:%M:%S")" >actual &&
	echo late >expect && test_cmp expect actual &&
	texts times --until "$(date -d "-1 hour" "+%Y-%m-%d %H:%M")" >actual &&
	test_must_be_empty actual &&
	texts times --since "$(date -d "-1 hour" "+%Y-%m-%d %H:%M")" >actual &&
	printf "early\nlate\n" >expect && test_cmp expect actual
'

test_expect_success '--since and --until relative (-30s, -15m, -2h, -1d)' '
	texts times --since -1d >actual &&
	printf "early\nlate\n" >expect && test_cmp expect actual &&
	texts times --since -2h >actual && test_cmp expect actual &&
	texts times --since -15m >actual && test_cmp expect actual &&
	texts times --until -2h >actual && test_must_be_empty actual &&
	texts times --until -1d >actual && test_must_be_empty actual &&
	sleep 1 &&
	texts times --until -30s >actual && test_must_be_empty actual
'

test_expect_success 'a "HH:MM" time (today, local) is accepted' '
	ioectl -d times journal list --since 00:00 >/dev/null &&
	ioectl -d times journal list --until 23:59 >/dev/null
'

test_expect_success 'the human list applies the filters too' '
	mid=$(cat mid) &&
	ioectl -d times journal list --since @$mid >out &&
	test_line_count = 1 out &&
	grep "  late$" out
'

test_expect_success '--author: node name, self, key prefix' '
	printf "early\nlate\n" >expect &&
	texts times --author times >actual && test_cmp expect actual &&
	texts times --author self >actual && test_cmp expect actual &&
	key=$(ioectl -d times --json status | jq -r .key) &&
	texts times --author "$(echo $key | cut -c1-4)" >actual && test_cmp expect actual &&
	texts times --author "$(echo $key | cut -c1-16)" >actual && test_cmp expect actual
'

test_expect_success '--author of no known node lists nothing' '
	key=$(ioectl -d times --json status | jq -r .key) &&
	case $key in 0*) other=ffffffff ;; *) other=00000000 ;; esac &&
	{ ioectl -d times journal list --author $other >out 2>err || test $? = 1; } &&
	test_must_be_empty out &&
	{ ioectl -d times journal list --author nosuchnode >out 2>err || test $? = 1; } &&
	test_must_be_empty out
'

test_expect_success '-n COUNT keeps the last COUNT' '
	ioectl -d alpha journal list >all &&
	ioectl -d alpha journal list -n 2 >two &&
	tail -n 2 all >tail2 &&
	test_cmp tail2 two &&
	ioectl -d alpha --json journal list -n 2 >json &&
	jq -e ".entries | length == 2" json &&
	ioectl -d alpha journal list -n 1000 >many &&
	test_cmp all many
'

# --- ledger ---

test_expect_success 'ledger heads: NAME  AUTHORKEY(16)  SEQ  HEADID' '
	ioectl -d times --json journal add "head now" >last &&
	ioectl -d times ledger heads >out &&
	test_line_count = 1 out &&
	key=$(ioectl -d times --json status | jq -r .key) &&
	grep -E "^times  +$(echo $key | cut -c1-16)  +$(jq .seq last)  +$(jq -r .id last)$" out
'

test_expect_success 'ledger heads --json' '
	key=$(ioectl -d times --json status | jq -r .key) &&
	ioectl -d times --json ledger heads >json &&
	jq -e --arg key "$key" --arg id "$(jq -r .id last)" --argjson seq "$(jq .seq last)" "
		.heads | length == 1 and
		(.[0] | .author == \$key and .name == \"times\" and .seq == \$seq and .head == \$id)
	" json
'

test_expect_success 'ledger show ID: the documented lines' '
	id=$(jq -r .id last) &&
	ioectl -d times ledger show $id >out &&
	key=$(ioectl -d times --json status | jq -r .key) &&
	grep -E "^id +$id$" out &&
	grep -E "^author +[0-9a-f]{16}" out &&
	grep -E "^author +$(echo $key | cut -c1-16)" out &&
	grep -E "^name +times$" out &&
	grep -E "^seq +$(jq .seq last)$" out &&
	grep -E "^prev +[0-9a-f]{64}$" out &&
	grep -E "^lamport +[0-9]+$" out &&
	grep -E "^time +[0-9]" out &&
	grep -E "^kind +journal$" out &&
	grep -E "^size +$((94 + 7 + 8 + 64))$" out &&
	grep -E "^signature +good$" out &&
	grep -E "^body +head now$" out
'

test_expect_success 'ledger show --json: the documented fields' '
	id=$(jq -r .id last) &&
	key=$(ioectl -d times --json status | jq -r .key) &&
	ioectl -d times --json ledger show $id >json &&
	jq -e --arg id "$id" --arg key "$key" --arg hex "$hex64" --arg iso "$iso_us" --argjson seq "$(jq .seq last)" "
		.id == \$id and .author == \$key and .name == \"times\" and
		.seq == \$seq and (.prev | test(\$hex)) and (.lamport | type == \"number\") and
		(.time | test(\$iso)) and .kind == \"journal\" and .size == 94 + 7 + 8 + 64 and
		.body == \"head now\" and (.signature | test(\"^[0-9a-f]{128}$\"))
	" json
'

test_expect_success 'ledger show: a unique prefix of 8 hex finds the entry' '
	id=$(jq -r .id last) &&
	ioectl -d times ledger show $id >full &&
	ioectl -d times ledger show $(echo $id | cut -c1-8) >prefix &&
	test_cmp full prefix &&
	ioectl -d times ledger show $(echo $id | cut -c1-20) >prefix &&
	test_cmp full prefix
'

test_expect_success 'ledger show: a prefix under 8 hex is refused' '
	id=$(jq -r .id last) &&
	test_must_fail ioectl -d times ledger show $(echo $id | cut -c1-7) >out 2>err &&
	test_must_be_empty out &&
	grep "^ioectl: " err
'

test_expect_success 'ledger show: an unknown id fails (exit 1)' '
	id=$(jq -r .id last) &&
	case $id in 0*) other=ffffffff ;; *) other=00000000 ;; esac &&
	test_expect_code 1 ioectl -d times ledger show $zeros >out 2>err &&
	test_must_be_empty out &&
	grep "^ioectl: " err &&
	test_expect_code 1 ioectl -d times ledger show $other 2>err &&
	grep "^ioectl: " err
'

test_expect_success 'ledger show: a non-hex id is refused' '
	test_must_fail ioectl -d times ledger show zzzzzzzzzz 2>err &&
	grep "^ioectl: " err
'

test_expect_success 'prev links the feed back to the node entry (seq 1, prev null)' '
	id=$(jq -r .id last) &&
	seq=$(jq .seq last) &&
	i=0 &&
	while test $i -lt 50
	do
		ioectl -d times --json ledger show $id >e &&
		jq -e ".seq == $seq" e || return 1
		test $seq = 1 && break
		id=$(jq -r .prev e) &&
		seq=$((seq - 1)) &&
		i=$((i + 1))
	done &&
	jq -e ".kind == \"node\" and .prev == null" e
'

test_done
