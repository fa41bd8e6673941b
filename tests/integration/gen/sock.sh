#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# echo-gen against sock-echo on every kernel transport: two threads, four flows, a window of 16,
# two sizes; zero loss, zero corruption, every message answered once, the server's cost merged.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"

p1=$(free_port)
p2=$(free_port)
targets=(udp:127.0.0.1:$p1 tcp:127.0.0.1:$p2 uds-dgram:$T_TMP/d.sock uds-stream:$T_TMP/s.sock
	 uds-seqpacket:$T_TMP/q.sock)
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	p3=$(free_port)
	targets+=("udp:[::1]:$p3" "tcp:[::1]:$p3")
fi

for t in "${targets[@]}"; do
	stats="$T_TMP/se.json"
	rm -f "$stats"
	se_start srv "$t" --stats-json "$stats" --stats-interval 0.2
	say "$t"
	"$EG" "$t" -w 16 -f 4 -t 2 -s 18,1000 -d 1 --warmup 0.3 --server-stats "$stats" \
		--json "$T_TMP/r.json" -q || fail "echo-gen $t: exit $?"
	for i in 0 1; do
		check_cell "$T_TMP/r.json" $i "c['lost'] == 0" "c['corrupt'] == 0" \
			"c['duplicate'] == 0" "c['late'] == 0" "c['received'] == c['sent']" \
			"c['received'] > 1000" "c['rtt_us']['p50'] > 0" \
			"c['client']['syscalls_per_msg'] > 0" "c['server']['source'] == 'sock-echo'" \
			"c['server']['cpu_per_msg_us'] > 0" || fail "$t: cell $i"
	done
	kill "$srv"
	wait_exit "$srv" 3 || fail "sock-echo did not stop"
done
say "PASS: ${#targets[@]} transports, zero loss and corruption"
