/* A client of the control API: one request, one reply. */
#ifndef IOE_CTL_CLIENT_H
#define IOE_CTL_CLIENT_H

#include <czmq.h>
#include <jansson.h>

typedef struct ctl_client ctl_client_t;

enum ctl_status {
	CTL_OK,		/* a result came back */
	CTL_FAILED,	/* the daemon answered with an error */
	CTL_NO_DAEMON,	/* no daemon answers at the directory */
};

/* Connects to the daemon of dir. Returns NULL with *cause set if dir has
 * no control socket. Caller owns return value. */
ctl_client_t *ctl_client_new(const char *dir, char **cause);
void ctl_client_destroy(ctl_client_t **self_p);

/* Sends method with params (taken; may be NULL) and waits up to
 * timeout_ms for the reply. On CTL_OK *result holds the result (caller
 * owns it); otherwise *cause says why and *code (if not NULL) gets the
 * error code of a CTL_FAILED reply, which the caller frees. */
enum ctl_status ctl_client_call(ctl_client_t *self, const char *method,
    json_t *params, int timeout_ms, json_t **result, char **code,
    char **cause);

/* The same, with a binary frame after the request's JSON (data, len; none
 * if data is NULL). If data_out is not NULL it gets the reply's binary
 * frame on CTL_OK, or NULL if the reply had none (caller destroys it). */
enum ctl_status ctl_client_call_data(ctl_client_t *self, const char *method,
    json_t *params, const void *data, size_t len, zframe_t **data_out,
    int timeout_ms, json_t **result, char **code, char **cause);

#endif
