#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab services --quick`: Redis, PostgreSQL and nginx, each over TCP, over a Unix
# socket and over TCP with the sockmap shortcut, all measured with 0 client errors beside the
# echo floor, every tcp+sockmap cell with sockmap-accel's counts (0 sends through TCP, enough
# bytes redirected); the report has its "Real services" section and plot; nothing is left
# running or on disk (processes, sockets, data and temporary folders, pid files, the cgroup,
# BPF programs); a second run works; a server that does not start makes its cells "not
# measured" with the reason while the rest runs, and so does a machine without sockmap for the
# tcp+sockmap rows; a run stopped with SIGTERM in the middle of a service cleans up too, and
# after SIGKILL `scripts/lab topo down` does.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/lab/common.sh"
need_root
need_cmd ss flock gnuplot bpftool /usr/bin/python3

lab_need_programs
# shellcheck source=scripts/deps.sh
. "$SOURCE_DIR/scripts/deps.sh"
deps_install "${SERVICES_PACKAGES[@]}" ||
	skip "the service packages are missing: ${SERVICES_PACKAGES[*]}"

# Whether this machine can run tcp+sockmap, by the lab's own check: the rows must then be
# measured, and otherwise "unavailable" with its reason.
SM_REASON=$(
	LAB_SRC=$SOURCE_DIR
	. "$SOURCE_DIR/scripts/lab.d/common.sh"
	. "$SOURCE_DIR/scripts/lab.d/setup.sh"
	. "$SOURCE_DIR/scripts/lab.d/run.sh"
	. "$SOURCE_DIR/scripts/lab.d/sockmap.sh"
	lab_sockmap_vars
	lab_sockmap_check || echo "$REASON"
) || true
export SM_REASON
[ -z "$SM_REASON" ] || say "tcp+sockmap cannot run here ($SM_REASON): its rows must say so"

# The sk_msg and sock_ops programs loaded now, and every cgroup attachment.
bpf_snapshot() {
	bpftool prog show 2>/dev/null | grep -E '^[0-9]+: (sk_msg|sock_ops) ' || true
	bpftool cgroup tree 2>/dev/null | grep -v '^CgroupPath' || true
}
bpf_before=$(bpf_snapshot)
# A program is freed a moment after its last fd is closed: 5 s to be back to what was before.
bpf_check() {
	wait_for "[ \"\$(bpf_snapshot)\" = \"\$bpf_before\" ]" 5 ||
		fail "BPF programs or attachments left $1: $(diff <(echo "$bpf_before") \
			<(bpf_snapshot) | grep '^>')"
}

# What a services run could leave: its temporary folder, processes whose command line names
# it, sockets under it, the lab's pid files for them, and sockmap-accel's cgroup and state.
leftovers() {
	local p m
	ls -d /tmp/bypasslab-lab-services.* 2>/dev/null
	for p in /proc/[0-9]*; do
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q 'bypasslab-lab-services\.' &&
			echo "process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"
	done
	ss -Hlx 2>/dev/null | grep -o '/tmp/bypasslab-lab-services[^ ]*' | sed 's/^/socket /'
	ls /run/bypasslab/svc-*.pid /run/bypasslab/client.pid /run/bypasslab/services.tmpdir \
		/run/bypasslab/sockmap-* /run/bypasslab/tcp-sockmap.* /run/sockmap-accel/lock \
		2>/dev/null
	for m in $(awk '$3 == "cgroup2" {print $2}' /proc/mounts); do
		[ ! -d "$m/bypasslab-sockmap" ] || echo "cgroup $m/bypasslab-sockmap"
	done
	return 0
}
before=$(leftovers)
[ -z "$before" ] || skip "a services run is in progress or left this behind: $before"

check_run() {
	local out=$1
	[ -s "$out/services.json" ] || fail "no $out/services.json"
	for f in report.md results.json run.json plots/services-ratio.png plots/services-ratio.svg
	do
		[ -s "$out/$f" ] || fail "no $out/$f"
	done
	/usr/bin/python3 - "$out" <<'PY' || fail "the services run does not hold up (above)"
import json, sys
out = sys.argv[1]
import os
sm_reason = os.environ["SM_REASON"]
cells = json.load(open(f"{out}/services.json"))
report = open(f"{out}/report.md").read()
seen, sm = set(), []
for c in cells:
    where = f"{c['service']} {c['transport']} {c['workload']}"
    lab = c["lab"]
    if c["transport"] == "tcp+sockmap" and sm_reason:
        assert lab["status"] == "unavailable" and sm_reason in lab["reason"], \
            f"{where}: {lab['status']}: {lab['reason']} (sockmap cannot run: {sm_reason})"
        seen.add((c["service"], c["transport"]))
        continue
    assert lab["status"] == "ok", f"{where}: {lab['status']}: {lab['reason']}"
    if c["transport"] == "tcp+sockmap":
        # The counts that make it a result over the shortcut.
        assert lab["sockmap_missed_sends"] == 0, f"{where}: {lab}"
        assert lab["sockmap_redirected_sends"] > 0, f"{where}: {lab}"
        assert lab["sockmap_min_bytes"] > 0, f"{where}: {lab}"
        assert lab["sockmap_redirected_bytes"] >= lab["sockmap_min_bytes"], f"{where}: {lab}"
        assert lab["sockmap_cgroup"].endswith("/bypasslab-sockmap"), f"{where}: {lab}"
        assert "sockmap-accel" in c["server"] and "cgroup.procs" in c["command"], \
            f"{where}: server {c['server']}, command {c['command']}"
        sm.append(f"{c['service']} {c['workload']} "
                  f"{lab['sockmap_redirected_bytes'] / lab['sockmap_min_bytes']:.1f}x")
    assert c["errors"] == 0, f"{where}: {c['errors']} client errors"
    assert c["rps"] > 0, f"{where}: {c['rps']} req/s"
    assert c["latency_us"]["p50"] > 0 and c["latency_us"]["p99"] >= c["latency_us"]["p50"], \
        f"{where}: latency {c['latency_us']}"
    assert c["lab"]["client_cpus"] and c["lab"]["server_cpus"], f"{where}: placement"
    seen.add((c["service"], c["transport"]))
want = {(s, t) for s in ("redis", "postgres", "nginx") for t in ("tcp", "unix", "tcp+sockmap")}
assert seen == want, f"measured {sorted(seen)}, expected {sorted(want)}"
assert len(cells) == 26, f"{len(cells)} cells, expected 26"
floor = json.load(open(f"{out}/results.json"))
sm_status = "unavailable" if sm_reason else "ok"
assert sorted((c["path"], c["lab"]["status"]) for c in floor) == \
    [("tcp", "ok"), ("tcp", "ok"), ("tcp+sockmap", sm_status), ("tcp+sockmap", sm_status),
     ("uds-stream", "ok"), ("uds-stream", "ok")], \
    f"echo floor: {[(c['path'], c['lab']['status']) for c in floor]}"
for needle in ("## Real services", "### Echo floor of this run", "### Redis (redis 7",
               "### PostgreSQL (postgresql", "### nginx (nginx 1", "| get-P16 ",
               "| proxy-close ", "| range-sum ", "| tcp+sockmap ",
               "![services-ratio](plots/services-ratio.png)"):
    assert needle in report, f"report.md lacks {needle!r}"
if not sm_reason:
    assert "sockmap-accel's counters in the tcp+sockmap cells:" in report, "no counters"
print(f"{len(cells)} service cells measured, 0 client errors; echo floor measured; "
      f"tcp+sockmap redirected bytes / needed: " + (", ".join(sm) or sm_reason))
PY
	left=$(leftovers)
	[ -z "$left" ] || fail "left behind after the run: $left"
	bpf_check "after the run"
}

for i in 1 2; do
	out="$T_TMP/run$i"
	say "run $i"
	"$LAB" services --quick --out "$out" >"$T_TMP/run$i.log" 2>&1 ||
		fail "scripts/lab services failed: $(tail -5 "$T_TMP/run$i.log")"
	grep -E '^\[' "$T_TMP/run$i.log"
	check_run "$out"
done

# A server that does not start: its cells are "not measured" with the reason, the rest runs.
# The same run has no sockmap-accel (a build folder with only echo-gen and sock-echo): the
# tcp+sockmap rows say why, the rest runs.
mkdir -p "$T_TMP/nosm/app/echo-gen" "$T_TMP/nosm/app/sock-echo"
ln -s "$BUILD_DIR/app/echo-gen/echo-gen" "$T_TMP/nosm/app/echo-gen/echo-gen"
ln -s "$BUILD_DIR/app/sock-echo/sock-echo" "$T_TMP/nosm/app/sock-echo/sock-echo"
mkdir -p "$T_TMP/fakebin"
printf '#!/bin/sh\necho "fake redis-server: refusing to start" >&2\nexit 1\n' \
	>"$T_TMP/fakebin/redis-server"
chmod +x "$T_TMP/fakebin/redis-server"
out="$T_TMP/noredis"
PATH="$T_TMP/fakebin:$PATH" LAB_BUILD="$T_TMP/nosm" "$LAB" services --quick --only redis,nginx \
	--out "$out" \
	>"$T_TMP/noredis.log" 2>&1 ||
	fail "scripts/lab services failed: $(tail -5 "$T_TMP/noredis.log")"
/usr/bin/python3 - "$out" <<'PY' || fail "a server that did not start is not reported (above)"
import json, sys
out = sys.argv[1]
cells = json.load(open(f"{out}/services.json"))
redis = [c for c in cells if c["service"] == "redis"]
nginx = [c for c in cells if c["service"] == "nginx" and c["transport"] != "tcp+sockmap"]
nosm = [c for c in cells if c["service"] == "nginx" and c["transport"] == "tcp+sockmap"]
assert (len(redis), len(nginx), len(nosm)) == (12, 5, 3), \
    f"{len(redis)} redis, {len(nginx)} + {len(nosm)} nginx cells"
for c in redis:
    assert c["lab"]["status"] == "failed", f"redis {c['workload']}: {c['lab']['status']}"
    assert "server did not start" in c["lab"]["reason"] and \
        "refusing to start" in c["lab"]["reason"], f"reason: {c['lab']['reason']}"
assert all(c["lab"]["status"] == "ok" for c in nginx), "nginx not measured after redis failed"
for c in nosm:
    assert c["lab"]["status"] == "unavailable" and \
        "sockmap-accel is not built" in c["lab"]["reason"], f"nginx {c['lab']}"
floor = {c["path"]: c["lab"] for c in json.load(open(f"{out}/results.json"))}
assert floor["tcp+sockmap"]["status"] == "unavailable" and floor["tcp"]["status"] == "ok", \
    f"echo floor: {floor}"
report = open(f"{out}/report.md").read()
assert "(*) not measured: failed: server did not start" in report, "reason not in report.md"
assert "(*) not measured: unavailable: sockmap: sockmap-accel is not built" in report, \
    "no reason for the tcp+sockmap rows in report.md"
print("redis: not measured,", redis[0]["lab"]["reason"], "; nginx measured;",
      "tcp+sockmap:", nosm[0]["lab"]["reason"])
PY
left=$(leftovers)
[ -z "$left" ] || fail "left behind after a server failed to start: $left"

# Stopped in the middle of PostgreSQL's cells (its tcp+sockmap ones, where they run):
# everything it started goes, sockmap-accel and its cgroup too.
out="$T_TMP/killed"
"$LAB" services --quick --only postgres,nginx --out "$out" >"$T_TMP/killed.log" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
pg_cell='\] postgres .*ok:'
[ -n "$SM_REASON" ] || pg_cell='\] postgres tcp+sockmap .*ok:'
wait_for "grep -q '$pg_cell' '$T_TMP/killed.log'" 120 ||
	fail "no postgres cell within 120 s: $(tail -5 "$T_TMP/killed.log")"
kill -TERM "$pid"
wait_exit "$pid" 60 || fail "scripts/lab services did not end within 60 s of SIGTERM"
[ "$WAIT_RC" = 143 ] || fail "a run stopped by SIGTERM exited $WAIT_RC, expected 143"
grep -q 'services stopped (exit 143)' "$T_TMP/killed.log" ||
	fail "the stopped run does not say so: $(tail -3 "$T_TMP/killed.log")"
left=$(leftovers)
[ -z "$left" ] || fail "left behind after SIGTERM: $left"
bpf_check "after SIGTERM"

# Killed with SIGKILL (no trap runs): the postmaster, sockmap-accel and the client live on,
# the temporary folder and the cgroup stay; `scripts/lab topo down` stops them by their pid
# files and removes the folder and the cgroup.
out="$T_TMP/kill9"
"$LAB" services --quick --only postgres --out "$out" >"$T_TMP/kill9.log" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
on_exit "'$LAB' topo down"
wait_for "grep -q '$pg_cell' '$T_TMP/kill9.log'" 120 ||
	fail "no postgres cell within 120 s: $(tail -5 "$T_TMP/kill9.log")"
kill -KILL "$pid"
wait_exit "$pid" 10 || fail "scripts/lab services survived SIGKILL"
[ -n "$(leftovers)" ] || fail "nothing left after SIGKILL: the test did not test topo down"
"$LAB" topo down >"$T_TMP/down.log" 2>&1 || fail "topo down failed: $(cat "$T_TMP/down.log")"
left=$(leftovers)
[ -z "$left" ] || fail "left behind after SIGKILL and topo down: $left"
bpf_check "after SIGKILL and topo down"
say "PASS: all services over TCP, Unix sockets and tcp+sockmap measured, twice; nothing left," \
	"also after SIGTERM, and after SIGKILL once topo down ran"
