# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 1, Unix sockets against TCP over loopback: the figures its questions refer to, with
the values the worked answers quote from the reference run 20261203-073726."""

import math

from exlib import Exercise, Figure, Premise, Question, at_most, cli_us, diff, field, highest, \
    lowest, mpps, p50, ratio, share, spread, srv_us

REF = "20261203-073726"
PATHS = ("udp", "tcp", "uds-dgram", "uds-stream", "uds-seqpacket")
SEE = "docs/labs/en/01-uds-vs-tcp.md"


def sleep(p, size=18):
    return p50(p, size, "latency")


def poll(p, size=18):
    return p50(p, size, "latency-poll")


def wake(p, size=18):
    return diff(sleep(p, size), poll(p, size))


# The split table of "What to look at" at 18 B, as quoted: sleep, poll, wake-up, share.
SPLIT_18 = {"udp": (23.9, "6.90", 17.0, 71), "tcp": (25.4, 11.3, 14.1, 56),
            "uds-dgram": (23.4, 7.02, 16.3, 70), "uds-stream": (20.4, "9.70", 10.7, 53),
            "uds-seqpacket": (26.4, 10.3, 16.2, 61)}
SPLIT_1472 = {"udp": (24.1, 7.15), "tcp": (25.9, 11.9), "uds-stream": (20.9, 10.3)}


def split_figures():
    out = []
    for p, (s, q, w, sh) in SPLIT_18.items():
        out += [Figure(f"{p} p50 sleep, 18 B", "µs", sleep(p), s),
                Figure(f"{p} p50 poll, 18 B", "µs", poll(p), q),
                Figure(f"{p} wake-up, 18 B", "µs", wake(p), w),
                Figure(f"{p} wake-up share, 18 B", "%", share(wake(p), sleep(p)), sh)]
    for p, (s, q) in SPLIT_1472.items():
        out += [Figure(f"{p} p50 sleep, 1472 B", "µs", sleep(p, 1472), s),
                Figure(f"{p} p50 poll, 1472 B", "µs", poll(p, 1472), q)]
    return out


# CPU per message of either end in the five latency cells at 18 B.
LATENCY_CPU = [f(p, 18, "latency") for p in PATHS for f in (cli_us, srv_us)]


SLEEP_SPREAD = spread(*(sleep(p) for p in PATHS))


def spread_note(run):
    vs = {p: sleep(p)(run) for p in PATHS}
    lo, hi = min(vs, key=vs.get), max(vs, key=vs.get)
    return (f"here the sleeping p50s at 18 B span {vs[lo]:.1f} ({lo}) to {vs[hi]:.1f} µs ({hi}), "
            f"{SLEEP_SPREAD(run):.2f}x, not within about a quarter of each other: on a shared "
            f"VM the sleeping column moves most; compare the polling column instead (see "
            f"\"What to look at\", the paragraph under the reference table, and answer 1)")


def several_times(run):
    vs = [ratio(mpps(p, 18), mpps("udp", 18))(run) for p in ("tcp", "uds-stream")]
    sc = [field(p, 18, "throughput", "server.syscalls_per_msg")(run) for p in ("tcp",
                                                                               "uds-stream")]
    if any(v is None for v in vs + sc):
        return None
    return min(vs) >= 3 and max(sc) <= 0.5


def several_times_note(run):
    vs = [ratio(mpps(p, 18), mpps("udp", 18))(run) for p in ("tcp", "uds-stream")]
    sc = [field(p, 18, "throughput", "server.syscalls_per_msg")(run) for p in ("tcp",
                                                                               "uds-stream")]
    return (f"here tcp and uds-stream echo {vs[0]:.2f}x and {vs[1]:.2f}x udp's messages per "
            f"second at 18 B with {sc[0]:.2f} and {sc[1]:.2f} server syscalls per message: "
            f"the streams did not coalesce much in this run (answer 2 explains what "
            f"coalescing needs: many messages in flight, one recv for several)")


def like_datagrams(run):
    seq, u, s = mpps("uds-seqpacket", 18)(run), mpps("udp", 18)(run), \
        mpps("uds-stream", 18)(run)
    if None in (seq, u, s) or min(seq, u, s) <= 0:
        return None
    return abs(math.log(seq / u)) < abs(math.log(seq / s))


EXERCISE = Exercise(
    number=1, title="Unix sockets against TCP over loopback", doc=SEE,
    runs={REF: "scripts/lab run --matrix uds-vs-tcp"},
    questions=[
        Question(1, about="where a sleeping round trip goes; the Unix socket's saving",
                 figures=split_figures() + [
                     Figure("lowest wake-up share of the five, 18 B", "%",
                            lowest(*(share(wake(p), sleep(p)) for p in PATHS)), 53),
                     Figure("highest wake-up share of the five, 18 B", "%",
                            highest(*(share(wake(p), sleep(p)) for p in PATHS)), 71),
                     Figure("tcp - uds-stream, p50 poll, 18 B", "µs",
                            diff(poll("tcp"), poll("uds-stream")), 1.6),
                     Figure("udp client CPU per message, throughput, 18 B", "µs",
                            cli_us("udp", 18), 4.57),
                     Figure("udp server CPU per message, throughput, 18 B", "µs",
                            srv_us("udp", 18), 4.78),
                     Figure("uds-dgram client CPU per message, throughput, 18 B", "µs",
                            cli_us("uds-dgram", 18), 4.42),
                     Figure("uds-dgram server CPU per message, throughput, 18 B", "µs",
                            srv_us("uds-dgram", 18), 4.46),
                     Figure("lowest CPU per message of either end, latency cells, 18 B", "µs",
                            lowest(*LATENCY_CPU), 13),
                     Figure("highest CPU per message of either end, latency cells, 18 B", "µs",
                            highest(*LATENCY_CPU), 17),
                 ],
                 premises=[Premise("the five paths' sleeping p50 (latency cell, 18 B) lie "
                                   "within about a quarter of each other (max/min <= 1.35)",
                                   at_most(SLEEP_SPREAD, 1.35), spread_note)]),
        Question(2, about="the stream paths' throughput and their system calls",
                 figures=[
                     Figure("udp Mpps, throughput, 18 B", "Mpps", mpps("udp", 18), 0.165),
                     Figure("tcp Mpps, throughput, 18 B", "Mpps", mpps("tcp", 18), "1.60"),
                     Figure("uds-stream Mpps, throughput, 18 B", "Mpps", mpps("uds-stream", 18),
                            1.91),
                     Figure("tcp server syscalls per message, throughput, 18 B", "",
                            field("tcp", 18, "throughput", "server.syscalls_per_msg"), 0.05),
                     Figure("uds-stream server syscalls per message, throughput, 18 B", "",
                            field("uds-stream", 18, "throughput", "server.syscalls_per_msg"),
                            0.05),
                 ],
                 premises=[Premise("tcp and uds-stream echo several times (>= 3x) udp's "
                                   "messages per second at 18 B, with a small fraction "
                                   "(<= 0.5) of a server syscall per message",
                                   several_times, several_times_note)]),
        Question(3, about="uds-dgram against udp in the throughput cell",
                 figures=[
                     Figure("uds-dgram Mpps, throughput, 18 B", "Mpps", mpps("uds-dgram", 18),
                            0.171),
                     Figure("uds-dgram / udp Mpps, throughput, 18 B", "×",
                            ratio(mpps("uds-dgram", 18), mpps("udp", 18)), 1.04),
                 ]),
        Question(4, about="which paths uds-seqpacket resembles",
                 figures=[
                     Figure("uds-seqpacket Mpps, throughput, 18 B", "Mpps",
                            mpps("uds-seqpacket", 18), "0.140"),
                     Figure("uds-seqpacket server syscalls per message, throughput, 18 B", "",
                            field("uds-seqpacket", 18, "throughput",
                                  "server.syscalls_per_msg"), 3),
                 ],
                 premises=[Premise("uds-seqpacket's messages per second (18 B) are nearer "
                                   "udp's than uds-stream's",
                                   like_datagrams,
                                   "here uds-seqpacket's throughput at 18 B is nearer "
                                   "uds-stream's than udp's: look at its server syscalls per "
                                   "message, and see answer 4")]),
        Question(5, about="what a Unix socket cannot do, and can"),
        Question(6, about="127.0.0.1 or a socket file for a database client",
                 figures=[
                     Figure("tcp p50 sleep, 18 B", "µs", sleep("tcp"), 25.4),
                     Figure("uds-stream p50 sleep, 18 B", "µs", sleep("uds-stream"), 20.4),
                     Figure("tcp p50 poll, 18 B", "µs", poll("tcp"), 11.3),
                     Figure("uds-stream p50 poll, 18 B", "µs", poll("uds-stream"), "9.70"),
                 ]),
    ])
