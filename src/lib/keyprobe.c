#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
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

struct keyprobe {
	int fd;
	char key[41];
};

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

keyprobe_t *
keyprobe_new(const char *listen, const char *key, char **cause)
{
	keyprobe_t *self = xcalloc(1, sizeof *self);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char host[256], port[16];

	snprintf(self->key, sizeof self->key, "%s", key);
	self->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (self->fd < 0) {
		fail(cause, "cannot create a UDP socket: %s", strerror(errno));
		goto bad;
	}
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
	}
	if (bind(self->fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		fail(cause, "cannot bind UDP '%s': %s",
		    listen != NULL ? listen : "(any)", strerror(errno));
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
		if ((*self_p)->fd >= 0)
			close((*self_p)->fd);
		free(*self_p);
		*self_p = NULL;
	}
}

int
keyprobe_fd(keyprobe_t *self)
{
	return self->fd;
}

int
keyprobe_ask(keyprobe_t *self, const char *endpoint, char **resolved,
    char **cause)
{
	struct addrinfo hints = { .ai_family = AF_INET,
		.ai_socktype = SOCK_DGRAM }, *ai;
	char host[256], port[16], ip[INET_ADDRSTRLEN];
	int rc;

	if (keyprobe_parse(endpoint, host, sizeof host, port, sizeof port,
		cause) != 0)
		return -1;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return fail(cause, "cannot resolve '%s': %s", host,
		    gai_strerror(rc));
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip,
	    sizeof ip);
	*resolved = xasprintf("tcp://%s:%s", ip, port);
	if (sendto(self->fd, KEYPROBE_ASK, strlen(KEYPROBE_ASK), 0,
		ai->ai_addr, ai->ai_addrlen) < 0)
		log_debug("sendto '%s': %s", endpoint, strerror(errno));
	freeaddrinfo(ai);
	return 0;
}

int
keyprobe_read(keyprobe_t *self, char **endpoint, char key[41])
{
	struct sockaddr_in from;
	socklen_t fromlen = sizeof from;
	char buf[128], ip[INET_ADDRSTRLEN];
	size_t prefix = strlen(KEYPROBE_ANSWER);
	ssize_t n;

	n = recvfrom(self->fd, buf, sizeof buf - 1, 0,
	    (struct sockaddr *)&from, &fromlen);
	if (n < 0 || from.sin_family != AF_INET)
		return 0;
	buf[n] = '\0';
	if ((size_t)n == strlen(KEYPROBE_ASK) &&
	    memcmp(buf, KEYPROBE_ASK, (size_t)n) == 0) {
		char answer[64];
		int len = snprintf(answer, sizeof answer, "%s%s",
		    KEYPROBE_ANSWER, self->key);

		if (self->key[0] != '\0')
			sendto(self->fd, answer, (size_t)len, 0,
			    (struct sockaddr *)&from, fromlen);
		return 0;
	}
	if ((size_t)n != prefix + 40 || memcmp(buf, KEYPROBE_ANSWER, prefix) != 0)
		return 0;
	memcpy(key, buf + prefix, 40);
	key[40] = '\0';
	inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
	*endpoint = xasprintf("tcp://%s:%u", ip, ntohs(from.sin_port));
	return 1;
}
