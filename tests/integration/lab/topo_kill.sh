#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab topo down` after a run killed with SIGKILL mid-cell leaves no namespace,
# interface, socket file, DPDK runtime folder or process behind: once in a Unix-socket cell
# (socket file, sock-echo, echo-gen) and once in a net_tap cell (netns, tap, bypass-echo).
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/lab/common.sh"
need_root
need_cmd ip flock /usr/bin/python3

RUN=/run/bypasslab
lab_need_programs

cat >"$T_TMP/long.conf" <<'M'
# Cells long enough to be killed in the middle of.
paths = uds-stream net_tap
sizes = 18
cells = latency
duration_s = 30
warmup_s = 0.2
throughput_window = 8
timeout_ms = 200
client_cpus = 0
server_cpus = 1
M

# Everything of the lab that exists now, one line each; empty when nothing does.
leftovers() {
	local ns
	for ns in bypass-tap bypass-peer; do
		ip netns list | awk '{print $1}' | grep -qx "$ns" && echo "netns $ns"
	done
	ip link show bypass-veth1 >/dev/null 2>&1 && echo "interface bypass-veth1"
	[ -e "$RUN" ] && echo "folder $RUN: $(ls "$RUN" | tr '\n' ' ')"
	ls -d /var/run/dpdk/bypasslab* 2>/dev/null | sed 's/^/dpdk runtime /'
	for p in $pids; do
		# A pid the lab started that still runs the same program (a zombie has exited; only
		# its new parent, init, has yet to reap it).
		[ -e "/proc/$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = "${comm[$p]}" ] &&
			! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null &&
			echo "process $p (${comm[$p]})"
	done
	return 0
}

declare -A comm
# Start a run, wait until the cell of $1 runs with its server, kill the lab with SIGKILL.
kill_midway() {
	local path=$1 want=$2 i f p
	on_exit "'$LAB' topo down"
	"$LAB" run --matrix "$T_TMP/long.conf" --paths "$path" --out "$T_TMP/run-$path" \
		>"$T_TMP/run-$path.log" 2>&1 &
	local lab_pid=$!
	for ((i = 0; i < 300; i++)); do
		[ -e "$RUN/client.pid" ] && [ -e "$RUN/server-$path.pid" ] && eval "$want" && break
		kill -0 "$lab_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -e "$RUN/client.pid" ] || {
		cat "$T_TMP/run-$path.log" "$T_TMP/run-$path"/logs/*.server.log
		fail "$path: the cell never started"
	}
	eval "$want" || { cat "$T_TMP/run-$path.log"; fail "$path: '$want' never became true"; }
	sleep 0.5
	pids=""
	for f in "$RUN"/*.pid; do
		read -r p _ <"$f"
		pids+=" $p"
		comm[$p]=$(cat "/proc/$p/comm" 2>/dev/null || echo gone)
	done
	kill -KILL "$lab_pid"
	wait "$lab_pid" 2>/dev/null || true
	say "$path: lab killed mid-cell; left" \
		"running:$(for p in $pids; do printf ' %s(%s)' "$p" "${comm[$p]}"; done)"
	[ -n "$(leftovers)" ] || fail "$path: nothing was left running: the test did not test" \
		"anything"
	"$LAB" topo down
	left=$(leftovers)
	[ -z "$left" ] || fail "$path: after topo down still present: $left"
	"$LAB" topo status >/dev/null || fail "$path: topo status disagrees: $("$LAB" topo status)"
	say "$path: topo down left nothing behind"
}

kill_midway uds-stream '[ -S "$RUN/uds-stream.sock" ]'
if [ -x "$BUILD_DIR/app/bypass-echo/bypass-echo" ] && [ "$(hugepages_free)" -ge 64 ] &&
	[ -c /dev/net/tun ]; then
	kill_midway net_tap 'ip -n bypass-tap link show bypass-tap0 >/dev/null 2>&1'
else
	say "net_tap round not run: needs bypass-echo, /dev/net/tun and 64 free hugepages"
fi
say "PASS"
