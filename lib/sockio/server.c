/* SPDX-License-Identifier: BSD-3-Clause */
/* The echo server's life cycle: the io mode table, sockets, worker threads, counters. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cpu.h"
#include "common/log.h"
#include "common/res.h"
#include "sockio/echo.h"
#include "sockio/gso.h"

static const struct sockio_io_ops io_ops[SOCKIO_IO_COUNT] = {
	[SOCKIO_IO_BLOCKING] = {
		.name = "blocking",
		.dgram = sockio_blocking_dgram_run,
		.conn = sockio_blocking_conn_run,
		.timeouts = true,
	},
	[SOCKIO_IO_MMSG] = {
		.name = "mmsg",
		.dgram = sockio_mmsg_dgram_run,
		.timeouts = true,
		.batched = true,
		.gso = true,
	},
	[SOCKIO_IO_EPOLL] = {
		.name = "epoll",
		.dgram = sockio_epoll_dgram_run,
		.conn = sockio_epoll_conn_run,
		.nonblock = true,
	},
	[SOCKIO_IO_URING] = {
		.name = "uring",
		.dgram = sockio_uring_dgram_run,
		.conn = sockio_uring_conn_run,
		.batched = true,
	},
	[SOCKIO_IO_BUSY_POLL] = {
		.name = "busy-poll",
		.dgram = sockio_busy_dgram_run,
		.conn = sockio_busy_conn_run,
		.nonblock = true,
		.busy_poll = true,
		.batched = true,
		.gso = true,
	},
	[SOCKIO_IO_SPLICE] = {
		.name = "splice",
		.conn = sockio_splice_conn_run,
		.nonblock = true,
		.stream_only = true,
	},
};

const char *
sockio_io_name(enum sockio_io io)
{
	return (unsigned)io < SOCKIO_IO_COUNT ? io_ops[io].name : "?";
}

int
sockio_io_parse(const char *s, enum sockio_io *out)
{
	for (int i = 0; i < SOCKIO_IO_COUNT; i++) {
		if (strcmp(s, io_ops[i].name) == 0) {
			*out = (enum sockio_io)i;
			return 0;
		}
	}
	return -EINVAL;
}

static sockio_loop_fn
io_loop(enum sockio_io io, enum sockio_transport t)
{
	if ((unsigned)io >= SOCKIO_IO_COUNT)
		return NULL;
	if (io_ops[io].stream_only && !sockio_transport_is_stream(t))
		return NULL;
	return sockio_transport_is_connected(t) ? io_ops[io].conn : io_ops[io].dgram;
}

bool
sockio_io_applies(enum sockio_io io, enum sockio_transport t)
{
	return io_loop(io, t) != NULL;
}

bool
sockio_io_uses_batch(enum sockio_io io, enum sockio_transport t)
{
	return (unsigned)io < SOCKIO_IO_COUNT && io_ops[io].batched &&
	       !sockio_transport_is_connected(t);
}

bool
sockio_io_supports_gso(enum sockio_io io, enum sockio_transport t)
{
	return (unsigned)io < SOCKIO_IO_COUNT && io_ops[io].gso && t == SOCKIO_UDP;
}

void
sockio_io_list_for(enum sockio_transport t, char *buf, size_t len)
{
	const char *names[SOCKIO_IO_COUNT];
	size_t n = 0, off = 0;

	for (int i = 0; i < SOCKIO_IO_COUNT; i++) {
		if (io_loop((enum sockio_io)i, t) != NULL)
			names[n++] = io_ops[i].name;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

		off += (size_t)snprintf(buf + off, len - off, "%s%s", sep, names[i]);
	}
}

bool
sockio_conn_admit(struct sockio_worker *w)
{
	struct sockio_server *s = w->srv;

	if (__atomic_add_fetch(&s->open_conns, 1, __ATOMIC_RELAXED) > (int)s->cfg.max_conns) {
		__atomic_sub_fetch(&s->open_conns, 1, __ATOMIC_RELAXED);
		ctr_add(&w->ctr.conns_refused, 1);
		return false;
	}
	ctr_add(&w->ctr.conns_accepted, 1);
	return true;
}

void
sockio_conn_release(struct sockio_worker *w)
{
	__atomic_sub_fetch(&w->srv->open_conns, 1, __ATOMIC_RELAXED);
}

int
sockio_worker_fail(struct sockio_worker *w, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	w->rc = rc < 0 ? rc : -EIO;
	return w->rc;
}

/* Answer start()'s roll call once. Returns false if this worker had already answered. */
static bool
worker_announce(struct sockio_worker *w)
{
	struct sockio_server *s = w->srv;
	bool first;

	pthread_mutex_lock(&s->lock);
	first = !w->announced;
	if (first) {
		w->announced = true;
		s->ready++;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return first;
}

void
sockio_worker_ready(struct sockio_worker *w)
{
	worker_announce(w);
}

static void *
worker_main(void *arg)
{
	struct sockio_worker *w = arg;
	struct sockio_server *s = w->srv;
	int rc;

	if (w->cpu >= 0 && (rc = cpu_pin_self(w->cpu)) < 0) {
		sockio_worker_fail(w, rc, "pin thread %u to CPU %d: %s (see --cpus)", w->id, w->cpu,
				   strerror(-rc));
	} else {
		rc = io_loop(s->cfg.io, s->cfg.addr.transport)(w);
		if (rc < 0 && w->err[0] == '\0')
			sockio_worker_fail(w, rc, "thread %u: %s", w->id, strerror(-rc));
	}
	/* A failure before the roll call is start()'s to report; after it, the waiter's. */
	if (!worker_announce(w) && w->rc < 0) {
		int zero = 0;

		__atomic_compare_exchange_n(&s->failed, &zero, w->rc, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
		sockio_server_request_stop(s);
	}
	return NULL;
}

static int
server_open_sockets(struct sockio_server *s, char *err, size_t errlen)
{
	const struct sockio_server_config *c = &s->cfg;
	struct sockio_listen_opts o = {
		.nonblock = s->ops->nonblock,
		.uds_mode = c->uds_mode,
		.timeout_ms = s->ops->timeouts ? SOCKIO_STOP_CHECK_MS : 0,
	};
	bool per_thread = c->addr.family != AF_UNIX && c->threads > 1;
	int rc;

	/* IP: one SO_REUSEPORT socket per thread, the kernel spreads flows. Unix: one, shared. */
	if (per_thread) {
		rc = sockio_ip_check_free(&c->addr, err, errlen);
		if (rc < 0)
			return rc;
		o.reuseport = true;
	}
	for (unsigned i = 0; i < (per_thread ? c->threads : 1); i++) {
		int fd = sockio_listen(&c->addr, &o, &s->file, err, errlen);

		if (fd < 0)
			return errno > 0 ? -errno : -EIO;
		s->fds[s->nfds++] = fd;
		if (c->gso && (rc = sockio_udp_gso_enable(fd, c->addr.text, err, errlen)) < 0)
			return rc;
		/* A deep window of datagrams waits in the receive buffer: the default one
		 * (net.core.rmem_default) drops what does not fit, and the client waits out its
		 * timeout. Streams and Unix sockets have flow control instead: left alone. */
		if (c->sockbuf > 0 && c->addr.transport == SOCKIO_UDP &&
		    (rc = sockio_set_bufs(fd, c->sockbuf, NULL, NULL)) < 0) {
			snprintf(err, errlen, "setsockopt SO_RCVBUF/SO_SNDBUF %d on %s: %s",
				 c->sockbuf, c->addr.text, strerror(-rc));
			return rc;
		}
		if (s->ops->busy_poll && c->addr.family != AF_UNIX &&
		    (rc = sockio_set_busy_poll(fd, SOCKIO_BUSY_POLL_US)) < 0 && i == 0)
			log_warn("SO_BUSY_POLL on %s: %s; spinning without it", c->addr.text,
				 strerror(-rc));
	}
	return 0;
}

static int
server_check_config(const struct sockio_server_config *c, char *err, size_t errlen)
{
	char modes[128];

	if (c->threads < 1 || c->threads > SOCKIO_THREADS_MAX) {
		snprintf(err, errlen, "threads must be 1..%d, not %u", SOCKIO_THREADS_MAX,
			 c->threads);
		return -EINVAL;
	}
	if (c->batch < 1 || c->batch > SOCKIO_BATCH_MAX) {
		snprintf(err, errlen, "batch must be 1..%d, not %u", SOCKIO_BATCH_MAX, c->batch);
		return -EINVAL;
	}
	if (c->max_conns < 1) {
		snprintf(err, errlen, "max-conns must be at least 1");
		return -EINVAL;
	}
	if ((unsigned)c->io >= SOCKIO_IO_COUNT) {
		snprintf(err, errlen, "unknown io mode %d", (int)c->io);
		return -EINVAL;
	}
	if (!sockio_io_applies(c->io, c->addr.transport)) {
		sockio_io_list_for(c->addr.transport, modes, sizeof(modes));
		snprintf(err, errlen, "--io %s does not apply to %s (%s); use %s",
			 io_ops[c->io].name, sockio_transport_name(c->addr.transport),
			 io_ops[c->io].stream_only
				 ? "splice moves a byte stream through a pipe and would lose "
				   "message boundaries; it serves tcp and uds-stream"
			 : sockio_transport_is_connected(c->addr.transport)
				 ? "recvmmsg batches datagrams of one socket, not connections"
				 : "no connections to serve",
			 modes);
		return -EOPNOTSUPP;
	}
	if (c->gso && c->addr.transport != SOCKIO_UDP) {
		snprintf(err, errlen, "--gso does not apply to %s (UDP_SEGMENT and UDP_GRO are UDP "
			 "socket options); use a udp: address or drop --gso",
			 sockio_transport_name(c->addr.transport));
		return -EOPNOTSUPP;
	}
	if (c->gso && !sockio_io_supports_gso(c->io, c->addr.transport)) {
		snprintf(err, errlen, "--gso does not apply to --io %s (only the recvmmsg loops "
			 "read coalesced datagrams); use --io mmsg or busy-poll", io_ops[c->io].name);
		return -EOPNOTSUPP;
	}
	return 0;
}

int
sockio_server_open(struct sockio_server **out, const struct sockio_server_config *cfg,
		   char *err, size_t errlen)
{
	struct sockio_server *s;
	int rc;

	*out = NULL;
	rc = server_check_config(cfg, err, errlen);
	if (rc < 0)
		return rc;
	if (cfg->io == SOCKIO_IO_URING && (rc = sockio_uring_probe(err, errlen)) < 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto out_nomem;
	s->cfg = *cfg;
	s->ops = &io_ops[cfg->io];
	s->workers = aligned_alloc(64, sizeof(*s->workers) * cfg->threads);
	if (s->workers == NULL)
		goto out_free_server;
	memset(s->workers, 0, sizeof(*s->workers) * cfg->threads);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	rc = server_open_sockets(s, err, errlen);
	if (rc < 0) {
		sockio_server_close(s);
		return rc;
	}
	for (unsigned i = 0; i < cfg->threads; i++) {
		struct sockio_worker *w = &s->workers[i];

		w->srv = s;
		w->id = i;
		w->fd = s->fds[i % s->nfds];
		w->cpu = cfg->ncpus > 0 ? cfg->cpus[i % cfg->ncpus] : -1;
	}
	*out = s;
	return 0;

out_free_server:
	free(s);
out_nomem:
	snprintf(err, errlen, "out of memory setting up %u threads", cfg->threads);
	return -ENOMEM;
}

int
sockio_server_start(struct sockio_server *s, char *err, size_t errlen)
{
	unsigned i;
	int rc = 0;

	s->start_ns = clock_now_ns();
	for (i = 0; i < s->cfg.threads; i++) {
		rc = -pthread_create(&s->workers[i].tid, NULL, worker_main, &s->workers[i]);
		if (rc < 0) {
			snprintf(err, errlen, "start thread %u: %s", i, strerror(-rc));
			break;
		}
		s->workers[i].started = true;
	}
	pthread_mutex_lock(&s->lock);
	while (s->ready < i)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0) {
		for (i = 0; i < s->cfg.threads; i++) {
			if (s->workers[i].rc < 0) {
				rc = s->workers[i].rc;
				snprintf(err, errlen, "%s", s->workers[i].err);
				break;
			}
		}
	}
	if (rc < 0) {
		sockio_server_request_stop(s);
		sockio_server_join(s, NULL, 0);
	}
	return rc;
}

void
sockio_server_request_stop(struct sockio_server *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
}

int
sockio_server_failed(const struct sockio_server *s)
{
	return __atomic_load_n(&s->failed, __ATOMIC_RELAXED);
}

int
sockio_server_join(struct sockio_server *s, char *err, size_t errlen)
{
	int rc = 0;

	for (unsigned i = 0; i < s->cfg.threads; i++) {
		struct sockio_worker *w = &s->workers[i];

		if (!w->started)
			continue;
		pthread_join(w->tid, NULL);
		w->started = false;
		if (w->rc < 0 && rc == 0) {
			rc = w->rc;
			if (err != NULL)
				snprintf(err, errlen, "%s", w->err);
		}
	}
	return rc;
}

void
sockio_server_counters(const struct sockio_server *s, struct sockio_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < s->cfg.threads; i++) {
		const struct sockio_counters *c = &s->workers[i].ctr;

#define SUM(f) sum->f += __atomic_load_n(&c->f, __ATOMIC_RELAXED)
		SUM(messages);
		SUM(bytes);
		SUM(syscalls);
		SUM(batches);
		SUM(truncated);
		SUM(conns_accepted);
		SUM(conns_refused);
		SUM(conns_reset);
		SUM(errors);
#undef SUM
	}
}

void
sockio_server_bufs(const struct sockio_server *s, int *rcv, int *snd, uint64_t *drops)
{
	socklen_t len = sizeof(int);

	*rcv = 0;
	*snd = 0;
	*drops = 0;
	if (s->nfds == 0)
		return;
	if (getsockopt(s->fds[0], SOL_SOCKET, SO_RCVBUF, rcv, &len) != 0)
		*rcv = 0;
	len = sizeof(int);
	if (getsockopt(s->fds[0], SOL_SOCKET, SO_SNDBUF, snd, &len) != 0)
		*snd = 0;
	for (unsigned i = 0; i < s->nfds; i++)
		*drops += sockio_drops(s->fds[i]);
}

void
sockio_server_close(struct sockio_server *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	sockio_uds_file_remove(&s->file);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->workers);
	free(s);
}
