/* The files view: one directory of the mesh's tree as files.ls gives it
 * (directories first), a selection in it, the details of one file from
 * files.stat (replication state, history), as rows of text. Paths are
 * mesh paths (doc/files.md): relative, '/'-separated, the root "";
 * fpath.h takes them apart. Names
 * and users come from the mesh and are raw here: they are made safe when
 * they become rows. */
#ifndef IOE_TUI_MODEL_FILES_H
#define IOE_TUI_MODEL_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tui.h"

typedef struct files_entry {
	char *name;
	char *path;
	bool dir;
	int64_t size;
	char *id;  /* hex, or NULL for a directory */
	char *who; /* "user@node", or NULL */
	int64_t time_us;
	int holders; /* nodes that hold every chunk */
	bool local;  /* this node does */
} files_entry_t;

typedef struct files {
	char *dir; /* the directory shown, "" for the root */
	files_entry_t *e;
	size_t n;
	size_t sel;   /* the selected entry (n == 0: none) */
	int top;      /* the first entry shown */
	bool loaded;  /* a listing of dir came */
	char *select; /* the name to select once listed, or NULL */
	char *error;  /* why the last listing failed, or NULL */
	json_t *stat; /* files.stat of the file opened, or NULL */
	char *note;   /* what the last transfer did, instead of the legend */
	int note_style;
	int stat_top; /* scroll of the details when they fill the body */
} files_t;

void files_init(files_t *self);
void files_free(files_t *self);

/* Goes to directory dir (a mesh path), forgetting the listing and the
 * details; select (may be NULL) is the name to select once it is
 * listed. */
void files_set_dir(files_t *self, const char *dir, const char *select);
/* Replaces the listing with a files.ls result, directories first, each
 * group by name, keeping the selected name when it is still there.
 * Returns 0, or -1 with *cause set if it is not as documented. */
int files_load(files_t *self, json_t *result, char **cause);
/* The listing could not be had: shown instead of the entries. */
void files_set_error(files_t *self, const char *error);
/* Shows text (made safe) under the listing in style, or the legend
 * again (NULL): the status line is often too short for the whole of it. */
void files_set_note(files_t *self, int style, const char *text);
/* The selected entry, or NULL. */
const files_entry_t *files_selected(const files_t *self);
/* Moves the selection by delta entries, within the listing. */
void files_move(files_t *self, int delta);

/* Shows the details of a file (a files.stat result, taken), or closes
 * them (NULL). Returns 0, or -1 with *cause set if it is not an
 * object with a path. */
int files_set_stat(files_t *self, json_t *stat, char **cause);
/* The path of the file whose details are shown, or NULL. */
const char *files_stat_path(const files_t *self);

/* The view in height rows of width columns: the breadcrumb, the
 * listing (name, size, holders, user@node, time) and, when a file is
 * opened, its details beside it (or instead of it when narrower than
 * FILES_SPLIT_MIN columns). */
#define FILES_SPLIT_MIN 100
void files_render(files_t *self, int width, int height, tui_rows_t *out);
/* The details of the opened file alone (size, id, mode, chunks here,
 * holders, history), wrapped to width. */
void files_details_rows(const files_t *self, int width, tui_rows_t *out);
/* Entries the listing shows in height rows of the view. */
int files_page(int height);

void model_files_test(bool verbose);

#endif
