/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the stack's entry and bookkeeping: verdict names, conf, invariants over all. */
#include <string.h>

#include "golden.h"

#define ETH_TYPE_OFS 12
#define ARP_FRAME_BYTES 42
#define ROBUSTNESS_CASES 28

/* Every verdict has a distinct, non-empty counter name; only the four reply kinds reply, only
 * tcp_taken is taken. */
static void
test_stack_verdict_names(void **state)
{
	for (int a = 0; a < STACK_VERDICT_MAX; a++) {
		const char *name = stack_verdict_name(a);

		assert_non_null(name);
		assert_true(name[0] != '\0');
		for (int b = 0; b < a; b++)
			if (strcmp(name, stack_verdict_name(b)) == 0)
				fail_msg("verdicts %d and %d are both called %s", a, b, name);
	}
	assert_string_equal(stack_verdict_name(STACK_VERDICT_MAX), "invalid");
	for (int v = 0; v < STACK_VERDICT_MAX; v++) {
		assert_int_equal(stack_verdict_is_reply(v),
				 v == STACK_REPLY_ARP || v == STACK_REPLY_ICMP ||
				 v == STACK_REPLY_UDP || v == STACK_REPLY_TCP);
		assert_int_equal(stack_verdict_is_drop(v),
				 !stack_verdict_is_reply(v) && v != STACK_TAKEN_TCP);
	}
}

static void
test_stack_conf_init(void **state)
{
	const struct rte_ether_addr mac = GOLDEN_OUR_MAC;
	struct stack_conf conf;

	stack_conf_init(&conf, &mac, GOLDEN_OUR_IP, 24);
	assert_int_equal(conf.netmask, RTE_BE32(0xffffff00));
	assert_int_equal(conf.ttl, STACK_TTL_DEFAULT);
	assert_false(conf.rx_cksum_offload);
	for (uint32_t port = 0; port <= UINT16_MAX; port++)
		assert_false(stack_udp_port_served(&conf, (uint16_t)port));
	stack_conf_add_udp_port(&conf, 0);
	stack_conf_add_udp_port(&conf, UINT16_MAX);
	for (uint32_t port = 0; port <= UINT16_MAX; port++)
		assert_int_equal(stack_udp_port_served(&conf, (uint16_t)port),
				 port == 0 || port == UINT16_MAX);
	stack_conf_init(&conf, &mac, GOLDEN_OUR_IP, 0);
	assert_int_equal(conf.netmask, 0);
	stack_conf_init(&conf, &mac, GOLDEN_OUR_IP, 32);
	assert_int_equal(conf.netmask, RTE_BE32(0xffffffff));
	stack_conf_init(&conf, &mac, GOLDEN_OUR_IP, 16);
	assert_int_equal(conf.netmask, RTE_BE32(0xffff0000));
}

/*
 * Verdicts only a TCP context can give (a connection, a cookie, a window): test_tcp.c reaches
 * each of them with segments it builds; the golden frames run without one.
 */
static bool
verdict_needs_tcp_ctx(int v)
{
	switch (v) {
	case STACK_REPLY_TCP:
	case STACK_TAKEN_TCP:
	case STACK_DROP_TCP_NO_CONN:
	case STACK_DROP_TCP_TCB_FULL:
	case STACK_DROP_TCP_OOO:
	case STACK_DROP_TCP_OUT_OF_WINDOW:
	case STACK_DROP_TCP_ACK_UNSENT:
	case STACK_DROP_TCP_RST_IGNORED:
	case STACK_DROP_TCP_CHALLENGE_LIMIT:
	case STACK_DROP_TCP_AFTER_CLOSE:
	case STACK_DROP_TCP_NO_BUF:
		return true;
	default:
		return false;
	}
}

/* The golden set covers every numbered case of ROBUSTNESS.md and every verdict but multi_seg
 * and those that need a TCP context. */
static void
test_stack_golden_coverage(void **state)
{
	uint32_t cases = 0;
	bool seen[STACK_VERDICT_MAX] = { false };

	for (size_t i = 0; i < golden_case_count(); i++) {
		cases |= golden_case_at(i)->robustness;
		seen[golden_case_at(i)->verdict] = true;
	}
	for (int n = 1; n <= ROBUSTNESS_CASES; n++)
		if (!(cases & (1u << n)))
			fail_msg("no golden frame for ROBUSTNESS.md case %d", n);
	for (int v = 0; v < STACK_VERDICT_MAX; v++)
		if (!seen[v] && v != STACK_DROP_MULTI_SEG && /* that one is the burst entry's */
		    !verdict_needs_tcp_ctx(v))
			fail_msg("no golden frame ends in %s", stack_verdict_name(v));
}

/* ROBUSTNESS 28: no reply is longer than its request, for every golden request. */
static void
test_stack_reply_never_longer(void **state)
{
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < golden_case_count(); i++) {
		const struct golden_case *c = golden_case_at(i);
		struct golden_run run;

		golden_input(&conf, c->req, c->req_len, 0, &run);
		if (stack_verdict_is_reply(run.verdict) && run.pkt.len > c->req_len)
			fail_msg("%s: %u-byte reply to a %u-byte request", c->name, run.pkt.len,
				 c->req_len);
		golden_run_free(&run);
	}
}

/* The bytes a request means: the IP datagram, or the ARP packet, without padding. */
static uint16_t
meaningful_len(const struct golden_case *c)
{
	if (c->req[ETH_TYPE_OFS] == 0x08 && c->req[ETH_TYPE_OFS + 1] == 0x06)
		return ARP_FRAME_BYTES;
	return GOLDEN_ETH_HDR_BYTES + golden_ip_total(c->req);
}

/*
 * Every request that gets a reply, cut short at every length that loses part of what it means,
 * is dropped: lengths come from the bytes present, never from the header alone (ROBUSTNESS 12).
 * Each prefix sits in a buffer of exactly its length, so a sanitizer build sees any over-read.
 */
static void
test_stack_truncated_replies_dropped(void **state)
{
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < golden_case_count(); i++) {
		const struct golden_case *c = golden_case_at(i);

		if (c->reply == NULL)
			continue;
		for (uint16_t len = 0; len < meaningful_len(c); len++) {
			struct golden_run run;

			golden_input(&conf, c->req, len, 0, &run);
			if (stack_verdict_is_reply(run.verdict))
				fail_msg("%s cut to %u of %u bytes: replied (%s)", c->name, len,
					 c->req_len, stack_verdict_name(run.verdict));
			golden_run_free(&run);
		}
	}
}

/* Every golden drop is also dropped at every shorter length, and nothing crashes on the way. */
static void
test_stack_truncated_drops_dropped(void **state)
{
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < golden_case_count(); i++) {
		const struct golden_case *c = golden_case_at(i);

		if (c->reply != NULL)
			continue;
		for (uint16_t len = 0; len < c->req_len; len++) {
			struct golden_run run;

			golden_input(&conf, c->req, len, 0, &run);
			if (stack_verdict_is_reply(run.verdict))
				fail_msg("%s cut to %u of %u bytes: replied (%s)", c->name, len,
					 c->req_len, stack_verdict_name(run.verdict));
			golden_run_free(&run);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_verdict_names),
		cmocka_unit_test(test_stack_conf_init),
		cmocka_unit_test(test_stack_golden_coverage),
		cmocka_unit_test(test_stack_reply_never_longer),
		cmocka_unit_test(test_stack_truncated_replies_dropped),
		cmocka_unit_test(test_stack_truncated_drops_dropped),
	};

	return cmocka_run_group_tests_name("stack", tests, NULL, NULL);
}
