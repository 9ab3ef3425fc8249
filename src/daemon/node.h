/* The node: its identity, its store and the head of its own feed. */
#ifndef IOED_NODE_H
#define IOED_NODE_H

#include <stdint.h>
#include <jansson.h>

#include "conf.h"
#include "entry.h"
#include "identity.h"
#include "store.h"

typedef struct node {
	char *dir;
	char *name;
	conf_t *conf;		/* not owned */
	identity_t *identity;
	store_t *store;
	uint64_t seq;		/* of our last entry; 0 if none */
	uint8_t head[ENTRY_ID_SIZE];
	uint64_t lamport;	/* highest seen */
	int64_t started_us;	/* monotonic */
	json_t *appended;	/* events for entries not yet committed */
} node_t;

/* Opens the identity and store in dir (creating them at first start) and
 * announces the node's name if it is new or changed. Returns NULL with
 * *cause set. Caller owns return value. */
node_t *node_new(const char *dir, const char *name, conf_t *conf,
    char **cause);
void node_destroy(node_t **self_p);

/* Signs and stores a new entry of ours; the caller has begun a
 * transaction and commits it. Returns the entry (caller owns it), or
 * NULL with *cause set. */
entry_t *node_append(node_t *self, const char *kind, const void *body,
    size_t len, char **cause);

/* Re-reads the head of our feed after a transaction was rolled back. */
void node_reload(node_t *self);

/* The event announcing an entry: {"id","author","name","seq",...}. */
json_t *node_entry_event(node_t *self, const entry_t *entry);

#endif
