/* SPDX-License-Identifier: BSD-3-Clause */
/* The accuracy check's referee: a minimal blocking ping-pong client, nothing shared with
 * echo-gen's engine (its own clock reads, its own median), one message in flight. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockio/addr.h"
#include "sockio/sock.h"

#define WARMUP_ROUNDS 1000

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Read exactly len bytes (a stream may split the echo). */
static int
read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = recv(fd, buf + got, len - got, 0);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockio_addr a;
	char err[256], *out, *in;
	unsigned size, rounds;
	uint64_t *rtt;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: pingpong ADDRESS SIZE ROUNDS CPU (CPU -1: no pinning)\n");
		return 2;
	}
	size = (unsigned)atoi(argv[2]);
	rounds = (unsigned)atoi(argv[3]);
	if (atoi(argv[4]) >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(atoi(argv[4]), &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			perror("pingpong: sched_setaffinity");
			return 1;
		}
	}
	if (size == 0 || rounds == 0 || sockio_addr_parse(argv[1], &a, err, sizeof(err)) != 0) {
		fprintf(stderr, "pingpong: bad arguments: %s\n", err);
		return 2;
	}
	fd = sockio_connect(&a, false, err, sizeof(err));
	out = calloc(1, size);
	in = malloc(size);
	rtt = malloc(sizeof(*rtt) * rounds);
	if (fd < 0 || out == NULL || in == NULL || rtt == NULL) {
		fprintf(stderr, "pingpong: %s\n", fd < 0 ? err : "no memory");
		return 1;
	}
	for (unsigned i = 0; i < WARMUP_ROUNDS + rounds; i++) {
		uint64_t t0 = mono_ns();

		memcpy(out, &i, sizeof(i) < size ? sizeof(i) : size);
		if (send(fd, out, size, 0) != (ssize_t)size || read_full(fd, in, size) != 0 ||
		    memcmp(in, out, size) != 0) {
			fprintf(stderr, "pingpong: round %u failed: %s\n", i, strerror(errno));
			return 1;
		}
		if (i >= WARMUP_ROUNDS)
			rtt[i - WARMUP_ROUNDS] = mono_ns() - t0;
	}
	qsort(rtt, rounds, sizeof(*rtt), cmp_u64);
	printf("%.3f\n", (double)rtt[(rounds - 1) / 2] / 1e3);
	close(fd);
	free(rtt);
	free(in);
	free(out);
	return 0;
}
