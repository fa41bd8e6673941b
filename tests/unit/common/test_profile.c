/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for driver profiles (rte_cfgfile): keys, defaults, errors naming file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/profile.h"
#include "scratch.h"

static void
test_keys_and_comments(void **state)
{
	struct profile p;
	char err[256] = "";

	assert_int_equal(scratch_write("# a comment\n"
				       "eal = --no-pci --vdev=net_tap0,iface=x   # trailing\n"
				       "\n   ip=198.18.0.2/24\n"
				       "rx_desc = 512\ntx_desc = 256\nmtu = 9000\n"
				       "mbufs = 0x1fff\npromisc = on\nlink_wait_ms = 7\n"), 0);
	assert_int_equal(profile_load(scratch_path, &p, err, sizeof(err)), 0);
	assert_string_equal(p.eal, "--no-pci --vdev=net_tap0,iface=x");
	assert_string_equal(p.ip, "198.18.0.2/24");
	assert_int_equal(p.rx_desc, 512);
	assert_int_equal(p.tx_desc, 256);
	assert_int_equal(p.mtu, 9000);
	assert_int_equal(p.mbufs, 0x1fff);
	assert_true(p.promisc);
	assert_int_equal(p.link_wait_ms, 7);
}

static void
test_defaults(void **state)
{
	struct profile p;
	char err[256] = "";

	assert_int_equal(scratch_write("eal = --no-pci\n"), 0);
	assert_int_equal(profile_load(scratch_path, &p, err, sizeof(err)), 0);
	assert_int_equal(p.rx_desc, 1024);
	assert_int_equal(p.tx_desc, 1024);
	assert_int_equal(p.mtu, 0);
	assert_false(p.promisc);
	assert_string_equal(p.ip, "");
}

static void
test_unknown_key_names_line(void **state)
{
	struct profile p;
	char err[512] = "", want[600];

	assert_int_equal(scratch_write("eal = --no-pci\n\nrx_ring = 5\n"), 0);
	assert_true(profile_load(scratch_path, &p, err, sizeof(err)) < 0);
	snprintf(want, sizeof(want), "%s:3: unknown key 'rx_ring'", scratch_path);
	assert_non_null(strstr(err, want));
}

static void
test_bad_values(void **state)
{
	static const char *const bad[] = {
		"rx_desc = 70000\n", "mtu = -1\n", "promisc = maybe\n", "mbufs = 12x\n",
		"just words\n",
	};
	struct profile p;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(scratch_write(bad[i]), 0);
		assert_true(profile_load(scratch_path, &p, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, ":1: "));
	}
}

static void
test_line_errors_say_what_was_expected(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "eal = --no-pci\npromisc on\n", ":2: expected 'key = value', got 'promisc on'" },
		{ "[port]\nmtu = 1500\n",
		  ":1: expected 'key = value' (profiles have no [sections]), got '[port]'" },
		{ "= 5\n", ":1: expected 'key = value'" },
		{ "# c\nmtu = 1500 # ok\nmtu = big\n", ":3: bad value 'big' for 'mtu': expected an "
		  "integer from 0 to 65535" },
		{ "promisc = maybe\n", "expected on/off" },
	};
	struct profile p;
	char err[512], want[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(scratch_write(cases[i].text), 0);
		assert_true(profile_load(scratch_path, &p, err, sizeof(err)) < 0);
		snprintf(want, sizeof(want), "%s%s", cases[i].want[0] == ':' ? scratch_path : "",
			 cases[i].want);
		if (strstr(err, want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err, want);
		assert_null(strchr(err, '\n'));
	}
}

static void
test_long_lines_and_values(void **state)
{
	char text[1024], err[512] = "";
	struct profile p;

	/* A value rte_cfgfile would cut short must be an error, not a shorter EAL line. */
	snprintf(text, sizeof(text), "eal = %0300d\n", 0);
	assert_int_equal(scratch_write(text), 0);
	assert_true(profile_load(scratch_path, &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, ":1: "));
	assert_non_null(strstr(err, "too long"));
	snprintf(text, sizeof(text), "mtu = 1500\neal = %0400d\n", 0);
	assert_int_equal(scratch_write(text), 0);
	assert_true(profile_load(scratch_path, &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, ":2: line longer than"));
	/* The longest value that fits is read whole. */
	snprintf(text, sizeof(text), "eal = --no-pci %0239d\n", 0);
	assert_int_equal(scratch_write(text), 0);
	assert_int_equal(profile_load(scratch_path, &p, err, sizeof(err)), 0);
	assert_int_equal(strlen(p.eal), 9 + 239);
}

static void
test_empty_values_and_repeats(void **state)
{
	struct profile p;
	char err[256] = "";

	/* An empty ip means none; a repeated key: the last one counts (as it always did). */
	assert_int_equal(scratch_write("ip =\nmtu = 1500\nmtu = 9000\r\n"), 0);
	assert_int_equal(profile_load(scratch_path, &p, err, sizeof(err)), 0);
	assert_string_equal(p.ip, "");
	assert_int_equal(p.mtu, 9000);
	assert_int_equal(scratch_write("rx_desc =\n"), 0);
	assert_true(profile_load(scratch_path, &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, ":1: bad value '' for 'rx_desc'"));
}

static void
test_missing_profile_says_where(void **state)
{
	struct profile p;
	char err[512] = "";

	setenv("BYPASSLAB_PROFILE_DIR", "/nonexistent-dir", 1);
	assert_true(profile_load("net_nothing", &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent-dir/net_nothing.conf"));
	assert_non_null(strstr(err, "drivers-conf"));
	unsetenv("BYPASSLAB_PROFILE_DIR");
}

static void
test_every_shipped_profile_loads(void **state)
{
	static const char *const names[] = {
		"net_tap", "net_ring", "net_memif_server", "net_memif_client", "net_af_packet",
		"net_af_xdp", "vfio-pci",
	};
	struct profile p;
	char err[512];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		err[0] = '\0';
		if (profile_load(names[i], &p, err, sizeof(err)) != 0)
			fail_msg("%s: %s", names[i], err);
		assert_true(strlen(p.eal) > 0);
		assert_true(strlen(p.ip) > 0);
	}
}

static void
test_eal_argv(void **state)
{
	struct profile p;
	char buf[PROFILE_EAL_MAX], *argv[8];

	profile_defaults(&p);
	strcpy(p.eal, "  --no-pci \t--vdev=net_ring0   -l 0,1 ");
	assert_int_equal(profile_eal_argv(&p, buf, argv, 8), 4);
	assert_string_equal(argv[0], "--no-pci");
	assert_string_equal(argv[1], "--vdev=net_ring0");
	assert_string_equal(argv[2], "-l");
	assert_string_equal(argv[3], "0,1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_and_comments),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_unknown_key_names_line),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_line_errors_say_what_was_expected),
		cmocka_unit_test(test_long_lines_and_values),
		cmocka_unit_test(test_empty_values_and_repeats),
		cmocka_unit_test(test_missing_profile_says_where),
		cmocka_unit_test(test_every_shipped_profile_loads),
		cmocka_unit_test(test_eal_argv),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
