#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# echo-gen's udp transport from inside a namespace against bypass-echo on net_tap: zero loss,
# zero corruption at a moderate window, and bypass-echo's cycles per message merged.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"
need_root
need_cmd ip
need_hugepages 64
[ -x "$BE" ] || skip "bypass-echo is not built ($BE)"

ns=$(netns_new gentap)
tap="egtap$$"
prefix="eg-tap$$"
stats="$T_TMP/be.json"
start_bg be ip netns exec "$ns" "$BE" -l 0,1 --no-pci --file-prefix="$prefix" \
	--vdev="net_tap0,iface=$tap" --log-level='*:warning' -- \
	--ip 198.18.0.2/24 --udp-port 7 --stats-json "$stats" --stats-interval 0.2
on_exit "rm -rf /var/run/dpdk/$prefix"
wait_for "ip -n $ns link show $tap" 20 || { cat "$T_TMP/be.log"; fail "tap $tap never appeared"; }
ip -n "$ns" link set "$tap" address 02:00:00:00:00:aa
ip -n "$ns" addr add 198.18.0.1/24 dev "$tap"
ip -n "$ns" link set "$tap" up
wait_for "grep -q 'bypass-echo: serving' $T_TMP/be.log" 20 || fail "bypass-echo did not start"
tap_peer_mac "$ns" "$tap" 02:00:00:00:00:aa

wait_for "test -s $stats" 10 || { cat "$T_TMP/be.log"; fail "bypass-echo wrote no stats file"; }
ip netns exec "$ns" "$EG" udp:198.18.0.2:7 -w 8 -f 2 -s 18,1472 -d 1 --warmup 0.5 \
	--server-stats "$stats" --json "$T_TMP/r.json" -q || fail "echo-gen: exit $?"
for i in 0 1; do
	check_cell "$T_TMP/r.json" $i "c['lost'] == 0" "c['corrupt'] == 0" "c['duplicate'] == 0" \
		"c['received'] == c['sent']" "c['received'] > 100" \
		"c['server']['source'] == 'bypass-echo'" "c['server']['cycles_per_msg'] > 0" ||
		fail "cell $i"
done
say "PASS: udp through net_tap to bypass-echo, zero loss and corruption"
