/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 layer: validate in the order of ROBUSTNESS.md, hand ICMP and UDP on, turn replies around. */
#include <string.h>

#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "tcp_int.h"
#include "udp.h"

/* The common header without options has a constant length: let the compiler unroll its sum. */
static inline bool
ipv4_hdr_cksum_ok(const struct rte_ipv4_hdr *ip, uint16_t hdr_len)
{
	if (likely(hdr_len == IPV4_MIN_HDR_BYTES))
		return cksum_ok(ip, IPV4_MIN_HDR_BYTES, 0);
	return cksum_ok(ip, hdr_len, 0);
}

/* The PMD vouched for a header whose checksum field it left unfilled: fill it. Rare. */
static __rte_cold __rte_noinline void
ipv4_cksum_fill(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static bool
ipv4_dst_is_bcast_or_mcast(const struct stack_conf *conf, rte_be32_t dst)
{
	uint8_t first = ((const uint8_t *)&dst)[0];

	return first >= 224 || dst == (conf->ip | ~conf->netmask);
}

/*
 * Strip IP options from a reply: slide the Ethernet and IP headers (at data) forward over them
 * so the L4 bytes stay where they are, and fix length and checksum; the frame then starts
 * opt_len bytes later. Rare; the headers are 34 bytes. It takes the frame, not the stack_pkt: a
 * cold call that took the packet's address would keep the hot path's copy of it in memory.
 */
static __rte_cold __rte_noinline void
ipv4_strip_options(uint8_t *data, uint16_t opt_len)
{
	struct rte_ipv4_hdr *ip;

	memmove(data + opt_len, data, sizeof(struct rte_ether_hdr) + IPV4_MIN_HDR_BYTES);
	ip = (struct rte_ipv4_hdr *)(data + opt_len + sizeof(struct rte_ether_hdr));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = host_be16(be16_host(ip->total_length) - opt_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

enum stack_verdict
ipv4_input(const struct stack_conf *conf, struct stack_pkt *pkt)
{
	const uint16_t l2_len = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(pkt->data + l2_len);
	uint16_t present = pkt->len - l2_len, hdr_len, total;
	struct stack_pkt tcp_pkt;
	enum stack_verdict v;
	rte_be16_t old_word, new_word;
	uint64_t ip_flags;

	/* Every length is checked before any helper that trusts the header runs. */
	if (present < IPV4_MIN_HDR_BYTES)
		return STACK_DROP_IP_SHORT;
	if ((ip->version_ihl >> 4) != 4)
		return STACK_DROP_IP_VERSION;
	hdr_len = (uint16_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if (hdr_len < IPV4_MIN_HDR_BYTES)
		return STACK_DROP_IP_BAD_IHL;
	if (hdr_len > present)
		return STACK_DROP_IP_HDR_TRUNC;
	ip_flags = pkt->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	/* Software PMDs say nothing (the common case, tested first); NONE: the PMD vouches for the
	 * header but its checksum field is not filled in. */
	if (likely(ip_flags == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN) ? !ipv4_hdr_cksum_ok(ip, hdr_len) :
								ip_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return STACK_DROP_IP_BAD_CKSUM;
	total = be16_host(ip->total_length);
	if (total < hdr_len || total > present)
		return STACK_DROP_IP_BAD_LEN;
	if (ip->fragment_offset & IPV4_FRAG_MASK)
		return STACK_DROP_IP_FRAGMENT;

	if (ip->dst_addr != conf->ip) {
		if (ipv4_dst_is_bcast_or_mcast(conf, ip->dst_addr))
			return STACK_DROP_IP_BCAST;
		return STACK_DROP_IP_NOT_FOR_US;
	}
	if (pkt->l2_bcast)
		return STACK_DROP_IP_L2_BCAST;
	if (ipv4_src_is_martian(conf, ip->src_addr))
		return STACK_DROP_IP_MARTIAN_SRC;

	/* Minimum-size frames carry padding after the datagram: the reply carries none. */
	pkt->len = l2_len + total;

	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		v = icmp_input(conf, pkt, ip, hdr_len, total - hdr_len);
		break;
	case IPPROTO_UDP:
		v = udp_input(conf, pkt, ip, hdr_len, total - hdr_len);
		break;
	case IPPROTO_TCP:
		/* TCP writes whole frames of its own (new lengths, options): no turning around.
		 * It gets a copy: a call that took pkt's address would keep the UDP fast path's
		 * pkt in memory instead of registers (7 more instructions a datagram). */
		tcp_pkt = *pkt;
		v = tcp_input(conf, &tcp_pkt, ip, hdr_len, total - hdr_len);
		pkt->data = tcp_pkt.data;
		pkt->len = tcp_pkt.len;
		return v;
	default:
		return STACK_DROP_IP_UNKNOWN_PROTO;
	}
	if (!stack_verdict_is_reply(v))
		return v;

	/* Turn around: swapping the addresses leaves every checksum as it was; the TTL does not. */
	RTE_SWAP(ip->src_addr, ip->dst_addr);
	/* One 16-bit store for TTL and protocol: a byte store then a word load would stall. */
	if (ip->time_to_live != conf->ttl) { /* senders mostly start at 64 too: nothing to adjust */
		old_word = wire_word(ip->time_to_live, ip->next_proto_id);
		new_word = wire_word(conf->ttl, ip->next_proto_id);
		memcpy(&ip->time_to_live, &new_word, sizeof(new_word));
		ip->hdr_checksum = cksum_adjust16(ip->hdr_checksum, old_word, new_word);
	}
	if (hdr_len > IPV4_MIN_HDR_BYTES) {
		ipv4_strip_options(pkt->data, hdr_len - IPV4_MIN_HDR_BYTES);
		pkt->data += hdr_len - IPV4_MIN_HDR_BYTES;
		pkt->len -= hdr_len - IPV4_MIN_HDR_BYTES;
	} else if (unlikely(ip_flags == RTE_MBUF_F_RX_IP_CKSUM_NONE)) {
		ipv4_cksum_fill(ip);
	}
	eth_reply((struct rte_ether_hdr *)pkt->data, conf);
	return v;
}
