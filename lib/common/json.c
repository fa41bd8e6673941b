/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON for results and statistics files, over jansson: a writer with begin/end calls, a reader. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

/* Here json_null() is jansson's null value; the writer's call is defined as json_writer_null. */
#undef json_null

/* The same number format the hand-written writer had ("%.6g"). */
#define JSON_DOUBLE_DIGITS 6

/*
 * jansson's integers are signed 64-bit. A u64 above INT64_MAX goes into the tree as a string
 * that starts with a NUL (no string from json_str() can: it takes a C string), and the dump is
 * patched to print its digits bare.
 */
static const char json_u64_mark[] = "\\u0000u64:";

void
json_init(struct json_writer *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
}

/* Write value, the complete outermost value, to w->f. */
static void
json_emit(struct json_writer *w, json_t *value)
{
	size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(JSON_DOUBLE_DIGITS) |
		       (w->pretty ? JSON_INDENT(2) : JSON_COMPACT);
	char *text = json_dumps(value, flags), *p, *q;

	if (text == NULL) {
		w->failed = true;
		return;
	}
	p = text;
	while ((q = strstr(p, json_u64_mark)) != NULL) {
		fwrite(p, 1, (size_t)(q - p) - 1, w->f);	/* up to the opening quote */
		q += strlen(json_u64_mark);
		p = q + strspn(q, "0123456789");
		fwrite(q, 1, (size_t)(p - q), w->f);
		p++;						/* the closing quote */
	}
	fputs(p, w->f);
	if (w->pretty)
		fputc('\n', w->f);
	free(text);
}

/* Put value (a new reference, may be NULL on allocation failure) where the writer stands. */
static void
json_put(struct json_writer *w, const char *key, json_t *value)
{
	json_t *parent = w->depth > 0 ? w->open[w->depth - 1] : NULL;
	int rc;

	if (value == NULL || w->too_deep > 0) {
		json_decref(value);
		w->failed = true;
		return;
	}
	if (parent == NULL) {
		json_emit(w, value);
		json_decref(value);
		return;
	}
	if (json_is_array(parent))
		rc = json_array_append_new(parent, value);
	else
		rc = json_object_set_new(parent, key != NULL ? key : "", value);
	if (rc != 0)
		w->failed = true;
}

static void
json_open(struct json_writer *w, const char *key, json_t *container)
{
	if (container == NULL || w->depth == JSON_MAX_DEPTH || w->too_deep > 0) {
		json_decref(container);
		w->failed = true;
		w->too_deep++;	/* its end call closes nothing */
		return;
	}
	/* Inside a container, the parent holds one reference and open[] another. */
	if (w->depth > 0)
		json_put(w, key, json_incref(container));
	w->open[w->depth++] = container;
}

static void
json_close(struct json_writer *w)
{
	json_t *container;

	if (w->too_deep > 0) {
		w->too_deep--;
		return;
	}
	if (w->depth == 0)
		return;
	container = w->open[--w->depth];
	if (w->depth == 0)
		json_emit(w, container);
	json_decref(container);
}

void
json_object_begin(struct json_writer *w, const char *key)
{
	json_open(w, key, json_object());
}

void
json_object_end(struct json_writer *w)
{
	json_close(w);
}

void
json_array_begin(struct json_writer *w, const char *key)
{
	json_open(w, key, json_array());
}

void
json_array_end(struct json_writer *w)
{
	json_close(w);
}

void
json_str(struct json_writer *w, const char *key, const char *val)
{
	json_t *s;
	char *copy;

	if (val == NULL) {
		json_put(w, key, json_null());
		return;
	}
	s = json_string(val);
	if (s == NULL && (copy = strdup(val)) != NULL) {
		/* Not UTF-8 (an interface or path name can be anything): keep the ASCII. */
		for (char *c = copy; *c != '\0'; c++)
			if ((unsigned char)*c >= 0x80)
				*c = '?';
		s = json_string(copy);
		free(copy);
	}
	json_put(w, key, s);
}

void
json_u64(struct json_writer *w, const char *key, uint64_t val)
{
	char big[32];

	if (val <= INT64_MAX) {
		json_put(w, key, json_integer((json_int_t)val));
		return;
	}
	big[0] = '\0';
	snprintf(big + 1, sizeof(big) - 1, "u64:%" PRIu64, val);
	json_put(w, key, json_stringn(big, 1 + strlen(big + 1)));
}

void
json_i64(struct json_writer *w, const char *key, int64_t val)
{
	json_put(w, key, json_integer((json_int_t)val));
}

void
json_double(struct json_writer *w, const char *key, double val)
{
	json_put(w, key, isfinite(val) ? json_real(val) : json_null());
}

void
json_bool(struct json_writer *w, const char *key, bool val)
{
	json_put(w, key, json_boolean(val));
}

void
json_writer_null(struct json_writer *w, const char *key)
{
	json_put(w, key, json_null());
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
	/* A fill that forgot an end: still write what it gave. */
	while (w.depth > 0 || w.too_deep > 0)
		json_close(&w);
	if (w.failed) {
		fclose(f);
		snprintf(err, errlen, "write %s: out of memory building the JSON", tmp);
		unlink(tmp);
		return -ENOMEM;
	}
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

json_t *
json_read_file(const char *what, const char *path, size_t max_bytes, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	char *buf;
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	buf = malloc(max_bytes + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s %s: out of memory", what, path);
		return NULL;
	}
	n = fread(buf, 1, max_bytes + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s %s: read: %s", what, path, strerror(errno));
		root = NULL;
	} else if (n > max_bytes) {
		snprintf(err, errlen, "%s %s: larger than %zu bytes, not a stats file?", what, path,
			 max_bytes);
		root = NULL;
	} else {
		root = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
		/* jansson quotes the bad token: keep the error on one printable line. */
		for (char *c = jerr.text; root == NULL && *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		if (root == NULL)
			snprintf(err, errlen, "%s %s:%d:%d: %s", what, path, jerr.line,
				 jerr.column, jerr.text);
	}
	free(buf);
	fclose(f);
	return root;
}
