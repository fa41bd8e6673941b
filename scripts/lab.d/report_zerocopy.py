# SPDX-License-Identifier: BSD-3-Clause
"""The zero-copy part of a run's report: CPU per byte on both sides, splice against epoll as a
ratio, and MSG_ZEROCOPY's completions with the share the kernel copied.

report.py calls section(run, md_table, fmt) and adds its lines when the run has a splice server
or a %zerocopy client; every ratio pairs two paths of this same run at the same size and cell.
"""

NS_PER_S = 1e9


def _num(v):
    return v if isinstance(v, (int, float)) and v == v else None


def _get(c, *keys):
    for k in keys:
        if not isinstance(c, dict):
            return None
        c = c.get(k)
    return c


def io_of(path):
    """tcp@splice+1cpu%zerocopy -> splice; tcp -> epoll (sock-echo's default)."""
    b = path.split("%", 1)[0].split("+", 1)[0]
    return b.split("@", 1)[1] if "@" in b else "epoll"


def client_opt(path):
    return path.split("%", 1)[1] if "%" in path else ""


def with_io(path, io):
    """The same path with another server io mode (and its client option kept)."""
    rest = path.split("%", 1)
    head = rest[0]
    base = head.split("+", 1)[0].split("@", 1)[0]
    place = "+" + head.split("+", 1)[1] if "+" in head else ""
    return base + ("" if io is None else "@" + io) + place + \
        ("%" + rest[1] if len(rest) > 1 else "")


def without_client_opt(path):
    return path.split("%", 1)[0]


def payload_bytes(c):
    rx, size = _num(c.get("received")), _num(c.get("payload_bytes"))
    return rx * size if rx and size else None


def client_ns_per_byte(c):
    cpu, b = _num(_get(c, "client", "cpu_s")), payload_bytes(c)
    return cpu * NS_PER_S / b if cpu is not None and b else None


def server_ns_per_byte(c):
    us, size = _num(_get(c, "server", "cpu_per_msg_us")), _num(c.get("payload_bytes"))
    return us * 1e3 / size if us is not None and size else None


def _ratio(a, b):
    a, b = _num(a), _num(b)
    return a / b if a is not None and b else None


def relevant(run):
    return any(io_of(p) == "splice" or client_opt(p) for p in run.paths)


def _counterpart(run, path, size, kind, other):
    for cand in other:
        if cand in run.paths:
            c = run.ok(cand, size, kind)
            if c is not None:
                return cand, c
    return None, None


def cost_rows(run, fmt):
    rows = []
    for p, s, k, c in run.ok_cells():
        rows.append([p, s, k, fmt(c.get("gbps"), 3), fmt(client_ns_per_byte(c), 3),
                     fmt(server_ns_per_byte(c), 3)])
    return rows


def splice_rows(run, fmt):
    rows = []
    for p, s, k, c in run.ok_cells([p for p in run.paths if io_of(p) == "splice"]):
        ep, e = _counterpart(run, p, s, k, [with_io(p, "epoll"), with_io(p, None)])
        if e is None:
            continue
        rows.append([f"{p} / {ep}", s, k, fmt(server_ns_per_byte(c), 3),
                     fmt(server_ns_per_byte(e), 3),
                     fmt(_ratio(server_ns_per_byte(c), server_ns_per_byte(e)), 2),
                     fmt(_ratio(c.get("gbps"), e.get("gbps")), 2),
                     f"{c.get('corrupt', '-')} / {e.get('corrupt', '-')}"])
    return rows


def zerocopy_rows(run, fmt):
    rows = []
    for p in run.paths:
        if not client_opt(p).startswith("zerocopy"):
            continue
        for s in run.sizes:
            for k in run.kinds:
                c = run.ok(p, s, k)
                z = _get(c, "zerocopy") if c else None
                if not isinstance(z, dict):
                    continue
                plain = without_client_opt(p)
                b = run.ok(plain, s, k) if plain in run.paths else None
                share = _num(z.get("copied_share"))
                rows.append([p, s, k, z.get("sends"), z.get("completed"),
                             z.get("completed_zerocopy"), z.get("completed_copied"),
                             "-" if share is None else f"{100 * share:.0f} %", z.get("pending"),
                             fmt(client_ns_per_byte(c), 3),
                             fmt(_ratio(client_ns_per_byte(c), client_ns_per_byte(b))
                                 if b else None, 2)])
    return rows


def memif_rows(run, fmt):
    """net_memif against net_memif%zerocopy: the client copying frames or sharing its mbufs."""
    rows = []
    if "net_memif%zerocopy" not in run.paths:
        return rows
    for s in run.sizes:
        for k in run.kinds:
            for p in ("net_memif", "net_memif%zerocopy"):
                c = run.ok(p, s, k) if p in run.paths else None
                if c is None:
                    continue
                cpu, rx = _num(_get(c, "client", "cpu_s")), _num(c.get("received"))
                pps = _num(c.get("pps"))
                rows.append([p, s, k, fmt(pps / 1e6 if pps is not None else None, 3),
                             fmt(cpu * 1e6 / rx if cpu is not None and rx else None),
                             fmt(_get(c, "server", "cycles_per_msg"), 0),
                             fmt(_get(c, "rtt_us", "p50"), 1)])
    return rows


def section(run, md_table, fmt):
    """Markdown lines for report.md, or [] when the run has nothing zero-copy."""
    if not relevant(run):
        return []
    out = ["## Zero copy: CPU per byte", "",
           "CPU nanoseconds per payload byte echoed (one way), from the same cells as above: "
           "client = echo-gen's worker threads, server = sock-echo's process (for byte "
           "streams its messages are bytes / size). Gbit/s is payload one way.", "",
           md_table(["path", "bytes", "cell", "Gbit/s", "cli ns/B", "srv ns/B"],
                    cost_rows(run, fmt), ["l", "r", "l", "r", "r", "r"]), ""]
    rows = splice_rows(run, fmt)
    if rows:
        out += ["### splice against epoll (server)", "",
                "The same transport and client, sock-echo `--io splice` against `--io epoll`: "
                "server CPU per byte and its ratio (below 1: splice spends less), the "
                "throughput ratio, and corrupt replies of both (must be 0 / 0).", "",
                md_table(["splice / epoll", "bytes", "cell", "splice srv ns/B",
                          "epoll srv ns/B", "srv CPU/B ratio", "Gbit/s ratio", "corrupt"],
                         rows, ["l", "r", "l", "r", "r", "r", "r", "r"]), ""]
    rows = zerocopy_rows(run, fmt)
    if rows:
        out += ["### MSG_ZEROCOPY completions (client)", "",
                "Counted over the whole cell, warm-up included: send calls made with "
                "`MSG_ZEROCOPY`, completions read from the error queue, how many the kernel "
                "served in place or copied after all (`SO_EE_CODE_ZEROCOPY_COPIED`; on "
                "loopback it always copies), and the client's CPU per byte against the same "
                "path without `--zerocopy` (below 1: zero copy spends less).", "",
                md_table(["path", "bytes", "cell", "sends", "completed", "zero-copy", "copied",
                          "copied by the kernel", "pending", "cli ns/B", "cli CPU/B ×plain"],
                         rows, ["l", "r", "l"] + ["r"] * 8), ""]
    rows = memif_rows(run, fmt)
    if rows:
        out += ["### memif: copying client against zero-copy client", "",
                "echo-gen's DPDK client on net_memif copying each frame between its mbufs "
                "and the shared ring buffers, or (`%zerocopy`, `zero-copy=yes`) handing its "
                "own hugepage mbufs to the server. One frame per message, so only sizes up to "
                "1472 bytes run. Server cycles are bypass-echo's busy cycles per message.", "",
                md_table(["path", "bytes", "cell", "Mpps", "cli µs/msg", "srv cycles/msg",
                          "p50 µs"], rows, ["l", "r", "l", "r", "r", "r", "r"]), ""]
    return out
