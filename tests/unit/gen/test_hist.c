/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the latency histogram: percentiles of known distributions within the stated
 * error, exact moments, bucket geometry, merging, overflow. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "gen/hist.h"

#define SAMPLES 200000u
#define MAX_REL_ERR 0.01		/* the promise: 1% from 10 ns to 100 s */
#define BUCKET_REL_ERR (1.0 / 256)	/* what the geometry actually gives */
#define NS_PER_S 1000000000.0

static const double percentiles[] = { 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100 };

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double
rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct hist_fixture {
	struct hist h;
	uint64_t v[SAMPLES];
};

static int
setup(void **state)
{
	struct hist_fixture *f = malloc(sizeof(*f));

	if (f == NULL)
		return -1;
	hist_reset(&f->h);
	rng_state = 42;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* Record v[], then compare every percentile and moment with the exact ones from sorting. */
static void
check_against_exact(struct hist_fixture *f, size_t n, const char *name)
{
	long double sum = 0, sq = 0, mean, sd;

	for (size_t i = 0; i < n; i++) {
		hist_record(&f->h, f->v[i]);
		sum += f->v[i];
	}
	qsort(f->v, n, sizeof(f->v[0]), cmp_u64);
	assert_int_equal(f->h.count, n);
	assert_int_equal(f->h.min_ns, f->v[0]);
	assert_int_equal(f->h.max_ns, f->v[n - 1]);
	for (size_t i = 0; i < sizeof(percentiles) / sizeof(percentiles[0]); i++) {
		double p = percentiles[i];
		size_t rank = (size_t)ceil(p * (double)n / 100.0 - 1e-9);
		double exact = (double)f->v[rank - 1], got = hist_percentile(&f->h, p);
		double rel = fabs(got - exact) / exact;

		if (rel > BUCKET_REL_ERR)
			fail_msg("%s p%g: got %.1f, exact %.1f, error %.4f%%", name, p, got, exact,
				 rel * 100);
		assert_true(rel <= MAX_REL_ERR);
	}
	mean = sum / n;
	for (size_t i = 0; i < n; i++)
		sq += ((long double)f->v[i] - mean) * ((long double)f->v[i] - mean);
	sd = sqrtl(sq / n);
	assert_true(fabs(hist_mean(&f->h) - (double)mean) <= 1e-9 * (double)mean);
	assert_true(fabs(hist_stddev(&f->h) - (double)sd) <= 1e-6 * (double)sd + 1e-9);
}

static void
test_uniform(void **state)
{
	struct hist_fixture *f = *state;

	for (size_t i = 0; i < SAMPLES; i++)
		f->v[i] = 10 + rng_next() % 1000000;
	check_against_exact(f, SAMPLES, "uniform 10 ns..1 ms");
}

static void
test_exponential(void **state)
{
	struct hist_fixture *f = *state;
	const double mean_ns = 25000;

	for (size_t i = 0; i < SAMPLES; i++)
		f->v[i] = 10 + (uint64_t)(-mean_ns * log(rng_unit()));
	check_against_exact(f, SAMPLES, "exponential mean 25 us");
	/* The exponential's median is mean * ln 2: the histogram agrees within its error. */
	assert_true(fabs(hist_percentile(&f->h, 50) - (10 + mean_ns * log(2))) <
		    0.02 * mean_ns * log(2));
}

/* Log-uniform over the whole promised range, 10 ns to 100 s. */
static void
test_log_uniform_full_range(void **state)
{
	struct hist_fixture *f = *state;
	const double lo = log(10.0), hi = log(100 * NS_PER_S);

	for (size_t i = 0; i < SAMPLES; i++)
		f->v[i] = (uint64_t)exp(lo + (hi - lo) * rng_unit());
	check_against_exact(f, SAMPLES, "log-uniform 10 ns..100 s");
}

/* A narrow normal (typical RTT: 20 us +- 300 ns): tests stddev without cancellation error. */
static void
test_narrow_normal(void **state)
{
	struct hist_fixture *f = *state;

	for (size_t i = 0; i < SAMPLES; i++) {
		double z = sqrt(-2 * log(rng_unit())) * cos(2 * M_PI * rng_unit());

		f->v[i] = (uint64_t)(20000 + 300 * z);
	}
	check_against_exact(f, SAMPLES, "normal 20 us sd 300 ns");
	assert_true(fabs(hist_stddev(&f->h) - 300) < 10);
}

/* Every single value from 10 ns to 100 s, decade by decade, reads back within the bound. */
static void
test_single_values(void **state)
{
	struct hist_fixture *f = *state;

	for (double v = 10; v <= 100 * NS_PER_S; v *= 1.37) {
		double got;

		hist_reset(&f->h);
		hist_record(&f->h, (uint64_t)v);
		hist_record(&f->h, (uint64_t)v + 1);	/* so p50 is not clamped to min */
		got = hist_percentile(&f->h, 50);
		assert_true(fabs(got - (double)(uint64_t)v) / v <= BUCKET_REL_ERR);
	}
}

/* Buckets tile the line: every value falls in [low, low + width) of its own bucket. */
static void
test_bucket_geometry(void **state)
{
	unsigned prev = 0;

	for (uint64_t v = 0; v < HIST_RANGE_NS; v = v < 4096 ? v + 1 : v + v / 97) {
		unsigned i = hist_index(v);

		assert_true(i < HIST_BUCKETS);
		assert_true(i >= prev);
		assert_true(hist_bucket_low(i) <= v);
		assert_true(v < hist_bucket_low(i) + hist_bucket_width(i));
		if (v >= 2 * HIST_SUB_COUNT)
			assert_true((double)hist_bucket_width(i) / (double)v <=
				    1.0 / HIST_SUB_COUNT);
		prev = i;
	}
	assert_int_equal(hist_index(HIST_RANGE_NS - 1), HIST_BUCKETS - 1);
	assert_int_equal(hist_index(HIST_RANGE_NS), HIST_BUCKETS - 1);
	/* Fixed memory: 32 KiB of buckets. */
	assert_int_equal(sizeof(((struct hist *)0)->buckets), 32768);
}

static void
test_merge(void **state)
{
	struct hist_fixture *f = *state;
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	assert_non_null(a);
	assert_non_null(b);
	hist_reset(a);
	hist_reset(b);
	for (size_t i = 0; i < SAMPLES; i++) {
		uint64_t v = 100 + rng_next() % 100000;

		hist_record(&f->h, v);
		hist_record(i % 3 ? a : b, v);
	}
	hist_merge(a, b);
	assert_memory_equal(a, &f->h, sizeof(*a));
	free(a);
	free(b);
}

static void
test_overflow_and_empty(void **state)
{
	struct hist_fixture *f = *state;
	struct hist_summary s;
	uint64_t huge = 500 * (uint64_t)NS_PER_S;

	hist_summarize(&f->h, &s);
	assert_int_equal(s.count, 0);
	assert_true(s.p50 == 0 && s.max == 0 && s.mean == 0);
	hist_record(&f->h, 1000);
	hist_record(&f->h, huge);
	assert_int_equal(f->h.overflow, 1);
	assert_true(hist_percentile(&f->h, 100) == (double)huge);
	assert_true(fabs(hist_percentile(&f->h, 50) - 1000) <= 1000 * BUCKET_REL_ERR);
	hist_summarize(&f->h, &s);
	assert_true(s.max == (double)huge && s.min == 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uniform, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exponential, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_uniform_full_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_narrow_normal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_values, setup, teardown),
		cmocka_unit_test(test_bucket_geometry),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_and_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
