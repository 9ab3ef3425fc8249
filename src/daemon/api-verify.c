#include "config.h"

#include "api.h"
#include "proto.h"
#include "util.h"

json_t *
api_verify_ledger(node_t *node, api_error_t *err)
{
	store_verify_result_t result;
	char *cause = NULL, id[2 * ENTRY_ID_SIZE + 1];
	json_t *obj;

	if (store_verify(node->store, &result, &cause) != 0) {
		api_fail(err, CTL_E_STORE, "%s", cause);
		free(cause);
		return NULL;
	}
	obj = json_pack("{s:b, s:I, s:I}", "ok", result.ok, "entries",
	    (json_int_t)result.entries, "authors", (json_int_t)result.authors);
	if (!result.ok) {
		hex_encode(result.bad_id, ENTRY_ID_SIZE, id);
		json_object_set_new(obj, "id", json_string(id));
		json_object_set_new(obj, "reason", json_string(result.reason));
	}
	return obj;
}

static json_t *
api_verify_exec(node_t *node, json_t *params, api_error_t *err)
{
	(void)params;
	return api_verify_ledger(node, err);
}

const api_method_t api_verify = {
	.name = "verify",
	.exec = api_verify_exec,
};
