#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# echo-gen --gso against sock-echo --gso on loopback UDP: every size (1472 B, where 64 segments
# would pass the 64 KiB limit, too) echoed with zero loss and corruption, the server counting
# exactly the messages echo-gen sent; a --gso side against a plain one, both ways; open loop;
# and --gso refused with exit 2 on every other transport. Sizes under 18 B, which echo-gen
# cannot send, are covered by tests/integration/sock/gso.sh.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"

COUNT=20000

# run_pair NAME 'SERVER-ARGS' 'ECHO-GEN-ARGS' SIZE...: per size a fresh server and one echo-gen
# cell in count mode with no warm-up: zero loss and corruption, and the server's messages and
# bytes equal to what echo-gen sent, whole messages of the cell's size, so a miscounted segment
# shows. Without a warm-up echo-gen's workers start measured: nothing is sent before.
run_pair() {
	local name=$1 srv_args=$2 eg_args=$3 size t stats=$T_TMP/se.json
	shift 3
	for size in "$@"; do
		t=udp:127.0.0.1:$(free_port)
		rm -f "$stats"
		# shellcheck disable=SC2086
		se_start srv "$t" $srv_args --stats-json "$stats" --stats-interval 0
		say "$name: sock-echo $srv_args / echo-gen $eg_args -s $size"
		# shellcheck disable=SC2086
		"$EG" "$t" $eg_args -s "$size" -n $COUNT --warmup 0 --json "$T_TMP/r.json" -q ||
			fail "$name: echo-gen -s $size: exit $?"
		kill "$srv"
		wait_exit "$srv" 3 || fail "$name: sock-echo did not stop"
		check_cell "$T_TMP/r.json" 0 "c['sent'] == $COUNT" "c['lost'] == 0" \
			"c['corrupt'] == 0" "c['duplicate'] == 0" "c['late'] == 0" \
			"c['received'] == c['sent']" || fail "$name: $size B"
		"$PY" - "$T_TMP/r.json" "$stats" <<'PY' || fail "$name: $size B: server counters"
import json, sys
c, srv = json.load(open(sys.argv[1]))[0], json.load(open(sys.argv[2]))
size, sent = c["payload_bytes"], c["sent"]
print(f"  server: {srv['messages']} messages, {srv['bytes']} bytes, {srv['syscalls']} "
      f"syscalls; echo-gen sent {sent}")
if srv["messages"] != sent:
    sys.exit(f"server counted {srv['messages']} messages, echo-gen sent {sent}")
if srv["bytes"] != srv["messages"] * size:
    sys.exit(f"server counted {srv['bytes']} bytes for {srv['messages']} messages of {size}")
if srv["truncated"] or srv["errors"]:
    sys.exit(f"server truncated {srv['truncated']}, errors {srv['errors']}")
PY
	done
}

# A window of 64 on one flow fills whole 64-segment sends (44 at 1472 B); two flows of 32 mix
# flows within a send burst.
run_pair both "--io mmsg --gso" "--gso -w 64" 18 64 1400 1472
run_pair both-2flows "--io mmsg --gso" "--gso -w 32 -f 2" 18 1472
run_pair both-busy "--io busy-poll --gso" "--gso -w 64 --busy-poll" 18 1472
# Larger than half of 64 KiB: one message per datagram, GSO or not.
run_pair both-big "--io mmsg --gso" "--gso -w 1" 40000
# Mixed: each side talks to a peer without GRO, which gets plain datagrams. A plain server
# takes a GSO burst as that many single datagrams; sock-echo's 4 MiB receive buffer (its
# --sockbuf default) holds 2 flows x 16 of them many times over.
run_pair plain-client "--io mmsg --gso" "-w 16 -f 2" 18 1472
run_pair plain-server "--io mmsg" "--gso -w 16 -f 2" 18 1472

# Open loop: --gso paces as the plain path does.
t=udp:127.0.0.1:$(free_port)
se_start srv "$t" --io mmsg --gso
ncpu=$(nproc)
"$EG" "$t" --gso -r 50000 -d 1 --warmup 0.2 --cpus $((ncpu > 1 ? 1 : 0)) \
	--json "$T_TMP/r.json" -q || fail "open loop: echo-gen exit $?"
check_cell "$T_TMP/r.json" 0 "c['mode'] == 'open'" "abs(c['offered_pps'] - 50000) <= 500" \
	"c['corrupt'] == 0" "c['received'] + c['lost'] == c['sent']" || fail "open loop"
kill "$srv"
wait_exit "$srv" 3 || fail "sock-echo did not stop"

# Bad use: --gso is a UDP option.
p=$(free_port)
check 2 "echo-gen: error: --gso applies to udp targets only (UDP_SEGMENT and UDP_GRO are UDP" \
	"$EG" "tcp:127.0.0.1:$p" --gso -d 1
for t in "uds-dgram:$T_TMP/x.sock" "uds-stream:$T_TMP/x.sock" "uds-seqpacket:$T_TMP/x.sock" \
	"dpdk:198.18.0.2:7"; do
	check 2 "--gso applies to udp targets only (UDP_SEGMENT and UDP_GRO are UDP socket options), not to ${t%%:*}" \
		"$EG" "$t" --gso -d 1
done
[ "$CHECK_FAILURES" -eq 0 ] || fail "$CHECK_FAILURES bad invocation(s) misbehaved"
say "PASS: --gso echoes every size without loss, counts agree, mixes with plain peers"
