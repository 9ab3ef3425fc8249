/* The room list: the home buffer, the rooms the acting user joined and
 * the direct conversations, each with its buffer and unread and mention
 * counts; the sidebar that shows them. */
#ifndef IOE_TUI_MODEL_ROOM_H
#define IOE_TUI_MODEL_ROOM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "model-buffer.h"
#include "tui.h"

enum room_kind {
	ROOM_HOME, /* ioe-tui's own messages */
	ROOM_CHAN, /* a room */
	ROOM_DM,   /* a direct conversation, named "@user@node" */
};

typedef struct room {
	char *name; /* "" (home), "ops", "@bob@bravo": as the daemon names it */
	char *label;  /* display-safe name for the list */
	char *topic;  /* as received, or NULL */
	int kind;     /* enum room_kind */
	int unread;   /* messages not seen */
	int mentions; /* of them, mentioning the acting user */
	bool recording; /* room.set record: talk spurts are recorded */
	buffer_t *buf;
	bool loaded;    /* its history was fetched */
	char **members; /* "user@node", as received */
	size_t nmembers;
} room_t;

typedef struct rooms {
	room_t **r; /* home, then rooms by name, then conversations */
	size_t n;
	room_t *cur;
	int side_top; /* first entry the sidebar shows */
} rooms_t;

#define ROOM_LINES_MAX 5000

/* A room list holding the home buffer, current. */
void rooms_init(rooms_t *self);
void rooms_free(rooms_t *self);

room_t *rooms_find(const rooms_t *self, const char *name);
/* The room name (made if missing, in its place in the list). */
room_t *rooms_add(rooms_t *self, const char *name, int kind);
/* Removes a room (not home); the current room moves to a neighbour. */
void rooms_remove(rooms_t *self, room_t *room);
size_t rooms_index(const rooms_t *self, const room_t *room);
/* Makes room current; its counts are seen. */
void rooms_select(rooms_t *self, room_t *room);
/* The room delta places after the current one (wrapping). */
room_t *rooms_step(const rooms_t *self, int delta);
/* The next room with mentions, else with unread messages, or NULL. */
room_t *rooms_next_active(const rooms_t *self);
void room_set_topic(room_t *room, const char *topic);
/* Replaces the members with a JSON array of "user@node" strings or of
 * objects with user/name and node. */
void room_set_members(room_t *room, json_t *members);
bool room_has_member(const room_t *room, const char *who);

/* The sidebar: height rows of width columns. */
void rooms_sidebar(rooms_t *self, int width, int height, tui_rows_t *out);
/* "2 ops(3) 4 @bob@bravo(1@)" for the status bar: rooms with unread
 * messages. */
void rooms_activity(const rooms_t *self, tui_row_t *row, int maxw);

void model_room_test(bool verbose);

#endif
