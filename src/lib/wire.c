#include "config.h"

#include <assert.h>
#include <string.h>

#include "util.h"
#include "wire.h"

static const char *const wire_names[] = {
	[WIRE_HELLO] = "HELLO",
	[WIRE_WELCOME] = "WELCOME",
	[WIRE_BYE] = "BYE",
	[WIRE_PING] = "PING",
	[WIRE_PONG] = "PONG",
	[WIRE_ENTRY] = "ENTRY",
	[WIRE_SUMMARY] = "SUMMARY",
	[WIRE_WANT] = "WANT",
	[WIRE_ENTRIES] = "ENTRIES",
	[WIRE_GOSSIP] = "GOSSIP",
	[WIRE_CHUNK_WANT] = "CHUNK_WANT",
	[WIRE_CHUNK] = "CHUNK",
	[WIRE_CHUNK_NONE] = "CHUNK_NONE",
	[WIRE_RT] = "RT",
	[WIRE_VOICE] = "VOICE",
	[WIRE_FLOOR] = "FLOOR",
};

/* VOICE and FLOOR: talker, stream, seq, hops, flags, lamport, time. */
#define WIRE_VOICE_HEAD (32 + 4 + 4 + 1 + 1 + 8 + 8)

const char *
wire_command_name(enum wire_command command)
{
	return wire_names[command];
}

static zmsg_t *
wire_new(enum wire_command command)
{
	zmsg_t *msg = zmsg_new();

	zmsg_addstr(msg, wire_names[command]);
	return msg;
}

zmsg_t *
wire_hello(enum wire_command command, const char *cert, const char *endpoint)
{
	zmsg_t *msg = wire_new(command);
	uint8_t v[4] = { 0, 0, 0, WIRE_VERSION };

	zmsg_addmem(msg, v, sizeof v);
	zmsg_addstr(msg, cert);
	zmsg_addstr(msg, endpoint != NULL ? endpoint : "");
	return msg;
}

zmsg_t *
wire_bye(const char *reason)
{
	zmsg_t *msg = wire_new(WIRE_BYE);

	zmsg_addstr(msg, reason);
	return msg;
}

zmsg_t *
wire_ping(enum wire_command command, uint64_t seq, int64_t time_us)
{
	zmsg_t *msg = wire_new(command);
	uint8_t b[16];

	be64_put(b, seq);
	be64_put(b + 8, (uint64_t)time_us);
	zmsg_addmem(msg, b, sizeof b);
	return msg;
}

zmsg_t *
wire_entry(const void *raw, size_t len)
{
	zmsg_t *msg = wire_new(WIRE_ENTRY);

	zmsg_addmem(msg, raw, len);
	return msg;
}

zmsg_t *
wire_summary(const wire_head_t *heads, size_t n)
{
	zmsg_t *msg = wire_new(WIRE_SUMMARY);
	uint8_t *b = xcalloc(n, 40);

	for (size_t i = 0; i < n; i++) {
		memcpy(b + 40 * i, heads[i].author, 32);
		be64_put(b + 40 * i + 32, heads[i].seq);
	}
	zmsg_addmem(msg, b, 40 * n);
	free(b);
	return msg;
}

zmsg_t *
wire_want(const uint8_t author[32], uint64_t first, uint32_t count)
{
	zmsg_t *msg = wire_new(WIRE_WANT);
	uint8_t b[44];

	memcpy(b, author, 32);
	be64_put(b + 32, first);
	be32_put(b + 40, count);
	zmsg_addmem(msg, b, sizeof b);
	return msg;
}

zmsg_t *
wire_entries(void)
{
	return wire_new(WIRE_ENTRIES);
}

zmsg_t *
wire_gossip(const char *json)
{
	zmsg_t *msg = wire_new(WIRE_GOSSIP);

	zmsg_addstr(msg, json);
	return msg;
}

zmsg_t *
wire_chunk_ask(enum wire_command command, const uint8_t hash[32])
{
	zmsg_t *msg = wire_new(command);

	zmsg_addmem(msg, hash, 32);
	return msg;
}

zmsg_t *
wire_chunk(const uint8_t hash[32], zframe_t **data)
{
	zmsg_t *msg = wire_new(WIRE_CHUNK);

	zmsg_addmem(msg, hash, 32);
	zmsg_append(msg, data);
	return msg;
}

void
wire_add_u32(zmsg_t *msg, uint32_t v)
{
	uint8_t b[4];

	be32_put(b, v);
	zmsg_addmem(msg, b, sizeof b);
}

void
wire_add_u64(zmsg_t *msg, uint64_t v)
{
	uint8_t b[8];

	be64_put(b, v);
	zmsg_addmem(msg, b, sizeof b);
}

zmsg_t *
wire_rt(void)
{
	return wire_new(WIRE_RT);
}

zmsg_t *
wire_voice(enum wire_command command, const wire_voice_t *v)
{
	zmsg_t *msg = wire_new(command);
	uint8_t b[WIRE_VOICE_HEAD];

	memcpy(b, v->talker, 32);
	be32_put(b + 32, v->stream);
	be32_put(b + 36, v->seq);
	b[40] = v->hops;
	b[41] = v->flags;
	be64_put(b + 42, v->lamport);
	be64_put(b + 50, (uint64_t)v->capture_us);
	zmsg_addmem(msg, b, sizeof b);
	zmsg_addstr(msg, v->room);
	zmsg_addstr(msg, v->user);
	if (command == WIRE_VOICE)
		zmsg_addmem(msg, v->opus, v->opus_len);
	return msg;
}

/* A frame as a NUL-terminated string of at most max bytes with no NUL
 * inside. Caller frees. */
static char *
wire_string(zframe_t *frame, size_t max, const char *what, char **cause)
{
	size_t len = zframe_size(frame);
	char *s;

	if (len > max) {
		fail(cause, "%s of %zu bytes is over the limit of %zu", what,
		    len, max);
		return NULL;
	}
	if (memchr(zframe_data(frame), '\0', len) != NULL) {
		fail(cause, "%s holds a NUL byte", what);
		return NULL;
	}
	s = xcalloc(len + 1, 1);
	memcpy(s, zframe_data(frame), len);
	return s;
}

static bool
wire_size(zframe_t *frame, size_t want, const char *what, char **cause)
{
	if (zframe_size(frame) != want) {
		fail(cause, "%s is %zu bytes, not %zu", what, zframe_size(frame),
		    want);
		return false;
	}
	return true;
}

/* A text field copied into a buffer of max + 1 bytes: not empty, no
 * NUL. */
static int
wire_text(zframe_t *f, char *buf, size_t max, const char *what,
    char **cause)
{
	size_t len = zframe_size(f);

	if (len == 0 || len > max)
		return fail(cause, "%s of %zu bytes is out of range", what, len);
	if (memchr(zframe_data(f), '\0', len) != NULL)
		return fail(cause, "%s holds a NUL byte", what);
	memcpy(buf, zframe_data(f), len);
	buf[len] = '\0';
	return 0;
}

static int
wire_decode_voice(wire_msg_t *self, zmsg_t *msg, zframe_t *f, char **cause)
{
	wire_voice_t *v = &self->voice;
	const uint8_t *d;

	if (!wire_size(f, WIRE_VOICE_HEAD, "voice header", cause))
		return -1;
	d = zframe_data(f);
	memcpy(v->talker, d, 32);
	v->stream = be32_get(d + 32);
	v->seq = be32_get(d + 36);
	v->hops = d[40];
	v->flags = d[41];
	v->lamport = be64_get(d + 42);
	v->capture_us = (int64_t)be64_get(d + 50);
	if (wire_text(zmsg_next(msg), v->room, WIRE_ROOM_MAX, "room",
		cause) != 0 ||
	    wire_text(zmsg_next(msg), v->user, WIRE_USER_MAX, "user",
		cause) != 0)
		return -1;
	if (self->command == WIRE_FLOOR)
		return 0;
	f = zmsg_next(msg);
	if (zframe_size(f) == 0 || zframe_size(f) > WIRE_OPUS_MAX)
		return fail(cause, "an Opus packet of %zu bytes is out of "
				   "range",
		    zframe_size(f));
	zmsg_remove(msg, f);
	self->data = f;
	v->opus = zframe_data(f);
	v->opus_len = zframe_size(f);
	return 0;
}

wire_msg_t *
wire_decode(zmsg_t **msg_p, char **cause)
{
	static const size_t frames[] = {
		[WIRE_HELLO] = 3, [WIRE_WELCOME] = 3, [WIRE_BYE] = 1,
		[WIRE_PING] = 1, [WIRE_PONG] = 1, [WIRE_ENTRY] = 1,
		[WIRE_SUMMARY] = 1, [WIRE_WANT] = 1, [WIRE_GOSSIP] = 1,
		[WIRE_CHUNK_WANT] = 1, [WIRE_CHUNK] = 2, [WIRE_CHUNK_NONE] = 1,
		[WIRE_RT] = 0, [WIRE_VOICE] = 4, [WIRE_FLOOR] = 3,
	};
	zmsg_t *msg = *msg_p;
	wire_msg_t *self = xcalloc(1, sizeof *self);
	zframe_t *f = zmsg_first(msg);
	size_t nframes = zmsg_size(msg) - 1, i;
	const uint8_t *d;
	bool known = false;

	*msg_p = NULL;
	for (i = 0; f != NULL && i < sizeof wire_names / sizeof *wire_names;
	     i++) {
		if (zframe_streq(f, wire_names[i])) {
			self->command = (enum wire_command)i;
			known = true;
			break;
		}
	}
	if (!known) {
		fail(cause, "unknown command");
		goto bad;
	}
	if (self->command == WIRE_ENTRIES) {
		if (nframes > WIRE_BATCH_ENTRIES) {
			fail(cause, "a batch of %zu entries is over the limit "
				    "of %d",
			    nframes, WIRE_BATCH_ENTRIES);
			goto bad;
		}
	} else if (nframes != frames[self->command]) {
		fail(cause, "%s with %zu fields, not %zu",
		    wire_names[self->command], nframes,
		    frames[self->command]);
		goto bad;
	}
	f = zmsg_next(msg);
	switch (self->command) {
	case WIRE_HELLO:
	case WIRE_WELCOME:
		if (!wire_size(f, 4, "version", cause))
			goto bad;
		d = zframe_data(f);
		self->version = be32_get(d);
		if ((self->cert = wire_string(zmsg_next(msg), WIRE_CERT_MAX,
			 "certificate", cause)) == NULL ||
		    (self->endpoint = wire_string(zmsg_next(msg),
			 WIRE_ENDPOINT_MAX, "endpoint", cause)) == NULL)
			goto bad;
		break;
	case WIRE_BYE:
		if ((self->text = wire_string(f, 1024, "reason", cause)) == NULL)
			goto bad;
		break;
	case WIRE_GOSSIP:
		if ((self->text = wire_string(f, WIRE_GOSSIP_MAX, "gossip",
			 cause)) == NULL)
			goto bad;
		break;
	case WIRE_PING:
	case WIRE_PONG:
		if (!wire_size(f, 16, "ping", cause))
			goto bad;
		self->seq = be64_get(zframe_data(f));
		self->time_us = (int64_t)be64_get(zframe_data(f) + 8);
		break;
	case WIRE_SUMMARY:
		if (zframe_size(f) % 40 != 0 ||
		    zframe_size(f) / 40 > WIRE_SUMMARY_MAX) {
			fail(cause, "summary of %zu bytes is malformed",
			    zframe_size(f));
			goto bad;
		}
		self->nheads = zframe_size(f) / 40;
		self->heads = xcalloc(self->nheads, sizeof *self->heads);
		d = zframe_data(f);
		for (i = 0; i < self->nheads; i++) {
			memcpy(self->heads[i].author, d + 40 * i, 32);
			self->heads[i].seq = be64_get(d + 40 * i + 32);
		}
		break;
	case WIRE_WANT:
		if (!wire_size(f, 44, "want", cause))
			goto bad;
		d = zframe_data(f);
		memcpy(self->author, d, 32);
		self->first = be64_get(d + 32);
		self->count = be32_get(d + 40);
		if (self->first == 0 || self->count == 0 ||
		    self->count > WIRE_BATCH_ENTRIES) {
			fail(cause, "want of %u entries from %llu is out of "
				    "range",
			    self->count, (unsigned long long)self->first);
			goto bad;
		}
		break;
	case WIRE_CHUNK_WANT:
	case WIRE_CHUNK_NONE:
	case WIRE_CHUNK:
		if (!wire_size(f, 32, "hash", cause))
			goto bad;
		memcpy(self->hash, zframe_data(f), 32);
		if (self->command != WIRE_CHUNK)
			break;
		f = zmsg_next(msg);
		if (zframe_size(f) > WIRE_CHUNK_MAX) {
			fail(cause, "a chunk of %zu bytes is over the limit",
			    zframe_size(f));
			goto bad;
		}
		/* Kept, not copied: it is up to a megabyte. */
		zmsg_remove(msg, f);
		self->data = f;
		break;
	case WIRE_RT:
		break;
	case WIRE_VOICE:
	case WIRE_FLOOR:
		if (wire_decode_voice(self, msg, f, cause) != 0)
			goto bad;
		break;
	case WIRE_ENTRY:
	case WIRE_ENTRIES:
		self->nentries = nframes;
		self->entries = xcalloc(nframes, sizeof *self->entries);
		for (i = 0; i < nframes; i++) {
			zframe_t *e = zmsg_pop(msg);

			if (i == 0) {
				/* The command frame. */
				zframe_destroy(&e);
				e = zmsg_pop(msg);
			}
			self->entries[i] = e;
			if (zframe_size(e) > ENTRY_SIZE_MAX) {
				fail(cause, "an entry of %zu bytes is over "
					    "the limit",
				    zframe_size(e));
				goto bad;
			}
		}
		break;
	}
	zmsg_destroy(&msg);
	return self;
bad:
	zmsg_destroy(&msg);
	wire_msg_destroy(&self);
	return NULL;
}

void
wire_msg_destroy(wire_msg_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		wire_msg_t *self = *self_p;

		free(self->cert);
		free(self->endpoint);
		free(self->text);
		free(self->heads);
		for (size_t i = 0; i < self->nentries; i++)
			zframe_destroy(&self->entries[i]);
		free(self->entries);
		zframe_destroy(&self->data);
		free(self);
		*self_p = NULL;
	}
}

static wire_msg_t *
wire_test_round(zmsg_t *msg)
{
	char *cause = NULL;
	wire_msg_t *m = wire_decode(&msg, &cause);

	if (m == NULL) {
		fprintf(stderr, "wire_test: %s\n", cause);
		abort();
	}
	return m;
}

static void
wire_test_refused(zmsg_t *msg, const char *want)
{
	char *cause = NULL;
	wire_msg_t *m = wire_decode(&msg, &cause);

	assert(m == NULL && msg == NULL);
	if (strstr(cause, want) == NULL) {
		fprintf(stderr, "wire_test: got '%s', wanted '%s'\n", cause,
		    want);
		abort();
	}
	free(cause);
}

void
wire_test(bool verbose)
{
	wire_head_t heads[2] = { { { 1 }, 7 }, { { 2 }, 9 } };
	uint8_t author[32] = { 3 };
	wire_msg_t *m;
	zmsg_t *msg;

	(void)verbose;
	m = wire_test_round(wire_hello(WIRE_HELLO, "PEM", "tcp://x:1"));
	assert(m->command == WIRE_HELLO && m->version == WIRE_VERSION);
	assert(strcmp(m->cert, "PEM") == 0 &&
	    strcmp(m->endpoint, "tcp://x:1") == 0);
	wire_msg_destroy(&m);

	m = wire_test_round(wire_ping(WIRE_PONG, 42, -5));
	assert(m->command == WIRE_PONG && m->seq == 42 && m->time_us == -5);
	wire_msg_destroy(&m);

	m = wire_test_round(wire_summary(heads, 2));
	assert(m->nheads == 2 && m->heads[1].seq == 9 &&
	    m->heads[1].author[0] == 2);
	wire_msg_destroy(&m);

	m = wire_test_round(wire_want(author, 5, 100));
	assert(m->first == 5 && m->count == 100 && m->author[0] == 3);
	wire_msg_destroy(&m);

	msg = wire_entries();
	zmsg_addmem(msg, "a", 1);
	zmsg_addmem(msg, "bb", 2);
	m = wire_test_round(msg);
	assert(m->nentries == 2 && zframe_size(m->entries[1]) == 2);
	wire_msg_destroy(&m);

	m = wire_test_round(wire_entry("xyz", 3));
	assert(m->nentries == 1 && zframe_size(m->entries[0]) == 3);
	wire_msg_destroy(&m);

	m = wire_test_round(wire_bye("revoked"));
	assert(strcmp(m->text, "revoked") == 0);
	wire_msg_destroy(&m);

	m = wire_test_round(wire_chunk_ask(WIRE_CHUNK_NONE, author));
	assert(m->command == WIRE_CHUNK_NONE && m->hash[0] == 3);
	wire_msg_destroy(&m);
	{
		zframe_t *data = zframe_new("chunk", 5);

		m = wire_test_round(wire_chunk(author, &data));
		assert(data == NULL && m->command == WIRE_CHUNK &&
		    m->hash[0] == 3 && zframe_streq(m->data, "chunk"));
		wire_msg_destroy(&m);
		data = zframe_new(NULL, WIRE_CHUNK_MAX + 1);
		wire_test_refused(wire_chunk(author, &data), "over the limit");
	}
	msg = wire_chunk_ask(WIRE_CHUNK_WANT, author);
	zmsg_addstr(msg, "extra");
	wire_test_refused(msg, "CHUNK_WANT with 2 fields");

	wire_test_refused(zmsg_new(), "unknown command");
	msg = zmsg_new();
	zmsg_addstr(msg, "NOPE");
	wire_test_refused(msg, "unknown command");
	msg = wire_ping(WIRE_PING, 1, 1);
	zmsg_addstr(msg, "extra");
	wire_test_refused(msg, "PING with 2 fields");
	msg = zmsg_new();
	zmsg_addstr(msg, "WANT");
	zmsg_addmem(msg, "short", 5);
	wire_test_refused(msg, "want is 5 bytes");
	msg = wire_want(author, 0, 1);
	wire_test_refused(msg, "out of range");
	msg = wire_want(author, 1, WIRE_BATCH_ENTRIES + 1);
	wire_test_refused(msg, "out of range");
	msg = zmsg_new();
	zmsg_addstr(msg, "SUMMARY");
	zmsg_addmem(msg, "123", 3);
	wire_test_refused(msg, "malformed");
	msg = zmsg_new();
	zmsg_addstr(msg, "HELLO");
	zmsg_addmem(msg, "\0\0\0\1", 4);
	zmsg_addmem(msg, "P\0M", 3);
	zmsg_addstr(msg, "");
	wire_test_refused(msg, "NUL");
	msg = wire_entries();
	for (int i = 0; i <= WIRE_BATCH_ENTRIES; i++)
		zmsg_addmem(msg, "a", 1);
	wire_test_refused(msg, "over the limit");

	{
		wire_voice_t v = { .room = "triage", .user = "ann",
			.stream = 0xdeadbeef, .seq = 7, .hops = 8,
			.flags = WIRE_VOICE_EMERGENCY, .lamport = 99,
			.capture_us = 123456789, .opus = (const uint8_t *)"op",
			.opus_len = 2 };

		v.talker[0] = 5;
		m = wire_test_round(wire_voice(WIRE_VOICE, &v));
		assert(m->command == WIRE_VOICE && m->voice.talker[0] == 5);
		assert(strcmp(m->voice.room, "triage") == 0 &&
		    strcmp(m->voice.user, "ann") == 0);
		assert(m->voice.stream == 0xdeadbeef && m->voice.seq == 7 &&
		    m->voice.hops == 8 && m->voice.lamport == 99 &&
		    m->voice.capture_us == 123456789);
		assert(m->voice.opus_len == 2 &&
		    memcmp(m->voice.opus, "op", 2) == 0);
		wire_msg_destroy(&m);
		m = wire_test_round(wire_voice(WIRE_FLOOR, &v));
		assert(m->command == WIRE_FLOOR && m->data == NULL &&
		    m->voice.flags == WIRE_VOICE_EMERGENCY);
		wire_msg_destroy(&m);
		m = wire_test_round(wire_rt());
		assert(m->command == WIRE_RT);
		wire_msg_destroy(&m);
		v.opus_len = WIRE_OPUS_MAX + 1;
		v.opus = xcalloc(1, v.opus_len);
		wire_test_refused(wire_voice(WIRE_VOICE, &v), "out of range");
		free((void *)v.opus);
		v.opus_len = 0;
		v.room[0] = '\0';
		wire_test_refused(wire_voice(WIRE_FLOOR, &v), "room of 0");
	}
}
