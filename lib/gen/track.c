/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-flow reply tracking: classification of replies and loss by timeout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen/track.h"

int
gen_track_init(struct gen_track *t, uint64_t capacity)
{
	uint64_t cap = 1;

	memset(t, 0, sizeof(*t));
	while (cap < capacity)
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (t->slots == NULL)
		return -ENOMEM;
	t->mask = cap - 1;
	return 0;
}

void
gen_track_fini(struct gen_track *t)
{
	free(t->slots);
	t->slots = NULL;
}

static inline uint64_t
slot_state(const struct gen_slot *s)
{
	return s->tag & GEN_SLOT_STATE_MASK;
}

static inline void
slot_set_state(struct gen_slot *s, uint64_t state)
{
	s->tag = (s->tag & ~GEN_SLOT_STATE_MASK) | state;
}

/* Keep the invariant: oldest is next_seq, or the slot of an outstanding message. */
static void
track_advance(struct gen_track *t)
{
	while (t->oldest < t->next_seq &&
	       slot_state(&t->slots[t->oldest & t->mask]) != GEN_SLOT_OUT)
		t->oldest++;
}

enum gen_reply_verdict
gen_track_reply(struct gen_track *t, uint64_t seq, bool *measured)
{
	struct gen_slot *s;

	*measured = false;
	if (seq >= t->next_seq)
		return GEN_REPLY_UNKNOWN;
	s = &t->slots[seq & t->mask];
	if (s->tag >> GEN_SLOT_SEQ_SHIFT != seq)
		return GEN_REPLY_LATE;	/* its slot was reused: resolved long ago */
	*measured = (s->tag & GEN_SLOT_MEASURED) != 0;
	switch (slot_state(s)) {
	case GEN_SLOT_OUT:
		break;
	case GEN_SLOT_DONE:
		return GEN_REPLY_DUPLICATE;
	default:
		return GEN_REPLY_LATE;
	}
	slot_set_state(s, GEN_SLOT_DONE);
	t->outstanding--;
	if (seq == t->oldest)
		track_advance(t);
	if (seq + 1 < t->rx_high)
		return GEN_REPLY_REORDERED;
	t->rx_high = seq + 1;
	return GEN_REPLY_OK;
}

static void
track_lose_oldest(struct gen_track *t, uint64_t *measured_lost)
{
	struct gen_slot *s = &t->slots[t->oldest & t->mask];

	slot_set_state(s, GEN_SLOT_LOST);
	t->outstanding--;
	if (s->tag & GEN_SLOT_MEASURED)
		(*measured_lost)++;
	t->oldest++;
	track_advance(t);
}

uint64_t
gen_track_expire(struct gen_track *t, uint64_t deadline, uint64_t *measured_lost)
{
	uint64_t n = 0;

	/* Send times grow with the sequence, so the first one still in time ends the scan. */
	while (t->oldest < t->next_seq && t->slots[t->oldest & t->mask].ts <= deadline) {
		track_lose_oldest(t, measured_lost);
		n++;
	}
	return n;
}

uint64_t
gen_track_evict(struct gen_track *t, uint64_t *measured_lost)
{
	if (t->oldest == t->next_seq)
		return 0;
	track_lose_oldest(t, measured_lost);
	return 1;
}

uint64_t
gen_track_oldest_ts(const struct gen_track *t)
{
	if (t->oldest == t->next_seq)
		return UINT64_MAX;
	return t->slots[t->oldest & t->mask].ts;
}

const char *
gen_reply_verdict_name(enum gen_reply_verdict v)
{
	switch (v) {
	case GEN_REPLY_OK:
		return "ok";
	case GEN_REPLY_REORDERED:
		return "reordered";
	case GEN_REPLY_DUPLICATE:
		return "duplicate";
	case GEN_REPLY_LATE:
		return "late";
	case GEN_REPLY_UNKNOWN:
		return "unknown sequence";
	}
	return "?";
}
