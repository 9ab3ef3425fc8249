/* ioectl: drives an ioe node through its control API. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cmd.h"
#include "datadir.h"
#include "proto.h"
#include "util.h"

#define TIMEOUT_DEFAULT_MS 10000

static const char usage_text[] =
    "usage: ioectl [-hV] [-d DIR] [-u USER] [--json] [-t SECONDS] COMMAND [ARG ...]\n";

static int
parse_timeout(const char *s, int *ms)
{
	char *end;
	double seconds = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(seconds > 0) || seconds > 86400)
		return -1;
	*ms = (int)(seconds * 1000);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "timeout", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ioectl_ctx ctx = { NULL, NULL, false, TIMEOUT_DEFAULT_MS, NULL };
	const char *dir = NULL, *timeout = getenv("IOE_TIMEOUT");
	int c, rc;

	/* Errors found before --json is parsed are still given as JSON. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx.json = true;
	}
	opterr = 0;
	/* '+': the global options end at the command's name. */
	ctx.user = getenv("IOE_USER");
	if (ctx.user != NULL && *ctx.user == '\0')
		ctx.user = NULL;
	while ((c = getopt_long(argc, argv, "+:d:ht:u:V", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'J': ctx.json = true; break;
		case 't': timeout = optarg; break;
		case 'u': ctx.user = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			cmd_help_entry.exec(&ctx, &(struct args){ 0 });
			return EXIT_OK;
		case 'V':
			printf("ioectl %s (protocol %d)\n", PACKAGE_VERSION,
			    IOE_PROTOCOL_VERSION);
			return EXIT_OK;
		case ':':
			cmd_error(&ctx, EXIT_USAGE, "usage",
			    "option '%s' needs a value", getopt_refused(argv));
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		default:
			cmd_error(&ctx, EXIT_USAGE, "usage",
			    "unknown option '%s'", getopt_refused(argv));
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (timeout != NULL && parse_timeout(timeout, &ctx.timeout_ms) != 0)
		return cmd_error(&ctx, EXIT_USAGE, "usage",
		    "bad time-out '%s'%s: give seconds, more than 0 and at "
		    "most 86400",
		    timeout, timeout == getenv("IOE_TIMEOUT") ? " in IOE_TIMEOUT"
							   : "");
	if (optind >= argc) {
		cmd_error(&ctx, EXIT_USAGE, "usage",
		    "no command given (see 'ioectl help')");
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	ctx.dir = datadir_resolve(dir);
	rc = cmd_run(&ctx, cmd_table, argc - optind, argv + optind, NULL);
	ctl_client_destroy(&ctx.client);
	free(ctx.dir);
	return rc;
}
