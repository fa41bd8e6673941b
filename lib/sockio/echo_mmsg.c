/* SPDX-License-Identifier: BSD-3-Clause */
/* Batched datagram echo: recvmmsg/sendmmsg, either blocking (mmsg) or spinning (busy-poll). */
#include <stdlib.h>
#include <string.h>

#include "sockio/echo.h"

/* One batch: receive slots, and the replies compacted from them. */
struct mmsg_batch {
	unsigned n;
	uint8_t *bufs;			/* n * SOCKIO_MSG_MAX_BYTES */
	struct sockaddr_storage *peers;
	struct iovec *rx_iov, *tx_iov;
	struct mmsghdr *rx, *tx;
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
}

static int
mmsg_batch_alloc(struct mmsg_batch *b, unsigned n)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	/* Pages are touched only as datagrams fill them: big batches cost address space. */
	b->bufs = malloc((size_t)n * SOCKIO_MSG_MAX_BYTES);
	b->peers = calloc(n, sizeof(*b->peers));
	b->rx_iov = calloc(n, sizeof(*b->rx_iov));
	b->tx_iov = calloc(n, sizeof(*b->tx_iov));
	b->rx = calloc(n, sizeof(*b->rx));
	b->tx = calloc(n, sizeof(*b->tx));
	if (!b->bufs || !b->peers || !b->rx_iov || !b->tx_iov || !b->rx || !b->tx) {
		mmsg_batch_free(b);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		b->rx_iov[i].iov_base = b->bufs + (size_t)i * SOCKIO_MSG_MAX_BYTES;
		b->rx[i].msg_hdr.msg_iov = &b->rx_iov[i];
		b->rx[i].msg_hdr.msg_iovlen = 1;
		b->rx[i].msg_hdr.msg_name = &b->peers[i];
	}
	return 0;
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
		uint64_t bytes = 0;

		ctr_add(&w->ctr.syscalls, 1);
		if (r <= 0) {
			ctr_add(&w->ctr.errors, 1);
			off++;
			continue;
		}
		for (int i = 0; i < r; i++)
			bytes += b->tx[off + (unsigned)i].msg_len;
		ctr_add(&w->ctr.bytes, bytes);
		ctr_add(&w->ctr.messages, (uint64_t)r);
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

	if (mmsg_batch_alloc(&b, w->srv->cfg.batch) < 0)
		return sockio_worker_fail(w, -ENOMEM, "thread %u: no memory for a batch of %u",
					  w->id, w->srv->cfg.batch);
	got = b.n;
	sockio_worker_ready(w);
	while (!worker_stopping(w)) {
		/* Only the slots the last call filled need their lengths back. */
		for (unsigned i = 0; i < got; i++) {
			b.rx_iov[i].iov_len = SOCKIO_MSG_MAX_BYTES;
			b.rx[i].msg_hdr.msg_namelen = sizeof(b.peers[i]);
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
