/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear latency histogram: merging, percentiles and moments. */
#include <math.h>
#include <string.h>

#include "gen/hist.h"

#define HIST_RANK_EPSILON 1e-9

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	uint64_t n = __atomic_load_n(&src->count, __ATOMIC_RELAXED);

	if (n == 0)
		return;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += __atomic_load_n(&src->buckets[i], __ATOMIC_RELAXED);
	dst->count += n;
	dst->overflow += src->overflow;
	dst->sum += src->sum;
	dst->sum_sq += src->sum_sq;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

double
hist_percentile(const struct hist *h, double p)
{
	uint64_t total = 0, rank, seen = 0;
	double v;
	unsigned i;

	/* Count the buckets rather than trust count: a reader may race the writer. */
	for (i = 0; i < HIST_BUCKETS; i++)
		total += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
	if (total == 0)
		return 0;
	if (p <= 0)
		return (double)h->min_ns;
	/* The epsilon keeps 99.9% of 1000 at rank 999 despite rounding in p * total. */
	rank = (uint64_t)ceil(p * (double)total / 100.0 - HIST_RANK_EPSILON);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
		if (seen >= rank)
			break;
	}
	if (i >= HIST_BUCKETS - 1 && h->overflow > 0)
		return (double)h->max_ns;
	/* Integers in [low, low + width - 1]: the middle one is within width/2 of all of them. */
	v = (double)hist_bucket_low(i) + (double)(hist_bucket_width(i) - 1) / 2.0;
	if (v < (double)h->min_ns)
		v = (double)h->min_ns;
	if (v > (double)h->max_ns)
		v = (double)h->max_ns;
	return v;
}

double
hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0;
	return (double)((long double)h->sum / (long double)h->count);
}

double
hist_stddev(const struct hist *h)
{
	long double n = (long double)h->count, mean, var;

	if (h->count < 2)
		return 0;
	mean = (long double)h->sum / n;
	/* Population variance from exact integer sums; long double keeps 64 mantissa bits. */
	var = (long double)h->sum_sq / n - mean * mean;
	return var > 0 ? (double)sqrtl(var) : 0;
}

void
hist_summarize(const struct hist *h, struct hist_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->count = h->count;
	if (h->count == 0)
		return;
	s->min = (double)h->min_ns;
	s->max = (double)h->max_ns;
	s->mean = hist_mean(h);
	s->stddev = hist_stddev(h);
	s->p50 = hist_percentile(h, 50);
	s->p90 = hist_percentile(h, 90);
	s->p99 = hist_percentile(h, 99);
	s->p999 = hist_percentile(h, 99.9);
	s->p9999 = hist_percentile(h, 99.99);
}
