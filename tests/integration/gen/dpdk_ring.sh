#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The dpdk engine's own ceiling on one lcore: echo-gen's engine against an in-memory echo over
# crossed net_ring ports (dpdk_ring_echo.c). Zero loss and corruption are required; the rate is
# printed, and enforced only when GEN_MIN_MPPS is set (it depends on the machine). With
# --echo stack, the echo lcore's stats file gives the cell its server columns and its final
# counters go to the server log, balanced against the port.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"
need_root
need_hugepages 64
BIN="$BUILD_DIR/tests/integration/gen/dpdk_ring_echo"
[ -x "$BIN" ] || skip "dpdk_ring_echo is not built (no librte_net_ring)"
[ "$(nproc)" -ge 2 ] || skip "needs two CPUs: one for the echo, one for the generator"

prefix="eg-ring$$"
on_exit "rm -rf /var/run/dpdk/$prefix"
"$BIN" --no-pci --in-memory -l 0,1 --file-prefix="$prefix" --log-level='*:warning' -- \
	--duration 2 --size 18 --window 256 --json "$T_TMP/r.json" \
	${GEN_MIN_MPPS:+--min-mpps "$GEN_MIN_MPPS"} || fail "dpdk_ring_echo: exit $?"
check_cell "$T_TMP/r.json" 0 "c['lost'] == 0" "c['corrupt'] == 0" "c['received'] == c['sent']" ||
	fail "in-memory echo lost or corrupted messages"
say "PASS: in-memory echo, zero loss and corruption"

rm -f "$T_TMP/srv.log"
"$BIN" --no-pci --in-memory -l 0,1 --file-prefix="$prefix" --log-level='*:warning' -- \
	--duration 1 --size 64 --window 1 --flows 2 --echo stack --json "$T_TMP/s.json" \
	--stats-json "$T_TMP/stats.json" --stats-interval 0.1 --server-log "$T_TMP/srv.log" ||
	fail "dpdk_ring_echo --echo stack with stats: exit $?"
check_cell "$T_TMP/s.json" 0 "c['lost'] == 0" "c['corrupt'] == 0" \
	"c['server']['source'] == 'bypass-echo'" "c['server']['cycles_per_msg'] > 0" \
	"c['server']['cpu_per_msg_us'] > 0" "c['server']['csw_per_msg'] >= 0" \
	"c['server']['note'] is None" || fail "the echo lcore's server columns are missing"
"$PY" - "$T_TMP/stats.json" "$T_TMP/s.json" <<'PY' || fail "stats file does not add up"
import json, sys
s, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))[0]
assert s["driver"] == "net_ring" and s["rx"] == s["replies"]["udp"] == s["tx"], s
assert s["rx"] >= c["received"] and sum(s["drops"].values()) == 0, (s["rx"], c["received"])
assert s["port"]["ipackets"] == s["rx"], s["port"]
PY
grep -q 'final counters after' "$T_TMP/srv.log" && grep -q 'balance: ipackets = rx' "$T_TMP/srv.log" ||
	{ cat "$T_TMP/srv.log" >&2; fail "server log without final counters or balance"; }
# The swap echo has no verdicts to count: refused, not a file of zeros.
if "$BIN" --no-pci --in-memory -l 0,1 --file-prefix="$prefix" --log-level='*:warning' -- \
	--duration 1 --stats-json "$T_TMP/x.json" 2>"$T_TMP/refuse.log"; then
	fail "--stats-json without --echo stack was accepted"
fi
grep -q 'add --echo stack' "$T_TMP/refuse.log" || fail "refusal does not say what to do"
say "PASS: the echo lcore's stats file, server columns and server log"
