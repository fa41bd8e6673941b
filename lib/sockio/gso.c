/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP GSO and GRO: the control messages that carry the segment size, and turning GRO on. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>

#include "sockio/gso.h"

#ifndef SOL_UDP
#define SOL_UDP IPPROTO_UDP
#endif

unsigned
sockio_gro_size(const struct msghdr *h)
{
	/* CMSG_FIRSTHDR takes a non-const msghdr, though it only reads it. */
	struct msghdr *m = (struct msghdr *)h;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO)
			continue;
		if (c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v > 0 ? (unsigned)v : 0;
		}
		if (c->cmsg_len >= CMSG_LEN(sizeof(uint16_t))) {
			uint16_t v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v;
		}
	}
	return 0;
}

void
sockio_gso_cmsg_set(struct msghdr *h, void *buf, uint16_t gso_size)
{
	struct cmsghdr *c;

	h->msg_control = buf;
	h->msg_controllen = SOCKIO_GSO_CMSG_BYTES;
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	/* The kernel wants exactly a u16 here and refuses any other length (EINVAL). */
	c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(c), &gso_size, sizeof(gso_size));
}

int
sockio_udp_gso_enable(int fd, const char *what, char *err, size_t errlen)
{
	int on = 1, none = 0;

	if (setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) != 0) {
		int e = errno;

		snprintf(err, errlen, "setsockopt UDP_GRO on %s: %s (--gso needs UDP GRO, Linux 5.0 "
			 "or later)", what, strerror(e));
		return -e;
	}
	/* A segment size of 0 is the default (no GSO): it only asks whether the option exists. */
	if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &none, sizeof(none)) != 0) {
		int e = errno;

		snprintf(err, errlen, "setsockopt UDP_SEGMENT on %s: %s (--gso needs UDP GSO, "
			 "Linux 4.18 or later)", what, strerror(e));
		return -e;
	}
	return 0;
}
