#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static int
cmd_ledger_heads_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *h;
	size_t i;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "ledger.heads", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		json_array_foreach(json_object_get(r, "heads"), i, h) {
			const char *name = json_string_value(
			    json_object_get(h, "name"));
			char *shown = cmd_safe(name != NULL ? name : "-");

			printf("%-16s  %.16s  %8lld  %s\n", shown,
			    json_string_value(json_object_get(h, "author")),
			    (long long)json_integer_value(
				json_object_get(h, "seq")),
			    json_string_value(json_object_get(h, "head")));
			free(shown);
		}
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_ledger_heads_entry = {
	.name = "heads",
	.usage = "ledger heads",
	.summary = "each author's highest sequence number and head hash",
	.max_args = 0,
	.exec = cmd_ledger_heads_exec,
};

static void
cmd_ledger_field(json_t *r, const char *label, const char *key)
{
	json_t *v = json_object_get(r, key);
	char *shown;

	if (json_is_string(v)) {
		shown = cmd_safe(json_string_value(v));
		printf("%-10s %s\n", label, shown);
		free(shown);
	} else if (json_is_integer(v))
		printf("%-10s %lld\n", label, (long long)json_integer_value(v));
	else
		printf("%-10s -\n", label);
}

static int
cmd_ledger_show_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	char when[32];
	int rc;

	if ((rc = cmd_call(ctx, "ledger.show",
		 json_pack("{s:s}", "id", args->argv[0]), &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		time_format_local(json_integer_value(json_object_get(r,
				      "time_us")),
		    when, sizeof when);
		cmd_ledger_field(r, "id", "id");
		cmd_ledger_field(r, "author", "author");
		cmd_ledger_field(r, "name", "name");
		cmd_ledger_field(r, "seq", "seq");
		cmd_ledger_field(r, "prev", "prev");
		cmd_ledger_field(r, "lamport", "lamport");
		printf("%-10s %s (%s)\n", "time", when,
		    json_string_value(json_object_get(r, "time")));
		cmd_ledger_field(r, "kind", "kind");
		cmd_ledger_field(r, "size", "size");
		printf("%-10s %s\n", "signature",
		    json_is_true(json_object_get(r, "signature_ok"))
			? "good"
			: "BAD");
		cmd_ledger_field(r, "body", "body");
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_ledger_show_entry = {
	.name = "show",
	.usage = "ledger show ID",
	.summary = "show one entry of the ledger (ID: 8 or more hex digits)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_ledger_show_exec,
};

static const struct ioectl_cmd *const cmd_ledger_subcmds[] = {
	&cmd_ledger_heads_entry,
	&cmd_ledger_show_entry,
	NULL,
};

const struct ioectl_cmd cmd_ledger_entry = {
	.name = "ledger",
	.usage = "ledger heads|show",
	.summary = "the signed log every node holds",
	.subcmds = cmd_ledger_subcmds,
};
