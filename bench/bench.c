/* What the benchmarks share (see bench.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "ctl_client.h"
#include "datadir.h"
#include "entry.h"
#include "proto.h"
#include "util.h"

#define BENCH_RTT_WARMUP 200
#define BENCH_STOP_WAIT_US 15000000
#define BENCH_START_WAIT_US 30000000

extern char **environ;

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
	printf("%-*s %*zu %7.2f %9.*f  %-*s %*s %*s\n", t->figure, figure,
	    t->ops, st->ops, st->secs, t->rate_decimals, st->rate, t->unit,
	    unit, t->lat, p50, t->lat, p99);
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

/* --- requests that write ------------------------------------------------ */

static json_t *
bench_journal_params(void *arg, const char *text)
{
	(void)arg;
	return json_pack("{s:s}", "text", text);
}

const struct bench_req bench_journal_add = { "journal.add",
	bench_journal_params, NULL };

int
bench_req_send(const struct bench_req *req, ctl_client_t *client,
    const char *text, char id[2 * ENTRY_ID_SIZE + 1], char **cause)
{
	json_t *result = NULL;
	const char *got;
	char *code = NULL;
	int rc = -1;

	if (req == NULL)
		req = &bench_journal_add;
	if (ctl_client_call(client, req->method, req->params(req->arg, text),
		BENCH_TIMEOUT_MS, &result, &code, cause) != CTL_OK)
		goto done;
	if (json_unpack(result, "{s:s}", "id", &got) != 0 ||
	    strlen(got) != 2 * ENTRY_ID_SIZE) {
		fail(cause, "%s gave no id", req->method);
		goto done;
	}
	memcpy(id, got, 2 * ENTRY_ID_SIZE + 1);
	rc = 0;
done:
	free(code);
	json_decref(result);
	return rc;
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
	char id[2 * ENTRY_ID_SIZE + 1];
	json_t *result = NULL;
	ctl_client_t *client;
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
		if (bench_req_send(p->w->req, client, text, id, &cause) != 0) {
			pool_error(p, cause);
			cause = NULL;
			break;
		}
		t1 = time_mono_us();
		if (p->w->added != NULL)
			p->w->added(p->w->arg, id, t0);
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

/* --- rows, notes and the results file ----------------------------------- */

void
bench_row_set(struct bench_row *r, const char *key, const char *label,
    char *figure, const char *unit, bench_samples_t *lat, size_t ops,
    int64_t elapsed_us)
{
	memset(r, 0, sizeof *r);
	r->key = xstrdup(key);
	r->label = xstrdup(label);
	r->figure = figure;
	r->unit = xstrdup(unit);
	bench_stats_set(&r->st, ops, elapsed_us, lat);
}

void
bench_row_free(struct bench_row *r)
{
	free(r->key);
	free(r->label);
	free(r->figure);
	free(r->unit);
	memset(r, 0, sizeof *r);
}

struct bench_row *
bench_out_row(struct bench_out *o)
{
	if (o->nrows == sizeof o->rows / sizeof o->rows[0])
		abort();
	return &o->rows[o->nrows++];
}

void
bench_out_note(struct bench_out *o, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (o->nnotes == sizeof o->notes / sizeof o->notes[0])
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	o->notes[o->nnotes++] = xasprintf("%s\t%s", key, text);
	free(text);
}

/* Tabs and newlines would break FILE's lines. */
static void
bench_clean(char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\t' || *s == '\n')
			*s = ' ';
	}
}

int
bench_out_write(struct bench_out *o, const char *path, char **cause)
{
	FILE *fp;
	int rc = 0;

	if (path == NULL)
		return 0;
	/* "e": a daemon this program starts must not keep the file. */
	if ((fp = fopen(path, "ae")) == NULL)
		return fail(cause, "cannot open '%s': %s", path,
		    strerror(errno));
	for (size_t i = 0; i < o->nrows; i++) {
		struct bench_row *r = &o->rows[i];

		bench_clean(r->label);
		bench_clean(r->figure);
		bench_clean(r->unit);
		fprintf(fp,
		    "row\t%s\t%s\t%zu\t%.6f\t%.3f\t%" PRId64 "\t%" PRId64
		    "\t%d\t%s\t%s\n",
		    r->key, r->label, r->st.ops, r->st.secs, r->st.rate,
		    r->st.p50, r->st.p99, r->hops, r->unit, r->figure);
	}
	for (size_t i = 0; i < o->nnotes; i++) {
		bench_clean(strchr(o->notes[i], '\t') + 1);
		fprintf(fp, "note\t%s\n", o->notes[i]);
	}
	if (fclose(fp) != 0)
		rc = fail(cause, "cannot write '%s': %s", path,
		    strerror(errno));
	return rc;
}

void
bench_out_free(struct bench_out *o)
{
	for (size_t i = 0; i < o->nrows; i++)
		bench_row_free(&o->rows[i]);
	for (size_t i = 0; i < o->nnotes; i++)
		free(o->notes[i]);
	memset(o, 0, sizeof *o);
}

int
bench_step_done(const char *step, int run_rc, char *cause,
    struct bench_out *out, const char *path)
{
	int rc = run_rc == 0 ? 0 : 1;

	if (cause != NULL)
		fprintf(stderr, "%s %s: %s\n", bench_prog, step, cause);
	free(cause);
	cause = NULL;
	/* What was measured is kept, even when a figure failed. */
	if (bench_out_write(out, path, &cause) != 0) {
		fprintf(stderr, "%s %s: %s\n", bench_prog, step, cause);
		rc = 1;
	}
	bench_out_free(out);
	free(cause);
	return rc;
}

/* Splits line at tabs into at most max fields. Returns the count. */
static int
bench_split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

int
bench_report_read(struct bench_report *rep, const char *path, char **cause)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;

	memset(rep, 0, sizeof *rep);
	if ((fp = fopen(path, "re")) == NULL)
		return fail(cause, "cannot open '%s': %s", path,
		    strerror(errno));
	while (getline(&line, &cap, fp) > 0) {
		char *f[11];
		int nf = bench_split(line, f, 11);

		if (strcmp(f[0], "row") == 0 && nf == 11) {
			struct bench_row *r;

			rep->rows = realloc(rep->rows,
			    (rep->nrows + 1) * sizeof *rep->rows);
			if (rep->rows == NULL)
				abort();
			r = &rep->rows[rep->nrows++];
			memset(r, 0, sizeof *r);
			r->key = xstrdup(f[1]);
			r->label = xstrdup(f[2]);
			r->st.ops = strtoull(f[3], NULL, 10);
			r->st.secs = strtod(f[4], NULL);
			r->st.rate = strtod(f[5], NULL);
			r->st.p50 = strtoll(f[6], NULL, 10);
			r->st.p99 = strtoll(f[7], NULL, 10);
			r->hops = atoi(f[8]);
			r->unit = xstrdup(f[9]);
			r->figure = xstrdup(f[10]);
		} else if (strcmp(f[0], "note") == 0 && nf >= 3) {
			rep->notes = realloc(rep->notes,
			    (rep->nnotes + 1) * sizeof *rep->notes);
			if (rep->notes == NULL)
				abort();
			rep->notes[rep->nnotes++] = xstrdup(f[2]);
		} else if (strcmp(f[0], "info") == 0 && nf >= 3) {
			char *text = xasprintf("  %-12s%s", f[1], f[2]);
			bool seen = false;

			/* Two runs of a script say the same things once. */
			for (size_t k = 0; k < rep->ninfo && !seen; k++)
				seen = strcmp(rep->info[k], text) == 0;
			if (seen) {
				free(text);
				continue;
			}
			rep->info = realloc(rep->info,
			    (rep->ninfo + 1) * sizeof *rep->info);
			if (rep->info == NULL)
				abort();
			rep->info[rep->ninfo++] = text;
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

void
bench_report_free(struct bench_report *rep)
{
	for (size_t i = 0; i < rep->nrows; i++)
		bench_row_free(&rep->rows[i]);
	free(rep->rows);
	for (size_t i = 0; i < rep->nnotes; i++)
		free(rep->notes[i]);
	free(rep->notes);
	for (size_t i = 0; i < rep->ninfo; i++)
		free(rep->info[i]);
	free(rep->info);
	memset(rep, 0, sizeof *rep);
}

/* A figure of the reference: what the same machine gave without ioe. */
static bool
bench_is_reference(const char *key)
{
	return strncmp(key, "rtt.", 4) == 0 || strncmp(key, "ref.", 4) == 0;
}

void
bench_report_print_figures(const struct bench_report *rep,
    const struct bench_table *t, const char *title)
{
	printf("%s\n", title);
	for (size_t i = 0; i < rep->ninfo; i++)
		printf("%s\n", rep->info[i]);
	printf("\n");
	bench_table_header(t);
	for (size_t i = 0; i < rep->nrows; i++)
		if (!bench_is_reference(rep->rows[i].key))
			bench_table_row(t, rep->rows[i].figure,
			    rep->rows[i].unit, &rep->rows[i].st);
	printf("\nreference, same run\n");
	for (size_t i = 0; i < rep->nrows; i++)
		if (bench_is_reference(rep->rows[i].key))
			bench_table_row(t, rep->rows[i].figure,
			    rep->rows[i].unit, &rep->rows[i].st);
}

void
bench_report_print_notes(const struct bench_report *rep)
{
	if (rep->nnotes > 0)
		printf("\nnotes\n");
	for (size_t i = 0; i < rep->nnotes; i++) {
		bool seen = false;

		/* Two runs of a command say the same things once. */
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(rep->notes[k], rep->notes[i]) == 0;
		if (!seen)
			printf("  %s\n", rep->notes[i]);
	}
}

const struct bench_row *
bench_report_best(const struct bench_report *rep, const char *prefix)
{
	const struct bench_row *best = NULL;

	for (size_t i = 0; i < rep->nrows; i++) {
		const struct bench_row *r = &rep->rows[i];

		if (strncmp(r->key, prefix, strlen(prefix)) == 0 &&
		    r->st.p50 > 0 && (best == NULL || r->st.p50 < best->st.p50))
			best = r;
	}
	return best;
}

const struct bench_row *
bench_report_find(const struct bench_report *rep, const char *key)
{
	for (size_t i = 0; i < rep->nrows; i++)
		if (strcmp(rep->rows[i].key, key) == 0)
			return &rep->rows[i];
	return NULL;
}

/* --- nodes -------------------------------------------------------------- */

const char *
bench_node_name(const char *dir)
{
	const char *slash = strrchr(dir, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : dir;
}

json_t *
bench_call_wait(const char *dir, const char *method, json_t *params,
    int timeout_ms, char **cause)
{
	ctl_client_t *client = ctl_client_new(dir, cause);
	json_t *result = NULL;
	char *code = NULL;

	if (client == NULL) {
		json_decref(params);
		return NULL;
	}
	if (ctl_client_call(client, method, params, timeout_ms, &result,
		&code, cause) != CTL_OK)
		result = NULL;
	free(code);
	ctl_client_destroy(&client);
	return result;
}

json_t *
bench_call(const char *dir, const char *method, json_t *params,
    char **cause)
{
	return bench_call_wait(dir, method, params, BENCH_TIMEOUT_MS, cause);
}

int
bench_user(const char *dir, const char *user, char **cause)
{
	json_t *r = bench_call(dir, "user.list", NULL, cause), *u;
	bool here = false;
	size_t i;

	if (r == NULL)
		return -1;
	json_array_foreach(json_object_get(r, "users"), i, u) {
		const char *name = json_string_value(json_object_get(u,
		    "name"));

		if (name != NULL && strcmp(name, user) == 0 &&
		    json_is_true(json_object_get(u, "here")))
			here = true;
	}
	json_decref(r);
	if (here)
		return 0;
	r = bench_call(dir, "user.add", json_pack("{s:s}", "name", user),
	    cause);
	json_decref(r);
	return r != NULL ? 0 : -1;
}

int64_t
bench_peers_sum(const char *dir, const char *field)
{
	char *cause = NULL;
	json_t *r = bench_call(dir, "peers", NULL, &cause), *p;
	int64_t n = 0;
	size_t i;

	free(cause);
	if (r == NULL)
		return -1;
	json_array_foreach(json_object_get(r, "peers"), i, p)
		n += json_integer_value(json_object_get(p, field));
	json_decref(r);
	return n;
}

json_t *
bench_heads(const char *dir, char **cause)
{
	json_t *r = bench_call(dir, "ledger.heads", NULL, cause), *h, *map;
	size_t i;

	if (r == NULL)
		return NULL;
	map = json_object();
	json_array_foreach(json_object_get(r, "heads"), i, h) {
		const char *author = json_string_value(json_object_get(h,
		    "author"));

		if (author != NULL)
			json_object_set(map, author, json_object_get(h, "seq"));
	}
	json_decref(r);
	return map;
}

int
bench_settle(int argc, char **argv, int seconds, char **cause)
{
	int64_t start = time_mono_us();
	int64_t deadline = bench_deadline(start, seconds);
	json_t **heads;
	bool same = false;
	int rc = -1;

	heads = xcalloc((size_t)argc, sizeof *heads);
	while (!same && !zsys_interrupted) {
		same = true;
		for (int i = 0; i < argc; i++) {
			json_decref(heads[i]);
			if ((heads[i] = bench_heads(argv[i], cause)) == NULL)
				goto done;
			if (i > 0 && !json_equal(heads[i], heads[0]))
				same = false;
		}
		if (same)
			break;
		if (time_mono_us() >= deadline) {
			char *s = json_dumps(heads[0], JSON_COMPACT);

			fail(cause, "the heads of %d nodes still differ after "
				    "%d s (%s has %s)",
			    argc, seconds, bench_node_name(argv[0]), s);
			free(s);
			goto done;
		}
		usleep(BENCH_POLL_US * 5);
	}
	if (zsys_interrupted) {
		fail(cause, "interrupted");
		goto done;
	}
	fprintf(stderr, "%s: %d nodes hold the same %zu heads (%.2f s)\n",
	    bench_prog, argc, json_object_size(heads[0]),
	    (time_mono_us() - start) / 1e6);
	rc = 0;
done:
	for (int i = 0; i < argc; i++)
		json_decref(heads[i]);
	free(heads);
	return rc;
}

/* --- what the nodes spent ----------------------------------------------- */

/* The pid the daemon of dir wrote, or -1. */
static long
bench_pid(const char *dir)
{
	char *path = xasprintf("%s/ioed.pid", dir), *cause = NULL, *text;
	size_t len;
	long pid = -1;

	text = read_file(path, 64, &len, &cause);
	if (text != NULL)
		pid = strtol(text, NULL, 10);
	free(text);
	free(cause);
	free(path);
	return pid > 1 ? pid : -1;
}

/* The class of a thread of ioed, by its name (comm). */
static enum bench_thread
bench_thread_class(long pid, const char *tid)
{
	char *path = xasprintf("/proc/%ld/task/%s/comm", pid, tid);
	char *cause = NULL, *comm;
	size_t len;
	enum bench_thread c = BENCH_THREAD_OTHER;

	if (strtol(tid, NULL, 10) == pid)
		c = BENCH_THREAD_MAIN;
	else if ((comm = read_file(path, 64, &len, &cause)) != NULL) {
		if (strncmp(comm, "ZMQbg/IO", 8) == 0)
			c = BENCH_THREAD_IO;
		free(comm);
	}
	free(cause);
	free(path);
	return c;
}

int
bench_threads_cpu(const char *dir, int64_t ns[BENCH_THREAD_N])
{
	long pid = bench_pid(dir);
	char *path;
	struct dirent *d;
	DIR *tasks;

	memset(ns, 0, BENCH_THREAD_N * sizeof ns[0]);
	if (pid < 0)
		return -1;
	path = xasprintf("/proc/%ld/task", pid);
	tasks = opendir(path);
	free(path);
	if (tasks == NULL)
		return -1;
	while ((d = readdir(tasks)) != NULL) {
		char *cause = NULL, *text;
		size_t len;

		if (d->d_name[0] == '.')
			continue;
		path = xasprintf("/proc/%ld/task/%s/schedstat", pid, d->d_name);
		text = read_file(path, 256, &len, &cause);
		free(path);
		free(cause);
		if (text == NULL) {
			/* A thread that ended: its time is lost to us. */
			continue;
		}
		ns[bench_thread_class(pid, d->d_name)] += strtoll(text, NULL,
		    10);
		free(text);
	}
	closedir(tasks);
	return 0;
}

int64_t
bench_cpu_ns(const char *dir)
{
	int64_t ns[BENCH_THREAD_N];

	if (bench_threads_cpu(dir, ns) != 0)
		return -1;
	return ns[BENCH_THREAD_MAIN] + ns[BENCH_THREAD_IO] +
	    ns[BENCH_THREAD_OTHER];
}

void
bench_usage_read(struct bench_usage *u, int n, char **dirs)
{
	if (u->cpu_ns == NULL) {
		u->cpu_ns = xcalloc((size_t)n, sizeof *u->cpu_ns);
		u->bytes_in = xcalloc((size_t)n, sizeof *u->bytes_in);
	}
	for (int i = 0; i < n; i++) {
		u->bytes_in[i] = bench_peers_sum(dirs[i], "bytes_in");
		u->cpu_ns[i] = bench_cpu_ns(dirs[i]);
	}
	u->t = time_mono_us();
}

void
bench_usage_free(struct bench_usage *u)
{
	free(u->cpu_ns);
	free(u->bytes_in);
	memset(u, 0, sizeof *u);
}

/* Node i's CPU µs and bytes in between a and b, less what the idle rate
 * (between i0 and i1, may be NULL) accounts for over that time. Returns
 * false if unknown. */
static bool
bench_usage_delta(const struct bench_usage *a, const struct bench_usage *b,
    const struct bench_usage *i0, const struct bench_usage *i1, int i,
    double *cpu_us, double *bytes)
{
	double span = (double)(b->t - a->t), idle;

	if (a->cpu_ns[i] < 0 || b->cpu_ns[i] < 0 || a->bytes_in[i] < 0 ||
	    b->bytes_in[i] < 0)
		return false;
	*cpu_us = (b->cpu_ns[i] - a->cpu_ns[i]) / 1000.0;
	*bytes = (double)(b->bytes_in[i] - a->bytes_in[i]);
	if (i0 != NULL && i1 != NULL && i1->t > i0->t &&
	    i0->cpu_ns[i] >= 0 && i1->cpu_ns[i] >= 0 &&
	    i0->bytes_in[i] >= 0 && i1->bytes_in[i] >= 0) {
		idle = span / (double)(i1->t - i0->t);
		*cpu_us -= idle * (i1->cpu_ns[i] - i0->cpu_ns[i]) / 1000.0;
		*bytes -= idle * (double)(i1->bytes_in[i] - i0->bytes_in[i]);
	}
	return true;
}

void
bench_usage_note(struct bench_out *out, const char *key, const char *label,
    int n, char **dirs, const struct bench_usage *a,
    const struct bench_usage *b, const struct bench_usage *i0,
    const struct bench_usage *i1, size_t entries, bool first_apart)
{
	double cpu, bytes, sum_cpu = 0, sum_bytes = 0, first_cpu = 0;
	double first_bytes = 0;
	int known = 0;

	if (entries == 0)
		return;
	for (int i = 0; i < n; i++) {
		if (!bench_usage_delta(a, b, i0, i1, i, &cpu, &bytes))
			continue;
		if (i == 0) {
			first_cpu = cpu;
			first_bytes = bytes;
			if (first_apart)
				continue;
		}
		sum_cpu += cpu;
		sum_bytes += bytes;
		known++;
	}
	if (known == 0)
		return;
	if (first_apart)
		bench_out_note(out, key, "%s: per entry, %s used %.0f µs of "
					 "CPU and took in %.0f bytes; each "
					 "other node %.0f µs and %.0f bytes on "
					 "average%s",
		    label, bench_node_name(dirs[0]), first_cpu / entries,
		    first_bytes / entries, sum_cpu / known / entries,
		    sum_bytes / known / entries,
		    i0 != NULL ? " (idle traffic taken off)" : "");
	else
		bench_out_note(out, key, "%s: per entry, each node used %.0f µs "
					 "of CPU and took in %.0f bytes from "
					 "its links on average; all %d nodes "
					 "%.0f µs and %.0f bytes%s",
		    label, sum_cpu / known / entries,
		    sum_bytes / known / entries, known, sum_cpu / entries,
		    sum_bytes / entries,
		    i0 != NULL ? " (idle traffic taken off)" : "");
}

void
bench_usage_idle_note(struct bench_out *out, const char *key,
    const char *label, int n, const struct bench_usage *i0,
    const struct bench_usage *i1)
{
	double cpu = 0, bytes = 0, secs = (i1->t - i0->t) / 1e6;
	int known = 0;

	for (int i = 0; i < n; i++) {
		if (i0->cpu_ns[i] < 0 || i1->cpu_ns[i] < 0 ||
		    i0->bytes_in[i] < 0 || i1->bytes_in[i] < 0)
			continue;
		cpu += (i1->cpu_ns[i] - i0->cpu_ns[i]) / 1000.0;
		bytes += (double)(i1->bytes_in[i] - i0->bytes_in[i]);
		known++;
	}
	if (known == 0 || secs <= 0)
		return;
	bench_out_note(out, key, "%s: idle, each node used %.2f%% of a CPU "
				 "and took in %.0f bytes/s on average (pings, "
				 "gossip, summaries; over %.1f s)",
	    label, cpu / known / secs / 1e4, bytes / known / secs, secs);
}

/* --- the event watch --------------------------------------------------- */

static void
rec_free(void **p)
{
	free(*p);
	*p = NULL;
}

/* With the lock held. */
static struct bench_rec *
bench_watch_rec(struct bench_watch *w, const char *id)
{
	struct bench_rec *r = zhashx_lookup(w->recs, id);

	if (r == NULL) {
		r = xcalloc(1, sizeof *r + (size_t)w->n * sizeof r->at[0]);
		zhashx_insert(w->recs, id, r);
	}
	return r;
}

static void
bench_watch_note(struct bench_watch *w, int node, zmsg_t *msg, int64_t now)
{
	zframe_t *topic = zmsg_first(msg), *body = zmsg_next(msg);
	const char *id = NULL;
	json_t *event;
	struct bench_rec *r;

	if (topic == NULL || body == NULL || !zframe_streq(topic, "entry"))
		return;
	event = json_loadb((const char *)zframe_data(body), zframe_size(body),
	    0, NULL);
	if (event == NULL || json_unpack(event, "{s:s}", "id", &id) != 0 ||
	    strlen(id) != 2 * ENTRY_ID_SIZE) {
		json_decref(event);
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->events[node]++;
	r = bench_watch_rec(w, id);
	if (r->at[node] == 0) {
		r->at[node] = now;
		if (++r->got == w->n && r->sent != 0) {
			w->complete++;
			pthread_cond_broadcast(&w->cond);
		}
	}
	if (r->sent == 0)
		w->foreign++;
	pthread_mutex_unlock(&w->lock);
	json_decref(event);
}

static void *
bench_watch_run(void *arg)
{
	struct bench_watch *w = arg;
	zmq_pollitem_t items[BENCH_NODES_MAX];
	zsock_t *socks[BENCH_NODES_MAX] = { NULL };
	char *cause = NULL;
	int i;

	for (i = 0; i < w->n; i++) {
		char *ep = datadir_endpoint(w->dirs[i], EVENTS_SOCKET_NAME,
		    &cause);

		if (ep == NULL)
			break;
		socks[i] = zsock_new(ZMQ_SUB);
		/* The node's queue to us holds 10 000 events; ours holds
		 * all, so that a burst is never cut short here. */
		zsock_set_rcvhwm(socks[i], 0);
		zsock_set_subscribe(socks[i], "entry");
		if (zsock_connect(socks[i], "%s", ep) != 0) {
			fail(&cause, "cannot connect to '%s': %s", ep,
			    zmq_strerror(errno));
			free(ep);
			break;
		}
		free(ep);
		items[i] = (zmq_pollitem_t){ zsock_resolve(socks[i]), 0,
			ZMQ_POLLIN, 0 };
	}
	pthread_mutex_lock(&w->lock);
	w->ready = cause == NULL ? 1 : -1;
	w->cause = cause;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);

	while (cause == NULL && !atomic_load(&w->stop) && !zsys_interrupted) {
		int rc = zmq_poll(items, w->n, 50);

		if (rc < 0 && errno != EINTR)
			break;
		for (i = 0; rc > 0 && i < w->n; i++) {
			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			for (int k = 0; k < 1024 &&
			     (zsock_events(socks[i]) & ZMQ_POLLIN); k++) {
				zmsg_t *msg = zmsg_recv(socks[i]);
				int64_t now = time_mono_us();

				if (msg == NULL)
					break;
				bench_watch_note(w, i, msg, now);
				zmsg_destroy(&msg);
			}
		}
	}
	for (i = 0; i < w->n; i++)
		zsock_destroy(&socks[i]);
	return NULL;
}

static void
bench_watch_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

/* Waits on cond until deadline, a time_mono_us(). */
static void
bench_watch_cond_wait(pthread_cond_t *cond, pthread_mutex_t *lock,
    int64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000),
		(long)(deadline % 1000000) * 1000 };

	pthread_cond_timedwait(cond, lock, &ts);
}

struct bench_watch *
bench_watch_new(int n, char **dirs, char **cause)
{
	struct bench_watch *w = xcalloc(1, sizeof *w);
	int err;

	w->n = n;
	w->dirs = dirs;
	w->recs = zhashx_new();
	zhashx_set_destructor(w->recs, rec_free);
	w->events = xcalloc((size_t)n, sizeof *w->events);
	atomic_init(&w->stop, false);
	pthread_mutex_init(&w->lock, NULL);
	bench_watch_cond_init(&w->cond);
	if ((err = pthread_create(&w->thread, NULL, bench_watch_run, w)) != 0) {
		fail(cause, "cannot start a thread: %s", strerror(err));
		bench_watch_destroy(&w);
		return NULL;
	}
	w->running = true;
	pthread_mutex_lock(&w->lock);
	while (w->ready == 0)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	if (w->ready < 0) {
		fail(cause, "%s", w->cause);
		bench_watch_destroy(&w);
	}
	return w;
}

void
bench_watch_destroy(struct bench_watch **w_p)
{
	struct bench_watch *w = *w_p;

	if (w == NULL)
		return;
	if (w->running) {
		atomic_store(&w->stop, true);
		pthread_join(w->thread, NULL);
	}
	zhashx_destroy(&w->recs);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->ours);
	free(w->events);
	free(w->cause);
	free(w);
	*w_p = NULL;
}

struct bench_rec *
bench_watch_claim(struct bench_watch *w, const char *id, int64_t sent)
{
	struct bench_rec *r;

	pthread_mutex_lock(&w->lock);
	r = bench_watch_rec(w, id);
	if (r->sent == 0) {
		/* Events that came before the reply were counted foreign. */
		for (int i = 0; i < w->n; i++)
			if (r->at[i] != 0)
				w->foreign--;
		r->sent = sent;
		if (w->nours == w->capours) {
			w->capours = w->capours == 0 ? 1024 : 2 * w->capours;
			w->ours = realloc(w->ours,
			    w->capours * sizeof *w->ours);
			if (w->ours == NULL)
				abort();
		}
		w->ours[w->nours++] = r;
		if (r->got == w->n) {
			w->complete++;
			pthread_cond_broadcast(&w->cond);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

bool
bench_watch_wait_rec(struct bench_watch *w, struct bench_rec *r,
    int64_t deadline)
{
	bool done;

	pthread_mutex_lock(&w->lock);
	while (r->got < w->n && time_mono_us() < deadline &&
	    !zsys_interrupted)
		bench_watch_cond_wait(&w->cond, &w->lock,
		    deadline < time_mono_us() + 100000
			? deadline
			: time_mono_us() + 100000);
	done = r->got == w->n;
	pthread_mutex_unlock(&w->lock);
	return done;
}

size_t
bench_watch_wait_all(struct bench_watch *w, int64_t deadline)
{
	size_t done;

	pthread_mutex_lock(&w->lock);
	while (w->complete < w->nours && time_mono_us() < deadline &&
	    !zsys_interrupted)
		bench_watch_cond_wait(&w->cond, &w->lock,
		    deadline < time_mono_us() + 100000
			? deadline
			: time_mono_us() + 100000);
	done = w->complete;
	pthread_mutex_unlock(&w->lock);
	return done;
}

char *
bench_watch_missing(struct bench_watch *w, const struct bench_rec *r)
{
	char *s = xstrdup("");

	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < w->n; i++) {
		if (r->at[i] != 0)
			continue;
		char *t = xasprintf("%s%s%s", s, *s != '\0' ? ", " : "",
		    bench_node_name(w->dirs[i]));

		free(s);
		s = t;
	}
	pthread_mutex_unlock(&w->lock);
	return s;
}

void
bench_watch_added(void *arg, const char *id, int64_t sent)
{
	bench_watch_claim(arg, id, sent);
}

/* One that every node publishes proves every subscription in place and
 * every node reachable before the clock runs. A SUB socket misses what is
 * published before it has connected, so another is written while one is
 * missing somewhere, a few times. */
int
bench_warmup(struct bench_watch *w, ctl_client_t *client,
    const struct bench_req *req, const char *origin, char **cause)
{
	char text[BENCH_TEXT_SIZE + 1], id[2 * ENTRY_ID_SIZE + 1];
	char *missing = NULL;
	int64_t end = time_mono_us() + BENCH_ENTRY_WAIT_US;

	for (size_t k = 0; time_mono_us() < end && !zsys_interrupted; k++) {
		struct bench_rec *r;
		int64_t t0, until;

		bench_text(text, 0, k);
		t0 = time_mono_us();
		if (bench_req_send(req, client, text, id, cause) != 0) {
			free(missing);
			return -1;
		}
		r = bench_watch_claim(w, id, t0);
		until = t0 + 1000000 < end ? t0 + 1000000 : end;
		if (bench_watch_wait_rec(w, r, until)) {
			free(missing);
			return 0;
		}
		free(missing);
		missing = bench_watch_missing(w, r);
	}
	fail(cause, "entries written on '%s' for %d s did not reach %s",
	    bench_node_name(origin), BENCH_ENTRY_WAIT_US / 1000000,
	    missing != NULL ? missing : "every node");
	free(missing);
	return -1;
}

/* --- the ZeroMQ reference -----------------------------------------------
 * Over TCP on loopback, each side with a ZeroMQ context (and so I/O
 * thread) of its own, as two nodes have: a REQ/REP ping-pong, and a
 * DEALER streaming to a ROUTER, as a link of the mesh carries a burst. */

struct ref_server {
	int type;		/* ZMQ_REP: echo; ZMQ_ROUTER: count */
	int port;
	bool curve;
	char secret[41];
	uint64_t total;		/* ZMQ_ROUTER: bytes of a stream */
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;		/* 1 bound, -1 failed */
	char *cause;
};

/* Echoes every message. */
static void
ref_echo(struct ref_server *s, void *sock)
{
	char buf[4096];

	while (!atomic_load(&s->stop)) {
		zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
		int n;

		if (zmq_poll(&item, 1, 100) <= 0)
			continue;
		if ((n = zmq_recv(sock, buf, sizeof buf, ZMQ_DONTWAIT)) < 0)
			continue;
		zmq_send(sock, buf, (size_t)n < sizeof buf ? (size_t)n
							   : sizeof buf, 0);
	}
}

/* Takes in the messages of a sender until total bytes came, then
 * answers "done"; an empty message is answered at once. */
static void
ref_count(struct ref_server *s, void *sock)
{
	uint64_t got = 0;

	while (!atomic_load(&s->stop)) {
		zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
		zmq_msg_t id, m;
		size_t len;

		if (zmq_poll(&item, 1, 100) <= 0)
			continue;
		zmq_msg_init(&id);
		if (zmq_msg_recv(&id, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&id);
			continue;
		}
		zmq_msg_init(&m);
		zmq_msg_recv(&m, sock, 0);
		len = zmq_msg_size(&m);
		zmq_msg_close(&m);
		got += len;
		if (len == 0 || got >= s->total) {
			got = 0;
			if (zmq_msg_send(&id, sock, ZMQ_SNDMORE) >= 0)
				zmq_send(sock, "done", 4, 0);
		}
		zmq_msg_close(&id);
	}
}

static void *
ref_serve(void *arg)
{
	struct ref_server *s = arg;
	void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, s->type);
	char *cause = NULL, ep[64];
	int one = 1, zero = 0;

	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
	if (s->curve) {
		zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one);
		zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s->secret, 40);
	}
	snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", s->port);
	if (zmq_bind(sock, ep) != 0)
		fail(&cause, "cannot bind '%s': %s", ep, zmq_strerror(errno));
	pthread_mutex_lock(&s->lock);
	s->ready = cause == NULL ? 1 : -1;
	s->cause = cause;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (cause == NULL) {
		if (s->type == ZMQ_ROUTER)
			ref_count(s, sock);
		else
			ref_echo(s, sock);
	}
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return NULL;
}

/* A server of s's type on its port, and a client socket of type in a
 * context of its own, connected to it. */
struct ref_pair {
	struct ref_server s;
	pthread_t thread;
	bool started;
	void *ctx;
	void *sock;
	char ep[64];
};

static int
ref_pair_open(struct ref_pair *p, int server_type, int client_type,
    int port, bool curve, char **cause)
{
	char spub[41], cpub[41], csec[41];
	int zero = 0, err;

	memset(p, 0, sizeof *p);
	p->s.type = server_type;
	p->s.port = port;
	p->s.curve = curve;
	atomic_init(&p->s.stop, false);
	pthread_mutex_init(&p->s.lock, NULL);
	pthread_cond_init(&p->s.cond, NULL);
	if (curve && (zmq_curve_keypair(spub, p->s.secret) != 0 ||
	    zmq_curve_keypair(cpub, csec) != 0))
		return fail(cause, "this libzmq has no CURVE: %s",
		    zmq_strerror(errno));
	if ((err = pthread_create(&p->thread, NULL, ref_serve, &p->s)) != 0)
		return fail(cause, "cannot start a thread: %s", strerror(err));
	p->started = true;
	pthread_mutex_lock(&p->s.lock);
	while (p->s.ready == 0)
		pthread_cond_wait(&p->s.cond, &p->s.lock);
	pthread_mutex_unlock(&p->s.lock);
	if (p->s.ready < 0)
		return fail(cause, "%s", p->s.cause);
	p->ctx = zmq_ctx_new();
	p->sock = zmq_socket(p->ctx, client_type);
	zmq_setsockopt(p->sock, ZMQ_LINGER, &zero, sizeof zero);
	if (curve) {
		zmq_setsockopt(p->sock, ZMQ_CURVE_SERVERKEY, spub, 40);
		zmq_setsockopt(p->sock, ZMQ_CURVE_PUBLICKEY, cpub, 40);
		zmq_setsockopt(p->sock, ZMQ_CURVE_SECRETKEY, csec, 40);
	}
	snprintf(p->ep, sizeof p->ep, "tcp://127.0.0.1:%d", port);
	if (zmq_connect(p->sock, p->ep) != 0)
		return fail(cause, "cannot connect to '%s': %s", p->ep,
		    zmq_strerror(errno));
	return 0;
}

static void
ref_pair_close(struct ref_pair *p)
{
	if (p->sock != NULL)
		zmq_close(p->sock);
	if (p->ctx != NULL)
		zmq_ctx_term(p->ctx);
	if (p->started) {
		atomic_store(&p->s.stop, true);
		pthread_join(p->thread, NULL);
	}
	free(p->s.cause);
	pthread_cond_destroy(&p->s.cond);
	pthread_mutex_destroy(&p->s.lock);
}

/* Round trip number i of msg (size bytes) to the echo server at ep; buf
 * holds size. Returns 0, or -1 with *cause set. */
static int
rtt_once(void *sock, const char *ep, char *msg, char *buf, size_t size,
    size_t i, char **cause)
{
	zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };

	memcpy(msg, &i, sizeof i);
	if (zmq_send(sock, msg, size, 0) < 0)
		return fail(cause, "send: %s", zmq_strerror(errno));
	if (zmq_poll(&item, 1, 2000) != 1 ||
	    zmq_recv(sock, buf, size, 0) != (int)size)
		return fail(cause, "no echo from '%s' within 2 s", ep);
	return 0;
}

int
bench_rtt(int port, bool curve, size_t size, size_t count, int seconds,
    const char *key, const char *label, struct bench_row *row, char **cause)
{
	struct ref_pair p;
	char *msg, *buf;
	bench_samples_t *lat = bench_samples_new(count);
	struct bench_timer t;
	int rc = -1;

	/* Room for the number of the round trip; the echo server takes up
	 * to 4096 bytes. */
	if (size < sizeof(size_t))
		size = sizeof(size_t);
	if (size > 4096)
		size = 4096;
	msg = xcalloc(1, size);
	buf = xcalloc(1, size);
	if (ref_pair_open(&p, ZMQ_REP, ZMQ_REQ, port, curve, cause) != 0)
		goto done;
	memset(msg, 'x', size);
	/* The first round trips carry the handshake; they are not
	 * counted. */
	for (size_t i = 0; i < BENCH_RTT_WARMUP; i++)
		if (rtt_once(p.sock, p.ep, msg, buf, size, i, cause) != 0)
			goto done;
	bench_timer_start(&t, lat, count, seconds);
	while (bench_timer_more(&t)) {
		if (rtt_once(p.sock, p.ep, msg, buf, size,
			BENCH_RTT_WARMUP + t.n, cause) != 0)
			goto done;
		bench_timer_done(&t);
	}
	{
		char *k = xasprintf("rtt.%s%s%s", curve ? "curve" : "plain",
		    key != NULL ? "." : "", key != NULL ? key : "");

		bench_row_set(row, k, curve ? "ZeroMQ CURVE" : "ZeroMQ",
		    xasprintf("ZeroMQ REQ/REP loopback round trip%s%s%s%s",
			curve ? ", CURVE" : "", label != NULL ? " (" : "",
			label != NULL ? label : "", label != NULL ? ")" : ""),
		    "round trips/s", lat, t.n, bench_timer_elapsed(&t));
		free(k);
	}
	rc = 0;
done:
	ref_pair_close(&p);
	bench_samples_destroy(&lat);
	free(msg);
	free(buf);
	return rc;
}

/* Waits for the stream server's answer until deadline. */
static int
stream_done(struct ref_pair *p, int64_t deadline, char **cause)
{
	zmq_pollitem_t item = { p->sock, 0, ZMQ_POLLIN, 0 };
	char buf[8];
	int64_t left = deadline - time_mono_us();

	if (zmq_poll(&item, 1, left > 0 ? (long)(left / 1000) : 0) != 1 ||
	    zmq_recv(p->sock, buf, sizeof buf, 0) != 4)
		return fail(cause, "no answer from '%s' in time", p->ep);
	return 0;
}

int
bench_stream(int port, bool curve, size_t size, uint64_t total,
    int seconds, const char *key, const char *label, struct bench_row *row,
    char **cause)
{
	struct ref_pair p;
	char *msg = xcalloc(1, size);
	uint64_t sent = 0;
	size_t n = 0;
	int64_t t0, deadline;
	int rc = -1;

	if (ref_pair_open(&p, ZMQ_ROUTER, ZMQ_DEALER, port, curve,
		cause) != 0)
		goto done;
	p.s.total = total;
	memset(msg, 'x', size);
	/* An empty message carries the handshake, not counted. */
	if (zmq_send(p.sock, "", 0, 0) < 0 ||
	    stream_done(&p, time_mono_us() + 5000000, cause) != 0)
		goto done;
	t0 = time_mono_us();
	deadline = bench_deadline(t0, seconds);
	while (sent < total && time_mono_us() < deadline &&
	    !zsys_interrupted) {
		size_t len = total - sent < size ? (size_t)(total - sent) : size;

		if (zmq_send(p.sock, msg, len, 0) < 0) {
			fail(cause, "send: %s", zmq_strerror(errno));
			goto done;
		}
		sent += len;
		n++;
	}
	if (sent < total) {
		fail(cause, "%" PRIu64 " of %" PRIu64 " bytes sent in %d s",
		    sent, total, seconds);
		goto done;
	}
	if (stream_done(&p, deadline, cause) != 0)
		goto done;
	{
		int64_t elapsed = time_mono_us() - t0;
		char *k = xasprintf("ref.stream.%s%s%s",
		    curve ? "curve" : "plain", key != NULL ? "." : "",
		    key != NULL ? key : "");

		bench_row_set(row, k, curve ? "ZeroMQ CURVE" : "ZeroMQ",
		    xasprintf("ZeroMQ DEALER to ROUTER loopback stream, %zu %s "
			      "messages%s%s%s%s",
			size % 1048576 == 0 ? size / 1048576
			    : size % 1024 == 0 ? size / 1024 : size,
			size % 1048576 == 0 ? "MiB"
			    : size % 1024 == 0 ? "KiB" : "byte",
			curve ? ", CURVE" : "",
			label != NULL ? " (" : "", label != NULL ? label : "",
			label != NULL ? ")" : ""),
		    "MB/s", NULL, n, elapsed);
		row->st.rate = elapsed > 0 ? total / (elapsed / 1e6) / 1e6 : 0;
		free(k);
	}
	rc = 0;
done:
	ref_pair_close(&p);
	free(msg);
	return rc;
}

/* --- processes ---------------------------------------------------------- */

/* True if pid is an ioed serving dir: a pid file can outlive its daemon,
 * and the number be taken by another process since. */
static bool
bench_is_ioed(pid_t pid, const char *dir)
{
	char *path = xasprintf("/proc/%ld/cmdline", (long)pid), *cause = NULL;
	size_t len;
	char *cmd = read_file(path, 1 << 16, &len, &cause);
	bool ioed = false, ours = false;

	free(path);
	free(cause);
	if (cmd == NULL)
		return false;
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1) {
		const char *base = strrchr(cmd + i, '/');

		base = base != NULL ? base + 1 : cmd + i;
		if (i == 0 && strcmp(base, "ioed") == 0)
			ioed = true;
		if (strcmp(cmd + i, dir) == 0)
			ours = true;
	}
	free(cmd);
	return ioed && ours;
}

/* True while pid runs (a zombie has stopped). */
static bool
bench_alive(pid_t pid)
{
	char *path = xasprintf("/proc/%ld/status", (long)pid), *cause = NULL;
	size_t len;
	char *st, *state;
	bool alive;

	if (kill(pid, 0) != 0 && errno == ESRCH) {
		free(path);
		return false;
	}
	st = read_file(path, 1 << 16, &len, &cause);
	free(path);
	free(cause);
	if (st == NULL)
		return false;
	state = strstr(st, "\nState:");
	alive = state == NULL || strchr(state + 7, 'Z') == NULL ||
	    strchr(state + 7, 'Z') > strchr(state + 1, '\n');
	free(st);
	return alive;
}

/* Stops the daemon of dir by the pid it wrote: SIGTERM, then SIGKILL if
 * it is still there after a while. */
int
bench_stop(const char *dir, char **cause)
{
	char *path = xasprintf("%s/ioed.pid", dir), *text;
	size_t len;
	int64_t deadline;
	long pid;

	text = read_file(path, 64, &len, cause);
	free(path);
	if (text == NULL)
		return -1;
	pid = strtol(text, NULL, 10);
	free(text);
	if (pid <= 1 || !bench_is_ioed((pid_t)pid, dir))
		return fail(cause, "pid %ld of '%s/ioed.pid' is not the ioed "
				   "of '%s'",
		    pid, dir, dir);
	kill((pid_t)pid, SIGTERM);
	deadline = time_mono_us() + BENCH_STOP_WAIT_US;
	while (bench_alive((pid_t)pid) && time_mono_us() < deadline)
		usleep(10000);
	if (bench_alive((pid_t)pid)) {
		fprintf(stderr, "%s: ioed (pid %ld) still running %d s after "
				"SIGTERM; kill -9\n",
		    bench_prog, pid, BENCH_STOP_WAIT_US / 1000000);
		kill((pid_t)pid, SIGKILL);
		deadline = time_mono_us() + 5000000;
		while (bench_alive((pid_t)pid) && time_mono_us() < deadline)
			usleep(10000);
	}
	return 0;
}

/* Sends SIGTERM to a child that runs on after this program was
 * interrupted (a signal to it alone, which the child did not get). */
static void
bench_run_interrupted(pid_t pid, bool *told, int64_t *deadline)
{
	int64_t grace = time_mono_us() + BENCH_STOP_WAIT_US;

	if (*told)
		return;
	kill(pid, SIGTERM);
	*told = true;
	if (*deadline > grace)
		*deadline = grace;
}

int
bench_run(char **argv, bool quiet, int64_t wait_us, char **cause)
{
	int64_t deadline = time_mono_us() + wait_us;
	posix_spawn_file_actions_t fa;
	bool told = false;
	int status, err;
	pid_t pid, got;

	posix_spawn_file_actions_init(&fa);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
		    0);
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0)
		return fail(cause, "cannot run '%s': %s", argv[0],
		    strerror(err));
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 &&
	    time_mono_us() < deadline) {
		if (zsys_interrupted)
			bench_run_interrupted(pid, &told, &deadline);
		usleep(2000);
	}
	if (got == 0) {
		/* Ours: a detached daemon's starter, or a helper. */
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return fail(cause, "'%s' did not return within %.0f s",
		    argv[0], wait_us / 1e6);
	}
	if (got < 0)
		return fail(cause, "waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return fail(cause, "'%s' was killed by signal %d", argv[0],
		    WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(cause, "'%s' failed (exit %d)", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int
bench_start(char **argv, char **cause)
{
	return bench_run(argv, false, BENCH_START_WAIT_US, cause);
}

/* --- ports -------------------------------------------------------------- */

/* True if port of 127.0.0.1 can be bound now, for TCP and for UDP. */
static bool
bench_port_free(int port)
{
	struct sockaddr_in sa;
	bool free_ = true;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int k = 0; k < 2 && free_; k++) {
		int fd = socket(AF_INET, (k == 0 ? SOCK_STREAM : SOCK_DGRAM) |
		    SOCK_CLOEXEC, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
			free_ = false;
		if (fd >= 0)
			close(fd);
	}
	return free_;
}

int
bench_port(char **cause)
{
	static int next;
	int span = BENCH_PORT_HIGH - BENCH_PORT_LOW;

	/* Each run starts at a place of its own, from its pid. */
	if (next == 0)
		next = BENCH_PORT_LOW + (int)(getpid() % (span / 30)) * 30;
	for (int tries = 0; tries < span; tries++) {
		int port = next;

		next = next + 1 < BENCH_PORT_HIGH ? next + 1 : BENCH_PORT_LOW;
		if (bench_port_free(port))
			return port;
	}
	return fail(cause, "no free port of 127.0.0.1 in %d..%d",
	    BENCH_PORT_LOW, BENCH_PORT_HIGH - 1);
}

/* --- a program's own nodes and results ------------------------------ */

void
bench_info(const char *path, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *text;
	FILE *fp;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	if ((fp = fopen(path, "ae")) != NULL) {
		fprintf(fp, "info\t%s\t%s\n", key, text);
		fclose(fp);
	}
	free(text);
}

void
bench_load(const char *results, const char *key, const char *when)
{
	char *cause = NULL, *text;
	size_t len;

	if ((text = read_file("/proc/loadavg", 256, &len, &cause)) == NULL) {
		free(cause);
		return;
	}
	text[strcspn(text, " ")] = '\0';
	bench_info(results, key, "%s (load average of the last minute %s; "
				 "every program of the benchmark and whatever "
				 "else runs shares these %ld CPUs and this "
				 "disk)",
	    text, when, sysconf(_SC_NPROCESSORS_ONLN));
	free(text);
}

int
bench_node_start(const char *ioed, struct bench_node *n,
    const struct bench_node *peer, char **cause)
{
	for (int tries = 0;; tries++) {
		char *listen = xasprintf("tcp://127.0.0.1:%d", n->port);
		char *peer_ep = peer != NULL
		    ? xasprintf("tcp://127.0.0.1:%d", peer->port)
		    : NULL;
		char *argv[] = { (char *)ioed, "-d", n->dir, "-n",
			(char *)n->name, "--listen", listen, "--no-beacon",
			peer_ep != NULL ? "--peer" : NULL, peer_ep, NULL };
		int rc = bench_start(argv, cause);

		free(listen);
		free(peer_ep);
		if (rc == 0 || tries == 2)
			return rc;
		fprintf(stderr, "%s: starting %s: %s; on another port\n",
		    bench_prog, n->name, *cause);
		free(*cause);
		*cause = NULL;
		if ((n->port = bench_port(cause)) < 0)
			return -1;
	}
}

int
bench_exec(char **head, char **args, bool quiet, int64_t wait_us,
    char **cause)
{
	char *argv[64];
	int n = 0;

	for (int i = 0; head[i] != NULL && n < 63; i++)
		argv[n++] = head[i];
	for (int i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return bench_run(argv, quiet, wait_us, cause);
}

int
bench_ioectl(const char *ioectl, const char *dir, char **args, char **cause)
{
	char *head[] = { (char *)ioectl, "-d", (char *)dir, NULL };

	return bench_exec(head, args, true, BENCH_SETUP_WAIT_US, cause);
}

int64_t
bench_links_up(const char *dir)
{
	char *cause = NULL;
	json_t *r = bench_call(dir, "status", NULL, &cause);
	json_t *peers = json_object_get(r, "peers");
	int64_t up = json_is_integer(peers) ? json_integer_value(peers) : -1;

	free(cause);
	json_decref(r);
	return up;
}

/* The directory of the build: $IOE_BUILD_DIR, else the one above this
 * program's. Caller frees. */
static char *
bench_build_dir(void)
{
	const char *env = getenv("IOE_BUILD_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return xstrdup(".");
	exe[n] = '\0';
	for (int k = 0; k < 2; k++) {
		char *slash = strrchr(exe, '/');

		if (slash == NULL)
			return xstrdup(".");
		*slash = '\0';
	}
	return xstrdup(exe[0] != '\0' ? exe : "/");
}

static int
bench_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int
bench_programs(char **ioed, char **ioectl, char **cause)
{
	char *build = bench_build_dir();

	*ioed = xasprintf("%s/src/ioed", build);
	*ioectl = xasprintf("%s/src/ioectl", build);
	free(build);
	if (access(*ioed, X_OK) != 0 || access(*ioectl, X_OK) != 0)
		return fail(cause, "no '%s' or '%s': build first, or set "
				   "IOE_BUILD_DIR",
		    *ioed, *ioectl);
	return 0;
}

char *
bench_tmpdir(char **cause)
{
	const char *tmpdir = getenv("TMPDIR");
	char *path = xasprintf("%s/ioe-%s.XXXXXX",
	    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp", bench_prog);

	if (mkdtemp(path) == NULL) {
		fail(cause, "cannot create '%s': %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

void
bench_tmpdir_done(const char *path, bool keep)
{
	if (path == NULL)
		return;
	if (keep)
		fprintf(stderr, "%s: kept %s\n", bench_prog, path);
	else
		nftw(path, bench_rm, 16, FTW_DEPTH | FTW_PHYS);
}

void
bench_stop_all(int n, char **dirs)
{
	char *cause = NULL;

	for (int i = 0; i < n; i++) {
		char *pid;

		if (dirs[i] == NULL)
			continue;
		pid = xasprintf("%s/ioed.pid", dirs[i]);
		if (access(pid, F_OK) == 0 && bench_stop(dirs[i], &cause) != 0) {
			fprintf(stderr, "%s: %s\n", bench_prog, cause);
			free(cause);
			cause = NULL;
		}
		free(pid);
	}
}

/* Whether room is known at dir (*known) and user is in it (*joined). */
static int
bench_room_state(const char *dir, const char *room_name, const char *user,
    bool *known, bool *joined, char **cause)
{
	json_t *r = bench_call(dir, "room.list",
	    json_pack("{s:s}", "user", user), cause), *room;
	size_t i;

	*known = *joined = false;
	if (r == NULL)
		return -1;
	json_array_foreach(json_object_get(r, "rooms"), i, room) {
		const char *name = json_string_value(json_object_get(room,
		    "room"));

		if (name != NULL && strcmp(name, room_name) == 0) {
			*known = true;
			*joined = json_is_true(json_object_get(room,
			    "joined"));
		}
	}
	json_decref(r);
	return 0;
}

int
bench_room_setup(int n, char **dirs, const char *room, const char *user,
    const char *topic, int seconds, char **cause)
{
	bool known, joined;
	json_t *r;

	for (int i = 0; i < n; i++)
		if (bench_user(dirs[i], user, cause) != 0)
			return -1;
	if (bench_room_state(dirs[0], room, user, &known, &joined, cause) != 0)
		return -1;
	if (!known) {
		r = bench_call(dirs[0], "room.create",
		    json_pack("{s:s, s:s, s:s}", "room", room, "topic", topic,
			"user", user),
		    cause);
		if (r == NULL)
			return -1;
		json_decref(r);
	}
	/* The others can join once the room has reached them. */
	if (bench_settle(n, dirs, seconds, cause) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (bench_room_state(dirs[i], room, user, &known, &joined,
			cause) != 0)
			return -1;
		if (joined)
			continue;
		r = bench_call(dirs[i], "room.join",
		    json_pack("{s:s, s:s}", "room", room, "user", user),
		    cause);
		if (r == NULL)
			return -1;
		json_decref(r);
	}
	return bench_settle(n, dirs, seconds, cause);
}
