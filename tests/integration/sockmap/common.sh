# SPDX-License-Identifier: BSD-3-Clause
# Helpers of the sockmap-accel tests; source after tests/integration/lib.sh. sock-echo's
# helpers (SE, PY, free_port, json_get, se_start) come with them.
. "$SOURCE_DIR/tests/integration/sock/common.sh"

SMA=$BUILD_DIR/app/sockmap-accel/sockmap-accel
SMA_OBJ=$BUILD_DIR/lib/sockmap/sockmap.bpf.o
EG=$BUILD_DIR/app/echo-gen/echo-gen
SMA_STATE=/run/sockmap-accel/lock
[ -x "$SMA" ] || fail "no sockmap-accel at $SMA (build first)"
[ -r "$SMA_OBJ" ] || fail "no BPF object at $SMA_OBJ (build first)"
[ -x "$EG" ] || fail "no echo-gen at $EG (build first)"

need_sockmap() {
	need_root
	need_cmd bpftool unshare setpriv
	# An instance that is not ours would make every check here fail for the wrong reason.
	if [ -e "$SMA_STATE" ] && ! flock -n "$SMA_STATE" true; then
		skip "another sockmap-accel holds $SMA_STATE: $(tr '\n' ' ' <"$SMA_STATE")"
	fi
}

# The sk_msg and sock_ops programs loaded now, and every cgroup attachment: what a test
# compares before and after (a program is freed a moment after its last fd is closed).
bpf_snapshot() {
	bpftool prog show 2>/dev/null | grep -E '^[0-9]+: (sk_msg|sock_ops) ' || true
	bpftool cgroup tree 2>/dev/null | grep -v '^CgroupPath' || true
}

# Wait until the BPF snapshot is back to $1 (5 s at most).
bpf_back_to() {
	wait_for "[ \"\$(bpf_snapshot)\" = '$1' ]" 5
}

# sma_start VAR ARGS...: start sockmap-accel in the background; wait for its stats file
# (given in ARGS as --stats-json) to appear; SMA_CG gets the cgroup it uses.
sma_start() {
	local var=$1 stats="" a prev=""
	shift
	for a in "$@"; do
		[ "$prev" = --stats-json ] && stats=$a
		prev=$a
	done
	rm -f "$T_TMP/$var.log"
	start_bg "$var" "$SMA" "$@"
	if ! wait_for "[ -s '$stats' ]" 10; then
		cat "$T_TMP/$var.log" >&2
		fail "sockmap-accel $* did not attach"
	fi
	SMA_CG=$(json_get "$stats" cgroup)
}

# "${IN_CG[@]}" CGROUP CMD...: run CMD inside CGROUP; it joins before it opens any socket, and
# its pid is the one the caller started.
# shellcheck disable=SC2016
IN_CG=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"')
