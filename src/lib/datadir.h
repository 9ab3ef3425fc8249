/* The data directory every program agrees on: -d, $IOE_DIR, ~/.ioe. */
#ifndef IOE_DATADIR_H
#define IOE_DATADIR_H

/* The directory named by flag (may be NULL), made absolute when it
 * exists. Caller frees. */
char *datadir_resolve(const char *flag);
/* "ipc://DIR/NAME", or NULL with *cause set if the path is too long for
 * a Unix socket. Caller frees. */
char *datadir_endpoint(const char *dir, const char *name, char **cause);

#endif
