#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fpath.h"
#include "model-app.h"
#include "model-cmd.h"
#include "model-status.h"
#include "model-text.h"
#include "test-ledger.h"
#include "util.h"

#define SEC             1000000LL
#define MSG_SHOW_US     (10 * SEC) /* a status-line message stays this long */
#define STATUS_EVERY_US (5 * SEC)  /* node status, for the bar */
#define VIEW_EVERY_US   (2 * SEC)  /* map and status views, live */
#define RETRY_EVERY_US  (3 * SEC)  /* a daemon that went away */
#define READ_EVERY_US   (1 * SEC)  /* marking the shown room read */
#define FILES_EVERY_US  (SEC / 2)  /* listing again after file.* entries */
#define VOICE_EVERY_US  (2 * SEC)  /* voice.status: who listens */

/* Flags of app_rpc. */
#define RPC_QUIET 1 /* a refusal is not shown */
#define RPC_BG    2 /* a refresh: shorter time-out, quiet */

static void app_select(app_t *self, room_t *room);
static void app_load_rooms(app_t *self);
static void app_load_alerts(app_t *self);
static void app_load_users(app_t *self);
static void app_load_files(app_t *self);

/* --- messages ---------------------------------------------------------------
 */

static void app_message(app_t *self, int style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shows a message in the status line for a while; errors are also kept in
 * the home buffer, and shown under the files in their view. */
static void
app_message(app_t *self, int style, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	free(self->msg);
	self->msg = text;
	self->msg_style = style;
	self->msg_until_us = self->now_us + MSG_SHOW_US;
	if (style == TS_ERROR)
		buffer_note(self->rooms.r[0]->buf, LINE_ERROR, time_now_us(),
		    "%s", text);
	/* The files view has a row for it where paths fit. */
	if (style == TS_ERROR && self->view == VIEW_FILES)
		files_set_note(&self->files, TS_ERROR, text);
	self->dirty = true;
}

/* A notice line in a room's buffer (the current one if room is NULL). */
static void app_note(app_t *self, room_t *room, int kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
app_note(app_t *self, room_t *room, int kind, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (room == NULL)
		room = self->rooms.cur;
	buffer_note(room->buf, kind, time_now_us(), "%s", text);
	free(text);
	self->dirty = true;
}

/* --- the daemon
 * --------------------------------------------------------------- */

/* Calls the daemon. Returns the result (caller owns) or NULL; a failure
 * is shown unless quiet, a missing daemon always. *code_out and
 * *cause_out (if not NULL) get the error code and why (caller frees). */
static json_t *
app_rpc_why(app_t *self, const char *method, json_t *params, int flags,
    char **code_out, char **cause_out)
{
	json_t *result = NULL;
	char *code = NULL, *cause = NULL;
	int st;

	st = self->call(self->call_arg, method, params, NULL, 0, NULL, NULL,
	    (flags & RPC_BG) ? APP_BG_TIMEOUT_MS : APP_TIMEOUT_MS, &result,
	    &code, &cause);
	switch (st) {
	case APP_CALL_OK:
		self->connected = true;
		break;
	case APP_CALL_NO_DAEMON:
		if (self->connected || !(flags & RPC_BG))
			app_message(self, TS_ERROR, "%s",
			    cause != NULL ? cause : "no daemon answers");
		self->connected = false;
		self->next_retry_us = self->now_us + RETRY_EVERY_US;
		break;
	default:
		if (!(flags & (RPC_QUIET | RPC_BG)))
			app_message(self, TS_ERROR, "%s",
			    cause != NULL ? cause : "the daemon refused");
		break;
	}
	if (code_out != NULL)
		*code_out = code;
	else
		free(code);
	if (cause_out != NULL)
		*cause_out = cause;
	else
		free(cause);
	self->dirty = true;
	return st == APP_CALL_OK ? result : NULL;
}

/* app_rpc_why without the reason. */
static json_t *
app_rpc(
    app_t *self, const char *method, json_t *params, int flags, char **code_out)
{
	return app_rpc_why(self, method, params, flags, code_out, NULL);
}

static const char *
jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* "user@node" of a user field and a node name. Caller frees. */
static char *
app_who(const char *user, const char *node)
{
	if (user == NULL)
		user = "?";
	if (strchr(user, '@') != NULL || node == NULL)
		return xstrdup(user);
	return xasprintf("%s@%s", user, node);
}

/* The name of a room as the daemon gives it ("ioe" for home): raw, for
 * formats that make it safe. */
static const char *
app_room_name(const room_t *room)
{
	return room->kind == ROOM_HOME ? "ioe" : room->name;
}

static bool
app_is_me(const app_t *self, const char *who)
{
	return self->me != NULL && who != NULL && strcmp(self->me, who) == 0;
}

/* --- lists for completion
 * ----------------------------------------------------- */

static void
strv_free(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static bool
strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return true;
	}
	return false;
}

static void
strv_add(char ***v, size_t *n, const char *s)
{
	if (strv_has(*v, *n, s))
		return;
	*v = realloc(*v, (*n + 2) * sizeof **v);
	if (*v == NULL)
		abort();
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- the acting user ---------------------------------------------------------
 */

static void
app_load_users(app_t *self)
{
	char *code = NULL;
	json_t *r = app_rpc(self, "user.list", NULL, RPC_QUIET, &code), *u;
	size_t i;

	self->want_users = false;
	if (r == NULL) {
		if (code != NULL && strcmp(code, "unknown_method") == 0 &&
		    self->chat) {
			self->chat = false;
			app_note(self, self->rooms.r[0], LINE_NOTICE,
			    "the daemon has no chat yet ('user.list' is "
			    "unknown to it): the map (F2) and the status (F3) "
			    "work");
		}
		free(code);
		return;
	}
	self->chat = true;
	strv_free(&self->users, &self->nusers);
	json_array_foreach(json_object_get(r, "users"), i, u)
	{
		char *who;

		if (json_is_string(u))
			who = xstrdup(json_string_value(u));
		else
			who = app_who(jstr(u, "name") != NULL ? jstr(u, "name")
			                                      : jstr(u, "user"),
			    jstr(u, "node"));
		strv_add(&self->users, &self->nusers, who);
		free(who);
	}
	json_decref(r);
}

/* Users of this node, as a comma-separated list in *list (caller frees).
 * Returns how many; *only gets the name of the last one. */
static size_t
app_local_users(app_t *self, char **list, const char **only)
{
	size_t n = 0, len = strlen(self->node != NULL ? self->node : "");
	char *l = xstrdup("");

	*only = NULL;
	for (size_t i = 0; i < self->nusers; i++) {
		const char *u = self->users[i], *at = strchr(u, '@');
		char *t;

		if (at == NULL || strlen(at + 1) != len ||
		    strcmp(at + 1, self->node != NULL ? self->node : "") != 0)
			continue;
		t = xasprintf(
		    "%s%s%.*s", l, n > 0 ? ", " : "", (int)(at - u), u);
		free(l);
		l = t;
		*only = u;
		n++;
	}
	*list = l;
	return n;
}

static void
app_ask_user(app_t *self, const char *prefill, const char *why)
{
	self->asking_user = true;
	input_set(&self->input, prefill != NULL ? prefill : "");
	app_note(self, self->rooms.r[0], LINE_NOTICE, "%s", why);
	app_message(self, TS_BAR_HI, "%s", why);
	rooms_select(&self->rooms, self->rooms.r[0]);
}

/* Everything that needs the acting user: rooms, alerts, the first room. */
static void
app_set_user(app_t *self, const char *name)
{
	free(self->user);
	free(self->me);
	self->user = xstrdup(name);
	self->me = app_who(name, self->node);
	self->asking_user = false;
	tvoice_set_user(&self->voice, name);
	input_set(&self->input, "");
	app_load_rooms(self);
	app_load_alerts(self);
	if (self->rooms.n > 1)
		app_select(self, self->rooms.r[1]);
	else
		app_note(self, self->rooms.r[0], LINE_NOTICE,
		    "you are in no room yet: /rooms lists them, /join NAME "
		    "joins one (and makes it if there is none)");
	app_message(self, TS_BAR_HI, "you are %s", self->me);
}

/* Picks the acting user as ioectl does, or asks for one. */
static void
app_choose_user(app_t *self)
{
	const char *only;
	char *list, *why;
	size_t n;

	if (!self->chat || self->node == NULL)
		return;
	n = app_local_users(self, &list, &only);
	if (self->user_flag != NULL) {
		char *who = app_who(self->user_flag, self->node);

		if (strv_has(self->users, self->nusers, who))
			app_set_user(self, self->user_flag);
		else {
			why = xasprintf("no user '%s' on this node: Enter adds "
			                "it, or type another name",
			    self->user_flag);
			app_ask_user(self, self->user_flag, why);
			free(why);
		}
		free(who);
	} else if (n == 1) {
		char *name = xstrdup(only);

		*strchr(name, '@') = '\0';
		app_set_user(self, name);
		free(name);
	} else if (n == 0)
		app_ask_user(self, NULL,
		    "this node has no user yet: type your name (letters, "
		    "digits, '.', '_', '-') and press Enter");
	else {
		why = xasprintf("several users on this node (%s): type yours "
		                "and press Enter",
		    list);
		app_ask_user(self, NULL, why);
		free(why);
	}
	free(list);
}

static void
app_submit_user(app_t *self, const char *line)
{
	char *name = xstrdup(line), *p = name, *cause = NULL, *who;
	size_t len;

	while (*p == ' ')
		p++;
	len = strlen(p);
	while (len > 0 && p[len - 1] == ' ')
		p[--len] = '\0';
	if (strcmp(p, "/quit") == 0) {
		self->quit = true;
		free(name);
		return;
	}
	if (name_check(p, "user name", &cause) != 0) {
		app_message(self, TS_ERROR, "%s", cause);
		free(cause);
		input_set(&self->input, p);
		free(name);
		return;
	}
	who = app_who(p, self->node);
	if (!strv_has(self->users, self->nusers, who)) {
		json_t *r = app_rpc(
		    self, "user.add", json_pack("{s:s}", "name", p), 0, NULL);

		if (r == NULL) {
			input_set(&self->input, p);
			free(who);
			free(name);
			return;
		}
		json_decref(r);
		strv_add(&self->users, &self->nusers, who);
		app_note(self, self->rooms.r[0], LINE_NOTICE,
		    "user %s added to this node", who);
	}
	app_set_user(self, p);
	free(who);
	free(name);
}

/* --- rooms and history
 * -------------------------------------------------------- */

static void
app_load_rooms(app_t *self)
{
	json_t *r, *o;
	size_t i;
	char **seen = NULL;
	size_t nseen = 0;

	self->want_rooms = false;
	if (self->user == NULL)
		return;
	r = app_rpc(self, "room.list", json_pack("{s:s}", "user", self->user),
	    RPC_BG, NULL);
	if (r == NULL)
		return;
	strv_free(&self->all_rooms, &self->nall_rooms);
	json_array_foreach(json_object_get(r, "rooms"), i, o)
	{
		const char *name =
		    jstr(o, "name") != NULL ? jstr(o, "name") : jstr(o, "room");
		json_t *joined = json_object_get(o, "joined");
		json_t *members = json_object_get(o, "members");
		bool in;
		room_t *room;

		if (name == NULL)
			continue;
		strv_add(&self->all_rooms, &self->nall_rooms, name);
		if (json_is_boolean(joined))
			in = json_is_true(joined);
		else if (json_is_array(members)) {
			room_t tmp = {0};

			room_set_members(&tmp, members);
			in = room_has_member(&tmp, self->me);
			room_set_members(&tmp, NULL);
		} else
			in = true; /* a list of the user's own rooms */
		if (!in)
			continue;
		strv_add(&seen, &nseen, name);
		room = rooms_add(&self->rooms, name, ROOM_CHAN);
		room_set_topic(room, jstr(o, "topic"));
		room->recording = json_is_true(json_object_get(o, "recording"));
		room_set_members(room, members);
		if (!room->loaded && room != self->rooms.cur) {
			room->unread = (int)json_integer_value(
			    json_object_get(o, "unread"));
			room->mentions = (int)json_integer_value(
			    json_object_get(o, "mentions"));
		}
	}
	/* Rooms left elsewhere (ioectl room leave) leave the list. */
	for (i = self->rooms.n; i-- > 0;) {
		room_t *room = self->rooms.r[i];

		if (room->kind == ROOM_CHAN &&
		    !strv_has(seen, nseen, room->name))
			rooms_remove(&self->rooms, room);
	}
	strv_free(&seen, &nseen);
	json_decref(r);
}

/* A line of a message of the 'history' or 'search' results. */
static void
app_message_spec(app_t *self, json_t *m, struct line_spec *spec, char **who)
{
	json_t *mentions = json_object_get(m, "mentions"), *x;
	const char *text = jstr(m, "text");
	size_t i;

	memset(spec, 0, sizeof *spec);
	*who = app_who(jstr(m, "user"), jstr(m, "node"));
	spec->id = jstr(m, "id");
	spec->time_us = json_integer_value(json_object_get(m, "time_us"));
	spec->lamport = json_integer_value(json_object_get(m, "lamport"));
	spec->author = jstr(m, "author");
	spec->seq = json_integer_value(json_object_get(m, "seq"));
	spec->who = *who;
	spec->text = text != NULL ? text : "";
	spec->kind = LINE_MSG;
	spec->self = app_is_me(self, *who);
	json_array_foreach(mentions, i, x)
	{
		const char *s = json_is_string(x) ? json_string_value(x) : NULL;

		if (s != NULL &&
		    (app_is_me(self, s) ||
		        (self->user != NULL && strcmp(s, self->user) == 0)))
			spec->mention = true;
	}
	if (!spec->self && self->user != NULL &&
	    tui_text_mentions(spec->text, self->user, self->node))
		spec->mention = true;
}

/* Loads the newest messages of room (marking it read), or a page older
 * than those shown. */
static void
app_load_history(app_t *self, room_t *room, bool older)
{
	json_t *params, *r, *m;
	size_t i, n, at = 0, added = 0;

	if (room->kind == ROOM_HOME || self->user == NULL)
		return;
	params = json_pack("{s:s, s:s, s:i}", "room", room->name, "user",
	    self->user, "limit", APP_HISTORY_PAGE);
	if (older)
		json_object_set_new(
		    params, "until", json_integer(buffer_oldest_us(room->buf)));
	r = app_rpc(self, "history", params, 0, NULL);
	if (r == NULL) {
		room->loaded = true; /* do not ask again at each key */
		return;
	}
	n = json_array_size(json_object_get(r, "messages"));
	/* Lines there already (from events, notices) stay; the history
	 * adds what is missing, each in its place in the log's order. */
	json_array_foreach(json_object_get(r, "messages"), i, m)
	{
		struct line_spec spec;
		char *who;

		app_message_spec(self, m, &spec, &who);
		if (older)
			added += buffer_add_older(room->buf, &spec, &at);
		else
			buffer_add(room->buf, &spec);
		free(who);
	}
	if (!older)
		room->loaded = true;
	if (n < APP_HISTORY_PAGE || (older && added == 0))
		room->buf->complete = true;
	json_decref(r);
}

static void
app_select(app_t *self, room_t *room)
{
	bool unread = room->unread > 0;

	rooms_select(&self->rooms, room);
	if (!room->loaded && room->kind != ROOM_HOME)
		app_load_history(self, room, false);
	else if (unread && room->kind != ROOM_HOME)
		self->want_read = true;
	self->dirty = true;
}

/* Marks the current room read: 'history' does, asked for one message. */
static void
app_mark_read(app_t *self)
{
	room_t *room = self->rooms.cur;
	json_t *r;

	self->want_read = false;
	self->next_read_us = self->now_us + READ_EVERY_US;
	if (room->kind == ROOM_HOME || self->user == NULL)
		return;
	r = app_rpc(self, "history",
	    json_pack("{s:s, s:s, s:i}", "room", room->name, "user", self->user,
	        "limit", 1),
	    RPC_BG, NULL);
	json_decref(r);
}

/* --- alerts
 * ------------------------------------------------------------------- */

static void
app_load_alerts(app_t *self)
{
	json_t *r;
	char *cause = NULL;

	self->want_alerts = false;
	if (!self->chat)
		return;
	r = app_rpc(
	    self, "alerts", json_pack("{s:b}", "open", 1), RPC_BG, NULL);
	if (r == NULL)
		return;
	if (alerts_load(&self->alerts, r, self->me, &cause) != 0) {
		app_message(self, TS_ERROR, "%s", cause);
		free(cause);
	}
	json_decref(r);
}

/* --- the status of the node
 * ---------------------------------------------------- */

static void
app_load_status(app_t *self)
{
	json_t *r = app_rpc(self, "status", NULL, RPC_BG, NULL);

	self->next_status_us = self->now_us + STATUS_EVERY_US;
	if (r == NULL) {
		free(self->status_error);
		self->status_error =
		    xstrdup(self->connected ? "the daemon refused 'status'"
		                            : "no daemon answers");
		return;
	}
	free(self->status_error);
	self->status_error = NULL;
	json_decref(self->status);
	self->status = r;
	if (self->node == NULL && jstr(r, "name") != NULL)
		self->node = xstrdup(jstr(r, "name"));
}

static void
app_load_peers(app_t *self)
{
	json_t *r = app_rpc(self, "peers", NULL, RPC_BG, NULL);

	self->next_peers_us = self->now_us + VIEW_EVERY_US;
	if (r != NULL) {
		json_decref(self->peers);
		self->peers = r;
	}
}

static void
app_load_map(app_t *self)
{
	json_t *r = app_rpc(self, "map", NULL, RPC_BG, NULL);
	char *cause = NULL;

	self->next_map_us = self->now_us + VIEW_EVERY_US;
	if (r == NULL)
		return;
	if (map_load(&self->map, r, &cause) != 0) {
		app_message(self, TS_ERROR, "%s", cause);
		free(cause);
	}
	json_decref(r);
}

static void
app_set_view(app_t *self, enum app_view view)
{
	self->view = self->view == view ? VIEW_CHAT : view;
	self->page_top = 0;
	if (self->view == VIEW_MAP)
		app_load_map(self);
	else if (self->view == VIEW_STATUS) {
		app_load_status(self);
		app_load_peers(self);
	} else if (self->view == VIEW_FILES)
		app_load_files(self);
	self->dirty = true;
}

/* --- files
 * ------------------------------------------------------------------- */

/* Shows the details of the file at path (files.stat). */
static void
app_load_stat(app_t *self, const char *path, int flags)
{
	char *p = xstrdup(path), *code = NULL, *cause = NULL;
	json_t *r;

	r = app_rpc_why(self, "files.stat", json_pack("{s:s}", "path", p),
	    flags, &code, NULL);
	if (r != NULL) {
		if (files_set_stat(&self->files, r, &cause) != 0)
			app_message(self, TS_ERROR, "%s", cause);
	} else if (code != NULL && strcmp(code, "not_found") == 0 &&
	           files_stat_path(&self->files) != NULL) {
		/* Moved or removed elsewhere meanwhile. */
		files_set_stat(&self->files, NULL, NULL);
		app_message(self, TS_ERROR, "'%s' is no longer in the mesh", p);
	}
	free(cause);
	free(code);
	free(p);
}

/* Lists the directory shown again, and the details shown. A directory
 * that went away (moved or removed elsewhere) gives way to its parent. */
static void
app_load_files(app_t *self)
{
	files_t *f = &self->files;
	char *code = NULL, *cause = NULL;
	json_t *r = NULL;

	self->want_files = false;
	self->next_files_us = self->now_us + FILES_EVERY_US;
	for (;;) {
		char *parent;

		r = app_rpc_why(self, "files.ls",
		    *f->dir == '\0' ? NULL : json_pack("{s:s}", "path", f->dir),
		    RPC_QUIET, &code, &cause);
		if (r != NULL || code == NULL ||
		    strcmp(code, "not_found") != 0 || *f->dir == '\0')
			break;
		/* Each turn is one level up: the loop ends at the root. */
		app_message(
		    self, TS_ERROR, "'%s' is no longer in the mesh", f->dir);
		parent = fpath_parent(f->dir);
		files_set_dir(f, parent, NULL);
		free(parent);
		free(code);
		free(cause);
		code = cause = NULL;
	}
	if (r == NULL) {
		if (code != NULL && strcmp(code, "unknown_method") == 0)
			files_set_error(f, "the daemon has no file ledger yet "
			                   "('files.ls' is unknown to it)");
		else
			files_set_error(
			    f, cause != NULL ? cause : "no daemon answers");
		goto done;
	}
	if (files_load(f, r, &code) != 0) {
		files_set_error(f, code);
		json_decref(r);
		goto done;
	}
	json_decref(r);
	if (files_stat_path(f) != NULL)
		app_load_stat(self, files_stat_path(f), RPC_QUIET);
done:
	free(code);
	free(cause);
}

/* Enter: into a directory, or the details of a file. */
static void
app_files_open(app_t *self)
{
	const files_entry_t *e = files_selected(&self->files);
	char *path;

	if (e == NULL)
		return;
	path = xstrdup(e->path);
	if (e->dir) {
		files_set_dir(&self->files, path, NULL);
		app_load_files(self);
	} else
		app_load_stat(self, path, 0);
	free(path);
}

/* Backspace: closes the details, or goes up, the directory left
 * selected. */
static void
app_files_up(app_t *self)
{
	files_t *f = &self->files;
	char *parent, *name;

	if (f->stat != NULL) {
		files_set_stat(f, NULL, NULL);
		return;
	}
	if (*f->dir == '\0')
		return;
	parent = fpath_parent(f->dir);
	name = xstrdup(fpath_base(f->dir));
	files_set_dir(f, parent, name);
	app_load_files(self);
	free(parent);
	free(name);
}

/* name in ioe-tui's current directory. Caller frees. */
static char *
app_cwd_path(const char *name)
{
	char *cwd = getcwd(NULL, 0), *p;

	if (cwd == NULL)
		return xstrdup(name);
	p = xasprintf("%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", name);
	free(cwd);
	return p;
}

/* The input line asks for what, about arg, starting from prefill. */
static void
app_ask(app_t *self, enum app_ask what, const char *arg, const char *prefill)
{
	self->ask = what;
	free(self->ask_arg);
	self->ask_arg = arg != NULL ? xstrdup(arg) : NULL;
	input_set(&self->input, prefill);
	self->dirty = true;
}

static void
app_ask_end(app_t *self)
{
	self->ask = ASK_NONE;
	free(self->ask_arg);
	self->ask_arg = NULL;
	input_set(&self->input, "");
}

static bool
app_xfer_busy(app_t *self)
{
	if (!xfer_active(self->xfer))
		return false;
	app_message(self, TS_ERROR,
	    "a transfer is running: wait for it, or Esc in the files view "
	    "cancels it");
	return true;
}

/* d: asks where the selected file goes. */
static void
app_files_download(app_t *self)
{
	const files_entry_t *e = files_selected(&self->files);
	char *local, *name;

	if (app_xfer_busy(self))
		return;
	if (e == NULL || e->dir) {
		app_message(self, TS_ERROR, "%s",
		    e == NULL ? "no file selected"
		              : "a directory: Enter opens it, d downloads a "
		                "file");
		return;
	}
	/* The mesh lets a name hold a tab or a newline (doc/files.md):
	 * the local name offered holds neither. */
	name = xstrdup(e->name);
	for (char *p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	}
	local = app_cwd_path(name);
	app_ask(self, ASK_SAVE_AS, e->path, local);
	free(local);
	free(name);
}

/* u: asks for the local file to upload. */
static void
app_files_upload(app_t *self)
{
	char *cwd;

	if (app_xfer_busy(self))
		return;
	cwd = app_cwd_path("");
	app_ask(self, ASK_UPLOAD_FROM, NULL, cwd);
	free(cwd);
}

/* A transfer ended: what happened, in the status line. */
static void
app_xfer_end(app_t *self)
{
	char *text = xfer_result(self->xfer);

	int style = self->xfer->state == XFER_FAILED ? TS_ERROR : TS_NORMAL;

	app_message(self, style == TS_ERROR ? TS_ERROR : TS_BAR_HI, "%s", text);
	files_set_note(&self->files, style, text);
	free(text);
	if (self->xfer->state == XFER_DONE) {
		self->want_files = true;
		self->next_files_us = self->now_us;
	}
	xfer_destroy(&self->xfer);
}

/* A transfer starts, or says why not. */
static void
app_xfer_start(app_t *self, xfer_t *x, char *cause)
{
	if (x == NULL) {
		app_message(self, TS_ERROR, "%s", cause);
		free(cause);
		return;
	}
	xfer_destroy(&self->xfer);
	self->xfer = x;
	self->dirty = true;
}

/* Enter on the input line while it asks for a path. */
static void
app_ask_submit(app_t *self)
{
	char *line = xstrdup(self->input.buf), *cause = NULL, *mesh;
	enum app_ask what = self->ask;
	char *arg = self->ask_arg != NULL ? xstrdup(self->ask_arg) : NULL;
	struct stat st;

	app_ask_end(self);
	if (text_is_blank(line, strlen(line))) {
		app_message(self, TS_ERROR, "no path given: nothing done");
		goto done;
	}
	switch (what) {
	case ASK_NONE:
		break;
	case ASK_SAVE_AS:
		app_xfer_start(self,
		    xfer_download_new(arg, line, self->now_us, &cause), cause);
		break;
	case ASK_UPLOAD_FROM:
		/* Said now, not after the mesh path is typed. */
		if (stat(line, &st) != 0 || !S_ISREG(st.st_mode)) {
			cause =
			    stat(line, &st) != 0
			        ? xasprintf("cannot open '%s': %s", line,
			              strerror(errno))
			        : xasprintf("'%s' is not a regular file", line);
			app_message(self, TS_ERROR, "%s", cause);
			free(cause);
			app_ask(self, ASK_UPLOAD_FROM, NULL, line);
			break;
		}
		mesh = fpath_join(self->files.dir, fpath_base(line));
		app_ask(self, ASK_UPLOAD_TO, line, mesh);
		free(mesh);
		break;
	case ASK_UPLOAD_TO:
		app_xfer_start(self,
		    xfer_upload_new(
		        arg, line, self->user, self->now_us, &cause),
		    cause);
		break;
	}
done:
	free(arg);
	free(line);
}

/* Keys while the input line asks for a path: it edits the path. */
static bool
app_ask_key(app_t *self, int key)
{
	if (self->ask == ASK_NONE)
		return false;
	switch (key) {
	case TK_ESC:
		app_ask_end(self);
		app_message(self, TS_BAR_HI, "cancelled");
		return true;
	case TK_TAB:
	case TK_BTAB:
		return true;
	}
	if (input_key(&self->input, key) == INPUT_SUBMIT)
		app_ask_submit(self);
	return true;
}

/* Keys while a transfer asks whether to replace its target: y or n
 * (Esc: n); the others wait for the answer. */
static bool
app_xfer_key(app_t *self, int key)
{
	if (self->xfer == NULL || self->xfer->state != XFER_ASK)
		return false;
	if (key == 'y' || key == 'Y')
		xfer_answer(self->xfer, true, self->now_us);
	else if (key == 'n' || key == 'N' || key == TK_ESC)
		xfer_answer(self->xfer, false, self->now_us);
	if (!xfer_active(self->xfer))
		app_xfer_end(self);
	return true;
}

/* Keys of the files view; letters, Enter and Backspace only with an
 * empty input line, so that a command can still be typed there. Returns
 * true if used. */
static bool
app_files_key(app_t *self, int key)
{
	files_t *f = &self->files;
	bool narrow = f->stat != NULL && self->cols < FILES_SPLIT_MIN;

	switch (key) {
	case TK_ESC:
		if (xfer_active(self->xfer)) {
			xfer_cancel(self->xfer);
			app_xfer_end(self);
			return true;
		}
		if (f->stat != NULL) {
			files_set_stat(f, NULL, NULL);
			return true;
		}
		return false;
	case TK_UP:
	case TK_DOWN:
		if (narrow)
			f->stat_top += key == TK_UP ? -1 : 1;
		else
			files_move(f, key == TK_UP ? -1 : 1);
		if (f->stat_top < 0)
			f->stat_top = 0;
		return true;
	}
	if (self->input.len > 0)
		return false;
	switch (key) {
	case TK_HOME:
	case TK_END:
		if (narrow)
			f->stat_top = key == TK_HOME ? 0 : 1 << 20;
		else
			files_move(f, key == TK_HOME ? -(int)f->n : (int)f->n);
		return true;
	case TK_ENTER:
	case TK_RIGHT:
		app_files_open(self);
		return true;
	case TK_BACKSPACE:
	case TK_LEFT:
		app_files_up(self);
		return true;
	case 'd':
		app_files_download(self);
		return true;
	case 'u':
		app_files_upload(self);
		return true;
	}
	return false;
}

/* One step of the transfer when it has work; the end said. */
static void
app_xfer_tick(app_t *self, int64_t now_us)
{
	if (xfer_wait_ms(self->xfer, now_us) == 0) {
		xfer_step(self->xfer, self->call, self->call_arg, now_us);
		self->dirty = true;
	}
	if (!xfer_active(self->xfer))
		app_xfer_end(self);
}

int
app_poll_ms(app_t *self, int64_t now_us)
{
	int w = xfer_wait_ms(self->xfer, now_us);
	int most = tvoice_active(&self->voice) ? APP_VOICE_POLL_MS : APP_POLL_MS;

	return w >= 0 && w < most ? w : most;
}

/* --- voice
 * ---------------------------------------------------------------------- */

enum app_voice_do { VOICE_DO_TALK, VOICE_DO_EMERGENCY, VOICE_DO_LISTEN,
	VOICE_DO_CALL, VOICE_DO_HANGUP };

/* The voice model's notices, into the voice room's buffer (else the
 * current one); errors in the status line too. */
static void
app_voice_notes(app_t *self)
{
	room_t *room = self->voice.room != NULL
	                   ? rooms_find(&self->rooms, self->voice.room)
	                   : NULL;
	char *text;
	bool error;

	while ((text = tvoice_take_note(&self->voice, &error)) != NULL) {
		app_note(self, room, error ? LINE_ERROR : LINE_NOTICE, "%s",
		    text);
		app_message(self, error ? TS_ERROR : TS_BAR_HI, "%s", text);
		free(text);
	}
}

/* Who listens in the voice room (voice.status). */
static void
app_voice_status(app_t *self)
{
	json_t *r;

	self->next_voice_us = self->now_us + VOICE_EVERY_US;
	if ((r = app_rpc(self, "voice.status", NULL, RPC_BG | RPC_QUIET,
	         NULL)) == NULL)
		return;
	tvoice_set_status(&self->voice, r);
	json_decref(r);
}

/* F5..F8, /talk, /emergency, /listen, /call, /hangup in the current
 * room. */
static void
app_voice(app_t *self, enum app_voice_do what)
{
	room_t *room = self->rooms.cur;

	if (what != VOICE_DO_HANGUP && room->kind != ROOM_CHAN) {
		app_message(self, TS_ERROR,
		    "voice is for rooms: go to one (Ctrl-N) or /join one");
		return;
	}
	switch (what) {
	case VOICE_DO_TALK:
	case VOICE_DO_EMERGENCY:
		tvoice_talk_toggle(&self->voice, room->name,
		    what == VOICE_DO_EMERGENCY);
		break;
	case VOICE_DO_LISTEN:
		tvoice_listen_toggle(&self->voice, room->name);
		break;
	case VOICE_DO_CALL:
		tvoice_call_toggle(&self->voice, room->name);
		break;
	case VOICE_DO_HANGUP:
		if (!tvoice_active(&self->voice))
			app_message(self, TS_BAR_HI, "voice is off already");
		tvoice_hangup(&self->voice);
		break;
	}
	if (tvoice_active(&self->voice))
		app_voice_status(self);
	tvoice_tick(&self->voice);
	app_voice_notes(self);
	self->dirty = true;
}

/* The state of the session, the listeners now and then. */
static void
app_voice_tick(app_t *self, int64_t now_us)
{
	if (tvoice_tick(&self->voice))
		self->dirty = true;
	app_voice_notes(self);
	if (tvoice_active(&self->voice) && self->connected &&
	    now_us >= self->next_voice_us)
		app_voice_status(self);
}

/* --- start and reconnect
 * --------------------------------------------------------- */

app_t *
app_new(const struct app_options *opts, app_call_fn call, void *arg)
{
	app_t *self = xcalloc(1, sizeof *self);

	self->call = call;
	self->call_arg = arg;
	self->dir = xstrdup(opts->dir != NULL ? opts->dir : "?");
	self->user_flag = opts->user != NULL && *opts->user != '\0'
	                      ? xstrdup(opts->user)
	                      : NULL;
	self->chat = true;
	self->cols = 80;
	self->rows = 24;
	self->minute = -1;
	rooms_init(&self->rooms);
	files_init(&self->files);
	input_init(&self->input);
	alerts_init(&self->alerts);
	map_init(&self->map);
	tvoice_init(&self->voice, self->dir);
	tui_rows_init(&self->scratch);
	tui_rows_init(&self->scratch2);
	self->dirty = true;
	return self;
}

void
app_destroy(app_t **self_p)
{
	app_t *self;

	assert(self_p);
	if ((self = *self_p) == NULL)
		return;
	free(self->dir);
	free(self->user_flag);
	free(self->node);
	free(self->user);
	free(self->me);
	rooms_free(&self->rooms);
	files_free(&self->files);
	xfer_destroy(&self->xfer);
	free(self->ask_arg);
	input_free(&self->input);
	alerts_free(&self->alerts);
	map_free(&self->map);
	tvoice_free(&self->voice);
	json_decref(self->status);
	json_decref(self->peers);
	free(self->status_error);
	strv_free(&self->users, &self->nusers);
	strv_free(&self->all_rooms, &self->nall_rooms);
	free(self->msg);
	free(self->help_topic);
	tui_rows_free(&self->scratch);
	tui_rows_free(&self->scratch2);
	free(self);
	*self_p = NULL;
}

void
app_start(app_t *self)
{
	room_t *home = self->rooms.r[0];

	/* Once: app_reconnected comes here again while the node is not
	 * known. */
	if (!self->started)
		app_note(self, home, LINE_NOTICE,
		    "ioe-tui %s on '%s': F1 help, F2 map, F3 status, F4 files, "
		    "F5 talk, /quit to leave",
		    PACKAGE_VERSION, self->dir);
	self->started = true;
	app_load_status(self);
	if (self->node == NULL)
		return; /* app_tick tries again */
	app_load_users(self);
	if (self->chat)
		app_choose_user(self);
}

/* The daemon answers again: everything may have changed. */
static void
app_reconnected(app_t *self)
{
	app_message(
	    self, TS_BAR_HI, "the daemon at '%s' answers again", self->dir);
	if (self->node == NULL) {
		app_start(self);
		return;
	}
	app_load_users(self);
	if (self->user == NULL) {
		if (!self->asking_user)
			app_choose_user(self);
		return;
	}
	app_load_rooms(self);
	app_load_alerts(self);
	self->want_files = true;
	for (size_t i = 0; i < self->rooms.n; i++)
		self->rooms.r[i]->loaded = false;
	app_select(self, self->rooms.cur);
}

/* --- events
 * -------------------------------------------------------------------- */

/* A message or direct message for room: its line, counts, read mark. */
static void
app_event_line(app_t *self, room_t *room, json_t *ev, const char *who,
    const char *text, bool direct)
{
	struct line_spec spec = {0};
	bool self_line = app_is_me(self, who), shown;

	spec.id = jstr(ev, "id");
	spec.time_us = json_integer_value(json_object_get(ev, "time_us"));
	spec.lamport = json_integer_value(json_object_get(ev, "lamport"));
	spec.author = jstr(ev, "author");
	spec.seq = json_integer_value(json_object_get(ev, "seq"));
	spec.who = who;
	spec.text = text != NULL ? text : "";
	spec.kind = LINE_MSG;
	spec.self = self_line;
	spec.mention = !self_line && self->user != NULL &&
	               tui_text_mentions(spec.text, self->user, self->node);
	if (!buffer_add(room->buf, &spec))
		return;
	shown = room == self->rooms.cur && self->view == VIEW_CHAT &&
	        room->buf->scroll == 0;
	if (self_line)
		return;
	if (room == self->rooms.cur)
		self->want_read = true;
	if (!shown) {
		room->unread++;
		if (spec.mention || direct)
			room->mentions++;
	}
}

void
app_event(app_t *self, const char *topic, const char *data, size_t len)
{
	json_t *ev, *body;
	const char *kind, *node;
	room_t *room = NULL;
	char *who = NULL;

	if (strcmp(topic, "entry") != 0)
		return;
	ev = json_loadb(data, len, 0, NULL);
	if (!json_is_object(ev)) {
		json_decref(ev);
		return;
	}
	kind = jstr(ev, "kind");
	node = jstr(ev, "name");
	body = json_object_get(ev, "body");
	if (json_is_string(body)) {
		/* Tolerated: a body given as JSON text. */
		json_t *parsed = json_loads(json_string_value(body), 0, NULL);

		json_object_set_new(
		    ev, "body", parsed != NULL ? parsed : json_null());
		body = json_object_get(ev, "body");
	}
	if (kind == NULL)
		goto done;
	self->dirty = true;
	if (jstr(body, "room") != NULL)
		room = rooms_find(&self->rooms, jstr(body, "room"));
	if (jstr(body, "user") != NULL)
		who = app_who(jstr(body, "user"), node);

	if (strcmp(kind, "msg") == 0) {
		if (room != NULL && room->kind == ROOM_CHAN)
			app_event_line(
			    self, room, ev, who, jstr(body, "text"), false);
	} else if (strcmp(kind, "dm") == 0) {
		const char *to = jstr(body, "to");
		char *conv = NULL;

		if (who == NULL || to == NULL)
			goto done;
		if (app_is_me(self, to))
			conv = xasprintf("@%s", who);
		else if (app_is_me(self, who))
			conv = xasprintf("@%s", to);
		if (conv != NULL) {
			room = rooms_add(&self->rooms, conv, ROOM_DM);
			app_event_line(
			    self, room, ev, who, jstr(body, "text"), true);
			free(conv);
		}
	} else if (strcmp(kind, "room.create") == 0) {
		if (jstr(body, "room") != NULL)
			strv_add(&self->all_rooms, &self->nall_rooms,
			    jstr(body, "room"));
		if (room != NULL)
			room_set_topic(room, jstr(body, "topic"));
	} else if (strcmp(kind, "room.topic") == 0) {
		if (room != NULL) {
			room_set_topic(room, jstr(body, "topic"));
			app_note(self, room, LINE_NOTICE,
			    "%s set the topic: %s", who != NULL ? who : "?",
			    jstr(body, "topic") != NULL ? jstr(body, "topic")
			                                : "");
		}
	} else if (strcmp(kind, "room.set") == 0) {
		json_t *record = json_object_get(body, "record");

		/* The room list says which setting wins (the log's order, not
		 * the order events come in). */
		if (room != NULL && json_is_boolean(record)) {
			app_note(self, room, LINE_NOTICE,
			    "%s turned recording %s", who != NULL ? who : "?",
			    json_is_true(record) ? "on" : "off");
			self->want_rooms = true;
		}
	} else if (strcmp(kind, "room.join") == 0 ||
	           strcmp(kind, "room.leave") == 0) {
		bool join = strcmp(kind, "room.join") == 0;

		if (room != NULL && who != NULL) {
			app_note(self, room, LINE_NOTICE, "%s %s %s", who,
			    join ? "joined" : "left", room->name);
			self->want_rooms = true; /* members */
		}
		if (app_is_me(self, who))
			self->want_rooms = true;
	} else if (strcmp(kind, "alert") == 0) {
		const char *level = jstr(body, "level");
		bool critical = level != NULL && strcmp(level, "critical") == 0;
		const char *id = jstr(ev, "id");

		if (room != NULL)
			app_note(self, room,
			    critical ? LINE_ALERT_CRITICAL : LINE_ALERT,
			    "ALERT (%s) from %s: %s [%.8s]%s%s",
			    level != NULL ? level : "urgent",
			    who != NULL ? who : "?",
			    jstr(body, "text") != NULL ? jstr(body, "text")
			                               : "",
			    id != NULL ? id : "?",
			    jstr(body, "to") != NULL ? " to " : "",
			    jstr(body, "to") != NULL ? jstr(body, "to") : "");
		self->want_alerts = true;
	} else if (strcmp(kind, "ack") == 0 ||
	           strcmp(kind, "alert.escalate") == 0) {
		const char *id = jstr(body, "alert");
		bool amb;
		const alert_t *a =
		    id != NULL ? alerts_find(&self->alerts, id, &amb) : NULL;
		room_t *where = a != NULL && a->room != NULL
		                    ? rooms_find(&self->rooms, a->room)
		                    : NULL;

		if (where != NULL && strcmp(kind, "ack") == 0)
			app_note(self, where, LINE_NOTICE,
			    "%s acknowledged the alert [%.8s]",
			    who != NULL ? who : "?", id);
		else if (where != NULL)
			app_note(self, where, LINE_ALERT,
			    "the alert [%.8s] is raised again (round %lld)%s%s",
			    id,
			    (long long)json_integer_value(
			        json_object_get(body, "round")),
			    jstr(body, "role") != NULL ? ", to " : "",
			    jstr(body, "role") != NULL ? jstr(body, "role")
			                               : "");
		self->want_alerts = true;
	} else if (strcmp(kind, "user") == 0)
		self->want_users = true;
	else if (strncmp(kind, "role.", 5) == 0)
		self->want_alerts = true; /* who an alert waits for */
	else if (strncmp(kind, "file.", 5) == 0)
		self->want_files = true; /* the tree, or who holds a file */
done:
	free(who);
	json_decref(ev);
}

/* --- commands
 * -------------------------------------------------------------------- */

/* The user a /msg names: USER@NODE, or a USER unique in the mesh.
 * Caller frees; NULL after saying why. */
static char *
app_resolve_user(app_t *self, const char *arg)
{
	char *found = NULL, *list = xstrdup("");
	size_t n = 0, len = strlen(arg);

	if (strchr(arg, '@') != NULL || self->nusers == 0) {
		free(list);
		return xstrdup(arg);
	}
	for (size_t i = 0; i < self->nusers; i++) {
		if (strncmp(self->users[i], arg, len) == 0 &&
		    self->users[i][len] == '@') {
			char *t = xasprintf(
			    "%s%s%s", list, n > 0 ? ", " : "", self->users[i]);

			free(list);
			list = t;
			free(found);
			found = xstrdup(self->users[i]);
			n++;
		}
	}
	if (n != 1) {
		const char *shown = arg;

		if (n == 0)
			app_message(self, TS_ERROR,
			    "no user '%s' in the mesh (give USER@NODE)", shown);
		else
			app_message(self, TS_ERROR,
			    "several users are named '%s': %s", shown, list);
		free(found);
		found = NULL;
	}
	free(list);
	return found;
}

/* Says text in the current room or conversation. */
static void
app_say(app_t *self, const char *text)
{
	room_t *room = self->rooms.cur;
	json_t *r;

	if (room->kind == ROOM_HOME) {
		app_message(self, TS_ERROR,
		    "this is ioe-tui's own buffer: /join a room first (/rooms "
		    "lists them)");
		return;
	}
	if (self->user == NULL) {
		app_message(self, TS_ERROR, "no user yet");
		return;
	}
	if (room->kind == ROOM_DM)
		r = app_rpc(self, "msg",
		    json_pack("{s:s, s:s, s:s}", "to", room->name + 1, "text",
		        text, "user", self->user),
		    0, NULL);
	else
		r = app_rpc(self, "say",
		    json_pack("{s:s, s:s, s:s}", "room", room->name, "text",
		        text, "user", self->user),
		    0, NULL);
	if (r == NULL)
		return;
	/* Shown at once; the event of the same id adds nothing. */
	if (jstr(r, "id") != NULL) {
		struct line_spec spec = {0};
		json_t *t = json_object_get(r, "time_us");

		spec.id = jstr(r, "id");
		spec.time_us =
		    json_is_integer(t) ? json_integer_value(t) : time_now_us();
		spec.who = self->me;
		spec.text = text;
		spec.self = true;
		buffer_add(room->buf, &spec);
	}
	buffer_scroll_bottom(room->buf);
	json_decref(r);
}

static void
app_cmd_join(app_t *self, const char *name)
{
	char *cause = NULL, *code = NULL;
	json_t *r;
	room_t *room;

	if (name_check(name, "room name", &cause) != 0) {
		app_message(self, TS_ERROR, "%s", cause);
		free(cause);
		return;
	}
	if (self->user == NULL) {
		app_message(self, TS_ERROR, "no user yet");
		return;
	}
	if ((room = rooms_find(&self->rooms, name)) != NULL) {
		/* Joined already: a second join would be a second entry. */
		app_select(self, room);
		self->view = VIEW_CHAT;
		return;
	}
	r = app_rpc(self, "room.join",
	    json_pack("{s:s, s:s}", "room", name, "user", self->user),
	    RPC_QUIET, &code);
	if (r == NULL && code != NULL && strcmp(code, "not_found") == 0) {
		/* IRC's habit: joining a room that does not exist makes it. */
		json_t *c = app_rpc(self, "room.create",
		    json_pack("{s:s, s:s}", "room", name, "user", self->user),
		    0, NULL);

		if (c == NULL)
			goto done;
		json_decref(c);
		app_note(self, self->rooms.r[0], LINE_NOTICE, "room %s created",
		    name);
		free(code);
		code = NULL;
		/* Whoever makes a room is in it (ioed); join if not. */
		app_load_rooms(self);
		if (rooms_find(&self->rooms, name) != NULL)
			r = json_object();
		else
			r = app_rpc(self, "room.join",
			    json_pack(
			        "{s:s, s:s}", "room", name, "user", self->user),
			    RPC_QUIET, &code);
	}
	if (r == NULL) {
		if (code != NULL) {
			/* Ask again, to show the daemon's reason. */
			json_decref(app_rpc(self, "room.join",
			    json_pack(
			        "{s:s, s:s}", "room", name, "user", self->user),
			    0, NULL));
		}
		goto done;
	}
	json_decref(r);
	strv_add(&self->all_rooms, &self->nall_rooms, name);
	room = rooms_add(&self->rooms, name, ROOM_CHAN);
	app_select(self, room);
	self->want_rooms = true;
	app_message(self, TS_BAR_HI, "you joined %s", name);
done:
	free(code);
}

static void
app_cmd_leave(app_t *self, const char *name)
{
	room_t *room =
	    name != NULL ? rooms_find(&self->rooms, name) : self->rooms.cur;
	json_t *r;

	if (room == NULL && name != NULL && name[0] != '@') {
		/* Not in the list: ask the daemon anyway. */
		r = self->user != NULL ? app_rpc(self, "room.leave",
		                             json_pack("{s:s, s:s}", "room",
		                                 name, "user", self->user),
		                             0, NULL)
		                       : NULL;
		json_decref(r);
		return;
	}
	if (room == NULL || room->kind == ROOM_HOME) {
		app_message(self, TS_ERROR, "not in a room: give /leave ROOM");
		return;
	}
	if (room->kind == ROOM_CHAN) {
		r = app_rpc(self, "room.leave",
		    json_pack("{s:s, s:s}", "room", room->name, "user",
		        self->user != NULL ? self->user : ""),
		    0, NULL);
		if (r == NULL)
			return;
		json_decref(r);
		app_message(self, TS_BAR_HI, "you left %s", room->name);
	}
	rooms_remove(&self->rooms, room);
	app_select(self, self->rooms.cur);
}

static void
app_cmd_msg(app_t *self, const char *arg, const char *text)
{
	char *to = app_resolve_user(self, arg), *conv;
	room_t *room;

	if (to == NULL)
		return;
	conv = xasprintf("@%s", to);
	room = rooms_add(&self->rooms, conv, ROOM_DM);
	app_select(self, room);
	if (text != NULL)
		app_say(self, text);
	free(conv);
	free(to);
}

static void
app_cmd_alert(app_t *self, const cmd_t *c)
{
	room_t *room = self->rooms.cur;
	json_t *params, *r;

	if (room->kind != ROOM_CHAN || self->user == NULL) {
		app_message(self, TS_ERROR,
		    "an alert goes to a room: go to one "
		    "first");
		return;
	}
	params = json_pack("{s:s, s:s, s:s}", "room", room->name, "text",
	    c->text, "user", self->user);
	if (c->level != NULL)
		json_object_set_new(params, "level", json_string(c->level));
	if (c->to != NULL)
		json_object_set_new(params, "to", json_string(c->to));
	if (c->deadline_s > 0)
		json_object_set_new(
		    params, "deadline_s", json_integer(c->deadline_s));
	r = app_rpc(self, "alert", params, 0, NULL);
	if (r == NULL)
		return;
	app_message(self, TS_BAR_HI, "alert raised%s%.8s%s",
	    jstr(r, "id") != NULL ? " [" : "",
	    jstr(r, "id") != NULL ? jstr(r, "id") : "",
	    jstr(r, "id") != NULL ? "]" : "");
	json_decref(r);
	self->want_alerts = true;
}

static void
app_cmd_ack(app_t *self, const char *arg)
{
	const alert_t *a = NULL;
	room_t *where;
	char *id;
	json_t *r;
	bool amb = false;

	if (self->user == NULL) {
		app_message(self, TS_ERROR, "no user yet");
		return;
	}
	if (arg == NULL) {
		a = alerts_banner(&self->alerts);
		if (a == NULL) {
			app_message(self, TS_ERROR,
			    "no alert waits for you to acknowledge it");
			return;
		}
	} else
		a = alerts_find(&self->alerts, arg, &amb);
	id = xstrdup(a != NULL ? a->id : arg);
	where = a != NULL && a->room != NULL ? rooms_find(&self->rooms, a->room)
	                                     : NULL;
	r = app_rpc(self, "ack",
	    json_pack("{s:s, s:s}", "id", id, "user", self->user), 0, NULL);
	if (r != NULL) {
		if (where != NULL)
			app_note(self, where, LINE_NOTICE,
			    "you acknowledged the alert [%.8s]", id);
		alerts_drop(&self->alerts, id);
		app_message(self, TS_BAR_HI, "alert [%.8s] acknowledged", id);
		self->want_alerts = true;
		json_decref(r);
	}
	free(id);
}

static void
app_cmd_topic(app_t *self, const char *text)
{
	room_t *room = self->rooms.cur;
	json_t *r;

	if (room->kind != ROOM_CHAN) {
		app_message(self, TS_ERROR, "not in a room");
		return;
	}
	if (text == NULL) {
		app_note(self, room, LINE_NOTICE, "topic of %s: %s", room->name,
		    room->topic != NULL ? room->topic : "(none)");
		return;
	}
	r = app_rpc(self, "room.topic",
	    json_pack("{s:s, s:s, s:s}", "room", room->name, "topic", text,
	        "user", self->user != NULL ? self->user : ""),
	    0, NULL);
	if (r != NULL) {
		room_set_topic(room, text);
		json_decref(r);
	}
}

static void
app_cmd_search(app_t *self, const char *text, const char *in_room)
{
	json_t *params = json_pack("{s:s}", "text", text), *r, *list, *m;
	size_t i;

	if (in_room != NULL)
		json_object_set_new(params, "room", json_string(in_room));
	r = app_rpc(self, "search", params, 0, NULL);
	if (r == NULL)
		return;
	list = json_object_get(r, "messages");
	if (list == NULL)
		list = json_object_get(r, "results");
	app_note(self, NULL, LINE_NOTICE, "search '%s': %zu message%s", text,
	    json_array_size(list), json_array_size(list) == 1 ? "" : "s");
	json_array_foreach(list, i, m)
	{
		char day[16], hm[8],
		    *who = app_who(jstr(m, "user"), jstr(m, "node"));
		int64_t t = json_integer_value(json_object_get(m, "time_us"));

		tui_time_day(t, day);
		tui_time_hm(t, hm);
		app_note(self, NULL, LINE_NOTICE, "  %s %s  %s  %s: %s", day,
		    hm, jstr(m, "room") != NULL ? jstr(m, "room") : "?", who,
		    jstr(m, "text") != NULL ? jstr(m, "text") : "");
		free(who);
	}
	json_decref(r);
	buffer_scroll_bottom(self->rooms.cur->buf);
}

static void
app_cmd_rooms(app_t *self)
{
	json_t *r, *o;
	size_t i;

	if (self->user == NULL) {
		app_message(self, TS_ERROR, "no user yet");
		return;
	}
	r = app_rpc(
	    self, "room.list", json_pack("{s:s}", "user", self->user), 0, NULL);
	if (r == NULL)
		return;
	app_note(self, NULL, LINE_NOTICE,
	    "%zu room%s in the mesh (/join NAME):",
	    json_array_size(json_object_get(r, "rooms")),
	    json_array_size(json_object_get(r, "rooms")) == 1 ? "" : "s");
	json_array_foreach(json_object_get(r, "rooms"), i, o)
	{
		const char *name =
		    jstr(o, "name") != NULL ? jstr(o, "name") : jstr(o, "room");

		json_t *members = json_object_get(o, "members");
		size_t count = json_is_integer(members)
		                   ? (size_t)json_integer_value(members)
		                   : json_array_size(members);

		app_note(self, NULL, LINE_NOTICE, "  %s%s  %zu member%s%s%s",
		    name != NULL ? name : "?",
		    rooms_find(&self->rooms, name != NULL ? name : "") != NULL
		        ? " (joined)"
		        : "",
		    count, count == 1 ? "" : "s",
		    jstr(o, "topic") != NULL && *jstr(o, "topic") != '\0' ? ": "
		                                                          : "",
		    jstr(o, "topic") != NULL ? jstr(o, "topic") : "");
	}
	json_decref(r);
	buffer_scroll_bottom(self->rooms.cur->buf);
}

static void
app_submit(app_t *self)
{
	char *line = input_take(&self->input), *cause = NULL;
	cmd_t c;

	if (self->asking_user) {
		app_submit_user(self, line);
		free(line);
		return;
	}
	if (cmd_parse(line, &c, &cause) != 0) {
		app_message(self, TS_ERROR, "%s", cause);
		free(cause);
		free(line);
		return;
	}
	free(line);
	switch (c.id) {
	case CMD_NONE:
		break;
	case CMD_SAY:
		app_say(self, c.text);
		break;
	case CMD_JOIN:
		app_cmd_join(self, c.arg[0]);
		break;
	case CMD_LEAVE:
		app_cmd_leave(self, c.arg[0]);
		break;
	case CMD_MSG:
		app_cmd_msg(self, c.arg[0], c.text);
		break;
	case CMD_ALERT:
		app_cmd_alert(self, &c);
		break;
	case CMD_ACK:
		app_cmd_ack(self, c.arg[0]);
		break;
	case CMD_TOPIC:
		app_cmd_topic(self, c.text);
		break;
	case CMD_SEARCH:
		app_cmd_search(self, c.text, c.room);
		break;
	case CMD_ROOMS:
		app_cmd_rooms(self);
		break;
	case CMD_MAP:
		self->view = VIEW_CHAT;
		app_set_view(self, VIEW_MAP);
		break;
	case CMD_STATUS:
		self->view = VIEW_CHAT;
		app_set_view(self, VIEW_STATUS);
		break;
	case CMD_FILES:
		if (c.arg[0] != NULL) {
			/* "/files /docs/" as "docs": the root is "". */
			char *p = c.arg[0], *e;

			while (*p == '/')
				p++;
			e = p + strlen(p);
			while (e > p && e[-1] == '/')
				*--e = '\0';
			files_set_dir(&self->files, p, NULL);
		}
		self->view = VIEW_CHAT;
		app_set_view(self, VIEW_FILES);
		break;
	case CMD_HELP:
		free(self->help_topic);
		self->help_topic = c.arg[0] != NULL ? xstrdup(c.arg[0]) : NULL;
		self->view = VIEW_CHAT;
		app_set_view(self, VIEW_HELP);
		break;
	case CMD_TALK:
		app_voice(self, VOICE_DO_TALK);
		break;
	case CMD_EMERGENCY:
		app_voice(self, VOICE_DO_EMERGENCY);
		break;
	case CMD_LISTEN:
		app_voice(self, VOICE_DO_LISTEN);
		break;
	case CMD_CALL:
		app_voice(self, VOICE_DO_CALL);
		break;
	case CMD_HANGUP:
		app_voice(self, VOICE_DO_HANGUP);
		break;
	case CMD_QUIT:
		self->quit = true;
		break;
	}
	cmd_free(&c);
}

/* --- Tab
 * ---------------------------------------------------------------------------
 */

static void
app_complete(app_t *self, bool backward)
{
	size_t start, n = 0, cap;
	char *word, **cand;
	enum cmd_arg what;
	bool at;

	if (self->asking_user)
		return;
	word = input_word(&self->input, &start);
	what = cmd_complete_what(self->input.buf, start);
	cap = cmd_count + self->nusers * 2 + self->nall_rooms + self->rooms.n +
	      self->alerts.n + 4;
	cand = xcalloc(cap + 1, sizeof *cand);
#define ADD(s)                                          \
	do {                                            \
		if (n < cap && !strv_has(cand, n, (s))) \
			cand[n++] = xstrdup(s);         \
	} while (0)
	switch (what) {
	case ARG_COMMAND:
	case ARG_TOPIC: {
		const char *w = word[0] == '/' ? word + 1 : word;

		for (size_t i = 0; i < cmd_count; i++) {
			if (strncmp(cmd_table[i].name, w, strlen(w)) == 0) {
				char *s = xasprintf("%s%s",
				    what == ARG_COMMAND ? "/" : "",
				    cmd_table[i].name);

				ADD(s);
				free(s);
			}
		}
		break;
	}
	case ARG_ROOM:
		for (size_t i = 0; i < self->nall_rooms; i++)
			if (strncmp(self->all_rooms[i], word, strlen(word)) ==
			    0)
				ADD(self->all_rooms[i]);
		/* and the joined ones too */
		/* FALLTHROUGH */
	case ARG_JOINED:
		for (size_t i = 0; i < self->rooms.n; i++) {
			room_t *r = self->rooms.r[i];

			if (r->kind != ROOM_HOME &&
			    strncmp(r->name, word, strlen(word)) == 0)
				ADD(r->name);
		}
		break;
	case ARG_USER:
		for (size_t i = 0; i < self->nusers; i++)
			if (strncmp(self->users[i], word, strlen(word)) == 0)
				ADD(self->users[i]);
		break;
	case ARG_MENTION:
		at = word[0] == '@';
		for (size_t i = 0; i < self->nusers; i++) {
			const char *w = at ? word + 1 : word;
			char *name = xstrdup(self->users[i]), *s;

			if (*w == '\0' && !at) {
				free(name);
				continue;
			}
			if (strchr(name, '@') != NULL)
				*strchr(name, '@') = '\0';
			if (strncmp(name, w, strlen(w)) == 0) {
				s = xasprintf("@%s", name);
				ADD(s);
				free(s);
			}
			if (strncmp(self->users[i], w, strlen(w)) == 0 &&
			    strchr(w, '@') != NULL) {
				s = xasprintf("@%s", self->users[i]);
				ADD(s);
				free(s);
			}
			free(name);
		}
		break;
	case ARG_ALERT:
		for (size_t i = 0; i < self->alerts.n; i++) {
			char id[9];

			snprintf(id, sizeof id, "%.8s", self->alerts.a[i].id);
			if (strncmp(id, word, strlen(word)) == 0)
				ADD(id);
		}
		break;
	case ARG_LEVEL:
		if (strncmp("urgent", word, strlen(word)) == 0)
			ADD("urgent");
		if (strncmp("critical", word, strlen(word)) == 0)
			ADD("critical");
		break;
	case ARG_DIR:
		for (size_t i = 0; i < self->files.n; i++) {
			const files_entry_t *e = &self->files.e[i];

			if (e->dir && strncmp(e->path, word, strlen(word)) == 0)
				ADD(e->path);
		}
		break;
	case ARG_NONE:
		break;
	}
#undef ADD
	if (!self->input.completing) {
		qsort(cand, n, sizeof *cand, str_cmp);
		if (n == 0) {
			const char *shown = word;

			app_message(self, TS_DIM,
			    "nothing to complete for '%s'", shown);
		} else if (n > 1) {
			char *list = xstrdup("");

			for (size_t i = 0; i < n; i++) {
				char *t = xasprintf(
				    "%s%s%s", list, i > 0 ? " " : "", cand[i]);

				free(list);
				list = t;
			}
			app_message(self, TS_DIM, "%s", list);
			free(list);
		}
	}
	input_complete(&self->input, cand, n, backward);
	free(word);
}

/* --- keys
 * -------------------------------------------------------------------------- */

struct app_geom {
	bool tiny;  /* too small to draw */
	int banner; /* rows of the alert banner */
	int voice;  /* the voice row of the room */
	int body_y; /* first row of the body */
	int body_h; /* rows of the body */
	int side_w; /* room list width (0: hidden) */
	int msg_x;  /* first column of the messages */
	int msg_w;  /* their width */
};

static void
app_geom(const app_t *self, struct app_geom *g)
{
	memset(g, 0, sizeof *g);
	g->tiny = self->cols < 20 || self->rows < 5;
	g->banner = alerts_banner(&self->alerts) != NULL && self->rows >= 8;
	g->voice = self->view == VIEW_CHAT && self->rows >= 8 &&
	           self->voice.room != NULL &&
	           strcmp(self->voice.room, self->rooms.cur->name) == 0;
	g->body_y = 1 + g->banner + g->voice;
	g->body_h = self->rows - 3 - g->banner - g->voice;
	if (self->cols >= 60) {
		int w = 0;

		for (size_t i = 0; i < self->rooms.n; i++) {
			int lw = tui_text_width(self->rooms.r[i]->label,
			    strlen(self->rooms.r[i]->label));

			if (lw > w)
				w = lw;
		}
		w += 3 + 6; /* the number; the counts */
		if (w < 14)
			w = 14;
		if (w > self->cols / 4)
			w = self->cols / 4;
		g->side_w = w;
		g->msg_x = w + 1;
	}
	g->msg_w = self->cols - g->msg_x;
}

static void
app_page(app_t *self, int dir)
{
	struct app_geom g;
	int step;

	app_geom(self, &g);
	step = g.body_h > 3 ? g.body_h - 2 : 1;
	if (self->view == VIEW_FILES &&
	    (self->files.stat == NULL || self->cols >= FILES_SPLIT_MIN)) {
		/* dir > 0 is up: the selection moves by a page */
		files_move(&self->files,
		    -dir * files_page(g.body_h - (self->xfer != NULL)));
		return;
	}
	if (self->view == VIEW_FILES) {
		self->files.stat_top -= dir * step;
		if (self->files.stat_top < 0)
			self->files.stat_top = 0;
		return;
	}
	if (self->view != VIEW_CHAT) {
		/* dir > 0 is up, towards the top of the page */
		self->page_top -= dir * step;
		if (self->page_top < 0)
			self->page_top = 0;
		return;
	}
	if (dir > 0) {
		buffer_t *b = self->rooms.cur->buf;

		if (b->at_top && !b->complete && self->rooms.cur->loaded) {
			app_load_history(self, self->rooms.cur, true);
			b = self->rooms.cur->buf;
		}
		buffer_scroll(b, step);
	} else
		buffer_scroll(self->rooms.cur->buf, -step);
}

/* The current room is on screen down to its end: what came is seen. */
static void
app_seen(app_t *self)
{
	room_t *room = self->rooms.cur;

	if (self->view == VIEW_CHAT && room->buf->scroll == 0 &&
	    (room->unread > 0 || room->mentions > 0)) {
		room->unread = 0;
		room->mentions = 0;
		if (room->kind != ROOM_HOME)
			self->want_read = true;
	}
}

static void app_key_1(app_t *self, int key);

void
app_key(app_t *self, int key)
{
	app_key_1(self, key);
	app_seen(self);
}

static void
app_key_1(app_t *self, int key)
{
	self->dirty = true;
	if (self->msg != NULL && self->msg_style == TS_DIM) {
		free(self->msg); /* completion lists go with the next key */
		self->msg = NULL;
	}
	switch (key) {
	case TK_F1:
		app_set_view(self, VIEW_HELP);
		return;
	case TK_F2:
		app_set_view(self, VIEW_MAP);
		return;
	case TK_F3:
		app_set_view(self, VIEW_STATUS);
		return;
	case TK_F4:
		app_set_view(self, VIEW_FILES);
		return;
	case TK_F5:
		app_voice(self, VOICE_DO_TALK);
		return;
	case TK_F6:
		app_voice(self, VOICE_DO_EMERGENCY);
		return;
	case TK_F7:
		app_voice(self, VOICE_DO_LISTEN);
		return;
	case TK_F8:
		app_voice(self, VOICE_DO_CALL);
		return;
	case TK_CTRL('l'):
		self->redraw_all = true;
		return;
	case TK_CTRL('c'):
		self->quit = true;
		return;
	case TK_RESIZE:
		return;
	case TK_PGUP:
		app_page(self, 1);
		return;
	case TK_PGDN:
		app_page(self, -1);
		return;
	}
	if (app_xfer_key(self, key) || app_ask_key(self, key))
		return;
	if (self->view == VIEW_FILES && app_files_key(self, key))
		return;
	if (self->view != VIEW_CHAT) {
		switch (key) {
		case TK_ESC:
			app_set_view(self, self->view);
			return;
		case 'q':
			if (self->input.len == 0) {
				app_set_view(self, self->view);
				return;
			}
			break;
		case TK_UP:
			if (self->page_top > 0)
				self->page_top--;
			return;
		case TK_DOWN:
			self->page_top++;
			return;
		case TK_HOME:
			if (self->input.len == 0) {
				self->page_top = 0;
				return;
			}
			break;
		}
	}
	switch (key) {
	case TK_CTRL('n'):
	case TK_ALT | TK_RIGHT:
		app_select(self, rooms_step(&self->rooms, 1));
		return;
	case TK_CTRL('p'):
	case TK_ALT | TK_LEFT:
		app_select(self, rooms_step(&self->rooms, -1));
		return;
	case TK_ALT | 'a': {
		room_t *r = rooms_next_active(&self->rooms);

		if (r != NULL)
			app_select(self, r);
		return;
	}
	case TK_TAB:
		app_complete(self, false);
		return;
	case TK_BTAB:
		app_complete(self, true);
		return;
	case TK_ESC:
		input_complete_end(&self->input);
		return;
	}
	if (key >= (TK_ALT | '0') && key <= (TK_ALT | '9')) {
		size_t i =
		    key == (TK_ALT | '0') ? 9 : (size_t)(key - (TK_ALT | '1'));

		if (i < self->rooms.n) {
			self->view = VIEW_CHAT;
			app_select(self, self->rooms.r[i]);
		}
		return;
	}
	if (input_key(&self->input, key) == INPUT_SUBMIT)
		app_submit(self);
}

/* --- time
 * ----------------------------------------------------------------------------
 */

void
app_tick(app_t *self, int64_t now_us)
{
	long minute = (long)(time_now_us() / (60 * SEC));

	self->now_us = now_us;
	if (!self->started)
		return;
	if (minute != self->minute) {
		self->minute = minute;
		self->dirty = true;
	}
	if (self->msg != NULL && now_us >= self->msg_until_us &&
	    self->connected) {
		free(self->msg);
		self->msg = NULL;
		self->dirty = true;
	}
	if (self->xfer != NULL)
		app_xfer_tick(self, now_us);
	app_voice_tick(self, now_us);
	if (!self->connected) {
		if (now_us < self->next_retry_us)
			return;
		self->next_retry_us = now_us + RETRY_EVERY_US;
		app_load_status(self);
		if (self->connected)
			app_reconnected(self);
		return;
	}
	if (now_us >= self->next_status_us)
		app_load_status(self);
	if (self->view == VIEW_MAP && now_us >= self->next_map_us)
		app_load_map(self);
	if (self->view == VIEW_STATUS && now_us >= self->next_peers_us)
		app_load_peers(self);
	if (self->want_users)
		app_load_users(self);
	if (self->want_rooms)
		app_load_rooms(self);
	if (self->want_alerts)
		app_load_alerts(self);
	if (self->want_files && now_us >= self->next_files_us) {
		if (self->view == VIEW_FILES)
			app_load_files(self);
		else
			self->want_files = false; /* F4 lists anyway */
	}
	if (self->want_read && now_us >= self->next_read_us &&
	    self->view == VIEW_CHAT)
		app_mark_read(self);
}

void
app_resize(app_t *self, int cols, int rows)
{
	self->cols = cols;
	self->rows = rows;
	self->dirty = true;
}

/* --- the screen
 * --------------------------------------------------------------------- */

static void
app_title(app_t *self, tui_row_t *row)
{
	room_t *room = self->rooms.cur;
	int w = self->cols;

	tui_row_puts(row, TS_BAR, " ", w);
	switch (self->view) {
	case VIEW_MAP:
		tui_row_puts(row, TS_BAR, "map of the mesh, live (Esc: back)",
		    w - row->width);
		break;
	case VIEW_STATUS:
		tui_row_printf(row, TS_BAR, w - row->width,
		    "status of node %s, live (Esc: back)",
		    self->node != NULL ? self->node : "?");
		break;
	case VIEW_HELP:
		tui_row_puts(row, TS_BAR,
		    "help (PgUp, PgDn, Up, Down to scroll; Esc: back)",
		    w - row->width);
		break;
	case VIEW_FILES:
		tui_row_printf(row, TS_BAR, w - row->width,
		    "files of the mesh on %s (Enter: open, Backspace: up, d: "
		    "download, u: upload, Esc: back)",
		    self->node != NULL ? self->node : "?");
		break;
	case VIEW_CHAT:
		if (room->kind == ROOM_HOME)
			tui_row_printf(row, TS_BAR, w - row->width,
			    "ioe-tui on %s",
			    self->node != NULL ? self->node : "?");
		else if (room->kind == ROOM_DM)
			tui_row_printf(row, TS_BAR, w - row->width,
			    "conversation with %s", room->name + 1);
		else {
			tui_row_puts(
			    row, TS_BAR_HI, room->label, w - row->width);
			if (room->recording)
				tui_row_puts(
				    row, TS_BAR_HI, " [rec]", w - row->width);
			if (room->topic != NULL)
				tui_row_printf(row, TS_BAR, w - row->width,
				    ": %s", room->topic);
		}
		break;
	}
	tui_row_pad(row, TS_BAR, w);
}

static void
app_statusbar(app_t *self, tui_row_t *row)
{
	int w = self->cols;
	char hm[8];
	room_t *room = self->rooms.cur;
	json_t *peers = json_object_get(self->status, "peers");
	tui_row_t act;

	tui_time_hm(time_now_us(), hm);
	tui_row_printf(row, TS_BAR, w, "[%s] ", hm);
	if (self->me != NULL)
		tui_row_printf(row, TS_BAR, w - row->width, "[%s] ", self->me);
	else if (self->node != NULL)
		tui_row_printf(
		    row, TS_BAR, w - row->width, "[%s] ", self->node);
	tui_row_printf(row, TS_BAR, w - row->width, "[%zu:%s] ",
	    rooms_index(&self->rooms, room) + 1, app_room_name(room));
	if (!self->connected)
		tui_row_puts(row, TS_ERROR, "[no daemon] ", w - row->width);
	if (self->xfer != NULL) {
		char x[32];

		xfer_short(self->xfer, x);
		tui_row_printf(row, TS_BAR_HI, w - row->width, "[%s] ", x);
	} else if (json_is_integer(peers))
		tui_row_printf(row, TS_BAR, w - row->width, "[peers %lld] ",
		    (long long)json_integer_value(peers));
	if (tvoice_active(&self->voice)) {
		char v[VOICE_NAME_MAX + 32];

		tvoice_short(&self->voice, v, sizeof v);
		tui_row_printf(row, TS_BAR_HI, w - row->width, "%s ", v);
	}
	if (alerts_mine(&self->alerts) > 0)
		tui_row_printf(row, TS_ALERT_URGENT, w - row->width,
		    "[alerts %zu]", alerts_mine(&self->alerts));
	if (alerts_mine(&self->alerts) > 0)
		tui_row_puts(row, TS_BAR, " ", w - row->width);
	tui_row_init(&act);
	rooms_activity(&self->rooms, &act, w);
	if (act.width > 0) {
		tui_row_puts(row, TS_BAR, "[act: ", w - row->width);
		tui_row_append(row, &act, w - row->width);
		tui_row_puts(row, TS_BAR, "] ", w - row->width);
	}
	tui_row_free(&act);
	if (self->view == VIEW_CHAT && room->buf->scroll > 0)
		tui_row_printf(row, TS_BAR_HI, w - row->width,
		    "-- more below%s -- ",
		    room->buf->unseen > 0 ? " (new)" : "");
	/* The message last: it may be long; what it says is plain. */
	if (self->msg != NULL)
		tui_row_printf(row,
		    self->msg_style == TS_DIM ? TS_BAR : self->msg_style,
		    w - row->width, "%s", self->msg);
	tui_row_pad(row, TS_BAR, w);
}

static void
app_inputline(app_t *self, tui_row_t *row, int *cursor_x)
{
	room_t *room = self->rooms.cur;
	size_t from, to;
	int col, pw;
	char *text;

	/* The question asked last first: the files view's come on top
	 * of the user's name, which is asked again after them. */
	if (self->xfer != NULL && self->xfer->state == XFER_ASK)
		tui_row_printf(row, TS_ALERT_URGENT, self->cols - 1, "%s ",
		    self->xfer->question);
	else if (self->ask == ASK_SAVE_AS)
		tui_row_printf(row, TS_PROMPT, self->cols / 2,
		    "save '%s' as: ", fpath_base(self->ask_arg));
	else if (self->ask == ASK_UPLOAD_FROM)
		tui_row_puts(
		    row, TS_PROMPT, "upload the local file: ", self->cols / 2);
	else if (self->ask == ASK_UPLOAD_TO)
		tui_row_printf(row, TS_PROMPT, self->cols / 2,
		    "upload '%s' to the mesh path: ",
		    fpath_base(self->ask_arg));
	else if (self->asking_user)
		tui_row_puts(row, TS_PROMPT, "your name: ", self->cols);
	else
		tui_row_printf(row, TS_PROMPT, self->cols / 2, "[%s] ",
		    app_room_name(room));
	pw = row->width;
	input_view(&self->input, self->cols - pw, &from, &to, &col);
	/* What was typed is safe already; made safe again all the same. */
	text = tui_text_safe(self->input.buf + from, to - from, false);
	tui_row_puts(row, TS_NORMAL, text, self->cols - pw);
	free(text);
	*cursor_x = pw + col < self->cols ? pw + col : self->cols - 1;
}

/* rows [top, top + h) of src into out, padded to w */
static void
app_page_rows(tui_rows_t *out, const tui_rows_t *src, int *top, int h, int w)
{
	if (*top > src->n - h)
		*top = src->n - h;
	if (*top < 0)
		*top = 0;
	for (int y = 0; y < h; y++) {
		tui_row_t *row = tui_rows_add(out);

		if (*top + y < src->n)
			tui_row_append(row, &src->row[*top + y], w);
	}
}

void
app_screen(app_t *self, tui_rows_t *out, int *cursor_y, int *cursor_x)
{
	struct app_geom g;
	tui_row_t *row;

	tui_rows_clear(out);
	app_geom(self, &g);
	*cursor_y = 0;
	*cursor_x = 0;
	if (g.tiny) {
		*cursor_y = self->rows > 0 ? self->rows - 1 : 0;
		for (int y = 0; y < self->rows; y++) {
			row = tui_rows_add(out);
			if (y == 0)
				tui_row_puts(
				    row, TS_ERROR, "too small", self->cols);
		}
		return;
	}
	app_title(self, tui_rows_add(out));
	if (g.banner) {
		row = tui_rows_add(out);
		alerts_banner_row(&self->alerts, self->cols, row);
	}
	if (g.voice)
		tvoice_row(&self->voice, self->cols, tui_rows_add(out));
	switch (self->view) {
	case VIEW_CHAT: {
		const char *sep = tui_text_is_ascii() ? "|" : "\xe2\x94\x82";

		buffer_layout(
		    self->rooms.cur->buf, g.msg_w, g.body_h, &self->scratch);
		if (g.side_w > 0)
			rooms_sidebar(
			    &self->rooms, g.side_w, g.body_h, &self->scratch2);
		for (int y = 0; y < g.body_h; y++) {
			row = tui_rows_add(out);
			if (g.side_w > 0) {
				tui_row_append(
				    row, &self->scratch2.row[y], g.side_w);
				tui_row_pad(row, TS_NORMAL, g.side_w);
				tui_row_puts(row, TS_DIM, sep, -1);
			}
			if (y < self->scratch.n)
				tui_row_append(
				    row, &self->scratch.row[y], g.msg_w);
		}
		break;
	}
	case VIEW_MAP:
		map_render(&self->map, self->cols, g.body_h, &self->scratch);
		self->page_top = 0;
		app_page_rows(
		    out, &self->scratch, &self->page_top, g.body_h, self->cols);
		break;
	case VIEW_STATUS: {
		struct status_info info = {self->status, self->peers, self->me,
		    self->dir, self->rooms.n - 1, alerts_mine(&self->alerts),
		    self->chat, self->status_error};

		status_rows(&info, self->cols, &self->scratch);
		app_page_rows(
		    out, &self->scratch, &self->page_top, g.body_h, self->cols);
		break;
	}
	case VIEW_HELP:
		cmd_help_rows(&self->scratch, self->cols, self->help_topic);
		app_page_rows(
		    out, &self->scratch, &self->page_top, g.body_h, self->cols);
		break;
	case VIEW_FILES: {
		int h = g.body_h - (self->xfer != NULL);

		files_render(&self->files, self->cols, h, &self->scratch);
		for (int y = 0; y < h; y++)
			tui_row_append(tui_rows_add(out), &self->scratch.row[y],
			    self->cols);
		if (self->xfer != NULL)
			xfer_progress_row(self->xfer, self->now_us, self->cols,
			    tui_rows_add(out));
		break;
	}
	}
	app_statusbar(self, tui_rows_add(out));
	*cursor_y = out->n;
	app_inputline(self, tui_rows_add(out), cursor_x);
}

/* --- self-test: a fake daemon
 * --------------------------------------------------------- */

static json_t *
test_map_json(void)
{
	return json_loads(
	    "{\"self\":\"aa\",\"nodes\":["
	    "{\"key\":\"aa\",\"name\":\"alpha\",\"self\":true,"
	    "\"links\":[{\"key\":\"bb\",\"rtt_ms\":1,\"loss\":0}]},"
	    "{\"key\":\"bb\",\"name\":\"bravo\",\"links\":[]}]}",
	    0, NULL);
}

struct fake {
	json_t *users;    /* ["alice@alpha", ...] */
	json_t *rooms;    /* {"ops": {"topic", "members": [..]}} */
	json_t *messages; /* [{id, room, user, node, time_us, text}] */
	json_t *alerts;   /* {"alerts": [...]} */
	json_t *calls;    /* [method, ...] */
	json_t *last;     /* params of the last call */
	bool no_chat;
	bool down;
	int next_id;
	test_ledger_t *ledger; /* the files.* methods, or none */
};

static json_t *
fake_fail(char **code, char **cause, const char *c, const char *why)
{
	*code = xstrdup(c);
	*cause = xstrdup(why);
	return NULL;
}

static int
fake_call(void *arg, const char *method, json_t *params, const void *data,
    size_t len, void **data_out, size_t *len_out, int timeout_ms,
    json_t **result, char **code, char **cause)
{
	struct fake *f = arg;
	json_t *r = NULL;
	const char *room = jstr(params, "room"), *user = jstr(params, "user");
	char id[65];

	if (f->ledger != NULL && strncmp(method, "files.", 6) == 0) {
		json_array_append_new(f->calls, json_string(method));
		return test_ledger_call(f->ledger, method, params, data, len,
		    data_out, len_out, timeout_ms, result, code, cause);
	}
	(void)timeout_ms;
	(void)data;
	(void)len;
	*result = NULL;
	if (data_out != NULL)
		*data_out = NULL;
	json_array_append_new(f->calls, json_string(method));
	json_decref(f->last);
	f->last = params != NULL ? params : json_object();
	if (f->down) {
		*cause = xstrdup("no daemon answers at 'test'");
		return APP_CALL_NO_DAEMON;
	}
	snprintf(id, sizeof id, "%064d", ++f->next_id);
	if (strcmp(method, "status") == 0)
		r = json_pack("{s:s, s:i, s:s}", "name", "alpha", "peers", 2,
		    "version", "0.1.0");
	else if (strcmp(method, "map") == 0)
		r = test_map_json();
	else if (strcmp(method, "peers") == 0)
		r = json_pack("{s:[]}", "peers");
	else if (f->no_chat)
		r = fake_fail(code, cause, "unknown_method", "unknown method");
	else if (strcmp(method, "user.list") == 0)
		r = json_pack("{s:O}", "users", f->users);
	else if (strcmp(method, "user.add") == 0) {
		char *who = xasprintf("%s@alpha", jstr(params, "name"));

		json_array_append_new(f->users, json_string(who));
		free(who);
		r = json_object();
	} else if (strcmp(method, "room.list") == 0) {
		/* As ioed: members is a count, joined says if the user is. */
		const char *name;
		json_t *o, *list = json_array(), *m;
		char *who = xasprintf("%s@alpha", user);

		json_object_foreach(f->rooms, name, o)
		{
			bool in = false;
			size_t i;

			json_array_foreach(json_object_get(o, "members"), i, m)
			    in |= strcmp(json_string_value(m), who) == 0;
			json_array_append_new(list,
			    json_pack("{s:s, s:O, s:i, s:i, s:i, s:b}", "room",
			        name, "topic", json_object_get(o, "topic"),
			        "members",
			        (int)json_array_size(
			            json_object_get(o, "members")),
			        "unread", 0, "mentions", 0, "joined", in));
		}
		free(who);
		r = json_pack("{s:o}", "rooms", list);
	} else if (strcmp(method, "room.create") == 0) {
		/* As ioed: whoever makes a room is in it. */
		char *who = xasprintf("%s@alpha", user);

		json_object_set_new(f->rooms, room,
		    json_pack("{s:s, s:[s]}", "topic", "", "members", who));
		free(who);
		r = json_object();
	} else if (strcmp(method, "room.join") == 0) {
		json_t *o = json_object_get(f->rooms, room);
		char *who = xasprintf("%s@alpha", user);

		if (o == NULL)
			r = fake_fail(code, cause, "not_found", "unknown room");
		else {
			json_array_append_new(
			    json_object_get(o, "members"), json_string(who));
			r = json_object();
		}
		free(who);
	} else if (strcmp(method, "say") == 0) {
		if (json_object_get(f->rooms, room) == NULL)
			r = fake_fail(
			    code, cause, "not_found", "unknown room 'x'");
		else {
			json_array_append_new(f->messages,
			    json_pack("{s:s, s:s, s:s, s:s, s:I, s:O}", "id",
			        id, "room", room, "user", user, "node", "alpha",
			        "time_us", (json_int_t)time_now_us(), "text",
			        json_object_get(params, "text")));
			r = json_pack("{s:s, s:I}", "id", id, "time_us",
			    (json_int_t)time_now_us());
		}
	} else if (strcmp(method, "history") == 0) {
		/* The last 'limit' messages up to 'until', in order. */
		json_t *list = json_array(), *m;
		json_int_t until =
		    json_is_integer(json_object_get(params, "until"))
		        ? json_integer_value(json_object_get(params, "until"))
		        : INT64_MAX;
		json_int_t limit =
		    json_integer_value(json_object_get(params, "limit"));
		size_t i;

		json_array_foreach(f->messages, i, m)
		{
			if (strcmp(jstr(m, "room"), room) == 0 &&
			    json_integer_value(json_object_get(m, "time_us")) <=
			        until)
				json_array_append(list, m);
		}
		while (limit > 0 && (json_int_t)json_array_size(list) > limit)
			json_array_remove(list, 0);
		r = json_pack("{s:o}", "messages", list);
	} else if (strcmp(method, "alerts") == 0)
		r = json_incref(f->alerts);
	else if (strcmp(method, "ack") == 0) {
		json_decref(f->alerts);
		f->alerts = json_pack("{s:[]}", "alerts");
		r = json_object();
	} else if (strcmp(method, "alert") == 0 || strcmp(method, "msg") == 0 ||
	           strcmp(method, "room.topic") == 0 ||
	           strcmp(method, "room.leave") == 0)
		r = json_pack("{s:s}", "id", id);
	else if (strcmp(method, "search") == 0)
		r = json_pack("{s:O}", "messages", f->messages);
	else if (strcmp(method, "voice.status") == 0)
		r = json_pack("{s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}]}]}",
		    "rooms", "room", "ops", "listeners", "user", "alice",
		    "node", "alpha", "user", "bob", "node", "bravo");
	else
		r = fake_fail(code, cause, "unknown_method", "unknown method");
	if (r == NULL)
		return APP_CALL_FAILED;
	*result = r;
	return APP_CALL_OK;
}

static bool
screen_has(app_t *a, const char *needle)
{
	tui_rows_t rows;
	int cy, cx;
	bool found;

	tui_rows_init(&rows);
	app_screen(a, &rows, &cy, &cx);
	assert(rows.n == a->rows);
	for (int i = 0; i < rows.n; i++) {
		assert(rows.row[i].width <= a->cols);
		assert(rows.row[i].text == NULL ||
		       strchr(rows.row[i].text, '\x1b') == NULL);
	}
	assert(cy == a->rows - 1 && cx < a->cols);
	found = tui_rows_find(&rows, needle);
	tui_rows_free(&rows);
	return found;
}

static void
type_line(app_t *a, const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		app_key(a, (unsigned char)*p);
	app_key(a, TK_ENTER);
}

static bool
called(struct fake *f, const char *method)
{
	json_t *m;
	size_t i;

	json_array_foreach(f->calls, i, m)
	{
		if (strcmp(json_string_value(m), method) == 0)
			return true;
	}
	return false;
}

static void
event(app_t *a, const char *kind, const char *node, json_t *body)
{
	static int n;
	char id[65];
	json_t *ev;
	char *text;

	snprintf(id, sizeof id, "e%063d", ++n);
	ev = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "id", id,
	    "author", "ffff", "name", node, "kind", kind, "seq", (json_int_t)n,
	    "lamport", (json_int_t)(1000 + n), "time_us",
	    (json_int_t)time_now_us(), "body", body);
	text = json_dumps(ev, JSON_COMPACT);
	app_event(a, "entry", text, strlen(text));
	free(text);
	json_decref(ev);
}

/* Ticks until the transfer ends (bounded). */
static void
test_xfer_run(app_t *a, int64_t *now)
{
	for (int i = 0; i < 100 && a->xfer != NULL; i++) {
		*now += SEC / 10;
		app_tick(a, *now);
	}
	assert(a->xfer == NULL);
}

/* The files view on a fake ledger: F4, the tree, into a directory, a
 * file's details, back up; a download and an upload through the input
 * line, with their questions and refusals; file.* events list again. */
static bool
test_voice_talking(app_t *a)
{
	return a->voice.st.frames_sent >= 3;
}

/* Voice against voice-client's fake daemon (a tone for the
 * microphone): F5 talks with a meter, the listeners, busy, /hangup. */
static void
test_voice(struct fake *f, struct app_options *opts)
{
	char dir[] = "/tmp/ioe-tui-app-voice-XXXXXX", *ep, *sock;
	int64_t now = 300 * SEC;
	zactor_t *fake;
	app_t *a;
	int i;

	assert(mkdtemp(dir) != NULL);
	ep = xasprintf("ipc://%s/voice", dir);
	sock = xasprintf("%s/voice", dir);
	fake = zactor_new(voice_client_fake_daemon, ep);
	opts->dir = dir;
	opts->user = "alice";
	a = app_new(opts, fake_call, f);
	a->voice.test_tone_ms = 3000;
	app_resize(a, 120, 30);
	app_start(a);
	app_tick(a, now);
	/* Not in the home buffer. */
	app_select(a, a->rooms.r[0]);
	app_key(a, TK_F5);
	assert(!tvoice_active(&a->voice));
	assert(screen_has(a, "voice is for rooms"));

	app_select(a, rooms_find(&a->rooms, "ops"));
	app_key(a, TK_F5);
	assert(tvoice_active(&a->voice) && a->voice.talking);
	assert(called(f, "voice.status"));
	assert(app_poll_ms(a, now) <= APP_VOICE_POLL_MS);
	for (i = 0; i < 300 && !test_voice_talking(a); i++) {
		zclock_sleep(10);
		app_tick(a, now);
	}
	assert(test_voice_talking(a));
	assert(screen_has(a, "voice ops: floor: "));
	assert(screen_has(a, "TALKING [######----] -21 dBFS"));
	assert(screen_has(a, "| listening: alice@alpha, bob@bravo"));
	assert(screen_has(a, "[voice ops: TALKING]"));
	/* F5 again stops; listening goes on. */
	app_key(a, TK_F5);
	assert(!a->voice.talking && !screen_has(a, "TALKING"));
	assert(screen_has(a, "[voice ops]"));

	/* Refused: BUSY with the holder, and a notice in the room. */
	type_line(a, "/join busy");
	assert(a->rooms.cur == rooms_find(&a->rooms, "busy"));
	type_line(a, "/talk");
	assert(screen_has(a, "BUSY: carol@c holds the floor"));
	assert(screen_has(a, "voice: busy: carol@c holds the floor in 'busy'"));
	/* Another room: the voice row is the voice room's only. */
	app_select(a, rooms_find(&a->rooms, "ops"));
	assert(!screen_has(a, "voice busy:") && screen_has(a, "[voice busy]"));
	type_line(a, "/hangup");
	assert(!tvoice_active(&a->voice) && !screen_has(a, "[voice"));

	/* A call: mode call, F5 mutes. */
	type_line(a, "/call");
	assert(a->voice.call && a->voice.talking);
	assert(screen_has(a, "voice ops: CALL"));
	app_key(a, TK_F5);
	assert(screen_has(a, "muted"));
	app_key(a, TK_F8);
	assert(!tvoice_active(&a->voice));

	app_destroy(&a);
	zactor_destroy(&fake);
	unlink(sock);
	rmdir(dir);
	free(sock);
	free(ep);
}

static void
test_files(struct fake *f, struct app_options *opts)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/ioe-tui-files-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	char *dir = mkdtemp(tmpl), *dst, *part, *src, *got, *line;
	size_t len = BLOB_CHUNK_SIZE + BLOB_CHUNK_SIZE / 2, got_len;
	unsigned char *data = xcalloc(1, len);
	int64_t now = 200 * SEC;
	json_t *o;
	app_t *a;

	assert(dir != NULL);
	dst = xasprintf("%s/triage.txt", dir);
	part = xasprintf("%s%s", dst, XFER_PART_SUFFIX);
	src = xasprintf("%s/report.bin", dir);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7 + i / 1000);
	f->ledger = test_ledger_new();
	test_ledger_put(f->ledger, "readme.txt", "hello\n", 6, "bob", "bravo");
	test_ledger_put(
	    f->ledger, "docs/triage.txt", data, len, "carol", "charlie");
	test_ledger_put(f->ledger, "docs/deep/x.txt", "x", 1, "bob", "bravo");
	opts->user = "alice";
	a = app_new(opts, fake_call, f);
	app_resize(a, 120, 30);
	app_start(a);
	app_tick(a, now);

	/* The root: directories first, with a trailing '/'. */
	app_key(a, TK_F4);
	assert(a->view == VIEW_FILES);
	assert(screen_has(a, "files of the mesh on alpha"));
	assert(screen_has(a, " mesh  (2 entries)"));
	assert(screen_has(a, "docs/") && screen_has(a, "readme.txt") &&
	       screen_has(a, "bob@bravo"));
	assert(strcmp(files_selected(&a->files)->name, "docs") == 0);
	/* Enter opens it; a file's details, with its history. */
	app_key(a, TK_ENTER);
	assert(strcmp(a->files.dir, "docs") == 0);
	assert(screen_has(a, " mesh > docs") && screen_has(a, "deep/"));
	app_key(a, TK_DOWN);
	app_key(a, TK_ENTER);
	assert(strcmp(files_stat_path(&a->files), "docs/triage.txt") == 0);
	assert(screen_has(a, "History") && screen_has(a, "2/2") &&
	       screen_has(a, "1 node: alpha") &&
	       screen_has(a, "1.5 MiB (1572864 bytes)"));
	assert(screen_has(a, "carol@charlie  put"));
	/* Backspace closes them, then goes up, the directory selected. */
	app_key(a, TK_BACKSPACE);
	assert(a->files.stat == NULL);
	app_key(a, TK_BACKSPACE);
	assert(*a->files.dir == '\0' &&
	       strcmp(files_selected(&a->files)->name, "docs") == 0);
	/* A key typed on the input line is not a files key. */
	app_key(a, '/');
	app_key(a, 'd');
	assert(a->ask == ASK_NONE && strcmp(a->input.buf, "/d") == 0);
	app_key(a, TK_CTRL('u'));
	app_key(a, 'd');
	assert(a->ask == ASK_NONE && screen_has(a, "a directory: Enter"));

	/* d asks where to, the file's name in the current directory
	 * first; the download shows its progress, then what it did. */
	app_key(a, TK_ENTER);
	app_key(a, TK_DOWN);
	app_key(a, 'd');
	assert(
	    a->ask == ASK_SAVE_AS && screen_has(a, "save 'triage.txt' as: "));
	assert(a->input.buf[0] == '/' &&
	       strcmp(fpath_base(a->input.buf), "triage.txt") == 0);
	app_key(a, TK_CTRL('u'));
	type_line(a, dst);
	assert(a->ask == ASK_NONE && a->xfer != NULL);
	assert(screen_has(a, " down ") && screen_has(a, "[down 0%]"));
	test_xfer_run(a, &now);
	assert(screen_has(a, "downloaded 'docs/triage.txt' to '"));
	got = read_file(dst, 2 * len, &got_len, NULL);
	assert(got != NULL && got_len == len && memcmp(got, data, len) == 0);
	free(got);
	/* Again: it exists; n keeps it. */
	app_key(a, 'd');
	app_key(a, TK_CTRL('u'));
	type_line(a, dst);
	assert(a->xfer != NULL && a->xfer->state == XFER_ASK);
	assert(screen_has(a, "exists: replace it? (y/n)"));
	app_key(a, 'x');
	assert(a->xfer != NULL);
	app_key(a, 'n');
	assert(a->xfer == NULL && screen_has(a, "cancelled"));
	/* Esc cancels a download that waits for its chunks; the part
	 * stays for the next one. */
	unlink(dst);
	f->ledger->absent = 1000;
	app_key(a, 'd');
	app_key(a, TK_CTRL('u'));
	type_line(a, dst);
	for (int i = 0; i < 5; i++) {
		now += SEC / 2;
		app_tick(a, now);
	}
	assert(screen_has(a, "waiting for chunk 1/2"));
	assert(app_poll_ms(a, now) > 0 && app_poll_ms(a, now) <= APP_POLL_MS);
	app_key(a, TK_ESC);
	assert(a->xfer == NULL && screen_has(a, "is kept") &&
	       a->view == VIEW_FILES);
	assert(access(part, F_OK) == 0);
	f->ledger->absent = 0;
	/* Esc in a question ends it. */
	app_key(a, 'd');
	app_key(a, TK_ESC);
	assert(a->ask == ASK_NONE && a->xfer == NULL && a->input.len == 0);

	/* u asks for a local file (refused at once if there is none),
	 * then the mesh path, the directory shown first. */
	{
		FILE *fp = fopen(src, "wb");

		assert(fp != NULL);
		assert(fwrite(data, 1, len - 1000, fp) == len - 1000);
		assert(fclose(fp) == 0);
	}
	app_key(a, 'u');
	assert(a->ask == ASK_UPLOAD_FROM &&
	       screen_has(a, "upload the local file: "));
	app_key(a, TK_CTRL('u'));
	type_line(a, "/nonexistent/report");
	assert(a->ask == ASK_UPLOAD_FROM &&
	       screen_has(a, "cannot open '/nonexistent/report'"));
	app_key(a, TK_CTRL('u'));
	type_line(a, src);
	assert(a->ask == ASK_UPLOAD_TO &&
	       strcmp(a->input.buf, "docs/report.bin") == 0);
	assert(screen_has(a, "upload 'report.bin' to the mesh path: "));
	app_key(a, TK_ENTER);
	assert(a->xfer != NULL);
	test_xfer_run(a, &now);
	assert(screen_has(a, "uploaded '") &&
	       screen_has(a, "to 'docs/report.bin' (1.4 MiB, id "));
	o = json_object_get(f->ledger->tree, "docs/report.bin");
	assert(o != NULL && strcmp(jstr(o, "user"), "alice") == 0 &&
	       json_integer_value(json_object_get(o, "size")) ==
	           (json_int_t)(len - 1000));
	/* The listing follows: the upload, then file.* events. */
	assert(screen_has(a, "report.bin"));
	test_ledger_put(
	    f->ledger, "docs/evil\x1b[2J.txt", "e", 1, "eve", "echo\x07");
	event(a, "file.put", "echo",
	    json_pack("{s:s, s:s}", "path", "docs/evil", "user", "eve"));
	assert(!screen_has(a, "evil"));
	now += SEC;
	app_tick(a, now);
	assert(screen_has(a, "evil\\x1b[2J.txt") &&
	       screen_has(a, "eve@echo\\x07"));
	/* Refusals are plain in the status line; nothing is put. */
	f->ledger->quota = true;
	json_array_clear(f->ledger->calls);
	app_key(a, 'u');
	app_key(a, TK_CTRL('u'));
	type_line(a, src);
	app_key(a, TK_CTRL('u'));
	type_line(a, "q.bin");
	test_xfer_run(a, &now);
	assert(screen_has(a, "cannot upload '") &&
	       screen_has(a, "quota of 10 MiB"));
	assert(!test_ledger_called(f->ledger, "files.put"));
	f->ledger->quota = false;
	/* An existing file in the mesh: asked, y puts a new version. */
	app_key(a, 'u');
	app_key(a, TK_CTRL('u'));
	type_line(a, src);
	type_line(a, "");
	now += SEC;
	app_tick(a, now);
	assert(a->xfer != NULL && a->xfer->state == XFER_ASK &&
	       screen_has(a, "put a new version? (y/n)") &&
	       screen_has(a, "[up: y/n?]"));
	app_key(a, 'y');
	test_xfer_run(a, &now);
	assert(screen_has(a, "uploaded '"));
	/* Transfers go on in the other views; one at a time. */
	unlink(dst);
	unlink(part);
	line = xasprintf("%s", dst);
	app_key(a, 'd');
	app_key(a, TK_CTRL('u'));
	type_line(a, line);
	free(line);
	app_key(a, TK_F2);
	assert(a->view == VIEW_MAP && screen_has(a, "[down 0%]"));
	app_key(a, TK_F4);
	app_key(a, 'u');
	assert(a->ask == ASK_NONE && screen_has(a, "a transfer is running"));
	test_xfer_run(a, &now);
	assert(access(dst, F_OK) == 0);

	/* A name with a newline: shown inert, and the local name offered
	 * has none. */
	test_ledger_put(
	    f->ledger, "docs/two\nlines.txt", "2", 1, "eve", "echo");
	event(a, "file.put", "echo", json_pack("{s:s}", "path", "x"));
	now += SEC;
	app_tick(a, now);
	assert(screen_has(a, "two\\nlines.txt"));
	for (size_t i = 0; i < a->files.n; i++) {
		if (strcmp(a->files.e[i].name, "two\nlines.txt") == 0)
			a->files.sel = i;
	}
	app_key(a, 'd');
	assert(a->ask == ASK_SAVE_AS &&
	       strcmp(fpath_base(a->input.buf), "two_lines.txt") == 0);
	app_key(a, TK_ESC);

	/* Narrow: the details instead of the listing, scrolled by PgDn. */
	app_resize(a, 80, 24);
	files_move(&a->files, -100);
	app_key(a, TK_ENTER);
	app_key(a, TK_ENTER);
	assert(screen_has(a, "History") && !screen_has(a, "NAME"));
	app_key(a, TK_PGDN);
	app_key(a, TK_ESC);
	assert(a->view == VIEW_FILES && screen_has(a, "NAME"));
	/* /files PATH; Esc goes back to the rooms. */
	type_line(a, "/files /docs/deep/");
	assert(
	    strcmp(a->files.dir, "docs/deep") == 0 && screen_has(a, "x.txt"));
	/* A directory removed elsewhere: its parent is shown. */
	json_object_del(f->ledger->tree, "docs/deep/x.txt");
	event(a, "file.rm", "bravo", json_pack("{s:s}", "path", "x"));
	now += SEC;
	app_tick(a, now);
	assert(strcmp(a->files.dir, "docs") == 0 &&
	       screen_has(a, "'docs/deep' is no longer in the mesh"));
	app_key(a, TK_ESC);
	assert(a->view == VIEW_CHAT);
	app_destroy(&a);

	unlink(dst);
	unlink(part);
	unlink(src);
	rmdir(dir);
	free(dir);
	free(dst);
	free(part);
	free(src);
	free(data);
	test_ledger_destroy(&f->ledger);
	opts->user = NULL;
}

void
model_app_test(bool verbose)
{
	struct fake f = {0};
	struct app_options opts = {"/tmp/test-node", NULL};
	app_t *a;
	room_t *ops;

	(void)verbose;
	f.users = json_array();
	f.rooms = json_object();
	f.messages = json_array();
	f.alerts = json_pack("{s:[]}", "alerts");
	f.calls = json_array();

	/* First start: no user on the node, so it asks for a name. */
	a = app_new(&opts, fake_call, &f);
	app_resize(a, 100, 30);
	app_start(a);
	assert(
	    a->asking_user && a->node != NULL && strcmp(a->node, "alpha") == 0);
	assert(screen_has(a, "your name: "));
	assert(screen_has(a, "this node has no user yet"));
	type_line(a, "bad name!");
	assert(a->asking_user && !called(&f, "user.add"));
	app_key(a, TK_CTRL('u'));
	type_line(a, "alice");
	assert(called(&f, "user.add") && !a->asking_user);
	assert(strcmp(a->me, "alice@alpha") == 0);
	assert(screen_has(a, "[alice@alpha]"));

	/* /join of a room that does not exist makes it. */
	type_line(a, "/join ops");
	assert(called(&f, "room.create"));
	ops = rooms_find(&a->rooms, "ops");
	assert(ops != NULL && a->rooms.cur == ops);
	assert(screen_has(a, "[2:ops]"));

	/* A line typed goes to the room and shows at once. */
	type_line(a, "hello from alice");
	assert(strcmp(jstr(f.last, "text"), "hello from alice") == 0 &&
	       strcmp(jstr(f.last, "room"), "ops") == 0 &&
	       strcmp(jstr(f.last, "user"), "alice") == 0);
	assert(screen_has(a, "hello from alice"));
	assert(ops->buf->n == 1);

	/* Events: a message from the mesh, its escape sequences inert. */
	event(a, "msg", "bravo",
	    json_pack("{s:s, s:s, s:s}", "room", "ops", "user", "bob", "text",
	        "look \x1b[31mRED\x1b[0m @alice"));
	assert(screen_has(a, "bob@bravo"));
	assert(screen_has(a, "look \\x1b[31mRED\\x1b[0m @alice"));
	assert(ops->unread == 0 && a->want_read);
	app_tick(a, 2 * SEC);
	assert(!a->want_read);

	/* A message elsewhere counts as unread; a DM opens a conversation
	 * and counts as a mention. */
	event(a, "dm", "charlie",
	    json_pack("{s:s, s:s, s:s}", "to", "alice@alpha", "user", "carol",
	        "text", "psst"));
	assert(rooms_find(&a->rooms, "@carol@charlie") != NULL);
	assert(rooms_find(&a->rooms, "@carol@charlie")->mentions == 1);
	assert(screen_has(a, "[act: 3@]"));
	app_key(a, TK_ALT | 'a');
	assert(a->rooms.cur == rooms_find(&a->rooms, "@carol@charlie"));
	assert(screen_has(a, "psst"));
	app_key(a, TK_ALT | '2');
	assert(a->rooms.cur == ops);

	/* Tab: commands, rooms, mentions. */
	for (const char *p = "/jo"; *p != '\0'; p++)
		app_key(a, *p);
	app_key(a, TK_TAB);
	assert(strcmp(a->input.buf, "/join ") == 0);
	app_key(a, 'o');
	app_key(a, TK_TAB);
	assert(strcmp(a->input.buf, "/join ops ") == 0);
	app_key(a, TK_CTRL('u'));
	for (const char *p = "hi @al"; *p != '\0'; p++)
		app_key(a, *p);
	app_key(a, TK_TAB);
	assert(strcmp(a->input.buf, "hi @alice ") == 0);
	app_key(a, TK_CTRL('u'));

	/* Errors are plain in the status line. */
	type_line(a, "/frob");
	assert(screen_has(a, "unknown command: /frob (see /help)"));
	type_line(a, "/s x");
	assert(screen_has(a, "ambiguous command: /s"));

	/* An alert: a banner until acknowledged. */
	json_decref(f.alerts);
	f.alerts = json_loads(
	    "{\"alerts\":[{\"id\":\"abcdef0123456789\",\"room\":\"ops\","
	    "\"level\":\"critical\",\"user\":\"bob@bravo\",\"text\":\"fire in "
	    "B\",\"time_us\":1,\"pending\":[\"alice@alpha\"],\"acked\":[],"
	    "\"open\":true}]}",
	    0, NULL);
	event(a, "alert", "bravo",
	    json_pack("{s:s, s:s, s:s, s:s}", "room", "ops", "user", "bob",
	        "text", "fire in B", "level", "critical"));
	app_tick(a, 3 * SEC);
	assert(screen_has(a, "(/ack to acknowledge)"));
	assert(screen_has(a, "CRITICAL"));
	assert(screen_has(a, "[alerts 1]"));
	type_line(a, "/ack");
	assert(called(&f, "ack") &&
	       strcmp(jstr(f.last, "id"), "abcdef0123456789") == 0);
	assert(!screen_has(a, "(/ack to acknowledge)"));
	type_line(a, "/ack");
	assert(screen_has(a, "no alert waits for you"));

	/* /alert sends the options. */
	type_line(a, "/alert --level critical evacuate --deadline 2m");
	assert(
	    called(&f, "alert") &&
	    strcmp(jstr(f.last, "level"), "critical") == 0 &&
	    json_integer_value(json_object_get(f.last, "deadline_s")) == 120 &&
	    strcmp(jstr(f.last, "text"), "evacuate") == 0);

	/* Views: map, status, help; Esc comes back. Messages that come
	 * meanwhile count until the room is seen again. */
	app_key(a, TK_F2);
	event(a, "msg", "bravo",
	    json_pack("{s:s, s:s, s:s}", "room", "ops", "user", "bob", "text",
	        "while on the map"));
	assert(ops->unread == 1);
	app_key(a, TK_ESC);
	assert(ops->unread == 0 && a->want_read);
	app_key(a, TK_F2);
	assert(a->view == VIEW_MAP && screen_has(a, "[alpha]") &&
	       screen_has(a, "[bravo]"));
	app_key(a, TK_ESC);
	assert(a->view == VIEW_CHAT);
	type_line(a, "/map");
	assert(a->view == VIEW_MAP);
	app_key(a, 'q');
	assert(a->view == VIEW_CHAT);
	app_key(a, TK_F3);
	assert(screen_has(a, "status of node alpha"));
	app_key(a, TK_F1);
	assert(a->view == VIEW_HELP && screen_has(a, "PgUp"));
	app_resize(a, 80, 24);
	assert(!screen_has(a, "/quit"));
	for (int i = 0; i < 5 && !screen_has(a, "/quit"); i++)
		app_key(a, TK_PGDN);
	assert(screen_has(a, "/quit"));
	for (int i = 0; i < 5; i++)
		app_key(a, TK_PGUP);
	assert(screen_has(a, "Keys"));
	app_resize(a, 100, 30);
	app_key(a, TK_ESC);

	/* Any size from 80x24 up, and small ones, stay in bounds. */
	app_resize(a, 80, 24);
	assert(screen_has(a, "hello from alice"));
	app_resize(a, 40, 10);
	assert(screen_has(a, "[alice@alpha]") || screen_has(a, "ops"));
	app_resize(a, 10, 3);
	assert(screen_has(a, "too small"));
	app_resize(a, 200, 60);
	assert(screen_has(a, "hello from alice"));

	/* The daemon goes away and comes back. */
	f.down = true;
	type_line(a, "lost");
	assert(!a->connected && screen_has(a, "no daemon answers"));
	f.down = false;
	app_tick(a, 100 * SEC);
	assert(a->connected);

	type_line(a, "/quit");
	assert(a->quit);
	app_destroy(&a);
	assert(a == NULL);

	/* A daemon without chat: map and status still work. */
	json_array_clear(f.calls);
	f.no_chat = true;
	a = app_new(&opts, fake_call, &f);
	app_start(a);
	assert(!a->chat && !a->asking_user);
	assert(screen_has(a, "has no chat yet"));
	app_key(a, TK_F2);
	assert(screen_has(a, "[bravo]"));
	/* Nor files: F4 says so in the view. */
	app_key(a, TK_F4);
	assert(screen_has(a, "the daemon has no file ledger yet"));
	app_destroy(&a);

	/* Scroll-back loads older pages from the daemon at the top. */
	json_array_clear(f.messages);
	for (int i = 0; i < 250; i++) {
		char id[65], text[32];

		snprintf(id, sizeof id, "p%063d", i);
		snprintf(text, sizeof text, "old line %d", i);
		json_array_append_new(f.messages,
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "id", id,
		        "room", "archive", "user", "bob", "node", "bravo",
		        "time_us", (json_int_t)(1795000000000000LL + i * SEC),
		        "text", text, "lamport", (json_int_t)(i + 1)));
	}
	json_object_set_new(f.rooms, "archive",
	    json_pack("{s:s, s:[s]}", "topic", "", "members", "alice@alpha"));
	f.no_chat = false;
	opts.user = "alice";
	a = app_new(&opts, fake_call, &f);
	app_resize(a, 80, 24);
	app_start(a);
	{
		room_t *arch = rooms_find(&a->rooms, "archive");

		assert(arch != NULL);
		app_select(a, arch);
		assert(arch->buf->n == APP_HISTORY_PAGE);
		assert(screen_has(a, "old line 249"));
		for (int i = 0; i < 40 && !screen_has(a, "old line 0"); i++)
			app_key(a, TK_PGUP);
		assert(screen_has(a, "old line 0"));
		assert(arch->buf->n == 250 && arch->buf->complete);
		assert(screen_has(a, "more below"));
		for (int i = 0; i < 40; i++)
			app_key(a, TK_PGDN);
		assert(screen_has(a, "old line 249") &&
		       !screen_has(a, "more below"));
	}
	app_destroy(&a);
	opts.user = NULL;

	/* Several users and -u. */
	f.no_chat = false;
	json_array_append_new(f.users, json_string("bob@alpha"));
	a = app_new(&opts, fake_call, &f);
	app_start(a);
	assert(a->asking_user && screen_has(a, "several users"));
	type_line(a, "bob");
	assert(strcmp(a->me, "bob@alpha") == 0);
	app_destroy(&a);
	opts.user = "alice";
	a = app_new(&opts, fake_call, &f);
	app_start(a);
	assert(!a->asking_user && strcmp(a->me, "alice@alpha") == 0);
	assert(rooms_find(&a->rooms, "ops") != NULL);
	app_destroy(&a);

	test_files(&f, &opts);
	test_voice(&f, &opts);

	json_decref(f.users);
	json_decref(f.rooms);
	json_decref(f.messages);
	json_decref(f.alerts);
	json_decref(f.calls);
	json_decref(f.last);
}
