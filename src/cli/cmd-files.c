/* files: the mesh's shared files (doc/files.md). put and get, which move
 * bytes, are in cmd-files-put.c and cmd-files-get.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-files.h"
#include "util.h"

int
files_path_utf8(struct ioectl_ctx *ctx, const char *path)
{
	char *shown;
	int rc;

	if (text_is_utf8(path, strlen(path)))
		return EXIT_OK;
	shown = text_escape(path, strlen(path));
	rc = cmd_error(ctx, EXIT_FAILED, "invalid",
	    "'%s': a mesh path must be UTF-8 text", shown);
	free(shown);
	return rc;
}

void
files_id_short(const char *id, char out[FILES_ID_SHORT + 1])
{
	if (id == NULL)
		id = "-";
	snprintf(out, FILES_ID_SHORT + 1, "%s", id);
}

bool
files_show_progress(struct ioectl_ctx *ctx, struct args *args)
{
	return !ctx->json && args_get(args, "quiet") == NULL;
}

/* ls, log, stat: calls method with path (none if NULL). Returns EXIT_OK
 * with *r set (caller owns it), or the exit status after printing why. */
static int
files_call_path(struct ioectl_ctx *ctx, const char *method, const char *path,
    json_t **r)
{
	json_t *params = json_object();
	int rc;

	if (path != NULL) {
		if ((rc = files_path_utf8(ctx, path)) != EXIT_OK) {
			json_decref(params);
			return rc;
		}
		json_object_set_new(params, "path", json_string(path));
	}
	return cmd_call(ctx, method, params, r);
}

/* The string field key of obj, or "" if it has none. */
static const char *
files_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

static long long
files_int(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

/* "user@node" of an entry or a row, escaped. Caller frees. */
static char *
files_who(json_t *obj)
{
	char *who =
	    xasprintf("%s@%s", files_str(obj, "user"), files_str(obj, "node"));
	char *shown = cmd_safe(who);

	free(who);
	return shown;
}

/* The local time of an entry or a row ("2026-11-22 10:00:00"). */
static void
files_time(json_t *obj, char *out, size_t size)
{
	if (json_object_get(obj, "time_us") == NULL) {
		snprintf(out, size, "-");
		return;
	}
	time_format_local(
	    json_integer_value(json_object_get(obj, "time_us")), out, size);
}

/* mkdir, mv, rm: calls method on path, or on from and to, as the acting
 * user, and prints the result as JSON or as "VERB PATH" ("VERB FROM to
 * TO"). Returns the exit status. */
static int
files_simple(struct ioectl_ctx *ctx, const char *method, const char *verb,
    const char *path, const char *to)
{
	json_t *params, *r;
	char *what, *shown;
	int rc;

	if ((rc = files_path_utf8(ctx, path)) != EXIT_OK ||
	    (to != NULL && (rc = files_path_utf8(ctx, to)) != EXIT_OK))
		return rc;
	params = to == NULL ? json_pack("{s:s}", "path", path)
			    : json_pack("{s:s, s:s}", "from", path, "to", to);
	if ((rc = cmd_call(ctx, method, cmd_with_user(ctx, params), &r)) !=
	    EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		what = to == NULL ? xstrdup(path)
				  : xasprintf("%s to %s", path, to);
		shown = cmd_safe(what);
		printf("%s %s\n", verb, shown);
		free(shown);
		free(what);
	}
	json_decref(r);
	return EXIT_OK;
}

static int
cmd_files_mkdir_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return files_simple(ctx, "files.mkdir", "made directory",
	    args->argv[0], NULL);
}

static const struct ioectl_cmd cmd_files_mkdir_entry = {
	.name = "mkdir",
	.usage = "files mkdir PATH",
	.summary = "make the directory PATH (and its parents) on the mesh",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_files_mkdir_exec,
};

static int
cmd_files_mv_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return files_simple(ctx, "files.mv", "moved", args->argv[0],
	    args->argv[1]);
}

static const struct ioectl_cmd cmd_files_mv_entry = {
	.name = "mv",
	.usage = "files mv FROM TO",
	.summary = "move or rename a file or a directory on the mesh",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_files_mv_exec,
};

static int
cmd_files_rm_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return files_simple(ctx, "files.rm", "removed", args->argv[0], NULL);
}

static const struct ioectl_cmd cmd_files_rm_entry = {
	.name = "rm",
	.usage = "files rm PATH",
	.summary = "remove a file, or an empty directory, from the mesh",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_files_rm_exec,
};

/* How many nodes should hold each file: every node the log knows (each
 * has a feed), or files.replicas of them. Returns 0 if the daemon does not
 * say. */
static long long
files_want(struct ioectl_ctx *ctx)
{
	json_t *status = NULL, *heads = NULL;
	long long nodes = 0, replicas = 0;
	char *cause = NULL;

	/* Silent: the listing is there already, only this number lacks. */
	if (ctl_client_call(ctx->client, "ledger.heads", NULL,
		ctx->timeout_ms, &heads, NULL, &cause) == CTL_OK)
		nodes = (long long)json_array_size(
		    json_object_get(heads, "heads"));
	free(cause);
	cause = NULL;
	if (ctl_client_call(ctx->client, "status", NULL, ctx->timeout_ms,
		&status, NULL, &cause) == CTL_OK)
		replicas = files_int(json_object_get(status, "files"),
		    "replicas");
	free(cause);
	json_decref(heads);
	json_decref(status);
	return replicas > 0 && replicas < nodes ? replicas : nodes;
}

/* "2/3 nodes, here": how many nodes hold every chunk of the file, of how
 * many should, and whether this one does. */
static void
files_replication(json_t *row, long long want, char *out, size_t size)
{
	long long holders = files_int(row, "holders");

	/* The author holds its file whichever nodes replicas picks. */
	if (want < holders)
		want = holders;
	snprintf(out, size, "%lld/%lld node%s, %s", holders, want,
	    want == 1 ? "" : "s",
	    json_is_true(json_object_get(row, "local")) ? "here" : "not here");
}

static void
files_ls_long(json_t *entries, long long want)
{
	char size_text[24], when[32], id[FILES_ID_SHORT + 1], repl[64];
	int who_width = 1, repl_width = 1;
	size_t i;
	json_t *row;

	/* Columns as wide as their longest cell, so that names line up. */
	json_array_foreach(entries, i, row) {
		char *who = files_who(row);

		if ((int)strlen(who) > who_width)
			who_width = (int)strlen(who);
		free(who);
		if (strcmp(files_str(row, "type"), "dir") == 0)
			continue;
		files_replication(row, want, repl, sizeof repl);
		if ((int)strlen(repl) > repl_width)
			repl_width = (int)strlen(repl);
	}
	json_array_foreach(entries, i, row) {
		bool dir = strcmp(files_str(row, "type"), "dir") == 0;
		char *who = files_who(row);
		char *name = cmd_safe(files_str(row, "name"));
		char mode[8] = "-";

		files_time(row, when, sizeof when);
		files_id_short(json_string_value(json_object_get(row, "id")),
		    id);
		if (dir)
			strcpy(size_text, "-");
		else {
			size_format((uint64_t)files_int(row, "size"),
			    size_text, sizeof size_text);
			snprintf(mode, sizeof mode, "%04llo",
			    (unsigned long long)files_int(row, "mode") & 0777);
		}
		files_replication(row, want, repl, sizeof repl);
		printf("%-4s  %10s  %4s  %-*s  %s  %-12s  %-*s  %s%s\n",
		    dir ? "dir" : "file", size_text, mode, who_width, who,
		    when, id, repl_width, dir ? "-" : repl, name,
		    dir ? "/" : "");
		free(who);
		free(name);
	}
}

static int
cmd_files_ls_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *row, *entries;
	size_t i;
	int rc;

	if ((rc = files_call_path(ctx, "files.ls",
		 args->argc > 0 ? args->argv[0] : NULL, &r)) != EXIT_OK)
		return rc;
	entries = json_object_get(r, "entries");
	if (ctx->json)
		cmd_print_json(r);
	else if (args_get(args, "long") != NULL)
		files_ls_long(entries, files_want(ctx));
	else {
		json_array_foreach(entries, i, row) {
			char *name = cmd_safe(files_str(row, "name"));

			printf("%s%s\n", name,
			    strcmp(files_str(row, "type"), "dir") == 0 ? "/" :
			    "");
			free(name);
		}
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_files_ls_entry = {
	.name = "ls",
	.usage = "files ls [-l] [PATH]",
	.summary = "list a directory of the mesh (default: its root)",
	.options = { { "long", 'l', false } },
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_files_ls_exec,
};

/* One operation of files log or of a version in files stat. */
static void
files_print_op(json_t *e, bool with_path)
{
	char when[32], id[FILES_ID_SHORT + 1];
	const char *op = files_str(e, "op");
	const char *outcome = files_str(e, "outcome");
	char *who = files_who(e), *path = NULL, *to = NULL;

	files_time(e, when, sizeof when);
	if (strncmp(op, "file.", 5) == 0)
		op += 5;
	files_id_short(json_string_value(json_object_get(e, "id")), id);
	printf("%s  %s  %-5s", when, who, op);
	if (with_path) {
		path = cmd_safe(files_str(e, "path"));
		printf("  %s", path);
		if (json_string_value(json_object_get(e, "to")) != NULL) {
			to = cmd_safe(files_str(e, "to"));
			printf(" -> %s", to);
		}
	}
	if (json_string_value(json_object_get(e, "id")) != NULL)
		printf("  %s", id);
	if (*outcome != '\0' && strcmp(outcome, "applied") != 0) {
		char *shown = cmd_safe(outcome);

		printf("  (%s)", shown);
		free(shown);
	}
	putchar('\n');
	free(who);
	free(path);
	free(to);
}

static int
cmd_files_log_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *e;
	size_t i;
	int rc;

	if ((rc = files_call_path(ctx, "files.log",
		 args->argc > 0 ? args->argv[0] : NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		json_array_foreach(json_object_get(r, "entries"), i, e) {
			files_print_op(e, true);
		}
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_files_log_entry = {
	.name = "log",
	.usage = "files log [PATH]",
	.summary = "the operations on the mesh's files (on PATH or under it), "
               "oldest first",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_files_log_exec,
};

static void
files_stat_print(json_t *r)
{
	char size_text[24], chunk_text[24], when[32];
	char *path = cmd_safe(files_str(r, "path")), *who = files_who(r);
	json_t *names = json_object_get(r, "holder_names"), *v;
	size_t i;

	printf("path      %s\n", path);
	printf("type      %s\n", files_str(r, "type"));
	files_time(r, when, sizeof when);
	if (strcmp(files_str(r, "type"), "dir") == 0) {
		printf("author    %s\n", who);
		printf("time      %s\n", when);
		goto done;
	}
	size_format(
	    (uint64_t)files_int(r, "size"), size_text, sizeof size_text);
	size_format((uint64_t)files_int(r, "chunk_size"), chunk_text,
	    sizeof chunk_text);
	if (files_int(r, "size") < 1024)
		printf("size      %s\n", size_text);
	else
		printf("size      %s (%lld bytes)\n", size_text,
		    files_int(r, "size"));
	printf("id        %s\n", files_str(r, "id"));
	printf("mode      %04llo\n", (unsigned long long)files_int(r, "mode"));
	printf("author    %s\n", who);
	printf("time      %s\n", when);
	printf("chunks    %lld of %s\n", files_int(r, "chunks"), chunk_text);
	printf("here      %lld of %lld chunks\n", files_int(r, "chunks_here"),
	    files_int(r, "chunks"));
	printf("holders   %lld", files_int(r, "holders"));
	json_array_foreach(names, i, v) {
		char *name = cmd_safe(
		    json_string_value(v) != NULL ? json_string_value(v) : "?");

		printf("%s%s", i == 0 ? ": " : ", ", name);
		free(name);
	}
	putchar('\n');
	printf(
	    "versions  %zu\n", json_array_size(json_object_get(r, "versions")));
	json_array_foreach(json_object_get(r, "versions"), i, v) {
		printf("  ");
		files_print_op(v, false);
	}
done:
	free(path);
	free(who);
}

static int
cmd_files_stat_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	int rc;

	if ((rc = files_call_path(ctx, "files.stat", args->argv[0], &r)) !=
	    EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		files_stat_print(r);
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_files_stat_entry = {
	.name = "stat",
	.usage = "files stat PATH",
	.summary = "a file's size, id, chunks, holders and versions",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_files_stat_exec,
};

static int
cmd_files_verify_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *bad, *ledger;
	size_t i;
	bool ok;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "files.verify", NULL, &r)) != EXIT_OK)
		return rc;
	ledger = json_object_get(r, "ledger");
	/* Anything wrong, whatever "ok" says, is a failure. */
	ok = json_is_true(json_object_get(r, "ok")) &&
	    json_array_size(json_object_get(r, "bad")) == 0 &&
	    json_is_true(json_object_get(ledger, "ok"));
	if (!ctx->json)
		printf("checked %lld chunks\n", files_int(r, "chunks"));
	/* Like verify: what is wrong goes to standard error, named, also
	 * with --json. */
	json_array_foreach(json_object_get(r, "bad"), i, bad) {
		char *why = cmd_safe(files_str(bad, "why"));

		fprintf(stderr, "chunk %s: %s\n", files_str(bad, "hash"), why);
		free(why);
	}
	if (!json_is_true(json_object_get(ledger, "ok")))
		fprintf(stderr, "entry %s: %s\n", files_str(ledger, "id"),
		    files_str(ledger, "reason"));
	else if (!ctx->json)
		printf("verified %lld entries from %lld authors\n",
		    files_int(ledger, "entries"), files_int(ledger, "authors"));
	if (ctx->json)
		cmd_print_json(r);
	json_decref(r);
	return ok ? EXIT_OK : EXIT_FAILED;
}

static const struct ioectl_cmd cmd_files_verify_entry = {
	.name = "verify",
	.usage = "files verify",
	.summary = "check every chunk held here against its hash, and the log",
	.max_args = 0,
	.exec = cmd_files_verify_exec,
};

static const struct ioectl_cmd *const cmd_files_subcmds[] = {
	&cmd_files_get_entry,
	&cmd_files_log_entry,
	&cmd_files_ls_entry,
	&cmd_files_mkdir_entry,
	&cmd_files_mv_entry,
	&cmd_files_put_entry,
	&cmd_files_rm_entry,
	&cmd_files_stat_entry,
	&cmd_files_verify_entry,
	NULL,
};

const struct ioectl_cmd cmd_files_entry = {
	.name = "files",
	.usage = "files get|log|ls|mkdir|mv|put|rm|stat|verify",
	.summary = "the files shared by the mesh",
	.subcmds = cmd_files_subcmds,
};
