#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The zero-copy part of the report on a hand-made run: CPU per byte from each cell, splice
# against epoll paired by transport and size (server CPU per byte ratio), MSG_ZEROCOPY
# completions with the copied share, the client against the same path without --zerocopy, and
# path names with %zerocopy read correctly. A run without splice or zerocopy gets no section.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_cmd gnuplot /usr/bin/python3

REPORT="$SOURCE_DIR/scripts/lab.d/report.py"
run="$T_TMP/zc"
mkdir -p "$run"
/usr/bin/python3 - "$run" <<'PY'
import json, sys
def cell(path, size, srv_us, cli_cpu, received, zc=None):
    return {"transport": path.split("@")[0].split("%")[0], "path": path, "payload_bytes": size,
            "mode": "closed", "window": 4, "sent": received, "received": received, "lost": 0,
            "corrupt": 0, "duplicate": 0, "reordered": 0, "late": 0, "pps": received / 2.0,
            "gbps": received / 2.0 * size * 8 / 1e9, "duration_s": 2.0,
            "rtt_us": {"p50": 10.0, "p90": 11.0, "p99": 12.0, "p999": 13.0, "min": 9.0,
                       "max": 20.0, "mean": 10.0},
            "client": {"cpu_s": cli_cpu, "cycles_per_msg": 1000, "syscalls_per_msg": 1.0,
                       "csw_per_msg": 0.5},
            "server": {"cpu_per_msg_us": srv_us, "cycles_per_msg": 1000,
                       "syscalls_per_msg": 1.0, "csw_per_msg": 0.5},
            "zerocopy": zc,
            "lab": {"kind": "throughput", "status": "ok"}}
zc = {"mode": "msg_zerocopy", "sends": 1200, "completed": 1200, "completed_zerocopy": 0,
      "completed_copied": 1200, "copied_share": 1.0, "pending": 0}
cells = [
    cell("udp", 65536, 20.0, 1.0, 1000),
    # 65536 B: epoll 32.768 µs/msg = 0.5 ns/B; splice 16.384 µs/msg = 0.25 ns/B -> 0.50
    cell("tcp@epoll", 65536, 32.768, 1.0, 1000),
    cell("tcp@splice", 65536, 16.384, 1.0, 1250),
    # client 1.5 s for 1000 x 65536 B against 1.0 s: 1.50x plain
    cell("tcp@epoll%zerocopy", 65536, 32.768, 1.5, 1000, zc),
    # memif: 2.0 and 1.0 s of client CPU for 1000 messages -> 2000.00 and 1000.00 µs/msg
    cell("net_memif", 256, 1.0, 2.0, 1000),
    cell("net_memif%zerocopy", 256, 1.0, 1.0, 1000),
]
json.dump(cells, open(sys.argv[1] + "/results.json", "w"))
json.dump({"run_id": "zc-sample"}, open(sys.argv[1] + "/run.json", "w"))
PY
/usr/bin/python3 "$REPORT" "$run" >/dev/null || fail "report.py failed"
md="$run/report.md"
sed -n '/## Zero copy/,/## Integrity/p' "$md"
for needle in "## Zero copy: CPU per byte" "| tcp@splice / tcp@epoll" "0.250" "0.500" \
	" 0.50 |" " 1.25 |" " 1200 |" "100 %" " 1.50 |" "0 / 0" \
	"Kernel TCP/IP over loopback; sock-echo --io epoll; echo-gen --zerocopy" \
	"### memif: copying client against zero-copy client" " 2,000 |" " 1,000 |" \
	"the memif client in zero-copy mode (zero-copy=yes)"; do
	grep -qiF -- "$needle" "$md" || fail "report.md lacks '$needle'"
done
# Without a splice path or a %zerocopy client the section is left out.
/usr/bin/python3 - "$run" <<'PY'
import json, sys
cells = [c for c in json.load(open(sys.argv[1] + "/results.json"))
         if "splice" not in c["path"] and "%" not in c["path"]]
json.dump(cells, open(sys.argv[1] + "/results.json", "w"))
PY
/usr/bin/python3 "$REPORT" "$run" >/dev/null || fail "report.py failed on the plain run"
! grep -q "Zero copy" "$md" || fail "a run without zero copy got the section"
say "PASS"
