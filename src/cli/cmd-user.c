#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "util.h"

static int
cmd_user_add_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	int rc;

	if ((rc = cmd_call(ctx, "user.add",
		 json_pack("{s:s}", "name", args->argv[0]), &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("user %s added\n",
		    json_string_value(json_object_get(r, "user")));
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_user_add_entry = {
	.name = "add",
	.usage = "user add NAME",
	.summary = "add a user on this node",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_user_add_exec,
};

static int
cmd_user_list_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *u;
	size_t i;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "user.list", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		json_array_foreach(json_object_get(r, "users"), i, u) {
			char *who = cmd_safe(json_string_value(
			    json_object_get(u, "user")));

			printf("%s%s\n", who,
			    json_is_true(json_object_get(u, "here"))
				? "  (this node)"
				: "");
			free(who);
		}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_user_list_entry = {
	.name = "list",
	.usage = "user list",
	.summary = "every user of the mesh, as NAME@NODE",
	.max_args = 0,
	.exec = cmd_user_list_exec,
};

static const struct ioectl_cmd *const cmd_user_subcmds[] = {
	&cmd_user_add_entry,
	&cmd_user_list_entry,
	NULL,
};

const struct ioectl_cmd cmd_user_entry = {
	.name = "user",
	.usage = "user add|list",
	.summary = "the people using this node",
	.subcmds = cmd_user_subcmds,
};
