/* SPDX-License-Identifier: BSD-3-Clause */
/* A small streaming JSON writer for results and statistics files. */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *f;
	int depth;
	bool pretty;
	bool has_items[JSON_MAX_DEPTH];
};

void json_init(struct json_writer *w, FILE *f, bool pretty);

/* key is NULL for the top-level value and for array elements. */
void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);

void json_str(struct json_writer *w, const char *key, const char *val);
void json_u64(struct json_writer *w, const char *key, uint64_t val);
void json_i64(struct json_writer *w, const char *key, int64_t val);
/* NaN and infinities are written as null (JSON has no such numbers). */
void json_double(struct json_writer *w, const char *key, double val);
void json_bool(struct json_writer *w, const char *key, bool val);
void json_null(struct json_writer *w, const char *key);

/*
 * Write a whole file atomically: fill() writes into a temporary file beside path, which then
 * replaces path, so a reader polling the file never sees half an object.
 * Returns 0, or a negative errno with what failed written to err.
 */
typedef void (*json_fill_fn)(struct json_writer *w, void *arg);
int json_write_file(const char *path, json_fill_fn fill, void *arg, char *err, size_t errlen);

#endif
