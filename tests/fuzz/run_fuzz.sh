#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fuzz a target for a bounded time from the checked-in corpus; new inputs go to a temporary
# directory, a crash is kept in the build directory and printed so it can become a unit test.
#   run_fuzz.sh TARGET CORPUS SECONDS [MORE_SEED_DIRS...]
set -eu
target=$1 corpus=$2 secs=$3
shift 3
work=$(mktemp -d /tmp/bypasslab-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
artifacts="${BUILD_DIR:-.}/fuzz-artifacts"
mkdir -p "$artifacts"
rc=0
"$target" -max_total_time="$secs" -max_len=4096 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$work" "$corpus" "$@" 2>"$work/log" || rc=$?
grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done)' "$work/log" || true
if [ "$rc" -ne 0 ]; then
	tail -40 "$work/log"
	for f in "$artifacts"/*; do
		[ -f "$f" ] && { echo "crash input $f:"; od -An -tx1 -v "$f" | head -20; }
	done
	exit 1
fi
echo "fuzzed $secs s: no crash"
