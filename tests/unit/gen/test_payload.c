/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the payload format: round trip, golden bytes, and every corruption caught. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "gen/payload.h"

#define TEST_KEY UINT64_C(0x0123456789abcdef)
#define MAX_TEST_SIZE 9000u

static const uint32_t test_sizes[] = { 18, 19, 64, 1472, MAX_TEST_SIZE };

/* flow 3, seq 0x0102030405, ts 0x0a0b0c0d0e0f, key TEST_KEY, 18 bytes; crafted once. */
static const uint8_t golden_18[GEN_HDR_BYTES] = {
	0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x03, 0x00,	/* id: seq LE48, flow LE16 */
	0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a,		/* ts LE48 */
	0x5b, 0x7f, 0xce, 0x96,			/* check LE32 */
};

static void
test_golden(void **state)
{
	struct gen_payload_fmt f;
	struct gen_payload_hdr h;
	uint8_t buf[64];
	char err[128];

	assert_int_equal(gen_payload_init(&f, GEN_HDR_BYTES, TEST_KEY, err, sizeof(err)), 0);
	gen_payload_write(&f, buf, 3, UINT64_C(0x0102030405), UINT64_C(0x0a0b0c0d0e0f));
	assert_memory_equal(buf, golden_18, sizeof(golden_18));
	assert_int_equal(gen_payload_check(&f, golden_18, sizeof(golden_18), &h), GEN_PAYLOAD_OK);
	assert_int_equal(h.flow, 3);
	assert_int_equal(h.seq, UINT64_C(0x0102030405));
	assert_int_equal(h.ts, UINT64_C(0x0a0b0c0d0e0f));
	gen_payload_fini(&f);
}

static void
test_round_trip(void **state)
{
	static uint8_t buf[MAX_TEST_SIZE];
	char err[128];

	for (size_t i = 0; i < sizeof(test_sizes) / sizeof(test_sizes[0]); i++) {
		struct gen_payload_fmt f;
		struct gen_payload_hdr h;

		assert_int_equal(gen_payload_init(&f, test_sizes[i], 0, err, sizeof(err)), 0);
		for (uint64_t seq = 0; seq < 600; seq += 7) {
			uint16_t flow = (uint16_t)(seq * 13);
			uint64_t ts = seq * 1000003;

			gen_payload_write(&f, buf, flow, seq, ts);
			assert_int_equal(gen_payload_check(&f, buf, f.size, &h), GEN_PAYLOAD_OK);
			assert_int_equal(h.flow, flow);
			assert_int_equal(h.seq, seq);
			assert_int_equal(h.ts, ts);
		}
		/* Largest values the fields hold survive; wider ones are masked. */
		gen_payload_write(&f, buf, UINT16_MAX, GEN_SEQ_MASK, GEN_TS_MASK + 5);
		assert_int_equal(gen_payload_check(&f, buf, f.size, &h), GEN_PAYLOAD_OK);
		assert_int_equal(h.flow, UINT16_MAX);
		assert_int_equal(h.seq, GEN_SEQ_MASK);
		assert_int_equal(h.ts, 4);
		gen_payload_fini(&f);
	}
}

/* Every bit of every byte flipped, one at a time: never accepted. */
static void
test_flipped_bit_anywhere(void **state)
{
	static uint8_t buf[MAX_TEST_SIZE];
	char err[128];

	for (size_t i = 0; i < sizeof(test_sizes) / sizeof(test_sizes[0]); i++) {
		struct gen_payload_fmt f;
		struct gen_payload_hdr h;

		assert_int_equal(gen_payload_init(&f, test_sizes[i], 0, err, sizeof(err)), 0);
		gen_payload_write(&f, buf, 7, 123456, 987654321);
		for (uint32_t pos = 0; pos < f.size; pos++) {
			for (int bit = 0; bit < 8; bit++) {
				enum gen_payload_verdict want = pos < GEN_HDR_BYTES ?
					GEN_PAYLOAD_BAD_CHECK : GEN_PAYLOAD_BAD_PATTERN;

				buf[pos] ^= (uint8_t)(1u << bit);
				assert_int_equal(gen_payload_check(&f, buf, f.size, &h), want);
				buf[pos] ^= (uint8_t)(1u << bit);
			}
		}
		assert_int_equal(gen_payload_check(&f, buf, f.size, &h), GEN_PAYLOAD_OK);
		gen_payload_fini(&f);
	}
}

/* A reply from another run (other key) or of another size is rejected. */
static void
test_foreign_and_length(void **state)
{
	struct gen_payload_fmt a, b;
	struct gen_payload_hdr h;
	uint8_t buf[64];
	char err[128];

	assert_int_equal(gen_payload_init(&a, 64, 1, err, sizeof(err)), 0);
	assert_int_equal(gen_payload_init(&b, 64, 2, err, sizeof(err)), 0);
	gen_payload_write(&a, buf, 1, 1, 1);
	assert_int_equal(gen_payload_check(&b, buf, 64, &h), GEN_PAYLOAD_BAD_CHECK);
	assert_int_equal(gen_payload_check(&a, buf, 63, &h), GEN_PAYLOAD_BAD_LENGTH);
	assert_int_equal(gen_payload_check(&a, buf, 17, &h), GEN_PAYLOAD_BAD_LENGTH);
	gen_payload_fini(&a);
	gen_payload_fini(&b);
}

/* The header of one message on the body of another (same flow, other seq) is caught. */
static void
test_stale_body(void **state)
{
	struct gen_payload_fmt f;
	struct gen_payload_hdr h;
	uint8_t m1[256], m2[256];
	char err[128];

	assert_int_equal(gen_payload_init(&f, sizeof(m1), 0, err, sizeof(err)), 0);
	gen_payload_write(&f, m1, 2, 40, 500);
	gen_payload_write(&f, m2, 2, 41, 600);
	memcpy(m2, m1, GEN_HDR_BYTES);
	assert_int_equal(gen_payload_check(&f, m2, sizeof(m2), &h), GEN_PAYLOAD_BAD_PATTERN);
	gen_payload_fini(&f);
}

static void
test_too_small(void **state)
{
	struct gen_payload_fmt f;
	char err[128];

	assert_int_equal(gen_payload_init(&f, GEN_HDR_BYTES - 1, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "below the 18-byte header"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_flipped_bit_anywhere),
		cmocka_unit_test(test_foreign_and_length),
		cmocka_unit_test(test_stale_body),
		cmocka_unit_test(test_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
