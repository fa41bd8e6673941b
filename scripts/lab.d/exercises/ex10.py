# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 10, the sockmap shortcut: the figures its questions refer to, with the values the
worked answers quote from the reference run 20261203-073245 (and, for the polling comparison of
answer 2, run 20261203-075317)."""

from exlib import Exercise, Figure, Premise, Question, all_of, cli_us, diff, field, highest, \
    lowest, p50, ratio, smaller, srv_us

REF = "20261203-073245"
POLL_RUN = "20261203-075317"
SM = "tcp+sockmap"


def kmsg(p, size):
    def value(run):
        v = field(p, size, "throughput", "pps")(run)
        return v / 1e3 if v is not None else None
    return value


def cpu(p, size):
    """Client plus server CPU per message in the throughput cell, µs."""
    def value(run):
        c, s = cli_us(p, size)(run), srv_us(p, size)(run)
        return c + s if c is not None and s is not None else None
    return value


def lab(p, size, kind, key):
    return field(p, size, kind, "lab." + key)


def bytes_per_send(p, size):
    return ratio(lab(p, size, "throughput", "sockmap_redirected_bytes"),
                 lab(p, size, "throughput", "sockmap_redirected_sends"))


def kbytes_per_send(p, size):
    def value(run):
        v = bytes_per_send(p, size)(run)
        return v / 1e3 if v is not None else None
    return value


SIZES = (64, 1024, 16384, 65536)
PLACES = ("", "+1cpu")
# sockmap / tcp latency p50 at every size and placement.
P50_RATIOS = [ratio(p50(SM + pl, s), p50("tcp" + pl, s)) for s in SIZES for pl in PLACES]
SMALL_THROUGHPUT = [ratio(kmsg(SM + pl, s), kmsg("tcp" + pl, s)) for s in (64, 1024)
                    for pl in PLACES]


def slower_somewhere(run):
    """tcp+sockmap echoes fewer messages per second than tcp in some throughput cell."""
    rs = [ratio(kmsg(SM + pl, s), kmsg("tcp" + pl, s))(run) for s in SIZES for pl in PLACES]
    rs = [r for r in rs if r is not None]
    return min(rs) < 1 if rs else None


def slower_note(run):
    rs = [ratio(kmsg(SM + pl, s), kmsg("tcp" + pl, s))(run) for s in SIZES for pl in PLACES]
    rs = [r for r in rs if r is not None]
    return (f"here tcp+sockmap is not slower than tcp in any throughput cell (lowest "
            f"{min(rs):.2f}x): the receiver kept running in every cell; read the `sends` and "
            f"`srv csw/msg` columns of your run, as the last sentences of answer 3 say")


EXERCISE = Exercise(
    number=10, title="The sockmap shortcut", doc="docs/labs/en/10-sockmap.md",
    runs={REF: "scripts/lab run --matrix sockmap",
          POLL_RUN: "scripts/lab run --matrix sockmap --paths tcp@busy-poll,"
                    "tcp@busy-poll+sockmap,uds-stream@busy-poll --sizes 64,65536"},
    questions=[
        Question(1, about="the redirect counts",
                 figures=[
                     Figure("tcp+sockmap sent, latency cell, 64 B", "",
                            field(SM, 64, "latency", "sent"), 59031),
                     Figure("tcp+sockmap messages redirected, latency cell, 64 B", "",
                            lab(SM, 64, "latency", "sockmap_redirected_msgs"), 146530),
                     Figure("bytes per redirected send, throughput, 64 B", "B",
                            bytes_per_send(SM, 64), 1024),
                     Figure("bytes per redirected send, throughput, 1 KB", "B",
                            bytes_per_send(SM, 1024), 16384),
                 ]),
        Question(2, about="what the shortcut saves per round trip",
                 figures=[
                     Figure("tcp p50, 64 B, 2 CPUs", "µs", p50("tcp", 64), 25.8),
                     Figure("tcp+sockmap p50, 64 B, 2 CPUs", "µs", p50(SM, 64), 22.1),
                     Figure("tcp+sockmap / tcp p50, 64 B, 2 CPUs", "×",
                            ratio(p50(SM, 64), p50("tcp", 64)), 0.86),
                     Figure("tcp - tcp+sockmap p50, 64 B, 2 CPUs", "µs",
                            diff(p50("tcp", 64), p50(SM, 64)), 3.7),
                     Figure("tcp p50, 64 B, 1 CPU", "µs", p50("tcp+1cpu", 64), 17.1),
                     Figure("tcp+sockmap p50, 64 B, 1 CPU", "µs", p50(SM + "+1cpu", 64), 14.9),
                     Figure("tcp+sockmap / tcp p50, 64 B, 1 CPU", "×",
                            ratio(p50(SM + "+1cpu", 64), p50("tcp+1cpu", 64)), 0.87),
                     Figure("tcp - tcp+sockmap p50, 64 B, 1 CPU", "µs",
                            diff(p50("tcp+1cpu", 64), p50(SM + "+1cpu", 64)), 2.1),
                     Figure("tcp p50, 64 KB, 2 CPUs", "µs", p50("tcp", 65536), 71.4),
                     Figure("tcp+sockmap p50, 64 KB, 2 CPUs", "µs", p50(SM, 65536), 60.5),
                     Figure("tcp+sockmap / tcp p50, 64 KB, 2 CPUs", "×",
                            ratio(p50(SM, 65536), p50("tcp", 65536)), 0.85),
                     Figure("tcp - tcp+sockmap p50, 64 KB, 2 CPUs", "µs",
                            diff(p50("tcp", 65536), p50(SM, 65536)), 11),
                     Figure("lowest tcp+sockmap / tcp p50, every size and placement", "×",
                            lowest(*P50_RATIOS), 0.85),
                     Figure("highest tcp+sockmap / tcp p50, every size and placement", "×",
                            highest(*P50_RATIOS), 0.88),
                     Figure("tcp@busy-poll+sockmap p50, 64 B", "µs",
                            p50("tcp@busy-poll+sockmap", 64), 7.4, run=POLL_RUN),
                     Figure("tcp@busy-poll p50, 64 B", "µs", p50("tcp@busy-poll", 64), 11.4,
                            run=POLL_RUN),
                     Figure("uds-stream@busy-poll p50, 64 B", "µs",
                            p50("uds-stream@busy-poll", 64), 8.9, run=POLL_RUN),
                     Figure("tcp@busy-poll+sockmap p90, 64 B", "µs",
                            field("tcp@busy-poll+sockmap", 64, "latency", "rtt_us.p90"), 16.4,
                            run=POLL_RUN),
                     Figure("tcp@busy-poll p90, 64 B", "µs",
                            field("tcp@busy-poll", 64, "latency", "rtt_us.p90"), 11.7,
                            run=POLL_RUN),
                     Figure("tcp@busy-poll+sockmap / tcp@busy-poll round trips per second, "
                            "64 B", "×", ratio(field("tcp@busy-poll+sockmap", 64, "latency",
                                                     "pps"),
                                               field("tcp@busy-poll", 64, "latency", "pps")),
                            0.5, run=POLL_RUN),
                 ],
                 premises=[
                     Premise("with both ends busy-polling, tcp+sockmap's p50 is below tcp's and "
                             "its p90 above (64 B)",
                             all_of(smaller(p50("tcp@busy-poll+sockmap", 64),
                                            p50("tcp@busy-poll", 64)),
                                    smaller(field("tcp@busy-poll", 64, "latency", "rtt_us.p90"),
                                            field("tcp@busy-poll+sockmap", 64, "latency",
                                                  "rtt_us.p90"))),
                             "here busy-polling tcp+sockmap does not have the lower p50 and the "
                             "worse p90 answer 2 describes: compare the two histograms of your "
                             "run"),
                 ]),
        Question(3, about="where tcp+sockmap is slower than tcp, and why",
                 figures=[
                     Figure("tcp+sockmap kmsg/s, throughput, 16 KB, 2 CPUs", "k/s",
                            kmsg(SM, 16384), 40.1),
                     Figure("tcp kmsg/s, throughput, 16 KB, 2 CPUs", "k/s",
                            kmsg("tcp", 16384), 50.0),
                     Figure("tcp+sockmap / tcp kmsg/s, 16 KB, 2 CPUs", "×",
                            ratio(kmsg(SM, 16384), kmsg("tcp", 16384)), 0.80),
                     Figure("tcp+sockmap CPU per message (cli + srv), 16 KB", "µs",
                            cpu(SM, 16384), 27.1),
                     Figure("tcp CPU per message (cli + srv), 16 KB", "µs",
                            cpu("tcp", 16384), 21.8),
                     Figure("tcp+sockmap / tcp CPU per message, 16 KB", "×",
                            ratio(cpu(SM, 16384), cpu("tcp", 16384)), 1.25),
                     Figure("tcp+sockmap server context switches per message, 16 KB", "",
                            field(SM, 16384, "throughput", "server.csw_per_msg"), 0.424),
                     Figure("tcp server context switches per message, 16 KB", "",
                            field("tcp", 16384, "throughput", "server.csw_per_msg"), 0.005),
                     Figure("lowest tcp+sockmap / tcp kmsg/s at 64 B and 1 KB", "×",
                            lowest(*SMALL_THROUGHPUT), 1.04),
                     Figure("highest tcp+sockmap / tcp kmsg/s at 64 B and 1 KB", "×",
                            highest(*SMALL_THROUGHPUT), 1.17),
                     Figure("kB per redirected send, 64 KB, 2 CPUs", "kB",
                            kbytes_per_send(SM, 65536), 26.8),
                     Figure("kB per redirected send, 64 KB, 1 CPU", "kB",
                            kbytes_per_send(SM + "+1cpu", 65536), 28.9),
                     Figure("program runs per send, 64 KB, 2 CPUs", "×",
                            ratio(lambda run: 65536, bytes_per_send(SM, 65536)), 2.4),
                     Figure("program runs per send, 64 KB, 1 CPU", "×",
                            ratio(lambda run: 65536, bytes_per_send(SM + "+1cpu", 65536)), 2.3),
                     Figure("tcp+sockmap / tcp kmsg/s, 64 KB, 2 CPUs", "×",
                            ratio(kmsg(SM, 65536), kmsg("tcp", 65536)), 0.98),
                     Figure("tcp+sockmap / tcp kmsg/s, 64 KB, 1 CPU", "×",
                            ratio(kmsg(SM + "+1cpu", 65536), kmsg("tcp+1cpu", 65536)), 1.28),
                 ],
                 premises=[Premise("tcp+sockmap echoes fewer messages per second than tcp in "
                                   "some throughput cell", slower_somewhere, slower_note)]),
        Question(4, about="tcp+sockmap against uds-stream",
                 figures=[
                     Figure("uds-stream p50, 64 B, 2 CPUs", "µs", p50("uds-stream", 64), 20.7),
                     Figure("uds-stream / tcp kmsg/s, 16 KB, 2 CPUs", "×",
                            ratio(kmsg("uds-stream", 16384), kmsg("tcp", 16384)), 1.52),
                     Figure("uds-stream / tcp kmsg/s, 64 KB, 2 CPUs", "×",
                            ratio(kmsg("uds-stream", 65536), kmsg("tcp", 65536)), 1.24),
                     Figure("uds-stream / tcp kmsg/s, 1 KB, 2 CPUs", "×",
                            ratio(kmsg("uds-stream", 1024), kmsg("tcp", 1024)), 0.77),
                     Figure("uds-stream p50, 64 B, 1 CPU", "µs", p50("uds-stream+1cpu", 64),
                            20.7),
                 ]),
        Question(5, about="what the shortcut saves two sidecar hops",
                 figures=[
                     Figure("tcp CPU per message (cli + srv), throughput, 64 B", "µs",
                            cpu("tcp", 64), 1.99),
                     Figure("tcp+sockmap CPU per message (cli + srv), throughput, 64 B", "µs",
                            cpu(SM, 64), 1.75),
                     Figure("CPU saved per message per hop, 64 B", "µs",
                            diff(cpu("tcp", 64), cpu(SM, 64)), 0.24),
                 ]),
        Question(6, about="what the shortcut does not remove"),
        Question(7, about="only one end in the cgroup; the loader killed"),
    ])
