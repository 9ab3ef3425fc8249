#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "crypto.h"
#include "util.h"

struct signing_key {
	EVP_PKEY *pkey;
	uint8_t pub[ED25519_PUBLIC_SIZE];
};

static const char *
ssl_error(void)
{
	unsigned long e = ERR_get_error();

	return e != 0 ? ERR_reason_error_string(e) : "unknown OpenSSL error";
}

static signing_key_t *
signing_key_wrap(EVP_PKEY *pkey, char **cause)
{
	signing_key_t *self;
	size_t len = ED25519_PUBLIC_SIZE;

	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		fail(cause, "not an Ed25519 key");
		return NULL;
	}
	self = xcalloc(1, sizeof *self);
	self->pkey = pkey;
	if (EVP_PKEY_get_raw_public_key(pkey, self->pub, &len) != 1 ||
	    len != ED25519_PUBLIC_SIZE) {
		fail(cause, "cannot read the public key: %s", ssl_error());
		signing_key_destroy(&self);
	}
	return self;
}

signing_key_t *
signing_key_generate(char **cause)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	if (pkey == NULL) {
		fail(cause, "cannot generate an Ed25519 key: %s", ssl_error());
		return NULL;
	}
	return signing_key_wrap(pkey, cause);
}

signing_key_t *
signing_key_load(const char *path, char **cause)
{
	struct stat st;
	EVP_PKEY *pkey;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		fail(cause, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & 077) != 0) {
		fclose(fp);
		fail(cause, "'%s' is readable by others (mode %04o); it must "
			    "be 0600",
		    path, (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (pkey == NULL) {
		fail(cause, "cannot read a private key from '%s': %s", path,
		    ssl_error());
		return NULL;
	}
	return signing_key_wrap(pkey, cause);
}

int
signing_key_save(signing_key_t *self, const char *path, char **cause)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long len;
	int rc;

	/* Written through memory so that one function makes every file
	 * of the node atomically. */
	if (bio == NULL ||
	    PEM_write_bio_PrivateKey(bio, self->pkey, NULL, NULL, 0, NULL,
		NULL) != 1 ||
	    (len = BIO_get_mem_data(bio, &pem)) <= 0) {
		BIO_free(bio);
		return fail(cause, "cannot encode the key for '%s': %s", path,
		    ssl_error());
	}
	rc = write_file_atomic(path, pem, (size_t)len, 0600, cause);
	OPENSSL_cleanse(pem, (size_t)len);
	BIO_free(bio);
	return rc;
}

void
signing_key_destroy(signing_key_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		EVP_PKEY_free((*self_p)->pkey);
		free(*self_p);
		*self_p = NULL;
	}
}

const uint8_t *
signing_key_public(signing_key_t *self)
{
	return self->pub;
}

EVP_PKEY *
signing_key_pkey(signing_key_t *self)
{
	return self->pkey;
}

int
signing_key_sign(signing_key_t *self, const void *msg, size_t len,
    uint8_t sig[ED25519_SIGNATURE_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = ED25519_SIGNATURE_SIZE;
	int rc = -1;

	/* Ed25519 signs in one shot; the Update form is not supported. */
	if (ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, self->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
	    siglen == ED25519_SIGNATURE_SIZE)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	return rc;
}

bool
ed25519_verify(const uint8_t pub[ED25519_PUBLIC_SIZE], const void *msg,
    size_t len, const uint8_t sig[ED25519_SIGNATURE_SIZE])
{
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx;
	bool ok = false;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    ED25519_PUBLIC_SIZE);
	if (pkey == NULL) {
		ERR_clear_error();
		return false;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, ED25519_SIGNATURE_SIZE, msg, len) == 1)
		ok = true;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

void
sha256(const void *data, size_t len, uint8_t out[SHA256_SIZE])
{
	SHA256(data, len, out);
}

void
sha256_hex(const void *data, size_t len, char out[2 * SHA256_SIZE + 1])
{
	uint8_t digest[SHA256_SIZE];

	sha256(data, len, digest);
	hex_encode(digest, sizeof digest, out);
}

bool
sha256_is(const void *data, size_t len, const char *hex)
{
	char got[2 * SHA256_SIZE + 1];

	sha256_hex(data, len, got);
	return strcasecmp(got, hex) == 0;
}

void
key_fingerprint(const uint8_t pub[ED25519_PUBLIC_SIZE], char out[20])
{
	uint8_t digest[SHA256_SIZE];
	char hex[17];

	sha256(pub, ED25519_PUBLIC_SIZE, digest);
	hex_encode(digest, 8, hex);
	snprintf(out, 20, "%.4s %.4s %.4s %.4s", hex, hex + 4, hex + 8,
	    hex + 12);
}

void
crypto_test(bool verbose)
{
	char path[] = "/tmp/ioe-crypto-test-XXXXXX";
	char *keyfile, *cause = NULL;
	signing_key_t *key, *again;
	uint8_t sig[ED25519_SIGNATURE_SIZE], digest[SHA256_SIZE];
	char hex[2 * SHA256_SIZE + 1], fp[20];
	struct stat st;

	(void)verbose;
	/* The FIPS 180-2 test vector. */
	sha256("abc", 3, digest);
	hex_encode(digest, SHA256_SIZE, hex);
	assert(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
			   "b410ff61f20015ad") == 0);
	memset(hex, 0, sizeof hex);
	sha256_hex("abc", 3, hex);
	assert(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
			   "b410ff61f20015ad") == 0);
	assert(sha256_is("abc", 3, hex));
	assert(sha256_is("abc", 3, "BA7816BF8F01CFEA414140DE5DAE2223B00361A3"
				   "96177A9CB410FF61F20015AD"));
	assert(!sha256_is("abd", 3, hex));
	assert(!sha256_is("abc", 3, "ba78"));

	key = signing_key_generate(&cause);
	assert(key != NULL);
	assert(signing_key_sign(key, "hello", 5, sig) == 0);
	assert(ed25519_verify(signing_key_public(key), "hello", 5, sig));
	assert(!ed25519_verify(signing_key_public(key), "hellp", 5, sig));
	sig[3] ^= 1;
	assert(!ed25519_verify(signing_key_public(key), "hello", 5, sig));

	assert(mkdtemp(path) != NULL);
	keyfile = xasprintf("%s/node.key", path);
	assert(signing_key_save(key, keyfile, &cause) == 0);
	assert(stat(keyfile, &st) == 0 && (st.st_mode & 0777) == 0600);
	again = signing_key_load(keyfile, &cause);
	assert(again != NULL);
	assert(memcmp(signing_key_public(key), signing_key_public(again),
		   ED25519_PUBLIC_SIZE) == 0);
	signing_key_destroy(&again);

	/* A key others can read is refused. */
	chmod(keyfile, 0644);
	assert(signing_key_load(keyfile, &cause) == NULL);
	assert(strstr(cause, "readable by others") != NULL);
	free(cause);
	cause = NULL;

	/* Garbage is refused with a reason. */
	chmod(keyfile, 0600);
	FILE *f = fopen(keyfile, "w");
	assert(f != NULL);
	fputs("not a key\n", f);
	fclose(f);
	assert(signing_key_load(keyfile, &cause) == NULL);
	assert(strstr(cause, "cannot read a private key") != NULL);
	free(cause);

	key_fingerprint(signing_key_public(key), fp);
	assert(strlen(fp) == 19 && fp[4] == ' ');

	unlink(keyfile);
	rmdir(path);
	free(keyfile);
	signing_key_destroy(&key);
	signing_key_destroy(&key);
	assert(key == NULL);
}
