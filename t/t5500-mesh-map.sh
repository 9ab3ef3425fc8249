#!/bin/sh
test_description='the map of the mesh: every node and link, from any node'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

. "$TEST_DIRECTORY/lib-mesh.sh"

# Ports below the ephemeral range, from the mesh library's allocator.
a=$(mesh_ep alpha) b=$(mesh_ep bravo) c=$(mesh_ep charlie)

# nodes_seen NODE: names on NODE's map, sorted, one per line
nodes_seen () {
	ioectl -d "$1" --json map | jq -r '.nodes[].name' | sort
}

test_expect_success 'a line of three: alpha - bravo - charlie' '
	ioed_start alpha -n alpha --listen $a &&
	ioectl -d alpha pki init --mesh maptest >/dev/null &&
	ioectl -d alpha pki issue bravo --out bravo >/dev/null &&
	ioectl -d alpha pki issue charlie --out charlie >/dev/null &&
	ioed_start bravo --listen $b --peer $a &&
	ioed_start charlie --listen $c --peer $b &&
	printf "alpha\nbravo\ncharlie\n" >expect &&
	wait_until 20 "nodes_seen alpha >seen && test_cmp expect seen" &&
	wait_until 20 "nodes_seen charlie >seen && test_cmp expect seen"
'

test_expect_success 'alpha sees the links of nodes it has no link with' '
	ioectl -d alpha --json map >map.json &&
	jq -e ".nodes[] | select(.name == \"charlie\") | .links | map(.name) == [\"bravo\"]" map.json &&
	jq -e ".nodes[] | select(.name == \"bravo\") | .links | map(.name) | sort == [\"alpha\", \"charlie\"]" map.json &&
	jq -e ".nodes[0].self == true and .nodes[0].name == \"alpha\"" map.json
'

test_expect_success 'the text map names every node and its links with figures' '
	ioectl -d charlie map >map.txt &&
	cat map.txt &&
	grep "^mesh as seen from charlie: 3 nodes reachable" map.txt &&
	grep -E "^  bravo .* -- (alpha|charlie) [0-9.]+ms [0-9]+%, (alpha|charlie) [0-9.]+ms [0-9]+%$" map.txt
'

test_expect_success 'the Graphviz map has three nodes and two edges' '
	ioectl -d alpha map --dot >map.dot &&
	head -1 map.dot | grep -x "graph ioe {" &&
	test $(grep -c "label=\"[a-z]*\"" map.dot) = 3 &&
	test $(grep -c " -- " map.dot) = 2 &&
	tail -1 map.dot | grep -x "}"
'

test_expect_success 'a node that stops leaves the map and is shown unreachable' '
	ioed_stop charlie &&
	printf "alpha\nbravo\n" >expect &&
	wait_until 30 "nodes_seen alpha >seen && test_cmp expect seen" &&
	ioectl -d alpha --json map | jq -e ".unreachable | map(.name) == [\"charlie\"]" &&
	ioectl -d alpha map | grep -E "^  charlie .*unreachable$"
'

test_expect_success 'it comes back when it restarts' '
	ioed_start charlie --listen $c --peer $b &&
	printf "alpha\nbravo\ncharlie\n" >expect &&
	wait_until 20 "nodes_seen alpha >seen && test_cmp expect seen"
'

test_done
