/* SPDX-License-Identifier: BSD-3-Clause */
/* A bounded flood for the robustness tests: at most COUNT frames, for at most SECONDS. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/res.h"

#define FLOOD_BATCH_MAX 64
#define FLOOD_FRAME_MAX 1514
#define FLOOD_FRAMES_MAX 1024 /* distinct frames in a --file */
#define FLOOD_LINE_MAX (2 * FLOOD_FRAME_MAX + 2)
#define FLOOD_COUNT_MAX 100000000ull
#define FLOOD_SECONDS_MAX 60.0
#define NS_PER_S 1000000000ull
/* A send that fails (link down, ring full) is retried after this pause, so errors cannot spin. */
#define FLOOD_ERROR_PAUSE_NS 100000
/* A paced flood that is ahead of its rate sleeps this long instead of spinning. */
#define FLOOD_PACE_SLEEP_NS 20000

struct flood_frame {
	uint8_t bytes[FLOOD_FRAME_MAX];
	size_t len;
};

struct flood_opts {
	const char *iface;
	struct flood_frame *frames; /* sent in turn, the first again after the last */
	unsigned int nb_frames;
	uint64_t count;
	double seconds;
	double rate_pps; /* 0: as fast as the socket takes them */
	unsigned int batch;
};

static volatile sig_atomic_t flood_stop;

static void
on_signal(int sig)
{
	(void)sig;
	flood_stop = 1;
}

static void
usage(void)
{
	printf("usage: raw_flood --iface IF (--frame HEX | --file FILE) --count N --seconds S\n"
	       "                 [--rate PPS] [--batch B]\n"
	       "Sends the frame (hex, Ethernet header first), or the frames of FILE (one in hex\n"
	       "per line) in turn, on IF through an AF_PACKET socket: N frames at most, for S\n"
	       "seconds at most, B per sendmmsg() call (default 32), then prints one line of\n"
	       "counts. Without --rate the frames of a call leave back to back.\n");
}

/* One frame from hex; what names the input for error messages. */
static int
parse_hex(const char *what, const char *val, struct flood_frame *f)
{
	size_t n = strlen(val);

	if (n == 0 || n % 2 != 0 || n / 2 > sizeof(f->bytes)) {
		log_err("%s: expected 2 to %zu hex digits, an even number", what,
			2 * sizeof(f->bytes));
		return -EINVAL;
	}
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(val + 2 * i, "%2x", &b) != 1) {
			log_err("%s: '%.2s' at offset %zu is not hex", what, val + 2 * i, i);
			return -EINVAL;
		}
		f->bytes[i] = (uint8_t)b;
	}
	f->len = n / 2;
	return 0;
}

static int
parse_frame(const char *val, struct flood_opts *o)
{
	o->nb_frames = 0;
	if (parse_hex("--frame", val, &o->frames[0]) != 0)
		return -EINVAL;
	o->nb_frames = 1;
	return 0;
}

static int
parse_file(const char *path, struct flood_opts *o)
{
	char line[FLOOD_LINE_MAX + 2], what[64];
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (f == NULL) {
		log_err("--file %s: %s", path, strerror(errno));
		return -errno;
	}
	o->nb_frames = 0;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (o->nb_frames == FLOOD_FRAMES_MAX) {
			log_err("--file %s: more than %d frames", path, FLOOD_FRAMES_MAX);
			rc = -E2BIG;
			break;
		}
		snprintf(what, sizeof(what), "--file line %u", o->nb_frames + 1);
		rc = parse_hex(what, line, &o->frames[o->nb_frames++]);
	}
	fclose(f);
	if (rc == 0 && o->nb_frames == 0) {
		log_err("--file %s: no frames", path);
		rc = -EINVAL;
	}
	return rc;
}

static int
parse_double(const char *opt, const char *val, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(val, &end);
	if (end == val || *end != '\0' || errno != 0 || *out < min || *out > max) {
		log_err("%s '%s': expected a number from %g to %g", opt, val, min, max);
		return -EINVAL;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct flood_opts *o)
{
	static const struct option longopts[] = {
		{"iface", required_argument, NULL, 'i'},
		{"frame", required_argument, NULL, 'f'},
		{"file", required_argument, NULL, 'F'},
		{"count", required_argument, NULL, 'c'},
		{"seconds", required_argument, NULL, 's'},
		{"rate", required_argument, NULL, 'r'},
		{"batch", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	double v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'f':
			if (parse_frame(optarg, o) != 0)
				return -EINVAL;
			break;
		case 'F':
			if (parse_file(optarg, o) != 0)
				return -EINVAL;
			break;
		case 'c':
			if (parse_double("--count", optarg, 1, FLOOD_COUNT_MAX, &v) != 0)
				return -EINVAL;
			o->count = (uint64_t)v;
			break;
		case 's':
			if (parse_double("--seconds", optarg, 0.001, FLOOD_SECONDS_MAX, &o->seconds))
				return -EINVAL;
			break;
		case 'r':
			if (parse_double("--rate", optarg, 0, 1e9, &o->rate_pps) != 0)
				return -EINVAL;
			break;
		case 'b':
			if (parse_double("--batch", optarg, 1, FLOOD_BATCH_MAX, &v) != 0)
				return -EINVAL;
			o->batch = (unsigned int)v;
			break;
		case 'h':
			usage();
			exit(0);
		case ':':
			log_err("%s needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			log_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (o->iface == NULL || o->nb_frames == 0 || o->count == 0 || o->seconds == 0) {
		log_err("--iface, --frame or --file, --count and --seconds are required (see --help)");
		return -EINVAL;
	}
	return 0;
}

/* A raw packet socket bound to the interface; frames go out exactly as given. */
static int
flood_socket(const char *iface)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = 0};
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	if (fd < 0) {
		log_err("socket(AF_PACKET): %s (needs root or CAP_NET_RAW)", strerror(errno));
		return -1;
	}
	sll.sll_ifindex = (int)if_nametoindex(iface);
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		log_err("bind to %s: %s (is the interface in this network namespace?)", iface,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	static struct flood_frame frames[FLOOD_FRAMES_MAX];
	struct flood_opts o = {.batch = 32, .frames = frames};
	struct mmsghdr msgs[FLOOD_BATCH_MAX];
	struct iovec iov[FLOOD_BATCH_MAX];
	uint64_t sent = 0, failed = 0, attempts = 0, t0, deadline, now = 0;
	int fd, last_errno = 0;

	log_set_prog("raw_flood");
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	fd = flood_socket(o.iface);
	if (fd < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	memset(msgs, 0, sizeof(msgs));
	for (unsigned int i = 0; i < o.batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = clock_now_ns();
	deadline = t0 + (uint64_t)(o.seconds * NS_PER_S);
	while (!flood_stop && attempts < o.count && (now = clock_now_ns()) < deadline) {
		unsigned int n = o.batch;
		int r;

		if (o.count - attempts < n)
			n = (unsigned int)(o.count - attempts);
		/* Paced: send only what the rate allows by now. */
		if (o.rate_pps > 0) {
			uint64_t due = (uint64_t)((double)(now - t0) / NS_PER_S * o.rate_pps) + 1;

			if (due <= attempts) {
				nanosleep(&(struct timespec){0, FLOOD_PACE_SLEEP_NS}, NULL);
				continue;
			}
			if (due - attempts < n)
				n = (unsigned int)(due - attempts);
		}
		/* Frame k of the whole flood is frames[k % nb_frames], whatever the batches. */
		for (unsigned int i = 0; i < n; i++) {
			const struct flood_frame *f = &o.frames[(attempts + i) % o.nb_frames];

			iov[i].iov_base = (void *)f->bytes;
			iov[i].iov_len = f->len;
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* ENETDOWN while the link is down, ENOBUFS when the queue is full. */
			last_errno = errno;
			failed += n;
			attempts += n;
			nanosleep(&(struct timespec){0, FLOOD_ERROR_PAUSE_NS}, NULL);
			continue;
		}
		sent += (uint64_t)r;
		attempts += (uint64_t)r;
	}
	now = clock_now_ns();
	printf("raw_flood: sent %llu of %llu frames (%u distinct) in %.3f s, %llu failed%s%s\n",
	       (unsigned long long)sent, (unsigned long long)o.count, o.nb_frames,
	       (double)(now - t0) / NS_PER_S, (unsigned long long)failed,
	       failed ? ", last error: " : "", failed ? strerror(last_errno) : "");
	close(fd);
	return 0;
}
