# SPDX-License-Identifier: BSD-3-Clause
# What the project needs from Debian 12, and hugepage setup; sourced by scripts/test and scripts/lab.

DEPS_PACKAGES=(
	build-essential meson ninja-build pkg-config
	libdpdk-dev dpdk dpdk-dev libnuma-dev libcmocka-dev liburing-dev libjansson-dev
	iproute2 iputils-ping python3 python3-scapy gnuplot-nox ethtool
	clang libclang-rt-14-dev procps kmod strace
	libbpf-dev bpftool
)
# The real services of `scripts/lab services` (and its test): installed by that command and by
# `scripts/lab setup`, not by every build, since a service missing is a row "not measured".
SERVICES_PACKAGES=(redis-server redis-tools postgresql nginx-light wrk util-linux)

# deps_install [PACKAGE...]: install what is missing of the list (default DEPS_PACKAGES; root
# only). Returns non-zero with a message when it cannot.
deps_install() {
	local missing=() p
	[ $# -gt 0 ] || set -- "${DEPS_PACKAGES[@]}"
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "installing: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || { echo "apt-get update failed" >&2; return 1; }
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		{ echo "apt-get install ${missing[*]} failed" >&2; return 1; }
}

# Make sure at least $1 2 MiB hugepages exist and hugetlbfs is mounted. Root only.
hugepages_setup() {
	local want=$1 nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	[ "$(id -u)" -eq 0 ] || return 1
	[ -w "$nr" ] || return 1
	if [ "$(cat "$nr")" -lt "$want" ]; then
		echo "$want" >"$nr"
		[ "$(cat "$nr")" -ge "$want" ] || {
			echo "could reserve only $(cat "$nr") of $want hugepages" >&2
			return 1
		}
	fi
	if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages || return 1
	fi
}

# proc_reap PID SECS [SIGNAL [GRACE_S]]: give PID, a child of this shell, up to SECS (a fraction
# is dropped) to end by itself; then send SIGNAL, if given, and wait GRACE_S more (default 10);
# then SIGKILL. Its exit status goes into REAP_RC.
proc_reap() {
	local pid=$1 secs=$2 sig=${3:-} grace=${4:-10}
	if ! proc_gone "$pid" $((${secs%.*} * 10)) && [ -n "$sig" ]; then
		kill "-$sig" "$pid" 2>/dev/null || true
		proc_gone "$pid" $((grace * 10)) || true
	fi
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	REAP_RC=0
	wait "$pid" || REAP_RC=$?
}

# proc_gone PID TENTHS: true once PID has ended, false while it is still running after TENTHS
# tenths of a second.
proc_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# memif_port_ready SOCK LOG [READY_RE]: a memif server listens on SOCK (DPDK 22.11: an abstract
# socket, so /proc/net/unix, not a file) and its log LOG shows its port started (READY_RE, by
# default bypass-echo's start line). The PMD listens from EAL's probe on, before the queues
# exist, and a client that connects in between can wait for its link for good.
memif_port_ready() {
	grep -q "@$1\$" /proc/net/unix && grep -q "${3:- mbufs in use at start\$}" "$2"
}
