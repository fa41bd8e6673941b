# SPDX-License-Identifier: BSD-3-Clause
"""scripts/bench's bookkeeping and report: the run's manifest (one JSON line per cell), its
metadata, and the table with the ratios, printed and saved as bench.json and bench.md.

  report.py record CELLS.jsonl key=value...   append one cell to the manifest
  report.py meta META.json key=value...       merge keys into the run's metadata
  report.py line CELLS.jsonl                  one progress line for the last cell
  report.py procs SNAP.json                   CPU time of every process now (the other load)
  report.py clean-pairs CELLS.jsonl N         exit 0 when N rounds of section 1 had both
                                              servers undisturbed
  report.py build DIR                         DIR/bench.json, DIR/bench.md, the table on stdout
"""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

DISTURBED_SHARE = 0.9  # a polling thread that got less of its CPU than this was disturbed
TARGET_RATIO = 1.0  # bypass-echo / testpmd Mpps per polling lcore (issue 7)
MESSAGE_TRANSPORTS = ("udp", "uds-dgram", "uds-seqpacket")
OTHER_LOAD_SHARE = 0.05  # other processes using more of a CPU than this are listed
SATURATED_SHARE = 0.9  # a server busy less than this share of its lcore's time had headroom
CYCLES_ROUNDS_MIN = 3  # undisturbed rounds each server needs for its cycles to compare


def failed_note(rec):
    """Why a cell failed when its record says nothing: the last error either side logged."""
    return (last_error(rec.get("gen_log")) or last_error(rec.get("server_log")) or
            f"echo-gen exit {rec.get('gen_rc')}")


def generator_bound(d):
    """Both servers were busy under SATURATED_SHARE in their undisturbed rounds: the closed
    loop ran at echo-gen's pace, and the Mpps ratio says nothing about the servers."""
    shares = [d.get(n, {}).get("clean_busy_share_median") for n in ("bypass-echo", "testpmd")]
    return all(x is not None for x in shares) and max(shares) < SATURATED_SHARE


def kv(args):
    out = {}
    for a in args:
        k, sep, v = a.partition("=")
        if not sep:
            sys.exit(f"report.py: '{a}': expected key=value")
        out[k] = v
    return out


def num(v, default=None):
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError, TypeError):
        return None


def cmd_record(path, args):
    with open(path, "a") as f:
        f.write(json.dumps(kv(args)) + "\n")


def cmd_meta(path, args):
    meta = load_json(path) or {}
    meta.update(kv(args))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(tmp, path)


def cmd_procs(path):
    """Every process's CPU ticks, with its start time to tell a reused pid apart."""
    snap = {"t": time.time(), "hz": os.sysconf("SC_CLK_TCK"), "procs": {}}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        f = stat[stat.rindex(")") + 2:].split()
        # after the comm: state is field 3, so utime (14), stime (15), starttime (22)
        snap["procs"][pid] = [comm, int(f[11]) + int(f[12]), f[19], cmd[:160]]
    with open(path, "w") as fh:
        json.dump(snap, fh)


def other_load(out):
    """Per section, the processes alive through it that used a noticeable share of a CPU: the
    noise the section competed with. The bench's own processes start and end inside a cell,
    so no snapshot (taken between sections) sees them."""
    snaps = sorted((n for n in os.listdir(out) if re.match(r"procs-\d+-.*\.json$", n)),
                   key=lambda n: int(n.split("-")[1]))
    result = []
    for a_name, b_name in zip(snaps, snaps[1:]):
        a, b = load_json(os.path.join(out, a_name)), load_json(os.path.join(out, b_name))
        if not a or not b or b["t"] <= a["t"]:
            continue
        wall = b["t"] - a["t"]
        found = []
        for pid, (comm, ticks, start, cmd) in b["procs"].items():
            old = a["procs"].get(pid)
            if not old or old[2] != start:
                continue
            used = (ticks - old[1]) / b["hz"] / wall
            if used >= OTHER_LOAD_SHARE:
                found.append({"pid": int(pid), "comm": comm, "cpu_share": used, "cmd": cmd})
        section = re.match(r"procs-\d+-(.*)\.json$", b_name).group(1)
        result.append({"section": section, "wall_s": wall,
                       "cpus": sum(x["cpu_share"] for x in found),
                       "procs": sorted(found, key=lambda x: -x["cpu_share"])})
    return result


def read_cells(path):
    cells = []
    with open(path) as f:
        for line in f:
            if line.strip():
                cells.append(json.loads(line))
    return cells


# ---- one measured cell --------------------------------------------------------------------------

def gen_cell(rec):
    """The echo-gen result of a record (first cell of its JSON array), or None."""
    r = load_json(rec.get("result"))
    if isinstance(r, list) and r:
        return r[0]
    return None


def share(cpu_s, wall_s):
    if cpu_s is None or not wall_s:
        return None
    return cpu_s / wall_s


def dpdk_row(rec):
    """The figures of one DPDK server round."""
    c = gen_cell(rec)
    row = {"server": rec.get("server"), "round": int(num(rec.get("round"), 0)),
           "workers": int(num(rec.get("workers"), 1)), "status": rec.get("status"),
           "note": rec.get("note") or None, "server_rc": rec.get("server_rc")}
    if row["status"] == "failed" and not row["note"]:
        row["note"] = failed_note(rec)
    if c is None:
        return row
    srv = c.get("server") or {}
    row.update(mpps=c["pps"] / 1e6, sent=c["sent"], received=c["received"], lost=c["lost"],
               corrupt=c["corrupt"], duration_s=c["duration_s"],
               rtt_p50_us=c["rtt_us"]["p50"], rtt_p99_us=c["rtt_us"]["p99"],
               gen_share=share(c["client"]["cpu_s"], c["duration_s"]),
               gen_cycles_per_msg=c["client"]["cycles_per_msg"])
    row.update(sched_shares(rec, row["workers"]))
    if rec.get("server") == "testpmd":
        tp = testpmd_counts(rec.get("server_log"), num(rec.get("window_s")))
        if not tp and rec.get("window_s") and str(rec.get("server_rc")) not in ("0", "None"):
            # it died printing the stats bench asked for, before echo-gen's interval ended:
            # the rest of the interval had no server, so the rate is not testpmd's
            row["status"] = "failed"
            row["note"] = (f"testpmd died (status {rec.get('server_rc')}) printing its forward "
                           f"stats inside the measured interval")
        if tp:
            row.update(tp)
            row["cycles_per_pkt"] = tp["tp_cycles"] / tp["tp_packets"]
            row["busy_share"] = tp["tp_cycles"] / (tp["tp_mhz"] * 1e6 * tp["tp_window_s"] *
                                                    row["workers"])
    if rec.get("server") == "bypass-echo":
        row["cycles_per_pkt"] = srv.get("cycles_per_msg")
        st = load_json(rec.get("stats"))
        if st and row["cycles_per_pkt"] and st.get("tsc_hz"):
            row["tsc_hz"] = st["tsc_hz"]
            row["busy_share"] = (row["cycles_per_pkt"] * c["received"] /
                                 (st["tsc_hz"] * c["duration_s"] * row["workers"]))
        if st and st.get("per_lcore"):
            row["per_lcore_rx"] = [lc.get("rx") for lc in st["per_lcore"]]
        if st and st.get("busy_polls"):
            # over its whole run, warm-up and measured interval alike
            row["pkts_per_busy_poll"] = st["rx"] / st["busy_polls"]
        if st:
            row["tx_dropped"] = st.get("tx_dropped")
            row["drops"] = sum((st.get("drops") or {}).values())
    if c["lost"] or c["corrupt"]:
        row["note"] = ((row["note"] + "; ") if row["note"] else "") + \
                f"lost {c['lost']}, corrupt {c['corrupt']}"
    if (row["status"] == "ok" and str(row["server_rc"]) not in ("0", "None")
            and not rec.get("note")):
        row["note"] = ((row["note"] + "; ") if row["note"] else "") + \
                f"{row['server']} exit status {row['server_rc']} when stopped"
    return row


def sched_shares(rec, workers=1):
    """The polling threads' share of the watched window on a CPU, and waiting for one."""
    sched = [str(rec.get(k, "")).split(":") for k in ("lcore_sched0", "lcore_sched1")]
    wall = num(rec.get("window_s"))
    if not (all(len(x) == 3 for x in sched) and sched[0][2] == sched[1][2] != "0" and wall):
        return {}
    run, wait = (int(sched[1][i]) - int(sched[0][i]) for i in (0, 1))
    return {"lcore_share": run / 1e9 / wall / workers,
            "lcore_wait_share": wait / 1e9 / wall / workers}


TESTPMD_CYCLES = re.compile(r"CPU cycles/packet=([0-9.]+) \(total cycles=([0-9]+) / total "
                            r"\S+ packets=([0-9]+)\) at ([0-9]+) MHz Clock")
# --record-burst-stats: testpmd transmits only what a poll brought, so its TX bursts are the
# polls that returned packets.
TESTPMD_TX_BURSTS = re.compile(r"TX-bursts : ([0-9]+) ")


def testpmd_counts(log, window_s):
    """testpmd's own count over the window bench cleared and showed its forward stats in: the
    first 'CPU cycles/packet' line of its log (the one 'show fwd stats all' printed)."""
    if not window_s:
        return None
    try:
        m = TESTPMD_CYCLES.search(open(log, errors="replace").read())
    except (OSError, TypeError):
        return None
    if not m:
        return None
    cycles, packets, mhz = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if packets == 0 or packets >= 1 << 62:  # shown after the peer left: counters wrapped
        return None
    out = {"tp_cycles": cycles, "tp_packets": packets, "tp_mhz": mhz, "tp_window_s": window_s,
           "tp_own_mpps": packets / window_s / 1e6}
    # the same 'show fwd stats all', printed before the cycles
    b = TESTPMD_TX_BURSTS.search(m.string, 0, m.start())
    if b and int(b.group(1)) > 0:
        out["pkts_per_busy_poll"] = packets / int(b.group(1))
    return out


def clean_pairs(cells):
    """Rounds of section 1 where both servers ran ok and undisturbed: {round: {server: row}}."""
    pairs = {}
    for r in cells:
        if r.get("section") == "dpdk" and r.get("round"):
            x = dpdk_row(r)
            pairs.setdefault(x["round"], {})[x["server"]] = x
    return {k: p for k, p in pairs.items()
            if all(n in p and p[n]["status"] == "ok" and p[n].get("lcore_share") is not None
                   and not disturbed(p[n]) for n in ("bypass-echo", "testpmd"))}


def ring_summary(cells, notes):
    """In-process net_ring: bypass-echo's stack against a bare swap, alternated rounds."""
    recs = [r for r in cells if r.get("section") == "ring"]
    out = {"stack": [], "swap": [], "pairs": {}, "stack_clean": [], "swap_clean": []}
    for r in recs:
        if r.get("status") == "skipped":
            notes.append(f"section 1, net_ring: skipped: {r.get('note')}")
            continue
        c = gen_cell(r)
        if r.get("status") != "ok" or not c:
            notes.append(f"section 1, net_ring {r.get('echo')} round {r.get('round')} failed "
                         f"(exit {r.get('gen_rc')}; log {r.get('gen_log')})")
            continue
        mpps = c["pps"] / 1e6
        out[r["echo"]].append(mpps)
        out["pairs"].setdefault(r.get("round"), {})[r["echo"]] = mpps
        row = {"gen_share": share(c["client"]["cpu_s"], c["duration_s"]), "workers": 1}
        row.update(sched_shares(r))
        if row.get("lcore_share") is not None and not disturbed(row):
            out[r["echo"] + "_clean"].append(mpps)
    for k in ("stack", "swap"):
        out[k + "_median"] = med(out[k])
        out[k + "_clean_median"] = med(out[k + "_clean"])
    ratios = [p["stack"] / p["swap"] for p in out["pairs"].values()
              if p.get("stack") and p.get("swap")]
    out["round_ratios"] = ratios
    out["ratio"] = (out["stack_median"] / out["swap_median"]
                    if out["stack_median"] and out["swap_median"] else None)
    # A throughput only loses to noise: the best swap round is the generator's ceiling.
    out["gen_ceiling_mpps"] = max(out["swap"], default=None)
    del out["pairs"]
    return out


def last_error(log):
    """The last line of a log that says what went wrong, for a failed cell's note."""
    try:
        lines = open(log, errors="replace").read().splitlines()
    except (OSError, TypeError):
        return None
    for line in reversed(lines):
        if "error" in line.lower() or "fail" in line.lower():
            return line.strip()[:200]
    return None


def disturbed(row):
    return any(row.get(k) is not None and row[k] < DISTURBED_SHARE
               for k in ("lcore_share", "gen_share"))


def sock_row(rec):
    c = gen_cell(rec)
    row = {"transport": rec.get("transport"), "io": rec.get("io"),
           "threads": int(num(rec.get("threads"), 1)), "status": rec.get("status"),
           "note": rec.get("note") or None}
    if row["status"] == "failed" and not row["note"]:
        row["note"] = failed_note(rec)
    if c is None:
        return row
    s = c.get("server") or {}
    row.update(mpps=c["pps"] / 1e6, received=c["received"], lost=c["lost"],
               corrupt=c["corrupt"], rtt_p50_us=c["rtt_us"]["p50"],
               server_us_per_msg=s.get("cpu_per_msg_us"),
               server_cycles_per_msg=s.get("cycles_per_msg"),
               server_syscalls_per_msg=s.get("syscalls_per_msg"),
               server_csw_per_msg=s.get("csw_per_msg"),
               client_syscalls_per_msg=c["client"]["syscalls_per_msg"],
               client_cycles_per_msg=c["client"]["cycles_per_msg"],
               gen_share=share(c["client"]["cpu_s"], c["duration_s"] * row["threads"]),
               server_cpu_share=share(s.get("cpu_s"), c["duration_s"] * row["threads"]))
    if row["server_us_per_msg"]:
        row["msgs_per_server_cpu_s"] = 1e6 / row["server_us_per_msg"]
    if s.get("note"):
        row["note"] = s["note"]
    if c["lost"] or c["corrupt"]:
        row["note"] = f"lost {c['lost']}, corrupt {c['corrupt']}"
    return row


def stack_table(path, ncols):
    """Rows of scripts/bench-stack's output: a kind name then ncols numbers."""
    rows = []
    pat = re.compile(r"^(.*?)\s+" + r"\s+".join([r"([0-9.]+)"] * ncols) + r"\s*$")
    try:
        lines = open(path).read().splitlines()
    except (OSError, TypeError):
        return rows
    header = False
    for line in lines:
        if line.startswith("kind"):
            header = True
            continue
        m = pat.match(line)
        if header and m:
            rows.append([m.group(1).strip()] + [float(x) for x in m.groups()[1:]])
    return rows


# ---- summary ------------------------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def middle_half(xs):
    """The first and third quartiles of xs (its range with fewer than 4), or None."""
    xs = sorted(x for x in xs if x is not None)
    if len(xs) < 4:
        return (xs[0], xs[-1]) if xs else None
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def pair_cycles_text(d):
    """The round-by-round capacity ratio, its middle half, and what that spread allows one to
    say; None without undisturbed pairs."""
    pr = d.get("clean_pair_cycle_ratios") or []
    if not pr:
        return None
    lo, hi = middle_half(pr)
    if lo <= 1.0 <= hi:
        say = "1.0 lies inside it: at this noise the two lcores cost the same per packet"
    elif lo > 1.0:
        say = "above 1.0: bypass-echo needed fewer cycles in most pairs"
    else:
        say = "below 1.0: testpmd needed fewer cycles in most pairs"
    span = "middle half" if len(pr) >= 4 else "range"
    return (f"median {med(pr):.2f} over {len(pr)} undisturbed pairs, {span} {lo:.2f} … "
            f"{hi:.2f}; {say}")


def summarize(out):
    meta = load_json(os.path.join(out, "meta.json")) or {}
    cells = read_cells(os.path.join(out, "cells.jsonl"))
    notes = []
    res = {"meta": meta, "dpdk": {}, "stack": {}, "sock": [], "scale": [], "notes": notes,
           "other_load": other_load(out)}

    # 1. DPDK servers
    rounds = [dpdk_row(r) for r in cells if r.get("section") == "dpdk" and r.get("round")]
    for r in cells:
        if r.get("section") == "dpdk" and r.get("status") == "skipped":
            notes.append(f"section 1: {r.get('server') or 'all'} skipped: {r.get('note')}")
    summ = {}
    for name in ("bypass-echo", "testpmd"):
        ok = [x for x in rounds if x["server"] == name and x["status"] == "ok"]
        failed = [x for x in rounds if x["server"] == name and x["status"] != "ok"]
        summ[name] = {
                "rounds": len(ok), "failed": len(failed),
                "mpps_median": med([x.get("mpps") for x in ok]),
                "mpps_min": min((x["mpps"] for x in ok), default=None),
                "mpps_max": max((x["mpps"] for x in ok), default=None),
                "lost": sum(x.get("lost", 0) for x in ok),
                "corrupt": sum(x.get("corrupt", 0) for x in ok),
                "cycles_per_pkt_median": med([x.get("cycles_per_pkt") for x in ok]),
                "cycles_per_pkt_min": min((x["cycles_per_pkt"] for x in ok
                                           if x.get("cycles_per_pkt")), default=None),
                "busy_share_median": med([x.get("busy_share") for x in ok]),
                "pkts_per_busy_poll_median": med([x.get("pkts_per_busy_poll") for x in ok]),
                "lcore_share_median": med([x.get("lcore_share") for x in ok]),
                "gen_share_median": med([x.get("gen_share") for x in ok]),
                "disturbed": sum(1 for x in ok if disturbed(x)),
        }
        clean = [x for x in ok if not disturbed(x) and x.get("lcore_share") is not None]
        summ[name].update(
                clean_rounds=len(clean),
                clean_mpps_median=med([x.get("mpps") for x in clean]),
                clean_busy_share_median=med([x.get("busy_share") for x in clean]),
                clean_gen_cycles_per_msg=med([x.get("gen_cycles_per_msg") for x in clean]),
                clean_cycles_per_pkt_min=min((x["cycles_per_pkt"] for x in clean
                                              if x.get("cycles_per_pkt")), default=None))
        for x in failed:
            notes.append(f"section 1: {name} round {x['round']} failed: "
                         f"{x.get('note') or 'see logs'}")
    for x in rounds:
        if x["status"] == "ok" and x.get("note"):
            notes.append(f"section 1: {x['server']} round {x['round']}: {x['note']}")
    pairs = {}
    for x in rounds:
        if x["status"] == "ok":
            pairs.setdefault(x["round"], {})[x["server"]] = x["mpps"]
    ratios = [p["bypass-echo"] / p["testpmd"] for p in pairs.values()
              if p.get("bypass-echo") and p.get("testpmd")]
    b, t = summ["bypass-echo"]["mpps_median"], summ["testpmd"]["mpps_median"]
    summ["ratio"] = b / t if b and t else None
    cb, ct = (summ[n]["clean_mpps_median"] for n in ("bypass-echo", "testpmd"))
    summ["clean_ratio"] = cb / ct if cb and ct else None
    # One lcore kept busy does tsc/cycles packets a second: the capacity ratio is the inverse
    # of the cycles'. Noise only adds cycles, so the minimum is the closest to the cost, and
    # only a round where the lcore had its CPU says what a packet costs: compare the
    # undisturbed rounds' minimums, and say so when a server had none.
    cb, ct = (summ[n]["clean_cycles_per_pkt_min"] for n in ("bypass-echo", "testpmd"))
    summ["cycles_from_clean"] = bool(cb and ct)
    # one or two rounds may all have been slowed from below the guest, unseen
    summ["cycles_enough"] = all(summ[n]["clean_rounds"] >= CYCLES_ROUNDS_MIN
                                for n in ("bypass-echo", "testpmd"))
    if not summ["cycles_from_clean"]:
        cb, ct = (summ[n]["cycles_per_pkt_min"] for n in ("bypass-echo", "testpmd"))
    summ["cycles_cmp"] = {"bypass-echo": cb, "testpmd": ct}
    summ["cycles_ratio"] = ct / cb if cb and ct else None
    summ["round_ratios"] = ratios
    summ["round_ratio_median"] = med(ratios)
    cp = clean_pairs(cells)
    summ["clean_pair_ratios"] = [p["bypass-echo"]["mpps"] / p["testpmd"]["mpps"]
                                 for p in cp.values()]
    summ["clean_pair_ratio_median"] = med(summ["clean_pair_ratios"])
    # The same lcores round by round: a slow phase of the host that spans a pair slows both,
    # so the spread of these ratios is the resolution of the capacity comparison.
    summ["clean_pair_cycle_ratios"] = [
        p["testpmd"]["cycles_per_pkt"] / p["bypass-echo"]["cycles_per_pkt"]
        for p in cp.values()
        if p["bypass-echo"].get("cycles_per_pkt") and p["testpmd"].get("cycles_per_pkt")]
    summ["rounds"] = rounds
    summ["ring"] = ring_summary(cells, notes)
    res["dpdk"] = summ

    # 2. the stack alone
    st = {r.get("kind"): r for r in cells if r.get("section") == "stack"}
    if st:
        cyc = stack_table(st.get("cycles", {}).get("result"), 4)
        ins = {r[0]: r[1] for r in stack_table(st.get("instructions", {}).get("result"), 1)}
        kinds = []
        for name, cmin, cmed, nsmin, net in cyc:
            kinds.append({"kind": name, "cycles_min": cmin, "cycles_median": cmed,
                          "ns_min": nsmin, "cycles_net": net,
                          "instructions": ins.pop(name, None)})
        for name, n in ins.items():
            kinds.append({"kind": name, "instructions": n})
        res["stack"] = {"kinds": kinds}
        for k, r in st.items():
            if r.get("status") != "ok":
                opt = "--instructions " if k == "instructions" else ""
                notes.append(f"section 2: bench-stack {opt}failed (exit {r.get('gen_rc')}; "
                             f"log {r.get('gen_log')})")

    # 3. sock-echo
    for r in cells:
        if r.get("section") == "sock":
            res["sock"].append(sock_row(r))

    # 4. scaling
    one = summ["bypass-echo"]
    for r in cells:
        if r.get("section") != "scale":
            continue
        srv = r.get("server") or "sock-echo"
        n = int(num(r.get("workers") or r.get("threads"), 1))
        p = {"server": srv, "n": n, "status": r.get("status"), "note": r.get("note") or None}
        if srv == "sock-echo":
            p["what"] = f"udp {r.get('io')}, SO_REUSEPORT threads"
        else:
            p["what"] = "net_memif, worker lcores"
        if r.get("status") == "from-dpdk":
            p["mpps"] = one["mpps_median"]
            p["status"] = "ok" if p["mpps"] else "failed"
        elif r.get("status") in ("ok", "failed") and srv == "bypass-echo":
            row = dpdk_row(r)
            p["mpps"] = row.get("mpps")
            rx = row.get("per_lcore_rx")
            if rx and n > 1 and sum(1 for v in rx if v) < n:
                p["note"] = (f"only {sum(1 for v in rx if v)} of {n} lcores got packets "
                             f"(rx per lcore {rx}): echo-gen drives one queue pair and "
                             f"net_memif has no RSS")
        elif r.get("status") in ("ok", "failed"):
            p["mpps"] = sock_row(r).get("mpps")
        res["scale"].append(p)
    for srv in ("bypass-echo", "sock-echo"):
        pts = [p for p in res["scale"] if p["server"] == srv]
        base = next((p.get("mpps") for p in pts if p["n"] == 1), None)
        for p in pts:
            if p.get("mpps") and base:
                p["per_worker_mpps"] = p["mpps"] / p["n"]
                p["efficiency"] = p["mpps"] / (p["n"] * base)
    return res


# ---- rendering ----------------------------------------------------------------------------------

def f(v, fmt="{:.3f}", none="–"):
    return none if v is None else fmt.format(v)


def pct(v):
    return f(v, "{:.0%}")


def table(headers, rows, right=None):
    """A markdown pipe table padded for a terminal; right: columns aligned right."""
    right = set(range(1, len(headers))) if right is None else set(right)
    w = [max(len(str(x)) for x in col) for col in zip(headers, *rows)] if rows else \
        [len(h) for h in headers]

    def line(cells):
        return "| " + " | ".join(str(c).rjust(w[i]) if i in right else str(c).ljust(w[i])
                                  for i, c in enumerate(cells)) + " |"
    sep = "|" + "|".join(("-" * (w[i] + 1) + ":") if i in right else ("-" * (w[i] + 2))
                         for i in range(len(headers))) + "|"
    return [line(headers), sep] + [line(r) for r in rows]


def host_line(meta):
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return model


def render(res):
    m = res["meta"]
    d = res["dpdk"]
    L = []
    L.append(f"# bypasslab bench, {m.get('start', '')} ({m.get('mode')} run)")
    L.append("")
    L.append(f"Host: {m.get('ncpu')} CPUs ({m.get('cpu_model', '?')}), TSC "
             f"{f(m.get('tsc_ghz'), '{:.3f}')} GHz, Linux {m.get('kernel', '?')}, DPDK "
             f"{m.get('dpdk_version', '?')}, {m.get('mem')}; tree {m.get('commit', '?')}; "
             f"load average {m.get('loadavg_start')} at start, {m.get('loadavg_end')} at end.")
    L.append(f"Placement: server polling lcores from CPU {m.get('server_cpu')}, echo-gen's "
             f"worker on CPU {m.get('gen_cpu')}; main lcores on CPU {m.get('gen_cpu')}, asleep.")
    if res.get("other_load"):
        L.append("Other load (processes the bench did not start, alive through a section, "
                 f"above {OTHER_LOAD_SHARE:.0%} of a CPU):")
        for sec in res["other_load"]:
            procs = ", ".join(f"{x['comm']} (pid {x['pid']}) {x['cpu_share']:.0%}"
                              for x in sec["procs"][:5])
            more = " and more" if len(sec["procs"]) > 5 else ""
            L.append(f"- during {sec['section']}: {sec['cpus']:.2f} CPUs"
                     f"{': ' + procs + more if procs else ''}")
    L.append("")

    if "bypass-echo" in d:
        L.append("## 1. Echo server on net_memif: bypass-echo vs testpmd 5tswap")
        L.append("")
        L.append(f"echo-gen dpdk transport (a {m.get('gen_memif', 'copying')} memif client), "
                 f"{m.get('size_b')} B payloads (64 B frames), window "
                 f"{m.get('dpdk_window')} x {m.get('dpdk_flows')} flows, "
                 f"{m.get('dpdk_warmup_s')} s warm-up + {m.get('dpdk_duration_s')} s per round, "
                 f"{d['bypass-echo']['rounds'] + d['bypass-echo']['failed']} rounds alternated "
                 f"(bypass-echo, testpmd, bypass-echo, ...; at least {m.get('rounds')}, more while "
                 f"too few were undisturbed); one polling lcore each.")
        L.append("")
        rows = []
        for name, label in (("bypass-echo", "bypass-echo"), ("testpmd", "testpmd 5tswap")):
            s = d[name]
            failed = f" (+{s['failed']} failed)" if s["failed"] else ""
            cycles = (f"{f(s['cycles_per_pkt_median'], '{:.0f}')} "
                      f"({f(s['cycles_per_pkt_min'], '{:.0f}')})")
            rows.append([label, f"{s['rounds']}{failed}",
                         f(s["mpps_median"]), f"{f(s['mpps_min'])} … {f(s['mpps_max'])}",
                         f"{f(s['clean_mpps_median'])} ({s['clean_rounds']})",
                         f"{s['lost']}/{s['corrupt']}",
                         cycles, f(s.get("pkts_per_busy_poll_median"), "{:.1f}"),
                         pct(s["busy_share_median"]), pct(s["lcore_share_median"]),
                         pct(s["gen_share_median"])])
        L += table(["server", "rounds", "Mpps/lcore (median)", "min … max",
                    "undisturbed (n)", "lost/corrupt", "cycles/pkt median (min)",
                    "pkts/busy poll", "lcore busy", "lcore got CPU", "echo-gen got CPU"], rows)
        L.append("")
        ratio = d.get("ratio")
        verdict = "" if ratio is None else (" — target ≥ 1.0 met" if ratio >= TARGET_RATIO
                                            else " — target ≥ 1.0 NOT met")
        if ratio is not None and generator_bound(d):
            verdict += (", by the generator's pace: neither server was saturated, so this ratio "
                        "does not compare them (the busy cycles below do)")
        rr = d.get("round_ratios") or []
        dist = sum(d[n]["disturbed"] for n in ("bypass-echo", "testpmd"))
        rounds = sum(d[n]["rounds"] for n in ("bypass-echo", "testpmd"))
        if rounds and dist * 2 > rounds:
            verdict += (f" ({dist} of {rounds} rounds were disturbed by other load: the "
                        f"undisturbed and cycle figures below are the ones to trust)")
        L.append(f"**Ratio bypass-echo / testpmd (medians): {f(ratio, '{:.3f}')}**{verdict}. "
                 f"Per-round ratios: median {f(d.get('round_ratio_median'), '{:.2f}')}, "
                 f"{f(min(rr, default=None), '{:.2f}')} … "
                 f"{f(max(rr, default=None), '{:.2f}')}.")
        if d.get("clean_ratio") is not None:
            cpr = d["clean_pair_ratios"]
            pairs = (f"; rounds where both were undisturbed ({len(cpr)}): median ratio "
                     f"{d['clean_pair_ratio_median']:.3f}" if cpr else
                     "; no round had both undisturbed")
            L.append(f"Undisturbed rounds only: {d['clean_ratio']:.3f} "
                     f"({d['bypass-echo']['clean_rounds']} and {d['testpmd']['clean_rounds']} "
                     f"rounds){pairs}.")
        if d.get("cycles_ratio") is not None:
            tsc = next((r.get("tsc_hz") for r in d["rounds"] if r.get("tsc_hz")), None)
            cc = d["cycles_cmp"]
            cap = ""
            if tsc:
                cap = (f" At those costs one lcore kept busy would echo about "
                       f"{tsc / cc['bypass-echo'] / 1e6:.1f} Mpps (bypass-echo) and "
                       f"{tsc / cc['testpmd'] / 1e6:.1f} Mpps (testpmd).")
            which = ("lowest over undisturbed rounds" if d["cycles_from_clean"] else
                     "lowest over all rounds; NOT comparable: a server had no undisturbed round")
            if d["cycles_from_clean"] and not d["cycles_enough"]:
                which += (f"; indicative only: fewer than {CYCLES_ROUNDS_MIN} undisturbed "
                          f"rounds each")
            L.append(f"Busy cycles per packet ({which}), testpmd / bypass-echo: "
                     f"{cc['testpmd']:.0f} / {cc['bypass-echo']:.0f} = "
                     f"**{d['cycles_ratio']:.2f}**, the capacity ratio of the two lcores, less "
                     f"sensitive to what else runs than Mpps in a closed loop.{cap}")
        pair_txt = pair_cycles_text(d)
        if pair_txt:
            L.append(f"The same ratio round by round (testpmd / bypass-echo, each pair of "
                     f"rounds back to back): {pair_txt}.")
        bb, bt = (d[n]["clean_busy_share_median"] for n in ("bypass-echo", "testpmd"))
        if bb is not None and bt is not None and max(bb, bt) < SATURATED_SHARE:
            gc = d["bypass-echo"]["clean_gen_cycles_per_msg"]
            L.append(f"In undisturbed rounds neither server was saturated (busy {bb:.0%} and "
                     f"{bt:.0%} of their polls' time): echo-gen's one worker "
                     f"({f(gc, '{:.0f}')} cycles per message) set the rate, so the Mpps ratio "
                     f"says both keep up with it; the cycles say which has more headroom.")
        ring = d.get("ring") or {}
        if ring.get("swap") or ring.get("stack"):
            L.append("")
            L.append("In one process over crossed net_ring ports (`dpdk_ring_echo`: no PMD "
                     "copies, the echo on CPU 1, echo-gen's engine on CPU 0), alternated rounds:")
            L.append("")
            rows = [[label, len(ring[k]), f(ring[k + "_median"]),
                     f"{f(min(ring[k], default=None))} … {f(max(ring[k], default=None))}",
                     f"{f(ring[k + '_clean_median'])} ({len(ring[k + '_clean'])})"]
                    for k, label in (("stack", "bypass-echo's stack"),
                                     ("swap", "bare swap (echo-gen's ceiling)"))]
            L += table(["echo", "rounds", "Mpps (median)", "min … max", "undisturbed (n)"],
                       rows)
            L.append("")
            if ring.get("ratio") is not None:
                L.append(f"Stack / swap: {ring['ratio']:.3f} (medians); echo-gen's ceiling, "
                         f"its best swap round: {f(ring['gen_ceiling_mpps'])} Mpps.")
        L.append("")
        L.append("*cycles/pkt*: TSC cycles of the polls that returned packets, and the work on "
                 "them, per packet (PMD included): bypass-echo's busy_cycles / rx over echo-gen's "
                 "measured interval, testpmd's --record-core-cycles over a window inside it "
                 "(cleared and shown while echo-gen is connected). *pkts/busy poll*: packets per "
                 "poll that returned any, the burst the server worked on (at most 32; "
                 "bypass-echo's over its whole run, testpmd's from --record-burst-stats in the "
                 "window): equal bursts mean the cycles compare like with like, since a poll "
                 "costs something whatever it brings. *lcore busy*: that work's share "
                 "of the lcore. *got CPU*: the share of the time the polling thread (schedstat, "
                 "through a window inside the interval) "
                 "and echo-gen's worker (RUSAGE_THREAD) were on a CPU; a round where either got "
                 f"under {DISTURBED_SHARE:.0%} counts as disturbed by other load.")
        L.append("")

    st = res.get("stack") or {}
    if st.get("kinds"):
        L.append("## 2. The stack alone (scripts/bench-stack, scripts/bench-stack --instructions)")
        L.append("")
        rows = [[k["kind"], f(k.get("cycles_min"), "{:.1f}"), f(k.get("cycles_median"), "{:.1f}"),
                 f(k.get("ns_min"), "{:.2f}"), f(k.get("cycles_net"), "{:.1f}"),
                 f(k.get("instructions"), "{:.1f}")]
                for k in st["kinds"]]
        L += table(["kind", "cycles min", "cycles median", "ns min", "cycles net of harness",
                    "instructions/pkt"], rows)
        L.append("")
        L.append("Instructions come from callgrind and do not change with the machine's load: "
                 "compare them across commits; compare cycles only within one run.")
        L.append("")

    if res["sock"]:
        L.append("## 3. sock-echo io modes (kernel paths)")
        L.append("")
        L.append(f"echo-gen {m.get('size_b')} B, window {m.get('sock_window')} x "
                 f"{m.get('sock_flows')} flows, blocking client, {m.get('sock_warmup_s')} s "
                 f"warm-up + {m.get('sock_duration_s')} s; sock-echo one thread on CPU "
                 f"{m.get('server_cpu')}, "
                 f"echo-gen on CPU {m.get('gen_cpu')}. Byte streams keep no boundaries: sock-echo "
                 f"reads up to 16 KiB at a time, so many messages share each system call. "
                 f"*server CPU*, *echo-gen CPU*: share of one CPU each used (user + system).")
        L.append("")
        rows, refused = [], []
        for r in res["sock"]:
            if r["status"] == "refused":
                refused.append(f"{r['transport']}/{r['io']}")
                continue
            if r["status"] != "ok":
                rows.append([r["transport"], r["io"], "failed", "", "", "", "", "", "", "",
                             r.get("note") or ""])
                continue
            rows.append([r["transport"], r["io"], f(r["mpps"] * 1e3, "{:.1f}"),
                         f(r.get("msgs_per_server_cpu_s") and
                           r["msgs_per_server_cpu_s"] / 1e3, "{:.1f}"),
                         f(r.get("server_cycles_per_msg"), "{:.0f}"),
                         f(r.get("server_syscalls_per_msg"), "{:.3f}"),
                         f(r.get("client_syscalls_per_msg"), "{:.3f}"),
                         f(r.get("server_csw_per_msg"), "{:.3f}"),
                         pct(r.get("server_cpu_share")), pct(r.get("gen_share")),
                         r.get("note") or ""])
        L += table(["transport", "io", "kmsg/s (1 core)", "kmsg per server CPU-s",
                    "server cycles/msg", "server syscalls/msg", "client syscalls/msg",
                    "server csw/msg", "server CPU", "echo-gen CPU", "note"], rows,
                   right=range(2, 10))
        L.append("")
        if refused:
            L.append("Not run, sock-echo refuses them (exit 2): " + ", ".join(refused) + ".")
            L.append("")

    if res["scale"]:
        L.append("## 4. Scaling")
        L.append("")
        rows = []
        for p in res["scale"]:
            if p["status"] == "skipped":
                rows.append([p["server"], p["what"], p["n"], "skipped", "", "",
                             p.get("note") or ""])
            else:
                rows.append([p["server"], p["what"], p["n"], f(p.get("mpps")),
                             f(p.get("per_worker_mpps")), pct(p.get("efficiency")),
                             p.get("note") or ""])
        L += table(["server", "what", "N", "Mpps", "Mpps per worker", "vs N x one", "note"],
                   rows, right=(2, 3, 4, 5))
        L.append("")

    L += render_ratios(res)
    if res["notes"]:
        L.append("## Notes")
        L.append("")
        L += [f"- {n}" for n in res["notes"]]
        L.append("")
    return "\n".join(paragraphs(L))


def paragraphs(lines):
    """A blank line between consecutive lines of prose, so each renders as its own paragraph
    in markdown and reads the same in a terminal."""
    def prose(x):
        return bool(x) and not x.startswith(("|", "-", "#"))
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if prose(line) and i + 1 < len(lines) and prose(lines[i + 1]):
            out.append("")
    return out


def render_ratios(res):
    d, L = res["dpdk"], []
    be = (d.get("bypass-echo") or {}).get("mpps_median")
    ok = [r for r in res["sock"] if r["status"] == "ok" and r.get("mpps")]
    # Byte streams coalesce messages into 16 KiB reads: compare with paths that keep them.
    msg_paths = [r for r in ok if r["transport"] in MESSAGE_TRANSPORTS]
    best_udp = max((r for r in ok if r["transport"] == "udp"), key=lambda r: r["mpps"],
                   default=None)
    best = max(msg_paths, key=lambda r: r["mpps"], default=None)
    cheap = min((r for r in msg_paths if r.get("server_cycles_per_msg")),
                key=lambda r: r["server_cycles_per_msg"], default=None)
    kinds = {k["kind"]: k for k in (res.get("stack") or {}).get("kinds", [])}
    udp = next((k for n, k in kinds.items() if n.startswith("udp echo")), None)
    swap = next((k for n, k in kinds.items() if n.startswith("5tswap")), None)
    lines = []
    if d.get("ratio") is not None:
        bound = "; generator-bound: neither server saturated" if generator_bound(d) else ""
        lines.append(f"- bypass-echo / testpmd 5tswap, Mpps per polling lcore on net_memif: "
                     f"**{d['ratio']:.3f}** (target ≥ {TARGET_RATIO:.1f}; medians of alternated "
                     f"rounds{bound})")
    if d.get("cycles_ratio") is not None:
        which = ("undisturbed rounds" if d["cycles_from_clean"] else
                 "all rounds, NOT comparable: a server had no undisturbed round")
        if d["cycles_from_clean"] and not d["cycles_enough"]:
            which += f", indicative only: fewer than {CYCLES_ROUNDS_MIN} each"
        lines.append(f"- testpmd / bypass-echo busy cycles per packet on net_memif (minimum over "
                     f"{which}): **{d['cycles_ratio']:.2f}** (above 1: bypass-echo needs fewer)")
    pair_txt = pair_cycles_text(d)
    if pair_txt:
        lines.append(f"- the same, round by round: {pair_txt}")
    for r, what in ((best_udp, "fastest kernel UDP path"),
                    (best, "fastest kernel path that keeps message boundaries")):
        if be and r and (r is best_udp or best is not best_udp):
            lines.append(f"- bypass-echo on net_memif / {what} ({r['transport']}/{r['io']}, "
                         f"{r['mpps'] * 1e3:.0f} kmsg/s): **{be / r['mpps']:.1f}x** messages "
                         f"per second per server core")
    # Kernel paths' cycles come from CPU time, which preemption does not inflate; bypass-echo's
    # from the TSC around busy polls, which it does: its least disturbed round compares.
    cpp = (d.get("cycles_cmp") or {}).get("bypass-echo")
    if cpp and cheap:
        lines.append(f"- server cycles per message, cheapest message-preserving kernel path "
                     f"({cheap['transport']}/{cheap['io']}, "
                     f"{cheap['server_cycles_per_msg']:.0f}) / "
                     f"bypass-echo's busy cycles per packet ({cpp:.0f}): "
                     f"**{cheap['server_cycles_per_msg'] / cpp:.1f}x**")
    if udp and swap and udp.get("instructions") and swap.get("instructions"):
        lines.append(f"- the stack's full validation vs a bare 5-tuple swap, instructions per "
                     f"64 B UDP echo: {udp['instructions']:.0f} vs {swap['instructions']:.0f} "
                     f"({udp['instructions'] - swap['instructions']:.0f} more)")
    cmin = (d.get("cycles_cmp") or {}).get("bypass-echo")
    if cmin and udp and udp.get("cycles_median"):
        lines.append(f"- of bypass-echo's {cmin:.0f} busy cycles per packet on net_memif, the "
                     f"stack is about {udp['cycles_median']:.0f} (section 2); the rest "
                     f"is the PMD (memif copies every frame both ways) and the polling loop")
    if lines:
        L += ["## Ratios", ""] + lines + [""]
    return L


def machine_meta(out):
    meta_path = os.path.join(out, "meta.json")
    meta = load_json(meta_path) or {}
    meta.setdefault("cpu_model", host_line(meta))
    meta.setdefault("kernel", platform.release())
    try:
        meta.setdefault("dpdk_version", subprocess.run(
                ["pkg-config", "--modversion", "libdpdk"], capture_output=True, text=True,
                timeout=10).stdout.strip() or "?")
    except (OSError, subprocess.SubprocessError):
        meta.setdefault("dpdk_version", "?")
    src = meta.get("src") or "."
    try:
        commit = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", src, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        meta.setdefault("commit", commit + ("+uncommitted changes" if dirty else ""))
    except (OSError, subprocess.SubprocessError):
        pass
    return meta


def cmd_build(out):
    # what the machine and tree were is settled by the first build: a rebuild keeps it
    meta = machine_meta(out)
    cmd_meta(os.path.join(out, "meta.json"),
             [f"{k}={meta[k]}" for k in ("cpu_model", "kernel", "dpdk_version", "commit")
              if k in meta])
    res = summarize(out)
    res["meta"] = meta
    tsc = next((r.get("tsc_hz") for r in res["dpdk"].get("rounds", []) if r.get("tsc_hz")), None)
    if tsc:
        meta["tsc_ghz"] = tsc / 1e9
    else:
        cyc = os.path.join(out, "raw", "stack-cycles.txt")
        m = re.search(r"TSC ([0-9.]+) GHz", open(cyc).read()) if os.path.exists(cyc) else None
        meta["tsc_ghz"] = float(m.group(1)) if m else None
    text = render(res)
    for name, data in (("bench.json", json.dumps(res, indent=1)), ("bench.md", text + "\n")):
        tmp = os.path.join(out, name + ".tmp")
        with open(tmp, "w") as fh:
            fh.write(data)
        os.replace(tmp, os.path.join(out, name))
    print(text)
    print(f"\n(saved: {out}/bench.md, {out}/bench.json, raw results and logs beside them)")


def cmd_line(path):
    cells = read_cells(path)
    if not cells:
        return
    r = cells[-1]
    if r.get("section") == "ring":
        c = gen_cell(r)
        failed = "" if r.get("status") == "ok" else f"  FAILED (log {r.get('gen_log')})"
        print(f"bench:   net_ring {r.get('echo'):<7} round {r.get('round')}: "
              f"{f(c and c['pps'] / 1e6)} Mpps{failed}")
    elif r.get("section") in ("dpdk", "scale") and r.get("server") in ("bypass-echo", "testpmd"):
        x = dpdk_row(r)
        print(f"bench:   {x['server']:<12} w{x['workers']} round {x['round']}: "
              f"{f(x.get('mpps'))} Mpps, lost {x.get('lost', '–')}, "
              f"cycles/pkt {f(x.get('cycles_per_pkt'), '{:.0f}')}, lcore got "
              f"{pct(x.get('lcore_share'))}, echo-gen got {pct(x.get('gen_share'))}"
              f"{'' if x['status'] == 'ok' else '  FAILED ' + (x.get('note') or '')}")
    else:
        x = sock_row(r)
        print(f"bench:   {x['transport']}/{x['io']} t{x['threads']}: "
              f"{f(x.get('mpps') and x['mpps'] * 1e3, '{:.1f}')} kmsg/s, server "
              f"{f(x.get('server_syscalls_per_msg'))} syscalls/msg, lost {x.get('lost', '–')}"
              f"{'' if x['status'] == 'ok' else '  FAILED ' + (x.get('note') or '')}")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, path, rest = argv[1], argv[2], argv[3:]
    if cmd == "record":
        cmd_record(path, rest)
    elif cmd == "meta":
        cmd_meta(path, rest)
    elif cmd == "line":
        cmd_line(path)
    elif cmd == "procs":
        cmd_procs(path)
    elif cmd == "clean-pairs":
        sys.exit(0 if len(clean_pairs(read_cells(path))) >= int(rest[0]) else 1)
    elif cmd == "build":
        cmd_build(path)
    else:
        sys.exit(f"report.py: unknown command '{cmd}'\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv)
