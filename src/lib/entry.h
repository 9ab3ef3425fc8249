/* A signed entry of the replicated log; see ioe-protocol(7) for the
 * byte layout, which is the single source of the rules checked here. */
#ifndef IOE_ENTRY_H
#define IOE_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define ENTRY_FORMAT_VERSION 1
#define ENTRY_ID_SIZE SHA256_SIZE
#define ENTRY_KIND_MAX 32
#define ENTRY_BODY_MAX (1024 * 1024)
/* Fixed bytes: version, author, seq, prev, lamport, time, kind length,
 * body length, signature. */
#define ENTRY_FIXED_SIZE (1 + 32 + 8 + 32 + 8 + 8 + 1 + 4 + 64)
#define ENTRY_SIZE_MAX (ENTRY_FIXED_SIZE + ENTRY_KIND_MAX + ENTRY_BODY_MAX)

typedef struct entry {
	uint8_t author[ED25519_PUBLIC_SIZE];
	uint64_t seq;
	uint8_t prev[ENTRY_ID_SIZE];
	uint64_t lamport;
	int64_t time_us;
	char kind[ENTRY_KIND_MAX + 1];
	uint8_t *body;		/* body_len bytes, NUL-terminated for text */
	uint32_t body_len;
	uint8_t sig[ED25519_SIGNATURE_SIZE];
	uint8_t id[ENTRY_ID_SIZE];	/* SHA-256 of raw */
	uint8_t *raw;		/* the canonical encoding */
	size_t raw_len;
} entry_t;

/* Creates and signs the entry that follows prev_id (NULL for seq 1).
 * Returns NULL with *cause set if a field is out of range. Caller owns
 * return value. */
entry_t *entry_create(signing_key_t *key, uint64_t seq,
    const uint8_t *prev_id, uint64_t lamport, int64_t time_us,
    const char *kind, const void *body, size_t body_len, char **cause);

/* Strict decoding: any truncated, oversized or malformed encoding is
 * refused with the reason in *cause. The signature is not checked here;
 * see entry_verify. Caller owns return value. */
entry_t *entry_decode(const void *raw, size_t len, char **cause);

/* Checks the signature. Returns true if it holds. */
bool entry_verify(const entry_t *self);

void entry_destroy(entry_t **self_p);

/* True if kind is 1..32 of [a-z0-9._-]. */
bool entry_kind_is_valid(const char *kind);

/* Hex of the id into out (65 bytes). */
void entry_id_hex(const entry_t *self, char out[2 * ENTRY_ID_SIZE + 1]);

void entry_test(bool verbose);

#endif
