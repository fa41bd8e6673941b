/* SPDX-License-Identifier: BSD-3-Clause */
/* The echo server's own statistics: the stats JSON file and the one-line summary. */
#include <inttypes.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/res.h"
#include "sockio/echo.h"

struct stats_snapshot {
	const struct sockio_server *srv;
	struct sockio_counters c;
	struct res_sample res;
	double uptime_s;
	int rcvbuf, sndbuf;
	uint64_t sock_drops;
};

static void
stats_take(const struct sockio_server *s, struct stats_snapshot *snap)
{
	snap->srv = s;
	sockio_server_counters(s, &snap->c);
	res_sample_take(&snap->res, RUSAGE_SELF);
	snap->uptime_s = s->start_ns == 0 ? 0 : (double)(clock_now_ns() - s->start_ns) / 1e9;
	sockio_server_bufs(s, &snap->rcvbuf, &snap->sndbuf, &snap->sock_drops);
}

/* The keys are a contract with echo-gen and scripts/lab: see docs/sock-echo.md. */
static void
stats_fill(struct json_writer *w, void *arg)
{
	const struct stats_snapshot *snap = arg;
	const struct sockio_server_config *cfg = &snap->srv->cfg;

	json_object_begin(w, NULL);
	json_str(w, "transport", sockio_transport_name(cfg->addr.transport));
	json_str(w, "io", sockio_io_name(cfg->io));
	json_u64(w, "threads", cfg->threads);
	json_double(w, "uptime_s", snap->uptime_s);
	json_u64(w, "messages", snap->c.messages);
	json_u64(w, "bytes", snap->c.bytes);
	json_u64(w, "syscalls", snap->c.syscalls);
	json_u64(w, "batches", snap->c.batches);
	json_u64(w, "truncated", snap->c.truncated);
	json_u64(w, "conns_accepted", snap->c.conns_accepted);
	json_u64(w, "conns_refused", snap->c.conns_refused);
	json_u64(w, "conns_reset", snap->c.conns_reset);
	json_u64(w, "errors", snap->c.errors);
	json_u64(w, "rcvbuf_bytes", (uint64_t)snap->rcvbuf);
	json_u64(w, "sndbuf_bytes", (uint64_t)snap->sndbuf);
	json_u64(w, "sock_drops", snap->sock_drops);
	json_double(w, "cpu_user_s", snap->res.cpu_user_s);
	json_double(w, "cpu_sys_s", snap->res.cpu_sys_s);
	json_u64(w, "vol_csw", snap->res.vol_csw);
	json_u64(w, "invol_csw", snap->res.invol_csw);
	json_i64(w, "pid", (int64_t)getpid());
	json_object_end(w);
}

int
sockio_server_write_stats(const struct sockio_server *s, const char *path, char *err,
			  size_t errlen)
{
	struct stats_snapshot snap;

	stats_take(s, &snap);
	return json_write_file(path, stats_fill, &snap, err, errlen);
}

void
sockio_server_print_stats(const struct sockio_server *s, FILE *f)
{
	struct stats_snapshot snap;
	const struct sockio_counters *c = &snap.c;

	stats_take(s, &snap);
	fprintf(f,
		"%s: %s io=%s threads=%u uptime_s=%.3f messages=%" PRIu64 " bytes=%" PRIu64
		" syscalls=%" PRIu64 " batches=%" PRIu64 " truncated=%" PRIu64
		" conns_accepted=%" PRIu64 " conns_refused=%" PRIu64 " conns_reset=%" PRIu64
		" errors=%" PRIu64 " rcvbuf_bytes=%d sndbuf_bytes=%d sock_drops=%" PRIu64
		" cpu_user_s=%.3f cpu_sys_s=%.3f vol_csw=%" PRIu64
		" invol_csw=%" PRIu64 "\n",
		log_prog(), s->cfg.addr.text, sockio_io_name(s->cfg.io), s->cfg.threads,
		snap.uptime_s, c->messages, c->bytes, c->syscalls, c->batches, c->truncated,
		c->conns_accepted, c->conns_refused, c->conns_reset, c->errors, snap.rcvbuf,
		snap.sndbuf, snap.sock_drops, snap.res.cpu_user_s, snap.res.cpu_sys_s, snap.res.vol_csw, snap.res.invol_csw);
	fflush(f);
}
