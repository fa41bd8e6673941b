# SPDX-License-Identifier: BSD-3-Clause
# Helpers shared by the sock-echo integration tests; source after tests/integration/lib.sh.

SE=$BUILD_DIR/app/sock-echo/sock-echo
SC=$BUILD_DIR/tests/integration/sock/sock-client
PY=/usr/bin/python3
[ -x "$SE" ] || fail "no sock-echo binary at $SE (build first)"
[ -x "$SC" ] || fail "no sock-client binary at $SC (build first)"
[ -x "$PY" ] || skip "needs /usr/bin/python3 (Debian's python3 package)"

# Exit within this after SIGTERM (the issue asks for a second).
STOP_LIMIT_MS=1000
# Modes that serve each kind of transport.
DGRAM_MODES="blocking mmsg epoll uring busy-poll"
CONN_MODES="blocking epoll uring busy-poll"
# Byte streams (tcp, uds-stream) also have splice.
STREAM_MODES="$CONN_MODES splice"

# A loopback TCP/UDP port that was free a moment ago.
free_port() {
	"$PY" -c 'import socket
t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p)); print(p)'
}

# The io modes that apply to a transport.
modes_for() {
	case "$1" in
	udp:* | uds-dgram:*) echo "$DGRAM_MODES" ;;
	tcp:* | uds-stream:*) echo "$STREAM_MODES" ;;
	*) echo "$CONN_MODES" ;;
	esac
}

# se_start VAR ADDRESS [sock-echo args...]: start a server, wait until it listens.
se_start() {
	local var=$1
	shift
	# A log left by an earlier server of the same name would say "listening" too soon.
	rm -f "$T_TMP/$var.log"
	start_bg "$var" "$SE" "$@"
	if ! wait_for "grep -q 'listening on' '$T_TMP/$var.log'" 5; then
		cat "$T_TMP/$var.log" >&2
		fail "sock-echo $* did not start"
	fi
}

# se_stop PID VAR [SIGNAL]: signal a server, require exit 0 within STOP_LIMIT_MS; sets STOP_MS.
se_stop() {
	local pid=$1 var=$2 sig=${3:-TERM} t0 t1
	t0=$(date +%s%N)
	kill -"$sig" "$pid"
	wait_exit "$pid" 3 || fail "sock-echo ($var) still running 3 s after SIG$sig"
	t1=$(date +%s%N)
	STOP_MS=$(((t1 - t0) / 1000000))
	if [ "$WAIT_RC" -ne 0 ]; then
		cat "$T_TMP/$var.log" >&2
		fail "sock-echo ($var) exited $WAIT_RC after SIG$sig"
	fi
	[ "$STOP_MS" -le "$STOP_LIMIT_MS" ] ||
		fail "sock-echo ($var) took $STOP_MS ms to exit after SIG$sig (max $STOP_LIMIT_MS)"
	grep -q ' messages=' "$T_TMP/$var.log" || fail "sock-echo ($var) printed no final counters"
}

# json_get FILE KEY: one top-level value of a stats file.
json_get() {
	"$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# final_get VAR KEY: a counter from the final line the server printed.
final_get() {
	grep -o " $2=[0-9.]*" "$T_TMP/$1.log" | tail -n 1 | cut -d= -f2
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got $2, want $3"
}

# client_field OUTPUT KEY: a field of sock-client's summary line.
client_field() {
	printf '%s\n' "$1" | grep -o "$2=[0-9.]*" | tail -n 1 | cut -d= -f2
}

# Resident memory of a process, in KiB.
rss_kib() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}
