/* voice status, and what the voice commands share (cmd-voice.h). ptt and
 * listen, which move sound, are in cmd-ptt.c and cmd-listen.c. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cmd-voice.h"
#include "opus-codec.h"
#include "util.h"

volatile sig_atomic_t voice_stop_signal;

static void
voice_on_signal(int sig)
{
	(void)sig;
	voice_stop_signal = 1;
}

void
voice_signals(void)
{
	struct sigaction sa;

	zsys_handler_set(NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = voice_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
voice_rate(struct ioectl_ctx *ctx, struct args *args, unsigned *rate)
{
	const char *s = args_get(args, "rate");
	char *end, *cause = NULL;
	unsigned long v;

	*rate = 0;
	if (s == NULL)
		return EXIT_OK;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > 48000 ||
	    opus_codec_check_rate((unsigned)v, &cause) != 0) {
		free(cause);
		return cmd_usage_error(ctx, args->cmd,
		    "bad rate '%s': give 8000, 12000, 16000, 24000 or 48000",
		    s);
	}
	*rate = (unsigned)v;
	return EXIT_OK;
}

int
voice_open(struct ioectl_ctx *ctx, unsigned rate, voice_client_t **vc)
{
	char *cause = NULL;
	int rc;

	*vc = voice_client_new(ctx->dir, ctx->user, rate, &cause);
	if (*vc != NULL)
		return EXIT_OK;
	if (strncmp(cause, "no daemon", 9) == 0)
		rc = cmd_error(ctx, EXIT_NO_DAEMON, "no_daemon", "%s", cause);
	else
		rc = cmd_error(ctx, EXIT_FAILED, "failed", "%s", cause);
	free(cause);
	return rc;
}

void
voice_nap(int ms)
{
	if (!voice_stop_signal)
		poll(NULL, 0, ms);
}

/* The string field key of obj, made safe, or "-". Caller frees. */
static char *
voice_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return cmd_safe(s != NULL ? s : "-");
}

static long long
voice_int(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? (long long)json_number_value(v) : 0;
}

/* "alice@a, bob@b" of an array of {user, node}, or "-". Caller frees. */
static char *
voice_listeners(json_t *arr)
{
	char *list = NULL, *next, *user, *node;
	json_t *l;
	size_t i;

	json_array_foreach(arr, i, l)
	{
		user = voice_str(l, "user");
		node = voice_str(l, "node");
		next = list == NULL ? xasprintf("%s@%s", user, node)
		                    : xasprintf("%s, %s@%s", list, user, node);
		free(list);
		list = next;
		free(user);
		free(node);
	}
	return list != NULL ? list : xstrdup("-");
}

static void
voice_print_rooms(json_t *rooms)
{
	json_t *r, *floor;
	size_t i;

	printf("rooms:%s\n", json_array_size(rooms) == 0 ? " none" : "");
	json_array_foreach(rooms, i, r)
	{
		char *room = voice_str(r, "room");
		char *listeners =
		    voice_listeners(json_object_get(r, "listeners"));
		char *talker, held[64] = "free";

		floor = json_object_get(r, "floor");
		if (json_is_object(floor)) {
			talker = voice_str(floor, "talker");
			snprintf(held, sizeof held, "%s%s for %.1f s", talker,
			    json_is_true(json_object_get(floor, "emergency"))
			        ? " (emergency)"
			        : "",
			    voice_int(floor, "since_ms") / 1000.0);
			free(talker);
		}
		printf("  %-16s floor: %s%s\n  %-16s listeners: %s\n", room,
		    held,
		    json_is_true(json_object_get(r, "recording"))
		        ? ", recording"
		        : "",
		    "", listeners);
		free(room);
		free(listeners);
	}
}

static void
voice_print_streams(json_t *streams)
{
	json_t *s;
	size_t i;

	if (json_array_size(streams) == 0) {
		printf("streams: none\n");
		return;
	}
	printf("streams:\n  %-12s %-20s %10s %7s %5s %4s %4s %8s %6s\n",
	    "ROOM", "TALKER", "STREAM", "FRAMES", "LOST", "DUP", "LEFT",
	    "LATENCY", "AGE");
	json_array_foreach(streams, i, s)
	{
		char *room = voice_str(s, "room"),
		     *talker = voice_str(s, "talker");
		char mode[32];

		snprintf(mode, sizeof mode, "%s%s",
		    json_is_true(json_object_get(s, "call")) ? " call" : "",
		    json_is_true(json_object_get(s, "emergency")) ? " emergency"
		                                                  : "");
		printf("  %-12s %-20s %10lld %7lld %5lld %4lld %4lld %6.1fms "
		       "%5.1fs%s%s\n",
		    room, talker, voice_int(s, "stream"),
		    voice_int(s, "frames"), voice_int(s, "lost"),
		    voice_int(s, "duplicates"), voice_int(s, "hops_left"),
		    json_number_value(json_object_get(s, "latency_ms")),
		    voice_int(s, "age_ms") / 1000.0, mode,
		    json_is_false(json_object_get(s, "active")) ? " ended"
								: "");
		free(room);
		free(talker);
	}
}

static void
voice_print_clients(json_t *clients)
{
	json_t *c, *s, *room, *talking;
	size_t i, k;

	printf("clients:%s\n", json_array_size(clients) == 0 ? " none" : "");
	json_array_foreach(clients, i, c)
	{
		char *user = voice_str(c, "user");

		printf("  %s: listens to", user);
		free(user);
		if (json_array_size(json_object_get(c, "rooms")) == 0)
			printf(" nothing");
		json_array_foreach(json_object_get(c, "rooms"), k, room)
		{
			char *name = cmd_safe(json_is_string(room)
			                          ? json_string_value(room)
			                          : "-");

			printf("%s %s", k > 0 ? "," : "", name);
			free(name);
		}
		talking = json_object_get(c, "talking");
		if (json_is_object(talking)) {
			char *r = voice_str(talking, "room");

			printf("; talks in %s (stream %lld)", r,
			    voice_int(talking, "stream"));
			free(r);
		}
		printf("\n");
		json_array_foreach(json_object_get(c, "streams"), k, s)
		{
			char *talker = voice_str(s, "talker");

			printf("    %-20s stream %lld: depth %lld/%lld ms, "
			       "%lld received, %lld lost, %lld late, %lld "
			       "concealed, latency %lld ms\n",
			    talker, voice_int(s, "stream"),
			    voice_int(s, "depth_ms"), voice_int(s, "target_ms"),
			    voice_int(s, "received"), voice_int(s, "lost"),
			    voice_int(s, "late"), voice_int(s, "concealed"),
			    voice_int(s, "latency_ms"));
			free(talker);
		}
	}
}

static int
cmd_voice_status_exec(struct ioectl_ctx *ctx, struct args *args)
{
	json_t *r;
	int rc;

	(void)args;
	if ((rc = cmd_call(ctx, "voice.status", json_object(), &r)) != EXIT_OK)
		return rc;
	if (ctx->json)
		cmd_print_json(r);
	else {
		voice_print_rooms(json_object_get(r, "rooms"));
		voice_print_streams(json_object_get(r, "streams"));
		voice_print_clients(json_object_get(r, "clients"));
	}
	json_decref(r);
	return EXIT_OK;
}

static const struct ioectl_cmd cmd_voice_status_entry = {
    .name = "status",
    .usage = "voice status",
    .summary = "floors, listeners, streams and their loss and latency",
    .max_args = 0,
    .exec = cmd_voice_status_exec,
};

static const struct ioectl_cmd *const cmd_voice_subcmds[] = {
    &cmd_voice_status_entry,
    NULL,
};

const struct ioectl_cmd cmd_voice_entry = {
    .name = "voice",
    .usage = "voice",
    .summary = "the voice relay of this node",
    .subcmds = cmd_voice_subcmds,
};
