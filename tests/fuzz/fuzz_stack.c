/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the stack's (pointer, length) entry, with an oracle on every reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "stack/ipv4.h"
#include "stack/stack.h"

/*
 * Input: records of [flags:1][len:2, little endian][len bytes], so one input carries several
 * frames. Flags pick the RX checksum flags a PMD could have set. Each frame is copied into a
 * buffer of exactly its length, so AddressSanitizer sees any read past the frame.
 */
#define FUZZ_FRAME_MAX 9216

static const struct rte_ether_addr our_mac = {{0x02, 0, 0, 0, 0, 0x01}};

static struct stack_conf conf;

static void
fuzz_conf_init(void)
{
	static int done;

	if (done)
		return;
	stack_conf_init(&conf, &our_mac, RTE_BE32(0xc6120002), 24); /* 198.18.0.2/24 */
	stack_conf_add_udp_port(&conf, 7);
	stack_conf_add_udp_port(&conf, 9000);
	done = 1;
}

static uint64_t
fuzz_rx_flags(uint8_t f)
{
	static const uint64_t ip[4] = {
		RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_BAD,
		RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_NONE,
	};
	static const uint64_t l4[4] = {
		RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_BAD,
		RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_NONE,
	};

	return ip[f & 3] | l4[(f >> 2) & 3];
}

/* Invariants of every IPv4 reply; checksums only where the request's were verified by us. */
static void
fuzz_check_ipv4(const uint8_t *data, uint16_t len, enum stack_verdict v, bool trusted_flags)
{
	const struct rte_ipv4_hdr *ip = (const void *)(data + sizeof(struct rte_ether_hdr));
	uint16_t total = rte_be_to_cpu_16(ip->total_length);
	uint8_t dst_first = ((const uint8_t *)&ip->dst_addr)[0];

	if (len < sizeof(struct rte_ether_hdr) + IPV4_MIN_HDR_BYTES)
		abort();
	if (ip->version_ihl != RTE_IPV4_VHL_DEF)         /* options never go back */
		abort();
	if (sizeof(struct rte_ether_hdr) + total != len)  /* no padding, no overrun */
		abort();
	if (ip->src_addr != conf.ip || ip->time_to_live != STACK_TTL_DEFAULT)
		abort();
	if (dst_first == 0 || dst_first == 127 || dst_first >= 224)
		abort();
	if (trusted_flags)
		return;
	if (!cksum_ok(ip, IPV4_MIN_HDR_BYTES, 0))
		abort();
	if (v == STACK_REPLY_ICMP) {
		const struct rte_icmp_hdr *icmp = (const void *)(ip + 1);

		if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REPLY || icmp->icmp_code != 0 ||
		    !cksum_ok(icmp, total - IPV4_MIN_HDR_BYTES, 0))
			abort();
	} else {
		const struct rte_udp_hdr *udp = (const void *)(ip + 1);
		uint16_t ulen = rte_be_to_cpu_16(udp->dgram_len);

		if (ulen != total - IPV4_MIN_HDR_BYTES)
			abort();
		if (udp->dgram_cksum != 0 && !cksum_ok(udp, ulen, ipv4_pseudo_sum(ip, ulen)))
			abort();
	}
}

static void
fuzz_check_reply(const uint8_t *data, uint16_t len, uint16_t req_len, enum stack_verdict v,
		 bool trusted_flags)
{
	const struct rte_ether_hdr *eth = (const void *)data;

	if (len > req_len || len < sizeof(*eth))
		abort();
	/* Never to a broadcast or multicast address, always from us. */
	if (rte_is_multicast_ether_addr(&eth->dst_addr) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &our_mac))
		abort();
	if (v == STACK_REPLY_ARP) {
		const struct rte_arp_hdr *arp = (const void *)(eth + 1);

		if (len != sizeof(*eth) + sizeof(*arp) ||
		    arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY) ||
		    arp->arp_data.arp_sip != conf.ip ||
		    !rte_is_same_ether_addr(&arp->arp_data.arp_sha, &our_mac) ||
		    !rte_is_same_ether_addr(&arp->arp_data.arp_tha, &eth->dst_addr))
			abort();
		return;
	}
	fuzz_check_ipv4(data, len, v, trusted_flags);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct stack_stats stats = {0};
	uint64_t frames = 0;

	fuzz_conf_init();
	while (size >= 3) {
		uint8_t flags = in[0];
		uint16_t len = (uint16_t)(in[1] | in[2] << 8) % (FUZZ_FRAME_MAX + 1);
		struct stack_pkt pkt, lpkt;
		enum stack_verdict v;
		uint8_t *buf, *layers;

		in += 3;
		size -= 3;
		if (len > size)
			len = (uint16_t)size;
		buf = malloc(len ? len : 1);
		layers = malloc(len ? len : 1);
		if (buf == NULL || layers == NULL) {
			free(buf);
			free(layers);
			return 0;
		}
		memcpy(buf, in, len);
		in += len;
		size -= len;

		conf.rx_cksum_offload = flags & 0x80;
		pkt.data = buf;
		pkt.len = len;
		pkt.ol_flags = conf.rx_cksum_offload ? fuzz_rx_flags(flags) : 0;
		memcpy(layers, buf, len);
		lpkt = (struct stack_pkt){ .data = layers, .len = len, .ol_flags = pkt.ol_flags };
		v = stack_input(&conf, &pkt);
		if (v >= STACK_VERDICT_MAX)
			abort();
		/* The fast path stack_input() tries first must judge as the layers alone do. */
		if (stack_input_layers(&conf, &lpkt) != v)
			abort();
		if (stack_verdict_is_reply(v) &&
		    (pkt.data - buf != lpkt.data - layers || pkt.len != lpkt.len ||
		     memcmp(pkt.data, lpkt.data, pkt.len) != 0))
			abort();
		stats.verdicts[v]++;
		frames++;
		if (stack_verdict_is_reply(v)) {
			/* The reply lies inside the buffer the request came in. */
			if (pkt.data < buf || pkt.data + pkt.len > buf + len)
				abort();
			fuzz_check_reply(pkt.data, pkt.len, len, v, pkt.ol_flags != 0);
		}
		free(buf);
		free(layers);
	}
	if (stack_stats_total(&stats) != frames)
		abort();
	return 0;
}
