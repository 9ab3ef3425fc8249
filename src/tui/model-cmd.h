/* The commands of the input line (/join, /msg, ...): one table, a parser
 * with unique prefixes, what Tab completes where, and the help screen. */
#ifndef IOE_TUI_MODEL_CMD_H
#define IOE_TUI_MODEL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui.h"

enum cmd_id {
	CMD_NONE, /* an empty line */
	CMD_SAY,  /* text for the current room */
	CMD_JOIN,
	CMD_LEAVE,
	CMD_MSG,
	CMD_ALERT,
	CMD_ACK,
	CMD_TOPIC,
	CMD_SEARCH,
	CMD_ROOMS,
	CMD_MAP,
	CMD_STATUS,
	CMD_FILES,
	CMD_TALK,
	CMD_EMERGENCY,
	CMD_LISTEN,
	CMD_CALL,
	CMD_HANGUP,
	CMD_HELP,
	CMD_QUIT,
};

/* What a word is, for Tab. */
enum cmd_arg {
	ARG_NONE,
	ARG_COMMAND, /* "/join" */
	ARG_ROOM,    /* any room of the mesh */
	ARG_JOINED,  /* a room in the room list */
	ARG_USER,    /* "name@node" */
	ARG_MENTION, /* "@name" in a text */
	ARG_ALERT,   /* an open alert's id */
	ARG_LEVEL,   /* urgent, critical */
	ARG_TOPIC,   /* a /help topic: a command name */
	ARG_DIR,     /* a directory of the files view */
};

struct cmd_def {
	const char *name; /* without the slash */
	enum cmd_id id;
	const char *usage; /* as in ioe-tui(1) */
	const char *help;  /* one line */
	int min, max;      /* words before the text */
	int text;          /* 0: none, 1: optional, 2: required */
	enum cmd_arg arg;  /* the first word */
};

extern const struct cmd_def cmd_table[];
extern const size_t cmd_count;

typedef struct cmd {
	enum cmd_id id;
	const struct cmd_def *def; /* NULL for CMD_NONE and CMD_SAY */
	char *arg[2];              /* the words */
	int narg;
	char *text;         /* the text, or NULL */
	char *level;        /* /alert --level */
	char *to;           /* /alert --to */
	int64_t deadline_s; /* /alert --deadline (0: none) */
	char *room;         /* /search --room */
} cmd_t;

/* Parses an input line. Returns 0, or -1 with *cause set (unknown or
 * ambiguous command, wrong use). */
int cmd_parse(const char *line, cmd_t *out, char **cause);
void cmd_free(cmd_t *c);

/* The command named name or by a unique prefix of it. Returns NULL with
 * *cause set. */
const struct cmd_def *cmd_find(const char *name, char **cause);
/* What the word starting at word_start of line is. */
enum cmd_arg cmd_complete_what(const char *line, size_t word_start);

/* The help screen (or the help of one command), wrapped to width. */
void cmd_help_rows(tui_rows_t *out, int width, const char *topic);

void model_cmd_test(bool verbose);

#endif
