#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault: the link goes down and up under traffic. bypass-echo on net_tap takes a paced flood of
# UDP echo requests; the tap's kernel side goes down for a second and comes back. bypass-echo
# sees both changes, nothing reaches it while the link is down, it announces itself with a
# gratuitous ARP when the link returns and answers again without a restart.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd ip ping taskset "$PY"
need_hugepages 64

FLOOD_PPS=20000
FLOOD_SECONDS=4
DOWN_SECONDS=1
ns=$(robust_netns link)
tap="bllink$$"
prefix="bl-link$$"
stats="$T_TMP/stats.json"

tap_echo_start "$ns" "$tap" "$prefix" echo_pid --ip 198.18.0.2/24 --udp-port 7 \
	--stats-json "$stats"
ip -n "$ns" addr add 198.18.0.1/24 dev "$tap"
ip netns exec "$ns" ping -c 3 -i 0.05 -W 1 198.18.0.2 >/dev/null || fail "no ping before the fault"
kstat() { ip netns exec "$ns" cat "/sys/class/net/$tap/statistics/$1"; }
kdrop0=$(kstat tx_dropped)
start_bg garp ip netns exec "$ns" "$PY" "$ROBUST_DIR/garp_watch.py" "$tap" "$OUR_MAC" \
	198.18.0.2 15
wait_for "grep -q watching $T_TMP/garp.log" 10 || fail "garp_watch did not start"

# Requests from a host the kernel does not know: their replies die at its Ethernet layer.
frame=$("$PY" -c '
from scapy.all import Ether, IP, UDP, Raw
print(bytes(Ether(dst="'"$OUR_MAC"'", src="02:00:00:00:00:03") /
            IP(src="198.18.0.9", dst="198.18.0.2") / UDP(sport=40000, dport=7) /
            Raw(b"x" * 18)).hex())')
start_bg flood ip netns exec "$ns" taskset -c 0 "$ROBUST_BIN/raw_flood" --iface "$tap" \
	--frame "$frame" --count $((FLOOD_PPS * FLOOD_SECONDS)) --seconds $FLOOD_SECONDS \
	--rate $FLOOD_PPS
sleep 1
rx_before=$(tel "$prefix" rx)
[ "$rx_before" -gt 1000 ] || fail "the flood does not reach bypass-echo (rx $rx_before)"
ip -n "$ns" link set "$tap" down
wait_for "[ \$(grep -c 'link down' $T_TMP/echo_pid.log) -ge 1 ]" 5 ||
	fail "bypass-echo did not see the link go down"
rx_down=$(tel "$prefix" rx)
sleep $DOWN_SECONDS
rx_down_end=$(tel "$prefix" rx)
t_up=$(date +%s%N)
ip -n "$ns" link set "$tap" up
wait_for "[ \$(grep -c 'link up' $T_TMP/echo_pid.log) -ge 1 ]" 5 ||
	fail "bypass-echo did not see the link come back"
for ((i = 0; i < 50; i++)); do
	ip netns exec "$ns" ping -c 1 -W 0.1 198.18.0.2 >/dev/null 2>&1 && break
done
recovery_ms=$((($(date +%s%N) - t_up) / 1000000))
[ "$i" -lt 50 ] || fail "no ping answered within 5 s of link up"
say "link down: rx $rx_before before, $rx_down once down, $rx_down_end ${DOWN_SECONDS} s later;" \
	"first ping answered $recovery_ms ms after link up"
[ "$rx_down_end" -eq "$rx_down" ] || fail "frames reached bypass-echo while its link was down"

wait_exit "$flood" $((FLOOD_SECONDS + 5)) || fail "the flood did not end in time"
cat "$T_TMP/flood.log"
kdrop=$(($(kstat tx_dropped) - kdrop0))
failed=$(sed -n 's/.*, \([0-9]*\) failed.*/\1/p' "$T_TMP/flood.log")
[ "${failed:-0}" -gt 0 ] || fail "the kernel refused no frame while the link was down"
garp_ns=$(sed -n 's/^garp //p' "$T_TMP/garp.log" | awk -v t="$t_up" '$1 > t' | head -1)
[ -n "$garp_ns" ] || fail "no gratuitous ARP after the link came back"
say "gratuitous ARP $(((garp_ns - t_up) / 1000000)) ms after link up"
out=$(ip netns exec "$ns" ping -c 20 -i 0.01 -W 1 198.18.0.2) || true
echo "$out" | grep -q ' 20 received' || fail "ping after the fault: expected 20 of 20 replies"
ip netns exec "$ns" "$PY" "$SOURCE_DIR/tests/integration/bypass/udp_echo_check.py" \
	198.18.0.2 7 0 18 1472 >/dev/null || fail "UDP echo after the fault"

echo_stop "$echo_pid" "$T_TMP/echo_pid.log"
sed -n '/^final counters/,$p' "$T_TMP/echo_pid.log"
echo_exit_check "$T_TMP/echo_pid.log" "$stats"
changes=$(json_get "$stats" 's["link_changes"]')
[ "$changes" -eq 2 ] || fail "link_changes $changes, expected 2 (down, up)"
tx_dropped=$(json_get "$stats" 's["tx_dropped"]')
say "PASS: link down and up under $FLOOD_PPS pps: $failed requests refused by the kernel while" \
	"down, $kdrop lost in its tap queue, $tx_dropped replies dropped by bypass-echo," \
	"link_changes 2; served again" \
	"$recovery_ms ms after link up, no restart; exit in $STOP_MS ms; mbufs back"
