/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for reply tracking: in order, reordered, duplicate, lost after the timeout, late,
 * never sent, ring capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gen/track.h"

static int
setup(void **state)
{
	static struct gen_track t;

	if (gen_track_init(&t, 16) != 0)
		return -1;
	*state = &t;
	return 0;
}

static int
teardown(void **state)
{
	gen_track_fini(*state);
	return 0;
}

static void
send_n(struct gen_track *t, unsigned n, uint64_t ts0, bool measured)
{
	for (unsigned i = 0; i < n; i++) {
		assert_true(gen_track_can_send(t));
		gen_track_sent(t, ts0 + i * 100, measured);
	}
}

static void
test_in_order(void **state)
{
	struct gen_track *t = *state;
	bool m;

	send_n(t, 10, 0, true);
	assert_int_equal(t->outstanding, 10);
	for (uint64_t s = 0; s < 10; s++) {
		assert_int_equal(gen_track_reply(t, s, &m), GEN_REPLY_OK);
		assert_true(m);
	}
	assert_int_equal(t->outstanding, 0);
	assert_int_equal(t->oldest, 10);
	assert_int_equal(gen_track_oldest_ts(t), UINT64_MAX);
}

static void
test_reordered(void **state)
{
	struct gen_track *t = *state;
	bool m;

	send_n(t, 4, 0, true);
	assert_int_equal(gen_track_reply(t, 2, &m), GEN_REPLY_OK);
	assert_int_equal(gen_track_reply(t, 0, &m), GEN_REPLY_REORDERED);
	assert_int_equal(gen_track_reply(t, 1, &m), GEN_REPLY_REORDERED);
	assert_int_equal(gen_track_reply(t, 3, &m), GEN_REPLY_OK);
	assert_int_equal(t->outstanding, 0);
}

static void
test_duplicate(void **state)
{
	struct gen_track *t = *state;
	bool m;

	send_n(t, 3, 0, true);
	assert_int_equal(gen_track_reply(t, 1, &m), GEN_REPLY_OK);
	assert_int_equal(gen_track_reply(t, 1, &m), GEN_REPLY_DUPLICATE);
	assert_true(m);
	assert_int_equal(gen_track_reply(t, 0, &m), GEN_REPLY_REORDERED);
	assert_int_equal(gen_track_reply(t, 0, &m), GEN_REPLY_DUPLICATE);
	assert_int_equal(t->outstanding, 1);
}

static void
test_unknown(void **state)
{
	struct gen_track *t = *state;
	bool m = true;

	assert_int_equal(gen_track_reply(t, 0, &m), GEN_REPLY_UNKNOWN);
	assert_false(m);
	send_n(t, 2, 0, true);
	assert_int_equal(gen_track_reply(t, 2, &m), GEN_REPLY_UNKNOWN);
	assert_int_equal(gen_track_reply(t, 1000000, &m), GEN_REPLY_UNKNOWN);
}

/* Sent at 0, 100, 200, 300; timeout passes for the first two; their replies come late. */
static void
test_lost_then_late(void **state)
{
	struct gen_track *t = *state;
	uint64_t lost = 0;
	bool m;

	send_n(t, 4, 0, true);
	assert_int_equal(gen_track_oldest_ts(t), 0);
	assert_int_equal(gen_track_expire(t, 150, &lost), 2);
	assert_int_equal(lost, 2);
	assert_int_equal(t->outstanding, 2);
	assert_int_equal(gen_track_oldest_ts(t), 200);
	assert_int_equal(gen_track_reply(t, 0, &m), GEN_REPLY_LATE);
	assert_int_equal(gen_track_reply(t, 1, &m), GEN_REPLY_LATE);
	assert_int_equal(gen_track_reply(t, 3, &m), GEN_REPLY_OK);
	/* 2 still outstanding although 3 came back: expire skips only what is resolved. */
	assert_int_equal(gen_track_expire(t, 199, &lost), 0);
	assert_int_equal(gen_track_expire(t, 200, &lost), 1);
	assert_int_equal(lost, 3);
	assert_int_equal(t->outstanding, 0);
	assert_int_equal(gen_track_expire(t, UINT64_MAX, &lost), 0);
}

/* Only messages sent inside the measured interval count as measured losses. */
static void
test_measured_flag(void **state)
{
	struct gen_track *t = *state;
	uint64_t lost = 0;
	bool m = true;

	send_n(t, 2, 0, false);
	send_n(t, 2, 1000, true);
	assert_int_equal(gen_track_reply(t, 0, &m), GEN_REPLY_OK);
	assert_false(m);
	assert_int_equal(gen_track_expire(t, 5000, &lost), 3);
	assert_int_equal(lost, 2);
}

/* The ring holds capacity unresolved messages; a hole at the oldest blocks sending. */
static void
test_capacity(void **state)
{
	struct gen_track *t = *state;
	uint64_t lost = 0;
	bool m;

	assert_int_equal(gen_track_room(t), 16);
	send_n(t, 16, 0, true);
	assert_false(gen_track_can_send(t));
	assert_int_equal(gen_track_reply(t, 5, &m), GEN_REPLY_OK);
	assert_false(gen_track_can_send(t));
	assert_int_equal(gen_track_reply(t, 0, &m), GEN_REPLY_REORDERED);
	assert_true(gen_track_can_send(t));
	assert_int_equal(gen_track_room(t), 1);
	assert_int_equal(gen_track_evict(t, &lost), 1);
	assert_int_equal(lost, 1);
	assert_int_equal(gen_track_room(t), 2);
	/* Fill past the wrap; seq 1 (lost) and 5 (done) have had their slots reused. */
	send_n(t, 2, 5000, true);
	assert_int_equal(gen_track_reply(t, 17, &m), GEN_REPLY_OK);
	assert_int_equal(gen_track_reply(t, 1, &m), GEN_REPLY_LATE);
	assert_int_equal(gen_track_reply(t, 16, &m), GEN_REPLY_REORDERED);
	assert_int_equal(gen_track_reply(t, 16, &m), GEN_REPLY_DUPLICATE);
}

static void
test_capacity_rounds_up(void **state)
{
	struct gen_track t;

	assert_int_equal(gen_track_init(&t, 100), 0);
	assert_int_equal(gen_track_room(&t), 128);
	gen_track_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_then_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measured_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capacity, setup, teardown),
		cmocka_unit_test(test_capacity_rounds_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
