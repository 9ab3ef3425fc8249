/* What the voice commands share (cmd-voice.c, cmd-ptt.c, cmd-listen.c);
 * see ioectl(1), VOICE, and doc/voice.md. */
#ifndef IOECTL_CMD_VOICE_H
#define IOECTL_CMD_VOICE_H

#include <signal.h>
#include <stdbool.h>

#include "cmd.h"
#include "voice-client.h"

/* Set by SIGINT or SIGTERM once voice_signals ran. */
extern volatile sig_atomic_t voice_stop_signal;

/* Replaces czmq's handlers of SIGINT and SIGTERM by one that only sets
 * voice_stop_signal, so that the command ends cleanly (STOP, the WAV
 * written). Call before any socket is made. */
void voice_signals(void);

/* The value of --rate in *rate (0 if absent). Returns EXIT_OK, or
 * EXIT_USAGE after printing why. */
int voice_rate(struct ioectl_ctx *ctx, struct args *args, unsigned *rate);

/* Opens a session with the daemon. Returns EXIT_OK with *vc set, or
 * EXIT_NO_DAEMON or EXIT_FAILED after printing why. */
int voice_open(struct ioectl_ctx *ctx, unsigned rate, voice_client_t **vc);

/* Sleeps up to ms, less if a signal comes. */
void voice_nap(int ms);

#endif
