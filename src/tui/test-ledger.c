#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fpath.h"
#include "model-call.h"
#include "model-files.h"
#include "model-xfer.h"
#include "test-ledger.h"
#include "util.h"

#define TEST_TIME_US 1795000000000000LL

static const char *
jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

test_ledger_t *
test_ledger_new(void)
{
	test_ledger_t *self = xcalloc(1, sizeof *self);

	self->tree = json_object();
	self->calls = json_array();
	return self;
}

void
test_ledger_destroy(test_ledger_t **self_p)
{
	test_ledger_t *self;

	assert(self_p);
	if ((self = *self_p) == NULL)
		return;
	for (size_t i = 0; i < self->n; i++)
		free(self->c[i].data);
	free(self->c);
	json_decref(self->tree);
	json_decref(self->calls);
	json_decref(self->last);
	json_decref(self->check);
	free(self);
	*self_p = NULL;
}

static test_chunk_t *
test_ledger_find(const test_ledger_t *self, const char *hash)
{
	for (size_t i = 0; i < self->n; i++) {
		if (strcmp(self->c[i].hash, hash) == 0)
			return &self->c[i];
	}
	return NULL;
}

static void
test_ledger_store(
    test_ledger_t *self, const char *hash, const void *data, size_t len)
{
	if (test_ledger_find(self, hash) != NULL)
		return;
	self->c = realloc(self->c, (self->n + 1) * sizeof *self->c);
	assert(self->c != NULL);
	snprintf(
	    self->c[self->n].hash, sizeof self->c[self->n].hash, "%s", hash);
	self->c[self->n].data = xcalloc(1, len + 1);
	memcpy(self->c[self->n].data, data, len);
	self->c[self->n].len = len;
	self->n++;
}

/* Records a file as files.put does: chunks (taken) must be stored. */
static char *
test_ledger_file(test_ledger_t *self, const char *path, int64_t size, int mode,
    json_t *chunks, const char *user, const char *node)
{
	size_t n = json_array_size(chunks), i;
	char(*hs)[65] = xcalloc(n + 1, sizeof *hs), id[65];
	json_t *h;

	json_array_foreach(chunks, i, h)
	    snprintf(hs[i], sizeof hs[i], "%s", json_string_value(h));
	assert(xfer_manifest_id(
	           size, BLOB_CHUNK_SIZE, (const char(*)[65])hs, n, id) == 0);
	free(hs);
	json_object_set_new(self->tree, path,
	    json_pack("{s:s, s:I, s:i, s:i, s:o, s:s?, s:s, s:I}", "id", id,
	        "size", (json_int_t)size, "mode", mode, "chunk_size",
	        BLOB_CHUNK_SIZE, "chunks", chunks, "user", user, "node", node,
	        "time_us", (json_int_t)TEST_TIME_US));
	return xstrdup(id);
}

void
test_ledger_put(test_ledger_t *self, const char *path, const void *data,
    size_t len, const char *user, const char *node)
{
	json_t *chunks = json_array();
	char hex[65];

	for (size_t off = 0; off < len; off += BLOB_CHUNK_SIZE) {
		size_t n =
		    len - off < BLOB_CHUNK_SIZE ? len - off : BLOB_CHUNK_SIZE;

		sha256_hex((const char *)data + off, n, hex);
		test_ledger_store(self, hex, (const char *)data + off, n);
		json_array_append_new(chunks, json_string(hex));
	}
	free(test_ledger_file(
	    self, path, (int64_t)len, 0644, chunks, user, node));
}

/* The files.ls row of a path in the tree. */
static json_t *
test_ledger_row(const char *path, json_t *o)
{
	if (o == NULL || json_is_true(json_object_get(o, "dir")))
		return json_pack("{s:s, s:s, s:s}", "name", fpath_base(path),
		    "path", path, "type", "dir");
	return json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O, "
	                 "s:i, s:b}",
	    "name", fpath_base(path), "path", path, "type", "file", "size",
	    json_object_get(o, "size"), "id", json_object_get(o, "id"), "mode",
	    json_object_get(o, "mode"), "user", json_object_get(o, "user"),
	    "node", json_object_get(o, "node"), "time_us",
	    json_object_get(o, "time_us"), "holders", 1, "local", 1);
}

/* files.ls: the children of dir, with the directories the paths under
 * it imply. NULL if there is no such directory. */
static json_t *
test_ledger_ls(test_ledger_t *self, const char *dir)
{
	json_t *entries = json_array(), *seen = json_object(), *o;
	size_t plen = strlen(dir);
	bool found = plen == 0;
	const char *path;

	json_object_foreach(self->tree, path, o)
	{
		const char *rest = path + plen, *slash;
		char *name, *child;

		if (plen > 0 && (strncmp(path, dir, plen) != 0 ||
		                    (path[plen] != '/' && path[plen] != '\0')))
			continue;
		found = true;
		if (*rest == '\0')
			continue;
		if (plen > 0)
			rest++;
		slash = strchr(rest, '/');
		name = slash != NULL ? strndup(rest, (size_t)(slash - rest))
		                     : xstrdup(rest);
		child = fpath_join(dir, name);
		if (json_object_get(seen, name) == NULL) {
			json_object_set_new(seen, name, json_true());
			json_array_append_new(entries,
			    test_ledger_row(child, slash != NULL ? NULL : o));
		}
		free(child);
		free(name);
	}
	json_decref(seen);
	if (!found) {
		json_decref(entries);
		return NULL;
	}
	return json_pack(
	    "{s:s, s:s, s:o}", "path", dir, "type", "dir", "entries", entries);
}

static int
test_ledger_refuse(char **code, char **cause, const char *c, const char *why)
{
	*code = xstrdup(c);
	*cause = xstrdup(why);
	return APP_CALL_FAILED;
}

int
test_ledger_call(void *arg, const char *method, json_t *params,
    const void *data, size_t len, void **data_out, size_t *len_out,
    int timeout_ms, json_t **result, char **code, char **cause)
{
	test_ledger_t *f = arg;
	const char *path = jstr(params, "path"), *hash = jstr(params, "hash");
	json_t *file = path != NULL ? json_object_get(f->tree, path) : NULL;
	int st = APP_CALL_OK;

	(void)timeout_ms;
	*result = NULL;
	if (data_out != NULL)
		*data_out = NULL;
	json_array_append_new(f->calls, json_string(method));
	json_decref(f->last);
	f->last = params != NULL ? json_incref(params) : json_object();
	if (f->down) {
		*cause = xstrdup("no daemon answers at 'test'");
		st = APP_CALL_NO_DAEMON;
	} else if (strcmp(method, "files.ls") == 0) {
		if ((*result = test_ledger_ls(f, path != NULL ? path : "")) ==
		    NULL)
			st = test_ledger_refuse(
			    code, cause, "not_found", "no such directory");
	} else if (strcmp(method, "files.stat") == 0) {
		if (file == NULL || json_object_get(file, "dir") != NULL)
			st = test_ledger_refuse(
			    code, cause, "not_found", "no such file");
		else {
			*result = test_ledger_row(path, file);
			json_object_set_new(*result, "chunks",
			    json_integer((json_int_t)json_array_size(
			        json_object_get(file, "chunks"))));
			json_object_set(*result, "chunks_here",
			    json_object_get(*result, "chunks"));
			json_object_set_new(
			    *result, "holder_names", json_pack("[s]", "alpha"));
			json_object_set_new(*result, "versions",
			    json_pack("[{s:O, s:O, s:O, s:O, s:O, s:s, s:s}]",
			        "id", json_object_get(file, "id"), "size",
			        json_object_get(file, "size"), "user",
			        json_object_get(file, "user"), "node",
			        json_object_get(file, "node"), "time_us",
			        json_object_get(file, "time_us"), "op", "put",
			        "outcome", "applied"));
		}
	} else if (strcmp(method, "files.check") == 0) {
		json_decref(f->check);
		f->check = json_incref(params);
		if (f->quota)
			st = test_ledger_refuse(code, cause, "quota_exceeded",
			    "this node holds 9 MiB of its quota of 10 MiB; "
			    "the file needs 3 MiB more");
		else if (path == NULL || path[0] == '/')
			st = test_ledger_refuse(code, cause, "invalid",
			    "a mesh path is relative to the mesh's root");
		else
			*result = json_pack("{s:s, s:s?, s:i}", "path", path,
			    "exists",
			    file == NULL                           ? NULL
			    : json_object_get(file, "dir") != NULL ? "dir"
			                                           : "file",
			    "free", 1 << 30);
	} else if (strcmp(method, "files.chunk.put") == 0) {
		if (f->quota)
			st = test_ledger_refuse(
			    code, cause, "quota_exceeded", "quota exceeded");
		else if (data == NULL || hash == NULL ||
		         len > BLOB_CHUNK_SIZE || !sha256_is(data, len, hash))
			st = test_ledger_refuse(code, cause, "invalid",
			    "the chunk does not match its hash");
		else {
			test_ledger_store(f, hash, data, len);
			*result =
			    json_pack("{s:s, s:b}", "hash", hash, "stored", 1);
		}
	} else if (strcmp(method, "files.put") == 0) {
		json_t *chunks = json_object_get(params, "chunks"), *h;
		size_t i;

		json_array_foreach(chunks, i, h)
		{
			if (test_ledger_find(f, json_string_value(h)) == NULL)
				st = test_ledger_refuse(code, cause, "invalid",
				    "a chunk is not on this node");
		}
		if (st == APP_CALL_OK) {
			char *id = test_ledger_file(f, path,
			    json_integer_value(json_object_get(params, "size")),
			    (int)json_integer_value(
			        json_object_get(params, "mode")),
			    json_incref(chunks), jstr(params, "user"), "alpha");

			*result = json_pack("{s:s, s:s, s:O, s:s}", "path",
			    path, "id", id, "size",
			    json_object_get(params, "size"), "entry", "e1");
			free(id);
		}
	} else if (strcmp(method, "files.manifest") == 0) {
		if (file == NULL || json_object_get(file, "dir") != NULL)
			st = test_ledger_refuse(code, cause, "not_found",
			    "no file 'x' in the mesh");
		else {
			*result = json_deep_copy(file);
			json_object_set_new(*result, "path", json_string(path));
		}
	} else if (strcmp(method, "files.fetch") == 0)
		*result = json_pack("{s:s?, s:i, s:i}", "id",
		    jstr(params, "id"), "chunks", 0, "missing", 0);
	else if (strcmp(method, "files.chunk.get") == 0) {
		test_chunk_t *c =
		    hash != NULL ? test_ledger_find(f, hash) : NULL;

		if (c == NULL || f->absent > 0) {
			f->absent -= f->absent > 0;
			*result = json_pack("{s:s?, s:b, s:[s]}", "hash", hash,
			    "have", 0, "sources", "bravo");
		} else {
			*result =
			    json_pack("{s:s, s:b}", "hash", hash, "have", 1);
			*data_out = xcalloc(1, c->len + 1);
			memcpy(*data_out, c->data, c->len);
			if (f->corrupt)
				((unsigned char *)*data_out)[0] ^= 1;
			*len_out = c->len;
		}
	} else
		st = test_ledger_refuse(
		    code, cause, "unknown_method", "unknown method");
	json_decref(params);
	return st;
}

bool
test_ledger_called(const test_ledger_t *self, const char *method)
{
	json_t *m;
	size_t i;

	json_array_foreach(self->calls, i, m)
	{
		if (strcmp(json_string_value(m), method) == 0)
			return true;
	}
	return false;
}
