#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "proto.h"

static int
cmd_version_exec(struct ioectl_ctx *ctx, struct args *args)
{
	(void)args;
	if (ctx->json) {
		json_t *obj = json_pack("{s:s, s:i}", "version",
		    PACKAGE_VERSION, "protocol", IOE_PROTOCOL_VERSION);

		cmd_print_json(obj);
		json_decref(obj);
	} else
		printf("ioectl %s (protocol %d)\n", PACKAGE_VERSION,
		    IOE_PROTOCOL_VERSION);
	return EXIT_OK;
}

const struct ioectl_cmd cmd_version_entry = {
	.name = "version",
	.usage = "version",
	.summary = "show the version of ioectl",
	.max_args = 0,
	.exec = cmd_version_exec,
};
