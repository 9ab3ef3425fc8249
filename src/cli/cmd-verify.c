#include "config.h"

#include <stdio.h>

#include "cmd.h"

static int
cmd_verify_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "verify", NULL, &r)) != EXIT_OK)
		return rc;
	if (json_is_true(json_object_get(r, "ok"))) {
		rc = EXIT_OK;
		if (!ctx->json)
			printf("verified %lld entries from %lld authors\n",
			    (long long)json_integer_value(
				json_object_get(r, "entries")),
			    (long long)json_integer_value(
				json_object_get(r, "authors")));
	} else {
		rc = EXIT_FAILED;
		fprintf(stderr, "entry %s: %s\n",
		    json_string_value(json_object_get(r, "id")),
		    json_string_value(json_object_get(r, "reason")));
	}
	if (ctx->json)
		cmd_print_json(r);
	json_decref(r);
	return rc;
}

const struct ioectl_cmd cmd_verify_entry = {
	.name = "verify",
	.usage = "verify",
	.summary = "recompute every hash, signature and chain link",
	.max_args = 0,
	.exec = cmd_verify_exec,
};
