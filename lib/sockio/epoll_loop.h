/* SPDX-License-Identifier: BSD-3-Clause */
/* The epoll connection loop that the epoll, busy-poll and splice io modes share. */
#ifndef SOCKIO_EPOLL_LOOP_H
#define SOCKIO_EPOLL_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "sockio/echo.h"

/*
 * A connection echoes one chunk at a time: take one in only when none is pending, send it all
 * back, take the next. A client that stops reading leaves its chunk pending, the connection
 * waits for EPOLLOUT and takes nothing more, and the kernel's flow control holds the client
 * back; no one else waits. The loop owns the connections, the listener and the wait; a mode
 * says where a chunk is kept (a buffer, a pipe) and how it moves.
 */
struct epoll_conn {
	LIST_ENTRY(epoll_conn) link;	/* the worker's open connections, to close at stop */
	int fd;
	bool want_out;			/* registered for EPOLLOUT instead of EPOLLIN */
};

struct epoll_loop;

/* A mode's connection embeds struct epoll_conn as its first member. */
struct epoll_conn_ops {
	/* A new connection, without its socket yet; NULL (nothing held) on failure. */
	struct epoll_conn *(*alloc)(struct epoll_loop *l);
	/* Free what alloc made; the socket is closed by then. */
	void (*free)(struct epoll_loop *l, struct epoll_conn *c);
	/* One readiness event: finish the pending chunk, or take one in and echo it. True if
	 * it took one in. */
	bool (*service)(struct epoll_loop *l, struct epoll_conn *c);
};

struct epoll_loop {
	struct sockio_worker *w;
	const struct epoll_conn_ops *ops;	/* NULL in the datagram loop */
	int epfd;
	int timeout_ms;			/* 0 when spinning */
	size_t cap;			/* the most one chunk may hold */
	int recv_flags;
	LIST_HEAD(, epoll_conn) conns;
};

/* Close a connection: its socket, its slot of --max-conns, what the mode holds. */
void epoll_conn_close(struct epoll_loop *l, struct epoll_conn *c);

/*
 * After a call that moved n bytes of a connection's chunk in (a read) or out (a send); n < 0
 * with errno set on failure. Each returns 1 to go on; 0 when there is nothing to do now (a read
 * found nothing, or the socket is full and the connection now waits for EPOLLOUT); -1 when the
 * connection was closed (end of file, a reset, an error: counted).
 */
int epoll_conn_read_end(struct epoll_loop *l, struct epoll_conn *c, ssize_t n);
int epoll_conn_send_end(struct epoll_loop *l, struct epoll_conn *c, ssize_t n);

/* The chunk of bytes went back whole: counted, and the connection reads again. 1, or -1 closed. */
int epoll_conn_echoed(struct epoll_loop *l, struct epoll_conn *c, size_t bytes);

/* Serve a worker's listener and connections until the server stops. spin: epoll_wait(0). */
int epoll_conn_loop(struct sockio_worker *w, bool spin, const struct epoll_conn_ops *ops);

#endif
