/* SPDX-License-Identifier: BSD-3-Clause */
/* A small streaming JSON writer for results and statistics files. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

void
json_init(struct json_writer *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
}

static void
json_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Separator, indentation and key before any value. */
static void
json_prefix(struct json_writer *w, const char *key)
{
	if (w->depth > 0) {
		if (w->has_items[w->depth])
			fputc(',', w->f);
		w->has_items[w->depth] = true;
		if (w->pretty)
			fprintf(w->f, "\n%*s", 2 * w->depth, "");
	}
	if (key != NULL) {
		json_escaped(w->f, key);
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void
json_open(struct json_writer *w, const char *key, char bracket)
{
	json_prefix(w, key);
	fputc(bracket, w->f);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->has_items[w->depth] = false;
}

static void
json_close(struct json_writer *w, char bracket)
{
	bool had = w->has_items[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (w->pretty && had)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	fputc(bracket, w->f);
	if (w->depth == 0 && w->pretty)
		fputc('\n', w->f);
}

void
json_object_begin(struct json_writer *w, const char *key)
{
	json_open(w, key, '{');
}

void
json_object_end(struct json_writer *w)
{
	json_close(w, '}');
}

void
json_array_begin(struct json_writer *w, const char *key)
{
	json_open(w, key, '[');
}

void
json_array_end(struct json_writer *w)
{
	json_close(w, ']');
}

void
json_str(struct json_writer *w, const char *key, const char *val)
{
	json_prefix(w, key);
	if (val == NULL)
		fputs("null", w->f);
	else
		json_escaped(w->f, val);
}

void
json_u64(struct json_writer *w, const char *key, uint64_t val)
{
	json_prefix(w, key);
	fprintf(w->f, "%" PRIu64, val);
}

void
json_i64(struct json_writer *w, const char *key, int64_t val)
{
	json_prefix(w, key);
	fprintf(w->f, "%" PRId64, val);
}

void
json_double(struct json_writer *w, const char *key, double val)
{
	json_prefix(w, key);
	if (isfinite(val))
		fprintf(w->f, "%.6g", val);
	else
		fputs("null", w->f);
}

void
json_bool(struct json_writer *w, const char *key, bool val)
{
	json_prefix(w, key);
	fputs(val ? "true" : "false", w->f);
}

void
json_null(struct json_writer *w, const char *key)
{
	json_prefix(w, key);
	fputs("null", w->f);
}

int
json_write_file(const char *path, json_fill_fn fill, void *arg, char *err, size_t errlen)
{
	char tmp[4096];
	struct json_writer w;
	FILE *f;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	f = fopen(tmp, "w");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "open %s: %s", tmp, strerror(errno));
		return rc;
	}
	json_init(&w, f, true);
	fill(&w, arg);
	if (ferror(f) || fclose(f) != 0) {
		rc = -errno;
		snprintf(err, errlen, "write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return rc ? rc : -EIO;
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	return 0;
}
