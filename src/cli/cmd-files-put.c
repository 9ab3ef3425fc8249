/* files put: a local file onto the mesh, one chunk of 1 MiB at a time. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd-files.h"
#include "crypto.h"
#include "fpath.h"
#include "progress.h"
#include "util.h"

/* What a file that is not regular is, for the message that refuses it. */
static const char *
files_put_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

/* Opens local for reading; it must be a regular file. Returns EXIT_OK
 * with *fd and *st set, or the exit status after printing why. */
static int
files_put_open(struct ioectl_ctx *ctx, const char *local, int *fd,
    struct stat *st)
{
	int flags;

	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer
	 * before we could see that it is one. */
	if ((*fd = open(local, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return cmd_error(ctx, EXIT_FAILED, "io_error",
		    "cannot read '%s': %s", local, strerror(errno));
	if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
		int rc = cmd_error(ctx, EXIT_FAILED, "invalid",
		    "cannot put '%s': it is %s, and only a regular file can "
		    "be put",
		    local, files_put_kind(st->st_mode));

		close(*fd);
		*fd = -1;
		return rc;
	}
	if ((flags = fcntl(*fd, F_GETFL)) != -1)
		fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK);
	return EXIT_OK;
}

/* Asks the daemon whether size bytes may go to path. Returns EXIT_OK with
 * *exists set to "file", "dir" or NULL (the caller frees it), or the exit
 * status after printing why (a bad path, the quota). */
static int
files_put_check(struct ioectl_ctx *ctx, const char *path, off_t size,
    char **exists)
{
	const char *what;
	json_t *r;
	int rc;

	*exists = NULL;
	/* The acting user goes along too, so that a daemon that checks it
	 * there refuses a missing -u before the upload rather than after. */
	if ((rc = cmd_call(ctx, "files.check",
		 cmd_with_user(ctx, json_pack("{s:s, s:I}", "path", path,
		     "size", (json_int_t)size)),
		 &r)) != EXIT_OK)
		return rc;
	if ((what = json_string_value(json_object_get(r, "exists"))) != NULL)
		*exists = xstrdup(what);
	json_decref(r);
	return EXIT_OK;
}

/* Sends the file's bytes, chunk by chunk, adding each chunk's hash to
 * chunks. Returns EXIT_OK, or the exit status after printing why. */
static int
files_put_send(struct ioectl_ctx *ctx, const char *local, int fd, off_t size,
    json_t *chunks, progress_t *bar)
{
	char hash[2 * SHA256_SIZE + 1], extra;
	char *buf = malloc(FILES_CHUNK_SIZE);
	off_t done = 0;
	ssize_t n;
	json_t *r;
	int rc = EXIT_OK;

	if (buf == NULL)
		abort();
	while (done < size) {
		size_t want = size - done > FILES_CHUNK_SIZE ?
		    FILES_CHUNK_SIZE : (size_t)(size - done);

		if ((n = fd_full(fd, false, buf, want, -1)) == -1) {
			rc = cmd_error(ctx, EXIT_FAILED, "io_error",
			    "cannot read '%s': %s", local, strerror(errno));
			goto done;
		}
		if ((size_t)n < want) {
			rc = cmd_error(ctx, EXIT_FAILED, "io_error",
			    "'%s' changed while it was read (it is shorter "
			    "than its %lld bytes): nothing was put",
			    local, (long long)size);
			goto done;
		}
		sha256_hex(buf, want, hash);
		if ((rc = cmd_call_data(ctx, "files.chunk.put",
			 json_pack("{s:s}", "hash", hash), buf, want, NULL,
			 &r)) != EXIT_OK)
			goto done;
		json_decref(r);
		json_array_append_new(chunks, json_string(hash));
		done += (off_t)want;
		progress_update(bar, (uint64_t)done);
	}
	/* The size was announced to files.check; a file that grew since
	 * would be put cut short. */
	if ((n = fd_full(fd, false, &extra, 1, -1)) == -1)
		rc = cmd_error(ctx, EXIT_FAILED, "io_error",
		    "cannot read '%s': %s", local, strerror(errno));
	else if (n > 0)
		rc = cmd_error(ctx, EXIT_FAILED, "io_error",
		    "'%s' changed while it was read (it grew past %lld "
		    "bytes): nothing was put",
		    local, (long long)size);
done:
	free(buf);
	return rc;
}

static int
cmd_files_put_exec(struct ioectl_ctx *ctx, struct args *args)
{
	const char *local = args->argv[0];
	const char *base = fpath_base(local);
	bool quiet = args_get(args, "quiet") != NULL;
	char *path = NULL, *exists = NULL, *inside;
	char size_text[24], id[FILES_ID_SHORT + 1];
	json_t *chunks = json_array(), *params, *r = NULL;
	progress_t *bar = NULL;
	struct stat st;
	int fd = -1, rc;

	if ((rc = files_put_open(ctx, local, &fd, &st)) != EXIT_OK)
		goto done;
	path = xstrdup(args->argc > 1 ? args->argv[1] : base);
	if ((rc = files_path_utf8(ctx, path)) != EXIT_OK)
		goto done;

	/* The path and the quota are checked before any byte is sent; a
	 * directory at the path takes the file by its local name. */
	if ((rc = files_put_check(ctx, path, st.st_size, &exists)) != EXIT_OK)
		goto done;
	if (exists != NULL && strcmp(exists, "dir") == 0) {
		inside = fpath_join(path, base);
		free(path);
		path = inside;
		free(exists);
		exists = NULL;
		if ((rc = files_path_utf8(ctx, path)) != EXIT_OK)
			goto done;
		if ((rc = files_put_check(ctx, path, st.st_size, &exists)) !=
		    EXIT_OK)
			goto done;
	}

	bar = progress_new(
	    path, (uint64_t)st.st_size, files_show_progress(ctx, args));
	if ((rc = files_put_send(ctx, local, fd, st.st_size, chunks, bar)) !=
	    EXIT_OK)
		goto done;
	progress_destroy(&bar);

	params = json_pack("{s:s, s:I, s:i, s:O}", "path", path, "size",
	    (json_int_t)st.st_size, "mode", (int)(st.st_mode & 0777), "chunks",
	    chunks);
	if ((rc = cmd_call(ctx, "files.put", cmd_with_user(ctx, params), &r)) !=
	    EXIT_OK)
		goto done;
	if (ctx->json)
		cmd_print_json(r);
	else if (!quiet) {
		const char *put = json_string_value(json_object_get(r, "path"));
		char *shown = cmd_safe(put != NULL ? put : path);

		size_format((uint64_t)st.st_size, size_text, sizeof size_text);
		files_id_short(json_string_value(json_object_get(r, "id")), id);
		printf("put %s (%s, id %s)\n", shown, size_text, id);
		free(shown);
	}
done:
	progress_destroy(&bar);
	if (fd != -1)
		close(fd);
	free(path);
	free(exists);
	json_decref(chunks);
	json_decref(r);
	return rc;
}

const struct ioectl_cmd cmd_files_put_entry = {
	.name = "put",
	.usage = "files put [-q] LOCAL [PATH]",
	.summary = "copy the local file LOCAL onto the mesh as PATH",
	.options = { { "quiet", 'q', false } },
	.min_args = 1,
	.max_args = 2,
	.exec = cmd_files_put_exec,
};
