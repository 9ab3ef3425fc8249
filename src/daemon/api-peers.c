#include "config.h"

#include "api.h"
#include "mesh.h"

static json_t *
api_peers_exec(node_t *node, json_t *params, api_error_t *err)
{
	(void)params;
	(void)err;
	return json_pack("{s:o, s:s?}", "peers", mesh_peers_json(node->mesh),
	    "problem", mesh_problem(node->mesh));
}

const api_method_t api_peers = {
	.name = "peers",
	.exec = api_peers_exec,
};
