/* What the benchmarks share: journal.add from many control clients at
 * once, the latencies they and every other timed operation leave, and the
 * table that shows them. bench/append and bench/mesh measure the same
 * appends, and their figures can only be set side by side if both take
 * them the same way. */
#ifndef IOE_BENCH_H
#define IOE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_client.h"

#define BENCH_COUNT_MAX 10000000
#define BENCH_SECONDS_MAX 3600
/* Journal text: a short field report. */
#define BENCH_TEXT_SIZE 100
/* Per control request, as ioectl waits by default. */
#define BENCH_TIMEOUT_MS 10000

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
};

void bench_table_header(const struct bench_table *t);
void bench_table_row(const struct bench_table *t, const char *figure,
    const char *unit, const struct bench_stats *st);
void bench_table_ratio_header(const struct bench_table *t);
/* num / den, or "-" where that means nothing (den 0, num unknown). */
void bench_table_ratio(const struct bench_table *t, const char *what,
    double num, double den);

/* --- writers ------------------------------------------------------------ */

/* Told, in a writer's thread, of each entry the writers added: its id and
 * when its journal.add went out. */
typedef void bench_added_fn(void *arg, const char *id, int64_t sent);

/* journal.add on the node at dir from that many clients at once, up to
 * count entries, for at most seconds. */
struct bench_writers {
	const char *dir;
	int clients;
	size_t count;
	int seconds;
	bench_added_fn *added;	/* NULL, or called for each entry */
	void *arg;		/* for added */
};

/* Runs w. Each client is one as ioectl is: a request, then its reply,
 * then the next; all start together, at *start (a time_mono_us()). The
 * latency of every acknowledged journal.add goes to lat, which has room
 * for w->count more. Returns 0, or -1 with *cause set if any request
 * failed (what was done is still in lat). */
int bench_writers_run(const struct bench_writers *w, bench_samples_t *lat,
    int64_t *start, char **cause);

#endif
