/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel socket echo server: sockets, worker threads of one io mode, counters, stats. */
#ifndef SOCKIO_SERVER_H
#define SOCKIO_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "sockio/addr.h"

enum sockio_io {
	SOCKIO_IO_BLOCKING,	/* one recv and one send per message; a thread per connection */
	SOCKIO_IO_MMSG,		/* recvmmsg/sendmmsg, --batch messages per call */
	SOCKIO_IO_EPOLL,	/* non-blocking sockets, many connections per thread */
	SOCKIO_IO_URING,	/* io_uring through liburing */
	SOCKIO_IO_BUSY_POLL,	/* non-blocking spin, SO_BUSY_POLL on IP sockets */
	SOCKIO_IO_SPLICE,	/* byte streams only: socket -> pipe -> socket, no user copy */
	SOCKIO_IO_COUNT,
};

#define SOCKIO_THREADS_MAX	 64
#define SOCKIO_BATCH_MAX	 1024
#define SOCKIO_BATCH_DEFAULT	 32
#define SOCKIO_MAX_CONNS_DEFAULT 1024
#define SOCKIO_MAX_CONNS_MAX	 1000000

/*
 * The counters each worker keeps, summed over workers. For datagrams and seqpackets a message
 * is one datagram echoed (with gso, one segment of a coalesced datagram); for byte streams it is one chunk read and written back in full (the
 * kernel keeps no boundaries), so compare bytes there. syscalls counts every system call the
 * workers made on the data path, failed and empty ones included (epoll_wait, recv returning
 * EAGAIN, accept, close, io_uring_enter).
 */
struct sockio_counters {
	uint64_t messages;
	uint64_t bytes;
	uint64_t syscalls;
	uint64_t batches;	/* receive calls (or io_uring rounds) that returned data */
	uint64_t truncated;	/* datagrams longer than the buffer: counted, not echoed */
	uint64_t conns_accepted;
	uint64_t conns_refused;	/* over --max-conns: accepted and closed at once */
	uint64_t conns_reset;	/* closed by ECONNRESET or EPIPE rather than an orderly EOF */
	uint64_t errors;	/* any other failed call, and replies that could not be sent */
};

struct sockio_server_config {
	struct sockio_addr addr;
	enum sockio_io io;
	unsigned batch;		/* messages per call (mmsg, busy-poll) or in flight (uring) */
	unsigned threads;
	int cpus[SOCKIO_THREADS_MAX];	/* thread i runs on cpus[i % ncpus] */
	unsigned ncpus;			/* 0: no pinning */
	unsigned max_conns;		/* open connections at once, over all threads */
	mode_t uds_mode;
	bool gso;		/* UDP GRO in, UDP_SEGMENT out: a coalesced datagram per call */
	int sockbuf;		/* udp: SO_RCVBUF/SO_SNDBUF wanted, bytes; 0: the kernel's */
};

struct sockio_server;

/* "blocking", "mmsg", "epoll", "uring", "busy-poll", "splice". */
const char *sockio_io_name(enum sockio_io io);

/* Parse an io mode name. Returns 0 or -EINVAL. */
int sockio_io_parse(const char *s, enum sockio_io *out);

/*
 * Whether the io mode can serve the transport (mmsg has no meaning for connected sockets,
 * splice none for anything but a byte stream).
 */
bool sockio_io_applies(enum sockio_io io, enum sockio_transport t);

/* Whether --batch changes what the io mode does on the transport (datagrams only). */
bool sockio_io_uses_batch(enum sockio_io io, enum sockio_transport t);

/* Whether --gso applies to the io mode on the transport (udp, recvmmsg loops only). */
bool sockio_io_supports_gso(enum sockio_io io, enum sockio_transport t);

/* "blocking, epoll, uring or busy-poll": the modes that serve t, for error messages. */
void sockio_io_list_for(enum sockio_transport t, char *buf, size_t len);

/*
 * Create the sockets (claiming a Unix path, checking an SO_REUSEPORT port is free) and check
 * that the io mode can run (io_uring may be disabled). Starts no thread. Returns 0, or a negative
 * errno with the reason in err (-EOPNOTSUPP: the mode does not apply); nothing is left behind.
 */
int sockio_server_open(struct sockio_server **out, const struct sockio_server_config *cfg,
		       char *err, size_t errlen);

/*
 * Start the worker threads and wait until each is pinned and ready. Returns 0, or a negative
 * errno with err filled, in which case the threads that started are stopped again.
 */
int sockio_server_start(struct sockio_server *s, char *err, size_t errlen);

/* Ask the workers to stop; they notice within SOCKIO_STOP_CHECK_MS. Async-signal-safe. */
void sockio_server_request_stop(struct sockio_server *s);

/* Wait for the workers to finish. Returns 0, or the first worker failure with err filled. */
int sockio_server_join(struct sockio_server *s, char *err, size_t errlen);

/* A worker failure while running, to be noticed by whoever waits (0 when none). */
int sockio_server_failed(const struct sockio_server *s);

void sockio_server_counters(const struct sockio_server *s, struct sockio_counters *sum);

/* Rewrite path atomically with the stats JSON object. Returns 0 or a negative errno. */
int sockio_server_write_stats(const struct sockio_server *s, const char *path, char *err,
			      size_t errlen);

/* One line "key value ..." with the counters and CPU figures, for humans and scripts. */
void sockio_server_print_stats(const struct sockio_server *s, FILE *f);

/*
 * The receive and send buffer of the server's (first) socket as the kernel accounts them, and
 * the datagrams dropped so far at all its sockets because their receive buffer was full.
 */
void sockio_server_bufs(const struct sockio_server *s, int *rcv, int *snd, uint64_t *drops);

/* Close the sockets, remove the socket file this server created, free. NULL is fine. */
void sockio_server_close(struct sockio_server *s);

#endif
