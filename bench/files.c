/* bench/files: how long the file ledger takes to replicate files from one
 * node to another on loopback, one large file and many small ones, set
 * beside the single-stream TCP limit of the same loopback (iperf3) and
 * beside Syncthing syncing the same files between two instances on it,
 * all measured in the same run.
 *
 *   files [-hBKNT] [-L SIZE] [-n COUNT] [-z SIZE] [-c CLIENTS] [-s SECONDS]
 *         [-t SECONDS]
 *
 * (files --help says what each option does.) In a temporary directory it
 * makes the data (random bytes), then two nodes, alpha and bravo: alpha,
 * the certificate authority of a mesh, issues bravo's certificate, and
 * bravo links to alpha on 127.0.0.1. For each case the files are put on
 * alpha through the control API (files.chunk.put then files.put, as
 * `ioectl files put` does, from several clients at once), which is timed
 * as a local upload. The large file's replication is timed from alpha's
 * commit of the put's ledger entry, bravo linked all along; the small
 * files' from bravo's start, as it is stopped during their put (with -B,
 * linked, from the first commit). Either runs until bravo holds every
 * chunk of every file (its status polled every 20 ms), and bravo's copy
 * is then checked. The nodes are stopped; bench/files-syncthing.sh syncs
 * the same files with Syncthing, and measures iperf3 before and after
 * everything; beside them, the ZeroMQ stream a link rides on, plain and
 * with CURVE. The table at the end holds every figure, and the ratios
 * and goals are read from it.
 *
 * Only the processes started here are ever signalled: the daemons by the
 * pids they wrote in their directories, the helper by its own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "crypto.h"
#include "ctl_client.h"
#include "util.h"

/* doc/files.md: a file is cut into chunks of 1 MiB. */
#define FILES_CHUNK_SIZE (1 << 20)
#define FILES_CLIENTS_MAX 64
#define FILES_COUNT_MAX 1000000
/* A call that lists or checks every file of a case. */
#define FILES_LIST_TIMEOUT_MS 120000
/* apt-get, when the references' programs are missing. */
#define FILES_INSTALL_WAIT_US 900000000
#define FILES_MB 1e6
/* Who puts the files on alpha. */
#define FILES_USER "bench"

#define KIB ((uint64_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

struct files_opts {
	uint64_t large;		/* bytes of the large file; 0: no such case */
	size_t count;		/* small files; 0: none */
	uint64_t small;		/* bytes of each */
	int clients;
	int seconds;
	int tcp_seconds;
	bool syncthing;
	bool tcp;
	bool keep;
	bool live;		/* bravo linked during the small files' put */
};

/* One case: files under a directory of the data and of the mesh. */
struct files_case {
	const char *key;	/* "large", "small" */
	char *label;		/* "1 file of 1 GiB" */
	size_t nfiles;
	uint64_t size;		/* of each */
	uint64_t bytes;		/* of all */
	char *src;		/* the directory of the data */
	bool catchup;		/* bravo stopped during the put */
};

/* Every ratio's name holds one two-byte "÷": one more byte of width. */
static const struct bench_table table = { .figure = 74, .ops = 6,
	.unit = 5, .lat = 8, .ratio = 84, .decimals = 3,
	.rate_decimals = 1 };

const char *const bench_prog = "files";

/* What the exit cleans up. */
static char *files_tmp;
static char *files_dirs[2];	/* alpha's and bravo's */
static bool files_keep;

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: files [-hBKNT] [-L SIZE] [-n COUNT] [-z SIZE] [-c CLIENTS] "
	    "[-s SECONDS]\n"
	    "             [-t SECONDS]\n");
	if (status != 0)
		exit(status);
	fprintf(fp,
	    "\n"
	    "Replication of files from node alpha to node bravo on 127.0.0.1,\n"
	    "beside Syncthing syncing the same files between two instances\n"
	    "and beside the single-stream TCP limit (iperf3), same run.\n"
	    "\n"
	    "  -L SIZE     the large file's size (default 1G); 0: no such case\n"
	    "  -n COUNT    how many small files (default 10000); 0: no such "
	    "case\n"
	    "  -z SIZE     each small file's size (default 4K)\n"
	    "  -c CLIENTS  control clients putting on alpha at once (default "
	    "2)\n"
	    "  -s SECONDS  bound on each put, replication and sync (default "
	    "600)\n"
	    "  -t SECONDS  how long iperf3 measures, before and after (default "
	    "5)\n"
	    "  -N          no Syncthing\n"
	    "  -T          no TCP limit (no iperf3)\n"
	    "  -B          bravo stays linked during the small files' put\n"
	    "              (default: stopped, and timed from its start after)\n"
	    "  -K          keep the temporary directory (data, nodes, logs)\n"
	    "  -h, --help  this help\n"
	    "\n"
	    "SIZE is bytes, or a number with K, M or G (powers of 1024). MB/s\n"
	    "are 10^6 bytes a second. Missing iperf3 or syncthing (and curl,\n"
	    "jq) are installed with apt-get first, when run as root.\n"
	    "\n"
	    "Environment: IOE_BUILD_DIR (where src/ioed is; default: the build\n"
	    "this program is in), IOE_SOURCE_DIR (where bench/files-syncthing.sh\n"
	    "is; default: the source tree it was built from), TMPDIR.\n");
	exit(0);
}

static uint64_t
files_parse_size(const char *s, uint64_t min, uint64_t max, const char *what)
{
	unsigned long long n;
	uint64_t mult = 1;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		mult = KIB;
	else if (*end == 'M' || *end == 'm')
		mult = MIB;
	else if (*end == 'G' || *end == 'g')
		mult = GIB;
	if (mult != 1)
		end++;
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    n > max / mult || n * mult < min || n * mult > max) {
		fprintf(stderr, "%s: bad %s '%s': use %" PRIu64 "..%" PRIu64
				" bytes, or a number with K, M or G\n",
		    bench_prog, what, s, min, max);
		exit(2);
	}
	return n * mult;
}

/* "1 GiB", "4 KiB", "1000 bytes". Caller frees. */
static char *
files_size_name(uint64_t n)
{
	if (n >= GIB && n % GIB == 0)
		return xasprintf("%" PRIu64 " GiB", n / GIB);
	if (n >= MIB && n % MIB == 0)
		return xasprintf("%" PRIu64 " MiB", n / MIB);
	if (n >= KIB && n % KIB == 0)
		return xasprintf("%" PRIu64 " KiB", n / KIB);
	return xasprintf("%" PRIu64 " bytes", n);
}

/* --- the results file ------------------------------------------------- */

/* The figure KEY.what of case c (all its files), over elapsed_us: its
 * rate in MB/s. */
static void
files_row(struct bench_out *out, const struct files_case *c,
    const char *what, char *figure, bench_samples_t *lat, size_t nfiles,
    int64_t elapsed_us)
{
	struct bench_row *r = bench_out_row(out);
	char *key = xasprintf("%s.%s", c->key, what);

	bench_row_set(r, key, c->label, figure, "MB/s", lat, nfiles,
	    elapsed_us);
	r->st.rate = elapsed_us > 0
	    ? c->bytes / FILES_MB / (elapsed_us / 1e6)
	    : 0;
	free(key);
}

/* --- the data ----------------------------------------------------------- */

/* splitmix64: fast, and no two files share a chunk. */
static uint64_t
files_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
files_write_random(const char *path, uint64_t size, uint64_t *state,
    uint64_t *buf, char **cause)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = -1;

	if (fd < 0)
		return fail(cause, "cannot create '%s': %s", path,
		    strerror(errno));
	while (size > 0) {
		size_t n = size < FILES_CHUNK_SIZE ? (size_t)size
						   : FILES_CHUNK_SIZE;
		ssize_t w;

		for (size_t i = 0; i < (n + 7) / 8; i++)
			buf[i] = files_random(state);
		if ((w = write(fd, buf, n)) != (ssize_t)n) {
			fail(cause, "cannot write '%s': %s", path,
			    w < 0 ? strerror(errno) : "short write");
			goto done;
		}
		size -= n;
	}
	rc = 0;
done:
	close(fd);
	return rc;
}

/* The name of file i of a case, in its directory. Caller frees. */
static char *
files_name(const struct files_case *c, size_t i)
{
	if (c->nfiles == 1)
		return xstrdup("file.bin");
	return xasprintf("f%06zu.bin", i);
}

static int
files_make_data(struct files_case *c, char **cause)
{
	uint64_t state = (uint64_t)time_now_us() ^ ((uint64_t)getpid() << 32);
	uint64_t *buf = xcalloc(FILES_CHUNK_SIZE / 8 + 1, sizeof *buf);
	int rc = -1;

	if (mkdir(c->src, 0700) != 0) {
		fail(cause, "cannot create '%s': %s", c->src, strerror(errno));
		goto done;
	}
	for (size_t i = 0; i < c->nfiles && !zsys_interrupted; i++) {
		char *name = files_name(c, i);
		char *path = xasprintf("%s/%s", c->src, name);
		int r = files_write_random(path, c->size, &state, buf, cause);

		free(name);
		free(path);
		if (r != 0)
			goto done;
	}
	rc = zsys_interrupted ? fail(cause, "interrupted") : 0;
done:
	free(buf);
	return rc;
}

/* --- the nodes ------------------------------------------------------------ */

/* alpha issues bravo's certificate; then both start, bravo linked to
 * alpha, and the clock may run once the link is up on both sides and
 * both hold the same entries. */
static int
files_nodes_up(const char *ioed, const char *ioectl, struct bench_node *a,
    struct bench_node *b, char **cause)
{
	char *init[] = { "pki", "init", "--mesh", "bench", NULL };
	char *issue[] = { "pki", "issue", (char *)b->name, "--out", b->dir,
		NULL };
	int64_t t0, deadline;

	if (mkdir(a->dir, 0700) != 0)
		return fail(cause, "cannot create '%s': %s", a->dir,
		    strerror(errno));
	if (bench_node_start(ioed, a, NULL, cause) != 0 ||
	    bench_ioectl(ioectl, a->dir, init, cause) != 0 ||
	    bench_ioectl(ioectl, a->dir, issue, cause) != 0 ||
	    bench_stop(a->dir, cause) != 0)
		return -1;
	if (bench_node_start(ioed, a, NULL, cause) != 0 ||
	    bench_node_start(ioed, b, a, cause) != 0 ||
	    bench_user(a->dir, FILES_USER, cause) != 0)
		return -1;
	t0 = time_mono_us();
	deadline = t0 + BENCH_SETUP_WAIT_US;
	while (bench_links_up(a->dir) < 1 || bench_links_up(b->dir) < 1) {
		if (time_mono_us() >= deadline || zsys_interrupted)
			return fail(cause, "the link between %s and %s is not "
					   "up after %d s",
			    a->name, b->name, BENCH_SETUP_WAIT_US / 1000000);
		usleep(100000);
	}
	fprintf(stderr, "%s: %s - %s linked after %.2f s\n", bench_prog,
	    a->name, b->name, (time_mono_us() - t0) / 1e6);
	return bench_settle(2, files_dirs, BENCH_SETUP_WAIT_US / 1000000,
	    cause);
}

/* --- the files of a node ------------------------------------------------ */

/* The `files` object of a node's status, and its links up; a field it
 * lacks is -1. */
struct files_state {
	int64_t files, chunks, missing, fetching, used;
	int64_t peers;
};

static int64_t
files_field(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static int
files_state_get(ctl_client_t *client, const char *dir, struct files_state *st,
    char **cause)
{
	json_t *result = NULL, *f;
	char *code = NULL;
	int rc = -1;

	if (ctl_client_call(client, "status", NULL, BENCH_TIMEOUT_MS, &result,
		&code, cause) != CTL_OK)
		goto done;
	if (!json_is_object(f = json_object_get(result, "files"))) {
		fail(cause, "the status of '%s' has no 'files'", dir);
		goto done;
	}
	st->files = files_field(f, "files");
	st->chunks = files_field(f, "chunks");
	st->missing = files_field(f, "missing");
	st->fetching = files_field(f, "fetching");
	st->used = files_field(f, "used");
	st->peers = files_field(result, "peers");
	rc = 0;
done:
	free(code);
	json_decref(result);
	return rc;
}

/* --- the put -------------------------------------------------------------
 * The work is cut in chunks, taken in order by every client; the client
 * that stores a file's last chunk puts the file. */

struct put_file {
	char *local;		/* the data */
	char *path;		/* in the mesh */
	uint64_t size;
	size_t nchunks;
	uint8_t (*hashes)[SHA256_SIZE];
	atomic_size_t left;	/* chunks not stored yet */
	_Atomic int64_t t0;	/* when its first chunk was taken */
};

struct put_unit {
	size_t file;
	size_t chunk;
};

struct put_job {
	const char *dir;
	struct put_file *files;
	size_t nfiles;
	struct put_unit *units;
	size_t nunits;
	int64_t deadline;
	atomic_size_t next;
	atomic_bool stop;
	bench_samples_t *lat;	/* per file, first chunk to files.put */
	pthread_barrier_t go;
	pthread_mutex_t lock;	/* for what follows */
	int64_t first_commit, last_commit;
	size_t put;		/* files put */
	size_t stored, had;	/* chunks new to alpha, and already there */
	char *cause;		/* the first error */
};

static void
put_error(struct put_job *j, char *cause)
{
	pthread_mutex_lock(&j->lock);
	if (j->cause == NULL) {
		j->cause = cause;
		cause = NULL;
	}
	pthread_mutex_unlock(&j->lock);
	free(cause);
	atomic_store(&j->stop, true);
}

/* Reads chunk k of f into buf and stores it. */
static int
put_chunk(struct put_job *j, ctl_client_t *client, struct put_file *f,
    size_t k, uint8_t *buf, char **cause)
{
	off_t off = (off_t)k * FILES_CHUNK_SIZE;
	size_t len = f->size - (uint64_t)off < FILES_CHUNK_SIZE
	    ? (size_t)(f->size - (uint64_t)off)
	    : FILES_CHUNK_SIZE;
	char hex[2 * SHA256_SIZE + 1], *code = NULL;
	json_t *result = NULL;
	ssize_t got;
	int fd, rc = -1;

	if ((fd = open(f->local, O_RDONLY | O_CLOEXEC)) < 0)
		return fail(cause, "cannot open '%s': %s", f->local,
		    strerror(errno));
	got = pread(fd, buf, len, off);
	close(fd);
	if (got != (ssize_t)len)
		return fail(cause, "cannot read '%s': %s", f->local,
		    got < 0 ? strerror(errno) : "short read");
	sha256(buf, len, f->hashes[k]);
	hex_encode(f->hashes[k], SHA256_SIZE, hex);
	if (ctl_client_call_data(client, "files.chunk.put",
		json_pack("{s:s}", "hash", hex), buf, len, NULL,
		BENCH_TIMEOUT_MS, &result, &code, cause) != CTL_OK)
		goto done;
	pthread_mutex_lock(&j->lock);
	if (json_is_false(json_object_get(result, "stored")))
		j->had++;
	else
		j->stored++;
	pthread_mutex_unlock(&j->lock);
	rc = 0;
done:
	if (rc != 0 && code != NULL) {
		char *c = xasprintf("files.chunk.put of chunk %zu of '%s': %s",
		    k, f->path, *cause);

		free(*cause);
		*cause = c;
	}
	free(code);
	json_decref(result);
	return rc;
}

static int
put_file(struct put_job *j, ctl_client_t *client, struct put_file *f,
    char **cause)
{
	json_t *chunks = json_array(), *result = NULL;
	char hex[2 * SHA256_SIZE + 1], *code = NULL;
	int64_t t1;
	int rc = -1;

	for (size_t k = 0; k < f->nchunks; k++) {
		hex_encode(f->hashes[k], SHA256_SIZE, hex);
		json_array_append_new(chunks, json_string(hex));
	}
	if (ctl_client_call(client, "files.put",
		json_pack("{s:s, s:I, s:i, s:o, s:s}", "path", f->path,
		    "size", (json_int_t)f->size, "mode", 0644, "chunks", chunks,
		    "user", FILES_USER),
		BENCH_TIMEOUT_MS, &result, &code, cause) != CTL_OK) {
		char *c = xasprintf("files.put of '%s': %s", f->path, *cause);

		free(*cause);
		*cause = c;
		goto done;
	}
	/* The reply comes once the entry is committed. */
	t1 = time_mono_us();
	bench_samples_add(j->lat, t1 - atomic_load(&f->t0));
	pthread_mutex_lock(&j->lock);
	if (j->put == 0 || t1 < j->first_commit)
		j->first_commit = t1;
	if (t1 > j->last_commit)
		j->last_commit = t1;
	j->put++;
	pthread_mutex_unlock(&j->lock);
	rc = 0;
done:
	free(code);
	json_decref(result);
	return rc;
}

static void *
put_run(void *arg)
{
	struct put_job *j = arg;
	uint8_t *buf = xcalloc(1, FILES_CHUNK_SIZE);
	char *cause = NULL, *code = NULL;
	json_t *result = NULL;
	ctl_client_t *client;

	client = ctl_client_new(j->dir, &cause);
	/* ZeroMQ connects lazily: a first round trip keeps the connection
	 * set-up out of the figure. */
	if (client != NULL &&
	    ctl_client_call(client, "status", NULL, BENCH_TIMEOUT_MS, &result,
		&code, &cause) != CTL_OK)
		ctl_client_destroy(&client);
	json_decref(result);
	free(code);
	if (client == NULL)
		put_error(j, cause);
	pthread_barrier_wait(&j->go);

	while (client != NULL && !atomic_load(&j->stop) && !zsys_interrupted) {
		size_t u = atomic_fetch_add(&j->next, 1);
		struct put_file *f;
		size_t k;

		if (u >= j->nunits)
			break;
		if (time_mono_us() >= j->deadline) {
			put_error(j, xstrdup("the put did not end in time"));
			break;
		}
		f = &j->files[j->units[u].file];
		k = j->units[u].chunk;
		if (k == 0)
			atomic_store(&f->t0, time_mono_us());
		cause = NULL;
		if (put_chunk(j, client, f, k, buf, &cause) != 0 ||
		    (atomic_fetch_sub(&f->left, 1) == 1 &&
			put_file(j, client, f, &cause) != 0)) {
			put_error(j, cause);
			break;
		}
	}
	ctl_client_destroy(&client);
	free(buf);
	return NULL;
}

/* What a put leaves for the figures. */
struct put_result {
	int64_t start, end;
	int64_t first_commit, last_commit;
	size_t put, stored, had;
};

/* Puts the files of c on the node at dir, from clients at once. */
static int
files_put(const struct files_opts *o, const struct files_case *c,
    const char *dir, bench_samples_t *lat, struct put_result *res,
    char **cause)
{
	struct put_job j;
	pthread_t *threads = xcalloc((size_t)o->clients, sizeof *threads);
	int started = 0, err, rc = -1;
	size_t u = 0;

	memset(&j, 0, sizeof j);
	j.dir = dir;
	j.lat = lat;
	j.nfiles = c->nfiles;
	j.files = xcalloc(c->nfiles, sizeof *j.files);
	for (size_t i = 0; i < c->nfiles; i++) {
		struct put_file *f = &j.files[i];
		char *name = files_name(c, i);

		f->local = xasprintf("%s/%s", c->src, name);
		f->path = xasprintf("%s/%s", c->key, name);
		free(name);
		f->size = c->size;
		f->nchunks = (c->size + FILES_CHUNK_SIZE - 1) / FILES_CHUNK_SIZE;
		f->hashes = xcalloc(f->nchunks, sizeof *f->hashes);
		atomic_init(&f->left, f->nchunks);
		atomic_init(&f->t0, 0);
		j.nunits += f->nchunks;
	}
	j.units = xcalloc(j.nunits, sizeof *j.units);
	for (size_t i = 0; i < c->nfiles; i++)
		for (size_t k = 0; k < j.files[i].nchunks; k++)
			j.units[u++] = (struct put_unit){ i, k };
	atomic_init(&j.next, 0);
	atomic_init(&j.stop, false);
	pthread_mutex_init(&j.lock, NULL);
	pthread_barrier_init(&j.go, NULL, (unsigned)o->clients + 1);
	/* Time enough for every client to connect: the deadline is set
	 * again once they have. */
	j.deadline = INT64_MAX;
	for (started = 0; started < o->clients; started++)
		if ((err = pthread_create(&threads[started], NULL, put_run,
			 &j)) != 0) {
			/* The barrier counts every client: none can go. */
			fprintf(stderr, "%s: cannot start a thread: %s\n",
			    bench_prog, strerror(err));
			abort();
		}
	res->start = time_mono_us();
	j.deadline = bench_deadline(res->start, o->seconds);
	pthread_barrier_wait(&j.go);
	res->start = time_mono_us();
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	res->end = j.last_commit > 0 ? j.last_commit : time_mono_us();
	res->first_commit = j.first_commit;
	res->last_commit = j.last_commit;
	res->put = j.put;
	res->stored = j.stored;
	res->had = j.had;
	if (j.cause != NULL)
		fail(cause, "%s", j.cause);
	else if (zsys_interrupted)
		fail(cause, "interrupted");
	else if (j.put < c->nfiles)
		fail(cause, "%zu of %zu files put", j.put, c->nfiles);
	else
		rc = 0;
	free(j.cause);
	pthread_barrier_destroy(&j.go);
	pthread_mutex_destroy(&j.lock);
	for (size_t i = 0; i < c->nfiles; i++) {
		free(j.files[i].local);
		free(j.files[i].path);
		free(j.files[i].hashes);
	}
	free(j.files);
	free(j.units);
	free(threads);
	return rc;
}

/* --- bravo's copy ----------------------------------------------------- */

/* The node at dir lists every file of c, of the right size, and holds
 * every chunk of each. */
static int
files_check_copy(const struct files_case *c, const char *dir, char **cause)
{
	json_t *r, *e;
	size_t i, n = 0, local = 0;
	int rc = -1;

	if ((r = bench_call_wait(dir, "files.ls",
		 json_pack("{s:s}", "path", c->key), FILES_LIST_TIMEOUT_MS,
		 cause)) == NULL)
		return -1;
	json_array_foreach(json_object_get(r, "entries"), i, e) {
		if (files_field(e, "size") != (int64_t)c->size)
			continue;
		n++;
		if (json_is_true(json_object_get(e, "local")))
			local++;
	}
	if (n != c->nfiles || local != c->nfiles) {
		fail(cause, "'%s' lists %zu files of %" PRIu64 " bytes under "
			    "'%s', %zu held whole, instead of %zu",
		    bench_node_name(dir), n, c->size, c->key, local, c->nfiles);
		goto done;
	}
	if (c->nfiles == 1) {
		/* The one file, chunk by chunk. */
		char *path = xasprintf("%s/file.bin", c->key);
		json_t *st = bench_call_wait(dir, "files.stat",
		    json_pack("{s:s}", "path", path), FILES_LIST_TIMEOUT_MS,
		    cause);

		free(path);
		if (st == NULL)
			goto done;
		if (files_field(st, "chunks_here") != files_field(st, "chunks")) {
			fail(cause, "'%s' holds %" PRId64 " of %" PRId64
				    " chunks of the file",
			    bench_node_name(dir), files_field(st, "chunks_here"),
			    files_field(st, "chunks"));
			json_decref(st);
			goto done;
		}
		json_decref(st);
	}
	rc = 0;
done:
	json_decref(r);
	return rc;
}

/* --- one case ------------------------------------------------------------ */

/* CPU seconds node i used between a and b, or -1. */
static double
files_cpu(const struct bench_usage *a, const struct bench_usage *b, int i)
{
	if (a->cpu_ns[i] < 0 || b->cpu_ns[i] < 0)
		return -1;
	return (b->cpu_ns[i] - a->cpu_ns[i]) / 1e9;
}

/* Bytes node i took in from its links between a and b, in MB, or -1. */
static double
files_in(const struct bench_usage *a, const struct bench_usage *b, int i)
{
	if (a->bytes_in[i] < 0 || b->bytes_in[i] < 0)
		return -1;
	return (b->bytes_in[i] - a->bytes_in[i]) / FILES_MB;
}

/* What the cases share. */
struct files_run {
	const struct files_opts *o;
	const char *ioed;
	struct bench_node *nodes;	/* alpha, bravo */
	struct bench_out *out;
};

/* Whether bravo holds every file of c on top of what st0 counted, and
 * every chunk of them; a chunk is counted once it is on disk. */
static bool
files_holds(const struct files_case *c, const struct files_state *st0,
    const struct files_state *st)
{
	int64_t chunks = (int64_t)(c->nfiles *
	    ((c->size + FILES_CHUNK_SIZE - 1) / FILES_CHUNK_SIZE));

	return st->files >= st0->files + (int64_t)c->nfiles &&
	    st->chunks >= st0->chunks + chunks && st->missing == 0 &&
	    st->fetching <= 0;
}

/* Puts the files of c on alpha, then times until bravo holds them all:
 * from alpha's commit, with bravo linked meanwhile; or, for a case of
 * catch-up, from bravo's start, stopped during the put. */
static int
files_run_case(struct files_run *run, const struct files_case *c,
    char **cause)
{
	const struct files_opts *o = run->o;
	struct bench_out *out = run->out;
	const char *a = bench_node_name(files_dirs[0]);
	const char *b = bench_node_name(files_dirs[1]);
	bench_samples_t *lat = bench_samples_new(c->nfiles);
	struct files_state st0, st;
	struct bench_usage u0, u1;
	struct put_result put;
	ctl_client_t *client = NULL;
	int64_t deadline, t, t0, t_entries = -1, t_chunk = -1, t_done = -1;
	int64_t t_link = -1, t_ready = -1, polls = 0, t_threads;
	int64_t th0[2][BENCH_THREAD_N], th1[2][BENCH_THREAD_N];
	bool threads_ok[2];
	char *figure;
	int rc = -1;

	memset(&u0, 0, sizeof u0);
	memset(&u1, 0, sizeof u1);
	memset(&put, 0, sizeof put);
	memset(&st, 0, sizeof st);
	if ((client = ctl_client_new(files_dirs[1], cause)) == NULL ||
	    files_state_get(client, files_dirs[1], &st0, cause) != 0)
		goto done;
	ctl_client_destroy(&client);
	if (c->catchup) {
		fprintf(stderr, "%s: %s: stopping %s\n", bench_prog, c->label,
		    b);
		if (bench_stop(files_dirs[1], cause) != 0)
			goto done;
	}
	/* What earlier writes left for the disk is not this figure's. */
	sync();
	fprintf(stderr, "%s: %s: put on %s\n", bench_prog, c->label, a);
	if (!c->catchup)
		bench_usage_read(&u0, 2, files_dirs);
	if (files_put(o, c, files_dirs[0], lat, &put, cause) != 0) {
		char *s = xasprintf("%s: put on %s: %s", c->label, a, *cause);

		free(*cause);
		*cause = s;
		goto done;
	}
	figure = xasprintf("%s: put on %s (chunk.put, files.put; %d "
			   "client%s)",
	    c->label, a, o->clients, o->clients == 1 ? "" : "s");
	files_row(out, c, "put", figure, lat, put.put, put.end - put.start);

	t0 = put.first_commit;
	if (c->catchup) {
		sync();
		fprintf(stderr, "%s: %s: starting %s again\n", bench_prog,
		    c->label, b);
		t0 = time_mono_us();
		if (bench_node_start(run->ioed, &run->nodes[1], &run->nodes[0],
			cause) != 0)
			goto done;
		t_ready = time_mono_us();
		bench_usage_read(&u0, 2, files_dirs);
	}
	fprintf(stderr, "%s: %s: waiting for %s to hold every chunk\n",
	    bench_prog, c->label, b);
	t_threads = time_mono_us();
	for (int i = 0; i < 2; i++)
		threads_ok[i] = bench_threads_cpu(files_dirs[i], th0[i]) == 0;
	if ((client = ctl_client_new(files_dirs[1], cause)) == NULL)
		goto done;
	deadline = bench_deadline(time_mono_us(), o->seconds);
	while ((t = time_mono_us()) < deadline && !zsys_interrupted) {
		/* One call a poll: the node answers it between its other
		 * work, which it delays. */
		if (files_state_get(client, files_dirs[1], &st, cause) != 0)
			goto done;
		t = time_mono_us();
		polls++;
		if (t_link < 0 && st.peers > 0)
			t_link = t;
		if (t_entries < 0 &&
		    st.files >= st0.files + (int64_t)c->nfiles)
			t_entries = t;
		if (t_chunk < 0 && st.chunks > st0.chunks)
			t_chunk = t;
		if (files_holds(c, &st0, &st)) {
			t_done = t;
			break;
		}
		usleep(BENCH_POLL_US);
	}
	for (int i = 0; i < 2; i++)
		threads_ok[i] = threads_ok[i] &&
		    bench_threads_cpu(files_dirs[i], th1[i]) == 0;
	bench_usage_read(&u1, 2, files_dirs);
	if (t_done < 0) {
		bench_out_note(out, c->key, "%s: %s did not hold every chunk "
					    "within %d s (files %" PRId64
					    ", chunks %" PRId64 ", missing %"
					    PRId64 ")",
		    c->label, b, o->seconds, st.files - st0.files,
		    st.chunks - st0.chunks, st.missing);
		fail(cause, "%s: %s did not hold every chunk within %d s",
		    c->label, b, o->seconds);
		goto done;
	}
	if (c->catchup)
		figure = xasprintf("%s: ioe, %s's start after the put to "
				   "holding all",
		    c->label, b);
	else
		figure = xasprintf("%s: ioe %s -> %s, %s commit to %s holding "
				   "all",
		    c->label, a, b, c->nfiles == 1 ? "the" : "first", b);
	files_row(out, c, "ioe", figure, NULL, c->nfiles, t_done - t0);
	files_row(out, c, "total",
	    xasprintf("%s: ioe, put's start to %s holding all", c->label, b),
	    NULL, c->nfiles, t_done - put.start);

	if (c->catchup)
		bench_out_note(out, c->key, "%s: put %.3f s with %s stopped "
					    "(%zu chunks new to %s, %zu there "
					    "already); %s, started again, "
					    "was ready at %.3f s, linked at "
					    "%.3f s, listed every file at "
					    "%.3f s, had a first chunk at "
					    "%.3f s and all at %.3f s "
					    "(%" PRId64 " polls, every %d ms)",
		    c->label, (put.end - put.start) / 1e6, b, put.stored, a,
		    put.had, b, (t_ready - t0) / 1e6,
		    t_link >= 0 ? (t_link - t0) / 1e6 : -1.0,
		    t_entries >= 0 ? (t_entries - t0) / 1e6 : -1.0,
		    t_chunk >= 0 ? (t_chunk - t0) / 1e6 : -1.0,
		    (t_done - t0) / 1e6, polls, BENCH_POLL_US / 1000);
	else
		bench_out_note(out, c->key, "%s: put %.3f s (%zu chunks new to "
					    "%s, %zu there already); after "
					    "the first commit, %s listed "
					    "every file at %.3f s, had a "
					    "first chunk at %.3f s and all at "
					    "%.3f s, %.3f s after the last "
					    "commit (%" PRId64 " polls, every "
					    "%d ms)",
		    c->label, (put.end - put.start) / 1e6, put.stored, a,
		    put.had, b,
		    t_entries >= 0 ? (t_entries - t0) / 1e6 : -1.0,
		    t_chunk >= 0 ? (t_chunk - t0) / 1e6 : -1.0,
		    (t_done - t0) / 1e6, (t_done - put.last_commit) / 1e6,
		    polls, BENCH_POLL_US / 1000);
	bench_out_note(out, c->key, "%s: CPU seconds from %s to %s holding "
				    "all (%.2f s): %s %.2f, %s %.2f; %s took "
				    "in %.1f MB from its link (the files: "
				    "%.1f MB)",
	    c->label, c->catchup ? "its start" : "the put's start", b,
	    (u1.t - u0.t) / 1e6, a, files_cpu(&u0, &u1, 0), b,
	    files_cpu(&u0, &u1, 1), b, files_in(&u0, &u1, 1),
	    c->bytes / FILES_MB);

	if (threads_ok[0] && threads_ok[1]) {
		double span = (double)(t_done - t_threads) * 1000;

		bench_out_note(out, c->key, "%s: CPU by thread from %s to %s "
					    "holding all (%.2f s): %s's main "
					    "loop %.2f s (%.0f%% of the time), "
					    "its ZeroMQ I/O (CURVE) %.2f s; "
					    "%s's main loop %.2f s (%.0f%%), "
					    "its ZeroMQ I/O %.2f s",
		    c->label, c->catchup ? "its start" : "the last commit", b,
		    span / 1e9, a, (th1[0][0] - th0[0][0]) / 1e9,
		    100.0 * (th1[0][0] - th0[0][0]) / span,
		    (th1[0][1] - th0[0][1]) / 1e9, b,
		    (th1[1][0] - th0[1][0]) / 1e9,
		    100.0 * (th1[1][0] - th0[1][0]) / span,
		    (th1[1][1] - th0[1][1]) / 1e9);
	}

	/* Not timed: bravo's copy is whole. */
	if (files_check_copy(c, files_dirs[1], cause) != 0) {
		bench_out_note(out, c->key, "%s: FAILED: %s", c->label,
		    *cause);
		goto done;
	}
	rc = 0;
done:
	ctl_client_destroy(&client);
	bench_usage_free(&u0);
	bench_usage_free(&u1);
	bench_samples_destroy(&lat);
	return rc;
}

/* --- the report ----------------------------------------------------------- */

/* The fastest of the figures whose keys start with prefix, in MB/s; 0
 * if none. */
static double
files_best(const struct bench_report *rep, const char *prefix)
{
	double best = 0;

	for (size_t i = 0; i < rep->nrows; i++)
		if (strncmp(rep->rows[i].key, prefix, strlen(prefix)) == 0 &&
		    rep->rows[i].st.rate > best)
			best = rep->rows[i].st.rate;
	return best;
}

/* The seconds of a figure, or 0 if missing or failed. */
static double
files_secs(const struct bench_report *rep, const char *key, const char *what)
{
	char *k = xasprintf("%s.%s", key, what);
	const struct bench_row *r = bench_report_find(rep, k);

	free(k);
	return r != NULL && r->st.ops > 0 ? r->st.secs : 0;
}

static void
files_report(const char *path, struct files_case *cases, size_t ncases)
{
	struct bench_report rep;
	char *cause = NULL;
	double tcp, curve;

	if (bench_report_read(&rep, path, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", bench_prog, cause);
		free(cause);
		return;
	}
	printf("\n");
	bench_report_print_figures(&rep, &table,
	    "ioe file replication benchmark");
	tcp = files_best(&rep, "ref.tcp.");
	curve = files_best(&rep, "ref.stream.curve");
	bench_table_ratio_header(&table);
	for (size_t i = 0; i < ncases; i++) {
		const struct files_case *c = &cases[i];
		double ioe = files_secs(&rep, c->key, "ioe");
		double total = files_secs(&rep, c->key, "total");
		double st = files_secs(&rep, c->key, "st");
		double mbs = ioe > 0 ? c->bytes / FILES_MB / ioe : -1;
		double st_mbs = st > 0 ? c->bytes / FILES_MB / st : -1;
		char *what;

		what = xasprintf("%s: Syncthing secs ÷ ioe replication secs "
				 "(above 1: ioe is faster)",
		    c->label);
		bench_table_ratio(&table, what, st > 0 ? st : -1, ioe);
		free(what);
		what = xasprintf("%s: Syncthing secs ÷ ioe put + replication "
				 "secs",
		    c->label);
		bench_table_ratio(&table, what, st > 0 ? st : -1, total);
		free(what);
		what = xasprintf("%s: ioe replication MB/s ÷ TCP limit MB/s",
		    c->label);
		bench_table_ratio(&table, what, mbs, tcp);
		free(what);
		what = xasprintf("%s: Syncthing MB/s ÷ TCP limit MB/s",
		    c->label);
		bench_table_ratio(&table, what, st_mbs, tcp);
		free(what);
		what = xasprintf("%s: ioe replication MB/s ÷ ZeroMQ CURVE "
				 "stream MB/s",
		    c->label);
		bench_table_ratio(&table, what, mbs, curve);
		free(what);
	}
	printf("(the TCP limit: the fastest iperf3 figure of the run, "
	       "%.1f MB/s; the ZeroMQ CURVE stream: the fastest of the run, "
	       "%.1f MB/s)\n",
	    tcp, curve);

	printf("\ngoals (issue 5)\n");
	for (size_t i = 0; i < ncases; i++) {
		const struct files_case *c = &cases[i];
		double ioe = files_secs(&rep, c->key, "ioe");
		double st = files_secs(&rep, c->key, "st");

		if (ioe <= 0)
			printf("  %s: ioe failed\n", c->label);
		else if (st <= 0)
			printf("  %s: beat Syncthing: no Syncthing figure\n",
			    c->label);
		else
			printf("  %s: beat Syncthing: %s (%.2f s against "
			       "%.2f s)\n",
			    c->label, ioe < st ? "met" : "NOT MET", ioe, st);
		if (strcmp(c->key, "large") == 0 && ioe > 0 && tcp > 0)
			printf("  %s: at least half the TCP limit: %s "
			       "(%.1f MB/s against %.1f)\n",
			    c->label,
			    c->bytes / FILES_MB / ioe >= tcp / 2 ? "met"
								  : "NOT MET",
			    c->bytes / FILES_MB / ioe, tcp / 2);
	}
	bench_report_print_notes(&rep);
	bench_report_free(&rep);
}

/* --- main ----------------------------------------------------------------- */

static void
files_cleanup(void)
{
	bench_stop_all(2, files_dirs);
	bench_tmpdir_done(files_tmp, files_keep);
}

/* Runs the helper with args; its output goes to ours. */
static int
files_helper(const char *helper, char **args, int64_t wait_us, char **cause)
{
	char *head[] = { "/bin/sh", (char *)helper, NULL };

	return bench_exec(head, args, false, wait_us, cause);
}

static int
files_tcp_ref(const struct files_opts *o, const char *helper,
    const char *results, const char *key, char **cause)
{
	char *port_s, *secs, *work;
	char *args[16];
	int port, rc;

	if ((port = bench_port(cause)) < 0)
		return -1;
	port_s = xasprintf("%d", port);
	secs = xasprintf("%d", o->tcp_seconds);
	work = xasprintf("%s/iperf3-%s", files_tmp, key);
	fprintf(stderr, "%s: single-stream TCP on 127.0.0.1:%d for %d s "
			"(iperf3, %s)\n",
	    bench_prog, port, o->tcp_seconds, key);
	args[0] = "iperf3";
	args[1] = "-k";
	args[2] = (char *)key;
	args[3] = "-l";
	args[4] = (char *)key;
	args[5] = "-p";
	args[6] = port_s;
	args[7] = "-t";
	args[8] = secs;
	args[9] = "-w";
	args[10] = work;
	args[11] = "-o";
	args[12] = (char *)results;
	args[13] = NULL;
	rc = files_helper(helper, args,
	    (int64_t)(o->tcp_seconds + 60) * 1000000, cause);
	free(port_s);
	free(secs);
	free(work);
	return rc;
}

/* The ZeroMQ stream a link of the mesh rides on, plain and with CURVE:
 * chunk-sized messages, as many bytes as the large file. */
static int
files_zmq_ref(const struct files_opts *o, const char *results,
    const char *key, char **cause)
{
	uint64_t total = o->large > 0 ? o->large : 256 * MIB;
	struct bench_out out;
	int port, rc = 0;

	memset(&out, 0, sizeof out);
	if ((port = bench_port(cause)) < 0)
		return -1;
	fprintf(stderr, "%s: ZeroMQ streams on 127.0.0.1:%d (%s)\n",
	    bench_prog, port, key);
	for (int curve = 0; curve < 2 && rc == 0; curve++) {
		rc = bench_stream(port, curve, FILES_CHUNK_SIZE, total,
		    o->seconds, key, key, bench_out_row(&out), cause);
		if (rc != 0)
			out.nrows--;
	}
	if (bench_out_write(&out, results, rc == 0 ? cause : NULL) != 0)
		rc = -1;
	bench_out_free(&out);
	return rc;
}

static int
files_syncthing(const struct files_opts *o, const char *helper,
    const char *results, struct files_case *cases, size_t ncases,
    char **cause)
{
	char *args[64], *ports, *secs, *work, *keep[32];
	int p[4], n = 0, nk = 0, rc;

	for (int i = 0; i < 4; i++)
		if ((p[i] = bench_port(cause)) < 0)
			return -1;
	ports = xasprintf("%d,%d,%d,%d", p[0], p[1], p[2], p[3]);
	secs = xasprintf("%d", o->seconds);
	work = xasprintf("%s/syncthing", files_tmp);
	args[n++] = "syncthing";
	args[n++] = "-p";
	args[n++] = ports;
	args[n++] = "-s";
	args[n++] = secs;
	args[n++] = "-w";
	args[n++] = work;
	args[n++] = "-o";
	args[n++] = (char *)results;
	for (size_t i = 0; i < ncases; i++) {
		args[n++] = (char *)cases[i].key;
		args[n++] = cases[i].src;
		args[n++] = keep[nk++] = xasprintf("%zu", cases[i].nfiles);
		args[n++] = keep[nk++] = xasprintf("%" PRIu64, cases[i].bytes);
		args[n++] = cases[i].label;
	}
	args[n] = NULL;
	rc = files_helper(helper, args,
	    (int64_t)(o->seconds * (int)ncases + 120) * 1000000, cause);
	for (int i = 0; i < nk; i++)
		free(keep[i]);
	free(ports);
	free(secs);
	free(work);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct files_opts o = { .large = GIB, .count = 10000, .small = 4 * KIB,
		.clients = 2, .seconds = 600, .tcp_seconds = 5,
		.syncthing = true, .tcp = true };
	struct files_case cases[2];
	struct bench_node nodes[2] = { { .name = "alpha" },
		{ .name = "bravo" } };
	struct bench_out out;
	size_t ncases = 0;
	char *ioed, *ioectl, *helper, *results, *cause = NULL;
	const char *src;
	char *failed = xstrdup("");
	int opt, rc = 1;

	while ((opt = getopt_long(argc, argv, "hBKNTL:n:z:c:s:t:", longopts,
		    NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'K':
			o.keep = true;
			break;
		case 'B':
			o.live = true;
			break;
		case 'N':
			o.syncthing = false;
			break;
		case 'T':
			o.tcp = false;
			break;
		case 'L':
			o.large = files_parse_size(optarg, 0, 64 * GIB,
			    "large file size");
			break;
		case 'n':
			o.count = (size_t)bench_parse_number(optarg, 0,
			    FILES_COUNT_MAX, "count");
			break;
		case 'z':
			o.small = files_parse_size(optarg, 1, FILES_CHUNK_SIZE,
			    "small file size");
			break;
		case 'c':
			o.clients = (int)bench_parse_number(optarg, 1,
			    FILES_CLIENTS_MAX, "client count");
			break;
		case 's':
			o.seconds = (int)bench_parse_number(optarg, 1,
			    BENCH_SECONDS_MAX, "seconds");
			break;
		case 't':
			o.tcp_seconds = (int)bench_parse_number(optarg, 1, 600,
			    "seconds");
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	if (o.large == 0 && o.count == 0) {
		fprintf(stderr, "%s: no case: -L 0 and -n 0\n", bench_prog);
		return 2;
	}
	files_keep = o.keep;

	src = getenv("IOE_SOURCE_DIR");
	helper = xasprintf("%s/bench/files-syncthing.sh",
	    src != NULL && *src != '\0' ? src : BENCH_SRCDIR);
	if (bench_programs(&ioed, &ioectl, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", bench_prog, cause);
		return 1;
	}
	if ((o.syncthing || o.tcp) && access(helper, R_OK) != 0) {
		fprintf(stderr, "%s: no '%s': set IOE_SOURCE_DIR to the source "
				"tree\n",
		    bench_prog, helper);
		return 1;
	}
	if ((files_tmp = bench_tmpdir(&cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", bench_prog, cause);
		return 1;
	}
	/* Before any thread: czmq sets up its context and the SIGINT
	 * handler behind zsys_interrupted once, here. */
	zsys_init();
	atexit(files_cleanup);
	results = xasprintf("%s/results", files_tmp);
	memset(&out, 0, sizeof out);

	if (o.large > 0) {
		char *size = files_size_name(o.large);

		cases[ncases++] = (struct files_case){ .key = "large",
			.label = xasprintf("1 file of %s", size), .nfiles = 1,
			.size = o.large, .bytes = o.large,
			.src = xasprintf("%s/data-large", files_tmp) };
		free(size);
	}
	if (o.count > 0) {
		char *size = files_size_name(o.small);

		cases[ncases++] = (struct files_case){ .key = "small",
			.label = xasprintf("%zu files of %s", o.count, size),
			.nfiles = o.count, .size = o.small,
			.bytes = o.small * o.count,
			.src = xasprintf("%s/data-small", files_tmp),
			.catchup = !o.live };
		free(size);
	}

	{
		char sysname[256] = "?";
		FILE *fp = fopen("/proc/sys/kernel/osrelease", "re");

		if (fp != NULL) {
			if (fgets(sysname, sizeof sysname, fp) != NULL)
				sysname[strcspn(sysname, "\n")] = '\0';
			fclose(fp);
		}
		bench_info(results, "machine", "%ld CPUs, Linux %s, the data "
					       "and every node's directory "
					       "under %s",
		    sysconf(_SC_NPROCESSORS_ONLN), sysname, files_tmp);
		bench_info(results, "nodes", "alpha and bravo: ioed on "
					     "127.0.0.1, --no-beacon, "
					     "store.sync full (the default); "
					     "bravo links to alpha");
		bench_info(results, "put", "%d control client%s on alpha at "
					   "once, each chunk read, hashed and "
					   "sent with files.chunk.put, then "
					   "files.put",
		    o.clients, o.clients == 1 ? "" : "s");
		bench_info(results, "timing", "ioe replication: until "
					      "bravo's status shows every "
					      "file and every chunk on disk "
					      "(polled every %d ms), from "
					      "alpha's reply to files.put "
					      "(the entry is committed)%s; "
					      "Syncthing: from the rescan "
					      "request on A until B is in "
					      "sync",
		    BENCH_POLL_US / 1000,
		    o.live ? "" : ", or for the small files from bravo's "
				  "start, stopped during their put");
	}

	bench_load(results, "load", "at the start");

	/* The references' programs, installed if missing. */
	if (o.tcp || o.syncthing) {
		char *args[] = { "install", o.tcp ? "iperf3" : "jq",
			o.syncthing ? "syncthing" : "jq", "curl", "jq", NULL };

		if (files_helper(helper, args, FILES_INSTALL_WAIT_US,
			&cause) != 0) {
			fprintf(stderr, "%s: the references are left out: %s\n",
			    bench_prog, cause);
			free(cause);
			cause = NULL;
			o.tcp = o.syncthing = false;
			bench_info(results, "reference", "none: iperf3 or "
							 "syncthing missing "
							 "and not installed");
		}
	}
	if (o.tcp && files_tcp_ref(&o, helper, results, "before",
		&cause) != 0) {
		fprintf(stderr, "%s: TCP limit: %s\n", bench_prog, cause);
		free(cause);
		cause = NULL;
	}
	if (files_zmq_ref(&o, results, "before", &cause) != 0) {
		fprintf(stderr, "%s: ZeroMQ stream: %s\n", bench_prog, cause);
		free(cause);
		cause = NULL;
	}

	for (size_t i = 0; i < ncases; i++) {
		fprintf(stderr, "%s: making the data of %s\n", bench_prog,
		    cases[i].label);
		if (files_make_data(&cases[i], &cause) != 0)
			goto done;
	}
	sync();

	for (int i = 0; i < 2; i++) {
		nodes[i].dir = xasprintf("%s/%s", files_tmp, nodes[i].name);
		files_dirs[i] = nodes[i].dir;
		if ((nodes[i].port = bench_port(&cause)) < 0)
			goto done;
	}
	if (files_nodes_up(ioed, ioectl, &nodes[0], &nodes[1], &cause) != 0)
		goto done;
	for (size_t i = 0; i < ncases && !zsys_interrupted; i++) {
		struct files_run run = { &o, ioed, nodes, &out };

		if (files_run_case(&run, &cases[i], &cause) != 0) {
			char *f = xasprintf("%s %s.ioe", failed, cases[i].key);

			fprintf(stderr, "%s: %s\n", bench_prog, cause);
			free(cause);
			cause = NULL;
			free(failed);
			failed = f;
		}
	}
	if (bench_out_write(&out, results, &cause) != 0)
		goto done;
	bench_out_free(&out);
	for (int i = 0; i < 2; i++)
		if (bench_stop(files_dirs[i], &cause) != 0)
			goto done;
	sync();

	if (o.syncthing && !zsys_interrupted &&
	    files_syncthing(&o, helper, results, cases, ncases, &cause) != 0) {
		char *f = xasprintf("%s syncthing", failed);

		fprintf(stderr, "%s: Syncthing: %s\n", bench_prog, cause);
		free(cause);
		cause = NULL;
		free(failed);
		failed = f;
	}
	if (o.tcp && !zsys_interrupted &&
	    files_tcp_ref(&o, helper, results, "after", &cause) != 0) {
		fprintf(stderr, "%s: TCP limit: %s\n", bench_prog, cause);
		free(cause);
		cause = NULL;
	}
	if (zsys_interrupted) {
		cause = xstrdup("interrupted");
		goto done;
	}
	bench_load(results, "load after", "at the end");
	files_report(results, cases, ncases);
	if (*failed != '\0')
		fprintf(stderr, "%s: failed:%s\n", bench_prog, failed);
	else
		rc = 0;
done:
	if (cause != NULL)
		fprintf(stderr, "%s: %s\n", bench_prog, cause);
	free(cause);
	bench_out_free(&out);
	for (size_t i = 0; i < ncases; i++) {
		free(cases[i].label);
		free(cases[i].src);
	}
	free(failed);
	free(results);
	free(helper);
	free(ioed);
	free(ioectl);
	return rc;
}
