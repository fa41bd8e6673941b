#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad and hostile TCP segments (tcp_hostile.py, scapy) sent to bypass-echo on net_tap from the
# tap's kernel side, which has no address (so the kernel never answers bypass-echo's segments):
# each with its exact reaction and exactly one verdict counter moved; a SYN flood of 100 000 SYNs;
# a window that never opens. Then the kernel's own TCP is still served, and at exit the counters
# balance (rx = replies + taken + drops), no TCB is left and mbufs are back at the start figure.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd ip "$PY"
need_hugepages 64
"$PY" -c 'import scapy' 2>/dev/null || skip "needs python3-scapy for $PY (scripts/test installs it)"
EG="$BUILD_DIR/app/echo-gen/echo-gen"
BYPASS_DIR="$SOURCE_DIR/tests/integration/bypass"
"$BE" -- --help 2>&1 | grep -q -- '--tcp-port' || fail "bypass-echo has no --tcp-port"

ns=$(robust_netns tcph)
tap="bltch$$"
prefix="bl-tch$$"
stats="$T_TMP/stats.json"
tap_echo_start "$ns" "$tap" "$prefix" echo_pid --ip 198.18.0.2/24 --tcp-port 7 \
	--stats-json "$stats"
say "bypass-echo serving TCP port 7 on $tap as $OUR_MAC 198.18.0.2, the kernel side is $PEER_MAC"

t0=$(date +%s)
# TCP_HOSTILE_ARGS: more options for tcp_hostile.py (e.g. --zero-window-wait 30 by hand).
# shellcheck disable=SC2086
ip netns exec "$ns" timeout 180 "$PY" "$ROBUST_DIR/tcp_hostile.py" --iface "$tap" \
	--prefix "$prefix" --flood "$ROBUST_BIN/raw_flood" ${TCP_HOSTILE_ARGS:-} |
	tee "$T_TMP/suite.txt"
rc=${PIPESTATUS[0]}
say "suite took $(($(date +%s) - t0)) s"

# The kernel's own TCP as a client after all that.
ip -n "$ns" addr add 198.18.0.1/24 dev "$tap"
out=$(ip netns exec "$ns" "$PY" "$BYPASS_DIR/tcp_small_check.py" 198.18.0.2 7 20 1) ||
	fail "kernel TCP after the suite: $out"
say "$out"
ip netns exec "$ns" "$EG" tcp:198.18.0.2:7 -f 20 -w 2 -s 18,1400 -n 2000 --warmup 0 \
	--timeout 10000 -q --json "$T_TMP/eg.json" || fail "echo-gen after the suite: exit $?"
check_cells "$T_TMP/eg.json" "c['received'] == c['sent'] == 2000" "c['lost'] == 0" \
	"c['corrupt'] == 0" || fail "echo-gen after the suite: lost or corrupt"
wait_for "[ \"\$($TEL $prefix /bypass/tcp tcbs_in_use)\" = 0 ]" 20 ||
	fail "TCBs still in use 20 s after the last connection closed"

echo_stop "$echo_pid" "$T_TMP/echo_pid.log"
log="$T_TMP/echo_pid.log"
sed -n '/^final counters/,$p' "$log"
echo_exit_check "$log" "$stats" --tcp-idle
[ "$rc" -eq 0 ] || fail "$(grep -c 'FAIL' "$T_TMP/suite.txt") hostile case(s) failed:" \
	"$(grep 'FAIL' "$T_TMP/suite.txt" | cut -c1-100 | tr '\n' ';')"
say "PASS: every hostile segment got its exact reaction and one verdict; the SYN flood made no" \
	"state; kernel TCP served afterwards; SIGTERM exit 0 in $STOP_MS ms; counters balance;" \
	"mbufs $MBUFS_START at start and at stop"
