/* SPDX-License-Identifier: BSD-3-Clause */
/* The zero-copy stream echo: each connection's bytes go socket -> pipe -> socket by splice(). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockio/epoll_loop.h"

/*
 * The epoll loop's discipline (sockio/epoll_loop.h) with a pipe in place of the buffer: splice
 * at most SOCKIO_STREAM_BUF_BYTES from the socket into the connection's pipe only when the pipe
 * is empty, splice all of it back out, then read again. The bytes never enter this process: the
 * pipe holds references to the socket's pages, and splicing them into the sending socket hands
 * those pages on (MSG_SPLICE_PAGES) instead of copying them. A chunk the size of epoll's buffer
 * keeps the system calls per byte of the two modes alike, so what differs is the copies.
 */
struct splice_conn {
	struct epoll_conn base;
	int pipe_rd, pipe_wr;
	size_t chunk;			/* bytes of the chunk being echoed */
	size_t in_pipe;			/* bytes of it still in the pipe */
};

#define SPLICE_FLAGS (SPLICE_F_NONBLOCK | SPLICE_F_MOVE)

static struct epoll_conn *
splice_alloc(struct epoll_loop *l)
{
	struct splice_conn *c = malloc(sizeof(*c));
	int p[2];

	if (c == NULL)
		return NULL;
	ctr_add(&l->w->ctr.syscalls, 1);
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) {
		free(c);
		return NULL;
	}
	*c = (struct splice_conn){ .pipe_rd = p[0], .pipe_wr = p[1] };
	return &c->base;
}

static void
splice_free(struct epoll_loop *l, struct epoll_conn *ec)
{
	struct splice_conn *c = (struct splice_conn *)ec;

	/* The pipe drops what it still held. */
	close(c->pipe_rd);
	close(c->pipe_wr);
	ctr_add(&l->w->ctr.syscalls, 2);
	free(c);
}

/* Splice the pipe back into the socket: 1 when the pipe is empty, 0 when full, -1 closed. */
static int
splice_flush(struct epoll_loop *l, struct splice_conn *c)
{
	size_t bytes = c->chunk;

	while (c->in_pipe > 0) {
		ssize_t r = splice(c->pipe_rd, NULL, c->base.fd, NULL, c->in_pipe, SPLICE_FLAGS);
		int rc = epoll_conn_send_end(l, &c->base, r);

		if (rc <= 0)
			return rc;
		if (r > 0)
			c->in_pipe -= (size_t)r;
	}
	c->chunk = 0;
	return epoll_conn_echoed(l, &c->base, bytes);
}

static bool
splice_service(struct epoll_loop *l, struct epoll_conn *ec)
{
	struct splice_conn *c = (struct splice_conn *)ec;
	ssize_t n;

	if (c->in_pipe > 0) {
		splice_flush(l, c);
		return false;
	}
	n = splice(ec->fd, NULL, c->pipe_wr, NULL, l->cap, SPLICE_FLAGS);
	if (epoll_conn_read_end(l, ec, n) <= 0)
		return false;
	c->chunk = c->in_pipe = (size_t)n;
	splice_flush(l, c);
	return true;
}

static const struct epoll_conn_ops splice_conn_ops = {
	.alloc = splice_alloc,
	.free = splice_free,
	.service = splice_service,
};

int
sockio_splice_conn_run(struct sockio_worker *w)
{
	return epoll_conn_loop(w, false, &splice_conn_ops);
}
