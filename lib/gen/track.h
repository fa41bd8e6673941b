/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-flow reply tracking: which sequence numbers are outstanding, which came back, which are
 * lost after a timeout, and whether a reply is a duplicate, reordered, late or never sent. */
#ifndef GEN_TRACK_H
#define GEN_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A ring of slots indexed by seq & mask remembers every message from the oldest unresolved one
 * up to the next to send, and resolved ones until their slot is reused. A slot packs the
 * sequence number with a state and a "measured" bit (sent inside the measured interval).
 */
enum gen_slot_state {
	GEN_SLOT_FREE = 0,
	GEN_SLOT_OUT,		/* sent, no reply yet */
	GEN_SLOT_DONE,		/* reply received */
	GEN_SLOT_LOST,		/* no reply within the timeout */
};

#define GEN_SLOT_STATE_MASK UINT64_C(3)
#define GEN_SLOT_MEASURED UINT64_C(4)
#define GEN_SLOT_SEQ_SHIFT 3

struct gen_slot {
	uint64_t ts;		/* send time (intended send time in open loop), ns */
	uint64_t tag;		/* seq << GEN_SLOT_SEQ_SHIFT | measured | state */
};

struct gen_track {
	struct gen_slot *slots;
	uint64_t mask;		/* capacity - 1, capacity a power of two */
	uint64_t next_seq;	/* sequence number the next message gets */
	uint64_t oldest;	/* no message before this one is outstanding */
	uint64_t rx_high;	/* highest sequence received + 1; 0 before the first reply */
	uint64_t outstanding;
};

enum gen_reply_verdict {
	GEN_REPLY_OK = 0,	/* first reply to an outstanding message */
	GEN_REPLY_REORDERED,	/* as OK, but a later message's reply came first */
	GEN_REPLY_DUPLICATE,	/* a second reply to a message already answered */
	GEN_REPLY_LATE,		/* reply to a message already counted lost, or too old to know */
	GEN_REPLY_UNKNOWN,	/* a sequence number this flow never sent */
};

/* capacity is rounded up to a power of two. Returns 0 or -ENOMEM. */
int gen_track_init(struct gen_track *t, uint64_t capacity);
void gen_track_fini(struct gen_track *t);

/* Room for one more message: its slot is not held by an unresolved one. */
static inline bool
gen_track_can_send(const struct gen_track *t)
{
	return t->next_seq - t->oldest <= t->mask;
}

/* How many more messages fit before the ring is full. */
static inline uint64_t
gen_track_room(const struct gen_track *t)
{
	return t->mask + 1 - (t->next_seq - t->oldest);
}

/* Record that the message with sequence t->next_seq left at ts. Requires gen_track_can_send. */
static inline void
gen_track_sent(struct gen_track *t, uint64_t ts, bool measured)
{
	struct gen_slot *s = &t->slots[t->next_seq & t->mask];

	s->ts = ts;
	s->tag = t->next_seq << GEN_SLOT_SEQ_SHIFT | (measured ? GEN_SLOT_MEASURED : 0) |
		 GEN_SLOT_OUT;
	t->next_seq++;
	t->outstanding++;
}

/*
 * Classify a reply for sequence seq. *measured tells whether the message it answers was sent
 * inside the measured interval (false for UNKNOWN and for LATE replies whose slot is reused).
 */
enum gen_reply_verdict gen_track_reply(struct gen_track *t, uint64_t seq, bool *measured);

/*
 * Declare lost every outstanding message sent at or before deadline (now - timeout).
 * Returns how many were declared lost; *measured_lost counts the measured ones among them.
 */
uint64_t gen_track_expire(struct gen_track *t, uint64_t deadline, uint64_t *measured_lost);

/* Declare the oldest outstanding message lost to make room (ring full). Same counts. */
uint64_t gen_track_evict(struct gen_track *t, uint64_t *measured_lost);

/* Send time of the oldest outstanding message, or UINT64_MAX when none is outstanding. */
uint64_t gen_track_oldest_ts(const struct gen_track *t);

const char *gen_reply_verdict_name(enum gen_reply_verdict v);

#endif
