/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL arguments and preflight shared by every bypasslab DPDK process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "eal.h"

#define HUGEPAGES_FREE_2M "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define HUGEPAGES_FREE_1G "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"

bool
port_eal_has(char *const *argv, int argc, const char *prefix)
{
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

int
port_eal_defaults(char **argv, int argc, const char *prefix)
{
	static char prefix_arg[128];

	if (!port_eal_has(argv, argc, "--in-memory") && !port_eal_has(argv, argc, "--proc-type") &&
	    !port_eal_has(argv, argc, "--no-huge"))
		argv[argc++] = "--in-memory";
	if (!port_eal_has(argv, argc, "--file-prefix")) {
		snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s", prefix);
		argv[argc++] = prefix_arg;
	}
	argv[argc] = NULL;
	return argc;
}

static long
read_long(const char *path)
{
	long v = 0;
	FILE *f = fopen(path, "r");

	if (f != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

int
port_hugepages_check(bool no_huge, char *err, size_t errlen)
{
	if (no_huge || read_long(HUGEPAGES_FREE_2M) + read_long(HUGEPAGES_FREE_1G) > 0)
		return 0;
	snprintf(err, errlen,
		 "no free hugepages: reserve some with 'scripts/lab setup' or "
		 "'echo 256 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages', "
		 "or give EAL --no-huge (slower; recorded as no_huge)");
	return -ENOMEM;
}

static void
remove_runtime_dir(void)
{
	const char *dir = rte_eal_get_runtime_dir();

	/* Fails, harmlessly, while anything is left in it or when EAL never named it. */
	if (dir != NULL && dir[0] != '\0')
		(void)rmdir(dir);
}

int
port_eal_init(int argc, char **argv)
{
	static bool registered;

	/*
	 * Before rte_eal_init(): exit handlers run last registered first, and telemetry
	 * registers the one that unlinks its socket from the directory inside rte_eal_init().
	 */
	if (!registered && atexit(remove_runtime_dir) == 0)
		registered = true;
	return rte_eal_init(argc, argv);
}
