#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-status.h"
#include "model-text.h"
#include "util.h"

static const char *
status_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "?";
}

void
status_rows(const struct status_info *info, int width, tui_rows_t *out)
{
	json_t *st = info->status, *p;
	tui_row_t *row;
	size_t i;

	tui_rows_clear(out);
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING, "Node", width);
	if (st == NULL) {
		tui_rows_pair(out, width, "daemon", TS_ERROR, "%s",
		    info->error != NULL ? info->error
		                        : "waiting for the daemon");
	} else {
		const char *problem =
		    json_string_value(json_object_get(st, "mesh_problem"));
		const char *beacon =
		    json_string_value(json_object_get(st, "beacon_problem"));
		char dur[64], bytes[24];

		time_format_duration(
		    json_integer_value(json_object_get(st, "uptime")), dur,
		    sizeof dur);
		size_format((uint64_t)json_integer_value(
		                json_object_get(st, "store_bytes")),
		    bytes, sizeof bytes);
		tui_rows_pair(out, width, "name", TS_BAR_HI, "%s",
		    status_str(st, "name"));
		tui_rows_pair(out, width, "fingerprint", TS_NORMAL, "%s",
		    status_str(st, "fingerprint"));
		tui_rows_pair(out, width, "version", TS_NORMAL,
		    "%s (protocol %lld)", status_str(st, "version"),
		    (long long)json_integer_value(
		        json_object_get(st, "protocol")));
		tui_rows_pair(out, width, "up", TS_NORMAL, "%s (pid %lld)", dur,
		    (long long)json_integer_value(json_object_get(st, "pid")));
		tui_rows_pair(out, width, "entries", TS_NORMAL,
		    "%lld (store %s, own feed at %lld)",
		    (long long)json_integer_value(
		        json_object_get(st, "entries")),
		    bytes,
		    (long long)json_integer_value(json_object_get(st, "seq")));
		tui_rows_pair(out, width, "peers", TS_NORMAL, "%lld",
		    (long long)json_integer_value(
		        json_object_get(st, "peers")));
		tui_rows_pair(out, width, "mesh",
		    problem != NULL ? TS_ERROR : TS_LINK_GOOD, "%s",
		    problem != NULL ? problem : "ok");
		if (beacon != NULL)
			tui_rows_pair(
			    out, width, "beacon", TS_ERROR, "%s", beacon);
		if (json_integer_value(json_object_get(st, "forks")) > 0)
			tui_rows_pair(out, width, "forks", TS_ERROR,
			    "%lld (see 'ioectl verify')",
			    (long long)json_integer_value(
			        json_object_get(st, "forks")));
		if (info->error != NULL)
			tui_rows_pair(out, width, "last error", TS_ERROR, "%s",
			    info->error);
	}
	tui_rows_pair(out, width, "directory", TS_NORMAL, "%s",
	    info->dir != NULL ? info->dir : "?");
	tui_rows_add(out);
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING, "You", width);
	tui_rows_pair(out, width, "user", TS_SELF, "%s",
	    info->me != NULL ? info->me
	    : info->chat     ? "(none yet)"
	                     : "(this node has no chat yet)");
	tui_rows_pair(out, width, "rooms", TS_NORMAL,
	    "%zu (with the conversations)", info->rooms);
	tui_rows_pair(out, width, "alerts",
	    info->alerts > 0 ? TS_ALERT_URGENT : TS_NORMAL,
	    "%zu waiting for you", info->alerts);
	tui_rows_add(out);
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING, "Links", width);
	if (info->peers == NULL ||
	    json_array_size(json_object_get(info->peers, "peers")) == 0) {
		const char *why =
		    json_string_value(json_object_get(info->peers, "problem"));

		row = tui_rows_add(out);
		tui_row_printf(row, TS_DIM, width, "  %s",
		    info->peers == NULL ? "not known yet"
		    : why != NULL       ? why
		                        : "no links");
		return;
	}
	row = tui_rows_add(out);
	tui_row_printf(row, TS_DIM, width, "  %-16s %-3s  %-8s %9s %5s  %s",
	    "NAME", "DIR", "STATE", "RTT", "LOSS", "ENDPOINT / ERROR");
	json_array_foreach(json_object_get(info->peers, "peers"), i, p)
	{
		const char *state = status_str(p, "state");
		json_t *rtt = json_object_get(p, "rtt_ms");
		char rtts[32] = "-", loss[16] = "-";
		const char *ep =
		    json_string_value(json_object_get(p, "endpoint"));
		const char *err =
		    json_string_value(json_object_get(p, "error"));
		bool up = strcmp(state, "up") == 0;

		if (json_is_number(rtt))
			snprintf(rtts, sizeof rtts, "%.2fms",
			    json_number_value(rtt));
		if (up)
			snprintf(loss, sizeof loss, "%.0f%%",
			    100 *
			        json_number_value(json_object_get(p, "loss")));
		row = tui_rows_add(out);
		tui_row_printf(row, up ? TS_NORMAL : TS_ERROR, width,
		    "  %-16s %-3s  %-8s %9s %5s  %s",
		    json_string_value(json_object_get(p, "name")) != NULL
		        ? json_string_value(json_object_get(p, "name"))
		        : "?",
		    status_str(p, "direction"), state, rtts, loss,
		    err != NULL  ? err
		    : ep != NULL ? ep
		                 : "");
	}
}

/* --- self-test ------------------------------------------------------------ */

void
model_status_test(bool verbose)
{
	struct status_info info = {0};
	tui_rows_t rows;

	(void)verbose;
	tui_rows_init(&rows);
	info.dir = "/tmp/x";
	info.chat = true;
	status_rows(&info, 80, &rows);
	assert(tui_rows_find(&rows, "waiting for the daemon"));
	assert(tui_rows_find(&rows, "(none yet)"));

	info.status =
	    json_loads("{\"name\":\"alpha\",\"fingerprint\":\"ab:cd\","
	               "\"version\":\"0.1.0\",\"protocol\":1,\"uptime\":3725,"
	               "\"entries\":12,\"store_bytes\":40960,\"peers\":2,"
	               "\"pid\":42,\"seq\":3,\"forks\":0,"
	               "\"mesh_problem\":\"bad \\u001b[2J\"}",
	        0, NULL);
	info.peers =
	    json_loads("{\"peers\":[{\"name\":\"bravo\",\"direction\":"
	               "\"out\",\"state\":\"up\",\"rtt_ms\":1.25,\"loss\":0.1,"
	               "\"endpoint\":\"tcp://127.0.0.1:7100\"},"
	               "{\"direction\":\"out\",\"state\":\"connecting\","
	               "\"error\":\"refused\"}]}",
	        0, NULL);
	info.me = "alice@alpha";
	info.alerts = 1;
	status_rows(&info, 80, &rows);
	assert(tui_rows_find(&rows, "alpha"));
	assert(tui_rows_find(&rows, "1h 2m 5s") || tui_rows_find(&rows, "1h"));
	assert(tui_rows_find(&rows, "40.0 KiB"));
	assert(tui_rows_find(&rows, "bad \\x1b[2J"));
	assert(tui_rows_find(&rows, "1.25ms"));
	assert(tui_rows_find(&rows, "10%"));
	assert(tui_rows_find(&rows, "refused"));
	assert(tui_rows_find(&rows, "alice@alpha"));
	for (int i = 0; i < rows.n; i++) {
		assert(rows.row[i].width <= 80);
		assert(strchr(rows.row[i].text != NULL ? rows.row[i].text : "",
		           '\x1b') == NULL);
	}
	status_rows(&info, 20, &rows);
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 20);
	/* Long values wrap; nothing is lost. */
	json_object_set_new(info.status, "mesh_problem",
	    json_string("this node has no mesh certificate (no pki/ca.crt): "
	                "run 'ioectl pki init' on the first node"));
	status_rows(&info, 60, &rows);
	assert(
	    tui_rows_find(&rows, "ca.crt)") && tui_rows_find(&rows, "init'"));
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 60);
	json_decref(info.status);
	json_decref(info.peers);
	tui_rows_free(&rows);
}
