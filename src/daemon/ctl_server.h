/* The control API server: requests on ipc://DIR/ctl, events on
 * ipc://DIR/events. Writes of one batch of requests share one commit
 * (group commit): each is durable before its reply, at the cost of one
 * sync for the batch. */
#ifndef IOED_CTL_SERVER_H
#define IOED_CTL_SERVER_H

#include <czmq.h>

#include "node.h"

typedef struct ctl_server ctl_server_t;

/* Binds both sockets in node->dir. Returns NULL with *cause set. Caller
 * owns return value. */
ctl_server_t *ctl_server_new(node_t *node, char **cause);
void ctl_server_destroy(ctl_server_t **self_p);
/* Binds a socket of type on ipc://DIR/NAME, mode 0600, replacing a
 * socket file left by a killed daemon; *path gets the file's path
 * (caller frees). Returns NULL with *cause set. */
zsock_t *ctl_bind(int type, const char *dir, const char *name, char **path,
    char **cause);
/* The socket to poll for requests. */
zsock_t *ctl_server_socket(ctl_server_t *self);
/* Answers every request waiting (up to a bounded batch). */
void ctl_server_handle(ctl_server_t *self);


#endif
