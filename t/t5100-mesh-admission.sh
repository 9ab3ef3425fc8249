#!/bin/sh
test_description='admission to the mesh: no certificate, another CA, an expired or revoked certificate, request/sign/install, random bytes on the mesh ports'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"

# names_up NODE: the names of NODE's peers that are up, sorted
names_up () {
	ioectl -d "$1" --json peers >"names.$1.json" &&
	jq -r '.peers[] | select(.state == "up") | .name' "names.$1.json" | sort
}

# key_of NODE: NODE's Ed25519 public key (hex)
key_of () {
	ioectl -d "$1" --json status >"status.$1.json" &&
	jq -r .key "status.$1.json"
}

# nobody_has KEY NODE: no link of NODE, in any state, is to the node KEY
nobody_has () {
	ioectl -d "$2" --json peers >"keys.$2.json" &&
	jq -e --arg k "$1" 'all(.peers[]; .key != $k)' "keys.$2.json" >/dev/null
}

test_lazy_prereq BASH 'bash -c "exit 0"'
test_lazy_prereq PKI_ISSUE_AT '
	test-tool pki-issue-at nowhere n out 0 1 2>err
	grep "^test-tool: " err
'

test_expect_success 'set up a CA a and a node b linked to it' '
	mesh_ca a &&
	mesh_node b a &&
	wait_peer_up 10 a b &&
	wait_peer_up 10 b a
'

# --- no certificate -----------------------------------------------------

test_expect_success 'a node without a certificate starts, and says why its mesh waits' '
	mesh_bare x a &&
	ioectl -d x status >status &&
	grep "^mesh  *not running: .*no mesh certificate" status &&
	grep "^peers  *0$" status &&
	ioectl -d x --json status >status.json &&
	jq -e ".peers == 0 and (.mesh_problem | test(\"no mesh certificate\"))" status.json &&
	ioectl -d x peers >peers &&
	grep "^the mesh is not running: .*no mesh certificate" peers
'

test_expect_success 'it is not linked: no link of x is up, a does not list x' '
	ioectl -d x journal add "from the uncertified" &&
	ioectl -d b journal add "control from b" &&
	wait_until 10 "has_text a \"control from b\"" &&
	sleep 1 &&
	ioectl -d x --json peers >x.json &&
	jq -e "(.peers | length == 1) and all(.peers[]; .state != \"up\")" x.json &&
	names_up a >actual &&
	echo b >expect &&
	test_cmp expect actual &&
	nobody_has "$(key_of x)" a &&
	! has_text a "from the uncertified" &&
	! has_text x "control from b"
'

# --- another CA ---------------------------------------------------------

test_expect_success 'a node certified by another CA (same mesh name) is refused' '
	mesh_ca z &&
	mesh_node --ca z y a &&
	wait_until 10 "ioectl -d y --json peers | jq -e \".peers[0].error // \\\"\\\" | test(\\\"said: .*not signed by this mesh\\\")\"" &&
	ioectl -d y --json peers >y.json &&
	jq -e "all(.peers[]; .state != \"up\")" y.json &&
	ioectl -d y peers >y.peers &&
	grep "not signed by this mesh" y.peers &&
	grep "refused a link .*not signed by this mesh" a/ioed.log &&
	names_up a >actual &&
	echo b >expect &&
	test_cmp expect actual &&
	nobody_has "$(key_of y)" a
'

test_expect_success 'nothing the foreign node writes arrives' '
	ioectl -d y journal add "from the other mesh" &&
	ioectl -d b journal add "control 2 from b" &&
	wait_until 10 "has_text a \"control 2 from b\"" &&
	sleep 1 &&
	! has_text a "from the other mesh" &&
	! has_text b "from the other mesh"
'

# --- expired ------------------------------------------------------------

test_expect_success PKI_ISSUE_AT 'a node whose certificate has expired is not admitted and says why' '
	test-tool pki-issue-at a old old -200000 -100 &&
	mesh_bare old a &&
	ioectl -d old status >status &&
	grep "^mesh  *not running: .*certificate has expired" status &&
	ioectl -d b journal add "control 3 from b" &&
	wait_until 10 "has_text a \"control 3 from b\"" &&
	ioectl -d old --json peers >old.json &&
	jq -e "all(.peers[]; .state != \"up\")" old.json &&
	names_up a >actual &&
	echo b >expect &&
	test_cmp expect actual &&
	nobody_has "$(key_of old)" a
'

test_expect_success PKI_ISSUE_AT 'pki install refuses an expired certificate' '
	cat old/pki/node.crt a/pki/ca.crt >old.bundle &&
	test_must_fail ioectl -d old pki install old.bundle 2>err &&
	grep "expired" err
'

test_expect_success PKI_ISSUE_AT 'a certificate that expires while linked: the link is cut' '
	test-tool pki-issue-at a brief brief -100 +25 &&
	mesh_bare brief a &&
	wait_peer_up 15 a brief &&
	wait_peer_up 15 brief a &&
	wait_until 40 "! peer_is_up a brief" &&
	# Whichever side checks first ends the link: a cuts brief off, or
	# brief leaves and tells a why.
	grep -E "cutting off .brief.: .*expired|.brief. said: .*expired" a/ioed.log &&
	wait_until 10 "ioectl -d brief --json peers | jq -e \".peers[0].error // \\\"\\\" | test(\\\"expired\\\")\" >/dev/null" &&
	! peer_is_up brief a &&
	ioectl -d brief journal add "brief after expiry" &&
	ioectl -d b journal add "control 4 from b" &&
	wait_until 10 "has_text a \"control 4 from b\"" &&
	sleep 1 &&
	! has_text a "brief after expiry"
'

test_expect_success PKI_ISSUE_AT 'the node whose certificate expired while running says why its mesh waits' '
	ioectl -d brief status >status &&
	grep "^mesh  *not running: .*expired" status &&
	ioectl -d brief --json status >status.json &&
	jq -e ".mesh_problem | test(\"expired\")" status.json
'

# --- revoked ------------------------------------------------------------

test_expect_success 'a third node c behind b: a - b - c' '
	mesh_node c b &&
	wait_peer_up 10 b c &&
	wait_peer_up 10 c b &&
	ioectl -d c journal add "c before revocation" &&
	wait_until 10 "has_text a \"c before revocation\""
'

test_expect_success 'pki revoke c on the CA: b cuts c off within 5 s of learning it' '
	ioectl -d a pki revoke c >out &&
	grep "revoked .c." out &&
	ioectl -d a --json pki list >list.json &&
	jq -e ".certificates[] | select(.name == \"c\") | .revoked == true" list.json &&
	wait_until 10 "ioectl -d b --json pki list | jq -e \".certificates[] | select(.name == \\\"c\\\") | .revoked\" >/dev/null" &&
	wait_until 5 "! peer_is_up b c" &&
	wait_until 5 "! peer_is_up c b" &&
	# Both ends check once a second: b cuts c off, or c, which has the
	# revocation from b a moment later, leaves first and says why.
	grep -e "cutting off .c.: .*revoked" -e "c. said: .*revoked" b/ioed.log
'

test_expect_success 'c is told why and stays out' '
	wait_until 10 "ioectl -d c --json peers | jq -e \".peers[0].error // \\\"\\\" | test(\\\"revoked\\\")\" >/dev/null" &&
	ioectl -d c --json status >c.json &&
	jq -e ".peers == 0" c.json &&
	names_up b >actual &&
	echo a >expect &&
	test_cmp expect actual
'

test_expect_success 'entries c writes after its revocation do not arrive' '
	ioectl -d c journal add "c after revocation" &&
	ioectl -d a journal add "a after revocation" &&
	wait_until 10 "has_text b \"a after revocation\"" &&
	sleep 2 &&
	! has_text b "c after revocation" &&
	! has_text a "c after revocation" &&
	! has_text c "a after revocation" &&
	has_text a "c before revocation"
'

test_expect_success 'c restarted stays out: it knows it is revoked' '
	ioed_stop c &&
	mesh_start c &&
	ioectl -d c --json status >c.status &&
	jq -e ".mesh_problem | test(\"revoked\")" c.status &&
	ioectl -d c status | grep "^mesh  *not running: .*revoked" &&
	ioectl -d c --json peers >c.json &&
	jq -e "all(.peers[]; .state != \"up\")" c.json &&
	! peer_is_up b c &&
	ioectl -d c journal add "c after restart" &&
	sleep 1 &&
	! has_text b "c after restart"
'

test_expect_success 'the revocation leaves a, b and the ledger sound' '
	ioectl -d a --json verify >a.verify &&
	jq -e ".ok == true" a.verify &&
	ioectl -d b --json verify >b.verify &&
	jq -e ".ok == true" b.verify &&
	wait_converged 10 a b
'

# --- request / sign / install -------------------------------------------

test_expect_success 'pki request / sign / install admits a node whose keys never left it' '
	mesh_bare d b &&
	sha256sum d/node.key d/transport.cert_secret >keys.before &&
	ioectl -d d pki request >d.csr &&
	grep "^-----BEGIN CERTIFICATE REQUEST-----$" d.csr &&
	! grep "PRIVATE" d.csr &&
	ioectl -d a pki sign d.csr >d.signed 2>sign.err &&
	grep "signed a certificate for .d." sign.err &&
	test $(grep -c "^-----BEGIN CERTIFICATE-----$" d.signed) = 2 &&
	! grep "PRIVATE" d.signed &&
	ioectl -d d pki install d.signed >out &&
	grep "installed the certificate of .d." out &&
	test_path_is_missing d/pki/ca.key &&
	sha256sum -c keys.before &&
	wait_peer_up 10 d b &&
	wait_peer_up 10 b d &&
	ioectl -d d --json status >d.json &&
	jq -e ".mesh_problem == null" d.json
'

test_expect_success 'the installed node replicates both ways' '
	ioectl -d d journal add "from d" &&
	wait_until 10 "has_text a \"from d\"" &&
	wait_until 10 "has_text d \"a after revocation\"" &&
	wait_converged 15 a b d &&
	ioectl -d a --json pki list >list.json &&
	jq -e "[.certificates[] | select(.name == \"d\" and .revoked == false)] | length == 1" list.json
'

test_expect_success 'pki sign refuses a request on a node that is not the CA' '
	test_must_fail ioectl -d b pki sign d.csr 2>err &&
	grep "holds no mesh CA key" err
'

test_expect_success 'pki install refuses a certificate made for another node' '
	ioectl -d a pki sign d.csr >d.again 2>/dev/null &&
	test_must_fail ioectl -d x pki install d.again 2>err &&
	grep "another node" err &&
	test_path_is_missing x/pki/node.crt
'

# --- random bytes -------------------------------------------------------

test_expect_success BASH 'random bytes on the TCP and UDP mesh ports do not hurt a' '
	port=$(mesh_port a) &&
	ioectl -d b --json peers >before.json &&
	since=$(jq -r ".peers[] | select(.name == \"a\") | .since" before.json) &&
	test -n "$since" &&
	for i in 1 2 3
	do
		# a peer that hangs up on the noise is fine: ignore the status
		{ bash -c "head -c 5000 /dev/urandom >/dev/tcp/127.0.0.1/$port" 2>/dev/null || :; } &&
		bash -c "head -c 5000 /dev/urandom >/dev/udp/127.0.0.1/$port" &&
		bash -c "head -c 500 /dev/urandom >/dev/udp/127.0.0.1/$port" || return 1
	done &&
	{ bash -c "exec 9<>/dev/tcp/127.0.0.1/$port; head -c 5000 /dev/urandom >&9; sleep 1" 2>/dev/null || :; } &&
	sleep 1 &&
	ioectl -d a status >status &&
	grep "^node  *a$" status &&
	pid=$(ioed_pid a) &&
	kill -0 $pid &&
	peer_is_up a b &&
	peer_is_up b a &&
	ioectl -d b --json peers >after.json &&
	# the same link: its "since" has not moved (but for rounding: it is
	# computed from the monotonic clock at each call)
	jq -e --arg s "$since" "
		def secs: (.[0:19] + \"Z\" | fromdate) + (\"0\" + .[19:-1] | tonumber);
		.peers[] | select(.name == \"a\") | (.since | secs) - (\$s | secs) |
		. < 0.01 and . > -0.01
	" after.json &&
	ioectl -d b journal add "after the noise" &&
	wait_until 10 "has_text a \"after the noise\""
'

test_done
