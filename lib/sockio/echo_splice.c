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
	struct epoll_conn base;		/* the chunk's bytes still to send are in the pipe */
	int pipe_rd, pipe_wr;
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

static ssize_t
splice_take(struct epoll_loop *l, struct epoll_conn *c)
{
	return splice(c->fd, NULL, ((struct splice_conn *)c)->pipe_wr, NULL, l->cap, SPLICE_FLAGS);
}

static ssize_t
splice_give(struct epoll_loop *l, struct epoll_conn *c)
{
	(void)l;
	return splice(((struct splice_conn *)c)->pipe_rd, NULL, c->fd, NULL, c->left, SPLICE_FLAGS);
}

static const struct epoll_conn_ops splice_conn_ops = {
	.alloc = splice_alloc,
	.free = splice_free,
	.take = splice_take,
	.give = splice_give,
};

int
sockio_splice_conn_run(struct sockio_worker *w)
{
	return epoll_conn_loop(w, false, &splice_conn_ops);
}
