/* SPDX-License-Identifier: BSD-3-Clause */
/* The cgroup v2 directory the shortcut applies to: find or mount the hierarchy, make, remove. */
#ifndef SOCKMAP_CGROUP_H
#define SOCKMAP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#define CG2_PATH_MAX 4096

/* True when path is a directory of a cgroup v2 file system. */
bool cg2_is_dir(const char *path);

/*
 * The mount point of a writable cgroup v2 hierarchy into out; when none is mounted, mount one
 * at private_dir (made if missing) and set *mounted. 0, or a negative errno with err filled.
 */
int cg2_root(const char *private_dir, char *out, size_t outlen, bool *mounted, char *err,
	     size_t errlen);

/*
 * Make the directory path (its parent must be a cgroup v2 directory); *created says whether it
 * was made here or existed already. 0, or a negative errno with err filled.
 */
int cg2_make(const char *path, bool *created, char *err, size_t errlen);

/*
 * Remove the cgroup directory path: processes still in it are moved to its parent first (they
 * keep running, outside it), then rmdir, retried for a moment while exiting tasks leave.
 * *moved (may be NULL) gets how many were moved. 0, or a negative errno with err filled.
 */
int cg2_remove(const char *path, int *moved, char *err, size_t errlen);

#endif
