/* SPDX-License-Identifier: BSD-3-Clause */
/* The address syntax shared by sock-echo and echo-gen: "udp:HOST:PORT", "uds-stream:PATH", ... */
#ifndef SOCKIO_ADDR_H
#define SOCKIO_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum sockio_transport {
	SOCKIO_UDP,
	SOCKIO_TCP,
	SOCKIO_UDS_DGRAM,
	SOCKIO_UDS_STREAM,
	SOCKIO_UDS_SEQPACKET,
	SOCKIO_TRANSPORT_COUNT,
};

/* Room for "uds-seqpacket:" and the longest sun_path, or "tcp:[v6%scope]:65535". */
#define SOCKIO_ADDR_TEXT_MAX 160

struct sockio_addr {
	enum sockio_transport transport;
	int family;			/* AF_INET, AF_INET6 or AF_UNIX */
	int socktype;			/* SOCK_DGRAM, SOCK_STREAM or SOCK_SEQPACKET */
	struct sockaddr_storage ss;
	socklen_t len;			/* bytes of ss that socket calls use */
	char text[SOCKIO_ADDR_TEXT_MAX]; /* canonical form, e.g. "udp:[::1]:7" */
};

/*
 * Parse "TRANSPORT:ENDPOINT". IP endpoints are HOST:PORT with PORT 1..65535 and HOST a numeric
 * IPv4 address, a bracketed IPv6 address ("[::1]", "[fe80::1%lo]") or a name the resolver knows.
 * UDS endpoints are a filesystem path (shorter than sun_path), or "@name" for Linux's abstract
 * namespace. Returns 0, or -EINVAL (-ENAMETOOLONG for a long path) with the reason in err.
 */
int sockio_addr_parse(const char *s, struct sockio_addr *out, char *err, size_t errlen);

/*
 * Write the endpoint part of a socket address into buf: "127.0.0.1:7", "[::1]:7", "/run/e.sock",
 * "@name", or "(unnamed)" for an unbound Unix socket. Returns buf, so it fits in a printf.
 */
const char *sockio_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen);

/* "udp", "tcp", "uds-dgram", "uds-stream", "uds-seqpacket"; "?" for anything else. */
const char *sockio_transport_name(enum sockio_transport t);

/* True for byte streams (tcp, uds-stream), whose reads and writes keep no message boundaries. */
bool sockio_transport_is_stream(enum sockio_transport t);

/* True where the server keeps a connection per client (tcp, uds-stream, uds-seqpacket). */
bool sockio_transport_is_connected(enum sockio_transport t);

/* The path of a UDS address in the file system, or NULL for IP and abstract addresses. */
const char *sockio_addr_path(const struct sockio_addr *a);

#endif
