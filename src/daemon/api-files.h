/* What the file ledger's methods share (api-files.c, api-files-read.c). */
#ifndef IOED_API_FILES_H
#define IOED_API_FILES_H

#include "api.h"

/* The mesh path in params[key], checked (root_ok: "" may name the root).
 * Returns it, or NULL with *err set. */
const char *api_files_path(json_t *params, const char *key, bool root_ok,
    api_error_t *err);
/* A 64-hex-digit hash in params[key] into out. 0, or -1 with *err. */
int api_files_hash(json_t *params, const char *key, uint8_t out[32],
    api_error_t *err);
/* The tree's row at path as JSON (see doc/files.md), or NULL if nothing
 * is there. */
json_t *api_files_row(node_t *node, const char *path);
/* The rows of what directory dir ("": the root) holds directly,
 * directories first. */
json_t *api_files_children(node_t *node, const char *dir);

#endif
