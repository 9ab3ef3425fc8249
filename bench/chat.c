/* bench/chat: how fast a chat message goes from `say` on one node to the
 * event of a node two hops away, one at a time and from several clients at
 * once, set beside the ZeroMQ round trip on the same loopback, plain and
 * with CURVE, measured in the same run.
 *
 *   chat rtt [-k KEY] [-l LABEL] [-n COUNT] [-s SECONDS] -p PORT -o FILE
 *   chat run [-n COUNT] [-s SECONDS] [-c CLIENTS] [-m COUNT] [-S SECONDS]
 *        -o FILE A B C
 *   chat report FILE
 *
 * A, B and C are the directories of three running nodes linked in a line,
 * A - B - C. run gives each a user, creates a room on A that all three
 * join, then says on A: COUNT messages one at a time (-n, -s), each sent
 * once the last has reached every node; then CLIENTS clients at once for
 * SECONDS (-c, -S), up to COUNT messages (-m), and waits until C has every
 * one. bench/run-chat starts the nodes and calls these in turn. Each
 * measuring command appends its figures to FILE; report prints them as one
 * table. Every wait is bounded.
 *
 * A message's arrival at a node is the moment the node publishes it on its
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
/* The user on every node, and the room they all join. */
#define CHAT_USER "bench"
#define CHAT_ROOM "bench"
/* The one-at-a-time figure stops after that many lost messages. */
#define CHAT_LOST_MAX 3
/* What C may lag behind the last say of the clients at once. */
#define CHAT_DRAIN_US 30000000
/* Beyond that, a message was late (only anti-entropy brings it). */
#define CHAT_LATE_US 2000000
#define CHAT_SETTLE_S 30

struct chat_opts {
	const char *key;	/* of the figures in FILE (rtt) */
	const char *label;	/* shown in the figures' names (rtt) */
	const char *out;	/* FILE */
	size_t count;		/* one at a time; round trips */
	int seconds;		/* for count */
	int clients;
	size_t burst;		/* messages of the clients at once */
	int burst_seconds;
	int port;
};

/* Every ratio's name holds one two-byte "÷": one more byte of width. */
static const struct bench_table table = { .figure = 58, .ops = 7,
	.unit = 14, .lat = 8, .ratio = 66, .decimals = 2 };

const char *const bench_prog = "chat";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: chat rtt [-k KEY] [-l LABEL] [-n COUNT] [-s SECONDS] -p PORT "
	    "-o FILE\n"
	    "       chat run [-n COUNT] [-s SECONDS] [-c CLIENTS] [-m COUNT] "
	    "[-S SECONDS] -o FILE A B C\n"
	    "       chat report FILE\n");
	exit(2);
}

/* --- say ---------------------------------------------------------------- */

static json_t *
chat_say_params(void *arg, const char *text)
{
	(void)arg;
	return json_pack("{s:s, s:s, s:s}", "room", CHAT_ROOM, "text", text,
	    "user", CHAT_USER);
}

static const struct bench_req chat_say = { "say", chat_say_params, NULL };

/* The size of the signed entry a say of a bench_text makes: what a hop
 * carries. The body is built as the node builds it. */
static size_t
chat_entry_size(void)
{
	char text[BENCH_TEXT_SIZE + 1];
	json_t *body;
	char *s;
	size_t size;

	bench_text(text, 1, 1);
	body = json_pack("{s:s, s:s, s:s}", "room", CHAT_ROOM, "user",
	    CHAT_USER, "text", text);
	s = json_dumps(body, JSON_COMPACT);
	size = ENTRY_FIXED_SIZE + sizeof "msg" - 1 + strlen(s);
	free(s);
	json_decref(body);
	return size;
}

/* --- rtt ---------------------------------------------------------------- */

static int
cmd_rtt(struct chat_opts *o, int argc, char **argv, struct bench_out *out,
    char **cause)
{
	(void)argv;
	if (argc != 0)
		usage();
	if (o->port == 0)
		return fail(cause, "give the port to use with -p");
	if (bench_rtt(o->port, false, chat_entry_size(), o->count, o->seconds,
		o->key, o->label, bench_out_row(out), cause) != 0) {
		out->nrows--;
		return -1;
	}
	if (bench_rtt(o->port, true, chat_entry_size(), o->count, o->seconds,
		o->key, o->label, bench_out_row(out), cause) != 0) {
		out->nrows--;
		return -1;
	}
	bench_out_note(out, "rtt", "ZeroMQ reference: %zu-byte messages (the "
				   "signed entry of a say of %d bytes of "
				   "text), client and echo server in one "
				   "process with a ZeroMQ context each",
	    chat_entry_size(), BENCH_TEXT_SIZE);
	return 0;
}

/* --- the room ----------------------------------------------------------- */

/* --- one at a time ------------------------------------------------------ */

/* The latencies of the one-at-a-time figure, in µs from the say. */
enum { LAT_REPLY, LAT_A, LAT_B, LAT_C, LAT_C_AFTER, LAT_B_AFTER, LAT_N };

static int
chat_one(const struct chat_opts *o, char **dirs, struct bench_watch *w,
    ctl_client_t *client, struct bench_out *out, char **cause)
{
	const char *a = bench_node_name(dirs[0]), *b = bench_node_name(dirs[1]);
	const char *c = bench_node_name(dirs[2]);
	char text[BENCH_TEXT_SIZE + 1], id[2 * ENTRY_ID_SIZE + 1];
	bench_samples_t *lat[LAT_N];
	struct bench_usage u0, u1, i0, i1;
	int64_t start, deadline, t0, t1;
	size_t n = 0, lost = 0, reply_first = 0;
	int rc = -1;

	memset(&u0, 0, sizeof u0);
	memset(&u1, 0, sizeof u1);
	memset(&i0, 0, sizeof i0);
	memset(&i1, 0, sizeof i1);
	for (int k = 0; k < LAT_N; k++)
		lat[k] = bench_samples_new(o->count);
	bench_usage_read(&i0, 3, dirs);
	usleep(BENCH_IDLE_US);
	bench_usage_read(&i1, 3, dirs);
	bench_usage_read(&u0, 3, dirs);

	start = time_mono_us();
	deadline = bench_deadline(start, o->seconds);
	while (n + lost < o->count && (t0 = time_mono_us()) < deadline &&
	    !zsys_interrupted) {
		struct bench_rec *r;
		int64_t reply;

		bench_text(text, 1, n + lost);
		if (bench_req_send(&chat_say, client, text, id, cause) != 0)
			goto done;
		reply = time_mono_us();
		r = bench_watch_claim(w, id, t0);
		if (!bench_watch_wait_rec(w, r, t0 + BENCH_ENTRY_WAIT_US)) {
			char *missing = bench_watch_missing(w, r);

			bench_out_note(out, "one", "one at a time: message %zu "
						   "did not reach %s within "
						   "%d s",
			    n + lost + 1, missing,
			    BENCH_ENTRY_WAIT_US / 1000000);
			free(missing);
			if (++lost >= CHAT_LOST_MAX)
				break;
			continue;
		}
		/* Every at[] is set: the watch writes them no more. */
		bench_samples_add(lat[LAT_REPLY], reply - t0);
		bench_samples_add(lat[LAT_A], r->at[0] - t0);
		bench_samples_add(lat[LAT_B], r->at[1] - t0);
		bench_samples_add(lat[LAT_C], r->at[2] - t0);
		bench_samples_add(lat[LAT_B_AFTER], r->at[1] - r->at[0]);
		bench_samples_add(lat[LAT_C_AFTER], r->at[2] - r->at[0]);
		if (reply < r->at[0])
			reply_first++;
		n++;
	}
	t1 = time_mono_us();
	bench_usage_read(&u1, 3, dirs);

	bench_row_set(bench_out_row(out), "one.reply", "one at a time",
	    xasprintf("say on %s, one at a time: the reply", a), "messages/s",
	    lat[LAT_REPLY], n, t1 - start);
	bench_row_set(bench_out_row(out), "one.a", a,
	    xasprintf("say on %s, one at a time: %s's event", a, a),
	    "messages/s", lat[LAT_A], n, t1 - start);
	bench_row_set(bench_out_row(out), "one.b", b,
	    xasprintf("say on %s, one at a time: %s's event, 1 hop", a, b),
	    "messages/s", lat[LAT_B], n, t1 - start);
	out->rows[out->nrows - 1].hops = 1;
	{
		char *label = xasprintf("%s -> %s", a, c);

		bench_row_set(bench_out_row(out), "one.c", label,
		    xasprintf("say on %s, one at a time: %s's event, 2 hops",
			a, c),
		    "messages/s", lat[LAT_C], n, t1 - start);
		out->rows[out->nrows - 1].hops = 2;
		bench_row_set(bench_out_row(out), "one.c.after", label,
		    xasprintf("say on %s, one at a time: %s's event after "
			      "%s's", a, c, a),
		    "messages/s", lat[LAT_C_AFTER], n, t1 - start);
		out->rows[out->nrows - 1].hops = 2;
		free(label);
	}
	bench_out_note(out, "one", "one at a time: p50 µs from %s's event to "
				   "%s's %" PRId64 ", to %s's %" PRId64
				   "; the reply came before %s's own event "
				   "for %zu of %zu messages",
	    a, b, bench_samples_percentile(lat[LAT_B_AFTER], 50), c,
	    bench_samples_percentile(lat[LAT_C_AFTER], 50), a,
	    reply_first, n);
	bench_usage_idle_note(out, "one", "one at a time", 3, &i0, &i1);
	bench_usage_note(out, "one", "one at a time", 3, dirs, &u0, &u1, &i0,
	    &i1, n, false);
	if (n < o->count && lost == 0 && !zsys_interrupted)
		bench_out_note(out, "one", "one at a time: %zu of %zu messages "
					   "in the %d s bound",
		    n, o->count, o->seconds);
	if (zsys_interrupted) {
		fail(cause, "interrupted");
		goto done;
	}
	if (lost > 0) {
		fail(cause, "one at a time: %zu messages did not reach every "
			    "node",
		    lost);
		goto done;
	}
	rc = 0;
done:
	bench_usage_free(&u0);
	bench_usage_free(&u1);
	bench_usage_free(&i0);
	bench_usage_free(&i1);
	for (int k = 0; k < LAT_N; k++)
		bench_samples_destroy(&lat[k]);
	return rc;
}

/* --- several clients at once -------------------------------------------- */

/* The ids of the messages the clients said, as the watch claims them. */
struct chat_said {
	struct bench_watch *w;
	pthread_mutex_t lock;
	zhashx_t *ids;		/* id -> the watch's record */
};

static void
chat_said(void *arg, const char *id, int64_t sent)
{
	struct chat_said *s = arg;
	struct bench_rec *r = bench_watch_claim(s->w, id, sent);

	pthread_mutex_lock(&s->lock);
	zhashx_insert(s->ids, id, r);
	pthread_mutex_unlock(&s->lock);
}

/* How many of the ids the node at dir holds in the room, asking for its
 * history since since (Unix µs); *us gets how long that took and *listed
 * how many messages it gave. Returns -1 with *cause set if the node did
 * not answer. */
static int64_t
chat_held(const char *dir, zhashx_t *ids, int64_t since, int64_t *us,
    size_t *listed, char **cause)
{
	int64_t t0 = time_mono_us(), held = 0;
	json_t *r, *m;
	size_t i;

	r = bench_call(dir, "history",
	    json_pack("{s:s, s:s, s:I}", "room", CHAT_ROOM, "user", CHAT_USER,
		"since", (json_int_t)since),
	    cause);
	*us = time_mono_us() - t0;
	if (r == NULL)
		return -1;
	*listed = json_array_size(json_object_get(r, "messages"));
	json_array_foreach(json_object_get(r, "messages"), i, m) {
		const char *id = json_string_value(json_object_get(m, "id"));

		if (id != NULL && zhashx_lookup(ids, id) != NULL)
			held++;
	}
	json_decref(r);
	return held;
}

static int
chat_many(const struct chat_opts *o, char **dirs, struct bench_watch *w,
    struct bench_out *out, char **cause)
{
	const char *a = bench_node_name(dirs[0]), *c = bench_node_name(dirs[2]);
	bench_samples_t *lat_say = bench_samples_new(o->burst);
	bench_samples_t *lat_c = bench_samples_new(o->burst);
	int64_t start = 0, write_end, last = 0, dropped0, dropped1, wall0;
	int64_t history_us = 0, held = -1;
	struct bench_writers writers;
	struct chat_said said;
	struct bench_usage u0, u1;
	size_t n, m = 0, late = 0, listed = 0;
	char *wcause = NULL, *hcause = NULL;
	int rc = -1;

	memset(&u0, 0, sizeof u0);
	memset(&u1, 0, sizeof u1);
	said.w = w;
	pthread_mutex_init(&said.lock, NULL);
	said.ids = zhashx_new();
	dropped0 = bench_peers_sum(dirs[0], "dropped");
	bench_usage_read(&u0, 3, dirs);
	/* Less a second: the history asked for below is from this time on,
	 * as the nodes' clock gives it. */
	wall0 = time_now_us() - 1000000;

	writers = (struct bench_writers){ .dir = dirs[0], .req = &chat_say,
		.clients = o->clients, .count = o->burst,
		.seconds = o->burst_seconds, .added = chat_said,
		.arg = &said };
	bench_writers_run(&writers, lat_say, &start, &wcause);
	write_end = time_mono_us();
	n = bench_samples_count(lat_say);
	fprintf(stderr, "%s: %zu messages said on %s in %.2f s; waiting for "
			"%s\n",
	    bench_prog, n, a, (write_end - start) / 1e6, c);
	bench_watch_wait_all(w, write_end + CHAT_DRAIN_US);
	bench_usage_read(&u1, 3, dirs);
	dropped1 = bench_peers_sum(dirs[0], "dropped");

	/* What C had published, message by message. */
	pthread_mutex_lock(&w->lock);
	for (struct bench_rec *r = zhashx_first(said.ids); r != NULL;
	     r = zhashx_next(said.ids)) {
		int64_t t = r->at[2];

		if (t == 0)
			continue;
		bench_samples_add(lat_c, t - r->sent);
		m++;
		if (t > last)
			last = t;
		if (t - r->sent > CHAT_LATE_US)
			late++;
	}
	pthread_mutex_unlock(&w->lock);
	/* What C holds: its events are only what it published. */
	held = chat_held(dirs[2], said.ids, wall0, &history_us, &listed,
	    &hcause);

	{
		char *figure = xasprintf("say on %s, %d client%s at once: the "
					 "replies",
		    a, o->clients, o->clients == 1 ? "" : "s");
		char *label = xasprintf("%d client%s", o->clients,
		    o->clients == 1 ? "" : "s");

		bench_row_set(bench_out_row(out), "many.say", label, figure,
		    "messages/s", lat_say, n, write_end - start);
		bench_row_set(bench_out_row(out), "many", label,
		    xasprintf("say on %s, %d client%s at once: %s has all", a,
			o->clients, o->clients == 1 ? "" : "s", c),
		    "messages/s", lat_c, m, last > start ? last - start : 0);
		out->rows[out->nrows - 1].hops = 2;
		free(label);
	}
	bench_out_note(out, "many", "at once: %s had the last message %.3f s "
				    "after the last say; %zu of %zu took "
				    "over %.0f s to reach it",
	    c, last > write_end ? (last - write_end) / 1e6 : 0.0, late, m,
	    CHAT_LATE_US / 1e6);
	if (held >= 0)
		bench_out_note(out, "many", "at once: %s's history holds "
					    "%" PRId64 " of the %zu messages "
					    "said (%zu listed in %.3f s); its "
					    "events showed %zu",
		    c, held, n, listed, history_us / 1e6, m);
	else
		bench_out_note(out, "many", "at once: %s's history: %s", c,
		    hcause);
	bench_usage_note(out, "many", "at once", 3, dirs, &u0, &u1, NULL, NULL,
	    n, true);
	if (dropped0 >= 0 && dropped1 >= 0)
		bench_out_note(out, "many", "at once: %s dropped %" PRId64
					    " messages on full send queues "
					    "meanwhile",
		    a, dropped1 - dropped0);
	if (zsys_interrupted) {
		fail(cause, "interrupted");
		goto done;
	}
	if (wcause != NULL) {
		fail(cause, "at once: saying: %s", wcause);
		goto done;
	}
	if (m < n || (held >= 0 && held < (int64_t)n)) {
		bench_out_note(out, "many", "at once: MISSING: %zu of %zu "
					    "messages not published by %s %d "
					    "s after the last say; %" PRId64
					    " not in its history",
		    n - m, n, c, CHAT_DRAIN_US / 1000000,
		    held >= 0 ? (int64_t)n - held : (int64_t)-1);
		fail(cause, "at once: messages said on %s did not reach %s",
		    a, c);
		goto done;
	}
	if (held < 0) {
		fail(cause, "at once: %s's history: %s", c, hcause);
		goto done;
	}
	rc = 0;
done:
	free(wcause);
	free(hcause);
	bench_usage_free(&u0);
	bench_usage_free(&u1);
	zhashx_destroy(&said.ids);
	pthread_mutex_destroy(&said.lock);
	bench_samples_destroy(&lat_say);
	bench_samples_destroy(&lat_c);
	return rc;
}

/* --- run ---------------------------------------------------------------- */

static int
cmd_run(struct chat_opts *o, int argc, char **argv, struct bench_out *out,
    char **cause)
{
	ctl_client_t *client = NULL;
	struct bench_watch *w = NULL;
	int rc = -1;

	if (argc != 3)
		usage();
	if (bench_room_setup(argc, argv, CHAT_ROOM, CHAT_USER, "bench/chat",
		CHAT_SETTLE_S, cause) != 0)
		goto done;
	fprintf(stderr, "%s: %s@%s, %s@%s and %s@%s are in room '%s'\n",
	    bench_prog, CHAT_USER, bench_node_name(argv[0]), CHAT_USER,
	    bench_node_name(argv[1]), CHAT_USER, bench_node_name(argv[2]),
	    CHAT_ROOM);
	if ((w = bench_watch_new(argc, argv, cause)) == NULL ||
	    (client = ctl_client_new(argv[0], cause)) == NULL ||
	    bench_warmup(w, client, &chat_say, argv[0], cause) != 0)
		goto done;
	if (chat_one(o, argv, w, client, out, cause) != 0)
		goto done;
	ctl_client_destroy(&client);
	if (chat_many(o, argv, w, out, cause) != 0)
		goto done;
	rc = 0;
done:
	ctl_client_destroy(&client);
	bench_watch_destroy(&w);
	return rc;
}

/* --- report ------------------------------------------------------------- */

static int
cmd_report(struct chat_opts *o, int argc, char **argv,
    struct bench_out *out, char **cause)
{
	const struct bench_row *curve, *plain, *r, *s;
	struct bench_report rep;
	char *what;
	bool any = false;

	(void)o;
	(void)out;
	if (argc != 1)
		usage();
	if (bench_report_read(&rep, argv[0], cause) != 0)
		return -1;
	bench_report_print_figures(&rep, &table, "ioe chat benchmark");

	curve = bench_report_best(&rep, "rtt.curve");
	plain = bench_report_best(&rep, "rtt.plain");
	bench_table_ratio_header(&table);
	if ((r = bench_report_find(&rep, "one.c")) != NULL) {
		what = xasprintf("p50 %s ÷ CURVE round trip", r->label);
		bench_table_ratio(&table, what, (double)r->st.p50,
		    curve != NULL ? (double)curve->st.p50 : 0);
		free(what);
		any = true;
	}
	if ((r = bench_report_find(&rep, "one.c.after")) != NULL &&
	    r->hops > 0) {
		what = xasprintf("p50 %s per hop, from the first event ÷ "
				 "CURVE one way",
		    r->label);
		bench_table_ratio(&table, what,
		    r->st.p50 >= 0 ? (double)r->st.p50 / r->hops : -1,
		    curve != NULL ? curve->st.p50 / 2.0 : 0);
		free(what);
		any = true;
	}
	if (curve != NULL && plain != NULL) {
		bench_table_ratio(&table, "ZeroMQ: CURVE p50 round trip ÷ "
					  "plain p50 round trip",
		    (double)curve->st.p50, (double)plain->st.p50);
		any = true;
	}
	if ((r = bench_report_find(&rep, "many")) != NULL &&
	    (s = bench_report_find(&rep, "many.say")) != NULL) {
		what = xasprintf("%s at once: messages/s at the end ÷ says/s",
		    r->label);
		bench_table_ratio(&table, what, r->st.rate, s->st.rate);
		free(what);
		any = true;
	}
	if (!any)
		printf("(none: figures missing)\n");
	else if (curve != NULL)
		printf("(the lowest CURVE round-trip p50 of the run, %" PRId64
		       " µs; one way, half that)\n",
		    curve->st.p50);
	bench_report_print_notes(&rep);
	bench_report_free(&rep);
	return 0;
}

/* --- main --------------------------------------------------------------- */

struct chat_cmd {
	const char *name;
	int (*run)(struct chat_opts *, int, char **, struct bench_out *,
	    char **);
	size_t count;
	int seconds;
};

static const struct chat_cmd chat_cmds[] = {
	{ "rtt", cmd_rtt, 10000, 5 },
	{ "run", cmd_run, 500, 20 },
	{ "report", cmd_report, 0, 1 },
};

int
main(int argc, char **argv)
{
	const struct chat_cmd *cmd = NULL;
	struct chat_opts o;
	struct bench_out out;
	char *cause = NULL;
	int opt, rc;

	if (argc < 2)
		usage();
	for (size_t i = 0; i < sizeof chat_cmds / sizeof chat_cmds[0]; i++)
		if (strcmp(argv[1], chat_cmds[i].name) == 0)
			cmd = &chat_cmds[i];
	if (cmd == NULL)
		usage();
	memset(&o, 0, sizeof o);
	memset(&out, 0, sizeof out);
	o.count = cmd->count;
	o.seconds = cmd->seconds;
	o.clients = 8;
	o.burst = 100000;
	o.burst_seconds = 10;
	argc--;
	argv++;
	while ((opt = getopt(argc, argv, "k:l:n:s:c:m:S:p:o:h")) != -1) {
		switch (opt) {
		case 'k':
			o.key = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'n':
			o.count = (size_t)bench_parse_number(optarg, 1,
			    BENCH_COUNT_MAX, "count");
			break;
		case 's':
			o.seconds = (int)bench_parse_number(optarg, 1,
			    BENCH_SECONDS_MAX, "seconds");
			break;
		case 'c':
			o.clients = (int)bench_parse_number(optarg, 1,
			    BENCH_CLIENTS_MAX, "client count");
			break;
		case 'm':
			o.burst = (size_t)bench_parse_number(optarg, 1,
			    BENCH_COUNT_MAX, "message count");
			break;
		case 'S':
			o.burst_seconds = (int)bench_parse_number(optarg, 1,
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
