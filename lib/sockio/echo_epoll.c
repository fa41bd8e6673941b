/* SPDX-License-Identifier: BSD-3-Clause */
/* Event loops over non-blocking sockets: epoll waits, busy-poll spins on epoll_wait(0). */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sockio/epoll_loop.h"

/* epoll data of the listening socket; connections carry their struct epoll_conn. */
#define LISTENER_TAG NULL

static int
loop_ctl(struct epoll_loop *l, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	ctr_add(&l->w->ctr.syscalls, 1);
	return epoll_ctl(l->epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

/* Close a connection: its socket, its slot of --max-conns, what the mode holds. */
static void
conn_close(struct epoll_loop *l, struct epoll_conn *c)
{
	/* close() removes the fd from the epoll set too. */
	close(c->fd);
	ctr_add(&l->w->ctr.syscalls, 1);
	LIST_REMOVE(c, link);
	sockio_conn_release(l->w);
	l->ops->free(l, c);
}

static void
conn_fail(struct epoll_loop *l, struct epoll_conn *c, int err)
{
	ctr_add(errno_is_reset(err) ? &l->w->ctr.conns_reset : &l->w->ctr.errors, 1);
	conn_close(l, c);
}

static int
conn_want_out(struct epoll_loop *l, struct epoll_conn *c, bool out)
{
	if (c->want_out == out)
		return 0;
	c->want_out = out;
	return loop_ctl(l, EPOLL_CTL_MOD, c->fd, out ? EPOLLOUT : EPOLLIN, c);
}

/* Send what is pending: 1 when the chunk is all back, 0 when the socket is full, -1 closed. */
static int
conn_flush(struct epoll_loop *l, struct epoll_conn *c)
{
	struct sockio_worker *w = l->w;
	int rc;

	while (c->left > 0) {
		ssize_t r = l->ops->give(l, c);

		ctr_add(&w->ctr.syscalls, 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno_is_retry(errno) && conn_want_out(l, c, true) == 0)
				return 0;
			conn_fail(l, c, errno);
			return -1;
		}
		c->left -= (size_t)r;
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

/* One readiness event: finish the pending chunk, or take one in and echo it. True if it took. */
static bool
conn_service(struct epoll_loop *l, struct epoll_conn *c)
{
	struct sockio_worker *w = l->w;
	ssize_t n;

	if (c->left > 0) {
		conn_flush(l, c);
		return false;
	}
	n = l->ops->take(l, c);
	ctr_add(&w->ctr.syscalls, 1);
	if (n < 0) {
		if (!errno_is_retry(errno))
			conn_fail(l, c, errno);
		return false;
	}
	/* End of file (or a half-close): everything read was echoed. */
	if (n == 0) {
		conn_close(l, c);
		return false;
	}
	/* A seqpacket message longer than the buffer (recv with MSG_TRUNC): counted, not echoed. */
	if ((size_t)n > l->cap) {
		ctr_add(&w->ctr.truncated, 1);
		return true;
	}
	c->chunk = c->left = (size_t)n;
	conn_flush(l, c);
	return true;
}

static void
listener_service(struct epoll_loop *l)
{
	struct sockio_worker *w = l->w;
	struct epoll_conn *c;

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
		if (w->srv->ops->busy_poll && w->srv->cfg.addr.family != AF_UNIX) {
			sockio_set_busy_poll(fd, SOCKIO_BUSY_POLL_US);
			ctr_add(&w->ctr.syscalls, 1);
		}
		c = l->ops->alloc(l);
		if (c == NULL || loop_ctl(l, EPOLL_CTL_ADD, fd, EPOLLIN, c) < 0) {
			ctr_add(&w->ctr.errors, 1);
			if (c != NULL)
				l->ops->free(l, c);
			close(fd);
			ctr_add(&w->ctr.syscalls, 1);
			sockio_conn_release(w);
			continue;
		}
		c->fd = fd;
		c->want_out = false;
		c->chunk = c->left = 0;
		LIST_INSERT_HEAD(&l->conns, c, link);
	}
}

static int
epoll_loop_init(struct epoll_loop *l, struct sockio_worker *w, bool spin,
		const struct epoll_conn_ops *ops)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = LISTENER_TAG };
	bool shared = w->srv->nfds < w->srv->cfg.threads;

	memset(l, 0, sizeof(*l));
	l->w = w;
	l->ops = ops;
	l->timeout_ms = spin ? 0 : SOCKIO_STOP_CHECK_MS;
	l->cap = conn_buf_bytes(w);
	l->recv_flags = MSG_DONTWAIT | conn_recv_flags(w);
	LIST_INIT(&l->conns);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return sockio_worker_fail(w, -errno, "thread %u: epoll_create1: %s", w->id,
					  strerror(errno));
	/* A listener or datagram socket shared by threads wakes one of them, not all. */
	if (shared)
		ev.events |= EPOLLEXCLUSIVE;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev) != 0) {
		int rc = -errno;

		close(l->epfd);
		return sockio_worker_fail(w, rc, "thread %u: epoll_ctl: %s", w->id, strerror(-rc));
	}
	return 0;
}

static void
epoll_loop_fini(struct epoll_loop *l)
{
	while (!LIST_EMPTY(&l->conns))
		conn_close(l, LIST_FIRST(&l->conns));
	close(l->epfd);
}

int
epoll_conn_loop(struct sockio_worker *w, bool spin, const struct epoll_conn_ops *ops)
{
	struct epoll_event ev[SOCKIO_EPOLL_EVENTS];
	struct epoll_loop l;
	int n, rc;

	rc = epoll_loop_init(&l, w, spin, ops);
	if (rc < 0)
		return rc;
	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		n = epoll_wait(l.epfd, ev, SOCKIO_EPOLL_EVENTS, l.timeout_ms);
		ctr_add(&w->ctr.syscalls, 1);
		if (n < 0 && errno != EINTR) {
			rc = sockio_worker_fail(w, -errno, "thread %u: epoll_wait: %s", w->id,
						strerror(errno));
			break;
		}
		bool any = false;

		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == LISTENER_TAG)
				listener_service(&l);
			else
				any |= conn_service(&l, ev[i].data.ptr);
		}
		if (any)
			ctr_add(&w->ctr.batches, 1);
	}
	epoll_loop_fini(&l);
	return rc;
}

/*
 * The epoll and busy-poll modes keep a connection's chunk in a buffer of l->cap bytes.
 * Seqpackets keep their boundaries because a chunk is exactly one message.
 */
struct buf_conn {
	struct epoll_conn base;
	uint8_t buf[];
};

static struct epoll_conn *
buf_alloc(struct epoll_loop *l)
{
	struct buf_conn *c = malloc(sizeof(*c) + l->cap);

	return c == NULL ? NULL : &c->base;
}

static void
buf_free(struct epoll_loop *l, struct epoll_conn *c)
{
	(void)l;
	free(c);
}

static ssize_t
buf_take(struct epoll_loop *l, struct epoll_conn *c)
{
	return recv(c->fd, ((struct buf_conn *)c)->buf, l->cap, l->recv_flags);
}

static ssize_t
buf_give(struct epoll_loop *l, struct epoll_conn *c)
{
	(void)l;
	return send(c->fd, ((struct buf_conn *)c)->buf + (c->chunk - c->left), c->left,
		    MSG_NOSIGNAL);
}

static const struct epoll_conn_ops buf_conn_ops = {
	.alloc = buf_alloc,
	.free = buf_free,
	.take = buf_take,
	.give = buf_give,
};

int
sockio_epoll_conn_run(struct sockio_worker *w)
{
	return epoll_conn_loop(w, false, &buf_conn_ops);
}

int
sockio_busy_conn_run(struct sockio_worker *w)
{
	return epoll_conn_loop(w, true, &buf_conn_ops);
}

int
sockio_epoll_dgram_run(struct sockio_worker *w)
{
	struct epoll_event ev;
	struct sockaddr_storage peer;
	struct epoll_loop l;
	socklen_t plen;
	uint8_t *buf;
	ssize_t n;
	int rc;

	buf = malloc(SOCKIO_MSG_MAX_BYTES);
	if (buf == NULL)
		return sockio_worker_fail(w, -ENOMEM, "thread %u: no memory for its buffer", w->id);
	rc = epoll_loop_init(&l, w, false, NULL);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		rc = epoll_wait(l.epfd, &ev, 1, l.timeout_ms);
		ctr_add(&w->ctr.syscalls, 1);
		if (rc < 0 && errno != EINTR) {
			rc = sockio_worker_fail(w, -errno, "thread %u: epoll_wait: %s", w->id,
						strerror(errno));
			break;
		}
		if (rc <= 0) {
			rc = 0;
			continue;
		}
		rc = 0;
		/* Drain what is queued; the EAGAIN that ends it is a syscall like any other. */
		for (bool any = false;; any = true) {
			plen = sizeof(peer);
			n = recvfrom(w->fd, buf, SOCKIO_MSG_MAX_BYTES, MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&peer, &plen);
			ctr_add(&w->ctr.syscalls, 1);
			if (n < 0) {
				if (!errno_is_retry(errno))
					ctr_add(&w->ctr.errors, 1);
				if (any)
					ctr_add(&w->ctr.batches, 1);
				break;
			}
			sockio_dgram_reply(w, w->fd, buf, n, &peer, plen);
		}
	}
	epoll_loop_fini(&l);
	free(buf);
	return rc;
}
