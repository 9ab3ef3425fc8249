#include "config.h"

#include <string.h>

#include "chat.h"
#include "proto.h"
#include "util.h"
#include "views-chat.h"

static json_t *
api_user_add_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *name = NULL;
	char *cause = NULL, id[65];
	sqlite3_stmt *s;
	bool exists = false;

	if (api_param_string(params, "name", &name, err) != 0)
		return NULL;
	if (name == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "name is needed");
	if (name_check(name, "user name", &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		free(cause);
		return NULL;
	}
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT 1 FROM users WHERE author = ? AND name = ?", -1, &s,
		NULL) == SQLITE_OK) {
		sqlite3_bind_blob(s, 1, signing_key_public(node->identity->key),
		    32, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
		exists = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
	}
	if (exists)
		return api_fail(err, CTL_E_INVALID,
		    "user '%s' exists on this node", name);
	char *who;
	json_t *result;

	if (chat_append(node, "user", json_pack("{s:s}", "name", name), id,
		err) != 0)
		return NULL;
	who = xasprintf("%s@%s", name, node->name);
	result = json_pack("{s:s, s:s}", "name", name, "user", who);
	free(who);
	return result;
}

const api_method_t api_user_add = {
	.name = "user.add",
	.exec = api_user_add_exec,
	.writes = true,
};

static json_t *
api_user_list_exec(node_t *node, json_t *params, api_error_t *err)
{
	json_t *users = json_array();
	sqlite3_stmt *s;

	(void)params;
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT u.name, n.name, u.author = ? FROM users u "
		"JOIN nodes n ON n.author = u.author ORDER BY n.name, u.name",
		-1, &s, NULL) != SQLITE_OK) {
		json_decref(users);
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	sqlite3_bind_blob(s, 1, signing_key_public(node->identity->key), 32,
	    SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char *who = xasprintf("%s@%s", sqlite3_column_text(s, 0),
		    sqlite3_column_text(s, 1));

		json_array_append_new(users,
		    json_pack("{s:s, s:s, s:s, s:b}", "user", who, "name",
			sqlite3_column_text(s, 0), "node",
			sqlite3_column_text(s, 1), "here",
			sqlite3_column_int(s, 2)));
		free(who);
	}
	sqlite3_finalize(s);
	return json_pack("{s:o}", "users", users);
}

const api_method_t api_user_list = {
	.name = "user.list",
	.exec = api_user_list_exec,
};

/* room.create, room.join, room.leave and room.topic share their checks. */
static json_t *
api_room_write(node_t *node, json_t *params, api_error_t *err,
    const char *kind)
{
	const char *room = NULL, *user, *topic = "";
	char *cause = NULL;
	size_t len;
	json_t *body;

	if (api_param_string(params, "room", &room, err) != 0)
		return NULL;
	if (room == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "room is needed");
	if ((user = chat_user(node, params, err)) == NULL)
		return NULL;
	if (name_check(room, "room name", &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		free(cause);
		return NULL;
	}
	if (strcmp(kind, "room.create") == 0) {
		api_error_t none = { NULL, NULL };

		if (chat_room_exists(node, room, &none) == 0)
			return api_fail(err, CTL_E_INVALID,
			    "room '%s' exists", room);
		free(none.message);
		if (json_object_get(params, "topic") != NULL &&
		    !json_is_null(json_object_get(params, "topic")) &&
		    chat_text(node, params, "topic", &topic, &len, err) != 0)
			return NULL;
	} else {
		if (chat_room_exists(node, room, err) != 0)
			return NULL;
		if (strcmp(kind, "room.topic") == 0 &&
		    chat_text(node, params, "topic", &topic, &len, err) != 0)
			return NULL;
	}
	body = strcmp(kind, "room.create") == 0 || strcmp(kind, "room.topic") == 0
	    ? json_pack("{s:s, s:s, s:s}", "room", room, "topic", topic, "user",
		  user)
	    : json_pack("{s:s, s:s}", "room", room, "user", user);
	if (chat_append(node, kind, body, NULL, err) != 0)
		return NULL;
	/* Whoever creates a room is in it. */
	if (strcmp(kind, "room.create") == 0 &&
	    chat_append(node, "room.join",
		json_pack("{s:s, s:s}", "room", room, "user", user), NULL,
		err) != 0)
		return NULL;
	return json_pack("{s:s, s:s}", "room", room, "user", user);
}

#define API_ROOM_WRITE(fn, method, kind)                                   \
	static json_t *fn(node_t *node, json_t *params, api_error_t *err)  \
	{                                                                  \
		return api_room_write(node, params, err, kind);            \
	}                                                                  \
	const api_method_t method = { .name = kind, .exec = fn, .writes = true };

API_ROOM_WRITE(api_room_create_exec, api_room_create, "room.create")
API_ROOM_WRITE(api_room_join_exec, api_room_join, "room.join")
API_ROOM_WRITE(api_room_leave_exec, api_room_leave, "room.leave")
API_ROOM_WRITE(api_room_topic_exec, api_room_topic, "room.topic")

/* room.set: the settings given (each a named field; "record" a
 * boolean), for an existing room. At least one is needed. */
static json_t *
api_room_set_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *room = NULL, *user;
	json_t *record = json_object_get(params, "record");

	if (api_param_string(params, "room", &room, err) != 0)
		return NULL;
	if (room == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "room is needed");
	if (record == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "room.set needs a setting: record");
	if (!json_is_boolean(record))
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "parameter 'record' must be true or false");
	if ((user = chat_user(node, params, err)) == NULL ||
	    chat_room_exists(node, room, err) != 0)
		return NULL;
	if (chat_append(node, "room.set",
		json_pack("{s:s, s:s, s:O}", "room", room, "user", user,
		    "record", record),
		NULL, err) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:O}", "room", room, "user", user,
	    "record", record);
}

const api_method_t api_room_set = {
	.name = "room.set",
	.exec = api_room_set_exec,
	.writes = true,
};

/* The user's read mark in a room (0: nothing read). */
static int64_t
api_read_mark(node_t *node, const char *room, const char *user)
{
	sqlite3_stmt *s;
	int64_t mark = 0;

	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT lamport FROM read_marks WHERE room = ? AND user = ?",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			mark = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	return mark;
}

static json_t *
api_room_list_exec(node_t *node, json_t *params, api_error_t *err)
{
	api_error_t none = { NULL, NULL };
	const char *user = chat_user(node, params, &none);
	json_t *rooms = json_array();
	sqlite3_stmt *s;

	/* Without a user on this node, rooms are listed without counts. */
	free(none.message);
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT r.name, r.topic, "
		"(SELECT count(*) FROM members m WHERE m.room = r.name AND "
		"m.joined), "
		"(SELECT count(*) FROM messages g WHERE g.room = r.name AND "
		"g.lamport > coalesce((SELECT lamport FROM read_marks k WHERE "
		"k.room = r.name AND k.user = ?2), 0) AND NOT (g.author = ?3 "
		"AND g.user = ?2)), "
		"(SELECT count(*) FROM messages g JOIN mentions t ON t.msg = "
		"g.id WHERE g.room = r.name AND t.name = ?2 AND (t.node IS NULL "
		"OR t.node = ?4) AND g.lamport > coalesce((SELECT lamport FROM "
		"read_marks k WHERE k.room = r.name AND k.user = ?2), 0)), "
		"EXISTS (SELECT 1 FROM members m WHERE m.room = r.name AND "
		"m.joined AND m.author = ?3 AND m.user = ?2), "
		"coalesce((SELECT value = 'true' FROM room_settings o WHERE "
		"o.room = r.name AND o.key = 'record'), 0) "
		"FROM rooms r WHERE r.lamport < 9223372036854775807 "
		"ORDER BY r.name",
		-1, &s, NULL) != SQLITE_OK) {
		json_decref(rooms);
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	sqlite3_bind_text(s, 2, user != NULL ? user : "", -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, signing_key_public(node->identity->key), 32,
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 4, node->name, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(rooms,
		    json_pack("{s:s, s:s, s:I, s:I, s:I, s:b, s:b}", "room",
			sqlite3_column_text(s, 0), "topic",
			sqlite3_column_text(s, 1), "members",
			(json_int_t)sqlite3_column_int64(s, 2), "unread",
			(json_int_t)(user != NULL ? sqlite3_column_int64(s, 3)
						  : 0),
			"mentions",
			(json_int_t)(user != NULL ? sqlite3_column_int64(s, 4)
						  : 0),
			"joined", sqlite3_column_int(s, 5), "recording",
			sqlite3_column_int(s, 6)));
	sqlite3_finalize(s);
	return json_pack("{s:o, s:s?}", "rooms", rooms, "user", user);
}

const api_method_t api_room_list = {
	.name = "room.list",
	.exec = api_room_list_exec,
};

static json_t *
api_say_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *room, *user, *text;
	char id[65];
	size_t len;

	if (chat_room_text(node, params, &room, &user, &text, &len, err) != 0)
		return NULL;
	if (chat_append(node, "msg",
		json_pack("{s:s, s:s, s:s%}", "room", room, "user", user, "text",
		    text, len),
		id, err) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s}", "id", id, "room", room, "user",
	    user);
}

const api_method_t api_say = {
	.name = "say",
	.exec = api_say_exec,
	.writes = true,
};

static json_t *
api_msg_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *to = NULL, *user, *text;
	char id[65];
	size_t len;

	if (api_param_string(params, "to", &to, err) != 0)
		return NULL;
	if (to == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "to is needed");
	if ((user = chat_user(node, params, err)) == NULL ||
	    chat_user_known(node, to, err) != 0 ||
	    chat_text(node, params, "text", &text, &len, err) != 0)
		return NULL;
	if (chat_append(node, "dm",
		json_pack("{s:s, s:s, s:s%}", "to", to, "user", user, "text",
		    text, len),
		id, err) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s}", "id", id, "to", to, "user", user);
}

const api_method_t api_msg = {
	.name = "msg",
	.exec = api_msg_exec,
	.writes = true,
};

static json_t *
api_history_exec(node_t *node, json_t *params, api_error_t *err)
{
	json_int_t since = INT64_MIN, until = INT64_MAX, limit = 0;
	const char *room = NULL, *user;
	json_t *messages;
	char *key = NULL;
	int64_t last = 0;
	sqlite3_stmt *s;

	if (api_param_string(params, "room", &room, err) != 0 ||
	    api_param_int(params, "since", &since, err) != 0 ||
	    api_param_int(params, "until", &until, err) != 0 ||
	    api_param_int(params, "limit", &limit, err) != 0)
		return NULL;
	if (room == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "room is needed");
	if ((user = chat_user(node, params, err)) == NULL)
		return NULL;
	if (room[0] == '@') {
		char *me;

		if (chat_user_known(node, room + 1, err) != 0)
			return NULL;
		me = chat_user_at(node, signing_key_public(node->identity->key),
		    user);
		key = views_chat_dm_room(me, room + 1);
		free(me);
	} else if (chat_room_exists(node, room, err) != 0)
		return NULL;
	else
		key = xstrdup(room);
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT * FROM (SELECT id, room, author, user, time, text, "
		"lamport, seq FROM messages WHERE room = ?1 AND time >= ?2 "
		"AND time <= ?3 ORDER BY lamport DESC, author DESC, seq DESC "
		"LIMIT ?4) ORDER BY lamport, author, seq",
		-1, &s, NULL) != SQLITE_OK) {
		free(key);
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, until);
	sqlite3_bind_int64(s, 4, limit > 0 ? limit : -1);
	messages = json_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_t *m = chat_message_json(node, s);

		json_object_set_new(m, "room", json_string(room));
		json_array_append_new(messages, m);
		if (sqlite3_column_int64(s, 6) > last)
			last = sqlite3_column_int64(s, 6);
	}
	sqlite3_finalize(s);
	/* What is shown is read (a local mark, not in the log). */
	if (last > api_read_mark(node, key, user) &&
	    sqlite3_prepare_v2(store_db(node->store),
		"INSERT INTO read_marks VALUES (?, ?, ?) ON CONFLICT "
		"(room, user) DO UPDATE SET lamport = excluded.lamport",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, last);
		sqlite3_step(s);
		sqlite3_finalize(s);
	}
	free(key);
	return json_pack("{s:s, s:o}", "room", room, "messages", messages);
}

const api_method_t api_history = {
	.name = "history",
	.exec = api_history_exec,
	/* It writes the read mark. */
	.writes = true,
};

/* What a user types, as an FTS5 query: every word must appear, in any
 * order; words in double quotes must appear together, in that order.
 * Each word or quoted phrase becomes an FTS5 string, so FTS5 syntax in the
 * text (AND, OR, NEAR, *, parentheses) is only text. Caller frees; NULL
 * if there is no word. */
static char *
api_search_query(const char *text)
{
	char *query = xcalloc(strlen(text) * 2 + 4, 1), *q = query;
	const char *p = text;
	int tokens = 0;

	while (*p != '\0') {
		const char *start, *end;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		if (*p == '"') {
			start = ++p;
			while (*p != '\0' && *p != '"')
				p++;
			end = p;
			if (*p == '"')
				p++;
		} else {
			start = p;
			while (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != '\n' && *p != '\r' && *p != '"')
				p++;
			end = p;
		}
		if (end == start)
			continue;
		if (tokens++ > 0)
			*q++ = ' ';
		*q++ = '"';
		memcpy(q, start, (size_t)(end - start));
		q += end - start;
		*q++ = '"';
	}
	*q = '\0';
	if (tokens == 0) {
		free(query);
		return NULL;
	}
	return query;
}

static json_t *
api_search_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *text = NULL, *room = NULL;
	json_t *messages;
	sqlite3_stmt *s;
	char *query;

	if (api_param_string(params, "text", &text, err) != 0 ||
	    api_param_string(params, "room", &room, err) != 0)
		return NULL;
	if (text == NULL || text_is_blank(text, strlen(text)))
		return api_fail(err, CTL_E_INVALID, "nothing to search for");
	if (room != NULL && chat_room_exists(node, room, err) != 0)
		return NULL;
	if ((query = api_search_query(text)) == NULL)
		return api_fail(err, CTL_E_INVALID, "nothing to search for");
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT m.id, m.room, m.author, m.user, m.time, m.text, "
		"m.lamport, m.seq FROM messages_fts f JOIN messages m ON "
		"m.rowid = f.rowid WHERE messages_fts MATCH ?1 AND "
		"substr(m.room, 1, 1) != '@' AND (?2 IS NULL OR m.room = ?2) "
		"ORDER BY m.lamport, m.author, m.seq LIMIT 500",
		-1, &s, NULL) != SQLITE_OK) {
		free(query);
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	sqlite3_bind_text(s, 1, query, -1, SQLITE_STATIC);
	if (room != NULL)
		sqlite3_bind_text(s, 2, room, -1, SQLITE_STATIC);
	messages = json_array();
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(messages, chat_message_json(node, s));
	sqlite3_finalize(s);
	free(query);
	return json_pack("{s:o}", "messages", messages);
}

const api_method_t api_search = {
	.name = "search",
	.exec = api_search_exec,
};
