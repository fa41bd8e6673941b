/* SPDX-License-Identifier: BSD-3-Clause */
/* The dpdk transport: UDP frames from a template built once, allocated in bulk (as DPDK's
 * test-pmd txonly does), one queue pair per worker, flows told apart by UDP source port. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "common/log.h"
#include "common/profile.h"
#include "gen/transport.h"
#include "port/eal.h"
#include "port/port.h"
#include "stack/stack.h"

#define DPDK_HDR_BYTES (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
			sizeof(struct rte_udp_hdr))
#define DPDK_TX_CHUNK 64	/* mbufs allocated and handed to the PMD at once */
#define DPDK_RX_BURST_MAX 512
#define DPDK_IP_TTL 64
#define DPDK_ARP_RETRY_MS 200
#define DPDK_ARP_WAIT_MS 3000
#define DPDK_LINK_WAIT_MS_DEFAULT 5000
#define DPDK_DESC_DEFAULT 1024
#define DPDK_TX_POOL_MBUFS 16383
#define DPDK_TX_POOL_CACHE 256

/* Process-wide: EAL and the port are set up once, for every cell of a sweep. */
static struct {
	bool ready;
	bool eal_ours;
	bool port_ours;
	bool no_huge;
	bool memif_zero_copy;	/* the PMD keeps mbufs of ours when the port closes */
	struct port port;
	uint16_t port_id;
	uint16_t nqueues;
	struct rte_mempool *tx_pool;	/* when the host program owns the port */
	struct rte_ether_addr src_mac, dst_mac;
	rte_be32_t src_ip, dst_ip;	/* network order */
	rte_be16_t dst_port;
	uint32_t max_size;
	char target[64];
	char driver[32];
} dp;

struct dpdk_conn {
	struct gen_conn base;
	const struct gen_payload_fmt *fmt;
	uint16_t queue;
	uint16_t flow_base;
	uint16_t nflows;
	uint32_t size;
	uint16_t frame_len;
	struct rte_mempool *pool;
	rte_be16_t *src_port_be;		/* per flow */
	uint16_t src_port_first;		/* host order */
	bool registered;
	/* headers of every frame, copied in front of each payload */
	uint8_t tmpl[DPDK_HDR_BYTES] __rte_aligned(RTE_CACHE_LINE_SIZE);
	/* replies handed out by the last recv, freed by the next */
	struct rte_mbuf *held[DPDK_RX_BURST_MAX];
	unsigned nheld;
};

/* "dpdk:A.B.C.D:PORT" */
static int
dpdk_parse_target(const char *target, rte_be32_t *ip, rte_be16_t *port, char *err,
		  size_t errlen)
{
	char host[INET_ADDRSTRLEN];
	const char *p = target + strlen("dpdk:"), *colon = strrchr(p, ':');
	struct in_addr a;
	char *end;
	long v;

	if (strncmp(target, "dpdk:", 5) != 0 || colon == NULL ||
	    (size_t)(colon - p) >= sizeof(host)) {
		snprintf(err, errlen,
			 "target '%s': expected dpdk:IPV4:PORT (e.g. dpdk:198.18.3.2:7)",
			 target);
		return -EINVAL;
	}
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1) {
		snprintf(err, errlen, "target '%s': '%s' is not an IPv4 address", target, host);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || v < 1 || v > UINT16_MAX) {
		snprintf(err, errlen, "target '%s': port '%s' is not 1..65535", target, colon + 1);
		return -EINVAL;
	}
	*ip = a.s_addr;
	*port = rte_cpu_to_be_16((uint16_t)v);
	return 0;
}

static int
dpdk_parse_ip(const char *s, rte_be32_t *ip, char *err, size_t errlen)
{
	char host[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	struct in_addr a;

	if (len >= sizeof(host)) {
		snprintf(err, errlen, "--local-ip '%s': expected A.B.C.D or A.B.C.D/P", s);
		return -EINVAL;
	}
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1) {
		snprintf(err, errlen, "--local-ip '%s': expected A.B.C.D or A.B.C.D/P", s);
		return -EINVAL;
	}
	*ip = a.s_addr;
	return 0;
}

static int
dpdk_parse_mac(const char *opt, const char *s, struct rte_ether_addr *mac, char *err,
	       size_t errlen)
{
	if (rte_ether_unformat_addr(s, mac) != 0) {
		snprintf(err, errlen, "%s '%s': expected a MAC address such as 02:00:00:00:00:01",
			 opt, s);
		return -EINVAL;
	}
	return 0;
}

/* EAL from the profile's eal line and --eal; in memory, a prefix of our own. */
static int
dpdk_eal_init(const struct gen_dpdk_opts *o, const struct profile *prof, char *err,
	      size_t errlen)
{
	static char prof_buf[PROFILE_EAL_MAX], eal_buf[PROFILE_EAL_MAX], prefix[64];
	char *argv[PORT_EAL_ARGS_MAX + 1], *save = NULL, *tok, hp_err[512];
	cpu_set_t cpus;
	int n = 0, rc;

	argv[n++] = "echo-gen";
	if (o->profile != NULL)
		n += profile_eal_argv(prof, prof_buf, argv + n, PORT_EAL_ARGS_MAX / 2);
	if (o->eal != NULL) {
		snprintf(eal_buf, sizeof(eal_buf), "%s", o->eal);
		for (tok = strtok_r(eal_buf, " \t", &save);
		     tok != NULL && n < PORT_EAL_ARGS_MAX - 4;
		     tok = strtok_r(NULL, " \t", &save))
			argv[n++] = tok;
	}
	dp.no_huge = port_eal_has(argv, n, "--no-huge");
	rc = port_hugepages_check(dp.no_huge, hp_err, sizeof(hp_err));
	if (rc != 0) {
		snprintf(err, errlen, "dpdk: %s", hp_err);
		return rc;
	}
	snprintf(prefix, sizeof(prefix), "echo-gen-%d", (int)getpid());
	n = port_eal_defaults(argv, n, prefix);
	/* EAL pins the calling thread to the main lcore; workers pick their own CPUs. */
	sched_getaffinity(0, sizeof(cpus), &cpus);
	rc = port_eal_init(n, argv);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	if (rc < 0) {
		snprintf(err, errlen,
			 "dpdk: EAL initialisation failed: %s (see the EAL lines above; "
			 "check --eal and the profile's eal line)", rte_strerror(rte_errno));
		return -rte_errno;
	}
	dp.eal_ours = true;
	return 0;
}

/* An ARP frame from us into m, built as bypass-echo builds its own (lib/stack). */
static void
arp_fill(struct rte_mbuf *m, uint16_t op, const struct rte_ether_addr *eth_dst,
	 const struct rte_ether_addr *tha, rte_be32_t tip)
{
	m->data_len = stack_arp_frame(rte_pktmbuf_mtod(m, uint8_t *), op, eth_dst, &dp.src_mac,
				      dp.src_ip, tha, tip);
	m->pkt_len = m->data_len;
}

/* An ARP frame for us, or NULL. */
static const struct rte_arp_hdr *
arp_of(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);

	if (m->data_len < sizeof(*eth) + sizeof(*arp) ||
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4 || arp->arp_data.arp_tip != dp.src_ip)
		return NULL;
	return arp;
}

/* Answer a request for our address from the same queue (a kernel peer asks before replying). */
static void
arp_answer(uint16_t queue, struct rte_mbuf *m, struct rte_mempool *pool)
{
	const struct rte_arp_hdr *arp = arp_of(m);
	struct rte_ether_addr sha;
	struct rte_mbuf *r;
	rte_be32_t sip;

	if (arp == NULL || arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    rte_is_multicast_ether_addr(&arp->arp_data.arp_sha))
		return;
	sha = arp->arp_data.arp_sha;
	sip = arp->arp_data.arp_sip;
	r = rte_pktmbuf_alloc(pool);
	if (r == NULL)
		return;
	arp_fill(r, RTE_ARP_OP_REPLY, &sha, &sha, sip);
	if (rte_eth_tx_burst(dp.port_id, queue, &r, 1) != 1)
		rte_pktmbuf_free(r);
}

static struct rte_mempool *
queue_pool(uint16_t q)
{
	return dp.port_ours ? dp.port.queue_pool[q] : dp.tx_pool;
}

/* Ask for the target's MAC until it answers, polling every queue (RSS may pick any). */
static int
dpdk_arp_resolve(char *err, size_t errlen)
{
	uint64_t hz = rte_get_timer_hz(), start = rte_get_timer_cycles(), next = start;
	struct rte_ether_addr zero = { { 0 } }, bcast;

	memset(&bcast, 0xff, sizeof(bcast));
	while (rte_get_timer_cycles() - start < hz * DPDK_ARP_WAIT_MS / 1000) {
		struct rte_mbuf *pkts[32];

		if (rte_get_timer_cycles() >= next) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(queue_pool(0));

			if (m != NULL) {
				arp_fill(m, RTE_ARP_OP_REQUEST, &bcast, &zero, dp.dst_ip);
				if (rte_eth_tx_burst(dp.port_id, 0, &m, 1) != 1)
					rte_pktmbuf_free(m);
			}
			next += hz * DPDK_ARP_RETRY_MS / 1000;
		}
		for (uint16_t q = 0; q < dp.nqueues; q++) {
			uint16_t n = rte_eth_rx_burst(dp.port_id, q, pkts, 32);

			for (uint16_t i = 0; i < n; i++) {
				const struct rte_arp_hdr *arp = arp_of(pkts[i]);

				if (arp != NULL && arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) &&
				    arp->arp_data.arp_sip == dp.dst_ip) {
					dp.dst_mac = arp->arp_data.arp_sha;
					rte_pktmbuf_free_bulk(pkts + i, n - i);
					return 0;
				}
				arp_answer(q, pkts[i], queue_pool(q));
				rte_pktmbuf_free(pkts[i]);
			}
		}
		rte_delay_us_sleep(1000);
	}
	snprintf(err, errlen, "dpdk: no ARP reply from %s on port %u (%s) within %u ms: is the "
		 "server up with that address on this link? (or give --dst-mac)", dp.target,
		 dp.port_id, dp.driver, DPDK_ARP_WAIT_MS);
	return -EHOSTUNREACH;
}

/*
 * net_memif in zero-copy mode (a client given zero-copy=yes) hands our mbufs to its rings as
 * buffers and, in DPDK 22.11, keeps them when the port closes: its RX ring's refills and what it
 * sent that the peer had not yet returned. Those are the PMD's to account for, not a leak of ours.
 */
static bool
dpdk_port_is_memif_zero_copy(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;

	if (rte_eth_dev_info_get(port_id, &info) != 0 || strcmp(info.driver_name, "net_memif") != 0)
		return false;
	da = rte_dev_devargs(info.device);
	return da != NULL && da->args != NULL && strstr(da->args, "zero-copy=yes") != NULL;
}

static int
dpdk_port_init(const struct gen_dpdk_opts *o, const struct profile *prof, char *err,
	       size_t errlen)
{
	struct port_conf pc = {
		.port_id = o->port_id, .nb_queues = o->nqueues > 0 ? o->nqueues : 1,
		.rx_desc = prof->rx_desc > 0 ? prof->rx_desc : DPDK_DESC_DEFAULT,
		.tx_desc = prof->tx_desc > 0 ? prof->tx_desc : DPDK_DESC_DEFAULT,
		.mtu = prof->mtu, .mbufs = prof->mbufs, .promisc = prof->promisc,
	};
	uint32_t wait_ms = prof->link_wait_ms > 0 ? prof->link_wait_ms : DPDK_LINK_WAIT_MS_DEFAULT;
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen, "dpdk: no ports: give --eal '--vdev=...' or --profile NAME "
			 "(drivers-conf/), or bind a NIC to vfio-pci");
		return -ENODEV;
	}
	for (uint16_t q = 0; q < pc.nb_queues; q++)
		pc.queue_lcore[q] = rte_get_main_lcore();
	rc = port_setup(&pc, &dp.port, err, errlen);
	if (rc < 0)
		return rc;
	dp.port_ours = true;
	snprintf(dp.driver, sizeof(dp.driver), "%s", dp.port.driver);
	dp.memif_zero_copy = dpdk_port_is_memif_zero_copy(o->port_id);
	if (port_wait_link(o->port_id, wait_ms, NULL) != 0) {
		snprintf(err, errlen,
			 "dpdk: port %u (%s): link still down after %u ms: is the peer "
			 "running (for memif: the server side; for tap: the interface up)?",
			 o->port_id, dp.driver, wait_ms);
		return -ENOLINK;
	}
	return 0;
}

/* Attach to a port the host program set up and started: we only need a pool for TX. */
static int
dpdk_port_attach(const struct gen_dpdk_opts *o, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (!rte_eth_dev_is_valid_port(o->port_id) || rte_eth_dev_info_get(o->port_id, &info)) {
		snprintf(err, errlen, "dpdk: port %u does not exist", o->port_id);
		return -ENODEV;
	}
	snprintf(dp.driver, sizeof(dp.driver), "%s", info.driver_name);
	snprintf(name, sizeof(name), "eg_tx_p%u", o->port_id);
	dp.tx_pool = rte_pktmbuf_pool_create(name,
					     DPDK_TX_POOL_MBUFS * (o->nqueues ? o->nqueues : 1),
					     DPDK_TX_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					     (int)rte_socket_id());
	if (dp.tx_pool == NULL) {
		snprintf(err, errlen, "dpdk: TX mempool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static int
dpdk_global_init(const char *target, const struct gen_dpdk_opts *o, char *err, size_t errlen)
{
	struct profile prof;
	uint16_t mtu = RTE_ETHER_MTU;
	uint32_t room;
	int rc;

	if (dp.ready) {
		if (strcmp(dp.target, target) != 0) {
			snprintf(err, errlen, "dpdk: one target per process (%s already)",
				 dp.target);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(dp.target, sizeof(dp.target), "%s", target);
	rc = dpdk_parse_target(target, &dp.dst_ip, &dp.dst_port, err, errlen);
	if (rc < 0)
		return rc;
	profile_defaults(&prof);
	if (o->profile != NULL && (rc = profile_load(o->profile, &prof, err, errlen)) != 0)
		return rc;
	if (o->local_ip == NULL && prof.ip[0] == '\0') {
		snprintf(err, errlen, "dpdk: no local address: give --local-ip A.B.C.D (from "
			 "198.18.0.0/15) or a --profile with 'ip ='");
		return -EINVAL;
	}
	rc = dpdk_parse_ip(o->local_ip != NULL ? o->local_ip : prof.ip, &dp.src_ip, err, errlen);
	if (rc < 0)
		return rc;
	if (o->dst_mac != NULL &&
	    (rc = dpdk_parse_mac("--dst-mac", o->dst_mac, &dp.dst_mac, err, errlen)) < 0)
		return rc;
	dp.port_id = o->port_id;
	dp.nqueues = o->nqueues > 0 ? o->nqueues : 1;
	if (!o->eal_ready) {
		if (o->eal == NULL && o->profile == NULL) {
			snprintf(err, errlen, "dpdk: give --profile NAME (drivers-conf/) or --eal "
				 "'ARGS' (e.g. --eal '--no-pci --vdev=net_memif0,role=client')");
			return -EINVAL;
		}
		rc = dpdk_eal_init(o, &prof, err, errlen);
		if (rc == 0)
			rc = dpdk_port_init(o, &prof, err, errlen);
	} else {
		rc = dpdk_port_attach(o, err, errlen);
	}
	if (rc < 0)
		return rc;
	if (o->local_mac != NULL)
		rc = dpdk_parse_mac("--local-mac", o->local_mac, &dp.src_mac, err, errlen);
	else
		rc = rte_eth_macaddr_get(dp.port_id, &dp.src_mac);
	if (rc < 0)
		return rc;
	if (o->dst_mac == NULL && (rc = dpdk_arp_resolve(err, errlen)) < 0)
		return rc;
	rte_eth_dev_get_mtu(dp.port_id, &mtu);
	room = rte_pktmbuf_data_room_size(queue_pool(0)) - RTE_PKTMBUF_HEADROOM;
	dp.max_size = ((uint32_t)mtu + RTE_ETHER_HDR_LEN < room ? mtu : room - RTE_ETHER_HDR_LEN) -
		      (uint32_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr));
	dp.ready = true;
	return 0;
}

static int
dpdk_max_size(const char *target, const struct gen_dpdk_opts *o, uint32_t *max, char *err,
	      size_t errlen)
{
	int rc = dpdk_global_init(target, o, err, errlen);

	if (rc == 0)
		*max = dp.max_size;
	return rc;
}

static void
dpdk_build_template(struct dpdk_conn *dc)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)dc->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	eth->dst_addr = dp.dst_mac;
	eth->src_addr = dp.src_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + dc->size));
	ip->time_to_live = DPDK_IP_TTL;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = dp.src_ip;
	ip->dst_addr = dp.dst_ip;
	/* Every field is fixed per cell, so the checksum is too. */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = 0;	/* per flow */
	udp->dst_port = dp.dst_port;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + dc->size));
	udp->dgram_cksum = 0;	/* none: IPv4 allows it, and the payload has its own check */
}

static void dpdk_close(struct gen_conn *c);

static int
dpdk_open(const struct gen_open_args *a, struct gen_conn **out, char *err, size_t errlen)
{
	struct dpdk_conn *dc;
	int rc = dpdk_global_init(a->target, a->dpdk, err, errlen);

	if (rc < 0)
		return rc;
	if (a->queue >= dp.nqueues) {
		snprintf(err, errlen, "dpdk: worker %u has no queue (port set up with %u)",
			 a->queue,
			 dp.nqueues);
		return -EINVAL;
	}
	if ((uint32_t)a->dpdk->src_port + a->flow_base + a->nflows - 1 > UINT16_MAX) {
		snprintf(err, errlen, "dpdk: --src-port %u + %u flows passes port 65535",
			 a->dpdk->src_port, a->flow_base + a->nflows);
		return -EINVAL;
	}
	dc = rte_zmalloc("echo-gen conn", sizeof(*dc), RTE_CACHE_LINE_SIZE);
	if (dc == NULL) {
		snprintf(err, errlen, "dpdk: no memory for a connection");
		return -ENOMEM;
	}
	dc->fmt = a->fmt;
	dc->queue = (uint16_t)a->queue;
	dc->flow_base = a->flow_base;
	dc->nflows = a->nflows;
	dc->size = a->fmt->size;
	dc->frame_len = (uint16_t)(DPDK_HDR_BYTES + dc->size);
	dc->pool = queue_pool(dc->queue);
	dc->src_port_first = (uint16_t)(a->dpdk->src_port + a->flow_base);
	dc->src_port_be = calloc(dc->nflows, sizeof(*dc->src_port_be));
	if (dc->src_port_be == NULL) {
		dpdk_close(&dc->base);
		snprintf(err, errlen, "dpdk: no memory for %u flows", a->nflows);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < dc->nflows; i++)
		dc->src_port_be[i] = rte_cpu_to_be_16((uint16_t)(dc->src_port_first + i));
	dpdk_build_template(dc);
	*out = &dc->base;
	return 0;
}

/* Worker threads are not EAL lcores: registering gives them an lcore id and mempool caches. */
static int
dpdk_thread_start(struct gen_conn *c)
{
	struct dpdk_conn *dc = (struct dpdk_conn *)c;

	if (rte_lcore_id() != LCORE_ID_ANY)
		return 0;
	if (rte_thread_register() != 0) {
		snprintf(c->err, sizeof(c->err), "dpdk: registering worker thread: %s (too many "
			 "lcores for RTE_MAX_LCORE?)", rte_strerror(rte_errno));
		return -rte_errno;
	}
	dc->registered = true;
	return 0;
}

static void
dpdk_thread_stop(struct gen_conn *c)
{
	struct dpdk_conn *dc = (struct dpdk_conn *)c;

	if (dc->registered) {
		rte_thread_unregister();
		dc->registered = false;
	}
}

static int
dpdk_send(struct gen_conn *c, const struct gen_tx *m, unsigned n)
{
	struct dpdk_conn *dc = (struct dpdk_conn *)c;
	struct rte_mbuf *pkts[DPDK_TX_CHUNK];
	unsigned done = 0;

	while (done < n) {
		unsigned k = n - done < DPDK_TX_CHUNK ? n - done : DPDK_TX_CHUNK;
		uint16_t sent;

		if (rte_pktmbuf_alloc_bulk(dc->pool, pkts, k) != 0)
			break;	/* pool empty: the PMD still holds what we sent */
		for (unsigned i = 0; i < k; i++) {
			const struct gen_tx *t = &m[done + i];
			uint8_t *d = rte_pktmbuf_mtod(pkts[i], uint8_t *);
			struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(d + DPDK_HDR_BYTES -
									 sizeof(*udp));

			rte_memcpy(d, dc->tmpl, DPDK_HDR_BYTES);
			udp->src_port = dc->src_port_be[t->flow - dc->flow_base];
			gen_payload_write(dc->fmt, d + DPDK_HDR_BYTES, t->flow, t->seq, t->ts);
			pkts[i]->data_len = dc->frame_len;
			pkts[i]->pkt_len = dc->frame_len;
		}
		sent = rte_eth_tx_burst(dp.port_id, dc->queue, pkts, (uint16_t)k);
		done += sent;
		if (sent < k) {
			rte_pktmbuf_free_bulk(pkts + sent, k - sent);
			break;
		}
	}
	return (int)done;
}

/*
 * The UDP payload of a reply to this connection, or NULL for anything else. A reply of the
 * wrong length still comes out (len says so) so the engine counts it corrupt.
 */
static inline const uint8_t *
dpdk_reply_payload(const struct dpdk_conn *dc, const struct rte_mbuf *mb, uint32_t *len)
{
	const uint8_t *d = rte_pktmbuf_mtod(mb, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp;
	uint32_t ihl, ulen;
	uint16_t dport;

	if (mb->data_len < DPDK_HDR_BYTES || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 || ip->next_proto_id != IPPROTO_UDP ||
	    ip->src_addr != dp.dst_ip || ip->dst_addr != dp.src_ip)
		return NULL;
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if (ihl < sizeof(*ip) || sizeof(*eth) + ihl + sizeof(*udp) > mb->data_len)
		return NULL;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	dport = rte_be_to_cpu_16(udp->dst_port);
	if (udp->src_port != dp.dst_port || (uint16_t)(dport - dc->src_port_first) >= dc->nflows)
		return NULL;
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || sizeof(*eth) + ihl + ulen > mb->data_len)
		ulen = sizeof(*udp);	/* truncated or lying: an empty, hence corrupt, reply */
	*len = ulen - (uint32_t)sizeof(*udp);
	return (const uint8_t *)(udp + 1);
}

static int
dpdk_recv(struct gen_conn *c, struct gen_rx *out, unsigned n, uint64_t wait_ns)
{
	struct dpdk_conn *dc = (struct dpdk_conn *)c;
	struct rte_mbuf *pkts[DPDK_RX_BURST_MAX];
	unsigned got = 0;
	uint16_t nb;

	if (dc->nheld > 0) {
		rte_pktmbuf_free_bulk(dc->held, dc->nheld);
		dc->nheld = 0;
	}
	if (n > DPDK_RX_BURST_MAX)
		n = DPDK_RX_BURST_MAX;
	nb = rte_eth_rx_burst(dp.port_id, dc->queue, pkts, (uint16_t)n);
	for (uint16_t i = 0; i < nb; i++) {
		uint32_t len;
		const uint8_t *p;

		if (i + 1 < nb)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		p = dpdk_reply_payload(dc, pkts[i], &len);
		if (p == NULL) {
			c->ignored++;
			arp_answer(dc->queue, pkts[i], dc->pool);
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		out[got].buf = p;
		out[got].len = len;
		got++;
		dc->held[dc->nheld++] = pkts[i];
	}
	return (int)got;
}

static void
dpdk_close(struct gen_conn *c)
{
	struct dpdk_conn *dc = (struct dpdk_conn *)c;

	if (dc == NULL)
		return;
	if (dc->nheld > 0)
		rte_pktmbuf_free_bulk(dc->held, dc->nheld);
	free(dc->src_port_be);
	rte_free(dc);
}

static void
dpdk_shutdown(void)
{
	unsigned leaked;

	if (dp.port_ours) {
		leaked = port_teardown(&dp.port);
		if (leaked > 0 && dp.memif_zero_copy)
			log_info("dpdk: %u mbufs kept by net_memif's zero-copy rings at exit (the "
				 "PMD does not return them when the port closes)", leaked);
		else if (leaked > 0)
			log_warn("dpdk: %u mbufs still out of the pools at exit", leaked);
		dp.port_ours = false;
	}
	if (dp.tx_pool != NULL) {
		rte_mempool_free(dp.tx_pool);
		dp.tx_pool = NULL;
	}
	if (dp.eal_ours) {
		rte_eal_cleanup();
		dp.eal_ours = false;
	}
	dp.ready = false;
}

static const char *
dpdk_driver(void)
{
	return dp.driver[0] != '\0' ? dp.driver : NULL;
}

static bool
dpdk_no_huge(void)
{
	return dp.no_huge;
}

const struct gen_transport_ops gen_transport_dpdk = {
	.name = "dpdk",
	.stream = false,
	/* RSS, not the sender, picks the queue a reply comes back on: one worker sees them all. */
	.threads_max = 1,
	.max_size = dpdk_max_size,
	.open = dpdk_open,
	.thread_start = dpdk_thread_start,
	.thread_stop = dpdk_thread_stop,
	.send = dpdk_send,
	.recv = dpdk_recv,
	.close = dpdk_close,
	.shutdown = dpdk_shutdown,
	.driver = dpdk_driver,
	.no_huge = dpdk_no_huge,
};
