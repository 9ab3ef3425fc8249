/* What the benchmarks share: writes from many control clients at once,
 * the latencies they and every other timed operation leave, the table that
 * shows them, the event watch that times each entry's arrival at each
 * node, and the ZeroMQ round trip the figures are set beside. bench/append,
 * bench/mesh and bench/chat measure the same things, and their figures can
 * only be set side by side if all take them the same way. */
#ifndef IOE_BENCH_H
#define IOE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>
#include <stdatomic.h>

#include <czmq.h>
#include <jansson.h>

#include "ctl_client.h"
#include "entry.h"

#define BENCH_NODES_MAX 64
#define BENCH_COUNT_MAX 10000000
#define BENCH_SECONDS_MAX 3600
/* A journal or chat text: a short field report. */
#define BENCH_TEXT_SIZE 100
/* Per control request, as ioectl waits by default. */
#define BENCH_TIMEOUT_MS 10000
/* An entry that has not reached every node by then is counted lost. */
#define BENCH_ENTRY_WAIT_US 10000000
#define BENCH_POLL_US 20000	/* catch-up and settle poll period */
/* The quiet time over which a topology's background traffic (pings,
 * gossip, summaries) is measured, to be told apart from the entries'. */
#define BENCH_IDLE_US 2000000
/* Ports for the programs a benchmark starts on 127.0.0.1: under the
 * kernel's ephemeral range (32768 and up), so that outgoing connections
 * do not take them meanwhile. */
#define BENCH_PORT_LOW 20000
#define BENCH_PORT_HIGH 32000

/* The program's name, for messages: each program defines it. */
extern const char *const bench_prog;

/* The number s, which must lie in min..max; exits with a message naming
 * what it is otherwise, as a bad option does. */
long long bench_parse_number(const char *s, long long min, long long max,
    const char *what);
/* The time after which no new operation of a figure started at start
 * (a time_mono_us()) may begin. */
int64_t bench_deadline(int64_t start, int seconds);
/* A journal text of exactly BENCH_TEXT_SIZE bytes into text (which holds
 * one more), different for each client and n. */
void bench_text(char *text, int client, size_t n);
/* The integer field of the status of the node at dir (named in
 * messages). Returns 0, or -1 with *cause set. */
int bench_status_int(ctl_client_t *client, const char *dir, const char *field,
    int64_t *v, char **cause);

/* --- latency samples ---------------------------------------------------- */

typedef struct bench_samples bench_samples_t;

/* Room for max samples, in µs. Caller owns return value. */
bench_samples_t *bench_samples_new(size_t max);
void bench_samples_destroy(bench_samples_t **self_p);
/* Adds one; safe from several threads at once. Aborts past max, which
 * the caller's bound on its operations is there to prevent. */
void bench_samples_add(bench_samples_t *self, int64_t us);
size_t bench_samples_count(const bench_samples_t *self);
/* Nearest rank, once no more are added. Returns µs, or -1 if there are
 * none. */
int64_t bench_samples_percentile(bench_samples_t *self, size_t pct);

/* One operation after another in this thread, each timed:
 *
 *	bench_timer_start(&t, lat, count, seconds);
 *	while (bench_timer_more(&t)) {
 *		(operation number t.n)
 *		bench_timer_done(&t);
 *	}
 */
struct bench_timer {
	bench_samples_t *lat;
	size_t count;
	size_t n;		/* operations done */
	int64_t start, deadline;
	int64_t t0;		/* when the operation under way started */
};

/* Up to count operations, none started after seconds; their latencies go
 * to lat, which has room for count more. */
void bench_timer_start(struct bench_timer *t, bench_samples_t *lat,
    size_t count, int seconds);
/* True if another operation may start. */
bool bench_timer_more(const struct bench_timer *t);
/* Ends an operation: its latency is kept and the next starts now. */
void bench_timer_done(struct bench_timer *t);
/* From the start to the end of the last operation, in µs. */
int64_t bench_timer_elapsed(const struct bench_timer *t);

/* --- the table ---------------------------------------------------------- */

/* What the table shows of one figure. */
struct bench_stats {
	size_t ops;
	double secs;
	double rate;		/* ops per second */
	int64_t p50, p99;	/* µs; -1: none */
};

/* ops done in elapsed_us, with their latencies in lat (may be NULL: none
 * were taken). */
void bench_stats_set(struct bench_stats *st, size_t ops, int64_t elapsed_us,
    bench_samples_t *lat);

/* Column widths, in bytes, of a program's table. */
struct bench_table {
	int figure;		/* a figure's name */
	int ops;
	int unit;
	int lat;		/* each of p50 and p99 */
	int ratio;		/* a ratio's name */
	int decimals;		/* of a ratio */
	int rate_decimals;	/* of a rate */
};

void bench_table_header(const struct bench_table *t);
void bench_table_row(const struct bench_table *t, const char *figure,
    const char *unit, const struct bench_stats *st);
void bench_table_ratio_header(const struct bench_table *t);
/* num / den, or "-" where that means nothing (den 0, num unknown). */
void bench_table_ratio(const struct bench_table *t, const char *what,
    double num, double den);

/* --- requests that write ----------------------------------------------- */

/* What a writer sends for each text: method, with the params that
 * params(arg, text) makes (the request takes them). Its result names the
 * entry written in "id". */
struct bench_req {
	const char *method;
	json_t *(*params)(void *arg, const char *text);
	void *arg;
};

/* journal.add {"text"}. */
extern const struct bench_req bench_journal_add;

/* Sends req for text on client and waits for the reply; the id of the
 * entry written goes to id. Returns 0, or -1 with *cause set. */
int bench_req_send(const struct bench_req *req, ctl_client_t *client,
    const char *text, char id[2 * ENTRY_ID_SIZE + 1], char **cause);

/* --- writers ------------------------------------------------------------ */

/* Told, in a writer's thread, of each entry the writers added: its id and
 * when its request went out. */
typedef void bench_added_fn(void *arg, const char *id, int64_t sent);

/* req (NULL: journal.add) on the node at dir from that many clients at
 * once, up to count entries, for at most seconds. */
struct bench_writers {
	const char *dir;
	const struct bench_req *req;
	int clients;
	size_t count;
	int seconds;
	bench_added_fn *added;	/* NULL, or called for each entry */
	void *arg;		/* for added */
};

/* Runs w. Each client is one as ioectl is: a request, then its reply,
 * then the next; all start together, at *start (a time_mono_us()). The
 * latency of every acknowledged request goes to lat, which has room
 * for w->count more. Returns 0, or -1 with *cause set if any request
 * failed (what was done is still in lat). */
int bench_writers_run(const struct bench_writers *w, bench_samples_t *lat,
    int64_t *start, char **cause);

/* --- rows, notes and the results file ----------------------------------- */

/* A figure: one row of the table. */
struct bench_row {
	char *key;
	char *label;
	char *figure;
	char *unit;		/* of the rate */
	struct bench_stats st;
	int hops;
};

/* Sets r to a figure (taken) of ops done in elapsed_us, their latencies in
 * lat (may be NULL). */
void bench_row_set(struct bench_row *r, const char *key, const char *label,
    char *figure, const char *unit, bench_samples_t *lat, size_t ops,
    int64_t elapsed_us);
void bench_row_free(struct bench_row *r);

/* What a command hands to FILE: its rows, then its notes. */
struct bench_out {
	struct bench_row rows[16];
	size_t nrows;
	char *notes[32];
	size_t nnotes;
};

/* The next row; aborts past the room there is. */
struct bench_row *bench_out_row(struct bench_out *o);
/* A note under key; past the room there is, it is left out. */
void bench_out_note(struct bench_out *o, const char *key, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/* Appends the rows and notes to the file at path (NULL: nowhere), one
 * line each, tab-separated:
 *   row KEY LABEL OPS SECS RATE P50 P99 HOPS UNIT FIGURE
 *   note KEY TEXT
 * Returns 0, or -1 with *cause set. */
int bench_out_write(struct bench_out *o, const char *path, char **cause);
void bench_out_free(struct bench_out *o);

/* Ends one step of a program with steps (mesh rtt, chat run, ...): says
 * why it failed (cause, taken, may be NULL), writes what it measured to
 * path even when a figure failed, and frees out. Returns the exit
 * status: 0 if run_rc was 0 and the results were written. */
int bench_step_done(const char *step, int run_rc, char *cause,
    struct bench_out *out, const char *path);

/* What a results file holds: the rows and notes of bench_out_write, and
 * "info KEY TEXT" lines that the scripts write. */
struct bench_report {
	struct bench_row *rows;
	size_t nrows;
	char **notes;
	size_t nnotes;
	char **info;		/* as printed */
	size_t ninfo;
};

/* Returns 0, or -1 with *cause set. */
int bench_report_read(struct bench_report *rep, const char *path,
    char **cause);
void bench_report_free(struct bench_report *rep);
/* The title, the info, the table of the figures, then the reference
 * ones (keys "rtt." and "ref.") under their own heading. */
void bench_report_print_figures(const struct bench_report *rep,
    const struct bench_table *t, const char *title);
/* The notes, each once. */
void bench_report_print_notes(const struct bench_report *rep);
/* Of the rows whose key starts with prefix, the one of the lowest p50:
 * the least disturbed by whatever else the machine ran. NULL if none. */
const struct bench_row *bench_report_best(const struct bench_report *rep,
    const char *prefix);
const struct bench_row *bench_report_find(const struct bench_report *rep,
    const char *key);

/* --- nodes -------------------------------------------------------------- */

/* The node's name as the table shows it: the last part of its
 * directory. */
const char *bench_node_name(const char *dir);
/* One call with params (taken; may be NULL) on a fresh client: status,
 * ledger.heads, peers. Returns the result, or NULL with *cause set. */
json_t *bench_call(const char *dir, const char *method, json_t *params,
    char **cause);
/* The same, waiting timeout_ms for the reply. */
json_t *bench_call_wait(const char *dir, const char *method, json_t *params,
    int timeout_ms, char **cause);
/* Gives the node at dir the user of that name, unless it has it there.
 * Returns 0, or -1 with *cause set. */
int bench_user(const char *dir, const char *user, char **cause);
/* A counter of the node's links, summed over them: "dropped" (messages
 * dropped because a send queue was full) or "bytes_in". Returns -1 if
 * unknown. */
int64_t bench_peers_sum(const char *dir, const char *field);
/* The node's heads as author -> seq. Returns NULL with *cause set. */
json_t *bench_heads(const char *dir, char **cause);
/* Waits until the n nodes at dirs hold the same heads, for at most
 * seconds, so that no replication of older entries runs under a figure.
 * Returns 0, or -1 with *cause set. */
int bench_settle(int n, char **dirs, int seconds, char **cause);

/* --- what the nodes spent ----------------------------------------------- */

/* CPU time of all the nodes' threads and bytes their links took in. */
struct bench_usage {
	int64_t t;		/* time_mono_us() of the reading */
	int64_t *cpu_ns;	/* per node; -1 unknown */
	int64_t *bytes_in;	/* per node; -1 unknown */
};

void bench_usage_read(struct bench_usage *u, int n, char **dirs);
/* The threads of a daemon: its main loop, ZeroMQ's I/O (where CURVE
 * encrypts and decrypts), the others. */
enum bench_thread { BENCH_THREAD_MAIN, BENCH_THREAD_IO, BENCH_THREAD_OTHER,
	BENCH_THREAD_N };
/* CPU time so far of the daemon of dir, in ns, by thread. Returns 0, or
 * -1 if unknown. */
int bench_threads_cpu(const char *dir, int64_t ns[BENCH_THREAD_N]);
/* CPU time so far of every thread of the daemon of dir (schedstat: ns
 * on the CPU), or -1. */
int64_t bench_cpu_ns(const char *dir);
void bench_usage_free(struct bench_usage *u);
/* A note on what each node spent per entry between a and b, less what
 * the idle rate between i0 and i1 (may be NULL) accounts for; with
 * first_apart, the first node's apart from the others'. */
void bench_usage_note(struct bench_out *out, const char *key,
    const char *label, int n, char **dirs, const struct bench_usage *a,
    const struct bench_usage *b, const struct bench_usage *i0,
    const struct bench_usage *i1, size_t entries, bool first_apart);
/* A note on what the nodes spend with nothing to carry. */
void bench_usage_idle_note(struct bench_out *out, const char *key,
    const char *label, int n, const struct bench_usage *i0,
    const struct bench_usage *i1);

/* --- the event watch -----------------------------------------------------
 * A thread subscribed to every node's event socket notes, for each entry
 * id, when each node published it. */

struct bench_rec {
	int64_t sent;		/* when its request went out; 0: not ours */
	int got;		/* nodes that published it */
	int64_t at[];		/* per node; 0: not yet */
};

struct bench_watch {
	int n;
	char **dirs;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock;	/* for what follows */
	pthread_cond_t cond;	/* ready, or a record of ours completed */
	int ready;		/* 1 subscribed, -1 failed */
	char *cause;
	zhashx_t *recs;		/* id (hex) -> struct bench_rec */
	struct bench_rec **ours;	/* in the order they were claimed */
	size_t nours, capours;
	size_t complete;	/* of ours, published by every node */
	size_t *events;		/* per node */
	size_t foreign;		/* events not ours (other entries) */
};

/* Watches the n nodes at dirs (kept), once subscribed to every one.
 * Returns NULL with *cause set. */
struct bench_watch *bench_watch_new(int n, char **dirs, char **cause);
void bench_watch_destroy(struct bench_watch **w_p);
/* Marks id as an entry this program wrote, sent at sent. Returns its
 * record, which lives as long as the watch. */
struct bench_rec *bench_watch_claim(struct bench_watch *w, const char *id,
    int64_t sent);
/* Waits until r reached every node or deadline. Returns true if it
 * did. */
bool bench_watch_wait_rec(struct bench_watch *w, struct bench_rec *r,
    int64_t deadline);
/* Waits until every claimed entry reached every node, or deadline.
 * Returns the number that did. */
size_t bench_watch_wait_all(struct bench_watch *w, int64_t deadline);
/* Names of the nodes that have not published r, for a message. Caller
 * frees. */
char *bench_watch_missing(struct bench_watch *w, const struct bench_rec *r);
/* A bench_added_fn for writers whose entries the watch (arg) is to
 * claim as they are acknowledged. */
void bench_watch_added(void *arg, const char *id, int64_t sent);
/* First entries, not counted: req (NULL: journal.add) on client, the
 * first node's, until one reaches every node. Returns 0, or -1 with
 * *cause set. */
int bench_warmup(struct bench_watch *w, ctl_client_t *client,
    const struct bench_req *req, const char *origin, char **cause);

/* --- processes ----------------------------------------------------------
 * Only the processes a benchmark started are ever signalled: a child by
 * the pid it has, a detached daemon by the pid it wrote once checked to be
 * an ioed serving its directory. */

/* Runs argv (argv[0] a path) and waits until it exits, for at most
 * wait_us (then SIGKILL); with quiet, its standard output goes to
 * /dev/null. If this program is interrupted meanwhile, the child gets
 * SIGTERM and a short while to exit. Returns 0 if it exited 0, or -1
 * with *cause set. */
int bench_run(char **argv, bool quiet, int64_t wait_us, char **cause);
/* Runs the command that starts a detached ioed, which returns once the
 * daemon is ready. Returns 0, or -1 with *cause set. */
int bench_start(char **argv, char **cause);
/* Stops the daemon of dir by the pid it wrote: SIGTERM, then SIGKILL if
 * it is still there after a while. Returns 0, or -1 with *cause set. */
int bench_stop(const char *dir, char **cause);
/* A port of 127.0.0.1 free for TCP and UDP now, in
 * BENCH_PORT_LOW..BENCH_PORT_HIGH - 1, and not given out before by this
 * program. Returns it, or -1 with *cause set. */
int bench_port(char **cause);

/* --- a program's own nodes and results ------------------------------------
 * For the programs that start their nodes themselves (bench/files,
 * bench/voice) rather than from a script. */

/* pki commands, and the links coming up. */
#define BENCH_SETUP_WAIT_US 30000000

/* A node a program starts on 127.0.0.1. */
struct bench_node {
	const char *name;
	char *dir;
	int port;		/* it listens on */
};

/* Starts node n listening on its port, linked to peer (may be NULL). A
 * port taken since it was found free is replaced, a few times. Returns 0,
 * or -1 with *cause set. */
int bench_node_start(const char *ioed, struct bench_node *n,
    const struct bench_node *peer, char **cause);
/* Runs the words of head then those of args (both NULL-terminated),
 * with bench_run. */
int bench_exec(char **head, char **args, bool quiet, int64_t wait_us,
    char **cause);
/* ioectl -d DIR ARGS... with its output silenced. */
int bench_ioectl(const char *ioectl, const char *dir, char **args,
    char **cause);
/* The number of links of the node at dir that are up, or -1. */
int64_t bench_links_up(const char *dir);
/* The paths of ioed and ioectl (caller frees both, even on failure), in
 * the build: $IOE_BUILD_DIR, else the one above this program's. Returns
 * 0, or -1 with *cause set if either is missing. */
int bench_programs(char **ioed, char **ioectl, char **cause);
/* A new directory $TMPDIR/ioe-PROG.XXXXXX (/tmp without TMPDIR). Returns
 * it (caller frees), or NULL with *cause set. */
char *bench_tmpdir(char **cause);
/* Removes the directory at path (may be NULL) and everything under it,
 * as far as it can; with keep, says where it is instead. */
void bench_tmpdir_done(const char *path, bool keep);
/* Stops the daemon of each of the n dirs (NULL: none) that wrote a pid;
 * failures are said, not returned. */
void bench_stop_all(int n, char **dirs);
/* Appends "info KEY TEXT" to the results file at path. */
void bench_info(const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An info line of the load average now, under key; when says when
 * ("at the start"). */
void bench_load(const char *results, const char *key, const char *when);
/* user on each of the n nodes at dirs, all in room, which the first node
 * creates with topic, and every node holding all of it, each wait
 * bounded by seconds. Returns 0, or -1 with *cause set. */
int bench_room_setup(int n, char **dirs, const char *room, const char *user,
    const char *topic, int seconds, char **cause);

/* --- the ZeroMQ reference ------------------------------------------------ */

/* Round trips of size-byte messages over a REQ/REP pair on loopback port,
 * plain or with CURVE, up to count in seconds, after a few not counted.
 * The figure goes to row, with key and label, and its name says what
 * was measured, with label. Returns 0, or -1 with *cause set. */
int bench_rtt(int port, bool curve, size_t size, size_t count, int seconds,
    const char *key, const char *label, struct bench_row *row,
    char **cause);
/* A stream of size-byte messages from a DEALER to a ROUTER on loopback
 * port, plain or with CURVE, total bytes in all, sent as fast as they go
 * for at most seconds, after a handshake not counted, as a link of the
 * mesh carries a burst. The figure (rate in MB/s, 10^6 bytes) goes to
 * row, with key and label. Returns 0, or -1 with *cause set. */
int bench_stream(int port, bool curve, size_t size, uint64_t total,
    int seconds, const char *key, const char *label, struct bench_row *row,
    char **cause);

#endif
