#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "util.h"

static const uint8_t zero_id[ENTRY_ID_SIZE];

bool
entry_kind_is_valid(const char *kind)
{
	size_t len = strlen(kind);

	if (len == 0 || len > ENTRY_KIND_MAX)
		return false;
	for (; *kind != '\0'; kind++) {
		if (!((*kind >= 'a' && *kind <= 'z') ||
			(*kind >= '0' && *kind <= '9') || *kind == '.' ||
			*kind == '_' || *kind == '-'))
			return false;
	}
	return true;
}

entry_t *
entry_create(signing_key_t *key, uint64_t seq, const uint8_t *prev_id,
    uint64_t lamport, int64_t time_us, const char *kind, const void *body,
    size_t body_len, char **cause)
{
	entry_t *self;
	size_t kind_len = strlen(kind), signed_len;
	uint8_t *p;

	if (seq == 0)
		return fail(cause, "sequence numbers start at 1"), NULL;
	if ((seq == 1) != (prev_id == NULL))
		return fail(cause, "only the first entry has no previous one"),
		       NULL;
	if (!entry_kind_is_valid(kind))
		return fail(cause, "bad entry kind '%s'", kind), NULL;
	if (body_len > ENTRY_BODY_MAX)
		return fail(cause, "entry body of %zu bytes is over the limit "
				   "of %d bytes",
			   body_len, ENTRY_BODY_MAX),
		       NULL;

	self = xcalloc(1, sizeof *self);
	memcpy(self->author, signing_key_public(key), ED25519_PUBLIC_SIZE);
	self->seq = seq;
	if (prev_id != NULL)
		memcpy(self->prev, prev_id, ENTRY_ID_SIZE);
	self->lamport = lamport;
	self->time_us = time_us;
	memcpy(self->kind, kind, kind_len + 1);
	self->body = xcalloc(body_len + 1, 1);
	memcpy(self->body, body, body_len);
	self->body_len = (uint32_t)body_len;

	self->raw_len = ENTRY_FIXED_SIZE + kind_len + body_len;
	self->raw = xcalloc(self->raw_len, 1);
	p = self->raw;
	*p++ = ENTRY_FORMAT_VERSION;
	memcpy(p, self->author, ED25519_PUBLIC_SIZE);
	p += ED25519_PUBLIC_SIZE;
	be64_put(p, seq);
	p += 8;
	memcpy(p, self->prev, ENTRY_ID_SIZE);
	p += ENTRY_ID_SIZE;
	be64_put(p, lamport);
	p += 8;
	be64_put(p, (uint64_t)time_us);
	p += 8;
	*p++ = (uint8_t)kind_len;
	memcpy(p, kind, kind_len);
	p += kind_len;
	*p++ = (uint8_t)(body_len >> 24);
	*p++ = (uint8_t)(body_len >> 16);
	*p++ = (uint8_t)(body_len >> 8);
	*p++ = (uint8_t)body_len;
	memcpy(p, body, body_len);
	p += body_len;
	signed_len = (size_t)(p - self->raw);
	if (signing_key_sign(key, self->raw, signed_len, self->sig) != 0) {
		fail(cause, "cannot sign the entry");
		entry_destroy(&self);
		return NULL;
	}
	memcpy(p, self->sig, ED25519_SIGNATURE_SIZE);
	sha256(self->raw, self->raw_len, self->id);
	return self;
}

entry_t *
entry_decode(const void *data, size_t len, char **cause)
{
	const uint8_t *raw = data, *p = data;
	entry_t *self;
	size_t kind_len;
	uint32_t body_len;

	if (len < ENTRY_FIXED_SIZE + 1)
		return fail(cause, "truncated: %zu bytes, at least %d needed",
			   len, ENTRY_FIXED_SIZE + 1),
		       NULL;
	if (len > ENTRY_SIZE_MAX)
		return fail(cause, "oversized: %zu bytes, at most %d allowed",
			   len, ENTRY_SIZE_MAX),
		       NULL;
	if (p[0] != ENTRY_FORMAT_VERSION)
		return fail(cause, "unknown format version %u", p[0]), NULL;

	self = xcalloc(1, sizeof *self);
	p++;
	memcpy(self->author, p, ED25519_PUBLIC_SIZE);
	p += ED25519_PUBLIC_SIZE;
	self->seq = be64_get(p);
	p += 8;
	memcpy(self->prev, p, ENTRY_ID_SIZE);
	p += ENTRY_ID_SIZE;
	self->lamport = be64_get(p);
	p += 8;
	self->time_us = (int64_t)be64_get(p);
	p += 8;
	kind_len = *p++;
	if (kind_len == 0 || kind_len > ENTRY_KIND_MAX) {
		fail(cause, "kind length %zu is not within 1..%d", kind_len,
		    ENTRY_KIND_MAX);
		goto bad;
	}
	/* The fixed part minus what is already read must still fit. */
	if (len < ENTRY_FIXED_SIZE + kind_len) {
		fail(cause, "truncated in the kind");
		goto bad;
	}
	memcpy(self->kind, p, kind_len);
	self->kind[kind_len] = '\0';
	if (strlen(self->kind) != kind_len || !entry_kind_is_valid(self->kind)) {
		fail(cause, "kind has characters outside [a-z0-9._-]");
		goto bad;
	}
	p += kind_len;
	body_len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	p += 4;
	if (body_len > ENTRY_BODY_MAX) {
		fail(cause, "body length %u is over the limit of %d", body_len,
		    ENTRY_BODY_MAX);
		goto bad;
	}
	if (len != ENTRY_FIXED_SIZE + kind_len + body_len) {
		fail(cause, "%s: %zu bytes where the lengths say %zu",
		    len < ENTRY_FIXED_SIZE + kind_len + body_len
			? "truncated"
			: "trailing bytes",
		    len, ENTRY_FIXED_SIZE + kind_len + body_len);
		goto bad;
	}
	if (self->seq == 0) {
		fail(cause, "sequence number 0");
		goto bad;
	}
	if (self->seq == 1 && memcmp(self->prev, zero_id, ENTRY_ID_SIZE) != 0) {
		fail(cause, "first entry of a feed names a previous entry");
		goto bad;
	}
	if (self->seq > 1 && memcmp(self->prev, zero_id, ENTRY_ID_SIZE) == 0) {
		fail(cause, "entry %llu names no previous entry",
		    (unsigned long long)self->seq);
		goto bad;
	}
	self->body = xcalloc((size_t)body_len + 1, 1);
	memcpy(self->body, p, body_len);
	self->body_len = body_len;
	p += body_len;
	memcpy(self->sig, p, ED25519_SIGNATURE_SIZE);
	self->raw = xcalloc(len, 1);
	memcpy(self->raw, raw, len);
	self->raw_len = len;
	sha256(raw, len, self->id);
	return self;
bad:
	entry_destroy(&self);
	return NULL;
}

bool
entry_verify(const entry_t *self)
{
	return ed25519_verify(self->author, self->raw,
	    self->raw_len - ED25519_SIGNATURE_SIZE, self->sig);
}

void
entry_destroy(entry_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		free((*self_p)->body);
		free((*self_p)->raw);
		free(*self_p);
		*self_p = NULL;
	}
}

void
entry_id_hex(const entry_t *self, char out[2 * ENTRY_ID_SIZE + 1])
{
	hex_encode(self->id, ENTRY_ID_SIZE, out);
}

/* Decoding a modified copy must fail with a reason naming want. */
static void
entry_test_refused(const uint8_t *raw, size_t len, const char *want)
{
	char *cause = NULL;
	entry_t *e = entry_decode(raw, len, &cause);

	assert(e == NULL);
	assert(cause != NULL);
	if (strstr(cause, want) == NULL) {
		fprintf(stderr, "got '%s', wanted '%s'\n", cause, want);
		abort();
	}
	free(cause);
}

void
entry_test(bool verbose)
{
	signing_key_t *key = signing_key_generate(NULL);
	char *cause = NULL;
	entry_t *first, *second, *back;
	uint8_t *copy;

	(void)verbose;
	assert(key != NULL);
	first = entry_create(key, 1, NULL, 1, 1700000000000000, "journal",
	    "hello", 5, &cause);
	assert(first != NULL);
	assert(first->raw_len == ENTRY_FIXED_SIZE + 7 + 5);
	assert(entry_verify(first));
	second = entry_create(key, 2, first->id, 2, 1700000000000001,
	    "journal", "", 0, &cause);
	assert(second != NULL && entry_verify(second));

	/* Round trip. */
	back = entry_decode(first->raw, first->raw_len, &cause);
	assert(back != NULL);
	assert(back->seq == 1 && back->lamport == 1);
	assert(back->time_us == 1700000000000000);
	assert(strcmp(back->kind, "journal") == 0);
	assert(back->body_len == 5 && memcmp(back->body, "hello", 5) == 0);
	assert(memcmp(back->id, first->id, ENTRY_ID_SIZE) == 0);
	assert(entry_verify(back));
	entry_destroy(&back);

	/* Refusals at creation. */
	assert(entry_create(key, 0, NULL, 1, 0, "journal", "", 0, NULL) ==
	    NULL);
	assert(entry_create(key, 2, NULL, 1, 0, "journal", "", 0, NULL) ==
	    NULL);
	assert(entry_create(key, 1, NULL, 1, 0, "Journal", "", 0, NULL) ==
	    NULL);
	assert(entry_create(key, 1, NULL, 1, 0, "", "", 0, NULL) == NULL);

	/* Every truncation is refused. */
	for (size_t len = 0; len < first->raw_len; len++)
		assert(entry_decode(first->raw, len, NULL) == NULL);
	entry_test_refused(first->raw, 10, "truncated");

	copy = xcalloc(first->raw_len + 1, 1);
	memcpy(copy, first->raw, first->raw_len);
	entry_test_refused(copy, first->raw_len + 1, "trailing bytes");
	copy[0] = 2;
	entry_test_refused(copy, first->raw_len, "unknown format version");
	copy[0] = 1;
	copy[89] = 0;
	entry_test_refused(copy, first->raw_len, "kind length 0");
	copy[89] = 33;
	entry_test_refused(copy, first->raw_len, "kind length 33");
	copy[89] = 7;
	copy[90] = 'J';
	entry_test_refused(copy, first->raw_len, "outside");
	copy[90] = 'j';
	copy[97] = 0x10; /* body length 256 MiB */
	entry_test_refused(copy, first->raw_len, "over the limit");
	copy[97] = 0;
	copy[100] = 6;
	entry_test_refused(copy, first->raw_len, "truncated");
	copy[100] = 5;
	copy[40] = 0; /* seq 0 */
	entry_test_refused(copy, first->raw_len, "sequence number 0");
	copy[40] = 1;
	copy[41] = 1;
	entry_test_refused(copy, first->raw_len, "names a previous");
	copy[41] = 0;
	/* A flipped byte in the body still decodes but no longer verifies. */
	copy[102] ^= 1;
	back = entry_decode(copy, first->raw_len, &cause);
	assert(back != NULL && !entry_verify(back));
	entry_destroy(&back);
	copy[102] ^= 1;
	back = entry_decode(copy, first->raw_len, &cause);
	assert(back != NULL && entry_verify(back));
	entry_destroy(&back);
	free(copy);

	/* Seq 2 with a zero prev is refused. */
	copy = xcalloc(second->raw_len, 1);
	memcpy(copy, second->raw, second->raw_len);
	memset(copy + 41, 0, ENTRY_ID_SIZE);
	entry_test_refused(copy, second->raw_len, "names no previous");
	free(copy);

	/* Random bytes never decode into something trusted. */
	copy = xcalloc(4096, 1);
	srand(42);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)rand() % 4096;

		for (size_t i = 0; i < len; i++)
			copy[i] = (uint8_t)rand();
		if (round % 2 == 0 && len > 0)
			copy[0] = ENTRY_FORMAT_VERSION;
		back = entry_decode(copy, len, NULL);
		assert(back == NULL || !entry_verify(back));
		entry_destroy(&back);
	}
	free(copy);

	entry_destroy(&first);
	entry_destroy(&second);
	signing_key_destroy(&key);
}
