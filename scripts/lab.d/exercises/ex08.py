# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 8, real services over TCP, a Unix socket and tcp+sockmap: the figures its questions
refer to, with the values the worked answers quote from the services runs
services-20261203-074926 (questions 1-4) and services-20261203-084901 (question 6). Run it over
a results folder of `scripts/lab services`."""

from exlib import Exercise, Figure, Premise, Question, all_of, diff, field, ratio, smaller, svc

REF = "services-20261203-074926"
SM_RUN = "services-20261203-084901"
SERVICE = {"set-P1": "redis", "get-P1": "redis", "set-P16": "redis", "get-P16": "redis",
           "select-only": "postgres", "range-sum": "postgres", "static": "nginx",
           "proxy-keepalive": "nginx", "proxy-close": "nginx"}

# The table of "What to look at", as quoted: tcp req/s, unix req/s, x tcp, µs/request tcp and
# unix, saved µs.
TABLE = {
    "set-P1": ("43,469", "54,422", "1.25", "23.0", "18.4", "4.6"),
    "get-P1": ("42,983", "54,098", "1.26", "23.3", "18.5", "4.8"),
    "set-P16": ("666,001", "758,438", "1.14", "1.50", "1.32", "0.18"),
    "get-P16": ("670,017", "781,861", "1.17", "1.49", "1.28", "0.21"),
    "select-only": ("18,152", "19,990", "1.10", "55.1", "50.0", "5.1"),
    "range-sum": ("2,106", "2,142", "1.02", "475", "467", "8"),
    "proxy-keepalive": ("20,498", "22,250", "1.09", "48.8", "44.9", "3.8"),
    "proxy-close": ("10,756", "13,984", "1.30", "93.0", "71.5", "21.5"),
}
# Answer 6's table: tcp req/s, unix x tcp, tcp+sockmap req/s, x tcp, µs/request tcp, sockmap.
SM_TABLE = {
    "set-P1": ("42,772", "1.27", "52,165", "1.22", "23.4", "19.2"),
    "get-P1": ("43,215", "1.21", "51,908", "1.20", "23.1", "19.3"),
    "set-P16": ("646,412", "1.07", "811,688", "1.26", "1.55", "1.23"),
    "get-P16": ("643,294", "1.17", "741,840", "1.15", "1.55", "1.35"),
    "select-only": ("18,127", "1.11", "19,241", "1.06", "55.2", "52.0"),
    "range-sum": ("2,146", "1.02", "2,113", "0.98", "466", "473"),
    "static": ("34,381", None, "39,541", "1.15", "29.1", "25.3"),
    "proxy-keepalive": ("20,050", "1.07", "25,284", "1.26", "49.9", "39.6"),
    "proxy-close": ("9,774", "1.32", "11,900", "1.22", "102.3", "84.0"),
}


def rps(wl, tr):
    return svc(SERVICE[wl], wl, tr, "rps")


def us_per_request(wl, tr):
    """1e6 / req/s: the time per request on the busiest CPU, µs."""
    def value(run):
        v = rps(wl, tr)(run)
        return 1e6 / v if v else None
    return value


def xtcp(wl, tr):
    return ratio(rps(wl, tr), rps(wl, "tcp"))


def table_figures(wls):
    out = []
    for wl in wls:
        t, u, x, ut, uu, saved = TABLE[wl]
        out += [Figure(f"{wl} tcp req/s", "req/s", rps(wl, "tcp"), t),
                Figure(f"{wl} unix req/s", "req/s", rps(wl, "unix"), u),
                Figure(f"{wl} unix / tcp req/s", "×", xtcp(wl, "unix"), x),
                Figure(f"{wl} µs per request, tcp", "µs", us_per_request(wl, "tcp"), ut),
                Figure(f"{wl} µs per request, unix", "µs", us_per_request(wl, "unix"), uu),
                Figure(f"{wl} saved per request, unix", "µs",
                       diff(us_per_request(wl, "tcp"), us_per_request(wl, "unix")), saved)]
    return out


def sm_figures():
    out = []
    for wl, (t, ux, s, sx, ut, us) in SM_TABLE.items():
        out += [Figure(f"{wl} tcp req/s", "req/s", rps(wl, "tcp"), t, run=SM_RUN)]
        if ux is not None:
            out += [Figure(f"{wl} unix / tcp req/s", "×", xtcp(wl, "unix"), ux, run=SM_RUN)]
        out += [Figure(f"{wl} tcp+sockmap req/s", "req/s", rps(wl, "tcp+sockmap"), s,
                       run=SM_RUN),
                Figure(f"{wl} tcp+sockmap / tcp req/s", "×", xtcp(wl, "tcp+sockmap"), sx,
                       run=SM_RUN),
                Figure(f"{wl} µs per request, tcp", "µs", us_per_request(wl, "tcp"), ut,
                       run=SM_RUN),
                Figure(f"{wl} µs per request, tcp+sockmap", "µs",
                       us_per_request(wl, "tcp+sockmap"), us, run=SM_RUN)]
    return out


def bytes_per_request(wl):
    return svc(SERVICE[wl], wl, "tcp+sockmap", "lab.sockmap_bytes_per_request")


def all_gain(run):
    rs = [xtcp(wl, "unix")(run) for wl in TABLE]
    rs = [r for r in rs if r is not None]
    return min(rs) >= 1 if rs else None


def all_gain_note(run):
    worse = [f"{wl} {xtcp(wl, 'unix')(run):.2f}x" for wl in TABLE
             if xtcp(wl, "unix")(run) is not None and xtcp(wl, "unix")(run) < 1]
    return (f"here not every service gained from the Unix socket ({', '.join(worse)}): a "
            f"heavy request hides the transport within the noise (answer 2)")


EXERCISE = Exercise(
    number=8, title="Real services over TCP, a Unix socket and tcp+sockmap",
    doc="docs/labs/en/08-real-services.md", services=True,
    runs={REF: "scripts/lab services", SM_RUN: "scripts/lab services"},
    questions=[
        Question(1, about="Redis's published +50 %",
                 figures=table_figures(("set-P1", "get-P1"))),
        Question(2, about="pipelining and heavier queries",
                 figures=table_figures(("set-P16", "get-P16", "select-only", "range-sum")),
                 premises=[
                     Premise("pipelining shrinks the gap: Redis set and get gain less from the "
                             "Unix socket with -P16 than with -P1",
                             all_of(smaller(xtcp("set-P16", "unix"), xtcp("set-P1", "unix")),
                                    smaller(xtcp("get-P16", "unix"), xtcp("get-P1", "unix"))),
                             "here a -P16 Redis row gains as much from the Unix socket as its "
                             "-P1 row, or more: single pipelined cells move by several per "
                             "cent on a shared machine (answer 6); compare the µs saved per "
                             "request instead (answer 2)"),
                     Premise("a heavier query shrinks it further: range-sum gains less than "
                             "select-only",
                             smaller(xtcp("range-sum", "unix"), xtcp("select-only", "unix")),
                             "here range-sum gains as much as select-only or more: both are "
                             "within the noise of one cell at this share (answer 2)"),
                 ]),
        Question(3, about="what a connection pool changes",
                 figures=table_figures(("proxy-keepalive", "proxy-close")) + [
                     Figure("connection set-up per request, tcp", "µs",
                            diff(us_per_request("proxy-close", "tcp"),
                                 us_per_request("proxy-keepalive", "tcp")), 44),
                     Figure("connection set-up per request, unix", "µs",
                            diff(us_per_request("proxy-close", "unix"),
                                 us_per_request("proxy-keepalive", "unix")), 27),
                     Figure("tcp proxy-keepalive / proxy-close req/s", "×",
                            ratio(rps("proxy-keepalive", "tcp"), rps("proxy-close", "tcp")),
                            1.9),
                     Figure("nginx static tcp req/s", "req/s", rps("static", "tcp"), "34,643"),
                     Figure("nginx static µs per request, tcp", "µs",
                            us_per_request("static", "tcp"), 28.9),
                 ]),
        Question(4, about="the echo floor against the services",
                 figures=[
                     Figure("echo tcp p50, window 1, 256 B", "µs",
                            field("tcp", 256, "latency", "rtt_us.p50"), 25.8),
                     Figure("echo uds-stream p50, window 1, 256 B", "µs",
                            field("uds-stream", 256, "latency", "rtt_us.p50"), 21.2),
                     Figure("echo uds-stream / tcp p50, window 1", "×",
                            ratio(field("uds-stream", 256, "latency", "rtt_us.p50"),
                                  field("tcp", 256, "latency", "rtt_us.p50")), 0.82),
                     Figure("echo tcp msg/s, window 16", "msg/s",
                            field("tcp", 256, "throughput", "pps"), "386,631"),
                     Figure("echo uds-stream msg/s, window 16", "msg/s",
                            field("uds-stream", 256, "throughput", "pps"), "280,416"),
                     Figure("echo uds-stream / tcp msg/s, window 16", "×",
                            ratio(field("uds-stream", 256, "throughput", "pps"),
                                  field("tcp", 256, "throughput", "pps")), 0.73),
                     Figure("echo client syscalls per message, window 16, tcp", "",
                            field("tcp", 256, "throughput", "client.syscalls_per_msg"),
                            0.125),
                     Figure("echo client syscalls per message, window 16, uds-stream", "",
                            field("uds-stream", 256, "throughput", "client.syscalls_per_msg"),
                            0.125),
                     Figure("Redis set-P1 unix / tcp p50", "×",
                            ratio(svc("redis", "set-P1", "unix", "latency_us.p50"),
                                  svc("redis", "set-P1", "tcp", "latency_us.p50")), 0.78),
                 ],
                 premises=[Premise("every service gains from the Unix socket (unix req/s >= "
                                   "tcp req/s in every workload)", all_gain, all_gain_note)]),
        Question(5, about="when TCP is still required"),
        Question(6, about="what the sockmap shortcut gives the same TCP programs",
                 figures=sm_figures() + [
                     Figure("redis set-P1 bytes redirected per request", "B",
                            bytes_per_request("set-P1"), 305, run=SM_RUN),
                     Figure("redis get-P1 bytes redirected per request", "B",
                            bytes_per_request("get-P1"), 300, run=SM_RUN),
                     Figure("select-only bytes redirected per transaction", "B",
                            bytes_per_request("select-only"), 128, run=SM_RUN),
                     Figure("proxy-keepalive bytes redirected per request", "B",
                            bytes_per_request("proxy-keepalive"), 752, run=SM_RUN),
                 ],
                 premises=[Premise("on nginx proxy-keepalive, where the shortcut covers both "
                                   "hops, tcp+sockmap gains more than the Unix socket",
                                   smaller(xtcp("proxy-keepalive", "unix"),
                                           xtcp("proxy-keepalive", "tcp+sockmap")),
                                   "here tcp+sockmap gains no more than the Unix socket on "
                                   "proxy-keepalive: compare the redirected bytes per request "
                                   "under the nginx table (both hops redirected: about twice "
                                   "the static row's) and see answer 6")]),
    ])
