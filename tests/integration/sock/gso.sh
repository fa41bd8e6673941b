#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sock-echo --gso: a UDP_SEGMENT datagram of up to 64 messages comes back whole to a client with
# UDP_GRO and as one datagram per message to one without; plain datagrams still echo; messages
# and bytes count every segment; and --gso where it has no meaning is refused with exit 2.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

SIZES="1 18 64 1400 1472"

# gso_client PORT: every size as a GRO client, a plain client, a plain datagram and a short
# tail; prints "messages bytes" that the server must have counted.
gso_client() {
	"$PY" - "$@" "$SIZES" <<'PY'
import errno, socket, struct, sys
port, sizes = int(sys.argv[1]), [int(s) for s in sys.argv[2].split()]
SOL_UDP, UDP_SEGMENT, UDP_GRO = 17, 103, 104
GSO_BYTES_MAX, SEGS_MAX = 65507, 64
msgs = nbytes = 0

def sock(gro):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if gro:
        s.setsockopt(SOL_UDP, UDP_GRO, 1)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    return s

def payload(n, size, tag):
    # Every message different, so a reordered or misplaced segment shows.
    return [bytes((tag + i * 7 + j) % 251 for j in range(size)) for i in range(n)]

def send_gso(s, parts, size):
    global msgs, nbytes
    s.sendmsg(parts, [(SOL_UDP, UDP_SEGMENT, struct.pack("H", size))])
    msgs += len(parts)
    nbytes += sum(len(p) for p in parts)

for size in sizes:
    n = min(SEGS_MAX, GSO_BYTES_MAX // size)    # 1472: 44 segments, 64 would pass 64 KiB
    # A GRO client gets the reply whole, with the segment size.
    g = sock(True)
    parts = payload(n, size, size)
    send_gso(g, parts, size)
    data, anc, flags, _ = g.recvmsg(70000, 64)
    want = b"".join(parts)
    if data != want or flags & socket.MSG_TRUNC:
        sys.exit(f"size {size} GRO client: got {len(data)} bytes, want {len(want)} intact")
    gso = [struct.unpack("i", d)[0] for lvl, t, d in anc if (lvl, t) == (SOL_UDP, UDP_GRO)]
    if n > 1 and gso != [size]:
        sys.exit(f"size {size} GRO client: UDP_GRO cmsg {gso}, want [{size}]")
    # A plain client gets one datagram per message, in order.
    p = sock(False)
    parts = payload(n, size, size + 1)
    send_gso(p, parts, size)
    for i, part in enumerate(parts):
        got = p.recv(70000)
        if got != part:
            sys.exit(f"size {size} plain client: datagram {i} of {n} is {len(got)} bytes "
                     f"and differs")
    # A plain datagram to a --gso server is echoed as one.
    p.send(parts[0])
    msgs, nbytes = msgs + 1, nbytes + size
    if p.recv(70000) != parts[0]:
        sys.exit(f"size {size}: a plain datagram was not echoed as it was")
    print(f"  {size} B: {n} segments whole to GRO, {n} datagrams to plain, plain echo ok",
          file=sys.stderr)

# Three full segments and a short tail: four messages, the last one 50 bytes.
p = sock(False)
parts = [b"a" * 100, b"b" * 100, b"c" * 100, b"d" * 50]
send_gso(p, parts, 100)
got = [p.recv(1000) for _ in parts]
if got != parts:
    sys.exit(f"short tail: got lengths {[len(x) for x in got]}, want 100,100,100,50")
print(msgs, nbytes)
PY
}

for io in mmsg busy-poll; do
	port=$(free_port) stats=$T_TMP/g.json
	se_start srv "udp:127.0.0.1:$port" --io "$io" --gso --stats-json "$stats" \
		--stats-interval 0
	grep -q 'UDP GSO/GRO' "$T_TMP/srv.log" || fail "--io $io --gso: not said at start"
	want=$(gso_client "$port") || fail "--io $io --gso: client check failed"
	se_stop "$srv" srv
	read -r want_msgs want_bytes <<<"$want"
	expect_eq "--io $io --gso: messages" "$(json_get "$stats" messages)" "$want_msgs"
	expect_eq "--io $io --gso: bytes" "$(json_get "$stats" bytes)" "$want_bytes"
	expect_eq "--io $io --gso: truncated" "$(json_get "$stats" truncated)" 0
	expect_eq "--io $io --gso: errors" "$(json_get "$stats" errors)" 0
	# A GSO send arrives in one receive: far fewer batches than messages (busy-poll's
	# syscalls count its empty polls too, so compare batches).
	[ "$(json_get "$stats" batches)" -lt $((want_msgs / 10)) ] ||
		fail "--io $io --gso: $(json_get "$stats" batches) batches for $want_msgs messages"
	say "--io $io --gso: sizes $SIZES echoed, $want_msgs messages and $want_bytes bytes counted"
done

# Two threads: GRO is on for each SO_REUSEPORT socket.
port=$(free_port)
se_start srv "udp:127.0.0.1:$port" --io mmsg --gso --threads 2
gso_client "$port" >/dev/null || fail "--threads 2 --gso: client check failed"
se_stop "$srv" srv
say "--threads 2 --gso: echoed"

# Bad use: one precise line, exit 2, nothing started.
port=$(free_port)
check 2 "sock-echo: error: --gso does not apply to tcp (UDP_SEGMENT and UDP_GRO are UDP" \
	"$SE" "tcp:127.0.0.1:$port" --gso
check 2 "--gso does not apply to uds-dgram" "$SE" "uds-dgram:$T_TMP/x.sock" --io mmsg --gso
check 2 "--gso does not apply to uds-stream" "$SE" "uds-stream:$T_TMP/x.sock" --gso
check 2 "--gso does not apply to uds-seqpacket" "$SE" "uds-seqpacket:$T_TMP/x.sock" \
	--io busy-poll --gso
for io in blocking epoll uring; do
	check 2 "--gso does not apply to --io $io (only the recvmmsg loops read coalesced" \
		"$SE" "udp:127.0.0.1:$port" --io "$io" --gso
done
[ ! -e "$T_TMP/x.sock" ] || fail "a refused --gso left $T_TMP/x.sock behind"
[ "$CHECK_FAILURES" -eq 0 ] || fail "$CHECK_FAILURES bad invocation(s) misbehaved"
say "PASS: --gso echoes whole and cut-up datagrams, counts every segment, refuses bad use"
