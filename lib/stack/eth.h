/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet layer: address checks and the EtherType dispatch. */
#ifndef STACK_ETH_H
#define STACK_ETH_H

#include <string.h>

#include "stack.h"

/* EtherTypes below this value are IEEE 802.3 length fields, not types. */
#define ETH_TYPE_MIN 0x0600
#define ETH_TYPE_LLDP 0x88CC

#define ETH_ADDR_MASK48 0xffffffffffffull
#define ETH_ADDR_BCAST48 ETH_ADDR_MASK48

/*
 * A MAC address as one integer: an 8-byte load (the frame is long enough: the caller has
 * checked the 14-byte header) masked to the 6 bytes in memory order, whatever the host order.
 */
static inline uint64_t
eth_load48(const void *p)
{
	uint64_t v = 0;

	memcpy(&v, p, 8);
	return rte_le_to_cpu_64(v) & ETH_ADDR_MASK48;
}

/* The group bit is the first byte's lowest bit, the lowest bit of eth_load48()'s value. */
static inline bool
eth_addr48_is_multicast(uint64_t a)
{
	return a & 1;
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
