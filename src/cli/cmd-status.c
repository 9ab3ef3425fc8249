#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "util.h"

static int
cmd_status_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	char uptime[32];
	const char *problem;
	json_int_t forks;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "status", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		time_format_duration(
		    json_integer_value(json_object_get(r, "uptime")), uptime,
		    sizeof uptime);
		printf("node         %s\n"
		       "fingerprint  %s\n"
		       "key          %s\n"
		       "version      %s\n"
		       "uptime       %s\n"
		       "entries      %lld\n"
		       "store        %lld bytes\n"
		       "peers        %lld\n",
		    json_string_value(json_object_get(r, "name")),
		    json_string_value(json_object_get(r, "fingerprint")),
		    json_string_value(json_object_get(r, "key")),
		    json_string_value(json_object_get(r, "version")), uptime,
		    (long long)json_integer_value(json_object_get(r, "entries")),
		    (long long)json_integer_value(
			json_object_get(r, "store_bytes")),
		    (long long)json_integer_value(json_object_get(r, "peers")));
		problem = json_string_value(json_object_get(r, "mesh_problem"));
		if (problem != NULL)
			printf("mesh         not running: %s\n", problem);
		problem = json_string_value(json_object_get(r,
		    "beacon_problem"));
		if (problem != NULL)
			printf("beacon       %s\n", problem);
		forks = json_integer_value(json_object_get(r, "forks"));
		if (forks > 0)
			printf("ALERT        %lld forked entries kept as "
			       "evidence: a node signed two different entries "
			       "at one sequence number\n",
			    (long long)forks);
	}
	json_decref(r);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_status_entry = {
	.name = "status",
	.usage = "status",
	.summary = "show this node: name, key, uptime, entries, store, peers",
	.max_args = 0,
	.exec = cmd_status_exec,
};
