/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies (RFC 4987 sec. 3.6): our ISN carries what a TCB would, keyed by a secret hash. */
#include <rte_jhash.h>

#include "tcp_int.h"

/* The cookie: 5 bits of a 64-second counter, 2 bits of MSS index, 25 bits of keyed hash. */
#define COOKIE_T_SHIFT 27
#define COOKIE_T_MASK 0x1fu
#define COOKIE_MSS_SHIFT 25
#define COOKIE_MSS_MASK 0x3u
#define COOKIE_HASH_MASK 0x1ffffffu
#define COOKIE_PERIOD_US (64ull * 1000000)
#define COOKIE_MAX_AGE 1 /* periods: an ACK is accepted 64 to 128 s after its SYN-ACK */

/* The MSS values a cookie can say: each peer's is rounded down to one of them. */
static const uint16_t cookie_mss[] = {TCP_MSS_DEFAULT, 1220, 1440, 1460};

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL64(v[1], 13); v[1] ^= v[0]; v[0] = ROTL64(v[0], 32);
	v[2] += v[3]; v[3] = ROTL64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL64(v[1], 17); v[1] ^= v[2]; v[2] = ROTL64(v[2], 32);
}

/* SipHash-2-4 of n 64-bit words: a keyed hash an attacker who sees its outputs cannot steer. */
static uint64_t
siphash24(const uint64_t key[2], const uint64_t *m, unsigned int n)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	uint64_t last = (uint64_t)(n * 8) << 56;

	for (unsigned int i = 0; i <= n; i++) {
		uint64_t w = i < n ? m[i] : last;

		v[3] ^= w;
		sip_round(v);
		sip_round(v);
		v[0] ^= w;
	}
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t
cookie_hash(const struct tcp_ctx *ctx, const struct tcp_in *in, uint32_t peer_isn, uint32_t t,
	    uint32_t mss_idx)
{
	uint64_t m[3] = {
		(uint64_t)in->peer_ip << 32 | ctx->conf->ip,
		(uint64_t)in->peer_port << 16 | in->local_port | (uint64_t)peer_isn << 32,
		(uint64_t)t << 8 | mss_idx,
	};

	return (uint32_t)siphash24(ctx->secret, m, 3) & COOKIE_HASH_MASK;
}

static uint32_t
cookie_period(const struct tcp_ctx *ctx)
{
	return (uint32_t)(ctx->now_us / COOKIE_PERIOD_US) & COOKIE_T_MASK;
}

/* The ISN of our SYN-ACK to the SYN in (its seq is the peer's ISN, its mss the option's). */
uint32_t
tcp_cookie_make(const struct tcp_ctx *ctx, const struct tcp_in *in)
{
	uint16_t mss = in->mss != 0 ? in->mss : TCP_MSS_DEFAULT;
	uint32_t t = cookie_period(ctx), idx = 0;

	for (uint32_t i = 1; i < RTE_DIM(cookie_mss); i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	return t << COOKIE_T_SHIFT | idx << COOKIE_MSS_SHIFT |
	       cookie_hash(ctx, in, in->seq, t, idx);
}

/*
 * The ACK in answers a SYN-ACK of ours when ack - 1 is a cookie made from seq - 1 (the peer's
 * ISN) less than two periods ago. Returns the MSS the cookie holds, or 0 when it is not one.
 */
uint16_t
tcp_cookie_check(const struct tcp_ctx *ctx, const struct tcp_in *in)
{
	uint32_t cookie = in->ack - 1, t = cookie >> COOKIE_T_SHIFT;
	uint32_t idx = (cookie >> COOKIE_MSS_SHIFT) & COOKIE_MSS_MASK;

	if (((cookie_period(ctx) - t) & COOKIE_T_MASK) > COOKIE_MAX_AGE)
		return 0;
	if ((cookie & COOKIE_HASH_MASK) != cookie_hash(ctx, in, in->seq - 1, t, idx))
		return 0;
	return cookie_mss[idx];
}

uint32_t
tcp_hash_tuple(uint32_t seed, rte_be32_t ip, rte_be16_t peer_port, rte_be16_t local_port)
{
	return rte_jhash_2words(ip, (uint32_t)peer_port << 16 | local_port, seed);
}
