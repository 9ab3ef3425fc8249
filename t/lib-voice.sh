# lib-voice.sh - helpers for the tests of speech across the mesh
#
# Source after test-lib.sh and lib-ioed.sh:
#	. "$TEST_DIRECTORY/lib-voice.sh"
#
#	prerequisites ESPEAK (espeak-ng) and SOX (sox)
#	at_least X MIN		X >= MIN, as decimals
#	listening NODE ROOM WHO	the map of node a shows WHO listening in ROOM
#				on NODE

test_lazy_prereq ESPEAK 'espeak-ng --version'
test_lazy_prereq SOX 'sox --version'

at_least () {
	awk -v x="$1" -v min="$2" "BEGIN { exit !(x + 0 >= min + 0) }"
}

listening () {
	ioectl -d a --json map >map.json &&
	jq -e --arg n "$1" --arg r "$2" --arg u "$3" \
		'any(.nodes[]; .name == $n and ((.voice[$r] // []) | index($u)))' \
		map.json >/dev/null
}
