/* Process matters of the daemon: one per data directory, detaching with
 * a readiness report to the parent, the pid file. */
#ifndef IOED_DAEMON_H
#define IOED_DAEMON_H

#include <stdbool.h>

/* Creates dir (mode 0700) if it does not exist. Returns 0, or -1 with
 * *cause set. */
int daemon_make_dir(const char *dir, char **cause);

/* Forks; the parent waits until the child calls daemon_ready and exits 0,
 * or exits 1 if the child dies first (the child has printed why). Only
 * the child returns. Returns 0, or -1 with *cause if fork failed. */
int daemon_detach(char **cause);
/* Tells the waiting parent the daemon is ready and lets it go. */
void daemon_ready(void);

/* Takes the lock of dir and writes the pid file. Returns the lock's file
 * descriptor, or -1 with *cause naming the daemon that holds it. */
int daemon_lock(const char *dir, char **cause);
/* Removes the pid file and releases the lock. */
void daemon_unlock(const char *dir, int fd);

#endif
