#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

/* room join, leave: {room, user}; the reply names them. */
static int
cmd_room_simple(struct ioectl_ctx *ctx, const char *method,
    json_t *params, const char *done)
{
	json_t *r;
	int rc;

	if ((rc = cmd_call(ctx, method, cmd_with_user(ctx, params), &r)) !=
	    EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("%s %s %s\n",
		    json_string_value(json_object_get(r, "user")), done,
		    json_string_value(json_object_get(r, "room")));
	json_decref(r);
	return EXIT_OK;
}

static int
cmd_room_create_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *topic = args_get(args, "topic");
	json_t *params = json_pack("{s:s}", "room", args->argv[0]);

	if (topic != NULL) {
		if (!text_is_utf8(topic, strlen(topic))) {
			json_decref(params);
			return cmd_error(ctx, EXIT_FAILED, "invalid",
			    "the topic is not valid UTF-8");
		}
		json_object_set_new(params, "topic", json_string(topic));
	}
	return cmd_room_simple(ctx, "room.create", params, "created");
}

static const struct ioectl_cmd cmd_room_create_entry = {
	.name = "create",
	.usage = "room create NAME [--topic TEXT]",
	.summary = "create a chat room (and join it)",
	.options = { { "topic", 0, true } },
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_room_create_exec,
};

static int
cmd_room_join_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return cmd_room_simple(ctx, "room.join",
	    json_pack("{s:s}", "room", args->argv[0]), "joined");
}

static const struct ioectl_cmd cmd_room_join_entry = {
	.name = "join",
	.usage = "room join NAME",
	.summary = "join a room",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_room_join_exec,
};

static int
cmd_room_leave_exec(struct ioectl_ctx *ctx, struct args *args)
{
	return cmd_room_simple(ctx, "room.leave",
	    json_pack("{s:s}", "room", args->argv[0]), "left");
}

static const struct ioectl_cmd cmd_room_leave_entry = {
	.name = "leave",
	.usage = "room leave NAME",
	.summary = "leave a room",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_room_leave_exec,
};

static int
cmd_room_topic_exec(struct ioectl_ctx *ctx, struct args *args)
{
	size_t len;
	char *text;
	int rc;

	if ((text = cmd_text(ctx, args->argc - 1, args->argv + 1, &len,
		 &rc)) == NULL)
		return rc;
	rc = cmd_room_simple(ctx, "room.topic",
	    json_pack("{s:s, s:s%}", "room", args->argv[0], "topic", text,
		len),
	    "set the topic of");
	free(text);
	return rc;
}

static const struct ioectl_cmd cmd_room_topic_entry = {
	.name = "topic",
	.usage = "room topic NAME TEXT...",
	.summary = "set a room's topic",
	.min_args = 2,
	.max_args = -1,
	.exec = cmd_room_topic_exec,
};

static int
cmd_room_set_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *setting = args->argv[1], *value = args->argv[2];
	json_t *params, *r;
	bool on;
	int rc;

	if (strcmp(setting, "record") != 0) {
		char *shown = cmd_safe(setting);

		rc = cmd_usage_error(ctx, args->cmd,
		    "unknown setting '%s' (settings: record)", shown);
		free(shown);
		return rc;
	}
	if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
		char *shown = cmd_safe(value);

		rc = cmd_usage_error(ctx, args->cmd,
		    "record is 'on' or 'off', not '%s'", shown);
		free(shown);
		return rc;
	}
	on = strcmp(value, "on") == 0;
	params = json_pack("{s:s, s:b}", "room", args->argv[0], "record", on);
	if ((rc = cmd_call(ctx, "room.set", cmd_with_user(ctx, params), &r)) !=
	    EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("%s set record %s in %s\n",
		    json_string_value(json_object_get(r, "user")),
		    on ? "on" : "off",
		    json_string_value(json_object_get(r, "room")));
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_room_set_entry = {
	.name = "set",
	.usage = "room set NAME record on|off",
	.summary = "change a room's settings: record its talk spurts",
	.min_args = 3,
	.max_args = 3,
	.exec = cmd_room_set_exec,
};

static int
cmd_room_list_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *room;
	size_t i;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "room.list", cmd_with_user(ctx, json_object()),
		 &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		if (json_array_size(json_object_get(r, "rooms")) > 0)
			printf("  %-20s %7s %6s %8s %3s  %s\n", "ROOM",
			    "MEMBERS", "UNREAD", "MENTIONS", "REC", "TOPIC");
		json_array_foreach(json_object_get(r, "rooms"), i, room) {
			char *name = cmd_safe(json_string_value(
			    json_object_get(room, "room")));
			char *topic = cmd_safe(json_string_value(
			    json_object_get(room, "topic")));

			printf("%c %-20s %7lld %6lld %8lld %3s  %s\n",
			    json_is_true(json_object_get(room, "joined")) ? '*'
									  : ' ',
			    name,
			    (long long)json_integer_value(
				json_object_get(room, "members")),
			    (long long)json_integer_value(
				json_object_get(room, "unread")),
			    (long long)json_integer_value(
				json_object_get(room, "mentions")),
			    json_is_true(json_object_get(room, "recording"))
				? "on"
				: "",
			    topic);
			free(name);
			free(topic);
		}
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_room_list_entry = {
	.name = "list",
	.usage = "room list",
	.summary = "the rooms, with unread and mention counts (* joined)",
	.max_args = 0,
	.exec = cmd_room_list_exec,
};

static const struct ioectl_cmd *const cmd_room_subcmds[] = {
	&cmd_room_create_entry,
	&cmd_room_join_entry,
	&cmd_room_leave_entry,
	&cmd_room_list_entry,
	&cmd_room_set_entry,
	&cmd_room_topic_entry,
	NULL,
};

const struct ioectl_cmd cmd_room_entry = {
	.name = "room",
	.usage = "room create|join|leave|list|set|topic",
	.summary = "chat rooms",
	.subcmds = cmd_room_subcmds,
};
