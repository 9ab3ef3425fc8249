#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "identity.h"
#include "util.h"

#define PKI_FILE_MAX (64 * 1024)

/* --days as a number, or the daemon's default when absent. Returns 0, or
 * EXIT_USAGE after saying why. */
static int
cmd_pki_days(struct ioectl_ctx *ctx, struct args *args, json_t *params)
{
	const char *days = args_get(args, "days");
	char *end;
	long n;

	if (days == NULL)
		return 0;
	n = strtol(days, &end, 10);
	if (*days == '\0' || *end != '\0' || n < 1 || n > 36500)
		return cmd_usage_error(ctx, args->cmd,
		    "--days wants 1 to 36500, not '%s'", days);
	json_object_set_new(params, "days", json_integer(n));
	return 0;
}

static int
cmd_pki_init_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *mesh = args_get(args, "mesh");
	json_t *params = json_object(), *r;
	int rc;

	if (mesh != NULL)
		json_object_set_new(params, "mesh", json_string(mesh));
	if ((rc = cmd_call(ctx, "pki.init", params, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("this node is now the certificate authority of mesh "
		       "'%s'; its key is in %s/pki/ca.key: keep a copy "
		       "offline\n",
		    json_string_value(json_object_get(r, "mesh")), ctx->dir);
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_pki_init_entry = {
	.name = "init",
	.usage = "pki init [--mesh NAME]",
	.summary = "make this node the mesh's certificate authority",
	.options = { { "mesh", 0, true } },
	.max_args = 0,
	.exec = cmd_pki_init_exec,
};

/* Writes the certificates of a reply into DIR/pki. */
static int
cmd_pki_write(const char *dir, json_t *r, char **cause)
{
	char *pki = xasprintf("%s/pki", dir), *ca, *cert;
	const char *cert_pem = json_string_value(json_object_get(r, "cert"));
	const char *ca_pem = json_string_value(json_object_get(r, "ca"));
	int rc = -1;

	ca = xasprintf("%s/ca.crt", pki);
	cert = xasprintf("%s/node.crt", pki);
	if (cert_pem == NULL || ca_pem == NULL)
		fail(cause, "the daemon's reply holds no certificate");
	else if (mkdir(pki, 0700) != 0 && errno != EEXIST)
		fail(cause, "cannot create '%s': %s", pki, strerror(errno));
	else if (write_file_atomic(ca, ca_pem, strlen(ca_pem), 0644, cause) ==
		0 &&
	    write_file_atomic(cert, cert_pem, strlen(cert_pem), 0644, cause) ==
		0)
		rc = 0;
	free(pki);
	free(ca);
	free(cert);
	return rc;
}

/* Removes what a failed 'pki issue' made in dir (and dir itself if it
 * made it). */
static void
cmd_pki_unmake(const char *dir, bool made_dir)
{
	static const char *const files[] = { "node.key", "transport.cert",
		"transport.cert_secret", "pki/node.crt", "pki/ca.crt", "pki" };

	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char *path = xasprintf("%s/%s", dir, files[i]);

		if (remove(path) != 0 && errno != ENOENT)
			fprintf(stderr, "ioectl: cannot remove '%s': %s\n",
			    path, strerror(errno));
		free(path);
	}
	if (made_dir)
		rmdir(dir);
}

static int
cmd_pki_issue_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *name = args->argv[0], *out = args_get(args, "out");
	char *cause = NULL, *path = NULL, *yaml = NULL, *conf = NULL;
	json_t *params = NULL, *r = NULL;
	identity_t *id = NULL;
	struct stat st;
	bool created, made = false, made_dir = false;
	int rc;

	if (out == NULL)
		return cmd_usage_error(ctx, args->cmd, "--out DIR is needed");
	if (name_check(name, "node name", &cause) != 0) {
		rc = cmd_error(ctx, EXIT_FAILED, "invalid", "%s", cause);
		free(cause);
		return rc;
	}
	path = xasprintf("%s/node.key", out);
	if (stat(path, &st) == 0) {
		rc = cmd_error(ctx, EXIT_FAILED, "invalid",
		    "'%s' already holds a node key: give an empty or new "
		    "directory",
		    out);
		goto done;
	}
	if (mkdir(out, 0700) == 0)
		made_dir = true;
	else if (errno != EEXIST) {
		rc = cmd_error(ctx, EXIT_FAILED, "invalid",
		    "cannot create '%s': %s", out, strerror(errno));
		goto done;
	}
	/* The new node's keys are made here and never pass through the
	 * daemon; only their public halves are sent to be certified. If
	 * anything fails they are removed again, so DIR can be reused. */
	made = true;
	if ((id = identity_open(out, &created, &cause)) == NULL) {
		rc = cmd_error(ctx, EXIT_FAILED, "invalid", "%s", cause);
		goto done;
	}
	params = json_pack("{s:s, s:s, s:s}", "name", name, "key", id->key_hex,
	    "transport", zcert_public_txt(id->transport));
	if ((rc = cmd_pki_days(ctx, args, params)) != 0)
		goto done;
	rc = cmd_call(ctx, "pki.issue", params, &r);
	params = NULL;
	if (rc != EXIT_OK)
		goto done;
	conf = xasprintf("%s/ioe.yaml", out);
	yaml = xasprintf("# made by 'ioectl pki issue %s'\nname: %s\n", name,
	    name);
	if (cmd_pki_write(out, r, &cause) != 0 ||
	    (access(conf, F_OK) != 0 &&
		write_file_atomic(conf, yaml, strlen(yaml), 0600, &cause) !=
		    0)) {
		rc = cmd_error(ctx, EXIT_FAILED, "store_error", "%s", cause);
		goto done;
	}
	if (ctx->json) {
		json_t *obj = json_pack("{s:s, s:s, s:s}", "name", name, "dir",
		    out, "fingerprint", id->fingerprint);

		cmd_print_json(obj);
		json_decref(obj);
	} else
		printf("bundle for node '%s' (fingerprint %s) in %s: start it "
		       "with 'ioed -d DIR --peer ...' once copied\n",
		    name, id->fingerprint, out);
	rc = EXIT_OK;
done:
	if (rc != EXIT_OK && made)
		cmd_pki_unmake(out, made_dir);
	free(cause);
	free(path);
	free(conf);
	free(yaml);
	json_decref(params);
	json_decref(r);
	identity_destroy(&id);
	return rc;
}

static const struct ioectl_cmd cmd_pki_issue_entry = {
	.name = "issue",
	.usage = "pki issue NAME --out DIR [--days N]",
	.summary = "make a provisioning bundle (keys and certificate) for a "
		   "new node",
	.options = { { "out", 0, true }, { "days", 0, true } },
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_pki_issue_exec,
};

static int
cmd_pki_request_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "pki.request", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		fputs(json_string_value(json_object_get(r, "request")), stdout);
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_pki_request_entry = {
	.name = "request",
	.usage = "pki request",
	.summary = "print a certificate request for this node (keys stay here)",
	.max_args = 0,
	.exec = cmd_pki_request_exec,
};

/* The contents of FILE, or standard input for "-". */
static char *
cmd_pki_read(struct ioectl_ctx *ctx, const char *file, int *rc)
{
	char *cause = NULL, *text;
	size_t len;

	if (strcmp(file, "-") == 0)
		text = read_stream(STDIN_FILENO, PKI_FILE_MAX, &len, &cause);
	else
		text = read_file(file, PKI_FILE_MAX, &len, &cause);
	if (text == NULL) {
		*rc = cmd_error(ctx, EXIT_FAILED, "invalid", "%s", cause);
		free(cause);
	}
	return text;
}

static int
cmd_pki_sign_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *params, *r;
	char *csr;
	int rc;

	if ((csr = cmd_pki_read(ctx, args->argv[0], &rc)) == NULL)
		return rc;
	params = json_pack("{s:s}", "request", csr);
	free(csr);
	if ((rc = cmd_pki_days(ctx, args, params)) != 0) {
		json_decref(params);
		return rc;
	}
	if ((rc = cmd_call(ctx, "pki.sign", params, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		fprintf(stderr, "signed a certificate for '%s', serial %s\n",
		    json_string_value(json_object_get(r, "name")),
		    json_string_value(json_object_get(r, "serial")));
		fputs(json_string_value(json_object_get(r, "cert")), stdout);
		fputs(json_string_value(json_object_get(r, "ca")), stdout);
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_pki_sign_entry = {
	.name = "sign",
	.usage = "pki sign FILE [--days N]",
	.summary = "certify a request (on the CA node); prints the "
		   "certificate and the CA's",
	.options = { { "days", 0, true } },
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_pki_sign_exec,
};

static int
cmd_pki_install_exec(struct ioectl_ctx *ctx, struct args *args)
{
	static const char end_marker[] = "-----END CERTIFICATE-----";
	char *text, *split;
	json_t *r;
	int rc;

	if ((text = cmd_pki_read(ctx, args->argv[0], &rc)) == NULL)
		return rc;
	/* 'pki sign' prints the node's certificate, then the CA's. */
	split = strstr(text, end_marker);
	if (split == NULL || strstr(split + 1, end_marker) == NULL) {
		free(text);
		return cmd_error(ctx, EXIT_FAILED, "invalid",
		    "'%s' must hold two certificates, this node's then the "
		    "CA's, as 'ioectl pki sign' prints them",
		    args->argv[0]);
	}
	split += strlen(end_marker);
	if (*split == '\n')
		split++;
	r = json_pack("{s:s%, s:s}", "cert", text, (size_t)(split - text),
	    "ca", split);
	free(text);
	if ((rc = cmd_call(ctx, "pki.install", r, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("installed the certificate of '%s' in mesh '%s'\n",
		    json_string_value(json_object_get(r, "name")),
		    json_string_value(json_object_get(r, "mesh")));
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_pki_install_entry = {
	.name = "install",
	.usage = "pki install FILE",
	.summary = "install the certificate 'pki sign' made for this node",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_pki_install_exec,
};

static int
cmd_pki_list_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *c;
	size_t i;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "pki.list", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		printf("%-16s %-32s %-19s  %s\n", "NAME", "SERIAL", "EXPIRES",
		    "STATE");
		json_array_foreach(json_object_get(r, "certificates"), i, c) {
			char *name = cmd_safe(json_string_value(
			    json_object_get(c, "name")));
			char when[32];

			time_format_local(json_integer_value(json_object_get(c,
					      "not_after_us")),
			    when, sizeof when);
			printf("%-16s %-32s %-19s  %s\n", name,
			    json_string_value(json_object_get(c, "serial")),
			    when,
			    json_string_value(json_object_get(c, "state")));
			free(name);
		}
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_pki_list_entry = {
	.name = "list",
	.usage = "pki list",
	.summary = "the certificates issued in the mesh: serial, expiry, state",
	.max_args = 0,
	.exec = cmd_pki_list_exec,
};

static int
cmd_pki_revoke_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *s;
	size_t i;
	int rc;

	if ((rc = cmd_call(ctx, "pki.revoke",
		 json_pack("{s:s}", "name", args->argv[0]), &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		json_array_foreach(json_object_get(r, "serials"), i, s)
			printf("revoked '%s' (serial %s)\n", args->argv[0],
			    json_string_value(s));
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_pki_revoke_entry = {
	.name = "revoke",
	.usage = "pki revoke NAME",
	.summary = "revoke a node's certificates (on the CA node); every node "
		   "cuts it off",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_pki_revoke_exec,
};

static const struct ioectl_cmd *const cmd_pki_subcmds[] = {
	&cmd_pki_init_entry,
	&cmd_pki_issue_entry,
	&cmd_pki_request_entry,
	&cmd_pki_sign_entry,
	&cmd_pki_install_entry,
	&cmd_pki_list_entry,
	&cmd_pki_revoke_entry,
	NULL,
};

const struct ioectl_cmd cmd_pki_entry = {
	.name = "pki",
	.usage = "pki init|issue|request|sign|install|list|revoke",
	.summary = "the mesh's certificates",
	.subcmds = cmd_pki_subcmds,
};
