/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the file readers: profiles (rte_cfgfile) and server stats (jansson). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/profile.h"
#include "gen/srvstats.h"

/*
 * Each input is given whole to both readers, as the contents of a file (a memfd, so nothing is
 * left on disk). Oracles besides the sanitizers: an error is one line that names the file, and
 * the profile reader's own line pass never disagrees with rte_cfgfile (-EIO).
 */
static int fuzz_fd = -1;
static char fuzz_path[64];

static void
fuzz_check_error(const char *who, int rc, const char *err)
{
	if (rc >= 0)
		return;
	if (strstr(err, fuzz_path) == NULL || strchr(err, '\n') != NULL) {
		fprintf(stderr, "%s: error line does not name %s or is not one line: '%s'\n", who,
			fuzz_path, err);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srvstats_snapshot snap;
	struct profile p;
	char err[1024];
	int rc;

	if (fuzz_fd < 0) {
		fuzz_fd = memfd_create("bypasslab-fuzz-config", 0);
		if (fuzz_fd < 0)
			abort();
		snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	}
	if (ftruncate(fuzz_fd, 0) != 0 || pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		abort();

	err[0] = '\0';
	rc = profile_load(fuzz_path, &p, err, sizeof(err));
	if (rc == -EIO) {
		fprintf(stderr, "profile: the line pass and rte_cfgfile disagree: %s\n", err);
		abort();
	}
	fuzz_check_error("profile", rc, err);
	if (rc == 0 && (memchr(p.eal, '\0', sizeof(p.eal)) == NULL ||
			memchr(p.ip, '\0', sizeof(p.ip)) == NULL))
		abort();

	err[0] = '\0';
	rc = srvstats_read(fuzz_path, &snap, err, sizeof(err));
	fuzz_check_error("srvstats", rc, err);
	if (snap.n > SRVSTATS_KEYS_MAX)
		abort();
	for (unsigned i = 0; i < snap.n; i++)
		if (memchr(snap.key[i], '\0', SRVSTATS_KEY_BYTES) == NULL)
			abort();
	return 0;
}
