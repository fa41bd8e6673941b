# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab run`, `report` and `demo`: start each path's echo server, drive every cell with
# echo-gen, keep one results.json per run, and turn it into the report.

LAB_KPORT=47007			# UDP and TCP port on 127.0.0.1 for the kernel paths
LAB_STATS_INTERVAL_S=0.2	# servers rewrite their stats this often (echo-gen reads them)
LAB_SERVER_WAIT_S=20		# a server has this long to be ready (DPDK init, link)
LAB_CELL_SLACK_S=20		# a cell may run this much longer than warm-up + duration
LAB_RESTARTS_MAX=2		# times a path's server is restarted after dying mid-run
LAB_NOHUGE_MEM_MB=512		# DPDK memory when there are no hugepages
LAB_LOCK_FD=9			# lab_spawn closes it in children
LAB_KERNEL_PATHS="udp tcp uds-dgram uds-stream uds-seqpacket"
LAB_DPDK_PATHS="net_tap net_af_packet net_af_xdp net_memif net_ring"
LAB_IO_MODES="blocking mmsg epoll uring busy-poll splice"
LAB_STREAM_PATHS="tcp uds-stream"	# byte streams: messages larger than a datagram
LAB_DGRAM_SIZE_MAX=65507		# a UDP datagram's payload at most (IPv4)
LAB_FRAME_SIZE_MAX=1472			# DPDK paths: one frame per message at MTU 1500
LAB_STREAM_SIZE_MAX=16777216		# echo-gen's limit for stream messages (16 MiB)
# Client options a path may carry as %OPT (see lab_path_client): OPT and echo-gen's argument.
LAB_CLIENT_OPTS="zerocopy zerocopy=uring"
LAB_MATRIX_KEYS="paths sizes cells duration_s warmup_s throughput_window timeout_ms"
LAB_MATRIX_KEYS+=" client_cpus server_cpus"
LAB_MATRIX_OPTIONAL="flows"	# keys a matrix may leave out; M_flows defaults to 1
# Cell kinds: latency (window 1, the path as configured: kernel servers and clients sleep in
# the kernel between messages), latency-poll (window 1 with both ends polling: sock-echo
# --io busy-poll and echo-gen --busy-poll; bypass-echo always polls), throughput (a deep window).
LAB_CELL_KINDS="latency latency-poll throughput"

# ---- matrix ----------------------------------------------------------------------------

# Read FILE (key = value, # comments) into M_<key>; every key must be known.
lab_matrix_load() {
	local file=$1 line key val n=0
	[ -r "$file" ] || lab_die "matrix '$file': cannot read it"
	for key in $LAB_MATRIX_KEYS $LAB_MATRIX_OPTIONAL; do
		unset "M_$key"
	done
	M_flows=1
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%%#*}
		[[ $line =~ ^[[:space:]]*$ ]] && continue
		# "key = value", or "key += value" to continue a long list on another line.
		local sp='[[:space:]]*'
		local kv="^$sp([a-z_]+)$sp(\\+?=)$sp(.*[^[:space:]])$sp\$"
		[[ $line =~ $kv ]] ||
			lab_die "matrix $file:$n: expected 'key = value', got '$line'"
		key=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[3]}
		[[ " $LAB_MATRIX_KEYS $LAB_MATRIX_OPTIONAL " == *" $key "* ]] ||
			lab_die "matrix $file:$n: unknown key '$key'" \
				"(known: $LAB_MATRIX_KEYS $LAB_MATRIX_OPTIONAL)"
		[ "${BASH_REMATCH[2]}" = "=" ] || val="$(eval "echo \${M_$key:-}") $val"
		printf -v "M_$key" '%s' "$val"
	done <"$file"
	for key in $LAB_MATRIX_KEYS; do
		[ -n "$(eval "echo \${M_$key:-}")" ] || lab_die "matrix $file: no '$key ='"
	done
}

# Whether the matrix has a byte-stream path (one that carries sizes over a datagram's).
lab_matrix_has_stream() {
	local p
	for p in $M_paths; do
		[[ " $LAB_STREAM_PATHS " == *" $(lab_path_base "$p") "* ]] && return 0
		lab_path_has tcp "$p" && return 0
	done
	return 1
}

# Why path $1 cannot carry $2-byte messages (into REASON), or success.
lab_path_carries() {
	REASON=
	if lab_path_has tcp "$1"; then
		[ "$2" -le "$LAB_BTCP_SIZE_MAX" ] && return 0
		REASON="$1: the bypass TCP echoes at most $LAB_BTCP_SIZE_MAX bytes per message"
		REASON+=" (its window is at most 64 KiB, no window scaling)"
		return 1
	fi
	if ! lab_is_kernel_path "$1" && [ "$2" -gt "$LAB_FRAME_SIZE_MAX" ]; then
		REASON="$(lab_path_base "$1") carries one Ethernet frame per message: at most"
		REASON+=" $LAB_FRAME_SIZE_MAX bytes at MTU 1500"
		return 1
	fi
	[ "$2" -le "$LAB_DGRAM_SIZE_MAX" ] && return 0
	[[ " $LAB_STREAM_PATHS " == *" $(lab_path_base "$1") "* ]] && return 0
	REASON="$(lab_path_base "$1") carries at most $LAB_DGRAM_SIZE_MAX bytes per message"
	REASON+=" (a datagram); larger sizes are for tcp and uds-stream paths"
	return 1
}

lab_matrix_check() {
	local p s c
	for p in $M_paths; do
		lab_path_known "$p" ||
			lab_die "matrix: unknown path '$p'" \
				"(paths: $LAB_KERNEL_PATHS $LAB_DPDK_PATHS;" \
				"kernel paths take @IO with IO one of: $LAB_IO_MODES;" \
				"any path takes +1cpu or +single; tcp takes +sockmap;" \
				"$LAB_BTCP_BASES take +tcp; tcp and udp take" \
				"%zerocopy or %zerocopy=uring, net_memif %zerocopy)"
	done
	for s in $M_sizes; do
		[[ $s =~ ^[0-9]+$ ]] && [ "$s" -ge 1 ] && [ "$s" -le "$LAB_STREAM_SIZE_MAX" ] ||
			lab_die "matrix: size '$s': expected payload bytes from 1 to" \
				"$LAB_DGRAM_SIZE_MAX ($LAB_STREAM_SIZE_MAX for tcp and uds-stream)"
		[ "$s" -le "$LAB_DGRAM_SIZE_MAX" ] || lab_matrix_has_stream ||
			lab_die "matrix: size $s: only tcp and uds-stream paths carry messages" \
				"over $LAB_DGRAM_SIZE_MAX bytes (a UDP datagram's most), and" \
				"this matrix has none; keep sizes to $LAB_DGRAM_SIZE_MAX or add" \
				"such a path"
	done
	for c in $M_cells; do
		[[ " $LAB_CELL_KINDS " == *" $c "* ]] ||
			lab_die "matrix: cell '$c': expected one of: $LAB_CELL_KINDS"
	done
	[[ $M_duration_s =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
		lab_die "matrix: duration_s '$M_duration_s': expected seconds"
	[[ $M_warmup_s =~ ^[0-9]+(\.[0-9]+)?$ ]] || lab_die "matrix: warmup_s '$M_warmup_s':" \
		"expected seconds"
	[[ $M_throughput_window =~ ^[0-9]+$ ]] || lab_die "matrix: throughput_window" \
		"'$M_throughput_window': expected a number"
	[[ $M_timeout_ms =~ ^[0-9]+$ ]] || lab_die "matrix: timeout_ms '$M_timeout_ms': expected" \
		"milliseconds"
	[[ $M_client_cpus =~ ^[0-9]+(,[0-9]+)*$ ]] || lab_die "matrix: client_cpus" \
		"'$M_client_cpus': expected CPU numbers such as 0 or 0,2"
	[[ $M_server_cpus =~ ^[0-9]+(,[0-9]+)*$ ]] || lab_die "matrix: server_cpus" \
		"'$M_server_cpus': expected CPU numbers such as 1 or 1,3"
	[[ $M_flows =~ ^[0-9]+$ ]] && [ "$M_flows" -ge 1 ] || lab_die "matrix: flows '$M_flows':" \
		"expected a number from 1"
	for c in ${M_client_cpus//,/ } ${M_server_cpus//,/ }; do
		[ -e "/sys/devices/system/cpu/cpu$c/topology" ] ||
			lab_die "matrix: CPU $c is not online here ($(nproc) CPUs); change" \
				"client_cpus/server_cpus"
	done
	SHARED_CPUS=""
	for c in ${M_client_cpus//,/ }; do
		[[ ,$M_server_cpus, != *",$c,"* ]] || SHARED_CPUS+="$c "
	done
	[ -z "$SHARED_CPUS" ] ||
		lab_say "client and server share CPU(s) ${SHARED_CPUS% }: they will take turns on" \
			"it (recorded in the results)"
	# The first client CPU also hosts DPDK main lcores, which sleep.
	CLI0=${M_client_cpus%%,*}
	CLI_N=$(tr ',' '\n' <<<"$M_client_cpus" | wc -l)
	[ "$M_flows" -ge "$CLI_N" ] || M_flows=$CLI_N
	return 0
}

# ---- paths -----------------------------------------------------------------------------

# EAL lcore map: lcore 0 on the client's first CPU, lcore i on the i-th server CPU. Explicit
# CPUs let client and server share one (an exercise), which a plain -l list cannot express.
lab_lcore_map() {
	local map="0@$CLI0" i=1 c
	for c in ${M_server_cpus//,/ }; do
		map+=",$i@$c"
		i=$((i + 1))
	done
	echo "$map"
}

# A path name is BASE[@IO][+PLACE][%OPT]: the io mode of sock-echo, and a placement of this
# path's server other than the matrix's, so that one run can hold several: "+1cpu" puts it on
# the client's (first) CPU, "+single" on the first server CPU only (one thread, one polling
# lcore); "%zerocopy" gives the client (echo-gen) --zerocopy. % comes last and is stripped
# before the rest is read, so tcp@splice+1cpu%zerocopy still has io splice and place 1cpu.
LAB_PLACES="1cpu single"

lab_path_base() {
	local b=${1%%\%*}
	b=${b%%+*}
	echo "${b%%@*}"
}

lab_path_io() {
	local b=${1%%\%*}
	b=${b%%+*}
	[[ $b == *@* ]] && echo "${b#*@}"
	return 0
}

lab_path_place() {
	local p
	p=$(lab_path_without tcp "$(lab_path_without sockmap "${1%%\%*}")")
	[[ $p == *+* ]] && echo "${p#*+}"
	return 0
}

# True when the path carries the modifier +MOD (sockmap, tcp): last, or before another +.
lab_path_has() {
	local b=${2%%\%*}
	[[ $b == *+$1 || $b == *+$1+* ]]
}

# The path without its +MOD.
lab_path_without() {
	local p=${2/+$1+/+}
	echo "${p%+$1}"
}

# The client option of a path (after %), or nothing.
lab_path_client() {
	[[ $1 == *%* ]] && echo "${1#*%}"
	return 0
}

lab_path_known() {
	local base io place copt
	base=$(lab_path_base "$1")
	io=$(lab_path_io "$1")
	place=$(lab_path_place "$1")
	copt=$(lab_path_client "$1")
	[ -z "$place" ] || [[ " $LAB_PLACES " == *" $place "* ]] || return 1
	# +sockmap is kernel TCP's; +tcp takes a DPDK path whose client is the kernel's TCP.
	! lab_path_has sockmap "$1" || [ "$base" = tcp ] || return 1
	if lab_path_has tcp "$1"; then
		[[ " $LAB_BTCP_BASES " == *" $base "* ]] && [ -z "$copt" ] || return 1
	fi
	if [ -n "$copt" ]; then
		[[ " $LAB_CLIENT_OPTS " == *" $copt "* ]] && [[ $base == tcp || $base == udp ]] ||
			[[ $copt == zerocopy && $base == net_memif ]] || return 1
	fi
	if [[ " $LAB_KERNEL_PATHS " == *" $base "* ]]; then
		[ -z "$io" ] || [[ " $LAB_IO_MODES " == *" $io "* ]]
	else
		[ -z "$io" ] && [[ " $LAB_DPDK_PATHS " == *" $base "* ]]
	fi
}

lab_is_kernel_path() {
	[[ " $LAB_KERNEL_PATHS " == *" $(lab_path_base "$1") "* ]]
}

# A name safe for files: udp@busy-poll+1cpu -> udp-busy-poll-1cpu (and %zerocopy -> -zerocopy).
lab_path_file() {
	local f=${1//@/-}
	f=${f//%/-}
	echo "${f//+/-}"
}

# Why a path cannot run on this machine (into REASON), or success.
lab_path_available() {
	local p
	p=$(lab_path_base "$1")
	REASON=
	[ -x "$EG" ] || { REASON="echo-gen is not built ($EG)"; return 1; }
	if lab_is_kernel_path "$1"; then
		[ -x "$SE" ] || { REASON="sock-echo is not built ($SE)"; return 1; }
		! lab_path_has sockmap "$1" || lab_sockmap_check || return 1
		return 0
	fi
	[ -x "$BE" ] || { REASON="bypass-echo is not built ($BE)"; return 1; }
	! lab_path_has tcp "$1" || lab_btcp_check || return 1
	case "$p" in
	net_tap)
		[ -c /dev/net/tun ] || { REASON="no /dev/net/tun (modprobe tun)"; return 1; } ;;
	net_af_xdp)
		lab_pmd_present af_xdp || { REASON="DPDK has no net_af_xdp PMD here"; return 1; }
		[ "$(lab_kconfig CONFIG_XDP_SOCKETS)" != n ] ||
			{
				REASON="kernel built without XDP sockets (CONFIG_XDP_SOCKETS)"
				return 1
			} ;;
	net_memif)
		lab_pmd_present memif || { REASON="DPDK has no net_memif PMD here"; return 1; }
		[ -z "$(lab_path_client "$1")" ] || [ "$LAB_NO_HUGE" != 1 ] || {
			REASON="memif zero-copy needs hugepages (the shared regions are the"
			REASON+=" client's hugepage files); scripts/lab setup reserves them"
			return 1
		}
		"$EG" --help 2>&1 | grep -q 'dpdk:' ||
			{
				REASON="echo-gen has no dpdk transport (the client side of memif)"
				return 1
			} ;;
	net_ring)
		# echo-gen's engine and an echo on crossed net_ring ports in one process: built with
		# the tests (it needs librte_net_ring at link time).
		[ -x "$RING" ] || {
			REASON="$RING is not built (it comes with the tests, -Dtests=true,"
			REASON+=" and needs librte_net_ring)"
			return 1
		} ;;
	esac
	return 0
}

# DPDK memory arguments: hugepages when free, --no-huge otherwise (recorded in the results).
lab_dpdk_mem_args() {
	if [ "$LAB_NO_HUGE" = 1 ]; then
		echo "--no-huge -m $LAB_NOHUGE_MEM_MB"
	fi
}

# The line of a log that says what went wrong: the last error line, else the last line.
lab_log_tail() {
	local l
	[ -s "$1" ] || { echo "(empty log $1)"; return 0; }
	l=$(grep -E '(^|: )error: ' "$1" | tail -1)
	[ -n "$l" ] ||
		l=$(grep -iE 'error|cannot|refus|failed to (init|start|create)' "$1" | tail -1)
	[ -n "$l" ] || l=$(grep -v '^[[:space:]]*$' "$1" | tail -1)
	echo "$l"
}

# Wait up to $2 seconds for the server's log to contain $1; fail early when it exits.
lab_server_wait_log() {
	local pattern=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -q -- "$pattern" "$SRV_LOG" 2>/dev/null && return 0
		lab_pidfile_alive "$SRV_PIDFILE" || {
			REASON="server exited at start: $(lab_log_tail "$SRV_LOG")"
			return 1
		}
		sleep 0.1
	done
	REASON="server not ready after $secs s: $(lab_log_tail "$SRV_LOG")"
	return 1
}

# ping the server from the client's side until it answers (ARP resolved, stack answering).
lab_server_ping() {
	local ns=$1 ip=$2 i
	for ((i = 0; i < 10; i++)); do
		ip netns exec "$ns" ping -c 1 -W 1 -q "$ip" >/dev/null 2>&1 && return 0
		lab_pidfile_alive "$SRV_PIDFILE" || break
	done
	REASON="server at $ip does not answer ping from netns $ns: $(lab_log_tail "$SRV_LOG")"
	return 1
}

# net_ring: generator and echo are one process per cell (dpdk_ring_echo), nothing to start.
# Its echo lcore writes bypass-echo's stats file (SRV_STATS, the server columns) and appends its
# final counters to the path's server log, one block per cell.
lab_ring_server_start() {
	SRV_PIDFILE=
	SRV_DESC="dpdk_ring_echo's echo lcore (CPU ${M_server_cpus%%,*}): bypass-echo's stack"
	SRV_DESC+=" (lib/stack, every check) on crossed net_ring ports, in one process with"
	SRV_DESC+=" echo-gen's engine (CPU $CLI0)"
	: >"$SRV_LOG"
}

# dpdk_ring_echo's arguments for the echo lcore's stats file and server log: RING_SRV_ARGS.
lab_ring_server_args() {
	RING_SRV_ARGS=(--stats-json "$SRV_STATS" --stats-interval "$LAB_STATS_INTERVAL_S"
		--server-log "$SRV_LOG")
}

# Start the server of path $1 and say how a client reaches it: TARGET, CLIENT_NS, CLIENT_ARGS,
# SRV_STATS, SRV_DESC. Returns 1 with REASON when it could not start.
lab_server_start() {
	local path=$1 base io=epoll f nthreads prof ip
	base=$(lab_path_base "$path")
	f=$(lab_path_file "$path")
	# The latency-poll cells of a kernel path (LAB_SRV_POLL=1) have a sock-echo that spins: a
	# second server of the path, with a log, stats and pid file of its own.
	local poll=0
	if [ "${LAB_SRV_POLL:-0}" = 1 ] && lab_is_kernel_path "$path"; then
		poll=1
		f+=-poll
	fi
	SRV_STATS=$LAB_RUN/$f.stats.json
	SRV_LOG=$LOGS/$f.server.log
	SRV_PIDFILE=$LAB_RUN/server-$f.pid
	CLIENT_NS=
	CLIENT_ARGS=()
	SRV_WRAP=()
	CLIENT_WRAP=()
	rm -f "$SRV_STATS"
	if [ "$base" = net_ring ]; then
		lab_ring_server_start
		return 0
	fi
	if lab_is_kernel_path "$path"; then
		[ -n "$(lab_path_io "$path")" ] && io=$(lab_path_io "$path")
		[ "$poll" = 0 ] || io=busy-poll
		case "$base" in
		udp | tcp) TARGET=$base:127.0.0.1:$LAB_KPORT ;;
		*) TARGET=$base:$LAB_RUN/$base.sock ;;
		esac
		[ "$io" = busy-poll ] && CLIENT_ARGS+=(--busy-poll)
		[ -n "$(lab_path_client "$path")" ] && CLIENT_ARGS+=("--$(lab_path_client "$path")")
		nthreads=$(tr ',' '\n' <<<"$M_server_cpus" | wc -l)
		SRV_DESC="sock-echo --io $io --threads $nthreads --cpus $M_server_cpus"
		if lab_path_has sockmap "$path"; then
			lab_sockmap_start "$f" || return 1
			SRV_DESC+=$SRV_DESC_SM
		fi
		LAB_SPAWN_LOG=$SRV_LOG lab_spawn "server-$f" "${SRV_WRAP[@]}" "$SE" "$TARGET" \
			--io "$io" --threads "$nthreads" --cpus "$M_server_cpus" \
			--stats-json "$SRV_STATS" --stats-interval "$LAB_STATS_INTERVAL_S"
		SRV_PID=$LAB_PID
		lab_server_wait_log "listening on" 10
		return
	fi

	prof=$base
	[ "$base" = net_memif ] && prof=net_memif_server
	ip=$(sed -n 's/^ip *= *\([0-9.]*\).*/\1/p' "$LAB_SRC/drivers-conf/$prof.conf")
	# lcore 0 is the main lcore (sleeps) on the client's first CPU; 1.. poll on the server's.
	local eal=(--lcores "$(lab_lcore_map)" --main-lcore 0
		--file-prefix="$LAB_DPDK_PREFIX-$f" --log-level='*:warning')
	# shellcheck disable=SC2207
	eal+=($(lab_dpdk_mem_args))
	local app=(-- --profile "$LAB_SRC/drivers-conf/$prof.conf" --stats-json "$SRV_STATS"
		--stats-interval "$LAB_STATS_INTERVAL_S")
	! lab_path_has tcp "$path" || app+=(--tcp-port "$LAB_BTCP_PORT")
	SRV_DESC="bypass-echo --profile $prof, main lcore $CLI0 (sleeps),"
	SRV_DESC+=" polling lcore(s) $M_server_cpus"
	case "$base" in
	net_tap)
		LAB_SPAWN_LOG=$SRV_LOG lab_spawn "server-$f" ip netns exec "$LAB_NS_TAP" "$BE" \
			"${eal[@]}" "${app[@]}"
		SRV_PID=$LAB_PID
		# The PMD makes the kernel side; give it its own MAC and the peer address.
		local i
		for ((i = 0; i < LAB_SERVER_WAIT_S * 10; i++)); do
			ip -n "$LAB_NS_TAP" link show "$LAB_TAP_IF" >/dev/null 2>&1 && break
			lab_pidfile_alive "$SRV_PIDFILE" || break
			sleep 0.1
		done
		ip -n "$LAB_NS_TAP" link show "$LAB_TAP_IF" >/dev/null 2>&1 || {
			REASON="bypass-echo never created $LAB_TAP_IF: $(lab_log_tail "$SRV_LOG")"
			return 1
		}
		ip -n "$LAB_NS_TAP" link set "$LAB_TAP_IF" address "$LAB_TAP_PEER_MAC"
		ip -n "$LAB_NS_TAP" addr replace "$LAB_TAP_PEER_IP" dev "$LAB_TAP_IF"
		ip -n "$LAB_NS_TAP" link set "$LAB_TAP_IF" up
		CLIENT_NS=$LAB_NS_TAP
		TARGET=udp:$ip:7
		;;
	net_af_packet | net_af_xdp)
		LAB_SPAWN_LOG=$SRV_LOG lab_spawn "server-$f" "$BE" "${eal[@]}" "${app[@]}"
		SRV_PID=$LAB_PID
		CLIENT_NS=$LAB_NS_PEER
		TARGET=udp:$ip:7
		;;
	net_memif)
		rm -f "$LAB_MEMIF_SOCK"
		LAB_SPAWN_LOG=$SRV_LOG lab_spawn "server-$f" "$BE" "${eal[@]}" "${app[@]}"
		SRV_PID=$LAB_PID
		TARGET=dpdk:$ip:7
		local ceal="--lcores 0@$CLI0 --file-prefix=$LAB_DPDK_PREFIX-$f-client"
		ceal+=" --log-level=*:warning $(lab_dpdk_mem_args)"
		# %zerocopy: the client's mbufs are the shared buffers (zero-copy=yes).
		local cprof=net_memif_client
		[ -z "$(lab_path_client "$path")" ] || cprof=net_memif_client_zc
		CLIENT_ARGS=(--profile "$LAB_SRC/drivers-conf/$cprof.conf" --eal "$ceal")
		;;
	esac
	if lab_path_has tcp "$path"; then
		TARGET=tcp:$ip:$LAB_BTCP_PORT
		SRV_DESC+=", TCP on port $LAB_BTCP_PORT (--tcp-port; echo-gen's kernel TCP the client)"
	fi
	# memif's link comes up only when the client connects, so the server is ready once its
	# port is (socket made); the others once their link is up and they serve.
	if [ "$base" = net_memif ]; then
		lab_server_wait_log "mbufs in use at start" "$LAB_SERVER_WAIT_S" || return 1
	else
		lab_server_wait_log "bypass-echo: serving" "$LAB_SERVER_WAIT_S" || return 1
	fi
	# net_tap's port start gives the kernel side the port's MAC again (the PMD's MAC restore);
	# bypass-echo then gives it one of its own, and the lab sets its fixed peer MAC once more,
	# now that the port runs, so the peer's MAC is the same in every run.
	[ "$base" != net_tap ] ||
		ip -n "$LAB_NS_TAP" link set "$LAB_TAP_IF" address "$LAB_TAP_PEER_MAC"
	if [ -n "$CLIENT_NS" ]; then
		lab_server_ping "$CLIENT_NS" "$ip" || return 1
	fi
	return 0
}

# How the server of this path ended: its exit status or signal, and its last telling log line.
lab_server_death() {
	local rc=0 how
	# Only the first wait for a pid tells its status: remember it.
	if [ "${SRV_DEATH_PID:-}" = "$SRV_PID" ]; then
		echo "$SRV_DEATH"
		return 0
	fi
	wait "$SRV_PID" 2>/dev/null || rc=$?
	if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
		how="killed by SIG$(kill -l $((rc - 128)))"
	else
		how="exited with status $rc"
	fi
	SRV_DEATH="$how; last log line: $(lab_log_tail "$SRV_LOG")"
	SRV_DEATH_PID=$SRV_PID
	echo "$SRV_DEATH"
}

# Something the report should mention besides the cells (a server that died, a restart).
lab_event() {
	lab_say "$*"
	"$LAB_PY" "$LAB_D/cells.py" event "$OUT" "$*" >/dev/null
}

lab_server_stop() {
	[ -n "${SRV_PIDFILE:-}" ] && [ -e "$SRV_PIDFILE" ] && lab_stop_pidfile "$SRV_PIDFILE"
	SRV_PIDFILE=
	lab_sockmap_stop
	return 0
}

# ---- cells -----------------------------------------------------------------------------

lab_progress() {
	printf '[%*d/%d] %-*s %5s B  %-12s ' "${#NCELLS}" "$1" "$NCELLS" "$PATH_W" "$2" "$3" \
		"$4" >&2
}

# Messages in flight per flow in a cell of this kind.
lab_cell_window() {
	if [[ $1 == latency* ]]; then echo 1; else echo "$M_throughput_window"; fi
}

# Which ends of a cell of path $1, kind $2, poll instead of sleeping in the kernel between
# messages: POLL_CLI and POLL_SRV, true or false (recorded in the cell). bypass-echo always
# polls, and so do the DPDK clients (echo-gen on memif, dpdk_ring_echo); a kernel client and
# sock-echo poll in latency-poll cells and on an @busy-poll path.
lab_cell_ends() {
	local path=$1 kind=$2 spin=false
	if [ "$kind" = latency-poll ] || [ "$(lab_path_io "$path")" = busy-poll ]; then
		spin=true
	fi
	POLL_CLI=$spin
	POLL_SRV=true
	case "$(lab_path_base "$path")" in
	net_memif | net_ring) POLL_CLI=true ;;
	esac
	lab_is_kernel_path "$path" && POLL_SRV=$spin
	return 0
}

# Record a cell that was not measured: status failed or unavailable, with the reason.
lab_cell_record_bad() {
	local i=$1 path=$2 size=$3 kind=$4 status=$5 reason=$6 win transport driver=null
	win=$(lab_cell_window "$kind")
	lab_cell_ends "$path" "$kind"
	transport=$(lab_path_base "$path")
	if ! lab_is_kernel_path "$path"; then
		driver="\"$transport\""
		case "$transport" in
		net_memif | net_ring) transport=dpdk ;;
		*) transport=udp ;;
		esac
		! lab_path_has tcp "$path" || transport=tcp
	fi
	"$LAB_PY" "$LAB_D/cells.py" append "$OUT" "cell.path=\"$path\"" \
		"cell.transport=\"$transport\"" "cell.driver=$driver" "cell.payload_bytes=$size" \
		"cell.mode=\"closed\"" "cell.window=$win" "lab.cell=$i" "lab.cells=$NCELLS" \
		"lab.kind=\"$kind\"" "lab.status=\"$status\"" \
		"lab.reason=$(lab_json_str "$reason")" \
		"lab.client_cpus=\"$M_client_cpus\"" "lab.server_cpus=\"$M_server_cpus\"" \
		"lab.client_polls=$POLL_CLI" "lab.server_polls=$POLL_SRV" \
		"lab.server=$(lab_json_str "${SRV_DESC:-}")" "lab.no_huge=$LAB_NO_HUGE_JSON" \
		"${CELL_EXTRA[@]}"
	CELL_EXTRA=()
}

lab_json_str() {
	"$LAB_PY" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"
}

# Run one cell with echo-gen; 0 measured, 1 failed (REASON), 2 echo-gen refused the settings.
lab_cell_run() {
	local i=$1 path=$2 size=$3 kind=$4 win cell_json clog deadline rc
	local f
	f=$(lab_path_file "$path")
	CELL_EXTRA=()
	win=$(lab_cell_window "$kind")
	lab_cell_ends "$path" "$kind"
	cell_json=$OUT/cells/$(printf '%03d' "$i")-$f-$size-$kind.json
	clog=$LOGS/$(printf '%03d' "$i")-$f-$size-$kind.client.log
	local cmd=()
	if [ "$(lab_path_base "$path")" = net_ring ]; then
		lab_ring_server_args
		# shellcheck disable=SC2207
		cmd=("$RING" --lcores "0@$CLI0,1@${M_server_cpus%%,*}" --main-lcore 0
			--no-pci --file-prefix="$LAB_DPDK_PREFIX-$f" --log-level='*:warning'
			$(lab_dpdk_mem_args) $([ "$LAB_NO_HUGE" = 1 ] || echo --in-memory) --
			--cpu "$CLI0" --size "$size" --window "$win" --flows "$M_flows"
			--duration "$M_duration_s" --json "$cell_json" --echo stack
			"${RING_SRV_ARGS[@]}")
	else
		[ -n "$CLIENT_NS" ] && cmd=(ip netns exec "$CLIENT_NS")
		# A latency-poll cell's client spins (a no-op for echo-gen on a DPDK port, which
		# always does, but then its results say so too).
		local spin=()
		[ "$kind" != latency-poll ] || [[ " ${CLIENT_ARGS[*]} " == *" --busy-poll "* ]] ||
			spin=(--busy-poll)
		cmd+=("${CLIENT_WRAP[@]}" "$EG" "$TARGET" --cpus "$M_client_cpus" --threads "$CLI_N"
			--flows "$M_flows" --size "$size" --window "$win"
			--duration "$M_duration_s" --warmup "$M_warmup_s" --timeout "$M_timeout_ms"
			--json "$cell_json" --server-stats "$SRV_STATS" --label "$path" --quiet
			"${CLIENT_ARGS[@]}" "${spin[@]}")
	fi
	echo "${cmd[*]}" >"$clog.cmd"
	! lab_path_has sockmap "$path" || lab_sockmap_cell_begin
	! lab_path_has tcp "$path" || lab_btcp_cell_begin "$path"
	LAB_SPAWN_LOG=$clog lab_spawn client "${cmd[@]}"
	deadline=$(awk -v d="$M_duration_s" -v w="$M_warmup_s" -v s="$LAB_CELL_SLACK_S" \
		'BEGIN { printf "%d", d + w + s }')
	if ! lab_wait_spawned client "$deadline"; then
		REASON="echo-gen did not finish within $deadline s; stopped"
		return 1
	fi
	rc=$LAB_RC
	# dpdk_ring_echo exits 1 for any loss but has measured the cell: keep it.
	if [ "$rc" = 1 ] && [ "$(lab_path_base "$path")" = net_ring ] && [ -s "$cell_json" ]; then
		rc=0
	fi
	if [ "$rc" -ne 0 ]; then
		local prog=echo-gen
		[ "$(lab_path_base "$path")" != net_ring ] || prog=dpdk_ring_echo
		REASON="$prog exit $rc: $(lab_log_tail "$clog")"
		if [ -n "${SRV_PIDFILE:-}" ] && ! lab_pidfile_alive "$SRV_PIDFILE"; then
			lab_server_death >/dev/null
			REASON="server died during the cell: $SRV_DEATH"
		fi
		[ "$rc" -eq 2 ] && return 2
		return 1
	fi
	[ -s "$cell_json" ] || { REASON="echo-gen exited 0 but wrote no $cell_json"; return 1; }
	CELL_SUMMARY=$("$LAB_PY" "$LAB_D/cells.py" summary "$cell_json") || {
		REASON=$CELL_SUMMARY
		return 1
	}
	! lab_path_has sockmap "$path" || lab_sockmap_cell_check "$cell_json" || return 1
	! lab_path_has tcp "$path" || lab_btcp_cell_check "$path" "$cell_json" || return 1
	"$LAB_PY" "$LAB_D/cells.py" append "$OUT" --gen "$cell_json" "set.path=\"$path\"" \
		"lab.cell=$i" \
		"lab.cells=$NCELLS" "lab.kind=\"$kind\"" "lab.status=\"ok\"" "lab.reason=null" \
		"lab.client_cpus=\"$M_client_cpus\"" "lab.server_cpus=\"$M_server_cpus\"" \
		"lab.client_netns=$(lab_json_str "$CLIENT_NS")" \
		"lab.client_polls=$POLL_CLI" "lab.server_polls=$POLL_SRV" \
		"lab.server=$(lab_json_str "$SRV_DESC")" \
		"lab.no_huge=$LAB_NO_HUGE_JSON" "${CELL_EXTRA[@]}"
	CELL_EXTRA=()
	return 0
}

# Every cell of one path: start its server, run the cells, restart a server that died.
lab_path_run() {
	local path=$1 saved_cpus=$M_server_cpus
	SRV_DESC=
	case "$(lab_path_place "$path")" in
	1cpu) M_server_cpus=$CLI0 ;;
	single) M_server_cpus=${M_server_cpus%%,*} ;;
	esac
	lab_path_cells "$path"
	M_server_cpus=$saved_cpus
}

# Every cell of one path. A kernel path's latency-poll cells need a sock-echo that spins, so
# they run after the path's other cells, with a server of their own; DPDK paths keep one server
# (bypass-echo polls anyway) and only their client changes.
lab_path_cells() {
	local path=$1 size kind sleeping=""
	if ! lab_path_available "$path"; then
		for size in $M_sizes; do
			for kind in $M_cells; do
				CELL=$((CELL + 1))
				lab_progress "$CELL" "$path" "$size" "$kind"
				echo "unavailable: $REASON" >&2
				lab_cell_record_bad "$CELL" "$path" "$size" "$kind" unavailable \
					"$REASON"
			done
		done
		return 0
	fi
	if ! lab_is_kernel_path "$path" || [ "$(lab_path_io "$path")" = busy-poll ]; then
		lab_path_group "$path" "$M_cells"
		return 0
	fi
	for kind in $M_cells; do
		[ "$kind" = latency-poll ] || sleeping+=" $kind"
	done
	[ -z "$sleeping" ] || lab_path_group "$path" "$sleeping"
	if [[ " $M_cells " == *" latency-poll "* ]]; then
		LAB_SRV_POLL=1
		lab_path_group "$path" latency-poll
		LAB_SRV_POLL=0
	fi
	return 0
}

# The cells of kinds $2 of path $1, at every size, with one server (LAB_SRV_POLL=1: the
# spinning one), restarted when it dies.
lab_path_group() {
	local path=$1 kinds=$2 size kind rc restarts=0 refused="" ever=0
	local started=1 start_reason=""
	if lab_server_start "$path"; then
		ever=1
	else
		started=0
		start_reason=$REASON
	fi
	for size in $M_sizes; do
		for kind in $kinds; do
			CELL=$((CELL + 1))
			if [ "$started" = 1 ] && [ -n "$SRV_PIDFILE" ] &&
				! lab_pidfile_alive "$SRV_PIDFILE"; then
				started=0
				lab_server_death >/dev/null
				start_reason="server $SRV_DEATH"
				lab_event "$path: $start_reason (noticed before cell $CELL)"
			fi
			# A server that ran and died is restarted; one that never started is not.
			if [ "$started" = 0 ] && [ "$ever" = 1 ] &&
				[ "$restarts" -lt "$LAB_RESTARTS_MAX" ]; then
				restarts=$((restarts + 1))
				lab_server_stop
				if LAB_SPAWN_APPEND=1 lab_server_start "$path"; then
					started=1
					lab_event "$path: server restarted for cell $CELL" \
						"(restart $restarts of $LAB_RESTARTS_MAX)"
				else
					start_reason=$REASON
				fi
			fi
			lab_progress "$CELL" "$path" "$size" "$kind"
			if ! lab_path_carries "$path" "$size"; then
				echo "unavailable: $REASON" >&2
				lab_cell_record_bad "$CELL" "$path" "$size" "$kind" unavailable \
					"$REASON"
				continue
			fi
			if [ "$started" = 0 ]; then
				echo "failed: $start_reason" >&2
				lab_cell_record_bad "$CELL" "$path" "$size" "$kind" failed \
					"$start_reason"
				continue
			fi
			if [ -n "$refused" ]; then
				echo "failed: $refused" >&2
				lab_cell_record_bad "$CELL" "$path" "$size" "$kind" failed \
					"$refused"
				continue
			fi
			rc=0
			lab_cell_run "$CELL" "$path" "$size" "$kind" || rc=$?
			case "$rc" in
			0) echo "ok: $CELL_SUMMARY" >&2 ;;
			*)
				echo "failed: $REASON" >&2
				lab_cell_record_bad "$CELL" "$path" "$size" "$kind" failed "$REASON"
				# Refused settings will be refused again: skip the path's other
				# cells.
				if [ "$rc" = 2 ]; then
					refused="not run: echo-gen refused this path's settings"
					refused+=" ($REASON)"
				fi
				;;
			esac
		done
	done
	lab_server_stop
}

# ---- run -------------------------------------------------------------------------------

lab_run_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
		"$LAB_PY" "$LAB_D/cells.py" meta "$OUT" "finished=\"$(date -u +%FT%TZ)\"" \
			"completed=$([ "$rc" = 0 ] && echo true || echo false)" >/dev/null 2>&1
	fi
	lab_topo_down >/dev/null 2>&1
	rm -f "$LAB_LOCK"
	if [ "$rc" -ne 0 ] && [ -n "${OUT:-}" ]; then
		lab_err "run stopped (exit $rc) after cell ${CELL:-0}/${NCELLS:-?}; partial" \
			"results in $OUT (scripts/lab report $OUT); topology removed"
	fi
	exit "$rc"
}

lab_json_words() {
	"$LAB_PY" -c 'import json,sys; print(json.dumps(sys.argv[1].split()))' "$1"
}

lab_host_meta() {
	local model place
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	place="client (echo-gen, $CLI_N thread(s), $M_flows flow(s)) pinned to CPU $M_client_cpus;"
	place+=" server pinned to CPU $M_server_cpus (sock-echo's threads, or bypass-echo's polling"
	place+=" lcores with its sleeping main lcore on CPU $CLI0)"
	"$LAB_PY" "$LAB_D/cells.py" meta "$OUT" "run_id=\"$RUN_ID\"" \
		"started=\"$(date -u +%FT%TZ)\"" \
		"git=$(lab_json_str "$(git -C "$LAB_SRC" describe --always --dirty 2>/dev/null ||
			echo unknown)")" \
		"host.cpu_model=$(lab_json_str "${model:-unknown}")" "host.cores=$(nproc)" \
		"host.kernel=$(lab_json_str "$(uname -r)")" \
		"host.hugepages_free=$(lab_hugepages_free)" "host.no_huge=$LAB_NO_HUGE_JSON" \
		"placement.client_cpus=\"$M_client_cpus\"" \
		"placement.server_cpus=\"$M_server_cpus\"" \
		"placement.text=$(lab_json_str "$place")" \
		"matrix.flows=$M_flows" "placement.shared_cpus=$(lab_json_str "${SHARED_CPUS% }")" \
		"matrix.file=$(lab_json_str "$MATRIX")" \
		"matrix.paths=$(lab_json_words "$M_paths")" \
		"matrix.sizes=[${M_sizes// /,}]" \
		"matrix.cells=$(lab_json_words "$M_cells")" \
		"matrix.duration_s=$M_duration_s" "matrix.warmup_s=$M_warmup_s" \
		"matrix.throughput_window=$M_throughput_window" "matrix.timeout_ms=$M_timeout_ms"
}

lab_cmd_run() {
	local quick=0 paths="" sizes="" p
	MATRIX=$LAB_D/matrix/full.conf
	OUT=
	while [ $# -gt 0 ]; do
		case "$1" in
		--quick) MATRIX=$LAB_D/matrix/quick.conf ;;
		--matrix) [ $# -ge 2 ] || lab_die "run: --matrix needs a file"; MATRIX=$2; shift ;;
		--out) [ $# -ge 2 ] || lab_die "run: --out needs a folder"; OUT=$2; shift ;;
		--paths)
			[ $# -ge 2 ] || lab_die "run: --paths needs a list"
			paths=${2//,/ }
			shift
			;;
		--sizes)
			[ $# -ge 2 ] || lab_die "run: --sizes needs a list"
			sizes=${2//,/ }
			shift
			;;
		*) lab_die "run: unknown option '$1' (see scripts/lab --help)" ;;
		esac
		shift
	done
	lab_need_root run
	# A bare name is one of the matrices that come with the lab (scripts/lab.d/matrix/).
	if [ ! -e "$MATRIX" ] && [ -e "$LAB_D/matrix/$MATRIX.conf" ]; then
		MATRIX=$LAB_D/matrix/$MATRIX.conf
	fi
	lab_matrix_load "$MATRIX"
	[ -n "$paths" ] && M_paths=$paths
	[ -n "$sizes" ] && M_sizes=$sizes
	lab_matrix_check

	EG=$LAB_BUILD/app/echo-gen/echo-gen
	SE=$LAB_BUILD/app/sock-echo/sock-echo
	BE=$LAB_BUILD/app/bypass-echo/bypass-echo
	RING=$LAB_BUILD/tests/integration/gen/dpdk_ring_echo
	lab_sockmap_vars
	CELL_EXTRA=()
	[ -x "$EG" ] || lab_die "no $EG: build first (scripts/lab setup)"

	# One run at a time: the topology and the CPUs are shared.
	mkdir -p "$(dirname "$LAB_LOCK")"
	eval "exec $LAB_LOCK_FD>\"$LAB_LOCK\""
	flock -n "$LAB_LOCK_FD" || lab_die "another lab run holds $LAB_LOCK; wait for it to finish"
	LAB_HOLDS_LOCK=1

	LAB_NO_HUGE=0
	LAB_NO_HUGE_JSON=false
	if [ "$(lab_hugepages_free)" -lt "$LAB_HUGEPAGES_MIN" ]; then
		LAB_NO_HUGE=1
		LAB_NO_HUGE_JSON=true
		lab_say "only $(lab_hugepages_free) free hugepages (need $LAB_HUGEPAGES_MIN):" \
			"DPDK paths run with --no-huge (slower; recorded)"
	fi
	RUN_ID=$(date +%Y%m%d-%H%M%S)
	[ -n "$OUT" ] || OUT=$LAB_RESULTS/$RUN_ID
	[ ! -e "$OUT/results.json" ] || lab_die "$OUT already holds a run; give another --out"
	mkdir -p "$OUT/cells" "$OUT/logs"
	OUT=$(cd "$OUT" && pwd)
	LOGS=$OUT/logs
	CELL=0
	NCELLS=0
	PATH_W=8
	for p in $M_paths; do
		[ "${#p}" -le "$PATH_W" ] || PATH_W=${#p}
		for _ in $M_sizes; do
			NCELLS=$((NCELLS + $(wc -w <<<"$M_cells")))
		done
	done
	trap lab_run_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lab_topo_up 2>/dev/null
	lab_host_meta
	lab_say "run $RUN_ID: $NCELLS cells ($(wc -w <<<"$M_paths") paths x" \
		"$(wc -w <<<"$M_sizes") sizes x $(wc -w <<<"$M_cells") cells)," \
		"${M_duration_s} s each after ${M_warmup_s} s warm-up;" \
		"client on CPU $M_client_cpus, server on CPU $M_server_cpus"
	lab_say "results: $OUT"
	for p in $M_paths; do
		lab_path_run "$p"
	done
	lab_say "run $RUN_ID done: $OUT/results.json"
	echo "$OUT"
}

# ---- report and demo -------------------------------------------------------------------

lab_latest_run() {
	local d
	# By the timestamp in the name, so that services-<timestamp> folders sort among the others.
	d=$(ls -1d "$LAB_RESULTS"/*/ 2>/dev/null | awk -F/ '{ n = $(NF - 1); sub(/^services-/, "", n);
		print n "\t" $0 }' | sort | tail -1 | cut -f2)
	[ -n "$d" ] || lab_die "no run under $LAB_RESULTS: run 'scripts/lab run' first"
	echo "${d%/}"
}

lab_cmd_report() {
	local dir="" table=0 exercise=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--table) table=1 ;;
		--exercise)
			[ $# -ge 2 ] || lab_die "report: --exercise needs an exercise number"
			exercise=$2
			shift
			;;
		--exercise=*) exercise=${1#--exercise=} ;;
		-*) lab_die "report: unknown option '$1'" ;;
		*) dir=$1 ;;
		esac
		shift
	done
	[ -n "$dir" ] || dir=$(lab_latest_run)
	[ -f "$dir/results.json" ] || lab_die "report: $dir has no results.json"
	# Only print the figures of an exercise's questions against its reference run (exercise.py).
	[ -z "$exercise" ] || exec "$LAB_PY" "$LAB_D/exercise.py" "$dir" "$exercise"
	if [ "$table" = 1 ]; then
		"$LAB_PY" "$LAB_D/report.py" "$dir" --table
	else
		"$LAB_PY" "$LAB_D/report.py" "$dir"
	fi
	lab_say "report: $dir/report.md (summary.csv, plots/*.png and *.svg beside it)"
}

lab_cmd_demo() {
	local t0=$SECONDS out
	[ $# -eq 0 ] || lab_die "demo takes no arguments"
	lab_need_root demo
	lab_cmd_setup
	out=$(lab_cmd_run --quick | tail -1)
	echo
	lab_cmd_report --table "$out"
	lab_say "demo took $((SECONDS - t0)) s; report: $out/report.md"
}
