/* The chunks of the file ledger on disk: DIR/chunks/XX/HASH, each named
 * by its SHA-256 and checked against it whenever it is written or read. */
#ifndef IOE_BLOBS_H
#define IOE_BLOBS_H

#include <stdbool.h>
#include <stdint.h>

#include <czmq.h>

#define BLOB_CHUNK_SIZE (1024 * 1024)
#define BLOB_HASH_SIZE 32

typedef struct blobs blobs_t;

/* Opens (creating) DIR/chunks and takes stock of what it holds; leftovers
 * of writes a crash cut short are removed. Returns NULL with *cause set.
 * Caller owns the return value. */
blobs_t *blobs_new(const char *dir, char **cause);
void blobs_destroy(blobs_t **self_p);

bool blobs_has(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE]);
/* The size of a chunk held, or -1 if it is not here. */
int64_t blobs_size(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE]);
/* Stores data as the chunk hash, if its SHA-256 is hash. With sync, the
 * chunk is on disk when this returns (a client's upload: this node may be
 * the only one holding it). Returns 1 if stored, 0 if it was there, -1
 * with *cause set (hash mismatch, disk full...). */
int blobs_put(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE],
    const void *data, size_t len, bool sync, char **cause);
/* Reads the chunk hash into a new frame and checks it. A chunk whose
 * bytes do not match is deleted (it can be fetched again). Returns the
 * frame, or NULL with *bad telling whether it was there but damaged and
 * *cause set. Caller owns the frame. */
zframe_t *blobs_get(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE],
    bool *bad, char **cause);
/* Deletes the chunk hash if it is there. */
void blobs_remove(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE]);
/* What is held: chunks and bytes. */
size_t blobs_count(blobs_t *self);
uint64_t blobs_bytes(blobs_t *self);
/* Calls fn for every chunk held (hash, size); fn may remove it. */
void blobs_each(blobs_t *self,
    void (*fn)(const uint8_t hash[BLOB_HASH_SIZE], uint64_t size, void *arg),
    void *arg);

/* A file's id: the SHA-256 of its manifest (see ioe-protocol(7)). */
void manifest_id(uint64_t size, uint32_t chunk_size, const uint8_t *chunks,
    size_t nchunks, uint8_t id[BLOB_HASH_SIZE]);
/* How many chunks a file of size bytes has. */
uint64_t manifest_chunk_count(uint64_t size, uint32_t chunk_size);

void blobs_test(bool verbose);

#endif
