#!/bin/sh
test_description='verify and store integrity: entry format, flipped bytes, foreign and corrupt stores'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"

# entries NODE: the number of entries in NODE's status
entries () {
	ioectl -d "$1" --json status | jq .entries
}

# three_entries NODE: start NODE with three journal entries; their ids
# go to NODE.ids
three_entries () {
	ioed_start "$1" &&
	for t in one two three
	do
		ioectl -d "$1" journal add "entry $t" || return 1
	done >"$1.ids" &&
	test_line_count = 3 "$1.ids"
}

reasons='^(content does not match its id \(altered after it was stored\)|does not decode: .+|bad signature|index columns disagree with the entry|chain broken: .+)$'

# flip_check NODE N OFFSET [ENTRIES]: flip byte OFFSET of the Nth entry
# listed in NODE.ids; verify must fail and name that entry (and have
# checked ENTRIES entries, up to and including the bad one)
flip_check () {
	fc_id=$(sed -n "${2}p" "$1.ids") &&
	test-tool store-flip "$1/store.db" "$fc_id" "$3" &&
	test_expect_code 1 ioectl -d "$1" verify >out 2>err &&
	cat err &&
	grep -E "^(ioectl: )?entry $fc_id: .+" err &&
	test_expect_code 1 ioectl -d "$1" --json verify >json &&
	cat json &&
	jq -e --arg id "$fc_id" --arg re "$reasons" \
		'.ok == false and .id == $id and (.reason | test($re)) and (.authors | type == "number")' json &&
	if test -n "$4"
	then
		jq -e ".entries == $4" json
	fi
}

# sums FILE...: checksums, for "left unchanged"
sums () {
	sha256sum "$@"
}

test_expect_success 'verify passes on a fresh node' '
	ioed_start alpha &&
	ioectl -d alpha verify >out &&
	grep -Ex "verified 1 entr(y|ies) from 1 authors?" out &&
	ioectl -d alpha --json verify >json &&
	jq -e ".ok == true and .entries == 1 and .authors == 1" json
'

test_expect_success 'verify counts every entry' '
	for i in 1 2 3 4 5
	do
		ioectl -d alpha journal add "entry $i" >/dev/null || return 1
	done &&
	n=$(entries alpha) &&
	test $n = 6 &&
	ioectl -d alpha verify >out &&
	grep -Ex "verified $n entries from 1 authors?" out &&
	ioectl -d alpha --json verify >json &&
	jq -e ".ok == true and .entries == $n and .authors == 1" json
'

test_expect_success OPENSSL 'entries follow the documented format: id = SHA-256, Ed25519 signature' '
	ioectl -d alpha --json journal list >list &&
	for id in $(jq -r ".entries[].id" list)
	do
		ioectl -d alpha --json ledger show $id >e &&
		t=$(jq -r .time e) &&
		secs=$(date -u -d "${t%.*}Z" +%s) &&
		us=${t#*.} && us=${us%Z} &&
		us=$(echo "$us" | sed "s/^0*//") &&
		kind=$(jq -r .kind e) &&
		jq -j .body e >body &&
		size=$(wc -c <body) &&
		jq -e ".size == 94 + ${#kind} + $size + 64" e &&
		{
			printf 01 &&
			jq -j .author e &&
			printf "%016x" $(jq .seq e) &&
			jq -j .prev e &&
			printf "%016x" $(jq .lamport e) &&
			printf "%016x" $((secs * 1000000 + ${us:-0})) &&
			printf "%02x" ${#kind} &&
			printf "%s" "$kind" | xxd -p | tr -d "\n" &&
			printf "%08x" $size &&
			xxd -p body | tr -d "\n" &&
			jq -j .signature e
		} >entry.hex &&
		xxd -r -p entry.hex >entry.bin &&
		test $(wc -c <entry.bin) = $((94 + ${#kind} + size + 64)) &&
		sha256sum entry.bin | cut -d" " -f1 >actual &&
		echo $id >expect &&
		test_cmp expect actual &&
		head -c -64 entry.bin >signed.bin &&
		tail -c 64 entry.bin >sig.bin &&
		{ printf 302a300506032b6570032100 && jq -j .author e; } | xxd -r -p >pub.der &&
		openssl pkey -pubin -inform DER -in pub.der -out pub.pem &&
		openssl pkeyutl -verify -pubin -inkey pub.pem -rawin \
			-in signed.bin -sigfile sig.bin || return 1
	done
'

test_expect_success 'a flipped byte in a body: verify fails naming the entry' '
	three_entries bravo &&
	flip_check bravo 2 101 3
'

test_expect_success 'a flipped byte in a signature: verify fails naming the entry' '
	three_entries charlie &&
	id=$(sed -n 2p charlie.ids) &&
	size=$(ioectl -d charlie --json ledger show $id | jq .size) &&
	flip_check charlie 2 $((size - 1))
'

test_expect_success 'a flipped byte in seq: verify fails naming the entry' '
	three_entries delta &&
	flip_check delta 2 40
'

test_expect_success 'a flipped byte in prev: verify fails naming the entry' '
	three_entries echo &&
	flip_check echo 2 50
'

test_expect_success 'a flipped byte in the time: verify fails naming the entry' '
	three_entries foxtrot &&
	flip_check foxtrot 2 88
'

test_expect_success 'a flipped byte in the author: verify fails naming the entry' '
	three_entries golf &&
	flip_check golf 2 1
'

test_expect_success 'a flipped format version: verify fails naming the entry' '
	three_entries hotel &&
	flip_check hotel 2 0
'

test_expect_success 'a flipped byte in the head entry: verify fails naming it' '
	three_entries india &&
	flip_check india 3 101 4
'

test_expect_success 'a flipped byte in the first entry is found before the later ones' '
	three_entries juliet &&
	flip_check juliet 1 101 2
'

test_expect_success 'a flipped byte in the node entry: verify fails naming it' '
	ioed_start kilo &&
	ioectl -d kilo --json ledger heads | jq -r ".heads[0].head" >kilo.ids &&
	ioectl -d kilo journal add "after the node entry" &&
	flip_check kilo 1 100 1
'

# refused NAME PHRASE: ioed -d NAME exits 1, leaves no daemon, and its
# message is "ioed: 'NAME/store.db' PHRASE..." (NAME as given or absolute);
# the message is kept in NAME.err
refused () {
	ioed_expect_refused 1 "$1" 2>"$1.err"
	rf_ret=$?
	cat "$1.err"
	test $rf_ret = 0 &&
	grep -E "^ioed: .($1|$PWD/$1)/store.db. $2" "$1.err" &&
	test_path_is_missing "$1/ioed.pid"
}

# exact_message NAME TEXT: the message is exactly as documented, with
# the optional detail in brackets ioe.yaml(5) and ioed(8) allow
exact_message () {
	grep -Ex "ioed: .($1|$PWD/$1)/store.db. $2( \(.+\))?" "$1.err"
}

test_expect_success 'a plain text file as store.db is refused and left unchanged' '
	mkdir -m 700 text &&
	echo "shopping list: bread, milk" >text/store.db &&
	sums text/store.db >before &&
	refused text "(is not an ioe store|is corrupt: )" &&
	sums text/store.db >after &&
	test_cmp before after
'

test_expect_success 'the plain text file message is exactly as documented' '
	exact_message text "(is not an ioe store|is corrupt: .+)"
'

test_expect_success SQLITE3 'an SQLite database that is not ours is refused and left unchanged' '
	mkdir -m 700 other &&
	sqlite3 other/store.db "create table notes (t text); insert into notes values (42);" &&
	sums other/store.db >before &&
	refused other "is not an ioe store" &&
	sums other/store.db >after &&
	test_cmp before after &&
	sqlite3 other/store.db .tables >tables &&
	echo notes >expect &&
	test_cmp expect tables
'

test_expect_success SQLITE3 'the foreign SQLite message is exactly as documented' '
	exact_message other "is not an ioe store"
'

test_expect_success SQLITE3 'an SQLite database in WAL mode that is not ours is refused and left unchanged' '
	mkdir -m 700 otherwal &&
	sqlite3 otherwal/store.db "pragma journal_mode=wal; create table t (a);" &&
	sums otherwal/store.db >before &&
	refused otherwal "is not an ioe store" &&
	sums otherwal/store.db >after &&
	test_cmp before after
'

test_expect_success 'a damaged store is refused and left unchanged' '
	ioed_start lima &&
	ioectl -d lima journal add "before the damage" &&
	ioed_stop lima &&
	rm -f lima/store.db-wal lima/store.db-shm &&
	head -c 300 /dev/zero | tr "\000" "\377" |
		dd of=lima/store.db bs=1 seek=100 conv=notrunc 2>/dev/null &&
	sums lima/store.db >before &&
	ioed_expect_refused 1 lima 2>lima.err &&
	cat lima.err &&
	test_path_is_missing lima/ioed.pid &&
	sums lima/store.db >after &&
	test_cmp before after
'

test_expect_success 'the damaged store message names it as corrupt' '
	exact_message lima "is corrupt: .+"
'

test_expect_success 'the store of another node is refused and left unchanged' '
	ioed_start mike &&
	ioed_start november &&
	ioectl -d mike journal add "mike was here" &&
	ioed_stop mike &&
	ioed_stop november &&
	rm -f november/store.db* &&
	cp mike/store.db* november/ &&
	sums november/store.db >before &&
	refused november "belongs to another node" &&
	sums november/store.db >after &&
	test_cmp before after
'

test_expect_success 'the other node message is exactly as documented' '
	exact_message november "belongs to another node"
'

test_expect_success 'the store of another node still works for its own node' '
	ioed_start mike &&
	ioectl -d mike journal list >out &&
	grep "mike was here" out &&
	ioectl -d mike verify
'

test_expect_success 'verify still passes on an untouched node after all this' '
	ioectl -d alpha verify
'

test_done
