/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging for every binary: one line per message, prefixed with the program's name. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>

/* Name printed before every message ("bypass-echo: error: ..."). */
void log_set_prog(const char *name);
const char *log_prog(void);
void log_set_quiet(bool quiet);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational; silenced by log_set_quiet(true). */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
