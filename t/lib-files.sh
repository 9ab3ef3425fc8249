# lib-files.sh - helpers for the tests of the file ledger (doc/files.md)
#
# Source after test-lib.sh and lib-ioed.sh:
#	. "$TEST_DIRECTORY/lib-files.sh"
#
#	random_file FILE MIB	FILE made of MIB MiB of random bytes
#	chunk_hashes FILE	the SHA-256 of each 1 MiB chunk of FILE, in
#				order, one a line (the manifest's chunks)
#	chunk_file NODE HASH	print NODE's file for chunk HASH
#				(NODE/chunks/XX/HASH)
#	chunks_on_disk NODE LIST
#				print how many of the chunks listed in the
#				file LIST NODE has on disk
#	flip_byte FILE OFFSET	flip the lowest bit of byte OFFSET of FILE,
#				in place
#	fstat NODE PATH JQ	print JQ (a jq filter) of 'files stat PATH'
#				on NODE; fails if there is no PATH
#	fstatus NODE FIELD	print FIELD of the files object of NODE's
#				status
#	file_complete NODE PATH	NODE holds every chunk of PATH
#	wait_complete SECS PATH NODE...
#				every NODE holds every chunk of PATH
#				within SECS seconds (each); PATH may hold
#				spaces and parentheses, not '"', '$' or '`'
#				(wait_until evaluates it)
#	wait_holders SECS PATH N NODE...
#				every NODE counts N holders of PATH within
#				SECS seconds (each)
#	get_cmp NODE PATH EXPECTED
#				'files get PATH' on NODE gives the bytes of
#				the local file EXPECTED
#	tree_json NODE [PATH]	'files ls --json PATH' on NODE, its rows
#				sorted by path, keys sorted (for test_cmp)
#	files_line_abc		a line a - b - c (a the CA; c reaches a only
#				through b), every link up, users alice on
#				a, bob on b, carol on c, the three converged

random_file () {
	head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1" &&
	test $(wc -c <"$1") = $(($2 * 1024 * 1024))
}

chunk_hashes () {
	split -b 1048576 --filter='sha256sum' "$1" | cut -c1-64
}

chunk_file () {
	echo "$1/chunks/$(echo "$2" | cut -c1-2)/$2"
}

chunks_on_disk () {
	cd_n_=0
	while read -r cd_h_
	do
		test ! -f "$(chunk_file "$1" "$cd_h_")" || cd_n_=$((cd_n_ + 1))
	done <"$2"
	echo $cd_n_
}

flip_byte () {
	fb_v_=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ') &&
	test -n "$fb_v_" &&
	fb_o_=$(printf '%03o' $((fb_v_ ^ 1))) &&
	printf "\\$fb_o_" |
		dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null &&
	test "$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')" = $((fb_v_ ^ 1))
}

fstat () {
	ioectl -d "$1" --json files stat "$2" >"fstat.$1.json" 2>/dev/null &&
	jq -r "$3" "fstat.$1.json"
}

fstatus () {
	ioectl -d "$1" --json status >"fstatus.$1.json" &&
	jq -r ".files.$2" "fstatus.$1.json"
}

file_complete () {
	ioectl -d "$1" --json files stat "$2" >"fc.$1.json" 2>/dev/null &&
	jq -e '.chunks_here == .chunks and .local == true' "fc.$1.json" \
		>/dev/null
}

wait_complete () {
	wcp_secs_=$1
	wcp_path_=$2
	shift 2
	for wcp_n_
	do
		if ! wait_until "$wcp_secs_" \
			"file_complete $wcp_n_ \"$wcp_path_\""
		then
			echo "$wcp_n_ does not hold all of '$wcp_path_':" >&4
			ioectl -d "$wcp_n_" files stat "$wcp_path_" >&4 2>&1
			ioectl -d "$wcp_n_" --json status | jq -c .files >&4 2>&1
			return 1
		fi
	done
}

wait_holders () {
	wh_secs_=$1
	wh_path_=$2
	wh_want_=$3
	shift 3
	for wh_n_
	do
		if ! wait_until "$wh_secs_" \
			"test \"\$(fstat $wh_n_ \"$wh_path_\" .holders)\" = $wh_want_"
		then
			echo "$wh_n_ does not count $wh_want_ holders of '$wh_path_':" >&4
			ioectl -d "$wh_n_" files stat "$wh_path_" >&4 2>&1
			return 1
		fi
	done
}

get_cmp () {
	rm -f "got.$1" &&
	ioectl -d "$1" files get -f "$2" "got.$1" >/dev/null &&
	cmp "$3" "got.$1" &&
	rm -f "got.$1"
}

tree_json () {
	if test $# -gt 1
	then
		ioectl -d "$1" --json files ls "$2"
	else
		ioectl -d "$1" --json files ls
	fi >"tree.$1.json" &&
	jq -S '.entries | sort_by(.path)' "tree.$1.json"
}

files_line_abc () {
	mesh_ca a &&
	mesh_node b a &&
	mesh_node c b &&
	wait_peer_up 10 b a &&
	wait_peer_up 10 b c &&
	wait_peer_up 10 a b &&
	wait_peer_up 10 c b &&
	ioectl -d a user add alice &&
	ioectl -d b user add bob &&
	ioectl -d c user add carol &&
	wait_converged 10 a b c
}
