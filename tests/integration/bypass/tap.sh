#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bypass-echo on net_tap in a namespace, against the kernel's own ARP, ping and UDP: resolution,
# 100/100 pings, exact UDP echoes, SIGTERM exit 0 within a second, balanced counters, mbufs back.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_root
need_cmd ip ping /usr/bin/python3
need_hugepages 64

BIN="$BUILD_DIR/app/bypass-echo/bypass-echo"
ns=$(netns_new tap)
tap="bltap$$"
prefix="bl-t$$"
stats="$T_TMP/stats.json"
huge_before=$(ls /dev/hugepages | wc -l)

start_bg echo_pid ip netns exec "$ns" "$BIN" -l 0,1 --no-pci --file-prefix="$prefix" \
	--vdev="net_tap0,iface=$tap" --log-level='*:warning' -- \
	--ip 198.18.0.2/24 --udp-port 7 --stats-json "$stats"
on_exit "rm -rf /var/run/dpdk/$prefix"
wait_for "ip -n $ns link show $tap" 20 || fail "tap $tap never appeared"
ip -n "$ns" link set "$tap" address 02:00:00:00:00:aa
ip -n "$ns" addr add 198.18.0.1/24 dev "$tap"
ip -n "$ns" link set "$tap" up
wait_for "grep -q 'bypass-echo: serving' $T_TMP/echo_pid.log" 20 || fail "bypass-echo did not start"
grep -q 'serving (link up)' "$T_TMP/echo_pid.log" || fail "link of $tap not up"
tap_peer_mac "$ns" "$tap" 02:00:00:00:00:aa

mac=$(sed -n 's/.*on port 0 (net_tap, \([0-9A-Fa-f:]*\)).*/\1/p' "$T_TMP/echo_pid.log")
say "bypass-echo up with MAC $mac"

out=$(ip netns exec "$ns" ping -c 100 -i 0.01 -W 1 198.18.0.2) || true
echo "$out" | tail -2
echo "$out" | grep -q ' 100 received' || {
	kill -USR1 "$echo_pid"
	ip -n "$ns" neigh >&2
	sleep 0.2
	fail "ping: expected 100 of 100 replies"
}

neigh=$(ip -n "$ns" neigh show 198.18.0.2)
say "ip neigh: $neigh"
echo "$neigh" | grep -qi "lladdr $mac" || fail "kernel did not resolve 198.18.0.2 to $mac by ARP"

ip netns exec "$ns" /usr/bin/python3 "$SOURCE_DIR/tests/integration/bypass/udp_echo_check.py" \
	198.18.0.2 7 0 1 18 512 1472 || fail "UDP echo mismatch"

# Telemetry: the same counters through DPDK's socket.
if command -v dpdk-telemetry.py >/dev/null; then
	tel=$(echo /bypass/stats | dpdk-telemetry.py -f "$prefix" 2>&1) || true
	echo "$tel" | grep -q '"reply_icmp": 100' || fail "telemetry /bypass/stats: $tel"
	tel=$(echo /bypass/lcores | dpdk-telemetry.py -f "$prefix" 2>&1) || true
	echo "$tel" | grep -q '"busy_cycles_per_pkt"' || fail "telemetry /bypass/lcores: $tel"
	say "telemetry /bypass/stats and /bypass/lcores answer"
fi

t0=$(date +%s%N)
kill -TERM "$echo_pid"
wait_exit "$echo_pid" 5 || fail "bypass-echo still running 5 s after SIGTERM"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
cat "$T_TMP/echo_pid.log"
[ "$WAIT_RC" -eq 0 ] || fail "exit code $WAIT_RC after SIGTERM"
[ "$ms" -le 1000 ] || fail "took $ms ms to exit after SIGTERM (limit 1000)"
say "SIGTERM: exit 0 after $ms ms"
[ ! -e "/var/run/dpdk/$prefix" ] || fail "EAL runtime directory /var/run/dpdk/$prefix left behind"

/usr/bin/python3 - "$stats" <<'PY' || fail "counters do not balance"
import json, sys
s = json.load(open(sys.argv[1]))
replies, drops = sum(s["replies"].values()), sum(s["drops"].values())
print(f"rx {s['rx']} replies {replies} drops {drops} icmp {s['replies']['icmp']} udp {s['replies']['udp']}")
assert s["rx"] == replies + drops, "rx != replies + drops"
assert s["replies"]["icmp"] == 100, "icmp replies"
assert s["replies"]["udp"] >= 5, "udp replies"
assert s["replies"]["arp"] >= 1, "arp replies"
assert s["tx"] + s["tx_dropped"] == replies, "tx + tx_dropped != replies"
# Every packet came in a poll that returned some: at least one each, at most a burst (32) each.
assert 0 < s["busy_polls"] <= s["rx"] <= 32 * s["busy_polls"], "busy_polls"
assert s["idle_polls"] > 0, "idle_polls"
for l in s["per_lcore"]:
    assert l["busy_polls"] == 0 or 1 <= l["pkts_per_busy_poll"] <= 32, l
PY
log="$T_TMP/echo_pid.log"
start=$(sed -n 's/.*, \([0-9]*\) mbufs in use at start/\1/p' "$log")
stopped=$(sed -n 's/.*; \([0-9]*\) mbufs in use after the workers stopped/\1/p' "$log")
closed=$(sed -n 's/.*: \([0-9]*\) mbufs in use after the port closed/\1/p' "$log")
[ -n "$start" ] && [ "$start" = "$stopped" ] || fail "mbufs in use: $start at start, $stopped at stop"
[ "$closed" = 0 ] || fail "$closed mbufs still out of the pool after the port closed"
[ "$(ls /dev/hugepages | wc -l)" -eq "$huge_before" ] || fail "hugepage files left in /dev/hugepages"
mib=$(sed -n "s/.*hugepage memory \([0-9.]*\) MiB.*/\1/p" "$log")
awk -v m="$mib" 'BEGIN { exit !(m > 0 && m < 256) }' || fail "hugepage footprint $mib MiB (limit 256)"
say "PASS: hugepage footprint $mib MiB; mbufs in use $start at start and at stop, 0 after close; no hugepage files left"
