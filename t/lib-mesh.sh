# lib-mesh.sh - meshes of ioed nodes on loopback inside a test
#
# Source after test-lib.sh and lib-ioed.sh:
#	. "$TEST_DIRECTORY/lib-ioed.sh"
#	. "$TEST_DIRECTORY/lib-mesh.sh"
#
#	mesh_port NAME		print the port of node NAME; the first call
#				picks one that is free for both TCP and UDP
#				(the mesh listens on TCP, the key probe
#				answers on UDP at the same number)
#	mesh_ep NAME		print NAME's endpoint, tcp://127.0.0.1:PORT
#	mesh_ca NAME [ioed options]
#				start NAME listening on its port and make it
#				the certificate authority of a mesh named
#				$MESH_NAME (default "test"); a second CA makes
#				another mesh (of the same name)
#	mesh_node [--ca CA] NAME [PEER...] [-- ioed options]
#				issue a bundle for NAME from CA (default: the
#				first mesh_ca), start it listening on its port
#				and linked to each PEER (a node name of this
#				script, or a tcp:// endpoint)
#	mesh_bare NAME [PEER...] [-- ioed options]
#				start NAME with no certificate (as a node
#				that was never provisioned), listening on its
#				port and linked to each PEER
#	mesh_start NAME [ioed options]
#				start NAME again (after ioed_stop or
#				ioed_kill9) with its port and peers
#	heads_of NODE		NODE's ledger heads, normalised on one line
#				(sorted by author) for comparison
#	wait_converged SECS NODE...
#				the heads are the same on every NODE within
#				SECS seconds (fails and shows them if not)
#	peer_is_up NODE PEERNAME	NODE has a link to PEERNAME in state up
#	wait_peer_up SECS NODE PEERNAME
#	wait_peer_down SECS NODE PEERNAME
#				... within SECS seconds
#	peers_up NODE		print the number of NODE's links that are up
#	listening NODE ROOM WHO	the map of node a shows user WHO listening
#				to the voice of ROOM on NODE (needs jq)
#
# Every node is started with $MESH_IOED_OPTS too (default --no-beacon:
# the links are exactly the ones the test configures).
#
# State (ports, peers) lives in $TRASH_DIRECTORY/.mesh, so that the
# helpers work the same from a command substitution.

MESH_NAME=${MESH_NAME:-test}
MESH_IOED_OPTS=${MESH_IOED_OPTS---no-beacon}
MESH_DIR=$TRASH_DIRECTORY/.mesh
# Ports are taken under the kernel's ephemeral range (32768 and up on
# Linux), so that outgoing connections do not take them meanwhile; each
# script starts at a place of its own, from its pid.
MESH_PORT_LOW=20000
MESH_PORT_HIGH=32000
mkdir -p "$MESH_DIR" || BUG "cannot create '$MESH_DIR'"
echo $((MESH_PORT_LOW + ($$ % 400) * 30)) >"$MESH_DIR/next"
mesh_ca_=

# mesh_port_busy_ PORT: something holds PORT, TCP (any state) or UDP
mesh_port_busy_ () {
	if command -v ss >/dev/null 2>&1
	then
		test -n "$(ss -Htuan "sport = :$1" 2>/dev/null)"
		return
	fi
	hex_=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 \
		2>/dev/null | grep -q "^ *[0-9]*: [0-9A-F]*:$hex_ "
}

# mesh_new_port_ NAME: pick a free port for NAME and record it
mesh_new_port_ () {
	np_port_=$(cat "$MESH_DIR/next") || return 1
	np_tries_=0
	while :
	do
		test $np_port_ -lt $MESH_PORT_HIGH || np_port_=$MESH_PORT_LOW
		if ! mesh_port_busy_ $np_port_
		then
			echo $((np_port_ + 1)) >"$MESH_DIR/next" &&
			echo $np_port_ >"$MESH_DIR/$1.port" &&
			return 0
		fi
		np_tries_=$((np_tries_ + 1))
		if test $np_tries_ -ge 500
		then
			echo "mesh_port: no free port found for '$1'" >&4
			return 1
		fi
		np_port_=$((np_port_ + 1))
	done
}

mesh_port () {
	test -s "$MESH_DIR/$1.port" || mesh_new_port_ "$1" || return 1
	cat "$MESH_DIR/$1.port"
}

mesh_ep () {
	mp_port_=$(mesh_port "$1") &&
	echo "tcp://127.0.0.1:$mp_port_"
}

# mesh_launch_ NAME [ioed options]: ioed_start NAME listening on its
# port with the peers in $MESH_DIR/NAME.peers. If the port was taken
# between the check and the start (by another test script), take another
# one, a few times, unless other nodes may know it already (it was picked
# before this start).
mesh_launch_ () {
	ml_name_=$1
	shift
	ml_try_=0
	ml_known_=
	test ! -s "$MESH_DIR/$ml_name_.port" || ml_known_=t
	while :
	do
		ml_ep_=$(mesh_ep "$ml_name_") || return 1
		set -f
		ml_peers_=
		while read -r ml_p_
		do
			ml_peers_="$ml_peers_ --peer $ml_p_"
		done <"$MESH_DIR/$ml_name_.peers"
		ioed_start "$ml_name_" --listen "$ml_ep_" $ml_peers_ \
			$MESH_IOED_OPTS "$@" 2>"$MESH_DIR/$ml_name_.err"
		ml_rc_=$?
		set +f
		cat "$MESH_DIR/$ml_name_.err" >&4
		test $ml_rc_ = 0 && return 0
		ml_try_=$((ml_try_ + 1))
		if test -z "$ml_known_" && test $ml_try_ -lt 3 &&
		   grep -q -e "cannot listen" -e "cannot bind" \
			"$MESH_DIR/$ml_name_.err"
		then
			rm -f "$MESH_DIR/$ml_name_.port"
			continue
		fi
		return 1
	done
}

# mesh_ca NAME [ioed options]
mesh_ca () {
	mc_name_=$1
	shift
	: >"$MESH_DIR/$mc_name_.peers" &&
	mesh_launch_ "$mc_name_" -n "$mc_name_" "$@" &&
	ioectl -d "$mc_name_" pki init --mesh "$MESH_NAME" >/dev/null &&
	mesh_ca_=${mesh_ca_:-$mc_name_}
}

# mesh_node [--ca CA] NAME [PEER...] [-- ioed options]
mesh_node () {
	mn_ca_=$mesh_ca_
	if test "$1" = --ca
	then
		mn_ca_=$2
		shift 2
	fi
	test -n "$mn_ca_" || BUG "mesh_node: no CA node (call mesh_ca first)"
	mn_name_=$1
	shift
	mesh_peers_ "$mn_name_" "$@" || return 1
	shift $mesh_shift_
	ioectl -d "$mn_ca_" pki issue "$mn_name_" --out "$mn_name_" >/dev/null &&
	mesh_launch_ "$mn_name_" "$@"
}

# mesh_bare NAME [PEER...] [-- ioed options]
mesh_bare () {
	mb_name_=$1
	shift
	mesh_peers_ "$mb_name_" "$@" || return 1
	shift $mesh_shift_
	mesh_launch_ "$mb_name_" -n "$mb_name_" "$@"
}

# mesh_peers_ NAME [PEER...] [-- ...]: write the endpoints of the PEERs
# into $MESH_DIR/NAME.peers; sets mesh_shift_ to the number of arguments
# taken after NAME (the PEERs and the --).
mesh_peers_ () {
	mpp_name_=$1
	shift
	mesh_shift_=0
	: >"$MESH_DIR/$mpp_name_.peers" || return 1
	while test $# -gt 0
	do
		mesh_shift_=$((mesh_shift_ + 1))
		case $1 in
		--)
			break ;;
		tcp://*)
			echo "$1" >>"$MESH_DIR/$mpp_name_.peers" ;;
		*)
			mpp_ep_=$(mesh_ep "$1") &&
			echo "$mpp_ep_" >>"$MESH_DIR/$mpp_name_.peers" ||
			return 1 ;;
		esac
		shift
	done
}

# mesh_start NAME [ioed options]
mesh_start () {
	test -f "$MESH_DIR/$1.peers" || BUG "mesh_start: '$1' is not a mesh node"
	mesh_launch_ "$@"
}

# peers_json_ NODE: NODE's peers --json in $MESH_DIR/peers.NODE
peers_json_ () {
	ioectl -d "$1" --json peers >"$MESH_DIR/peers.$1"
}

peer_is_up () {
	peers_json_ "$1" &&
	jq -e --arg n "$2" \
		'any(.peers[]; .name == $n and .state == "up")' \
		"$MESH_DIR/peers.$1" >/dev/null
}

peers_up () {
	peers_json_ "$1" &&
	jq '[.peers[] | select(.state == "up")] | length' "$MESH_DIR/peers.$1"
}

wait_peer_up () {
	if ! wait_until "$1" peer_is_up "$2" "$3"
	then
		echo "no link from '$2' to '$3' came up; peers of '$2':" >&4
		ioectl -d "$2" peers >&4 2>&1
		return 1
	fi
}

wait_peer_down () {
	if ! wait_until "$1" ! peer_is_up "$2" "$3"
	then
		echo "the link from '$2' to '$3' stayed up; peers of '$2':" >&4
		ioectl -d "$2" peers >&4 2>&1
		return 1
	fi
}

# listening NODE ROOM WHO: the map of a shows WHO listening in ROOM on NODE
listening () {
	ioectl -d a --json map >map.json &&
	jq -e --arg n "$1" --arg r "$2" --arg u "$3" \
		'any(.nodes[]; .name == $n and ((.voice[$r] // []) | index($u)))' \
		map.json >/dev/null
}
