/* SPDX-License-Identifier: BSD-3-Clause */
/* cgroup v2 directories for the sockmap shortcut: find or mount the hierarchy, make, remove. */
#include <errno.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "sockmap/cgroup.h"

#define CG2_RMDIR_TRIES	  100	/* rmdir retries while exiting tasks leave the cgroup */
#define CG2_RMDIR_WAIT_NS 20000000L

bool
cg2_is_dir(const char *path)
{
	struct statfs sf;
	struct stat st;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cg2_root(const char *private_dir, char *out, size_t outlen, bool *mounted, char *err,
	 size_t errlen)
{
	struct mntent *m;
	FILE *f;
	int rc;

	*mounted = false;
	f = setmntent("/proc/self/mounts", "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot read /proc/self/mounts: %s", strerror(-rc));
		return rc;
	}
	while ((m = getmntent(f)) != NULL) {
		if (strcmp(m->mnt_type, "cgroup2") == 0 && !hasmntopt(m, "ro") &&
		    cg2_is_dir(m->mnt_dir)) {
			snprintf(out, outlen, "%s", m->mnt_dir);
			endmntent(f);
			return 0;
		}
	}
	endmntent(f);
	/* None (a cgroup v1 host): mount the v2 hierarchy beside v1, privately. */
	if (mkdir(private_dir, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "no cgroup v2 is mounted and mkdir %s failed: %s",
			 private_dir, strerror(-rc));
		return rc;
	}
	if (mount("none", private_dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		rc = -errno;
		snprintf(err, errlen, "no cgroup v2 is mounted and mount -t cgroup2 none %s "
			 "failed: %s (a kernel without cgroup v2, or a container that forbids "
			 "mounts)", private_dir, strerror(-rc));
		rmdir(private_dir);
		return rc;
	}
	*mounted = true;
	snprintf(out, outlen, "%s", private_dir);
	return 0;
}

int
cg2_make(const char *path, bool *created, char *err, size_t errlen)
{
	char parent[CG2_PATH_MAX];
	char *slash;
	int rc;

	*created = false;
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		snprintf(parent, sizeof(parent), "%s", slash ? "/" : ".");
	else
		*slash = '\0';
	if (!cg2_is_dir(parent)) {
		snprintf(err, errlen, "cgroup %s: its parent %s is not a cgroup v2 directory "
			 "(give a path inside a cgroup2 mount, or a bare NAME to have one found or "
			 "mounted)", path, parent);
		return -ENOTDIR;
	}
	if (mkdir(path, 0755) == 0) {
		*created = true;
		return 0;
	}
	rc = -errno;
	if (rc == -EEXIST && cg2_is_dir(path))
		return 0;
	snprintf(err, errlen, "cannot create cgroup %s: %s%s", path, strerror(-rc),
		 rc == -EROFS || rc == -EACCES || rc == -EPERM ?
		 " (is the cgroup v2 file system writable, and are you root?)" : "");
	return rc;
}

/* Move every process of path/cgroup.procs to parent/cgroup.procs; how many moved, or <0. */
static int
cg2_evacuate(const char *path, const char *parent)
{
	char procs[CG2_PATH_MAX + 16], dst[CG2_PATH_MAX + 16];
	FILE *in, *out;
	long pid;
	int moved = 0;
	bool ok;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	snprintf(dst, sizeof(dst), "%s/cgroup.procs", parent);
	in = fopen(procs, "r");
	if (!in)
		return errno == ENOENT ? 0 : -errno;
	while (fscanf(in, "%ld", &pid) == 1) {
		out = fopen(dst, "w");
		if (!out)
			break;
		/* A process that exits meanwhile fails with ESRCH: nothing to move. */
		ok = fprintf(out, "%ld\n", pid) > 0;
		if (fclose(out) == 0 && ok)
			moved++;
	}
	fclose(in);
	return moved;
}

int
cg2_remove(const char *path, int *moved, char *err, size_t errlen)
{
	struct timespec wait = { 0, CG2_RMDIR_WAIT_NS };
	char parent[CG2_PATH_MAX];
	char *slash;
	int i, n, rc = 0;

	if (moved)
		*moved = 0;
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	for (i = 0; i < CG2_RMDIR_TRIES; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		rc = -errno;
		if (rc != -EBUSY)
			break;
		n = cg2_evacuate(path, parent);
		if (n > 0 && moved)
			*moved += n;
		nanosleep(&wait, NULL);
	}
	snprintf(err, errlen, "cannot remove cgroup %s: %s%s", path, strerror(-rc),
		 rc == -EBUSY ? " (processes are still in it: cat its cgroup.procs)" : "");
	return rc;
}
