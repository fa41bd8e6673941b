# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab topo up|down|status`: the namespaces, veth pair and runtime folder every path needs.
# up is idempotent; down removes everything the lab made, whatever state a killed run left.

lab_ns_exists() {
	ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"
}

lab_link_exists() {
	ip link show dev "$1" >/dev/null 2>&1
}

# A namespace with lo up and no IPv6 (no router solicitations or MLD reports in the counters).
lab_ns_make() {
	local ns=$1
	lab_ns_exists "$ns" || ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

lab_topo_up() {
	local a
	lab_need_root "topo up"
	command -v ip >/dev/null || lab_die "no 'ip' command: apt-get install iproute2"
	mkdir -p "$LAB_RUN"
	chmod 0755 "$LAB_RUN"

	# net_tap: bypass-echo creates bypass-tap0 inside this namespace when it starts.
	lab_ns_make "$LAB_NS_TAP"

	# net_af_packet and net_af_xdp: the veth pair, our end in the root namespace.
	lab_ns_make "$LAB_NS_PEER"
	if ! lab_link_exists "$LAB_VETH_OURS"; then
		# A half-made pair from an interrupted run: start that end again.
		ip -n "$LAB_NS_PEER" link del "$LAB_VETH_PEER" 2>/dev/null || true
		ip link add "$LAB_VETH_OURS" type veth peer name "$LAB_VETH_PEER" \
			netns "$LAB_NS_PEER" ||
			lab_die "cannot create veth pair $LAB_VETH_OURS/$LAB_VETH_PEER" \
				"(is the veth driver in this kernel?)"
	fi
	ip -n "$LAB_NS_PEER" link show dev "$LAB_VETH_PEER" >/dev/null 2>&1 ||
		lab_die "$LAB_VETH_OURS exists but its peer is not in netns $LAB_NS_PEER; run:" \
			"scripts/lab topo down"
	# Our end carries no address; the kernel must neither answer on it nor forward from it
	# (a 198.18.x packet routed out of the default route would leave the host).
	sysctl -qw "net.ipv4.conf.$LAB_VETH_OURS.forwarding=0" \
		"net.ipv6.conf.$LAB_VETH_OURS.disable_ipv6=1" >/dev/null
	ip addr flush dev "$LAB_VETH_OURS"
	ip link set "$LAB_VETH_OURS" up
	# The kernel hands veth frames over with checksums left to an offload that a veth
	# never performs (CHECKSUM_PARTIAL); af_packet and af_xdp see them raw, so bypass-echo
	# would count every datagram as udp_bad_cksum. Make the peer's kernel compute them.
	command -v ethtool >/dev/null || lab_die "no 'ethtool' command: apt-get install ethtool"
	ip netns exec "$LAB_NS_PEER" ethtool -K "$LAB_VETH_PEER" tx off >/dev/null ||
		lab_die "ethtool -K $LAB_VETH_PEER tx off failed in netns $LAB_NS_PEER"
	for a in $LAB_VETH_PEER_IPS; do
		ip -n "$LAB_NS_PEER" addr replace "$a" dev "$LAB_VETH_PEER"
	done
	ip -n "$LAB_NS_PEER" link set "$LAB_VETH_PEER" up
	lab_say "topology up: netns $LAB_NS_TAP (tap), netns $LAB_NS_PEER" \
		"($LAB_VETH_PEER ${LAB_VETH_PEER_IPS// /, }) <-> $LAB_VETH_OURS" \
		"(here, no address), $LAB_RUN"
}

# Everything the lab may have left: processes first (they hold the interfaces), then
# namespaces, interfaces, socket files, DPDK runtime folders of the lab's prefixes.
lab_topo_down() {
	local ns d
	lab_need_root "topo down"
	# A live run owns the topology and takes it down itself; a killed one holds no lock.
	if [ -z "${LAB_HOLDS_LOCK:-}" ] && [ -e "$LAB_LOCK" ]; then
		exec 8<"$LAB_LOCK"
		flock -w 2 8 ||
			lab_die "a lab run is in progress (it holds $LAB_LOCK) and removes the" \
				"topology when it ends; stop it with Ctrl-C first"
		exec 8<&-
		rm -f "$LAB_LOCK"
	fi
	if [ -d "$LAB_RUN" ]; then
		lab_stop_all
	fi
	lab_sockmap_cleanup	# a killed sockmap-accel's cgroup (scripts/lab.d/sockmap.sh)
	for ns in "$LAB_NS_TAP" "$LAB_NS_PEER"; do
		if lab_ns_exists "$ns"; then
			ip netns delete "$ns" || lab_err "could not delete netns $ns"
		fi
	done
	# Deleting the peer's namespace deletes the pair; a half-made pair can leave our end.
	if lab_link_exists "$LAB_VETH_OURS"; then
		ip link del "$LAB_VETH_OURS" || lab_err "could not delete $LAB_VETH_OURS"
	fi
	if [ -d "$LAB_RUN" ]; then
		# The temporary folder of a killed `scripts/lab services` (data, sockets, configs).
		local t
		if read -r t <"$LAB_RUN/services.tmpdir" 2>/dev/null &&
			[[ $t == /tmp/bypasslab-lab-services.* ]]; then
			rm -rf "$t"
		fi
		rm -rf "${LAB_RUN:?}"
	fi
	for d in "$LAB_DPDK_RUNDIR/$LAB_DPDK_PREFIX" "$LAB_DPDK_RUNDIR/$LAB_DPDK_PREFIX"-*; do
		[ -e "$d" ] && rm -rf "$d"
	done
	lab_say "topology down: no bypass-tap/bypass-peer namespace, no $LAB_VETH_OURS, no $LAB_RUN"
}

# What is there now, and a non-zero exit when any of it is (used by tests and `down` checks).
lab_topo_status() {
	local left=0 f ns
	for ns in "$LAB_NS_TAP" "$LAB_NS_PEER"; do
		if lab_ns_exists "$ns"; then
			echo "netns $ns"
			left=1
		fi
	done
	if lab_link_exists "$LAB_VETH_OURS"; then
		echo "interface $LAB_VETH_OURS"
		left=1
	fi
	if [ -d "$LAB_RUN" ]; then
		echo "folder $LAB_RUN"
		left=1
		for f in "$LAB_RUN"/*.pid; do
			[ -e "$f" ] || continue
			if lab_pidfile_alive "$f"; then
				echo "process $(cat "$f")"
			fi
		done
	fi
	return $left
}

lab_cmd_topo() {
	case "${1:-}" in
	up) lab_topo_up ;;
	down) lab_topo_down ;;
	status)
		if lab_topo_status; then
			echo "nothing of the lab topology is present"
		else
			return 1
		fi
		;;
	*) lab_die "usage: scripts/lab topo up|down|status" ;;
	esac
}
