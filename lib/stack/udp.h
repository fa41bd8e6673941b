/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP layer (RFC 768): echo datagrams on the served ports, exactly the bytes that came. */
#ifndef STACK_UDP_H
#define STACK_UDP_H

#include <rte_ip.h>

#include "stack.h"

/* Source ports that would make an echo reflect into another echo, daytime or chargen service. */
#define UDP_REFLECTOR_PORTS ((1u << 0) | (1u << 7) | (1u << 13) | (1u << 19))

static inline bool
udp_src_port_is_reflector(uint16_t port)
{
	return port < 32 && ((UDP_REFLECTOR_PORTS >> port) & 1);
}

/* Judge the UDP datagram in the ip_payload bytes behind a validated IP header; on a reply the ports are swapped. */
enum stack_verdict udp_input(const struct stack_conf *conf, struct stack_pkt *pkt,
			     struct rte_ipv4_hdr *ip, uint16_t ip_hdr_len, uint16_t ip_payload);

#endif
