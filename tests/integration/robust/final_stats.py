# SPDX-License-Identifier: BSD-3-Clause
"""bypass-echo's final counters (its --stats-json file) checked the way every test needs them.

final_stats.py JSON [--tcp-idle] [--tcp-served]

Always: each verdict sits in one class only (replies, taken, drops), every received frame in
exactly one verdict (rx = replies + taken + drops), and every frame sent or dropped on transmit
is a reply or a segment TCP sent besides replies (tx + tx_dropped = replies + tx_tcp). `taken`
and `tx_tcp` are absent or 0 without TCP.
--tcp-idle: no TCB and no held mbuf left (tcbs_in_use 0, rtx_mbufs 0).
--tcp-served: at least one TCP reply and one taken segment were counted.
Prints the balance (and the TCP counters when present); exit 1 with the reason when a check fails.
"""

import argparse
import json
import sys

CLASSES = ("replies", "taken", "drops")


def check(s, tcp_idle, tcp_served):
    """The failed checks of the final counters s, printing the balance on the way."""
    failed = []
    classes = {c: set(s.get(c, {})) for c in CLASSES}
    twice = sorted(v for v in set().union(*classes.values())
                   if sum(v in names for names in classes.values()) > 1)
    if twice:
        failed.append("the stats JSON counts %s in more than one class: %s" % (
            ", ".join(twice), {c: sorted(classes[c] & set(twice)) for c in CLASSES}))
    replies, taken, drops = (sum(s.get(c, {}).values()) for c in CLASSES)
    tx_tcp = s.get("tx_tcp", 0)
    print("  rx %d = replies %d + taken %d + drops %d; tx %d + tx_dropped %d = replies %d + "
          "tx_tcp %d" % (s["rx"], replies, taken, drops, s["tx"], s["tx_dropped"], replies,
                         tx_tcp))
    nonzero = ", ".join("%s %d" % kv for kv in s["drops"].items() if kv[1])
    if nonzero:
        print("  drops: " + nonzero)
    if s["rx"] != replies + taken + drops:
        failed.append("rx %d != replies %d + taken %d + drops %d" % (s["rx"], replies, taken,
                                                                    drops))
    if s["tx"] + s["tx_dropped"] != replies + tx_tcp:
        failed.append("tx %d + tx_dropped %d != replies %d + tx_tcp %d" % (
            s["tx"], s["tx_dropped"], replies, tx_tcp))
    tcp = s.get("tcp")
    if tcp is not None:
        print("  tcp: " + ", ".join("%s %s" % kv for kv in tcp.items()))
    if (tcp_idle or tcp_served) and tcp is None:
        failed.append("no tcp counters in the stats JSON (was --tcp-port given?)")
    elif tcp_idle and (tcp["tcbs_in_use"] != 0 or tcp["rtx_mbufs"] != 0):
        failed.append("TCBs or held mbufs at the end: tcbs_in_use %d, rtx_mbufs %d" % (
            tcp["tcbs_in_use"], tcp["rtx_mbufs"]))
    if tcp_served and tcp is not None and not (s["replies"].get("tcp") and taken):
        failed.append("no TCP reply or no taken segment counted")
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json")
    ap.add_argument("--tcp-idle", action="store_true")
    ap.add_argument("--tcp-served", action="store_true")
    a = ap.parse_args()
    with open(a.json) as f:
        failed = check(json.load(f), a.tcp_idle, a.tcp_served)
    for why in failed:
        print("  FAIL: " + why)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
