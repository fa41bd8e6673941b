# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab setup`, `preflight`, `bind` and `unbind`: packages, build, hugepages, and the
# checks that name each problem of a DPDK machine with the command that fixes it.

LAB_HUGEPAGES=512			# 2 MiB pages the lab reserves (1 GiB)
LAB_HUGEPAGES_MIN=128			# free pages the DPDK paths need at run time
LAB_BIND_STATE=/var/lib/bypasslab/bind	# the kernel driver a bound NIC came from
LAB_APPS="bypass-echo sock-echo echo-gen sockmap-accel"
PCI_SYSFS=${LAB_PCI_SYSFS:-/sys/bus/pci/devices}	# overridable for tests
LAB_IOMMU_DIR=${LAB_IOMMU_DIR:-/sys/kernel/iommu_groups}

# Build the apps that exist in the tree (each app's own target, so a test being written
# elsewhere in the tree cannot stop the lab from building).
lab_build() {
	local targets=() a
	command -v meson >/dev/null && command -v ninja >/dev/null ||
		lab_die "meson and ninja are missing: scripts/lab setup installs them" \
			"(apt-get install meson ninja-build)"
	if [ ! -f "$LAB_BUILD/build.ninja" ]; then
		lab_say "meson setup $LAB_BUILD"
		meson setup "$LAB_BUILD" "$LAB_SRC" >"$LAB_BUILD.setup.log" 2>&1 || {
			cat "$LAB_BUILD.setup.log" >&2
			rm -f "$LAB_BUILD.setup.log"
			lab_die "meson setup failed (log above)"
		}
		rm -f "$LAB_BUILD.setup.log"
	fi
	for a in $LAB_APPS; do
		[ -f "$LAB_SRC/app/$a/meson.build" ] && targets+=("app/$a/$a")
	done
	[ ${#targets[@]} -gt 0 ] || lab_die "no app to build under $LAB_SRC/app"
	# The net_ring path's in-process program, where the build has it (tests on, net_ring lib).
	if ninja -C "$LAB_BUILD" -t targets all 2>/dev/null |
		grep -q '^tests/integration/gen/dpdk_ring_echo:'; then
		targets+=(tests/integration/gen/dpdk_ring_echo)
	fi
	lab_say "building ${targets[*]##*/} in $LAB_BUILD"
	ninja -C "$LAB_BUILD" -j "$(nproc)" "${targets[@]}" >"$LAB_BUILD/lab-build.log" 2>&1 || {
		tail -30 "$LAB_BUILD/lab-build.log" >&2
		lab_die "build failed (last lines above; full log $LAB_BUILD/lab-build.log)"
	}
}

# One preflight line: "ok", "no" (a problem with its fix) or "--" (not needed here, for info).
lab_check() {
	local verdict=$1 what=$2
	shift 2
	printf '  %-3s %-16s %s\n' "$verdict" "$what" "$*"
}

lab_hugepages_free() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0
}

lab_pmd_present() {
	compgen -G "/usr/lib/*/dpdk/pmds-*/librte_net_$1.so*" >/dev/null ||
		compgen -G "/usr/local/lib*/dpdk/pmds-*/librte_net_$1.so*" >/dev/null
}

lab_kconfig() {
	local v
	if [ -r /proc/config.gz ]; then
		v=$(zcat /proc/config.gz | grep -E "^$1=" | cut -d= -f2)
	elif [ -r "/boot/config-$(uname -r)" ]; then
		v=$(grep -E "^$1=" "/boot/config-$(uname -r)" | cut -d= -f2)
	else
		v=unknown
	fi
	echo "${v:-n}"
}

lab_iommu_groups() {
	find "$LAB_IOMMU_DIR" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

lab_vfio_noiommu() {
	[ "$(cat /sys/module/vfio/parameters/enable_unsafe_noiommu_mode 2>/dev/null)" = Y ]
}

lab_vfio_loaded() {
	[ -d /sys/bus/pci/drivers/vfio-pci ]
}

# The interfaces (names) a PCI function carries, directly or through virtio.
lab_pci_ifaces() {
	local d
	for d in "$PCI_SYSFS/$1"/net/* "$PCI_SYSFS/$1"/virtio*/net/*; do
		[ -e "$d" ] && basename "$d"
	done
	return 0
}

lab_pci_driver() {
	local l
	l=$(readlink "$PCI_SYSFS/$1/driver" 2>/dev/null) || { echo none; return 0; }
	basename "$l"
}

# Interfaces the default routes (IPv4 and IPv6) leave through.
lab_default_route_ifaces() {
	{ ip -4 route show default; ip -6 route show default; } 2>/dev/null |
		sed -n 's/.* dev \([^ ]*\).*/\1/p' | sort -u
}

lab_net_pci_devices() {
	local d c
	for d in "$PCI_SYSFS"/*; do
		[ -e "$d/class" ] || continue
		c=$(cat "$d/class")
		case "$c" in 0x02*) basename "$d" ;; esac
	done
}

lab_preflight() {
	local n free pages r ifs d drv defs nics=0 problems=0
	echo "preflight: what this machine can run"
	if [ "$(id -u)" -eq 0 ]; then
		lab_check ok root "running as root"
	else
		lab_check no root "namespaces, hugepages and binding need root: sudo scripts/lab" \
			"..."
		problems=$((problems + 1))
	fi
	n=$(nproc)
	if [ "$n" -ge 2 ]; then
		lab_check ok cores "$n online; server on CPU 1, client on CPU 0"
	else
		lab_check no cores "$n online: client and server would share one core" \
			"(the lab needs 2)"
		problems=$((problems + 1))
	fi
	pages=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null || echo 0)
	free=$(lab_hugepages_free)
	if [ "$free" -ge "$LAB_HUGEPAGES_MIN" ]; then
		lab_check ok hugepages "$free of $pages 2 MiB pages free"
	else
		lab_check no hugepages "$free of $pages 2 MiB pages free" \
			"(need $LAB_HUGEPAGES_MIN): echo $LAB_HUGEPAGES >" \
			"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages" \
			"(scripts/lab setup does it)"
		problems=$((problems + 1))
	fi
	if grep -q ' hugetlbfs ' /proc/mounts; then
		lab_check ok hugetlbfs "mounted on" \
			"$(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)"
	else
		lab_check no hugetlbfs "not mounted: mkdir -p /dev/hugepages &&" \
			"mount -t hugetlbfs nodev /dev/hugepages"
		problems=$((problems + 1))
	fi
	if [ -c /dev/net/tun ]; then
		lab_check ok tap "/dev/net/tun present (net_tap)"
	else
		lab_check no tap "no /dev/net/tun: modprobe tun (net_tap cannot run)"
		problems=$((problems + 1))
	fi
	r=$(lab_kconfig CONFIG_XDP_SOCKETS)
	if [ "$r" = y ] && lab_pmd_present af_xdp; then
		lab_check ok af_xdp "kernel has XDP sockets, DPDK has net_af_xdp"
	elif [ "$r" = unknown ] && lab_pmd_present af_xdp; then
		lab_check ok af_xdp "DPDK has net_af_xdp; kernel config unreadable, tried at run" \
			"time"
	else
		lab_check no af_xdp "kernel XDP sockets: $r, PMD:" \
			"$(lab_pmd_present af_xdp && echo yes || echo no)" \
			"(needs CONFIG_XDP_SOCKETS=y and Debian's dpdk package)"
		problems=$((problems + 1))
	fi
	for d in memif tap af_packet ring; do
		lab_pmd_present "$d" || {
			lab_check no "net_$d" "DPDK PMD missing: apt-get install dpdk"
			problems=$((problems + 1))
		}
	done
	r=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)
	if [ "$r" = 0 ]; then
		lab_check ok io_uring "enabled"
	else
		lab_check no io_uring "disabled (kernel.io_uring_disabled=$r): sysctl -w" \
			"kernel.io_uring_disabled=0"
	fi

	lab_sockmap_preflight || problems=$((problems + 1))
	echo "preflight: a NIC lab (two hosts, a NIC bound to vfio-pci) would also need"
	n=$(lab_iommu_groups)
	if [ "$n" -gt 0 ]; then
		lab_check ok IOMMU "$n IOMMU groups"
	elif lab_vfio_noiommu; then
		lab_check --  IOMMU "none, but vfio no-IOMMU mode is on (unsafe: no DMA protection)"
	else
		lab_check no IOMMU "no IOMMU groups: enable VT-d/AMD-Vi in the firmware, add" \
			"intel_iommu=on iommu=pt (or amd_iommu=on) to GRUB_CMDLINE_LINUX in" \
			"/etc/default/grub, update-grub, reboot"
	fi
	if lab_vfio_loaded; then
		lab_check ok vfio-pci "driver loaded"
	elif [ -d /sys/module/vfio_pci ]; then
		lab_check ok vfio-pci "module present"
	else
		lab_check no vfio-pci "not loaded: modprobe vfio-pci" \
			"(a kernel without modules needs CONFIG_VFIO_PCI=y)"
	fi
	defs=$(lab_default_route_ifaces | tr '\n' ' ')
	for d in $(lab_net_pci_devices); do
		nics=$((nics + 1))
		drv=$(lab_pci_driver "$d")
		ifs=$(lab_pci_ifaces "$d" | tr '\n' ' ')
		ifs=${ifs% }
		if [ "$drv" = vfio-pci ]; then
			lab_check ok "$d" "bound to vfio-pci: ready for drivers-conf/vfio-pci.conf"
		elif [ -n "$ifs" ] && [[ " $defs " == *" ${ifs%% *} "* ]]; then
			lab_check -- "$d" "$drv, interface $ifs carries the default route: never" \
				"bind it"
		else
			lab_check -- "$d" "$drv${ifs:+, interface $ifs}: scripts/lab bind $d" \
				"(checks it first)"
		fi
	done
	[ "$nics" -gt 0 ] || lab_check -- NIC "no PCI network device here: the NIC lab needs two" \
		"hosts with one each"
	if [ "$problems" -gt 0 ]; then
		echo "preflight: $problems problem(s) for the single-host lab;" \
			"the fix is on each 'no' line"
	else
		echo "preflight: the single-host lab can run here"
	fi
	return 0
}

lab_cmd_setup() {
	[ $# -eq 0 ] || lab_die "setup takes no arguments"
	lab_need_root setup
	deps_install || lab_die "could not install the packages above"
	deps_install "${SERVICES_PACKAGES[@]}" || lab_err "could not install the real services'" \
		"packages: 'scripts/lab services' will report those services as not measured"
	lab_build
	# libxdp pins net_af_xdp's program here; without it, it warns and loads it unpinned.
	if [ -d /sys/fs/bpf ] && ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null || lab_err "could not mount bpffs on" \
			"/sys/fs/bpf (net_af_xdp still runs)"
	fi
	if ! hugepages_setup "$LAB_HUGEPAGES"; then
		lab_err "could not reserve $LAB_HUGEPAGES hugepages" \
			"(free: $(lab_hugepages_free));" \
			"DPDK paths will run with --no-huge where they can"
	fi
	lab_preflight
}

# "01:00.0" -> "0000:01:00.0"; anything else that is not a PCI address fails with the syntax.
lab_pci_parse() {
	local a=${1,,}
	[[ $a =~ ^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]] && a=0000:$a
	if ! [[ $a =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; then
		lab_err "'$1' is not a PCI address: expected DOMAIN:BUS:DEVICE.FUNCTION such as" \
			"0000:01:00.0 (list them: scripts/lab preflight)"
		return 2
	fi
	if [ ! -e "$PCI_SYSFS/$a" ]; then
		lab_err "no PCI device $a on this machine ($PCI_SYSFS/$a does not exist); network" \
			"devices here: $(lab_net_pci_devices | paste -sd, - | sed 's/,/, /g')"
		return 1
	fi
	LAB_PCI=$a
}

# Refuse a function whose interface carries the default route or is up with addresses.
lab_pci_check_free() {
	local pci=$1 i defs addrs
	defs=$(lab_default_route_ifaces)
	for i in $(lab_pci_ifaces "$pci"); do
		if grep -qx "$i" <<<"$defs"; then
			lab_err "refusing $pci: its interface $i carries the default route;" \
				"binding it would cut this machine off the network. Use a second" \
				"NIC for the lab."
			return 1
		fi
		addrs=$(ip -o addr show dev "$i" scope global 2>/dev/null | awk '{print $4}' |
			tr '\n' ' ')
		if ip -o link show dev "$i" 2>/dev/null | grep -q '[<,]UP[,>]' &&
			[ -n "$addrs" ]; then
			lab_err "refusing $pci: its interface $i is up with addresses ${addrs% };" \
				"if nothing uses it, free it first: ip addr flush dev $i && ip" \
				"link set $i down"
			return 1
		fi
	done
}

# Devices sharing the IOMMU group must be unbound or on vfio-pci too, or vfio refuses the group.
lab_pci_check_group() {
	local pci=$1 g d drv bad=""
	g=$(readlink "$PCI_SYSFS/$pci/iommu_group" 2>/dev/null) || return 0
	for d in "$g"/devices/*; do
		d=$(basename "$d")
		[ "$d" = "$pci" ] && continue
		drv=$(lab_pci_driver "$d")
		case "$drv" in none | vfio-pci | pcieport) ;; *) bad+=" $d($drv)" ;; esac
	done
	if [ -n "$bad" ]; then
		lab_err "IOMMU group $(basename "$g") of $pci also holds$bad: vfio needs the" \
			"whole group; bind those too, or put the NIC in a slot with its own group"
		return 1
	fi
}

lab_devbind() {
	local dry=$1
	shift
	if [ "$dry" = 1 ]; then
		echo "dry run: dpdk-devbind.py $*"
		return 0
	fi
	command -v dpdk-devbind.py >/dev/null ||
		lab_die "dpdk-devbind.py missing: apt-get install dpdk"
	dpdk-devbind.py "$@"
}

lab_cmd_bind() {
	local pci="" dry=0 drv class
	while [ $# -gt 0 ]; do
		case "$1" in
		--dry-run) dry=1 ;;
		-*) lab_die "bind: unknown option '$1'" ;;
		*) [ -z "$pci" ] || lab_die "bind: one PCI address at a time"; pci=$1 ;;
		esac
		shift
	done
	[ -n "$pci" ] || lab_die "usage: scripts/lab bind PCI [--dry-run]  (e.g. 0000:01:00.0)"
	lab_pci_parse "$pci" || exit $?
	pci=$LAB_PCI
	class=$(cat "$PCI_SYSFS/$pci/class")
	case "$class" in
	0x02*) ;;
	*) lab_die "refusing $pci: class $class is not a network controller (0x02xxxx)" ;;
	esac
	drv=$(lab_pci_driver "$pci")
	if [ "$drv" = vfio-pci ]; then
		lab_say "$pci is already bound to vfio-pci"
		return 0
	fi
	lab_pci_check_free "$pci" || exit 1
	if [ "$(lab_iommu_groups)" -eq 0 ] && ! lab_vfio_noiommu; then
		lab_die "refusing $pci: this machine has no IOMMU groups, so vfio-pci cannot" \
			"isolate the NIC's DMA. Enable VT-d/AMD-Vi in the firmware and add" \
			"intel_iommu=on iommu=pt (or amd_iommu=on) to the kernel command line," \
			"then reboot. (A VM without a virtual IOMMU can use vfio's unsafe" \
			"no-IOMMU mode:" \
			"echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode.)"
	fi
	lab_pci_check_group "$pci" || exit 1
	if ! lab_vfio_loaded && [ "$dry" = 0 ]; then
		modprobe vfio-pci 2>/dev/null || lab_die "vfio-pci is not loaded and 'modprobe" \
			"vfio-pci' failed: install linux-modules-extra for this kernel, or build" \
			"with CONFIG_VFIO_PCI"
	fi
	lab_need_root bind
	if [ "$dry" = 0 ]; then
		mkdir -p "$LAB_BIND_STATE"
		echo "$drv" >"$LAB_BIND_STATE/$pci"
	fi
	lab_devbind "$dry" -b vfio-pci "$pci"
	[ "$dry" = 1 ] || lab_say "$pci bound to vfio-pci (was $drv); edit" \
		"drivers-conf/vfio-pci.conf: eal = -a $pci"
}

lab_cmd_unbind() {
	local pci="" dry=0 to="" drv
	while [ $# -gt 0 ]; do
		case "$1" in
		--dry-run) dry=1 ;;
		--driver) [ $# -ge 2 ] || lab_die "unbind: --driver needs a value"; to=$2; shift ;;
		-*) lab_die "unbind: unknown option '$1'" ;;
		*) [ -z "$pci" ] || lab_die "unbind: one PCI address at a time"; pci=$1 ;;
		esac
		shift
	done
	[ -n "$pci" ] || lab_die "usage: scripts/lab unbind PCI [--driver DRIVER] [--dry-run]"
	lab_pci_parse "$pci" || exit $?
	pci=$LAB_PCI
	drv=$(lab_pci_driver "$pci")
	case "$drv" in
	vfio-pci | uio_pci_generic | igb_uio) ;;
	*) lab_die "$pci is not bound to a DPDK driver (its driver: $drv); nothing to unbind" ;;
	esac
	[ -n "$to" ] || to=$(cat "$LAB_BIND_STATE/$pci" 2>/dev/null || true)
	[ -n "$to" ] && [ "$to" != none ] ||
		lab_die "do not know which kernel driver $pci came from: give it, e.g." \
			"scripts/lab unbind $pci --driver ixgbe" \
			"(see: dpdk-devbind.py --status, 'unused=')"
	lab_need_root unbind
	lab_devbind "$dry" -b "$to" "$pci"
	[ "$dry" = 1 ] || { rm -f "$LAB_BIND_STATE/$pci"; lab_say "$pci back on $to"; }
}
