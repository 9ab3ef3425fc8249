#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "entry.h"
#include "util.h"

static int
cmd_journal_add_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	size_t len;
	char *text;
	int rc;

	if ((text = cmd_text(ctx, args->argc, args->argv, &len, &rc)) == NULL)
		return rc;
	rc = cmd_call(ctx, "journal.add",
	    json_pack("{s:s%}", "text", text, len), &r);
	free(text);
	if (rc != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("%s\n", json_string_value(json_object_get(r, "id")));
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_journal_add_entry = {
	.name = "add",
	.usage = "journal add TEXT...",
	.summary = "add a signed, timestamped entry to the journal (- reads "
		   "standard input)",
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_journal_add_exec,
};

/* Adds a time option's value to params. Returns 0, or the exit status. */
static int
cmd_journal_time(struct ioectl_ctx *ctx, const char *value, const char *key,
    json_t *params)
{
	char *cause = NULL;
	int64_t us;
	int rc;

	if (value == NULL)
		return 0;
	if (time_parse(value, time_now_us(), &us, &cause) != 0) {
		rc = cmd_usage_error(ctx, NULL, "--%s: %s", key, cause);
		free(cause);
		return rc;
	}
	json_object_set_new(params, key, json_integer(us));
	return 0;
}

static void
cmd_journal_print(json_t *entries)
{
	int width = 4;
	size_t i;
	json_t *e;

	json_array_foreach(entries, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		int len = name != NULL ? (int)strlen(name) : 16;

		if (len > width)
			width = len;
	}
	json_array_foreach(entries, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *author = json_string_value(
		    json_object_get(e, "author"));
		char when[32], *text, *who;

		time_format_local(json_integer_value(json_object_get(e,
				      "time_us")),
		    when, sizeof when);
		who = cmd_safe(name != NULL ? name : author);
		if (name == NULL)
			who[16] = '\0';
		text = cmd_safe(json_string_value(json_object_get(e, "text")));
		printf("%s  %-*s  %s\n", when, width, who, text);
		free(text);
		free(who);
	}
}

static int
cmd_journal_list_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *author = args_get(args, "author");
	const char *count = args_get(args, "n");
	json_t *params = json_object(), *r;
	int rc;

	if ((rc = cmd_journal_time(ctx, args_get(args, "since"), "since",
		 params)) != 0 ||
	    (rc = cmd_journal_time(ctx, args_get(args, "until"), "until",
		 params)) != 0) {
		json_decref(params);
		return rc;
	}
	if (author != NULL)
		json_object_set_new(params, "author", json_string(author));
	if (count != NULL) {
		char *end;
		long n;

		errno = 0;
		n = strtol(count, &end, 10);
		if (*count == '\0' || *end != '\0' || errno != 0 || n < 1) {
			json_decref(params);
			return cmd_usage_error(ctx, args->cmd,
			    "-n wants a count of 1 or more, not '%s'", count);
		}
		json_object_set_new(params, "limit", json_integer(n));
	}
	if ((rc = cmd_call(ctx, "journal.list", params, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		cmd_journal_print(json_object_get(r, "entries"));
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_journal_list_entry = {
	.name = "list",
	.usage = "journal list [--since TIME] [--until TIME] [--author NODE] "
		 "[-n COUNT]",
	.summary = "show the journal, oldest first",
	.options = {
		{ "since", 0, true },
		{ "until", 0, true },
		{ "author", 0, true },
		{ "n", 'n', true },
	},
	.max_args = 0,
	.exec = cmd_journal_list_exec,
};

static int
cmd_journal_export_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *format = args_get(args, "format");
	const char *since = args_get(args, "since");
	json_t *params, *r;
	int rc;

	if (format == NULL)
		return cmd_usage_error(ctx, args->cmd,
		    "--format md or --format csv is needed");
	params = json_pack("{s:s}", "format", format);
	if ((rc = cmd_journal_time(ctx, since, "since", params)) != 0) {
		json_decref(params);
		return rc;
	}
	if ((rc = cmd_call(ctx, "export", params, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		fputs(json_string_value(json_object_get(r, "text")), stdout);
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_journal_export_entry = {
	.name = "export",
	.usage = "journal export --format md|csv [--since TIME]",
	.summary = "the after-action report: journal, alerts, "
		   "acknowledgements",
	.options = { { "format", 0, true }, { "since", 0, true } },
	.max_args = 0,
	.exec = cmd_journal_export_exec,
};

static const struct ioectl_cmd *const cmd_journal_subcmds[] = {
	&cmd_journal_add_entry,
	&cmd_journal_export_entry,
	&cmd_journal_list_entry,
	NULL,
};

const struct ioectl_cmd cmd_journal_entry = {
	.name = "journal",
	.usage = "journal add|export|list",
	.summary = "the crisis cell's running log",
	.subcmds = cmd_journal_subcmds,
};
