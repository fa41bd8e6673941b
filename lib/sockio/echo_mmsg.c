/* SPDX-License-Identifier: BSD-3-Clause */
/* Batched datagram echo: recvmmsg/sendmmsg, either blocking (mmsg) or spinning (busy-poll);
 * with --gso each slot may carry up to 64 messages (UDP GRO in, UDP_SEGMENT out). */
#include <stdlib.h>
#include <string.h>

#include "sockio/echo.h"
#include "sockio/gso.h"

/* Control data of one slot: a UDP_GRO cmsg in, a UDP_SEGMENT cmsg out, aligned for cmsghdr. */
union mmsg_cmsg {
	struct cmsghdr align;
	uint8_t rx[SOCKIO_GRO_CMSG_BYTES];
	uint8_t tx[SOCKIO_GSO_CMSG_BYTES];
};

/* One batch: receive slots, and the replies compacted from them. */
struct mmsg_batch {
	unsigned n;
	bool gso;			/* slots may hold coalesced datagrams (UDP GRO) */
	uint8_t *bufs;			/* n * SOCKIO_MSG_MAX_BYTES */
	struct sockaddr_storage *peers;
	struct iovec *rx_iov, *tx_iov;
	struct mmsghdr *rx, *tx;
	union mmsg_cmsg *rx_cmsg, *tx_cmsg;	/* gso only */
	unsigned *tx_segs;		/* messages each reply carries (gso only) */
};

static void
mmsg_batch_free(struct mmsg_batch *b)
{
	free(b->bufs);
	free(b->peers);
	free(b->rx_iov);
	free(b->tx_iov);
	free(b->rx);
	free(b->tx);
	free(b->rx_cmsg);
	free(b->tx_cmsg);
	free(b->tx_segs);
}

static int
mmsg_batch_alloc(struct mmsg_batch *b, unsigned n, bool gso)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	b->gso = gso;
	/* Pages are touched only as datagrams fill them: big batches cost address space. */
	b->bufs = malloc((size_t)n * SOCKIO_MSG_MAX_BYTES);
	b->peers = calloc(n, sizeof(*b->peers));
	b->rx_iov = calloc(n, sizeof(*b->rx_iov));
	b->tx_iov = calloc(n, sizeof(*b->tx_iov));
	b->rx = calloc(n, sizeof(*b->rx));
	b->tx = calloc(n, sizeof(*b->tx));
	if (!b->bufs || !b->peers || !b->rx_iov || !b->tx_iov || !b->rx || !b->tx)
		goto out_free;
	if (gso) {
		b->rx_cmsg = calloc(n, sizeof(*b->rx_cmsg));
		b->tx_cmsg = calloc(n, sizeof(*b->tx_cmsg));
		b->tx_segs = calloc(n, sizeof(*b->tx_segs));
		if (!b->rx_cmsg || !b->tx_cmsg || !b->tx_segs)
			goto out_free;
	}
	for (unsigned i = 0; i < n; i++) {
		b->rx_iov[i].iov_base = b->bufs + (size_t)i * SOCKIO_MSG_MAX_BYTES;
		b->rx[i].msg_hdr.msg_iov = &b->rx_iov[i];
		b->rx[i].msg_hdr.msg_iovlen = 1;
		b->rx[i].msg_hdr.msg_name = &b->peers[i];
		if (gso)
			b->rx[i].msg_hdr.msg_control = b->rx_cmsg[i].rx;
	}
	return 0;

out_free:
	mmsg_batch_free(b);
	return -ENOMEM;
}

/*
 * With GRO a slot may hold several messages of gso_size bytes: the reply goes back whole with
 * a UDP_SEGMENT cmsg, so the kernel cuts it into the same datagrams the client sent (or hands
 * it whole to a client that also turned GRO on). Returns the messages the reply carries.
 */
static unsigned
mmsg_gso_reply(struct mmsg_batch *b, unsigned i, unsigned k)
{
	const struct msghdr *h = &b->rx[i].msg_hdr;
	unsigned gso_size = sockio_gro_size(h);
	unsigned segs = sockio_gso_segments(b->rx[i].msg_len, gso_size);

	if (segs > 1)
		sockio_gso_cmsg_set(&b->tx[k].msg_hdr, b->tx_cmsg[k].tx, (uint16_t)gso_size);
	return segs;
}

/* Turn the received slots into replies; returns how many are worth sending. */
static unsigned
mmsg_compact(struct sockio_worker *w, struct mmsg_batch *b, unsigned got)
{
	unsigned k = 0;

	for (unsigned i = 0; i < got; i++) {
		struct msghdr *h = &b->rx[i].msg_hdr;

		if (h->msg_flags & MSG_TRUNC) {
			ctr_add(&w->ctr.truncated, 1);
			continue;
		}
		if (!peer_is_addressable(&b->peers[i], h->msg_namelen)) {
			ctr_add(&w->ctr.errors, 1);
			continue;
		}
		b->tx_iov[k].iov_base = b->rx_iov[i].iov_base;
		b->tx_iov[k].iov_len = b->rx[i].msg_len;
		b->tx[k].msg_hdr = (struct msghdr){
			.msg_name = h->msg_name,
			.msg_namelen = h->msg_namelen,
			.msg_iov = &b->tx_iov[k],
			.msg_iovlen = 1,
		};
		if (b->gso)
			b->tx_segs[k] = mmsg_gso_reply(b, i, k);
		k++;
	}
	return k;
}

/* Send k replies; a reply the kernel refuses is counted and skipped, the rest still go. */
static void
mmsg_send(struct sockio_worker *w, struct mmsg_batch *b, unsigned k)
{
	unsigned off = 0;

	while (off < k) {
		int r = sendmmsg(w->fd, b->tx + off, k - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		uint64_t bytes = 0, msgs = 0;

		ctr_add(&w->ctr.syscalls, 1);
		if (r <= 0) {
			ctr_add(&w->ctr.errors, 1);
			off++;
			continue;
		}
		for (int i = 0; i < r; i++) {
			bytes += b->tx[off + (unsigned)i].msg_len;
			msgs += b->gso ? b->tx_segs[off + (unsigned)i] : 1;
		}
		ctr_add(&w->ctr.bytes, bytes);
		ctr_add(&w->ctr.messages, msgs);
		off += (unsigned)r;
	}
}

static int
mmsg_loop(struct sockio_worker *w, bool spin)
{
	/* Blocking: wait for one datagram (SO_RCVTIMEO bounds it), then take what is queued. */
	int flags = spin ? MSG_DONTWAIT : MSG_WAITFORONE;
	struct mmsg_batch b;
	unsigned got = 0;
	int r;

	if (mmsg_batch_alloc(&b, w->srv->cfg.batch, w->srv->cfg.gso) < 0)
		return sockio_worker_fail(w, -ENOMEM, "thread %u: no memory for a batch of %u",
					  w->id, w->srv->cfg.batch);
	got = b.n;
	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		/* Only the slots the last call filled need their lengths back. */
		for (unsigned i = 0; i < got; i++) {
			b.rx_iov[i].iov_len = SOCKIO_MSG_MAX_BYTES;
			b.rx[i].msg_hdr.msg_namelen = sizeof(b.peers[i]);
			if (b.gso)
				b.rx[i].msg_hdr.msg_controllen = sizeof(b.rx_cmsg[i].rx);
		}
		got = 0;
		r = recvmmsg(w->fd, b.rx, b.n, flags, NULL);
		ctr_add(&w->ctr.syscalls, 1);
		if (r <= 0) {
			if (r < 0 && !errno_is_retry(errno))
				ctr_add(&w->ctr.errors, 1);
			continue;
		}
		got = (unsigned)r;
		ctr_add(&w->ctr.batches, 1);
		mmsg_send(w, &b, mmsg_compact(w, &b, got));
	}
	mmsg_batch_free(&b);
	return 0;
}

int
sockio_mmsg_dgram_run(struct sockio_worker *w)
{
	return mmsg_loop(w, false);
}

int
sockio_busy_dgram_run(struct sockio_worker *w)
{
	return mmsg_loop(w, true);
}
