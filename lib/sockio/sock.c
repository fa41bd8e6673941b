/* SPDX-License-Identifier: BSD-3-Clause */
/* Socket helpers in the spirit of Redis anet.c: an fd or -1, and a message naming what failed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "sockio/sock.h"

/* What to do about the errors users meet when binding; "" when there is nothing to add. */
static const char *
bind_hint(int err, int family)
{
	switch (err) {
	case EADDRINUSE:
		if (family == AF_UNIX)
			return " (another server uses it; stop it or choose another path)";
		return " (another socket holds this port; stop it or choose another port)";
	case EACCES:
		return family == AF_UNIX ? " (no write permission in that directory)"
					 : " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
	case EADDRNOTAVAIL:
		return " (no local interface has this address; use 127.0.0.1 or ::1)";
	case ENOENT:
		return " (the directory does not exist; create it first)";
	default:
		return "";
	}
}

static int
sock_open(const struct sockio_addr *a, bool nonblock, char *err, size_t errlen)
{
	int fd = socket(a->family, a->socktype | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "socket for %s: %s", a->text, strerror(e));
		errno = e;
	}
	return fd;
}

static int
sock_setopt_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) == 0 ? 0 : -errno;
}

int
sockio_set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		return -errno;
	return 0;
}

int
sockio_set_busy_poll(int fd, int us)
{
	return sock_setopt_int(fd, SOL_SOCKET, SO_BUSY_POLL, us);
}

int
sockio_set_bufs(int fd, int bytes, int *rcv, int *snd)
{
	socklen_t len = sizeof(int);
	int rc = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) != 0)
		rc = -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) != 0 && rc == 0)
		rc = -errno;
	if (rcv != NULL && getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcv, &len) != 0)
		*rcv = 0;
	len = sizeof(int);
	if (snd != NULL && getsockopt(fd, SOL_SOCKET, SO_SNDBUF, snd, &len) != 0)
		*snd = 0;
	return rc;
}

uint64_t
sockio_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0 ||
	    len < (SK_MEMINFO_DROPS + 1) * sizeof(mem[0]))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

int
sockio_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) == 0 ? 0 : -errno;
}

int
sockio_uds_claim(const char *path, int socktype, char *err, size_t errlen)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		snprintf(err, errlen, "stat %s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			 "%s exists and is not a socket; not removing it (choose another path)",
			 path);
		return -EEXIST;
	}
	if (strlen(path) >= sizeof(un.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a Unix socket", path);
		return -ENAMETOOLONG;
	}
	strcpy(un.sun_path, path);
	fd = socket(AF_UNIX, socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket to probe %s: %s", path, strerror(errno));
		return rc;
	}
	do {
		rc = connect(fd, (struct sockaddr *)&un, sizeof(un));
	} while (rc != 0 && errno == EINTR);
	rc = rc == 0 ? 0 : errno;
	close(fd);
	switch (rc) {
	case ECONNREFUSED:
		/* Nobody is bound to it: a server that died without cleaning up. */
		if (unlink(path) != 0 && errno != ENOENT) {
			rc = -errno;
			snprintf(err, errlen, "remove stale socket %s: %s", path, strerror(errno));
			return rc;
		}
		log_warn("replaced stale socket %s (no server was listening on it)", path);
		return 0;
	case 0:
	case EAGAIN:		/* a live listener with a full backlog */
	case EPROTOTYPE:	/* a live server of another socket type */
		snprintf(err, errlen,
			 "%s is in use by a running server (stop it or choose another path)", path);
		return -EADDRINUSE;
	default:
		snprintf(err, errlen, "probe %s: %s (remove it if it is stale)", path,
			 strerror(rc));
		return -rc;
	}
}

void
sockio_uds_file_remove(struct sockio_uds_file *file)
{
	struct stat st;

	if (file == NULL || !file->bound)
		return;
	file->bound = false;
	/* Another server may have replaced the file since: remove only the one we created. */
	if (lstat(file->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == file->dev &&
	    st.st_ino == file->ino && st.st_ctim.tv_sec == file->ctime.tv_sec &&
	    st.st_ctim.tv_nsec == file->ctime.tv_nsec)
		unlink(file->path);
}

int
sockio_ip_check_free(const struct sockio_addr *a, char *err, size_t errlen)
{
	int fd, rc = 0;

	fd = sock_open(a, false, err, errlen);
	if (fd < 0)
		return -EIO;
	if (a->family == AF_INET6)
		sock_setopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (a->socktype == SOCK_STREAM)
		sock_setopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		rc = -errno;
		snprintf(err, errlen, "bind %s: %s%s", a->text, strerror(errno),
			 bind_hint(errno, a->family));
	}
	close(fd);
	return rc;
}

static int
sock_bind_uds(int fd, const struct sockio_addr *a, const struct sockio_listen_opts *o,
	      struct sockio_uds_file *file, char *err, size_t errlen)
{
	const char *path = sockio_addr_path(a);
	struct stat st;
	mode_t old;
	int rc;

	if (path != NULL) {
		rc = sockio_uds_claim(path, a->socktype, err, errlen);
		if (rc < 0)
			return rc;
	}
	/* The umask makes the file appear with its final mode, never briefly wider. */
	old = umask(~o->uds_mode & 0777);
	rc = bind(fd, (const struct sockaddr *)&a->ss, a->len);
	umask(old);
	if (rc != 0) {
		rc = -errno;
		snprintf(err, errlen, "bind %s: %s%s", a->text, strerror(errno),
			 bind_hint(errno, AF_UNIX));
		return rc;
	}
	if (path == NULL)
		return 0;
	if (chmod(path, o->uds_mode) != 0 || lstat(path, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "chmod %s %04o: %s", path, (unsigned)o->uds_mode,
			 strerror(errno));
		unlink(path);
		return rc;
	}
	snprintf(file->path, sizeof(file->path), "%s", path);
	file->dev = st.st_dev;
	file->ino = st.st_ino;
	file->ctime = st.st_ctim;
	file->bound = true;
	return 0;
}

int
sockio_listen(const struct sockio_addr *a, const struct sockio_listen_opts *o,
	      struct sockio_uds_file *file, char *err, size_t errlen)
{
	struct sockio_uds_file own = { .bound = false };
	const char *what = NULL;
	int fd, rc, e = 0;

	fd = sock_open(a, o->nonblock, err, errlen);
	if (fd < 0)
		return -1;
	if (a->family == AF_INET6)
		sock_setopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (a->socktype == SOCK_STREAM && a->family != AF_UNIX &&
	    (e = -sock_setopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1)) != 0)
		what = "SO_REUSEADDR";
	/* An echo must not wait for Nagle; accepted sockets inherit it from the listener. */
	else if (a->transport == SOCKIO_TCP &&
		 (e = -sock_setopt_int(fd, IPPROTO_TCP, TCP_NODELAY, 1)) != 0)
		what = "TCP_NODELAY";
	else if (o->reuseport && (e = -sock_setopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) != 0)
		what = "SO_REUSEPORT";
	else if (o->timeout_ms > 0 && (e = -sockio_set_timeouts(fd, o->timeout_ms)) != 0)
		what = "SO_RCVTIMEO";
	if (what != NULL) {
		snprintf(err, errlen, "setsockopt %s on %s: %s", what, a->text, strerror(e));
		goto out_close;
	}
	if (a->family == AF_UNIX) {
		rc = sock_bind_uds(fd, a, o, &own, err, errlen);
		if (rc < 0) {
			e = -rc;
			goto out_close;
		}
	} else if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		e = errno;
		snprintf(err, errlen, "bind %s: %s%s", a->text, strerror(e),
			 bind_hint(e, a->family));
		goto out_close;
	}
	if (sockio_transport_is_connected(a->transport) &&
	    listen(fd, o->backlog > 0 ? o->backlog : SOCKIO_LISTEN_BACKLOG) != 0) {
		e = errno;
		snprintf(err, errlen, "listen %s: %s", a->text, strerror(e));
		goto out_unbind;
	}
	if (file != NULL)
		*file = own;
	return fd;

out_unbind:
	sockio_uds_file_remove(&own);
out_close:
	close(fd);
	errno = e;
	return -1;
}

int
sockio_connect(const struct sockio_addr *a, bool nonblock, char *err, size_t errlen)
{
	int fd, rc;

	fd = sock_open(a, false, err, errlen);
	if (fd < 0)
		return -1;
	if (a->family == AF_UNIX && a->socktype == SOCK_DGRAM) {
		/* An address of only the family asks Linux for an abstract autobind name. */
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		if (bind(fd, (struct sockaddr *)&un, sizeof(sa_family_t)) != 0) {
			snprintf(err, errlen, "autobind for %s: %s", a->text, strerror(errno));
			goto out_close;
		}
	}
	if (a->transport == SOCKIO_TCP && sock_setopt_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) != 0) {
		snprintf(err, errlen, "setsockopt TCP_NODELAY on %s: %s", a->text, strerror(errno));
		goto out_close;
	}
	do {
		rc = connect(fd, (const struct sockaddr *)&a->ss, a->len);
	} while (rc != 0 && errno == EINTR);
	if (rc != 0) {
		bool gone = errno == ECONNREFUSED || errno == ENOENT;

		snprintf(err, errlen, "connect %s: %s%s", a->text, strerror(errno),
			 gone ? " (is the server running?)" : "");
		goto out_close;
	}
	if (nonblock && (rc = sockio_set_nonblock(fd, true)) != 0) {
		snprintf(err, errlen, "O_NONBLOCK on %s: %s", a->text, strerror(-rc));
		goto out_close;
	}
	return fd;

out_close:
	close(fd);
	return -1;
}

int
sockio_accept(int lfd, bool nonblock)
{
	int fd;

	do {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
	} while (fd < 0 && errno == EINTR);
	return fd;
}
