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
 * back; no one else waits. The loop owns the connections, the listener, the wait and the
 * chunk's accounting; a mode says where a chunk is kept (a buffer, a pipe) and how it moves.
 */
struct epoll_conn {
	LIST_ENTRY(epoll_conn) link;	/* the worker's open connections, to close at stop */
	int fd;
	bool want_out;			/* registered for EPOLLOUT instead of EPOLLIN */
	size_t chunk;			/* bytes of the chunk being echoed */
	size_t left;			/* bytes of it still to send */
};

struct epoll_loop;

/* A mode's connection embeds struct epoll_conn as its first member. */
struct epoll_conn_ops {
	/* A new connection, without its socket yet; NULL (nothing held) on failure. */
	struct epoll_conn *(*alloc)(struct epoll_loop *l);
	/* Free what alloc made; the socket is closed by then. */
	void (*free)(struct epoll_loop *l, struct epoll_conn *c);
	/* One call taking a chunk of at most l->cap bytes in from c->fd: its result (the
	 * message's real length on a seqpacket, which may be more), or -1 with errno. */
	ssize_t (*take)(struct epoll_loop *l, struct epoll_conn *c);
	/* One call sending the chunk's last c->left bytes back out: its result, or -1. */
	ssize_t (*give)(struct epoll_loop *l, struct epoll_conn *c);
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

/* Serve a worker's listener and connections until the server stops. spin: epoll_wait(0). */
int epoll_conn_loop(struct sockio_worker *w, bool spin, const struct epoll_conn_ops *ops);

#endif
