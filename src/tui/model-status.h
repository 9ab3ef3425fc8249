/* The status view: the node (from 'status'), its links (from 'peers')
 * and what ioe-tui itself knows, as rows of text. */
#ifndef IOE_TUI_MODEL_STATUS_H
#define IOE_TUI_MODEL_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tui.h"

struct status_info {
	json_t *status;    /* result of 'status', or NULL */
	json_t *peers;     /* result of 'peers', or NULL */
	const char *me;    /* "user@node", or NULL */
	const char *dir;   /* the data directory */
	size_t rooms;      /* rooms in the room list */
	size_t alerts;     /* open alerts waiting for the acting user */
	bool chat;         /* the daemon has chat methods */
	const char *error; /* the last failure to get the status, or NULL */
};

void status_rows(const struct status_info *info, int width, tui_rows_t *out);

void model_status_test(bool verbose);

#endif
