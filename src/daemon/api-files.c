#include "config.h"

#include <string.h>

#include "api-files.h"
#include "chat.h"
#include "files.h"
#include "fpath.h"
#include "proto.h"
#include "util.h"
#include "views-files.h"

const char *
api_files_path(json_t *params, const char *key, bool root_ok,
    api_error_t *err)
{
	json_t *v = json_object_get(params, key);
	const char *path;
	char *cause = NULL;

	if (v == NULL && root_ok)
		return "";
	if (!json_is_string(v))
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "parameter '%s' must be a mesh path", key), NULL;
	path = json_string_value(v);
	if (strlen(path) != json_string_length(v))
		return api_fail(err, CTL_E_INVALID,
		    "a mesh path cannot hold a NUL byte"), NULL;
	if (fpath_check(path, root_ok, &cause) != 0) {
		api_fail(err, CTL_E_INVALID, "%s", cause);
		free(cause);
		return NULL;
	}
	return path;
}

int
api_files_hash(json_t *params, const char *key, uint8_t out[32],
    api_error_t *err)
{
	const char *hex = json_string_value(json_object_get(params, key));

	if (hex == NULL || strlen(hex) != 64 || hex_decode(hex, out, 32) != 0)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "parameter '%s' must be a SHA-256 in hex", key), -1;
	return 0;
}

/* A row of the tree and what makes it JSON: the columns that
 * api_files_row_json reads. */
#define API_FILES_ROW_SELECT                                                 \
	"SELECT t.path, t.type, t.id, t.size, t.mode, t.user, t.node, "     \
	"t.author, t.time, m.chunks, (SELECT count(*) FROM file_holders h " \
	"WHERE h.id = t.id) FROM file_tree t "                              \
	"LEFT JOIN manifests m ON m.id = t.id "

static json_t *
api_files_row_json(node_t *node, sqlite3_stmt *s)
{
	const char *p = (const char *)sqlite3_column_text(s, 0);
	bool dir = strcmp((const char *)sqlite3_column_text(s, 1), "d") == 0;
	char hex[65];
	json_t *row;

	row = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:s}", "name",
	    fpath_base(p), "path", p, "type", dir ? "dir" : "file", "size",
	    (json_int_t)sqlite3_column_int64(s, 3), "mode",
	    sqlite3_column_int(s, 4), "user",
	    (const char *)sqlite3_column_text(s, 5), "node",
	    (const char *)sqlite3_column_text(s, 6));
	hex_encode(sqlite3_column_blob(s, 7), 32, hex);
	json_object_set_new(row, "author", json_string(hex));
	api_set_time(row, sqlite3_column_int64(s, 8));
	if (!dir && sqlite3_column_bytes(s, 2) == 32) {
		hex_encode(sqlite3_column_blob(s, 2), 32, hex);
		json_object_set_new(row, "id", json_string(hex));
		json_object_set_new(row, "holders",
		    json_integer(sqlite3_column_int64(s, 10)));
		json_object_set_new(row, "local",
		    json_boolean(files_complete(node->files,
			sqlite3_column_blob(s, 9),
			(size_t)sqlite3_column_bytes(s, 9) / 32)));
	} else {
		json_object_set_new(row, "id", json_null());
		json_object_set_new(row, "holders", json_null());
		json_object_set_new(row, "local", json_null());
	}
	return row;
}

json_t *
api_files_row(node_t *node, const char *path)
{
	sqlite3_stmt *s;
	json_t *row = NULL;

	if (sqlite3_prepare_v2(store_db(node->store),
		API_FILES_ROW_SELECT "WHERE t.path = ?", -1, &s,
		NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		row = api_files_row_json(node, s);
	sqlite3_finalize(s);
	return row;
}

json_t *
api_files_children(node_t *node, const char *dir)
{
	char *lo = dir[0] != '\0' ? xasprintf("%s/", dir) : xstrdup("");
	char *hi = dir[0] != '\0' ? xasprintf("%s0", dir) : xstrdup("\xf4\x90");
	json_t *rows = json_array();
	sqlite3_stmt *s;

	/* Below dir ('0' follows '/'), with no '/' after it; directories
	 * first. */
	if (sqlite3_prepare_v2(store_db(node->store),
		API_FILES_ROW_SELECT "WHERE t.path >= ?1 AND t.path < ?2 "
				     "AND instr(substr(t.path, "
				     "length(?1) + 1), '/') = 0 "
				     "ORDER BY t.type, t.path",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW)
			json_array_append_new(rows,
			    api_files_row_json(node, s));
		sqlite3_finalize(s);
	}
	free(lo);
	free(hi);
	return rows;
}

/* A file's manifest must fit in one entry: refused before any byte is
 * sent rather than at the end. */
static int
api_files_size_ok(json_int_t size, api_error_t *err)
{
	char limit[32], got[32];

	if (manifest_chunk_count((uint64_t)size, BLOB_CHUNK_SIZE) <=
	    FILE_CHUNKS_MAX)
		return 0;
	size_format((uint64_t)FILE_CHUNKS_MAX * BLOB_CHUNK_SIZE, limit,
	    sizeof limit);
	size_format((uint64_t)size, got, sizeof got);
	api_fail(err, CTL_E_TOO_LARGE,
	    "a file of %lld bytes (%s) is too large for the file ledger: at "
	    "most %llu bytes (%s), so that its list of chunks fits in one "
	    "ledger entry",
	    (long long)size, got,
	    (unsigned long long)FILE_CHUNKS_MAX * BLOB_CHUNK_SIZE, limit);
	return -1;
}

/* The type at path: "file", "dir" or NULL (nothing, or a store error:
 * the write that follows reports it). */
static const char *
api_files_type(node_t *node, const char *path, uint8_t id[32], bool *has_id)
{
	bool dir;

	if (views_files_at(store_db(node->store), path, &dir, id, has_id,
		NULL) != 1)
		return NULL;
	return dir ? "dir" : "file";
}

/* No file may stand where path needs a directory. */
static int
api_files_parents_ok(node_t *node, const char *path, api_error_t *err)
{
	char *parent = fpath_parent(path);
	uint8_t id[32];
	bool has_id;
	int rc = 0;

	while (parent[0] != '\0') {
		const char *type = api_files_type(node, parent, id, &has_id);
		char *up;

		if (type != NULL && strcmp(type, "file") == 0) {
			api_fail(err, CTL_E_EXISTS,
			    "'%s' is a file, not a directory", parent);
			rc = -1;
			break;
		}
		up = fpath_parent(parent);
		free(parent);
		parent = up;
	}
	free(parent);
	return rc;
}

static json_t *
api_files_check_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *path = api_files_path(params, "path", true, err);
	json_int_t size = 0;
	const char *type;
	char *why = NULL;
	uint8_t id[32];
	uint64_t used, quota;
	bool has_id;

	if (path == NULL || api_param_int(params, "size", &size, err) != 0)
		return NULL;
	if (size < 0)
		return api_fail(err, CTL_E_BAD_REQUEST, "size must be >= 0");
	if (api_files_size_ok(size, err) != 0)
		return NULL;
	/* Who acts is settled before any byte is sent. */
	if (chat_user(node, params, err) == NULL)
		return NULL;
	type = path[0] == '\0' ? "dir" : api_files_type(node, path, id, &has_id);
	if (type == NULL && api_files_parents_ok(node, path, err) != 0)
		return NULL;
	if (files_quota_check(node->files, (uint64_t)size, &why) != 0) {
		api_fail(err, CTL_E_QUOTA, "%s", why);
		free(why);
		return NULL;
	}
	used = blobs_bytes(files_blobs(node->files));
	quota = node->conf->files_quota;
	return json_pack("{s:s, s:s?, s:o}", "path", path, "exists", type,
	    "free",
	    quota == 0 ? json_null()
		       : json_integer(used >= quota ? 0
						    : (json_int_t)(quota - used)));
}

const api_method_t api_files_check = {
	.name = "files.check",
	.exec = api_files_check_exec,
};

static json_t *
api_files_chunk_put_exec(node_t *node, json_t *params, api_error_t *err)
{
	uint8_t hash[32];
	char *cause = NULL;
	int rc;

	if (api_files_hash(params, "hash", hash, err) != 0)
		return NULL;
	if (node->ctl_data == NULL)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "files.chunk.put carries the chunk in a second frame");
	if (!blobs_has(files_blobs(node->files), hash) &&
	    files_quota_check(node->files, zframe_size(node->ctl_data),
		&cause) != 0) {
		api_fail(err, CTL_E_QUOTA, "%s", cause);
		free(cause);
		return NULL;
	}
	rc = blobs_put(files_blobs(node->files), hash,
	    zframe_data(node->ctl_data), zframe_size(node->ctl_data), true,
	    &cause);
	if (rc < 0) {
		api_fail(err, strstr(cause, "do not match") != NULL ||
			    strstr(cause, "more than") != NULL
			? CTL_E_INVALID
			: CTL_E_STORE,
		    "%s", cause);
		free(cause);
		return NULL;
	}
	return json_pack("{s:s, s:b}", "hash",
	    json_string_value(json_object_get(params, "hash")), "stored",
	    rc == 1);
}

const api_method_t api_files_chunk_put = {
	.name = "files.chunk.put",
	.exec = api_files_chunk_put_exec,
};

/* Appends a file operation for user; the body gets "user" and "node".
 * Returns the result with "entry" and "user" added, or NULL. */
static json_t *
api_files_append_as(node_t *node, const char *user, const char *kind,
    json_t *body, json_t *result, api_error_t *err)
{
	char id[65];

	json_object_set_new(body, "user", json_string(user));
	json_object_set_new(body, "node", json_string(node->name));
	if (chat_append(node, kind, body, id, err) != 0) {
		json_decref(result);
		return NULL;
	}
	json_object_set_new(result, "entry", json_string(id));
	json_object_set_new(result, "user", json_string(user));
	return result;
}

/* The same for the acting user of a request. */
static json_t *
api_files_append(node_t *node, json_t *params, const char *kind,
    json_t *body, json_t *result, api_error_t *err)
{
	const char *user = chat_user(node, params, err);

	if (user == NULL) {
		json_decref(body);
		json_decref(result);
		return NULL;
	}
	return api_files_append_as(node, user, kind, body, result, err);
}

json_t *
api_files_put_chunks(node_t *node, const char *path, const char *user,
    json_int_t size, json_int_t mode, const uint8_t *chunks, size_t n,
    api_error_t *err)
{
	uint8_t id[32], cur[32];
	char hex[65], base[65];
	json_t *body, *result;
	const char *type;
	bool has_cur;

	if (api_files_size_ok(size, err) != 0)
		return NULL;
	if (n != manifest_chunk_count((uint64_t)size, BLOB_CHUNK_SIZE))
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "%zu chunks do not make a file of %lld bytes", n,
		    (long long)size);
	for (size_t i = 0; i < n; i++) {
		int64_t got = blobs_size(files_blobs(node->files),
		    chunks + 32 * i);
		int64_t want = i + 1 < n ? BLOB_CHUNK_SIZE
					 : size - (json_int_t)i * BLOB_CHUNK_SIZE;

		hex_encode(chunks + 32 * i, 32, hex);
		if (got < 0)
			return api_fail(err, CTL_E_INVALID,
			    "chunk %zu (%.16s...) is not on this node; send "
			    "it with files.chunk.put first",
			    i + 1, hex);
		if (got != want)
			return api_fail(err, CTL_E_INVALID,
			    "chunk %zu (%.16s...) is %lld bytes; a file of "
			    "%lld bytes needs %lld there",
			    i + 1, hex, (long long)got, (long long)size,
			    (long long)want);
	}
	type = api_files_type(node, path, cur, &has_cur);
	if (type != NULL && strcmp(type, "dir") == 0)
		return api_fail(err, CTL_E_EXISTS, "'%s' is a directory",
		    path);
	if (type == NULL && api_files_parents_ok(node, path, err) != 0)
		return NULL;
	manifest_id((uint64_t)size, BLOB_CHUNK_SIZE, chunks, n, id);
	body = json_pack("{s:s, s:I, s:I, s:i, s:[]}", "path", path, "size",
	    size, "mode", mode, "chunk_size", BLOB_CHUNK_SIZE, "chunks");
	for (size_t i = 0; i < n; i++) {
		hex_encode(chunks + 32 * i, 32, hex);
		json_array_append_new(json_object_get(body, "chunks"),
		    json_string(hex));
	}
	hex_encode(id, 32, hex);
	json_object_set_new(body, "id", json_string(hex));
	if (has_cur) {
		hex_encode(cur, 32, base);
		json_object_set_new(body, "base", json_string(base));
	} else
		json_object_set_new(body, "base", json_null());
	result = json_pack("{s:s, s:s, s:I}", "path", path, "id", hex, "size",
	    size);
	return api_files_append_as(node, user, "file.put", body, result, err);
}

static json_t *
api_files_put_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *path = api_files_path(params, "path", false, err);
	json_int_t size = -1, mode = 0644;
	uint8_t *chunks = NULL;
	char *cause = NULL;
	const char *user;
	size_t n = 0;
	json_t *result;

	if (path == NULL || api_param_int(params, "size", &size, err) != 0 ||
	    api_param_int(params, "mode", &mode, err) != 0)
		return NULL;
	if (size < 0)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "files.put needs the file's size");
	if (api_files_size_ok(size, err) != 0)
		return NULL;
	if (mode < 0 || mode > 0777)
		return api_fail(err, CTL_E_BAD_REQUEST,
		    "mode must be permission bits (0..0777)");
	if (file_chunks_parse(json_object_get(params, "chunks"), &chunks, &n,
		&cause) != 0) {
		api_fail(err, CTL_E_BAD_REQUEST, "%s", cause);
		free(cause);
		return NULL;
	}
	if ((user = chat_user(node, params, err)) == NULL) {
		free(chunks);
		return NULL;
	}
	result = api_files_put_chunks(node, path, user, size, mode, chunks, n,
	    err);
	free(chunks);
	return result;
}

const api_method_t api_files_put = {
	.name = "files.put",
	.exec = api_files_put_exec,
	.writes = true,
};

static json_t *
api_files_mkdir_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *path = api_files_path(params, "path", false, err);
	uint8_t id[32];
	bool has_id;
	const char *type;

	if (path == NULL)
		return NULL;
	if ((type = api_files_type(node, path, id, &has_id)) != NULL)
		return api_fail(err, CTL_E_EXISTS, "'%s' exists already (a %s)",
		    path, strcmp(type, "dir") == 0 ? "directory" : "file");
	if (api_files_parents_ok(node, path, err) != 0)
		return NULL;
	return api_files_append(node, params, "file.mkdir",
	    json_pack("{s:s}", "path", path), json_pack("{s:s}", "path", path),
	    err);
}

const api_method_t api_files_mkdir = {
	.name = "files.mkdir",
	.exec = api_files_mkdir_exec,
	.writes = true,
};

/* "base": the id the operation saw at path, or null for a directory. */
static json_t *
api_files_base(bool has_id, const uint8_t id[32])
{
	char hex[65];

	if (!has_id)
		return json_null();
	hex_encode(id, 32, hex);
	return json_string(hex);
}

static json_t *
api_files_mv_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *from = api_files_path(params, "from", false, err);
	const char *to = from != NULL ? api_files_path(params, "to", false,
					    err)
				      : NULL;
	uint8_t id[32], other[32];
	bool has_id, has_other;
	const char *type;

	if (from == NULL || to == NULL)
		return NULL;
	if ((type = api_files_type(node, from, id, &has_id)) == NULL)
		return api_fail(err, CTL_E_NOT_FOUND, "no '%s' in the mesh's "
						      "files",
		    from);
	if (api_files_type(node, to, other, &has_other) != NULL)
		return api_fail(err, CTL_E_EXISTS,
		    "'%s' exists already; remove it first", to);
	if (strcmp(type, "dir") == 0 && fpath_is_below(to, from))
		return api_fail(err, CTL_E_INVALID,
		    "cannot move '%s' into itself", from);
	if (api_files_parents_ok(node, to, err) != 0)
		return NULL;
	return api_files_append(node, params, "file.mv",
	    json_pack("{s:s, s:s, s:o}", "from", from, "to", to, "base",
		api_files_base(has_id, id)),
	    json_pack("{s:s, s:s}", "from", from, "to", to), err);
}

const api_method_t api_files_mv = {
	.name = "files.mv",
	.exec = api_files_mv_exec,
	.writes = true,
};

static json_t *
api_files_rm_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *path = api_files_path(params, "path", false, err);
	sqlite3_stmt *s;
	uint8_t id[32];
	bool has_id, empty = true;
	const char *type;

	if (path == NULL)
		return NULL;
	if ((type = api_files_type(node, path, id, &has_id)) == NULL)
		return api_fail(err, CTL_E_NOT_FOUND, "no '%s' in the mesh's "
						      "files",
		    path);
	if (strcmp(type, "dir") == 0 &&
	    sqlite3_prepare_v2(store_db(node->store),
		"SELECT 1 FROM file_tree WHERE path >= ? || '/' AND "
		"path < ? || '0' LIMIT 1",
		-1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
		empty = sqlite3_step(s) != SQLITE_ROW;
		sqlite3_finalize(s);
	}
	if (!empty)
		return api_fail(err, CTL_E_INVALID,
		    "directory '%s' is not empty", path);
	return api_files_append(node, params, "file.rm",
	    json_pack("{s:s, s:o}", "path", path, "base",
		api_files_base(has_id, id)),
	    json_pack("{s:s}", "path", path), err);
}

const api_method_t api_files_rm = {
	.name = "files.rm",
	.exec = api_files_rm_exec,
	.writes = true,
};
