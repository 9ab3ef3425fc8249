/* Push-to-talk floor control for one room, as a pure state machine: no
 * clock of its own, no I/O. The caller feeds it requests, frames and the
 * time, and tells the talkers what it answers.
 *
 * Requests are ordered by (priority, Lamport time, talker key, stream):
 * an emergency request before a normal one, then the earlier Lamport
 * time, then the lower key. A request better than the holder's takes the
 * floor (an emergency, or a press concurrent with the holder's that
 * every node sees as earlier); any other is refused "busy". Whatever
 * order a set of requests arrives in, the holder at the end is the best
 * of them, so every node that saw the same requests agrees on it. A
 * holder whose frames stop for the time-out (a broken link) loses the
 * floor. */
#ifndef IOE_FLOOR_H
#define IOE_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLOOR_KEY_MAX    64      /* talker keys: z85 or hex public keys */
#define FLOOR_TIMEOUT_US 1000000 /* default silence before release */

typedef enum floor_prio {
	FLOOR_NORMAL,
	FLOOR_EMERGENCY,
} floor_prio_t;

typedef struct floor_req {
	char talker[FLOOR_KEY_MAX + 1];
	uint32_t stream;
	uint64_t lamport; /* the talker's Lamport time at the press */
	floor_prio_t prio;
} floor_req_t;

typedef enum floor_result {
	FLOOR_GRANTED,   /* the floor was free: the requester holds it */
	FLOOR_PREEMPTED, /* the requester took it from the holder */
	FLOOR_HELD,      /* the requester held it already (a repeat) */
	FLOOR_BUSY,      /* refused: someone holds it */
} floor_result_t;

typedef struct floor floor_t;

/* A free floor whose holder is released after timeout_us without a frame
 * (0: FLOOR_TIMEOUT_US). Caller owns return value. */
floor_t *floor_new(int64_t timeout_us);
void floor_destroy(floor_t **self_p);
/* Negative if a goes before b, 0 if they are the same request. */
int floor_req_cmp(const floor_req_t *a, const floor_req_t *b);
/* Fills a request; returns -1 with *cause set if talker is empty or
 * longer than FLOOR_KEY_MAX. */
int floor_req_set(floor_req_t *req, const char *talker, uint32_t stream,
    uint64_t lamport, floor_prio_t prio, char **cause);
/* A press at now_us. On FLOOR_PREEMPTED, *preempted (if not NULL) is set
 * to the request that lost the floor. */
floor_result_t floor_request(floor_t *self, const floor_req_t *req,
    int64_t now_us, floor_req_t *preempted);
/* A frame of (talker, stream) at now_us. Returns true if it comes from
 * the holder (whose time-out restarts): only those are played. */
bool floor_frame(
    floor_t *self, const char *talker, uint32_t stream, int64_t now_us);
/* The holder lets go. Returns false if (talker, stream) did not hold the
 * floor. */
bool floor_release(floor_t *self, const char *talker, uint32_t stream);
/* Releases a holder silent since the time-out. Returns true if it did,
 * with the request in *expired (if not NULL). */
bool floor_tick(floor_t *self, int64_t now_us, floor_req_t *expired);
/* The holder's request, or NULL if the floor is free. */
const floor_req_t *floor_holder(const floor_t *self);

const char *floor_result_name(floor_result_t result);

void floor_test(bool verbose);

#endif
