/* The client side of the voice socket, ipc://DIR/voice (doc/voice.md,
 * "The relay and the voice socket"), for ioectl and ioe-tui.
 *
 * A session runs in a czmq actor (its own thread) that owns the DEALER:
 * it pings the daemon every second, sends STATS once a second, and every
 * 20 ms plays out what the rooms listened to carry: each stream's frames
 * go through one jitter buffer (keyed by a local number for each
 * (room, talker, stream), since stream numbers are only unique per
 * node), are decoded by the stream's own decoder (FEC when the next frame
 * is there, concealment otherwise), mixed, and handed to the sinks: a
 * playback device (audio-dev.c, in a thread of its own) and a recording
 * that grows by 20 ms every tick, silence included, so that its length
 * is the time listened. Talking sends a signal (a WAV file, paced in real
 * time by the monotonic clock) or the microphone (captured in a thread
 * of its own), 20 ms per FRAME.
 *
 * Every call below is synchronous and short (at most the 3 s the daemon
 * has to answer); none blocks on audio. The state (floors, talking,
 * statistics) can be read at any time from any thread. One thread calls
 * the functions of one client. */
#ifndef IOE_VOICE_CLIENT_H
#define IOE_VOICE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "jitter.h"
#include "proto.h"

#define VOICE_ANSWER_MS      3000    /* the daemon's time to answer a command */
#define VOICE_PING_MS        1000    /* PING and STATS period */
#define VOICE_NAME_MAX       128     /* room and user@node, bytes */
#define VOICE_ROOMS_MAX      16      /* rooms whose floor is known */
#define VOICE_STREAMS_MAX    32      /* streams played at once */
#define VOICE_STREAM_IDLE_US 5000000 /* a silent stream is forgotten */

typedef struct voice_client voice_client_t;

/* What voice_client_talk sends. */
typedef struct voice_talk {
	const char *room;
	bool emergency; /* prio "emergency": preempts a normal holder */
	bool call;      /* mode "call" (a voice room, no floor), else "ptt" */
	int16_t *pcm;   /* taken: a mono signal sent in real time, then the
	                   talk ends by itself; NULL: the microphone until
	                   voice_client_stop */
	size_t samples; /* of pcm */
	unsigned rate;  /* pcm's rate, or the microphone's (0: the
	                   client's); one Opus takes */
	const char *device; /* capture device (NULL: the default) */
} voice_talk_t;

typedef enum voice_talk_result {
	VOICE_TALK_ERROR = -1, /* *cause says why */
	VOICE_TALK_GRANTED,    /* frames are being sent */
	VOICE_TALK_BUSY,       /* *holder holds the floor */
} voice_talk_result_t;

/* One stream played, as the state shows it. */
typedef struct voice_stream_state {
	char room[VOICE_NAME_MAX];
	char talker[VOICE_NAME_MAX]; /* user@node */
	uint32_t stream;             /* the daemon's number */
	bool emergency, call;
	int latency_ms; /* now - capture_us at the last arrival */
	jitter_stats_t jitter;
} voice_stream_state_t;

/* A snapshot of the session (voice_client_state). */
typedef struct voice_client_state {
	char node[VOICE_NAME_MAX]; /* the daemon's node name (WELCOME) */
	bool daemon_lost;          /* no answer for 5 s */
	/* Talking. */
	bool talking;    /* granted, frames being sent */
	bool talk_ended; /* the signal or the microphone ran out */
	bool preempted;  /* PREEMPTED came: frames are no longer sent */
	char preempted_by[VOICE_NAME_MAX];
	char talk_room[VOICE_NAME_MAX];
	uint32_t talk_stream;
	uint64_t frames_sent;
	double level_dbfs;    /* RMS of the last frame sent, -100 for silence */
	char talk_error[256]; /* why the microphone stopped, or "" */
	/* The floors of the rooms listened or talked in (FLOOR). */
	size_t nfloors;
	struct {
		char room[VOICE_NAME_MAX];
		char holder[VOICE_NAME_MAX]; /* "" when free */
		uint32_t stream;
		bool emergency;
	} floors[VOICE_ROOMS_MAX];
	/* Listening. */
	size_t nstreams;
	voice_stream_state_t streams[VOICE_STREAMS_MAX];
	uint64_t ticks; /* 20 ms playout ticks so far */
	uint64_t frames_received;
	unsigned playback_xruns;
} voice_client_state_t;

/* Connects to the daemon of dir: a DEALER on ipc://DIR/voice, HELLO "1",
 * and waits up to VOICE_ANSWER_MS for WELCOME. user is who listens and
 * talks (NULL or "": the node's only user); rate (0: 16000) is the rate
 * played, recorded and captured. Caller owns return value; NULL with
 * *cause set ("no daemon answers on 'DIR/voice'", or the daemon's
 * ERROR). */
voice_client_t *voice_client_new(
    const char *dir, const char *user, unsigned rate, char **cause);
/* Stops talking (STOP) and listening, closes the devices and the
 * session. A recording not ended is lost. */
void voice_client_destroy(voice_client_t **self_p);

/* Plays what is listened to on device (NULL: the default one). Returns 0,
 * or -1 with *cause set if it cannot open. */
int voice_client_play(voice_client_t *self, const char *device, char **cause);
/* Records what is listened to, from now on, into a WAV file at path
 * written by voice_client_record_end. Returns 0, or -1 with *cause set. */
int voice_client_record(voice_client_t *self, const char *path, char **cause);
/* Ends the recording and writes it (mono, the client's rate). Sets
 * *seconds (if not NULL) to its length. Returns 0, or -1 with *cause
 * set. */
int voice_client_record_end(
    voice_client_t *self, double *seconds, char **cause);

/* LISTEN and UNLISTEN room. Return 0, or -1 with *cause set (the daemon's
 * ERROR, or no answer). */
int voice_client_listen(voice_client_t *self, const char *room, char **cause);
int voice_client_unlisten(voice_client_t *self, const char *room, char **cause);

/* TALK, then FRAMEs until the signal ends or voice_client_stop. One talk
 * at a time. On VOICE_TALK_BUSY *holder is set to who holds the floor
 * (caller frees). The signal is taken whatever the result. */
voice_talk_result_t voice_client_talk(
    voice_client_t *self, voice_talk_t *talk, char **holder, char **cause);
/* Stops talking: no more frames, STOP. Returns 0 (also when not
 * talking), or -1 with *cause set. */
int voice_client_stop(voice_client_t *self, char **cause);

/* Copies the session's state now into *state. */
void voice_client_state(voice_client_t *self, voice_client_state_t *state);

/* Reads the WAV file at path as a mono signal Opus can send: 16-bit PCM
 * at 8, 12, 16, 24 or 48 kHz, one channel, or two mixed into one. Caller
 * frees the samples; *rate and *samples are set. NULL with *cause set
 * (naming the file) otherwise. */
int16_t *voice_client_read_wav(
    const char *path, unsigned *rate, size_t *samples, char **cause);

/* RMS of samples in dB relative to full scale; -100 for silence. */
double voice_client_dbfs(const int16_t *pcm, size_t samples);

/* For tests: a fake daemon, as an actor (zactor_new(voice_client_fake_daemon,
 * endpoint)) binding a ROUTER on endpoint. TALK in "busy" is refused
 * (carol@c holds the floor), in "pre" granted then preempted by dave@d;
 * LISTEN to "nope" is answered ERROR not_found; any other TALK is
 * granted as stream 7 with a FLOOR; each FRAME is counted and sent
 * to the last client that listened to its room as bob@b's stream 9.
 * "REPORT" on the pipe answers five ints: frames, sequence errors,
 * STOPs, STATS and PINGs. */
void voice_client_fake_daemon(zsock_t *pipe, void *endpoint);

void voice_client_test(bool verbose);

#endif
