#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "entry.h"
#include "progress.h"
#include "proto.h"
#include "util.h"

const struct ioectl_cmd *const cmd_table[] = {
	&cmd_ack_entry,
	&cmd_alert_entry,
	&cmd_alerts_entry,
	&cmd_files_entry,
	&cmd_help_entry,
	&cmd_history_entry,
	&cmd_journal_entry,
	&cmd_ledger_entry,
	&cmd_listen_entry,
	&cmd_map_entry,
	&cmd_msg_entry,
	&cmd_peers_entry,
	&cmd_pki_entry,
	&cmd_ptt_entry,
	&cmd_role_entry,
	&cmd_room_entry,
	&cmd_say_entry,
	&cmd_search_entry,
	&cmd_status_entry,
	&cmd_tail_entry,
	&cmd_user_entry,
	&cmd_verify_entry,
	&cmd_version_entry,
	&cmd_voice_entry,
	NULL,
};

const struct ioectl_cmd *
cmd_find(const struct ioectl_cmd *const *table, const char *name,
    const char *what, char **cause)
{
	const struct ioectl_cmd *found = NULL;
	char *list = NULL, *next;
	size_t len = strlen(name);
	int matches = 0;

	for (size_t i = 0; table[i] != NULL; i++) {
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
		if (len == 0 || strncmp(table[i]->name, name, len) != 0)
			continue;
		found = table[i];
		matches++;
		next = list == NULL ? xstrdup(found->name)
				    : xasprintf("%s, %s", list, found->name);
		free(list);
		list = next;
	}
	if (matches == 1) {
		free(list);
		return found;
	}
	if (matches == 0)
		fail(cause, "unknown %s: %s", what, name);
	else
		fail(cause, "ambiguous %s: %s, could be: %s", what, name, list);
	free(list);
	return NULL;
}

const char *
args_get(struct args *args, const char *name)
{
	const struct ioectl_cmd *cmd = args->cmd;

	for (int i = 0; i < CMD_OPTIONS_MAX && cmd->options[i].name != NULL;
	     i++) {
		if (strcmp(cmd->options[i].name, name) == 0)
			return args->values[i];
	}
	return NULL;
}

void
cmd_print_json(json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	puts(text != NULL ? text : "null");
	free(text);
	fflush(stdout);
}

static int
cmd_verror(struct ioectl_ctx *ctx, int status, const char *code,
    const char *fmt, va_list ap)
{
	char *message, *shown;

	if (vasprintf(&message, fmt, ap) < 0)
		abort();
	/* Messages quote what was typed or what the mesh holds: never let
	 * an escape sequence reach the terminal raw. */
	shown = text_inert(message, strlen(message));
	progress_interrupt();
	fprintf(stderr, "ioectl: %s\n", shown);
	free(shown);
	if (ctx != NULL && ctx->json) {
		json_t *obj = json_pack("{s:{s:s, s:s}}", "error", "code", code,
		    "message", message);

		cmd_print_json(obj);
		json_decref(obj);
	}
	free(message);
	return status;
}

int
cmd_error(struct ioectl_ctx *ctx, int status, const char *code,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cmd_verror(ctx, status, code, fmt, ap);
	va_end(ap);
	return rc;
}

void
cmd_print_usage(FILE *fp, const struct ioectl_cmd *cmd, bool summary)
{
	if (cmd->subcmds != NULL) {
		for (size_t i = 0; cmd->subcmds[i] != NULL; i++)
			cmd_print_usage(fp, cmd->subcmds[i], summary);
		return;
	}
	if (summary && strlen(cmd->usage) > 50)
		/* A long usage keeps its summary readable on the next line. */
		fprintf(fp, "  %s\n  %-50s %s\n", cmd->usage, "", cmd->summary);
	else if (summary)
		fprintf(fp, "  %-50s %s\n", cmd->usage, cmd->summary);
	else
		fprintf(fp, "usage: ioectl %s\n", cmd->usage);
}

int
cmd_usage_error(struct ioectl_ctx *ctx, const struct ioectl_cmd *cmd,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_verror(ctx, EXIT_USAGE, "usage", fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		cmd_print_usage(stderr, cmd, false);
	return EXIT_USAGE;
}

int
cmd_call(struct ioectl_ctx *ctx, const char *method, json_t *params,
    json_t **result)
{
	return cmd_call_data(ctx, method, params, NULL, 0, NULL, result);
}

int
cmd_call_data(struct ioectl_ctx *ctx, const char *method, json_t *params,
    const void *data, size_t len, zframe_t **data_out, json_t **result)
{
	char *cause = NULL, *code = NULL;
	enum ctl_status status;
	int rc;

	if (data_out != NULL)
		*data_out = NULL;
	if (ctx->client == NULL &&
	    (ctx->client = ctl_client_new(ctx->dir, &cause)) == NULL) {
		json_decref(params);
		rc = cmd_error(ctx, EXIT_NO_DAEMON, "no_daemon", "%s", cause);
		free(cause);
		return rc;
	}
	status = ctl_client_call_data(ctx->client, method, params, data, len,
	    data_out, ctx->timeout_ms, result, &code, &cause);
	if (status == CTL_OK)
		return EXIT_OK;
	rc = cmd_error(ctx,
	    status == CTL_NO_DAEMON		       ? EXIT_NO_DAEMON
	    : code != NULL && strcmp(code, CTL_E_USAGE) == 0 ? EXIT_USAGE
							     : EXIT_FAILED,
	    code != NULL ? code : "no_daemon", "%s", cause);
	free(cause);
	free(code);
	return rc;
}

char *
cmd_text(struct ioectl_ctx *ctx, int argc, char **argv, size_t *len, int *rc)
{
	char *text, *cause = NULL, *next;

	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		text = read_stream(STDIN_FILENO, ENTRY_BODY_MAX, len, &cause);
		if (text == NULL) {
			*rc = cmd_error(ctx, EXIT_FAILED,
			    strstr(cause, "larger than") != NULL ? "too_large"
								 : "invalid",
			    "standard input: %s", cause);
			free(cause);
			return NULL;
		}
		/* echo and here-documents end with a newline nobody typed. */
		if (*len > 0 && text[*len - 1] == '\n')
			text[--*len] = '\0';
		if (strlen(text) != *len) {
			free(text);
			*rc = cmd_error(ctx, EXIT_FAILED, "invalid",
			    "the text holds a NUL character");
			return NULL;
		}
	} else {
		text = xstrdup(argv[0]);
		for (int i = 1; i < argc; i++) {
			next = xasprintf("%s %s", text, argv[i]);
			free(text);
			text = next;
		}
		*len = strlen(text);
	}
	if (!text_is_utf8(text, *len)) {
		free(text);
		*rc = cmd_error(ctx, EXIT_FAILED, "invalid",
		    "the text is not valid UTF-8");
		return NULL;
	}
	return text;
}

json_t *
cmd_with_user(struct ioectl_ctx *ctx, json_t *params)
{
	if (ctx->user != NULL)
		json_object_set_new(params, "user", json_string(ctx->user));
	return params;
}

int
cmd_duration(const char *s, long *seconds)
{
	char *end;
	long n = strtol(s, &end, 10);
	long unit = 1;

	if (!isdigit((unsigned char)*s) || n < 0)
		return -1;
	if (strcmp(end, "s") == 0 || *end == '\0')
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else
		return -1;
	if (n > 7 * 86400 / unit)
		return -1;
	*seconds = n * unit;
	return 0;
}

char *
cmd_safe(const char *text)
{
	return text_escape(text, strlen(text));
}

/* Parses the command's options with getopt_long; --json and --help are
 * accepted by every command. Returns 0, EXIT_USAGE after printing why, or
 * -1 after printing the usage that --help asked for. */
static int
cmd_parse(struct ioectl_ctx *ctx, const struct ioectl_cmd *cmd, int argc,
    char **argv, struct args *args)
{
	struct option longopts[CMD_OPTIONS_MAX + 3];
	/* A leading ':' reports a missing value apart from an unknown
	 * option. Without '+', GNU getopt lets options follow arguments. */
	char shortopts[3 * CMD_OPTIONS_MAX + 2] = ":", *p = shortopts + 1;
	int n = 0, c, index;

	for (; n < CMD_OPTIONS_MAX && cmd->options[n].name != NULL; n++) {
		const struct cmd_option *o = &cmd->options[n];

		longopts[n] = (struct option){ o->name,
			o->has_arg ? required_argument : no_argument, NULL,
			256 + n };
		if (o->short_name != 0) {
			*p++ = (char)o->short_name;
			if (o->has_arg)
				*p++ = ':';
		}
	}
	*p = '\0';
	longopts[n] = (struct option){ "json", no_argument, NULL, 'J' };
	longopts[n + 1] = (struct option){ "help", no_argument, NULL, 'H' };
	longopts[n + 2] = (struct option){ NULL, 0, NULL, 0 };

	memset(args, 0, sizeof *args);
	args->cmd = cmd;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, &index)) !=
	    -1) {
		if (c == 'J') {
			ctx->json = true;
			continue;
		}
		if (c == 'H') {
			cmd_print_usage(stdout, cmd, false);
			return -1;
		}
		if (c == ':')
			return cmd_usage_error(ctx, cmd,
			    "option '%s' needs a value", getopt_refused(argv));
		if (c == '?')
			return cmd_usage_error(ctx, cmd,
			    "unknown option '%s' (put '--' before text "
			    "that starts with '-')",
			    getopt_refused(argv));
		for (int i = 0; i < n; i++) {
			if (c == 256 + i || c == cmd->options[i].short_name) {
				args->values[i] =
				    cmd->options[i].has_arg ? optarg : "";
				break;
			}
		}
	}
	args->argc = argc - optind;
	args->argv = argv + optind;
	if (args->argc < cmd->min_args)
		return cmd_usage_error(ctx, cmd, "missing argument");
	if (cmd->max_args >= 0 && args->argc > cmd->max_args)
		return cmd_usage_error(ctx, cmd, "unexpected argument '%s'",
		    args->argv[cmd->max_args]);
	return 0;
}

int
cmd_run(struct ioectl_ctx *ctx, const struct ioectl_cmd *const *table,
    int argc, char **argv, const char *prefix)
{
	const struct ioectl_cmd *cmd;
	char *cause = NULL, *what;
	struct args args;
	int rc;

	what = prefix != NULL ? xasprintf("%s command", prefix)
			      : xstrdup("command");
	cmd = cmd_find(table, argv[0], what, &cause);
	free(what);
	if (cmd == NULL) {
		rc = cmd_error(ctx, EXIT_USAGE, "usage", "%s (see 'ioectl help')",
		    cause);
		free(cause);
		return rc;
	}
	if (cmd->subcmds != NULL) {
		/* "ioectl files --help" shows what "ioectl help files" does. */
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			cmd_print_usage(stdout, cmd, false);
			return EXIT_OK;
		}
		if (argc < 2 || argv[1][0] == '-') {
			cmd_usage_error(ctx, NULL, "'%s' needs a subcommand",
			    cmd->name);
			cmd_print_usage(stderr, cmd, false);
			return EXIT_USAGE;
		}
		return cmd_run(ctx, cmd->subcmds, argc - 1, argv + 1,
		    cmd->name);
	}
	if ((rc = cmd_parse(ctx, cmd, argc, argv, &args)) != 0)
		return rc == -1 ? EXIT_OK : rc;
	return cmd->exec(ctx, &args);
}
