/* The node: its identity, its store and the head of its own feed. */
#ifndef IOED_NODE_H
#define IOED_NODE_H

#include <stdint.h>
#include <czmq.h>
#include <jansson.h>

#include "conf.h"
#include "entry.h"
#include "identity.h"
#include "store.h"

struct mesh;

typedef struct node {
	char *dir;
	struct mesh *mesh;	/* not owned; NULL before the mesh starts */
	char *name;
	conf_t *conf;		/* not owned */
	identity_t *identity;
	store_t *store;
	uint64_t seq;		/* of our last entry; 0 if none */
	uint8_t head[ENTRY_ID_SIZE];
	uint64_t lamport;	/* highest seen */
	int64_t started_us;	/* monotonic */
	json_t *appended;	/* events for entries not yet committed */
	zlist_t *fresh;		/* node_fresh_t of entries not yet committed */
	bool in_tx;		/* a batch's transaction is open */
	zsock_t *events;	/* the event publisher, not owned */
	/* While a control method runs: the request's binary frame (not
	 * owned; NULL if none), and the one it may give its reply (taken by
	 * the control server). */
	zframe_t *ctl_data;
	zframe_t *ctl_reply_data;
	struct files *files;	/* the file ledger's chunks and fetcher */
	struct voice *voice;	/* the voice relay; NULL in tools */
	/* Called for each entry written here once it is committed: the mesh
	 * floods it. */
	void (*flood)(void *arg, zframe_t *raw, void *source);
	void *flood_arg;
} node_t;

typedef struct node_fresh {
	zframe_t *raw;
	void *source;
} node_fresh_t;

/* Opens the identity and store in dir (creating them at first start) and
 * announces the node's name if it is new or changed. Returns NULL with
 * *cause set. Caller owns return value. */
node_t *node_new(const char *dir, const char *name, conf_t *conf,
    char **cause);
void node_destroy(node_t **self_p);

/* Opens the batch's transaction if it is not open yet. Returns 0, or -1
 * with *cause set. */
int node_begin(node_t *self, char **cause);
/* Commits the batch (if one is open), then publishes an event for each
 * new entry and hands it to the flood callback. If the commit fails,
 * nothing of the batch is kept: returns -1 with *cause set. */
int node_commit(node_t *self, char **cause);

/* Signs and stores a new entry of ours inside the open batch. Returns the
 * entry (caller owns it), or NULL with *cause set. */
entry_t *node_append(node_t *self, const char *kind, const void *body,
    size_t len, char **cause);

/* Stores an entry from another node, verified by the caller, inside the
 * open batch (the mesh passes it on itself). Returns 0, or -1 with *cause
 * set. */
int node_accept(node_t *self, const entry_t *entry, char **cause);

/* Re-reads the head of our feed after a transaction was rolled back. */
void node_reload(node_t *self);

/* The event announcing an entry: {"id","author","name","seq",...}. */
json_t *node_entry_event(node_t *self, const entry_t *entry);

#endif
