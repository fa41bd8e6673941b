/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP echo endpoint's public face: one context per worker lcore, its counters and timers. */
#ifndef STACK_TCP_H
#define STACK_TCP_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "stack.h"

#define TCP_TCBS_DEFAULT 4096
#define TCP_TCBS_MAX (1u << 20)

/*
 * TCP events, per lcore (the verdicts say what became of each received frame; these say what
 * TCP did). Gauges are marked; the rest only grow. The string is the counter's name in the JSON
 * object "tcp", telemetry /bypass/tcp and the terminal.
 */
#define TCP_STATS_LIST(X) \
	X(conns_opened) \
	X(conns_closed) \
	X(conns_reset) \
	X(conns_timed_out) \
	X(tcbs_in_use)          /* gauge */ \
	X(tcbs_max)             /* gauge: the table's size */ \
	X(segs_sent) \
	X(data_segs_sent) \
	X(acks_sent) \
	X(dup_acks_sent) \
	X(rsts_sent) \
	X(challenge_acks) \
	X(retransmits) \
	X(fast_retransmits)     /* of retransmits: on the third duplicate ACK */ \
	X(rto_expiries) \
	X(zero_window_probes) \
	X(zero_window_aborts)   /* of conns_reset: a long zero window under resource pressure */ \
	X(syn_cookies_sent) \
	X(syn_cookies_ok) \
	X(syn_cookies_bad) \
	X(rtx_mbufs)            /* gauge: mbufs held for retransmission or a closed window */ \
	X(tx_queue_full)        /* segments not sent: the lcore's TX queue was full */ \
	X(alloc_failed)         /* segments not sent: no mbuf to build them in */ \
	X(ooo_held)             /* out-of-order segments held until the gap before them filled */

struct tcp_stats {
#define TCP_STATS_FIELD(name) uint64_t name;
	TCP_STATS_LIST(TCP_STATS_FIELD)
#undef TCP_STATS_FIELD
};

#define TCP_STATS_COUNT (sizeof(struct tcp_stats) / sizeof(uint64_t))

/* The counter names in struct tcp_stats order. */
extern const char *const tcp_stats_names[TCP_STATS_COUNT];

static inline uint64_t
tcp_stats_get(const struct tcp_stats *s, size_t i)
{
	return ((const uint64_t *)s)[i];
}

struct tcp_ctx_conf {
	uint32_t tcbs;              /* TCBs in this lcore's table (TCP_TCBS_DEFAULT) */
	struct rte_mempool *pool;   /* where segments that are not replies in place are built */
	uint32_t rtx_mbufs_max;     /* at most this many mbufs held at once (0: tcbs * 4) */
	uint16_t mtu;               /* our MSS is mtu - 40 */
	uint64_t secret[2];         /* SYN cookie and ISN key, the same on every lcore */
};

struct tcp_ctx;

/*
 * Create one lcore's TCP endpoint: its TCB table, timer wheel and TX queue, in ordinary memory
 * (no device reads it; hugepages stay for mbufs). Control path. Returns NULL with what failed
 * in err.
 */
struct tcp_ctx *tcp_ctx_create(const struct stack_conf *conf, const struct tcp_ctx_conf *tc,
			       char *err, size_t errlen);

/*
 * Tear down every connection (no segment is sent), free every mbuf held and queued. Returns the
 * number of TCBs torn down; *mbufs (may be NULL) gets the number of mbufs freed.
 */
unsigned int tcp_ctx_flush(struct tcp_ctx *ctx, unsigned int *mbufs);

/*
 * Reset up to max connections: a RST to each peer is queued for tcp_ctx_tx_drain() and the TCB
 * freed (counted in conns_reset). Returns how many; 0 when none is left. For a stop that tells
 * the peers, in rounds the TX queue can hold.
 */
unsigned int tcp_ctx_reset_some(struct tcp_ctx *ctx, unsigned int max);

/* tcp_ctx_flush(), then free the context. NULL is accepted. */
void tcp_ctx_destroy(struct tcp_ctx *ctx);

/*
 * Advance this lcore's clock to now_us (any monotonic microsecond clock) and run the timers that
 * expired: retransmissions, persist probes, TIME-WAIT and idle ends. Call it from the worker
 * loop at least every millisecond or so; it costs a compare when no millisecond has passed.
 * Segments it makes are queued for tcp_ctx_tx_drain().
 */
void tcp_ctx_tick(struct tcp_ctx *ctx, uint64_t now_us);

/* Move up to max queued segments (oldest first) into pkts for TX; returns how many. */
uint16_t tcp_ctx_tx_drain(struct tcp_ctx *ctx, struct rte_mbuf **pkts, uint16_t max);

/* Segments waiting in the TX queue. */
uint16_t tcp_ctx_tx_pending(const struct tcp_ctx *ctx);

const struct tcp_stats *tcp_ctx_stats(const struct tcp_ctx *ctx);

#endif
