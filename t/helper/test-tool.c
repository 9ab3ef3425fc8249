/* test-tool: low-level helpers for the shell tests, in the spirit of
 * git's t/helper. Not installed.
 *
 *   test-tool zmq-send ENDPOINT [MS]      stdin as one frame (REQ); prints the reply
 *   test-tool zmq-frames ENDPOINT F...    each F a frame (DEALER); prints any reply
 *   test-tool store-flip DB ID OFFSET     flips one byte of a stored entry
 *   test-tool subscribe ENDPOINT N [MS]   prints N events from the event socket
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>
#include <sqlite3.h>

#include "util.h"

static int
wait_reply(zsock_t *sock, int ms)
{
	zpoller_t *poller = zpoller_new(sock, NULL);
	void *which = zpoller_wait(poller, ms);
	zmsg_t *msg;

	zpoller_destroy(&poller);
	if (which == NULL) {
		fprintf(stderr, "test-tool: no reply within %d ms\n", ms);
		return 1;
	}
	msg = zmsg_recv(sock);
	for (zframe_t *f = zmsg_first(msg); f != NULL; f = zmsg_next(msg)) {
		if (zframe_size(f) == 0)
			continue;
		fwrite(zframe_data(f), 1, zframe_size(f), stdout);
		putchar('\n');
	}
	zmsg_destroy(&msg);
	return 0;
}

static int
zmq_send_stdin(const char *endpoint, int ms)
{
	size_t len;
	char *cause = NULL, *data = read_stream(STDIN_FILENO, 64 << 20, &len,
	    &cause);
	zsock_t *sock = zsock_new(ZMQ_REQ);
	zframe_t *frame;
	int rc;

	if (data == NULL) {
		fprintf(stderr, "test-tool: %s\n", cause);
		return 2;
	}
	zsock_set_linger(sock, 0);
	zsock_connect(sock, "%s", endpoint);
	frame = zframe_new(data, len);
	free(data);
	zframe_send(&frame, sock, 0);
	rc = wait_reply(sock, ms);
	zsock_destroy(&sock);
	return rc;
}

static int
zmq_frames(const char *endpoint, int argc, char **argv)
{
	zsock_t *sock = zsock_new(ZMQ_DEALER);
	zmsg_t *msg = zmsg_new();
	int rc;

	zsock_set_linger(sock, 0);
	zsock_connect(sock, "%s", endpoint);
	for (int i = 0; i < argc; i++)
		zmsg_addstr(msg, argv[i]);
	zmsg_send(&msg, sock);
	rc = wait_reply(sock, 2000);
	zsock_destroy(&sock);
	return rc;
}

static int
subscribe(const char *endpoint, int n, int ms)
{
	zsock_t *sock = zsock_new_sub(endpoint, "");
	int rc = 0;

	/* Tell the caller the subscription is in place. */
	fprintf(stderr, "subscribed\n");
	for (int i = 0; i < n && rc == 0; i++) {
		rc = wait_reply(sock, ms);
		fflush(stdout);
	}
	zsock_destroy(&sock);
	return rc;
}

static int
store_flip(const char *path, const char *idhex, long offset)
{
	uint8_t id[32];
	sqlite3 *db;
	sqlite3_stmt *s;
	uint8_t *raw;
	int len, rc = 1;

	if (hex_decode(idhex, id, 32) != 0) {
		fprintf(stderr, "test-tool: bad id '%s'\n", idhex);
		return 2;
	}
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	sqlite3_busy_timeout(db, 5000);
	sqlite3_prepare_v2(db, "SELECT raw FROM entries WHERE id = ?", -1, &s,
	    NULL);
	sqlite3_bind_blob(s, 1, id, 32, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		fprintf(stderr, "test-tool: no entry %s\n", idhex);
		goto done;
	}
	len = sqlite3_column_bytes(s, 0);
	if (offset < 0)
		offset += len;
	if (offset < 0 || offset >= len) {
		fprintf(stderr, "test-tool: offset out of 0..%d\n", len - 1);
		goto done;
	}
	raw = malloc((size_t)len);
	memcpy(raw, sqlite3_column_blob(s, 0), (size_t)len);
	sqlite3_finalize(s);
	raw[offset] ^= 0x01;
	sqlite3_prepare_v2(db, "UPDATE entries SET raw = ? WHERE id = ?", -1,
	    &s, NULL);
	sqlite3_bind_blob(s, 1, raw, len, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 2, id, 32, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : 1;
	free(raw);
done:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "zmq-send") == 0)
		return zmq_send_stdin(argv[2], argc > 3 ? atoi(argv[3]) : 5000);
	if (argc >= 4 && strcmp(argv[1], "zmq-frames") == 0)
		return zmq_frames(argv[2], argc - 3, argv + 3);
	if (argc >= 4 && strcmp(argv[1], "subscribe") == 0)
		return subscribe(argv[2], atoi(argv[3]),
		    argc > 4 ? atoi(argv[4]) : 10000);
	if (argc == 5 && strcmp(argv[1], "store-flip") == 0)
		return store_flip(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: test-tool zmq-send ENDPOINT [MS] | zmq-frames "
			"ENDPOINT FRAME... | subscribe ENDPOINT N [MS] | "
			"store-flip DB ID OFFSET\n");
	return 2;
}
