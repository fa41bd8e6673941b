# SPDX-License-Identifier: BSD-3-Clause
"""The verdict on one bypass TCP cell (net_tap+tcp, ...), from bypass-echo's stats around it.

  bypasstcp.py CELL_JSON BEFORE AFTER "COUNTERS" "GAUGES" [IF_BEFORE IF_AFTER]
BEFORE and AFTER are lines of bypasstcp.sh's lab_btcp_read: "uptime counters... gauges...
busy_cycles idle_cycles tsc_hz mbufs_in_use" (-1: not reported); IF_BEFORE and IF_AFTER the
client interface's "tx_bytes tx_packets header_bytes" (what each frame adds besides its
payload). Prints the cell's keys for cells.py, one a line ("lab.tcp_retransmits=3"; "set.server={...}" when echo-gen could not tell
the server's cost), then last a summary for the progress line, or "FAIL reason" when a message
was lost or corrupt, or a TCB, a retransmission mbuf or a pool mbuf was not back at the end.

The server's cost: echo-gen counts bypass-echo's UDP replies only, so for TCP the cycles per
message are bypass-echo's busy cycles over the whole cell (connection set-up, warm-up and
close included) / the messages echoed in it, and the CPU per message is that of a polling lcore
spent whole: lcores x 1e6 / pps. bypass-echo counts segments, not bytes, and the client's
kernel may put several messages in one segment, so the messages are counted from the client's
interface: the TCP payload bytes it sent (its bytes less the header bytes of each frame: 54 of
Ethernet, IP and TCP, or 40 where the interface counts frames without their Ethernet header;
no TCP options on data segments, as bypass-echo offers none; a SYN's options add a few bytes
per connection) / size. Without those, its data segments sent less
retransmissions (one per message while every message has a segment of its own).
"""

import json
import sys

HDR_BYTES = 14 + 20 + 20  # Ethernet, IPv4 and TCP headers without options (the default)


def parse(line, keys):
    w = line.split()
    n = len(keys)
    vals = {"uptime_s": float(w[0])}
    vals.update({k: int(w[1 + i]) for i, k in enumerate(keys)})
    vals["busy_cycles"] = float(w[1 + n])
    vals["idle_cycles"] = float(w[2 + n])
    vals["tsc_hz"] = float(w[3 + n])
    vals["mbufs_in_use"] = int(w[4 + n])
    return vals


def main(argv):
    if len(argv) not in (6, 8):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    cell = json.load(open(argv[1]))[0]
    counters, gauges = argv[4].split(), argv[5].split()
    keys = counters + gauges
    a, b = parse(argv[2], keys), parse(argv[3], keys)
    d = {k: b[k] - a[k] for k in counters}
    out = [f"lab.tcp_{k}={d[k]}" for k in counters]
    out += [f"lab.tcp_{k}_end={b[k]}" for k in gauges]
    if b["mbufs_in_use"] >= 0 and a["mbufs_in_use"] >= 0:
        out += [f"lab.mbufs_in_use_before={a['mbufs_in_use']}",
                f"lab.mbufs_in_use_after={b['mbufs_in_use']}"]
    size = int(cell.get("payload_bytes") or 0)
    # The messages the server echoed during the whole cell.
    msgs, how = None, None
    ifs = [w.split() for w in argv[6:8]]
    if len(ifs) == 2 and all(len(w) in (2, 3) for w in ifs) and size > 0:
        tx_bytes, tx_pkts = (int(ifs[1][i]) - int(ifs[0][i]) for i in (0, 1))
        hdr = int(ifs[1][2]) if len(ifs[1]) == 3 else HDR_BYTES
        payload = tx_bytes - hdr * tx_pkts
        out += [f"lab.tcp_client_tx_frames={tx_pkts}", f"lab.tcp_client_payload_bytes={payload}"]
        if payload >= size:
            msgs, how = round(payload / size), "client payload bytes / size"
    if msgs is None and d.get("data_segs_sent", 0) > 0 and size <= 1460:
        msgs = d["data_segs_sent"] - d.get("retransmits", 0)
        how = "data segments sent less retransmissions"
    srv = cell.get("server") or {}
    busy = b["busy_cycles"] - a["busy_cycles"]
    if msgs and msgs > 0:
        out.append(f"lab.tcp_server_cycles_per_msg={busy / msgs:.6g}")
        out.append(f"lab.tcp_server_msgs={msgs:.0f}")
        if srv.get("cycles_per_msg") is None:
            pps = cell.get("pps") or 0
            lcores = len(str(cell.get("lab", {}).get("server_cpus", "1")).split(","))
            srv = dict(srv, source="bypass-echo", cycles_per_msg=round(busy / msgs, 1),
                       cpu_per_msg_us=(lcores * 1e6 / pps if pps else None),
                       note=f"lab: busy cycles over the whole cell / messages ({how}); "
                            f"CPU: the {lcores} polling lcore(s) whole, lcores x 1e6 / pps")
            out.append("set.server=" + json.dumps(srv, separators=(",", ":")))
    print("\n".join(out))
    fails = []
    if cell.get("lost"):
        fails.append(f"{cell['lost']} messages lost")
    if cell.get("corrupt"):
        fails.append(f"{cell['corrupt']} corrupt replies")
    if b["tcbs_in_use"]:
        fails.append(f"{b['tcbs_in_use']} TCBs still in use after the cell")
    if b["rtx_mbufs"]:
        fails.append(f"{b['rtx_mbufs']} mbufs still held for retransmission")
    if 0 <= a["mbufs_in_use"] != b["mbufs_in_use"] >= 0:
        fails.append(f"mbufs in use {a['mbufs_in_use']} before the cell, "
                     f"{b['mbufs_in_use']} after")
    if d["conns_opened"] != d["conns_closed"] + d["conns_reset"] + d["conns_timed_out"]:
        fails.append(f"{d['conns_opened']} connections opened, {d['conns_closed']} closed, "
                     f"{d['conns_reset']} reset, {d['conns_timed_out']} timed out")
    if fails:
        print("FAIL bypass TCP: " + "; ".join(fails))
    else:
        print(f"tcp: {d['conns_opened']} conns, {d['retransmits']} retransmits, "
              f"{d['rsts_sent']} RSTs, TCBs back to 0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
