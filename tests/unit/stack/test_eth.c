/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the stack's Ethernet layer: short frames, addresses, EtherTypes, padding. */
#include <stdlib.h>
#include <string.h>

#include "golden.h"

/* Every length below a full Ethernet header, down to 0, is a short frame (ROBUSTNESS 1). */
static void
test_eth_every_short_length(void **state)
{
	const struct golden_case *c = golden_case_get("icmp_echo");
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (uint16_t len = 0; len < GOLDEN_ETH_HDR_BYTES; len++) {
		struct golden_run run;

		golden_input(&conf, c->req, len, 0, &run);
		golden_assert_verdict(run.verdict, STACK_DROP_ETH_SHORT, "prefix of icmp_echo");
		golden_run_free(&run);
	}
}

/* l2_bcast is the stack's to set: a stale true from the caller must not drop a unicast frame. */
static void
test_eth_stale_l2_bcast_ignored(void **state)
{
	const struct golden_case *c = golden_case_get("icmp_echo");
	struct stack_conf conf;
	uint8_t *buf = malloc(c->req_len);
	struct stack_pkt pkt;

	assert_non_null(buf);
	golden_conf_init(&conf);
	memcpy(buf, c->req, c->req_len);
	pkt = (struct stack_pkt){ .data = buf, .len = c->req_len, .l2_bcast = true };
	golden_assert_verdict(stack_input(&conf, &pkt), STACK_REPLY_ICMP, "icmp_echo, l2_bcast set");
	golden_assert_bytes(pkt.data, pkt.len, c->reply, c->reply_len, "icmp_echo, l2_bcast set");
	free(buf);
}

/* The destination check follows conf->mac, not a constant: another MAC makes us deaf to it. */
static void
test_eth_dst_follows_conf_mac(void **state)
{
	const struct rte_ether_addr other = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 } };
	const struct golden_case *c = golden_case_get("icmp_echo");
	struct stack_conf conf;
	struct golden_run run;

	stack_conf_init(&conf, &other, GOLDEN_OUR_IP, GOLDEN_PREFIX_LEN);
	stack_conf_add_udp_port(&conf, STACK_UDP_ECHO_PORT);
	golden_input(&conf, c->req, c->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_ETH_NOT_FOR_US, "icmp_echo to another MAC");
	golden_run_free(&run);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_every_short_length),
		cmocka_unit_test(test_eth_stale_l2_bcast_ignored),
		cmocka_unit_test(test_eth_dst_follows_conf_mac),
	};

	return golden_run_layer("stack_eth", "eth", tests, RTE_DIM(tests));
}
