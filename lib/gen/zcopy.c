/* SPDX-License-Identifier: BSD-3-Clause */
/* MSG_ZEROCOPY bookkeeping: buffers held until their completion, the error queue, the counts. */
#include <errno.h>
#include <time.h>
/* linux/errqueue.h uses struct timespec without including its definition. */
#include <linux/errqueue.h>
#include <linux/sock_diag.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/json.h"
#include "common/res.h"
#include "gen/zcopy.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif
/* Byte written over a freed slot by the scribble hook: a reply carrying it fails the check. */
#define ZC_SCRIBBLE_BYTE 0xa5
/* Room for one sock_extended_err control message and the offender's address. */
#define ZC_CONTROL_BYTES 128
#define ZC_DRAIN_POLL_MS 10

const char *
gen_zc_mode_name(enum gen_zc_mode m)
{
	switch (m) {
	case GEN_ZC_MSG:
		return "msg_zerocopy";
	case GEN_ZC_URING:
		return "io_uring_send_zc";
	default:
		return NULL;
	}
}

unsigned
gen_zc_debug_from_env(void)
{
	const char *s = getenv("BYPASSLAB_ZC_DEBUG");
	unsigned d = 0;

	if (s == NULL)
		return 0;
	if (strstr(s, "scribble") != NULL)
		d |= GEN_ZC_DEBUG_SCRIBBLE;
	if (strstr(s, "early") != NULL)
		d |= GEN_ZC_DEBUG_EARLY;
	return d;
}

int
gen_zc_pool_init(struct gen_zc_pool *p, size_t slot_bytes, unsigned nslots, unsigned id_cap,
		 struct gen_zc_counts *counts)
{
	memset(p, 0, sizeof(*p));
	p->slot_bytes = slot_bytes;
	p->nslots = nslots;
	p->id_cap = id_cap;
	p->counts = counts;
	p->mem = malloc(slot_bytes * nslots);
	p->free = calloc(nslots, sizeof(*p->free));
	p->pending = calloc(nslots, sizeof(*p->pending));
	p->sending = calloc(nslots, sizeof(*p->sending));
	p->id_slot = calloc(id_cap, sizeof(*p->id_slot));
	p->id_done = calloc(id_cap, sizeof(*p->id_done));
	if (p->mem == NULL || p->free == NULL || p->pending == NULL || p->sending == NULL ||
	    p->id_slot == NULL || p->id_done == NULL) {
		gen_zc_pool_fini(p);
		return -ENOMEM;
	}
	/* Lowest index on top: slot 0 is handed out first. */
	for (unsigned i = 0; i < nslots; i++)
		p->free[i] = nslots - 1 - i;
	p->nfree = nslots;
	p->debug = gen_zc_debug_from_env();
	return 0;
}

void
gen_zc_pool_fini(struct gen_zc_pool *p)
{
	free(p->mem);
	free(p->free);
	free(p->pending);
	free(p->sending);
	free(p->id_slot);
	free(p->id_done);
	memset(p, 0, sizeof(*p));
}

static void
slot_free(struct gen_zc_pool *p, unsigned slot)
{
	if (p->debug & GEN_ZC_DEBUG_SCRIBBLE)
		memset(gen_zc_slot_mem(p, slot), ZC_SCRIBBLE_BYTE, p->slot_bytes);
	p->free[p->nfree++] = slot;
}

uint8_t *
gen_zc_slot_get(struct gen_zc_pool *p, unsigned *slot)
{
	if (p->nfree == 0)
		return NULL;
	*slot = p->free[--p->nfree];
	p->sending[*slot] = true;
	return gen_zc_slot_mem(p, *slot);
}

void
gen_zc_slot_put(struct gen_zc_pool *p, unsigned slot)
{
	p->sending[slot] = false;
	if (p->pending[slot] == 0)
		p->free[p->nfree++] = slot;
}

void
gen_zc_sent(struct gen_zc_pool *p, unsigned slot)
{
	unsigned i = p->id_next % p->id_cap;

	p->id_slot[i] = slot;
	p->id_done[i] = false;
	p->id_next++;
	p->pending[slot]++;
	if (p->counts != NULL)
		p->counts->sends++;
}

void
gen_zc_slot_sent(struct gen_zc_pool *p, unsigned slot)
{
	p->sending[slot] = false;
	/* The broken hook frees at once; the completions that follow must not free it twice. */
	if (p->pending[slot] == 0 || (p->debug & GEN_ZC_DEBUG_EARLY)) {
		if (p->debug & GEN_ZC_DEBUG_EARLY)
			p->pending[slot] = 0;
		slot_free(p, slot);
	}
}

/* Mark id i done and move the head over what is done; frees its slot when that was the last. */
static void
id_done(struct gen_zc_pool *p, uint32_t id)
{
	unsigned i = id % p->id_cap, slot = p->id_slot[i];

	p->id_done[i] = true;
	if (p->pending[slot] > 0 && --p->pending[slot] == 0 && !p->sending[slot] &&
	    !(p->debug & GEN_ZC_DEBUG_EARLY))
		slot_free(p, slot);
}

static void
head_advance(struct gen_zc_pool *p)
{
	/* Completions of UDP may come out of order: the head moves over what is done. */
	while (p->id_head != p->id_next && p->id_done[p->id_head % p->id_cap]) {
		p->id_done[p->id_head % p->id_cap] = false;
		p->id_head++;
	}
}

void
gen_zc_forget(struct gen_zc_pool *p, uint32_t id)
{
	if (id - p->id_head >= p->id_next - p->id_head || p->id_done[id % p->id_cap])
		return;
	id_done(p, id);
	head_advance(p);
	if (p->counts != NULL && p->counts->sends > 0)
		p->counts->sends--;
}

int
gen_zc_complete(struct gen_zc_pool *p, uint32_t lo, uint32_t hi, bool copied)
{
	uint32_t n = hi - lo + 1;

	/* Every id of the range must be in flight: [lo, hi] inside [id_head, id_next). */
	if (n == 0 || lo - p->id_head >= p->id_next - p->id_head || n > p->id_next - lo)
		return -EPROTO;
	for (uint32_t k = 0; k < n; k++)
		if (p->id_done[(lo + k) % p->id_cap])
			return -EPROTO;
	for (uint32_t k = 0; k < n; k++)
		id_done(p, lo + k);
	head_advance(p);
	if (p->counts != NULL) {
		p->counts->completed += n;
		if (copied)
			p->counts->copied += n;
		p->counts->notifications++;
	}
	return 0;
}

int
gen_zc_enable(int fd, char *err, size_t errlen)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) != 0) {
		int e = errno;

		snprintf(err, errlen, "setsockopt SO_ZEROCOPY: %s (--zerocopy needs Linux 4.14 "
			 "for tcp, 5.0 for udp)", strerror(e));
		return -e;
	}
	return 0;
}

/* One error-queue message: 1 read, 0 queue empty, or a negative errno. */
static int
reap_one(int fd, struct gen_zc_pool *p, uint64_t *syscalls, char *err, size_t errlen)
{
	union {
		struct cmsghdr align;
		uint8_t buf[ZC_CONTROL_BYTES];
	} control;
	struct msghdr msg = { .msg_control = control.buf, .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	ssize_t r;

	do {
		(*syscalls)++;
		r = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN)
			return 0;
		snprintf(err, errlen, "recvmsg MSG_ERRQUEUE: %s", strerror(errno));
		return -errno;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		const struct sock_extended_err *ee;

		if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
		      (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
			continue;
		ee = (const struct sock_extended_err *)CMSG_DATA(cm);
		if (ee->ee_errno != 0 || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
			snprintf(err, errlen, "error queue: not a zero-copy completion (errno %u: "
				 "%s, origin %u)", ee->ee_errno, strerror((int)ee->ee_errno),
				 ee->ee_origin);
			return -EPROTO;
		}
		if (gen_zc_complete(p, ee->ee_info, ee->ee_data,
				    ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED) < 0) {
			snprintf(err, errlen, "zero-copy completion of ids %u..%u, but %u..%u are "
				 "in flight", ee->ee_info, ee->ee_data, p->id_head,
				 p->id_next - 1);
			return -EPROTO;
		}
		return 1;
	}
	snprintf(err, errlen, "error queue: a message without a sock_extended_err");
	return -EPROTO;
}

int
gen_zc_reap(int fd, struct gen_zc_pool *p, uint64_t *syscalls, char *err, size_t errlen)
{
	int n = 0, r;

	while ((r = reap_one(fd, p, syscalls, err, errlen)) > 0)
		n++;
	return r < 0 ? r : n;
}

int
gen_zc_drain(int fd, struct gen_zc_pool *p, int timeout_ms, uint64_t *syscalls, char *err,
	     size_t errlen)
{
	uint64_t end = clock_now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		/* No events asked: poll still says POLLERR when the error queue has something. */
		struct pollfd pfd = { .fd = fd, .events = 0 };
		int r = gen_zc_reap(fd, p, syscalls, err, errlen);

		if (r < 0)
			return r;
		if (gen_zc_inflight(p) == 0)
			return 0;
		if (clock_now_ns() >= end) {
			snprintf(err, errlen, "%u zero-copy sends not completed %d ms after the "
				 "last send", gen_zc_inflight(p), timeout_ms);
			return -ETIMEDOUT;
		}
		(*syscalls)++;
		poll(&pfd, 1, ZC_DRAIN_POLL_MS);
	}
}

int64_t
gen_zc_optmem(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0 ||
	    len <= SK_MEMINFO_OPTMEM * sizeof(mem[0]))
		return -1;
	return mem[SK_MEMINFO_OPTMEM];
}

void
gen_zc_counts_add(struct gen_zc_counts *a, const struct gen_zc_counts *b)
{
	a->sends += b->sends;
	a->completed += b->completed;
	a->copied += b->copied;
	a->notifications += b->notifications;
	a->starved += b->starved;
	a->optmem_start += b->optmem_start;
	a->optmem_end += b->optmem_end;
}

void
gen_zc_report_json(struct json_writer *w, const char *mode, const struct gen_zc_counts *c)
{
	if (mode == NULL) {
		json_null(w, "zerocopy");
		return;
	}
	json_object_begin(w, "zerocopy");
	json_str(w, "mode", mode);
	json_u64(w, "sends", c->sends);
	json_u64(w, "completed", c->completed);
	json_u64(w, "completed_zerocopy", c->completed - c->copied);
	json_u64(w, "completed_copied", c->copied);
	json_double(w, "copied_share", c->completed > 0 ? (double)c->copied /
			(double)c->completed : NAN);
	json_u64(w, "pending", c->sends - c->completed);
	json_u64(w, "notifications", c->notifications);
	json_u64(w, "starved", c->starved);
	json_i64(w, "optmem_left_bytes", c->optmem_end - c->optmem_start);
	json_object_end(w);
}
