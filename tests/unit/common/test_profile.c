/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for driver profiles: keys, defaults, errors that name file and line, EAL argv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/profile.h"

static char path[] = "/tmp/bypasslab-profile-XXXXXX";

static int
write_profile(const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return 0;
}

static int
setup(void **state)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	return 0;
}

static void
test_keys_and_comments(void **state)
{
	struct profile p;
	char err[256] = "";

	assert_int_equal(write_profile("# a comment\n"
				       "eal = --no-pci --vdev=net_tap0,iface=x   # trailing\n"
				       "\n   ip=198.18.0.2/24\n"
				       "rx_desc = 512\ntx_desc = 256\nmtu = 9000\n"
				       "mbufs = 0x1fff\npromisc = on\nlink_wait_ms = 7\n"), 0);
	assert_int_equal(profile_load(path, &p, err, sizeof(err)), 0);
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

	assert_int_equal(write_profile("eal = --no-pci\n"), 0);
	assert_int_equal(profile_load(path, &p, err, sizeof(err)), 0);
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

	assert_int_equal(write_profile("eal = --no-pci\n\nrx_ring = 5\n"), 0);
	assert_true(profile_load(path, &p, err, sizeof(err)) < 0);
	snprintf(want, sizeof(want), "%s:3: unknown key 'rx_ring'", path);
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
		assert_int_equal(write_profile(bad[i]), 0);
		assert_true(profile_load(path, &p, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, ":1: "));
	}
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
		cmocka_unit_test(test_missing_profile_says_where),
		cmocka_unit_test(test_every_shipped_profile_loads),
		cmocka_unit_test(test_eal_argv),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
