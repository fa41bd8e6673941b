/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP layer (RFC 792): answer echo requests byte for byte, answer nothing else. */
#ifndef STACK_ICMP_H
#define STACK_ICMP_H

#include <rte_ip.h>

#include "stack.h"

#define ICMP_MIN_BYTES 8

/* Judge the len-byte ICMP message behind a validated IP header; an echo request becomes its reply. */
enum stack_verdict icmp_input(const struct stack_conf *conf, struct stack_pkt *pkt,
			      struct rte_ipv4_hdr *ip, uint16_t ip_hdr_len, uint16_t len);

#endif
