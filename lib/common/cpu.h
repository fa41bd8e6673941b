/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU lists ("0,2-3") and pinning the calling thread. */
#ifndef COMMON_CPU_H
#define COMMON_CPU_H

#include <stddef.h>

/*
 * Parse a list such as "1", "0,2" or "0-3" into cpus[] (at most max entries).
 * Returns the number of CPUs, or -1 with the reason in err.
 */
int cpu_list_parse(const char *s, int *cpus, int max, char *err, size_t errlen);

/* Pin the calling thread to one CPU. Returns 0 or a negative errno. */
int cpu_pin_self(int cpu);

#endif
