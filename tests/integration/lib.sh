# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the integration tests: skipping, cleanup traps, namespaces, background pids.
# Source it; it sets -eu and a trap that undoes everything registered with on_exit.

set -eu

: "${BUILD_DIR:?BUILD_DIR must point at the meson build directory}"
: "${SOURCE_DIR:?SOURCE_DIR must point at the source tree}"

T_NAME=$(basename "$0" .sh)
T_TMP=$(mktemp -d "/tmp/bypasslab-${T_NAME}.XXXXXX")
_cleanups=()

# Register a command to run at exit, last registered first.
on_exit() {
	_cleanups+=("$*")
}

_run_cleanups() {
	local rc=$? i ns
	set +e
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" >/dev/null 2>&1
	done
	# Namespaces last: what ran inside them is gone by now.
	if [ -f "$T_TMP/.netns" ]; then
		while read -r ns; do
			ip netns delete "$ns" >/dev/null 2>&1
		done <"$T_TMP/.netns"
	fi
	rm -rf "$T_TMP"
	exit $rc
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

say() { printf '%s: %s\n' "$T_NAME" "$*"; }

# Fail with a message; the logs of what start_bg started are shown for the diagnosis.
fail() {
	local f
	say "FAIL: $*" >&2
	for f in "$T_TMP"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f") (last 30 lines)" >&2
		tail -30 "$f" >&2
	done
	exit 1
}

# Exit 77 (meson's skip) with a reason; under CI=true a test that cannot run is a failure.
skip() {
	if [ "${CI:-}" = "true" ]; then
		say "FAIL: cannot run under CI: $*" >&2
		exit 1
	fi
	say "SKIP: $*" >&2
	exit 77
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, hugepages, tap devices)"
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs '$c' (scripts/test installs it)"
	done
}

# Free 2 MiB hugepages on this machine.
hugepages_free() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0
}

need_hugepages() {
	local want=${1:-64}
	[ "$(hugepages_free)" -ge "$want" ] ||
		skip "needs $want free 2 MiB hugepages (scripts/lab setup, or echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)"
}

# Create a namespace named bypass-t<pid>-SUFFIX, deleted at exit; prints its name. It is
# usually called as ns=$(netns_new x), in a subshell, so the name is kept in a file that the
# exit trap of the test itself reads (on_exit here would only reach the subshell).
netns_new() {
	local ns="bypass-t$$-$1"
	ip netns add "$ns"
	echo "$ns" >>"$T_TMP/.netns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# Start a command in the background; its pid goes into the variable named by $1 and is killed
# at exit if still running. Output goes to $T_TMP/<var>.log.
start_bg() {
	local var=$1
	shift
	"$@" >"$T_TMP/$var.log" 2>&1 &
	local pid=$!
	printf -v "$var" '%s' "$pid"
	on_exit "kill -9 $pid"
}

# check CODE 'TEXT' COMMAND...: run a bad invocation (60 s at most, no input); it must exit CODE
# and say TEXT. Prints one line either way; a mismatch adds to CHECK_FAILURES.
CHECK_FAILURES=0
check() {
	local code=$1 text=$2 rc=0
	shift 2
	timeout 60 "$@" >"$T_TMP/check.out" 2>&1 </dev/null || rc=$?
	if [ "$rc" -ne "$code" ] || ! grep -qF -- "$text" "$T_TMP/check.out"; then
		say "FAIL: $*: want exit $code and '$text', got exit $rc:"
		sed 's/^/    /' "$T_TMP/check.out"
		CHECK_FAILURES=$((CHECK_FAILURES + 1))
	else
		say "ok: exit $rc, $(grep -F -- "$text" "$T_TMP/check.out" | head -1)"
	fi
}

# tap_peer_mac NS IFACE MAC: give net_tap's kernel side a chosen MAC. Call it once bypass-echo
# serves: the port's start sets the kernel side back to the port's MAC (the PMD's MAC restore),
# after which bypass-echo gives it one of its own (unless --keep-tap-mac); tests that need a
# known peer MAC set theirs after that.
tap_peer_mac() {
	ip -n "$1" link set "$2" address "$3"
}

# Wait up to $2 seconds (default 10) for a command to succeed.
wait_for() {
	local cmd=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		if eval "$cmd" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# Wait for pid $1 to exit within $2 seconds; sets WAIT_RC to its exit code.
wait_exit() {
	local pid=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			set +e
			wait "$pid"
			WAIT_RC=$?
			set -e
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# check_cells FILE EXPR...: every cell of an echo-gen results file must satisfy every Python
# EXPR (over the cell c); prints each cell's main numbers.
check_cells() {
	local file=$1
	shift
	/usr/bin/python3 - "$file" "$@" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1])):
    print(f"  {c['payload_bytes']} B, {c['flows']} flows, w={c['window']}: sent {c['sent']} "
          f"received {c['received']} lost {c['lost']} corrupt {c['corrupt']} dup "
          f"{c['duplicate']} reconnects {c['reconnects']} p50 {c['rtt_us']['p50']:.0f} us "
          f"p99 {c['rtt_us']['p99']:.0f} us")
    for expr in sys.argv[2:]:
        if not eval(expr, {}, {"c": c}):
            sys.exit(f"check failed: {expr}")
PY
}
