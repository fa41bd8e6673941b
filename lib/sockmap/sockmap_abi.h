/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0-only */
/* What sockmap.bpf.c and its loader share: the SOCKHASH key and the counter indexes. */
#ifndef SOCKMAP_ABI_H
#define SOCKMAP_ABI_H

#include <linux/types.h>

#define SOCKMAP_ENTRIES_MAX 65536	/* connection ends the hash holds (two per connection) */

/* One end of a connection as that end sees it: addresses in network order, ports in host
 * order. The peer of {a, b, pa, pb} is {b, a, pb, pa}. */
struct sockmap_key {
	__u32 local_ip4;
	__u32 remote_ip4;
	__u32 local_port;
	__u32 remote_port;
};

/* Slots of the per-CPU counter array; the loader sums them over the CPUs. */
enum sockmap_ctr {
	SOCKMAP_CTR_MSGS_REDIRECTED,	/* sendmsg data moved to the peer's receive queue */
	SOCKMAP_CTR_BYTES_REDIRECTED,
	SOCKMAP_CTR_MSGS_MISSED,	/* peer not in the hash: went through TCP */
	SOCKMAP_CTR_BYTES_MISSED,
	SOCKMAP_CTR_SOCKS_ADDED,	/* connection ends put into the hash by sock_ops */
	SOCKMAP_CTR_SOCKS_FAILED,	/* sock_hash_update refused (hash full, duplicate) */
	SOCKMAP_CTR_COUNT
};

#endif
