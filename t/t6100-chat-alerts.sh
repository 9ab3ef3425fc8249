#!/bin/sh
test_description='alerts across a line a - b - c: acknowledgements, roles, deadlines and escalation, the after-action export'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

test_lazy_prereq PYTHON 'python3 -c "import csv, json, sys"'

# Users: alice@a, bob@b, carol@c, dave@c. Room ops: alice, bob, carol.
# Roles: it-oncall bob@b (deputy: backup), backup carol@c, medic dave@c
# (no deputy).

# alert_get NODE ID FILTER: FILTER (jq) applied to alert ID in NODE's
# alerts --json
alert_get () {
	ioectl -d "$1" --json alerts >"alerts.$1.json" &&
	jq -r --arg id "$2" ".alerts[] | select(.id == \$id) | $3" "alerts.$1.json"
}

# pending NODE ID, acked NODE ID: the users, sorted, on one line
pending () {
	alert_get "$1" "$2" '.pending | sort | join(" ")'
}

acked () {
	alert_get "$1" "$2" '[.acked[].user] | sort | join(" ")'
}

# n_esc NODE ID: how many escalations NODE shows for alert ID
n_esc () {
	alert_get "$1" "$2" '.escalations | length'
}

# esc_roles NODE ID: the role of each escalation ("-": none), in order
esc_roles () {
	alert_get "$1" "$2" '[.escalations[] | .role // "-"] | join(" ")'
}

# is_open NODE ID: true or false
is_open () {
	alert_get "$1" "$2" '.open'
}

# n_entries NODE: how many entries NODE holds
n_entries () {
	ioectl -d "$1" --json verify | jq .entries
}

# time_ok NODE ID: the alert's time is within the last hour
time_ok () {
	alert_get "$1" "$2" '.time_us / 1000000 > now - 3600 and .time_us / 1000000 < now + 60' >ok &&
	test "$(cat ok)" = true
}

# esc_times_ok NODE ID: every escalation of alert ID came at least one
# deadline after the last (round k at least k deadlines after the alert),
# rounds 1, 2, 3
esc_times_ok () {
	alert_get "$1" "$2" '
		.time_us as $t | .deadline_s as $d |
		[.escalations[] | .round] == [range(1; (.escalations | length) + 1)] and
		([.escalations | to_entries[] |
			.value.time_us - $t >= (.key + 1) * $d * 1000000] | all) and
		$d > 0' >ok &&
	test "$(cat ok)" = true
}

# export_expect NODE: the rows the export of NODE must hold, built from
# its journal and alerts --json, as JSON arrays [time, kind, node, user,
# room, text, ref] in time order; an escalation has no node (ioectl(1))
export_expect () {
	ioectl -d "$1" --json journal list >exp.journal &&
	ioectl -d "$1" --json alerts >exp.alerts &&
	{
		jq -c '.entries[] | [.time, "journal", .name, "", "", .text, ""]' \
			exp.journal &&
		jq -c '.alerts[] | . as $a | ($a.user | split("@")) as $u |
			([$a.time, "alert " + $a.level, $u[1], $u[0], $a.room,
			  $a.text, $a.id[0:12]]),
			($a.acked[] | (.user | split("@")) as $k |
			 [.time, "ack", $k[1], $k[0], $a.room, $a.text,
			  $a.id[0:12]]),
			($a.escalations[] |
			 [.time, "escalation", "", (.role // ""), $a.room,
			  $a.text, $a.id[0:12]])' exp.alerts
	} | sort
}

# md_expect: the Markdown table rows for the JSON rows on stdin (text
# made inert as on a terminal, then Markdown's characters escaped)
md_expect () {
	jq -r 'def md: gsub("\\\\"; "\\\\") | gsub("\n"; "\\n") |
			gsub("(?<c>[|*_`\\[\\]<>#])"; "\\\(.c)");
		"| \(.[0][0:19]) | \(.[1] | md) | \(.[2] | md) | \(.[3] | md) | \(.[4] | md) | \(.[5] | md) | \(.[6] | md) |"'
}

# md_cells FILE: for each line of FILE, the number of table pipes on it
# (a pipe after a backslash is text)
md_cells () {
	awk '{
		n = 0
		for (i = 1; i <= length($0); i++) {
			ch = substr($0, i, 1)
			if (ch == "\\") i++
			else if (ch == "|") n++
		}
		print n
	}' "$1"
}

# csv_rows FILE: each CSV record of FILE as a JSON array on one line
# (the header too); fails unless every record has 7 fields
csv_rows () {
	python3 - "$1" <<-\EOF
	import csv, json, sys
	with open(sys.argv[1], newline="", encoding="utf-8") as f:
	    rows = list(csv.reader(f, strict=True))
	for r in rows:
	    if len(r) != 7:
	        sys.exit("a record of %d fields: %r" % (len(r), r))
	    print(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
	EOF
}

test_expect_success 'set up a line a - b - c with users, a room and roles' '
	mesh_ca a &&
	mesh_node b a &&
	mesh_node c b &&
	wait_peer_up 10 b a &&
	wait_peer_up 10 b c &&
	wait_peer_up 10 c b &&
	ioectl -d a user add alice &&
	ioectl -d b user add bob &&
	ioectl -d c user add carol &&
	ioectl -d c user add dave &&
	ioectl -d a room create ops --topic "crisis ops" &&
	wait_converged 10 a b c &&
	ioectl -d b room join ops &&
	ioectl -d c -u carol room join ops &&
	wait_converged 10 a b c &&
	ioectl -d b --json room list >rooms &&
	jq -e ".rooms[0].members == 3" rooms
'

test_expect_success 'an alert to a room asks every member but its author' '
	ioectl -d a alert ops "pump failure in the east wing" --level critical >A1 &&
	A1=$(cat A1) &&
	echo "$A1" | grep -E "^[0-9a-f]{64}$" &&
	wait_converged 10 a b c &&
	test "$(pending c $A1)" = "bob@b carol@c" &&
	test "$(acked c $A1)" = "" &&
	test "$(is_open c $A1)" = true &&
	alert_get c $A1 . >a1.json &&
	jq -e ".room == \"ops\" and .level == \"critical\" and
		.user == \"alice@a\" and .text == \"pump failure in the east wing\" and
		.to == null and .deadline_s == 0 and .escalations == [] and
		(.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\"))" a1.json &&
	time_ok c $A1
'

test_expect_success 'alerts: one block per alert, OPEN and who is waited for' '
	ioectl -d b alerts >out &&
	short=$(echo $A1 | cut -c 1-12) &&
	grep -E "^$short  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}  CRITICAL  ops  from alice@a  OPEN$" out &&
	grep -x "    pump failure in the east wing" out &&
	grep -E "^    waiting for (bob@b, carol@c|carol@c, bob@b)$" out
'

test_expect_success 'acknowledged from two nodes: alerts shows who and when' '
	ioectl -d b ack $A1 >out &&
	echo "acknowledged alert $(echo $A1 | cut -c 1-12)" >expect &&
	test_cmp expect out &&
	wait_converged 10 a b c &&
	test "$(acked c $A1)" = "bob@b" &&
	test "$(pending c $A1)" = "carol@c" &&
	test "$(is_open a $A1)" = true &&
	ioectl -d c -u carol --json ack $(echo $A1 | cut -c 1-12) >ack.json &&
	jq -e --arg id $A1 ".alert == \$id and .user == \"carol\" and .already == false" ack.json &&
	wait_converged 10 a b c &&
	for n in a b c
	do
		test "$(acked $n $A1)" = "bob@b carol@c" &&
		test "$(pending $n $A1)" = "" &&
		test "$(is_open $n $A1)" = false || return 1
	done &&
	alert_get a $A1 ".acked[]" >acks &&
	jq -s -e "all(.[]; .time_us / 1000000 > now - 3600)" acks &&
	ioectl -d a alerts >out &&
	! grep OPEN out &&
	grep -E "^    acknowledged by bob@b at [0-9]{2}:[0-9]{2}:[0-9]{2}$" out &&
	grep -E "^    acknowledged by carol@c at [0-9]{2}:[0-9]{2}:[0-9]{2}$" out &&
	! grep "waiting for" out &&
	ioectl -d a --json alerts --open >open.json &&
	jq -e ".alerts == []" open.json
'

test_expect_success 'role assign and role list, the same on every node' '
	ioectl -d a role assign it-oncall bob@b >out &&
	echo assigned >expect &&
	test_cmp expect out &&
	ioectl -d b role assign backup carol@c &&
	ioectl -d c -u carol role assign medic dave@c &&
	ioectl -d a role deputy it-oncall backup >out &&
	echo "deputy set" >expect &&
	test_cmp expect out &&
	wait_converged 10 a b c &&
	ioectl -d c --json role list >roles.c &&
	jq -c ".roles" roles.c >actual &&
	echo "[{\"role\":\"backup\",\"holders\":[\"carol@c\"],\"deputy\":null},{\"role\":\"it-oncall\",\"holders\":[\"bob@b\"],\"deputy\":\"backup\"},{\"role\":\"medic\",\"holders\":[\"dave@c\"],\"deputy\":null}]" >expect &&
	test_cmp expect actual &&
	ioectl -d a --json role list >roles.a &&
	test_cmp roles.c roles.a &&
	ioectl -d b role list >out &&
	grep -E "^it-oncall +bob@b +deputy: backup$" out &&
	grep -E "^backup +carol@c$" out
'

test_expect_success 'alert --to ROLE asks only the holders of the role' '
	ioectl -d a --json alert ops "database down" --to it-oncall >a2.json &&
	A2=$(jq -r .id a2.json) &&
	jq -e ".room == \"ops\" and .level == \"urgent\" and .to == \"it-oncall\"" a2.json &&
	wait_converged 10 a b c &&
	test "$(pending c $A2)" = "bob@b" &&
	alert_get c $A2 "[.to, .level, .deadline_s] | @json" >actual &&
	echo "[\"it-oncall\",\"urgent\",0]" >expect &&
	test_cmp expect actual &&
	time_ok c $A2 &&
	ioectl -d c alerts >out &&
	grep -E "^$(echo $A2 | cut -c 1-12)  .*  URGENT  +ops  from alice@a  to role it-oncall  OPEN$" out &&
	ioectl -d b ack $(echo $A2 | cut -c 1-8) &&
	wait_converged 10 a b c &&
	test "$(acked a $A2)" = "bob@b" &&
	test "$(is_open a $A2)" = false
'

test_expect_success 'an alert to a role nobody holds stays open until someone acknowledges it' '
	ioectl -d b alert ops "anyone there?" --to night-shift >A3 &&
	A3=$(cat A3) &&
	wait_converged 10 a b c &&
	test "$(pending c $A3)" = "" &&
	test "$(is_open c $A3)" = true &&
	ioectl -d c -u dave ack $A3 &&
	wait_converged 10 a b c &&
	test "$(acked b $A3)" = "dave@c" &&
	test "$(is_open b $A3)" = false
'

test_expect_success 'alerts are listed in the order raised, the same on every node' '
	for n in a b c
	do
		ioectl -d $n --json alerts >l.$n &&
		jq -r ".alerts[].id" l.$n >ids.$n || return 1
	done &&
	printf "%s\n" $A1 $A2 $A3 >expect &&
	test_cmp expect ids.a &&
	test_cmp expect ids.b &&
	test_cmp expect ids.c
'

test_expect_success 'alerts with deadlines: X to it-oncall, Y to medic, W to the room, Z answered in time' '
	ioectl -d a alert ops "server room flooding" --level critical --to it-oncall --deadline 3s >X &&
	ioectl -d a alert ops "medic needed | floor 2" --to medic --deadline 3s >Y &&
	ioectl -d a alert ops "roll call, everyone" --deadline 3s >W &&
	ioectl -d a alert ops "check the generator" --to it-oncall --deadline 5s >Z &&
	X=$(cat X) && Y=$(cat Y) && W=$(cat W) && Z=$(cat Z) &&
	wait_until 5 "test \"\$(pending b $Z)\" = bob@b" &&
	ioectl -d b ack $Z &&
	test "$(pending a $X)" = "bob@b" &&
	test "$(n_esc a $X)" = 0 &&
	test "$(pending a $Y)" = "dave@c" &&
	test "$(pending a $W)" = "bob@b carol@c" &&
	test "$(alert_get a $X .deadline_s)" = 3 &&
	test "$(alert_get a $Y .deadline_s)" = 3 &&
	test "$(alert_get a $W .deadline_s)" = 3 &&
	test "$(alert_get a $Z .deadline_s)" = 5 &&
	ioectl -d a alerts >out &&
	grep -E "^$(echo $X | cut -c 1-12)  .*  to role it-oncall  \(deadline 3s\)  OPEN$" out
'

test_expect_success 'after the deadline an escalation adds the deputy role: its holders are pending' '
	wait_until 10 "test \$(n_esc a $X) -ge 1" &&
	wait_converged 10 a b c &&
	alert_get c $X ".escalations[0]" >e.json &&
	jq -e ".role == \"backup\" and .round == 1 and
		(.time | test(\"^[0-9]{4}-\"))" e.json &&
	test "$(pending c $X)" = "bob@b carol@c" &&
	test "$(is_open c $X)" = true &&
	ioectl -d b alerts >out &&
	grep -E "^    escalated at [0-9]{2}:[0-9]{2}:[0-9]{2} to role backup$" out &&
	grep -E "^    waiting for (bob@b, carol@c|carol@c, bob@b)$" out
'

test_expect_success 'with no deputy the alert is raised again to the same people' '
	wait_until 10 "test \$(n_esc a $Y) -ge 1" &&
	wait_converged 10 a b c &&
	test "$(esc_roles c $Y | cut -d " " -f 1)" = "-" &&
	test "$(pending c $Y)" = "dave@c" &&
	esc_times_ok c $Y &&
	ioectl -d c alerts >out &&
	grep -E "^    raised again at [0-9]{2}:[0-9]{2}:[0-9]{2}$" out
'

test_expect_success 'escalation stops after 3 rounds' '
	wait_until 20 "test \$(n_esc a $X) -ge 3 && test \$(n_esc a $Y) -ge 3" &&
	wait_converged 10 a b c &&
	before=$(n_entries a) &&
	test "$(esc_roles a $X)" = "backup backup backup" &&
	test "$(esc_roles a $Y)" = "- - -" &&
	esc_times_ok a $X &&
	# more than a deadline passes: nothing more is written
	sleep 5 &&
	test "$(n_esc a $X)" = 3 &&
	test "$(n_esc a $Y)" = 3 &&
	test "$(n_entries a)" = "$before" &&
	test "$(n_esc c $X)" = 3
'

test_expect_success 'an alert to a room with a deadline escalates too (to the same people)' '
	test "$(alert_get a $W .deadline_s)" = 3 &&
	test "$(esc_roles a $W)" = "- - -" &&
	esc_times_ok a $W &&
	test "$(pending a $W)" = "bob@b carol@c"
'

test_expect_success 'an alert acknowledged in time is not escalated' '
	test "$(n_esc a $Z)" = 0 &&
	test "$(n_esc c $Z)" = 0 &&
	test "$(acked a $Z)" = "bob@b" &&
	test "$(is_open a $Z)" = false
'

test_expect_success 'the escalated alerts are closed by the acknowledgements of everyone addressed' '
	ioectl -d c -u carol ack $X &&
	wait_converged 10 a b c &&
	test "$(pending a $X)" = "bob@b" &&
	ioectl -d b ack $X &&
	ioectl -d c -u dave ack $(echo $Y | cut -c 1-10 | tr a-f A-F) &&
	wait_converged 10 a b c &&
	test "$(is_open a $X)" = false &&
	test "$(acked a $Y)" = "dave@c" &&
	test "$(is_open a $Y)" = false &&
	ioectl -d a --json alerts --open >open.json &&
	jq -r ".alerts[].id" open.json >actual &&
	echo $W >expect &&
	test_cmp expect actual &&
	ioectl -d b ack $W &&
	ioectl -d c -u carol ack $W &&
	wait_converged 10 a b c &&
	ioectl -d c --json alerts --open >open.json &&
	jq -e ".alerts == []" open.json
'

test_expect_success 'ack twice: already acknowledged, nothing written' '
	wait_converged 10 a b c &&
	before=$(n_entries b) &&
	heads_of b >heads.before &&
	ioectl -d b ack $X >out &&
	echo "already acknowledged alert $(echo $X | cut -c 1-12)" >expect &&
	test_cmp expect out &&
	ioectl -d b --json ack $(echo $X | cut -c 1-8) >ack.json &&
	jq -e --arg id $X ".alert == \$id and .already == true" ack.json &&
	test "$(n_entries b)" = "$before" &&
	heads_of b >heads.after &&
	test_cmp heads.before heads.after &&
	test "$(acked a $X)" = "bob@b carol@c"
'

test_expect_success 'ack: an unknown id, a bad id: refused, nothing written' '
	heads_of c >heads.before &&
	test_expect_code 1 ioectl -d c -u carol --json ack 0000000000000000 >out 2>err &&
	jq -e ".error.code == \"not_found\"" out &&
	grep "no alert .0000000000000000." err &&
	for id in 1234567 zzzzzzzz "$X"0 "" "12345678 " "-12345678" "g$(echo $X | cut -c 2-12)"
	do
		test_expect_code 1 ioectl -d c -u carol --json ack -- "$id" >out 2>err &&
		jq -e ".error.code == \"invalid\"" out &&
		grep "bad alert id" err || return 1
	done &&
	heads_of c >heads.after &&
	test_cmp heads.before heads.after
'

test_expect_success 'role unassign: the role is gone from role list once nobody holds it' '
	ioectl -d b role unassign medic dave@c >out &&
	echo unassigned >expect &&
	test_cmp expect out &&
	wait_converged 10 a b c &&
	ioectl -d c --json role list >roles.c &&
	jq -r "[.roles[].role] | join(\" \")" roles.c >actual &&
	echo "backup it-oncall" >expect &&
	test_cmp expect actual
'

test_expect_success 'journal entries for the after-action report' '
	ioectl -d b journal add "generator on | fuel 80%, \"full\"" &&
	ioectl -d c journal add "$(printf "two lines\\nof text")" &&
	ioectl -d a journal add "back\\|slash *bold* _x_ [link](u) <b> #1" &&
	wait_converged 10 a b c
'

test_expect_success PYTHON 'journal export --format csv: the journal, alerts, acks and escalations in time order' '
	ioectl -d c journal export --format csv >export.csv &&
	csv_rows export.csv >rows &&
	head -n 1 rows >actual &&
	echo "[\"time\",\"kind\",\"node\",\"user\",\"room\",\"text\",\"ref\"]" >expect &&
	test_cmp expect actual &&
	sed 1d rows >actual &&
	export_expect c >expect &&
	# 3 journal entries, 7 alerts, 10 acks, 9 escalations
	test_line_count = 29 expect &&
	test_cmp expect actual
'

test_expect_success PYTHON 'the CSV export holds the texts exactly, quotes, commas and newlines too' '
	csv_rows export.csv >rows &&
	grep -F "\"journal\",\"b\",\"\",\"\",\"generator on | fuel 80%, \\\"full\\\"\",\"\"]" rows &&
	grep -F "\"journal\",\"c\",\"\",\"\",\"two lines\\nof text\",\"\"]" rows &&
	grep -F "\"escalation\",\"\",\"backup\",\"ops\",\"server room flooding\",\"$(echo $X | cut -c 1-12)\"]" rows
'

test_expect_success 'the CSV export without a CSV parser: header, quoting, row kinds' '
	ioectl -d a journal export --format csv >export.a.csv &&
	head -n 1 export.a.csv >actual &&
	echo "time,kind,node,user,room,text,ref" >expect &&
	test_cmp expect actual &&
	grep -c "^\"[0-9-]*T[0-9:.]*Z\",\"escalation\"," export.a.csv >n &&
	test $(cat n) = 9 &&
	grep -c "^\"[0-9-]*T[0-9:.]*Z\",\"ack\"," export.a.csv >n &&
	test $(cat n) = 10 &&
	grep -c "^\"[0-9-]*T[0-9:.]*Z\",\"alert \(urgent\|critical\)\"," export.a.csv >n &&
	test $(cat n) = 7 &&
	grep -F "\"generator on | fuel 80%, \"\"full\"\"\"" export.a.csv &&
	cut -d , -f 1 export.a.csv | sed 1d >firsts &&
	{ grep -v "^\"" firsts | grep -vx "of text\"" >odd || :; } &&
	test_must_be_empty odd &&
	grep "^\"" export.a.csv | cut -d , -f 1 >times &&
	sort times >sorted &&
	test_cmp sorted times
'

test_expect_success 'journal export --format md: a table in time order that no text can break' '
	ioectl -d c journal export --format md >export.md &&
	head -n 1 export.md >actual &&
	echo "# Crisis log" >actual.want &&
	test_cmp actual.want actual &&
	grep -x "| time (UTC) | what | node | user | room | text | ref |" export.md &&
	sed -n "/^|---/,\$p" export.md | sed 1d >table &&
	md_cells table | sort -u >cells &&
	echo 8 >expect &&
	test_cmp expect cells &&
	export_expect c | md_expect >expect &&
	test_cmp expect table &&
	grep -F "medic needed \\| floor 2" table &&
	grep -F "back\\\\\\|slash \\*bold\\* \\_x\\_ \\[link\\](u) \\<b\\> \\#1" table
'

test_expect_success 'journal export --since leaves out what came before' '
	t=$(alert_get c $X .time_us) &&
	ioectl -d c --json journal export --format csv --since @$((t / 1000000 + 1)) >since.json &&
	jq -r .text since.json >since.csv &&
	! grep -F "$(echo $A1 | cut -c 1-12)" since.csv &&
	grep -F "\"generator on" since.csv &&
	test_expect_code 1 ioectl -d c journal export --format xml 2>err &&
	grep "bad format .xml." err &&
	test_expect_code 2 ioectl -d c journal export 2>err
'

test_expect_success 'every node verifies its log' '
	for n in a b c
	do
		ioectl -d $n --json verify >v.json &&
		jq -e ".ok == true and .authors == 3" v.json || return 1
	done
'

test_done
