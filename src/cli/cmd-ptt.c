/* ptt: talks in a room, from a WAV file in real time or from the
 * microphone until Enter (doc/voice.md). */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-voice.h"
#include "util.h"

/* True once a line, or the end, came on standard input: a terminal
 * gives its line when Enter is pressed. */
static bool
ptt_enter(void)
{
	struct pollfd p = {STDIN_FILENO, POLLIN, 0};
	char buf[256];

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & POLLIN)
		(void)read(STDIN_FILENO, buf, sizeof buf);
	return true;
}

static int
cmd_ptt_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *room = args->argv[0], *file = args_get(args, "file");
	bool verbose = args_get(args, "verbose") != NULL;
	voice_talk_t talk = {.room = room};
	voice_client_state_t st;
	voice_client_t *vc = NULL;
	char *cause = NULL, *holder = NULL, *shown = cmd_safe(room);
	unsigned rate;
	int rc;

	if ((rc = voice_rate(ctx, args, &rate)) != EXIT_OK)
		goto done;
	talk.emergency = args_get(args, "emergency") != NULL;
	talk.call = args_get(args, "call") != NULL;
	talk.device = args_get(args, "device");
	talk.rate = rate;
	if (file != NULL) {
		/* The file is checked before the daemon is asked. */
		talk.pcm = voice_client_read_wav(
		    file, &talk.rate, &talk.samples, &cause);
		if (talk.pcm == NULL) {
			rc =
			    cmd_error(ctx, EXIT_FAILED, "invalid", "%s", cause);
			goto done;
		}
	}
	voice_signals();
	if ((rc = voice_open(ctx, rate, &vc)) != EXIT_OK)
		goto done;
	switch (voice_client_talk(vc, &talk, &holder, &cause)) {
	case VOICE_TALK_GRANTED:
		break;
	case VOICE_TALK_BUSY: {
		char *who = cmd_safe(holder);

		rc = cmd_error(ctx, EXIT_FAILED, "busy",
		    "busy: %s holds the floor in '%s'", who, shown);
		free(who);
		goto done;
	}
	default:
		rc = cmd_error(ctx, EXIT_FAILED, "failed", "%s", cause);
		goto done;
	}
	voice_client_state(vc, &st);
	if (verbose)
		fprintf(stderr, "talking in '%s' (stream %u)%s\n", shown,
		    st.talk_stream,
		    file == NULL ? ": press Enter to stop" : "");
	for (;;) {
		voice_client_state(vc, &st);
		if (!st.talking || voice_stop_signal || st.daemon_lost)
			break;
		if (file == NULL && ptt_enter())
			break;
		voice_nap(20);
	}
	if (voice_client_stop(vc, &cause) != 0 && !st.preempted) {
		rc = cmd_error(ctx,
		    st.daemon_lost ? EXIT_NO_DAEMON : EXIT_FAILED, "failed",
		    "%s", cause);
		goto done;
	}
	voice_client_state(vc, &st);
	if (st.preempted) {
		char *who = cmd_safe(st.preempted_by);

		rc = cmd_error(ctx, EXIT_FAILED, "preempted",
		    "preempted by %s in '%s'", who, shown);
		free(who);
	} else if (st.talk_error[0] != '\0')
		rc = cmd_error(ctx, EXIT_FAILED, "failed", "%s", st.talk_error);
	else if (st.daemon_lost)
		rc = cmd_error(ctx, EXIT_NO_DAEMON, "no_daemon",
		    "the daemon stopped answering");
	else if (verbose)
		fprintf(stderr, "sent %llu frames (%.2f s)\n",
		    (unsigned long long)st.frames_sent, st.frames_sent * 0.02);
done:
	voice_client_destroy(&vc);
	free(talk.pcm);
	free(holder);
	free(cause);
	free(shown);
	return rc;
}

const struct ioectl_cmd cmd_ptt_entry = {
    .name = "ptt",
    .usage = "ptt [-v] [--call] [--emergency] [--device NAME] "
             "[--file IN.wav] [--rate HZ] ROOM",
    .summary = "talk in ROOM: a WAV file in real time, or the "
               "microphone until Enter",
    .options = {{"call", 0, false}, {"device", 0, true},
        {"emergency", 0, false}, {"file", 0, true}, {"rate", 0, true},
        {"verbose", 'v', false}},
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_ptt_exec,
};
