/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging for every binary: one line per message, prefixed with the program's name. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static const char *prog = "bypasslab";
static bool quiet;

void
log_set_prog(const char *name)
{
	prog = name;
}

const char *
log_prog(void)
{
	return prog;
}

void
log_set_quiet(bool q)
{
	quiet = q;
}

static void
log_line(const char *level, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (level != NULL)
		fprintf(stderr, "%s: %s: %s\n", prog, level, line);
	else
		fprintf(stderr, "%s: %s\n", prog, line);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("warning", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	log_line(NULL, fmt, ap);
	va_end(ap);
}
