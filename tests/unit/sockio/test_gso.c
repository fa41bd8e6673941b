/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of UDP GSO/GRO (lib/sockio/gso.h): segment arithmetic, the cmsgs, and on loopback
 * that a UDP_SEGMENT send reaches a GRO socket whole and any other socket cut up. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sockio/gso.h"

#define ERR_LEN 256
#define RECV_TIMEOUT_MS 500
#define MSG_BYTES 18
#define MSGS 64

union cmsg_buf {
	struct cmsghdr align;
	uint8_t b[64];
};

static void
test_segments(void **state)
{
	(void)state;
	assert_int_equal(sockio_gso_segments(0, 0), 1);		/* an empty datagram */
	assert_int_equal(sockio_gso_segments(0, 64), 1);
	assert_int_equal(sockio_gso_segments(100, 0), 1);	/* came alone */
	assert_int_equal(sockio_gso_segments(64, 64), 1);
	assert_int_equal(sockio_gso_segments(65, 64), 2);
	assert_int_equal(sockio_gso_segments(4096, 64), 64);
	assert_int_equal(sockio_gso_segments(64, 1), 64);
	assert_int_equal(sockio_gso_segments(64 * 1472, 1472), 64);
	/* 44 whole 1472-byte segments and a 739-byte tail. */
	assert_int_equal(sockio_gso_segments(65507, 1472), 45);
}

static void
test_seg_len(void **state)
{
	size_t sum = 0;

	(void)state;
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(sockio_gso_seg_len(4096, 64, i), 64);
	assert_int_equal(sockio_gso_seg_len(4096, 64, 64), 0);
	assert_int_equal(sockio_gso_seg_len(100, 64, 0), 64);
	assert_int_equal(sockio_gso_seg_len(100, 64, 1), 36);
	assert_int_equal(sockio_gso_seg_len(100, 64, 2), 0);
	assert_int_equal(sockio_gso_seg_len(10, 0, 0), 10);
	assert_int_equal(sockio_gso_seg_len(0, 18, 0), 0);
	/* The segments always add up to the datagram. */
	for (unsigned i = 0; i < sockio_gso_segments(65507, 1472); i++)
		sum += sockio_gso_seg_len(65507, 1472, i);
	assert_int_equal(sum, 65507);
	assert_int_equal(sockio_gso_seg_len(65507, 1472, 44), 739);
}

static void
test_segs_per_send(void **state)
{
	(void)state;
	assert_int_equal(sockio_gso_segs_per_send(1), 64);
	assert_int_equal(sockio_gso_segs_per_send(18), 64);
	assert_int_equal(sockio_gso_segs_per_send(1023), 64);	/* 65472 bytes */
	assert_int_equal(sockio_gso_segs_per_send(1024), 63);	/* 64 would be 65536 */
	assert_int_equal(sockio_gso_segs_per_send(1400), 46);
	assert_int_equal(sockio_gso_segs_per_send(1472), 44);
	assert_int_equal(sockio_gso_segs_per_send(32753), 2);
	assert_int_equal(sockio_gso_segs_per_send(32754), 1);
	assert_int_equal(sockio_gso_segs_per_send(65507), 1);
	assert_int_equal(sockio_gso_segs_per_send(70000), 1);
	for (uint32_t s = 1; s <= 65507; s++)
		assert_true(sockio_gso_segs_per_send(s) * s <= SOCKIO_GSO_BYTES_MAX ||
			    sockio_gso_segs_per_send(s) == 1);
}

/* The UDP_SEGMENT cmsg is exactly what the kernel accepts: level, type, a u16, nothing more. */
static void
test_gso_cmsg(void **state)
{
	union cmsg_buf buf;
	struct msghdr h = { 0 };
	struct cmsghdr *c;
	uint16_t v;

	(void)state;
	memset(&buf, 0xa5, sizeof(buf));
	sockio_gso_cmsg_set(&h, buf.b, 1472);
	assert_ptr_equal(h.msg_control, buf.b);
	assert_int_equal(h.msg_controllen, CMSG_SPACE(sizeof(uint16_t)));
	c = CMSG_FIRSTHDR(&h);
	assert_non_null(c);
	assert_int_equal(c->cmsg_level, SOL_UDP);
	assert_int_equal(c->cmsg_type, UDP_SEGMENT);
	assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(uint16_t)));
	memcpy(&v, CMSG_DATA(c), sizeof(v));
	assert_int_equal(v, 1472);
	assert_null(CMSG_NXTHDR(&h, c));
}

/* Build a received control area holding one cmsg of level/type with len bytes of value. */
static void
put_cmsg(struct msghdr *h, union cmsg_buf *buf, int level, int type, const void *val,
	 size_t len)
{
	struct cmsghdr *c;

	memset(buf, 0, sizeof(*buf));
	h->msg_control = buf->b;
	h->msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), val, len);
}

static void
test_gro_size(void **state)
{
	union cmsg_buf buf;
	struct msghdr h = { 0 };
	int i64 = 64, ineg = -1;
	uint16_t u18 = 18;

	(void)state;
	assert_int_equal(sockio_gro_size(&h), 0);		/* no control data */
	put_cmsg(&h, &buf, SOL_UDP, UDP_GRO, &i64, sizeof(i64));	/* what Linux writes */
	assert_int_equal(sockio_gro_size(&h), 64);
	put_cmsg(&h, &buf, SOL_UDP, UDP_GRO, &u18, sizeof(u18));
	assert_int_equal(sockio_gro_size(&h), 18);
	put_cmsg(&h, &buf, SOL_UDP, UDP_GRO, &ineg, sizeof(ineg));
	assert_int_equal(sockio_gro_size(&h), 0);
	put_cmsg(&h, &buf, SOL_IP, UDP_GRO, &i64, sizeof(i64));	/* another level */
	assert_int_equal(sockio_gro_size(&h), 0);
	put_cmsg(&h, &buf, SOL_UDP, UDP_SEGMENT, &i64, sizeof(i64));
	assert_int_equal(sockio_gro_size(&h), 0);
}

/* A bound loopback UDP socket with a receive timeout; fills *port. */
static int
udp_bound(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_usec = RECV_TIMEOUT_MS * 1000 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Send MSGS messages of MSG_BYTES to port with one UDP_SEGMENT sendmsg, one iovec each. */
static void
gso_send(int fd, uint16_t port, uint8_t msgs[MSGS][MSG_BYTES])
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct iovec iov[MSGS];
	union cmsg_buf cbuf;
	struct msghdr h = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = iov,
			    .msg_iovlen = MSGS };

	for (unsigned i = 0; i < MSGS; i++) {
		memset(msgs[i], (int)i, MSG_BYTES);
		iov[i] = (struct iovec){ .iov_base = msgs[i], .iov_len = MSG_BYTES };
	}
	sockio_gso_cmsg_set(&h, cbuf.b, MSG_BYTES);
	assert_int_equal(sendmsg(fd, &h, 0), MSGS * MSG_BYTES);
}

/* Skips when the kernel lacks the options; otherwise enables them on rx. */
static void
enable_or_skip(int fd)
{
	char err[ERR_LEN];
	int rc = sockio_udp_gso_enable(fd, "the test socket", err, sizeof(err));

	if (rc == -ENOPROTOOPT) {
		print_message("%s\n", err);
		skip();
	}
	assert_int_equal(rc, 0);
}

static void
test_loopback_gro(void **state)
{
	static uint8_t msgs[MSGS][MSG_BYTES], got[MSGS * MSG_BYTES + 1];
	union cmsg_buf cbuf;
	struct iovec iov = { .iov_base = got, .iov_len = sizeof(got) };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1 };
	uint16_t port, tx_port;
	int rx = udp_bound(&port), tx = udp_bound(&tx_port);
	ssize_t n;

	(void)state;
	enable_or_skip(rx);
	gso_send(tx, port, msgs);
	h.msg_control = cbuf.b;
	h.msg_controllen = SOCKIO_GRO_CMSG_BYTES;
	n = recvmsg(rx, &h, 0);
	/* Loopback hands the super-datagram over whole, with its segment size. */
	assert_int_equal(n, MSGS * MSG_BYTES);
	assert_int_equal(sockio_gro_size(&h), MSG_BYTES);
	assert_int_equal(sockio_gso_segments((size_t)n, sockio_gro_size(&h)), MSGS);
	assert_memory_equal(got, msgs, sizeof(msgs));
	close(rx);
	close(tx);
}

static void
test_loopback_no_gro(void **state)
{
	static uint8_t msgs[MSGS][MSG_BYTES];
	uint8_t got[MSG_BYTES + 1];
	uint16_t port, tx_port;
	int rx = udp_bound(&port), tx = udp_bound(&tx_port);

	(void)state;
	enable_or_skip(tx);	/* only to skip where the kernel has no GSO */
	gso_send(tx, port, msgs);
	/* A socket without UDP_GRO gets every segment as a datagram of its own, in order. */
	for (unsigned i = 0; i < MSGS; i++) {
		assert_int_equal(recv(rx, got, sizeof(got), 0), MSG_BYTES);
		assert_memory_equal(got, msgs[i], MSG_BYTES);
	}
	close(rx);
	close(tx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_seg_len),
		cmocka_unit_test(test_segs_per_send),
		cmocka_unit_test(test_gso_cmsg),
		cmocka_unit_test(test_gro_size),
		cmocka_unit_test(test_loopback_gro),
		cmocka_unit_test(test_loopback_no_gro),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
