/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP input (RFC 9293 sec. 3.10.7): validate a segment, find or make its TCB, echo, answer. */
#include <string.h>

#include <rte_log.h>

#include "tcp_int.h"

#define TCP_FLAGS_MASK 0x3f /* URG ACK PSH RST SYN FIN; ECE and CWR are ignored */
#define TCP_OPT_END 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_MSS_LEN 4

/*
 * Check the header's options: every one must fit in the header. Returns false when one overruns;
 * *mss gets the MSS option's value (0: none).
 */
static bool
tcp_opts_parse(const uint8_t *opt, uint16_t len, uint16_t *mss)
{
	uint16_t i = 0;

	*mss = 0;
	while (i < len) {
		uint8_t kind = opt[i];

		if (kind == TCP_OPT_END)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			return false;
		if (kind == TCP_OPT_MSS && opt[i + 1] == TCP_OPT_MSS_LEN)
			*mss = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
		i += opt[i + 1];
	}
	return true;
}

/* Flag combinations that no TCP sends: SYN with FIN or RST, and anything else without ACK. */
static bool
tcp_flags_ok(uint8_t f)
{
	if (f & RTE_TCP_SYN_FLAG)
		return !(f & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG));
	return (f & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != 0;
}

/*
 * Send the frame at frame (len bytes, in the received mbuf) although the verdict is not a reply:
 * one more reference on the mbuf goes to the TX queue, the burst's free takes the other.
 */
static void
tcp_emit_in_place(struct tcp_ctx *ctx, struct stack_pkt *pkt, uint8_t *frame, uint16_t len,
		  uint8_t flags)
{
	struct rte_mbuf *m = pkt->m;

	if (m == NULL)
		return;
	m->data_off += (uint16_t)(frame - rte_pktmbuf_mtod(m, uint8_t *));
	m->data_len = len;
	m->pkt_len = len;
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	rte_mbuf_refcnt_update(m, 1);
	if (tcp_txq_push(ctx, m))
		tcp_count_sent(ctx, flags, 0);
	else
		rte_mbuf_refcnt_update(m, -1); /* freed once: undo ours, the burst frees it */
}

/*
 * A RST for a segment no connection takes (RFC 9293 sec. 3.10.7.1): seq from its ACK, or an ACK
 * of everything it occupied. Never for a RST. The verdict stays the drop the caller names.
 */
static enum stack_verdict
tcp_reset_reply(struct tcp_ctx *ctx, struct stack_pkt *pkt, const struct tcp_in *in,
		enum stack_verdict v)
{
	struct tcp_out o = {
		.peer_ip = in->peer_ip,
		.peer_port = in->peer_port,
		.local_port = in->local_port,
		.peer_mac = &in->peer_mac,
	};

	if (in->flags & RTE_TCP_RST_FLAG)
		return v;
	if (in->flags & RTE_TCP_ACK_FLAG) {
		o.seq = in->ack;
		o.flags = RTE_TCP_RST_FLAG;
	} else {
		o.ack = in->seq + in->plen + !!(in->flags & RTE_TCP_SYN_FLAG) +
			!!(in->flags & RTE_TCP_FIN_FLAG);
		o.flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	tcp_emit_in_place(ctx, pkt, pkt->data, tcp_write(ctx->conf, pkt->data, &o, 0, 0),
			  o.flags);
	return v;
}

/* An ACK of where we are, in the received mbuf, sent although the segment is dropped. */
static enum stack_verdict
tcp_ack_drop(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb,
	     enum stack_verdict v)
{
	uint16_t left = tcp_adv_wnd_left(tcb);
	struct tcp_out o;

	tcp_out_from_tcb(ctx, tcb, &o, RTE_TCP_ACK_FLAG, tcb->snd_nxt);
	/* RFC 5681 sec. 2: an ACK counts as a duplicate only if it leaves the window as it was.
	 * The ACKs the dropped segments carried may have freed budget; a larger window here would
	 * make every one of these a window update, no fast retransmit would follow and the peer
	 * would wait for its RTO. The window grows with the next ACK that moves rcv_nxt. */
	if (o.wnd > left) {
		o.wnd = left;
		tcb->rcv_adv = tcb->rcv_nxt + left;
	}
	tcp_emit_in_place(ctx, pkt, pkt->data, tcp_write(ctx->conf, pkt->data, &o, 0, 0),
			  o.flags);
	ctx->stats.dup_acks_sent++;
	return v;
}

/*
 * After an ACK freed budget and nothing went out: is a window update due? As Linux's
 * tcp_cleanup_rbuf() decides it: what is left of the advertised window is at most half the
 * largest, and the window now is at least twice that, and at least an MSS more (RFC 9293 sec.
 * 3.8.6.2.2, receiver-side silly window avoidance). Without it a peer that saw a small or zero
 * window waits for its persist timer, or for its delayed ACK while we wait for it.
 */
static bool
tcp_window_update_due(const struct tcp_ctx *ctx, const struct tcp_tcb *tcb)
{
	uint32_t left = tcp_adv_wnd_left(tcb), now = tcp_rcv_wnd(ctx, tcb);

	return tcb->state == TCP_ESTABLISHED && 2 * left <= TCP_WINDOW_MAX && now >= 2 * left &&
	       now - left >= tcb->mss;
}

/* A reply in place without payload (ACK, FIN, challenge ACK): the frame becomes it. */
static enum stack_verdict
tcp_reply_flags(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb, uint8_t flags)
{
	struct tcp_out o;

	tcp_out_from_tcb(ctx, tcb, &o, flags, tcb->snd_nxt);
	pkt->len = tcp_write(ctx->conf, pkt->data, &o, 0, 0);
	tcp_count_sent(ctx, flags, 0);
	return STACK_REPLY_TCP;
}

/*
 * A challenge ACK (RFC 5961 sec. 3.2, 4.2), throttled as sec. 7 asks: at most TCP_CHALLENGE_MAX
 * per connection in TCP_CHALLENGE_WINDOW_US, beyond that the segment is dropped unanswered. The
 * budget is per connection, not per lcore: a shared one tells an off-path sender whether some
 * other connection was just sent a challenge ACK (CVE-2016-5696).
 */
static enum stack_verdict
tcp_challenge_ack(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb)
{
	if (ctx->now_us - tcb->challenge_from_us >= TCP_CHALLENGE_WINDOW_US) {
		tcb->challenge_from_us = ctx->now_us;
		tcb->challenges = 0;
	}
	if (tcb->challenges >= TCP_CHALLENGE_MAX)
		return STACK_DROP_TCP_CHALLENGE_LIMIT;
	tcb->challenges++;
	ctx->stats.challenge_acks++;
	return tcp_reply_flags(ctx, pkt, tcb, RTE_TCP_ACK_FLAG);
}

/* The SYN-ACK of a SYN cookie, in place: nothing is remembered (RFC 4987 sec. 3.6). */
static enum stack_verdict
tcp_syn_reply(struct tcp_ctx *ctx, struct stack_pkt *pkt, const struct tcp_in *in)
{
	struct tcp_out o = {
		.peer_ip = in->peer_ip,
		.peer_port = in->peer_port,
		.local_port = in->local_port,
		.peer_mac = &in->peer_mac,
		.seq = tcp_cookie_make(ctx, in),
		.ack = in->seq + 1,
		.wnd = TCP_WINDOW_MAX,
		.flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		.mss = ctx->our_mss,
	};

	if (pkt->m != NULL && rte_pktmbuf_tailroom(pkt->m) + pkt->m->data_len <
			      TCP_FRAME_HDR_BYTES + TCP_MSS_OPT_BYTES)
		return STACK_DROP_TCP_NO_BUF;
	pkt->len = tcp_write(ctx->conf, pkt->data, &o, 0, 0);
	tcp_count_sent(ctx, o.flags, 0);
	ctx->stats.syn_cookies_sent++;
	return STACK_REPLY_TCP;
}

/* A valid cookie's ACK: the connection starts here, in ESTABLISHED. NULL: the table is full. */
static struct tcp_tcb *
tcp_open(struct tcp_ctx *ctx, const struct tcp_in *in, uint16_t mss)
{
	struct tcp_tcb *tcb = tcp_tcb_alloc(ctx, in->peer_ip, in->peer_port, in->local_port);

	if (tcb == NULL) {
		if (ctx->now_us - ctx->tcb_full_log_us >= TCP_TCB_FULL_LOG_US ||
		    ctx->tcb_full_log_us == 0) {
			ctx->tcb_full_log_us = ctx->now_us;
			RTE_LOG(WARNING, USER1, "tcp: all %u TCBs of lcore %u in use: connection "
				"refused (raise --tcp-tcbs)\n", ctx->tcbs, rte_lcore_id());
		}
		return NULL;
	}
	tcb->state = TCP_ESTABLISHED;
	rte_ether_addr_copy(&in->peer_mac, &tcb->peer_mac);
	tcb->mss = RTE_MIN(mss, ctx->our_mss);
	tcb->snd_una = tcb->snd_nxt = in->ack;
	tcb->snd_wnd = in->wnd;
	tcb->snd_wl1 = in->seq;
	tcb->snd_wl2 = in->ack;
	tcb->rcv_nxt = in->seq;
	tcb->rcv_adv = in->seq + TCP_WINDOW_MAX; /* our SYN-ACK's window */
	tcb->rto_ms = TCP_RTO_INIT_MS;
	tcb->last_rx_us = ctx->now_us;
	tcp_timer_arm(ctx, tcb, TCP_TIMER_IDLE, TCP_IDLE_MS);
	ctx->stats.conns_opened++;
	return tcb;
}

/* RFC 9293 sec. 3.10.7.4, first check: does any of the segment fall in our window? */
static bool
tcp_seq_acceptable(const struct tcp_tcb *tcb, uint32_t seq, uint32_t seg_len, uint16_t wnd)
{
	if (seg_len == 0)
		return wnd == 0 ? seq == tcb->rcv_nxt :
				  seq_le(tcb->rcv_nxt, seq) && seq_lt(seq, tcb->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return (seq_le(tcb->rcv_nxt, seq) && seq_lt(seq, tcb->rcv_nxt + wnd)) ||
	       (seq_le(tcb->rcv_nxt, seq + seg_len - 1) &&
		seq_lt(seq + seg_len - 1, tcb->rcv_nxt + wnd));
}

/* Our FIN is acknowledged: the state it leads to. Returns false when the TCB is gone. */
static bool
tcp_fin_acked(struct tcp_ctx *ctx, struct tcp_tcb *tcb)
{
	switch (tcb->state) {
	case TCP_LAST_ACK:
		ctx->stats.conns_closed++;
		tcp_tcb_free(ctx, tcb);
		return false;
	case TCP_FIN_WAIT_1:
		tcb->state = TCP_FIN_WAIT_2;
		tcp_timer_arm(ctx, tcb, TCP_TIMER_IDLE, TCP_IDLE_MS);
		return true;
	case TCP_CLOSING:
		tcb->state = TCP_TIME_WAIT;
		tcp_timer_arm(ctx, tcb, TCP_TIMER_TIME_WAIT, 2 * TCP_MSL_MS);
		return true;
	default:
		return true;
	}
}

/*
 * The ACK field of an acceptable segment (RFC 9293 sec. 3.10.7.4, fifth check, with RFC 5961
 * sec. 5). Returns STACK_VERDICT_MAX to go on with the segment's data, or the verdict.
 */
static enum stack_verdict
tcp_ack_input(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb,
	      const struct tcp_in *in)
{
	if (seq_lt(tcb->snd_nxt, in->ack))
		return tcp_ack_drop(ctx, pkt, tcb, STACK_DROP_TCP_ACK_UNSENT);
	if (seq_lt(in->ack, tcb->snd_una - TCP_WINDOW_MAX))
		return tcp_ack_drop(ctx, pkt, tcb, STACK_DROP_TCP_OUT_OF_WINDOW);
	if (in->ack == tcb->snd_una && tcb->snd_nxt != tcb->snd_una && in->plen == 0 &&
	    !(in->flags & RTE_TCP_FIN_FLAG) && in->wnd == tcb->snd_wnd) {
		/* RFC 5681 sec. 3.2: the third duplicate ACK says a segment was lost and three
		 * after it arrived. Resend it now rather than an RTO later; the partial ACKs that
		 * follow resend the rest (no congestion window is kept, see the docs). */
		if (++tcb->dupacks == TCP_DUPACK_THRESHOLD && !tcb->recovering) {
			tcb->recover = tcb->snd_nxt;
			tcb->recovering = true;
			if (tcp_retransmit(ctx, tcb))
				ctx->stats.fast_retransmits++;
		}
	}
	if (seq_lt(tcb->snd_una, in->ack)) {
		tcb->dupacks = 0;
		tcp_segq_release(ctx, tcb, in->ack);
		tcb->snd_una = in->ack;
		tcb->retries = 0;
		if (tcb->rtt_timing && seq_le(tcb->rtt_seq, in->ack)) {
			tcb->rtt_timing = false;
			tcp_rtt_sample(tcb, ctx->now_us - tcb->rtt_start_us);
		}
		if (tcb->fin_sent && in->ack == tcb->snd_nxt && !tcp_fin_acked(ctx, tcb))
			return STACK_TAKEN_TCP;
		if (tcb->snd_una == tcb->snd_nxt) {
			tcb->recovering = false;
			if (tcb->timer_kind == TCP_TIMER_RTO)
				tcp_timer_arm(ctx, tcb, TCP_TIMER_IDLE, TCP_IDLE_MS);
		} else {
			/* RFC 6298 sec. 5.3; after an RTO, each partial ACK resends the next. */
			tcp_timer_arm(ctx, tcb, TCP_TIMER_RTO, tcb->rto_ms);
			if (tcb->recovering && seq_lt(in->ack, tcb->recover))
				tcp_retransmit(ctx, tcb);
			else
				tcb->recovering = false;
		}
	}
	if (seq_lt(tcb->snd_wl1, in->seq) ||
	    (tcb->snd_wl1 == in->seq && seq_le(tcb->snd_wl2, in->ack))) {
		if (tcb->snd_wnd == 0 && in->wnd != 0 && tcb->timer_kind == TCP_TIMER_PERSIST) {
			tcb->retries = 0;
			tcp_timer_arm(ctx, tcb, TCP_TIMER_IDLE, TCP_IDLE_MS);
		}
		tcb->snd_wnd = in->wnd;
		tcb->snd_wl1 = in->seq;
		tcb->snd_wl2 = in->ack;
	}
	return STACK_VERDICT_MAX;
}

/*
 * Hold an out-of-order data segment (a reference on its mbuf) until the gap before it fills:
 * frames a path reorders (af_packet on a veth delivers a client's segments from two CPUs'
 * backlogs) would otherwise each cost the peer a go-back-N retransmission of the window behind
 * them. Only whole segments inside the window, overlapping none held, while a segq slot is left
 * for the one that fills the gap. Returns false when it is not held (then dropped as tcp_ooo).
 */
static bool
tcp_ooo_hold(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb, uint32_t seq,
	     uint8_t *payload, uint16_t plen, bool fin, uint16_t wnd)
{
	uint16_t i = 0;

	if (tcb->state != TCP_ESTABLISHED || fin || plen == 0 || pkt->m == NULL ||
	    tcb->ooo_count == TCP_OOO_MAX || tcb->segq_count + tcb->ooo_count + 1 >= TCP_SEGQ_MAX ||
	    ctx->stats.rtx_mbufs >= ctx->rtx_mbufs_max || seq_lt(tcb->rcv_nxt + wnd, seq + plen))
		return false;
	while (i < tcb->ooo_count && seq_le(tcb->ooo[i].seq + tcb->ooo[i].len, seq))
		i++;
	if (i < tcb->ooo_count && seq_lt(tcb->ooo[i].seq, seq + plen))
		return false; /* overlaps one held (a copy of it): the duplicate ACK is enough */
	memmove(&tcb->ooo[i + 1], &tcb->ooo[i], (tcb->ooo_count - i) * sizeof(tcb->ooo[0]));
	rte_mbuf_refcnt_update(pkt->m, 1);
	ctx->stats.rtx_mbufs++;
	ctx->stats.ooo_held++;
	tcb->ooo[i] = (struct tcp_seg){ .m = pkt->m, .data = payload, .seq = seq, .len = plen };
	tcb->ooo_count++;
	return true;
}

/*
 * rcv_nxt moved: the held segments it reaches join segq (to be echoed by tcp_output), those it
 * passed are let go. Returns how many joined.
 */
static uint16_t
tcp_ooo_drain(struct tcp_ctx *ctx, struct tcp_tcb *tcb)
{
	uint16_t used = 0, moved = 0;

	while (used < tcb->ooo_count) {
		struct tcp_seg *o = &tcb->ooo[used], *s;
		uint32_t done = tcb->rcv_nxt - o->seq;

		if (seq_le(o->seq + o->len, tcb->rcv_nxt)) { /* came again in order, all of it */
			rte_pktmbuf_free(o->m);
			ctx->stats.rtx_mbufs--;
			used++;
			continue;
		}
		if (seq_lt(tcb->rcv_nxt, o->seq) || tcb->segq_count == TCP_SEGQ_MAX ||
		    tcb->queued + o->len - done > TCP_BUDGET_BYTES)
			break;
		s = &tcb->segq[(tcb->segq_head + tcb->segq_count++) % TCP_SEGQ_MAX];
		s->m = o->m;
		s->data = o->data + done;
		s->len = (uint16_t)(o->len - done);
		s->seq = tcb->snd_una + tcb->queued;
		tcb->queued += s->len;
		tcb->rcv_nxt += s->len;
		used++;
		moved++;
	}
	memmove(tcb->ooo, tcb->ooo + used, (tcb->ooo_count - used) * sizeof(tcb->ooo[0]));
	tcb->ooo_count -= used;
	return moved;
}

/*
 * In-order data of an ESTABLISHED connection: hold it (a reference on its mbuf) and echo it in
 * place when the peer's window takes it whole; otherwise the frame becomes a pure ACK and the
 * data waits for tcp_output(). A FIN behind the data is acknowledged in the same segment.
 */
static enum stack_verdict
tcp_data_input(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb, uint8_t *payload,
	       uint16_t plen, uint64_t psum, bool fin)
{
	uint32_t seq = tcb->snd_una + tcb->queued;
	struct tcp_seg *s;
	struct tcp_out o;
	uint8_t flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	uint16_t drained = 0;

	if (pkt->m == NULL || tcb->segq_count == TCP_SEGQ_MAX ||
	    ctx->stats.rtx_mbufs >= ctx->rtx_mbufs_max)
		return STACK_DROP_TCP_NO_BUF; /* nothing acknowledged: the peer sends it again */
	rte_mbuf_refcnt_update(pkt->m, 1);
	ctx->stats.rtx_mbufs++;
	s = &tcb->segq[(tcb->segq_head + tcb->segq_count++) % TCP_SEGQ_MAX];
	s->m = pkt->m;
	s->data = payload;
	s->seq = seq;
	s->len = plen;
	tcb->queued += plen;
	tcb->rcv_nxt += plen;
	if (fin) {
		tcb->rcv_nxt++;
		tcb->state = TCP_CLOSE_WAIT;
		tcp_ooo_flush(ctx, tcb); /* nothing comes after a FIN */
	} else if (tcb->ooo_count != 0) {
		drained = tcp_ooo_drain(ctx, tcb); /* the ACK below covers them */
	}
	/* In place only when nothing TCP queued waits for TX: the burst's replies leave before
	 * the queue, and this echo must not overtake held segments echoed from it. */
	if (seq != tcb->snd_nxt || plen > tcb->mss || ctx->txq_count != 0 ||
	    seq_lt(tcb->snd_una + tcb->snd_wnd, seq + plen)) {
		enum stack_verdict v = tcp_reply_flags(ctx, pkt, tcb, RTE_TCP_ACK_FLAG);

		tcp_output(ctx, tcb);
		return v;
	}
	tcb->snd_nxt += plen;
	if (tcb->state == TCP_CLOSE_WAIT) {
		/* Everything is sent with this segment: our FIN can ride on it. */
		flags |= RTE_TCP_FIN_FLAG;
		tcb->fin_sent = true;
		tcb->state = TCP_LAST_ACK;
	}
	tcp_out_from_tcb(ctx, tcb, &o, flags, seq);
	if (tcb->fin_sent)
		tcb->snd_nxt++;
	tcp_sent_new(ctx, tcb, tcb->snd_nxt);
	pkt->data = payload - TCP_FRAME_HDR_BYTES;
	pkt->len = tcp_write(ctx->conf, pkt->data, &o, plen, psum);
	tcp_count_sent(ctx, flags, plen);
	if (drained != 0)
		tcp_output(ctx, tcb); /* the held segments behind this one, in new mbufs */
	return STACK_REPLY_TCP;
}

/* A FIN in order without data: acknowledge it, with our own FIN when nothing is left to send. */
static enum stack_verdict
tcp_fin_input(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb)
{
	uint8_t flags = RTE_TCP_ACK_FLAG;

	tcb->rcv_nxt++;
	tcp_ooo_flush(ctx, tcb); /* nothing comes after a FIN */
	switch (tcb->state) {
	case TCP_ESTABLISHED:
		tcb->state = TCP_CLOSE_WAIT;
		if (tcb->snd_nxt == tcb->snd_una + tcb->queued) {
			flags |= RTE_TCP_FIN_FLAG;
			tcb->fin_sent = true;
			tcb->state = TCP_LAST_ACK;
		}
		break;
	case TCP_FIN_WAIT_1:
		tcb->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		tcb->state = TCP_TIME_WAIT;
		tcp_timer_arm(ctx, tcb, TCP_TIMER_TIME_WAIT, 2 * TCP_MSL_MS);
		break;
	default:
		break;
	}
	tcp_reply_flags(ctx, pkt, tcb, flags);
	if (flags & RTE_TCP_FIN_FLAG) {
		tcb->snd_nxt++;
		tcp_sent_new(ctx, tcb, tcb->snd_nxt);
	}
	return STACK_REPLY_TCP;
}

/* A segment for an existing connection (RFC 9293 sec. 3.10.7.4 with RFC 5961). */
static enum stack_verdict
tcp_conn_input(struct tcp_ctx *ctx, struct stack_pkt *pkt, struct tcp_tcb *tcb,
	       const struct tcp_in *in)
{
	bool fin = in->flags & RTE_TCP_FIN_FLAG;
	uint32_t seq = in->seq, skip;
	uint8_t *payload = in->payload;
	uint16_t plen = in->plen, wnd = tcp_rcv_wnd(ctx, tcb);
	uint64_t psum = in->psum;
	enum stack_verdict v;

	/* RFC 5961 sec. 4: a SYN on a synchronized connection, whatever its number, is answered
	 * with a challenge ACK; a real new connection from a peer that lost its state then gets
	 * through after our RST (its ACK of the challenge is unacceptable to it). */
	if (in->flags & RTE_TCP_SYN_FLAG)
		return tcp_challenge_ack(ctx, pkt, tcb);
	if (!tcp_seq_acceptable(tcb, seq, plen + fin, wnd)) {
		if (in->flags & RTE_TCP_RST_FLAG)
			return STACK_DROP_TCP_RST_IGNORED;
		if (tcb->state == TCP_TIME_WAIT && fin) /* the peer's FIN again: our ACK was lost */
			tcp_timer_arm(ctx, tcb, TCP_TIMER_TIME_WAIT, 2 * TCP_MSL_MS);
		/* New data into a window we shut because nothing more can be held: say so. */
		if (wnd == 0 && plen != 0 && seq == tcb->rcv_nxt)
			return tcp_ack_drop(ctx, pkt, tcb, STACK_DROP_TCP_NO_BUF);
		return tcp_ack_drop(ctx, pkt, tcb, STACK_DROP_TCP_OUT_OF_WINDOW);
	}
	/* RFC 5961 sec. 3.2: only a RST exactly at rcv_nxt resets; in the window, challenge. */
	if (in->flags & RTE_TCP_RST_FLAG) {
		if (seq != tcb->rcv_nxt)
			return tcp_challenge_ack(ctx, pkt, tcb);
		ctx->stats.conns_reset++;
		tcp_tcb_free(ctx, tcb);
		return STACK_TAKEN_TCP;
	}
	tcb->last_rx_us = ctx->now_us;
	tcb->probes_out = 0;
	v = tcp_ack_input(ctx, pkt, tcb, in);
	if (v != STACK_VERDICT_MAX)
		return v;

	/* Bytes we already have are cut off the front, bytes past our window off the end. */
	if (seq_lt(seq, tcb->rcv_nxt)) {
		skip = tcb->rcv_nxt - seq;
		if (skip >= plen) {
			plen = 0;
		} else {
			payload += skip;
			plen -= (uint16_t)skip;
			psum = cksum_add(payload, plen, 0);
		}
		seq = tcb->rcv_nxt;
	}
	if (plen > wnd) {
		plen = wnd;
		fin = false;
		psum = cksum_add(payload, plen, 0);
	}
	if (plen == 0 && !fin) {
		tcp_output(ctx, tcb); /* the ACK may have opened the peer's window */
		if (tcp_window_update_due(ctx, tcb)) /* and freed our budget */
			return tcp_reply_flags(ctx, pkt, tcb, RTE_TCP_ACK_FLAG);
		return STACK_TAKEN_TCP;
	}
	if (seq != tcb->rcv_nxt) {
		tcp_output(ctx, tcb);
		/* Held or not, the duplicate ACK tells the peer where the gap is (RFC 5681 sec.
		 * 4.2); a held segment's frame carries it, its payload stays behind the headers. */
		if (tcp_ooo_hold(ctx, pkt, tcb, seq, payload, plen, fin, wnd))
			return tcp_ack_drop(ctx, pkt, tcb, STACK_TAKEN_TCP);
		return tcp_ack_drop(ctx, pkt, tcb, STACK_DROP_TCP_OOO);
	}
	switch (tcb->state) {
	case TCP_ESTABLISHED:
		if (plen != 0)
			return tcp_data_input(ctx, pkt, tcb, payload, plen, psum, fin);
		return tcp_fin_input(ctx, pkt, tcb);
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
		if (plen == 0)
			return tcp_fin_input(ctx, pkt, tcb);
		/* We closed: nothing can echo this data any more. Reset, as Linux does. */
		tcp_reset_reply(ctx, pkt, in, STACK_DROP_TCP_AFTER_CLOSE);
		ctx->stats.conns_reset++;
		tcp_tcb_free(ctx, tcb);
		return STACK_DROP_TCP_AFTER_CLOSE;
	default:
		/* CLOSE-WAIT and later: the peer's FIN came already; nothing after it counts. */
		return tcp_ack_drop(ctx, pkt, tcb, STACK_DROP_TCP_OUT_OF_WINDOW);
	}
}

/* A segment no TCB matches: a SYN gets a cookie, an ACK may carry one back. */
static enum stack_verdict
tcp_listen_input(struct tcp_ctx *ctx, struct stack_pkt *pkt, const struct tcp_in *in)
{
	struct tcp_tcb *tcb;
	uint16_t mss;

	if (in->flags & RTE_TCP_RST_FLAG)
		return STACK_DROP_TCP_NO_CONN;
	/* A SYN's data, if any, is not taken (a cookie cannot hold it): the SYN-ACK acknowledges
	 * the SYN alone and the peer sends the data again (RFC 9293 sec. 3.10.7.2). */
	if ((in->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG)
		return tcp_syn_reply(ctx, pkt, in);
	if (in->flags & RTE_TCP_SYN_FLAG) /* SYN-ACK: we never open connections */
		return tcp_reset_reply(ctx, pkt, in, STACK_DROP_TCP_NO_CONN);
	mss = tcp_cookie_check(ctx, in);
	if (mss == 0) {
		ctx->stats.syn_cookies_bad++;
		return tcp_reset_reply(ctx, pkt, in, STACK_DROP_TCP_NO_CONN);
	}
	ctx->stats.syn_cookies_ok++;
	tcb = tcp_open(ctx, in, mss);
	if (tcb == NULL)
		return tcp_reset_reply(ctx, pkt, in, STACK_DROP_TCP_TCB_FULL);
	return tcp_conn_input(ctx, pkt, tcb, in);
}

/*
 * Judge the TCP segment in the ip_payload bytes behind a validated IP header. Replies are whole
 * frames written in place by this layer (the IP layer does not turn them around).
 */
enum stack_verdict
tcp_input(const struct stack_conf *conf, struct stack_pkt *pkt, struct rte_ipv4_hdr *ip,
	  uint16_t ip_hdr_len, uint16_t ip_payload)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + ip_hdr_len);
	struct tcp_ctx *ctx = pkt->tcp;
	uint64_t hsum, psum;
	struct tcp_in in;
	struct tcp_tcb *tcb;
	uint16_t thl;
	bool off_ok;

	if (ip_payload < TCP_HDR_BYTES)
		return STACK_DROP_TCP_SHORT;
	thl = (uint16_t)(th->data_off >> 4) * 4;
	off_ok = thl >= TCP_HDR_BYTES && thl <= ip_payload;
	/* Summed in two parts when the offset is sane, so an echo reuses the payload's sum. The
	 * PMD's L4 flags are not used: the port negotiates UDP checksum offload only. */
	hsum = cksum_add(th, off_ok ? thl : ip_payload, ipv4_pseudo_sum(ip, ip_payload));
	psum = off_ok ? cksum_add((uint8_t *)th + thl, ip_payload - thl, 0) : 0;
	if (cksum_fold(hsum + psum) != 0xffff)
		return STACK_DROP_TCP_BAD_CKSUM;
	if (!off_ok)
		return STACK_DROP_TCP_BAD_OFF;
	if (!tcp_opts_parse((uint8_t *)(th + 1), thl - TCP_HDR_BYTES, &in.mss))
		return STACK_DROP_TCP_BAD_OPTS;
	if (th->src_port == 0 || th->dst_port == 0)
		return STACK_DROP_TCP_BAD_PORT;
	in.flags = th->tcp_flags & TCP_FLAGS_MASK;
	if (!tcp_flags_ok(in.flags))
		return STACK_DROP_TCP_BAD_FLAGS;

	rte_ether_addr_copy(&((struct rte_ether_hdr *)pkt->data)->src_addr, &in.peer_mac);
	in.peer_ip = ip->src_addr;
	in.peer_port = th->src_port;
	in.local_port = th->dst_port;
	in.seq = rte_be_to_cpu_32(th->sent_seq);
	in.ack = rte_be_to_cpu_32(th->recv_ack);
	in.wnd = be16_host(th->rx_win);
	in.payload = (uint8_t *)th + thl;
	in.plen = ip_payload - thl;
	in.psum = psum;
	if (ctx == NULL)
		return STACK_DROP_TCP_PORT_CLOSED; /* the stateless entries serve no TCP */
	if (!stack_tcp_port_served(conf, be16_host(th->dst_port)))
		return tcp_reset_reply(ctx, pkt, &in, STACK_DROP_TCP_PORT_CLOSED);

	tcb = tcp_tcb_lookup(ctx, in.peer_ip, in.peer_port, in.local_port);
	if (tcb == NULL)
		return tcp_listen_input(ctx, pkt, &in);
	/* TIME-WAIT: a new SYN past the old connection's numbers starts a new one (RFC 9293
	 * sec. 3.10.7.4 allows it; Linux does the same). */
	if (tcb->state == TCP_TIME_WAIT && (in.flags & RTE_TCP_SYN_FLAG) &&
	    !(in.flags & RTE_TCP_ACK_FLAG) && seq_lt(tcb->rcv_nxt, in.seq)) {
		ctx->stats.conns_closed++;
		tcp_tcb_free(ctx, tcb);
		return tcp_listen_input(ctx, pkt, &in);
	}
	return tcp_conn_input(ctx, pkt, tcb, &in);
}
