#include "config.h"

#include <string.h>

#include "api-files.h"
#include "files.h"
#include "fpath.h"
#include "proto.h"
#include "util.h"

static json_t *
api_files_ls_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *path = api_files_path(params, "path", true, err);
	json_t *entries, *row = NULL;

	if (path == NULL)
		return NULL;
	if (path[0] != '\0' && (row = api_files_row(node, path)) == NULL)
		return api_fail(err, CTL_E_NOT_FOUND, "no '%s' in the mesh's "
						      "files",
		    path);
	if (row != NULL &&
	    strcmp(json_string_value(json_object_get(row, "type")), "file") ==
		0) {
		entries = json_array();
		json_array_append_new(entries, row);
		return json_pack("{s:s, s:s, s:o}", "path", path, "type",
		    "file", "entries", entries);
	}
	json_decref(row);
	return json_pack("{s:s, s:s, s:o}", "path", path, "type", "dir",
	    "entries", api_files_children(node, path));
}

const api_method_t api_files_ls = {
	.name = "files.ls",
	.exec = api_files_ls_exec,
};

/* The operations on path or below it (all of them for the root), oldest
 * first, at most limit of the latest. */
static json_t *
api_files_ops(node_t *node, const char *path, json_int_t limit)
{
	json_t *ops = json_array();
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT * FROM (SELECT op, path, dest, id, size, user, node, "
		"author, time, entry, outcome, lamport, seq FROM file_ops "
		"WHERE ?1 = '' OR path = ?1 OR dest = ?1 OR "
		"substr(path, 1, length(?1) + 1) = ?1 || '/' OR "
		"substr(dest, 1, length(?1) + 1) = ?1 || '/' OR "
		"instr(outcome, '''' || ?1 || '''') > 0 "
		"ORDER BY lamport DESC, author DESC, seq DESC LIMIT ?2) "
		"ORDER BY lamport, author, seq",
		-1, &s, NULL) != SQLITE_OK)
		return ops;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, limit > 0 ? limit : INT64_MAX);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char hex[65];
		json_t *op = json_pack("{s:s, s:s, s:s?, s:s, s:s}", "op",
		    (const char *)sqlite3_column_text(s, 0), "path",
		    (const char *)sqlite3_column_text(s, 1), "to",
		    (const char *)sqlite3_column_text(s, 2), "user",
		    (const char *)sqlite3_column_text(s, 5), "node",
		    (const char *)sqlite3_column_text(s, 6));

		if (sqlite3_column_bytes(s, 3) == 32) {
			hex_encode(sqlite3_column_blob(s, 3), 32, hex);
			json_object_set_new(op, "id", json_string(hex));
			json_object_set_new(op, "size",
			    sqlite3_column_type(s, 4) == SQLITE_NULL
				? json_null()
				: json_integer(sqlite3_column_int64(s, 4)));
		} else {
			json_object_set_new(op, "id", json_null());
			json_object_set_new(op, "size", json_null());
		}
		hex_encode(sqlite3_column_blob(s, 7), 32, hex);
		json_object_set_new(op, "author", json_string(hex));
		api_set_time(op, sqlite3_column_int64(s, 8));
		hex_encode(sqlite3_column_blob(s, 9), 32, hex);
		json_object_set_new(op, "entry", json_string(hex));
		json_object_set_new(op, "outcome",
		    json_string((const char *)sqlite3_column_text(s, 10)));
		json_array_append_new(ops, op);
	}
	sqlite3_finalize(s);
	return ops;
}

static json_t *
api_files_log_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *path = api_files_path(params, "path", true, err);
	json_int_t limit = 0;

	if (path == NULL || api_param_int(params, "limit", &limit, err) != 0)
		return NULL;
	return json_pack("{s:s, s:o}", "path", path, "entries",
	    api_files_ops(node, path, limit));
}

const api_method_t api_files_log = {
	.name = "files.log",
	.exec = api_files_log_exec,
};

/* The manifest of file id: chunk size and chunks (n * 32 bytes, caller
 * frees). Returns 0, or -1 if this node knows no such file. */
static int
api_files_manifest_of(node_t *node, const uint8_t id[32], uint64_t *size,
    uint32_t *chunk_size, uint8_t **chunks, size_t *n)
{
	sqlite3_stmt *s;
	int rc = -1;

	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT size, chunk_size, chunks FROM manifests WHERE id = ?",
		-1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_blob(s, 1, id, 32, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*size = (uint64_t)sqlite3_column_int64(s, 0);
		*chunk_size = (uint32_t)sqlite3_column_int64(s, 1);
		*n = (size_t)sqlite3_column_bytes(s, 2) / 32;
		*chunks = xcalloc(*n + 1, 32);
		if (*n > 0)
			memcpy(*chunks, sqlite3_column_blob(s, 2), *n * 32);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

/* The file params name: "path" (a file of the tree) or "id". Fills id and
 * returns its row (NULL for an id given directly), or -1 with *err. */
static int
api_files_which(node_t *node, json_t *params, uint8_t id[32], json_t **row,
    api_error_t *err)
{
	const char *path, *hex;

	*row = NULL;
	if (json_object_get(params, "id") != NULL)
		return api_files_hash(params, "id", id, err);
	if ((path = api_files_path(params, "path", false, err)) == NULL)
		return -1;
	if ((*row = api_files_row(node, path)) == NULL)
		return api_fail(err, CTL_E_NOT_FOUND, "no '%s' in the mesh's "
						      "files",
		    path), -1;
	hex = json_string_value(json_object_get(*row, "id"));
	if (hex == NULL) {
		json_decref(*row);
		*row = NULL;
		return api_fail(err, CTL_E_INVALID, "'%s' is a directory",
		    path), -1;
	}
	hex_decode(hex, id, 32);
	return 0;
}

static json_t *
api_files_manifest_exec(node_t *node, json_t *params, api_error_t *err)
{
	uint8_t id[32], *chunks = NULL;
	uint32_t chunk_size;
	uint64_t size;
	json_t *row, *list, *r;
	char hex[65];
	size_t n;

	if (api_files_which(node, params, id, &row, err) != 0)
		return NULL;
	hex_encode(id, 32, hex);
	if (api_files_manifest_of(node, id, &size, &chunk_size, &chunks, &n) !=
	    0) {
		json_decref(row);
		return api_fail(err, CTL_E_NOT_FOUND, "no file %.16s... in "
						      "this node's ledger",
		    hex);
	}
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		char c[65];

		hex_encode(chunks + 32 * i, 32, c);
		json_array_append_new(list, json_string(c));
	}
	free(chunks);
	r = json_pack("{s:s, s:I, s:I, s:o}", "id", hex, "size",
	    (json_int_t)size, "chunk_size", (json_int_t)chunk_size, "chunks",
	    list);
	json_object_set_new(r, "path",
	    row != NULL ? json_incref(json_object_get(row, "path"))
			: json_null());
	json_object_set_new(r, "mode",
	    row != NULL ? json_incref(json_object_get(row, "mode"))
			: json_integer(0644));
	json_decref(row);
	return r;
}

const api_method_t api_files_manifest = {
	.name = "files.manifest",
	.exec = api_files_manifest_exec,
};

static json_t *
api_files_fetch_exec(node_t *node, json_t *params, api_error_t *err)
{
	uint8_t id[32], *chunks = NULL;
	uint32_t chunk_size;
	uint64_t size;
	size_t n, missing = 0;
	json_t *row;
	char hex[65];

	if (api_files_which(node, params, id, &row, err) != 0)
		return NULL;
	json_decref(row);
	hex_encode(id, 32, hex);
	if (api_files_manifest_of(node, id, &size, &chunk_size, &chunks, &n) !=
	    0)
		return api_fail(err, CTL_E_NOT_FOUND, "no file %.16s... in "
						      "this node's ledger",
		    hex);
	for (size_t i = 0; i < n; i++)
		missing += !blobs_has(files_blobs(node->files), chunks + 32 * i);
	files_prioritize(node->files, chunks, n);
	free(chunks);
	return json_pack("{s:s, s:I, s:I, s:I}", "id", hex, "chunks",
	    (json_int_t)n, "missing", (json_int_t)missing, "sources",
	    (json_int_t)files_sources(node->files));
}

const api_method_t api_files_fetch = {
	.name = "files.fetch",
	.exec = api_files_fetch_exec,
};

static json_t *
api_files_chunk_get_exec(node_t *node, json_t *params, api_error_t *err)
{
	uint8_t hash[32];
	char *cause = NULL;
	bool bad = false;
	zframe_t *data;

	if (api_files_hash(params, "hash", hash, err) != 0)
		return NULL;
	data = blobs_get(files_blobs(node->files), hash, &bad, &cause);
	free(cause);
	if (data == NULL) {
		/* Not here (or damaged, and now deleted): ask the mesh. */
		files_prioritize(node->files, hash, 1);
		return json_pack("{s:O, s:b, s:I}", "hash",
		    json_object_get(params, "hash"), "have", false, "sources",
		    (json_int_t)files_sources(node->files));
	}
	node->ctl_reply_data = data;
	return json_pack("{s:O, s:b}", "hash", json_object_get(params, "hash"),
	    "have", true);
}

const api_method_t api_files_chunk_get = {
	.name = "files.chunk.get",
	.exec = api_files_chunk_get_exec,
};

static json_t *
api_files_stat_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *path = api_files_path(params, "path", false, err);
	json_t *row, *names = json_array(), *versions;
	uint8_t id[32], *chunks = NULL;
	uint32_t chunk_size = 0;
	uint64_t size;
	size_t n = 0, here = 0;
	sqlite3_stmt *s;

	if (path == NULL || (row = api_files_row(node, path)) == NULL) {
		json_decref(names);
		return path == NULL ? NULL
				    : api_fail(err, CTL_E_NOT_FOUND,
					  "no '%s' in the mesh's files", path);
	}
	versions = api_files_ops(node, path, 0);
	json_object_set_new(row, "versions", versions);
	if (json_string_value(json_object_get(row, "id")) == NULL) {
		json_decref(names);
		return row;
	}
	hex_decode(json_string_value(json_object_get(row, "id")), id, 32);
	if (api_files_manifest_of(node, id, &size, &chunk_size, &chunks, &n) ==
	    0) {
		for (size_t i = 0; i < n; i++)
			here += blobs_has(files_blobs(node->files),
			    chunks + 32 * i);
		free(chunks);
	}
	if (sqlite3_prepare_v2(store_db(node->store),
		"SELECT coalesce(n.name, lower(hex(h.author))) FROM file_holders h "
		"LEFT JOIN nodes n ON n.author = h.author WHERE h.id = ? "
		"ORDER BY 1",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(s, 1, id, 32, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW)
			json_array_append_new(names,
			    json_string((const char *)sqlite3_column_text(s,
				0)));
		sqlite3_finalize(s);
	}
	json_object_set_new(row, "chunks", json_integer((json_int_t)n));
	json_object_set_new(row, "chunk_size",
	    json_integer((json_int_t)chunk_size));
	json_object_set_new(row, "chunks_here", json_integer((json_int_t)here));
	json_object_set_new(row, "holder_names", names);
	return row;
}

const api_method_t api_files_stat = {
	.name = "files.stat",
	.exec = api_files_stat_exec,
};

static json_t *
api_files_verify_exec(node_t *node, json_t *params, api_error_t *err)
{
	json_t *chunks, *ledger;

	(void)params;
	if ((ledger = api_verify_ledger(node, err)) == NULL)
		return NULL;
	chunks = files_verify(node->files);
	json_object_set_new(chunks, "ok",
	    json_boolean(json_array_size(json_object_get(chunks, "bad")) ==
		    0 &&
		json_is_true(json_object_get(ledger, "ok"))));
	json_object_set_new(chunks, "ledger", ledger);
	return chunks;
}

const api_method_t api_files_verify = {
	.name = "files.verify",
	.exec = api_files_verify_exec,
};
