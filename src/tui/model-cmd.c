#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-cmd.h"
#include "model-text.h"
#include "util.h"

/* Keep in step with ioe-tui(1). */
const struct cmd_def cmd_table[] = {
    {"join", CMD_JOIN, "/join ROOM",
        "join a room (it is created if the mesh has none of that name)", 1, 1,
        0, ARG_ROOM},
    {"leave", CMD_LEAVE, "/leave [ROOM]", "leave the current room or ROOM", 0,
        1, 0, ARG_JOINED},
    {"msg", CMD_MSG, "/msg USER[@NODE] [TEXT...]",
        "open the direct conversation with a user, and send TEXT", 1, 1, 1,
        ARG_USER},
    {"alert", CMD_ALERT,
        "/alert [--level urgent|critical] [--to ROLE] [--deadline "
        "DURATION] TEXT...",
        "raise an alert in the current room: a banner until each "
        "addressee acknowledges it",
        0, 0, 2, ARG_NONE},
    {"ack", CMD_ACK, "/ack [ID]",
        "acknowledge the alert in the banner, or alert ID (a prefix of 8 "
        "or more hex digits)",
        0, 1, 0, ARG_ALERT},
    {"topic", CMD_TOPIC, "/topic [TEXT...]",
        "show or set the topic of the current room", 0, 0, 1, ARG_NONE},
    {"search", CMD_SEARCH, "/search [--room ROOM] TEXT...",
        "search the messages of every room (or of ROOM)", 0, 0, 2, ARG_NONE},
    {"rooms", CMD_ROOMS, "/rooms", "list the rooms of the mesh", 0, 0, 0,
        ARG_NONE},
    {"map", CMD_MAP, "/map", "show the map of the mesh (F2)", 0, 0, 0,
        ARG_NONE},
    {"status", CMD_STATUS, "/status",
        "show the status of the node and its links (F3)", 0, 0, 0, ARG_NONE},
    {"files", CMD_FILES, "/files [PATH]",
        "show the files of the mesh (F4), in directory PATH", 0, 1, 0, ARG_DIR},
    {"talk", CMD_TALK, "/talk",
        "talk in the current room from the microphone, or stop (F5): "
        "terminals do not report key release, so talking is a toggle",
        0, 0, 0, ARG_NONE},
    {"emergency", CMD_EMERGENCY, "/emergency",
        "talk in the current room with emergency priority: it takes the "
        "floor from any other talker; or stop (F6)",
        0, 0, 0, ARG_NONE},
    {"listen", CMD_LISTEN, "/listen",
        "hear the voice of the current room, or stop (F7)", 0, 0, 0,
        ARG_NONE},
    {"call", CMD_CALL, "/call",
        "join the voice room of the current room (full duplex: everyone "
        "talks at once), or leave it (F8)",
        0, 0, 0, ARG_NONE},
    {"hangup", CMD_HANGUP, "/hangup",
        "voice off: stop talking and listening, leave the call", 0, 0, 0,
        ARG_NONE},
    {"help", CMD_HELP, "/help [COMMAND]", "show keys and commands (F1)", 0, 1,
        0, ARG_TOPIC},
    {"quit", CMD_QUIT, "/quit", "leave ioe-tui", 0, 0, 0, ARG_NONE},
};
const size_t cmd_count = sizeof cmd_table / sizeof cmd_table[0];

static const struct {
	const char *keys;
	const char *what;
} cmd_keys[] = {
    {"Enter", "send the line: text to the room, or a /command"},
    {"Tab, Shift-Tab", "complete a command, room or user; again: the "
                       "next (previous) one"},
    {"Up, Down", "the lines sent before (history)"},
    {"Left, Right, Home, End", "move in the line (also Ctrl-B, Ctrl-F, "
                               "Ctrl-A, Ctrl-E)"},
    {"Ctrl-Left, Ctrl-Right", "move by words (also Alt-B, Alt-F)"},
    {"Backspace, Delete", "delete a character"},
    {"Ctrl-W, Ctrl-U, Ctrl-K", "cut the word before, the line before, "
                               "the line after the cursor"},
    {"Ctrl-Y", "paste what was cut"},
    {"PgUp, PgDn", "scroll the messages; older ones load at the top"},
    {"Ctrl-N, Ctrl-P", "next, previous room (also Alt-Right, Alt-Left)"},
    {"Alt-1 .. Alt-9", "go to room 1 .. 9 of the room list"},
    {"Alt-A", "go to the next room with mentions, then unread "
              "messages"},
    {"F1", "this help"},
    {"F2", "the map of the mesh"},
    {"F3", "the status of the node"},
    {"F4", "the files of the mesh"},
    {"F5, F6", "talk, emergency talk (a toggle: press again to stop)"},
    {"F7, F8", "hear the room's voice; join or leave its call"},
    {"Esc, q", "back to the rooms (from help, map, status and files)"},
    {"Up, Down, Enter", "in the files: select; open a directory, or show "
                        "a file's details and history"},
    {"Backspace", "in the files: close the details, or go up a "
                  "directory"},
    {"d, u", "in the files: download the selected file; upload a local "
             "file to the directory shown"},
    {"y, n", "replace the file a transfer would overwrite, or not"},
    {"Esc", "in the files: cancel the question asked, else the transfer "
            "(a download resumes where it stopped), else close the "
            "details"},
    {"Ctrl-L", "redraw the screen"},
    {"Ctrl-C", "quit (as /quit)"},
};

void
cmd_free(cmd_t *c)
{
	free(c->arg[0]);
	free(c->arg[1]);
	free(c->text);
	free(c->level);
	free(c->to);
	free(c->room);
	memset(c, 0, sizeof *c);
}

const struct cmd_def *
cmd_find(const char *name, char **cause)
{
	const struct cmd_def *found = NULL;
	size_t len = strlen(name), n = 0;
	char list[256] = "";

	for (size_t i = 0; i < cmd_count; i++) {
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	}
	for (size_t i = 0; i < cmd_count; i++) {
		if (len > 0 && strncmp(cmd_table[i].name, name, len) == 0) {
			found = &cmd_table[i];
			n++;
			snprintf(list + strlen(list),
			    sizeof list - strlen(list), "%s/%s",
			    n > 1 ? ", " : "", cmd_table[i].name);
		}
	}
	if (n == 1)
		return found;
	if (n > 1) {
		const char *shown = name;

		fail(
		    cause, "ambiguous command: /%s, could be: %s", shown, list);
	} else {
		const char *shown = name;

		fail(cause, "unknown command: /%s (see /help)", shown);
	}
	return NULL;
}

/* The next word of *p, and *p past it and the spaces after. */
static char *
cmd_word(const char **p)
{
	const char *s = *p, *e;
	char *w;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s;
	while (*e != '\0' && *e != ' ' && *e != '\t')
		e++;
	if (e == s) {
		*p = s;
		return NULL;
	}
	w = xcalloc((size_t)(e - s) + 1, 1);
	memcpy(w, s, (size_t)(e - s));
	while (*e == ' ' || *e == '\t')
		e++;
	*p = e;
	return w;
}

static bool
cmd_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

/* /alert: options anywhere (as after the text for ioectl), the other
 * words are the text. */
static int
cmd_parse_alert(const char *rest, cmd_t *c, char **cause)
{
	const char *p = rest;
	char *w, *text = NULL;
	bool opts = true;

	while ((w = cmd_word(&p)) != NULL) {
		char **slot = NULL;
		const char *name = w;

		if (opts && strcmp(w, "--") == 0) {
			opts = false;
			free(w);
			continue;
		}
		if (opts && (strcmp(w, "--level") == 0 || strcmp(w, "-l") == 0))
			slot = &c->level;
		else if (opts &&
		         (strcmp(w, "--to") == 0 || strcmp(w, "-t") == 0))
			slot = &c->to;
		else if (opts &&
		         (strcmp(w, "--deadline") == 0 || strcmp(w, "-d") == 0))
			slot = &c->room; /* the duration, parsed below */
		if (slot != NULL) {
			char *v = cmd_word(&p);

			if (v == NULL) {
				fail(cause, "option '%s' needs a value", name);
				free(w);
				free(text);
				return -1;
			}
			free(*slot);
			*slot = v;
			free(w);
			continue;
		}
		if (text == NULL)
			text = w;
		else {
			char *t = xasprintf("%s %s", text, w);

			free(text);
			free(w);
			text = t;
		}
	}
	if (c->room != NULL) {
		if (tui_parse_duration(c->room, &c->deadline_s) != 0 ||
		    c->deadline_s == 0) {
			const char *shown = c->room;

			fail(cause,
			    "bad deadline '%s': give a duration such as "
			    "90s, 5m or 1h",
			    shown);
			free(text);
			return -1;
		}
		free(c->room);
		c->room = NULL;
	}
	if (c->level != NULL && strcmp(c->level, "urgent") != 0 &&
	    strcmp(c->level, "critical") != 0) {
		const char *shown = c->level;

		fail(cause, "unknown level '%s': urgent or critical", shown);
		free(text);
		return -1;
	}
	if (text == NULL)
		return fail(cause, "usage: %s", c->def->usage);
	c->text = text;
	return 0;
}

int
cmd_parse(const char *line, cmd_t *c, char **cause)
{
	const char *p;
	char *name;

	memset(c, 0, sizeof *c);
	if (cmd_blank(line)) {
		c->id = CMD_NONE;
		return 0;
	}
	if (line[0] != '/' || line[1] == '/') {
		/* "//text" says "/text". */
		c->id = CMD_SAY;
		c->text = xstrdup(line[0] == '/' ? line + 1 : line);
		return 0;
	}
	p = line + 1;
	name = cmd_word(&p);
	if (name == NULL)
		return fail(cause, "no command after '/' (see /help)");
	c->def = cmd_find(name, cause);
	free(name);
	if (c->def == NULL)
		return -1;
	c->id = c->def->id;
	if (c->id == CMD_ALERT) {
		if (cmd_parse_alert(p, c, cause) != 0) {
			cmd_free(c);
			return -1;
		}
		return 0;
	}
	if (c->id == CMD_SEARCH) {
		const char *q = p;
		char *w = cmd_word(&q);

		if (w != NULL &&
		    (strcmp(w, "--room") == 0 || strcmp(w, "-r") == 0)) {
			c->room = cmd_word(&q);
			p = q;
			if (c->room == NULL) {
				free(w);
				cmd_free(c);
				return fail(
				    cause, "option '--room' needs a value");
			}
		}
		free(w);
	}
	while (c->narg < c->def->max) {
		char *w = cmd_word(&p);

		if (w == NULL)
			break;
		c->arg[c->narg++] = w;
	}
	if (c->narg < c->def->min || (c->def->text == 0 && !cmd_blank(p)) ||
	    (c->def->text == 2 && cmd_blank(p))) {
		const char *usage = c->def->usage;

		cmd_free(c);
		return fail(cause, "usage: %s", usage);
	}
	if (c->def->text > 0 && !cmd_blank(p))
		c->text = xstrdup(p);
	return 0;
}

enum cmd_arg
cmd_complete_what(const char *line, size_t word_start)
{
	const struct cmd_def *def;
	const char *p;
	char *name, *prev = NULL;
	int k = 0;

	if (line[word_start] == '@')
		return ARG_MENTION;
	if (line[0] != '/' || line[1] == '/')
		return ARG_MENTION; /* a word of a text: a user to mention */
	if (word_start == 0)
		return ARG_COMMAND;
	p = line + 1;
	name = cmd_word(&p);
	def = name != NULL ? cmd_find(name, NULL) : NULL;
	free(name);
	if (def == NULL)
		return ARG_NONE;
	/* Count the words between the command and the one completed. */
	while ((size_t)(p - line) < word_start) {
		char *w = cmd_word(&p);

		if (w == NULL)
			break;
		free(prev);
		prev = w;
		k++;
	}
	if (prev != NULL &&
	    (strcmp(prev, "--level") == 0 || strcmp(prev, "-l") == 0) &&
	    def->id == CMD_ALERT) {
		free(prev);
		return ARG_LEVEL;
	}
	if (prev != NULL &&
	    (strcmp(prev, "--room") == 0 || strcmp(prev, "-r") == 0) &&
	    def->id == CMD_SEARCH) {
		free(prev);
		return ARG_JOINED;
	}
	free(prev);
	if (k == 0 && def->max > 0)
		return def->arg;
	return def->text > 0 ? ARG_MENTION : ARG_NONE;
}

/* Appends text wrapped to width, the first row after a left column of
 * col_w columns holding left (may be NULL), the others under the text. */
static void
cmd_help_item(tui_rows_t *out, int width, int left_style, const char *left,
    int col_w, const char *text)
{
	size_t len = strlen(text), pos = 0;
	bool first = true;

	if (width - col_w < 20)
		col_w = 2; /* narrow: text under the left column */
	if (left != NULL && col_w == 2) {
		tui_row_t *row = tui_rows_add(out);

		tui_row_puts(row, TS_NORMAL, "  ", -1);
		tui_row_puts(row, left_style, left, width - 2);
	}
	do {
		tui_row_t *row = tui_rows_add(out);
		size_t next, n;

		tui_row_puts(row, TS_NORMAL, "  ", -1);
		if (first && left != NULL && col_w > 2)
			tui_row_puts(row, left_style, left, col_w - 3);
		tui_row_pad(row, TS_NORMAL, col_w);
		n = tui_text_break(text + pos, len - pos, width - col_w, &next);
		tui_row_add(row, TS_NORMAL, text + pos, n, width - col_w);
		pos += next;
		first = false;
	} while (pos < len);
}

void
cmd_help_rows(tui_rows_t *out, int width, const char *topic)
{
	tui_row_t *row;
	int col;

	tui_rows_clear(out);
	if (topic != NULL) {
		const struct cmd_def *def =
		    cmd_find(topic[0] == '/' ? topic + 1 : topic, NULL);

		if (def != NULL) {
			row = tui_rows_add(out);
			tui_row_puts(row, TS_HEADING, def->usage, width);
			cmd_help_item(
			    out, width, TS_NORMAL, NULL, 2, def->help);
			return;
		}
	}
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING, "ioe-tui: keys and commands", width);
	tui_rows_add(out);
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING, "Keys", width);
	col = 26;
	for (size_t i = 0; i < sizeof cmd_keys / sizeof cmd_keys[0]; i++)
		cmd_help_item(out, width, TS_PROMPT, cmd_keys[i].keys, col,
		    cmd_keys[i].what);
	tui_rows_add(out);
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING,
	    "Commands (a unique prefix will do: /j ops)", width);
	for (size_t i = 0; i < cmd_count; i++) {
		cmd_help_item(out, width, TS_PROMPT, cmd_table[i].usage, 2, "");
		out->n--; /* cmd_help_item left an empty row: use it below */
		cmd_help_item(
		    out, width, TS_NORMAL, NULL, 6, cmd_table[i].help);
	}
	tui_rows_add(out);
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING, "Text", width);
	cmd_help_item(out, width, TS_NORMAL, NULL, 2,
	    "A line that does not start with '/' goes to the current room "
	    "(or to the user of a direct conversation); start it with '//' to "
	    "send a text that starts with '/'. '@name' or '@name@node' "
	    "mentions a user. Text from the mesh is shown inert: control "
	    "characters and escape sequences appear as \\x1b and the like.");
}

/* --- self-test ------------------------------------------------------------ */

void
model_cmd_test(bool verbose)
{
	cmd_t c;
	char *cause = NULL;
	tui_rows_t rows;

	(void)verbose;
	assert(cmd_parse("hello world", &c, NULL) == 0 && c.id == CMD_SAY &&
	       strcmp(c.text, "hello world") == 0);
	cmd_free(&c);
	assert(cmd_parse("//etc/passwd is a path", &c, NULL) == 0 &&
	       c.id == CMD_SAY && strcmp(c.text, "/etc/passwd is a path") == 0);
	cmd_free(&c);
	assert(cmd_parse("   ", &c, NULL) == 0 && c.id == CMD_NONE);
	cmd_free(&c);

	assert(cmd_parse("/join ops", &c, NULL) == 0 && c.id == CMD_JOIN &&
	       c.narg == 1 && strcmp(c.arg[0], "ops") == 0);
	cmd_free(&c);
	/* Unique prefixes; ambiguous and unknown ones say why. */
	assert(cmd_parse("/j ops", &c, NULL) == 0 && c.id == CMD_JOIN);
	cmd_free(&c);
	assert(cmd_parse("/s x", &c, &cause) == -1);
	assert(strcmp(cause, "ambiguous command: /s, could be: /search, "
	                     "/status") == 0);
	free(cause);
	assert(cmd_parse("/frob", &c, &cause) == -1);
	assert(strcmp(cause, "unknown command: /frob (see /help)") == 0);
	free(cause);
	assert(cmd_parse("/join", &c, &cause) == -1);
	assert(strcmp(cause, "usage: /join ROOM") == 0);
	free(cause);
	assert(cmd_parse("/join a b", &c, &cause) == -1);
	free(cause);
	assert(cmd_parse("/map now", &c, &cause) == -1);
	free(cause);

	assert(cmd_parse("/msg bob@bravo  hi  there", &c, NULL) == 0 &&
	       c.id == CMD_MSG && strcmp(c.arg[0], "bob@bravo") == 0 &&
	       strcmp(c.text, "hi  there") == 0);
	cmd_free(&c);
	assert(cmd_parse("/msg bob", &c, NULL) == 0 && c.text == NULL);
	cmd_free(&c);
	assert(cmd_parse("/topic", &c, NULL) == 0 && c.id == CMD_TOPIC &&
	       c.text == NULL);
	cmd_free(&c);
	assert(cmd_parse("/leave", &c, NULL) == 0 && c.narg == 0);
	cmd_free(&c);

	/* /alert: options before or after the text. */
	assert(cmd_parse("/alert --level critical fire in B --deadline 5m", &c,
	           NULL) == 0);
	assert(c.id == CMD_ALERT && strcmp(c.text, "fire in B") == 0 &&
	       strcmp(c.level, "critical") == 0 && c.deadline_s == 300 &&
	       c.to == NULL && c.room == NULL);
	cmd_free(&c);
	assert(cmd_parse("/alert -t medic need help", &c, NULL) == 0 &&
	       strcmp(c.to, "medic") == 0 && c.level == NULL);
	cmd_free(&c);
	assert(cmd_parse("/alert --level high x", &c, &cause) == -1);
	assert(strstr(cause, "unknown level 'high'") != NULL);
	free(cause);
	assert(cmd_parse("/alert --deadline soon x", &c, &cause) == -1);
	free(cause);
	assert(cmd_parse("/alert --level critical", &c, &cause) == -1);
	assert(strncmp(cause, "usage: /alert", 13) == 0);
	free(cause);

	assert(cmd_parse("/search --room ops water", &c, NULL) == 0 &&
	       strcmp(c.room, "ops") == 0 && strcmp(c.text, "water") == 0);
	cmd_free(&c);
	assert(cmd_parse("/search", &c, &cause) == -1);
	free(cause);

	/* What Tab completes where. */
	assert(cmd_complete_what("/jo", 0) == ARG_COMMAND);
	assert(cmd_complete_what("/join o", 6) == ARG_ROOM);
	assert(cmd_complete_what("/leave o", 7) == ARG_JOINED);
	assert(cmd_complete_what("/msg b", 5) == ARG_USER);
	assert(cmd_complete_what("/msg bob@b hi @c", 14) == ARG_MENTION);
	assert(cmd_complete_what("/ack 1a", 5) == ARG_ALERT);
	assert(cmd_complete_what("/alert --level c", 15) == ARG_LEVEL);
	assert(cmd_complete_what("/help jo", 6) == ARG_TOPIC);
	assert(cmd_complete_what("hello al", 6) == ARG_MENTION);
	assert(cmd_complete_what("/map x", 5) == ARG_NONE);
	assert(cmd_complete_what("/files do", 7) == ARG_DIR);
	assert(cmd_parse("/f docs/x", &c, NULL) == 0 && c.id == CMD_FILES &&
	       strcmp(c.arg[0], "docs/x") == 0);
	cmd_free(&c);

	/* The help lists every command and fits the width. */
	tui_rows_init(&rows);
	cmd_help_rows(&rows, 80, NULL);
	for (size_t i = 0; i < cmd_count; i++)
		assert(tui_rows_find(&rows, cmd_table[i].usage));
	assert(tui_rows_find(&rows, "PgUp"));
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 80);
	cmd_help_rows(&rows, 30, NULL);
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 30);
	cmd_help_rows(&rows, 80, "join");
	assert(tui_rows_find(&rows, "/join ROOM"));
	tui_rows_free(&rows);
}
