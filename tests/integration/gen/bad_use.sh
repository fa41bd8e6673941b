#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad use gets one precise line and a non-zero exit: unknown transport, unreachable target,
# --window 0, sizes the transport cannot carry, and a server that dies mid-run (no hang).
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"

closed=$(free_port)
# exit code | arguments | text the one line must contain
cases=(
	"2|sctp:127.0.0.1:7|unknown transport 'sctp'"
	"2|127.0.0.1:7|unknown transport '127.0.0.1'"
	"2||no TARGET given"
	"2|udp:127.0.0.1:7 --window 0|--window '0': expected a whole number from 1"
	"2|udp:127.0.0.1:7 --size 70000|udp carries at most 65507 bytes"
	"2|udp:[::1]:7 --size 65528|udp carries at most 65527 bytes"
	"2|uds-dgram:$T_TMP/x.sock --size 16M|uds-dgram carries at most"
	"2|udp:127.0.0.1:7 --size 17|18-byte header"
	"2|udp:127.0.0.1:7 --rate 10 --window 4|give one"
	"2|udp:127.0.0.1:7 --threads 2|no more than --flows"
	"2|udp:127.0.0.1:7 --bogus|unknown option '--bogus'"
	"2|dpdk:198.18.0.2:7|no local address"
	"2|dpdk:198.18.0.2:7 --local-ip 198.18.0.1 --threads 2 --flows 2|runs 1 worker thread"
	"1|tcp:127.0.0.1:$closed -d 1|Connection refused"
	"1|udp:127.0.0.1:$closed -d 1|Connection refused"
	"1|uds-stream:$T_TMP/none.sock -d 1|No such file or directory"
	"1|uds-seqpacket:$T_TMP/none.sock -d 1|No such file or directory"
)
for c in "${cases[@]}"; do
	IFS='|' read -r want args text <<<"$c"
	set +e
	# shellcheck disable=SC2086
	timeout 20 "$EG" $args -q >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	set -e
	lines=$(wc -l <"$T_TMP/err")
	say "[$args] exit $rc: $(cat "$T_TMP/err")"
	[ "$rc" -eq "$want" ] || fail "[$args]: exit $rc, expected $want"
	[ "$lines" -eq 1 ] || fail "[$args]: $lines lines on stderr, expected one"
	grep -qF -- "$text" "$T_TMP/err" || fail "[$args]: no '$text' in the message"
done

# A server killed mid-run: reported as such, promptly, exit 1.
TIMEOUT_MS=300
LIMIT_MS=4000
p=$(free_port)
for t in udp:127.0.0.1:$p tcp:127.0.0.1:$p uds-dgram:$T_TMP/d.sock uds-stream:$T_TMP/s.sock; do
	se_start srv "$t"
	t0=$(date +%s%N)
	start_bg gen "$EG" "$t" -d 30 -w 4 --timeout $TIMEOUT_MS -q
	sleep 1
	kill -9 "$srv"
	wait_exit "$gen" $((LIMIT_MS / 1000 + 2)) || fail "$t: echo-gen still running after the server died"
	ms=$((($(date +%s%N) - t0) / 1000000 - 1000))
	say "$t: server killed; echo-gen exit $WAIT_RC after $ms ms: $(cat "$T_TMP/gen.log")"
	[ "$WAIT_RC" -eq 1 ] || fail "$t: exit $WAIT_RC, expected 1"
	[ "$ms" -le $LIMIT_MS ] || fail "$t: took $ms ms to notice (limit $LIMIT_MS)"
	[ "$(wc -l <"$T_TMP/gen.log")" -eq 1 ] || fail "$t: expected one line"
	grep -qE 'refused|reset|closed|stopped' "$T_TMP/gen.log" || fail "$t: message does not say why"
	rm -f "$T_TMP"/*.sock
done
say "PASS: bad use and a dying server give one precise line and a non-zero exit"
