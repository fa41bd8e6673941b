/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the TCP endpoint: hand-built segments in, exact replies and counters out. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "golden.h"
#include "port/eal.h"
#include "stack/tcp.h"
#include "stack/tcp_int.h" /* TCP_CHALLENGE_MAX */

#define T_POOL_MBUFS 1023
#define T_POOL_CACHE 0 /* every free goes straight back: in-use counts are exact */
#define T_TCBS 4
#define T_RTX_MBUFS 32
#define T_MTU 1500
#define T_PORT 7
#define T_PEER_PORT 40000
#define T_PEER_ISN 1000u
#define T_PEER_IP GOLDEN_IPV4(198, 18, 0, 1)
#define T_START_US 1000000000ull /* the clock starts at 1000 s */
#define T_OUT_MAX 16
#define T_FLAGS_SA (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)
#define T_FLAGS_PA (RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG)
#define T_FLAGS_FA (RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG)
#define T_FLAGS_RA (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG)
#define T_WND 65535
#define T_RTO_INIT_MS 1000

static struct rte_mempool *t_pool;
static uint16_t t_peer_port = T_PEER_PORT; /* the peer's port in segments built and read */
static const struct rte_ether_addr t_peer_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
static const struct rte_ether_addr t_our_mac = GOLDEN_OUR_MAC;

/* A segment we sent, as the peer sees it. */
struct t_seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd, mss, len, sport;
	uint8_t data[2048];
};

/* One endpoint under test, the peer's view of it, and what came out of the last step. */
struct t_env {
	struct stack_conf conf;
	struct tcp_ctx *ctx;
	struct stack_stats stats;
	uint64_t now_us;
	unsigned int baseline;  /* mbufs in use before the test */
	uint32_t iss;           /* our ISN (the cookie) */
	uint32_t peer_nxt;      /* the peer's next sequence number */
	uint32_t our_nxt;       /* what the peer acknowledges next: our next sequence number */
	uint16_t peer_wnd;      /* the window the peer advertises in t_data() */
	unsigned int n_out;
	struct t_seg out[T_OUT_MAX];
};

/* Build a TCP segment from the peer in buf with DPDK's checksum helpers (not the stack's). */
static uint16_t
t_frame(uint8_t *buf, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
	const void *data, uint16_t len, uint16_t mss)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t thl = sizeof(*th) + (mss != 0 ? 4 : 0);

	rte_ether_addr_copy(&t_our_mac, &eth->dst_addr);
	rte_ether_addr_copy(&t_peer_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + thl + len);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = T_PEER_IP;
	ip->dst_addr = GOLDEN_OUR_IP;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(t_peer_port);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(thl / 4) << 4;
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	if (mss != 0) {
		uint8_t *o = (uint8_t *)(th + 1);

		o[0] = 2;
		o[1] = 4;
		o[2] = (uint8_t)(mss >> 8);
		o[3] = (uint8_t)mss;
	}
	if (len != 0)
		memcpy((uint8_t *)th + thl, data, len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return (uint16_t)(sizeof(*eth) + sizeof(*ip) + thl + len);
}

/* Read a frame we sent: every header field a peer would check, then the segment's own. */
static void
t_parse(struct rte_mbuf *m, struct t_seg *s)
{
	struct rte_ether_hdr eth_copy, *eth = &eth_copy; /* a frame may start at an odd address */
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(*eth));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	rte_be16_t cksum = th->cksum;
	uint16_t total = rte_be_to_cpu_16(ip->total_length), thl = (th->data_off >> 4) * 4;

	memcpy(eth, rte_pktmbuf_mtod(m, void *), sizeof(*eth));
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(m->data_len, m->pkt_len);
	assert_int_equal(m->data_len, sizeof(*eth) + total);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &t_peer_mac));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &t_our_mac));
	assert_int_equal(ip->version_ihl, RTE_IPV4_VHL_DEF);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(ip->src_addr, GOLDEN_OUR_IP);
	assert_int_equal(ip->dst_addr, T_PEER_IP);
	assert_int_equal(ip->time_to_live, STACK_TTL_DEFAULT);
	assert_int_equal(golden_cksum((const uint8_t *)ip, sizeof(*ip), 0), 0);
	th->cksum = 0;
	assert_int_equal(rte_ipv4_udptcp_cksum(ip, th), cksum); /* DPDK's sum, not the stack's */
	s->sport = rte_be_to_cpu_16(th->src_port);
	assert_int_equal(rte_be_to_cpu_16(th->dst_port), t_peer_port);
	assert_true(thl >= 20 && thl <= total - sizeof(*ip));
	s->flags = th->tcp_flags;
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->wnd = rte_be_to_cpu_16(th->rx_win);
	s->mss = 0;
	if (thl == 24) {
		const uint8_t *o = (const uint8_t *)(th + 1);

		assert_int_equal(o[0], 2);
		assert_int_equal(o[1], 4);
		s->mss = (uint16_t)(o[2] << 8 | o[3]);
	}
	s->len = total - sizeof(*ip) - thl;
	assert_true(s->len <= sizeof(s->data));
	memcpy(s->data, (const uint8_t *)th + thl, s->len);
}

/* Collect what the endpoint sent (replies first, then its TX queue), parse and free it. */
static void
t_collect(struct t_env *t, struct rte_mbuf **replies, uint16_t n)
{
	struct rte_mbuf *q[T_OUT_MAX];
	uint16_t nq;

	for (uint16_t i = 0; i < n; i++) {
		assert_true(t->n_out < T_OUT_MAX);
		t_parse(replies[i], &t->out[t->n_out++]);
		rte_pktmbuf_free(replies[i]);
	}
	nq = tcp_ctx_tx_drain(t->ctx, q, T_OUT_MAX);
	assert_int_equal(tcp_ctx_tx_pending(t->ctx), 0);
	for (uint16_t i = 0; i < nq; i++) {
		assert_true(t->n_out < T_OUT_MAX);
		t_parse(q[i], &t->out[t->n_out++]);
		rte_pktmbuf_free(q[i]);
	}
}

/* Feed one segment from the peer; returns its verdict (the one counter that moved). */
static enum stack_verdict
t_in(struct t_env *t, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
     const void *data, uint16_t len, uint16_t mss)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
	struct stack_stats before = t->stats;
	enum stack_verdict v = STACK_VERDICT_MAX;
	uint16_t n;

	assert_non_null(m);
	m->data_len = t_frame(rte_pktmbuf_mtod(m, uint8_t *), dport, flags, seq, ack, wnd, data,
			      len, mss);
	m->pkt_len = m->data_len;
	n = stack_input_burst_tcp(&t->conf, t->ctx, &m, 1, &t->stats);
	for (int i = 0; i < STACK_VERDICT_MAX; i++) {
		if (t->stats.verdicts[i] == before.verdicts[i])
			continue;
		assert_int_equal(t->stats.verdicts[i], before.verdicts[i] + 1);
		assert_int_equal(v, STACK_VERDICT_MAX);
		v = i;
	}
	assert_int_equal(n, stack_verdict_is_reply(v) ? 1 : 0);
	t->n_out = 0;
	t_collect(t, &m, n);
	return v;
}

/* A segment of the established connection from the peer, at its next sequence number. */
static enum stack_verdict
t_data(struct t_env *t, uint8_t flags, const void *data, uint16_t len)
{
	return t_in(t, T_PORT, flags, t->peer_nxt, t->our_nxt, t->peer_wnd, data, len, 0);
}

static void
t_tick_ms(struct t_env *t, uint64_t ms)
{
	t->now_us += ms * 1000;
	tcp_ctx_tick(t->ctx, t->now_us);
	t->n_out = 0;
	t_collect(t, NULL, 0);
}

static const struct tcp_stats *
t_st(const struct t_env *t)
{
	return tcp_ctx_stats(t->ctx);
}

static void
t_expect_verdict(enum stack_verdict got, enum stack_verdict want)
{
	golden_assert_verdict(got, want, "segment");
}

static void
t_expect_seg(const struct t_env *t, unsigned int i, uint8_t flags, uint32_t seq, uint32_t ack)
{
	assert_true(i < t->n_out);
	if (t->out[i].flags != flags)
		fail_msg("segment %u: flags 0x%02x, expected 0x%02x", i, t->out[i].flags, flags);
	assert_int_equal(t->out[i].seq, seq);
	if (flags & RTE_TCP_ACK_FLAG)
		assert_int_equal(t->out[i].ack, ack);
}

static struct t_env *
t_env_new(uint32_t tcbs)
{
	struct tcp_ctx_conf tc = {
		.tcbs = tcbs,
		.pool = t_pool,
		.rtx_mbufs_max = T_RTX_MBUFS,
		.mtu = T_MTU,
		.secret = { 0x0123456789abcdefull, 0xfedcba9876543210ull },
	};
	struct t_env *t = calloc(1, sizeof(*t));
	char err[256];

	assert_non_null(t);
	t->baseline = rte_mempool_in_use_count(t_pool);
	golden_conf_init(&t->conf);
	stack_conf_add_tcp_port(&t->conf, T_PORT);
	t->ctx = tcp_ctx_create(&t->conf, &tc, err, sizeof(err));
	if (t->ctx == NULL)
		fail_msg("tcp_ctx_create: %s", err);
	t->now_us = T_START_US;
	tcp_ctx_tick(t->ctx, t->now_us);
	return t;
}

/* Tear the context down and demand every mbuf back. */
static void
t_env_free(struct t_env *t)
{
	tcp_ctx_destroy(t->ctx);
	assert_int_equal(rte_mempool_in_use_count(t_pool), t->baseline);
	free(t);
}

/* SYN with MSS 1460, SYN-ACK, ACK: ESTABLISHED with peer window wnd. */
static void
t_connect(struct t_env *t, uint16_t wnd)
{
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, T_PEER_ISN, 0, T_WND, NULL, 0, 1460),
			 STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_SA, t->out[0].seq, T_PEER_ISN + 1);
	assert_int_equal(t->out[0].mss, T_MTU - 40);
	assert_int_equal(t->out[0].wnd, T_WND);
	assert_int_equal(t->out[0].len, 0);
	t->iss = t->out[0].seq;
	t->peer_nxt = T_PEER_ISN + 1;
	t->our_nxt = t->iss + 1;
	t->peer_wnd = wnd;
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, t->peer_nxt, t->our_nxt, wnd, NULL, 0,
			      0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 0);
}

/* The handshake leaves nothing behind but the TCB; data is echoed in place and held. */
static void
test_tcp_handshake_and_echo(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	static const char msg[] = "hello, tcp";

	t_connect(t, T_WND);
	assert_int_equal(t_st(t)->syn_cookies_sent, 1);
	assert_int_equal(t_st(t)->syn_cookies_ok, 1);
	assert_int_equal(t_st(t)->conns_opened, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	assert_int_equal(t_st(t)->tcbs_max, T_TCBS);

	t_expect_verdict(t_data(t, T_FLAGS_PA, msg, sizeof(msg)), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt + sizeof(msg));
	assert_int_equal(t->out[0].len, sizeof(msg));
	assert_memory_equal(t->out[0].data, msg, sizeof(msg));
	/* The window is what is left of the budget: the echo is not acknowledged yet. */
	assert_int_equal(t->out[0].wnd, T_WND - sizeof(msg));
	assert_int_equal(t_st(t)->rtx_mbufs, 1);
	assert_int_equal(rte_mempool_in_use_count(t_pool), t->baseline + 1);
	t->peer_nxt += sizeof(msg);
	t->our_nxt += sizeof(msg);

	/* The peer's ACK frees the held mbuf. */
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 0);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	assert_int_equal(rte_mempool_in_use_count(t_pool), t->baseline);
	assert_int_equal(t_st(t)->segs_sent, 2);
	assert_int_equal(t_st(t)->data_segs_sent, 1);
	assert_int_equal(t_st(t)->acks_sent, 0);
	t_env_free(t);
}

/* The peer closes: our ACK carries our FIN (CLOSE-WAIT to LAST-ACK at once), its ACK ends it. */
static void
test_tcp_passive_close(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_expect_verdict(t_data(t, T_FLAGS_FA, NULL, 0), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_FA, t->our_nxt, t->peer_nxt + 1);
	t->peer_nxt++;
	t->our_nxt++;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 0);
	assert_int_equal(t_st(t)->conns_closed, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	/* The connection is gone: a late ACK gets a RST from the "listener". */
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_DROP_TCP_NO_CONN);
	t_expect_seg(t, 0, RTE_TCP_RST_FLAG, t->our_nxt, 0);
	assert_int_equal(t_st(t)->syn_cookies_bad, 1);
	t_env_free(t);
}

/* Data with a FIN: the echo carries our FIN too; a lost last ACK brings the FIN back by RTO. */
static void
test_tcp_fin_with_data(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_expect_verdict(t_data(t, T_FLAGS_FA | RTE_TCP_PSH_FLAG, "bye", 3), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_FA | RTE_TCP_PSH_FLAG, t->our_nxt, t->peer_nxt + 4);
	assert_memory_equal(t->out[0].data, "bye", 3);
	t->peer_nxt += 4;
	t_tick_ms(t, T_RTO_INIT_MS);
	assert_int_equal(t->n_out, 1);
	/* The first unacknowledged thing is the data: it comes again, in a new mbuf. */
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt);
	assert_int_equal(t->out[0].len, 3);
	assert_int_equal(t_st(t)->retransmits, 1);
	t->our_nxt += 4;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	assert_int_equal(t_st(t)->conns_closed, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	t_env_free(t);
}

/* RFC 9293 sec. 3.10.7.1: RSTs for a closed port and for segments of no connection. */
static void
test_tcp_resets_for_no_connection(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_expect_verdict(t_in(t, 9, RTE_TCP_SYN_FLAG, 500, 0, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_PORT_CLOSED);
	assert_int_equal(t->n_out, 1);
	assert_int_equal(t->out[0].flags, T_FLAGS_RA);
	assert_int_equal(t->out[0].seq, 0);
	assert_int_equal(t->out[0].ack, 501);
	assert_int_equal(t->out[0].sport, 9);
	t_expect_verdict(t_in(t, 9, T_FLAGS_PA, 500, 777, T_WND, "abc", 3, 0),
			 STACK_DROP_TCP_PORT_CLOSED);
	t_expect_seg(t, 0, RTE_TCP_RST_FLAG, 777, 0);
	/* Never a RST for a RST. */
	t_expect_verdict(t_in(t, 9, RTE_TCP_RST_FLAG, 500, 0, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_PORT_CLOSED);
	assert_int_equal(t->n_out, 0);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_RST_FLAG, 500, 0, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_NO_CONN);
	assert_int_equal(t->n_out, 0);
	/* An ACK that is no cookie of ours. */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, 500, 12345, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_NO_CONN);
	t_expect_seg(t, 0, RTE_TCP_RST_FLAG, 12345, 0);
	/* A SYN-ACK: we open nothing. */
	t_expect_verdict(t_in(t, T_PORT, T_FLAGS_SA, 500, 999, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_NO_CONN);
	t_expect_seg(t, 0, RTE_TCP_RST_FLAG, 999, 0);
	assert_int_equal(t_st(t)->rsts_sent, 4);
	assert_int_equal(t_st(t)->syn_cookies_bad, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	t_env_free(t);
}

/* RFC 5961 sec. 3 and 4: exact RST resets, in-window RST and any SYN get a challenge ACK. */
static void
test_tcp_rfc5961(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_RST_FLAG, t->peer_nxt + 100, 0, T_WND, NULL, 0,
			      0), STACK_REPLY_TCP);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->challenge_acks, 1);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_RST_FLAG, t->peer_nxt + T_WND + 10, 0, T_WND,
			      NULL, 0, 0), STACK_DROP_TCP_RST_IGNORED);
	assert_int_equal(t->n_out, 0);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, t->peer_nxt + 5000, 0, T_WND, NULL, 0,
			      1460), STACK_REPLY_TCP);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->challenge_acks, 2);
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	/* ACK of data never sent: dropped, answered with an ACK (RFC 5961 sec. 5). */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, t->peer_nxt, t->our_nxt + 10, T_WND,
			      NULL, 0, 0), STACK_DROP_TCP_ACK_UNSENT);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_RST_FLAG, t->peer_nxt, 0, T_WND, NULL, 0, 0),
			 STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 0);
	assert_int_equal(t_st(t)->conns_reset, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	t_env_free(t);
}

/*
 * RFC 5961 sec. 7: at most TCP_CHALLENGE_MAX challenge ACKs per connection in 5 s; past that an
 * in-window RST or a SYN is dropped unanswered (tcp_challenge_limit), and the connection is
 * untouched; the budget comes back when the 5 s are over.
 */
static void
test_tcp_challenge_limit(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	for (int i = 0; i < TCP_CHALLENGE_MAX; i++) {
		t_expect_verdict(t_in(t, T_PORT, i % 2 ? RTE_TCP_SYN_FLAG : RTE_TCP_RST_FLAG,
				      t->peer_nxt + 100 + (uint32_t)i, 0, T_WND, NULL, 0, 0),
				 STACK_REPLY_TCP);
		t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
		t_tick_ms(t, 100);
	}
	assert_int_equal(t_st(t)->challenge_acks, TCP_CHALLENGE_MAX);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_RST_FLAG, t->peer_nxt + 1, 0, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_CHALLENGE_LIMIT);
	assert_int_equal(t->n_out, 0);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, t->peer_nxt + 9, 0, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_CHALLENGE_LIMIT);
	assert_int_equal(t->n_out, 0);
	assert_int_equal(t_st(t)->challenge_acks, TCP_CHALLENGE_MAX);
	assert_int_equal(t_st(t)->conns_reset, 0);
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	/* The connection still echoes while its challenge budget is spent. */
	t_expect_verdict(t_data(t, T_FLAGS_PA, "ok", 2), STACK_REPLY_TCP);
	t->peer_nxt += 2;
	t->our_nxt += 2;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	/* 5 s after the first challenge ACK the budget is back. */
	t_tick_ms(t, 5000 - 100 * TCP_CHALLENGE_MAX);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_RST_FLAG, t->peer_nxt + 1, 0, T_WND, NULL, 0, 0),
			 STACK_REPLY_TCP);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->challenge_acks, TCP_CHALLENGE_MAX + 1);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_RST_FLAG, t->peer_nxt, 0, T_WND, NULL, 0, 0),
			 STACK_TAKEN_TCP);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	t_env_free(t);
}

/* A hole: data after it is dropped with a duplicate ACK; data outside the window too. */
static void
test_tcp_out_of_order_and_window(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	uint8_t big[1000];

	memset(big, 0x5a, sizeof(big));
	t_connect(t, T_WND);
	/* Out of order: held (a duplicate ACK says where the gap is); a copy of it is dropped. */
	t_expect_verdict(t_in(t, T_PORT, T_FLAGS_PA, t->peer_nxt + 10, t->our_nxt, T_WND, "late",
			      4, 0), STACK_TAKEN_TCP);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->dup_acks_sent, 1);
	assert_int_equal(t_st(t)->rtx_mbufs, 1);
	t_expect_verdict(t_in(t, T_PORT, T_FLAGS_PA, t->peer_nxt + 10, t->our_nxt, T_WND, "late",
			      4, 0), STACK_DROP_TCP_OOO);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->dup_acks_sent, 2);
	assert_int_equal(t_st(t)->rtx_mbufs, 1);
	t_expect_verdict(t_in(t, T_PORT, T_FLAGS_PA, t->peer_nxt + 70000, t->our_nxt, T_WND, big,
			      sizeof(big), 0), STACK_DROP_TCP_OUT_OF_WINDOW);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	/* An old segment again (our ACK was lost): acknowledged, not echoed twice. */
	t_expect_verdict(t_data(t, T_FLAGS_PA, big, sizeof(big)), STACK_REPLY_TCP);
	assert_int_equal(t_st(t)->rtx_mbufs, 1); /* the held segment came again inside it */
	t_expect_verdict(t_data(t, T_FLAGS_PA, big, sizeof(big)), STACK_DROP_TCP_OUT_OF_WINDOW);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt + sizeof(big), t->peer_nxt + sizeof(big));
	assert_int_equal(t_st(t)->data_segs_sent, 1);
	/* Bad flags never reach the connection. */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_FIN_FLAG, t->peer_nxt, 0, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_BAD_FLAGS);
	assert_int_equal(t->n_out, 0);
	t_env_free(t);
}

/*
 * Segments the path delivers out of order (af_packet on a veth does, from two CPUs' backlogs):
 * the early one is held and echoed once the gap fills, nothing is dropped or sent twice.
 */
static void
test_tcp_reordered_segments_held(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_expect_verdict(t_in(t, T_PORT, T_FLAGS_PA, t->peer_nxt + 10, t->our_nxt, T_WND,
			      "BBBBBBBBBB", 10, 0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t->out[0].len, 0);
	assert_int_equal(t_st(t)->ooo_held, 1);
	assert_int_equal(t->stats.verdicts[STACK_DROP_TCP_OOO], 0);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "AAAAAAAAAA", 10), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 2);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt + 20);
	assert_memory_equal(t->out[0].data, "AAAAAAAAAA", 10);
	assert_int_equal(t->out[0].len, 10);
	t_expect_seg(t, 1, T_FLAGS_PA, t->our_nxt + 10, t->peer_nxt + 20);
	assert_memory_equal(t->out[1].data, "BBBBBBBBBB", 10);
	assert_int_equal(t->out[1].len, 10);
	assert_int_equal(t_st(t)->rtx_mbufs, 2);
	assert_int_equal(t_st(t)->data_segs_sent, 2);
	assert_int_equal(t_st(t)->retransmits, 0);
	t->peer_nxt += 20;
	t->our_nxt += 20;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	t_env_free(t);
}

/*
 * RFC 5681 sec. 2: an ACK is a duplicate only if the window is unchanged. Out-of-order segments
 * that acknowledge our echoes free budget; the duplicate ACKs must still carry the window of the
 * last ACK, or the peer (Linux) takes them for window updates and waits for its RTO.
 */
static void
test_tcp_dup_acks_keep_window(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	uint8_t seg[100];

	memset(seg, 0x33, sizeof(seg));
	t_connect(t, T_WND);
	t_expect_verdict(t_data(t, T_FLAGS_PA, seg, sizeof(seg)), STACK_REPLY_TCP);
	assert_int_equal(t->out[0].wnd, T_WND - sizeof(seg));
	t->peer_nxt += sizeof(seg);
	t->our_nxt += sizeof(seg);
	/* The next segment is missing; the three after it acknowledge our echo. */
	for (unsigned int i = 1; i <= 3; i++) {
		t_in(t, T_PORT, T_FLAGS_PA, t->peer_nxt + i * sizeof(seg), t->our_nxt, T_WND, seg,
		     sizeof(seg), 0);
		assert_int_equal(t->n_out, 1);
		t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
		assert_int_equal(t->out[0].len, 0);
		assert_int_equal(t->out[0].wnd, T_WND - sizeof(seg));
	}
	assert_int_equal(t_st(t)->dup_acks_sent, 3);
	assert_int_equal(t_st(t)->rtx_mbufs, 3); /* the echo is acknowledged, three are held */
	t_env_free(t);
}

/*
 * A pure ACK that frees most of the budget gets a window update (as Linux's tcp_cleanup_rbuf):
 * the peer saw a zero window and would wait for its persist timer or its delayed ACK.
 */
static void
test_tcp_window_update_after_ack(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	uint8_t seg[1460];

	memset(seg, 0x44, sizeof(seg));
	t_connect(t, T_WND);
	for (int i = 0; i < T_RTX_MBUFS; i++) { /* none of the echoes acknowledged */
		t_expect_verdict(t_in(t, T_PORT, T_FLAGS_PA, t->peer_nxt, t->iss + 1, T_WND, seg,
				      sizeof(seg), 0), STACK_REPLY_TCP);
		t->peer_nxt += sizeof(seg);
		t->our_nxt += sizeof(seg);
	}
	assert_int_equal(t->out[0].wnd, 0); /* every mbuf it may hold is held */
	/* An ACK of half of it reopens the window: an update says so at once. */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, t->peer_nxt,
			      t->our_nxt - (T_RTX_MBUFS / 2) * sizeof(seg), T_WND, NULL, 0, 0),
			 STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t->out[0].wnd, T_WND - (T_RTX_MBUFS / 2) * sizeof(seg));
	/* The rest: the window grows by less than twice what is left, no update. */
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 0);
	assert_int_equal(t_st(t)->acks_sent, 1);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	t_env_free(t);
}

/* RFC 6298: RTO from 1 s, doubled each time, the first segment resent, reset after 8 tries. */
static void
test_tcp_retransmit_backoff_and_give_up(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	uint64_t rto = T_RTO_INIT_MS;

	t_connect(t, T_WND);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "abcdef", 6), STACK_REPLY_TCP);
	assert_int_equal(t->out[0].sport, T_PORT);
	t->peer_nxt += 6;
	for (unsigned int i = 1; i <= 8; i++) {
		t_tick_ms(t, rto - 1);
		assert_int_equal(t->n_out, 0); /* not a millisecond early */
		rto = rto * 2 > 60000 ? 60000 : rto * 2; /* RTO max 60 s */
		t_tick_ms(t, 1);
		assert_int_equal(t->n_out, 1);
		t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt);
		assert_memory_equal(t->out[0].data, "abcdef", 6);
		assert_int_equal(t_st(t)->retransmits, i);
		assert_int_equal(t_st(t)->rto_expiries, i);
	}
	t_tick_ms(t, rto);
	assert_int_equal(t->n_out, 1);
	/* seq is snd_nxt, as Linux sends it: the peer may have had the data all along. */
	t_expect_seg(t, 0, T_FLAGS_RA, t->our_nxt + 6, t->peer_nxt);
	assert_int_equal(t_st(t)->rto_expiries, 9);
	assert_int_equal(t_st(t)->conns_timed_out, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	t_env_free(t);
}

/* An RTT sample sets the RTO (floored at 200 ms); an ACK restarts the timer. */
static void
test_tcp_rto_from_rtt(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "a", 1), STACK_REPLY_TCP);
	t->peer_nxt++;
	t_tick_ms(t, 10);
	t->our_nxt++;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	/* SRTT 10 ms, RTTVAR 5 ms: 10 + 4 * 5 = 30 ms, floored to 200 ms. */
	t_expect_verdict(t_data(t, T_FLAGS_PA, "b", 1), STACK_REPLY_TCP);
	t->peer_nxt++;
	t_tick_ms(t, 199);
	assert_int_equal(t->n_out, 0);
	t_tick_ms(t, 1);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt);
	t_env_free(t);
}

/* Three duplicate ACKs resend the first unacknowledged segment at once. */
static void
test_tcp_fast_retransmit(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	for (int i = 0; i < 4; i++) {
		t_expect_verdict(t_data(t, T_FLAGS_PA, "0123456789", 10), STACK_REPLY_TCP);
		t->peer_nxt += 10;
	}
	for (int i = 0; i < 3; i++) {
		t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
		assert_int_equal(t->n_out, i == 2 ? 1 : 0);
	}
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt);
	assert_int_equal(t->out[0].len, 10);
	assert_int_equal(t_st(t)->fast_retransmits, 1);
	/* A partial ACK (the first segment) resends the next one. */
	t->our_nxt += 10;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->retransmits, 2);
	assert_int_equal(t_st(t)->rtx_mbufs, 3);
	t_env_free(t);
}

/* The peer's window is 0: data waits (our ACK says so), probes follow, the window opens. */
static void
test_tcp_zero_window_persist(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, 0);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "wait", 4), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt + 4);
	assert_int_equal(t->out[0].len, 0);
	assert_int_equal(t->out[0].wnd, T_WND - 4);
	assert_int_equal(t_st(t)->rtx_mbufs, 1);
	t->peer_nxt += 4;
	t_tick_ms(t, T_RTO_INIT_MS);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt - 1, t->peer_nxt);
	assert_int_equal(t_st(t)->zero_window_probes, 1);
	/* The window opens: the data goes, in a new mbuf. */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, t->peer_nxt, t->our_nxt, 100, NULL, 0,
			      0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt);
	assert_memory_equal(t->out[0].data, "wait", 4);
	t_env_free(t);
}

/*
 * A SYN with data (RFC 9293 sec. 3.10.7.2): a SYN-ACK of the SYN only, no data in it and none
 * taken; the peer sends the data again after the handshake and it is echoed.
 */
static void
test_tcp_syn_with_data(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, T_PEER_ISN, 0, T_WND, "early", 5,
			      1460), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_SA, t->out[0].seq, T_PEER_ISN + 1);
	assert_int_equal(t->out[0].len, 0);
	assert_int_equal(t->out[0].mss, T_MTU - 40);
	assert_int_equal(t_st(t)->syn_cookies_sent, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	t->iss = t->out[0].seq;
	t->peer_nxt = T_PEER_ISN + 1;
	t->our_nxt = t->iss + 1;
	t->peer_wnd = T_WND;
	t_expect_verdict(t_data(t, T_FLAGS_PA, "early", 5), STACK_REPLY_TCP);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt + 5);
	assert_int_equal(t->out[0].len, 5);
	assert_memory_equal(t->out[0].data, "early", 5);
	assert_int_equal(t_st(t)->conns_opened, 1);
	t_env_free(t);
}

/*
 * A segment overlapping data already received: the new bytes are echoed in place, the frame's
 * headers written in front of them at an odd address (3 bytes cut). The sanitizer build checks
 * that no header store is misaligned; every build checks the echo.
 */
static void
test_tcp_overlap_misaligned(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "abc", 3), STACK_REPLY_TCP);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt + 3);
	/* "abc" again and 4 bytes more: only "defg" is new */
	t_expect_verdict(t_data(t, T_FLAGS_PA, "abcdefg", 7), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt + 3, t->peer_nxt + 7);
	assert_int_equal(t->out[0].len, 4);
	assert_memory_equal(t->out[0].data, "defg", 4);
	assert_int_equal(t_st(t)->rtx_mbufs, 2);
	t_env_free(t);
}

/* Queue 4 bytes behind the peer's zero window. */
static void
t_zero_window_data(struct t_env *t)
{
	t_connect(t, 0);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "wait", 4), STACK_REPLY_TCP);
	t->peer_nxt += 4;
}

/* The next probe comes exactly ms after the last one, not a millisecond earlier. */
static void
t_expect_probe_after(struct t_env *t, uint64_t ms)
{
	uint64_t probes = t_st(t)->zero_window_probes;

	t_tick_ms(t, ms - 1);
	if (t->n_out != 0)
		fail_msg("probe %" PRIu64 " less than %" PRIu64 " ms after the last", probes + 1,
			 ms);
	t_tick_ms(t, 1);
	if (t->n_out != 1)
		fail_msg("probe %" PRIu64 ": %u segments %" PRIu64 " ms after the last",
			 probes + 1, t->n_out, ms);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt - 1, t->peer_nxt);
	assert_int_equal(t_st(t)->zero_window_probes, probes + 1);
}

/*
 * A window that stays shut while the peer answers every probe: the connection is kept (RFC 9293
 * sec. 3.8.6.1, RFC 1122 sec. 4.2.2.17), the probes back off from the RTO to a 60 s cap.
 */
static void
test_tcp_zero_window_forever(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	uint64_t ms = T_RTO_INIT_MS;

	t_zero_window_data(t);
	for (unsigned int i = 1; i <= 20; i++) {
		t_expect_probe_after(t, ms);
		ms = RTE_MIN(ms * 2, 60000u);
		/* the peer answers each probe: still no room */
		t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, t->peer_nxt, t->our_nxt, 0,
				      NULL, 0, 0), STACK_TAKEN_TCP);
		assert_int_equal(t->n_out, 0);
	}
	assert_int_equal(ms, 60000);
	assert_int_equal(t_st(t)->conns_timed_out, 0);
	assert_int_equal(t_st(t)->conns_reset, 0);
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	/* After 17 minutes the window opens: the held data goes, the RTO is not backed off. */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, t->peer_nxt, t->our_nxt, 100, NULL, 0,
			      0), STACK_TAKEN_TCP);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_PA, t->our_nxt, t->peer_nxt);
	assert_memory_equal(t->out[0].data, "wait", 4);
	t_tick_ms(t, T_RTO_INIT_MS);
	assert_int_equal(t->n_out, 1);
	assert_int_equal(t_st(t)->retransmits, 1);
	t_env_free(t);
}

/* A peer that answers no probe at all is gone: 8 unanswered probes, then a RST. */
static void
test_tcp_zero_window_peer_silent(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	uint64_t ms = T_RTO_INIT_MS;

	t_zero_window_data(t);
	for (unsigned int i = 1; i <= 8; i++) {
		t_expect_probe_after(t, ms);
		ms = RTE_MIN(ms * 2, 60000u);
	}
	t_tick_ms(t, ms);
	t_expect_seg(t, 0, T_FLAGS_RA, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->conns_timed_out, 1);
	assert_int_equal(t_st(t)->zero_window_aborts, 0);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	t_env_free(t);
}

/*
 * RFC 6429: under resource pressure (here every TCB of the lcore in use) a zero window that has
 * outlasted 8 answered probes is aborted, counted in conns_reset and zero_window_aborts.
 */
static void
test_tcp_zero_window_pressure(void **state)
{
	struct t_env *t = t_env_new(1);
	uint64_t ms = T_RTO_INIT_MS;

	t_zero_window_data(t);
	for (unsigned int i = 1; i <= 8; i++) {
		t_expect_probe_after(t, ms);
		ms = RTE_MIN(ms * 2, 60000u);
		t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, t->peer_nxt, t->our_nxt, 0,
				      NULL, 0, 0), STACK_TAKEN_TCP);
	}
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	t_tick_ms(t, ms);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_RA, t->our_nxt, t->peer_nxt);
	assert_int_equal(t_st(t)->zero_window_aborts, 1);
	assert_int_equal(t_st(t)->conns_reset, 1);
	assert_int_equal(t_st(t)->conns_timed_out, 0);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	t_env_free(t);
}

/* Idle for 60 s: we close first, FIN-WAIT-1/2, the peer's FIN, TIME-WAIT for 2 MSL. */
static void
test_tcp_active_close_time_wait(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_tick_ms(t, 60000);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, T_FLAGS_FA, t->our_nxt, t->peer_nxt);
	t->our_nxt++;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	t_expect_verdict(t_data(t, T_FLAGS_FA, NULL, 0), STACK_REPLY_TCP);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt + 1);
	t->peer_nxt++;
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	t_tick_ms(t, 59999);
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	t_tick_ms(t, 1);
	assert_int_equal(t->n_out, 0);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	assert_int_equal(t_st(t)->conns_closed, 1);
	t_env_free(t);
}

/* A full table refuses the cookie's ACK with a RST; the SYN itself is still answered. */
static void
test_tcp_table_full(void **state)
{
	struct t_env *t = t_env_new(1);
	uint32_t cookie;

	t_connect(t, T_WND);
	t_peer_port = T_PEER_PORT + 1;
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, 7000, 0, T_WND, NULL, 0, 0),
			 STACK_REPLY_TCP);
	cookie = t->out[0].seq;
	assert_int_equal(t->out[0].mss, T_MTU - 40);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, 7001, cookie + 1, T_WND, NULL, 0, 0),
			 STACK_DROP_TCP_TCB_FULL);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, RTE_TCP_RST_FLAG, cookie + 1, 0);
	t_peer_port = T_PEER_PORT;
	assert_int_equal(t_st(t)->syn_cookies_ok, 2);
	assert_int_equal(t_st(t)->conns_opened, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 1);
	t_env_free(t);
}

/* A cookie is good for one to two 64-second periods, then refused. */
static void
test_tcp_cookie_expires(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, T_PEER_ISN, 0, T_WND, NULL, 0, 1460),
			 STACK_REPLY_TCP);
	t->iss = t->out[0].seq;
	t_tick_ms(t, 130000);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, T_PEER_ISN + 1, t->iss + 1, T_WND,
			      NULL, 0, 0), STACK_DROP_TCP_NO_CONN);
	assert_int_equal(t_st(t)->syn_cookies_bad, 1);
	/* A wrong peer ISN fails too. */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, T_PEER_ISN, 0, T_WND, NULL, 0, 1460),
			 STACK_REPLY_TCP);
	t->iss = t->out[0].seq;
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, T_PEER_ISN + 2, t->iss + 1, T_WND,
			      NULL, 0, 0), STACK_DROP_TCP_NO_CONN);
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_ACK_FLAG, T_PEER_ISN + 1, t->iss + 1, T_WND,
			      NULL, 0, 0), STACK_TAKEN_TCP);
	assert_int_equal(t_st(t)->syn_cookies_bad, 2);
	assert_int_equal(t_st(t)->conns_opened, 1);
	t_env_free(t);
}

/* Data larger than the peer's MSS waits and leaves in MSS-sized segments. */
static void
test_tcp_segments_follow_peer_mss(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	uint8_t big[1400];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	/* MSS 600 from the SYN: the cookie rounds it down to 536. */
	t_expect_verdict(t_in(t, T_PORT, RTE_TCP_SYN_FLAG, T_PEER_ISN, 0, T_WND, NULL, 0, 600),
			 STACK_REPLY_TCP);
	t->iss = t->out[0].seq;
	t->peer_nxt = T_PEER_ISN + 1;
	t->our_nxt = t->iss + 1;
	t->peer_wnd = T_WND;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_TAKEN_TCP);
	t_expect_verdict(t_data(t, T_FLAGS_PA, big, sizeof(big)), STACK_REPLY_TCP);
	assert_int_equal(t->n_out, 4); /* our ACK in place, then 536 + 536 + 328 */
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt + sizeof(big));
	assert_int_equal(t->out[0].len, 0);
	for (unsigned int i = 1; i < 4; i++) {
		t_expect_seg(t, i, T_FLAGS_PA, t->our_nxt + (i - 1) * 536, t->peer_nxt + 1400);
		assert_int_equal(t->out[i].len, i < 3 ? 536 : 328);
		assert_memory_equal(t->out[i].data, big + (i - 1) * 536, t->out[i].len);
	}
	t_env_free(t);
}

/* The lcore's held-mbuf budget spent: the window says 0 and new data is refused, not lost. */
static void
test_tcp_no_buf(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	for (unsigned int i = 0; i < T_RTX_MBUFS; i++) {
		t_expect_verdict(t_data(t, T_FLAGS_PA, "x", 1), STACK_REPLY_TCP);
		t->peer_nxt++;
	}
	assert_int_equal(t_st(t)->rtx_mbufs, T_RTX_MBUFS);
	assert_int_equal(t->out[0].wnd, 0);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "y", 1), STACK_DROP_TCP_NO_BUF);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt + T_RTX_MBUFS, t->peer_nxt);
	assert_int_equal(t->out[0].wnd, 0);
	/* The peer acknowledges the echoes: the mbufs come back, the window opens, and a window
	 * update says so at once (the peer saw 0). */
	t->our_nxt += T_RTX_MBUFS;
	t_expect_verdict(t_data(t, RTE_TCP_ACK_FLAG, NULL, 0), STACK_REPLY_TCP);
	t_expect_seg(t, 0, RTE_TCP_ACK_FLAG, t->our_nxt, t->peer_nxt);
	assert_int_equal(t->out[0].wnd, T_WND);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "y", 1), STACK_REPLY_TCP);
	assert_int_equal(t->out[0].wnd, T_WND - 1);
	t_env_free(t);
}

/* Data after our FIN (we closed an idle connection) cannot be echoed: RST. */
static void
test_tcp_data_after_close(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);

	t_connect(t, T_WND);
	t_tick_ms(t, 60000);
	t_expect_seg(t, 0, T_FLAGS_FA, t->our_nxt, t->peer_nxt);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "late", 4), STACK_DROP_TCP_AFTER_CLOSE);
	assert_int_equal(t->n_out, 1);
	t_expect_seg(t, 0, RTE_TCP_RST_FLAG, t->our_nxt, 0);
	assert_int_equal(t_st(t)->conns_reset, 1);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	t_env_free(t);
}

/* At stop every connection is reset and every held mbuf comes back. */
static void
test_tcp_reset_all_frees_everything(void **state)
{
	struct t_env *t = t_env_new(T_TCBS);
	struct rte_mbuf *q[T_OUT_MAX];
	uint16_t n;

	t_connect(t, T_WND);
	t_expect_verdict(t_data(t, T_FLAGS_PA, "held", 4), STACK_REPLY_TCP);
	assert_int_equal(t_st(t)->rtx_mbufs, 1);
	assert_int_equal(tcp_ctx_reset_some(t->ctx, 10), 1);
	assert_int_equal(tcp_ctx_reset_some(t->ctx, 10), 0);
	n = tcp_ctx_tx_drain(t->ctx, q, T_OUT_MAX);
	assert_int_equal(n, 1);
	rte_pktmbuf_free(q[0]);
	assert_int_equal(t_st(t)->conns_reset, 1);
	assert_int_equal(t_st(t)->rtx_mbufs, 0);
	assert_int_equal(t_st(t)->tcbs_in_use, 0);
	t_env_free(t);
}

static int
t_group_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_stack_tcp", "--no-huge", "--no-pci", "-m", "64", "--no-shconf",
			 "-l", "0", "--log-level=*:error", prefix, NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=bl-test-tcp-%d", (int)getpid());
	if (port_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "test_stack_tcp: rte_eal_init without hugepages failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	t_pool = rte_pktmbuf_pool_create("stack_tcp", T_POOL_MBUFS, T_POOL_CACHE, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (t_pool == NULL) {
		fprintf(stderr, "test_stack_tcp: mempool: %s\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return -1;
	}
	return 0;
}

static int
t_group_teardown(void **state)
{
	if (t_pool == NULL)
		return 0;
	rte_mempool_free(t_pool);
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_handshake_and_echo),
		cmocka_unit_test(test_tcp_passive_close),
		cmocka_unit_test(test_tcp_fin_with_data),
		cmocka_unit_test(test_tcp_resets_for_no_connection),
		cmocka_unit_test(test_tcp_rfc5961),
		cmocka_unit_test(test_tcp_challenge_limit),
		cmocka_unit_test(test_tcp_out_of_order_and_window),
		cmocka_unit_test(test_tcp_reordered_segments_held),
		cmocka_unit_test(test_tcp_dup_acks_keep_window),
		cmocka_unit_test(test_tcp_window_update_after_ack),
		cmocka_unit_test(test_tcp_retransmit_backoff_and_give_up),
		cmocka_unit_test(test_tcp_rto_from_rtt),
		cmocka_unit_test(test_tcp_fast_retransmit),
		cmocka_unit_test(test_tcp_zero_window_persist),
		cmocka_unit_test(test_tcp_zero_window_forever),
		cmocka_unit_test(test_tcp_zero_window_peer_silent),
		cmocka_unit_test(test_tcp_zero_window_pressure),
		cmocka_unit_test(test_tcp_syn_with_data),
		cmocka_unit_test(test_tcp_overlap_misaligned),
		cmocka_unit_test(test_tcp_active_close_time_wait),
		cmocka_unit_test(test_tcp_table_full),
		cmocka_unit_test(test_tcp_cookie_expires),
		cmocka_unit_test(test_tcp_segments_follow_peer_mss),
		cmocka_unit_test(test_tcp_no_buf),
		cmocka_unit_test(test_tcp_data_after_close),
		cmocka_unit_test(test_tcp_reset_all_frees_everything),
	};
	int failed = golden_run_layer("stack_tcp_golden", "tcp", NULL, 0);

	return failed + cmocka_run_group_tests_name("stack_tcp", tests, t_group_setup,
						    t_group_teardown);
}
