#!/bin/sh
test_description='odd mesh set-ups: a node peering with itself, a peer where nothing listens, two nodes that list each other, five nodes in a full mesh'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

# link_error NODE ENDPOINT: the error NODE's link to ENDPOINT shows
link_error () {
	ioectl -d "$1" --json peers >"err.$1.json" &&
	jq -r --arg ep "$2" '.peers[] | select(.endpoint == $ep) | .error // ""' \
		"err.$1.json"
}

# no_duplicates NODE: no entry id and no text is listed twice on NODE
no_duplicates () {
	ioectl -d "$1" --json journal list >"dup.$1.json" &&
	jq -r '.entries[].id' "dup.$1.json" | sort | uniq -d >"dup.$1" &&
	test_must_be_empty "dup.$1" &&
	jq -r '.entries[].text' "dup.$1.json" | sort | uniq -d >"dup.$1" &&
	test_must_be_empty "dup.$1"
}

test_expect_success 'set up a CA a' '
	mesh_ca a
'

# --- a peer pointing at itself ------------------------------------------

test_expect_success 'a node whose peers include itself: that link is refused, the others work' '
	mesh_node s s a &&
	wait_peer_up 10 s a &&
	wait_until 10 "link_error s \$(mesh_ep s) | grep -q \"this node itself\"" &&
	ioectl -d s --json peers >s.json &&
	jq -e --arg ep "$(mesh_ep s)" "
		(.peers | length == 2) and
		(.peers[] | select(.endpoint == \$ep) | .state != \"up\") and
		all(.peers[]; .name != \"s\")
	" s.json &&
	ioectl -d s --json status >status.json &&
	jq -e ".peers == 1" status.json &&
	ioectl -d s peers >s.peers &&
	grep "this node itself" s.peers
'

test_expect_success 'the node that peers with itself replicates and is listed once on a' '
	ioectl -d s journal add "from s" &&
	wait_until 10 "has_text a \"from s\"" &&
	ioectl -d a journal add "from a" &&
	wait_until 10 "has_text s \"from a\"" &&
	ioectl -d a --json peers >a.json &&
	jq -e "[.peers[] | select(.name == \"s\")] | length == 1" a.json &&
	no_duplicates s &&
	ioectl -d s --json verify >verify &&
	jq -e ".ok == true" verify
'

test_expect_success 'it does not hammer itself: the refusals back off' '
	sleep 3 &&
	n=$(grep -c "refused a link .*this node itself" s/ioed.log) &&
	echo "refused itself $n times" &&
	test $n -ge 1 &&
	test $n -le 12
'

# --- nothing listens ----------------------------------------------------

test_expect_success 'a peer where nothing listens: peers says so, the node works' '
	ghost=$(mesh_ep ghost) &&
	mesh_node n a "$ghost" &&
	wait_peer_up 10 n a &&
	wait_until 10 "link_error n $ghost | grep -q ." &&
	ioectl -d n --json peers >n.json &&
	jq -e --arg ep "$ghost" "
		.peers[] | select(.endpoint == \$ep) |
		.state == \"probing\" and (.error | test(\"no answer\"))
	" n.json &&
	ioectl -d n peers >n.peers &&
	grep -E "probing .*$ghost  no answer" n.peers &&
	ioectl -d n --json status >status.json &&
	jq -e ".peers == 1 and .mesh_problem == null" status.json &&
	ioectl -d n journal add "from n" &&
	wait_until 10 "has_text a \"from n\""
'

test_expect_success 'a peer name that does not resolve: peers says so, the node works' '
	mesh_node r a tcp://no-such-host.invalid:7100 &&
	wait_peer_up 10 r a &&
	wait_until 10 "link_error r tcp://no-such-host.invalid:7100 | grep -q \"cannot resolve\"" &&
	ioectl -d r -t 2 status >status &&
	grep "^peers  *1$" status &&
	ioectl -d r journal add "from r" &&
	wait_until 10 "has_text a \"from r\""
'

test_expect_success 'once a node listens at that address, the link comes up by itself' '
	mesh_node ghost a &&
	wait_peer_up 35 n ghost &&
	ioectl -d ghost journal add "from the ghost" &&
	wait_until 10 "has_text n \"from the ghost\""
'

test_expect_success 'a peer given by host name (localhost) links' '
	mesh_node l "tcp://localhost:$(mesh_port a)" &&
	wait_peer_up 10 l a &&
	wait_peer_up 10 a l
'

# --- two nodes that list each other -------------------------------------

test_expect_success 'p and q list each other: two links between them, both up' '
	mesh_node p q &&
	mesh_node q p &&
	wait_until 15 "test \$(peers_up p) = 2 && test \$(peers_up q) = 2" &&
	ioectl -d p --json peers >p.json &&
	jq -e "
		[.peers[] | select(.name == \"q\" and .state == \"up\") | .direction] |
		sort == [\"in\", \"out\"]
	" p.json &&
	ioectl -d q --json peers >q.json &&
	jq -e "
		[.peers[] | select(.name == \"p\" and .state == \"up\") | .direction] |
		sort == [\"in\", \"out\"]
	" q.json &&
	ioectl -d p --json status | jq -e ".peers == 1" &&
	ioectl -d p status | grep -x "peers        1"
'

test_expect_success 'p and q converge with no entry twice' '
	for i in 1 2 3 4 5 6 7 8 9 10
	do
		ioectl -d p journal add "p $i" >/dev/null &&
		ioectl -d q journal add "q $i" >/dev/null || return 1
	done &&
	wait_converged 15 p q &&
	no_duplicates p &&
	no_duplicates q &&
	ioectl -d p --json journal list >p.list &&
	ioectl -d q --json journal list >q.list &&
	test_cmp p.list q.list &&
	jq "[.entries[] | select(.text | test(\"^[pq] [0-9]+$\"))] | length" p.list >count.pq &&
	echo 20 >expect &&
	test_cmp expect count.pq &&
	ioectl -d q --json verify >verify &&
	jq -e ".ok == true and .authors == 2" verify
'

# --- five in a full mesh ------------------------------------------------

test_expect_success 'five nodes in a full mesh: every node has four links up' '
	mesh_node m1 &&
	mesh_node m2 m1 &&
	mesh_node m3 m1 m2 &&
	mesh_node m4 m1 m2 m3 &&
	mesh_node m5 m1 m2 m3 m4 &&
	for m in m1 m2 m3 m4 m5
	do
		wait_until 15 "test \$(peers_up $m) = 4" || return 1
	done &&
	ioectl -d m3 --json peers >m3.json &&
	jq -e "[.peers[].name] | sort == [\"m1\", \"m2\", \"m4\", \"m5\"]" m3.json
'

test_expect_success 'all five write at once and converge' '
	pids= &&
	for m in m1 m2 m3 m4 m5
	do
		{ writer $m $m 40 & } &&
		pids="$pids $!" || return 1
	done &&
	for pid in $pids
	do
		wait $pid || return 1
	done &&
	wait_converged 30 m1 m2 m3 m4 m5 &&
	heads_of m1 >heads &&
	jq -e "map(.name) | sort == [\"m1\", \"m2\", \"m3\", \"m4\", \"m5\"]" heads &&
	for m in m1 m2 m3 m4 m5
	do
		ioectl -d $m --json journal list >$m.list &&
		jq -e "[.entries[] | select(.text | test(\"^m[1-5] [0-9]+$\"))] | length == 200" $m.list &&
		no_duplicates $m &&
		ioectl -d $m --json verify >$m.verify &&
		jq -e ".ok == true and .authors == 5" $m.verify || return 1
	done &&
	test_cmp m1.list m5.list
'

test_expect_success 'the mesh outlives any one of the five' '
	ioed_kill9 m1 &&
	ioectl -d m2 journal add "m2 without m1" &&
	for m in m3 m4 m5
	do
		wait_until 10 "has_text $m \"m2 without m1\"" || return 1
	done &&
	mesh_start m1 &&
	wait_converged 30 m1 m2 m3 m4 m5 &&
	has_text m1 "m2 without m1"
'

# Each message the others queued for m1 while it was down earns a BYE
# "unknown link" once it is back; taken for a refusal, those held the
# links down for 30 s.
for round in 1 2 3
do
	test_expect_success "m1 killed and back again (round $round): linked and caught up within 10 s" '
		ioed_kill9 m1 &&
		ioectl -d m3 journal add "m3 while m1 is down $round" &&
		wait_until 10 "has_text m5 \"m3 while m1 is down $round\"" &&
		mesh_start m1 &&
		wait_converged 10 m1 m2 m3 m4 m5 &&
		wait_until 10 "test \$(peers_up m1) = 4" &&
		for m in m2 m3 m4 m5
		do
			test $(peers_up $m) = 4 || return 1
		done
	'
done

test_done
