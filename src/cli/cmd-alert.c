#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static int
cmd_alert_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *level = args_get(args, "level");
	const char *to = args_get(args, "to");
	const char *deadline = args_get(args, "deadline");
	json_t *params, *r;
	long seconds = 0;
	size_t len;
	char *text;
	int rc;

	if (level != NULL && strcmp(level, "urgent") != 0 &&
	    strcmp(level, "critical") != 0)
		return cmd_usage_error(ctx, args->cmd,
		    "--level wants urgent or critical, not '%s'", level);
	if (deadline != NULL && cmd_duration(deadline, &seconds) != 0)
		return cmd_usage_error(ctx, args->cmd,
		    "--deadline wants 90s, 5m or 1h (at most 7 days), not '%s'",
		    deadline);
	if ((text = cmd_text(ctx, args->argc - 1, args->argv + 1, &len,
		 &rc)) == NULL)
		return rc;
	params = json_pack("{s:s, s:s%, s:I}", "room", args->argv[0], "text",
	    text, len, "deadline_s", (json_int_t)seconds);
	free(text);
	if (level != NULL)
		json_object_set_new(params, "level", json_string(level));
	if (to != NULL)
		json_object_set_new(params, "to", json_string(to));
	if ((rc = cmd_call(ctx, "alert", cmd_with_user(ctx, params), &r)) !=
	    EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("%s\n", json_string_value(json_object_get(r, "id")));
	json_decref(r);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_alert_entry = {
	.name = "alert",
	.usage = "alert ROOM TEXT... [--level urgent|critical] [--to ROLE] "
		 "[--deadline DURATION]",
	.summary = "raise an alert that asks everyone addressed to acknowledge",
	.options = { { "level", 0, true }, { "to", 0, true },
	    { "deadline", 0, true } },
	.min_args = 2,
	.max_args = -1,
	.exec = cmd_alert_exec,
};

static int
cmd_ack_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	int rc;

	if ((rc = cmd_call(ctx, "ack",
		 cmd_with_user(ctx, json_pack("{s:s}", "id", args->argv[0])),
		 &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		printf("%s alert %.12s\n",
		    json_is_true(json_object_get(r, "already"))
			? "already acknowledged"
			: "acknowledged",
		    json_string_value(json_object_get(r, "alert")));
	json_decref(r);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_ack_entry = {
	.name = "ack",
	.usage = "ack ID",
	.summary = "acknowledge an alert (ID: 8 or more hex digits)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_ack_exec,
};

static void
cmd_alerts_print(json_t *a)
{
	const char *to = json_string_value(json_object_get(a, "to"));
	json_int_t deadline = json_integer_value(json_object_get(a,
	    "deadline_s"));
	char when[32], *text, *from, *room, *level;
	json_t *v;
	size_t i;

	time_format_local(json_integer_value(json_object_get(a, "time_us")),
	    when, sizeof when);
	text = cmd_safe(json_string_value(json_object_get(a, "text")));
	from = cmd_safe(json_string_value(json_object_get(a, "user")));
	room = cmd_safe(json_string_value(json_object_get(a, "room")));
	level = xstrdup(json_string_value(json_object_get(a, "level")));
	for (char *p = level; *p != '\0'; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	printf("%.12s  %s  %-8s  %s  from %s", json_string_value(
	    json_object_get(a, "id")), when, level, room, from);
	if (to != NULL)
		printf("  to role %s", to);
	if (deadline > 0)
		printf("  (deadline %llds)", (long long)deadline);
	printf("%s\n    %s\n",
	    json_is_true(json_object_get(a, "open")) ? "  OPEN" : "", text);
	json_array_foreach(json_object_get(a, "acked"), i, v) {
		char t[32], *who = cmd_safe(json_string_value(
		    json_object_get(v, "user")));

		time_format_local(json_integer_value(json_object_get(v,
				      "time_us")),
		    t, sizeof t);
		printf("    acknowledged by %s at %s\n", who, t + 11);
		free(who);
	}
	if (json_array_size(json_object_get(a, "pending")) > 0) {
		printf("    waiting for");
		json_array_foreach(json_object_get(a, "pending"), i, v) {
			char *who = cmd_safe(json_string_value(v));

			printf("%s %s", i > 0 ? "," : "", who);
			free(who);
		}
		printf("\n");
	}
	json_array_foreach(json_object_get(a, "escalations"), i, v) {
		const char *role = json_string_value(json_object_get(v, "role"));
		char t[32];

		time_format_local(json_integer_value(json_object_get(v,
				      "time_us")),
		    t, sizeof t);
		if (role != NULL)
			printf("    escalated at %s to role %s\n", t + 11, role);
		else
			printf("    raised again at %s\n", t + 11);
	}
	free(text);
	free(from);
	free(room);
	free(level);
}

static int
cmd_alerts_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r, *a;
	size_t i;
	int rc;

	if ((rc = cmd_call(ctx, "alerts",
		 json_pack("{s:b}", "open", args_get(args, "open") != NULL),
		 &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else
		json_array_foreach(json_object_get(r, "alerts"), i, a)
			cmd_alerts_print(a);
	json_decref(r);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_alerts_entry = {
	.name = "alerts",
	.usage = "alerts [--open]",
	.summary = "every alert: who acknowledged, who has not, escalations",
	.options = { { "open", 0, false } },
	.max_args = 0,
	.exec = cmd_alerts_exec,
};
