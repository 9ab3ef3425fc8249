/* Mesh paths of the file ledger: relative, '/'-separated, checked the
 * same way for a client's request and for an entry from the mesh. */
#ifndef IOE_FPATH_H
#define IOE_FPATH_H

#include <stdbool.h>
#include <stddef.h>

#define FPATH_MAX 1024
#define FPATH_COMPONENT_MAX 255

/* Returns 0 if path is a valid mesh path (the empty path, the root, is
 * valid only if root_ok), else -1 with *cause naming the rule broken. */
int fpath_check(const char *path, bool root_ok, char **cause);
/* The last component of a valid path (points into path). */
const char *fpath_base(const char *path);
/* The parent of a valid path ("" for a top-level name). Caller frees. */
char *fpath_parent(const char *path);
/* parent + "/" + name, or name if parent is the root. Caller frees. */
char *fpath_join(const char *parent, const char *name);
/* Whether path is below dir (dir itself is not); the root holds all. */
bool fpath_is_below(const char *path, const char *dir);
/* The n-th name for a conflict copy of path (n from 1):
 * "STEM (conflict from USER on NODE).EXT", then " 2" before the ")".
 * Caller frees. */
char *fpath_conflict(const char *path, const char *user, const char *node,
    unsigned n);
/* The n-th free name for path (n from 1): path itself, then
 * "STEM 2.EXT", "STEM 3.EXT"... Caller frees. */
char *fpath_numbered(const char *path, unsigned n);

void fpath_test(bool verbose);

#endif
