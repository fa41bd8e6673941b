/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the clock and the open-loop pacer: exact schedule arithmetic, no drift, the
 * TSC clock against CLOCK_MONOTONIC, and the rate a spinning sender actually achieves. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gen/pace.h"

#define NS_PER_S 1000000000ull
#define CALIB_MS 50
#define RATE_TOLERANCE 0.01	/* the promise for open loop */
#define CLOCK_TOLERANCE 0.001
#define SPIN_NS (300ull * 1000000)
#define BURST_MAX 32

static const uint64_t rates[] = { 1, 3, 7, 1000, 999983, 1000000, 10000000, 14880952 };

/* Message k is due exactly from its intended time on, never before. */
static void
test_schedule_exact(void **state)
{
	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		struct gen_pace p;

		gen_pace_init(&p, rates[r], 12345);
		for (uint64_t k = 0; k < 5000; k++) {
			uint64_t t = gen_pace_time(&p, k);

			/* at t, messages 0..k are due (k + 1 of them) */
			assert_true(gen_pace_due(&p, t, UINT64_MAX) >= k + 1);
			if (k > 0 && t > gen_pace_time(&p, k - 1))
				assert_int_equal(gen_pace_due(&p, t - 1, UINT64_MAX), k);
		}
		assert_int_equal(gen_pace_due(&p, 12344, UINT64_MAX), 0);
		assert_int_equal(gen_pace_due(&p, 12345, UINT64_MAX), 1);
	}
}

/* A day at 14.88 Mpps ends at start + exactly 86400 s: integer arithmetic, no drift. */
static void
test_no_drift(void **state)
{
	struct gen_pace p;
	uint64_t rate = 14880952, k = rate * 86400;

	gen_pace_init(&p, rate, 0);
	assert_int_equal(gen_pace_time(&p, k), 86400 * NS_PER_S);
	assert_int_equal(gen_pace_due(&p, 86400 * NS_PER_S, UINT64_MAX), k + 1);
}

static void
test_due_capped_and_commit(void **state)
{
	struct gen_pace p;

	gen_pace_init(&p, 1000, 0);
	assert_int_equal(gen_pace_due(&p, NS_PER_S, 32), 32);
	gen_pace_commit(&p, 32);
	assert_int_equal(gen_pace_next(&p), 32 * 1000000ull);
	assert_int_equal(gen_pace_due(&p, NS_PER_S, UINT64_MAX), 1001 - 32);
	gen_pace_commit(&p, 1001 - 32);
	assert_int_equal(gen_pace_due(&p, NS_PER_S, UINT64_MAX), 0);
}

static void
test_clock_agrees_with_monotonic(void **state)
{
	struct gen_clock c;
	uint64_t c0, m0, c1, m1;
	struct timespec nap = { 0, 100 * 1000000 };
	double ratio;

	gen_clock_init(&c, true, CALIB_MS);
	c0 = gen_clock_ns(&c);
	m0 = gen_clock_mono_ns();
	nanosleep(&nap, NULL);
	c1 = gen_clock_ns(&c);
	m1 = gen_clock_mono_ns();
	ratio = (double)(c1 - c0) / (double)(m1 - m0);
	print_message("clock: %s, tsc %.3f MHz, ratio to CLOCK_MONOTONIC %.6f\n",
		      c.tsc ? "TSC" : "CLOCK_MONOTONIC", (double)c.tsc_hz / 1e6, ratio);
	assert_true(fabs(ratio - 1) < CLOCK_TOLERANCE);
	assert_true(c1 > c0);
}

/*
 * A sender spinning on the pacer, sending at most BURST_MAX per turn as the engine does: the
 * achieved rate over the run is within 1% of the asked one, and no message goes out before its
 * intended time.
 */
static void
pace_spin(const struct gen_clock *c, uint64_t rate)
{
	struct gen_pace p;
	uint64_t start = gen_clock_ns(c) + 1000, end = start + SPIN_NS, now, sent = 0;
	uint64_t last_actual = 0, max_late = 0;
	double achieved;

	gen_pace_init(&p, rate, start);
	while ((now = gen_clock_ns(c)) < end) {
		uint64_t n = gen_pace_due(&p, now, BURST_MAX);

		for (uint64_t i = 0; i < n; i++) {
			uint64_t intended = gen_pace_time(&p, p.sent + i);

			assert_true(intended <= now);
			if (now - intended > max_late)
				max_late = now - intended;
		}
		gen_pace_commit(&p, n);
		sent += n;
		if (n > 0)
			last_actual = now;
	}
	/*
	 * A preempted sender (a busy shared host) catches up on its next turn, as the engine
	 * does; what is checked is that bursts of BURST_MAX never leave it behind for good.
	 */
	sent += gen_pace_due(&p, end, UINT64_MAX);
	achieved = (double)sent / ((double)(end - start) / 1e9);
	print_message("rate %lu: sent %lu in %.0f ms, achieved %.1f pps (%.4f%% off), "
		      "max lateness %.1f us\n", (unsigned long)rate, (unsigned long)sent,
		      (double)(end - start) / 1e6, achieved,
		      100 * fabs(achieved - (double)rate) / (double)rate, (double)max_late / 1e3);
	assert_true(fabs(achieved - (double)rate) <= RATE_TOLERANCE * (double)rate);
	assert_true(last_actual > start);
}

static void
test_pacing_accuracy(void **state)
{
	struct gen_clock c;

	gen_clock_init(&c, true, CALIB_MS);
	pace_spin(&c, 10000);
	pace_spin(&c, 1000000);
	pace_spin(&c, 10000000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_exact),
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_due_capped_and_commit),
		cmocka_unit_test(test_clock_agrees_with_monotonic),
		cmocka_unit_test(test_pacing_accuracy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
