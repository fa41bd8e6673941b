/* SPDX-License-Identifier: BSD-3-Clause */
/* The stack's fast path: the frame an echo server mostly sees, judged and answered in one pass. */
/* Longer than what STYLE.md inlines: it is the burst loop's body, where a call would cost more
 * than the work, and a header so test_stack_fast can hold it against the layers directly. */
#ifndef STACK_FAST_H
#define STACK_FAST_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_udp.h>

#include "eth.h"
#include "ipv4.h"
#include "udp.h"

/* Byte offsets in a frame of Ethernet, an IPv4 header without options, and UDP. */
#define FAST_OFF_ETH_TYPE 12
#define FAST_OFF_IP 14
#define FAST_OFF_IP_TOTAL_LEN 16 /* then id, flags and fragment offset, TTL, protocol */
#define FAST_OFF_IP_TTL 22
#define FAST_OFF_IP_CKSUM 24
#define FAST_OFF_IP_SRC 26       /* then the destination */
#define FAST_OFF_IP_DST 30
#define FAST_OFF_UDP 34
#define FAST_OFF_UDP_PAYLOAD 42

/* Bytes 12..14 as a little-endian word: EtherType 0x0800, then version 4 with IHL 5. */
#define FAST_ETH_IPV4_IHL5 0x450008u
#define FAST_MASK24 0xffffffu
/* In the word at FAST_OFF_IP_TOTAL_LEN: the MF flag and fragment offset, and the protocol. */
#define FAST_IP_FRAG_PROTO_MASK 0xff00ff3f00000000ull
#define FAST_IP_PROTO_SHIFT 56

static inline uint64_t
fast_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
fast_load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Answer the common frame in one pass: a UDP datagram to a served port, unicast to our MAC and
 * address, in an IPv4 header without options, unfragmented, no padding, and RX checksum flags
 * that say nothing (the checksum is verified here) or GOOD (the NIC verified it) for each of
 * the two checksums; BAD and NONE are the layers' to handle. Every check the layers make of such
 * a frame is made here too. Returns true with the reply written in place (the bytes the layers
 * would write: the frame keeps its start and length), counted as a UDP reply by the caller.
 * Returns false, the frame untouched, for anything else: the layers then judge it and name its
 * verdict. Little-endian hosts only: elsewhere the layers do it all.
 */
static inline bool
stack_udp_fast(const struct stack_conf *conf, struct stack_pkt *pkt)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint8_t *p = pkt->data;
	uint64_t dst, src, ip_word, addrs, udp_word, hdr_a, hdr_b, sum;
	uint16_t udp_len, udp_cksum;
	uint32_t ports, mac_tail;

	/* BAD and NONE both have the BAD bit; UNKNOWN (0) and GOOD do not. */
	if (pkt->len < FAST_OFF_UDP_PAYLOAD ||
	    (pkt->ol_flags & (RTE_MBUF_F_RX_IP_CKSUM_BAD | RTE_MBUF_F_RX_L4_CKSUM_BAD)) != 0)
		return false;
	dst = eth_load48(p);
	src = eth_load48(p + RTE_ETHER_ADDR_LEN);
	if (dst != conf->mac48 || eth_addr48_is_multicast(src) || src == conf->mac48)
		return false;
	if ((fast_load32(p + FAST_OFF_ETH_TYPE) & FAST_MASK24) != FAST_ETH_IPV4_IHL5)
		return false;
	ip_word = fast_load64(p + FAST_OFF_IP_TOTAL_LEN);
	if (be16_host((rte_be16_t)ip_word) != pkt->len - FAST_OFF_IP ||
	    (ip_word & FAST_IP_FRAG_PROTO_MASK) != (uint64_t)IPPROTO_UDP << FAST_IP_PROTO_SHIFT)
		return false;
	addrs = fast_load64(p + FAST_OFF_IP_SRC);
	if ((rte_be32_t)(addrs >> 32) != conf->ip || ipv4_src_is_martian(conf, (rte_be32_t)addrs))
		return false;
	udp_word = fast_load64(p + FAST_OFF_UDP);
	udp_len = be16_host((rte_be16_t)(udp_word >> 32));
	udp_cksum = (uint16_t)(udp_word >> 48);
	if (udp_len != pkt->len - FAST_OFF_UDP ||
	    udp_src_port_is_reflector(be16_host((rte_be16_t)udp_word)) ||
	    !stack_udp_port_served(conf, be16_host((rte_be16_t)(udp_word >> 16))))
		return false;

	/* The 20-byte header's sum, in 32-bit halves: bytes 14..21, 22..29 and 30..33. */
	if (!(pkt->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD)) {
		hdr_a = fast_load64(p + FAST_OFF_IP);
		hdr_b = fast_load64(p + FAST_OFF_IP + 8);
		sum = (hdr_a & UINT32_MAX) + (hdr_a >> 32) + (hdr_b & UINT32_MAX) +
		      (hdr_b >> 32) + fast_load32(p + FAST_OFF_IP_DST);
		if (cksum_fold(sum) != 0xffff)
			return false;
	}
	/* 0: the sender computed none; GOOD: the NIC checked the whole datagram, which fills
	 * the IP payload here (no bytes after it for a NIC to have summed). */
	if (udp_cksum != 0 && !(pkt->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_GOOD)) {
		/* The pseudo-header, the UDP header already loaded, then the payload. */
		sum = (addrs & UINT32_MAX) + (addrs >> 32) + wire_word(0, IPPROTO_UDP) +
		      host_be16(udp_len) + (udp_word & UINT32_MAX) + (udp_word >> 32);
		if (!cksum_ok(p + FAST_OFF_UDP_PAYLOAD, udp_len - sizeof(struct rte_udp_hdr), sum))
			return false;
	}

	/* Turn around: swapping addresses and ports leaves both checksums as they were; a TTL
	 * other than ours is replaced and the header checksum updated for it (RFC 1624). */
	if (unlikely(p[FAST_OFF_IP_TTL] != conf->ttl)) {
		rte_be16_t old_word, new_word, cksum;

		memcpy(&old_word, p + FAST_OFF_IP_TTL, sizeof(old_word));
		new_word = wire_word(conf->ttl, IPPROTO_UDP);
		memcpy(p + FAST_OFF_IP_TTL, &new_word, sizeof(new_word));
		memcpy(&cksum, p + FAST_OFF_IP_CKSUM, sizeof(cksum));
		cksum = cksum_adjust16(cksum, old_word, new_word);
		memcpy(p + FAST_OFF_IP_CKSUM, &cksum, sizeof(cksum));
	}
	addrs = addrs >> 32 | addrs << 32;
	memcpy(p + FAST_OFF_IP_SRC, &addrs, sizeof(addrs));
	ports = (uint32_t)udp_word;
	ports = ports >> 16 | ports << 16;
	memcpy(p + FAST_OFF_UDP, &ports, sizeof(ports));
	/* Back to the sender, from us: bytes 0..7, then 8..11. */
	dst = src | conf->mac48 << 48;
	memcpy(p, &dst, sizeof(dst));
	mac_tail = (uint32_t)(conf->mac48 >> 16);
	memcpy(p + 8, &mac_tail, sizeof(mac_tail));
	return true;
#else
	RTE_SET_USED(conf);
	RTE_SET_USED(pkt);
	return false;
#endif
}

#endif
