/* SPDX-License-Identifier: BSD-3-Clause */
/* The generator's clock (TSC when invariant, else CLOCK_MONOTONIC) and the open-loop pacer that
 * gives every message an intended send time, so latency can count from it. */
#ifndef GEN_PACE_H
#define GEN_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define GEN_HAVE_TSC 1
#else
#define GEN_HAVE_TSC 0
#endif

/*
 * Nanoseconds since the clock's epoch (gen_clock_init). With the TSC: ns = (tsc - tsc0) * mult
 * >> GEN_CLOCK_SHIFT, calibrated against CLOCK_MONOTONIC; one rdtsc, no syscall, no vDSO.
 */
#define GEN_CLOCK_SHIFT 32

struct gen_clock {
	bool tsc;		/* false: clock_gettime(CLOCK_MONOTONIC) */
	uint64_t tsc_hz;	/* measured TSC frequency; 0 without the TSC */
	uint64_t mult;		/* ns per tick << GEN_CLOCK_SHIFT */
	uint64_t tsc0;
	uint64_t mono0_ns;
};

/*
 * Set up the clock. want_tsc: use the TSC if the CPU says it is invariant (constant_tsc and
 * nonstop_tsc); calibration takes calib_ms milliseconds. Always succeeds; c->tsc says which.
 */
void gen_clock_init(struct gen_clock *c, bool want_tsc, unsigned calib_ms);

static inline uint64_t
gen_clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t
gen_clock_ns(const struct gen_clock *c)
{
#if GEN_HAVE_TSC
	if (c->tsc)
		return (uint64_t)(((unsigned __int128)(__rdtsc() - c->tsc0) * c->mult) >>
				  GEN_CLOCK_SHIFT);
#endif
	return gen_clock_mono_ns() - c->mono0_ns;
}

/*
 * Open-loop pacer for one flow: message k (from 0) is due at start + k * 1e9 / rate ns.
 * Integer arithmetic: no drift however long it runs.
 */
struct gen_pace {
	uint64_t start_ns;
	uint64_t rate_pps;
	uint64_t sent;		/* messages committed so far */
};

void gen_pace_init(struct gen_pace *p, uint64_t rate_pps, uint64_t start_ns);

/* Intended send time of message k. */
static inline uint64_t
gen_pace_time(const struct gen_pace *p, uint64_t k)
{
	return p->start_ns + (uint64_t)((unsigned __int128)k * 1000000000u / p->rate_pps);
}

/* How many messages are due at now (intended time <= now) and not yet sent, at most max. */
static inline uint64_t
gen_pace_due(const struct gen_pace *p, uint64_t now, uint64_t max)
{
	uint64_t due;

	if (now < p->start_ns)
		return 0;
	/* k is due when floor(k * 1e9 / rate) <= d, that is k * 1e9 <= (d + 1) * rate - 1. */
	due = (uint64_t)(((unsigned __int128)(now - p->start_ns + 1) * p->rate_pps - 1) /
			 1000000000u) + 1;
	if (due <= p->sent)
		return 0;
	due -= p->sent;
	return due < max ? due : max;
}

/* The next message's intended time (when to wake up if nothing else is due). */
static inline uint64_t
gen_pace_next(const struct gen_pace *p)
{
	return gen_pace_time(p, p->sent);
}

static inline void
gen_pace_commit(struct gen_pace *p, uint64_t n)
{
	p->sent += n;
}

#endif
