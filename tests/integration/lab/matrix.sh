#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A one-size, short matrix over every path through `scripts/lab run` and `report`: report.md,
# summary.csv and every plot (PNG and SVG) exist; every path is in the report, measured or with
# its reason; kernel UDP was measured so the ratios exist; no measured cell has a corrupt reply;
# each cell records which ends polled, and the latency-poll cells really polled.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/lab/common.sh"
need_root
need_cmd ip gnuplot flock /usr/bin/python3

lab_need_programs
on_exit "'$LAB' topo down"

cat >"$T_TMP/short.conf" <<'M'
# Every path, one size, half a second per cell.
paths = udp tcp uds-dgram uds-stream uds-seqpacket
paths += net_tap net_af_packet net_af_xdp net_memif net_ring
sizes = 18
cells = latency latency-poll throughput
duration_s = 0.5
warmup_s = 0.2
throughput_window = 32
timeout_ms = 500
client_cpus = 0
server_cpus = 1
M
out="$T_TMP/run"
lab_run_matrix "$T_TMP/short.conf" "$out"
# Exercise 1's figures from a fresh run: a field its spec reads that the programs no longer
# write fails here (exit 1), and every 18-byte figure must be in the run.
"$LAB" report "$out" --exercise 1 >"$T_TMP/ex1.txt" || fail "report --exercise 1 failed"
! grep -E '18 B .*not in run' "$T_TMP/ex1.txt" || fail "exercise 1 figures missing (above)"

for f in report.md summary.csv run.json; do
	[ -s "$out/$f" ] || fail "no $f"
done
for p in throughput goodput latency-18 latency-split-18 cost-cpu cost-calls; do
	for ext in png svg; do
		[ -s "$out/plots/$p.$ext" ] || fail "no plots/$p.$ext"
	done
	head -c 8 "$out/plots/$p.png" | od -An -c | grep -q 'P   N   G' || fail "plots/$p.png is" \
		"not a PNG"
	grep -q '<svg' "$out/plots/$p.svg" || fail "plots/$p.svg is not an SVG"
done

/usr/bin/python3 - "$out" "$BUILD_DIR/tests/integration/gen/dpdk_ring_echo" <<'PY' ||
	fail "results do not hold up (above)"
import csv, json, os, sys
out, ring = sys.argv[1], sys.argv[2]
cells = json.load(open(f"{out}/results.json"))
paths = ("udp tcp uds-dgram uds-stream uds-seqpacket "
         "net_tap net_af_packet net_af_xdp net_memif net_ring").split()
assert len(cells) == len(paths) * 3, f"{len(cells)} cells, expected {len(paths) * 3}"
# Which ends polled: kernel ends only in latency-poll; bypass-echo always; the DPDK clients
# (memif, ring) always; the kernel clients of tap, af_packet and af_xdp only in latency-poll.
kernel = ("udp", "tcp", "uds-dgram", "uds-stream", "uds-seqpacket")
for c in cells:
    p, k, lab = c["path"], c["lab"]["kind"], c["lab"]
    poll = k == "latency-poll"
    want = (poll or p in ("net_memif", "net_ring"), poll or p not in kernel)
    assert (lab["client_polls"], lab["server_polls"]) == want, \
        f"{p} {k}: polls {(lab['client_polls'], lab['server_polls'])}, expected {want}"
    if lab["status"] == "ok" and p in kernel + ("net_tap", "net_af_packet", "net_af_xdp"):
        assert c["busy_poll"] == poll, f"{p} {k}: echo-gen busy_poll {c['busy_poll']}"
        if p in kernel:
            want = "--io busy-poll" if poll else "--io epoll"
            assert want in lab["server"], f"{p} {k}: server {lab['server']}"
report = open(f"{out}/report.md").read()
bad = []
for c in cells:
    lab = c["lab"]
    where = f"{c['path']} {lab['kind']}"
    assert lab["status"] in ("ok", "failed", "unavailable"), f"{where}: status {lab['status']}"
    assert lab["client_cpus"] == "0" and lab["server_cpus"] == "1", f"{where}: placement"
    if lab["status"] == "ok":
        assert c["corrupt"] == 0, f"{where}: {c['corrupt']} corrupt replies"
        assert c["received"] > 0, f"{where}: measured with nothing received"
        assert c["payload_bytes"] == 18, f"{where}: size {c['payload_bytes']}"
    else:
        assert lab.get("reason"), f"{where}: {lab['status']} without a reason"
        assert lab["reason"] in report, f"{where}: its reason is not in report.md"
        bad.append(f"{where}: {lab['status']}: {lab['reason']}")
for p in paths:
    assert f"| {p} " in report, f"path {p} missing from report.md"
assert "| p50 poll µs |" in report, "no polling column in report.md"
assert "## Path cost and wake-up cost" in report
udp = [c for c in cells if c["path"] == "udp" and c["lab"]["status"] == "ok"]
assert len(udp) == 3, "kernel UDP not measured in all three cells: no ratios"
rows = list(csv.DictReader(open(f"{out}/summary.csv")))
assert len(rows) == len(cells), "summary.csv rows != cells"
for r in rows:
    if r["path"] == "udp" and r["status"] == "ok":
        assert abs(float(r["pps_vs_udp"]) - 1) < 1e-9, "udp's ratio to itself is not 1"
    if r["status"] == "ok" and r["path"] != "udp":
        assert float(r["pps_vs_udp"]) > 0, f"{r['path']}: no ratio"
# net_ring's echo lcore is in dpdk_ring_echo's process: its stats file fills the server columns.
# The program is the whole path: where it is built, nothing but a bug keeps a cell from measuring.
for c in cells:
    if c["path"] == "net_ring" and os.access(ring, os.X_OK):
        assert c["lab"]["status"] == "ok", f"net_ring {c['lab']['kind']}: {c['lab']['reason']}"
    if c["path"] == "net_ring" and c["lab"]["status"] == "ok":
        s = c["server"]
        assert s["source"] == "bypass-echo" and s["cycles_per_msg"] and s["cpu_per_msg_us"], \
            f"net_ring {c['lab']['kind']}: no server columns ({s})"
        with open(f"{out}/logs/net_ring.server.log") as f:
            assert "final counters after" in f.read(), "net_ring.server.log: no final counters"
print(f"{len(cells) - len(bad)} of {len(cells)} cells measured, 0 corrupt")
for b in bad:
    print("not measured:", b)
PY
say "PASS: report, summary and plots of a one-size matrix over every path"
