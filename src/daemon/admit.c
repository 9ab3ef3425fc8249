#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admit.h"
#include "pki.h"
#include "util.h"

struct admit {
	node_t *node;
	char *ca_pem;
	char *cert_pem;
	admit_info_t self;
	char mesh[64];
};

static char *
admit_read(const char *path, char **cause)
{
	FILE *fp = fopen(path, "r");
	char *text;
	size_t len;

	if (fp == NULL) {
		fail(cause, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	text = read_stream(fileno(fp), 64 * 1024, &len, cause);
	fclose(fp);
	return text;
}

static void
admit_fill(admit_info_t *info, const pki_cert_info_t *c)
{
	memset(info, 0, sizeof *info);
	snprintf(info->name, sizeof info->name, "%s", c->name);
	memcpy(info->key, c->ed25519, 32);
	snprintf(info->transport, sizeof info->transport, "%s", c->curve);
	snprintf(info->serial, sizeof info->serial, "%s", c->serial);
	info->not_after = c->not_after;
}

admit_t *
admit_new(node_t *node, char **cause)
{
	admit_t *self = xcalloc(1, sizeof *self);
	char *ca = xasprintf("%s/pki/ca.crt", node->dir);
	char *cert = xasprintf("%s/pki/node.crt", node->dir);
	char *reason = NULL;
	pki_cert_info_t info;

	self->node = node;
	if (access(ca, F_OK) != 0 || access(cert, F_OK) != 0) {
		fail(cause, "this node has no mesh certificate (%s): run "
			    "'ioectl pki init' on the first node, or install a "
			    "bundle made by 'ioectl pki issue'",
		    access(ca, F_OK) != 0 ? "no pki/ca.crt" : "no pki/node.crt");
		goto bad;
	}
	if ((self->ca_pem = admit_read(ca, cause)) == NULL ||
	    (self->cert_pem = admit_read(cert, cause)) == NULL)
		goto bad;
	if (pki_verify(self->ca_pem, self->cert_pem, (int64_t)time(NULL),
		&info, &reason) != 0) {
		fail(cause, "this node's certificate '%s' is not valid: %s",
		    cert, reason);
		free(reason);
		goto bad;
	}
	admit_fill(&self->self, &info);
	if (admit_is_revoked(self, info.serial)) {
		fail(cause, "this node's certificate (serial %s) is revoked",
		    info.serial);
		goto bad;
	}
	if (memcmp(info.ed25519, signing_key_public(node->identity->key), 32) !=
		0 ||
	    strcmp(info.curve, zcert_public_txt(node->identity->transport)) !=
		0) {
		fail(cause, "the certificate '%s' is for other keys than this "
			    "node's",
		    cert);
		goto bad;
	}
	snprintf(self->mesh, sizeof self->mesh, "%s", info.mesh);
	free(ca);
	free(cert);
	return self;
bad:
	free(ca);
	free(cert);
	admit_destroy(&self);
	return NULL;
}

void
admit_destroy(admit_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		free((*self_p)->ca_pem);
		free((*self_p)->cert_pem);
		free(*self_p);
		*self_p = NULL;
	}
}

const char *
admit_cert_pem(admit_t *self)
{
	return self->cert_pem;
}

const char *
admit_ca_pem(admit_t *self)
{
	return self->ca_pem;
}

const char *
admit_mesh(admit_t *self)
{
	return self->mesh;
}

const admit_info_t *
admit_self(admit_t *self)
{
	return &self->self;
}

bool
admit_is_revoked(admit_t *self, const char *serial)
{
	sqlite3 *db = store_db(self->node->store);
	sqlite3_stmt *s;
	bool revoked = false;

	if (sqlite3_prepare_v2(db,
		"SELECT name, time, sig FROM revocations WHERE serial = ?", -1,
		&s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
	/* Only a statement the CA signed counts; anyone can write an
	 * entry. */
	while (!revoked && sqlite3_step(s) == SQLITE_ROW)
		revoked = pki_revocation_verify(self->ca_pem, serial,
		    (const char *)sqlite3_column_text(s, 0),
		    sqlite3_column_int64(s, 1),
		    (const char *)sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	return revoked;
}

int
admit_recheck(admit_t *self, const admit_info_t *info, char **cause)
{
	if ((int64_t)time(NULL) > info->not_after)
		return fail(cause, "the certificate of '%s' has expired",
		    info->name);
	if (admit_is_revoked(self, info->serial))
		return fail(cause, "the certificate of '%s' (serial %s) is "
				   "revoked",
		    info->name, info->serial);
	return 0;
}

int
admit_check(admit_t *self, const char *cert_pem, const char *transport,
    admit_info_t *info, char **cause)
{
	pki_cert_info_t c;

	if (pki_verify(self->ca_pem, cert_pem, (int64_t)time(NULL), &c,
		cause) != 0)
		return -1;
	if (strcmp(c.curve, transport) != 0)
		return fail(cause, "the certificate of '%s' is for another "
				   "transport key than the link's",
		    c.name);
	if (memcmp(c.ed25519, self->self.key, 32) == 0)
		return fail(cause, "that is this node itself");
	admit_fill(info, &c);
	return admit_recheck(self, info, cause);
}
