#!/bin/sh
test_description='speech through Opus, 10 % packet loss, the jitter buffer and FEC/PLC'
. "$(dirname "$0")/test-lib.sh"

# espeak-ng speaks, sox makes it 16 kHz mono; test-tool voice-roundtrip
# encodes 20 ms packets, drops LOSS % of them at random (seeded),
# delays the rest by 5 ms plus 0..10 ms, puts them through the jitter
# buffer and decodes with FEC or PLC; wav-compare finds the lag and
# measures the correlation (ncc) and SNR against the original.
#
# Thresholds (doc/voice.md): measured with espeak-ng 1.51 and opus 1.3.1,
# ncc 0.930 / SNR 8.7 dB without loss; with 10 % loss ncc 0.907..0.927
# and SNR 7.5..8.5 dB over seeds 1..30 (0.919 / 8.1 dB for seed 1).
NCC_CLEAN=0.90 SNR_CLEAN=7.0
NCC_LOSS=0.85 SNR_LOSS=5.0

test_lazy_prereq ESPEAK 'espeak-ng --version'
test_lazy_prereq SOX 'sox --version'

# at_least X MIN: X >= MIN, as decimals
at_least () {
	awk -v x="$1" -v min="$2" "BEGIN { exit !(x + 0 >= min + 0) }"
}

# check_roundtrip OUT.wav NCC SNR: OUT lags in.wav by the codec look-ahead
# plus the jitter buffer's depth (at most 200 ms), is long enough to hold
# all of it, and is as close as asked
check_roundtrip () {
	test-tool wav-compare in.wav "$1" >cmp &&
	cat cmp &&
	read -r _ ref _ test _ lag _ ncc _ snr <cmp &&
	test "$lag" -ge 104 && test "$lag" -le $((104 + 3200)) &&
	test "$test" -ge $((ref + lag)) &&
	test "$test" -le $((ref + lag + 16000)) &&
	at_least "$ncc" "$2" &&
	at_least "$snr" "$3"
}

test_expect_success ESPEAK,SOX 'set-up: 6.5 s of speech at 16 kHz mono' '
	espeak-ng -w speech.wav "The generator on the second floor is failing. Switch the radio room to battery power and report to the command post." &&
	sox -D speech.wav -r 16000 -c 1 -b 16 -e signed-integer in.wav &&
	test $(wc -c <in.wav) -gt 160000
'

test_expect_success ESPEAK,SOX 'no loss: every packet played, close to the original' '
	test-tool voice-roundtrip in.wav clean.wav 0 1 >stats &&
	cat stats &&
	grep "dropped 0 played 328 fec 0" stats &&
	check_roundtrip clean.wav $NCC_CLEAN $SNR_CLEAN
'

test_expect_success ESPEAK,SOX '10 % loss: FEC rebuilds most lost frames, still intelligible' '
	test-tool voice-roundtrip in.wav lossy.wav 10 1 >stats &&
	cat stats &&
	read -r _ n _ dropped _ played _ fec _ plc _ <stats &&
	test $((played + dropped)) = $n &&
	test $dropped -ge 16 && test $dropped -le 50 &&
	test $((fec + plc)) -ge $dropped &&
	test $((fec * 2)) -gt $dropped &&
	check_roundtrip lossy.wav $NCC_LOSS $SNR_LOSS
'

test_expect_success ESPEAK,SOX 'the same seed gives the same output' '
	test-tool voice-roundtrip in.wav again.wav 10 1 >stats2 &&
	cmp lossy.wav again.wav
'

test_expect_success ESPEAK,SOX 'a 44.1 kHz input is refused with the reason' '
	sox speech.wav -r 44100 -c 1 -b 16 -e signed-integer cd.wav &&
	test_must_fail test-tool voice-roundtrip cd.wav x.wav 0 1 2>err &&
	grep "cd.wav.: sample rate 44100 is not one Opus takes" err
'

test_done
