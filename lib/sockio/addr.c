/* SPDX-License-Identifier: BSD-3-Clause */
/* The address syntax shared by sock-echo and echo-gen: "udp:HOST:PORT", "uds-stream:PATH", ... */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "sockio/addr.h"

#define PORT_MAX 65535
#define HOST_MAX 256
/* "[" IPv6 "%" scope "]:" port */
#define IP_ENDPOINT_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE + 16)

static const struct {
	const char *name;
	int family;
	int socktype;
} transports[SOCKIO_TRANSPORT_COUNT] = {
	[SOCKIO_UDP] = { "udp", AF_INET, SOCK_DGRAM },
	[SOCKIO_TCP] = { "tcp", AF_INET, SOCK_STREAM },
	[SOCKIO_UDS_DGRAM] = { "uds-dgram", AF_UNIX, SOCK_DGRAM },
	[SOCKIO_UDS_STREAM] = { "uds-stream", AF_UNIX, SOCK_STREAM },
	[SOCKIO_UDS_SEQPACKET] = { "uds-seqpacket", AF_UNIX, SOCK_SEQPACKET },
};

#define SYNTAX_HINT "udp:HOST:PORT, tcp:HOST:PORT, uds-dgram:PATH, uds-stream:PATH or " \
	"uds-seqpacket:PATH"

const char *
sockio_transport_name(enum sockio_transport t)
{
	if ((unsigned)t >= SOCKIO_TRANSPORT_COUNT)
		return "?";
	return transports[t].name;
}

bool
sockio_transport_is_stream(enum sockio_transport t)
{
	return t == SOCKIO_TCP || t == SOCKIO_UDS_STREAM;
}

bool
sockio_transport_is_connected(enum sockio_transport t)
{
	return t == SOCKIO_TCP || t == SOCKIO_UDS_STREAM || t == SOCKIO_UDS_SEQPACKET;
}

const char *
sockio_addr_path(const struct sockio_addr *a)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)&a->ss;

	if (a->family != AF_UNIX || un->sun_path[0] == '\0')
		return NULL;
	return un->sun_path;
}

const char *
sockio_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	size_t off = offsetof(struct sockaddr_un, sun_path);

	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
		snprintf(buf, buflen, "%s:%u", host,
			 ntohs(((const struct sockaddr_in *)sa)->sin_port));
		break;
	case AF_INET6:
		/* getnameinfo keeps a link-local scope ("fe80::1%lo"); inet_ntop would drop it. */
		if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(host, sizeof(host), "?");
		snprintf(buf, buflen, "[%s]:%u", host,
			 ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
		break;
	case AF_UNIX:
		if (len <= off)
			snprintf(buf, buflen, "(unnamed)");
		else if (un->sun_path[0] == '\0')
			snprintf(buf, buflen, "@%.*s", (int)(len - off - 1), un->sun_path + 1);
		else
			snprintf(buf, buflen, "%.*s", (int)(len - off), un->sun_path);
		break;
	default:
		snprintf(buf, buflen, "(family %d)", sa->sa_family);
		break;
	}
	return buf;
}

static int
addr_parse_port(const char *s, const char *whole, in_port_t *port, char *err, size_t errlen)
{
	char *end;
	long v;

	if (*s == '\0') {
		snprintf(err, errlen, "'%s': missing port after ':' (want 1..%d)", whole, PORT_MAX);
		return -EINVAL;
	}
	if (*s < '0' || *s > '9') {
		snprintf(err, errlen, "'%s': port '%s' is not a number (want 1..%d)", whole, s,
			 PORT_MAX);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0') {
		snprintf(err, errlen, "'%s': port '%s' is not a number (want 1..%d)", whole, s,
			 PORT_MAX);
		return -EINVAL;
	}
	if (errno != 0 || v < 1 || v > PORT_MAX) {
		snprintf(err, errlen, "'%s': port %s is out of range (want 1..%d)", whole, s,
			 PORT_MAX);
		return -EINVAL;
	}
	*port = htons((in_port_t)v);
	return 0;
}

static bool
host_is_dotted(const char *h)
{
	return strspn(h, "0123456789.") == strlen(h);
}

/* Resolve host (no brackets) into out->ss; numeric forms never reach the resolver. */
static int
addr_resolve_host(const char *host, bool bracketed, const char *whole, struct sockio_addr *out,
		  char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = out->socktype }, *res;
	int rc;

	if (bracketed) {
		hints.ai_family = AF_INET6;
		hints.ai_flags = AI_NUMERICHOST;
	} else if (host_is_dotted(host)) {
		hints.ai_family = AF_INET;
		hints.ai_flags = AI_NUMERICHOST;
	} else {
		hints.ai_family = AF_UNSPEC;
	}
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		if (bracketed)
			snprintf(err, errlen, "'%s': '%s' is not an IPv6 address", whole, host);
		else if (hints.ai_flags & AI_NUMERICHOST)
			snprintf(err, errlen, "'%s': '%s' is not an IPv4 address", whole, host);
		else
			snprintf(err, errlen, "'%s': cannot resolve host '%s': %s", whole, host,
				 gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	out->family = res->ai_family;
	freeaddrinfo(res);
	return 0;
}

static int
addr_parse_ip(const char *ep, const char *whole, struct sockio_addr *out, char *err,
	      size_t errlen)
{
	char host[HOST_MAX], endpoint[IP_ENDPOINT_MAX];
	const char *port, *hend;
	bool bracketed = ep[0] == '[';
	in_port_t nport;
	size_t hlen;
	int rc;

	if (bracketed) {
		hend = strchr(ep, ']');
		if (hend == NULL) {
			snprintf(err, errlen, "'%s': missing ']' after the IPv6 address", whole);
			return -EINVAL;
		}
		ep++;
		if (hend[1] != ':') {
			snprintf(err, errlen, "'%s': missing ':PORT' after ']'", whole);
			return -EINVAL;
		}
		port = hend + 2;
	} else {
		hend = strchr(ep, ':');
		if (hend == NULL) {
			snprintf(err, errlen, "'%s': missing ':PORT' (e.g. %s:127.0.0.1:7)", whole,
				 transports[out->transport].name);
			return -EINVAL;
		}
		if (strchr(hend + 1, ':') != NULL) {
			snprintf(err, errlen,
				 "'%s': an IPv6 host needs brackets (e.g. %s:[::1]:7)", whole,
				 transports[out->transport].name);
			return -EINVAL;
		}
		port = hend + 1;
	}
	hlen = (size_t)(hend - ep);
	if (hlen == 0) {
		snprintf(err, errlen, "'%s': missing host (e.g. 127.0.0.1 or [::1])", whole);
		return -EINVAL;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "'%s': host is longer than %zu bytes", whole,
			 sizeof(host) - 1);
		return -EINVAL;
	}
	memcpy(host, ep, hlen);
	host[hlen] = '\0';

	rc = addr_parse_port(port, whole, &nport, err, errlen);
	if (rc < 0)
		return rc;
	rc = addr_resolve_host(host, bracketed, whole, out, err, errlen);
	if (rc < 0)
		return rc;
	if (out->family == AF_INET)
		((struct sockaddr_in *)&out->ss)->sin_port = nport;
	else
		((struct sockaddr_in6 *)&out->ss)->sin6_port = nport;
	sockio_addr_format((struct sockaddr *)&out->ss, out->len, endpoint, sizeof(endpoint));
	snprintf(out->text, sizeof(out->text), "%s:%s", transports[out->transport].name,
		 endpoint);
	return 0;
}

static int
addr_parse_uds(const char *ep, const char *whole, struct sockio_addr *out, char *err,
	       size_t errlen)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&out->ss;
	bool abstract = ep[0] == '@';
	const char *name = abstract ? ep + 1 : ep;
	size_t n = strlen(name);

	if (n == 0) {
		snprintf(err, errlen, "'%s': missing %s after ':'", whole,
			 abstract ? "name after '@'" : "socket path");
		return -EINVAL;
	}
	/* Path sockets need a terminating NUL inside sun_path; abstract names start after one. */
	if (n > sizeof(un->sun_path) - 1) {
		snprintf(err, errlen,
			 "'%s': %s is %zu bytes; a Unix socket %s holds at most %zu (use a "
			 "shorter path)", whole, abstract ? "name" : "path", n,
			 abstract ? "name" : "path", sizeof(un->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	un->sun_family = AF_UNIX;
	if (abstract) {
		un->sun_path[0] = '\0';
		memcpy(un->sun_path + 1, name, n);
		out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(un->sun_path, name, n + 1);
		out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	out->family = AF_UNIX;
	snprintf(out->text, sizeof(out->text), "%s:%s", transports[out->transport].name, ep);
	return 0;
}

int
sockio_addr_parse(const char *s, struct sockio_addr *out, char *err, size_t errlen)
{
	const char *colon;
	size_t plen;
	int t;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "empty address (want " SYNTAX_HINT ")");
		return -EINVAL;
	}
	colon = strchr(s, ':');
	if (colon == NULL) {
		snprintf(err, errlen, "'%s': missing transport (want " SYNTAX_HINT ")", s);
		return -EINVAL;
	}
	plen = (size_t)(colon - s);
	for (t = 0; t < SOCKIO_TRANSPORT_COUNT; t++) {
		if (strlen(transports[t].name) == plen && strncmp(s, transports[t].name, plen) == 0)
			break;
	}
	if (t == SOCKIO_TRANSPORT_COUNT) {
		snprintf(err, errlen, "'%s': unknown transport '%.*s' (want " SYNTAX_HINT ")", s,
			 (int)plen, s);
		return -EINVAL;
	}
	out->transport = (enum sockio_transport)t;
	out->family = transports[t].family;
	out->socktype = transports[t].socktype;
	if (out->family == AF_UNIX)
		return addr_parse_uds(colon + 1, s, out, err, errlen);
	return addr_parse_ip(colon + 1, s, out, err, errlen);
}
