/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for TCP against live connections: handshakes made through the public API,
 * then fuzzed segments, timer ticks and raw headers, with an oracle on every segment sent and on
 * the mbufs and TCBs left at the end of each input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "port/eal.h"
#include "stack/stack.h"
#include "stack/tcp.h"

/*
 * Input: [conns:1] then records [op:1][...]:
 *   op % 4 == 0  a segment of connection c, numbered from what it last heard from the server:
 *                [c:1][flags:1][seq_delta:2][ack_delta:2][window:2][shape:1][len:2][options]
 *                [payload]; shape: bits 0-2 option words (taken from the input), bit 6 a
 *                wrong checksum, bit 7 the data offset field replaced by bits 3-6 of shape
 *   op % 4 == 1  time passes: [ms:2] (x 4: up to about 4 minutes), timers run, TX drained
 *   op % 4 == 2  raw TCP bytes after a valid Ethernet and IPv4 header: [c:1][len:2][bytes];
 *                c bit 7: ports set to connection c's and the checksum made right
 *   op % 4 == 3  connection c (re)opened by a SYN and the ACK of its cookie: [c:1][mss:2]
 * Every frame is copied into an mbuf of its own; every reply and queued segment is checked
 * (IPv4 and TCP checksums, our address and port, the peer's address, its size) and followed, so
 * later segments hit the connection's window. At the end: tcp_ctx_flush() and every mbuf back
 * in the pool, no TCB in use.
 */
#define FUZZ_CONNS_MAX 8
#define FUZZ_POOL_MBUFS 4096
#define FUZZ_TCBS 6	/* fewer than FUZZ_CONNS_MAX: a full table is reached too */
#define FUZZ_PORT 7
#define FUZZ_SPORT_BASE 40000
#define FUZZ_MTU 1500
#define FUZZ_TICK_UNIT_US 4000
#define FUZZ_DRAIN_BURST 32
#define FUZZ_SEG_MAX 1460
#define FUZZ_FRAME_MAX (RTE_ETHER_HDR_LEN + FUZZ_MTU)
#define TCP_HDR_MIN 20

static const struct rte_ether_addr our_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const rte_be32_t our_ip = RTE_BE32(0xc6120002);	/* 198.18.0.2 */
static const rte_be32_t peer_ip = RTE_BE32(0xc6120001);	/* 198.18.0.1 */

struct fuzz_peer {
	uint16_t sport;
	uint32_t snd_nxt;	/* what the server acknowledged last: our next sequence number */
	uint32_t rcv_nxt;	/* the server's next sequence number, as far as we heard */
};

static struct stack_conf conf;
static struct rte_mempool *pool;
static struct tcp_ctx *ctx;
static struct stack_stats stats;
static uint64_t now_us = 1000000;
static struct fuzz_peer peers[FUZZ_CONNS_MAX];

struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static bool
in_take(struct fuzz_in *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

static uint8_t
in_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	in_take(in, &v, 1);
	return v;
}

static uint16_t
in_u16(struct fuzz_in *in)
{
	uint8_t b[2] = { 0, 0 };

	in_take(in, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal[] = { "fuzz_tcp", "--no-huge", "--no-pci", "-m", "64", "--no-shconf", "-l", "0",
			"--no-telemetry", "--log-level=*:error", prefix, NULL };
	struct tcp_ctx_conf tc = {
		.tcbs = FUZZ_TCBS, .mtu = FUZZ_MTU,
		.secret = { 0x0123456789abcdefull, 0xfedcba9876543210ull },
	};
	char err[256];

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "--file-prefix=bl-fuzz-tcp-%d", (int)getpid());
	if (port_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "fuzz_tcp: rte_eal_init without hugepages: %s\n",
			rte_strerror(rte_errno));
		exit(1);
	}
	/* Nothing uses the runtime directory (no telemetry, no shared config): gone now, so an
	 * input that aborts leaves nothing in /var/run/dpdk either. */
	(void)rmdir(rte_eal_get_runtime_dir());
	pool = rte_pktmbuf_pool_create("fuzz_tcp", FUZZ_POOL_MBUFS, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "fuzz_tcp: mempool: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	stack_conf_init(&conf, &our_mac, our_ip, 24);
	stack_conf_add_tcp_port(&conf, FUZZ_PORT);
	tc.pool = pool;
	ctx = tcp_ctx_create(&conf, &tc, err, sizeof(err));
	if (ctx == NULL) {
		fprintf(stderr, "fuzz_tcp: tcp_ctx_create: %s\n", err);
		exit(1);
	}
	return 0;
}

/* A segment the server sent: checked, then followed (what it acknowledged, what it sent). */
static void
fuzz_check_out(struct rte_mbuf *m)
{
	/* Parsed from an aligned copy: the stack may build a reply at any byte offset. */
	static uint8_t d[FUZZ_FRAME_MAX] __rte_aligned(8);
	const struct rte_ether_hdr *eth = (const void *)d;
	const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
	const struct rte_tcp_hdr *tcp;
	uint16_t total, hlen, plen;
	uint32_t seq;

	if (m->nb_segs != 1 || m->data_len != m->pkt_len)
		abort();
	if (m->pkt_len > FUZZ_FRAME_MAX ||
	    m->pkt_len < RTE_ETHER_HDR_LEN + sizeof(*ip) + TCP_HDR_MIN)
		abort();
	memcpy(d, rte_pktmbuf_mtod(m, const uint8_t *), m->pkt_len);
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &our_mac) ||
	    !rte_is_same_ether_addr(&eth->dst_addr, &peer_mac))
		abort();
	total = rte_be_to_cpu_16(ip->total_length);
	if (ip->version_ihl != RTE_IPV4_VHL_DEF || ip->next_proto_id != IPPROTO_TCP ||
	    RTE_ETHER_HDR_LEN + total != m->pkt_len)
		abort();
	if (ip->src_addr != our_ip || ip->dst_addr != peer_ip ||
	    rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		abort();
	tcp = (const void *)(ip + 1);
	hlen = (uint16_t)((tcp->data_off >> 4) * 4);
	if (hlen < TCP_HDR_MIN || hlen > total - sizeof(*ip))
		abort();
	/* Summed with its own checksum field, a right segment gives 0 (TCP: not mapped to 0xffff). */
	if (rte_ipv4_udptcp_cksum(ip, tcp) != 0)
		abort();
	if (tcp->src_port != RTE_BE16(FUZZ_PORT))
		abort();
	plen = (uint16_t)(total - sizeof(*ip) - hlen);
	if (plen > FUZZ_SEG_MAX)
		abort();
	if ((tcp->tcp_flags & RTE_TCP_SYN_FLAG) && (tcp->tcp_flags & (RTE_TCP_FIN_FLAG |
							       RTE_TCP_RST_FLAG)))
		abort();
	for (unsigned i = 0; i < FUZZ_CONNS_MAX; i++) {
		struct fuzz_peer *p = &peers[i];

		if (rte_be_to_cpu_16(tcp->dst_port) != p->sport)
			continue;
		if (tcp->tcp_flags & RTE_TCP_RST_FLAG)
			break;
		seq = rte_be_to_cpu_32(tcp->sent_seq);
		if (tcp->tcp_flags & RTE_TCP_ACK_FLAG)
			p->snd_nxt = rte_be_to_cpu_32(tcp->recv_ack);
		p->rcv_nxt = seq + plen + !!(tcp->tcp_flags & RTE_TCP_SYN_FLAG) +
			     !!(tcp->tcp_flags & RTE_TCP_FIN_FLAG);
		break;
	}
}

/* Everything TCP queued (timers, window updates, RSTs): checked and freed, as if sent. */
static void
fuzz_drain(void)
{
	struct rte_mbuf *out[FUZZ_DRAIN_BURST];
	uint16_t n;

	while ((n = tcp_ctx_tx_drain(ctx, out, FUZZ_DRAIN_BURST)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			fuzz_check_out(out[i]);
			rte_pktmbuf_free(out[i]);
		}
	}
}

/* One frame through the stack as a burst of one: one verdict, its reply checked and freed. */
static void
fuzz_input_frame(const uint8_t *frame, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint64_t before = stack_stats_total(&stats);
	uint16_t r;
	char *d;

	if (m == NULL)
		abort();	/* the pool holds far more than a flushed context can keep */
	d = rte_pktmbuf_append(m, len);
	if (d == NULL)
		abort();
	memcpy(d, frame, len);
	r = stack_input_burst_tcp(&conf, ctx, &m, 1, &stats);
	if (stack_stats_total(&stats) != before + 1 || r > 1)
		abort();
	if (r == 1) {
		fuzz_check_out(m);
		rte_pktmbuf_free(m);
	}
	fuzz_drain();
}

/* Ethernet and IPv4 headers for a TCP segment of l4_len bytes; returns the IPv4 header. */
static struct rte_ipv4_hdr *
fuzz_l3(uint8_t *buf, uint16_t l4_len)
{
	struct rte_ether_hdr *eth = (void *)buf;
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);

	eth->dst_addr = our_mac;
	eth->src_addr = peer_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = peer_ip;
	ip->dst_addr = our_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

static void
fuzz_segment(struct fuzz_peer *p, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window,
	     const uint8_t *opts, uint8_t optlen, const uint8_t *payload, uint16_t plen,
	     int data_off, bool bad_cksum)
{
	uint8_t buf[FUZZ_FRAME_MAX];
	uint16_t hlen = (uint16_t)(TCP_HDR_MIN + optlen);
	struct rte_ipv4_hdr *ip = fuzz_l3(buf, (uint16_t)(hlen + plen));
	struct rte_tcp_hdr *tcp = (void *)(ip + 1);

	tcp->src_port = rte_cpu_to_be_16(p->sport);
	tcp->dst_port = RTE_BE16(FUZZ_PORT);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(ack);
	tcp->data_off = (uint8_t)((data_off >= 0 ? data_off : hlen / 4) << 4);
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(window);
	tcp->cksum = 0;
	tcp->tcp_urp = 0;
	if (optlen > 0)
		memcpy(tcp + 1, opts, optlen);
	if (plen > 0)
		memcpy((uint8_t *)(tcp + 1) + optlen, payload, plen);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	if (bad_cksum)
		tcp->cksum ^= 0x5a5a;
	fuzz_input_frame(buf, (uint16_t)(RTE_ETHER_HDR_LEN + sizeof(*ip) + hlen + plen));
}

/*
 * SYN with an MSS option, then the ACK of the cookie: a live TCB when the table has room. With
 * fresh (no connection on that port yet) the SYN-ACK must acknowledge exactly our SYN; on a port
 * still in use the server may answer with a challenge ACK instead.
 */
static void
fuzz_open(struct fuzz_peer *p, uint16_t mss, bool fresh)
{
	static uint32_t isn_next = 0x9e3779b9u;
	uint8_t opt[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	uint32_t isn = isn_next;

	isn_next = isn_next * 2654435761u + 12345u;
	p->rcv_nxt = 0;
	p->snd_nxt = isn;
	fuzz_segment(p, RTE_TCP_SYN_FLAG, isn, 0, 65535, opt, sizeof(opt), NULL, 0, -1, false);
	if (fresh && p->snd_nxt != isn + 1)
		abort();
	fuzz_segment(p, RTE_TCP_ACK_FLAG, p->snd_nxt, p->rcv_nxt, 65535, NULL, 0, NULL, 0, -1,
		     false);
}

static void
fuzz_op_segment(struct fuzz_in *in)
{
	struct fuzz_peer *p = &peers[in_u8(in) % FUZZ_CONNS_MAX];
	uint8_t flags = in_u8(in);
	int16_t seq_d = (int16_t)in_u16(in), ack_d = (int16_t)in_u16(in);
	uint16_t window = in_u16(in);
	uint8_t shape = in_u8(in);
	uint16_t plen = in_u16(in) % (FUZZ_SEG_MAX + 1);
	uint8_t opts[28] = { 0 }, optlen = (uint8_t)((shape & 7) * 4);
	uint8_t payload[FUZZ_SEG_MAX];

	in_take(in, opts, optlen);
	/* The frame stays within the MTU: options take room from the payload. */
	if (plen > FUZZ_MTU - sizeof(struct rte_ipv4_hdr) - TCP_HDR_MIN - optlen)
		plen = (uint16_t)(FUZZ_MTU - sizeof(struct rte_ipv4_hdr) - TCP_HDR_MIN - optlen);
	if (plen > in->left)
		plen = (uint16_t)in->left;
	in_take(in, payload, plen);
	fuzz_segment(p, flags, p->snd_nxt + (uint32_t)(int32_t)seq_d,
		     p->rcv_nxt + (uint32_t)(int32_t)ack_d, window, opts, optlen, payload, plen,
		     shape & 0x80 ? (shape >> 3) & 0xf : -1, shape & 0x40);
}

static void
fuzz_op_raw(struct fuzz_in *in)
{
	uint8_t c = in_u8(in), buf[FUZZ_FRAME_MAX];
	uint16_t len = in_u16(in) % (FUZZ_MTU - sizeof(struct rte_ipv4_hdr) + 1);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;

	if (len > in->left)
		len = (uint16_t)in->left;
	ip = fuzz_l3(buf, len);
	tcp = (void *)(ip + 1);
	in_take(in, tcp, len);
	if ((c & 0x80) && len >= TCP_HDR_MIN) {
		tcp->src_port = rte_cpu_to_be_16(peers[c % FUZZ_CONNS_MAX].sport);
		tcp->dst_port = RTE_BE16(FUZZ_PORT);
		tcp->cksum = 0;
		tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	}
	fuzz_input_frame(buf, (uint16_t)(RTE_ETHER_HDR_LEN + sizeof(*ip) + len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned nconns = 1 + in_u8(&in) % FUZZ_CONNS_MAX;
	const struct tcp_stats *ts = tcp_ctx_stats(ctx);

	for (unsigned i = 0; i < FUZZ_CONNS_MAX; i++)
		peers[i] = (struct fuzz_peer){ .sport = (uint16_t)(FUZZ_SPORT_BASE + i) };
	for (unsigned i = 0; i < nconns; i++)
		fuzz_open(&peers[i], 1460, true);
	if (ts->tcbs_in_use != RTE_MIN(nconns, FUZZ_TCBS))
		abort();
	while (in.left > 0) {
		uint8_t op = in_u8(&in);

		switch (op % 4) {
		case 0:
			fuzz_op_segment(&in);
			break;
		case 1:
			now_us += (uint64_t)in_u16(&in) * FUZZ_TICK_UNIT_US;
			tcp_ctx_tick(ctx, now_us);
			fuzz_drain();
			break;
		case 2:
			fuzz_op_raw(&in);
			break;
		default: {
			uint8_t c = in_u8(&in);
			uint16_t mss = in_u16(&in);

			fuzz_open(&peers[c % FUZZ_CONNS_MAX], mss, false);
			break;
		}
		}
		if (ts->tcbs_in_use > FUZZ_TCBS || ts->rtx_mbufs > FUZZ_POOL_MBUFS)
			abort();
	}
	/* Next input starts from an empty table: every TCB and held mbuf goes. */
	now_us += 1000;
	tcp_ctx_tick(ctx, now_us);
	fuzz_drain();
	tcp_ctx_flush(ctx, NULL);
	fuzz_drain();
	if (ts->tcbs_in_use != 0 || ts->rtx_mbufs != 0 || tcp_ctx_tx_pending(ctx) != 0)
		abort();
	if (rte_mempool_in_use_count(pool) != 0)
		abort();
	return 0;
}
