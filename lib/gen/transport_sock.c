/* SPDX-License-Identifier: BSD-3-Clause */
/* Kernel socket transports (udp, tcp, uds-dgram, uds-stream, uds-seqpacket): one socket per
 * flow, sendmmsg/recvmmsg batches for datagrams, framing by the known size for byte streams;
 * udp with --gso packs up to 64 messages into each datagram (UDP_SEGMENT out, UDP_GRO in);
 * tcp and udp with --zerocopy send with MSG_ZEROCOPY, or io_uring's IORING_OP_SEND_ZC, from a
 * buffer per message in flight. */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/res.h"
#include "gen/transport.h"
#include "sockio/addr.h"
#include "sockio/gso.h"
#include "sockio/sock.h"

#define UDP4_PAYLOAD_MAX 65507u	/* 65535 - 20 (IPv4) - 8 (UDP) */
#define UDP6_PAYLOAD_MAX 65527u	/* 65535 - 8; no jumbograms */
#define STREAM_SIZE_MAX (16u << 20)	/* engine limit for tcp and uds-stream messages */
/* Linux refuses a Unix datagram longer than the sender's sk_sndbuf minus this. */
#define UDS_DGRAM_SNDBUF_SLACK 32u
#define STREAM_BUF_MIN_BYTES (256u << 10)
#define NS_PER_MS 1000000u
/* GRO receive slot: room for any UDP datagram, coalesced or not (65527 bytes at most). */
#define GRO_SLOT_BYTES 65536u
/* --zerocopy: buffers per flow (a message in flight each), and send calls tracked per buffer. */
#define ZC_SLOTS_MIN 4u
#define ZC_SLOTS_MAX 64u
#define ZC_SLOTS_OPEN_LOOP 64u
#define ZC_IDS_PER_SLOT 64u
/* At the end of a cell, how long the kernel has to complete the last zero-copy sends. */
#define ZC_DRAIN_MS 2000
#define ZC_DRAIN_POLL_NS 10000000ll
/* --zerocopy=uring: submission queue entries per connection, at least and at most. */
#define ZCU_ENTRIES_MIN 64u
#define ZCU_ENTRIES_MAX 4096u
/* Linux 6.2 uapi, newer than liburing 2.3's copy of it. */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

struct sock_flow {
	int fd;
	/* byte streams only: [head, tail) not yet handed out / not yet written */
	uint8_t *rx;
	size_t rx_head, rx_tail, rx_cap;
	uint8_t *tx;
	size_t tx_head, tx_tail, tx_cap;
	/* --zerocopy: the buffers, and (streams) the queue of slots to send, head first */
	struct gen_zc_pool zc;
	unsigned *zq;
	unsigned zq_head, zq_n;
	size_t zq_off;			/* bytes of the head slot already sent */
	bool zc_starved;		/* waiting for completions, not for the socket */
	bool zu_busy;			/* uring, streams: a send of this flow is in flight */
	/* --reconnect: bytes written to and read from the current connection */
	uint64_t conn_tx, conn_rx;
};

/* Control data of one datagram, aligned for cmsghdr: UDP_SEGMENT out or UDP_GRO in. */
union sock_cmsg {
	struct cmsghdr align;
	uint8_t tx[SOCKIO_GSO_CMSG_BYTES];
	uint8_t rx[SOCKIO_GRO_CMSG_BYTES];
};

struct sock_conn {
	struct gen_conn base;
	struct sockio_addr addr;
	const struct gen_payload_fmt *fmt;
	uint32_t size;
	uint16_t flow_base;
	uint16_t nflows;
	unsigned batch;
	bool busy_poll;
	bool stream;
	int sockbuf_bytes;		/* for each connection, also those --reconnect opens */
	int so_busy_poll_us;
	uint64_t conn_bytes;		/* --reconnect: bytes per connection; 0: no limit */
	unsigned rr;			/* flow to read first next time */
	struct sock_flow *flows;
	struct pollfd *pfds;
	/*
	 * datagram batches: slot j of rxmem holds size + 1 bytes so a longer reply shows (a whole
	 * GRO_SLOT_BYTES with gso). With gso, msghdr j of txm carries up to gso_segs messages,
	 * one iovec each: txiov[j * gso_segs + k].
	 */
	uint8_t *txmem, *rxmem;
	struct mmsghdr *txm, *rxm;
	struct iovec *txiov, *rxiov;
	/* gso only */
	bool gso;
	unsigned gso_segs;		/* messages per UDP_SEGMENT send; 1: too big to group */
	union sock_cmsg *txcmsg, *rxcmsg;
	unsigned *txsegs;		/* messages in each msghdr of the send being made */
	unsigned rx_slots;		/* receive slots filled since pend was last empty */
	/* --zerocopy */
	bool zc;
	int send_flags;			/* MSG_ZEROCOPY with --zerocopy */
	unsigned *zslots;		/* datagrams: the slot of each msghdr of a send */
	bool uring;			/* --zerocopy=uring */
	bool ring_ok;
	struct io_uring ring;
	unsigned sqes;			/* prepared and not yet submitted */
	int uring_err;			/* first failed send's negative errno, and its flow */
	unsigned uring_err_flow;
	/* messages cut from the filled slots, [pend_head, pend_tail) not yet handed out */
	struct gen_rx *pend;
	unsigned pend_head, pend_tail;
};

static struct sock_conn *
sock_conn_of(struct gen_conn *c)
{
	return (struct sock_conn *)c;
}

/* Describe a failed call in c->err; returns -err for the caller to pass on. */
static int
sock_fail(struct sock_conn *sc, unsigned fi, const char *what, int err)
{
	const char *hint = "";

	if (err == ECONNREFUSED || err == ENOENT)
		hint = " (no server there, or it stopped)";
	else if (err == EPIPE || err == ECONNRESET)
		hint = " (the server closed the connection)";
	snprintf(sc->base.err, sizeof(sc->base.err), "%s flow %u: %s: %s%s", sc->addr.text,
		 sc->flow_base + fi, what, strerror(err), hint);
	return -err;
}

static int
sock_parse(const char *target, struct sockio_addr *a, char *err, size_t errlen)
{
	int rc = sockio_addr_parse(target, a, err, errlen);

	return rc < 0 ? rc : 0;
}

/* Largest Unix datagram the default socket buffer lets a sender (the echo server too) send. */
static int
uds_dgram_max(int socktype, uint32_t *max, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, socktype | SOCK_CLOEXEC, 0), sndbuf = 0;
	socklen_t len = sizeof(sndbuf);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) != 0) {
		snprintf(err, errlen, "probing the Unix socket buffer size: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	*max = (uint32_t)sndbuf > UDS_DGRAM_SNDBUF_SLACK ?
		(uint32_t)sndbuf - UDS_DGRAM_SNDBUF_SLACK : 0;
	return 0;
}

static int
sock_max_size(const char *target, const struct gen_dpdk_opts *dpdk, uint32_t *max, char *err,
	      size_t errlen)
{
	struct sockio_addr a;
	int rc = sock_parse(target, &a, err, errlen);

	if (rc < 0)
		return rc;
	switch (a.transport) {
	case SOCKIO_UDP:
		*max = a.family == AF_INET6 ? UDP6_PAYLOAD_MAX : UDP4_PAYLOAD_MAX;
		return 0;
	case SOCKIO_UDS_DGRAM:
	case SOCKIO_UDS_SEQPACKET:
		return uds_dgram_max(a.socktype, max, err, errlen);
	default:
		*max = STREAM_SIZE_MAX;
		return 0;
	}
}

/* Bigger socket buffers so a deep window does not overflow them; root may exceed rmem_max. */
static void
sock_set_bufs(int fd, int bytes)
{
	if (bytes <= 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

static void sock_close(struct gen_conn *c);
static int sock_zcu_collect(struct sock_conn *sc);
static int sock_zcu_submit(struct sock_conn *sc);

static int
sock_alloc_gso(struct sock_conn *sc)
{
	sc->txcmsg = calloc(sc->batch, sizeof(*sc->txcmsg));
	sc->rxcmsg = calloc(sc->batch, sizeof(*sc->rxcmsg));
	sc->txsegs = calloc(sc->batch, sizeof(*sc->txsegs));
	sc->pend = calloc((size_t)sc->batch * SOCKIO_GSO_SEGS_MAX, sizeof(*sc->pend));
	if (sc->txcmsg == NULL || sc->rxcmsg == NULL || sc->txsegs == NULL || sc->pend == NULL)
		return -ENOMEM;
	for (unsigned j = 0; j < sc->batch; j++)
		sc->rxm[j].msg_hdr.msg_control = sc->rxcmsg[j].rx;
	return 0;
}

/* Pages are touched only as messages fill them: a GRO batch of 64 KiB slots costs address
 * space more than memory. */
static int
sock_alloc_batches(struct sock_conn *sc)
{
	size_t rxslot = sc->gso ? GRO_SLOT_BYTES : (size_t)sc->size + 1;
	size_t ntx = (size_t)sc->batch * sc->gso_segs;

	sc->txmem = malloc(ntx * sc->size);
	sc->rxmem = malloc((size_t)sc->batch * rxslot);
	sc->txm = calloc(sc->batch, sizeof(*sc->txm));
	sc->rxm = calloc(sc->batch, sizeof(*sc->rxm));
	sc->txiov = calloc(ntx, sizeof(*sc->txiov));
	sc->rxiov = calloc(sc->batch, sizeof(*sc->rxiov));
	if (sc->txmem == NULL || sc->rxmem == NULL || sc->txm == NULL || sc->rxm == NULL ||
	    sc->txiov == NULL || sc->rxiov == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < ntx; i++) {
		sc->txiov[i].iov_base = sc->txmem + i * sc->size;
		sc->txiov[i].iov_len = sc->size;
	}
	for (unsigned j = 0; j < sc->batch; j++) {
		sc->txm[j].msg_hdr.msg_iov = &sc->txiov[(size_t)j * sc->gso_segs];
		sc->txm[j].msg_hdr.msg_iovlen = 1;
		sc->rxiov[j].iov_base = sc->rxmem + (size_t)j * rxslot;
		sc->rxiov[j].iov_len = rxslot;
		sc->rxm[j].msg_hdr.msg_iov = &sc->rxiov[j];
		sc->rxm[j].msg_hdr.msg_iovlen = 1;
	}
	return sc->gso ? sock_alloc_gso(sc) : 0;
}

static int
sock_alloc_stream(struct sock_flow *f, uint32_t size)
{
	size_t cap = (size_t)size * 2 > STREAM_BUF_MIN_BYTES ? (size_t)size * 2 :
		     STREAM_BUF_MIN_BYTES;

	f->rx = malloc(cap);
	f->tx = malloc(cap);
	if (f->rx == NULL || f->tx == NULL)
		return -ENOMEM;
	f->rx_cap = f->tx_cap = cap;
	return 0;
}

/* SO_ZEROCOPY and the flow's buffers: one per message that may be in flight, and a few more. */
static int
sock_zc_open_flow(struct sock_conn *sc, struct sock_flow *f, const struct gen_open_args *a,
		  char *err, size_t errlen)
{
	unsigned slots = a->window == 0 ? ZC_SLOTS_OPEN_LOOP : a->window + 2;
	char why[GEN_ERR_MAX];
	int rc;

	if (slots < ZC_SLOTS_MIN)
		slots = ZC_SLOTS_MIN;
	if (slots > ZC_SLOTS_MAX)
		slots = ZC_SLOTS_MAX;
	/* IORING_OP_SEND_ZC needs no SO_ZEROCOPY: it brings its own completion state. */
	rc = sc->uring ? 0 : gen_zc_enable(f->fd, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", sc->addr.text, why);
		return rc;
	}
	if (gen_zc_pool_init(&f->zc, sc->size, slots, slots * ZC_IDS_PER_SLOT, &sc->base.zc) < 0 ||
	    (f->zq = calloc(slots, sizeof(*f->zq))) == NULL) {
		snprintf(err, errlen, "no memory for %u zero-copy buffers of %u bytes", slots,
			 sc->size);
		return -ENOMEM;
	}
	sc->base.zc.optmem_start += gen_zc_optmem(f->fd);
	return 0;
}

/*
 * --zerocopy=uring: a ring for the connection, and the probe that says whether this kernel has
 * IORING_OP_SEND_ZC at all (Linux 6.0) before anything is sent.
 */
static int
sock_zcu_open(struct sock_conn *sc, const struct gen_open_args *a, char *err, size_t errlen)
{
	unsigned entries = sc->nflows * (a->window == 0 ? ZC_SLOTS_OPEN_LOOP : a->window + 2);
	struct io_uring_probe *probe;
	bool ok;
	int rc;

	if (entries < ZCU_ENTRIES_MIN)
		entries = ZCU_ENTRIES_MIN;
	if (entries > ZCU_ENTRIES_MAX)
		entries = ZCU_ENTRIES_MAX;
	rc = io_uring_queue_init(entries, &sc->ring, 0);
	if (rc < 0) {
		snprintf(err, errlen, "--zerocopy=uring: io_uring_queue_init: %s (io_uring may be "
			 "disabled: sysctl kernel.io_uring_disabled, or a seccomp filter); use "
			 "--zerocopy=msg", strerror(-rc));
		return rc;
	}
	sc->ring_ok = true;
	probe = io_uring_get_probe_ring(&sc->ring);
	ok = probe != NULL && io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
	if (probe != NULL)
		io_uring_free_probe(probe);
	if (!ok) {
		snprintf(err, errlen, "--zerocopy=uring: io_uring zero-copy send "
			 "(IORING_OP_SEND_ZC) is not supported by this kernel (it came in Linux "
			 "6.0); use --zerocopy=msg");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Connect flow fi and set its socket up (buffers, receive slices, TCP_NODELAY, SO_BUSY_POLL,
 * GRO). Returns 0, or a negative errno with err filled; the fd is kept in the flow either way,
 * for sock_close.
 */
static int
sock_connect_flow(struct sock_conn *sc, unsigned fi, char *err, size_t errlen)
{
	struct sock_flow *f = &sc->flows[fi];
	int rc, one = 1;

	f->fd = sockio_connect(&sc->addr, false, err, errlen);
	sc->pfds[fi].fd = f->fd;
	if (f->fd < 0)
		return -ECONNREFUSED;
	sock_set_bufs(f->fd, sc->sockbuf_bytes);
	/* Blocking receives wake up every slice so the engine keeps its clock. */
	sockio_set_timeouts(f->fd, GEN_BLOCK_SLICE_MS);
	if (sc->addr.transport == SOCKIO_TCP)
		setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sc->so_busy_poll_us > 0) {
		rc = sockio_set_busy_poll(f->fd, sc->so_busy_poll_us);
		if (rc < 0) {
			snprintf(err, errlen, "SO_BUSY_POLL on %s: %s", sc->addr.text,
				 strerror(-rc));
			return rc;
		}
	}
	if (sc->gso)
		return sockio_udp_gso_enable(f->fd, sc->addr.text, err, errlen);
	return 0;
}

/*
 * --reconnect: every byte the current connection of flow fi carried has come back, so close
 * it (an orderly close: nothing is left unread) and open the next. Returns 0 or a negative
 * errno with c->err filled.
 */
static int
sock_reconnect(struct sock_conn *sc, unsigned fi)
{
	struct sock_flow *f = &sc->flows[fi];
	char err[GEN_ERR_MAX];
	int rc;

	sc->base.syscalls++;
	close(f->fd);
	f->fd = -1;
	f->conn_tx = f->conn_rx = 0;
	sc->base.syscalls++;	/* socket, connect and the options: counted as one */
	rc = sock_connect_flow(sc, fi, err, sizeof(err));
	if (rc < 0) {
		snprintf(sc->base.err, sizeof(sc->base.err), "flow %u, reconnecting "
			 "(--reconnect): %s", sc->flow_base + fi, err);
		return rc;
	}
	sc->base.reconnects++;
	return 0;
}

static int
sock_open_any(const struct gen_open_args *a, bool gso, struct gen_conn **out, char *err,
	      size_t errlen)
{
	struct sock_conn *sc = calloc(1, sizeof(*sc));
	int rc;

	if (sc == NULL) {
		snprintf(err, errlen, "no memory for a connection");
		return -ENOMEM;
	}
	rc = sock_parse(a->target, &sc->addr, err, errlen);
	if (rc < 0)
		goto out_free;
	sc->fmt = a->fmt;
	sc->size = a->fmt->size;
	sc->flow_base = a->flow_base;
	sc->nflows = a->nflows;
	sc->batch = a->batch > 0 ? a->batch : 1;
	sc->busy_poll = a->busy_poll;
	sc->stream = sockio_transport_is_stream(sc->addr.transport);
	sc->sockbuf_bytes = a->sockbuf_bytes;
	sc->so_busy_poll_us = a->so_busy_poll_us;
	if (a->reconnect > 0 && (!sc->stream || a->zerocopy != GEN_ZC_OFF)) {
		snprintf(err, errlen, "--reconnect applies to tcp and uds-stream without "
			 "--zerocopy");
		rc = -EINVAL;
		goto out_free;
	}
	sc->conn_bytes = a->reconnect * sc->size;
	sc->gso = gso;
	sc->gso_segs = gso ? sockio_gso_segs_per_send(sc->size) : 1;
	sc->zc = a->zerocopy != GEN_ZC_OFF;
	sc->uring = a->zerocopy == GEN_ZC_URING;
	sc->send_flags = a->zerocopy == GEN_ZC_MSG ? MSG_ZEROCOPY : 0;
	if (sc->zc && (sc->zslots = calloc(sc->batch, sizeof(*sc->zslots))) == NULL) {
		snprintf(err, errlen, "no memory for a connection");
		rc = -ENOMEM;
		goto out_free;
	}
	sc->flows = calloc(sc->nflows, sizeof(*sc->flows));
	/* One more: the io_uring's fd with --zerocopy=uring. */
	sc->pfds = calloc(sc->nflows + 1u, sizeof(*sc->pfds));
	if (sc->flows == NULL || sc->pfds == NULL || sock_alloc_batches(sc) != 0) {
		snprintf(err, errlen, "no memory for %u flows of %u-byte messages", sc->nflows,
			 sc->size);
		rc = -ENOMEM;
		goto out_free;
	}
	for (unsigned i = 0; i < sc->nflows; i++)
		sc->flows[i].fd = -1;
	if (sc->uring && (rc = sock_zcu_open(sc, a, err, errlen)) < 0)
		goto out_free;
	for (unsigned i = 0; i < sc->nflows; i++) {
		struct sock_flow *f = &sc->flows[i];

		rc = sock_connect_flow(sc, i, err, errlen);
		if (rc < 0)
			goto out_free;
		if (sc->zc && (rc = sock_zc_open_flow(sc, f, a, err, errlen)) < 0)
			goto out_free;
		if (sc->stream && sock_alloc_stream(f, sc->size) != 0) {
			snprintf(err, errlen, "no memory for stream buffers");
			rc = -ENOMEM;
			goto out_free;
		}
	}
	*out = &sc->base;
	return 0;

out_free:
	sock_close(&sc->base);
	return rc;
}

static int
sock_open(const struct gen_open_args *a, struct gen_conn **out, char *err, size_t errlen)
{
	return sock_open_any(a, false, out, err, errlen);
}

static int
sock_open_gso(const struct gen_open_args *a, struct gen_conn **out, char *err, size_t errlen)
{
	return sock_open_any(a, true, out, err, errlen);
}

static int
sock_thread_start(struct gen_conn *c)
{
	return 0;
}

static bool
sock_zcu_idle(const struct sock_conn *sc)
{
	for (unsigned i = 0; i < sc->nflows; i++)
		if (gen_zc_inflight(&sc->flows[i].zc) > 0 || sc->flows[i].zu_busy)
			return false;
	return true;
}

/* --zerocopy=uring: wait for the results and notifications of every send made. */
static void
sock_zcu_drain(struct sock_conn *sc)
{
	uint64_t end = clock_now_ns() + (uint64_t)ZC_DRAIN_MS * 1000000u;

	sock_zcu_submit(sc);
	while (!sock_zcu_idle(sc) && clock_now_ns() < end) {
		struct __kernel_timespec ts = { .tv_nsec = ZC_DRAIN_POLL_NS };
		struct io_uring_cqe *cqe;

		sc->base.syscalls++;
		if (io_uring_wait_cqe_timeout(&sc->ring, &cqe, &ts) == 0)
			sock_zcu_collect(sc);
	}
}

/*
 * The last completions: collected before the connection closes, so every buffer the kernel
 * held comes back and the socket's option memory returns to where it started.
 */
static void
sock_thread_stop(struct gen_conn *c)
{
	struct sock_conn *sc = sock_conn_of(c);
	char err[GEN_ERR_MAX];

	if (sc->uring)
		sock_zcu_drain(sc);
	for (unsigned i = 0; sc->zc && i < sc->nflows; i++) {
		struct sock_flow *f = &sc->flows[i];

		if (sc->uring) {
			if (gen_zc_inflight(&f->zc) > 0)
				log_warn("%s flow %u: %u io_uring zero-copy sends not completed %d ms "
					 "after the last send", sc->addr.text, sc->flow_base + i,
					 gen_zc_inflight(&f->zc), ZC_DRAIN_MS);
			c->zc.optmem_end += gen_zc_optmem(f->fd);
			continue;
		}

		if (gen_zc_drain(f->fd, &f->zc, ZC_DRAIN_MS, &c->syscalls, err, sizeof(err)) < 0)
			log_warn("%s flow %u: %s", sc->addr.text, sc->flow_base + i, err);
		c->zc.optmem_end += gen_zc_optmem(f->fd);
	}
}

/*
 * One system call for the first count prepared msghdrs of txm (sendmsg for one: sendmmsg's setup
 * is not free), EINTR retried. Returns how many msghdrs went, or -1 with errno set.
 */
static int
sock_send_hdrs(struct sock_conn *sc, int fd, unsigned count)
{
	int r;

	do {
		sc->base.syscalls++;
		if (count == 1)
			r = sendmsg(fd, &sc->txm[0].msg_hdr,
				    MSG_DONTWAIT | MSG_NOSIGNAL | sc->send_flags) < 0 ? -1 : 1;
		else
			r = sendmmsg(fd, sc->txm, count,
				     MSG_DONTWAIT | MSG_NOSIGNAL | sc->send_flags);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* Datagrams: a run of messages of one flow, up to batch per sendmmsg. */
static int
sock_send_dgram(struct sock_conn *sc, const struct gen_tx *m, unsigned n)
{
	unsigned i = 0;

	while (i < n) {
		unsigned fi = m[i].flow - sc->flow_base, run = 0;
		int fd = sc->flows[fi].fd, r;

		while (i + run < n && run < sc->batch && m[i + run].flow == m[i].flow) {
			gen_payload_write(sc->fmt, sc->txmem + (size_t)run * sc->size, m[i].flow,
					  m[i + run].seq, m[i + run].ts);
			run++;
		}
		r = sock_send_hdrs(sc, fd, run);
		if (r < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				return (int)i;
			return sock_fail(sc, fi, "send", errno);
		}
		i += (unsigned)r;
		if ((unsigned)r < run)
			return (int)i;
	}
	return (int)n;
}

/*
 * Datagrams with GSO: a run of one flow's messages goes out as msghdrs of up to gso_segs
 * messages (an iovec each, written in place, and a UDP_SEGMENT cmsg of the size so the kernel
 * cuts them into datagrams of that size), up to batch msghdrs per call. The kernel takes or
 * refuses a msghdr whole, so a short count is a whole number of msghdrs.
 */
static int
sock_send_gso(struct sock_conn *sc, const struct gen_tx *m, unsigned n)
{
	unsigned i = 0;

	while (i < n) {
		unsigned fi = m[i].flow - sc->flow_base, run = 0, nh = 0, sent = 0;
		int fd = sc->flows[fi].fd, r;

		while (i + run < n && nh < sc->batch && m[i + run].flow == m[i].flow) {
			struct msghdr *h = &sc->txm[nh].msg_hdr;
			unsigned k = 0;

			for (; k < sc->gso_segs && i + run < n && m[i + run].flow == m[i].flow;
			     k++, run++)
				gen_payload_write(sc->fmt, h->msg_iov[k].iov_base, m[i].flow,
						  m[i + run].seq, m[i + run].ts);
			h->msg_iovlen = k;
			if (k > 1) {
				sockio_gso_cmsg_set(h, sc->txcmsg[nh].tx, (uint16_t)sc->size);
			} else {
				h->msg_control = NULL;
				h->msg_controllen = 0;
			}
			sc->txsegs[nh++] = k;
		}
		r = sock_send_hdrs(sc, fd, nh);
		if (r < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				return (int)i;
			return sock_fail(sc, fi, "send with UDP_SEGMENT", errno);
		}
		for (int j = 0; j < r; j++)
			sent += sc->txsegs[j];
		i += sent;
		if ((unsigned)r < nh)
			return (int)i;
	}
	return (int)n;
}

/*
 * Bytes of a stream flow that may be written now: all it has buffered, but with --reconnect no
 * more than the rest of the current connection's share (the others wait for the next one).
 */
static size_t
sock_tx_sendable(const struct sock_conn *sc, const struct sock_flow *f)
{
	size_t n = f->tx_tail - f->tx_head;

	if (sc->conn_bytes > 0 && n > sc->conn_bytes - f->conn_tx)
		n = (size_t)(sc->conn_bytes - f->conn_tx);
	return n;
}

/* Write out what a stream flow has buffered. Returns 0 (maybe some left) or a negative errno. */
static int
sock_flush(struct sock_conn *sc, unsigned fi)
{
	struct sock_flow *f = &sc->flows[fi];

	while (sock_tx_sendable(sc, f) > 0) {
		ssize_t r;

		sc->base.syscalls++;
		r = send(f->fd, f->tx + f->tx_head, sock_tx_sendable(sc, f),
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return sock_fail(sc, fi, "send", errno);
		}
		f->tx_head += (size_t)r;
		f->conn_tx += (uint64_t)r;
	}
	if (f->tx_head == f->tx_tail)
		f->tx_head = f->tx_tail = 0;
	return 0;
}

/* Byte streams: a message counts as sent once it is in the flow's buffer, whole. */
static int
sock_send_stream(struct sock_conn *sc, const struct gen_tx *m, unsigned n)
{
	unsigned i = 0;

	while (i < n) {
		unsigned fi = m[i].flow - sc->flow_base;
		struct sock_flow *f = &sc->flows[fi];
		unsigned first = i;
		int rc;

		if (f->tx_head > 0) {
			memmove(f->tx, f->tx + f->tx_head, f->tx_tail - f->tx_head);
			f->tx_tail -= f->tx_head;
			f->tx_head = 0;
		}
		while (i < n && m[i].flow == m[first].flow && f->tx_tail + sc->size <= f->tx_cap) {
			gen_payload_write(sc->fmt, f->tx + f->tx_tail, m[i].flow, m[i].seq,
					  m[i].ts);
			f->tx_tail += sc->size;
			i++;
		}
		rc = sock_flush(sc, fi);
		if (rc < 0)
			return rc;
		if (i < n && m[i].flow == m[first].flow)
			return (int)i;	/* buffer full: the kernel is not taking more */
	}
	return (int)n;
}

/* Read the completions of flow fi. Returns 0 or a negative errno with c->err filled. */
static int
sock_zc_reap(struct sock_conn *sc, unsigned fi)
{
	struct sock_flow *f = &sc->flows[fi];
	char why[GEN_ERR_MAX];
	int r;

	if (sc->uring)
		return sock_zcu_collect(sc);
	r = gen_zc_reap(f->fd, &f->zc, &sc->base.syscalls, why, sizeof(why));

	if (r < 0) {
		snprintf(sc->base.err, sizeof(sc->base.err), "%s flow %u: %s", sc->addr.text,
			 sc->flow_base + fi, why);
		return r;
	}
	f->zc_starved = false;
	return 0;
}

/* A free buffer of flow fi, reaping completions if none is; NULL (counted) if still none. */
static uint8_t *
sock_zc_slot(struct sock_conn *sc, unsigned fi, unsigned *slot, int *rc)
{
	struct sock_flow *f = &sc->flows[fi];
	uint8_t *buf = gen_zc_slot_get(&f->zc, slot);

	*rc = 0;
	if (buf == NULL && (*rc = sock_zc_reap(sc, fi)) == 0)
		buf = gen_zc_slot_get(&f->zc, slot);
	if (buf == NULL && *rc == 0) {
		f->zc_starved = true;
		sc->base.zc.starved++;
	}
	return buf;
}

/*
 * Send the queued buffers of a stream flow with MSG_ZEROCOPY, head first; each call that
 * queues bytes takes an id, and a buffer is done with once sent whole (it is freed when its
 * ids complete). Returns 0 (maybe some left) or a negative errno.
 */
static int
sock_flush_zc(struct sock_conn *sc, unsigned fi)
{
	struct sock_flow *f = &sc->flows[fi];

	while (f->zq_n > 0) {
		unsigned slot = f->zq[f->zq_head];
		ssize_t r;

		if (!gen_zc_id_room(&f->zc)) {
			int rc = sock_zc_reap(sc, fi);

			if (rc < 0)
				return rc;
			if (!gen_zc_id_room(&f->zc)) {
				f->zc_starved = true;
				sc->base.zc.starved++;
				return 0;
			}
		}
		sc->base.syscalls++;
		r = send(f->fd, gen_zc_slot_mem(&f->zc, slot) + f->zq_off, sc->size - f->zq_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL | MSG_ZEROCOPY);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			/* Out of option memory for the zero-copy state: completions free it. */
			if (errno == ENOBUFS) {
				f->zc_starved = true;
				sc->base.zc.starved++;
				return sock_zc_reap(sc, fi);
			}
			return sock_fail(sc, fi, "send with MSG_ZEROCOPY", errno);
		}
		gen_zc_sent(&f->zc, slot);
		f->zq_off += (size_t)r;
		if (f->zq_off == sc->size) {
			gen_zc_slot_sent(&f->zc, slot);
			f->zq_head = (f->zq_head + 1) % f->zc.nslots;
			f->zq_n--;
			f->zq_off = 0;
		}
	}
	return 0;
}

/* io_uring user_data of a send: its zero-copy id, its buffer and its flow. */
static inline uint64_t
zcu_data(uint32_t id, unsigned slot, unsigned fi)
{
	return (uint64_t)id << 32 | (uint64_t)(slot & 0xffff) << 16 | (fi & 0xffff);
}

/*
 * One completion of --zerocopy=uring. A send posts its result first (with IORING_CQE_F_MORE
 * when a notification will follow) and later a notification (IORING_CQE_F_NOTIF) once the
 * kernel is done with the pages, flagged IORING_NOTIF_USAGE_ZC_COPIED when it copied them.
 */
static void
sock_zcu_cqe(struct sock_conn *sc, const struct io_uring_cqe *cqe)
{
	uint32_t id = (uint32_t)(cqe->user_data >> 32);
	unsigned slot = (unsigned)(cqe->user_data >> 16) & 0xffff;
	unsigned fi = (unsigned)cqe->user_data & 0xffff;
	struct sock_flow *f;

	if (fi >= sc->nflows)
		return;
	f = &sc->flows[fi];
	if (cqe->flags & IORING_CQE_F_NOTIF) {
		if (gen_zc_complete(&f->zc, id, id,
				    ((uint32_t)cqe->res & IORING_NOTIF_USAGE_ZC_COPIED) != 0) < 0 &&
		    sc->uring_err == 0) {
			sc->uring_err = -EPROTO;
			sc->uring_err_flow = fi;
		}
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		gen_zc_forget(&f->zc, id);
	if (cqe->res < 0) {
		if (sc->uring_err == 0) {
			sc->uring_err = cqe->res;
			sc->uring_err_flow = fi;
		}
		return;
	}
	if (!sc->stream) {
		gen_zc_slot_sent(&f->zc, slot);
		return;
	}
	f->zu_busy = false;
	f->zq_off += (size_t)cqe->res;
	if (f->zq_off >= sc->size) {
		gen_zc_slot_sent(&f->zc, slot);
		f->zq_head = (f->zq_head + 1) % f->zc.nslots;
		f->zq_n--;
		f->zq_off = 0;
	}
}

/* Take every completion the ring holds (no system call). Returns 0 or a failed send's error. */
static int
sock_zcu_collect(struct sock_conn *sc)
{
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&sc->ring, &cqe) == 0) {
		sock_zcu_cqe(sc, cqe);
		io_uring_cqe_seen(&sc->ring, cqe);
	}
	for (unsigned i = 0; i < sc->nflows; i++)
		if (sc->flows[i].zc_starved && sc->flows[i].zc.nfree > 0)
			sc->flows[i].zc_starved = false;
	if (sc->uring_err < 0)
		return sock_fail(sc, sc->uring_err_flow, "io_uring send_zc", -sc->uring_err);
	return 0;
}

/*
 * Prepare IORING_OP_SEND_ZC requests for what flow fi has queued: on a stream one at a time
 * (two sends in flight on one socket could complete out of order), the rest of a message
 * after a short send; datagrams all at once.
 */
static void
sock_zcu_queue(struct sock_conn *sc, unsigned fi)
{
	struct sock_flow *f = &sc->flows[fi];

	while (f->zq_n > 0 && !f->zu_busy && gen_zc_id_room(&f->zc)) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&sc->ring);
		unsigned slot = f->zq[f->zq_head];

		if (sqe == NULL)
			return;
		io_uring_prep_send_zc(sqe, f->fd, gen_zc_slot_mem(&f->zc, slot) + f->zq_off,
				      sc->size - f->zq_off, MSG_NOSIGNAL,
				      IORING_SEND_ZC_REPORT_USAGE);
		sqe->user_data = zcu_data(f->zc.id_next, slot, fi);
		gen_zc_sent(&f->zc, slot);
		sc->sqes++;
		if (sc->stream) {
			f->zu_busy = true;
		} else {
			f->zq_head = (f->zq_head + 1) % f->zc.nslots;
			f->zq_n--;
		}
	}
}

/* Submit what was prepared (one io_uring_enter) and take the completions already there. */
static int
sock_zcu_submit(struct sock_conn *sc)
{
	if (sc->sqes > 0) {
		int r;

		sc->base.syscalls++;
		r = io_uring_submit(&sc->ring);
		if (r < 0)
			return sock_fail(sc, 0, "io_uring_submit", -r);
		sc->sqes = 0;
	}
	return sock_zcu_collect(sc);
}

/*
 * Byte streams with --zerocopy, and every --zerocopy=uring send: a message counts as sent once
 * it is queued in its buffer.
 */
static int
sock_send_stream_zc(struct sock_conn *sc, const struct gen_tx *m, unsigned n)
{
	unsigned i = 0;

	while (i < n) {
		unsigned fi = m[i].flow - sc->flow_base, first = i, slot;
		struct sock_flow *f = &sc->flows[fi];
		uint8_t *buf;
		int rc = 0;

		while (i < n && m[i].flow == m[first].flow &&
		       (buf = sock_zc_slot(sc, fi, &slot, &rc)) != NULL) {
			gen_payload_write(sc->fmt, buf, m[i].flow, m[i].seq, m[i].ts);
			f->zq[(f->zq_head + f->zq_n) % f->zc.nslots] = slot;
			f->zq_n++;
			i++;
		}
		if (rc < 0)
			return rc;
		if (sc->uring)
			sock_zcu_queue(sc, fi);
		else if ((rc = sock_flush_zc(sc, fi)) < 0)
			return rc;
		if (i < n && m[i].flow == m[first].flow)
			break;	/* no free buffer: completions have to come first */
	}
	if (sc->uring) {
		int rc = sock_zcu_submit(sc);

		if (rc < 0)
			return rc;
	}
	return (int)i;
}

/* Datagrams with --zerocopy: each message in a buffer of its own, a run per sendmmsg. */
static int
sock_send_dgram_zc(struct sock_conn *sc, const struct gen_tx *m, unsigned n)
{
	unsigned i = 0;

	while (i < n) {
		unsigned fi = m[i].flow - sc->flow_base, run = 0;
		struct sock_flow *f = &sc->flows[fi];
		uint8_t *buf;
		int r, rc = 0;

		while (i + run < n && run < sc->batch && m[i + run].flow == m[i].flow &&
		       (buf = sock_zc_slot(sc, fi, &sc->zslots[run], &rc)) != NULL) {
			gen_payload_write(sc->fmt, buf, m[i].flow, m[i + run].seq, m[i + run].ts);
			sc->txiov[run].iov_base = buf;
			run++;
		}
		if (rc < 0 || run == 0) {
			for (unsigned j = 0; j < run; j++)
				gen_zc_slot_put(&f->zc, sc->zslots[j]);
			return rc < 0 ? rc : (int)i;
		}
		r = sock_send_hdrs(sc, f->fd, run);
		for (unsigned j = 0; j < run; j++) {
			if (r > 0 && j < (unsigned)r) {
				gen_zc_sent(&f->zc, sc->zslots[j]);
				gen_zc_slot_sent(&f->zc, sc->zslots[j]);
			} else {
				gen_zc_slot_put(&f->zc, sc->zslots[j]);
			}
		}
		if (r < 0) {
			if (errno == EAGAIN)
				return (int)i;
			if (errno == ENOBUFS) {
				f->zc_starved = true;
				sc->base.zc.starved++;
				rc = sock_zc_reap(sc, fi);
				return rc < 0 ? rc : (int)i;
			}
			return sock_fail(sc, fi, "send with MSG_ZEROCOPY", errno);
		}
		i += (unsigned)r;
		if ((unsigned)r < run)
			return (int)i;
	}
	return (int)n;
}

static int
sock_send(struct gen_conn *c, const struct gen_tx *m, unsigned n)
{
	struct sock_conn *sc = sock_conn_of(c);

	if (sc->zc)
		return sc->stream || sc->uring ? sock_send_stream_zc(sc, m, n) :
						 sock_send_dgram_zc(sc, m, n);
	if (sc->stream)
		return sock_send_stream(sc, m, n);
	return sc->gso_segs > 1 ? sock_send_gso(sc, m, n) : sock_send_dgram(sc, m, n);
}

/*
 * One recvmmsg on flow fi into rxm[first..first + count), blocking until one arrives when block
 * is set, EINTR retried. Returns how many came (0 for EAGAIN), or sock_fail()'s error.
 */
static int
sock_recv_hdrs(struct sock_conn *sc, unsigned fi, unsigned first, unsigned count, bool block)
{
	int r;

	do {
		sc->base.syscalls++;
		r = recvmmsg(sc->flows[fi].fd, sc->rxm + first, count,
			     block ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN ? 0 : sock_fail(sc, fi, "receive", errno);
	return r;
}

/* One recvmmsg (or a blocking one when block is set) on flow fi into out[got..max). */
static int
sock_recv_dgram_flow(struct sock_conn *sc, unsigned fi, struct gen_rx *out, unsigned got,
		     unsigned max, bool block)
{
	unsigned k = max - got < sc->batch ? max - got : sc->batch;
	int r = sock_recv_hdrs(sc, fi, got, k, block);

	for (int j = 0; j < r; j++) {
		struct mmsghdr *mh = &sc->rxm[got + (unsigned)j];

		out[got + (unsigned)j].buf = mh->msg_hdr.msg_iov->iov_base;
		out[got + (unsigned)j].len = mh->msg_len;
	}
	return r;
}

/*
 * Cut a received datagram into its messages, appended to pend: segments of gso_size bytes
 * (the last may be shorter), or the datagram whole when it came alone (gso_size 0). The engine
 * checks each one as if it had come in a datagram of its own. Returns how many.
 */
static unsigned
sock_gro_split(struct sock_conn *sc, const uint8_t *buf, size_t len, unsigned gso_size)
{
	unsigned segs = sockio_gso_segments(len, gso_size);

	/* More than we ever send in one datagram (newer kernels take 128): pend has room for
	 * SOCKIO_GSO_SEGS_MAX a slot, so hand it out whole, for the check to call corrupt. */
	if (segs > SOCKIO_GSO_SEGS_MAX) {
		segs = 1;
		gso_size = 0;
	}

	for (unsigned i = 0; i < segs; i++) {
		struct gen_rx *rx = &sc->pend[sc->pend_tail++];

		rx->buf = buf + (size_t)i * gso_size;
		rx->len = (uint32_t)sockio_gso_seg_len(len, gso_size, i);
	}
	return segs;
}

/* GRO: one recvmmsg on flow fi into the free receive slots, each datagram cut into messages. */
static int
sock_recv_gro_flow(struct sock_conn *sc, unsigned fi, bool block)
{
	unsigned first = sc->rx_slots, n = 0;
	int r;

	for (unsigned j = first; j < sc->batch; j++)
		sc->rxm[j].msg_hdr.msg_controllen = sizeof(sc->rxcmsg[j].rx);
	r = sock_recv_hdrs(sc, fi, first, sc->batch - first, block);
	if (r <= 0)
		return r;
	sc->rx_slots += (unsigned)r;
	for (unsigned j = first; j < first + (unsigned)r; j++) {
		const struct msghdr *h = &sc->rxm[j].msg_hdr;
		/* Cut short (a 64 KiB slot never is): one message, which the check calls corrupt. */
		unsigned gso_size = h->msg_flags & MSG_TRUNC ? 0 : sockio_gro_size(h);

		n += sock_gro_split(sc, h->msg_iov->iov_base, sc->rxm[j].msg_len, gso_size);
	}
	return (int)n;
}

/* Hand out up to n of the messages cut from earlier receives. */
static unsigned
sock_gro_take(struct sock_conn *sc, struct gen_rx *out, unsigned n)
{
	unsigned k = sc->pend_tail - sc->pend_head;

	if (k > n)
		k = n;
	memcpy(out, sc->pend + sc->pend_head, (size_t)k * sizeof(*out));
	sc->pend_head += k;
	return k;
}

/* Read what a stream flow has, then hand out the whole messages in its buffer. */
static int
sock_recv_stream_flow(struct sock_conn *sc, unsigned fi, struct gen_rx *out, unsigned got,
		      unsigned max, bool block)
{
	struct sock_flow *f = &sc->flows[fi];
	unsigned n = 0;

	if (f->rx_head > 0) {
		memmove(f->rx, f->rx + f->rx_head, f->rx_tail - f->rx_head);
		f->rx_tail -= f->rx_head;
		f->rx_head = 0;
	}
	if ((f->rx_tail - f->rx_head) / sc->size < max - got && f->rx_tail < f->rx_cap) {
		ssize_t r;

		do {
			sc->base.syscalls++;
			r = recv(f->fd, f->rx + f->rx_tail, f->rx_cap - f->rx_tail,
				 block ? 0 : MSG_DONTWAIT);
		} while (r < 0 && errno == EINTR);
		if (r == 0)
			return sock_fail(sc, fi, "receive", EPIPE);
		if (r < 0 && errno != EAGAIN)
			return sock_fail(sc, fi, "receive", errno);
		if (r > 0) {
			f->rx_tail += (size_t)r;
			f->conn_rx += (uint64_t)r;
		}
		/* --reconnect: this connection's share all came back; the next one takes the
		 * rest of what is buffered. */
		if (sc->conn_bytes > 0 && f->conn_rx >= sc->conn_bytes) {
			int rc = sock_reconnect(sc, fi);

			if (rc < 0)
				return rc;
			rc = sock_flush(sc, fi);
			if (rc < 0)
				return rc;
		}
	}
	while (got + n < max && f->rx_tail - f->rx_head >= sc->size) {
		out[got + n].buf = f->rx + f->rx_head;
		out[got + n].len = sc->size;
		f->rx_head += sc->size;
		n++;
	}
	return (int)n;
}

static int
sock_recv_flow(struct sock_conn *sc, unsigned fi, struct gen_rx *out, unsigned got,
	       unsigned max, bool block)
{
	if (sc->stream)
		return sock_recv_stream_flow(sc, fi, out, got, max, block);
	if (sc->gso)
		return sock_recv_gro_flow(sc, fi, block);
	return sock_recv_dgram_flow(sc, fi, out, got, max, block);
}

/*
 * --zerocopy, once per sweep of a flow: read completions lazily (when half the buffers are
 * held, or sending waits for them; the kernel groups completions into ranges meanwhile), then
 * send what is queued.
 */
static int
sock_sweep_zc(struct sock_conn *sc, unsigned fi)
{
	struct sock_flow *f = &sc->flows[fi];
	int r = 0;

	if (sc->uring) {
		r = sock_zcu_collect(sc);
		sock_zcu_queue(sc, fi);
		return r;
	}
	if (f->zc_starved || f->zc.nfree < f->zc.nslots / 2)
		r = sock_zc_reap(sc, fi);
	if (r == 0 && f->zq_n > 0)
		r = sock_flush_zc(sc, fi);
	return r;
}

/* True when flow f has bytes the kernel has not taken yet. */
static bool
sock_tx_pending(const struct sock_conn *sc, const struct sock_flow *f)
{
	if (sc->zc)
		return f->zq_n > 0 || f->zc_starved || f->zu_busy;
	return sc->stream && sock_tx_sendable(sc, f) > 0;
}

/* One pass over every flow, starting where the last pass stopped so none starves. */
static int
sock_sweep(struct sock_conn *sc, struct gen_rx *out, unsigned max, bool *pending_tx)
{
	unsigned got = 0;

	*pending_tx = false;
	for (unsigned k = 0; k < sc->nflows && got < max && !(sc->gso && sc->rx_slots == sc->batch);
	     k++) {
		unsigned fi = (sc->rr + k) % sc->nflows;
		int r;

		if (sc->zc) {
			r = sock_sweep_zc(sc, fi);
			if (r < 0)
				return r;
			*pending_tx |= sc->flows[fi].zq_n > 0;
		} else if (sc->stream && sock_tx_sendable(sc, &sc->flows[fi]) > 0) {
			r = sock_flush(sc, fi);
			if (r < 0)
				return r;
			*pending_tx |= sock_tx_sendable(sc, &sc->flows[fi]) > 0;
		}
		r = sock_recv_flow(sc, fi, out, got, max, false);
		if (r < 0)
			return r;
		got += (unsigned)r;
	}
	sc->rr = (sc->rr + 1) % sc->nflows;
	if (sc->uring) {
		int r = sock_zcu_submit(sc);

		if (r < 0)
			return r;
	}
	return (int)got;
}

/*
 * Receive into out (or, with gso, into pend) from every flow, waiting up to wait_ns for the
 * first message when the connection blocks. Returns how many messages came.
 */
static int
sock_recv_wait(struct gen_conn *c, struct gen_rx *out, unsigned n, uint64_t wait_ns)
{
	struct sock_conn *sc = sock_conn_of(c);
	bool block = wait_ns > 0 && !sc->busy_poll, pending_tx = false;
	int r, timeout_ms;

	if (n > sc->batch && !sc->stream && !sc->gso)
		n = sc->batch;	/* one batch of receive buffers */
	/*
	 * One flow, nothing to write: a blocking receive is one system call per wake-up, as a
	 * plain blocking client makes (its SO_RCVTIMEO bounds the sleep).
	 */
	if (block && sc->nflows == 1 && !c->tx_blocked && !sock_tx_pending(sc, &sc->flows[0])) {
		if (sc->stream) {
			struct sock_flow *f = &sc->flows[0];

			/* Whole messages already buffered need no system call. */
			if (f->rx_tail - f->rx_head >= sc->size)
				return sock_recv_stream_flow(sc, 0, out, 0, n, false);
		}
		return sock_recv_flow(sc, 0, out, 0, n, true);
	}
	r = sock_sweep(sc, out, n, &pending_tx);
	if (r != 0 || !block)
		return r;
	timeout_ms = (int)((wait_ns + NS_PER_MS - 1) / NS_PER_MS);
	if (timeout_ms > GEN_BLOCK_SLICE_MS)
		timeout_ms = GEN_BLOCK_SLICE_MS;
	for (unsigned i = 0; i < sc->nflows; i++) {
		struct sock_flow *f = &sc->flows[i];

		/* Waiting for completions: POLLERR (always reported) says they came. */
		sc->pfds[i].events = POLLIN;
		if (sc->uring)
			continue;	/* its sends wait in the ring, which says when they are done */
		if (sc->zc ? f->zq_n > 0 && !f->zc_starved :
			     (sc->stream && sock_tx_sendable(sc, f) > 0) ||
				     (!sc->stream && c->tx_blocked))
			sc->pfds[i].events |= POLLOUT;
	}
	if (sc->uring)
		sc->pfds[sc->nflows] = (struct pollfd){ .fd = sc->ring.ring_fd, .events = POLLIN };
	sc->base.syscalls++;
	r = poll(sc->pfds, sc->nflows + (sc->uring ? 1u : 0u), timeout_ms);
	if (r <= 0)
		return r < 0 && errno != EINTR ? sock_fail(sc, 0, "poll", errno) : 0;
	return sock_sweep(sc, out, n, &pending_tx);
}

/*
 * With GRO one receive slot can hold 64 messages, more than the engine may take at once: what
 * it does not take stays in pend, and the slots are not reused, until later calls hand it out.
 */
static int
sock_recv(struct gen_conn *c, struct gen_rx *out, unsigned n, uint64_t wait_ns)
{
	struct sock_conn *sc = sock_conn_of(c);
	int r;

	if (!sc->gso)
		return sock_recv_wait(c, out, n, wait_ns);
	if (sc->pend_head == sc->pend_tail) {
		sc->pend_head = sc->pend_tail = sc->rx_slots = 0;
		r = sock_recv_wait(c, NULL, sc->batch * SOCKIO_GSO_SEGS_MAX, wait_ns);
		if (r < 0)
			return r;
	}
	return (int)sock_gro_take(sc, out, n);
}

static void
sock_close(struct gen_conn *c)
{
	struct sock_conn *sc = sock_conn_of(c);

	if (sc == NULL)
		return;
	for (unsigned i = 0; sc->flows != NULL && i < sc->nflows; i++) {
		if (sc->flows[i].fd >= 0)
			close(sc->flows[i].fd);
		free(sc->flows[i].rx);
		free(sc->flows[i].tx);
		free(sc->flows[i].zq);
		gen_zc_pool_fini(&sc->flows[i].zc);
	}
	free(sc->flows);
	free(sc->pfds);
	free(sc->txmem);
	free(sc->rxmem);
	free(sc->txm);
	free(sc->rxm);
	free(sc->txiov);
	free(sc->rxiov);
	free(sc->txcmsg);
	free(sc->rxcmsg);
	free(sc->txsegs);
	free(sc->pend);
	free(sc->zslots);
	if (sc->ring_ok)
		io_uring_queue_exit(&sc->ring);
	free(sc);
}

static uint64_t
sock_drops(struct gen_conn *c)
{
	struct sock_conn *sc = sock_conn_of(c);
	uint64_t n = 0;

	for (unsigned i = 0; sc != NULL && sc->flows != NULL && i < sc->nflows; i++)
		if (sc->flows[i].fd >= 0)
			n += sockio_drops(sc->flows[i].fd);
	return n;
}

#define SOCK_OPS(var, label, is_stream, open_fn)			\
	const struct gen_transport_ops var = {			\
		.name = label,					\
		.stream = is_stream,				\
		.max_size = sock_max_size,			\
		.open = open_fn,				\
		.thread_start = sock_thread_start,		\
		.thread_stop = sock_thread_stop,		\
		.send = sock_send,				\
		.recv = sock_recv,				\
		.close = sock_close,				\
		.sock_drops = sock_drops,			\
	}

SOCK_OPS(gen_transport_udp, "udp", false, sock_open);
SOCK_OPS(gen_transport_tcp, "tcp", true, sock_open);
SOCK_OPS(gen_transport_uds_dgram, "uds-dgram", false, sock_open);
SOCK_OPS(gen_transport_uds_stream, "uds-stream", true, sock_open);
SOCK_OPS(gen_transport_uds_seqpacket, "uds-seqpacket", false, sock_open);

/* udp with --gso: the same transport, sockets opened with GRO on and sends grouped by GSO. */
SOCK_OPS(gen_transport_udp_gso, "udp", false, sock_open_gso);
