#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Deep windows of plain UDP against sock-echo (issue 20: a run collapsed to 0.003 Mpps): with
# the socket buffers sized (sock-echo's and echo-gen's default --sockbuf, forced as root) every
# io mode echoes 18, 1472 and 65000-byte datagrams at windows that overflow the kernel's default
# buffer, with no loss and no socket drop at either end. A server with a tiny buffer (a lossy
# setup on purpose) loses datagrams: echo-gen reports them as lost, says the server's buffer
# dropped them, and its closed loop keeps going instead of stalling on the loss timeout.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"
# SO_RCVBUFFORCE: without root the kernel caps the buffers at net.core.rmem_max.
need_root

ncpu=$(nproc)
SRV_CPU=$((ncpu > 1 ? 1 : 0))
CLI_CPU=0
stats=$T_TMP/se.json

# cell IO 'ECHO-GEN-ARGS' [sock-echo args...]: a fresh server, one echo-gen cell of 1 s into
# $T_TMP/r.json (its table in $T_TMP/eg.out), then the server stopped.
cell() {
	local io=$1 eg_args=$2 t
	shift 2
	t=udp:127.0.0.1:$(free_port)
	rm -f "$stats"
	se_start srv "$t" --io "$io" --cpus $SRV_CPU --stats-json "$stats" \
		--stats-interval 0.2 "$@"
	say "sock-echo --io $io $* / echo-gen $eg_args"
	# shellcheck disable=SC2086
	"$EG" "$t" $eg_args -d 1 --warmup 0.2 --cpus $CLI_CPU --server-stats "$stats" \
		--json "$T_TMP/r.json" >"$T_TMP/eg.out" 2>&1 ||
		{ cat "$T_TMP/eg.out" >&2; fail "echo-gen $eg_args against --io $io: exit $?"; }
	kill "$srv"
	wait_exit "$srv" 3 || fail "sock-echo --io $io did not stop"
}

# The server's start line names the buffers it got: twice the 4 MiB asked (kernel accounting).
t=udp:127.0.0.1:$(free_port)
se_start srv "$t" --io mmsg
grep -q "socket buffers rcv 8192 KiB snd 8192 KiB" "$T_TMP/srv.log" ||
	fail "sock-echo's start line does not say its 4 MiB buffers: $(cat "$T_TMP/srv.log")"
kill "$srv"
wait_exit "$srv" 3 || fail "sock-echo did not stop"

# Sized buffers: nothing lost, nothing dropped. 64 x 4 flows of 18 B and of 1472 B, and 8 of
# 65000 B, are each more than the 208 KiB of net.core.rmem_default once the kernel's overhead
# per datagram (its truesize) is counted.
for io in blocking mmsg epoll uring; do
	for args in "-s 18 -w 64 -f 4" "-s 1472 -w 64 -f 4" "-s 65000 -w 8"; do
		cell "$io" "$args"
		check_cell "$T_TMP/r.json" 0 "c['lost'] == 0" "c['corrupt'] == 0" \
			"c['received'] == c['sent']" "c['received'] > 0" \
			"c['server']['sock_drops'] == 0" "c['client']['sock_drops'] == 0" ||
			fail "--io $io $args: datagrams lost with sized buffers"
	done
done

# A lossy setup on purpose: the smallest receive buffer the kernel grants. The loss is the
# result: counted, attributed to the server's buffer, and the flow goes on (before the fix every
# loss stalled it for the 1 s timeout: about 100 replies per second, the window of 64 once per
# timeout and a little more). Ten times that rate is a loop that did not stall, however busy
# the machine (CI saw 9,000 with other tests running, 20,000 and more when quiet).
cell mmsg "-s 1472 -w 64 --timeout 1000" --sockbuf 1
check_cell "$T_TMP/r.json" 0 "c['lost'] > 0" "c['server']['sock_drops'] >= c['lost'] / 2" \
	"c['received'] + c['lost'] == c['sent']" "c['corrupt'] == 0" "c['pps'] > 1000" ||
	fail "a lossy server: loss not reported as the result, or the closed loop stalled"
grep -q "dropped by the server's full receive buffer" "$T_TMP/eg.out" ||
	{ cat "$T_TMP/eg.out" >&2; fail "echo-gen does not say where the lost messages went"; }
say "$(grep '#   lost' "$T_TMP/eg.out")"
say "PASS: sized buffers lose nothing in every io mode; a lossy server's loss is reported"
