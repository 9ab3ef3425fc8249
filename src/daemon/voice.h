/* The voice relay (doc/voice.md): Opus frames from local clients on
 * ipc://DIR/voice and from neighbours, de-duplicated, kept to the floor
 * of their room, handed to local listeners and passed on towards the
 * nodes that have listeners. Frames are never stored; a recorded room's
 * talk spurts are, once each, as Ogg Opus files in the file ledger. The
 * relay never opens an audio device. */
#ifndef IOED_VOICE_H
#define IOED_VOICE_H

#include <czmq.h>
#include <jansson.h>

#include "conf.h"
#include "node.h"
#include "wire.h"

typedef struct voice voice_t;

/* Binds ipc://DIR/voice. Returns NULL with *cause set. Caller owns
 * return value. */
voice_t *voice_new(node_t *node, const conf_t *conf, char **cause);
void voice_destroy(voice_t **self_p);

/* The clients' socket, to poll. */
zsock_t *voice_socket(voice_t *self);
/* Takes the clients' messages waiting (a bounded batch). */
void voice_handle(voice_t *self);
/* Floor time-outs, silent clients, ended streams and their recordings.
 * Returns the milliseconds until it wants to run again. */
long voice_tick(voice_t *self, int64_t now);

/* A VOICE or FLOOR message from the neighbour on link (opaque: the mesh
 * gets it back to route around it). */
void voice_on_mesh(voice_t *self, void *link, wire_msg_t *m);

/* The rooms this node has listeners in, with their users: {room:
 * [user, ...]}, for gossip. Caller owns it. */
json_t *voice_listeners(voice_t *self);

/* The result of the control method voice.status; map is the mesh's map
 * (borrowed, may be NULL). Caller owns it. */
json_t *voice_status(voice_t *self, json_t *map);

#endif
