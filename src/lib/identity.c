#include "config.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity.h"
#include "util.h"

static zcert_t *
identity_transport(const char *dir, char **cause)
{
	char *pub = xasprintf("%s/transport.cert", dir);
	char *secret = xasprintf("%s/transport.cert_secret", dir);
	zcert_t *cert = NULL;
	struct stat st;

	if (stat(secret, &st) == 0) {
		if ((st.st_mode & 077) != 0) {
			fail(cause, "'%s' is readable by others (mode %04o); "
				    "it must be 0600",
			    secret, (unsigned)(st.st_mode & 07777));
			goto done;
		}
		cert = zcert_load(pub);
		if (cert == NULL)
			fail(cause, "cannot read the transport key from '%s'",
			    secret);
		goto done;
	}
	if (errno != ENOENT) {
		fail(cause, "cannot stat '%s': %s", secret, strerror(errno));
		goto done;
	}
	cert = zcert_new();
	if (cert == NULL) {
		fail(cause, "cannot generate a CURVE key pair");
		goto done;
	}
	if (zcert_save(cert, pub) != 0 || chmod(secret, 0600) != 0) {
		fail(cause, "cannot write '%s': %s", secret, strerror(errno));
		zcert_destroy(&cert);
	}
done:
	free(pub);
	free(secret);
	return cert;
}

identity_t *
identity_open(const char *dir, bool *created, char **cause)
{
	char *path = xasprintf("%s/node.key", dir);
	identity_t *self = xcalloc(1, sizeof *self);

	*created = false;
	if (access(path, F_OK) == 0)
		self->key = signing_key_load(path, cause);
	else if (errno == ENOENT) {
		self->key = signing_key_generate(cause);
		if (self->key != NULL &&
		    signing_key_save(self->key, path, cause) != 0)
			signing_key_destroy(&self->key);
		*created = self->key != NULL;
	} else
		fail(cause, "cannot access '%s': %s", path, strerror(errno));
	free(path);
	if (self->key == NULL)
		goto bad;
	if ((self->transport = identity_transport(dir, cause)) == NULL)
		goto bad;
	hex_encode(signing_key_public(self->key), ED25519_PUBLIC_SIZE,
	    self->key_hex);
	key_fingerprint(signing_key_public(self->key), self->fingerprint);
	return self;
bad:
	identity_destroy(&self);
	return NULL;
}

void
identity_destroy(identity_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		signing_key_destroy(&(*self_p)->key);
		zcert_destroy(&(*self_p)->transport);
		free(*self_p);
		*self_p = NULL;
	}
}

void
identity_test(bool verbose)
{
	char dir[] = "/tmp/ioe-identity-test-XXXXXX";
	identity_t *first, *again;
	char *secret, *cause = NULL;
	struct stat st;
	bool created;

	(void)verbose;
	assert(mkdtemp(dir) != NULL);
	first = identity_open(dir, &created, &cause);
	assert(first != NULL && created);
	secret = xasprintf("%s/transport.cert_secret", dir);
	assert(stat(secret, &st) == 0 && (st.st_mode & 0777) == 0600);

	again = identity_open(dir, &created, &cause);
	assert(again != NULL && !created);
	assert(strcmp(first->key_hex, again->key_hex) == 0);
	assert(strcmp(zcert_public_txt(first->transport),
		   zcert_public_txt(again->transport)) == 0);
	identity_destroy(&again);

	chmod(secret, 0640);
	assert(identity_open(dir, &created, &cause) == NULL);
	assert(strstr(cause, "readable by others") != NULL);
	free(cause);

	identity_destroy(&first);
	assert(first == NULL);
	free(secret);
	assert(system(NULL) != 0);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert(system(cmd) == 0);
	free(cmd);
}
