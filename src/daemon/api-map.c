#include "config.h"

#include "api.h"
#include "mesh.h"
#include "util.h"

/* The names of the users hosted by the node with that key (hex). */
static json_t *
api_map_users(node_t *node, const char *key)
{
	json_t *users = json_array();
	uint8_t author[32];
	sqlite3_stmt *s;

	if (key == NULL || hex_decode(key, author, sizeof author) != 0 ||
	    sqlite3_prepare_v2(store_db(node->store),
		"SELECT name FROM users WHERE author = ? ORDER BY name", -1, &s,
		NULL) != SQLITE_OK)
		return users;
	sqlite3_bind_blob(s, 1, author, 32, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(users,
		    json_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_finalize(s);
	return users;
}

static json_t *
api_map_exec(node_t *node, json_t *params, api_error_t *err)
{
	sqlite3_stmt *s;
	json_t *map = mesh_map_json(node->mesh), *known, *n;
	size_t i;

	(void)params;
	(void)err;
	/* Nodes the ledger knows but no gossip reaches: off the map now. */
	known = json_object();
	json_array_foreach(json_object_get(map, "nodes"), i, n)
		json_object_set(known, json_string_value(json_object_get(n,
					   "key")),
		    json_true());
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT lower(hex(author)), name FROM nodes ORDER BY name", -1,
		&s, NULL) == SQLITE_OK) {
		json_t *away = json_array();

		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *key = (const char *)sqlite3_column_text(s, 0);

			if (json_object_get(known, key) != NULL)
				continue;
			json_array_append_new(away,
			    json_pack("{s:s, s:s}", "key", key, "name",
				sqlite3_column_text(s, 1)));
		}
		sqlite3_finalize(s);
		json_object_set_new(map, "unreachable", away);
	}
	json_decref(known);
	/* The users each node hosts, from the ledger. */
	json_array_foreach(json_object_get(map, "nodes"), i, n)
		json_object_set_new(n, "users", api_map_users(node,
		    json_string_value(json_object_get(n, "key"))));
	json_array_foreach(json_object_get(map, "unreachable"), i, n)
		json_object_set_new(n, "users", api_map_users(node,
		    json_string_value(json_object_get(n, "key"))));
	return map;
}

const api_method_t api_map = {
	.name = "map",
	.exec = api_map_exec,
};
