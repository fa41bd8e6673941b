#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every case of ROBUSTNESS.md, sent to bypass-echo on net_tap from the tap's kernel side: the
# golden reply byte for byte or silence, exactly the golden verdict's counter moved by one; then
# the kernel's own ping and UDP still work, and at exit the counters balance and every mbuf is back.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd ip tc ping "$PY"
need_hugepages 64
"$PY" -c 'import scapy' 2>/dev/null || skip "needs python3-scapy for $PY (scripts/test installs it)"

ns=$(robust_netns adv)
tap="bladv$$"
inj="blinj$$"
prefix="bl-adv$$"
stats="$T_TMP/stats.json"

# Ports 7 and 9000 are the ones the golden frames expect to be served.
tap_echo_start "$ns" "$tap" "$prefix" echo_pid --ip 198.18.0.2/24 --udp-port 7 \
	--udp-port 9000 --stats-json "$stats"
say "bypass-echo serving on $tap as $OUR_MAC 198.18.0.2, the kernel side is $PEER_MAC"

# A packet socket refuses frames shorter than an Ethernet header: those go in through a tun
# device whose ingress redirects everything to the tap's egress (classic BPF "accept all",
# since u32 cannot match a frame shorter than its 4-byte key).
ip -n "$ns" tuntap add dev "$inj" mode tun
ip -n "$ns" link set "$inj" up
tc -n "$ns" qdisc add dev "$inj" clsact
tc -n "$ns" filter add dev "$inj" ingress protocol all bpf bytecode '1,6 0 0 4294967295,' \
	action mirred egress redirect dev "$tap" ||
	fail "tc: cannot redirect $inj to $tap (needs cls_bpf, act_mirred, sch_clsact)"

t0=$(date +%s)
ip netns exec "$ns" timeout 120 "$PY" "$ROBUST_DIR/adversarial.py" --iface "$tap" \
	--inject "$inj" --prefix "$prefix" --flood "$ROBUST_BIN/raw_flood" | tee "$T_TMP/barrage.txt"
barrage_rc=${PIPESTATUS[0]}
say "barrage took $(($(date +%s) - t0)) s"
# A failed case is reported at the end: the checks below still say whether the service survived.

# The kernel's own stack as a peer after the barrage: ARP, ping, UDP echoes of every size.
ip -n "$ns" addr add 198.18.0.1/24 dev "$tap"
out=$(ip netns exec "$ns" ping -c 20 -i 0.01 -W 1 198.18.0.2) || true
echo "$out" | tail -2
echo "$out" | grep -q ' 20 received' || fail "ping after the barrage: expected 20 of 20 replies"
ip netns exec "$ns" "$PY" "$SOURCE_DIR/tests/integration/bypass/udp_echo_check.py" \
	198.18.0.2 7 0 1 18 1472 || fail "UDP echo after the barrage"

echo_stop "$echo_pid" "$T_TMP/echo_pid.log"
sed -n '/^final counters/,$p' "$T_TMP/echo_pid.log"
echo_exit_check "$T_TMP/echo_pid.log" "$stats"
[ "$barrage_rc" -eq 0 ] || fail "$(grep -c ': FAIL' "$T_TMP/barrage.txt") case(s) failed:" \
	"$(grep ': FAIL' "$T_TMP/barrage.txt" | cut -d: -f1 | tr '\n' ';')"
say "PASS: every ROBUSTNESS case answered as the golden frames say; ping and UDP work after" \
	"the barrage; SIGTERM exit 0 in $STOP_MS ms; counters balance; mbufs $MBUFS_START at" \
	"start and at stop, 0 after close"
