#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Open loop: the rate echo-gen achieves offering is within 1% of --rate, every message is
# accounted for, and latency is measured. Zero loss is required where the server keeps up; on
# a busy shared host a stalled server overflows its socket buffer, so any loss must be matched
# by the kernel's own count of UDP receive-buffer drops (/proc/net/snmp RcvbufErrors).
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"

rcvbuf_errors() {
	awk '/^Udp:/ { n++; if (n == 1) for (i = 1; i <= NF; i++) col[$i] = i;
		      else print $col["RcvbufErrors"] }' /proc/net/snmp
}

# echo-gen spins in open loop: keep it off the server's CPU.
ncpu=$(nproc)
t=udp:127.0.0.1:$(free_port)
se_start srv "$t" --io mmsg --cpus 0
for rate in 20000 50000; do
	drops0=$(rcvbuf_errors)
	"$EG" "$t" -r $rate -f 2 -d 2 --warmup 0.3 --cpus $((ncpu > 1 ? 1 : 0)) \
		--json "$T_TMP/r.json" -q || fail "echo-gen --rate $rate: exit $?"
	drops=$(($(rcvbuf_errors) - drops0))
	check_cell "$T_TMP/r.json" 0 "c['mode'] == 'open'" "c['rate_pps'] == $rate" \
		"abs(c['offered_pps'] - $rate) <= 0.01 * $rate" "c['corrupt'] == 0" \
		"c['received'] + c['lost'] == c['sent']" "c['lost'] <= $drops" \
		"c['rtt_us']['p50'] > 0" || fail "--rate $rate"
	say "rate $rate: offered $("$PY" -c "import json; print(round(json.load(open('$T_TMP/r.json'))[0]['offered_pps']))") pps; kernel receive-buffer drops meanwhile: $drops"
done
say "PASS: offered rate within 1% of --rate, losses only where the kernel dropped"
