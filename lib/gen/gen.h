/* SPDX-License-Identifier: BSD-3-Clause */
/* The generator engine: one measured cell (a size, a mode, a window or rate) run over any
 * transport by worker threads, and the numbers that come out of it. */
#ifndef GEN_GEN_H
#define GEN_GEN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/json.h"
#include "common/res.h"
#include "gen/hist.h"
#include "gen/pace.h"
#include "gen/srvstats.h"
#include "gen/transport.h"

#define GEN_THREADS_MAX 64
#define GEN_FLOWS_MAX 65535
#define GEN_WINDOW_MAX 65536
#define GEN_BATCH_MAX 1024
#define GEN_TX_BURST_MAX 512	/* messages one worker hands the transport per turn */
#define GEN_RX_BURST_MAX 512
/* In open loop a flow's tracking ring covers twice its rate times the loss timeout ... */
#define GEN_TRACK_OPEN_FACTOR 2
/* ... but never more than this many messages (16 bytes each). */
#define GEN_TRACK_SLOTS_MAX (1u << 22)

struct gen_cfg {
	const struct gen_transport_ops *ops;
	const char *target;
	const struct gen_dpdk_opts *dpdk;
	uint32_t size;			/* payload bytes */
	unsigned flows;
	unsigned window;		/* closed loop: outstanding per flow */
	uint64_t rate_pps;		/* open loop when > 0: total offered rate */
	uint64_t duration_ns;		/* measured interval (ignored with count) */
	uint64_t warmup_ns;
	uint64_t count;			/* > 0: measure this many messages instead */
	uint64_t timeout_ns;		/* a message with no reply by then is lost */
	unsigned threads;
	const int *cpus;		/* pin worker i to cpus[i % ncpus]; NULL: no pinning */
	unsigned ncpus;
	unsigned batch;
	bool busy_poll;
	int so_busy_poll_us;
	int sockbuf_bytes;
	bool progress;			/* live line on stderr */
	const char *server_stats;	/* a server stats JSON to read around the interval */
	enum gen_zc_mode zerocopy;	/* zero-copy sends (tcp, udp), or GEN_ZC_OFF */
	uint64_t reconnect;		/* tcp, uds-stream: reopen each flow's connection every N
					 * messages; 0: never */
	const struct gen_clock *clock;
	volatile sig_atomic_t *stop;	/* set by a signal handler: end the cell early */
};

/* Counts over the measured interval (messages sent in it and what became of them). */
struct gen_counts {
	uint64_t sent;
	uint64_t received;
	uint64_t lost;		/* no reply within the timeout, or (closed loop) overtaken */
	uint64_t corrupt;	/* failed the payload check, wrong length or flow, never sent */
	uint64_t duplicate;
	uint64_t reordered;
	uint64_t late;		/* a reply after its message was counted lost */
};

struct gen_result {
	struct gen_counts c;
	double duration_s;		/* the measured interval */
	double offered_pps;		/* sent / duration_s: what the client achieved offering */
	struct hist *rtt;		/* round trips of measured replies, ns */
	struct res_sample client;	/* worker threads' CPU and switches in the interval */
	uint64_t client_syscalls;
	double client_sock_drops;	/* dropped at the client's full receive buffers; NaN: unknown */
	struct srvstats_cost server;	/* valid == false when unknown */
	char server_note[GEN_ERR_MAX];	/* why the server's cost is unknown, if asked for */
	uint64_t ignored;		/* frames that were not replies (dpdk: ARP, IPv6, ...) */
	uint64_t reconnects;		/* --reconnect: connections closed and opened again (whole
					 * cell, warm-up included) */
	bool interrupted;		/* a signal ended the cell early */
	bool dead_server;		/* the error was a server that stopped answering */
	struct gen_zc_counts zc;	/* --zerocopy: over the whole cell, warm-up included */
};

/*
 * Check a cell's settings before anything is opened. Returns 0, or -EINVAL with one line
 * naming the option and the limit in err.
 */
int gen_cfg_check(const struct gen_cfg *cfg, char *err, size_t errlen);

/*
 * Run one cell: open a connection per worker, warm up, measure, drain. Returns 0 with res
 * filled (free res->rtt with gen_result_free), or a negative errno with what failed in err:
 * a connection that could not open, a server that went away or stopped answering.
 */
int gen_run(const struct gen_cfg *cfg, struct gen_result *res, char *err, size_t errlen);
void gen_result_free(struct gen_result *res);

/* Labels a report needs besides the cell's settings. */
struct gen_labels {
	const char *transport;	/* "udp", ..., "dpdk" */
	const char *path;	/* what the user calls this path; default: the transport */
	const char *driver;	/* DPDK PMD or NULL */
	const char *clock;	/* "tsc" or "monotonic" */
	int no_huge;		/* dpdk: 1 without hugepages, 0 with; -1 for kernel transports */
	uint64_t tsc_hz;
};

void gen_report_table_header(FILE *f);
void gen_report_table_row(FILE *f, const struct gen_cfg *cfg, const struct gen_result *res);
/* One results object (docs/results-schema.md). */
void gen_report_json(struct json_writer *w, const struct gen_cfg *cfg,
		     const struct gen_result *res, const struct gen_labels *labels);

#endif
