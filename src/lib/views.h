/* The views derived from the log: each entry kind updates its tables.
 * Applying the log in its total order to empty views gives the same
 * tables on every node. */
#ifndef IOE_VIEWS_H
#define IOE_VIEWS_H

#include <jansson.h>
#include <sqlite3.h>

#include "entry.h"
#include "store.h"

/* Applies one stored entry. A body its kind cannot use is skipped (the
 * entry stays in the log, signed evidence of what its author sent).
 * Returns 0, or -1 with *cause set on a store failure. */
int views_apply(store_t *store, const entry_t *entry, char **cause);
/* Empties every view. Returns 0 or -1 with *cause set. */
int views_clear(store_t *store, char **cause);

/* For the views' code: binds and runs one statement, the parameters in
 * fmt ('s' text, 'b' 32-byte blob, 'I' int64, 'n' null: its argument is
 * passed and ignored). Returns 0, or -1 with *cause set. */
int views_run(sqlite3 *db, char **cause, const char *sql, const char *fmt,
    ...);
/* The body as a JSON object, or NULL (logged) if it is not one. */
json_t *views_body(const entry_t *e);

#endif
