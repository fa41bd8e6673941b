# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Shared by the robustness tests: bypass-echo on net_tap in a namespace of our own, telemetry
# reads, and the checks every test ends with (exit 0 within a second, counters that balance,
# mbufs back at the start figure, nothing left behind). Source it after lib.sh.

BE="$BUILD_DIR/app/bypass-echo/bypass-echo"
ROBUST_DIR="$SOURCE_DIR/tests/integration/robust"
ROBUST_BIN="$BUILD_DIR/tests/integration/robust"
PY=/usr/bin/python3
TEL="$PY $ROBUST_DIR/telemetry.py"
# The golden frames' addresses: the stack is 02:00:00:00:00:01 / 198.18.0.2, the peer
# (the tap's kernel side) 02:00:00:00:00:02 / 198.18.0.1.
OUR_MAC=02:00:00:00:00:01
PEER_MAC=02:00:00:00:00:02
EXIT_LIMIT_MS=1000

[ -x "$BE" ] || skip "bypass-echo is not built ($BE)"
HUGE_BEFORE=$(ls /dev/hugepages 2>/dev/null | wc -l)

# robust_netns SUFFIX: a namespace with IPv6 off, so the kernel sends nothing on its own.
robust_netns() {
	local ns
	ns=$(netns_new "$1")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	echo "$ns"
}

# tap_echo_start NS TAP PREFIX LOGVAR [bypass-echo options after '--']...: bypass-echo on a tap
# with our MAC, the kernel side given the peer's MAC and brought up; waits until it serves.
# Its pid goes into the variable named LOGVAR, its output into $T_TMP/LOGVAR.log. The EAL
# device arguments are the array TAP_EAL when it is set (empty with a profile that has them).
tap_echo_start() {
	local ns=$1 tap=$2 prefix=$3 var=$4 eal
	shift 4
	eal=(--no-pci "--vdev=net_tap0,iface=$tap,mac=$OUR_MAC")
	[ -z "${TAP_EAL+set}" ] || eal=("${TAP_EAL[@]}")
	start_bg "$var" ip netns exec "$ns" "$BE" -l 0,1 --file-prefix="$prefix" \
		--log-level='*:warning' "${eal[@]}" -- "$@"
	on_exit "rm -rf /var/run/dpdk/$prefix"
	wait_for "ip -n $ns link show $tap" 20 || fail "tap $tap never appeared"
	ip -n "$ns" link set "$tap" address "$PEER_MAC"
	ip -n "$ns" link set "$tap" up
	wait_for "grep -q 'bypass-echo: serving' $T_TMP/$var.log" 20 ||
		fail "bypass-echo did not start serving"
	grep -q 'serving (link up)' "$T_TMP/$var.log" || fail "link of $tap not up"
	tap_peer_mac "$ns" "$tap" "$PEER_MAC"
}

# tel PREFIX KEY: one counter of /bypass/stats.
tel() {
	$TEL "$1" /bypass/stats "$2" || fail "telemetry of $1 did not answer /bypass/stats"
}

# tel_eth PREFIX KEY: one counter of the port's /ethdev/stats.
tel_eth() {
	$TEL "$1" /ethdev/stats,0 "$2" || fail "telemetry of $1 did not answer /ethdev/stats,0"
}

# echo_stop PID LOG: SIGTERM, then exit 0 within EXIT_LIMIT_MS with final counters printed;
# sets STOP_MS.
echo_stop() {
	local pid=$1 log=$2 t0
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait_exit "$pid" 5 || fail "bypass-echo still running 5 s after SIGTERM"
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	[ "$WAIT_RC" -eq 0 ] || fail "bypass-echo: exit $WAIT_RC after SIGTERM (want 0)"
	[ "$STOP_MS" -le "$EXIT_LIMIT_MS" ] ||
		fail "bypass-echo took $STOP_MS ms to exit after SIGTERM (limit $EXIT_LIMIT_MS)"
	grep -q '^final counters after' "$log" || fail "no final counters printed at exit"
}

# echo_exit_check LOG JSON [final_stats.py options]: after echo_stop, the balance line, the final
# JSON's counters balanced (final_stats.py: rx = replies + taken + drops, tx + tx_dropped =
# replies + tx_tcp, each verdict in one class; e.g. --tcp-idle), mbufs in use back at the start
# figure after the workers stopped and 0 after the port closed, no hugepage files left. Sets
# MBUFS_START.
echo_exit_check() {
	local log=$1 json=$2 stopped closed
	shift 2
	grep -q 'balance: rx [0-9]* = replies' "$log" || fail "balance line missing or !="
	$PY "$ROBUST_DIR/final_stats.py" "$json" "$@" || fail "final counters in $json do not balance"
	MBUFS_START=$(sed -n 's/.*, \([0-9]*\) mbufs in use at start/\1/p' "$log")
	stopped=$(sed -n 's/.*; \([0-9]*\) mbufs in use after the workers stopped/\1/p' "$log")
	closed=$(sed -n 's/.*: \([0-9]*\) mbufs in use after the port closed/\1/p' "$log")
	[ -n "$MBUFS_START" ] && [ "$MBUFS_START" = "$stopped" ] ||
		fail "mbufs in use: ${MBUFS_START:-?} at start, ${stopped:-?} when the workers stopped"
	[ "$closed" = 0 ] || fail "${closed:-?} mbufs still out of the pool after the port closed"
	[ "$(ls /dev/hugepages 2>/dev/null | wc -l)" -eq "$HUGE_BEFORE" ] ||
		fail "hugepage files left in /dev/hugepages"
}

# json_get FILE EXPR: a value from a JSON file, EXPR in Python over the object s.
json_get() {
	$PY -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# memif: bypass-echo and memif_peer share the control socket MEMIF_SOCK (DPDK 22.11 makes it an
# abstract socket: no file). The peer is 198.18.3.1, bypass-echo 198.18.3.2, UDP port 9.
MEMIF_SOCK="$T_TMP/memif.sock"

# echo_alive_or_fail PID WHAT: bypass-echo must still be running after WHAT (a memif peer that
# connects or goes away can crash it: see docs/robustness.md, open issue 3).
echo_alive_or_fail() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null && return 0
	wait_exit "$pid" 1
	fail "bypass-echo died (exit $WAIT_RC$([ "$WAIT_RC" -gt 128 ] &&
		echo ", signal $((WAIT_RC - 128))")) after $2: the memif PMD maps and unmaps the" \
		"peer's regions in its interrupt thread while the worker polls (docs/robustness.md)"
}

# memif_echo_start ROLE PREFIX VAR [bypass-echo options]...: bypass-echo on net_memif.
memif_echo_start() {
	local role=$1 prefix=$2 var=$3
	shift 3
	start_bg "$var" "$BE" -l 0,1 --no-pci --file-prefix="$prefix" --log-level='*:warning' \
		--vdev="net_memif0,role=$role,id=0,socket=$MEMIF_SOCK" -- --ip 198.18.3.2/24 \
		--udp-port 9 "$@"
	on_exit "rm -rf /var/run/dpdk/$prefix"
}

# memif_peer_exec ROLE PREFIX [memif_peer options]...: becomes memif_peer on CPU 0 (exec, so a
# background start's pid is the peer's own and kill -9 reaches it).
memif_peer_exec() {
	local role=$1 prefix=$2
	shift 2
	exec taskset -c 0 "$ROBUST_BIN/memif_peer" -l 0 --no-pci --in-memory \
		--file-prefix="$prefix" --log-level='*:warning' \
		--vdev="net_memif0,role=$role,id=0,socket=$MEMIF_SOCK" -- --src-ip 198.18.3.1 \
		--dst-ip 198.18.3.2 --port 9 "$@"
}

# memif_listening: the server's control socket is up.
memif_listening() {
	grep -q "@$MEMIF_SOCK\$" /proc/net/unix
}

# memif_serving LOG: bypass-echo, the memif server that logs to LOG, has started its port too
# (its start lines). The PMD listens from the moment EAL probes it, before the application has
# set up its queues, and a client that connects in between may never see the link come up.
memif_serving() {
	memif_listening && grep -q ' mbufs in use at start$' "$1"
}

# peer_field LOG PHASE KEY: a key=value of a memif_peer phase line.
peer_field() {
	sed -n "s/^memif_peer: $2 .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1" | tail -1
}
