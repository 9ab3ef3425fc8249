/* The control API methods: one table, one file per group of methods
 * (api-status.c, api-journal.c, ...), like ioectl's commands. */
#ifndef IOED_API_H
#define IOED_API_H

#include <stdbool.h>
#include <jansson.h>

#include "node.h"

typedef struct api_error {
	const char *code;	/* one of CTL_E_* */
	char *message;		/* owned */
} api_error_t;

typedef struct api_method {
	const char *name;
	/* Returns the result (caller owns it), or NULL with *err set. */
	json_t *(*exec)(node_t *node, json_t *params, api_error_t *err);
	bool writes;		/* appends entries: runs in the group commit */
} api_method_t;

extern const api_method_t api_status;
extern const api_method_t api_journal_add;
extern const api_method_t api_journal_list;
extern const api_method_t api_ledger_heads;
extern const api_method_t api_ledger_show;
extern const api_method_t api_verify;
extern const api_method_t api_peers;
extern const api_method_t api_map;
extern const api_method_t api_pki_init;
extern const api_method_t api_pki_issue;
extern const api_method_t api_pki_request;
extern const api_method_t api_pki_sign;
extern const api_method_t api_pki_install;
extern const api_method_t api_pki_list;
extern const api_method_t api_pki_revoke;
extern const api_method_t api_user_add;
extern const api_method_t api_user_list;
extern const api_method_t api_room_create;
extern const api_method_t api_room_join;
extern const api_method_t api_room_leave;
extern const api_method_t api_room_topic;
extern const api_method_t api_room_set;
extern const api_method_t api_room_list;
extern const api_method_t api_say;
extern const api_method_t api_msg;
extern const api_method_t api_history;
extern const api_method_t api_search;
extern const api_method_t api_alert;
extern const api_method_t api_ack;
extern const api_method_t api_alerts;
extern const api_method_t api_role_assign;
extern const api_method_t api_role_unassign;
extern const api_method_t api_role_deputy;
extern const api_method_t api_role_list;
extern const api_method_t api_export;
extern const api_method_t api_files_check;
extern const api_method_t api_files_chunk_put;
extern const api_method_t api_files_put;
extern const api_method_t api_files_mkdir;
extern const api_method_t api_files_mv;
extern const api_method_t api_files_rm;
extern const api_method_t api_files_ls;
extern const api_method_t api_files_stat;
extern const api_method_t api_files_log;
extern const api_method_t api_files_manifest;
extern const api_method_t api_files_fetch;
extern const api_method_t api_files_chunk_get;
extern const api_method_t api_files_verify;
extern const api_method_t api_voice_status;

/* The result of "verify": the whole log checked. */
json_t *api_verify_ledger(node_t *node, api_error_t *err);

const api_method_t *api_find(const char *name);

/* Sets *err; returns NULL so handlers can `return api_fail(...)`. */
json_t *api_fail(api_error_t *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads an optional string or integer parameter; a present value of the
 * wrong type sets *err. Return 0, or -1. */
int api_param_string(json_t *params, const char *key, const char **value,
    api_error_t *err);
int api_param_int(json_t *params, const char *key, json_int_t *value,
    api_error_t *err);

/* Builds the JSON of an author: "author" (hex) and "name" (or null). */
void api_set_author(json_t *obj, const uint8_t author[32], const char *name);
void api_set_time(json_t *obj, int64_t us);

/* Resolves "self", a node name or a key prefix, here so that every client
 * agrees. Returns 0, or -1 with *err set. */
int api_resolve_author(node_t *node, const char *who, uint8_t author[32],
    api_error_t *err);

#endif
