/* ioe.yaml: the node's configuration, see ioe.yaml(5). */
#ifndef IOE_CONF_H
#define IOE_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "store.h"

typedef struct conf {
	char *name;			/* node name; NULL: the host name */
	enum log_level log_level;	/* log.level */
	char *log_file;			/* log.file; NULL: DIR/ioed.log */
	enum store_sync store_sync;	/* store.sync */
	int64_t journal_max_bytes;	/* journal.max_bytes */
	int64_t chat_max_bytes;		/* chat.max_bytes */
	char *listen;			/* listen: tcp://HOST:PORT or NULL */
	char **peers;			/* peers: tcp://HOST:PORT ... */
	size_t npeers;
	bool beacon_enabled;		/* beacon.enabled */
	int beacon_port;		/* beacon.port (UDP) */
	char *beacon_interface;		/* beacon.interface; NULL: any */
	uint64_t files_quota;		/* files.quota, bytes; 0: none */
	unsigned files_replicas;	/* files.replicas; 0: every node */
	unsigned voice_hops;		/* voice.hops: a frame's hop limit */
} conf_t;

#define CONF_BEACON_PORT_DEFAULT 7199
#define CONF_VOICE_HOPS_DEFAULT 8

/* Adds a peer endpoint (checked as tcp://HOST:PORT). Returns 0, or -1
 * with *cause set. */
int conf_add_peer(conf_t *self, const char *endpoint, char **cause);
/* Checks a tcp://HOST:PORT endpoint. */
int conf_check_endpoint(const char *endpoint, const char *what, char **cause);

#define CONF_JOURNAL_MAX_BYTES_DEFAULT 16384

/* The embedded defaults. */
void conf_defaults(conf_t *self);
/* Reads path over the current values. An unknown key, a wrong type, a bad
 * value, a duplicate key or a syntax error is refused: returns -1 with
 * *cause "FILE:LINE: reason", and self keeps its values. */
int conf_load(conf_t *self, const char *path, char **cause);
void conf_free(conf_t *self);

void conf_test(bool verbose);

#endif
