/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the socket helpers (lib/sockio/sock.h): UDS path safety, bind errors, connect. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/res.h"
#include "sockio/sock.h"

#define ERR_LEN 256
#define RECV_TIMEOUT_MS 50

struct fixture {
	char dir[64];
	char path[128];
	char addr[160];
};

static int
setup_dir(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/sockio-unit.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/s.sock", f->dir);
	*state = f;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct sockio_listen_opts
opts_default(void)
{
	return (struct sockio_listen_opts){ .uds_mode = SOCKIO_UDS_MODE_DEFAULT };
}

/* A bound Unix socket at path whose owner has gone: the file stays, nobody listens. */
static void
make_stale_socket(const char *path, int type)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	assert_true(fd >= 0);
	strcpy(un.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	close(fd);
}

static void
test_claim_absent(void **state)
{
	struct fixture *f = *state;
	char err[ERR_LEN] = "";

	assert_int_equal(sockio_uds_claim(f->path, SOCK_STREAM, err, sizeof(err)), 0);
}

static void
test_claim_regular_file(void **state)
{
	struct fixture *f = *state;
	char err[ERR_LEN] = "";
	struct stat st;
	int fd = open(f->path, O_CREAT | O_WRONLY, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(sockio_uds_claim(f->path, SOCK_STREAM, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "exists and is not a socket; not removing it"));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 4);
}

static void
test_claim_stale_socket(void **state)
{
	struct fixture *f = *state;
	char err[ERR_LEN] = "";
	struct stat st;

	make_stale_socket(f->path, SOCK_STREAM);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_int_equal(sockio_uds_claim(f->path, SOCK_STREAM, err, sizeof(err)), 0);
	assert_int_equal(lstat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);

	make_stale_socket(f->path, SOCK_DGRAM);
	assert_int_equal(sockio_uds_claim(f->path, SOCK_DGRAM, err, sizeof(err)), 0);
	assert_int_equal(lstat(f->path, &st), -1);
}

static void
test_claim_live_socket(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_uds_file file;
	struct sockio_addr a;
	char err[ERR_LEN] = "";
	const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	const char *names[] = { "uds-stream", "uds-dgram", "uds-seqpacket" };

	for (size_t i = 0; i < 3; i++) {
		int fd;

		snprintf(f->addr, sizeof(f->addr), "%s:%s", names[i], f->path);
		assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
		fd = sockio_listen(&a, &o, &file, err, sizeof(err));
		assert_true(fd >= 0);
		assert_int_equal(sockio_uds_claim(f->path, types[i], err, sizeof(err)),
				 -EADDRINUSE);
		assert_non_null(strstr(err, "is in use by a running server"));
		/* A live server of another type is still live. */
		assert_int_equal(sockio_uds_claim(f->path, types[(i + 1) % 3], err, sizeof(err)),
				 -EADDRINUSE);
		/* And a second listener on the same path is refused, leaving the first alone. */
		assert_int_equal(sockio_listen(&a, &o, NULL, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "in use by a running server"));
		sockio_uds_file_remove(&file);
		close(fd);
		assert_int_equal(access(f->path, F_OK), -1);
	}
}

static void
test_listen_uds_mode_and_remove(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_uds_file file;
	struct sockio_addr a;
	char err[ERR_LEN] = "";
	struct stat st;
	int fd;

	snprintf(f->addr, sizeof(f->addr), "uds-stream:%s", f->path);
	assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
	o.uds_mode = 0600;
	fd = sockio_listen(&a, &o, &file, err, sizeof(err));
	assert_true(fd >= 0);
	assert_true(file.bound);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	sockio_uds_file_remove(&file);
	assert_false(file.bound);
	assert_int_equal(lstat(f->path, &st), -1);
	close(fd);

	/* Default mode, and a file replaced by someone else's socket is not ours to remove. */
	o = opts_default();
	fd = sockio_listen(&a, &o, &file, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	close(fd);
	unlink(f->path);
	make_stale_socket(f->path, SOCK_STREAM);
	sockio_uds_file_remove(&file);
	assert_int_equal(lstat(f->path, &st), 0);
}

static void
test_listen_on_regular_file(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_addr a;
	char err[ERR_LEN] = "";
	struct stat st;
	int fd = open(f->path, O_CREAT | O_WRONLY, 0600);

	assert_true(fd >= 0);
	close(fd);
	snprintf(f->addr, sizeof(f->addr), "uds-dgram:%s", f->path);
	assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
	assert_int_equal(sockio_listen(&a, &o, NULL, err, sizeof(err)), -1);
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void
test_listen_missing_dir(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_addr a;
	char err[ERR_LEN] = "";

	snprintf(f->addr, sizeof(f->addr), "uds-stream:%s/no/such/dir.sock", f->dir);
	assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
	assert_int_equal(sockio_listen(&a, &o, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory (the directory does not exist"));
}

/* A loopback port that was free a moment ago. */
static int
free_port(int type)
{
	struct sockaddr_in in = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, type, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	port = ntohs(in.sin_port);
	close(fd);
	return port;
}

static void
test_tcp_port_in_use(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_addr a;
	char err[ERR_LEN] = "", want[ERR_LEN];
	int fd, fd2;

	snprintf(f->addr, sizeof(f->addr), "tcp:127.0.0.1:%d", free_port(SOCK_STREAM));
	assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
	assert_int_equal(sockio_ip_check_free(&a, err, sizeof(err)), 0);
	fd = sockio_listen(&a, &o, NULL, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(sockio_listen(&a, &o, NULL, err, sizeof(err)), -1);
	assert_int_equal(errno, EADDRINUSE);
	snprintf(want, sizeof(want), "bind %s: Address already in use (another socket", f->addr);
	assert_non_null(strstr(err, want));
	assert_int_equal(sockio_ip_check_free(&a, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, want));
	close(fd);

	/* A SO_REUSEPORT group shares the port, and the check still sees it taken. */
	o.reuseport = true;
	fd = sockio_listen(&a, &o, NULL, err, sizeof(err));
	assert_true(fd >= 0);
	fd2 = sockio_listen(&a, &o, NULL, err, sizeof(err));
	assert_true(fd2 >= 0);
	assert_int_equal(sockio_ip_check_free(&a, err, sizeof(err)), -EADDRINUSE);
	close(fd);
	close(fd2);
}

static void
test_udp_port_in_use(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_addr a;
	char err[ERR_LEN] = "";
	int fd;

	snprintf(f->addr, sizeof(f->addr), "udp:127.0.0.1:%d", free_port(SOCK_DGRAM));
	assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
	fd = sockio_listen(&a, &o, NULL, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(sockio_ip_check_free(&a, err, sizeof(err)), -EADDRINUSE);
	assert_int_equal(sockio_listen(&a, &o, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Address already in use"));
	close(fd);
}

static void
test_tcp_connect_accept_echo(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_addr a;
	char err[ERR_LEN] = "", buf[8];
	int lfd, cfd, sfd;

	snprintf(f->addr, sizeof(f->addr), "tcp:127.0.0.1:%d", free_port(SOCK_STREAM));
	assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
	lfd = sockio_listen(&a, &o, NULL, err, sizeof(err));
	assert_true(lfd >= 0);
	cfd = sockio_connect(&a, true, err, sizeof(err));
	assert_true(cfd >= 0);
	assert_true(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	sfd = sockio_accept(lfd, true);
	assert_true(sfd >= 0);
	assert_true(fcntl(sfd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(sfd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(send(cfd, "ping", 4, 0), 4);
	assert_int_equal(sockio_set_nonblock(sfd, false), 0);
	assert_int_equal(recv(sfd, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "ping", 4);
	close(sfd);
	close(cfd);
	close(lfd);

	/* Nobody listens any more. */
	assert_int_equal(sockio_connect(&a, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Connection refused (is the server running?)"));
}

static void
test_uds_dgram_client_autobinds(void **state)
{
	struct fixture *f = *state;
	struct sockio_listen_opts o = opts_default();
	struct sockio_uds_file file;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct sockio_addr a;
	char err[ERR_LEN] = "", buf[8], name[SOCKIO_ADDR_TEXT_MAX];
	int sfd, cfd;

	snprintf(f->addr, sizeof(f->addr), "uds-dgram:%s", f->path);
	assert_int_equal(sockio_addr_parse(f->addr, &a, err, sizeof(err)), 0);
	sfd = sockio_listen(&a, &o, &file, err, sizeof(err));
	assert_true(sfd >= 0);
	cfd = sockio_connect(&a, false, err, sizeof(err));
	assert_true(cfd >= 0);
	assert_int_equal(send(cfd, "abc", 3, 0), 3);
	assert_int_equal(recvfrom(sfd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen), 3);
	assert_true(plen > sizeof(sa_family_t));
	assert_int_equal(sockio_addr_format((struct sockaddr *)&peer, plen, name, sizeof(name))[0],
			 '@');
	assert_int_equal(sendto(sfd, buf, 3, 0, (struct sockaddr *)&peer, plen), 3);
	assert_int_equal(recv(cfd, buf, sizeof(buf), 0), 3);
	assert_memory_equal(buf, "abc", 3);
	close(cfd);
	close(sfd);
	sockio_uds_file_remove(&file);
}

static void
test_timeouts(void **state)
{
	int sv[2];
	char c;
	uint64_t t0;
	double ms;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(sockio_set_timeouts(sv[0], RECV_TIMEOUT_MS), 0);
	t0 = clock_now_ns();
	assert_int_equal(recv(sv[0], &c, 1, 0), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	ms = (double)(clock_now_ns() - t0) / 1e6;
	assert_true(ms >= RECV_TIMEOUT_MS * 0.9);
	assert_true(ms < RECV_TIMEOUT_MS * 10);
	assert_int_equal(sockio_set_nonblock(sv[1], true), 0);
	assert_true(fcntl(sv[1], F_GETFL) & O_NONBLOCK);
	assert_int_equal(sockio_set_nonblock(sv[1], false), 0);
	assert_false(fcntl(sv[1], F_GETFL) & O_NONBLOCK);
	assert_int_equal(sockio_set_timeouts(-1, RECV_TIMEOUT_MS), -EBADF);
	close(sv[0]);
	close(sv[1]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_claim_absent),
		T(test_claim_regular_file),
		T(test_claim_stale_socket),
		T(test_claim_live_socket),
		T(test_listen_uds_mode_and_remove),
		T(test_listen_on_regular_file),
		T(test_listen_missing_dir),
		T(test_tcp_port_in_use),
		T(test_udp_port_in_use),
		T(test_tcp_connect_accept_echo),
		T(test_uds_dgram_client_autobinds),
		T(test_timeouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
