/* SPDX-License-Identifier: BSD-3-Clause */
/* Server stats files: every number by dotted path (read with jansson), and the cost arithmetic
 * for sock-echo and bypass-echo. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/json.h"
#include "gen/srvstats.h"

#define SRVSTATS_FILE_MAX (64u << 10)
#define SRVSTATS_NEST_MAX 8

/*
 * Keep every number of an object by its dotted path. Arrays (per-lcore tables) have no dotted
 * names and are skipped, as are names too long to keep and objects nested deeper than
 * SRVSTATS_NEST_MAX.
 */
static void
srvstats_collect(struct srvstats_snapshot *s, json_t *obj, const char *prefix, int depth)
{
	char path[SRVSTATS_KEY_BYTES];
	const char *key;
	json_t *val;

	if (depth > SRVSTATS_NEST_MAX)
		return;
	json_object_foreach(obj, key, val) {
		if (snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] != '\0' ? "." : "",
			     key) >= (int)sizeof(path))
			continue;
		if (json_is_object(val))
			srvstats_collect(s, val, path, depth + 1);
		else if (json_is_number(val) && s->n < SRVSTATS_KEYS_MAX) {
			snprintf(s->key[s->n], SRVSTATS_KEY_BYTES, "%s", path);
			s->val[s->n++] = json_number_value(val);
		}
	}
}

int
srvstats_read(const char *path, struct srvstats_snapshot *s, char *err, size_t errlen)
{
	int stat_errno = 0;
	struct stat st;
	json_t *root;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) == 0)
		s->mtime = st.st_mtim;
	else
		stat_errno = errno;
	root = json_read_file("server stats", path, SRVSTATS_FILE_MAX, err, errlen);
	if (root == NULL)
		return stat_errno != 0 ? -stat_errno : -EINVAL;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "server stats %s: expected a JSON object, found %s", path,
			 json_is_array(root) ? "an array" : "a single value");
		json_decref(root);
		return -EINVAL;
	}
	srvstats_collect(s, root, "", 0);
	json_decref(root);
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
				     .syscalls_per_msg = NAN, .csw_per_msg = NAN,
				     .sock_drops = NAN };
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
		/* NaN from a sock-echo too old to count them. */
		c->sock_drops = delta(a, b, "sock_drops");
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
		if (c->msgs > 0) {
			c->cycles_per_msg = busy / c->msgs;
			/* Where the poller's thread counts its switches (dpdk_ring_echo); NaN if not. */
			c->csw_per_msg = (delta(a, b, "vol_csw") + delta(a, b, "invol_csw")) /
					 c->msgs;
		}
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
