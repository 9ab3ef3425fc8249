/* Ed25519 signing keys and SHA-256, through OpenSSL EVP. */
#ifndef IOE_CRYPTO_H
#define IOE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#define ED25519_PUBLIC_SIZE 32
#define ED25519_SIGNATURE_SIZE 64
#define SHA256_SIZE 32

typedef struct signing_key signing_key_t;

/* A new random key. Returns NULL with *cause set on failure. */
signing_key_t *signing_key_generate(char **cause);
/* Reads a PEM private key; refuses a file readable by group or others and
 * keys that are not Ed25519. Caller owns return value. */
signing_key_t *signing_key_load(const char *path, char **cause);
/* Writes the key as PEM, mode 0600, atomically (temporary file and rename).
 * Returns 0, or -1 with *cause set. */
int signing_key_save(signing_key_t *self, const char *path, char **cause);
void signing_key_destroy(signing_key_t **self_p);
const uint8_t *signing_key_public(signing_key_t *self);
/* The OpenSSL key itself, for X.509 (pki.c); still owned by self. */
EVP_PKEY *signing_key_pkey(signing_key_t *self);
/* Signs len bytes into sig. Returns 0, or -1 on an OpenSSL failure. */
int signing_key_sign(signing_key_t *self, const void *msg, size_t len,
    uint8_t sig[ED25519_SIGNATURE_SIZE]);

/* True if sig is the signature of msg by the raw public key. */
bool ed25519_verify(const uint8_t pub[ED25519_PUBLIC_SIZE], const void *msg,
    size_t len, const uint8_t sig[ED25519_SIGNATURE_SIZE]);

void sha256(const void *data, size_t len, uint8_t out[SHA256_SIZE]);
/* The SHA-256 of data in lower-case hex: a chunk's name (doc/files.md). */
void sha256_hex(const void *data, size_t len, char out[2 * SHA256_SIZE + 1]);
/* True if the SHA-256 of data is hex (either case): a chunk checked
 * against its name. */
bool sha256_is(const void *data, size_t len, const char *hex);

/* "7f3a 91c2 0b4e d815": the first 8 bytes of SHA-256 of the public key,
 * short enough to read out over a phone. out holds 20 bytes. */
void key_fingerprint(const uint8_t pub[ED25519_PUBLIC_SIZE], char out[20]);

void crypto_test(bool verbose);

#endif
