/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker lcore: poll one queue, let the stack judge the burst, send the replies back. */
#include <inttypes.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "echo.h"

/* How often to offer the PMD what it did not take before freeing it: an lcore never blocks. */
#define ECHO_TX_RETRIES 4
/* TCP's clock and timers advance this often: finer than its 1 ms wheel, RTT in microseconds. */
#define ECHO_TCP_TICK_US 100

static void
echo_send(struct echo_lcore *lc, uint16_t port_id, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;

	for (int tries = 0; sent < n && tries <= ECHO_TX_RETRIES; tries++)
		sent += rte_eth_tx_burst(port_id, lc->queue, pkts + sent, n - sent);
	lc->tx += sent;
	if (unlikely(sent < n)) {
		lc->tx_dropped += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

#ifdef ECHO_AB
/* bypass-echo-ab: the stack built with STACK_ALT takes every other run of this many polls. */
#define ECHO_AB_RUN_SHIFT 8

uint16_t stack_input_burst_tcp_alt(const struct stack_conf *conf, struct tcp_ctx *tcp,
				   struct rte_mbuf **pkts, uint16_t n, struct stack_stats *stats);

static inline uint16_t
echo_judge(struct echo_lcore *lc, const struct stack_conf *conf, struct rte_mbuf **pkts,
	   uint16_t n, unsigned int *side)
{
	/* busy_polls: this poll's index among those with packets (counted after the judging) */
	*side = (unsigned int)(lc->busy_polls >> ECHO_AB_RUN_SHIFT) & 1;
	lc->ab_rx[*side] += n;
	if (*side)
		return stack_input_burst_tcp_alt(conf, lc->tcp, pkts, n, &lc->stack);
	return stack_input_burst_tcp(conf, lc->tcp, pkts, n, &lc->stack);
}

static inline void
echo_ab_account(struct echo_lcore *lc, unsigned int side, uint64_t cycles)
{
	lc->ab_cycles[side] += cycles;
}
#else
static inline uint16_t
echo_judge(struct echo_lcore *lc, const struct stack_conf *conf, struct rte_mbuf **pkts,
	   uint16_t n, unsigned int *side)
{
	*side = 0;
	return stack_input_burst_tcp(conf, lc->tcp, pkts, n, &lc->stack);
}

static inline void
echo_ab_account(struct echo_lcore *lc, unsigned int side, uint64_t cycles)
{
	RTE_SET_USED(lc);
	RTE_SET_USED(side);
	RTE_SET_USED(cycles);
}
#endif

/* A gratuitous ARP so peers learn (or relearn) us when the link comes up. */
static void
echo_announce(struct echo_app *app, struct echo_lcore *lc)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(app->port.queue_pool[lc->queue]);

	app->announce = false;
	if (m == NULL)
		return;
	m->data_len = stack_arp_announce(&app->conf, rte_pktmbuf_mtod(m, uint8_t *));
	m->pkt_len = m->data_len;
	if (rte_eth_tx_burst(app->port.port_id, lc->queue, &m, 1) == 0)
		rte_pktmbuf_free(m);
}

/* Send what TCP queued (segments that were not replies in place), oldest first. */
static void
echo_tcp_send(struct echo_lcore *lc, uint16_t port_id)
{
	struct rte_mbuf *pkts[PORT_BURST_MAX];
	uint16_t n;

	while ((n = tcp_ctx_tx_drain(lc->tcp, pkts, PORT_BURST_MAX)) > 0) {
		lc->tx_tcp += n;
		echo_send(lc, port_id, pkts, n);
	}
}

/*
 * At stop: reset every connection (the peers learn at once instead of by their timeouts), send
 * the RSTs while the port runs, then free whatever TCP still holds, and say how much that was.
 */
static void
echo_tcp_stop(struct echo_lcore *lc, uint16_t port_id, bool port_runs)
{
	unsigned int reset = 0, n, queued;
	uint64_t held = tcp_ctx_stats(lc->tcp)->rtx_mbufs;

	while (port_runs && (n = tcp_ctx_reset_some(lc->tcp, PORT_BURST_MAX)) > 0) {
		reset += n;
		echo_tcp_send(lc, port_id);
	}
	queued = tcp_ctx_tx_pending(lc->tcp);
	n = tcp_ctx_flush(lc->tcp, NULL);
	printf("bypass-echo: lcore %u: TCP at stop: %u connection(s) reset (RST sent), %u torn "
	       "down without one (port stopped), %" PRIu64 " held and %u queued mbuf(s) freed\n",
	       rte_lcore_id(), reset, n, held, queued);
	fflush(stdout);
}

int
echo_worker_main(void *arg)
{
	struct echo_app *app = arg;
	struct echo_lcore *lc = &app->lcores[rte_lcore_id()];
	const struct stack_conf *conf = &app->conf;
	const uint16_t port_id = app->port.port_id, queue = lc->queue;
	struct rte_mbuf *pkts[PORT_BURST_MAX];
	uint64_t t0 = rte_rdtsc(), t1, next_tick = 0;
	const uint64_t tsc_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, (uint64_t)1);
	const uint64_t tick_tsc = tsc_per_us * ECHO_TCP_TICK_US;

	if (!lc->active)
		return 0; /* an lcore without a queue (more lcores than queues) */

	while (!app->stop) {
		unsigned int side;
		uint16_t n;

		if (lc->tcp != NULL && unlikely(t0 >= next_tick)) {
			tcp_ctx_tick(lc->tcp, t0 / tsc_per_us);
			next_tick = t0 + tick_tsc;
			echo_tcp_send(lc, port_id);
		}
		if (unlikely(app->pause)) {
			/* TCP keeps its connections and held mbufs (the pool outlives a restart);
			 * its timers catch up after. Park until the port is back. */
			lc->paused = true;
			while (app->pause && !app->stop)
				rte_pause();
			lc->paused = false;
			t0 = rte_rdtsc();
			continue;
		}
		n = rte_eth_rx_burst(port_id, queue, pkts, PORT_BURST_MAX);

		if (n == 0) {
			t1 = rte_rdtsc();
			lc->idle_cycles += t1 - t0;
			lc->idle_polls++;
			t0 = t1;
			if (unlikely(app->announce) && queue == 0)
				echo_announce(app, lc);
			continue;
		}
		n = echo_judge(lc, conf, pkts, n, &side);
		if (n > 0)
			echo_send(lc, port_id, pkts, n);
		if (lc->tcp != NULL && tcp_ctx_tx_pending(lc->tcp) > 0)
			echo_tcp_send(lc, port_id);
		t1 = rte_rdtsc();
		lc->busy_cycles += t1 - t0;
		lc->busy_polls++;
		echo_ab_account(lc, side, t1 - t0);
		t0 = t1;
	}
	if (lc->tcp != NULL)
		echo_tcp_stop(lc, port_id, app->port.started && !app->pause);
	return 0;
}
