#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/lab's bad invocations: unknown command, missing values, an unknown matrix, path,
# size or cell kind, a run folder without results, no root. Each gets one precise line and a non-zero exit,
# and leaves nothing behind: no namespace, no run folder, no lab process.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_root
need_cmd runuser

LAB="$SOURCE_DIR/scripts/lab"
export LAB_RESULTS="$T_TMP/results"

netns_before=$(ip netns list | grep -c '^bypass-tap\|^bypass-peer' || true)
check 2 "unknown command 'bogus'" "$LAB" bogus
check 1 "matrix 'no-such-matrix': cannot read it" "$LAB" run --matrix no-such-matrix
check 1 "size 'abc': expected payload bytes from 1 to 65507" "$LAB" run --sizes abc
check 1 "unknown path 'no_such_path' (paths: udp tcp" "$LAB" run --paths no_such_path
check 1 "size 1048576: only tcp and uds-stream paths carry messages over 65507 bytes" \
	"$LAB" run --paths udp,uds-dgram --sizes 1048576
check 1 "unknown path 'uds-stream%zerocopy'" "$LAB" run --paths uds-stream%zerocopy
check 1 "run: --out needs a folder" "$LAB" run --out
sed 's/^cells = .*/cells = latency latency-polling/' "$SOURCE_DIR/scripts/lab.d/matrix/quick.conf" \
	>"$T_TMP/bad-cell.conf"
check 1 "cell 'latency-polling': expected one of: latency latency-poll throughput" \
	"$LAB" run --matrix "$T_TMP/bad-cell.conf"
check 1 "has no results.json" "$LAB" report "$T_TMP/empty-run"
check 1 "usage: scripts/lab bind PCI" "$LAB" bind
check 1 "usage: scripts/lab topo up|down|status" "$LAB" topo sideways
check 1 "'topo up' needs root" runuser -u nobody -- "$LAB" topo up
check 1 "needs root" runuser -u nobody -- "$LAB" run --quick

[ ! -e "$LAB_RESULTS" ] || fail "a refused run left $(ls "$LAB_RESULTS") in $LAB_RESULTS"
[ "$(ip netns list | grep -c '^bypass-tap\|^bypass-peer' || true)" -eq "$netns_before" ] ||
	fail "a refused command created the lab's namespaces"
[ "$CHECK_FAILURES" -eq 0 ] || fail "$CHECK_FAILURES bad invocation(s) misreported"
say "PASS"
