#include "config.h"

#include <string.h>

#include "api.h"
#include "proto.h"
#include "util.h"

static json_t *
api_journal_add_exec(node_t *node, json_t *params, api_error_t *err)
{
	json_t *text = json_object_get(params, "text");
	char id[2 * ENTRY_ID_SIZE + 1], *cause = NULL;
	const char *s;
	entry_t *entry;
	json_t *result;
	size_t len;

	if (!json_is_string(text))
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "parameter 'text' must be a string");
	s = json_string_value(text);
	len = json_string_length(text);
	if (text_is_blank(s, len))
		return api_fail(err, CTL_E_INVALID, "the text is empty");
	if ((int64_t)len > node->conf->journal_max_bytes)
		return api_fail(err, CTL_E_TOO_LARGE,
		    "the text is %zu bytes, over the limit of %lld "
		    "(journal.max_bytes)",
		    len, (long long)node->conf->journal_max_bytes);
	if (memchr(s, '\0', len) != NULL)
		return api_fail(err, CTL_E_INVALID,
		    "the text holds a NUL character");
	/* jansson only holds valid UTF-8, so the text is UTF-8 already. */
	entry = node_append(node, "journal", s, len, &cause);
	if (entry == NULL) {
		api_fail(err, CTL_E_STORE, "%s", cause);
		free(cause);
		return NULL;
	}
	entry_id_hex(entry, id);
	result = json_pack("{s:s, s:I}", "id", id, "seq",
	    (json_int_t)entry->seq);
	api_set_time(result, entry->time_us);
	entry_destroy(&entry);
	return result;
}

const api_method_t api_journal_add = {
	.name = "journal.add",
	.exec = api_journal_add_exec,
	.writes = true,
};

static void
api_journal_list_row(const store_journal_row_t *row, void *arg)
{
	char id[2 * ENTRY_ID_SIZE + 1];
	json_t *obj = json_object();

	hex_encode(row->id, ENTRY_ID_SIZE, id);
	json_object_set_new(obj, "id", json_string(id));
	api_set_author(obj, row->author, row->name);
	json_object_set_new(obj, "seq", json_integer((json_int_t)row->seq));
	json_object_set_new(obj, "lamport",
	    json_integer((json_int_t)row->lamport));
	api_set_time(obj, row->time_us);
	json_object_set_new(obj, "text",
	    json_stringn(row->text, row->text_len));
	json_array_append_new(arg, obj);
}

int
api_resolve_author(node_t *node, const char *who, uint8_t author[32],
    api_error_t *err)
{
	char *cause = NULL;
	int rc;

	if (strcmp(who, "self") == 0) {
		memcpy(author, signing_key_public(node->identity->key), 32);
		return 0;
	}
	rc = store_find_author(node->store, who, author, &cause);
	if (rc != 0) {
		api_fail(err, rc == 2 ? CTL_E_AMBIGUOUS : CTL_E_NOT_FOUND,
		    "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static json_t *
api_journal_list_exec(node_t *node, json_t *params, api_error_t *err)
{
	store_journal_filter_t filter = { INT64_MIN, INT64_MAX, NULL, 0 };
	json_int_t since = INT64_MIN, until = INT64_MAX, limit = 0;
	const char *who = NULL;
	uint8_t author[32];
	json_t *entries;

	if (api_param_int(params, "since", &since, err) != 0 ||
	    api_param_int(params, "until", &until, err) != 0 ||
	    api_param_int(params, "limit", &limit, err) != 0 ||
	    api_param_string(params, "author", &who, err) != 0)
		return NULL;
	if (limit < 0)
		return api_fail(err, CTL_E_INVALID,
		    "limit must be 0 (all) or more");
	if (who != NULL) {
		if (api_resolve_author(node, who, author, err) != 0)
			return NULL;
		filter.author = author;
	}
	filter.since_us = since;
	filter.until_us = until;
	filter.last = limit;
	entries = json_array();
	if (store_journal_foreach(node->store, &filter, api_journal_list_row,
		entries) != 0) {
		json_decref(entries);
		return api_fail(err, CTL_E_STORE, "cannot read the journal: %s",
		    sqlite3_errmsg(store_db(node->store)));
	}
	return json_pack("{s:o}", "entries", entries);
}

const api_method_t api_journal_list = {
	.name = "journal.list",
	.exec = api_journal_list_exec,
};
