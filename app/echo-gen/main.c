/* SPDX-License-Identifier: BSD-3-Clause */
/* echo-gen: one workload, one payload format, one histogram over every transport: parse the
 * options, run a cell per size, print the table and write the results JSON. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cpu.h"
#include "common/json.h"
#include "common/log.h"
#include "gen/gen.h"

#define SIZES_MAX 64
#define NS_PER_S 1e9
#define DEFAULT_SIZE 18
#define DEFAULT_DURATION_S 5.0
#define DEFAULT_WARMUP_S 1.0
#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_BATCH 32
#define DEFAULT_SOCKBUF_BYTES (4 << 20)
#define DEFAULT_SRC_PORT 10000
#define CALIB_MS 50
#define EXIT_USAGE 2
#define EXIT_RUNTIME 1
#define EXIT_SIGNAL 130

static volatile sig_atomic_t stop_signal;

struct opts {
	const char *target;
	uint32_t sizes[SIZES_MAX];
	unsigned nsizes;
	unsigned window, flows, threads, batch;
	uint64_t rate, count, reconnect;
	double duration_s, warmup_s, timeout_ms;
	int cpus[GEN_THREADS_MAX];
	int ncpus;
	bool busy_poll, quiet, use_tsc, gso;
	enum gen_zc_mode zerocopy;
	int so_busy_poll_us;
	int sockbuf;
	const char *json, *server_stats, *label;
	struct gen_dpdk_opts dpdk;
};

/* Every finished cell, for the JSON file rewritten after each one. */
struct cell {
	struct gen_cfg cfg;
	struct gen_result res;
};

struct results {
	struct cell cells[SIZES_MAX];
	unsigned n;
	struct gen_labels labels;
};

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: echo-gen [options] TARGET\n"
"TARGET: udp:HOST:PORT, tcp:HOST:PORT, uds-dgram:PATH, uds-stream:PATH, uds-seqpacket:PATH\n"
"        (IPv6 in brackets: udp:[::1]:7; @name for an abstract Unix address), or\n"
"        dpdk:IPV4:PORT (a DPDK port; see the dpdk options)\n"
"workload:\n"
"  -s, --size LIST       UDP payload bytes per message, e.g. 18 or 18,64,1472 (a sweep;\n"
"                        default 18: a 64-byte frame)\n"
"  -w, --window N        closed loop: messages outstanding per flow (default 1)\n"
"  -r, --rate PPS        open loop: total offered rate (k, M suffixes), paced by the TSC;\n"
"                        latency counts from each message's intended send time\n"
"  -f, --flows N         flows (sockets, or UDP source ports on dpdk; default 1)\n"
"  -d, --duration S      measured seconds (default 5)\n"
"      --warmup S        unmeasured seconds first (default 1)\n"
"  -n, --count N         measure N messages instead of a duration\n"
"      --timeout MS      a message with no reply by then is lost (default 1000)\n"
"      --reconnect N     tcp, uds-stream: each flow closes its connection and opens a\n"
"                        new one every N messages (after their replies came back)\n"
"client:\n"
"  -t, --threads N       worker threads (default 1), flows split among them\n"
"      --cpus LIST       pin worker i to the i-th CPU of LIST (\"1\", \"0,1\")\n"
"  -b, --batch N         messages per sendmmsg/recvmmsg (default 32)\n"
"      --busy-poll       spin with MSG_DONTWAIT instead of sleeping (open loop always does)\n"
"      --gso             udp only: up to 64 messages per datagram through the stack\n"
"                        (UDP_SEGMENT on send, UDP_GRO on receive)\n"
"      --zerocopy[=msg|uring]  tcp, udp: zero-copy sends from a buffer per message in\n"
"                        flight, completions counted in the results: MSG_ZEROCOPY\n"
"                        (msg, the default) or io_uring's IORING_OP_SEND_ZC (uring)\n"
"      --so-busy-poll US SO_BUSY_POLL on every socket\n"
"      --sockbuf BYTES   socket buffer size (default 4 MiB; 0: the kernel's)\n"
"      --clock tsc|monotonic  time source (default tsc when invariant)\n"
"dpdk transport:\n"
"      --eal \"ARGS\"      EAL arguments (with or instead of --profile)\n"
"      --profile NAME    driver profile from drivers-conf/ (its eal and ip)\n"
"      --local-ip A.B.C.D[/P]  our address (default: the profile's ip)\n"
"      --local-mac MAC   our MAC (default: the port's)\n"
"      --dst-mac MAC     the server's MAC (default: ask by ARP)\n"
"      --src-port N      first UDP source port; flow f uses N + f (default 10000)\n"
"output:\n"
"      --json FILE       results, one object per cell (docs/results-schema.md)\n"
"      --server-stats FILE  a sock-echo or bypass-echo stats JSON: adds the server's cost\n"
"      --label TEXT      the path's name in the results (default: the transport)\n"
"  -q, --quiet           no table, no progress line; errors only\n"
"  -h, --help            this text\n"
"Exit status: 0 done, 1 a run failed (server gone, unreachable), 2 bad usage, 130 signal.\n");
}

static int
parse_u64(const char *opt, const char *val, uint64_t min, uint64_t max, bool suffix,
	  uint64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	if (suffix && (*end == 'k' || *end == 'K'))
		v *= 1e3, end++;
	else if (suffix && *end == 'M')
		v *= 1e6, end++;
	else if (suffix && *end == 'G')
		v *= 1e9, end++;
	if (end == val || *end != '\0' || errno != 0 || !(v >= (double)min) ||
	    !(v <= (double)max) || v != floor(v)) {
		log_err("%s '%s': expected a whole number from %" PRIu64 " to %" PRIu64 "%s", opt,
			val, min, max, suffix ? " (k, M, G suffixes allowed)" : "");
		return -EINVAL;
	}
	*out = (uint64_t)v;
	return 0;
}

static int
parse_uint(const char *opt, const char *val, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int rc = parse_u64(opt, val, min, max, false, &v);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}

static int
parse_seconds(const char *opt, const char *val, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	if (end == val || *end != '\0' || errno != 0 || !(v >= min) || isinf(v)) {
		log_err("%s '%s': expected a number of seconds, at least %g", opt, val, min);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_sizes(const char *val, struct opts *o)
{
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (o->nsizes == SIZES_MAX) {
			log_err("--size: at most %d sizes in a sweep", SIZES_MAX);
			return -EINVAL;
		}
		if (parse_u64("--size", tok, 1, UINT32_MAX, true, &v) != 0)
			return -EINVAL;
		if (v < GEN_HDR_BYTES) {
			log_err("--size %s: every message carries an %u-byte header, so %u is the "
				"least", tok, GEN_HDR_BYTES, GEN_HDR_BYTES);
			return -EINVAL;
		}
		o->sizes[o->nsizes++] = (uint32_t)v;
	}
	if (o->nsizes == 0) {
		log_err("--size '%s': expected a list such as 18,64,1472", val);
		return -EINVAL;
	}
	return 0;
}

static int
parse_zerocopy(const char *val, struct opts *o)
{
	if (val == NULL || strcmp(val, "msg") == 0) {
		o->zerocopy = GEN_ZC_MSG;
	} else if (strcmp(val, "uring") == 0) {
		o->zerocopy = GEN_ZC_URING;
	} else {
		log_err("--zerocopy='%s': expected msg (MSG_ZEROCOPY) or uring (io_uring "
			"IORING_OP_SEND_ZC)", val);
		return -EINVAL;
	}
	return 0;
}

static int
parse_cpus(const char *val, struct opts *o)
{
	char err[GEN_ERR_MAX];

	o->ncpus = cpu_list_parse(val, o->cpus, GEN_THREADS_MAX, err, sizeof(err));
	if (o->ncpus < 0) {
		log_err("--cpus: %s", err);
		return -EINVAL;
	}
	return 0;
}

static int
parse_clock(const char *val, struct opts *o)
{
	if (strcmp(val, "tsc") == 0)
		o->use_tsc = true;
	else if (strcmp(val, "monotonic") == 0)
		o->use_tsc = false;
	else {
		log_err("--clock '%s': expected tsc or monotonic", val);
		return -EINVAL;
	}
	return 0;
}

enum {
	OPT_WARMUP = 256, OPT_TIMEOUT, OPT_CPUS, OPT_BUSY_POLL, OPT_SO_BUSY_POLL, OPT_SOCKBUF,
	OPT_CLOCK, OPT_EAL, OPT_PROFILE, OPT_LOCAL_IP, OPT_LOCAL_MAC, OPT_DST_MAC, OPT_SRC_PORT,
	OPT_JSON, OPT_SERVER_STATS, OPT_LABEL, OPT_GSO, OPT_ZEROCOPY, OPT_RECONNECT,
};

static const struct option long_opts[] = {
	{ "size", required_argument, NULL, 's' },
	{ "window", required_argument, NULL, 'w' },
	{ "rate", required_argument, NULL, 'r' },
	{ "flows", required_argument, NULL, 'f' },
	{ "duration", required_argument, NULL, 'd' },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "count", required_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "reconnect", required_argument, NULL, OPT_RECONNECT },
	{ "threads", required_argument, NULL, 't' },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "batch", required_argument, NULL, 'b' },
	{ "busy-poll", no_argument, NULL, OPT_BUSY_POLL },
	{ "gso", no_argument, NULL, OPT_GSO },
	{ "zerocopy", optional_argument, NULL, OPT_ZEROCOPY },
	{ "so-busy-poll", required_argument, NULL, OPT_SO_BUSY_POLL },
	{ "sockbuf", required_argument, NULL, OPT_SOCKBUF },
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "eal", required_argument, NULL, OPT_EAL },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "local-ip", required_argument, NULL, OPT_LOCAL_IP },
	{ "local-mac", required_argument, NULL, OPT_LOCAL_MAC },
	{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
	{ "src-port", required_argument, NULL, OPT_SRC_PORT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "server-stats", required_argument, NULL, OPT_SERVER_STATS },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returns 0, 1 for --help, or a negative errno after printing the one line that says why. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	uint64_t v;
	unsigned u;
	int c, rc = 0;

	opterr = 0;	/* our own one-line messages */
	while (rc == 0 &&
	       (c = getopt_long(argc, argv, ":s:w:r:f:d:n:t:b:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 's': rc = parse_sizes(optarg, o); break;
		case 'w': rc = parse_uint("--window", optarg, 1, GEN_WINDOW_MAX, &o->window); break;
		case 'r': rc = parse_u64("--rate", optarg, 1, UINT32_MAX * 16ull, true, &o->rate);
			break;
		case 'f': rc = parse_uint("--flows", optarg, 1, GEN_FLOWS_MAX, &o->flows); break;
		case 'd': rc = parse_seconds("--duration", optarg, 0.001, &o->duration_s); break;
		case OPT_WARMUP: rc = parse_seconds("--warmup", optarg, 0, &o->warmup_s); break;
		case 'n': rc = parse_u64("--count", optarg, 1, UINT64_MAX / 2, true, &o->count);
			break;
		case OPT_TIMEOUT: rc = parse_seconds("--timeout", optarg, 1, &o->timeout_ms); break;
		case OPT_RECONNECT:
			rc = parse_u64("--reconnect", optarg, 1, UINT32_MAX, true, &o->reconnect);
			break;
		case 't': rc = parse_uint("--threads", optarg, 1, GEN_THREADS_MAX, &o->threads);
			break;
		case OPT_CPUS: rc = parse_cpus(optarg, o); break;
		case 'b': rc = parse_uint("--batch", optarg, 1, GEN_BATCH_MAX, &o->batch); break;
		case OPT_BUSY_POLL: o->busy_poll = true; break;
		case OPT_GSO: o->gso = true; break;
		case OPT_ZEROCOPY: rc = parse_zerocopy(optarg, o); break;
		case OPT_SO_BUSY_POLL:
			rc = parse_uint("--so-busy-poll", optarg, 0, 1000000, &u);
			o->so_busy_poll_us = (int)u;
			break;
		case OPT_SOCKBUF:
			rc = parse_u64("--sockbuf", optarg, 0, INT32_MAX, true, &v);
			o->sockbuf = (int)v;
			break;
		case OPT_CLOCK: rc = parse_clock(optarg, o); break;
		case OPT_EAL: o->dpdk.eal = optarg; break;
		case OPT_PROFILE: o->dpdk.profile = optarg; break;
		case OPT_LOCAL_IP: o->dpdk.local_ip = optarg; break;
		case OPT_LOCAL_MAC: o->dpdk.local_mac = optarg; break;
		case OPT_DST_MAC: o->dpdk.dst_mac = optarg; break;
		case OPT_SRC_PORT:
			rc = parse_uint("--src-port", optarg, 1, UINT16_MAX, &u);
			o->dpdk.src_port = (uint16_t)u;
			break;
		case OPT_JSON: o->json = optarg; break;
		case OPT_SERVER_STATS: o->server_stats = optarg; break;
		case OPT_LABEL: o->label = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); return 1;
		case ':':
			log_err("option '%s' needs a value; see echo-gen --help", argv[optind - 1]);
			return -EINVAL;
		default:
			log_err("unknown option '%s'; see echo-gen --help", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (rc != 0)
		return rc;
	if (optind != argc - 1) {
		if (optind == argc)
			log_err("no TARGET given (e.g. udp:127.0.0.1:7); see --help");
		else
			log_err("one TARGET only; '%s' is extra", argv[argc - 1]);
		return -EINVAL;
	}
	o->target = argv[optind];
	o->dpdk.nqueues = (uint16_t)o->threads;
	if (o->rate > 0 && o->window > 1) {
		log_err("--window is for the closed loop and --rate for the open loop: give one");
		return -EINVAL;
	}
	return 0;
}

static void
results_fill(struct json_writer *w, void *arg)
{
	const struct results *r = arg;

	json_array_begin(w, NULL);
	for (unsigned i = 0; i < r->n; i++)
		gen_report_json(w, &r->cells[i].cfg, &r->cells[i].res, &r->labels);
	json_array_end(w);
}

/* The completions of a cell, under its table row. */
static void
zc_print(const struct gen_zc_counts *c)
{
	printf("#   zero-copy: %" PRIu64 " sends, %" PRIu64 " completed (%" PRIu64 " zero-copy, "
	       "%" PRIu64 " copied by the kernel: %.0f %%), %" PRIu64 " pending\n", c->sends,
	       c->completed, c->completed - c->copied, c->copied,
	       c->completed > 0 ? 100.0 * (double)c->copied / (double)c->completed : 0.0,
	       c->sends - c->completed);
}

/*
 * Where the lost messages of a cell went, under its table row: the datagrams a full socket
 * receive buffer dropped, at either end (the rest: a server that fell behind or never answered).
 */
static void
loss_print(const struct gen_result *res)
{
	double srv = res->server.valid ? res->server.sock_drops : NAN;
	double cli = res->client_sock_drops;

	if (res->c.lost == 0)
		return;
	printf("#   lost %" PRIu64 ": ", res->c.lost);
	if (isnan(srv))
		printf("server socket drops unknown (give --server-stats), ");
	else
		printf("%.0f dropped by the server's full receive buffer (sock-echo --sockbuf), ",
		       srv);
	if (isnan(cli))
		printf("client socket drops unknown\n");
	else
		printf("%.0f by the client's (--sockbuf)\n", cli);
}

static int
results_write(const char *path, struct results *r)
{
	char err[GEN_ERR_MAX];

	if (json_write_file(path, results_fill, r, err, sizeof(err)) != 0) {
		log_err("--json: %s", err);
		return -EIO;
	}
	return 0;
}

static void
cfg_from_opts(const struct opts *o, const struct gen_transport_ops *ops,
	      const struct gen_clock *clock, struct gen_cfg *cfg)
{
	*cfg = (struct gen_cfg){
		.ops = ops, .target = o->target, .dpdk = &o->dpdk, .flows = o->flows,
		.window = o->rate > 0 ? 0 : o->window, .rate_pps = o->rate,
		.duration_ns = (uint64_t)(o->duration_s * NS_PER_S),
		.warmup_ns = (uint64_t)(o->warmup_s * NS_PER_S), .count = o->count,
		.timeout_ns = (uint64_t)(o->timeout_ms * 1e6), .threads = o->threads,
		.cpus = o->ncpus > 0 ? o->cpus : NULL, .ncpus = (unsigned)o->ncpus,
		.batch = o->batch, .busy_poll = o->busy_poll, .so_busy_poll_us = o->so_busy_poll_us,
		.sockbuf_bytes = o->sockbuf, .progress = !o->quiet && isatty(STDERR_FILENO),
		.server_stats = o->server_stats, .clock = clock, .stop = &stop_signal,
		.zerocopy = o->zerocopy, .reconnect = o->reconnect,
	};
}

/* --zerocopy is for the IP sockets, one way of sending at a time. */
static int
check_zerocopy(const struct opts *o, const struct gen_transport_ops *ops)
{
	if (o->gso) {
		log_err("--zerocopy and --gso are one or the other here: drop one of them");
		return -EINVAL;
	}
	if (ops != &gen_transport_tcp && ops != &gen_transport_udp) {
		log_err("--zerocopy applies to tcp and udp targets (MSG_ZEROCOPY pins the pages "
			"of IP sockets; %s always copies), not to %s; drop --zerocopy", ops->name,
			o->target);
		return -EINVAL;
	}
	return 0;
}

/* Every size of the sweep fits the transport: checked before any traffic. */
static int
check_sizes(const struct opts *o, const struct gen_transport_ops *ops)
{
	char err[GEN_ERR_MAX];
	uint32_t max;
	int rc = ops->max_size(o->target, &o->dpdk, &max, err, sizeof(err));

	if (rc < 0) {
		log_err("%s", err);
		return rc;
	}
	for (unsigned i = 0; i < o->nsizes; i++) {
		if (o->sizes[i] > max) {
			log_err("--size %u: %s carries at most %u bytes per message", o->sizes[i],
				ops->name, max);
			return -EMSGSIZE;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct results results;
	struct opts o = {
		.sizes = { DEFAULT_SIZE }, .nsizes = 1, .window = 1, .flows = 1, .threads = 1,
		.batch = DEFAULT_BATCH, .duration_s = DEFAULT_DURATION_S,
		.warmup_s = DEFAULT_WARMUP_S, .timeout_ms = DEFAULT_TIMEOUT_MS, .use_tsc = true,
		.sockbuf = DEFAULT_SOCKBUF_BYTES, .dpdk = { .src_port = DEFAULT_SRC_PORT },
	};
	const struct gen_transport_ops *ops;
	struct gen_clock clock;
	char err[GEN_ERR_MAX];
	int rc, status = 0;

	log_set_prog("echo-gen");
	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	ops = gen_transport_find(o.target, err, sizeof(err));
	if (ops == NULL) {
		log_err("%s", err);
		return EXIT_USAGE;
	}
	if (o.zerocopy && check_zerocopy(&o, ops) < 0)
		return EXIT_USAGE;
	if (o.gso) {
		if (ops != &gen_transport_udp) {
			log_err("--gso applies to udp targets only (UDP_SEGMENT and UDP_GRO are UDP "
				"socket options), not to %s; drop --gso or use udp:HOST:PORT",
				ops->name);
			return EXIT_USAGE;
		}
		ops = &gen_transport_udp_gso;
	}
	for (unsigned i = 0; i < o.nsizes; i++) {
		struct gen_cfg cfg;

		cfg_from_opts(&o, ops, &clock, &cfg);
		cfg.size = o.sizes[i];
		if (gen_cfg_check(&cfg, err, sizeof(err)) != 0) {
			log_err("%s", err);
			return EXIT_USAGE;
		}
	}
	rc = check_sizes(&o, ops);
	if (rc < 0) {
		status = rc == -EMSGSIZE || rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	log_set_quiet(o.quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	gen_clock_init(&clock, o.use_tsc, CALIB_MS);
	results.labels = (struct gen_labels){
		.transport = ops->name, .path = o.label,
		.driver = ops->driver != NULL ? ops->driver() : NULL,
		.clock = clock.tsc ? "tsc" : "monotonic", .tsc_hz = clock.tsc_hz,
		.no_huge = ops->no_huge != NULL ? ops->no_huge() : -1,
	};
	if (!o.quiet) {
		char bufs[64] = "";

		/* What --sockbuf asks of every socket (granted beyond rmem_max to root). */
		if (ops->sock_drops != NULL && o.sockbuf > 0)
			snprintf(bufs, sizeof(bufs), ", socket buffers %d KiB", o.sockbuf / 1024);
		else if (ops->sock_drops != NULL)
			snprintf(bufs, sizeof(bufs), ", the kernel's socket buffers");
		printf("# echo-gen %s, %s clock, %u flow(s), %u thread(s), batch %u%s%s%s\n",
		       o.target, results.labels.clock, o.flows, o.threads, o.batch, bufs,
		       o.gso ? ", UDP GSO/GRO" : "",
		       o.zerocopy == GEN_ZC_MSG ? ", MSG_ZEROCOPY" :
		       o.zerocopy == GEN_ZC_URING ? ", io_uring SEND_ZC" : "");
		gen_report_table_header(stdout);
		fflush(stdout);
	}
	for (unsigned i = 0; i < o.nsizes && !stop_signal; i++) {
		struct cell *cell = &results.cells[results.n];

		cfg_from_opts(&o, ops, &clock, &cell->cfg);
		cell->cfg.size = o.sizes[i];
		rc = gen_run(&cell->cfg, &cell->res, err, sizeof(err));
		if (rc < 0) {
			if (o.nsizes > 1)
				log_err("%s (in the %u-byte cell)", err, cell->cfg.size);
			else
				log_err("%s", err);
			status = EXIT_RUNTIME;
			break;
		}
		results.n++;
		if (!o.quiet) {
			gen_report_table_row(stdout, &cell->cfg, &cell->res);
			if (o.zerocopy)
				zc_print(&cell->res.zc);
			loss_print(&cell->res);
			if (o.reconnect > 0)
				printf("#   reconnects: %" PRIu64 " (a new connection every %" PRIu64
				       " messages per flow, warm-up included)\n",
				       cell->res.reconnects, o.reconnect);
			fflush(stdout);
		}
		if (cell->res.server_note[0] != '\0' && o.server_stats != NULL)
			log_warn("server cost unknown: %s", cell->res.server_note);
		if (o.json != NULL && results_write(o.json, &results) != 0)
			status = EXIT_RUNTIME;
	}
	if (stop_signal && status == 0)
		status = EXIT_SIGNAL;
out:
	for (unsigned i = 0; i < results.n; i++)
		gen_result_free(&results.cells[i].res);
	if (ops->shutdown != NULL)
		ops->shutdown();
	return status;
}
