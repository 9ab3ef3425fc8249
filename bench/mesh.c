/* bench/mesh: how fast the mesh carries entries between ioed nodes, set
 * beside the ZeroMQ round trip on the same loopback, plain and with CURVE,
 * measured in the same run. The ratios show what a hop of the mesh adds to
 * the transport under it.
 *
 *   mesh rtt [-k KEY] [-l LABEL] [-n COUNT] [-s SECONDS] -p PORT -o FILE
 *   mesh settle [-s SECONDS] DIR...
 *   mesh spread -k KEY -l LABEL [-H HOPS] [-n COUNT] [-s SECONDS] -o FILE
 *        ORIGIN DIR...
 *   mesh push -k KEY -l LABEL [-n COUNT] [-c CLIENTS] [-s SECONDS] -o FILE
 *        CENTRE LEAF...
 *   mesh catchup [-n COUNT] [-c CLIENTS] [-s SECONDS] -o FILE LAGGER SOURCE
 *        -- IOED [ARG...]
 *   mesh report FILE
 *
 * bench/run-mesh builds the meshes of running nodes and calls these in
 * turn. Each measuring command appends its figures to FILE; report prints
 * them as one table. Every figure stops after COUNT operations or SECONDS,
 * whichever comes first, and every wait is bounded.
 *
 * An entry's arrival at a node is the moment the node publishes it on its
 * event socket (DIR/events), which it does once the entry is committed to
 * its store: this program subscribes to every node and timestamps each id.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "ctl_client.h"
#include "datadir.h"
#include "entry.h"
#include "proto.h"
#include "util.h"

extern char **environ;

#define BENCH_CLIENTS_MAX 256
#define BENCH_NODES_MAX 64
/* The signed entry a journal text makes: what a hop carries. */
#define BENCH_ENTRY_SIZE (ENTRY_FIXED_SIZE + sizeof "journal" - 1 + \
	BENCH_TEXT_SIZE)
/* An entry that has not reached every node by then is counted lost. */
#define BENCH_ENTRY_WAIT_US 10000000
/* Spread stops after that many lost entries: the mesh is broken. */
#define BENCH_LOST_MAX 3
/* What the last leaf may lag behind the last write in push. */
#define BENCH_DRAIN_US 60000000
#define BENCH_POLL_US 20000	/* catch-up and settle poll period */
#define BENCH_STOP_WAIT_US 15000000
#define BENCH_START_WAIT_US 30000000
#define BENCH_RTT_WARMUP 200
/* The quiet time over which a topology's background traffic (pings,
 * gossip, summaries) is measured, to be told apart from the entries'. */
#define BENCH_IDLE_US 2000000

struct bench_opts {
	const char *key;	/* of the figures in FILE */
	const char *label;	/* shown in the figures' names */
	const char *out;	/* FILE */
	size_t count;
	int clients;
	int seconds;
	int hops;
	int port;
};

/* A figure: one row of the table. */
struct bench_row {
	char *key;
	char *label;
	char *figure;
	char *unit;		/* of the rate */
	struct bench_stats st;
	int hops;
};

/* Every ratio's name holds one two-byte "÷": one more byte of width. */
static const struct bench_table table = { .figure = 50, .ops = 7,
	.unit = 14, .lat = 8, .ratio = 72, .decimals = 2 };

const char *const bench_prog = "mesh";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: mesh rtt [-k KEY] [-l LABEL] [-n COUNT] [-s SECONDS] -p PORT "
	    "-o FILE\n"
	    "       mesh settle [-s SECONDS] DIR...\n"
	    "       mesh spread -k KEY -l LABEL [-H HOPS] [-n COUNT] "
	    "[-s SECONDS] -o FILE ORIGIN DIR...\n"
	    "       mesh push -k KEY -l LABEL [-n COUNT] [-c CLIENTS] "
	    "[-s SECONDS] -o FILE CENTRE LEAF...\n"
	    "       mesh catchup [-n COUNT] [-c CLIENTS] [-s SECONDS] -o FILE "
	    "LAGGER SOURCE -- IOED [ARG...]\n"
	    "       mesh report FILE\n");
	exit(2);
}

static void
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

static void
bench_row_free(struct bench_row *r)
{
	free(r->key);
	free(r->label);
	free(r->figure);
	free(r->unit);
	memset(r, 0, sizeof *r);
}

/* What a command hands to FILE: its rows, then its notes. */
struct bench_out {
	struct bench_row rows[4];
	size_t nrows;
	char *notes[32];
	size_t nnotes;
};

static struct bench_row *
bench_out_row(struct bench_out *o)
{
	if (o->nrows == sizeof o->rows / sizeof o->rows[0])
		abort();
	return &o->rows[o->nrows++];
}

static void
bench_out_note(struct bench_out *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
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

/* Appends the rows and notes to FILE, one line each, tab-separated:
 *   row KEY LABEL OPS SECS RATE P50 P99 HOPS UNIT FIGURE
 *   note KEY TEXT
 * Returns 0, or -1 with *cause set. */
static int
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

static void
bench_out_free(struct bench_out *o)
{
	for (size_t i = 0; i < o->nrows; i++)
		bench_row_free(&o->rows[i]);
	for (size_t i = 0; i < o->nnotes; i++)
		free(o->notes[i]);
	memset(o, 0, sizeof *o);
}

/* The node's name as the table shows it: the last part of its
 * directory. */
static const char *
bench_node_name(const char *dir)
{
	const char *slash = strrchr(dir, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : dir;
}

/* One call on a fresh client: status, ledger.heads, peers. */
static json_t *
bench_call(const char *dir, const char *method, char **cause)
{
	ctl_client_t *client = ctl_client_new(dir, cause);
	json_t *result = NULL;
	char *code = NULL;

	if (client == NULL)
		return NULL;
	if (ctl_client_call(client, method, NULL, BENCH_TIMEOUT_MS, &result,
		&code, cause) != CTL_OK)
		result = NULL;
	free(code);
	ctl_client_destroy(&client);
	return result;
}

/* A counter of the node's links, summed over them: "dropped" (messages
 * dropped because a send queue was full) or "bytes_in". Returns -1 if
 * unknown. */
static int64_t
bench_peers_sum(const char *dir, const char *field)
{
	char *cause = NULL;
	json_t *r = bench_call(dir, "peers", &cause), *p;
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

/* What the nodes spent: CPU time of all their threads and bytes their
 * links took in. */
struct usage {
	int64_t t;		/* time_mono_us() of the reading */
	int64_t *cpu_ns;	/* per node; -1 unknown */
	int64_t *bytes_in;	/* per node; -1 unknown */
};

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

/* CPU time of every thread of the daemon of dir (schedstat: ns on the
 * CPU), or -1. */
static int64_t
bench_cpu_ns(const char *dir)
{
	long pid = bench_pid(dir);
	char *path;
	struct dirent *d;
	int64_t sum = 0;
	DIR *tasks;

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
		sum += strtoll(text, NULL, 10);
		free(text);
	}
	closedir(tasks);
	return sum;
}

static void
usage_read(struct usage *u, int n, char **dirs)
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

static void
usage_free(struct usage *u)
{
	free(u->cpu_ns);
	free(u->bytes_in);
	memset(u, 0, sizeof *u);
}

/* Node i's CPU µs and bytes in between a and b, less what the idle rate
 * (between i0 and i1, may be NULL) accounts for over that time. Returns
 * false if unknown. */
static bool
usage_delta(const struct usage *a, const struct usage *b,
    const struct usage *i0, const struct usage *i1, int i, double *cpu_us,
    double *bytes)
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

/* A note on what each node spent per entry. */
static void
usage_note(struct bench_out *out, const char *key, const char *label,
    int n, char **dirs, const struct usage *a, const struct usage *b,
    const struct usage *i0, const struct usage *i1, size_t entries,
    bool first_apart)
{
	double cpu, bytes, sum_cpu = 0, sum_bytes = 0, first_cpu = 0;
	double first_bytes = 0;
	int known = 0;

	if (entries == 0)
		return;
	for (int i = 0; i < n; i++) {
		if (!usage_delta(a, b, i0, i1, i, &cpu, &bytes))
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

/* A note on what the nodes spend with nothing to carry. */
static void
usage_idle_note(struct bench_out *out, const char *key, const char *label,
    int n, const struct usage *i0, const struct usage *i1)
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

/* --- the event watch ---------------------------------------------------
 * A thread subscribed to every node's event socket notes, for each entry
 * id, when each node published it. */

struct rec {
	int64_t sent;		/* when its journal.add went out; 0: not ours */
	int got;		/* nodes that published it */
	int64_t at[];		/* per node; 0: not yet */
};

struct watch {
	int n;
	char **dirs;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock;	/* for what follows */
	pthread_cond_t cond;	/* ready, or a record of ours completed */
	int ready;		/* 1 subscribed, -1 failed */
	char *cause;
	zhashx_t *recs;		/* id (hex) -> struct rec */
	struct rec **ours;	/* in the order they were claimed */
	size_t nours, capours;
	size_t complete;	/* of ours, published by every node */
	size_t *events;		/* per node */
	size_t foreign;		/* events not ours (other entries) */
};

static void
rec_free(void **p)
{
	free(*p);
	*p = NULL;
}

/* With the lock held. */
static struct rec *
watch_rec(struct watch *w, const char *id)
{
	struct rec *r = zhashx_lookup(w->recs, id);

	if (r == NULL) {
		r = xcalloc(1, sizeof *r + (size_t)w->n * sizeof r->at[0]);
		zhashx_insert(w->recs, id, r);
	}
	return r;
}

static void
watch_note(struct watch *w, int node, zmsg_t *msg, int64_t now)
{
	zframe_t *topic = zmsg_first(msg), *body = zmsg_next(msg);
	const char *id = NULL;
	json_t *event;
	struct rec *r;

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
	r = watch_rec(w, id);
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
watch_run(void *arg)
{
	struct watch *w = arg;
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
				watch_note(w, i, msg, now);
				zmsg_destroy(&msg);
			}
		}
	}
	for (i = 0; i < w->n; i++)
		zsock_destroy(&socks[i]);
	return NULL;
}

static void
watch_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

/* Waits on cond until deadline, a time_mono_us(). */
static void
watch_cond_wait(pthread_cond_t *cond, pthread_mutex_t *lock,
    int64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000),
		(long)(deadline % 1000000) * 1000 };

	pthread_cond_timedwait(cond, lock, &ts);
}

static void watch_destroy(struct watch **w_p);

static struct watch *
watch_new(int n, char **dirs, char **cause)
{
	struct watch *w = xcalloc(1, sizeof *w);
	int err;

	w->n = n;
	w->dirs = dirs;
	w->recs = zhashx_new();
	zhashx_set_destructor(w->recs, rec_free);
	w->events = xcalloc((size_t)n, sizeof *w->events);
	atomic_init(&w->stop, false);
	pthread_mutex_init(&w->lock, NULL);
	watch_cond_init(&w->cond);
	if ((err = pthread_create(&w->thread, NULL, watch_run, w)) != 0) {
		fail(cause, "cannot start a thread: %s", strerror(err));
		watch_destroy(&w);
		return NULL;
	}
	w->running = true;
	pthread_mutex_lock(&w->lock);
	while (w->ready == 0)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	if (w->ready < 0) {
		fail(cause, "%s", w->cause);
		watch_destroy(&w);
	}
	return w;
}

static void
watch_destroy(struct watch **w_p)
{
	struct watch *w = *w_p;

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

/* Marks id as an entry this program wrote, sent at sent. Returns its
 * record, which lives as long as the watch. */
static struct rec *
watch_claim(struct watch *w, const char *id, int64_t sent)
{
	struct rec *r;

	pthread_mutex_lock(&w->lock);
	r = watch_rec(w, id);
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

/* Waits until r reached every node or deadline. Returns true if it
 * did. */
static bool
watch_wait_rec(struct watch *w, struct rec *r, int64_t deadline)
{
	bool done;

	pthread_mutex_lock(&w->lock);
	while (r->got < w->n && time_mono_us() < deadline &&
	    !zsys_interrupted)
		watch_cond_wait(&w->cond, &w->lock, deadline < time_mono_us() +
			100000 ? deadline : time_mono_us() + 100000);
	done = r->got == w->n;
	pthread_mutex_unlock(&w->lock);
	return done;
}

/* Waits until every claimed entry reached every node, or deadline.
 * Returns the number that did. */
static size_t
watch_wait_all(struct watch *w, int64_t deadline)
{
	size_t done;

	pthread_mutex_lock(&w->lock);
	while (w->complete < w->nours && time_mono_us() < deadline &&
	    !zsys_interrupted)
		watch_cond_wait(&w->cond, &w->lock, deadline < time_mono_us() +
			100000 ? deadline : time_mono_us() + 100000);
	done = w->complete;
	pthread_mutex_unlock(&w->lock);
	return done;
}

/* Names of the nodes that have not published r, for a message. Caller
 * frees. */
static char *
watch_missing(struct watch *w, const struct rec *r)
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

/* The writers' entries, claimed as ours as they are acknowledged. */
static void
bench_claim(void *arg, const char *id, int64_t sent)
{
	watch_claim(arg, id, sent);
}

/* --- heads -------------------------------------------------------------- */

/* The node's heads as author -> seq. Returns NULL with *cause set. */
static json_t *
bench_heads(const char *dir, char **cause)
{
	json_t *r = bench_call(dir, "ledger.heads", cause), *h, *map;
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

/* True if have holds every author of want at its sequence or later. */
static bool
bench_heads_cover(json_t *have, json_t *want)
{
	const char *author;
	json_t *seq;

	json_object_foreach(want, author, seq) {
		json_t *mine = json_object_get(have, author);

		if (mine == NULL ||
		    json_integer_value(mine) < json_integer_value(seq))
			return false;
	}
	return true;
}

/* --- rtt ----------------------------------------------------------------
 * The reference: a REQ/REP ping-pong over TCP on loopback, each side with
 * a ZeroMQ context (and so I/O thread) of its own, as two nodes have. */

struct rtt_server {
	int port;
	bool curve;
	char secret[41];
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;		/* 1 bound, -1 failed */
	char *cause;
};

static void *
rtt_serve(void *arg)
{
	struct rtt_server *s = arg;
	void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_REP);
	char buf[4096], *cause = NULL, ep[64];
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
	while (cause == NULL && !atomic_load(&s->stop)) {
		zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
		int n;

		if (zmq_poll(&item, 1, 100) <= 0)
			continue;
		if ((n = zmq_recv(sock, buf, sizeof buf, ZMQ_DONTWAIT)) < 0)
			continue;
		zmq_send(sock, buf, (size_t)n < sizeof buf ? (size_t)n
							   : sizeof buf, 0);
	}
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return NULL;
}

/* Round trip number i of msg (BENCH_ENTRY_SIZE bytes) to the echo server
 * at ep. Returns 0, or -1 with *cause set. */
static int
rtt_once(void *sock, const char *ep, char *msg, size_t i, char **cause)
{
	zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
	char buf[BENCH_ENTRY_SIZE];

	memcpy(msg, &i, sizeof i);
	if (zmq_send(sock, msg, BENCH_ENTRY_SIZE, 0) < 0)
		return fail(cause, "send: %s", zmq_strerror(errno));
	if (zmq_poll(&item, 1, 2000) != 1 ||
	    zmq_recv(sock, buf, sizeof buf, 0) != (int)sizeof buf)
		return fail(cause, "no echo from '%s' within 2 s", ep);
	return 0;
}

/* One figure of round trips. Returns 0, or -1 with *cause set. */
static int
rtt_run(const struct bench_opts *o, bool curve, struct bench_row *row,
    char **cause)
{
	struct rtt_server s;
	char spub[41], cpub[41], csec[41], ep[64], msg[BENCH_ENTRY_SIZE];
	void *ctx = NULL, *sock = NULL;
	bench_samples_t *lat = bench_samples_new(o->count);
	struct bench_timer t;
	pthread_t thread;
	int zero = 0, err, rc = -1;
	bool started = false;

	memset(&s, 0, sizeof s);
	s.port = o->port;
	s.curve = curve;
	atomic_init(&s.stop, false);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	if (curve && (zmq_curve_keypair(spub, s.secret) != 0 ||
	    zmq_curve_keypair(cpub, csec) != 0)) {
		fail(cause, "this libzmq has no CURVE: %s",
		    zmq_strerror(errno));
		goto done;
	}
	if ((err = pthread_create(&thread, NULL, rtt_serve, &s)) != 0) {
		fail(cause, "cannot start a thread: %s", strerror(err));
		goto done;
	}
	started = true;
	pthread_mutex_lock(&s.lock);
	while (s.ready == 0)
		pthread_cond_wait(&s.cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	if (s.ready < 0) {
		fail(cause, "%s", s.cause);
		goto done;
	}
	ctx = zmq_ctx_new();
	sock = zmq_socket(ctx, ZMQ_REQ);
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
	if (curve) {
		zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, spub, 40);
		zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, cpub, 40);
		zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, csec, 40);
	}
	snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", o->port);
	if (zmq_connect(sock, ep) != 0) {
		fail(cause, "cannot connect to '%s': %s", ep,
		    zmq_strerror(errno));
		goto done;
	}
	memset(msg, 'x', sizeof msg);
	/* The first round trips carry the handshake; they are not
	 * counted. */
	for (size_t i = 0; i < BENCH_RTT_WARMUP; i++)
		if (rtt_once(sock, ep, msg, i, cause) != 0)
			goto done;
	bench_timer_start(&t, lat, o->count, o->seconds);
	while (bench_timer_more(&t)) {
		if (rtt_once(sock, ep, msg, BENCH_RTT_WARMUP + t.n,
			cause) != 0)
			goto done;
		bench_timer_done(&t);
	}
	{
		char *key = xasprintf("rtt.%s%s%s", curve ? "curve" : "plain",
		    o->key != NULL ? "." : "", o->key != NULL ? o->key : "");

		bench_row_set(row, key, curve ? "ZeroMQ CURVE" : "ZeroMQ",
		    xasprintf("ZeroMQ REQ/REP loopback round trip%s%s%s%s",
			curve ? ", CURVE" : "",
			o->label != NULL ? " (" : "",
			o->label != NULL ? o->label : "",
			o->label != NULL ? ")" : ""),
		    "round trips/s", lat, t.n, bench_timer_elapsed(&t));
		free(key);
	}
	rc = 0;
done:
	if (sock != NULL)
		zmq_close(sock);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	if (started) {
		atomic_store(&s.stop, true);
		pthread_join(thread, NULL);
	}
	free(s.cause);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	bench_samples_destroy(&lat);
	return rc;
}

static int
cmd_rtt(struct bench_opts *o, int argc, char **argv, struct bench_out *out,
    char **cause)
{
	(void)argv;
	if (argc != 0)
		usage();
	if (o->port == 0)
		return fail(cause, "give the port to use with -p");
	if (rtt_run(o, false, bench_out_row(out), cause) != 0)
		return -1;
	if (rtt_run(o, true, bench_out_row(out), cause) != 0) {
		out->nrows--;
		return -1;
	}
	bench_out_note(out, "rtt", "ZeroMQ reference: %zu-byte messages (a "
				   "signed entry of %d bytes of text), "
				   "client and echo server in one process "
				   "with a ZeroMQ context each",
	    (size_t)BENCH_ENTRY_SIZE, BENCH_TEXT_SIZE);
	return 0;
}

/* --- settle ------------------------------------------------------------- */

/* Waits until every node holds the same heads, so that no replication of
 * older entries runs under a figure. */
static int
cmd_settle(struct bench_opts *o, int argc, char **argv,
    struct bench_out *out, char **cause)
{
	int64_t start = time_mono_us();
	int64_t deadline = bench_deadline(start, o->seconds);
	json_t **heads;
	bool same = false;
	int rc = -1;

	(void)out;
	if (argc < 1)
		usage();
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
			    argc, o->seconds, bench_node_name(argv[0]), s);
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

/* First entries, not counted: one that every node publishes proves every
 * subscription in place and every node reachable before the clock runs.
 * A SUB socket misses what is published before it has connected, so
 * another is written while one is missing somewhere, a few times. */
static int
bench_warmup(struct watch *w, ctl_client_t *client, const char *origin,
    char **cause)
{
	char text[BENCH_TEXT_SIZE + 1], *code = NULL, *missing = NULL;
	int64_t end = time_mono_us() + BENCH_ENTRY_WAIT_US;

	for (size_t k = 0; time_mono_us() < end && !zsys_interrupted; k++) {
		json_t *result = NULL;
		const char *id;
		struct rec *r;
		int64_t t0, until;

		bench_text(text, 0, k);
		t0 = time_mono_us();
		if (ctl_client_call(client, "journal.add", json_pack("{s:s}",
			"text", text), BENCH_TIMEOUT_MS, &result, &code,
			cause) != CTL_OK) {
			free(code);
			free(missing);
			return -1;
		}
		if (json_unpack(result, "{s:s}", "id", &id) != 0) {
			json_decref(result);
			free(missing);
			return fail(cause, "journal.add on '%s' gave no id",
			    origin);
		}
		r = watch_claim(w, id, t0);
		json_decref(result);
		until = t0 + 1000000 < end ? t0 + 1000000 : end;
		if (watch_wait_rec(w, r, until)) {
			free(missing);
			return 0;
		}
		free(missing);
		missing = watch_missing(w, r);
	}
	fail(cause, "entries written on '%s' for %d s did not reach %s",
	    bench_node_name(origin), BENCH_ENTRY_WAIT_US / 1000000,
	    missing != NULL ? missing : "every node");
	free(missing);
	return -1;
}

/* --- spread --------------------------------------------------------------
 * One entry at a time on the origin; the next goes once every node has
 * the last. */
static int
cmd_spread(struct bench_opts *o, int argc, char **argv,
    struct bench_out *out, char **cause)
{
	char text[BENCH_TEXT_SIZE + 1], *code = NULL;
	ctl_client_t *client = NULL;
	struct watch *w = NULL;
	bench_samples_t *all, *after, **node_after;
	int64_t start, deadline, t0 = 0, t1;
	struct usage u0, u1, i0, i1;
	size_t n = 0, lost = 0;
	int rc = -1;

	if (argc < 2 || argc > BENCH_NODES_MAX || o->key == NULL ||
	    o->label == NULL)
		usage();
	memset(&u0, 0, sizeof u0);
	memset(&u1, 0, sizeof u1);
	memset(&i0, 0, sizeof i0);
	memset(&i1, 0, sizeof i1);
	all = bench_samples_new(o->count);
	after = bench_samples_new(o->count);
	node_after = xcalloc((size_t)argc, sizeof *node_after);
	for (int i = 0; i < argc; i++)
		node_after[i] = bench_samples_new(o->count);
	if ((w = watch_new(argc, argv, cause)) == NULL ||
	    (client = ctl_client_new(argv[0], cause)) == NULL ||
	    bench_warmup(w, client, argv[0], cause) != 0)
		goto done;
	usage_read(&i0, argc, argv);
	usleep(BENCH_IDLE_US);
	usage_read(&i1, argc, argv);
	usage_read(&u0, argc, argv);

	start = time_mono_us();
	deadline = bench_deadline(start, o->seconds);
	while (n + lost < o->count && (t0 = time_mono_us()) < deadline &&
	    !zsys_interrupted) {
		json_t *result = NULL;
		const char *id;
		struct rec *r;

		bench_text(text, 1, n + lost);
		if (ctl_client_call(client, "journal.add", json_pack("{s:s}",
			"text", text), BENCH_TIMEOUT_MS, &result, &code,
			cause) != CTL_OK)
			goto done;
		if (json_unpack(result, "{s:s}", "id", &id) != 0) {
			json_decref(result);
			fail(cause, "journal.add gave no id");
			goto done;
		}
		r = watch_claim(w, id, t0);
		json_decref(result);
		if (!watch_wait_rec(w, r, t0 + BENCH_ENTRY_WAIT_US)) {
			char *missing = watch_missing(w, r);

			bench_out_note(out, o->key, "%s: entry %zu did not "
						    "reach %s within %d s",
			    o->label, n + lost + 1, missing,
			    BENCH_ENTRY_WAIT_US / 1000000);
			free(missing);
			if (++lost >= BENCH_LOST_MAX)
				break;
			continue;
		}
		/* Every at[] is set: the watch writes them no more. */
		t1 = r->at[0];
		for (int i = 0; i < argc; i++)
			if (r->at[i] > t1)
				t1 = r->at[i];
		bench_samples_add(all, t1 - t0);
		bench_samples_add(after, t1 - r->at[0]);
		for (int i = 1; i < argc; i++)
			bench_samples_add(node_after[i], r->at[i] - r->at[0]);
		n++;
	}
	t1 = time_mono_us();
	usage_read(&u1, argc, argv);

	bench_row_set(bench_out_row(out), o->key, o->label,
	    xasprintf("%s, entry reaches all %d", o->label, argc),
	    "entries/s", all, n, t1 - start);
	out->rows[out->nrows - 1].hops = o->hops;
	{
		char *key = xasprintf("%s.after", o->key);

		bench_row_set(bench_out_row(out), key, o->label,
		    xasprintf("%s, the same after origin's commit",
			o->label),
		    "entries/s", after, n, t1 - start);
		out->rows[out->nrows - 1].hops = o->hops;
		free(key);
	}
	/* Where the time goes: p50 of each node after the origin. */
	{
		char *s = xstrdup("");

		for (int i = 1; i < argc; i++) {
			char *t = xasprintf("%s %s %" PRId64, s,
			    bench_node_name(argv[i]),
			    bench_samples_percentile(node_after[i], 50));

			free(s);
			s = t;
		}
		bench_out_note(out, o->key, "%s: p50 µs from the origin %s's "
					    "publication to each node's:%s",
		    o->label, bench_node_name(argv[0]), s);
		free(s);
	}
	usage_idle_note(out, o->key, o->label, argc, &i0, &i1);
	usage_note(out, o->key, o->label, argc, argv, &u0, &u1, &i0, &i1, n,
	    false);
	if (n < o->count && lost == 0 && !zsys_interrupted)
		bench_out_note(out, o->key, "%s: %zu of %zu entries in the %d s "
					    "bound",
		    o->label, n, o->count, o->seconds);
	if (zsys_interrupted) {
		fail(cause, "interrupted");
		goto done;
	}
	if (lost > 0) {
		fail(cause, "%s: %zu entries did not reach every node", o->label,
		    lost);
		goto done;
	}
	rc = 0;
done:
	free(code);
	ctl_client_destroy(&client);
	watch_destroy(&w);
	usage_free(&u0);
	usage_free(&u1);
	usage_free(&i0);
	usage_free(&i1);
	for (int i = 0; i < argc; i++)
		bench_samples_destroy(&node_after[i]);
	free(node_after);
	bench_samples_destroy(&all);
	bench_samples_destroy(&after);
	return rc;
}

/* --- push ----------------------------------------------------------------
 * Entries as fast as clients can write them on the centre; the figure is
 * the rate at which the leaves end up holding every one. */
static int
cmd_push(struct bench_opts *o, int argc, char **argv, struct bench_out *out,
    char **cause)
{
	bench_samples_t *lat_add = bench_samples_new(o->count);
	bench_samples_t *lat_leaves = bench_samples_new(o->count);
	int64_t start = 0, write_end, last = 0, dropped0, dropped1;
	struct bench_writers writers;
	ctl_client_t *client = NULL;
	struct watch *w = NULL;
	size_t n = 0, done = 0, base, m = 0, late = 0;
	struct usage u0, u1;
	char *wcause = NULL;
	int rc = -1;

	memset(&u0, 0, sizeof u0);
	memset(&u1, 0, sizeof u1);

	if (argc < 2 || argc > BENCH_NODES_MAX || o->key == NULL ||
	    o->label == NULL)
		usage();
	if ((w = watch_new(argc, argv, cause)) == NULL ||
	    (client = ctl_client_new(argv[0], cause)) == NULL ||
	    bench_warmup(w, client, argv[0], cause) != 0)
		goto done;
	ctl_client_destroy(&client);
	base = w->nours;
	dropped0 = bench_peers_sum(argv[0], "dropped");
	usage_read(&u0, argc, argv);

	writers = (struct bench_writers){ .dir = argv[0],
		.clients = o->clients, .count = o->count,
		.seconds = o->seconds, .added = bench_claim, .arg = w };
	bench_writers_run(&writers, lat_add, &start, &wcause);
	write_end = time_mono_us();
	n = bench_samples_count(lat_add);
	done = watch_wait_all(w, write_end + BENCH_DRAIN_US) - base;
	usage_read(&u1, argc, argv);
	dropped1 = bench_peers_sum(argv[0], "dropped");

	pthread_mutex_lock(&w->lock);
	for (size_t i = base; i < w->nours; i++) {
		struct rec *r = w->ours[i];
		int64_t t = 0;
		bool all = true;

		for (int k = 1; k < argc; k++) {
			if (r->at[k] == 0)
				all = false;
			else if (r->at[k] > t)
				t = r->at[k];
		}
		if (!all)
			continue;
		bench_samples_add(lat_leaves, t - r->sent);
		m++;
		if (t > last)
			last = t;
		/* Beyond a few seconds only anti-entropy brings an entry. */
		if (t - r->sent > 2000000)
			late++;
	}
	pthread_mutex_unlock(&w->lock);

	{
		char *key = xasprintf("%s.centre", o->key);

		bench_row_set(bench_out_row(out), key, o->label,
		    xasprintf("%s, centre journal.add, %d client%s", o->label,
			o->clients, o->clients == 1 ? "" : "s"),
		    "appends/s", lat_add, n, write_end - start);
		free(key);
	}
	bench_row_set(bench_out_row(out), o->key, o->label,
	    xasprintf("%s, all %d leaves have every entry", o->label,
		argc - 1),
	    "entries/s", lat_leaves, m, last > start ? last - start : 0);
	bench_out_note(out, o->key, "%s: the last leaf had the last entry "
				    "%.3f s after the last write; %zu of %zu "
				    "entries took over 2 s to reach every leaf",
	    o->label, last > write_end ? (last - write_end) / 1e6 : 0.0, late,
	    m);
	usage_note(out, o->key, o->label, argc, argv, &u0, &u1, NULL, NULL, n,
	    true);
	if (dropped0 >= 0 && dropped1 >= 0)
		bench_out_note(out, o->key, "%s: the centre dropped %" PRId64
					    " messages on full send queues "
					    "meanwhile",
		    o->label, dropped1 - dropped0);
	if (zsys_interrupted) {
		fail(cause, "interrupted");
		goto done;
	}
	if (wcause != NULL) {
		fail(cause, "%s: writing: %s", o->label, wcause);
		goto done;
	}
	if (done < n) {
		bench_out_note(out, o->key, "%s: %zu of %zu entries had not "
					    "reached every node %d s after "
					    "the last write",
		    o->label, n - done, n, BENCH_DRAIN_US / 1000000);
		fail(cause, "%s: %zu entries did not reach every leaf", o->label,
		    n - done);
		goto done;
	}
	rc = 0;
done:
	free(wcause);
	ctl_client_destroy(&client);
	watch_destroy(&w);
	usage_free(&u0);
	usage_free(&u1);
	bench_samples_destroy(&lat_add);
	bench_samples_destroy(&lat_leaves);
	return rc;
}

/* --- catchup ------------------------------------------------------------ */

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
static int
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

/* Runs the command that starts a detached ioed, which returns once the
 * daemon is ready. Returns 0, or -1 with *cause set. */
static int
bench_start(char **argv, char **cause)
{
	int64_t deadline = time_mono_us() + BENCH_START_WAIT_US;
	int status, err;
	pid_t pid, got;

	if ((err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ)) !=
	    0)
		return fail(cause, "cannot run '%s': %s", argv[0],
		    strerror(err));
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 &&
	    time_mono_us() < deadline)
		usleep(2000);
	if (got == 0) {
		/* Ours: the process that would have detached. */
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return fail(cause, "'%s' did not return within %d s", argv[0],
		    BENCH_START_WAIT_US / 1000000);
	}
	if (got < 0)
		return fail(cause, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(cause, "'%s' failed (status %d)", argv[0], status);
	return 0;
}

/* Stops the lagger, writes count entries on the source, starts the
 * lagger again and times until it holds every head the source holds. */
static int
cmd_catchup(struct bench_opts *o, int argc, char **argv,
    struct bench_out *out, char **cause)
{
	const char *lagger, *source;
	char **ioed;
	bench_samples_t *lat_add = bench_samples_new(o->count);
	int64_t start, write_end, before = 0, target = 0, entries = 0;
	int64_t peers = 0, t_launch, t_ready, t_link = -1, t_flow = -1;
	int64_t t_count = -1, t_done = -1, deadline, now;
	struct bench_writers writers;
	ctl_client_t *client = NULL;
	json_t *want = NULL, *have = NULL;
	char *wcause = NULL;
	int rc = -1;

	if (argc < 4 || strcmp(argv[2], "--") != 0)
		usage();
	lagger = argv[0];
	source = argv[1];
	ioed = argv + 3;

	if ((client = ctl_client_new(lagger, cause)) == NULL ||
	    bench_status_int(client, lagger, "entries", &before, cause) != 0)
		goto done;
	ctl_client_destroy(&client);
	if (bench_stop(lagger, cause) != 0)
		goto done;
	fprintf(stderr, "%s: stopped %s (%" PRId64 " entries); writing on "
			"%s\n",
	    bench_prog, bench_node_name(lagger), before,
	    bench_node_name(source));

	writers = (struct bench_writers){ .dir = source,
		.clients = o->clients, .count = o->count,
		.seconds = o->seconds };
	bench_writers_run(&writers, lat_add, &start, &wcause);
	write_end = time_mono_us();
	bench_row_set(bench_out_row(out), "catchup.write", "catch-up",
	    xasprintf("catch-up, %s journal.add, %d client%s",
		bench_node_name(source), o->clients,
		o->clients == 1 ? "" : "s"),
	    "appends/s", lat_add, bench_samples_count(lat_add),
	    write_end - start);
	if (wcause != NULL) {
		fail(cause, "writing on '%s': %s", source, wcause);
		goto done;
	}
	if ((client = ctl_client_new(source, cause)) == NULL ||
	    bench_status_int(client, source, "entries", &target, cause) != 0 ||
	    (want = bench_heads(source, cause)) == NULL)
		goto done;
	ctl_client_destroy(&client);

	fprintf(stderr, "%s: starting %s again; it lacks %" PRId64
			" entries\n",
	    bench_prog, bench_node_name(lagger), target - before);
	t_launch = time_mono_us();
	if (bench_start(ioed, cause) != 0)
		goto done;
	t_ready = time_mono_us();
	if ((client = ctl_client_new(lagger, cause)) == NULL)
		goto done;
	deadline = bench_deadline(t_ready, o->seconds);
	while ((now = time_mono_us()) < deadline && !zsys_interrupted) {
		if (bench_status_int(client, lagger, "entries", &entries,
			cause) != 0 ||
		    bench_status_int(client, lagger, "peers", &peers,
			cause) != 0)
			goto done;
		now = time_mono_us();
		if (t_link < 0 && peers > 0)
			t_link = now;
		if (t_flow < 0 && entries > before)
			t_flow = now;
		if (entries >= target) {
			if (t_count < 0)
				t_count = now;
			json_decref(have);
			if ((have = bench_heads(lagger, cause)) == NULL)
				goto done;
			if (bench_heads_cover(have, want)) {
				t_done = time_mono_us();
				break;
			}
		}
		usleep(BENCH_POLL_US);
	}
	bench_row_set(bench_out_row(out), "catchup", "catch-up",
	    xasprintf("catch-up, restarted %s has all %" PRId64,
		bench_node_name(lagger), target - before),
	    "entries/s", NULL,
	    t_done >= 0 ? (size_t)(target - before) : 0,
	    t_done >= 0 ? t_done - t_launch : 0);
	bench_out_note(out, "catchup", "catch-up: %s started %.3f s after "
				       "launch, link up at %.3f s, first "
				       "entries at %.3f s, count matched at "
				       "%.3f s, heads at %.3f s (polled "
				       "every %d ms)",
	    bench_node_name(lagger), (t_ready - t_launch) / 1e6,
	    t_link >= 0 ? (t_link - t_launch) / 1e6 : -1.0,
	    t_flow >= 0 ? (t_flow - t_launch) / 1e6 : -1.0,
	    t_count >= 0 ? (t_count - t_launch) / 1e6 : -1.0,
	    t_done >= 0 ? (t_done - t_launch) / 1e6 : -1.0,
	    BENCH_POLL_US / 1000);
	if (t_done < 0) {
		fail(cause, "'%s' had %" PRId64 " of %" PRId64 " entries after "
			    "%d s",
		    lagger, entries, target, o->seconds);
		goto done;
	}
	rc = 0;
done:
	free(wcause);
	json_decref(want);
	json_decref(have);
	ctl_client_destroy(&client);
	bench_samples_destroy(&lat_add);
	return rc;
}

/* --- report ------------------------------------------------------------- */

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

/* Of the rows whose key starts with prefix, the one of the lowest p50:
 * the least disturbed by whatever else the machine ran. */
static const struct bench_row *
bench_find_best(const struct bench_row *rows, size_t n, const char *prefix)
{
	const struct bench_row *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (strncmp(rows[i].key, prefix, strlen(prefix)) == 0 &&
		    rows[i].st.p50 > 0 &&
		    (best == NULL || rows[i].st.p50 < best->st.p50))
			best = &rows[i];
	return best;
}

static const struct bench_row *
bench_find(const struct bench_row *rows, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	return NULL;
}

static int
cmd_report(struct bench_opts *o, int argc, char **argv,
    struct bench_out *out, char **cause)
{
	struct bench_row *rows = NULL;
	const struct bench_row *curve, *plain;
	char **notes = NULL, **info = NULL, *line = NULL;
	size_t nrows = 0, nnotes = 0, ninfo = 0, cap = 0;
	bool any;
	FILE *fp;

	(void)o;
	(void)out;
	if (argc != 1)
		usage();
	if ((fp = fopen(argv[0], "re")) == NULL)
		return fail(cause, "cannot open '%s': %s", argv[0],
		    strerror(errno));
	while (getline(&line, &cap, fp) > 0) {
		char *f[11];
		int nf = bench_split(line, f, 11);

		if (strcmp(f[0], "row") == 0 && nf == 11) {
			struct bench_row *r;

			rows = realloc(rows, (nrows + 1) * sizeof *rows);
			if (rows == NULL)
				abort();
			r = &rows[nrows++];
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
			notes = realloc(notes, (nnotes + 1) * sizeof *notes);
			if (notes == NULL)
				abort();
			notes[nnotes++] = xstrdup(f[2]);
		} else if (strcmp(f[0], "info") == 0 && nf >= 3) {
			info = realloc(info, (ninfo + 1) * sizeof *info);
			if (info == NULL)
				abort();
			info[ninfo++] = xasprintf("  %-12s%s", f[1], f[2]);
		}
	}
	free(line);
	fclose(fp);

	printf("ioe mesh benchmark\n");
	for (size_t i = 0; i < ninfo; i++)
		printf("%s\n", info[i]);
	printf("\n");
	bench_table_header(&table);
	for (size_t i = 0; i < nrows; i++)
		if (strncmp(rows[i].key, "rtt.", 4) != 0)
			bench_table_row(&table, rows[i].figure,
			    rows[i].unit, &rows[i].st);
	printf("\nreference, same run\n");
	for (size_t i = 0; i < nrows; i++)
		if (strncmp(rows[i].key, "rtt.", 4) == 0)
			bench_table_row(&table, rows[i].figure,
			    rows[i].unit, &rows[i].st);

	curve = bench_find_best(rows, nrows, "rtt.curve");
	plain = bench_find_best(rows, nrows, "rtt.plain");
	bench_table_ratio_header(&table);
	any = false;
	for (size_t i = 0; i < nrows; i++) {
		const struct bench_row *r = &rows[i];
		size_t len = strlen(r->key);
		char *what;

		if (len < 6 || strcmp(r->key + len - 6, ".after") != 0 ||
		    r->hops <= 0)
			continue;
		what = xasprintf("%s: p50 per hop after commit ÷ CURVE "
				 "one way",
		    r->label);
		bench_table_ratio(&table, what,
		    r->st.p50 >= 0 ? (double)r->st.p50 / r->hops : -1,
		    curve != NULL && curve->st.p50 > 0 ? curve->st.p50 / 2.0
						      : 0);
		free(what);
		any = true;
	}
	if (curve != NULL && plain != NULL) {
		bench_table_ratio(&table, "ZeroMQ: CURVE p50 round trip ÷ "
					  "plain p50 round trip",
		    (double)curve->st.p50, (double)plain->st.p50);
		any = true;
	}
	for (size_t i = 0; i < nrows; i++) {
		const struct bench_row *r = &rows[i], *c;
		char *key, *what;

		if (strchr(r->key, '.') != NULL)
			continue;
		key = xasprintf("%s.centre", r->key);
		c = bench_find(rows, nrows, key);
		free(key);
		if (c == NULL)
			continue;
		what = xasprintf("%s: leaves' entries/s ÷ centre's appends/s",
		    r->label);
		bench_table_ratio(&table, what, r->st.rate, c->st.rate);
		free(what);
		any = true;
	}
	{
		const struct bench_row *c = bench_find(rows, nrows, "catchup");
		const struct bench_row *wr = bench_find(rows, nrows,
		    "catchup.write");

		if (c != NULL && wr != NULL) {
			bench_table_ratio(&table, "catch-up: entries/s caught "
						  "up ÷ source appends/s",
			    c->st.rate, wr->st.rate);
			any = true;
		}
	}
	if (!any)
		printf("(none: figures missing)\n");
	else if (curve != NULL)
		printf("(one way: half the lowest CURVE round-trip p50 of the "
		       "run, %.1f µs)\n",
		    curve->st.p50 / 2.0);
	if (nnotes > 0)
		printf("\nnotes\n");
	for (size_t i = 0; i < nnotes; i++) {
		bool seen = false;

		/* Two runs of a command say the same things once. */
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(notes[k], notes[i]) == 0;
		if (!seen)
			printf("  %s\n", notes[i]);
	}

	for (size_t i = 0; i < nrows; i++)
		bench_row_free(&rows[i]);
	free(rows);
	for (size_t i = 0; i < nnotes; i++)
		free(notes[i]);
	free(notes);
	for (size_t i = 0; i < ninfo; i++)
		free(info[i]);
	free(info);
	return 0;
}

/* --- main --------------------------------------------------------------- */

struct bench_cmd {
	const char *name;
	int (*run)(struct bench_opts *, int, char **, struct bench_out *,
	    char **);
	size_t count;
	int clients;
	int seconds;
};

static const struct bench_cmd bench_cmds[] = {
	{ "rtt", cmd_rtt, 10000, 1, 5 },
	{ "settle", cmd_settle, 0, 1, 30 },
	{ "spread", cmd_spread, 200, 1, 30 },
	{ "push", cmd_push, 10000, 8, 20 },
	{ "catchup", cmd_catchup, 10000, 8, 60 },
	{ "report", cmd_report, 0, 1, 1 },
};

int
main(int argc, char **argv)
{
	const struct bench_cmd *cmd = NULL;
	struct bench_opts o;
	struct bench_out out;
	char *cause = NULL;
	int opt, rc = 1;

	if (argc < 2)
		usage();
	for (size_t i = 0; i < sizeof bench_cmds / sizeof bench_cmds[0]; i++)
		if (strcmp(argv[1], bench_cmds[i].name) == 0)
			cmd = &bench_cmds[i];
	if (cmd == NULL)
		usage();
	memset(&o, 0, sizeof o);
	memset(&out, 0, sizeof out);
	o.count = cmd->count;
	o.clients = cmd->clients;
	o.seconds = cmd->seconds;
	argc--;
	argv++;
	/* "+": stop at the first operand, so that catchup's ioed command
	 * keeps its options. */
	while ((opt = getopt(argc, argv, "+k:l:H:n:c:s:p:o:h")) != -1) {
		switch (opt) {
		case 'k':
			o.key = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'H':
			o.hops = (int)bench_parse_number(optarg, 1,
			    BENCH_NODES_MAX, "hop count");
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
		case 'p':
			o.port = (int)bench_parse_number(optarg, 1024,
			    65535, "port");
			break;
		case 'o':
			o.out = optarg;
			break;
		default:
			usage();
		}
	}
	if (o.key != NULL && (strchr(o.key, '\t') != NULL ||
	    strchr(o.key, '\n') != NULL))
		usage();
	/* Before any thread: czmq sets up its context and the SIGINT
	 * handler behind zsys_interrupted once, here. */
	zsys_init();

	if (cmd->run(&o, argc - optind, argv + optind, &out, &cause) == 0)
		rc = 0;
	if (cause != NULL)
		fprintf(stderr, "%s %s: %s\n", bench_prog, cmd->name, cause);
	free(cause);
	cause = NULL;
	/* What was measured is kept, even when a figure failed. */
	if (bench_out_write(&out, o.out, &cause) != 0) {
		fprintf(stderr, "%s %s: %s\n", bench_prog, cmd->name, cause);
		rc = 1;
	}
	bench_out_free(&out);
	free(cause);
	return rc;
}
