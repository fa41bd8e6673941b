/* SPDX-License-Identifier: BSD-3-Clause */
/* io_uring echo: each reply is a send linked to the next receive into the same buffer. */
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "common/res.h"
#include "sockio/echo.h"

/* Submission queue of a connection worker: what one round can queue before a submit. */
#define URING_CONN_SQ_ENTRIES	256
/* Completion queue of a connection worker: two requests in flight per connection. */
#define URING_CONN_CQ_ENTRIES	4096
#define URING_MIN_ENTRIES	8
/* At stop, how long to wait for the cancelled requests to come back. */
#define URING_DRAIN_MS		200
#define URING_DRAIN_WAIT_MS	10

/*
 * user_data is a pointer (aligned to 8 at least) with the operation in its low bits. Every
 * request in flight is counted, so that at stop the buffers are freed only once the kernel
 * has let go of them.
 */
enum uring_op {
	OP_RECV,
	OP_SEND,
	OP_ACCEPT,
	OP_CANCEL,
};
#define OP_MASK 3ull

struct uring_loop;
typedef void (*uring_cqe_fn)(struct uring_loop *u, void *obj, enum uring_op op, int res);

struct uring_loop {
	struct sockio_worker *w;
	struct io_uring ring;
	uring_cqe_fn handle;
	unsigned inflight;	/* requests queued or submitted whose completion is still due */
	bool got_data;		/* a receive completed with data in this round */
	LIST_HEAD(, uring_conn) conns;
	size_t cap;
	int recv_flags;
};

static inline uint64_t
ud_make(const void *obj, enum uring_op op)
{
	return (uint64_t)(uintptr_t)obj | (uint64_t)op;
}

int
sockio_uring_probe(char *err, size_t errlen)
{
	struct io_uring ring;
	int rc = io_uring_queue_init(URING_MIN_ENTRIES, &ring, 0);

	if (rc < 0) {
		snprintf(err, errlen,
			 "io_uring_setup: %s (io_uring may be disabled by the sysctl "
			 "kernel.io_uring_disabled or a seccomp filter; use --io epoll)",
			 strerror(-rc));
		return rc;
	}
	io_uring_queue_exit(&ring);
	return 0;
}

static int
uring_init(struct uring_loop *u, struct sockio_worker *w, unsigned sq, unsigned cq,
	   uring_cqe_fn handle)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
			 IORING_SETUP_SINGLE_ISSUER,
		.cq_entries = cq,
	};
	int rc;

	memset(u, 0, sizeof(*u));
	u->w = w;
	u->handle = handle;
	rc = io_uring_queue_init_params(sq, &u->ring, &p);
	if (rc == -EINVAL) {
		/* Kernels before 6.0 lack some of these flags: they are optimisations only. */
		p = (struct io_uring_params){ .flags = IORING_SETUP_CQSIZE, .cq_entries = cq };
		rc = io_uring_queue_init_params(sq, &u->ring, &p);
	}
	if (rc < 0)
		return sockio_worker_fail(w, rc, "thread %u: io_uring_queue_init: %s", w->id,
					  strerror(-rc));
	return 0;
}

/* Submit what is queued (one io_uring_enter) to make room for n more requests. */
static void
uring_reserve(struct uring_loop *u, unsigned n)
{
	if (io_uring_sq_space_left(&u->ring) >= n)
		return;
	io_uring_submit(&u->ring);
	ctr_add(&u->w->ctr.syscalls, 1);
}

/* A request slot; uring_reserve() made sure there is one. */
static struct io_uring_sqe *
uring_sqe(struct uring_loop *u, const void *obj, enum uring_op op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	io_uring_sqe_set_data64(sqe, ud_make(obj, op));
	u->inflight++;
	return sqe;
}

static void
uring_reap(struct uring_loop *u)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		enum uring_op op = (enum uring_op)(ud & OP_MASK);

		u->inflight--;
		if (op != OP_CANCEL)
			u->handle(u, (void *)(uintptr_t)(ud & ~OP_MASK), op, cqe->res);
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
}

/*
 * Reap, queue the follow-ups, and enter the kernel once per round: submit and wait for the next
 * completion, bounded so that a stop is noticed. Counts every io_uring_enter it makes.
 */
static int
uring_run(struct uring_loop *u)
{
	struct sockio_worker *w = u->w;
	struct __kernel_timespec ts = { .tv_nsec = SOCKIO_STOP_CHECK_MS * 1000000LL };
	struct io_uring_cqe *cqe;
	int rc;

	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		u->got_data = false;
		uring_reap(u);
		if (u->got_data)
			ctr_add(&w->ctr.batches, 1);
		if (io_uring_cq_ready(&u->ring) > 0) {
			/* More completions already: no need to wait, submit only if needed. */
			if (io_uring_sq_ready(&u->ring) > 0) {
				io_uring_submit(&u->ring);
				ctr_add(&w->ctr.syscalls, 1);
			}
			continue;
		}
		rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
		ctr_add(&w->ctr.syscalls, 1);
		if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
			return sockio_worker_fail(w, rc, "thread %u: io_uring_enter: %s", w->id,
						  strerror(-rc));
	}
	return 0;
}

/* Cancel everything in flight and wait (bounded) for the kernel to hand the buffers back. */
static void
uring_drain(struct uring_loop *u)
{
	struct __kernel_timespec ts = { .tv_nsec = URING_DRAIN_WAIT_MS * 1000000LL };
	uint64_t deadline = clock_now_ns() + URING_DRAIN_MS * 1000000ull;
	struct io_uring_cqe *cqe;

	uring_reserve(u, 1);
	io_uring_prep_cancel64(uring_sqe(u, NULL, OP_CANCEL), 0, IORING_ASYNC_CANCEL_ANY);
	while (u->inflight > 0 && clock_now_ns() < deadline) {
		io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
		uring_reap(u);
	}
}

/* ---- datagrams: --batch slots, each a receive, then a reply linked to the next receive ---- */

struct uring_slot {
	uint8_t *buf;
	struct sockaddr_storage peer;
	struct iovec rx_iov, tx_iov;
	struct msghdr rx_msg, tx_msg;
	unsigned inflight;
};

static void
slot_post_recv(struct uring_loop *u, struct uring_slot *s)
{
	s->rx_iov = (struct iovec){ .iov_base = s->buf, .iov_len = SOCKIO_MSG_MAX_BYTES };
	s->rx_msg = (struct msghdr){
		.msg_name = &s->peer,
		.msg_namelen = sizeof(s->peer),
		.msg_iov = &s->rx_iov,
		.msg_iovlen = 1,
	};
	uring_reserve(u, 1);
	io_uring_prep_recvmsg(uring_sqe(u, s, OP_RECV), u->w->fd, &s->rx_msg, 0);
	s->inflight++;
}

static void
slot_post_reply(struct uring_loop *u, struct uring_slot *s, size_t n)
{
	struct io_uring_sqe *sqe;

	s->tx_iov = (struct iovec){ .iov_base = s->buf, .iov_len = n };
	s->tx_msg = (struct msghdr){
		.msg_name = &s->peer,
		.msg_namelen = s->rx_msg.msg_namelen,
		.msg_iov = &s->tx_iov,
		.msg_iovlen = 1,
	};
	/* Both in one submission, or the link would end at the submission boundary. */
	uring_reserve(u, 2);
	sqe = uring_sqe(u, s, OP_SEND);
	io_uring_prep_sendmsg(sqe, u->w->fd, &s->tx_msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	sqe->flags |= IOSQE_IO_LINK;
	s->inflight++;
	slot_post_recv(u, s);
}

static void
slot_cqe(struct uring_loop *u, void *obj, enum uring_op op, int res)
{
	struct sockio_worker *w = u->w;
	struct uring_slot *s = obj;

	s->inflight--;
	if (op == OP_SEND) {
		/* A failed reply breaks the link: the receive comes back -ECANCELED. */
		if (res >= 0 && (size_t)res == s->tx_iov.iov_len) {
			ctr_add(&w->ctr.messages, 1);
			ctr_add(&w->ctr.bytes, (uint64_t)res);
		} else {
			ctr_add(&w->ctr.errors, 1);
		}
	} else if (res >= 0) {
		u->got_data = true;
		if (s->rx_msg.msg_flags & MSG_TRUNC) {
			ctr_add(&w->ctr.truncated, 1);
		} else if (!peer_is_addressable(&s->peer, s->rx_msg.msg_namelen)) {
			ctr_add(&w->ctr.errors, 1);
		} else if (!worker_stopping(w)) {
			slot_post_reply(u, s, (size_t)res);
			return;
		}
	} else if (res != -ECANCELED && res != -EINTR && res != -EAGAIN) {
		ctr_add(&w->ctr.errors, 1);
	}
	if (s->inflight == 0 && !worker_stopping(w))
		slot_post_recv(u, s);
}

static unsigned
pow2_at_least(unsigned n)
{
	unsigned p = URING_MIN_ENTRIES;

	while (p < n)
		p <<= 1;
	return p;
}

int
sockio_uring_dgram_run(struct sockio_worker *w)
{
	unsigned n = w->srv->cfg.batch;
	struct uring_slot *slots;
	struct uring_loop u;
	uint8_t *bufs;
	int rc;

	slots = calloc(n, sizeof(*slots));
	bufs = malloc((size_t)n * SOCKIO_MSG_MAX_BYTES);
	if (slots == NULL || bufs == NULL) {
		rc = sockio_worker_fail(w, -ENOMEM, "thread %u: no memory for %u slots", w->id, n);
		goto out_free;
	}
	rc = uring_init(&u, w, pow2_at_least(2 * n), pow2_at_least(4 * n), slot_cqe);
	if (rc < 0)
		goto out_free;
	for (unsigned i = 0; i < n; i++) {
		slots[i].buf = bufs + (size_t)i * SOCKIO_MSG_MAX_BYTES;
		slot_post_recv(&u, &slots[i]);
	}
	rc = uring_run(&u);
	uring_drain(&u);
	io_uring_queue_exit(&u.ring);
	/* Requests that outlived the drain would write into freed memory: keep it instead. */
	if (u.inflight > 0)
		return rc;
out_free:
	free(bufs);
	free(slots);
	return rc;
}

/* ---- connections: an accept in flight, and per connection a receive or a reply+receive ---- */

struct uring_conn {
	LIST_ENTRY(uring_conn) link;	/* the worker's open connections */
	int fd;
	unsigned inflight;
	bool closing;
	uint32_t len, off;	/* bytes received, bytes of them sent back */
	uint8_t buf[];
};

static void
conn_post_recv(struct uring_loop *u, struct uring_conn *c)
{
	uring_reserve(u, 1);
	io_uring_prep_recv(uring_sqe(u, c, OP_RECV), c->fd, c->buf, u->cap, u->recv_flags);
	c->inflight++;
}

static void
conn_post_reply(struct uring_loop *u, struct uring_conn *c)
{
	struct io_uring_sqe *sqe;

	uring_reserve(u, 2);
	sqe = uring_sqe(u, c, OP_SEND);
	io_uring_prep_send(sqe, c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
	sqe->flags |= IOSQE_IO_LINK;
	c->inflight++;
	conn_post_recv(u, c);
}

static void
conn_post_accept(struct uring_loop *u)
{
	uring_reserve(u, 1);
	io_uring_prep_accept(uring_sqe(u, NULL, OP_ACCEPT), u->w->fd, NULL, NULL, SOCK_CLOEXEC);
}

static void
conn_free(struct uring_loop *u, struct uring_conn *c)
{
	close(c->fd);
	ctr_add(&u->w->ctr.syscalls, 1);
	LIST_REMOVE(c, link);
	sockio_conn_release(u->w);
	free(c);
}

static void
conn_accepted(struct uring_loop *u, int fd)
{
	struct sockio_worker *w = u->w;
	struct uring_conn *c;

	if (!sockio_conn_admit(w)) {
		close(fd);
		ctr_add(&w->ctr.syscalls, 1);
		return;
	}
	c = malloc(sizeof(*c) + u->cap);
	if (c == NULL) {
		ctr_add(&w->ctr.errors, 1);
		close(fd);
		ctr_add(&w->ctr.syscalls, 1);
		sockio_conn_release(w);
		return;
	}
	*c = (struct uring_conn){ .fd = fd };
	LIST_INSERT_HEAD(&u->conns, c, link);
	conn_post_recv(u, c);
}

/* The connection's state machine; it acts once nothing of it is in flight any more. */
static void
conn_cqe(struct uring_loop *u, void *obj, enum uring_op op, int res)
{
	struct sockio_worker *w = u->w;
	struct uring_conn *c = obj;

	if (op == OP_ACCEPT) {
		if (res >= 0)
			conn_accepted(u, res);
		else if (res != -ECANCELED && res != -EINTR && res != -EAGAIN)
			ctr_add(&w->ctr.errors, 1);
		if (!worker_stopping(w))
			conn_post_accept(u);
		return;
	}
	c->inflight--;
	if (res < 0 && res != -ECANCELED && res != -EINTR && res != -EAGAIN) {
		c->closing = true;
		ctr_add(errno_is_reset(-res) ? &w->ctr.conns_reset : &w->ctr.errors, 1);
	} else if (op == OP_SEND && res > 0) {
		/* Short only if the link broke; the cancelled receive follows and we resend. */
		c->off += (uint32_t)res;
		if (c->off == c->len) {
			ctr_add(&w->ctr.messages, 1);
			ctr_add(&w->ctr.bytes, c->len);
			c->len = c->off = 0;
		}
	} else if (op == OP_RECV && res == 0) {
		c->closing = true;
	} else if (op == OP_RECV && res > 0) {
		u->got_data = true;
		if ((size_t)res > u->cap) {
			ctr_add(&w->ctr.truncated, 1);
		} else {
			c->len = (uint32_t)res;
			c->off = 0;
		}
	}
	if (c->inflight > 0)
		return;
	if (c->closing || worker_stopping(w))
		conn_free(u, c);
	else if (c->off < c->len)
		conn_post_reply(u, c);
	else
		conn_post_recv(u, c);
}

int
sockio_uring_conn_run(struct sockio_worker *w)
{
	struct uring_loop u;
	int rc;

	rc = uring_init(&u, w, URING_CONN_SQ_ENTRIES, URING_CONN_CQ_ENTRIES, conn_cqe);
	if (rc < 0)
		return rc;
	u.cap = conn_buf_bytes(w);
	u.recv_flags = conn_recv_flags(w);
	conn_post_accept(&u);
	rc = uring_run(&u);
	uring_drain(&u);
	io_uring_queue_exit(&u.ring);
	/* Connections whose requests outlived the drain keep their memory; close their fds. */
	while (!LIST_EMPTY(&u.conns)) {
		struct uring_conn *c = LIST_FIRST(&u.conns);

		if (c->inflight > 0) {
			close(c->fd);
			LIST_REMOVE(c, link);
			sockio_conn_release(w);
			continue;
		}
		conn_free(&u, c);
	}
	return rc;
}
