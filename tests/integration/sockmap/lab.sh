#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab's tcp+sockmap path: a short run of tcp and tcp+sockmap (also with a placement, and
# with another io mode) measures every cell, each tcp+sockmap cell carries the redirect counts
# and they cover every message both ways; +sockmap on anything but tcp is refused; the run
# leaves no cgroup, no sockmap-accel state and no program behind.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sockmap/common.sh"
. "$SOURCE_DIR/tests/integration/lab/common.sh"
need_sockmap
need_cmd ip flock

lab_need_lock
on_exit "'$LAB' topo down"
before=$(bpf_snapshot)

# The cell check itself, on counters given by hand: 100 messages of 64 B sent, so 2 x 100
# messages = 12800 B must be redirected and none missed.
(
	LAB_SRC=$SOURCE_DIR
	. "$SOURCE_DIR/scripts/lab.d/common.sh"
	. "$SOURCE_DIR/scripts/lab.d/run.sh"
	. "$SOURCE_DIR/scripts/lab.d/sockmap.sh"
	echo '[{"sent": 100, "payload_bytes": 64}]' >"$T_TMP/cell.json"
	SM_CGROUP=/x SM_LOG=/dev/null SM_BEFORE="5 640 0"
	for want in "ok 105 13440 0" "fail 105 13376 0" "fail 105 13440 1"; do
		read -r verdict AFTER <<<"$want"
		lab_sockmap_counters() { echo "$AFTER"; }
		CELL_SUMMARY=x
		if lab_sockmap_cell_check "$T_TMP/cell.json"; then got=ok; else got=fail; fi
		[ "$got" = "$verdict" ] || { echo "counters $AFTER: $got, expected $verdict"; exit 1; }
		echo "counters before '$SM_BEFORE', after '$AFTER': $got ${REASON:-}"
	done
) >"$T_TMP/check.log" 2>&1 || fail "the cell check: $(cat "$T_TMP/check.log")"
sed 's/^/lab: /' "$T_TMP/check.log"

check 1 "matrix: unknown path 'udp+sockmap'" "$LAB" run --paths udp+sockmap
check 1 "matrix: unknown path 'tcp+sockmap+nope'" "$LAB" run --paths tcp+sockmap+nope
[ "$CHECK_FAILURES" = 0 ] || fail "+sockmap accepted where it does not apply"

cat >"$T_TMP/short.conf" <<'M'
paths = tcp tcp+sockmap tcp@blocking+sockmap tcp+sockmap+1cpu
sizes = 1024
cells = latency throughput
duration_s = 0.5
warmup_s = 0.2
throughput_window = 16
timeout_ms = 1000
client_cpus = 0
server_cpus = 1
M
out="$T_TMP/run"
lab_run_matrix "$T_TMP/short.conf" "$out"

"$PY" - "$out" <<'PY' || fail "results do not hold up (above)"
import json, sys
cells = json.load(open(f"{sys.argv[1]}/results.json"))
assert len(cells) == 8, f"{len(cells)} cells, expected 8"
for c in cells:
    lab = c["lab"]
    assert lab["status"] == "ok", f"{c['path']} {lab['kind']}: {lab['status']}: {lab['reason']}"
    assert c["corrupt"] == 0, f"{c['path']}: {c['corrupt']} corrupt"
    if "+sockmap" not in c["path"]:
        assert "sockmap_redirected_msgs" not in lab, f"{c['path']} has sockmap counts"
        continue
    assert c["transport"] == "tcp", c["transport"]
    red, sent = lab["sockmap_redirected_msgs"], c["sent"]
    assert red >= 2 * sent, f"{c['path']}: {red} redirected for {sent} sent"
    assert lab["sockmap_missed_sends"] == 0, f"{c['path']}: {lab['sockmap_missed_sends']} missed"
    assert lab["sockmap_redirected_bytes"] >= 2 * sent * c["payload_bytes"]
    assert "sockmap-accel" in lab["server"], lab["server"]
    print(f"{c['path']} {lab['kind']}: {red} redirected for 2 x {sent} sent")
PY
grep -q 'tcp+sockmap+1cpu' "$out/results.json" || fail "tcp+sockmap+1cpu missing"

# Without sockmap-accel the path is not measured, with the reason; never plain TCP instead.
mkdir -p "$T_TMP/b/app/echo-gen" "$T_TMP/b/app/sock-echo"
ln -s "$EG" "$T_TMP/b/app/echo-gen/echo-gen"
ln -s "$SE" "$T_TMP/b/app/sock-echo/sock-echo"
LAB_BUILD=$T_TMP/b "$LAB" run --matrix "$T_TMP/short.conf" --paths tcp+sockmap \
	--out "$T_TMP/run2" >"$T_TMP/run2.log" 2>&1 || fail "run without sockmap-accel failed:" \
	"$(tail -3 "$T_TMP/run2.log")"
"$PY" - "$T_TMP/run2" <<'PY' || fail "without sockmap-accel: (above)"
import json, sys
cells = json.load(open(f"{sys.argv[1]}/results.json"))
assert len(cells) == 2, len(cells)
for c in cells:
    assert c["lab"]["status"] == "unavailable", c["lab"]
    assert "sockmap-accel is not built" in c["lab"]["reason"], c["lab"]["reason"]
    assert c.get("sent") is None, "a cell was measured"
print("without sockmap-accel: unavailable:", cells[0]["lab"]["reason"])
PY
[ ! -e /run/sockmap-accel ] || fail "the run left /run/sockmap-accel"
cg=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
[ -z "$cg" ] || [ ! -e "$cg/bypasslab-sockmap" ] || fail "the run left $cg/bypasslab-sockmap"
bpf_back_to "$before" || fail "the run left BPF programs or attachments: $(bpf_snapshot)"
say "ok"
