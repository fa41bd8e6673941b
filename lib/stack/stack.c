/* SPDX-License-Identifier: BSD-3-Clause */
/* The stack's entries: one frame by (pointer, length), a burst of mbufs, and its counters. */
#include <string.h>

/* Built a second time with STACK_ALT for bypass-echo-ab (meson -Dstack_ab=true): the entries take
 * an _alt suffix, so both builds link into one program, and whatever differs under
 * #ifdef STACK_ALT here or in fast.h is what scripts/ab-stack compares. */
#ifdef STACK_ALT
#define stack_conf_init stack_conf_init_alt
#define stack_conf_add_udp_port stack_conf_add_udp_port_alt
#define stack_conf_add_tcp_port stack_conf_add_tcp_port_alt
#define stack_verdict_name stack_verdict_name_alt
#define stack_verdict_classes stack_verdict_classes_alt
#define stack_input_layers stack_input_layers_alt
#define stack_input stack_input_alt
#define stack_input_burst stack_input_burst_alt
#define stack_stats_total stack_stats_total_alt
#define stack_stats_replies stack_stats_replies_alt
#define stack_stats_taken stack_stats_taken_alt
#define stack_stats_class stack_stats_class_alt
#define stack_input_burst_tcp stack_input_burst_tcp_alt
#endif

#include "eth.h"
#include "fast.h"
#include "stack.h"

/* Dropped mbufs are freed together, this many at a time. */
#define STACK_DROPS_BULK 64

static const char *const verdict_names[STACK_VERDICT_MAX] = {
#define STACK_VERDICT_NAME(id, name) [STACK_##id] = name,
	STACK_VERDICT_LIST(STACK_VERDICT_NAME)
#undef STACK_VERDICT_NAME
};

void
stack_conf_init(struct stack_conf *conf, const struct rte_ether_addr *mac, rte_be32_t ip,
		uint8_t prefix_len)
{
	memset(conf, 0, sizeof(*conf));
	rte_ether_addr_copy(mac, &conf->mac);
	memcpy(&conf->mac48, mac, RTE_ETHER_ADDR_LEN);
	conf->mac48 = rte_le_to_cpu_64(conf->mac48);
	conf->ip = ip;
	conf->netmask = prefix_len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - prefix_len));
	conf->ttl = STACK_TTL_DEFAULT;
}

void
stack_conf_add_udp_port(struct stack_conf *conf, uint16_t port)
{
	conf->udp_ports[port / 64] |= 1ull << (port % 64);
}

void
stack_conf_add_tcp_port(struct stack_conf *conf, uint16_t port)
{
	conf->tcp_ports[port / 64] |= 1ull << (port % 64);
}

const struct stack_verdict_class stack_verdict_classes[STACK_VERDICT_CLASSES] = {
	{ "replies", 0, STACK_FIRST_TAKEN },
	{ "taken", STACK_FIRST_TAKEN, STACK_FIRST_DROP },
	{ "drops", STACK_FIRST_DROP, STACK_VERDICT_MAX },
};

const char *
stack_verdict_name(enum stack_verdict v)
{
	return v < STACK_VERDICT_MAX ? verdict_names[v] : "invalid";
}

static inline enum stack_verdict
stack_judge(const struct stack_conf *conf, struct stack_pkt *pkt)
{
	pkt->l2_bcast = false;
	return eth_input(conf, pkt);
}

enum stack_verdict
stack_input_layers(const struct stack_conf *conf, struct stack_pkt *pkt)
{
	pkt->tcp = NULL;
	pkt->m = NULL;
	return stack_judge(conf, pkt);
}

enum stack_verdict
stack_input(const struct stack_conf *conf, struct stack_pkt *pkt)
{
	if (stack_udp_fast(conf, pkt))
		return STACK_REPLY_UDP;
	return stack_input_layers(conf, pkt);
}

/* The burst loop, inlined into both entries (without TCP, what TCP needs folds away). */
static __rte_always_inline uint16_t
stack_burst(const struct stack_conf *conf, struct tcp_ctx *tcp, struct rte_mbuf **pkts,
	    uint16_t n, struct stack_stats *stats)
{
	struct rte_mbuf *drops[STACK_DROPS_BULK];
	uint16_t replies = 0, nb_drops = 0, fast = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct stack_pkt pkt;
		enum stack_verdict v;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (m->nb_segs != 1) {
			v = STACK_DROP_MULTI_SEG;
		} else {
			pkt.data = rte_pktmbuf_mtod(m, uint8_t *);
			pkt.len = m->data_len;
			pkt.ol_flags = conf->rx_cksum_offload ? m->ol_flags : 0;
			if (stack_udp_fast(conf, &pkt)) {
				/* Answered in place: same start, same length. */
				fast++;
				m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
				pkts[replies++] = m;
				continue;
			}
			pkt.tcp = tcp;
			pkt.m = m;
			v = stack_judge(conf, &pkt);
		}
		stats->verdicts[v]++;
		if (!stack_verdict_is_reply(v)) {
			drops[nb_drops++] = m;
			if (unlikely(nb_drops == STACK_DROPS_BULK)) {
				rte_pktmbuf_free_bulk(drops, nb_drops);
				nb_drops = 0;
			}
			continue;
		}
		/* The reply may start later (options stripped) and end sooner (padding trimmed);
		 * a TCP reply may start elsewhere and be a little longer (a SYN-ACK's option). */
		m->data_off += (uint16_t)(pkt.data - rte_pktmbuf_mtod(m, uint8_t *));
		m->data_len = pkt.len;
		m->pkt_len = pkt.len;
		m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
		pkts[replies++] = m;
	}
	stats->verdicts[STACK_REPLY_UDP] += fast;
	if (nb_drops != 0)
		rte_pktmbuf_free_bulk(drops, nb_drops);
	return replies;
}

uint16_t
stack_input_burst(const struct stack_conf *conf, struct rte_mbuf **pkts, uint16_t n,
		  struct stack_stats *stats)
{
	return stack_burst(conf, NULL, pkts, n, stats);
}

uint16_t
stack_input_burst_tcp(const struct stack_conf *conf, struct tcp_ctx *tcp, struct rte_mbuf **pkts,
		      uint16_t n, struct stack_stats *stats)
{
	return stack_burst(conf, tcp, pkts, n, stats);
}

static uint64_t
stack_stats_sum(const struct stack_stats *s, int first, int end)
{
	uint64_t sum = 0;

	for (int v = first; v < end; v++)
		sum += s->verdicts[v];
	return sum;
}

uint64_t
stack_stats_total(const struct stack_stats *s)
{
	return stack_stats_sum(s, 0, STACK_VERDICT_MAX);
}

uint64_t
stack_stats_class(const struct stack_stats *s, const struct stack_verdict_class *vc)
{
	return stack_stats_sum(s, vc->first, vc->end);
}

uint64_t
stack_stats_replies(const struct stack_stats *s)
{
	return stack_stats_class(s, &stack_verdict_classes[0]);
}

uint64_t
stack_stats_taken(const struct stack_stats *s)
{
	return stack_stats_class(s, &stack_verdict_classes[1]);
}
