#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The report generator on a hand-made run (sample-run/, shaped by docs/results-schema.md):
# ratios to kernel UDP computed from the same run, failed and unavailable cells listed with
# their reasons, plots made; a results file that is not an array is refused with its name.
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
assert re.search(r"\| tcp +\| +1024 \| throughput \| failed +\| server exited", md), \
    "failed tcp cell not listed"
print("ratios, costs and reasons check out")
PY
for p in throughput goodput latency-18 latency-1024 cost-cpu cost-calls; do
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
