#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab services --quick`: Redis, PostgreSQL and nginx, each over TCP and over a Unix
# socket, all measured with 0 client errors beside the echo floor; the report has its "Real
# services" section and plot; nothing is left running or on disk (processes, sockets, data and
# temporary folders, pid files); a second run works; a server that does not start makes its
# cells "not measured" with the reason while the rest runs; a run stopped with SIGTERM in the
# middle of a service cleans up too, and after SIGKILL `scripts/lab topo down` does.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_root
need_cmd ss flock gnuplot /usr/bin/python3

LAB="$SOURCE_DIR/scripts/lab"
export LAB_BUILD="$BUILD_DIR"
[ -x "$BUILD_DIR/app/echo-gen/echo-gen" ] || skip "echo-gen is not built"
[ -x "$BUILD_DIR/app/sock-echo/sock-echo" ] || skip "sock-echo is not built"
if [ -e /run/lock/bypasslab.lock ] && ! flock -n /run/lock/bypasslab.lock true; then
	skip "a lab run is in progress on this machine"
fi
# shellcheck source=scripts/deps.sh
. "$SOURCE_DIR/scripts/deps.sh"
deps_install "${SERVICES_PACKAGES[@]}" ||
	skip "the service packages are missing: ${SERVICES_PACKAGES[*]}"

# What a services run could leave: its temporary folder, processes whose command line names
# it, sockets under it, and the lab's pid files for them.
leftovers() {
	local p
	ls -d /tmp/bypasslab-lab-services.* 2>/dev/null
	for p in /proc/[0-9]*; do
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q 'bypasslab-lab-services\.' &&
			echo "process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"
	done
	ss -Hlx 2>/dev/null | grep -o '/tmp/bypasslab-lab-services[^ ]*' | sed 's/^/socket /'
	ls /run/bypasslab/svc-*.pid /run/bypasslab/client.pid /run/bypasslab/services.tmpdir \
		2>/dev/null
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
cells = json.load(open(f"{out}/services.json"))
report = open(f"{out}/report.md").read()
seen = set()
for c in cells:
    where = f"{c['service']} {c['transport']} {c['workload']}"
    assert c["lab"]["status"] == "ok", f"{where}: {c['lab']['status']}: {c['lab']['reason']}"
    assert c["errors"] == 0, f"{where}: {c['errors']} client errors"
    assert c["rps"] > 0, f"{where}: {c['rps']} req/s"
    assert c["latency_us"]["p50"] > 0 and c["latency_us"]["p99"] >= c["latency_us"]["p50"], \
        f"{where}: latency {c['latency_us']}"
    assert c["lab"]["client_cpus"] and c["lab"]["server_cpus"], f"{where}: placement"
    seen.add((c["service"], c["transport"]))
want = {(s, t) for s in ("redis", "postgres", "nginx") for t in ("tcp", "unix")}
assert seen == want, f"measured {sorted(seen)}, expected {sorted(want)}"
assert len(cells) == 17, f"{len(cells)} cells, expected 17"
floor = json.load(open(f"{out}/results.json"))
assert sorted((c["path"], c["lab"]["status"]) for c in floor) == \
    [("tcp", "ok"), ("tcp", "ok"), ("uds-stream", "ok"), ("uds-stream", "ok")], \
    f"echo floor: {[(c['path'], c['lab']['status']) for c in floor]}"
for needle in ("## Real services", "### Echo floor of this run", "### Redis (redis 7",
               "### PostgreSQL (postgresql", "### nginx (nginx 1", "| get-P16 ",
               "| proxy-close ", "| range-sum ", "![services-ratio](plots/services-ratio.png)"):
    assert needle in report, f"report.md lacks {needle!r}"
print(f"{len(cells)} service cells measured, 0 client errors; echo floor measured")
PY
	left=$(leftovers)
	[ -z "$left" ] || fail "left behind after the run: $left"
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
mkdir -p "$T_TMP/fakebin"
printf '#!/bin/sh\necho "fake redis-server: refusing to start" >&2\nexit 1\n' \
	>"$T_TMP/fakebin/redis-server"
chmod +x "$T_TMP/fakebin/redis-server"
out="$T_TMP/noredis"
PATH="$T_TMP/fakebin:$PATH" "$LAB" services --quick --only redis,nginx --out "$out" \
	>"$T_TMP/noredis.log" 2>&1 ||
	fail "scripts/lab services failed: $(tail -5 "$T_TMP/noredis.log")"
/usr/bin/python3 - "$out" <<'PY' || fail "a server that did not start is not reported (above)"
import json, sys
out = sys.argv[1]
cells = json.load(open(f"{out}/services.json"))
redis = [c for c in cells if c["service"] == "redis"]
nginx = [c for c in cells if c["service"] == "nginx"]
assert len(redis) == 8 and len(nginx) == 5, f"{len(redis)} redis, {len(nginx)} nginx cells"
for c in redis:
    assert c["lab"]["status"] == "failed", f"redis {c['workload']}: {c['lab']['status']}"
    assert "server did not start" in c["lab"]["reason"] and \
        "refusing to start" in c["lab"]["reason"], f"reason: {c['lab']['reason']}"
assert all(c["lab"]["status"] == "ok" for c in nginx), "nginx not measured after redis failed"
report = open(f"{out}/report.md").read()
assert "(*) not measured: failed: server did not start" in report, "reason not in report.md"
print("redis: not measured,", redis[0]["lab"]["reason"], "; nginx measured")
PY
left=$(leftovers)
[ -z "$left" ] || fail "left behind after a server failed to start: $left"

# Stopped in the middle of PostgreSQL's cells: everything it started goes.
out="$T_TMP/killed"
"$LAB" services --quick --only postgres,nginx --out "$out" >"$T_TMP/killed.log" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_for "grep -q '\] postgres .*ok:' '$T_TMP/killed.log'" 120 ||
	fail "no postgres cell within 120 s: $(tail -5 "$T_TMP/killed.log")"
kill -TERM "$pid"
wait_exit "$pid" 60 || fail "scripts/lab services did not end within 60 s of SIGTERM"
[ "$WAIT_RC" = 143 ] || fail "a run stopped by SIGTERM exited $WAIT_RC, expected 143"
grep -q 'services stopped (exit 143)' "$T_TMP/killed.log" ||
	fail "the stopped run does not say so: $(tail -3 "$T_TMP/killed.log")"
left=$(leftovers)
[ -z "$left" ] || fail "left behind after SIGTERM: $left"

# Killed with SIGKILL (no trap runs): the postmaster and the client live on, the temporary
# folder stays; `scripts/lab topo down` stops them by their pid files and removes the folder.
out="$T_TMP/kill9"
"$LAB" services --quick --only postgres --out "$out" >"$T_TMP/kill9.log" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
on_exit "'$LAB' topo down"
wait_for "grep -q '\] postgres .*ok:' '$T_TMP/kill9.log'" 120 ||
	fail "no postgres cell within 120 s: $(tail -5 "$T_TMP/kill9.log")"
kill -KILL "$pid"
wait_exit "$pid" 10 || fail "scripts/lab services survived SIGKILL"
[ -n "$(leftovers)" ] || fail "nothing left after SIGKILL: the test did not test topo down"
"$LAB" topo down >"$T_TMP/down.log" 2>&1 || fail "topo down failed: $(cat "$T_TMP/down.log")"
left=$(leftovers)
[ -z "$left" ] || fail "left behind after SIGKILL and topo down: $left"
say "PASS: all services over TCP and Unix sockets measured, twice; nothing left, also after" \
	"SIGTERM, and after SIGKILL once topo down ran"
