#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "util.h"

static int
cmd_role_write(struct ioectl_ctx *ctx, const char *method, json_t *params,
    const char *done)
{
	json_t *r;
	int rc;

	if ((rc = cmd_call(ctx, method, params, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("%s\n", done);
	json_decref(r);
	return EXIT_OK;
}

static int
cmd_role_assign_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return cmd_role_write(ctx, "role.assign",
	    json_pack("{s:s, s:s}", "role", args->argv[0], "user",
		args->argv[1]),
	    "assigned");
}

static const struct ioectl_cmd cmd_role_assign_entry = {
	.name = "assign",
	.usage = "role assign ROLE USER@NODE",
	.summary = "give a user a duty role (crisis-director, it-oncall, ...)",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_role_assign_exec,
};

static int
cmd_role_unassign_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return cmd_role_write(ctx, "role.unassign",
	    json_pack("{s:s, s:s}", "role", args->argv[0], "user",
		args->argv[1]),
	    "unassigned");
}

static const struct ioectl_cmd cmd_role_unassign_entry = {
	.name = "unassign",
	.usage = "role unassign ROLE USER@NODE",
	.summary = "take a role from a user",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_role_unassign_exec,
};

static int
cmd_role_deputy_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return cmd_role_write(ctx, "role.deputy",
	    json_pack("{s:s, s:s}", "role", args->argv[0], "deputy",
		args->argv[1]),
	    "deputy set");
}

static const struct ioectl_cmd cmd_role_deputy_entry = {
	.name = "deputy",
	.usage = "role deputy ROLE DEPUTYROLE",
	.summary = "who an unacknowledged alert to ROLE escalates to",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_role_deputy_exec,
};

static int
cmd_role_list_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *role, *h;
	size_t i, k;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "role.list", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		json_array_foreach(json_object_get(r, "roles"), i, role) {
			const char *deputy = json_string_value(
			    json_object_get(role, "deputy"));

			printf("%-20s", json_string_value(json_object_get(role,
					    "role")));
			json_array_foreach(json_object_get(role, "holders"), k, h)
				printf("%s%s", k > 0 ? ", " : " ",
				    json_string_value(h));
			if (json_array_size(json_object_get(role, "holders")) == 0)
				printf(" (nobody)");
			if (deputy != NULL)
				printf("   deputy: %s", deputy);
			printf("\n");
		}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_role_list_entry = {
	.name = "list",
	.usage = "role list",
	.summary = "every role, who holds it, its deputy",
	.max_args = 0,
	.exec = cmd_role_list_exec,
};

static const struct ioectl_cmd *const cmd_role_subcmds[] = {
	&cmd_role_assign_entry,
	&cmd_role_deputy_entry,
	&cmd_role_list_entry,
	&cmd_role_unassign_entry,
	NULL,
};

const struct ioectl_cmd cmd_role_entry = {
	.name = "role",
	.usage = "role assign|unassign|deputy|list",
	.summary = "duty roles for addressing alerts",
	.subcmds = cmd_role_subcmds,
};
