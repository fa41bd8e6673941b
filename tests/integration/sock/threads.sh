#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# --threads 2 --cpus pins each worker (SO_REUSEPORT sockets for UDP/TCP, a shared socket for
# Unix ones) and still echoes everything; several servers run at once on different addresses.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sock/common.sh"

ncpu=$(nproc)
cpus="0,1"
[ "$ncpu" -ge 2 ] || cpus="0,0"

# The CPU lists of a process's threads, one per line, sorted.
thread_cpus() {
	cat /proc/"$1"/task/*/status | awk '/^Cpus_allowed_list:/ {print $2}' | sort
}

for case in "udp:127.0.0.1:$(free_port) mmsg" "udp:127.0.0.1:$(free_port) uring" \
	"tcp:127.0.0.1:$(free_port) epoll" "tcp:127.0.0.1:$(free_port) blocking" \
	"uds-stream:$T_TMP/t.sock uring" "uds-dgram:$T_TMP/t.sock blocking" \
	"uds-seqpacket:$T_TMP/t.sock epoll"; do
	set -- $case
	addr=$1 io=$2 stats="$T_TMP/threads.json"
	se_start srv "$addr" --io "$io" --threads 2 --cpus "$cpus" --stats-json "$stats" \
		--stats-interval 0
	pinned=$(thread_cpus "$srv")
	for c in ${cpus//,/ }; do
		printf '%s\n' "$pinned" | grep -qx "$c" ||
			fail "$addr --io $io: no worker pinned to CPU $c (threads: $(echo $pinned))"
	done
	out=$("$SC" "$addr" --conns 16 --size 64 --count 20 --window 2 --timeout-ms 3000) ||
		fail "$addr --io $io --threads 2: $out"
	se_stop "$srv" srv
	expect_eq "$io: threads" "$(json_get "$stats" threads)" 2
	expect_eq "$io: bytes" "$(json_get "$stats" bytes)" $((16 * 20 * 64))
	say "$addr --io $io --threads 2 --cpus $cpus: served, workers pinned"
done

# Three servers at once, each with its own clients running at the same time.
u="udp:127.0.0.1:$(free_port)" t="tcp:127.0.0.1:$(free_port)" s="uds-stream:$T_TMP/s.sock"
se_start a "$u" --io mmsg
se_start b "$t" --io uring
se_start c "$s" --io blocking
addrs=("$u" "$t" "$s")
for i in 0 1 2; do
	start_bg "cl$i" "$SC" "${addrs[i]}" --conns 4 --size 512 --count 200 --window 2 \
		--timeout-ms 5000
done
for i in 0 1 2; do
	var="cl$i"
	wait_exit "${!var}" 15 || fail "client of ${addrs[i]} still running"
	[ "$WAIT_RC" -eq 0 ] || { cat "$T_TMP/$var.log" >&2; fail "client of ${addrs[i]} failed"; }
done
se_stop "$a" a
se_stop "$b" b
se_stop "$c" c
expect_eq "udp server messages" "$(final_get a messages)" 800
expect_eq "tcp server bytes" "$(final_get b bytes)" $((800 * 512))
expect_eq "uds-stream server bytes" "$(final_get c bytes)" $((800 * 512))
say "three servers at once on different addresses: all served"
say "PASS"
