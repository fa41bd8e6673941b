#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault: a flood against the mempool. A pool too small to hold the RX ring, the bursts in hand
# and the lcore caches would run dry with frames waiting (and DPDK 22.11's net_tap then stops
# reading for good), so bypass-echo refuses such a profile with a line that says how many mbufs
# it needs. With the pool it sizes itself (the same rings: 500 RX, 64 TX descriptors), a bounded
# flood from the kernel side that outruns the worker never empties it: the excess is dropped in
# the kernel's queue in front of the tap and counted there, every frame the tap's reader took is
# judged by the stack, rx_nombuf stays 0, and ping and UDP work at once afterwards.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd ip ping taskset "$PY"
need_hugepages 64

FLOOD_FRAMES=400000
FLOOD_SECONDS=2
RECOVERY_PINGS=20 # 0.1 s each
TAP_QUEUE_FRAMES=64
ns=$(robust_netns pool)
tap="blpool$$"
prefix="bl-pool$$"
stats="$T_TMP/stats.json"
cat >"$T_TMP/tight.conf" <<EOF
# The RX ring holds 500 mbufs, so 11 would be left for bursts and caches: refused.
eal = --no-pci --vdev=net_tap0,iface=$tap,mac=$OUR_MAC
ip = 198.18.0.2/24
rx_desc = 500
tx_desc = 64
mbufs = 511
EOF
rc=0
ip netns exec "$ns" timeout 20 "$BE" -l 0,1 --file-prefix="$prefix" --log-level='*:error' -- \
	--profile "$T_TMP/tight.conf" >"$T_TMP/tight.out" 2>&1 || rc=$?
on_exit "rm -rf /var/run/dpdk/$prefix"
grep -q "mbufs = 511 is too few for 1 queue(s) of 500 RX and 64 TX descriptors" "$T_TMP/tight.out" &&
	grep -q "give at least" "$T_TMP/tight.out" && [ "$rc" -eq 1 ] ||
	{ cat "$T_TMP/tight.out"; fail "an undersized pool was not refused (exit $rc)"; }
! ip -n "$ns" link show "$tap" >/dev/null 2>&1 || fail "refused, but tap $tap was left behind"
say "refused: $(grep -o 'mbufs = 511 is too few.*' "$T_TMP/tight.out")"
sed -i '/^mbufs = /d' "$T_TMP/tight.conf"
# The profile carries the EAL line: no --vdev from tap_echo_start.
# shellcheck disable=SC2034
TAP_EAL=()
tap_echo_start "$ns" "$tap" "$prefix" echo_pid --profile "$T_TMP/tight.conf" --udp-port 7 \
	--stats-json "$stats"
ip -n "$ns" addr add 198.18.0.1/24 dev "$tap"
# A short kernel queue in front of the tap (64 frames, not 1000): a flood that outruns the
# worker fills it at once, so the pool runs dry while frames wait, every run.
ip -n "$ns" link set "$tap" txqueuelen $TAP_QUEUE_FRAMES
ip netns exec "$ns" ping -c 3 -i 0.05 -W 1 198.18.0.2 >/dev/null || fail "no ping before the flood"

# UDP echo requests from a host the kernel does not know (02:00:00:00:00:03, 198.18.0.9):
# their replies are not for the kernel's MAC and die at its Ethernet layer.
frame=$("$PY" -c '
from scapy.all import Ether, IP, UDP, Raw
print(bytes(Ether(dst="'"$OUR_MAC"'", src="02:00:00:00:00:03") /
            IP(src="198.18.0.9", dst="198.18.0.2") / UDP(sport=40000, dport=7) /
            Raw(b"x" * 18)).hex())')
kstat() { ip netns exec "$ns" cat "/sys/class/net/$tap/statistics/$1"; }
ktx0=$(kstat tx_packets)
kdrop0=$(kstat tx_dropped)
rx0=$(tel "$prefix" rx)
nombuf0=$(tel_eth "$prefix" rx_nombuf)
ip netns exec "$ns" taskset -c 0 "$ROBUST_BIN/raw_flood" --iface "$tap" --frame "$frame" \
	--count $FLOOD_FRAMES --seconds $FLOOD_SECONDS | tee "$T_TMP/flood.txt"
t_end=$(date +%s%N)
# Recovery: the first ping answered after the flood.
recovered=0
for ((i = 0; i < RECOVERY_PINGS; i++)); do
	if ip netns exec "$ns" ping -c 1 -W 0.1 198.18.0.2 >/dev/null 2>&1; then
		recovered=1
		break
	fi
done
recovery_ms=$((($(date +%s%N) - t_end) / 1000000))
# The tun queue is FIFO: once a ping is answered, every frame before it has been read. The
# kernel counts a frame in tx_packets when the tap's reader takes it, in tx_dropped when the
# queue was full.
ktx=$(($(kstat tx_packets) - ktx0))
kdrop=$(($(kstat tx_dropped) - kdrop0))
rx=$(($(tel "$prefix" rx) - rx0))
nombuf=$(($(tel_eth "$prefix" rx_nombuf) - nombuf0))
say "flood: the tap's reader took $ktx frames from the kernel ($kdrop dropped on a full tun" \
	"queue); bypass-echo judged $rx, rx_nombuf $nombuf"
[ "$kdrop" -gt 0 ] || fail "the flood never outran the worker (no kernel drops): no fault produced"
[ "$nombuf" -eq 0 ] || fail "the self-sized pool ran dry $nombuf times"
# Every frame the PMD read is judged by the stack.
[ "$ktx" -eq "$rx" ] || fail "frames unaccounted for: the tap gave $ktx, bypass-echo judged $rx"
if [ "$recovered" = 1 ]; then
	say "first ping answered $recovery_ms ms after the flood"
	out=$(ip netns exec "$ns" ping -c 20 -i 0.01 -W 1 198.18.0.2) || true
	echo "$out" | grep -q ' 20 received' || fail "ping after the flood: expected 20 of 20 replies"
	ip netns exec "$ns" "$PY" "$SOURCE_DIR/tests/integration/bypass/udp_echo_check.py" \
		198.18.0.2 7 0 18 1472 >/dev/null || fail "UDP echo after the flood"
else
	# Say what the wedge looks like before the exit checks below.
	rx_a=$(tel "$prefix" rx)
	kdrop_a=$(kstat tx_dropped)
	ip netns exec "$ns" ping -c 3 -i 0.1 -W 0.2 198.18.0.2 >/dev/null 2>&1 || true
	say "no ping answered in $recovery_ms ms; 3 more pings: bypass-echo's rx $rx_a ->" \
		"$(tel "$prefix" rx), the kernel's tap drops +$(($(kstat tx_dropped) - kdrop_a))" \
		"(its queue stays full: the PMD no longer reads it)"
fi

echo_stop "$echo_pid" "$T_TMP/echo_pid.log"
sed -n '/^final counters/,$p' "$T_TMP/echo_pid.log"
echo_exit_check "$T_TMP/echo_pid.log" "$stats"
[ "$recovered" = 1 ] || fail "service did not recover after the flood: no reply for" \
	"$recovery_ms ms"
say "PASS: undersized pool refused; the sized pool never ran dry under a flood ($ktx frames" \
	"judged, $kdrop dropped in the kernel's queue); service back within $recovery_ms ms; exit in" \
	"$STOP_MS ms; mbufs $MBUFS_START at start and at stop, 0 after close"
