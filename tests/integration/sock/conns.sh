#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Connected transports under many clients: 200 concurrent TCP and uds-stream clients are all
# served in every io mode, with resident memory under 16 MiB while they are open; a stalled
# client (writes, never reads) does not hold the others back; --max-conns refuses and counts.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

CONNS=200
RSS_LIMIT_KIB=$((16 * 1024))
# AddressSanitizer's shadow memory and quarantine inflate every process: the memory figure is
# the plain build's to hold, the sanitizer build checks everything else.
[ -n "${SANITIZE:-}" ] && [ "$SANITIZE" != none ] && RSS_LIMIT_KIB=$((256 * 1024))
HOLD_MS=1500

for addr in "tcp:127.0.0.1:$(free_port)" "uds-stream:$T_TMP/conns.sock"; do
	for io in $(modes_for "$addr"); do
		stats="$T_TMP/conns.json"
		se_start srv "$addr" --io "$io" --stats-json "$stats" --stats-interval 0

		# 200 connections open at once: one message each, a hold (RSS is read during
		# it), then four more messages each, two in flight per connection.
		start_bg cli "$SC" "$addr" --conns "$CONNS" --size 1400 --count 5 --window 2 \
			--hold-ms "$HOLD_MS" --timeout-ms 5000
		if ! wait_for "grep -q holding '$T_TMP/cli.log'" 10; then
			cat "$T_TMP/cli.log" >&2
			fail "$addr --io $io: clients never all got an echo"
		fi
		rss=$(rss_kib "$srv")
		wait_exit "$cli" 15 || fail "$addr --io $io: client still running"
		if [ "$WAIT_RC" -ne 0 ]; then
			cat "$T_TMP/cli.log" >&2
			fail "$addr --io $io: client failed"
		fi
		expect_eq "$io: echoes" "$(client_field "$(cat "$T_TMP/cli.log")" received)" \
			$((CONNS * 5))
		[ "$rss" -lt "$RSS_LIMIT_KIB" ] ||
			fail "$addr --io $io: VmRSS $rss KiB at $CONNS conns (max $RSS_LIMIT_KIB)"

		# A client that fills its socket and never reads, beside 20 that must be served.
		out=$("$SC" "$addr" --stall --conns 20 --size 64 --count 50 --window 2 \
			--timeout-ms 3000) ||
			fail "$addr --io $io: stalled client blocked the others: $out"

		se_stop "$srv" srv
		expect_eq "$io: conns accepted" "$(json_get "$stats" conns_accepted)" \
			$((CONNS + 21))
		expect_eq "$io: refused" "$(json_get "$stats" conns_refused)" 0
		say "$addr --io $io: $CONNS connections served at VmRSS ${rss} KiB; a stalled" \
			"client did not block 20 others; stopped in ${STOP_MS} ms"
	done
done

# --max-conns 2: of three clients, one is closed at once and counted as refused.
for addr in "tcp:127.0.0.1:$(free_port)" "uds-seqpacket:$T_TMP/max.sock"; do
	for io in $CONN_MODES; do
		stats="$T_TMP/max.json"
		se_start srv "$addr" --io "$io" --max-conns 2 --stats-json "$stats" \
			--stats-interval 0
		out=$("$SC" "$addr" --conns 3 --size 64 --count 3 --expect-closed 1 \
			--timeout-ms 3000) || fail "$addr --io $io --max-conns 2: $out"
		# Once the two have gone (give the server a moment to see them close), there is
		# room again.
		sleep 0.3
		"$SC" "$addr" --conns 2 --size 64 --count 3 >/dev/null ||
			fail "$addr --io $io: no room after clients left"
		se_stop "$srv" srv
		expect_eq "$io: refused" "$(json_get "$stats" conns_refused)" 1
		expect_eq "$io: accepted" "$(json_get "$stats" conns_accepted)" 4
		say "$addr --io $io --max-conns 2: third client refused and counted"
	done
done
say "PASS"
