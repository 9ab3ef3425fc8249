#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

/* Green, orange or red: what a glance at the map should tell. */
static const char *
cmd_map_quality(json_t *link)
{
	json_t *rtt = json_object_get(link, "rtt_ms");
	double loss = json_number_value(json_object_get(link, "loss"));

	if (!json_is_number(rtt) || loss >= 0.2 ||
	    json_number_value(rtt) >= 500)
		return "red";
	if (loss >= 0.05 || json_number_value(rtt) >= 100)
		return "orange";
	return "green";
}

static void
cmd_map_link_text(json_t *link, char *out, size_t size)
{
	json_t *rtt = json_object_get(link, "rtt_ms");
	char *name = cmd_safe(json_string_value(json_object_get(link, "name")));

	if (json_is_number(rtt))
		snprintf(out, size, "%s %.1fms %.0f%%", name,
		    json_number_value(rtt),
		    100 * json_number_value(json_object_get(link, "loss")));
	else
		snprintf(out, size, "%s (no rtt yet)", name);
	free(name);
}

/* "[alice, bob] " for the users a node hosts, if any. */
static void
cmd_map_print_users(json_t *node)
{
	json_t *users = json_object_get(node, "users"), *u;
	size_t i;

	if (json_array_size(users) == 0)
		return;
	printf("[");
	json_array_foreach(users, i, u) {
		char *name = cmd_safe(json_string_value(u));

		printf("%s%s", i > 0 ? ", " : "", name);
		free(name);
	}
	printf("] ");
}

static void
cmd_map_print_text(json_t *map)
{
	json_t *nodes = json_object_get(map, "nodes"), *n, *l, *away;
	size_t i, k, nlinks = 0;

	json_array_foreach(nodes, i, n)
		nlinks += json_array_size(json_object_get(n, "links"));
	printf("mesh as seen from %s: %zu node%s reachable, %zu link end%s\n",
	    json_string_value(json_object_get(json_array_get(nodes, 0),
		"name")),
	    json_array_size(nodes), json_array_size(nodes) == 1 ? "" : "s",
	    nlinks, nlinks == 1 ? "" : "s");
	json_array_foreach(nodes, i, n) {
		char *name = cmd_safe(json_string_value(json_object_get(n,
		    "name")));

		printf("  %-16s %.16s  %s", name,
		    json_string_value(json_object_get(n, "key")),
		    json_is_true(json_object_get(n, "self")) ? "(this node) "
							     : "");
		free(name);
		cmd_map_print_users(n);
		if (json_array_size(json_object_get(n, "links")) == 0)
			printf("no links");
		json_array_foreach(json_object_get(n, "links"), k, l) {
			char text[128];

			cmd_map_link_text(l, text, sizeof text);
			printf("%s%s", k > 0 ? ", " : "-- ", text);
		}
		printf("\n");
	}
	away = json_object_get(map, "unreachable");
	json_array_foreach(away, i, n) {
		char *name = cmd_safe(json_string_value(json_object_get(n,
		    "name")));

		printf("  %-16s %.16s  ", name,
		    json_string_value(json_object_get(n, "key")));
		cmd_map_print_users(n);
		printf("unreachable\n");
		free(name);
	}
}

/* Graphviz: one undirected edge per pair of nodes, labelled with what
 * the first of the two reports. */
static void
cmd_map_print_dot(json_t *map)
{
	json_t *nodes = json_object_get(map, "nodes"), *n, *l, *seen;
	size_t i, k;

	seen = json_object();
	printf("graph ioe {\n\tnode [shape=box];\n");
	json_array_foreach(nodes, i, n) {
		const char *key = json_string_value(json_object_get(n, "key"));
		char *name = cmd_safe(json_string_value(json_object_get(n,
		    "name")));

		printf("\t\"%.16s\" [label=\"%s", key, name);
		json_array_foreach(json_object_get(n, "users"), k, l) {
			char *user = cmd_safe(json_string_value(l));

			printf("%s%s", k == 0 ? "\\n" : ", ", user);
			free(user);
		}
		printf("\"%s];\n",
		    json_is_true(json_object_get(n, "self")) ? ", style=bold"
							     : "");
		free(name);
	}
	json_array_foreach(json_object_get(map, "unreachable"), i, n) {
		char *name = cmd_safe(json_string_value(json_object_get(n,
		    "name")));

		printf("\t\"%.16s\" [label=\"%s\", style=dashed];\n",
		    json_string_value(json_object_get(n, "key")), name);
		free(name);
	}
	json_array_foreach(nodes, i, n) {
		const char *a = json_string_value(json_object_get(n, "key"));

		json_array_foreach(json_object_get(n, "links"), k, l) {
			const char *b = json_string_value(json_object_get(l,
			    "key"));
			char pair[140], text[128];

			snprintf(pair, sizeof pair, "%s-%s",
			    strcmp(a, b) < 0 ? a : b, strcmp(a, b) < 0 ? b : a);
			if (json_object_get(seen, pair) != NULL)
				continue;
			json_object_set_new(seen, pair, json_true());
			cmd_map_link_text(l, text, sizeof text);
			/* The label holds only the figures, not the name. */
			printf("\t\"%.16s\" -- \"%.16s\" [label=\"%s\", "
			       "color=%s];\n",
			    a, b, strchr(text, ' ') != NULL ? strchr(text, ' ') + 1
							  : text,
			    cmd_map_quality(l));
		}
	}
	printf("}\n");
	json_decref(seen);
}

static int
cmd_map_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	int rc;

	if ((rc = cmd_call(ctx, "map", NULL, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else if (args_get(args, "dot") != NULL)
		cmd_map_print_dot(r);
	else
		cmd_map_print_text(r);
	json_decref(r);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_map_entry = {
	.name = "map",
	.usage = "map [--dot]",
	.summary = "the whole mesh as this node sees it: nodes, links, quality",
	.options = { { "dot", 0, false } },
	.max_args = 0,
	.exec = cmd_map_exec,
};
