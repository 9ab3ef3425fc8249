#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"
#include "util.h"

struct floor {
	bool held;
	floor_req_t holder;
	int64_t last_us; /* the holder's last sign of life */
	int64_t timeout_us;
};

floor_t *
floor_new(int64_t timeout_us)
{
	floor_t *self = xcalloc(1, sizeof *self);

	self->timeout_us = timeout_us > 0 ? timeout_us : FLOOR_TIMEOUT_US;
	return self;
}

void
floor_destroy(floor_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		free(*self_p);
		*self_p = NULL;
	}
}

int
floor_req_cmp(const floor_req_t *a, const floor_req_t *b)
{
	int c;

	if (a->prio != b->prio)
		return a->prio == FLOOR_EMERGENCY ? -1 : 1;
	if (a->lamport != b->lamport)
		return a->lamport < b->lamport ? -1 : 1;
	if ((c = strcmp(a->talker, b->talker)) != 0)
		return c;
	if (a->stream != b->stream)
		return a->stream < b->stream ? -1 : 1;
	return 0;
}

int
floor_req_set(floor_req_t *req, const char *talker, uint32_t stream,
    uint64_t lamport, floor_prio_t prio, char **cause)
{
	size_t n = strlen(talker);

	if (n == 0 || n > FLOOR_KEY_MAX)
		return fail(cause,
		    "a talker key is 1 to %d characters, not %zu",
		    FLOOR_KEY_MAX, n);
	memset(req, 0, sizeof *req);
	memcpy(req->talker, talker, n);
	req->stream = stream;
	req->lamport = lamport;
	req->prio = prio;
	return 0;
}

static bool
floor_is_holder(const floor_t *self, const char *talker, uint32_t stream)
{
	return self->held && self->holder.stream == stream &&
	       strcmp(self->holder.talker, talker) == 0;
}

floor_result_t
floor_request(floor_t *self, const floor_req_t *req, int64_t now_us,
    floor_req_t *preempted)
{
	int c;

	if (!self->held) {
		self->held = true;
		self->holder = *req;
		self->last_us = now_us;
		return FLOOR_GRANTED;
	}
	c = floor_req_cmp(req, &self->holder);
	if (floor_is_holder(self, req->talker, req->stream)) {
		/* A repeat; an emergency press raises the holder's rank. */
		if (c < 0)
			self->holder = *req;
		self->last_us = now_us;
		return FLOOR_HELD;
	}
	if (c >= 0)
		return FLOOR_BUSY;
	if (preempted != NULL)
		*preempted = self->holder;
	self->holder = *req;
	self->last_us = now_us;
	return FLOOR_PREEMPTED;
}

bool
floor_frame(floor_t *self, const char *talker, uint32_t stream, int64_t now_us)
{
	if (!floor_is_holder(self, talker, stream))
		return false;
	self->last_us = now_us;
	return true;
}

bool
floor_release(floor_t *self, const char *talker, uint32_t stream)
{
	if (!floor_is_holder(self, talker, stream))
		return false;
	self->held = false;
	return true;
}

bool
floor_tick(floor_t *self, int64_t now_us, floor_req_t *expired)
{
	if (!self->held || now_us - self->last_us < self->timeout_us)
		return false;
	if (expired != NULL)
		*expired = self->holder;
	self->held = false;
	return true;
}

const floor_req_t *
floor_holder(const floor_t *self)
{
	return self->held ? &self->holder : NULL;
}

const char *
floor_result_name(floor_result_t result)
{
	switch (result) {
	case FLOOR_GRANTED:
		return "granted";
	case FLOOR_PREEMPTED:
		return "preempted";
	case FLOOR_HELD:
		return "held";
	case FLOOR_BUSY:
		return "busy";
	}
	return "?";
}

/* Feeds reqs in the order perm gives, all at the same moment, to a new
 * floor. Returns the holder's index in reqs. */
static size_t
floor_test_order(const floor_req_t *reqs, size_t n, const size_t *perm)
{
	floor_t *f = floor_new(0);
	const floor_req_t *h;
	size_t winner = n;

	for (size_t i = 0; i < n; i++)
		(void)floor_request(f, &reqs[perm[i]], 1000, NULL);
	h = floor_holder(f);
	assert(h != NULL);
	for (size_t i = 0; i < n; i++)
		if (floor_req_cmp(h, &reqs[i]) == 0)
			winner = i;
	floor_destroy(&f);
	return winner;
}

/* Every permutation of reqs (Heap's algorithm) gives the winner want.
 * Returns the number of orders tried. */
static unsigned
floor_test_permutations(const floor_req_t *reqs, size_t n, size_t want)
{
	size_t perm[8] = {0}, c[8] = {0}, i = 1, t;
	unsigned tried = 1;

	assert(n <= 8);
	for (size_t k = 0; k < n; k++)
		perm[k] = k;
	assert(floor_test_order(reqs, n, perm) == want);
	while (i < n) {
		if (c[i] < i) {
			size_t j = i % 2 == 0 ? 0 : c[i];

			t = perm[j];
			perm[j] = perm[i];
			perm[i] = t;
			assert(floor_test_order(reqs, n, perm) == want);
			tried++;
			c[i]++;
			i = 1;
		} else
			c[i++] = 0;
	}
	return tried;
}

void
floor_test(bool verbose)
{
	floor_req_t r[6], lost;
	floor_t *f = floor_new(1000000);
	char *cause = NULL, longkey[FLOOR_KEY_MAX + 2];
	unsigned tried;

	if (verbose)
		printf(" * floor: ");
	assert(floor_req_set(&r[0], "", 1, 1, FLOOR_NORMAL, &cause) == -1);
	free(cause);
	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	assert(floor_req_set(&r[0], longkey, 1, 1, FLOOR_NORMAL, NULL) == -1);

	/* ann presses first; bob, who saw her press (a later Lamport
	 * time), is refused while she talks. */
	assert(floor_req_set(&r[0], "ann", 7, 10, FLOOR_NORMAL, NULL) == 0);
	assert(floor_req_set(&r[1], "bob", 3, 12, FLOOR_NORMAL, NULL) == 0);
	assert(floor_holder(f) == NULL);
	assert(floor_request(f, &r[0], 0, NULL) == FLOOR_GRANTED);
	assert(floor_request(f, &r[1], 100000, NULL) == FLOOR_BUSY);
	assert(floor_request(f, &r[0], 100000, NULL) == FLOOR_HELD);
	assert(floor_frame(f, "ann", 7, 500000));
	assert(!floor_frame(f, "bob", 3, 500000));
	assert(!floor_frame(f, "ann", 8, 500000));
	assert(!floor_release(f, "bob", 3));

	/* Her frames keep the floor; a second of silence releases it. */
	assert(!floor_tick(f, 1400000, NULL));
	assert(floor_tick(f, 1500000, &lost));
	assert(strcmp(lost.talker, "ann") == 0 && floor_holder(f) == NULL);
	assert(floor_request(f, &r[1], 1600000, NULL) == FLOOR_GRANTED);
	assert(floor_release(f, "bob", 3));
	assert(floor_holder(f) == NULL);

	/* An emergency press preempts; a normal one cannot take the floor
	 * from an emergency, whatever its Lamport time. */
	assert(floor_request(f, &r[1], 2000000, NULL) == FLOOR_GRANTED);
	assert(floor_req_set(&r[2], "cid", 1, 50, FLOOR_EMERGENCY, NULL) == 0);
	assert(floor_request(f, &r[2], 2100000, &lost) == FLOOR_PREEMPTED);
	assert(strcmp(lost.talker, "bob") == 0);
	assert(floor_request(f, &r[0], 2200000, NULL) == FLOOR_BUSY);
	assert(strcmp(floor_holder(f)->talker, "cid") == 0);
	floor_destroy(&f);
	floor_destroy(&f);

	/* Simultaneous presses: the same winner in every arrival order.
	 * Normal ones: the earliest Lamport time, ties by key. */
	assert(floor_req_set(&r[0], "ann", 1, 10, FLOOR_NORMAL, NULL) == 0);
	assert(floor_req_set(&r[1], "bob", 1, 9, FLOOR_NORMAL, NULL) == 0);
	assert(floor_req_set(&r[2], "abe", 1, 9, FLOOR_NORMAL, NULL) == 0);
	assert(floor_req_set(&r[3], "cid", 1, 11, FLOOR_NORMAL, NULL) == 0);
	assert(floor_req_set(&r[4], "abe", 2, 9, FLOOR_NORMAL, NULL) == 0);
	tried = floor_test_permutations(r, 5, 2);
	assert(tried == 120);
	/* With emergencies among them, the earliest emergency. */
	assert(floor_req_set(&r[5], "dan", 1, 30, FLOOR_EMERGENCY, NULL) == 0);
	assert(floor_req_set(&r[3], "eve", 1, 31, FLOOR_EMERGENCY, NULL) == 0);
	tried += floor_test_permutations(r, 6, 5);
	if (verbose)
		printf("%u arrival orders, the same winner; ", tried);
	assert(tried == 120 + 720);
	assert(strcmp(floor_result_name(FLOOR_BUSY), "busy") == 0);
	if (verbose)
		printf("OK\n");
}
