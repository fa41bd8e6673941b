#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sockmap-accel end to end: it attaches, redirects a real TCP connection between two processes
# of its cgroup (every message counted, both directions), leaves other connections alone,
# refuses a second instance, and leaves nothing behind after SIGTERM, after SIGKILL (the next
# start or --cleanup removes its cgroup) and when it had to mount cgroup v2 itself.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sockmap/common.sh"
need_sockmap

N=2000		# measured messages of the exact-count check
SIZE=100
before=$(bpf_snapshot)
stats=$T_TMP/sma.json
# After every process the test started is killed (registered later, so run first).
on_exit "sleep 0.3; $SMA --cleanup"

# ---- attach and redirect: every message of a ping-pong, both directions ----------------
sma_start sma --cgroup "bypass-t$$-sm" --stats-json "$stats" --stats-interval 0.1
cg=$SMA_CG
say "attached: cgroup $cg"
[ -d "$cg" ] || fail "cgroup $cg does not exist while sockmap-accel runs"
bpftool cgroup show "$cg" | grep -q sock_ops || fail "no sock_ops program on $cg"
[ "$(bpf_snapshot | grep -c -E '^[0-9]+: (sk_msg|sock_ops) ')" -ge 2 ] ||
	fail "sk_msg and sock_ops programs are not loaded"
port=$(free_port)
start_bg srv "${IN_CG[@]}" "$cg" "$SE" "tcp:127.0.0.1:$port"
wait_for "grep -q 'listening on' '$T_TMP/srv.log'" 5 || fail "sock-echo did not start"
"${IN_CG[@]}" "$cg" "$EG" "tcp:127.0.0.1:$port" --count "$N" --warmup 0 --size "$SIZE" --quiet \
	--json "$T_TMP/cell.json" || fail "echo-gen failed inside the cgroup"
sleep 0.3
sent=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["sent"])' \
	"$T_TMP/cell.json")
[ "$sent" = "$N" ] || fail "echo-gen sent $sent, expected $N"
# Window 1: one send per message each way, so the program ran exactly 2N times.
red=$(json_get "$stats" redirected_msgs)
bytes=$(json_get "$stats" redirected_bytes)
miss=$(json_get "$stats" missed_msgs)
added=$(json_get "$stats" socks_added)
say "redirected $red messages, $bytes B, missed $miss, sockets added $added"
[ "$red" = $((2 * N)) ] || fail "redirected $red messages, expected 2 x $N"
[ "$bytes" = $((2 * N * SIZE)) ] || fail "redirected $bytes B, expected $((2 * N * SIZE))"
[ "$miss" = 0 ] || fail "$miss messages went through TCP"
[ "$added" = 2 ] || fail "$added connection ends in the hash, expected 2"

# ---- nothing else is touched: a client outside the cgroup goes through TCP -------------
"$EG" "tcp:127.0.0.1:$port" --count 200 --warmup 0 --size "$SIZE" --quiet \
	--json "$T_TMP/out.json" || fail "echo-gen outside the cgroup failed"
sleep 0.3
[ "$(json_get "$stats" redirected_msgs)" = "$red" ] ||
	fail "a connection from outside the cgroup was redirected"
say "a client outside the cgroup: not redirected ($(json_get "$stats" missed_msgs) sends of" \
	"the server's end passed to TCP)"

# ---- a second instance is refused ----------------------------------------------------------
check 1 "another sockmap-accel is active (pid $sma" "$SMA" --cgroup "bypass-t$$-sm2"
[ ! -e "${cg%/*}/bypass-t$$-sm2" ] || fail "the refused instance made its cgroup"

# ---- SIGTERM: detached, cgroup gone, state gone ---------------------------------------------
kill "$srv"
wait_exit "$srv" 5 || fail "sock-echo did not stop"
kill -TERM "$sma"
wait_exit "$sma" 5 || fail "sockmap-accel still runs 5 s after SIGTERM"
[ "$WAIT_RC" = 0 ] || fail "sockmap-accel exited $WAIT_RC after SIGTERM"
sma=
grep -q "redirected_msgs $((2 * N))" "$T_TMP/sma.log" || fail "no final counters printed"
[ ! -e "$cg" ] || fail "SIGTERM left the cgroup $cg"
[ ! -e /run/sockmap-accel ] || fail "SIGTERM left /run/sockmap-accel"
bpf_back_to "$before" || fail "SIGTERM left BPF programs or attachments: $(bpf_snapshot)"
say "SIGTERM: no cgroup, no program, no attachment, no state left"

# ---- SIGKILL: the kernel detaches; the next start removes the cgroup -----------------------
sma_start sma --cgroup "bypass-t$$-k1" --stats-json "$stats"
cg1=$SMA_CG
kill -KILL "$sma"
wait_exit "$sma" 5 || true
sma=
bpf_back_to "$before" || fail "SIGKILL left BPF programs or attachments: $(bpf_snapshot)"
[ -d "$cg1" ] || fail "expected the killed instance's cgroup $cg1 to remain"
sma_start sma --cgroup "bypass-t$$-k2" --stats-json "$stats"
grep -q "removed cgroup $cg1, left by a killed sockmap-accel" "$T_TMP/sma.log" ||
	fail "the next start did not say it removed $cg1"
[ ! -e "$cg1" ] || fail "the next start left the stale cgroup $cg1"
cg2=$SMA_CG
kill -KILL "$sma"
wait_exit "$sma" 5 || true
sma=
"$SMA" --cleanup >"$T_TMP/cleanup.log" 2>&1 || fail "--cleanup failed: $(cat "$T_TMP/cleanup.log")"
[ ! -e "$cg2" ] || fail "--cleanup left the stale cgroup $cg2"
[ ! -e /run/sockmap-accel ] || fail "--cleanup left /run/sockmap-accel"
bpf_back_to "$before" || fail "SIGKILL left BPF programs or attachments: $(bpf_snapshot)"
say "SIGKILL: programs detached by the kernel; stale cgroup removed by the next start and" \
	"by --cleanup"

# ---- no cgroup v2 mounted: it mounts its own, privately, and unmounts it ------------------
# A private mount namespace without any cgroup2 mount (a cgroup v1 host).
cat >"$T_TMP/nocg2.sh" <<'EOS'
set -eu
awk '$3 == "cgroup2" {print $2}' /proc/self/mounts | sort -r | while read -r m; do
	umount -l "$m"
done
! grep -qw cgroup2 /proc/self/mounts || { echo "cgroup2 still mounted"; exit 1; }
"$SMA" --cgroup nocg2 --stats-json "$STATS" --stats-interval 0.1 &
pid=$!
for i in $(seq 50); do [ -s "$STATS" ] && break; sleep 0.1; done
cg=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cgroup"])' "$STATS")
[ "$cg" = /run/sockmap-accel/cgroup2/nocg2 ] || { echo "cgroup $cg"; exit 1; }
grep -q ' /run/sockmap-accel/cgroup2 cgroup2 ' /proc/self/mounts || { echo "not mounted"; exit 1; }
sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$SE" "tcp:127.0.0.1:$PORT" --quiet &
srv=$!
sleep 0.5
sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$EG" "tcp:127.0.0.1:$PORT" --count 100 \
	--warmup 0 --quiet --json "$STATS.cell"
kill $srv; wait $srv || true
sleep 0.3
echo "redirected $(/usr/bin/python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["redirected_msgs"])' "$STATS")"
kill -TERM $pid; wait $pid
! grep -q ' /run/sockmap-accel/cgroup2 ' /proc/self/mounts || { echo "still mounted"; exit 1; }
[ ! -e /run/sockmap-accel ] || { echo "/run/sockmap-accel left"; exit 1; }
echo "unmounted"
EOS
SMA=$SMA SE=$SE EG=$EG STATS=$T_TMP/nocg2.json PORT=$(free_port) \
	unshare -m --propagation private bash "$T_TMP/nocg2.sh" >"$T_TMP/nocg2.log" 2>&1 ||
	fail "without cgroup2: $(tail -3 "$T_TMP/nocg2.log")"
grep -q '^redirected 200$' "$T_TMP/nocg2.log" ||
	fail "without cgroup2: expected 200 redirected: $(tail -3 "$T_TMP/nocg2.log")"
grep -q '^unmounted$' "$T_TMP/nocg2.log" || fail "without cgroup2: $(tail -3 "$T_TMP/nocg2.log")"
[ ! -e /run/sockmap-accel ] || fail "the private cgroup2 run left /run/sockmap-accel"
bpf_back_to "$before" || fail "left BPF programs or attachments: $(bpf_snapshot)"
say "no cgroup v2 mounted: mounted its own at /run/sockmap-accel/cgroup2, redirected, unmounted"
say "ok"
