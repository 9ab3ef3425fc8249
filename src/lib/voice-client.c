/* The client side of the voice socket: see voice-client.h and
 * doc/voice.md, "The relay and the voice socket". */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>
#include <jansson.h>

#include "audio-dev.h"
#include "datadir.h"
#include "jitter.h"
#include "log.h"
#include "mixer.h"
#include "opus-codec.h"
#include "util.h"
#include "voice-client.h"
#include "wire.h"
#include "wav.h"

#define FRAME_US       (OPUS_CODEC_FRAME_MS * 1000)
#define DAEMON_LOST_US 5000000
#define STOP_LINGER_MS 200

struct voice_client {
	zactor_t *actor;
	char *dir, *user, *endpoint;
	unsigned rate;
	char *record_path; /* while recording */
	pthread_mutex_t lock;
	voice_client_state_t state; /* under lock: the actor writes it */
};

/* What the caller waits for from the daemon. */
typedef enum pending {
	PENDING_NONE,
	PENDING_HELLO,
	PENDING_LISTEN,
	PENDING_UNLISTEN,
	PENDING_TALK,
	PENDING_STOP,
} pending_t;

static const char *const pending_names[] = {
    "", "HELLO", "LISTEN", "UNLISTEN", "TALK", "STOP"};

/* A TALK on its way to the actor (taken by it). */
typedef struct talk_req {
	char *room;
	bool emergency, call;
	int16_t *pcm;
	size_t samples;
	unsigned rate;
	char *device;
} talk_req_t;

/* A stream played: (room, talker, stream) and its decoder. */
typedef struct vstream {
	bool used;
	uint32_t id; /* the jitter buffer's key */
	char room[VOICE_NAME_MAX], talker[VOICE_NAME_MAX];
	uint32_t stream;
	bool emergency, call;
	opus_codec_dec_t *dec;
	int64_t last_us; /* monotonic, last arrival */
	int latency_ms;
	int16_t pcm[OPUS_CODEC_FRAME_MAX]; /* this tick's */
} vstream_t;

/* The actor's own state (its thread only). */
typedef struct actor {
	voice_client_t *client;
	zsock_t *pipe, *dealer;
	unsigned rate, frame; /* playout rate and its samples per frame */
	bool terminated;

	pending_t pending;
	int64_t pending_deadline;
	talk_req_t *talk_req; /* while TALK is pending */

	int64_t last_heard, next_ping;
	bool daemon_lost;
	char node[VOICE_NAME_MAX];

	/* Listening. */
	zlist_t *rooms; /* char *, the rooms listened */
	jitter_t *jitter;
	mixer_t *mixer;
	vstream_t streams[VOICE_STREAMS_MAX];
	uint32_t next_id;
	bool ticking;
	int64_t tick0;
	uint64_t ticks, tick_n, frames_received;
	zactor_t *player;
	audio_dev_t *player_dev; /* while the player thread runs: for xruns */
	bool recording;
	int16_t *rec;
	size_t rec_len, rec_cap;
	int16_t mix[OPUS_CODEC_FRAME_MAX];

	/* Talking. */
	bool talking, talk_ended, preempted, stop_sent;
	char preempted_by[VOICE_NAME_MAX], talk_room[VOICE_NAME_MAX];
	char talk_error[256];
	uint32_t stream, seq;
	opus_codec_enc_t *enc;
	unsigned talk_rate, talk_frame;
	int16_t *pcm; /* the signal, or NULL: the microphone */
	size_t samples;
	int64_t talk0;
	zactor_t *capture;
	double level_dbfs;
	uint64_t frames_sent;

	/* Floors heard. */
	size_t nfloors;
	struct {
		char room[VOICE_NAME_MAX], holder[VOICE_NAME_MAX];
		uint32_t stream;
		bool emergency;
	} floors[VOICE_ROOMS_MAX];
} actor_t;

static void
msg_add_i64(zmsg_t *msg, int64_t v)
{
	uint8_t b[8];

	be32_put(b, (uint32_t)((uint64_t)v >> 32));
	be32_put(b + 4, (uint32_t)v);
	zmsg_addmem(msg, b, 8);
}

/* Pops a binary field of exactly size bytes into out. Returns false if the
 * frame is missing or of another size. */
static bool
msg_pop_bin(zmsg_t *msg, void *out, size_t size)
{
	zframe_t *f = zmsg_pop(msg);
	bool ok = f != NULL && zframe_size(f) == size;

	if (ok)
		memcpy(out, zframe_data(f), size);
	zframe_destroy(&f);
	return ok;
}

static bool
msg_pop_u32(zmsg_t *msg, uint32_t *v)
{
	uint8_t b[4];

	if (!msg_pop_bin(msg, b, 4))
		return false;
	*v = be32_get(b);
	return true;
}

static bool
msg_pop_i64(zmsg_t *msg, int64_t *v)
{
	uint8_t b[8];

	if (!msg_pop_bin(msg, b, 8))
		return false;
	*v = (int64_t)((uint64_t)be32_get(b) << 32 | be32_get(b + 4));
	return true;
}

/* Pops a text field into out (cut to size). Returns false if missing. */
static bool
msg_pop_text(zmsg_t *msg, char *out, size_t size)
{
	char *s = zmsg_popstr(msg);

	if (s == NULL)
		return false;
	snprintf(out, size, "%s", s);
	free(s);
	return true;
}

double
voice_client_dbfs(const int16_t *pcm, size_t samples)
{
	double sum = 0;

	for (size_t i = 0; i < samples; i++)
		sum += (double)pcm[i] * pcm[i];
	if (samples == 0 || sum == 0)
		return -100;
	return fmax(-100, 10 * log10(sum / samples / (32768.0 * 32768.0)));
}

int16_t *
voice_client_read_wav(
    const char *path, unsigned *rate, size_t *samples, char **cause)
{
	wav_t *w = wav_read(path, cause);
	int16_t *pcm;
	char *why = NULL;

	if (w == NULL)
		return NULL;
	if (opus_codec_check_rate(w->rate, &why) != 0) {
		free(why);
		fail(cause,
		    "'%s': %u Hz; Opus takes 8000, 12000, 16000, 24000 or "
		    "48000 Hz (convert it, e.g. with sox -r 16000)",
		    path, w->rate);
		wav_destroy(&w);
		return NULL;
	}
	if (w->frames == 0) {
		fail(cause, "'%s': no samples", path);
		wav_destroy(&w);
		return NULL;
	}
	pcm = xcalloc(w->frames, sizeof *pcm);
	for (size_t i = 0; i < w->frames; i++) {
		if (w->channels == 2)
			pcm[i] = (int16_t)(((int)w->samples[2 * i] +
			                       w->samples[2 * i + 1]) /
			                   2);
		else
			pcm[i] = w->samples[i];
	}
	*rate = w->rate;
	*samples = w->frames;
	wav_destroy(&w);
	return pcm;
}

static void
talk_req_destroy(talk_req_t **req_p)
{
	talk_req_t *req = *req_p;

	if (req == NULL)
		return;
	free(req->room);
	free(req->pcm);
	free(req->device);
	free(req);
	*req_p = NULL;
}

/* Keeps SIGINT and SIGTERM for the program's own thread. */
static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* The playback thread: writes each "PCM" frame it is sent, blocking, until
 * $TERM. args is the audio_dev_t, which it closes. */
static void
player_actor(zsock_t *pipe, void *args)
{
	audio_dev_t *dev = args;
	char *cause = NULL;
	bool failed = false;

	block_signals();
	zsock_signal(pipe, 0);
	for (;;) {
		zmsg_t *msg = zmsg_recv(pipe);
		char *cmd;
		zframe_t *f;

		if (msg == NULL)
			break;
		cmd = zmsg_popstr(msg);
		if (cmd == NULL || strcmp(cmd, "$TERM") == 0) {
			free(cmd);
			zmsg_destroy(&msg);
			break;
		}
		f = zmsg_pop(msg);
		if (f != NULL && !failed &&
		    audio_dev_write(dev, (const int16_t *)zframe_data(f),
		        zframe_size(f) / 2, &cause) != 0) {
			log_warning("%s", cause);
			free(cause);
			cause = NULL;
			failed = true;
		}
		zframe_destroy(&f);
		free(cmd);
		zmsg_destroy(&msg);
	}
	audio_dev_destroy(&dev);
}

typedef struct capture_args {
	audio_dev_t *dev;
	unsigned frame;
} capture_args_t;

/* The capture thread: reads 20 ms at a time and sends "PCM" frames, or
 * "ERROR" cause, until $TERM. A device that delivers faster than real
 * time (ALSA's file plugin) is paced by the monotonic clock. */
static void
capture_actor(zsock_t *pipe, void *args)
{
	capture_args_t *ca = args;
	int16_t pcm[OPUS_CODEC_FRAME_MAX];
	int64_t t0 = time_mono_us(), wait;
	uint64_t n = 0;
	char *cause = NULL;
	bool failed = false;

	block_signals();
	zsock_signal(pipe, 0);
	zsock_set_rcvtimeo(pipe, 0);
	for (;;) {
		char *cmd = zstr_recv(pipe);

		if (cmd != NULL) {
			bool term = strcmp(cmd, "$TERM") == 0;

			free(cmd);
			if (term)
				break;
		}
		if (failed) {
			zsock_set_rcvtimeo(pipe, -1);
			continue;
		}
		if (audio_dev_read(ca->dev, pcm, ca->frame, &cause) != 0) {
			zsock_send(pipe, "ss", "ERROR", cause);
			free(cause);
			cause = NULL;
			failed = true;
			continue;
		}
		zsock_send(pipe, "sb", "PCM", pcm, ca->frame * sizeof *pcm);
		n++;
		wait = t0 + (int64_t)n * FRAME_US - time_mono_us();
		if (wait > 0)
			zclock_sleep((int)(wait / 1000));
	}
	audio_dev_destroy(&ca->dev);
	free(ca);
}

static void
actor_send(actor_t *a, zmsg_t **msg)
{
	/* Dropped if it cannot go at once (see the send time-out). */
	if (zmsg_send(msg, a->dealer) != 0)
		zmsg_destroy(msg);
}

/* Sends a command of text fields (NULL-terminated) to the daemon. */
static void
actor_send_text(actor_t *a, const char *cmd, ...)
{
	zmsg_t *msg = zmsg_new();
	const char *s;
	va_list ap;

	zmsg_addstr(msg, cmd);
	va_start(ap, cmd);
	while ((s = va_arg(ap, const char *)) != NULL)
		zmsg_addstr(msg, s);
	va_end(ap);
	actor_send(a, &msg);
}

static void
actor_wait(actor_t *a, pending_t what)
{
	a->pending = what;
	a->pending_deadline = time_mono_us() + VOICE_ANSWER_MS * 1000;
}

/* Publishes the state for voice_client_state. */
static void
actor_publish(actor_t *a)
{
	voice_client_t *c = a->client;
	voice_client_state_t *st = &c->state;
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	snprintf(st->node, sizeof st->node, "%s", a->node);
	st->daemon_lost = a->daemon_lost;
	st->talking = a->talking;
	st->talk_ended = a->talk_ended;
	st->preempted = a->preempted;
	memcpy(st->preempted_by, a->preempted_by, sizeof st->preempted_by);
	memcpy(st->talk_room, a->talk_room, sizeof st->talk_room);
	memcpy(st->talk_error, a->talk_error, sizeof st->talk_error);
	st->talk_stream = a->stream;
	st->frames_sent = a->frames_sent;
	st->level_dbfs = a->level_dbfs;
	st->nfloors = a->nfloors;
	memcpy(st->floors, a->floors, sizeof st->floors);
	for (size_t i = 0; i < VOICE_STREAMS_MAX; i++) {
		vstream_t *s = &a->streams[i];
		voice_stream_state_t *o = &st->streams[n];

		if (!s->used)
			continue;
		memcpy(o->room, s->room, sizeof o->room);
		memcpy(o->talker, s->talker, sizeof o->talker);
		o->stream = s->stream;
		o->emergency = s->emergency;
		o->call = s->call;
		o->latency_ms = s->latency_ms;
		if (!jitter_stats(a->jitter, s->id, &o->jitter))
			memset(&o->jitter, 0, sizeof o->jitter);
		n++;
	}
	st->nstreams = n;
	st->ticks = a->ticks;
	st->frames_received = a->frames_received;
	st->playback_xruns =
	    a->player_dev != NULL ? audio_dev_xruns(a->player_dev) : 0;
	pthread_mutex_unlock(&c->lock);
}

static void
actor_reply(actor_t *a, int rc, const char *text)
{
	/* The caller sees the state its answer leads to. */
	actor_publish(a);
	zsock_send(a->pipe, "is", rc, text != NULL ? text : "");
}

static void
actor_floor_set(actor_t *a, const char *room, const char *holder,
    uint32_t stream, bool emergency)
{
	size_t i;

	for (i = 0; i < a->nfloors; i++) {
		if (strcmp(a->floors[i].room, room) == 0)
			break;
	}
	if (i == a->nfloors) {
		if (a->nfloors == VOICE_ROOMS_MAX)
			return;
		a->nfloors++;
	}
	snprintf(a->floors[i].room, VOICE_NAME_MAX, "%s", room);
	snprintf(a->floors[i].holder, VOICE_NAME_MAX, "%s", holder);
	a->floors[i].stream = stream;
	a->floors[i].emergency = emergency;
}

/* Ends the talk: no more frames; STOP unless stopped already. */
static void
actor_talk_end(actor_t *a)
{
	if (a->talking && !a->stop_sent) {
		zmsg_t *msg = zmsg_new();

		zmsg_addstr(msg, "STOP");
		wire_add_u32(msg, a->stream);
		actor_send(a, &msg);
		a->stop_sent = true;
	}
	a->talking = false;
	zactor_destroy(&a->capture);
	opus_codec_enc_destroy(&a->enc);
	free(a->pcm);
	a->pcm = NULL;
}

/* Encodes and sends one frame of talk_frame samples. */
static void
actor_talk_frame(actor_t *a, const int16_t *pcm)
{
	uint8_t packet[OPUS_CODEC_PACKET_MAX];
	char *cause = NULL;
	zmsg_t *msg;
	int len;

	a->level_dbfs = voice_client_dbfs(pcm, a->talk_frame);
	len = opus_codec_encode(a->enc, pcm, packet, sizeof packet, &cause);
	if (len < 0) {
		snprintf(a->talk_error, sizeof a->talk_error, "%s", cause);
		free(cause);
		a->talk_ended = true;
		actor_talk_end(a);
		return;
	}
	msg = zmsg_new();
	zmsg_addstr(msg, "FRAME");
	wire_add_u32(msg, a->stream);
	wire_add_u32(msg, a->seq++);
	msg_add_i64(msg, time_now_us());
	zmsg_addmem(msg, packet, (size_t)len);
	actor_send(a, &msg);
	a->frames_sent++;
}

/* Sends the frames of the signal that are due by now. */
static void
actor_talk_due(actor_t *a, int64_t now)
{
	int16_t pcm[OPUS_CODEC_FRAME_MAX];

	while (a->talking && a->pcm != NULL &&
	       now >= a->talk0 + (int64_t)a->seq * FRAME_US) {
		size_t pos = (size_t)a->seq * a->talk_frame;
		size_t n = a->samples - pos;

		if (n > a->talk_frame)
			n = a->talk_frame;
		memset(pcm, 0, sizeof pcm);
		memcpy(pcm, a->pcm + pos, n * sizeof *pcm);
		actor_talk_frame(a, pcm);
		if (pos + n >= a->samples) {
			a->talk_ended = true;
			actor_talk_end(a);
		}
	}
}

/* GRANTED: starts sending the signal or the microphone. */
static void
actor_talk_start(actor_t *a, talk_req_t *req, uint32_t stream, char **cause)
{
	a->talk_rate = req->rate != 0 ? req->rate : a->rate;
	a->talk_frame = opus_codec_frame_samples(a->talk_rate);
	a->enc = opus_codec_enc_new(a->talk_rate, 0, 0, cause);
	if (a->enc == NULL)
		return;
	snprintf(a->talk_room, sizeof a->talk_room, "%s", req->room);
	a->stream = stream;
	a->seq = 0;
	a->frames_sent = 0;
	a->talking = true;
	a->talk_ended = a->preempted = a->stop_sent = false;
	a->preempted_by[0] = a->talk_error[0] = '\0';
	a->talk0 = time_mono_us();
	a->pcm = req->pcm;
	a->samples = req->samples;
	req->pcm = NULL;
}

/* TALK from the caller: opens the microphone first (so that a device
 * error comes before any floor is taken), then asks. */
static void
actor_cmd_talk(actor_t *a, talk_req_t *req)
{
	char *cause = NULL;

	if (a->talking || a->talk_req != NULL) {
		actor_reply(a, VOICE_TALK_ERROR, "already talking");
		talk_req_destroy(&req);
		return;
	}
	if (req->pcm == NULL) {
		unsigned rate = req->rate != 0 ? req->rate : a->rate;
		capture_args_t *ca = xcalloc(1, sizeof *ca);

		ca->frame = opus_codec_frame_samples(rate);
		ca->dev = audio_dev_open(
		    AUDIO_DEV_CAPTURE, req->device, rate, 1, ca->frame, &cause);
		if (ca->dev == NULL) {
			actor_reply(a, VOICE_TALK_ERROR, cause);
			free(cause);
			free(ca);
			talk_req_destroy(&req);
			return;
		}
		a->capture = zactor_new(capture_actor, ca);
	}
	actor_send_text(a, "TALK", req->room,
	    a->client->user != NULL ? a->client->user : "",
	    req->call ? "call" : "ptt", req->emergency ? "emergency" : "normal",
	    NULL);
	a->talk_req = req;
	actor_wait(a, PENDING_TALK);
}

/* Starts the 20 ms playout ticks if they are not running. */
static void
actor_ticks_start(actor_t *a)
{
	if (a->ticking)
		return;
	a->ticking = true;
	a->tick0 = time_mono_us();
	a->tick_n = 0;
}

static void
actor_ticks_check(actor_t *a)
{
	a->ticking =
	    a->player != NULL || a->recording || zlist_size(a->rooms) > 0;
}

static void
actor_stream_forget(actor_t *a, vstream_t *s)
{
	jitter_remove(a->jitter, s->id);
	opus_codec_dec_destroy(&s->dec);
	s->used = false;
}

/* One playout tick: what each stream plays now, mixed, to the sinks. */
static void
actor_tick(actor_t *a, int64_t now)
{
	const int16_t *in[VOICE_STREAMS_MAX];
	size_t n = 0;
	char *cause = NULL;

	for (size_t i = 0; i < VOICE_STREAMS_MAX; i++) {
		vstream_t *s = &a->streams[i];
		jitter_out_t out;
		int r;

		if (!s->used)
			continue;
		jitter_get(a->jitter, s->id, now, &out);
		switch (out.kind) {
		case JITTER_EMPTY:
			if (now - s->last_us > VOICE_STREAM_IDLE_US)
				actor_stream_forget(a, s);
			continue;
		case JITTER_FRAME:
			r = opus_codec_decode(
			    s->dec, out.data, out.len, s->pcm, &cause);
			break;
		case JITTER_LOST:
			r = out.data != NULL
			        ? opus_codec_decode_fec(
			              s->dec, out.data, out.len, s->pcm, &cause)
			        : opus_codec_decode(
			              s->dec, NULL, 0, s->pcm, &cause);
			break;
		default:
			r = opus_codec_decode(s->dec, NULL, 0, s->pcm, &cause);
			break;
		}
		if (r < 0) {
			/* A corrupt packet: play silence, go on. */
			log_debug("%s", cause);
			free(cause);
			cause = NULL;
			memset(s->pcm, 0, sizeof s->pcm);
		}
		in[n++] = s->pcm;
	}
	mixer_mix(a->mixer, in, n, a->frame, a->mix);
	if (a->player != NULL)
		zsock_send(
		    a->player, "sb", "PCM", a->mix, a->frame * sizeof *a->mix);
	if (a->recording) {
		if (a->rec_len + a->frame > a->rec_cap) {
			a->rec_cap = a->rec_cap * 2 + a->frame * 50;
			a->rec = realloc(a->rec, a->rec_cap * sizeof *a->rec);
			if (a->rec == NULL)
				abort();
		}
		memcpy(a->rec + a->rec_len, a->mix, a->frame * sizeof *a->mix);
		a->rec_len += a->frame;
	}
	a->ticks++;
}

/* FRAME room talker stream seq capture_us flags opus */
static void
actor_on_frame(actor_t *a, zmsg_t *msg, int64_t now)
{
	char room[VOICE_NAME_MAX], talker[VOICE_NAME_MAX];
	uint32_t stream, seq;
	int64_t capture_us;
	uint8_t flags;
	zframe_t *opus = NULL;
	vstream_t *s = NULL, *free_slot = NULL;
	char *cause = NULL;

	if (!msg_pop_text(msg, room, sizeof room) ||
	    !msg_pop_text(msg, talker, sizeof talker) ||
	    !msg_pop_u32(msg, &stream) || !msg_pop_u32(msg, &seq) ||
	    !msg_pop_i64(msg, &capture_us) || !msg_pop_bin(msg, &flags, 1) ||
	    (opus = zmsg_pop(msg)) == NULL || zframe_size(opus) == 0 ||
	    zframe_size(opus) > OPUS_CODEC_PACKET_MAX) {
		log_debug("a malformed FRAME from the daemon");
		zframe_destroy(&opus);
		return;
	}
	for (size_t i = 0; i < VOICE_STREAMS_MAX; i++) {
		vstream_t *t = &a->streams[i];

		if (!t->used) {
			if (free_slot == NULL)
				free_slot = t;
		} else if (t->stream == stream && strcmp(t->room, room) == 0 &&
		           strcmp(t->talker, talker) == 0) {
			s = t;
			break;
		}
	}
	if (s == NULL && free_slot != NULL) {
		s = free_slot;
		memset(s, 0, sizeof *s);
		s->dec = opus_codec_dec_new(a->rate, &cause);
		if (s->dec == NULL) {
			log_warning("%s", cause);
			free(cause);
			zframe_destroy(&opus);
			return;
		}
		s->used = true;
		s->id = a->next_id++;
		snprintf(s->room, sizeof s->room, "%s", room);
		snprintf(s->talker, sizeof s->talker, "%s", talker);
		s->stream = stream;
	}
	if (s != NULL) {
		s->emergency = (flags & 1) != 0;
		s->call = (flags & 2) != 0;
		s->last_us = now;
		s->latency_ms = (int)((time_now_us() - capture_us) / 1000);
		jitter_put(a->jitter, s->id, seq, zframe_data(opus),
		    zframe_size(opus), now);
		a->frames_received++;
	}
	zframe_destroy(&opus);
}

/* True if cmd answers the command the caller waits for (the daemon
 * answers in order, but a STOP sent at the end of a signal is answered
 * while nobody waits). */
static bool
actor_answers(actor_t *a, const char *cmd)
{
	return cmd != NULL && a->pending != PENDING_NONE &&
	       strcmp(cmd, pending_names[a->pending]) == 0;
}

/* The command waited for failed (ERROR, or no answer): undoes what it
 * began and tells the caller why. */
static void
actor_refused(actor_t *a, const char *why)
{
	if (a->pending == PENDING_TALK) {
		zactor_destroy(&a->capture);
		talk_req_destroy(&a->talk_req);
	}
	if (a->pending == PENDING_LISTEN) {
		/* The room appended last is the one refused. */
		zlist_remove(a->rooms, zlist_last(a->rooms));
		actor_ticks_check(a);
	}
	a->pending = PENDING_NONE;
	actor_reply(a, -1, why);
}

static void
actor_on_daemon(actor_t *a, int64_t now)
{
	zmsg_t *msg = zmsg_recv(a->dealer);
	char *cmd, *arg = NULL, *arg2 = NULL, *arg3 = NULL, *cause = NULL;
	uint32_t stream;

	if (msg == NULL)
		return;
	a->last_heard = now;
	a->daemon_lost = false;
	cmd = zmsg_popstr(msg);
	if (cmd == NULL)
		goto done;
	if (strcmp(cmd, "FRAME") == 0) {
		actor_on_frame(a, msg, now);
	} else if (strcmp(cmd, "WELCOME") == 0) {
		arg = zmsg_popstr(msg);
		snprintf(a->node, sizeof a->node, "%s", arg != NULL ? arg : "");
		if (a->pending == PENDING_HELLO) {
			a->pending = PENDING_NONE;
			actor_reply(a, 0, a->node);
		}
	} else if (strcmp(cmd, "OK") == 0) {
		arg = zmsg_popstr(msg);
		if (a->pending != PENDING_TALK && actor_answers(a, arg)) {
			a->pending = PENDING_NONE;
			actor_reply(a, 0, NULL);
		}
	} else if (strcmp(cmd, "ERROR") == 0) {
		arg = zmsg_popstr(msg);  /* command */
		arg2 = zmsg_popstr(msg); /* code */
		arg3 = zmsg_popstr(msg); /* message */
		if (actor_answers(a, arg))
			actor_refused(a, arg3 != NULL ? arg3 : "refused");
	} else if (strcmp(cmd, "GRANTED") == 0) {
		arg = zmsg_popstr(msg);
		if (a->pending == PENDING_TALK && msg_pop_u32(msg, &stream)) {
			a->pending = PENDING_NONE;
			actor_talk_start(a, a->talk_req, stream, &cause);
			talk_req_destroy(&a->talk_req);
			if (cause != NULL)
				actor_reply(a, VOICE_TALK_ERROR, cause);
			else
				actor_reply(a, VOICE_TALK_GRANTED, NULL);
		}
	} else if (strcmp(cmd, "BUSY") == 0) {
		arg = zmsg_popstr(msg);  /* room */
		arg2 = zmsg_popstr(msg); /* holder */
		if (a->pending == PENDING_TALK) {
			a->pending = PENDING_NONE;
			zactor_destroy(&a->capture);
			talk_req_destroy(&a->talk_req);
			actor_reply(
			    a, VOICE_TALK_BUSY, arg2 != NULL ? arg2 : "");
		}
	} else if (strcmp(cmd, "FLOOR") == 0) {
		char room[VOICE_NAME_MAX], holder[VOICE_NAME_MAX], prio[16];

		if (msg_pop_text(msg, room, sizeof room) &&
		    msg_pop_text(msg, holder, sizeof holder) &&
		    msg_pop_u32(msg, &stream) &&
		    msg_pop_text(msg, prio, sizeof prio))
			actor_floor_set(a, room, holder, stream,
			    strcmp(prio, "emergency") == 0);
	} else if (strcmp(cmd, "PREEMPTED") == 0) {
		arg = zmsg_popstr(msg);
		if (msg_pop_u32(msg, &stream) && a->talking &&
		    stream == a->stream) {
			arg2 = zmsg_popstr(msg);
			a->preempted = true;
			snprintf(a->preempted_by, sizeof a->preempted_by, "%s",
			    arg2 != NULL ? arg2 : "");
			actor_talk_end(a);
		}
	}
	/* PONG and anything else: only a sign of life. */
done:
	free(cmd);
	free(arg);
	free(arg2);
	free(arg3);
	free(cause);
	zmsg_destroy(&msg);
}

/* STATS: the streams played, as JSON. */
static void
actor_send_stats(actor_t *a)
{
	json_t *streams = json_array(), *obj;
	char *text;

	for (size_t i = 0; i < VOICE_STREAMS_MAX; i++) {
		vstream_t *s = &a->streams[i];
		jitter_stats_t js;

		if (!s->used || !jitter_stats(a->jitter, s->id, &js))
			continue;
		json_array_append_new(streams,
		    json_pack("{s:I, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:i}",
		        "stream", (json_int_t)s->stream, "talker", s->talker,
		        "target_ms", (int)js.target_ms, "depth_ms",
		        (int)js.depth_ms, "received", (json_int_t)js.received,
		        "lost", (json_int_t)js.lost, "late",
		        (json_int_t)js.late, "concealed",
		        (json_int_t)js.concealed, "latency_ms", s->latency_ms));
	}
	obj = json_pack("{s:o}", "streams", streams);
	text = json_dumps(obj, JSON_COMPACT);
	if (text != NULL)
		actor_send_text(a, "STATS", text, NULL);
	free(text);
	json_decref(obj);
}

static void
actor_cmd_play(actor_t *a, const char *device)
{
	char *cause = NULL;
	audio_dev_t *dev;

	if (a->player != NULL) {
		actor_reply(a, -1, "already playing");
		return;
	}
	dev = audio_dev_open(AUDIO_DEV_PLAYBACK,
	    *device != '\0' ? device : NULL, a->rate, 1, a->frame, &cause);
	if (dev == NULL) {
		actor_reply(a, -1, cause);
		free(cause);
		return;
	}
	a->player_dev = dev;
	a->player = zactor_new(player_actor, dev);
	/* Never wait for the device: a frame it cannot take is dropped. */
	zsock_set_sndtimeo(a->player, 0);
	actor_ticks_start(a);
	actor_reply(a, 0, NULL);
}

static void
actor_cmd_record(actor_t *a)
{
	if (a->recording) {
		actor_reply(a, -1, "already recording");
		return;
	}
	a->recording = true;
	a->rec_len = 0;
	actor_ticks_start(a);
	actor_reply(a, 0, NULL);
}

/* RECEND path: writes the recording. */
static void
actor_cmd_record_end(actor_t *a, const char *path)
{
	char *cause = NULL, *len;

	if (!a->recording) {
		actor_reply(a, -1, "not recording");
		return;
	}
	a->recording = false;
	actor_ticks_check(a);
	if (wav_write(path, a->rec, a->rec_len, a->rate, 1, &cause) != 0) {
		actor_reply(a, -1, cause);
		free(cause);
		return;
	}
	len = xasprintf("%zu", a->rec_len);
	actor_reply(a, 0, len);
	free(len);
	free(a->rec);
	a->rec = NULL;
	a->rec_len = a->rec_cap = 0;
}

static void
actor_cmd_listen(actor_t *a, const char *room, bool on)
{
	char *r;

	if (on) {
		if (zlist_size(a->rooms) >= VOICE_ROOMS_MAX) {
			actor_reply(a, -1, "too many rooms listened");
			return;
		}
		zlist_append(a->rooms, (void *)room); /* autofree: copied */
		actor_ticks_start(a);
		actor_send_text(a, "LISTEN", room,
		    a->client->user != NULL ? a->client->user : "", NULL);
		actor_wait(a, PENDING_LISTEN);
		return;
	}
	for (r = zlist_first(a->rooms); r != NULL; r = zlist_next(a->rooms)) {
		if (strcmp(r, room) == 0) {
			zlist_remove(a->rooms, r); /* and freed */
			break;
		}
	}
	actor_ticks_check(a);
	actor_send_text(a, "UNLISTEN", room, NULL);
	actor_wait(a, PENDING_UNLISTEN);
}

static void
actor_cmd_stop(actor_t *a)
{
	bool was = a->talking;

	actor_talk_end(a);
	if (was) {
		actor_wait(a, PENDING_STOP);
		return;
	}
	actor_reply(a, 0, NULL);
}

/* A command from the caller. */
static void
actor_on_pipe(actor_t *a)
{
	zmsg_t *msg = zmsg_recv(a->pipe);
	char *cmd, *arg;

	if (msg == NULL) {
		a->terminated = true;
		return;
	}
	cmd = zmsg_popstr(msg);
	if (cmd != NULL && strcmp(cmd, "TALK") == 0) {
		talk_req_t *req;

		/* zsock_send's "p": the pointer's bytes in one frame. */
		if (msg_pop_bin(msg, &req, sizeof req))
			actor_cmd_talk(a, req);
		free(cmd);
		zmsg_destroy(&msg);
		return;
	}
	arg = zmsg_popstr(msg);
	if (cmd == NULL || strcmp(cmd, "$TERM") == 0)
		a->terminated = true;
	else if (strcmp(cmd, "HELLO") == 0) {
		actor_send_text(a, "HELLO", VOICE_SOCKET_VERSION, NULL);
		actor_wait(a, PENDING_HELLO);
	} else if (strcmp(cmd, "LISTEN") == 0)
		actor_cmd_listen(a, arg, true);
	else if (strcmp(cmd, "UNLISTEN") == 0)
		actor_cmd_listen(a, arg, false);
	else if (strcmp(cmd, "STOP") == 0)
		actor_cmd_stop(a);
	else if (strcmp(cmd, "PLAY") == 0)
		actor_cmd_play(a, arg != NULL ? arg : "");
	else if (strcmp(cmd, "RECORD") == 0)
		actor_cmd_record(a);
	else if (strcmp(cmd, "RECEND") == 0)
		actor_cmd_record_end(a, arg != NULL ? arg : "");
	free(cmd);
	free(arg);
	zmsg_destroy(&msg);
}

/* The microphone's frames. */
static void
actor_on_capture(actor_t *a)
{
	char *cmd = NULL;
	zframe_t *f = NULL;

	if (zsock_recv(a->capture, "sf", &cmd, &f) != 0)
		return;
	if (strcmp(cmd, "PCM") == 0 && a->talking &&
	    zframe_size(f) == a->talk_frame * sizeof(int16_t))
		actor_talk_frame(a, (const int16_t *)zframe_data(f));
	else if (strcmp(cmd, "ERROR") == 0 && a->talking) {
		snprintf(a->talk_error, sizeof a->talk_error, "%s",
		    zframe_size(f) > 0 ? (char *)zframe_data(f) : "");
		a->talk_error[zframe_size(f) < sizeof a->talk_error
		                  ? zframe_size(f)
		                  : sizeof a->talk_error - 1] = '\0';
		a->talk_ended = true;
		actor_talk_end(a);
	}
	free(cmd);
	zframe_destroy(&f);
}

/* Milliseconds until the next thing the actor must do. */
static long
actor_timeout(actor_t *a, int64_t now)
{
	int64_t next = a->next_ping;

	if (a->ticking && a->tick0 + (int64_t)a->tick_n * FRAME_US < next)
		next = a->tick0 + (int64_t)a->tick_n * FRAME_US;
	if (a->talking && a->pcm != NULL &&
	    a->talk0 + (int64_t)a->seq * FRAME_US < next)
		next = a->talk0 + (int64_t)a->seq * FRAME_US;
	if (a->pending != PENDING_NONE && a->pending_deadline < next)
		next = a->pending_deadline;
	if (next <= now)
		return 0;
	return (long)((next - now + 999) / 1000);
}

static void
actor_timers(actor_t *a, int64_t now)
{
	char *why;

	if (a->pending != PENDING_NONE && now >= a->pending_deadline) {
		why =
		    a->pending == PENDING_HELLO
		        ? xasprintf("no daemon answers on '%s/%s'",
		              a->client->dir, VOICE_SOCKET_NAME)
		        : xasprintf("the daemon did not answer %s within %d s",
		              pending_names[a->pending],
		              VOICE_ANSWER_MS / 1000);
		actor_refused(a, why);
		free(why);
	}
	actor_talk_due(a, now);
	while (a->ticking && now >= a->tick0 + (int64_t)a->tick_n * FRAME_US) {
		actor_tick(a, a->tick0 + (int64_t)a->tick_n * FRAME_US);
		a->tick_n++;
	}
	if (now >= a->next_ping) {
		actor_send_text(a, "PING", NULL);
		if (a->node[0] != '\0')
			actor_send_stats(a);
		a->next_ping = now + VOICE_PING_MS * 1000;
		if (now - a->last_heard > DAEMON_LOST_US)
			a->daemon_lost = true;
	}
}

static void
actor_destroy(actor_t *a)
{
	const char *room;

	if (a->talking)
		actor_talk_end(a);
	for (room = zlist_first(a->rooms); room != NULL;
	     room = zlist_next(a->rooms))
		actor_send_text(a, "UNLISTEN", room, NULL);
	zlist_destroy(&a->rooms);
	talk_req_destroy(&a->talk_req);
	zactor_destroy(&a->capture);
	zactor_destroy(&a->player);
	a->player_dev = NULL;
	opus_codec_enc_destroy(&a->enc);
	free(a->pcm);
	for (size_t i = 0; i < VOICE_STREAMS_MAX; i++)
		opus_codec_dec_destroy(&a->streams[i].dec);
	jitter_destroy(&a->jitter);
	mixer_destroy(&a->mixer);
	free(a->rec);
	zsock_set_linger(a->dealer, STOP_LINGER_MS);
	zsock_destroy(&a->dealer);
}

static void
voice_actor(zsock_t *pipe, void *args)
{
	actor_t a;

	block_signals();
	memset(&a, 0, sizeof a);
	a.client = args;
	a.pipe = pipe;
	a.rate = a.client->rate;
	a.frame = opus_codec_frame_samples(a.rate);
	a.rooms = zlist_new();
	zlist_autofree(a.rooms);
	a.jitter = jitter_new(OPUS_CODEC_FRAME_MS);
	a.mixer = mixer_new(a.rate);
	a.level_dbfs = -100;
	a.last_heard = a.next_ping = time_mono_us();
	a.next_ping += VOICE_PING_MS * 1000;
	a.dealer = zsock_new(ZMQ_DEALER);
	assert(a.dealer != NULL);
	zsock_set_linger(a.dealer, 0);
	/* A daemon gone with our queue full must not block the actor (and
	 * every call waiting on it): what cannot be sent is dropped. */
	zsock_set_sndtimeo(a.dealer, 0);
	zsock_connect(a.dealer, "%s", a.client->endpoint);
	zsock_signal(pipe, 0);
	while (!a.terminated) {
		zmq_pollitem_t items[3] = {
		    {zsock_resolve(a.pipe), 0, ZMQ_POLLIN, 0},
		    {zsock_resolve(a.dealer), 0, ZMQ_POLLIN, 0},
		    {a.capture != NULL ? zsock_resolve(a.capture) : NULL, 0,
		        ZMQ_POLLIN, 0},
		};
		int n = a.capture != NULL ? 3 : 2;
		int64_t now = time_mono_us();

		if (zmq_poll(items, n, actor_timeout(&a, now)) < 0 &&
		    errno != EINTR)
			break;
		now = time_mono_us();
		if (items[0].revents & ZMQ_POLLIN)
			actor_on_pipe(&a);
		if (items[1].revents & ZMQ_POLLIN) {
			/* Drain what came, so frames never wait a tick. */
			while (zsock_events(a.dealer) & ZMQ_POLLIN)
				actor_on_daemon(&a, time_mono_us());
		}
		if (n == 3 && a.capture != NULL &&
		    (items[2].revents & ZMQ_POLLIN))
			actor_on_capture(&a);
		actor_timers(&a, time_mono_us());
		actor_publish(&a);
	}
	actor_destroy(&a);
}

/* Waits for the actor's answer, through signals (the actor answers
 * within VOICE_ANSWER_MS). Returns 0, or -1 if the actor is gone. */
static int
voice_client_answer(voice_client_t *self, int *rc, char **text)
{
	while (zsock_recv(self->actor, "is", rc, text) != 0) {
		if (zmq_errno() != EINTR)
			return -1;
	}
	return 0;
}

/* Sends a command to the actor and waits for its answer. Returns its rc,
 * with *text its text (caller frees). */
static int
voice_client_ask(
    voice_client_t *self, char **text, const char *cmd, const char *arg)
{
	int rc = -1;

	*text = NULL;
	if (arg != NULL)
		zsock_send(self->actor, "ss", cmd, arg);
	else
		zsock_send(self->actor, "s", cmd);
	if (voice_client_answer(self, &rc, text) != 0) {
		*text = xstrdup("the voice session ended");
		return -1;
	}
	return rc;
}

/* The same, for calls that answer 0 or -1 with a cause. */
static int
voice_client_do(
    voice_client_t *self, const char *cmd, const char *arg, char **cause)
{
	char *text;
	int rc = voice_client_ask(self, &text, cmd, arg);

	if (rc != 0) {
		fail(cause, "%s", text);
		rc = -1;
	}
	free(text);
	return rc;
}

voice_client_t *
voice_client_new(const char *dir, const char *user, unsigned rate, char **cause)
{
	voice_client_t *self;
	char *path, *text = NULL;
	struct stat st;

	if (rate == 0)
		rate = OPUS_CODEC_RATE;
	if (opus_codec_check_rate(rate, cause) != 0)
		return NULL;
	path = xasprintf("%s/%s", dir, VOICE_SOCKET_NAME);
	/* ZeroMQ would wait forever for a socket that does not exist. */
	if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		fail(cause, "no daemon answers on '%s'", path);
		free(path);
		return NULL;
	}
	free(path);
	self = xcalloc(1, sizeof *self);
	self->dir = xstrdup(dir);
	self->user = user != NULL && *user != '\0' ? xstrdup(user) : NULL;
	self->rate = rate;
	pthread_mutex_init(&self->lock, NULL);
	self->endpoint = datadir_endpoint(dir, VOICE_SOCKET_NAME, cause);
	if (self->endpoint == NULL) {
		voice_client_destroy(&self);
		return NULL;
	}
	self->actor = zactor_new(voice_actor, self);
	if (voice_client_ask(self, &text, "HELLO", NULL) != 0) {
		fail(cause, "%s", text);
		free(text);
		voice_client_destroy(&self);
		return NULL;
	}
	free(text);
	return self;
}

void
voice_client_destroy(voice_client_t **self_p)
{
	voice_client_t *self;

	assert(self_p);
	if ((self = *self_p) == NULL)
		return;
	zactor_destroy(&self->actor);
	pthread_mutex_destroy(&self->lock);
	free(self->dir);
	free(self->user);
	free(self->endpoint);
	free(self->record_path);
	free(self);
	*self_p = NULL;
}

int
voice_client_play(voice_client_t *self, const char *device, char **cause)
{
	return voice_client_do(
	    self, "PLAY", device != NULL ? device : "", cause);
}

int
voice_client_record(voice_client_t *self, const char *path, char **cause)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct stat st;
	int rc;

	/* Refuse now what wav_write would refuse at the end. */
	if (slash != NULL)
		*slash = '\0';
	if (stat(slash != NULL ? (*dir != '\0' ? dir : "/") : ".", &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		fail(cause, "cannot record into '%s': no directory '%s'", path,
		    slash != NULL ? dir : ".");
		free(dir);
		return -1;
	}
	free(dir);
	if ((rc = voice_client_do(self, "RECORD", NULL, cause)) == 0) {
		free(self->record_path);
		self->record_path = xstrdup(path);
	}
	return rc;
}

int
voice_client_record_end(voice_client_t *self, double *seconds, char **cause)
{
	char *text;
	int rc;

	if (self->record_path == NULL)
		return fail(cause, "not recording");
	rc = voice_client_ask(self, &text, "RECEND", self->record_path);
	if (rc != 0)
		fail(cause, "%s", text);
	else if (seconds != NULL)
		*seconds = strtod(text, NULL) / self->rate;
	free(text);
	free(self->record_path);
	self->record_path = NULL;
	return rc != 0 ? -1 : 0;
}

int
voice_client_listen(voice_client_t *self, const char *room, char **cause)
{
	return voice_client_do(self, "LISTEN", room, cause);
}

int
voice_client_unlisten(voice_client_t *self, const char *room, char **cause)
{
	return voice_client_do(self, "UNLISTEN", room, cause);
}

voice_talk_result_t
voice_client_talk(
    voice_client_t *self, voice_talk_t *talk, char **holder, char **cause)
{
	talk_req_t *req = xcalloc(1, sizeof *req);
	char *text = NULL;
	int rc = -1;

	*holder = NULL;
	req->room = xstrdup(talk->room);
	req->emergency = talk->emergency;
	req->call = talk->call;
	req->pcm = talk->pcm;
	talk->pcm = NULL;
	req->samples = talk->samples;
	req->rate = talk->rate;
	req->device = talk->device != NULL ? xstrdup(talk->device) : NULL;
	if (req->rate != 0 && opus_codec_check_rate(req->rate, cause) != 0) {
		talk_req_destroy(&req);
		return VOICE_TALK_ERROR;
	}
	zsock_send(self->actor, "sp", "TALK", req);
	if (voice_client_answer(self, &rc, &text) != 0)
		text = xstrdup("the voice session ended");
	if (rc == VOICE_TALK_BUSY) {
		*holder = text;
		return VOICE_TALK_BUSY;
	}
	if (rc != VOICE_TALK_GRANTED) {
		fail(cause, "%s", text);
		rc = VOICE_TALK_ERROR;
	}
	free(text);
	return rc;
}

int
voice_client_stop(voice_client_t *self, char **cause)
{
	return voice_client_do(self, "STOP", NULL, cause);
}

void
voice_client_state(voice_client_t *self, voice_client_state_t *state)
{
	pthread_mutex_lock(&self->lock);
	*state = self->state;
	pthread_mutex_unlock(&self->lock);
}

/* The self-test's daemon: a ROUTER that speaks the contract. TALK in
 * "busy" is refused (carol@c holds it), in "pre" granted then preempted
 * by dave@d; else granted as stream 7, and each FRAME is counted and sent
 * back to the listeners of its room as bob@b's stream 9. "REPORT" on the
 * pipe answers frames, sequence errors, STOPs, STATS and PINGs. */
void
voice_client_fake_daemon(zsock_t *pipe, void *args)
{
	zsock_t *router = zsock_new(ZMQ_ROUTER);
	zframe_t *listener = NULL;
	char listen_room[VOICE_NAME_MAX] = "", talk_room[VOICE_NAME_MAX] = "";
	uint32_t expect = 0;
	int frames = 0, seq_errors = 0, stops = 0, stats = 0, pings = 0;
	zpoller_t *poller;

	assert(router != NULL);
	assert(zsock_bind(router, "%s", (char *)args) == 0);
	poller = zpoller_new(pipe, router, NULL);
	zsock_signal(pipe, 0);
	for (;;) {
		void *which = zpoller_wait(poller, -1);
		zmsg_t *msg, *out;
		zframe_t *id;
		char *cmd, *a1 = NULL, *a2 = NULL;

		if (which == pipe) {
			cmd = zstr_recv(pipe);
			if (cmd == NULL || strcmp(cmd, "$TERM") == 0) {
				free(cmd);
				break;
			}
			zsock_send(pipe, "iiiii", frames, seq_errors, stops,
			    stats, pings);
			free(cmd);
			continue;
		}
		if (which != router)
			break;
		msg = zmsg_recv(router);
		id = zmsg_pop(msg);
		cmd = zmsg_popstr(msg);
		out = zmsg_new();
		zmsg_append(out, &(zframe_t *){zframe_dup(id)});
		if (strcmp(cmd, "HELLO") == 0) {
			a1 = zmsg_popstr(msg);
			assert(strcmp(a1, VOICE_SOCKET_VERSION) == 0);
			zmsg_addstr(out, "WELCOME");
			zmsg_addstr(out, "fake");
			zmsg_addstr(out, "00ff");
		} else if (strcmp(cmd, "LISTEN") == 0 &&
		           strcmp((a1 = zmsg_popstr(msg)), "nope") == 0) {
			zmsg_addstr(out, "ERROR");
			zmsg_addstr(out, "LISTEN");
			zmsg_addstr(out, "not_found");
			zmsg_addstr(out, "no room 'nope'");
		} else if (strcmp(cmd, "LISTEN") == 0) {
			snprintf(listen_room, sizeof listen_room, "%s", a1);
			zframe_destroy(&listener);
			listener = zframe_dup(id);
			zmsg_addstr(out, "OK");
			zmsg_addstr(out, "LISTEN");
			zmsg_addstr(out, a1);
		} else if (strcmp(cmd, "UNLISTEN") == 0) {
			a1 = zmsg_popstr(msg);
			listen_room[0] = '\0';
			zmsg_addstr(out, "OK");
			zmsg_addstr(out, "UNLISTEN");
			zmsg_addstr(out, a1);
		} else if (strcmp(cmd, "TALK") == 0) {
			a1 = zmsg_popstr(msg);
			snprintf(talk_room, sizeof talk_room, "%s", a1);
			expect = 0;
			if (strcmp(a1, "busy") == 0) {
				zmsg_addstr(out, "BUSY");
				zmsg_addstr(out, a1);
				zmsg_addstr(out, "carol@c");
			} else {
				zmsg_addstr(out, "GRANTED");
				zmsg_addstr(out, a1);
				wire_add_u32(out, 7);
				zmsg_send(&out, router);
				out = zmsg_new();
				zmsg_append(out, &(zframe_t *){zframe_dup(id)});
				if (strcmp(a1, "pre") == 0) {
					zmsg_addstr(out, "PREEMPTED");
					zmsg_addstr(out, a1);
					wire_add_u32(out, 7);
					zmsg_addstr(out, "dave@d");
				} else {
					zmsg_addstr(out, "FLOOR");
					zmsg_addstr(out, a1);
					zmsg_addstr(out, "alice@fake");
					wire_add_u32(out, 7);
					zmsg_addstr(out, "normal");
				}
			}
		} else if (strcmp(cmd, "FRAME") == 0) {
			uint32_t stream, seq;
			int64_t cap;
			zframe_t *opus;

			assert(msg_pop_u32(msg, &stream) && stream == 7);
			assert(msg_pop_u32(msg, &seq));
			assert(msg_pop_i64(msg, &cap));
			assert(llabs(time_now_us() - cap) < 1000000);
			if (seq != expect)
				seq_errors++;
			expect = seq + 1;
			frames++;
			opus = zmsg_pop(msg);
			if (listener != NULL &&
			    strcmp(listen_room, talk_room) == 0) {
				zmsg_destroy(&out);
				out = zmsg_new();
				zmsg_append(
				    out, &(zframe_t *){zframe_dup(listener)});
				zmsg_addstr(out, "FRAME");
				zmsg_addstr(out, listen_room);
				zmsg_addstr(out, "bob@b");
				wire_add_u32(out, 9);
				wire_add_u32(out, seq);
				msg_add_i64(out, cap);
				zmsg_addmem(out, "\0", 1);
				zmsg_append(out, &opus);
			}
			zframe_destroy(&opus);
		} else if (strcmp(cmd, "STOP") == 0) {
			stops++;
			zmsg_addstr(out, "OK");
			zmsg_addstr(out, "STOP");
			zmsg_addstr(out, "ops");
		} else if (strcmp(cmd, "STATS") == 0) {
			json_t *j;

			a1 = zmsg_popstr(msg);
			j = json_loads(a1, 0, NULL);
			assert(json_is_array(json_object_get(j, "streams")));
			json_decref(j);
			stats++;
		} else if (strcmp(cmd, "PING") == 0) {
			pings++;
			zmsg_addstr(out, "PONG");
		}
		if (zmsg_size(out) > 1)
			zmsg_send(&out, router);
		zmsg_destroy(&out);
		zframe_destroy(&id);
		free(cmd);
		free(a1);
		free(a2);
		zmsg_destroy(&msg);
	}
	zframe_destroy(&listener);
	zpoller_destroy(&poller);
	zsock_destroy(&router);
}

/* Waits up to ms for the state to satisfy pred. */
static bool
test_wait(voice_client_t *vc, voice_client_state_t *st, int ms,
    bool (*pred)(const voice_client_state_t *))
{
	int64_t end = time_mono_us() + ms * 1000;

	do {
		voice_client_state(vc, st);
		if (pred(st))
			return true;
		zclock_sleep(5);
	} while (time_mono_us() < end);
	return false;
}

static bool
test_talk_over(const voice_client_state_t *st)
{
	return !st->talking;
}

static bool
test_preempted(const voice_client_state_t *st)
{
	return st->preempted;
}

void
voice_client_test(bool verbose)
{
	char dir[] = "/tmp/ioe-voice-client-test.XXXXXX", *endpoint, *path;
	char *cause = NULL, *holder = NULL, *cmd;
	voice_client_t *vc;
	voice_client_state_t st;
	zactor_t *fake;
	int16_t *pcm;
	size_t n = 8000, samples; /* 0.5 s at 16 kHz: 25 frames */
	unsigned rate;
	int64_t t0, took, rec0, rec_us;
	int frames, seq_errors, stops, stats, pings;
	double seconds, loud = -100;
	wav_t *w;

	if (verbose)
		printf(" * voice-client: ");
	assert(mkdtemp(dir) != NULL);

	/* No daemon: a clear error at once. */
	vc = voice_client_new(dir, NULL, 0, &cause);
	assert(vc == NULL);
	assert(strstr(cause, "no daemon answers on '") != NULL);
	free(cause);
	cause = NULL;

	/* WAV files: stereo is mixed, 44.1 kHz refused naming the file. */
	path = xasprintf("%s/in.wav", dir);
	pcm = xcalloc(2 * n, sizeof *pcm);
	for (size_t i = 0; i < n; i++)
		pcm[2 * i] = pcm[2 * i + 1] =
		    (int16_t)(8000 * sin(2 * M_PI * 440 * (double)i / 16000));
	assert(wav_write(path, pcm, n, 44100, 2, &cause) == 0);
	assert(voice_client_read_wav(path, &rate, &samples, &cause) == NULL);
	assert(strstr(cause, "in.wav': 44100 Hz; Opus takes") != NULL);
	free(cause);
	cause = NULL;
	assert(wav_write(path, pcm, n, 16000, 2, &cause) == 0);
	free(pcm);
	pcm = voice_client_read_wav(path, &rate, &samples, &cause);
	assert(pcm != NULL && rate == 16000 && samples == n);
	assert(voice_client_dbfs(pcm, samples) > -16);

	endpoint = xasprintf("ipc://%s/voice", dir);
	fake = zactor_new(voice_client_fake_daemon, endpoint);
	vc = voice_client_new(dir, NULL, 0, &cause);
	assert(vc != NULL);
	voice_client_state(vc, &st);
	assert(strcmp(st.node, "fake") == 0);

	/* Listen and record while talking: the daemon sends our frames
	 * back as bob@b's. */
	free(path);
	path = xasprintf("%s/out.wav", dir);
	rec0 = time_mono_us();
	assert(voice_client_record(vc, path, &cause) == 0);
	assert(voice_client_listen(vc, "ops", &cause) == 0);
	assert(voice_client_listen(vc, "nope", &cause) == -1);
	assert(strcmp(cause, "no room 'nope'") == 0);
	free(cause);
	cause = NULL;

	t0 = time_mono_us();
	assert(voice_client_talk(vc,
	           &(voice_talk_t){.room = "ops",
	               .pcm = pcm,
	               .samples = samples,
	               .rate = rate},
	           &holder, &cause) == VOICE_TALK_GRANTED);
	voice_client_state(vc, &st);
	assert(st.talking && st.talk_stream == 7);
	assert(test_wait(vc, &st, 2000, test_talk_over));
	took = time_mono_us() - t0;
	/* 25 frames, the last one due 480 ms after the first. */
	assert(st.talk_ended && !st.preempted);
	assert(st.frames_sent == 25);
	assert(took >= 470000 && took < 700000);
	assert(
	    st.nfloors == 1 && strcmp(st.floors[0].holder, "alice@fake") == 0);
	assert(voice_client_stop(vc, &cause) == 0);

	/* Busy: the holder is named. */
	assert(voice_client_talk(vc,
	           &(voice_talk_t){
	               .room = "busy", .pcm = xcalloc(320, 2), .samples = 320},
	           &holder, &cause) == VOICE_TALK_BUSY);
	assert(strcmp(holder, "carol@c") == 0);
	free(holder);

	/* Preempted: the talk stops and says by whom. */
	assert(
	    voice_client_talk(vc,
	        &(voice_talk_t){
	            .room = "pre", .pcm = xcalloc(16000, 2), .samples = 16000},
	        &holder, &cause) == VOICE_TALK_GRANTED);
	assert(test_wait(vc, &st, 1000, test_preempted));
	assert(!st.talking && strcmp(st.preempted_by, "dave@d") == 0);
	assert(voice_client_stop(vc, &cause) == 0);

	/* Silence goes on being recorded; STATS and PING go out. */
	zclock_sleep(1100);

	/* What came back was played out and recorded. */
	voice_client_state(vc, &st);
	assert(st.frames_received == 25);
	assert(st.nstreams == 1 && strcmp(st.streams[0].talker, "bob@b") == 0);
	assert(st.streams[0].jitter.received == 25);
	assert(st.streams[0].jitter.lost == 0);
	assert(voice_client_unlisten(vc, "ops", &cause) == 0);
	assert(voice_client_record_end(vc, &seconds, &cause) == 0);
	rec_us = time_mono_us() - rec0;
	w = wav_read(path, &cause);
	assert(w != NULL && w->rate == 16000 && w->channels == 1);
	assert(fabs(seconds - (double)w->frames / 16000) < 1e-9);
	/* The recording lasts as long as the listening, silence
	 * included (within two ticks). */
	assert(fabs((double)w->frames / 16 - rec_us / 1000.0) < 40);
	for (size_t i = 0; i + 320 <= w->frames; i += 320) {
		double l = voice_client_dbfs(w->samples + i, 320);

		if (l > loud)
			loud = l;
	}
	assert(loud > -20);
	/* The last second is silence. */
	assert(w->frames > 16000 &&
	       voice_client_dbfs(w->samples + w->frames - 16000, 16000) < -60);
	wav_destroy(&w);

	voice_client_destroy(&vc);
	zstr_send(fake, "REPORT");
	assert(zsock_recv(fake, "iiiii", &frames, &seq_errors, &stops, &stats,
	           &pings) == 0);
	/* 25 frames of ops (and maybe the first of pre), in order. */
	assert(frames >= 25 && frames <= 26 && seq_errors == 0);
	assert(stops >= 2 && stats >= 1 && pings >= 1);
	zactor_destroy(&fake);
	if (verbose)
		printf("%d frames sent in %.0f ms, %.2f s recorded, "
		       "loudest %.1f dBFS, %d STATS, %d PINGs: OK\n",
		    frames, took / 1000.0, seconds, loud, stats, pings);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert(system(cmd) == 0);
	free(cmd);
	free(endpoint);
	free(path);
}
