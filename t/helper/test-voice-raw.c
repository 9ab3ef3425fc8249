/* test-tool voice-raw: a bare client of the voice socket (doc/voice.md),
 * for the tests of the relay itself: floor races, frames counted per
 * talker, hostile clients. The real clients are ioectl ptt and listen. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "datadir.h"
#include "opus-codec.h"
#include "proto.h"
#include "test-tool.h"
#include "util.h"
#include "wire.h"

static zsock_t *
raw_connect(const char *dir)
{
	char *cause = NULL, *endpoint = datadir_endpoint(dir, "voice", &cause);
	zsock_t *sock;

	if (endpoint == NULL) {
		fprintf(stderr, "test-tool: %s\n", cause);
		exit(1);
	}
	sock = zsock_new_dealer(endpoint);
	zsock_set_rcvtimeo(sock, 3000);
	free(endpoint);
	zstr_sendx(sock, "HELLO", VOICE_SOCKET_VERSION, NULL);
	return sock;
}

/* Prints a message from the daemon as one line; FRAMEs are counted. */
static const char *
raw_print(zmsg_t *msg, zhashx_t *counts)
{
	static char cmd[32];
	char *c = zmsg_popstr(msg);

	snprintf(cmd, sizeof cmd, "%s", c != NULL ? c : "");
	free(c);
	if (strcmp(cmd, "FRAME") == 0) {
		char *room = zmsg_popstr(msg), *who = zmsg_popstr(msg);
		uintptr_t n = (uintptr_t)zhashx_lookup(counts, who);

		zhashx_update(counts, who, (void *)(n + 1));
		free(room);
		free(who);
		return cmd;
	}
	/* Which field is a stream id (a u32), by command. */
	int num = strcmp(cmd, "GRANTED") == 0 || strcmp(cmd, "PREEMPTED") == 0
	    ? 1
	    : strcmp(cmd, "FLOOR") == 0 ? 2
					: -1;
	int i = 0;

	printf("%s", cmd);
	for (zframe_t *f = zmsg_first(msg); f != NULL;
	     f = zmsg_next(msg), i++) {
		if (i == num && zframe_size(f) == 4) {
			printf(" %u", (unsigned)be32_get(zframe_data(f)));
		} else
			printf(" %.*s", (int)zframe_size(f),
			    (const char *)zframe_data(f));
	}
	printf("\n");
	fflush(stdout);
	return cmd;
}

static zmsg_t *
raw_expect(zsock_t *sock, zhashx_t *counts)
{
	zmsg_t *msg;

	while ((msg = zmsg_recv(sock)) != NULL) {
		zframe_t *f = zmsg_first(msg);

		if (!zframe_streq(f, "FRAME") && !zframe_streq(f, "FLOOR"))
			return msg;
		zmsg_t *copy = zmsg_dup(msg);

		raw_print(copy, counts);
		zmsg_destroy(&copy);
		zmsg_destroy(&msg);
	}
	fprintf(stderr, "test-tool: no answer from the voice socket\n");
	exit(1);
}

int
test_voice_raw(const char *dir, const char *room, const char *user,
    const char *mode, const char *prio, double seconds)
{
	zsock_t *sock = raw_connect(dir);
	zhashx_t *counts = zhashx_new();
	bool listen = strcmp(mode, "listen") == 0, talking = false;
	opus_codec_enc_t *enc = NULL;
	uint8_t stream[4] = { 0 }, packet[OPUS_CODEC_PACKET_MAX];
	int16_t pcm[320];
	uint32_t seq = 0;
	int64_t start, next;
	int rc = 0;
	zmsg_t *msg;
	char *cause = NULL;

	msg = raw_expect(sock, counts);
	if (strcmp(raw_print(msg, counts), "WELCOME") != 0)
		return 1;
	zmsg_destroy(&msg);
	if (listen)
		zstr_sendx(sock, "LISTEN", room, user, NULL);
	else
		zstr_sendx(sock, "TALK", room, user, mode, prio, NULL);
	msg = raw_expect(sock, counts);
	{
		zmsg_t *copy = zmsg_dup(msg);
		const char *cmd = raw_print(copy, counts);

		zmsg_destroy(&copy);
		if (strcmp(cmd, "GRANTED") == 0) {
			zframe_t *f = zmsg_last(msg);

			memcpy(stream, zframe_data(f), 4);
			talking = true;
		} else if (strcmp(cmd, "OK") != 0) {
			zmsg_destroy(&msg);
			zsock_destroy(&sock);
			zhashx_destroy(&counts);
			return 1;
		}
	}
	zmsg_destroy(&msg);
	if (talking && (enc = opus_codec_enc_new(16000, 0, 10, &cause)) ==
	    NULL) {
		fprintf(stderr, "test-tool: %s\n", cause);
		return 1;
	}
	start = next = time_mono_us();
	while (time_mono_us() - start < (int64_t)(seconds * 1e6)) {
		int64_t now = time_mono_us();

		if (talking && now >= next) {
			int len;

			for (int i = 0; i < 320; i++)
				pcm[i] = (int16_t)(8000 *
				    sin(2 * M_PI * 440 * (seq * 320 + i) / 16000.0));
			len = opus_codec_encode(enc, pcm, packet, sizeof packet,
			    &cause);
			zmsg_t *f = zmsg_new();

			zmsg_addstr(f, "FRAME");
			zmsg_addmem(f, stream, 4);
			wire_add_u32(f, seq);
			wire_add_u64(f, (uint64_t)time_now_us());
			zmsg_addmem(f, packet, (size_t)len);
			zmsg_send(&f, sock);
			seq++;
			next += 20000;
			if (seq % 50 == 0)
				zstr_send(sock, "PING");
		} else if (!talking && now >= next) {
			zstr_send(sock, "PING");
			next += 1000000;
		}
		zmq_pollitem_t item = { zsock_resolve(sock), 0, ZMQ_POLLIN, 0 };
		long wait = (long)((next - time_mono_us()) / 1000);

		if (zmq_poll(&item, 1, wait > 0 ? wait : 0) > 0) {
			msg = zmsg_recv(sock);
			if (msg == NULL)
				break;
			const char *cmd = raw_print(msg, counts);

			zmsg_destroy(&msg);
			if (strcmp(cmd, "PREEMPTED") == 0) {
				talking = false;
				rc = 3;
			}
		}
	}
	if (talking) {
		zmsg_t *stop = zmsg_new();

		zmsg_addstr(stop, "STOP");
		zmsg_addmem(stop, stream, 4);
		zmsg_send(&stop, sock);
		msg = raw_expect(sock, counts);
		raw_print(msg, counts);
		zmsg_destroy(&msg);
		printf("SENT %u\n", seq);
	}
	if (listen) {
		/* Said, so that the mesh stops sending at once rather than
		 * when the daemon finds us silent. */
		zstr_sendx(sock, "UNLISTEN", room, NULL);
		msg = raw_expect(sock, counts);
		zmsg_destroy(&msg);
	}
	for (void *n = zhashx_first(counts); n != NULL;
	     n = zhashx_next(counts))
		printf("HEARD %s %lu\n", (const char *)zhashx_cursor(counts),
		    (unsigned long)(uintptr_t)n);
	opus_codec_enc_destroy(&enc);
	zhashx_destroy(&counts);
	zsock_destroy(&sock);
	return rc;
}
