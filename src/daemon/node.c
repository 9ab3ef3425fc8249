#include "config.h"

#include <assert.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "node.h"
#include "util.h"

static void node_discard(node_t *self);

void
node_reload(node_t *self)
{
	const uint8_t *key = signing_key_public(self->identity->key);

	if (store_head(self->store, key, &self->seq, self->head) != 0) {
		self->seq = 0;
		memset(self->head, 0, sizeof self->head);
	}
	self->lamport = store_max_lamport(self->store);
}

/* Writes a "node" entry when the name (or the transport key) differs
 * from what this node last announced. */
static int
node_announce(node_t *self, char **cause)
{
	const char *transport = zcert_public_txt(self->identity->transport);
	char *known = store_node_name(self->store,
	    signing_key_public(self->identity->key));
	char *known_transport = store_node_transport(self->store,
	    signing_key_public(self->identity->key));
	bool same = known != NULL && strcmp(known, self->name) == 0 &&
	    known_transport != NULL && strcmp(known_transport, transport) == 0;
	json_t *body;
	entry_t *entry;
	char *text;
	int rc = 0;

	free(known_transport);
	if (same) {
		free(known);
		return 0;
	}
	if (known != NULL)
		log_info("node name changes from '%s' to '%s'", known,
		    self->name);
	free(known);
	body = json_pack("{s:s, s:s}", "name", self->name, "transport",
	    transport);
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	if (node_begin(self, cause) != 0) {
		free(text);
		return -1;
	}
	entry = node_append(self, "node", text, strlen(text), cause);
	free(text);
	if (entry == NULL) {
		char *ignored = NULL;

		node_commit(self, &ignored);
		free(ignored);
		rc = -1;
	} else
		rc = node_commit(self, cause);
	entry_destroy(&entry);
	return rc;
}

node_t *
node_new(const char *dir, const char *name, conf_t *conf, char **cause)
{
	node_t *self = xcalloc(1, sizeof *self);
	char *path = xasprintf("%s/store.db", dir);
	bool created;

	self->dir = xstrdup(dir);
	self->name = xstrdup(name);
	self->conf = conf;
	self->appended = json_array();
	self->fresh = zlist_new();
	self->started_us = time_mono_us();
	self->identity = identity_open(dir, &created, cause);
	if (self->identity == NULL)
		goto bad;
	if (created)
		log_info("created the node key, fingerprint %s",
		    self->identity->fingerprint);
	self->store = store_open(path,
	    signing_key_public(self->identity->key), conf->store_sync, cause);
	if (self->store == NULL)
		goto bad;
	node_reload(self);
	if (node_announce(self, cause) != 0)
		goto bad;
	free(path);
	return self;
bad:
	free(path);
	node_destroy(&self);
	return NULL;
}

void
node_destroy(node_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		node_t *self = *self_p;

		store_destroy(&self->store);
		identity_destroy(&self->identity);
		node_discard(self);
		json_decref(self->appended);
		zlist_destroy(&self->fresh);
		free(self->name);
		free(self->dir);
		free(self);
		*self_p = NULL;
	}
}

/* Forgets what the batch added, after a rollback or once handed on. */
static void
node_discard(node_t *self)
{
	node_fresh_t *f;

	json_array_clear(self->appended);
	while ((f = zlist_pop(self->fresh)) != NULL) {
		zframe_destroy(&f->raw);
		free(f);
	}
}

int
node_begin(node_t *self, char **cause)
{
	if (self->in_tx)
		return 0;
	if (store_begin(self->store, cause) != 0)
		return -1;
	self->in_tx = true;
	return 0;
}

int
node_commit(node_t *self, char **cause)
{
	node_fresh_t *f;
	json_t *event;
	size_t i;

	if (!self->in_tx)
		return 0;
	self->in_tx = false;
	if (store_commit(self->store, cause) != 0) {
		node_discard(self);
		node_reload(self);
		return -1;
	}
	json_array_foreach(self->appended, i, event) {
		char *text = json_dumps(event, JSON_COMPACT);

		if (self->events != NULL)
			zsock_send(self->events, "ss", "entry", text);
		free(text);
	}
	json_array_clear(self->appended);
	while ((f = zlist_pop(self->fresh)) != NULL) {
		if (self->flood != NULL)
			self->flood(self->flood_arg, f->raw, f->source);
		zframe_destroy(&f->raw);
		free(f);
	}
	return 0;
}

/* Keeps the event of a new entry for after the commit, and, for entries
 * written here, the entry itself to flood then. */
static void
node_remember(node_t *self, const entry_t *entry, bool flood)
{
	if (flood) {
		node_fresh_t *f = xcalloc(1, sizeof *f);

		f->raw = zframe_new(entry->raw, entry->raw_len);
		zlist_append(self->fresh, f);
	}
	json_array_append_new(self->appended, node_entry_event(self, entry));
}

int
node_accept(node_t *self, const entry_t *entry, char **cause)
{
	if (store_append(self->store, entry, cause) != 0)
		return -1;
	if (entry->lamport > self->lamport)
		self->lamport = entry->lamport;
	node_remember(self, entry, false);
	return 0;
}

entry_t *
node_append(node_t *self, const char *kind, const void *body, size_t len,
    char **cause)
{
	int64_t now = time_now_us();
	entry_t *entry;

	entry = entry_create(self->identity->key, self->seq + 1,
	    self->seq == 0 ? NULL : self->head, self->lamport + 1, now, kind,
	    body, len, cause);
	if (entry == NULL)
		return NULL;
	if (store_append(self->store, entry, cause) != 0) {
		entry_destroy(&entry);
		return NULL;
	}
	self->seq = entry->seq;
	memcpy(self->head, entry->id, ENTRY_ID_SIZE);
	self->lamport = entry->lamport;
	node_remember(self, entry, true);
	return entry;
}

json_t *
node_entry_event(node_t *self, const entry_t *entry)
{
	char id[2 * ENTRY_ID_SIZE + 1], author[65], when[40];
	char *name = store_node_name(self->store, entry->author);
	json_t *event;

	entry_id_hex(entry, id);
	hex_encode(entry->author, 32, author);
	time_format_iso(entry->time_us, when, sizeof when);
	event = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:s, s:I, s:s}", "id", id,
	    "author", author, "name", name, "seq", (json_int_t)entry->seq,
	    "lamport", (json_int_t)entry->lamport, "time", when, "time_us",
	    (json_int_t)entry->time_us, "kind", entry->kind);
	/* Chat bodies are JSON: clients show them with no further request. */
	if (entry->body_len > 0 && entry->body[0] == '{') {
		json_t *body = json_loadb((const char *)entry->body,
		    entry->body_len, 0, NULL);

		if (json_is_object(body))
			json_object_set_new(event, "body", body);
		else
			json_decref(body);
	}
	free(name);
	return event;
}
