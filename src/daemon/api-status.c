#include "config.h"

#include <unistd.h>

#include "api.h"
#include "files.h"
#include "mesh.h"
#include "proto.h"
#include "util.h"

static json_t *
api_status_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *problem = node->mesh != NULL ? mesh_problem(node->mesh)
						 : "not started";
	json_t *r;

	(void)params;
	(void)err;
	r = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, "
		      "s:s, s:I, s:I, s:I, s:s?, s:s?}",
	    "name", node->name, "fingerprint", node->identity->fingerprint,
	    "key", node->identity->key_hex, "version", PACKAGE_VERSION,
	    "protocol", IOE_PROTOCOL_VERSION, "uptime",
	    (json_int_t)((time_mono_us() - node->started_us) / 1000000),
	    "entries", (json_int_t)store_count(node->store), "store_bytes",
	    (json_int_t)store_size_bytes(node->store), "peers",
	    (json_int_t)(node->mesh != NULL ? mesh_peer_count(node->mesh) : 0),
	    "dir", node->dir, "pid", (json_int_t)getpid(), "seq",
	    (json_int_t)node->seq, "forks",
	    (json_int_t)store_fork_count(node->store), "mesh_problem", problem,
	    "beacon_problem",
	    node->mesh != NULL ? mesh_beacon_problem(node->mesh) : NULL);
	if (node->files != NULL)
		json_object_set_new(r, "files", files_status(node->files));
	return r;
}

const api_method_t api_status = {
	.name = "status",
	.exec = api_status_exec,
};
