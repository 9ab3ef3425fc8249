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
#include "model-files.h"
#include "model-input.h"
#include "model-map.h"
#include "model-room.h"
#include "model-status.h"
#include "model-text.h"
#include "model-voice.h"
#include "model-xfer.h"
#include "selftest.h"

static const selftest_t tests[] = {
    {"text", model_text_test},
    {"buffer", model_buffer_test},
    {"input", model_input_test},
    {"cmd", model_cmd_test},
    {"alert", model_alert_test},
    {"map", model_map_test},
    {"room", model_room_test},
    {"status", model_status_test},
    {"files", model_files_test},
    {"xfer", model_xfer_test},
    {"voice", model_voice_test},
    {"app", model_app_test},
};

int
main(int argc, char **argv)
{
	/* Widths of wide characters need a UTF-8 locale. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	return selftest_main("ioe-tui-selftest", tests,
	    sizeof tests / sizeof *tests, argc, argv);
}
