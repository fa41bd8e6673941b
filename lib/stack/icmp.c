/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP layer (RFC 792): answer echo requests byte for byte, answer nothing else. */
#include <string.h>

#include <rte_icmp.h>

#include "icmp.h"
#include "ipv4.h"

static __rte_cold __rte_noinline void
icmp_cksum_fill(struct rte_icmp_hdr *icmp, uint16_t len)
{
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (rte_be16_t)~cksum_fold(cksum_add(icmp, len, 0));
}

enum stack_verdict
icmp_input(const struct stack_conf *conf, struct stack_pkt *pkt, struct rte_ipv4_hdr *ip,
	   uint16_t ip_hdr_len, uint16_t len)
{
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ip_hdr_len);
	rte_be16_t old_word, new_word;

	if (len < ICMP_MIN_BYTES)
		return STACK_DROP_ICMP_SHORT;
	if (!cksum_ok(icmp, len, 0))
		return STACK_DROP_ICMP_BAD_CKSUM;
	/* Echo replies, errors and unknown types are never answered (RFC 1122 3.2.2). */
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
		return STACK_DROP_ICMP_NOT_ECHO;
	if (icmp->icmp_code != 0)
		return STACK_DROP_ICMP_BAD_CODE;

	/* ping ignores a reply whose data differs: only the type changes. */
	old_word = wire_word(RTE_IP_ICMP_ECHO_REQUEST, 0);
	new_word = wire_word(RTE_IP_ICMP_ECHO_REPLY, 0);
	memcpy(&icmp->icmp_type, &new_word, sizeof(new_word));
	icmp->icmp_cksum = cksum_adjust16(icmp->icmp_cksum, old_word, new_word);
	/*
	 * RFC 1624's update yields 0x0000 when the reply's other words sum to zero (an all-zero
	 * ping), where the only checksum that verifies is 0xffff: sum it afresh, 1 ping in 65536.
	 */
	if (unlikely(icmp->icmp_cksum == 0))
		icmp_cksum_fill(icmp, len);
	return STACK_REPLY_ICMP;
}
