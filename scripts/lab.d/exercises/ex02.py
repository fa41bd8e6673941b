# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 2, system calls and batching: the figures its questions refer to, with the values the
worked answers quote from the reference run 20261203-114437 and the second run 20261203-114952."""

from exlib import Exercise, Figure, Premise, Question, all_of, at_least, diff, field, p50, \
    ratio, smaller, srv_us

REF = "20261203-114437"
SECOND = "20261203-114952"
SEE = "docs/labs/en/02-syscalls-batching.md"
SLEEPERS = ("udp@blocking", "udp@mmsg", "udp@epoll", "udp@uring")
UDP_MODES = SLEEPERS + ("udp@busy-poll",)


def srv_sc(path, kind, size=18):
    return field(path, size, kind, "server.syscalls_per_msg")


def srv_csw(path, kind, size=18):
    return field(path, size, kind, "server.csw_per_msg")


def core_share(path, kind, size=18):
    """The server's CPU seconds over the cell's measured seconds: 1.0 is a whole CPU."""
    return ratio(field(path, size, kind, "server.cpu_s"), field(path, size, kind, "duration_s"))


SC_CUT = ratio(srv_sc("udp@blocking", "throughput"), srv_sc("udp@mmsg", "throughput"))
CPU_CUT = ratio(srv_us("udp@blocking", 18), srv_us("udp@mmsg", 18))
# CPU saved per system call saved, blocking -> mmsg, throughput cell, 18 B.
PER_CALL = ratio(diff(srv_us("udp@blocking", 18), srv_us("udp@mmsg", 18)),
                 diff(srv_sc("udp@blocking", "throughput"), srv_sc("udp@mmsg", "throughput")))


def cuts_less(run):
    sc, cpu = SC_CUT(run), CPU_CUT(run)
    return None if sc is None or cpu is None else sc >= 10 and cpu * 3 < sc


def cuts_less_note(run):
    sc, cpu = SC_CUT(run), CPU_CUT(run)
    return (f"here mmsg divides the server's system calls per message by {sc:.1f} and its CPU "
            f"per message by {cpu:.2f} at window 32: not 'more than ten' against 'much less' "
            f"(answer 2 explains what each part costs)")


def highest_of(fig, others):
    def holds(run):
        v, vs = fig(run), [o(run) for o in others]
        return None if v is None or None in vs else v > max(vs)
    return holds


def lowest_of(fig, others):
    def holds(run):
        v, vs = fig(run), [o(run) for o in others]
        return None if v is None or None in vs else v < min(vs)
    return holds


def p50s_note(what):
    def note(run):
        vs = ", ".join(f"{p} {p50(p, 18)(run):.1f}" for p in UDP_MODES
                       if p50(p, 18)(run) is not None)
        return f"here {what} (p50 µs at window 1, 18 B: {vs}); see answers 3 and 4"
    return note


EXERCISE = Exercise(
    number=2, title="System calls and batching: blocking, mmsg, io_uring", doc=SEE,
    runs={REF: "scripts/lab run --matrix syscalls",
          SECOND: "scripts/lab run --matrix syscalls"},
    questions=[
        Question(1, about="mmsg at window 1",
                 figures=[
                     Figure("mmsg server syscalls per message, latency, 18 B", "",
                            srv_sc("udp@mmsg", "latency"), "2.00"),
                     Figure("mmsg server syscalls per message, latency, 1024 B", "",
                            srv_sc("udp@mmsg", "latency", 1024), "2.00"),
                 ],
                 premises=[Premise("mmsg makes 2 server syscalls per message at window 1 "
                                   "(>= 1.9 at 18 and 1024 B)",
                                   all_of(at_least(srv_sc("udp@mmsg", "latency"), 1.9),
                                          at_least(srv_sc("udp@mmsg", "latency", 1024), 1.9)),
                                   "here mmsg batched at window 1: look at the server log's "
                                   "batches against messages, and see answer 1")]),
        Question(2, about="what a system call saved saves",
                 figures=[
                     Figure("blocking server syscalls per message, throughput, 18 B", "",
                            srv_sc("udp@blocking", "throughput"), "2.00"),
                     Figure("mmsg server syscalls per message, throughput, 18 B", "",
                            srv_sc("udp@mmsg", "throughput"), 0.12),
                     Figure("blocking server CPU per message, throughput, 18 B", "µs",
                            srv_us("udp@blocking", 18), 4.68),
                     Figure("mmsg server CPU per message, throughput, 18 B", "µs",
                            srv_us("udp@mmsg", 18), 2.13),
                     Figure("blocking / mmsg, server syscalls per message", "×", SC_CUT, 17),
                     Figure("blocking / mmsg, server CPU per message", "×", CPU_CUT, 2.2),
                     Figure("server CPU saved per syscall saved, blocking -> mmsg", "µs",
                            PER_CALL, 1.36),
                     Figure("server CPU saved per syscall saved, blocking -> mmsg", "µs",
                            PER_CALL, 1.38, run=SECOND),
                 ],
                 premises=[Premise("at window 32 mmsg divides the server's syscalls per message "
                                   "by ten or more and its CPU per message by less than a "
                                   "third of that", cuts_less, cuts_less_note)]),
        Question(3, about="io_uring: fewest calls, not the least CPU, the slowest at window 1",
                 figures=[
                     Figure("uring server syscalls per message, throughput, 18 B", "",
                            srv_sc("udp@uring", "throughput"), 0.04),
                     Figure("uring server CPU per message, throughput, 18 B", "µs",
                            srv_us("udp@uring", 18), 2.41),
                     Figure("uring server syscalls per message, latency, 18 B", "",
                            srv_sc("udp@uring", "latency"), "2.00"),
                     Figure("uring server context switches per message, latency, 18 B", "",
                            srv_csw("udp@uring", "latency"), 2.67),
                     Figure("blocking server context switches per message, latency, 18 B", "",
                            srv_csw("udp@blocking", "latency"), "1.00"),
                     Figure("blocking p50, 18 B", "µs", p50("udp@blocking", 18), "22.0"),
                     Figure("mmsg p50, 18 B", "µs", p50("udp@mmsg", 18), 22.2),
                     Figure("epoll p50, 18 B", "µs", p50("udp@epoll", 18), 65.4),
                     Figure("epoll p50, 18 B", "µs", p50("udp@epoll", 18), 23.9, run=SECOND),
                     Figure("uring p50, 18 B", "µs", p50("udp@uring", 18), "74.0"),
                 ],
                 premises=[
                     Premise("uring makes fewer server syscalls per message than mmsg at "
                             "window 32, and spends more CPU per message",
                             all_of(smaller(srv_sc("udp@uring", "throughput"),
                                            srv_sc("udp@mmsg", "throughput")),
                                    smaller(srv_us("udp@mmsg", 18), srv_us("udp@uring", 18))),
                             lambda run: f"here uring's server made "
                             f"{srv_sc('udp@uring', 'throughput')(run):.3f} syscalls and spent "
                             f"{srv_us('udp@uring', 18)(run):.2f} µs per message at window 32, "
                             f"mmsg's {srv_sc('udp@mmsg', 'throughput')(run):.3f} and "
                             f"{srv_us('udp@mmsg', 18)(run):.2f}; see answer 3"),
                     Premise("uring's p50 at window 1 (18 B) is the highest of blocking, mmsg, "
                             "epoll and uring",
                             highest_of(p50("udp@uring", 18),
                                        [p50(p, 18) for p in SLEEPERS[:3]]),
                             p50s_note("uring is not the slowest of the four")),
                     Premise("uring's server switches context more often per message than "
                             "blocking's at window 1 (18 B)",
                             smaller(srv_csw("udp@blocking", "latency"),
                                     srv_csw("udp@uring", "latency")),
                             "here uring's server did not switch context more often than "
                             "blocking's at window 1: its requests did not go to io_uring's "
                             "worker threads (see answer 3)"),
                 ]),
        Question(4, about="busy-poll: the calls, the latency, the CPU",
                 figures=[
                     Figure("busy-poll server syscalls per message, latency, 18 B", "",
                            srv_sc("udp@busy-poll", "latency"), 5.94),
                     Figure("busy-poll server syscalls per message, latency, 18 B", "",
                            srv_sc("udp@busy-poll", "latency"), 13.1, run=SECOND),
                     Figure("busy-poll p50, 18 B", "µs", p50("udp@busy-poll", 18), 6.83),
                     Figure("busy-poll server CPU share of the latency cell, 18 B", "",
                            core_share("udp@busy-poll", "latency"), 0.83),
                     Figure("busy-poll server CPU share of the latency cell, 18 B", "",
                            core_share("udp@busy-poll", "latency"), 0.38, run=SECOND),
                     Figure("busy-poll server CPU per message, latency, 18 B", "µs",
                            srv_us("udp@busy-poll", 18, "latency"), 9.29),
                     Figure("busy-poll server CPU per message, latency, 18 B", "µs",
                            srv_us("udp@busy-poll", 18, "latency"), 18.6, run=SECOND),
                     Figure("blocking server CPU per message, latency, 18 B", "µs",
                            srv_us("udp@blocking", 18, "latency"), 16.3),
                     Figure("blocking server CPU per message, latency, 18 B", "µs",
                            srv_us("udp@blocking", 18, "latency"), 13.5, run=SECOND),
                 ],
                 premises=[
                     Premise("busy-poll makes more than 2 server syscalls per message at "
                             "window 1 (18 B)",
                             at_least(srv_sc("udp@busy-poll", "latency"), 2),
                             "here busy-poll's server found a message at almost every "
                             "receive: see answer 4"),
                     Premise("busy-poll has the lowest p50 of the five UDP modes at window 1 "
                             "(18 B)",
                             lowest_of(p50("udp@busy-poll", 18),
                                       [p50(p, 18) for p in SLEEPERS]),
                             p50s_note("busy-poll is not the fastest")),
                 ]),
        Question(5, about="the bare cost of a system call",
                 figures=[Figure("server CPU saved per syscall saved, blocking -> mmsg", "µs",
                                 PER_CALL, 1.36)]),
        Question(6, about="10,000 mostly idle connections"),
        Question(7, about="UDP GSO/GRO: measured by hand with the commands of the page "
                          "(figures in answer 7, not from a lab run)"),
    ])
