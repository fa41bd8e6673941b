#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Accuracy: echo-gen's median round trip at window 1 agrees within 25% with a minimal blocking
# ping-pong (pingpong.c) over the same transport, server and CPU placement.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"
[ -x "$PP" ] || fail "no pingpong binary at $PP (build first)"

TOLERANCE=0.25
# Under ASan/UBSan echo-gen's own work per round trip (its tracking, histogram, payload checks)
# is instrumented and the minimal referee's hardly is: quiet runs put echo-gen 4 % to 10 % above
# it, one CI run 45 % on uds-stream. The 25 % bound is for the plain build, which CI runs too;
# the sanitizer build runs the same path for memory errors, with a bound that still catches a
# wrong clock or unit.
[ -z "${SANITIZE:-}" ] || [ "$SANITIZE" = none ] || TOLERANCE=1.0
tol_pct=$(awk -v t=$TOLERANCE 'BEGIN { print t * 100 }')
too_far="medians disagree by more than $tol_pct%"
ROUNDS=30000
SIZE=64
ncpu=$(nproc)
srv_cpu=0
cli_cpu=$((ncpu > 1 ? 1 : 0))
p1=$(free_port)
p2=$(free_port)

# Many short alternating rounds, so a neighbour's load that comes and goes hits both alike: a
# round's median moves by a third from one round to the next on a shared VM, so five pairs were
# too few (one CI run saw +26%); fifteen pairs of 2,000 round trips keep the median ratio steady.
ROUNDS_EACH=15
for t in udp:127.0.0.1:$p1 tcp:127.0.0.1:$p2 uds-stream:$T_TMP/s.sock uds-dgram:$T_TMP/d.sock; do
	se_start srv "$t" --io blocking --cpus $srv_cpu
	pps=()
	egs=()
	for ((r = 0; r < ROUNDS_EACH; r++)); do
		pps+=("$("$PP" "$t" $SIZE $((ROUNDS / ROUNDS_EACH)) $cli_cpu)") || fail "pingpong $t"
		"$EG" "$t" -w 1 -s $SIZE -n $((ROUNDS / ROUNDS_EACH)) --warmup 0.1 --cpus $cli_cpu \
			--json "$T_TMP/r.json" -q || fail "echo-gen $t: exit $?"
		egs+=("$("$PY" -c "import json; print(json.load(open('$T_TMP/r.json'))[0]['rtt_us']['p50'])")")
	done
	say "$t: median RTT per round, echo-gen ${egs[*]} us; ping-pong ${pps[*]} us"
	"$PY" - "$TOLERANCE" "${egs[*]}" "${pps[*]}" <<'PY' || fail "$t: $too_far"
import statistics, sys
# Rounds alternate referee and echo-gen, so each pair saw the same machine: the median of the
# per-round ratios cancels the load drifting between rounds, which the two medians alone do not.
tol = float(sys.argv[1])
egs = [float(x) for x in sys.argv[2].split()]
refs = [float(x) for x in sys.argv[3].split()]
ratio = statistics.median(e / r for e, r in zip(egs, refs))
print(f"  echo-gen {statistics.median(egs):.2f} us, referee {statistics.median(refs):.2f} us;"
      f" median of the paired ratios {ratio:.3f} ({100 * (ratio - 1):+.1f}%)")
sys.exit(0 if abs(ratio - 1) <= tol else 1)
PY
	kill "$srv"
	wait_exit "$srv" 3 || fail "sock-echo did not stop"
done
say "PASS: medians agree within $tol_pct%"
