# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 7, a sidecar over a Unix socket or TCP loopback: the figures its questions refer
to, with the values the worked answers quote from the reference run 20261203-074325."""

from exlib import Exercise, Figure, Premise, Question, at_least, cli_us, diff, field, p50, \
    ratio, scaled, srv_us

REF = "20261203-074325"
SIZE = 1024


def sleep(p):
    return p50(p, SIZE, "latency")


def poll(p):
    return p50(p, SIZE, "latency-poll")


def p99(p):
    return field(p, SIZE, "latency", "rtt_us.p99")


def hop_cpu(p, kind):
    """Client plus server CPU per message: what one hop costs both processes, µs."""
    def value(run):
        c, s = cli_us(p, SIZE, kind)(run), srv_us(p, SIZE, kind)(run)
        return c + s if c is not None and s is not None else None
    return value


def cores_at_10k(p, kind):
    """Cores that 10,000 requests per second cost at 2 hops per request."""
    def value(run):
        v = hop_cpu(p, kind)(run)
        return 2 * v * 10_000 / 1e6 if v is not None else None
    return value


# The reference table at 1024 B: sleep, p99, poll, wake-up, cli + srv (latency), cli + srv
# (throughput), as quoted.
TABLE = {
    "tcp": (26.0, 128, 13.6, 12.4, (15.0, 16.5), (1.14, 1.17)),
    "uds-stream": (21.1, 135, 9.18, 11.9, (19.5, 19.9), (1.50, 1.56)),
    "tcp@uring": (25.7, 125, 11.6, 14.1, (15.3, 16.8), (1.07, 1.13)),
    "uds-stream@uring": (27.2, 136, 9.06, 18.1, (16.2, 20.0), (1.11, 1.33)),
}


def table_figures(paths, what):
    out = []
    for p in paths:
        s, q99, q, w, lat, thr = TABLE[p]
        if "latency" in what:
            out += [Figure(f"{p} p50 sleep, {SIZE} B", "µs", sleep(p), s),
                    Figure(f"{p} p99, latency cell, {SIZE} B", "µs", p99(p), q99),
                    Figure(f"{p} p50 poll, {SIZE} B", "µs", poll(p), q),
                    Figure(f"{p} wake-up, {SIZE} B", "µs", diff(sleep(p), poll(p)), w)]
        if "cpu" in what:
            out += [Figure(f"{p} client CPU per message, latency cell, {SIZE} B", "µs",
                           cli_us(p, SIZE, "latency"), lat[0]),
                    Figure(f"{p} server CPU per message, latency cell, {SIZE} B", "µs",
                           srv_us(p, SIZE, "latency"), lat[1]),
                    Figure(f"{p} client CPU per message, throughput, {SIZE} B", "µs",
                           cli_us(p, SIZE, "throughput"), thr[0]),
                    Figure(f"{p} server CPU per message, throughput, {SIZE} B", "µs",
                           srv_us(p, SIZE, "throughput"), thr[1])]
    return out


def stream_note(run):
    u, t = poll("uds-stream")(run), poll("tcp")(run)
    return (f"here the Unix socket's polling hop ({u:.2f} µs) is not below TCP's ({t:.2f} µs) "
            f"at {SIZE} B: the difference the protocol layers make is within this run's noise "
            f"(see answer 3, and the noise line under the report's side-by-side table)")


def pipelining_note(run):
    r = ratio(field("tcp", SIZE, "throughput", "pps"), field("tcp", SIZE, "latency", "pps"))(run)
    return (f"here tcp's throughput cell echoes only {r:.1f}x the latency cell's messages per "
            f"second at {SIZE} B: little coalescing in this run (answer 5 says what it needs)")


EXERCISE = Exercise(
    number=7, title="A sidecar over a Unix socket or TCP loopback",
    doc="docs/labs/en/07-sidecar.md",
    runs={REF: "scripts/lab run --matrix sidecar"},
    questions=[
        Question(1, about="hops per request, the transport's share at p50 and p99",
                 figures=table_figures(("tcp", "uds-stream"), "latency") + [
                     Figure(f"2 hops over tcp, p50, {SIZE} B", "µs", scaled(sleep("tcp"), 2),
                            52),
                     Figure(f"2 hops over uds-stream, p50, {SIZE} B", "µs",
                            scaled(sleep("uds-stream"), 2), 42)]),
        Question(2, about="the CPU of the hops at 10,000 requests per second",
                 figures=[
                     Figure(f"tcp hop CPU (client + server), latency cell, {SIZE} B", "µs",
                            hop_cpu("tcp", "latency"), 31.5),
                     Figure("tcp, cores at 10,000 req/s, latency cell", "cores",
                            cores_at_10k("tcp", "latency"), 0.63),
                     Figure("uds-stream, cores at 10,000 req/s, latency cell", "cores",
                            cores_at_10k("uds-stream", "latency"), 0.79),
                     Figure(f"tcp hop CPU (client + server), throughput, {SIZE} B", "µs",
                            hop_cpu("tcp", "throughput"), 2.3),
                     Figure(f"uds-stream hop CPU (client + server), throughput, {SIZE} B",
                            "µs", hop_cpu("uds-stream", "throughput"), 3.1),
                     Figure("tcp, cores at 10,000 req/s, throughput cell", "cores",
                            cores_at_10k("tcp", "throughput"), 0.05),
                     Figure("uds-stream, cores at 10,000 req/s, throughput cell", "cores",
                            cores_at_10k("uds-stream", "throughput"), 0.06),
                 ] + table_figures(("tcp", "uds-stream"), "cpu")),
        Question(3, about="why the Unix socket is cheaper, and by how much",
                 figures=[
                     Figure(f"uds-stream / tcp, p50 poll, {SIZE} B", "×",
                            ratio(poll("uds-stream"), poll("tcp")), 0.68),
                     Figure("uds-stream client context switches per message, latency cell",
                            "", field("uds-stream", SIZE, "latency", "client.csw_per_msg"),
                            1.26),
                     Figure("tcp client context switches per message, latency cell", "",
                            field("tcp", SIZE, "latency", "client.csw_per_msg"), "1.00"),
                 ],
                 premises=[Premise(f"the Unix socket's hop is cheaper than TCP's: its p50 with "
                                   f"both ends polling is lower at {SIZE} B",
                                   at_least(ratio(poll("tcp"), poll("uds-stream")), 1.0),
                                   stream_note)]),
        Question(4, about="when TCP over loopback is required"),
        Question(5, about="pipelining and connection reuse",
                 figures=[
                     Figure(f"tcp thousand messages per second, latency cell, {SIZE} B",
                            "k/s", scaled(field("tcp", SIZE, "latency", "pps"), 1e-3), 25.5),
                     Figure(f"tcp thousand messages per second, throughput, {SIZE} B", "k/s",
                            scaled(field("tcp", SIZE, "throughput", "pps"), 1e-3), 335),
                 ],
                 premises=[Premise("the throughput cell echoes many more (>= 3x) messages per "
                                   "second than the latency cell (tcp)",
                                   at_least(ratio(field("tcp", SIZE, "throughput", "pps"),
                                                  field("tcp", SIZE, "latency", "pps")), 3),
                                   pipelining_note)]),
        Question(6, about="per-node proxies and eBPF",
                 figures=[Figure(f"tcp p50 sleep, {SIZE} B", "µs", sleep("tcp"), 26.0),
                          Figure(f"tcp p50 poll, {SIZE} B", "µs", poll("tcp"), 13.6)]),
    ])
