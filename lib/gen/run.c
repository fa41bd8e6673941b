/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine: worker threads that keep a window full (closed loop) or follow a schedule (open
 * loop), check every reply, and a control thread that moves them through the phases of a cell. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/cpu.h"
#include "common/log.h"
#include "gen/gen.h"
#include "gen/track.h"

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull
#define CONTROL_TICK_NS (20 * NS_PER_MS)
#define PROGRESS_EVERY_NS (500 * NS_PER_MS)
#define EXPIRE_EVERY_NS NS_PER_MS
/* The server is declared dead after this many loss timeouts without any reply. */
#define DEAD_TIMEOUTS 2
/* A server stats file must be rewritten within this long (else: server cost unknown). */
#define SRVSTATS_WAIT_NS (5 * NS_PER_S)
/* Drain gets the loss timeout plus this much before the cell is abandoned as stuck. */
#define DRAIN_GRACE_NS (3 * NS_PER_S)
/*
 * Closed loop: the tracking ring spans this many windows (room for reordering). A message still
 * unanswered when the ring is full has been overtaken by three windows of answered ones: it is
 * counted lost then, rather than stalling its flow until the timeout (a datagram dropped by a
 * full socket buffer never comes back).
 */
#define TRACK_CLOSED_WINDOWS 4
#define TRACK_SLOTS_MIN 64

enum gen_phase {
	PHASE_WARMUP,
	PHASE_MEASURE,
	PHASE_TAIL,	/* load continues, unmeasured, until the server's stats file is rewritten */
	PHASE_DRAIN,	/* no more sends: wait for replies or their timeout */
	PHASE_ABORT,
};

struct gen_flow_state {
	struct gen_track track;
	struct gen_pace pace;
};

struct gen_run_ctx;

struct gen_worker {
	struct gen_run_ctx *run;
	unsigned id;
	uint16_t flow_base;
	uint16_t nflows;
	uint64_t quota;			/* count mode: measured messages left to send */
	struct gen_conn *conn;
	struct gen_flow_state *flows;
	struct hist *hist;
	struct gen_counts c;		/* updated with relaxed stores: the progress line reads */
	uint64_t outstanding;
	struct res_sample res0, res1;
	uint64_t sys0, sys1;
	uint64_t drops0, drops1;	/* the sockets' SO_MEMINFO drops at both ends */
	bool measure_began, measure_ended;
	uint64_t t_last_rx;		/* last measured reply, for count mode's duration */
	int rc;
	char err[GEN_ERR_MAX];
	bool dead_server;
	int done;			/* atomic: the loop has ended */
	pthread_t tid;
	bool started;
} __attribute__((aligned(64)));

struct gen_run_ctx {
	const struct gen_cfg *cfg;
	struct gen_payload_fmt fmt;
	struct gen_worker *w;
	unsigned nworkers;
	int phase;			/* atomic enum gen_phase */
	uint64_t t_pace0;		/* open-loop schedules start here */
	uint64_t t_measure0, t_measure1;
};

static inline void
ctr_add(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t
ctr_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint64_t
now_ns(const struct gen_run_ctx *r)
{
	return gen_clock_ns(r->cfg->clock);
}

int
gen_cfg_check(const struct gen_cfg *cfg, char *err, size_t errlen)
{
	if (cfg->size < GEN_HDR_BYTES) {
		snprintf(err, errlen,
			 "--size %u: messages carry an %u-byte header, so 18 is the least",
			 cfg->size, GEN_HDR_BYTES);
		return -EINVAL;
	}
	if (cfg->flows == 0 || cfg->flows > GEN_FLOWS_MAX) {
		snprintf(err, errlen, "--flows %u: expected 1 to %u", cfg->flows, GEN_FLOWS_MAX);
		return -EINVAL;
	}
	if (cfg->rate_pps == 0 && (cfg->window == 0 || cfg->window > GEN_WINDOW_MAX)) {
		snprintf(err, errlen, "--window %u: expected 1 to %u messages in flight per flow",
			 cfg->window, GEN_WINDOW_MAX);
		return -EINVAL;
	}
	if (cfg->rate_pps > 0 && cfg->rate_pps < cfg->flows) {
		snprintf(err, errlen, "--rate %" PRIu64 " is below --flows %u: each flow needs at "
			 "least 1 message/s", cfg->rate_pps, cfg->flows);
		return -EINVAL;
	}
	if (cfg->threads == 0 || cfg->threads > GEN_THREADS_MAX || cfg->threads > cfg->flows) {
		snprintf(err, errlen,
			 "--threads %u: expected 1 to %u and no more than --flows (%u)",
			 cfg->threads, GEN_THREADS_MAX, cfg->flows);
		return -EINVAL;
	}
	if (cfg->ops->threads_max > 0 && cfg->threads > cfg->ops->threads_max) {
		snprintf(err, errlen, "--threads %u: the %s transport runs %u worker thread(s) at "
			 "most", cfg->threads, cfg->ops->name, cfg->ops->threads_max);
		return -EINVAL;
	}
	if (cfg->batch == 0 || cfg->batch > GEN_BATCH_MAX) {
		snprintf(err, errlen, "--batch %u: expected 1 to %u", cfg->batch, GEN_BATCH_MAX);
		return -EINVAL;
	}
	if (cfg->count == 0 && cfg->duration_ns == 0) {
		snprintf(err, errlen, "--duration must be above 0 (or give --count)");
		return -EINVAL;
	}
	if (cfg->reconnect > 0 && !cfg->ops->stream) {
		snprintf(err, errlen, "--reconnect applies to byte streams (tcp, uds-stream), not to "
			 "%s: it has no connection to close; drop --reconnect", cfg->ops->name);
		return -EINVAL;
	}
	if (cfg->reconnect > 0 && cfg->zerocopy != GEN_ZC_OFF) {
		snprintf(err, errlen, "--reconnect and --zerocopy are one or the other here (a "
			 "connection may not close while the kernel holds its pages): drop one");
		return -EINVAL;
	}
	if (cfg->timeout_ns == 0) {
		snprintf(err, errlen, "--timeout must be above 0");
		return -EINVAL;
	}
	return 0;
}

/* Flows and messages per worker: contiguous flow ranges, the count split as evenly. */
static void
split_work(const struct gen_cfg *cfg, struct gen_worker *w, unsigned n)
{
	unsigned base = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned nf = cfg->flows / n + (i < cfg->flows % n ? 1 : 0);

		w[i].id = i;
		w[i].flow_base = (uint16_t)base;
		w[i].nflows = (uint16_t)nf;
		w[i].quota = cfg->count / n + (i < cfg->count % n ? 1 : 0);
		base += nf;
	}
}

/* Flow g's share of the rate and where its schedule starts: evenly staggered over flows. */
static void
flow_pace_init(const struct gen_run_ctx *r, struct gen_pace *p, unsigned g)
{
	const struct gen_cfg *cfg = r->cfg;
	uint64_t rate = cfg->rate_pps / cfg->flows + (g < cfg->rate_pps % cfg->flows ? 1 : 0);
	uint64_t offset = (uint64_t)((unsigned __int128)g * NS_PER_S / cfg->rate_pps);

	gen_pace_init(p, rate, r->t_pace0 + offset);
}

static uint64_t
track_slots(const struct gen_cfg *cfg)
{
	uint64_t slots;

	if (cfg->rate_pps == 0) {
		slots = (uint64_t)cfg->window * TRACK_CLOSED_WINDOWS;
	} else {
		uint64_t per_flow = cfg->rate_pps / cfg->flows + 1;

		slots = (uint64_t)((unsigned __int128)per_flow * cfg->timeout_ns *
				   GEN_TRACK_OPEN_FACTOR / NS_PER_S) + GEN_TX_BURST_MAX;
	}
	if (slots < TRACK_SLOTS_MIN)
		slots = TRACK_SLOTS_MIN;
	if (slots > GEN_TRACK_SLOTS_MAX)
		slots = GEN_TRACK_SLOTS_MAX;
	return slots;
}

static void
worker_measure_begin(struct gen_worker *w, uint64_t now)
{
	res_sample_take(&w->res0, RUSAGE_THREAD);
	w->sys0 = w->conn->syscalls;
	if (w->run->cfg->ops->sock_drops != NULL)
		w->drops0 = w->run->cfg->ops->sock_drops(w->conn);
	w->t_last_rx = now;
	w->measure_began = true;
}

static void
worker_measure_end(struct gen_worker *w)
{
	if (!w->measure_began || w->measure_ended)
		return;
	res_sample_take(&w->res1, RUSAGE_THREAD);
	w->sys1 = w->conn->syscalls;
	if (w->run->cfg->ops->sock_drops != NULL)
		w->drops1 = w->run->cfg->ops->sock_drops(w->conn);
	w->measure_ended = true;
}

static int
worker_fail(struct gen_worker *w, int rc, const char *msg)
{
	w->rc = rc;
	snprintf(w->err, sizeof(w->err), "%s", msg);
	return rc;
}

/* Fill tx with what each flow may send now; returns the count. Flows' messages stay together. */
static unsigned
worker_build(struct gen_worker *w, struct gen_tx *tx, uint64_t now, bool measured,
	     unsigned *first_flow)
{
	const struct gen_cfg *cfg = w->run->cfg;
	unsigned n = 0;
	uint64_t quota_cap = cfg->count > 0 && measured ? w->quota : UINT64_MAX;

	for (unsigned k = 0; k < w->nflows && n < GEN_TX_BURST_MAX && quota_cap > 0; k++) {
		unsigned fi = (*first_flow + k) % w->nflows;
		struct gen_flow_state *f = &w->flows[fi];
		uint64_t want, room, space = GEN_TX_BURST_MAX - n;

		if (cfg->rate_pps > 0)
			want = gen_pace_due(&f->pace, now, space);
		else
			want = f->track.outstanding < cfg->window ?
			       cfg->window - f->track.outstanding : 0;
		if (want > space)
			want = space;
		if (want > quota_cap)
			want = quota_cap;
		room = gen_track_room(&f->track);
		if (want > room) {
			/* Open loop: the schedule does not wait. Closed loop: the oldest was
			 * overtaken (TRACK_CLOSED_WINDOWS). Either way it is given up. */
			uint64_t lost = 0, ev = 0;

			while (gen_track_room(&f->track) < want)
				ev += gen_track_evict(&f->track, &lost);
			w->outstanding -= ev;
			ctr_add(&w->c.lost, lost);
		}
		for (uint64_t j = 0; j < want; j++) {
			tx[n].flow = (uint16_t)(w->flow_base + fi);
			tx[n].seq = f->track.next_seq + j;
			tx[n].ts = cfg->rate_pps > 0 ? gen_pace_time(&f->pace,
								     f->pace.sent + j) : now;
			n++;
		}
		quota_cap -= want;
	}
	*first_flow = w->nflows > 0 ? (*first_flow + 1) % w->nflows : 0;
	return n;
}

static void
worker_commit(struct gen_worker *w, const struct gen_tx *tx, unsigned n, bool measured)
{
	bool open_loop = w->run->cfg->rate_pps > 0;

	for (unsigned i = 0; i < n; i++) {
		struct gen_flow_state *f = &w->flows[tx[i].flow - w->flow_base];

		gen_track_sent(&f->track, tx[i].ts, measured);
		if (open_loop)
			gen_pace_commit(&f->pace, 1);
	}
	w->outstanding += n;
	if (measured) {
		ctr_add(&w->c.sent, n);
		if (w->run->cfg->count > 0)
			w->quota -= n;
	}
}

static void
worker_receive(struct gen_worker *w, const struct gen_rx *rx, unsigned n, uint64_t now)
{
	const struct gen_payload_fmt *fmt = &w->run->fmt;
	uint64_t received = 0, reordered = 0, duplicate = 0, late = 0, corrupt = 0;

	for (unsigned i = 0; i < n; i++) {
		struct gen_payload_hdr h;
		enum gen_reply_verdict v;
		unsigned fi;
		bool measured;

		if (gen_payload_check(fmt, rx[i].buf, rx[i].len, &h) != GEN_PAYLOAD_OK) {
			corrupt++;
			continue;
		}
		fi = (unsigned)h.flow - w->flow_base;
		if (h.flow < w->flow_base || fi >= w->nflows) {
			corrupt++;	/* intact, but another flow's: the server mixed them up */
			continue;
		}
		v = gen_track_reply(&w->flows[fi].track, h.seq, &measured);
		switch (v) {
		case GEN_REPLY_OK:
		case GEN_REPLY_REORDERED:
			w->outstanding--;
			if (!measured)
				break;
			received++;
			reordered += v == GEN_REPLY_REORDERED;
			hist_record(w->hist, (now - h.ts) & GEN_TS_MASK);
			w->t_last_rx = now;
			break;
		case GEN_REPLY_DUPLICATE:
			duplicate += measured;
			break;
		case GEN_REPLY_LATE:
			late += measured;
			break;
		case GEN_REPLY_UNKNOWN:
			corrupt++;
			break;
		}
	}
	ctr_add(&w->c.received, received);
	if (reordered | duplicate | late | corrupt) {
		ctr_add(&w->c.reordered, reordered);
		ctr_add(&w->c.duplicate, duplicate);
		ctr_add(&w->c.late, late);
		ctr_add(&w->c.corrupt, corrupt);
	}
}

static void
worker_expire(struct gen_worker *w, uint64_t now)
{
	uint64_t timeout = w->run->cfg->timeout_ns, lost = 0, n = 0;

	if (now < timeout)
		return;
	for (unsigned fi = 0; fi < w->nflows; fi++)
		n += gen_track_expire(&w->flows[fi].track, now - timeout, &lost);
	w->outstanding -= n;
	if (lost > 0)
		ctr_add(&w->c.lost, lost);
}

static int
worker_loop(struct gen_worker *w)
{
	struct gen_run_ctx *r = w->run;
	const struct gen_cfg *cfg = r->cfg;
	const struct gen_transport_ops *ops = cfg->ops;
	struct gen_tx tx[GEN_TX_BURST_MAX];
	struct gen_rx rx[GEN_RX_BURST_MAX];
	bool open_loop = cfg->rate_pps > 0, busy = cfg->busy_poll || open_loop;
	uint64_t now = now_ns(r), last_reply = now, next_expire = now + EXPIRE_EVERY_NS;
	uint64_t dead_after = DEAD_TIMEOUTS * cfg->timeout_ns;
	unsigned first_flow = 0;
	int seen = -1;

	for (;;) {
		int phase = __atomic_load_n(&r->phase, __ATOMIC_ACQUIRE);
		bool measured, sending, partial = false;
		unsigned ntx = 0;
		uint64_t wait = 0;
		int n;

		if (phase != seen) {
			if (phase == PHASE_MEASURE)
				worker_measure_begin(w, now);
			else if (seen == PHASE_MEASURE && cfg->count == 0)
				worker_measure_end(w);
			seen = phase;
		}
		if (phase == PHASE_ABORT) {
			worker_measure_end(w);
			return 0;
		}
		measured = phase == PHASE_MEASURE && (cfg->count == 0 || w->quota > 0);
		sending = phase < PHASE_DRAIN &&
			  !(cfg->count > 0 && phase >= PHASE_MEASURE && w->quota == 0);
		if (!sending && w->outstanding == 0) {
			worker_measure_end(w);
			return 0;
		}
		if (sending)
			ntx = worker_build(w, tx, now, measured, &first_flow);
		if (ntx > 0) {
			n = ops->send(w->conn, tx, ntx);
			if (n < 0) {
				w->dead_server = true;
				return worker_fail(w, n, w->conn->err);
			}
			worker_commit(w, tx, (unsigned)n, measured);
			partial = (unsigned)n < ntx;
		}
		/* Sleep until a reply comes, or until the kernel takes more (no spinning). */
		w->conn->tx_blocked = partial;
		if (!busy && (w->outstanding > 0 || partial))
			wait = (uint64_t)GEN_BLOCK_SLICE_MS * NS_PER_MS;
		n = ops->recv(w->conn, rx, GEN_RX_BURST_MAX, wait);
		if (n < 0) {
			w->dead_server = true;
			return worker_fail(w, n, w->conn->err);
		}
		now = now_ns(r);
		if (n > 0) {
			worker_receive(w, rx, (unsigned)n, now);
			last_reply = now;
		}
		if (now >= next_expire) {
			worker_expire(w, now);
			next_expire = now + EXPIRE_EVERY_NS;
			/* Silence while there is something to answer, or something we could
			 * not even send (a link that went down), means nobody is there. */
			if ((w->outstanding > 0 || partial) && now - last_reply > dead_after) {
				char msg[GEN_ERR_MAX];

				snprintf(msg, sizeof(msg), "no reply from %s for %.1f s (%" PRIu64
					 " messages outstanding%s): the server stopped or "
					 "cannot be reached", cfg->target,
					 (double)(now - last_reply) / 1e9, w->outstanding,
					 partial ? ", sends refused" : "");
				w->dead_server = true;
				return worker_fail(w, -ETIMEDOUT, msg);
			}
		}
	}
}

static void *
worker_main(void *arg)
{
	struct gen_worker *w = arg;
	const struct gen_cfg *cfg = w->run->cfg;
	int rc;

	if (cfg->cpus != NULL && cfg->ncpus > 0) {
		int cpu = cfg->cpus[w->id % cfg->ncpus];

		rc = cpu_pin_self(cpu);
		if (rc < 0) {
			char msg[GEN_ERR_MAX];

			snprintf(msg, sizeof(msg), "pinning worker %u to CPU %d: %s", w->id, cpu,
				 strerror(-rc));
			worker_fail(w, rc, msg);
			goto out;
		}
	}
	if (cfg->ops->thread_start != NULL) {
		rc = cfg->ops->thread_start(w->conn);
		if (rc < 0) {
			worker_fail(w, rc, w->conn->err);
			goto out;
		}
	}
	worker_loop(w);
	if (cfg->ops->thread_stop != NULL)
		cfg->ops->thread_stop(w->conn);
out:
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool
all_done(const struct gen_run_ctx *r)
{
	for (unsigned i = 0; i < r->nworkers; i++)
		if (!__atomic_load_n(&r->w[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

static struct gen_worker *
failed_worker(const struct gen_run_ctx *r)
{
	for (unsigned i = 0; i < r->nworkers; i++)
		if (__atomic_load_n(&r->w[i].done, __ATOMIC_ACQUIRE) && r->w[i].rc != 0)
			return &r->w[i];
	return NULL;
}

static void
set_phase(struct gen_run_ctx *r, enum gen_phase p)
{
	__atomic_store_n(&r->phase, (int)p, __ATOMIC_RELEASE);
}

/* The live line: what the measured interval looks like so far. */
static void
progress_print(struct gen_run_ctx *r, struct hist *tmp, uint64_t now, uint64_t *last_rx,
	       uint64_t *last_t)
{
	const struct gen_cfg *cfg = r->cfg;
	int phase = __atomic_load_n(&r->phase, __ATOMIC_RELAXED);
	uint64_t rx = 0, lost = 0, bad = 0;
	double dt = (double)(now - *last_t) / 1e9, t;

	hist_reset(tmp);
	for (unsigned i = 0; i < r->nworkers; i++) {
		rx += ctr_get(&r->w[i].c.received);
		lost += ctr_get(&r->w[i].c.lost);
		bad += ctr_get(&r->w[i].c.corrupt);
		hist_merge(tmp, r->w[i].hist);
	}
	if (phase == PHASE_WARMUP) {
		fprintf(stderr, "\r%u B: warming up\033[K", cfg->size);
	} else {
		t = r->t_measure0 > 0 ? (double)(now - r->t_measure0) / 1e9 : 0;
		fprintf(stderr, "\r%u B: %.1f s  %.3f Mpps  lost %" PRIu64 "  corrupt %" PRIu64
			"  p50 %.1f us  p99 %.1f us\033[K", cfg->size, t,
			dt > 0 ? (double)(rx - *last_rx) / dt / 1e6 : 0, lost, bad,
			hist_percentile(tmp, 50) / 1e3, hist_percentile(tmp, 99) / 1e3);
	}
	*last_rx = rx;
	*last_t = now;
}

struct control {
	struct gen_run_ctx *r;
	struct hist *tmp;
	uint64_t next_progress, last_rx, last_t;
	bool stopped;		/* a signal arrived */
};

/*
 * Sleep in ticks until deadline or until done() holds, printing progress. Returns false when a
 * worker failed or a signal asked to stop (c->stopped).
 */
static bool
control_wait(struct control *c, uint64_t deadline, bool (*done)(const struct gen_run_ctx *))
{
	struct gen_run_ctx *r = c->r;

	for (;;) {
		uint64_t now = now_ns(r), step;
		struct timespec ts;

		if (failed_worker(r) != NULL)
			return false;
		if (r->cfg->stop != NULL && *r->cfg->stop) {
			c->stopped = true;
			return false;
		}
		if (done != NULL && done(r))
			return true;
		if (now >= deadline)
			return true;
		if (r->cfg->progress && now >= c->next_progress) {
			progress_print(r, c->tmp, now, &c->last_rx, &c->last_t);
			c->next_progress = now + PROGRESS_EVERY_NS;
		}
		step = deadline - now < CONTROL_TICK_NS ? deadline - now : CONTROL_TICK_NS;
		ts.tv_sec = (time_t)(step / NS_PER_S);
		ts.tv_nsec = (long)(step % NS_PER_S);
		nanosleep(&ts, NULL);
	}
}

/* Wait, under load, for the server to rewrite its stats file after `after`. */
static bool
control_srvstats(struct control *c, const struct srvstats_snapshot *after,
		 struct srvstats_snapshot *out, uint64_t deadline, char *note, size_t notelen)
{
	const char *path = c->r->cfg->server_stats;
	uint64_t start = now_ns(c->r);

	for (;;) {
		char err[GEN_ERR_MAX];

		if (srvstats_read(path, out, err, sizeof(err)) == 0 &&
		    (after == NULL || srvstats_newer(after, out)))
			return true;
		if (now_ns(c->r) >= deadline) {
			if (after == NULL)
				snprintf(note, notelen, "%s", err);
			else
				snprintf(note, notelen,
					 "server stats %s not rewritten within %.1f s; "
					 "give the server a --stats-interval under half of "
					 "--duration",
					 path, (double)(now_ns(c->r) - start) / 1e9);
			return false;
		}
		if (!control_wait(c, now_ns(c->r) + CONTROL_TICK_NS, NULL))
			return false;
	}
}

/* Phases of a cell as the control thread drives them; returns false if cut short. */
static bool
control_run(struct control *c, struct gen_result *res)
{
	struct gen_run_ctx *r = c->r;
	const struct gen_cfg *cfg = r->cfg;
	struct srvstats_snapshot s_pre, s0, s1;
	bool srv = cfg->server_stats != NULL, have0 = false, have1 = false;
	uint64_t end;

	if (srv && !control_srvstats(c, NULL, &s_pre, now_ns(r) + SRVSTATS_WAIT_NS,
				     res->server_note, sizeof(res->server_note)))
		srv = false;
	if (__atomic_load_n(&r->phase, __ATOMIC_RELAXED) == PHASE_WARMUP) {
		if (cfg->warmup_ns > 0 &&
		    !control_wait(c, r->t_pace0 + cfg->warmup_ns, NULL))
			return false;
		r->t_measure0 = now_ns(r);
		set_phase(r, PHASE_MEASURE);
	}
	if (cfg->count > 0) {
		/* Workers stop on their own; the server snapshot before may be stale. */
		if (srv) {
			s0 = s_pre;
			have0 = true;
		}
		if (!control_wait(c, UINT64_MAX, all_done))
			return false;
		r->t_measure1 = 0;
		if (have0)
			have1 = control_srvstats(c, &s0, &s1, now_ns(r) + SRVSTATS_WAIT_NS,
						 res->server_note, sizeof(res->server_note));
	} else {
		end = r->t_measure0 + cfg->duration_ns;
		/* Both snapshots are taken under the measured load: first one after the start. */
		if (srv)
			have0 = control_srvstats(c, &s_pre, &s0,
						 r->t_measure0 + cfg->duration_ns / 2,
						 res->server_note, sizeof(res->server_note));
		if (!control_wait(c, end, NULL))
			goto out_stopped;
		r->t_measure1 = now_ns(r);
		if (have0) {
			set_phase(r, PHASE_TAIL);
			have1 = control_srvstats(c, &s0, &s1, now_ns(r) + SRVSTATS_WAIT_NS,
						 res->server_note, sizeof(res->server_note));
		}
		set_phase(r, PHASE_DRAIN);
		if (!control_wait(c, now_ns(r) + cfg->timeout_ns + DRAIN_GRACE_NS, all_done))
			return false;
		if (!all_done(r)) {
			snprintf(res->server_note, sizeof(res->server_note),
				 "workers did not drain");
			return false;
		}
	}
	if (have0 && have1) {
		double dur = cfg->count > 0 ? 0 : (double)(r->t_measure1 - r->t_measure0) / 1e9;
		int rc;

		if (dur == 0)
			dur = s1.n > 0 ? srvstats_get(&s1, "uptime_s") - srvstats_get(&s0,
										      "uptime_s")
				       : 0;
		/* On failure the cost stays unknown and server_note says why. */
		rc = srvstats_cost(&s0, &s1, dur, cfg->clock->tsc_hz, cfg->size, cfg->ops->stream,
				   &res->server, res->server_note, sizeof(res->server_note));
		if (rc == 0)
			res->server_note[0] = '\0';
	}
	return true;

out_stopped:
	r->t_measure1 = now_ns(r);
	return false;
}

static void
result_collect(struct gen_run_ctx *r, struct gen_result *res)
{
	const struct gen_cfg *cfg = r->cfg;
	uint64_t t_end = r->t_measure1;

	for (unsigned i = 0; i < r->nworkers; i++) {
		struct gen_worker *w = &r->w[i];
		struct res_sample d;

		res->c.sent += w->c.sent;
		res->c.received += w->c.received;
		res->c.lost += w->c.lost;
		res->c.corrupt += w->c.corrupt;
		res->c.duplicate += w->c.duplicate;
		res->c.reordered += w->c.reordered;
		res->c.late += w->c.late;
		hist_merge(res->rtt, w->hist);
		res->ignored += w->conn->ignored;
		res->reconnects += w->conn->reconnects;
		gen_zc_counts_add(&res->zc, &w->conn->zc);
		if (w->measure_began && w->measure_ended) {
			res_sample_diff(&w->res0, &w->res1, &d);
			res->client.cpu_user_s += d.cpu_user_s;
			res->client.cpu_sys_s += d.cpu_sys_s;
			res->client.vol_csw += d.vol_csw;
			res->client.invol_csw += d.invol_csw;
			res->client_syscalls += w->sys1 - w->sys0;
			if (cfg->ops->sock_drops != NULL)
				res->client_sock_drops = (isnan(res->client_sock_drops) ? 0 :
							  res->client_sock_drops) +
							 (double)(w->drops1 - w->drops0);
		}
		if (cfg->count > 0 && w->t_last_rx > t_end)
			t_end = w->t_last_rx;
	}
	if (t_end > r->t_measure0)
		res->duration_s = (double)(t_end - r->t_measure0) / 1e9;
	res->client.wall_s = res->duration_s;
	if (res->duration_s > 0)
		res->offered_pps = (double)res->c.sent / res->duration_s;
}

static void
run_close(struct gen_run_ctx *r)
{
	for (unsigned i = 0; r->w != NULL && i < r->nworkers; i++) {
		struct gen_worker *w = &r->w[i];

		if (w->conn != NULL)
			r->cfg->ops->close(w->conn);
		for (unsigned f = 0; w->flows != NULL && f < w->nflows; f++)
			gen_track_fini(&w->flows[f].track);
		free(w->flows);
		free(w->hist);
	}
	free(r->w);
	gen_payload_fini(&r->fmt);
}

static int
run_open(struct gen_run_ctx *r, char *err, size_t errlen)
{
	const struct gen_cfg *cfg = r->cfg;
	uint64_t slots = track_slots(cfg);
	int rc;

	rc = gen_payload_init(&r->fmt, cfg->size, 0, err, errlen);
	if (rc < 0)
		return rc;
	r->nworkers = cfg->threads;
	r->w = aligned_alloc(64, sizeof(*r->w) * r->nworkers);
	if (r->w == NULL)
		goto out_nomem;
	memset(r->w, 0, sizeof(*r->w) * r->nworkers);
	split_work(cfg, r->w, r->nworkers);
	for (unsigned i = 0; i < r->nworkers; i++) {
		struct gen_worker *w = &r->w[i];
		struct gen_open_args a = {
			.target = cfg->target, .fmt = &r->fmt, .flow_base = w->flow_base,
			.nflows = w->nflows, .batch = cfg->batch, .busy_poll = cfg->busy_poll ||
			cfg->rate_pps > 0, .so_busy_poll_us = cfg->so_busy_poll_us,
			.sockbuf_bytes = cfg->sockbuf_bytes, .queue = i, .dpdk = cfg->dpdk,
			.zerocopy = cfg->zerocopy, .window = cfg->rate_pps > 0 ? 0 : cfg->window,
			.reconnect = cfg->reconnect,
		};

		w->run = r;
		w->hist = malloc(sizeof(*w->hist));
		w->flows = calloc(w->nflows, sizeof(*w->flows));
		if (w->hist == NULL || w->flows == NULL)
			goto out_nomem;
		hist_reset(w->hist);
		for (unsigned f = 0; f < w->nflows; f++)
			if (gen_track_init(&w->flows[f].track, slots) != 0)
				goto out_nomem;
		rc = cfg->ops->open(&a, &w->conn, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;

out_nomem:
	snprintf(err, errlen, "no memory for %u flows (%" PRIu64 " tracking slots each)",
		 cfg->flows, slots);
	return -ENOMEM;
}

int
gen_run(const struct gen_cfg *cfg, struct gen_result *res, char *err, size_t errlen)
{
	struct gen_run_ctx r = { .cfg = cfg };
	struct control c = { .r = &r };
	struct gen_worker *bad;
	bool ok = false;
	int rc;

	memset(res, 0, sizeof(*res));
	res->server = (struct srvstats_cost){ .valid = false, .sock_drops = NAN };
	res->client_sock_drops = NAN;
	rc = gen_cfg_check(cfg, err, errlen);
	if (rc < 0)
		return rc;
	res->rtt = malloc(sizeof(*res->rtt));
	c.tmp = malloc(sizeof(*c.tmp));
	if (res->rtt == NULL || c.tmp == NULL) {
		snprintf(err, errlen, "no memory for histograms");
		rc = -ENOMEM;
		goto out;
	}
	hist_reset(res->rtt);
	rc = run_open(&r, err, errlen);
	if (rc < 0)
		goto out_close;
	r.t_pace0 = now_ns(&r) + NS_PER_MS;	/* a moment for the threads to start */
	for (unsigned i = 0; cfg->rate_pps > 0 && i < r.nworkers; i++)
		for (unsigned f = 0; f < r.w[i].nflows; f++)
			flow_pace_init(&r, &r.w[i].flows[f].pace, r.w[i].flow_base + f);
	/*
	 * With nothing to do first (no warm-up, no server snapshot to take before the measured
	 * sends), the workers start measured: started in the warm-up, they would send unmeasured
	 * for as long as this thread waits for a CPU, which on a busy machine is thousands.
	 */
	if (cfg->warmup_ns == 0 && cfg->server_stats == NULL) {
		r.t_measure0 = cfg->rate_pps > 0 ? r.t_pace0 : now_ns(&r);
		set_phase(&r, PHASE_MEASURE);
	} else {
		set_phase(&r, PHASE_WARMUP);
	}
	for (unsigned i = 0; i < r.nworkers; i++) {
		rc = -pthread_create(&r.w[i].tid, NULL, worker_main, &r.w[i]);
		if (rc < 0) {
			snprintf(err, errlen, "starting worker thread %u: %s", i, strerror(-rc));
			set_phase(&r, PHASE_ABORT);
			goto out_join;
		}
		r.w[i].started = true;
	}
	c.last_t = now_ns(&r);
	c.next_progress = c.last_t + PROGRESS_EVERY_NS;
	ok = control_run(&c, res);
	if (!ok)
		set_phase(&r, PHASE_ABORT);
out_join:
	for (unsigned i = 0; i < r.nworkers; i++)
		if (r.w[i].started)
			pthread_join(r.w[i].tid, NULL);
	if (cfg->progress)
		fprintf(stderr, "\r\033[K");
	if (rc == 0) {
		bad = failed_worker(&r);
		if (bad != NULL) {
			snprintf(err, errlen, "%s", bad->err);
			res->dead_server = bad->dead_server;
			rc = bad->rc;
		} else if (!ok && !c.stopped) {
			snprintf(err, errlen, "%s", res->server_note);
			rc = -ETIMEDOUT;
		} else {
			res->interrupted = c.stopped;
			if (r.t_measure1 == 0 && cfg->count == 0)
				r.t_measure1 = now_ns(&r);
			result_collect(&r, res);
		}
	}
out_close:
	run_close(&r);
out:
	free(c.tmp);
	if (rc < 0)
		gen_result_free(res);
	return rc;
}

void
gen_result_free(struct gen_result *res)
{
	free(res->rtt);
	res->rtt = NULL;
}
