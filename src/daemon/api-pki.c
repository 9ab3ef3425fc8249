#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admit.h"
#include "api.h"
#include "mesh.h"
#include "pki.h"
#include "proto.h"
#include "util.h"

/* The CA of this node, or NULL with *err set if it holds none. */
static pki_ca_t *
api_pki_ca(node_t *node, api_error_t *err)
{
	char *key = xasprintf("%s/pki/ca.key", node->dir);
	char *cert = xasprintf("%s/pki/ca.crt", node->dir);
	char *cause = NULL;
	pki_ca_t *ca = NULL;

	if (access(key, F_OK) != 0)
		api_fail(err, CTL_E_INVALID,
		    "this node holds no mesh CA key: run this on the CA node "
		    "(the one where 'ioectl pki init' ran)");
	else if ((ca = pki_ca_load(key, cert, &cause)) == NULL) {
		api_fail(err, CTL_E_STORE, "%s", cause);
		free(cause);
	}
	free(key);
	free(cert);
	return ca;
}

/* Puts a certificate the CA issued in the ledger, so that every node can
 * list the members. */
static int
api_pki_record(node_t *node, const char *pem, api_error_t *err)
{
	char *cause = NULL;
	entry_t *e = node_append(node, "pki.cert", pem, strlen(pem), &cause);

	if (e == NULL) {
		api_fail(err, CTL_E_STORE, "%s", cause);
		free(cause);
		return -1;
	}
	entry_destroy(&e);
	return 0;
}

/* Writes this node's certificate and the CA's into DIR/pki. */
static int
api_pki_write(node_t *node, const char *cert, const char *ca, api_error_t *err)
{
	char *dir = xasprintf("%s/pki", node->dir);
	char *ca_path = xasprintf("%s/ca.crt", dir);
	char *cert_path = xasprintf("%s/node.crt", dir);
	char *cause = NULL;
	int rc = -1;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		fail(&cause, "cannot create '%s': %s", dir, strerror(errno));
	else if (write_file_atomic(ca_path, ca, strlen(ca), 0644, &cause) == 0 &&
	    write_file_atomic(cert_path, cert, strlen(cert), 0644, &cause) == 0)
		rc = 0;
	if (rc != 0) {
		api_fail(err, CTL_E_STORE, "%s", cause);
		free(cause);
	}
	free(dir);
	free(ca_path);
	free(cert_path);
	return rc;
}

static json_t *
api_pki_init_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *mesh = "ioe";
	char *key = xasprintf("%s/pki/ca.key", node->dir);
	char *cert = xasprintf("%s/pki/ca.crt", node->dir);
	char *dir = xasprintf("%s/pki", node->dir);
	char *cause = NULL, *pem = NULL;
	json_t *result = NULL;
	pki_ca_t *ca = NULL;

	if (api_param_string(params, "mesh", &mesh, err) != 0)
		goto done;
	if (access(key, F_OK) == 0 || access(cert, F_OK) == 0) {
		api_fail(err, CTL_E_INVALID, "this node already has a mesh "
					     "CA certificate in '%s'",
		    dir);
		goto done;
	}
	if (name_check(mesh, "mesh name", &cause) != 0 ||
	    (mkdir(dir, 0700) != 0 && errno != EEXIST &&
		fail(&cause, "cannot create '%s': %s", dir,
		    strerror(errno)) != 0) ||
	    (ca = pki_ca_create(mesh, PKI_CA_DAYS, &cause)) == NULL ||
	    (pem = pki_issue(ca, node->name,
		 signing_key_public(node->identity->key),
		 zcert_public_txt(node->identity->transport), PKI_NODE_DAYS,
		 &cause)) == NULL ||
	    pki_ca_save(ca, key, cert, &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		goto done;
	}
	if (api_pki_write(node, pem, pki_ca_cert_pem(ca), err) != 0 ||
	    api_pki_record(node, pem, err) != 0)
		goto done;
	mesh_reload(node->mesh);
	result = json_pack("{s:s, s:s}", "mesh", mesh, "ca",
	    pki_ca_cert_pem(ca));
done:
	free(cause);
	free(pem);
	free(key);
	free(cert);
	free(dir);
	pki_ca_destroy(&ca);
	return result;
}

const api_method_t api_pki_init = {
	.name = "pki.init",
	.exec = api_pki_init_exec,
	.writes = true,
};

static json_t *
api_pki_issue_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *name = NULL, *key = NULL, *transport = NULL;
	json_int_t days = PKI_NODE_DAYS;
	uint8_t pub[32];
	char *cause = NULL, *pem;
	json_t *result = NULL;
	pki_ca_t *ca;

	if (api_param_string(params, "name", &name, err) != 0 ||
	    api_param_string(params, "key", &key, err) != 0 ||
	    api_param_string(params, "transport", &transport, err) != 0 ||
	    api_param_int(params, "days", &days, err) != 0)
		return NULL;
	if (name == NULL || key == NULL || transport == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "name, key and transport are needed");
	if (hex_decode(key, pub, sizeof pub) != 0)
		return api_fail(err, CTL_E_INVALID,
		    "key must be 64 hex digits of an Ed25519 public key");
	if (days < 1 || days > PKI_DAYS_MAX)
		return api_fail(err, CTL_E_INVALID, "days must be 1..%d",
		    PKI_DAYS_MAX);
	if ((ca = api_pki_ca(node, err)) == NULL)
		return NULL;
	pem = pki_issue(ca, name, pub, transport, (int)days, &cause);
	if (pem == NULL)
		api_fail(err, CTL_E_INVALID, "%s", cause);
	else if (api_pki_record(node, pem, err) == 0)
		result = json_pack("{s:s, s:s}", "cert", pem, "ca",
		    pki_ca_cert_pem(ca));
	free(pem);
	free(cause);
	pki_ca_destroy(&ca);
	return result;
}

const api_method_t api_pki_issue = {
	.name = "pki.issue",
	.exec = api_pki_issue_exec,
	.writes = true,
};

static json_t *
api_pki_request_exec(node_t *node, json_t *params, api_error_t *err)
{
	char *cause = NULL, *csr;
	json_t *result;

	(void)params;
	csr = pki_request_new(node->identity->key, node->name,
	    zcert_public_txt(node->identity->transport), &cause);
	if (csr == NULL) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		free(cause);
		return NULL;
	}
	result = json_pack("{s:s}", "request", csr);
	free(csr);
	return result;
}

const api_method_t api_pki_request = {
	.name = "pki.request",
	.exec = api_pki_request_exec,
};

static json_t *
api_pki_sign_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *csr = NULL;
	json_int_t days = PKI_NODE_DAYS;
	char *cause = NULL, *pem;
	pki_cert_info_t info;
	json_t *result = NULL;
	pki_ca_t *ca;

	if (api_param_string(params, "request", &csr, err) != 0 ||
	    api_param_int(params, "days", &days, err) != 0)
		return NULL;
	if (csr == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "request is needed");
	if (days < 1 || days > PKI_DAYS_MAX)
		return api_fail(err, CTL_E_INVALID, "days must be 1..%d",
		    PKI_DAYS_MAX);
	if ((ca = api_pki_ca(node, err)) == NULL)
		return NULL;
	pem = pki_sign_request(ca, csr, (int)days, &cause);
	if (pem == NULL || pki_cert_info(pem, &info, &cause) != 0)
		api_fail(err, CTL_E_INVALID, "%s", cause);
	else if (api_pki_record(node, pem, err) == 0)
		result = json_pack("{s:s, s:s, s:s, s:s}", "cert", pem, "ca",
		    pki_ca_cert_pem(ca), "name", info.name, "serial",
		    info.serial);
	free(pem);
	free(cause);
	pki_ca_destroy(&ca);
	return result;
}

const api_method_t api_pki_sign = {
	.name = "pki.sign",
	.exec = api_pki_sign_exec,
	.writes = true,
};

static json_t *
api_pki_install_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *cert = NULL, *ca = NULL;
	pki_cert_info_t info;
	char *cause = NULL;

	if (api_param_string(params, "cert", &cert, err) != 0 ||
	    api_param_string(params, "ca", &ca, err) != 0)
		return NULL;
	if (cert == NULL || ca == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "cert and ca are needed");
	if (pki_verify(ca, cert, (int64_t)time(NULL), &info, &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "the certificate does not verify "
					     "against that CA: %s",
		    cause);
		free(cause);
		return NULL;
	}
	if (memcmp(info.ed25519, signing_key_public(node->identity->key), 32) !=
		0 ||
	    strcmp(info.curve, zcert_public_txt(node->identity->transport)) != 0)
		return api_fail(err, CTL_E_INVALID,
		    "the certificate is for another node's keys (name '%s')",
		    info.name);
	if (api_pki_write(node, cert, ca, err) != 0)
		return NULL;
	mesh_reload(node->mesh);
	return json_pack("{s:s, s:s}", "name", info.name, "mesh", info.mesh);
}

const api_method_t api_pki_install = {
	.name = "pki.install",
	.exec = api_pki_install_exec,
};

/* Whether a certificate of the ledger is one of this mesh's and in force.
 * Only revocations the CA signed count, and only certificates it
 * issued: anyone can write an entry. Returns "valid", "revoked",
 * "expired" or "foreign" (not from this mesh's CA). */
static const char *
api_pki_state(node_t *node, const char *serial, const char *pem, int64_t now)
{
	admit_t *admit = node->mesh != NULL ? mesh_admit(node->mesh) : NULL;
	pki_cert_info_t info;
	char *cause = NULL;
	const char *state;

	if (admit == NULL)
		return "unchecked";
	if (pki_verify(admit_ca_pem(admit), pem, now, &info, &cause) != 0)
		state = strstr(cause, "expired") != NULL ? "expired" : "foreign";
	else
		state = admit_is_revoked(admit, serial) ? "revoked" : "valid";
	free(cause);
	return state;
}

static json_t *
api_pki_list_exec(node_t *node, json_t *params, api_error_t *err)
{
	sqlite3 *db = store_db(node->store);
	json_t *list = json_array();
	int64_t now = (int64_t)time(NULL);
	char *path = xasprintf("%s/pki/ca.key", node->dir);
	bool is_ca = access(path, F_OK) == 0;
	sqlite3_stmt *s;

	(void)params;
	free(path);
	if (sqlite3_prepare_v2(db,
		"SELECT serial, name, not_before, not_after, pem "
		"FROM certificates ORDER BY name, not_before",
		-1, &s, NULL) != SQLITE_OK) {
		json_decref(list);
		return api_fail(err, CTL_E_STORE, "%s", sqlite3_errmsg(db));
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *serial = (const char *)sqlite3_column_text(s, 0);
		const char *state = api_pki_state(node, serial,
		    (const char *)sqlite3_column_text(s, 4), now);
		char from[40], until[40];
		int64_t nb = sqlite3_column_int64(s, 2);
		int64_t na = sqlite3_column_int64(s, 3);

		time_format_iso(nb * 1000000, from, sizeof from);
		time_format_iso(na * 1000000, until, sizeof until);
		json_array_append_new(list,
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:b, s:b}",
			"serial", serial, "name", sqlite3_column_text(s, 1),
			"not_before", from, "not_after", until, "not_after_us",
			(json_int_t)na * 1000000, "state", state, "expired",
			strcmp(state, "expired") == 0, "revoked",
			strcmp(state, "revoked") == 0));
	}
	sqlite3_finalize(s);
	return json_pack("{s:o, s:b}", "certificates", list, "ca", is_ca);
}

const api_method_t api_pki_list = {
	.name = "pki.list",
	.exec = api_pki_list_exec,
};

static json_t *
api_pki_revoke_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *name = NULL;
	json_t *serials = NULL;
	sqlite3_stmt *s = NULL;
	pki_ca_t *ca;
	int64_t now = (int64_t)time(NULL);

	if (api_param_string(params, "name", &name, err) != 0)
		return NULL;
	if (name == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "name is needed");
	if ((ca = api_pki_ca(node, err)) == NULL)
		return NULL;
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT serial, pem FROM certificates WHERE name = ?", -1, &s,
		NULL) != SQLITE_OK) {
		api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
		goto done;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	serials = json_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *serial = (const char *)sqlite3_column_text(s, 0);
		char *cause = NULL, *sig, *text;
		json_t *body;
		entry_t *e;

		/* Revoke what is in force: not what is already revoked (by
		 * a revocation the CA signed) nor another CA's. */
		if (strcmp(api_pki_state(node, serial,
			       (const char *)sqlite3_column_text(s, 1), now),
			"valid") != 0)
			continue;

		sig = pki_revocation_sign(ca, serial, name, now, &cause);
		if (sig == NULL) {
			api_fail(err, CTL_E_INVALID, "%s", cause);
			free(cause);
			json_decref(serials);
			serials = NULL;
			goto done;
		}
		body = json_pack("{s:s, s:s, s:I, s:s}", "serial", serial,
		    "name", name, "time", (json_int_t)now, "sig", sig);
		text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
		e = node_append(node, "pki.revoke", text, strlen(text), &cause);
		free(text);
		json_decref(body);
		free(sig);
		if (e == NULL) {
			api_fail(err, CTL_E_STORE, "%s", cause);
			free(cause);
			json_decref(serials);
			serials = NULL;
			goto done;
		}
		entry_destroy(&e);
		json_array_append_new(serials, json_string(serial));
	}
	if (json_array_size(serials) == 0) {
		api_fail(err, CTL_E_NOT_FOUND,
		    "no certificate in force for '%s'", name);
		json_decref(serials);
		serials = NULL;
	}
done:
	sqlite3_finalize(s);
	pki_ca_destroy(&ca);
	/* Links are checked again once the batch commits (mesh_tick). */
	return serials != NULL ? json_pack("{s:s, s:o}", "name", name,
				     "serials", serials)
			       : NULL;
}

const api_method_t api_pki_revoke = {
	.name = "pki.revoke",
	.exec = api_pki_revoke_exec,
	.writes = true,
};
