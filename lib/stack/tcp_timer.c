/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP timers: one per connection on a per-lcore wheel of 1 ms slots, run from the worker loop. */
#include "tcp_int.h"

/*
 * Why a wheel and not rte_timer: the RTO is re-armed on almost every ACK, and a wheel arms and
 * cancels in a few stores with no lock, where rte_timer takes its per-lcore lock and walks a skip
 * list. Deadlines past one turn sit in the slot of their millisecond and are passed over until
 * their turn comes.
 */
#define TCP_RTO_K 4                        /* RFC 6298 sec. 2 */

static inline uint32_t *
wheel_slot(struct tcp_ctx *ctx, uint64_t at_ms)
{
	return &ctx->wheel[at_ms % TCP_WHEEL_SLOTS];
}

void
tcp_timer_cancel(struct tcp_ctx *ctx, struct tcp_tcb *tcb)
{
	if (tcb->timer_kind == TCP_TIMER_NONE)
		return;
	if (tcb->timer_prev != 0)
		ctx->tcb[tcb->timer_prev - 1].timer_next = tcb->timer_next;
	else
		*wheel_slot(ctx, tcb->timer_at_ms) = tcb->timer_next;
	if (tcb->timer_next != 0)
		ctx->tcb[tcb->timer_next - 1].timer_prev = tcb->timer_prev;
	tcb->timer_prev = tcb->timer_next = 0;
	tcb->timer_kind = TCP_TIMER_NONE;
}

void
tcp_timer_arm(struct tcp_ctx *ctx, struct tcp_tcb *tcb, enum tcp_timer_kind kind, uint64_t in_ms)
{
	uint32_t idx = tcb_index(ctx, tcb) + 1, *slot;

	tcp_timer_cancel(ctx, tcb);
	/* Never the slot being run: the earliest is the next millisecond. */
	tcb->timer_at_ms = RTE_MAX(ctx->now_us / 1000, ctx->wheel_ms) + RTE_MAX(in_ms, 1u);
	tcb->timer_kind = (uint8_t)kind;
	slot = wheel_slot(ctx, tcb->timer_at_ms);
	tcb->timer_prev = 0;
	tcb->timer_next = *slot;
	if (*slot != 0)
		ctx->tcb[*slot - 1].timer_prev = idx;
	*slot = idx;
}

/* RFC 6298 sec. 2.2 and 2.3, in microseconds; the RTO in milliseconds within its bounds. */
void
tcp_rtt_sample(struct tcp_tcb *tcb, uint64_t rtt_us)
{
	uint32_t r = (uint32_t)RTE_MIN(rtt_us, (uint64_t)TCP_RTO_MAX_MS * 1000);
	uint32_t rto_us;

	if (tcb->srtt_us == 0) {
		tcb->srtt_us = RTE_MAX(r, 1u);
		tcb->rttvar_us = r / 2;
	} else {
		uint32_t err = tcb->srtt_us > r ? tcb->srtt_us - r : r - tcb->srtt_us;

		tcb->rttvar_us = (3 * tcb->rttvar_us + err) / 4;
		tcb->srtt_us = RTE_MAX((7 * tcb->srtt_us + r) / 8, 1u);
	}
	/* G, the clock granularity, is the wheel's millisecond. */
	rto_us = tcb->srtt_us + RTE_MAX(1000u, TCP_RTO_K * tcb->rttvar_us);
	tcb->rto_ms = RTE_MIN(RTE_MAX(rto_us / 1000, (uint32_t)TCP_RTO_MIN_MS),
			      (uint32_t)TCP_RTO_MAX_MS);
}

static void
tcp_backoff(struct tcp_tcb *tcb)
{
	tcb->rto_ms = RTE_MIN(tcb->rto_ms * 2, (uint32_t)TCP_RTO_MAX_MS);
}

/*
 * The wait before the next zero-window probe: the RTO doubled for each probe of this zero
 * window, at most TCP_PERSIST_MAX_MS. 60 s is RFC 6298 sec. 2.5's least allowed RTO maximum
 * (Linux caps at 120 s): a window update of the peer that was lost costs at most a minute, and
 * a window held shut for hours costs one 54-byte probe a minute. The RTO itself is left alone,
 * so data sent once the window opens is timed from the measured RTO, not a backed-off one.
 */
static uint32_t
tcp_persist_ms(const struct tcp_tcb *tcb)
{
	uint64_t ms = (uint64_t)tcb->rto_ms << RTE_MIN(tcb->retries, 16u);

	return (uint32_t)RTE_MIN(ms, (uint64_t)TCP_PERSIST_MAX_MS);
}

/*
 * RFC 6429: a connection whose window has been shut for TCP_PERSIST_MAX answered probes may be
 * given up when the lcore needs what it holds: every TCB in use, or the retransmission mbuf
 * budget spent. Otherwise it is kept as long as the peer answers (RFC 9293 sec. 3.8.6.1).
 */
static bool
tcp_persist_pressure(const struct tcp_ctx *ctx, const struct tcp_tcb *tcb)
{
	return tcb->retries >= TCP_PERSIST_MAX &&
	       (ctx->stats.tcbs_in_use >= ctx->tcbs ||
		ctx->stats.rtx_mbufs >= ctx->rtx_mbufs_max);
}

static void
tcp_timer_fire(struct tcp_ctx *ctx, struct tcp_tcb *tcb, enum tcp_timer_kind kind)
{
	uint64_t idle_us;

	switch (kind) {
	case TCP_TIMER_RTO:
		ctx->stats.rto_expiries++;
		if (++tcb->retries > TCP_RETRIES_MAX) {
			tcp_abort(ctx, tcb, &ctx->stats.conns_timed_out);
			return;
		}
		tcp_backoff(tcb);
		tcb->recover = tcb->snd_nxt;
		tcb->recovering = true;
		tcp_retransmit(ctx, tcb);
		tcp_timer_arm(ctx, tcb, TCP_TIMER_RTO, tcb->rto_ms);
		return;
	case TCP_TIMER_PERSIST:
		/* TCP_PERSIST_MAX probes in a row without a segment back: the peer is gone. */
		if (tcb->probes_out >= TCP_PERSIST_MAX) {
			tcp_abort(ctx, tcb, &ctx->stats.conns_timed_out);
			return;
		}
		if (tcp_persist_pressure(ctx, tcb)) {
			ctx->stats.zero_window_aborts++;
			tcp_abort(ctx, tcb, &ctx->stats.conns_reset);
			return;
		}
		/* An ACK one below what the peer expects: it answers with its window. */
		if (tcp_send_fresh(ctx, tcb, RTE_TCP_ACK_FLAG, tcb->snd_nxt - 1, NULL, 0))
			ctx->stats.zero_window_probes++;
		tcb->probes_out++;
		if (tcb->retries < UINT8_MAX)
			tcb->retries++;
		tcp_timer_arm(ctx, tcb, TCP_TIMER_PERSIST, tcp_persist_ms(tcb));
		return;
	case TCP_TIMER_IDLE:
		idle_us = ctx->now_us - tcb->last_rx_us;
		if (idle_us < (uint64_t)TCP_IDLE_MS * 1000) {
			tcp_timer_arm(ctx, tcb, TCP_TIMER_IDLE,
				      TCP_IDLE_MS - idle_us / 1000);
			return;
		}
		if (tcb->state == TCP_ESTABLISHED && tcb->queued == 0) {
			/* We close first: FIN-WAIT-1, then TIME-WAIT on our side. */
			if (tcp_send_fresh(ctx, tcb, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
					   tcb->snd_nxt, NULL, 0)) {
				tcb->fin_sent = true;
				tcb->snd_nxt++;
				tcb->state = TCP_FIN_WAIT_1;
				tcb->retries = 0;
				tcp_timer_arm(ctx, tcb, TCP_TIMER_RTO, tcb->rto_ms);
			} else {
				tcp_timer_arm(ctx, tcb, TCP_TIMER_IDLE, tcb->rto_ms);
			}
			return;
		}
		/* FIN-WAIT-2 (the peer never closes) or anything stuck: let it go. */
		tcp_abort(ctx, tcb, &ctx->stats.conns_timed_out);
		return;
	case TCP_TIMER_TIME_WAIT:
		ctx->stats.conns_closed++;
		tcp_tcb_free(ctx, tcb);
		return;
	case TCP_TIMER_NONE:
		return;
	}
}

void
tcp_ctx_tick(struct tcp_ctx *ctx, uint64_t now_us)
{
	uint64_t now_ms = now_us / 1000;

	ctx->now_us = now_us;
	if (unlikely(!ctx->ticked)) {
		ctx->ticked = true;
		ctx->wheel_ms = now_ms;
	}
	if (unlikely(now_ms > ctx->wheel_ms + TCP_WHEEL_SLOTS))
		ctx->wheel_ms = now_ms - TCP_WHEEL_SLOTS; /* a stall: one turn visits every slot */
	while (ctx->wheel_ms < now_ms) {
		uint32_t i = *wheel_slot(ctx, ++ctx->wheel_ms);

		while (i != 0) {
			struct tcp_tcb *tcb = &ctx->tcb[i - 1];
			enum tcp_timer_kind kind = tcb->timer_kind;

			i = tcb->timer_next;
			if (tcb->timer_at_ms > now_ms)
				continue;
			tcp_timer_cancel(ctx, tcb);
			tcp_timer_fire(ctx, tcb, kind);
		}
	}
}
