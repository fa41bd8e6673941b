/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker lcore: poll one queue, let the stack judge the burst, send the replies back. */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "echo.h"

/* How often to offer the PMD what it did not take before freeing it: an lcore never blocks. */
#define ECHO_TX_RETRIES 4

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

uint16_t stack_input_burst_alt(const struct stack_conf *conf, struct rte_mbuf **pkts, uint16_t n,
			       struct stack_stats *stats);

static inline uint16_t
echo_judge(struct echo_lcore *lc, const struct stack_conf *conf, struct rte_mbuf **pkts,
	   uint16_t n, unsigned int *side)
{
	/* busy_polls: this poll's index among those with packets (counted after the judging) */
	*side = (unsigned int)(lc->busy_polls >> ECHO_AB_RUN_SHIFT) & 1;
	lc->ab_rx[*side] += n;
	if (*side)
		return stack_input_burst_alt(conf, pkts, n, &lc->stack);
	return stack_input_burst(conf, pkts, n, &lc->stack);
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
	return stack_input_burst(conf, pkts, n, &lc->stack);
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

int
echo_worker_main(void *arg)
{
	struct echo_app *app = arg;
	struct echo_lcore *lc = &app->lcores[rte_lcore_id()];
	const struct stack_conf *conf = &app->conf;
	const uint16_t port_id = app->port.port_id, queue = lc->queue;
	struct rte_mbuf *pkts[PORT_BURST_MAX];
	uint64_t t0 = rte_rdtsc(), t1;

	while (!app->stop) {
		unsigned int side;
		uint16_t n;

		if (unlikely(app->pause)) {
			/* Nothing held between iterations: park until the port is back. */
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
		t1 = rte_rdtsc();
		lc->busy_cycles += t1 - t0;
		lc->busy_polls++;
		echo_ab_account(lc, side, t1 - t0);
		t0 = t1;
	}
	return 0;
}
