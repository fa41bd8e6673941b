/* SPDX-License-Identifier: BSD-3-Clause */
/* Golden-frame cases and the checks every stack test executable shares. */
#ifndef STACK_TEST_GOLDEN_H
#define STACK_TEST_GOLDEN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <rte_ip.h>

#include "stack/stack.h"

/* The host the golden frames talk to (gen_golden.py: OUR_MAC, OUR_IP, the UDP ports). */
#define GOLDEN_OUR_MAC { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } }
/* DPDK 22.11's RTE_IPV4() shifts an int into the sign bit for a first octet >= 128 (UBSan). */
#define GOLDEN_IPV4(a, b, c, d) \
	RTE_BE32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define GOLDEN_OUR_IP GOLDEN_IPV4(198, 18, 0, 2)
#define GOLDEN_PREFIX_LEN 24
#define GOLDEN_UDP_PORT_ALT 9000
#define GOLDEN_ETH_HDR_BYTES 14
#define GOLDEN_IP_HDR_BYTES 20
#define GOLDEN_TTL_OFFSET (GOLDEN_ETH_HDR_BYTES + 8)

/* One request, what the stack must make of it, and the ROBUSTNESS.md cases (bit n: case n). */
struct golden_case {
	const char *name;
	const char *layer; /* "eth", "arp", "ipv4", "icmp", "udp": the executable that runs it */
	uint32_t robustness;
	enum stack_verdict verdict;
	const uint8_t *req;
	uint16_t req_len;
	const uint8_t *reply; /* NULL for a drop */
	uint16_t reply_len;
};

/* A frame the stack writes on its own (the ARP announcement). */
struct golden_frame {
	const char *name;
	const uint8_t *bytes;
	uint16_t len;
};

/* One frame run through stack_input() from a heap copy of exactly its length. */
struct golden_run {
	uint8_t *buf;
	uint16_t buf_len;
	struct stack_pkt pkt;
	enum stack_verdict verdict;
};

/* Our host: golden MAC and address, /24, UDP echo on 7 and 9000, checksums in software. */
void golden_conf_init(struct stack_conf *conf);

size_t golden_case_count(void);
const struct golden_case *golden_case_at(size_t i);
/* The case called name; fails the running test when there is none. */
const struct golden_case *golden_case_get(const char *name);
const struct golden_frame *golden_extra_get(const char *name);

/*
 * Copy frame into a buffer of exactly len bytes (so sanitizers see over-reads), run it, and
 * check that a reply lies inside that buffer and is no longer than the request.
 */
void golden_input(const struct stack_conf *conf, const uint8_t *frame, uint16_t len,
		  uint64_t ol_flags, struct golden_run *run);
void golden_run_free(struct golden_run *run);

void golden_assert_verdict(enum stack_verdict got, enum stack_verdict want, const char *what);
void golden_assert_bytes(const uint8_t *got, uint16_t got_len, const uint8_t *want,
			 uint16_t want_len, const char *what);
/* Run the case under conf: its verdict, and for a reply its exact bytes and length. */
void golden_check_case(const struct stack_conf *conf, const struct golden_case *c);

/*
 * Run the case called name with RX checksum offload on and these PMD flags: the verdict must be
 * want, and where want is the case's own verdict, a reply must be its golden bytes.
 */
void golden_expect_offload(const char *name, uint64_t ol_flags, enum stack_verdict want);

/* Every single-bit flip of bytes [from, to) of the case's request must be dropped. */
void golden_assert_flips_dropped(const struct stack_conf *conf, const struct golden_case *c,
				 uint16_t from, uint16_t to);

/* RFC 1071 checksum of len bytes (big-endian words) plus initial, written independently. */
uint16_t golden_cksum(const uint8_t *data, size_t len, uint32_t initial);

/* The IPv4 total length of an IPv4 golden frame, from its header bytes. */
uint16_t golden_ip_total(const uint8_t *frame);

/*
 * Run the golden cases of layer, one cmocka test each (named after the case), after the
 * hand-written tests in extra. Returns what cmocka returns: the number of failed tests.
 */
int golden_run_layer(const char *group, const char *layer, const struct CMUnitTest *extra,
		     size_t n_extra);

#endif
