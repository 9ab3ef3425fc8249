#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "proto.h"
#include "util.h"

static const api_method_t *const api_methods[] = {
	&api_status,
	&api_journal_add,
	&api_journal_list,
	&api_ledger_heads,
	&api_ledger_show,
	&api_verify,
	&api_peers,
	&api_map,
	&api_pki_init,
	&api_pki_issue,
	&api_pki_request,
	&api_pki_sign,
	&api_pki_install,
	&api_pki_list,
	&api_pki_revoke,
	&api_user_add,
	&api_user_list,
	&api_room_create,
	&api_room_join,
	&api_room_leave,
	&api_room_topic,
	&api_room_set,
	&api_room_list,
	&api_say,
	&api_msg,
	&api_history,
	&api_search,
	&api_alert,
	&api_ack,
	&api_alerts,
	&api_role_assign,
	&api_role_unassign,
	&api_role_deputy,
	&api_role_list,
	&api_export,
	&api_files_check,
	&api_files_chunk_put,
	&api_files_put,
	&api_files_mkdir,
	&api_files_mv,
	&api_files_rm,
	&api_files_ls,
	&api_files_stat,
	&api_files_log,
	&api_files_manifest,
	&api_files_fetch,
	&api_files_chunk_get,
	&api_files_verify,
	&api_voice_status,
};

const api_method_t *
api_find(const char *name)
{
	for (size_t i = 0; i < sizeof api_methods / sizeof *api_methods; i++) {
		if (strcmp(api_methods[i]->name, name) == 0)
			return api_methods[i];
	}
	return NULL;
}

json_t *
api_fail(api_error_t *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	free(err->message);
	va_start(ap, fmt);
	if (vasprintf(&err->message, fmt, ap) < 0)
		abort();
	va_end(ap);
	return NULL;
}

int
api_param_string(json_t *params, const char *key, const char **value,
    api_error_t *err)
{
	json_t *v = json_object_get(params, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		api_fail(err, CTL_E_BAD_REQUEST, "parameter '%s' must be a "
						 "string",
		    key);
		return -1;
	}
	*value = json_string_value(v);
	return 0;
}

int
api_param_int(json_t *params, const char *key, json_int_t *value,
    api_error_t *err)
{
	json_t *v = json_object_get(params, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		api_fail(err, CTL_E_BAD_REQUEST,
		    "parameter '%s' must be an integer", key);
		return -1;
	}
	*value = json_integer_value(v);
	return 0;
}

void
api_set_author(json_t *obj, const uint8_t author[32], const char *name)
{
	char hex[65];

	hex_encode(author, 32, hex);
	json_object_set_new(obj, "author", json_string(hex));
	json_object_set_new(obj, "name",
	    name != NULL ? json_string(name) : json_null());
}

void
api_set_time(json_t *obj, int64_t us)
{
	char when[40];

	time_format_iso(us, when, sizeof when);
	json_object_set_new(obj, "time", json_string(when));
	json_object_set_new(obj, "time_us", json_integer(us));
}
