# SPDX-License-Identifier: BSD-3-Clause
"""One run's report: summary.csv, report.md and gnuplot plots (PNG and SVG) from results.json.

Usage: /usr/bin/python3 scripts/lab.d/report.py RUN_DIR [--table]
RUN_DIR holds results.json (a JSON array, one object per cell, docs/results-schema.md, each with
a "lab" object from scripts/lab) and run.json (machine, placement, matrix). Every ratio compares
paths measured in this one run; nothing is read from any other run.
--table prints the side-by-side table to stdout as well.
"""

import csv
import json
import math
import os
import shutil
import subprocess
import sys

import latsplit
from cells import num, ratio  # noqa: F401 (report.num and report.ratio serve the exercises too)
import report_tcp
import report_zerocopy
import services  # the "Real services" section (scripts/lab services), when the run has one

R = sys.modules[__name__]  # what latsplit formats and plots with
BASELINE = "udp"  # every ratio is against kernel UDP over loopback in the same run
PERCENTILES = [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p999", "p99.9")]
GNUPLOT_TIMEOUT_S = 60
PLOT_WIDTH_PX, PLOT_HEIGHT_PX = 960, 540
# One colour and point shape per line, so that ten paths stay apart (gnuplot's own cycle has 8).
LINE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8"]
POINT_TYPES = [7, 5, 9, 11, 13, 4, 6, 8, 10, 12, 1, 2]

# What a message crosses on each path (the base name, before any "@io" variant).
CROSSES = {
    "udp": "kernel UDP/IP over loopback, two syscalls per message or more",
    "tcp": "kernel TCP/IP over loopback",
    "uds-dgram": "Unix datagram socket: socket layer only",
    "uds-stream": "Unix stream socket: socket layer only",
    "uds-seqpacket": "Unix seqpacket socket: socket layer only",
    "net_tap": "client's kernel UDP, tap device, poll-mode bypass-echo",
    "net_af_packet": "client's kernel UDP, veth, PACKET_MMAP ring, bypass-echo",
    "net_af_xdp": "client's kernel UDP, veth, XDP socket (generic mode), bypass-echo",
    "net_memif": "shared-memory rings between two DPDK processes: no kernel",
    "net_ring": "in-process rings: the stack's upper bound",
    "vfio-pci": "a NIC bound to vfio-pci, DMA into hugepages",
}

CSV_COLUMNS = [
    "run_id", "cell", "path", "transport", "driver", "payload_bytes", "kind", "status", "reason",
    "mode", "window", "rate_pps", "flows", "duration_s", "sent", "received", "lost", "corrupt",
    "duplicate", "reordered", "late", "pps", "gbps",
    "rtt_min_us", "rtt_mean_us", "rtt_p50_us", "rtt_p90_us", "rtt_p99_us", "rtt_p999_us",
    "rtt_p9999_us", "rtt_max_us",
    "client_cpu_s", "client_cpu_per_msg_us", "client_cycles_per_msg", "client_syscalls_per_msg",
    "client_csw_per_msg",
    "server_cpu_s", "server_cpu_per_msg_us", "server_cycles_per_msg", "server_syscalls_per_msg",
    "server_csw_per_msg",
    "pps_vs_udp", "p50_vs_udp", "p99_vs_udp", "client_cpus", "server_cpus",
    "client_polls", "server_polls",
]


def get(cell, *keys):
    v = cell
    for k in keys:
        if not isinstance(v, dict):
            return None
        v = v.get(k)
    return v


def fmt(v, digits=2, unit=""):
    v = num(v)
    if v is None:
        return "-"
    if abs(v) >= 1000:
        s = f"{v:,.0f}"
    elif abs(v) >= 100:
        s = f"{v:.0f}"
    elif abs(v) >= 10:
        s = f"{v:.1f}"
    else:
        s = f"{v:.{digits}f}"
    return s + unit


def fmt_ratio(v):
    v = num(v)
    return "-" if v is None else f"{v:.2f}×"


def base_path(path):
    """udp@busy-poll+1cpu%zerocopy -> udp."""
    return path.split("%", 1)[0].split("+", 1)[0].split("@", 1)[0]


def describe_path(path):
    what = CROSSES.get(base_path(path), "-")
    if report_tcp.is_bypass_tcp(path):
        what = report_tcp.CROSSES
    if "@" in path:
        what += f"; sock-echo --io {report_zerocopy.io_of(path)}"
    if path.split("%", 1)[0].endswith("+1cpu"):
        what += "; client and server on one CPU"
    if path.split("%", 1)[0].endswith("+single"):
        what += "; the server on one CPU only"
    if "%" in path:
        what += ("; the memif client in zero-copy mode (zero-copy=yes)"
                 if base_path(path) == "net_memif" else f"; echo-gen --{path.split('%', 1)[1]}")
    return what


class Run:
    def __init__(self, run_dir):
        self.dir = run_dir
        with open(os.path.join(run_dir, "results.json")) as f:
            cells = json.load(f)
        if not isinstance(cells, list):
            raise ValueError("results.json: expected a JSON array of cells")
        meta_path = os.path.join(run_dir, "run.json")
        self.meta = {}
        if os.path.exists(meta_path):
            with open(meta_path) as f:
                self.meta = json.load(f)
        self.run_id = self.meta.get("run_id") or os.path.basename(os.path.normpath(run_dir))
        self.cells = []
        for i, c in enumerate(cells):
            if not isinstance(c, dict) or "path" not in c:
                raise ValueError(f"results.json: cell {i} is not an object with a 'path'")
            c.setdefault("lab", {})
            lab = c["lab"]
            lab.setdefault("status", "ok")
            lab.setdefault("kind", "latency" if c.get("window") == 1 else "throughput")
            self.cells.append(c)
        self.paths = []
        for c in self.cells:
            if c["path"] not in self.paths:
                self.paths.append(c["path"])
        self.sizes = sorted({int(c["payload_bytes"]) for c in self.cells
                             if c.get("payload_bytes") is not None})
        self.kinds = [k for k in ("latency", latsplit.POLL_KIND, "throughput")
                      if any(c["lab"]["kind"] == k for c in self.cells)]

    def cell(self, path, size, kind):
        for c in self.cells:
            if (c["path"] == path and c.get("payload_bytes") == size
                    and c["lab"]["kind"] == kind):
                return c
        return None

    def ok(self, path, size, kind):
        c = self.cell(path, size, kind)
        return c if c is not None and c["lab"]["status"] == "ok" else None

    def base(self, size, kind):
        return self.ok(BASELINE, size, kind)

    def ok_cells(self, paths=None):
        """(path, size, kind, cell) of every measured cell, in path, size, kind order."""
        for p in self.paths if paths is None else paths:
            for s in self.sizes:
                for k in self.kinds:
                    c = self.ok(p, s, k)
                    if c is not None:
                        yield p, s, k, c


def pps_vs_udp(run, c):
    b = run.base(c.get("payload_bytes"), c["lab"]["kind"])
    return ratio(c.get("pps"), b.get("pps")) if b else None


def rtt_vs_udp(run, c, p):
    b = run.base(c.get("payload_bytes"), c["lab"]["kind"])
    return ratio(get(c, "rtt_us", p), get(b, "rtt_us", p)) if b else None


def client_cpu_per_msg_us(c):
    cpu, rx = num(get(c, "client", "cpu_s")), num(c.get("received"))
    return cpu / rx * 1e6 if cpu is not None and rx else None


def write_csv(run, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for c in run.cells:
            lab, rtt = c["lab"], c.get("rtt_us") or {}
            ok = lab["status"] == "ok"
            row = {
                "run_id": run.run_id, "cell": lab.get("cell"), "path": c["path"],
                "transport": c.get("transport"), "driver": c.get("driver"),
                "payload_bytes": c.get("payload_bytes"), "kind": lab["kind"],
                "status": lab["status"], "reason": lab.get("reason"),
                "client_cpus": lab.get("client_cpus"), "server_cpus": lab.get("server_cpus"),
                "client_polls": lab.get("client_polls"), "server_polls": lab.get("server_polls"),
            }
            for k in ("mode", "window", "rate_pps", "flows", "duration_s", "sent", "received",
                      "lost", "corrupt", "duplicate", "reordered", "late", "pps", "gbps"):
                row[k] = c.get(k)
            for k in ("min", "mean", "p50", "p90", "p99", "p999", "p9999", "max"):
                row[f"rtt_{k}_us"] = rtt.get(k)
            for side in ("client", "server"):
                for k in ("cpu_s", "cycles_per_msg", "syscalls_per_msg", "csw_per_msg"):
                    row[f"{side}_{k}"] = get(c, side, k)
            row["client_cpu_per_msg_us"] = client_cpu_per_msg_us(c)
            row["server_cpu_per_msg_us"] = get(c, "server", "cpu_per_msg_us")
            if ok:
                row["pps_vs_udp"] = pps_vs_udp(run, c)
                row["p50_vs_udp"] = rtt_vs_udp(run, c, "p50")
                row["p99_vs_udp"] = rtt_vs_udp(run, c, "p99")
            out = []
            for k in CSV_COLUMNS:
                v = row.get(k)
                if isinstance(v, bool):
                    v = "true" if v else "false"
                elif isinstance(v, float):
                    v = "" if not math.isfinite(v) else f"{v:.6g}"
                out.append("" if v is None else v)
            w.writerow(out)


def md_table(header, rows, align=None):
    """A Markdown table padded so it also reads well in a terminal."""
    cols = len(header)
    widths = [len(h) for h in header]
    for r in rows:
        for i in range(cols):
            widths[i] = max(widths[i], len(str(r[i])))
    align = align or ["l"] + ["r"] * (cols - 1)

    def line(cells):
        out = []
        for i, v in enumerate(cells):
            v = str(v)
            out.append(v.ljust(widths[i]) if align[i] == "l" else v.rjust(widths[i]))
        return "| " + " | ".join(out) + " |"

    sep = ["-" * (w - 1) + (":" if a == "r" else "-") for w, a in zip(widths, align)]
    return "\n".join([line(header), "| " + " | ".join(sep) + " |"] + [line(r) for r in rows])


def not_run_note(run, path, size, kind):
    c = run.cell(path, size, kind)
    if c is None:
        return "not in matrix"
    return c["lab"]["status"]


def why_not(run, path, size, kinds=None):
    """Why a path has no measured cell at a size: the reasons its cells carry."""
    reasons = []
    for k in kinds or run.kinds:
        c = run.cell(path, size, k)
        if c is None:
            r = f"{k}: not in the matrix"
        else:
            r = f"{c['lab']['status']}: {c['lab'].get('reason') or 'no reason recorded'}"
        if r not in reasons:
            reasons.append(r)
    return "; ".join(reasons)


def side_by_side(run, size):
    """The main table, and notes for the paths it could not fill."""
    header = ["path", "p50 sleep µs", "p50 poll µs", "wake-up µs", "p99 µs", "p50 ×udp",
              "Mpps", "Mpps ×udp", "cli µs/msg", "cli sc/msg", "cli csw/msg", "srv µs/msg",
              "srv sc/msg", "srv csw/msg"]
    rows, notes = [], []
    for p in run.paths:
        lat = run.ok(p, size, "latency")
        thr = run.ok(p, size, "throughput")
        if lat is None and thr is None and run.ok(p, size, latsplit.POLL_KIND) is None:
            rows.append([p + " (*)"] + ["-"] * (len(header) - 1))
            notes.append(f"(*) {p} not measured: {why_not(run, p, size)}")
            continue
        cost = thr or lat
        split = latsplit.split(run, R, p, size)
        rows.append([p] + latsplit.headline_cells(split, R) + [
            fmt(get(lat, "rtt_us", "p99")) if lat else "-",
            fmt_ratio(rtt_vs_udp(run, lat, "p50")) if lat else "-",
            fmt((thr.get("pps") or 0) / 1e6, 3) if thr else "-",
            fmt_ratio(pps_vs_udp(run, thr)) if thr else "-",
            fmt(client_cpu_per_msg_us(cost)),
            fmt(get(cost, "client", "syscalls_per_msg")),
            fmt(get(cost, "client", "csw_per_msg"), 3),
            fmt(get(cost, "server", "cpu_per_msg_us")),
            fmt(get(cost, "server", "syscalls_per_msg")),
            fmt(get(cost, "server", "csw_per_msg"), 3),
        ])
        for k in run.kinds:
            if run.ok(p, size, k) is None:
                notes.append(f"{p}: {k} cell not measured: {why_not(run, p, size, [k])}")
    notes += latsplit.headline_notes(run, R, size)
    return md_table(header, rows) + ("\n\n" + "\n".join(notes) if notes else "")


def throughput_table(run):
    header = ["path"] + [f"{s} B Mpps" for s in run.sizes] + [f"{s} B Gbit/s" for s in run.sizes]
    rows = []
    for p in run.paths:
        r = [p]
        for s in run.sizes:
            c = run.ok(p, s, "throughput")
            r.append(f"{fmt(c['pps'] / 1e6, 3)} ({fmt_ratio(pps_vs_udp(run, c))})"
                     if c and num(c.get("pps")) is not None else not_run_note(run, p, s,
                                                                               "throughput"))
        for s in run.sizes:
            c = run.ok(p, s, "throughput")
            r.append(fmt(c.get("gbps"), 3) if c else "-")
        rows.append(r)
    return md_table(header, rows)


def latency_table(run, kind):
    header = ["path", "bytes", "min", "p50", "p90", "p99", "p99.9", "max", "p50 ×udp",
              "p99 ×udp"]
    rows = []
    for p in run.paths:
        for s in run.sizes:
            c = run.ok(p, s, kind)
            if c is None:
                continue
            rtt = c.get("rtt_us") or {}
            rows.append([p, s, fmt(rtt.get("min")), fmt(rtt.get("p50")), fmt(rtt.get("p90")),
                         fmt(rtt.get("p99")), fmt(rtt.get("p999")), fmt(rtt.get("max")),
                         fmt_ratio(rtt_vs_udp(run, c, "p50")),
                         fmt_ratio(rtt_vs_udp(run, c, "p99"))])
    return md_table(header, rows)


def cost_table(run):
    header = ["path", "bytes", "cell", "cli µs/msg", "cli cycles/msg", "cli sc/msg",
              "cli csw/msg", "srv µs/msg", "srv cycles/msg", "srv sc/msg", "srv csw/msg"]
    rows = []
    for p, s, k, c in run.ok_cells():
        rows.append([p, s, k, fmt(client_cpu_per_msg_us(c)),
                     fmt(get(c, "client", "cycles_per_msg")),
                     fmt(get(c, "client", "syscalls_per_msg")),
                     fmt(get(c, "client", "csw_per_msg"), 3),
                     fmt(get(c, "server", "cpu_per_msg_us")),
                     fmt(get(c, "server", "cycles_per_msg")),
                     fmt(get(c, "server", "syscalls_per_msg")),
                     fmt(get(c, "server", "csw_per_msg"), 3)])
    return md_table(header, rows, ["l", "r", "l"] + ["r"] * (len(header) - 3))


def sock_drops(c, side):
    """Datagrams the kernel dropped at one side's sockets, receive buffer full ('-' where the
    side cannot tell: DPDK, or a run from before the count)."""
    v = num(get(c, side, "sock_drops"))
    return "-" if v is None else f"{v:.0f}"


def integrity_table(run):
    header = ["path", "bytes", "cell", "sent", "received", "lost", "cli sock drops",
              "srv sock drops", "corrupt", "duplicate", "reordered", "late"]
    rows = []
    for c in run.cells:
        if c["lab"]["status"] != "ok":
            continue
        rows.append([c["path"], c.get("payload_bytes"), c["lab"]["kind"]] +
                    [c.get(k, "-") for k in ("sent", "received", "lost")] +
                    [sock_drops(c, "client"), sock_drops(c, "server")] +
                    [c.get(k, "-") for k in ("corrupt", "duplicate", "reordered", "late")])
    return md_table(header, rows, ["l", "r", "l"] + ["r"] * (len(header) - 3))


def failures(run):
    return [c for c in run.cells if c["lab"]["status"] != "ok"]


def failure_table(run):
    rows = []
    seen = set()
    for c in failures(run):
        lab = c["lab"]
        if lab["status"] == "unavailable":
            # One line per path and reason: a path that is missing here, or only some of
            # its sizes (a datagram path's sizes over 65507 bytes).
            key = (c["path"], lab.get("reason"))
            if key in seen:
                continue
            seen.add(key)
            sizes = [x.get("payload_bytes") for x in run.cells if x["path"] == c["path"]]
            hit = [x.get("payload_bytes") for x in failures(run)
                   if (x["path"], x["lab"].get("reason")) == key]
            rows.append([c["path"], "all" if len(hit) == len(sizes) else
                         ", ".join(str(s) for s in sorted(set(hit))), "all", lab["status"],
                         lab.get("reason") or "-"])
        else:
            rows.append([c["path"], c.get("payload_bytes"), lab["kind"], lab["status"],
                         lab.get("reason") or "-"])
    return md_table(["path", "bytes", "cell", "status", "reason"], rows,
                    ["l", "r", "l", "l", "l"])


# ---- plots -------------------------------------------------------------------------------

def gp_quote(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def gp_title(text):
    """A gnuplot title line, taken literally (no enhanced-text markup)."""
    return f"set title {gp_quote(text)} noenhanced"


def log_bars(title, ylabel, dat, titles, values, key="outside right top"):
    """A gnuplot script of clustered bars on a log axis from below the smallest of values: one
    bar per column 2.. of dat (titles), one cluster per row (column 1, the x labels)."""
    cols = ", \\\n     ".join(
        (f"{gp_quote(dat)} using {i + 2}:xtic(1)" if i == 0 else f"'' using {i + 2}")
        + f" title {gp_quote(t)}" for i, t in enumerate(titles))
    return [gp_title(title), f"set ylabel {gp_quote(ylabel)}", "set logscale y 10",
            "set grid ytics", "set style data histograms",
            "set style histogram clustered gap 1", "set style fill solid 0.8 border -1",
            "set boxwidth 0.9", "set xtics rotate by -30 noenhanced", f"set key {key}",
            "set datafile missing 'NaN'", f"set yrange [{latsplit.log_floor(values)}:*]",
            "plot " + cols]


def gp_label(s):
    # gnuplot's enhanced text treats _ ^ @ as markup.
    return str(s).replace("_", "\\\\_").replace("@", "\\\\@")


def write_dat(path, header, rows):
    with open(path, "w") as f:
        f.write("# " + " ".join(header) + "\n")
        for r in rows:
            f.write(" ".join("NaN" if v is None else (str(v) if not isinstance(v, str)
                                                       else gp_quote(v)) for v in r) + "\n")


def gp_terminals(base):
    """The two outputs every plot gets: PNG and SVG of the same figure."""
    return [
        (f"set terminal pngcairo size {PLOT_WIDTH_PX},{PLOT_HEIGHT_PX} enhanced "
         f"font 'sans,10'", f"{base}.png"),
        (f"set terminal svg size {PLOT_WIDTH_PX},{PLOT_HEIGHT_PX} enhanced "
         f"font 'sans,10' background rgb 'white'", f"{base}.svg"),
    ]


def plot_throughput(run, pdir, scripts):
    """Throughput against payload size, one line per path (throughput cells)."""
    for metric, ylabel, scale, base, logy in (
            ("pps", "messages per second (millions)", 1e-6, "throughput", True),
            ("gbps", "echoed payload, Gbit/s", 1, "goodput", False)):
        series, all_rows = [], []
        for i, p in enumerate(run.paths):
            rows = []
            for s in run.sizes:
                c = run.ok(p, s, "throughput")
                v = num(c.get(metric)) if c else None
                rows.append([s, v * scale if v is not None else None])
            all_rows += rows
            if any(r[1] is not None for r in rows):
                dat = os.path.join(pdir, f"{base}-{i}.dat")
                write_dat(dat, ["bytes", metric], rows)
                series.append((os.path.basename(dat), p))
        if not series:
            continue
        body = [
            gp_title(f"Throughput against payload size (run {run.run_id})"),
            "set xlabel 'UDP payload bytes'", f"set ylabel {gp_quote(ylabel)}",
            "set logscale x 2", "set grid", "set key outside right top noenhanced",
            f"set xtics ({', '.join(str(s) for s in run.sizes)})",
            "set datafile missing 'NaN'",
        ]
        if logy:
            # From below the smallest point, so that memif's and ring's lines are drawn too.
            body += ["set logscale y 10",
                     f"set yrange [{latsplit.log_floor([v for _, v in all_rows])}:*]"]
        body.append("plot " + ", \\\n     ".join(
            f"{gp_quote(d)} using 1:2 with linespoints lw 2 "
            f"lc rgb '{LINE_COLOURS[i % len(LINE_COLOURS)]}' "
            f"pt {POINT_TYPES[i % len(POINT_TYPES)]} ps 1.2 title {gp_quote(t)}"
            for i, (d, t) in enumerate(series)))
        scripts.append((base, body))


def plot_latency(run, pdir, scripts):
    """Latency percentiles per path, one figure per size (latency cells, window 1)."""
    for s in run.sizes:
        rows = []
        for p in run.paths:
            c = run.ok(p, s, "latency")
            if c is None:
                continue
            rows.append([p] + [num(get(c, "rtt_us", k)) for k, _ in PERCENTILES])
        if not rows:
            continue
        base = f"latency-{s}"
        dat = f"{base}.dat"
        write_dat(os.path.join(pdir, dat), ["path"] + [k for k, _ in PERCENTILES], rows)
        scripts.append((base, log_bars(
            f"Round-trip latency, window 1, {s}-byte payload (run {run.run_id})",
            "round trip, µs (log scale)", dat, [label for _, label in PERCENTILES],
            [v for r in rows for v in r[1:]])))


def plot_cost(run, pdir, scripts):
    """Cost per message per path at the smallest size: CPU time, then syscalls and switches."""
    if not run.sizes:
        return
    s = run.sizes[0]
    cpu_rows, call_rows = [], []
    for p in run.paths:
        c = run.ok(p, s, "throughput") or run.ok(p, s, "latency")
        if c is None:
            continue
        lat = run.ok(p, s, "latency")
        cpu_rows.append([p, client_cpu_per_msg_us(c), num(get(c, "server", "cpu_per_msg_us")),
                         client_cpu_per_msg_us(lat) if lat else None,
                         num(get(lat, "server", "cpu_per_msg_us")) if lat else None])
        call_rows.append([p, num(get(c, "client", "syscalls_per_msg")),
                          num(get(c, "server", "syscalls_per_msg")),
                          num(get(c, "client", "csw_per_msg")),
                          num(get(c, "server", "csw_per_msg"))])
    if not cpu_rows:
        return
    common = ["set style data histograms", "set style histogram clustered gap 1",
              "set style fill solid 0.8 border -1", "set boxwidth 0.9", "set grid ytics",
              "set xtics rotate by -30 noenhanced", "set key outside right top",
              "set datafile missing 'NaN'", "set yrange [0:*]"]
    write_dat(os.path.join(pdir, "cost-cpu.dat"),
              ["path", "client_us", "server_us", "client_us_lat", "server_us_lat"], cpu_rows)
    scripts.append(("cost-cpu", [
        gp_title(f"CPU time per message, {s}-byte payload (run {run.run_id})"),
        "set ylabel 'µs of CPU per message (log scale)'"] + common + [
        "set logscale y 10",
        f"set yrange [{latsplit.log_floor([v for r in cpu_rows for v in r[1:]])}:*]",
        "plot 'cost-cpu.dat' using 2:xtic(1) title 'client, throughput cell', "
        "'' using 3 title 'server, throughput cell', '' using 4 title 'client, latency cell', "
        "'' using 5 title 'server, latency cell'"]))
    write_dat(os.path.join(pdir, "cost-calls.dat"),
              ["path", "client_syscalls", "server_syscalls", "client_csw", "server_csw"],
              call_rows)
    scripts.append(("cost-calls", [
        gp_title(f"System calls and context switches per message, {s}-byte payload "
                 f"(run {run.run_id})"),
        "set ylabel 'per message'"] + common + [
        "plot 'cost-calls.dat' using 2:xtic(1) title 'client syscalls', "
        "'' using 3 title 'server syscalls', '' using 4 title 'client context switches', "
        "'' using 5 title 'server context switches'"]))


def make_plots(run, pdir):
    """Write the data and gnuplot scripts, run gnuplot; returns the plot base names."""
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        raise RuntimeError("gnuplot not found: apt-get install gnuplot-nox "
                           "(scripts/lab setup installs it)")
    os.makedirs(pdir, exist_ok=True)
    scripts = []
    plot_throughput(run, pdir, scripts)
    plot_latency(run, pdir, scripts)
    latsplit.plot(run, R, pdir, scripts)
    plot_cost(run, pdir, scripts)
    report_tcp.plot(run, R, pdir, scripts)
    services.plots(run, pdir, scripts)
    made = []
    for base, body in scripts:
        gp = os.path.join(pdir, f"{base}.gp")
        with open(gp, "w") as f:
            f.write(f"# {base}: generated by scripts/lab report for run {run.run_id}\n")
            for term, out in gp_terminals(base):
                f.write(f"{term}\nset output {gp_quote(out)}\n")
                f.write("\n".join(body) + "\nunset output\n")
        r = subprocess.run([gnuplot, os.path.basename(gp)], cwd=pdir, capture_output=True,
                           text=True, timeout=GNUPLOT_TIMEOUT_S)
        if r.returncode != 0:
            raise RuntimeError(f"gnuplot {gp} failed: {r.stderr.strip()[-500:]}")
        for ext in ("png", "svg"):
            out = os.path.join(pdir, f"{base}.{ext}")
            if not os.path.exists(out) or os.path.getsize(out) == 0:
                raise RuntimeError(f"gnuplot {gp} wrote no {out}")
        made.append(base)
    return made


# ---- report.md ---------------------------------------------------------------------------

def describe_run(run):
    m = run.meta
    host = m.get("host", {})
    pl = m.get("placement", {})
    mx = m.get("matrix", {})
    lines = []
    if host:
        lines.append(f"- Machine: {host.get('cpu_model', '?')}, {host.get('cores', '?')} cores, "
                     f"Linux {host.get('kernel', '?')}, {host.get('hugepages_free', '?')} free "
                     f"2 MiB hugepages at start"
                     f"{', DPDK without hugepages' if host.get('no_huge') else ''}.")
    if pl:
        lines.append(f"- CPU placement, the same for every path: {pl.get('text', '')}")
    if mx:
        poll = "; latency-poll cell: the same, both ends polling" if latsplit.has_poll(run) else ""
        lines.append(f"- Matrix: sizes {', '.join(str(s) for s in mx.get('sizes', run.sizes))} "
                     f"bytes; latency cell: closed loop, window 1"
                     f"{poll}; throughput cell: closed loop, "
                     f"window {mx.get('throughput_window', '?')}; {mx.get('duration_s', '?')} s "
                     f"measured after {mx.get('warmup_s', '?')} s warm-up per cell.")
    if m.get("started"):
        lines.append(f"- Started {m['started']}, finished {m.get('finished', '?')}; "
                     f"source {m.get('git', '?')}.")
    return "\n".join(lines)


def write_report(run, path, plots):
    n_ok = sum(1 for c in run.cells if c["lab"]["status"] == "ok")
    bad = failures(run)
    corrupt = sum(int(num(c.get("corrupt")) or 0) for c in run.cells
                  if c["lab"]["status"] == "ok")
    out = [f"# bypasslab report, run {run.run_id}", ""]
    d = describe_run(run)
    if d:
        out += [d, ""]
    out += [f"{len(run.cells)} cells: {n_ok} measured, {len(bad)} not measured"
            f"{' (reasons below)' if bad else ''}. "
            f"Corrupt replies over all measured cells: {corrupt}.", "",
            "Every ratio (×udp) compares with kernel UDP over loopback measured in this same "
            "run, at the same size and in the same cell: above 1 means more messages per "
            "second (Mpps ×udp) or a longer round trip (p50 ×udp, p99 ×udp). "
            "Never compare numbers across runs or machines.", ""]
    real_services = services.report_section(run)
    out += real_services
    if run.base(run.sizes[0] if run.sizes else None, "latency") is None and \
            run.base(run.sizes[0] if run.sizes else None, "throughput") is None:
        out += ["**Kernel UDP was not measured in this run, so there are no ratios to it"
                + (" (the services' ratios above are to TCP)" if real_services else "")
                + ".**", ""]
    for s in run.sizes[:1]:
        out += [f"## Side by side, {s}-byte payload", "",
                "Latency from the latency cell (window 1), throughput from the throughput "
                "cell; the cost columns (client and server CPU µs, syscalls and context "
                "switches per message) from the throughput cell. A polling DPDK server's "
                "CPU time is its whole lcore, idle polling included.", "",
                side_by_side(run, s), ""]
    out += latsplit.section(run, R)
    out += report_tcp.section(run, R)
    if "throughput" in run.kinds:
        out += ["## Throughput against size", "",
                "Million messages per second echoed (ratio to kernel UDP), then Gbit/s of "
                "payload one way.", "", throughput_table(run), ""]
    for k in run.kinds:
        what = {"latency": "window 1: one message in flight, the round trip itself",
                latsplit.POLL_KIND: "window 1, both ends polling: the path's own cost"}.get(
                    k, "deep window: queueing included")
        out += [f"## Round-trip latency, {k} cell (µs; {what})", "", latency_table(run, k), ""]
    out += ["## Cost per message", "",
            "cli/srv µs: CPU time per echoed message; cycles: CPU time in TSC cycles (the "
            "server's busy cycles for bypass-echo); sc: system calls; csw: voluntary plus "
            "involuntary context switches. '-' where the program cannot tell (bypass-echo "
            "makes no data-path syscalls of its own; its PMD may).", "",
            cost_table(run), ""]
    out += report_zerocopy.section(run, md_table, fmt)
    out += ["## Integrity", "",
            "Every reply is checked (payload, length, flow, sequence). Lost: no reply "
            "within the timeout. Sock drops: where lost datagrams went, those the kernel "
            "dropped because the client's or sock-echo's socket receive buffer was full "
            "('-': the side cannot tell, as for DPDK). Corrupt must be 0.", "",
            integrity_table(run), ""]
    events = run.meta.get("events") or []
    if events:
        out += ["## Events during the run", "",
                "Servers that died and were restarted; the cells around them may be affected.",
                ""] + [f"- {e}" for e in events] + [""]
    out += ["## Cells not measured", ""]
    out += [failure_table(run) if bad else "None: every cell of the matrix was measured.", ""]
    if plots:
        out += ["## Plots", "", "Each figure exists as PNG and SVG in plots/.", ""]
        for base in plots:
            out += [f"![{base}](plots/{base}.png)", ""]
    out += ["## Paths", "", md_table(["path", "what a message crosses"],
                                     [[p, describe_path(p)] for p in run.paths],
                                     ["l", "l"]), ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    run_dir = argv[1]
    table = "--table" in argv[2:]
    try:
        run = Run(run_dir)
    except (OSError, ValueError) as e:
        print(f"lab report: {run_dir}: {e}", file=sys.stderr)
        return 1
    write_csv(run, os.path.join(run_dir, "summary.csv"))
    try:
        plots = make_plots(run, os.path.join(run_dir, "plots"))
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"lab report: {e}", file=sys.stderr)
        return 1
    write_report(run, os.path.join(run_dir, "report.md"), plots)
    if table and run.sizes:
        print(f"Side by side, {run.sizes[0]}-byte payload (run {run.run_id}; ×udp: ratio to "
              f"kernel UDP in this run)")
        print(side_by_side(run, run.sizes[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
