#include "config.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "ctl_server.h"
#include "datadir.h"
#include "log.h"
#include "proto.h"
#include "util.h"

/* Requests answered per wake-up; enough for a good group commit, small
 * enough that no client waits long behind a burst. */
#define CTL_BATCH_MAX 256

struct ctl_server {
	node_t *node;
	zsock_t *router;
	zsock_t *pub;
	char *ctl_path;
	char *events_path;
};

/* One request of a batch and its reply, kept until the commit. */
typedef struct ctl_pending {
	zmsg_t *envelope;	/* routing frames, returned with the reply */
	json_t *reply;
	zframe_t *data;		/* the reply's binary frame, or NULL */
	bool wrote;
} ctl_pending_t;

zsock_t *
ctl_bind(int type, const char *dir, const char *name, char **path,
    char **cause)
{
	char *endpoint = datadir_endpoint(dir, name, cause);
	zsock_t *sock;

	if (endpoint == NULL)
		return NULL;
	*path = xasprintf("%s/%s", dir, name);
	/* A socket file left by a killed daemon; we hold the lock. */
	unlink(*path);
	sock = zsock_new(type);
	if (sock == NULL) {
		fail(cause, "cannot create a socket: %s", zmq_strerror(errno));
		free(endpoint);
		return NULL;
	}
	zsock_set_linger(sock, 0);
	zsock_set_maxmsgsize(sock, CTL_REQUEST_MAX);
	zsock_set_sndhwm(sock, 10000);
	if (zsock_bind(sock, "%s", endpoint) != 0) {
		fail(cause, "cannot bind '%s': %s", endpoint,
		    zmq_strerror(errno));
		zsock_destroy(&sock);
	} else if (chmod(*path, 0600) != 0) {
		fail(cause, "cannot chmod '%s': %s", *path, strerror(errno));
		zsock_destroy(&sock);
	}
	free(endpoint);
	return sock;
}

ctl_server_t *
ctl_server_new(node_t *node, char **cause)
{
	ctl_server_t *self = xcalloc(1, sizeof *self);

	self->node = node;
	self->router = ctl_bind(ZMQ_ROUTER, node->dir,
	    CTL_SOCKET_NAME, &self->ctl_path, cause);
	if (self->router == NULL)
		goto bad;
	self->pub = ctl_bind(ZMQ_PUB, node->dir, EVENTS_SOCKET_NAME,
	    &self->events_path, cause);
	if (self->pub == NULL)
		goto bad;
	node->events = self->pub;
	return self;
bad:
	ctl_server_destroy(&self);
	return NULL;
}

void
ctl_server_destroy(ctl_server_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		ctl_server_t *self = *self_p;

		if (self->node != NULL && self->node->events == self->pub)
			self->node->events = NULL;
		zsock_destroy(&self->router);
		zsock_destroy(&self->pub);
		if (self->ctl_path != NULL)
			unlink(self->ctl_path);
		if (self->events_path != NULL)
			unlink(self->events_path);
		free(self->ctl_path);
		free(self->events_path);
		free(self);
		*self_p = NULL;
	}
}

zsock_t *
ctl_server_socket(ctl_server_t *self)
{
	return self->router;
}

static json_t *
ctl_error(json_t *id, const char *code, const char *message)
{
	return json_pack("{s:i, s:O, s:{s:s, s:s}}", "v", IOE_PROTOCOL_VERSION,
	    "id", id != NULL ? id : json_null(), "error", "code", code,
	    "message", message);
}

/* Parses and runs one request; its reply goes in p->reply. A write opens
 * the batch's transaction. */
static void
ctl_server_run(ctl_server_t *self, zframe_t *body, zframe_t *data,
    ctl_pending_t *p)
{
	char *cause = NULL;
	json_t *request, *id = NULL, *params, *result, *v;
	api_error_t err = { NULL, NULL };
	const api_method_t *method;
	const char *name;
	json_error_t jerr;

	/* NUL is allowed through so that a method can refuse it by name. */
	request = json_loadb((const char *)zframe_data(body),
	    zframe_size(body), JSON_ALLOW_NUL, &jerr);
	if (request == NULL || !json_is_object(request)) {
		p->reply = ctl_error(NULL, CTL_E_BAD_REQUEST,
		    request == NULL ? "the request is not JSON"
				    : "the request is not a JSON object");
		json_decref(request);
		return;
	}
	id = json_object_get(request, "id");
	v = json_object_get(request, "v");
	name = json_string_value(json_object_get(request, "method"));
	params = json_object_get(request, "params");
	if (!json_is_integer(v) ||
	    json_integer_value(v) != IOE_PROTOCOL_VERSION) {
		char *message = xasprintf("protocol version %s, this ioed "
					  "speaks %d: use matching programs",
		    json_is_integer(v) ? "mismatch" : "missing",
		    IOE_PROTOCOL_VERSION);

		p->reply = ctl_error(id, CTL_E_VERSION, message);
		free(message);
	} else if (name == NULL)
		p->reply = ctl_error(id, CTL_E_BAD_REQUEST,
		    "the request names no method");
	else if (params != NULL && !json_is_object(params))
		p->reply = ctl_error(id, CTL_E_BAD_REQUEST,
		    "params must be a JSON object");
	else if ((method = api_find(name)) == NULL) {
		char *shown = text_escape(name, strlen(name));
		char *message = xasprintf("unknown method '%s'", shown);

		p->reply = ctl_error(id, CTL_E_UNKNOWN_METHOD, message);
		free(message);
		free(shown);
	} else {
		if (method->writes && node_begin(self->node, &cause) != 0) {
			p->reply = ctl_error(id, CTL_E_STORE, cause);
			free(cause);
			json_decref(request);
			return;
		}
		p->wrote = method->writes;
		self->node->ctl_data = data;
		self->node->ctl_reply_data = NULL;
		result = method->exec(self->node, params, &err);
		self->node->ctl_data = NULL;
		if (result != NULL)
			p->data = self->node->ctl_reply_data;
		else
			zframe_destroy(&self->node->ctl_reply_data);
		self->node->ctl_reply_data = NULL;
		if (result != NULL)
			p->reply = json_pack("{s:i, s:O, s:o}", "v",
			    IOE_PROTOCOL_VERSION, "id",
			    id != NULL ? id : json_null(), "result", result);
		else {
			p->reply = ctl_error(id, err.code, err.message);
			free(err.message);
		}
	}
	json_decref(request);
}

/* Splits a request into its routing envelope and its body: the routing
 * id, then the empty delimiter a REQ or DEALER client puts first. A
 * binary frame may follow the body. */
static zframe_t *
ctl_server_split(zmsg_t *msg, zmsg_t **envelope, zframe_t **data)
{
	zframe_t *frame;

	*envelope = zmsg_new();
	if ((frame = zmsg_pop(msg)) == NULL)
		return NULL;
	zmsg_append(*envelope, &frame);
	frame = zmsg_first(msg);
	if (frame != NULL && zframe_size(frame) == 0 && zmsg_size(msg) > 1) {
		frame = zmsg_pop(msg);
		zmsg_append(*envelope, &frame);
	}
	/* One body frame and at most one data frame; more is a malformed
	 * request. */
	if (zmsg_size(msg) == 2) {
		frame = zmsg_pop(msg);
		*data = zmsg_pop(msg);
		return frame;
	}
	return zmsg_size(msg) == 1 ? zmsg_pop(msg) : NULL;
}

void
ctl_server_handle(ctl_server_t *self)
{
	ctl_pending_t batch[CTL_BATCH_MAX];
	node_t *node = self->node;
	char *cause = NULL, *text;
	size_t n = 0;

	while (n < CTL_BATCH_MAX &&
	    (zsock_events(self->router) & ZMQ_POLLIN) != 0) {
		zmsg_t *msg = zmsg_recv(self->router);
		ctl_pending_t *p = &batch[n];
		zframe_t *body, *data = NULL;

		if (msg == NULL)
			break;
		memset(p, 0, sizeof *p);
		body = ctl_server_split(msg, &p->envelope, &data);
		zmsg_destroy(&msg);
		if (zmsg_size(p->envelope) == 0) {
			zmsg_destroy(&p->envelope);
			zframe_destroy(&body);
			continue;
		}
		if (body == NULL)
			p->reply = ctl_error(NULL, CTL_E_BAD_REQUEST,
			    "a request is one frame of JSON, and at most one "
			    "binary frame");
		else
			ctl_server_run(self, body, data, p);
		zframe_destroy(&body);
		zframe_destroy(&data);
		n++;
	}

	if (node_commit(node, &cause) != 0) {
		/* Nothing of this batch was written: say so to each writer. */
		log_error("commit failed: %s", cause);
		for (size_t i = 0; i < n; i++) {
			if (!batch[i].wrote)
				continue;
			json_t *id = json_object_get(batch[i].reply, "id");
			json_t *reply = ctl_error(id, CTL_E_STORE, cause);

			json_decref(batch[i].reply);
			batch[i].reply = reply;
			zframe_destroy(&batch[i].data);
		}
		free(cause);
	}

	for (size_t i = 0; i < n; i++) {
		zmsg_t *msg = batch[i].envelope;

		text = json_dumps(batch[i].reply, JSON_COMPACT);
		zmsg_addstr(msg, text);
		free(text);
		if (batch[i].data != NULL)
			zmsg_append(msg, &batch[i].data);
		zmsg_send(&msg, self->router);
		zmsg_destroy(&msg);
		json_decref(batch[i].reply);
	}
}
