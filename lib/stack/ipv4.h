/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 layer: header validation in the order of ROBUSTNESS.md, and checksum arithmetic. */
#ifndef STACK_IPV4_H
#define STACK_IPV4_H

#include <rte_ip.h>

#include "stack.h"

#define IPV4_MIN_HDR_BYTES 20
#define IPV4_FRAG_MASK RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

/*
 * RFC 1624 eqn. 3: the checksum after one 16-bit word of the summed data changed from old to new,
 * HC' = ~(~HC + ~m + m'). Works on wire-order values because one's complement sums are
 * byte-order independent.
 */
static inline rte_be16_t
cksum_adjust16(rte_be16_t cksum, rte_be16_t old, rte_be16_t new)
{
	uint32_t sum = (uint16_t)~cksum + (uint16_t)~old + (uint32_t)new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (rte_be16_t)~sum;
}

/* One's complement sum of the IPv4 pseudo-header for an L4 segment of l4_len bytes. */
static inline uint32_t
ipv4_pseudo_sum(const struct rte_ipv4_hdr *ip, uint16_t l4_len)
{
	uint32_t sum = 0;

	sum += ip->src_addr >> 16;
	sum += ip->src_addr & 0xffff;
	sum += ip->dst_addr >> 16;
	sum += ip->dst_addr & 0xffff;
	sum += rte_cpu_to_be_16(ip->next_proto_id);
	sum += rte_cpu_to_be_16(l4_len);
	return sum;
}

/* True when the one's complement sum of the data, checksum field included, verifies. */
static inline bool
cksum_ok(const void *data, uint16_t len, uint32_t initial)
{
	uint32_t sum = __rte_raw_cksum(data, len, initial);

	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

/*
 * Judge an IPv4 frame (pkt->data at the Ethernet header). On a reply verdict the IP header has
 * been turned around: addresses swapped, fresh TTL, options removed, padding trimmed.
 */
enum stack_verdict ipv4_input(const struct stack_conf *conf, struct stack_pkt *pkt);

#endif
