#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The bypass TCP lab paths end to end: the spellings the lab refuses (+tcp on a path whose
# client is not the kernel, with an io mode or a client option), then `scripts/lab run` of a
# short matrix with kernel tcp, net_tap+tcp and net_af_xdp+tcp at 18 B (latency and throughput
# cells, half a second each) and its report: every bypass TCP cell measured with 0 lost and
# 0 corrupt, its TCP counters recorded (connections opened and all closed, TCBs and
# retransmission mbufs back to 0 at the end, the server's cycles per message filled in), the
# report's "Kernel TCP against bypass TCP" rows and plots, and no topology left behind.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/lab/common.sh"
need_root
need_cmd ip gnuplot flock /usr/bin/python3

export LAB_RESULTS="$T_TMP/results"
BE="$BUILD_DIR/app/bypass-echo/bypass-echo"
[ -x "$BE" ] || skip "bypass-echo is not built"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (modprobe tun)"
lab_need_programs
on_exit "'$LAB' topo down"

for p in net_memif+tcp net_ring+tcp tcp+tcp udp+tcp net_tap@epoll+tcp net_tap+tcp%zerocopy; do
	check 1 "unknown path '$p'" "$LAB" run --paths "$p"
done
check 1 "net_tap net_af_packet net_af_xdp take +tcp" "$LAB" run --paths net_ring+tcp
[ "$CHECK_FAILURES" -eq 0 ] || fail "$CHECK_FAILURES bad path(s) misreported"
[ ! -e "$LAB_RESULTS" ] || fail "a refused run left $(ls "$LAB_RESULTS")"

cat >"$T_TMP/tcp.conf" <<'M'
paths = udp tcp net_tap+tcp net_af_xdp+tcp+1cpu
sizes = 18
cells = latency throughput
duration_s = 0.5
warmup_s = 0.2
throughput_window = 16
timeout_ms = 1000
client_cpus = 0
server_cpus = 1
M
out="$T_TMP/run"
lab_run_matrix "$T_TMP/tcp.conf" "$out"

/usr/bin/python3 - "$out" <<'PY' || fail "results do not hold up (above)"
import json, sys
out = sys.argv[1]
cells = json.load(open(f"{out}/results.json"))
assert len(cells) == 8, f"{len(cells)} cells, expected 8"
ok = 0
for c in cells:
    p, lab = c["path"], c["lab"]
    where = f"{p} {lab['kind']}"
    if "+tcp" not in p:
        continue
    assert c["transport"] == "tcp", f"{where}: transport {c['transport']}"
    if p.startswith("net_af_xdp") and lab["status"] == "unavailable":
        print(f"{where}: unavailable here: {lab['reason']}")
        continue
    assert lab["status"] == "ok", f"{where}: {lab['status']}: {lab.get('reason')}"
    assert "--tcp-port" in lab["server"] or "TCP on port" in lab["server"], lab["server"]
    assert c["lost"] == 0 and c["corrupt"] == 0 and c["received"] > 0, where
    assert lab["tcp_conns_opened"] >= 1, f"{where}: no connection opened"
    assert lab["tcp_conns_opened"] == lab["tcp_conns_closed"] + lab["tcp_conns_reset"] + \
        lab["tcp_conns_timed_out"], f"{where}: connections not all ended"
    assert lab["tcp_tcbs_in_use_end"] == 0 and lab["tcp_rtx_mbufs_end"] == 0, where
    assert lab["tcp_client_payload_bytes"] >= c["received"] * 18, \
        f"{where}: client sent {lab['tcp_client_payload_bytes']} payload bytes"
    assert (c["server"] or {}).get("cycles_per_msg"), f"{where}: no server cycles per message"
    assert lab["tcp_server_msgs"] >= c["received"], f"{where}: server messages"
    if p.endswith("+1cpu"):
        assert lab["server_cpus"] == lab["client_cpus"], f"{where}: +1cpu not kept"
    ok += 1
assert ok >= 2, "no bypass TCP cell measured"
md = open(f"{out}/report.md").read()
sec = md.split("## Kernel TCP against bypass TCP", 1)[1].split("\n## ", 1)[0]
for p in ("tcp", "net_tap+tcp", "net_af_xdp+tcp+1cpu"):
    assert f"| {p} " in sec, f"no row {p} in the TCP section"
assert "### bypass-echo's TCP counters per cell" in sec
print(f"{ok} bypass TCP cells measured, TCBs and mbufs back, report rows present")
PY
for ext in png svg; do
	[ -s "$out/plots/tcp-latency-18.$ext" ] || fail "no plots/tcp-latency-18.$ext"
	[ -s "$out/plots/tcp-cost.$ext" ] || fail "no plots/tcp-cost.$ext"
done
say "PASS"
