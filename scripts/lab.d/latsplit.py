# SPDX-License-Identifier: BSD-3-Clause
"""The latency split of a run: each path's p50 with sleeping ends against both ends polling.

A `latency` cell measures the path as configured (kernel clients and servers sleep in the kernel
between messages); a `latency-poll` cell the same path with both ends spinning (sock-echo
--io busy-poll, echo-gen --busy-poll; bypass-echo and the DPDK clients always poll). The polling
p50 is the path's own cost, the difference is what waking the sleeping end(s) adds.
Used by report.py, which passes itself as `r` for its number formatting, tables and plot helpers.
"""

import math
import os

POLL_KIND = "latency-poll"
# Paths whose both ends poll in every cell when a cell does not say (results from before the
# cells recorded client_polls/server_polls).
ALWAYS_POLLING = ("net_memif", "net_ring")


def cpus(s):
    return {c for c in str(s or "").split(",") if c != ""}


def ends_polling(cell, base):
    """(client polls, server polls) of a cell: as recorded, else as the lab always ran them."""
    lab = cell.get("lab") or {}
    cli, srv = lab.get("client_polls"), lab.get("server_polls")
    if isinstance(cli, bool) and isinstance(srv, bool):
        return cli, srv
    if base in ALWAYS_POLLING:
        return True, True
    spin = "@busy-poll" in cell.get("path", "")
    kernel = cell.get("driver") is None and cell.get("transport") != "dpdk"
    return spin, (spin if kernel else True)


def split(run, r, path, size):
    """The pair of one path at one size: p50s, their difference and what the difference means."""
    sleep, poll = run.ok(path, size, "latency"), run.ok(path, size, POLL_KIND)
    s = r.num(r.get(sleep, "rtt_us", "p50")) if sleep else None
    p = r.num(r.get(poll, "rtt_us", "p50")) if poll else None
    ends = ends_polling(sleep, r.base_path(path)) if sleep else None
    lab = (sleep or poll or {}).get("lab") or {}
    return {
        "path": path, "sleep": s, "poll": p,
        "wake": s - p if s is not None and p is not None else None,
        # Both ends already poll in the latency cell: two measurements of one configuration.
        "repeat": ends == (True, True),
        "client_only": ends == (False, True),
        "shared_cpu": bool(cpus(lab.get("client_cpus")) & cpus(lab.get("server_cpus"))),
    }


def splits(run, r, size):
    return [split(run, r, p, size) for p in run.paths]


def has_poll(run):
    return POLL_KIND in run.kinds


def ends_text(cell, r):
    if cell is None:
        return "-"
    cli, srv = ends_polling(cell, r.base_path(cell["path"]))
    if cli and srv:
        return "both"
    if cli or srv:
        return "client" if cli else "server"
    return "neither"


def pct(v):
    return f"{v * 100:.0f} %"


def dominance(run, r, size):
    """One sentence: which share of the sleeping round trip dominates on this machine, at this
    size, over the paths where an end sleeps; None when the run has no pair to compare."""
    rows = [x for x in splits(run, r, size) if x["wake"] is not None and x["sleep"] > 0
            and not x["repeat"] and not x["shared_cpu"]]
    if not rows:
        return None
    for x in rows:
        x["share"] = x["wake"] / x["sleep"]
    rows.sort(key=lambda x: x["share"])
    lo, hi = rows[0], rows[-1]
    where = (f"on all {len(rows)} paths where an end sleeps" if len(rows) > 1 else
             f"on the one path where an end sleeps ({lo['path']})")
    span = (f"{pct(lo['share'])} ({lo['path']}) to {pct(hi['share'])} ({hi['path']})"
            if len(rows) > 1 else pct(lo["share"]))
    if lo["share"] >= 0.5:
        return (f"On this machine the wake-up dominates: at {size} B, waking the sleeping "
                f"end(s) is {span} of the sleeping round trip (p50) {where}; the path's own "
                f"cost, measured with both ends polling, is the rest.")
    if hi["share"] < 0.5:
        return (f"On this machine the path's own cost dominates: at {size} B, waking the "
                f"sleeping end(s) is only {span} of the sleeping round trip (p50) {where}.")
    order = {p: i for i, p in enumerate(run.paths)}
    rows.sort(key=lambda x: order[x["path"]])
    more = [x["path"] for x in rows if x["share"] >= 0.5]
    less = [x["path"] for x in rows if x["share"] < 0.5]
    return (f"On this machine the wake-up dominates on {len(more)} of the {len(rows)} paths "
            f"where an end sleeps at {size} B (more than half of the sleeping round trip, p50: "
            f"{', '.join(more)}), the path's own cost on {', '.join(less)}.")


def noise(run, r, size):
    """How far two measurements of one configuration lie apart in this run: |a - b| / mean for
    each path whose both ends poll in both cells, as [(path, fraction)]; empty without any."""
    return [(x["path"], abs(x["wake"]) / ((x["sleep"] + x["poll"]) / 2))
            for x in splits(run, r, size)
            if x["repeat"] and x["wake"] is not None and x["sleep"] + x["poll"] > 0]


def headline_cells(x, r):
    """The three headline columns of one path: p50 sleeping, p50 polling, wake-up µs."""
    # Round before formatting so that a difference of -0.004 reads 0.00, not -0.00.
    wake = r.fmt(round(x["wake"], 2) + 0.0 if x["wake"] is not None else None)
    if x["wake"] is not None and x["repeat"]:
        wake += " (=)"
    return [r.fmt(x["sleep"]), r.fmt(x["poll"]), wake]


def headline_notes(run, r, size):
    """The lines under the headline table that say what its split columns mean here."""
    if not has_poll(run):
        return [f"p50 poll µs: this run has no {POLL_KIND} cells (a matrix without them)."]
    xs = splits(run, r, size)
    notes = ["p50 sleep µs: the latency cell (ends as configured; kernel ends sleep between "
             "messages); p50 poll µs: the latency-poll cell, both ends polling: the path's own "
             "cost; wake-up µs: their difference, what waking the sleeping end(s) adds."]
    client = [x["path"] for x in xs if x["client_only"] and x["wake"] is not None]
    if client:
        notes.append(f"{', '.join(client)}: bypass-echo always polls, so only the client "
                     f"sleeps in the latency cell and wakes up.")
    rep = [x["path"] for x in xs if x["repeat"] and x["wake"] is not None]
    if rep:
        notes.append(f"(=) {', '.join(rep)}: both ends poll in both cells (DPDK on both ends, "
                     f"or sock-echo --io busy-poll), so the two cells are one configuration "
                     f"measured twice and their difference is this run's noise.")
    shared = [x["path"] for x in xs if x["shared_cpu"] and x["wake"] is not None]
    if shared:
        notes.append(f"{', '.join(shared)}: client and server share a CPU, so two polling "
                     f"ends take turns on it at the scheduler's pace.")
    d = dominance(run, r, size)
    if d:
        notes.append(d)
    n = noise(run, r, size)
    if n:
        each = ", ".join(f"{pct(f)} on {p}" for p, f in n)
        notes.append(f"Measured twice in one configuration, p50 differs by {each} in this "
                     f"run: a difference between two paths of that order may be noise.")
    return notes


def section(run, r):
    """The report's section with the split at every size, and which ends polled in each cell."""
    if not has_poll(run):
        return []
    rows = []
    for s in run.sizes:
        for x in splits(run, r, s):
            if x["sleep"] is None and x["poll"] is None:
                continue
            share = x["wake"] / x["sleep"] if x["wake"] is not None and x["sleep"] else None
            rows.append([x["path"], s] + headline_cells(x, r) +
                        [pct(share) if share is not None else "-",
                         ends_text(run.ok(x["path"], s, "latency"), r),
                         ends_text(run.ok(x["path"], s, POLL_KIND), r)])
    if not rows:
        return []
    header = ["path", "bytes", "p50 sleep µs", "p50 poll µs", "wake-up µs", "wake-up share",
              "polling in latency", "polling in latency-poll"]
    out = ["## Path cost and wake-up cost", "",
           "The same path measured twice at window 1: with its ends as configured (the "
           "latency cell: a kernel client or server sleeps in the kernel and is woken by each "
           "message, on another CPU) and with both ends polling (the latency-poll cell: "
           "sock-echo --io busy-poll and echo-gen --busy-poll; bypass-echo and the DPDK "
           "clients always poll). The polling round trip is the path's own cost; the "
           "difference is the wake-up's share. The last two columns say which ends polled "
           "in each cell.", "",
           r.md_table(header, rows, ["l", "r", "r", "r", "r", "r", "l", "l"]), ""]
    for s in run.sizes:
        d = dominance(run, r, s)
        if d:
            out.append(f"- {d}")
    return out + [""]


def log_floor(values):
    """The bottom of a log axis that shows every positive value: the power of ten below the
    smallest (gnuplot's autoscale can start above it and hide the shortest bars)."""
    vals = [v for v in values if v is not None and v > 0]
    if not vals:
        return "*"
    # Below 80 % of it, so that a bar of exactly a power of ten still has a height.
    return f"{10 ** math.floor(math.log10(min(vals) * 0.8)):g}"


def plot(run, r, pdir, scripts):
    """latency-split-SIZE: the two p50 bars per path, on a log axis from below the smallest."""
    if not has_poll(run):
        return
    for s in run.sizes:
        rows = [[x["path"], x["sleep"], x["poll"]] for x in splits(run, r, s)
                if x["sleep"] is not None or x["poll"] is not None]
        if not rows:
            continue
        base = f"latency-split-{s}"
        dat = f"{base}.dat"
        r.write_dat(os.path.join(pdir, dat), ["path", "p50_sleeping", "p50_polling"], rows)
        scripts.append((base, r.log_bars(
            f"p50 round trip, sleeping ends against both ends polling, {s}-byte payload "
            f"(run {run.run_id})", "round trip p50, µs (log scale)", dat,
            ["sleeping ends (latency cell)", "both ends polling (latency-poll cell)"],
            [v for row in rows for v in row[1:]], key="top right")))
