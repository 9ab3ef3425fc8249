#!/bin/sh
# files-syncthing.sh - the references of bench/files: the single-stream TCP
# limit of the loopback (iperf3) and Syncthing syncing the same files
# between two instances on it
#
#	files-syncthing.sh install PROGRAM...
#	files-syncthing.sh iperf3 -k KEY -l LABEL -p PORT -t SECONDS -w DIR
#	        -o FILE
#	files-syncthing.sh syncthing -p GUI_A,SYNC_A,GUI_B,SYNC_B -s SECONDS
#	        -w DIR -o FILE [KEY SOURCE FILES BYTES LABEL]...
#
# bench/files runs this; it is not meant to be run by hand.
#
# install: apt-get update && apt-get install -y the Debian packages of the
# PROGRAMs that are not on PATH (iperf3, syncthing, curl, jq); exit 0 if
# all are there afterwards. Only benchmarks call this: never the build or
# the tests.
#
# iperf3: a server and one client, one stream, on 127.0.0.1:PORT for
# SECONDS; appends the figure "ref.tcp.KEY" to FILE (rate in MB/s, 10^6
# bytes) and a note of it in Gbit/s.
#
# syncthing: two instances, A and B, with homes of their own under DIR,
# which make a key each and are given a config.xml before their first
# start: GUI and REST on 127.0.0.1:GUI_x, the sync protocol on
# tcp://127.0.0.1:SYNC_x only, each other's device ID and address, no
# global or local discovery, no relays, no NAT, no STUN, no usage or
# crash reporting, no upgrades, no lowered priority; one folder per KEY,
# shared by both, with no watcher and no periodic scan. Once they are
# linked and idle, for each KEY in turn: the files of SOURCE are put in
# A's folder (hard links where they can be, else copies), then a rescan is
# asked of A and the clock runs until B's /rest/db/status says the folder
# holds FILES files, all in sync, with at least BYTES bytes and nothing
# needed (polled every 20 ms). B's copy is then compared with SOURCE. The
# figure "KEY.st" goes to FILE, with LABEL in its name, and a note of the
# CPU each instance used.
#
# Lines appended to FILE are those of bench.h (row, note, info),
# tab-separated. Every wait is bounded; only the processes started here
# are signalled, by the pids they have.

# shellcheck disable=SC2317 # cleanup and its helpers run from traps
prog='files-syncthing.sh'
poll=0.02		# seconds between two polls of B
start_wait=30		# seconds an instance gets to answer, link and idle
stop_wait=15		# seconds a process gets to stop on SIGTERM

pids=		# of the processes started here, still running
out=
work=

usage () {
	sed -n '6,10p' "$0" | sed 's/^#	//' >&2
	exit 2
}

# number VALUE MIN MAX
number () {
	case $1 in
	''|*[!0-9]*) return 1 ;;
	esac
	test "$1" -ge "$2" && test "$1" -le "$3"
}

now_ns () {
	date +%s%N
}

# row KEY LABEL OPS SECS RATE UNIT FIGURE
row () {
	printf 'row\t%s\t%s\t%s\t%s\t%s\t-1\t-1\t0\t%s\t%s\n' "$1" "$2" "$3" \
		"$4" "$5" "$6" "$7" >>"$out"
}

note () {
	printf 'note\t%s\t%s\n' "$1" "$2" >>"$out"
}

info () {
	printf 'info\t%s\t%s\n' "$1" "$2" >>"$out"
}

# alive PID: the process exists and is not a zombie
alive () {
	kill -0 "$1" 2>/dev/null || return 1
	al_state=$(sed -n 's/^State:[ 	]*\([A-Za-z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	test "$al_state" != Z
}

# stop PID: SIGTERM, SIGKILL if it lingers
stop () {
	alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	st_tries=$((stop_wait * 10))
	while alive "$1"
	do
		st_tries=$((st_tries - 1))
		if test "$st_tries" -le 0
		then
			echo "$prog: pid $1 still running ${stop_wait}s after SIGTERM; kill -9" >&2
			kill -9 "$1" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$1" 2>/dev/null
}

cleanup () {
	for cl_pid in $pids
	do
		stop "$cl_pid"
	done
	pids=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# cpu_ticks PID: user and system time of PID so far, in clock ticks
cpu_ticks () {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# --- install -------------------------------------------------------------

cmd_install () {
	in_missing=
	for in_p
	do
		command -v "$in_p" >/dev/null 2>&1 || in_missing="$in_missing $in_p"
	done
	test -z "$in_missing" && return 0
	if test "$(id -u)" != 0
	then
		echo "$prog: missing:$in_missing; not root, so not installed (apt-get install$in_missing)" >&2
		return 1
	fi
	echo "$prog: installing$in_missing from Debian" >&2
	# shellcheck disable=SC2086 # the list is words
	apt-get update -q >&2 &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $in_missing >&2 ||
	return 1
	for in_p
	do
		command -v "$in_p" >/dev/null 2>&1 || return 1
	done
}

# --- iperf3 ----------------------------------------------------------------

cmd_iperf3 () {
	if test $# != 0 || test -z "$opt_k" || test -z "$opt_p" ||
	   test -z "$work" || test -z "$out"
	then
		usage
	fi
	number "$opt_p" 1024 65535 || usage
	ip_key=$opt_k ip_label=${opt_l:-$opt_k} ip_port=$opt_p
	ip_secs=${opt_t:-5}
	number "$ip_secs" 1 600 || usage
	mkdir -p "$work" || return 1

	iperf3 -s -1 -B 127.0.0.1 -p "$ip_port" --forceflush \
		>"$work/iperf3-server.log" 2>&1 &
	ip_spid=$!
	pids="$pids $ip_spid"
	# the client may only connect once the server listens
	ip_tries=50
	until grep -q "listening" "$work/iperf3-server.log" 2>/dev/null ||
	      test -n "$(ss -Htln "sport = :$ip_port" 2>/dev/null)"
	do
		ip_tries=$((ip_tries - 1))
		if test "$ip_tries" -le 0 || ! alive "$ip_spid"
		then
			echo "$prog: iperf3 server on port $ip_port did not start:" >&2
			cat "$work/iperf3-server.log" >&2
			return 1
		fi
		sleep 0.1
	done
	if ! timeout $((ip_secs + 30)) iperf3 -c 127.0.0.1 -B 127.0.0.1 \
		-p "$ip_port" -P 1 -t "$ip_secs" -J >"$work/iperf3.json" \
		2>"$work/iperf3-client.err"
	then
		echo "$prog: iperf3 client failed:" >&2
		cat "$work/iperf3-client.err" >&2
		jq -r '.error // empty' "$work/iperf3.json" >&2 2>/dev/null
		return 1
	fi
	stop "$ip_spid"
	# shellcheck disable=SC2046 # the three numbers are words
	set -- $(jq -r '.end.sum_received | "\(.bytes) \(.seconds) \(.bits_per_second)"' \
		"$work/iperf3.json")
	if test $# != 3
	then
		echo "$prog: no result in iperf3's report" >&2
		return 1
	fi
	ip_mbs=$(awk -v b="$3" 'BEGIN { printf "%.3f", b / 8e6 }')
	ip_gbit=$(awk -v b="$3" 'BEGIN { printf "%.2f", b / 1e9 }')
	row "ref.tcp.$ip_key" TCP 1 "$2" "$ip_mbs" MB/s \
		"single-stream TCP on 127.0.0.1, iperf3 ($ip_label)"
	note tcp "TCP ($ip_label): $ip_gbit Gbit/s, $ip_mbs MB/s received over $2 s by one iperf3 stream on 127.0.0.1"
	info iperf3 "$(iperf3 --version 2>/dev/null | head -n 1)"
}

# --- syncthing ---------------------------------------------------------------

# st_api N PATH [curl options]: a REST call to instance N (a or b)
st_api () {
	sa_path=$2
	case $1 in
	a) sa_port=$gui_a ;;
	*) sa_port=$gui_b ;;
	esac
	shift 2
	curl -sS --max-time 10 -H "X-API-Key: $apikey" "$@" \
		"http://127.0.0.1:$sa_port$sa_path"
}

# st_config N SELF_ID OTHER_ID GUI_PORT SYNC_PORT OTHER_SYNC_PORT
st_config () {
	{
		echo '<configuration version="36">'
		while IFS='	' read -r sc_key _ <&3
		do
			cat <<EOF
    <folder id="$sc_key" label="$sc_key" path="$work/$1/$sc_key" type="sendreceive" rescanIntervalS="0" fsWatcherEnabled="false" ignorePerms="false" autoNormalize="true">
        <filesystemType>basic</filesystemType>
        <device id="$2" introducedBy=""></device>
        <device id="$3" introducedBy=""></device>
    </folder>
EOF
		done 3<"$work/cases"
		cat <<EOF
    <device id="$2" name="$1" compression="metadata" introducer="false">
        <address>dynamic</address>
    </device>
    <device id="$3" name="other" compression="metadata" introducer="false">
        <address>tcp://127.0.0.1:$6</address>
    </device>
    <gui enabled="true" tls="false" debugging="false">
        <address>127.0.0.1:$4</address>
        <apikey>$apikey</apikey>
    </gui>
    <options>
        <listenAddress>tcp://127.0.0.1:$5</listenAddress>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <stunKeepaliveStartS>0</stunKeepaliveStartS>
        <announceLANAddresses>false</announceLANAddresses>
        <urAccepted>-1</urAccepted>
        <crashReportingEnabled>false</crashReportingEnabled>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <startBrowser>false</startBrowser>
        <setLowPriority>false</setLowPriority>
    </options>
</configuration>
EOF
	} >"$work/st-$1/config.xml"
}

# st_serve N: instance N in the background; STMONITORED: one process, no
# monitor that restarts it
st_serve () {
	STMONITORED=1 STNORESTART=1 STNOUPGRADE=1 syncthing serve \
		--home "$work/st-$1" --no-browser --no-restart --no-upgrade \
		--logfile="$work/st-$1.log" >"$work/st-$1.out" 2>&1 &
}

# st_wait WHAT CONDITION...: CONDITION holds within start_wait seconds
st_wait () {
	sw_what=$1
	shift
	sw_tries=$((start_wait * 10))
	until "$@" >/dev/null 2>&1
	do
		sw_tries=$((sw_tries - 1))
		if test "$sw_tries" -le 0 || ! alive "$pid_a" || ! alive "$pid_b"
		then
			echo "$prog: $sw_what: not within ${start_wait}s; the logs' ends:" >&2
			tail -n 5 "$work/st-a.log" "$work/st-b.log" >&2 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
}

st_linked () {
	st_api a /rest/system/connections |
	jq -e --arg id "$id_b" '.connections[$id].connected' >/dev/null
}

# st_idle KEY: both instances have scanned the (empty) folder KEY
st_idle () {
	for si_n in a b
	do
		st_api "$si_n" "/rest/db/status?folder=$1" |
		jq -e '.state == "idle"' >/dev/null || return 1
	done
}

# st_synced KEY FILES BYTES: B holds the folder as A has it
st_synced () {
	st_api b "/rest/db/status?folder=$1" >"$work/status.json" &&
	jq -e --argjson f "$2" --argjson b "$3" \
		'.globalFiles == $f and .inSyncFiles == $f and .needFiles == 0
		 and .needBytes == 0 and .globalBytes >= $b
		 and .inSyncBytes == .globalBytes and .state == "idle"' \
		"$work/status.json" >/dev/null
}

# st_case KEY SOURCE FILES BYTES LABEL: one figure; returns 1 if it
# failed
st_case () {
	sc_key=$1 sc_src=$2 sc_files=$3 sc_bytes=$4 sc_label=$5
	if ! cp -al "$sc_src/." "$work/a/$sc_key/" 2>/dev/null &&
	   ! cp -a "$sc_src/." "$work/a/$sc_key/"
	then
		echo "$prog: cannot put the files of '$sc_src' in A's folder" >&2
		return 1
	fi
	# what earlier writes left for the disk is not this figure's
	sync
	echo "$prog: $sc_label: Syncthing A -> B" >&2
	cpu0_a=$(cpu_ticks "$pid_a") cpu0_b=$(cpu_ticks "$pid_b")
	t0=$(now_ns)
	if ! st_api a "/rest/db/scan?folder=$sc_key" -X POST >/dev/null
	then
		echo "$prog: the rescan request failed" >&2
		return 1
	fi
	deadline=$((t0 + secs * 1000000000))
	done_at=
	while :
	do
		if st_synced "$sc_key" "$sc_files" "$sc_bytes"
		then
			done_at=$(now_ns)
			break
		fi
		test "$(now_ns)" -lt "$deadline" || break
		sleep "$poll"
	done
	cpu1_a=$(cpu_ticks "$pid_a") cpu1_b=$(cpu_ticks "$pid_b")
	if test -z "$done_at"
	then
		echo "$prog: $sc_label: B not in sync after ${secs}s; its status:" >&2
		cat "$work/status.json" >&2
		note "$sc_key" "$sc_label: Syncthing: FAILED, B not in sync after ${secs} s"
		return 1
	fi
	el=$((done_at - t0))
	row "$sc_key.st" "$sc_label" "$sc_files" \
		"$(awk -v e="$el" 'BEGIN { printf "%.6f", e / 1e9 }')" \
		"$(awk -v e="$el" -v b="$sc_bytes" 'BEGIN { printf "%.3f", b / (e / 1e3) }')" \
		MB/s "$sc_label: Syncthing A -> B, rescan to B in sync"
	tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
	note "$sc_key" "$sc_label: Syncthing used $(awk -v a="$((cpu1_a - cpu0_a))" -v t="$tck" 'BEGIN { printf "%.2f", a / t }') s of CPU on A and $(awk -v a="$((cpu1_b - cpu0_b))" -v t="$tck" 'BEGIN { printf "%.2f", a / t }') s on B over $(awk -v e="$el" 'BEGIN { printf "%.2f", e / 1e9 }') s"
	# not timed: B's copy is the same as the source
	if ! diff -rq -x .stfolder -x .stversions "$sc_src" "$work/b/$sc_key" \
		>"$work/diff.out" 2>&1
	then
		echo "$prog: $sc_label: B's copy differs from the source:" >&2
		head -n 5 "$work/diff.out" >&2
		note "$sc_key" "$sc_label: Syncthing: FAILED, B's copy differs from the source"
		return 1
	fi
}

cmd_syncthing () {
	ports=$opt_p secs=${opt_s:-600}
	number "$secs" 1 86400 || usage
	if test -z "$ports" || test -z "$work" || test -z "$out" ||
	   test $(($# % 5)) != 0 || test $# = 0
	then
		usage
	fi
	IFS=, read -r gui_a sync_a gui_b sync_b <<EOF
$ports
EOF
	for p in "$gui_a" "$sync_a" "$gui_b" "$sync_b"
	do
		number "$p" 1024 65535 || usage
	done
	mkdir -p "$work" || return 1
	# the cases, one a line: KEY SOURCE FILES BYTES LABEL, tab-separated
	: >"$work/cases" || return 1
	while test $# -gt 0
	do
		case $1 in
		*[!A-Za-z0-9._-]*|'') usage ;;
		esac
		case $2$5 in
		*'	'*) usage ;;
		esac
		number "$3" 1 100000000 || usage
		number "$4" 0 1000000000000000 || usage
		printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
			>>"$work/cases"
		mkdir -p "$work/a/$1" "$work/b/$1" || return 1
		shift 5
	done
	apikey=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')

	for n in a b
	do
		if ! syncthing generate --home "$work/st-$n" --no-default-folder \
			--skip-port-probing >"$work/st-$n.gen" 2>&1
		then
			echo "$prog: syncthing generate failed:" >&2
			cat "$work/st-$n.gen" >&2
			return 1
		fi
	done
	id_a=$(syncthing serve --home "$work/st-a" --device-id) &&
	id_b=$(syncthing serve --home "$work/st-b" --device-id) || return 1
	st_config a "$id_a" "$id_b" "$gui_a" "$sync_a" "$sync_b"
	st_config b "$id_b" "$id_a" "$gui_b" "$sync_b" "$sync_a"

	st_serve a
	pid_a=$!
	st_serve b
	pid_b=$!
	pids="$pids $pid_a $pid_b"
	info syncthing "$(syncthing --version 2>/dev/null | cut -d ' ' -f 1-2); two instances on 127.0.0.1, TLS over TCP, default folder settings but no watcher and no periodic scan, compression of metadata only (the default)"
	st_wait "Syncthing's REST API" st_api a /rest/system/ping || return 1
	st_wait "Syncthing's REST API" st_api b /rest/system/ping || return 1
	st_wait "the link between the two Syncthing instances" st_linked ||
		return 1
	while IFS='	' read -r key _ <&3
	do
		st_wait "folder $key idle" st_idle "$key" || return 1
	done 3<"$work/cases"
	echo "$prog: Syncthing A and B linked on 127.0.0.1:$sync_a and :$sync_b" >&2

	failed=
	while IFS='	' read -r key src files bytes label <&3
	do
		st_case "$key" "$src" "$files" "$bytes" "$label" ||
			failed="$failed $key"
	done 3<"$work/cases"
	cleanup
	if test -n "$failed"
	then
		echo "$prog: failed:$failed" >&2
		return 1
	fi
}

test $# -ge 1 || usage
sub=$1
shift
# the options of every command; each checks those it takes
opt_k='' opt_l='' opt_p='' opt_s='' opt_t=''
while getopts k:l:p:s:t:w:o: opt
do
	case $opt in
	k|l|p|s|t) eval "opt_$opt=\$OPTARG" ;;
	w) work=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $sub in
install) cmd_install "$@" ;;
iperf3) cmd_iperf3 "$@" ;;
syncthing) cmd_syncthing "$@" ;;
*) usage ;;
esac
