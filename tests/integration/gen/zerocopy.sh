#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# echo-gen --zerocopy (MSG_ZEROCOPY) and --zerocopy=uring (io_uring IORING_OP_SEND_ZC) against
# sock-echo on tcp (256 B to 4 MiB, epoll and splice servers) and udp: every message intact,
# every send's completion collected before exit (sends = completed, nothing pending, the
# sockets' option memory back where it started), the copied share as the kernel reported it; a
# buffer reused before its completion is caught by the echo check (the deliberately wrong
# BYPASSLAB_ZC_DEBUG=early hook); Unix targets, --gso and unknown modes refused.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"

# zc_cell FILE INDEX [EXTRA-CHECK...]: the contract of a --zerocopy cell.
zc_cell() {
	local file=$1 idx=$2
	shift 2
	check_cell "$file" "$idx" "c['lost'] == 0" "c['corrupt'] == 0" \
		"c['received'] == c['sent'] and c['sent'] > 0" \
		"c['zerocopy']['sends'] >= c['sent']" \
		"c['zerocopy']['completed'] == c['zerocopy']['sends']" \
		"c['zerocopy']['pending'] == 0" \
		"(c['zerocopy']['completed_zerocopy'] + c['zerocopy']['completed_copied'] ==
			c['zerocopy']['completed'])" \
		"c['zerocopy']['optmem_left_bytes'] == 0" "$@" || return 1
	"$PY" - "$file" "$idx" <<'PY'
import json, sys
z = json.load(open(sys.argv[1]))[int(sys.argv[2])]["zerocopy"]
print("  zero-copy: %d sends, %d completed, %d copied by the kernel (%.0f %%), %d notifications"
      % (z["sends"], z["completed"], z["completed_copied"], 100 * z["copied_share"],
         z["notifications"]))
PY
}

# tcp against both stream servers, 256 B to 4 MiB: counts mode with a warm-up, window 2.
for zc in msg uring; do
	for io in epoll splice; do
		t=tcp:127.0.0.1:$(free_port)
		se_start srv "$t" --io "$io"
		"$EG" "$t" --zerocopy=$zc -s 256,65536,1048576,4194304 -n 40 -w 2 --warmup 0.1 \
			--json "$T_TMP/tcp.json" -q ||
			fail "tcp --io $io: echo-gen --zerocopy=$zc exit $?"
		for i in 0 1 2 3; do
			zc_cell "$T_TMP/tcp.json" $i || fail "tcp --io $io --zerocopy=$zc: cell $i"
		done
		kill "$srv"
		wait_exit "$srv" 3 || fail "sock-echo did not stop"
		say "tcp --io $io: --zerocopy=$zc 256 B..4 MiB intact, every completion collected"
	done
done

# udp: one completion per datagram; window 8 of 4 KiB, and the largest datagram at window 1.
t=udp:127.0.0.1:$(free_port)
se_start srv "$t" --io epoll
for zc in msg uring; do
	"$EG" "$t" --zerocopy=$zc -s 64,4096 -n 20000 -w 8 --warmup 0.1 \
		--json "$T_TMP/udp.json" -q || fail "udp: echo-gen --zerocopy=$zc exit $?"
	"$EG" "$t" --zerocopy=$zc -s 65507 -n 200 -w 1 --warmup 0 \
		--json "$T_TMP/udp64k.json" -q || fail "udp 65507 B: echo-gen --zerocopy=$zc exit $?"
	zc_cell "$T_TMP/udp.json" 0 || fail "udp 64 B --zerocopy=$zc"
	zc_cell "$T_TMP/udp.json" 1 || fail "udp 4096 B --zerocopy=$zc"
	zc_cell "$T_TMP/udp64k.json" 0 || fail "udp 65507 B --zerocopy=$zc"
	say "udp: --zerocopy=$zc intact, one completion per datagram collected"
done
kill "$srv"
wait_exit "$srv" 3 || fail "sock-echo did not stop"

# A freed buffer is overwritten at once (scribble): with the right tracking nothing changes;
# freed at send time instead of at completion (early, wrong on purpose), 1 MiB messages that
# TCP still holds in its send queue go out scribbled and the echo check counts them corrupt.
t=tcp:127.0.0.1:$(free_port)
se_start srv "$t" --io epoll
for zc in msg uring; do
	BYPASSLAB_ZC_DEBUG=scribble "$EG" "$t" --zerocopy=$zc -s 1048576 -n 100 -w 4 --warmup 0 \
		--json "$T_TMP/scribble.json" -q || fail "scribble: echo-gen --zerocopy=$zc exit $?"
	zc_cell "$T_TMP/scribble.json" 0 ||
		fail "scribble: --zerocopy=$zc changed a buffer while in flight"
done
rc=0
BYPASSLAB_ZC_DEBUG=scribble,early "$EG" "$t" --zerocopy -s 1048576 -n 100 -w 4 --warmup 0 \
	--timeout 2000 --json "$T_TMP/early.json" -q >/dev/null 2>&1 || rc=$?
[ -s "$T_TMP/early.json" ] || fail "early: no results written (exit $rc)"
check_cell "$T_TMP/early.json" 0 "c['corrupt'] > 0" ||
	fail "early reuse of zero-copy buffers went unnoticed by the echo check"
kill "$srv"
wait_exit "$srv" 3 || fail "sock-echo did not stop"
say "buffers scribbled on release: intact when freed at completion, corrupt when freed early"

# Unix sockets and --gso: one line, exit 2.
for t in "uds-stream:$T_TMP/x.sock" "uds-dgram:$T_TMP/x.sock" "uds-seqpacket:$T_TMP/x.sock"; do
	check 2 "--zerocopy applies to tcp and udp targets" "$EG" "$t" --zerocopy
done
check 2 "--zerocopy and --gso are one or the other" "$EG" "udp:127.0.0.1:9" --zerocopy --gso
check 2 "--zerocopy='copy': expected msg (MSG_ZEROCOPY) or uring" "$EG" "tcp:127.0.0.1:9" \
	--zerocopy=copy
[ "$CHECK_FAILURES" -eq 0 ] || fail "$CHECK_FAILURES bad invocations misbehaved"
say "PASS"
