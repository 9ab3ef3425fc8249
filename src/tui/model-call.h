/* How the models reach the daemon: one function, so that the self-tests
 * can put a fake daemon in its place and drive the whole client
 * headless (WeeChat's habit). */
#ifndef IOE_TUI_MODEL_CALL_H
#define IOE_TUI_MODEL_CALL_H

#include <stddef.h>

#include <jansson.h>

enum app_call_status {
	APP_CALL_OK,        /* *result holds the result */
	APP_CALL_FAILED,    /* the daemon refused: *code and *cause say why */
	APP_CALL_NO_DAEMON, /* nobody answered: *cause says why */
};

/* Calls method with params (taken, may be NULL) and, if data is not
 * NULL, len bytes in a binary frame after them (doc/files.md), waiting
 * at most timeout_ms. Sets *result (caller owns) or *cause and *code
 * (caller frees; *code may stay NULL). If data_out is not NULL it gets
 * the reply's binary frame (caller frees; NULL if none) and *len_out its
 * length. Returns an enum app_call_status. */
typedef int (*app_call_fn)(void *arg, const char *method, json_t *params,
    const void *data, size_t len, void **data_out, size_t *len_out,
    int timeout_ms, json_t **result, char **code, char **cause);

#endif
