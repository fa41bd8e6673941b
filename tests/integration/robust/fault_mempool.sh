#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault: a flood that empties the mempool. bypass-echo on net_tap with a pool barely larger than
# its RX ring (a profile with mbufs = 511, rx_desc = 500: 11 spare), a bounded flood from the
# kernel side. The pool runs dry (rx_nombuf), polling goes on, every frame the kernel handed to
# the tap is either judged by the stack or counted as rx_nombuf, and afterwards ping and UDP
# work at once and every mbuf is back.
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
# The RX ring holds 500 mbufs, so 11 are left for bursts in flight: a burst of 12 frames
# finds the pool empty. (The pool cannot be smaller: its 256-mbuf per-lcore cache needs 384.)
eal = --no-pci --vdev=net_tap0,iface=$tap,mac=$OUR_MAC
ip = 198.18.0.2/24
rx_desc = 500
tx_desc = 64
mbufs = 511
EOF
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
[ "$nombuf" -gt 0 ] || fail "the pool never ran dry (rx_nombuf 0): the fault was not produced"
# Every frame the PMD read is either judged by the stack or lost as rx_nombuf.
[ "$ktx" -eq $((rx + nombuf)) ] ||
	fail "frames unaccounted for: the tap gave $ktx, bypass-echo judged $rx + rx_nombuf $nombuf"
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
[ "$recovered" = 1 ] || fail "service did not recover after the pool ran dry: no reply for" \
	"$recovery_ms ms (net_tap wedges after rx_nombuf; see docs/robustness.md)"
say "PASS: pool ran dry $nombuf times under a flood of $ktx frames, all accounted for;" \
	"service back within $recovery_ms ms; exit in $STOP_MS ms; mbufs $MBUFS_START at start" \
	"and at stop, 0 after close"
