/* ioe-tui: the terminal client of an ioe node. The loop waits on the
 * terminal, the event socket and a time-out; signals only set flags; the
 * screen is drawn once per turn of the loop, after everything that came.
 * Usage: ioe-tui [-ChV] [-d DIR] [-u USER] */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "ctl_client.h"
#include "datadir.h"
#include "model-app.h"
#include "model-text.h"
#include "proto.h"
#include "util.h"
#include "view.h"

#define EVENTS_PER_TURN 500 /* then the screen is drawn */

static const char usage_text[] = "usage: ioe-tui [-ChV] [-d DIR] [-u USER]\n";

static volatile sig_atomic_t got_winch;
static volatile sig_atomic_t got_quit;

static void
on_winch(int sig)
{
	(void)sig;
	got_winch = 1;
}

static void
on_quit(int sig)
{
	(void)sig;
	got_quit = 1;
}

/* The daemon, seen through ctl_client. A client whose daemon did not
 * answer is dropped (with what it still queued: a request must not reach
 * a daemon that comes back minutes later) and made again next time. */
struct tui_daemon {
	char *dir;
	ctl_client_t *client;
};

static int
tui_call(void *arg, const char *method, json_t *params, const void *data,
    size_t len, void **data_out, size_t *len_out, int timeout_ms,
    json_t **result, char **code, char **cause)
{
	struct tui_daemon *d = arg;
	zframe_t *frame = NULL;
	int st;

	*result = NULL;
	if (data_out != NULL)
		*data_out = NULL;
	if (d->client == NULL &&
	    (d->client = ctl_client_new(d->dir, cause)) == NULL) {
		json_decref(params);
		return APP_CALL_NO_DAEMON;
	}
	switch (ctl_client_call_data(d->client, method, params, data, len,
	    data_out != NULL ? &frame : NULL, timeout_ms, result, code,
	    cause)) {
	case CTL_OK:
		st = APP_CALL_OK;
		break;
	case CTL_FAILED:
		st = APP_CALL_FAILED;
		break;
	default:
		ctl_client_destroy(&d->client);
		st = APP_CALL_NO_DAEMON;
		break;
	}
	/* The model knows no czmq: the chunk as plain bytes. */
	if (frame != NULL) {
		*len_out = zframe_size(frame);
		*data_out = xcalloc(1, *len_out + 1);
		memcpy(*data_out, zframe_data(frame), *len_out);
		zframe_destroy(&frame);
	}
	return st;
}

/* Reads the events waiting on sub (at most EVENTS_PER_TURN). */
static void
tui_events(zsock_t *sub, app_t *app)
{
	for (int n = 0; n < EVENTS_PER_TURN && (zsock_events(sub) & ZMQ_POLLIN);
	     n++) {
		zmsg_t *msg = zmsg_recv(sub);
		zframe_t *topic, *data;

		if (msg == NULL)
			break;
		topic = zmsg_first(msg);
		data = zmsg_next(msg);
		if (topic != NULL && data != NULL) {
			char *t = zframe_strdup(topic);

			app_event(app, t, (const char *)zframe_data(data),
			    zframe_size(data));
			free(t);
		}
		zmsg_destroy(&msg);
	}
}

static void
tui_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal wakes the poll. */
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_quit;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"user", required_argument, NULL, 'u'},
	    {"no-colour", no_argument, NULL, 'C'},
	    {"no-color", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *dflag = NULL, *user = getenv("IOE_USER");
	const char *no_color = getenv("NO_COLOR");
	bool colour = no_color == NULL || *no_color == '\0';
	struct tui_daemon daemon = {NULL, NULL};
	struct app_options opts;
	char *cause = NULL, *endpoint = NULL;
	zsock_t *sub = NULL;
	app_t *app = NULL;
	int c, cols, rows, rc = 1;

	setlocale(LC_ALL, "");
	while ((c = getopt_long(argc, argv, "Cd:hu:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			colour = false;
			break;
		case 'd':
			dflag = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("ioe-tui %s (protocol %d)\n", PACKAGE_VERSION,
			    IOE_PROTOCOL_VERSION);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ioe-tui: unexpected argument '%s'\n",
		    argv[optind]);
		fputs(usage_text, stderr);
		return 2;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ioe-tui: needs a terminal (use ioectl in "
		                "scripts)\n");
		return 1;
	}
	if (user != NULL && *user != '\0' &&
	    name_check(user, "user name", &cause) != 0) {
		fprintf(stderr, "ioe-tui: %s\n", cause);
		free(cause);
		return 2;
	}
	tui_text_set_ascii(strcmp(nl_langinfo(CODESET), "UTF-8") != 0);
	/* czmq must not take SIGINT and SIGTERM: the loop does. */
	zsys_handler_set(NULL);
	daemon.dir = datadir_resolve(dflag);
	if ((daemon.client = ctl_client_new(daemon.dir, &cause)) == NULL) {
		fprintf(stderr, "ioe-tui: %s\n", cause);
		goto done;
	}
	if ((endpoint = datadir_endpoint(
	         daemon.dir, EVENTS_SOCKET_NAME, &cause)) == NULL) {
		fprintf(stderr, "ioe-tui: %s\n", cause);
		goto done;
	}
	/* Subscribed before anything is read, so nothing falls between. */
	if ((sub = zsock_new_sub(endpoint, "entry")) == NULL) {
		fprintf(stderr, "ioe-tui: cannot subscribe to '%s': %s\n",
		    endpoint, zmq_strerror(errno));
		goto done;
	}
	tui_signals();
	if (view_init(colour, &cause) != 0) {
		fprintf(stderr, "ioe-tui: %s\n", cause);
		goto done;
	}
	opts.dir = daemon.dir;
	opts.user = user;
	app = app_new(&opts, tui_call, &daemon);
	view_size(&cols, &rows);
	app_resize(app, cols, rows);
	app_tick(app, time_mono_us());
	view_draw(app);
	app_start(app);
	while (!got_quit && !app->quit) {
		zmq_pollitem_t items[2] = {
		    {zsock_resolve(sub), 0, ZMQ_POLLIN, 0},
		    {NULL, STDIN_FILENO, ZMQ_POLLIN, 0},
		};

		if (got_winch) {
			got_winch = 0;
			view_resize();
			view_size(&cols, &rows);
			app_resize(app, cols, rows);
		}
		app_tick(app, time_mono_us());
		if (app->dirty) {
			app->dirty = false;
			view_draw(app);
		}
		if (zmq_poll(items, 2, app_poll_ms(app, time_mono_us())) < 0 &&
		    errno != EINTR)
			break;
		if (items[0].revents & ZMQ_POLLIN)
			tui_events(sub, app);
		if (items[1].revents & ZMQ_POLLIN)
			view_read_keys(app);
	}
	rc = 0;
done:
	view_end();
	app_destroy(&app);
	zsock_destroy(&sub);
	ctl_client_destroy(&daemon.client);
	free(endpoint);
	free(daemon.dir);
	free(cause);
	return rc;
}
