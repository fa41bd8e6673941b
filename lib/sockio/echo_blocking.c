/* SPDX-License-Identifier: BSD-3-Clause */
/* The textbook loops: one blocking recv and one send per message; a thread per connection. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockio/echo.h"

/* How long an acceptor waits between checks for its connection threads to finish. */
#define CONN_DRAIN_POLL_US 5000
/* Pause after accept() fails for lack of descriptors or memory, instead of spinning on it. */
#define ACCEPT_BACKOFF_US  10000

void
sockio_dgram_reply(struct sockio_worker *w, int fd, const void *buf, ssize_t n,
		   const struct sockaddr_storage *peer, socklen_t plen)
{
	ssize_t r;

	if (n > SOCKIO_MSG_MAX_BYTES) {
		ctr_add(&w->ctr.truncated, 1);
		return;
	}
	if (!peer_is_addressable(peer, plen)) {
		ctr_add(&w->ctr.errors, 1);
		return;
	}
	/* Never wait for one client's full queue (Unix datagrams): drop the reply, count it. */
	r = sendto(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)peer,
		   plen);
	ctr_add(&w->ctr.syscalls, 1);
	if (r != n) {
		ctr_add(&w->ctr.errors, 1);
		return;
	}
	ctr_add(&w->ctr.messages, 1);
	ctr_add(&w->ctr.bytes, (uint64_t)n);
}

int
sockio_blocking_dgram_run(struct sockio_worker *w)
{
	struct sockaddr_storage peer;
	socklen_t plen;
	uint8_t *buf;
	ssize_t n;

	buf = malloc(SOCKIO_MSG_MAX_BYTES);
	if (buf == NULL)
		return sockio_worker_fail(w, -ENOMEM, "thread %u: no memory for its buffer", w->id);
	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		plen = sizeof(peer);
		/* MSG_TRUNC: the real length, so an oversized datagram is counted, not cut. */
		n = recvfrom(w->fd, buf, SOCKIO_MSG_MAX_BYTES, MSG_TRUNC, (struct sockaddr *)&peer,
			     &plen);
		ctr_add(&w->ctr.syscalls, 1);
		if (n < 0) {
			if (!errno_is_retry(errno))
				ctr_add(&w->ctr.errors, 1);
			continue;
		}
		ctr_add(&w->ctr.batches, 1);
		sockio_dgram_reply(w, w->fd, buf, n, &peer, plen);
	}
	free(buf);
	return 0;
}

struct conn_thread {
	struct sockio_worker *w;
	int fd;
	size_t cap;
	uint8_t buf[];
};

/* Write all n bytes, riding out SO_SNDTIMEO expiries until a stop. Returns 0 or -1 (closed). */
static int
conn_send_all(struct sockio_worker *w, int fd, const uint8_t *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = send(fd, buf + off, n - off, MSG_NOSIGNAL);

		ctr_add(&w->ctr.syscalls, 1);
		if (r >= 0) {
			off += (size_t)r;
			continue;
		}
		if (errno_is_retry(errno)) {
			if (worker_stopping(w))
				return -1;
			continue;
		}
		ctr_add(errno_is_reset(errno) ? &w->ctr.conns_reset : &w->ctr.errors, 1);
		return -1;
	}
	return 0;
}

static void *
conn_thread_main(void *arg)
{
	struct conn_thread *c = arg;
	struct sockio_worker *w = c->w;
	int flags = conn_recv_flags(w);
	ssize_t n;

	while (!worker_stopping(w)) {
		n = recv(c->fd, c->buf, c->cap, flags);
		ctr_add(&w->ctr.syscalls, 1);
		if (n < 0) {
			if (errno_is_retry(errno))
				continue;
			ctr_add(errno_is_reset(errno) ? &w->ctr.conns_reset : &w->ctr.errors, 1);
			break;
		}
		if (n == 0)
			break;
		ctr_add(&w->ctr.batches, 1);
		if ((size_t)n > c->cap) {
			ctr_add(&w->ctr.truncated, 1);
			continue;
		}
		if (conn_send_all(w, c->fd, c->buf, (size_t)n) < 0)
			break;
		ctr_add(&w->ctr.messages, 1);
		ctr_add(&w->ctr.bytes, (uint64_t)n);
	}
	close(c->fd);
	ctr_add(&w->ctr.syscalls, 1);
	sockio_conn_release(w);
	free(c);
	/* Last touch of the worker: the acceptor returns once this reaches zero. */
	__atomic_sub_fetch(&w->conn_threads, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Hand an accepted connection to a thread of its own. Returns false if it had to be closed. */
static bool
conn_spawn(struct sockio_worker *w, const pthread_attr_t *attr, int fd)
{
	size_t cap = conn_buf_bytes(w);
	struct conn_thread *c;
	pthread_t tid;

	/* Accepted Unix sockets do not inherit the listener's timeouts; TCP ones do. */
	ctr_add(&w->ctr.syscalls, 2);
	if (sockio_set_timeouts(fd, SOCKIO_STOP_CHECK_MS) < 0)
		goto out_close;
	c = malloc(sizeof(*c) + cap);
	if (c == NULL)
		goto out_close;
	c->w = w;
	c->fd = fd;
	c->cap = cap;
	__atomic_add_fetch(&w->conn_threads, 1, __ATOMIC_RELAXED);
	if (pthread_create(&tid, attr, conn_thread_main, c) != 0) {
		__atomic_sub_fetch(&w->conn_threads, 1, __ATOMIC_RELAXED);
		free(c);
		goto out_close;
	}
	return true;

out_close:
	ctr_add(&w->ctr.errors, 1);
	close(fd);
	ctr_add(&w->ctr.syscalls, 1);
	sockio_conn_release(w);
	return false;
}

int
sockio_blocking_conn_run(struct sockio_worker *w)
{
	pthread_attr_t attr;
	int fd, rc;

	rc = -pthread_attr_init(&attr);
	if (rc == 0)
		rc = -pthread_attr_setstacksize(&attr, SOCKIO_CONN_STACK_BYTES);
	if (rc == 0)
		rc = -pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (rc < 0)
		return sockio_worker_fail(w, rc, "thread %u: connection thread attributes: %s",
					  w->id, strerror(-rc));
	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		/* The listener's SO_RCVTIMEO bounds this wait. */
		fd = sockio_accept(w->fd, false);
		ctr_add(&w->ctr.syscalls, 1);
		if (fd < 0) {
			if (errno_is_retry(errno))
				continue;
			ctr_add(&w->ctr.errors, 1);
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				usleep(ACCEPT_BACKOFF_US);
			continue;
		}
		if (!sockio_conn_admit(w)) {
			close(fd);
			ctr_add(&w->ctr.syscalls, 1);
			continue;
		}
		conn_spawn(w, &attr, fd);
	}
	/* Connection threads see the stop within SOCKIO_STOP_CHECK_MS and close their sockets. */
	while (__atomic_load_n(&w->conn_threads, __ATOMIC_ACQUIRE) > 0)
		usleep(CONN_DRAIN_POLL_US);
	pthread_attr_destroy(&attr);
	return 0;
}
