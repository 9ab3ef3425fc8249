#include "config.h"

#include <string.h>

#include "chat.h"
#include "proto.h"
#include "util.h"

/* role.assign and role.unassign {role, user}. */
static json_t *
api_role_write(node_t *node, json_t *params, api_error_t *err,
    const char *kind)
{
	const char *role = NULL, *user = NULL;
	char *cause = NULL;

	if (api_param_string(params, "role", &role, err) != 0 ||
	    api_param_string(params, "user", &user, err) != 0)
		return NULL;
	if (role == NULL || user == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "role and user are needed");
	if (name_check(role, "role", &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		free(cause);
		return NULL;
	}
	if (chat_user_known(node, user, err) != 0 ||
	    chat_append(node, kind,
		json_pack("{s:s, s:s}", "role", role, "user", user), NULL,
		err) != 0)
		return NULL;
	return json_pack("{s:s, s:s}", "role", role, "user", user);
}

static json_t *
api_role_assign_exec(node_t *node, json_t *params, api_error_t *err)
{
	return api_role_write(node, params, err, "role.assign");
}

const api_method_t api_role_assign = {
	.name = "role.assign",
	.exec = api_role_assign_exec,
	.writes = true,
};

static json_t *
api_role_unassign_exec(node_t *node, json_t *params, api_error_t *err)
{
	return api_role_write(node, params, err, "role.unassign");
}

const api_method_t api_role_unassign = {
	.name = "role.unassign",
	.exec = api_role_unassign_exec,
	.writes = true,
};

static json_t *
api_role_deputy_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *role = NULL, *deputy = NULL;
	char *cause = NULL;

	if (api_param_string(params, "role", &role, err) != 0 ||
	    api_param_string(params, "deputy", &deputy, err) != 0)
		return NULL;
	if (role == NULL || deputy == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "role and deputy are needed");
	if (name_check(role, "role", &cause) != 0 ||
	    name_check(deputy, "deputy role", &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		free(cause);
		return NULL;
	}
	if (strcmp(role, deputy) == 0)
		return api_fail(err, CTL_E_INVALID,
		    "a role cannot be its own deputy");
	if (chat_append(node, "role.deputy",
		json_pack("{s:s, s:s}", "role", role, "deputy", deputy), NULL,
		err) != 0)
		return NULL;
	return json_pack("{s:s, s:s}", "role", role, "deputy", deputy);
}

const api_method_t api_role_deputy = {
	.name = "role.deputy",
	.exec = api_role_deputy_exec,
	.writes = true,
};

static json_t *
api_role_list_exec(node_t *node, json_t *params, api_error_t *err)
{
	json_t *roles = json_array(), *cur = NULL;
	const char *last = "";
	sqlite3_stmt *s;

	(void)params;
	/* Roles named anywhere: held, or only given a deputy. */
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT r.role, r.user, (SELECT deputy FROM deputies d WHERE "
		"d.role = r.role) FROM (SELECT role, user FROM roles WHERE held "
		"UNION SELECT role, NULL FROM deputies) r ORDER BY r.role, "
		"r.user",
		-1, &s, NULL) != SQLITE_OK) {
		json_decref(roles);
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(s, 0);
		const char *user = (const char *)sqlite3_column_text(s, 1);

		if (cur == NULL || strcmp(role, last) != 0) {
			cur = json_pack("{s:s, s:[], s:s?}", "role", role,
			    "holders", "deputy", sqlite3_column_text(s, 2));
			json_array_append_new(roles, cur);
			last = json_string_value(json_object_get(cur, "role"));
		}
		if (user != NULL)
			json_array_append_new(json_object_get(cur, "holders"),
			    json_string(user));
	}
	sqlite3_finalize(s);
	return json_pack("{s:o}", "roles", roles);
}

const api_method_t api_role_list = {
	.name = "role.list",
	.exec = api_role_list_exec,
};
