# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 5, scaling over cores: the figures its questions refer to. The scaling matrix needs
4 CPUs and has not been run for this text; what the reference runs 20261203-120728 and
20261203-120847 (`scripts/lab run --matrix scaling-2cpu`, the 2-CPU development VM) show is a
second server thread on the client's CPU (question 4) and the server on the client's CPU
(question 5). The 4-CPU figures of questions 1 to 3 are printed, without reference values, when
the run has them."""

from exlib import Exercise, Figure, Premise, Question, at_most, field, mpps, ratio, smaller, \
    srv_us

RUN_A = "20261203-120728"
RUN_B = "20261203-120847"
CMD = "scripts/lab run --matrix scaling-2cpu"
SEE = "docs/labs/en/05-scaling.md"


def srv_csw(path):
    return field(path, 18, "throughput", "server.csw_per_msg")


def pair(name, unit, fn, ref_a, ref_b):
    return [Figure(name, unit, fn, ref_a, RUN_A), Figure(name, unit, fn, ref_b, RUN_B)]


def _m(p):
    return mpps(p, 18)


def fmt(v):
    return "-" if v is None else f"{v:.3f}"


EXERCISE = Exercise(
    number=5, title="Scaling over cores: RSS and SO_REUSEPORT", doc=SEE,
    runs={RUN_A: CMD, RUN_B: CMD},
    questions=[
        Question(1, about="why the client needs several flows (a 4-CPU scaling run: udp@epoll "
                          "against udp@epoll+single)"),
        Question(2, about="an uneven split of flows over SO_REUSEPORT sockets (no figure)"),
        Question(3, about="uds-stream's threads share one socket (a 4-CPU scaling run: "
                          "uds-stream@epoll against tcp@epoll)"),
        Question(4, about="two server threads on two CPUs, one shared with the client",
                 figures=pair("tcp@epoll+single Mpps, 18 B", "Mpps", _m("tcp@epoll+single"),
                              1.343, 1.352)
                 + pair("tcp@epoll (two threads) Mpps, 18 B", "Mpps", _m("tcp@epoll"), 0.786,
                        0.977)
                 + pair("tcp@epoll+single server CPU per message", "µs",
                        srv_us("tcp@epoll+single", 18), 0.49, "0.50")
                 + pair("tcp@epoll server CPU per message", "µs", srv_us("tcp@epoll", 18),
                        "0.80", 0.72)
                 + pair("udp@epoll+single Mpps, 18 B", "Mpps", _m("udp@epoll+single"), 0.131,
                        0.156)
                 + pair("udp@epoll (two threads) Mpps, 18 B", "Mpps", _m("udp@epoll"), 0.135,
                        "0.150")
                 + pair("udp@epoll+single server context switches per message", "",
                        srv_csw("udp@epoll+single"), 0.002, 0.001)
                 + pair("udp@epoll server context switches per message", "",
                        srv_csw("udp@epoll"), 0.179, 0.174)
                 + pair("uds-stream@epoll+single Mpps, 18 B", "Mpps",
                        _m("uds-stream@epoll+single"), 1.823, 1.766)
                 + pair("uds-stream@epoll (two threads) Mpps, 18 B", "Mpps",
                        _m("uds-stream@epoll"), 1.146, 1.703),
                 premises=[
                     Premise("on two CPUs, tcp with a second server thread on the client's CPU "
                             "echoes fewer messages than with one thread",
                             smaller(_m("tcp@epoll"), _m("tcp@epoll+single")),
                             lambda run: f"here tcp@epoll echoes {fmt(_m('tcp@epoll')(run))} "
                                         f"Mpps against {fmt(_m('tcp@epoll+single')(run))} "
                                         f"for +single: check that the matrix's server_cpus "
                                         f"include the client's CPU (scaling-2cpu.conf); with "
                                         f"spare CPUs this is scaling, question 1"),
                     Premise("on two CPUs, udp gains nothing from the second thread (at most "
                             "1.1 times +single's messages)",
                             at_most(ratio(_m("udp@epoll"), _m("udp@epoll+single")), 1.1),
                             "here udp's second thread added more than 10 %: the client was "
                             "not using its whole CPU, so the server thread beside it had room; "
                             "see answer 4"),
                 ]),
        Question(5, about="udp@epoll+1cpu: the server on the client's CPU",
                 figures=pair("udp@epoll+1cpu Mpps, 18 B", "Mpps", _m("udp@epoll+1cpu"), 0.106,
                              0.112)
                 + pair("udp@epoll+1cpu server context switches per message", "",
                        srv_csw("udp@epoll+1cpu"), 0.092, 0.088),
                 premises=[Premise("udp@epoll+1cpu echoes fewer messages than udp@epoll+single",
                                   smaller(_m("udp@epoll+1cpu"), _m("udp@epoll+single")),
                                   "here the server on the client's CPU kept up with the server "
                                   "on its own CPU: see answer 5")]),
        Question(6, about="a single elephant flow (no figure)"),
        Question(7, about="what else a multi-queue DPDK server must spread (no figure)"),
    ])
