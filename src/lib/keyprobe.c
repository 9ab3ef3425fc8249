#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "keyprobe.h"
#include "log.h"
#include "util.h"

#define KEYPROBE_ASK "IOE1 KEY?"
#define KEYPROBE_ANSWER "IOE1 KEY "

/* A name being resolved in the background: DNS may be slow or dead in a
 * crisis, and the node's loop must never wait for it. */
typedef struct keyprobe_lookup {
	char *endpoint;
	struct gaicb cb;
	struct addrinfo hints;
	char host[256], port[16];
	struct keyprobe_lookup *next;
} keyprobe_lookup_t;

struct keyprobe {
	int fd;			/* on the listen address: answers; or -1 */
	int ask_fd;		/* any address, a port of its own: asks */
	char key[41];
	keyprobe_lookup_t *lookups;
};

static void keyprobe_lookup_free(keyprobe_lookup_t *l);

int
keyprobe_parse(const char *endpoint, char *host, size_t hostlen, char *port,
    size_t portlen, char **cause)
{
	const char *p, *colon;

	if (strncmp(endpoint, "tcp://", 6) != 0)
		return fail(cause, "endpoint '%s' is not tcp://HOST:PORT",
		    endpoint);
	p = endpoint + 6;
	colon = strrchr(p, ':');
	if (colon == NULL || colon == p || colon[1] == '\0' ||
	    (size_t)(colon - p) >= hostlen || strlen(colon + 1) >= portlen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return fail(cause, "endpoint '%s' is not tcp://HOST:PORT",
		    endpoint);
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	strcpy(port, colon + 1);
	/* [::1] style */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	return 0;
}

/* A UDP socket bound to sin, non-blocking. Returns it, or -1. */
static int
keyprobe_socket(const struct sockaddr_in *sin, const char *what, char **cause)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fail(cause, "cannot create a UDP socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)sin, sizeof *sin) != 0) {
		fail(cause, "cannot bind UDP '%s': %s", what, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

keyprobe_t *
keyprobe_new(const char *listen, const char *key, char **cause)
{
	keyprobe_t *self = xcalloc(1, sizeof *self);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char host[256], port[16];

	snprintf(self->key, sizeof self->key, "%s", key);
	self->fd = -1;
	/* Questions go out from a socket of their own, so that the kernel
	 * picks the source address by the route to the peer, and it never
	 * answers: a node answers only where it listens. */
	if ((self->ask_fd = keyprobe_socket(&sin, "(questions)", cause)) < 0)
		goto bad;
	if (listen != NULL) {
		if (keyprobe_parse(listen, host, sizeof host, port, sizeof port,
			cause) != 0)
			goto bad;
		sin.sin_port = htons((uint16_t)atoi(port));
		if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
			sin.sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
			fail(cause, "listen address '%s' must be an IPv4 "
				    "address or *",
			    host);
			goto bad;
		}
		if ((self->fd = keyprobe_socket(&sin, listen, cause)) < 0)
			goto bad;
	}
	return self;
bad:
	keyprobe_destroy(&self);
	return NULL;
}

void
keyprobe_destroy(keyprobe_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		keyprobe_t *self = *self_p;
		keyprobe_lookup_t *l;

		while ((l = self->lookups) != NULL) {
			const struct gaicb *list[1] = { &l->cb };
			struct timespec wait = { 1, 0 };

			/* A lookup still running writes into l: wait for it
			 * (bounded) before freeing; if it will not end, leak
			 * it rather than let it write into freed memory. */
			self->lookups = l->next;
			if (gai_cancel(&l->cb) == EAI_NOTCANCELED &&
			    (gai_suspend(list, 1, &wait) != 0 ||
				gai_error(&l->cb) == EAI_INPROGRESS))
				continue;
			keyprobe_lookup_free(l);
		}
		if (self->fd >= 0)
			close(self->fd);
		if (self->ask_fd >= 0)
			close(self->ask_fd);
		free(self);
		*self_p = NULL;
	}
}

size_t
keyprobe_fds(keyprobe_t *self, int fds[2])
{
	size_t n = 0;

	fds[n++] = self->ask_fd;
	if (self->fd >= 0)
		fds[n++] = self->fd;
	return n;
}

static void
keyprobe_send(keyprobe_t *self, const struct sockaddr_in *to,
    const char *endpoint, const char *port, char **resolved)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &to->sin_addr, ip, sizeof ip);
	*resolved = xasprintf("tcp://%s:%s", ip, port);
	if (sendto(self->ask_fd, KEYPROBE_ASK, strlen(KEYPROBE_ASK), 0,
		(const struct sockaddr *)to, sizeof *to) < 0)
		log_debug("sendto '%s': %s", endpoint, strerror(errno));
}

static void
keyprobe_lookup_free(keyprobe_lookup_t *l)
{
	if (l->cb.ar_result != NULL)
		freeaddrinfo(l->cb.ar_result);
	free(l->endpoint);
	free(l);
}

int
keyprobe_ask(keyprobe_t *self, const char *endpoint, char **resolved,
    char **cause)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	keyprobe_lookup_t **pp, *l;
	char host[256], port[16];
	int rc;

	*resolved = NULL;
	if (keyprobe_parse(endpoint, host, sizeof host, port, sizeof port,
		cause) != 0)
		return -1;
	to.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &to.sin_addr) == 1) {
		keyprobe_send(self, &to, endpoint, port, resolved);
		return 0;
	}
	for (pp = &self->lookups; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->endpoint, endpoint) == 0)
			break;
	}
	if ((l = *pp) == NULL) {
		struct gaicb *list[1];

		l = xcalloc(1, sizeof *l);
		l->endpoint = xstrdup(endpoint);
		snprintf(l->host, sizeof l->host, "%s", host);
		snprintf(l->port, sizeof l->port, "%s", port);
		l->hints.ai_family = AF_INET;
		l->hints.ai_socktype = SOCK_DGRAM;
		l->cb.ar_name = l->host;
		l->cb.ar_service = l->port;
		l->cb.ar_request = &l->hints;
		list[0] = &l->cb;
		if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
			keyprobe_lookup_free(l);
			return fail(cause, "cannot resolve '%s': %s", host,
			    gai_strerror(rc));
		}
		l->next = self->lookups;
		self->lookups = l;
		fail(cause, "resolving '%s'", host);
		return 1;
	}
	rc = gai_error(&l->cb);
	if (rc == EAI_INPROGRESS) {
		fail(cause, "resolving '%s'", host);
		return 1;
	}
	/* Done: the answer is used once; the next probe asks again, so a
	 * name that moves is followed. */
	*pp = l->next;
	if (rc != 0) {
		keyprobe_lookup_free(l);
		return fail(cause, "cannot resolve '%s': %s", host,
		    gai_strerror(rc));
	}
	memcpy(&to, l->cb.ar_result->ai_addr, sizeof to);
	keyprobe_send(self, &to, endpoint, port, resolved);
	keyprobe_lookup_free(l);
	return 0;
}

/* Answers every question waiting on the listening socket. */
static void
keyprobe_answer(keyprobe_t *self)
{
	struct sockaddr_in from;
	char buf[128], answer[64];
	int len = snprintf(answer, sizeof answer, "%s%s", KEYPROBE_ANSWER,
	    self->key);

	for (int i = 0; i < 64; i++) {
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(self->fd, buf, sizeof buf, 0,
		    (struct sockaddr *)&from, &fromlen);

		if (n < 0)
			return;
		if ((size_t)n == strlen(KEYPROBE_ASK) &&
		    memcmp(buf, KEYPROBE_ASK, (size_t)n) == 0 &&
		    self->key[0] != '\0')
			sendto(self->fd, answer, (size_t)len, 0,
			    (struct sockaddr *)&from, fromlen);
	}
}

int
keyprobe_read(keyprobe_t *self, char **endpoint, char key[41])
{
	struct sockaddr_in from;
	socklen_t fromlen = sizeof from;
	char buf[128], ip[INET_ADDRSTRLEN];
	size_t prefix = strlen(KEYPROBE_ANSWER);
	ssize_t n;

	if (self->fd >= 0)
		keyprobe_answer(self);
	n = recvfrom(self->ask_fd, buf, sizeof buf - 1, 0,
	    (struct sockaddr *)&from, &fromlen);
	if (n < 0 || from.sin_family != AF_INET)
		return 0;
	if ((size_t)n != prefix + 40 || memcmp(buf, KEYPROBE_ANSWER, prefix) != 0)
		return 0;
	memcpy(key, buf + prefix, 40);
	key[40] = '\0';
	inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
	*endpoint = xasprintf("tcp://%s:%u", ip, ntohs(from.sin_port));
	return 1;
}
