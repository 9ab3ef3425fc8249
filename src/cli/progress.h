/* A progress bar on standard error for long transfers (files put, files
 * get): bytes done of the total, the rate and the time left, redrawn at
 * most ten times a second on one line that is cleared at the end. */
#ifndef IOECTL_PROGRESS_H
#define IOECTL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct progress progress_t;

/* A bar for a transfer of total bytes named label (text from the mesh is
 * fine: it is escaped). When show is false, or standard error is not a
 * terminal, the bar draws nothing: callers need not check. Caller owns
 * return value. */
progress_t *progress_new(const char *label, uint64_t total, bool show);
/* done bytes of the total are transferred. Draws only if the last draw
 * is 100 ms old or more (or there was none), so it may be called often. */
void progress_update(progress_t *self, uint64_t done);
/* Clears the line of the bar being shown, if any, so that a message can
 * be printed on a line of its own; the next update draws the bar again.
 * cmd_error calls it: a message for the user wins over the bar. */
void progress_interrupt(void);
/* Clears the line, so that what follows starts on a clean one. */
void progress_destroy(progress_t **self_p);

#endif
