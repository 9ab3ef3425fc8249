/* Voice in ioe-tui (doc/voice.md): one voice-client session per ioe-tui,
 * made on first use so that the client works without audio when voice is
 * never used; voice on in one room at a time: listening to it (played on
 * the default device), talking into it from the microphone (push-to-talk
 * as a toggle, since terminals do not report key release; emergency;
 * or a call, full duplex), and the row that shows its state: the floor,
 * a level meter while talking, busy, preempted, and who listens. */
#ifndef IOE_TUI_MODEL_VOICE_H
#define IOE_TUI_MODEL_VOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tui.h"
#include "voice-client.h"

#define TVOICE_NOTES_MAX 8 /* notices waiting for the room's buffer */

typedef struct tvoice {
	char *dir;               /* the data directory */
	char *user;              /* who listens and talks */
	voice_client_t *vc;      /* the session, or NULL */
	char *room;              /* the room voice is on, or NULL */
	bool playing;            /* the playback device is open */
	bool talking;            /* a talk we started is under way */
	bool emergency;          /* it is an emergency talk */
	bool call;               /* in the room's call (full duplex) */
	char *busy;              /* who refused our talk, until the next */
	char *preempted;         /* who preempted our talk, until the next */
	voice_client_state_t st; /* the last snapshot */
	char **listeners;        /* "user@node" listening in the room */
	size_t nlisteners;
	char *notes[TVOICE_NOTES_MAX]; /* errors and news for the room */
	bool note_error[TVOICE_NOTES_MAX];
	size_t nnotes;
	char *shown;           /* the row's text last drawn */
	unsigned test_tone_ms; /* self-test: talk a tone, not the mic */
} tvoice_t;

/* Nothing is opened until voice is used. */
void tvoice_init(tvoice_t *self, const char *dir);
/* Stops talking and listening, closes the session. */
void tvoice_free(tvoice_t *self);
/* The acting user (who the session is for; a change ends it). */
void tvoice_set_user(tvoice_t *self, const char *user);

/* True while voice is on in a room. */
bool tvoice_active(const tvoice_t *self);
/* Talks in room (voice comes on there, listening): push-to-talk, or
 * emergency; again (same kind) stops. In a call it mutes and unmutes
 * the microphone. Returns 0, or -1 (a note says why). */
int tvoice_talk_toggle(tvoice_t *self, const char *room, bool emergency);
/* Listens to room, or stops voice there. */
int tvoice_listen_toggle(tvoice_t *self, const char *room);
/* Joins the call of room (listening, the microphone open, mode call),
 * or leaves it. */
int tvoice_call_toggle(tvoice_t *self, const char *room);
/* Voice off: no talk, no listening, the devices closed. */
void tvoice_hangup(tvoice_t *self);

/* Reads the session's state: a talk that ended (preempted, the
 * microphone gone, the daemon lost) is noted. Returns true if the row
 * changed. */
bool tvoice_tick(tvoice_t *self);
/* The result of voice.status: who listens in the room. */
void tvoice_set_status(tvoice_t *self, json_t *status);
/* The next notice for the room's buffer (caller frees), or NULL;
 * *error says if it is an error. */
char *tvoice_take_note(tvoice_t *self, bool *error);

/* The voice row of the room, width columns. */
void tvoice_row(tvoice_t *self, int width, tui_row_t *row);
/* "[voice ops: TALKING]" for the status bar, or "" when off. */
void tvoice_short(const tvoice_t *self, char *buf, size_t size);

void model_voice_test(bool verbose);

#endif
