/* The node's store: the log of signed entries in SQLite (WAL), and the
 * views derived from it. The log is the truth; every view can be rebuilt
 * from it (store_rebuild_views). */
#ifndef IOE_STORE_H
#define IOE_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "entry.h"

/* 'ioe1': marks a SQLite file as an ioe store. */
#define STORE_APPLICATION_ID 0x696f6531
#define STORE_SCHEMA_VERSION 5

typedef struct store store_t;

enum store_sync { STORE_SYNC_FULL, STORE_SYNC_NORMAL };

/* Opens the store at path, creating it if it does not exist, for the node
 * whose key is node_key. Refuses a file that is not an ioe store, is
 * corrupt, has a newer schema, or belongs to another node. Returns NULL
 * with *cause set. Caller owns return value. */
store_t *store_open(const char *path, const uint8_t node_key[32],
    enum store_sync sync, char **cause);
void store_destroy(store_t **self_p);
sqlite3 *store_db(store_t *self);

/* Transactions: one commit makes every append since store_begin durable
 * (group commit). Each returns 0, or -1 with *cause set. */
int store_begin(store_t *self, char **cause);
int store_commit(store_t *self, char **cause);
void store_rollback(store_t *self);

/* Adds an entry that was verified by the caller and applies it to the
 * views. Returns 0 if added, 1 if that exact entry was already stored,
 * -1 with *cause set on failure. */
int store_append(store_t *self, const entry_t *entry, char **cause);

/* The highest sequence number of author and its id. Returns 0, or 1 if
 * the author has no entry. */
int store_head(store_t *self, const uint8_t author[32], uint64_t *seq,
    uint8_t id[ENTRY_ID_SIZE]);
uint64_t store_max_lamport(store_t *self);
/* True if an entry with that id is stored. */
bool store_has(store_t *self, const uint8_t id[ENTRY_ID_SIZE]);

/* Calls fn with the raw encoding of author's entries from seq first on,
 * at most count of them and, past the first, at most max_bytes in all.
 * Returns the number given, or -1. */
int store_range(store_t *self, const uint8_t author[32], uint64_t first,
    uint32_t count, size_t max_bytes,
    void (*fn)(const void *raw, size_t len, void *), void *arg);

/* Keeps a second, different entry of an author at a sequence number
 * already taken (a fork), as evidence. Returns 1 if it is new evidence,
 * 0 if already kept, -1 on failure. */
int store_add_fork(store_t *self, const entry_t *entry, char **cause);
int64_t store_fork_count(store_t *self);
int64_t store_count(store_t *self);
/* Bytes on disk: the database and its write-ahead log. */
int64_t store_size_bytes(store_t *self);

/* The entry with that id, or NULL if there is none (or it no longer
 * decodes: *cause says why). Caller owns return value. */
entry_t *store_get(store_t *self, const uint8_t id[ENTRY_ID_SIZE],
    char **cause);
/* Resolves a hex prefix of at least 8 digits to a stored id. Returns 0,
 * 1 if none matches, 2 if several do, 3 if it is not such a prefix;
 * *cause says which. */
int store_find_prefix(store_t *self, const char *prefix,
    uint8_t id[ENTRY_ID_SIZE], char **cause);

/* The node name announced by author, or NULL. Caller frees. */
char *store_node_name(store_t *self, const uint8_t author[32]);
/* The transport key announced by author, or NULL. Caller frees. */
char *store_node_transport(store_t *self, const uint8_t author[32]);

/* Resolves a NODE argument: a node name, or a hex prefix (>= 4 digits) of
 * an author key. Returns 0, 1 if unknown, 2 if ambiguous, with *cause. */
int store_find_author(store_t *self, const char *node, uint8_t author[32],
    char **cause);

typedef struct store_head_info {
	uint8_t author[32];
	uint64_t seq;
	uint8_t head[ENTRY_ID_SIZE];
	const char *name;	/* NULL if the author announced none */
} store_head_info_t;

/* Calls fn for each author's head, in author order. Returns 0 or -1. */
int store_foreach_head(store_t *self,
    void (*fn)(const store_head_info_t *, void *), void *arg);

typedef struct store_journal_filter {
	int64_t since_us;	/* INT64_MIN: no bound */
	int64_t until_us;	/* INT64_MAX: no bound */
	const uint8_t *author;	/* NULL: every author */
	int64_t last;		/* > 0: only the last N */
} store_journal_filter_t;

typedef struct store_journal_row {
	uint8_t id[ENTRY_ID_SIZE];
	uint8_t author[32];
	const char *name;
	uint64_t seq;
	uint64_t lamport;
	int64_t time_us;
	const char *text;
	size_t text_len;
} store_journal_row_t;

/* Calls fn for each journal entry matching filter, in the log's total
 * order (Lamport clock, author, sequence). Returns 0 or -1. */
int store_journal_foreach(store_t *self, const store_journal_filter_t *filter,
    void (*fn)(const store_journal_row_t *, void *), void *arg);

typedef struct store_verify_result {
	int64_t entries;	/* entries checked */
	int64_t authors;
	bool ok;
	uint8_t bad_id[ENTRY_ID_SIZE];	/* the first bad entry, as stored */
	char reason[256];
} store_verify_result_t;

/* Recomputes every id, signature and chain link. Returns 0 when the check
 * ran (see result->ok), -1 with *cause set if the store could not be read. */
int store_verify(store_t *self, store_verify_result_t *result, char **cause);

/* Empties the derived views and replays the log into them. */
int store_rebuild_views(store_t *self, char **cause);

void store_test(bool verbose);

#endif
