/* SPDX-License-Identifier: BSD-3-Clause */
/* Loads sockmap.bpf.o with libbpf, attaches it, reads its per-CPU counters, detaches it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sockmap/sockmap.h"

#define LIBBPF_MSG_LEN 256

const char *const sockmap_ctr_names[SOCKMAP_CTR_COUNT] = {
	[SOCKMAP_CTR_MSGS_REDIRECTED] = "redirected_msgs",
	[SOCKMAP_CTR_BYTES_REDIRECTED] = "redirected_bytes",
	[SOCKMAP_CTR_MSGS_MISSED] = "missed_msgs",
	[SOCKMAP_CTR_BYTES_MISSED] = "missed_bytes",
	[SOCKMAP_CTR_SOCKS_ADDED] = "socks_added",
	[SOCKMAP_CTR_SOCKS_FAILED] = "socks_failed",
};

static bool libbpf_verbose;
static char libbpf_last[LIBBPF_MSG_LEN];	/* libbpf's last warning, for error lines */

static int
libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[LIBBPF_MSG_LEN];
	size_t n;

	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (libbpf_verbose)
		fprintf(stderr, "libbpf: %s\n", line);
	if (level == LIBBPF_WARN && n > 0)
		snprintf(libbpf_last, sizeof(libbpf_last), "%s",
			 strncmp(line, "libbpf: ", 8) == 0 ? line + 8 : line);
	return 0;
}

void
sockmap_log_verbose(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

int
sockmap_probe(char *err, size_t errlen)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_SOCKHASH, "sockmap_probe",
				sizeof(struct sockmap_key), sizeof(__u32), 1, NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	fd = -errno;
	switch (fd) {
	case -ENOSYS:
		snprintf(err, errlen, "this kernel has no BPF (bpf(2): %s): it needs "
			 "CONFIG_BPF_SYSCALL, CONFIG_CGROUP_BPF and CONFIG_NET_SOCK_MSG",
			 strerror(-fd));
		break;
	case -EPERM:
		snprintf(err, errlen, "bpf(2) refused to create a SOCKHASH (%s): run as root "
			 "(CAP_BPF and CAP_NET_ADMIN)", strerror(-fd));
		break;
	case -EINVAL:
		snprintf(err, errlen, "this kernel has BPF but no SOCKHASH (%s): it needs "
			 "CONFIG_NET_SOCK_MSG (CONFIG_BPF_STREAM_PARSER on kernels before 5.x)",
			 strerror(-fd));
		break;
	default:
		snprintf(err, errlen, "cannot create a SOCKHASH: %s", strerror(-fd));
	}
	return fd;
}

static uint32_t
prog_id(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

static int
map_fd(struct sockmap_accel *a, const char *name, char *err, size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(a->obj, name);

	if (!m) {
		snprintf(err, errlen, "%s has no map '%s': not this project's sockmap.bpf.o?",
			 bpf_object__name(a->obj), name);
		return -ENOENT;
	}
	return bpf_map__fd(m);
}

/* libbpf's own codes (LIBBPF_ERRNO__*, above 4000) have texts strerror() does not know. */
static const char *
bpf_strerror(int rc, char *buf, size_t len)
{
	if (libbpf_strerror(rc, buf, len) < 0)
		snprintf(buf, len, "%s", strerror(-rc));
	return buf;
}

int
sockmap_load(struct sockmap_accel *a, const char *path, char *err, size_t errlen)
{
	char why[128];
	int rc;

	memset(a, 0, sizeof(*a));
	a->msg_prog_fd = a->hash_fd = a->ctr_fd = -1;
	libbpf_last[0] = '\0';
	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus <= 0) {
		snprintf(err, errlen, "cannot count the possible CPUs: %s", strerror(-a->ncpus));
		return a->ncpus < 0 ? a->ncpus : -EINVAL;
	}
	a->obj = bpf_object__open_file(path, NULL);
	if (!a->obj) {
		rc = -errno;
		snprintf(err, errlen, "cannot open BPF object %s: %s%s%s", path,
			 bpf_strerror(rc, why, sizeof(why)),
			 libbpf_last[0] ? "; libbpf: " : "", libbpf_last);
		goto out;
	}
	rc = bpf_object__load(a->obj);
	if (rc < 0) {
		snprintf(err, errlen, "the kernel refused BPF object %s: %s%s%s", path,
			 bpf_strerror(rc, why, sizeof(why)), libbpf_last[0] ? "; libbpf: " : "",
			 libbpf_last);
		goto out_close;
	}
	rc = map_fd(a, "sock_hash", err, errlen);
	if (rc < 0)
		goto out_close;
	a->hash_fd = rc;
	rc = map_fd(a, "counters", err, errlen);
	if (rc < 0)
		goto out_close;
	a->ctr_fd = rc;
	return 0;

out_close:
	bpf_object__close(a->obj);
	a->obj = NULL;
out:
	a->hash_fd = a->ctr_fd = -1;
	return rc;
}

static struct bpf_program *
find_prog(struct sockmap_accel *a, const char *name, char *err, size_t errlen)
{
	struct bpf_program *p = bpf_object__find_program_by_name(a->obj, name);

	if (!p)
		snprintf(err, errlen, "%s has no program '%s': not this project's sockmap.bpf.o?",
			 bpf_object__name(a->obj), name);
	return p;
}

int
sockmap_attach(struct sockmap_accel *a, int cgroup_fd, char *err, size_t errlen)
{
	struct bpf_program *ops, *msg;
	int rc;

	ops = find_prog(a, "sockmap_sockops", err, errlen);
	msg = find_prog(a, "sockmap_msg", err, errlen);
	if (!ops || !msg)
		return -ENOENT;
	/* sk_msg first: a connection filed by sock_ops is redirected from its first send. */
	a->msg_prog_fd = bpf_program__fd(msg);
	if (bpf_prog_attach(a->msg_prog_fd, a->hash_fd, BPF_SK_MSG_VERDICT, 0) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot attach sk_msg to the SOCKHASH: %s", strerror(-rc));
		return rc;
	}
	a->msg_attached = true;
	a->msg_prog_id = prog_id(a->msg_prog_fd);
	a->sockops_link = bpf_program__attach_cgroup(ops, cgroup_fd);
	if (!a->sockops_link) {
		rc = -errno;
		snprintf(err, errlen, "cannot attach sock_ops to the cgroup: %s%s", strerror(-rc),
			 rc == -EINVAL || rc == -EOPNOTSUPP ?
			 " (a kernel without CONFIG_CGROUP_BPF?)" : "");
		return rc;
	}
	a->sockops_prog_id = prog_id(bpf_program__fd(ops));
	return 0;
}

int
sockmap_read(const struct sockmap_accel *a, struct sockmap_counters *c, char *err,
	     size_t errlen)
{
	__u64 vals[a->ncpus];
	__u32 k;
	int i;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < SOCKMAP_CTR_COUNT; k++) {
		if (bpf_map_lookup_elem(a->ctr_fd, &k, vals) < 0) {
			snprintf(err, errlen, "cannot read counter %s: %s", sockmap_ctr_names[k],
				 strerror(errno));
			return -errno;
		}
		for (i = 0; i < a->ncpus; i++)
			c->v[k] += vals[i];
	}
	return 0;
}

void
sockmap_close(struct sockmap_accel *a)
{
	if (a->sockops_link) {
		bpf_link__destroy(a->sockops_link);
		a->sockops_link = NULL;
	}
	if (a->msg_attached) {
		bpf_prog_detach2(a->msg_prog_fd, a->hash_fd, BPF_SK_MSG_VERDICT);
		a->msg_attached = false;
	}
	if (a->obj) {
		bpf_object__close(a->obj);
		a->obj = NULL;
	}
	a->msg_prog_fd = a->hash_fd = a->ctr_fd = -1;
}
