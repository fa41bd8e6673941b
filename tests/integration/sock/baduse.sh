#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad use of sock-echo: one precise line on stderr, the right exit code, nothing left behind
# (no socket file, no stats file, no process), and a path that is not a socket is never removed.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

W=$T_TMP/work
mkdir -p "$W"

# bad RC 'text the line must contain' sock-echo-args...
bad() {
	local want_rc=$1 want=$2 before after rc
	shift 2
	before=$(ls -A "$W")
	set +e
	timeout 10 "$SE" "$@" >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want_rc" ] ||
		fail "sock-echo $*: exit $rc, want $want_rc ($(cat "$T_TMP/err"))"
	[ "$(wc -l <"$T_TMP/err")" -eq 1 ] ||
		fail "sock-echo $*: want one line on stderr, got: $(cat "$T_TMP/err")"
	grep -qF -- "$want" "$T_TMP/err" ||
		fail "sock-echo $*: stderr '$(cat "$T_TMP/err")' lacks '$want'"
	grep -q '^sock-echo: error: ' "$T_TMP/err" ||
		fail "sock-echo $*: line not 'sock-echo: error: ...'"
	[ ! -s "$T_TMP/out" ] || fail "sock-echo $*: wrote to stdout: $(cat "$T_TMP/out")"
	after=$(ls -A "$W")
	[ "$before" = "$after" ] ||
		fail "sock-echo $*: left behind: $(comm -13 <(echo "$before") <(echo "$after"))"
	say "exit $rc: $(cat "$T_TMP/err")"
}

port=$(free_port)
long="$W/$(printf 'p%.0s' $(seq 1 120)).sock"

# Usage errors: exit 2, before anything is created.
bad 2 "missing ADDRESS"
bad 2 "missing ':PORT'" udp:127.0.0.1
bad 2 "port 0 is out of range (want 1..65535)" "udp:127.0.0.1:0"
bad 2 "port 65536 is out of range" "tcp:127.0.0.1:65536"
bad 2 "unknown transport 'sctp'" "sctp:127.0.0.1:$port"
bad 2 "needs brackets (e.g. udp:[::1]:7)" "udp:::1:$port"
bad 2 "'300.1.1.1' is not an IPv4 address" "udp:300.1.1.1:$port"
bad 2 "a Unix socket path holds at most 107" "uds-stream:$long"
bad 2 "--io mmsg does not apply to tcp" "tcp:127.0.0.1:$port" --io mmsg
bad 2 "--io mmsg does not apply to uds-stream" "uds-stream:$W/m.sock" --io mmsg
bad 2 "use blocking, epoll, uring or busy-poll" "uds-seqpacket:$W/m.sock" --io mmsg
bad 2 "--io splice does not apply to udp (splice moves a byte stream" \
	"udp:127.0.0.1:$port" --io splice
bad 2 "--io splice does not apply to uds-dgram" "uds-dgram:$W/m.sock" --io splice
bad 2 "--io splice does not apply to uds-seqpacket" "uds-seqpacket:$W/m.sock" --io splice
bad 2 "--threads '0': want a whole number from 1 to 64" "udp:127.0.0.1:$port" --threads 0
bad 2 "--threads '65'" "udp:127.0.0.1:$port" --threads 65
bad 2 "--batch '0'" "udp:127.0.0.1:$port" --io mmsg --batch 0
bad 2 "--batch '1025'" "udp:127.0.0.1:$port" --io mmsg --batch 1025
bad 2 "--io 'poll': unknown mode" "udp:127.0.0.1:$port" --io poll
bad 2 "--mode '999': want octal permissions" "uds-dgram:$W/m.sock" --mode 999
bad 2 "--cpus: bad CPU number" "udp:127.0.0.1:$port" --cpus x
bad 2 "--stats-interval '-1'" "udp:127.0.0.1:$port" --stats-interval -1
bad 2 "--max-conns '0'" "tcp:127.0.0.1:$port" --max-conns 0
bad 2 "unknown option '--bogus'" --bogus "udp:127.0.0.1:$port"
bad 2 "--io needs a value" "udp:127.0.0.1:$port" --io
bad 2 "one ADDRESS only, got 'udp:127.0.0.1:1' too" "udp:127.0.0.1:$port" udp:127.0.0.1:1

# Port in use, with and without SO_REUSEPORT threads (which would otherwise share it).
for tr in udp tcp; do
	p=$(free_port)
	se_start live "$tr:127.0.0.1:$p" --io epoll
	msg="bind $tr:127.0.0.1:$p: Address already in use (another socket holds this port"
	bad 1 "$msg" "$tr:127.0.0.1:$p"
	bad 1 "$msg" "$tr:127.0.0.1:$p" --threads 2
	"$SC" "$tr:127.0.0.1:$p" --size 64 --count 3 >/dev/null || fail "$tr server disturbed"
	se_stop "$live" live
done

# A regular file where the socket should go: refused and left exactly as it was.
printf 'keep me\n' >"$W/regular"
bad 1 "$W/regular exists and is not a socket; not removing it" "uds-stream:$W/regular"
bad 1 "exists and is not a socket" "uds-dgram:$W/regular" --io blocking
[ "$(cat "$W/regular")" = "keep me" ] || fail "the regular file was changed"
rm "$W/regular"

# A live server's socket: refused; the running server keeps its path and keeps serving.
se_start live "uds-seqpacket:$W/live.sock" --io uring
bad 1 "$W/live.sock is in use by a running server" "uds-seqpacket:$W/live.sock"
bad 1 "is in use by a running server" "uds-stream:$W/live.sock"
"$SC" "uds-seqpacket:$W/live.sock" --size 64 --count 3 >/dev/null || fail "live server disturbed"
se_stop "$live" live
[ ! -e "$W/live.sock" ] || fail "server left $W/live.sock"

# A directory that does not exist; a stats file that cannot be written (the socket goes too).
bad 1 "(the directory does not exist; create it first)" "uds-dgram:$W/nodir/x.sock"
bad 1 "--stats-json: open $W/nodir/s.json" "uds-stream:$W/sj.sock" --stats-json "$W/nodir/s.json"

# A worker that cannot start (pinned to a CPU that does not exist): socket and stats file go.
bad 1 "pin thread 0 to CPU 1000" "uds-stream:$W/pin.sock" --cpus 1000 --stats-json "$W/pin.json"

# A stale socket (its server died without removing it) is replaced, with a warning.
"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$W/stale.sock"
se_start stale "uds-stream:$W/stale.sock" --io epoll --mode 0600
grep -q "warning: replaced stale socket $W/stale.sock" "$T_TMP/stale.log" ||
	fail "no warning about the stale socket: $(cat "$T_TMP/stale.log")"
expect_eq "socket file mode" "$(stat -c %a "$W/stale.sock")" 600
[ -S "$W/stale.sock" ] || fail "stale socket not replaced by a socket"
"$SC" "uds-stream:$W/stale.sock" --size 64 --count 3 >/dev/null || fail "no echo after replacing"
se_stop "$stale" stale
[ ! -e "$W/stale.sock" ] || fail "server left $W/stale.sock"

# --help is not an error.
"$SE" --help >"$T_TMP/out" || fail "--help exited non-zero"
grep -q '^usage: sock-echo ADDRESS' "$T_TMP/out" || fail "--help printed no usage"
say "PASS"
