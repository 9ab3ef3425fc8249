/* The key probe: a CURVE client must know the server's public key before
 * it connects, and a static peer is given as tcp://HOST:PORT alone. Each
 * node therefore answers a one-datagram question on UDP HOST:PORT (the
 * same number as its TCP listener) with its transport public key. The key
 * is public; a forged answer only makes the handshake fail, since the
 * certificate checked on the link must carry the key the link used. */
#ifndef IOE_KEYPROBE_H
#define IOE_KEYPROBE_H

#include <stdbool.h>

typedef struct keyprobe keyprobe_t;

/* Answers questions on UDP at the host and port of the tcp:// endpoint
 * listen ("*" for every address) with key; listen may be NULL (a node
 * that does not listen answers nothing). Questions go out from a socket
 * of their own on an ephemeral port. Returns NULL with *cause set. */
keyprobe_t *keyprobe_new(const char *listen, const char *key, char **cause);
void keyprobe_destroy(keyprobe_t **self_p);
/* The sockets to poll (one, or two with a listen address). */
size_t keyprobe_fds(keyprobe_t *self, int fds[2]);

/* Asks the node at a tcp:// endpoint for its key; *resolved gets the
 * endpoint with the address the answer will come from (tcp://IP:PORT,
 * caller frees). A host name is resolved in the background, never
 * waited for: the call returns 1 with *cause "resolving ..." until the
 * answer is in, then sends. Returns 0 when sent, or -1 with *cause set if
 * the endpoint cannot be parsed or resolved. */
int keyprobe_ask(keyprobe_t *self, const char *endpoint, char **resolved,
    char **cause);

/* Answers the questions waiting, then reads one answer: returns 1 with
 * the endpoint that answered (tcp://IP:PORT, caller frees) and its key
 * (41 bytes), or 0 when there was no answer. */
int keyprobe_read(keyprobe_t *self, char **endpoint, char key[41]);

/* Splits tcp://HOST:PORT. Returns 0, or -1 with *cause. */
int keyprobe_parse(const char *endpoint, char *host, size_t hostlen,
    char *port, size_t portlen, char **cause);

#endif
