/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for reading server stats files (jansson) and the cost between two snapshots. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/srvstats.h"
#include "scratch.h"

static const char bypass_a[] =
	"{\"pid\": 42, \"uptime_s\": 1.5, \"driver\": \"net_tap\", \"no_huge\": false,\n"
	" \"replies\": {\"udp\": 100, \"icmp\": 2},\n"
	" \"drops\": {\"no_port\": 3, \"eth_bad_src\": 4},\n"
	" \"busy_cycles\": 1000000, \"idle_cycles\": 3000000, \"tsc_hz\": 2e9,\n"
	" \"lcores\": [{\"rx\": 7}], \"port\": null}\n";
static const char bypass_b[] =
	"{\"pid\": 42, \"uptime_s\": 3.5, \"replies\": {\"udp\": 1100, \"icmp\": 2},\n"
	" \"busy_cycles\": 3000000, \"idle_cycles\": 9000000, \"tsc_hz\": 2e9}\n";

static void
test_bypass_echo_stats(void **state)
{
	struct srvstats_snapshot a, b;
	struct srvstats_cost c;
	char err[512] = "";

	assert_int_equal(scratch_write(bypass_a), 0);
	assert_int_equal(srvstats_read(scratch_path, &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, SRVSTATS_BYPASS_ECHO);
	assert_true(srvstats_get(&a, "replies.udp") == 100);
	assert_true(srvstats_get(&a, "tsc_hz") == 2e9);
	assert_true(srvstats_sum(&a, "drops") == 7);
	/* Strings, booleans, nulls and arrays carry no dotted number. */
	assert_true(isnan(srvstats_get(&a, "driver")));
	assert_true(isnan(srvstats_get(&a, "lcores.rx")));
	assert_true(isnan(srvstats_get(&a, "rx")));
	assert_int_equal(scratch_write(bypass_b), 0);
	assert_int_equal(srvstats_read(scratch_path, &b, err, sizeof(err)), 0);
	assert_true(srvstats_newer(&a, &b));
	assert_int_equal(srvstats_cost(&a, &b, 2.0, 0, 64, false, &c, err, sizeof(err)), 0);
	assert_true(c.msgs == 1000);
	assert_true(c.cycles_per_msg == 2000);
	assert_true(fabs(c.cpu_s - 0.004) < 1e-12);
	/* bypass-echo counts no context switches: unknown, not zero. */
	assert_true(isnan(c.csw_per_msg));
}

/* dpdk_ring_echo's echo lcore writes bypass-echo's shape plus its thread's context switches. */
static void
test_ring_echo_stats_csw(void **state)
{
	struct srvstats_snapshot a, b;
	struct srvstats_cost c;
	char err[512] = "";

	assert_int_equal(scratch_write("{\"pid\":5,\"uptime_s\":1,\"replies\":{\"udp\":0},"
				       "\"busy_cycles\":0,\"idle_cycles\":0,\"tsc_hz\":1e9,"
				       "\"vol_csw\":2,\"invol_csw\":3}"), 0);
	assert_int_equal(srvstats_read(scratch_path, &a, err, sizeof(err)), 0);
	assert_int_equal(scratch_write("{\"pid\":5,\"uptime_s\":2,\"replies\":{\"udp\":400},"
				       "\"busy_cycles\":40000,\"idle_cycles\":960000,"
				       "\"tsc_hz\":1e9,\"vol_csw\":2,\"invol_csw\":7}"), 0);
	assert_int_equal(srvstats_read(scratch_path, &b, err, sizeof(err)), 0);
	assert_int_equal(b.kind, SRVSTATS_BYPASS_ECHO);
	assert_int_equal(srvstats_cost(&a, &b, 1.0, 0, 64, false, &c, err, sizeof(err)), 0);
	assert_true(c.cycles_per_msg == 100);
	assert_true(fabs(c.csw_per_msg - 0.01) < 1e-12);
	/* The whole lcore is spent, idle polls included: 1 ms of CPU over 400 messages. */
	assert_true(fabs(c.cpu_per_msg_us - 2.5) < 1e-9);
}

static void
test_sock_echo_stats(void **state)
{
	struct srvstats_snapshot a, b;
	struct srvstats_cost c;
	char err[512] = "";

	assert_int_equal(scratch_write("{\"pid\":9,\"uptime_s\":1,\"messages\":10,\"syscalls\":20,"
				       "\"bytes\":640,\"cpu_user_s\":0.1,\"cpu_sys_s\":0.1,"
				       "\"vol_csw\":1,\"invol_csw\":0}"), 0);
	assert_int_equal(srvstats_read(scratch_path, &a, err, sizeof(err)), 0);
	assert_int_equal(scratch_write("{\"pid\":9,\"uptime_s\":2,\"messages\":110,\"syscalls\":220,"
				       "\"bytes\":6400,\"cpu_user_s\":0.2,\"cpu_sys_s\":0.2,"
				       "\"vol_csw\":11,\"invol_csw\":10}"), 0);
	assert_int_equal(srvstats_read(scratch_path, &b, err, sizeof(err)), 0);
	assert_int_equal(b.kind, SRVSTATS_SOCK_ECHO);
	assert_int_equal(srvstats_cost(&a, &b, 1.0, 0, 64, false, &c, err, sizeof(err)), 0);
	assert_true(c.msgs == 100);
	assert_true(c.syscalls_per_msg == 2);
	assert_true(fabs(c.csw_per_msg - 0.2) < 1e-12);
	/* On a byte stream the server counts reads: messages come from bytes. */
	assert_int_equal(srvstats_cost(&a, &b, 1.0, 0, 64, true, &c, err, sizeof(err)), 0);
	assert_true(c.msgs == 90);
}

static void
test_malformed_stats_name_file_and_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"pid\": 42,\n \"rx\": 12\n \"tx\": 3}\n", ":3:" },
		{ "{\"pid\": 42, \"rx\": ", ":1:" },
		{ "", ":1:" },
		{ "[1, 2]", "expected a JSON object, found an array" },
		{ "{\"pid\": 1, \"pid\": 2}", "duplicate" },
		{ "{\"pid\": 1, \"rx\": 2}", "neither sock-echo's keys" },
	};
	struct srvstats_snapshot s;
	char err[512], want[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(scratch_write(cases[i].text), 0);
		assert_true(srvstats_read(scratch_path, &s, err, sizeof(err)) < 0);
		snprintf(want, sizeof(want), "server stats %s%s", scratch_path,
			 cases[i].want[0] == ':' ? cases[i].want : "");
		if (strstr(err, want) == NULL || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
		assert_null(strchr(err, '\n'));
	}
	unlink(scratch_path);
	assert_true(srvstats_read(scratch_path, &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "No such file"));
}

static void
test_deep_and_long_names_are_skipped(void **state)
{
	struct srvstats_snapshot s;
	char err[512] = "";

	assert_int_equal(scratch_write("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":"
				       "{\"h\":{\"i\":{\"j\":1}}}}}}}}},\"messages\":1,\"syscalls\":1,"
				       "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":5}"),
			 0);
	assert_int_equal(srvstats_read(scratch_path, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bypass_echo_stats),
		cmocka_unit_test(test_sock_echo_stats),
		cmocka_unit_test(test_ring_echo_stats_csw),
		cmocka_unit_test(test_malformed_stats_name_file_and_line),
		cmocka_unit_test(test_deep_and_long_names_are_skipped),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
