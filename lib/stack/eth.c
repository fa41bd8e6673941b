/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet layer: who the frame is for, who it claims to be from, and which layer gets it. */
#include "arp.h"
#include "eth.h"
#include "ipv4.h"

static enum stack_verdict
eth_drop_type(uint16_t type)
{
	if (type < ETH_TYPE_MIN)
		return STACK_DROP_ETH_LLC;
	switch (type) {
	case RTE_ETHER_TYPE_VLAN:
	case RTE_ETHER_TYPE_QINQ:
		return STACK_DROP_ETH_VLAN;
	case RTE_ETHER_TYPE_IPV6:
		return STACK_DROP_ETH_IPV6;
	case ETH_TYPE_LLDP:
		return STACK_DROP_ETH_LLDP;
	default:
		return STACK_DROP_ETH_UNKNOWN_TYPE;
	}
}

enum stack_verdict
eth_input(const struct stack_conf *conf, struct stack_pkt *pkt)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)pkt->data;
	uint64_t dst, src;

	if (pkt->len < sizeof(*eth))
		return STACK_DROP_ETH_SHORT;
	dst = eth_load48(&eth->dst_addr);
	src = eth_load48(&eth->src_addr); /* 8 bytes from offset 6: still inside the header */
	/* tap and af_packet can deliver frames for other hosts: look before trusting anything. */
	if (dst != conf->mac48 && dst != ETH_ADDR_BCAST48)
		return STACK_DROP_ETH_NOT_FOR_US;
	if (eth_addr48_is_multicast(src) || src == conf->mac48)
		return STACK_DROP_ETH_BAD_SRC;
	pkt->l2_bcast = dst == ETH_ADDR_BCAST48;

	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return ipv4_input(conf, pkt);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		return arp_input(conf, pkt);
	default:
		return eth_drop_type(rte_be_to_cpu_16(eth->ether_type));
	}
}
