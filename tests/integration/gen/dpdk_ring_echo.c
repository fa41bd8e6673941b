/* SPDX-License-Identifier: BSD-3-Clause */
/* Two net_ring ports with crossed rings in one process: echo-gen's engine on one, an echo on
 * its own lcore on the other. With --echo swap (default) the echo only swaps addresses and
 * ports, so the figure is the dpdk transport's own ceiling; with --echo stack it is bypass-echo's
 * stack (lib/stack, every check), the upper bound of the stack itself with no device at all.
 * The stack's lcore keeps bypass-echo's counters and can write them in bypass-echo's stats
 * JSON (--stats-json, read by the engine as --server-stats) and final counters (--server-log). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
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
#include "port/port.h"
#include "stack/report.h"
#include "stack/stack.h"

#define RING_SLOTS 4096
#define POOL_MBUFS 16383
#define POOL_CACHE 256
#define PORT_DESC 1024
#define ECHO_BURST 32
#define CALIB_MS 50
#define BENCH_NS_PER_S 1e9
#define ECHO_TX_RETRIES 4 /* as bypass-echo's worker: offer the PMD what it did not take */

static volatile bool echo_stop, stats_stop;

/*
 * The --echo stack lcore's counters, kept as bypass-echo's worker keeps them (busy cycles: polls
 * that found packets, up to their replies sent; idle: empty polls). Written by the echo lcore
 * only, read by the stats thread.
 */
static struct echo_counters {
	struct stack_stats stack;
	uint64_t tx, tx_dropped, busy_cycles, idle_cycles, busy_polls, idle_polls;
	uint64_t start_tsc;
	int tid; /* the echo lcore's thread, for its context switches */
} echo_cnt;

/* The stack the --echo stack lcore runs: the address echo-gen targets, echo on port 7. */
static struct stack_conf echo_conf;
static const struct rte_ether_addr echo_mac = {{0x02, 0, 0, 0, 0x04, 0x02}};

/* Echo on port_id through bypass-echo's stack until told to stop. */
static int
echo_stack_lcore(void *arg)
{
	uint16_t port_id = (uint16_t)(uintptr_t)arg;
	struct rte_mbuf *pkts[ECHO_BURST];
	struct echo_counters *ec = &echo_cnt;
	uint64_t t0, t1;

	__atomic_store_n(&ec->tid, rte_sys_gettid(), __ATOMIC_RELAXED);
	t0 = rte_rdtsc();
	while (!echo_stop) {
		uint16_t n = rte_eth_rx_burst(port_id, 0, pkts, ECHO_BURST), sent = 0;

		if (n == 0) {
			t1 = rte_rdtsc();
			ec->idle_cycles += t1 - t0;
			ec->idle_polls++;
			t0 = t1;
			continue;
		}
		n = stack_input_burst(&echo_conf, pkts, n, &ec->stack);
		for (int tries = 0; sent < n && tries <= ECHO_TX_RETRIES; tries++)
			sent += rte_eth_tx_burst(port_id, 0, pkts + sent, n - sent);
		ec->tx += sent;
		if (sent < n) {
			ec->tx_dropped += n - sent;
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		}
		t1 = rte_rdtsc();
		ec->busy_cycles += t1 - t0;
		ec->busy_polls++;
		t0 = t1;
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
	       "       [--stats-json FILE [--stats-interval S]] [--server-log FILE]\n"
	       "EAL needs two lcores (-l 0,1): the echo runs on the worker lcore.\n"
	       "--stats-json and --server-log (--echo stack): the echo lcore's counters in\n"
	       "bypass-echo's stats JSON (the engine reads it for the server's cost) and its\n"
	       "final counters appended to FILE.\n");
}

struct bench_opts {
	double duration_s, min_mpps, stats_interval_s;
	unsigned size, window, flows;
	int cpu;
	const char *json, *stats_json, *server_log;
	bool stack; /* --echo stack: bypass-echo's stack instead of a bare swap */
};

/* The echo lcore's voluntary and involuntary context switches, from /proc (0 if unknown). */
static void
echo_csw(uint64_t *vol, uint64_t *invol)
{
	char path[64], line[128];
	unsigned long v;
	FILE *f;

	*vol = *invol = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/status",
		 __atomic_load_n(&echo_cnt.tid, __ATOMIC_RELAXED));
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "voluntary_ctxt_switches: %lu", &v) == 1)
			*vol = v;
		else if (sscanf(line, "nonvoluntary_ctxt_switches: %lu", &v) == 1)
			*invol = v;
	}
	fclose(f);
}

/* A copy of the echo lcore's counters, each read whole. */
static void
echo_counters_read(struct echo_counters *c)
{
	const struct echo_counters *ec = &echo_cnt;

	memset(c, 0, sizeof(*c));
	for (int v = 0; v < STACK_VERDICT_MAX; v++)
		c->stack.verdicts[v] = __atomic_load_n(&ec->stack.verdicts[v], __ATOMIC_RELAXED);
	c->tx = __atomic_load_n(&ec->tx, __ATOMIC_RELAXED);
	c->tx_dropped = __atomic_load_n(&ec->tx_dropped, __ATOMIC_RELAXED);
	c->busy_cycles = __atomic_load_n(&ec->busy_cycles, __ATOMIC_RELAXED);
	c->idle_cycles = __atomic_load_n(&ec->idle_cycles, __ATOMIC_RELAXED);
	c->busy_polls = __atomic_load_n(&ec->busy_polls, __ATOMIC_RELAXED);
	c->idle_polls = __atomic_load_n(&ec->idle_polls, __ATOMIC_RELAXED);
}

/* bypass-echo's stats file shape (app/bypass-echo/stats.c), for the echo lcore and its port. */
static void
ring_stats_fill(struct json_writer *w, void *arg)
{
	uint16_t port_id = (uint16_t)(uintptr_t)arg;
	struct echo_counters c;
	uint64_t rx, vol, invol;

	echo_counters_read(&c);
	echo_csw(&vol, &invol);
	rx = stack_stats_total(&c.stack);
	json_object_begin(w, NULL);
	json_u64(w, "pid", (uint64_t)getpid());
	json_double(w, "uptime_s", (double)(rte_get_tsc_cycles() - echo_cnt.start_tsc) /
				   (double)rte_get_tsc_hz());
	json_str(w, "driver", "net_ring");
	json_u64(w, "lcores", 1);
	json_bool(w, "no_huge", !rte_eal_has_hugepages());
	json_u64(w, "rx", rx);
	json_u64(w, "tx", c.tx);
	stack_verdicts_json(w, &c.stack);
	json_u64(w, "tx_dropped", c.tx_dropped);
	json_u64(w, "busy_cycles", c.busy_cycles);
	json_u64(w, "idle_cycles", c.idle_cycles);
	json_u64(w, "busy_polls", c.busy_polls);
	json_u64(w, "idle_polls", c.idle_polls);
	json_u64(w, "tsc_hz", rte_get_tsc_hz());
	/* The echo lcore is a thread of this process: its own switches, not the process's. */
	json_u64(w, "vol_csw", vol);
	json_u64(w, "invol_csw", invol);
	port_stats_json(w, port_id);
	json_object_end(w);
}

struct stats_thread_arg {
	const struct bench_opts *o;
	uint16_t port_id;
};

/* Rewrite the stats file every --stats-interval until told to stop. */
static void *
ring_stats_thread(void *arg)
{
	const struct stats_thread_arg *a = arg;
	double iv = a->o->stats_interval_s;
	struct timespec ts = { .tv_sec = (time_t)iv,
			       .tv_nsec = (long)((iv - (double)(time_t)iv) * BENCH_NS_PER_S) };
	char err[512];

	while (!stats_stop) {
		if (json_write_file(a->o->stats_json, ring_stats_fill,
				    (void *)(uintptr_t)a->port_id, err, sizeof(err)) != 0) {
			log_warn("--stats-json: %s", err);
			break;
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The echo lcore's final counters appended to --server-log, laid out as bypass-echo's. */
static void
ring_server_log(const struct bench_opts *o, uint16_t port_id)
{
	struct echo_counters c;
	struct rte_eth_stats es;
	uint64_t rx, vol, invol;
	FILE *f = fopen(o->server_log, "a");

	if (f == NULL) {
		log_warn("--server-log %s: %s", o->server_log, strerror(errno));
		return;
	}
	echo_counters_read(&c);
	echo_csw(&vol, &invol);
	rx = stack_stats_total(&c.stack);
	fprintf(f, "dpdk_ring_echo, echo lcore (bypass-echo's stack on net_ring port %u), %u-byte "
		   "payloads, window %u: final counters after %.1f s:\n", port_id, o->size,
		o->window,
		(double)(rte_get_tsc_cycles() - echo_cnt.start_tsc) / (double)rte_get_tsc_hz());
	fprintf(f, "  %-18s %" PRIu64 "\n", "rx", rx);
	stack_verdicts_print(f, &c.stack);
	fprintf(f, "  %-18s %" PRIu64 "\n", "tx", c.tx);
	fprintf(f, "  %-18s %" PRIu64 "\n", "tx_dropped", c.tx_dropped);
	fprintf(f, "  %-18s %.1f\n", "cycles/pkt", rx ? (double)c.busy_cycles / (double)rx : 0);
	fprintf(f, "  %-18s %.1f (%" PRIu64 " polls with packets, %" PRIu64 " empty)\n",
		"pkts/busy poll", c.busy_polls ? (double)rx / (double)c.busy_polls : 0,
		c.busy_polls, c.idle_polls);
	fprintf(f, "  %-18s %.1f %% of the lcore's cycles\n", "busy",
		c.busy_cycles + c.idle_cycles ?
			100.0 * (double)c.busy_cycles / (double)(c.busy_cycles + c.idle_cycles) :
			0);
	fprintf(f, "  %-18s %" PRIu64 " voluntary, %" PRIu64 " involuntary\n",
		"context switches", vol, invol);
	if (rte_eth_stats_get(port_id, &es) == 0)
		fprintf(f, "  port: ipackets %" PRIu64 " opackets %" PRIu64 " imissed %" PRIu64
			   " (frames the ring PMD handed over; balance: ipackets %s rx)\n",
			es.ipackets, es.opackets, es.imissed, es.ipackets == rx ? "=" : "!=");
	if (ferror(f) | (fclose(f) != 0))
		log_warn("--server-log %s: write failed", o->server_log);
}

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
		{ "stats-json", required_argument, NULL, 'S' },
		{ "stats-interval", required_argument, NULL, 'I' },
		{ "server-log", required_argument, NULL, 'L' },
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
		case 'S': o->stats_json = optarg; break;
		case 'I': o->stats_interval_s = atof(optarg); break;
		case 'L': o->server_log = optarg; break;
		default: usage(); return -EINVAL;
		}
	}
	if (o->duration_s <= 0 || o->size < GEN_HDR_BYTES || o->window == 0 || o->flows == 0) {
		log_err("--duration, --size (>= 18), --window and --flows must be positive");
		return -EINVAL;
	}
	if ((o->stats_json != NULL || o->server_log != NULL) && !o->stack) {
		log_err("--stats-json and --server-log count the stack's verdicts: add --echo stack");
		return -EINVAL;
	}
	/* As for the servers, too long an interval is the engine's to tell (its server note). */
	if (o->stats_json != NULL && !(o->stats_interval_s > 0 && o->stats_interval_s <= 60)) {
		log_err("--stats-interval %.3g: expected seconds, more than 0 and at most 60",
			o->stats_interval_s);
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
				.cpu = -1, .stats_interval_s = 0.1 };
	struct stats_thread_arg sta = { &o, 0 };
	pthread_t stats_tid;
	bool stats_running = false;
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
	echo_cnt.start_tsc = rte_get_tsc_cycles();
	rte_eal_remote_launch(o.stack ? echo_stack_lcore : echo_lcore,
			      (void *)(uintptr_t)echo_port, rte_get_next_lcore(-1, 1, 0));
	if (o.stats_json != NULL) {
		sta.port_id = (uint16_t)echo_port;
		/* Replace a previous run's file before the engine takes its first snapshot. */
		if (json_write_file(o.stats_json, ring_stats_fill, (void *)(uintptr_t)echo_port,
				    err, sizeof(err)) != 0) {
			log_err("--stats-json: %s", err);
			echo_stop = true;
			rte_eal_mp_wait_lcore();
			goto out_shutdown_ports;
		}
		rc = rte_ctrl_thread_create(&stats_tid, "ring-stats", NULL, ring_stats_thread, &sta);
		if (rc != 0)
			log_warn("--stats-json: no stats thread (%s): the server's cost stays unknown",
				 strerror(rc));
		stats_running = rc == 0;
	}
	gen_clock_init(&clock, true, CALIB_MS);
	cpu = o.cpu >= 0 ? o.cpu : (int)rte_lcore_to_cpu_id((int)rte_get_main_lcore());
	cfg = (struct gen_cfg){
		.ops = &gen_transport_dpdk, .target = "dpdk:198.18.4.2:7", .dpdk = &dpdk,
		.size = o.size, .flows = o.flows, .window = o.window,
		.duration_ns = (uint64_t)(o.duration_s * BENCH_NS_PER_S),
		.warmup_ns = (uint64_t)(BENCH_NS_PER_S / 2), .timeout_ns = (uint64_t)BENCH_NS_PER_S,
		.threads = 1, .cpus = &cpu, .ncpus = 1, .batch = 32,
		.busy_poll = true, .clock = &clock, .server_stats = stats_running ? o.stats_json : NULL,
	};
	rc = gen_run(&cfg, &res, err, sizeof(err));
	echo_stop = true;
	rte_eal_mp_wait_lcore();
	if (stats_running) {
		stats_stop = true;
		pthread_join(stats_tid, NULL);
		/* The last word: the counters after the echo lcore stopped. */
		if (json_write_file(o.stats_json, ring_stats_fill, (void *)(uintptr_t)echo_port,
				    err, sizeof(err)) != 0)
			log_warn("--stats-json: %s", err);
	}
	if (o.server_log != NULL)
		ring_server_log(&o, (uint16_t)echo_port);
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
out_shutdown_ports:
	for (int p = 0; p < 2; p++) {
		rte_eth_dev_stop((uint16_t)(p == 0 ? gen_port : echo_port));
		rte_eth_dev_close((uint16_t)(p == 0 ? gen_port : echo_port));
	}
out_eal:
	rte_eal_cleanup();
	return status;
}
