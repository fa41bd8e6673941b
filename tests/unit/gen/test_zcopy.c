/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the zero-copy buffer tracking: a buffer is never handed out again while the
 * kernel may read it (partial sends, ranges, out-of-order and wrapping ids), bad completions
 * are refused, and the test hooks do what the integration test relies on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gen/zcopy.h"

#define SLOTS 4
#define SLOT_BYTES 64
#define IDS 16

struct fixture {
	struct gen_zc_pool p;
	struct gen_zc_counts c;
};

static int
setup(void **state)
{
	static struct fixture f;

	unsetenv("BYPASSLAB_ZC_DEBUG");
	memset(&f, 0, sizeof(f));
	if (gen_zc_pool_init(&f.p, SLOT_BYTES, SLOTS, IDS, &f.c) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	gen_zc_pool_fini(&f->p);
	unsetenv("BYPASSLAB_ZC_DEBUG");
	return 0;
}

/* Take a slot, send it whole in one call; returns the slot. */
static unsigned
send_one(struct gen_zc_pool *p)
{
	unsigned s;

	assert_non_null(gen_zc_slot_get(p, &s));
	assert_true(gen_zc_id_room(p));
	gen_zc_sent(p, s);
	gen_zc_slot_sent(p, s);
	return s;
}

static void
test_held_until_completion(void **state)
{
	struct fixture *f = *state;
	unsigned s[SLOTS], x;

	for (unsigned i = 0; i < SLOTS; i++)
		s[i] = send_one(&f->p);
	/* All four sent, none completed: nothing to hand out. */
	assert_null(gen_zc_slot_get(&f->p, &x));
	assert_int_equal(gen_zc_inflight(&f->p), SLOTS);
	/* Completing id 1 frees exactly the slot that id 1 was sent from. */
	assert_int_equal(gen_zc_complete(&f->p, 1, 1, false), 0);
	assert_non_null(gen_zc_slot_get(&f->p, &x));
	assert_int_equal(x, s[1]);
	assert_null(gen_zc_slot_get(&f->p, &x));
	assert_int_equal(f->c.sends, SLOTS);
	assert_int_equal(f->c.completed, 1);
	assert_int_equal(f->c.copied, 0);
}

static void
test_partial_sends(void **state)
{
	struct fixture *f = *state;
	unsigned s, x;

	/* One message, three send calls (the socket took it in pieces): three ids. */
	assert_non_null(gen_zc_slot_get(&f->p, &s));
	gen_zc_sent(&f->p, s);
	gen_zc_sent(&f->p, s);
	assert_int_equal(gen_zc_complete(&f->p, 0, 1, true), 0);
	/* Its first pieces are done but it is still being sent: not free. */
	for (unsigned i = 0; i < SLOTS - 1; i++)
		assert_non_null(gen_zc_slot_get(&f->p, &x));
	assert_null(gen_zc_slot_get(&f->p, &x));
	gen_zc_sent(&f->p, s);
	gen_zc_slot_sent(&f->p, s);
	assert_null(gen_zc_slot_get(&f->p, &x));
	assert_int_equal(gen_zc_complete(&f->p, 2, 2, true), 0);
	assert_non_null(gen_zc_slot_get(&f->p, &x));
	assert_int_equal(x, s);
	assert_int_equal(f->c.completed, 3);
	assert_int_equal(f->c.copied, 3);
	assert_int_equal(f->c.notifications, 2);
}

static void
test_out_of_order_ranges(void **state)
{
	struct fixture *f = *state;
	unsigned x;

	for (unsigned i = 0; i < SLOTS; i++)
		send_one(&f->p);
	/* UDP may complete later sends first: the head waits for id 0. */
	assert_int_equal(gen_zc_complete(&f->p, 2, 3, false), 0);
	assert_int_equal(gen_zc_inflight(&f->p), SLOTS);
	assert_int_equal(gen_zc_complete(&f->p, 0, 1, true), 0);
	assert_int_equal(gen_zc_inflight(&f->p), 0);
	for (unsigned i = 0; i < SLOTS; i++)
		assert_non_null(gen_zc_slot_get(&f->p, &x));
	assert_int_equal(f->c.completed, 4);
	assert_int_equal(f->c.copied, 2);
}

static void
test_bad_completions(void **state)
{
	struct fixture *f = *state;

	send_one(&f->p);
	send_one(&f->p);
	/* Never sent, beyond what was sent, twice, and a reversed range: all refused. */
	assert_int_equal(gen_zc_complete(&f->p, 2, 2, false), -EPROTO);
	assert_int_equal(gen_zc_complete(&f->p, 1, 5, false), -EPROTO);
	assert_int_equal(gen_zc_complete(&f->p, 1, 0, false), -EPROTO);
	assert_int_equal(gen_zc_complete(&f->p, 1, 1, false), 0);
	assert_int_equal(gen_zc_complete(&f->p, 1, 1, false), -EPROTO);
	assert_int_equal(f->c.completed, 1);
}

static void
test_id_wrap(void **state)
{
	struct fixture *f = *state;
	unsigned x;

	/* The socket's counter is 32 bits: ids run 0xfffffffe, 0xffffffff, 0, 1. */
	f->p.id_head = f->p.id_next = UINT32_MAX - 1;
	for (unsigned i = 0; i < SLOTS; i++)
		send_one(&f->p);
	assert_int_equal(gen_zc_complete(&f->p, UINT32_MAX - 1, 1, false), 0);
	assert_int_equal(gen_zc_inflight(&f->p), 0);
	for (unsigned i = 0; i < SLOTS; i++)
		assert_non_null(gen_zc_slot_get(&f->p, &x));
}

static void
test_id_room(void **state)
{
	struct fixture *f = *state;
	unsigned s;

	assert_non_null(gen_zc_slot_get(&f->p, &s));
	for (unsigned i = 0; i < IDS; i++) {
		assert_true(gen_zc_id_room(&f->p));
		gen_zc_sent(&f->p, s);
	}
	assert_false(gen_zc_id_room(&f->p));
	assert_int_equal(gen_zc_complete(&f->p, 0, 0, false), 0);
	assert_true(gen_zc_id_room(&f->p));
}

static void
test_scribble_only_after_completion(void **state)
{
	struct fixture *f = *state;
	struct gen_zc_pool p;
	struct gen_zc_counts c = { 0 };
	unsigned s;
	uint8_t *buf;

	setenv("BYPASSLAB_ZC_DEBUG", "scribble", 1);
	assert_int_equal(gen_zc_pool_init(&p, SLOT_BYTES, SLOTS, IDS, &c), 0);
	buf = gen_zc_slot_get(&p, &s);
	memset(buf, 0x11, SLOT_BYTES);
	gen_zc_sent(&p, s);
	gen_zc_slot_sent(&p, s);
	/* In flight: the hook must not touch it. */
	for (unsigned i = 0; i < SLOT_BYTES; i++)
		assert_int_equal(buf[i], 0x11);
	assert_int_equal(gen_zc_complete(&p, 0, 0, true), 0);
	for (unsigned i = 0; i < SLOT_BYTES; i++)
		assert_int_equal(buf[i], 0xa5);
	gen_zc_pool_fini(&p);
	(void)f;
}

static void
test_early_hook_frees_too_soon(void **state)
{
	struct gen_zc_pool p;
	struct gen_zc_counts c = { 0 };
	unsigned s, x;

	/* The deliberately wrong mode the integration test uses to prove its check works. */
	setenv("BYPASSLAB_ZC_DEBUG", "early", 1);
	assert_int_equal(gen_zc_pool_init(&p, SLOT_BYTES, 1, IDS, &c), 0);
	assert_non_null(gen_zc_slot_get(&p, &s));
	gen_zc_sent(&p, s);
	gen_zc_slot_sent(&p, s);
	assert_non_null(gen_zc_slot_get(&p, &x));
	assert_int_equal(x, s);
	/* Its completion still counts and frees nothing twice. */
	assert_int_equal(gen_zc_complete(&p, 0, 0, false), 0);
	assert_int_equal(p.nfree, 0);
	gen_zc_pool_fini(&p);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_held_until_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_sends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_completions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scribble_only_after_completion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_early_hook_frees_too_soon, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
