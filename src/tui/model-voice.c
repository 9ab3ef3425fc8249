#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model-text.h"
#include "model-voice.h"
#include "util.h"

#define METER_CELLS 10  /* the level meter: one cell per 6 dB */
#define METER_FLOOR -60 /* dBFS of an empty meter */
#define ROW_PROBE   400 /* columns of the row compared for changes */

static void tvoice_note(tvoice_t *self, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A notice for the room's buffer; the oldest goes when they pile up. */
static void
tvoice_note(tvoice_t *self, bool error, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	if (self->nnotes == TVOICE_NOTES_MAX) {
		free(self->notes[0]);
		memmove(self->notes, self->notes + 1,
		    (TVOICE_NOTES_MAX - 1) * sizeof *self->notes);
		memmove(self->note_error, self->note_error + 1,
		    (TVOICE_NOTES_MAX - 1) * sizeof *self->note_error);
		self->nnotes--;
	}
	self->notes[self->nnotes] = text;
	self->note_error[self->nnotes++] = error;
}

char *
tvoice_take_note(tvoice_t *self, bool *error)
{
	char *text;

	if (self->nnotes == 0)
		return NULL;
	text = self->notes[0];
	*error = self->note_error[0];
	memmove(self->notes, self->notes + 1,
	    (self->nnotes - 1) * sizeof *self->notes);
	memmove(self->note_error, self->note_error + 1,
	    (self->nnotes - 1) * sizeof *self->note_error);
	self->nnotes--;
	return text;
}

static void
tvoice_set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = s != NULL ? xstrdup(s) : NULL;
}

static void
tvoice_listeners_free(tvoice_t *self)
{
	for (size_t i = 0; i < self->nlisteners; i++)
		free(self->listeners[i]);
	free(self->listeners);
	self->listeners = NULL;
	self->nlisteners = 0;
}

void
tvoice_init(tvoice_t *self, const char *dir)
{
	memset(self, 0, sizeof *self);
	self->dir = xstrdup(dir != NULL ? dir : ".");
}

void
tvoice_free(tvoice_t *self)
{
	tvoice_hangup(self);
	free(self->dir);
	free(self->user);
	free(self->shown);
	while (self->nnotes > 0)
		free(self->notes[--self->nnotes]);
	memset(self, 0, sizeof *self);
}

void
tvoice_set_user(tvoice_t *self, const char *user)
{
	if (self->user != NULL && user != NULL && strcmp(self->user, user) == 0)
		return;
	tvoice_hangup(self);
	tvoice_set_str(&self->user, user);
}

bool
tvoice_active(const tvoice_t *self)
{
	return self->room != NULL;
}

/* The session, made now if it is not there. Returns 0, or -1 noted. */
static int
tvoice_open(tvoice_t *self)
{
	char *cause = NULL;

	if (self->vc != NULL)
		return 0;
	if (self->user == NULL) {
		tvoice_note(self, true, "voice: no acting user yet");
		return -1;
	}
	self->vc = voice_client_new(self->dir, self->user, 0, &cause);
	if (self->vc == NULL) {
		tvoice_note(self, true, "voice: %s", cause);
		free(cause);
		return -1;
	}
	memset(&self->st, 0, sizeof self->st);
	return 0;
}

/* Stops our talk, if any: no more frames. */
static void
tvoice_talk_stop(tvoice_t *self)
{
	char *cause = NULL;

	if (!self->talking)
		return;
	self->talking = false;
	if (self->vc != NULL && voice_client_stop(self->vc, &cause) != 0) {
		tvoice_note(
		    self, true, "voice: cannot stop talking: %s", cause);
		free(cause);
	}
}

/* Voice on in room: listening to it (and only it), playing it. Returns
 * 0, or -1 noted. */
static int
tvoice_on(tvoice_t *self, const char *room)
{
	char *cause = NULL;

	if (self->room != NULL && strcmp(self->room, room) == 0)
		return 0;
	if (self->room != NULL)
		tvoice_hangup(self);
	if (tvoice_open(self) != 0)
		return -1;
	if (voice_client_listen(self->vc, room, &cause) != 0) {
		tvoice_note(self, true, "voice: cannot listen to '%s': %s",
		    room, cause);
		free(cause);
		return -1;
	}
	tvoice_set_str(&self->room, room);
	if (!self->playing && self->test_tone_ms == 0) {
		if (voice_client_play(self->vc, NULL, &cause) != 0) {
			tvoice_note(self, true,
			    "voice: cannot play: %s; listening without sound",
			    cause);
			free(cause);
		} else
			self->playing = true;
	}
	return 0;
}

/* The self-test's signal: a 440 Hz tone at -18 dBFS (RMS). */
static int16_t *
tvoice_tone(unsigned ms, size_t *samples)
{
	int16_t *pcm;

	*samples = (size_t)ms * 16;
	pcm = xcalloc(*samples, sizeof *pcm);
	for (size_t i = 0; i < *samples; i++)
		pcm[i] =
		    (int16_t)(4096 * sin(2 * M_PI * 440 * (double)i / 16000));
	return pcm;
}

/* Asks for the floor (or, in a call, just talks). Returns 0, or -1
 * noted (busy included). */
static int
tvoice_talk_start(tvoice_t *self, bool emergency, bool call)
{
	voice_talk_t talk = {
	    .room = self->room, .emergency = emergency, .call = call};
	char *holder = NULL, *cause = NULL;
	int rc = -1;

	tvoice_set_str(&self->busy, NULL);
	tvoice_set_str(&self->preempted, NULL);
	if (self->test_tone_ms > 0) {
		talk.pcm = tvoice_tone(self->test_tone_ms, &talk.samples);
		talk.rate = 16000;
	}
	switch (voice_client_talk(self->vc, &talk, &holder, &cause)) {
	case VOICE_TALK_GRANTED:
		self->talking = true;
		self->emergency = emergency;
		rc = 0;
		break;
	case VOICE_TALK_BUSY:
		tvoice_set_str(&self->busy, holder);
		tvoice_note(self, true,
		    "voice: busy: %s holds the floor in '%s'", holder,
		    self->room);
		break;
	default:
		tvoice_note(self, true, "voice: cannot talk in '%s': %s",
		    self->room, cause);
		break;
	}
	free(holder);
	free(cause);
	voice_client_state(self->vc, &self->st);
	return rc;
}

int
tvoice_talk_toggle(tvoice_t *self, const char *room, bool emergency)
{
	bool here = self->room != NULL && strcmp(self->room, room) == 0;

	if (here && self->call) {
		/* In a call the key mutes and unmutes. */
		if (self->talking) {
			tvoice_talk_stop(self);
			return 0;
		}
		return tvoice_talk_start(self, emergency, true);
	}
	if (here && self->talking) {
		bool same = self->emergency == emergency;

		tvoice_talk_stop(self);
		if (same)
			return 0;
	}
	if (tvoice_on(self, room) != 0)
		return -1;
	return tvoice_talk_start(self, emergency, false);
}

int
tvoice_listen_toggle(tvoice_t *self, const char *room)
{
	if (self->room != NULL && strcmp(self->room, room) == 0) {
		tvoice_hangup(self);
		return 0;
	}
	return tvoice_on(self, room);
}

int
tvoice_call_toggle(tvoice_t *self, const char *room)
{
	if (self->call && self->room != NULL && strcmp(self->room, room) == 0) {
		tvoice_hangup(self);
		return 0;
	}
	tvoice_talk_stop(self);
	if (tvoice_on(self, room) != 0)
		return -1;
	self->call = true;
	/* Without a microphone the call is heard, muted. */
	return tvoice_talk_start(self, false, true);
}

void
tvoice_hangup(tvoice_t *self)
{
	char *cause = NULL;

	tvoice_talk_stop(self);
	if (self->vc != NULL && self->room != NULL && !self->st.daemon_lost &&
	    voice_client_unlisten(self->vc, self->room, &cause) != 0) {
		tvoice_note(self, true, "voice: %s", cause);
		free(cause);
	}
	/* The devices close with the session; the next use opens both. */
	voice_client_destroy(&self->vc);
	self->playing = false;
	self->call = false;
	tvoice_set_str(&self->room, NULL);
	tvoice_set_str(&self->busy, NULL);
	tvoice_set_str(&self->preempted, NULL);
	tvoice_listeners_free(self);
	memset(&self->st, 0, sizeof self->st);
}

/* The floor of the voice room in the snapshot, or NULL. */
static const char *
tvoice_floor(const tvoice_t *self, bool *emergency)
{
	*emergency = false;
	for (size_t i = 0; self->room != NULL && i < self->st.nfloors; i++) {
		if (strcmp(self->st.floors[i].room, self->room) == 0) {
			*emergency = self->st.floors[i].emergency;
			return self->st.floors[i].holder;
		}
	}
	return NULL;
}

bool
tvoice_tick(tvoice_t *self)
{
	const char *holder;
	bool changed, emergency;
	tui_row_t row;
	char *text;

	if (self->vc != NULL) {
		voice_client_state(self->vc, &self->st);
		if (self->talking && !self->st.talking &&
		    (self->st.preempted || self->st.talk_ended ||
		        self->st.talk_error[0] != '\0')) {
			if (self->st.preempted) {
				tvoice_set_str(
				    &self->preempted, self->st.preempted_by);
				tvoice_note(self, true,
				    "voice: preempted by %s in '%s'",
				    self->st.preempted_by, self->room);
			} else if (self->st.talk_error[0] != '\0')
				tvoice_note(self, true, "voice: %s",
				    self->st.talk_error);
			else
				tvoice_note(self, false,
				    "voice: the microphone ran out");
			tvoice_talk_stop(self);
		}
		if (self->st.daemon_lost) {
			tvoice_note(self, true,
			    "voice: the daemon stopped answering; voice is "
			    "off");
			tvoice_hangup(self);
		}
	}
	/* Busy and preempted are said while that talker holds the floor. */
	holder = tvoice_floor(self, &emergency);
	if (self->busy != NULL && holder != NULL &&
	    strcmp(holder, self->busy) != 0)
		tvoice_set_str(&self->busy, NULL);
	if (self->preempted != NULL && holder != NULL &&
	    strcmp(holder, self->preempted) != 0)
		tvoice_set_str(&self->preempted, NULL);
	tui_row_init(&row);
	tvoice_row(self, ROW_PROBE, &row);
	text = tui_row_plain(&row);
	tui_row_free(&row);
	changed = strcmp(self->shown != NULL ? self->shown : "", text) != 0;
	free(self->shown);
	self->shown = text;
	return changed;
}

void
tvoice_set_status(tvoice_t *self, json_t *status)
{
	json_t *r, *l;
	size_t i, k;

	tvoice_listeners_free(self);
	if (self->room == NULL)
		return;
	json_array_foreach(json_object_get(status, "rooms"), i, r)
	{
		const char *name =
		    json_string_value(json_object_get(r, "room"));

		if (name == NULL || strcmp(name, self->room) != 0)
			continue;
		json_array_foreach(json_object_get(r, "listeners"), k, l)
		{
			const char *u =
			    json_string_value(json_object_get(l, "user"));
			const char *n =
			    json_string_value(json_object_get(l, "node"));

			if (u == NULL)
				continue;
			self->listeners = realloc(self->listeners,
			    (self->nlisteners + 1) * sizeof *self->listeners);
			if (self->listeners == NULL)
				abort();
			self->listeners[self->nlisteners++] =
			    n != NULL ? xasprintf("%s@%s", u, n) : xstrdup(u);
		}
	}
}

/* "[#####-----] -23 dBFS" */
static void
tvoice_meter(double dbfs, int width, tui_row_t *row)
{
	char bar[METER_CELLS + 3];
	int n = (int)((dbfs - METER_FLOOR) / (-METER_FLOOR / METER_CELLS));

	if (n < 0)
		n = 0;
	if (n > METER_CELLS)
		n = METER_CELLS;
	bar[0] = '[';
	for (int i = 0; i < METER_CELLS; i++)
		bar[1 + i] = i < n ? '#' : '-';
	bar[METER_CELLS + 1] = ']';
	bar[METER_CELLS + 2] = '\0';
	tui_row_printf(row, TS_BAR_HI, width - row->width, " %s", bar);
	if (dbfs <= -99)
		tui_row_puts(row, TS_NORMAL, " silence", width - row->width);
	else
		tui_row_printf(
		    row, TS_NORMAL, width - row->width, " %.0f dBFS", dbfs);
}

void
tvoice_row(tvoice_t *self, int width, tui_row_t *row)
{
	bool emergency;
	const char *holder = tvoice_floor(self, &emergency);
	bool talking = self->talking && self->st.talking;

	if (self->room == NULL)
		return;
	tui_row_printf(row, TS_HEADING, width, "voice %s:", self->room);
	if (self->call) {
		size_t n = 0;

		tui_row_puts(row, TS_BAR_HI, " CALL", width - row->width);
		for (size_t i = 0; i < self->st.nstreams; i++) {
			if (strcmp(self->st.streams[i].room, self->room) != 0)
				continue;
			tui_row_printf(row, TS_NORMAL, width - row->width,
			    "%s%s", n++ == 0 ? " heard: " : ", ",
			    self->st.streams[i].talker);
		}
	} else if (holder == NULL || holder[0] == '\0')
		tui_row_puts(
		    row, TS_NORMAL, " floor: free", width - row->width);
	else if (emergency)
		tui_row_printf(row, TS_ALERT_CRITICAL, width - row->width,
		    " EMERGENCY floor: %s", holder);
	else
		tui_row_printf(
		    row, TS_NORMAL, width - row->width, " floor: %s", holder);
	if (talking) {
		tui_row_puts(row, TS_ALERT_URGENT,
		    self->emergency && !self->call ? " TALKING (EMERGENCY)"
		                                   : " TALKING",
		    width - row->width);
		tvoice_meter(self->st.level_dbfs, width, row);
	} else if (self->call)
		tui_row_puts(row, TS_DIM, " muted", width - row->width);
	if (self->busy != NULL)
		tui_row_printf(row, TS_ERROR, width - row->width,
		    " BUSY: %s holds the floor", self->busy);
	if (self->preempted != NULL)
		tui_row_printf(row, TS_ERROR, width - row->width,
		    " PREEMPTED by %s", self->preempted);
	for (size_t i = 0; i < self->nlisteners; i++)
		tui_row_printf(row, TS_DIM, width - row->width, "%s%s",
		    i == 0 ? " | listening: " : ", ", self->listeners[i]);
}

void
tvoice_short(const tvoice_t *self, char *buf, size_t size)
{
	if (self->room == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "[voice %s%s%s]", self->call ? "call " : "",
	    self->room, self->talking && self->st.talking ? ": TALKING" : "");
}

/* --- self-test
 * ------------------------------------------------------------------ */

/* True if the row holds needle as wanted; says so when not. */
static bool
test_row(tvoice_t *v, const char *needle, bool want)
{
	tui_row_t row;
	char *text;
	bool has;

	tui_row_init(&row);
	tvoice_row(v, 200, &row);
	text = tui_row_plain(&row);
	has = strstr(text, needle) != NULL;
	if (has != want)
		fprintf(stderr, "voice row '%s' %s '%s'\n", text,
		    want ? "lacks" : "holds", needle);
	free(text);
	tui_row_free(&row);
	return has == want;
}

static bool
test_row_has(tvoice_t *v, const char *needle)
{
	return test_row(v, needle, true);
}

/* The notes, dropped; true if one held needle. */
static bool
test_notes_have(tvoice_t *v, const char *needle)
{
	bool found = false, error;
	char *n;

	while ((n = tvoice_take_note(v, &error)) != NULL) {
		found |= strstr(n, needle) != NULL;
		free(n);
	}
	return found;
}

/* Waits until the snapshot satisfies what, at most 3 s. */
static bool
test_wait(tvoice_t *v, bool (*what)(const tvoice_t *))
{
	for (int i = 0; i < 300; i++) {
		tvoice_tick(v);
		if (what(v))
			return true;
		zclock_sleep(10);
	}
	return false;
}

static bool
test_sent(const tvoice_t *v)
{
	return v->st.frames_sent >= 5;
}

static bool
test_preempted(const tvoice_t *v)
{
	return v->preempted != NULL;
}

/* The row alone, from states made by hand. */
static void
test_rows(void)
{
	tvoice_t v;
	json_t *status;

	tvoice_init(&v, "/nonexistent");
	tvoice_set_user(&v, "alice");
	assert(!tvoice_active(&v));
	assert(!tvoice_tick(&v)); /* off: an empty row, unchanged */
	v.room = xstrdup("ops");
	v.st.nfloors = 1;
	snprintf(v.st.floors[0].room, VOICE_NAME_MAX, "ops");
	assert(test_row_has(&v, "voice ops: floor: free"));
	assert(tvoice_tick(&v) && !tvoice_tick(&v));

	/* Talking: the meter, one cell per 6 dB. */
	v.talking = v.st.talking = true;
	v.st.level_dbfs = -23.4;
	snprintf(v.st.floors[0].holder, VOICE_NAME_MAX, "alice@a");
	assert(
	    test_row_has(&v, "floor: alice@a TALKING [######----] -23 dBFS"));
	assert(tvoice_tick(&v));
	v.st.level_dbfs = -100;
	assert(test_row_has(&v, "[----------] silence"));
	v.st.level_dbfs = 3;
	assert(test_row_has(&v, "[##########] 3 dBFS"));

	/* Busy while bob holds the floor, gone when it changes. */
	v.talking = v.st.talking = false;
	snprintf(v.st.floors[0].holder, VOICE_NAME_MAX, "bob@b");
	v.busy = xstrdup("bob@b");
	tvoice_tick(&v);
	assert(test_row_has(&v, "floor: bob@b BUSY: bob@b holds the floor"));
	v.st.floors[0].holder[0] = '\0';
	tvoice_tick(&v);
	assert(v.busy == NULL && test_row_has(&v, "floor: free"));

	/* Preempted by an emergency talker, shown distinctly. */
	v.preempted = xstrdup("carol@c");
	snprintf(v.st.floors[0].holder, VOICE_NAME_MAX, "carol@c");
	v.st.floors[0].emergency = true;
	assert(
	    test_row_has(&v, "EMERGENCY floor: carol@c PREEMPTED by carol@c"));

	/* Listeners, from voice.status. */
	status = json_pack("{s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}]}, "
	                   "{s:s, s:[{s:s, s:s}]}]}",
	    "rooms", "room", "ops", "listeners", "user", "alice", "node", "a",
	    "user", "bob", "node", "b", "room", "other", "listeners", "user",
	    "zed", "node", "z");
	tvoice_set_status(&v, status);
	json_decref(status);
	assert(v.nlisteners == 2);
	assert(test_row_has(&v, "| listening: alice@a, bob@b"));
	assert(test_row(&v, "zed", false));

	/* A call: who is heard, muted. */
	v.call = true;
	v.st.nstreams = 2;
	snprintf(v.st.streams[0].room, VOICE_NAME_MAX, "ops");
	snprintf(v.st.streams[0].talker, VOICE_NAME_MAX, "bob@b");
	snprintf(v.st.streams[1].room, VOICE_NAME_MAX, "ops");
	snprintf(v.st.streams[1].talker, VOICE_NAME_MAX, "carol@c");
	assert(test_row_has(&v, "voice ops: CALL heard: bob@b, carol@c muted"));
	{
		char s[64];

		tvoice_short(&v, s, sizeof s);
		assert(strcmp(s, "[voice call ops]") == 0);
	}
	tvoice_free(&v);
}

/* Against voice-client's fake daemon: granted, busy, preempted, an
 * unknown room, no daemon. */
static void
test_fake_daemon(bool verbose)
{
	char dir[] = "/tmp/ioe-tui-voice-XXXXXX", *ep;
	zactor_t *fake;
	tvoice_t v;

	assert(mkdtemp(dir) != NULL);
	tvoice_init(&v, dir);
	tvoice_set_user(&v, "alice");
	/* No daemon: said, nothing on. */
	assert(tvoice_talk_toggle(&v, "ops", false) == -1);
	assert(!tvoice_active(&v));
	assert(test_notes_have(&v, "no daemon answers"));

	ep = xasprintf("ipc://%s/voice", dir);
	fake = zactor_new(voice_client_fake_daemon, ep);
	assert(fake != NULL);
	v.test_tone_ms = 3000;

	/* Granted: talking, the level of the tone (-21 dBFS RMS). */
	assert(tvoice_talk_toggle(&v, "ops", false) == 0);
	assert(tvoice_active(&v) && v.talking);
	assert(test_wait(&v, test_sent));
	if (verbose)
		printf("level %.1f dBFS after %llu frames\n", v.st.level_dbfs,
		    (unsigned long long)v.st.frames_sent);
	assert(v.st.level_dbfs > -25 && v.st.level_dbfs < -17);
	assert(test_row_has(&v, "TALKING [######"));
	/* Again: stopped, still listening. */
	assert(tvoice_talk_toggle(&v, "ops", false) == 0);
	assert(!v.talking && tvoice_active(&v));
	assert(test_row(&v, "TALKING", false));

	/* Busy: the holder named, noted. */
	assert(tvoice_talk_toggle(&v, "busy", false) == -1);
	assert(strcmp(v.room, "busy") == 0 && !v.talking);
	assert(test_row_has(&v, "BUSY: carol@c holds the floor"));
	assert(test_notes_have(&v, "busy: carol@c holds the floor in 'busy'"));

	/* Preempted: the talk ends by itself, noted. */
	assert(tvoice_talk_toggle(&v, "pre", true) == 0);
	assert(test_wait(&v, test_preempted));
	assert(!v.talking);
	assert(test_row_has(&v, "PREEMPTED by dave@d"));
	assert(test_notes_have(&v, "preempted by dave@d in 'pre'"));

	/* A room the daemon does not know: voice stays off. */
	assert(tvoice_listen_toggle(&v, "nope") == -1);
	assert(!tvoice_active(&v));
	assert(test_notes_have(&v, "cannot listen to 'nope'"));

	/* A call, then /hangup. */
	assert(tvoice_call_toggle(&v, "ops") == 0);
	assert(v.call && v.talking && test_row_has(&v, "CALL"));
	assert(tvoice_talk_toggle(&v, "ops", false) == 0); /* mute */
	assert(v.call && !v.talking && test_row_has(&v, "muted"));
	assert(tvoice_call_toggle(&v, "ops") == 0);
	assert(!tvoice_active(&v) && v.vc == NULL);

	tvoice_free(&v);
	zactor_destroy(&fake);
	free(ep);
	{
		char *sock = xasprintf("%s/voice", dir);

		unlink(sock);
		free(sock);
	}
	rmdir(dir);
}

void
model_voice_test(bool verbose)
{
	test_rows();
	test_fake_daemon(verbose);
}
