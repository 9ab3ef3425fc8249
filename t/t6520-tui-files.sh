#!/bin/sh
test_description='ioe-tui files view: the tree, a file'"'"'s details, download and upload, between two nodes'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-tui.sh"

# Files are put and checked with ioectl files (doc/files.md) on alpha;
# ioe-tui runs on bravo.
test_lazy_prereq FILES 'ioectl help files >/dev/null 2>&1'
test_lazy_prereq JQ 'jq --version'

MIB=1048576

test_expect_success FILES 'set up alpha - bravo, a user on each' '
	mesh_ca alpha &&
	mesh_node bravo alpha &&
	wait_peer_up 10 alpha bravo &&
	ioectl -d alpha user add alice >/dev/null &&
	ioectl -d bravo user add bob >/dev/null
'

test_expect_success FILES,JQ 'files put on alpha with ioectl reach bravo' '
	head -c $((2 * MIB + 12345)) /dev/urandom >report.bin &&
	printf "call the duty officer first\n" >notes.txt &&
	ioectl -d alpha files put report.bin procedures/report.bin >/dev/null &&
	ioectl -d alpha files put notes.txt readme.txt >/dev/null &&
	wait_until 20 "ioectl -d bravo --json files ls procedures |
		jq -e \".entries[0].name == \\\"report.bin\\\"\" >/dev/null"
'

test_expect_success TUI,TMUX,FILES 'F4 on bravo: the tree, directories first' '
	tui_start b bravo 120 40 &&
	wait_screen 10 b "[bob@bravo]" &&
	keys b F4 &&
	wait_screen 10 b "files of the mesh on bravo" &&
	wait_screen 10 b "readme.txt" &&
	grep -F " mesh  (2 entries)" b.screen &&
	grep -E "^ procedures/ +- +- " b.screen &&
	grep -E "^ readme.txt +28 bytes +[12]\*? +alice@alpha +[0-9-]+ [0-9:]+" \
		b.screen &&
	test $(grep -n "procedures/" b.screen | cut -d: -f1) -lt \
		$(grep -n "readme.txt" b.screen | cut -d: -f1)
'

test_expect_success TUI,TMUX,FILES 'Enter goes into a directory, then shows a file: holders and history' '
	keys b Enter &&
	wait_screen 10 b " mesh > procedures  (1 entry)" &&
	grep -E "^ report.bin +2.0 MiB " b.screen &&
	keys b Enter &&
	wait_screen 10 b "History" &&
	grep -F "2.0 MiB (2109497 bytes)" b.screen &&
	grep -E "mode +0$(stat -c %a report.bin)" b.screen &&
	grep -E "[0-9]  alice@alpha  put *$" b.screen &&
	grep -E "      2.0 MiB \[[0-9a-f]{8}\] applied *$" b.screen &&
	# bravo fetches the file on its own (files.replicas 0): the details
	# follow as its chunks come
	wait_screen 20 b "3/3" &&
	grep -E "chunks here +3/3" b.screen &&
	wait_screen 20 b "2 nodes: alpha, bravo"
'

test_expect_success TUI,TMUX,FILES 'd downloads it, byte for byte, through a part file' '
	keys b d &&
	wait_screen 5 b "save '"'"'report.bin'"'"' as: " &&
	grep -F "$(pwd)/report.bin" b.screen &&
	keys b C-u &&
	type_line b got.bin &&
	wait_screen 30 b "downloaded '"'"'procedures/report.bin'"'"' to '"'"'got.bin'"'"' (2.0 MiB)" &&
	cmp report.bin got.bin &&
	test_path_is_missing got.bin.ioe-part
'

test_expect_success TUI,TMUX,FILES 'a local file is not replaced unless asked: n keeps it, y replaces it' '
	echo keep >got.bin &&
	keys b d C-u &&
	type_line b got.bin &&
	wait_screen 5 b "'"'"'got.bin'"'"' exists: replace it? (y/n)" &&
	keys b n &&
	wait_screen 5 b "download of '"'"'procedures/report.bin'"'"' cancelled" &&
	echo keep | cmp - got.bin &&
	keys b d C-u &&
	type_line b got.bin &&
	wait_screen 5 b "exists: replace it? (y/n)" &&
	keys b y &&
	wait_screen 30 b "downloaded '"'"'procedures/report.bin'"'"'" &&
	cmp report.bin got.bin
'

test_expect_success TUI,TMUX,FILES 'Backspace closes the details, then goes up' '
	keys b BSpace &&
	wait_screen_not 5 b "History" &&
	keys b BSpace &&
	wait_screen 5 b " mesh  (2 entries)"
'

test_expect_success TUI,TMUX,FILES,JQ 'u uploads a local file from bravo: alpha gets it byte for byte, as bob' '
	# a second user on bravo: the upload must say who acts
	ioectl -d bravo user add carol >/dev/null &&
	head -c $((MIB + 999)) /dev/urandom >up.bin &&
	keys b u &&
	wait_screen 5 b "upload the local file: $(pwd)/" &&
	keys b C-u &&
	type_line b "$(pwd)/up.bin" &&
	wait_screen 5 b "upload '"'"'up.bin'"'"' to the mesh path: up.bin" &&
	keys b C-u &&
	type_line b inbox/up.bin &&
	wait_screen 30 b "uploaded '"'"'up.bin'"'"' to '"'"'inbox/up.bin'"'"' (1.0 MiB, id " &&
	wait_screen 10 b "inbox/" &&
	wait_until 20 "ioectl -d alpha files get inbox/up.bin from-b.bin \
		>/dev/null 2>&1" &&
	cmp up.bin from-b.bin &&
	ioectl -d alpha --json files stat inbox/up.bin >stat.json &&
	jq -e ".user == \"bob\" and .node == \"bravo\" and
		.mode == $((0$(stat -c %a up.bin)))" stat.json
'

test_expect_success TUI,TMUX,FILES 'the view follows the mesh: a file put on alpha shows on bravo' '
	ioectl -d alpha files put notes.txt late.txt >/dev/null &&
	wait_screen 20 b "late.txt" &&
	grep -F " mesh  (4 entries)" b.screen
'

test_expect_success TUI,TMUX,FILES 'names from the mesh are shown inert' '
	ioectl -d alpha files put notes.txt "$(printf "bill\342\200\256txt.exe")" \
		>/dev/null &&
	wait_screen 20 b "bill\\u{202e}txt.exe" &&
	ioectl -d alpha files put notes.txt "$(printf "two\nlines.txt")" \
		>/dev/null &&
	wait_screen 20 b "two\\nlines.txt"
'

test_expect_success TUI,TMUX,FILES,JQ 'a path the mesh refuses: said plainly, nothing put' '
	ioectl -d bravo --json files ls >before.json &&
	keys b u C-u &&
	type_line b "$(pwd)/up.bin" &&
	keys b C-u &&
	type_line b /abs/up.bin &&
	wait_screen 10 b "cannot upload '"'"'up.bin'"'"' to '"'"'/abs/up.bin'"'"': " &&
	grep -i "relative" b.screen &&
	ioectl -d bravo --json files ls >after.json &&
	test_cmp before.json after.json
'

test_expect_success TUI,TMUX,FILES 'a missing local file: said at once' '
	keys b u C-u &&
	type_line b "$(pwd)/no-such-file" &&
	wait_screen 5 b "cannot open '"'"'$(pwd)/no-such-file'"'"': No such file" &&
	keys b Escape &&
	wait_screen 5 b "cancelled"
'

test_expect_success TUI,TMUX,FILES 'over its quota, bravo refuses an upload before any byte: said plainly' '
	ioed_stop bravo &&
	printf "files:\n  quota: 1M\n" >bravo/ioe.yaml &&
	mesh_start bravo &&
	wait_peer_up 10 bravo alpha &&
	keys b u C-u &&
	type_line b "$(pwd)/up.bin" &&
	keys b C-u &&
	type_line b inbox/q.bin &&
	wait_screen 10 b "cannot upload '"'"'up.bin'"'"' to '"'"'inbox/q.bin'"'"': quota exceeded" &&
	test_must_fail ioectl -d bravo files stat inbox/q.bin 2>/dev/null
'

test_expect_success TUI,TMUX,FILES 'Esc goes back to the rooms; /quit' '
	keys b Escape &&
	wait_screen_not 5 b "files of the mesh" &&
	type_line b /quit &&
	test "$(wait_exit 10 b)" = 0
'

test_done
