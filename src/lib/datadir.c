#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "datadir.h"
#include "util.h"

char *
datadir_resolve(const char *flag)
{
	const char *dir = flag, *home;
	char resolved[PATH_MAX];
	char *path;

	if (dir == NULL || *dir == '\0')
		dir = getenv("IOE_DIR");
	if (dir != NULL && *dir != '\0')
		path = xstrdup(dir);
	else {
		home = getenv("HOME");
		path = xasprintf("%s/.ioe", home != NULL && *home != '\0'
			? home : ".");
	}
	if (realpath(path, resolved) != NULL) {
		free(path);
		path = xstrdup(resolved);
	}
	return path;
}

char *
datadir_endpoint(const char *dir, const char *name, char **cause)
{
	struct sockaddr_un sun;
	size_t len = strlen(dir) + 1 + strlen(name);

	if (len >= sizeof sun.sun_path) {
		fail(cause, "the socket path '%s/%s' is %zu bytes, over the "
			    "%zu a Unix socket allows: use a shorter "
			    "data directory",
		    dir, name, len, sizeof sun.sun_path - 1);
		return NULL;
	}
	return xasprintf("ipc://%s/%s", dir, name);
}
