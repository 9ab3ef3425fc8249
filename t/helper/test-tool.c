/* test-tool: low-level helpers for the shell tests, in the spirit of
 * git's t/helper. Not installed.
 *
 *   test-tool zmq-send ENDPOINT [MS]      stdin as one frame (REQ); prints the reply
 *   test-tool zmq-frames ENDPOINT F...    each F a frame (DEALER); prints any reply
 *   test-tool store-flip DB ID OFFSET     flips one byte of a stored entry
 *   test-tool subscribe ENDPOINT N [MS]   prints N events from the event socket
 *   test-tool mesh-peer DIR ENDPOINT ACTION...
 *       links to a node as the node whose stopped data directory is DIR
 *       (its keys and certificate) and misbehaves; ACTION is one of
 *       good TEXT, badsig TEXT, fork TEXT, truncated, garbage, ping,
 *       or entry KIND BODY (a properly signed entry of any kind, BODY its
 *       bytes as given: a file.put with a hostile path, say), or
 *       voice ROOM N (N voice frames and floor presses of N made-up
 *       talkers, then malformed ones).
 *       Prints one line per step; exit 0 if every step could be sent.
 *   test-tool pki-issue-at CADIR NAME OUTDIR FROM UNTIL
 *       a bundle like 'ioectl pki issue' makes, but valid from FROM until
 *       UNTIL (Unix seconds, or +N/-N seconds from now), to test expired
 *       and not yet valid certificates
 *   test-tool audio-play FILE.wav [DEVICE]
 *       plays the file through PortAudio (the default device)
 *   test-tool audio-capture OUT.wav SECONDS [RATE [CHANNELS [DEVICE]]]
 *       captures through PortAudio (16000 Hz mono by default)
 *   test-tool wav-compare REF.wav TEST.wav [MAXLAG_MS [SEGMENT_MS]]
 *       the lag of TEST behind REF (up to 500 ms) of highest correlation;
 *       prints "ref N test N lag N ncc X snr X"; with SEGMENT_MS, then
 *       " sncc X lastlag N": the energy-weighted correlation of segments
 *       of REF of that length, each at its own lag within 1 s of the
 *       first, and the lag of the last segment that is not silent (each
 *       segment's figures on stderr)
 *   test-tool voice-roundtrip IN.wav OUT.wav LOSS_PCT SEED [JITTER_MS]
 *       Opus encoding, LOSS_PCT of the packets dropped at random, the
 *       jitter buffer, decoding with FEC or PLC (t/helper/test-voice.c)
 *   test-tool files-store DIR NAME PATH USER LOCAL...
 *       opens the stopped node in DIR (node name NAME) and stores each
 *       LOCAL file at PATH with files_store_bytes for USER, as the voice
 *       relay stores its recordings (t/helper/test-node.c)
 *   test-tool voice-raw DIR ROOM USER MODE PRIO SECONDS
 *       a bare client of DIR's voice socket: MODE listen counts the
 *       frames heard per talker; ptt or call talks a 440 Hz tone with
 *       PRIO normal or emergency. Prints every answer and event; exit 1
 *       if refused, 3 if preempted (t/helper/test-voice-raw.c)
 *   test-tool voice-fake-daemon DIR
 *       a fake daemon on ipc://DIR/voice (voice-client.h) until SIGTERM;
 *       then prints "frames N seq_errors N stops N stats N pings N"
 *   test-tool ctl-fake DIR RESULT.json
 *       answers one control request on DIR/ctl with RESULT.json's result
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>
#include <sqlite3.h>

#include "entry.h"
#include "identity.h"
#include "keyprobe.h"
#include "pki.h"
#include "store.h"
#include "test-tool.h"
#include "util.h"
#include "wire.h"

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

/* The peer's transport key, by the same UDP probe the daemon uses. */
static int
mesh_peer_key(const char *endpoint, char key[41])
{
	keyprobe_t *probe = keyprobe_new(NULL, "", NULL);
	char *resolved = NULL, *from = NULL, *cause = NULL;
	int rc = -1;

	for (int i = 0; probe != NULL && i < 20 && rc != 0; i++) {
		int fds[2];
		zmq_pollitem_t item = { NULL, 0, ZMQ_POLLIN, 0 };

		keyprobe_fds(probe, fds);
		item.fd = fds[0];

		free(resolved);
		resolved = NULL;
		int asked = keyprobe_ask(probe, endpoint, &resolved, &cause);

		if (asked == 1) {
			free(cause);
			cause = NULL;
			zclock_sleep(100);
			continue;
		}
		if (asked != 0) {
			fprintf(stderr, "test-tool: %s\n", cause);
			break;
		}
		if (zmq_poll(&item, 1, 250) == 1 &&
		    keyprobe_read(probe, &from, key) == 1) {
			rc = strcmp(from, resolved) == 0 ? 0 : -1;
			free(from);
			from = NULL;
		}
	}
	free(resolved);
	keyprobe_destroy(&probe);
	return rc;
}

/* The next message of command want (or BYE) within ms, or NULL; PINGs
 * are answered on the way. */
static wire_msg_t *
mesh_peer_recv(zsock_t *sock, enum wire_command want, int ms)
{
	int64_t end = time_mono_us() + (int64_t)ms * 1000;

	while (time_mono_us() < end) {
		zpoller_t *poller = zpoller_new(sock, NULL);
		void *which = zpoller_wait(poller,
		    (int)((end - time_mono_us()) / 1000) + 1);
		zmsg_t *msg;
		wire_msg_t *m;

		zpoller_destroy(&poller);
		if (which == NULL)
			return NULL;
		msg = zmsg_recv(sock);
		if ((m = wire_decode(&msg, NULL)) == NULL)
			continue;
		if (m->command == WIRE_PING) {
			zmsg_t *pong = wire_ping(WIRE_PONG, m->seq, m->time_us);

			zmsg_send(&pong, sock);
		}
		if (m->command == want || m->command == WIRE_BYE)
			return m;
		wire_msg_destroy(&m);
	}
	return NULL;
}

/* An entry of DIR's author of kind kind: after its head (next) or in the
 * place of its head (fork), signed properly. */
static entry_t *
mesh_peer_entry(identity_t *id, store_t *store, bool fork, const char *kind,
    const char *text)
{
	const uint8_t *author = signing_key_public(id->key);
	uint8_t head_id[32];
	uint64_t seq = 0;
	entry_t *head = NULL, *e;

	if (store_head(store, author, &seq, head_id) != 0)
		seq = 0;
	if (fork) {
		if (seq == 0)
			return NULL;
		head = store_get(store, head_id, NULL);
		e = entry_create(id->key, seq, seq > 1 ? head->prev : NULL,
		    head->lamport, time_now_us(), kind, text, strlen(text),
		    NULL);
		entry_destroy(&head);
		return e;
	}
	return entry_create(id->key, seq + 1, seq > 0 ? head_id : NULL,
	    store_max_lamport(store) + 1, time_now_us(), kind, text,
	    strlen(text), NULL);
}

static int
mesh_peer(const char *dir, const char *endpoint, int argc, char **argv)
{
	char *cause = NULL, *certpath = xasprintf("%s/pki/node.crt", dir);
	char *dbpath = xasprintf("%s/store.db", dir), *cert = NULL, key[41];
	identity_t *id = NULL;
	store_t *store = NULL;
	zsock_t *sock = NULL;
	wire_msg_t *m = NULL;
	bool created;
	size_t len;
	int rc = 1;

	if ((id = identity_open(dir, &created, &cause)) == NULL ||
	    (cert = read_file(certpath, 65536, &len, &cause)) == NULL ||
	    (store = store_open(dbpath, signing_key_public(id->key),
		 STORE_SYNC_NORMAL, &cause)) == NULL) {
		fprintf(stderr, "test-tool: %s\n", cause);
		goto done;
	}
	if (mesh_peer_key(endpoint, key) != 0) {
		printf("no key from %s\n", endpoint);
		goto done;
	}
	sock = zsock_new(ZMQ_DEALER);
	zcert_apply(id->transport, sock);
	zsock_set_curve_serverkey(sock, key);
	zsock_set_linger(sock, 0);
	zsock_connect(sock, "%s", endpoint);
	zmsg_t *hello = wire_hello(WIRE_HELLO, cert, "");
	zmsg_send(&hello, sock);
	m = mesh_peer_recv(sock, WIRE_WELCOME, 5000);
	if (m == NULL || m->command != WIRE_WELCOME) {
		printf("refused: %s\n", m != NULL && m->text != NULL ? m->text
							       : "no welcome");
		goto done;
	}
	printf("welcome\n");
	wire_msg_destroy(&m);
	rc = 0;
	for (int i = 0; i < argc && rc == 0; i++) {
		const char *action = argv[i];
		zmsg_t *msg = NULL;
		entry_t *e = NULL;

		if ((strcmp(action, "good") == 0 || strcmp(action, "badsig") == 0 ||
			strcmp(action, "fork") == 0) &&
		    i + 1 < argc) {
			e = mesh_peer_entry(id, store,
			    strcmp(action, "fork") == 0, "journal", argv[++i]);
			if (e == NULL) {
				printf("%s: cannot make the entry\n", action);
				rc = 1;
				break;
			}
			if (strcmp(action, "badsig") == 0)
				e->raw[e->raw_len - 1] ^= 0x01;
			msg = wire_entry(e->raw, e->raw_len);
			entry_destroy(&e);
		} else if (strcmp(action, "entry") == 0 && i + 2 < argc) {
			e = mesh_peer_entry(id, store, false, argv[i + 1],
			    argv[i + 2]);
			i += 2;
			/* Kept in DIR's own store, so that the next one (in this
			 * run or a later one) follows it rather than forks. */
			if (e == NULL || store_begin(store, &cause) != 0 ||
			    store_append(store, e, &cause) < 0 ||
			    store_commit(store, &cause) != 0) {
				printf("%s: cannot make the entry%s%s\n", action,
				    cause != NULL ? ": " : "",
				    cause != NULL ? cause : "");
				entry_destroy(&e);
				rc = 1;
				break;
			}
			msg = wire_entry(e->raw, e->raw_len);
			entry_destroy(&e);
		} else if (strcmp(action, "truncated") == 0) {
			e = mesh_peer_entry(id, store, false, "journal",
			    "cut short");
			msg = wire_entry(e->raw, e->raw_len / 2);
			entry_destroy(&e);
		} else if (strcmp(action, "garbage") == 0) {
			uint8_t junk[300];

			for (size_t k = 0; k < sizeof junk; k++)
				junk[k] = (uint8_t)rand();
			msg = zmsg_new();
			zmsg_addstr(msg, "ENTRY");
			zmsg_addmem(msg, junk, sizeof junk);
			zmsg_addmem(msg, junk, 7);
			zmsg_send(&msg, sock);
			msg = zmsg_new();
			zmsg_addstr(msg, "SUMMARY");
			zmsg_addmem(msg, junk, 41);
			zmsg_send(&msg, sock);
			msg = zmsg_new();
			zmsg_addmem(msg, junk, sizeof junk);
		} else if (strcmp(action, "voice") == 0 && i + 2 < argc) {
			/* N voice frames of N talkers nobody knows, in a
			 * voice room, then malformed ones. */
			wire_voice_t v = { .hops = 8, .flags = WIRE_VOICE_CALL,
				.opus = (const uint8_t *)"\x08junk", .opus_len = 5 };
			long n = atol(argv[i + 2]);

			snprintf(v.room, sizeof v.room, "%s", argv[i + 1]);
			snprintf(v.user, sizeof v.user, "mallory");
			for (long k = 0; k < n; k++) {
				for (size_t b = 0; b < 32; b++)
					v.talker[b] = (uint8_t)rand();
				v.stream = (uint32_t)k;
				v.capture_us = time_now_us();
				msg = wire_voice(k % 2 ? WIRE_VOICE : WIRE_FLOOR,
				    &v);
				zmsg_send(&msg, sock);
			}
			msg = wire_voice(WIRE_VOICE, &v);
			zframe_t *last = zmsg_last(msg);

			zframe_reset(last, "", 0);
			zmsg_send(&msg, sock);
			msg = zmsg_new();
			zmsg_addstr(msg, "VOICE");
			zmsg_addmem(msg, "short", 5);
			zmsg_addstr(msg, "ops");
			zmsg_addstr(msg, "x");
			zmsg_addstr(msg, "y");
			i += 2;
		} else if (strcmp(action, "ping") == 0) {
			msg = wire_ping(WIRE_PING, 7, time_mono_us());
			zmsg_send(&msg, sock);
			m = mesh_peer_recv(sock, WIRE_PONG, 3000);
			printf("ping: %s\n", m != NULL && m->command == WIRE_PONG
				? "pong"
				: "no pong");
			rc = m != NULL && m->command == WIRE_PONG ? 0 : 1;
			wire_msg_destroy(&m);
			continue;
		} else {
			fprintf(stderr, "test-tool: bad action '%s'\n", action);
			rc = 2;
			break;
		}
		zmsg_send(&msg, sock);
		printf("%s: sent\n", action);
	}
	/* Give the node time to read everything before the link closes. */
	zclock_sleep(300);
done:
	wire_msg_destroy(&m);
	zsock_destroy(&sock);
	store_destroy(&store);
	identity_destroy(&id);
	free(cause);
	free(cert);
	free(certpath);
	free(dbpath);
	return rc;
}

static int64_t
pki_when(const char *s)
{
	int64_t now = time_now_us() / 1000000;

	if (*s == '+' || *s == '-')
		return now + strtoll(s, NULL, 10);
	return strtoll(s, NULL, 10);
}

static int
pki_issue_at_cmd(const char *cadir, const char *name, const char *out,
    const char *from, const char *until)
{
	char *key = xasprintf("%s/pki/ca.key", cadir);
	char *crt = xasprintf("%s/pki/ca.crt", cadir);
	char *pkidir = xasprintf("%s/pki", out);
	char *node = xasprintf("%s/pki/node.crt", out);
	char *cacopy = xasprintf("%s/pki/ca.crt", out);
	char *cause = NULL, *pem = NULL;
	pki_ca_t *ca = NULL;
	identity_t *id = NULL;
	bool created;
	int rc = 1;

	mkdir(out, 0700);
	mkdir(pkidir, 0700);
	if ((ca = pki_ca_load(key, crt, &cause)) == NULL ||
	    (id = identity_open(out, &created, &cause)) == NULL ||
	    (pem = pki_issue_at(ca, name, signing_key_public(id->key),
		 zcert_public_txt(id->transport), pki_when(from),
		 pki_when(until), &cause)) == NULL ||
	    write_file_atomic(node, pem, strlen(pem), 0644, &cause) != 0 ||
	    write_file_atomic(cacopy, pki_ca_cert_pem(ca),
		strlen(pki_ca_cert_pem(ca)), 0644, &cause) != 0)
		fprintf(stderr, "test-tool: %s\n", cause);
	else
		rc = 0;
	free(cause);
	free(pem);
	free(key);
	free(crt);
	free(pkidir);
	free(node);
	free(cacopy);
	pki_ca_destroy(&ca);
	identity_destroy(&id);
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
	if (argc >= 4 && strcmp(argv[1], "mesh-peer") == 0)
		return mesh_peer(argv[2], argv[3], argc - 4, argv + 4);
	if (argc == 7 && strcmp(argv[1], "pki-issue-at") == 0)
		return pki_issue_at_cmd(argv[2], argv[3], argv[4], argv[5],
		    argv[6]);
	if (argc == 5 && strcmp(argv[1], "store-flip") == 0)
		return store_flip(argv[2], argv[3], atol(argv[4]));
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "audio-play") == 0)
		return test_audio_play(argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 4 && argc <= 7 && strcmp(argv[1], "audio-capture") == 0)
		return test_audio_capture(argv[2], atof(argv[3]),
		    argc > 4 ? (unsigned)atoi(argv[4]) : 16000,
		    argc > 5 ? (unsigned)atoi(argv[5]) : 1,
		    argc > 6 ? argv[6] : NULL);
	if (argc >= 4 && argc <= 6 && strcmp(argv[1], "wav-compare") == 0)
		return test_wav_compare(argv[2], argv[3],
		    argc > 4 ? (unsigned)atoi(argv[4]) : 500,
		    argc > 5 ? (unsigned)atoi(argv[5]) : 0);
	if ((argc == 6 || argc == 7) &&
	    strcmp(argv[1], "voice-roundtrip") == 0)
		return test_voice_roundtrip(argv[2], argv[3],
		    (unsigned)atoi(argv[4]), (uint32_t)strtoul(argv[5], NULL, 10),
		    argc > 6 ? (unsigned)atoi(argv[6]) : 10);
	if (argc >= 7 && strcmp(argv[1], "files-store") == 0)
		return test_files_store(argv[2], argv[3], argv[4], argv[5],
		    argc - 6, argv + 6);
	if (argc == 8 && strcmp(argv[1], "voice-raw") == 0)
		return test_voice_raw(argv[2], argv[3], argv[4], argv[5],
		    argv[6], atof(argv[7]));
	if (argc == 4 && strcmp(argv[1], "ctl-fake") == 0)
		return test_ctl_fake(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "voice-fake-daemon") == 0)
		return test_voice_fake_daemon(argv[2]);
	fprintf(stderr, "usage: test-tool zmq-send ENDPOINT [MS] | zmq-frames "
			"ENDPOINT FRAME... | subscribe ENDPOINT N [MS] | "
			"store-flip DB ID OFFSET | audio-play FILE.wav [DEVICE] | "
			"audio-capture OUT.wav SECONDS [RATE [CHANNELS [DEVICE]]] "
			"| wav-compare REF.wav TEST.wav [MAXLAG_MS [SEGMENT_MS]] | "
			"voice-roundtrip IN.wav OUT.wav LOSS_PCT SEED "
			"[JITTER_MS] | files-store DIR NAME PATH USER "
			"LOCAL... | voice-raw DIR ROOM USER MODE PRIO SECONDS | "
			"voice-fake-daemon DIR | ctl-fake DIR RESULT.json\n");
	return 2;
}
