/* SPDX-License-Identifier: BSD-3-Clause */
/* The fault tests' memif peer: finds bypass-echo by ARP, checks UDP echoes byte for byte, floods
 * it, and can stop draining its own receive ring so bypass-echo's transmit ring fills. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "common/log.h"
#include "common/res.h"

#define PEER_POOL_MBUFS 8191
#define PEER_POOL_CACHE 256
#define PEER_DESC 1024
#define PEER_BURST 32
#define PEER_SRC_PORT 40000
#define PEER_TTL 64
#define PEER_MAGIC 0x7065657272627374ull /* "peerrbst": tells our requests from anything else */
#define PEER_PATTERN_BYTES 30            /* after magic and sequence: 46 bytes of payload */
#define PEER_LINK_WAIT_MS 10000
#define PEER_ARP_WAIT_MS 3000
#define PEER_ARP_RETRY_MS 100
#define PEER_REPLY_WAIT_MS 200
#define PEER_DRAIN_IDLE_MS 50            /* the receive ring is empty once quiet this long */
#define PEER_SIGNAL_POLL_NS 10000000     /* how often a stalled peer looks for SIGUSR1 */
#define PEER_NS_PER_MS 1000000ull
#define PEER_NS_PER_US 1000ull
#define PEER_NS_PER_S 1000000000ull

enum peer_mode { PEER_CHECK, PEER_FLOOD, PEER_STALL };

struct peer_opts {
	enum peer_mode mode;
	rte_be32_t src_ip;
	rte_be32_t dst_ip;
	uint16_t udp_port;
	unsigned int requests;     /* check: how many ping-pong echoes */
	unsigned int interval_us;  /* check: pause between echoes */
	unsigned long flood;       /* flood and stall: how many requests at most */
	double seconds;            /* flood and stall: for how long at most */
	double stall_max_s;        /* stall: how long to wait for SIGUSR1 */
};

struct peer_payload {
	uint64_t magic;
	uint64_t seq;
	uint8_t pattern[PEER_PATTERN_BYTES];
} __rte_packed;

struct peer {
	uint16_t port_id;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	struct rte_ether_addr their_mac;
	uint64_t next_seq;
	uint64_t others;  /* frames that were not an exact reply to one of our requests */
	uint64_t t_first_reply_ns;
};

#define REQ_BYTES (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		   sizeof(struct rte_udp_hdr) + sizeof(struct peer_payload))

static volatile sig_atomic_t peer_resume;
static volatile sig_atomic_t peer_quit;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		peer_resume = 1;
	else
		peer_quit = 1;
}

static void
usage(void)
{
	printf("usage: memif_peer [EAL options] -- --src-ip A --dst-ip B [--port N] MODE...\n"
	       "  --check K         K ping-pong UDP echoes, each checked byte for byte\n"
	       "  --interval-us U   pause between the echoes of --check\n"
	       "  --flood N         send up to N requests as fast as the ring takes them,\n"
	       "                    receiving (and checking) the replies meanwhile\n"
	       "  --stall N         --check K, then up to N requests without ever receiving; wait\n"
	       "                    for SIGUSR1, drain the receive ring, --check K again\n"
	       "  --seconds S       time bound of --flood and --stall (default 2)\n"
	       "  --stall-max S     give up waiting for SIGUSR1 after S seconds (default 30)\n"
	       "Prints one 'memif_peer: PHASE key=value...' line per phase; exit 0 when every\n"
	       "check got all its replies.\n");
}

static int
parse_ulong(const char *opt, const char *val, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(val, &end, 10);
	if (end == val || *end != '\0' || errno != 0 || *out > max) {
		log_err("%s '%s': expected a number from 0 to %lu", opt, val, max);
		return -EINVAL;
	}
	return 0;
}

static int
parse_seconds(const char *opt, const char *val, double *out)
{
	char *end;

	*out = strtod(val, &end);
	if (end == val || *end != '\0' || *out <= 0 || *out > 600) {
		log_err("%s '%s': expected seconds, more than 0 and at most 600", opt, val);
		return -EINVAL;
	}
	return 0;
}

static int
parse_ip(const char *opt, const char *val, rte_be32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, val, &a) != 1) {
		log_err("%s '%s': expected an IPv4 address", opt, val);
		return -EINVAL;
	}
	*out = a.s_addr;
	return 0;
}

static int
parse_args(int argc, char **argv, struct peer_opts *o)
{
	static const struct option longopts[] = {
		{"src-ip", required_argument, NULL, 's'},
		{"dst-ip", required_argument, NULL, 'd'},
		{"port", required_argument, NULL, 'p'},
		{"check", required_argument, NULL, 'c'},
		{"interval-us", required_argument, NULL, 'i'},
		{"flood", required_argument, NULL, 'f'},
		{"stall", required_argument, NULL, 'S'},
		{"seconds", required_argument, NULL, 't'},
		{"stall-max", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long v;
	int c, rc = 0;

	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			rc = parse_ip("--src-ip", optarg, &o->src_ip);
			break;
		case 'd':
			rc = parse_ip("--dst-ip", optarg, &o->dst_ip);
			break;
		case 'p':
			rc = parse_ulong("--port", optarg, UINT16_MAX, &v);
			o->udp_port = (uint16_t)v;
			break;
		case 'c':
			rc = parse_ulong("--check", optarg, 10000000, &v);
			o->requests = (unsigned int)v;
			break;
		case 'i':
			rc = parse_ulong("--interval-us", optarg, 1000000, &v);
			o->interval_us = (unsigned int)v;
			break;
		case 'f':
		case 'S':
			rc = parse_ulong(c == 'f' ? "--flood" : "--stall", optarg, 1000000000, &v);
			o->flood = v;
			o->mode = c == 'f' ? PEER_FLOOD : PEER_STALL;
			break;
		case 't':
			rc = parse_seconds("--seconds", optarg, &o->seconds);
			break;
		case 'm':
			rc = parse_seconds("--stall-max", optarg, &o->stall_max_s);
			break;
		case 'h':
			usage();
			exit(0);
		case ':':
			log_err("%s needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			log_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (rc != 0)
		return rc;
	if (o->src_ip == 0 || o->dst_ip == 0) {
		log_err("--src-ip and --dst-ip are required (see --help)");
		return -EINVAL;
	}
	return 0;
}

static int
peer_port_start(struct peer *p, char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen, "no DPDK port: give --vdev=net_memif0,role=client,socket=PATH");
		return -ENODEV;
	}
	p->port_id = 0;
	p->pool = rte_pktmbuf_pool_create("peer_pool", PEER_POOL_MBUFS, PEER_POOL_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (p->pool == NULL) {
		snprintf(err, errlen, "mempool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = rte_eth_dev_configure(p->port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(p->port_id, 0, PEER_DESC, rte_socket_id(), NULL,
					    p->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(p->port_id, 0, PEER_DESC, rte_socket_id(), NULL);
	if (rc == 0)
		rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: set-up: %s", p->port_id, rte_strerror(-rc));
		return rc;
	}
	return 0;
}

static bool
peer_link_up(const struct peer *p)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(p->port_id, &link) == 0 &&
	       link.link_status == RTE_ETH_LINK_UP;
}

static void
peer_sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / PEER_NS_PER_S),
			      .tv_nsec = (long)(ns % PEER_NS_PER_S)};

	nanosleep(&ts, NULL);
}

static int
peer_wait_link(const struct peer *p, uint64_t t_start)
{
	uint64_t deadline = clock_now_ns() + PEER_LINK_WAIT_MS * PEER_NS_PER_MS;

	while (!peer_link_up(p)) {
		if (peer_quit || clock_now_ns() >= deadline) {
			log_err("memif link still down after %u ms: is bypass-echo running on the "
				"same socket, with the other role?", PEER_LINK_WAIT_MS);
			return -ETIMEDOUT;
		}
		peer_sleep_ns(PEER_NS_PER_MS);
	}
	printf("memif_peer: link up_ms=%.1f\n", (double)(clock_now_ns() - t_start) / PEER_NS_PER_MS);
	fflush(stdout);
	return 0;
}

static struct rte_mbuf *
peer_arp_request(struct peer *p, const struct peer_opts *o)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return NULL;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	/* DPDK 22.11 types these as host integers although they hold wire order. */
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(rte_be32_t);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&p->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = o->src_ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = o->dst_ip;
	m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*arp);
	return m;
}

/* True when m is the ARP reply from dst_ip to us; learns the sender's MAC. */
static bool
peer_arp_reply_take(struct peer *p, const struct peer_opts *o, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);

	if (m->data_len < sizeof(*eth) + sizeof(*arp) ||
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY) || arp->arp_data.arp_sip != o->dst_ip ||
	    arp->arp_data.arp_tip != o->src_ip ||
	    !rte_is_same_ether_addr(&arp->arp_data.arp_tha, &p->mac) ||
	    !rte_is_same_ether_addr(&eth->dst_addr, &p->mac))
		return false;
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &p->their_mac);
	return true;
}

static int
peer_arp_resolve(struct peer *p, const struct peer_opts *o)
{
	uint64_t t0 = clock_now_ns(), deadline = t0 + PEER_ARP_WAIT_MS * PEER_NS_PER_MS, next_tx = 0;
	struct rte_mbuf *pkts[PEER_BURST];
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	bool found = false;

	while (!found && !peer_quit && clock_now_ns() < deadline) {
		uint16_t n;

		if (clock_now_ns() >= next_tx) {
			struct rte_mbuf *m = peer_arp_request(p, o);

			if (m != NULL && rte_eth_tx_burst(p->port_id, 0, &m, 1) == 0)
				rte_pktmbuf_free(m);
			next_tx = clock_now_ns() + PEER_ARP_RETRY_MS * PEER_NS_PER_MS;
		}
		n = rte_eth_rx_burst(p->port_id, 0, pkts, PEER_BURST);
		for (uint16_t i = 0; i < n; i++)
			found = peer_arp_reply_take(p, o, pkts[i]) || found;
		rte_pktmbuf_free_bulk(pkts, n);
	}
	if (!found) {
		log_err("no ARP reply for %s within %u ms", inet_ntoa((struct in_addr){o->dst_ip}),
			PEER_ARP_WAIT_MS);
		return -EHOSTUNREACH;
	}
	rte_ether_format_addr(mac, sizeof(mac), &p->their_mac);
	printf("memif_peer: arp mac=%s ms=%.1f\n", mac, (double)(clock_now_ns() - t0) / PEER_NS_PER_MS);
	fflush(stdout);
	return 0;
}

static void
peer_payload_fill(struct peer_payload *pl, uint64_t seq)
{
	pl->magic = PEER_MAGIC;
	pl->seq = seq;
	for (unsigned int i = 0; i < PEER_PATTERN_BYTES; i++)
		pl->pattern[i] = (uint8_t)(seq * 31 + i);
}

/* A UDP echo request carrying seq, with a full UDP checksum. */
static void
peer_request_fill(const struct peer *p, const struct peer_opts *o, struct rte_mbuf *m,
		  uint64_t seq)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	rte_ether_addr_copy(&p->their_mac, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(REQ_BYTES - sizeof(*eth));
	ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
	ip->time_to_live = PEER_TTL;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = o->src_ip;
	ip->dst_addr = o->dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = RTE_BE16(PEER_SRC_PORT);
	udp->dst_port = rte_cpu_to_be_16(o->udp_port);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + sizeof(struct peer_payload));
	udp->dgram_cksum = 0;
	peer_payload_fill((struct peer_payload *)(udp + 1), seq);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->data_len = m->pkt_len = REQ_BYTES;
}

/* The one's complement sum of pseudo-header and datagram, checksum included, must be 0xffff. */
static bool
peer_udp_cksum_ok(const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp)
{
	uint32_t sum = (uint32_t)rte_raw_cksum(udp, rte_be_to_cpu_16(udp->dgram_len)) +
		       rte_ipv4_phdr_cksum(ip, 0);

	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)((sum & 0xffff) + (sum >> 16)) == 0xffff;
}

/*
 * True when m is the exact echo of one of our requests: addresses and ports swapped, the
 * payload untouched, both checksums valid. Its sequence goes to *seq.
 */
static bool
peer_reply_check(const struct peer *p, const struct peer_opts *o, const struct rte_mbuf *m,
		 uint64_t *seq)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	const struct peer_payload *pl = (const struct peer_payload *)(udp + 1);
	struct peer_payload want;

	if (m->nb_segs != 1 || m->data_len != REQ_BYTES ||
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    !rte_is_same_ether_addr(&eth->dst_addr, &p->mac) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &p->their_mac) ||
	    ip->version_ihl != RTE_IPV4_VHL_DEF || ip->next_proto_id != IPPROTO_UDP ||
	    ip->src_addr != o->dst_ip || ip->dst_addr != o->src_ip ||
	    rte_be_to_cpu_16(ip->total_length) != REQ_BYTES - sizeof(*eth) ||
	    rte_raw_cksum(ip, sizeof(*ip)) != 0xffff ||
	    udp->src_port != rte_cpu_to_be_16(o->udp_port) ||
	    udp->dst_port != RTE_BE16(PEER_SRC_PORT) ||
	    (udp->dgram_cksum != 0 && !peer_udp_cksum_ok(ip, udp)))
		return false;
	peer_payload_fill(&want, pl->seq);
	if (memcmp(pl, &want, sizeof(want)) != 0)
		return false;
	*seq = pl->seq;
	return true;
}

/* Receive one burst; count exact replies (any sequence) and remember the first one's time. */
static uint16_t
peer_rx_count(struct peer *p, const struct peer_opts *o, uint64_t want_seq, bool *got_want)
{
	struct rte_mbuf *pkts[PEER_BURST];
	uint16_t n = rte_eth_rx_burst(p->port_id, 0, pkts, PEER_BURST), exact = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint64_t seq;

		if (peer_reply_check(p, o, pkts[i], &seq)) {
			exact++;
			if (p->t_first_reply_ns == 0)
				p->t_first_reply_ns = clock_now_ns();
			if (got_want != NULL && seq == want_seq)
				*got_want = true;
		} else {
			p->others++;
		}
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return exact;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* K ping-pong echoes, one in flight. Returns 0 when every one came back exact. */
static int
peer_check(struct peer *p, const struct peer_opts *o, const char *phase)
{
	uint64_t *rtt = calloc(o->requests + 1, sizeof(*rtt)), t0 = clock_now_ns();
	unsigned int got = 0;

	if (rtt == NULL)
		return -ENOMEM;
	p->t_first_reply_ns = 0;
	for (unsigned int i = 0; i < o->requests && !peer_quit; i++) {
		uint64_t seq = p->next_seq++, sent_at, deadline;
		struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
		bool back = false;

		if (m == NULL)
			break;
		peer_request_fill(p, o, m, seq);
		sent_at = clock_now_ns();
		if (rte_eth_tx_burst(p->port_id, 0, &m, 1) == 0) {
			rte_pktmbuf_free(m);
		} else {
			deadline = sent_at + PEER_REPLY_WAIT_MS * PEER_NS_PER_MS;
			while (!back && !peer_quit && clock_now_ns() < deadline)
				peer_rx_count(p, o, seq, &back);
		}
		if (back)
			rtt[got++] = clock_now_ns() - sent_at;
		if (o->interval_us != 0)
			peer_sleep_ns(o->interval_us * PEER_NS_PER_US);
	}
	qsort(rtt, got, sizeof(*rtt), cmp_u64);
	printf("memif_peer: %s requests=%u replies=%u others=%llu median_rtt_us=%.1f "
	       "first_reply_ms=%.2f ms=%.1f\n", phase, o->requests, got,
	       (unsigned long long)p->others, got ? (double)rtt[got / 2] / PEER_NS_PER_US : 0.0,
	       p->t_first_reply_ns ? (double)(p->t_first_reply_ns - t0) / PEER_NS_PER_MS : -1.0,
	       (double)(clock_now_ns() - t0) / PEER_NS_PER_MS);
	fflush(stdout);
	free(rtt);
	return got == o->requests ? 0 : -EIO;
}

/*
 * Offer up to o->flood requests for at most o->seconds, a burst at a time; what the ring does
 * not take is freed and counted as refused. With receive set, replies are taken in between.
 */
static void
peer_flood(struct peer *p, const struct peer_opts *o, bool receive, const char *phase)
{
	uint64_t t0 = clock_now_ns(), deadline = t0 + (uint64_t)(o->seconds * PEER_NS_PER_S);
	uint64_t offered = 0, sent = 0, replies = 0;
	struct rte_mbuf *pkts[PEER_BURST];

	while (offered < o->flood && !peer_quit && clock_now_ns() < deadline) {
		uint16_t n = PEER_BURST, taken;

		if (o->flood - offered < n)
			n = (uint16_t)(o->flood - offered);
		if (rte_pktmbuf_alloc_bulk(p->pool, pkts, n) != 0)
			break;
		for (uint16_t i = 0; i < n; i++)
			peer_request_fill(p, o, pkts[i], p->next_seq++);
		taken = rte_eth_tx_burst(p->port_id, 0, pkts, n);
		rte_pktmbuf_free_bulk(pkts + taken, n - taken);
		offered += n;
		sent += taken;
		if (receive)
			replies += peer_rx_count(p, o, 0, NULL);
	}
	/* Replies still in flight when the flood ends. */
	for (uint64_t quiet = clock_now_ns(); receive && clock_now_ns() - quiet <
	     PEER_REPLY_WAIT_MS * PEER_NS_PER_MS;) {
		uint16_t n = peer_rx_count(p, o, 0, NULL);

		replies += n;
		if (n != 0)
			quiet = clock_now_ns();
	}
	printf("memif_peer: %s offered=%llu sent=%llu refused=%llu replies=%llu others=%llu "
	       "ms=%.1f\n", phase, (unsigned long long)offered, (unsigned long long)sent,
	       (unsigned long long)(offered - sent), (unsigned long long)replies,
	       (unsigned long long)p->others, (double)(clock_now_ns() - t0) / PEER_NS_PER_MS);
	fflush(stdout);
}

/* Take everything waiting in the receive ring; returns how many frames there were. */
static uint64_t
peer_drain(struct peer *p)
{
	struct rte_mbuf *pkts[PEER_BURST];
	uint64_t total = 0, quiet = clock_now_ns();

	while (clock_now_ns() - quiet < PEER_DRAIN_IDLE_MS * PEER_NS_PER_MS) {
		uint16_t n = rte_eth_rx_burst(p->port_id, 0, pkts, PEER_BURST);

		rte_pktmbuf_free_bulk(pkts, n);
		total += n;
		if (n != 0)
			quiet = clock_now_ns();
	}
	return total;
}

/* The TX stall: flood without receiving, sit still until SIGUSR1, then drain and check. */
static int
peer_stall(struct peer *p, const struct peer_opts *o)
{
	uint64_t t0, deadline, drained;
	int rc;

	if (peer_check(p, o, "before") != 0)
		return -EIO;
	peer_flood(p, o, false, "stall");
	printf("memif_peer: stalled, not receiving until SIGUSR1\n");
	fflush(stdout);
	deadline = clock_now_ns() + (uint64_t)(o->stall_max_s * PEER_NS_PER_S);
	while (!peer_resume && !peer_quit && clock_now_ns() < deadline)
		peer_sleep_ns(PEER_SIGNAL_POLL_NS);
	if (!peer_resume) {
		log_err("no SIGUSR1 within %.0f s", o->stall_max_s);
		return -ETIMEDOUT;
	}
	t0 = clock_now_ns();
	drained = peer_drain(p);
	printf("memif_peer: drained frames=%llu ms=%.1f\n", (unsigned long long)drained,
	       (double)(clock_now_ns() - t0) / PEER_NS_PER_MS);
	rc = peer_check(p, o, "after");
	printf("memif_peer: recovery first_reply_after_drain_start_ms=%.2f\n",
	       p->t_first_reply_ns ? (double)(p->t_first_reply_ns - t0) / PEER_NS_PER_MS : -1.0);
	fflush(stdout);
	return rc;
}

int
main(int argc, char **argv)
{
	struct peer_opts o = {.udp_port = 7, .requests = 100, .seconds = 2, .stall_max_s = 30};
	struct peer p = {0};
	uint64_t t_start = clock_now_ns();
	char err[256];
	int n, rc;

	log_set_prog("memif_peer");
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		log_err("EAL initialisation failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	argv[n] = argv[0];
	if (parse_args(argc - n, argv + n, &o) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGUSR1, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = peer_port_start(&p, err, sizeof(err));
	if (rc != 0)
		log_err("%s", err);
	if (rc == 0)
		rc = peer_wait_link(&p, t_start);
	if (rc == 0)
		rc = peer_arp_resolve(&p, &o);
	if (rc == 0) {
		switch (o.mode) {
		case PEER_CHECK:
			rc = peer_check(&p, &o, "check");
			break;
		case PEER_FLOOD:
			peer_flood(&p, &o, true, "flood");
			break;
		case PEER_STALL:
			rc = peer_stall(&p, &o);
			break;
		}
	}
	if (p.pool != NULL) {
		rte_eth_dev_stop(p.port_id);
		rte_eth_dev_close(p.port_id);
		rte_mempool_free(p.pool);
	}
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
