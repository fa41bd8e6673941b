#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# SIGTERM and SIGINT in the middle of a load, in every io mode: exit 0 within a second, final
# counters printed and written, socket file removed. The stats file is refreshed while running
# and carries exactly the keys of the contract.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

KEYS="batches bytes conns_accepted conns_refused conns_reset cpu_sys_s cpu_user_s errors"
KEYS="$KEYS invol_csw io messages pid rcvbuf_bytes sndbuf_bytes sock_drops syscalls threads"
KEYS="$KEYS transport truncated uptime_s vol_csw"

json_keys() {
	"$PY" -c 'import json, sys; print(" ".join(sorted(json.load(open(sys.argv[1])))))' "$1"
}

sig=TERM
for addr in "udp:127.0.0.1:$(free_port)" "tcp:127.0.0.1:$(free_port)" \
	"uds-stream:$T_TMP/stop.sock" "uds-dgram:$T_TMP/stop.sock"; do
	for io in $(modes_for "$addr"); do
		stats="$T_TMP/stop.json"
		rm -f "$stats"
		se_start srv "$addr" --io "$io" --threads 2 --stats-json "$stats" \
			--stats-interval 0.2
		start_bg cli "$SC" "$addr" --conns 4 --size 256 --window 8 --duration-ms 4000
		# The file is rewritten while the load runs: the counters move.
		wait_for "[ \"\$(json_get '$stats' messages)\" -gt 0 ]" 3 ||
			fail "$addr --io $io: stats show no messages under load"
		m1=$(json_get "$stats" messages)
		sleep 0.5
		m2=$(json_get "$stats" messages)
		[ "$m2" -gt "$m1" ] || fail "$addr --io $io: stats not refreshed ($m1 then $m2)"
		expect_eq "$io: stats keys" "$(json_keys "$stats")" "$KEYS"
		expect_eq "$io: stats pid" "$(json_get "$stats" pid)" "$srv"

		se_stop "$srv" srv "$sig"
		kill "$cli" 2>/dev/null || true
		wait_exit "$cli" 5 || true
		# The final file and the final line agree, and are newer than the load snapshot.
		expect_eq "$io: final messages" "$(json_get "$stats" messages)" \
			"$(final_get srv messages)"
		[ "$(json_get "$stats" messages)" -ge "$m2" ] ||
			fail "$io: final stats older than the load snapshot"
		case "$addr" in
		uds-*) [ ! -e "$T_TMP/stop.sock" ] || fail "$addr --io $io left its socket file" ;;
		esac
		say "$addr --io $io: SIG$sig under load -> exit 0 in ${STOP_MS} ms," \
			"$(json_get "$stats" messages) messages"
		# Alternate the signal.
		[ "$sig" = TERM ] && sig=INT || sig=TERM
	done
done
say "PASS"
