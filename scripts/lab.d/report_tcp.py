# SPDX-License-Identifier: BSD-3-Clause
"""Kernel TCP against bypass TCP in one run's report: the latency, throughput and server cost of
kernel TCP over loopback (`tcp`) beside bypass-echo's user-space TCP on each device whose client
is the kernel (`net_tap+tcp`, `net_af_packet+tcp`, `net_af_xdp+tcp`), each also against UDP on
the same device, the TCP counters of every bypass TCP cell, and two plots.

report.py calls section(run, r) and plot(run, r, pdir, scripts), passing itself as `r` for its
number formatting, tables and plot helpers; both do nothing for a run without a +tcp path.
Every ratio pairs two paths of this same run at the same size and in the same cell.
"""

import os


KERNEL_TCP = "tcp"
MOD = "+tcp"
POLL_KIND = "latency-poll"
# The counters each bypass TCP cell records (lab.tcp_*), in the order the table shows them.
COUNTERS = [("conns_opened", "conns"), ("conns_closed", "closed"), ("conns_reset", "reset"),
            ("conns_timed_out", "timed out"), ("retransmits", "retransmits"),
            ("fast_retransmits", "fast rtx"),
            ("dup_acks_sent", "dup ACKs"), ("rsts_sent", "RSTs sent"),
            ("tcbs_in_use_end", "TCBs at end"), ("rtx_mbufs_end", "rtx mbufs at end")]


def is_bypass_tcp(path):
    head = path.split("%", 1)[0]
    return head.endswith(MOD) or (MOD + "+") in head


def udp_sibling(path):
    """net_tap+tcp+1cpu -> net_tap+1cpu: the same device and placement speaking UDP."""
    head = path.split("%", 1)[0]
    return head.replace(MOD + "+", "+") if (MOD + "+") in head else head[:-len(MOD)]


def relevant(run):
    return any(is_bypass_tcp(p) for p in run.paths)


def tcp_paths(run):
    """Kernel TCP first (when measured in the run), then every bypass TCP path in run order."""
    return ([KERNEL_TCP] if KERNEL_TCP in run.paths else []) + \
        [p for p in run.paths if is_bypass_tcp(p)]


# What a bypass TCP path's messages cross (report.md's table of paths).
CROSSES = ("kernel TCP client (echo-gen), the device, then bypass-echo's user-space TCP "
           "(lib/stack) echoing from its poll loop")


def _cost_cell(run, p, s):
    return run.ok(p, s, "throughput") or run.ok(p, s, "latency")


def figures(run, r, p, s):
    """One path's figures at one size: p50 (sleeping, polling), p99, Mpps, server cost."""
    lat, poll, thr = run.ok(p, s, "latency"), run.ok(p, s, POLL_KIND), run.ok(p, s, "throughput")
    cost = _cost_cell(run, p, s)
    return {
        "p50": r.num(r.get(lat, "rtt_us", "p50")) if lat else None,
        "p50_poll": r.num(r.get(poll, "rtt_us", "p50")) if poll else None,
        "p99": r.num(r.get(lat, "rtt_us", "p99")) if lat else None,
        "mpps": r.num(thr.get("pps")) / 1e6 if thr and r.num(thr.get("pps")) else None,
        "srv_cycles": r.num(r.get(cost, "server", "cycles_per_msg")) if cost else None,
        "srv_us": r.num(r.get(cost, "server", "cpu_per_msg_us")) if cost else None,
        "cli_us": r.client_cpu_per_msg_us(cost) if cost else None,
    }


def side_by_side_rows(run, r, s):
    k = figures(run, r, KERNEL_TCP, s) if KERNEL_TCP in run.paths else None
    rows = []
    for p in tcp_paths(run):
        f = figures(run, r, p, s)
        if all(v is None for v in f.values()):
            rows.append([p, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"])
            continue
        vs = (lambda key: r.fmt_ratio(r.ratio(f[key], k[key]))) if k and p != KERNEL_TCP \
            else (lambda key: "-")
        rows.append([p, r.fmt(f["p50"]), r.fmt(f["p50_poll"]), r.fmt(f["p99"]),
                     r.fmt(f["mpps"], 3), r.fmt(f["srv_cycles"], 0), r.fmt(f["srv_us"]),
                     r.fmt(f["cli_us"]), vs("p50"), vs("mpps"), vs("srv_cycles")])
    return rows


def over_udp_rows(run, r):
    rows = []
    for p in run.paths:
        u = udp_sibling(p) if is_bypass_tcp(p) else None
        if u is None or u not in run.paths:
            continue
        for s in run.sizes:
            t, d = figures(run, r, p, s), figures(run, r, u, s)
            if t["p50"] is None and t["mpps"] is None:
                continue
            rows.append([f"{p} / {u}", s, r.fmt(t["p50"]), r.fmt(d["p50"]),
                         r.fmt_ratio(r.ratio(t["p50"], d["p50"])),
                         r.fmt_ratio(r.ratio(t["p50_poll"], d["p50_poll"])),
                         r.fmt_ratio(r.ratio(t["mpps"], d["mpps"])),
                         r.fmt(t["srv_cycles"], 0), r.fmt(d["srv_cycles"], 0),
                         r.fmt_ratio(r.ratio(t["srv_cycles"], d["srv_cycles"]))])
    return rows


def counter_rows(run):
    rows = []
    for p in run.paths:
        if not is_bypass_tcp(p):
            continue
        for s in run.sizes:
            for k in run.kinds:
                c = run.cell(p, s, k)
                if c is None:
                    continue
                lab = c["lab"]
                if not any(f"tcp_{key}" in lab for key, _ in COUNTERS):
                    continue
                rows.append([p, s, k, lab["status"]] +
                            [lab.get(f"tcp_{key}", "-") for key, _ in COUNTERS])
    return rows


def section(run, r):
    """Markdown lines for report.md, or [] when the run has no bypass TCP path."""
    if not relevant(run):
        return []
    out = ["## Kernel TCP against bypass TCP", "",
           "The same TCP echo served by the kernel over loopback (`tcp`: sock-echo, kernel "
           "TCP at both ends) and by bypass-echo's user-space TCP on a device (`net_tap+tcp`, "
           "...: echo-gen's kernel TCP is the client, so one end is the kernel's TCP in every "
           "row). p50 and p99 from the latency cell (window 1), p50 poll from the "
           "latency-poll cell (both ends polling), Mpps from the throughput cell; the server "
           "cost from the throughput cell: sock-echo's CPU per message (its cycles: that CPU "
           "in TSC cycles), or bypass-echo's busy cycles per message and its whole polling "
           "lcore per message (µs). Over loopback the kernel does much of the server's "
           "receive work in the sender's system call, on the client's CPU: kernel TCP's server "
           "figures leave that out. ×tcp: this row / kernel TCP, same size, same cell.", ""]
    header = ["path", "p50 µs", "p50 poll µs", "p99 µs", "Mpps", "srv cycles/msg",
              "srv µs/msg", "cli µs/msg", "p50 ×tcp", "Mpps ×tcp", "srv cycles ×tcp"]
    for s in run.sizes:
        rows = side_by_side_rows(run, r, s)
        if any(x[1:] != ["-"] * (len(header) - 1) for x in rows):
            out += [f"### {s}-byte messages", "", r.md_table(header, rows), ""]
    if KERNEL_TCP not in run.paths:
        out += ["Kernel TCP (`tcp`) was not in this run's matrix: no ×tcp ratios.", ""]
    rows = over_udp_rows(run, r)
    if rows:
        out += ["### What TCP adds on the same device", "",
                "Each bypass TCP path against the same device speaking UDP to the same "
                "bypass-echo (its UDP echo): round trip, throughput and the server's busy "
                "cycles per message, with the ratio TCP / UDP.", "",
                r.md_table(["TCP / UDP", "bytes", "TCP p50 µs", "UDP p50 µs", "p50 ratio",
                            "p50 poll ratio", "Mpps ratio", "TCP srv cycles",
                            "UDP srv cycles", "srv cycles ratio"], rows,
                           ["l"] + ["r"] * 9), ""]
    rows = counter_rows(run)
    if rows:
        out += ["### bypass-echo's TCP counters per cell", "",
                "The change of bypass-echo's TCP counters over each cell (warm-up and "
                "connection set-up included), and the TCBs and retransmission mbufs still "
                "held once the cell's connections were closed: a cell fails unless every "
                "connection it opened was closed or reset and both are back to 0, with no "
                "message lost or corrupt.", "",
                r.md_table(["path", "bytes", "cell", "status"] + [h for _, h in COUNTERS],
                           rows, ["l", "r", "l", "l"] + ["r"] * len(COUNTERS)), ""]
    return out


def plot(run, r, pdir, scripts):
    """tcp-latency-SIZE (p50 sleeping, p50 polling, p99 per TCP path) and tcp-cost (server
    cycles per message per TCP path at each size), both on log axes."""
    if not relevant(run):
        return
    paths = tcp_paths(run)
    for s in run.sizes[:1]:
        rows = []
        for p in paths:
            f = figures(run, r, p, s)
            if f["p50"] is not None or f["p50_poll"] is not None:
                rows.append([p, f["p50"], f["p50_poll"], f["p99"]])
        if not rows:
            continue
        base = f"tcp-latency-{s}"
        r.write_dat(os.path.join(pdir, f"{base}.dat"), ["path", "p50", "p50_poll", "p99"], rows)
        scripts.append((base, r.log_bars(
            f"TCP round trip, kernel TCP against bypass TCP, {s}-byte messages "
            f"(run {run.run_id})", "round trip, µs (log scale)", f"{base}.dat",
            ["p50, sleeping client (latency cell)", "p50, both ends polling (latency-poll)",
             "p99, latency cell"], [v for x in rows for v in x[1:]])))
    rows = []
    for p in paths:
        row = [p] + [figures(run, r, p, s)["srv_cycles"] for s in run.sizes]
        if any(v is not None for v in row[1:]):
            rows.append(row)
    if rows:
        r.write_dat(os.path.join(pdir, "tcp-cost.dat"),
                    ["path"] + [f"cycles_{s}" for s in run.sizes], rows)
        scripts.append(("tcp-cost", r.log_bars(
            f"Server cycles per TCP message, kernel TCP against bypass TCP "
            f"(run {run.run_id})", "server cycles per message (log scale)", "tcp-cost.dat",
            [f"{s}-byte messages" for s in run.sizes], [v for x in rows for v in x[1:]])))
