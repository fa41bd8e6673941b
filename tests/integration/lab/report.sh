#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The report generator on a hand-made run (sample-run/, shaped by docs/results-schema.md):
# ratios to kernel UDP computed from the same run, failed and unavailable cells listed with
# their reasons, the latency split (sleeping against polling p50, the computed sentence, which
# ends polled), plots made with log axes that show the smallest bar; a results file that is not
# an array is refused with its name.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_cmd gnuplot /usr/bin/python3

REPORT="$SOURCE_DIR/scripts/lab.d/report.py"
run="$T_TMP/sample"
cp -r "$SOURCE_DIR/tests/integration/lab/sample-run" "$run"
/usr/bin/python3 "$REPORT" "$run" --table >"$T_TMP/table.txt" || fail "report.py failed"
cat "$T_TMP/table.txt"

/usr/bin/python3 - "$run" "$T_TMP/table.txt" <<'PY' || fail "report content (above)"
import csv, json, sys
run, table = sys.argv[1], open(sys.argv[2]).read()
cells = json.load(open(f"{run}/results.json"))
rows = {(r["path"], r["payload_bytes"], r["kind"]): r
        for r in csv.DictReader(open(f"{run}/summary.csv"))}
assert len(rows) == len(cells), f"{len(rows)} csv rows for {len(cells)} cells"
by = {(c["path"], c["payload_bytes"], c["lab"]["kind"]): c for c in cells}
# Every ratio from the same run, same size and cell.
for (p, s, k), c in by.items():
    r = rows[(p, str(s), k)]
    if c["lab"]["status"] != "ok":
        assert r["pps_vs_udp"] == "", f"{p} {s} {k}: ratio for a cell not measured"
        continue
    u = by[("udp", s, k)]
    want = c["pps"] / u["pps"]
    got = float(r["pps_vs_udp"])
    assert abs(got - want) < 1e-4 * want, f"{p} {s} {k}: pps_vs_udp {got}, expected {want}"
    want = c["rtt_us"]["p50"] / u["rtt_us"]["p50"]
    assert abs(float(r["p50_vs_udp"]) - want) < 1e-4 * want, f"{p} {s} {k}: p50_vs_udp"
    cpu = c["client"]["cpu_s"] / c["received"] * 1e6
    assert abs(float(r["client_cpu_per_msg_us"]) - cpu) < 1e-3 * cpu, f"{p}: client µs/msg"
md = open(f"{run}/report.md").read()
# The hand-made numbers: uds-dgram at 520 kpps against udp's 310 kpps (1.68x), memif 6.77x.
for needle in ("| uds-dgram    |", "1.68×", "6.77×", "0.18×",
               "server exited (signal 9) during the cell",
               "echo-gen has no in-process ring echo", "net_ring (*)",
               "## Throughput against size", "## Cost per message", "## Integrity",
               "![throughput](plots/throughput.png)", "client on CPU 0, server on CPU 1"):
    assert needle in md, f"report.md lacks {needle!r}"
    if needle in ("1.68×", "6.77×", "net_ring (*)"):
        assert needle in table, f"terminal table lacks {needle!r}"
# The failed tcp cell is reported as failed, not dropped.
import re
assert re.search(r"\| tcp +\| +1024 \| throughput +\| failed +\| server exited", md), \
    "failed tcp cell not listed"
print("ratios, costs and reasons check out")

# The latency split (scripts/lab.d/latsplit.py): p50 with sleeping ends, with both ends polling
# (latency-poll cells) and their difference in the headline table, under these column names.
head = next(l for l in md.splitlines() if l.startswith("| path ") and "p50 sleep µs" in l)
for t in (md, table):
    assert head in t, "headline table header differs between report.md and --table"
cols = [h.strip() for h in head.strip("|").split("|")]
assert cols[:5] == ["path", "p50 sleep µs", "p50 poll µs", "wake-up µs", "p99 µs"], cols
def row(text, path):
    line = next(l for l in text.splitlines() if l.startswith(f"| {path} "))
    return dict(zip(cols, [v.strip() for v in line.strip("|").split("|")]))
for path, sleep, poll, wake in (("udp", "22.1", "3.40", "18.7"), ("tcp", "27.1", "5.60", "21.5"),
                                ("uds-dgram", "11.0", "3.30", "7.75"),
                                ("net_tap", "35.2", "9.00", "26.2"),
                                ("net_memif", "4.02", "3.80", "0.22 (=)")):
    for t in (md, table):
        r = row(t, path)
        got = (r["p50 sleep µs"], r["p50 poll µs"], r["wake-up µs"])
        assert got == (sleep, poll, wake), f"{path}: split {got}, expected {(sleep, poll, wake)}"
for needle in ("On this machine the wake-up dominates: at 18 B, waking the sleeping end(s) is "
               "70 % (uds-dgram) to 85 % (udp) of the sleeping round trip (p50) on all 4 paths",
               "net_tap: bypass-echo always polls, so only the client sleeps",
               "(=) net_memif: both ends poll in both cells",
               "Measured twice in one configuration, p50 differs by 6 % on net_memif in this run"):
    assert needle in md and needle in table, f"split note missing: {needle!r}"
assert "tcp: latency-poll cell not measured" not in table  # measured at 18 B
sec = md.split("## Path cost and wake-up cost", 1)[1].split("\n## ", 1)[0]
scols = None
for l in sec.splitlines():
    if l.startswith("| path "):
        scols = [h.strip() for h in l.strip("|").split("|")]
        assert scols == ["path", "bytes", "p50 sleep µs", "p50 poll µs", "wake-up µs",
                         "wake-up share", "polling in latency", "polling in latency-poll"], scols
    elif l.startswith("| ") and not l.startswith("| --") and scols:
        r = dict(zip(scols, [v.strip() for v in l.strip("|").split("|")]))
        want = {("udp", "18"): ("neither", "both"), ("net_tap", "18"): ("server", "both"),
                ("net_memif", "18"): ("both", "both"),
                ("net_tap", "1024"): ("server", "-")}.get((r["path"], r["bytes"]))
        if want:
            assert (r["polling in latency"], r["polling in latency-poll"]) == want, r
assert "| udp       |  1024 |         27.6 |        4.10 |       23.5 |          85 % |" in sec, sec
assert "## Round-trip latency, latency-poll cell" in md
# Which ends polled, per cell, in the CSV.
for (p, s, k), c in by.items():
    r = rows[(p, str(s), k)]
    for side in ("client_polls", "server_polls"):
        want = c["lab"].get(side)
        want = "" if want is None else ("true" if want else "false")
        assert r[side] == want, f"{p} {s} {k}: {side} {r[side]!r}, expected {want!r}"
assert rows[("udp", "18", "latency-poll")]["client_polls"] == "true"
# A log axis starts below its smallest bar (issue 20: memif's and ring's bars were hidden).
import os
for base in ("latency-18", "latency-split-18", "cost-cpu"):
    gp = open(f"{run}/plots/{base}.gp").read()
    low = float(re.findall(r"set yrange \[([0-9.e+-]+):", gp)[-1])  # the last one holds
    vals = []
    for l in open(f"{run}/plots/{base}.dat"):
        if not l.startswith("#"):
            vals += [float(v) for v in l.rsplit('"', 1)[-1].split() if v != "NaN"]
    assert 0 < low < min(v for v in vals if v > 0), f"{base}: y axis from {low}, data {vals}"
print("latency split: columns, notes, ends and log axes check out")
PY

# The sentence is computed: with uds-dgram's polling p50 near its sleeping one, the path's own
# cost dominates there and the sentence says so.
mixed="$T_TMP/mixed"
cp -r "$SOURCE_DIR/tests/integration/lab/sample-run" "$mixed"
/usr/bin/python3 - "$mixed/results.json" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))
for c in cells:
    if (c["path"], c["payload_bytes"], c["lab"]["kind"]) == ("uds-dgram", 18, "latency-poll"):
        c["rtt_us"]["p50"] = 9.0
json.dump(cells, open(sys.argv[1], "w"))
PY
/usr/bin/python3 "$REPORT" "$mixed" --table >"$T_TMP/mixed.txt" || fail "report.py failed (mixed)"
want="the wake-up dominates on 3 of the 4 paths where an end sleeps at 18 B (more than half"
want+=" of the sleeping round trip, p50: udp, tcp, net_tap), the path's own cost on uds-dgram."
grep -qF "$want" "$T_TMP/mixed.txt" || fail "mixed split sentence: $(grep 'On this' "$T_TMP/mixed.txt")"
for p in throughput goodput latency-18 latency-1024 latency-split-18 latency-split-1024 cost-cpu \
	cost-calls; do
	for ext in png svg; do
		[ -s "$run/plots/$p.$ext" ] || fail "no plots/$p.$ext"
	done
done

mkdir -p "$T_TMP/bad"
echo '{"path": "udp"}' >"$T_TMP/bad/results.json"
if /usr/bin/python3 "$REPORT" "$T_TMP/bad" 2>"$T_TMP/err.txt"; then
	fail "a results.json that is not an array was accepted"
fi
grep -q "bad: results.json: expected a JSON array of cells" "$T_TMP/err.txt" ||
	fail "error does not name the problem: $(cat "$T_TMP/err.txt")"
say "PASS: report from a hand-made run: ratios, reasons, plots; bad input refused"
