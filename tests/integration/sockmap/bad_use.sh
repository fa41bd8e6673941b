#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sockmap-accel's bad use: one line naming the problem and a non-zero exit, nothing left behind.
# Not root; a kernel without BPF (bpf(2) failing with ENOSYS, as without CONFIG_BPF_SYSCALL);
# a cgroup path that is not a cgroup v2 directory or not writable; the BPF object missing;
# wrong options.
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/sockmap/common.sh"
need_sockmap
NO_BPF=$BUILD_DIR/tests/integration/sockmap/no_bpf
[ -x "$NO_BPF" ] || fail "no $NO_BPF (build first)"
before=$(bpf_snapshot)
on_exit "$SMA --cleanup"

check 2 "--cgroup DIR is required" "$SMA"
check 2 "unknown option or missing value: '--nope'" "$SMA" --cgroup x --nope
check 2 "--stats-interval '0': expected seconds" "$SMA" --cgroup x --stats-interval 0
check 2 "unexpected argument 'extra'" "$SMA" --cgroup x extra
check 1 "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$SMA" --cgroup x
check 1 "this kernel has no BPF (bpf(2): Function not implemented)" \
	"$NO_BPF" "$SMA" --cgroup "bypass-t$$-x"
check 1 "BPF object $T_TMP/none.bpf.o: No such file or directory; build it with 'ninja -C" \
	"$SMA" --cgroup "bypass-t$$-x" --object "$T_TMP/none.bpf.o"
check 1 "cgroup $T_TMP/cg: its parent $T_TMP is not a cgroup v2 directory" \
	"$SMA" --cgroup "$T_TMP/cg"
check 1 "not a cgroup v2 directory" "$SMA" --cgroup /nonexistent-dir/cg
# A read-only cgroup v2 mount, in a mount namespace of its own.
mkdir "$T_TMP/ro"
check 1 "cannot create cgroup $T_TMP/ro/cg: Read-only file system" \
	unshare -m --propagation private \
	sh -c 'mount -t cgroup2 -o ro none "$1" && exec "$2" --cgroup "$1/cg"' sh "$T_TMP/ro" "$SMA"
# A file that is not a BPF object.
echo "not an ELF" >"$T_TMP/bad.bpf.o"
check 1 "cannot open BPF object $T_TMP/bad.bpf.o" "$SMA" --cgroup "bypass-t$$-x" \
	--object "$T_TMP/bad.bpf.o"
[ "$CHECK_FAILURES" = 0 ] || fail "$CHECK_FAILURES bad use(s) not handled as expected"
cg=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
[ -z "$cg" ] || [ ! -e "$cg/bypass-t$$-x" ] || fail "a failed start left $cg/bypass-t$$-x"
[ ! -e /run/sockmap-accel ] || fail "a failed start left /run/sockmap-accel"
bpf_back_to "$before" || fail "a failed start left BPF programs: $(bpf_snapshot)"
say "ok"
