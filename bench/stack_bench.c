/* SPDX-License-Identifier: BSD-3-Clause */
/* The stack alone: cycles and nanoseconds per packet over bursts of prepared mbufs, by kind. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "port/eal.h"
#include "stack/stack.h"
#include "stack/tcp.h"

#define BENCH_BURST 32
#define BENCH_ROUNDS_DEFAULT 100000
#define BENCH_TRIALS 7
#define BENCH_UDP_PORT 9000
#define BENCH_POOL_MBUFS 1023
#define BENCH_KINDS 10
#define BENCH_TCP_PORT 9000
#define BENCH_TCP_PAYLOAD 18	/* the UDP kind's payload, so the two compare */
#define BENCH_TCP_TCBS 64
#define BENCH_TCP_WINDOW 65535
#define BENCH_TCP_MTU 1500

static const struct rte_ether_addr mac_a = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr mac_b = {{0x02, 0, 0, 0, 0, 0x02}};
static const rte_be32_t ip_a = RTE_BE32(0xc6120002); /* 198.18.0.2 */
static const rte_be32_t ip_b = RTE_BE32(0xc6120001); /* 198.18.0.1, the peer */

struct bench_frame;
typedef void (*bench_prep_fn)(struct bench_frame *f, struct rte_mempool *mp, struct rte_mbuf **m);

/* One established bench connection, as the peer sees it: its next sequence number, ours. */
struct bench_flow {
	uint16_t sport;
	uint32_t peer_nxt;
	uint32_t our_nxt;
};

struct bench_frame {
	const char *name;
	uint8_t bytes[128];
	uint16_t len;
	enum stack_verdict expect;
	bench_prep_fn prep;	/* makes each burst's frames valid in the connection's state */
	struct bench_flow *flow;
};

/* This lcore's TCP endpoint, for the TCP kinds (stack_input_burst_tcp). */
static struct tcp_ctx *bench_tcp;

static struct rte_ipv4_hdr *
frame_ipv4(struct bench_frame *f, uint8_t proto, uint16_t l4_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->bytes;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	rte_ether_addr_copy(&mac_a, &eth->dst_addr);
	rte_ether_addr_copy(&mac_b, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + l4_len);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = ip_b;
	ip->dst_addr = ip_a;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	f->len = sizeof(*eth) + sizeof(*ip) + l4_len;
	return ip;
}

/* A 64-byte frame on the wire: 18 bytes of UDP payload, port 9000 to port 9000. */
static void
frame_udp(struct bench_frame *f)
{
	struct rte_ipv4_hdr *ip = frame_ipv4(f, IPPROTO_UDP, sizeof(struct rte_udp_hdr) + 18);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->src_port = RTE_BE16(BENCH_UDP_PORT);
	udp->dst_port = RTE_BE16(BENCH_UDP_PORT);
	udp->dgram_len = RTE_BE16(sizeof(*udp) + 18);
	memset(udp + 1, 0xa5, 18);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	f->name = "udp echo (64 B frame)";
	f->expect = STACK_REPLY_UDP;
}

static void
frame_ping(struct bench_frame *f)
{
	struct rte_ipv4_hdr *ip = frame_ipv4(f, IPPROTO_ICMP, sizeof(struct rte_icmp_hdr) + 56);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_ident = RTE_BE16(1);
	icmp->icmp_seq_nb = RTE_BE16(1);
	for (int i = 0; i < 56; i++)
		((uint8_t *)(icmp + 1))[i] = (uint8_t)i;
	icmp->icmp_cksum = (rte_be16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + 56);
	f->name = "ping (56 B data)";
	f->expect = STACK_REPLY_ICMP;
}

static void
frame_arp(struct bench_frame *f)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->bytes;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&mac_b, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&mac_b, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = ip_b;
	arp->arp_data.arp_tip = ip_a;
	f->len = 60;
	f->name = "arp request";
	f->expect = STACK_REPLY_ARP;
}

/* The same echo without a UDP checksum (0: none), as echo-gen and many generators send it. */
static void
frame_udp_nocksum(struct bench_frame *f)
{
	struct rte_udp_hdr *udp;

	frame_udp(f);
	udp = (struct rte_udp_hdr *)(f->bytes + sizeof(struct rte_ether_hdr) +
				     sizeof(struct rte_ipv4_hdr));
	udp->dgram_cksum = 0;
	f->name = "udp echo, no UDP checksum";
}

/* The echo one router away: the TTL differs from ours, so the reply's header checksum is adjusted. */
static void
frame_udp_routed(struct bench_frame *f)
{
	struct rte_ipv4_hdr *ip;

	frame_udp(f);
	ip = (struct rte_ipv4_hdr *)(f->bytes + sizeof(struct rte_ether_hdr));
	ip->time_to_live = 63;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	f->name = "udp echo, TTL 63 (routed)";
}

/* A UDP datagram to a port nobody serves: validated all the way down, then dropped. */
static void
frame_drop(struct bench_frame *f)
{
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	frame_udp(f);
	ip = (struct rte_ipv4_hdr *)(f->bytes + sizeof(struct rte_ether_hdr));
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->dst_port = RTE_BE16(BENCH_UDP_PORT + 1);
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	f->name = "dropped (udp to closed port)";
	f->expect = STACK_DROP_UDP_PORT_CLOSED;
}

static struct rte_tcp_hdr *
frame_tcp_hdr(struct bench_frame *f)
{
	return (struct rte_tcp_hdr *)(f->bytes + sizeof(struct rte_ether_hdr) +
				      sizeof(struct rte_ipv4_hdr));
}

/* A TCP segment from the peer's port sport to ours, with opt_len bytes of options (zeroed). */
static struct rte_tcp_hdr *
frame_tcp(struct bench_frame *f, uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack,
	  uint16_t opt_len, uint16_t payload)
{
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;

	memset(f->bytes, 0, sizeof(f->bytes)); /* frame_ipv4 sums a zeroed header */
	ip = frame_ipv4(f, IPPROTO_TCP, sizeof(struct rte_tcp_hdr) + opt_len + payload);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	memset(tcp, 0, sizeof(*tcp) + opt_len);
	tcp->src_port = rte_cpu_to_be_16(sport);
	tcp->dst_port = RTE_BE16(BENCH_TCP_PORT);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(ack);
	tcp->data_off = (uint8_t)(((sizeof(*tcp) + opt_len) / 4) << 4);
	tcp->tcp_flags = flags;
	tcp->rx_win = RTE_BE16(BENCH_TCP_WINDOW);
	memset((uint8_t *)(tcp + 1) + opt_len, 0xa5, payload);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return tcp;
}

/* Set a prepared segment's sequence and acknowledgement numbers, checksum made right. */
static void
tcp_set_seq_ack(uint8_t *frame, uint32_t seq, uint32_t ack)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(ack);
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
}

/*
 * A SYN as Linux sends it (MSS 1460, SACK permitted, timestamps, window scale 7): answered with
 * a SYN-ACK whose sequence number is the cookie; nothing is kept, so every burst is the same.
 */
static void
frame_tcp_syn(struct bench_frame *f)
{
	static const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					 1, 3, 3, 7};
	struct rte_tcp_hdr *tcp = frame_tcp(f, 40000, RTE_TCP_SYN_FLAG, 1000, 0, sizeof(opts), 0);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f->bytes + sizeof(struct rte_ether_hdr));

	memcpy(tcp + 1, opts, sizeof(opts));
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	f->name = "tcp SYN -> SYN-ACK (cookie)";
	f->expect = STACK_REPLY_TCP;
}

/* Free what TCP queued for sending besides the replies in place (none expected, but drained). */
static void
bench_tcp_drain(void)
{
	struct rte_mbuf *out[BENCH_BURST];
	uint16_t n;

	while ((n = tcp_ctx_tx_drain(bench_tcp, out, BENCH_BURST)) > 0)
		rte_pktmbuf_free_bulk(out, n);
}

/*
 * Run n frames through the stack untimed and free the replies; exits unless every frame got the
 * verdict expect. our_seq (may be NULL) gets the first reply's sequence number.
 */
static void
bench_tcp_feed(const struct stack_conf *conf, struct rte_mempool *mp, struct bench_frame *f,
	       uint16_t n, enum stack_verdict expect, uint32_t *our_seq)
{
	struct rte_mbuf *m[BENCH_BURST];
	struct stack_stats st = {0};
	uint16_t r;

	if (rte_pktmbuf_alloc_bulk(mp, m, n) != 0) {
		fprintf(stderr, "stack-bench: mempool empty\n");
		exit(1);
	}
	for (uint16_t i = 0; i < n; i++) {
		memcpy(rte_pktmbuf_mtod(m[i], void *), f[i].bytes, f[i].len);
		m[i]->data_len = f[i].len;
		m[i]->pkt_len = f[i].len;
	}
	r = stack_input_burst_tcp(conf, bench_tcp, m, n, &st);
	if (st.verdicts[expect] != n) {
		fprintf(stderr, "stack-bench: tcp set-up: verdict %s expected on %u frame(s), got",
			stack_verdict_name(expect), n);
		for (int v = 0; v < STACK_VERDICT_MAX; v++)
			if (st.verdicts[v] != 0)
				fprintf(stderr, " %s x%" PRIu64, stack_verdict_name(v),
					st.verdicts[v]);
		fprintf(stderr, "\n");
		exit(1);
	}
	if (our_seq != NULL && r > 0) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(rte_pktmbuf_mtod(m[0], uint8_t *) +
			sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));

		*our_seq = rte_be_to_cpu_32(t->sent_seq);
	}
	rte_pktmbuf_free_bulk(m, r);
	bench_tcp_drain();
}

/* Open a connection from the peer's port sport: SYN, our SYN-ACK (its cookie), the ACK. */
static void
bench_tcp_open(const struct stack_conf *conf, struct rte_mempool *mp, struct bench_flow *fl)
{
	struct bench_frame f = {0};
	uint32_t isn = 7000000, our_isn = 0;

	frame_tcp_syn(&f);
	frame_tcp_hdr(&f)->src_port = rte_cpu_to_be_16(fl->sport);
	tcp_set_seq_ack(f.bytes, isn, 0);
	bench_tcp_feed(conf, mp, &f, 1, STACK_REPLY_TCP, &our_isn);
	frame_tcp(&f, fl->sport, RTE_TCP_ACK_FLAG, isn + 1, our_isn + 1, 0, 0);
	bench_tcp_feed(conf, mp, &f, 1, STACK_TAKEN_TCP, NULL);
	fl->peer_nxt = isn + 1;
	fl->our_nxt = our_isn + 1;
}

/*
 * Each burst: BENCH_BURST in-order data segments of 18 bytes on one established connection,
 * each acknowledging the echoes of those before it, so each is echoed in place and the echo
 * before it is released (the steady state of a window of messages).
 */
static void
prep_tcp_data(struct bench_frame *f, struct rte_mempool *mp, struct rte_mbuf **m)
{
	struct bench_flow *fl = f->flow;

	(void)mp;
	for (int i = 0; i < BENCH_BURST; i++) {
		tcp_set_seq_ack(rte_pktmbuf_mtod(m[i], uint8_t *), fl->peer_nxt, fl->our_nxt);
		fl->peer_nxt += BENCH_TCP_PAYLOAD;
		fl->our_nxt += BENCH_TCP_PAYLOAD;
	}
}

static void
frame_tcp_data(struct bench_frame *f, struct bench_flow *fl)
{
	frame_tcp(f, fl->sport, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 0, 0, 0, BENCH_TCP_PAYLOAD);
	f->name = "tcp data echo (18 B, est.)";
	f->expect = STACK_REPLY_TCP;
	f->prep = prep_tcp_data;
	f->flow = fl;
}

/* The stack_conf the TCP preps feed through (set in main). */
static const struct stack_conf *bench_conf;

/*
 * Each burst: first (untimed) BENCH_BURST data segments that leave their echoes unacknowledged,
 * then the measured burst of pure ACKs, each acknowledging one more echo: the peer's ACKs of a
 * window of echoed messages, each freeing one held mbuf.
 */
static void
prep_tcp_ack(struct bench_frame *f, struct rte_mempool *mp, struct rte_mbuf **m)
{
	static struct bench_frame data[BENCH_BURST];
	struct bench_flow *fl = f->flow;
	uint32_t una = fl->our_nxt;

	for (int i = 0; i < BENCH_BURST; i++) {
		frame_tcp(&data[i], fl->sport, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, fl->peer_nxt,
			  una, 0, BENCH_TCP_PAYLOAD);
		fl->peer_nxt += BENCH_TCP_PAYLOAD;
	}
	bench_tcp_feed(bench_conf, mp, data, BENCH_BURST, STACK_REPLY_TCP, NULL);
	for (int i = 0; i < BENCH_BURST; i++) {
		fl->our_nxt += BENCH_TCP_PAYLOAD;
		tcp_set_seq_ack(rte_pktmbuf_mtod(m[i], uint8_t *), fl->peer_nxt, fl->our_nxt);
	}
}

static void
frame_tcp_ack(struct bench_frame *f, struct bench_flow *fl)
{
	frame_tcp(f, fl->sport, RTE_TCP_ACK_FLAG, 0, 0, 0, 0);
	f->name = "tcp pure ACK (frees an echo)";
	f->expect = STACK_TAKEN_TCP;
	f->prep = prep_tcp_ack;
	f->flow = fl;
}

static void
fill(struct rte_mbuf **m, const struct bench_frame *f)
{
	for (int i = 0; i < BENCH_BURST; i++) {
		rte_pktmbuf_reset(m[i]);
		memcpy(rte_pktmbuf_mtod(m[i], void *), f->bytes, f->len);
		m[i]->data_len = f->len;
		m[i]->pkt_len = f->len;
	}
}

/* The measured call, kept out of line so callgrind can count its instructions alone. */
static __attribute__((noinline)) uint16_t
bench_burst(const struct stack_conf *conf, struct rte_mbuf **m, struct stack_stats *st)
{
	return stack_input_burst(conf, m, BENCH_BURST, st);
}

/*
 * The reference: what testpmd's 5tswap engine does to a UDP frame (swap MACs, IPs and ports,
 * no validation at all), over the same prepared mbufs. Counted as UDP replies.
 */
static __attribute__((noinline)) uint16_t
bench_burst_5tswap(const struct stack_conf *conf, struct rte_mbuf **m, struct stack_stats *st)
{
	for (int i = 0; i < BENCH_BURST; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
		struct rte_ether_addr tmp;

		rte_ether_addr_copy(&eth->src_addr, &tmp);
		rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
		rte_ether_addr_copy(&tmp, &eth->dst_addr);
		RTE_SWAP(ip->src_addr, ip->dst_addr);
		RTE_SWAP(udp->src_port, udp->dst_port);
	}
	st->verdicts[STACK_REPLY_UDP] += BENCH_BURST;
	return BENCH_BURST;
}

/* The TCP kinds: the same call with this lcore's TCP endpoint. */
static __attribute__((noinline)) uint16_t
bench_burst_tcp(const struct stack_conf *conf, struct rte_mbuf **m, struct stack_stats *st)
{
	return stack_input_burst_tcp(conf, bench_tcp, m, BENCH_BURST, st);
}

/*
 * The harness alone: the same fences, clock reads and call, no stack. Its cost per packet is
 * subtracted from every kind in the "net" column. Not named bench_burst*: callgrind skips it.
 */
static __attribute__((noinline)) uint16_t
harness_empty_burst(const struct stack_conf *conf, struct rte_mbuf **m, struct stack_stats *st)
{
	(void)conf;
	(void)m;
	st->verdicts[STACK_REPLY_UDP] += BENCH_BURST;
	return BENCH_BURST;
}

typedef uint16_t (*bench_fn)(const struct stack_conf *, struct rte_mbuf **, struct stack_stats *);

/* Time stack_input_burst alone; restoring the frames and freeing replies are not counted. */
static double
bench_trial(struct rte_mempool *mp, const struct stack_conf *conf, struct bench_frame *f,
	    long rounds, bench_fn fn)
{
	struct rte_mbuf *m[BENCH_BURST];
	struct stack_stats st = {0};
	uint64_t cycles = 0;

	for (long r = 0; r < rounds; r++) {
		uint64_t t0;
		uint16_t n;

		if (rte_pktmbuf_alloc_bulk(mp, m, BENCH_BURST) != 0) {
			fprintf(stderr, "stack-bench: mempool empty\n");
			exit(1);
		}
		fill(m, f);
		if (f->prep != NULL)
			f->prep(f, mp, m);
		t0 = rte_rdtsc_precise();
		n = fn(conf, m, &st);
		cycles += rte_rdtsc_precise() - t0;
		rte_pktmbuf_free_bulk(m, n);
		if (bench_tcp != NULL)
			bench_tcp_drain();
	}
	if (st.verdicts[f->expect] != (uint64_t)rounds * BENCH_BURST) {
		fprintf(stderr, "stack-bench: %s: verdict %s expected on every frame\n", f->name,
			stack_verdict_name(f->expect));
		exit(1);
	}
	return (double)cycles / ((double)rounds * BENCH_BURST);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Several trials: the minimum is the cost, the median shows the machine's noise. */
static double
bench_min(struct rte_mempool *mp, const struct stack_conf *conf, struct bench_frame *f,
	  long rounds, bench_fn fn, double *median)
{
	double c[BENCH_TRIALS];

	for (int t = 0; t < BENCH_TRIALS; t++)
		c[t] = bench_trial(mp, conf, f, rounds, fn);
	qsort(c, BENCH_TRIALS, sizeof(c[0]), cmp_double);
	*median = c[BENCH_TRIALS / 2];
	return c[0];
}

static void
bench_kind(struct rte_mempool *mp, const struct stack_conf *conf, struct bench_frame *f,
	   long rounds, double hz, bench_fn fn, double harness)
{
	double median, min = bench_min(mp, conf, f, rounds, fn, &median);

	printf("%-30s %10.1f %10.1f %10.2f %10.1f\n", f->name, min, median, min / hz * 1e9,
	       min - harness);
}

int
main(int argc, char **argv)
{
	static struct bench_frame frames[BENCH_KINDS];
	static struct bench_flow flow_data = {.sport = 40001}, flow_ack = {.sport = 40002};
	struct tcp_ctx_conf tc = {.tcbs = BENCH_TCP_TCBS, .mtu = BENCH_TCP_MTU,
				  .secret = {0x5eed0001, 0x5eed0002}};
	static struct stack_conf a;
	char err[256];
	struct rte_mempool *mp;
	long rounds = BENCH_ROUNDS_DEFAULT;
	int only = -1; /* a single kind, by index, for instruction counts */
	double hz, harness, harness_median;
	int n = port_eal_init(argc, argv);

	if (n < 0) {
		fprintf(stderr, "stack-bench: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (n + 1 < argc)
		rounds = atol(argv[n + 1]);
	if (n + 2 < argc)
		only = atoi(argv[n + 2]);
	if (only >= BENCH_KINDS) {
		fprintf(stderr, "stack-bench: no kind %d: the kinds are 0 to %d\n", only,
			BENCH_KINDS - 1);
		rte_eal_cleanup();
		return 2;
	}
	mp = rte_pktmbuf_pool_create("bench", BENCH_POOL_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "stack-bench: mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	stack_conf_init(&a, &mac_a, ip_a, 24);
	stack_conf_add_udp_port(&a, BENCH_UDP_PORT);
	frame_udp(&frames[0]);
	frame_ping(&frames[1]);
	frame_arp(&frames[2]);
	frame_drop(&frames[3]);
	frame_udp_nocksum(&frames[5]);
	frame_udp_routed(&frames[6]);
	frames[4] = frames[0];
	frames[4].name = "5tswap reference (udp, 64 B)";
	stack_conf_add_tcp_port(&a, BENCH_TCP_PORT);
	tc.pool = mp;
	bench_tcp = tcp_ctx_create(&a, &tc, err, sizeof(err));
	if (bench_tcp == NULL) {
		fprintf(stderr, "stack-bench: TCP endpoint: %s\n", err);
		return 1;
	}
	bench_conf = &a;
	bench_tcp_open(&a, mp, &flow_data);
	bench_tcp_open(&a, mp, &flow_ack);
	frame_tcp_syn(&frames[7]);
	frame_tcp_data(&frames[8], &flow_data);
	frame_tcp_ack(&frames[9], &flow_ack);
	hz = (double)rte_get_tsc_hz();

	harness = bench_min(mp, &a, &frames[0], rounds, harness_empty_burst, &harness_median);
	printf("stack-bench: %d kinds, %d trials of %ld bursts of %d per kind, TSC %.3f GHz\n",
	       BENCH_KINDS, BENCH_TRIALS, rounds, BENCH_BURST, hz / 1e9);
	printf("stack-bench: the harness alone (an empty burst timed the same way) costs %.1f "
	       "cycles/pkt (median %.1f): \"net\" is the minimum less that\n", harness,
	       harness_median);
	printf("%-30s %10s %10s %10s %10s\n", "kind", "cycles min", "median", "ns min", "net");
	for (int i = 0; i < BENCH_KINDS; i++)
		if (only < 0 || only == i)
			bench_kind(mp, &a, &frames[i], rounds, hz,
				   i == 4 ? bench_burst_5tswap :
				   i >= 7 ? bench_burst_tcp : bench_burst, harness);
	tcp_ctx_destroy(bench_tcp);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
