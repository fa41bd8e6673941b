/* SPDX-License-Identifier: BSD-3-Clause */
/* Server stats files: a small JSON reader that keeps every number by dotted path, and the cost
 * arithmetic for sock-echo and bypass-echo. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen/srvstats.h"

#define SRVSTATS_FILE_MAX (64u << 10)
#define JSON_NEST_MAX 8

struct jp {
	const char *p, *end;
	struct srvstats_snapshot *s;
	int depth;
};

static void
jp_ws(struct jp *j)
{
	while (j->p < j->end && isspace((unsigned char)*j->p))
		j->p++;
}

/* A string into buf (escapes kept as the escaped character, enough for key names). */
static int
jp_string(struct jp *j, char *buf, size_t len)
{
	size_t n = 0;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p == '\\' && j->p + 1 < j->end)
			j->p++;
		if (buf != NULL && n + 1 < len)
			buf[n++] = *j->p;
		j->p++;
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	if (buf != NULL)
		buf[n] = '\0';
	return 0;
}

static int jp_value(struct jp *j, const char *path);

static int
jp_object(struct jp *j, const char *path)
{
	char key[SRVSTATS_KEY_BYTES], sub[SRVSTATS_KEY_BYTES];

	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		jp_ws(j);
		if (jp_string(j, key, sizeof(key)) != 0)
			return -1;
		jp_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		/* Inside an array, or a name too long to keep: the value stays unnamed. */
		if (path[0] == '[' || strlen(path) + 1 + strlen(key) >= sizeof(sub)) {
			strcpy(sub, "[]");
		} else if (path[0] != '\0') {
			strcpy(sub, path);
			strcat(sub, ".");
			strcat(sub, key);
		} else {
			strcpy(sub, key);
		}
		if (jp_value(j, sub) != 0)
			return -1;
		jp_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static int
jp_array(struct jp *j)
{
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		/* Values inside arrays (per-lcore tables) have no dotted name: skip them. */
		if (jp_value(j, "[]") != 0)
			return -1;
		jp_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static int
jp_value(struct jp *j, const char *path)
{
	int rc = -1;

	jp_ws(j);
	if (j->p >= j->end || ++j->depth > JSON_NEST_MAX)
		return -1;
	if (*j->p == '{') {
		rc = jp_object(j, path);
	} else if (*j->p == '[') {
		rc = jp_array(j);
	} else if (*j->p == '"') {
		rc = jp_string(j, NULL, 0);
	} else if (strncmp(j->p, "true", 4) == 0 || strncmp(j->p, "null", 4) == 0) {
		j->p += 4;
		rc = 0;
	} else if (strncmp(j->p, "false", 5) == 0) {
		j->p += 5;
		rc = 0;
	} else {
		char *e;
		double v = strtod(j->p, &e);

		if (e != j->p) {
			j->p = e;
			rc = 0;
			if (path[0] != '\0' && path[0] != '[' && j->s->n < SRVSTATS_KEYS_MAX) {
				snprintf(j->s->key[j->s->n], SRVSTATS_KEY_BYTES, "%s", path);
				j->s->val[j->s->n++] = v;
			}
		}
	}
	j->depth--;
	return rc;
}

int
srvstats_read(const char *path, struct srvstats_snapshot *s, char *err, size_t errlen)
{
	static char buf[SRVSTATS_FILE_MAX];
	struct stat st;
	struct jp j;
	size_t n;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "server stats %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &st) == 0)
		s->mtime = st.st_mtim;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	j = (struct jp){ .p = buf, .end = buf + n, .s = s };
	jp_ws(&j);
	if (j.p >= j.end || *j.p != '{' || jp_value(&j, "") != 0) {
		snprintf(err, errlen, "server stats %s: not a JSON object (at byte %zu)", path,
			 (size_t)(j.p - buf));
		return -EINVAL;
	}
	if (!isnan(srvstats_get(s, "syscalls")) && !isnan(srvstats_get(s, "messages")))
		s->kind = SRVSTATS_SOCK_ECHO;
	else if (!isnan(srvstats_get(s, "busy_cycles")) && !isnan(srvstats_get(s, "replies.udp")))
		s->kind = SRVSTATS_BYPASS_ECHO;
	else {
		snprintf(err, errlen,
			 "server stats %s: neither sock-echo's keys (messages, syscalls) "
			 "nor bypass-echo's (replies.udp, busy_cycles)", path);
		return -EINVAL;
	}
	return 0;
}

double
srvstats_get(const struct srvstats_snapshot *s, const char *key)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->val[i];
	return NAN;
}

double
srvstats_sum(const struct srvstats_snapshot *s, const char *prefix)
{
	size_t len = strlen(prefix);
	double sum = 0;

	for (unsigned i = 0; i < s->n; i++)
		if (strncmp(s->key[i], prefix, len) == 0 && s->key[i][len] == '.' &&
		    strchr(s->key[i] + len + 1, '.') == NULL)
			sum += s->val[i];
	return sum;
}

bool
srvstats_newer(const struct srvstats_snapshot *a, const struct srvstats_snapshot *b)
{
	double ua = srvstats_get(a, "uptime_s"), ub = srvstats_get(b, "uptime_s");

	if (!isnan(ua) && !isnan(ub))
		return ub > ua;
	return b->mtime.tv_sec > a->mtime.tv_sec ||
	       (b->mtime.tv_sec == a->mtime.tv_sec && b->mtime.tv_nsec > a->mtime.tv_nsec);
}

static double
delta(const struct srvstats_snapshot *a, const struct srvstats_snapshot *b, const char *key)
{
	return srvstats_get(b, key) - srvstats_get(a, key);
}

int
srvstats_cost(const struct srvstats_snapshot *a, const struct srvstats_snapshot *b,
	      double duration_s, uint64_t tsc_hz, uint32_t msg_bytes, bool stream,
	      struct srvstats_cost *c, char *err, size_t errlen)
{
	double cpu, interval = delta(a, b, "uptime_s");

	*c = (struct srvstats_cost){ .cpu_s = NAN, .cpu_per_msg_us = NAN, .cycles_per_msg = NAN,
				     .syscalls_per_msg = NAN, .csw_per_msg = NAN };
	if (a->kind != b->kind || srvstats_get(a, "pid") != srvstats_get(b, "pid")) {
		snprintf(err, errlen, "the server changed between the two stats snapshots");
		return -EINVAL;
	}
	if (!(interval > 0)) {
		snprintf(err, errlen, "server stats were not rewritten during the measurement");
		return -EINVAL;
	}
	c->interval_s = interval;
	if (a->kind == SRVSTATS_SOCK_ECHO) {
		c->source = "sock-echo";
		/* On byte streams the server counts reads, not messages: use bytes. */
		c->msgs = stream && msg_bytes > 0 ? delta(a, b, "bytes") / msg_bytes :
			  delta(a, b, "messages");
		cpu = delta(a, b, "cpu_user_s") + delta(a, b, "cpu_sys_s");
		if (c->msgs > 0) {
			c->syscalls_per_msg = delta(a, b, "syscalls") / c->msgs;
			c->csw_per_msg = (delta(a, b, "vol_csw") + delta(a, b, "invol_csw")) /
					 c->msgs;
			if (tsc_hz > 0)
				c->cycles_per_msg = cpu * (double)tsc_hz / c->msgs;
		}
	} else {
		double busy = delta(a, b, "busy_cycles"), idle = delta(a, b, "idle_cycles");
		double hz = srvstats_get(b, "tsc_hz");

		c->source = "bypass-echo";
		c->msgs = delta(a, b, "replies.udp");
		/* A polling lcore is spent whole, idle or not: its CPU is busy + idle cycles. */
		cpu = hz > 0 ? (busy + idle) / hz : NAN;
		if (c->msgs > 0)
			c->cycles_per_msg = busy / c->msgs;
	}
	if (!(c->msgs > 0)) {
		snprintf(err, errlen, "the server echoed no messages between its stats snapshots");
		return -EINVAL;
	}
	c->cpu_s = cpu * duration_s / interval;
	c->cpu_per_msg_us = cpu / c->msgs * 1e6;
	c->valid = true;
	return 0;
}
