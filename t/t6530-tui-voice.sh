#!/bin/sh
test_description='ioe-tui voice across a line a - b - c: F5 talks from the microphone with a level meter and c hears it, busy while b holds the floor, F6 preempts b, /call mixes two talkers'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-ioed.sh"
. "$TEST_DIRECTORY/lib-mesh.sh"
. "$TEST_DIRECTORY/lib-files.sh"
. "$TEST_DIRECTORY/lib-tui.sh"

# ioe-tui on a talks from the default ALSA device, which captures from
# in.raw (a tone) and plays into out.raw (doc/voice.md, RECIPES); every
# process started here has it, the tmux server included.
test_lazy_prereq ALSA 'test -r /usr/share/alsa/alsa.conf'
test_lazy_prereq SOX 'sox --version'
test_lazy_prereq JQ 'jq --version'
ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$TRASH_DIRECTORY/asoundrc
export ALSA_CONFIG_PATH

# streams NODE: NODE's voice status, its streams as "talker call frames"
streams () {
	ioectl -d "$1" --json voice status |
	jq -r '.streams[] | "\(.talker) \(.call) \(.frames)"'
}

# rms WAV: its RMS amplitude (0..1)
rms () {
	sox "$1" -n stat 2>&1 | awk '/^RMS +amplitude/ { print $3 }'
}

at_least () {
	awk -v x="$1" -v min="$2" "BEGIN { exit !(x + 0 >= min + 0) }"
}

test_expect_success ALSA,SOX,JQ 'set up a line a - b - c, a room, ALSA file devices and signals' '
	cat >asoundrc <<-EOF &&
	pcm.!default { type asym; playback.pcm "fileout"; capture.pcm "filein" }
	pcm.fileout { type file; slave.pcm "null"; file "$TRASH_DIRECTORY/out.raw"; format "raw" }
	pcm.filein { type file; slave.pcm "null"; file "/dev/null"; infile "$TRASH_DIRECTORY/in.raw"; format "raw" }
	EOF
	sox -n -r 16000 -c 1 -b 16 -e signed-integer -t raw in.raw \
		synth 60 sine 300 vol 0.3 &&
	sox -n -r 16000 -c 1 -b 16 -e signed-integer bob.wav \
		synth 4 sine 600 vol 0.3 &&
	sox -n -r 16000 -c 1 -b 16 -e signed-integer bob-long.wav \
		synth 10 sine 600 vol 0.3 &&
	files_line_abc &&
	ioectl -d a room create ops &&
	wait_converged 10 a b c
'

test_expect_success TUI,TMUX,ALSA,SOX,JQ 'F5 on a: TALKING with a meter, and c two hops away hears it' '
	tui_start ta a 120 30 &&
	wait_screen 10 ta "[alice@a]" &&
	wait_screen 10 ta "[2:ops]" &&
	{ ioectl -d c listen --device none --duration 8 --record heard.wav ops \
		>listen.out 2>&1; echo $? >listen.rc; } &
	wait_until 10 "listening c ops carol" &&
	keys ta F5 &&
	wait_screen 5 ta "TALKING [#" &&
	grep -E "voice ops: floor: (alice@a|free) TALKING \[#+-*\] -1[0-9] dBFS" \
		ta.screen &&
	grep -F "[voice ops: TALKING]" ta.screen &&
	wait_until 5 "streams c | grep -q \"^alice@a false [1-9]\"" &&
	wait_screen 10 ta "carol@c" &&
	grep -F "| listening: " ta.screen &&
	sleep 2 &&
	keys ta F5 &&
	wait_screen_not 5 ta "TALKING" &&
	wait_until 15 "test -s listen.rc" &&
	cat listen.out &&
	test "$(cat listen.rc)" = 0 &&
	level=$(rms heard.wav) &&
	echo "c heard RMS $level" &&
	at_least "$level" 0.01
'

test_expect_success TUI,TMUX,ALSA,SOX,JQ 'while b holds the floor, F5 on a says BUSY with b'"'"'s user' '
	{ ioectl -d b ptt --file bob.wav ops >ptt.out 2>&1; echo $? >ptt.rc; } &
	wait_screen 5 ta "floor: bob@b" &&
	keys ta F5 &&
	wait_screen 5 ta "BUSY: bob@b holds the floor" &&
	grep -F "voice: busy: bob@b holds the floor in '"'"'ops'"'"'" ta.screen &&
	! grep -F "TALKING" ta.screen &&
	wait_until 10 "test -s ptt.rc" &&
	test "$(cat ptt.rc)" = 0 &&
	wait_screen 5 ta "floor: free"
'

test_expect_success TUI,TMUX,ALSA,SOX,JQ 'F6 on a preempts b: b'"'"'s ptt exits 1 saying so' '
	rm -f ptt.rc &&
	{ ioectl -d b ptt --file bob-long.wav ops >ptt.out 2>&1; echo $? >ptt.rc; } &
	wait_screen 5 ta "floor: bob@b" &&
	keys ta F6 &&
	wait_screen 5 ta "EMERGENCY floor: alice@a TALKING (EMERGENCY) [#" &&
	wait_until 5 "test -s ptt.rc" &&
	cat ptt.out &&
	test "$(cat ptt.rc)" = 1 &&
	grep "preempted by alice@a" ptt.out &&
	keys ta F6 &&
	wait_screen_not 5 ta "TALKING" &&
	wait_screen 5 ta "floor: free"
'

test_expect_success TUI,TMUX,ALSA,SOX,JQ '/call: a and c talk at once, b hears both' '
	rm -f listen.rc &&
	{ ioectl -d b listen --device none --duration 7 --record call.wav ops \
		>listen.out 2>&1; echo $? >listen.rc; } &
	wait_until 10 "listening b ops bob" &&
	type_line ta /call &&
	wait_screen 5 ta "voice ops: CALL" &&
	wait_screen 5 ta "TALKING [#" &&
	{ ioectl -d c ptt --call --file bob.wav ops >cptt.out 2>&1; echo $? >cptt.rc; } &
	wait_screen 5 ta "heard: carol@c" &&
	wait_until 5 "streams b | grep -q \"^alice@a true [1-9]\"" &&
	wait_until 5 "streams b | grep -q \"^carol@c true [1-9]\"" &&
	wait_until 10 "test -s cptt.rc" &&
	test "$(cat cptt.rc)" = 0 &&
	type_line ta /hangup &&
	wait_screen_not 5 ta "[voice" &&
	wait_until 10 "test -s listen.rc" &&
	test "$(cat listen.rc)" = 0 &&
	level=$(rms call.wav) &&
	echo "b heard RMS $level" &&
	at_least "$level" 0.01
'

test_expect_success TUI,TMUX 'voice off, /quit' '
	type_line ta /quit &&
	test "$(wait_exit 10 ta)" = 0
'

test_expect_success TUI,TMUX,ALSA 'no audio device: F5 says so in the room, ioe-tui goes on' '
	t new-session -d -s tb -x 120 -y 30 \
		-e ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:/dev/null \
		"cd '"'"'$TRASH_DIRECTORY'"'"' && ioe-tui -d b 2>tb.err; echo \$? >tb.rc" &&
	wait_screen 10 tb "[bob@b]" &&
	type_line tb "/join ops" &&
	wait_screen 10 tb "[2:ops]" &&
	keys tb F5 &&
	wait_screen 10 tb "voice: cannot talk in '"'"'ops'"'"': no audio device" &&
	grep -F "voice: cannot play: no audio device" tb.screen &&
	grep -F "voice ops: floor: free" tb.screen &&
	! grep -F TALKING tb.screen &&
	type_line tb "still here" &&
	wait_screen 5 tb "still here" &&
	type_line tb /hangup &&
	wait_screen_not 5 tb "voice ops:" &&
	type_line tb /quit &&
	test "$(wait_exit 10 tb)" = 0
'

test_done
