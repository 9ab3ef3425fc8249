/* test-tool files-store: the daemon's own side of the file ledger,
 * driven on a stopped node's directory (linked against ioed's objects,
 * src/daemon/libioed.a). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "files.h"
#include "log.h"
#include "node.h"
#include "test-tool.h"
#include "util.h"

int
test_files_store(const char *dir, const char *name, const char *path,
    const char *user, int nlocal, char **locals)
{
	node_t *node = NULL;
	char *cause = NULL, *yaml = xasprintf("%s/ioe.yaml", dir);
	conf_t conf;
	int lock, rc = 1;

	conf_defaults(&conf);
	if (access(yaml, F_OK) == 0 && conf_load(&conf, yaml, &cause) != 0)
		goto done;
	/* ioed refuses to start beside us, and we beside it. */
	if ((lock = daemon_lock(dir, &cause)) < 0)
		goto done;
	if ((node = node_new(dir, name, &conf, &cause)) == NULL ||
	    (node->files = files_new(node, &conf, &cause)) == NULL) {
		daemon_unlock(dir, lock);
		goto done;
	}
	rc = 0;
	for (int i = 0; i < nlocal && rc == 0; i++) {
		size_t len;
		char *data = read_file(locals[i], SIZE_MAX, &len, &cause);

		if (data == NULL ||
		    files_store_bytes(node, path, user, data, len, &cause) != 0)
			rc = 1;
		else
			printf("stored %s (%zu bytes)\n", locals[i], len);
		free(data);
	}
	files_destroy(&node->files);
	node_destroy(&node);
	daemon_unlock(dir, lock);
done:
	if (cause != NULL)
		fprintf(stderr, "test-tool: %s\n", cause);
	free(cause);
	free(yaml);
	conf_free(&conf);
	return rc;
}
