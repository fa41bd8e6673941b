/* SPDX-License-Identifier: BSD-3-Clause */
/* sock-echo: the kernel half of the lab, an echo server over UDP, TCP and Unix sockets. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/cpu.h"
#include "common/log.h"
#include "common/res.h"
#include "sockio/server.h"
#include "sockio/sock.h"

#define EXIT_USAGE 2
#define STATS_INTERVAL_DEFAULT_S 1.0
#define STATS_INTERVAL_MAX_S	 86400.0
/* The main thread also wakes this often to notice a worker that failed. */
#define MAIN_WAKE_MAX_NS	 1000000000ull
#define ERR_LEN			 512
/* udp: SO_RCVBUF/SO_SNDBUF asked for, as echo-gen asks for its sockets (see --sockbuf). */
#define SOCKBUF_DEFAULT		 (4 << 20)
#define SOCKBUF_MAX		 (1 << 30)

struct options {
	struct sockio_server_config cfg;
	const char *stats_json;
	double stats_interval_s;
	bool quiet;
	bool batch_set;
	bool mode_set;
	bool sockbuf_set;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sock-echo ADDRESS [options]\n"
		"Echo every message back to its sender over a kernel socket.\n"
		"\n"
		"ADDRESS: udp:HOST:PORT | tcp:HOST:PORT | uds-dgram:PATH | uds-stream:PATH |\n"
		"         uds-seqpacket:PATH   (IPv6 in brackets: udp:[::1]:7; @NAME: abstract)\n"
		"\n"
		"  --io MODE            blocking, mmsg, epoll (default), uring, busy-poll,\n"
		"                       splice (tcp and uds-stream)\n"
		"  --batch N            datagrams: messages per recvmmsg/sendmmsg (mmsg,\n"
		"                       busy-poll) or receives in flight (uring), 1..%d\n"
		"                       (default %d)\n"
		"  --threads N          worker threads, 1..%d (default 1); UDP/TCP get one\n"
		"                       SO_REUSEPORT socket each, Unix sockets share one\n"
		"  --cpus LIST          pin thread i to the i-th CPU of LIST (e.g. 2,3 or 2-3)\n"
		"  --gso                udp with --io mmsg or busy-poll: take coalesced datagrams\n"
		"                       (UDP_GRO) and answer each whole with UDP_SEGMENT, up to\n"
		"                       64 messages per datagram\n"
		"  --sockbuf BYTES      udp: receive and send buffer of each socket (default\n"
		"                       %d KiB; beyond net.core.rmem_max as root; 0: the\n"
		"                       kernel's), room for the datagrams of a deep window\n"
		"  --max-conns N        open connections at once; more are closed and counted\n"
		"                       as refused (default %d)\n"
		"  --mode OCTAL         permissions of a Unix socket file (default %04o)\n"
		"  --stats-json FILE    write the counters as JSON, atomically, every\n"
		"                       --stats-interval seconds and at exit\n"
		"  --stats-interval S   seconds between rewrites, 0 = only at exit (default 1)\n"
		"  --quiet              no informational lines (final counters still printed)\n"
		"  -h, --help           this text\n"
		"\n"
		"SIGINT/SIGTERM stop it: final counters on stdout, exit 0.\n",
		SOCKIO_BATCH_MAX, SOCKIO_BATCH_DEFAULT, SOCKIO_THREADS_MAX, SOCKBUF_DEFAULT / 1024,
		SOCKIO_MAX_CONNS_DEFAULT, SOCKIO_UDS_MODE_DEFAULT);
}

/* A whole decimal number in [lo, hi]; prints the error itself. */
static int
parse_uint(const char *opt, const char *s, unsigned long lo, unsigned long hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v < lo || v > hi) {
		log_err("%s '%s': want a whole number from %lu to %lu", opt, s, lo, hi);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int
parse_io(const char *s, struct options *o)
{
	if (sockio_io_parse(s, &o->cfg.io) < 0) {
		log_err("--io '%s': unknown mode; want blocking, mmsg, epoll, uring, busy-poll "
			"or splice", s);
		return -EINVAL;
	}
	return 0;
}

static int
parse_cpus(const char *s, struct options *o)
{
	char err[ERR_LEN];
	int n = cpu_list_parse(s, o->cfg.cpus, SOCKIO_THREADS_MAX, err, sizeof(err));

	if (n < 0) {
		log_err("--cpus: %s", err);
		return -EINVAL;
	}
	o->cfg.ncpus = (unsigned)n;
	return 0;
}

static int
parse_mode(const char *s, struct options *o)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0777) {
		log_err("--mode '%s': want octal permissions from 0 to 0777, such as 0660", s);
		return -EINVAL;
	}
	o->cfg.uds_mode = (mode_t)v;
	o->mode_set = true;
	return 0;
}

static int
parse_interval(const char *s, struct options *o)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 ||
	    v > STATS_INTERVAL_MAX_S) {
		log_err("--stats-interval '%s': want seconds from 0 to %.0f (0: only at exit)", s,
			STATS_INTERVAL_MAX_S);
		return -EINVAL;
	}
	o->stats_interval_s = v;
	return 0;
}

static int
parse_address(const char *s, struct options *o)
{
	char err[ERR_LEN];

	if (sockio_addr_parse(s, &o->cfg.addr, err, sizeof(err)) < 0) {
		log_err("address %s", err);
		return -EINVAL;
	}
	return 0;
}

enum {
	OPT_IO = 256,
	OPT_BATCH,
	OPT_THREADS,
	OPT_CPUS,
	OPT_MAX_CONNS,
	OPT_MODE,
	OPT_STATS_JSON,
	OPT_STATS_INTERVAL,
	OPT_QUIET,
	OPT_GSO,
	OPT_SOCKBUF,
};

static const struct option long_options[] = {
	{ "io", required_argument, NULL, OPT_IO },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "gso", no_argument, NULL, OPT_GSO },
	{ "sockbuf", required_argument, NULL, OPT_SOCKBUF },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returns 0, 1 for --help, or -EINVAL after printing what is wrong. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	int c, rc = 0;

	*o = (struct options){
		.cfg = {
			.io = SOCKIO_IO_EPOLL,
			.batch = SOCKIO_BATCH_DEFAULT,
			.threads = 1,
			.max_conns = SOCKIO_MAX_CONNS_DEFAULT,
			.uds_mode = SOCKIO_UDS_MODE_DEFAULT,
			.sockbuf = SOCKBUF_DEFAULT,
		},
		.stats_interval_s = STATS_INTERVAL_DEFAULT_S,
	};
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_IO:
			rc = parse_io(optarg, o);
			break;
		case OPT_BATCH:
			rc = parse_uint("--batch", optarg, 1, SOCKIO_BATCH_MAX, &o->cfg.batch);
			o->batch_set = true;
			break;
		case OPT_THREADS:
			rc = parse_uint("--threads", optarg, 1, SOCKIO_THREADS_MAX,
					&o->cfg.threads);
			break;
		case OPT_CPUS:
			rc = parse_cpus(optarg, o);
			break;
		case OPT_MAX_CONNS:
			rc = parse_uint("--max-conns", optarg, 1, SOCKIO_MAX_CONNS_MAX,
					&o->cfg.max_conns);
			break;
		case OPT_MODE:
			rc = parse_mode(optarg, o);
			break;
		case OPT_STATS_JSON:
			o->stats_json = optarg;
			break;
		case OPT_STATS_INTERVAL:
			rc = parse_interval(optarg, o);
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_GSO:
			o->cfg.gso = true;
			break;
		case OPT_SOCKBUF: {
			unsigned v;

			rc = parse_uint("--sockbuf", optarg, 0, SOCKBUF_MAX, &v);
			o->cfg.sockbuf = (int)v;
			o->sockbuf_set = true;
			break;
		}
		case 'h':
			return 1;
		case ':':
			log_err("%s needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			log_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (rc < 0)
		return rc;
	if (optind == argc) {
		log_err("missing ADDRESS, e.g. udp:127.0.0.1:7007 (see --help)");
		return -EINVAL;
	}
	if (optind + 1 < argc) {
		log_err("one ADDRESS only, got '%s' too (see --help)", argv[optind + 1]);
		return -EINVAL;
	}
	return parse_address(argv[optind], o);
}

/* Options that are legal but have no effect here: say so rather than ignore them silently. */
static void
warn_ignored(const struct options *o)
{
	if (o->batch_set && !sockio_io_uses_batch(o->cfg.io, o->cfg.addr.transport))
		log_warn("--batch has no effect with --io %s on %s", sockio_io_name(o->cfg.io),
			 sockio_transport_name(o->cfg.addr.transport));
	if (o->mode_set && sockio_addr_path(&o->cfg.addr) == NULL)
		log_warn("--mode applies to Unix socket paths only; ignored for %s",
			 o->cfg.addr.text);
	if (o->sockbuf_set && o->cfg.addr.transport != SOCKIO_UDP)
		log_warn("--sockbuf applies to udp only (streams and Unix sockets have flow "
			 "control); ignored for %s", o->cfg.addr.text);
	if (o->cfg.ncpus > o->cfg.threads)
		log_warn("--cpus lists %u CPUs for %u thread(s); the extra ones stay unused",
			 o->cfg.ncpus, o->cfg.threads);
}

/*
 * ", receive buffer N KiB" for the start line: what the kernel granted a udp socket (it accounts
 * twice what was asked, half for its own overhead). Warns when the kernel capped the request.
 */
static const char *
sockbuf_describe(const struct sockio_server *s, const struct options *o, char *buf,
		 size_t len)
{
	uint64_t drops;
	int rcv, snd;

	buf[0] = '\0';
	if (o->cfg.addr.transport != SOCKIO_UDP)
		return buf;
	sockio_server_bufs(s, &rcv, &snd, &drops);
	snprintf(buf, len, ", socket buffers rcv %d KiB snd %d KiB%s", rcv / 1024, snd / 1024,
		 o->cfg.sockbuf == 0 ? " (the kernel's)" : "");
	if (o->cfg.sockbuf > 0 && (int64_t)rcv < 2 * (int64_t)o->cfg.sockbuf)
		log_warn("--sockbuf %d: the kernel granted %d bytes (net.core.rmem_max caps it "
			 "without root); a deep window of datagrams may overflow it", o->cfg.sockbuf,
			 rcv / 2);
	return buf;
}

static void
write_stats(const struct sockio_server *s, const struct options *o)
{
	char err[ERR_LEN];

	if (o->stats_json != NULL && sockio_server_write_stats(s, o->stats_json, err,
							       sizeof(err)) < 0)
		log_warn("stats: %s", err);
}

/*
 * Wait for SIGINT/SIGTERM with sigtimedwait, so no handler runs at all: the signals are
 * blocked in every thread and this thread takes them synchronously. Rewrites the stats file on
 * time meanwhile. Returns 0 on a signal, or a worker's failure.
 */
static int
wait_for_stop(struct sockio_server *s, const struct options *o, const sigset_t *stop_sigs)
{
	uint64_t interval_ns = (uint64_t)(o->stats_interval_s * 1e9);
	uint64_t next = clock_now_ns() + interval_ns;

	for (;;) {
		uint64_t now = clock_now_ns(), wait_ns = MAIN_WAKE_MAX_NS;
		struct timespec ts;
		int rc;

		if (o->stats_json != NULL && interval_ns > 0) {
			if (now >= next) {
				write_stats(s, o);
				next = now + interval_ns;
			}
			if (next - now < wait_ns)
				wait_ns = next - now;
		}
		ts.tv_sec = (time_t)(wait_ns / 1000000000ull);
		ts.tv_nsec = (long)(wait_ns % 1000000000ull);
		if (sigtimedwait(stop_sigs, NULL, &ts) > 0)
			return 0;
		rc = sockio_server_failed(s);
		if (rc < 0)
			return rc;
	}
}

/*
 * Every connection holds a descriptor: raise the soft limit to the hard one so a server asked
 * for a thousand connections is not stopped by the usual 1024, and say so when even that is less.
 */
static void
raise_fd_limit(unsigned int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + 64)
		log_warn("the descriptor limit is %lu: at most about %lu connections; raise it with "
			 "'ulimit -n' (hard limit) or limits.conf", (unsigned long)rl.rlim_cur,
			 (unsigned long)rl.rlim_cur - 64);
}

int
main(int argc, char **argv)
{
	struct sockio_server *srv;
	char err[ERR_LEN], bufs[160];
	struct options o;
	sigset_t stop_sigs;
	int rc;

	log_set_prog("sock-echo");
	rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		if (rc > 0)
			usage(stdout);
		return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	}
	log_set_quiet(o.quiet);
	warn_ignored(&o);
	raise_fd_limit(o.cfg.max_conns);

	/* Blocked before any thread exists, so every worker inherits the mask. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = sockio_server_open(&srv, &o.cfg, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		return rc == -EOPNOTSUPP || rc == -EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	}
	if (o.stats_json != NULL && sockio_server_write_stats(srv, o.stats_json, err,
							       sizeof(err)) < 0) {
		log_err("--stats-json: %s", err);
		sockio_server_close(srv);
		return EXIT_FAILURE;
	}
	rc = sockio_server_start(srv, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		sockio_server_close(srv);
		if (o.stats_json != NULL)
			unlink(o.stats_json);
		return EXIT_FAILURE;
	}
	log_info("listening on %s (io %s, %u thread%s%s%s%s)", o.cfg.addr.text,
		 sockio_io_name(o.cfg.io), o.cfg.threads, o.cfg.threads == 1 ? "" : "s",
		 o.cfg.ncpus > 0 ? ", pinned" : "", o.cfg.gso ? ", UDP GSO/GRO" : "",
		 sockbuf_describe(srv, &o, bufs, sizeof(bufs)));

	rc = wait_for_stop(srv, &o, &stop_sigs);
	sockio_server_request_stop(srv);
	if (sockio_server_join(srv, err, sizeof(err)) < 0)
		log_err("%s", err);
	write_stats(srv, &o);
	sockio_server_print_stats(srv, stdout);
	sockio_server_close(srv);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
