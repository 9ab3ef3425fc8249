#!/bin/sh
test_description='the mesh across network namespaces: beacon discovery, a rate-limited link, a lossy ring cut and mended while entries are written'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-netns.sh"

netns_skip_unless_usable

# Addresses: only 10.231.53.0/24 (the pair), 10.231.54.0/24 (the ring's
# links, one /30 each) and 10.231.55.0/24 (the ring nodes' own /32s), all
# inside this script's namespaces. Every node listens on port 7400 of
# its own namespace.
PORT=7400

# texts NODE: NODE's journal texts, one per line, sorted
texts () {
	ioectl -d "$1" --json journal list -n 100000 >"texts.$1.json" &&
	jq -r '.entries[].text' "texts.$1.json" | sort
}

# has_count NODE PREFIX N: NODE has exactly N entries starting with PREFIX
has_count () {
	test "$(count_prefix "$1" "$2")" = "$3"
}

# peer_up NODE PEERNAME: NODE has an up link to PEERNAME
peer_up () {
	ioectl -d "$1" --json peers >"peers.$1.json" &&
	jq -e --arg n "$2" 'any(.peers[]; .name == $n and .state == "up")' \
		"peers.$1.json" >/dev/null
}

# add_texts NODE PREFIX FIRST LAST: journal entries "PREFIX FIRST" ..
# "PREFIX LAST" on NODE
add_texts () {
	w_i_=$3
	while test $w_i_ -le $4
	do
		ioectl -d "$1" journal add "$2 $w_i_" >/dev/null || return 1
		w_i_=$((w_i_ + 1))
	done
}

# --- two namespaces, a veth pair, discovery by beacon -------------------

test_expect_success NETNS 'set up two namespaces joined by a veth pair' '
	netns_add a &&
	netns_add b &&
	netns_veth a eth0 10.231.53.1/24 b eth0 10.231.53.2/24 &&
	netns_exec a ip -4 addr show dev eth0 >addr &&
	grep "inet 10.231.53.1/24 brd 10.231.53.255" addr &&
	test_set_prereq PAIR
'

test_expect_success NETNS,PAIR 'a CA in one namespace issues a bundle for the other' '
	netns_ioed_start a a -n a --listen tcp://10.231.53.1:$PORT &&
	ioectl -d a pki init --mesh netns >/dev/null &&
	ioectl -d a pki issue b --out b >/dev/null &&
	test_path_is_file b/pki/node.crt &&
	test_path_is_file b/pki/ca.crt &&
	test_path_is_missing b/pki/ca.key
'

# one_link NODE OTHER: NODE has one link, up, to OTHER with OTHER's key;
# print its direction
one_link () {
	ioectl -d "$2" --json status >"status.$2.json" &&
	ioectl -d "$1" --json peers >"peers.$1.json" &&
	jq -e --arg n "$2" --arg k "$(jq -r .key "status.$2.json")" '
		.peers | length == 1 and
		(.[0] | .name == $n and .state == "up" and .key == $k)
	' "peers.$1.json" >/dev/null &&
	jq -r '.peers[0].direction' "peers.$1.json"
}

test_expect_success NETNS,PAIR 'without --peer, the two find each other by beacon and link' '
	start=$(date +%s) &&
	netns_ioed_start b b --listen tcp://10.231.53.2:$PORT &&
	wait_until 15 "peer_up a b && peer_up b a" &&
	echo "linked after $(($(date +%s) - start)) s" &&
	da=$(one_link a b) &&
	db=$(one_link b a) &&
	# one link, not two: the node with the smaller key dials
	case $da/$db in
	out/in) jq -e ".peers[0].endpoint == \"tcp://10.231.53.2:$PORT\"" peers.a.json ;;
	in/out) jq -e ".peers[0].endpoint == \"tcp://10.231.53.1:$PORT\"" peers.b.json ;;
	*) echo "directions a: $da, b: $db" && false ;;
	esac &&
	test_set_prereq LINKED
'

test_expect_success NETNS,LINKED 'the link stays single: beacons heard later add none' '
	sleep 3 &&
	one_link a b &&
	one_link b a
'

test_expect_success NETNS,LINKED 'entries flow both ways over the discovered link' '
	ioectl -d a journal add "from a" &&
	ioectl -d b journal add "from b" &&
	wait_until 10 "has_count b \"from a\" 1 && has_count a \"from b\" 1" &&
	printf "%s\n" "from a" "from b" >expect &&
	texts a >actual && test_cmp expect actual &&
	texts b >actual && test_cmp expect actual &&
	wait_until 10 same_heads a b
'

# a 1000-byte text: "PREFIX N " and x to fill
long_text () {
	{ printf "%s %04d " "$1" "$2"; printf "%01000d" 0 | tr 0 x; } | head -c 1000
}

# jq: an ISO 8601 time to whole seconds since 1970 ("since" of peers
# moves by a microsecond between calls)
epoch_="def epoch_: sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdate;"

# write_long NODE PREFIX FIRST LAST: 1000-byte entries
write_long () {
	wl_i_=$3
	while test $wl_i_ -le $4
	do
		ioectl -d "$1" journal add "$(long_text "$2" $wl_i_)" >/dev/null ||
			return 1
		wl_i_=$((wl_i_ + 1))
	done
}

test_expect_success NETNS,LINKED '1000 entries of 1000 bytes cross a link limited to 1 Mbit/s' '
	netns_rate a eth0 1mbit &&
	tc -n "$(netns_ns a)" qdisc show dev eth0 >qdisc &&
	grep "tbf .* rate 1Mbit" qdisc &&
	ioectl -d a --json peers >before.json &&
	jq -e ".peers | length == 1 and .[0].state == \"up\"" before.json &&
	start=$(date +%s) &&
	{ write_long a bw1 1 500 >w1.out 2>&1; echo $? >w1.rc; } &
	w1=$! &&
	write_long a bw2 1 500 &&
	wait $w1 &&
	test "$(cat w1.rc)" = 0 &&
	echo "written in $(($(date +%s) - start)) s" &&
	wait_until 60 "has_count b bw 1000" &&
	echo "all on b after $(($(date +%s) - start)) s" &&
	wait_until 10 same_heads a b &&
	heads_of b >heads &&
	total=$(jq "map(.seq) | add" heads) &&
	test $total -ge 1004 &&
	ioectl -d b --json verify >verify.json &&
	jq -e ".ok == true and .authors == 2 and .entries == $total" verify.json &&
	tc -s -n "$(netns_ns a)" qdisc show dev eth0 >stats &&
	cat stats &&
	sent=$(sed -n "s/^ *Sent \\([0-9]*\\) bytes.*/\\1/p" stats | head -n 1) &&
	test "$sent" -ge 1000000 &&
	# Whether tbf had to hold packets back depends on how fast the
	# writers were (not at all under the sanitizers): what matters is
	# that everything crossed the limited link.
	{ grep -E "overlimits [1-9]" stats || echo "the writers never reached the limit"; } &&
	ioectl -d a --json peers >after.json &&
	cat after.json &&
	since0=$(jq "$epoch_ .peers[0].since | epoch_" before.json) &&
	since1=$(jq "$epoch_ [.peers[] | select(.state == \"up\")] |
		if length == 1 then .[0].since | epoch_ else -1 end" after.json) &&
	test $((since1 - since0)) -le 1 && test $((since0 - since1)) -le 1 &&
	jq -e ".peers[0].bytes_out >= 1000000" after.json
'

test_expect_success NETNS 'deleting the namespaces stops their nodes and leaves nothing' '
	pa=$(ioed_pid a) && pb=$(ioed_pid b) &&
	netns_del a &&
	netns_del b &&
	! ioed_alive_ $pa && ! ioed_alive_ $pb &&
	ip netns list >list &&
	! grep -e "$(netns_ns a)" -e "$(netns_ns b)" list &&
	no_crash a b
'

# --- five nodes in a lossy ring with a chord -----------------------------
#
#	n0 - n1 - n2 - n3 - n4 - n0, and the chord n0 - n2
#
# Link K joins A and B ("A:B" in LINKS): a veth pair toB (in nA,
# 10.231.54.4K+1/30) - toA (in nB, 10.231.54.4K+2/30). Node nI listens on
# its own 10.231.55.I+1/32 (on lo); A and B reach each other's by routes
# through link K. A links to B (--peer), B takes the link in. Without
# forwarding and beacons, the only links are those of LINKS.

LINKS="0:1 1:2 2:3 3:4 4:0 0:2"
NODES="n0 n1 n2 n3 n4"

# ring_ep I: node nI's endpoint
ring_ep () {
	echo "tcp://10.231.55.$(($1 + 1)):$PORT"
}

# ring_link K: set A and B to the ends of link K
ring_link () {
	set -- $(echo $LINKS | cut -d" " -f$(($1 + 1)) | tr : " ")
	A=$1 B=$2
}

# ring_route K: the routes of nA and nB to each other's address through
# link K (both ways: A's key probe answers from A's own address)
ring_route () {
	ring_link $1 &&
	ip -n "$(netns_ns n$A)" route replace 10.231.55.$((B + 1))/32 \
		via 10.231.54.$((4 * $1 + 2)) dev to$B &&
	ip -n "$(netns_ns n$B)" route replace 10.231.55.$((A + 1))/32 \
		via 10.231.54.$((4 * $1 + 1)) dev to$A
}

# cut_link K: take link K down at B's end (A's end loses its carrier)
cut_link () {
	ring_link $1 && netns_link_down n$B to$A
}

# mend_link K: bring link K up again, and the routes through it
mend_link () {
	ring_link $1 && netns_link_up n$B to$A && ring_route $1
}

# neighbours I: the node names linked to nI, sorted, as a JSON array
neighbours () {
	for nb_l_ in $LINKS
	do
		case $nb_l_ in
		$1:*) echo "n${nb_l_#*:}" ;;
		*:$1) echo "n${nb_l_%:*}" ;;
		esac
	done | sort | jq -R . | jq -cs .
}

# peers_of I: the names of nI's links that are up, sorted, as a JSON array
peers_of () {
	ioectl -d n$1 --json peers >"peers.n$1.json" &&
	jq -c "[.peers[] | select(.state == \"up\") | .name] | sort" "peers.n$1.json"
}

# all_links_up: every node has an up link to each neighbour and no other
all_links_up () {
	for al_i_ in 0 1 2 3 4
	do
		test "$(peers_of $al_i_)" = "$(neighbours $al_i_)" || return 1
	done
}

test_expect_success NETNS 'set up five namespaces in a ring with a chord, 10 % loss in each' '
	for i in 0 1 2 3 4
	do
		netns_add n$i &&
		netns_exec n$i ip addr add 10.231.55.$((i + 1))/32 dev lo &&
		netns_loss n$i 10 || return 1
	done &&
	k=0 &&
	for l in $LINKS
	do
		ring_link $k &&
		netns_veth n$A to$B 10.231.54.$((4 * k + 1))/30 \
			n$B to$A 10.231.54.$((4 * k + 2))/30 &&
		ring_route $k &&
		k=$((k + 1)) || return 1
	done &&
	netns_exec n0 ip route show >routes &&
	grep "10.231.55.2 via 10.231.54.2 dev to1" routes &&
	grep "10.231.55.3 via 10.231.54.22 dev to2" routes &&
	netns_exec n0 nft list chain inet ioeloss input >chain &&
	grep "numgen random mod 100 < 10 counter packets 0 bytes 0 drop" chain &&
	test_set_prereq RINGNET
'

test_expect_success NETNS,RINGNET 'start the five nodes, each linked to its neighbours only' '
	netns_ioed_start n0 n0 -n n0 --no-beacon --listen $(ring_ep 0) \
		--peer $(ring_ep 1) --peer $(ring_ep 2) &&
	ioectl -d n0 pki init --mesh ring >/dev/null &&
	for i in 1 2 3 4
	do
		ioectl -d n0 pki issue n$i --out n$i >/dev/null || return 1
	done &&
	netns_ioed_start n1 n1 --no-beacon --listen $(ring_ep 1) --peer $(ring_ep 2) &&
	netns_ioed_start n2 n2 --no-beacon --listen $(ring_ep 2) --peer $(ring_ep 3) &&
	netns_ioed_start n3 n3 --no-beacon --listen $(ring_ep 3) --peer $(ring_ep 4) &&
	netns_ioed_start n4 n4 --no-beacon --listen $(ring_ep 4) --peer $(ring_ep 0) &&
	start=$(date +%s) &&
	wait_until 30 all_links_up &&
	echo "all links up after $(($(date +%s) - start)) s" &&
	test "$(neighbours 0)" = "[\"n1\",\"n2\",\"n4\"]" &&
	test "$(neighbours 3)" = "[\"n2\",\"n4\"]" &&
	test_set_prereq RING
'

# links_down K...: both ends of each link K see it down
links_down () {
	for ld_k_
	do
		ring_link $ld_k_ &&
		! peer_up n$A n$B && ! peer_up n$B n$A || return 1
	done
}

# Entries written below, by node: n0 10+10, n1 15+10, n2 15, n3 20, n4 10
TOTAL=90

test_expect_success NETNS,RING 'with two ring links cut, entries go round by the chord' '
	cut_link 1 && cut_link 4 &&
	start=$(date +%s) &&
	wait_until 15 links_down 1 4 &&
	echo "cut seen after $(($(date +%s) - start)) s" &&
	ioectl -d n0 --json peers >n0.json &&
	jq -e "[.peers[] | select(.state == \"up\") | .name] | sort == [\"n1\", \"n2\"]" n0.json &&
	{ add_texts n3 "r1 n3" 1 20 >w3.out 2>&1; echo $? >w3.rc; } &
	w3=$! &&
	add_texts n1 "r1 n1" 1 15 &&
	wait $w3 && test "$(cat w3.rc)" = 0 &&
	wait_until 20 "has_count n1 \"r1 n3\" 20 && has_count n3 \"r1 n1\" 15" &&
	wait_until 20 "has_count n4 \"r1 n1\" 15 && has_count n0 \"r1 n3\" 20" &&
	mend_link 1 && mend_link 4 &&
	start=$(date +%s) &&
	wait_until 40 all_links_up &&
	echo "links back after $(($(date +%s) - start)) s"
'

test_expect_success NETNS,RING 'entries written while the chord and a ring link flap' '
	for round in 1 2 3
	do
		cut_link 5 && cut_link 0 &&
		add_texts n2 "r2 n2" $((5 * round - 4)) $((5 * round)) &&
		sleep 1 &&
		mend_link 5 && mend_link 0 &&
		add_texts n0 "r2 n0" $((round * 3 - 2)) $((round * 3)) &&
		sleep 1 || return 1
	done &&
	add_texts n0 "r2 n0" 10 10
'

test_expect_success NETNS,RING 'a partition: entries stay on their side until the links come back' '
	cut_link 2 && cut_link 4 &&
	# {n0, n1, n2} | {n3, n4}
	start=$(date +%s) &&
	wait_until 15 links_down 2 4 &&
	echo "cut seen after $(($(date +%s) - start)) s" &&
	add_texts n1 "left n1" 1 10 &&
	add_texts n4 "right n4" 1 10 &&
	wait_until 20 "has_count n0 \"left n1\" 10 && has_count n2 \"left n1\" 10" &&
	wait_until 20 "has_count n3 \"right n4\" 10" &&
	add_texts n0 "left n0" 1 10 &&
	wait_until 20 "has_count n2 \"left n0\" 10" &&
	for n in n3 n4; do has_count $n "left" 0 || return 1; done &&
	for n in n0 n1 n2; do has_count $n "right" 0 || return 1; done &&
	mend_link 2 && mend_link 4 &&
	date +%s >mended
'

test_expect_success NETNS,RING 'after the cuts all five converge: the same heads within 60 s' '
	start=$(cat mended) &&
	wait_converged 60 $NODES &&
	echo "converged $(($(date +%s) - start)) s after the partition ended" &&
	heads_of n0 >heads &&
	jq -e "length == 5" heads &&
	wait_until 40 all_links_up &&
	echo "all links up $(($(date +%s) - start)) s after the partition ended"
'

test_expect_success NETNS,RING 'the same journal, in the same order, on all five, with every entry written' '
	for n in $NODES
	do
		ioectl -d $n --json journal list -n 100000 >j.$n.json &&
		jq -c ".entries[]" j.$n.json >j.$n || return 1
	done &&
	for n in n1 n2 n3 n4
	do
		test_cmp j.n0 j.$n || return 1
	done &&
	test_line_count = $TOTAL j.n0 &&
	texts n0 >actual &&
	{
		for i in $(test_seq 20); do echo "r1 n3 $i"; done &&
		for i in $(test_seq 15); do echo "r1 n1 $i"; done &&
		for i in $(test_seq 15); do echo "r2 n2 $i"; done &&
		for i in $(test_seq 10); do echo "r2 n0 $i"; done &&
		for i in $(test_seq 10); do echo "left n1 $i"; done &&
		for i in $(test_seq 10); do echo "right n4 $i"; done &&
		for i in $(test_seq 10); do echo "left n0 $i"; done
	} | sort >expect &&
	test_cmp expect actual
'

test_expect_success NETNS,RING 'verify passes on every node and checks every entry of the ledger' '
	heads_of n0 >heads &&
	total=$(jq "map(.seq) | add" heads) &&
	test $total -gt $TOTAL &&
	for n in $NODES
	do
		ioectl -d $n --json verify >v.$n.json &&
		jq -e ".ok == true and .authors == 5 and .entries == $total" v.$n.json ||
		return 1
	done
'

test_expect_success NETNS,RING 'the loss was real: about 10 % of the packets into the nodes dropped' '
	dropped=0 passed=0 &&
	for i in 0 1 2 3 4
	do
		set -- $(netns_loss_counts n$i) &&
		echo "n$i: dropped $1 passed $2" &&
		test $1 -gt 0 &&
		dropped=$((dropped + $1)) passed=$((passed + $2)) || return 1
	done &&
	echo "all: dropped $dropped of $((dropped + passed))" &&
	test $((dropped + passed)) -ge 1000 &&
	test $((1000 * dropped / (dropped + passed))) -ge 50 &&
	test $((1000 * dropped / (dropped + passed))) -le 160
'

test_expect_success NETNS 'the ring goes with its namespaces' '
	for i in 0 1 2 3 4
	do
		netns_del n$i || return 1
	done &&
	ip netns list >list &&
	! grep "$NETNS_PREFIX" list &&
	no_crash $NODES
'

test_done
