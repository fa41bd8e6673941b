#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Faults on the kernel side: sock-echo under 1000 concurrent TCP connections (epoll and uring),
# clients that vanish in the middle of a message (half a message, then RST or a plain close),
# and a Unix socket path collision. Each ends with the server still answering exactly, its
# counters balanced, and a clean exit within a second.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

CONNS=1000
VANISH=100 # clients that leave mid-message, half of them with RST
MSG=1400

# vanish ADDRESS N: N stream clients each send half a message and leave, every other one by RST.
vanish() {
	"$PY" - "$1" "$2" "$MSG" <<'PY'
import socket, struct, sys
addr, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    if addr.startswith("tcp:"):
        host, port = addr[4:].rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=5)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr.split(":", 1)[1])
    s.sendall(b"v" * (size // 2))
    if i % 2 == 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY
}

for io in epoll uring; do
	port=$(free_port)
	addr="tcp:127.0.0.1:$port"
	stats="$T_TMP/$io.json"
	se_start srv "$addr" --io "$io" --stats-json "$stats" --stats-interval 0
	out=$("$SC" "$addr" --conns $CONNS --size $MSG --count 3 --window 1 --timeout-ms 20000) ||
		fail "$addr --io $io: $CONNS clients: $out"
	say "$addr --io $io: $CONNS concurrent connections served: $out"
	vanish "$addr" $VANISH || fail "vanishing clients could not connect"
	out=$("$SC" "$addr" --conns 20 --size $MSG --count 10 --window 2 --timeout-ms 5000) ||
		fail "$addr --io $io: not served after $VANISH clients vanished mid-message: $out"
	se_stop "$srv" srv
	accepted=$(json_get "$stats" conns_accepted)
	expect_eq "$io: conns_accepted" "$accepted" $((CONNS + VANISH + 20))
	[ "$(json_get "$stats" conns_reset)" -ge 1 ] || fail "$io: no reset counted for the RST clients"
	[ "$(json_get "$stats" bytes)" -ge $(((CONNS * 3 + 200) * MSG)) ] ||
		fail "$io: echoed bytes $(json_get "$stats" bytes) below what the clients sent"
	say "--io $io: $CONNS connections, $VANISH vanished mid-message" \
		"($(json_get "$stats" conns_reset) by RST), 20 clients served after; exit in $STOP_MS ms"
done

# A Unix socket path another server is serving: refused, the first keeps its path and serves.
path="$T_TMP/collide.sock"
se_start first "uds-stream:$path" --io epoll
rc=0
"$SE" "uds-stream:$path" --io epoll >"$T_TMP/second.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a second server on a live socket path started"
say "second server on the same path: exit $rc: $(head -1 "$T_TMP/second.out")"
grep -q "$path" "$T_TMP/second.out" || fail "the refusal does not name the path"
[ -S "$path" ] || fail "the refused server removed the first one's socket"
out=$("$SC" "uds-stream:$path" --conns 4 --size 64 --count 5) || fail "first server after: $out"
se_stop "$first" first
[ ! -e "$path" ] || fail "the first server left its socket behind"
say "PASS: $CONNS TCP connections (epoll, uring), $VANISH clients gone mid-message, a path" \
	"collision refused; the server answered exactly after each"
