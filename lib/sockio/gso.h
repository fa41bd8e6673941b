/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP segmentation offload (UDP_SEGMENT, send) and UDP GRO (UDP_GRO, receive): one datagram
 * carries up to 64 messages of one size through the stack, cut into real datagrams only where
 * a receiver cannot take them whole. */
#ifndef SOCKIO_GSO_H
#define SOCKIO_GSO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Segments one UDP_SEGMENT send may carry everywhere: the kernel's UDP_MAX_SEGMENTS was 64 from
 * Linux 4.18 on (recent kernels, 6.18 here, accept 128). It is also the most UDP GRO coalesces.
 */
#define SOCKIO_GSO_SEGS_MAX	64
/* UDP payload of one GSO send, all segments together: 65535 - 20 (IPv4) - 8 (UDP). */
#define SOCKIO_GSO_BYTES_MAX	65507u
/* Control buffer of a send: one UDP_SEGMENT cmsg, the segment size as a u16. */
#define SOCKIO_GSO_CMSG_BYTES	CMSG_SPACE(sizeof(uint16_t))
/* Control buffer of a receive: one UDP_GRO cmsg, the segment size as an int. */
#define SOCKIO_GRO_CMSG_BYTES	CMSG_SPACE(sizeof(int))

/*
 * Messages in a datagram of len bytes received with segment size gso_size (0: it came alone):
 * ceil(len / gso_size), and 1 for an uncoalesced or empty datagram.
 */
static inline unsigned
sockio_gso_segments(size_t len, unsigned gso_size)
{
	if (gso_size == 0 || len <= gso_size)
		return 1;
	return (unsigned)((len + gso_size - 1) / gso_size);
}

/* Length of segment i (from 0) of that datagram: gso_size, the last one what is left. */
static inline size_t
sockio_gso_seg_len(size_t len, unsigned gso_size, unsigned i)
{
	size_t off;

	if (gso_size == 0)
		return len;
	off = (size_t)i * gso_size;
	if (off >= len)
		return 0;
	return len - off < gso_size ? len - off : gso_size;
}

/*
 * How many messages of size bytes one GSO send may carry: at most SOCKIO_GSO_SEGS_MAX and
 * SOCKIO_GSO_BYTES_MAX bytes in all; 1 (no point in GSO) for messages over half of that.
 */
static inline unsigned
sockio_gso_segs_per_send(uint32_t size)
{
	uint32_t n = size == 0 ? SOCKIO_GSO_SEGS_MAX : SOCKIO_GSO_BYTES_MAX / size;

	if (n > SOCKIO_GSO_SEGS_MAX)
		n = SOCKIO_GSO_SEGS_MAX;
	return n > 0 ? n : 1;
}

/*
 * The segment size the kernel reported in h's UDP_GRO cmsg after a receive, or 0 when there
 * is none (the datagram came alone). Reads the int Linux writes, or a u16.
 */
unsigned sockio_gro_size(const struct msghdr *h);

/*
 * Make h's control data one UDP_SEGMENT cmsg of gso_size, in buf (SOCKIO_GSO_CMSG_BYTES,
 * suitably aligned), so the kernel cuts h's payload into gso_size-byte datagrams.
 */
void sockio_gso_cmsg_set(struct msghdr *h, void *buf, uint16_t gso_size);

/*
 * Turn UDP GRO on for fd (so datagrams sent with UDP_SEGMENT arrive whole, with their segment
 * size in a cmsg) and check that the kernel knows UDP_SEGMENT for replies. what names the
 * socket in messages. Returns 0, or a negative errno with err naming the missing kernel feature.
 */
int sockio_udp_gso_enable(int fd, const char *what, char *err, size_t errlen);

#endif
