/* SPDX-License-Identifier: BSD-3-Clause */
/* cmocka tests of the fast path: whatever the frame, stack_input() does what the layers do. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "stack/fast.h"

#define FAST_MUTATED_FRAMES 300000
#define FAST_SEED 0x9e3779b97f4a7c15ull
#define FAST_PAD_MAX_BYTES 24
#define FAST_IP_OFS GOLDEN_ETH_HDR_BYTES
#define FAST_UDP_OFS (GOLDEN_ETH_HDR_BYTES + GOLDEN_IP_HDR_BYTES)
#define FAST_UDP_CKSUM_OFS (FAST_UDP_OFS + 6)
#define FAST_FRAME_MAX 1600

/* What became of one frame in both paths. */
struct fast_outcome {
	bool fast; /* stack_udp_fast() answered it */
	enum stack_verdict verdict;
};

static uint64_t fast_rng = FAST_SEED;

/* xorshift64*: the same frames on every run and host. */
static uint64_t
fast_rand(void)
{
	fast_rng ^= fast_rng >> 12;
	fast_rng ^= fast_rng << 25;
	fast_rng ^= fast_rng >> 27;
	return fast_rng * 0x2545f4914f6cdd1dull;
}

static uint32_t
fast_pick(uint32_t n)
{
	return (uint32_t)(fast_rand() >> 33) % n;
}

static uint8_t *
fast_copy(const uint8_t *frame, uint16_t len)
{
	uint8_t *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	if (len)
		memcpy(buf, frame, len);
	return buf;
}

/*
 * Run the frame, each from a copy of exactly its length, through stack_input() and through the
 * layers alone: the same verdict, and for a reply the same start, length and bytes. A frame the
 * fast path declines must be left as it came.
 */
static struct fast_outcome
fast_compare(const struct stack_conf *conf, const uint8_t *frame, uint16_t len, uint64_t ol_flags,
	     const char *what)
{
	uint8_t *full = fast_copy(frame, len), *layers = fast_copy(frame, len);
	uint8_t *probe = fast_copy(frame, len);
	struct stack_pkt pf = { .data = full, .len = len, .ol_flags = ol_flags };
	struct stack_pkt pl = { .data = layers, .len = len, .ol_flags = ol_flags };
	struct stack_pkt pp = { .data = probe, .len = len, .ol_flags = ol_flags };
	struct fast_outcome out;
	enum stack_verdict vl;

	out.fast = stack_udp_fast(conf, &pp);
	if (!out.fast && len && memcmp(probe, frame, len) != 0)
		fail_msg("%s: the fast path declined the frame but changed it", what);
	out.verdict = stack_input(conf, &pf);
	vl = stack_input_layers(conf, &pl);
	golden_assert_verdict(out.verdict, vl, what);
	if (out.fast && out.verdict != STACK_REPLY_UDP)
		fail_msg("%s: the fast path answered a frame the stack judged %s", what,
			 stack_verdict_name(out.verdict));
	if (stack_verdict_is_reply(vl)) {
		if (pf.data - full != pl.data - layers)
			fail_msg("%s: reply starts at byte %td, the layers' at %td", what,
				 pf.data - full, pl.data - layers);
		golden_assert_bytes(pf.data, pf.len, pl.data, pl.len, what);
		if (out.fast)
			golden_assert_bytes(pp.data, pp.len, pl.data, pl.len, what);
	}
	free(full);
	free(layers);
	free(probe);
	return out;
}

/* Every golden frame, with checksums in software and under each PMD verdict. */
static void
test_fast_golden_frames(void **state)
{
	static const uint64_t flags[] = {
		RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		RTE_MBUF_F_RX_IP_CKSUM_BAD,
		RTE_MBUF_F_RX_L4_CKSUM_NONE,
		RTE_MBUF_F_RX_RSS_HASH, /* no checksum verdict: verified in software */
	};
	struct stack_conf conf, offload;
	size_t fast = 0;

	golden_conf_init(&conf);
	offload = conf;
	offload.rx_cksum_offload = true;
	for (size_t i = 0; i < golden_case_count(); i++) {
		const struct golden_case *c = golden_case_at(i);

		fast += fast_compare(&conf, c->req, c->req_len, 0, c->name).fast;
		for (size_t f = 0; f < RTE_DIM(flags); f++)
			fast_compare(&offload, c->req, c->req_len, flags[f], c->name);
	}
	/* udp_echo_7, udp_echo_9000, udp_empty, udp_mtu_1472 and the zero-checksum ones at least */
	assert_true(fast >= 4);
}

/* The plain UDP echoes are what the fast path is for: it must take them. */
static void
test_fast_takes_udp_echoes(void **state)
{
	static const char *const names[] = { "udp_echo_7", "udp_echo_9000", "udp_empty",
					     "udp_mtu_1472" };
	struct stack_conf conf;

	golden_conf_init(&conf);
	for (size_t i = 0; i < RTE_DIM(names); i++) {
		const struct golden_case *c = golden_case_get(names[i]);

		if (!fast_compare(&conf, c->req, c->req_len, 0, c->name).fast)
			fail_msg("%s: the fast path declined a plain UDP echo", c->name);
	}
}

/* With a NIC's checksum verdicts: GOOD is trusted as the layers trust it, BAD and NONE left to
 * them (a drop, or a partial checksum to complete). */
static void
test_fast_offload_flags(void **state)
{
	static const struct {
		uint64_t flags;
		bool fast;
	} cases[] = {
		{ RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD, true },
		{ RTE_MBUF_F_RX_IP_CKSUM_GOOD, true },
		{ RTE_MBUF_F_RX_L4_CKSUM_GOOD, true },
		{ RTE_MBUF_F_RX_IP_CKSUM_BAD | RTE_MBUF_F_RX_L4_CKSUM_GOOD, false },
		{ RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD, false },
		{ RTE_MBUF_F_RX_IP_CKSUM_NONE, false },
		{ RTE_MBUF_F_RX_L4_CKSUM_NONE, false },
	};
	const struct golden_case *c = golden_case_get("udp_echo_7");
	struct stack_conf conf;
	uint8_t frame[64];
	char what[64];

	golden_conf_init(&conf);
	conf.rx_cksum_offload = true;
	assert_true(c->req_len <= sizeof(frame));
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		snprintf(what, sizeof(what), "udp_echo_7, flags %#" PRIx64, cases[i].flags);
		if (fast_compare(&conf, c->req, c->req_len, cases[i].flags, what).fast !=
		    cases[i].fast)
			fail_msg("%s: the fast path %s it", what,
				 cases[i].fast ? "declined" : "took");
	}
	/* A NIC's GOOD stands for the sums it checked: a zeroed IP checksum field is not looked
	 * at again, by the fast path or the layers. */
	memcpy(frame, c->req, c->req_len);
	frame[FAST_IP_OFS + 10] = 0;
	frame[FAST_IP_OFS + 11] = 0;
	assert_true(fast_compare(&conf, frame, c->req_len, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
				 "udp_echo_7, IP checksum zeroed, IP GOOD").fast);
	assert_false(fast_compare(&conf, frame, c->req_len, 0,
				  "udp_echo_7, IP checksum zeroed, no flags").fast);
}

static void
fast_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
fast_put32(uint8_t *p, uint32_t v)
{
	fast_put16(p, (uint16_t)(v >> 16));
	fast_put16(p + 2, (uint16_t)v);
}

/* One field of the frame set to a value that matters to some check, or a random one. */
static void
fast_mutate_field(uint8_t *f, uint16_t *len)
{
	static const uint8_t macs[][6] = {
		{ 0x02, 0, 0, 0, 0, 0x01 },              /* ours */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* broadcast */
		{ 0x01, 0x00, 0x5e, 0, 0, 0x01 },       /* multicast */
		{ 0x02, 0, 0, 0, 0, 0x02 },             /* a neighbour */
	};
	static const uint32_t addrs[] = {
		0xc6120002, 0xc6120001, 0xc61200ff, 0xc6130001, 0x00000001, 0x7f000001,
		0xe0000001, 0xffffffff, 0xf0000001, 0xc6120000,
	};
	static const uint16_t ports[] = { 0, 7, 13, 19, 37, 9000, 8, 53, 65535 };
	uint16_t total = golden_ip_total(f), ulen = (uint16_t)(f[FAST_UDP_OFS + 4] << 8 |
								 f[FAST_UDP_OFS + 5]);

	switch (fast_pick(18)) {
	case 0:
		memcpy(f, macs[fast_pick(RTE_DIM(macs))], 6);
		break;
	case 1:
		memcpy(f + 6, macs[fast_pick(RTE_DIM(macs))], 6);
		break;
	case 2: {
		static const uint16_t types[] = { 0x0800, 0x0806, 0x86dd, 0x8100, 0x0042 };

		fast_put16(f + 12, types[fast_pick(RTE_DIM(types))]);
		break;
	}
	case 3: {
		static const uint8_t vihl[] = { 0x45, 0x46, 0x44, 0x55, 0x4f, 0x65 };

		f[FAST_IP_OFS] = vihl[fast_pick(RTE_DIM(vihl))];
		break;
	}
	case 4:
		fast_put16(f + FAST_IP_OFS + 2, (uint16_t)(total + (int)fast_pick(5) - 2));
		break;
	case 5: {
		static const uint16_t frag[] = { 0x0000, 0x4000, 0x2000, 0x0001, 0x8000, 0x1fff };

		fast_put16(f + FAST_IP_OFS + 6, frag[fast_pick(RTE_DIM(frag))]);
		break;
	}
	case 6: {
		static const uint8_t ttl[] = { 64, 63, 65, 0, 1, 255 };

		f[GOLDEN_TTL_OFFSET] = ttl[fast_pick(RTE_DIM(ttl))];
		break;
	}
	case 7: {
		static const uint8_t proto[] = { 17, 1, 6, 0 };

		f[FAST_IP_OFS + 9] = proto[fast_pick(RTE_DIM(proto))];
		break;
	}
	case 8:
		fast_put32(f + FAST_IP_OFS + 12, addrs[fast_pick(RTE_DIM(addrs))]);
		break;
	case 9:
		fast_put32(f + FAST_IP_OFS + 16, addrs[fast_pick(RTE_DIM(addrs))]);
		break;
	case 10:
		fast_put16(f + FAST_UDP_OFS, ports[fast_pick(RTE_DIM(ports))]);
		break;
	case 11:
		fast_put16(f + FAST_UDP_OFS + 2, ports[fast_pick(RTE_DIM(ports))]);
		break;
	case 12:
		fast_put16(f + FAST_UDP_OFS + 4, (uint16_t)(ulen + (int)fast_pick(5) - 2));
		break;
	case 13:
		fast_put16(f + FAST_UDP_CKSUM_OFS, 0);
		break;
	case 14: /* padding after the datagram, zeros or not */
		if (*len + FAST_PAD_MAX_BYTES <= FAST_FRAME_MAX) {
			uint16_t pad = (uint16_t)(1 + fast_pick(FAST_PAD_MAX_BYTES));
			bool zero = fast_pick(2);

			for (uint16_t i = 0; i < pad; i++)
				f[*len + i] = zero ? 0 : (uint8_t)fast_rand();
			*len += pad;
		}
		break;
	case 15: /* cut short */
		*len -= (uint16_t)fast_pick((uint32_t)RTE_MIN(*len, 12u) + 1);
		break;
	case 16: /* any bit of the headers */
		f[fast_pick(RTE_MIN(*len, (uint16_t)(FAST_UDP_OFS + 8)))] ^=
			(uint8_t)(1u << fast_pick(8));
		break;
	default: /* any byte of the payload */
		if (*len > FAST_UDP_OFS + 8)
			f[FAST_UDP_OFS + 8 + fast_pick(*len - FAST_UDP_OFS - 8)] =
				(uint8_t)fast_rand();
		break;
	}
}

/* Make the checksums right again where the header says where they are (most of the time). */
static void
fast_fix_cksums(uint8_t *f, uint16_t len)
{
	uint16_t ihl = (uint16_t)((f[FAST_IP_OFS] & 0x0f) * 4), total, ulen;
	uint8_t *udp;
	uint32_t pseudo;

	if (ihl < GOLDEN_IP_HDR_BYTES || FAST_IP_OFS + ihl > len)
		return;
	if (fast_pick(4) != 0) {
		fast_put16(f + FAST_IP_OFS + 10, 0);
		fast_put16(f + FAST_IP_OFS + 10, golden_cksum(f + FAST_IP_OFS, ihl, 0));
	}
	total = golden_ip_total(f);
	udp = f + FAST_IP_OFS + ihl;
	if (FAST_IP_OFS + ihl + 8 > len)
		return;
	ulen = (uint16_t)(udp[4] << 8 | udp[5]);
	if (ulen < 8 || FAST_IP_OFS + ihl + ulen > len || total < ihl + ulen)
		return;
	if (fast_pick(4) != 0 && !(udp[6] == 0 && udp[7] == 0 && fast_pick(2))) {
		pseudo = (uint32_t)(f[26] << 8 | f[27]) + (uint32_t)(f[28] << 8 | f[29]) +
			 (uint32_t)(f[30] << 8 | f[31]) + (uint32_t)(f[32] << 8 | f[33]) +
			 f[FAST_IP_OFS + 9] + ulen;
		fast_put16(udp + 6, 0);
		fast_put16(udp + 6, golden_cksum(udp, ulen, pseudo));
	}
}

/*
 * Plain UDP echoes with one to three fields changed (checksums mostly made right again, so the
 * frame gets past them to the check the change is for), padded, cut short, under each checksum
 * offload verdict and under a host that sends with another TTL. The fast path must both take and
 * decline many of them, and never differ from the layers.
 */
static void
test_fast_mutated_frames(void **state)
{
	static const char *const seeds[] = { "udp_echo_7", "udp_echo_9000", "udp_empty",
					     "udp_mtu_1472" };
	static const uint64_t flags[] = {
		RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		RTE_MBUF_F_RX_L4_CKSUM_BAD,
		RTE_MBUF_F_RX_VLAN,
	};
	struct stack_conf conf, offload, ttl63;
	uint8_t *frame = malloc(FAST_FRAME_MAX);
	size_t taken = 0, declined = 0, replies_declined = 0;
	char what[96];

	assert_non_null(frame);
	golden_conf_init(&conf);
	offload = conf;
	offload.rx_cksum_offload = true;
	ttl63 = conf;
	ttl63.ttl = 63;
	for (uint32_t i = 0; i < FAST_MUTATED_FRAMES; i++) {
		const struct golden_case *c = golden_case_get(seeds[fast_pick(RTE_DIM(seeds))]);
		uint16_t len = c->req_len;
		const struct stack_conf *host = &conf;
		uint64_t ol = 0;
		struct fast_outcome out;

		memcpy(frame, c->req, len);
		for (uint32_t m = 0, n = 1 + fast_pick(3); m < n; m++)
			fast_mutate_field(frame, &len);
		fast_fix_cksums(frame, len);
		switch (fast_pick(8)) {
		case 0:
			host = &offload;
			ol = flags[fast_pick(RTE_DIM(flags))];
			break;
		case 1:
			host = &ttl63;
			break;
		default:
			break;
		}
		snprintf(what, sizeof(what), "mutated frame %u (from %s, %u bytes)", i, c->name, len);
		out = fast_compare(host, frame, len, ol, what);
		if (out.fast)
			taken++;
		else if (stack_verdict_is_reply(out.verdict))
			replies_declined++;
		else
			declined++;
	}
	free(frame);
	print_message("fast path: %zu taken, %zu replies and %zu drops left to the layers\n",
		      taken, replies_declined, declined);
	/* Not a test of nothing: each outcome must be common. */
	assert_true(taken > FAST_MUTATED_FRAMES / 20);
	assert_true(replies_declined > FAST_MUTATED_FRAMES / 100);
	assert_true(declined > FAST_MUTATED_FRAMES / 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_golden_frames),
		cmocka_unit_test(test_fast_takes_udp_echoes),
		cmocka_unit_test(test_fast_offload_flags),
		cmocka_unit_test(test_fast_mutated_frames),
	};

	return cmocka_run_group_tests_name("stack_fast", tests, NULL, NULL);
}
