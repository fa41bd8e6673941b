/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP output: segment headers, the lcore's TX queue, data sent as the peer's window allows. */
#include <stddef.h>
#include <string.h>

#include "eth.h"
#include "tcp_int.h"

#define TCP_IP_FLAGS_DF RTE_BE16(RTE_IPV4_HDR_DF_FLAG)
#define TCP_OPT_MSS_WORD(mss) rte_cpu_to_be_32(2u << 24 | 4u << 16 | (mss))

/*
 * Write Ethernet, IPv4 (no options) and TCP headers for o at frame, in front of the plen payload
 * bytes that must already sit right after them (at frame + 54, or 58 with the MSS option), whose
 * unfolded sum is psum. Returns the frame's length. frame may sit at any address (an echo in
 * place starts 54 bytes before payload that overlap trimming left at an odd one): the Ethernet
 * header, whose DPDK type is 2-byte aligned, is stored with memcpy (the same moves when the
 * address is aligned); the IPv4 and TCP header types are packed.
 */
uint16_t
tcp_write(const struct stack_conf *conf, uint8_t *frame, const struct tcp_out *o, uint16_t plen,
	  uint64_t psum)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + RTE_ETHER_HDR_LEN);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t thl = TCP_HDR_BYTES + (o->mss != 0 ? TCP_MSS_OPT_BYTES : 0);
	uint16_t l4_len = thl + plen;
	rte_be16_t type = RTE_BE16(RTE_ETHER_TYPE_IPV4);

	memcpy(frame + offsetof(struct rte_ether_hdr, dst_addr), o->peer_mac, RTE_ETHER_ADDR_LEN);
	memcpy(frame + offsetof(struct rte_ether_hdr, src_addr), &conf->mac, RTE_ETHER_ADDR_LEN);
	memcpy(frame + offsetof(struct rte_ether_hdr, ether_type), &type, sizeof(type));

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = host_be16(IPV4_MIN_HDR_BYTES + l4_len);
	ip->packet_id = 0; /* RFC 6864: atomic datagrams (DF) need no identification */
	ip->fragment_offset = TCP_IP_FLAGS_DF;
	ip->time_to_live = conf->ttl;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->src_addr = conf->ip;
	ip->dst_addr = o->peer_ip;
	ip->hdr_checksum = (rte_be16_t)~cksum_fold(cksum_add(ip, IPV4_MIN_HDR_BYTES, 0));

	th->src_port = o->local_port;
	th->dst_port = o->peer_port;
	th->sent_seq = rte_cpu_to_be_32(o->seq);
	th->recv_ack = rte_cpu_to_be_32(o->ack);
	th->data_off = (uint8_t)(thl / 4) << 4;
	th->tcp_flags = o->flags;
	th->rx_win = host_be16(o->wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (o->mss != 0) {
		rte_be32_t opt = TCP_OPT_MSS_WORD(o->mss);

		memcpy(th + 1, &opt, sizeof(opt));
	}
	th->cksum = (rte_be16_t)~cksum_fold(cksum_add(th, thl, ipv4_pseudo_sum(ip, l4_len)) +
					     psum);
	return TCP_FRAME_HDR_BYTES + l4_len - TCP_HDR_BYTES;
}

void
tcp_count_sent(struct tcp_ctx *ctx, uint8_t flags, uint16_t plen)
{
	ctx->stats.segs_sent++;
	if (flags & RTE_TCP_RST_FLAG)
		ctx->stats.rsts_sent++;
	else if (plen != 0)
		ctx->stats.data_segs_sent++;
	else if (!(flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG)))
		ctx->stats.acks_sent++;
}

bool
tcp_txq_push(struct tcp_ctx *ctx, struct rte_mbuf *m)
{
	if (unlikely(ctx->txq_count == TCP_TXQ_MAX)) {
		ctx->stats.tx_queue_full++;
		rte_pktmbuf_free(m);
		return false;
	}
	ctx->txq[ctx->txq_count++] = m;
	return true;
}

/* The window we offer: what is left of the connection's budget, 0 when nothing more can be held. */
uint16_t
tcp_rcv_wnd(const struct tcp_ctx *ctx, const struct tcp_tcb *tcb)
{
	if (tcb->segq_count >= TCP_SEGQ_MAX || ctx->stats.rtx_mbufs >= ctx->rtx_mbufs_max)
		return 0;
	return (uint16_t)(TCP_BUDGET_BYTES - tcb->queued);
}

/* What is left of the window we last advertised (its right edge less rcv_nxt). */
uint16_t
tcp_adv_wnd_left(const struct tcp_tcb *tcb)
{
	if (seq_le(tcb->rcv_adv, tcb->rcv_nxt))
		return 0;
	return (uint16_t)RTE_MIN(tcb->rcv_adv - tcb->rcv_nxt, (uint32_t)TCP_WINDOW_MAX);
}

/* The fields of a segment of the connection; the window it advertises is remembered. */
void
tcp_out_from_tcb(const struct tcp_ctx *ctx, struct tcp_tcb *tcb, struct tcp_out *o,
		 uint8_t flags, uint32_t seq)
{
	o->peer_ip = tcb->peer_ip;
	o->peer_port = tcb->peer_port;
	o->local_port = tcb->local_port;
	o->peer_mac = &tcb->peer_mac;
	o->seq = seq;
	o->ack = tcb->rcv_nxt;
	o->wnd = tcp_rcv_wnd(ctx, tcb);
	o->flags = flags;
	o->mss = 0;
	tcb->rcv_adv = tcb->rcv_nxt + o->wnd;
}

/* Build a segment of the connection in a new mbuf (payload copied) and queue it for TX. */
bool
tcp_send_fresh(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint8_t flags, uint32_t seq,
	       const uint8_t *payload, uint16_t plen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	struct tcp_out o;
	uint8_t *frame;
	uint64_t psum = 0;

	if (unlikely(m == NULL)) {
		ctx->stats.alloc_failed++;
		return false;
	}
	frame = rte_pktmbuf_mtod(m, uint8_t *);
	if (plen != 0) {
		memcpy(frame + TCP_FRAME_HDR_BYTES, payload, plen);
		psum = cksum_add(frame + TCP_FRAME_HDR_BYTES, plen, 0);
	}
	tcp_out_from_tcb(ctx, tcb, &o, flags, seq);
	m->data_len = tcp_write(ctx->conf, frame, &o, plen, psum);
	m->pkt_len = m->data_len;
	if (!tcp_txq_push(ctx, m))
		return false;
	tcp_count_sent(ctx, flags, plen);
	return true;
}

/* The peer acknowledged everything before ack: let go of what it covers. */
void
tcp_segq_release(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint32_t ack)
{
	while (tcb->segq_count > 0) {
		struct tcp_seg *s = &tcb->segq[tcb->segq_head];
		uint32_t done;

		if (seq_le(s->seq + s->len, ack)) {
			tcb->queued -= s->len;
			rte_pktmbuf_free(s->m);
			ctx->stats.rtx_mbufs--;
			tcb->segq_head = (tcb->segq_head + 1) % TCP_SEGQ_MAX;
			tcb->segq_count--;
			continue;
		}
		if (seq_lt(s->seq, ack)) {
			done = ack - s->seq;
			s->data += done;
			s->len -= done;
			s->seq += done;
			tcb->queued -= done;
		}
		break;
	}
}

/* Let go of every out-of-order segment held. */
void
tcp_ooo_flush(struct tcp_ctx *ctx, struct tcp_tcb *tcb)
{
	for (uint16_t i = 0; i < tcb->ooo_count; i++) {
		rte_pktmbuf_free(tcb->ooo[i].m);
		ctx->stats.rtx_mbufs--;
	}
	tcb->ooo_count = 0;
}

/* Start timing a round trip unless one is timed already (one sample per flight, RFC 6298). */
void
tcp_sent_new(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint32_t end)
{
	if (!tcb->rtt_timing) {
		tcb->rtt_timing = true;
		tcb->rtt_seq = end;
		tcb->rtt_start_us = ctx->now_us;
	}
	if (tcb->timer_kind != TCP_TIMER_RTO)
		tcp_timer_arm(ctx, tcb, TCP_TIMER_RTO, tcb->rto_ms);
}

/*
 * Send what waits in segq as far as the peer's window and MSS allow, then our FIN when a closing
 * connection has nothing left to send; arm the retransmission or persist timer for what is out.
 */
void
tcp_output(struct tcp_ctx *ctx, struct tcp_tcb *tcb)
{
	uint32_t tail = tcb->snd_una + tcb->queued;

	for (uint16_t k = 0; k < tcb->segq_count && seq_lt(tcb->snd_nxt, tail); k++) {
		struct tcp_seg *s = &tcb->segq[(tcb->segq_head + k) % TCP_SEGQ_MAX];

		while (seq_lt(tcb->snd_nxt, s->seq + s->len)) {
			int32_t usable = (int32_t)(tcb->snd_una + tcb->snd_wnd - tcb->snd_nxt);
			uint32_t off = tcb->snd_nxt - s->seq;
			uint16_t n = (uint16_t)RTE_MIN(s->len - off, tcb->mss);

			if (usable <= 0)
				goto window_closed;
			n = (uint16_t)RTE_MIN((int32_t)n, usable);
			if (!tcp_send_fresh(ctx, tcb, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
					    tcb->snd_nxt, s->data + off, n))
				goto window_closed; /* the RTO or the next ACK tries again */
			tcb->snd_nxt += n;
			tcp_sent_new(ctx, tcb, tcb->snd_nxt);
		}
	}
	if (tcb->state == TCP_CLOSE_WAIT && tcb->snd_nxt == tail) {
		if (tcp_send_fresh(ctx, tcb, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, tcb->snd_nxt,
				   NULL, 0)) {
			tcb->fin_sent = true;
			tcb->snd_nxt++;
			tcb->state = TCP_LAST_ACK;
			tcp_sent_new(ctx, tcb, tcb->snd_nxt);
		}
	}
	return;

window_closed:
	/* Nothing in flight to bring an ACK that reopens it: probe (RFC 9293 sec. 3.8.6.1). */
	if (tcb->snd_nxt == tcb->snd_una && tcb->snd_wnd == 0 &&
	    tcb->timer_kind != TCP_TIMER_PERSIST) {
		tcb->retries = 0;
		tcp_timer_arm(ctx, tcb, TCP_TIMER_PERSIST, tcb->rto_ms);
	}
}

/*
 * Send the first unacknowledged segment again, in a new mbuf with the current ACK and window:
 * data from segq, or our FIN. Returns false when there was nothing to send or no mbuf.
 */
bool
tcp_retransmit(struct tcp_ctx *ctx, struct tcp_tcb *tcb)
{
	uint32_t out = tcb->snd_nxt - tcb->snd_una - (tcb->fin_sent ? 1 : 0);
	bool ok;

	tcb->rtt_timing = false; /* Karn: no sample from a retransmitted segment */
	if (out != 0 && tcb->segq_count > 0) {
		struct tcp_seg *s = &tcb->segq[tcb->segq_head];
		uint16_t n = (uint16_t)RTE_MIN(RTE_MIN((uint32_t)s->len, out), tcb->mss);

		ok = tcp_send_fresh(ctx, tcb, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, s->seq, s->data,
				    n);
	} else if (tcb->fin_sent && tcb->snd_nxt - tcb->snd_una == 1) {
		ok = tcp_send_fresh(ctx, tcb, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, tcb->snd_una,
				    NULL, 0);
	} else {
		return false;
	}
	if (ok)
		ctx->stats.retransmits++;
	return ok;
}
