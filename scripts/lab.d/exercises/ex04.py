# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 4, the depth continuum: the figures its questions refer to, with the values the
worked answers quote from the reference runs 20261203-114711 and 20261203-115805 (both
`scripts/lab run --matrix depth` on the 2-CPU development VM, shared with other work)."""

from exlib import Exercise, Figure, Premise, Question, all_of, at_least, at_most, between, field, \
    mpps, p50, ratio, scaled, smaller, srv_cycles, srv_us

RUN_A = "20261203-114711"
RUN_C = "20261203-115805"
CMD = "scripts/lab run --matrix depth"
SEE = "docs/labs/en/04-depth-continuum.md"
KERNEL_CLIENT = ("net_tap", "net_af_packet", "net_af_xdp")


def cli_cyc(path, size, kind="throughput"):
    return field(path, size, kind, "client.cycles_per_msg")


def cli_csw(path, size, kind="throughput"):
    return field(path, size, kind, "client.csw_per_msg")


def gbps(path, size):
    return field(path, size, "throughput", "gbps")


def mean_interval_us(path, size, kind="latency"):
    """The cell's measured time per echoed message (duration / received), in µs: at window 1,
    the mean round trip."""
    dur, rx = field(path, size, kind, "duration_s"), field(path, size, kind, "received")

    def value(run):
        d, n = dur(run), rx(run)
        return d / n * 1e6 if d is not None and n else None
    return value


def cpu_share(path, size, kind="throughput"):
    """The client thread's CPU time over the cell's duration: what share of its CPU it got."""
    cpu, dur = field(path, size, kind, "client.cpu_s"), field(path, size, kind, "duration_s")

    def value(run):
        c, d = cpu(run), dur(run)
        return c / d if c is not None and d else None
    return value


def pair(name, unit, fn, ref_a, ref_c):
    """The same figure quoted from both reference runs."""
    return [Figure(name, unit, fn, ref_a, RUN_A), Figure(name, unit, fn, ref_c, RUN_C)]


def fmt(v, d=2):
    return "-" if v is None else f"{v:.{d}f}"


# ---- premises ----------------------------------------------------------------------------------

QUIET = Premise(
    "the polling pairs had their CPUs: memif's client thread got at least half of its CPU in "
    "the 18 B throughput cell (CPU time / duration >= 0.5)",
    at_least(cpu_share("net_memif", 18), 0.5),
    lambda run: f"here memif's client, which polls and never sleeps, got "
                f"{fmt(cpu_share('net_memif', 18)(run))} of its CPU: other programs ran on the "
                f"two CPUs during the run, and a polling pair moves a message only while both "
                f"ends run, so this run's rates say more about the machine than about the paths; "
                f"see \"A busy machine\" and make the run again when the machine is idle")


EXERCISE = Exercise(
    number=4, title="The depth continuum: tap, af_packet, af_xdp, memif, ring", doc=SEE,
    runs={RUN_A: CMD, RUN_C: CMD},
    questions=[
        Question(1, about="net_tap against kernel UDP in the throughput cell",
                 figures=pair("net_tap Mpps, throughput, 18 B", "Mpps", mpps("net_tap", 18),
                              0.039, 0.027)
                 + pair("udp Mpps, throughput, 18 B", "Mpps", mpps("udp", 18), 0.046, 0.134)
                 + pair("net_tap server busy cycles per message, throughput, 18 B", "",
                        srv_cycles("net_tap", 18), 50651, 83986)
                 + pair("udp server cycles per message, throughput, 18 B", "",
                        srv_cycles("udp", 18), 11028, 12976)
                 + pair("net_tap client context switches per message, throughput, 18 B", "",
                        cli_csw("net_tap", 18), "0.599", 0.632)
                 + pair("udp client context switches per message, throughput, 18 B", "",
                        cli_csw("udp", 18), 0.004, 0.003),
                 premises=[
                     Premise("net_tap echoes fewer messages per second than udp at 18 B "
                             "(throughput cell)", smaller(mpps("net_tap", 18), mpps("udp", 18)),
                             lambda run: f"here net_tap echoes "
                                         f"{fmt(mpps('net_tap', 18)(run), 3)} Mpps against "
                                         f"udp's {fmt(mpps('udp', 18)(run), 3)}: the question "
                                         f"asks why it can be slower; answer 1 says what its "
                                         f"server pays per message, compare its srv cycles/msg"),
                     Premise("net_tap's server spends more busy cycles per message than udp's "
                             "sock-echo spends in all (throughput cell, 18 B)",
                             smaller(srv_cycles("udp", 18), srv_cycles("net_tap", 18)),
                             "here net_tap's server spends fewer cycles per message than "
                             "sock-echo: see answer 1 for where its cycles go"),
                 ]),
        Question(2, about="af_packet and af_xdp on the same veth",
                 figures=pair("net_af_packet Mpps, throughput, 18 B", "Mpps",
                              mpps("net_af_packet", 18), 0.147, 0.113)
                 + pair("net_af_xdp Mpps, throughput, 18 B", "Mpps", mpps("net_af_xdp", 18),
                        0.397, 0.398)
                 + pair("net_af_packet Mpps, throughput, 1472 B", "Mpps",
                        mpps("net_af_packet", 1472), 0.404, 0.293)
                 + pair("net_af_xdp Mpps, throughput, 1472 B", "Mpps",
                        mpps("net_af_xdp", 1472), 0.317, 0.309)
                 + pair("net_af_packet server busy cycles per message, throughput, 18 B", "",
                        srv_cycles("net_af_packet", 18), 12752, 15646)
                 + pair("net_af_xdp server busy cycles per message, throughput, 18 B", "",
                        srv_cycles("net_af_xdp", 18), 5124, 5123)),
        Question(3, about="the step between the kernel-client paths and memif",
                 figures=pair("udp p50, latency, 18 B", "µs", p50("udp", 18), "95.0", "76.0")
                 + pair("net_tap p50, latency, 18 B", "µs", p50("net_tap", 18), 20.4, 15.1)
                 + pair("net_af_packet p50, latency, 18 B", "µs", p50("net_af_packet", 18),
                        10.5, 55.2)
                 + pair("net_af_xdp p50, latency, 18 B", "µs", p50("net_af_xdp", 18), 14.3,
                        14.8)
                 + pair("net_memif p50, latency, 18 B", "µs", p50("net_memif", 18), 1.77, 1.86),
                 premises=[Premise("memif's p50 at 18 B is at least 4 times below each path "
                                   "with a kernel client (tap, af_packet, af_xdp)",
                                   all_of(*[at_least(ratio(p50(p, 18), p50("net_memif", 18)), 4)
                                            for p in KERNEL_CLIENT]),
                                   "here memif's p50 is not 4 times below every kernel-client "
                                   "path: look at memif's p99 and at the premise of question "
                                   "5 (was the machine busy?)")]),
        Question(4, about="what net_ring removes beyond memif, and what it bounds",
                 figures=pair("net_ring p50, latency, 18 B", "µs", p50("net_ring", 18), 1.44,
                              1.42)
                 + pair("net_ring Mpps, throughput, 18 B", "Mpps", mpps("net_ring", 18), 9.565,
                        "9.010")
                 + pair("net_memif Mpps, throughput, 18 B", "Mpps", mpps("net_memif", 18),
                        6.005, 6.527)
                 + pair("net_ring server busy cycles per message, throughput, 18 B", "",
                        srv_cycles("net_ring", 18), 168, 176)
                 + pair("net_memif server busy cycles per message, throughput, 18 B", "",
                        srv_cycles("net_memif", 18), 335, 315)
                 + pair("net_ring server CPU per message, throughput, 18 B", "µs",
                        srv_us("net_ring", 18), "0.10", 0.11),
                 premises=[
                     Premise("net_ring echoes more messages per second than memif at every "
                             "size", all_of(*[smaller(mpps("net_memif", s), mpps("net_ring", s))
                                     for s in (18, 256, 1024, 1472)]),
                             "here memif echoes as many as net_ring at some size: see the "
                             "premise of question 5 (was the machine busy?)"),
                     Premise("net_ring's echo lcore spends fewer busy cycles per message than "
                             "memif's bypass-echo (throughput cell, 18 B)",
                             smaller(srv_cycles("net_ring", 18), srv_cycles("net_memif", 18)),
                             "here net_ring's echo lcore spends as many cycles per message as "
                             "memif's server: see answer 4"),
                 ]),
        Question(5, about="why memif's and ring's messages per second fall with size",
                 figures=pair("net_memif Mpps, throughput, 1472 B", "Mpps",
                              mpps("net_memif", 1472), 1.435, 1.448)
                 + pair("net_ring Mpps, throughput, 1472 B", "Mpps", mpps("net_ring", 1472),
                        6.372, 6.086)
                 + pair("net_memif Gbit/s, throughput, 1472 B", "", gbps("net_memif", 1472),
                        16.9, 17.1)
                 + pair("net_memif server busy cycles per message, throughput, 1472 B", "",
                        srv_cycles("net_memif", 1472), 1475, 1413)
                 + pair("net_memif client cycles per message, throughput, 18 B", "",
                        cli_cyc("net_memif", 18), 357, 349)
                 + pair("net_memif client cycles per message, throughput, 1472 B", "",
                        cli_cyc("net_memif", 1472), 1599, 1542)
                 + pair("net_ring server busy cycles per message, throughput, 1472 B", "",
                        srv_cycles("net_ring", 1472), 192, 199)
                 + pair("net_ring client cycles per message, throughput, 18 B", "",
                        cli_cyc("net_ring", 18), 238, 254)
                 + pair("net_ring client cycles per message, throughput, 1472 B", "",
                        cli_cyc("net_ring", 1472), 353, 362)
                 + pair("net_memif client CPU share, throughput, 18 B", "",
                        cpu_share("net_memif", 18), "0.80", 0.85),
                 premises=[
                     QUIET,
                     Premise("memif's Mpps at 1472 B is at most half of its 18 B figure",
                             at_most(ratio(mpps("net_memif", 1472), mpps("net_memif", 18)), 0.5),
                             "here memif's Mpps did not fall by half from 18 to 1472 B: "
                             "check the first premise (a busy machine flattens every "
                             "polling rate)"),
                     Premise("net_ring's Mpps is lower at 1472 B than at 18 B",
                             at_most(ratio(mpps("net_ring", 1472), mpps("net_ring", 18)), 0.99),
                             "here net_ring did not fall with size: its limit in this run was "
                             "not the generator's per-byte work (answer 5)"),
                     Premise("memif's server busy cycles per message at 1472 B are at least "
                             "3 times its 18 B figure (copies)",
                             at_least(ratio(srv_cycles("net_memif", 1472), srv_cycles("net_memif", 18)), 3),
                             "here memif's server cycles per message did not grow 3 times "
                             "with size: check the first premise (preemption inflates the "
                             "busy cycles of small cells too), then answer 5"),
                     Premise("net_ring's server busy cycles per message grow by less than a "
                             "third from 18 to 1472 B (no copy)",
                             smaller(srv_cycles("net_ring", 1472),
                                     scaled(srv_cycles("net_ring", 18), 1.33)),
                             "here net_ring's echo lcore spends a third more per message at "
                             "1472 B: see answer 5"),
                 ]),
        Question(6, about="af_xdp's srv µs/msg in the latency cell",
                 figures=pair("net_af_xdp srv µs/msg, latency, 18 B", "µs",
                              srv_us("net_af_xdp", 18, "latency"), 29.5, 28.1)
                 + pair("net_af_xdp time per message (duration / received), latency, 18 B",
                        "µs", mean_interval_us("net_af_xdp", 18), 29.8, 27.8)
                 + pair("net_af_xdp srv µs/msg, throughput, 18 B", "µs",
                        srv_us("net_af_xdp", 18), 2.49, 2.52)
                 + pair("net_af_xdp server busy cycles per message, latency, 18 B", "",
                        srv_cycles("net_af_xdp", 18, "latency"), 31256, 29902),
                 premises=[
                     Premise("af_xdp's srv µs/msg in the latency cell is the cell's time per "
                             "message (duration / received) within 10 %",
                             between(ratio(srv_us("net_af_xdp", 18, "latency"),
                                           mean_interval_us("net_af_xdp", 18)), 0.9, 1.1),
                             "here af_xdp's srv µs/msg differs from the cell's time per "
                             "message by more than 10 %: the server's stats snapshots and "
                             "the cell's interval disagree (a stalled server?)"),
                     Premise("af_xdp's srv µs/msg in the latency cell is at least 5 times its "
                             "throughput cell's (18 B)",
                             at_least(ratio(srv_us("net_af_xdp", 18, "latency"),
                                            srv_us("net_af_xdp", 18)), 5),
                             "here the latency and throughput cells' srv µs/msg are close: "
                             "see answer 6"),
                 ]),
        Question(7, about="where a NIC on vfio-pci would sit (exercise 6)"),
        Question(8, about="the server logs: replies and drops, af_xdp's libxdp and mbuf lines, "
                          "net_ring's echo lcore",
                 figures=pair("net_ring srv csw/msg, throughput, 18 B", "",
                              field("net_ring", 18, "throughput", "server.csw_per_msg"), "0.000",
                              "0.000")),
    ])
