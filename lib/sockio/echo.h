/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside the echo server: workers, the io mode ops table, counters and shared loop helpers. */
#ifndef SOCKIO_ECHO_H
#define SOCKIO_ECHO_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sockio/server.h"
#include "sockio/sock.h"

/* Every blocking wait is bounded by this, so a worker notices a stop request in time. */
#define SOCKIO_STOP_CHECK_MS	 50
/* Largest datagram or seqpacket echoed; UDP carries at most 65507 (IPv4) / 65527 (IPv6). */
#define SOCKIO_MSG_MAX_BYTES	 65536
/* Per-connection buffer of byte streams: what a stalled client can hold of the server's memory. */
#define SOCKIO_STREAM_BUF_BYTES	 16384
/* SO_BUSY_POLL budget of the busy-poll mode. */
#define SOCKIO_BUSY_POLL_US	 50
#define SOCKIO_EPOLL_EVENTS	 64
/* Connections accepted per listener wakeup before serving the others again. */
#define SOCKIO_ACCEPT_BURST	 32
/* Stack of a blocking-mode connection thread: its buffer is on the heap. */
#define SOCKIO_CONN_STACK_BYTES	 (64 * 1024)
#define SOCKIO_ERR_LEN		 256

struct sockio_worker;
typedef int (*sockio_loop_fn)(struct sockio_worker *w);

/*
 * What an io mode does. dgram serves udp and uds-dgram, conn serves tcp, uds-stream and
 * uds-seqpacket; NULL where the mode does not apply. The flags say how the sockets are set up.
 */
struct sockio_io_ops {
	const char *name;
	sockio_loop_fn dgram;
	sockio_loop_fn conn;
	bool nonblock;		/* O_NONBLOCK sockets */
	bool timeouts;		/* SO_RCVTIMEO/SO_SNDTIMEO so that blocking calls return */
	bool busy_poll;		/* SO_BUSY_POLL on IP sockets */
	bool batched;		/* --batch applies to its datagram loop */
	bool gso;		/* its datagram loop reads UDP_GRO and replies with UDP_SEGMENT */
	bool stream_only;	/* its conn loop serves byte streams, not seqpackets */
};

/* Single writer per field except blocking-mode connection threads: add atomically. */
struct sockio_worker {
	struct sockio_counters ctr;
	struct sockio_server *srv;
	unsigned id;
	int fd;			/* this worker's socket: its own SO_REUSEPORT one, or shared */
	int cpu;		/* -1: not pinned */
	pthread_t tid;
	bool started;
	bool announced;		/* has answered start()'s roll call */
	int conn_threads;	/* blocking mode: connection threads still running */
	int rc;			/* 0, or the negative errno that ended the worker early */
	char err[SOCKIO_ERR_LEN];
} __attribute__((aligned(64)));

struct sockio_server {
	struct sockio_server_config cfg;
	const struct sockio_io_ops *ops;
	int stop;		/* set once; read by every worker loop */
	int failed;		/* first worker failure after start, negative errno */
	int open_conns;		/* over all workers, against cfg.max_conns */
	uint64_t start_ns;
	struct sockio_uds_file file;
	int fds[SOCKIO_THREADS_MAX];
	unsigned nfds;
	struct sockio_worker *workers;
	pthread_mutex_t lock;	/* guards ready and the start handshake */
	pthread_cond_t cond;
	unsigned ready;
};

static inline void
ctr_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static inline bool
worker_stopping(const struct sockio_worker *w)
{
	return __atomic_load_n(&w->srv->stop, __ATOMIC_RELAXED) != 0;
}

/* errno values that mean "nothing now, try again" on a socket call. */
static inline bool
errno_is_retry(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* errno values that mean the peer closed or reset the connection. */
static inline bool
errno_is_reset(int e)
{
	return e == ECONNRESET || e == EPIPE || e == ETIMEDOUT || e == ECONNABORTED;
}

/* A datagram reply needs a sender name: an unbound Unix client cannot be answered. */
static inline bool
peer_is_addressable(const struct sockaddr_storage *ss, socklen_t len)
{
	return len > sizeof(sa_family_t);
}

/* Size of a connection's buffer: seqpackets need room for a whole message. */
static inline size_t
conn_buf_bytes(const struct sockio_worker *w)
{
	return w->srv->cfg.addr.transport == SOCKIO_UDS_SEQPACKET ? SOCKIO_MSG_MAX_BYTES
								     : SOCKIO_STREAM_BUF_BYTES;
}

/*
 * recv flags of a connection: on a seqpacket MSG_TRUNC makes recv return the real length of a
 * message longer than the buffer, so it can be counted; on a stream it would discard data.
 */
static inline int
conn_recv_flags(const struct sockio_worker *w)
{
	return w->srv->cfg.addr.transport == SOCKIO_UDS_SEQPACKET ? MSG_TRUNC : 0;
}

/*
 * Take one slot of --max-conns for a new connection. False (and the refusal counted) when the
 * server is full: the caller closes the connection.
 */
bool sockio_conn_admit(struct sockio_worker *w);
/* Give the slot back when a connection closes. */
void sockio_conn_release(struct sockio_worker *w);

/*
 * Echo one received datagram of n bytes (its real length) to peer without waiting: counts a
 * message, or a truncated datagram, or an error for an unaddressable peer or a failed send.
 */
void sockio_dgram_reply(struct sockio_worker *w, int fd, const void *buf, ssize_t n,
			const struct sockaddr_storage *peer, socklen_t plen);

/* Record why a worker could not start or had to stop. Returns rc. */
int sockio_worker_fail(struct sockio_worker *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Tell start() that this worker is set up and entering its loop. */
void sockio_worker_ready(struct sockio_worker *w);

/* The loops, one file per io mode. */
int sockio_blocking_dgram_run(struct sockio_worker *w);
int sockio_blocking_conn_run(struct sockio_worker *w);
int sockio_mmsg_dgram_run(struct sockio_worker *w);
int sockio_busy_dgram_run(struct sockio_worker *w);
int sockio_epoll_dgram_run(struct sockio_worker *w);
int sockio_epoll_conn_run(struct sockio_worker *w);
int sockio_busy_conn_run(struct sockio_worker *w);
int sockio_uring_dgram_run(struct sockio_worker *w);
int sockio_uring_conn_run(struct sockio_worker *w);
int sockio_splice_conn_run(struct sockio_worker *w);

/* Whether io_uring can be set up here (it can be disabled by sysctl or seccomp). */
int sockio_uring_probe(char *err, size_t errlen);

#endif
