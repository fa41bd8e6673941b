/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the stack's IPv4 layer: header checks, offload flags, options, TTL, netmask. */
#include <string.h>

#include "golden.h"

#define IP_OPTIONS_40_BYTES 40

/* The PMD's verdict on the IP checksum wins over the bytes (ROBUSTNESS 13 with offload). */
static void
test_ipv4_offload_ip_cksum_flags(void **state)
{
	golden_expect_offload("icmp_echo", RTE_MBUF_F_RX_IP_CKSUM_BAD, STACK_DROP_IP_BAD_CKSUM);
	golden_expect_offload("udp_echo_7", RTE_MBUF_F_RX_IP_CKSUM_BAD, STACK_DROP_IP_BAD_CKSUM);
	golden_expect_offload("ip_bad_cksum", RTE_MBUF_F_RX_IP_CKSUM_GOOD, STACK_REPLY_ICMP);
	golden_expect_offload("ip_bad_cksum", RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
			      STACK_DROP_IP_BAD_CKSUM);
	golden_expect_offload("icmp_echo", RTE_MBUF_F_RX_IP_CKSUM_GOOD, STACK_REPLY_ICMP);
}

/* A GOOD flag vouches for the checksum only: every length check still runs (ROBUSTNESS 12). */
static void
test_ipv4_offload_good_keeps_length_checks(void **state)
{
	const uint64_t good = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;

	golden_expect_offload("ip_short_19", good, STACK_DROP_IP_SHORT);
	golden_expect_offload("ip_version_6_bad_cksum", good, STACK_DROP_IP_VERSION);
	golden_expect_offload("ip_ihl_4_bad_cksum", good, STACK_DROP_IP_BAD_IHL);
	golden_expect_offload("ip_ihl_15_beyond_data", good, STACK_DROP_IP_HDR_TRUNC);
	golden_expect_offload("ip_ihl_6_beyond_total", good, STACK_DROP_IP_BAD_LEN);
	golden_expect_offload("ip_total_beyond_frame", good, STACK_DROP_IP_BAD_LEN);
	golden_expect_offload("ip_frag_first_mf", good, STACK_DROP_IP_FRAGMENT);
	golden_expect_offload("ip_martian_src_loopback", good, STACK_DROP_IP_MARTIAN_SRC);
}

/* One's complement sums catch every single-bit error: no flipped header bit gets a reply. */
static void
test_ipv4_header_bit_flips_dropped(void **state)
{
	struct stack_conf conf;

	golden_conf_init(&conf);
	golden_assert_flips_dropped(&conf, golden_case_get("icmp_echo"), GOLDEN_ETH_HDR_BYTES,
				    GOLDEN_ETH_HDR_BYTES + GOLDEN_IP_HDR_BYTES);
	golden_assert_flips_dropped(&conf, golden_case_get("ip_options_ra_ping"),
				    GOLDEN_ETH_HDR_BYTES, GOLDEN_ETH_HDR_BYTES + 24);
}

/* The reply's TTL is conf->ttl, and its header checksum is right for it (ROBUSTNESS 16). */
static void
test_ipv4_reply_ttl_follows_conf(void **state)
{
	const char *const names[] = { "ip_ttl_0", "ip_ttl_1", "ip_ttl_255", "ip_options_ra_ping",
				      "udp_len_below_ip_payload" };
	const uint8_t ttls[] = { 1, 32, 255 };
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t t = 0; t < RTE_DIM(ttls); t++) {
		conf.ttl = ttls[t];
		for (size_t i = 0; i < RTE_DIM(names); i++) {
			const struct golden_case *c = golden_case_get(names[i]);
			struct golden_run run;
			const uint8_t *ip;

			golden_input(&conf, c->req, c->req_len, 0, &run);
			assert_true(stack_verdict_is_reply(run.verdict));
			ip = run.pkt.data + GOLDEN_ETH_HDR_BYTES;
			assert_int_equal(ip[8], ttls[t]);
			assert_int_equal(ip[0], 0x45);
			assert_int_equal(golden_cksum(ip, GOLDEN_IP_HDR_BYTES, 0), 0);
			golden_run_free(&run);
		}
	}
}

/* Options go by moving the headers forward: the L4 bytes stay put, data moves (ROBUSTNESS 15). */
static void
test_ipv4_options_move_data(void **state)
{
	const struct golden_case *c = golden_case_get("ip_options_40_nop_udp");
	const uint16_t l4_ofs = GOLDEN_ETH_HDR_BYTES + GOLDEN_IP_HDR_BYTES + IP_OPTIONS_40_BYTES;
	struct stack_conf conf;
	struct golden_run run;

	golden_conf_init(&conf);
	golden_input(&conf, c->req, c->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_REPLY_UDP, c->name);
	assert_ptr_equal(run.pkt.data, run.buf + IP_OPTIONS_40_BYTES);
	assert_int_equal(run.pkt.len, c->req_len - IP_OPTIONS_40_BYTES);
	/* The UDP payload was not copied: it is still where the request had it. */
	assert_memory_equal(run.buf + l4_ofs + 8, c->req + l4_ofs + 8, c->req_len - l4_ofs - 8);
	golden_assert_bytes(run.pkt.data, run.pkt.len, c->reply, c->reply_len, c->name);
	golden_run_free(&run);
}

/* Broadcast and martian checks follow conf's prefix, not a hard-wired /24 (ROBUSTNESS 17, 18). */
static void
test_ipv4_netmask_follows_conf(void **state)
{
	const struct rte_ether_addr mac = GOLDEN_OUR_MAC;
	struct stack_conf conf;
	struct golden_run run;

	stack_conf_init(&conf, &mac, GOLDEN_OUR_IP, 16);
	/* In 198.18.0.0/16, 198.18.0.255 is an ordinary host. */
	golden_input(&conf, golden_case_get("ip_martian_src_subnet_bcast")->req,
		     golden_case_get("ip_martian_src_subnet_bcast")->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_REPLY_ICMP, "src 198.18.0.255 in a /16");
	assert_int_equal(golden_cksum(run.pkt.data + GOLDEN_ETH_HDR_BYTES, GOLDEN_IP_HDR_BYTES, 0),
			 0);
	golden_run_free(&run);
	golden_input(&conf, golden_case_get("ip_dst_subnet_bcast_l2_unicast")->req,
		     golden_case_get("ip_dst_subnet_bcast_l2_unicast")->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_IP_NOT_FOR_US, "dst 198.18.0.255 in a /16");
	golden_run_free(&run);
	/* The limited broadcast and multicast stay broadcast under any prefix. */
	golden_input(&conf, golden_case_get("ip_dst_limited_bcast")->req,
		     golden_case_get("ip_dst_limited_bcast")->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_IP_BCAST, "dst 255.255.255.255 in a /16");
	golden_run_free(&run);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_offload_ip_cksum_flags),
		cmocka_unit_test(test_ipv4_offload_good_keeps_length_checks),
		cmocka_unit_test(test_ipv4_header_bit_flips_dropped),
		cmocka_unit_test(test_ipv4_reply_ttl_follows_conf),
		cmocka_unit_test(test_ipv4_options_move_data),
		cmocka_unit_test(test_ipv4_netmask_follows_conf),
	};

	return golden_run_layer("stack_ipv4", "ipv4", tests, RTE_DIM(tests));
}
