/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP (RFC 826, probes per RFC 5227): answer requests for our address, announce ourselves. */
#include <string.h>

#include <rte_arp.h>

#include "arp.h"
#include "eth.h"

/* The smallest frame the wire carries, before the FCS. */
#define ETH_MIN_FRAME_BYTES 60

/*
 * This host keeps no neighbour table: a reply goes back to the requester's Ethernet source, so
 * there is nothing to learn, 0.0.0.0 is never learned, and an unsolicited reply updates nothing.
 */
enum stack_verdict
arp_input(const struct stack_conf *conf, struct stack_pkt *pkt)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)pkt->data;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_arp_ipv4 *a = &arp->arp_data;

	if (pkt->len < sizeof(*eth) + sizeof(*arp))
		return STACK_DROP_ARP_SHORT;
	/* DPDK 22.11 types these fields as host integers although they hold wire order. */
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != sizeof(rte_be32_t))
		return STACK_DROP_ARP_BAD_FORMAT;
	if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
	    arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
		return STACK_DROP_ARP_BAD_OP;
	if (!rte_is_same_ether_addr(&a->arp_sha, &eth->src_addr) ||
	    rte_is_multicast_ether_addr(&a->arp_sha))
		return STACK_DROP_ARP_BAD_SENDER;
	if (a->arp_sip == conf->ip)
		return STACK_DROP_ARP_CONFLICT;
	if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY))
		return STACK_DROP_ARP_REPLY;
	if (a->arp_tip != conf->ip)
		return STACK_DROP_ARP_NOT_FOR_US;

	/* A probe (sender 0.0.0.0) gets the same unicast reply, to its Ethernet source. */
	eth_reply(eth, conf);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_sha, &a->arp_tha);
	a->arp_tip = a->arp_sip;
	rte_ether_addr_copy(&conf->mac, &a->arp_sha);
	a->arp_sip = conf->ip;
	pkt->len = sizeof(*eth) + sizeof(*arp);
	return STACK_REPLY_ARP;
}

uint16_t
stack_arp_frame(uint8_t *buf, uint16_t op, const struct rte_ether_addr *eth_dst,
		const struct rte_ether_addr *sha, rte_be32_t sip, const struct rte_ether_addr *tha,
		rte_be32_t tip)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	memset(buf, 0, ETH_MIN_FRAME_BYTES);
	rte_ether_addr_copy(eth_dst, &eth->dst_addr);
	rte_ether_addr_copy(sha, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(rte_be32_t);
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(sha, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = sip;
	rte_ether_addr_copy(tha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = tip;
	return ETH_MIN_FRAME_BYTES;
}

uint16_t
stack_arp_announce(const struct stack_conf *conf, uint8_t *buf)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct rte_ether_addr none = {{0}};

	return stack_arp_frame(buf, RTE_ARP_OP_REQUEST, &bcast, &conf->mac, conf->ip, &none,
			       conf->ip);
}
