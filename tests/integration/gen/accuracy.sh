#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Accuracy: echo-gen's median round trip at window 1 agrees within 25% with a minimal blocking
# ping-pong (pingpong.c) over the same transport, server and CPU placement.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"
[ -x "$PP" ] || fail "no pingpong binary at $PP (build first)"

TOLERANCE=0.25
ROUNDS=20000
SIZE=64
ncpu=$(nproc)
srv_cpu=0
cli_cpu=$((ncpu > 1 ? 1 : 0))
p1=$(free_port)
p2=$(free_port)

for t in udp:127.0.0.1:$p1 tcp:127.0.0.1:$p2 uds-stream:$T_TMP/s.sock uds-dgram:$T_TMP/d.sock; do
	se_start srv "$t" --io blocking --cpus $srv_cpu
	# Referee before and after, so a neighbour's load that comes and goes shows in both.
	pp1=$("$PP" "$t" $SIZE $ROUNDS $cli_cpu) || fail "pingpong $t"
	"$EG" "$t" -w 1 -s $SIZE -n $ROUNDS --warmup 0.2 --cpus $cli_cpu --json "$T_TMP/r.json" -q ||
		fail "echo-gen $t: exit $?"
	pp2=$("$PP" "$t" $SIZE $ROUNDS $cli_cpu) || fail "pingpong $t"
	eg=$("$PY" -c "import json; print(json.load(open('$T_TMP/r.json'))[0]['rtt_us']['p50'])")
	say "$t: median RTT echo-gen $eg us, ping-pong $pp1 / $pp2 us"
	"$PY" - "$eg" "$pp1" "$pp2" "$TOLERANCE" <<'PY' || fail "$t: medians disagree by more than 25%"
import sys
eg, a, b, tol = map(float, sys.argv[1:])
ref = (a + b) / 2
print(f"  off by {100 * (eg - ref) / ref:+.1f}% from the referee's {ref:.2f} us")
sys.exit(0 if abs(eg - ref) <= tol * ref else 1)
PY
	kill "$srv"
	wait_exit "$srv" 3 || fail "sock-echo did not stop"
done
say "PASS: medians agree within 25%"
