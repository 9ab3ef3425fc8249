#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "util.h"

static int ready_fd = -1;

int
daemon_make_dir(const char *dir, char **cause)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return fail(cause, "cannot create data directory '%s': %s", dir,
		    strerror(errno));
	if (stat(dir, &st) != 0)
		return fail(cause, "cannot stat '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(cause, "'%s' exists and is not a directory", dir);
	if (st.st_uid != geteuid())
		return fail(cause, "data directory '%s' belongs to another user "
				   "(uid %ld)",
		    dir, (long)st.st_uid);
	if ((st.st_mode & 022) != 0)
		return fail(cause, "data directory '%s' is writable by others "
				   "(mode %04o): chmod go-w it",
		    dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

int
daemon_detach(char **cause)
{
	int fds[2], status;
	char byte;
	pid_t pid;
	ssize_t n;

	if (pipe(fds) != 0)
		return fail(cause, "pipe: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0)
		return fail(cause, "fork: %s", strerror(errno));
	if (pid > 0) {
		close(fds[1]);
		do
			n = read(fds[0], &byte, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(0);
		waitpid(pid, &status, 0);
		_exit(1);
	}
	close(fds[0]);
	ready_fd = fds[1];
	if (setsid() < 0)
		return fail(cause, "setsid: %s", strerror(errno));
	return 0;
}

void
daemon_ready(void)
{
	int null;

	if (ready_fd < 0)
		return;
	/* Nothing is printed on the terminal after this. */
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(ready_fd, "R", 1) != 1) {
		/* The parent is gone; nobody waits. */
	}
	close(ready_fd);
	ready_fd = -1;
}

static long
daemon_read_pid(const char *dir)
{
	char *path = xasprintf("%s/ioed.pid", dir);
	long pid = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) != NULL) {
		if (fscanf(fp, "%ld", &pid) != 1)
			pid = 0;
		fclose(fp);
	}
	free(path);
	return pid;
}

int
daemon_lock(const char *dir, char **cause)
{
	char *path = xasprintf("%s/ioed.lock", dir);
	char *pidpath = xasprintf("%s/ioed.pid", dir);
	char pid[32];
	int fd, pfd = -1, len;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(cause, "cannot open '%s': %s", path, strerror(errno));
		goto done;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		long other = errno == EWOULDBLOCK ? daemon_read_pid(dir) : 0;

		if (errno != EWOULDBLOCK)
			fail(cause, "cannot lock '%s': %s", path,
			    strerror(errno));
		else if (other > 0)
			fail(cause, "another ioed (pid %ld) is running on '%s'",
			    other, dir);
		else
			fail(cause, "another ioed is running on '%s'", dir);
		close(fd);
		fd = -1;
		goto done;
	}
	len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	pfd = open(pidpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (pfd < 0 || write(pfd, pid, (size_t)len) != len) {
		fail(cause, "cannot write '%s': %s", pidpath, strerror(errno));
		close(fd);
		fd = -1;
	}
done:
	if (pfd >= 0)
		close(pfd);
	free(path);
	free(pidpath);
	return fd;
}

void
daemon_unlock(const char *dir, int fd)
{
	char *pidpath = xasprintf("%s/ioed.pid", dir);

	unlink(pidpath);
	free(pidpath);
	if (fd >= 0)
		close(fd);
}
