#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "fpath.h"
#include "log.h"
#include "util.h"
#include "views.h"
#include "views-files.h"

/* The largest file a manifest in one entry can describe is about 14 GiB
 * (1 MiB chunks, 66 bytes of JSON each); this bound only keeps sizes
 * sane. */
#define FILE_SIZE_MAX (UINT64_C(1) << 50)

static uint64_t generation;

uint64_t
views_files_generation(void)
{
	return generation;
}

int
file_chunks_parse(json_t *array, uint8_t **chunks, size_t *n, char **cause)
{
	size_t i;
	json_t *v;

	*chunks = NULL;
	*n = 0;
	if (!json_is_array(array))
		return fail(cause, "'chunks' must be an array of hashes");
	*chunks = xcalloc(json_array_size(array) + 1, 32);
	json_array_foreach (array, i, v) {
		const char *hex = json_string_value(v);

		if (hex == NULL || strlen(hex) != 64 ||
		    hex_decode(hex, *chunks + 32 * i, 32) != 0) {
			free(*chunks);
			*chunks = NULL;
			return fail(cause, "chunk %zu is not a SHA-256 in hex",
			    i + 1);
		}
	}
	*n = json_array_size(array);
	return 0;
}

int
file_put_parse(json_t *body, file_put_t *put, char **cause)
{
	json_int_t size, mode, chunk_size;
	json_t *chunks = NULL, *base = NULL;
	const char *id = NULL;
	uint8_t want[32];

	memset(put, 0, sizeof *put);
	if (json_unpack(body, "{s:s, s:I, s:I, s:I, s:o, s:s, s?o, s:s, s:s}",
		"path", &put->path, "size", &size, "mode", &mode,
		"chunk_size", &chunk_size, "chunks", &chunks, "id", &id,
		"base", &base, "user", &put->user, "node", &put->node) != 0)
		return fail(cause, "a file.put needs path, size, mode, "
				   "chunk_size, chunks, id, user and node");
	if (fpath_check(put->path, false, cause) != 0)
		return -1;
	if (size < 0 || (uint64_t)size > FILE_SIZE_MAX)
		return fail(cause, "size %lld is out of range", (long long)size);
	if (mode < 0 || mode > 0777)
		return fail(cause, "mode %llo is not permission bits",
		    (long long)mode);
	if (chunk_size < 4096 || chunk_size > BLOB_CHUNK_SIZE)
		return fail(cause, "chunk size %lld is out of range",
		    (long long)chunk_size);
	put->size = (uint64_t)size;
	put->mode = (uint32_t)mode;
	put->chunk_size = (uint32_t)chunk_size;
	if (file_chunks_parse(chunks, &put->chunks, &put->nchunks, cause) != 0)
		return -1;
	if (put->nchunks != manifest_chunk_count(put->size, put->chunk_size)) {
		fail(cause, "%zu chunks for %llu bytes", put->nchunks,
		    (unsigned long long)put->size);
		goto bad;
	}
	manifest_id(put->size, put->chunk_size, put->chunks, put->nchunks, want);
	if (strlen(id) != 64 || hex_decode(id, put->id, 32) != 0 ||
	    memcmp(put->id, want, 32) != 0) {
		fail(cause, "its id is not the hash of its manifest");
		goto bad;
	}
	if (base != NULL && !json_is_null(base)) {
		const char *b = json_string_value(base);

		if (b == NULL || strlen(b) != 64 || hex_decode(b, put->base, 32)) {
			fail(cause, "'base' is not a file id");
			goto bad;
		}
		put->has_base = true;
	}
	return 0;
bad:
	free(put->chunks);
	put->chunks = NULL;
	return -1;
}

/* --- the tree ------------------------------------------------------------ */

typedef struct tree_row {
	bool dir;
	bool has_id;
	uint8_t id[32];
	char *user, *node;
} tree_row_t;

static void
tree_row_clear(tree_row_t *r)
{
	free(r->user);
	free(r->node);
	memset(r, 0, sizeof *r);
}

/* Returns 1 and fills *r if path is in the tree, 0 if not, -1 on error. */
static int
tree_get(sqlite3 *db, const char *path, tree_row_t *r, char **cause)
{
	sqlite3_stmt *s;
	int rc;

	memset(r, 0, sizeof *r);
	if (sqlite3_prepare_v2(db,
		"SELECT type, id, user, node FROM file_tree WHERE path = ?", -1,
		&s, NULL) != SQLITE_OK)
		return fail(cause, "%s", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->dir = strcmp((const char *)sqlite3_column_text(s, 0), "d") ==
		    0;
		if (sqlite3_column_bytes(s, 1) == 32) {
			r->has_id = true;
			memcpy(r->id, sqlite3_column_blob(s, 1), 32);
		}
		r->user = xstrdup((const char *)sqlite3_column_text(s, 2));
		r->node = xstrdup((const char *)sqlite3_column_text(s, 3));
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = fail(cause, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return rc;
}

int
views_files_at(sqlite3 *db, const char *path, bool *dir, uint8_t id[32],
    bool *has_id, char **cause)
{
	tree_row_t r;
	int rc = tree_get(db, path, &r, cause);

	*dir = r.dir;
	*has_id = r.has_id;
	if (r.has_id)
		memcpy(id, r.id, 32);
	tree_row_clear(&r);
	return rc;
}

static int
tree_has_children(sqlite3 *db, const char *path, char **cause)
{
	char *lo = xasprintf("%s/", path), *hi = xasprintf("%s0", path);
	sqlite3_stmt *s;
	int rc;

	/* '0' follows '/': the range holds exactly the paths below. */
	if (sqlite3_prepare_v2(db,
		"SELECT 1 FROM file_tree WHERE path >= ? AND path < ? LIMIT 1",
		-1, &s, NULL) != SQLITE_OK) {
		free(lo);
		free(hi);
		return fail(cause, "%s", sqlite3_errmsg(db));
	}
	sqlite3_bind_text(s, 1, lo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, hi, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0
						   : fail(cause, "%s",
							 sqlite3_errmsg(db));
	sqlite3_finalize(s);
	free(lo);
	free(hi);
	return rc;
}

/* The first conflict name for path, after user and node, that nothing in
 * the tree holds. Caller frees; NULL on a store error. */
static char *
tree_free_conflict(sqlite3 *db, const char *path, const char *user,
    const char *node, char **cause)
{
	for (unsigned n = 1;; n++) {
		char *name = fpath_conflict(path, user, node, n);
		tree_row_t r;
		int rc = tree_get(db, name, &r, cause);

		tree_row_clear(&r);
		if (rc == 0)
			return name;
		free(name);
		if (rc < 0)
			return NULL;
	}
}

/* Moves path, and everything below it, to to. */
static int
tree_move(sqlite3 *db, const char *from, const char *to, char **cause)
{
	char *lo = xasprintf("%s/", from), *hi = xasprintf("%s0", from);
	int rc;

	rc = views_run(db, cause,
	    /* substr() counts characters of text: cut the bytes. */
	    "UPDATE file_tree SET path = ?1 || "
	    "CAST(substr(CAST(path AS BLOB), ?2) AS TEXT) "
	    "WHERE path = ?3 OR (path >= ?4 AND path < ?5)",
	    "sIsss", to, (int64_t)strlen(from) + 1, from, lo, hi);
	free(lo);
	free(hi);
	return rc;
}

/* The file at path steps aside as a conflict copy named after its own
 * author. *copy gets the name it took (caller frees). */
static int
tree_displace(sqlite3 *db, const char *path, const tree_row_t *r,
    char **copy, char **cause)
{
	*copy = tree_free_conflict(db, path, r->user, r->node, cause);
	if (*copy == NULL)
		return -1;
	return tree_move(db, path, *copy, cause);
}

typedef struct op {
	sqlite3 *db;
	const entry_t *e;
	const char *user, *node;
	char *outcome;		/* what became of it, for the log */
} op_t;

static void op_note(op_t *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
op_note(op_t *op, const char *fmt, ...)
{
	va_list ap;
	char *add;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0)
		abort();
	va_end(ap);

	if (op->outcome == NULL)
		op->outcome = add;
	else {
		char *both = xasprintf("%s; %s", op->outcome, add);

		free(op->outcome);
		free(add);
		op->outcome = both;
	}
}

static int
tree_add_dir(op_t *op, const char *path, char **cause)
{
	return views_run(op->db, cause,
	    "INSERT INTO file_tree VALUES (?, 'd', NULL, 0, 0, ?, ?, ?, ?, ?)",
	    "sssbIb", path, op->user, op->node, op->e->author, op->e->time_us,
	    op->e->id);
}

/* Makes path a directory, and its parents; a file in the way becomes a
 * conflict copy. */
static int
tree_mkdirs(op_t *op, const char *path, char **cause)
{
	char *parent;
	tree_row_t r;
	int rc;

	if (path[0] == '\0')
		return 0;
	parent = fpath_parent(path);
	rc = tree_mkdirs(op, parent, cause);
	free(parent);
	if (rc != 0)
		return rc;
	if ((rc = tree_get(op->db, path, &r, cause)) < 0)
		return -1;
	if (rc == 1 && r.dir) {
		tree_row_clear(&r);
		return 0;
	}
	if (rc == 1) {
		char *copy = NULL;

		rc = tree_displace(op->db, path, &r, &copy, cause);
		if (rc == 0)
			op_note(op, "the file in the way became '%s'", copy);
		free(copy);
		tree_row_clear(&r);
		if (rc != 0)
			return -1;
	}
	return tree_add_dir(op, path, cause);
}

static int
apply_put(op_t *op, const file_put_t *put, char **cause)
{
	tree_row_t cur;
	char *parent, *where = NULL, *copy = NULL;
	int rc, found;

	if ((found = tree_get(op->db, put->path, &cur, cause)) < 0)
		return -1;
	parent = fpath_parent(put->path);
	rc = tree_mkdirs(op, parent, cause);
	free(parent);
	if (rc != 0)
		goto done;
	if (found && cur.dir) {
		/* A directory holds the path: the file takes a conflict
		 * name rather than hide a tree. */
		where = tree_free_conflict(op->db, put->path, op->user,
		    op->node, cause);
		if (where == NULL) {
			rc = -1;
			goto done;
		}
		op_note(op, "a directory holds the path: kept as '%s'", where);
	} else {
		where = xstrdup(put->path);
		if (found && cur.has_id && memcmp(cur.id, put->id, 32) != 0 &&
		    !(put->has_base && memcmp(cur.id, put->base, 32) == 0)) {
			/* Written without seeing the version there: the two
			 * were concurrent. This one, later in the log's order,
			 * holds the path; the other is kept. */
			if (tree_displace(op->db, put->path, &cur, &copy,
				cause) != 0) {
				rc = -1;
				goto done;
			}
			op_note(op, "concurrent with another version, kept as "
				    "'%s'",
			    copy);
		}
	}
	rc = views_run(op->db, cause,
	    "INSERT OR REPLACE INTO file_tree VALUES "
	    "(?, 'f', ?, ?, ?, ?, ?, ?, ?, ?)",
	    "sbIIssbIb", where, put->id, (int64_t)put->size,
	    (int64_t)put->mode, op->user, op->node, op->e->author,
	    op->e->time_us, op->e->id);
done:
	tree_row_clear(&cur);
	free(where);
	free(copy);
	return rc;
}

static int
apply_mkdir(op_t *op, const char *path, char **cause)
{
	tree_row_t cur;
	int found = tree_get(op->db, path, &cur, cause);

	tree_row_clear(&cur);
	if (found < 0)
		return -1;
	if (found && cur.dir)
		op_note(op, "%s", "already there");
	return tree_mkdirs(op, path, cause);
}

static int
apply_mv(op_t *op, const char *from, const char *to, bool has_base,
    const uint8_t base[32], char **cause)
{
	tree_row_t src, dst;
	char *parent = NULL, *where = NULL, *copy = NULL;
	int rc = 0, found;

	memset(&dst, 0, sizeof dst);
	if ((found = tree_get(op->db, from, &src, cause)) < 0)
		return -1;
	if (!found) {
		op_note(op, "%s", "skipped: the source is gone");
		goto done;
	}
	if (src.dir == has_base ||
	    (has_base && memcmp(src.id, base, 32) != 0)) {
		op_note(op, "%s", "skipped: the source changed meanwhile");
		goto done;
	}
	if (strcmp(from, to) == 0 || fpath_is_below(to, from)) {
		op_note(op, "%s", "skipped: a directory cannot move into itself");
		goto done;
	}
	if ((found = tree_get(op->db, to, &dst, cause)) < 0) {
		rc = -1;
		goto done;
	}
	parent = fpath_parent(to);
	if ((rc = tree_mkdirs(op, parent, cause)) != 0)
		goto done;
	if (found && dst.dir) {
		where = tree_free_conflict(op->db, to, op->user, op->node,
		    cause);
		if (where == NULL) {
			rc = -1;
			goto done;
		}
		op_note(op, "a directory holds the target: moved to '%s'",
		    where);
	} else {
		where = xstrdup(to);
		if (found) {
			if ((rc = tree_displace(op->db, to, &dst, &copy,
				 cause)) != 0)
				goto done;
			op_note(op, "the file at the target was kept as '%s'",
			    copy);
		}
	}
	rc = tree_move(op->db, from, where, cause);
done:
	tree_row_clear(&src);
	tree_row_clear(&dst);
	free(parent);
	free(where);
	free(copy);
	return rc;
}

static int
apply_rm(op_t *op, const char *path, bool has_base, const uint8_t base[32],
    char **cause)
{
	tree_row_t cur;
	int found = tree_get(op->db, path, &cur, cause), rc = 0;

	if (found < 0)
		return -1;
	if (!found)
		op_note(op, "%s", "skipped: already gone");
	else if (cur.dir != !has_base ||
	    (!cur.dir && memcmp(cur.id, base, 32) != 0))
		op_note(op, "%s", "skipped: a newer version is there, kept");
	else if (cur.dir && (rc = tree_has_children(op->db, path, cause)) != 0) {
		if (rc > 0) {
			op_note(op, "%s", "skipped: the directory is not empty");
			rc = 0;
		}
	} else
		rc = views_run(op->db, cause,
		    "DELETE FROM file_tree WHERE path = ?", "s", path);
	tree_row_clear(&cur);
	return rc;
}

/* --- applying in the log's order ---------------------------------------- */

static int
optional_base(json_t *body, bool *has, uint8_t base[32])
{
	json_t *v = json_object_get(body, "base");
	const char *hex = json_string_value(v);

	*has = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (hex == NULL || strlen(hex) != 64 || hex_decode(hex, base, 32) != 0)
		return -1;
	*has = true;
	return 0;
}

/* The manifest of a put and its first holder, its author: whatever the
 * order, so kept again (or ignored) when the tree is replayed. */
static int
manifest_record(sqlite3 *db, const entry_t *e, const file_put_t *put,
    char **cause)
{
	sqlite3_stmt *s;
	int rc = 0;

	/* The chunk list is a blob of n * 32 bytes, which views_run does not
	 * bind. */
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO manifests VALUES "
				   "(?, ?, ?, ?)",
		-1, &s, NULL) != SQLITE_OK)
		return fail(cause, "%s", sqlite3_errmsg(db));
	sqlite3_bind_blob(s, 1, put->id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)put->size);
	sqlite3_bind_int64(s, 3, (int64_t)put->chunk_size);
	sqlite3_bind_blob(s, 4, put->nchunks > 0 ? put->chunks : (void *)"",
	    (int)(put->nchunks * 32), SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = fail(cause, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	if (rc == 0)
		rc = views_run(db, cause,
		    "INSERT OR IGNORE INTO file_holders VALUES (?, ?)", "bb",
		    put->id, e->author);
	return rc;
}

/* Applies one file operation to the tree, which holds every earlier one,
 * and logs it with its outcome. */
static int
apply_ordered(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	op_t op = { db, e, NULL, NULL, NULL };
	const char *path = NULL, *to = NULL, *why = NULL;
	char *bad = NULL;
	size_t at;
	file_put_t put;
	uint8_t base[32];
	bool has_base = false;
	int rc = 0;

	memset(&put, 0, sizeof put);
	if (body == NULL)
		return 0;
	op.user = json_string_value(json_object_get(body, "user"));
	op.node = json_string_value(json_object_get(body, "node"));
	if (strcmp(e->kind, "file.mv") == 0) {
		path = json_string_value(json_object_get(body, "from"));
		to = json_string_value(json_object_get(body, "to"));
	} else
		path = json_string_value(json_object_get(body, "path"));
	if (op.user == NULL || op.node == NULL || path == NULL ||
	    (strcmp(e->kind, "file.mv") == 0 && to == NULL))
		why = "a field is missing";
	else if (name_check(op.node, "node name", NULL) != 0 ||
	    !text_is_utf8(op.user, strlen(op.user)) ||
	    text_find_control(op.user, strlen(op.user), &at) != NULL)
		why = "its user or node name is not valid";
	else if (fpath_check(path, false, &bad) != 0 ||
	    (to != NULL && fpath_check(to, false, &bad) != 0))
		why = bad;
	else if (optional_base(body, &has_base, base) != 0)
		why = "'base' is not a file id";
	else if (strcmp(e->kind, "file.put") == 0 &&
	    file_put_parse(body, &put, &bad) != 0)
		why = bad;
	if (why != NULL) {
		log_warning("%s entry %llu is not usable (%s); skipped", e->kind,
		    (unsigned long long)e->seq, why);
		goto done;
	}

	if (strcmp(e->kind, "file.put") == 0) {
		rc = manifest_record(db, e, &put, cause);
		if (rc == 0)
			rc = apply_put(&op, &put, cause);
	} else if (strcmp(e->kind, "file.mkdir") == 0)
		rc = apply_mkdir(&op, path, cause);
	else if (strcmp(e->kind, "file.mv") == 0)
		rc = apply_mv(&op, path, to, has_base, base, cause);
	else
		rc = apply_rm(&op, path, has_base, base, cause);
	if (rc != 0)
		goto done;
	generation++;
	/* The id the operation wrote (put) or acted on (mv, rm), and the
	 * size of what a put wrote. */
	{
		static const char *const sql =
		    "INSERT OR REPLACE INTO file_ops VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
		const char *outcome = op.outcome != NULL ? op.outcome
							 : "applied";

		if (strcmp(e->kind, "file.put") == 0)
			rc = views_run(db, cause, sql, "bIbIIsssbIsss", e->id,
			    (int64_t)e->lamport, e->author, (int64_t)e->seq,
			    e->time_us, e->kind + 5, path, to, put.id,
			    (int64_t)put.size, op.user, op.node, outcome);
		else if (has_base)
			rc = views_run(db, cause, sql, "bIbIIsssbnsss", e->id,
			    (int64_t)e->lamport, e->author, (int64_t)e->seq,
			    e->time_us, e->kind + 5, path, to, base, NULL,
			    op.user, op.node, outcome);
		else
			rc = views_run(db, cause, sql, "bIbIIsssnnsss", e->id,
			    (int64_t)e->lamport, e->author, (int64_t)e->seq,
			    e->time_us, e->kind + 5, path, to, NULL, NULL,
			    op.user, op.node, outcome);
	}
	if (rc == 0 && to == NULL)
		rc = views_run(db, cause,
		    "UPDATE file_ops SET dest = NULL WHERE entry = ?", "b",
		    e->id);
	if (rc == 0)
		rc = views_run(db, cause,
		    "INSERT OR REPLACE INTO files_applied VALUES (1, ?, ?, ?)",
		    "IbI", (int64_t)e->lamport, e->author, (int64_t)e->seq);
done:
	free(put.chunks);
	free(bad);
	free(op.outcome);
	json_decref(body);
	return rc;
}

/* Whether e comes before the last operation applied. */
static int
files_out_of_order(sqlite3 *db, const entry_t *e, bool *before, char **cause)
{
	sqlite3_stmt *s;
	int rc;

	*before = false;
	if (sqlite3_prepare_v2(db,
		"SELECT lamport, author, seq FROM files_applied", -1, &s,
		NULL) != SQLITE_OK)
		return fail(cause, "%s", sqlite3_errmsg(db));
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint64_t lamport = (uint64_t)sqlite3_column_int64(s, 0);
		int c = memcmp(e->author, sqlite3_column_blob(s, 1), 32);

		*before = e->lamport < lamport ||
		    (e->lamport == lamport &&
			(c < 0 ||
			    (c == 0 &&
				e->seq < (uint64_t)sqlite3_column_int64(s,
					     2))));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(cause, "%s", sqlite3_errmsg(db));
	return 0;
}

/* An operation that sorts before one already applied: the tree is made
 * again from every file operation, in order. */
static int
files_replay(sqlite3 *db, char **cause)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (views_run(db, cause, "DELETE FROM file_tree", "") != 0 ||
	    views_run(db, cause, "DELETE FROM file_ops", "") != 0 ||
	    views_run(db, cause, "DELETE FROM files_applied", "") != 0)
		return -1;
	if (sqlite3_prepare_v2(db,
		"SELECT raw FROM entries WHERE kind IN ('file.put', "
		"'file.mkdir', 'file.mv', 'file.rm') "
		"ORDER BY lamport, author, seq",
		-1, &s, NULL) != SQLITE_OK)
		return fail(cause, "%s", sqlite3_errmsg(db));
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		entry_t *e = entry_decode(sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), cause);

		rc = e != NULL ? apply_ordered(db, e, cause) : -1;
		entry_destroy(&e);
	}
	sqlite3_finalize(s);
	return rc;
}

int
views_files_op(sqlite3 *db, const entry_t *e, char **cause)
{
	bool before;

	if (files_out_of_order(db, e, &before, cause) != 0)
		return -1;
	if (before)
		return files_replay(db, cause);
	return apply_ordered(db, e, cause);
}

int
views_files_have(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e), *ids, *v;
	size_t i;
	int rc = 0;

	if (body == NULL)
		return 0;
	ids = json_object_get(body, "ids");
	json_array_foreach (ids, i, v) {
		const char *hex = json_string_value(v);
		uint8_t id[32];

		if (hex == NULL || strlen(hex) != 64 ||
		    hex_decode(hex, id, 32) != 0)
			continue;
		if ((rc = views_run(db, cause,
			 "INSERT OR IGNORE INTO file_holders VALUES (?, ?)",
			 "bb", id, e->author)) != 0)
			break;
	}
	generation++;
	json_decref(body);
	return rc;
}
