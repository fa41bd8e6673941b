/* SPDX-License-Identifier: BSD-3-Clause */
/* TSC calibration for the generator's clock, and pacer set-up. */
#include <stdio.h>
#include <string.h>

#include "gen/pace.h"

#define NS_PER_MS 1000000u
#define CPUINFO_LINE_BYTES 8192

/* The kernel's word for "the TSC ticks at a constant rate, also in deep C-states". */
static bool
tsc_is_invariant(void)
{
	char line[CPUINFO_LINE_BYTES];
	bool constant = false, nonstop = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}

void
gen_clock_init(struct gen_clock *c, bool want_tsc, unsigned calib_ms)
{
	memset(c, 0, sizeof(*c));
	c->mono0_ns = gen_clock_mono_ns();
#if GEN_HAVE_TSC
	if (want_tsc && tsc_is_invariant()) {
		uint64_t t0, t1, m0, m1, target;
		struct timespec nap = { 0, 1000000 };

		if (calib_ms == 0)
			calib_ms = 1;
		m0 = gen_clock_mono_ns();
		t0 = __rdtsc();
		target = m0 + (uint64_t)calib_ms * NS_PER_MS;
		while (gen_clock_mono_ns() < target)
			nanosleep(&nap, NULL);
		/* Back-to-back reads: their gap (tens of ns) over calib_ms bounds the error. */
		m1 = gen_clock_mono_ns();
		t1 = __rdtsc();
		c->tsc_hz = (uint64_t)((unsigned __int128)(t1 - t0) * 1000000000u / (m1 - m0));
		c->mult = (uint64_t)(((unsigned __int128)(m1 - m0) << GEN_CLOCK_SHIFT) / (t1 - t0));
		c->tsc0 = t1;
		c->mono0_ns = m1;
		c->tsc = true;
	}
#endif
}

void
gen_pace_init(struct gen_pace *p, uint64_t rate_pps, uint64_t start_ns)
{
	p->start_ns = start_ns;
	p->rate_pps = rate_pps > 0 ? rate_pps : 1;
	p->sent = 0;
}
