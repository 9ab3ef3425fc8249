#!/bin/sh
test_description='node identity: keys, file modes, status, node name'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

# status_field NODE FIELD: the value of FIELD in the human status output
status_field () {
	ioectl -d "$1" status >status.out &&
	sed -n "s/^$2  *//p" status.out
}

test_lazy_prereq HOSTNAME_IS_A_NAME '
	uname -n | grep -qE "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
'

test_expect_success 'first start creates DIR mode 0700 and the key files mode 0600' '
	ioed_start alpha -n alpha &&
	test_file_mode alpha 700 &&
	test_path_is_file alpha/node.key &&
	test_file_mode alpha/node.key 600 &&
	test_path_is_file alpha/transport.cert &&
	test_path_is_file alpha/transport.cert_secret &&
	test_file_mode alpha/transport.cert_secret 600 &&
	test_path_is_file alpha/store.db &&
	test_path_is_file alpha/ioed.pid
'

test_expect_success 'the control and event sockets are mode 0600' '
	test_path_is_socket alpha/ctl &&
	test_file_mode alpha/ctl 600 &&
	test_path_is_socket alpha/events &&
	test_file_mode alpha/events 600
'

test_expect_success 'no key file or socket is group or world writable' '
	find alpha -perm /022 >writable &&
	test_must_be_empty writable
'

test_expect_success 'node.key is an Ed25519 PKCS#8 PEM key' '
	head -n 1 alpha/node.key >first &&
	echo "-----BEGIN PRIVATE KEY-----" >expect &&
	test_cmp expect first
'

test_expect_success OPENSSL 'status key is the public half of node.key' '
	openssl pkey -in alpha/node.key -noout -text >text &&
	grep -i ED25519 text &&
	openssl pkey -in alpha/node.key -pubout -outform DER >pub.der &&
	tail -c 32 pub.der | xxd -p -c 32 >expect &&
	ioectl -d alpha --json status | jq -r .key >actual &&
	test_cmp expect actual
'

test_expect_success 'status shows node, fingerprint, key, version, uptime, entries, store, peers' '
	ioectl -d alpha status >out &&
	grep -E "^node +alpha$" out &&
	grep -E "^fingerprint +[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$" out &&
	grep -E "^key +[0-9a-f]{64}$" out &&
	grep -E "^version +[0-9]+\.[0-9]+\.[0-9]+" out &&
	grep -E "^uptime +([0-9]+d )?([0-9]+h )?([0-9]+m )?[0-9]+s$" out &&
	grep -E "^entries +[0-9]+$" out &&
	grep -E "^store +[0-9]+ bytes$" out &&
	grep -E "^peers +[0-9]" out
'

test_expect_success 'status peers line is exactly as documented, and says why the mesh waits' '
	ioectl -d alpha status >out &&
	grep -Ex "peers +0" out &&
	grep -Ex "mesh +not running: this node has no mesh certificate .*" out
'

test_expect_success 'status --json has the documented fields' '
	ioectl -d alpha --json status >json &&
	jq -e "
		(.name == \"alpha\") and
		(.fingerprint | test(\"^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$\")) and
		(.key | test(\"^[0-9a-f]{64}$\")) and
		(.version | type == \"string\") and
		(.uptime | type == \"number\" or type == \"string\") and
		(.entries | type == \"number\") and
		(.store_bytes | type == \"number\") and
		(.peers == 0)
	" json
'

test_expect_success 'status --json also has protocol, dir, pid, seq' '
	ioectl -d alpha --json status >json &&
	jq -e --arg dir "$PWD/alpha" --argjson pid "$(cat alpha/ioed.pid)" "
		.protocol == 4 and .dir == \$dir and .pid == \$pid and .seq == 1
	" json
'

test_expect_success 'the fingerprint is the first 8 bytes of SHA-256 of the key' '
	ioectl -d alpha --json status >json &&
	jq -r .key json | xxd -r -p | sha256sum |
		sed -e "s/^\(....\)\(....\)\(....\)\(....\).*/\1 \2 \3 \4/" >expect &&
	jq -r .fingerprint json >actual &&
	test_cmp expect actual
'

test_expect_success 'human and JSON status agree' '
	ioectl -d alpha --json status >json &&
	status_field alpha fingerprint >fp.human &&
	jq -r .fingerprint json >fp.json &&
	test_cmp fp.json fp.human &&
	status_field alpha key >key.human &&
	jq -r .key json >key.json &&
	test_cmp key.json key.human &&
	status_field alpha version >v.human &&
	jq -r .version json >v.json &&
	test_cmp v.json v.human
'

test_expect_success 'status version is the version of ioed -V' '
	status_field alpha version >v &&
	ioed -V >ioed-V &&
	grep -F "$(cat v)" ioed-V
'

test_expect_success 'a fresh node holds one entry: its node entry, seq 1' '
	status_field alpha entries >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	ioectl -d alpha --json ledger heads >heads &&
	jq -e ".heads | length == 1 and .[0].seq == 1 and .[0].name == \"alpha\"" heads &&
	head=$(jq -r ".heads[0].head" heads) &&
	ioectl -d alpha --json ledger show "$head" >show &&
	jq -e ".kind == \"node\" and .seq == 1 and .prev == null" show
'

test_expect_success 'the node entry carries the name and the transport key' '
	ioectl -d alpha --json ledger heads >heads &&
	ioectl -d alpha --json ledger show "$(jq -r ".heads[0].head" heads)" >show &&
	jq -r ".body | if type == \"string\" then fromjson else . end" show >body &&
	jq -e ".name == \"alpha\"" body &&
	transport=$(jq -r .transport body) &&
	test ${#transport} = 40 &&
	grep -F "public-key = \"$transport\"" alpha/transport.cert
'

test_expect_success 'restart reuses the same keys' '
	status_field alpha fingerprint >fp.before &&
	status_field alpha key >key.before &&
	cp alpha/node.key node.key.before &&
	cp alpha/transport.cert_secret secret.before &&
	ioed_stop alpha &&
	ioed_start alpha -n alpha &&
	status_field alpha fingerprint >fp.after &&
	status_field alpha key >key.after &&
	test_cmp fp.before fp.after &&
	test_cmp key.before key.after &&
	cmp node.key.before alpha/node.key &&
	cmp secret.before alpha/transport.cert_secret
'

test_expect_success 'a restart under the same name writes no node entry' '
	status_field alpha entries >n &&
	echo 1 >expect &&
	test_cmp expect n
'

test_expect_success 'a new name writes a new node entry' '
	ioed_stop alpha &&
	ioed_start alpha -n alpha-2 &&
	status_field alpha node >name &&
	echo alpha-2 >expect &&
	test_cmp expect name &&
	status_field alpha entries >n &&
	echo 2 >expect.n &&
	test_cmp expect.n n &&
	ioectl -d alpha --json ledger heads >heads &&
	jq -e ".heads[0].seq == 2 and .heads[0].name == \"alpha-2\"" heads &&
	ioectl -d alpha --json ledger show "$(jq -r ".heads[0].head" heads)" >show &&
	jq -e ".kind == \"node\"" show &&
	jq -r ".body | if type == \"string\" then fromjson else . end | .name" show >body-name &&
	test_cmp expect body-name
'

test_expect_success '-n NAME names the node' '
	ioed_start bravo -n bravo-1 &&
	status_field bravo node >name &&
	echo bravo-1 >expect &&
	test_cmp expect name
'

test_expect_success 'config name: names the node' '
	mkdir -m 700 charlie &&
	echo "name: from-config" >charlie/ioe.yaml &&
	ioed_start charlie &&
	status_field charlie node >name &&
	echo from-config >expect &&
	test_cmp expect name
'

test_expect_success '-n NAME overrides the config name' '
	mkdir -m 700 delta &&
	echo "name: from-config" >delta/ioe.yaml &&
	ioed_start delta -n from-flag &&
	status_field delta node >name &&
	echo from-flag >expect &&
	test_cmp expect name
'

test_expect_success '-c FILE is read instead of DIR/ioe.yaml' '
	mkdir -m 700 cfgc &&
	echo "name: from-dir-file" >cfgc/ioe.yaml &&
	echo "name: from-c-file" >other.yaml &&
	ioed_start cfgc -c "$PWD/other.yaml" &&
	status_field cfgc node >name &&
	echo from-c-file >expect &&
	test_cmp expect name
'

test_expect_success HOSTNAME_IS_A_NAME 'without -n or config the name is the host name' '
	ioed_start foxtrot &&
	status_field foxtrot node >name &&
	uname -n >expect &&
	test_cmp expect name
'

test_expect_success 'two nodes have different keys' '
	status_field bravo key >k1 &&
	status_field charlie key >k2 &&
	! cmp k1 k2
'

test_expect_success 'ioed and ioectl find DIR through $IOE_DIR' '
	IOE_DIR=$PWD/golf ioed &&
	ioed_adopt golf &&
	IOE_DIR=$PWD/golf ioectl status >out &&
	grep -E "^node " out &&
	ioectl -d golf status >out2 &&
	grep "^key" out >k1 &&
	grep "^key" out2 >k2 &&
	test_cmp k1 k2
'

test_expect_success 'ioed and ioectl default to $HOME/.ioe' '
	test_path_is_missing "$HOME/.ioe" &&
	ioed &&
	ioed_adopt "$HOME/.ioe" &&
	test_path_is_socket "$HOME/.ioe/ctl" &&
	test_file_mode "$HOME/.ioe" 700 &&
	ioectl status >out &&
	grep -E "^node " out
'

test_done
