/* SPDX-License-Identifier: BSD-3-Clause */
/* Test client for sock-echo: many connections, checked echoes, a stalled peer, a hold for RSS. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/res.h"
#include "sockio/addr.h"
#include "sockio/sock.h"

#define MSG_MAX		 65536
/* A stream message is any number of bytes: up to 4 MiB, the size the zero-copy tests use. */
#define STREAM_MSG_MAX	 (4u << 20)
#define HEADER_BYTES	 8
#define CONNS_MAX	 4096
#define POLL_MS		 10
/* A datagram window with no reply for this long is written off as lost (duration mode). */
#define LOSS_TIMEOUT_NS	 100000000ull
#define STALL_FILL_MS	 200
#define ERR_LEN		 256

struct conn {
	int fd;
	bool closed;		/* by the server: EOF or reset */
	uint64_t tx_seq;	/* next message to send */
	size_t tx_off;		/* stream: bytes of message tx_seq already sent */
	uint64_t rx_seq;	/* stream/seqpacket: next message expected back */
	size_t rx_off;		/* stream: bytes of message rx_seq already received */
	uint64_t outstanding;	/* messages sent and not yet echoed */
	uint64_t last_rx_ns;
	uint8_t *tx;		/* message tx_seq */
};

struct client {
	struct sockio_addr addr;
	size_t size;
	uint64_t count;		/* messages per connection, 0: until duration ends */
	uint64_t duration_ns;
	unsigned conns_n, window, expect_closed;
	uint64_t timeout_ns, hold_ms;
	bool stall, stream;
	struct conn *conns;
	uint64_t sent, received, lost, bytes;
	uint8_t rx[MSG_MAX + 1];
};

/* Byte j of message seq on connection c: a header naming both, then a pattern. */
static uint8_t
pat(const struct client *cl, unsigned c, uint64_t seq, size_t j)
{
	if (cl->size >= HEADER_BYTES && j < HEADER_BYTES)
		return (uint8_t)((((uint64_t)c << 40) | seq) >> (8 * j));
	return (uint8_t)(seq * 31 + j * 7 + c);
}

static void
msg_fill(const struct client *cl, unsigned c, uint64_t seq, uint8_t *buf)
{
	for (size_t j = 0; j < cl->size; j++)
		buf[j] = pat(cl, c, seq, j);
}

static bool
may_send(const struct client *cl, const struct conn *k, uint64_t now, uint64_t end)
{
	if (k->closed || k->outstanding >= cl->window)
		return false;
	if (cl->stream && k->tx_off > 0)
		return true;
	return cl->count > 0 ? k->tx_seq < cl->count : now < end;
}

static int
conn_send(struct client *cl, unsigned c)
{
	struct conn *k = &cl->conns[c];
	ssize_t r;

	if (k->tx_off == 0)
		msg_fill(cl, c, k->tx_seq, k->tx);
	r = send(k->fd, k->tx + k->tx_off, cl->size - k->tx_off, MSG_NOSIGNAL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == ECONNRESET || errno == EPIPE) {
			k->closed = true;
			return 0;
		}
		fprintf(stderr, "sock-client: send on connection %u: %s\n", c, strerror(errno));
		return -1;
	}
	k->tx_off += (size_t)r;
	if (k->tx_off < cl->size)
		return 0;
	k->tx_off = 0;
	k->tx_seq++;
	k->outstanding++;
	cl->sent++;
	return 0;
}

static int
mismatch(unsigned c, uint64_t seq, size_t j, uint8_t got, uint8_t want)
{
	fprintf(stderr,
		"sock-client: connection %u message %llu byte %zu: got 0x%02x, want 0x%02x\n", c,
		(unsigned long long)seq, j, got, want);
	return -1;
}

static void
conn_got_reply(struct client *cl, struct conn *k, size_t n)
{
	k->outstanding--;
	k->last_rx_ns = clock_now_ns();
	cl->received++;
	cl->bytes += n;
}

static int
conn_recv_stream(struct client *cl, unsigned c, ssize_t n)
{
	struct conn *k = &cl->conns[c];

	for (ssize_t i = 0; i < n; i++) {
		uint8_t want = pat(cl, c, k->rx_seq, k->rx_off);

		/* A message bigger than the socket buffers echoes back while still being sent. */
		bool ahead = k->rx_seq > k->tx_seq ||
			     (k->rx_seq == k->tx_seq && k->rx_off >= k->tx_off);

		if (ahead || cl->rx[i] != want)
			return mismatch(c, k->rx_seq, k->rx_off, cl->rx[i], want);
		if (++k->rx_off == cl->size) {
			k->rx_off = 0;
			k->rx_seq++;
			conn_got_reply(cl, k, cl->size);
		}
	}
	return 0;
}

/* A datagram or seqpacket reply: one whole message, its sequence in its header. */
static int
conn_recv_message(struct client *cl, unsigned c, ssize_t n)
{
	struct conn *k = &cl->conns[c];
	uint64_t seq = k->rx_seq;

	if ((size_t)n != cl->size) {
		fprintf(stderr, "sock-client: connection %u: reply of %zd bytes, sent %zu\n", c, n,
			cl->size);
		return -1;
	}
	if (cl->size >= HEADER_BYTES) {
		seq = 0;
		for (size_t j = 0; j < HEADER_BYTES; j++)
			seq |= (uint64_t)cl->rx[j] << (8 * j);
		if (seq >> 40 != c)
			return mismatch(c, seq, 0, cl->rx[5], (uint8_t)c);
		seq &= (1ull << 40) - 1;
	}
	if (seq >= k->tx_seq)
		return mismatch(c, seq, 0, cl->rx[0], pat(cl, c, seq, 0));
	for (size_t j = 0; j < cl->size; j++) {
		if (cl->rx[j] != pat(cl, c, seq, j))
			return mismatch(c, seq, j, cl->rx[j], pat(cl, c, seq, j));
	}
	k->rx_seq = seq + 1;
	/* A reply to a message already written off as lost is late, not new. */
	if (k->outstanding > 0)
		conn_got_reply(cl, k, cl->size);
	return 0;
}

static int
conn_recv(struct client *cl, unsigned c)
{
	struct conn *k = &cl->conns[c];
	ssize_t n;

	/* MSG_TRUNC reports a datagram's real length; on a stream it would discard data. */
	n = recv(k->fd, cl->rx, sizeof(cl->rx), cl->stream ? 0 : MSG_TRUNC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == ECONNRESET || errno == EPIPE) {
			k->closed = true;
			return 0;
		}
		fprintf(stderr, "sock-client: recv on connection %u: %s\n", c, strerror(errno));
		return -1;
	}
	if (n == 0 && cl->addr.socktype != SOCK_DGRAM) {
		k->closed = true;
		return 0;
	}
	return cl->stream ? conn_recv_stream(cl, c, n) : conn_recv_message(cl, c, n);
}

/* Poll all connections until every one has sent its messages and heard them back. */
static int
run_round(struct client *cl, uint64_t end)
{
	struct pollfd *pfd = calloc(cl->conns_n, sizeof(*pfd));
	uint64_t last_progress = clock_now_ns();
	int rc = -1;

	if (pfd == NULL)
		return -1;
	for (;;) {
		uint64_t now = clock_now_ns(), progress = cl->sent + cl->received;
		bool busy = false;

		for (unsigned c = 0; c < cl->conns_n; c++) {
			struct conn *k = &cl->conns[c];
			bool tx = may_send(cl, k, now, end);

			pfd[c].fd = k->closed ? -1 : k->fd;
			pfd[c].events = (short)(POLLIN | (tx ? POLLOUT : 0));
			busy |= !k->closed && (tx || k->outstanding > 0);
			/* Duration mode: a datagram window gone quiet is written off. */
			if (cl->count == 0 && !cl->stream && k->outstanding > 0 &&
			    now - k->last_rx_ns > LOSS_TIMEOUT_NS) {
				cl->lost += k->outstanding;
				k->outstanding = 0;
				k->last_rx_ns = now;
			}
		}
		if (!busy) {
			rc = 0;
			break;
		}
		if (poll(pfd, cl->conns_n, POLL_MS) < 0 && errno != EINTR)
			break;
		for (unsigned c = 0; c < cl->conns_n; c++) {
			if (pfd[c].revents & (POLLIN | POLLERR | POLLHUP))
				if (conn_recv(cl, c) < 0)
					goto out;
			if ((pfd[c].revents & POLLOUT) && !cl->conns[c].closed &&
			    conn_send(cl, c) < 0)
				goto out;
		}
		if (cl->sent + cl->received != progress)
			last_progress = clock_now_ns();
		else if (clock_now_ns() - last_progress > cl->timeout_ns)
			break;
	}
out:
	if (rc < 0 && cl->sent + cl->received > 0)
		fprintf(stderr, "sock-client: stopped with sent=%llu received=%llu\n",
			(unsigned long long)cl->sent, (unsigned long long)cl->received);
	free(pfd);
	return rc;
}

/* A connection that writes until the kernel pushes back, and never reads. */
static int
stall_open(struct client *cl)
{
	char err[ERR_LEN];
	uint8_t junk[4096];
	uint64_t until = clock_now_ns() + STALL_FILL_MS * 1000000ull;
	int fd = sockio_connect(&cl->addr, true, err, sizeof(err));

	if (fd < 0) {
		fprintf(stderr, "sock-client: stalled connection: %s\n", err);
		return -1;
	}
	memset(junk, 0x5a, sizeof(junk));
	while (clock_now_ns() < until) {
		if (send(fd, junk, sizeof(junk), MSG_NOSIGNAL) < 0) {
			if (errno != EAGAIN)
				break;
			usleep(1000);
		}
	}
	return fd;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: sock-client ADDRESS [--size N] [--count N | --duration-ms N]\n"
		"       [--conns N] [--window N] [--timeout-ms N] [--stall] [--hold-ms N]\n"
		"       [--expect-closed N]\n");
}

static int
parse_num(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "sock-client: %s '%s': want %llu..%llu\n", opt, s,
			(unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct client *cl)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "conns", required_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 'w' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "stall", no_argument, NULL, 'S' },
		{ "hold-ms", required_argument, NULL, 'H' },
		{ "expect-closed", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v = 0;
	char err[ERR_LEN];
	int o, rc = 0;

	cl->size = 64;
	cl->count = 1;
	cl->conns_n = 1;
	cl->window = 1;
	cl->timeout_ns = 5000ull * 1000000ull;
	while (rc == 0 && (o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': rc = parse_num("--size", optarg, 0, STREAM_MSG_MAX, &v); cl->size = v; break;
		case 'n': rc = parse_num("--count", optarg, 1, UINT32_MAX, &cl->count); break;
		case 'd':
			rc = parse_num("--duration-ms", optarg, 1, 600000, &v);
			cl->duration_ns = v * 1000000ull;
			cl->count = 0;
			break;
		case 'c':
			rc = parse_num("--conns", optarg, 1, CONNS_MAX, &v);
			cl->conns_n = v;
			break;
		case 'w': rc = parse_num("--window", optarg, 1, 4096, &v); cl->window = v; break;
		case 't':
			rc = parse_num("--timeout-ms", optarg, 1, 600000, &v);
			cl->timeout_ns = v * 1000000ull;
			break;
		case 'S': cl->stall = true; break;
		case 'H': rc = parse_num("--hold-ms", optarg, 0, 600000, &cl->hold_ms); break;
		case 'x':
			rc = parse_num("--expect-closed", optarg, 0, CONNS_MAX, &v);
			cl->expect_closed = v;
			break;
		default: usage(); return -1;
		}
	}
	if (rc < 0 || optind != argc - 1) {
		if (rc == 0)
			usage();
		return -1;
	}
	if (sockio_addr_parse(argv[optind], &cl->addr, err, sizeof(err)) < 0) {
		fprintf(stderr, "sock-client: %s\n", err);
		return -1;
	}
	cl->stream = sockio_transport_is_stream(cl->addr.transport);
	if (cl->size > MSG_MAX && !cl->stream) {
		fprintf(stderr, "sock-client: --size %zu: a datagram or seqpacket holds at most %d "
			"bytes here; larger sizes need a stream (tcp, uds-stream)\n", cl->size, MSG_MAX);
		return -1;
	}
	if (cl->size == 0 && cl->addr.socktype != SOCK_DGRAM) {
		fprintf(stderr, "sock-client: --size 0 needs a datagram transport (an empty "
			"seqpacket reads as end of file)\n");
		return -1;
	}
	if (cl->size < HEADER_BYTES && !cl->stream && cl->window > 1) {
		fprintf(stderr,
			"sock-client: messages under %d bytes carry no sequence: --window 1\n",
			HEADER_BYTES);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct client cl;
	char err[ERR_LEN];
	unsigned closed = 0;
	uint64_t t0, end;
	int stall_fd = -1, rc;

	log_set_prog("sock-client");
	if (parse_args(argc, argv, &cl) < 0)
		return 2;
	cl.conns = calloc(cl.conns_n, sizeof(*cl.conns));
	if (cl.conns == NULL)
		return 1;
	if (cl.stall && (stall_fd = stall_open(&cl)) < 0)
		return 1;
	/* All connections exist at once before any message moves. */
	for (unsigned c = 0; c < cl.conns_n; c++) {
		cl.conns[c].fd = sockio_connect(&cl.addr, true, err, sizeof(err));
		cl.conns[c].tx = malloc(cl.size + 1);
		cl.conns[c].last_rx_ns = clock_now_ns();
		if (cl.conns[c].fd < 0 || cl.conns[c].tx == NULL) {
			fprintf(stderr, "sock-client: connection %u: %s\n", c, err);
			return 1;
		}
	}
	t0 = clock_now_ns();
	end = t0 + cl.duration_ns;
	if (cl.hold_ms > 0) {
		uint64_t count = cl.count;

		/* One message each, then hold every connection open for whoever measures. */
		cl.count = 1;
		if (run_round(&cl, end) < 0)
			return 1;
		printf("holding %u connections\n", cl.conns_n);
		fflush(stdout);
		usleep((useconds_t)(cl.hold_ms * 1000));
		cl.count = count;
	}
	rc = run_round(&cl, end);
	for (unsigned c = 0; c < cl.conns_n; c++) {
		closed += cl.conns[c].closed;
		close(cl.conns[c].fd);
	}
	if (stall_fd >= 0)
		close(stall_fd);
	double secs = (double)(clock_now_ns() - t0) / 1e9;

	printf("sent=%llu received=%llu lost=%llu bytes=%llu closed=%u seconds=%.3f rate=%.0f\n",
	       (unsigned long long)cl.sent, (unsigned long long)cl.received,
	       (unsigned long long)cl.lost, (unsigned long long)cl.bytes, closed, secs,
	       (double)cl.received / secs);
	if (rc < 0) {
		fprintf(stderr, "sock-client: timed out or failed\n");
		return 1;
	}
	if (closed != cl.expect_closed) {
		fprintf(stderr, "sock-client: %u connections closed by the server, expected %u\n",
			closed, cl.expect_closed);
		return 1;
	}
	for (unsigned c = 0; c < cl.conns_n && cl.count > 0; c++) {
		const struct conn *k = &cl.conns[c];

		if (!k->closed && (k->outstanding > 0 || k->tx_seq != cl.count)) {
			fprintf(stderr, "sock-client: connection %u: %llu sent, %llu outstanding\n",
				c, (unsigned long long)k->tx_seq,
				(unsigned long long)k->outstanding);
			return 1;
		}
	}
	return 0;
}
