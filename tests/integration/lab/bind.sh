#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab bind` and `unbind` refuse what they must, each with a precise line: a malformed
# PCI address, a device that does not exist, a device that is not a NIC, the NIC carrying the
# default route (with --dry-run, so a bug here cannot cut the machine off), a machine without
# an IOMMU (a fake sysfs tree), and unbinding a device no DPDK driver holds.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_root
need_cmd ip

LAB="$SOURCE_DIR/scripts/lab"

# Run the lab, expect exit status $1 and a message matching $2 on stderr.
expect() {
	local rc=$1 msg=$2 got=0
	shift 2
	"$@" >"$T_TMP/out" 2>"$T_TMP/err" || got=$?
	[ "$got" -eq "$rc" ] || fail "$*: exit $got, expected $rc; stderr: $(cat "$T_TMP/err")"
	grep -qE -- "$msg" "$T_TMP/err" || fail "$*: message '$(cat "$T_TMP/err")' lacks /$msg/"
	say "ok: $* -> $(head -1 "$T_TMP/err" | cut -c1-110)"
}

expect 2 "'0000:zz:00.0' is not a PCI address: expected DOMAIN:BUS:DEVICE.FUNCTION" \
	"$LAB" bind 0000:zz:00.0
expect 2 "'eth0' is not a PCI address" "$LAB" bind eth0
expect 1 "usage: scripts/lab bind PCI" "$LAB" bind
missing="/sys/bus/pci/devices/0000:7f:1f.7 does not exist"
expect 1 "no PCI device 0000:7f:1f.7 on this machine \($missing\)" \
	"$LAB" bind 0000:7f:1f.7
expect 1 "no PCI device 0000:7f:1f.7" "$LAB" unbind 7f:1f.7

# A real PCI device that is not a network controller, where the machine has one.
other=$(for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/class")" in 0x02*) ;; *) basename "$d"; break ;; esac
done)
if [ -n "$other" ]; then
	expect 1 "refusing $other: class 0x[0-9a-f]+ is not a network controller" \
		"$LAB" bind "$other"
fi

# The NIC of the default route, when it is a PCI device: refused before anything runs.
dev=$(ip -4 route show default | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
pci=""
if [ -n "$dev" ] && [ -e "/sys/class/net/$dev/device" ]; then
	pci=$(basename "$(readlink -f "/sys/class/net/$dev/device")")
	case "$pci" in
	virtio*) pci=$(basename "$(readlink -f "/sys/class/net/$dev/device/..")") ;;
	esac
fi
if [[ $pci =~ ^[0-9a-f]{4}: ]]; then
	expect 1 "refusing $pci: its interface $dev carries the default route" \
		"$LAB" bind "$pci" --dry-run
	expect 1 "$pci is not bound to a DPDK driver" "$LAB" unbind "$pci" --dry-run
	ip link show "$dev" | grep -q 'state UP' || fail "$dev is not up any more"
else
	say "no PCI NIC carries the default route here: that refusal not exercised"
fi

# A fake sysfs: one network function with no interface, on a machine without IOMMU groups.
fake="$T_TMP/sys"
mkdir -p "$fake/pci/0000:42:00.0" "$fake/iommu"
echo 0x020000 >"$fake/pci/0000:42:00.0/class"
expect 1 "refusing 0000:42:00.0: this machine has no IOMMU groups.*intel_iommu=on" \
	env LAB_PCI_SYSFS="$fake/pci" LAB_IOMMU_DIR="$fake/iommu" "$LAB" bind 0000:42:00.0 --dry-run
# With an IOMMU group, the dry run names the dpdk-devbind.py command it would run.
mkdir -p "$fake/iommu/7/devices"
ln -s "$fake/pci/0000:42:00.0" "$fake/iommu/7/devices/0000:42:00.0"
ln -s "$fake/iommu/7" "$fake/pci/0000:42:00.0/iommu_group"
out=$(env LAB_PCI_SYSFS="$fake/pci" LAB_IOMMU_DIR="$fake/iommu" "$LAB" bind 42:00.0 --dry-run) ||
	fail "dry run on a bindable fake device failed"
[ "$out" = "dry run: dpdk-devbind.py -b vfio-pci 0000:42:00.0" ] || fail "dry run said: $out"
say "ok: bind 42:00.0 --dry-run -> $out"
# A second function in the same group still on a kernel driver: vfio needs the whole group.
mkdir -p "$fake/pci/0000:42:00.1" "$fake/drivers/ixgbe"
echo 0x020000 >"$fake/pci/0000:42:00.1/class"
ln -s "$fake/drivers/ixgbe" "$fake/pci/0000:42:00.1/driver"
ln -s "$fake/pci/0000:42:00.1" "$fake/iommu/7/devices/0000:42:00.1"
expect 1 "IOMMU group 7 of 0000:42:00.0 also holds 0000:42:00.1\(ixgbe\)" \
	env LAB_PCI_SYSFS="$fake/pci" LAB_IOMMU_DIR="$fake/iommu" "$LAB" bind 0000:42:00.0 --dry-run
say "PASS: every refusal names its cause"
