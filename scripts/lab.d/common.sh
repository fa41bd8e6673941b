# SPDX-License-Identifier: BSD-3-Clause
# Shared state of scripts/lab: paths, names, messages, and the pid files of what the lab started.
# Sourced by scripts/lab; expects $LAB_SRC (the source tree) to be set.

LAB_RUN=${LAB_RUN:-/run/bypasslab}		# memif socket, UDS paths, pid files
LAB_BUILD=${LAB_BUILD:-$LAB_SRC/build}		# meson build directory
LAB_RESULTS=${LAB_RESULTS:-$LAB_SRC/results}	# one folder per run
LAB_PY=/usr/bin/python3				# the system Python, not the one on PATH

# The topology (drivers-conf/*.conf name the same interfaces and addresses).
LAB_NS_TAP=bypass-tap		# bypass-echo on net_tap runs here and creates bypass-tap0
LAB_NS_PEER=bypass-peer		# the kernel peer of the veth pair
LAB_TAP_IF=bypass-tap0
LAB_TAP_PEER_IP=198.18.0.1/24
LAB_TAP_PEER_MAC=02:42:c6:12:00:01	# the kernel side's own MAC, not the port's
LAB_VETH_PEER=bypass-veth0	# in $LAB_NS_PEER
LAB_VETH_OURS=bypass-veth1	# root namespace, up, no address: af_packet and af_xdp bind here
LAB_VETH_PEER_IPS="198.18.1.1/24 198.18.2.1/24"	# af_packet and af_xdp subnets
LAB_MEMIF_SOCK=$LAB_RUN/memif.sock
LAB_DPDK_PREFIX=bypasslab	# --file-prefix of every DPDK process the lab starts (plus -NAME)
LAB_DPDK_RUNDIR=/var/run/dpdk
LAB_LOCK=/run/lock/bypasslab.lock	# held by a run for its whole life
# Seconds a process gets between SIGTERM and SIGKILL when the lab stops it: more than a DPDK
# server's link wait (link_wait_ms in drivers-conf), during which it does not look at signals.
LAB_STOP_GRACE_S=12

lab_say() { printf 'lab: %s\n' "$*" >&2; }
lab_err() { printf 'lab: error: %s\n' "$*" >&2; }
lab_die() {
	lab_err "$*"
	exit 1
}

lab_need_root() {
	[ "$(id -u)" -eq 0 ] ||
		lab_die "'$1' needs root (network namespaces, hugepages, devices);" \
			"run: sudo scripts/lab $1"
}

# Field 22 of /proc/PID/stat: the start time, which tells a pid from a later reuse of it.
# Fails for a process that is gone or a zombie (it has exited; only its parent's wait is due).
lab_pid_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -f
	# shellcheck disable=SC2086
	set -- $stat
	set +f
	case "$1" in Z | X | x) return 1 ;; esac
	echo "${20}"
}

# Start "$@" in the background as NAME, its output in $LAB_SPAWN_LOG (default
# $LAB_RUN/NAME.log; appended to when LAB_SPAWN_APPEND=1), its pid file $LAB_RUN/NAME.pid holding "pid starttime name", so that
# `topo down` can stop it even after the lab itself was killed. Sets LAB_PID. The child does
# not inherit the run lock.
lab_spawn() {
	local name=$1 log
	shift
	log=${LAB_SPAWN_LOG:-$LAB_RUN/$name.log}
	if [ "${LAB_SPAWN_APPEND:-0}" = 1 ]; then
		echo "=== lab: started again at $(date -u +%T)" >>"$log"
		"$@" >>"$log" 2>&1 </dev/null 9>&- &
	else
		"$@" >"$log" 2>&1 </dev/null 9>&- &
	fi
	LAB_PID=$!
	printf '%s %s %s\n' "$LAB_PID" "$(lab_pid_starttime "$LAB_PID" || echo 0)" "$name" \
		>"$LAB_RUN/$name.pid"
}

# True when the pid file's process is still the one the lab started.
lab_pidfile_alive() {
	local pid start name now
	read -r pid start name <"$1" 2>/dev/null || return 1
	[ -n "$pid" ] || return 1
	now=$(lab_pid_starttime "$pid") || return 1
	[ "$now" = "$start" ]
}

# Stop the process of one pid file: SIGTERM, then SIGKILL after $LAB_STOP_GRACE_S; remove the
# file. Only a process whose start time matches the file is signalled.
lab_stop_pidfile() {
	local f=$1 pid start name i
	read -r pid start name <"$f" 2>/dev/null || { rm -f "$f"; return 0; }
	if lab_pidfile_alive "$f"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < LAB_STOP_GRACE_S * 20; i++)); do
			lab_pidfile_alive "$f" || break
			sleep 0.05
		done
		if lab_pidfile_alive "$f"; then
			lab_say "$name (pid $pid) ignored SIGTERM for ${LAB_STOP_GRACE_S} s:" \
				"SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 40; i++)); do
				lab_pidfile_alive "$f" || break
				sleep 0.05
			done
		fi
	fi
	# Reap it if it is our child, so it leaves no zombie behind.
	wait "$pid" 2>/dev/null || true
	rm -f "$f"
}

# Wait at most SECS seconds for the process that lab_spawn NAME just started ($LAB_PID) to end.
# 0 when it ended, its exit status in LAB_RC; 1 when it was still running and has been stopped.
lab_wait_spawned() {
	local f=$LAB_RUN/$1.pid secs=$2 t0=$SECONDS
	while lab_pidfile_alive "$f"; do
		if ((SECONDS - t0 > secs)); then
			lab_stop_pidfile "$f"
			return 1
		fi
		sleep 0.05
	done
	LAB_RC=0
	wait "$LAB_PID" 2>/dev/null || LAB_RC=$?
	rm -f "$f"
}

lab_stop_all() {
	local f
	for f in "$LAB_RUN"/*.pid; do
		[ -e "$f" ] || continue
		lab_stop_pidfile "$f"
	done
}
