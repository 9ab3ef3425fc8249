#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cmd.h"
#include "datadir.h"
#include "proto.h"
#include "util.h"

/* One message as a line: local time, user@node, text made inert. */
static void
cmd_tail_print(json_t *m, bool with_room)
{
	char when[32], *who, *text, *room;

	time_format_local(json_integer_value(json_object_get(m, "time_us")),
	    when, sizeof when);
	who = cmd_safe(json_string_value(json_object_get(m, "from")));
	text = cmd_safe(json_string_value(json_object_get(m, "text")));
	room = cmd_safe(json_string_value(json_object_get(m, "room")));
	if (with_room)
		printf("%s  %-12s %s  %s\n", when, room, who, text);
	else
		printf("%s  %s  %s\n", when, who, text);
	fflush(stdout);
	free(who);
	free(text);
	free(room);
}

/* Fetches and prints a room's messages; *last gets the newest id. */
static int
cmd_tail_history(struct ioectl_ctx *ctx, json_t *params, char **last)
{
	json_t *r, *m;
	size_t i;
	int rc;

	if ((rc = cmd_call(ctx, "history", cmd_with_user(ctx, params), &r)) !=
	    EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		json_array_foreach(json_object_get(r, "messages"), i, m)
			cmd_tail_print(m, false);
	if (last != NULL) {
		json_t *msgs = json_object_get(r, "messages");
		json_t *end = json_array_get(msgs, json_array_size(msgs) - 1);

		*last = end != NULL ? xstrdup(json_string_value(
					  json_object_get(end, "id")))
				    : NULL;
	}
	json_decref(r);
	return EXIT_OK;
}

/* Whether an entry event is a message of room, or, for "@user@node", of
 * the direct conversation between me and that user. */
static bool
cmd_tail_matches(json_t *event, const char *room, const char *me)
{
	const char *kind = json_string_value(json_object_get(event, "kind"));
	json_t *body = json_object_get(event, "body");
	const char *user = json_string_value(json_object_get(body, "user"));
	const char *node = json_string_value(json_object_get(event, "name"));
	const char *to = json_string_value(json_object_get(body, "to"));
	const char *in = json_string_value(json_object_get(body, "room"));
	char from[160];

	if (body == NULL || kind == NULL || user == NULL || node == NULL)
		return false;
	if (room[0] != '@')
		return strcmp(kind, "msg") == 0 && in != NULL &&
		    strcmp(in, room) == 0;
	if (strcmp(kind, "dm") != 0 || to == NULL || me == NULL)
		return false;
	snprintf(from, sizeof from, "%s@%s", user, node);
	return (strcmp(from, room + 1) == 0 && strcmp(to, me) == 0) ||
	    (strcmp(from, me) == 0 && strcmp(to, room + 1) == 0);
}

/* The acting user as name@node, as the daemon resolves it. Caller
 * frees; NULL if it cannot tell. */
static char *
cmd_tail_me(struct ioectl_ctx *ctx)
{
	json_t *rooms = NULL, *status = NULL;
	char *me = NULL;

	if (cmd_call(ctx, "room.list", cmd_with_user(ctx, json_object()),
		&rooms) == EXIT_OK &&
	    cmd_call(ctx, "status", NULL, &status) == EXIT_OK &&
	    json_is_string(json_object_get(rooms, "user")))
		me = xasprintf("%s@%s",
		    json_string_value(json_object_get(rooms, "user")),
		    json_string_value(json_object_get(status, "name")));
	json_decref(rooms);
	json_decref(status);
	return me;
}

/* Shows the message id of room as history gives it (all its fields), which
 * also marks it read. */
static void
cmd_tail_show(struct ioectl_ctx *ctx, const char *room, const char *id)
{
	json_t *r = NULL, *m;
	size_t i;

	if (id == NULL ||
	    cmd_call(ctx, "history",
		cmd_with_user(ctx, json_pack("{s:s, s:i}", "room", room,
				       "limit", 50)),
		&r) != EXIT_OK)
		return;
	json_array_foreach(json_object_get(r, "messages"), i, m) {
		if (strcmp(json_string_value(json_object_get(m, "id")), id) != 0)
			continue;
		if (ctx->json)
			cmd_print_json(m);
		else
			cmd_tail_print(m, false);
	}
	json_decref(r);
}

/* Follows the event stream until interrupted, printing new messages of
 * room; each is fetched again through history so that what is shown is
 * what the daemon stored. */
static zsock_t *
cmd_tail_subscribe(struct ioectl_ctx *ctx, int *rc)
{
	char *cause = NULL, *endpoint = datadir_endpoint(ctx->dir,
	    EVENTS_SOCKET_NAME, &cause);
	zsock_t *sub;

	if (endpoint == NULL) {
		*rc = cmd_error(ctx, EXIT_FAILED, "invalid", "%s", cause);
		free(cause);
		return NULL;
	}
	sub = zsock_new_sub(endpoint, "entry");
	free(endpoint);
	return sub;
}

static int
cmd_tail_follow(struct ioectl_ctx *ctx, const char *room, zsock_t *sub)
{
	int64_t checked = time_mono_us();
	char *me = room[0] == '@' ? cmd_tail_me(ctx) : NULL;

	while (!zsys_interrupted) {
		zpoller_t *poller = zpoller_new(sub, NULL);
		void *which = zpoller_wait(poller, 1000);
		char *topic = NULL, *text = NULL;
		json_t *event, *r;

		zpoller_destroy(&poller);
		/* A daemon that stopped ends the tail. */
		if (time_mono_us() - checked > 5000000) {
			checked = time_mono_us();
			if (cmd_call(ctx, "status", NULL, &r) != EXIT_OK) {
				free(me);
				return EXIT_NO_DAEMON;
			}
			json_decref(r);
		}
		if (which == NULL)
			continue;
		if (zsock_recv(sub, "ss", &topic, &text) != 0)
			continue;
		event = json_loads(text, 0, NULL);
		if (event != NULL && cmd_tail_matches(event, room, me))
			cmd_tail_show(ctx, room,
			    json_string_value(json_object_get(event, "id")));
		json_decref(event);
		zstr_free(&topic);
		zstr_free(&text);
	}
	free(me);
	return EXIT_OK;
}

static int
cmd_tail_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *count = args_get(args, "n");
	zsock_t *sub = NULL;
	long n = 20;
	char *end;
	int rc = EXIT_OK;

	if (count != NULL) {
		n = strtol(count, &end, 10);
		if (*count == '\0' || *end != '\0' || n < 1)
			return cmd_usage_error(ctx, args->cmd,
			    "-n wants a count of 1 or more, not '%s'", count);
	}
	/* Subscribed before the history is read, so that nothing said in
	 * between is missed. */
	if (args_get(args, "follow") != NULL &&
	    (sub = cmd_tail_subscribe(ctx, &rc)) == NULL)
		return rc;
	rc = cmd_tail_history(ctx,
	    json_pack("{s:s, s:I}", "room", args->argv[0], "limit",
		(json_int_t)n),
	    NULL);
	if (rc == EXIT_OK && sub != NULL)
		rc = cmd_tail_follow(ctx, args->argv[0], sub);
	zsock_destroy(&sub);
	return rc;
}

const struct ioectl_cmd cmd_tail_entry = {
	.name = "tail",
	.usage = "tail ROOM [-n N] [-f]",
	.summary = "the last messages of a room (-f: then follow)",
	.options = { { "n", 'n', true }, { "follow", 'f', false } },
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_tail_exec,
};

static int
cmd_history_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *params = json_pack("{s:s}", "room", args->argv[0]);
	const char *keys[] = { "since", "until" };

	for (int i = 0; i < 2; i++) {
		const char *v = args_get(args, keys[i]);
		char *cause = NULL;
		int64_t us;

		if (v == NULL)
			continue;
		if (time_parse(v, time_now_us(), &us, &cause) != 0) {
			int rc = cmd_usage_error(ctx, NULL, "--%s: %s", keys[i],
			    cause);

			free(cause);
			json_decref(params);
			return rc;
		}
		json_object_set_new(params, keys[i], json_integer(us));
	}
	return cmd_tail_history(ctx, params, NULL);
}

const struct ioectl_cmd cmd_history_entry = {
	.name = "history",
	.usage = "history ROOM [--since TIME] [--until TIME]",
	.summary = "a room's messages, oldest first",
	.options = { { "since", 0, true }, { "until", 0, true } },
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_history_exec,
};

static int
cmd_search_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *room = args_get(args, "room");
	json_t *params, *r, *m;
	size_t len, i;
	char *text;
	int rc;

	if ((text = cmd_text(ctx, args->argc, args->argv, &len, &rc)) == NULL)
		return rc;
	params = json_pack("{s:s%}", "text", text, len);
	free(text);
	if (room != NULL)
		json_object_set_new(params, "room", json_string(room));
	if ((rc = cmd_call(ctx, "search", params, &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		json_array_foreach(json_object_get(r, "messages"), i, m)
			cmd_tail_print(m, true);
	json_decref(r);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_search_entry = {
	.name = "search",
	.usage = "search TEXT [--room ROOM]",
	.summary = "messages that hold the words, in every room or one",
	.options = { { "room", 0, true } },
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_search_exec,
};
