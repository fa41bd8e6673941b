/* SPDX-License-Identifier: BSD-3-Clause */
/* Two net_ring ports with crossed rings in one process: echo-gen's engine on one, an echo on
 * its own lcore on the other. With --echo swap (default) the echo only swaps addresses and
 * ports, so the figure is the dpdk transport's own ceiling; with --echo stack it is bypass-echo's
 * stack (lib/stack, every check), the upper bound of the stack itself with no device at all. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "common/json.h"
#include "common/log.h"
#include "gen/gen.h"
#include "stack/stack.h"

#define RING_SLOTS 4096
#define POOL_MBUFS 16383
#define POOL_CACHE 256
#define PORT_DESC 1024
#define ECHO_BURST 32
#define CALIB_MS 50
#define BENCH_NS_PER_S 1e9

static volatile bool echo_stop;

/* The stack the --echo stack lcore runs: the address echo-gen targets, echo on port 7. */
static struct stack_conf echo_conf;
static const struct rte_ether_addr echo_mac = {{0x02, 0, 0, 0, 0x04, 0x02}};

/* Echo on port_id through bypass-echo's stack until told to stop. */
static int
echo_stack_lcore(void *arg)
{
	uint16_t port_id = (uint16_t)(uintptr_t)arg;
	struct rte_mbuf *pkts[ECHO_BURST];
	struct stack_stats stats = {0};

	while (!echo_stop) {
		uint16_t n = rte_eth_rx_burst(port_id, 0, pkts, ECHO_BURST), sent;

		n = stack_input_burst(&echo_conf, pkts, n, &stats);
		sent = rte_eth_tx_burst(port_id, 0, pkts, n);
		if (sent < n)
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	return 0;
}

/* Echo on port_id until told to stop: swap MACs, IPs and UDP ports, send back. */
static int
echo_lcore(void *arg)
{
	uint16_t port_id = (uint16_t)(uintptr_t)arg;
	struct rte_mbuf *pkts[ECHO_BURST];

	while (!echo_stop) {
		uint16_t n = rte_eth_rx_burst(port_id, 0, pkts, ECHO_BURST), sent;

		for (uint16_t i = 0; i < n; i++) {
			struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i],
								     struct rte_ether_hdr *);
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
			struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
			struct rte_ether_addr mac = eth->src_addr;
			rte_be32_t a = ip->src_addr;
			rte_be16_t p = udp->src_port;

			eth->src_addr = eth->dst_addr;
			eth->dst_addr = mac;
			ip->src_addr = ip->dst_addr;
			ip->dst_addr = a;
			udp->src_port = udp->dst_port;
			udp->dst_port = p;
		}
		sent = rte_eth_tx_burst(port_id, 0, pkts, n);
		if (sent < n)
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	return 0;
}

static int
port_start(uint16_t port_id, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };

	if (rte_eth_dev_configure(port_id, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port_id, 0, PORT_DESC, rte_socket_id(), NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(port_id, 0, PORT_DESC, rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start(port_id) != 0)
		return -EIO;
	return 0;
}

static void
usage(void)
{
	printf("usage: dpdk_ring_echo [EAL args] -- [--duration S] [--size N] [--window W]\n"
	       "       [--flows F] [--cpu N] [--json FILE] [--min-mpps X] [--echo swap|stack]\n"
	       "EAL needs two lcores (-l 0,1): the echo runs on the worker lcore.\n");
}

struct bench_opts {
	double duration_s, min_mpps;
	unsigned size, window, flows;
	int cpu;
	const char *json;
	bool stack; /* --echo stack: bypass-echo's stack instead of a bare swap */
};

static int
parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "flows", required_argument, NULL, 'f' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "min-mpps", required_argument, NULL, 'm' },
		{ "echo", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->duration_s = atof(optarg); break;
		case 's': o->size = (unsigned)atoi(optarg); break;
		case 'w': o->window = (unsigned)atoi(optarg); break;
		case 'f': o->flows = (unsigned)atoi(optarg); break;
		case 'c': o->cpu = atoi(optarg); break;
		case 'j': o->json = optarg; break;
		case 'm': o->min_mpps = atof(optarg); break;
		case 'e':
			if (strcmp(optarg, "stack") != 0 && strcmp(optarg, "swap") != 0) {
				log_err("--echo '%s': expected swap or stack", optarg);
				return -EINVAL;
			}
			o->stack = strcmp(optarg, "stack") == 0;
			break;
		default: usage(); return -EINVAL;
		}
	}
	if (o->duration_s <= 0 || o->size < GEN_HDR_BYTES || o->window == 0 || o->flows == 0) {
		log_err("--duration, --size (>= 18), --window and --flows must be positive");
		return -EINVAL;
	}
	return 0;
}

struct json_arg {
	const struct gen_cfg *cfg;
	const struct gen_result *res;
	const struct gen_labels *labels;
};

static void
json_fill(struct json_writer *w, void *arg)
{
	const struct json_arg *a = arg;

	json_array_begin(w, NULL);
	gen_report_json(w, a->cfg, a->res, a->labels);
	json_array_end(w);
}

int
main(int argc, char **argv)
{
	struct bench_opts o = { .duration_s = 3, .size = GEN_HDR_BYTES, .window = 256, .flows = 1,
				.cpu = -1 };
	struct rte_ring *ab, *ba;
	struct rte_mempool *pool;
	int gen_port, echo_port, rc, status = 1, cpu;
	struct gen_dpdk_opts dpdk = {
		.local_ip = "198.18.4.1", .local_mac = "02:00:00:00:04:01",
		.dst_mac = "02:00:00:00:04:02", .src_port = 10000, .nqueues = 1, .eal_ready = true,
	};
	struct gen_clock clock;
	struct gen_cfg cfg;
	struct gen_result res;
	struct gen_labels labels;
	char err[GEN_ERR_MAX];
	double mpps;

	log_set_prog("dpdk_ring_echo");
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		log_err("EAL: %s", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	if (parse_opts(argc, argv, &o) != 0)
		goto out_eal;
	if (rte_lcore_count() < 2) {
		log_err("needs two lcores (-l 0,1): one echoes, the generator runs beside");
		goto out_eal;
	}
	ab = rte_ring_create("gen_to_echo", RING_SLOTS, rte_socket_id(),
			     RING_F_SP_ENQ | RING_F_SC_DEQ);
	ba = rte_ring_create("echo_to_gen", RING_SLOTS, rte_socket_id(),
			     RING_F_SP_ENQ | RING_F_SC_DEQ);
	pool = rte_pktmbuf_pool_create("ring_rx", POOL_MBUFS, POOL_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (ab == NULL || ba == NULL || pool == NULL) {
		log_err("rings or mempool: %s", rte_strerror(rte_errno));
		goto out_eal;
	}
	gen_port = rte_eth_from_rings("net_ring_gen", &ba, 1, &ab, 1, rte_socket_id());
	echo_port = rte_eth_from_rings("net_ring_echo", &ab, 1, &ba, 1, rte_socket_id());
	if (gen_port < 0 || echo_port < 0 || port_start((uint16_t)gen_port, pool) != 0 ||
	    port_start((uint16_t)echo_port, pool) != 0) {
		log_err("net_ring ports: %s", rte_strerror(rte_errno));
		goto out_eal;
	}
	dpdk.port_id = (uint16_t)gen_port;
	stack_conf_init(&echo_conf, &echo_mac, RTE_BE32(0xc6120402), 24); /* 198.18.4.2/24 */
	stack_conf_add_udp_port(&echo_conf, STACK_UDP_ECHO_PORT);
	rte_eal_remote_launch(o.stack ? echo_stack_lcore : echo_lcore,
			      (void *)(uintptr_t)echo_port, rte_get_next_lcore(-1, 1, 0));
	gen_clock_init(&clock, true, CALIB_MS);
	cpu = o.cpu >= 0 ? o.cpu : (int)rte_lcore_to_cpu_id((int)rte_get_main_lcore());
	cfg = (struct gen_cfg){
		.ops = &gen_transport_dpdk, .target = "dpdk:198.18.4.2:7", .dpdk = &dpdk,
		.size = o.size, .flows = o.flows, .window = o.window,
		.duration_ns = (uint64_t)(o.duration_s * BENCH_NS_PER_S),
		.warmup_ns = (uint64_t)(BENCH_NS_PER_S / 2), .timeout_ns = (uint64_t)BENCH_NS_PER_S,
		.threads = 1, .cpus = &cpu, .ncpus = 1, .batch = 32,
		.busy_poll = true, .clock = &clock,
	};
	rc = gen_run(&cfg, &res, err, sizeof(err));
	echo_stop = true;
	rte_eal_mp_wait_lcore();
	if (rc < 0) {
		log_err("%s", err);
		goto out_shutdown;
	}
	labels = (struct gen_labels){ .transport = "dpdk",
				      .path = o.stack ? "net_ring, bypass-echo's stack" :
							"net_ring in-memory echo",
				      .driver = "net_ring",
				      .clock = clock.tsc ? "tsc" : "monotonic",
				      .tsc_hz = clock.tsc_hz, .no_huge = 0 };
	gen_report_table_header(stdout);
	gen_report_table_row(stdout, &cfg, &res);
	mpps = res.duration_s > 0 ? (double)res.c.received / res.duration_s / 1e6 : 0;
	printf("dpdk engine on one lcore (CPU %d) against an in-memory %s: %.2f Mpps of %u-byte "
	       "payloads, %.0f cycles/msg\n", cpu, o.stack ? "stack" : "echo", mpps, o.size,
	       res.c.received ? (res.client.cpu_user_s + res.client.cpu_sys_s) *
				(double)clock.tsc_hz / (double)res.c.received : 0);
	if (o.json != NULL) {
		struct json_arg ja = { &cfg, &res, &labels };

		if (json_write_file(o.json, json_fill, &ja, err, sizeof(err)) != 0)
			log_err("--json: %s", err);
	}
	status = 0;
	if (res.c.lost != 0 || res.c.corrupt != 0 || res.c.received == 0) {
		log_err("lost %lu, corrupt %lu, received %lu: the in-memory echo loses nothing",
			(unsigned long)res.c.lost, (unsigned long)res.c.corrupt,
			(unsigned long)res.c.received);
		status = 1;
	}
	if (o.min_mpps > 0 && mpps < o.min_mpps) {
		log_err("%.2f Mpps is below --min-mpps %.2f", mpps, o.min_mpps);
		status = 1;
	}
	gen_result_free(&res);
out_shutdown:
	gen_transport_dpdk.shutdown();
	for (int p = 0; p < 2; p++) {
		rte_eth_dev_stop((uint16_t)(p == 0 ? gen_port : echo_port));
		rte_eth_dev_close((uint16_t)(p == 0 ? gen_port : echo_port));
	}
out_eal:
	rte_eal_cleanup();
	return status;
}
