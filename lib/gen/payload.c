/* SPDX-License-Identifier: BSD-3-Clause */
/* Message format set-up: the per-cell key and the pattern buffer the payload bytes come from. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "gen/payload.h"

/* splitmix64: a fast, well-mixed stream from one seed, enough for a test pattern. */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int
gen_payload_init(struct gen_payload_fmt *f, uint32_t size, uint64_t key, char *err,
		 size_t errlen)
{
	size_t plen, i;
	uint64_t state;

	memset(f, 0, sizeof(*f));
	if (size < GEN_HDR_BYTES) {
		snprintf(err, errlen, "message size %u is below the %u-byte header", size,
			 GEN_HDR_BYTES);
		return -EINVAL;
	}
	while (key == 0) {
		if (getrandom(&key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return -errno;
		}
	}
	plen = (size_t)size - GEN_HDR_BYTES + GEN_PATTERN_SLIDE;
	f->pattern = malloc(plen);
	if (f->pattern == NULL) {
		snprintf(err, errlen, "no memory for a %zu-byte payload pattern", plen);
		return -ENOMEM;
	}
	state = key;
	for (i = 0; i < plen; i += 8) {
		uint64_t r = splitmix64(&state);

		memcpy(f->pattern + i, &r, plen - i < 8 ? plen - i : 8);
	}
	f->key = key;
	f->size = size;
	return 0;
}

void
gen_payload_fini(struct gen_payload_fmt *f)
{
	free(f->pattern);
	f->pattern = NULL;
}

const char *
gen_payload_verdict_name(enum gen_payload_verdict v)
{
	switch (v) {
	case GEN_PAYLOAD_OK:
		return "ok";
	case GEN_PAYLOAD_BAD_LENGTH:
		return "bad length";
	case GEN_PAYLOAD_BAD_CHECK:
		return "bad header check";
	case GEN_PAYLOAD_BAD_PATTERN:
		return "bad payload pattern";
	}
	return "?";
}
