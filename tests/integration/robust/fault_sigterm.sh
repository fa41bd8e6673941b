#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault: a stop signal in the middle of a flood. SIGTERM to bypass-echo on net_tap under a flood
# from the kernel side, then SIGINT to bypass-echo on net_memif under a flood from memif_peer.
# Each time: exit 0 within a second, final counters printed and balanced, every mbuf back in the
# pool (and the pool freed), no hugepage file left.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd ip taskset "$PY"
need_hugepages 128

FLOOD_FRAMES=2000000
FLOOD_SECONDS=3
STOP_AFTER_S=1

# stopped_mid_flood LOG JSON: the flood was still running when the signal came.
stopped_mid_flood() {
	local rx
	rx=$(json_get "$2" 's["rx"]')
	[ "$rx" -gt 1000 ] || fail "only $rx frames reached bypass-echo before the signal"
	sed -n '/^final counters/,$p' "$1"
}

# --- net_tap, SIGTERM ---
ns=$(robust_netns term)
tap="blterm$$"
prefix="bl-term$$"
stats="$T_TMP/tap.json"
tap_echo_start "$ns" "$tap" "$prefix" tap_echo --ip 198.18.0.2/24 --udp-port 7 \
	--stats-json "$stats"
frame=$("$PY" -c '
from scapy.all import Ether, IP, UDP, Raw
print(bytes(Ether(dst="'"$OUR_MAC"'", src="02:00:00:00:00:03") /
            IP(src="198.18.0.9", dst="198.18.0.2") / UDP(sport=40000, dport=7) /
            Raw(b"x" * 18)).hex())')
start_bg flood ip netns exec "$ns" taskset -c 0 "$ROBUST_BIN/raw_flood" --iface "$tap" \
	--frame "$frame" --count $FLOOD_FRAMES --seconds $FLOOD_SECONDS
sleep $STOP_AFTER_S
kill -0 "$flood" 2>/dev/null || fail "the flood ended before the signal: $(cat "$T_TMP/flood.log")"
echo_stop "$tap_echo" "$T_TMP/tap_echo.log"
say "net_tap: SIGTERM mid-flood, exit 0 after $STOP_MS ms"
stopped_mid_flood "$T_TMP/tap_echo.log" "$stats"
echo_exit_check "$T_TMP/tap_echo.log" "$stats"
wait_exit "$flood" $((FLOOD_SECONDS + 5)) || fail "the flood did not end"
cat "$T_TMP/flood.log" # the tap vanished under it: the rest of its frames failed

# --- net_memif, SIGINT ---
prefix="bl-int$$"
stats="$T_TMP/memif.json"
memif_echo_start server "$prefix" memif_echo --stats-json "$stats"
wait_for "memif_serving $T_TMP/memif_echo.log" 20 || fail "bypass-echo did not start its memif port"
start_bg peer memif_peer_exec client "bl-intp$$" --flood 1000000000 --seconds $FLOOD_SECONDS
on_exit "rm -rf /var/run/dpdk/bl-intp$$"
wait_for "grep -q '^memif_peer: arp' $T_TMP/peer.log" 20 || fail "the peer got no ARP answer"
sleep $STOP_AFTER_S
kill -0 "$peer" 2>/dev/null || fail "the peer's flood ended before the signal"
t0=$(date +%s%N)
kill -INT "$memif_echo"
wait_exit "$memif_echo" 5 || fail "bypass-echo still running 5 s after SIGINT"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$WAIT_RC" -eq 0 ] || fail "bypass-echo: exit $WAIT_RC after SIGINT (want 0)"
[ "$ms" -le "$EXIT_LIMIT_MS" ] || fail "bypass-echo took $ms ms to exit after SIGINT"
grep -q '^final counters after' "$T_TMP/memif_echo.log" || fail "no final counters at exit"
say "net_memif: SIGINT mid-flood, exit 0 after $ms ms"
stopped_mid_flood "$T_TMP/memif_echo.log" "$stats"
echo_exit_check "$T_TMP/memif_echo.log" "$stats"
wait_exit "$peer" $((FLOOD_SECONDS + 15)) || fail "the peer did not end after losing its server"
grep "^memif_peer: flood" "$T_TMP/peer.log" || cat "$T_TMP/peer.log"; echo "peer exit: $WAIT_RC"
say "PASS: SIGTERM (tap, $STOP_MS ms) and SIGINT (memif, $ms ms) mid-flood: exit 0, final" \
	"counters balanced, mbufs back, no hugepage files left"
