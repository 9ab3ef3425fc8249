/* bench/voice: what the voice relay costs in time and CPU, measured on
 * nodes on loopback, beside the ZeroMQ round trip of the same loopback.
 *
 *   voice [-hK] [-s SECONDS] [-S STREAMS] [-n FRAMES]
 *
 * (voice --help says what each option does.) In a temporary directory, n0
 * is the certificate authority of a mesh and issues n1..n4 their
 * certificates; the five start on 127.0.0.1 as a line, each linked to the
 * one before, with the user "bench" on every node and the room "bench"
 * created on n0 and replicated. Then:
 *
 * - latency per hop: a listener on each of n1..n4 LISTENs; a talker on n0
 *   sends an Opus stream of a speech-like signal, one frame every 20 ms
 *   by the monotonic clock, each stamped with the wall clock just before
 *   it is sent (its capture). Each listener notes the wall clock of each
 *   frame's arrival (the network latency: arrival - capture). What a hop
 *   adds is the arrival at node k less the arrival of the same frame at
 *   node k - 1 (for n1: less the capture). The playout is then played
 *   from the arrivals: each frame put into a jitter_t when it arrived,
 *   what plays taken at ticks every 20 ms, as a client does, for every
 *   phase of the ticks in 1 ms steps (capture to playout: the tick -
 *   capture; no audio device buffer).
 * - CPU per stream: opus_codec_encode and opus_codec_decode of 20 ms
 *   frames of the same signal at 16 and 48 kHz, in this process.
 * - relay capacity: n3 and n4 are stopped, leaving the line n0 - n1 - n2;
 *   S talkers on n0 (each its own DEALER and TALK in call mode, their
 *   frames spread over the 20 ms) and a listener on n2, for S = 1, 2, 5,
 *   ... up to -S; n1's CPU from its threads' schedstat. It stops at the
 *   first S that loses a frame or whose p99 passes 50 ms.
 * - the ZeroMQ round trip of a voice frame's size over loopback TCP, plain
 *   and with CURVE (a link's), before and after.
 *
 * Only the processes started here are ever signalled, by the pids they
 * wrote in their directories; every wait is bounded.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "datadir.h"
#include "jitter.h"
#include "opus-codec.h"
#include "proto.h"
#include "util.h"
#include "wire.h"

#define VOICE_NODES    5
#define VOICE_ROOM     "bench"
#define VOICE_USER     "bench"
#define VOICE_FRAME_US 20000
#define VOICE_RATE     16000
/* Pre-encoded frames (1 s of signal), sent round and round: the relay
 * never decodes, and the encoder's time is measured apart. */
#define VOICE_LOOP 50
/* An answer of the daemon on the voice socket. */
#define VOICE_REPLY_MS 5000
/* The listeners' rooms reaching the talker's node by gossip. */
#define VOICE_ROUTE_WAIT_US 30000000
/* After the last frame, for those still on their way. */
#define VOICE_DRAIN_US 1000000
/* Kept alive: the daemon forgets a client silent for 5 s. */
#define VOICE_PING_US     1000000
#define VOICE_STREAMS_MAX 1000
/* Over which the relay's CPU with nothing to relay is measured. */
#define VOICE_IDLE_US          3000000
#define VOICE_CODEC_FRAMES_MAX 100000
/* The capacity steps stop past this p99. */
#define VOICE_P99_LIMIT_US 50000
/* A voice frame on the socket: 24 kbit/s Opus is 60 bytes, and the
 * headers of the mesh's VOICE about as many. */
#define VOICE_RTT_SIZE 128

struct voice_opts {
	int seconds; /* per case */
	int max_streams;
	int codec_frames;
	bool keep;
};

const char *const bench_prog = "voice";

/* What the exit cleans up. */
static char *voice_tmp;
static char *voice_dirs[VOICE_NODES];
static bool voice_keep;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: voice [-hK] [-s SECONDS] [-S STREAMS] "
	            "[-n FRAMES]\n");
	if (status != 0)
		exit(status);
	fprintf(fp,
	    "\n"
	    "Voice through the relay of ioed on a line of nodes on 127.0.0.1:\n"
	    "latency per hop (network and capture to playout), Opus CPU per\n"
	    "stream, and how many streams one node relays; beside the ZeroMQ\n"
	    "round trip of the same loopback, same run.\n"
	    "\n"
	    "  -s SECONDS  how long each stream case talks (default 5)\n"
	    "  -S STREAMS  the most talkers at once through the relay "
	    "(default 200)\n"
	    "  -n FRAMES   20 ms frames encoded and decoded per codec figure\n"
	    "              (default 1000)\n"
	    "  -K          keep the temporary directory (node logs)\n"
	    "  -h, --help  this help\n"
	    "\n"
	    "Environment: IOE_BUILD_DIR (where src/ioed is; default: the "
	    "build\n"
	    "this program is in), TMPDIR.\n");
	exit(0);
}

/* --- the signal ----------------------------------------------------------- */

/* Frame k of a speech-like signal at rate: a voiced sound of 120 Hz with
 * its harmonics and a slow vibrato, in syllables of 4 a second, over a
 * little noise. */
static void
voice_signal(int16_t *pcm, unsigned rate, uint64_t k, uint64_t *noise)
{
	unsigned n = opus_codec_frame_samples(rate);

	for (unsigned i = 0; i < n; i++) {
		double t = (double)(k * n + i) / rate;
		double f0 = 120 + 10 * sin(2 * M_PI * 0.7 * t);
		double env = 0.5 + 0.5 * sin(2 * M_PI * 4 * t);
		double v = 0;

		for (int h = 1; h <= 8; h++)
			v += sin(2 * M_PI * f0 * h * t) / h;
		*noise =
		    *noise * 6364136223846793005ULL + 1442695040888963407ULL;
		v = v * env * 5000 +
		    ((double)(int32_t)(*noise >> 32) / 2147483648.0) * 300;
		pcm[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

/* VOICE_LOOP frames of the signal, encoded. */
struct voice_packets {
	uint8_t data[VOICE_LOOP][OPUS_CODEC_PACKET_MAX];
	size_t len[VOICE_LOOP];
};

static int
voice_encode_loop(struct voice_packets *p, char **cause)
{
	opus_codec_enc_t *enc =
	    opus_codec_enc_new(VOICE_RATE, 0, OPUS_CODEC_LOSS, cause);
	int16_t pcm[OPUS_CODEC_FRAME_MAX];
	uint64_t noise = 1;
	int rc = 0;

	if (enc == NULL)
		return -1;
	for (int k = 0; k < VOICE_LOOP && rc == 0; k++) {
		int len;

		voice_signal(pcm, VOICE_RATE, (uint64_t)k, &noise);
		if ((len = opus_codec_encode(
		         enc, pcm, p->data[k], sizeof p->data[k], cause)) < 0)
			rc = -1;
		else
			p->len[k] = (size_t)len;
	}
	opus_codec_enc_destroy(&enc);
	return rc;
}

/* --- a client of the voice socket ----------------------------------------- */

/* The answer to the last command, FRAMEs, FLOORs and PONGs skipped: its
 * frames after the command, which is want. Returns the message, or NULL
 * with *cause set. */
static zmsg_t *
voice_answer(zsock_t *sock, const char *what, const char *want, char **cause)
{
	int64_t deadline = time_mono_us() + VOICE_REPLY_MS * 1000;

	while (time_mono_us() < deadline && !zsys_interrupted) {
		zmsg_t *msg;
		char *cmd;

		zmq_pollitem_t item = {zsock_resolve(sock), 0, ZMQ_POLLIN, 0};

		if (zmq_poll(&item, 1, 100) <= 0)
			continue;
		if ((msg = zmsg_recv(sock)) == NULL)
			break;
		cmd = zmsg_popstr(msg);
		if (cmd != NULL && strcmp(cmd, want) == 0) {
			free(cmd);
			return msg;
		}
		if (cmd != NULL && strcmp(cmd, "FRAME") != 0 &&
		    strcmp(cmd, "FLOOR") != 0 && strcmp(cmd, "PONG") != 0) {
			char *text = zmsg_popstr(msg), *more = zmsg_popstr(msg);

			fail(cause, "%s: %s %s %s", what, cmd,
			    text != NULL ? text : "", more != NULL ? more : "");
			free(text);
			free(more);
			free(cmd);
			zmsg_destroy(&msg);
			return NULL;
		}
		free(cmd);
		zmsg_destroy(&msg);
	}
	fail(cause, "%s: no %s within %d ms", what, want, VOICE_REPLY_MS);
	return NULL;
}

/* A client of the voice socket of the node at dir, welcomed. Returns
 * it, or NULL with *cause set. */
static zsock_t *
voice_open(const char *dir, char **cause)
{
	char *ep = datadir_endpoint(dir, "voice", cause);
	zsock_t *sock;
	zmsg_t *msg;

	if (ep == NULL)
		return NULL;
	sock = zsock_new_dealer(ep);
	free(ep);
	if (sock == NULL) {
		fail(cause, "cannot connect to the voice socket of '%s'",
		    bench_node_name(dir));
		return NULL;
	}
	zsock_set_sndhwm(sock, 10000);
	zsock_set_rcvhwm(sock, 100000);
	zstr_sendx(sock, "HELLO", VOICE_SOCKET_VERSION, NULL);
	if ((msg = voice_answer(sock, "HELLO", "WELCOME", cause)) == NULL) {
		zsock_destroy(&sock);
		return NULL;
	}
	zmsg_destroy(&msg);
	return sock;
}

static int
voice_listen(zsock_t *sock, char **cause)
{
	zmsg_t *msg;

	zstr_sendx(sock, "LISTEN", VOICE_ROOM, VOICE_USER, NULL);
	if ((msg = voice_answer(sock, "LISTEN", "OK", cause)) == NULL)
		return -1;
	zmsg_destroy(&msg);
	return 0;
}

/* TALK in mode; the stream granted goes to *stream. */
static int
voice_talk(zsock_t *sock, const char *mode, uint32_t *stream, char **cause)
{
	zframe_t *f;
	zmsg_t *msg;

	zstr_sendx(sock, "TALK", VOICE_ROOM, VOICE_USER, mode, "normal", NULL);
	if ((msg = voice_answer(sock, "TALK", "GRANTED", cause)) == NULL)
		return -1;
	f = zmsg_last(msg);
	if (f == NULL || zframe_size(f) != 4) {
		zmsg_destroy(&msg);
		return fail(cause, "TALK: a GRANTED without a stream");
	}
	*stream = be32_get(zframe_data(f));
	zmsg_destroy(&msg);
	return 0;
}

/* STOP of each of the n talkers' streams, all sent before any answer is
 * waited for, so that n of them take one wait at most. */
static void
voice_stop(zsock_t **socks, const uint32_t *streams, int n)
{
	char *cause = NULL;
	zmsg_t *msg;

	for (int i = 0; i < n; i++) {
		msg = zmsg_new();
		zmsg_addstr(msg, "STOP");
		wire_add_u32(msg, streams[i]);
		zmsg_send(&msg, socks[i]);
	}
	for (int i = 0; i < n; i++) {
		msg = voice_answer(socks[i], "STOP", "OK", &cause);
		zmsg_destroy(&msg);
		free(cause);
		cause = NULL;
	}
}

/* Sends frame seq of stream, stamped with the wall clock now. */
static void
voice_frame(
    zsock_t *sock, uint32_t stream, uint32_t seq, const struct voice_packets *p)
{
	zmsg_t *msg = zmsg_new();

	zmsg_addstr(msg, "FRAME");
	wire_add_u32(msg, stream);
	wire_add_u32(msg, seq);
	wire_add_u64(msg, (uint64_t)time_now_us());
	zmsg_addmem(msg, p->data[seq % VOICE_LOOP], p->len[seq % VOICE_LOOP]);
	zmsg_send(&msg, sock);
}

/* Whatever the daemon sent a talker, dropped. */
static void
voice_drain(zsock_t *sock)
{
	zmsg_t *msg;

	while (zsock_events(sock) & ZMQ_POLLIN) {
		if ((msg = zmsg_recv(sock)) == NULL)
			break;
		zmsg_destroy(&msg);
	}
}

/* --- the talkers ------------------------------------------------------------
 * One thread sends for every talker: talker i's frame seq at start + seq *
 * 20 ms + i * 20 ms / n, so that n talkers do not all send at once. */

struct voice_talkers {
	int n;
	zsock_t **socks;
	uint32_t *streams;
	const struct voice_packets *p;
	uint32_t frames;  /* per talker */
	int64_t start;    /* time_mono_us() */
	uint64_t sent;    /* frames, all talkers */
	int64_t late_max; /* how far behind its time a send went */
};

static void *
voice_talkers_run(void *arg)
{
	struct voice_talkers *t = arg;
	uint64_t total = (uint64_t)t->frames * (uint64_t)t->n;

	for (uint64_t k = 0; k < total && !zsys_interrupted; k++) {
		int i = (int)(k % (uint64_t)t->n);
		uint32_t seq = (uint32_t)(k / (uint64_t)t->n);
		int64_t due = t->start + (int64_t)seq * VOICE_FRAME_US +
		              (int64_t)i * VOICE_FRAME_US / t->n;
		int64_t now = time_mono_us();

		if (due > now) {
			usleep((useconds_t)(due - now));
			now = time_mono_us();
		}
		if (now - due > t->late_max)
			t->late_max = now - due;
		voice_frame(t->socks[i], t->streams[i], seq, t->p);
		t->sent++;
		if (seq % (VOICE_PING_US / VOICE_FRAME_US) == 0) {
			zstr_send(t->socks[i], "PING");
			voice_drain(t->socks[i]);
		}
	}
	return NULL;
}

/* --- the listeners ----------------------------------------------------------
 * One thread receives for every listener: it notes when each frame of the
 * talkers' streams arrives, and in what order. */

struct voice_ear {
	zsock_t *sock;
	int64_t *arrival; /* wall clock, per talker and seq; 0: not */
	int64_t *mono;    /* time_mono_us() of the same */
	int64_t *capture; /* the frame's capture_us, the same way */
	size_t *order;    /* of arrival: talker * frames + seq */
	uint64_t received, foreign, dups;
};

struct voice_ears {
	int n;
	struct voice_ear *ears;
	int ntalkers;
	const uint32_t *streams; /* the talkers' */
	uint32_t frames;         /* per talker */
	int64_t until;           /* time_mono_us() to stop at */
	atomic_bool ready;
};

static int
voice_talker_of(const struct voice_ears *e, uint32_t stream)
{
	for (int i = 0; i < e->ntalkers; i++)
		if (e->streams[i] == stream)
			return i;
	return -1;
}

static void
voice_ear_frame(struct voice_ears *e, struct voice_ear *ear, zmsg_t *msg,
    int64_t wall, int64_t mono)
{
	zframe_t *f[8];
	int talker;
	uint32_t stream, seq;
	size_t at;

	/* FRAME room talker stream seq capture_us flags opus */
	f[0] = zmsg_first(msg);
	for (int i = 1; i < 8; i++)
		f[i] = zmsg_next(msg);
	if (f[7] == NULL || zframe_size(f[3]) != 4 || zframe_size(f[4]) != 4 ||
	    zframe_size(f[5]) != 8)
		return;
	stream = be32_get(zframe_data(f[3]));
	seq = be32_get(zframe_data(f[4]));
	if ((talker = voice_talker_of(e, stream)) < 0 || seq >= e->frames) {
		ear->foreign++;
		return;
	}
	at = (size_t)talker * e->frames + seq;
	if (ear->arrival[at] != 0) {
		ear->dups++;
		return;
	}
	ear->arrival[at] = wall;
	ear->mono[at] = mono;
	ear->capture[at] = (int64_t)be64_get(zframe_data(f[5]));
	ear->order[ear->received++] = at;
}

static void *
voice_ears_run(void *arg)
{
	struct voice_ears *e = arg;
	zmq_pollitem_t *items = xcalloc((size_t)e->n, sizeof *items);
	int64_t next_ping = time_mono_us();

	for (int i = 0; i < e->n; i++) {
		items[i].socket = zsock_resolve(e->ears[i].sock);
		items[i].events = ZMQ_POLLIN;
	}
	atomic_store(&e->ready, true);
	while (!zsys_interrupted) {
		int64_t now = time_mono_us(), next = e->until;
		long wait;

		if (now >= e->until)
			break;
		if (now >= next_ping) {
			for (int i = 0; i < e->n; i++)
				zstr_send(e->ears[i].sock, "PING");
			next_ping += VOICE_PING_US;
		}
		if (next_ping < next)
			next = next_ping;
		wait = (long)((next - time_mono_us() + 999) / 1000);
		if (zmq_poll(items, e->n, wait > 0 ? wait : 0) <= 0)
			continue;
		for (int i = 0; i < e->n; i++) {
			zmsg_t *msg;

			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			while (zsock_events(e->ears[i].sock) & ZMQ_POLLIN) {
				int64_t wall = time_now_us();
				int64_t mono = time_mono_us();

				if ((msg = zmsg_recv(e->ears[i].sock)) == NULL)
					break;
				if (zframe_streq(zmsg_first(msg), "FRAME"))
					voice_ear_frame(
					    e, &e->ears[i], msg, wall, mono);
				zmsg_destroy(&msg);
			}
		}
	}
	free(items);
	return NULL;
}

/* One run: the talkers send frames each, the listeners hear them until
 * VOICE_DRAIN_US after the last. */
static int
voice_run(struct voice_talkers *t, struct voice_ears *e, char **cause)
{
	pthread_t tt, te;
	int err;

	e->streams = t->streams;
	e->ntalkers = t->n;
	e->frames = t->frames;
	for (int i = 0; i < e->n; i++) {
		size_t n = (size_t)t->n * t->frames;

		e->ears[i].arrival = xcalloc(n, sizeof(int64_t));
		e->ears[i].capture = xcalloc(n, sizeof(int64_t));
		e->ears[i].mono = xcalloc(n, sizeof(int64_t));
		e->ears[i].order = xcalloc(n, sizeof(size_t));
		e->ears[i].received = e->ears[i].foreign = e->ears[i].dups = 0;
	}
	/* The first frame goes out a little after the listeners are. */
	t->start = time_mono_us() + 100000;
	t->sent = 0;
	t->late_max = 0;
	e->until =
	    t->start + (int64_t)t->frames * VOICE_FRAME_US + VOICE_DRAIN_US;
	atomic_store(&e->ready, false);
	if ((err = pthread_create(&te, NULL, voice_ears_run, e)) != 0)
		return fail(cause, "cannot start a thread: %s", strerror(err));
	if ((err = pthread_create(&tt, NULL, voice_talkers_run, t)) != 0) {
		fprintf(stderr, "%s: cannot start a thread: %s\n", bench_prog,
		    strerror(err));
		abort();
	}
	pthread_join(tt, NULL);
	pthread_join(te, NULL);
	return zsys_interrupted ? fail(cause, "interrupted") : 0;
}

static void
voice_ears_free(struct voice_ears *e)
{
	for (int i = 0; i < e->n; i++) {
		free(e->ears[i].arrival);
		free(e->ears[i].capture);
		free(e->ears[i].mono);
		free(e->ears[i].order);
		e->ears[i].arrival = e->ears[i].capture = NULL;
		e->ears[i].mono = NULL;
		e->ears[i].order = NULL;
	}
}

/* Talks on the talker's socket until every listener hears it, so that
 * the mesh has learnt where they are; then stops. */
static int
voice_routes(zsock_t *talker, zsock_t **ears, int n,
    const struct voice_packets *p, char **cause)
{
	int64_t deadline = time_mono_us() + VOICE_ROUTE_WAIT_US;
	int64_t t0 = time_mono_us(), next = t0;
	uint32_t stream, seq = 0;
	bool *heard = xcalloc((size_t)n, sizeof *heard);
	int left = n, rc = -1;

	if (voice_talk(talker, "ptt", &stream, cause) != 0)
		goto done;
	while (left > 0) {
		if (time_mono_us() >= deadline || zsys_interrupted) {
			fail(cause, "%d listener%s heard nothing in %d s", left,
			    left == 1 ? "" : "s",
			    VOICE_ROUTE_WAIT_US / 1000000);
			goto stop;
		}
		if (time_mono_us() >= next) {
			voice_frame(talker, stream, seq++, p);
			if (seq % 50 == 0)
				zstr_send(talker, "PING");
			voice_drain(talker);
			next += VOICE_FRAME_US;
		}
		for (int i = 0; i < n; i++) {
			zmsg_t *msg;

			while (zsock_events(ears[i]) & ZMQ_POLLIN) {
				if ((msg = zmsg_recv(ears[i])) == NULL)
					break;
				if (!heard[i] &&
				    zframe_streq(zmsg_first(msg), "FRAME")) {
					heard[i] = true;
					left--;
				}
				zmsg_destroy(&msg);
			}
		}
		usleep(2000);
	}
	fprintf(stderr, "%s: every listener hears n0 after %.2f s\n",
	    bench_prog, (time_mono_us() - t0) / 1e6);
	rc = 0;
stop:
	voice_stop(&talker, &stream, 1);
	/* What is still on its way is not the figures'. */
	usleep(VOICE_DRAIN_US);
	for (int i = 0; i < n; i++) {
		zmsg_t *msg;

		while (zsock_events(ears[i]) & ZMQ_POLLIN) {
			if ((msg = zmsg_recv(ears[i])) == NULL)
				break;
			zmsg_destroy(&msg);
		}
	}
done:
	free(heard);
	return rc;
}

/* --- the table ------------------------------------------------------------
 * Printed at the end, after what the run was and its load: the figures
 * gather in voice_out meanwhile. */

static FILE *voice_out;

static void
voice_header(const char *title)
{
	fprintf(voice_out, "\n%s\n", title);
	fprintf(voice_out, "%-52s %7s %6s %9s %9s  %s\n", "figure", "frames",
	    "lost", "p50 µs", "p99 µs", "beside it");
}

/* A figure; lost, p50 and p99 below 0 are unknown. */
static void
voice_row(const char *figure, uint64_t frames, int64_t lost, int64_t p50,
    int64_t p99, const char *beside)
{
	char l[24] = "-", a[24] = "-", b[24] = "-";

	if (lost >= 0)
		snprintf(l, sizeof l, "%" PRId64, lost);
	if (p50 >= 0)
		snprintf(a, sizeof a, "%" PRId64, p50);
	if (p99 >= 0)
		snprintf(b, sizeof b, "%" PRId64, p99);
	fprintf(voice_out, "%-52s %7" PRIu64 " %6s %8s %8s  %s\n", figure,
	    frames, l, a, b, beside != NULL ? beside : "");
}

static void
voice_row_lat(const char *figure, uint64_t frames, int64_t lost,
    bench_samples_t *lat, const char *beside)
{
	voice_row(figure, frames, lost, bench_samples_percentile(lat, 50),
	    bench_samples_percentile(lat, 99), beside);
}

/* --- playout ---------------------------------------------------------------
 * What a listener of one stream plays when, from the arrivals: each frame
 * put into a jitter_t as it arrived, and what plays taken at every tick
 * of 20 ms, as a client with an audio clock does. The clock's phase
 * against the talker's is anyone's: every phase of VOICE_PHASE_US steps
 * over the 20 ms is played, and all their playouts are the figure. */

#define VOICE_PHASE_US 1000

/* Adds capture to playout of each frame played to lat; the jitter's
 * counts of the last phase go to *js. */
static void
voice_playout(const struct voice_ear *ear, uint32_t stream, uint32_t frames,
    bench_samples_t *lat, jitter_stats_t *js)
{
	/* The wall clock less the monotonic one, for capture_us. */
	int64_t off = time_now_us() - time_mono_us();

	if (ear->received == 0)
		return;
	for (int64_t phase = 0; phase < VOICE_FRAME_US;
	     phase += VOICE_PHASE_US) {
		jitter_t *j = jitter_new(VOICE_FRAME_US / 1000);
		int64_t tick = ear->mono[ear->order[0]] + phase;
		int64_t end = ear->mono[ear->order[ear->received - 1]] +
		              JITTER_MAX_MS * 1000 + 2 * VOICE_FRAME_US;
		size_t next = 0;

		for (; tick <= end; tick += VOICE_FRAME_US) {
			jitter_out_t out;

			for (; next < ear->received &&
			       ear->mono[ear->order[next]] <= tick;
			     next++) {
				size_t at = ear->order[next];

				/* One stream: at is its seq. */
				jitter_put(j, stream, (uint32_t)at,
				    (const uint8_t *)"", 1, ear->mono[at]);
			}
			jitter_get(j, stream, tick, &out);
			if (out.kind == JITTER_FRAME && out.seq < frames)
				bench_samples_add(
				    lat, tick + off - ear->capture[out.seq]);
		}
		jitter_stats(j, stream, js);
		jitter_destroy(&j);
	}
}

/* --- latency per hop ------------------------------------------------------ */

static int
voice_hops(
    const struct voice_opts *o, const struct voice_packets *p, char **cause)
{
	struct voice_ear ears[VOICE_NODES - 1];
	struct voice_ears e;
	struct voice_talkers t;
	zsock_t *talker = NULL, *socks[VOICE_NODES - 1];
	uint32_t stream;
	int nears = VOICE_NODES - 1, rc = -1;

	memset(ears, 0, sizeof ears);
	memset(&e, 0, sizeof e);
	memset(&t, 0, sizeof t);
	memset(socks, 0, sizeof socks);
	for (int k = 0; k < nears; k++) {
		if ((socks[k] = voice_open(voice_dirs[k + 1], cause)) == NULL ||
		    voice_listen(socks[k], cause) != 0)
			goto done;
		ears[k].sock = socks[k];
	}
	if ((talker = voice_open(voice_dirs[0], cause)) == NULL ||
	    voice_routes(talker, socks, nears, p, cause) != 0 ||
	    voice_talk(talker, "ptt", &stream, cause) != 0)
		goto done;
	fprintf(stderr,
	    "%s: one talker on n0, a listener on each of n1..n4, "
	    "%d s\n",
	    bench_prog, o->seconds);
	t.n = 1;
	t.socks = &talker;
	t.streams = &stream;
	t.p = p;
	t.frames = (uint32_t)(o->seconds * (1000000 / VOICE_FRAME_US));
	e.n = nears;
	e.ears = ears;
	if (voice_run(&t, &e, cause) != 0)
		goto done;
	voice_stop(&talker, &stream, 1);

	voice_header("latency per hop: one talker on n0, a listener on each "
	             "of n1..n4 (the line n0 - n1 - n2 - n3 - n4)");
	for (int k = 0; k < nears; k++) {
		struct voice_ear *ear = &ears[k];
		bench_samples_t *net = bench_samples_new(t.frames);
		bench_samples_t *hop = bench_samples_new(t.frames);
		bench_samples_t *play = bench_samples_new(
		    (size_t)t.frames * (VOICE_FRAME_US / VOICE_PHASE_US));
		jitter_stats_t js;
		char figure[128], target[96];

		memset(&js, 0, sizeof js);
		voice_playout(ear, stream, t.frames, play, &js);
		for (uint32_t s = 0; s < t.frames; s++) {
			int64_t before =
			    k == 0 ? ear->capture[s] : ears[k - 1].arrival[s];

			if (ear->arrival[s] == 0)
				continue;
			bench_samples_add(
			    net, ear->arrival[s] - ear->capture[s]);
			if (before != 0)
				bench_samples_add(
				    hop, ear->arrival[s] - before);
		}
		snprintf(figure, sizeof figure,
		    "%d hop%s (n%d): network, "
		    "capture to arrival",
		    k + 1, k == 0 ? "" : "s", k + 1);
		snprintf(
		    target, sizeof target, "duplicates %" PRIu64, ear->dups);
		voice_row_lat(figure, ear->received,
		    (int64_t)t.frames - (int64_t)ear->received, net, target);
		snprintf(figure, sizeof figure,
		    "%d hop%s (n%d): added by "
		    "n%d -> n%d",
		    k + 1, k == 0 ? "" : "s", k + 1, k, k + 1);
		snprintf(target, sizeof target, "%s",
		    k == 0 ? "n0 takes it from the talker and sends it on"
		           : "target: under 1000 µs a hop");
		voice_row_lat(
		    figure, bench_samples_count(hop), -1, hop, target);
		snprintf(figure, sizeof figure,
		    "%d hop%s (n%d): capture to "
		    "playout (jitter)",
		    k + 1, k == 0 ? "" : "s", k + 1);
		snprintf(target, sizeof target,
		    "%s%d clock phases; jitter "
		    "target %u ms",
		    k == 2 ? "target: under 60000 µs; " : "",
		    VOICE_FRAME_US / VOICE_PHASE_US, js.target_ms);
		voice_row_lat(figure, bench_samples_count(play),
		    (int64_t)t.frames * (VOICE_FRAME_US / VOICE_PHASE_US) -
		        (int64_t)bench_samples_count(play),
		    play, target);
		bench_samples_destroy(&net);
		bench_samples_destroy(&hop);
		bench_samples_destroy(&play);
	}
	fprintf(voice_out,
	    "  (the talker sent each frame at most %" PRId64 " µs after "
	    "its time)\n",
	    t.late_max);
	rc = 0;
done:
	for (int k = 0; k < nears; k++) {
		if (socks[k] != NULL) {
			zmsg_t *msg;
			char *c = NULL;

			zstr_sendx(socks[k], "UNLISTEN", VOICE_ROOM, NULL);
			msg = voice_answer(socks[k], "UNLISTEN", "OK", &c);
			zmsg_destroy(&msg);
			free(c);
		}
		zsock_destroy(&socks[k]);
	}
	e.n = nears;
	e.ears = ears;
	voice_ears_free(&e);
	zsock_destroy(&talker);
	return rc;
}

/* --- CPU per stream ------------------------------------------------------- */

/* Encodes then decodes o->codec_frames frames of the signal at each
 * rate, each call timed. */
static int
voice_codec(const struct voice_opts *o, char **cause)
{
	static const unsigned rates[] = {16000, 48000};
	size_t n = (size_t)o->codec_frames;
	int16_t pcm[OPUS_CODEC_FRAME_MAX];
	uint8_t(*packets)[OPUS_CODEC_PACKET_MAX];
	size_t *lens = xcalloc(n, sizeof *lens);
	int rc = -1;

	packets = xcalloc(n, sizeof *packets);
	fprintf(voice_out,
	    "\nCPU per stream: Opus in this process, %zu frames "
	    "of 20 ms of a speech-like signal, mono, %d kbit/s, "
	    "FEC for %d%% loss\n",
	    n, OPUS_CODEC_BITRATE / 1000, OPUS_CODEC_LOSS);
	fprintf(voice_out, "%-52s %7s %9s %9s %9s  %s\n", "figure", "frames",
	    "mean µs", "p50 µs", "p99 µs", "of one core per stream");
	for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		opus_codec_enc_t *enc = NULL;
		opus_codec_dec_t *dec = NULL;
		bench_samples_t *lat[2];
		int64_t sum[2] = {0, 0};
		uint64_t noise = 1;

		if ((enc = opus_codec_enc_new(
		         rates[r], 0, OPUS_CODEC_LOSS, cause)) == NULL ||
		    (dec = opus_codec_dec_new(rates[r], cause)) == NULL) {
			opus_codec_enc_destroy(&enc);
			goto done;
		}
		lat[0] = bench_samples_new(n);
		lat[1] = bench_samples_new(n);
		for (size_t k = 0; k < n && rc != -2; k++) {
			int64_t t0, t1;
			int len;

			voice_signal(pcm, rates[r], k, &noise);
			t0 = time_mono_us();
			len = opus_codec_encode(
			    enc, pcm, packets[k], sizeof packets[k], cause);
			t1 = time_mono_us();
			if (len < 0)
				rc = -2;
			lens[k] = len > 0 ? (size_t)len : 0;
			bench_samples_add(lat[0], t1 - t0);
			sum[0] += t1 - t0;
		}
		for (size_t k = 0; k < n && rc != -2; k++) {
			int64_t t0 = time_mono_us(), t1;
			int got = opus_codec_decode(
			    dec, packets[k], lens[k], pcm, cause);

			t1 = time_mono_us();
			if (got < 0)
				rc = -2;
			bench_samples_add(lat[1], t1 - t0);
			sum[1] += t1 - t0;
		}
		for (int d = 0; d < 2 && rc != -2; d++) {
			double mean = (double)sum[d] / (double)n;
			char figure[96];

			snprintf(figure, sizeof figure, "Opus %s, %u kHz",
			    d == 0 ? "encode" : "decode", rates[r] / 1000);
			fprintf(voice_out,
			    "%-52s %7zu %8.1f %8" PRId64 " %8" PRId64
			    "  %.2f %%\n",
			    figure, n, mean,
			    bench_samples_percentile(lat[d], 50),
			    bench_samples_percentile(lat[d], 99),
			    100 * mean / VOICE_FRAME_US);
		}
		bench_samples_destroy(&lat[0]);
		bench_samples_destroy(&lat[1]);
		opus_codec_enc_destroy(&enc);
		opus_codec_dec_destroy(&dec);
		if (rc == -2)
			goto done;
	}
	rc = 0;
done:
	free(packets);
	free(lens);
	return rc < 0 ? -1 : 0;
}

/* --- relay capacity ------------------------------------------------------- */

static const int voice_steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500};

/* S talkers in call mode on n0, heard on n2 through n1. */
static int
voice_capacity(
    const struct voice_opts *o, const struct voice_packets *p, char **cause)
{
	zsock_t **talkers = xcalloc(VOICE_STREAMS_MAX, sizeof *talkers);
	uint32_t *streams = xcalloc(VOICE_STREAMS_MAX, sizeof *streams);
	struct voice_ear ear;
	struct voice_ears e;
	int open = 0, rc = -1;
	uint32_t frames = (uint32_t)(o->seconds * (1000000 / VOICE_FRAME_US));
	int64_t idle_c;
	double idle_rate;

	memset(&ear, 0, sizeof ear);
	memset(&e, 0, sizeof e);
	e.n = 1;
	e.ears = &ear;
	for (int i = VOICE_NODES - 1; i >= 3; i--) {
		fprintf(stderr, "%s: stopping %s\n", bench_prog,
		    bench_node_name(voice_dirs[i]));
		if (bench_stop(voice_dirs[i], cause) != 0)
			goto done;
	}
	if ((ear.sock = voice_open(voice_dirs[2], cause)) == NULL ||
	    voice_listen(ear.sock, cause) != 0 ||
	    (talkers[open++] = voice_open(voice_dirs[0], cause)) == NULL ||
	    voice_routes(talkers[0], &ear.sock, 1, p, cause) != 0)
		goto done;

	/* What n1 spends with nothing to relay: gossip, pings. */
	{
		int64_t i0 = bench_cpu_ns(voice_dirs[1]), m0 = time_mono_us();

		usleep(VOICE_IDLE_US);
		idle_c = bench_cpu_ns(voice_dirs[1]);
		idle_rate =
		    i0 >= 0 && idle_c >= 0
		        ? (double)(idle_c - i0) / (double)(time_mono_us() - m0)
		        : 0; /* ns per µs */
	}
	voice_header("relay capacity: S talkers on n0 in call mode, a listener "
	             "on n2, through n1 (the line n0 - n1 - n2)");
	for (size_t k = 0; k < sizeof voice_steps / sizeof voice_steps[0] &&
	                   voice_steps[k] <= o->max_streams;
	     k++) {
		int s = voice_steps[k];
		struct voice_talkers t;
		bench_samples_t *net;
		int64_t c0, c1, t0, t1, p99, lost;
		char figure[96], beside[160];

		while (open < s) {
			if ((talkers[open] =
			            voice_open(voice_dirs[0], cause)) == NULL)
				goto done;
			open++;
		}
		for (int i = 0; i < s; i++)
			if (voice_talk(
			        talkers[i], "call", &streams[i], cause) != 0)
				goto done;
		fprintf(stderr, "%s: %d talker%s on n0 for %d s\n", bench_prog,
		    s, s == 1 ? "" : "s", o->seconds);
		memset(&t, 0, sizeof t);
		t.n = s;
		t.socks = talkers;
		t.streams = streams;
		t.p = p;
		t.frames = frames;
		c0 = bench_cpu_ns(voice_dirs[1]);
		t0 = time_mono_us();
		if (voice_run(&t, &e, cause) != 0)
			goto done;
		c1 = bench_cpu_ns(voice_dirs[1]);
		t1 = time_mono_us();
		voice_stop(talkers, streams, s);
		net = bench_samples_new((size_t)s * frames);
		for (size_t i = 0; i < (size_t)s * frames; i++)
			if (ear.arrival[i] != 0)
				bench_samples_add(
				    net, ear.arrival[i] - ear.capture[i]);
		lost = (int64_t)t.sent - (int64_t)ear.received;
		snprintf(figure, sizeof figure,
		    "%d stream%s: network n0 -> n1 "
		    "-> n2",
		    s, s == 1 ? "" : "s");
		if (c0 >= 0 && c1 >= 0 && ear.received > 0) {
			double ns = (double)(c1 - c0);
			double busy = ns - idle_rate * (double)(t1 - t0);

			snprintf(beside, sizeof beside,
			    "n1: %.1f %% of a core, "
			    "%.1f µs a frame above "
			    "idle; sends late <= %" PRId64 " µs; "
			    "duplicates %" PRIu64,
			    ns / 1e3 / (double)(t1 - t0) * 100,
			    (busy > 0 ? busy : 0) / 1e3 / (double)ear.received,
			    t.late_max, ear.dups);
		} else
			snprintf(beside, sizeof beside, "n1 CPU unknown");
		voice_row_lat(figure, ear.received, lost, net, beside);
		p99 = bench_samples_percentile(net, 99);
		bench_samples_destroy(&net);
		voice_ears_free(&e);
		if (lost > 0 || p99 > VOICE_P99_LIMIT_US) {
			fprintf(voice_out, "  stopped at %d streams: %s\n", s,
			    lost > 0 ? "frames lost" : "p99 above 50000 µs");
			break;
		}
	}
	rc = 0;
done:
	voice_ears_free(&e);
	zsock_destroy(&ear.sock);
	for (int i = 0; i < open; i++)
		zsock_destroy(&talkers[i]);
	free(talkers);
	free(streams);
	return rc;
}

/* --- the reference -------------------------------------------------------- */

static int
voice_reference(const char *when, char **cause)
{
	int port = bench_port(cause);

	if (port < 0)
		return -1;
	fprintf(stderr, "%s: ZeroMQ round trips on 127.0.0.1:%d (%s)\n",
	    bench_prog, port, when);
	fprintf(voice_out,
	    "\nreference, same run (%s): ZeroMQ REQ/REP round "
	    "trips on loopback TCP, in one process\n",
	    when);
	fprintf(voice_out, "%-52s %7s %6s %9s %9s  %s\n", "figure", "trips", "",
	    "p50 µs", "p99 µs", "");
	for (int curve = 0; curve < 2; curve++) {
		struct bench_row row;
		char figure[96];

		memset(&row, 0, sizeof row);
		if (bench_rtt(port, curve, VOICE_RTT_SIZE, 100000, 2, when,
		        when, &row, cause) != 0)
			return -1;
		snprintf(figure, sizeof figure, "round trip of %d bytes, %s",
		    VOICE_RTT_SIZE, curve ? "CURVE (as a link)" : "plain");
		voice_row(figure, row.st.ops, -1, row.st.p50, row.st.p99,
		    "one way: about half");
		bench_row_free(&row);
	}
	return 0;
}

/* --- the nodes ------------------------------------------------------------ */

/* n0 issues the others' certificates; then the line starts, and the
 * room and users are set up once every link is up. */
static int
voice_nodes_up(const char *ioed, const char *ioectl, struct bench_node *nodes,
    char **cause)
{
	char *init[] = {"pki", "init", "--mesh", "bench", NULL};
	int64_t t0 = time_mono_us(), deadline = t0 + BENCH_SETUP_WAIT_US;

	if (mkdir(nodes[0].dir, 0700) != 0)
		return fail(cause, "cannot create '%s': %s", nodes[0].dir,
		    strerror(errno));
	if (bench_node_start(ioed, &nodes[0], NULL, cause) != 0 ||
	    bench_ioectl(ioectl, nodes[0].dir, init, cause) != 0)
		return -1;
	for (int i = 1; i < VOICE_NODES; i++) {
		char *issue[] = {"pki", "issue", (char *)nodes[i].name, "--out",
		    nodes[i].dir, NULL};

		if (bench_ioectl(ioectl, nodes[0].dir, issue, cause) != 0)
			return -1;
	}
	if (bench_stop(nodes[0].dir, cause) != 0 ||
	    bench_node_start(ioed, &nodes[0], NULL, cause) != 0)
		return -1;
	for (int i = 1; i < VOICE_NODES; i++)
		if (bench_node_start(ioed, &nodes[i], &nodes[i - 1], cause) !=
		    0)
			return -1;
	for (int i = 0; i < VOICE_NODES;) {
		int want = i == 0 || i == VOICE_NODES - 1 ? 1 : 2;

		if (bench_links_up(nodes[i].dir) >= want) {
			i++;
			continue;
		}
		if (time_mono_us() >= deadline || zsys_interrupted)
			return fail(cause,
			    "the links of %s are not up after "
			    "%d s",
			    nodes[i].name, BENCH_SETUP_WAIT_US / 1000000);
		usleep(100000);
	}
	fprintf(stderr, "%s: the line is linked after %.2f s\n", bench_prog,
	    (time_mono_us() - t0) / 1e6);
	return bench_room_setup(VOICE_NODES, voice_dirs, VOICE_ROOM, VOICE_USER,
	    "bench/voice", BENCH_SETUP_WAIT_US / 1000000, cause);
}

/* --- main ----------------------------------------------------------------- */

static void
voice_cleanup(void)
{
	bench_stop_all(VOICE_NODES, voice_dirs);
	bench_tmpdir_done(voice_tmp, voice_keep);
}

/* Says what failed, and goes on. */
static void
voice_failed(char **failed, const char *what, char **cause)
{
	char *f = xasprintf("%s %s", *failed, what);

	fprintf(stderr, "%s: %s: %s\n", bench_prog, what, *cause);
	fprintf(voice_out, "  %s: FAILED: %s\n", what, *cause);
	free(*cause);
	*cause = NULL;
	free(*failed);
	*failed = f;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct voice_opts o = {
	    .seconds = 5, .max_streams = 200, .codec_frames = 1000};
	struct bench_node nodes[VOICE_NODES];
	struct voice_packets *packets = xcalloc(1, sizeof *packets);
	struct bench_report rep;
	struct utsname un;
	char *ioed = NULL, *ioectl = NULL, *results, *cause = NULL;
	char *table = NULL;
	char *failed = xstrdup("");
	size_t table_len = 0;
	int opt, rc = 1;
	bool up = false;

	while (
	    (opt = getopt_long(argc, argv, "hKs:S:n:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'K':
			o.keep = true;
			break;
		case 's':
			o.seconds =
			    (int)bench_parse_number(optarg, 1, 600, "seconds");
			break;
		case 'S':
			o.max_streams = (int)bench_parse_number(optarg, 1,
			    voice_steps[sizeof voice_steps /
			                    sizeof voice_steps[0] -
			                1],
			    "stream count");
			break;
		case 'n':
			o.codec_frames = (int)bench_parse_number(
			    optarg, 1, VOICE_CODEC_FRAMES_MAX, "frame count");
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	voice_keep = o.keep;

	if (bench_programs(&ioed, &ioectl, &cause) != 0 ||
	    (voice_tmp = bench_tmpdir(&cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", bench_prog, cause);
		return 1;
	}
	/* Before any thread: czmq sets up its context and the SIGINT
	 * handler behind zsys_interrupted once, here. */
	zsys_init();
	atexit(voice_cleanup);
	results = xasprintf("%s/results", voice_tmp);
	if ((voice_out = open_memstream(&table, &table_len)) == NULL)
		abort();
	for (int i = 0; i < VOICE_NODES; i++) {
		nodes[i].name = xasprintf("n%d", i);
		nodes[i].dir = xasprintf("%s/%s", voice_tmp, nodes[i].name);
		voice_dirs[i] = nodes[i].dir;
		nodes[i].port = 0;
	}

	if (uname(&un) != 0)
		memset(&un, 0, sizeof un);
	bench_info(results, "machine",
	    "%ld CPUs, %s %s, every node's "
	    "directory under %s",
	    sysconf(_SC_NPROCESSORS_ONLN), un.sysname, un.release, voice_tmp);
	bench_info(results, "nodes",
	    "n0..n4: ioed on 127.0.0.1, "
	    "--no-beacon, each linked to the one "
	    "before; room '%s', user '%s' on each",
	    VOICE_ROOM, VOICE_USER);
	bench_info(results, "streams",
	    "Opus 16 kHz mono %d kbit/s of a "
	    "speech-like signal, one frame every "
	    "20 ms (monotonic clock), %d s per case; "
	    "capture = wall clock just before the "
	    "send",
	    OPUS_CODEC_BITRATE / 1000, o.seconds);
	bench_info(results, "playout",
	    "each listener's arrivals put into a jitter_t (min %d ms) when "
	    "they came, taken at playout ticks every 20 ms, for each phase "
	    "of the ticks in %d µs steps; the audio device's buffer is not "
	    "counted",
	    JITTER_MIN_MS, VOICE_PHASE_US);
	bench_load(results, "load", "at the start");

	if (voice_reference("before", &cause) != 0)
		voice_failed(&failed, "reference", &cause);
	if (voice_codec(&o, &cause) != 0)
		voice_failed(&failed, "codec", &cause);
	if (voice_encode_loop(packets, &cause) != 0)
		goto done;
	for (int i = 0; i < VOICE_NODES && !zsys_interrupted; i++)
		if ((nodes[i].port = bench_port(&cause)) < 0)
			goto done;
	if (voice_nodes_up(ioed, ioectl, nodes, &cause) != 0)
		voice_failed(&failed, "nodes", &cause);
	else
		up = true;
	if (up && voice_hops(&o, packets, &cause) != 0)
		voice_failed(&failed, "latency per hop", &cause);
	if (up && !zsys_interrupted && voice_capacity(&o, packets, &cause) != 0)
		voice_failed(&failed, "relay capacity", &cause);
	bench_stop_all(VOICE_NODES, voice_dirs);
	if (!zsys_interrupted && voice_reference("after", &cause) != 0)
		voice_failed(&failed, "reference", &cause);
	if (zsys_interrupted) {
		cause = xstrdup("interrupted");
		goto done;
	}
	fclose(voice_out);
	voice_out = NULL;
	bench_load(results, "load after", "at the end");
	printf("\nioe voice relay benchmark\n");
	if (bench_report_read(&rep, results, &cause) == 0) {
		for (size_t i = 0; i < rep.ninfo; i++)
			printf("%s\n", rep.info[i]);
		bench_report_free(&rep);
	}
	fputs(table, stdout);
	if (*failed != '\0')
		fprintf(stderr, "%s: failed:%s\n", bench_prog, failed);
	else
		rc = 0;
done:
	if (cause != NULL)
		fprintf(stderr, "%s: %s\n", bench_prog, cause);
	free(cause);
	if (voice_out != NULL)
		fclose(voice_out);
	free(table);
	free(failed);
	free(results);
	free(packets);
	free(ioed);
	free(ioectl);
	return rc;
}
