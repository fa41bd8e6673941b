/* SPDX-License-Identifier: BSD-3-Clause */
/* bypass-echo's shared state: per-lcore counters, the worker loop, statistics output. */
#ifndef BYPASS_ECHO_H
#define BYPASS_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "port/port.h"
#include "stack/stack.h"
#include "stack/tcp.h"

/* Counters one worker lcore owns; the main lcore and telemetry only read them. */
struct echo_lcore {
	struct stack_stats stack;
	uint64_t tx;
	uint64_t tx_dropped;   /* replies the PMD would not take after retries, freed */
	uint64_t tx_tcp;       /* segments from TCP's queue offered to the PMD (counted in tx or
				* tx_dropped too) */
	struct tcp_ctx *tcp;   /* NULL when no TCP port is served */
	uint64_t busy_cycles;  /* polls that returned packets, and the work on them */
	uint64_t idle_cycles;  /* polls that returned nothing */
	uint64_t busy_polls;   /* polls that returned packets: rx / busy_polls is the burst */
	uint64_t idle_polls;
	uint16_t queue;
	bool active;
	volatile bool paused;  /* the worker is parked and not touching the port */
#ifdef ECHO_AB
	/* bypass-echo-ab: the busy cycles and packets of each stack (turns follow busy_polls) */
	uint64_t ab_cycles[2];
	uint64_t ab_rx[2];
#endif
} __rte_cache_aligned;

struct echo_app {
	struct stack_conf conf;
	struct port port;
	struct echo_lcore lcores[RTE_MAX_LCORE];
	volatile bool stop;              /* set by the main lcore: workers return */
	volatile bool announce;          /* set on link up: queue 0's worker sends a GARP */
	volatile bool pause;             /* workers park while the main lcore restarts the port */
	bool restart_on_link_loss;       /* a memif client: only a port start reconnects it */
	uint64_t start_tsc;
	uint64_t link_changes;
	bool no_huge;
	const char *stats_json;
	/* echo_diag_check: drops counted when each kind was last hinted at, and when */
	uint64_t diag_seen[STACK_VERDICT_MAX];
	uint64_t diag_hint_tsc[STACK_VERDICT_MAX];
	bool tcp;                        /* TCP ports are served: lcores have a tcp context */
};

/* Totals over every worker lcore. */
struct echo_totals {
	struct stack_stats stack;
	struct tcp_stats tcp;
	uint64_t rx, tx, replies, taken, drops, tx_dropped, tx_tcp;
	uint64_t busy_cycles, idle_cycles, busy_polls, idle_polls;
};

int echo_worker_main(void *arg);

void echo_totals_sum(const struct echo_app *app, struct echo_totals *t);
void echo_stats_print_line(const struct echo_app *app);
void echo_stats_print_final(const struct echo_app *app);
int echo_stats_write_json(const struct echo_app *app);
int echo_telemetry_register(struct echo_app *app);

bool echo_is_tap(const struct echo_app *app);
/*
 * net_tap: give the kernel-side interface a MAC of its own (the PMD gives it the port's, and our
 * stack drops frames from our own MAC). Call once the port has started: the start restores the
 * port's MAC on the kernel side. Says what it did on stdout; returns 0 or a negative errno.
 */
int echo_tap_own_mac(struct echo_app *app);
/*
 * Called by the main lcore with fresh totals: when drops a user can fix have grown (our MAC as a
 * source; and while no ping or UDP has been answered yet: another address, a port we do not
 * serve, an address conflict), one line on stderr naming the cause and the fix, at most once per
 * DIAG_HINT_INTERVAL_S for each kind.
 */
void echo_diag_check(struct echo_app *app, const struct echo_totals *t);

#endif
