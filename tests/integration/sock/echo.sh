#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every io mode that applies to one transport echoes exactly what was sent, for each message
# size; after SIGTERM the server exits 0 in time and its counters match what the client sent.
#   echo.sh udp|tcp|udp6|tcp6|uds-dgram|uds-stream|uds-seqpacket|uds-abstract
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

kind=${1:?which transport}
COUNT=20
CONNS=2

case "$kind" in
udp) addr="udp:127.0.0.1:$(free_port)"; sizes="0 1 64 1400 65507" ;;
udp6) addr="udp:[::1]:$(free_port)"; sizes="0 64 1400 65507" ;;
tcp) addr="tcp:127.0.0.1:$(free_port)"; sizes="1 64 1400 65000" ;;
tcp6) addr="tcp:[::1]:$(free_port)"; sizes="1 64 65000" ;;
uds-dgram) addr="uds-dgram:$T_TMP/echo.sock"; sizes="0 1 64 1400 65000" ;;
uds-stream) addr="uds-stream:$T_TMP/echo.sock"; sizes="1 64 1400 65000" ;;
uds-seqpacket) addr="uds-seqpacket:$T_TMP/echo.sock"; sizes="1 64 1400 65000" ;;
# Linux's abstract namespace: no file at all.
uds-abstract) addr="uds-stream:@bypasslab-echo-$$"; sizes="1 64 65000" ;;
*) fail "unknown transport '$kind'" ;;
esac
case "$kind" in
udp6 | tcp6)
	"$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
		skip "no IPv6 loopback (::1) on this host"
	;;
esac

for io in $(modes_for "$addr"); do
	stats="$T_TMP/stats-$io.json"
	se_start srv "$addr" --io "$io" --batch 8 --stats-json "$stats" --stats-interval 0.2
	want_msgs=0 want_bytes=0
	for size in $sizes; do
		# Pipelined (--window 4) where a message carries its sequence number and four
		# of them fit a default socket receive buffer (rmem_default, 208 KiB) easily.
		window=1
		[ "$size" -ge 8 ] && [ "$size" -le 1400 ] && window=4
		out=$("$SC" "$addr" --size "$size" --count "$COUNT" --conns "$CONNS" \
			--window "$window" --timeout-ms 3000) ||
			fail "$addr --io $io: $size-byte echo failed: $out"
		expect_eq "$io $size B: client received" "$(client_field "$out" received)" \
			$((COUNT * CONNS))
		want_msgs=$((want_msgs + COUNT * CONNS))
		want_bytes=$((want_bytes + COUNT * CONNS * size))
	done
	se_stop "$srv" srv
	[ -e "$T_TMP/echo.sock" ] && fail "$addr --io $io left its socket file behind"

	expect_eq "$io: bytes echoed" "$(json_get "$stats" bytes)" "$want_bytes"
	expect_eq "$io: final line bytes" "$(final_get srv bytes)" "$want_bytes"
	expect_eq "$io: errors" "$(json_get "$stats" errors)" 0
	expect_eq "$io: truncated" "$(json_get "$stats" truncated)" 0
	expect_eq "$io: io" "$(json_get "$stats" io)" "$io"
	case "$addr" in
	tcp:* | uds-stream:*)
		# Streams keep no boundaries: messages count chunks, bytes must balance.
		expect_eq "$io: conns accepted" "$(json_get "$stats" conns_accepted)" \
			$((CONNS * $(echo $sizes | wc -w)))
		;;
	uds-seqpacket:*)
		expect_eq "$io: messages echoed" "$(json_get "$stats" messages)" "$want_msgs"
		expect_eq "$io: conns accepted" "$(json_get "$stats" conns_accepted)" \
			$((CONNS * $(echo $sizes | wc -w)))
		;;
	*)
		expect_eq "$io: messages echoed" "$(json_get "$stats" messages)" "$want_msgs"
		expect_eq "$io: final line messages" "$(final_get srv messages)" "$want_msgs"
		;;
	esac
	# At least a receive and a send per message (a chunk, on streams) where nothing batches;
	# batched modes at least one call per batch each way.
	syscalls=$(json_get "$stats" syscalls)
	msgs=$(json_get "$stats" messages)
	case "$io" in
	mmsg) floor=$((2 * $(json_get "$stats" batches))) ;;
	uring) floor=1 ;;
	*) floor=$((2 * msgs)) ;;
	esac
	[ "$syscalls" -ge "$floor" ] || fail "$io: $syscalls syscalls for $msgs messages"
	say "$addr --io $io: $want_msgs messages, $want_bytes bytes, $syscalls syscalls," \
		"stopped in ${STOP_MS} ms"
done
say "PASS"
