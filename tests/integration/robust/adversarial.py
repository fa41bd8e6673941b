#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send every ROBUSTNESS.md case to a running bypass-echo through the kernel side of its tap.

The frames and the replies they deserve are the stack's golden cases (tests/unit/stack/
gen_golden.py, crafted with scapy from the request's fields, never by running the stack). Each
frame goes out on the tap's kernel side (frames shorter than an Ethernet header, which a packet
socket refuses, through a tun device whose ingress tc redirects them to the tap). For each one the
driver checks, against bypass-echo's DPDK telemetry (/bypass/stats), that exactly one counter
moved and that it is the golden verdict's, and on the wire that the reply is byte for byte the
golden one (never longer than the request) or that nothing at all came back.

Then the same frames again back to back (raw_flood, one sendmmsg() per 64 frames), so that
replies and drops share receive bursts: the counters must move by the sum of the verdicts and
the replies come back in order, each the golden one.

usage: adversarial.py --iface TAP --inject TUN --prefix FILE_PREFIX --flood RAW_FLOOD
                      [--golden DIR]
Run it inside the namespace that holds TAP and TUN. Exit 0 when every case passed.
"""

import argparse
import collections
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from telemetry import Telemetry  # noqa: E402
from wire import ETH_HDR_BYTES, Wire  # noqa: E402

CASE_TITLES = {
    1: "frame shorter than an Ethernet header",
    2: "destination MAC not ours",
    3: "source MAC broadcast, multicast or ours",
    4: "EtherType unknown, IPv6, LLDP or a length",
    5: "802.1Q and QinQ tags",
    6: "minimum-size frame with padding",
    7: "malformed ARP",
    8: "ARP not for us, address conflict",
    9: "ARP sender address",
    10: "ARP probe from 0.0.0.0",
    11: "unsolicited ARP reply",
    12: "IPv4 version and lengths",
    13: "IPv4 header checksum",
    14: "fragments",
    15: "IP options",
    16: "TTL 0 and 1",
    17: "destination not ours",
    18: "martian source",
    19: "unknown protocol",
    20: "ICMP short or bad checksum",
    21: "echo to broadcast or multicast",
    22: "ICMP codes and types not answered",
    23: "zero-data and MTU-sized echo",
    24: "no ICMP error is ever sent",
    25: "UDP length",
    26: "UDP checksum",
    27: "UDP ports",
    28: "no reply larger than its request",
}

IP_HDR_BYTES = 20
UDP_CKSUM_OFS = ETH_HDR_BYTES + IP_HDR_BYTES + 6
COUNTER_WAIT_S = 3.0   # the frame reached the stack when rx moved
REPLY_WAIT_S = 1.0
SILENCE_S = 0.03       # after the verdict, how long nothing may come back
POLL_S = 0.0005
BURST_BATCH = 64       # frames per sendmmsg() in the burst phase
BURST_WAIT_S = 10.0


def inet_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def udp_cksum_ok(frame):
    """A UDP reply (IHL 5) whose checksum field verifies over pseudo-header and datagram."""
    ip = frame[ETH_HDR_BYTES:]
    udp_len = struct.unpack("!H", ip[IP_HDR_BYTES + 4:IP_HDR_BYTES + 6])[0]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, udp_len)
    return inet_sum(pseudo + ip[IP_HDR_BYTES:IP_HDR_BYTES + udp_len]) == 0xFFFF


def extra_cases(golden):
    """Cases the golden set (judged with no RX checksum flags) cannot show: where a PMD's own
    checksum verdict and the datagram's real checksum disagree. net_tap sums the whole IP
    payload, so a datagram shorter than its IP payload tests whose verdict the stack takes."""
    data, trailer = b"0123456789", b"not part of the datagram"
    l4 = golden.udp_bytes(40000, 7, data, chksum=0)
    total = l4 + trailer
    pseudo = socket.inet_aton(golden.PEER_IP) + socket.inet_aton(golden.OUR_IP)
    # A checksum right over the IP payload (what the tap sums) but wrong over the datagram.
    c = 0xFFFF & ~inet_sum(pseudo + struct.pack("!BBH", 0, 17, len(total)) + total) or 0xFFFF
    l4 = l4[:6] + struct.pack("!H", c) + l4[8:]
    assert inet_sum(pseudo + struct.pack("!BBH", 0, 17, len(l4)) + l4) != 0xFFFF
    req = bytes(golden.eth()) + golden.ipv4_raw(l4 + trailer, proto=17)
    yield ("udp_trim_cksum_right_only_over_ip_payload", "udp", (25, 26), req,
           "DROP_UDP_BAD_CKSUM", None)


def first_difference(got, want):
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return i
    return min(len(got), len(want))


class Barrage:
    def __init__(self, wire, tel):
        self.wire = wire
        self.tel = tel
        self.failures = 0
        self.by_case = {}  # ROBUSTNESS number -> {counter: frames}
        self.sent = 0
        self.received = 0  # every frame bypass-echo sent back, wanted or not
        self.replies = 0   # the golden replies among them
        self.notes = []

    def stats(self):
        return self.tel.query("/bypass/stats")

    @staticmethod
    def verdict_key(verdict):
        kind, _, name = verdict.partition("_")
        return ("reply_" if kind == "REPLY" else "drop_") + name.lower()

    def check_reply(self, name, req, got, want):
        """Problems with a reply, or [] when it is the golden one (or a tolerated variant)."""
        if len(got) > len(req):
            return ["reply of %d bytes is longer than its %d-byte request (case 28)" %
                    (len(got), len(req))]
        if got == want:
            return []
        # tap flags a datagram without checksum as RX_L4_CKSUM_NONE and the stack then fills
        # one in: same bytes otherwise, and a checksum that verifies. Tolerated, noted.
        if (len(got) == len(want) and len(want) > UDP_CKSUM_OFS + 2 and
                want[UDP_CKSUM_OFS:UDP_CKSUM_OFS + 2] == b"\0\0" and
                got[:UDP_CKSUM_OFS] == want[:UDP_CKSUM_OFS] and
                got[UDP_CKSUM_OFS + 2:] == want[UDP_CKSUM_OFS + 2:] and udp_cksum_ok(got)):
            self.notes.append("%s: request without UDP checksum answered with checksum 0x%s "
                              "(valid) instead of 0" %
                              (name, got[UDP_CKSUM_OFS:UDP_CKSUM_OFS + 2].hex()))
            return []
        i = first_difference(got, want)
        return ["reply differs from the golden one at byte %d of %d/%d: got %s want %s" %
                (i, len(got), len(want), got[i:i + 8].hex(), want[i:i + 8].hex())]

    def probe(self, name, rob, req, verdict, want):
        problems = []
        stray = self.wire.drain()
        if stray:
            problems.append("%d unexpected frame(s) before sending, first: %s" %
                            (len(stray), stray[0][:32].hex()))
        before = self.stats()
        self.wire.send(req)
        self.sent += 1
        deadline = time.monotonic() + COUNTER_WAIT_S
        after = self.stats()
        while after["rx"] == before["rx"] and time.monotonic() < deadline:
            time.sleep(POLL_S)
            after = self.stats()
        key = self.verdict_key(verdict)
        moved = {k: after[k] - before[k] for k in after
                 if k.startswith(("reply_", "drop_")) and after[k] != before[k]}
        if after["rx"] == before["rx"]:
            problems.append("rx did not move within %.0f s: the frame never reached the stack" %
                            COUNTER_WAIT_S)
        elif moved != {key: 1}:
            problems.append("counters moved %s, expected %s +1" % (moved, key))
        got = self.wire.recv(REPLY_WAIT_S if want is not None else SILENCE_S)
        self.received += got is not None
        if want is not None:
            if got is None:
                problems.append("no reply within %.0f s" % REPLY_WAIT_S)
            else:
                self.replies += 1
                problems += self.check_reply(name, req, got, want)
            extra = self.wire.recv(SILENCE_S)
            self.received += extra is not None
            if extra is not None:
                problems.append("a second frame came back: %s" % extra[:32].hex())
        elif got is not None:
            problems.append("must be silent, but %d bytes came back: %s" %
                            (len(got), got[:32].hex()))
        for r in rob:
            counters = self.by_case.setdefault(r, {})
            counters[key] = counters.get(key, 0) + 1
        what = ("replied %s (%d bytes, exact)" % (key[6:], len(want)) if want is not None
                else "dropped %s" % key[5:])
        label = "case %s %s" % (",".join(str(r) for r in rob), name)
        if problems:
            self.failures += 1
            print("%s: FAIL: expected %s: %s" % (label, what, "; ".join(problems)))
        else:
            print("%s: %s ok" % (label, what))
        sys.stdout.flush()


def burst(b, flood_bin, iface, cases):
    """All frames a packet socket can send, back to back; returns the number of problems."""
    cases = [c for c in cases if len(c[3]) >= ETH_HDR_BYTES]
    want = collections.Counter(Barrage.verdict_key(c[4]) for c in cases)
    replies = [c for c in cases if c[5] is not None]
    problems = []
    b.wire.drain()
    before = b.stats()
    with tempfile.NamedTemporaryFile("w", suffix=".hex") as f:
        f.write("".join(c[3].hex() + "\n" for c in cases))
        f.flush()
        out = subprocess.run([flood_bin, "--iface", iface, "--file", f.name, "--count",
                              str(len(cases)), "--seconds", "5", "--batch", str(BURST_BATCH)],
                             capture_output=True, text=True)
    if out.returncode != 0 or ", 0 failed" not in out.stdout:
        problems.append("raw_flood: %s%s" % (out.stdout.strip(), out.stderr.strip()))
    got = []
    deadline = time.monotonic() + BURST_WAIT_S
    after = b.stats()
    while after["rx"] - before["rx"] < len(cases) and time.monotonic() < deadline:
        got += b.wire.drain()
        time.sleep(POLL_S * 10)
        after = b.stats()
    while True:
        frame = b.wire.recv(SILENCE_S * 3)
        if frame is None:
            break
        got.append(frame)
    moved = collections.Counter({k: after[k] - before[k] for k in after
                                 if k.startswith(("reply_", "drop_")) and after[k] != before[k]})
    if moved != want:
        diff = {k: moved[k] - want[k] for k in set(moved) | set(want) if moved[k] != want[k]}
        problems.append("counters moved %s from what the verdicts add up to" % diff)
    # Replies keep the order of their requests: match them in order, naming the gaps.
    missing, unexpected, idx = [], [], 0
    for g in got:
        j = idx
        while j < len(replies) and b.check_reply(replies[j][0], replies[j][3], g, replies[j][5]):
            j += 1
        if j == len(replies):
            unexpected.append(g)
            continue
        missing += [c[0] for c in replies[idx:j]]
        idx = j + 1
    missing += [c[0] for c in replies[idx:]]
    if missing:
        problems.append("no golden reply for %s" % ", ".join(missing))
    if unexpected:
        problems.append("%d frame(s) that are no golden reply, first: %s" %
                        (len(unexpected), unexpected[0][:48].hex()))
    b.received += len(got)
    b.sent += len(cases)
    label = "burst: %d frames back to back, %d per sendmmsg" % (len(cases), BURST_BATCH)
    if problems:
        print("%s: FAIL: %s" % (label, "; ".join(problems)))
    else:
        print("%s: %d replies in order and exact, %d drops under their verdicts ok" %
              (label, len(got), len(cases) - len(got)))
    sys.stdout.flush()
    return len(problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iface", required=True, help="the tap's kernel-side interface")
    ap.add_argument("--inject", required=True, help="tun device redirected to the tap by tc")
    ap.add_argument("--prefix", required=True, help="bypass-echo's --file-prefix")
    ap.add_argument("--flood", required=True, help="the raw_flood program")
    ap.add_argument("--golden", default=os.path.join(HERE, "../../unit/stack"),
                    help="directory of gen_golden.py")
    args = ap.parse_args()

    sys.path.insert(0, os.path.abspath(args.golden))
    import gen_golden as golden  # noqa: E402 (scapy loads here)

    wire = Wire(args.iface, args.inject)
    tel = Telemetry(args.prefix)
    b = Barrage(wire, tel)
    wire.drain()  # the gratuitous ARP of link up, if it is still on its way
    start = b.stats()
    t0 = time.monotonic()
    for name, _layer, rob, req, verdict, reply in golden.cases:
        b.probe(name, rob, req, verdict, reply)
    for name, _layer, rob, req, verdict, reply in extra_cases(golden):
        b.probe("extra_" + name, rob, req, verdict, reply)

    cases = list(golden.cases) + list(extra_cases(golden))
    b.failures += 1 if burst(b, args.flood, args.iface, cases) else 0

    # After the barrage the plain services still answer, byte for byte.
    valid = {c[0]: c for c in golden.cases}
    for name in ("arp_request", "icmp_echo", "udp_echo_7", "icmp_mtu_1500"):
        _n, _layer, rob, req, verdict, reply = valid[name]
        b.probe("after_barrage_" + name, rob, req, verdict, reply)
    end = b.stats()
    elapsed = time.monotonic() - t0

    print("per case of ROBUSTNESS.md:")
    for r in range(1, 29):
        counters = b.by_case.get(r, {})
        frames = sum(counters.values())
        detail = ", ".join("%s %d" % (k, v) for k, v in sorted(counters.items()))
        print("  case %2d %-42s %3d frame(s): %s" % (r, CASE_TITLES[r], frames,
                                                     detail or "NONE SENT"))
        if frames == 0:
            b.failures += 1
    for note in sorted(set(b.notes)):
        print("note: " + note)

    rx = end["rx"] - start["rx"]
    replies = end["replies"] - start["replies"]
    drops = end["drops"] - start["drops"]
    tx = end["tx"] - start["tx"]
    tx_dropped = end["tx_dropped"] - start["tx_dropped"]
    print("barrage: %d frames sent in %.1f s; bypass-echo rx %d = replies %d + drops %d; "
          "tx %d, tx_dropped %d; %d frames came back, %d of them golden replies" %
          (b.sent, elapsed, rx, replies, drops, tx, tx_dropped, b.received, b.replies))
    if rx != b.sent or rx != replies + drops or tx != replies or tx_dropped != 0 or \
            tx != b.received:
        print("FAIL: counters do not balance with what was sent and received")
        b.failures += 1
    if b.failures:
        print("FAIL: %d problem(s)" % b.failures)
        return 1
    print("PASS: %d frames, every one counted once under its golden verdict" % b.sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
