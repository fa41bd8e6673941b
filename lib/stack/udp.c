/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP layer (RFC 768): echo datagrams on the served ports, exactly the bytes that came. */
#include <rte_udp.h>

#include "ipv4.h"
#include "udp.h"

/*
 * The PMD's verdict is trusted only when the datagram fills the IP payload: drivers (net_tap's
 * software check among them) sum what the IP header says, so bytes after a shorter datagram would
 * make a good one look bad and a forged one look good.
 */
static uint64_t
udp_rx_cksum_flags(const struct stack_pkt *pkt, uint16_t udp_len, uint16_t ip_payload)
{
	return udp_len == ip_payload ? pkt->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK :
				       RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
}

static bool
udp_cksum_ok(uint64_t l4, const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp,
	     uint16_t udp_len)
{
	if (udp->dgram_cksum == 0) /* the sender computed none */
		return true;
	/* Software PMDs say nothing: the common case is tested first. */
	if (likely(l4 == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN))
		return cksum_ok(udp, udp_len, ipv4_pseudo_sum(ip, udp_len));
	/* NONE: the PMD vouches for the data; the checksum field is partial (udp_input fixes it). */
	return l4 != RTE_MBUF_F_RX_L4_CKSUM_BAD;
}

/* A full checksum for a datagram whose field the sender left partial; 0 is sent as 0xffff. */
static __rte_cold __rte_noinline void
udp_cksum_fill(const struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp, uint16_t udp_len)
{
	uint16_t c;

	udp->dgram_cksum = 0;
	c = (uint16_t)~cksum_fold(cksum_add(udp, udp_len, ipv4_pseudo_sum(ip, udp_len)));
	udp->dgram_cksum = c == 0 ? 0xffff : c;
}

enum stack_verdict
udp_input(const struct stack_conf *conf, struct stack_pkt *pkt, struct rte_ipv4_hdr *ip,
	  uint16_t ip_hdr_len, uint16_t ip_payload)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + ip_hdr_len);
	uint16_t udp_len;
	uint64_t l4_flags;
	rte_be16_t new_total;

	if (ip_payload < sizeof(*udp))
		return STACK_DROP_UDP_SHORT;
	udp_len = be16_host(udp->dgram_len);
	if (udp_len < sizeof(*udp))
		return STACK_DROP_UDP_SHORT;
	if (udp_len > ip_payload)
		return STACK_DROP_UDP_BAD_LEN;
	l4_flags = udp_rx_cksum_flags(pkt, udp_len, ip_payload);
	if (!udp_cksum_ok(l4_flags, ip, udp, udp_len))
		return STACK_DROP_UDP_BAD_CKSUM;
	if (udp_src_port_is_reflector(be16_host(udp->src_port)))
		return STACK_DROP_UDP_BAD_SRC_PORT;
	if (!stack_udp_port_served(conf, be16_host(udp->dst_port)))
		return STACK_DROP_UDP_PORT_CLOSED;

	/* Bytes past the UDP length are not the datagram's: echo exactly udp_len of them. */
	if (udp_len < ip_payload) {
		new_total = host_be16(ip_hdr_len + udp_len);
		ip->hdr_checksum = cksum_adjust16(ip->hdr_checksum, ip->total_length, new_total);
		ip->total_length = new_total;
		pkt->len -= ip_payload - udp_len;
	}
	/* Swapping ports (and addresses, in the IP layer) leaves the checksum as it was. */
	RTE_SWAP(udp->src_port, udp->dst_port);
	/* A partial checksum is completed; "no checksum" (0) stays as the sender chose. */
	if (unlikely(l4_flags == RTE_MBUF_F_RX_L4_CKSUM_NONE) && udp->dgram_cksum != 0)
		udp_cksum_fill(ip, udp, udp_len);
	return STACK_REPLY_UDP;
}
