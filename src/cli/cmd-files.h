/* What the files commands share (cmd-files.c, cmd-files-put.c,
 * cmd-files-get.c); see ioectl(1), FILES, and doc/files.md. */
#ifndef IOECTL_CMD_FILES_H
#define IOECTL_CMD_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"

/* Chunks are cut at 1 MiB (doc/files.md); the daemon takes no larger. */
#define FILES_CHUNK_SIZE (1024 * 1024)
/* The id of a file as people see it: its first 12 hex digits. */
#define FILES_ID_SHORT 12

extern const struct ioectl_cmd cmd_files_put_entry;
extern const struct ioectl_cmd cmd_files_get_entry;

/* Mesh paths are checked by the daemon, but JSON carries only UTF-8: a
 * path that is not is refused here, in the daemon's words. Returns
 * EXIT_OK, or EXIT_FAILED after printing why. */
int files_path_utf8(struct ioectl_ctx *ctx, const char *path);

/* The short form of a file id (hex) into out, or "-" if id is NULL. */
void files_id_short(const char *id, char out[FILES_ID_SHORT + 1]);

/* True if a progress bar may be drawn: not --json, not -q. */
bool files_show_progress(struct ioectl_ctx *ctx, struct args *args);

#endif
