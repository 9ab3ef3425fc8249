/* The file tree is the same whatever order its operations arrive in. */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "crypto.h"
#include "store.h"
#include "util.h"
#include "views-files.h"

typedef struct feed {
	signing_key_t *key;
	const char *user, *node;
	uint64_t seq;
	uint8_t head[ENTRY_ID_SIZE];
} feed_t;

/* A file.put body for content text at path, having seen base. */
static json_t *
put_body(const char *path, const char *text, const uint8_t *base)
{
	uint8_t chunk[32], id[32];
	char hex[65], idhex[65], basehex[65];
	size_t len = strlen(text);

	sha256(text, len, chunk);
	hex_encode(chunk, 32, hex);
	manifest_id(len, BLOB_CHUNK_SIZE, chunk, len > 0, id);
	hex_encode(id, 32, idhex);
	if (base != NULL)
		hex_encode(base, 32, basehex);
	return json_pack("{s:s, s:i, s:i, s:i, s:[s], s:s, s:s?}", "path",
	    path, "size", (int)len, "mode", 0644, "chunk_size",
	    BLOB_CHUNK_SIZE, "chunks", hex, "id", idhex, "base",
	    base != NULL ? basehex : NULL);
}

static void
file_id(const char *text, uint8_t id[32])
{
	uint8_t chunk[32];

	sha256(text, strlen(text), chunk);
	manifest_id(strlen(text), BLOB_CHUNK_SIZE, chunk, 1, id);
}

static entry_t *
feed_add(feed_t *f, uint64_t lamport, const char *kind, json_t *body)
{
	char *text;
	entry_t *e;

	json_object_set_new(body, "user", json_string(f->user));
	json_object_set_new(body, "node", json_string(f->node));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	f->seq++;
	e = entry_create(f->key, f->seq, f->seq == 1 ? NULL : f->head, lamport,
	    1700000000000000 + (int64_t)f->seq, kind, text, strlen(text),
	    NULL);
	assert(e != NULL);
	memcpy(f->head, e->id, ENTRY_ID_SIZE);
	free(text);
	return e;
}

/* The tree as text, one line a path. Caller frees. */
static char *
tree_dump(store_t *store)
{
	sqlite3_stmt *s;
	char *out = xstrdup(""), *next;

	assert(sqlite3_prepare_v2(store_db(store),
		   "SELECT path, type, coalesce(hex(id), '-') FROM file_tree "
		   "ORDER BY path",
		   -1, &s, NULL) == SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		next = xasprintf("%s%s %s %.8s\n", out,
		    (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 2));
		free(out);
		out = next;
	}
	sqlite3_finalize(s);
	return out;
}

static store_t *
store_with(const char *dir, const char *name, signing_key_t *key,
    entry_t **entries, const size_t *order, size_t n)
{
	char *path = xasprintf("%s/%s.db", dir, name), *cause = NULL;
	store_t *store = store_open(path, signing_key_public(key),
	    STORE_SYNC_NORMAL, &cause);

	assert(store != NULL);
	assert(store_begin(store, &cause) == 0);
	for (size_t i = 0; i < n; i++)
		assert(store_append(store, entries[order[i]], &cause) == 0);
	assert(store_commit(store, &cause) == 0);
	free(path);
	return store;
}

void views_files_test(bool verbose);

void
views_files_test(bool verbose)
{
	char dir[] = "/tmp/ioe-views-files-test-XXXXXX", *cmd;
	feed_t x = { signing_key_generate(NULL), "ann", "alpha", 0, { 0 } };
	feed_t y = { signing_key_generate(NULL), "bob", "charlie", 0, { 0 } };
	uint8_t a[32], old[32];
	entry_t *e[12];
	size_t n = 0;
	static const size_t forward[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const size_t backward[] = { 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5 };
	static const size_t mixed[] = { 6, 0, 7, 1, 8, 2, 9, 3, 10, 4, 5 };
	store_t *s1, *s2, *s3;
	char *t1, *t2, *t3, *cause = NULL;
	const char *later, *earlier;

	if (verbose)
		printf(" * views-files: ");
	assert(mkdtemp(dir) != NULL);
	file_id("old notes", old);
	file_id("from x", a);
	/* x, on one side of a partition. */
	e[n++] = feed_add(&x, 1, "file.put", put_body("notes.txt", "old notes",
						 NULL)); /* 0 */
	e[n++] = feed_add(&x, 2, "file.put", put_body("notes.txt", "from x",
						 old)); /* 1 */
	e[n++] = feed_add(&x, 3, "file.mkdir",
	    json_pack("{s:s}", "path", "plans")); /* 2 */
	e[n++] = feed_add(&x, 4, "file.put", put_body("keep.txt", "k", NULL));
	e[n++] = feed_add(&x, 5, "file.put", put_body("gone.txt", "g", NULL));
	e[n++] = feed_add(&x, 6, "file.mv",
	    json_pack("{s:s, s:s, s:n}", "from", "plans", "to", "old/plans",
		"base")); /* 5 */
	/* y, on the other side: it saw only x's first entry. */
	e[n++] = feed_add(&y, 2, "file.put", put_body("notes.txt", "from y",
						 old)); /* 6 */
	e[n++] = feed_add(&y, 3, "file.put", put_body("plans", "a file", NULL));
	e[n++] = feed_add(&y, 5, "file.rm",
	    json_pack("{s:s, s:s}", "path", "keep.txt", "base",
		"0000000000000000000000000000000000000000000000000000000000000000"));
	{
		uint8_t g[32];
		char gh[65];

		file_id("g", g);
		hex_encode(g, 32, gh);
		e[n++] = feed_add(&y, 6, "file.rm",
		    json_pack("{s:s, s:s}", "path", "gone.txt", "base", gh));
	}
	e[n++] = feed_add(&y, 7, "file.put", put_body("new/deep/f", "f", NULL));
	assert(n == 11);

	s1 = store_with(dir, "forward", x.key, e, forward, n);
	s2 = store_with(dir, "backward", x.key, e, backward, n);
	s3 = store_with(dir, "mixed", y.key, e, mixed, n);
	t1 = tree_dump(s1);
	t2 = tree_dump(s2);
	t3 = tree_dump(s3);
	if (verbose)
		printf("\n%s", t1);
	assert(strcmp(t1, t2) == 0);
	assert(strcmp(t1, t3) == 0);
	/* Made again from the log: the same. */
	assert(store_begin(s2, &cause) == 0 &&
	    store_rebuild_views(s2, &cause) == 0 && store_commit(s2, &cause) ==
	    0);
	free(t2);
	t2 = tree_dump(s2);
	assert(strcmp(t1, t2) == 0);

	/* notes.txt: both wrote over "old notes" at lamport 2; the later by
	 * (lamport, author) holds the path, the other is a copy. */
	later = memcmp(signing_key_public(x.key), signing_key_public(y.key),
		    32) > 0
	    ? "ann on alpha"
	    : "bob on charlie";
	earlier = strcmp(later, "ann on alpha") == 0 ? "bob on charlie"
						    : "ann on alpha";
	{
		char *want = xasprintf("notes (conflict from %s).txt f",
		    earlier);

		assert(strstr(t1, want) != NULL);
		free(want);
		(void)later;
	}
	assert(strstr(t1, "notes.txt f") != NULL);
	/* "plans": x's directory came first (lamport 3, both), y's file
	 * takes a conflict name, or x's dir moved away: either way both are
	 * there. */
	assert(strstr(t1, "old/plans d") != NULL);
	/* keep.txt: the rm saw another version: kept. gone.txt: removed. */
	assert(strstr(t1, "keep.txt f") != NULL);
	assert(strstr(t1, "gone.txt") == NULL);
	assert(strstr(t1, "new/deep d") != NULL && strstr(t1, "new d") != NULL);

	/* A directory with a name beyond ASCII moves whole. */
	{
		entry_t *u[2];
		static const size_t both[] = { 0, 1 };
		store_t *s4;
		char *t4;

		u[0] = feed_add(&x, 20, "file.put",
		    put_body("\xc3\xa9t\xc3\xa9/a.txt", "a", NULL));
		u[1] = feed_add(&x, 21, "file.mv",
		    json_pack("{s:s, s:s, s:n}", "from", "\xc3\xa9t\xc3\xa9",
			"to", "\xc3\xbc/x", "base"));
		s4 = store_with(dir, "utf8", x.key, u, both, 2);
		t4 = tree_dump(s4);
		assert(strstr(t4, "\xc3\xbc/x/a.txt f") != NULL);
		assert(strstr(t4, "\xc3\xa9t\xc3\xa9") == NULL);
		free(t4);
		store_destroy(&s4);
		entry_destroy(&u[0]);
		entry_destroy(&u[1]);
	}

	free(t1);
	free(t2);
	free(t3);
	store_destroy(&s1);
	store_destroy(&s2);
	store_destroy(&s3);
	for (size_t i = 0; i < n; i++)
		entry_destroy(&e[i]);
	signing_key_destroy(&x.key);
	signing_key_destroy(&y.key);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert(system(cmd) == 0);
	free(cmd);
	if (verbose)
		printf("OK\n");
}
