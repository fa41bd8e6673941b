/* SPDX-License-Identifier: BSD-3-Clause */
/* The generator's message format: an 18-byte header (flow, sequence, timestamp, check) and a
 * pattern derived from the sequence that fills the rest, so any changed byte is caught. */
#ifndef GEN_PAYLOAD_H
#define GEN_PAYLOAD_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Wire layout, little-endian, 18 bytes (the UDP payload of a 64-byte frame):
 *   0..7   id     flow (16 bits) << 48 | sequence (48 bits)
 *   8..13  ts     send timestamp, ns since the run's clock epoch, 48 bits (78 hours)
 *   14..17 check  keyed hash of id, ts and the message length
 *   18..   pattern bytes chosen by flow and sequence from a keyed random buffer
 * The key is random per measured cell, so a reply left over from another run or cell fails the
 * check just as a corrupted one does. Servers never parse any of it.
 */
#define GEN_HDR_BYTES 18u
#define GEN_SEQ_BITS 48
#define GEN_SEQ_MASK ((UINT64_C(1) << GEN_SEQ_BITS) - 1)
#define GEN_TS_MASK ((UINT64_C(1) << 48) - 1)
/* Pattern offsets take 8 bits of (flow, seq): the pattern buffer is this much longer. */
#define GEN_PATTERN_SLIDE 256u

struct gen_payload_fmt {
	uint64_t key;
	uint32_t size;		/* message size in bytes, >= GEN_HDR_BYTES */
	uint8_t *pattern;	/* size - GEN_HDR_BYTES + GEN_PATTERN_SLIDE bytes */
};

/* What a valid header says. */
struct gen_payload_hdr {
	uint16_t flow;
	uint64_t seq;
	uint64_t ts;		/* 48 bits */
};

enum gen_payload_verdict {
	GEN_PAYLOAD_OK = 0,
	GEN_PAYLOAD_BAD_LENGTH,	/* not the size that was sent */
	GEN_PAYLOAD_BAD_CHECK,	/* header corrupted, or not one of ours (other run or cell) */
	GEN_PAYLOAD_BAD_PATTERN,	/* header intact, a byte after it changed */
};

/*
 * Prepare a format for messages of size bytes with the given key (0 picks a random one).
 * Returns 0, or a negative errno with the reason in err.
 */
int gen_payload_init(struct gen_payload_fmt *f, uint32_t size, uint64_t key, char *err,
		     size_t errlen);
void gen_payload_fini(struct gen_payload_fmt *f);
const char *gen_payload_verdict_name(enum gen_payload_verdict v);

/* Keyed 32-bit check: every input bit changes it (a bijective 64-bit mix, folded). */
static inline uint32_t
gen_payload_check_word(uint64_t key, uint64_t id, uint64_t ts, uint32_t len)
{
	uint64_t x = key ^ (id * UINT64_C(0x9e3779b97f4a7c15)) ^
		     (ts * UINT64_C(0xc2b2ae3d27d4eb4f)) ^
		     ((uint64_t)len * UINT64_C(0x165667b19e3779f9));

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (uint32_t)x ^ (uint32_t)(x >> 32);
}

static inline uint32_t
gen_payload_pattern_off(uint16_t flow, uint64_t seq)
{
	return (uint32_t)(seq + (uint64_t)flow * 131u) & (GEN_PATTERN_SLIDE - 1);
}

/* Write one message of f->size bytes into buf. */
static inline void
gen_payload_write(const struct gen_payload_fmt *f, uint8_t *buf, uint16_t flow, uint64_t seq,
		  uint64_t ts)
{
	uint64_t id = ((uint64_t)flow << GEN_SEQ_BITS) | (seq & GEN_SEQ_MASK);
	uint64_t ts48 = ts & GEN_TS_MASK;
	uint64_t id_le = htole64(id), ts_le = htole64(ts48);
	uint32_t chk_le = htole32(gen_payload_check_word(f->key, id, ts48, f->size));

	memcpy(buf, &id_le, 8);
	memcpy(buf + 8, &ts_le, 6);
	memcpy(buf + 14, &chk_le, 4);
	if (f->size > GEN_HDR_BYTES)
		memcpy(buf + GEN_HDR_BYTES, f->pattern + gen_payload_pattern_off(flow, seq),
		       f->size - GEN_HDR_BYTES);
}

/*
 * Check a received message of len bytes. On GEN_PAYLOAD_OK, h holds the header; on any other
 * verdict h is undefined. The pattern is compared only after the header check passes.
 */
static inline enum gen_payload_verdict
gen_payload_check(const struct gen_payload_fmt *f, const uint8_t *buf, uint32_t len,
		  struct gen_payload_hdr *h)
{
	uint64_t id = 0, ts = 0;
	uint32_t chk;

	if (len != f->size)
		return GEN_PAYLOAD_BAD_LENGTH;
	memcpy(&id, buf, 8);
	memcpy(&ts, buf + 8, 6);
	memcpy(&chk, buf + 14, 4);
	id = le64toh(id);
	ts = le64toh(ts);
	if (le32toh(chk) != gen_payload_check_word(f->key, id, ts, len))
		return GEN_PAYLOAD_BAD_CHECK;
	h->flow = (uint16_t)(id >> GEN_SEQ_BITS);
	h->seq = id & GEN_SEQ_MASK;
	h->ts = ts;
	if (len > GEN_HDR_BYTES &&
	    memcmp(buf + GEN_HDR_BYTES, f->pattern + gen_payload_pattern_off(h->flow, h->seq),
		   len - GEN_HDR_BYTES) != 0)
		return GEN_PAYLOAD_BAD_PATTERN;
	return GEN_PAYLOAD_OK;
}

#endif
