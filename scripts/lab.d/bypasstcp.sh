# SPDX-License-Identifier: BSD-3-Clause
# The lab's bypass TCP paths (net_tap+tcp, net_af_packet+tcp, net_af_xdp+tcp): bypass-echo
# serves TCP from its own user-space stack (--tcp-port), echo-gen's kernel TCP is the client,
# and each cell records bypass-echo's TCP counters and fails unless every connection it opened
# was closed again with no TCB and no retransmission mbuf left.
#
# Naming: "+tcp" is a modifier like "+sockmap": the base stays the DPDK path (net_tap, ...), so
# the namespace, addresses, readiness checks and placements are those of the UDP path, and
# only what is spoken over it changes. It combines with a placement in any order
# (net_tap+tcp+1cpu). Only the DPDK paths whose client is the kernel take it.

LAB_BTCP_BASES="net_tap net_af_packet net_af_xdp"
LAB_BTCP_PORT=7			# bypass-echo --tcp-port, what echo-gen connects to
LAB_BTCP_SIZE_MAX=65536		# bytes per message: the most the bypass TCP's window holds
LAB_BTCP_SETTLE_S=5		# after a cell, the connections have this long to be closed
# bypass-echo's "tcp" counters each cell records (their change over the cell), and the gauges
# it records as they are at its end.
LAB_BTCP_COUNTERS="conns_opened conns_closed conns_reset conns_timed_out retransmits"
LAB_BTCP_COUNTERS+=" fast_retransmits rto_expiries rsts_sent dup_acks_sent challenge_acks segs_sent"
LAB_BTCP_COUNTERS+=" data_segs_sent ooo_held"
LAB_BTCP_GAUGES="tcbs_in_use rtx_mbufs"

# Why this machine cannot run bypass TCP (into REASON), or success.
lab_btcp_check() {
	REASON=
	"$BE" -- --help 2>&1 | grep -q -- '--tcp-port' || {
		REASON="this bypass-echo has no TCP (no --tcp-port in $BE -- --help): rebuild it"
		return 1
	}
	return 0
}

# The server's stats file as "uptime counters... gauges... busy_cycles idle_cycles tsc_hz
# mbufs" (mbufs: its mbufs_in_use when it reports it, else -1); fails without a tcp object.
lab_btcp_read() {
	# shellcheck disable=SC2086 # the lists are words on purpose
	"$LAB_PY" - "$SRV_STATS" $LAB_BTCP_COUNTERS $LAB_BTCP_GAUGES <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s.get("tcp")
if not isinstance(t, dict):
    sys.exit(1)
mb = s.get("mbufs_in_use")
print(s["uptime_s"], *[int(t.get(k, 0)) for k in sys.argv[2:]], s["busy_cycles"],
      s["idle_cycles"], s["tsc_hz"], -1 if mb is None else int(mb))
PY
} 2>/dev/null

# Wait until the server has rewritten its stats twice since now, then read them (BTCP_NOW).
lab_btcp_fresh() {
	local t0 i
	t0=$(lab_btcp_read | cut -d' ' -f1) || return 1
	for ((i = 0; i < LAB_BTCP_SETTLE_S * 20; i++)); do
		sleep 0.05
		BTCP_NOW=$(lab_btcp_read) || return 1
		awk -v a="$t0" -v b="${BTCP_NOW%% *}" -v s="$LAB_STATS_INTERVAL_S" \
			'BEGIN { exit !(b >= a + 2 * s) }' && return 0
		lab_pidfile_alive "$SRV_PIDFILE" || return 1
	done
	return 1
}

# The client's interface (in CLIENT_NS) as "tx_bytes tx_packets header_bytes": the frames
# echo-gen's kernel TCP sent towards bypass-echo, from which the messages of a cell are counted
# (bypass-echo counts segments, and a segment may carry several messages), and the header bytes
# each frame adds to tx_bytes besides its TCP payload: Ethernet, IP and TCP (no TCP options on
# data segments: bypass-echo offers none). A veth whose peer runs an XDP program (af_xdp) counts
# the frames as that program's receive path sees them, without their 14-byte Ethernet header.
lab_btcp_ifstat() {
	local dev=$LAB_VETH_PEER d hdr=54
	case "$(lab_path_base "$1")" in
	net_tap) dev=$LAB_TAP_IF ;;
	net_af_xdp) hdr=40 ;;
	esac
	d=/sys/class/net/$dev/statistics
	echo "$(ip netns exec "$CLIENT_NS" cat "$d/tx_bytes" "$d/tx_packets" 2>/dev/null |
		paste -sd' ') $hdr"
}

# Before a cell the server is idle (the last cell's connections are closed): its current stats
# are the cell's start. A server just started may not have written them yet.
lab_btcp_cell_begin() {
	local i
	for ((i = 0; i < LAB_BTCP_SETTLE_S * 20; i++)); do
		BTCP_BEFORE=$(lab_btcp_read) && break
		BTCP_BEFORE=
		lab_pidfile_alive "$SRV_PIDFILE" || break
		sleep 0.05
	done
	BTCP_IF_BEFORE=$(lab_btcp_ifstat "$1")
	return 0
}

# After a measured cell: wait (a few seconds at most) until the cell's connections are closed,
# record the TCP counters' change over the cell, the gauges at its end and the server's busy
# cycles per echoed message (the client interface's payload bytes / size; echo-gen's own server
# figures count UDP replies only) into CELL_EXTRA. Fails (REASON) when a message was lost or
# corrupt, or a TCB, a retransmission mbuf or an mbuf of the pool was not back at the end.
lab_btcp_cell_check() {
	local path=$1 cell_json=$2 i
	CELL_EXTRA=()
	[ -n "$BTCP_BEFORE" ] || {
		REASON="bypass-echo's stats file $SRV_STATS has no tcp counters, or it stopped"
		REASON+=" rewriting it: $(lab_log_tail "$SRV_LOG")"
		return 1
	}
	BTCP_NOW=
	for ((i = 0; i < LAB_BTCP_SETTLE_S * 2; i++)); do
		lab_btcp_fresh || break
		[ "$(lab_btcp_gauge tcbs_in_use "$BTCP_NOW")" = 0 ] &&
			[ "$(lab_btcp_gauge rtx_mbufs "$BTCP_NOW")" = 0 ] && break
	done
	[ -n "${BTCP_NOW:-}" ] || { REASON="bypass-echo's stats unreadable"; return 1; }
	local verdict
	verdict=$("$LAB_PY" "$LAB_D/bypasstcp.py" "$cell_json" "$BTCP_BEFORE" "$BTCP_NOW" \
		"$LAB_BTCP_COUNTERS" "$LAB_BTCP_GAUGES" "$BTCP_IF_BEFORE" \
		"$(lab_btcp_ifstat "$path")") || {
		REASON=${verdict:-bypasstcp.py failed}
		return 1
	}
	# The keys for the cell, one a line; last, the summary or "FAIL reason".
	local last
	mapfile -t CELL_EXTRA <<<"$verdict"
	last=${CELL_EXTRA[-1]}
	unset 'CELL_EXTRA[-1]'
	if [[ $last == FAIL* ]]; then
		REASON=${last#FAIL }
		return 1
	fi
	CELL_SUMMARY+=", $last"
	return 0
}

# One gauge out of a lab_btcp_read line.
lab_btcp_gauge() {
	local words i=1 k
	read -r -a words <<<"$2"
	for k in $LAB_BTCP_COUNTERS $LAB_BTCP_GAUGES; do
		[ "$k" = "$1" ] && { echo "${words[$i]}"; return 0; }
		i=$((i + 1))
	done
	return 1
}
