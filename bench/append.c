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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>
#include <sqlite3.h>

#include "bench.h"
#include "conf.h"
#include "crypto.h"
#include "ctl_client.h"
#include "datadir.h"
#include "entry.h"
#include "util.h"

#define BENCH_COUNT 10000	/* default operations per figure */
#define BENCH_CLIENTS 8		/* default concurrent clients */
#define BENCH_SECONDS 5		/* default time per figure */
#define BENCH_CLIENTS_MAX 1024

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
	bench_samples_t *lat;
	int64_t elapsed_us;
	struct bench_stats st;	/* set once the figure is done */
};

/* Every ratio's name holds one two-byte "÷": one more byte of width. */
static const struct bench_table table = { .figure = 40, .ops = 8,
	.unit = 16, .lat = 7, .ratio = 61, .decimals = 3 };

const char *const bench_prog = "append";

static void
usage(void)
{
	fprintf(stderr, "usage: append [-d DIR] [-n COUNT] [-c CLIENTS] "
			"[-s SECONDS]\n");
	exit(2);
}

static void
bench_result_init(struct bench_result *r, const char *what,
    const char *unit, size_t count)
{
	memset(r, 0, sizeof *r);
	r->what = what;
	r->unit = unit;
	r->lat = bench_samples_new(count);
}

static void
bench_result_finish(struct bench_result *r)
{
	bench_stats_set(&r->st, bench_samples_count(r->lat), r->elapsed_us,
	    r->lat);
}

static int
bench_sign(const struct bench_opts *o, struct bench_result *r, char **cause)
{
	signing_key_t *key = signing_key_generate(cause);
	uint8_t msg[BENCH_TEXT_SIZE], sig[ED25519_SIGNATURE_SIZE];
	struct bench_timer t;
	int rc = -1;

	if (key == NULL)
		return -1;
	memset(msg, 'x', sizeof msg);
	bench_timer_start(&t, r->lat, o->count, o->seconds);
	while (bench_timer_more(&t)) {
		/* A new message each time, as the node never signs one
		 * twice. */
		memcpy(msg, &t.n, sizeof t.n);
		if (signing_key_sign(key, msg, sizeof msg, sig) != 0) {
			fail(cause, "signing failed");
			goto done;
		}
		bench_timer_done(&t);
	}
	r->elapsed_us = bench_timer_elapsed(&t);
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
	struct bench_timer t;
	int rc = -1;

	if (key == NULL)
		return -1;
	memset(msg, 'x', sizeof msg);
	if (signing_key_sign(key, msg, sizeof msg, sig) != 0) {
		fail(cause, "signing failed");
		goto done;
	}
	bench_timer_start(&t, r->lat, o->count, o->seconds);
	while (bench_timer_more(&t)) {
		/* A failure would mean the figure measures the wrong path. */
		if (!ed25519_verify(signing_key_public(key), msg, sizeof msg,
			sig)) {
			fail(cause, "a good signature failed to verify");
			goto done;
		}
		bench_timer_done(&t);
	}
	r->elapsed_us = bench_timer_elapsed(&t);
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
	struct bench_timer t;
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

	bench_timer_start(&t, r->lat, o->count, o->seconds);
	while (bench_timer_more(&t)) {
		/* Ids are hashes: the index sees random keys, as in a
		 * store. */
		sha256(&t.n, sizeof t.n, id);
		if (sql_step(db, begin, cause) != 0)
			goto done;
		sqlite3_bind_blob(insert, 1, id, sizeof id, SQLITE_STATIC);
		sqlite3_bind_blob(insert, 2, raw, sizeof raw, SQLITE_STATIC);
		if (sql_step(db, insert, cause) != 0 ||
		    sql_step(db, commit, cause) != 0)
			goto done;
		bench_timer_done(&t);
	}
	r->elapsed_us = bench_timer_elapsed(&t);
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

/* journal.add from that many client threads at once. Returns 0, or -1
 * with *cause set if any request failed. */
static int
bench_node(const struct bench_opts *o, int clients, struct bench_result *r,
    char **cause)
{
	struct bench_writers w = { .dir = o->dir, .clients = clients,
		.count = o->count, .seconds = o->seconds };
	int64_t start;
	int rc;

	rc = bench_writers_run(&w, r->lat, &start, cause);
	r->elapsed_us = time_mono_us() - start;
	return rc;
}

/* The node's entry count, to check that every acknowledged append is
 * stored. Returns 0, or -1 with *cause set. */
static int
bench_node_entries(const char *dir, int64_t *entries, char **cause)
{
	ctl_client_t *client = ctl_client_new(dir, cause);
	int rc;

	if (client == NULL)
		return -1;
	rc = bench_status_int(client, dir, "entries", entries, cause);
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
	size_t acked;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "d:n:c:s:h")) != -1) {
		switch (opt) {
		case 'd':
			dir_flag = optarg;
			break;
		case 'n':
			o.count = (size_t)bench_parse_number(optarg, 1,
			    BENCH_COUNT_MAX, "count");
			break;
		case 'c':
			o.clients = (int)bench_parse_number(optarg, 1,
			    BENCH_CLIENTS_MAX, "client count");
			break;
		case 's':
			o.seconds = (int)bench_parse_number(optarg, 1,
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
	bench_table_header(&table);
	for (int i = 0; i < NFIGURES; i++)
		bench_table_row(&table, fig[i].what, fig[i].unit, &fig[i].st);

	r1 = xstrdup("node appends/s, 1 client ÷ raw SQLite FULL commits/s");
	r2 = xasprintf("node appends/s, %d client%s ÷ raw SQLite FULL "
		       "commits/s", o.clients, o.clients == 1 ? "" : "s");
	bench_table_ratio_header(&table);
	bench_table_ratio(&table, r1, fig[NODE_1].st.rate,
	    fig[SQL_FULL].st.rate);
	bench_table_ratio(&table, r2, fig[NODE_N].st.rate,
	    fig[SQL_FULL].st.rate);
	free(r1);
	free(r2);
	r1 = xstrdup("node appends/s, 1 client ÷ raw signing/s");
	r2 = xasprintf("node appends/s, %d client%s ÷ raw signing/s",
	    o.clients, o.clients == 1 ? "" : "s");
	bench_table_ratio(&table, r1, fig[NODE_1].st.rate, fig[SIGN].st.rate);
	bench_table_ratio(&table, r2, fig[NODE_N].st.rate, fig[SIGN].st.rate);

	/* An acknowledged append that is not stored would make every figure
	 * above meaningless. */
	acked = fig[NODE_1].st.ops + fig[NODE_N].st.ops;
	printf("\nstore check: %" PRId64 " entries before, %" PRId64
	       " after, %zu appends acknowledged: %s\n",
	    before, after, acked,
	    after - before == (int64_t)acked ? "ok" : "MISMATCH");
	if (after - before != (int64_t)acked) {
		fail(&cause, "the node stored %" PRId64 " entries for %zu "
			     "acknowledged appends (another writer, or lost "
			     "appends)",
		    after - before, acked);
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
		bench_samples_destroy(&fig[i].lat);
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
