/* The file ledger's views (doc/files.md): the tree, the operations with
 * what became of each, the manifests and who holds which file. */
#ifndef IOE_VIEWS_FILES_H
#define IOE_VIEWS_FILES_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "entry.h"

/* The chunks of one file: its manifest must fit in one entry (67 bytes
 * of JSON a chunk, room left for the path and names), so a file is at
 * most 15 000 MiB. */
#define FILE_CHUNKS_MAX 15000

/* A file.put body, checked: every field present and in range, and the id
 * the manifest's. chunks is n * 32 bytes (owned). */
typedef struct file_put {
	const char *path, *user, *node;	/* in the JSON body */
	uint64_t size;
	uint32_t mode, chunk_size;
	uint8_t *chunks;
	size_t nchunks;
	uint8_t id[32];
	bool has_base;
	uint8_t base[32];
} file_put_t;

/* Parses and checks a file.put body. Returns 0, or -1 with *cause. */
int file_put_parse(json_t *body, file_put_t *put, char **cause);
/* Reads a JSON array of hex hashes into n * 32 new bytes. Returns 0, or
 * -1 with *cause. */
int file_chunks_parse(json_t *array, uint8_t **chunks, size_t *n,
    char **cause);

/* What the tree holds at path: 1 (*dir, and the id if it is a file), 0
 * if nothing, -1 with *cause on a store error. */
int views_files_at(sqlite3 *db, const char *path, bool *dir, uint8_t id[32],
    bool *has_id, char **cause);

/* kinds file.put, file.mkdir, file.mv, file.rm */
int views_files_op(sqlite3 *db, const entry_t *e, char **cause);
/* kind file.have */
int views_files_have(sqlite3 *db, const entry_t *e, char **cause);
/* Counts changes to the tree: a reader that saw another number must
 * look again (the fetcher does). */
uint64_t views_files_generation(void);

#endif
