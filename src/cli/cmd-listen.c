/* listen: plays a room, and records it, until a duration or a signal
 * (doc/voice.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-voice.h"
#include "util.h"

/* With -v: the streams heard and their jitter statistics. */
static void
listen_print_streams(const voice_client_state_t *st)
{
	for (size_t i = 0; i < st->nstreams; i++) {
		const voice_stream_state_t *s = &st->streams[i];
		char *talker = cmd_safe(s->talker);

		fprintf(stderr,
		    "%s stream %u: %llu received, %llu lost, %llu late, "
		    "%llu concealed, depth %u/%u ms, latency %d ms\n",
		    talker, s->stream, (unsigned long long)s->jitter.received,
		    (unsigned long long)s->jitter.lost,
		    (unsigned long long)s->jitter.late,
		    (unsigned long long)s->jitter.concealed, s->jitter.depth_ms,
		    s->jitter.target_ms, s->latency_ms);
		free(talker);
	}
}

static int
cmd_listen_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *room = args->argv[0], *record = args_get(args, "record");
	const char *device = args_get(args, "device");
	const char *duration = args_get(args, "duration");
	bool verbose = args_get(args, "verbose") != NULL, listening = false;
	bool play = device == NULL || strcmp(device, "none") != 0;
	voice_client_state_t st;
	voice_client_t *vc = NULL;
	char *cause = NULL;
	int64_t end = 0;
	double seconds;
	unsigned rate;
	long secs = 0;
	int rc;

	if ((rc = voice_rate(ctx, args, &rate)) != EXIT_OK)
		goto done;
	if (duration != NULL &&
	    (cmd_duration(duration, &secs) != 0 || secs == 0)) {
		rc = cmd_usage_error(ctx, args->cmd,
		    "bad duration '%s': give seconds (or 5m, 1h), more than 0",
		    duration);
		goto done;
	}
	if (!play && record == NULL) {
		rc = cmd_usage_error(ctx, args->cmd,
		    "nothing to do: --device none and no --record");
		goto done;
	}
	voice_signals();
	if ((rc = voice_open(ctx, rate, &vc)) != EXIT_OK)
		goto done;
	if (play && voice_client_play(vc, device, &cause) != 0) {
		/* The default device may be missing; a recording can do
		 * without it. A device named must open. */
		if (device != NULL || record == NULL) {
			rc = cmd_error(ctx, EXIT_FAILED, "failed",
			    "cannot play: %s%s", cause,
			    record == NULL ? " (record with --record OUT.wav "
			                     "--device none)"
			                   : "");
			goto done;
		}
		fprintf(
		    stderr, "ioectl: cannot play: %s; recording only\n", cause);
		free(cause);
		cause = NULL;
	}
	if (record != NULL && voice_client_record(vc, record, &cause) != 0) {
		rc = cmd_error(ctx, EXIT_FAILED, "failed", "%s", cause);
		goto done;
	}
	if (voice_client_listen(vc, room, &cause) != 0) {
		rc = cmd_error(ctx, EXIT_FAILED, "failed", "%s", cause);
		goto done;
	}
	listening = true;
	if (secs > 0)
		end = time_mono_us() + (int64_t)secs * 1000000;
	for (;;) {
		voice_client_state(vc, &st);
		if (voice_stop_signal || st.daemon_lost ||
		    (end != 0 && time_mono_us() >= end))
			break;
		voice_nap(end != 0 && end - time_mono_us() < 50000
		              ? (int)((end - time_mono_us()) / 1000) + 1
		              : 50);
	}
	if (!st.daemon_lost && voice_client_unlisten(vc, room, &cause) != 0) {
		/* Said, but the recording is still written. */
		cmd_error(ctx, EXIT_FAILED, "failed", "%s", cause);
		free(cause);
		cause = NULL;
		rc = EXIT_FAILED;
	}
	if (st.daemon_lost)
		rc = cmd_error(ctx, EXIT_NO_DAEMON, "no_daemon",
		    "the daemon stopped answering");
	if (verbose)
		listen_print_streams(&st);
done:
	if (record != NULL && vc != NULL && listening) {
		if (voice_client_record_end(vc, &seconds, &cause) != 0)
			rc = cmd_error(ctx, EXIT_FAILED, "failed", "%s", cause);
		else if (verbose)
			fprintf(stderr, "recorded %.2f s into '%s'\n", seconds,
			    record);
	}
	voice_client_destroy(&vc);
	free(cause);
	return rc;
}

const struct ioectl_cmd cmd_listen_entry = {
    .name = "listen",
    .usage = "listen [-v] [--device NAME|none] [--duration S] "
             "[--rate HZ] [--record OUT.wav] ROOM",
    .summary = "play ROOM, record it into OUT.wav, until S seconds "
               "or a signal",
    .options = {{"device", 0, true}, {"duration", 0, true}, {"rate", 0, true},
        {"record", 0, true}, {"verbose", 'v', false}},
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_listen_exec,
};
