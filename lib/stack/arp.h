/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP (RFC 826, probes per RFC 5227): answer requests for our address, announce ourselves. */
#ifndef STACK_ARP_H
#define STACK_ARP_H

#include "stack.h"

/* Judge an ARP frame (Ethernet header included); a request for us becomes the reply in place. */
enum stack_verdict arp_input(const struct stack_conf *conf, struct stack_pkt *pkt);

#endif
