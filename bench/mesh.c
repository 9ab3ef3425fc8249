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

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "ctl_client.h"
#include "entry.h"
#include "util.h"

#define BENCH_CLIENTS_MAX 256
/* The signed entry a journal text makes: what a hop carries. */
#define BENCH_ENTRY_SIZE (ENTRY_FIXED_SIZE + sizeof "journal" - 1 + \
	BENCH_TEXT_SIZE)
/* Spread stops after that many lost entries: the mesh is broken. */
#define BENCH_LOST_MAX 3
/* What the last leaf may lag behind the last write in push. */
#define BENCH_DRAIN_US 60000000

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

/* --- heads -------------------------------------------------------------- */

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

/* --- rtt ---------------------------------------------------------------- */

static int
cmd_rtt(struct bench_opts *o, int argc, char **argv, struct bench_out *out,
    char **cause)
{
	(void)argv;
	if (argc != 0)
		usage();
	if (o->port == 0)
		return fail(cause, "give the port to use with -p");
	if (bench_rtt(o->port, false, BENCH_ENTRY_SIZE, o->count, o->seconds,
		o->key, o->label, bench_out_row(out), cause) != 0) {
		out->nrows--;
		return -1;
	}
	if (bench_rtt(o->port, true, BENCH_ENTRY_SIZE, o->count, o->seconds,
		o->key, o->label, bench_out_row(out), cause) != 0) {
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

/* Waits until every node holds the same heads. */
static int
cmd_settle(struct bench_opts *o, int argc, char **argv,
    struct bench_out *out, char **cause)
{
	(void)out;
	if (argc < 1)
		usage();
	return bench_settle(argc, argv, o->seconds, cause);
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
	struct bench_watch *w = NULL;
	bench_samples_t *all, *after, **node_after;
	int64_t start, deadline, t0 = 0, t1;
	struct bench_usage u0, u1, i0, i1;
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
	if ((w = bench_watch_new(argc, argv, cause)) == NULL ||
	    (client = ctl_client_new(argv[0], cause)) == NULL ||
	    bench_warmup(w, client, NULL, argv[0], cause) != 0)
		goto done;
	bench_usage_read(&i0, argc, argv);
	usleep(BENCH_IDLE_US);
	bench_usage_read(&i1, argc, argv);
	bench_usage_read(&u0, argc, argv);

	start = time_mono_us();
	deadline = bench_deadline(start, o->seconds);
	while (n + lost < o->count && (t0 = time_mono_us()) < deadline &&
	    !zsys_interrupted) {
		json_t *result = NULL;
		const char *id;
		struct bench_rec *r;

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
		r = bench_watch_claim(w, id, t0);
		json_decref(result);
		if (!bench_watch_wait_rec(w, r, t0 + BENCH_ENTRY_WAIT_US)) {
			char *missing = bench_watch_missing(w, r);

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
	bench_usage_read(&u1, argc, argv);

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
	bench_usage_idle_note(out, o->key, o->label, argc, &i0, &i1);
	bench_usage_note(out, o->key, o->label, argc, argv, &u0, &u1, &i0,
	    &i1, n, false);
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
	bench_watch_destroy(&w);
	bench_usage_free(&u0);
	bench_usage_free(&u1);
	bench_usage_free(&i0);
	bench_usage_free(&i1);
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
	struct bench_watch *w = NULL;
	size_t n = 0, done = 0, base, m = 0, late = 0;
	struct bench_usage u0, u1;
	char *wcause = NULL;
	int rc = -1;

	memset(&u0, 0, sizeof u0);
	memset(&u1, 0, sizeof u1);

	if (argc < 2 || argc > BENCH_NODES_MAX || o->key == NULL ||
	    o->label == NULL)
		usage();
	if ((w = bench_watch_new(argc, argv, cause)) == NULL ||
	    (client = ctl_client_new(argv[0], cause)) == NULL ||
	    bench_warmup(w, client, NULL, argv[0], cause) != 0)
		goto done;
	ctl_client_destroy(&client);
	base = w->nours;
	dropped0 = bench_peers_sum(argv[0], "dropped");
	bench_usage_read(&u0, argc, argv);

	writers = (struct bench_writers){ .dir = argv[0],
		.clients = o->clients, .count = o->count,
		.seconds = o->seconds, .added = bench_watch_added, .arg = w };
	bench_writers_run(&writers, lat_add, &start, &wcause);
	write_end = time_mono_us();
	n = bench_samples_count(lat_add);
	done = bench_watch_wait_all(w, write_end + BENCH_DRAIN_US) - base;
	bench_usage_read(&u1, argc, argv);
	dropped1 = bench_peers_sum(argv[0], "dropped");

	pthread_mutex_lock(&w->lock);
	for (size_t i = base; i < w->nours; i++) {
		struct bench_rec *r = w->ours[i];
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
	bench_usage_note(out, o->key, o->label, argc, argv, &u0, &u1, NULL,
	    NULL, n, true);
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
	bench_watch_destroy(&w);
	bench_usage_free(&u0);
	bench_usage_free(&u1);
	bench_samples_destroy(&lat_add);
	bench_samples_destroy(&lat_leaves);
	return rc;
}

/* --- catchup ------------------------------------------------------------ */

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

static int
cmd_report(struct bench_opts *o, int argc, char **argv,
    struct bench_out *out, char **cause)
{
	const struct bench_row *curve, *plain;
	struct bench_report rep;
	bool any;

	(void)o;
	(void)out;
	if (argc != 1)
		usage();
	if (bench_report_read(&rep, argv[0], cause) != 0)
		return -1;
	bench_report_print_figures(&rep, &table, "ioe mesh benchmark");

	curve = bench_report_best(&rep, "rtt.curve");
	plain = bench_report_best(&rep, "rtt.plain");
	bench_table_ratio_header(&table);
	any = false;
	for (size_t i = 0; i < rep.nrows; i++) {
		const struct bench_row *r = &rep.rows[i];
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
	for (size_t i = 0; i < rep.nrows; i++) {
		const struct bench_row *r = &rep.rows[i], *c;
		char *key, *what;

		if (strchr(r->key, '.') != NULL)
			continue;
		key = xasprintf("%s.centre", r->key);
		c = bench_report_find(&rep, key);
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
		const struct bench_row *c = bench_report_find(&rep, "catchup");
		const struct bench_row *wr = bench_report_find(&rep,
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
	bench_report_print_notes(&rep);
	bench_report_free(&rep);
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
	int opt, rc;

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

	rc = cmd->run(&o, argc - optind, argv + optind, &out, &cause);
	return bench_step_done(cmd->name, rc, cause, &out, o.out);
}
