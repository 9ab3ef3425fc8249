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
/* What files.put and files_store_bytes share: checks that the chunks
 * (n hashes of 32 bytes) are on this node with the lengths a file of size
 * bytes needs and that path can take a file, then appends the file.put
 * entry for user (a user of this node) in the open batch. Returns
 * {path, id, size, entry, user}, or NULL with *err set. */
json_t *api_files_put_chunks(node_t *node, const char *path,
    const char *user, json_int_t size, json_int_t mode,
    const uint8_t *chunks, size_t n, api_error_t *err);

#endif
