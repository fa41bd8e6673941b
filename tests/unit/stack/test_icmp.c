/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the stack's ICMP layer: echo of every size, types and codes, checksums. */
#include <stdlib.h>
#include <string.h>

#include "golden.h"

#define ICMP_OFS (GOLDEN_ETH_HDR_BYTES + GOLDEN_IP_HDR_BYTES)
#define ICMP_HDR_BYTES 8
#define ICMP_TYPE_ECHO_REQUEST 8
#define ICMP_TYPE_ECHO_REPLY 0
#define ICMP_MAX_DATA_BYTES 1472 /* 1500-byte IP MTU less 20 (IP) and 8 (ICMP) */

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute the IP header and ICMP checksums of an option-less frame, here, not in the stack. */
static void
fix_cksums(uint8_t *frame)
{
	uint8_t *ip = frame + GOLDEN_ETH_HDR_BYTES;
	uint16_t total = golden_ip_total(frame);

	put_be16(ip + 10, 0);
	put_be16(ip + 10, golden_cksum(ip, GOLDEN_IP_HDR_BYTES, 0));
	put_be16(frame + ICMP_OFS + 2, 0);
	put_be16(frame + ICMP_OFS + 2,
		 golden_cksum(frame + ICMP_OFS, total - GOLDEN_IP_HDR_BYTES, 0));
}

/* Only an echo request (type 8) is answered; every other type, valid checksum or not, is not. */
static void
test_icmp_only_type_8_answered(void **state)
{
	const struct golden_case *c = golden_case_get("icmp_echo");
	uint8_t *frame = malloc(c->req_len);
	struct stack_conf conf;

	assert_non_null(frame);
	golden_conf_init(&conf);
	for (unsigned int type = 0; type <= UINT8_MAX; type++) {
		struct golden_run run;

		memcpy(frame, c->req, c->req_len);
		frame[ICMP_OFS] = (uint8_t)type;
		fix_cksums(frame);
		golden_input(&conf, frame, c->req_len, 0, &run);
		if (type == ICMP_TYPE_ECHO_REQUEST)
			golden_assert_verdict(run.verdict, STACK_REPLY_ICMP, "echo request");
		else if (run.verdict != STACK_DROP_ICMP_NOT_ECHO)
			fail_msg("ICMP type %u: verdict %s, expected icmp_not_echo", type,
				 stack_verdict_name(run.verdict));
		golden_run_free(&run);
	}
	free(frame);
}

/* An echo request with any code but 0 is dropped (ROBUSTNESS 22). */
static void
test_icmp_every_nonzero_code_dropped(void **state)
{
	const struct golden_case *c = golden_case_get("icmp_echo");
	uint8_t *frame = malloc(c->req_len);
	struct stack_conf conf;

	assert_non_null(frame);
	golden_conf_init(&conf);
	for (unsigned int code = 1; code <= UINT8_MAX; code++) {
		struct golden_run run;

		memcpy(frame, c->req, c->req_len);
		frame[ICMP_OFS + 1] = (uint8_t)code;
		fix_cksums(frame);
		golden_input(&conf, frame, c->req_len, 0, &run);
		if (run.verdict != STACK_DROP_ICMP_BAD_CODE)
			fail_msg("echo code %u: verdict %s, expected icmp_bad_code", code,
				 stack_verdict_name(run.verdict));
		golden_run_free(&run);
	}
	free(frame);
}

/*
 * Every data length from 0 to the MTU's 1472 bytes, odd ones included: the reply has the
 * request's length and data, type 0, our address as source, and checksums that verify
 * (ROBUSTNESS 20, 23, 28).
 */
static void
test_icmp_every_data_length(void **state)
{
	const struct golden_case *c = golden_case_get("icmp_mtu_1500");
	uint8_t *frame = malloc(c->req_len);
	struct stack_conf conf;

	assert_non_null(frame);
	golden_conf_init(&conf);
	for (uint16_t n = 0; n <= ICMP_MAX_DATA_BYTES; n++) {
		const uint16_t len = ICMP_OFS + ICMP_HDR_BYTES + n;
		struct golden_run run;
		const uint8_t *r;

		memcpy(frame, c->req, len);
		put_be16(frame + GOLDEN_ETH_HDR_BYTES + 2, GOLDEN_IP_HDR_BYTES + ICMP_HDR_BYTES + n);
		fix_cksums(frame);
		golden_input(&conf, frame, len, 0, &run);
		if (run.verdict != STACK_REPLY_ICMP)
			fail_msg("ping with %u data bytes: verdict %s", n,
				 stack_verdict_name(run.verdict));
		assert_int_equal(run.pkt.len, len);
		r = run.pkt.data;
		assert_memory_equal(r, frame + 6, 6);                        /* to the sender */
		assert_memory_equal(r + 26, frame + 30, 4);                  /* from dst */
		assert_memory_equal(r + 30, frame + 26, 4);                  /* to src */
		assert_int_equal(r[ICMP_OFS], ICMP_TYPE_ECHO_REPLY);
		assert_memory_equal(r + ICMP_OFS + 4, frame + ICMP_OFS + 4, 4 + n); /* id, seq, data */
		assert_int_equal(golden_cksum(r + GOLDEN_ETH_HDR_BYTES, GOLDEN_IP_HDR_BYTES, 0), 0);
		if (golden_cksum(r + ICMP_OFS, ICMP_HDR_BYTES + n, 0) != 0)
			fail_msg("ping with %u data bytes: reply ICMP checksum %02x%02x does not verify",
				 n, r[ICMP_OFS + 2], r[ICMP_OFS + 3]);
		golden_run_free(&run);
	}
	free(frame);
}

/*
 * Every echo reply the stack writes for a golden request carries an ICMP checksum that verifies
 * by RFC 1071, computed here independently of the golden bytes.
 */
static void
test_icmp_reply_cksums_verify(void **state)
{
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < golden_case_count(); i++) {
		const struct golden_case *c = golden_case_at(i);
		struct golden_run run;
		uint16_t total;

		if (c->verdict != STACK_REPLY_ICMP)
			continue;
		golden_input(&conf, c->req, c->req_len, 0, &run);
		golden_assert_verdict(run.verdict, STACK_REPLY_ICMP, c->name);
		total = golden_ip_total(run.pkt.data);
		if (golden_cksum(run.pkt.data + ICMP_OFS, total - GOLDEN_IP_HDR_BYTES, 0) != 0)
			fail_msg("%s: reply ICMP checksum %02x%02x does not verify", c->name,
				 run.pkt.data[ICMP_OFS + 2], run.pkt.data[ICMP_OFS + 3]);
		golden_run_free(&run);
	}
}

/* No single flipped bit in the ICMP message gets a reply, odd lengths included (ROBUSTNESS 20). */
static void
test_icmp_bit_flips_dropped(void **state)
{
	const char *const names[] = { "icmp_echo", "icmp_odd_57", "icmp_zero_data" };
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < RTE_DIM(names); i++) {
		const struct golden_case *c = golden_case_get(names[i]);

		golden_assert_flips_dropped(&conf, c, ICMP_OFS, c->req_len);
	}
}

/* L4 offload flags speak of TCP and UDP: a GOOD one does not make a bad ICMP checksum good. */
static void
test_icmp_l4_flags_do_not_vouch(void **state)
{
	const struct golden_case *c = golden_case_get("icmp_bad_cksum");
	struct stack_conf conf;
	struct golden_run run;

	golden_conf_init(&conf);
	conf.rx_cksum_offload = true;
	golden_input(&conf, c->req, c->req_len,
		     RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD, &run);
	golden_assert_verdict(run.verdict, STACK_DROP_ICMP_BAD_CKSUM, c->name);
	golden_run_free(&run);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_only_type_8_answered),
		cmocka_unit_test(test_icmp_every_nonzero_code_dropped),
		cmocka_unit_test(test_icmp_every_data_length),
		cmocka_unit_test(test_icmp_reply_cksums_verify),
		cmocka_unit_test(test_icmp_bit_flips_dropped),
		cmocka_unit_test(test_icmp_l4_flags_do_not_vouch),
	};

	return golden_run_layer("stack_icmp", "icmp", tests, RTE_DIM(tests));
}
