#include "config.h"

#include <assert.h>
#include <string.h>

#include <czmq.h>

#include "gossip.h"
#include "util.h"

typedef struct heard {
	json_t *statement;
	json_int_t seq;
	int64_t when_us;	/* monotonic */
} heard_t;

struct gossip {
	char *self_key;
	json_int_t seq;
	zhashx_t *heard;	/* origin key hex -> heard_t */
};

static void
heard_destroy(void **item)
{
	heard_t *h = *item;

	if (h != NULL) {
		json_decref(h->statement);
		free(h);
		*item = NULL;
	}
}

gossip_t *
gossip_new(const char *self_key_hex)
{
	gossip_t *self = xcalloc(1, sizeof *self);

	self->self_key = xstrdup(self_key_hex);
	/* Wall-clock microseconds: a restarted node's statements are newer
	 * than those it made before. */
	self->seq = time_now_us();
	self->heard = zhashx_new();
	zhashx_set_destructor(self->heard, heard_destroy);
	return self;
}

void
gossip_destroy(gossip_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		zhashx_destroy(&(*self_p)->heard);
		free((*self_p)->self_key);
		free(*self_p);
		*self_p = NULL;
	}
}

json_t *
gossip_make(gossip_t *self, const char *name, json_t *links, json_t *voice)
{
	json_int_t now = time_now_us();
	json_t *st;

	self->seq = now > self->seq ? now : self->seq + 1;
	st = json_pack("{s:s, s:s, s:I, s:o}", "origin", self->self_key,
	    "name", name, "seq", self->seq, "links", links);
	if (voice != NULL && json_object_size(voice) > 0)
		json_object_set(st, "voice", voice);
	json_decref(voice);
	return st;
}

/* "voice": {room: [user, ...]}, bounded; absent is fine. */
static bool
gossip_voice_ok(json_t *voice)
{
	const char *room;
	json_t *users, *u;
	size_t i;

	if (voice == NULL)
		return true;
	if (!json_is_object(voice) ||
	    json_object_size(voice) > GOSSIP_VOICE_ROOMS_MAX)
		return false;
	json_object_foreach(voice, room, users) {
		if (!json_is_array(users) ||
		    json_array_size(users) > GOSSIP_VOICE_ROOMS_MAX)
			return false;
		json_array_foreach(users, i, u) {
			if (!json_is_string(u))
				return false;
		}
	}
	return true;
}

bool
gossip_receive(gossip_t *self, const char *text, int64_t now, char **cause)
{
	json_t *st = json_loads(text, 0, NULL), *links, *l;
	const char *origin = NULL, *name = NULL;
	json_int_t seq = 0;
	heard_t *h;
	size_t i;

	if (st == NULL ||
	    json_unpack(st, "{s:s, s:s, s:I, s:o}", "origin", &origin, "name",
		&name, "seq", &seq, "links", &links) != 0 ||
	    !json_is_array(links) || strlen(origin) != 64 ||
	    !hex_is_valid(origin) || name_check(name, "name", NULL) != 0 ||
	    !gossip_voice_ok(json_object_get(st, "voice")))
		goto bad;
	json_array_foreach(links, i, l) {
		const char *peer = json_string_value(json_object_get(l, "key"));

		if (peer == NULL || strlen(peer) != 64 || !hex_is_valid(peer))
			goto bad;
	}
	if (strcmp(origin, self->self_key) == 0) {
		json_decref(st);
		return false;
	}
	h = zhashx_lookup(self->heard, origin);
	if (h != NULL && h->seq >= seq) {
		json_decref(st);
		return false;
	}
	if (h == NULL) {
		h = xcalloc(1, sizeof *h);
		zhashx_insert(self->heard, origin, h);
	} else
		json_decref(h->statement);
	h->statement = st;
	h->seq = seq;
	h->when_us = now;
	return true;
bad:
	json_decref(st);
	fail(cause, "malformed link-state gossip");
	return false;
}

json_t *
gossip_map(gossip_t *self, int64_t now)
{
	json_t *nodes = json_array();
	zlist_t *stale = zlist_new();
	heard_t *h;

	for (h = zhashx_first(self->heard); h != NULL;
	     h = zhashx_next(self->heard)) {
		if (now - h->when_us > GOSSIP_TTL_US) {
			zlist_append(stale, (void *)zhashx_cursor(self->heard));
			continue;
		}
		json_t *node = json_pack("{s:O, s:O, s:O, s:I}", "key",
		    json_object_get(h->statement, "origin"), "name",
		    json_object_get(h->statement, "name"), "links",
		    json_object_get(h->statement, "links"), "age_ms",
		    (json_int_t)((now - h->when_us) / 1000));

		if (json_object_get(h->statement, "voice") != NULL)
			json_object_set(node, "voice",
			    json_object_get(h->statement, "voice"));
		json_array_append_new(nodes, node);
	}
	for (const char *key = zlist_first(stale); key != NULL;
	     key = zlist_next(stale))
		zhashx_delete(self->heard, key);
	zlist_destroy(&stale);
	return nodes;
}

void
gossip_test(bool verbose)
{
	char a[65], b[65];
	gossip_t *g;
	json_t *st, *map;
	char *text;

	(void)verbose;
	memset(a, 'a', 64);
	a[64] = '\0';
	memset(b, 'b', 64);
	b[64] = '\0';
	g = gossip_new(a);
	st = gossip_make(g, "alpha", json_pack("[{s:s, s:f}]", "key", b,
					     "rtt_ms", 1.5),
	    json_pack("{s:[s]}", "triage", "ann"));
	assert(json_object_get(st, "voice") != NULL);
	text = json_dumps(st, 0);
	/* Our own statement coming back is not news. */
	assert(!gossip_receive(g, text, 0, NULL));
	free(text);
	json_decref(st);

	st = json_pack("{s:s, s:s, s:I, s:[{s:s}]}", "origin", b, "name",
	    "bravo", "seq", (json_int_t)5, "links", "key", a);
	text = json_dumps(st, 0);
	assert(gossip_receive(g, text, 1000, NULL));
	assert(!gossip_receive(g, text, 2000, NULL)); /* same seq */
	free(text);
	json_object_set_new(st, "seq", json_integer(6));
	text = json_dumps(st, 0);
	assert(gossip_receive(g, text, 3000, NULL));
	free(text);
	map = gossip_map(g, 4000);
	assert(json_array_size(map) == 1);
	assert(json_object_get(json_array_get(map, 0), "voice") == NULL);
	json_decref(map);
	/* Voice listeners travel with the statement; junk there refuses
	 * it. */
	json_object_set_new(st, "seq", json_integer(7));
	json_object_set_new(st, "voice", json_pack("{s:[s]}", "ops", "bob"));
	text = json_dumps(st, 0);
	assert(gossip_receive(g, text, 3500, NULL));
	free(text);
	map = gossip_map(g, 4000);
	assert(json_is_array(json_object_get(
	    json_object_get(json_array_get(map, 0), "voice"), "ops")));
	json_decref(map);
	json_object_set_new(st, "seq", json_integer(8));
	json_object_set_new(st, "voice", json_pack("{s:[i]}", "ops", 1));
	text = json_dumps(st, 0);
	assert(!gossip_receive(g, text, 3600, NULL));
	free(text);
	json_decref(st);
	map = gossip_map(g, 3500 + GOSSIP_TTL_US + 1);
	assert(json_array_size(map) == 0);
	json_decref(map);

	char *cause = NULL;
	assert(!gossip_receive(g, "{\"origin\":\"x\"}", 0, &cause));
	assert(cause != NULL);
	free(cause);
	assert(!gossip_receive(g, "not json", 0, NULL));
	gossip_destroy(&g);
}
