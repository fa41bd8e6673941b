/* SPDX-License-Identifier: BSD-3-Clause */
/* MSG_ZEROCOPY sends: a pool of message buffers that stay untouched until the kernel says it is
 * done with them, the completions read from the socket's error queue, and their counts. */
#ifndef GEN_ZCOPY_H
#define GEN_ZCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_writer;

/* How echo-gen sends with --zerocopy. */
enum gen_zc_mode {
	GEN_ZC_OFF,
	GEN_ZC_MSG,		/* send()/sendmmsg() with MSG_ZEROCOPY, completions on the error queue */
	GEN_ZC_URING,		/* io_uring IORING_OP_SEND_ZC, completions as notification CQEs */
};

/* "msg_zerocopy", "io_uring_send_zc"; NULL when off. */
const char *gen_zc_mode_name(enum gen_zc_mode m);

/*
 * What the kernel reported. A zero-copy send is one send call that queued at least one byte;
 * each gets the next 32-bit id of its socket, and a completion names a range of ids. The
 * kernel copies instead (loopback, Unix-like local delivery, a device without scatter-gather)
 * and says so with SO_EE_CODE_ZEROCOPY_COPIED: those ids count in copied.
 */
struct gen_zc_counts {
	uint64_t sends;		/* send calls made with MSG_ZEROCOPY that queued data */
	uint64_t completed;	/* of them, completions read: completed <= sends */
	uint64_t copied;	/* of the completed, the kernel copied the data after all */
	uint64_t notifications;	/* error-queue messages read (a range each) */
	uint64_t starved;	/* times sending waited for a buffer or an id to come back */
	int64_t optmem_start;	/* SK_MEMINFO_OPTMEM summed over sockets at open ... */
	int64_t optmem_end;	/* ... and after the last completion (equal: nothing pinned) */
};

/*
 * One socket's buffers. A message is written into a free slot and the slot is queued for
 * sending; every send call on it takes an id; the slot comes back to the free list only when
 * it has been sent whole and every one of its ids has completed, so its bytes (header and
 * pattern, written per message) are never changed while the kernel may still read them.
 */
struct gen_zc_pool {
	uint8_t *mem;
	size_t slot_bytes;
	unsigned nslots;
	unsigned *free;			/* stack of free slot indices */
	unsigned nfree;
	uint32_t *pending;		/* per slot: ids not yet completed */
	bool *sending;			/* per slot: queued and not yet sent whole */
	/* ids [id_head, id_next) in flight, id i belongs to slot id_slot[i % id_cap] */
	uint32_t id_head, id_next;
	unsigned id_cap;
	unsigned *id_slot;
	bool *id_done;
	unsigned debug;			/* GEN_ZC_DEBUG_* from BYPASSLAB_ZC_DEBUG */
	struct gen_zc_counts *counts;
};

/* Test hooks, from the environment variable BYPASSLAB_ZC_DEBUG (comma-separated words). */
#define GEN_ZC_DEBUG_SCRIBBLE 1u	/* "scribble": overwrite a slot the moment it is freed */
#define GEN_ZC_DEBUG_EARLY    2u	/* "early": free a slot once sent, before completion
					 * (wrong on purpose: what the tests must catch) */

/* Parse BYPASSLAB_ZC_DEBUG. */
unsigned gen_zc_debug_from_env(void);

/*
 * nslots buffers of slot_bytes each and room for id_cap ids in flight; counts (shared by the
 * pools of one connection) receives what happens. Returns 0 or -ENOMEM.
 */
int gen_zc_pool_init(struct gen_zc_pool *p, size_t slot_bytes, unsigned nslots, unsigned id_cap,
		     struct gen_zc_counts *counts);
void gen_zc_pool_fini(struct gen_zc_pool *p);

/* A free slot for a new message (its index in *slot), or NULL when all are in use. */
uint8_t *gen_zc_slot_get(struct gen_zc_pool *p, unsigned *slot);

/* Give back a slot that was taken and never sent. */
void gen_zc_slot_put(struct gen_zc_pool *p, unsigned slot);

static inline uint8_t *
gen_zc_slot_mem(const struct gen_zc_pool *p, unsigned slot)
{
	return p->mem + (size_t)slot * p->slot_bytes;
}

/* Whether another send call may be made (its id needs a place to be tracked). */
static inline bool
gen_zc_id_room(const struct gen_zc_pool *p)
{
	return p->id_next - p->id_head < p->id_cap;
}

/* Ids sent and not completed. */
static inline unsigned
gen_zc_inflight(const struct gen_zc_pool *p)
{
	return p->id_next - p->id_head;
}

/* A send call on slot queued data: it took the next id. Call only with gen_zc_id_room(). */
void gen_zc_sent(struct gen_zc_pool *p, unsigned slot);

/* The slot's message has been sent whole: it is freed once its ids complete. */
void gen_zc_slot_sent(struct gen_zc_pool *p, unsigned slot);

/*
 * A send call that took an id but will get no completion (io_uring: a send that failed, or
 * one the kernel finished without pinning): forget the id as if never sent.
 */
void gen_zc_forget(struct gen_zc_pool *p, uint32_t id);

/*
 * The kernel completed ids lo..hi (inclusive, wrapping), copied or not. Returns 0, or -EPROTO
 * for a range that names ids not in flight (nothing is changed then).
 */
int gen_zc_complete(struct gen_zc_pool *p, uint32_t lo, uint32_t hi, bool copied);

/* Turn on SO_ZEROCOPY. Returns 0 or a negative errno with err naming what failed. */
int gen_zc_enable(int fd, char *err, size_t errlen);

/*
 * Read every completion queued on fd's error queue into p. Returns how many notifications were
 * read, or a negative errno (-EPROTO: something on the queue that is not a zero-copy
 * completion, a real socket error, or a bad range) with err filled.
 */
int gen_zc_reap(int fd, struct gen_zc_pool *p, uint64_t *syscalls, char *err, size_t errlen);

/*
 * Wait (up to timeout_ms) until every id of p has completed, reaping as they come. Returns 0,
 * or -ETIMEDOUT (or the reap's error) with err filled.
 */
int gen_zc_drain(int fd, struct gen_zc_pool *p, int timeout_ms, uint64_t *syscalls, char *err,
		 size_t errlen);

/* SK_MEMINFO_OPTMEM of fd (the socket's option memory, zero-copy state included), or -1. */
int64_t gen_zc_optmem(int fd);

/* Sum b into a. */
void gen_zc_counts_add(struct gen_zc_counts *a, const struct gen_zc_counts *b);

/* The results object "zerocopy" (docs/results-schema.md); null when off is NULL-safe. */
void gen_zc_report_json(struct json_writer *w, const char *mode, const struct gen_zc_counts *c);

#endif
