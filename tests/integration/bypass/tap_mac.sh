#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# net_tap's kernel side and our MAC: by default bypass-echo gives the kernel side its own MAC
# once the port has started, says so, and ping answers at once, with nothing set by hand. With
# --keep-tap-mac the kernel side keeps the port's MAC, its frames are dropped as eth_bad_src, and
# one line on stderr (one, however many frames) names the cause and the command that fixes it;
# running that command makes ping answer.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_root
need_cmd ip ping /usr/bin/python3
need_hugepages 64

BIN="$BUILD_DIR/app/bypass-echo/bypass-echo"
ns=$(netns_new tapmac)
tap="bltm$$"
huge_before=$(ls /dev/hugepages | wc -l)

# start_echo RUN [APP OPTIONS...]: bypass-echo on a fresh tap, kernel side 198.18.0.1/24 and up.
start_echo() {
	local run=$1 prefix="bl-tm$$-$1"
	shift
	start_bg "echo_$run" ip netns exec "$ns" "$BIN" -l 0,1 --no-pci --file-prefix="$prefix" \
		--vdev="net_tap0,iface=$tap" --log-level='*:warning' -- \
		--ip 198.18.0.2/24 --stats-json "$T_TMP/$run.json" "$@"
	on_exit "rm -rf /var/run/dpdk/$prefix"
	wait_for "ip -n $ns link show $tap" 20 || fail "tap $tap never appeared"
	ip -n "$ns" addr add 198.18.0.1/24 dev "$tap"
	ip -n "$ns" link set "$tap" up
	wait_for "grep -q 'bypass-echo: serving' $T_TMP/echo_$run.log" 20 ||
		fail "bypass-echo ($run) did not start"
}

# stop_echo PID: SIGTERM, exit 0.
stop_echo() {
	kill -TERM "$1"
	wait_exit "$1" 5 || fail "bypass-echo still running 5 s after SIGTERM"
	[ "$WAIT_RC" -eq 0 ] || fail "exit code $WAIT_RC after SIGTERM"
}

kernel_mac() {
	ip -n "$ns" -o link show "$tap" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# 1. Default: the kernel side gets its own MAC, and says so.
start_echo own
log="$T_TMP/echo_own.log"
port_mac=$(sed -n 's/.*on port 0 (net_tap, \([0-9A-Fa-f:]*\)).*/\1/p' "$log" | tr 'A-F' 'a-f')
said=$(grep -o "gave the kernel side $tap its own MAC [0-9A-Fa-f:]*" "$log") ||
	fail "bypass-echo did not say it gave $tap its own MAC"
said_mac=$(echo "$said" | awk '{print $NF}' | tr 'A-F' 'a-f')
kmac=$(kernel_mac)
say "port MAC $port_mac; $said; kernel side now $kmac"
[ -n "$port_mac" ] && [ "$kmac" = "$said_mac" ] && [ "$kmac" != "$port_mac" ] ||
	fail "kernel side $kmac: expected $said_mac, not the port's $port_mac"
out=$(ip netns exec "$ns" ping -c 5 -i 0.2 -W 1 198.18.0.2) || true
echo "$out" | tail -2
echo "$out" | grep -q ' 5 received' || fail "ping without any MAC set by hand: expected 5 of 5"
! grep -q 'eth_bad_src' "$log" || fail "a drop hint although the kernel side has its own MAC"
stop_echo "$echo_own"

# 2. --keep-tap-mac: the kernel side keeps our MAC; the first dropped frames name the fix.
ip -n "$ns" link del "$tap" 2>/dev/null || true
wait_for "! ip -n $ns link show $tap" 10 || fail "tap $tap still there after the first run"
start_echo keep --keep-tap-mac
log="$T_TMP/echo_keep.log"
port_mac=$(sed -n 's/.*on port 0 (net_tap, \([0-9A-Fa-f:]*\)).*/\1/p' "$log" | tr 'A-F' 'a-f')
[ "$(kernel_mac)" = "$port_mac" ] ||
	fail "--keep-tap-mac: kernel side $(kernel_mac), port $port_mac"
! grep -q 'gave the kernel side' "$log" || fail "--keep-tap-mac: the MAC was changed anyway"
out=$(ip netns exec "$ns" ping -c 6 -i 0.3 -W 1 198.18.0.2) || true
echo "$out" | grep -q ' 0 received' || fail "expected no replies while the kernel side has our MAC"
wait_for "grep -q 'whose source MAC is our own' $log" 5 || fail "no line naming the cause"
hint=$(grep 'whose source MAC is our own' "$log")
say "hint: $hint"
[ "$(echo "$hint" | wc -l)" -eq 1 ] || fail "expected one hint line, got $(echo "$hint" | wc -l)"
cmd=${hint##*Give it its own: }
[[ "$cmd" == "ip -n $ns link set $tap address "* ]] ||
	fail "the fix does not name this namespace and interface: '$cmd'"
read -ra fix <<<"$cmd"
"${fix[@]}" || fail "the command from the hint failed: $cmd"
out=$(ip netns exec "$ns" ping -c 5 -i 0.2 -W 1 198.18.0.2) || true
echo "$out" | tail -2
echo "$out" | grep -q ' 5 received' || fail "ping after running the hint's command: expected 5 of 5"
stop_echo "$echo_keep"

/usr/bin/python3 - "$T_TMP/keep.json" <<'PY' || fail "stats of the --keep-tap-mac run"
import json, sys
s = json.load(open(sys.argv[1]))
bad = s["drops"]["eth_bad_src"]
print(f"--keep-tap-mac run: eth_bad_src {bad}, icmp replies {s['replies']['icmp']}")
assert bad >= 1 and s["replies"]["icmp"] == 5
assert s["rx"] == sum(s["replies"].values()) + sum(s["drops"].values())
PY
[ "$(ls /dev/hugepages | wc -l)" -eq "$huge_before" ] ||
	fail "hugepage files left in /dev/hugepages"
say "PASS: own MAC given and said; with --keep-tap-mac one hint line whose command fixes ping"
