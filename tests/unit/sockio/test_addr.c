/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the shared address parser (lib/sockio/addr.h): good and bad inputs, formatting. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include <cmocka.h>

#include "sockio/addr.h"

#define ERR_LEN 256

static void
test_udp_ipv4(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "";
	const struct sockaddr_in *in = (const struct sockaddr_in *)&a.ss;

	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:7", &a, err, sizeof(err)), 0);
	assert_int_equal(a.transport, SOCKIO_UDP);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.socktype, SOCK_DGRAM);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 7);
	assert_int_equal(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_string_equal(a.text, "udp:127.0.0.1:7");
	assert_null(sockio_addr_path(&a));
}

static void
test_tcp_ipv6_brackets(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "";
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a.ss;

	assert_int_equal(sockio_addr_parse("tcp:[::1]:8080", &a, err, sizeof(err)), 0);
	assert_int_equal(a.transport, SOCKIO_TCP);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.socktype, SOCK_STREAM);
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(in6->sin6_port), 8080);
	assert_memory_equal(&in6->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback));
	assert_string_equal(a.text, "tcp:[::1]:8080");

	/* Canonical text is the numeric form, whatever the spelling. */
	assert_int_equal(sockio_addr_parse("udp:[0:0:0:0:0:0:0:1]:65535", &a, err, sizeof(err)),
			 0);
	assert_string_equal(a.text, "udp:[::1]:65535");
}

static void
test_port_bounds(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "";

	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:1", &a, err, sizeof(err)), 0);
	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:65535", &a, err, sizeof(err)), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.ss)->sin_port), 65535);

	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:0", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "out of range (want 1..65535)"));
	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:65536", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "port 65536 is out of range"));
	assert_int_equal(sockio_addr_parse("tcp:127.0.0.1:99999999999999999999", &a, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:-1", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not a number"));
	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:7x", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not a number"));
	assert_int_equal(sockio_addr_parse("udp:127.0.0.1: 7", &a, err, sizeof(err)), -EINVAL);
}

static void
test_missing_parts(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "";

	assert_int_equal(sockio_addr_parse("udp:127.0.0.1", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing ':PORT'"));
	assert_int_equal(sockio_addr_parse("udp:127.0.0.1:", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing port"));
	assert_int_equal(sockio_addr_parse("tcp:[::1]", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing ':PORT' after ']'"));
	assert_int_equal(sockio_addr_parse("tcp:[::1]7", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(sockio_addr_parse("tcp:[::1:7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing ']'"));
	assert_int_equal(sockio_addr_parse("udp::7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing host"));
	assert_int_equal(sockio_addr_parse("udp:[]:7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing host"));
	assert_int_equal(sockio_addr_parse("udp:", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(sockio_addr_parse("127.0.0.1:7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown transport '127.0.0.1'"));
	assert_int_equal(sockio_addr_parse("localhost", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing transport"));
	assert_int_equal(sockio_addr_parse("", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty address"));
	assert_int_equal(sockio_addr_parse(NULL, &a, err, sizeof(err)), -EINVAL);
}

static void
test_bad_hosts(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "";

	assert_int_equal(sockio_addr_parse("udp:::1:7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "needs brackets (e.g. udp:[::1]:7)"));
	assert_int_equal(sockio_addr_parse("udp:[127.0.0.1]:7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'127.0.0.1' is not an IPv6 address"));
	assert_int_equal(sockio_addr_parse("udp:1.2.3.400:7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'1.2.3.400' is not an IPv4 address"));
	assert_int_equal(sockio_addr_parse("tcp:[::g]:7", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(sockio_addr_parse("sctp:127.0.0.1:7", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown transport 'sctp'"));
	/* Transport names are exact: no case folding, no prefixes. */
	assert_int_equal(sockio_addr_parse("UDP:127.0.0.1:7", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(sockio_addr_parse("uds:/tmp/x", &a, err, sizeof(err)), -EINVAL);
}

static void
test_localhost_name(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "";

	/* "localhost" comes from /etc/hosts, never from DNS; either family is correct. */
	assert_int_equal(sockio_addr_parse("tcp:localhost:80", &a, err, sizeof(err)), 0);
	assert_true(a.family == AF_INET || a.family == AF_INET6);
	assert_true(strcmp(a.text, "tcp:127.0.0.1:80") == 0 || strcmp(a.text, "tcp:[::1]:80") == 0);
}

static void
test_uds_paths(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "";
	const struct sockaddr_un *un = (const struct sockaddr_un *)&a.ss;

	assert_int_equal(sockio_addr_parse("uds-stream:/tmp/e.sock", &a, err, sizeof(err)), 0);
	assert_int_equal(a.transport, SOCKIO_UDS_STREAM);
	assert_int_equal(a.family, AF_UNIX);
	assert_int_equal(a.socktype, SOCK_STREAM);
	assert_string_equal(un->sun_path, "/tmp/e.sock");
	assert_int_equal(a.len, offsetof(struct sockaddr_un, sun_path) + strlen("/tmp/e.sock") + 1);
	assert_string_equal(sockio_addr_path(&a), "/tmp/e.sock");
	assert_string_equal(a.text, "uds-stream:/tmp/e.sock");

	assert_int_equal(sockio_addr_parse("uds-dgram:rel.sock", &a, err, sizeof(err)), 0);
	assert_int_equal(a.socktype, SOCK_DGRAM);
	assert_string_equal(sockio_addr_path(&a), "rel.sock");

	/* A colon belongs to the path, not to a port. */
	assert_int_equal(sockio_addr_parse("uds-seqpacket:/tmp/a:b", &a, err, sizeof(err)), 0);
	assert_int_equal(a.socktype, SOCK_SEQPACKET);
	assert_string_equal(sockio_addr_path(&a), "/tmp/a:b");

	assert_int_equal(sockio_addr_parse("uds-stream:", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing socket path"));
}

static void
test_uds_path_length(void **state)
{
	char s[sizeof("uds-stream:") + sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	const size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	struct sockio_addr a;
	char err[ERR_LEN] = "";

	strcpy(s, "uds-stream:/");
	memset(s + strlen(s), 'p', max - 1);
	s[strlen("uds-stream:") + max] = '\0';
	assert_int_equal(strlen(s), strlen("uds-stream:") + max);
	assert_int_equal(sockio_addr_parse(s, &a, err, sizeof(err)), 0);
	assert_int_equal(strlen(sockio_addr_path(&a)), max);

	strcat(s, "p");
	assert_int_equal(sockio_addr_parse(s, &a, err, sizeof(err)), -ENAMETOOLONG);
	assert_non_null(strstr(err, "path is 108 bytes; a Unix socket path holds at most 107"));
}

static void
test_uds_abstract(void **state)
{
	struct sockio_addr a;
	char err[ERR_LEN] = "", buf[SOCKIO_ADDR_TEXT_MAX];
	const struct sockaddr_un *un = (const struct sockaddr_un *)&a.ss;

	assert_int_equal(sockio_addr_parse("uds-dgram:@echo", &a, err, sizeof(err)), 0);
	assert_int_equal(un->sun_path[0], '\0');
	assert_memory_equal(un->sun_path + 1, "echo", 4);
	assert_int_equal(a.len, offsetof(struct sockaddr_un, sun_path) + 1 + 4);
	assert_null(sockio_addr_path(&a));
	assert_string_equal(a.text, "uds-dgram:@echo");
	assert_string_equal(sockio_addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof(buf)),
			    "@echo");

	assert_int_equal(sockio_addr_parse("uds-dgram:@", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing name after '@'"));
}

static void
test_format(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/run/x.sock" };
	char buf[SOCKIO_ADDR_TEXT_MAX], small[8];

	inet_pton(AF_INET, "198.18.0.2", &in.sin_addr);
	assert_string_equal(sockio_addr_format((struct sockaddr *)&in, sizeof(in), buf,
					       sizeof(buf)), "198.18.0.2:9");
	inet_pton(AF_INET6, "2001:db8::5", &in6.sin6_addr);
	assert_string_equal(sockio_addr_format((struct sockaddr *)&in6, sizeof(in6), buf,
					       sizeof(buf)), "[2001:db8::5]:443");
	assert_string_equal(sockio_addr_format((struct sockaddr *)&un, sizeof(un), buf,
					       sizeof(buf)), "/run/x.sock");
	assert_string_equal(sockio_addr_format((struct sockaddr *)&un, sizeof(sa_family_t), buf,
					       sizeof(buf)), "(unnamed)");
	/* A short buffer truncates, never overflows. */
	assert_string_equal(sockio_addr_format((struct sockaddr *)&in, sizeof(in), small,
					       sizeof(small)), "198.18.");
}

static void
test_transport_helpers(void **state)
{
	assert_string_equal(sockio_transport_name(SOCKIO_UDP), "udp");
	assert_string_equal(sockio_transport_name(SOCKIO_TCP), "tcp");
	assert_string_equal(sockio_transport_name(SOCKIO_UDS_DGRAM), "uds-dgram");
	assert_string_equal(sockio_transport_name(SOCKIO_UDS_STREAM), "uds-stream");
	assert_string_equal(sockio_transport_name(SOCKIO_UDS_SEQPACKET), "uds-seqpacket");
	assert_string_equal(sockio_transport_name(SOCKIO_TRANSPORT_COUNT), "?");
	assert_string_equal(sockio_transport_name((enum sockio_transport)-1), "?");

	assert_false(sockio_transport_is_stream(SOCKIO_UDP));
	assert_true(sockio_transport_is_stream(SOCKIO_TCP));
	assert_false(sockio_transport_is_stream(SOCKIO_UDS_DGRAM));
	assert_true(sockio_transport_is_stream(SOCKIO_UDS_STREAM));
	assert_false(sockio_transport_is_stream(SOCKIO_UDS_SEQPACKET));

	assert_false(sockio_transport_is_connected(SOCKIO_UDP));
	assert_true(sockio_transport_is_connected(SOCKIO_TCP));
	assert_false(sockio_transport_is_connected(SOCKIO_UDS_DGRAM));
	assert_true(sockio_transport_is_connected(SOCKIO_UDS_STREAM));
	assert_true(sockio_transport_is_connected(SOCKIO_UDS_SEQPACKET));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_ipv4),
		cmocka_unit_test(test_tcp_ipv6_brackets),
		cmocka_unit_test(test_port_bounds),
		cmocka_unit_test(test_missing_parts),
		cmocka_unit_test(test_bad_hosts),
		cmocka_unit_test(test_localhost_name),
		cmocka_unit_test(test_uds_paths),
		cmocka_unit_test(test_uds_path_length),
		cmocka_unit_test(test_uds_abstract),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_transport_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
