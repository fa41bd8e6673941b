/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL arguments and preflight shared by every bypasslab DPDK process. */
#ifndef PORT_EAL_H
#define PORT_EAL_H

#include <stdbool.h>
#include <stddef.h>

/* Room for the EAL arguments of a profile, a command line and the defaults below. */
#define PORT_EAL_ARGS_MAX 128

/* True when an argument starts with prefix ("--no-huge", "--file-prefix"). */
bool port_eal_has(char *const *argv, int argc, const char *prefix);

/*
 * Append the defaults every process of this project wants unless the arguments say otherwise:
 * --in-memory (no hugepage files or shared config left behind; not with --no-huge, which
 * refuses it, nor with --proc-type) and --file-prefix=PREFIX (a name telemetry can find, and
 * apart from other DPDK processes). argv needs room for two more entries and the NULL.
 * Returns the new argc.
 */
int port_eal_defaults(char **argv, int argc, const char *prefix);

/*
 * EAL's own words for missing hugepages are cryptic: say what to do before it runs.
 * Returns 0 when no_huge or some 2 MiB or 1 GiB page is free, else -ENOMEM with err filled.
 */
int port_hugepages_check(bool no_huge, char *err, size_t errlen);

/*
 * rte_eal_init(), and have EAL's runtime directory (/var/run/dpdk/<file-prefix>), which EAL
 * leaves behind at every exit, removed when the process exits. It goes last, after
 * telemetry's exit handler has taken its socket out of it, and only if empty: another process
 * with the same prefix keeps it. Returns what rte_eal_init() returns.
 */
int port_eal_init(int argc, char **argv);

#endif
