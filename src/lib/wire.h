/* Messages between nodes on a mesh link; see ioe-protocol(7). A message
 * is a ZeroMQ multipart message: the command as its first frame, then its
 * fields, each a frame of fixed or bounded size. Decoding is strict: a
 * frame count, size or value out of place refuses the whole message. */
#ifndef IOE_WIRE_H
#define IOE_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

#include "entry.h"

/* 2: the chunk messages of the file ledger. 3: voice (RT, VOICE,
 * FLOOR). */
#define WIRE_VERSION 3
#define WIRE_CHUNK_MAX (1024 * 1024)
/* Entries in one ENTRIES batch, and their bytes: bounded so that a node
 * catching up never holds much in memory nor delays live traffic long. */
#define WIRE_BATCH_ENTRIES 256
#define WIRE_BATCH_BYTES (2 * 1024 * 1024)
#define WIRE_SUMMARY_MAX 4096	/* authors in one SUMMARY */
#define WIRE_CERT_MAX 8192
#define WIRE_ENDPOINT_MAX 256
#define WIRE_GOSSIP_MAX (256 * 1024)
/* The BYE reason that asks a neighbour to say HELLO again at once. */
#define WIRE_BYE_UNKNOWN_LINK "unknown link"
#define WIRE_MESSAGE_MAX (WIRE_BATCH_BYTES + ENTRY_SIZE_MAX + 4096)

enum wire_command {
	WIRE_HELLO,	/* version, certificate PEM, listen endpoint */
	WIRE_WELCOME,	/* version, certificate PEM, listen endpoint */
	WIRE_BYE,	/* reason */
	WIRE_PING,	/* sequence, time */
	WIRE_PONG,	/* sequence, time echoed */
	WIRE_ENTRY,	/* one entry, flooded */
	WIRE_SUMMARY,	/* (author, seq) for every author */
	WIRE_WANT,	/* author, first seq, count */
	WIRE_ENTRIES,	/* a batch answering WANT */
	WIRE_GOSSIP,	/* link state, JSON */
	WIRE_CHUNK_WANT, /* a chunk's hash */
	WIRE_CHUNK,	/* hash, the chunk's bytes */
	WIRE_CHUNK_NONE, /* hash: not held here */
	WIRE_RT,	/* opens the link's real-time connection */
	WIRE_VOICE,	/* one Opus frame of a talker (wire_voice_t) */
	WIRE_FLOOR,	/* a press or release of the floor (wire_voice_t) */
};

/* Room names: chat rooms, and direct conversations "@a|b". */
#define WIRE_ROOM_MAX 320
#define WIRE_USER_MAX 63
#define WIRE_OPUS_MAX 1275
#define WIRE_VOICE_EMERGENCY 0x01
#define WIRE_VOICE_CALL 0x02	/* a voice room's frame: no floor */
#define WIRE_FLOOR_RELEASE 0x04	/* FLOOR: a release, else a request */

/* VOICE and FLOOR: ephemeral, never stored. FLOOR carries no seq, no
 * opus, and capture_us is the time of the press. */
typedef struct wire_voice {
	char room[WIRE_ROOM_MAX + 1];
	uint8_t talker[32];		/* the talker's node key */
	char user[WIRE_USER_MAX + 1];
	uint32_t stream;
	uint32_t seq;
	uint8_t hops;			/* hops left */
	uint8_t flags;
	uint64_t lamport;		/* of the press */
	int64_t capture_us;		/* wall clock */
	const uint8_t *opus;		/* VOICE: into the message */
	size_t opus_len;
} wire_voice_t;

typedef struct wire_head {
	uint8_t author[32];
	uint64_t seq;
} wire_head_t;

typedef struct wire_msg {
	enum wire_command command;
	uint32_t version;		/* HELLO, WELCOME */
	char *cert;			/* HELLO, WELCOME: PEM */
	char *endpoint;			/* HELLO, WELCOME: may be "" */
	char *text;			/* BYE reason, GOSSIP JSON */
	uint64_t seq;			/* PING, PONG */
	int64_t time_us;		/* PING, PONG */
	wire_head_t *heads;		/* SUMMARY */
	size_t nheads;
	uint8_t author[32];		/* WANT */
	uint64_t first;			/* WANT */
	uint32_t count;			/* WANT */
	zframe_t **entries;		/* ENTRY (1), ENTRIES (0..batch): raw */
	size_t nentries;
	uint8_t hash[32];		/* CHUNK_WANT, CHUNK, CHUNK_NONE */
	zframe_t *data;			/* CHUNK; VOICE: the Opus packet */
	wire_voice_t voice;		/* VOICE, FLOOR */
} wire_msg_t;

/* Strict decoding of a received message (taken). Returns NULL with
 * *cause set. Caller owns return value. */
wire_msg_t *wire_decode(zmsg_t **msg_p, char **cause);
void wire_msg_destroy(wire_msg_t **self_p);
const char *wire_command_name(enum wire_command command);

/* Builders; each returns a message ready to send (caller owns it). */
zmsg_t *wire_hello(enum wire_command command, const char *cert,
    const char *endpoint);
zmsg_t *wire_bye(const char *reason);
zmsg_t *wire_ping(enum wire_command command, uint64_t seq, int64_t time_us);
zmsg_t *wire_entry(const void *raw, size_t len);
zmsg_t *wire_summary(const wire_head_t *heads, size_t n);
zmsg_t *wire_want(const uint8_t author[32], uint64_t first, uint32_t count);
/* An empty ENTRIES batch; add raw entries with zmsg_addmem. */
zmsg_t *wire_entries(void);
zmsg_t *wire_gossip(const char *json);
/* CHUNK_WANT and CHUNK_NONE. */
zmsg_t *wire_chunk_ask(enum wire_command command, const uint8_t hash[32]);
/* CHUNK: data is taken. */
zmsg_t *wire_chunk(const uint8_t hash[32], zframe_t **data);

/* Appends a field of 4 or 8 bytes, big-endian (stream, seq, time). */
void wire_add_u32(zmsg_t *msg, uint32_t v);
void wire_add_u64(zmsg_t *msg, uint64_t v);
/* RT: no fields. */
zmsg_t *wire_rt(void);
/* VOICE (with v->opus) or FLOOR. */
zmsg_t *wire_voice(enum wire_command command, const wire_voice_t *v);
void wire_test(bool verbose);

#endif
