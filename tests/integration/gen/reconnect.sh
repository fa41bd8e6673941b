#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# echo-gen --reconnect against sock-echo (tcp, uds-stream): 1000 connections of one message each
# and 40 flows reconnecting every 3 messages with a window of 8; every message answered intact,
# the server accepted exactly as many connections as echo-gen says it opened, none reset; misuse
# (udp, --zerocopy) is one line and exit 2.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"

port=$(free_port)
for t in tcp:127.0.0.1:$port uds-stream:$T_TMP/s.sock; do
	stats="$T_TMP/se.json"
	rm -f "$stats"
	se_start srv "$t" --stats-json "$stats" --stats-interval 0.1
	say "$t"
	# 1000 open/echo/close cycles: one flow, one message per connection.
	"$EG" "$t" -n 1000 --warmup 0 --reconnect 1 --json "$T_TMP/r1.json" -q ||
		fail "echo-gen $t --reconnect 1: exit $?"
	check_cell "$T_TMP/r1.json" 0 "c['sent'] == 1000" "c['received'] == 1000" \
		"c['lost'] == 0" "c['corrupt'] == 0" "c['reconnect'] == 1" \
		"c['reconnects'] == 1000" || fail "$t: --reconnect 1"
	# Many flows, a window deeper than a connection's share: messages wait for the next one.
	"$EG" "$t" -n 6000 --warmup 0 -f 40 -w 8 --reconnect 3 -s 18,3000 \
		--json "$T_TMP/r2.json" -q || fail "echo-gen $t --reconnect 3: exit $?"
	for i in 0 1; do
		check_cell "$T_TMP/r2.json" $i "c['received'] == c['sent']" "c['sent'] >= 6000" \
			"c['lost'] == 0" "c['corrupt'] == 0" "c['duplicate'] == 0" \
			"c['reconnects'] >= 6000 // 3 - 40" || fail "$t: --reconnect 3, cell $i"
	done
	kill "$srv"
	wait_exit "$srv" 3 || fail "sock-echo did not stop"
	# Every connection echo-gen opened (one per flow per cell, and each reconnect) was
	# accepted, and each ended with an orderly close: none reset.
	"$PY" - "$stats" "$T_TMP/r1.json" "$T_TMP/r2.json" <<'PY' || fail "$t: server's counts"
import json, sys
s = json.load(open(sys.argv[1]))
cells = [json.load(open(sys.argv[2]))[0]] + json.load(open(sys.argv[3]))
opened = sum(c["flows"] + c["reconnects"] for c in cells)
print(f"  server: conns_accepted {s['conns_accepted']} conns_reset {s['conns_reset']}, "
      f"echo-gen opened {opened}")
if s["conns_accepted"] != opened or s["conns_reset"] != 0:
    sys.exit("the server's connection counts do not match echo-gen's")
PY
done

check 2 "--reconnect applies to byte streams" "$EG" "udp:127.0.0.1:$port" --reconnect 5 -d 1
check 2 "--reconnect and --zerocopy are one or the other" "$EG" "tcp:127.0.0.1:$port" \
	--reconnect 5 --zerocopy -d 1
check 2 "--reconnect '0'" "$EG" "tcp:127.0.0.1:$port" --reconnect 0 -d 1
[ "$CHECK_FAILURES" -eq 0 ] || fail "$CHECK_FAILURES bad-use case(s)"
say "PASS: --reconnect on tcp and uds-stream, counts match the server's"
