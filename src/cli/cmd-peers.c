#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static void
cmd_peers_bytes(json_int_t n, char *out, size_t size)
{
	if (n < 10 * 1024)
		snprintf(out, size, "%lldB", (long long)n);
	else if (n < 10 * 1024 * 1024)
		snprintf(out, size, "%lldK", (long long)(n / 1024));
	else
		snprintf(out, size, "%lldM", (long long)(n / (1024 * 1024)));
}

static int
cmd_peers_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *problem;
	json_t *r, *p;
	size_t i;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "peers", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json) {
		cmd_print_json(r);
		json_decref(r);
		return EXIT_OK;
	}
	problem = json_string_value(json_object_get(r, "problem"));
	if (problem != NULL)
		printf("the mesh is not running: %s\n", problem);
	if (json_array_size(json_object_get(r, "peers")) == 0 && problem == NULL)
		printf("no peers: give --peer or peers: to link to other "
		       "nodes, or wait for them to link here\n");
	else if (json_array_size(json_object_get(r, "peers")) > 0)
		printf("%-16s %-3s %-10s %8s %5s %6s %6s  %-20s %s\n", "NAME",
		    "DIR", "STATE", "RTT", "LOSS", "IN", "OUT", "SINCE",
		    "ENDPOINT");
	json_array_foreach(json_object_get(r, "peers"), i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *since = json_string_value(json_object_get(p,
		    "since"));
		const char *error = json_string_value(json_object_get(p,
		    "error"));
		json_t *rtt = json_object_get(p, "rtt_ms");
		char rtts[32] = "-", loss[32] = "-", in[32], out[32];
		char when[32] = "-", *shown;

		if (json_is_number(rtt))
			snprintf(rtts, sizeof rtts, "%.2fms",
			    json_number_value(rtt));
		if (json_is_number(json_object_get(p, "loss")))
			snprintf(loss, sizeof loss, "%.0f%%",
			    100 * json_number_value(json_object_get(p, "loss")));
		if (since != NULL)
			time_format_local(json_integer_value(json_object_get(p,
					      "since_us")),
			    when, sizeof when);
		cmd_peers_bytes(json_integer_value(json_object_get(p,
				    "bytes_in")),
		    in, sizeof in);
		cmd_peers_bytes(json_integer_value(json_object_get(p,
				    "bytes_out")),
		    out, sizeof out);
		shown = cmd_safe(name != NULL ? name : "?");
		printf("%-16s %-3s %-10s %8s %5s %6s %6s  %-20s %s%s%s\n",
		    shown, json_string_value(json_object_get(p, "direction")),
		    json_string_value(json_object_get(p, "state")), rtts, loss,
		    in, out, when,
		    json_string_value(json_object_get(p, "endpoint")),
		    error != NULL ? "  " : "", error != NULL ? error : "");
		free(shown);
	}
	json_decref(r);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_peers_entry = {
	.name = "peers",
	.usage = "peers",
	.summary = "each mesh link: state, round-trip time, loss, bytes, since",
	.max_args = 0,
	.exec = cmd_peers_exec,
};
