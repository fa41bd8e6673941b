#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The bypass TCP part of the report on a hand-made run: kernel TCP beside net_tap+tcp and
# net_af_xdp+tcp at each size with ratios to kernel TCP, each bypass TCP path against UDP on
# the same device, the TCP counters per cell, the two plots, and the +tcp paths described as
# TCP (not as their UDP base). A run without a +tcp path gets no section. Then the per-cell
# verdict (scripts/lab.d/bypasstcp.py) on hand-made stats: a clean cell passes with the server's
# cycles per message filled in (messages counted from the client interface's bytes, else from
# the data segments); a lost message, a TCB or an mbuf not back each fail it.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_cmd gnuplot /usr/bin/python3

REPORT="$SOURCE_DIR/scripts/lab.d/report.py"
VERDICT="$SOURCE_DIR/scripts/lab.d/bypasstcp.py"
run="$T_TMP/tcp"
mkdir -p "$run"
/usr/bin/python3 - "$run" <<'PY'
import json, sys
def cell(path, size, kind, p50, pps, srv_cycles, srv_us, tcp=None):
    lab = {"kind": kind, "status": "ok", "client_cpus": "0", "server_cpus": "1"}
    lab.update(tcp or {})
    return {"transport": "tcp" if "tcp" in path else "udp", "path": path,
            "payload_bytes": size, "mode": "closed", "window": 1 if kind != "throughput" else 16,
            "sent": 1000, "received": 1000, "lost": 0, "corrupt": 0, "duplicate": 0,
            "reordered": 0, "late": 0, "pps": pps, "gbps": pps * size * 8 / 1e9,
            "duration_s": 1.0,
            "rtt_us": {"p50": p50, "p90": p50 * 1.2, "p99": p50 * 2, "p999": p50 * 3,
                       "min": p50 * 0.8, "max": p50 * 5, "mean": p50},
            "client": {"cpu_s": 0.5, "cycles_per_msg": 1000, "syscalls_per_msg": 2.0,
                       "csw_per_msg": 1.0},
            "server": {"cpu_per_msg_us": srv_us, "cycles_per_msg": srv_cycles,
                       "syscalls_per_msg": None, "csw_per_msg": None},
            "lab": lab}
ctr = {"tcp_conns_opened": 1, "tcp_conns_closed": 1, "tcp_conns_reset": 0,
       "tcp_conns_timed_out": 0, "tcp_retransmits": 7, "tcp_dup_acks_sent": 0,
       "tcp_rsts_sent": 0, "tcp_tcbs_in_use_end": 0, "tcp_rtx_mbufs_end": 0}
cells = []
for size in (18, 1024):
    for kind in ("latency", "latency-poll", "throughput"):
        cells += [
            cell("udp", size, kind, 20.0, 100000, 9000, 8.0),
            # kernel TCP: p50 40, 50 kpps, 20000 cycles
            cell("tcp", size, kind, 40.0, 50000, 20000, 12.0),
            # tap UDP: p50 30, 80 kpps, 500 cycles; tap TCP: p50 60, 40 kpps, 1500 cycles
            cell("net_tap", size, kind, 30.0, 80000, 500, 12.5),
            cell("net_tap+tcp", size, kind, 60.0, 40000, 1500, 25.0, ctr),
            # af_xdp TCP: p50 20 (0.50x tcp), 100 kpps (2.00x), 1000 cycles (0.05x)
            cell("net_af_xdp+tcp", size, kind, 20.0, 100000, 1000, 10.0, ctr),
        ]
json.dump(cells, open(sys.argv[1] + "/results.json", "w"))
json.dump({"run_id": "tcp-sample"}, open(sys.argv[1] + "/run.json", "w"))
PY
/usr/bin/python3 "$REPORT" "$run" >/dev/null || fail "report.py failed"
md="$run/report.md"
sed -n '/## Kernel TCP against bypass TCP/,/## Throughput against size/p' "$md"
/usr/bin/python3 - "$md" <<'PY' || fail "the TCP section (above) is not as expected"
import sys
md = open(sys.argv[1]).read()
sec = md.split("## Kernel TCP against bypass TCP", 1)[1].split("## Throughput", 1)[0]
def row(first, part=sec):
    for line in part.splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols and cols[0] == first:
            return cols
    raise AssertionError(f"no row '{first}'")
s18 = sec.split("### 18-byte messages", 1)[1].split("###", 1)[0]
assert "### 1024-byte messages" in sec
# path, p50, p50 poll, p99, Mpps, srv cycles, srv µs, cli µs, p50 ×tcp, Mpps ×tcp, cycles ×tcp
assert row("tcp", s18)[1:5] == ["40.0", "40.0", "80.0", "0.050"], row("tcp", s18)
assert row("tcp", s18)[8:] == ["-", "-", "-"], "kernel TCP has ratios to itself"
assert row("net_tap+tcp", s18)[8:] == ["1.50×", "0.80×", "0.07×"], row("net_tap+tcp", s18)
assert row("net_af_xdp+tcp", s18)[8:] == ["0.50×", "2.00×", "0.05×"], row("net_af_xdp+tcp", s18)
assert row("net_af_xdp+tcp", s18)[5] == "1,000", row("net_af_xdp+tcp", s18)
# The UDP rows of other devices are not TCP rows.
assert "| net_tap " not in s18, "UDP path in the TCP table"
over = sec.split("### What TCP adds on the same device", 1)[1].split("###", 1)[0]
r = row("net_tap+tcp / net_tap", over)
# p50 60 / 30, Mpps 0.04 / 0.08, cycles 1500 / 500
assert r[4:7] == ["2.00×", "2.00×", "0.50×"] and r[7:] == ["1,500", "500", "3.00×"], r
assert "net_af_xdp+tcp / " not in over, "a pair without its UDP path"
ctr = sec.split("### bypass-echo's TCP counters per cell", 1)[1]
r = row("net_tap+tcp", ctr)
assert r[1:4] == ["18", "latency", "ok"] and r[4] == "1" and r[8] == "7", r
assert r[-2:] == ["0", "0"], r
assert sum(1 for l in ctr.splitlines() if l.startswith("| net_")) == 12
paths = md.split("## Paths", 1)[1]
assert "user-space TCP" in row("net_tap+tcp", paths)[1], "net_tap+tcp described as UDP"
assert "client's kernel UDP" in row("net_tap", paths)[1]
print("TCP section as expected")
PY
for p in tcp-latency-18 tcp-cost; do
	for ext in png svg; do
		[ -s "$run/plots/$p.$ext" ] || fail "no plots/$p.$ext"
	done
done
grep -q 'tcp-latency-18.png' "$md" || fail "report.md does not show the TCP plot"

# Without a +tcp path the section and its plots are left out.
/usr/bin/python3 - "$run" <<'PY'
import json, sys
cells = [c for c in json.load(open(sys.argv[1] + "/results.json")) if "+tcp" not in c["path"]]
json.dump(cells, open(sys.argv[1] + "/results.json", "w"))
PY
rm -rf "$run/plots"
/usr/bin/python3 "$REPORT" "$run" >/dev/null || fail "report.py failed on the run without +tcp"
! grep -q "Kernel TCP against bypass TCP" "$md" || fail "a run without +tcp got the section"
[ ! -e "$run/plots/tcp-cost.png" ] || fail "a run without +tcp got the TCP plot"

# The per-cell verdict. A stats line: uptime, counters, gauges, busy, idle, tsc_hz, mbufs.
C="conns_opened conns_closed conns_reset conns_timed_out retransmits fast_retransmits"
C+=" rto_expiries rsts_sent dup_acks_sent challenge_acks segs_sent data_segs_sent"
G="tcbs_in_use rtx_mbufs"
cj="$T_TMP/cell.json"
mkcell() {
	/usr/bin/python3 -c 'import json,sys
json.dump([{"payload_bytes": 18, "sent": 100, "received": 100 - int(sys.argv[2]),
  "lost": int(sys.argv[2]), "corrupt": 0, "pps": 50000.0,
  "server": {"cycles_per_msg": None, "note": "no udp replies"}}], open(sys.argv[1], "w"))' \
		"$cj" "$1"
}
before="1.0 5 5 0 0 2 0 0 0 0 0 900 300 0 0 1e9 4e9 2e9 1000"
# 200 messages echoed (data segments 300 -> 500), 2 retransmits, 400e6 busy cycles: 2e6/msg
after="2.0 7 7 0 0 4 1 0 0 0 0 1300 502 0 0 1.4e9 5e9 2e9 1000"
mkcell 0
out=$(/usr/bin/python3 "$VERDICT" "$cj" "$before" "$after" "$C" "$G") || fail "verdict: $out"
echo "$out"
grep -qx 'lab.tcp_conns_opened=2' <<<"$out" || fail "conns_opened not the cell's change"
grep -qx 'lab.tcp_retransmits=2' <<<"$out" || fail "retransmits not the cell's change"
grep -qx 'lab.tcp_tcbs_in_use_end=0' <<<"$out" || fail "no TCB gauge"
grep -qx 'lab.tcp_server_cycles_per_msg=2e+06' <<<"$out" || fail "server cycles per message"
grep -q '^set.server=.*"cycles_per_msg":2000000.0.*"cpu_per_msg_us":20.0' <<<"$out" ||
	fail "the cell's server object is not filled"
tail -1 <<<"$out" | grep -q '^tcp: 2 conns, 2 retransmits' || fail "summary line"
# Counted from the client interface: 200 messages of 18 B in 300 frames (100 pure ACKs) are
# 3600 payload bytes + 300 x 54 header bytes; the data segments (here 2) do not count then.
out=$(/usr/bin/python3 "$VERDICT" "$cj" "$before" "${after/502 0 0/302 0 0}" "$C" "$G" \
	"1000 10" "20800 310") || fail "verdict: $out"
grep -qx 'lab.tcp_client_payload_bytes=3600' <<<"$out" || fail "client payload bytes: $out"
grep -qx 'lab.tcp_server_msgs=200' <<<"$out" || fail "messages from the client's bytes: $out"
grep -q '^set.server=.*"cycles_per_msg":2000000.0.*client payload bytes' <<<"$out" ||
	fail "server cycles per message from the client's bytes: $out"
# An interface that counts frames without their Ethernet header (40 header bytes a frame).
out=$(/usr/bin/python3 "$VERDICT" "$cj" "$before" "${after/502 0 0/302 0 0}" "$C" "$G" \
	"1000 10 40" "16600 310 40") || fail "verdict: $out"
grep -qx 'lab.tcp_client_payload_bytes=3600' <<<"$out" || fail "40-byte headers: $out"
mkcell 3
out=$(/usr/bin/python3 "$VERDICT" "$cj" "$before" "$after" "$C" "$G")
tail -1 <<<"$out" | grep -q '^FAIL bypass TCP: 3 messages lost' || fail "lost messages pass"
mkcell 0
out=$(/usr/bin/python3 "$VERDICT" "$cj" "$before" "${after/502 0 0/502 1 4}" "$C" "$G")
tail -1 <<<"$out" | grep -q 'FAIL.*1 TCBs still in use.*4 mbufs still held' ||
	fail "TCBs and rtx mbufs not back pass: $out"
out=$(/usr/bin/python3 "$VERDICT" "$cj" "$before" "${after% 1000} 1003" "$C" "$G")
tail -1 <<<"$out" | grep -q 'FAIL.*mbufs in use 1000 before the cell, 1003 after' ||
	fail "mbufs not back pass: $out"
out=$(/usr/bin/python3 "$VERDICT" "$cj" "$before" "${after/2.0 7 7/2.0 7 6}" "$C" "$G")
tail -1 <<<"$out" | grep -q 'FAIL.*2 connections opened, 1 closed' ||
	fail "an unclosed connection passes: $out"
say "PASS"
