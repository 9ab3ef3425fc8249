#include "config.h"

#include <string.h>

#include "api.h"
#include "proto.h"
#include "util.h"

static void
api_ledger_heads_row(const store_head_info_t *h, void *arg)
{
	char head[2 * ENTRY_ID_SIZE + 1];
	json_t *obj = json_object();

	hex_encode(h->head, ENTRY_ID_SIZE, head);
	api_set_author(obj, h->author, h->name);
	json_object_set_new(obj, "seq", json_integer((json_int_t)h->seq));
	json_object_set_new(obj, "head", json_string(head));
	json_array_append_new(arg, obj);
}

static json_t *
api_ledger_heads_exec(node_t *node, json_t *params, api_error_t *err)
{
	json_t *heads = json_array();

	(void)params;
	if (store_foreach_head(node->store, api_ledger_heads_row, heads) != 0) {
		json_decref(heads);
		return api_fail(err, CTL_E_STORE, "cannot read the heads: %s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	return json_pack("{s:o}", "heads", heads);
}

const api_method_t api_ledger_heads = {
	.name = "ledger.heads",
	.exec = api_ledger_heads_exec,
};

static json_t *
api_ledger_show_exec(node_t *node, json_t *params, api_error_t *err)
{
	char hex[2 * ENTRY_ID_SIZE + 1], sig[2 * ED25519_SIGNATURE_SIZE + 1];
	const char *prefix = NULL;
	uint8_t id[ENTRY_ID_SIZE];
	char *cause = NULL, *name, *body;
	entry_t *entry;
	json_t *obj;
	int rc;

	if (api_param_string(params, "id", &prefix, err) != 0)
		return NULL;
	if (prefix == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "parameter 'id' is missing");
	rc = store_find_prefix(node->store, prefix, id, &cause);
	if (rc != 0) {
		api_fail(err,
		    rc == 2	  ? CTL_E_AMBIGUOUS
		    : rc == 3 ? CTL_E_INVALID
			      : CTL_E_NOT_FOUND,
		    "%s", cause);
		free(cause);
		return NULL;
	}
	if ((entry = store_get(node->store, id, &cause)) == NULL) {
		hex_encode(id, ENTRY_ID_SIZE, hex);
		api_fail(err, CTL_E_STORE, "entry %s: %s", hex, cause);
		free(cause);
		return NULL;
	}
	obj = json_object();
	entry_id_hex(entry, hex);
	json_object_set_new(obj, "id", json_string(hex));
	name = store_node_name(node->store, entry->author);
	api_set_author(obj, entry->author, name);
	free(name);
	json_object_set_new(obj, "seq", json_integer((json_int_t)entry->seq));
	hex_encode(entry->prev, ENTRY_ID_SIZE, hex);
	json_object_set_new(obj, "prev",
	    entry->seq > 1 ? json_string(hex) : json_null());
	json_object_set_new(obj, "lamport",
	    json_integer((json_int_t)entry->lamport));
	api_set_time(obj, entry->time_us);
	json_object_set_new(obj, "kind", json_string(entry->kind));
	json_object_set_new(obj, "size",
	    json_integer((json_int_t)entry->raw_len));
	/* Bodies are text in every kind so far; anything else is shown
	 * escaped rather than dropped. */
	if (text_is_utf8((const char *)entry->body, entry->body_len))
		json_object_set_new(obj, "body",
		    json_stringn((const char *)entry->body, entry->body_len));
	else {
		body = text_escape((const char *)entry->body, entry->body_len);
		json_object_set_new(obj, "body", json_string(body));
		free(body);
	}
	hex_encode(entry->sig, ED25519_SIGNATURE_SIZE, sig);
	json_object_set_new(obj, "signature", json_string(sig));
	json_object_set_new(obj, "signature_ok", json_boolean(entry_verify(entry)));
	entry_destroy(&entry);
	return obj;
}

const api_method_t api_ledger_show = {
	.name = "ledger.show",
	.exec = api_ledger_show_exec,
};
