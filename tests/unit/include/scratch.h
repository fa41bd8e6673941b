/* SPDX-License-Identifier: BSD-3-Clause */
/* A scratch file for unit tests of file readers: made before the tests, removed after them. */
#ifndef TESTS_UNIT_SCRATCH_H
#define TESTS_UNIT_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char scratch_path[] = "/tmp/bypasslab-test-XXXXXX";

/* Replace the scratch file's contents with text. */
static int
scratch_write(const char *text)
{
	FILE *f = fopen(scratch_path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return 0;
}

/* The group setup and teardown of cmocka_run_group_tests. */
static int
scratch_setup(void **state)
{
	int fd = mkstemp(scratch_path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
scratch_teardown(void **state)
{
	(void)state;
	unlink(scratch_path);
	return 0;
}

#endif
