#include "config.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "ctl_client.h"
#include "datadir.h"
#include "proto.h"
#include "util.h"

struct ctl_client {
	zsock_t *sock;
	char *dir;
	int next_id;
};

ctl_client_t *
ctl_client_new(const char *dir, char **cause)
{
	char *endpoint = datadir_endpoint(dir, CTL_SOCKET_NAME, cause);
	char *path = xasprintf("%s/%s", dir, CTL_SOCKET_NAME);
	ctl_client_t *self = NULL;
	struct stat st;

	if (endpoint == NULL)
		goto done;
	/* ZeroMQ would wait forever for a socket that does not exist. */
	if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		fail(cause, "no daemon at '%s' (no control socket '%s')", dir,
		    path);
		goto done;
	}
	self = xcalloc(1, sizeof *self);
	self->dir = xstrdup(dir);
	self->sock = zsock_new(ZMQ_DEALER);
	if (self->sock == NULL) {
		fail(cause, "cannot create a socket: %s", zmq_strerror(errno));
		ctl_client_destroy(&self);
		goto done;
	}
	zsock_set_linger(self->sock, 0);
	if (zsock_connect(self->sock, "%s", endpoint) != 0) {
		fail(cause, "cannot connect to '%s': %s", endpoint,
		    zmq_strerror(errno));
		ctl_client_destroy(&self);
	}
done:
	free(endpoint);
	free(path);
	return self;
}

void
ctl_client_destroy(ctl_client_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		zsock_destroy(&(*self_p)->sock);
		free((*self_p)->dir);
		free(*self_p);
		*self_p = NULL;
	}
}

enum ctl_status
ctl_client_call(ctl_client_t *self, const char *method, json_t *params,
    int timeout_ms, json_t **result, char **code, char **cause)
{
	return ctl_client_call_data(self, method, params, NULL, 0, NULL,
	    timeout_ms, result, code, cause);
}

enum ctl_status
ctl_client_call_data(ctl_client_t *self, const char *method,
    json_t *params, const void *data, size_t len, zframe_t **data_out,
    int timeout_ms, json_t **result, char **code, char **cause)
{
	zframe_t *extra = NULL;

	json_t *request, *reply = NULL, *error;
	int id = ++self->next_id;
	enum ctl_status status = CTL_FAILED;
	zmsg_t *msg;
	char *text;

	*result = NULL;
	request = json_pack("{s:i, s:i, s:s, s:o}", "v", IOE_PROTOCOL_VERSION,
	    "id", id, "method", method, "params",
	    params != NULL ? params : json_object());
	text = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	msg = zmsg_new();
	zmsg_addstr(msg, "");
	zmsg_addstr(msg, text);
	free(text);
	if (data != NULL)
		zmsg_addmem(msg, data, len);
	if (data_out != NULL)
		*data_out = NULL;
	if (zmsg_send(&msg, self->sock) != 0) {
		zmsg_destroy(&msg);
		fail(cause, "cannot send to the daemon at '%s': %s", self->dir,
		    zmq_strerror(errno));
		return CTL_NO_DAEMON;
	}

	/* Replies to earlier, timed-out requests are skipped by id. */
	for (;;) {
		zpoller_t *poller = zpoller_new(self->sock, NULL);
		void *which = zpoller_wait(poller, timeout_ms);
		bool interrupted = zpoller_terminated(poller);
		zframe_t *body;
		json_int_t got_id;

		zpoller_destroy(&poller);
		if (which == NULL) {
			fail(cause, interrupted
				? "interrupted while waiting for the daemon"
				: "no daemon answers at '%s' (no reply "
				  "within %d ms)",
			    self->dir, timeout_ms);
			return CTL_NO_DAEMON;
		}
		msg = zmsg_recv(self->sock);
		if (msg == NULL || zmsg_size(msg) < 2 || zmsg_size(msg) > 3) {
			zmsg_destroy(&msg);
			continue;
		}
		zframe_destroy(&(zframe_t *){ zmsg_pop(msg) });
		body = zmsg_pop(msg);
		reply = json_loadb((const char *)zframe_data(body),
		    zframe_size(body), 0, NULL);
		zframe_destroy(&body);
		if (reply != NULL &&
		    json_unpack(reply, "{s:I}", "id", &got_id) == 0 &&
		    got_id == id) {
			extra = zmsg_pop(msg);
			zmsg_destroy(&msg);
			break;
		}
		zmsg_destroy(&msg);
		json_decref(reply);
	}

	if ((error = json_object_get(reply, "error")) != NULL) {
		const char *c = json_string_value(json_object_get(error,
		    "code"));
		const char *m = json_string_value(json_object_get(error,
		    "message"));

		fail(cause, "%s", m != NULL ? m : "the daemon gave no reason");
		if (code != NULL)
			*code = xstrdup(c != NULL ? c : "unknown");
	} else if ((*result = json_object_get(reply, "result")) != NULL) {
		json_incref(*result);
		status = CTL_OK;
		if (data_out != NULL) {
			*data_out = extra;
			extra = NULL;
		}
	} else
		fail(cause, "the daemon's reply has neither result nor error");
	zframe_destroy(&extra);
	json_decref(reply);
	return status;
}
