/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading an echo server's stats JSON (sock-echo or bypass-echo) and turning two snapshots into
 * the server's cost per message. */
#ifndef GEN_SRVSTATS_H
#define GEN_SRVSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SRVSTATS_KEYS_MAX 96
#define SRVSTATS_KEY_BYTES 48

enum srvstats_kind {
	SRVSTATS_UNKNOWN = 0,
	SRVSTATS_SOCK_ECHO,	/* has "syscalls" and "messages" */
	SRVSTATS_BYPASS_ECHO,	/* has "busy_cycles" and "replies.udp" */
};

/* Every number in the file, by dotted path ("replies.udp", "drops.no_port"). */
struct srvstats_snapshot {
	enum srvstats_kind kind;
	unsigned n;
	char key[SRVSTATS_KEYS_MAX][SRVSTATS_KEY_BYTES];
	double val[SRVSTATS_KEYS_MAX];
	struct timespec mtime;
};

/* The server's side of a measured cell; NaN where the server does not tell. */
struct srvstats_cost {
	bool valid;
	const char *source;	/* "sock-echo" or "bypass-echo" */
	double msgs;		/* messages the server echoed between the snapshots */
	double interval_s;	/* server uptime between the snapshots */
	double cpu_s;		/* CPU seconds, scaled to the cell's measured duration */
	double cpu_per_msg_us;
	double cycles_per_msg;
	double syscalls_per_msg;
	double csw_per_msg;
	double sock_drops;	/* datagrams the server's sockets dropped (buffer full); NaN: unknown */
};

/*
 * Read and parse path. Returns 0, or a negative errno with what is wrong in err (missing file,
 * not JSON, neither server's keys).
 */
int srvstats_read(const char *path, struct srvstats_snapshot *s, char *err, size_t errlen);

/* The value at a dotted key, or NaN. */
double srvstats_get(const struct srvstats_snapshot *s, const char *key);

/* Sum of every number directly under prefix ("drops"), 0 when there is none. */
double srvstats_sum(const struct srvstats_snapshot *s, const char *prefix);

/* True when b was written after a (the server rewrote the file). */
bool srvstats_newer(const struct srvstats_snapshot *a, const struct srvstats_snapshot *b);

/*
 * Cost between two snapshots of one server. duration_s scales cpu_s to the cell; tsc_hz turns
 * CPU seconds into cycles for servers that count no cycles (0: cycles unknown); msg_bytes
 * converts byte counts to messages where a server counts reads rather than messages.
 * Returns 0, or -EINVAL with the reason in err (a restarted server, no messages).
 */
int srvstats_cost(const struct srvstats_snapshot *a, const struct srvstats_snapshot *b,
		  double duration_s, uint64_t tsc_hz, uint32_t msg_bytes, bool stream,
		  struct srvstats_cost *c, char *err, size_t errlen);

#endif
