#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-files.h"
#include "chat.h"
#include "crypto.h"
#include "files.h"
#include "fpath.h"
#include "log.h"
#include "util.h"
#include "views-files.h"
#include "wire.h"

/* Chunks asked of one link at a time. The window opens while the link
 * keeps up (a fast link needs tens of MiB in flight to stay busy) and
 * halves when a chunk is late, so a slow link holds little. */
#define FETCH_WINDOW_START 4
#define FETCH_WINDOW_MIN 2
#define FETCH_WINDOW_MAX 32
/* A chunk is late when its link has delivered nothing for that long
 * since it was asked: on a slow link chunks wait their turn. */
#define FETCH_TIMEOUT_US 30000000
/* After every link said "not here": ask again later. */
#define FETCH_RETRY_US 2000000
/* How often the list of missing chunks is made again at most, and at
 * least. */
#define REFRESH_MIN_US 200000
#define REFRESH_MAX_US 5000000
#define ANNOUNCE_US 1000000
/* Ids in one file.have entry (66 bytes of JSON each). */
#define ANNOUNCE_MAX 8000
#define TRIED_MAX 16
/* Requests looked at per link and turn when picking what to ask. */
#define PICK_SCAN 64
/* A chunk a client asked for that no file of the tree needs is looked
 * for that long after the last ask. */
#define ASKED_KEEP_US 60000000

typedef struct want {
	uint8_t hash[32];
	char hex[65];
	void *link;		/* asked of; NULL if not in flight */
	int64_t sent_us;
	void *tried[TRIED_MAX];	/* links that said "not here" */
	size_t ntried;
	int64_t retry_us;	/* waiting until then; 0: not waiting */
	void *handle;		/* in pending, or NULL */
	uint64_t seen;		/* the refresh that last needed it */
	uint32_t size;		/* its length, from its manifest */
	bool counted;		/* in inflight_bytes */
	int64_t asked_us;	/* a client wants it since; 0: none */
} want_t;

typedef struct flink {
	void *link;
	unsigned inflight;
	unsigned window;
	int64_t rx_us;		/* its last chunk or "not here" */
} flink_t;

struct files {
	node_t *node;
	blobs_t *blobs;
	uint64_t quota;
	unsigned replicas;
	files_send_fn *send;
	void *send_arg;
	zlistx_t *links;	/* flink_t, owned */
	zhashx_t *wants;	/* hex -> want_t, owned */
	zlistx_t *pending;	/* want_t to ask for, the next first */
	uint64_t generation;
	int64_t refresh_us;
	int64_t announce_us;
	int64_t timeout_us;	/* last sweep for time-outs and retries */
	uint64_t refreshes;
	bool arrived;		/* a chunk came since the last announce */
	bool quota_blocked;	/* a chunk would not fit in the quota */
	uint64_t inflight_bytes; /* asked for, counted against the quota */
	uint64_t received, received_bytes, bad_chunks;
};

static void
want_free(void **item)
{
	free(*item);
	*item = NULL;
}

files_t *
files_new(node_t *node, const conf_t *conf, char **cause)
{
	files_t *self = xcalloc(1, sizeof *self);

	self->node = node;
	self->quota = conf->files_quota;
	self->replicas = conf->files_replicas;
	if ((self->blobs = blobs_new(node->dir, cause)) == NULL) {
		free(self);
		return NULL;
	}
	self->links = zlistx_new();
	zlistx_set_destructor(self->links, want_free);
	self->wants = zhashx_new();
	zhashx_set_destructor(self->wants, want_free);
	self->pending = zlistx_new();
	/* Made at the first tick. */
	self->generation = UINT64_MAX;
	return self;
}

void
files_destroy(files_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		files_t *self = *self_p;

		zlistx_destroy(&self->pending);
		zhashx_destroy(&self->wants);
		zlistx_destroy(&self->links);
		blobs_destroy(&self->blobs);
		free(self);
		*self_p = NULL;
	}
}

blobs_t *
files_blobs(files_t *self)
{
	return self->blobs;
}

void
files_set_sender(files_t *self, files_send_fn *send, void *arg)
{
	self->send = send;
	self->send_arg = arg;
}

static flink_t *
files_flink(files_t *self, void *link)
{
	for (flink_t *f = zlistx_first(self->links); f != NULL;
	     f = zlistx_next(self->links)) {
		if (f->link == link)
			return f;
	}
	return NULL;
}

/* Back in the queue: first, since it was due already. */
static void
want_requeue(files_t *self, want_t *w)
{
	w->link = NULL;
	if (w->handle == NULL)
		w->handle = zlistx_add_start(self->pending, w);
}

static want_t *
want_add(files_t *self, const uint8_t hash[32], bool first)
{
	char hex[65];
	want_t *w;

	hex_encode(hash, 32, hex);
	if ((w = zhashx_lookup(self->wants, hex)) != NULL) {
		if (first && w->link == NULL) {
			/* Ahead of the rest, and at once if it was waiting. */
			if (w->handle != NULL)
				zlistx_move_start(self->pending, w->handle);
			else
				w->handle = zlistx_add_start(self->pending, w);
			w->retry_us = 0;
			w->ntried = 0;
		}
		return w;
	}
	w = xcalloc(1, sizeof *w);
	w->size = BLOB_CHUNK_SIZE;
	memcpy(w->hash, hash, 32);
	memcpy(w->hex, hex, sizeof hex);
	zhashx_insert(self->wants, hex, w);
	w->handle = first ? zlistx_add_start(self->pending, w)
			  : zlistx_add_end(self->pending, w);
	return w;
}

static void want_landed(files_t *self, want_t *w);

static void
want_done(files_t *self, want_t *w)
{
	want_landed(self, w);
	if (w->handle != NULL)
		zlistx_delete(self->pending, w->handle);
	zhashx_delete(self->wants, w->hex);
}

static bool
want_tried(const want_t *w, void *link)
{
	for (size_t i = 0; i < w->ntried; i++) {
		if (w->tried[i] == link)
			return true;
	}
	return false;
}

/* w is no longer in flight: its bytes no longer count. */
static void
want_landed(files_t *self, want_t *w)
{
	if (w->counted)
		self->inflight_bytes -= self->inflight_bytes >= w->size
		    ? w->size
		    : self->inflight_bytes;
	w->counted = false;
}

/* A link had nothing for w (or failed it): try another, or wait once
 * every link was asked. */
static void
want_refused(files_t *self, want_t *w, void *link, int64_t now)
{
	flink_t *f = files_flink(self, w->link);

	if (f != NULL && f->inflight > 0)
		f->inflight--;
	want_landed(self, w);
	w->link = NULL;
	if (w->ntried < TRIED_MAX && !want_tried(w, link))
		w->tried[w->ntried++] = link;
	for (f = zlistx_first(self->links);
	     f != NULL && w->ntried < TRIED_MAX; f = zlistx_next(self->links)) {
		if (!want_tried(w, f->link)) {
			want_requeue(self, w);
			return;
		}
	}
	w->ntried = 0;
	w->retry_us = now + FETCH_RETRY_US;
}

void
files_link_up(files_t *self, void *link)
{
	flink_t *f;

	if (files_flink(self, link) != NULL)
		return;
	f = xcalloc(1, sizeof *f);
	f->link = link;
	f->window = FETCH_WINDOW_START;
	f->rx_us = time_mono_us();
	zlistx_add_end(self->links, f);
	/* A new source: what waited may be there. */
	for (want_t *w = zhashx_first(self->wants); w != NULL;
	     w = zhashx_next(self->wants)) {
		if (w->retry_us != 0) {
			w->retry_us = 0;
			want_requeue(self, w);
		}
	}
}

void
files_link_down(files_t *self, void *link)
{
	for (flink_t *f = zlistx_first(self->links); f != NULL;
	     f = zlistx_next(self->links)) {
		if (f->link == link) {
			zlistx_delete(self->links, zlistx_cursor(self->links));
			break;
		}
	}
	/* What it was asked goes to the others; and the link's address may
	 * come back as another link's. */
	for (want_t *w = zhashx_first(self->wants); w != NULL;
	     w = zhashx_next(self->wants)) {
		size_t k = 0;

		for (size_t i = 0; i < w->ntried; i++) {
			if (w->tried[i] != link)
				w->tried[k++] = w->tried[i];
		}
		w->ntried = k;
		if (w->link == link) {
			want_landed(self, w);
			want_requeue(self, w);
		}
	}
}

/* Whether this node keeps a copy of file id: every node does, unless
 * files.replicas picks some (see doc/files.md). */
static bool
files_should_hold(files_t *self, const uint8_t id[32], sqlite3_stmt *keys)
{
	const uint8_t *ours = signing_key_public(self->node->identity->key);
	uint8_t buf[64], mine[32], theirs[32];
	unsigned below = 0;

	if (self->replicas == 0)
		return true;
	memcpy(buf, id, 32);
	memcpy(buf + 32, ours, 32);
	sha256(buf, sizeof buf, mine);
	sqlite3_reset(keys);
	while (sqlite3_step(keys) == SQLITE_ROW) {
		if (sqlite3_column_bytes(keys, 0) != 32 ||
		    memcmp(sqlite3_column_blob(keys, 0), ours, 32) == 0)
			continue;
		memcpy(buf + 32, sqlite3_column_blob(keys, 0), 32);
		sha256(buf, sizeof buf, theirs);
		if (memcmp(theirs, mine, 32) < 0)
			below++;
	}
	return below < self->replicas;
}

/* Makes the list of missing chunks again from the tree: every chunk of
 * every file this node keeps that is not on disk. */
static void
files_refresh(files_t *self, int64_t now)
{
	sqlite3 *db = store_db(self->node->store);
	sqlite3_stmt *s, *keys;

	self->generation = views_files_generation();
	self->refresh_us = now;
	self->refreshes++;
	/* Files completed from chunks already here are announced too. */
	self->arrived = true;
	if (sqlite3_prepare_v2(db,
		"SELECT DISTINCT t.id, m.chunks, EXISTS (SELECT 1 FROM "
		"file_holders h WHERE h.id = t.id AND h.author = ?), "
		"m.size, m.chunk_size "
		"FROM file_tree t JOIN manifests m ON m.id = t.id "
		"WHERE t.type = 'f'",
		-1, &s, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "SELECT author FROM nodes", -1, &keys,
		NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return;
	}
	sqlite3_bind_blob(s, 1, signing_key_public(self->node->identity->key),
	    32, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const uint8_t *chunks = sqlite3_column_blob(s, 1);
		size_t n = (size_t)sqlite3_column_bytes(s, 1) / 32;

		if (sqlite3_column_bytes(s, 0) != 32 ||
		    (!sqlite3_column_int(s, 2) &&
			!files_should_hold(self, sqlite3_column_blob(s, 0),
			    keys)))
			continue;
		uint64_t size = (uint64_t)sqlite3_column_int64(s, 3);
		uint64_t csize = (uint64_t)sqlite3_column_int64(s, 4);

		for (size_t i = 0; i < n; i++) {
			want_t *w;

			if (blobs_has(self->blobs, chunks + 32 * i))
				continue;
			w = want_add(self, chunks + 32 * i, false);
			w->seen = self->refreshes;
			if (csize > 0 && i * csize < size)
				w->size = (uint32_t)(size - i * csize < csize
					? size - i * csize
					: csize);
		}
	}
	sqlite3_finalize(keys);
	sqlite3_finalize(s);
	/* What no file needs any more (removed, replaced) and no client
	 * asked for lately is not fetched. */
	{
		zlistx_t *stale = zlistx_new();

		for (want_t *w = zhashx_first(self->wants); w != NULL;
		     w = zhashx_next(self->wants)) {
			if (w->seen != self->refreshes && w->link == NULL &&
			    now - w->asked_us > ASKED_KEEP_US)
				zlistx_add_end(stale, w);
		}
		for (want_t *w = zlistx_first(stale); w != NULL;
		     w = zlistx_next(stale))
			want_done(self, w);
		zlistx_destroy(&stale);
	}
}

/* Asks every link with room in its window for the next chunks. */
static void
files_dispatch(files_t *self, int64_t now)
{
	bool progress = true;

	self->quota_blocked = false;
	if (self->send == NULL)
		return;
	/* One chunk per link and round, so that every link gets a share. */
	while (progress && zlistx_size(self->pending) > 0) {
		progress = false;
		for (flink_t *f = zlistx_first(self->links); f != NULL;
		     f = zlistx_next(self->links)) {
			want_t *w = zlistx_first(self->pending);
			zmsg_t *msg;

			if (f->inflight >= f->window)
				continue;
			for (int k = 0; w != NULL && k < PICK_SCAN; k++) {
				if (!want_tried(w, f->link))
					break;
				w = zlistx_next(self->pending);
			}
			if (w == NULL || want_tried(w, f->link))
				continue;
			/* What is asked for counts against the quota before
			 * it lands. */
			if (self->quota > 0 &&
			    blobs_bytes(self->blobs) + self->inflight_bytes +
				    w->size >
				self->quota) {
				self->quota_blocked = true;
				return;
			}
			self->inflight_bytes += w->size;
			w->counted = true;
			zlistx_delete(self->pending, w->handle);
			w->handle = NULL;
			w->link = f->link;
			w->sent_us = now;
			f->inflight++;
			msg = wire_chunk_ask(WIRE_CHUNK_WANT, w->hash);
			self->send(self->send_arg, f->link, &msg);
			progress = true;
		}
	}
}

void
files_on_chunk(files_t *self, void *link, const uint8_t hash[32],
    zframe_t **data)
{
	char hex[65], *cause = NULL;
	want_t *w;
	flink_t *f;
	int rc;

	hex_encode(hash, 32, hex);
	if ((w = zhashx_lookup(self->wants, hex)) == NULL ||
	    w->link != link) {
		/* Not asked of this link (any more): a late answer. */
		zframe_destroy(data);
		return;
	}
	want_landed(self, w);
	if (self->quota > 0 &&
	    blobs_bytes(self->blobs) + zframe_size(*data) > self->quota) {
		/* Longer than its manifest said: still within the quota. */
		self->quota_blocked = true;
		w->link = NULL;
		if ((f = files_flink(self, link)) != NULL && f->inflight > 0)
			f->inflight--;
		zframe_destroy(data);
		return;
	}
	rc = blobs_put(self->blobs, hash, zframe_data(*data),
	    zframe_size(*data), false, &cause);
	if (rc < 0) {
		log_warning("a chunk from a neighbour was refused: %s", cause);
		free(cause);
		self->bad_chunks++;
		want_refused(self, w, link, time_mono_us());
	} else {
		if ((f = files_flink(self, link)) != NULL) {
			/* It kept up with a full window: open it. */
			if (f->inflight >= f->window &&
			    f->window < FETCH_WINDOW_MAX)
				f->window++;
			if (f->inflight > 0)
				f->inflight--;
			f->rx_us = time_mono_us();
		}
		self->received++;
		self->received_bytes += zframe_size(*data);
		self->arrived = true;
		want_done(self, w);
	}
	zframe_destroy(data);
	files_dispatch(self, time_mono_us());
}

void
files_on_none(files_t *self, void *link, const uint8_t hash[32])
{
	char hex[65];
	want_t *w;
	flink_t *f;

	hex_encode(hash, 32, hex);
	if ((w = zhashx_lookup(self->wants, hex)) == NULL || w->link != link)
		return;
	if ((f = files_flink(self, link)) != NULL)
		f->rx_us = time_mono_us();
	want_refused(self, w, link, time_mono_us());
	files_dispatch(self, time_mono_us());
}

zmsg_t *
files_serve(files_t *self, const uint8_t hash[32])
{
	char *cause = NULL;
	bool bad = false;
	zframe_t *data = blobs_get(self->blobs, hash, &bad, &cause);

	if (data != NULL)
		return wire_chunk(hash, &data);
	if (bad) {
		/* Deleted; the next refresh asks the neighbours for it. */
		log_error("%s", cause);
		self->bad_chunks++;
		self->generation = UINT64_MAX;
	}
	free(cause);
	return wire_chunk_ask(WIRE_CHUNK_NONE, hash);
}

/* Says in the log which files this node now holds whole, so that every
 * node can count the copies. */
static void
files_announce(files_t *self)
{
	sqlite3 *db = store_db(self->node->store);
	json_t *ids = json_array();
	sqlite3_stmt *s;
	char *cause = NULL;

	if (sqlite3_prepare_v2(db,
		"SELECT DISTINCT t.id, m.chunks FROM file_tree t "
		"JOIN manifests m ON m.id = t.id WHERE t.type = 'f' AND "
		"NOT EXISTS (SELECT 1 FROM file_holders h WHERE h.id = t.id "
		"AND h.author = ?)",
		-1, &s, NULL) != SQLITE_OK) {
		json_decref(ids);
		return;
	}
	sqlite3_bind_blob(s, 1, signing_key_public(self->node->identity->key),
	    32, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW &&
	    json_array_size(ids) < ANNOUNCE_MAX) {
		char hex[65];

		if (sqlite3_column_bytes(s, 0) != 32 ||
		    !files_complete(self, sqlite3_column_blob(s, 1),
			(size_t)sqlite3_column_bytes(s, 1) / 32))
			continue;
		hex_encode(sqlite3_column_blob(s, 0), 32, hex);
		json_array_append_new(ids, json_string(hex));
	}
	sqlite3_finalize(s);
	if (json_array_size(ids) > 0) {
		json_t *body = json_pack("{s:o}", "ids", ids);
		char *text = json_dumps(body, JSON_COMPACT);
		entry_t *e = NULL;

		json_decref(body);

		if (node_begin(self->node, &cause) != 0 ||
		    (e = node_append(self->node, "file.have", text,
			 strlen(text), &cause)) == NULL ||
		    node_commit(self->node, &cause) != 0) {
			log_error("cannot record the files held here: %s",
			    cause);
			free(cause);
		}
		entry_destroy(&e);
		free(text);
	} else
		json_decref(ids);
}

long
files_tick(files_t *self, int64_t now)
{
	if ((self->generation != views_files_generation() &&
		now - self->refresh_us >= REFRESH_MIN_US) ||
	    now - self->refresh_us >= REFRESH_MAX_US)
		files_refresh(self, now);
	if (now - self->timeout_us >= 1000000) {
		self->timeout_us = now;
		for (want_t *w = zhashx_first(self->wants); w != NULL;
		     w = zhashx_next(self->wants)) {
			flink_t *f = w->link != NULL
			    ? files_flink(self, w->link)
			    : NULL;

			if (f != NULL && now - w->sent_us > FETCH_TIMEOUT_US &&
			    now - f->rx_us > FETCH_TIMEOUT_US) {
				f->window = f->window / 2 > FETCH_WINDOW_MIN
				    ? f->window / 2
				    : FETCH_WINDOW_MIN;
				want_refused(self, w, w->link, now);
			}
			else if (w->retry_us != 0 && now >= w->retry_us) {
				w->retry_us = 0;
				want_requeue(self, w);
			}
		}
	}
	if (self->arrived && now - self->announce_us >= ANNOUNCE_US) {
		self->arrived = false;
		self->announce_us = now;
		files_announce(self);
	}
	files_dispatch(self, now);
	return zhashx_size(self->wants) > 0 ? 100 : 1000;
}

void
files_prioritize(files_t *self, const uint8_t *chunks, size_t n)
{
	/* Backwards, so that the first chunk ends up first. */
	for (size_t i = n; i > 0; i--) {
		if (!blobs_has(self->blobs, chunks + 32 * (i - 1)))
			want_add(self, chunks + 32 * (i - 1), true)->asked_us =
			    time_mono_us();
	}
	files_dispatch(self, time_mono_us());
}

int
files_quota_check(files_t *self, uint64_t extra, char **why)
{
	uint64_t used = blobs_bytes(self->blobs);
	char a[32], b[32], c[32];

	if (self->quota == 0 ||
	    (used + extra <= self->quota && !self->quota_blocked))
		return 0;
	if (self->quota_blocked && used + extra <= self->quota)
		return fail(why, "quota exceeded: node '%s' cannot hold the "
				 "files it keeps within its quota "
				 "(files.quota); it takes no new file",
		    self->node->name);
	size_format(used, a, sizeof a);
	size_format(self->quota, b, sizeof b);
	size_format(extra, c, sizeof c);
	return fail(why, "quota exceeded: node '%s' holds %s of its %s quota "
			 "(files.quota), and this needs %s more",
	    self->node->name, a, b, c);
}

size_t
files_sources(files_t *self)
{
	return zlistx_size(self->links);
}

bool
files_complete(files_t *self, const uint8_t *chunks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!blobs_has(self->blobs, chunks + 32 * i))
			return false;
	}
	return true;
}

json_t *
files_status(files_t *self)
{
	sqlite3 *db = store_db(self->node->store);
	json_int_t nfiles = 0, ndirs = 0, bytes = 0;
	size_t fetching = 0;
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db,
		"SELECT count(*) FILTER (WHERE type = 'f'), "
		"count(*) FILTER (WHERE type = 'd'), "
		"coalesce(sum(size), 0) FROM file_tree",
		-1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			nfiles = sqlite3_column_int64(s, 0);
			ndirs = sqlite3_column_int64(s, 1);
			bytes = sqlite3_column_int64(s, 2);
		}
		sqlite3_finalize(s);
	}
	for (want_t *w = zhashx_first(self->wants); w != NULL;
	     w = zhashx_next(self->wants))
		fetching += w->link != NULL;
	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:b, s:I, s:I, s:I, s:I, "
			 "s:I, s:I, s:I}",
	    "files", nfiles, "dirs", ndirs, "bytes", bytes, "used",
	    (json_int_t)blobs_bytes(self->blobs), "quota",
	    self->quota > 0 ? json_integer((json_int_t)self->quota)
			    : json_null(),
	    "over_quota",
	    self->quota > 0 &&
		(blobs_bytes(self->blobs) >= self->quota || self->quota_blocked),
	    "chunks", (json_int_t)blobs_count(self->blobs), "missing",
	    (json_int_t)zhashx_size(self->wants), "fetching",
	    (json_int_t)fetching, "replicas", (json_int_t)self->replicas,
	    "sources", (json_int_t)zlistx_size(self->links), "received",
	    (json_int_t)self->received, "bad_chunks",
	    (json_int_t)self->bad_chunks);
}

typedef struct verify {
	files_t *self;
	json_t *bad;
	json_int_t chunks, bytes;
} verify_t;

static void
files_verify_one(const uint8_t hash[32], uint64_t size, void *arg)
{
	verify_t *v = arg;
	char *cause = NULL, hex[65];
	bool bad = false;
	zframe_t *f = blobs_get(v->self->blobs, hash, &bad, &cause);

	v->chunks++;
	v->bytes += (json_int_t)size;
	if (f == NULL) {
		hex_encode(hash, 32, hex);
		json_array_append_new(v->bad, json_pack("{s:s, s:s}", "hash",
		    hex, "why", cause != NULL ? cause : "unreadable"));
		log_error("files verify: %s", cause);
		v->self->bad_chunks++;
	}
	free(cause);
	zframe_destroy(&f);
}

json_t *
files_verify(files_t *self)
{
	verify_t v = { self, json_array(), 0, 0 };

	blobs_each(self->blobs, files_verify_one, &v);
	if (json_array_size(v.bad) > 0)
		self->generation = UINT64_MAX; /* fetch them again */
	return json_pack("{s:I, s:I, s:o}", "chunks", v.chunks, "bytes",
	    v.bytes, "bad", v.bad);
}

/* The first of path, "STEM 2.EXT", "STEM 3.EXT"... where the tree holds
 * nothing. Caller frees; NULL if none of the first thousand is free. */
static char *
files_free_name(node_t *node, const char *path)
{
	uint8_t id[32];
	bool dir, has_id;

	for (unsigned n = 1; n <= 1000; n++) {
		char *p = fpath_numbered(path, n);

		if (views_files_at(store_db(node->store), p, &dir, id, &has_id,
			NULL) == 0)
			return p;
		free(p);
	}
	return NULL;
}

int
files_store_bytes(node_t *node, const char *path, const char *user,
    const void *data, size_t len, char **cause)
{
	size_t n = (size_t)manifest_chunk_count(len, BLOB_CHUNK_SIZE);
	uint8_t *chunks = xcalloc(n > 0 ? n : 1, 32);
	const uint8_t *bytes = data;
	json_t *params = json_pack("{s:s}", "user", user), *result = NULL;
	api_error_t err = { NULL, NULL };
	bool own_tx = !node->in_tx;
	uint64_t extra = 0;
	char *name = NULL, *why = NULL;
	int rc = -1;

	if (fpath_check(path, false, cause) != 0)
		goto done;
	if (chat_user(node, params, &err) == NULL)
		goto done;
	for (size_t i = 0; i < n; i++) {
		size_t off = i * BLOB_CHUNK_SIZE;
		size_t sz = len - off < BLOB_CHUNK_SIZE ? len - off
							: BLOB_CHUNK_SIZE;

		sha256(bytes + off, sz, chunks + 32 * i);
		if (!blobs_has(node->files->blobs, chunks + 32 * i))
			extra += sz;
	}
	if (files_quota_check(node->files, extra, cause) != 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		size_t off = i * BLOB_CHUNK_SIZE;
		size_t sz = len - off < BLOB_CHUNK_SIZE ? len - off
							: BLOB_CHUNK_SIZE;

		if (blobs_put(node->files->blobs, chunks + 32 * i, bytes + off,
			sz, true, cause) < 0)
			goto done;
	}
	if ((name = files_free_name(node, path)) == NULL) {
		fail(cause, "no free name for '%s' in the mesh's files", path);
		goto done;
	}
	if (node_begin(node, cause) != 0)
		goto done;
	result = api_files_put_chunks(node, name, user, (json_int_t)len, 0644,
	    chunks, n, &err);
	if (own_tx && node_commit(node, &why) != 0 && result != NULL) {
		/* Nothing of the batch was kept. */
		fail(cause, "%s", why);
		json_decref(result);
		result = NULL;
	}
	if (result != NULL) {
		log_info("stored %zu bytes as '%s'", len, name);
		rc = 0;
	}
done:
	if (err.message != NULL) {
		fail(cause, "%s", err.message);
		free(err.message);
	}
	json_decref(result);
	json_decref(params);
	free(name);
	free(why);
	free(chunks);
	return rc;
}
