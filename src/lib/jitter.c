#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitter.h"
#include "util.h"

typedef struct slot {
	bool present;
	uint32_t seq;
	uint8_t *data;
	size_t len;
} slot_t;

typedef struct stream {
	uint32_t id;
	bool started;  /* base is set */
	bool playing;  /* next is the frame of the coming tick */
	bool has_next; /* next is set: earlier frames are late */
	bool ended;    /* the last talk spurt ended */
	int64_t cur;   /* playout delay at the last tick */
	unsigned tail; /* frames reported lost with nothing held: lost if
	                  more frames come, else the end of the spurt */
	uint32_t base_seq;
	int64_t base_us; /* arrival of base_seq: the stream's clock */
	uint32_t next;
	uint32_t high; /* highest sequence number received */
	uint64_t seen; /* bit i: high - i was received */
	int64_t last_arrival;
	int64_t last_delay; /* for the RFC 3550 jitter */
	int64_t jitter16;   /* RFC 3550 jitter, in us * 16 */
	int64_t delays[JITTER_WINDOW];
	size_t ndelays, delay_at;
	int64_t dmin, dmax; /* over the window */
	slot_t slots[JITTER_SLOTS];
	uint8_t *given; /* the frame last handed out */
	jitter_stats_t st;
} stream_t;

struct jitter {
	int64_t frame_us;
	stream_t **streams;
	size_t nstreams;
};

static int32_t
seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

jitter_t *
jitter_new(unsigned frame_ms)
{
	jitter_t *self = xcalloc(1, sizeof *self);

	self->frame_us = (int64_t)frame_ms * 1000;
	return self;
}

static void
stream_clear(stream_t *s)
{
	for (size_t i = 0; i < JITTER_SLOTS; i++) {
		free(s->slots[i].data);
		s->slots[i].data = NULL;
		s->slots[i].present = false;
	}
}

static void
stream_free(stream_t *s)
{
	stream_clear(s);
	free(s->given);
	free(s);
}

void
jitter_destroy(jitter_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		jitter_t *self = *self_p;

		for (size_t i = 0; i < self->nstreams; i++)
			stream_free(self->streams[i]);
		free(self->streams);
		free(self);
		*self_p = NULL;
	}
}

static stream_t *
jitter_find(jitter_t *self, uint32_t id)
{
	for (size_t i = 0; i < self->nstreams; i++)
		if (self->streams[i]->id == id)
			return self->streams[i];
	return NULL;
}

void
jitter_remove(jitter_t *self, uint32_t id)
{
	for (size_t i = 0; i < self->nstreams; i++)
		if (self->streams[i]->id == id) {
			stream_free(self->streams[i]);
			self->streams[i] = self->streams[--self->nstreams];
			return;
		}
}

size_t
jitter_streams(jitter_t *self, uint32_t *ids, size_t max)
{
	for (size_t i = 0; i < self->nstreams && i < max; i++)
		ids[i] = self->streams[i]->id;
	return self->nstreams;
}

/* The nominal arrival of seq on the stream's clock. */
static int64_t
stream_nominal(const jitter_t *self, const stream_t *s, uint32_t seq)
{
	return s->base_us + seq_diff(seq, s->base_seq) * self->frame_us;
}

/* The depth aimed at: the spread of delays plus one frame, in bounds,
 * a whole number of frames. */
static int64_t
stream_target(const jitter_t *self, const stream_t *s)
{
	int64_t t = s->dmax - s->dmin + self->frame_us;

	t = (t + self->frame_us - 1) / self->frame_us * self->frame_us;
	if (t < JITTER_MIN_MS * 1000)
		t = JITTER_MIN_MS * 1000;
	if (t > JITTER_MAX_MS * 1000)
		t = JITTER_MAX_MS * 1000;
	return t;
}

/* Adds the delay of seq arriving at now_us to the window. */
static void
stream_note_delay(
    const jitter_t *self, stream_t *s, uint32_t seq, int64_t now_us)
{
	int64_t d = now_us - stream_nominal(self, s, seq), dd;

	if (s->ndelays > 0) {
		dd = d - s->last_delay;
		if (dd < 0)
			dd = -dd;
		s->jitter16 += dd - (s->jitter16 + 8) / 16;
	}
	s->last_delay = d;
	s->delays[s->delay_at] = d;
	s->delay_at = (s->delay_at + 1) % JITTER_WINDOW;
	if (s->ndelays < JITTER_WINDOW)
		s->ndelays++;
	s->dmin = s->dmax = d;
	for (size_t i = 0; i < s->ndelays; i++) {
		if (s->delays[i] < s->dmin)
			s->dmin = s->delays[i];
		if (s->delays[i] > s->dmax)
			s->dmax = s->delays[i];
	}
}

/* Marks seq received. Returns true if it had been already. Sequence
 * numbers further back than the bitmap reaches count as seen. */
static bool
stream_seen(stream_t *s, uint32_t seq)
{
	int32_t ahead = seq_diff(seq, s->high);

	if (ahead > 0) {
		s->seen = ahead >= 64 ? 0 : s->seen << ahead;
		s->seen |= 1;
		s->high = seq;
		return false;
	}
	if (-ahead >= 64)
		return true;
	if (s->seen & (UINT64_C(1) << -ahead))
		return true;
	s->seen |= UINT64_C(1) << -ahead;
	return false;
}

/* Sets the stream's clock at seq arriving at now_us. */
static void
stream_rebase(stream_t *s, uint32_t seq, int64_t now_us)
{
	s->base_seq = seq;
	s->base_us = now_us;
	s->ndelays = s->delay_at = 0;
	s->jitter16 = 0;
	s->dmin = s->dmax = 0;
}

jitter_put_result_t
jitter_put(jitter_t *self, uint32_t id, uint32_t seq, const uint8_t *data,
    size_t len, int64_t now_us)
{
	stream_t *s = jitter_find(self, id);
	slot_t *slot;

	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->id = id;
		self->streams = realloc(self->streams,
		    (self->nstreams + 1) * sizeof *self->streams);
		if (self->streams == NULL)
			abort();
		self->streams[self->nstreams++] = s;
	}
	if (!s->started || seq_diff(seq, s->high) >= JITTER_SLOTS ||
	    seq_diff(seq, s->high) <= -(int32_t)JITTER_SLOTS * 16) {
		/* The first frame, or far outside the window: the talker
		 * started over. */
		stream_clear(s);
		s->started = true;
		s->playing = s->has_next = s->ended = false;
		s->high = seq - 1;
		s->seen = 0;
		stream_rebase(s, seq, now_us);
	} else if (s->ended && seq_diff(seq, s->next) >= 0) {
		/* A new talk spurt: its own clock, its own delays. */
		s->ended = false;
		stream_rebase(s, seq, now_us);
	}
	if (stream_seen(s, seq)) {
		s->st.duplicates++;
		return JITTER_PUT_DUP;
	}
	stream_note_delay(self, s, seq, now_us);
	s->last_arrival = now_us;
	if (s->has_next && seq_diff(seq, s->next) < 0) {
		s->st.late++;
		return JITTER_PUT_LATE;
	}
	s->st.lost += s->tail;
	s->tail = 0;
	slot = &s->slots[seq % JITTER_SLOTS];
	free(slot->data);
	slot->data = xcalloc(len + 1, 1);
	memcpy(slot->data, data, len);
	slot->len = len;
	slot->seq = seq;
	slot->present = true;
	s->st.received++;
	return JITTER_PUT_OK;
}

static slot_t *
stream_slot(stream_t *s, uint32_t seq)
{
	slot_t *slot = &s->slots[seq % JITTER_SLOTS];

	return slot->present && slot->seq == seq ? slot : NULL;
}

/* The lowest sequence number held, if any. */
static bool
stream_first_held(stream_t *s, uint32_t *seq)
{
	bool found = false;

	for (size_t i = 0; i < JITTER_SLOTS; i++) {
		slot_t *slot = &s->slots[i];

		if (!slot->present)
			continue;
		if (!found || seq_diff(slot->seq, *seq) < 0)
			*seq = slot->seq;
		found = true;
	}
	return found;
}

/* Hands out the frame in slot (moving it out of the buffer). */
static void
stream_give(stream_t *s, slot_t *slot, jitter_out_t *out)
{
	free(s->given);
	s->given = slot->data;
	out->data = slot->data;
	out->len = slot->len;
	slot->data = NULL;
	slot->present = false;
}

void
jitter_get(jitter_t *self, uint32_t id, int64_t now_us, jitter_out_t *out)
{
	stream_t *s = jitter_find(self, id);
	int64_t target, cur;
	uint32_t first = 0;
	slot_t *slot;

	memset(out, 0, sizeof *out);
	out->kind = JITTER_EMPTY;
	if (s == NULL)
		return;
	target = stream_target(self, s);
	if (!s->playing) {
		/* Start once the first frame held has waited the target
		 * depth past the fastest delay seen. */
		if (!stream_first_held(s, &first))
			return;
		if (now_us + self->frame_us / 2 <
		    stream_nominal(self, s, first) + s->dmin + target)
			return;
		s->playing = s->has_next = true;
		s->next = first;
	}
	s->cur = cur = now_us - stream_nominal(self, s, s->next);
	out->seq = s->next;
	if (cur < s->dmin + target - self->frame_us) {
		/* Playing too early for the jitter seen: wait one frame. */
		out->kind = JITTER_CONCEAL;
		s->st.concealed++;
		return;
	}
	if (cur > s->dmin + target + self->frame_us &&
	    stream_slot(s, s->next + 1) != NULL) {
		/* Too deep: skip one frame, a missing one if it is. */
		if ((slot = stream_slot(s, s->next)) != NULL) {
			free(slot->data);
			slot->data = NULL;
			slot->present = false;
		}
		s->st.skipped++;
		s->next++;
		out->seq = s->next;
	}
	if ((slot = stream_slot(s, s->next)) != NULL) {
		out->kind = JITTER_FRAME;
		stream_give(s, slot, out);
		s->st.played++;
		s->next++;
		return;
	}
	if (!stream_first_held(s, &first) &&
	    now_us - s->last_arrival > target + 2 * self->frame_us) {
		/* Nothing held and nothing coming: the talk spurt ended. */
		s->playing = false;
		s->ended = true;
		s->tail = 0;
		out->kind = JITTER_EMPTY;
		return;
	}
	out->kind = JITTER_LOST;
	if (stream_first_held(s, &first))
		s->st.lost++;
	else
		s->tail++;
	if ((slot = stream_slot(s, s->next + 1)) != NULL) {
		out->data = slot->data;
		out->len = slot->len;
	}
	s->next++;
}

bool
jitter_stats(jitter_t *self, uint32_t id, jitter_stats_t *stats)
{
	stream_t *s = jitter_find(self, id);
	unsigned held = 0;

	if (s == NULL)
		return false;
	*stats = s->st;
	stats->target_ms = (unsigned)(stream_target(self, s) / 1000);
	stats->spread_ms = (unsigned)((s->dmax - s->dmin) / 1000);
	stats->jitter_ms = (unsigned)(s->jitter16 / 16 / 1000);
	for (size_t i = 0; i < JITTER_SLOTS; i++)
		held += s->slots[i].present;
	stats->buffered = held;
	stats->depth_ms = 0;
	if (s->playing && s->cur > s->dmin)
		stats->depth_ms = (unsigned)((s->cur - s->dmin) / 1000);
	return true;
}

/* --- self-test: a simulated network ------------------------------------ */

typedef struct sim_frame {
	uint32_t seq;
	int64_t arrival;
} sim_frame_t;

static uint32_t
sim_rand(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

static int
sim_cmp(const void *a, const void *b)
{
	const sim_frame_t *x = a, *y = b;

	return (x->arrival > y->arrival) - (x->arrival < y->arrival);
}

typedef struct sim_result {
	unsigned played, lost, lost_fec, conceal, empty_after_start;
	unsigned max_target, last_target;
	bool in_order;
} sim_result_t;

/* Sends n frames of stream, one per 20 ms from t0, each delayed by
 * base + a uniform 0..spread ms, with loss_pct lost and dup_pct sent
 * twice; plays them out with ticks every 20 ms (phase 7 ms) until all
 * are due. The payload of a frame is its sequence number. */
static sim_result_t
sim_run(jitter_t *j, uint32_t stream, uint32_t seq0, unsigned n, int64_t t0,
    unsigned spread_ms, unsigned loss_pct, unsigned dup_pct, uint32_t seed)
{
	sim_frame_t *f = xcalloc(2 * n + 1, sizeof *f);
	size_t nf = 0, at = 0;
	sim_result_t r = {.in_order = true};
	uint32_t last = seq0 - 1;
	bool started = false;
	jitter_stats_t st;

	for (unsigned i = 0; i < n; i++) {
		int64_t d =
		    5000 +
		    (spread_ms ? (int64_t)(sim_rand(&seed) % (spread_ms * 1000))
		               : 0);

		if (sim_rand(&seed) % 100 < loss_pct)
			continue;
		f[nf].seq = seq0 + i;
		f[nf++].arrival = t0 + i * 20000 + d;
		if (sim_rand(&seed) % 100 < dup_pct) {
			f[nf].seq = seq0 + i;
			f[nf++].arrival = t0 + i * 20000 + d + 3000;
		}
	}
	qsort(f, nf, sizeof *f, sim_cmp);
	for (int64_t t = t0 + 7000; t < t0 + (int64_t)n * 20000 + 600000;
	     t += 20000) {
		jitter_out_t out;

		for (; at < nf && f[at].arrival <= t; at++) {
			uint8_t payload[4];

			memcpy(payload, &f[at].seq, 4);
			jitter_put(
			    j, stream, f[at].seq, payload, 4, f[at].arrival);
		}
		jitter_get(j, stream, t, &out);
		switch (out.kind) {
		case JITTER_FRAME: {
			uint32_t v;

			assert(out.len == 4);
			memcpy(&v, out.data, 4);
			assert(v == out.seq);
			if (seq_diff(out.seq, last) <= 0)
				r.in_order = false;
			last = out.seq;
			r.played++;
			started = true;
			break;
		}
		case JITTER_LOST:
			r.lost++;
			if (out.data != NULL) {
				uint32_t v;

				memcpy(&v, out.data, 4);
				assert(v == out.seq + 1);
				r.lost_fec++;
			}
			break;
		case JITTER_CONCEAL:
			r.conceal++;
			break;
		case JITTER_EMPTY:
			if (started && at < nf)
				r.empty_after_start++;
			break;
		}
		if (!jitter_stats(j, stream, &st))
			continue;
		assert(st.target_ms >= JITTER_MIN_MS &&
		       st.target_ms <= JITTER_MAX_MS);
		if (st.target_ms > r.max_target)
			r.max_target = st.target_ms;
		r.last_target = st.target_ms;
	}
	free(f);
	return r;
}

void
jitter_test(bool verbose)
{
	jitter_t *j = jitter_new(20);
	jitter_stats_t st;
	jitter_out_t out;
	sim_result_t r;
	uint8_t b[4] = {0};
	uint32_t ids[4];

	if (verbose)
		printf(" * jitter: ");
	jitter_get(j, 1, 0, &out);
	assert(out.kind == JITTER_EMPTY);
	assert(!jitter_stats(j, 1, &st));

	/* A perfect network: every frame played, in order, at the least
	 * depth. */
	r = sim_run(j, 1, 1000, 200, 0, 0, 0, 0, 1);
	assert(r.in_order && r.played == 200 && r.lost <= 2);
	assert(r.max_target == JITTER_MIN_MS && r.empty_after_start == 0);
	assert(jitter_stats(j, 1, &st) && st.late == 0 && st.duplicates == 0);
	assert(st.lost == 0 && st.received == 200);

	/* Duplicates are dropped and counted; the sequence number wraps. */
	r = sim_run(j, 2, UINT32_MAX - 50, 200, 0, 0, 0, 20, 2);
	assert(r.in_order && r.played == 200);
	assert(jitter_stats(j, 2, &st) && st.duplicates > 20);
	assert(st.duplicates < 60 && st.received == 200 && st.lost == 0);

	/* Reordering and 10 % loss with 30 ms of jitter: lost frames are
	 * reported, most with the next frame for FEC, and the depth grows
	 * to cover the jitter. */
	r = sim_run(j, 3, 0, 500, 0, 30, 10, 0, 3);
	assert(jitter_stats(j, 3, &st));
	if (verbose)
		printf("30 ms jitter, 10%% loss: played %u, lost %u (%u with "
		       "FEC), late %llu, target %u ms; ",
		    r.played, r.lost, r.lost_fec, (unsigned long long)st.late,
		    r.last_target);
	assert(r.in_order);
	assert(r.lost >= 30 && r.lost <= 80 && r.lost_fec * 2 > r.lost);
	assert(r.played + r.lost + st.skipped >= 495);
	assert(r.last_target >= 40 && r.last_target <= 80);
	assert(st.late < 10);

	/* Heavy jitter (0..400 ms): the target stops at the maximum and
	 * the frames later than that are dropped as late. */
	r = sim_run(j, 4, 0, 500, 0, 400, 0, 0, 4);
	assert(jitter_stats(j, 4, &st));
	if (verbose)
		printf("400 ms jitter: target %u ms, late %llu; ", r.max_target,
		    (unsigned long long)st.late);
	assert(r.in_order && r.max_target == JITTER_MAX_MS);
	assert(st.late > 20);

	/* A new talk spurt on a calm network after a bad one: the target
	 * comes back down. */
	r = sim_run(j, 4, 600, 300, 20000000, 0, 0, 0, 5);
	assert(r.in_order && r.last_target == JITTER_MIN_MS);

	/* One frame 300 ms late on a calm stream: dropped and counted,
	 * reported lost in its turn (with FEC from the next). */
	jitter_remove(j, 1);
	for (uint32_t seq = 0; seq < 20; seq++) {
		int64_t t = seq * 20000;

		if (seq != 5)
			assert(jitter_put(j, 1, seq, b, 1, t) == JITTER_PUT_OK);
		if (seq == 19)
			assert(jitter_put(j, 1, 5, b, 1, t) == JITTER_PUT_LATE);
		jitter_get(j, 1, t + 1000, &out);
		if (out.kind == JITTER_LOST) {
			assert(out.seq == 5 && out.data != NULL);
		}
	}
	assert(jitter_stats(j, 1, &st) && st.late == 1 && st.lost == 1);
	assert(jitter_put(j, 1, 18, b, 1, 400000) == JITTER_PUT_DUP);

	assert(jitter_streams(j, ids, 4) == 4);
	jitter_remove(j, 3);
	assert(jitter_streams(j, ids, 4) == 3);
	jitter_destroy(&j);
	jitter_destroy(&j);
	if (verbose)
		printf("OK\n");
}
