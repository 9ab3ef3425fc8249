/* What the benchmarks share (see bench.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "ctl_client.h"
#include "util.h"

long long
bench_parse_number(const char *s, long long min, long long max,
    const char *what)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max) {
		fprintf(stderr, "%s: bad %s '%s': use %lld..%lld\n", bench_prog,
		    what, s, min, max);
		exit(2);
	}
	return n;
}

int64_t
bench_deadline(int64_t start, int seconds)
{
	return start + (int64_t)seconds * 1000000;
}

void
bench_text(char *text, int client, size_t n)
{
	/* The pid: two runs on one node write different texts. */
	int len = snprintf(text, BENCH_TEXT_SIZE + 1,
	    "bench %s: client %d, entry %zu, pid %ld ", bench_prog, client, n,
	    (long)getpid());

	if (len >= 0 && (size_t)len < BENCH_TEXT_SIZE)
		memset(text + len, '.', BENCH_TEXT_SIZE - (size_t)len);
	text[BENCH_TEXT_SIZE] = '\0';
}

int
bench_status_int(ctl_client_t *client, const char *dir, const char *field,
    int64_t *v, char **cause)
{
	json_t *result = NULL;
	json_int_t n;
	char *code = NULL;
	int rc = -1;

	if (ctl_client_call(client, "status", NULL, BENCH_TIMEOUT_MS, &result,
		&code, cause) != CTL_OK)
		goto done;
	if (json_unpack(result, "{s:I}", field, &n) != 0) {
		fail(cause, "the status of '%s' has no '%s'", dir, field);
		goto done;
	}
	*v = n;
	rc = 0;
done:
	free(code);
	json_decref(result);
	return rc;
}

/* --- latency samples ---------------------------------------------------- */

struct bench_samples {
	size_t max;
	/* A slot is taken per sample, so that threads adding at once each
	 * write their own. */
	atomic_size_t n;
	/* n when last sorted: the percentiles of a figure sort once. */
	size_t sorted;
	int64_t v[];
};

bench_samples_t *
bench_samples_new(size_t max)
{
	bench_samples_t *self =
	    xcalloc(1, sizeof *self + max * sizeof self->v[0]);

	self->max = max;
	atomic_init(&self->n, 0);
	return self;
}

void
bench_samples_destroy(bench_samples_t **self_p)
{
	free(*self_p);
	*self_p = NULL;
}

void
bench_samples_add(bench_samples_t *self, int64_t us)
{
	size_t slot = atomic_fetch_add(&self->n, 1);

	if (slot >= self->max)
		abort();
	self->v[slot] = us;
}

size_t
bench_samples_count(const bench_samples_t *self)
{
	return atomic_load(&self->n);
}

static int
bench_compare(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t
bench_samples_percentile(bench_samples_t *self, size_t pct)
{
	size_t n = bench_samples_count(self), rank = (n * pct + 99) / 100;

	if (n == 0)
		return -1;
	if (self->sorted != n) {
		qsort(self->v, n, sizeof self->v[0], bench_compare);
		self->sorted = n;
	}
	return self->v[rank == 0 ? 0 : rank - 1];
}

void
bench_timer_start(struct bench_timer *t, bench_samples_t *lat, size_t count,
    int seconds)
{
	memset(t, 0, sizeof *t);
	t->lat = lat;
	t->count = count;
	t->start = t->t0 = time_mono_us();
	t->deadline = bench_deadline(t->start, seconds);
}

bool
bench_timer_more(const struct bench_timer *t)
{
	return t->n < t->count && t->t0 < t->deadline && !zsys_interrupted;
}

void
bench_timer_done(struct bench_timer *t)
{
	/* One reading ends an operation and starts the next: nothing
	 * between them goes untimed. */
	int64_t t1 = time_mono_us();

	bench_samples_add(t->lat, t1 - t->t0);
	t->t0 = t1;
	t->n++;
}

int64_t
bench_timer_elapsed(const struct bench_timer *t)
{
	return t->t0 - t->start;
}

/* --- the table ---------------------------------------------------------- */

void
bench_stats_set(struct bench_stats *st, size_t ops, int64_t elapsed_us,
    bench_samples_t *lat)
{
	memset(st, 0, sizeof *st);
	st->ops = ops;
	st->secs = elapsed_us / 1e6;
	st->rate = elapsed_us > 0 ? (double)ops * 1e6 / elapsed_us : 0;
	st->p50 = lat != NULL ? bench_samples_percentile(lat, 50) : -1;
	st->p99 = lat != NULL ? bench_samples_percentile(lat, 99) : -1;
}

void
bench_table_header(const struct bench_table *t)
{
	/* "µs" is three bytes for two columns: one more byte of width. */
	printf("%-*s %*s %7s %9s  %-*s %*s %*s\n", t->figure, "figure", t->ops,
	    "ops", "secs", "rate", t->unit, "unit", t->lat + 1, "p50 µs",
	    t->lat + 1, "p99 µs");
}

void
bench_table_row(const struct bench_table *t, const char *figure,
    const char *unit, const struct bench_stats *st)
{
	char p50[24] = "-", p99[24] = "-";

	if (st->p50 >= 0)
		snprintf(p50, sizeof p50, "%" PRId64, st->p50);
	if (st->p99 >= 0)
		snprintf(p99, sizeof p99, "%" PRId64, st->p99);
	printf("%-*s %*zu %7.2f %9.0f  %-*s %*s %*s\n", t->figure, figure,
	    t->ops, st->ops, st->secs, st->rate, t->unit, unit, t->lat, p50,
	    t->lat, p99);
}

void
bench_table_ratio_header(const struct bench_table *t)
{
	printf("\n%-*s %8s\n", t->ratio, "ratio", "value");
}

void
bench_table_ratio(const struct bench_table *t, const char *what, double num,
    double den)
{
	if (den > 0 && num >= 0)
		printf("%-*s %8.*f\n", t->ratio, what, t->decimals, num / den);
	else
		printf("%-*s %8s\n", t->ratio, what, "-");
}

/* --- writers ------------------------------------------------------------ */

/* What the client threads of one run share. */
struct pool {
	const struct bench_writers *w;
	int64_t deadline_us;	/* set before go */
	/* A ticket is taken before each request, so that no more than count
	 * are sent; a sample is added after each reply, so that the
	 * latencies kept are exactly those of the requests that
	 * succeeded. */
	atomic_size_t tickets;
	atomic_bool stop;
	bench_samples_t *lat;
	pthread_mutex_t lock;	/* for the fields below */
	pthread_cond_t cond;	/* ready or go changed */
	int ready;		/* clients connected (or given up) */
	bool go;		/* all ready, deadline set: start */
	size_t errors;
	char *cause;		/* the first error */
};

struct pool_client {
	struct pool *pool;
	int index;
	pthread_t thread;
};

static void
pool_error(struct pool *p, char *cause)
{
	pthread_mutex_lock(&p->lock);
	p->errors++;
	if (p->cause == NULL) {
		p->cause = cause;
		cause = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	free(cause);
	/* The others would meet the same fault, one time-out each. */
	atomic_store(&p->stop, true);
}

static void *
pool_client_run(void *arg)
{
	struct pool_client *c = arg;
	struct pool *p = c->pool;
	char text[BENCH_TEXT_SIZE + 1], *cause = NULL, *code = NULL;
	json_t *result = NULL;
	ctl_client_t *client;
	const char *id;
	int64_t t0, t1;
	size_t ticket;

	client = ctl_client_new(p->w->dir, &cause);
	/* ZeroMQ connects lazily: a first round trip here keeps the
	 * connection set-up out of the figure. */
	if (client != NULL &&
	    ctl_client_call(client, "status", NULL, BENCH_TIMEOUT_MS, &result,
		&code, &cause) != CTL_OK)
		ctl_client_destroy(&client);
	json_decref(result);
	result = NULL;
	free(code);
	code = NULL;
	if (client == NULL) {
		pool_error(p, cause);
		cause = NULL;
	}
	/* All start together, so the rate is that of clients at once. */
	pthread_mutex_lock(&p->lock);
	p->ready++;
	pthread_cond_broadcast(&p->cond);
	while (!p->go)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);

	while (client != NULL && !atomic_load(&p->stop) && !zsys_interrupted) {
		ticket = atomic_fetch_add(&p->tickets, 1);
		if (ticket >= p->w->count ||
		    (t0 = time_mono_us()) >= p->deadline_us)
			break;
		bench_text(text, c->index, ticket);
		if (ctl_client_call(client, "journal.add",
			json_pack("{s:s}", "text", text), BENCH_TIMEOUT_MS,
			&result, &code, &cause) != CTL_OK) {
			pool_error(p, cause);
			cause = NULL;
			free(code);
			code = NULL;
			break;
		}
		t1 = time_mono_us();
		if (json_unpack(result, "{s:s}", "id", &id) != 0) {
			pool_error(p, xstrdup("journal.add gave no id"));
			json_decref(result);
			break;
		}
		if (p->w->added != NULL)
			p->w->added(p->w->arg, id, t0);
		json_decref(result);
		bench_samples_add(p->lat, t1 - t0);
	}
	ctl_client_destroy(&client);
	return NULL;
}

int
bench_writers_run(const struct bench_writers *w, bench_samples_t *lat,
    int64_t *start, char **cause)
{
	struct pool_client *c = xcalloc((size_t)w->clients, sizeof *c);
	struct pool p;
	int started, err, rc = 0;

	memset(&p, 0, sizeof p);
	p.w = w;
	p.lat = lat;
	atomic_init(&p.tickets, 0);
	atomic_init(&p.stop, false);
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	for (started = 0; started < w->clients; started++) {
		c[started].pool = &p;
		c[started].index = started + 1;
		if ((err = pthread_create(&c[started].thread, NULL,
			 pool_client_run, &c[started])) != 0) {
			/* Those started are told to stop at once. */
			pool_error(&p, xasprintf("cannot start client thread "
						 "%d: %s",
			    started + 1, strerror(err)));
			break;
		}
	}
	pthread_mutex_lock(&p.lock);
	while (p.ready < started)
		pthread_cond_wait(&p.cond, &p.lock);
	*start = time_mono_us();
	p.deadline_us = bench_deadline(*start, w->seconds);
	p.go = true;
	pthread_cond_broadcast(&p.cond);
	pthread_mutex_unlock(&p.lock);
	for (int i = 0; i < started; i++)
		pthread_join(c[i].thread, NULL);

	if (p.errors > 0)
		rc = fail(cause, "%zu of %d clients failed, the first with: %s",
		    p.errors, w->clients, p.cause);
	free(p.cause);
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
	free(c);
	return rc;
}
