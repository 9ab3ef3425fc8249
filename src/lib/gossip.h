/* Link-state gossip for the map of the mesh. Each node says, every few
 * seconds, which neighbours it has and how good each link is; the
 * statement floods to every node, newest per origin wins, and it is
 * forgotten when its origin stops speaking. Ephemeral: never in the
 * ledger. */
#ifndef IOED_GOSSIP_H
#define IOED_GOSSIP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

typedef struct gossip gossip_t;

/* How long a node's statement lives without a newer one, and how often a
 * node repeats itself when nothing changed (a link coming up is said at
 * once). Every statement crosses every link, so the interval is the price
 * of the map in idle traffic. */
#define GOSSIP_TTL_US 20000000
#define GOSSIP_INTERVAL_US 5000000

gossip_t *gossip_new(const char *self_key_hex);
void gossip_destroy(gossip_t **self_p);

/* Rooms (and users in each) a node may list as having voice listeners. */
#define GOSSIP_VOICE_ROOMS_MAX 256
/* Our own statement: {"origin","name","seq","links":[...],"voice":{room:
 * [user,...]}}, with a sequence number that grows across restarts; links
 * and voice (may be NULL; no key when empty) are taken. Caller owns it. */
json_t *gossip_make(gossip_t *self, const char *name, json_t *links,
    json_t *voice);

/* Takes a statement received from a neighbour. Returns true if it is
 * new (to be passed on), false if old, ours or malformed (*cause set
 * for malformed). */
bool gossip_receive(gossip_t *self, const char *text, int64_t now,
    char **cause);

/* The map: {"nodes":[{"key","name","links":[...],"voice"?,"age_ms"}]}
 * with what
 * each origin said, newest first; statements past their TTL are
 * dropped. Caller owns it. */
json_t *gossip_map(gossip_t *self, int64_t now);

void gossip_test(bool verbose);

#endif
