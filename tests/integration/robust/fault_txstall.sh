#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault: a transmit ring that is never drained. bypass-echo serves net_memif; the peer
# (memif_peer) checks 100 echoes, then floods requests and stops receiving, so the replies fill
# its receive ring (bypass-echo's transmit ring) and the rest must be freed and counted as
# tx_dropped while the worker keeps polling. Then the peer drains its ring and 100 echoes must
# come back exact at once; at exit the counters balance and every mbuf is back.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/robust/common.sh"
need_root
need_cmd taskset "$PY"
need_hugepages 128

STALL_FRAMES=2000000
STALL_SECONDS=2
prefix="bl-stall$$"
pprefix="bl-stallp$$"
stats="$T_TMP/stats.json"

memif_echo_start server "$prefix" echo_pid --stats-json "$stats"
wait_for "memif_serving $T_TMP/echo_pid.log" 20 || fail "bypass-echo did not start its memif port"
start_bg peer memif_peer_exec client "$pprefix" --check 100 --stall $STALL_FRAMES \
	--seconds $STALL_SECONDS
on_exit "rm -rf /var/run/dpdk/$pprefix"
wait_for "grep -q 'stalled, not receiving' $T_TMP/peer.log" 30 ||
	fail "the peer never reached its stall: $(tail -3 "$T_TMP/peer.log")"
grep '^memif_peer:' "$T_TMP/peer.log"
stall_sent=$(peer_field "$T_TMP/peer.log" stall sent)

# While the ring stays full: replies beyond it are counted, and the worker keeps polling.
snap() { $TEL "$prefix" /bypass/stats >"$T_TMP/$1.json" || fail "telemetry did not answer"; }
snap s1
sleep 1
snap s2
"$PY" - "$T_TMP/s1.json" "$T_TMP/s2.json" <<'EOF' || fail "while stalled"
import json, sys
s1, s2 = (json.load(open(p)) for p in sys.argv[1:3])
idle = (s2["idle_cycles"] - s1["idle_cycles"]) / s2["tsc_hz"]
print("stalled: tx %d, tx_dropped %d; in the next second the worker polled %.2f s idle "
      "(rx %d -> %d)" % (s1["tx"], s1["tx_dropped"], idle, s1["rx"], s2["rx"]))
assert s1["tx_dropped"] > 0, "no reply counted as tx_dropped with a full ring"
assert idle > 0.5, "the worker did not poll while its transmit ring was full"
EOF

kill -USR1 "$peer"
wait_exit "$peer" 20 || fail "the peer did not finish after SIGUSR1"
grep -A9 'stalled, not receiving' "$T_TMP/peer.log" | grep '^memif_peer:'
[ "$WAIT_RC" -eq 0 ] || fail "the peer's checks failed after the drain (exit $WAIT_RC)"
drained=$(peer_field "$T_TMP/peer.log" drained frames)
first_ms=$(peer_field "$T_TMP/peer.log" after first_reply_ms)
tx_dropped=$(tel "$prefix" tx_dropped)
say "drained $drained replies from the full ring; first exact reply ${first_ms} ms after the" \
	"drain; tx_dropped $tx_dropped"
# Each reply to the stall's requests either waited in the ring or was dropped and counted.
[ "$tx_dropped" -eq $((stall_sent - drained)) ] ||
	fail "tx_dropped $tx_dropped, expected $stall_sent sent - $drained drained"

echo_stop "$echo_pid" "$T_TMP/echo_pid.log"
sed -n '/^final counters/,$p' "$T_TMP/echo_pid.log"
echo_exit_check "$T_TMP/echo_pid.log" "$stats"
say "PASS: full transmit ring: $tx_dropped replies freed and counted, worker kept polling;" \
	"served again ${first_ms} ms after the drain; exit in $STOP_MS ms; mbufs back"
