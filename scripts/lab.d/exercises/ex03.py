# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 3, polling against sleeping and CPU placement: the figures its questions refer to,
with the values the worked answers quote from the reference run 20261203-115509 and the busier
run 20261203-114621."""

from exlib import Exercise, Figure, Premise, Question, all_of, at_least, at_most, between, field, \
    p50, ratio, smaller, srv_us

REF = "20261203-115509"
BUSIER = "20261203-114621"
SEE = "docs/labs/en/03-polling-placement.md"
PATHS = ("udp", "uds-dgram", "udp@busy-poll", "net_af_xdp", "net_memif")
# The reference table: path -> (2 CPUs, 1 CPU) p50 per run, as quoted.
TABLE = {REF: {"udp": (63.6, 17.2), "uds-dgram": (23.7, 14.7), "udp@busy-poll": (7.06, 8012),
               "net_af_xdp": ("15.0", 14.1), "net_memif": (1.88, 8012)},
         BUSIER: {"udp": (104, 20.2), "uds-dgram": (106, 16.3), "udp@busy-poll": (6.93, 15958),
                  "net_af_xdp": (19.6, 18.1), "net_memif": (0.38, 14123)}}


def lat(path):
    return p50(path, 18, "latency")


def one_cpu(path):
    return path + "+1cpu"


def csw(side, path):
    return field(path, 18, "latency", f"{side}.csw_per_msg")


def srv(path):
    return srv_us(path, 18, "latency")


def gain(path):
    """p50 on one CPU over p50 on two: below 1, one CPU is faster."""
    return ratio(lat(one_cpu(path)), lat(path))


def interval_us(path):
    """Microseconds between two messages of the latency cell: 1e6 / messages per second."""
    def value(run):
        v = field(path, 18, "latency", "pps")(run)
        return 1e6 / v if v else None
    return value


def table_figures(run_name, paths):
    out = []
    for p in paths:
        two, one = TABLE[run_name][p]
        out += [Figure(f"{p} p50, 18 B", "µs", lat(p), two, run=run_name),
                Figure(f"{one_cpu(p)} p50, 18 B", "µs", lat(one_cpu(p)), one, run=run_name)]
    return out


def p50_note(paths, what):
    def note(run):
        vs = ", ".join(f"{p} {lat(p)(run):.3g} / {lat(one_cpu(p))(run):.3g}" for p in paths
                       if lat(p)(run) is not None and lat(one_cpu(p))(run) is not None)
        return f"here {what} (p50 µs, two CPUs / one: {vs}); see answer 1 and 3"
    return note


EXERCISE = Exercise(
    number=3, title="Polling against sleeping, and why CPU placement matters", doc=SEE,
    runs={REF: "scripts/lab run --matrix polling", BUSIER: "scripts/lab run --matrix polling"},
    questions=[
        Question(1, about="a sleeper on one CPU",
                 figures=table_figures(REF, ("udp", "uds-dgram")) +
                 table_figures(BUSIER, ("udp", "uds-dgram")) + [
                     Figure("udp client context switches per message", "",
                            csw("client", "udp"), "1.00"),
                     Figure("udp server context switches per message", "",
                            csw("server", "udp"), "1.00"),
                     Figure("udp+1cpu client context switches per message", "",
                            csw("client", "udp+1cpu"), "1.00"),
                     Figure("udp+1cpu server context switches per message", "",
                            csw("server", "udp+1cpu"), "1.00"),
                     Figure("udp / udp+1cpu, p50", "×", ratio(lat("udp"), lat("udp+1cpu")),
                            3.7),
                     Figure("udp / udp+1cpu, p50", "×", ratio(lat("udp"), lat("udp+1cpu")),
                            5.2, run=BUSIER),
                 ],
                 premises=[
                     Premise("udp and uds-dgram are faster (p50) with client and server on one "
                             "CPU",
                             all_of(smaller(lat("udp+1cpu"), lat("udp")),
                                    smaller(lat("uds-dgram+1cpu"), lat("uds-dgram"))),
                             p50_note(("udp", "uds-dgram"),
                                      "a sleeping path is not faster on one CPU: cross-CPU "
                                      "wake-ups are cheap on this machine")),
                     Premise("the sleepers (udp, uds-dgram, two CPUs and one) switch context "
                             "about once per message on each side (0.9 to 1.1)",
                             all_of(*(between(csw(side, p), 0.9, 1.1)
                                      for side in ("client", "server")
                                      for p in ("udp", "udp+1cpu", "uds-dgram",
                                                "uds-dgram+1cpu"))),
                             "here a sleeping side did not switch context once per message: "
                             "see 'What to look at', item 2"),
                 ]),
        Question(2, about="two spinners on one CPU",
                 figures=table_figures(REF, ("udp@busy-poll", "net_memif"))[1::2] +
                 table_figures(BUSIER, ("udp@busy-poll", "net_memif"))[1::2] + [
                     Figure("udp@busy-poll client context switches per message", "",
                            csw("client", "udp@busy-poll"), 0.002),
                     Figure("udp@busy-poll server context switches per message", "",
                            csw("server", "udp@busy-poll"), 0.002),
                     Figure("udp@busy-poll+1cpu client context switches per message", "",
                            csw("client", "udp@busy-poll+1cpu"), "1.10"),
                     Figure("udp@busy-poll+1cpu server context switches per message", "",
                            csw("server", "udp@busy-poll+1cpu"), 1.16),
                     Figure("net_memif+1cpu client context switches per message", "",
                            csw("client", "net_memif+1cpu"), 1.13),
                 ],
                 premises=[
                     Premise("two spinners on one CPU take milliseconds (p50 >= 1000 µs: "
                             "udp@busy-poll+1cpu, net_memif+1cpu)",
                             all_of(at_least(lat("udp@busy-poll+1cpu"), 1000),
                                    at_least(lat("net_memif+1cpu"), 1000)),
                             p50_note(("udp@busy-poll", "net_memif"),
                                      "two spinners on one CPU answered in under a "
                                      "millisecond: this scheduler hands the CPU over sooner")),
                     Premise("the spinners on two CPUs hardly switch context (udp@busy-poll "
                             "both sides, memif's client: < 0.05 per message)",
                             all_of(at_most(csw("client", "udp@busy-poll"), 0.05),
                                    at_most(csw("server", "udp@busy-poll"), 0.05),
                                    at_most(csw("client", "net_memif"), 0.05)),
                             "here a spinner on its own CPU switched context often: something "
                             "else ran on its CPU (see 'What to look at', item 2)"),
                 ]),
        Question(3, about="af_xdp: a polling server, a sleeping client",
                 figures=table_figures(REF, ("net_af_xdp",)) + [
                     Figure("net_af_xdp client context switches per message", "",
                            csw("client", "net_af_xdp"), "1.00"),
                 ],
                 premises=[Premise("one CPU changes af_xdp's p50 less than udp's (its one-CPU / "
                                   "two-CPU ratio is the higher)",
                                   smaller(gain("udp"), gain("net_af_xdp")),
                                   p50_note(("udp", "net_af_xdp"),
                                            "one CPU helped af_xdp as much as udp or more"))]),
        Question(4, about="what is left in memif's round trip",
                 figures=[Figure("net_memif p50, 18 B", "µs", lat("net_memif"), 1.88),
                          Figure("net_memif p50, 18 B", "µs", lat("net_memif"), 0.38,
                                 run=BUSIER)],
                 premises=[Premise("memif has the lowest p50 of the table (two CPUs)",
                                   all_of(*(smaller(lat("net_memif"), lat(p))
                                            for p in PATHS[:-1])),
                                   p50_note(PATHS, "memif is not the fastest row"))]),
        Question(5, about="what a polling server's CPU per message is",
                 figures=[
                     Figure("net_memif server CPU per message", "µs", srv("net_memif"), 2.81),
                     Figure("net_memif µs between messages (1e6 / pps)", "µs",
                            interval_us("net_memif"), "2.80"),
                     Figure("net_af_xdp server CPU per message", "µs", srv("net_af_xdp"), 54.1),
                     Figure("net_af_xdp µs between messages (1e6 / pps)", "µs",
                            interval_us("net_af_xdp"), 54.7),
                     Figure("udp server CPU per message", "µs", srv("udp"), 45.8),
                 ],
                 premises=[
                     Premise("memif's srv µs/msg in the latency cell is the smallest of the "
                             "table (two CPUs)",
                             all_of(*(smaller(srv("net_memif"), srv(p)) for p in PATHS[:-1])),
                             lambda run: "here memif's server CPU per message "
                             f"({srv('net_memif')(run):.3g} µs) is not the smallest: "
                             + ", ".join(f"{p} {srv(p)(run):.3g}" for p in PATHS[:-1]
                                         if srv(p)(run) is not None) + "; see answer 5"),
                     Premise("af_xdp's srv µs/msg in the latency cell is larger than udp's",
                             smaller(srv("udp"), srv("net_af_xdp")),
                             lambda run: f"here af_xdp's server spent "
                             f"{srv('net_af_xdp')(run):.3g} µs per message, udp's "
                             f"{srv('udp')(run):.3g}: af_xdp's round trip was short enough "
                             f"(answer 5)"),
                 ]),
        Question(6, about="most of the polling latency without a spinning core"),
        Question(7, about="why a benchmark states its placement",
                 figures=table_figures(REF, ("udp", "net_memif"))),
    ])
