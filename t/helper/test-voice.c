/* test-tool's voice subcommands: PortAudio through whatever ALSA offers,
 * the comparison of two recordings, and the codec and jitter-buffer
 * round trip over a lossy simulated network. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audio-dev.h"
#include "jitter.h"
#include "opus-codec.h"
#include "test-tool.h"
#include "util.h"
#include "voice-client.h"
#include "wav.h"

static int
voice_fail(char *cause)
{
	fprintf(stderr, "test-tool: %s\n", cause);
	free(cause);
	return 1;
}

/* audio-play FILE.wav [DEVICE]: plays the file in 20 ms frames. */
int
test_audio_play(const char *path, const char *device)
{
	char *cause = NULL;
	wav_t *w = wav_read(path, &cause);
	audio_dev_t *dev;
	size_t frame, at;
	int rc = 0;

	if (w == NULL)
		return voice_fail(cause);
	frame = w->rate / 50;
	dev = audio_dev_open(AUDIO_DEV_PLAYBACK, device, w->rate, w->channels,
	    (unsigned)frame, &cause);
	if (dev == NULL) {
		wav_destroy(&w);
		return voice_fail(cause);
	}
	for (at = 0; at < w->frames && rc == 0; at += frame) {
		size_t n = w->frames - at < frame ? w->frames - at : frame;

		if (audio_dev_write(
		        dev, w->samples + at * w->channels, n, &cause) != 0)
			rc = voice_fail(cause);
	}
	printf("played %zu frames on '%s', %u underflows\n", w->frames,
	    audio_dev_name(dev), audio_dev_xruns(dev));
	audio_dev_destroy(&dev);
	wav_destroy(&w);
	return rc;
}

/* audio-capture OUT.wav SECONDS [RATE [CHANNELS [DEVICE]]] */
int
test_audio_capture(const char *path, double seconds, unsigned rate,
    unsigned channels, const char *device)
{
	char *cause = NULL;
	size_t total = (size_t)(seconds * rate), frame = rate / 50, at;
	audio_dev_t *dev;
	wav_t *w;
	int rc = 0;

	if (seconds <= 0 || seconds > 3600) {
		fprintf(
		    stderr, "test-tool: %g seconds: out of range\n", seconds);
		return 2;
	}
	dev = audio_dev_open(
	    AUDIO_DEV_CAPTURE, device, rate, channels, (unsigned)frame, &cause);
	if (dev == NULL)
		return voice_fail(cause);
	w = wav_new(rate, channels, total);
	for (at = 0; at < total && rc == 0; at += frame) {
		size_t n = total - at < frame ? total - at : frame;

		if (audio_dev_read(
		        dev, w->samples + at * channels, n, &cause) != 0)
			rc = voice_fail(cause);
	}
	if (rc == 0 &&
	    wav_write(path, w->samples, w->frames, rate, channels, &cause) != 0)
		rc = voice_fail(cause);
	if (rc == 0)
		printf("captured %zu frames from '%s', %u overflows\n", total,
		    audio_dev_name(dev), audio_dev_xruns(dev));
	audio_dev_destroy(&dev);
	wav_destroy(&w);
	return rc;
}

/* The correlation of ref and test lagging by lag, over every step-th
 * sample. */
static double
ncc_at(const wav_t *ref, const wav_t *test, size_t lag, size_t step)
{
	double xy = 0, xx = 0, yy = 0;

	for (size_t i = 0; i < ref->frames && i + lag < test->frames;
	     i += step) {
		double x = ref->samples[i], y = test->samples[i + lag];

		xy += x * y;
		xx += x * x;
		yy += y * y;
	}
	return xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
}

/* The correlation of ref's samples [from, to) and test lagging by lag,
 * over every step-th sample; the energy of those of ref in *energy. */
static double
ncc_part(const wav_t *ref, const wav_t *test, size_t from, size_t to,
    size_t lag, size_t step, double *energy)
{
	double xy = 0, xx = 0, yy = 0;

	for (size_t i = from; i < to && i + lag < test->frames; i += step) {
		double x = ref->samples[i], y = test->samples[i + lag];

		xy += x * y;
		xx += x * x;
		yy += y * y;
	}
	if (energy != NULL)
		*energy = xx;
	return xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
}

/* The segments of seg samples of ref, each compared at its own best lag
 * within 1 s of lag0: prints the mean of their correlations weighted
 * by their energy, and the lag of the last segment that is not silent
 * (where the end of ref is in test). A jitter buffer that grows or
 * shrinks in the middle shifts what follows by whole frames; each
 * segment is then still close to the original, though the whole is not
 * at any one lag. Each segment's figures go to stderr. */
static void
wav_compare_segments(const wav_t *ref, const wav_t *test, size_t lag0,
    size_t seg)
{
	size_t win = (size_t)ref->rate, lastlag = lag0;
	double sum = 0, weight = 0, total = 0;

	for (size_t i = 0; i < ref->frames; i++)
		total += (double)ref->samples[i] * ref->samples[i];
	for (size_t from = 0; from < ref->frames; from += seg) {
		size_t to = from + seg < ref->frames ? from + seg : ref->frames;
		size_t lo = lag0 > win ? lag0 - win : 0, best = lo, fine = lo;
		double best_ncc = -2, e = 0;

		for (size_t lag = lo; lag <= lag0 + win; lag += 2) {
			double c = ncc_part(ref, test, from, to, lag, 2, NULL);

			if (c > best_ncc) {
				best_ncc = c;
				best = lag;
			}
		}
		best_ncc = -2;
		for (size_t lag = best > 2 ? best - 2 : 0; lag <= best + 2;
		     lag++) {
			double c = ncc_part(ref, test, from, to, lag, 1, &e);

			if (c > best_ncc) {
				best_ncc = c;
				fine = lag;
			}
		}
		fflush(stdout);
		fprintf(stderr,
		    "segment at %zu ms: ncc %.4f lag %zu, %.1f %% of the "
		    "energy\n",
		    from * 1000 / ref->rate, best_ncc, fine,
		    total > 0 ? 100 * e / total : 0);
		sum += best_ncc * e;
		weight += e;
		/* a segment with 1 % of the energy is speech, not silence */
		if (e > total / 100)
			lastlag = fine;
	}
	printf(" sncc %.4f lastlag %zu", weight > 0 ? sum / weight : 0,
	    lastlag);
}

/* wav-compare REF.wav TEST.wav [MAXLAG_MS [SEGMENT_MS]]: finds the lag of
 * TEST behind REF (0..MAXLAG) of highest correlation; prints the lengths,
 * the lag, the correlation and the SNR at that lag; with SEGMENT_MS,
 * also the correlation of segments of that length each at its own lag
 * (wav_compare_segments). */
int
test_wav_compare(const char *refpath, const char *testpath, unsigned maxlag_ms,
    unsigned segment_ms)
{
	char *cause = NULL;
	wav_t *ref = wav_read(refpath, &cause), *test = NULL;
	size_t maxlag, best = 0, lo, hi;
	double best_ncc = -2, sig = 0, noise = 0;
	int rc = 1;

	if (ref == NULL || (test = wav_read(testpath, &cause)) == NULL) {
		wav_destroy(&ref);
		return voice_fail(cause);
	}
	if (ref->rate != test->rate || ref->channels != 1 ||
	    test->channels != 1) {
		fprintf(stderr,
		    "test-tool: compare mono files of one rate, "
		    "not %u Hz x %u and %u Hz x %u\n",
		    ref->rate, ref->channels, test->rate, test->channels);
		goto done;
	}
	maxlag = (size_t)ref->rate * maxlag_ms / 1000;
	/* Coarse on every 4th sample, then each lag near the best. */
	for (size_t lag = 0; lag <= maxlag && lag < test->frames; lag++) {
		double c = ncc_at(ref, test, lag, 4);

		if (c > best_ncc) {
			best_ncc = c;
			best = lag;
		}
	}
	lo = best > 8 ? best - 8 : 0;
	hi = best + 8;
	best_ncc = -2;
	for (size_t lag = lo; lag <= hi && lag < test->frames; lag++) {
		double c = ncc_at(ref, test, lag, 1);

		if (c > best_ncc) {
			best_ncc = c;
			best = lag;
		}
	}
	for (size_t i = 0; i < ref->frames && i + best < test->frames; i++) {
		double d = (double)test->samples[i + best] - ref->samples[i];

		sig += (double)ref->samples[i] * ref->samples[i];
		noise += d * d;
	}
	printf("ref %zu test %zu lag %zu ncc %.4f snr %.2f", ref->frames,
	    test->frames, best, best_ncc,
	    noise > 0 ? 10 * log10(sig / noise) : 99.0);
	if (segment_ms > 0)
		wav_compare_segments(ref, test, best,
		    (size_t)ref->rate * segment_ms / 1000);
	printf("\n");
	rc = 0;
done:
	wav_destroy(&ref);
	wav_destroy(&test);
	return rc;
}

static uint32_t
rt_rand(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

typedef struct rt_packet {
	uint32_t seq;
	int64_t arrival;
	uint8_t data[OPUS_CODEC_PACKET_MAX];
	int len;
} rt_packet_t;

static int
rt_cmp(const void *a, const void *b)
{
	const rt_packet_t *x = a, *y = b;

	return (x->arrival > y->arrival) - (x->arrival < y->arrival);
}

/* voice-roundtrip IN.wav OUT.wav LOSS_PCT SEED [JITTER_MS]: encodes IN
 * (mono, an Opus rate) in 20 ms packets, drops LOSS_PCT of them at
 * random, delays the rest by 5 ms plus 0..JITTER_MS (default 10), puts
 * them through the jitter buffer ticking every 20 ms and decodes with
 * FEC or PLC for lost frames. OUT holds every tick's output. */
int
test_voice_roundtrip(const char *inpath, const char *outpath, unsigned loss_pct,
    uint32_t seed, unsigned jitter_ms)
{
	char *cause = NULL;
	wav_t *in = wav_read(inpath, &cause), *out = NULL;
	opus_codec_enc_t *enc = NULL;
	opus_codec_dec_t *dec = NULL;
	jitter_t *jb = NULL;
	rt_packet_t *pkts = NULL;
	int16_t *pad = NULL;
	size_t frame, nframes, npkts = 0, at = 0, ticks = 0, maxticks;
	unsigned dropped = 0, fec = 0, plc = 0, played = 0, conceal = 0;
	bool started = false;
	jitter_stats_t st;
	int rc = 1;

	if (in == NULL)
		return voice_fail(cause);
	if (in->channels != 1 || opus_codec_check_rate(in->rate, &cause) != 0) {
		fprintf(stderr, "test-tool: '%s': %s\n", inpath,
		    cause != NULL ? cause : "not mono");
		free(cause);
		goto done;
	}
	frame = opus_codec_frame_samples(in->rate);
	/* One frame more than the signal, for the encoder's look-ahead. */
	nframes = (in->frames + frame - 1) / frame + 1;
	pad = xcalloc(nframes * frame, sizeof *pad);
	memcpy(pad, in->samples, in->frames * sizeof *pad);
	enc = opus_codec_enc_new(in->rate, 0, OPUS_CODEC_LOSS, &cause);
	dec = opus_codec_dec_new(in->rate, &cause);
	if (enc == NULL || dec == NULL) {
		rc = voice_fail(cause);
		goto done;
	}
	pkts = xcalloc(nframes, sizeof *pkts);
	for (size_t i = 0; i < nframes; i++) {
		rt_packet_t *p = &pkts[npkts];

		p->len = opus_codec_encode(
		    enc, pad + i * frame, p->data, sizeof p->data, &cause);
		if (p->len < 0) {
			rc = voice_fail(cause);
			goto done;
		}
		if (rt_rand(&seed) % 1000 < loss_pct * 10) {
			dropped++;
			continue;
		}
		p->seq = (uint32_t)i;
		p->arrival =
		    (int64_t)i * 20000 + 5000 +
		    (jitter_ms ? rt_rand(&seed) % (jitter_ms * 1000) : 0);
		npkts++;
	}
	qsort(pkts, npkts, sizeof *pkts, rt_cmp);

	jb = jitter_new(OPUS_CODEC_FRAME_MS);
	maxticks = nframes + 100;
	out = wav_new(in->rate, 1, maxticks * frame);
	for (ticks = 0; ticks < maxticks; ticks++) {
		int64_t now = 7000 + (int64_t)ticks * 20000;
		int16_t *pcm = out->samples + ticks * frame;
		jitter_out_t o;
		int n = 0;

		for (; at < npkts && pkts[at].arrival <= now; at++)
			jitter_put(jb, 1, pkts[at].seq, pkts[at].data,
			    (size_t)pkts[at].len, pkts[at].arrival);
		jitter_get(jb, 1, now, &o);
		switch (o.kind) {
		case JITTER_EMPTY:
			if (started && at == npkts)
				goto finished;
			break;
		case JITTER_FRAME:
			started = true;
			played++;
			n = opus_codec_decode(dec, o.data, o.len, pcm, &cause);
			break;
		case JITTER_LOST:
			if (o.data != NULL) {
				fec++;
				n = opus_codec_decode_fec(
				    dec, o.data, o.len, pcm, &cause);
			} else {
				plc++;
				n = opus_codec_decode(
				    dec, NULL, 0, pcm, &cause);
			}
			break;
		case JITTER_CONCEAL:
			conceal++;
			n = opus_codec_decode(dec, NULL, 0, pcm, &cause);
			break;
		}
		if (n < 0) {
			rc = voice_fail(cause);
			goto done;
		}
	}
finished:
	out->frames = ticks * frame;
	if (wav_write(outpath, out->samples, out->frames, out->rate, 1,
	        &cause) != 0) {
		rc = voice_fail(cause);
		goto done;
	}
	jitter_stats(jb, 1, &st);
	printf("packets %zu dropped %u played %u fec %u plc %u conceal %u "
	       "late %llu target %u lookahead %u\n",
	    nframes, dropped, played, fec, plc, conceal,
	    (unsigned long long)st.late, st.target_ms,
	    opus_codec_enc_lookahead(enc));
	rc = 0;
done:
	wav_destroy(&in);
	wav_destroy(&out);
	opus_codec_enc_destroy(&enc);
	opus_codec_dec_destroy(&dec);
	jitter_destroy(&jb);
	free(pkts);
	free(pad);
	return rc;
}

int
test_voice_fake_daemon(const char *dir)
{
	char *endpoint = xasprintf("ipc://%s/voice", dir), *path;
	int frames = 0, seq_errors = 0, stops = 0, stats = 0, pings = 0;
	zactor_t *fake = zactor_new(voice_client_fake_daemon, endpoint);

	/* czmq's handler sets zsys_interrupted on SIGINT and SIGTERM. */
	while (!zsys_interrupted)
		zclock_sleep(20);
	zstr_send(fake, "REPORT");
	zsock_recv(fake, "iiiii", &frames, &seq_errors, &stops, &stats, &pings);
	zactor_destroy(&fake);
	/* The context's end may remove the socket file: have it done, and
	 * the file gone, before saying so, so that the next fake daemon's
	 * is never removed. */
	zsys_shutdown();
	path = xasprintf("%s/voice", dir);
	unlink(path);
	free(path);
	printf("frames %d seq_errors %d stops %d stats %d pings %d\n", frames,
	    seq_errors, stops, stats, pings);
	fflush(stdout);
	free(endpoint);
	return 0;
}

int
test_ctl_fake(const char *dir, const char *result_path)
{
	char *endpoint = xasprintf("ipc://%s/ctl", dir), *cause = NULL;
	size_t len;
	char *text = read_file(result_path, 1 << 20, &len, &cause);
	zsock_t *router = zsock_new(ZMQ_ROUTER);
	json_t *result;

	if (text == NULL || (result = json_loads(text, 0, NULL)) == NULL) {
		fprintf(stderr, "test-tool: %s\n",
		    cause != NULL ? cause : "not JSON");
		return 1;
	}
	if (zsock_bind(router, "%s", endpoint) != 0) {
		fprintf(stderr, "test-tool: cannot bind '%s'\n", endpoint);
		return 1;
	}
	/* One reply, then quit. */
	{
		zmsg_t *msg = zmsg_recv(router);
		zframe_t *id = zmsg_pop(msg), *empty = zmsg_pop(msg);
		char *req = zmsg_popstr(msg);
		json_t *r = json_loads(req, 0, NULL), *reply;
		char *out;

		reply = json_pack("{s:O, s:O}", "id", json_object_get(r, "id"),
		    "result", result);
		out = json_dumps(reply, JSON_COMPACT);
		zframe_send(&id, router, ZFRAME_MORE);
		zframe_send(&empty, router, ZFRAME_MORE);
		zstr_send(router, out);
		free(out);
		free(req);
		json_decref(r);
		json_decref(reply);
		zmsg_destroy(&msg);
	}
	zclock_sleep(100);
	zsock_destroy(&router);
	json_decref(result);
	free(text);
	free(endpoint);
	return 0;
}
