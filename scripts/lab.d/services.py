# SPDX-License-Identifier: BSD-3-Clause
"""The real services of `scripts/lab services`: each client's output parsed into a cell, the
cells kept in the run's services.json, and the report's "Real services" section and plot.

  services.py record RUN_DIR CLIENT LOG RC [--txlog=PREFIX] [--sockmap=COUNTS] key=value...
        parse LOG (the output of CLIENT: redis-benchmark, pgbench or wrk, exit status RC) into
        one cell and append it; prints "ok: ..." (exit 0) or "failed: REASON" (exit 1).
        COUNTS (tcp+sockmap cells): sockmap-accel's "SENDS,BYTES,MISSED" redirected and missed
        during the cell, or "error:REASON"; the cell fails unless its traffic took the shortcut
  services.py bad RUN_DIR key=value...        append a cell that was not measured
  services.py free-port FIRST LAST [TAKEN...] a TCP port on 127.0.0.1 nothing is bound to
  services.py http-check BASE BYTES PATH...   each PATH answers 200 with BYTES of body, the
                                              /proxy/ ones through the upstream block
  services.py table RUN_DIR                   print the tables of the run
Keys as in cells.py: "lab.X" goes into the cell's "lab" object; values that parse as JSON are
stored as JSON. The cell's keys are documented in docs/results-schema.md.
"""

import json
import math
import os
import re
import socket
import sys

import cells
from cells import num, ratio

SERVICES = ("redis", "postgres", "nginx")
TITLES = {"redis": "Redis", "postgres": "PostgreSQL", "nginx": "nginx"}
# What each workload is, for the tables.
WORKLOADS = {
    "set-P1": "SET, one request in flight per connection",
    "get-P1": "GET, one request in flight per connection",
    "set-P16": "SET, pipelined 16 deep (-P 16)",
    "get-P16": "GET, pipelined 16 deep (-P 16)",
    "select-only": "pgbench -S: one primary-key SELECT per transaction",
    "range-sum": "SELECT sum() over an index range per transaction (heavier)",
    "static": "a static response from nginx itself (no upstream: the reference)",
    "proxy-keepalive": "proxied to an upstream block, connections to it kept alive",
    "proxy-close": "proxied to an upstream block, a new connection per request",
}
LATENCY_KEYS = ("min", "avg", "p50", "p75", "p90", "p95", "p99", "max")
FLOOR_PATHS = ("tcp", "uds-stream", "tcp+sockmap")
TRANSPORTS = ("tcp", "unix", "tcp+sockmap")
SOCKMAP_TR = "tcp+sockmap"
# The least a pgbench transaction puts on the wire: its Query message alone (select-only's
# "SELECT abalance FROM pgbench_accounts WHERE aid = N;" is 52 characters or more, plus 6 bytes
# of framing) and the server's ReadyForQuery (6 bytes).
PG_MIN_TX_BYTES = 64


# ---- parsing each client's output --------------------------------------------------------

class ParseError(ValueError):
    pass


def _latency(**kw):
    return {k: kw.get(k) for k in LATENCY_KEYS}


def parse_redis_benchmark(text, test):
    """redis-benchmark --csv: a header line, then "TEST","rps","avg_latency_ms",... per test.
    Anything the tool says about errors ("Error from server: ...", "Could not connect ...",
    "Writing to socket ...", "Error: Server closed the connection") counts as an error."""
    header, row, errors = None, None, []
    for line in text.splitlines():
        line = line.strip("\r").strip()
        if line.startswith('"test"'):
            header = [f.strip('"') for f in line.split(",")]
        elif line.startswith('"') and header:
            f = [x.strip('"') for x in line.split(",")]
            if f[0].upper() == test.upper():
                row = dict(zip(header, f))
        elif re.search(r"error|could not|cannot|refused|writing to socket|closed the connection",
                       line, re.I):
            errors.append(line)
    if row is None:
        raise ParseError(f"no CSV row for {test.upper()} in redis-benchmark's output"
                         + (f" ({errors[0]})" if errors else ""))
    try:
        ms = {k: float(row[f"{k}_latency_ms"]) * 1000
              for k in ("avg", "min", "p50", "p95", "p99", "max")}
        rps = float(row["rps"])
    except (KeyError, ValueError) as e:
        raise ParseError(f"redis-benchmark CSV row {row}: {e}") from None
    return {"rps": rps, "latency_us": _latency(**ms), "errors": len(errors),
            "error_detail": errors[0] if errors else None}


def parse_pgbench(text, txlog_lines=None):
    """pgbench's summary (tps, transactions processed, failed transactions, aborted clients)
    and, from its per-transaction log (-l), the latency percentiles."""
    def field(pattern, conv=float):
        m = re.search(pattern, text, re.M)
        return conv(m.group(1)) if m else None

    tps = field(r"^tps = ([0-9.]+) \(without initial connection time\)")
    done = field(r"^number of transactions actually processed: (\d+)", int)
    failed = field(r"^number of failed transactions: (\d+)", int)
    avg_ms = field(r"^latency average = ([0-9.]+) ms")
    duration = field(r"^duration: ([0-9.]+) s")
    errors = [ln.strip() for ln in text.splitlines()
              if re.search(r"error:|aborted|FATAL|could not connect", ln)]
    if tps is None or done is None:
        raise ParseError("no 'tps =' or 'number of transactions' line in pgbench's output"
                         + (f" ({errors[0]})" if errors else ""))
    lat, log_failed = [], 0
    for ln in txlog_lines or []:
        f = ln.split()
        # client_id transaction_no time script_no time_epoch time_us [schedule_lag] [retries];
        # time is "failed" (or "skipped") for a transaction that did not succeed.
        if len(f) < 6:
            continue
        try:
            lat.append(int(f[2]))
        except ValueError:
            log_failed += 1
    pct = percentiles(lat)
    n_err = (failed or 0) + len(errors) + (0 if failed else log_failed)
    return {"rps": tps, "completed": done, "duration_s": duration,
            "latency_us": _latency(avg=avg_ms * 1000 if avg_ms is not None else None, **pct),
            "failed_transactions": failed, "errors": n_err,
            "error_detail": errors[0] if errors else
            (f"{failed or log_failed} failed transactions" if n_err else None)}


def percentiles(values):
    """Nearest-rank min, p50, p90, p99 and max of a list of numbers (empty: all None)."""
    if not values:
        return {}
    v = sorted(values)

    def rank(p):
        return v[max(0, math.ceil(p / 100 * len(v)) - 1)]

    return {"min": v[0], "p50": rank(50), "p90": rank(90), "p99": rank(99), "max": v[-1]}


WRK_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def wrk_time_us(s):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", s)
    if not m:
        raise ParseError(f"wrk time '{s}' not understood")
    return float(m.group(1)) * WRK_UNITS[m.group(2)]


def parse_wrk(text):
    """wrk --latency: Requests/sec, the latency distribution (50/75/90/99 %), the thread
    stats' average and maximum, and its error lines (non-2xx/3xx responses, socket errors)."""
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in ([0-9.]+\w+), ([0-9.]+)([KMGTP]?B) read", text,
                      re.M)
    if not rps or not total:
        raise ParseError("no 'Requests/sec:' or 'N requests in' line in wrk's output")
    lat = {}
    for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M):
        lat[f"p{p}"] = wrk_time_us(v)
    m = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    if m:
        lat["avg"], lat["max"] = wrk_time_us(m.group(1)), wrk_time_us(m.group(3))
    if "p50" not in lat:
        raise ParseError("no latency distribution in wrk's output (run it with --latency)")
    non2xx = re.search(r"^\s*Non-2xx or 3xx responses: (\d+)", text, re.M)
    sock = re.search(r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), "
                     r"timeout (\d+)", text, re.M)
    sock_err = dict(zip(("connect", "read", "write", "timeout"),
                        (int(x) for x in sock.groups()))) if sock else \
        {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    n_non2xx = int(non2xx.group(1)) if non2xx else 0
    n_err = n_non2xx + sum(sock_err.values())
    detail = None
    if n_err:
        detail = "; ".join(x for x in (
            f"{n_non2xx} non-2xx/3xx responses" if n_non2xx else "",
            sock.group(0).strip() if sock and sum(sock_err.values()) else "") if x)
    # wrk prints the bytes it read with two decimals in 1024-based units: the smallest
    # number that prints so.
    unit = 1024 ** "BKMGTP".index(total.group(4)[0])
    read_min = max(0, math.ceil((float(total.group(3)) - 0.005) * unit)) if unit > 1 else \
        int(float(total.group(3)))
    return {"rps": float(rps.group(1)), "completed": int(total.group(1)),
            "duration_s": wrk_time_us(total.group(2)) / 1e6, "read_bytes_min": read_min,
            "latency_us": _latency(**lat),
            "non_2xx": n_non2xx, "socket_errors": sock_err, "errors": n_err,
            "error_detail": detail}


# ---- cells -------------------------------------------------------------------------------

def services_path(run_dir):
    return os.path.join(run_dir, "services.json")


def load_cells(run_dir):
    path = services_path(run_dir)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        c = json.load(f)
    if not isinstance(c, list):
        raise ValueError(f"{path}: expected a JSON array of cells")
    return c


def append_cell(run_dir, cell):
    c = load_cells(run_dir)
    c.append(cell)
    cells.write_atomic(services_path(run_dir), c)


def new_cell(kv):
    cell = {"service": None, "transport": None, "workload": None}
    lab = {}
    for k, v in kv.items():
        if k.startswith("lab."):
            lab[k[4:]] = v
        else:
            cell[k] = v
    cell["lab"] = lab
    return cell


def parse_client(client, text, workload, txlog=None):
    if client == "redis-benchmark":
        return parse_redis_benchmark(text, workload.split("-", 1)[0])
    if client == "pgbench":
        lines = []
        if txlog:
            d, base = os.path.split(txlog)
            for name in sorted(os.listdir(d or ".")):
                if name.startswith(os.path.basename(base) + "."):
                    with open(os.path.join(d, name)) as f:
                        lines += f.readlines()
        return parse_pgbench(text, lines)
    if client == "wrk":
        return parse_wrk(text)
    raise ParseError(f"unknown client '{client}'")


def fmt_us(v):
    if v is None:
        return "-"
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.0f} µs"


def record(run_dir, client, log, rc, args):
    txlog, sm = None, None
    for opt in [a for a in args if a.startswith("--")]:
        if opt.startswith("--txlog="):
            txlog = opt.split("=", 1)[1]
        elif opt.startswith("--sockmap="):
            sm = opt.split("=", 1)[1]
        else:
            raise ValueError(f"unknown option {opt}")
    cell = new_cell(cells.parse_kv([a for a in args if not a.startswith("--")]))
    cell["client"] = client
    cmd = log + ".cmd"
    if os.path.exists(cmd):
        with open(cmd) as f:
            cell["command"] = f.read().strip()
    with open(log, errors="replace") as f:
        text = f.read()
    lab = cell["lab"]
    reason = None
    try:
        cell.update(parse_client(client, text, cell.get("workload") or "", txlog))
    except (ParseError, OSError) as e:
        reason = str(e)
    rc = int(rc)
    if rc == 124:
        reason = f"{client} did not finish in time and was stopped"
    elif rc != 0:
        reason = f"{client} exit {rc}" + (f": {reason}" if reason else
                                          f": {cell.get('error_detail') or tail(text)}")
    elif reason is None and cell.get("errors"):
        reason = f"{cell['errors']} client errors: {cell.get('error_detail')}"
    elif reason is None and not cell.get("rps"):
        reason = f"{client} measured 0 requests per second"
    if sm is not None:
        sm_reason = sockmap_check(cell, sm)
        reason = reason or sm_reason
    lab["status"] = "failed" if reason else "ok"
    lab["reason"] = reason
    append_cell(run_dir, cell)
    if reason:
        print(f"failed: {reason}")
        return 1
    lat = cell["latency_us"]
    sm_text = ""
    if sm is not None:
        sm_text = (f", sockmap: {fmt_bytes(lab['sockmap_redirected_bytes'])} redirected "
                   f"(>= {fmt_bytes(lab['sockmap_min_bytes'])}), 0 sends through TCP")
    print(f"ok: {cell['rps']:,.0f} req/s, p50 {fmt_us(lat.get('p50'))}, "
          f"p99 {fmt_us(lat.get('p99'))}, 0 errors{sm_text}")
    return 0


def requests_done(cell):
    """Requests (transactions) the client completed: redis-benchmark runs exactly -n."""
    if cell.get("client") == "redis-benchmark":
        return num(cell.get("requests"))
    return num(cell.get("completed"))


def sockmap_min_bytes(cell):
    """The least the shortcut must have carried for the cell's traffic to have taken it, and
    how that was counted. Request/response messages are not of one size, so the floor is what
    the client's own figures prove went over its connections: redis-benchmark, -n requests x
    the -d value (a SET carries the value, a GET's reply does); pgbench, transactions x
    PG_MIN_TX_BYTES; wrk, the bytes it reports reading (each reply crossed the front hop; with
    a TCP upstream it crossed the upstream hop too)."""
    client, n = cell.get("client"), requests_done(cell)
    if client == "redis-benchmark" and n is not None and num(cell.get("value_bytes")):
        return int(n * cell["value_bytes"]), f"{n:,.0f} requests x {cell['value_bytes']} B"
    if client == "pgbench" and n is not None:
        return int(n * PG_MIN_TX_BYTES), f"{n:,.0f} transactions x {PG_MIN_TX_BYTES} B"
    if client == "wrk" and cell.get("read_bytes_min") is not None:
        return int(cell["read_bytes_min"]), "the bytes wrk read"
    return None, "the client's output gave no count"


def sockmap_check(cell, counts):
    """Record sockmap-accel's counters of a tcp+sockmap cell in cell["lab"] and return why the
    cell is no result over the shortcut (None when it is): a send went through TCP, nothing
    was redirected, or less than sockmap_min_bytes()."""
    lab = cell["lab"]
    for k in ("redirected_sends", "redirected_bytes", "missed_sends", "min_bytes",
              "bytes_per_request"):
        lab["sockmap_" + k] = None
    if counts.startswith("error:"):
        return counts[6:]
    try:
        sends, nbytes, missed = (int(x) for x in counts.split(","))
    except ValueError:
        raise ValueError(f"--sockmap={counts}: expected SENDS,BYTES,MISSED") from None
    need, how = sockmap_min_bytes(cell)
    n = requests_done(cell)
    lab.update(sockmap_redirected_sends=sends, sockmap_redirected_bytes=nbytes,
               sockmap_missed_sends=missed, sockmap_min_bytes=need,
               sockmap_bytes_per_request=round(nbytes / n, 1) if n else None)
    if missed == 0 and sends > 0 and need is not None and nbytes >= need:
        return None
    return (f"sockmap redirected {nbytes:,} B in {sends:,} sends and {missed:,} sends went "
            f"through TCP; a tcp+sockmap result needs 0 through TCP and at least "
            + (f"{need:,} B ({how})" if need is not None else f"a count ({how})")
            + ": not every message took the shortcut")


def fmt_bytes(v):
    v = num(v)
    if v is None:
        return "-"
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if v >= div:
            return f"{v / div:.1f} {unit}"
    return f"{v:.0f} B"


def tail(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "(no output)"


def bad(run_dir, args):
    append_cell(run_dir, new_cell(cells.parse_kv(args)))
    return 0


def http_check(base, body_bytes, paths):
    """GET each path once: 200, the body's length, and for /proxy/ paths the upstream block's
    mark (X-Bypasslab-Upstream), so a location that does not proxy is caught before measuring."""
    import urllib.request
    # Straight to 127.0.0.1, whatever http_proxy the environment names.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for p in paths:
        try:
            with opener.open(base + p, timeout=5) as r:
                body, mark = r.read(), r.headers.get("X-Bypasslab-Upstream")
                status = r.status
        except OSError as e:
            print(f"GET {base}{p}: {e}")
            return 1
        if status != 200 or len(body) != body_bytes:
            print(f"GET {base}{p}: status {status}, {len(body)} bytes (expected 200, "
                  f"{body_bytes} bytes)")
            return 1
        if p.startswith("/proxy/") != (mark is not None):
            print(f"GET {base}{p}: " + ("not answered by the upstream block" if mark is None
                                         else "answered by the upstream block directly"))
            return 1
    return 0


def free_port(first, last, taken):
    for p in range(first, last + 1):
        if p in taken:
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        print(p)
        return 0
    return 1


# ---- the report --------------------------------------------------------------------------

def fmt_ratio(v):
    return "-" if v is None else f"{v:.2f}×"


def fmt_n(v):
    v = num(v)
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}"


def ok_cell(cs, service, workload, transport):
    for c in cs:
        if (c.get("service"), c.get("workload"), c.get("transport")) == \
                (service, workload, transport) and c["lab"].get("status") == "ok":
            return c
    return None


def workloads(cs, service):
    out = []
    for c in cs:
        if c.get("service") == service and c.get("workload") not in out:
            out.append(c.get("workload"))
    return out


def service_rows(cs, service):
    """One row per cell of the service: workload, transport, req/s, ratios to TCP, p50, p99;
    and the notes that say why a cell was not measured."""
    rows, notes = [], []
    wls = workloads(cs, service)
    mine = sorted((c for c in cs if c.get("service") == service),
                  key=lambda c: (wls.index(c.get("workload")),
                                 TRANSPORTS.index(c.get("transport"))
                                 if c.get("transport") in TRANSPORTS else len(TRANSPORTS)))
    for c in mine:
        wl, tr, lab = c.get("workload"), c.get("transport"), c["lab"]
        if lab.get("status") != "ok":
            rows.append([f"{wl} (*)", tr] + ["-"] * 6)
            note = f"{lab.get('status')}: {lab.get('reason') or 'no reason recorded'}"
            notes.append((f"{wl} {tr}", note))
            continue
        base = ok_cell(cs, service, wl, "tcp")
        lat, blat = c.get("latency_us") or {}, (base or {}).get("latency_us") or {}
        rows.append([wl, tr, fmt_n(c.get("rps")),
                     fmt_ratio(ratio(c.get("rps"), base.get("rps"))) if base else "-",
                     fmt_n(lat.get("p50")),
                     fmt_ratio(ratio(lat.get("p50"), blat.get("p50"))) if base else "-",
                     fmt_n(lat.get("p99")),
                     fmt_ratio(ratio(lat.get("p99"), blat.get("p99"))) if base else "-"])
    # One line for a reason that every cell not measured shares (a server that did not start).
    if notes and len({n for _, n in notes}) == 1:
        return rows, [f"(*) not measured: {notes[0][1]}"]
    return rows, [f"(*) {w} not measured: {n}" for w, n in notes]


SERVICE_HEADER = ["workload", "transport", "req/s", "req/s ×tcp", "p50 µs", "p50 ×tcp",
                  "p99 µs", "p99 ×tcp"]


def sockmap_lines(cs, service):
    """What sockmap-accel carried in each measured tcp+sockmap cell of the service."""
    out = []
    for c in cs:
        lab = c["lab"]
        if c.get("service") != service or c.get("transport") != SOCKMAP_TR or \
                lab.get("status") != "ok":
            continue
        out.append(f"- {c.get('workload')} {SOCKMAP_TR}: "
                   f"{fmt_bytes(lab.get('sockmap_redirected_bytes'))} redirected in "
                   f"{fmt_n(lab.get('sockmap_redirected_sends'))} sends "
                   f"({fmt_n(lab.get('sockmap_bytes_per_request'))} B per request; at least "
                   f"{fmt_bytes(lab.get('sockmap_min_bytes'))} needed), "
                   f"{lab.get('sockmap_missed_sends')} through TCP")
    return out


def floor_cells(run):
    """The echo floor of the same run: results.json's tcp, uds-stream and tcp+sockmap
    cells."""
    out = []
    for c in getattr(run, "cells", []):
        if c.get("path") in FLOOR_PATHS:
            out.append(c)
    return out


def floor_rows(run):
    rows, notes = [], []
    for c in floor_cells(run):
        lab = c["lab"]
        kind, size = lab.get("kind"), c.get("payload_bytes")
        if lab.get("status") != "ok":
            rows.append([c["path"] + " (*)", size, kind] + ["-"] * 7)
            notes.append(f"(*) {c['path']} {kind} not measured: {lab['status']}: "
                         f"{lab.get('reason') or '-'}")
            continue
        base = run.ok("tcp", size, kind)
        rtt, brtt = c.get("rtt_us") or {}, (base or {}).get("rtt_us") or {}
        cpu, bcpu = echo_cpu_us(c), echo_cpu_us(base) if base else None
        rows.append([c["path"], size, f"{kind}, window {c.get('window')}", fmt_n(c.get("pps")),
                     fmt_ratio(ratio(c.get("pps"), base.get("pps"))) if base else "-",
                     fmt_n(rtt.get("p50")),
                     fmt_ratio(ratio(rtt.get("p50"), brtt.get("p50"))) if base else "-",
                     fmt_n(rtt.get("p99")), fmt_n(cpu), fmt_ratio(ratio(cpu, bcpu))])
    return rows, notes


FLOOR_HEADER = ["path", "bytes", "cell", "msg/s", "msg/s ×tcp", "p50 µs", "p50 ×tcp", "p99 µs",
                "CPU µs/msg", "CPU ×tcp"]


def echo_cpu_us(c):
    """Client plus server CPU per echoed message, µs (None when either is unknown)."""
    cli, rx = num((c.get("client") or {}).get("cpu_s")), num(c.get("received"))
    srv = num((c.get("server") or {}).get("cpu_per_msg_us"))
    if cli is None or not rx or srv is None:
        return None
    return cli / rx * 1e6 + srv


def settings_text(meta):
    s = meta.get("services") or {}
    if not s:
        return []
    return [
        f"- Redis: redis-benchmark, {s.get('redis_clients')} connections, "
        f"{s.get('redis_value_bytes')}-byte values, {s.get('redis_requests'):,} requests per "
        f"cell without pipelining and {10 * (s.get('redis_requests') or 0):,} with "
        f"-P {s.get('redis_pipeline')}; over -h 127.0.0.1 (tcp) and -s SOCKET (unix).",
        f"- PostgreSQL: pgbench, {s.get('pg_clients')} clients, one thread, "
        f"{s.get('duration_s')} s per cell, scale {s.get('pg_scale')}; -h 127.0.0.1 (tcp) or "
        f"-h SOCKET_DIR (unix); range-sum sums {s.get('pg_range_rows')} rows.",
        f"- nginx: wrk --latency, one thread, {s.get('wrk_connections')} connections, "
        f"{s.get('duration_s')} s per cell, {s.get('body_bytes')}-byte body; wrk reaches "
        f"nginx over TCP in every cell; the transport is that of nginx's hop to its upstream.",
        f"- tcp+sockmap: sockmap-accel attached to its cgroup, the server started again inside "
        f"it and every client too; all the cell's loopback TCP (for nginx: wrk to nginx and "
        f"nginx to a TCP upstream) is redirected. A cell counts only when no send went "
        f"through TCP and the redirected bytes reach what the client's own figures prove "
        f"crossed (redis: requests x value size; pgbench: transactions x {PG_MIN_TX_BYTES} B; "
        f"wrk: the bytes it read).",
        f"- Echo floor: sock-echo and echo-gen, tcp against uds-stream and tcp+sockmap, "
        f"{s.get('echo_bytes')}-byte messages, window 1 and window {s.get('echo_window')}.",
    ]


def report_section(run):
    """The "Real services" section of report.md as a list of lines ([] without services)."""
    try:
        cs = load_cells(run.dir)
    except (OSError, ValueError) as e:
        return ["## Real services", "", f"services.json could not be read: {e}", ""]
    if not cs:
        return []
    out = ["## Real services", "",
           "Redis, PostgreSQL and nginx, each a private server started by the lab, measured "
           "with its own client over TCP loopback, over a Unix socket and over TCP with the "
           "sockmap shortcut (tcp+sockmap). ×tcp is the row's figure divided by plain TCP's "
           "for the same workload in this run: above 1 means "
           "more requests per second, or a longer latency. A cell with any client error "
           "(redis-benchmark errors, pgbench failed transactions or aborted clients, wrk "
           "non-2xx/3xx responses or socket errors) is not measured, never averaged in. "
           "Latency is each client's own: per request for redis-benchmark and wrk, per "
           "transaction for pgbench, with all its connections busy.", ""]
    out += settings_text(run.meta)
    out += [""]
    fr, fnotes = floor_rows(run)
    if fr:
        out += ["### Echo floor of this run", "",
                "What the transport alone costs: an echo of a small message, nothing parsed "
                "or looked up (sock-echo and echo-gen on the same CPUs as the services). CPU "
                "µs/msg is client plus server CPU time per message, the steadiest figure.", "",
                md_table(FLOOR_HEADER, fr), ""]
        out += fnotes + ([""] if fnotes else [])
    for svc in SERVICES:
        rows, notes = service_rows(cs, svc)
        if not rows:
            continue
        version = next((c.get("server_version") for c in cs
                        if c.get("service") == svc and c.get("server_version")), None)
        out += [f"### {TITLES[svc]}" + (f" ({version})" if version else ""), "",
                md_table(SERVICE_HEADER, rows), ""]
        if notes:
            out += notes + [""]
        sm = sockmap_lines(cs, svc)
        if sm:
            out += ["sockmap-accel's counters in the tcp+sockmap cells:", ""] + sm + [""]
        out += [f"- {wl}: {WORKLOADS.get(wl, '-')}" for wl in workloads(cs, svc)] + [""]
    return out


def md_table(header, rows):
    import report
    return report.md_table(header, rows, ["l", "l"] + ["r"] * (len(header) - 2))


def plots(run, pdir, scripts):
    """services-ratio: req/s over a Unix socket and over tcp+sockmap divided by req/s over
    TCP for every workload, the echo floor's ratios first."""
    import report as r
    try:
        cs = load_cells(run.dir)
    except (OSError, ValueError):
        return
    if not cs:
        return
    rows = []
    floor = {}
    for c in floor_cells(run):
        if c["path"] == "tcp" or c["lab"].get("status") != "ok":
            continue
        base = run.ok("tcp", c.get("payload_bytes"), c["lab"].get("kind"))
        if base:
            floor.setdefault(f"echo w{c.get('window')}", {})[c["path"]] = \
                ratio(c.get("pps"), base.get("pps"))
    for name, v in floor.items():
        rows.append([name, v.get("uds-stream"), v.get(SOCKMAP_TR)])
    for svc in SERVICES:
        for wl in workloads(cs, svc):
            t = ok_cell(cs, svc, wl, "tcp")
            u, m = ok_cell(cs, svc, wl, "unix"), ok_cell(cs, svc, wl, SOCKMAP_TR)
            if t and (u or m):
                rows.append([f"{svc} {wl}", ratio(u.get("rps"), t.get("rps")) if u else None,
                             ratio(m.get("rps"), t.get("rps")) if m else None])
    if not rows:
        return
    r.write_dat(os.path.join(pdir, "services-ratio.dat"),
                ["workload", "unix_over_tcp", "sockmap_over_tcp"], rows)
    scripts.append(("services-ratio", [
        r.gp_title(f"Requests per second over a Unix socket and over tcp+sockmap / over TCP "
                   f"loopback (run {run.run_id})"),
        "set ylabel 'req/s ratio to tcp'", "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1", "set grid ytics",
        "set xtics rotate by -30 noenhanced", "set key top right", "set yrange [0:*]",
        "set datafile missing 'NaN'",
        "plot 'services-ratio.dat' using 2:xtic(1) title 'unix / tcp' lc rgb '#1f77b4', "
        "'' using 3 title 'tcp+sockmap / tcp' lc rgb '#2ca02c', 1 with lines "
        "lc rgb '#d62728' dt 2 notitle"]))


def print_table(run_dir):
    import report
    run = report.Run(run_dir)
    print(f"Real services (run {run.run_id}; ×tcp: the row / plain TCP loopback in this run)")
    for line in report_section(run)[2:]:
        print(line)
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        if argv[1] == "record" and len(argv) >= 6:
            return record(argv[2], argv[3], argv[4], argv[5], argv[6:])
        if argv[1] == "bad":
            return bad(argv[2], argv[3:])
        if argv[1] == "free-port" and len(argv) >= 4:
            return free_port(int(argv[2]), int(argv[3]), {int(x) for x in argv[4:]})
        if argv[1] == "http-check" and len(argv) >= 5:
            return http_check(argv[2], int(argv[3]), argv[4:])
        if argv[1] == "table":
            return print_table(argv[2])
    except (OSError, ValueError) as e:
        print(f"services.py: {e}", file=sys.stderr)
        return 1
    print(f"services.py: unknown command or missing arguments: {' '.join(argv[1:])}",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
