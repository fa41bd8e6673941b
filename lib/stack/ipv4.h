/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 layer: header validation in the order of ROBUSTNESS.md, and checksum arithmetic. */
#ifndef STACK_IPV4_H
#define STACK_IPV4_H

#include <string.h>

#include <rte_ip.h>

#include "stack.h"

#define IPV4_MIN_HDR_BYTES 20
#define IPV4_FRAG_MASK RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

/*
 * Wire to host order for 16-bit fields. DPDK 22.11 swaps with an asm statement the compiler
 * cannot see through; the builtin lets it fold swaps into compares and loads (movbe, rol).
 */
static inline uint16_t
be16_host(rte_be16_t v)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap16(v);
#else
	return v;
#endif
}

static inline rte_be16_t
host_be16(uint16_t v)
{
	return (rte_be16_t)be16_host((rte_be16_t)v);
}

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

/* A 16-bit wire word from its two bytes in wire order, whatever the host's byte order. */
static inline rte_be16_t
wire_word(uint8_t first, uint8_t second)
{
	union {
		uint8_t b[2];
		rte_be16_t w;
	} u = {.b = {first, second}};

	return u.w;
}

/* One's complement sum (unfolded) of the IPv4 pseudo-header for an L4 segment of l4_len bytes. */
static inline uint64_t
ipv4_pseudo_sum(const struct rte_ipv4_hdr *ip, uint16_t l4_len)
{
	return (uint64_t)ip->src_addr + ip->dst_addr +
	       wire_word(0, ip->next_proto_id) + host_be16(l4_len);
}

/*
 * One's complement sum (unfolded) of len bytes, eight at a time into a 64-bit accumulator. Folding
 * the 32-bit halves gives the same 16-bit sum as adding 16-bit words (2^16 = 1 mod 0xffff), at a
 * quarter of the additions of DPDK 22.11's word loop; the halves are added before the running sum
 * so consecutive words do not wait on each other (add-with-carry chains measured slower). Inline:
 * it is the inner loop of the stack, and with a constant len (the 20-byte IPv4 header) it unrolls.
 */
static inline uint64_t
cksum_add(const void *buf, uint16_t len, uint64_t sum)
{
	const uint8_t *p = buf, *end8 = p + (len & ~7u);
	uint64_t v;
	uint32_t w;
	uint16_t h = 0;

	/* Bounded by a pointer, not a count: one compare a word and nothing to recompute. */
	for (; p != end8; p += 8) {
		memcpy(&v, p, 8);
		sum += (v & 0xffffffff) + (v >> 32);
	}
	if (len & 4) {
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
	}
	if (len & 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
	}
	if (len & 1) {
		h = 0;
		memcpy(&h, p, 1); /* the odd byte, padded with a zero byte after it */
		sum += h;
	}
	return sum;
}

/*
 * Fold to 16 bits: adding a word to itself rotated by half its width leaves the end-around sum
 * of its two halves in the upper half (the carry out of the lower half is the end-around carry).
 */
static inline uint16_t
cksum_fold(uint64_t sum)
{
	uint32_t s32 = (uint32_t)((sum + ((sum >> 32) | (sum << 32))) >> 32);

	return (uint16_t)((s32 + ((s32 >> 16) | (s32 << 16))) >> 16);
}

/* True when the one's complement sum of the data, checksum field included, verifies. */
static inline bool
cksum_ok(const void *data, uint16_t len, uint64_t initial)
{
	return cksum_fold(cksum_add(data, len, initial)) == 0xffff;
}

/* 0/8, 127/8, 224/4 and 240/4 (which holds 255.255.255.255), the subnet broadcast, ourselves. */
static inline bool
ipv4_src_is_martian(const struct stack_conf *conf, rte_be32_t src)
{
	uint8_t first = ((const uint8_t *)&src)[0];

	return first == 0 || first == 127 || first >= 224 || src == conf->ip ||
	       src == (conf->ip | ~conf->netmask);
}

/*
 * Judge an IPv4 frame (pkt->data at the Ethernet header). On a reply verdict the IP header has
 * been turned around: addresses swapped, fresh TTL, options removed, padding trimmed.
 */
enum stack_verdict ipv4_input(const struct stack_conf *conf, struct stack_pkt *pkt);

#endif
