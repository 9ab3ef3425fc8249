/* What the chat methods share: the acting user, text rules, rooms, and
 * the timer that escalates alerts. */
#ifndef IOED_CHAT_H
#define IOED_CHAT_H

#include "api.h"

/* The acting user of a request: params "user", else the node's only
 * user. Returns the name (owned by params or a static buffer until the
 * next call), or NULL with *err set. */
const char *chat_user(node_t *node, json_t *params, api_error_t *err);
/* "name@node" for a user of the author's node. Caller frees. */
char *chat_user_at(node_t *node, const uint8_t author[32], const char *name);
/* Checks a text param against the chat rules; *text gets it. Returns 0,
 * or -1 with *err set. */
int chat_text(node_t *node, json_t *params, const char *key,
    const char **text, size_t *len, api_error_t *err);
/* What say and alert share: params "room" (an existing room), the acting
 * user and a "text" within the rules. Returns 0, or -1 with *err set. */
int chat_room_text(node_t *node, json_t *params, const char **room,
    const char **user, const char **text, size_t *len, api_error_t *err);
/* 0 if the room exists, else -1 with *err set (not_found). */
int chat_room_exists(node_t *node, const char *room, api_error_t *err);
/* Whether recording is on in room (room.set record, the latest in the
 * log's order): false for an unknown room or one never set. For the
 * voice relay; reads the store only. */
bool chat_room_recording(node_t *node, const char *room);
/* 0 if "name@node" is a user of the mesh, else -1 with *err set. */
int chat_user_known(node_t *node, const char *who, api_error_t *err);
/* Appends an entry of this node with body (taken). Returns the entry's
 * id in hex (65 bytes) or -1 with *err set. */
int chat_append(node_t *node, const char *kind, json_t *body, char id[65],
    api_error_t *err);
/* A message row as JSON, from a statement whose columns are id, room,
 * author, user, time, text, lamport. */
json_t *chat_message_json(node_t *node, sqlite3_stmt *s);

/* Escalates the alerts this node raised whose deadline passed. Runs in
 * the daemon's loop, about once a second. */
void chat_tick(node_t *node);

#endif
