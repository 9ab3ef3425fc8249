#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util.h"
#include "views.h"

struct store {
	sqlite3 *db;
	char *path;
	bool in_transaction;
	sqlite3_stmt *insert;
	sqlite3_stmt *exists;
	sqlite3_stmt *head;
};

/* Migrations, applied in order in one transaction each: migrations[i]
 * takes the schema from version i to i + 1. Never edit a released one;
 * add the next. */
static const char *const migrations[] = {
	/* 1: the log and the first views. */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE entries ("
	"  id BLOB PRIMARY KEY,"
	"  author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  lamport INTEGER NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  raw BLOB NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  UNIQUE (author, seq));"
	"CREATE INDEX entries_order ON entries (lamport, author, seq);"
	"CREATE TABLE nodes ("
	"  author BLOB PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  transport TEXT NOT NULL,"
	"  lamport INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL);"
	"CREATE INDEX nodes_name ON nodes (name);"
	"CREATE TABLE journal ("
	"  id BLOB PRIMARY KEY,"
	"  author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  lamport INTEGER NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  text TEXT NOT NULL);"
	"CREATE INDEX journal_order ON journal (lamport, author, seq);"
	"CREATE INDEX journal_time ON journal (time);",
	/* 2: evidence of forks. */
	"CREATE TABLE forks ("
	"  id BLOB PRIMARY KEY,"
	"  author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  raw BLOB NOT NULL,"
	"  seen INTEGER NOT NULL);"
	"CREATE TABLE revocations ("
	"  id BLOB PRIMARY KEY,"
	"  serial TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  sig TEXT NOT NULL);"
	"CREATE INDEX revocations_serial ON revocations (serial);"
	"CREATE TABLE certificates ("
	"  serial TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  pem TEXT NOT NULL);"
	"CREATE INDEX certificates_name ON certificates (name);",
	/* 3: chat, alerts, roles. Each row keeps the (lamport, author, seq)
	 * of the entry that set it, so that the latest in the log's total
	 * order wins whatever order entries arrive in. */
	"CREATE TABLE users ("
	"  author BLOB NOT NULL, name TEXT NOT NULL,"
	"  lamport INTEGER NOT NULL, PRIMARY KEY (author, name));"
	"CREATE TABLE rooms ("
	"  name TEXT PRIMARY KEY, topic TEXT NOT NULL,"
	"  author BLOB NOT NULL, user TEXT NOT NULL,"
	"  lamport INTEGER NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL,"
	"  topic_lamport INTEGER NOT NULL, topic_author BLOB NOT NULL,"
	"  topic_seq INTEGER NOT NULL);"
	"CREATE TABLE members ("
	"  room TEXT NOT NULL, author BLOB NOT NULL, user TEXT NOT NULL,"
	"  joined INTEGER NOT NULL,"
	"  lamport INTEGER NOT NULL, by BLOB NOT NULL, seq INTEGER NOT NULL,"
	"  PRIMARY KEY (room, author, user));"
	"CREATE TABLE messages ("
	"  id BLOB UNIQUE NOT NULL, room TEXT NOT NULL,"
	"  author BLOB NOT NULL, user TEXT NOT NULL,"
	"  lamport INTEGER NOT NULL, seq INTEGER NOT NULL,"
	"  time INTEGER NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX messages_order ON messages (room, lamport, author, seq);"
	"CREATE VIRTUAL TABLE messages_fts USING fts5 (text, "
	"  content = 'messages', content_rowid = 'rowid');"
	"CREATE TABLE mentions (msg BLOB NOT NULL, name TEXT NOT NULL,"
	"  node TEXT, PRIMARY KEY (msg, name, node));"
	"CREATE TABLE alerts ("
	"  id BLOB PRIMARY KEY, room TEXT NOT NULL,"
	"  author BLOB NOT NULL, user TEXT NOT NULL, text TEXT NOT NULL,"
	"  level TEXT NOT NULL, to_role TEXT, deadline_s INTEGER NOT NULL,"
	"  time INTEGER NOT NULL, lamport INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL);"
	"CREATE TABLE acks ("
	"  alert BLOB NOT NULL, author BLOB NOT NULL, user TEXT NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (alert, author, user));"
	"CREATE TABLE escalations ("
	"  alert BLOB NOT NULL, round INTEGER NOT NULL, role TEXT,"
	"  time INTEGER NOT NULL, PRIMARY KEY (alert, round));"
	"CREATE TABLE roles ("
	"  role TEXT NOT NULL, user TEXT NOT NULL, held INTEGER NOT NULL,"
	"  lamport INTEGER NOT NULL, author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL, PRIMARY KEY (role, user));"
	"CREATE TABLE deputies ("
	"  role TEXT PRIMARY KEY, deputy TEXT NOT NULL,"
	"  lamport INTEGER NOT NULL, author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL);"
	/* Local to this node, not derived from the log: what each of its
	 * users has read. */
	"CREATE TABLE read_marks ("
	"  room TEXT NOT NULL, user TEXT NOT NULL, lamport INTEGER NOT NULL,"
	"  PRIMARY KEY (room, user));",
	/* 4: the file ledger (doc/files.md). */
	"CREATE TABLE file_tree ("
	"  path TEXT PRIMARY KEY, type TEXT NOT NULL, id BLOB,"
	"  size INTEGER NOT NULL, mode INTEGER NOT NULL,"
	"  user TEXT NOT NULL, node TEXT NOT NULL, author BLOB NOT NULL,"
	"  time INTEGER NOT NULL, entry BLOB NOT NULL);"
	"CREATE INDEX file_tree_id ON file_tree (id);"
	"CREATE TABLE file_ops ("
	"  entry BLOB PRIMARY KEY, lamport INTEGER NOT NULL,"
	"  author BLOB NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL,"
	"  op TEXT NOT NULL, path TEXT NOT NULL, dest TEXT, id BLOB,"
	"  size INTEGER, user TEXT NOT NULL, node TEXT NOT NULL,"
	"  outcome TEXT NOT NULL);"
	"CREATE INDEX file_ops_order ON file_ops (lamport, author, seq);"
	"CREATE TABLE manifests ("
	"  id BLOB PRIMARY KEY, size INTEGER NOT NULL,"
	"  chunk_size INTEGER NOT NULL, chunks BLOB NOT NULL);"
	"CREATE TABLE file_holders ("
	"  id BLOB NOT NULL, author BLOB NOT NULL, PRIMARY KEY (id, author));"
	"CREATE TABLE files_applied ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1), lamport INTEGER NOT NULL,"
	"  author BLOB NOT NULL, seq INTEGER NOT NULL);",
	/* 5: room settings (room.set), one row per room and setting: the
	 * value as compact JSON, and the entry that set it, so that the
	 * latest in the log's total order wins. */
	"CREATE TABLE room_settings ("
	"  room TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  lamport INTEGER NOT NULL, author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL, PRIMARY KEY (room, key));",
};

static int
store_exec(store_t *self, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(self->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fail(cause, "'%s': %s", self->path,
		    err != NULL ? err : sqlite3_errmsg(self->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Runs a query returning one value; *text (if not NULL) gets a copy of it
 * as text, which the caller frees. Returns 0, or the SQLite error code
 * with *cause set. */
static int
store_query(store_t *self, const char *sql, int64_t *value, char **text,
    char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = sqlite3_prepare_v2(self->db, sql, -1, &stmt, NULL)) !=
	    SQLITE_OK)
		return fail(cause, "%s", sqlite3_errmsg(self->db)), rc;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(stmt, 0);
		if (text != NULL)
			*text = xstrdup(
			    sqlite3_column_type(stmt, 0) == SQLITE_NULL
				? ""
				: (const char *)sqlite3_column_text(stmt, 0));
	} else if (rc == SQLITE_DONE) {
		*value = 0;
		if (text != NULL)
			*text = xstrdup("");
	} else {
		fail(cause, "%s", sqlite3_errmsg(self->db));
		sqlite3_finalize(stmt);
		return rc;
	}
	sqlite3_finalize(stmt);
	return 0;
}

static int
store_query_int(store_t *self, const char *sql, int64_t *value, char **cause)
{
	return store_query(self, sql, value, NULL, cause) == 0 ? 0 : -1;
}

/* SQLite's own structural check; corruption is refused at start rather
 * than found half-way through a crisis. */
static int
store_quick_check(store_t *self, char **cause)
{
	char *text = NULL, *reason = NULL;
	int64_t ignored;
	int rc = 0;

	if (store_query(self, "PRAGMA quick_check", &ignored, &text,
		&reason) != 0)
		rc = fail(cause, "'%s' is corrupt: %s", self->path, reason);
	else if (strcmp(text, "ok") != 0)
		rc = fail(cause, "'%s' is corrupt: %s", self->path, text);
	free(text);
	free(reason);
	return rc;
}

static int
store_prepare(store_t *self, sqlite3_stmt **stmt, const char *sql,
    char **cause)
{
	if (sqlite3_prepare_v2(self->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return fail(cause, "'%s': cannot prepare a statement: %s",
		    self->path, sqlite3_errmsg(self->db));
	return 0;
}

/* Checks what kind of file this is before anything is written to it. */
static int
store_check_identity(store_t *self, const uint8_t node_key[32], bool *fresh,
    char **cause)
{
	int64_t app_id, version, tables;
	char *reason = NULL;
	char key_hex[65];
	sqlite3_stmt *stmt;
	int rc;

	rc = store_query(self, "PRAGMA application_id", &app_id, NULL, &reason);
	if (rc != 0) {
		if (rc == SQLITE_NOTADB)
			fail(cause, "'%s' is not an ioe store (%s)", self->path,
			    reason);
		else
			fail(cause, "'%s' is corrupt: %s", self->path, reason);
		free(reason);
		return -1;
	}
	if (store_query(self, "SELECT count(*) FROM sqlite_master", &tables,
		NULL, &reason) != 0 ||
	    store_query(self, "PRAGMA user_version", &version, NULL,
		&reason) != 0) {
		fail(cause, "'%s' is corrupt: %s", self->path, reason);
		free(reason);
		return -1;
	}
	if (app_id == 0 && tables == 0) {
		*fresh = true;
		return 0;
	}
	if (app_id != STORE_APPLICATION_ID)
		return fail(cause,
		    "'%s' is not an ioe store (it is another SQLite database)",
		    self->path);
	if (version > STORE_SCHEMA_VERSION)
		return fail(cause,
		    "'%s' has schema version %" PRId64 ", newer than the %d "
		    "this ioed knows: use a newer ioed",
		    self->path, version, STORE_SCHEMA_VERSION);
	*fresh = false;

	hex_encode(node_key, 32, key_hex);
	if (store_prepare(self, &stmt,
		"SELECT value FROM meta WHERE key = 'node_key'", cause) != 0)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return fail(cause, "'%s' is corrupt: it names no node key",
		    self->path);
	}
	if (strcmp((const char *)sqlite3_column_text(stmt, 0), key_hex) != 0) {
		fail(cause,
		    "'%s' belongs to another node (its key %.16s..., this "
		    "node's key %.16s...)",
		    self->path, sqlite3_column_text(stmt, 0), key_hex);
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}

static int
store_migrate(store_t *self, const uint8_t node_key[32], bool fresh,
    char **cause)
{
	int64_t version;
	char key_hex[65], *sql;
	int rc;

	if (store_query_int(self, "PRAGMA user_version", &version, cause) != 0)
		return -1;
	for (; version < STORE_SCHEMA_VERSION; version++) {
		if (store_exec(self, "BEGIN IMMEDIATE", cause) != 0)
			return -1;
		if (store_exec(self, migrations[version], cause) != 0)
			goto bad;
		if (version == 0 && fresh) {
			hex_encode(node_key, 32, key_hex);
			sql = xasprintf("PRAGMA application_id = %d;"
					"INSERT INTO meta VALUES ('node_key', '%s');"
					"INSERT INTO meta VALUES ('format', 'ioe store');",
			    STORE_APPLICATION_ID, key_hex);
			rc = store_exec(self, sql, cause);
			free(sql);
			if (rc != 0)
				goto bad;
		}
		sql = xasprintf("PRAGMA user_version = %" PRId64, version + 1);
		rc = store_exec(self, sql, cause);
		free(sql);
		if (rc != 0 || store_exec(self, "COMMIT", cause) != 0)
			goto bad;
	}
	return 0;
bad:
	store_exec(self, "ROLLBACK", NULL);
	return -1;
}

store_t *
store_open(const char *path, const uint8_t node_key[32], enum store_sync sync,
    char **cause)
{
	store_t *self = xcalloc(1, sizeof *self);
	int64_t old_version = 0;
	bool fresh = false;

	self->path = xstrdup(path);
	if (sqlite3_open_v2(path, &self->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		fail(cause, "cannot open '%s': %s", path,
		    self->db != NULL ? sqlite3_errmsg(self->db)
				     : "out of memory");
		goto bad;
	}
	sqlite3_extended_result_codes(self->db, 0);
	sqlite3_busy_timeout(self->db, 5000);
	if (store_check_identity(self, node_key, &fresh, cause) != 0)
		goto bad;
	if (!fresh && store_quick_check(self, cause) != 0)
		goto bad;
	if (store_query_int(self, "PRAGMA user_version", &old_version,
		cause) != 0)
		goto bad;
	if (store_exec(self, "PRAGMA journal_mode = WAL", cause) != 0)
		goto bad;
	if (store_exec(self,
		sync == STORE_SYNC_FULL ? "PRAGMA synchronous = FULL"
					: "PRAGMA synchronous = NORMAL",
		cause) != 0)
		goto bad;
	if (store_exec(self, "PRAGMA foreign_keys = ON", cause) != 0)
		goto bad;
	if (store_migrate(self, node_key, fresh, cause) != 0)
		goto bad;
	/* A new schema brings new views: fill them from the log (entries of
	 * kinds this version now knows may already be there). */
	if (!fresh && old_version < STORE_SCHEMA_VERSION &&
	    (store_begin(self, cause) != 0 ||
		store_rebuild_views(self, cause) != 0 ||
		store_commit(self, cause) != 0))
		goto bad;
	if (store_prepare(self, &self->insert,
		"INSERT INTO entries (id, author, seq, lamport, time, kind, "
		"raw, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		cause) != 0 ||
	    store_prepare(self, &self->exists,
		"SELECT id FROM entries WHERE author = ? AND seq = ?",
		cause) != 0 ||
	    store_prepare(self, &self->head,
		"SELECT seq, id FROM entries WHERE author = ? "
		"ORDER BY seq DESC LIMIT 1",
		cause) != 0)
		goto bad;
	return self;
bad:
	store_destroy(&self);
	return NULL;
}

void
store_destroy(store_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		store_t *self = *self_p;

		if (self->in_transaction)
			store_rollback(self);
		sqlite3_finalize(self->insert);
		sqlite3_finalize(self->exists);
		sqlite3_finalize(self->head);
		sqlite3_close(self->db);
		free(self->path);
		free(self);
		*self_p = NULL;
	}
}

sqlite3 *
store_db(store_t *self)
{
	return self->db;
}

int
store_begin(store_t *self, char **cause)
{
	if (store_exec(self, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	self->in_transaction = true;
	return 0;
}

int
store_commit(store_t *self, char **cause)
{
	if (store_exec(self, "COMMIT", cause) != 0) {
		store_rollback(self);
		return -1;
	}
	self->in_transaction = false;
	return 0;
}

void
store_rollback(store_t *self)
{
	/* A failed COMMIT may already have rolled back: ignore the error. */
	sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
	self->in_transaction = false;
}

int
store_append(store_t *self, const entry_t *entry, char **cause)
{
	sqlite3_stmt *s = self->exists;
	int rc;

	sqlite3_bind_blob(s, 1, entry->author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)entry->seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		bool same = memcmp(sqlite3_column_blob(s, 0), entry->id,
				ENTRY_ID_SIZE) == 0;

		sqlite3_reset(s);
		if (same)
			return 1;
		return fail(cause, "another entry already holds sequence "
				   "number %llu of that author",
		    (unsigned long long)entry->seq);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(cause, "'%s': %s", self->path,
		    sqlite3_errmsg(self->db));

	s = self->insert;
	sqlite3_bind_blob(s, 1, entry->id, ENTRY_ID_SIZE, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, entry->author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)entry->seq);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)entry->lamport);
	sqlite3_bind_int64(s, 5, entry->time_us);
	sqlite3_bind_text(s, 6, entry->kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, entry->raw, (int)entry->raw_len,
	    SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, time_now_us());
	/* The entry and its views go in together or not at all, without
	 * undoing the rest of a group commit. */
	if (store_exec(self, "SAVEPOINT append", cause) != 0)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		fail(cause, "'%s': cannot store the entry: %s", self->path,
		    sqlite3_errmsg(self->db));
		goto undo;
	}
	if (views_apply(self, entry, cause) != 0)
		goto undo;
	return store_exec(self, "RELEASE append", cause);
undo:
	sqlite3_exec(self->db, "ROLLBACK TO append; RELEASE append", NULL,
	    NULL, NULL);
	return -1;
}

int
store_head(store_t *self, const uint8_t author[32], uint64_t *seq,
    uint8_t id[ENTRY_ID_SIZE])
{
	sqlite3_stmt *s = self->head;
	int found = 1;

	sqlite3_bind_blob(s, 1, author, 32, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_bytes(s, 1) == ENTRY_ID_SIZE) {
		*seq = (uint64_t)sqlite3_column_int64(s, 0);
		memcpy(id, sqlite3_column_blob(s, 1), ENTRY_ID_SIZE);
		found = 0;
	}
	sqlite3_reset(s);
	return found;
}

uint64_t
store_max_lamport(store_t *self)
{
	int64_t v = 0;

	store_query_int(self, "SELECT max(lamport) FROM entries", &v, NULL);
	return (uint64_t)v;
}

bool
store_has(store_t *self, const uint8_t id[ENTRY_ID_SIZE])
{
	sqlite3_stmt *s;
	bool found = false;

	if (sqlite3_prepare_v2(self->db, "SELECT 1 FROM entries WHERE id = ?",
		-1, &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_blob(s, 1, id, ENTRY_ID_SIZE, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

int
store_range(store_t *self, const uint8_t author[32], uint64_t first,
    uint32_t count, size_t max_bytes,
    void (*fn)(const void *raw, size_t len, void *), void *arg)
{
	sqlite3_stmt *s;
	size_t bytes = 0;
	int n = 0;

	if (sqlite3_prepare_v2(self->db,
		"SELECT raw FROM entries WHERE author = ? AND seq >= ? "
		"ORDER BY seq LIMIT ?",
		-1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_blob(s, 1, author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)first);
	sqlite3_bind_int64(s, 3, count);
	while (sqlite3_step(s) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(s, 0);

		if (n > 0 && bytes + len > max_bytes)
			break;
		fn(sqlite3_column_blob(s, 0), len, arg);
		bytes += len;
		n++;
	}
	sqlite3_finalize(s);
	return n;
}

int
store_add_fork(store_t *self, const entry_t *entry, char **cause)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(self, &s,
		"INSERT OR IGNORE INTO forks VALUES (?, ?, ?, ?, ?)",
		cause) != 0)
		return -1;
	sqlite3_bind_blob(s, 1, entry->id, ENTRY_ID_SIZE, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, entry->author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)entry->seq);
	sqlite3_bind_blob(s, 4, entry->raw, (int)entry->raw_len,
	    SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, time_now_us());
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(cause, "cannot keep fork evidence: %s",
		    sqlite3_errmsg(self->db));
	return sqlite3_changes(self->db) > 0 ? 1 : 0;
}

int64_t
store_fork_count(store_t *self)
{
	int64_t v = 0;

	store_query_int(self, "SELECT count(*) FROM forks", &v, NULL);
	return v;
}

int64_t
store_count(store_t *self)
{
	int64_t v = 0;

	store_query_int(self, "SELECT count(*) FROM entries", &v, NULL);
	return v;
}

int64_t
store_size_bytes(store_t *self)
{
	int64_t pages = 0, page_size = 0, total;
	char *wal = xasprintf("%s-wal", self->path);
	struct stat st;

	store_query_int(self, "PRAGMA page_count", &pages, NULL);
	store_query_int(self, "PRAGMA page_size", &page_size, NULL);
	total = pages * page_size;
	if (stat(wal, &st) == 0)
		total += st.st_size;
	free(wal);
	return total;
}

entry_t *
store_get(store_t *self, const uint8_t id[ENTRY_ID_SIZE], char **cause)
{
	sqlite3_stmt *s;
	entry_t *entry = NULL;

	if (store_prepare(self, &s, "SELECT raw FROM entries WHERE id = ?",
		cause) != 0)
		return NULL;
	sqlite3_bind_blob(s, 1, id, ENTRY_ID_SIZE, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		char *reason = NULL;

		entry = entry_decode(sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), &reason);
		if (entry == NULL) {
			fail(cause, "the stored entry does not decode: %s",
			    reason);
			free(reason);
		}
	} else
		fail(cause, "no such entry");
	sqlite3_finalize(s);
	return entry;
}

/* Hex prefixes become a range of blobs: [prefix00.., prefixff..]. Returns
 * the number of matches (at most 2) and the first in id. */
static int
store_match_prefix(store_t *self, const char *sql, const char *prefix,
    size_t size, uint8_t *id)
{
	uint8_t low[32] = { 0 }, high[32];
	size_t len = strlen(prefix), nbytes;
	sqlite3_stmt *s;
	int matches = 0;
	char *padded;

	memset(high, 0xff, sizeof high);
	padded = xasprintf("%s%s", prefix, len % 2 ? "0" : "");
	nbytes = strlen(padded) / 2;
	if (nbytes > size || hex_decode(padded, low, nbytes) != 0) {
		free(padded);
		return 0;
	}
	memcpy(high, low, nbytes);
	if (len % 2)
		high[nbytes - 1] |= 0x0f;
	free(padded);
	if (sqlite3_prepare_v2(self->db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_blob(s, 1, low, (int)size, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, high, (int)size, SQLITE_STATIC);
	while (matches < 2 && sqlite3_step(s) == SQLITE_ROW) {
		if (matches == 0)
			memcpy(id, sqlite3_column_blob(s, 0), size);
		matches++;
	}
	sqlite3_finalize(s);
	return matches;
}

int
store_find_prefix(store_t *self, const char *prefix, uint8_t id[ENTRY_ID_SIZE],
    char **cause)
{
	int n;

	if (!hex_is_valid(prefix) || strlen(prefix) < 8 ||
	    strlen(prefix) > 2 * ENTRY_ID_SIZE) {
		fail(cause, "bad entry id '%s': give 8 to 64 hex digits",
		    prefix);
		return 3;
	}
	n = store_match_prefix(self,
	    "SELECT id FROM entries WHERE id BETWEEN ? AND ? LIMIT 2", prefix,
	    ENTRY_ID_SIZE, id);
	if (n == 0)
		fail(cause, "no entry with id '%s'", prefix);
	else if (n > 1)
		fail(cause, "entry id '%s' is ambiguous: give more digits",
		    prefix);
	return n == 1 ? 0 : n == 0 ? 1 : 2;
}

/* One column of the author's row in the nodes view. */
static char *
store_node_column(store_t *self, const char *sql, const uint8_t author[32])
{
	sqlite3_stmt *s;
	char *value = NULL;

	if (sqlite3_prepare_v2(self->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_blob(s, 1, author, 32, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		value = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return value;
}

char *
store_node_name(store_t *self, const uint8_t author[32])
{
	return store_node_column(self,
	    "SELECT name FROM nodes WHERE author = ?", author);
}

char *
store_node_transport(store_t *self, const uint8_t author[32])
{
	return store_node_column(self,
	    "SELECT transport FROM nodes WHERE author = ?", author);
}

int
store_find_author(store_t *self, const char *node, uint8_t author[32],
    char **cause)
{
	sqlite3_stmt *s;
	int n = 0;

	if (sqlite3_prepare_v2(self->db,
		"SELECT author FROM nodes WHERE name = ? LIMIT 2", -1, &s,
		NULL) != SQLITE_OK)
		return fail(cause, "%s", sqlite3_errmsg(self->db)), 1;
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	while (n < 2 && sqlite3_step(s) == SQLITE_ROW) {
		if (n == 0)
			memcpy(author, sqlite3_column_blob(s, 0), 32);
		n++;
	}
	sqlite3_finalize(s);
	if (n == 0 && hex_is_valid(node) && strlen(node) >= 4)
		n = store_match_prefix(self,
		    "SELECT DISTINCT author FROM entries "
		    "WHERE author BETWEEN ? AND ? LIMIT 2",
		    node, 32, author);
	if (n == 0)
		fail(cause, "no node '%s': give a node name or 4 or more hex "
			    "digits of its key",
		    node);
	else if (n > 1)
		fail(cause, "node '%s' is ambiguous: give more hex digits of "
			    "its key",
		    node);
	return n == 1 ? 0 : n == 0 ? 1 : 2;
}

int
store_foreach_head(store_t *self,
    void (*fn)(const store_head_info_t *, void *), void *arg)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(self->db,
		"SELECT e.author, e.seq, e.id, n.name FROM entries e "
		"LEFT JOIN nodes n ON n.author = e.author "
		"WHERE e.seq = (SELECT max(seq) FROM entries "
		"WHERE author = e.author) ORDER BY e.author",
		-1, &s, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_head_info_t h;

		memcpy(h.author, sqlite3_column_blob(s, 0), 32);
		h.seq = (uint64_t)sqlite3_column_int64(s, 1);
		memcpy(h.head, sqlite3_column_blob(s, 2), ENTRY_ID_SIZE);
		h.name = (const char *)sqlite3_column_text(s, 3);
		fn(&h, arg);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_journal_foreach(store_t *self, const store_journal_filter_t *filter,
    void (*fn)(const store_journal_row_t *, void *), void *arg)
{
	/* The inner query picks the rows; the outer one restores the total
	 * order after "the last N" reversed it. */
	static const char sql[] =
	    "SELECT * FROM (SELECT j.id, j.author, n.name, j.seq, j.lamport, "
	    "j.time, j.text FROM journal j LEFT JOIN nodes n ON "
	    "n.author = j.author WHERE j.time >= ?1 AND j.time <= ?2 AND "
	    "(?3 IS NULL OR j.author = ?3) "
	    "ORDER BY j.lamport DESC, j.author DESC, j.seq DESC LIMIT ?4) "
	    "ORDER BY lamport, author, seq";
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(self->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, filter->since_us);
	sqlite3_bind_int64(s, 2, filter->until_us);
	if (filter->author != NULL)
		sqlite3_bind_blob(s, 3, filter->author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, filter->last > 0 ? filter->last : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_journal_row_t row;

		memcpy(row.id, sqlite3_column_blob(s, 0), ENTRY_ID_SIZE);
		memcpy(row.author, sqlite3_column_blob(s, 1), 32);
		row.name = (const char *)sqlite3_column_text(s, 2);
		row.seq = (uint64_t)sqlite3_column_int64(s, 3);
		row.lamport = (uint64_t)sqlite3_column_int64(s, 4);
		row.time_us = sqlite3_column_int64(s, 5);
		row.text = (const char *)sqlite3_column_text(s, 6);
		row.text_len = (size_t)sqlite3_column_bytes(s, 6);
		fn(&row, arg);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Checks one stored row; sets result->reason and returns false if bad. */
static bool
store_verify_row(sqlite3_stmt *s, const uint8_t *prev_author,
    uint64_t prev_seq, const uint8_t *prev_id, store_verify_result_t *result)
{
	const uint8_t *id = sqlite3_column_blob(s, 0);
	const uint8_t *author = sqlite3_column_blob(s, 1);
	uint64_t seq = (uint64_t)sqlite3_column_int64(s, 2);
	const void *raw = sqlite3_column_blob(s, 3);
	size_t len = (size_t)sqlite3_column_bytes(s, 3);
	uint8_t digest[ENTRY_ID_SIZE];
	char *cause = NULL;
	entry_t *entry;
	bool ok = false;

	memset(result->bad_id, 0, ENTRY_ID_SIZE);
	if (id != NULL && sqlite3_column_bytes(s, 0) == ENTRY_ID_SIZE)
		memcpy(result->bad_id, id, ENTRY_ID_SIZE);
	if (id == NULL || sqlite3_column_bytes(s, 0) != ENTRY_ID_SIZE ||
	    author == NULL || sqlite3_column_bytes(s, 1) != 32) {
		snprintf(result->reason, sizeof result->reason,
		    "malformed id or author column");
		return false;
	}
	sha256(raw, len, digest);
	if (memcmp(digest, id, ENTRY_ID_SIZE) != 0) {
		snprintf(result->reason, sizeof result->reason,
		    "content does not match its id (altered after it was "
		    "stored)");
		return false;
	}
	if ((entry = entry_decode(raw, len, &cause)) == NULL) {
		snprintf(result->reason, sizeof result->reason,
		    "does not decode: %s", cause);
		free(cause);
		return false;
	}
	if (memcmp(entry->author, author, 32) != 0 || entry->seq != seq)
		snprintf(result->reason, sizeof result->reason,
		    "index columns disagree with the entry");
	else if (!entry_verify(entry))
		snprintf(result->reason, sizeof result->reason,
		    "bad signature");
	else if (seq > 1 && (prev_author == NULL ||
				memcmp(prev_author, author, 32) != 0 ||
				prev_seq != seq - 1))
		snprintf(result->reason, sizeof result->reason,
		    "chain broken: entry %llu of this author is missing",
		    (unsigned long long)(seq - 1));
	else if (seq > 1 && memcmp(entry->prev, prev_id, ENTRY_ID_SIZE) != 0)
		snprintf(result->reason, sizeof result->reason,
		    "chain broken: previous-entry hash does not match entry "
		    "%llu",
		    (unsigned long long)(seq - 1));
	else
		ok = true;
	entry_destroy(&entry);
	return ok;
}

int
store_verify(store_t *self, store_verify_result_t *result, char **cause)
{
	uint8_t prev_author[32], prev_id[ENTRY_ID_SIZE];
	uint64_t prev_seq = 0;
	bool have_prev = false;
	sqlite3_stmt *s;
	int rc;

	memset(result, 0, sizeof *result);
	result->ok = true;
	if (store_prepare(self, &s,
		"SELECT id, author, seq, raw FROM entries ORDER BY author, seq",
		cause) != 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const uint8_t *author = sqlite3_column_blob(s, 1);

		result->entries++;
		if (!store_verify_row(s, have_prev ? prev_author : NULL,
			prev_seq, prev_id, result)) {
			result->ok = false;
			break;
		}
		if (!have_prev || memcmp(prev_author, author, 32) != 0)
			result->authors++;
		memcpy(prev_author, author, 32);
		memcpy(prev_id, sqlite3_column_blob(s, 0), ENTRY_ID_SIZE);
		prev_seq = (uint64_t)sqlite3_column_int64(s, 2);
		have_prev = true;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(cause, "'%s': %s", self->path,
		    sqlite3_errmsg(self->db));
	return 0;
}

int
store_rebuild_views(store_t *self, char **cause)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (views_clear(self, cause) != 0)
		return -1;
	if (store_prepare(self, &s,
		"SELECT raw FROM entries ORDER BY lamport, author, seq",
		cause) != 0)
		return -1;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		entry_t *entry = entry_decode(sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), cause);

		if (entry == NULL)
			rc = -1;
		else
			rc = views_apply(self, entry, cause);
		entry_destroy(&entry);
	}
	sqlite3_finalize(s);
	return rc;
}

static void
store_test_count_journal(const store_journal_row_t *row, void *arg)
{
	(void)row;
	(*(int *)arg)++;
}

void
store_test(bool verbose)
{
	char dir[] = "/tmp/ioe-store-test-XXXXXX";
	signing_key_t *key = signing_key_generate(NULL), *other;
	store_journal_filter_t all = { INT64_MIN, INT64_MAX, NULL, 0 };
	uint8_t prev[ENTRY_ID_SIZE], id[ENTRY_ID_SIZE];
	store_verify_result_t result;
	char *path, *cause = NULL, *cmd;
	entry_t *e;
	store_t *store;
	uint64_t seq;
	int count;
	FILE *fp;

	(void)verbose;
	assert(mkdtemp(dir) != NULL);
	path = xasprintf("%s/store.db", dir);
	store = store_open(path, signing_key_public(key), STORE_SYNC_FULL,
	    &cause);
	assert(store != NULL);
	assert(store_head(store, signing_key_public(key), &seq, id) == 1);

	assert(store_begin(store, &cause) == 0);
	for (uint64_t i = 1; i <= 20; i++) {
		char text[32];

		snprintf(text, sizeof text, "entry %llu", (unsigned long long)i);
		e = entry_create(key, i, i == 1 ? NULL : prev, i,
		    1700000000000000 + (int64_t)i, "journal", text,
		    strlen(text), &cause);
		assert(e != NULL);
		assert(store_append(store, e, &cause) == 0);
		assert(store_append(store, e, &cause) == 1);
		memcpy(prev, e->id, ENTRY_ID_SIZE);
		entry_destroy(&e);
	}
	assert(store_commit(store, &cause) == 0);
	assert(store_count(store) == 20);
	assert(store_max_lamport(store) == 20);
	assert(store_head(store, signing_key_public(key), &seq, id) == 0);
	assert(seq == 20 && memcmp(id, prev, ENTRY_ID_SIZE) == 0);

	count = 0;
	assert(store_journal_foreach(store, &all, store_test_count_journal,
		   &count) == 0);
	assert(count == 20);
	all.last = 5;
	count = 0;
	store_journal_foreach(store, &all, store_test_count_journal, &count);
	assert(count == 5);

	/* A different entry at a taken sequence number is refused. */
	e = entry_create(key, 20, id, 99, 0, "journal", "fork", 4, &cause);
	assert(store_append(store, e, &cause) == -1);
	assert(strstr(cause, "already holds") != NULL);
	free(cause);
	cause = NULL;
	entry_destroy(&e);

	assert(store_verify(store, &result, &cause) == 0);
	assert(result.ok && result.entries == 20 && result.authors == 1);

	/* A rolled-back transaction leaves nothing. */
	assert(store_begin(store, &cause) == 0);
	e = entry_create(key, 21, id, 21, 0, "journal", "x", 1, &cause);
	assert(store_append(store, e, &cause) == 0);
	entry_destroy(&e);
	store_rollback(store);
	assert(store_count(store) == 20);

	/* Views rebuild from the log alone. */
	assert(sqlite3_exec(store_db(store), "DELETE FROM journal", NULL, NULL,
		   NULL) == SQLITE_OK);
	assert(store_rebuild_views(store, &cause) == 0);
	count = 0;
	all.last = 0;
	store_journal_foreach(store, &all, store_test_count_journal, &count);
	assert(count == 20);

	/* Altered content is named by verify. */
	assert(sqlite3_exec(store_db(store),
		   "UPDATE entries SET raw = zeroblob(200) WHERE seq = 7", NULL,
		   NULL, NULL) == SQLITE_OK);
	assert(store_verify(store, &result, &cause) == 0);
	assert(!result.ok && result.entries == 7);
	store_destroy(&store);

	/* Another node's key is refused. */
	other = signing_key_generate(NULL);
	assert(store_open(path, signing_key_public(other), STORE_SYNC_FULL,
		   &cause) == NULL);
	assert(strstr(cause, "belongs to another node") != NULL);
	free(cause);
	signing_key_destroy(&other);

	/* A text file is not a store, and is left as it was. */
	free(path);
	path = xasprintf("%s/text.db", dir);
	fp = fopen(path, "w");
	assert(fp != NULL);
	fputs("this is not a database, it is a shopping list\n", fp);
	fclose(fp);
	assert(store_open(path, signing_key_public(key), STORE_SYNC_FULL,
		   &cause) == NULL);
	assert(strstr(cause, "not an ioe store") != NULL);
	free(cause);

	cmd = xasprintf("rm -rf '%s'", dir);
	assert(system(cmd) == 0);
	free(cmd);
	free(path);
	signing_key_destroy(&key);
}
