/* SPDX-License-Identifier: BSD-3-Clause */
/* bypass-echo: a poll-mode ARP/ICMP/UDP echo host on a DPDK port, no kernel on the data path. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "common/log.h"
#include "common/profile.h"
#include "port/eal.h"
#include "stack/tcp.h"
#include "echo.h"

#define MAIN_TICK_US 100000

static volatile int quit_signal; /* sig_atomic_t is int here; port_wait_link reads it */
static volatile sig_atomic_t print_requested;

struct echo_opts {
	const char *profile;
	const char *ip;         /* as given, or the profile's */
	rte_be32_t addr;
	uint8_t prefix;
	uint16_t port_id;
	uint16_t udp_ports[64];
	unsigned int nb_udp_ports;
	uint16_t tcp_ports[64];
	unsigned int nb_tcp_ports;
	uint32_t tcp_tcbs;      /* per worker lcore */
	double stats_interval_s;
	const char *stats_json;
	bool keep_tap_mac;
};

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		print_requested = 1;
	else
		quit_signal = sig;
}

static void
usage(void)
{
	printf("usage: bypass-echo [EAL options] -- [options]\n"
	       "  --profile NAME|FILE   driver profile (drivers-conf/NAME.conf): EAL args, port\n"
	       "  --ip ADDR/PREFIX      our IPv4 address (required unless the profile gives one)\n"
	       "  --udp-port N          UDP port to echo on; repeat for more (default 7)\n"
	       "  --tcp-port N          TCP port to echo on; repeat for more (default: no TCP)\n"
	       "  --tcp-tcbs N          TCP connections per worker lcore (default %u)\n"
	       "  --port N              DPDK port id (default 0)\n"
	       "  --stats-interval S    print counters every S seconds (default: at exit only)\n"
	       "  --stats-json FILE     write counters to FILE (every interval and at exit)\n"
	       "  --keep-tap-mac        net_tap: leave the kernel side with the port's MAC (by\n"
	       "                        default it gets its own, so its frames are not ours)\n"
	       "  -h, --help            this text\n"
	       "SIGUSR1 prints the counters; SIGINT/SIGTERM stop with final counters.\n"
	       "Telemetry: dpdk-telemetry.py -f bypass-echo, then /bypass/stats (and\n"
	       "/bypass/tcp).\n", TCP_TCBS_DEFAULT);
}

static int
parse_u16(const char *opt, const char *val, uint16_t min, uint16_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (end == val || *end != '\0' || errno != 0 || v < min || v > UINT16_MAX) {
		log_err("%s '%s': expected a number from %u to %u", opt, val, min, UINT16_MAX);
		return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

static int
parse_tcbs(const char *val, uint32_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (end == val || *end != '\0' || errno != 0 || v < 1 || v > TCP_TCBS_MAX) {
		log_err("--tcp-tcbs '%s': expected a number of connections from 1 to %u", val,
			TCP_TCBS_MAX);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_interval(const char *val, double *out)
{
	char *end;

	*out = strtod(val, &end);
	if (end == val || *end != '\0' || *out < 0 || *out > 86400) {
		log_err("--stats-interval '%s': expected seconds from 0 to 86400", val);
		return -EINVAL;
	}
	return 0;
}

/* "198.18.0.2/24" into the stack's address and prefix length. */
static int
parse_ip(const char *val, rte_be32_t *ip, uint8_t *prefix)
{
	char buf[64], *slash, *end;
	struct in_addr a;
	long p;

	if (strlen(val) >= sizeof(buf))
		goto bad;
	strcpy(buf, val);
	slash = strchr(buf, '/');
	if (slash == NULL)
		goto bad;
	*slash = '\0';
	p = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, buf, &a) != 1 || end == slash + 1 || *end != '\0' || p < 1 ||
	    p > 32)
		goto bad;
	*ip = a.s_addr;
	*prefix = (uint8_t)p;
	return 0;
bad:
	log_err("--ip '%s': expected ADDRESS/PREFIX such as 198.18.0.2/24", val);
	return -EINVAL;
}

static int
parse_args(int argc, char **argv, struct echo_opts *o)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'P'},
		{"ip", required_argument, NULL, 'i'},
		{"udp-port", required_argument, NULL, 'u'},
		{"tcp-port", required_argument, NULL, 't'},
		{"tcp-tcbs", required_argument, NULL, 'T'},
		{"port", required_argument, NULL, 'p'},
		{"stats-interval", required_argument, NULL, 's'},
		{"stats-json", required_argument, NULL, 'j'},
		{"keep-tap-mac", no_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o->profile = optarg;
			break;
		case 'i':
			o->ip = optarg;
			break;
		case 'u':
			if (o->nb_udp_ports == RTE_DIM(o->udp_ports)) {
				log_err("--udp-port: at most %zu ports", RTE_DIM(o->udp_ports));
				return -EINVAL;
			}
			if (parse_u16("--udp-port", optarg, 1, &o->udp_ports[o->nb_udp_ports++]))
				return -EINVAL;
			break;
		case 't':
			if (o->nb_tcp_ports == RTE_DIM(o->tcp_ports)) {
				log_err("--tcp-port: at most %zu ports", RTE_DIM(o->tcp_ports));
				return -EINVAL;
			}
			if (parse_u16("--tcp-port", optarg, 1, &o->tcp_ports[o->nb_tcp_ports++]))
				return -EINVAL;
			break;
		case 'T':
			if (parse_tcbs(optarg, &o->tcp_tcbs))
				return -EINVAL;
			break;
		case 'p':
			if (parse_u16("--port", optarg, 0, &o->port_id))
				return -EINVAL;
			break;
		case 's':
			if (parse_interval(optarg, &o->stats_interval_s))
				return -EINVAL;
			break;
		case 'j':
			o->stats_json = optarg;
			break;
		case 'K':
			o->keep_tap_mac = true;
			break;
		case 'h':
			usage();
			exit(0);
		case ':':
			log_err("%s needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			log_err("unknown option '%s' (see --help; EAL options go before '--')",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Split argv at "--": EAL arguments (profile's first, then the command line's), then ours. */
static int
build_eal_argv(char **argv, int app_start, const struct profile *prof, char *prof_buf,
	       char **eal)
{
	int n = 0;

	eal[n++] = argv[0];
	n += profile_eal_argv(prof, prof_buf, eal + n, PORT_EAL_ARGS_MAX / 2);
	for (int i = 1; i < app_start && n < PORT_EAL_ARGS_MAX - 4; i++)
		eal[n++] = argv[i];
	return port_eal_defaults(eal, n, "bypass-echo");
}

/* The app's options: the ones after "--", or none. */
static int
load_options(int argc, char **argv, int app_start, struct echo_opts *o, struct profile *prof)
{
	char err[512];
	int app_argc = app_start < argc ? argc - app_start : 1;
	char **app_argv = app_start < argc ? argv + app_start : argv;

	app_argv[0] = argv[0];
	if (parse_args(app_argc, app_argv, o) != 0)
		return -EINVAL;
	if (o->profile != NULL && profile_load(o->profile, prof, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -ENOENT;
	}
	if (o->ip == NULL && prof->ip[0] != '\0')
		o->ip = prof->ip;
	if (o->ip == NULL) {
		log_err("no address: give --ip ADDRESS/PREFIX (e.g. --ip 198.18.0.2/24) or a "
			"profile with 'ip ='");
		return -EINVAL;
	}
	return parse_ip(o->ip, &o->addr, &o->prefix);
}

/* TCP holds this many mbufs at most per worker lcore, and queues up to 512 more for TX. */
#define ECHO_TCP_RTX_MBUFS 4096
#define ECHO_TCP_TXQ_MBUFS 512

/*
 * A connection's segments must all reach the lcore that holds its TCB. With one queue they do;
 * with several, RSS must hash TCP on addresses and ports (or on addresses alone: still the same
 * for every segment of a connection). A PMD that offers neither gets one queue.
 */
static void
tcp_queues_check(uint16_t port_id, struct port_conf *pc)
{
	const uint64_t hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4;
	struct rte_eth_dev_info info;

	if (pc->nb_queues < 2)
		return;
	if (rte_eth_dev_info_get(port_id, &info) == 0 && (info.flow_type_rss_offloads & hf) != 0)
		return;
	log_warn("port %u cannot hash TCP flows to queues (no RSS on TCP or IPv4): serving with "
		 "one worker lcore so that each connection stays on the lcore that holds it",
		 port_id);
	pc->nb_queues = 1;
}

/* One TCP context per worker lcore, all with the same cookie secret. */
static int
tcp_setup(struct echo_app *app, const struct echo_opts *o)
{
	struct tcp_ctx_conf tc = {
		.tcbs = o->tcp_tcbs,
		.rtx_mbufs_max = ECHO_TCP_RTX_MBUFS,
	};
	uint16_t mtu = 0;
	char err[256];

	if (getrandom(tc.secret, sizeof(tc.secret), 0) != sizeof(tc.secret)) {
		log_err("TCP: getrandom for the SYN cookie secret: %s", strerror(errno));
		return -EIO;
	}
	if (rte_eth_dev_get_mtu(app->port.port_id, &mtu) != 0 || mtu == 0)
		mtu = RTE_ETHER_MTU;
	tc.mtu = mtu;
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		struct echo_lcore *lc = &app->lcores[i];

		if (!lc->active)
			continue;
		tc.pool = app->port.queue_pool[lc->queue];
		lc->tcp = tcp_ctx_create(&app->conf, &tc, err, sizeof(err));
		if (lc->tcp == NULL) {
			log_err("lcore %u: %s", i, err);
			return -ENOMEM;
		}
	}
	app->tcp = true;
	return 0;
}

static void
tcp_teardown(struct echo_app *app)
{
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		tcp_ctx_destroy(app->lcores[i].tcp);
		app->lcores[i].tcp = NULL;
	}
}

static int
setup(struct echo_app *app, const struct echo_opts *o, const struct profile *prof)
{
	struct port_conf pc = {
		.port_id = o->port_id,
		.rx_desc = prof->rx_desc,
		.tx_desc = prof->tx_desc,
		.mtu = prof->mtu,
		.mbufs = prof->mbufs,
		.promisc = prof->promisc,
		.tx_refcnt = o->nb_tcp_ports > 0,
		.extra_mbufs = o->nb_tcp_ports > 0 ? ECHO_TCP_RTX_MBUFS + ECHO_TCP_TXQ_MBUFS : 0,
	};
	unsigned int lcore;
	char err[512];
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		log_err("no DPDK ports: give a --vdev (e.g. --vdev=net_tap0) or --profile net_tap "
			"before '--', or bind a NIC to vfio-pci (scripts/lab bind PCI)");
		return -ENODEV;
	}
	if (rte_lcore_count() < 2) {
		log_err("needs a worker lcore besides the main one: give -l 0,1 (or more)");
		return -EINVAL;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		app->lcores[lcore].queue = pc.nb_queues;
		app->lcores[lcore].active = true;
		pc.queue_lcore[pc.nb_queues++] = lcore;
		if (pc.nb_queues == PORT_MAX_QUEUES)
			break;
	}
	if (o->nb_tcp_ports > 0) {
		tcp_queues_check(o->port_id, &pc);
		for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
			if (app->lcores[i].active && app->lcores[i].queue >= pc.nb_queues)
				app->lcores[i].active = false;
	}
	rc = port_setup(&pc, &app->port, err, sizeof(err));
	if (rc != 0) {
		log_err("%s", err);
		return rc;
	}
	stack_conf_init(&app->conf, &app->port.mac, o->addr, o->prefix);
	app->conf.rx_cksum_offload = app->port.rx_cksum_offload;
	for (unsigned int i = 0; i < o->nb_udp_ports; i++)
		stack_conf_add_udp_port(&app->conf, o->udp_ports[i]);
	if (o->nb_udp_ports == 0)
		stack_conf_add_udp_port(&app->conf, STACK_UDP_ECHO_PORT);
	for (unsigned int i = 0; i < o->nb_tcp_ports; i++)
		stack_conf_add_tcp_port(&app->conf, o->tcp_ports[i]);
	if (o->nb_tcp_ports > 0) {
		rc = tcp_setup(app, o);
		if (rc != 0) {
			tcp_teardown(app);
			port_teardown(&app->port);
			return rc;
		}
	}
	return 0;
}

static void
print_start(const struct echo_app *app, const char *ip)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(mac, sizeof(mac), &app->port.mac);
	printf("bypass-echo: %s on port %u (%s, %s), %u worker lcore(s)%s\n", ip,
	       app->port.port_id, app->port.driver, mac, app->port.nb_queues,
	       app->no_huge ? ", no hugepages" : "");
	printf("bypass-echo: hugepage memory %.1f MiB, %u mbufs in use at start\n",
	       (double)port_hugepage_bytes() / (1 << 20), port_mbufs_in_use(&app->port));
	fflush(stdout);
}

/*
 * What the count of mbufs still out after the port closed means. DPDK 22.11's net_af_xdp keeps
 * the mbufs it posted to its fill ring at queue setup (the whole "in use at start") and those of
 * TX frames whose completions it had not reaped: its close does not give them back, and they go
 * with the pool. They are the PMD's, not a leak of the stack's, as long as no more are out than
 * after the workers stopped (the workers hold none then).
 */
static const char *
teardown_note(const char *driver, unsigned int in_use, unsigned int in_use_stopped)
{
	if (in_use > 0 && in_use <= in_use_stopped && strcmp(driver, "net_af_xdp") == 0)
		return " (kept by net_af_xdp's fill and completion rings, which DPDK 22.11 does not "
		       "return when the port closes; freed with the pool)";
	return "";
}

/*
 * Sleep until an absolute time. Some PMDs (net_tap) signal the process for every packet that
 * arrives; a relative sleep restarted after each signal can starve under a flood, an absolute
 * deadline cannot.
 */
static void
sleep_until(struct timespec *deadline, long step_ns)
{
	deadline->tv_nsec += step_ns;
	while (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_nsec -= 1000000000L;
		deadline->tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL) == EINTR &&
	       !quit_signal)
		;
}

/*
 * How long a memif client's link may stay down before the port is restarted to reconnect, and
 * how long a started port is given for the memif handshake before the next try.
 */
#define LINK_LOSS_RESTART_MS 1000
#define LINK_HANDSHAKE_MS 5000
#define PAUSE_WAIT_US 1000000

/*
 * A memif client connects only when its port starts: after its server went away the link stays
 * down for good. Park the workers, stop and start the port, let them go once it runs again.
 * Returns 0 when the port runs (workers resumed), negative while it does not (workers parked).
 */
static int
restart_port(struct echo_app *app)
{
	uint64_t deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() * PAUSE_WAIT_US / 1000000;
	int rc;

	app->pause = true;
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		while (app->lcores[i].active && !app->lcores[i].paused) {
			if (quit_signal || rte_get_tsc_cycles() > deadline)
				return -ETIMEDOUT;
			rte_pause();
		}
	if (app->port.started) {
		rte_eth_dev_stop(app->port.port_id);
		app->port.started = false;
	}
	rc = rte_eth_dev_start(app->port.port_id);
	if (rc != 0)
		return rc; /* the server is not back yet: try again later, workers stay parked */
	app->port.started = true;
	app->pause = false;
	printf("bypass-echo: port %u restarted to reconnect its memif client\n", app->port.port_id);
	fflush(stdout);
	return 0;
}

/* memif in the client role is the one PMD here whose link does not come back by itself. */
static bool
needs_restart_on_link_loss(uint16_t port_id, const char *driver)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;

	if (strcmp(driver, "net_memif") != 0 || rte_eth_dev_info_get(port_id, &info) != 0)
		return false;
	da = rte_dev_devargs(info.device);
	return da != NULL && da->args != NULL && strstr(da->args, "role=client") != NULL;
}

/* The main lcore's job while workers poll: signals, link state, statistics. */
static void
main_loop(struct echo_app *app, const struct echo_opts *o)
{
	struct timespec tick;

	uint64_t hz = rte_get_tsc_hz(), next_stats = 0, down_since = 0;
	bool link = port_link_up(app->port.port_id);

	if (o->stats_interval_s > 0)
		next_stats = rte_get_tsc_cycles() + (uint64_t)(o->stats_interval_s * (double)hz);
	clock_gettime(CLOCK_MONOTONIC, &tick);
	while (!quit_signal) {
		bool now = port_link_up(app->port.port_id);
		struct echo_totals totals;

		echo_totals_sum(app, &totals);
		echo_diag_check(app, &totals);

		if (now != link) {
			app->link_changes++;
			printf("bypass-echo: link %s\n", now ? "up" : "down");
			fflush(stdout);
			if (now)
				app->announce = true;
			link = now;
			down_since = now ? 0 : rte_get_tsc_cycles();
		}
		if (!link && app->restart_on_link_loss && down_since != 0 &&
		    rte_get_tsc_cycles() > down_since + hz * LINK_LOSS_RESTART_MS / 1000) {
			/* Started: leave the handshake time. Not started: the server is not back. */
			uint64_t wait_ms = restart_port(app) == 0 ? LINK_HANDSHAKE_MS :
								    LINK_LOSS_RESTART_MS;

			down_since = rte_get_tsc_cycles() + hz * (wait_ms - LINK_LOSS_RESTART_MS) / 1000;
		}
		if (print_requested) {
			print_requested = 0;
			echo_stats_print_line(app);
		}
		if (next_stats != 0 && rte_get_tsc_cycles() >= next_stats) {
			echo_stats_print_line(app);
			echo_stats_write_json(app);
			next_stats += (uint64_t)(o->stats_interval_s * (double)hz);
		}
		sleep_until(&tick, MAIN_TICK_US * 1000L);
	}
}

int
main(int argc, char **argv)
{
	static struct echo_app app;
	struct echo_opts opts = {.tcp_tcbs = TCP_TCBS_DEFAULT};
	char *eal_argv[PORT_EAL_ARGS_MAX + 1], prof_buf[PROFILE_EAL_MAX], err[512];
	struct profile prof;
	unsigned int in_use_end, in_use_closed;
	int app_start, eal_argc, rc;

	log_set_prog("bypass-echo");
	profile_defaults(&prof);
	/* The profile carries EAL arguments, so the app's options are read before EAL's. */
	for (app_start = 1; app_start < argc && strcmp(argv[app_start], "--") != 0; app_start++)
		;
	if (load_options(argc, argv, app_start, &opts, &prof) != 0)
		return 2;
	eal_argc = build_eal_argv(argv, app_start, &prof, prof_buf, eal_argv);
	app.no_huge = port_eal_has(eal_argv, eal_argc, "--no-huge");
	app.stats_json = opts.stats_json;
	if (port_hugepages_check(app.no_huge, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return 1;
	}
	if (app.no_huge)
		log_warn("running without hugepages (--no-huge): mbufs live in ordinary pages, "
			 "expect lower throughput; results record no_huge");
	if (port_eal_init(eal_argc, eal_argv) < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed: %s (%s; see the EAL lines above "
			 "and the EAL arguments before '--'%s)\n", rte_strerror(rte_errno),
			 rte_errno == ENODEV ? "a --vdev or -a names a device that could not be "
					       "probed" : "EAL refused its arguments or resources",
			 opts.profile ? " and the profile's eal line" : "");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);

	rc = setup(&app, &opts, &prof);
	if (rc != 0) {
		rte_eal_cleanup();
		return 1;
	}
	/* After the start: its MAC restore gave the kernel side the port's MAC again. */
	if (echo_is_tap(&app) && !opts.keep_tap_mac)
		echo_tap_own_mac(&app);
	if (echo_telemetry_register(&app) != 0)
		log_warn("telemetry command /bypass/stats not registered");
	print_start(&app, opts.ip);
	rc = port_wait_link(app.port.port_id, prof.link_wait_ms, &quit_signal);
	if (rc == -ETIMEDOUT)
		log_warn("port %u: link still down after %u ms; serving anyway, replies wait for "
			 "link up (for net_tap: ip link set IFACE up)", app.port.port_id,
			 prof.link_wait_ms);
	else if (rc == 0)
		app.announce = true;

	app.restart_on_link_loss = needs_restart_on_link_loss(app.port.port_id, app.port.driver);
	app.start_tsc = rte_get_tsc_cycles();
	rte_eal_mp_remote_launch(echo_worker_main, &app, SKIP_MAIN);
	printf("bypass-echo: serving (link %s)\n", port_link_up(app.port.port_id) ? "up" : "down");
	fflush(stdout);
	main_loop(&app, &opts);

	app.stop = true;
	rte_eal_mp_wait_lcore();
	in_use_end = port_mbufs_in_use(&app.port);
	printf("bypass-echo: %s: stopping; %u mbufs in use after the workers stopped\n",
	       strsignal(quit_signal), in_use_end);
	echo_stats_print_final(&app);
	echo_stats_write_json(&app);
	tcp_teardown(&app);
	in_use_closed = port_teardown(&app.port);
	printf("bypass-echo: %u mbufs in use after the port closed%s\n", in_use_closed,
	       teardown_note(app.port.driver, in_use_closed, in_use_end));
	rte_eal_cleanup();
	return 0;
}
