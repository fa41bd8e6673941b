#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bypass-echo's bad invocations: each gets one precise line, a non-zero exit, nothing left behind.
. "$SOURCE_DIR/tests/integration/lib.sh"
need_root
need_hugepages 64

BIN="$BUILD_DIR/app/bypass-echo/bypass-echo"
prefix="bl-t$$"
on_exit "rm -rf /var/run/dpdk/$prefix"
EAL=(--no-pci --file-prefix="$prefix" --log-level='*:error')
huge_before=$(ls /dev/hugepages | wc -l)

# expect CODE 'TEXT' ARGS...: the same for bypass-echo ARGS.
expect() {
	local code=$1 text=$2
	shift 2
	check "$code" "$text" "$BIN" "$@"
}

expect 2 "no address: give --ip" -l 0,1 "${EAL[@]}" --vdev=net_ring0 --
expect 2 "--ip '198.18.0.2': expected ADDRESS/PREFIX" -l 0,1 "${EAL[@]}" --vdev=net_ring0 -- --ip 198.18.0.2
expect 2 "--ip '198.18.0.300/24': expected ADDRESS/PREFIX" -l 0,1 "${EAL[@]}" -- --ip 198.18.0.300/24
expect 2 "--ip needs a value" -l 0,1 "${EAL[@]}" -- --ip
expect 2 "profile 'no-such-driver': cannot open" -- --profile no-such-driver --ip 198.18.0.2/24
expect 2 "unknown option '--bogus'" -- --bogus
expect 2 "--udp-port '0': expected a number from 1 to 65535" -- --udp-port 0 --ip 198.18.0.2/24
expect 1 "no DPDK ports: give a --vdev" -l 0,1 "${EAL[@]}" -- --ip 198.18.0.2/24
expect 1 "needs a worker lcore besides the main one" -l 0 "${EAL[@]}" --vdev=net_ring0 -- --ip 198.18.0.2/24
# af_packet with one queue pair, on the loopback of a namespace of our own: nothing is sent.
ns=$(netns_new bad)
check 1 "2 worker lcores, but port 0 (net_af_packet) has at most 1 RX" ip netns exec "$ns" \
	"$BIN" --lcores=0@0,1@1,2@1 "${EAL[@]}" --vdev=net_af_packet0,iface=lo,qpairs=1 -- \
	--ip 198.18.0.2/24
expect 1 "EAL initialisation failed" "${EAL[@]}" --vdev=net_nosuchpmd0 -- --ip 198.18.0.2/24

# No hugepages: take them away for a moment (integration tests run one at a time).
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
saved=$(cat "$nr")
on_exit "echo $saved > $nr"
echo 0 >"$nr"
expect 1 "no free hugepages: reserve some with 'scripts/lab setup'" -l 0,1 "${EAL[@]}" \
	--vdev=net_ring0 -- --ip 198.18.0.2/24
echo "$saved" >"$nr"
# ... and --no-huge works without them, saying so.
"$BIN" -l 0,1 "${EAL[@]}" --no-huge -m 128 --vdev=net_ring0 -- --ip 198.18.0.2/24 \
	>"$T_TMP/nohuge" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_for "grep -q 'mbufs in use at start' $T_TMP/nohuge" 20 || { cat "$T_TMP/nohuge"; fail "--no-huge did not start"; }
kill -TERM "$pid"
wait_exit "$pid" 5 || fail "--no-huge run did not stop"
grep -q "no hugepages" "$T_TMP/nohuge" || { cat "$T_TMP/nohuge"; fail "--no-huge run does not say it runs without hugepages"; }
say "ok: --no-huge runs and says so"

[ "$(ls /dev/hugepages | wc -l)" -eq "$huge_before" ] || fail "hugepage files left behind"
[ "$CHECK_FAILURES" -eq 0 ] || fail "$CHECK_FAILURES bad invocation(s) misreported"
say "PASS"
