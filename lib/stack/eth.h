/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet layer: address checks and the EtherType dispatch. */
#ifndef STACK_ETH_H
#define STACK_ETH_H

#include "stack.h"

/* EtherTypes below this value are IEEE 802.3 length fields, not types. */
#define ETH_TYPE_MIN 0x0600
#define ETH_TYPE_LLDP 0x88CC

static inline bool
eth_is_ours_or_bcast(const struct rte_ether_addr *a, const struct rte_ether_addr *ours)
{
	return rte_is_same_ether_addr(a, ours) || rte_is_broadcast_ether_addr(a);
}

/* Turn the frame's Ethernet header into a reply's: back to the sender, from us. */
static inline void
eth_reply(struct rte_ether_hdr *eth, const struct stack_conf *conf)
{
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&conf->mac, &eth->src_addr);
}

enum stack_verdict eth_input(const struct stack_conf *conf, struct stack_pkt *pkt);

#endif
