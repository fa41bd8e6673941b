# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 11, kernel TCP against bypass-echo's user-space TCP: the figures questions 1 to 6
refer to that a `tcp` matrix run contains, with the values the worked answers quote from the
reference run 20261203-120311. The stack-alone figures (cycles and instructions per segment)
are scripts/bench-stack's, not the run's: the text names them as such and they are not here."""

import report_tcp
from exlib import Exercise, Figure, Premise, Question, all_of, at_least, at_most, between, diff, \
    field, highest, lowest, mpps, p50, ratio, scaled, smaller, srv_cycles

REF = "20261203-120311"
WINDOW_RUN = "20261203-131730"
TCP = "tcp"
DEVICES = ("net_tap", "net_af_packet", "net_af_xdp")
VETH = ("net_af_packet", "net_af_xdp")
POLL = "latency-poll"


def bt(dev):
    """The bypass TCP path of a device."""
    return dev + "+tcp"


def lab(p, size, kind, key):
    return field(p, size, kind, "lab.tcp_" + key)


def msgs_per_frame(p, size, kind="throughput"):
    """Messages echoed per frame the client sent (tcp_server_msgs / tcp_client_tx_frames)."""
    return ratio(lab(p, size, kind, "server_msgs"), lab(p, size, kind, "client_tx_frames"))


def held(p, size, key):
    """A counter of a throughput cell run with the whole 64 KiB window in flight (the
    `tcp-window` matrix: 64 messages of 1 KB and more); None for the `tcp` matrix's cells of
    the same path and size, which keep 16 messages in flight."""
    fig = lab(p, size, "throughput", key)

    def value(run):
        c = run.ok(p, size, "throughput")
        if c is None or (c.get("window") or 0) * size < 65536:
            return None
        return fig(run)
    return value


def frames_per_msg(p, size, kind):
    return ratio(lab(p, size, kind, "client_tx_frames"), lab(p, size, kind, "server_msgs"))


def cycles_per_seg(p, size):
    """The bypass server's busy cycles per data segment it sent (thousands)."""
    def value(run):
        c = srv_cycles(p, size)(run)
        m = lab(p, size, "throughput", "server_msgs")(run)
        s = lab(p, size, "throughput", "data_segs_sent")(run)
        if c is None or m is None or not s:
            return None
        return c * m / s / 1e3
    return value


def segs_in_flight(p, size):
    """Data segments a throughput window of messages fills: window / messages per segment."""
    def value(run):
        c = run.ok(p, size, "throughput")
        per = ratio(lab(p, size, "throughput", "server_msgs"),
                    lab(p, size, "throughput", "data_segs_sent"))(run)
        if c is None or not per:
            return None
        return c["window"] / per
    return value


def kmsg(p, size, kind):
    return scaled(field(p, size, kind, "pps"), 1e-3)


def counter_range(key, pick):
    """pick (sum, min, max) over bypass-echo's TCP counter key in every measured cell of a
    bypass TCP path (net_tap+tcp, net_tap+tcp+1cpu, ...)."""
    def value(run):
        vs = [c["lab"]["tcp_" + key] for c in run.cells
              if report_tcp.is_bypass_tcp(c.get("path", ""))
              and c.get("lab", {}).get("status") == "ok"]
        return pick(vs) if vs else None
    return value


def counter_total(key):
    return counter_range(key, sum)


def abs_diff(a, b):
    def value(run):
        x, y = a(run), b(run)
        return abs(x - y) if x is not None and y is not None else None
    return value


def below(a, b, bound=1.0):
    """Premise predicate: a / b < bound."""
    def holds(run):
        r = ratio(a, b)(run)
        return None if r is None else r < bound
    return holds


def ratios_note(what, figs, names, fmt="{:.2f}x"):
    def note(run):
        vs = ", ".join(f"{n} " + (fmt.format(f(run)) if f(run) is not None else "-")
                       for n, f in zip(names, figs))
        return f"here {vs}: {what}"
    return note


def busy(note):
    """A note followed by kernel TCP's sleeping p50, the figure a busy machine inflates most
    (4 times and more on the shared VM: the Answers' first paragraph)."""
    def text(run):
        v = p50(TCP, 18)(run)
        tail = "" if v is None else (
            f" (tcp's sleeping p50 here {v:.1f} µs, reference 25.7: far above it, the machine "
            f"was busy and kernel TCP's figures are inflated; see the Answers' first paragraph)")
        return note(run) + tail
    return text


P50_VETH = [ratio(p50(bt(d), 18), p50(TCP, 18)) for d in VETH]
WAKE_SHARE = [ratio(p50(p, 18, POLL), p50(p, 18)) for p in (TCP,) + tuple(bt(d) for d in DEVICES)]
TCP_OVER_UDP = [diff(p50(bt(d), 18), p50(d, 18)) for d in DEVICES]
POLL_OVER_UDP = [diff(p50(bt(d), 18, POLL), p50(d, 18, POLL)) for d in DEVICES]
MPPS_18 = [ratio(mpps(bt(d), 18), mpps(d, 18)) for d in DEVICES]
MPPS_1024 = [ratio(mpps(bt(d), 1024), mpps(d, 1024)) for d in DEVICES]
PER_FRAME_18 = [msgs_per_frame(bt(d), 18) for d in DEVICES]
PER_FRAME_1024 = [msgs_per_frame(bt(d), 1024) for d in DEVICES]
LAT_FRAMES = [frames_per_msg(bt(d), 18, "latency") for d in DEVICES]
SRV_18 = [ratio(srv_cycles(bt(d), 18), srv_cycles(TCP, 18)) for d in DEVICES]
SRV_1024 = [ratio(srv_cycles(bt(d), 1024), srv_cycles(TCP, 1024)) for d in DEVICES]
BT = [bt(d) for d in DEVICES]


EXERCISE = Exercise(
    number=11, title="Kernel TCP against a minimal user-space TCP",
    doc="docs/labs/en/11-bypass-tcp.md",
    runs={REF: "scripts/lab run --matrix tcp",
          WINDOW_RUN: "scripts/lab run --matrix tcp-window"},
    questions=[
        Question(1, about="kernel TCP against the bypass TCP paths, p50 at 18 B",
                 figures=[
                     Figure("tcp p50, latency, 18 B", "µs", p50(TCP, 18), 25.7),
                     Figure("net_tap+tcp p50, latency, 18 B", "µs", p50(bt("net_tap"), 18), 25.8),
                     Figure("net_tap+tcp / tcp p50, 18 B", "×",
                            ratio(p50(bt("net_tap"), 18), p50(TCP, 18)), "1.00"),
                     Figure("net_af_packet+tcp p50, latency, 18 B", "µs",
                            p50(bt("net_af_packet"), 18), 15.7),
                     Figure("net_af_packet+tcp / tcp p50, 18 B", "×", P50_VETH[0], 0.61),
                     Figure("net_af_xdp+tcp p50, latency, 18 B", "µs",
                            p50(bt("net_af_xdp"), 18), 17.7),
                     Figure("net_af_xdp+tcp / tcp p50, 18 B", "×", P50_VETH[1], 0.69),
                     Figure("lowest µs the veth +tcp paths take off tcp's p50, 18 B", "µs",
                            lowest(*[diff(p50(TCP, 18), p50(bt(d), 18)) for d in VETH]), 8),
                     Figure("highest µs the veth +tcp paths take off tcp's p50, 18 B", "µs",
                            highest(*[diff(p50(TCP, 18), p50(bt(d), 18)) for d in VETH]), 10),
                     Figure("tcp p50, latency-poll, 18 B", "µs", p50(TCP, 18, POLL), 11.2),
                     Figure("net_tap+tcp p50, latency-poll, 18 B", "µs",
                            p50(bt("net_tap"), 18, POLL), 14.7),
                     Figure("net_af_packet+tcp p50, latency-poll, 18 B", "µs",
                            p50(bt("net_af_packet"), 18, POLL), 8.3),
                     Figure("net_af_xdp+tcp p50, latency-poll, 18 B", "µs",
                            p50(bt("net_af_xdp"), 18, POLL), 9.9),
                     Figure("lowest µs the veth +tcp paths take off tcp's polling p50, 18 B",
                            "µs", lowest(*[diff(p50(TCP, 18, POLL), p50(bt(d), 18, POLL))
                                           for d in VETH]), 1.3),
                     Figure("highest µs the veth +tcp paths take off tcp's polling p50, 18 B",
                            "µs", highest(*[diff(p50(TCP, 18, POLL), p50(bt(d), 18, POLL))
                                            for d in VETH]), 2.9),
                 ],
                 premises=[
                     Premise("the veth +tcp paths' p50 is below kernel tcp's (latency, 18 B)",
                             all_of(*[below(p50(bt(d), 18), p50(TCP, 18)) for d in VETH]),
                             ratios_note("a bypass TCP path is not faster than kernel TCP "
                                         "here; answer 1 says what each round trip crosses",
                                         P50_VETH, [bt(d) + " / tcp" for d in VETH])),
                     Premise("net_tap+tcp gains little or nothing on tcp (p50 ratio >= 0.9)",
                             at_least(ratio(p50(bt("net_tap"), 18), p50(TCP, 18)), 0.9),
                             lambda run: f"here net_tap+tcp / tcp is "
                                         f"{ratio(p50(bt('net_tap'), 18), p50(TCP, 18))(run):.2f}x"
                                         f" with tcp's p50 at {p50(TCP, 18)(run):.1f} µs "
                                         f"(reference 25.7): if tcp's p50 is far above that, "
                                         f"the machine was busy (the Answers' first paragraph)"
                                         f"; otherwise answer 1's read and write per frame do "
                                         f"not eat the gain on your machine"),
                     Premise("polling at both ends, the gap between tcp and each veth +tcp "
                             "path is smaller than with a sleeping client",
                             all_of(*[smaller(abs_diff(p50(TCP, 18, POLL), p50(bt(d), 18, POLL)),
                                              abs_diff(p50(TCP, 18), p50(bt(d), 18)))
                                      for d in VETH]),
                             ratios_note("the gap between kernel TCP and a veth bypass path "
                                         "does not shrink when both ends poll (answer 1, last "
                                         "sentences)",
                                         [diff(p50(TCP, 18, POLL), p50(bt(d), 18, POLL))
                                          for d in VETH] +
                                         [diff(p50(TCP, 18), p50(bt(d), 18)) for d in VETH],
                                         [f"tcp - {bt(d)} polling" for d in VETH] +
                                         [f"tcp - {bt(d)} sleeping" for d in VETH],
                                         "{:+.1f} µs")),
                     Premise("polling takes a large part of every sleeping TCP round trip "
                             "(polling / sleeping p50 <= 0.7)",
                             all_of(*[at_most(f, 0.7) for f in WAKE_SHARE]),
                             busy(ratios_note("the wake-ups are a smaller part of the round trip "
                                         "here than answer 1 says",
                                         WAKE_SHARE, ["tcp"] + BT))),
                 ]),
        Question(2, about="what TCP adds over UDP on the same device, latency, 18 B",
                 figures=[
                     Figure("net_tap+tcp p50, latency, 18 B", "µs", p50(bt("net_tap"), 18),
                            25.79),
                     Figure("net_tap p50, latency, 18 B", "µs", p50("net_tap", 18), 24.51),
                     Figure("net_tap+tcp - net_tap p50, 18 B", "µs", TCP_OVER_UDP[0], 1.28),
                     Figure("net_af_packet+tcp p50, latency, 18 B", "µs",
                            p50(bt("net_af_packet"), 18), 15.71),
                     Figure("net_af_packet p50, latency, 18 B", "µs",
                            p50("net_af_packet", 18), 14.75),
                     Figure("net_af_packet+tcp - net_af_packet p50, 18 B", "µs",
                            TCP_OVER_UDP[1], 0.96),
                     Figure("net_af_xdp+tcp p50, latency, 18 B", "µs", p50(bt("net_af_xdp"), 18),
                            17.73),
                     Figure("net_af_xdp p50, latency, 18 B", "µs", p50("net_af_xdp", 18), 14.18),
                     Figure("net_af_xdp+tcp - net_af_xdp p50, 18 B", "µs", TCP_OVER_UDP[2], 3.55),
                     Figure("net_tap+tcp - net_tap p50, latency-poll, 18 B", "µs",
                            POLL_OVER_UDP[0], 0.3),
                     Figure("net_af_packet+tcp - net_af_packet p50, latency-poll, 18 B", "µs",
                            POLL_OVER_UDP[1], 0.9),
                     Figure("net_af_xdp+tcp - net_af_xdp p50, latency-poll, 18 B", "µs",
                            POLL_OVER_UDP[2], 1.8),
                     Figure("net_af_packet+tcp client frames, latency, 18 B", "",
                            lab(bt("net_af_packet"), 18, "latency", "client_tx_frames"), 70441),
                     Figure("net_af_packet+tcp messages echoed, latency, 18 B", "",
                            lab(bt("net_af_packet"), 18, "latency", "server_msgs"), 70437),
                 ],
                 premises=[
                     Premise("with both ends polling TCP adds a few µs at most over UDP on "
                             "every device (-0.5 to 4 µs)",
                             all_of(*[between(f, -0.5, 4) for f in POLL_OVER_UDP]),
                             ratios_note("TCP's addition over UDP with both ends polling is "
                                         "not a few µs here; rerun the cells (answer 2)",
                                         POLL_OVER_UDP, [bt(d) + " - " + d for d in DEVICES],
                                         "{:+.1f} µs")),
                     Premise("one client frame per message in the latency cells (0.9 to 1.1)",
                             all_of(*[between(f, 0.9, 1.1) for f in LAT_FRAMES]),
                             ratios_note("the client does not send one frame per message: "
                                         "answer 2's last sentence",
                                         LAT_FRAMES, BT, "{:.2f} frames/msg")),
                 ]),
        Question(3, about="why TCP echoes more messages than UDP in the 18 B throughput cells",
                 figures=[
                     Figure("net_af_packet+tcp client frames, throughput, 18 B", "",
                            lab(bt("net_af_packet"), 18, "throughput", "client_tx_frames"),
                            79368),
                     Figure("net_af_packet+tcp messages echoed, throughput, 18 B", "",
                            lab(bt("net_af_packet"), 18, "throughput", "server_msgs"), 1269809),
                     Figure("net_tap+tcp messages per client frame, 18 B", "",
                            PER_FRAME_18[0], "16.0"),
                     Figure("net_af_packet+tcp messages per client frame, 18 B", "",
                            PER_FRAME_18[1], "16.0"),
                     Figure("net_af_xdp+tcp messages per client frame, 18 B", "",
                            PER_FRAME_18[2], "16.0"),
                     Figure("lowest +tcp Mpps, throughput, 18 B", "Mpps",
                            lowest(*[mpps(p, 18) for p in BT]), 0.45),
                     Figure("highest +tcp Mpps, throughput, 18 B", "Mpps",
                            highest(*[mpps(p, 18) for p in BT]), "0.50"),
                     Figure("lowest device UDP Mpps, throughput, 18 B", "Mpps",
                            lowest(*[mpps(d, 18) for d in DEVICES]), 0.05),
                     Figure("highest device UDP Mpps, throughput, 18 B", "Mpps",
                            highest(*[mpps(d, 18) for d in DEVICES]), 0.32),
                     Figure("net_af_xdp+tcp / net_af_xdp Mpps, 18 B", "×", MPPS_18[2], 1.43),
                     Figure("net_af_packet+tcp / net_af_packet Mpps, 18 B", "×", MPPS_18[1],
                            1.71),
                     Figure("net_tap+tcp / net_tap Mpps, 18 B", "×", MPPS_18[0], 9.8),
                     Figure("net_tap UDP kmsg/s, throughput, 18 B", "k/s",
                            kmsg("net_tap", 18, "throughput"), 46),
                     Figure("net_af_packet+tcp client frames, throughput, 1024 B", "",
                            lab(bt("net_af_packet"), 1024, "throughput", "client_tx_frames"),
                            653875),
                     Figure("net_af_packet+tcp messages echoed, throughput, 1024 B", "",
                            lab(bt("net_af_packet"), 1024, "throughput", "server_msgs"), 742173),
                     Figure("lowest +tcp / UDP Mpps on the same device, 1024 B", "×",
                            lowest(*MPPS_1024), 0.86),
                     Figure("highest +tcp / UDP Mpps on the same device, 1024 B", "×",
                            highest(*MPPS_1024), 1.07),
                 ],
                 premises=[
                     Premise("every +tcp path echoes more messages than UDP on its device at "
                             "18 B, and tcp more than udp",
                             all_of(*[at_least(f, 1) for f in MPPS_18],
                                    at_least(ratio(mpps(TCP, 18), mpps("udp", 18)), 1)),
                             busy(ratios_note("a TCP path is not faster than its UDP sibling here",
                                         MPPS_18 + [ratio(mpps(TCP, 18), mpps("udp", 18))],
                                         [bt(d) + " / " + d for d in DEVICES] + ["tcp / udp"]))),
                     Premise("the client sends about one frame per 16 messages at 18 B "
                             "(at least 14 messages per frame)",
                             all_of(*[at_least(f, 14) for f in PER_FRAME_18]),
                             ratios_note("the client sends its window in more than one frame "
                                         "here; answer 3 explains the batching",
                                         PER_FRAME_18, BT, "{:.1f} msg/frame")),
                     Premise("at 1024 B, about one client frame per message (under 2 messages "
                             "per frame)",
                             all_of(*[at_most(f, 2) for f in PER_FRAME_1024]),
                             ratios_note("the client batches 1024-byte messages here",
                                         PER_FRAME_1024, BT, "{:.2f} msg/frame")),
                     Premise("at 1024 B TCP is no faster than UDP on the same device (ratio "
                             "<= 1.25)",
                             all_of(*[at_most(f, 1.25) for f in MPPS_1024]),
                             busy(ratios_note("a TCP path is clearly faster than UDP at 1024 B "
                                         "here", MPPS_1024,
                                         [bt(d) + " / " + d for d in DEVICES]))),
                 ]),
        Question(4, about="server cycles per message, bypass TCP against kernel TCP",
                 figures=[
                     Figure("lowest +tcp server cycles per message, throughput, 18 B", "",
                            lowest(*[srv_cycles(p, 18) for p in BT]), "2,038"),
                     Figure("highest +tcp server cycles per message, throughput, 18 B", "",
                            highest(*[srv_cycles(p, 18) for p in BT]), "2,533"),
                     Figure("tcp server cycles per message, throughput, 18 B", "",
                            srv_cycles(TCP, 18), "2,756"),
                     Figure("lowest +tcp / tcp server cycles, 18 B", "×", lowest(*SRV_18), 0.74),
                     Figure("highest +tcp / tcp server cycles, 18 B", "×", highest(*SRV_18),
                            0.92),
                     Figure("lowest +tcp server cycles per message, throughput, 1024 B", "",
                            lowest(*[srv_cycles(p, 1024) for p in BT]), "5,890"),
                     Figure("highest +tcp server cycles per message, throughput, 1024 B", "",
                            highest(*[srv_cycles(p, 1024) for p in BT]), "48,743"),
                     Figure("tcp server cycles per message, throughput, 1024 B", "",
                            srv_cycles(TCP, 1024), "3,052"),
                     Figure("lowest +tcp / tcp server cycles, 1024 B", "×", lowest(*SRV_1024),
                            1.9),
                     Figure("highest +tcp / tcp server cycles, 1024 B", "×", highest(*SRV_1024),
                            16),
                     Figure("net_af_packet+tcp server cycles per message, 18 B", "",
                            srv_cycles(bt("net_af_packet"), 18), "2,378"),
                     Figure("net_af_packet+tcp server kcycles per data segment, 18 B", "k",
                            cycles_per_seg(bt("net_af_packet"), 18), 38),
                 ],
                 premises=[
                     Premise("at 18 B no bypass server spends clearly more per message than "
                             "kernel TCP's (at most 1.5x)",
                             all_of(*[at_most(f, 1.5) for f in SRV_18]),
                             busy(ratios_note("a bypass server is dearer than kernel TCP's at "
                                              "18 B", SRV_18, [p + " / tcp" for p in BT]))),
                     Premise("at 1024 B every bypass server spends more per message than "
                             "kernel TCP's (at least 1.2x)",
                             all_of(*[at_least(f, 1.2) for f in SRV_1024]),
                             busy(ratios_note("a bypass server is not clearly dearer than kernel "
                                              "TCP's at 1024 B", SRV_1024,
                                              [p + " / tcp" for p in BT]))),
                     Premise("at 1024 B net_tap+tcp's server is the dearest by far (at least "
                             "twice either veth path's cycles per message)",
                             all_of(*[at_least(ratio(srv_cycles(bt("net_tap"), 1024),
                                                     srv_cycles(bt(d), 1024)), 2.0)
                                      for d in VETH]),
                             busy(ratios_note("tap is not far above the veth devices at 1024 B",
                                              SRV_1024, [p + " / tcp" for p in BT]))),
                     Premise("the bypass servers spend thousands of cycles per message "
                             "(at least 1,000, throughput, 18 B)",
                             all_of(*[at_least(srv_cycles(p, 18), 1000) for p in BT]),
                             ratios_note("a bypass server spends fewer than 1,000 cycles per "
                                         "message", [srv_cycles(p, 18) for p in BT], BT,
                                         "{:,.0f} cycles")),
                 ]),
        Question(5, about="bypass-echo's TCP counters, and what a loss would cost",
                 figures=[
                     Figure("fewest connections opened in a +tcp cell", "",
                            counter_range("conns_opened", min), 1),
                     Figure("most connections opened in a +tcp cell", "",
                            counter_range("conns_opened", max), 1),
                     Figure("connections closed in order, every +tcp cell", "",
                            counter_total("conns_closed"), 18),
                     Figure("retransmissions, every +tcp cell", "",
                            counter_total("retransmits"), 0),
                     Figure("RSTs sent, every +tcp cell", "", counter_total("rsts_sent"), 0),
                     Figure("net_af_packet+tcp messages echoed, throughput, 1024 B", "",
                            lab(bt("net_af_packet"), 1024, "throughput", "server_msgs"), 742173),
                     Figure("net_af_packet+tcp data segments sent, throughput, 1024 B", "",
                            lab(bt("net_af_packet"), 1024, "throughput", "data_segs_sent"),
                            566034),
                     Figure("net_af_packet+tcp messages per data segment, 1024 B", "",
                            ratio(lab(bt("net_af_packet"), 1024, "throughput", "server_msgs"),
                                  lab(bt("net_af_packet"), 1024, "throughput",
                                      "data_segs_sent")), 1.31),
                     Figure("net_af_packet+tcp segments in flight, throughput, 1024 B", "",
                            segs_in_flight(bt("net_af_packet"), 1024), 12),
                     Figure("net_af_packet+tcp round trips per second, latency, 18 B", "k/s",
                            kmsg(bt("net_af_packet"), 18, "latency"), 26.7),
                     Figure("net_af_packet+tcp µs per round trip, latency, 18 B", "µs",
                            ratio(lambda run: 1e6,
                                  field(bt("net_af_packet"), 18, "latency", "pps")), 37),
                 ],
                 premises=[
                     Premise("0 retransmissions in every +tcp cell",
                             at_most(counter_total("retransmits"), 0),
                             lambda run: f"here the +tcp cells retransmitted "
                                         f"{counter_total('retransmits')(run)} segments: "
                                         f"something was lost between the namespaces (a busy "
                                         f"machine); answer 5 says what a loss costs"),
                     Premise("0 RSTs and one connection opened and closed in every +tcp cell",
                             all_of(at_most(counter_total("rsts_sent"), 0),
                                    at_most(counter_range("conns_opened", max), 1),
                                    at_least(counter_range("conns_closed", min), 1)),
                             "here a +tcp cell sent a RST or did not open and close exactly "
                             "one connection: read its counters in the report's table"),
                 ]),
        Question(6, about="SYN cookies per second (scripts/bench-stack's figures, not the "
                          "run's)"),
        Question(7, about="which omission would hurt first on the Internet"),
        Question(8, about="the whole window in flight: segments reordered on af_packet, held",
                 figures=[
                     Figure("net_af_packet+tcp segments held, 1024 B", "",
                            held(bt("net_af_packet"), 1024, "ooo_held"), 304,
                            run=WINDOW_RUN),
                     Figure("net_af_packet+tcp segments held, 1472 B", "",
                            held(bt("net_af_packet"), 1472, "ooo_held"), 372,
                            run=WINDOW_RUN),
                     Figure("net_af_packet+tcp duplicate ACKs sent, 1024 B", "",
                            held(bt("net_af_packet"), 1024, "dup_acks_sent"), 394,
                            run=WINDOW_RUN),
                     Figure("net_af_packet+tcp duplicate ACKs sent, 1472 B", "",
                            held(bt("net_af_packet"), 1472, "dup_acks_sent"), 434,
                            run=WINDOW_RUN),
                     Figure("net_af_packet+tcp retransmissions, 1024 B", "",
                            held(bt("net_af_packet"), 1024, "retransmits"), 0,
                            run=WINDOW_RUN),
                     Figure("net_af_xdp+tcp segments held, 1024 B", "",
                            held(bt("net_af_xdp"), 1024, "ooo_held"), 0,
                            run=WINDOW_RUN),
                     Figure("net_af_xdp+tcp segments held, 1472 B", "",
                            held(bt("net_af_xdp"), 1472, "ooo_held"), 0,
                            run=WINDOW_RUN),
                 ],
                 premises=[
                     Premise("net_af_packet+tcp holds reordered segments with the whole window "
                             "in flight (1024 B), net_af_xdp+tcp none",
                             all_of(at_least(held(bt("net_af_packet"), 1024, "ooo_held"), 1),
                                    at_most(held(bt("net_af_xdp"), 1024, "ooo_held"), 0)),
                             "here net_af_packet+tcp held no segment, or net_af_xdp+tcp held "
                             "some: the reordering needs the client's sends and its softirq on "
                             "two CPUs (answer 8, its last sentences)"),
                 ]),
    ])
