/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU lists ("0,2-3") and pinning the calling thread. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"

static int
cpu_parse_one(const char **p, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(*p, &end, 10);
	if (end == *p || errno != 0 || v < 0 || v >= CPU_SETSIZE) {
		snprintf(err, errlen, "bad CPU number at '%s' (want 0..%d)", *p, CPU_SETSIZE - 1);
		return -1;
	}
	*p = end;
	return (int)v;
}

int
cpu_list_parse(const char *s, int *cpus, int max, char *err, size_t errlen)
{
	const char *p = s;
	int n = 0;

	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "empty CPU list");
		return -1;
	}
	for (;;) {
		int lo = cpu_parse_one(&p, err, errlen), hi;

		if (lo < 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			hi = cpu_parse_one(&p, err, errlen);
			if (hi < 0)
				return -1;
			if (hi < lo) {
				snprintf(err, errlen, "bad CPU range %d-%d in '%s'", lo, hi, s);
				return -1;
			}
		}
		for (int c = lo; c <= hi; c++) {
			if (n == max) {
				snprintf(err, errlen, "CPU list '%s' has more than %d CPUs", s, max);
				return -1;
			}
			cpus[n++] = c;
		}
		if (*p == '\0')
			return n;
		if (*p != ',') {
			snprintf(err, errlen, "unexpected '%c' in CPU list '%s'", *p, s);
			return -1;
		}
		p++;
	}
}

int
cpu_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}
