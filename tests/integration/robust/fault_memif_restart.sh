#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault: the memif peer is killed (SIGKILL, no goodbye) and restarted. bypass-echo serves
# net_memif (role=server); its peer (role=client) is killed in turn during paced echoes and
# during a flood, CYCLES times. Each time bypass-echo must see the link go down and stay alive,
# and a new peer must get its ARP answered and 1000 exact echoes at once, with no restart.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd taskset "$PY"
need_hugepages 128

CYCLES=4 # every kill can race the PMD's unmap against the worker (docs/robustness.md)
KILL_AFTER_S=0.5
PEER_BOUND_S=20 # a killed peer never gets there; a bound all the same
prefix="bl-mrst$$"
stats="$T_TMP/stats.json"
log="$T_TMP/echo_pid.log"

memif_echo_start server "$prefix" echo_pid --stats-json "$stats"
wait_for "memif_serving $T_TMP/echo_pid.log" 20 || fail "bypass-echo did not start its memif port"

loads=("--check 1000000 --interval-us 20" "--flood 1000000000 --seconds $PEER_BOUND_S")
for ((cycle = 1; cycle <= CYCLES; cycle++)); do
	load=${loads[cycle % 2]}
	pp="bl-mrstp$$-$cycle"
	on_exit "rm -rf /var/run/dpdk/$pp"
	# shellcheck disable=SC2086
	start_bg "victim$cycle" memif_peer_exec client "$pp" $load
	victim_var="victim$cycle"
	wait_for "grep -q '^memif_peer: arp' $T_TMP/$victim_var.log" 20 || {
		echo_alive_or_fail "$echo_pid" "peer $cycle connected"
		fail "peer $cycle: no ARP answer: $(tail -2 "$T_TMP/$victim_var.log")"
	}
	sleep $KILL_AFTER_S
	rx_kill=$(tel "$prefix" rx)
	# The main lcore samples the link every 100 ms: count the downs it printed so far.
	downs=$(grep -c '^bypass-echo: link down' "$log" || true)
	t_kill=$(date +%s%N)
	kill -9 "${!victim_var}"
	wait_for "[ \$(grep -c '^bypass-echo: link down' $log) -gt $downs ]" 5 || {
		echo_alive_or_fail "$echo_pid" "its memif peer was killed (${load%% *} load)"
		fail "bypass-echo did not see the link go down after its peer was killed"
	}
	down_ms=$((($(date +%s%N) - t_kill) / 1000000))
	sleep 0.2
	echo_alive_or_fail "$echo_pid" "its memif peer was killed (${load%% *} load)"
	say "cycle $cycle: peer killed under ${load%% *} load after rx $rx_kill; link down seen" \
		"within $down_ms ms; bypass-echo alive"

	# A new peer: served at once.
	pp="bl-mrstn$$-$cycle"
	on_exit "rm -rf /var/run/dpdk/$pp"
	t0=$(date +%s%N)
	(memif_peer_exec client "$pp" --check 1000) >"$T_TMP/peer$cycle.log" 2>&1 || {
		echo_alive_or_fail "$echo_pid" "new peer $cycle connected"
		fail "new peer $cycle: $(grep -v '^EAL\|^TELEMETRY\|mp action' "$T_TMP/peer$cycle.log")"
	}
	total_ms=$((($(date +%s%N) - t0) / 1000000))
	grep '^memif_peer:' "$T_TMP/peer$cycle.log"
	say "cycle $cycle: new peer linked in $(peer_field "$T_TMP/peer$cycle.log" link up_ms) ms," \
		"ARP answered in $(peer_field "$T_TMP/peer$cycle.log" arp ms) ms, 1000/1000 exact" \
		"echoes; $total_ms ms from its start to its exit"
	echo_alive_or_fail "$echo_pid" "a new peer came and went"
done

echo_stop "$echo_pid" "$log"
sed -n '/^final counters/,$p' "$log"
echo_exit_check "$log" "$stats"
changes=$(json_get "$stats" 's["link_changes"]')
# At least every kill's down; a short-lived peer's up and down can fall between two samples.
[ "$changes" -ge "$CYCLES" ] || fail "link_changes $changes, expected at least $CYCLES"
say "PASS: memif peer killed $CYCLES times (paced and flood), link down seen each time," \
	"bypass-echo served each new peer at once without a restart; link_changes $changes;" \
	"exit in $STOP_MS ms; mbufs back"
