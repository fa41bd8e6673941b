# SPDX-License-Identifier: BSD-3-Clause
# What the tests that drive `scripts/lab run` share (sourced after lib.sh).

LAB="$SOURCE_DIR/scripts/lab"
export LAB_BUILD="$BUILD_DIR"

# lab_need_programs: skip unless echo-gen and sock-echo are built, or while a lab run (by hand or
# another test) holds the lab's lock: its topology and CPUs are taken.
lab_need_programs() {
	[ -x "$BUILD_DIR/app/echo-gen/echo-gen" ] || skip "echo-gen is not built"
	[ -x "$BUILD_DIR/app/sock-echo/sock-echo" ] || skip "sock-echo is not built"
	lab_need_lock
}

# lab_need_lock: skip while a lab run holds the lab's lock.
lab_need_lock() {
	if [ -e /run/lock/bypasslab.lock ] && ! flock -n /run/lock/bypasslab.lock true; then
		skip "a lab run is in progress on this machine"
	fi
}

# lab_run_matrix CONF OUT: `scripts/lab run` of the matrix CONF into OUT, its cell lines shown;
# fails without results.json or with the topology left behind, then `scripts/lab report`.
lab_run_matrix() {
	local conf=$1 out=$2
	"$LAB" run --matrix "$conf" --out "$out" 2>&1 | tee "$T_TMP/run.log" |
		grep -E '^\[|error' || true
	[ -s "$out/results.json" ] || fail "no results.json (run log above)"
	"$LAB" topo status >/dev/null ||
		fail "the run left its topology behind: $("$LAB" topo status)"
	"$LAB" report "$out" >"$T_TMP/report.log" 2>&1 ||
		fail "scripts/lab report failed: $(tail -5 "$T_TMP/report.log")"
}
