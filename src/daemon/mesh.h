/* The mesh: CURVE links to neighbour nodes (one listening ROUTER, one
 * DEALER per configured peer), admission by certificate, liveness by
 * PING/PONG, and replication of the log by flooding and anti-entropy.
 * It runs in ioed's main loop, which owns the store. */
#ifndef IOED_MESH_H
#define IOED_MESH_H

#include <czmq.h>
#include <jansson.h>

#include "conf.h"
#include "node.h"

typedef struct mesh mesh_t;

/* Starts listening on conf->listen (may be NULL), linking to conf->peers
 * and, if enabled, announcing itself and looking for other nodes by UDP
 * beacon. Without a certificate the mesh waits (mesh_reload) and says why
 * in status. Returns NULL with *cause set if an endpoint is bad or cannot
 * be bound. Caller owns return value. */
mesh_t *mesh_new(node_t *node, const conf_t *conf, char **cause);
void mesh_destroy(mesh_t **self_p);

/* Re-reads the certificates after a PKI change; links whose peer no
 * longer passes are dropped. */
void mesh_reload(mesh_t *self);

/* Poll integration: fills up to max items, returns how many. */
size_t mesh_pollitems(mesh_t *self, zmq_pollitem_t *items, size_t max);
/* Handles the items that are ready (as filled by mesh_pollitems). */
void mesh_handle(mesh_t *self, zmq_pollitem_t *items, size_t n);
/* Timers: pings, time-outs, reconnections, periodic anti-entropy. Returns
 * the milliseconds until it wants to run again. */
long mesh_tick(mesh_t *self);

/* Neighbours with a link up, and a JSON description of every link. */
size_t mesh_peer_count(mesh_t *self);
json_t *mesh_peers_json(mesh_t *self);
/* The mesh as this node sees it: {"self", "nodes":[{"key","name",
 * "links":[{"key","name","rtt_ms","loss"}],"age_ms"}]}, this node
 * first. Caller owns it. */
json_t *mesh_map_json(mesh_t *self);
/* Why the mesh is not running, or NULL if it is. */
const char *mesh_problem(mesh_t *self);
/* The node the mesh serves. */
node_t *mesh_node(mesh_t *self);
/* The admission rules in force, or NULL without a certificate. */
struct admit *mesh_admit(mesh_t *self);
/* Why beacons are off although enabled, or NULL. */
const char *mesh_beacon_problem(mesh_t *self);

/* Voice (voice.c), on the links' real-time connections: a VOICE message
 * (taken) goes out on the links towards the nodes with listeners in
 * room, a FLOOR message (taken) on every link; neither goes back to the
 * neighbour of except (the link it came from, or NULL). */
void mesh_voice_route(mesh_t *self, void *except, const char *room,
    zmsg_t **msg_p);
void mesh_voice_flood(mesh_t *self, void *except, zmsg_t **msg_p);
/* This node's voice listeners changed: gossip says so at once. */
void mesh_voice_changed(mesh_t *self);

#endif
