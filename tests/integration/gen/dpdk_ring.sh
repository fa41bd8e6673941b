#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The dpdk engine's own ceiling on one lcore: echo-gen's engine against an in-memory echo over
# crossed net_ring ports (dpdk_ring_echo.c). Zero loss and corruption are required; the rate is
# printed, and enforced only when GEN_MIN_MPPS is set (it depends on the machine).
. "$SOURCE_DIR/tests/integration/lib.sh"
. "$SOURCE_DIR/tests/integration/gen/common.sh"
need_root
need_hugepages 64
BIN="$BUILD_DIR/tests/integration/gen/dpdk_ring_echo"
[ -x "$BIN" ] || skip "dpdk_ring_echo is not built (no librte_net_ring)"
[ "$(nproc)" -ge 2 ] || skip "needs two CPUs: one for the echo, one for the generator"

prefix="eg-ring$$"
on_exit "rm -rf /var/run/dpdk/$prefix"
"$BIN" --no-pci --in-memory -l 0,1 --file-prefix="$prefix" --log-level='*:warning' -- \
	--duration 2 --size 18 --window 256 --json "$T_TMP/r.json" \
	${GEN_MIN_MPPS:+--min-mpps "$GEN_MIN_MPPS"} || fail "dpdk_ring_echo: exit $?"
check_cell "$T_TMP/r.json" 0 "c['lost'] == 0" "c['corrupt'] == 0" "c['received'] == c['sent']" ||
	fail "in-memory echo lost or corrupted messages"
say "PASS: in-memory echo, zero loss and corruption"
