/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear latency histogram in nanoseconds: fixed memory, at most 0.4% relative error from
 * 10 ns to 100 s, exact min, max, mean and standard deviation. */
#ifndef GEN_HIST_H
#define GEN_HIST_H

#include <stdint.h>

/*
 * Values below 2^(HIST_SUB_BITS+1) ns have a bucket each. Above, every power of two is split
 * into 2^HIST_SUB_BITS equal buckets, so a bucket is at most 1/128 of the values in it wide and
 * its midpoint is within 1/256 (0.39%) of any of them. Values at or above HIST_RANGE_NS
 * (2^38 ns, 275 s) land in the last bucket and are counted in overflow; max stays exact.
 */
#define HIST_SUB_BITS 7
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)
#define HIST_RANGE_BITS 38
#define HIST_RANGE_NS (UINT64_C(1) << HIST_RANGE_BITS)
#define HIST_BUCKETS ((HIST_RANGE_BITS - HIST_SUB_BITS + 1) * HIST_SUB_COUNT)

struct hist {
	uint64_t count;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t overflow;
	unsigned __int128 sum;
	unsigned __int128 sum_sq;	/* exact: 2^76 per value, room for 2^52 values */
	uint64_t buckets[HIST_BUCKETS];
};

/* The numbers a report prints, in nanoseconds (0 everywhere when the histogram is empty). */
struct hist_summary {
	uint64_t count;
	double min, mean, stddev, p50, p90, p99, p999, p9999, max;
};

void hist_reset(struct hist *h);
/* Add everything in src to dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/*
 * Value at percentile p (0 < p <= 100) by nearest rank: the smallest recorded value such that
 * at least p% of values are <= it, as the midpoint of its bucket clamped to [min, max].
 * Returns 0 when the histogram is empty.
 */
double hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
double hist_stddev(const struct hist *h);
void hist_summarize(const struct hist *h, struct hist_summary *s);

static inline unsigned
hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2 * HIST_SUB_COUNT)
		return (unsigned)v;
	if (v >= HIST_RANGE_NS)
		return HIST_BUCKETS - 1;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	return shift * HIST_SUB_COUNT + (unsigned)(v >> shift);
}

/* Lowest value of bucket i and its width. */
static inline uint64_t
hist_bucket_low(unsigned i)
{
	unsigned shift;

	if (i < 2 * HIST_SUB_COUNT)
		return i;
	shift = i / HIST_SUB_COUNT - 1;
	return (uint64_t)(i - shift * HIST_SUB_COUNT) << shift;
}

static inline uint64_t
hist_bucket_width(unsigned i)
{
	return i < 2 * HIST_SUB_COUNT ? 1 : UINT64_C(1) << (i / HIST_SUB_COUNT - 1);
}

/*
 * Record one value. A histogram has one writer; others (the progress line) may read it while
 * it is written, so the bucket update is a relaxed atomic store: a plain increment on x86.
 */
static inline void
hist_record(struct hist *h, uint64_t v)
{
	uint64_t *b = &h->buckets[hist_index(v)];

	__atomic_store_n(b, __atomic_load_n(b, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
	if (v >= HIST_RANGE_NS)
		h->overflow++;
	if (v < h->min_ns)
		h->min_ns = v;
	if (v > h->max_ns)
		h->max_ns = v;
	h->sum += v;
	h->sum_sq += (unsigned __int128)v * v;
	__atomic_store_n(&h->count, h->count + 1, __ATOMIC_RELAXED);
}

#endif
