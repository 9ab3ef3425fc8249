/* ioectl commands: one file each (cmd-status.c, cmd-journal.c, ...),
 * declared in one table in cmd.c. A command declares its options and
 * argument counts; its exec only checks values and acts. */
#ifndef IOECTL_CMD_H
#define IOECTL_CMD_H

#include <stdbool.h>
#include <jansson.h>

#include "ctl_client.h"

/* Exit statuses, see ioectl(1). */
#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_NO_DAEMON 3

#define CMD_OPTIONS_MAX 8

struct cmd_option {
	const char *name;	/* long name, without "--" */
	int short_name;		/* 0: long only */
	bool has_arg;
};

struct ioectl_ctx {
	char *dir;
	const char *user;	/* -u, $IOE_USER; NULL: the node's only user */
	bool json;
	int timeout_ms;
	ctl_client_t *client;	/* connected on first call */
};

struct args {
	const struct ioectl_cmd *cmd;
	int argc;		/* positional arguments */
	char **argv;
	const char *values[CMD_OPTIONS_MAX]; /* by option index; NULL: absent */
};

struct ioectl_cmd {
	const char *name;
	const char *usage;	/* as in ioectl(1), after "ioectl " */
	const char *summary;
	struct cmd_option options[CMD_OPTIONS_MAX];
	int min_args, max_args;	/* max -1: no limit */
	int (*exec)(struct ioectl_ctx *, struct args *);
	const struct ioectl_cmd *const *subcmds; /* NULL-terminated */
};

extern const struct ioectl_cmd *const cmd_table[];

extern const struct ioectl_cmd cmd_ack_entry;
extern const struct ioectl_cmd cmd_alert_entry;
extern const struct ioectl_cmd cmd_alerts_entry;
extern const struct ioectl_cmd cmd_files_entry;
extern const struct ioectl_cmd cmd_help_entry;
extern const struct ioectl_cmd cmd_history_entry;
extern const struct ioectl_cmd cmd_listen_entry;
extern const struct ioectl_cmd cmd_msg_entry;
extern const struct ioectl_cmd cmd_role_entry;
extern const struct ioectl_cmd cmd_room_entry;
extern const struct ioectl_cmd cmd_say_entry;
extern const struct ioectl_cmd cmd_search_entry;
extern const struct ioectl_cmd cmd_tail_entry;
extern const struct ioectl_cmd cmd_user_entry;
extern const struct ioectl_cmd cmd_journal_entry;
extern const struct ioectl_cmd cmd_ledger_entry;
extern const struct ioectl_cmd cmd_map_entry;
extern const struct ioectl_cmd cmd_peers_entry;
extern const struct ioectl_cmd cmd_pki_entry;
extern const struct ioectl_cmd cmd_ptt_entry;
extern const struct ioectl_cmd cmd_status_entry;
extern const struct ioectl_cmd cmd_verify_entry;
extern const struct ioectl_cmd cmd_version_entry;
extern const struct ioectl_cmd cmd_voice_entry;

/* Finds name (or a unique prefix of it) in a NULL-terminated table.
 * Returns NULL with *cause set ("unknown command" or "ambiguous
 * command: ..., could be: ..."). */
const struct ioectl_cmd *cmd_find(const struct ioectl_cmd *const *table,
    const char *name, const char *what, char **cause);

/* Runs argv (argv[0] is the command's name) against table. Returns the
 * exit status. */
int cmd_run(struct ioectl_ctx *ctx, const struct ioectl_cmd *const *table,
    int argc, char **argv, const char *prefix);

/* The value of option name, or NULL if absent. */
const char *args_get(struct args *args, const char *name);

/* Calls method on the daemon. Returns EXIT_OK with *result set (caller
 * owns it), or prints the error and returns EXIT_FAILED or
 * EXIT_NO_DAEMON. */
int cmd_call(struct ioectl_ctx *ctx, const char *method, json_t *params,
    json_t **result);

/* The same, with a binary frame after the request (data, len; none if
 * data is NULL). If data_out is not NULL it gets the reply's binary
 * frame, or NULL if the reply had none (caller destroys it). */
int cmd_call_data(struct ioectl_ctx *ctx, const char *method, json_t *params,
    const void *data, size_t len, zframe_t **data_out, json_t **result);

/* Prints an error ("ioectl: ..." on stderr, and with --json also as an
 * object on stdout). Returns status. */
int cmd_error(struct ioectl_ctx *ctx, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prints a usage error and the command's usage. Returns EXIT_USAGE. */
int cmd_usage_error(struct ioectl_ctx *ctx, const struct ioectl_cmd *cmd,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The words of args joined by spaces, or standard input for a lone "-"
 * (one trailing newline dropped), checked to be UTF-8 without NUL.
 * Caller frees. Returns NULL after printing why, with *rc the status. */
char *cmd_text(struct ioectl_ctx *ctx, int argc, char **argv, size_t *len,
    int *rc);
/* Adds the acting user (-u) to params, if one was given. Returns params. */
json_t *cmd_with_user(struct ioectl_ctx *ctx, json_t *params);
/* Parses a duration such as 90s, 5m, 1h into seconds. Returns 0 or -1. */
int cmd_duration(const char *s, long *seconds);

/* Prints obj as one line of JSON on stdout. */
void cmd_print_json(json_t *obj);

/* Text from the mesh, made safe for a terminal; caller frees. */
char *cmd_safe(const char *text);

/* Prints the usage lines of cmd (and its subcommands) to fp. */
void cmd_print_usage(FILE *fp, const struct ioectl_cmd *cmd, bool summary);

#endif
