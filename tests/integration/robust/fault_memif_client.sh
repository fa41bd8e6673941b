#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault: bypass-echo is the memif client (drivers-conf/net_memif_client.conf's role) and its
# server is killed and restarted. bypass-echo must see the link go down, stay alive, and serve
# the restarted server without a restart of its own ("either side may restart and the link
# comes back").
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd taskset "$PY"
need_hugepages 128

RELINK_WAIT_S=10
prefix="bl-mcli$$"
stats="$T_TMP/stats.json"
log="$T_TMP/echo_pid.log"

# The server first: a memif client that finds no server fails to start.
start_bg server1 memif_peer_exec server "bl-mclis$$" --check 1000000 --interval-us 20
on_exit "rm -rf /var/run/dpdk/bl-mclis$$"
wait_for memif_listening 20 || fail "the peer's memif socket never appeared"
memif_echo_start client "$prefix" echo_pid --stats-json "$stats"
wait_for "grep -q '^memif_peer: arp' $T_TMP/server1.log" 20 ||
	fail "no ARP answer: $(tail -3 "$T_TMP/server1.log")"
sleep 0.5
kill -9 "$server1"
wait_for "grep -q '^bypass-echo: link down' $log" 5 || {
	echo_alive_or_fail "$echo_pid" "its memif server was killed"
	fail "bypass-echo did not see the link go down when its server was killed"
}
sleep 0.2
echo_alive_or_fail "$echo_pid" "its memif server was killed"
say "server killed: bypass-echo saw the link go down and is alive"

t0=$(date +%s%N)
start_bg server2 memif_peer_exec server "bl-mclit$$" --check 1000
on_exit "rm -rf /var/run/dpdk/bl-mclit$$"
# The new server's own check is the proof: it resolves bypass-echo by ARP and needs 1000 exact
# echoes, which only a reconnected client can give. (It may finish between two of bypass-echo's
# 100 ms link samples, so bypass-echo's "link up" line is not waited for.)
if ! wait_exit "$server2" "$RELINK_WAIT_S" || [ "$WAIT_RC" -ne 0 ]; then
	echo_alive_or_fail "$echo_pid" "its memif server came back"
	grep -v '^EAL\|^TELEMETRY\|mp action' "$T_TMP/server2.log" | tail -2
	echo_stop "$echo_pid" "$log"
	echo_exit_check "$log" "$stats"
	fail "bypass-echo (memif client) did not serve the restarted server within ${RELINK_WAIT_S} s"
fi
grep -q 'restarted to reconnect its memif client' "$log" ||
	fail "the restarted server was served, but bypass-echo never said it restarted its port"
say "restarted server served after $((($(date +%s%N) - t0) / 1000000)) ms:" \
	"$(grep '^memif_peer: check' "$T_TMP/server2.log")"
echo_stop "$echo_pid" "$log"
echo_exit_check "$log" "$stats"
say "PASS: memif server killed and restarted; bypass-echo (client) restarted its port and" \
	"reconnected without a process restart; exit in $STOP_MS ms; mbufs back"
