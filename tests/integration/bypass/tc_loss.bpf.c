/* SPDX-License-Identifier: BSD-3-Clause */
/* A tc filter that drops a share (LOSS_PER_MILLE) of the IPv4 TCP segments crossing a kernel
 * interface, at random: netem's `loss` for kernels built without sch_netem (tcp_echo.sh). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef LOSS_PER_MILLE
#define LOSS_PER_MILLE 50
#endif

SEC("tc")
int
tc_loss(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	/* Only TCP: ARP and the rest pass, so the loss is the segments' alone. */
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	return bpf_get_prandom_u32() % 1000 < LOSS_PER_MILLE ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
