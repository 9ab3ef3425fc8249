#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "util.h"

/* say and msg: a text to a room or to a user. */
static int
cmd_say_send(struct ioectl_ctx *ctx, struct args *args, const char *method,
    const char *key)
{
	json_t *r;
	size_t len;
	char *text;
	int rc;

	if ((text = cmd_text(ctx, args->argc - 1, args->argv + 1, &len,
		 &rc)) == NULL)
		return rc;
	rc = cmd_call(ctx, method,
	    cmd_with_user(ctx, json_pack("{s:s, s:s%}", key, args->argv[0],
				   "text", text, len)),
	    &r);
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

static int
cmd_say_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return cmd_say_send(ctx, args, "say", "room");
}

const struct ioectl_cmd cmd_say_entry = {
	.name = "say",
	.usage = "say ROOM TEXT...",
	.summary = "send a message to a room (TEXT - reads standard input)",
	.min_args = 2,
	.max_args = -1,
	.exec = cmd_say_exec,
};

static int
cmd_msg_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return cmd_say_send(ctx, args, "msg", "to");
}

const struct ioectl_cmd cmd_msg_entry = {
	.name = "msg",
	.usage = "msg USER@NODE TEXT...",
	.summary = "send a direct message (read it with tail @USER@NODE)",
	.min_args = 2,
	.max_args = -1,
	.exec = cmd_msg_exec,
};
