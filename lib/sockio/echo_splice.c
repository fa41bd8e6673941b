/* SPDX-License-Identifier: BSD-3-Clause */
/* The zero-copy stream echo: each connection's bytes go socket -> pipe -> socket by splice(). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <unistd.h>

#include "sockio/echo.h"

/*
 * The same discipline as the epoll loop, with a pipe in place of the buffer: splice at most
 * SOCKIO_STREAM_BUF_BYTES from the socket into the connection's pipe only when the pipe is
 * empty, splice all of it back out, then read again. The bytes never enter this process: the
 * pipe holds references to the socket's pages, and splicing them into the sending socket hands
 * those pages on (MSG_SPLICE_PAGES) instead of copying them. A chunk the size of epoll's buffer
 * keeps the system calls per byte of the two modes alike, so what differs is the copies.
 * A client that stops reading leaves its chunk in the pipe, the connection waits for EPOLLOUT
 * and reads nothing more, and the kernel's flow control holds the client back.
 */
struct splice_conn {
	LIST_ENTRY(splice_conn) link;	/* the worker's open connections, to close at stop */
	int fd;
	int pipe_rd, pipe_wr;
	bool want_out;			/* registered for EPOLLOUT instead of EPOLLIN */
	size_t chunk;			/* bytes of the chunk being echoed */
	size_t in_pipe;			/* bytes of it still in the pipe */
};

struct splice_loop {
	struct sockio_worker *w;
	int epfd;
	LIST_HEAD(, splice_conn) conns;
};

/* epoll data of the listening socket; connections carry their struct splice_conn. */
#define LISTENER_TAG NULL
#define SPLICE_FLAGS (SPLICE_F_NONBLOCK | SPLICE_F_MOVE)

static int
loop_ctl(struct splice_loop *l, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	ctr_add(&l->w->ctr.syscalls, 1);
	return epoll_ctl(l->epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

static void
conn_close(struct splice_loop *l, struct splice_conn *c)
{
	/* close() removes the fd from the epoll set too; the pipe drops what it still held. */
	close(c->fd);
	close(c->pipe_rd);
	close(c->pipe_wr);
	ctr_add(&l->w->ctr.syscalls, 3);
	LIST_REMOVE(c, link);
	sockio_conn_release(l->w);
	free(c);
}

static void
conn_fail(struct splice_loop *l, struct splice_conn *c, int err)
{
	ctr_add(errno_is_reset(err) ? &l->w->ctr.conns_reset : &l->w->ctr.errors, 1);
	conn_close(l, c);
}

static int
conn_want_out(struct splice_loop *l, struct splice_conn *c, bool out)
{
	if (c->want_out == out)
		return 0;
	c->want_out = out;
	return loop_ctl(l, EPOLL_CTL_MOD, c->fd, out ? EPOLLOUT : EPOLLIN, c);
}

/* Splice the pipe back into the socket: 1 when the pipe is empty, 0 when full, -1 closed. */
static int
conn_flush(struct splice_loop *l, struct splice_conn *c)
{
	struct sockio_worker *w = l->w;
	int rc;

	while (c->in_pipe > 0) {
		ssize_t r = splice(c->pipe_rd, NULL, c->fd, NULL, c->in_pipe, SPLICE_FLAGS);

		ctr_add(&w->ctr.syscalls, 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno_is_retry(errno) && conn_want_out(l, c, true) == 0)
				return 0;
			conn_fail(l, c, errno);
			return -1;
		}
		c->in_pipe -= (size_t)r;
	}
	ctr_add(&w->ctr.messages, 1);
	ctr_add(&w->ctr.bytes, c->chunk);
	c->chunk = 0;
	rc = conn_want_out(l, c, false);
	if (rc < 0) {
		conn_fail(l, c, -rc);
		return -1;
	}
	return 1;
}

/* One readiness event: finish the pending chunk, or splice one in and echo it. True if it read. */
static bool
conn_service(struct splice_loop *l, struct splice_conn *c)
{
	struct sockio_worker *w = l->w;
	ssize_t n;

	if (c->in_pipe > 0) {
		conn_flush(l, c);
		return false;
	}
	n = splice(c->fd, NULL, c->pipe_wr, NULL, SOCKIO_STREAM_BUF_BYTES, SPLICE_FLAGS);
	ctr_add(&w->ctr.syscalls, 1);
	if (n < 0) {
		if (!errno_is_retry(errno))
			conn_fail(l, c, errno);
		return false;
	}
	/* End of file (or a half-close): everything read was echoed, as in the epoll loop. */
	if (n == 0) {
		conn_close(l, c);
		return false;
	}
	c->chunk = c->in_pipe = (size_t)n;
	conn_flush(l, c);
	return true;
}

/* A connection and its pipe, registered for EPOLLIN. False (closed and counted) on failure. */
static bool
conn_open(struct splice_loop *l, int fd)
{
	struct sockio_worker *w = l->w;
	struct splice_conn *c = malloc(sizeof(*c));
	int p[2];

	if (c == NULL)
		goto out_fail;
	ctr_add(&w->ctr.syscalls, 1);
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
		goto out_free;
	*c = (struct splice_conn){ .fd = fd, .pipe_rd = p[0], .pipe_wr = p[1] };
	if (loop_ctl(l, EPOLL_CTL_ADD, fd, EPOLLIN, c) < 0)
		goto out_close_pipe;
	LIST_INSERT_HEAD(&l->conns, c, link);
	return true;

out_close_pipe:
	close(p[0]);
	close(p[1]);
	ctr_add(&w->ctr.syscalls, 2);
out_free:
	free(c);
out_fail:
	ctr_add(&w->ctr.errors, 1);
	close(fd);
	ctr_add(&w->ctr.syscalls, 1);
	sockio_conn_release(w);
	return false;
}

static void
listener_service(struct splice_loop *l)
{
	struct sockio_worker *w = l->w;

	for (int i = 0; i < SOCKIO_ACCEPT_BURST; i++) {
		int fd = sockio_accept(w->fd, true);

		ctr_add(&w->ctr.syscalls, 1);
		if (fd < 0) {
			/* Another thread may have taken it off a shared listener. */
			if (!errno_is_retry(errno))
				ctr_add(&w->ctr.errors, 1);
			return;
		}
		if (!sockio_conn_admit(w)) {
			close(fd);
			ctr_add(&w->ctr.syscalls, 1);
			continue;
		}
		conn_open(l, fd);
	}
}

int
sockio_splice_conn_run(struct sockio_worker *w)
{
	struct epoll_event ev[SOCKIO_EPOLL_EVENTS];
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = LISTENER_TAG };
	struct splice_loop l = { .w = w };
	int n, rc = 0;

	LIST_INIT(&l.conns);
	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l.epfd < 0)
		return sockio_worker_fail(w, -errno, "thread %u: epoll_create1: %s", w->id,
					  strerror(errno));
	/* A listener shared by threads wakes one of them, not all. */
	if (w->srv->nfds < w->srv->cfg.threads)
		lev.events |= EPOLLEXCLUSIVE;
	if (epoll_ctl(l.epfd, EPOLL_CTL_ADD, w->fd, &lev) != 0) {
		rc = -errno;
		close(l.epfd);
		return sockio_worker_fail(w, rc, "thread %u: epoll_ctl: %s", w->id, strerror(-rc));
	}
	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		bool any = false;

		n = epoll_wait(l.epfd, ev, SOCKIO_EPOLL_EVENTS, SOCKIO_STOP_CHECK_MS);
		ctr_add(&w->ctr.syscalls, 1);
		if (n < 0 && errno != EINTR) {
			rc = sockio_worker_fail(w, -errno, "thread %u: epoll_wait: %s", w->id,
						strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == LISTENER_TAG)
				listener_service(&l);
			else
				any |= conn_service(&l, ev[i].data.ptr);
		}
		if (any)
			ctr_add(&w->ctr.batches, 1);
	}
	while (!LIST_EMPTY(&l.conns))
		conn_close(&l, LIST_FIRST(&l.conns));
	close(l.epfd);
	return rc;
}
