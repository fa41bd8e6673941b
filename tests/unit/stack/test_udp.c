/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the stack's UDP layer: lengths, checksums, offload flags, ports. */
#include <stdlib.h>
#include <string.h>

#include "golden.h"

#define UDP_OFS (GOLDEN_ETH_HDR_BYTES + GOLDEN_IP_HDR_BYTES)
#define UDP_HDR_BYTES 8
#define UDP_PROTO 17

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's complement sum of the pseudo-header of an option-less frame's UDP datagram. */
static uint32_t
pseudo_sum(const uint8_t *frame, uint16_t udp_len)
{
	const uint8_t *ip = frame + GOLDEN_ETH_HDR_BYTES;

	return (uint32_t)get_be16(ip + 12) + get_be16(ip + 14) + get_be16(ip + 16) +
	       get_be16(ip + 18) + UDP_PROTO + udp_len;
}

/* True when the UDP checksum of an option-less frame is absent (0) or verifies. */
static bool
udp_cksum_verifies(const uint8_t *frame)
{
	uint16_t udp_len = get_be16(frame + UDP_OFS + 4);

	return get_be16(frame + UDP_OFS + 6) == 0 ||
	       golden_cksum(frame + UDP_OFS, udp_len, pseudo_sum(frame, udp_len)) == 0;
}

/*
 * RX checksum NONE (virtio; af_packet over veth with CHECKSUM_PARTIAL): the PMD vouches for the
 * data but the checksum fields hold partial sums. The echo is accepted and goes out with full,
 * valid IP and UDP checksums, so the receiver need not trust anything.
 */
static void
test_udp_offload_cksum_none_fixed(void **state)
{
	const uint64_t none = RTE_MBUF_F_RX_IP_CKSUM_NONE | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	const struct golden_case *c = golden_case_get("udp_echo_7");
	uint8_t frame[2048];
	uint16_t udp_len = get_be16(c->req + UDP_OFS + 4);
	uint32_t partial = pseudo_sum(c->req, udp_len);
	struct stack_conf conf;
	struct golden_run run;

	assert_true(c->req_len <= sizeof(frame));
	memcpy(frame, c->req, c->req_len);
	/* What a sender with checksum offload leaves: the folded pseudo-header sum, IP sum 0. */
	partial = (partial & 0xffff) + (partial >> 16);
	put_be16(frame + UDP_OFS + 6, (uint16_t)partial);
	put_be16(frame + GOLDEN_ETH_HDR_BYTES + 10, 0);

	golden_conf_init(&conf);
	conf.rx_cksum_offload = true;
	golden_input(&conf, frame, c->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_IP_BAD_CKSUM, "partial sums, no flags");
	golden_run_free(&run);

	golden_input(&conf, frame, c->req_len, none, &run);
	golden_assert_verdict(run.verdict, STACK_REPLY_UDP, "partial sums, NONE flags");
	golden_assert_bytes(run.pkt.data, run.pkt.len, c->reply, c->reply_len, "udp_echo_7 fixed");
	assert_int_equal(golden_cksum(run.pkt.data + GOLDEN_ETH_HDR_BYTES, GOLDEN_IP_HDR_BYTES, 0),
			 0);
	assert_true(udp_cksum_verifies(run.pkt.data));
	golden_run_free(&run);
}

/*
 * A datagram shorter than its IP payload: a PMD that sums the whole payload (net_tap does) calls
 * a good one BAD and a forged one GOOD. The stack then sums the datagram itself (ROBUSTNESS 25,
 * 26): the good one is trimmed and echoed, the forged one dropped, whatever the flag says.
 */
static void
test_udp_offload_flag_ignored_when_trimmed(void **state)
{
	const struct golden_case *c = golden_case_get("udp_len_below_ip_payload");
	uint8_t frame[2048];
	struct stack_conf conf;
	struct golden_run run;

	golden_conf_init(&conf);
	conf.rx_cksum_offload = true;
	golden_input(&conf, c->req, c->req_len, RTE_MBUF_F_RX_L4_CKSUM_BAD, &run);
	golden_assert_verdict(run.verdict, STACK_REPLY_UDP, "trimmed, PMD says BAD");
	golden_assert_bytes(run.pkt.data, run.pkt.len, c->reply, c->reply_len, c->name);
	golden_run_free(&run);

	assert_true(c->req_len <= sizeof(frame));
	memcpy(frame, c->req, c->req_len);
	frame[UDP_OFS + UDP_HDR_BYTES] ^= 0x01; /* corrupt the datagram's first data byte */
	golden_input(&conf, frame, c->req_len, RTE_MBUF_F_RX_L4_CKSUM_GOOD, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_UDP_BAD_CKSUM,
			      "trimmed, corrupt, PMD says GOOD");
	golden_run_free(&run);
}

/* The PMD's verdict on the L4 checksum wins over the bytes (ROBUSTNESS 26 with offload). */
static void
test_udp_offload_l4_cksum_flags(void **state)
{
	const uint64_t good = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;

	golden_expect_offload("udp_echo_7", RTE_MBUF_F_RX_L4_CKSUM_BAD, STACK_DROP_UDP_BAD_CKSUM);
	golden_expect_offload("udp_echo_7", good, STACK_REPLY_UDP);
	golden_expect_offload("udp_cksum_wrong", RTE_MBUF_F_RX_L4_CKSUM_GOOD, STACK_REPLY_UDP);
	golden_expect_offload("udp_cksum_wrong", RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN,
			      STACK_DROP_UDP_BAD_CKSUM);
	golden_expect_offload("udp_mtu_1472", good, STACK_REPLY_UDP);
	golden_expect_offload("ip_options_udp_trim", good, STACK_REPLY_UDP);
	/* A GOOD flag vouches for the sum only: lengths and ports are still checked. */
	golden_expect_offload("udp_len_beyond_ip_payload", good, STACK_DROP_UDP_BAD_LEN);
	golden_expect_offload("udp_len_7", good, STACK_DROP_UDP_SHORT);
	golden_expect_offload("udp_src_port_7", good, STACK_DROP_UDP_BAD_SRC_PORT);
	golden_expect_offload("udp_port_closed_9", good, STACK_DROP_UDP_PORT_CLOSED);
}

/* The served ports come from conf: 7 alone, 9000 alone, none (ROBUSTNESS 27). */
static void
test_udp_ports_follow_conf(void **state)
{
	const struct rte_ether_addr mac = GOLDEN_OUR_MAC;
	const struct golden_case *p7 = golden_case_get("udp_echo_7");
	const struct golden_case *p9000 = golden_case_get("udp_echo_9000");
	struct stack_conf conf;
	struct golden_run run;

	stack_conf_init(&conf, &mac, GOLDEN_OUR_IP, GOLDEN_PREFIX_LEN);
	golden_input(&conf, p7->req, p7->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_UDP_PORT_CLOSED, "port 7, none served");
	golden_run_free(&run);

	stack_conf_add_udp_port(&conf, GOLDEN_UDP_PORT_ALT);
	golden_input(&conf, p7->req, p7->req_len, 0, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_UDP_PORT_CLOSED, "port 7, 9000 served");
	golden_run_free(&run);
	golden_check_case(&conf, p9000);

	stack_conf_add_udp_port(&conf, STACK_UDP_ECHO_PORT);
	golden_check_case(&conf, p7);
}

/* Every source port: only 0, 7, 13 and 19 are refused (ROBUSTNESS 27). */
static void
test_udp_every_src_port(void **state)
{
	const struct golden_case *c = golden_case_get("udp_cksum_0");
	uint8_t *frame = malloc(c->req_len);
	struct stack_conf conf;

	assert_non_null(frame);
	golden_conf_init(&conf);
	for (uint32_t port = 0; port <= UINT16_MAX; port++) {
		bool reflector = port == 0 || port == 7 || port == 13 || port == 19;
		struct golden_run run;

		memcpy(frame, c->req, c->req_len);
		put_be16(frame + UDP_OFS, (uint16_t)port);
		golden_input(&conf, frame, c->req_len, 0, &run);
		if (run.verdict != (reflector ? STACK_DROP_UDP_BAD_SRC_PORT : STACK_REPLY_UDP))
			fail_msg("source port %u: verdict %s", port, stack_verdict_name(run.verdict));
		if (!reflector)
			assert_int_equal(get_be16(run.pkt.data + UDP_OFS + 2), port);
		golden_run_free(&run);
	}
	free(frame);
}

/* Every destination port: only the served ones (7, 9000) answer (ROBUSTNESS 27). */
static void
test_udp_every_dst_port(void **state)
{
	const struct golden_case *c = golden_case_get("udp_cksum_0");
	uint8_t *frame = malloc(c->req_len);
	struct stack_conf conf;

	assert_non_null(frame);
	golden_conf_init(&conf);
	for (uint32_t port = 0; port <= UINT16_MAX; port++) {
		bool served = port == STACK_UDP_ECHO_PORT || port == GOLDEN_UDP_PORT_ALT;
		struct golden_run run;

		memcpy(frame, c->req, c->req_len);
		put_be16(frame + UDP_OFS + 2, (uint16_t)port);
		golden_input(&conf, frame, c->req_len, 0, &run);
		if (run.verdict != (served ? STACK_REPLY_UDP : STACK_DROP_UDP_PORT_CLOSED))
			fail_msg("destination port %u: verdict %s", port,
				 stack_verdict_name(run.verdict));
		if (served)
			assert_int_equal(get_be16(run.pkt.data + UDP_OFS), port);
		golden_run_free(&run);
	}
	free(frame);
}

/*
 * Every UDP length from 8 to the whole 1480-byte IP payload, checksum computed here: the reply
 * holds exactly that many bytes, its IP length and checksum are fixed, its UDP checksum still
 * verifies (ROBUSTNESS 25, 26).
 */
static void
test_udp_every_length_trimmed(void **state)
{
	const struct golden_case *c = golden_case_get("udp_mtu_1472");
	const uint16_t payload = golden_ip_total(c->req) - GOLDEN_IP_HDR_BYTES;
	uint8_t *frame = malloc(c->req_len);
	struct stack_conf conf;

	assert_non_null(frame);
	golden_conf_init(&conf);
	for (uint16_t udp_len = UDP_HDR_BYTES; udp_len <= payload; udp_len++) {
		struct golden_run run;
		uint16_t ck;
		const uint8_t *r;

		memcpy(frame, c->req, c->req_len);
		put_be16(frame + UDP_OFS + 4, udp_len);
		put_be16(frame + UDP_OFS + 6, 0);
		ck = golden_cksum(frame + UDP_OFS, udp_len, pseudo_sum(frame, udp_len));
		put_be16(frame + UDP_OFS + 6, ck == 0 ? 0xffff : ck);
		golden_input(&conf, frame, c->req_len, 0, &run);
		if (run.verdict != STACK_REPLY_UDP)
			fail_msg("UDP length %u in a %u-byte payload: verdict %s", udp_len, payload,
				 stack_verdict_name(run.verdict));
		r = run.pkt.data;
		assert_int_equal(run.pkt.len, UDP_OFS + udp_len);
		assert_int_equal(golden_ip_total(r), GOLDEN_IP_HDR_BYTES + udp_len);
		assert_int_equal(golden_cksum(r + GOLDEN_ETH_HDR_BYTES, GOLDEN_IP_HDR_BYTES, 0), 0);
		assert_memory_equal(r + UDP_OFS + 4, frame + UDP_OFS + 4, udp_len - 4);
		assert_true(udp_cksum_verifies(r));
		golden_run_free(&run);
	}
	free(frame);
}

/* No single flipped bit in a checksummed datagram gets a reply (ROBUSTNESS 26). */
static void
test_udp_bit_flips_dropped(void **state)
{
	const char *const names[] = { "udp_echo_7", "udp_cksum_computes_to_0", "udp_empty" };
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < RTE_DIM(names); i++) {
		const struct golden_case *c = golden_case_get(names[i]);

		golden_assert_flips_dropped(&conf, c, UDP_OFS, c->req_len);
	}
}

/* Every UDP reply the stack writes for a golden request verifies, computed independently. */
static void
test_udp_reply_cksums_verify(void **state)
{
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < golden_case_count(); i++) {
		const struct golden_case *c = golden_case_at(i);
		struct golden_run run;

		if (c->verdict != STACK_REPLY_UDP)
			continue;
		golden_input(&conf, c->req, c->req_len, 0, &run);
		golden_assert_verdict(run.verdict, STACK_REPLY_UDP, c->name);
		if (!udp_cksum_verifies(run.pkt.data))
			fail_msg("%s: reply UDP checksum does not verify", c->name);
		golden_run_free(&run);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_offload_l4_cksum_flags),
		cmocka_unit_test(test_udp_offload_cksum_none_fixed),
		cmocka_unit_test(test_udp_offload_flag_ignored_when_trimmed),
		cmocka_unit_test(test_udp_ports_follow_conf),
		cmocka_unit_test(test_udp_every_src_port),
		cmocka_unit_test(test_udp_every_dst_port),
		cmocka_unit_test(test_udp_every_length_trimmed),
		cmocka_unit_test(test_udp_bit_flips_dropped),
		cmocka_unit_test(test_udp_reply_cksums_verify),
	};

	return golden_run_layer("stack_udp", "udp", tests, RTE_DIM(tests));
}
