#include "config.h"

#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "proto.h"
#include "util.h"

const char *
chat_user(node_t *node, json_t *params, api_error_t *err)
{
	static char only[IOE_NAME_MAX + 1];
	const char *name = json_string_value(json_object_get(params, "user"));
	sqlite3_stmt *s;
	char *list = NULL, *next;
	int n = 0;

	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT name FROM users WHERE author = ? ORDER BY name", -1, &s,
		NULL) != SQLITE_OK)
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store))), NULL;
	sqlite3_bind_blob(s, 1, signing_key_public(node->identity->key), 32,
	    SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(s, 0);

		if (name != NULL && strcmp(name, u) == 0) {
			sqlite3_finalize(s);
			free(list);
			return name;
		}
		snprintf(only, sizeof only, "%s", u);
		next = list == NULL ? xstrdup(u) : xasprintf("%s, %s", list, u);
		free(list);
		list = next;
		n++;
	}
	sqlite3_finalize(s);
	if (name != NULL)
		api_fail(err, CTL_E_NOT_FOUND, "no user '%s' on this node%s%s%s",
		    name, list != NULL ? " (" : "", list != NULL ? list : "",
		    list != NULL ? ")" : "");
	else if (n == 0)
		api_fail(err, CTL_E_NOT_FOUND,
		    "no user on this node: run 'ioectl user add NAME'");
	else if (n > 1)
		api_fail(err, CTL_E_USAGE,
		    "several users on this node (%s): give -u NAME", list);
	free(list);
	return n == 1 && name == NULL ? only : NULL;
}

char *
chat_user_at(node_t *node, const uint8_t author[32], const char *name)
{
	char *nodename = store_node_name(node->store, author);
	char *who = xasprintf("%s@%s", name, nodename != NULL ? nodename : "?");

	free(nodename);
	return who;
}

int
chat_text(node_t *node, json_t *params, const char *key, const char **text,
    size_t *len, api_error_t *err)
{
	json_t *v = json_object_get(params, key);

	if (!json_is_string(v))
		return api_fail(err, CTL_E_BAD_REQUEST,
			   "parameter '%s' must be a string", key),
		       -1;
	*text = json_string_value(v);
	*len = json_string_length(v);
	if (memchr(*text, '\0', *len) != NULL)
		return api_fail(err, CTL_E_INVALID, "the %s holds a NUL "
						    "character",
			   key),
		       -1;
	if (text_is_blank(*text, *len))
		return api_fail(err, CTL_E_INVALID, "the %s is empty", key), -1;
	if ((int64_t)*len > node->conf->chat_max_bytes)
		return api_fail(err, CTL_E_TOO_LARGE,
			   "the %s is %zu bytes, over the limit of %lld "
			   "(chat.max_bytes)",
			   key, *len, (long long)node->conf->chat_max_bytes),
		       -1;
	return 0;
}

int
chat_room_text(node_t *node, json_t *params, const char **room,
    const char **user, const char **text, size_t *len, api_error_t *err)
{
	*room = NULL;
	if (api_param_string(params, "room", room, err) != 0)
		return -1;
	if (*room == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "room is needed"), -1;
	if ((*user = chat_user(node, params, err)) == NULL ||
	    chat_room_exists(node, *room, err) != 0 ||
	    chat_text(node, params, "text", text, len, err) != 0)
		return -1;
	return 0;
}

int
chat_room_exists(node_t *node, const char *room, api_error_t *err)
{
	sqlite3_stmt *s;
	bool found = false;

	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT 1 FROM rooms WHERE name = ? AND "
		"lamport < 9223372036854775807",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
		found = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
	}
	if (!found) {
		char *shown = text_escape(room, strlen(room));

		api_fail(err, CTL_E_NOT_FOUND, "unknown room '%s'", shown);
		free(shown);
		return -1;
	}
	return 0;
}

bool
chat_room_recording(node_t *node, const char *room)
{
	sqlite3_stmt *s;
	bool on = false;

	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT o.value = 'true' FROM room_settings o JOIN rooms r ON "
		"r.name = o.room WHERE o.room = ? AND o.key = 'record' AND "
		"r.lamport < 9223372036854775807",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
		on = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	return on;
}

int
chat_user_known(node_t *node, const char *who, api_error_t *err)
{
	const char *at = strchr(who, '@');
	sqlite3_stmt *s;
	bool found = false;

	if (at != NULL &&
	    sqlite3_prepare_v2(store_db(node->store),
		"SELECT 1 FROM users u JOIN nodes n ON n.author = u.author "
		"WHERE u.name = ? AND n.name = ?",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, who, (int)(at - who), SQLITE_STATIC);
		sqlite3_bind_text(s, 2, at + 1, -1, SQLITE_STATIC);
		found = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
	}
	if (!found) {
		char *shown = text_escape(who, strlen(who));

		api_fail(err, CTL_E_NOT_FOUND, "no user '%s' in the mesh%s",
		    shown, at == NULL ? ": write it NAME@NODE" : "");
		free(shown);
		return -1;
	}
	return 0;
}

int
chat_append(node_t *node, const char *kind, json_t *body, char id[65],
    api_error_t *err)
{
	char *text = json_dumps(body, JSON_COMPACT), *cause = NULL;
	entry_t *e;

	json_decref(body);
	e = node_append(node, kind, text, strlen(text), &cause);
	free(text);
	if (e == NULL) {
		api_fail(err, CTL_E_STORE, "%s", cause);
		free(cause);
		return -1;
	}
	if (id != NULL)
		entry_id_hex(e, id);
	entry_destroy(&e);
	return 0;
}

json_t *
chat_message_json(node_t *node, sqlite3_stmt *s)
{
	const uint8_t *id = sqlite3_column_blob(s, 0);
	const uint8_t *author = sqlite3_column_blob(s, 2);
	const char *user = (const char *)sqlite3_column_text(s, 3);
	char hex[65], *nodename, *text;
	json_t *obj, *mentions = json_array();
	sqlite3_stmt *m;

	hex_encode(id, 32, hex);
	nodename = store_node_name(node->store, author);
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I}", "id", hex, "room",
	    sqlite3_column_text(s, 1), "user", user, "from",
	    "", "node", nodename, "lamport",
	    (json_int_t)sqlite3_column_int64(s, 6));
	text = xasprintf("%s@%s", user, nodename != NULL ? nodename : "?");
	json_object_set_new(obj, "from", json_string(text));
	free(text);
	free(nodename);
	api_set_time(obj, sqlite3_column_int64(s, 4));
	json_object_set_new(obj, "text",
	    json_stringn((const char *)sqlite3_column_text(s, 5),
		(size_t)sqlite3_column_bytes(s, 5)));
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT name, node FROM mentions WHERE msg = ?", -1, &m,
		NULL) == SQLITE_OK) {
		sqlite3_bind_blob(m, 1, id, 32, SQLITE_STATIC);
		while (sqlite3_step(m) == SQLITE_ROW) {
			const char *n = (const char *)sqlite3_column_text(m, 1);
			char *who = n != NULL
			    ? xasprintf("%s@%s", sqlite3_column_text(m, 0), n)
			    : xstrdup((const char *)sqlite3_column_text(m, 0));

			json_array_append_new(mentions, json_string(who));
			free(who);
		}
		sqlite3_finalize(m);
	}
	json_object_set_new(obj, "mentions", mentions);
	return obj;
}
