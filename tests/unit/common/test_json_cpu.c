/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the JSON writer (escaping, nesting, non-finite numbers) and CPU lists. */
#include <fcntl.h>
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
doc_u64_edges(struct json_writer *w)
{
	json_array_begin(w, NULL);
	json_u64(w, NULL, 9223372036854775807ull);
	json_u64(w, NULL, 9223372036854775808ull);
	json_i64(w, NULL, INT64_MIN);
	json_str(w, NULL, "u64:1");
	json_double(w, NULL, 3);
	json_double(w, NULL, 1234567.0);
	json_array_end(w);
}

static void
test_json_numbers(void **state)
{
	/* jansson's integers are signed: the writer still prints every u64 exactly. */
	assert_string_equal(render(doc_u64_edges, false),
			    "[9223372036854775807,9223372036854775808,-9223372036854775808,"
			    "\"u64:1\",3.0,1.23457e6]");
}

static void
doc_pretty(struct json_writer *w)
{
	json_object_begin(w, NULL);
	json_object_begin(w, "o");
	json_u64(w, "a", 1);
	json_object_end(w);
	json_array_begin(w, "e");
	json_array_end(w);
	json_object_end(w);
}

static void
test_json_pretty(void **state)
{
	assert_string_equal(render(doc_pretty, true),
			    "{\n  \"o\": {\n    \"a\": 1\n  },\n  \"e\": []\n}\n");
}

static void
doc_too_deep(struct json_writer *w)
{
	for (int i = 0; i < JSON_MAX_DEPTH + 3; i++)
		json_array_begin(w, NULL);
	json_u64(w, NULL, 1);
	for (int i = 0; i < JSON_MAX_DEPTH + 3; i++)
		json_array_end(w);
	json_u64(w, NULL, 7);	/* the next top-level value still comes out whole */
}

static void
test_json_too_deep(void **state)
{
	char *out = render(doc_too_deep, false);

	assert_non_null(strstr(out, "7"));
	assert_int_equal(strncmp(out, "[[[[", 4), 0);
}

static void
test_json_read_file_errors(void **state)
{
	char path[] = "/tmp/bypasslab-json-XXXXXX", err[512] = "", want[600];
	int fd = mkstemp(path);
	json_t *v;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\n  \"a\": 1,\n  \"b\": }\n", 21), 21);
	close(fd);
	assert_null(json_read_file("stats", path, 1024, err, sizeof(err)));
	snprintf(want, sizeof(want), "stats %s:3:", path);
	if (strstr(err, want) == NULL)
		fail_msg("got '%s', want '%s...'", err, want);
	assert_null(json_read_file("stats", path, 8, err, sizeof(err)));
	assert_non_null(strstr(err, "larger than 8 bytes"));
	unlink(path);
	assert_null(json_read_file("stats", path, 1024, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"a\": [1, 2]}", 13), 13);
	close(fd);
	v = json_read_file("stats", path, 1024, err, sizeof(err));
	assert_non_null(v);
	assert_int_equal(json_array_size(json_object_get(v, "a")), 2);
	json_decref(v);
	unlink(path);
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
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_json_too_deep),
		cmocka_unit_test(test_json_read_file_errors),
		cmocka_unit_test(test_cpu_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
