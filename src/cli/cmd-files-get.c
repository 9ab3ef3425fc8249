/* files get: a file of the mesh into a local file, chunk by chunk, through
 * LOCAL.ioe-part so that a killed run resumes where it stopped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd-files.h"
#include "crypto.h"
#include "fpath.h"
#include "progress.h"
#include "util.h"

#define FILES_PART_SUFFIX ".ioe-part"
/* No chunk in this long, from any node: give up. The test suite shortens
 * it with IOE_TEST_FETCH_PATIENCE (seconds) rather than wait a minute. */
#define FILES_PATIENCE_US (60 * 1000000LL)
/* A chunk not here yet is asked for again after 20 ms, then less often,
 * up to every 200 ms: quick on a fast link, light on a slow one. */
#define FILES_WAIT_FIRST_MS 20
#define FILES_WAIT_MAX_MS   200
/* A chunk whose bytes do not match its hash is asked for again this many
 * times (the daemon deletes a bad one and fetches it anew). */
#define FILES_BAD_TRIES 3
/* A manifest is believed up to this chunk size: a chunk is held whole in
 * memory. */
#define FILES_CHUNK_SIZE_MAX (64 * 1024 * 1024)

struct files_get {
	struct ioectl_ctx *ctx;
	char *path; /* on the mesh, as the manifest names it */
	char id[2 * SHA256_SIZE + 1];
	uint64_t size;
	int mode;
	size_t chunk_size;
	size_t nchunks;
	json_t *chunks; /* hex hashes, in order */
	char *target;   /* the local file */
	char *part;     /* target + FILES_PART_SUFFIX */
	int fd;         /* on part */
	uint8_t *buf;   /* one chunk */
	progress_t *bar;
	uint64_t done;  /* bytes in part that are right */
	size_t kept;    /* chunks found right in part (resumed) */
	size_t fetched; /* chunks asked of the daemon */
};

/* A name from the mesh is used as a local file name only if it is one
 * component that cannot lead anywhere else: the daemon checks mesh paths,
 * and this holds even if it did not. */
static bool
files_get_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 255 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	}
	return text_is_utf8(name, len);
}

/* Reads the manifest of path into g. Returns EXIT_OK, or the exit status
 * after printing why. */
static int
files_get_manifest(struct files_get *g, const char *path)
{
	const char *id, *mpath;
	json_int_t size, mode, chunk_size;
	json_t *m, *chunks, *hash;
	size_t i;
	int rc;

	if ((rc = files_path_utf8(g->ctx, path)) != EXIT_OK)
		return rc;
	if ((rc = cmd_call(g->ctx, "files.manifest",
		 json_pack("{s:s}", "path", path), &m)) != EXIT_OK)
		return rc;
	chunks = json_object_get(m, "chunks");
	mpath = json_string_value(json_object_get(m, "path"));
	id = json_string_value(json_object_get(m, "id"));
	size = json_integer_value(json_object_get(m, "size"));
	mode = json_integer_value(json_object_get(m, "mode"));
	chunk_size = json_integer_value(json_object_get(m, "chunk_size"));
	rc = EXIT_FAILED;
	if (id == NULL || strlen(id) != 2 * SHA256_SIZE || !hex_is_valid(id) ||
	    size < 0 || mode < 0 || mode > 0777 || chunk_size <= 0 ||
	    chunk_size > FILES_CHUNK_SIZE_MAX || !json_is_array(chunks))
		goto bad;
	g->size = (uint64_t)size;
	g->chunk_size = (size_t)chunk_size;
	g->nchunks = (size_t)((g->size + g->chunk_size - 1) / g->chunk_size);
	if (json_array_size(chunks) != g->nchunks)
		goto bad;
	json_array_foreach(chunks, i, hash) {
		const char *h = json_string_value(hash);

		if (h == NULL || strlen(h) != 2 * SHA256_SIZE ||
		    !hex_is_valid(h))
			goto bad;
	}
	memcpy(g->id, id, sizeof g->id);
	g->mode = (int)mode;
	g->path = xstrdup(mpath != NULL ? mpath : path);
	g->chunks = json_incref(chunks);
	json_decref(m);
	return EXIT_OK;
bad:
	json_decref(m);
	return cmd_error(g->ctx, EXIT_FAILED, "invalid",
	    "the daemon's manifest of '%s' is malformed", path);
}

/* The directory part of path ("." if it has none). Caller frees. */
static char *
files_get_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

/* Chooses the local file: local (a directory takes the mesh name) or,
 * without it, the mesh name in the current directory. Refuses what would
 * replace a directory, or a file without force. Returns EXIT_OK with
 * g->target set, or the exit status after printing why. */
static int
files_get_target(struct files_get *g, const char *local, bool force)
{
	const char *base = fpath_base(g->path);
	struct stat st;
	char *parent;

	bool into = local == NULL ||
	    (stat(local, &st) == 0 && S_ISDIR(st.st_mode));

	if (into && !files_get_name_ok(base))
		return cmd_error(g->ctx, EXIT_FAILED, "invalid",
		    "'%s' does not end in a name usable for a local file: "
		    "name LOCAL",
		    g->path);
	if (local == NULL)
		g->target = xstrdup(base);
	else if (into)
		g->target = xasprintf("%s%s%s", local,
		    local[strlen(local) - 1] == '/' ? "" : "/", base);
	else {
		/* Directories are not made: a typing error would scatter
		 * files where nobody looks. */
		parent = files_get_parent(local);
		if (local[strlen(local) - 1] == '/' || stat(parent, &st) != 0 ||
		    !S_ISDIR(st.st_mode)) {
			int rc = cmd_error(g->ctx, EXIT_FAILED, "invalid",
			    "cannot write '%s': there is no directory '%s'",
			    local,
			    local[strlen(local) - 1] == '/' ? local : parent);

			free(parent);
			return rc;
		}
		free(parent);
		g->target = xstrdup(local);
	}
	if (lstat(g->target, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return cmd_error(g->ctx, EXIT_FAILED, "exists",
			    "'%s' is a directory", g->target);
		if (!force)
			return cmd_error(g->ctx, EXIT_FAILED, "exists",
			    "'%s' exists: give -f to replace it", g->target);
	} else if (errno != ENOENT)
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot write '%s': %s", g->target, strerror(errno));
	g->part = xasprintf("%s" FILES_PART_SUFFIX, g->target);
	return EXIT_OK;
}

/* Opens (or creates) the part file, private until it is complete, never
 * through a symbolic link. Returns EXIT_OK, or the exit status. */
static int
files_get_open(struct files_get *g)
{
	struct stat st;
	int flags;

	/* O_NONBLOCK: a FIFO planted at the name must not hang us. */
	g->fd = open(g->part,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (g->fd == -1)
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot write '%s': %s", g->part,
		    errno == ELOOP ? "it is a symbolic link" : strerror(errno));
	if (fstat(g->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot write '%s': it is not a regular file", g->part);
	/* Two runs into one part file would each truncate and rename it
	 * under the other. */
	if (flock(g->fd, LOCK_EX | LOCK_NB) != 0)
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot write '%s': %s", g->part,
		    errno == EWOULDBLOCK ? "another ioectl is writing it"
					 : strerror(errno));
	if (fchmod(g->fd, 0600) != 0)
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot write '%s': %s", g->part, strerror(errno));
	if ((flags = fcntl(g->fd, F_GETFL)) != -1)
		fcntl(g->fd, F_SETFL, flags & ~O_NONBLOCK);
	return EXIT_OK;
}

/* True if the part file already holds chunk i, right (a resumed run). */
static bool
files_get_have(struct files_get *g, size_t i, off_t off, size_t len,
    off_t part_size)
{
	if (off + (off_t)len > part_size ||
	    fd_full(g->fd, false, g->buf, len, off) != (ssize_t)len)
		return false;
	return sha256_is(
	    g->buf, len, json_string_value(json_array_get(g->chunks, i)));
}

static void
files_get_sleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* How long to wait for a chunk that no node sends. */
static int64_t
files_get_patience(void)
{
	const char *s = getenv("IOE_TEST_FETCH_PATIENCE");
	char *end;
	double seconds;

	if (s != NULL) {
		seconds = strtod(s, &end);
		if (*s != '\0' && *end == '\0' && seconds > 0 &&
		    seconds <= 3600)
			return (int64_t)(seconds * 1e6);
	}
	return FILES_PATIENCE_US;
}

/* Asks the daemon for chunk i until it has it, checks it and writes it at
 * its place. Returns EXIT_OK, or the exit status after printing why. */
static int
files_get_fetch(struct files_get *g, size_t i, off_t off, size_t len,
    int64_t *last_progress_us)
{
	const char *hash = json_string_value(json_array_get(g->chunks, i));
	int64_t patience = files_get_patience();
	int wait_ms = FILES_WAIT_FIRST_MS, bad = 0, rc;
	zframe_t *data;
	json_t *r;

	g->fetched++;
	for (;;) {
		if ((rc = cmd_call_data(g->ctx, "files.chunk.get",
			 json_pack("{s:s}", "hash", hash), NULL, 0, &data,
			 &r)) != EXIT_OK)
			return rc;
		if (json_is_true(json_object_get(r, "have"))) {
			json_decref(r);
			if (data != NULL && zframe_size(data) == len &&
			    sha256_is(zframe_data(data), len, hash))
				break;
			zframe_destroy(&data);
			if (++bad >= FILES_BAD_TRIES)
				return cmd_error(g->ctx, EXIT_FAILED, "invalid",
				    "chunk %zu of '%s' does not match its "
				    "hash %s (%d tries)",
				    i + 1, g->path, hash, bad);
			continue;
		}
		json_decref(r);
		zframe_destroy(&data);
		if (time_mono_us() - *last_progress_us > patience)
			return cmd_error(g->ctx, EXIT_FAILED, "not_found",
			    "no node within reach holds chunk %zu of '%s' "
			    "(nothing came for %lld s; what came is kept in "
			    "'%s')",
			    i + 1, g->path, (long long)(patience / 1000000),
			    g->part);
		files_get_sleep(wait_ms);
		if ((wait_ms *= 2) > FILES_WAIT_MAX_MS)
			wait_ms = FILES_WAIT_MAX_MS;
	}

	if (fd_full(g->fd, true, zframe_data(data), len, off) < 0) {
		rc = cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot write '%s': %s", g->part, strerror(errno));
		zframe_destroy(&data);
		return rc;
	}
	zframe_destroy(&data);
	*last_progress_us = time_mono_us();
	return EXIT_OK;
}

/* fsync of the directory holding path, so that a rename survives a crash;
 * best effort: not every file system can. */
static void
files_get_sync_dir(const char *path)
{
	char *parent = files_get_parent(path);
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd != -1) {
		fsync(fd);
		close(fd);
	}
	free(parent);
}

/* Gives the complete part file its mode and its name, still holding its
 * lock so that no other run writes into it meanwhile. Returns EXIT_OK, or
 * the exit status after printing why. */
static int
files_get_finish(struct files_get *g, bool force)
{
	struct stat st;

	/* A resumed part may run past the end (garbage of a killed run). */
	if (ftruncate(g->fd, (off_t)g->size) != 0 || fsync(g->fd) != 0 ||
	    fchmod(g->fd, (mode_t)g->mode) != 0)
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot write '%s': %s", g->part, strerror(errno));
	if (!force) {
		/* link() fails if the name was taken meanwhile, where
		 * rename() would replace what was made there. */
		if (link(g->part, g->target) == 0) {
			unlink(g->part);
			files_get_sync_dir(g->target);
			return EXIT_OK;
		}
		/* EEXIST, or a file system without hard links: look. */
		if (errno == EEXIST || lstat(g->target, &st) == 0 ||
		    errno != ENOENT)
			return cmd_error(g->ctx, EXIT_FAILED, "exists",
			    "'%s' exists: give -f to replace it (the file is "
			    "in '%s')",
			    g->target, g->part);
	}
	if (rename(g->part, g->target) != 0)
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot rename '%s' to '%s': %s", g->part, g->target,
		    strerror(errno));
	files_get_sync_dir(g->target);
	return EXIT_OK;
}

/* Fills the part file: chunks already right in it are kept, the others
 * asked of the daemon. Returns EXIT_OK, or the exit status. */
static int
files_get_chunks(struct files_get *g)
{
	int64_t last_progress = time_mono_us();
	struct stat st;
	off_t part_size;
	int rc;

	if (fstat(g->fd, &st) != 0)
		return cmd_error(g->ctx, EXIT_FAILED, "io_error",
		    "cannot read '%s': %s", g->part, strerror(errno));
	part_size = st.st_size;
	if ((g->buf = malloc(g->chunk_size)) == NULL)
		abort();
	for (size_t i = 0; i < g->nchunks; i++) {
		off_t off = (off_t)((uint64_t)i * g->chunk_size);
		size_t len = g->size - (uint64_t)off > g->chunk_size ?
		    g->chunk_size : (size_t)(g->size - (uint64_t)off);

		if (files_get_have(g, i, off, len, part_size))
			g->kept++;
		else if ((rc = files_get_fetch(g, i, off, len,
			      &last_progress)) != EXIT_OK)
			return rc;
		g->done += len;
		progress_update(g->bar, g->done);
	}
	return EXIT_OK;
}

static int
cmd_files_get_exec(struct ioectl_ctx *ctx, struct args *args)
{
	struct files_get g = {.ctx = ctx, .fd = -1};
	bool force = args_get(args, "force") != NULL;
	bool quiet = args_get(args, "quiet") != NULL;
	char size_text[24], id[FILES_ID_SHORT + 1], *shown, *where;
	json_t *r;
	int rc;

	if (args->argc > 1 && *args->argv[1] == '\0')
		return cmd_usage_error(ctx, args->cmd, "LOCAL is empty");
	if ((rc = files_get_manifest(&g, args->argv[0])) != EXIT_OK ||
	    (rc = files_get_target(&g, args->argc > 1 ? args->argv[1] : NULL,
		 force)) != EXIT_OK ||
	    (rc = files_get_open(&g)) != EXIT_OK)
		goto done;
	/* The file's missing chunks go first in the node's queue. */
	if ((rc = cmd_call(ctx, "files.fetch", json_pack("{s:s}", "id", g.id),
		 &r)) != EXIT_OK)
		goto done;
	json_decref(r);
	g.bar = progress_new(g.path, g.size, files_show_progress(ctx, args));
	if ((rc = files_get_chunks(&g)) != EXIT_OK)
		goto done;
	progress_destroy(&g.bar);
	if ((rc = files_get_finish(&g, force)) != EXIT_OK)
		goto done;

	if (ctx->json) {
		r = json_pack("{s:s, s:s, s:I, s:i, s:s, s:I, s:I, s:I}",
		    "path", g.path, "id", g.id, "size", (json_int_t)g.size,
		    "mode", g.mode, "local", g.target, "chunks",
		    (json_int_t)g.nchunks, "kept", (json_int_t)g.kept,
		    "fetched", (json_int_t)g.fetched);
		cmd_print_json(r);
		json_decref(r);
	} else if (!quiet) {
		size_format(g.size, size_text, sizeof size_text);
		files_id_short(g.id, id);
		shown = cmd_safe(g.path);
		where = cmd_safe(g.target);
		printf(
		    "got %s (%s, id %s) as %s\n", shown, size_text, id, where);
		free(shown);
		free(where);
	}
done:
	progress_destroy(&g.bar);
	if (g.fd != -1)
		close(g.fd);
	free(g.path);
	free(g.target);
	free(g.part);
	free(g.buf);
	json_decref(g.chunks);
	return rc;
}

const struct ioectl_cmd cmd_files_get_entry = {
	.name = "get",
	.usage = "files get [-fq] PATH [LOCAL]",
	.summary = "copy the file PATH of the mesh into the local file LOCAL",
	.options = { { "force", 'f', false }, { "quiet", 'q', false } },
	.min_args = 1,
	.max_args = 2,
	.exec = cmd_files_get_exec,
};
