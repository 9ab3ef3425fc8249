/* bench/append: durable signed appends per second through a running ioed,
 * set beside the two costs no append can avoid, an Ed25519 signature and
 * a synchronous SQLite commit, measured in the same run on the same disk.
 * The ratios show what the node adds to them and what group commit takes
 * away (see doc/design-notes.md).
 *
 *   bench/append [-d DIR] [-n COUNT] [-c CLIENTS] [-s SECONDS]
 *
 * Each figure stops after COUNT operations or SECONDS, whichever comes
 * first. The node at DIR must be running; bench/run-append starts a fresh
 * one and stops it again.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>
#include <sqlite3.h>

#include "conf.h"
#include "crypto.h"
#include "ctl_client.h"
#include "datadir.h"
#include "entry.h"
#include "util.h"

#define BENCH_COUNT 10000	/* default operations per figure */
#define BENCH_CLIENTS 8		/* default concurrent clients */
#define BENCH_SECONDS 5		/* default time per figure */
#define BENCH_COUNT_MAX 10000000
#define BENCH_CLIENTS_MAX 1024
#define BENCH_SECONDS_MAX 3600
/* Journal text and signed message size: a short field report. */
#define BENCH_TEXT_SIZE 100
/* Per request, as ioectl waits by default. */
#define BENCH_TIMEOUT_MS 10000

struct bench_opts {
	char *dir;
	size_t count;
	int clients;
	int seconds;
};

/* One figure: what was measured and the latency of each operation. */
struct bench_result {
	const char *what;
	const char *unit;	/* of the rate */
	int64_t *lat_us;	/* sorted once the figure is done */
	size_t n;		/* operations done */
	int64_t elapsed_us;
	double rate;		/* operations per second */
};

/* What the client threads of one node figure share. */
struct bench_node {
	const char *dir;
	size_t count;
	int64_t deadline_us;	/* set before go */
	/* A ticket is taken before each request, so that no more than count
	 * are sent; a slot after each reply, so that the latencies kept are
	 * exactly those of the requests that succeeded. */
	atomic_size_t tickets;
	atomic_size_t slots;
	atomic_bool stop;
	int64_t *lat_us;
	pthread_mutex_t lock;	/* for the fields below */
	pthread_cond_t cond;	/* ready or go changed */
	int ready;		/* clients connected (or given up) */
	bool go;		/* all ready, deadline set: start */
	size_t errors;
	char *cause;		/* the first error */
};

struct bench_client {
	struct bench_node *node;
	int index;
	pthread_t thread;
};

static void
usage(void)
{
	fprintf(stderr, "usage: append [-d DIR] [-n COUNT] [-c CLIENTS] "
			"[-s SECONDS]\n");
	exit(2);
}

static long long
parse_number(const char *s, long long min, long long max, const char *what)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max) {
		fprintf(stderr, "append: bad %s '%s': use %lld..%lld\n", what,
		    s, min, max);
		exit(2);
	}
	return n;
}

static void
bench_result_init(struct bench_result *r, const char *what,
    const char *unit, size_t count)
{
	memset(r, 0, sizeof *r);
	r->what = what;
	r->unit = unit;
	r->lat_us = xcalloc(count, sizeof *r->lat_us);
}

static int
bench_compare(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
bench_result_finish(struct bench_result *r)
{
	qsort(r->lat_us, r->n, sizeof *r->lat_us, bench_compare);
	r->rate = r->elapsed_us > 0 ? (double)r->n * 1e6 / r->elapsed_us : 0;
}

/* Nearest rank. Returns the latency in µs, or -1 if nothing was done. */
static int64_t
bench_percentile(const struct bench_result *r, size_t pct)
{
	size_t rank = (r->n * pct + 99) / 100;

	if (r->n == 0)
		return -1;
	return r->lat_us[rank == 0 ? 0 : rank - 1];
}

/* The time after which no new operation starts. */
static int64_t
bench_deadline(const struct bench_opts *o, int64_t start)
{
	return start + (int64_t)o->seconds * 1000000;
}

static int
bench_sign(const struct bench_opts *o, struct bench_result *r, char **cause)
{
	signing_key_t *key = signing_key_generate(cause);
	uint8_t msg[BENCH_TEXT_SIZE], sig[ED25519_SIGNATURE_SIZE];
	int64_t start, deadline, t0, t1;
	int rc = -1;

	if (key == NULL)
		return -1;
	memset(msg, 'x', sizeof msg);
	start = t0 = time_mono_us();
	deadline = bench_deadline(o, start);
	while (r->n < o->count && t0 < deadline && !zsys_interrupted) {
		/* A new message each time, as the node never signs one
		 * twice. */
		memcpy(msg, &r->n, sizeof r->n);
		if (signing_key_sign(key, msg, sizeof msg, sig) != 0) {
			fail(cause, "signing failed");
			goto done;
		}
		t1 = time_mono_us();
		r->lat_us[r->n++] = t1 - t0;
		t0 = t1;
	}
	r->elapsed_us = t0 - start;
	rc = 0;
done:
	signing_key_destroy(&key);
	return rc;
}

static int
bench_verify(const struct bench_opts *o, struct bench_result *r,
    char **cause)
{
	signing_key_t *key = signing_key_generate(cause);
	uint8_t msg[BENCH_TEXT_SIZE], sig[ED25519_SIGNATURE_SIZE];
	int64_t start, deadline, t0, t1;
	int rc = -1;

	if (key == NULL)
		return -1;
	memset(msg, 'x', sizeof msg);
	if (signing_key_sign(key, msg, sizeof msg, sig) != 0) {
		fail(cause, "signing failed");
		goto done;
	}
	start = t0 = time_mono_us();
	deadline = bench_deadline(o, start);
	while (r->n < o->count && t0 < deadline && !zsys_interrupted) {
		/* A failure would mean the figure measures the wrong path. */
		if (!ed25519_verify(signing_key_public(key), msg, sizeof msg,
			sig)) {
			fail(cause, "a good signature failed to verify");
			goto done;
		}
		t1 = time_mono_us();
		r->lat_us[r->n++] = t1 - t0;
		t0 = t1;
	}
	r->elapsed_us = t0 - start;
	rc = 0;
done:
	signing_key_destroy(&key);
	return rc;
}

static int
sql_exec(sqlite3 *db, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fail(cause, "'%s': %s", sql, err != NULL ? err : "failed");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Runs a prepared statement to completion and resets it. */
static int
sql_step(sqlite3 *db, sqlite3_stmt *stmt, char **cause)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return fail(cause, "'%s': %s", sqlite3_sql(stmt),
		    sqlite3_errmsg(db));
	return 0;
}

/* A WAL database at path with the given synchronous setting, holding a
 * table shaped like the node's log: a random 32-byte key and a row the
 * size of a journal entry of BENCH_TEXT_SIZE bytes. Each operation is one
 * row in one transaction, as a node without group commit would write. */
static int
bench_sqlite(const struct bench_opts *o, const char *path, const char *sync,
    struct bench_result *r, char **cause)
{
	uint8_t raw[ENTRY_FIXED_SIZE + sizeof "journal" - 1 + BENCH_TEXT_SIZE];
	sqlite3_stmt *begin = NULL, *insert = NULL, *commit = NULL;
	sqlite3_stmt *mode = NULL;
	int64_t start, deadline, t0, t1;
	uint8_t id[SHA256_SIZE];
	sqlite3 *db = NULL;
	char *sql = NULL;
	int rc = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
		SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fail(cause, "cannot open '%s': %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	/* A file system without shared memory would silently keep the
	 * rollback journal and measure something else. */
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &mode,
		NULL) != SQLITE_OK ||
	    sqlite3_step(mode) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(mode, 0), "wal") != 0) {
		fail(cause, "cannot put '%s' in WAL mode: %s", path,
		    sqlite3_errmsg(db));
		goto done;
	}
	/* Left open, it would keep a read transaction and block COMMIT. */
	sqlite3_finalize(mode);
	mode = NULL;
	sql = xasprintf("PRAGMA synchronous = %s", sync);
	if (sql_exec(db, sql, cause) != 0 ||
	    sql_exec(db, "CREATE TABLE log (id BLOB PRIMARY KEY, "
			 "raw BLOB NOT NULL)",
		cause) != 0)
		goto done;
	if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) !=
		SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO log (id, raw) VALUES (?, ?)",
		-1, &insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
		fail(cause, "'%s': cannot prepare a statement: %s", path,
		    sqlite3_errmsg(db));
		goto done;
	}
	memset(raw, 'x', sizeof raw);

	start = t0 = time_mono_us();
	deadline = bench_deadline(o, start);
	while (r->n < o->count && t0 < deadline && !zsys_interrupted) {
		/* Ids are hashes: the index sees random keys, as in a
		 * store. */
		sha256(&r->n, sizeof r->n, id);
		if (sql_step(db, begin, cause) != 0)
			goto done;
		sqlite3_bind_blob(insert, 1, id, sizeof id, SQLITE_STATIC);
		sqlite3_bind_blob(insert, 2, raw, sizeof raw, SQLITE_STATIC);
		if (sql_step(db, insert, cause) != 0 ||
		    sql_step(db, commit, cause) != 0)
			goto done;
		t1 = time_mono_us();
		r->lat_us[r->n++] = t1 - t0;
		t0 = t1;
	}
	r->elapsed_us = t0 - start;
	rc = 0;
done:
	sqlite3_finalize(mode);
	sqlite3_finalize(begin);
	sqlite3_finalize(insert);
	sqlite3_finalize(commit);
	sqlite3_close(db);
	free(sql);
	return rc;
}

/* Removes the database at path and the files WAL mode keeps beside it. */
static void
bench_sqlite_remove(const char *path)
{
	static const char *suffixes[] = { "", "-wal", "-shm" };

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char *file = xasprintf("%s%s", path, suffixes[i]);

		unlink(file);
		free(file);
	}
}

static void
bench_node_error(struct bench_node *b, char *cause)
{
	pthread_mutex_lock(&b->lock);
	b->errors++;
	if (b->cause == NULL) {
		b->cause = cause;
		cause = NULL;
	}
	pthread_mutex_unlock(&b->lock);
	free(cause);
	/* The others would meet the same fault, one time-out each. */
	atomic_store(&b->stop, true);
}

/* One client as ioectl is one: a request, then its reply, then the next. */
static void *
bench_client_run(void *arg)
{
	struct bench_client *c = arg;
	struct bench_node *b = c->node;
	char text[BENCH_TEXT_SIZE + 1], *cause = NULL, *code = NULL;
	json_t *result = NULL;
	ctl_client_t *client;
	int64_t t0, t1;
	size_t ticket;
	int len;

	client = ctl_client_new(b->dir, &cause);
	/* ZeroMQ connects lazily: a first round trip here keeps the
	 * connection set-up out of the figure. */
	if (client != NULL &&
	    ctl_client_call(client, "status", NULL, BENCH_TIMEOUT_MS, &result,
		&code, &cause) != CTL_OK)
		ctl_client_destroy(&client);
	json_decref(result);
	free(code);
	code = NULL;
	if (client == NULL) {
		bench_node_error(b, cause);
		cause = NULL;
	}
	/* All start together, so the rate is that of clients at once. */
	pthread_mutex_lock(&b->lock);
	b->ready++;
	pthread_cond_broadcast(&b->cond);
	while (!b->go)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);

	while (client != NULL && !atomic_load(&b->stop) && !zsys_interrupted) {
		ticket = atomic_fetch_add(&b->tickets, 1);
		if (ticket >= b->count ||
		    (t0 = time_mono_us()) >= b->deadline_us)
			break;
		len = snprintf(text, sizeof text,
		    "bench append: client %d, request %zu ", c->index, ticket);
		if (len >= 0 && (size_t)len < BENCH_TEXT_SIZE)
			memset(text + len, '.', BENCH_TEXT_SIZE - (size_t)len);
		text[BENCH_TEXT_SIZE] = '\0';
		if (ctl_client_call(client, "journal.add",
			json_pack("{s:s}", "text", text), BENCH_TIMEOUT_MS,
			&result, &code, &cause) != CTL_OK) {
			bench_node_error(b, cause);
			cause = NULL;
			free(code);
			code = NULL;
			break;
		}
		t1 = time_mono_us();
		json_decref(result);
		b->lat_us[atomic_fetch_add(&b->slots, 1)] = t1 - t0;
	}
	ctl_client_destroy(&client);
	return NULL;
}

/* journal.add from that many client threads at once. Returns 0, or -1
 * with *cause set if any request failed. */
static int
bench_node(const struct bench_opts *o, int clients, struct bench_result *r,
    char **cause)
{
	struct bench_client *c = xcalloc((size_t)clients, sizeof *c);
	struct bench_node b;
	int64_t start;
	int started, err, rc = 0;

	memset(&b, 0, sizeof b);
	b.dir = o->dir;
	b.count = o->count;
	b.lat_us = r->lat_us;
	atomic_init(&b.tickets, 0);
	atomic_init(&b.slots, 0);
	atomic_init(&b.stop, false);
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.cond, NULL);
	for (started = 0; started < clients; started++) {
		c[started].node = &b;
		c[started].index = started + 1;
		if ((err = pthread_create(&c[started].thread, NULL,
			 bench_client_run, &c[started])) != 0) {
			/* Those started are told to stop at once. */
			bench_node_error(&b, xasprintf("cannot start client "
						       "thread %d: %s",
			    started + 1, strerror(err)));
			break;
		}
	}
	pthread_mutex_lock(&b.lock);
	while (b.ready < started)
		pthread_cond_wait(&b.cond, &b.lock);
	start = time_mono_us();
	b.deadline_us = bench_deadline(o, start);
	b.go = true;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.lock);
	for (int i = 0; i < started; i++)
		pthread_join(c[i].thread, NULL);
	r->elapsed_us = time_mono_us() - start;
	r->n = atomic_load(&b.slots);

	if (b.errors > 0) {
		fail(cause, "%zu of %d clients failed, the first with: %s",
		    b.errors, clients, b.cause);
		rc = -1;
	}
	free(b.cause);
	pthread_cond_destroy(&b.cond);
	pthread_mutex_destroy(&b.lock);
	free(c);
	return rc;
}

/* The node's entry count, to check that every acknowledged append is
 * stored. Returns 0, or -1 with *cause set. */
static int
bench_node_entries(const char *dir, int64_t *entries, char **cause)
{
	ctl_client_t *client = ctl_client_new(dir, cause);
	json_t *result = NULL;
	json_int_t n;
	char *code = NULL;
	int rc = -1;

	if (client == NULL)
		return -1;
	if (ctl_client_call(client, "status", NULL, BENCH_TIMEOUT_MS, &result,
		&code, cause) != CTL_OK)
		goto done;
	if (json_unpack(result, "{s:I}", "entries", &n) != 0) {
		fail(cause, "the status of '%s' has no entry count", dir);
		goto done;
	}
	*entries = n;
	rc = 0;
done:
	json_decref(result);
	free(code);
	ctl_client_destroy(&client);
	return rc;
}

/* How the node syncs its store, for reading the figures: status does not
 * say, so this reads DIR/ioe.yaml as ioed does unless started with -c.
 * Returns a description the caller frees. */
static char *
bench_node_sync(const char *dir)
{
	char *path = xasprintf("%s/ioe.yaml", dir), *cause = NULL, *sync;
	conf_t conf;

	conf_defaults(&conf);
	if (access(path, F_OK) != 0)
		sync = xasprintf("%s (the default: no '%s')",
		    conf.store_sync == STORE_SYNC_FULL ? "FULL" : "NORMAL",
		    path);
	else if (conf_load(&conf, path, &cause) != 0)
		sync = xasprintf("unknown (%s)", cause);
	else
		sync = xasprintf("%s (from '%s')",
		    conf.store_sync == STORE_SYNC_FULL ? "FULL" : "NORMAL",
		    path);
	conf_free(&conf);
	free(cause);
	free(path);
	return sync;
}

static void
bench_print_row(const struct bench_result *r)
{
	printf("%-40s %8zu %7.2f %9.0f  %-16s %7" PRId64 " %7" PRId64 "\n",
	    r->what, r->n, r->elapsed_us / 1e6, r->rate, r->unit,
	    bench_percentile(r, 50), bench_percentile(r, 99));
}

static void
bench_print_ratio(const char *what, double num, double den)
{
	/* Every label holds one two-byte "÷": one more byte of width. */
	if (den > 0)
		printf("%-61s %8.3f\n", what, num / den);
	else
		printf("%-61s %8s\n", what, "-");
}

int
main(int argc, char **argv)
{
	struct bench_opts o = { NULL, BENCH_COUNT, BENCH_CLIENTS,
		BENCH_SECONDS };
	enum { SIGN, VERIFY, SQL_FULL, SQL_NORMAL, NODE_1, NODE_N, NFIGURES };
	struct bench_result fig[NFIGURES];
	char *cause = NULL, *tmpdir = NULL, *full = NULL, *normal = NULL;
	char *dir_flag = NULL, *what_n = NULL, *r1 = NULL, *r2 = NULL;
	char *sync = NULL;
	int64_t before = 0, after = 0;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "d:n:c:s:h")) != -1) {
		switch (opt) {
		case 'd':
			dir_flag = optarg;
			break;
		case 'n':
			o.count = (size_t)parse_number(optarg, 1,
			    BENCH_COUNT_MAX, "count");
			break;
		case 'c':
			o.clients = (int)parse_number(optarg, 1,
			    BENCH_CLIENTS_MAX, "client count");
			break;
		case 's':
			o.seconds = (int)parse_number(optarg, 1,
			    BENCH_SECONDS_MAX, "seconds");
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	o.dir = datadir_resolve(dir_flag);
	/* Before any thread: czmq sets up its context and the SIGINT
	 * handler behind zsys_interrupted once, here. */
	zsys_init();

	what_n = xasprintf("node journal.add, %d client%s", o.clients,
	    o.clients == 1 ? "" : "s");
	bench_result_init(&fig[SIGN], "Ed25519 sign, 1 core", "signatures/s",
	    o.count);
	bench_result_init(&fig[VERIFY], "Ed25519 verify, 1 core",
	    "verifications/s", o.count);
	bench_result_init(&fig[SQL_FULL],
	    "SQLite commit, WAL, synchronous=FULL", "commits/s", o.count);
	bench_result_init(&fig[SQL_NORMAL],
	    "SQLite commit, WAL, synchronous=NORMAL", "commits/s", o.count);
	bench_result_init(&fig[NODE_1], "node journal.add, 1 client",
	    "appends/s", o.count);
	bench_result_init(&fig[NODE_N], what_n, "appends/s", o.count);

	/* Fail early, before a minute of raw figures, if no node answers. */
	if (bench_node_entries(o.dir, &before, &cause) != 0)
		goto done;

	/* Inside the node's directory: the raw commits then hit the same
	 * file system, and so the same fsync, as the node's store. */
	tmpdir = xasprintf("%s/bench-sqlite.XXXXXX", o.dir);
	if (mkdtemp(tmpdir) == NULL) {
		fail(&cause, "cannot create a directory '%s': %s", tmpdir,
		    strerror(errno));
		free(tmpdir);
		tmpdir = NULL;
		goto done;
	}
	full = xasprintf("%s/full.db", tmpdir);
	normal = xasprintf("%s/normal.db", tmpdir);

	if (bench_sign(&o, &fig[SIGN], &cause) != 0 ||
	    bench_verify(&o, &fig[VERIFY], &cause) != 0 ||
	    bench_sqlite(&o, full, "FULL", &fig[SQL_FULL], &cause) != 0 ||
	    bench_sqlite(&o, normal, "NORMAL", &fig[SQL_NORMAL], &cause) != 0)
		goto done;
	if (zsys_interrupted) {
		fail(&cause, "interrupted");
		goto done;
	}
	if (bench_node(&o, 1, &fig[NODE_1], &cause) != 0 ||
	    bench_node(&o, o.clients, &fig[NODE_N], &cause) != 0)
		goto done;
	if (zsys_interrupted) {
		fail(&cause, "interrupted");
		goto done;
	}
	if (bench_node_entries(o.dir, &after, &cause) != 0)
		goto done;
	for (int i = 0; i < NFIGURES; i++)
		bench_result_finish(&fig[i]);

	printf("ioe append benchmark\n");
	sync = bench_node_sync(o.dir);
	printf("  node        %s\n", o.dir);
	printf("  node sync   %s\n", sync);
	printf("  raw SQLite  %s (same file system as the node)\n", tmpdir);
	printf("  bounds      %zu operations or %d s per figure, whichever "
	       "comes first\n",
	    o.count, o.seconds);
	printf("  payload     %d-byte message signed, %d-byte journal text "
	       "appended\n\n",
	    BENCH_TEXT_SIZE, BENCH_TEXT_SIZE);
	/* "µs" is three bytes for two columns: one more byte of width. */
	printf("%-40s %8s %7s %9s  %-16s %8s %8s\n", "figure", "ops",
	    "secs", "rate", "unit", "p50 µs", "p99 µs");
	for (int i = 0; i < NFIGURES; i++)
		bench_print_row(&fig[i]);

	r1 = xstrdup("node appends/s, 1 client ÷ raw SQLite FULL commits/s");
	r2 = xasprintf("node appends/s, %d client%s ÷ raw SQLite FULL "
		       "commits/s", o.clients, o.clients == 1 ? "" : "s");
	printf("\n%-61s %8s\n", "ratio", "value");
	bench_print_ratio(r1, fig[NODE_1].rate, fig[SQL_FULL].rate);
	bench_print_ratio(r2, fig[NODE_N].rate, fig[SQL_FULL].rate);
	free(r1);
	free(r2);
	r1 = xstrdup("node appends/s, 1 client ÷ raw signing/s");
	r2 = xasprintf("node appends/s, %d client%s ÷ raw signing/s",
	    o.clients, o.clients == 1 ? "" : "s");
	bench_print_ratio(r1, fig[NODE_1].rate, fig[SIGN].rate);
	bench_print_ratio(r2, fig[NODE_N].rate, fig[SIGN].rate);

	/* An acknowledged append that is not stored would make every figure
	 * above meaningless. */
	printf("\nstore check: %" PRId64 " entries before, %" PRId64
	       " after, %zu appends acknowledged: %s\n",
	    before, after, fig[NODE_1].n + fig[NODE_N].n,
	    after - before == (int64_t)(fig[NODE_1].n + fig[NODE_N].n)
		? "ok"
		: "MISMATCH");
	if (after - before != (int64_t)(fig[NODE_1].n + fig[NODE_N].n)) {
		fail(&cause, "the node stored %" PRId64 " entries for %zu "
			     "acknowledged appends (another writer, or lost "
			     "appends)",
		    after - before, fig[NODE_1].n + fig[NODE_N].n);
		goto done;
	}
	rc = 0;
done:
	if (cause != NULL)
		fprintf(stderr, "append: %s\n", cause);
	if (tmpdir != NULL) {
		bench_sqlite_remove(full);
		bench_sqlite_remove(normal);
		if (rmdir(tmpdir) != 0)
			fprintf(stderr, "append: cannot remove '%s': %s\n",
			    tmpdir, strerror(errno));
	}
	for (int i = 0; i < NFIGURES; i++)
		free(fig[i].lat_us);
	free(cause);
	free(tmpdir);
	free(full);
	free(normal);
	free(what_n);
	free(sync);
	free(r1);
	free(r2);
	free(o.dir);
	return rc;
}
