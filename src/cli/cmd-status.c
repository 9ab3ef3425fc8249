#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "util.h"

/* The file ledger on this node: what the tree holds, what is here, and
 * plainly when the quota stops it. */
static void
cmd_status_files(json_t *f)
{
	char held[32], quota[32];
	json_int_t missing, fetching;

	if (!json_is_object(f))
		return;
	size_format((uint64_t)json_integer_value(json_object_get(f, "used")),
	    held, sizeof held);
	printf("files        %lld files, %lld directories; %s of chunks here",
	    (long long)json_integer_value(json_object_get(f, "files")),
	    (long long)json_integer_value(json_object_get(f, "dirs")), held);
	if (json_is_integer(json_object_get(f, "quota"))) {
		size_format((uint64_t)json_integer_value(
				json_object_get(f, "quota")),
		    quota, sizeof quota);
		printf(" (quota %s)", quota);
	}
	printf("\n");
	missing = json_integer_value(json_object_get(f, "missing"));
	fetching = json_integer_value(json_object_get(f, "fetching"));
	if (missing > 0)
		printf("fetching     %lld chunks missing, %lld asked for\n",
		    (long long)missing, (long long)fetching);
	if (json_is_true(json_object_get(f, "over_quota")))
		printf("QUOTA        over files.quota: this node fetches no "
		       "more chunks and refuses new files\n");
}

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
		cmd_status_files(json_object_get(r, "files"));
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
