#include "config.h"

#include <stdio.h>

#include "cmd.h"

static int
cmd_help_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const struct ioectl_cmd *const *table = cmd_table;
	const struct ioectl_cmd *cmd = NULL;
	char *cause = NULL;
	int rc;

	if (args->argc == 0) {
		printf("commands:\n");
		for (size_t i = 0; cmd_table[i] != NULL; i++)
			cmd_print_usage(stdout, cmd_table[i], true);
		printf("global options: -d DIR, -u USER, --json, -t SECONDS; "
		       "see ioectl(1)\n");
		return EXIT_OK;
	}
	for (int i = 0; i < args->argc; i++) {
		if (table == NULL)
			break;
		cmd = cmd_find(table, args->argv[i], "command", &cause);
		if (cmd == NULL) {
			rc = cmd_error(ctx, EXIT_USAGE, "usage", "%s", cause);
			free(cause);
			return rc;
		}
		table = cmd->subcmds;
	}
	cmd_print_usage(stdout, cmd, false);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_help_entry = {
	.name = "help",
	.usage = "help [COMMAND]",
	.summary = "show the usage of every command, or of one",
	.min_args = 0,
	.max_args = 2,
	.exec = cmd_help_exec,
};
