# SPDX-License-Identifier: BSD-3-Clause
# Helpers for echo-gen's integration tests; source after tests/integration/lib.sh.

EG=$BUILD_DIR/app/echo-gen/echo-gen
SE=$BUILD_DIR/app/sock-echo/sock-echo
BE=$BUILD_DIR/app/bypass-echo/bypass-echo
PP=$BUILD_DIR/tests/integration/gen/pingpong
PY=/usr/bin/python3
[ -x "$EG" ] || fail "no echo-gen binary at $EG (build first)"
[ -x "$PY" ] || skip "needs /usr/bin/python3 (Debian's python3 package)"

# A loopback port that was free for both TCP and UDP a moment ago.
free_port() {
	"$PY" -c 'import socket
t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p)); print(p)'
}

# se_start VAR ADDRESS [sock-echo args...]: start sock-echo and wait until it listens.
se_start() {
	local var=$1
	shift
	[ -x "$SE" ] || skip "sock-echo is not built ($SE)"
	rm -f "$T_TMP/$var.log"
	start_bg "$var" "$SE" "$@"
	wait_for "grep -q 'listening on' '$T_TMP/$var.log'" 5 ||
		{ cat "$T_TMP/$var.log" >&2; fail "sock-echo $* did not start"; }
}

# check_cell FILE INDEX PYTHON-EXPRESSION...: assert on cell INDEX of a results file; the cell
# is `c`. Prints the cell's main numbers.
check_cell() {
	local file=$1 idx=$2
	shift 2
	"$PY" - "$file" "$idx" "$@" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))
c = cells[int(sys.argv[2])]
print(f"  {c['transport']} {c['payload_bytes']} B {c['mode']}: sent {c['sent']} received "
      f"{c['received']} lost {c['lost']} corrupt {c['corrupt']} dup {c['duplicate']} "
      f"reord {c['reordered']} pps {c['pps']:.0f} p50 {c['rtt_us']['p50']} us")
for expr in sys.argv[3:]:
    if not eval(expr, {}, {"c": c}):
        sys.exit(f"check failed: {expr}")
PY
}
