/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the stack's ARP layer: requests, probes, conflicts, format checks, announce. */
#include <string.h>

#include <rte_arp.h>

#include "golden.h"

/* Bytes a gratuitous ARP fills in, wherever the buffer came from: the wire minimum. */
#define ARP_ANNOUNCE_BYTES 60

/* The announcement is RFC 5227's: broadcast request, sender = target = our address, THA zero. */
static void
test_arp_announce_golden(void **state)
{
	const struct golden_frame *want = golden_extra_get("arp_announce");
	uint8_t buf[ARP_ANNOUNCE_BYTES + 8];
	struct stack_conf conf;
	uint16_t len;

	golden_conf_init(&conf);
	memset(buf, 0xee, sizeof(buf)); /* stale bytes must not leak into the frame or padding */
	len = stack_arp_announce(&conf, buf);
	golden_assert_bytes(buf, len, want->bytes, want->len, "stack_arp_announce");
	assert_int_equal(buf[ARP_ANNOUNCE_BYTES], 0xee); /* nothing written past the frame */
}

/* The announcement comes from conf, not from constants. */
static void
test_arp_announce_follows_conf(void **state)
{
	const struct rte_ether_addr mac = { { 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f } };
	const rte_be32_t ip = GOLDEN_IPV4(198, 19, 7, 9);
	uint8_t buf[ARP_ANNOUNCE_BYTES];
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)buf;
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);
	struct stack_conf conf;

	stack_conf_init(&conf, &mac, ip, 16);
	assert_int_equal(stack_arp_announce(&conf, buf), ARP_ANNOUNCE_BYTES);
	assert_true(rte_is_broadcast_ether_addr(&eth->dst_addr));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &mac));
	assert_true(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &mac));
	assert_true(rte_is_zero_ether_addr(&arp->arp_data.arp_tha));
	assert_int_equal(arp->arp_data.arp_sip, ip);
	assert_int_equal(arp->arp_data.arp_tip, ip);
	assert_int_equal(arp->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
}

/* Our own announcement, looped back (tap, af_packet), comes from our MAC: never answered. */
static void
test_arp_own_announce_looped_back(void **state)
{
	uint8_t buf[ARP_ANNOUNCE_BYTES];
	struct stack_conf conf;
	struct golden_run run;

	golden_conf_init(&conf);
	golden_input(&conf, buf, stack_arp_announce(&conf, buf), 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_ETH_BAD_SRC, "our announcement looped back");
	golden_run_free(&run);
}

/* A request for an address we do not hold is not answered, whatever else conf serves. */
static void
test_arp_target_follows_conf_ip(void **state)
{
	const struct golden_case *c = golden_case_get("arp_request");
	const struct rte_ether_addr mac = GOLDEN_OUR_MAC;
	struct stack_conf conf;
	struct golden_run run;

	stack_conf_init(&conf, &mac, GOLDEN_IPV4(198, 18, 0, 3), GOLDEN_PREFIX_LEN);
	golden_input(&conf, c->req, c->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_ARP_NOT_FOR_US, "arp_request, conf .3");
	golden_run_free(&run);
}

/* Nothing is learned: a probe, then a request, then the probe again answer the same. */
static void
test_arp_stateless_after_probe(void **state)
{
	const char *const order[] = { "arp_probe", "arp_request", "arp_reply_unsolicited",
				       "arp_probe", "arp_request" };
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < RTE_DIM(order); i++)
		golden_check_case(&conf, golden_case_get(order[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_announce_golden),
		cmocka_unit_test(test_arp_announce_follows_conf),
		cmocka_unit_test(test_arp_own_announce_looped_back),
		cmocka_unit_test(test_arp_target_follows_conf_ip),
		cmocka_unit_test(test_arp_stateless_after_probe),
	};

	return golden_run_layer("stack_arp", "arp", tests, RTE_DIM(tests));
}
