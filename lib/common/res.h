/* SPDX-License-Identifier: BSD-3-Clause */
/* Resource accounting: CPU time and context switches of this process or thread. */
#ifndef COMMON_RES_H
#define COMMON_RES_H

#include <stdint.h>
#include <time.h>

struct res_sample {
	double wall_s;
	double cpu_user_s;
	double cpu_sys_s;
	uint64_t vol_csw;
	uint64_t invol_csw;
};

/* who: RUSAGE_SELF or RUSAGE_THREAD. */
void res_sample_take(struct res_sample *s, int who);
/* b - a, field by field. */
void res_sample_diff(const struct res_sample *a, const struct res_sample *b,
		     struct res_sample *out);

static inline uint64_t
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
