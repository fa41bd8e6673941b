// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0-only
/* The kernel's shortcut between local TCP sockets: sock_ops files them, sk_msg redirects. */
/*
 * sock_ops (attached to a cgroup v2 directory) puts every established IPv4 TCP connection whose
 * two ends are local addresses (127.0.0.0/8, 198.18.0.0/15) into a SOCKHASH keyed by its
 * 4-tuple as this end sees it. sk_msg (attached to that hash) runs on every sendmsg of a socket
 * in the hash, looks up the peer under the swapped 4-tuple, and moves the data straight into
 * the peer's receive queue (BPF_F_INGRESS): no TCP segment, no IP, no loopback device. A
 * message whose peer is not in the hash (a peer outside the cgroup) goes through TCP as usual
 * and is counted as a miss.
 *
 * Byte orders, the classic trap: the context's local_port is host order; remote_port holds
 * the port in network order in its upper 16 bits (read all 32 bits: bpf_ntohl() of it is the
 * port in host order). Both ports are kept in host order in the key.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sockmap_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, SOCKMAP_ENTRIES_MAX);
	__type(key, struct sockmap_key);
	__type(value, __u32);
} sock_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOCKMAP_CTR_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

#define NET_127_0_0_0	0x7f000000u
#define MASK_8		0xff000000u
#define NET_198_18_0_0	0xc6120000u
#define MASK_15		0xfffe0000u
#define AF_INET_		2

static __always_inline void
ctr_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += n;	/* per-CPU slot: no other CPU writes it */
}

/* addr in network order; true for the addresses of this host that the lab uses. */
static __always_inline int
addr_is_local(__u32 addr)
{
	__u32 a = bpf_ntohl(addr);

	return (a & MASK_8) == NET_127_0_0_0 || (a & MASK_15) == NET_198_18_0_0;
}

SEC("sockops")
int
sockmap_sockops(struct bpf_sock_ops *ops)
{
	struct sockmap_key key = {};

	if (ops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
	    ops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	if (ops->family != AF_INET_)
		return 1;
	if (!addr_is_local(ops->local_ip4) || !addr_is_local(ops->remote_ip4))
		return 1;
	key.local_ip4 = ops->local_ip4;
	key.remote_ip4 = ops->remote_ip4;
	key.local_port = ops->local_port;
	key.remote_port = bpf_ntohl(ops->remote_port);
	if (bpf_sock_hash_update(ops, &sock_hash, &key, BPF_NOEXIST) == 0)
		ctr_add(SOCKMAP_CTR_SOCKS_ADDED, 1);
	else
		ctr_add(SOCKMAP_CTR_SOCKS_FAILED, 1);
	return 1;
}

SEC("sk_msg")
int
sockmap_msg(struct sk_msg_md *msg)
{
	struct sockmap_key peer = {};
	__u64 len = msg->size;

	/* The peer files the connection under its own view of it: swap the two ends. */
	peer.local_ip4 = msg->remote_ip4;
	peer.remote_ip4 = msg->local_ip4;
	peer.local_port = bpf_ntohl(msg->remote_port);
	peer.remote_port = msg->local_port;
	if (bpf_msg_redirect_hash(msg, &sock_hash, &peer, BPF_F_INGRESS) == SK_PASS) {
		ctr_add(SOCKMAP_CTR_MSGS_REDIRECTED, 1);
		ctr_add(SOCKMAP_CTR_BYTES_REDIRECTED, len);
	} else {
		ctr_add(SOCKMAP_CTR_MSGS_MISSED, 1);
		ctr_add(SOCKMAP_CTR_BYTES_MISSED, len);
	}
	/* Either way: redirected when the peer was found, through TCP when it was not. */
	return SK_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
