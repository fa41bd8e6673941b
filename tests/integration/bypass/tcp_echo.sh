#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bypass-echo's TCP against the kernel's TCP (echo-gen tcp as the client) on net_tap or net_af_xdp
# (argument tap | af_xdp): 200 concurrent connections with messages of 18 B to 64 KiB and 1-17 B
# ones, 0 lost, 0 corrupt; 2000 open/echo/close cycles with tcbs_in_use and rtx_mbufs back to 0
# and every connection closed in order; 5 % netem loss on the kernel side survived with every
# message intact and the retransmissions counted on both sides; at SIGTERM the counters balance
# (rx = replies + taken + drops), no TCB or mbuf is left to tear down and mbufs are back at the
# start figure.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
driver=${1:?usage: tcp_echo.sh tap|af_xdp}
need_root
need_cmd ip tc nstat ethtool
need_hugepages 64
EG="$BUILD_DIR/app/echo-gen/echo-gen"
HERE="$SOURCE_DIR/tests/integration/bypass"
[ -x "$BE" ] && [ -x "$EG" ] || skip "bypass-echo or echo-gen is not built"
"$BE" -- --help 2>&1 | grep -q -- '--tcp-port' || fail "bypass-echo has no --tcp-port"

prefix="bl-tcp$$"
stats="$T_TMP/stats.json"
port=7
# Connections stay open until echo-gen's last reply; a lost segment costs the server an RTO
# (>= 200 ms, doubling): give every message plenty of time before it counts as lost.
timeout_ms=30000

case "$driver" in
tap)
	ns_srv=$(netns_new tcptap)
	ns_cli=$ns_srv
	kif="bltcp$$"
	ip=198.18.0.2
	eal=(--no-pci "--vdev=net_tap0,iface=$kif")
	;;
af_xdp)
	compgen -G "/usr/lib/*/dpdk/pmds-*/librte_net_af_xdp.so*" >/dev/null ||
		skip "DPDK has no net_af_xdp PMD here (Debian: librte-net-af-xdp23)"
	ns_srv=$(netns_new tcpxs)
	ns_cli=$(netns_new tcpxc)
	sif="blxs$$"
	kif="blxc$$"
	ip=198.18.2.2
	ip -n "$ns_srv" link add "$sif" type veth peer name "$kif" netns "$ns_cli"
	ip -n "$ns_srv" link set "$sif" up
	# The kernel leaves veth checksums to an offload that never happens (CHECKSUM_PARTIAL):
	# AF_XDP sees them raw. Segments bigger than the MTU (TSO, GSO) would not pass either.
	ip netns exec "$ns_cli" ethtool -K "$kif" tx off tso off gso off >/dev/null ||
		fail "ethtool -K $kif tx off failed"
	ip -n "$ns_cli" addr add 198.18.2.1/24 dev "$kif"
	ip -n "$ns_cli" link set "$kif" up
	eal=(--no-pci "--vdev=net_af_xdp0,iface=$sif,start_queue=0,queue_count=1")
	;;
*)
	fail "unknown driver '$driver': tap or af_xdp"
	;;
esac

start_bg echo_pid ip netns exec "$ns_srv" "$BE" -l 0,1 --file-prefix="$prefix" \
	--log-level='*:warning' "${eal[@]}" -- --ip "$ip/24" --tcp-port "$port" \
	--stats-json "$stats"
on_exit "rm -rf /var/run/dpdk/$prefix"
if [ "$driver" = tap ]; then
	wait_for "ip -n $ns_srv link show $kif" 20 || fail "tap $kif never appeared"
	ip -n "$ns_cli" link set "$kif" address 02:00:00:00:00:aa
	ip -n "$ns_cli" addr add 198.18.0.1/24 dev "$kif"
	ip -n "$ns_cli" link set "$kif" up
fi
wait_for "grep -q 'bypass-echo: serving' $T_TMP/echo_pid.log" 30 ||
	fail "bypass-echo did not start serving on $driver"
[ "$driver" != tap ] || tap_peer_mac "$ns_cli" "$kif" 02:00:00:00:00:aa
say "bypass-echo serving TCP port $port at $ip on net_$driver"

# tcp_stats: /bypass/tcp as JSON; tcp_get KEY: one of its counters.
tcp_stats() {
	$TEL "$prefix" /bypass/tcp || fail "telemetry of $prefix did not answer /bypass/tcp"
}
tcp_get() {
	$TEL "$prefix" /bypass/tcp "$1" || fail "telemetry /bypass/tcp has no $1"
}
# wait_idle SECONDS: every connection gone and nothing held for retransmission.
wait_idle() {
	wait_for "[ \"\$($TEL $prefix /bypass/tcp tcbs_in_use rtx_mbufs | tr '\n' ' ')\" = '0 0 ' ]" \
		"$1"
}
# deltas BEFORE_JSON AFTER_JSON KEY...: how much each key moved, on one line.
deltas() {
	$PY -c 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(*(b[k] - a[k] for k in sys.argv[3:]))' "$@"
}
eg() {
	ip netns exec "$ns_cli" "$EG" "tcp:$ip:$port" --timeout "$timeout_ms" -q "$@"
}

# 1. 200 concurrent connections, 18 B to 64 KiB. echo-gen connects every flow before the first
# message, so 200 TCBs are open at once: the sampled peak of tcbs_in_use shows it.
say "1. 200 concurrent connections, messages of 18 B, 1000 B, 16 KiB, 64 KiB"
(
	peak=0
	while [ ! -e "$T_TMP/p1.done" ]; do
		n=$($TEL "$prefix" /bypass/tcp tcbs_in_use 2>/dev/null) || n=0
		[ "$n" -le "$peak" ] || peak=$n
		echo "$peak" >"$T_TMP/peak"
		sleep 0.05
	done
) &
sampler=$!
on_exit "kill $sampler"
eg -f 200 -w 1 -s 18,1000,16384,65536 -n 2000 --warmup 0 --json "$T_TMP/p1.json" ||
	fail "echo-gen, 200 connections: exit $?"
touch "$T_TMP/p1.done"
wait "$sampler" || true
check_cells "$T_TMP/p1.json" "c['sent'] == 2000" "c['received'] == c['sent']" \
	"c['lost'] == 0" "c['corrupt'] == 0" "c['duplicate'] == 0" "c['late'] == 0" ||
	fail "200 connections: a message lost or corrupt"
peak=$(cat "$T_TMP/peak")
say "   peak tcbs_in_use $peak"
[ "$peak" -ge 200 ] || fail "tcbs_in_use peaked at $peak, not the 200 connections echo-gen held"
out=$(ip netns exec "$ns_cli" "$PY" "$HERE/tcp_small_check.py" "$ip" "$port" 50 2) ||
	fail "messages of 1-17 bytes: $out"
say "   $out"
wait_idle 20 || fail "after the 200 connections closed: $(tcp_stats)"

# 2. Open/echo/close cycles: 1000 one at a time, then 1000 more over 50 flows at once.
say "2. 2000 open/echo/close cycles"
s0=$(tcp_stats)
eg -f 1 --reconnect 1 -n 1000 --warmup 0 -s 64 --json "$T_TMP/p2a.json" ||
	fail "echo-gen --reconnect 1: exit $?"
eg -f 50 -w 2 --reconnect 4 -n 4000 --warmup 0 -s 200 --json "$T_TMP/p2b.json" ||
	fail "echo-gen -f 50 --reconnect 4: exit $?"
check_cells "$T_TMP/p2a.json" "c['received'] == c['sent'] == 1000" "c['lost'] == 0" \
	"c['corrupt'] == 0" "c['reconnects'] == 1000" || fail "1000 cycles"
check_cells "$T_TMP/p2b.json" "c['received'] == c['sent']" "c['lost'] == 0" \
	"c['corrupt'] == 0" "c['reconnects'] >= 950" || fail "cycles over 50 flows"
opened_gen=$($PY -c 'import json, sys
print(sum(c["flows"] + c["reconnects"] for f in sys.argv[1:] for c in json.load(open(f))))' \
	"$T_TMP/p2a.json" "$T_TMP/p2b.json")
wait_idle 20 || fail "after the cycles: $(tcp_stats)"
s1=$(tcp_stats)
read -r opened closed reset < <(deltas "$s0" "$s1" conns_opened conns_closed conns_reset)
say "   echo-gen opened $opened_gen connections; server: conns_opened +$opened," \
	"conns_closed +$closed, conns_reset +$reset, tcbs_in_use $(tcp_get tcbs_in_use)," \
	"rtx_mbufs $(tcp_get rtx_mbufs)"
[ "$opened" = "$opened_gen" ] && [ "$closed" = "$opened_gen" ] && [ "$reset" = 0 ] ||
	fail "every connection echo-gen opened must open and close in order on the server"

# 3. Loss on the kernel side, both ways: 5 % of what the kernel sends (data to the server, ACKs
# of its echoes) and of what it receives (the echoes) is dropped. The kernel retransmits its
# data; the server retransmits echoes that were lost or whose ACK was. Egress: netem where the
# kernel has sch_netem, else tc_loss.bpf.o (this VM's kernel is built without netem); ingress,
# which netem cannot do without an ifb device: tc_loss.bpf.o.
loss_bpf="$BUILD_DIR/tests/integration/bypass/tc_loss.bpf.o"
[ -f "$loss_bpf" ] || fail "no $loss_bpf (build first)"
tc -n "$ns_cli" qdisc add dev "$kif" clsact || fail "tc qdisc clsact on $kif (needs sch_ingress)"
on_exit "tc -n $ns_cli qdisc del dev $kif clsact"
if tc -n "$ns_cli" qdisc add dev "$kif" root netem loss 5% 2>/dev/null; then
	on_exit "tc -n $ns_cli qdisc del dev $kif root"
	egress="netem loss 5%"
else
	tc -n "$ns_cli" filter add dev "$kif" egress bpf da obj "$loss_bpf" sec tc ||
		fail "tc bpf egress filter on $kif (needs cls_bpf)"
	egress="tc_loss.bpf.o 5% (no sch_netem in this kernel)"
fi
tc -n "$ns_cli" filter add dev "$kif" ingress bpf da obj "$loss_bpf" sec tc ||
	fail "tc bpf ingress filter on $kif (needs cls_bpf)"
say "3. loss on $kif: egress $egress, ingress tc_loss.bpf.o 5%"
s0=$(tcp_stats)
k0=$(ip netns exec "$ns_cli" nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ {print $2}')
eg -f 20 -w 2 -s 18,1400,20000 -n 1000 --warmup 0 --json "$T_TMP/p3.json" ||
	fail "echo-gen under loss: exit $?"
lost_k=$(tc -n "$ns_cli" -s qdisc show dev "$kif" | awk '/dropped/ {
	for (i = 1; i < NF; i++) if ($i == "(dropped") { sub(",", "", $(i + 1)); n += $(i + 1) } }
	END { print n + 0 }')
tc -n "$ns_cli" qdisc del dev "$kif" root 2>/dev/null || true
tc -n "$ns_cli" qdisc del dev "$kif" clsact
say "   segments dropped on $kif: $lost_k"
[ "$lost_k" -gt 0 ] || fail "the loss filters dropped nothing"
check_cells "$T_TMP/p3.json" "c['received'] == c['sent'] == 1000" "c['lost'] == 0" \
	"c['corrupt'] == 0" "c['duplicate'] == 0" || fail "under 5 % loss"
wait_idle 60 || fail "after the lossy run: $(tcp_stats)"
s1=$(tcp_stats)
k1=$(ip netns exec "$ns_cli" nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ {print $2}')
read -r rtx rto dup reset tmo < <(deltas "$s0" "$s1" retransmits rto_expiries dup_acks_sent \
	conns_reset conns_timed_out)
say "   server: retransmits +$rtx, rto_expiries +$rto, dup_acks_sent +$dup," \
	"conns_reset +$reset, conns_timed_out +$tmo; kernel client:" \
	"TcpRetransSegs +$((k1 - k0))"
[ "$rtx" -gt 0 ] && [ "$rto" -gt 0 ] || fail "no retransmission counted by the server under loss"
[ $((k1 - k0)) -gt 0 ] || fail "the kernel retransmitted nothing: was anything lost?"
[ "$tmo" = 0 ] || fail "a connection timed out under 5 % loss"

# 4. Stop: balance, nothing left to tear down, mbufs back where they started.
log="$T_TMP/echo_pid.log"
EXIT_LIMIT_MS=5000 echo_stop "$echo_pid" "$log"
# Every connection ended before the stop: nothing for the stop to reset or free.
stopline=$(grep -E 'TCP at stop: [0-9]+ connection\(s\) reset' "$log") ||
	fail "no TCP teardown line at stop"
say "   $stopline"
echo "$stopline" | grep -qE 'TCP at stop: 0 connection\(s\) reset .*, 0 torn down .*, 0 held and 0 queued' ||
	fail "connections or held mbufs were left for the stop to tear down: $stopline"
start=$(sed -n 's/.*, \([0-9]*\) mbufs in use at start/\1/p' "$log")
stopped=$(sed -n 's/.*; \([0-9]*\) mbufs in use after the workers stopped/\1/p' "$log")
[ -n "$start" ] && [ -n "$stopped" ] || fail "no mbuf figures in the log"
say "   mbufs in use: $start at start, $stopped after the workers stopped"
if [ "$driver" = tap ]; then
	[ "$start" = "$stopped" ] ||
		fail "mbufs in use: $start at start, $stopped after the workers stopped"
else
	# net_af_xdp keeps its fill ring stocked from the pool and tops it up a burst at a time,
	# with or without TCP (UDP alone: 2048 at start, 2049 at stop): what TCP held shows as
	# rtx_mbufs (0, checked above and below) and in the teardown line; the PMD's part may
	# differ by less than one RX burst (32).
	[ "$stopped" -ge "$start" ] && [ $((stopped - start)) -lt 32 ] ||
		fail "mbufs in use: $start at start, $stopped after the workers stopped"
fi
$PY "$ROBUST_DIR/final_stats.py" "$stats" --tcp-idle --tcp-served ||
	fail "final counters in $stats"
say "PASS: net_$driver: 200 concurrent connections (peak $peak), 18 B-64 KiB and 1-17 B" \
	"intact; $opened_gen connections opened and closed in order, tcbs_in_use and rtx_mbufs" \
	"back to 0; 5 % loss survived (server retransmits $rtx, kernel $((k1 - k0)));" \
	"SIGTERM exit 0 in $STOP_MS ms; mbufs $start at start and at stop"
