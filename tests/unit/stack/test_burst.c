/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of stack_input_burst() over real mbufs from a no-hugepage EAL mempool. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "golden.h"
#include "port/eal.h"

#define BURST_POOL_MBUFS 1023
#define BURST_POOL_CACHE 0 /* every free goes straight back, so in-use counts are exact */
#define BURST_MAX 32

static struct rte_mempool *burst_pool;

/* An mbuf holding a copy of frame: one segment, data at the default headroom. */
static struct rte_mbuf *
burst_mbuf(const uint8_t *frame, uint16_t len, uint64_t ol_flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(burst_pool);
	char *data;

	assert_non_null(m);
	data = rte_pktmbuf_append(m, len);
	assert_non_null(data);
	memcpy(data, frame, len);
	m->ol_flags = ol_flags;
	return m;
}

static struct rte_mbuf *
burst_mbuf_golden(const char *name)
{
	const struct golden_case *c = golden_case_get(name);

	return burst_mbuf(c->req, c->req_len, 0);
}

/*
 * Run pkts through the burst entry and check what every burst must promise: replies first and
 * in arrival order, each the golden reply with matching data_len and pkt_len, every frame
 * counted once under its golden verdict, drops freed, and after the replies are freed the pool
 * back where it was.
 */
static void
burst_check(const struct stack_conf *conf, const char *const *names, uint16_t n)
{
	struct rte_mbuf *pkts[BURST_MAX], *orig[BURST_MAX];
	uint64_t want[STACK_VERDICT_MAX] = { 0 };
	unsigned int baseline = rte_mempool_in_use_count(burst_pool);
	struct stack_stats stats = { { 0 } };
	uint16_t replies, r = 0;

	assert_true(n <= BURST_MAX);
	for (uint16_t i = 0; i < n; i++) {
		orig[i] = pkts[i] = burst_mbuf_golden(names[i]);
		want[golden_case_get(names[i])->verdict]++;
	}
	replies = stack_input_burst(conf, pkts, n, &stats);

	for (uint16_t i = 0; i < n; i++) {
		const struct golden_case *c = golden_case_get(names[i]);
		struct rte_mbuf *m;

		if (c->reply == NULL)
			continue;
		if (r >= replies)
			fail_msg("%s (frame %u) should be reply %u; only %u replies", c->name, i, r,
				 replies);
		m = pkts[r++];
		if (m != orig[i])
			fail_msg("reply %u is not %s's mbuf (frame %u): order lost", r - 1, c->name, i);
		assert_int_equal(m->nb_segs, 1);
		assert_int_equal(m->data_len, m->pkt_len);
		golden_assert_bytes(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, c->reply,
				    c->reply_len, c->name);
		assert_int_equal(m->ol_flags & (RTE_MBUF_F_RX_IP_CKSUM_MASK |
						RTE_MBUF_F_RX_L4_CKSUM_MASK), 0);
	}
	assert_int_equal(replies, r);
	assert_int_equal(stack_stats_total(&stats), n);
	assert_int_equal(stack_stats_replies(&stats), replies);
	for (int v = 0; v < STACK_VERDICT_MAX; v++)
		if (stats.verdicts[v] != want[v])
			fail_msg("%s counted %lu times, expected %lu", stack_verdict_name(v),
				 (unsigned long)stats.verdicts[v], (unsigned long)want[v]);
	/* The drops are already back in the pool; the replies are ours to free. */
	assert_int_equal(rte_mempool_in_use_count(burst_pool), baseline + replies);
	rte_pktmbuf_free_bulk(pkts, replies);
	assert_int_equal(rte_mempool_in_use_count(burst_pool), baseline);
}

static void
test_burst_mixed(void **state)
{
	const char *const names[] = {
		"arp_request", "eth_short_13", "icmp_echo", "udp_port_closed_9", "udp_echo_7",
		"ip_options_ra_ping", "ip_frag_first_mf", "eth_padded_udp", "icmp_mtu_1500",
		"ip_bad_cksum", "udp_mtu_1472", "arp_not_for_us", "udp_len_below_ip_payload",
		"eth_vlan_ping", "ip_options_40_nop_udp", "icmp_zero_data_padded",
	};
	struct stack_conf conf;

	golden_conf_init(&conf);
	burst_check(&conf, names, RTE_DIM(names));
}

static void
test_burst_all_drops(void **state)
{
	const char *const names[] = {
		"eth_short_1", "eth_src_ours", "arp_conflict_request", "ip_martian_src_ours",
		"icmp_echo_reply", "udp_src_port_19", "ip_dst_limited_bcast", "ip_total_65535",
	};
	struct stack_conf conf;

	golden_conf_init(&conf);
	burst_check(&conf, names, RTE_DIM(names));
}

static void
test_burst_all_replies(void **state)
{
	const char *names[BURST_MAX];
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (uint16_t i = 0; i < BURST_MAX; i++)
		names[i] = i % 3 == 0 ? "icmp_echo" : i % 3 == 1 ? "udp_echo_9000" : "arp_probe";
	burst_check(&conf, names, BURST_MAX);
}

/* Every golden case, 32 at a time: each verdict and reply as from stack_input. */
static void
test_burst_every_golden_case(void **state)
{
	const char *names[BURST_MAX];
	struct stack_conf conf;
	uint16_t n = 0;

	golden_conf_init(&conf);
	for (size_t i = 0; i < golden_case_count(); i++) {
		names[n++] = golden_case_at(i)->name;
		if (n == BURST_MAX || i + 1 == golden_case_count()) {
			burst_check(&conf, names, n);
			n = 0;
		}
	}
}

static void
test_burst_empty(void **state)
{
	struct stack_stats stats = { { 0 } };
	struct stack_conf conf;
	struct rte_mbuf *pkts[1] = { NULL };

	golden_conf_init(&conf);
	assert_int_equal(stack_input_burst(&conf, pkts, 0, &stats), 0);
	assert_int_equal(stack_stats_total(&stats), 0);
}

/* Counters add up across bursts: the caller's stats are incremented, never reset. */
static void
test_burst_stats_accumulate(void **state)
{
	struct stack_stats stats = { { 0 } };
	struct stack_conf conf;
	struct rte_mbuf *pkts[2];

	golden_conf_init(&conf);
	for (int round = 1; round <= 3; round++) {
		pkts[0] = burst_mbuf_golden("icmp_echo");
		pkts[1] = burst_mbuf_golden("ip_bad_cksum");
		assert_int_equal(stack_input_burst(&conf, pkts, 2, &stats), 1);
		rte_pktmbuf_free(pkts[0]);
		assert_int_equal(stats.verdicts[STACK_REPLY_ICMP], round);
		assert_int_equal(stats.verdicts[STACK_DROP_IP_BAD_CKSUM], round);
		assert_int_equal(stack_stats_total(&stats), 2 * round);
	}
}

/* A frame split over two segments is dropped as multi_seg and both segments are freed. */
static void
test_burst_multi_seg(void **state)
{
	const struct golden_case *c = golden_case_get("icmp_echo");
	const uint16_t head_len = 30;
	unsigned int baseline = rte_mempool_in_use_count(burst_pool);
	struct stack_stats stats = { { 0 } };
	struct rte_mbuf *head, *tail, *pkts[3];
	struct stack_conf conf;

	golden_conf_init(&conf);
	head = burst_mbuf(c->req, head_len, 0);
	tail = burst_mbuf(c->req + head_len, c->req_len - head_len, 0);
	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	assert_int_equal(head->nb_segs, 2);
	pkts[0] = burst_mbuf_golden("udp_echo_7");
	pkts[1] = head;
	pkts[2] = burst_mbuf_golden("arp_request");
	assert_int_equal(stack_input_burst(&conf, pkts, 3, &stats), 2);
	assert_int_equal(stats.verdicts[STACK_DROP_MULTI_SEG], 1);
	assert_int_equal(stats.verdicts[STACK_REPLY_UDP], 1);
	assert_int_equal(stats.verdicts[STACK_REPLY_ARP], 1);
	assert_int_equal(stack_stats_total(&stats), 3);
	golden_assert_bytes(rte_pktmbuf_mtod(pkts[0], uint8_t *), pkts[0]->data_len,
			    golden_case_get("udp_echo_7")->reply,
			    golden_case_get("udp_echo_7")->reply_len, "udp_echo_7 after multi_seg");
	golden_assert_bytes(rte_pktmbuf_mtod(pkts[1], uint8_t *), pkts[1]->data_len,
			    golden_case_get("arp_request")->reply,
			    golden_case_get("arp_request")->reply_len, "arp_request after multi_seg");
	assert_int_equal(rte_mempool_in_use_count(burst_pool), baseline + 2);
	rte_pktmbuf_free_bulk(pkts, 2);
	assert_int_equal(rte_mempool_in_use_count(burst_pool), baseline);
}

/* Options stripped: the reply starts later in the same buffer, data_off moved by their length. */
static void
test_burst_options_move_data_off(void **state)
{
	const struct { const char *name; uint16_t opt_len; } cases[] = {
		{ "ip_options_ra_ping", 4 }, { "ip_options_40_nop_udp", 40 },
		{ "ip_options_padded_empty_udp", 4 }, { "icmp_echo", 0 },
	};
	struct stack_stats stats = { { 0 } };
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		const struct golden_case *c = golden_case_get(cases[i].name);
		struct rte_mbuf *m = burst_mbuf(c->req, c->req_len, 0);
		const uint16_t data_off = m->data_off;
		const void *buf_addr = m->buf_addr;

		assert_int_equal(stack_input_burst(&conf, &m, 1, &stats), 1);
		assert_ptr_equal(m->buf_addr, buf_addr);
		assert_int_equal(m->data_off, data_off + cases[i].opt_len);
		assert_int_equal(m->data_len, c->reply_len);
		assert_int_equal(m->pkt_len, c->reply_len);
		golden_assert_bytes(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, c->reply,
				    c->reply_len, c->name);
		rte_pktmbuf_free(m);
	}
}

/* ol_flags are read only with conf.rx_cksum_offload, and then honoured (ROBUSTNESS 13, 26). */
static void
test_burst_cksum_offload_flags(void **state)
{
	const struct {
		const char *name;
		uint64_t ol_flags;
		bool offload;
		enum stack_verdict want;
	} cases[] = {
		{ "ip_bad_cksum", RTE_MBUF_F_RX_IP_CKSUM_GOOD, false, STACK_DROP_IP_BAD_CKSUM },
		{ "ip_bad_cksum", RTE_MBUF_F_RX_IP_CKSUM_GOOD, true, STACK_REPLY_ICMP },
		{ "icmp_echo", RTE_MBUF_F_RX_IP_CKSUM_BAD, false, STACK_REPLY_ICMP },
		{ "icmp_echo", RTE_MBUF_F_RX_IP_CKSUM_BAD, true, STACK_DROP_IP_BAD_CKSUM },
		{ "udp_echo_7", RTE_MBUF_F_RX_L4_CKSUM_BAD, false, STACK_REPLY_UDP },
		{ "udp_echo_7", RTE_MBUF_F_RX_L4_CKSUM_BAD, true, STACK_DROP_UDP_BAD_CKSUM },
		{ "udp_cksum_wrong", RTE_MBUF_F_RX_L4_CKSUM_GOOD, false, STACK_DROP_UDP_BAD_CKSUM },
		{ "udp_cksum_wrong", RTE_MBUF_F_RX_L4_CKSUM_GOOD, true, STACK_REPLY_UDP },
		{ "udp_echo_7", RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD, true,
		  STACK_REPLY_UDP },
	};
	unsigned int baseline = rte_mempool_in_use_count(burst_pool);

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		const struct golden_case *c = golden_case_get(cases[i].name);
		struct rte_mbuf *m = burst_mbuf(c->req, c->req_len, cases[i].ol_flags);
		struct stack_stats stats = { { 0 } };
		struct stack_conf conf;
		uint16_t replies;
		char what[96];

		golden_conf_init(&conf);
		conf.rx_cksum_offload = cases[i].offload;
		snprintf(what, sizeof(what), "%s, flags %#lx, offload %s", c->name,
			 (unsigned long)cases[i].ol_flags, cases[i].offload ? "on" : "off");
		replies = stack_input_burst(&conf, &m, 1, &stats);
		assert_int_equal(stats.verdicts[cases[i].want], 1);
		if (stats.verdicts[cases[i].want] != 1)
			golden_assert_verdict(STACK_VERDICT_MAX, cases[i].want, what);
		assert_int_equal(replies, stack_verdict_is_reply(cases[i].want));
		if (replies)
			rte_pktmbuf_free(m);
		assert_int_equal(rte_mempool_in_use_count(burst_pool), baseline);
	}
}

static int
burst_setup(void **state)
{
	/*
	 * --in-memory is implied: --no-huge with --no-shconf leaves no file behind, and
	 * port_eal_init() removes the runtime directory, named apart from other DPDK processes.
	 */
	char prefix[64];
	char *argv[] = { "test_stack_burst", "--no-huge", "--no-pci", "-m", "64", "--no-shconf",
			 "-l", "0", "--log-level=*:error", prefix, NULL };
	int argc = (int)RTE_DIM(argv) - 1;

	snprintf(prefix, sizeof(prefix), "--file-prefix=bl-test-burst-%d", (int)getpid());
	if (port_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_stack_burst: rte_eal_init without hugepages failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	burst_pool = rte_pktmbuf_pool_create("stack_burst", BURST_POOL_MBUFS, BURST_POOL_CACHE, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (burst_pool == NULL) {
		fprintf(stderr, "test_stack_burst: mempool of %d mbufs: %s\n", BURST_POOL_MBUFS,
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return -1;
	}
	return 0;
}

static int
burst_teardown(void **state)
{
	unsigned int in_use;

	if (burst_pool == NULL) /* setup failed and said why */
		return 0;
	in_use = rte_mempool_in_use_count(burst_pool);
	rte_mempool_free(burst_pool);
	rte_eal_cleanup();
	/* Each test checks its own balance; a failed one leaves its mbufs behind on purpose. */
	if (in_use != 0)
		fprintf(stderr, "test_stack_burst: %u mbufs left in use by failed tests\n", in_use);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_mixed),
		cmocka_unit_test(test_burst_all_drops),
		cmocka_unit_test(test_burst_all_replies),
		cmocka_unit_test(test_burst_every_golden_case),
		cmocka_unit_test(test_burst_empty),
		cmocka_unit_test(test_burst_stats_accumulate),
		cmocka_unit_test(test_burst_multi_seg),
		cmocka_unit_test(test_burst_options_move_data_off),
		cmocka_unit_test(test_burst_cksum_offload_flags),
	};

	return cmocka_run_group_tests_name("stack_burst", tests, burst_setup, burst_teardown);
}
