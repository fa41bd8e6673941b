/* SPDX-License-Identifier: BSD-3-Clause */
/* bypass-echo's counters as people and programs read them: terminal, JSON file, telemetry. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "common/json.h"
#include "common/log.h"
#include "stack/report.h"
#include "echo.h"

static struct echo_app *telemetry_app;

void
echo_totals_sum(const struct echo_app *app, struct echo_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		const struct echo_lcore *lc = &app->lcores[i];

		if (!lc->active)
			continue;
		for (int v = 0; v < STACK_VERDICT_MAX; v++)
			t->stack.verdicts[v] += __atomic_load_n(&lc->stack.verdicts[v],
								__ATOMIC_RELAXED);
		t->tx += __atomic_load_n(&lc->tx, __ATOMIC_RELAXED);
		t->tx_dropped += __atomic_load_n(&lc->tx_dropped, __ATOMIC_RELAXED);
		t->tx_tcp += __atomic_load_n(&lc->tx_tcp, __ATOMIC_RELAXED);
		if (lc->tcp != NULL) {
			const struct tcp_stats *ts = tcp_ctx_stats(lc->tcp);

			for (size_t k = 0; k < TCP_STATS_COUNT; k++)
				((uint64_t *)&t->tcp)[k] +=
					__atomic_load_n(&((const uint64_t *)ts)[k],
							__ATOMIC_RELAXED);
		}
		t->busy_cycles += __atomic_load_n(&lc->busy_cycles, __ATOMIC_RELAXED);
		t->idle_cycles += __atomic_load_n(&lc->idle_cycles, __ATOMIC_RELAXED);
		t->busy_polls += __atomic_load_n(&lc->busy_polls, __ATOMIC_RELAXED);
		t->idle_polls += __atomic_load_n(&lc->idle_polls, __ATOMIC_RELAXED);
	}
	t->rx = stack_stats_total(&t->stack);
	t->replies = stack_stats_replies(&t->stack);
	t->taken = stack_stats_taken(&t->stack);
	t->drops = t->rx - t->replies - t->taken;
}

static double
echo_uptime_s(const struct echo_app *app)
{
	return (double)(rte_get_tsc_cycles() - app->start_tsc) / (double)rte_get_tsc_hz();
}

/* Busy cycles per received packet: the cost of the fast path, polls that found nothing aside. */
static double
echo_cycles_per_pkt(const struct echo_totals *t)
{
	return t->rx ? (double)t->busy_cycles / (double)t->rx : 0.0;
}

/* Packets per poll that returned any: the burst the fast path works on (at most the PMD's). */
static double
echo_burst(uint64_t rx, uint64_t busy_polls)
{
	return busy_polls ? (double)rx / (double)busy_polls : 0.0;
}

void
echo_stats_print_line(const struct echo_app *app)
{
	struct echo_totals t;

	echo_totals_sum(app, &t);
	printf("stats: rx %" PRIu64 " = replies %" PRIu64 " (arp %" PRIu64 " icmp %" PRIu64
	       " udp %" PRIu64 " tcp %" PRIu64 ") + taken %" PRIu64 " + drops %" PRIu64 "; tx %"
	       PRIu64 " tx_dropped %" PRIu64 "; %.1f cycles/pkt",
	       t.rx, t.replies, t.stack.verdicts[STACK_REPLY_ARP],
	       t.stack.verdicts[STACK_REPLY_ICMP], t.stack.verdicts[STACK_REPLY_UDP],
	       t.stack.verdicts[STACK_REPLY_TCP], t.taken, t.drops, t.tx, t.tx_dropped,
	       echo_cycles_per_pkt(&t));
	if (app->tcp)
		printf("; tcp: %" PRIu64 " open (%" PRIu64 " opened, %" PRIu64 " closed, %" PRIu64
		       " reset, %" PRIu64 " timed out), %" PRIu64 " retransmits, %" PRIu64
		       " mbufs held",
		       t.tcp.tcbs_in_use, t.tcp.conns_opened, t.tcp.conns_closed, t.tcp.conns_reset,
		       t.tcp.conns_timed_out, t.tcp.retransmits, t.tcp.rtx_mbufs);
	printf("\n");
	fflush(stdout);
}

void
echo_stats_print_final(const struct echo_app *app)
{
	struct rte_eth_stats es;
	struct echo_totals t;

	echo_totals_sum(app, &t);
	printf("final counters after %.1f s:\n", echo_uptime_s(app));
	printf("  %-18s %" PRIu64 "\n", "rx", t.rx);
	/* Each verdict under its own class's total: reply kinds under replies, drop reasons under
	 * drops. */
	stack_verdicts_print(stdout, &t.stack);
	printf("  %-18s %" PRIu64 "\n", "tx", t.tx);
	if (app->tcp)
		printf("  %-18s %" PRIu64 " (segments TCP queued besides replies, in tx and "
		       "tx_dropped)\n", "tx_tcp", t.tx_tcp);
	printf("  %-18s %" PRIu64 "\n", "tx_dropped", t.tx_dropped);
	printf("  %-18s %.1f\n", "cycles/pkt", echo_cycles_per_pkt(&t));
	printf("  %-18s %.1f (%" PRIu64 " polls with packets, %" PRIu64 " empty)\n",
	       "pkts/busy poll", echo_burst(t.rx, t.busy_polls), t.busy_polls, t.idle_polls);
	if (rte_eth_stats_get(app->port.port_id, &es) == 0)
		printf("  port: imissed %" PRIu64 " rx_nombuf %" PRIu64 " ierrors %" PRIu64
		       " oerrors %" PRIu64 " (frames the PMD never handed to the stack)\n",
		       es.imissed, es.rx_nombuf, es.ierrors, es.oerrors);
	if (app->tcp) {
		printf("  tcp:\n");
		for (size_t k = 0; k < TCP_STATS_COUNT; k++)
			printf("    %-18s %" PRIu64 "\n", tcp_stats_names[k],
			       tcp_stats_get(&t.tcp, k));
	}
	printf("  balance: rx %" PRIu64 " %s replies %" PRIu64 " + taken %" PRIu64 " + drops %"
	       PRIu64 "\n", t.rx, t.rx == t.replies + t.taken + t.drops ? "=" : "!=", t.replies,
	       t.taken, t.drops);
	fflush(stdout);
}

static void
echo_stats_fill(struct json_writer *w, void *arg)
{
	const struct echo_app *app = arg;
	struct echo_totals t;

	echo_totals_sum(app, &t);
	json_object_begin(w, NULL);
	json_u64(w, "pid", (uint64_t)getpid());
	json_double(w, "uptime_s", echo_uptime_s(app));
	json_str(w, "driver", app->port.driver);
	json_u64(w, "lcores", app->port.nb_queues);
	json_bool(w, "no_huge", app->no_huge);
	json_u64(w, "rx", t.rx);
	json_u64(w, "tx", t.tx);
	stack_verdicts_json(w, &t.stack);
	json_u64(w, "tx_dropped", t.tx_dropped);
	json_u64(w, "tx_tcp", t.tx_tcp);
	if (app->tcp) {
		json_object_begin(w, "tcp");
		for (size_t k = 0; k < TCP_STATS_COUNT; k++)
			json_u64(w, tcp_stats_names[k], tcp_stats_get(&t.tcp, k));
		json_object_end(w);
	} else {
		json_null(w, "tcp");
	}
	json_u64(w, "busy_cycles", t.busy_cycles);
	json_u64(w, "idle_cycles", t.idle_cycles);
	json_u64(w, "busy_polls", t.busy_polls);
	json_u64(w, "idle_polls", t.idle_polls);
	json_u64(w, "tsc_hz", rte_get_tsc_hz());
	json_u64(w, "link_changes", app->link_changes);
	port_stats_json(w, app->port.port_id);
	json_array_begin(w, "per_lcore");
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		const struct echo_lcore *lc = &app->lcores[i];
		uint64_t rx;

		if (!lc->active)
			continue;
		rx = stack_stats_total(&lc->stack);
		json_object_begin(w, NULL);
		json_u64(w, "lcore", i);
		json_u64(w, "queue", lc->queue);
		json_u64(w, "rx", rx);
		json_u64(w, "tx", lc->tx);
		json_u64(w, "busy_cycles", lc->busy_cycles);
		json_u64(w, "idle_cycles", lc->idle_cycles);
		json_double(w, "cycles_per_pkt", rx ? (double)lc->busy_cycles / (double)rx : 0.0);
		json_u64(w, "busy_polls", lc->busy_polls);
		json_u64(w, "idle_polls", lc->idle_polls);
		json_double(w, "pkts_per_busy_poll", echo_burst(rx, lc->busy_polls));
#ifdef ECHO_AB
		for (int side = 0; side < 2; side++) {
			json_u64(w, side ? "ab_b_rx" : "ab_a_rx", lc->ab_rx[side]);
			json_double(w, side ? "ab_b_cycles_per_pkt" : "ab_a_cycles_per_pkt",
				    lc->ab_rx[side] ? (double)lc->ab_cycles[side] /
							(double)lc->ab_rx[side] : 0.0);
		}
#endif
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

int
echo_stats_write_json(const struct echo_app *app)
{
	char err[512];
	int rc;

	if (app->stats_json == NULL)
		return 0;
	rc = json_write_file(app->stats_json, echo_stats_fill, (void *)(uintptr_t)app, err,
			     sizeof(err));
	if (rc != 0)
		log_warn("stats file: %s", err);
	return rc;
}

/* /bypass/stats: the same counters as the JSON file, for dpdk-telemetry.py. */
static int
echo_telemetry_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct echo_totals t;

	echo_totals_sum(telemetry_app, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx", t.rx);
	rte_tel_data_add_dict_u64(d, "tx", t.tx);
	rte_tel_data_add_dict_u64(d, "replies", t.replies);
	rte_tel_data_add_dict_u64(d, "taken", t.taken);
	rte_tel_data_add_dict_u64(d, "drops", t.drops);
	rte_tel_data_add_dict_u64(d, "tx_dropped", t.tx_dropped);
	rte_tel_data_add_dict_u64(d, "busy_cycles", t.busy_cycles);
	rte_tel_data_add_dict_u64(d, "idle_cycles", t.idle_cycles);
	rte_tel_data_add_dict_u64(d, "busy_polls", t.busy_polls);
	rte_tel_data_add_dict_u64(d, "idle_polls", t.idle_polls);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	for (int v = 0; v < STACK_VERDICT_MAX; v++) {
		char name[RTE_TEL_MAX_STRING_LEN];

		snprintf(name, sizeof(name), "%s_%s", stack_verdict_is_reply(v) ? "reply" :
			 stack_verdict_is_drop(v) ? "drop" : "taken", stack_verdict_name(v));
		rte_tel_data_add_dict_u64(d, name, t.stack.verdicts[v]);
	}
	return 0;
}

/* /bypass/lcores: where the cycles go, per worker lcore (the same figures as per_lcore). */
static int
echo_telemetry_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		const struct echo_lcore *lc = &telemetry_app->lcores[i];
		struct rte_tel_data *l;
		char name[32];
		uint64_t rx;

		if (!lc->active)
			continue;
		l = rte_tel_data_alloc();
		if (l == NULL)
			return -ENOMEM;
		rx = stack_stats_total(&lc->stack);
		rte_tel_data_start_dict(l);
		rte_tel_data_add_dict_u64(l, "queue", lc->queue);
		rte_tel_data_add_dict_u64(l, "rx", rx);
		rte_tel_data_add_dict_u64(l, "tx", lc->tx);
		rte_tel_data_add_dict_u64(l, "busy_cycles", lc->busy_cycles);
		rte_tel_data_add_dict_u64(l, "idle_cycles", lc->idle_cycles);
		rte_tel_data_add_dict_u64(l, "busy_cycles_per_pkt", rx ? lc->busy_cycles / rx : 0);
		rte_tel_data_add_dict_u64(l, "busy_polls", lc->busy_polls);
		rte_tel_data_add_dict_u64(l, "idle_polls", lc->idle_polls);
		snprintf(name, sizeof(name), "lcore%u", i);
		rte_tel_data_add_dict_container(d, name, l, 0);
	}
	return 0;
}

/* /bypass/tcp: the TCP events summed over the lcores (the JSON file's "tcp" object). */
static int
echo_telemetry_tcp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct echo_totals t;

	echo_totals_sum(telemetry_app, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "served", telemetry_app->tcp);
	for (size_t k = 0; k < TCP_STATS_COUNT; k++)
		rte_tel_data_add_dict_u64(d, tcp_stats_names[k], tcp_stats_get(&t.tcp, k));
	return 0;
}

int
echo_telemetry_register(struct echo_app *app)
{
	static const char tcp_help[] = "bypass-echo TCP events: connections, segments, timers";

	telemetry_app = app;
	if (rte_telemetry_register_cmd("/bypass/tcp", echo_telemetry_tcp, tcp_help) != 0)
		return -1;
	if (rte_telemetry_register_cmd("/bypass/lcores", echo_telemetry_lcores,
				       "bypass-echo per-lcore busy and idle poll cycles") != 0)
		return -1;
	return rte_telemetry_register_cmd("/bypass/stats", echo_telemetry_stats,
					  "bypass-echo counters: rx = replies + taken + drops");
}
