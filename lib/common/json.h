/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON for results and statistics files, over jansson: a writer with begin/end calls, a reader. */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * jansson exports json_null(void), the null value; the writer's json_null(w, key) has kept its
 * name for the callers, but links as json_writer_null: jansson.h comes first so the rename
 * touches none of its declarations, and jansson's own calls never land in the writer.
 */
#include <jansson.h>
#define json_null json_writer_null

#define JSON_MAX_DEPTH 16

/*
 * The calls below build a jansson tree; when the outermost value is complete it is written to f
 * (pretty: indented by two, one newline at the end; else compact).
 */
struct json_writer {
	FILE *f;
	int depth;
	bool pretty;
	bool failed;                          /* out of memory, or nested too deep */
	int too_deep;                         /* containers opened beyond JSON_MAX_DEPTH */
	json_t *open[JSON_MAX_DEPTH];         /* open[0..depth-1]: the containers being filled */
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

/*
 * Read and parse a JSON file of at most max_bytes. Returns the jansson value (the caller
 * json_decref()s it), or NULL with one line in err: "WHAT PATH:LINE:COLUMN: what was expected"
 * (what: e.g. "server stats", names the file's role for the user).
 */
json_t *json_read_file(const char *what, const char *path, size_t max_bytes, char *err,
		       size_t errlen);

#endif
