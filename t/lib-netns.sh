# lib-netns.sh - network namespaces, veth pairs, loss and rate limits for
# mesh tests, and ioed nodes started inside them
#
# Source after test-lib.sh and lib-ioed.sh:
#	. "$TEST_DIRECTORY/lib-ioed.sh"
#	. "$TEST_DIRECTORY/lib-netns.sh"
#
# Needs root, iproute2 (ip, tc) and nftables (nft); tests that use it
# take the prerequisite NETNS, or the script skips as a whole:
#
#	netns_skip_unless_usable	skip the whole script (with the reason)
#				when namespaces cannot be used here
#
#	netns_add NAME		create the namespace of NAME (its real name is
#				unique to this run, see netns_ns) with lo up
#	netns_ns NAME		print the real name of NAME's namespace
#	netns_exec NAME CMD...	run CMD inside NAME's namespace
#	netns_veth NAME1 DEV1 ADDR1 NAME2 DEV2 ADDR2
#				a veth pair DEV1 (in NAME1, ADDR1) - DEV2 (in
#				NAME2, ADDR2), both up; ADDRs are a.b.c.d/len
#	netns_link_down NAME DEV, netns_link_up NAME DEV
#				take DEV in NAME down (the far end loses its
#				carrier) or bring it up again
#	netns_loss NAME PERCENT	drop PERCENT % of the packets that come into
#				NAME on any interface but lo (nftables, input
#				chain, counted)
#	netns_loss_counts NAME	print "DROPPED PASSED" packets counted by the
#				rules of netns_loss
#	netns_rate NAME DEV RATE	limit what leaves DEV to RATE (tc tbf, e.g.
#				1mbit)
#	netns_ioed_start NAME NODE [ioed options]
#				start ioed -d NODE inside NAME's namespace,
#				detached; registered like ioed_start's, so
#				ioed_stop, ioed_kill9 and the stop at exit work
#	netns_del NAME		stop the daemons this script started inside
#				NAME, delete the namespace (its links, rules
#				and qdiscs go with it); fails if any process
#				stays inside
#	no_crash NODE...	the logs of the stopped NODEs show no
#				sanitizer report and no failed assertion
#
# Every namespace created is recorded in $TEST_RESULTS_DIR/SCRIPT.netns;
# all that still exist are deleted when the script ends, pass or fail.
# Leftovers of an earlier run of the same script that was killed (its
# pid gone) are deleted when this file is sourced. Nothing outside the
# namespaces of this script is ever changed: no address, rule or qdisc
# of the host's own interfaces.

IOE_TEST_NETNS=$TEST_RESULTS_DIR/$this_test.netns
NETNS_PREFIX=ioe-$TEST_NUMBER-$$
NETNS_WHY=$TRASH_DIRECTORY/.netns-why

netns_ns () {
	echo "$NETNS_PREFIX-$1"
}

netns_exists_ () {
	test -e "/run/netns/$1"
}

# netns_usable_: root, ip, tc, nft; a namespace, a veth pair inside it,
# an nftables table and a qdisc can be made and deleted. On failure the
# reason is in $NETNS_WHY.
netns_usable_ () {
	nu_why_=
	if test "$(id -u)" != 0
	then
		nu_why_="not root"
	elif ! command -v ip >/dev/null 2>&1
	then
		nu_why_="no ip (iproute2)"
	elif ! command -v tc >/dev/null 2>&1
	then
		nu_why_="no tc (iproute2)"
	elif ! command -v nft >/dev/null 2>&1
	then
		nu_why_="no nft (nftables)"
	fi
	if test -z "$nu_why_"
	then
		nu_ns_=$NETNS_PREFIX-prereq
		echo "$$ $nu_ns_" >>"$IOE_TEST_NETNS"
		if ! ip netns add "$nu_ns_"
		then
			nu_why_="cannot create a network namespace"
		else
			if ! ip -n "$nu_ns_" link add p0 type veth peer name p1
			then
				nu_why_="cannot create a veth pair"
			elif ! ip netns exec "$nu_ns_" nft add table inet ioeprobe
			then
				nu_why_="nft cannot add a table in a namespace"
			elif ! ip -n "$nu_ns_" link set p0 up ||
			     ! tc -n "$nu_ns_" qdisc add dev p0 root tbf \
				rate 1mbit burst 32kbit latency 50ms
			then
				nu_why_="tc cannot add a tbf qdisc in a namespace"
			fi
			if ! ip netns del "$nu_ns_" || netns_exists_ "$nu_ns_"
			then
				nu_why_="${nu_why_:-cannot delete a network namespace}"
			fi
		fi
	fi
	if test -n "$nu_why_"
	then
		echo "$nu_why_" >"$NETNS_WHY"
		echo "NETNS: $nu_why_" >&2
		return 1
	fi
	return 0
}

test_lazy_prereq NETNS 'netns_usable_'

netns_skip_unless_usable () {
	if ! test_have_prereq NETNS
	then
		skip_all="network namespaces unusable here: $(cat "$NETNS_WHY" 2>/dev/null || echo "see the log")"
		test_done
	fi
}

netns_add () {
	na_ns_=$(netns_ns "$1")
	echo "$$ $na_ns_" >>"$IOE_TEST_NETNS" &&
	ip netns add "$na_ns_" &&
	ip -n "$na_ns_" link set lo up
}

netns_exec () {
	ne_ns_=$(netns_ns "$1")
	shift
	ip netns exec "$ne_ns_" "$@"
}

netns_veth () {
	test $# = 6 || BUG "netns_veth needs 6 arguments"
	nv_a_=$(netns_ns "$1")
	nv_b_=$(netns_ns "$4")
	# made inside the namespaces at once: the names never touch the host
	ip link add "$2" netns "$nv_a_" type veth peer name "$5" netns "$nv_b_" &&
	ip -n "$nv_a_" addr add "$3" brd + dev "$2" &&
	ip -n "$nv_b_" addr add "$6" brd + dev "$5" &&
	ip -n "$nv_a_" link set "$2" up &&
	ip -n "$nv_b_" link set "$5" up
}

netns_link_down () {
	ip -n "$(netns_ns "$1")" link set "$2" down
}

netns_link_up () {
	ip -n "$(netns_ns "$1")" link set "$2" up
}

netns_loss () {
	case $2 in
	''|*[!0-9]*) BUG "netns_loss: '$2' is not a percentage" ;;
	esac
	netns_exec "$1" nft -f - <<-EOF
	table inet ioeloss {
		chain input {
			type filter hook input priority 0; policy accept;
			iifname "lo" accept
			numgen random mod 100 < $2 counter drop
			counter accept
		}
	}
	EOF
}

netns_loss_counts () {
	netns_exec "$1" nft list chain inet ioeloss input >"$TRASH_DIRECTORY/.nft.$1" &&
	sed -n -e 's/.*counter packets \([0-9]*\) bytes [0-9]* drop.*/\1/p' \
		"$TRASH_DIRECTORY/.nft.$1" >"$TRASH_DIRECTORY/.nft.$1.d" &&
	sed -n -e 's/.*counter packets \([0-9]*\) bytes [0-9]* accept.*/\1/p' \
		"$TRASH_DIRECTORY/.nft.$1" >"$TRASH_DIRECTORY/.nft.$1.a" &&
	echo "$(cat "$TRASH_DIRECTORY/.nft.$1.d") $(cat "$TRASH_DIRECTORY/.nft.$1.a")"
}

netns_rate () {
	tc -n "$(netns_ns "$1")" qdisc replace dev "$2" root tbf rate "$3" \
		burst 32kbit latency 50ms
}

netns_ioed_start () {
	test $# -ge 2 || BUG "netns_ioed_start needs a NAME and a NODE"
	ns_ns_=$(netns_ns "$1")
	ns_node_=$2
	shift 2
	ns_oldpid_=$(cat "$ns_node_/ioed.pid" 2>/dev/null)
	if ! ip netns exec "$ns_ns_" ioed -d "$ns_node_" "$@"
	then
		echo "netns_ioed_start: 'ioed -d $ns_node_ $*' in $ns_ns_ failed" >&4
		test ! -f "$ns_node_/ioed.log" || tail -n 20 "$ns_node_/ioed.log" >&4
		if ns_pid_=$(cat "$ns_node_/ioed.pid" 2>/dev/null) &&
		   test "$ns_pid_" != "$ns_oldpid_" &&
		   ioed_alive_ "$ns_pid_" &&
		   grep -q ioed "/proc/$ns_pid_/cmdline" 2>/dev/null
		then
			ioed_adopt "$ns_node_" && ioed_stop "$ns_node_"
		fi
		return 1
	fi
	ns_pid_=$(ioed_pid "$ns_node_") || return 1
	ioed_register_ "$ns_pid_" "$(ioed_abs_ "$ns_node_")"
	if ! ioed_alive_ "$ns_pid_"
	then
		echo "netns_ioed_start: ioed (pid $ns_pid_) returned but is not running" >&4
		return 1
	fi
	if test "$(ip netns identify "$ns_pid_")" != "$ns_ns_"
	then
		echo "netns_ioed_start: ioed (pid $ns_pid_) is not in $ns_ns_" >&4
		return 1
	fi
	test_path_is_socket "$ns_node_/ctl"
}

# netns_stop_inside_ NS: stop the daemons of $IOE_TEST_PIDS inside NS
netns_stop_inside_ () {
	test -f "$IOE_TEST_PIDS" || return 0
	while read -r si_pid_ si_dir_
	do
		ioed_alive_ "$si_pid_" || continue
		grep -q ioed "/proc/$si_pid_/cmdline" 2>/dev/null || continue
		test "$(ip netns identify "$si_pid_" 2>/dev/null)" = "$1" || continue
		kill -CONT "$si_pid_" 2>/dev/null
		kill -TERM "$si_pid_" 2>/dev/null
		if ! ioed_wait_gone_ "$si_pid_" "$IOED_STOP_WAIT"
		then
			echo "ioed (pid $si_pid_) in '$si_dir_' ignored SIGTERM; kill -9" >&4
			kill -9 "$si_pid_" 2>/dev/null
			ioed_wait_gone_ "$si_pid_" 5
		fi
	done <"$IOE_TEST_PIDS"
}

# netns_del_ns_ NS: stop our daemons inside NS and delete it
netns_del_ns_ () {
	netns_exists_ "$1" || return 0
	netns_stop_inside_ "$1"
	dn_left_=$(ip netns pids "$1" 2>/dev/null)
	ip netns del "$1" || return 1
	if test -n "$dn_left_"
	then
		echo "netns: processes not started by this script stayed in $1:" $dn_left_ >&4
		return 1
	fi
	! netns_exists_ "$1"
}

netns_del () {
	netns_del_ns_ "$(netns_ns "$1")"
}

# no_crash NODE...: the logs of the stopped NODEs show no sanitizer report
# and no failed assertion (a detached ioed writes stderr to its log)
no_crash () {
	for nc_n_
	do
		if grep -e "Sanitizer" -e "runtime error:" -e "Assertion" \
			"$nc_n_/ioed.log" >&4
		then
			echo "'$nc_n_' crashed or misbehaved, see above" >&4
			return 1
		fi
	done
}

# at exit: every namespace this run created
netns_del_all_ () {
	test -f "$IOE_TEST_NETNS" || return 0
	da_ret_=0
	while read -r da_pid_ da_ns_
	do
		test "$da_pid_" = $$ || continue
		netns_del_ns_ "$da_ns_" || da_ret_=1
	done <"$IOE_TEST_NETNS"
	while read -r da_pid_ da_ns_
	do
		test "$da_pid_" = $$ || echo "$da_pid_ $da_ns_"
	done <"$IOE_TEST_NETNS" >"$IOE_TEST_NETNS.new"
	mv -f "$IOE_TEST_NETNS.new" "$IOE_TEST_NETNS"
	test -s "$IOE_TEST_NETNS" || rm -f "$IOE_TEST_NETNS"
	return $da_ret_
}

# leftovers of an earlier run of this script that was killed: its pid
# is gone (lib-ioed.sh has stopped its daemons already)
netns_del_stale_ () {
	test -f "$IOE_TEST_NETNS" || return 0
	while read -r ds_pid_ ds_ns_
	do
		case $ds_ns_ in
		ioe-$TEST_NUMBER-$ds_pid_-*) ;;
		*) continue ;;
		esac
		kill -0 "$ds_pid_" 2>/dev/null && continue
		netns_exists_ "$ds_ns_" || continue
		test -z "$(ip netns pids "$ds_ns_" 2>/dev/null)" || continue
		ip netns del "$ds_ns_"
	done <"$IOE_TEST_NETNS"
	# keep what runs still alive (the same script run twice at once) own
	while read -r ds_pid_ ds_ns_
	do
		! kill -0 "$ds_pid_" 2>/dev/null || echo "$ds_pid_ $ds_ns_"
	done <"$IOE_TEST_NETNS" >"$IOE_TEST_NETNS.new"
	mv -f "$IOE_TEST_NETNS.new" "$IOE_TEST_NETNS"
}

netns_del_stale_ 2>/dev/null
# registered after lib-ioed.sh's stop of every daemon, so it runs first
test_atexit netns_del_all_
