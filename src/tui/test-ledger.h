/* A fake file ledger for the self-tests of the files view and of the
 * transfers: the files.* methods of doc/files.md over a tree and a chunk
 * store in memory, behind the call function the models use
 * (model-call.h), with switches for what goes wrong. Not part of the
 * client. */
#ifndef IOE_TUI_TEST_LEDGER_H
#define IOE_TUI_TEST_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef struct test_chunk {
	char hash[65];
	unsigned char *data;
	size_t len;
} test_chunk_t;

typedef struct test_ledger {
	test_chunk_t *c; /* the chunk store */
	size_t n;
	json_t *tree;  /* path: {id, size, mode, chunk_size, chunks, user,
	                * node, time_us}, or {dir: true} */
	json_t *calls; /* [method, ...], every call */
	json_t *last;  /* params of the last call */
	json_t *check; /* params of the last files.check */
	int absent;    /* files.chunk.get says have:false so many times */
	bool corrupt;  /* files.chunk.get sends a wrong byte */
	bool quota;    /* files.check and files.chunk.put refuse */
	bool down;     /* no daemon answers */
} test_ledger_t;

/* Caller owns return value. */
test_ledger_t *test_ledger_new(void);
void test_ledger_destroy(test_ledger_t **self_p);

/* An app_call_fn (arg: the ledger) for the files.* methods; any other
 * method is unknown_method. */
int test_ledger_call(void *arg, const char *method, json_t *params,
    const void *data, size_t len, void **data_out, size_t *len_out,
    int timeout_ms, json_t **result, char **code, char **cause);
/* True if method was called. */
bool test_ledger_called(const test_ledger_t *self, const char *method);
/* Puts len bytes at path, as user@node would with files.put. */
void test_ledger_put(test_ledger_t *self, const char *path, const void *data,
    size_t len, const char *user, const char *node);

#endif
