#include "config.h"

#include "api.h"
#include "proto.h"
#include "mesh.h"
#include "voice.h"

static json_t *
api_voice_status_exec(node_t *node, json_t *params, api_error_t *err)
{
	json_t *map, *result;

	(void)params;
	if (node->voice == NULL)
		return api_fail(err, CTL_E_INVALID, "this node has no voice "
						    "relay");
	map = node->mesh != NULL ? mesh_map_json(node->mesh) : NULL;
	result = voice_status(node->voice, map);
	json_decref(map);
	return result;
}

const api_method_t api_voice_status = {
	.name = "voice.status",
	.exec = api_voice_status_exec,
};
