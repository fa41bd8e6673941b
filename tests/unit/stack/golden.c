/* SPDX-License-Identifier: BSD-3-Clause */
/* Golden-frame cases and the checks every stack test executable shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "golden_frames.h"

/* Bytes shown on each side of the first difference when a reply does not match. */
#define GOLDEN_DIFF_CONTEXT_BYTES 16

void
golden_conf_init(struct stack_conf *conf)
{
	const struct rte_ether_addr mac = GOLDEN_OUR_MAC;

	stack_conf_init(conf, &mac, GOLDEN_OUR_IP, GOLDEN_PREFIX_LEN);
	stack_conf_add_udp_port(conf, STACK_UDP_ECHO_PORT);
	stack_conf_add_udp_port(conf, GOLDEN_UDP_PORT_ALT);
}

size_t
golden_case_count(void)
{
	return RTE_DIM(golden_cases);
}

const struct golden_case *
golden_case_at(size_t i)
{
	return i < RTE_DIM(golden_cases) ? &golden_cases[i] : NULL;
}

const struct golden_case *
golden_case_get(const char *name)
{
	for (size_t i = 0; i < RTE_DIM(golden_cases); i++)
		if (strcmp(golden_cases[i].name, name) == 0)
			return &golden_cases[i];
	fail_msg("no golden case named %s: regenerate golden_frames.h?", name);
	return NULL;
}

const struct golden_frame *
golden_extra_get(const char *name)
{
	for (size_t i = 0; i < RTE_DIM(golden_extras); i++)
		if (strcmp(golden_extras[i].name, name) == 0)
			return &golden_extras[i];
	fail_msg("no golden frame named %s: regenerate golden_frames.h?", name);
	return NULL;
}

void
golden_input(const struct stack_conf *conf, const uint8_t *frame, uint16_t len, uint64_t ol_flags,
	     struct golden_run *run)
{
	/* malloc(0) may return NULL; keep one byte of room but tell the stack the true length. */
	run->buf = malloc(len ? len : 1);
	assert_non_null(run->buf);
	run->buf_len = len;
	if (len)
		memcpy(run->buf, frame, len);
	run->pkt = (struct stack_pkt){ .data = run->buf, .len = len, .ol_flags = ol_flags };
	run->verdict = stack_input(conf, &run->pkt);
	assert_in_range(run->verdict, 0, STACK_VERDICT_MAX - 1);
	if (!stack_verdict_is_reply(run->verdict))
		return;
	/* The reply must stay inside the request's buffer: never longer, never elsewhere. */
	assert_true(run->pkt.data >= run->buf);
	assert_true(run->pkt.len <= len);
	assert_true(run->pkt.data + run->pkt.len <= run->buf + len);
}

void
golden_run_free(struct golden_run *run)
{
	free(run->buf);
	run->buf = NULL;
}

void
golden_assert_verdict(enum stack_verdict got, enum stack_verdict want, const char *what)
{
	if (got != want)
		fail_msg("%s: verdict %s, expected %s", what, stack_verdict_name(got),
			 stack_verdict_name(want));
}

static void
golden_print_window(const char *label, const uint8_t *p, uint16_t len, uint16_t from,
		    uint16_t to)
{
	char line[3 * 2 * GOLDEN_DIFF_CONTEXT_BYTES + 1];
	size_t n = 0;

	for (uint16_t i = from; i < to && i < len; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x ", p[i]);
	line[n] = '\0';
	print_error("  %s [%u..]: %s\n", label, from, line);
}

void
golden_assert_bytes(const uint8_t *got, uint16_t got_len, const uint8_t *want, uint16_t want_len,
		    const char *what)
{
	uint16_t common = RTE_MIN(got_len, want_len), diff = 0, from, to;

	while (diff < common && got[diff] == want[diff])
		diff++;
	if (diff == common && got_len == want_len)
		return;
	from = diff > GOLDEN_DIFF_CONTEXT_BYTES ? diff - GOLDEN_DIFF_CONTEXT_BYTES : 0;
	to = diff + GOLDEN_DIFF_CONTEXT_BYTES;
	print_error("%s: reply of %u bytes, expected %u; first difference at byte %u\n", what,
		    got_len, want_len, diff);
	golden_print_window("got ", got, got_len, from, to);
	golden_print_window("want", want, want_len, from, to);
	fail_msg("%s: reply bytes differ from the golden reply", what);
}

void
golden_check_case(const struct stack_conf *conf, const struct golden_case *c)
{
	struct golden_run run;

	golden_input(conf, c->req, c->req_len, 0, &run);
	golden_assert_verdict(run.verdict, c->verdict, c->name);
	if (c->reply != NULL)
		golden_assert_bytes(run.pkt.data, run.pkt.len, c->reply, c->reply_len, c->name);
	golden_run_free(&run);
}

void
golden_assert_flips_dropped(const struct stack_conf *conf, const struct golden_case *c,
			    uint16_t from, uint16_t to)
{
	uint8_t *frame = malloc(c->req_len);

	assert_non_null(frame);
	assert_true(from < to && to <= c->req_len);
	for (uint16_t byte = from; byte < to; byte++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			struct golden_run run;

			memcpy(frame, c->req, c->req_len);
			frame[byte] ^= (uint8_t)(1u << bit);
			golden_input(conf, frame, c->req_len, 0, &run);
			if (stack_verdict_is_reply(run.verdict))
				fail_msg("%s with byte %u bit %u flipped: replied (%s)", c->name,
					 byte, bit, stack_verdict_name(run.verdict));
			golden_run_free(&run);
		}
	}
	free(frame);
}

uint16_t
golden_cksum(const uint8_t *data, size_t len, uint32_t initial)
{
	uint64_t sum = initial;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)data[i] << 8 | data[i + 1];
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
golden_ip_total(const uint8_t *frame)
{
	return (uint16_t)(frame[GOLDEN_ETH_HDR_BYTES + 2] << 8 | frame[GOLDEN_ETH_HDR_BYTES + 3]);
}

static void
golden_test_case(void **state)
{
	struct stack_conf conf;

	golden_conf_init(&conf);
	golden_check_case(&conf, *state);
}

int
golden_run_layer(const char *group, const char *layer, const struct CMUnitTest *extra,
		 size_t n_extra)
{
	struct CMUnitTest *tests = calloc(n_extra + RTE_DIM(golden_cases), sizeof(*tests));
	size_t n = 0;
	int failed;

	if (tests == NULL) {
		fprintf(stderr, "%s: out of memory for the test table\n", group);
		return 1;
	}
	for (size_t i = 0; i < n_extra; i++)
		tests[n++] = extra[i];
	for (size_t i = 0; i < RTE_DIM(golden_cases); i++) {
		if (strcmp(golden_cases[i].layer, layer) != 0)
			continue;
		tests[n++] = (struct CMUnitTest){
			.name = golden_cases[i].name,
			.test_func = golden_test_case,
			.initial_state = (void *)(uintptr_t)&golden_cases[i],
		};
	}
	failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	free(tests);
	return failed;
}

void
golden_expect_offload(const char *name, uint64_t ol_flags, enum stack_verdict want)
{
	const struct golden_case *c = golden_case_get(name);
	struct stack_conf conf;
	struct golden_run run;

	golden_conf_init(&conf);
	conf.rx_cksum_offload = true;
	golden_input(&conf, c->req, c->req_len, ol_flags, &run);
	golden_assert_verdict(run.verdict, want, name);
	if (want == c->verdict && c->reply != NULL)
		golden_assert_bytes(run.pkt.data, run.pkt.len, c->reply, c->reply_len, name);
	golden_run_free(&run);
}
