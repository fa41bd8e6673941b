/* SPDX-License-Identifier: BSD-3-Clause */
/* Resource accounting: CPU time and context switches of this process or thread. */
#include <sys/resource.h>

#include "res.h"

static double
tv_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void
res_sample_take(struct res_sample *s, int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	s->wall_s = (double)clock_now_ns() / 1e9;
	s->cpu_user_s = tv_seconds(ru.ru_utime);
	s->cpu_sys_s = tv_seconds(ru.ru_stime);
	s->vol_csw = (uint64_t)ru.ru_nvcsw;
	s->invol_csw = (uint64_t)ru.ru_nivcsw;
}

void
res_sample_diff(const struct res_sample *a, const struct res_sample *b, struct res_sample *out)
{
	out->wall_s = b->wall_s - a->wall_s;
	out->cpu_user_s = b->cpu_user_s - a->cpu_user_s;
	out->cpu_sys_s = b->cpu_sys_s - a->cpu_sys_s;
	out->vol_csw = b->vol_csw - a->vol_csw;
	out->invol_csw = b->invol_csw - a->invol_csw;
}
