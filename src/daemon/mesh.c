#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "admit.h"
#include "gossip.h"
#include "keyprobe.h"
#include "log.h"
#include "files.h"
#include "mesh.h"
#include "util.h"
#include "voice.h"
#include "wire.h"
#include "zap.h"

#define PING_INTERVAL_US 1000000
/* Silence after which a link is down: a few missed pings. */
#define LINK_TIMEOUT_US 5000000
#define HELLO_TIMEOUT_US 5000000
#define WANT_TIMEOUT_US 10000000
#define SUMMARY_INTERVAL_US 10000000
#define BACKOFF_MIN_US 250000
/* A peer that is away is probed again within 5 s (one datagram); one that
 * refused us is left alone for 30 s. */
#define BACKOFF_MAX_US 5000000
#define BACKOFF_REFUSED_US 30000000
/* Timers run at most this often, and the checks that query the store
 * (revocation, what to pull) once a second per link, whatever the
 * traffic: the wake-ups a busy link causes must not each cost SQL. */
#define TICK_US 100000
#define CHECK_US 1000000
#define RTT_SAMPLES 8
#define LOSS_WINDOW 32
/* Messages read from one socket per wake-up, so that no neighbour can
 * starve the control socket or the other links. */
#define READ_BATCH 64
#define READ_BYTES (4 * 1024 * 1024)
#define SEND_HWM 10000

enum link_state { LINK_PROBING, LINK_HELLO, LINK_UP };

static const char *const link_state_names[] = {
	[LINK_PROBING] = "probing",
	[LINK_HELLO] = "connecting",
	[LINK_UP] = "up",
};

typedef struct link {
	bool outgoing;
	bool discovered;	/* found by beacon, not configured */
	char *endpoint;		/* configured, or the peer's listen endpoint */
	char *resolved;		/* outgoing: where the key probe answers from */
	zsock_t *dealer;	/* outgoing */
	zframe_t *routing_id;	/* incoming */
	/* The real-time connection (voice): outgoing, a second DEALER;
	 * incoming, its routing id once it said RT. */
	zsock_t *rt;
	zframe_t *rt_id;
	char transport[41];	/* the peer's CURVE key */
	enum link_state state;
	admit_info_t peer;	/* once up */
	int64_t since_us, last_rx_us, next_us, hello_us, ping_us;
	int64_t since_wall_us;	/* when it came up, wall clock */
	int64_t backoff_us;
	uint64_t ping_seq;
	int64_t ping_sent[LOSS_WINDOW];
	bool ping_answered[LOSS_WINDOW];
	double rtt_ms;		/* median of the last samples; < 0: none */
	double rtt_samples[RTT_SAMPLES];
	size_t nrtt;		/* samples taken, all time */
	int64_t check_us;	/* last admission and pull check */
	uint64_t bytes_in, bytes_out, dropped;
	bool want_out;
	int64_t want_us;
	uint8_t want_author[32];	/* what the WANT in flight asked for */
	uint64_t want_from;
	/* Authors whose last answer brought nothing we could store (the
	 * peer holds a fork of them): not asked again before its next
	 * SUMMARY, or the two would loop. */
	uint8_t (*stalled)[32];
	size_t nstalled;
	wire_head_t *theirs;	/* the peer's heads, from SUMMARY */
	size_t ntheirs;
	int64_t summary_us;
	char *error;		/* why it is not up */
} link_t;

struct mesh {
	node_t *node;
	char *listen;
	zactor_t *zap;
	zsock_t *router;
	keyprobe_t *probe;
	zlist_t *links;
	admit_t *admit;		/* NULL: no certificate yet */
	char *problem;
	int64_t bad_messages;
	int64_t tick_us;	/* last run of the timers */
	int64_t self_check_us;	/* last check of our own certificate */
	zactor_t *beacon;	/* NULL: beacons off */
	char *beacon_problem;
	int listen_port;
	gossip_t *gossip;
	int64_t gossip_us;
	/* Voice routes: room -> zlist of neighbour keys (hex) through which
	 * some listener of the room is best reached. */
	zhashx_t *routes;
	bool routes_stale;
	int64_t routes_us;
};

static void
link_set_error(link_t *link, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
link_set_error(link_t *link, const char *fmt, ...)
{
	va_list ap;

	free(link->error);
	va_start(ap, fmt);
	if (vasprintf(&link->error, fmt, ap) < 0)
		abort();
	va_end(ap);
}

static const char *
link_name(link_t *link)
{
	if (link->state == LINK_UP)
		return link->peer.name;
	return link->endpoint != NULL ? link->endpoint : "(incoming)";
}

static void
link_destroy(link_t **link_p)
{
	link_t *link = *link_p;

	if (link == NULL)
		return;
	zsock_destroy(&link->dealer);
	zframe_destroy(&link->routing_id);
	zsock_destroy(&link->rt);
	zframe_destroy(&link->rt_id);
	free(link->endpoint);
	free(link->resolved);
	free(link->theirs);
	free(link->stalled);
	free(link->error);
	free(link);
	*link_p = NULL;
}

/* Sends without ever blocking the node: a message that finds the queue
 * full is dropped and counted; anti-entropy brings what it carried. */
static int
mesh_send_on(link_t *link, zsock_t *sock, zframe_t *to, zmsg_t **msg_p)
{
	zmsg_t *msg = *msg_p;
	size_t size = zmsg_content_size(msg);
	int rc;

	*msg_p = NULL;
	if (sock == NULL) {
		zmsg_destroy(&msg);
		return -1;
	}
	if (to != NULL) {
		zframe_t *id = zframe_dup(to);

		zmsg_prepend(msg, &id);
	}
	rc = 0;
	while (zmsg_size(msg) > 0 && rc == 0) {
		zframe_t *f = zmsg_pop(msg);
		int flags = ZFRAME_DONTWAIT |
		    (zmsg_size(msg) > 0 ? ZFRAME_MORE : 0);

		rc = zframe_send(&f, sock, flags);
		if (rc != 0)
			zframe_destroy(&f);
	}
	if (rc != 0)
		link->dropped++;
	else
		link->bytes_out += size;
	zmsg_destroy(&msg);
	return rc;
}

static void
mesh_send(mesh_t *self, link_t *link, zmsg_t **msg_p)
{
	if (link->outgoing)
		mesh_send_on(link, link->dealer, NULL, msg_p);
	else
		mesh_send_on(link, self->router, link->routing_id, msg_p);
}

/* Real-time traffic goes on the link's second connection, which carries
 * nothing else, so that it never queues behind file chunks. Voice
 * frames (both) go on the first one as well, so that a packet lost on
 * one TCP connection (which holds back every frame after it until it is
 * sent again, for 200 ms or more) does not stall the stream: the copy
 * that comes first is taken, the other dropped as a duplicate. FLOOR
 * messages do not: they are repeated every 250 ms anyway, and a copy
 * that waited behind file chunks could bring back an old press. Until
 * the second connection is there, the first alone. */
static void
mesh_send_rt(mesh_t *self, link_t *link, zmsg_t **msg_p, bool both)
{
	bool sent = false;

	if (link->outgoing && link->rt != NULL) {
		zmsg_t *copy = both ? zmsg_dup(*msg_p) : *msg_p;

		if (!both)
			*msg_p = NULL;
		sent = mesh_send_on(link, link->rt, NULL, &copy) == 0 || !both;
	} else if (!link->outgoing && link->rt_id != NULL) {
		zmsg_t *copy = zmsg_dup(*msg_p);

		if (mesh_send_on(link, self->router, link->rt_id, &copy) != 0) {
			/* Gone (its peer reconnected): forgotten until it says
			 * RT or sends voice again; merely full: not. */
			if (errno == EHOSTUNREACH) {
				link->dropped--;
				zframe_destroy(&link->rt_id);
			}
		} else if (!both)
			sent = true;
	}
	if (sent)
		zmsg_destroy(msg_p);
	else
		mesh_send(self, link, msg_p);
}

/* Sends an entry to every link that is up, but the one it came from and
 * those whose peer told us it holds it already. */
static void
mesh_flood(mesh_t *self, link_t *except, const uint8_t *raw, size_t len)
{
	const uint8_t *author = raw + 1;
	uint64_t seq = 0;

	for (int i = 0; i < 8; i++)
		seq = seq << 8 | raw[33 + i];
	for (link_t *l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		bool has = false;

		if (l == except || l->state != LINK_UP)
			continue;
		for (size_t i = 0; i < l->ntheirs && !has; i++)
			has = l->theirs[i].seq >= seq &&
			    memcmp(l->theirs[i].author, author, 32) == 0;
		if (has)
			continue;
		zmsg_t *msg = wire_entry(raw, len);

		mesh_send(self, l, &msg);
	}
}

/* Entries of this node, once committed (see mesh_receive_entry for the
 * others). */
static void
mesh_flood_cb(void *arg, zframe_t *raw, void *source)
{
	mesh_flood(arg, source, zframe_data(raw), zframe_size(raw));
}

/* Sends msg (taken) on every link that is up but except. */
static void
mesh_send_all(mesh_t *self, link_t *except, zmsg_t *msg)
{
	for (link_t *l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		if (l == except || l->state != LINK_UP)
			continue;
		zmsg_t *copy = zmsg_dup(msg);

		mesh_send(self, l, &copy);
	}
	zmsg_destroy(&msg);
}

static link_t *
link_new_outgoing(const char *endpoint)
{
	link_t *link = xcalloc(1, sizeof *link);

	link->outgoing = true;
	link->endpoint = xstrdup(endpoint);
	link->state = LINK_PROBING;
	link->backoff_us = BACKOFF_MIN_US;
	link->rtt_ms = -1;
	return link;
}

/* Back to probing, after a pause that grows while the peer stays away. */
static void
link_down(mesh_t *self, link_t *link, int64_t now)
{
	if (link->state == LINK_UP)
		log_warning("link to '%s' (%s) is down: %s", link->peer.name,
		    link->endpoint, link->error != NULL ? link->error : "?");
	zsock_destroy(&link->dealer);
	zsock_destroy(&link->rt);
	link->state = LINK_PROBING;
	self->routes_stale = true;
	link->want_out = false;
	free(link->theirs);
	link->theirs = NULL;
	link->ntheirs = 0;
	link->next_us = now + link->backoff_us;
	if (self->node->files != NULL)
		files_link_down(self->node->files, link);
	if (link->backoff_us < BACKOFF_MAX_US) {
		link->backoff_us *= 2;
		if (link->backoff_us > BACKOFF_MAX_US)
			link->backoff_us = BACKOFF_MAX_US;
	}
}

/* The fetcher's way onto a link. */
static void
mesh_files_send(void *arg, void *link, zmsg_t **msg)
{
	mesh_send(arg, link, msg);
}

static void
mesh_drop(mesh_t *self, link_t *link, int64_t now)
{
	if (link->outgoing)
		link_down(self, link, now);
	else {
		if (link->state == LINK_UP)
			log_warning("link from '%s' is down: %s",
			    link->peer.name,
			    link->error != NULL ? link->error : "?");
		if (self->node->files != NULL)
			files_link_down(self->node->files, link);
		self->routes_stale = true;
		zlist_remove(self->links, link);
		link_destroy(&link);
	}
}

/* A beacon says "IOE1", the TCP port the node listens on, its transport
 * key, and the mesh it belongs to; the address comes with the datagram. */
#define BEACON_PREFIX "IOE1"
#define BEACON_INTERVAL_MS 1000

/* The interface that holds addr (IPv4 text), or NULL. Caller frees. */
static char *
mesh_interface_of(const char *addr)
{
	struct ifaddrs *all, *ifa;
	char *name = NULL, text[INET_ADDRSTRLEN];

	if (getifaddrs(&all) != 0)
		return NULL;
	for (ifa = all; ifa != NULL && name == NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET)
			continue;
		inet_ntop(AF_INET,
		    &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, text,
		    sizeof text);
		if (strcmp(text, addr) == 0)
			name = xstrdup(ifa->ifa_name);
	}
	freeifaddrs(all);
	return name;
}

/* Beacons go out on one interface only: the one named in the config,
 * else the one holding the listen address. A node that listens on
 * loopback, or on every address with no interface named, announces
 * nothing: its beacon would reach no node that could link to it, or a
 * network nobody chose. */
static void
mesh_beacon_start(mesh_t *self, const conf_t *conf)
{
	char host[256], port[16], *iface = NULL, *answer;

	if (conf->beacon_interface != NULL)
		iface = xstrdup(conf->beacon_interface);
	else if (self->listen != NULL &&
	    keyprobe_parse(self->listen, host, sizeof host, port, sizeof port,
		NULL) == 0 &&
	    strcmp(host, "*") != 0 && strcmp(host, "0.0.0.0") != 0)
		iface = mesh_interface_of(host);
	if (iface == NULL) {
		self->beacon_problem = xstrdup(
		    self->listen == NULL
			? "off: no listen endpoint to announce"
			: "off: the listen address is on no broadcast "
			  "interface (loopback or *); set beacon.interface");
		return;
	}
	if (if_nametoindex(iface) == 0) {
		self->beacon_problem = xasprintf("off: there is no network "
						 "interface '%s'",
		    iface);
		log_warning("beacons %s", self->beacon_problem);
		free(iface);
		return;
	}
	if (strcmp(iface, "lo") == 0) {
		self->beacon_problem = xstrdup("off: loopback has no broadcast");
		free(iface);
		return;
	}
	zsys_set_interface(iface);
	self->beacon = zactor_new(zbeacon, NULL);
	zsock_send(self->beacon, "si", "CONFIGURE", conf->beacon_port);
	answer = zstr_recv(self->beacon);
	if (answer == NULL || *answer == '\0') {
		self->beacon_problem = xasprintf("off: interface '%s' has no "
						 "broadcast address",
		    iface);
		log_warning("beacons %s", self->beacon_problem);
		zactor_destroy(&self->beacon);
	} else {
		log_info("beacons on interface '%s', UDP port %d", iface,
		    conf->beacon_port);
		zsock_send(self->beacon, "sb", "SUBSCRIBE", BEACON_PREFIX,
		    strlen(BEACON_PREFIX));
	}
	zstr_free(&answer);
	free(iface);
}

/* Announces this node once it has a certificate (and so a mesh name). */
static void
mesh_beacon_publish(mesh_t *self)
{
	uint8_t data[4 + 2 + 40 + 1 + 63];
	const char *key = zcert_public_txt(self->node->identity->transport);
	const char *mesh;
	size_t mlen;

	if (self->beacon == NULL || self->listen == NULL || self->admit == NULL)
		return;
	mesh = admit_mesh(self->admit);
	mlen = strlen(mesh);
	memcpy(data, BEACON_PREFIX, 4);
	data[4] = (uint8_t)(self->listen_port >> 8);
	data[5] = (uint8_t)self->listen_port;
	memcpy(data + 6, key, 40);
	data[46] = (uint8_t)mlen;
	memcpy(data + 47, mesh, mlen);
	zsock_send(self->beacon, "sbi", "PUBLISH", data, 47 + mlen,
	    BEACON_INTERVAL_MS);
}

mesh_t *
mesh_new(node_t *node, const conf_t *conf, char **cause)
{
	mesh_t *self = xcalloc(1, sizeof *self);
	const char *listen = conf->listen;
	char *const *peers = conf->peers;
	size_t npeers = conf->npeers;
	char host[256], port[16];

	self->node = node;
	if (node->files != NULL)
		files_set_sender(node->files, mesh_files_send, self);
	self->links = zlist_new();
	self->gossip = gossip_new(node->identity->key_hex);
	self->routes = zhashx_new();
	zhashx_set_destructor(self->routes, (zhashx_destructor_fn *)zlist_destroy);
	self->routes_stale = true;
	node->flood = mesh_flood_cb;
	node->flood_arg = self;
	for (size_t i = 0; i < npeers; i++) {
		if (keyprobe_parse(peers[i], host, sizeof host, port,
			sizeof port, cause) != 0)
			goto bad;
		zlist_append(self->links, link_new_outgoing(peers[i]));
	}
	if (listen != NULL) {
		if (keyprobe_parse(listen, host, sizeof host, port, sizeof port,
			cause) != 0)
			goto bad;
		self->listen = xstrdup(listen);
		self->listen_port = atoi(port);
	}
	self->zap = zap_new();
	self->probe = keyprobe_new(listen,
	    zcert_public_txt(node->identity->transport), cause);
	if (self->probe == NULL)
		goto bad;
	if (listen != NULL) {
		self->router = zsock_new(ZMQ_ROUTER);
		zcert_apply(node->identity->transport, self->router);
		zsock_set_curve_server(self->router, 1);
		zsock_set_zap_domain(self->router, "ioe");
		zsock_set_router_mandatory(self->router, 1);
		zsock_set_maxmsgsize(self->router, WIRE_MESSAGE_MAX);
		zsock_set_sndhwm(self->router, SEND_HWM);
		zsock_set_rcvhwm(self->router, SEND_HWM);
		zsock_set_linger(self->router, 0);
		if (zsock_bind(self->router, "%s", listen) < 0) {
			fail(cause, "cannot listen on '%s': %s", listen,
			    zmq_strerror(errno));
			goto bad;
		}
	}
	if (conf->beacon_enabled)
		mesh_beacon_start(self, conf);
	mesh_reload(self);
	return self;
bad:
	mesh_destroy(&self);
	return NULL;
}

void
mesh_destroy(mesh_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		mesh_t *self = *self_p;
		link_t *link;

		if (self->node->flood_arg == self) {
			self->node->flood = NULL;
			self->node->flood_arg = NULL;
		}
		while ((link = zlist_pop(self->links)) != NULL)
			link_destroy(&link);
		zlist_destroy(&self->links);
		zsock_destroy(&self->router);
		zactor_destroy(&self->beacon);
		free(self->beacon_problem);
		zactor_destroy(&self->zap);
		keyprobe_destroy(&self->probe);
		gossip_destroy(&self->gossip);
		zhashx_destroy(&self->routes);
		admit_destroy(&self->admit);
		free(self->listen);
		free(self->problem);
		free(self);
		*self_p = NULL;
	}
}

void
mesh_reload(mesh_t *self)
{
	char *cause = NULL;
	int64_t now = time_mono_us();

	admit_destroy(&self->admit);
	free(self->problem);
	self->problem = NULL;
	self->admit = admit_new(self->node, &cause);
	if (self->admit == NULL) {
		self->problem = cause;
		log_warning("the mesh waits: %s", cause);
		if (self->beacon != NULL)
			zstr_sendx(self->beacon, "SILENCE", NULL);
	} else
		mesh_beacon_publish(self);
	/* Every link proves itself again under the new rules. */
	for (link_t *l = zlist_first(self->links); l != NULL;) {
		link_t *next = zlist_next(self->links);

		/* A link still connecting has no peer to check yet: its
		 * WELCOME will be checked under the new rules. */
		if (l->state == LINK_UP ||
		    (l->state == LINK_HELLO && self->admit == NULL)) {
			char *why = NULL;

			if (self->admit == NULL ||
			    admit_recheck(self->admit, &l->peer, &why) != 0) {
				link_set_error(l, "%s",
				    why != NULL	       ? why
				    : self->problem != NULL ? self->problem
							    : "no certificate");
				zmsg_t *bye = wire_bye(l->error);

				mesh_send(self, l, &bye);
				mesh_drop(self, l, now);
			}
			free(why);
		}
		l = next;
	}
}

const char *
mesh_problem(mesh_t *self)
{
	return self->problem;
}

node_t *
mesh_node(mesh_t *self)
{
	return self->node;
}

admit_t *
mesh_admit(mesh_t *self)
{
	return self->admit;
}

const char *
mesh_beacon_problem(mesh_t *self)
{
	return self->beacon_problem;
}

size_t
mesh_pollitems(mesh_t *self, zmq_pollitem_t *items, size_t max)
{
	size_t n = 0;

	/* The real-time connections first: mesh_handle takes the items in
	 * order, and voice must not wait while chunks are stored. */
	for (link_t *l = zlist_first(self->links); l != NULL && n < max;
	     l = zlist_next(self->links)) {
		if (l->rt != NULL)
			items[n++] = (zmq_pollitem_t){ zsock_resolve(l->rt), 0,
				ZMQ_POLLIN, 0 };
	}
	if (self->router != NULL && n < max)
		items[n++] = (zmq_pollitem_t){ zsock_resolve(self->router), 0,
			ZMQ_POLLIN, 0 };
	int fds[2];
	size_t nfds = keyprobe_fds(self->probe, fds);

	for (size_t i = 0; i < nfds && n < max; i++)
		items[n++] = (zmq_pollitem_t){ NULL, fds[i], ZMQ_POLLIN, 0 };
	if (self->beacon != NULL && n < max)
		items[n++] = (zmq_pollitem_t){ zsock_resolve(self->beacon), 0,
			ZMQ_POLLIN, 0 };
	for (link_t *l = zlist_first(self->links); l != NULL && n < max;
	     l = zlist_next(self->links)) {
		if (l->dealer != NULL)
			items[n++] = (zmq_pollitem_t){ zsock_resolve(l->dealer),
				0, ZMQ_POLLIN, 0 };
	}
	return n;
}

static void
mesh_send_summary(mesh_t *self, link_t *link, int64_t now)
{
	store_t *store = self->node->store;
	wire_head_t *heads = NULL;
	size_t n = 0;
	zmsg_t *msg;
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(store_db(store),
		"SELECT author, max(seq) FROM entries GROUP BY author", -1, &s,
		NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(s) == SQLITE_ROW && n < WIRE_SUMMARY_MAX) {
		heads = realloc(heads, (n + 1) * sizeof *heads);
		if (heads == NULL)
			abort();
		memcpy(heads[n].author, sqlite3_column_blob(s, 0), 32);
		heads[n].seq = (uint64_t)sqlite3_column_int64(s, 1);
		n++;
	}
	sqlite3_finalize(s);
	msg = wire_summary(heads, n);
	free(heads);
	mesh_send(self, link, &msg);
	link->summary_us = now;
}

/* Asks for the next batch this link can give us; one request at a time
 * per link keeps what is in flight bounded. */
static void
mesh_pull(mesh_t *self, link_t *link, int64_t now)
{
	store_t *store = self->node->store;

	if (link->want_out || link->state != LINK_UP)
		return;
	for (size_t i = 0; i < link->ntheirs; i++) {
		uint8_t id[ENTRY_ID_SIZE];
		uint64_t ours = 0, gap;
		zmsg_t *msg;
		bool stalled = false;

		for (size_t k = 0; k < link->nstalled && !stalled; k++)
			stalled = memcmp(link->stalled[k],
			    link->theirs[i].author, 32) == 0;
		if (stalled)
			continue;
		if (store_head(store, link->theirs[i].author, &ours, id) != 0)
			ours = 0;
		if (link->theirs[i].seq <= ours)
			continue;
		gap = link->theirs[i].seq - ours;
		msg = wire_want(link->theirs[i].author, ours + 1,
		    gap > WIRE_BATCH_ENTRIES ? WIRE_BATCH_ENTRIES
					     : (uint32_t)gap);
		mesh_send(self, link, &msg);
		link->want_out = true;
		link->want_us = now;
		memcpy(link->want_author, link->theirs[i].author, 32);
		link->want_from = ours + 1;
		return;
	}
}

/* Raises what we know the peer holds of author (from a flooded entry). */
static void
link_note_head(link_t *link, const uint8_t author[32], uint64_t seq)
{
	for (size_t i = 0; i < link->ntheirs; i++) {
		if (memcmp(link->theirs[i].author, author, 32) == 0) {
			if (seq > link->theirs[i].seq)
				link->theirs[i].seq = seq;
			return;
		}
	}
	link->theirs = realloc(link->theirs,
	    (link->ntheirs + 1) * sizeof *link->theirs);
	if (link->theirs == NULL)
		abort();
	memcpy(link->theirs[link->ntheirs].author, author, 32);
	link->theirs[link->ntheirs].seq = seq;
	link->ntheirs++;
}

/* Takes one entry from a neighbour: checks it, stores it in the batch and
 * lets the commit flood it on. Returns false if the peer misbehaved. */
static bool
mesh_receive_entry(mesh_t *self, link_t *link, zframe_t *raw, int64_t now)
{
	node_t *node = self->node;
	uint8_t head_id[ENTRY_ID_SIZE];
	uint64_t head = 0;
	char *cause = NULL, hex[65];
	entry_t *e;
	bool ok = true;

	e = entry_decode(zframe_data(raw), zframe_size(raw), &cause);
	if (e == NULL) {
		log_warning("'%s' sent an entry that does not decode: %s",
		    link_name(link), cause);
		free(cause);
		return false;
	}
	link_note_head(link, e->author, e->seq);
	if (store_has(node->store, e->id))
		goto done;
	if (store_head(node->store, e->author, &head, head_id) != 0)
		head = 0;
	if (e->seq > head + 1) {
		/* A gap: fetch what comes before, in order. */
		mesh_pull(self, link, now);
		goto done;
	}
	if (!entry_verify(e)) {
		entry_id_hex(e, hex);
		log_warning("'%s' sent entry %s with a bad signature; refused",
		    link_name(link), hex);
		ok = false;
		goto done;
	}
	if (e->seq <= head ||
	    (e->seq > 1 && memcmp(e->prev, head_id, ENTRY_ID_SIZE) != 0)) {
		/* Signed by its author, yet another entry holds its place:
		 * the author forked its feed. Keep the first, keep this one
		 * as evidence. */
		entry_id_hex(e, hex);
		if (store_add_fork(node->store, e, &cause) == 1) {
			char author[65];

			hex_encode(e->author, 32, author);
			if (e->seq <= head)
				log_error("fork: author %.16s... signed two "
					  "entries at sequence %llu; kept the "
					  "first, %s is evidence",
				    author, (unsigned long long)e->seq, hex);
			else
				log_error("fork: author %.16s... signed entry "
					  "%llu on top of another history "
					  "than the one this node holds; kept "
					  "ours, %s is evidence",
				    author, (unsigned long long)e->seq, hex);
		}
		free(cause);
		goto done;
	}
	if (node_begin(node, &cause) != 0 ||
	    node_accept(node, e, &cause) != 0) {
		log_error("cannot store an entry from '%s': %s",
		    link_name(link), cause);
		free(cause);
		goto done;
	}
	/* Passed on at once, before our own commit: its author's signature,
	 * not our disk, makes it good, and each hop saves a sync. (Our own
	 * entries wait for the commit, or a crash could fork our feed.) */
	mesh_flood(self, link, e->raw, e->raw_len);
done:
	entry_destroy(&e);
	return ok;
}

/* After the answer to a WANT: if it brought nothing for the author asked
 * for, park that author for this link. Entries of the batch are in the
 * open transaction, so the head already counts them. */
static void
link_check_progress(node_t *node, link_t *link)
{
	uint8_t id[ENTRY_ID_SIZE];
	uint64_t head = 0;

	if (store_head(node->store, link->want_author, &head, id) != 0)
		head = 0;
	if (head >= link->want_from)
		return;
	link->stalled = realloc(link->stalled,
	    (link->nstalled + 1) * sizeof *link->stalled);
	if (link->stalled == NULL)
		abort();
	memcpy(link->stalled[link->nstalled++], link->want_author, 32);
}

static void
mesh_serve_cb(const void *raw, size_t len, void *arg)
{
	zmsg_addmem(arg, raw, len);
}

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the last few round trips: one slow answer (the first,
 * while the link settles, or one behind a burst) does not colour it. */
static void
link_add_rtt(link_t *link, double rtt)
{
	double sorted[RTT_SAMPLES];
	size_t n;

	link->rtt_samples[link->nrtt++ % RTT_SAMPLES] = rtt;
	n = link->nrtt < RTT_SAMPLES ? link->nrtt : RTT_SAMPLES;
	memcpy(sorted, link->rtt_samples, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, double_cmp);
	link->rtt_ms = n % 2 ? sorted[n / 2]
			     : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* A CURVE DEALER to a peer whose key is known, or NULL (errno says). */
static zsock_t *
mesh_dealer(mesh_t *self, const char *key, const char *endpoint)
{
	zsock_t *d = zsock_new(ZMQ_DEALER);

	zcert_apply(self->node->identity->transport, d);
	zsock_set_curve_serverkey(d, key);
	zsock_set_linger(d, 0);
	zsock_set_sndhwm(d, SEND_HWM);
	zsock_set_rcvhwm(d, SEND_HWM);
	zsock_set_maxmsgsize(d, WIRE_MESSAGE_MAX);
	if (zsock_connect(d, "%s", endpoint) != 0)
		zsock_destroy(&d);
	return d;
}

static void
link_up(mesh_t *self, link_t *link, const admit_info_t *peer, int64_t now)
{
	link->peer = *peer;
	link->state = LINK_UP;
	link->since_us = now;
	link->since_wall_us = time_now_us();
	link->backoff_us = BACKOFF_MIN_US;
	link->rtt_ms = -1;
	link->nrtt = 0;
	link->check_us = now;
	memset(link->ping_sent, 0, sizeof link->ping_sent);
	free(link->error);
	link->error = NULL;
	log_info("link %s '%s' (%s) is up", link->outgoing ? "to" : "from",
	    peer->name, link->endpoint != NULL ? link->endpoint : "?");
	if (link->outgoing) {
		zsock_destroy(&link->rt);
		link->rt = mesh_dealer(self, link->transport, link->endpoint);
		if (link->rt != NULL) {
			zmsg_t *rt = wire_rt();

			mesh_send_on(link, link->rt, NULL, &rt);
		}
	}
	self->routes_stale = true;
	mesh_send_summary(self, link, now);
	if (self->node->files != NULL)
		files_link_up(self->node->files, link);
	/* The map changed: say so now rather than at the next round. */
	self->gossip_us = 0;
}

static void
mesh_on_message(mesh_t *self, link_t *link, wire_msg_t *m, int64_t now)
{
	node_t *node = self->node;
	char *cause = NULL;
	admit_info_t info;
	zmsg_t *reply;

	link->last_rx_us = now;
	if (link->state != LINK_UP && m->command != WIRE_WELCOME &&
	    m->command != WIRE_BYE)
		return;
	switch (m->command) {
	case WIRE_HELLO:
		break; /* handled before a link exists */
	case WIRE_WELCOME:
		if (link->state != LINK_HELLO)
			return;
		if (m->version != WIRE_VERSION ||
		    admit_check(self->admit, m->cert, link->transport, &info,
			&cause) != 0) {
			link_set_error(link, "refused '%s': %s", link->endpoint,
			    cause != NULL ? cause : "protocol version differs");
			log_warning("%s", link->error);
			free(cause);
			reply = wire_bye(link->error);
			mesh_send(self, link, &reply);
			link->backoff_us = BACKOFF_REFUSED_US;
			link_down(self, link, now);
			return;
		}
		link_up(self, link, &info, now);
		break;
	case WIRE_BYE:
		if (link->outgoing && link->state == LINK_UP &&
		    strcmp(m->text, WIRE_BYE_UNKNOWN_LINK) == 0) {
			zmsg_t *hello = wire_hello(WIRE_HELLO,
			    admit_cert_pem(self->admit), self->listen);

			log_info("'%s' lost our link (it restarted?); saying "
				 "hello again",
			    link->peer.name);
			link->state = LINK_HELLO;
			link->hello_us = now;
			mesh_send(self, link, &hello);
			break;
		}
		/* Every message we queued while the peer was down earns one
		 * such BYE; the first sent our HELLO again, the others are
		 * echoes of it, not a refusal. */
		if (link->outgoing && link->state == LINK_HELLO &&
		    strcmp(m->text, WIRE_BYE_UNKNOWN_LINK) == 0)
			break;
		link_set_error(link, "'%s' said: %s", link_name(link), m->text);
		log_warning("%s", link->error);
		link->backoff_us = BACKOFF_REFUSED_US;
		mesh_drop(self, link, now);
		break;
	case WIRE_PING:
		reply = wire_ping(WIRE_PONG, m->seq, m->time_us);
		mesh_send(self, link, &reply);
		break;
	case WIRE_PONG: {
		size_t slot = m->seq % LOSS_WINDOW;
		double rtt = (double)(time_mono_us() - m->time_us) / 1000.0;

		if (m->seq > link->ping_seq || m->seq + LOSS_WINDOW <=
		    link->ping_seq || link->ping_answered[slot])
			break;
		link->ping_answered[slot] = true;
		link_add_rtt(link, rtt);
		/* The map can show this link's figures now. */
		if (link->nrtt == 1)
			self->gossip_us = 0;
		break;
	}
	case WIRE_ENTRY:
		if (!mesh_receive_entry(self, link, m->entries[0], now))
			self->bad_messages++;
		break;
	case WIRE_SUMMARY:
		free(link->stalled);
		link->stalled = NULL;
		link->nstalled = 0;
		free(link->theirs);
		link->theirs = m->heads;
		link->ntheirs = m->nheads;
		m->heads = NULL;
		m->nheads = 0;
		mesh_pull(self, link, now);
		break;
	case WIRE_WANT:
		reply = wire_entries();
		store_range(node->store, m->author, m->first, m->count,
		    WIRE_BATCH_BYTES, mesh_serve_cb, reply);
		mesh_send(self, link, &reply);
		break;
	case WIRE_ENTRIES:
		for (size_t i = 0; i < m->nentries; i++) {
			if (!mesh_receive_entry(self, link, m->entries[i], now))
				self->bad_messages++;
		}
		if (link->want_out)
			link_check_progress(node, link);
		link->want_out = false;
		mesh_pull(self, link, now);
		break;
	case WIRE_CHUNK_WANT:
		if (node->files == NULL)
			break;
		reply = files_serve(node->files, m->hash);
		mesh_send(self, link, &reply);
		break;
	case WIRE_CHUNK:
		if (node->files != NULL)
			files_on_chunk(node->files, link, m->hash, &m->data);
		break;
	case WIRE_CHUNK_NONE:
		if (node->files != NULL)
			files_on_none(node->files, link, m->hash);
		break;
	case WIRE_RT:
		break; /* handled before a link is found */
	case WIRE_VOICE:
	case WIRE_FLOOR:
		if (node->voice != NULL)
			voice_on_mesh(node->voice, link, m);
		break;
	case WIRE_GOSSIP:
		if (gossip_receive(self->gossip, m->text, now, &cause)) {
			mesh_send_all(self, link, wire_gossip(m->text));
			self->routes_stale = true;
		}
		else if (cause != NULL) {
			log_warning("'%s': %s", link_name(link), cause);
			free(cause);
		}
		break;
	}
}

/* A message on the listening socket: from an admitted link, or the HELLO
 * that opens one. */
static size_t
mesh_on_router(mesh_t *self, int64_t now)
{
	zmsg_t *msg = zmsg_recv(self->router);
	size_t size = msg != NULL ? zmsg_content_size(msg) : 0;
	zframe_t *id, *first;
	const char *key = NULL, *meta;
	char keybuf[41];
	char *cause = NULL;
	wire_msg_t *m;
	link_t *link;
	admit_info_t info;

	if (msg == NULL)
		return 0;
	id = zmsg_pop(msg);
	first = zmsg_first(msg);
	/* The metadata belongs to the frame, which decoding frees: keep a
	 * copy of the key. */
	meta = first != NULL ? zframe_meta(first, "User-Id") : NULL;
	if (meta != NULL && strlen(meta) == 40) {
		memcpy(keybuf, meta, sizeof keybuf);
		key = keybuf;
	}
	for (link = zlist_first(self->links); link != NULL;
	     link = zlist_next(self->links)) {
		if (!link->outgoing && (zframe_eq(link->routing_id, id) ||
		    (link->rt_id != NULL && zframe_eq(link->rt_id, id))))
			break;
	}
	if (link != NULL)
		link->bytes_in += zmsg_content_size(msg);
	if ((m = wire_decode(&msg, &cause)) == NULL) {
		log_warning("malformed message from %s: %s",
		    link != NULL ? link_name(link) : "a new connection", cause);
		free(cause);
		self->bad_messages++;
		zframe_destroy(&id);
		return size;
	}
	if (link == NULL && (m->command == WIRE_RT ||
				m->command == WIRE_VOICE ||
				m->command == WIRE_FLOOR)) {
		/* The second connection of a link up: tied to it by the
		 * CURVE key that ZAP checked, when it says RT or, if that was
		 * missed or the connection forgotten, at its first voice. */
		for (link = zlist_first(self->links); link != NULL;
		     link = zlist_next(self->links)) {
			if (!link->outgoing && link->state == LINK_UP &&
			    key != NULL && strcmp(link->transport, key) == 0) {
				zframe_destroy(&link->rt_id);
				link->rt_id = zframe_dup(id);
				break;
			}
		}
		if (m->command == WIRE_RT)
			goto done;
		/* Voice from a key with no link: as any message below. */
	}
	if (link == NULL) {
		zmsg_t *reply;

		if (m->command != WIRE_HELLO && m->command != WIRE_BYE &&
		    key != NULL && self->admit != NULL) {
			/* A neighbour whose link we do not know: we
			 * restarted, or dropped it. It says HELLO again
			 * rather than wait to find the link silent. */
			link_t tmp = { .routing_id = id };

			reply = wire_bye(WIRE_BYE_UNKNOWN_LINK);
			mesh_send(self, &tmp, &reply);
			goto done;
		}
		if (m->command != WIRE_HELLO || key == NULL || self->admit == NULL)
			goto done;
		link = xcalloc(1, sizeof *link);
		link->routing_id = zframe_dup(id);
		snprintf(link->transport, sizeof link->transport, "%s", key);
		link->rtt_ms = -1;
		link->last_rx_us = now;
		if (m->version != WIRE_VERSION ||
		    admit_check(self->admit, m->cert, key, &info, &cause) != 0) {
			link_set_error(link, "%s",
			    cause != NULL ? cause : "protocol version differs");
			log_warning("refused a link from %s: %s",
			    m->endpoint[0] != '\0' ? m->endpoint : "a peer",
			    link->error);
			reply = wire_bye(link->error);
			mesh_send(self, link, &reply);
			link_destroy(&link);
			free(cause);
			goto done;
		}
		link->endpoint = xstrdup(m->endpoint[0] != '\0' ? m->endpoint
							       : "(incoming)");
		/* The same node linking again (it restarted): its old
		 * incoming link is dead, whatever its timer says. */
		for (link_t *old = zlist_first(self->links); old != NULL;) {
			link_t *next = zlist_next(self->links);

			if (!old->outgoing && old->state == LINK_UP &&
			    memcmp(old->peer.key, info.key, 32) == 0) {
				link_set_error(old, "replaced by a new link "
						    "from the same node");
				mesh_drop(self, old, now);
			}
			old = next;
		}
		zlist_append(self->links, link);
		reply = wire_hello(WIRE_WELCOME, admit_cert_pem(self->admit),
		    self->listen);
		mesh_send(self, link, &reply);
		link_up(self, link, &info, now);
		goto done;
	}
	mesh_on_message(self, link, m, now);
done:
	wire_msg_destroy(&m);
	zframe_destroy(&id);
	return size;
}

static void
mesh_on_dealer(mesh_t *self, link_t *link, zsock_t *sock, int64_t now)
{
	zmsg_t *msg = zmsg_recv(sock);
	char *cause = NULL;
	wire_msg_t *m;

	if (msg == NULL)
		return;
	link->bytes_in += zmsg_content_size(msg);
	if ((m = wire_decode(&msg, &cause)) == NULL) {
		log_warning("malformed message from %s: %s", link_name(link),
		    cause);
		free(cause);
		self->bad_messages++;
		return;
	}
	mesh_on_message(self, link, m, now);
	wire_msg_destroy(&m);
}

/* Connects an outgoing link whose peer's key is known, with CURVE, and
 * says HELLO. */
static void
link_connect(mesh_t *self, link_t *l, const char *key, int64_t now)
{
	zmsg_t *hello;

	if (key != l->transport)
		memcpy(l->transport, key, sizeof l->transport);
	if ((l->dealer = mesh_dealer(self, key, l->endpoint)) == NULL) {
		link_set_error(l, "cannot connect: %s", zmq_strerror(errno));
		link_down(self, l, now);
		return;
	}
	l->state = LINK_HELLO;
	l->hello_us = now;
	l->last_rx_us = now;
	/* HELLO waits in the socket's queue until the handshake is done;
	 * nothing else is sent before the link is up. */
	hello = wire_hello(WIRE_HELLO, admit_cert_pem(self->admit),
	    self->listen);
	mesh_send(self, l, &hello);
}

/* A key probe answered: connect the links waiting for that key. */
static void
mesh_on_probe(mesh_t *self)
{
	char *endpoint = NULL, key[41];
	int64_t now = time_mono_us();

	if (keyprobe_read(self->probe, &endpoint, key) != 1)
		return;
	for (link_t *l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		if (!l->outgoing || l->state != LINK_PROBING ||
		    l->resolved == NULL || strcmp(l->resolved, endpoint) != 0)
			continue;
		if (self->admit == NULL)
			break;
		link_connect(self, l, key, now);
	}
	free(endpoint);
}

/* A beacon from a node of our mesh: link to it unless a link to it
 * exists. Of two nodes that hear each other, the one with the smaller
 * transport key connects, so that they make one link, not two. */
static void
mesh_on_beacon(mesh_t *self)
{
	const char *ours = zcert_public_txt(self->node->identity->transport);
	zmsg_t *msg = zmsg_recv(self->beacon);
	char *ip = msg != NULL ? zmsg_popstr(msg) : NULL;
	zframe_t *data = msg != NULL ? zmsg_pop(msg) : NULL;
	const uint8_t *d;
	char key[41], *endpoint = NULL;
	int64_t now = time_mono_us();
	size_t mlen;
	link_t *l;

	if (ip == NULL || data == NULL || self->admit == NULL ||
	    zframe_size(data) < 47)
		goto done;
	d = zframe_data(data);
	mlen = d[46];
	if (zframe_size(data) != 47 + mlen || mlen !=
	    strlen(admit_mesh(self->admit)) ||
	    memcmp(d + 47, admit_mesh(self->admit), mlen) != 0)
		goto done; /* another mesh, or junk */
	memcpy(key, d + 6, 40);
	key[40] = '\0';
	if (strcmp(key, ours) <= 0)
		goto done; /* ourselves, or theirs to make */
	for (l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		if (strcmp(l->transport, key) == 0 &&
		    (l->state != LINK_PROBING || l->discovered))
			goto done;
	}
	endpoint = xasprintf("tcp://%s:%u", ip, (unsigned)(d[4] << 8 | d[5]));
	log_info("beacon: a node of this mesh at %s; linking", endpoint);
	l = link_new_outgoing(endpoint);
	l->discovered = true;
	zlist_append(self->links, l);
	link_connect(self, l, key, now);
done:
	free(endpoint);
	zstr_free(&ip);
	zframe_destroy(&data);
	zmsg_destroy(&msg);
}

void
mesh_handle(mesh_t *self, zmq_pollitem_t *items, size_t n)
{
	int64_t now = time_mono_us();
	char *cause = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!(items[i].revents & ZMQ_POLLIN))
			continue;
		if (items[i].socket == NULL) {
			for (int k = 0; k < READ_BATCH; k++)
				mesh_on_probe(self);
			continue;
		}
		if (self->beacon != NULL &&
		    items[i].socket == zsock_resolve(self->beacon)) {
			mesh_on_beacon(self);
			continue;
		}
		if (self->router != NULL &&
		    items[i].socket == zsock_resolve(self->router)) {
			size_t bytes = 0;

			for (int k = 0; k < READ_BATCH && bytes < READ_BYTES &&
			     (zsock_events(self->router) & ZMQ_POLLIN);
			     k++)
				bytes += mesh_on_router(self, now);
			continue;
		}
		for (link_t *l = zlist_first(self->links); l != NULL;
		     l = zlist_next(self->links)) {
			if (l->rt != NULL &&
			    items[i].socket == zsock_resolve(l->rt)) {
				for (int k = 0; k < READ_BATCH && l->rt != NULL &&
				     (zsock_events(l->rt) & ZMQ_POLLIN);
				     k++)
					mesh_on_dealer(self, l, l->rt, now);
				break;
			}
			if (l->dealer == NULL ||
			    items[i].socket != zsock_resolve(l->dealer))
				continue;
			/* A budget in bytes too: 64 chunks would keep the
			 * control socket waiting for a quarter of a second. */
			uint64_t start = l->bytes_in;

			for (int k = 0; k < READ_BATCH && l->dealer != NULL &&
			     l->bytes_in - start < READ_BYTES &&
			     (zsock_events(l->dealer) & ZMQ_POLLIN);
			     k++)
				mesh_on_dealer(self, l, l->dealer, now);
			break;
		}
	}
	if (node_commit(self->node, &cause) != 0) {
		log_error("cannot commit entries from the mesh: %s", cause);
		free(cause);
	}
}

static double link_loss(link_t *l, int64_t now);

/* This node's links that are up, as gossip and the map show them. */
static json_t *
mesh_links_json(mesh_t *self, int64_t now)
{
	json_t *links = json_array();

	for (link_t *l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		char key[65];

		if (l->state != LINK_UP)
			continue;
		hex_encode(l->peer.key, 32, key);
		json_array_append_new(links,
		    json_pack("{s:s, s:s, s:o, s:f}", "key", key, "name",
			l->peer.name,
			"rtt_ms", l->rtt_ms >= 0 ? json_real(l->rtt_ms)
						 : json_null(),
			"loss", link_loss(l, now)));
	}
	return links;
}

long
mesh_tick(mesh_t *self)
{
	int64_t now = time_mono_us(), next = now + PING_INTERVAL_US;

	if (now - self->tick_us < TICK_US)
		return (long)((self->tick_us + TICK_US - now) / 1000) + 1;
	self->tick_us = now;
	/* Our own certificate can expire, or be revoked, while we run: then
	 * this node leaves the mesh and status says why. */
	if (self->admit != NULL && now - self->self_check_us >= CHECK_US) {
		char *why = NULL;

		self->self_check_us = now;
		if (admit_recheck(self->admit, admit_self(self->admit), &why) !=
		    0) {
			log_error("leaving the mesh: %s", why);
			free(why);
			mesh_reload(self);
		}
	}
	for (link_t *l = zlist_first(self->links); l != NULL;) {
		link_t *following = zlist_next(self->links);
		bool check = now - l->check_us >= CHECK_US;
		zmsg_t *msg;

		switch (l->state) {
		case LINK_PROBING:
			if (self->admit == NULL)
				break;
			if (l->discovered) {
				/* Its beacon brought its key; reconnect with
				 * it after the back-off. */
				if (now >= l->next_us)
					link_connect(self, l, l->transport, now);
				else if (l->next_us < next)
					next = l->next_us;
				break;
			}
			if (now >= l->next_us) {
				char *cause = NULL;

				int asked;

				free(l->resolved);
				l->resolved = NULL;
				asked = keyprobe_ask(self->probe, l->endpoint,
				    &l->resolved, &cause);
				if (asked != 0) {
					link_set_error(l, "%s", cause);
					free(cause);
				} else if (l->error == NULL)
					link_set_error(l, "no answer yet");
				if (asked == 1) {
					/* Look again soon for the name. */
					l->next_us = now + TICK_US;
					break;
				}
				l->next_us = now + l->backoff_us;
				l->backoff_us = l->backoff_us * 2 >
					BACKOFF_MAX_US
				    ? BACKOFF_MAX_US
				    : l->backoff_us * 2;
			}
			if (l->next_us < next)
				next = l->next_us;
			break;
		case LINK_HELLO:
			if (now - l->hello_us > HELLO_TIMEOUT_US) {
				link_set_error(l, "no welcome within %d s",
				    HELLO_TIMEOUT_US / 1000000);
				link_down(self, l, now);
			}
			break;
		case LINK_UP: {
			char *why = NULL;

			/* A revocation or an expiry takes effect within a
			 * second. */
			if (check)
				l->check_us = now;
			if (check &&
			    admit_recheck(self->admit, &l->peer, &why) != 0) {
				link_set_error(l, "%s", why);
				log_warning("cutting off '%s': %s", l->peer.name,
				    why);
				free(why);
				msg = wire_bye(l->error);
				mesh_send(self, l, &msg);
				mesh_drop(self, l, now);
				break;
			}
		}
			if (now - l->last_rx_us > LINK_TIMEOUT_US) {
				link_set_error(l, "silent for %d s",
				    LINK_TIMEOUT_US / 1000000);
				mesh_drop(self, l, now);
				break;
			}
			if (now - l->ping_us >= PING_INTERVAL_US) {
				size_t slot = ++l->ping_seq % LOSS_WINDOW;

				l->ping_sent[slot] = now;
				l->ping_answered[slot] = false;
				msg = wire_ping(WIRE_PING, l->ping_seq, now);
				mesh_send(self, l, &msg);
				l->ping_us = now;
			}
			if (l->want_out && now - l->want_us > WANT_TIMEOUT_US)
				l->want_out = false;
			if (now - l->summary_us > SUMMARY_INTERVAL_US)
				mesh_send_summary(self, l, now);
			if (check)
				mesh_pull(self, l, now);
			break;
		}
		l = following;
	}
	if (now - self->gossip_us >= GOSSIP_INTERVAL_US) {
		json_t *st = gossip_make(self->gossip, self->node->name,
		    mesh_links_json(self, now),
		    self->node->voice != NULL
			? voice_listeners(self->node->voice)
			: NULL);
		char *text = json_dumps(st, JSON_COMPACT);

		mesh_send_all(self, NULL, wire_gossip(text));
		free(text);
		json_decref(st);
		self->gossip_us = now;
	}
	if (next < now + TICK_US)
		next = now + TICK_US;
	return (long)((next - now) / 1000) + 1;
}

size_t
mesh_peer_count(mesh_t *self)
{
	zhashx_t *seen = zhashx_new();
	size_t n;

	/* Neighbours, not links: two nodes that both list the other have
	 * two links. */
	for (link_t *l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		char key[65];

		if (l->state != LINK_UP)
			continue;
		hex_encode(l->peer.key, 32, key);
		zhashx_insert(seen, key, (void *)1);
	}
	n = zhashx_size(seen);
	zhashx_destroy(&seen);
	return n;
}

/* Share of the pings older than two seconds that got no answer. */
static double
link_loss(link_t *l, int64_t now)
{
	int sent = 0, lost = 0;

	for (int i = 0; i < LOSS_WINDOW; i++) {
		if (l->ping_sent[i] == 0 || now - l->ping_sent[i] < 2000000)
			continue;
		sent++;
		if (!l->ping_answered[i])
			lost++;
	}
	return sent > 0 ? (double)lost / sent : 0;
}

json_t *
mesh_peers_json(mesh_t *self)
{
	json_t *list = json_array();
	int64_t now = time_mono_us();

	for (link_t *l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		json_t *obj = json_pack("{s:s, s:s, s:s?}", "direction",
		    l->outgoing ? "out" : "in", "state",
		    link_state_names[l->state], "endpoint", l->endpoint);
		char key[65], when[40];

		if (l->state == LINK_UP) {
			hex_encode(l->peer.key, 32, key);
			time_format_iso(l->since_wall_us, when, sizeof when);
			json_object_set_new(obj, "name",
			    json_string(l->peer.name));
			json_object_set_new(obj, "key", json_string(key));
			json_object_set_new(obj, "since", json_string(when));
			json_object_set_new(obj, "since_us",
			    json_integer(l->since_wall_us));
			json_object_set_new(obj, "rtt_ms",
			    l->rtt_ms >= 0 ? json_real(l->rtt_ms)
					   : json_null());
			json_object_set_new(obj, "loss",
			    json_real(link_loss(l, now)));
		} else
			json_object_set_new(obj, "error",
			    l->error != NULL ? json_string(l->error)
					     : json_null());
		json_object_set_new(obj, "bytes_in",
		    json_integer((json_int_t)l->bytes_in));
		json_object_set_new(obj, "bytes_out",
		    json_integer((json_int_t)l->bytes_out));
		json_object_set_new(obj, "dropped",
		    json_integer((json_int_t)l->dropped));
		json_array_append_new(list, obj);
	}
	return list;
}

json_t *
mesh_map_json(mesh_t *self)
{
	int64_t now = time_mono_us();
	json_t *nodes = gossip_map(self->gossip, now);
	json_t *me = json_pack("{s:s, s:s, s:o, s:I, s:b}", "key",
	    self->node->identity->key_hex, "name", self->node->name, "links",
	    mesh_links_json(self, now), "age_ms", (json_int_t)0, "self", 1);

	if (self->node->voice != NULL) {
		json_t *voice = voice_listeners(self->node->voice);

		if (json_object_size(voice) > 0)
			json_object_set(me, "voice", voice);
		json_decref(voice);
	}
	json_array_insert_new(nodes, 0, me);
	return json_pack("{s:s, s:o}", "self", self->node->identity->key_hex,
	    "nodes", nodes);
}

/* Rebuilds the voice routes from the map: a breadth-first search from
 * this node gives, for every node, the neighbour it is best reached
 * through; each room listened to somewhere routes to those neighbours. */
static void
mesh_routes_build(mesh_t *self, int64_t now)
{
	json_t *map = mesh_map_json(self), *nodes = json_object_get(map,
					      "nodes"),
	       *node;
	size_t n = json_array_size(nodes), i, head = 0, tail = 0;
	zhashx_t *index = zhashx_new();
	size_t *first = xcalloc(n, sizeof *first), *queue = xcalloc(n,
					sizeof *queue);
	bool *adj = xcalloc(n * n, sizeof *adj), *seen = xcalloc(n,
						     sizeof *seen);

	zhashx_purge(self->routes);
	json_array_foreach(nodes, i, node)
	    zhashx_insert(index,
		json_string_value(json_object_get(node, "key")),
		(void *)(i + 1));
	/* A link either end reports is a link. */
	json_array_foreach(nodes, i, node) {
		json_t *l;
		size_t k;

		json_array_foreach(json_object_get(node, "links"), k, l) {
			size_t j = (size_t)zhashx_lookup(index,
			    json_string_value(json_object_get(l, "key")));

			if (j > 0) {
				adj[i * n + j - 1] = true;
				adj[(j - 1) * n + i] = true;
			}
		}
	}
	if (n > 0) {
		seen[0] = true;
		queue[tail++] = 0;
	}
	while (head < tail) {
		size_t u = queue[head++];

		for (size_t v = 0; v < n; v++) {
			if (!adj[u * n + v] || seen[v])
				continue;
			seen[v] = true;
			first[v] = u == 0 ? v : first[u];
			queue[tail++] = v;
		}
	}
	json_array_foreach(nodes, i, node) {
		const char *room, *via;
		json_t *users;

		if (i == 0 || !seen[i])
			continue;
		via = json_string_value(json_object_get(
		    json_array_get(nodes, first[i]), "key"));
		json_object_foreach(json_object_get(node, "voice"), room,
		    users) {
			zlist_t *keys = zhashx_lookup(self->routes, room);
			bool has = false;

			if (keys == NULL) {
				keys = zlist_new();
				zlist_autofree(keys);
				zhashx_insert(self->routes, room, keys);
			}
			for (const char *k = zlist_first(keys);
			     k != NULL && !has; k = zlist_next(keys))
				has = strcmp(k, via) == 0;
			if (!has)
				zlist_append(keys, (void *)via);
		}
	}
	free(first);
	free(queue);
	free(adj);
	free(seen);
	zhashx_destroy(&index);
	json_decref(map);
	self->routes_stale = false;
	self->routes_us = now;
}

/* Sends msg (taken) on one link up to each neighbour that wanted(), but
 * except's. */
static void
mesh_voice_out(mesh_t *self, link_t *except, zlist_t *wanted, zmsg_t **msg_p,
    bool both)
{
	zhashx_t *done = zhashx_new();
	char key[65], skip[65] = "";

	if (except != NULL)
		hex_encode(except->peer.key, 32, skip);
	for (link_t *l = zlist_first(self->links); l != NULL;
	     l = zlist_next(self->links)) {
		bool want = wanted == NULL;

		if (l->state != LINK_UP)
			continue;
		hex_encode(l->peer.key, 32, key);
		if (strcmp(key, skip) == 0 || zhashx_lookup(done, key) != NULL)
			continue;
		for (const char *k = wanted != NULL ? zlist_first(wanted)
						    : NULL;
		     k != NULL && !want; k = zlist_next(wanted))
			want = strcmp(k, key) == 0;
		if (!want)
			continue;
		zhashx_insert(done, key, (void *)1);
		zmsg_t *copy = zmsg_dup(*msg_p);

		mesh_send_rt(self, l, &copy, both);
	}
	zhashx_destroy(&done);
	zmsg_destroy(msg_p);
}

void
mesh_voice_route(mesh_t *self, void *except, const char *room,
    zmsg_t **msg_p)
{
	int64_t now = time_mono_us();
	zlist_t *wanted;

	/* Gossip that ages out changes nothing we hear of: look again once
	 * a second anyway. */
	if (self->routes_stale || now - self->routes_us > 1000000)
		mesh_routes_build(self, now);
	wanted = zhashx_lookup(self->routes, room);
	if (wanted == NULL) {
		zmsg_destroy(msg_p);
		return;
	}
	mesh_voice_out(self, except, wanted, msg_p, true);
}

void
mesh_voice_flood(mesh_t *self, void *except, zmsg_t **msg_p)
{
	mesh_voice_out(self, except, NULL, msg_p, false);
}

void
mesh_voice_changed(mesh_t *self)
{
	self->gossip_us = 0;
	self->routes_stale = true;
}
