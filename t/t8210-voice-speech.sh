#!/bin/sh
test_description='speech across the mesh on loopback: ioectl ptt --file on a, ioectl listen --record on c two hops away (t8220: across network namespaces, with loss and beside a file transfer)'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-files.sh"
. "$TEST_DIRECTORY/lib-voice.sh"

# Thresholds (doc/voice.md), from the measures there: the correlation
# (ncc) of what c recorded with what a said, after alignment.
NCC_CLEAN=0.88
NCC_LOSS=0.80

# speak_to_c NCC: c listens and records while a talks speech.wav; c's
# recording holds the whole of it, as close as NCC; c's voice status
# right after in vs.json
speak_to_c () {
	rm -f heard.wav || return 1
	{ ioectl -d c listen --device none --duration 12 --record heard.wav ops >listen.out 2>&1; echo $? >listen.rc; } &
	wait_until 10 "listening c ops carol" &&
	ioectl -d a ptt --file in.wav ops &&
	# Now: a spurt is shown for 10 s after it ends, and wav-compare
	# takes seconds.
	ioectl -d c --json voice status >vs.json &&
	wait &&
	cat listen.out &&
	test "$(cat listen.rc)" = 0 &&
	test-tool wav-compare in.wav heard.wav 6000 >cmp &&
	cat cmp &&
	read -r _ ref _ test _ lag _ ncc _ snr <cmp &&
	test "$test" -ge $((ref + lag)) &&
	at_least "$ncc" "$1"
}

test_expect_success ESPEAK,SOX 'set-up: 6.5 s of speech, a line a - b - c and a room' '
	espeak-ng -w speech.wav "The generator on the second floor is failing. Switch the radio room to battery power and report to the command post." &&
	sox -D speech.wav -r 16000 -c 1 -b 16 -e signed-integer in.wav &&
	files_line_abc &&
	ioectl -d a room create ops &&
	wait_converged 10 a b c
'

test_expect_success ESPEAK,SOX 'on loopback: c hears what a said, two hops away' '
	speak_to_c $NCC_CLEAN &&
	jq -e ".streams[] | select(.talker == \"alice@a\") | .frames >= 320 and .lost == 0" vs.json
'

test_expect_success ESPEAK,SOX 'ioectl voice status shows the stream, the listener and the client while a talks' '
	{ ioectl -d c listen --device none --duration 5 --record l3.wav ops >l3.out 2>&1; } &
	wait_until 10 "listening c ops carol" || return 1
	{ ioectl -d a ptt --file in.wav ops >ptt.out 2>&1; } &
	wait_until 5 "ioectl -d b --json voice status | jq -e \"any(.streams[]; .talker == \\\"alice@a\\\" and .active)\"" &&
	ioectl -d b --json voice status >vsb.json &&
	ioectl -d b voice status >vs.txt &&
	cat vsb.json vs.txt &&
	grep "listeners: carol@c" vs.txt &&
	grep "ops  *alice@a" vs.txt &&
	ioectl -d c --json voice status >vsc.json &&
	jq -e "any(.clients[]; .rooms == [\"ops\"])" vsc.json &&
	wait
'

test_done
