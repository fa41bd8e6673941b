#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The counters that need a misbehaving peer: truncated (a message longer than the server's
# 64 KiB buffer), errors (a Unix datagram from an unbound socket cannot be answered) and
# conns_reset (a TCP client that aborts with RST), in every io mode they apply to.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

OVERSIZE=70000

# peer ACTION ADDRESS-PART: one misbehaving client, in Python for its raw socket control.
peer() {
	"$PY" - "$@" <<'PY'
import socket, struct, sys, time
action, where = sys.argv[1], sys.argv[2]
if action == "dgram-oversize":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("")                      # autobind, so a reply could come back
    s.connect(where)
    s.send(b"x" * 70000)
elif action == "seqpacket-oversize":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(where)
    s.send(b"x" * 70000)
    s.settimeout(0.3)
    try:
        got = s.recv(100000)
        sys.exit("oversize seqpacket was echoed (%d bytes)" % len(got))
    except socket.timeout:
        pass
elif action == "dgram-unbound":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"no return address", where)
elif action == "tcp-reset":
    host, port = where.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.sendall(b"ping")
    if s.recv(4) != b"ping":
        sys.exit("no echo before the reset")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                       # RST instead of FIN
time.sleep(0.2)                     # let the server see it before the next step
PY
}

for io in $DGRAM_MODES; do
	path=$T_TMP/c.sock stats=$T_TMP/c.json
	se_start srv "uds-dgram:$path" --io "$io" --stats-json "$stats" --stats-interval 0
	peer dgram-oversize "$path" || fail "uds-dgram --io $io: oversize client failed"
	peer dgram-unbound "$path" || fail "uds-dgram --io $io: unbound client failed"
	"$SC" "uds-dgram:$path" --size 64 --count 5 >/dev/null || fail "uds-dgram --io $io: no echo"
	se_stop "$srv" srv
	expect_eq "uds-dgram $io: truncated" "$(json_get "$stats" truncated)" 1
	expect_eq "uds-dgram $io: errors" "$(json_get "$stats" errors)" 1
	expect_eq "uds-dgram $io: messages" "$(json_get "$stats" messages)" 5
	say "uds-dgram --io $io: a $OVERSIZE-byte datagram counted as truncated, an unbound" \
		"sender as an error, the rest echoed"
done

for io in $CONN_MODES; do
	path=$T_TMP/c.sock stats=$T_TMP/c.json
	se_start srv "uds-seqpacket:$path" --io "$io" --stats-json "$stats" --stats-interval 0
	peer seqpacket-oversize "$path" || fail "uds-seqpacket --io $io: oversize case failed"
	"$SC" "uds-seqpacket:$path" --size 65000 --count 3 >/dev/null ||
		fail "uds-seqpacket --io $io: no echo"
	se_stop "$srv" srv
	expect_eq "uds-seqpacket $io: truncated" "$(json_get "$stats" truncated)" 1
	expect_eq "uds-seqpacket $io: messages" "$(json_get "$stats" messages)" 3

	port=$(free_port)
	se_start srv "tcp:127.0.0.1:$port" --io "$io" --stats-json "$stats" --stats-interval 0
	peer tcp-reset "127.0.0.1:$port" || fail "tcp --io $io: reset client failed"
	se_stop "$srv" srv
	expect_eq "tcp $io: conns_reset" "$(json_get "$stats" conns_reset)" 1
	expect_eq "tcp $io: errors" "$(json_get "$stats" errors)" 0
	say "--io $io: oversize seqpacket counted as truncated; a TCP RST counted as a reset"
done
say "PASS"
