#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fpath.h"
#include "model-files.h"
#include "model-text.h"
#include "model-xfer.h"
#include "test-ledger.h"
#include "util.h"

enum {
	DOWN_MANIFEST,
	DOWN_FETCH,
	DOWN_CHUNK,
	DOWN_FINISH,
	UP_CHECK,
	UP_CHUNK,
	UP_PUT,
};

static const char *
jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void xfer_fail(xfer_t *self, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Ends the transfer with an error; the part of a download stays. */
static void
xfer_fail(xfer_t *self, const char *fmt, ...)
{
	va_list ap;

	free(self->error);
	va_start(ap, fmt);
	self->error = xvasprintf(fmt, ap);
	va_end(ap);
	self->state = XFER_FAILED;
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
}

static xfer_t *
xfer_new(
    enum xfer_kind kind, const char *mesh, const char *local, int64_t now_us)
{
	xfer_t *self = xcalloc(1, sizeof *self);

	self->kind = kind;
	self->state = XFER_RUN;
	self->mesh = xstrdup(mesh);
	self->local = xstrdup(local);
	self->fd = -1;
	self->start_us = now_us;
	self->next_us = now_us;
	self->moved_us = now_us;
	return self;
}

void
xfer_destroy(xfer_t **self_p)
{
	xfer_t *self;

	assert(self_p);
	if ((self = *self_p) == NULL)
		return;
	if (self->fd >= 0)
		close(self->fd);
	free(self->mesh);
	free(self->local);
	free(self->part);
	free(self->user);
	free(self->question);
	free(self->error);
	free(self->note);
	free(self->id);
	free(self->hash);
	free(self->buf);
	free(self);
	*self_p = NULL;
}

xfer_t *
xfer_download_new(
    const char *mesh, const char *local, int64_t now_us, char **cause)
{
	xfer_t *self;
	struct stat st;
	char *target;

	if (*local == '\0') {
		fail(cause, "no local file to save '%s' to", mesh);
		return NULL;
	}
	/* Into a directory, as cp does. */
	if (stat(local, &st) == 0 && S_ISDIR(st.st_mode))
		target = fpath_join(local, fpath_base(mesh));
	else
		target = xstrdup(local);
	self = xfer_new(XFER_DOWN, mesh, target, now_us);
	free(target);
	self->part = xasprintf("%s%s", self->local, XFER_PART_SUFFIX);
	self->step = DOWN_MANIFEST;
	if (lstat(self->local, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			fail(cause, "'%s' is a directory", self->local);
			xfer_destroy(&self);
			return NULL;
		}
		self->state = XFER_ASK;
		self->question =
		    xasprintf("'%s' exists: replace it? (y/n)", self->local);
	}
	return self;
}

xfer_t *
xfer_upload_new(const char *local, const char *mesh, const char *user,
    int64_t now_us, char **cause)
{
	xfer_t *self;
	struct stat st;
	int fd;

	if ((fd = open(local, O_RDONLY | O_CLOEXEC)) < 0) {
		fail(cause, "cannot open '%s': %s", local, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fail(cause, "'%s' is not a regular file", local);
		close(fd);
		return NULL;
	}
	self = xfer_new(XFER_UP, mesh, local, now_us);
	self->fd = fd;
	self->user = user != NULL ? xstrdup(user) : NULL;
	self->size = st.st_size;
	self->mode = (int)(st.st_mode & 0777);
	self->mtime_ns =
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	self->chunk_size = BLOB_CHUNK_SIZE;
	self->nchunks =
	    (size_t)manifest_chunk_count((uint64_t)st.st_size, BLOB_CHUNK_SIZE);
	self->hash = xcalloc(self->nchunks + 1, sizeof *self->hash);
	self->buf = xcalloc(1, BLOB_CHUNK_SIZE);
	self->step = UP_CHECK;
	return self;
}

bool
xfer_active(const xfer_t *self)
{
	return self != NULL &&
	       (self->state == XFER_ASK || self->state == XFER_RUN);
}

int
xfer_wait_ms(const xfer_t *self, int64_t now_us)
{
	if (self == NULL || self->state != XFER_RUN)
		return -1;
	if (self->next_us <= now_us)
		return 0;
	return (int)((self->next_us - now_us + 999) / 1000);
}

void
xfer_answer(xfer_t *self, bool yes, int64_t now_us)
{
	if (self->state != XFER_ASK)
		return;
	free(self->question);
	self->question = NULL;
	if (!yes) {
		xfer_cancel(self);
		return;
	}
	self->overwrite = true;
	self->state = XFER_RUN;
	self->next_us = now_us;
}

void
xfer_cancel(xfer_t *self)
{
	if (!xfer_active(self))
		return;
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	self->state = XFER_CANCELLED;
}

/* Calls the daemon; on failure ends the transfer with why (what: the
 * action, for the message) and returns NULL. *code (if not NULL) gets
 * the error code. */
static json_t *
xfer_call(xfer_t *self, app_call_fn call, void *arg, const char *method,
    json_t *params, const void *data, size_t len, void **out, size_t *out_len,
    char **code)
{
	json_t *result = NULL;
	char *c = NULL, *cause = NULL;
	int st;

	st = call(arg, method, params, data, len, out, out_len, XFER_TIMEOUT_MS,
	    &result, &c, &cause);
	if (st != APP_CALL_OK) {
		xfer_fail(
		    self, "%s", cause != NULL ? cause : "no reason given");
		if (code != NULL) {
			*code = c;
			c = NULL;
		}
		result = NULL;
	}
	free(c);
	free(cause);
	return result;
}

/* Bytes of chunk i. */
static size_t
xfer_chunk_len(const xfer_t *self, size_t i)
{
	int64_t off = (int64_t)i * self->chunk_size;
	int64_t left = self->size - off;

	return left < (int64_t)self->chunk_size ? (size_t)left
	                                        : self->chunk_size;
}

/* Reads (write: writes) exactly len bytes at off. Returns 0, or -1 with
 * errno set (0: the file ended first). */
static int
xfer_io(int fd, bool write, void *buf, size_t len, int64_t off)
{
	ssize_t n = fd_full(fd, write, buf, len, (off_t)off);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = 0;
	return -1;
}

int
xfer_manifest_id(int64_t size, uint32_t chunk_size, const char (*hash)[65],
    size_t n, char out[65])
{
	uint8_t *chunks = xcalloc(n + 1, BLOB_HASH_SIZE), id[BLOB_HASH_SIZE];

	for (size_t i = 0; i < n; i++) {
		if (strlen(hash[i]) != 2 * BLOB_HASH_SIZE ||
		    hex_decode(hash[i], chunks + i * BLOB_HASH_SIZE,
		        BLOB_HASH_SIZE) != 0) {
			free(chunks);
			return -1;
		}
	}
	manifest_id((uint64_t)size, chunk_size, chunks, n, id);
	hex_encode(id, sizeof id, out);
	free(chunks);
	return 0;
}

/* --- download --------------------------------------------------------------
 */

static void
down_manifest(xfer_t *self, app_call_fn call, void *arg)
{
	json_t *r, *chunks, *h;
	json_int_t size, cs;
	char id[65];
	struct stat st;
	size_t i;

	r = xfer_call(self, call, arg, "files.manifest",
	    json_pack("{s:s}", "path", self->mesh), NULL, 0, NULL, NULL, NULL);
	if (r == NULL)
		return;
	size = json_integer_value(json_object_get(r, "size"));
	cs = json_integer_value(json_object_get(r, "chunk_size"));
	chunks = json_object_get(r, "chunks");
	if (jstr(r, "id") == NULL || !json_is_array(chunks) || size < 0 ||
	    cs <= 0 || cs > XFER_CHUNK_MAX ||
	    json_array_size(chunks) !=
	        manifest_chunk_count((uint64_t)size, (uint32_t)cs)) {
		xfer_fail(self,
		    "the daemon's manifest of '%s' is not as "
		    "documented",
		    self->mesh);
		goto done;
	}
	self->size = size;
	self->chunk_size = (uint32_t)cs;
	self->mode =
	    (int)(json_integer_value(json_object_get(r, "mode")) & 0777);
	self->id = xstrdup(jstr(r, "id"));
	self->nchunks = json_array_size(chunks);
	self->hash = xcalloc(self->nchunks + 1, sizeof *self->hash);
	json_array_foreach(chunks, i, h)
	    snprintf(self->hash[i], sizeof self->hash[i], "%s",
	        json_is_string(h) ? json_string_value(h) : "");
	/* The id names the manifest: a manifest that does not hash to it
	 * is not the file's, whatever the daemon says. */
	if (xfer_manifest_id(self->size, self->chunk_size,
	        (const char(*)[65])self->hash, self->nchunks, id) != 0 ||
	    strcasecmp(id, self->id) != 0) {
		xfer_fail(self, "the manifest of '%s' does not match its id",
		    self->mesh);
		goto done;
	}
	self->fd = open(self->part, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (self->fd < 0 || fstat(self->fd, &st) != 0) {
		xfer_fail(
		    self, "cannot open '%s': %s", self->part, strerror(errno));
		goto done;
	}
	self->part_size = st.st_size;
	self->buf = xcalloc(1, self->chunk_size);
	self->step = DOWN_FETCH;
done:
	json_decref(r);
}

static void
down_fetch(xfer_t *self, app_call_fn call, void *arg, int64_t now_us)
{
	/* Asks the node to fetch what it lacks first: the chunks then
	 * come while the earlier ones are written. */
	json_t *r = xfer_call(self, call, arg, "files.fetch",
	    json_pack("{s:s}", "id", self->id), NULL, 0, NULL, NULL, NULL);

	if (r == NULL)
		return;
	json_decref(r);
	self->step = DOWN_CHUNK;
	self->start_us = now_us;
	self->moved_us = now_us;
}

static void
down_chunk(xfer_t *self, app_call_fn call, void *arg, int64_t now_us)
{
	size_t i = self->next, len, got_len = 0;
	int64_t off = (int64_t)i * self->chunk_size;
	void *got = NULL;
	json_t *r;

	if (i == self->nchunks) {
		self->step = DOWN_FINISH;
		return;
	}
	len = xfer_chunk_len(self, i);
	/* Resuming: a chunk the part holds already is not asked again. */
	if (self->part_size >= off + (int64_t)len &&
	    xfer_io(self->fd, false, self->buf, len, off) == 0 &&
	    sha256_is(self->buf, len, self->hash[i])) {
		self->done += (int64_t)len;
		self->resumed += (int64_t)len;
		self->next++;
		return;
	}
	r = xfer_call(self, call, arg, "files.chunk.get",
	    json_pack("{s:s}", "hash", self->hash[i]), NULL, 0, &got, &got_len,
	    NULL);
	if (r == NULL)
		return;
	if (!json_is_true(json_object_get(r, "have"))) {
		json_t *sources = json_object_get(r, "sources");
		long n = json_is_array(sources) ? (long)json_array_size(sources)
		                                : json_integer_value(sources);

		if (now_us - self->moved_us >= XFER_STALL_US) {
			xfer_fail(self,
			    "no node sent chunk %zu/%zu within %llds (the "
			    "part '%s' is kept: download again to resume)",
			    i + 1, self->nchunks,
			    (long long)(XFER_STALL_US / 1000000), self->part);
			goto done;
		}
		free(self->note);
		self->note = xasprintf("waiting for chunk %zu/%zu (%ld "
		                       "source%s)",
		    i + 1, self->nchunks, n, n == 1 ? "" : "s");
		self->next_us = now_us + XFER_RETRY_US;
		goto done;
	}
	if (got == NULL || got_len != len ||
	    !sha256_is(got, len, self->hash[i])) {
		xfer_fail(self,
		    "chunk %zu/%zu of '%s' from the daemon does "
		    "not match its hash",
		    i + 1, self->nchunks, self->mesh);
		goto done;
	}
	if (xfer_io(self->fd, true, got, len, off) != 0) {
		xfer_fail(
		    self, "cannot write '%s': %s", self->part, strerror(errno));
		goto done;
	}
	free(self->note);
	self->note = NULL;
	self->done += (int64_t)len;
	self->next++;
	self->moved_us = now_us;
done:
	free(got);
	json_decref(r);
}

static void
down_finish(xfer_t *self)
{
	mode_t mask = umask(0);

	umask(mask);
	/* A part longer than the file (an older version's) is cut; the
	 * bytes reach the disk before the name does. */
	if (ftruncate(self->fd, (off_t)self->size) != 0 ||
	    fsync(self->fd) != 0 ||
	    fchmod(self->fd, (mode_t)self->mode & ~mask) != 0) {
		xfer_fail(
		    self, "cannot write '%s': %s", self->part, strerror(errno));
		return;
	}
	close(self->fd);
	self->fd = -1;
	if (rename(self->part, self->local) != 0) {
		xfer_fail(self, "cannot rename '%s' to '%s': %s", self->part,
		    self->local, strerror(errno));
		return;
	}
	self->state = XFER_DONE;
}

/* --- upload ----------------------------------------------------------------
 */

static void
up_check(xfer_t *self, app_call_fn call, void *arg)
{
	/* With the user, so that who acts is settled before any byte. */
	json_t *r = xfer_call(self, call, arg, "files.check",
	    json_pack("{s:s, s:I, s:s?}", "path", self->mesh, "size",
	        (json_int_t)self->size, "user", self->user),
	    NULL, 0, NULL, NULL, NULL);
	const char *exists;

	if (r == NULL)
		return;
	exists = jstr(r, "exists");
	if (exists != NULL && strcmp(exists, "dir") == 0) {
		/* Into a directory of the mesh, as cp does, once. */
		char *p = fpath_join(self->mesh, fpath_base(self->local));

		if (self->into_dir) {
			xfer_fail(self, "'%s' is a directory of the mesh",
			    self->mesh);
			free(p);
			json_decref(r);
			return;
		}
		free(self->mesh);
		self->mesh = p;
		self->into_dir = true;
	} else if (exists != NULL && strcmp(exists, "file") == 0 &&
	           !self->overwrite) {
		self->state = XFER_ASK;
		free(self->question);
		self->question = xasprintf("'%s' is in the mesh already: put "
		                           "a new version? (y/n)",
		    self->mesh);
		self->step = UP_CHUNK;
	} else
		self->step = UP_CHUNK;
	json_decref(r);
}

static void
up_chunk(xfer_t *self, app_call_fn call, void *arg, int64_t now_us)
{
	size_t i = self->next, len;
	int64_t off = (int64_t)i * self->chunk_size;
	json_t *r;

	if (i == self->nchunks) {
		self->step = UP_PUT;
		return;
	}
	if (i == 0)
		self->start_us = now_us;
	len = xfer_chunk_len(self, i);
	if (xfer_io(self->fd, false, self->buf, len, off) != 0) {
		xfer_fail(self,
		    errno != 0 ? "cannot read '%s': %s"
		               : "'%s' changed while it was sent%s",
		    self->local, errno != 0 ? strerror(errno) : "");
		return;
	}
	sha256_hex(self->buf, len, self->hash[i]);
	r = xfer_call(self, call, arg, "files.chunk.put",
	    json_pack("{s:s}", "hash", self->hash[i]), self->buf, len, NULL,
	    NULL, NULL);
	if (r == NULL)
		return;
	json_decref(r);
	self->done += (int64_t)len;
	self->next++;
	self->moved_us = now_us;
}

static void
up_put(xfer_t *self, app_call_fn call, void *arg)
{
	json_t *chunks = json_array(), *r;
	struct stat st;

	/* The chunks sent must be the file put: a file written meanwhile
	 * is refused before the ledger hears of it. */
	if (fstat(self->fd, &st) != 0 || st.st_size != self->size ||
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec !=
	        self->mtime_ns) {
		json_decref(chunks);
		xfer_fail(self,
		    "'%s' changed while it was sent: nothing was "
		    "put",
		    self->local);
		return;
	}
	for (size_t i = 0; i < self->nchunks; i++)
		json_array_append_new(chunks, json_string(self->hash[i]));
	r = json_pack("{s:s, s:I, s:i, s:o}", "path", self->mesh, "size",
	    (json_int_t)self->size, "mode", self->mode, "chunks", chunks);
	if (self->user != NULL)
		json_object_set_new(r, "user", json_string(self->user));
	r = xfer_call(
	    self, call, arg, "files.put", r, NULL, 0, NULL, NULL, NULL);
	if (r == NULL)
		return;
	free(self->id);
	self->id = jstr(r, "id") != NULL ? xstrdup(jstr(r, "id")) : NULL;
	json_decref(r);
	close(self->fd);
	self->fd = -1;
	self->state = XFER_DONE;
}

void
xfer_step(xfer_t *self, app_call_fn call, void *arg, int64_t now_us)
{
	if (self == NULL || self->state != XFER_RUN || now_us < self->next_us)
		return;
	switch (self->step) {
	case DOWN_MANIFEST:
		down_manifest(self, call, arg);
		break;
	case DOWN_FETCH:
		down_fetch(self, call, arg, now_us);
		break;
	case DOWN_CHUNK:
		down_chunk(self, call, arg, now_us);
		break;
	case DOWN_FINISH:
		down_finish(self);
		break;
	case UP_CHECK:
		up_check(self, call, arg);
		break;
	case UP_CHUNK:
		up_chunk(self, call, arg, now_us);
		break;
	case UP_PUT:
		up_put(self, call, arg);
		break;
	}
}

/* --- what it shows ---------------------------------------------------------
 */

int64_t
xfer_rate(const xfer_t *self, int64_t now_us)
{
	int64_t moved = self->done - self->resumed, t = now_us - self->start_us;

	/* Under half a second, a rate says more about the clock. */
	if (moved <= 0 || t < 500000)
		return -1;
	return (int64_t)((double)moved * 1e6 / (double)t);
}

static int
xfer_percent(const xfer_t *self)
{
	if (self->size <= 0)
		return self->state == XFER_DONE ? 100 : 0;
	return (int)(self->done * 100 / self->size);
}

void
xfer_progress_row(const xfer_t *self, int64_t now_us, int width, tui_row_t *row)
{
	char done[24], size[24], rate[24], left[32], *right;
	int64_t r = xfer_rate(self, now_us);
	int pct = xfer_percent(self), bar, fill, used;

	tui_row_printf(row, TS_BAR_HI, width, " %s ",
	    self->kind == XFER_DOWN ? "down" : "up");
	/* The name is the mesh's or the user's: made safe by printf. */
	tui_row_printf(row, TS_BAR,
	    width - row->width < 24 ? width - row->width : 24, " %s ",
	    fpath_base(self->kind == XFER_DOWN ? self->mesh : self->local));
	if (self->state == XFER_ASK) {
		tui_row_printf(
		    row, TS_PROMPT, width - row->width, " %s", self->question);
		return;
	}
	size_format((uint64_t)self->done, done, sizeof done);
	size_format((uint64_t)self->size, size, sizeof size);
	if (self->note != NULL)
		right =
		    xasprintf(" %3d%%  %s/%s  %s", pct, done, size, self->note);
	else if (r > 0) {
		size_format((uint64_t)r, rate, sizeof rate);
		time_format_duration(
		    (self->size - self->done + r - 1) / r, left, sizeof left);
		right = xasprintf(" %3d%%  %s/%s  %s/s  %s left", pct, done,
		    size, rate, left);
	} else
		right = xasprintf(" %3d%%  %s/%s", pct, done, size);
	used = row->width + tui_text_width(right, strlen(right));
	bar = width - used - 3;
	if (bar > 40)
		bar = 40;
	if (bar >= 5) {
		fill = bar * pct / 100;
		tui_row_puts(row, TS_NORMAL, " [", -1);
		for (int i = 0; i < bar; i++)
			tui_row_puts(row, i < fill ? TS_LINK_GOOD : TS_DIM,
			    i < fill ? "=" : (i == fill ? ">" : " "), -1);
		tui_row_puts(row, TS_NORMAL, "]", -1);
	}
	tui_row_printf(row, TS_NORMAL, width - row->width, "%s", right);
	free(right);
}

void
xfer_short(const xfer_t *self, char out[32])
{
	if (self->state == XFER_ASK)
		snprintf(out, 32, "%s: y/n?",
		    self->kind == XFER_DOWN ? "down" : "up");
	else
		snprintf(out, 32, "%s %d%%",
		    self->kind == XFER_DOWN ? "down" : "up",
		    xfer_percent(self));
}

char *
xfer_result(const xfer_t *self)
{
	char size[24];
	bool down = self->kind == XFER_DOWN;
	/* The local file by its name: the status line is short, and the
	 * user just typed where it is. */
	const char *local = fpath_base(self->local);

	size_format((uint64_t)self->size, size, sizeof size);
	switch (self->state) {
	case XFER_ASK:
		return xstrdup(self->question);
	case XFER_RUN:
		return xasprintf("%s '%s'", down ? "downloading" : "uploading",
		    down ? self->mesh : local);
	case XFER_DONE:
		if (down)
			return xasprintf("downloaded '%s' to '%s' (%s)",
			    self->mesh, local, size);
		return xasprintf("uploaded '%s' to '%s' (%s, id %.8s)", local,
		    self->mesh, size, self->id != NULL ? self->id : "?");
	case XFER_FAILED:
		if (down)
			return xasprintf("cannot download '%s': %s", self->mesh,
			    self->error);
		return xasprintf("cannot upload '%s' to '%s': %s", local,
		    self->mesh, self->error);
	case XFER_CANCELLED:
		/* Short, for the status line: the part is named as
		 * the user named the target. */
		if (down && self->step >= DOWN_FETCH)
			return xasprintf("download cancelled; '%s' is kept: "
			                 "download again to resume",
			    fpath_base(self->part));
		if (down)
			return xasprintf(
			    "download of '%s' cancelled", self->mesh);
		return xasprintf(
		    "upload of '%s' cancelled: nothing was put", self->local);
	}
	return xstrdup("?");
}

/* --- self-test ------------------------------------------------------------
 */

/* Steps x until it ends (or steps run out), time going by dt each. */
static void
run(xfer_t *x, test_ledger_t *f, int64_t *now, int64_t dt, int steps)
{
	for (int i = 0; i < steps && x->state == XFER_RUN; i++) {
		xfer_step(x, test_ledger_call, f, *now);
		*now += dt;
	}
}

static void
write_bytes(const char *path, size_t len, unsigned seed)
{
	FILE *fp = fopen(path, "wb");

	assert(fp != NULL);
	for (size_t i = 0; i < len; i++)
		fputc((int)((i * 2654435761u + seed) >> 13) & 0xff, fp);
	assert(fclose(fp) == 0);
}

static bool
same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = read_file(a, 64 << 20, &la, NULL);
	char *y = read_file(b, 64 << 20, &lb, NULL);
	bool same = x != NULL && y != NULL && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

void
model_xfer_test(bool verbose)
{
	test_ledger_t *f = test_ledger_new();
	const char *tmp = getenv("TMPDIR");
	char *tmpl, *dir, *src, *dst, *part, *cause, *msg, id[65];
	xfer_t *x;
	int64_t now = 1000000;
	tui_row_t row;
	struct stat st;
	const char(*none)[65] = NULL;

	(void)verbose;
	tmpl = xasprintf(
	    "%s/ioe-xfer-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert((dir = mkdtemp(tmpl)) != NULL);
	src = xasprintf("%s/src.bin", dir);
	dst = xasprintf("%s/dst.bin", dir);
	part = xasprintf("%s%s", dst, XFER_PART_SUFFIX);

	/* The id of the empty manifest, as doc/files.md defines it. */
	assert(xfer_manifest_id(0, BLOB_CHUNK_SIZE, none, 0, id) == 0);
	{
		uint8_t m[] = {'i', 'o', 'e', '-', 'm', 'a', 'n', 'i', 'f', 'e',
		    's', 't', '-', '1', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0,
		    0},
		        h[SHA256_SIZE];
		char hex[65];

		sha256(m, sizeof m, h);
		hex_encode(h, sizeof h, hex);
		assert(strcmp(hex, id) == 0);
	}

	/* Upload 2.5 MiB: check, three chunks of at most 1 MiB, put. */
	write_bytes(src, 2 * BLOB_CHUNK_SIZE + BLOB_CHUNK_SIZE / 2, 1);
	x = xfer_upload_new(src, "docs/src.bin", "alice", now, &cause);
	assert(x != NULL && x->nchunks == 3 && xfer_active(x));
	assert(xfer_wait_ms(x, now) == 0);
	run(x, f, &now, 100000, 100);
	assert(x->state == XFER_DONE && f->n == 3);
	assert(json_object_get(f->tree, "docs/src.bin") != NULL);
	assert(strcmp(jstr(json_object_get(f->tree, "docs/src.bin"), "user"),
	           "alice") == 0);
	/* The user goes with files.check too: who acts is settled before
	 * any byte is sent. */
	assert(strcmp(jstr(f->check, "user"), "alice") == 0);
	assert(x->done == x->size && xfer_rate(x, now) > 0);
	msg = xfer_result(x);
	assert(strstr(msg, "uploaded 'src.bin' to 'docs/src.bin' (2.5 MiB, "
	                   "id ") != NULL);
	free(msg);
	xfer_destroy(&x);
	assert(x == NULL);

	/* Download it: manifest, fetch, chunk by chunk (one not there yet:
	 * asked again later), into the part, then renamed. */
	f->absent = 2;
	x = xfer_download_new("docs/src.bin", dst, now, &cause);
	assert(x != NULL && x->state == XFER_RUN);
	xfer_step(x, test_ledger_call, f, now); /* manifest */
	xfer_step(x, test_ledger_call, f, now); /* fetch */
	assert(x->nchunks == 3 && test_ledger_called(f, "files.fetch"));
	xfer_step(x, test_ledger_call, f, now);
	assert(x->note != NULL && strstr(x->note, "waiting for chunk 1/3") &&
	       xfer_wait_ms(x, now) > 0);
	xfer_step(x, test_ledger_call, f, now); /* too early: nothing */
	assert(x->done == 0 && f->absent == 1);
	now += XFER_RETRY_US;
	tui_row_init(&row);
	xfer_progress_row(x, now, 100, &row);
	assert(row.width <= 100);
	msg = tui_row_plain(&row);
	assert(strstr(msg, "down") && strstr(msg, "src.bin") &&
	       strstr(msg, "0%") && strstr(msg, "waiting for chunk 1/3"));
	free(msg);
	run(x, f, &now, 300000, 100);
	assert(x->state == XFER_DONE && same_file(src, dst));
	assert(stat(part, &st) != 0);
	msg = xfer_result(x);
	assert(strcmp(msg, "downloaded 'docs/src.bin' to 'dst.bin' (2.5 "
	                   "MiB)") == 0);
	free(msg);
	xfer_destroy(&x);

	/* The target exists: asked first; no cancels, yes replaces. */
	x = xfer_download_new("docs/src.bin", dst, now, &cause);
	assert(x->state == XFER_ASK && strstr(x->question, "exists"));
	xfer_answer(x, false, now);
	assert(x->state == XFER_CANCELLED);
	xfer_destroy(&x);
	/* A directory as the target: the same name in it. */
	x = xfer_download_new("docs/src.bin", dir, now, &cause);
	assert(x->state == XFER_ASK && strcmp(x->local, src) == 0);
	xfer_destroy(&x);

	/* Cancelled half-way, the part stays; the next download keeps its
	 * chunks and asks only for the rest. */
	unlink(dst);
	x = xfer_download_new("docs/src.bin", dst, now, &cause);
	json_array_clear(f->calls);
	run(x, f, &now, 100000, 4); /* manifest, fetch, two chunks */
	assert(x->next == 2 && x->state == XFER_RUN);
	tui_row_clear(&row);
	xfer_progress_row(x, now, 100, &row);
	assert(row.width <= 100);
	xfer_cancel(x);
	assert(x->state == XFER_CANCELLED && stat(part, &st) == 0);
	msg = xfer_result(x);
	assert(strstr(msg, "is kept") != NULL);
	free(msg);
	xfer_destroy(&x);
	x = xfer_download_new("docs/src.bin", dst, now, &cause);
	json_array_clear(f->calls);
	run(x, f, &now, 100000, 100);
	assert(x->state == XFER_DONE && same_file(src, dst));
	assert(x->resumed == 2 * BLOB_CHUNK_SIZE);
	assert(json_array_size(f->calls) == 3); /* manifest, fetch, 1 chunk */
	xfer_destroy(&x);

	/* A chunk that does not match its hash fails the download. */
	unlink(dst);
	f->corrupt = true;
	x = xfer_download_new("docs/src.bin", dst, now, &cause);
	run(x, f, &now, 100000, 100);
	assert(x->state == XFER_FAILED && strstr(x->error, "hash"));
	f->corrupt = false;
	xfer_destroy(&x);
	unlink(part);

	/* A chunk that never comes: given up after XFER_STALL_US. */
	f->absent = 1 << 30;
	x = xfer_download_new("docs/src.bin", dst, now, &cause);
	run(x, f, &now, 1000000, 200);
	assert(x->state == XFER_FAILED && strstr(x->error, "no node sent"));
	f->absent = 0;
	xfer_destroy(&x);
	unlink(part);

	/* No such file in the mesh; no daemon. */
	x = xfer_download_new("nope", dst, now, &cause);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_FAILED);
	msg = xfer_result(x);
	assert(strcmp(msg, "cannot download 'nope': no file 'x' in the "
	                   "mesh") == 0);
	free(msg);
	xfer_destroy(&x);
	f->down = true;
	x = xfer_download_new("docs/src.bin", dst, now, &cause);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_FAILED && strstr(x->error, "no daemon"));
	xfer_destroy(&x);
	f->down = false;

	/* An empty file has no chunk, and an id all the same. */
	write_bytes(src, 0, 0);
	x = xfer_upload_new(src, "empty", NULL, now, &cause);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_DONE && x->id != NULL);
	xfer_destroy(&x);
	write_bytes(dst, 5, 0);
	x = xfer_download_new("empty", dst, now, &cause);
	assert(x->state == XFER_ASK);
	xfer_answer(x, true, now);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_DONE && stat(dst, &st) == 0 && st.st_size == 0);
	xfer_destroy(&x);

	/* Upload refusals: no such file, a directory, a path the daemon
	 * refuses, over quota: nothing put. */
	assert(
	    xfer_upload_new("/nonexistent/x", "x", NULL, now, &cause) == NULL);
	assert(strstr(cause, "cannot open '/nonexistent/x'") != NULL);
	free(cause);
	assert(xfer_upload_new(dir, "x", NULL, now, &cause) == NULL);
	assert(strstr(cause, "not a regular file") != NULL);
	free(cause);
	write_bytes(src, 100, 2);
	json_array_clear(f->calls);
	x = xfer_upload_new(src, "/abs", NULL, now, &cause);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_FAILED);
	msg = xfer_result(x);
	assert(strstr(msg, "cannot upload 'src.bin' to '/abs': a mesh path "
	                   "is relative"));
	free(msg);
	xfer_destroy(&x);
	f->quota = true;
	x = xfer_upload_new(src, "q", NULL, now, &cause);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_FAILED && strstr(x->error, "quota"));
	assert(!test_ledger_called(f, "files.put"));
	xfer_destroy(&x);
	f->quota = false;
	/* Into a directory of the mesh; over a file, asked first. */
	json_object_set_new(f->tree, "docs", json_pack("{s:b}", "dir", 1));
	x = xfer_upload_new(src, "docs", NULL, now, &cause);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_ASK && strcmp(x->mesh, "docs/src.bin") == 0);
	assert(strstr(x->question, "new version"));
	xfer_short(x, id);
	assert(strcmp(id, "up: y/n?") == 0);
	xfer_answer(x, true, now);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_DONE);
	assert(json_integer_value(json_object_get(
	           json_object_get(f->tree, "docs/src.bin"), "size")) == 100);
	xfer_destroy(&x);
	/* A file written while it is sent is not put. */
	write_bytes(src, BLOB_CHUNK_SIZE + 10, 3);
	json_array_clear(f->calls);
	x = xfer_upload_new(src, "changing", NULL, now, &cause);
	run(x, f, &now, 1000, 2); /* check, first chunk */
	write_bytes(src, BLOB_CHUNK_SIZE + 20, 4);
	run(x, f, &now, 1000, 10);
	assert(x->state == XFER_FAILED && strstr(x->error, "changed"));
	assert(!test_ledger_called(f, "files.put"));
	msg = xfer_result(x);
	assert(strstr(msg, "changed while it was sent: nothing was put"));
	free(msg);
	xfer_destroy(&x);
	/* Cancelled: nothing put. */
	x = xfer_upload_new(src, "cancelled", NULL, now, &cause);
	run(x, f, &now, 1000, 2);
	xfer_cancel(x);
	msg = xfer_result(x);
	assert(strstr(msg, "nothing was put") != NULL);
	free(msg);
	assert(!test_ledger_called(f, "files.put"));
	xfer_destroy(&x);

	/* The progress row: bar, percentage, bytes, rate, time left, in
	 * the width given, names inert. */
	x = xfer_upload_new(src, "a", NULL, 0, &cause);
	x->size = 10 << 20;
	x->done = 4 << 20;
	x->state = XFER_RUN;
	free(x->local);
	x->local = xstrdup("/tmp/evil\x1b[2J.bin");
	tui_row_clear(&row);
	xfer_progress_row(x, 4000000, 100, &row);
	msg = tui_row_plain(&row);
	assert(strstr(msg, "evil\\x1b[2J.bin") && !strchr(msg, '\x1b'));
	assert(strstr(msg, " 40%  4.0 MiB/10.0 MiB  1.0 MiB/s  6s left"));
	assert(strstr(msg, "[====") != NULL && row.width <= 100);
	free(msg);
	for (int w = 10; w < 120; w += 7) {
		tui_row_clear(&row);
		xfer_progress_row(x, 4000000, w, &row);
		assert(row.width <= w);
	}
	xfer_destroy(&x);
	tui_row_free(&row);

	unlink(src);
	unlink(dst);
	unlink(part);
	rmdir(dir);
	free(tmpl);
	free(src);
	free(dst);
	free(part);
	test_ledger_destroy(&f);
}
