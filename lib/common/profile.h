/* SPDX-License-Identifier: BSD-3-Clause */
/* Driver profiles (drivers-conf/NAME.conf): EAL arguments and port settings for one PMD. */
#ifndef COMMON_PROFILE_H
#define COMMON_PROFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define PROFILE_EAL_MAX 1024
#define PROFILE_EAL_ARGS_MAX 64

struct profile {
	char path[PATH_MAX];
	char eal[PROFILE_EAL_MAX]; /* EAL arguments, split on white space */
	char ip[64];               /* ADDRESS/PREFIX, empty when the profile gives none */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;              /* 0: leave the port's */
	uint32_t mbufs;            /* per mempool; 0: sized from the descriptors */
	uint32_t link_wait_ms;
	bool promisc;
};

/* Defaults used when there is no profile or it leaves a key out. */
void profile_defaults(struct profile *p);

/*
 * Load a profile by path, or by bare name from the profile directory ($BYPASSLAB_PROFILE_DIR,
 * else the source tree's drivers-conf/). Returns 0, or a negative errno with the file, line and
 * what to do written to err.
 */
int profile_load(const char *name, struct profile *p, char *err, size_t errlen);

/* Split p->eal into argv (pointers into buf, which must hold PROFILE_EAL_MAX bytes). */
int profile_eal_argv(const struct profile *p, char *buf, char **argv, int max);

#endif
