#include "config.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "blobs.h"
#include "crypto.h"
#include "log.h"
#include "util.h"

struct blobs {
	char *root;		/* DIR/chunks */
	zhashx_t *held;		/* hex hash -> size + 1 (as a pointer) */
	uint64_t bytes;
};

static char *
blobs_path(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE])
{
	char hex[2 * BLOB_HASH_SIZE + 1];

	hex_encode(hash, BLOB_HASH_SIZE, hex);
	return xasprintf("%s/%.2s/%s", self->root, hex, hex);
}

static void
blobs_note(blobs_t *self, const char *hex, uint64_t size)
{
	if (zhashx_insert(self->held, hex, (void *)(uintptr_t)(size + 1)) == 0)
		self->bytes += size;
}

/* Takes stock of one fan-out directory. */
static int
blobs_scan(blobs_t *self, const char *sub, char **cause)
{
	DIR *d = opendir(sub);
	struct dirent *de;

	if (d == NULL)
		return fail(cause, "cannot read '%s': %s", sub,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char *path = xasprintf("%s/%s", sub, de->d_name);
		struct stat st;

		if (de->d_name[0] == '.')
			;
		else if (strlen(de->d_name) == 2 * BLOB_HASH_SIZE &&
		    hex_is_valid(de->d_name) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			blobs_note(self, de->d_name, (uint64_t)st.st_size);
		else if (strstr(de->d_name, ".tmp") != NULL)
			unlink(path); /* a write cut short */
		free(path);
	}
	closedir(d);
	return 0;
}

blobs_t *
blobs_new(const char *dir, char **cause)
{
	blobs_t *self = xcalloc(1, sizeof *self);
	DIR *d;
	struct dirent *de;

	self->root = xasprintf("%s/chunks", dir);
	self->held = zhashx_new();
	if (mkdir(self->root, 0700) != 0 && errno != EEXIST) {
		fail(cause, "cannot create '%s': %s", self->root,
		    strerror(errno));
		blobs_destroy(&self);
		return NULL;
	}
	if ((d = opendir(self->root)) == NULL) {
		fail(cause, "cannot read '%s': %s", self->root,
		    strerror(errno));
		blobs_destroy(&self);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		char *sub;

		if (strlen(de->d_name) != 2 || !hex_is_valid(de->d_name))
			continue;
		sub = xasprintf("%s/%s", self->root, de->d_name);
		if (blobs_scan(self, sub, cause) != 0) {
			free(sub);
			closedir(d);
			blobs_destroy(&self);
			return NULL;
		}
		free(sub);
	}
	closedir(d);
	return self;
}

void
blobs_destroy(blobs_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		zhashx_destroy(&(*self_p)->held);
		free((*self_p)->root);
		free(*self_p);
		*self_p = NULL;
	}
}

bool
blobs_has(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE])
{
	char hex[2 * BLOB_HASH_SIZE + 1];

	hex_encode(hash, BLOB_HASH_SIZE, hex);
	return zhashx_lookup(self->held, hex) != NULL;
}

int64_t
blobs_size(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE])
{
	char hex[2 * BLOB_HASH_SIZE + 1];
	void *v;

	hex_encode(hash, BLOB_HASH_SIZE, hex);
	v = zhashx_lookup(self->held, hex);
	return v != NULL ? (int64_t)(uintptr_t)v - 1 : -1;
}

int
blobs_put(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE],
    const void *data, size_t len, bool sync, char **cause)
{
	uint8_t got[SHA256_SIZE];
	char hex[2 * BLOB_HASH_SIZE + 1], *path, *tmp, *sub;
	int fd, rc = -1;

	hex_encode(hash, BLOB_HASH_SIZE, hex);
	if (len > BLOB_CHUNK_SIZE)
		return fail(cause, "chunk %.16s... is %zu bytes, more than "
				   "%d",
		    hex, len, BLOB_CHUNK_SIZE);
	sha256(data, len, got);
	if (memcmp(got, hash, BLOB_HASH_SIZE) != 0)
		return fail(cause, "chunk %.16s...: its bytes do not match its "
				   "hash",
		    hex);
	if (zhashx_lookup(self->held, hex) != NULL)
		return 0;
	sub = xasprintf("%s/%.2s", self->root, hex);
	path = blobs_path(self, hash);
	tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
	if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
		fail(cause, "cannot create '%s': %s", sub, strerror(errno));
		goto done;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(cause, "cannot create '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (fd_full(fd, true, (void *)data, len, -1) < 0 ||
	    (sync && fsync(fd) != 0)) {
		fail(cause, "cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto done;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		fail(cause, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto done;
	}
	if (sync) {
		/* The name must survive a crash too. */
		int dfd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	blobs_note(self, hex, len);
	rc = 1;
done:
	free(sub);
	free(path);
	free(tmp);
	return rc;
}

zframe_t *
blobs_get(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE], bool *bad,
    char **cause)
{
	char hex[2 * BLOB_HASH_SIZE + 1], *path;
	uint8_t got[SHA256_SIZE];
	zframe_t *frame = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	*bad = false;
	hex_encode(hash, BLOB_HASH_SIZE, hex);
	if (zhashx_lookup(self->held, hex) == NULL) {
		fail(cause, "chunk %.16s... is not on this node", hex);
		return NULL;
	}
	path = blobs_path(self, hash);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size > BLOB_CHUNK_SIZE) {
		fail(cause, "cannot read chunk '%s': %s", path,
		    fd < 0 ? strerror(errno) : "larger than a chunk");
		goto bad;
	}
	frame = zframe_new(NULL, (size_t)st.st_size);
	if ((n = fd_full(fd, false, zframe_data(frame), (size_t)st.st_size,
		 -1)) != (ssize_t)st.st_size) {
		fail(cause, "cannot read chunk '%s': %s", path,
		    n < 0 ? strerror(errno) : "it shrank");
		goto bad;
	}
	close(fd);
	fd = -1;
	sha256(zframe_data(frame), zframe_size(frame), got);
	if (memcmp(got, hash, BLOB_HASH_SIZE) != 0) {
		fail(cause, "chunk '%s' is damaged: its bytes do not match its "
			    "hash; deleted, to be fetched again",
		    path);
		goto bad;
	}
	free(path);
	return frame;
bad:
	if (fd >= 0)
		close(fd);
	zframe_destroy(&frame);
	free(path);
	*bad = true;
	blobs_remove(self, hash);
	return NULL;
}

void
blobs_remove(blobs_t *self, const uint8_t hash[BLOB_HASH_SIZE])
{
	char hex[2 * BLOB_HASH_SIZE + 1], *path = blobs_path(self, hash);
	void *v;

	hex_encode(hash, BLOB_HASH_SIZE, hex);
	unlink(path);
	free(path);
	if ((v = zhashx_lookup(self->held, hex)) != NULL) {
		self->bytes -= (uint64_t)(uintptr_t)v - 1;
		zhashx_delete(self->held, hex);
	}
}

size_t
blobs_count(blobs_t *self)
{
	return zhashx_size(self->held);
}

uint64_t
blobs_bytes(blobs_t *self)
{
	return self->bytes;
}

void
blobs_each(blobs_t *self,
    void (*fn)(const uint8_t hash[BLOB_HASH_SIZE], uint64_t size, void *arg),
    void *arg)
{
	zlistx_t *keys = zhashx_keys(self->held);

	/* On a copy of the keys: fn may remove the chunk. */
	for (const char *k = zlistx_first(keys); k != NULL;
	     k = zlistx_next(keys)) {
		uint8_t hash[BLOB_HASH_SIZE];
		void *v = zhashx_lookup(self->held, k);

		if (v == NULL || hex_decode(k, hash, sizeof hash) != 0)
			continue;
		fn(hash, (uint64_t)(uintptr_t)v - 1, arg);
	}
	zlistx_destroy(&keys);
}

void
manifest_id(uint64_t size, uint32_t chunk_size, const uint8_t *chunks,
    size_t nchunks, uint8_t id[BLOB_HASH_SIZE])
{
	static const char magic[] = "ioe-manifest-1";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t head[12];
	unsigned int len;

	for (int i = 0; i < 8; i++)
		head[i] = (uint8_t)(size >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		head[8 + i] = (uint8_t)(chunk_size >> (24 - 8 * i));
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, magic, sizeof magic) != 1 ||
	    EVP_DigestUpdate(ctx, head, sizeof head) != 1 ||
	    EVP_DigestUpdate(ctx, chunks, nchunks * BLOB_HASH_SIZE) != 1 ||
	    EVP_DigestFinal_ex(ctx, id, &len) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
}

uint64_t
manifest_chunk_count(uint64_t size, uint32_t chunk_size)
{
	return chunk_size == 0 ? 0 : (size + chunk_size - 1) / chunk_size;
}

static void
blobs_test_count(const uint8_t hash[BLOB_HASH_SIZE], uint64_t size,
    void *arg)
{
	(void)hash;
	*(uint64_t *)arg += size;
}

void
blobs_test(bool verbose)
{
	char dir[] = "/tmp/ioe-blobs-test-XXXXXX", *path, *cause = NULL;
	uint8_t hash[SHA256_SIZE], other[SHA256_SIZE], id1[32], id2[32];
	static const char data[] = "one chunk of a file";
	blobs_t *b;
	zframe_t *f;
	uint64_t total = 0;
	bool bad;
	FILE *fp;

	if (verbose)
		printf(" * blobs: ");
	assert(mkdtemp(dir) != NULL);
	b = blobs_new(dir, &cause);
	assert(b != NULL);
	sha256(data, sizeof data, hash);
	memset(other, 7, sizeof other);
	assert(blobs_put(b, other, data, sizeof data, false, &cause) == -1);
	assert(strstr(cause, "do not match") != NULL);
	free(cause);
	cause = NULL;
	assert(!blobs_has(b, hash));
	assert(blobs_put(b, hash, data, sizeof data, true, NULL) == 1);
	assert(blobs_put(b, hash, data, sizeof data, true, NULL) == 0);
	assert(blobs_has(b, hash));
	assert(blobs_size(b, hash) == sizeof data && blobs_size(b, other) == -1);
	assert(blobs_count(b) == 1 && blobs_bytes(b) == sizeof data);
	f = blobs_get(b, hash, &bad, NULL);
	assert(f != NULL && zframe_size(f) == sizeof data &&
	    memcmp(zframe_data(f), data, sizeof data) == 0);
	zframe_destroy(&f);
	blobs_each(b, blobs_test_count, &total);
	assert(total == sizeof data);
	blobs_destroy(&b);

	/* Reopened: the stock is taken from the disk. Then a flipped byte
	 * is found on read, and the chunk is gone. */
	b = blobs_new(dir, NULL);
	assert(b != NULL && blobs_has(b, hash) && blobs_bytes(b) ==
	    sizeof data);
	path = blobs_path(b, hash);
	fp = fopen(path, "r+");
	assert(fp != NULL);
	fputc('X', fp);
	fclose(fp);
	f = blobs_get(b, hash, &bad, &cause);
	assert(f == NULL && bad && strstr(cause, "damaged") != NULL);
	free(cause);
	assert(!blobs_has(b, hash) && blobs_bytes(b) == 0);
	assert(access(path, F_OK) != 0);
	free(path);
	blobs_destroy(&b);

	/* The id hangs on size, chunk size and every chunk. */
	manifest_id(10, BLOB_CHUNK_SIZE, hash, 1, id1);
	manifest_id(11, BLOB_CHUNK_SIZE, hash, 1, id2);
	assert(memcmp(id1, id2, 32) != 0);
	manifest_id(0, BLOB_CHUNK_SIZE, NULL, 0, id2);
	assert(memcmp(id1, id2, 32) != 0);
	assert(manifest_chunk_count(0, BLOB_CHUNK_SIZE) == 0);
	assert(manifest_chunk_count(BLOB_CHUNK_SIZE, BLOB_CHUNK_SIZE) == 1);
	assert(manifest_chunk_count(BLOB_CHUNK_SIZE + 1, BLOB_CHUNK_SIZE) ==
	    2);
	path = xasprintf("rm -rf '%s'", dir);
	assert(system(path) == 0);
	free(path);
	if (verbose)
		printf("OK\n");
}
