/* A node's identity: its Ed25519 signing key and its CURVE transport
 * key, kept in the data directory. */
#ifndef IOE_IDENTITY_H
#define IOE_IDENTITY_H

#include <stdbool.h>
#include <czmq.h>

#include "crypto.h"

typedef struct identity {
	signing_key_t *key;
	zcert_t *transport;
	char key_hex[2 * ED25519_PUBLIC_SIZE + 1];
	char fingerprint[20];
} identity_t;

/* Loads the identity in dir, creating the keys that do not exist yet
 * (files mode 0600). *created tells whether the signing key is new.
 * Returns NULL with *cause set. Caller owns return value. */
identity_t *identity_open(const char *dir, bool *created, char **cause);
void identity_destroy(identity_t **self_p);

void identity_test(bool verbose);

#endif
