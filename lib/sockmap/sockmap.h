/* SPDX-License-Identifier: BSD-3-Clause */
/* Loader of sockmap.bpf.o: load it, attach sock_ops to a cgroup and sk_msg to the hash, count. */
#ifndef SOCKMAP_SOCKMAP_H
#define SOCKMAP_SOCKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockmap/sockmap_abi.h"

struct bpf_object;
struct bpf_link;

/*
 * Everything is owned by this process's file descriptors (the sock_ops bpf_link, the object's
 * program and map fds); nothing is pinned. Closing them, or the process dying, detaches the
 * programs and frees the hash, and every connection in it goes back to plain TCP.
 */
struct sockmap_accel {
	struct bpf_object *obj;
	struct bpf_link *sockops_link;
	int msg_prog_fd;
	int hash_fd;
	int ctr_fd;
	int ncpus;
	bool msg_attached;
	uint32_t sockops_prog_id;
	uint32_t msg_prog_id;
};

struct sockmap_counters {
	uint64_t v[SOCKMAP_CTR_COUNT];
};

/* Names of the counters as the stats JSON and the final line print them. */
extern const char *const sockmap_ctr_names[SOCKMAP_CTR_COUNT];

/*
 * Can this kernel run the shortcut? Creates (and closes) a small SOCKHASH. 0, or a negative
 * errno with the reason in err (-ENOSYS: no bpf(2); -EPERM: no privilege; -EINVAL: no sockmap).
 */
int sockmap_probe(char *err, size_t errlen);

/* Open and load the object at path. 0, or a negative errno with what failed in err. */
int sockmap_load(struct sockmap_accel *a, const char *path, char *err, size_t errlen);

/* Attach sock_ops to the cgroup directory cgroup_fd and sk_msg to the hash. */
int sockmap_attach(struct sockmap_accel *a, int cgroup_fd, char *err, size_t errlen);

/* Sum the per-CPU counters into c. */
int sockmap_read(const struct sockmap_accel *a, struct sockmap_counters *c, char *err,
		 size_t errlen);

/* Detach what sockmap_attach attached and free everything; safe on a partly set-up a. */
void sockmap_close(struct sockmap_accel *a);

/* libbpf's messages go to stderr when verbose, else only the last one is kept for errors. */
void sockmap_log_verbose(bool verbose);

#endif
