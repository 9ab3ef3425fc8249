/* An adaptive jitter buffer for voice frames keyed by (stream, sequence).
 *
 * The receiver puts each frame as it arrives and, once per frame period
 * (a playout tick), gets what each stream plays now. The buffer measures
 * each frame's delay against the stream's own clock (the first frame's
 * arrival plus seq * frame), keeps the spread of the last JITTER_WINDOW
 * delays, and aims its depth at that spread plus one frame, within
 * JITTER_MIN_MS..JITTER_MAX_MS. It grows by asking for one concealed frame,
 * and shrinks by skipping one. Duplicates and frames that come after
 * their turn (late) are dropped and counted; a frame whose turn came
 * without it is reported lost, with the next frame when it is there so
 * that the decoder can use its FEC data. */
#ifndef IOE_JITTER_H
#define IOE_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JITTER_MIN_MS 40
#define JITTER_MAX_MS 200
#define JITTER_SLOTS  64  /* frames held per stream (1.28 s of 20 ms) */
#define JITTER_WINDOW 128 /* delays the target is computed from */

typedef struct jitter jitter_t;

typedef enum jitter_put_result {
	JITTER_PUT_OK,   /* stored */
	JITTER_PUT_DUP,  /* seen before: dropped */
	JITTER_PUT_LATE, /* its turn has passed: dropped */
} jitter_put_result_t;

typedef enum jitter_kind {
	JITTER_EMPTY,   /* nothing to play for this stream now */
	JITTER_FRAME,   /* play data */
	JITTER_LOST,    /* seq is lost: data is the next frame (decode its
	                   FEC data) or NULL (conceal) */
	JITTER_CONCEAL, /* the buffer grows: conceal one frame (PLC); no
	                   sequence number is used up */
} jitter_kind_t;

typedef struct jitter_out {
	jitter_kind_t kind;
	uint32_t seq;
	const uint8_t *data; /* valid until the next call on this stream */
	size_t len;
} jitter_out_t;

typedef struct jitter_stats {
	unsigned target_ms; /* depth aimed at */
	unsigned depth_ms;  /* depth now: playout delay over the fastest
	                       frame's */
	unsigned spread_ms; /* delay spread over the window */
	unsigned jitter_ms; /* RFC 3550 inter-arrival jitter */
	unsigned buffered;  /* frames held */
	uint64_t received;  /* frames stored */
	uint64_t played;    /* JITTER_FRAME given */
	uint64_t lost;      /* JITTER_LOST given, but for the concealment
	                       at the end of a talk spurt */
	uint64_t late;      /* dropped: after their turn */
	uint64_t duplicates;
	uint64_t skipped;   /* dropped to shrink the buffer */
	uint64_t concealed; /* JITTER_CONCEAL given */
} jitter_stats_t;

/* A buffer for frames of frame_ms milliseconds (20 for Opus here). Caller
 * owns return value. */
jitter_t *jitter_new(unsigned frame_ms);
void jitter_destroy(jitter_t **self_p);
/* Stores a copy of a frame that arrived at now_us (monotonic). */
jitter_put_result_t jitter_put(jitter_t *self, uint32_t stream, uint32_t seq,
    const uint8_t *data, size_t len, int64_t now_us);
/* What stream plays at this playout tick (call once per frame period). */
void jitter_get(
    jitter_t *self, uint32_t stream, int64_t now_us, jitter_out_t *out);
/* Fills *stats. Returns false if the stream is unknown. */
bool jitter_stats(jitter_t *self, uint32_t stream, jitter_stats_t *stats);
/* The streams held, up to max of them into ids. Returns their number. */
size_t jitter_streams(jitter_t *self, uint32_t *ids, size_t max);
/* Forgets a stream and its statistics. */
void jitter_remove(jitter_t *self, uint32_t stream);

void jitter_test(bool verbose);

#endif
