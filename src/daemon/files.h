/* The file ledger's chunks on this node: what it holds, what it still
 * needs, and the fetcher that pulls the missing chunks from neighbours,
 * several at a time on every link (doc/files.md). */
#ifndef IOED_FILES_H
#define IOED_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>
#include <jansson.h>

#include "blobs.h"
#include "conf.h"
#include "node.h"

typedef struct files files_t;

/* How the fetcher sends on a link of the mesh (link is the mesh's). */
typedef void(files_send_fn)(void *arg, void *link, zmsg_t **msg);

/* Opens the chunk store of node's directory. Returns NULL with *cause.
 * Caller owns the return value. */
files_t *files_new(node_t *node, const conf_t *conf, char **cause);
void files_destroy(files_t **self_p);
blobs_t *files_blobs(files_t *self);

/* The mesh's side. */
void files_set_sender(files_t *self, files_send_fn *send, void *arg);
void files_link_up(files_t *self, void *link);
void files_link_down(files_t *self, void *link);
/* A chunk a neighbour sent (data taken), or its "not here". */
void files_on_chunk(files_t *self, void *link, const uint8_t hash[32],
    zframe_t **data);
void files_on_none(files_t *self, void *link, const uint8_t hash[32]);
/* The answer to a neighbour's CHUNK_WANT. */
zmsg_t *files_serve(files_t *self, const uint8_t hash[32]);
/* Sends requests, retries, announces completed files. Returns the
 * milliseconds until it wants to run again. */
long files_tick(files_t *self, int64_t now);

/* The API's side. */
/* Fetches these chunks first (files.fetch, files.chunk.get). */
void files_prioritize(files_t *self, const uint8_t *chunks, size_t n);
/* 0 if extra more bytes fit in the quota, else -1 with *why. */
int files_quota_check(files_t *self, uint64_t extra, char **why);
/* Up links the fetcher can ask. */
size_t files_sources(files_t *self);
/* status's "files" object. Caller owns it. */
json_t *files_status(files_t *self);
/* Checks every chunk on disk; a bad one is deleted and fetched again.
 * Returns {"chunks", "bytes", "bad": [{"hash", "why"}]}. */
json_t *files_verify(files_t *self);
/* Whether this node holds every chunk of the file. */
bool files_complete(files_t *self, const uint8_t *chunks, size_t n);

/* The node's own side (the voice relay's recordings). */
/* Stores len bytes of data as a file of the file ledger at path (a mesh
 * path; missing parent directories are made by the tree, as for
 * files.put) for user, a user of this node: cuts them into chunks,
 * stores them, and appends the file.put entry. If something is at path
 * already, the first free name of "STEM 2.EXT", "STEM 3.EXT"... is taken
 * instead. If a batch is open (node->in_tx: inside a control method)
 * the entry joins it and its owner commits it; otherwise this opens one
 * and commits it before it returns, so the entry is flooded. Returns 0,
 * or -1 with *cause set (a bad path, an unknown user, quota exceeded, a
 * file in the way of a parent directory, a store error). */
int files_store_bytes(node_t *node, const char *path, const char *user,
    const void *data, size_t len, char **cause);

#endif
