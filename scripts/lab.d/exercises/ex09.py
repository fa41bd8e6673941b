# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 9, zero copy: the figures its questions refer to, with the values the worked answers
quote from the reference runs 20261203-074151 (the zerocopy matrix) and 20261203-075358 (memif
with and without its zero-copy mode)."""

import report
import report_zerocopy as zc
from exlib import Exercise, Figure, FormatError, Premise, Question, all_of, cli_us, field, \
    mpps, p50, ratio, scaled, smaller

REF = "20261203-074151"
MEMIF_RUN = "20261203-075358"
KIB64, MIB = 65536, 1048576
MIB_LABEL = {256: "256 B", 4096: "4 KiB", KIB64: "64 KiB", MIB: "1 MiB"}


def _cell(run, path, size):
    c = run.ok(path, size, "throughput")
    if c is None:
        return None
    for key in ("client", "server", "received", "payload_bytes"):
        if key not in c:
            raise FormatError(f"cell {path} {size} B throughput of run {run.run_id} has no "
                              f"field '{key}'")
    return c


def srv_ns(path, size):
    """Server CPU nanoseconds per payload byte (the report's srv ns/B)."""
    def value(run):
        c = _cell(run, path, size)
        return zc.server_ns_per_byte(c) if c else None
    return value


def cli_ns(path, size):
    def value(run):
        c = _cell(run, path, size)
        return zc.client_ns_per_byte(c) if c else None
    return value


def gbps(path, size):
    return field(path, size, "throughput", "gbps")


def zcopy(path, size, key):
    return field(path, size, "throughput", "zerocopy." + key)


def splice_ratio(base, size):
    return ratio(srv_ns(f"{base}@splice", size), srv_ns(f"{base}@epoll", size))


def all_cells(what):
    """A figure over every measured cell of the run: their number, or the sum of a field."""
    def value(run):
        cells = [c for _, _, _, c in run.ok_cells()]
        if not cells:
            return None
        if what == "count":
            return len(cells)
        return sum(report.num(c.get(what)) or 0 for c in cells)
    return value


TABLE = {"tcp@epoll": (5.5, "0.781", 8.2, "0.881"), "tcp@splice": (8.2, "0.703", 10.1, "0.626"),
         "uds-stream@epoll": (9.5, "0.624", 7.6, "0.685"),
         "uds-stream@splice": (12.7, "0.462", 9.8, "0.526")}


def table_figures():
    out = []
    for p, (g64, s64, g1m, s1m) in TABLE.items():
        out += [Figure(f"{p} Gbit/s, 64 KiB", "Gbit/s", gbps(p, KIB64), g64),
                Figure(f"{p} server ns/B, 64 KiB", "ns/B", srv_ns(p, KIB64), s64),
                Figure(f"{p} Gbit/s, 1 MiB", "Gbit/s", gbps(p, MIB), g1m),
                Figure(f"{p} server ns/B, 1 MiB", "ns/B", srv_ns(p, MIB), s1m)]
    return out


def splice_pays(run):
    rs = [splice_ratio(b, s)(run) for b in ("tcp", "uds-stream") for s in (KIB64, MIB)]
    if any(r is None for r in rs):
        return None
    return max(rs) < 1


def splice_note(run):
    rs = {f"{b} {MIB_LABEL[s]}": splice_ratio(b, s)(run) for b in ("tcp", "uds-stream")
          for s in (KIB64, MIB)}
    worse = ", ".join(f"{k} {v:.2f}" for k, v in rs.items() if v >= 1)
    return (f"here splice did not save the server CPU per byte everywhere at 64 KiB and 1 MiB "
            f"(splice / epoll: {worse}): see answer 3 on what splice leaves, and answer 4 on "
            f"noisy cells; run the matrix again before reading one cell")


def near(run):
    """Share of the measured cells whose client and server CPU per byte lie within 25 %."""
    rs = []
    for _, _, _, c in run.ok_cells():
        r = report.ratio(zc.client_ns_per_byte(c), zc.server_ns_per_byte(c))
        if r is not None:
            rs.append(0.8 <= r <= 1.25)
    return sum(rs) / len(rs) if rs else None


def most_near(run):
    v = near(run)
    return None if v is None else v > 0.5


def near_note(run):
    return (f"here only {100 * near(run):.0f} % of the cells have client and server CPU per "
            f"byte within 25 % of each other, not most: compare one side between two paths, "
            f"as answer 5 says")


EXERCISE = Exercise(
    number=9, title="Zero copy", doc="docs/labs/en/09-zero-copy.md",
    runs={REF: "scripts/lab run --matrix zerocopy",
          MEMIF_RUN: "scripts/lab run --matrix zerocopy --paths net_memif,net_memif%zerocopy "
                     "--sizes 256,1024"},
    questions=[
        Question(1, about="the copies of one round trip",
                 figures=table_figures() + [
                     Figure("measured cells", "", all_cells("count"), 32),
                     Figure("lost, all cells", "", all_cells("lost"), 0),
                     Figure("corrupt, all cells", "", all_cells("corrupt"), 0)]),
        Question(2, about="what the kernel copied; the client's CPU with --zerocopy",
                 figures=[
                     Figure("tcp@epoll%zerocopy sends, 1 MiB", "", zcopy("tcp@epoll%zerocopy",
                                                                          MIB, "sends"), 2520),
                     Figure("tcp@epoll%zerocopy completions copied, 1 MiB", "",
                            zcopy("tcp@epoll%zerocopy", MIB, "completed_copied"), 2520),
                     Figure("tcp@epoll%zerocopy sends, 64 KiB", "",
                            zcopy("tcp@epoll%zerocopy", KIB64, "sends"), 41083),
                     Figure("tcp@epoll%zerocopy completions copied, 64 KiB", "",
                            zcopy("tcp@epoll%zerocopy", KIB64, "completed_copied"), 41083),
                     Figure("udp%zerocopy completions copied, 4 KiB", "",
                            zcopy("udp%zerocopy", 4096, "completed_copied"), 310788),
                     Figure("udp%zerocopy sends, 4 KiB", "",
                            zcopy("udp%zerocopy", 4096, "sends"), 310788),
                     Figure("tcp@epoll%zerocopy copied share, 1 MiB", "%",
                            scaled(zcopy("tcp@epoll%zerocopy", MIB, "copied_share"), 100), 100),
                     Figure("client ns/B, MSG_ZEROCOPY / plain, 64 KiB", "×",
                            ratio(cli_ns("tcp@epoll%zerocopy", KIB64), cli_ns("tcp@epoll",
                                                                              KIB64)), 1.10),
                     Figure("client ns/B, MSG_ZEROCOPY / plain, 1 MiB", "×",
                            ratio(cli_ns("tcp@epoll%zerocopy", MIB), cli_ns("tcp@epoll", MIB)),
                            1.35),
                     Figure("client ns/B, io_uring SEND_ZC / plain, 64 KiB", "×",
                            ratio(cli_ns("tcp@epoll%zerocopy=uring", KIB64),
                                  cli_ns("tcp@epoll", KIB64)), 1.67),
                     Figure("client ns/B, io_uring SEND_ZC / plain, 1 MiB", "×",
                            ratio(cli_ns("tcp@epoll%zerocopy=uring", MIB),
                                  cli_ns("tcp@epoll", MIB)), 1.29),
                     Figure("client ns/B, MSG_ZEROCOPY / plain, 4 KiB", "×",
                            ratio(cli_ns("tcp@epoll%zerocopy", 4096), cli_ns("tcp@epoll", 4096)),
                            "2.50"),
                     Figure("client ns/B, udp%zerocopy / udp, 256 B", "×",
                            ratio(cli_ns("udp%zerocopy", 256), cli_ns("udp", 256)), 1.07),
                     Figure("client ns/B, udp%zerocopy / udp, 4 KiB", "×",
                            ratio(cli_ns("udp%zerocopy", 4096), cli_ns("udp", 4096)), 1.08),
                     Figure("tcp@epoll Gbit/s, 256 B", "Gbit/s", gbps("tcp@epoll", 256), 0.03),
                     Figure("tcp@splice / tcp@epoll Gbit/s, 256 B", "×",
                            ratio(gbps("tcp@splice", 256), gbps("tcp@epoll", 256)), 6),
                 ]),
        Question(3, about="what splice saves the server",
                 figures=[
                     Figure("tcp splice / epoll, server ns/B, 64 KiB", "×",
                            splice_ratio("tcp", KIB64), "0.90"),
                     Figure("tcp splice / epoll, server ns/B, 1 MiB", "×",
                            splice_ratio("tcp", MIB), 0.71),
                     Figure("uds-stream splice / epoll, server ns/B, 64 KiB", "×",
                            splice_ratio("uds-stream", KIB64), 0.74),
                     Figure("uds-stream splice / epoll, server ns/B, 1 MiB", "×",
                            splice_ratio("uds-stream", MIB), 0.77),
                     Figure("tcp splice / epoll, Gbit/s, 64 KiB", "×",
                            ratio(gbps("tcp@splice", KIB64), gbps("tcp@epoll", KIB64)), 1.51),
                     Figure("tcp splice / epoll, Gbit/s, 1 MiB", "×",
                            ratio(gbps("tcp@splice", MIB), gbps("tcp@epoll", MIB)), 1.23),
                     Figure("uds-stream splice / epoll, Gbit/s, 64 KiB", "×",
                            ratio(gbps("uds-stream@splice", KIB64),
                                  gbps("uds-stream@epoll", KIB64)), 1.34),
                     Figure("uds-stream splice / epoll, Gbit/s, 1 MiB", "×",
                            ratio(gbps("uds-stream@splice", MIB), gbps("uds-stream@epoll", MIB)),
                            "1.30"),
                 ],
                 premises=[Premise("splice saves the server CPU per byte at 64 KiB and 1 MiB "
                                   "on tcp and on uds-stream (splice / epoll below 1)",
                                   splice_pays, splice_note)]),
        Question(4, about="the crossover",
                 figures=[
                     Figure("tcp splice / epoll, server ns/B, 4 KiB", "×",
                            splice_ratio("tcp", 4096), 0.94),
                     Figure("uds-stream splice / epoll, server ns/B, 4 KiB", "×",
                            splice_ratio("uds-stream", 4096), "1.00"),
                     Figure("uds-stream splice / epoll, server ns/B, 256 B", "×",
                            splice_ratio("uds-stream", 256), 1.44),
                 ]),
        Question(5, about="client and server CPU per byte",
                 figures=[Figure("cells with client and server ns/B within 25 %", "%",
                                 scaled(near, 100), 56)],
                 premises=[Premise("in most cells client and server spend nearly the same CPU "
                                   "per byte (within 25 % in more than half)", most_near,
                                   near_note)]),
        Question(6, about="two hosts and a NIC"),
        Question(7, about="memif's zero-copy mode",
                 figures=[
                     Figure("net_memif Mpps, 256 B", "Mpps", mpps("net_memif", 256), 0.805,
                            run=MEMIF_RUN),
                     Figure("net_memif%zerocopy Mpps, 256 B", "Mpps",
                            mpps("net_memif%zerocopy", 256), 1.121, run=MEMIF_RUN),
                     Figure("net_memif Mpps, 1024 B", "Mpps", mpps("net_memif", 1024), 0.704,
                            run=MEMIF_RUN),
                     Figure("net_memif%zerocopy Mpps, 1024 B", "Mpps",
                            mpps("net_memif%zerocopy", 1024), 0.969, run=MEMIF_RUN),
                     Figure("zero-copy / copy Mpps, 256 B", "×",
                            ratio(mpps("net_memif%zerocopy", 256), mpps("net_memif", 256)),
                            1.39, run=MEMIF_RUN),
                     Figure("zero-copy / copy Mpps, 1024 B", "×",
                            ratio(mpps("net_memif%zerocopy", 1024), mpps("net_memif", 1024)),
                            1.38, run=MEMIF_RUN),
                     Figure("net_memif client CPU per message, 256 B", "µs",
                            cli_us("net_memif", 256), 0.99, run=MEMIF_RUN),
                     Figure("net_memif%zerocopy client CPU per message, 256 B", "µs",
                            cli_us("net_memif%zerocopy", 256), 0.76, run=MEMIF_RUN),
                     Figure("net_memif client CPU per message, 1024 B", "µs",
                            cli_us("net_memif", 1024), "1.20", run=MEMIF_RUN),
                     Figure("net_memif%zerocopy client CPU per message, 1024 B", "µs",
                            cli_us("net_memif%zerocopy", 1024), 0.88, run=MEMIF_RUN),
                     Figure("net_memif p50, 256 B", "µs", p50("net_memif", 256, "throughput"),
                            2.9, run=MEMIF_RUN),
                     Figure("net_memif%zerocopy p50, 256 B", "µs",
                            p50("net_memif%zerocopy", 256, "throughput"), 2.3, run=MEMIF_RUN),
                     Figure("net_memif p50, 1024 B", "µs", p50("net_memif", 1024, "throughput"),
                            3.8, run=MEMIF_RUN),
                     Figure("net_memif%zerocopy p50, 1024 B", "µs",
                            p50("net_memif%zerocopy", 1024, "throughput"), 2.7, run=MEMIF_RUN),
                     Figure("net_memif server busy cycles per message, 256 B", "",
                            field("net_memif", 256, "throughput", "server.cycles_per_msg"),
                            1613, run=MEMIF_RUN),
                     Figure("net_memif%zerocopy server busy cycles per message, 256 B", "",
                            field("net_memif%zerocopy", 256, "throughput",
                                  "server.cycles_per_msg"), 1213, run=MEMIF_RUN),
                     Figure("net_memif server busy cycles per message, 1024 B", "",
                            field("net_memif", 1024, "throughput", "server.cycles_per_msg"),
                            1680, run=MEMIF_RUN),
                     Figure("net_memif%zerocopy server busy cycles per message, 1024 B", "",
                            field("net_memif%zerocopy", 1024, "throughput",
                                  "server.cycles_per_msg"), 1461, run=MEMIF_RUN),
                 ],
                 premises=[Premise("memif's zero copy echoes more messages per second and costs "
                                   "the client less CPU and the server fewer busy cycles per "
                                   "message, at 256 B and at 1024 B",
                                   all_of(*[p for size in (256, 1024) for p in (
                                       smaller(mpps("net_memif", size),
                                               mpps("net_memif%zerocopy", size)),
                                       smaller(cli_us("net_memif%zerocopy", size),
                                               cli_us("net_memif", size)),
                                       smaller(field("net_memif%zerocopy", size, "throughput",
                                                     "server.cycles_per_msg"),
                                               field("net_memif", size, "throughput",
                                                     "server.cycles_per_msg")))]),
                                   "here memif's zero copy is not faster and cheaper on both "
                                   "sides at both sizes: rerun the two paths (answer 7's "
                                   "command) before you read one cell")]),
    ])
