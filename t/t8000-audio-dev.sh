#!/bin/sh
test_description='PortAudio capture and playback for real, through ALSA file devices'
. "$(dirname "$0")/test-lib.sh"

# With no sound card, ALSA's "file" plugin makes a default device that
# captures from in.raw and plays into out.raw (doc/voice.md). The system
# configuration must come first in ALSA_CONFIG_PATH.
test_lazy_prereq ALSA 'test -r /usr/share/alsa/alsa.conf'
test_lazy_prereq SOX 'sox --version'
# A machine with a sound card has devices without any configuration.
test_lazy_prereq NO_SOUND_CARD '! test -e /proc/asound/card0'

alsa_files () {
	ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$TRASH_DIRECTORY/asoundrc "$@"
}

raw16k="-t raw -r 16000 -c 1 -b 16 -e signed-integer"

test_expect_success ALSA,SOX 'set-up: ALSA file devices, a chirp made by sox' '
	cat >asoundrc <<-EOF &&
	pcm.!default { type asym; playback.pcm "fileout"; capture.pcm "filein" }
	pcm.fileout { type file; slave.pcm "null"; file "$TRASH_DIRECTORY/out.raw"; format "raw" }
	pcm.filein { type file; slave.pcm "null"; file "/dev/null"; infile "$TRASH_DIRECTORY/in.raw"; format "raw" }
	EOF
	sox -n -r 16000 -c 1 -b 16 -e signed-integer chirp.wav \
		synth 2 sine 200-3000 vol 0.5 &&
	sox chirp.wav $raw16k in.raw &&
	test $(wc -c <in.raw) = 64000
'

test_expect_success ALSA,SOX 'the self-test finds both devices' '
	alsa_files ioe-selftest -v -t audio-dev >out &&
	grep "capture on .default.; playback on .default." out
'

test_expect_success ALSA,SOX 'playback: every sample reaches the device, in order' '
	alsa_files test-tool audio-play chirp.wav >out &&
	grep "played 32000 frames on .default." out &&
	test $(wc -c <out.raw) = 64000 &&
	cmp in.raw out.raw &&
	sox $raw16k out.raw played.wav &&
	test-tool wav-compare chirp.wav played.wav >cmp &&
	cat cmp &&
	grep "^ref 32000 test 32000 lag 0 ncc 1.0000" cmp
'

test_expect_success ALSA,SOX 'capture: 1.5 s of the chirp, the right length and the same signal' '
	alsa_files test-tool audio-capture captured.wav 1.5 >out &&
	grep "captured 24000 frames from .default." out &&
	test $(wc -c <captured.wav) = $((44 + 48000)) &&
	test-tool wav-compare chirp.wav captured.wav >cmp &&
	cat cmp &&
	grep "^ref 32000 test 24000 lag 0 ncc 1.0000" cmp
'

test_expect_success ALSA,SOX 'stereo at 48 kHz both ways' '
	sox -n -r 48000 -c 2 -b 16 -e signed-integer st.wav synth 0.5 sine 440 &&
	alsa_files test-tool audio-play st.wav >out &&
	test $(wc -c <out.raw) = $((24000 * 4)) &&
	alsa_files test-tool audio-capture st-cap.wav 0.5 48000 2 >out &&
	grep "captured 24000 frames" out &&
	test $(wc -c <st-cap.wav) = $((44 + 24000 * 4))
'

test_expect_success ALSA,NO_SOUND_CARD 'no sound card at all: a clear error, no crash' '
	test_must_fail env ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:/dev/null \
		HOME=$TRASH_DIRECTORY test-tool audio-capture x.wav 1 2>err &&
	cat err &&
	grep "no audio device: PortAudio found none" err &&
	test_must_fail env ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:/dev/null \
		test-tool audio-play chirp.wav 2>err &&
	grep "no audio device" err &&
	test_path_is_missing x.wav
'

test_expect_success ALSA 'the default device names a card that is not there' '
	echo "pcm.!default { type hw; card 7 }" >nocard &&
	test_must_fail env ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$TRASH_DIRECTORY/nocard \
		test-tool audio-capture x.wav 1 2>err &&
	cat err &&
	grep "test-tool: no audio device" err
'

test_expect_success ALSA,SOX 'an unknown device name, three channels' '
	test_must_fail alsa_files test-tool audio-capture x.wav 1 16000 1 nosuch 2>err &&
	grep "no audio device named .nosuch." err &&
	test_must_fail alsa_files test-tool audio-capture x.wav 1 16000 3 2>err &&
	grep "3 channels" err
'

test_expect_success ALSA,SOX 'a WAV that is not 16-bit PCM is refused naming the field' '
	sox -n -r 16000 -c 1 -b 24 -e signed-integer deep.wav synth 0.1 sine 440 &&
	test_must_fail alsa_files test-tool audio-play deep.wav 2>err &&
	grep "deep.wav.: 24 bits per sample" err &&
	head -c 1000 chirp.wav >cut.wav &&
	test_must_fail alsa_files test-tool audio-play cut.wav 2>err &&
	grep "cut.wav.: truncated" err
'

test_done
