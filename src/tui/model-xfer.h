/* A transfer between a local file and the mesh (doc/files.md), one step
 * per turn of the main loop, so that the screen stays live while it runs.
 *
 * A download asks files.manifest and files.fetch, then each chunk with
 * files.chunk.get (again, a little later, while the node still fetches
 * it from its neighbours), checks it against its hash and writes it into
 * LOCAL.ioe-part, renamed to LOCAL once complete. Cancelled or failed,
 * the part stays: the next download to LOCAL keeps the chunks in it that
 * match their hashes and asks only for the others.
 *
 * An upload asks files.check, then reads and sends one chunk of 1 MiB at
 * a time with files.chunk.put (never the whole file in memory), then
 * files.put: nothing is in the ledger before that last step, so a
 * cancelled or failed upload leaves nothing half-done there. */
#ifndef IOE_TUI_MODEL_XFER_H
#define IOE_TUI_MODEL_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blobs.h"
#include "model-call.h"
#include "tui.h"

#define XFER_CHUNK_MAX   (64 * 1024 * 1024) /* larger in a manifest: refused */
#define XFER_TIMEOUT_MS  10000
#define XFER_RETRY_US    200000LL /* a chunk the node is still fetching */
#define XFER_STALL_US    (60 * 1000000LL) /* no chunk for so long: give up */
#define XFER_PART_SUFFIX ".ioe-part"

enum xfer_kind { XFER_DOWN, XFER_UP };

enum xfer_state {
	XFER_ASK,  /* question asks whether to replace the target */
	XFER_RUN,  /* xfer_step does the next step from next_us */
	XFER_DONE, /* the end states: xfer_result says what happened */
	XFER_FAILED,
	XFER_CANCELLED,
};

typedef struct xfer {
	enum xfer_kind kind;
	enum xfer_state state;
	int step;       /* the next call (model-xfer.c) */
	char *mesh;     /* the mesh path */
	char *local;    /* the local path */
	char *part;     /* downloads: local + XFER_PART_SUFFIX */
	char *user;     /* uploads: the user of files.put, or NULL */
	char *question; /* XFER_ASK */
	char *error;    /* XFER_FAILED */
	char *note;     /* what it waits for, or NULL */
	char *id;       /* the file's id, once known */
	int fd;
	int mode;          /* permission bits */
	int64_t size;      /* bytes of the file */
	int64_t done;      /* bytes sent, received or found in the part */
	int64_t resumed;   /* of which found in the part: not in the rate */
	int64_t part_size; /* downloads: bytes the part had when opened */
	int64_t mtime_ns;  /* uploads: to notice a change while sending */
	uint32_t chunk_size;
	char (*hash)[65]; /* the chunk hashes: the manifest's, or sent */
	size_t nchunks;
	size_t next;        /* the next chunk */
	unsigned char *buf; /* one chunk */
	bool overwrite;     /* the question was answered yes */
	bool into_dir;      /* uploads: the mesh path was a directory */
	int64_t start_us;   /* monotonic: when chunks started to move */
	int64_t next_us;    /* the next step, not before */
	int64_t moved_us;   /* the last chunk that moved */
} xfer_t;

/* A download of mesh path mesh to local (a directory: the same name in
 * it). Asks first if local exists. Returns NULL with *cause set. Caller
 * owns return value. */
xfer_t *xfer_download_new(
    const char *mesh, const char *local, int64_t now_us, char **cause);
/* An upload of local to mesh path mesh, as user (may be NULL). Returns
 * NULL with *cause set (no such file, not a regular file). Caller owns
 * return value. */
xfer_t *xfer_upload_new(const char *local, const char *mesh, const char *user,
    int64_t now_us, char **cause);
void xfer_destroy(xfer_t **self_p);

/* True while it asks or runs. */
bool xfer_active(const xfer_t *self);
/* Milliseconds until xfer_step has work (0: now), or -1 if it has none. */
int xfer_wait_ms(const xfer_t *self, int64_t now_us);
/* The next step (one call to the daemon at most), if it is time. */
void xfer_step(xfer_t *self, app_call_fn call, void *arg, int64_t now_us);
/* The answer to the question: yes replaces the target, no cancels. */
void xfer_answer(xfer_t *self, bool yes, int64_t now_us);
/* Stops it; a download keeps its part for the next one. */
void xfer_cancel(xfer_t *self);

/* Bytes per second since chunks started to move, or -1 if too early. */
int64_t xfer_rate(const xfer_t *self, int64_t now_us);
/* "down triage.pdf [=====>    ]  45%  4.5 MiB/10.0 MiB  1.2 MiB/s  5s
 * left", in width columns. */
void xfer_progress_row(
    const xfer_t *self, int64_t now_us, int width, tui_row_t *row);
/* "down 45%", for the status bar. */
void xfer_short(const xfer_t *self, char out[32]);
/* What happened, once it ended (or what it asks). Caller frees. */
char *xfer_result(const xfer_t *self);

/* The file id (manifest_id, doc/files.md) of a manifest whose chunk
 * hashes are in hex, in hex into out. Returns 0, or -1 if a hash is not
 * 64 hex digits. */
int xfer_manifest_id(int64_t size, uint32_t chunk_size, const char (*hash)[65],
    size_t n, char out[65]);

void model_xfer_test(bool verbose);

#endif
