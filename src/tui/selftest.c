/* ioe-tui-selftest: runs the self-test of each model class of ioe-tui,
 * headless (no terminal, no curses, no daemon).
 * Usage: ioe-tui-selftest [-lv] [-t NAME] */
#include "config.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model-alert.h"
#include "model-app.h"
#include "model-buffer.h"
#include "model-cmd.h"
#include "model-input.h"
#include "model-map.h"
#include "model-room.h"
#include "model-status.h"
#include "model-text.h"

static const struct {
	const char *name;
	void (*test)(bool);
} tests[] = {
    {"text", model_text_test},
    {"buffer", model_buffer_test},
    {"input", model_input_test},
    {"cmd", model_cmd_test},
    {"alert", model_alert_test},
    {"map", model_map_test},
    {"room", model_room_test},
    {"status", model_status_test},
    {"app", model_app_test},
};

int
main(int argc, char **argv)
{
	const char *only = NULL;
	bool verbose = false, found = false;
	int c;

	/* Widths of wide characters need a UTF-8 locale. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	while ((c = getopt(argc, argv, "t:vl")) != -1) {
		switch (c) {
		case 't':
			only = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'l':
			for (size_t i = 0; i < sizeof tests / sizeof *tests;
			     i++)
				puts(tests[i].name);
			return 0;
		default:
			fprintf(stderr,
			    "usage: ioe-tui-selftest [-lv] [-t NAME]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
		if (only != NULL && strcmp(only, tests[i].name) != 0)
			continue;
		found = true;
		if (verbose)
			printf(" * %s\n", tests[i].name);
		tests[i].test(verbose);
	}
	if (!found) {
		fprintf(stderr, "ioe-tui-selftest: no test '%s'\n", only);
		return 2;
	}
	return 0;
}
