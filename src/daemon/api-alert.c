#include "config.h"

#include <string.h>

#include "chat.h"
#include "proto.h"
#include "util.h"

#define ESCALATIONS_MAX 3

static json_t *
api_alert_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *room = NULL, *user, *text, *level = "urgent", *to = NULL;
	json_int_t deadline = 0;
	char id[65], *cause = NULL;
	size_t len;

	if (api_param_string(params, "level", &level, err) != 0 ||
	    api_param_string(params, "to", &to, err) != 0 ||
	    api_param_int(params, "deadline_s", &deadline, err) != 0 ||
	    chat_room_text(node, params, &room, &user, &text, &len, err) != 0)
		return NULL;
	if (strcmp(level, "urgent") != 0 && strcmp(level, "critical") != 0)
		return api_fail(err, CTL_E_INVALID,
		    "bad level '%s': use urgent or critical", level);
	if (deadline < 0 || deadline > 7 * 86400)
		return api_fail(err, CTL_E_INVALID,
		    "the deadline must be within 0 s..7 days");
	if (to != NULL && name_check(to, "role", &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		free(cause);
		return NULL;
	}
	if (chat_append(node, "alert",
		json_pack("{s:s, s:s, s:s%, s:s, s:s?, s:I}", "room", room,
		    "user", user, "text", text, len, "level", level, "to", to,
		    "deadline_s", deadline),
		id, err) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s?}", "id", id, "room", room,
	    "level", level, "to", to);
}

const api_method_t api_alert = {
	.name = "alert",
	.exec = api_alert_exec,
	.writes = true,
};

/* Resolves an alert id or prefix. Returns 0, or -1 with *err set. */
static int
api_alert_find(node_t *node, const char *prefix, uint8_t id[32],
    api_error_t *err)
{
	size_t len = strlen(prefix);
	sqlite3_stmt *s;
	int n = 0;

	if (len < 8 || len > 64 || !hex_is_valid(prefix))
		return api_fail(err, CTL_E_INVALID,
			   "bad alert id '%s': give 8 to 64 hex digits", prefix),
		       -1;
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT id FROM alerts WHERE substr(lower(hex(id)), 1, ?) = "
		"lower(?) LIMIT 2",
		-1, &s, NULL) != SQLITE_OK)
		return api_fail(err, CTL_E_STORE, "%s",
			   sqlite3_errmsg(store_db(node->store))),
		       -1;
	sqlite3_bind_int(s, 1, (int)len);
	sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == 0)
			memcpy(id, sqlite3_column_blob(s, 0), 32);
	}
	sqlite3_finalize(s);
	if (n == 0)
		return api_fail(err, CTL_E_NOT_FOUND, "no alert '%s'", prefix),
		       -1;
	if (n > 1)
		return api_fail(err, CTL_E_AMBIGUOUS,
			   "alert id '%s' is ambiguous: give more digits",
			   prefix),
		       -1;
	return 0;
}

static json_t *
api_ack_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *prefix = NULL, *user;
	uint8_t id[32];
	char hex[65];
	sqlite3_stmt *s;
	bool done = false;

	if (api_param_string(params, "id", &prefix, err) != 0)
		return NULL;
	if (prefix == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST, "id is needed");
	if ((user = chat_user(node, params, err)) == NULL ||
	    api_alert_find(node, prefix, id, err) != 0)
		return NULL;
	hex_encode(id, 32, hex);
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT 1 FROM acks WHERE alert = ? AND author = ? AND user = ?",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(s, 1, id, 32, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, signing_key_public(node->identity->key),
		    32, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, user, -1, SQLITE_STATIC);
		done = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
	}
	/* Acknowledging twice changes nothing and writes nothing. */
	if (!done && chat_append(node, "ack",
			 json_pack("{s:s, s:s}", "alert", hex, "user", user),
			 NULL, err) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:b}", "alert", hex, "user", user,
	    "already", done);
}

const api_method_t api_ack = {
	.name = "ack",
	.exec = api_ack_exec,
	.writes = true,
};

/* Adds to set (a JSON object used as a set) the users written name@node
 * that the query with one text parameter returns. */
static void
api_alert_collect(node_t *node, json_t *set, const char *sql,
    const char *param, const uint8_t *id)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(store_db(node->store), sql, -1, &s, NULL) !=
	    SQLITE_OK)
		return;
	if (param != NULL)
		sqlite3_bind_text(s, 1, param, -1, SQLITE_STATIC);
	if (id != NULL)
		sqlite3_bind_blob(s, 1, id, 32, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_object_set_new(set, (const char *)sqlite3_column_text(s, 0),
		    json_true());
	sqlite3_finalize(s);
}

#define API_ROLE_HOLDERS "SELECT user FROM roles WHERE role = ? AND held"

/* Everything about one alert; *open tells whether someone addressed has
 * not acknowledged it. */
static json_t *
api_alert_json(node_t *node, sqlite3_stmt *a, bool *open)
{
	const uint8_t *id = sqlite3_column_blob(a, 0);
	const char *to = (const char *)sqlite3_column_text(a, 6);
	json_t *addressed = json_object(), *acked = json_array();
	json_t *pending = json_array(), *escalations = json_array(), *v;
	char hex[65], *from = chat_user_at(node, sqlite3_column_blob(a, 2),
	    (const char *)sqlite3_column_text(a, 3));
	const char *who;
	json_t *obj, *ackset = json_object();
	sqlite3_stmt *s;

	hex_encode(id, 32, hex);
	if (to != NULL)
		api_alert_collect(node, addressed, API_ROLE_HOLDERS, to, NULL);
	else
		api_alert_collect(node, addressed,
		    "SELECT m.user || '@' || n.name FROM members m JOIN nodes n "
		    "ON n.author = m.author WHERE m.room = ? AND m.joined",
		    (const char *)sqlite3_column_text(a, 1), NULL);
	/* Escalation widens the circle to the deputy role's holders. */
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT round, role, time FROM escalations WHERE alert = ? "
		"ORDER BY round",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(s, 1, id, 32, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *role = (const char *)sqlite3_column_text(s,
			    1);
			json_t *e = json_pack("{s:I, s:s?}", "round",
			    (json_int_t)sqlite3_column_int64(s, 0), "role",
			    role);

			api_set_time(e, sqlite3_column_int64(s, 2));
			json_array_append_new(escalations, e);
			if (role != NULL)
				api_alert_collect(node, addressed,
				    API_ROLE_HOLDERS, role, NULL);
		}
		sqlite3_finalize(s);
	}
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT k.user || '@' || n.name, k.time FROM acks k JOIN nodes "
		"n ON n.author = k.author WHERE k.alert = ? ORDER BY k.time",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(s, 1, id, 32, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW) {
			json_t *k = json_pack("{s:s}", "user",
			    sqlite3_column_text(s, 0));

			api_set_time(k, sqlite3_column_int64(s, 1));
			json_array_append_new(acked, k);
			json_object_set_new(ackset,
			    (const char *)sqlite3_column_text(s, 0),
			    json_true());
		}
		sqlite3_finalize(s);
	}
	/* Who raised it need not acknowledge it. */
	json_object_foreach(addressed, who, v) {
		if (strcmp(who, from) != 0 &&
		    json_object_get(ackset, who) == NULL)
			json_array_append_new(pending, json_string(who));
	}
	*open = json_array_size(pending) > 0 ||
	    (json_array_size(acked) == 0 && json_object_size(addressed) <= 1);
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:o, s:o, "
			"s:o, s:b}",
	    "id", hex, "room", sqlite3_column_text(a, 1), "user", from, "text",
	    sqlite3_column_text(a, 4), "level", sqlite3_column_text(a, 5),
	    "to", to, "deadline_s", (json_int_t)sqlite3_column_int64(a, 7),
	    "acked", acked, "pending", pending, "escalations", escalations,
	    "open", *open);
	api_set_time(obj, sqlite3_column_int64(a, 8));
	json_decref(addressed);
	json_decref(ackset);
	free(from);
	return obj;
}

static json_t *
api_alerts_exec(node_t *node, json_t *params, api_error_t *err)
{
	bool only_open = json_is_true(json_object_get(params, "open"));
	json_t *alerts = json_array();
	sqlite3_stmt *a;

	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT id, room, author, user, text, level, to_role, "
		"deadline_s, time FROM alerts ORDER BY lamport, author, seq",
		-1, &a, NULL) != SQLITE_OK) {
		json_decref(alerts);
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	while (sqlite3_step(a) == SQLITE_ROW) {
		bool open;
		json_t *obj = api_alert_json(node, a, &open);

		if (only_open && !open)
			json_decref(obj);
		else
			json_array_append_new(alerts, obj);
	}
	sqlite3_finalize(a);
	return json_pack("{s:o}", "alerts", alerts);
}

const api_method_t api_alerts = {
	.name = "alerts",
	.exec = api_alerts_exec,
};

void
chat_tick(node_t *node)
{
	int64_t now = time_now_us();
	sqlite3_stmt *a;
	char *cause = NULL;

	/* Only the node that raised an alert escalates it, so that a mesh
	 * writes one escalation, not one per node. */
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT id, room, author, user, text, level, to_role, "
		"deadline_s, time, (SELECT count(*) FROM escalations e WHERE "
		"e.alert = a.id) FROM alerts a WHERE author = ? AND "
		"deadline_s > 0",
		-1, &a, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_blob(a, 1, signing_key_public(node->identity->key), 32,
	    SQLITE_STATIC);
	while (sqlite3_step(a) == SQLITE_ROW) {
		int64_t rounds = sqlite3_column_int64(a, 9);
		int64_t due = sqlite3_column_int64(a, 8) +
		    (rounds + 1) * sqlite3_column_int64(a, 7) * 1000000;
		const char *to = (const char *)sqlite3_column_text(a, 6);
		char *deputy = NULL, hex[65];
		api_error_t err = { NULL, NULL };
		bool open;
		json_t *obj;
		sqlite3_stmt *d;

		if (rounds >= ESCALATIONS_MAX || now < due)
			continue;
		obj = api_alert_json(node, a, &open);
		json_decref(obj);
		if (!open)
			continue;
		if (to != NULL &&
		    sqlite3_prepare_v2(store_db(node->store),
			"SELECT deputy FROM deputies WHERE role = ?", -1, &d,
			NULL) == SQLITE_OK) {
			sqlite3_bind_text(d, 1, to, -1, SQLITE_STATIC);
			if (sqlite3_step(d) == SQLITE_ROW)
				deputy = xstrdup(
				    (const char *)sqlite3_column_text(d, 0));
			sqlite3_finalize(d);
		}
		hex_encode(sqlite3_column_blob(a, 0), 32, hex);
		if (node_begin(node, &cause) != 0 ||
		    chat_append(node, "alert.escalate",
			json_pack("{s:s, s:s?, s:I}", "alert", hex, "role",
			    deputy, "round", (json_int_t)(rounds + 1)),
			NULL, &err) != 0) {
			free(cause);
			free(err.message);
		}
		free(deputy);
	}
	sqlite3_finalize(a);
	if (node_commit(node, &cause) != 0)
		free(cause);
}
