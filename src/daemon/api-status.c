#include "config.h"

#include <unistd.h>

#include "api.h"
#include "proto.h"
#include "util.h"

static json_t *
api_status_exec(node_t *node, json_t *params, api_error_t *err)
{
	(void)params;
	(void)err;
	/* peers stays 0 until the node has mesh links to count. */
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:i, "
			 "s:s, s:I, s:I}",
	    "name", node->name, "fingerprint", node->identity->fingerprint,
	    "key", node->identity->key_hex, "version", PACKAGE_VERSION,
	    "protocol", IOE_PROTOCOL_VERSION, "uptime",
	    (json_int_t)((time_mono_us() - node->started_us) / 1000000),
	    "entries", (json_int_t)store_count(node->store), "store_bytes",
	    (json_int_t)store_size_bytes(node->store), "peers", 0, "dir",
	    node->dir, "pid", (json_int_t)getpid(), "seq",
	    (json_int_t)node->seq);
}

const api_method_t api_status = {
	.name = "status",
	.exec = api_status_exec,
};
