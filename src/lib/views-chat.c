#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "util.h"
#include "views.h"
#include "views-chat.h"

static const char *
views_str(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

/* The author's node name as of this entry (its node entry comes first
 * in its feed), or "?". Caller frees. */
static char *
views_node_name(sqlite3 *db, const uint8_t author[32])
{
	sqlite3_stmt *s;
	char *name = NULL;

	if (sqlite3_prepare_v2(db, "SELECT name FROM nodes WHERE author = ?",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(s, 1, author, 32, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			name = xstrdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	return name != NULL ? name : xstrdup("?");
}

int
views_chat_user(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *name = views_str(body, "name");
	int rc = 0;

	if (name != NULL && name_check(name, "user name", NULL) == 0)
		rc = views_run(db, cause,
		    "INSERT OR IGNORE INTO users VALUES (?, ?, ?)", "bsI",
		    e->author, name, (int64_t)e->lamport);
	json_decref(body);
	return rc;
}

/* room.create: the first creation in the total order holds the room;
 * room.topic: the latest topic wins. */
int
views_chat_room(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *room = views_str(body, "room");
	const char *topic = views_str(body, "topic");
	const char *user = views_str(body, "user");
	int rc = 0;

	if (room == NULL || user == NULL ||
	    name_check(room, "room", NULL) != 0) {
		json_decref(body);
		return 0;
	}
	if (topic == NULL)
		topic = "";
	if (strcmp(e->kind, "room.create") == 0)
		rc = views_run(db, cause,
		    "INSERT INTO rooms VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
		    "?5, ?3, ?6) ON CONFLICT (name) DO UPDATE SET "
		    "author = ?3, user = ?4, lamport = ?5, seq = ?6, time = ?7, "
		    "topic = CASE WHEN (topic_lamport, topic_author, "
		    "topic_seq) < (?5, ?3, ?6) THEN ?2 ELSE topic END "
		    "WHERE (?5, ?3, ?6) < (lamport, author, seq)",
		    "ssbsIII", room, topic, e->author, user,
		    (int64_t)e->lamport, (int64_t)e->seq, e->time_us);
	else
		/* A topic for a room not created yet waits in a row of its
		 * own that creation takes over. */
		rc = views_run(db, cause,
		    "INSERT INTO rooms VALUES (?1, ?2, ?3, ?4, "
		    "9223372036854775807, 0, ?7, ?5, ?3, ?6) "
		    "ON CONFLICT (name) DO UPDATE SET topic = ?2, "
		    "topic_lamport = ?5, topic_author = ?3, topic_seq = ?6 "
		    "WHERE (topic_lamport, topic_author, topic_seq) < "
		    "(?5, ?3, ?6)",
		    "ssbsIII", room, topic, e->author, user,
		    (int64_t)e->lamport, (int64_t)e->seq, e->time_us);
	json_decref(body);
	return rc;
}

static bool
views_is_bool(json_t *v)
{
	return json_is_boolean(v);
}

/* The settings room.set knows, and what a value must be: anything else
 * in a body (a malformed value, a setting of a newer version) is left
 * out of the view. */
static const struct {
	const char *key;
	bool (*valid)(json_t *);
} views_room_settings[] = {
	{ "record", views_is_bool },
};

/* room.set: each setting the body names; per room and setting, the
 * latest in the total order wins. A setting may come before the room's
 * creation (another node's order): room.list joins them. */
int
views_chat_setting(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *room = views_str(body, "room");
	int rc = 0;

	if (room == NULL || views_str(body, "user") == NULL ||
	    name_check(room, "room", NULL) != 0) {
		json_decref(body);
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < sizeof views_room_settings /
		 sizeof *views_room_settings; i++) {
		json_t *v = json_object_get(body, views_room_settings[i].key);
		char *value;

		if (v == NULL || !views_room_settings[i].valid(v))
			continue;
		value = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		rc = views_run(db, cause,
		    "INSERT INTO room_settings VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
		    "ON CONFLICT (room, key) DO UPDATE SET value = ?3, "
		    "lamport = ?4, author = ?5, seq = ?6 "
		    "WHERE (lamport, author, seq) < (?4, ?5, ?6)",
		    "sssIbI", room, views_room_settings[i].key, value,
		    (int64_t)e->lamport, e->author, (int64_t)e->seq);
		free(value);
	}
	json_decref(body);
	return rc;
}

/* room.join / room.leave: the latest for that user in that room wins. */
int
views_chat_member(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *room = views_str(body, "room");
	const char *user = views_str(body, "user");
	int rc = 0;

	if (room != NULL && user != NULL)
		rc = views_run(db, cause,
		    "INSERT INTO members VALUES (?1, ?2, ?3, ?4, ?5, ?2, ?6) "
		    "ON CONFLICT (room, author, user) DO UPDATE SET "
		    "joined = ?4, lamport = ?5, by = ?2, seq = ?6 "
		    "WHERE (lamport, by, seq) < (?5, ?2, ?6)",
		    "sbsIII", room, e->author, user,
		    (int64_t)(strcmp(e->kind, "room.join") == 0),
		    (int64_t)e->lamport, (int64_t)e->seq);
	json_decref(body);
	return rc;
}

char *
views_chat_dm_room(const char *a, const char *b)
{
	return strcmp(a, b) <= 0 ? xasprintf("@%s|%s", a, b)
				 : xasprintf("@%s|%s", b, a);
}

/* Every @name or @name@node in text. */
static int
views_mentions(sqlite3 *db, const uint8_t id[32], const char *text,
    char **cause)
{
	for (const char *p = strchr(text, '@'); p != NULL;
	     p = strchr(p + 1, '@')) {
		char name[64], node[64];
		size_t n = 0, k = 0;

		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '@'))
			continue;
		for (const char *q = p + 1; n < 63 && (isalnum((unsigned char)*q)
			 || *q == '.' || *q == '_' || *q == '-'); q++)
			name[n++] = *q;
		name[n] = '\0';
		/* A sentence's full stop is not part of the name. */
		while (n > 0 && name[n - 1] == '.')
			name[--n] = '\0';
		if (n == 0 || name_check(name, "name", NULL) != 0)
			continue;
		node[0] = '\0';
		if (p[1 + n] == '@') {
			for (const char *q = p + 2 + n;
			     k < 63 && (isalnum((unsigned char)*q) ||
				 *q == '.' || *q == '_' || *q == '-');
			     q++)
				node[k++] = *q;
			node[k] = '\0';
			while (k > 0 && node[k - 1] == '.')
				node[--k] = '\0';
		}
		if (views_run(db, cause,
			"INSERT OR IGNORE INTO mentions VALUES (?, ?, ?)",
			k > 0 ? "bss" : "bsn", id, name, node) != 0)
			return -1;
	}
	return 0;
}

int
views_chat_msg(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *user = views_str(body, "user");
	const char *text = views_str(body, "text");
	const char *room = views_str(body, "room");
	char *dm = NULL;
	int rc = 0;

	if (user == NULL || text == NULL)
		goto done;
	if (strcmp(e->kind, "dm") == 0) {
		const char *to = views_str(body, "to");
		char *node, *from;

		if (to == NULL)
			goto done;
		node = views_node_name(db, e->author);
		from = xasprintf("%s@%s", user, node);
		room = dm = views_chat_dm_room(from, to);
		free(node);
		free(from);
	} else if (room == NULL)
		goto done;
	rc = views_run(db, cause,
	    "INSERT OR IGNORE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "bsbsIIIs", e->id, room, e->author, user, (int64_t)e->lamport,
	    (int64_t)e->seq, e->time_us, text);
	if (rc == 0 && sqlite3_changes(db) > 0)
		rc = views_run(db, cause,
		    "INSERT INTO messages_fts (rowid, text) VALUES "
		    "(last_insert_rowid(), ?)",
		    "s", text);
	if (rc == 0)
		rc = views_mentions(db, e->id, text, cause);
done:
	free(dm);
	json_decref(body);
	return rc;
}

int
views_chat_alert(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *room = views_str(body, "room");
	const char *user = views_str(body, "user");
	const char *text = views_str(body, "text");
	const char *level = views_str(body, "level");
	const char *to = views_str(body, "to");
	json_int_t deadline = json_integer_value(json_object_get(body,
	    "deadline_s"));
	int rc = 0;

	if (room != NULL && user != NULL && text != NULL && level != NULL)
		rc = views_run(db, cause,
		    "INSERT OR IGNORE INTO alerts VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    to != NULL ? "bsbssssIIII" : "bsbsssnIIII", e->id, room,
		    e->author, user, text, level, to, (int64_t)deadline,
		    e->time_us, (int64_t)e->lamport, (int64_t)e->seq);
	json_decref(body);
	return rc;
}

/* The 32-byte id of hex (64 digits), or -1. */
static int
views_id(const char *hex, uint8_t id[32])
{
	return hex != NULL ? hex_decode(hex, id, 32) : -1;
}

int
views_chat_ack(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *user = views_str(body, "user");
	uint8_t id[32];
	int rc = 0;

	if (user != NULL && views_id(views_str(body, "alert"), id) == 0)
		rc = views_run(db, cause,
		    "INSERT OR IGNORE INTO acks VALUES (?, ?, ?, ?)", "bbsI", id,
		    e->author, user, e->time_us);
	json_decref(body);
	return rc;
}

int
views_chat_escalate(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *role = views_str(body, "role");
	json_int_t round = json_integer_value(json_object_get(body, "round"));
	uint8_t id[32];
	int rc = 0;

	if (views_id(views_str(body, "alert"), id) == 0 && round > 0)
		rc = views_run(db, cause,
		    "INSERT OR IGNORE INTO escalations VALUES (?, ?, ?, ?)",
		    role != NULL ? "bIsI" : "bInI", id, (int64_t)round, role,
		    e->time_us);
	json_decref(body);
	return rc;
}

/* role.assign / role.unassign: the latest for a (role, user) wins. */
int
views_chat_role(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *role = views_str(body, "role");
	const char *user = views_str(body, "user");
	int rc = 0;

	if (role != NULL && user != NULL)
		rc = views_run(db, cause,
		    "INSERT INTO roles VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
		    "ON CONFLICT (role, user) DO UPDATE SET held = ?3, "
		    "lamport = ?4, author = ?5, seq = ?6 "
		    "WHERE (lamport, author, seq) < (?4, ?5, ?6)",
		    "ssIIbI", role, user,
		    (int64_t)(strcmp(e->kind, "role.assign") == 0),
		    (int64_t)e->lamport, e->author, (int64_t)e->seq);
	json_decref(body);
	return rc;
}

int
views_chat_deputy(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = views_body(e);
	const char *role = views_str(body, "role");
	const char *deputy = views_str(body, "deputy");
	int rc = 0;

	if (role != NULL && deputy != NULL)
		rc = views_run(db, cause,
		    "INSERT INTO deputies VALUES (?1, ?2, ?3, ?4, ?5) "
		    "ON CONFLICT (role) DO UPDATE SET deputy = ?2, "
		    "lamport = ?3, author = ?4, seq = ?5 "
		    "WHERE (lamport, author, seq) < (?3, ?4, ?5)",
		    "ssIbI", role, deputy, (int64_t)e->lamport, e->author,
		    (int64_t)e->seq);
	json_decref(body);
	return rc;
}
