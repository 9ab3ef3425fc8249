#!/bin/sh
test_description='ioectl ptt, listen and voice: errors, and a session with a fake daemon'
. "$(dirname "$0")/test-lib.sh"

# No ioed here: the relay is tested across the mesh elsewhere. This
# script checks what ioectl does alone (errors, exit statuses, usage),
# then runs ptt and listen against test-tool voice-fake-daemon, the
# self-test's fake daemon (voice-client.h): TALK in "busy" is refused by
# carol@c, in "pre" preempted by dave@d, else granted; each FRAME comes
# back to the room's listener as bob@b's.

test_lazy_prereq SOX 'sox --version'
test_lazy_prereq ALSA 'test -r /usr/share/alsa/alsa.conf'
test_lazy_prereq MANDOC 'command -v mandoc && command -v col'

raw16k="-t raw -r 16000 -c 1 -b 16 -e signed-integer"

# at_least X MIN: X >= MIN, as decimals
at_least () {
	awk -v x="$1" -v min="$2" "BEGIN { exit !(x + 0 >= min + 0) }"
}

# wav_seconds FILE: the length of a WAV file in seconds
wav_seconds () {
	soxi -D "$1"
}

# fake_start: a fake daemon on node/voice, its pid in fake.pid
fake_start () {
	mkdir -p node &&
	test_path_is_missing node/voice &&
	{ test-tool voice-fake-daemon "$TRASH_DIRECTORY/node" >fake.out 2>&1 & } &&
	echo $! >fake.pid &&
	test_atexit "kill \$(cat '$TRASH_DIRECTORY/fake.pid') 2>/dev/null" &&
	wait_until 5 "test -S node/voice"
}

# fake_stop: stops the fake daemon; fake.out says what it saw. It prints
# that once its socket is closed and the file removed.
fake_stop () {
	kill -TERM $(cat fake.pid) &&
	wait_until 5 "grep -q ^frames fake.out" &&
	test_path_is_missing node/voice &&
	cat fake.out
}

test_expect_success SOX 'set-up: a chirp, and files Opus cannot take' '
	sox -n -r 16000 -c 1 -b 16 -e signed-integer chirp.wav \
		synth 0.5 sine 200-3000 vol 0.5 &&
	sox chirp.wav -c 2 chirp-stereo.wav &&
	sox chirp.wav -r 44100 chirp44k.wav &&
	sox chirp.wav -b 24 chirp24.wav &&
	sox chirp.wav -c 3 chirp3.wav &&
	printf "RIFF" >cut.wav &&
	mkdir -p empty
'

test_expect_success 'no daemon: ptt and listen say so and exit 3' '
	test_expect_code 3 ioectl -d empty ptt --file chirp.wav ops 2>err &&
	grep "^ioectl: no daemon answers on .*empty/voice.$" err &&
	test_expect_code 3 ioectl -d empty listen --device none --record o.wav ops 2>err &&
	grep "^ioectl: no daemon answers on .*empty/voice.$" err &&
	test_expect_code 3 ioectl -d empty ptt ops </dev/null 2>err &&
	grep "no daemon answers" err &&
	test_path_is_missing o.wav &&
	test_expect_code 3 ioectl -d empty voice status 2>err &&
	grep "^ioectl: no daemon at" err
'

test_expect_success SOX 'a file Opus cannot take is refused by name, before the daemon is asked' '
	test_expect_code 1 ioectl -d empty ptt --file chirp44k.wav ops 2>err &&
	grep "^ioectl: .chirp44k.wav.: 44100 Hz; Opus takes 8000, 12000, 16000, 24000 or 48000 Hz" err &&
	test_expect_code 1 ioectl -d empty ptt --file chirp24.wav ops 2>err &&
	grep "^ioectl: .chirp24.wav.: 24 bits per sample; only 16-bit PCM is supported$" err &&
	test_expect_code 1 ioectl -d empty ptt --file chirp3.wav ops 2>err &&
	grep "^ioectl: .chirp3.wav.: 3 channels" err &&
	test_expect_code 1 ioectl -d empty ptt --file cut.wav ops 2>err &&
	grep "^ioectl: .cut.wav.: " err &&
	test_expect_code 1 ioectl -d empty ptt --file missing.wav ops 2>err &&
	grep "^ioectl: cannot open .missing.wav.: No such file or directory$" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 ioectl -d empty ptt 2>err &&
	grep "^usage: ioectl ptt " err &&
	test_expect_code 2 ioectl -d empty ptt --rate 44100 ops 2>err &&
	grep "^ioectl: bad rate .44100." err &&
	test_expect_code 2 ioectl -d empty listen --device none ops 2>err &&
	grep "^ioectl: nothing to do: --device none and no --record$" err &&
	test_expect_code 2 ioectl -d empty listen --duration soon ops 2>err &&
	grep "^ioectl: bad duration .soon." err &&
	test_expect_code 2 ioectl -d empty voice 2>err &&
	test_expect_code 2 ioectl -d empty voice status extra 2>err
'

test_expect_success SOX 'ptt sends the file in real time; listen records what comes back' '
	fake_start &&
	ioectl -d node listen --device none --record rec.wav --duration 2 ops \
		>listen.out 2>listen.err &
	lpid=$! &&
	sleep 0.3 &&
	start=$(date +%s%N) &&
	ioectl -d node ptt --file chirp.wav ops >ptt.out 2>ptt.err &&
	took=$((($(date +%s%N) - start) / 1000000)) &&
	echo "ptt took $took ms" &&
	test_must_be_empty ptt.out &&
	test_must_be_empty ptt.err &&
	test $took -ge 470 && test $took -lt 1500 &&
	wait $lpid &&
	test_must_be_empty listen.out &&
	test_must_be_empty listen.err &&
	fake_stop &&
	grep "^frames 25 seq_errors 0 stops 1 " fake.out &&
	secs=$(wav_seconds rec.wav) &&
	echo "recorded $secs s" &&
	at_least $secs 1.98 && at_least 2.3 $secs &&
	test-tool wav-compare chirp.wav rec.wav 1500 >cmp &&
	cat cmp &&
	read -r _ ref _ test _ lag _ ncc _ snr <cmp &&
	at_least $ncc 0.8
'

test_expect_success SOX 'stereo is mixed into one channel; -v says what was sent' '
	fake_start &&
	ioectl -d node ptt -v --file chirp-stereo.wav ops 2>err &&
	grep "^talking in .ops. (stream 7)$" err &&
	grep "^sent 25 frames (0.50 s)$" err &&
	fake_stop &&
	grep "^frames 25 seq_errors 0" fake.out
'

test_expect_success SOX 'busy: the holder is named, exit 1' '
	fake_start &&
	test_expect_code 1 ioectl -d node ptt --file chirp.wav busy 2>err &&
	test_cmp - err <<-\EOT &&
	ioectl: busy: carol@c holds the floor in '\''busy'\''
	EOT
	fake_stop &&
	grep "^frames 0 " fake.out
'

test_expect_success SOX 'preempted: said, exit 1' '
	fake_start &&
	test_expect_code 1 ioectl -d node ptt --file chirp.wav pre 2>err &&
	test_cmp - err <<-\EOT &&
	ioectl: preempted by dave@d in '\''pre'\''
	EOT
	fake_stop
'

test_expect_success SOX 'SIGTERM ends listen cleanly: the recording is written' '
	fake_start &&
	ioectl -d node listen --device none --record term.wav ops 2>err &
	lpid=$! &&
	sleep 1 &&
	kill -TERM $lpid &&
	wait $lpid &&
	fake_stop &&
	test_must_be_empty err &&
	secs=$(wav_seconds term.wav) &&
	echo "recorded $secs s" &&
	at_least $secs 0.5 && at_least 1.5 $secs
'

test_expect_success SOX 'SIGINT ends ptt cleanly: the stream is stopped' '
	sox -n -r 16000 -c 1 -b 16 -e signed-integer long.wav synth 5 sine 300 vol 0.3 &&
	fake_start &&
	ioectl -d node ptt --file long.wav ops 2>err &
	ppid=$! &&
	sleep 0.5 &&
	kill -INT $ppid &&
	wait $ppid &&
	fake_stop &&
	test_must_be_empty err &&
	grep "^frames [0-9]* seq_errors 0 stops 1 " fake.out &&
	read -r _ n _ <fake.out &&
	test $n -ge 5 && test $n -lt 100
'

# ALSA's file plugin: the default device captures from in.raw and plays
# into out.raw (t8000-audio-dev.sh)
alsa_conf () {
	echo "ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$TRASH_DIRECTORY/asoundrc"
}

test_expect_success ALSA,SOX 'ALSA file devices: the microphone talks, listen plays on the device' '
	cat >asoundrc <<-EOF &&
	pcm.!default { type asym; playback.pcm "fileout"; capture.pcm "filein" }
	pcm.fileout { type file; slave.pcm "null"; file "$TRASH_DIRECTORY/out.raw"; format "raw" }
	pcm.filein { type file; slave.pcm "null"; file "/dev/null"; infile "$TRASH_DIRECTORY/in.raw"; format "raw" }
	EOF
	sox chirp.wav $raw16k in.raw &&
	fake_start &&
	env $(alsa_conf) ioectl -d node listen --device default --record both.wav ops 2>lerr &
	lpid=$! &&
	sleep 0.3 &&
	{ sleep 0.6; echo; } | env $(alsa_conf) ioectl -d node ptt -v ops 2>err &&
	cat err &&
	grep "^sent [0-9]* frames" err &&
	sleep 0.3 &&
	kill -INT $lpid &&
	wait $lpid &&
	test_must_be_empty lerr &&
	fake_stop &&
	sox $raw16k out.raw played.wav &&
	test-tool wav-compare chirp.wav played.wav 1500 >cmp &&
	cat cmp &&
	read -r _ ref _ test _ lag _ ncc _ snr <cmp &&
	at_least $ncc 0.8
'

test_expect_success 'listen: a device that cannot open is an error without --record' '
	fake_start &&
	test_expect_code 1 ioectl -d node listen --device no-such-device --duration 1 ops 2>err &&
	grep "^ioectl: cannot play: no audio device" err &&
	fake_stop
'

test_expect_success 'listen: the daemon refusing the room is exit 1, in its words' '
	fake_start &&
	test_expect_code 1 ioectl -d node listen --device none --record n.wav nope 2>err &&
	test_cmp - err <<-\EOT &&
	ioectl: no room '\''nope'\''
	EOT
	test_path_is_missing n.wav &&
	fake_stop
'

# voice_status RESULT.json: voice status against a control socket that
# answers RESULT.json (the daemon's voice.status is the lead's)
voice_status () {
	rm -rf ctl && mkdir ctl &&
	{ test-tool ctl-fake "$TRASH_DIRECTORY/ctl" "$1" & } &&
	test_atexit "kill $! 2>/dev/null" &&
	wait_until 5 "test -S ctl/ctl" &&
	shift &&
	ioectl -d ctl voice status "$@"
}

test_expect_success 'voice status prints rooms, streams and clients' '
	cat >full.json <<-\EOF &&
	{"rooms":[{"room":"ops","floor":{"talker":"alice@a","stream":3,"emergency":true,"since_ms":1500},"listeners":[{"user":"bob","node":"b"},{"user":"carol","node":"c"}],"recording":true},{"room":"log","floor":null,"listeners":[],"recording":false}],
	 "streams":[{"room":"ops","talker":"alice@a","stream":3,"emergency":true,"call":false,"frames":120,"lost":2,"duplicates":1,"hops_left":2,"latency_ms":12.25,"age_ms":2400,"active":true},{"room":"ops","talker":"bob@b","stream":4,"frames":5,"lost":0,"duplicates":0,"hops_left":7,"latency_ms":0.5,"age_ms":9000,"active":false}],
	 "clients":[{"user":"bob","rooms":["ops"],"talking":null,"streams":[{"stream":3,"talker":"alice@a","target_ms":60,"depth_ms":40,"received":118,"lost":2,"late":0,"concealed":1,"latency_ms":14}]},{"user":"dave","rooms":[],"talking":{"room":"log","stream":5},"streams":[]}]}
	EOF
	voice_status full.json >out &&
	cat out &&
	grep "^  ops  *floor: alice@a (emergency) for 1.5 s, recording$" out &&
	grep "^  *listeners: bob@b, carol@c$" out &&
	grep "^  log  *floor: free$" out &&
	grep "^  ops  *alice@a  *3  *120  *2  *1  *2  *12.2ms  *2.4s emergency$" out &&
	grep "^  ops  *bob@b  *4  *5  *0  *0  *7  *0.5ms  *9.0s ended$" out &&
	grep "^  bob: listens to ops$" out &&
	grep "^    alice@a  *stream 3: depth 40/60 ms, 118 received, 2 lost, 0 late, 1 concealed, latency 14 ms$" out &&
	grep "^  dave: listens to nothing; talks in log (stream 5)$" out &&
	voice_status full.json --json >json &&
	grep "^{\"rooms\":\[{\"room\":\"ops\"" json
'

test_expect_success 'voice status: missing keys do not stop it' '
	echo "{\"rooms\":[{\"floor\":{}},{}],\"streams\":[{}],\"clients\":[{\"rooms\":[1,null],\"streams\":[{}]}]}" >partial.json &&
	voice_status partial.json >out &&
	cat out &&
	echo "{}" >empty.json &&
	voice_status empty.json >out &&
	test_cmp - out <<-\EOF
	rooms: none
	streams: none
	clients: none
	EOF
'

test_expect_success MANDOC 'the voice usages are in ioectl(1) as written' '
	mandoc -T ascii -O width=200 "$TEST_DIRECTORY/../man/ioectl.1" | col -b >man.txt &&
	for c in ptt listen "voice status"
	do
		ioectl help $c || return 1
	done >help.out &&
	test_line_count = 3 help.out &&
	sed -e "s/^usage: ioectl //" help.out | while read -r u
	do
		grep -F -e "$u" man.txt >/dev/null || {
			echo "not in ioectl(1): $u" >&4
			return 1
		}
	done
'

test_done
