/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP inside the stack: the TCB, the per-lcore context, and what the tcp_*.c files share. */
#ifndef STACK_TCP_INT_H
#define STACK_TCP_INT_H

#include <rte_ip.h>
#include <rte_tcp.h>

#include "ipv4.h"
#include "tcp.h"

#define TCP_HDR_BYTES 20
#define TCP_MSS_OPT_BYTES 4
#define TCP_FRAME_HDR_BYTES (RTE_ETHER_HDR_LEN + IPV4_MIN_HDR_BYTES + TCP_HDR_BYTES)
#define TCP_MSS_DEFAULT 536         /* RFC 9293 sec. 3.7.1: no MSS option */
#define TCP_WINDOW_MAX 65535        /* no window scaling */
#define TCP_BUDGET_BYTES 65535      /* per connection: echoed unacked + waiting for the window */
#define TCP_SEGQ_MAX 64             /* held segments per connection */
#define TCP_OOO_MAX 48              /* out-of-order segments held: a 64 KiB window of MSS 1460 */
#define TCP_TXQ_MAX 512             /* segments queued for TX per lcore */
#define TCP_RTO_INIT_MS 1000        /* RFC 6298 sec. 2.1 */
#define TCP_RTO_MIN_MS 200          /* Linux's; RFC 6298 says 1 s, too slow for a lab's loss */
#define TCP_RTO_MAX_MS 60000
#define TCP_RETRIES_MAX 8           /* RTO expiries in a row before the connection is reset */
#define TCP_DUPACK_THRESHOLD 3      /* RFC 5681 sec. 3.2 */
#define TCP_PERSIST_MAX 8           /* unanswered zero-window probes in a row: the peer is gone */
#define TCP_PERSIST_MAX_MS 60000    /* probe backoff cap (see tcp_persist_ms()) */
#define TCP_IDLE_MS 60000           /* an idle connection is closed (FIN) by us after this */
#define TCP_MSL_MS 30000            /* TIME-WAIT lasts 2 MSL */
#define TCP_CHALLENGE_MAX 10        /* challenge ACKs per connection in ... */
#define TCP_CHALLENGE_WINDOW_US 5000000 /* ... 5 s (RFC 5961 sec. 7's example) */
#define TCP_WHEEL_SLOTS 1024        /* 1 ms each: a turn is about a second */
#define TCP_TCB_FULL_LOG_US 1000000 /* at most one "table full" log line a second per lcore */

enum tcp_state {
	TCP_FREE = 0,
	TCP_ESTABLISHED,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
};

enum tcp_timer_kind {
	TCP_TIMER_NONE = 0,
	TCP_TIMER_RTO,
	TCP_TIMER_PERSIST,
	TCP_TIMER_IDLE,     /* FIN-WAIT-2 too */
	TCP_TIMER_TIME_WAIT,
};

/* A run of received bytes we echo: held by a reference on the mbuf that brought it. */
struct tcp_seg {
	struct rte_mbuf *m;
	uint8_t *data;      /* the bytes not yet acknowledged by the peer */
	uint32_t seq;       /* our sequence number of data[0] */
	uint16_t len;
};

struct tcp_tcb {
	/* lookup: the peer's address and port and our port; wire order */
	rte_be32_t peer_ip;
	rte_be16_t peer_port;
	rte_be16_t local_port;
	uint32_t hash_next;       /* index + 1 of the next TCB in the bucket, 0: none */
	uint32_t timer_prev;      /* wheel links, index + 1 */
	uint32_t timer_next;
	uint8_t state;
	uint8_t timer_kind;
	uint8_t retries;          /* RTO expiries (or persist probes) in a row */
	uint8_t dupacks;          /* duplicate ACKs in a row */
	uint8_t probes_out;       /* persist probes since the peer last sent a segment */
	bool fin_sent;            /* our FIN has a sequence number (snd_nxt counts it) */
	bool rtt_timing;
	bool recovering;          /* after a loss: each ACK below recover resends the next one */
	struct rte_ether_addr peer_mac;
	uint16_t mss;             /* the peer's */
	uint16_t snd_wnd;         /* the peer's window */
	uint32_t snd_una, snd_nxt, snd_wl1, snd_wl2;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;         /* the right edge of the window we last advertised */
	uint32_t queued;          /* bytes in segq: sent unacked, then unsent */
	uint32_t rtt_seq;
	uint32_t recover;         /* snd_nxt when the RTO fired */
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint64_t rtt_start_us;
	uint64_t timer_at_ms;
	uint64_t last_rx_us;
	uint64_t challenge_from_us; /* the start of the current challenge ACK window */
	uint8_t challenges;         /* challenge ACKs sent in it */
	uint16_t segq_head, segq_count;
	uint16_t ooo_count;
	struct tcp_seg segq[TCP_SEGQ_MAX];
	struct tcp_seg ooo[TCP_OOO_MAX]; /* in the peer's sequence order, none overlapping */
};

struct tcp_ctx {
	const struct stack_conf *conf;
	struct rte_mempool *pool;
	struct tcp_stats stats;
	uint64_t now_us;
	uint64_t wheel_ms;        /* the last millisecond whose slot was run */
	bool ticked;              /* wheel_ms has been set by a first tick */
	uint64_t tcb_full_log_us;
	uint64_t secret[2];
	uint32_t tcbs;
	uint32_t hash_mask;
	uint32_t hash_seed;
	uint32_t free_head;       /* index + 1 of the first free TCB */
	uint32_t rtx_mbufs_max;
	uint16_t our_mss;
	uint16_t txq_count;
	struct rte_mbuf *txq[TCP_TXQ_MAX];
	uint32_t wheel[TCP_WHEEL_SLOTS]; /* index + 1 of each slot's first TCB */
	uint32_t *buckets;
	struct tcp_tcb *tcb;
};

/* Sequence number comparisons modulo 2^32 (RFC 9293 sec. 3.4). */
static inline bool
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline uint32_t
tcb_index(const struct tcp_ctx *ctx, const struct tcp_tcb *tcb)
{
	return (uint32_t)(tcb - ctx->tcb);
}

/* A received segment, parsed: what a reply needs once the frame's headers are overwritten. */
struct tcp_in {
	struct rte_ether_addr peer_mac;
	rte_be32_t peer_ip;
	rte_be16_t peer_port;
	rte_be16_t local_port;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint16_t mss;             /* the SYN's MSS option, 0: none */
	uint8_t *payload;
	uint16_t plen;
	uint64_t psum;            /* one's complement sum of the payload, unfolded */
};

/* What a segment out carries besides its payload. */
struct tcp_out {
	rte_be32_t peer_ip;
	rte_be16_t peer_port;
	rte_be16_t local_port;
	const struct rte_ether_addr *peer_mac;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint16_t mss;             /* MSS option to send, 0: none */
};

/* tcp_in.c */
enum stack_verdict tcp_input(const struct stack_conf *conf, struct stack_pkt *pkt,
			     struct rte_ipv4_hdr *ip, uint16_t ip_hdr_len, uint16_t ip_payload);

/* tcp_out.c */
uint16_t tcp_write(const struct stack_conf *conf, uint8_t *frame, const struct tcp_out *o,
		   uint16_t plen, uint64_t psum);
void tcp_count_sent(struct tcp_ctx *ctx, uint8_t flags, uint16_t plen);
bool tcp_txq_push(struct tcp_ctx *ctx, struct rte_mbuf *m);
bool tcp_send_fresh(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint8_t flags, uint32_t seq,
		    const uint8_t *payload, uint16_t plen);
void tcp_out_from_tcb(const struct tcp_ctx *ctx, struct tcp_tcb *tcb, struct tcp_out *o,
		      uint8_t flags, uint32_t seq);
uint16_t tcp_rcv_wnd(const struct tcp_ctx *ctx, const struct tcp_tcb *tcb);
uint16_t tcp_adv_wnd_left(const struct tcp_tcb *tcb);
void tcp_output(struct tcp_ctx *ctx, struct tcp_tcb *tcb);
void tcp_sent_new(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint32_t end);
bool tcp_retransmit(struct tcp_ctx *ctx, struct tcp_tcb *tcb);
void tcp_segq_release(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint32_t ack);
void tcp_ooo_flush(struct tcp_ctx *ctx, struct tcp_tcb *tcb);

/* tcp_tcb.c */
struct tcp_tcb *tcp_tcb_lookup(struct tcp_ctx *ctx, rte_be32_t peer_ip, rte_be16_t peer_port,
			       rte_be16_t local_port);
struct tcp_tcb *tcp_tcb_alloc(struct tcp_ctx *ctx, rte_be32_t peer_ip, rte_be16_t peer_port,
			      rte_be16_t local_port);
void tcp_tcb_free(struct tcp_ctx *ctx, struct tcp_tcb *tcb);
void tcp_abort(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint64_t *counter);

/* tcp_timer.c */
void tcp_timer_arm(struct tcp_ctx *ctx, struct tcp_tcb *tcb, enum tcp_timer_kind kind,
		   uint64_t in_ms);
void tcp_timer_cancel(struct tcp_ctx *ctx, struct tcp_tcb *tcb);
void tcp_rtt_sample(struct tcp_tcb *tcb, uint64_t rtt_us);

/* tcp_cookie.c */
uint32_t tcp_cookie_make(const struct tcp_ctx *ctx, const struct tcp_in *in);
uint16_t tcp_cookie_check(const struct tcp_ctx *ctx, const struct tcp_in *in);
uint32_t tcp_hash_tuple(uint32_t seed, rte_be32_t ip, rte_be16_t peer_port,
			rte_be16_t local_port);

#endif
