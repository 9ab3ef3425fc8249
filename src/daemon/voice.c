#include "config.h"

#include <assert.h>
#include <string.h>

#include "api.h"
#include "chat.h"
#include "ctl_server.h"
#include "floor.h"
#include "log.h"
#include "files.h"
#include "mesh.h"
#include "oggopus.h"
#include "proto.h"
#include "util.h"
#include "voice.h"

/* Clients ping every second; one silent this long is gone. */
#define CLIENT_TIMEOUT_US 5000000
/* A stream with no frame for this long has ended (its spurt is over). */
#define STREAM_IDLE_US 2000000
/* Ended streams stay in voice.status this long. */
#define STREAM_KEEP_US 10000000
#define DEDUP_SLOTS 4096
/* A frame this many behind its stream's newest (2 s) is not passed on. */
#define STALE_FRAMES 100
/* A recording is stored in files of at most 5 minutes. */
#define RECORD_FRAMES_MAX 15000
/* Streams and rooms known at once: a hostile or broken neighbour
 * inventing streams cannot make the relay grow without bound. */
#define STREAMS_MAX 1024
#define ROOMS_MAX 1024
#define HANDLE_BATCH 256
#define TICK_US 100000
/* A local talker's press is said again this often while it talks: frames
 * go only towards listeners, so the other nodes would otherwise see the
 * holder silent and free the floor after FLOOR_TIMEOUT_US (1 s), and the
 * nodes would disagree on it. Four chances a second against loss. */
#define KEEPALIVE_US 250000

typedef struct vlisten {
	char *room;
	char *user;
} vlisten_t;

typedef struct vclient {
	zframe_t *id;
	int64_t last_us;
	zlist_t *listens;	/* vlisten_t */
	json_t *stats;		/* its last STATS, or NULL */
} vclient_t;

typedef struct vstream {
	char key[80];		/* talker hex "/" stream */
	char room[WIRE_ROOM_MAX + 1];
	uint8_t talker[32];
	char talker_hex[65];
	char user[WIRE_USER_MAX + 1];
	char *who;		/* user@node */
	uint32_t stream;
	uint8_t flags;
	uint64_t lamport;
	vclient_t *owner;	/* the local client talking, or NULL */
	bool ended;
	bool released;		/* its talker let go: no frame takes it back */
	bool preempted;		/* local: lost the floor; its owner was told */
	int64_t first_us, last_us, ended_us;
	uint64_t frames, duplicates, lost, refused, stale;
	uint32_t next_seq;
	uint32_t floor_seq;	/* local: FLOOR messages sent */
	int64_t floor_us;	/* local: when the last was sent */
	unsigned hops_left;
	double latency_ms;	/* capture to arrival here, last frame */
	/* A recorded room's spurt from a local talker: its packets. */
	bool recording;
	zlist_t *packets;	/* zframe_t */
	int64_t start_wall_us;
} vstream_t;

typedef struct vroom {
	char *name;
	floor_t *floor;
	char announced[80];	/* the holder last told to clients */
	int64_t since_wall_us;	/* when the holder took it */
} vroom_t;

struct voice {
	node_t *node;
	zsock_t *router;
	char *path;
	unsigned hops;
	zlist_t *clients;	/* vclient_t */
	zhashx_t *streams;	/* key -> vstream_t */
	zhashx_t *rooms;	/* name -> vroom_t */
	uint64_t lamport;
	uint64_t dedup[DEDUP_SLOTS];
	size_t dedup_next;
	int64_t tick_us;
	uint64_t refused_streams;	/* new streams dropped over the bound */
};

static void voice_stream_end(voice_t *self, vstream_t *st, bool release);
static void voice_record(voice_t *self, vstream_t *st);
static void voice_packets_clear(vstream_t *st);

/* This node's key: the talker key of its users. */
static const uint8_t *
voice_me(voice_t *self)
{
	return signing_key_public(self->node->identity->key);
}

static void
vlisten_destroy(vlisten_t **p)
{
	if (*p != NULL) {
		free((*p)->room);
		free((*p)->user);
		free(*p);
		*p = NULL;
	}
}

static void
vclient_destroy(vclient_t **p)
{
	vclient_t *c = *p;
	vlisten_t *l;

	if (c == NULL)
		return;
	zframe_destroy(&c->id);
	while ((l = zlist_pop(c->listens)) != NULL)
		vlisten_destroy(&l);
	zlist_destroy(&c->listens);
	json_decref(c->stats);
	free(c);
	*p = NULL;
}

static void
vstream_free(void **item)
{
	vstream_t *st = *item;
	zframe_t *f;

	if (st == NULL)
		return;
	free(st->who);
	if (st->packets != NULL) {
		while ((f = zlist_pop(st->packets)) != NULL)
			zframe_destroy(&f);
		zlist_destroy(&st->packets);
	}
	free(st);
	*item = NULL;
}

static void
vroom_free(void **item)
{
	vroom_t *r = *item;

	if (r == NULL)
		return;
	free(r->name);
	floor_destroy(&r->floor);
	free(r);
	*item = NULL;
}

voice_t *
voice_new(node_t *node, const conf_t *conf, char **cause)
{
	voice_t *self = xcalloc(1, sizeof *self);

	self->node = node;
	self->hops = conf->voice_hops > 0 ? conf->voice_hops
					  : CONF_VOICE_HOPS_DEFAULT;
	self->router = ctl_bind(ZMQ_ROUTER, node->dir, VOICE_SOCKET_NAME,
	    &self->path, cause);
	if (self->router == NULL) {
		voice_destroy(&self);
		return NULL;
	}
	/* A client gone without a word, or one too slow to read, must not
	 * block the others: its messages are dropped. */
	zsock_set_router_mandatory(self->router, 1);
	zsock_set_sndtimeo(self->router, 0);
	self->clients = zlist_new();
	self->streams = zhashx_new();
	zhashx_set_destructor(self->streams, vstream_free);
	self->rooms = zhashx_new();
	zhashx_set_destructor(self->rooms, vroom_free);
	return self;
}

void
voice_destroy(voice_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		voice_t *self = *self_p;
		vclient_t *c;

		if (self->clients != NULL) {
			while ((c = zlist_pop(self->clients)) != NULL)
				vclient_destroy(&c);
			zlist_destroy(&self->clients);
		}
		zhashx_destroy(&self->streams);
		zhashx_destroy(&self->rooms);
		zsock_destroy(&self->router);
		if (self->path != NULL)
			unlink(self->path);
		free(self->path);
		free(self);
		*self_p = NULL;
	}
}

zsock_t *
voice_socket(voice_t *self)
{
	return self->router;
}

/* Sends msg (taken) to a client; a client gone or too slow loses it. */
static void
voice_send(voice_t *self, vclient_t *c, zmsg_t **msg_p)
{
	zmsg_t *msg = *msg_p;
	zframe_t *id = zframe_dup(c->id);

	*msg_p = NULL;
	zmsg_prepend(msg, &id);
	if (zmsg_send(&msg, self->router) != 0)
		zmsg_destroy(&msg);
}

static void
voice_reply(voice_t *self, vclient_t *c, const char *first, ...)
{
	zmsg_t *msg = zmsg_new();
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
		zmsg_addstr(msg, s);
	va_end(ap);
	voice_send(self, c, &msg);
}

static void
voice_error(voice_t *self, vclient_t *c, const char *command,
    const char *code, const char *message)
{
	voice_reply(self, c, "ERROR", command, code, message, NULL);
}

static bool
vclient_listens(vclient_t *c, const char *room)
{
	for (vlisten_t *l = zlist_first(c->listens); l != NULL;
	     l = zlist_next(c->listens)) {
		if (strcmp(l->room, room) == 0)
			return true;
	}
	return false;
}

static vroom_t *
voice_room(voice_t *self, const char *name)
{
	vroom_t *r = zhashx_lookup(self->rooms, name);

	if (r == NULL) {
		r = xcalloc(1, sizeof *r);
		r->name = xstrdup(name);
		r->floor = floor_new(0);
		zhashx_insert(self->rooms, name, r);
	}
	return r;
}

static vstream_t *
voice_stream_find(voice_t *self, const char *talker_hex, uint32_t stream)
{
	char key[80];

	snprintf(key, sizeof key, "%s/%08x", talker_hex, stream);
	return zhashx_lookup(self->streams, key);
}

/* The stream of a VOICE or FLOOR message, made on first sight; NULL if
 * the relay holds as many as it may. */
static vstream_t *
voice_stream_get(voice_t *self, const wire_voice_t *v, int64_t now)
{
	char hex[65];
	vstream_t *st;

	hex_encode(v->talker, 32, hex);
	if ((st = voice_stream_find(self, hex, v->stream)) != NULL)
		return st;
	if (zhashx_size(self->streams) >= STREAMS_MAX ||
	    (zhashx_lookup(self->rooms, v->room) == NULL &&
		zhashx_size(self->rooms) >= ROOMS_MAX)) {
		/* Said once in a while, not once a frame. */
		if (self->refused_streams++ % 1000 == 0)
			log_warning("streams dropped (%llu so far, the last of "
				    "%s in '%s'): %d streams or rooms are "
				    "known already",
			    (unsigned long long)self->refused_streams, v->user,
			    v->room, STREAMS_MAX);
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	memcpy(st->talker_hex, hex, sizeof hex);
	snprintf(st->key, sizeof st->key, "%s/%08x", hex, v->stream);
	snprintf(st->room, sizeof st->room, "%s", v->room);
	memcpy(st->talker, v->talker, 32);
	snprintf(st->user, sizeof st->user, "%s", v->user);
	st->who = chat_user_at(self->node, v->talker, v->user);
	st->stream = v->stream;
	st->flags = v->flags & (WIRE_VOICE_EMERGENCY | WIRE_VOICE_CALL);
	st->lamport = v->lamport;
	st->first_us = st->last_us = now;
	zhashx_insert(self->streams, st->key, st);
	return st;
}

/* Tells the clients of a room who holds its floor, if that changed. */
static void
voice_announce(voice_t *self, vroom_t *room)
{
	const floor_req_t *h = floor_holder(room->floor);
	vstream_t *st = h != NULL ? voice_stream_find(self, h->talker,
					h->stream)
				  : NULL;
	char now[80];

	snprintf(now, sizeof now, "%s/%08x", h != NULL ? h->talker : "",
	    h != NULL ? h->stream : 0);
	if (strcmp(now, room->announced) == 0)
		return;
	snprintf(room->announced, sizeof room->announced, "%s", now);
	room->since_wall_us = time_now_us();
	for (vclient_t *c = zlist_first(self->clients); c != NULL;
	     c = zlist_next(self->clients)) {
		bool talks = false;

		for (vstream_t *s = zhashx_first(self->streams);
		     s != NULL && !talks; s = zhashx_next(self->streams))
			talks = s->owner == c && !s->ended &&
			    strcmp(s->room, room->name) == 0;
		if (!talks && !vclient_listens(c, room->name))
			continue;
		zmsg_t *msg = zmsg_new();

		zmsg_addstr(msg, "FLOOR");
		zmsg_addstr(msg, room->name);
		zmsg_addstr(msg, st != NULL ? st->who : h != NULL ? "?" : "");
		wire_add_u32(msg, h != NULL ? h->stream : 0);
		zmsg_addstr(msg, h != NULL && h->prio == FLOOR_EMERGENCY
			? "emergency"
			: "normal");
		voice_send(self, c, &msg);
	}
}

/* Tells a local talker that its stream lost the floor to who: its frames
 * are dropped from now on. */
static void
voice_tell_preempted(voice_t *self, vstream_t *st, const char *who)
{
	zmsg_t *msg;

	if (st->preempted || st->owner == NULL)
		return;
	st->preempted = true;
	msg = zmsg_new();
	zmsg_addstr(msg, "PREEMPTED");
	zmsg_addstr(msg, st->room);
	wire_add_u32(msg, st->stream);
	zmsg_addstr(msg, who);
	voice_send(self, st->owner, &msg);
}

/* A press of st's talker: floor.c decides, the loser (if ours) is
 * told. */
static floor_result_t
voice_press(voice_t *self, vstream_t *st, int64_t now)
{
	vroom_t *room = voice_room(self, st->room);
	floor_req_t req, lost;
	floor_result_t r;

	if (floor_req_set(&req, st->talker_hex, st->stream, st->lamport,
		st->flags & WIRE_VOICE_EMERGENCY ? FLOOR_EMERGENCY
						 : FLOOR_NORMAL,
		NULL) != 0)
		return FLOOR_BUSY;
	r = floor_request(room->floor, &req, now, &lost);
	if (r == FLOOR_PREEMPTED) {
		vstream_t *loser = voice_stream_find(self, lost.talker,
		    lost.stream);

		if (loser != NULL && loser->owner != NULL) {
			voice_tell_preempted(self, loser, st->who);
			log_info("%s took the floor of '%s' from %s",
			    st->who, st->room, loser->who);
		}
	}
	voice_announce(self, room);
	return r;
}

static uint64_t
voice_dedup_key(const wire_voice_t *v, enum wire_command command)
{
	uint64_t h = 1469598103934665603ULL;
	uint8_t b[32 + 4 + 4 + 2];

	memcpy(b, v->talker, 32);
	be32_put(b + 32, v->stream);
	be32_put(b + 36, v->seq);
	b[40] = (uint8_t)command;
	b[41] = v->flags & WIRE_FLOOR_RELEASE;
	for (size_t i = 0; i < sizeof b; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* True if the message was seen before; else remembers it. */
static bool
voice_seen(voice_t *self, uint64_t key)
{
	for (size_t i = 0; i < DEDUP_SLOTS; i++) {
		if (self->dedup[i] == key)
			return true;
	}
	self->dedup[self->dedup_next++ % DEDUP_SLOTS] = key;
	return false;
}

/* Hands a frame to the local listeners of its room but its talker. */
static void
voice_deliver(voice_t *self, vstream_t *st, const wire_voice_t *v)
{
	uint8_t b[8];

	for (vclient_t *c = zlist_first(self->clients); c != NULL;
	     c = zlist_next(self->clients)) {
		if (c == st->owner || !vclient_listens(c, v->room))
			continue;
		zmsg_t *msg = zmsg_new();

		zmsg_addstr(msg, "FRAME");
		zmsg_addstr(msg, v->room);
		zmsg_addstr(msg, st->who);
		wire_add_u32(msg, v->stream);
		wire_add_u32(msg, v->seq);
		be64_put(b, (uint64_t)v->capture_us);
		zmsg_addmem(msg, b, 8);
		b[0] = v->flags & (WIRE_VOICE_EMERGENCY | WIRE_VOICE_CALL);
		zmsg_addmem(msg, b, 1);
		zmsg_addmem(msg, v->opus, v->opus_len);
		voice_send(self, c, &msg);
	}
}

/* Counts a frame of st: sequence gaps are losses on the way here. */
static void
voice_count(vstream_t *st, const wire_voice_t *v, int64_t now)
{
	if (st->frames > 0 && v->seq - st->next_seq < 0x80000000U)
		st->lost += v->seq - st->next_seq;
	else if (st->frames > 0 && st->lost > 0)
		st->lost--; /* late, by the other connection: not lost */
	if (st->frames == 0 || v->seq - st->next_seq < 0x80000000U)
		st->next_seq = v->seq + 1;
	st->frames++;
	st->last_us = now;
	st->hops_left = v->hops;
	st->latency_ms = (double)(time_now_us() - v->capture_us) / 1000.0;
	if (st->ended) {
		st->ended = false;
		st->ended_us = 0;
	}
}

/* Whether a frame of st may pass: its stream holds the floor. A remote
 * frame never presses (its talker's FLOOR messages do, repeated every
 * 250 ms: a copy of a frame that waited behind file chunks must not
 * take the floor back with an old press). A local talker's frame after
 * a gap (this node's loop busy for a second, say) presses again, unless
 * it let go or lost the floor; if someone else holds it now, the talker
 * is told it lost it. */
static bool
voice_frame_holds(voice_t *self, void *link, vstream_t *st, int64_t now)
{
	vroom_t *room = voice_room(self, st->room);
	const floor_req_t *h;
	vstream_t *hs;

	if (floor_frame(room->floor, st->talker_hex, st->stream, now))
		return true;
	if (link != NULL || st->released || st->preempted)
		return false;
	if (voice_press(self, st, now) != FLOOR_BUSY)
		return floor_frame(room->floor, st->talker_hex, st->stream,
		    now);
	h = floor_holder(room->floor);
	hs = h != NULL ? voice_stream_find(self, h->talker, h->stream) : NULL;
	voice_tell_preempted(self, st, hs != NULL ? hs->who : "someone");
	return false;
}

/* A frame, from a local talker (link NULL) or a neighbour: kept to the
 * floor, delivered here, passed on towards the listeners. */
static void
voice_frame(voice_t *self, void *link, vstream_t *st, wire_voice_t *v,
    int64_t now)
{
	if (strcmp(v->room, st->room) != 0) {
		st->refused++;
		return;
	}
	if (!(st->flags & WIRE_VOICE_CALL) &&
	    !voice_frame_holds(self, link, st, now)) {
		st->refused++;
		return;
	}
	voice_count(st, v, now);
	voice_deliver(self, st, v);
	if (st->recording && st->owner != NULL) {
		zlist_append(st->packets, zframe_new(v->opus, v->opus_len));
		/* A long spurt (a voice room's open microphone) is stored
		 * in files of RECORD_FRAMES_MAX frames, never held whole. */
		if (zlist_size(st->packets) >= RECORD_FRAMES_MAX) {
			voice_record(self, st);
			voice_packets_clear(st);
			st->start_wall_us = time_now_us();
		}
	}
	if (self->node->mesh != NULL && v->hops > (link != NULL ? 1 : 0)) {
		zmsg_t *msg;

		if (link != NULL)
			v->hops--;
		msg = wire_voice(WIRE_VOICE, v);
		mesh_voice_route(self->node->mesh, link, v->room, &msg);
	}
}

static void
voice_lamport_see(voice_t *self, uint64_t lamport)
{
	/* A neighbour's absurd clock must not wrap ours to 0, which would
	 * make our next press the earliest of all. */
	if (lamport > self->lamport && lamport < UINT64_MAX / 2)
		self->lamport = lamport;
}

void
voice_on_mesh(voice_t *self, void *link, wire_msg_t *m)
{
	wire_voice_t *v = &m->voice;
	int64_t now = time_mono_us();
	vstream_t *st;

	if (memcmp(v->talker, voice_me(self), 32) == 0)
		return; /* ours, back by another way */
	if (v->hops == 0)
		return;
	if (voice_seen(self, voice_dedup_key(v, m->command))) {
		if (m->command == WIRE_VOICE &&
		    (st = voice_stream_get(self, v, now)) != NULL)
			st->duplicates++;
		return;
	}
	voice_lamport_see(self, v->lamport);
	if ((st = voice_stream_get(self, v, now)) == NULL)
		return;
	if (m->command == WIRE_VOICE && st->frames > 0 &&
	    st->next_seq - v->seq - 1 < 0x80000000U &&
	    st->next_seq - v->seq > STALE_FRAMES) {
		/* A copy that waited behind file chunks long after the de-dup
		 * ring forgot it: too late to be played anywhere. */
		st->stale++;
		return;
	}
	if (m->command == WIRE_VOICE) {
		voice_frame(self, link, st, v, now);
		return;
	}
	if (v->flags & WIRE_FLOOR_RELEASE) {
		vroom_t *room = voice_room(self, v->room);

		floor_release(room->floor, st->talker_hex, st->stream);
		st->released = true;
		st->ended = true;
		st->ended_us = now;
		voice_announce(self, room);
	} else if (!(v->flags & WIRE_VOICE_CALL) && !st->released) {
		/* A repeat keeps the floor, and the stream alive where no
		 * frame of it passes. */
		st->last_us = now;
		voice_press(self, st, now);
	}
	if (v->hops > 1 && self->node->mesh != NULL) {
		zmsg_t *msg;

		v->hops--;
		msg = wire_voice(WIRE_FLOOR, v);
		mesh_voice_flood(self->node->mesh, link, &msg);
	}
}

/* Says a press or release of a local talker to every node. */
static void
voice_floor_out(voice_t *self, vstream_t *st, bool release)
{
	wire_voice_t v = { .stream = st->stream, .seq = st->floor_seq++,
		.hops = (uint8_t)self->hops,
		.flags = (uint8_t)(st->flags |
		    (release ? WIRE_FLOOR_RELEASE : 0)),
		.lamport = st->lamport, .capture_us = time_now_us() };
	zmsg_t *msg;

	if (self->node->mesh == NULL)
		return;
	snprintf(v.room, sizeof v.room, "%s", st->room);
	snprintf(v.user, sizeof v.user, "%s", st->user);
	memcpy(v.talker, st->talker, 32);
	st->floor_us = time_mono_us();
	voice_seen(self, voice_dedup_key(&v, WIRE_FLOOR));
	msg = wire_voice(WIRE_FLOOR, &v);
	mesh_voice_flood(self->node->mesh, NULL, &msg);
}

static vclient_t *
voice_client(voice_t *self, zframe_t *id)
{
	vclient_t *c;

	for (c = zlist_first(self->clients); c != NULL;
	     c = zlist_next(self->clients)) {
		if (zframe_eq(c->id, id))
			return c;
	}
	c = xcalloc(1, sizeof *c);
	c->id = zframe_dup(id);
	c->listens = zlist_new();
	zlist_append(self->clients, c);
	return c;
}

/* A text frame as a string (NUL-free, at most max bytes), or NULL. */
static char *
voice_text(zframe_t *f, size_t max)
{
	if (f == NULL || zframe_size(f) > max ||
	    memchr(zframe_data(f), '\0', zframe_size(f)) != NULL)
		return NULL;
	return zframe_strdup(f);
}

/* The room and acting user of LISTEN and TALK, checked as the chat
 * methods check them. Returns 0, or -1 after answering ERROR. */
static int
voice_room_user(voice_t *self, vclient_t *c, const char *command,
    const char *room, const char *user, char **user_out)
{
	api_error_t err = { NULL, NULL };
	json_t *params = json_object();
	const char *u;

	if (room == NULL || *room == '\0' || strlen(room) > WIRE_ROOM_MAX) {
		voice_error(self, c, command, CTL_E_BAD_REQUEST,
		    "a room name is needed");
		json_decref(params);
		return -1;
	}
	if (user != NULL && *user != '\0')
		json_object_set_new(params, "user", json_string(user));
	if (chat_room_exists(self->node, room, &err) != 0 ||
	    (u = chat_user(self->node, params, &err)) == NULL) {
		voice_error(self, c, command, err.code, err.message);
		free(err.message);
		json_decref(params);
		return -1;
	}
	*user_out = xstrdup(u);
	json_decref(params);
	return 0;
}

static void
voice_on_listen(voice_t *self, vclient_t *c, zmsg_t *msg)
{
	char *room = voice_text(zmsg_next(msg), WIRE_ROOM_MAX);
	char *user = voice_text(zmsg_next(msg), WIRE_USER_MAX), *who = NULL;

	if (voice_room_user(self, c, "LISTEN", room, user, &who) == 0) {
		if (!vclient_listens(c, room)) {
			vlisten_t *l = xcalloc(1, sizeof *l);

			l->room = xstrdup(room);
			l->user = who;
			who = NULL;
			zlist_append(c->listens, l);
			if (self->node->mesh != NULL)
				mesh_voice_changed(self->node->mesh);
		}
		voice_reply(self, c, "OK", "LISTEN", room, NULL);
		/* Who holds the floor now, for a client that just came. */
		vroom_t *r = voice_room(self, room);

		r->announced[0] = '\x01';
		voice_announce(self, r);
	}
	free(who);
	free(room);
	free(user);
}

static void
voice_on_unlisten(voice_t *self, vclient_t *c, zmsg_t *msg)
{
	char *room = voice_text(zmsg_next(msg), WIRE_ROOM_MAX);

	if (room == NULL) {
		voice_error(self, c, "UNLISTEN", CTL_E_BAD_REQUEST,
		    "a room name is needed");
		return;
	}
	for (vlisten_t *l = zlist_first(c->listens); l != NULL;
	     l = zlist_next(c->listens)) {
		if (strcmp(l->room, room) == 0) {
			zlist_remove(c->listens, l);
			vlisten_destroy(&l);
			if (self->node->mesh != NULL)
				mesh_voice_changed(self->node->mesh);
			break;
		}
	}
	voice_reply(self, c, "OK", "UNLISTEN", room, NULL);
	free(room);
}

static void
voice_on_talk(voice_t *self, vclient_t *c, zmsg_t *msg, int64_t now)
{
	char *room = voice_text(zmsg_next(msg), WIRE_ROOM_MAX);
	char *user = voice_text(zmsg_next(msg), WIRE_USER_MAX);
	char *mode = voice_text(zmsg_next(msg), 16);
	char *prio = voice_text(zmsg_next(msg), 16);
	char *who = NULL;
	wire_voice_t v = { .hops = (uint8_t)self->hops };
	vstream_t *st;
	uint8_t b[4];

	if (mode == NULL || prio == NULL ||
	    (strcmp(mode, "ptt") != 0 && strcmp(mode, "call") != 0) ||
	    (strcmp(prio, "normal") != 0 && strcmp(prio, "emergency") != 0)) {
		voice_error(self, c, "TALK", CTL_E_BAD_REQUEST,
		    "TALK needs room, user, mode (ptt or call) and priority "
		    "(normal or emergency)");
		goto done;
	}
	if (voice_room_user(self, c, "TALK", room, user, &who) != 0)
		goto done;
	snprintf(v.room, sizeof v.room, "%s", room);
	snprintf(v.user, sizeof v.user, "%s", who);
	memcpy(v.talker, voice_me(self), 32);
	do {
		zuuid_t *u = zuuid_new();

		v.stream = be32_get(zuuid_data(u));
		zuuid_destroy(&u);
	} while (v.stream == 0 ||
	    voice_stream_find(self, self->node->identity->key_hex, v.stream) !=
		NULL);
	if (strcmp(mode, "call") == 0)
		v.flags |= WIRE_VOICE_CALL;
	if (strcmp(prio, "emergency") == 0)
		v.flags |= WIRE_VOICE_EMERGENCY;
	voice_lamport_see(self, self->node->lamport);
	v.lamport = ++self->lamport;
	if ((st = voice_stream_get(self, &v, now)) == NULL) {
		voice_error(self, c, "TALK", CTL_E_TOO_LARGE,
		    "this node relays as many streams as it may; try again "
		    "in a few seconds");
		goto done;
	}
	st->owner = c;
	if (!(v.flags & WIRE_VOICE_CALL) &&
	    voice_press(self, st, now) == FLOOR_BUSY) {
		const floor_req_t *h = floor_holder(
		    voice_room(self, room)->floor);
		vstream_t *hs = h != NULL
		    ? voice_stream_find(self, h->talker, h->stream)
		    : NULL;

		voice_reply(self, c, "BUSY", room,
		    hs != NULL ? hs->who : "someone", NULL);
		zhashx_delete(self->streams, st->key);
		goto done;
	}
	st->recording = chat_room_recording(self->node, room);
	if (st->recording) {
		st->packets = zlist_new();
		st->start_wall_us = time_now_us();
	}
	if (!(v.flags & WIRE_VOICE_CALL))
		voice_floor_out(self, st, false);
	be32_put(b, v.stream);
	{
		zmsg_t *r = zmsg_new();

		zmsg_addstr(r, "GRANTED");
		zmsg_addstr(r, room);
		zmsg_addmem(r, b, 4);
		voice_send(self, c, &r);
	}
	log_info("%s talks in '%s'%s%s", st->who, room,
	    v.flags & WIRE_VOICE_CALL ? " (voice room)" : "",
	    v.flags & WIRE_VOICE_EMERGENCY ? " (emergency)" : "");
done:
	free(room);
	free(user);
	free(mode);
	free(prio);
	free(who);
}

/* The stream a client names in FRAME or STOP, if it is its own. */
static vstream_t *
voice_own_stream(voice_t *self, vclient_t *c, zframe_t *f)
{
	vstream_t *st;

	if (f == NULL || zframe_size(f) != 4)
		return NULL;
	st = voice_stream_find(self, self->node->identity->key_hex,
	    be32_get(zframe_data(f)));
	return st != NULL && st->owner == c ? st : NULL;
}

static void
voice_on_frame(voice_t *self, vclient_t *c, zmsg_t *msg, int64_t now)
{
	vstream_t *st = voice_own_stream(self, c, zmsg_next(msg));
	zframe_t *seq = zmsg_next(msg), *when = zmsg_next(msg);
	zframe_t *opus = zmsg_next(msg);
	wire_voice_t v = { .hops = (uint8_t)self->hops };

	if (st == NULL || st->ended || seq == NULL || zframe_size(seq) != 4 ||
	    when == NULL || zframe_size(when) != 8 || opus == NULL ||
	    zframe_size(opus) == 0 || zframe_size(opus) > WIRE_OPUS_MAX)
		return; /* no answer to frames: a bad one is dropped */
	if (st->frames > 0 &&
	    be32_get(zframe_data(seq)) - st->next_seq >= 0x80000000U)
		return; /* not newer than the last: a repeat */
	snprintf(v.room, sizeof v.room, "%s", st->room);
	snprintf(v.user, sizeof v.user, "%s", st->user);
	memcpy(v.talker, st->talker, 32);
	v.stream = st->stream;
	v.seq = be32_get(zframe_data(seq));
	v.flags = st->flags;
	v.lamport = st->lamport;
	v.capture_us = (int64_t)be64_get(zframe_data(when));
	v.opus = zframe_data(opus);
	v.opus_len = zframe_size(opus);
	voice_seen(self, voice_dedup_key(&v, WIRE_VOICE));
	voice_frame(self, NULL, st, &v, now);
}

static void
voice_on_stop(voice_t *self, vclient_t *c, zmsg_t *msg)
{
	vstream_t *st = voice_own_stream(self, c, zmsg_next(msg));
	char room[WIRE_ROOM_MAX + 1];

	if (st == NULL) {
		voice_error(self, c, "STOP", CTL_E_NOT_FOUND,
		    "no such stream of this client");
		return;
	}
	snprintf(room, sizeof room, "%s", st->room);
	voice_stream_end(self, st, true);
	voice_reply(self, c, "OK", "STOP", room, NULL);
}

static void
voice_on_stats(vclient_t *c, zmsg_t *msg)
{
	zframe_t *f = zmsg_next(msg);
	json_t *stats;

	if (f == NULL || zframe_size(f) > 64 * 1024)
		return;
	stats = json_loadb((const char *)zframe_data(f), zframe_size(f), 0,
	    NULL);
	if (!json_is_object(stats)) {
		json_decref(stats);
		return;
	}
	json_decref(c->stats);
	c->stats = stats;
}

static void
voice_on_client(voice_t *self, zmsg_t *msg, int64_t now)
{
	zframe_t *id = zmsg_first(msg), *cmd = zmsg_next(msg);
	vclient_t *c;

	if (id == NULL || cmd == NULL)
		return;
	c = voice_client(self, id);
	c->last_us = now;
	if (zframe_streq(cmd, "FRAME"))
		voice_on_frame(self, c, msg, now);
	else if (zframe_streq(cmd, "PING"))
		voice_reply(self, c, "PONG", NULL);
	else if (zframe_streq(cmd, "STATS"))
		voice_on_stats(c, msg);
	else if (zframe_streq(cmd, "HELLO")) {
		char *v = voice_text(zmsg_next(msg), 16);

		if (v == NULL || strcmp(v, VOICE_SOCKET_VERSION) != 0)
			voice_error(self, c, "HELLO", CTL_E_VERSION,
			    "this daemon speaks version " VOICE_SOCKET_VERSION
			    " of the voice socket");
		else
			voice_reply(self, c, "WELCOME", self->node->name,
			    self->node->identity->key_hex, NULL);
		free(v);
	} else if (zframe_streq(cmd, "LISTEN"))
		voice_on_listen(self, c, msg);
	else if (zframe_streq(cmd, "UNLISTEN"))
		voice_on_unlisten(self, c, msg);
	else if (zframe_streq(cmd, "TALK"))
		voice_on_talk(self, c, msg, now);
	else if (zframe_streq(cmd, "STOP"))
		voice_on_stop(self, c, msg);
	else {
		char *name = voice_text(cmd, 32);

		voice_error(self, c, name != NULL ? name : "?",
		    CTL_E_UNKNOWN_METHOD, "unknown command");
		free(name);
	}
}

void
voice_handle(voice_t *self)
{
	int64_t now = time_mono_us();

	for (int i = 0; i < HANDLE_BATCH &&
	     (zsock_events(self->router) & ZMQ_POLLIN);
	     i++) {
		zmsg_t *msg = zmsg_recv(self->router);

		if (msg == NULL)
			break;
		voice_on_client(self, msg, now);
		zmsg_destroy(&msg);
	}
}

/* Stores a recorded spurt as an Ogg Opus file in the file ledger. */
static void
voice_record(voice_t *self, vstream_t *st)
{
	char *cause = NULL, when[40], *path, *slash;
	const uint8_t *data;
	oggopus_writer_t *w;
	size_t len;
	zframe_t *f;

	/* 104 samples at 16 kHz: Opus's look-ahead is 6.5 ms at every
	 * rate, so the pre-skip is right whatever rate the talker used. */
	w = oggopus_writer_new(16000, 104, st->who, st->start_wall_us,
	    &cause);
	if (w == NULL)
		goto done;
	for (f = zlist_first(st->packets); f != NULL;
	     f = zlist_next(st->packets)) {
		if (oggopus_writer_add(w, zframe_data(f), zframe_size(f),
			&cause) != 0)
			goto done;
	}
	data = oggopus_writer_finish(w, -1, &len);
	time_format_iso(st->start_wall_us, when, sizeof when);
	/* No ':' in a file name that people copy to other systems. */
	for (char *p = when; *p != '\0'; p++) {
		if (*p == ':')
			*p = '-';
	}
	if ((slash = strchr(when, '.')) != NULL)
		strcpy(slash, "Z");
	path = xasprintf("rooms/%s/recordings/%s %s.opus", st->room, when,
	    st->who);
	if (files_store_bytes(self->node, path, st->user, data, len,
		&cause) == 0)
		log_info("recorded %zu frames of %s in '%s' as '%s'",
		    zlist_size(st->packets), st->who, st->room, path);
	free(path);
done:
	if (cause != NULL) {
		log_error("cannot record %s in '%s': %s", st->who, st->room,
		    cause);
		free(cause);
	}
	oggopus_writer_destroy(&w);
}

static void
voice_packets_clear(vstream_t *st)
{
	zframe_t *f;

	if (st->packets == NULL)
		return;
	while ((f = zlist_pop(st->packets)) != NULL)
		zframe_destroy(&f);
}

/* A talk spurt is over: with release (a local talker's), the floor is
 * let go and that said to every node; the recording stored. A remote
 * stream that went silent leaves the floor to floor_tick. */
static void
voice_stream_end(voice_t *self, vstream_t *st, bool release)
{
	int64_t now = time_mono_us();
	vroom_t *room = voice_room(self, st->room);

	if (st->ended)
		return;
	st->ended = true;
	st->ended_us = now;
	st->released = release;
	if (release && !(st->flags & WIRE_VOICE_CALL)) {
		if (floor_release(room->floor, st->talker_hex, st->stream) &&
		    st->owner != NULL)
			voice_floor_out(self, st, true);
		voice_announce(self, room);
	}
	if (st->recording && st->packets != NULL &&
	    zlist_size(st->packets) > 0)
		voice_record(self, st);
	voice_packets_clear(st);
	st->owner = NULL;
}

/* Ends the streams of client c (gone), or with c NULL those silent for
 * STREAM_IDLE_US. Ending one walks the streams (voice_announce), so they
 * are listed first. */
static void
voice_end_streams(voice_t *self, vclient_t *c, int64_t now)
{
	zlist_t *end = zlist_new();
	vstream_t *st;

	for (st = zhashx_first(self->streams); st != NULL;
	     st = zhashx_next(self->streams)) {
		if (!st->ended && (c != NULL ? st->owner == c
					     : now - st->last_us > STREAM_IDLE_US))
			zlist_append(end, st);
	}
	while ((st = zlist_pop(end)) != NULL)
		voice_stream_end(self, st, st->owner != NULL);
	zlist_destroy(&end);
}

/* Says the presses of local talkers who hold a floor again. */
static void
voice_keepalive(voice_t *self, int64_t now)
{
	for (vstream_t *st = zhashx_first(self->streams); st != NULL;
	     st = zhashx_next(self->streams)) {
		const floor_req_t *h;

		if (st->owner == NULL || st->ended ||
		    (st->flags & WIRE_VOICE_CALL) ||
		    now - st->floor_us < KEEPALIVE_US)
			continue;
		h = floor_holder(voice_room(self, st->room)->floor);
		if (h != NULL && h->stream == st->stream &&
		    strcmp(h->talker, st->talker_hex) == 0)
			voice_floor_out(self, st, false);
	}
}

/* Rooms with a free floor, no stream and no listener here are
 * forgotten. */
static void
voice_forget_rooms(voice_t *self)
{
	zlist_t *gone = zlist_new();

	for (vroom_t *r = zhashx_first(self->rooms); r != NULL;
	     r = zhashx_next(self->rooms)) {
		bool used = floor_holder(r->floor) != NULL;

		for (vstream_t *st = zhashx_first(self->streams);
		     st != NULL && !used; st = zhashx_next(self->streams))
			used = strcmp(st->room, r->name) == 0;
		for (vclient_t *c = zlist_first(self->clients);
		     c != NULL && !used; c = zlist_next(self->clients))
			used = vclient_listens(c, r->name);
		if (!used)
			zlist_append(gone, r->name);
	}
	for (const char *name = zlist_first(gone); name != NULL;
	     name = zlist_next(gone))
		zhashx_delete(self->rooms, name);
	zlist_destroy(&gone);
}

long
voice_tick(voice_t *self, int64_t now)
{
	zlist_t *gone;
	floor_req_t expired;

	if (now - self->tick_us < TICK_US)
		return (long)((self->tick_us + TICK_US - now) / 1000) + 1;
	self->tick_us = now;
	gone = zlist_new();
	for (vclient_t *c = zlist_first(self->clients); c != NULL;
	     c = zlist_next(self->clients)) {
		if (now - c->last_us > CLIENT_TIMEOUT_US)
			zlist_append(gone, c);
	}
	for (vclient_t *c = zlist_first(gone); c != NULL;
	     c = zlist_next(gone)) {
		voice_end_streams(self, c, now);
		if (zlist_size(c->listens) > 0 && self->node->mesh != NULL)
			mesh_voice_changed(self->node->mesh);
		zlist_remove(self->clients, c);
		vclient_destroy(&c);
	}
	zlist_destroy(&gone);
	for (vroom_t *r = zhashx_first(self->rooms); r != NULL;
	     r = zhashx_next(self->rooms)) {
		if (floor_tick(r->floor, now, &expired)) {
			vstream_t *st = voice_stream_find(self, expired.talker,
			    expired.stream);

			log_info("the floor of '%s' is free: %s went silent",
			    r->name, st != NULL ? st->who : "its holder");
			voice_announce(self, r);
		}
	}
	voice_end_streams(self, NULL, now);
	voice_keepalive(self, now);
	gone = zlist_new();
	for (vstream_t *st = zhashx_first(self->streams); st != NULL;
	     st = zhashx_next(self->streams)) {
		if (st->ended && now - st->ended_us > STREAM_KEEP_US)
			zlist_append(gone, st->key);
	}
	for (const char *key = zlist_first(gone); key != NULL;
	     key = zlist_next(gone))
		zhashx_delete(self->streams, key);
	zlist_destroy(&gone);
	voice_forget_rooms(self);
	return TICK_US / 1000;
}

json_t *
voice_listeners(voice_t *self)
{
	json_t *rooms = json_object();

	for (vclient_t *c = zlist_first(self->clients); c != NULL;
	     c = zlist_next(self->clients)) {
		for (vlisten_t *l = zlist_first(c->listens); l != NULL;
		     l = zlist_next(c->listens)) {
			json_t *users = json_object_get(rooms, l->room), *u;
			bool has = false;
			size_t i;

			if (users == NULL) {
				users = json_array();
				json_object_set_new(rooms, l->room, users);
			}
			json_array_foreach(users, i, u) has |=
			    strcmp(json_string_value(u), l->user) == 0;
			if (!has)
				json_array_append_new(users,
				    json_string(l->user));
		}
	}
	return rooms;
}

/* voice.status's "rooms": every room with a floor, a stream or a
 * listener anywhere in the map. */
static json_t *
voice_status_rooms(voice_t *self, json_t *map)
{
	json_t *rooms = json_object(), *node, *out = json_array(), *r;
	const char *name;
	size_t i;

	for (vroom_t *vr = zhashx_first(self->rooms); vr != NULL;
	     vr = zhashx_next(self->rooms))
		json_object_set_new(rooms, vr->name, json_array());
	json_array_foreach(json_object_get(map, "nodes"), i, node) {
		json_t *users;
		const char *room;

		json_object_foreach(json_object_get(node, "voice"), room,
		    users) {
			json_t *list = json_object_get(rooms, room), *u;
			size_t k;

			if (list == NULL) {
				list = json_array();
				json_object_set_new(rooms, room, list);
			}
			json_array_foreach(users, k, u)
			    json_array_append_new(list,
				json_pack("{s:O, s:O}", "user", u, "node",
				    json_object_get(node, "name")));
		}
	}
	json_object_foreach(rooms, name, r) {
		vroom_t *vr = zhashx_lookup(self->rooms, name);
		const floor_req_t *h = vr != NULL ? floor_holder(vr->floor)
						  : NULL;
		vstream_t *st = h != NULL
		    ? voice_stream_find(self, h->talker, h->stream)
		    : NULL;
		json_t *floor = json_null();

		if (h != NULL)
			floor = json_pack("{s:s, s:I, s:b, s:I}", "talker",
			    st != NULL ? st->who : "?", "stream",
			    (json_int_t)h->stream, "emergency",
			    h->prio == FLOOR_EMERGENCY, "since_ms",
			    (json_int_t)((time_now_us() - vr->since_wall_us) /
				1000));
		json_array_append_new(out,
		    json_pack("{s:s, s:o, s:O, s:b}", "room", name, "floor",
			floor, "listeners", r, "recording",
			chat_room_recording(self->node, name)));
	}
	json_decref(rooms);
	return out;
}

json_t *
voice_status(voice_t *self, json_t *map)
{
	json_t *streams = json_array(), *clients = json_array();
	int64_t now = time_mono_us();

	for (vstream_t *st = zhashx_first(self->streams); st != NULL;
	     st = zhashx_next(self->streams)) {
		json_array_append_new(streams,
		    json_pack("{s:s, s:s, s:I, s:b, s:b, s:b, s:b, s:I, s:I, "
			      "s:I, s:I, s:I, s:i, s:f, s:I}",
			"room", st->room, "talker", st->who, "stream",
			(json_int_t)st->stream, "emergency",
			(st->flags & WIRE_VOICE_EMERGENCY) != 0, "call",
			(st->flags & WIRE_VOICE_CALL) != 0, "local",
			memcmp(st->talker, voice_me(self), 32) == 0,
			"active", !st->ended, "frames", (json_int_t)st->frames,
			"lost", (json_int_t)st->lost, "duplicates",
			(json_int_t)st->duplicates, "refused",
			(json_int_t)st->refused, "stale", (json_int_t)st->stale,
			"hops_left", st->hops_left,
			"latency_ms", st->latency_ms, "age_ms",
			(json_int_t)((now - st->last_us) / 1000)));
	}
	for (vclient_t *c = zlist_first(self->clients); c != NULL;
	     c = zlist_next(self->clients)) {
		json_t *rooms = json_array(), *talking = json_null();
		const char *user = NULL;

		for (vlisten_t *l = zlist_first(c->listens); l != NULL;
		     l = zlist_next(c->listens)) {
			json_array_append_new(rooms, json_string(l->room));
			user = l->user;
		}
		for (vstream_t *st = zhashx_first(self->streams); st != NULL;
		     st = zhashx_next(self->streams)) {
			if (st->owner == c && !st->ended) {
				json_decref(talking);
				talking = json_pack("{s:s, s:I}", "room",
				    st->room, "stream", (json_int_t)st->stream);
				user = st->user;
			}
		}
		json_t *heard = json_object_get(c->stats, "streams");

		heard = json_is_array(heard) ? json_incref(heard)
					     : json_array();
		json_array_append_new(clients,
		    json_pack("{s:s?, s:o, s:o, s:o}", "user", user, "rooms",
			rooms, "talking", talking, "streams", heard));
	}
	return json_pack("{s:o, s:o, s:o, s:i}", "rooms",
	    voice_status_rooms(self, map), "streams", streams, "clients",
	    clients, "hops", (int)self->hops);
}
