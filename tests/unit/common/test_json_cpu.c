/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the JSON writer (escaping, nesting, non-finite numbers) and CPU lists. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cpu.h"
#include "common/json.h"

static char *
render(void (*fn)(struct json_writer *), bool pretty)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct json_writer w;

	json_init(&w, f, pretty);
	fn(&w);
	fclose(f);
	return buf;
}

static void
doc(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_str(w, "s", "a\"b\\c\n\t\x01");
	json_u64(w, "u", 18446744073709551615ull);
	json_i64(w, "i", -5);
	json_double(w, "d", 0.25);
	json_double(w, "nan", NAN);
	json_double(w, "inf", INFINITY);
	json_bool(w, "b", true);
	json_null(w, "n");
	json_array_begin(w, "a");
	json_u64(w, NULL, 1);
	json_object_begin(w, NULL);
	json_object_end(w);
	json_array_begin(w, NULL);
	json_array_end(w);
	json_array_end(w);
	json_object_end(w);
}

static void
test_json_compact(void **state)
{
	assert_string_equal(render(doc, false),
			    "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"u\":18446744073709551615,"
			    "\"i\":-5,\"d\":0.25,\"nan\":null,\"inf\":null,\"b\":true,\"n\":null,"
			    "\"a\":[1,{},[]]}");
}

static void
fill_file(struct json_writer *w, void *arg)
{
	json_object_begin(w, NULL);
	json_u64(w, "x", *(uint64_t *)arg);
	json_object_end(w);
}

static void
test_json_file_atomic(void **state)
{
	char path[] = "/tmp/bypasslab-json-XXXXXX", err[256] = "", buf[64] = "";
	uint64_t x = 42;
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(json_write_file(path, fill_file, &x, err, sizeof(err)), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	unlink(path);
	assert_string_equal(buf, "{\n  \"x\": 42\n}\n");
	assert_true(json_write_file("/nonexistent-dir/x.json", fill_file, &x, err,
				    sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent-dir/x.json"));
}

static void
test_cpu_lists(void **state)
{
	int cpus[8], n;
	char err[128];

	n = cpu_list_parse("1", cpus, 8, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(cpus[0], 1);
	n = cpu_list_parse("0,2-4,7", cpus, 8, err, sizeof(err));
	assert_int_equal(n, 5);
	assert_int_equal(cpus[1], 2);
	assert_int_equal(cpus[3], 4);
	assert_int_equal(cpus[4], 7);
	assert_int_equal(cpu_list_parse("", cpus, 8, err, sizeof(err)), -1);
	assert_int_equal(cpu_list_parse("3-1", cpus, 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "3-1"));
	assert_int_equal(cpu_list_parse("1,,2", cpus, 8, err, sizeof(err)), -1);
	assert_int_equal(cpu_list_parse("a", cpus, 8, err, sizeof(err)), -1);
	assert_int_equal(cpu_list_parse("0-8", cpus, 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 8"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_compact),
		cmocka_unit_test(test_json_file_atomic),
		cmocka_unit_test(test_cpu_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
