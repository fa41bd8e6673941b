# SPDX-License-Identifier: BSD-3-Clause
# The lab's "+sockmap" paths (tcp+sockmap, tcp@busy-poll+sockmap, ...): sockmap-accel runs for
# the path's lifetime, the server and every client start inside its cgroup, and each cell must
# prove with the BPF counters that its messages took the shortcut.
#
# Naming: "+sockmap" is a modifier like the placements "+1cpu" and "+single" and may be combined
# with them in any order (tcp+sockmap+1cpu); the base and the io mode stay those of the plain
# path, so whatever the lab does for tcp it does for tcp+sockmap too. Only tcp takes it.

LAB_SOCKMAP_CGROUP=bypasslab-sockmap	# a name: sockmap-accel makes it in the cgroup2 mount
LAB_SOCKMAP_STATE=/run/sockmap-accel/lock	# sockmap-accel's own lock and state file
LAB_SOCKMAP_STATS_S=0.1			# how often sockmap-accel rewrites its counters
LAB_SOCKMAP_WAIT_S=10			# it has this long to attach

# Why this machine cannot run the shortcut (into REASON), or success. Used by the run (the
# path is then "unavailable" with the reason) and by the preflight.
lab_sockmap_check() {
	local v
	REASON=
	[ "$(id -u)" -eq 0 ] || { REASON="needs root (BPF programs, cgroups)"; return 1; }
	for v in CONFIG_BPF_SYSCALL CONFIG_CGROUP_BPF CONFIG_NET_SOCK_MSG; do
		[ "$(lab_kconfig "$v")" != n ] || {
			REASON="kernel built without $v (eBPF sockmap needs CONFIG_BPF_SYSCALL,"
			REASON+=" CONFIG_CGROUP_BPF and CONFIG_NET_SOCK_MSG)"
			return 1
		}
	done
	grep -qw cgroup2 /proc/filesystems || {
		REASON="kernel without cgroup v2 (no cgroup2 in /proc/filesystems)"
		return 1
	}
	[ -x "${SMA:-}" ] || {
		REASON="sockmap-accel is not built (${SMA:-build/app/sockmap-accel/sockmap-accel};"
		REASON+=" it needs clang and libbpf-dev: scripts/lab setup)"
		return 1
	}
	[ -r "${SMA_OBJ:-}" ] || {
		REASON="the BPF object ${SMA_OBJ:-} is not built (ninja -C $LAB_BUILD"
		REASON+=" lib/sockmap/sockmap.bpf.o)"
		return 1
	}
	return 0
}

lab_sockmap_vars() {
	SMA=$LAB_BUILD/app/sockmap-accel/sockmap-accel
	SMA_OBJ=$LAB_BUILD/lib/sockmap/sockmap.bpf.o
}

# One preflight line; fails when the shortcut cannot run here.
lab_sockmap_preflight() {
	local mnt cg2="not mounted (sockmap-accel mounts its own)"
	lab_sockmap_vars
	if lab_sockmap_check; then
		mnt=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
		[ -z "$mnt" ] || cg2="mounted on $mnt"
		lab_check ok sockmap "BPF, cgroup BPF and sockmap in the kernel; cgroup v2 $cg2"
	else
		lab_check no sockmap "tcp+sockmap cannot run: $REASON"
		return 1
	fi
}

# Start sockmap-accel for the path and set SRV_WRAP and CLIENT_WRAP: the command prefix that
# puts a process into its cgroup before it opens any socket. 1 with REASON when it fails.
lab_sockmap_start() {
	local f=$1 i
	SM_STATS=$LAB_RUN/sockmap-$f.stats.json
	SM_LOG=$LOGS/$f.sockmap-accel.log
	SM_PIDFILE=$LAB_RUN/sockmap-$f.pid
	rm -f "$SM_STATS"
	LAB_SPAWN_LOG=$SM_LOG lab_spawn "sockmap-$f" "$SMA" --cgroup "$LAB_SOCKMAP_CGROUP" \
		--stats-json "$SM_STATS" --stats-interval "$LAB_SOCKMAP_STATS_S"
	for ((i = 0; i < LAB_SOCKMAP_WAIT_S * 10; i++)); do
		[ -s "$SM_STATS" ] && break
		lab_pidfile_alive "$SM_PIDFILE" || break
		sleep 0.1
	done
	if [ ! -s "$SM_STATS" ]; then
		REASON="sockmap-accel did not attach: $(lab_log_tail "$SM_LOG")"
		lab_sockmap_stop
		return 1
	fi
	SM_CGROUP=$(lab_sockmap_stat cgroup)
	# sh puts itself into the cgroup, then becomes the program: the pid the lab records is the
	# program's, and its sockets belong to the cgroup from the first one on.
	# shellcheck disable=SC2016
	SRV_WRAP=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$SM_CGROUP")
	CLIENT_WRAP=("${SRV_WRAP[@]}")
	SRV_DESC_SM="; server and client in cgroup $SM_CGROUP with sockmap-accel"
	SRV_DESC_SM+=" (sock_ops + sk_msg on a SOCKHASH)"
	return 0
}

lab_sockmap_stop() {
	[ -n "${SM_PIDFILE:-}" ] && [ -e "$SM_PIDFILE" ] && lab_stop_pidfile "$SM_PIDFILE"
	SM_PIDFILE=
	SRV_WRAP=()
	CLIENT_WRAP=()
	SRV_DESC_SM=
	return 0
}

# One value of sockmap-accel's stats file.
lab_sockmap_stat() {
	"$LAB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$SM_STATS" "$1"
}

# The counters once sockmap-accel has rewritten its file twice since now (so they include
# everything sent before this call): "seq redirected_msgs redirected_bytes missed_msgs".
lab_sockmap_counters() {
	local seq0 seq i
	seq0=$(lab_sockmap_stat seq) || return 1
	for ((i = 0; i < 50; i++)); do
		sleep "$LAB_SOCKMAP_STATS_S"
		seq=$(lab_sockmap_stat seq) || return 1
		[ "$seq" -ge $((seq0 + 2)) ] && break
		lab_pidfile_alive "$SM_PIDFILE" || return 1
	done
	[ "$seq" -ge $((seq0 + 2)) ] || return 1
	"$LAB_PY" -c 'import json,sys; s = json.load(open(sys.argv[1]))
print(s["redirected_msgs"], s["redirected_bytes"], s["missed_msgs"])' "$SM_STATS"
}

lab_sockmap_cell_begin() {
	SM_BEFORE=$(lab_sockmap_counters) || SM_BEFORE=
}

# After a measured cell: what the shortcut carried during it, into CELL_EXTRA for the results;
# fails (REASON) when not all of it went through the shortcut: then the cell is no tcp+sockmap
# result. The program runs once per send, and on a stream echo-gen and sock-echo write several
# messages in one send, so the messages are counted in bytes: every measured message crosses
# twice (request, echo), so at least 2 x sent x size bytes must be redirected (warm-up adds
# more), and no send of the cell may have gone through TCP.
lab_sockmap_cell_check() {
	local cell_json=$1 after sent size r0 b0 m0 r1 b1 m1 msgs
	CELL_EXTRA=()
	if [ -z "$SM_BEFORE" ] || ! after=$(lab_sockmap_counters); then
		REASON="sockmap-accel stopped or stopped counting: $(lab_log_tail "$SM_LOG")"
		return 1
	fi
	read -r r0 b0 m0 <<<"$SM_BEFORE"
	read -r r1 b1 m1 <<<"$after"
	read -r sent size < <("$LAB_PY" -c 'import json,sys; c = json.load(open(sys.argv[1]))[0]
print(c["sent"], c["payload_bytes"])' "$cell_json")
	msgs=$(((b1 - b0) / size))
	CELL_EXTRA=("lab.sockmap_redirected_msgs=$msgs" "lab.sockmap_redirected_bytes=$((b1 - b0))"
		"lab.sockmap_redirected_sends=$((r1 - r0))" "lab.sockmap_missed_sends=$((m1 - m0))"
		"lab.sockmap_cgroup=$(lab_json_str "$SM_CGROUP")")
	if [ "$msgs" -lt $((2 * sent)) ] || [ $((m1 - m0)) -gt 0 ]; then
		REASON="sockmap redirected $msgs messages of $size B ($((r1 - r0)) sends) for"
		REASON+=" 2 x $sent sent (request and echo), and $((m1 - m0)) sends went through"
		REASON+=" TCP: not every message took the shortcut"
		return 1
	fi
	CELL_SUMMARY+=", sockmap: $msgs messages redirected for 2 x $sent sent, 0 missed"
	return 0
}

# What a killed sockmap-accel left (its cgroup, a private cgroup2 mount): `topo down` calls it
# after every process of the lab is stopped.
lab_sockmap_cleanup() {
	lab_sockmap_vars
	[ -e "$LAB_SOCKMAP_STATE" ] && [ -x "$SMA" ] || return 0
	"$SMA" --cleanup 2>&1 | sed 's/^/lab: /' >&2 || true
}
