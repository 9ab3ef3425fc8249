#!/bin/sh
test_description='a line of three nodes a - b - c: replication across a hop, partitions, crashes, a backlog'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

test_expect_success 'set up a line a - b - c (b links to a, c to b)' '
	mesh_ca a &&
	mesh_node b a &&
	mesh_node c b &&
	wait_peer_up 10 b a &&
	wait_peer_up 10 b c &&
	wait_peer_up 10 a b &&
	wait_peer_up 10 c b
'

test_expect_success 'c reaches a only through b' '
	ioectl -d a --json peers >a.json &&
	jq -e "[.peers[].name] == [\"b\"]" a.json &&
	ioectl -d c --json peers >c.json &&
	jq -e "[.peers[].name] == [\"b\"]" c.json &&
	ioectl -d b --json peers >b.json &&
	jq -e "[.peers[].name] | sort == [\"a\", \"c\"]" b.json
'

test_expect_success 'peers --json: state up, direction, key and an rtt on every link' '
	wait_until 5 "ioectl -d b --json peers | jq -e \"all(.peers[]; .rtt_ms != null)\" >/dev/null" &&
	wait_until 5 "ioectl -d a --json peers | jq -e \"all(.peers[]; .rtt_ms != null)\" >/dev/null" &&
	wait_until 5 "ioectl -d c --json peers | jq -e \"all(.peers[]; .rtt_ms != null)\" >/dev/null" &&
	akey=$(ioectl -d a --json status | jq -r .key) &&
	bkey=$(ioectl -d b --json status | jq -r .key) &&
	ckey=$(ioectl -d c --json status | jq -r .key) &&
	ioectl -d b --json peers >b.json &&
	jq -e --arg a "$akey" --arg c "$ckey" --arg ea "$(mesh_ep a)" "
		(.peers | length == 2) and .problem == null and
		all(.peers[]; .state == \"up\" and (.rtt_ms | type == \"number\")
			and .rtt_ms > 0 and .rtt_ms < 1000 and .loss >= 0 and
			.loss <= 1 and .bytes_in > 0 and .bytes_out > 0 and
			(.since | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\"))) and
		any(.peers[]; .name == \"a\" and .direction == \"out\" and
			.key == \$a and .endpoint == \$ea) and
		any(.peers[]; .name == \"c\" and .direction == \"in\" and .key == \$c)
	" b.json &&
	ioectl -d a --json peers >a.json &&
	jq -e --arg b "$bkey" "
		.peers[0] | .name == \"b\" and .direction == \"in\" and
		.state == \"up\" and .key == \$b and .rtt_ms > 0
	" a.json &&
	ioectl -d c --json status >c.json &&
	jq -e ".peers == 1 and .mesh_problem == null" c.json &&
	ioectl -d b --json status >b.json &&
	jq -e ".peers == 2" b.json
'

test_expect_success 'peers: one line per link, name, direction, up and the rtt' '
	ioectl -d b peers >out &&
	head -n 1 out >head &&
	grep "^NAME  *DIR  *STATE  *RTT  *LOSS" head &&
	test_line_count = 3 out &&
	grep -E "^a +out +up +[0-9]+\.[0-9]{2}ms +[0-9]+% .* $(mesh_ep a)$" out &&
	grep -E "^c +in +up +[0-9]+\.[0-9]{2}ms +[0-9]+% " out
'

test_expect_success 'an entry written on a reaches c' '
	ioectl -d a --json journal add "from a" >a.add &&
	wait_until 10 "has_text c \"from a\"" &&
	id=$(jq -r .id a.add) &&
	ioectl -d c --json ledger show $id >show &&
	jq -e --arg id "$id" --arg key "$(ioectl -d a --json status | jq -r .key)" "
		.id == \$id and .author == \$key and .name == \"a\" and
		.body == \"from a\" and .signature_ok == true
	" show
'

test_expect_success 'an entry written on c reaches a' '
	ioectl -d c journal add "from c" >c.id &&
	wait_until 10 "has_text a \"from c\"" &&
	ioectl -d a ledger show $(cat c.id) >show &&
	grep -E "^name +c$" show &&
	grep -E "^signature +good" show
'

test_expect_success 'ledger heads are the same on all three, with all three authors' '
	wait_converged 10 a b c &&
	heads_of a >heads &&
	jq -e "map(.name) | sort == [\"a\", \"b\", \"c\"]" heads &&
	ioectl -d a ledger heads >a.heads &&
	ioectl -d b ledger heads >b.heads &&
	ioectl -d c ledger heads >c.heads &&
	test_line_count = 3 a.heads &&
	test_cmp a.heads b.heads &&
	test_cmp a.heads c.heads
'

test_expect_success 'journal list is the same on all three, in the same order' '
	ioectl -d a --json journal list >a.list &&
	ioectl -d b --json journal list >b.list &&
	ioectl -d c --json journal list >c.list &&
	test_cmp a.list b.list &&
	test_cmp a.list c.list &&
	jq -r ".entries[].text" a.list >actual &&
	printf "from a\nfrom c\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'verify passes on all three' '
	for n in a b c
	do
		ioectl -d $n --json verify >$n.verify &&
		jq -e ".ok == true and .authors == 3" $n.verify || return 1
	done &&
	jq .entries a.verify >a.n &&
	jq .entries b.verify >b.n &&
	jq .entries c.verify >c.n &&
	test_cmp a.n b.n &&
	test_cmp a.n c.n &&
	ioectl -d c verify >out &&
	grep "^verified [0-9]* entries from 3 authors$" out
'

test_expect_success 'b stops: c sees its link go down' '
	ioed_stop b &&
	wait_until 10 "test \$(peers_up c) = 0" &&
	wait_until 10 "test \$(peers_up a) = 0" &&
	ioectl -d c --json status >c.json &&
	jq -e ".peers == 0" c.json
'

test_expect_success 'a and c write while apart; they do not see each other' '
	ioectl -d a journal add "a while apart 1" &&
	ioectl -d a journal add "a while apart 2" &&
	ioectl -d c journal add "c while apart 1" &&
	ioectl -d c journal add "c while apart 2" &&
	ioectl -d c journal add "c while apart 3" &&
	sleep 1 &&
	! has_text c "a while apart 1" &&
	! has_text a "c while apart 1"
'

test_expect_success 'b comes back: everything converges' '
	mesh_start b &&
	wait_converged 30 a b c &&
	for n in a b c
	do
		test $(count_prefix $n "a while apart") = 2 &&
		test $(count_prefix $n "c while apart") = 3 || return 1
	done &&
	ioectl -d a --json journal list >a.list &&
	ioectl -d c --json journal list >c.list &&
	test_cmp a.list c.list &&
	wait_peer_up 10 c b &&
	wait_peer_up 10 a b
'

test_expect_success 'b is killed (-9) while a and c write; it restarts and all converge' '
	{ writer a "stream a" 300 & } &&
	wa=$! &&
	{ writer c "stream c" 300 & } &&
	wc=$! &&
	wait_until 10 "test \$(count_prefix c \"stream a\") -ge 10" &&
	# both writers are still at it: b dies mid-stream
	kill -0 $wa &&
	kill -0 $wc &&
	ioed_kill9 b &&
	sleep 1 &&
	mesh_start b &&
	wait $wa &&
	wait $wc &&
	wait_converged 40 a b c &&
	for n in a b c
	do
		test $(count_prefix $n "stream a") = 300 &&
		test $(count_prefix $n "stream c") = 300 || return 1
	done &&
	ioectl -d b --json verify >b.verify &&
	jq -e ".ok == true" b.verify
'

test_expect_success 'after the crash a and c each keep one link to b, the dead one goes' '
	wait_until 10 "ioectl -d a --json peers | jq -e \"[.peers[] | select(.name == \\\"b\\\")] | length == 1\" >/dev/null" &&
	wait_until 10 "ioectl -d c --json peers | jq -e \"[.peers[] | select(.name == \\\"b\\\")] | length == 1\" >/dev/null" &&
	peer_is_up a b &&
	peer_is_up c b &&
	ioectl -d b --json status >b.json &&
	jq -e ".peers == 2" b.json
'

test_expect_success 'no entry is listed twice after the crash' '
	ioectl -d b --json journal list >b.list &&
	jq -r ".entries[].id" b.list | sort | uniq -d >dups &&
	test_must_be_empty dups &&
	jq -r ".entries[].text" b.list | sort | uniq -d >dups &&
	test_must_be_empty dups
'

test_expect_success 'c, an author, is killed (-9) while writing: no acknowledged entry is lost, no fork' '
	rm -f acked.c &&
	{
		(
			i=0
			while test $i -lt 300
			do
				ioectl -t 2 -d c journal add "crash c $i" >/dev/null || exit 0
				echo "crash c $i" >>acked.c
				i=$((i + 1))
			done
		) &
	} &&
	wc=$! &&
	wait_until 10 "test \$(count_prefix a \"crash c\") -ge 10" &&
	kill -0 $wc &&
	ioed_kill9 c &&
	wait $wc &&
	n=$(wc -l <acked.c) &&
	echo "c acknowledged $n entries before it died" &&
	test $n -lt 300 &&
	mesh_start c &&
	ioectl -d c journal add "c after its crash" &&
	wait_converged 30 a b c &&
	for node in a b c
	do
		journal_texts $node >texts.$node &&
		grep -c "^crash c " texts.$node >count &&
		test $(cat count) -ge $n &&
		{ grep -vxF -f texts.$node acked.c >lost || :; } &&
		test_must_be_empty lost &&
		grep -qx "c after its crash" texts.$node &&
		ioectl -d $node --json status >status.json &&
		jq -e ".forks == 0" status.json &&
		ioectl -d $node --json verify >verify.json &&
		jq -e ".ok == true" verify.json || return 1
	done
'

test_expect_success 'c catches up on a backlog of 3000 entries written while it was down' '
	ioed_stop c &&
	start=$(date +%s) &&
	test_seq 3000 | xargs -P 4 -n 50 sh -c "
		for i
		do
			ioectl -d a journal add \"backlog \$i\" >/dev/null || exit 255
		done" sh &&
	written=$(date +%s) &&
	echo "wrote 3000 entries on a in $((written - start)) s" &&
	test $(count_prefix a "backlog ") = 3000 &&
	wait_converged 30 a b &&
	mesh_start c &&
	t0=$(date +%s) &&
	wait_converged 60 a b c &&
	echo "c caught up in $(($(date +%s) - t0)) s" &&
	test $(count_prefix c "backlog ") = 3000 &&
	ioectl -d c --json verify >c.verify &&
	jq -e ".ok == true and .authors == 3" c.verify
'

test_expect_success 'the backlog arrived in full order on c: same list as on a' '
	ioectl -d a --json journal list >a.list &&
	ioectl -d c --json journal list >c.list &&
	test_cmp a.list c.list
'

test_done
