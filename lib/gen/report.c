/* SPDX-License-Identifier: BSD-3-Clause */
/* Results of a cell: one table row for people, one JSON object for tools (see
 * docs/results-schema.md for every key). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "gen/gen.h"

#define NS_PER_US 1000.0
#define BITS_PER_BYTE 8

/* Per received message, NaN (null in JSON, "-" in the table) when nothing came back. */
static double
per_msg(double v, uint64_t msgs)
{
	return msgs > 0 ? v / (double)msgs : NAN;
}

static double
client_cpu_s(const struct gen_result *res)
{
	return res->client.cpu_user_s + res->client.cpu_sys_s;
}

static double
pps(const struct gen_result *res)
{
	return res->duration_s > 0 ? (double)res->c.received / res->duration_s : 0;
}

/* Echoed payload, one direction: what an application would call its goodput. */
static double
gbps(const struct gen_cfg *cfg, const struct gen_result *res)
{
	return pps(res) * cfg->size * BITS_PER_BYTE / 1e9;
}

void
gen_report_table_header(FILE *f)
{
	fprintf(f, "%6s %-6s %-14s %10s %10s %6s %6s %5s %5s %8s %7s %8s %8s %8s %8s %7s %7s "
		"%7s\n", "bytes", "mode", "load", "sent", "received", "lost", "corr", "dup",
		"reord", "Mpps", "Gbit/s", "p50_us", "p99_us", "p999_us", "max_us", "cli_us",
		"cli_sc", "srv_us");
}

static void
fmt_num(char *buf, size_t len, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

void
gen_report_table_row(FILE *f, const struct gen_cfg *cfg, const struct gen_result *res)
{
	struct hist_summary s;
	char load[32], cli_us[16], cli_sc[16], srv_us[16];

	hist_summarize(res->rtt, &s);
	if (cfg->rate_pps > 0)
		snprintf(load, sizeof(load), "%.0fk/s f=%u", (double)cfg->rate_pps / 1e3,
			 cfg->flows);
	else
		snprintf(load, sizeof(load), "w=%u f=%u", cfg->window, cfg->flows);
	fmt_num(cli_us, sizeof(cli_us), per_msg(client_cpu_s(res) * 1e6, res->c.received), "%.2f");
	fmt_num(cli_sc, sizeof(cli_sc), per_msg((double)res->client_syscalls, res->c.received),
		"%.2f");
	fmt_num(srv_us, sizeof(srv_us), res->server.valid ? res->server.cpu_per_msg_us : NAN,
		"%.2f");
	fprintf(f, "%6u %-6s %-14s %10" PRIu64 " %10" PRIu64 " %6" PRIu64 " %6" PRIu64 " %5" PRIu64
		" %5" PRIu64 " %8.3f %7.3f %8.1f %8.1f %8.1f %8.1f %7s %7s %7s%s\n", cfg->size,
		cfg->rate_pps > 0 ? "open" : "closed", load, res->c.sent, res->c.received,
		res->c.lost, res->c.corrupt, res->c.duplicate, res->c.reordered, pps(res) / 1e6,
		gbps(cfg, res), s.p50 / NS_PER_US, s.p99 / NS_PER_US, s.p999 / NS_PER_US,
		s.max / NS_PER_US, cli_us, cli_sc, srv_us,
		res->interrupted ? " (interrupted)" : "");
}

static void
json_rtt(struct json_writer *w, const struct hist *h)
{
	struct hist_summary s;

	hist_summarize(h, &s);
	json_object_begin(w, "rtt_us");
	if (s.count == 0) {
		const char *keys[] = { "min", "mean", "stddev", "p50", "p90", "p99", "p999",
				       "p9999", "max" };

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			json_null(w, keys[i]);
	} else {
		json_double(w, "min", s.min / NS_PER_US);
		json_double(w, "mean", s.mean / NS_PER_US);
		json_double(w, "stddev", s.stddev / NS_PER_US);
		json_double(w, "p50", s.p50 / NS_PER_US);
		json_double(w, "p90", s.p90 / NS_PER_US);
		json_double(w, "p99", s.p99 / NS_PER_US);
		json_double(w, "p999", s.p999 / NS_PER_US);
		json_double(w, "p9999", s.p9999 / NS_PER_US);
		json_double(w, "max", s.max / NS_PER_US);
	}
	json_object_end(w);
}

void
gen_report_json(struct json_writer *w, const struct gen_cfg *cfg, const struct gen_result *res,
		const struct gen_labels *l)
{
	uint64_t rx = res->c.received;
	double cpu = client_cpu_s(res);
	const struct srvstats_cost *sv = &res->server;

	json_object_begin(w, NULL);
	json_str(w, "transport", l->transport);
	json_str(w, "target", cfg->target);
	json_str(w, "path", l->path != NULL ? l->path : l->transport);
	json_str(w, "driver", l->driver);
	if (l->no_huge < 0)
		json_null(w, "no_huge");
	else
		json_bool(w, "no_huge", l->no_huge > 0);
	json_u64(w, "payload_bytes", cfg->size);
	json_str(w, "mode", cfg->rate_pps > 0 ? "open" : "closed");
	if (cfg->rate_pps > 0) {
		json_null(w, "window");
		json_u64(w, "rate_pps", cfg->rate_pps);
	} else {
		json_u64(w, "window", cfg->window);
		json_null(w, "rate_pps");
	}
	json_double(w, "offered_pps", res->offered_pps);
	json_u64(w, "flows", cfg->flows);
	json_u64(w, "threads", cfg->threads);
	json_u64(w, "batch", cfg->batch);
	json_bool(w, "busy_poll", cfg->busy_poll || cfg->rate_pps > 0);
	json_double(w, "duration_s", res->duration_s);
	json_double(w, "warmup_s", (double)cfg->warmup_ns / 1e9);
	json_double(w, "timeout_s", (double)cfg->timeout_ns / 1e9);
	json_bool(w, "interrupted", res->interrupted);
	json_u64(w, "sent", res->c.sent);
	json_u64(w, "received", rx);
	json_u64(w, "lost", res->c.lost);
	json_u64(w, "corrupt", res->c.corrupt);
	json_u64(w, "duplicate", res->c.duplicate);
	json_u64(w, "reordered", res->c.reordered);
	json_u64(w, "late", res->c.late);
	json_u64(w, "ignored_frames", res->ignored);
	json_u64(w, "reconnect", cfg->reconnect);
	json_u64(w, "reconnects", res->reconnects);
	json_double(w, "pps", pps(res));
	json_double(w, "gbps", gbps(cfg, res));
	json_rtt(w, res->rtt);
	json_object_begin(w, "client");
	json_double(w, "cpu_s", cpu);
	json_double(w, "cycles_per_msg",
		    l->tsc_hz > 0 ? per_msg(cpu * (double)l->tsc_hz, rx) : NAN);
	json_double(w, "syscalls_per_msg", per_msg((double)res->client_syscalls, rx));
	json_double(w, "csw_per_msg",
		    per_msg((double)(res->client.vol_csw + res->client.invol_csw), rx));
	json_str(w, "clock", l->clock);
	json_double(w, "sock_drops", res->client_sock_drops);
	json_object_end(w);
	json_object_begin(w, "server");
	json_str(w, "source", sv->valid ? sv->source : NULL);
	json_double(w, "cpu_s", sv->valid ? sv->cpu_s : NAN);
	json_double(w, "cpu_per_msg_us", sv->valid ? sv->cpu_per_msg_us : NAN);
	json_double(w, "cycles_per_msg", sv->valid ? sv->cycles_per_msg : NAN);
	json_double(w, "syscalls_per_msg", sv->valid ? sv->syscalls_per_msg : NAN);
	json_double(w, "csw_per_msg", sv->valid ? sv->csw_per_msg : NAN);
	json_double(w, "sock_drops", sv->valid ? sv->sock_drops : NAN);
	json_str(w, "note", res->server_note[0] != '\0' ? res->server_note : NULL);
	json_object_end(w);
	gen_zc_report_json(w, gen_zc_mode_name(cfg->zerocopy), &res->zc);
	json_object_end(w);
}
