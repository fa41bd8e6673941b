#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sock-echo --io splice on tcp and uds-stream: exact echoes from 1 B to 4 MiB, the data never
# passing through recv/send (strace sees only splice on the data path), a half-close answered
# with everything sent and then EOF, resets counted as in the other modes, counters balanced.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

need_cmd strace
CONNS=2
MIB=$((1 << 20))
SIZES="1 7 1400 16384 16385 65536 65537 $MIB $((4 * MIB))"

# count SIZE: messages per connection, fewer for the big ones.
count_for() {
	if [ "$1" -ge "$MIB" ]; then echo 3; elif [ "$1" -ge 65536 ]; then echo 10; else echo 20; fi
}

# peer ACTION ADDRESS: a client in Python for the cases sock-client does not do.
peer() {
	"$PY" - "$@" <<'PY'
import socket, struct, sys, threading, time
action, addr = sys.argv[1], sys.argv[2]
if addr.startswith("tcp:"):
    host, port = addr[4:].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(addr.split(":", 1)[1])
data = bytes((i * 131 + (i >> 11)) & 0xff for i in range(3 * 1024 * 1024 + 5))
if action == "half-close":
    # Send it all from a thread, then shut the write side: the echo must come back whole,
    # then end of file, and the server must keep our read side open until then.
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    got = bytearray()
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        got += b
    t.join()
    if bytes(got) != data:
        first = next((i for i in range(min(len(got), len(data))) if got[i] != data[i]),
                     min(len(got), len(data)))
        sys.exit("half-close: got %d bytes back of %d, first difference at %d"
                 % (len(got), len(data), first))
elif action == "reset-idle":
    s.sendall(b"ping")
    if s.recv(4) != b"ping":
        sys.exit("no echo before the reset")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                       # RST instead of FIN
elif action == "reset-busy":
    # Reset with the echo still flowing: the server is mid-chunk, its pipe full of our bytes.
    s.setblocking(False)
    sent = 0
    end = time.time() + 0.3
    while time.time() < end:
        try:
            sent += s.send(data[sent % len(data):])
        except BlockingIOError:
            time.sleep(0.001)
    if addr.startswith("tcp:"):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                       # tcp: RST; Unix: close with the echo unread
time.sleep(0.2)                     # let the server see it before the next step
PY
}

# syscalls_of TRACE NAME: how many calls of NAME the strace -f output file holds.
syscalls_of() {
	grep -c "^[0-9]* *$2(" "$1" || true
}

for addr in "tcp:127.0.0.1:$(free_port)" "uds-stream:$T_TMP/splice.sock"; do
	stats=$T_TMP/splice.json
	se_start srv "$addr" --io splice --stats-json "$stats" --stats-interval 0
	want_bytes=0
	for size in $SIZES; do
		n=$(count_for "$size")
		out=$("$SC" "$addr" --size "$size" --count "$n" --conns "$CONNS" --window 1 \
			--timeout-ms 10000) || fail "$addr --io splice: $size-byte echo failed: $out"
		expect_eq "$size B: received" "$(client_field "$out" received)" $((n * CONNS))
		want_bytes=$((want_bytes + n * CONNS * size))
	done
	say "$addr --io splice: exact echoes of $SIZES bytes"

	peer half-close "$addr" || fail "$addr --io splice: half-close"
	want_bytes=$((want_bytes + 3 * MIB + 5))
	say "$addr --io splice: half-close: 3 MiB + 5 B echoed whole, then EOF"
	peer reset-idle "$addr" || fail "$addr --io splice: reset client failed"
	want_bytes=$((want_bytes + 4))
	peer reset-busy "$addr" || fail "$addr --io splice: busy reset client failed"
	"$SC" "$addr" --size 1000 --count 10 --conns 2 >/dev/null ||
		fail "$addr --io splice: no echo after the resets"
	want_bytes=$((want_bytes + 20 * 1000))
	se_stop "$srv" srv

	# The busy reset leaves an unknown number of bytes echoed: at least all the others.
	bytes=$(json_get "$stats" bytes)
	[ "$bytes" -ge "$want_bytes" ] || fail "$addr: bytes echoed $bytes, want >= $want_bytes"
	expect_eq "$addr: errors" "$(json_get "$stats" errors)" 0
	expect_eq "$addr: io" "$(json_get "$stats" io)" splice
	case "$addr" in
	# A TCP RST reads as a reset, both idle and mid-echo.
	tcp:*) expect_eq "$addr: conns_reset" "$(json_get "$stats" conns_reset)" 2 ;;
	# A Unix peer that closes with the echo unread resets only when the server still writes.
	*) [ "$(json_get "$stats" conns_reset)" -le 1 ] || fail "$addr: more resets than RSTs" ;;
	esac
	# Every chunk is at most 16 KiB (the epoll buffer's size) and needs a splice in and out.
	msgs=$(json_get "$stats" messages)
	[ "$msgs" -ge $((want_bytes / 16384)) ] ||
		fail "$addr: $msgs chunks for $want_bytes bytes: more than 16 KiB per chunk"
	[ "$(json_get "$stats" syscalls)" -ge $((2 * msgs)) ] || fail "$addr: too few syscalls"
	say "$addr --io splice: $bytes bytes in $msgs chunks, conns_reset" \
		"$(json_get "$stats" conns_reset), errors 0, stopped in $STOP_MS ms"
done

# The data path makes no recv or send at all: only splice moves the bytes.
addr="tcp:127.0.0.1:$(free_port)"
# LeakSanitizer cannot run under ptrace and would fail the exit in the sanitizer build: leaks
# are checked by the untraced runs above.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	start_bg traced strace -f -qq -o "$T_TMP/strace.out" \
		-e trace=recvfrom,recvmsg,recvmmsg,sendto,sendmsg,sendmmsg,readv,writev,splice \
		"$SE" "$addr" --io splice
wait_for "grep -q 'listening on' '$T_TMP/traced.log'" 10 || fail "traced server did not start"
out=$("$SC" "$addr" --size $MIB --count 4 --timeout-ms 20000) || fail "traced echo: $out"
# Signal sock-echo itself (strace's child): strace would only detach on a signal of its own.
child=$(cat "/proc/$traced/task/$traced/children")
[ -n "$child" ] || fail "no sock-echo under strace"
kill -TERM $child
wait_exit "$traced" 10 || fail "traced server did not stop"
expect_eq "traced server exit" "$WAIT_RC" 0
splices=$(syscalls_of "$T_TMP/strace.out" splice)
others=$(grep -v " splice(" "$T_TMP/strace.out" | grep -c "^[0-9]* *[a-z]*(" || true)
[ "$splices" -ge $((2 * 4 * MIB / 16384)) ] || fail "only $splices splice calls for 4 MiB"
[ "$others" -eq 0 ] ||
	fail "$others recv/send calls on the splice path: $(head -3 "$T_TMP/strace.out")"
say "4 MiB through a traced server: $splices splice calls, no recv or send"
say "PASS"
