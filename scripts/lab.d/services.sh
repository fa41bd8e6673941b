# SPDX-License-Identifier: BSD-3-Clause
# `scripts/lab services`: private redis-server, PostgreSQL and nginx measured over TCP loopback,
# over Unix sockets and over TCP with the sockmap shortcut, with their own clients, beside an
# echo floor of the same run.

SVC_SERVICES="redis postgres nginx"
SVC_PORT_FIRST=46300		# free ports on 127.0.0.1 are looked for from here ...
SVC_PORT_LAST=46999		# ... to here (below the ephemeral range, so no client takes them)
SVC_START_WAIT_S=30		# a server has this long to accept connections
SVC_CLIENT_SLACK_S=60		# a client may run this much longer than its cell should take
SVC_REDIS_CLIENTS=50		# redis-benchmark -c: Redis's own published comparison used 50
SVC_REDIS_VALUE_BYTES=256	# -d: and 256-byte values
SVC_REDIS_PIPELINE=16		# -P of the pipelined cells
SVC_REDIS_REQUESTS=200000	# -n per cell without pipelining (x10 with it; /20 with --quick)
SVC_PG_CLIENTS=8		# pgbench -c (one thread, -j 1)
SVC_PG_SCALE=1			# pgbench -i -s: 100,000 accounts, 13 MB
SVC_PG_RANGE_ROWS=5000		# rows the heavier query sums (about 10x select-only's work)
SVC_WRK_CONNS=16		# wrk -c (one thread, -t 1)
SVC_ECHO_BYTES=256		# the echo floor's message size: a small request
SVC_ECHO_WINDOW=16		# its throughput cell's window
SVC_BODY_BYTES=64		# nginx's static response body
SVC_SOCKMAP_TR=tcp+sockmap	# the transport whose cells run with sockmap-accel

svc_py() {
	"$LAB_PY" "$LAB_D/services.py" "$@"
}

# ---- helpers ---------------------------------------------------------------------------

# A port on 127.0.0.1 that nothing listens on now, other than the ones this run took already
# (SVC_PORTS), into the variable named $1.
svc_free_port() {
	local p
	p=$(svc_py free-port "$SVC_PORT_FIRST" "$SVC_PORT_LAST" $SVC_PORTS) ||
		lab_die "no free TCP port on 127.0.0.1 between $SVC_PORT_FIRST and $SVC_PORT_LAST"
	SVC_PORTS+=" $p"
	printf -v "$1" '%s' "$p"
}

# Wait up to SECS for COMMAND to succeed while the server of PIDFILE lives; REASON otherwise.
svc_wait() {
	local secs=$1 pidfile=$2 log=$3 i
	shift 3
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		lab_pidfile_alive "$pidfile" || {
			REASON="server exited at start: $(lab_log_tail "$log")"
			return 1
		}
		sleep 0.1
	done
	REASON="server not ready after $secs s: $(lab_log_tail "$log")"
	return 1
}

svc_listening() {
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# Run a client pinned to the client CPU, as the lab's "client" (pid file), its output in LOG;
# stopped after SECS. Sets SVC_RC (124 when it had to be stopped).
svc_client() {
	local log=$1 secs=$2
	shift 2
	echo "taskset -c $M_client_cpus ${CLIENT_WRAP[*]} $*" >"$log.cmd"
	LAB_SPAWN_LOG=$log lab_spawn client taskset -c "$M_client_cpus" "${CLIENT_WRAP[@]}" "$@"
	if lab_wait_spawned client "$secs"; then
		SVC_RC=$LAB_RC
	else
		echo "lab: stopped after $secs s" >>"$log"
		SVC_RC=124
	fi
}

svc_progress() {
	CELL=$((CELL + 1))
	printf '[%*d/%d] %-8s %-11s %-15s ' "${#NCELLS}" "$CELL" "$NCELLS" "$1" "$2" "$3" >&2
}

# Record one cell from a client's log: services.py parses it, appends the cell to
# services.json and prints "ok: ..." or "failed: ...".
svc_record() {
	local svc=$1 tr=$2 wl=$3 client=$4 log=$5 sm=()
	shift 5
	[ "$tr" != "$SVC_SOCKMAP_TR" ] || sm=("--sockmap=$SVC_SM_COUNTS"
		"lab.sockmap_cgroup=$(lab_json_str "$SM_CGROUP")")
	svc_py record "$OUT" "$client" "$log" "$SVC_RC" "${sm[@]}" "service=\"$svc\"" \
		"transport=\"$tr\"" "workload=\"$wl\"" "lab.cell=$CELL" "lab.cells=$NCELLS" \
		"lab.client_cpus=\"$M_client_cpus\"" "lab.server_cpus=\"$M_server_cpus\"" \
		"server_version=$(lab_json_str "$SVC_VERSION")" "$@" >&2 || true
}

# Cells of a service that did not run at all: each one a row with the reason.
svc_record_bad() {
	local svc=$1 status=$2 reason=$3 tr wl
	shift 3
	for c in "$@"; do
		tr=${c%%:*}
		wl=${c#*:}
		svc_progress "$svc" "$tr" "$wl"
		echo "$status: $reason" >&2
		svc_py bad "$OUT" "service=\"$svc\"" "transport=\"$tr\"" "workload=\"$wl\"" \
			"lab.cell=$CELL" "lab.cells=$NCELLS" "lab.status=\"$status\"" \
			"lab.reason=$(lab_json_str "$reason")" \
			"lab.client_cpus=\"$M_client_cpus\"" "lab.server_cpus=\"$M_server_cpus\""
	done
}

# The cells of each service, transport:workload, in the order they run: tcp and unix against
# one server, then the tcp+sockmap cells against a second one started inside sockmap-accel's
# cgroup (TRANSPORTS limits the list: "tcp unix" or "tcp+sockmap").
svc_cells() {
	local svc=$1 trs=${2:-tcp unix $SVC_SOCKMAP_TR} c
	for c in $(svc_cells_all "$svc"); do
		[[ " $trs " == *" ${c%%:*} "* ]] && echo "$c"
	done
	for c in $(svc_cells_all "$svc"); do
		[ "${c%%:*}" = tcp ] && [[ " $trs " == *" $SVC_SOCKMAP_TR "* ]] &&
			echo "$SVC_SOCKMAP_TR:${c#*:}"
	done
	return 0
}

svc_cells_all() {
	local tr p
	case "$1" in
	redis)
		for p in 1 "$SVC_REDIS_PIPELINE"; do
			for tr in tcp unix; do
				echo "$tr:set-P$p $tr:get-P$p"
			done
		done
		;;
	postgres) echo "tcp:select-only unix:select-only tcp:range-sum unix:range-sum" ;;
	nginx) echo "tcp:static tcp:proxy-keepalive unix:proxy-keepalive tcp:proxy-close" \
		"unix:proxy-close" ;;
	esac
}

# Run one client of a cell: with tcp+sockmap, read sockmap-accel's counters before and after
# (into SVC_SM_COUNTS: "redirected_sends,redirected_bytes,missed_sends" of the cell, or
# "error:REASON"), for services.py to check that the cell's traffic took the shortcut.
svc_cell_client() {
	local tr=$1 before after r0 b0 m0 r1 b1 m1
	shift
	SVC_SM_COUNTS=
	if [ "$tr" != "$SVC_SOCKMAP_TR" ]; then
		svc_client "$@"
		return 0
	fi
	before=$(lab_sockmap_counters) || before=
	svc_client "$@"
	if [ -z "$before" ] || ! after=$(lab_sockmap_counters); then
		SVC_SM_COUNTS="error:sockmap-accel stopped or stopped counting: $(lab_log_tail \
			"$SM_LOG")"
		return 0
	fi
	read -r r0 b0 m0 <<<"$before"
	read -r r1 b1 m1 <<<"$after"
	SVC_SM_COUNTS="$((r1 - r0)),$((b1 - b0)),$((m1 - m0))"
}

# Why a service cannot run here (REASON), or success.
svc_available() {
	local c
	REASON=
	case "$1" in
	redis)
		for c in redis-server redis-benchmark; do
			command -v "$c" >/dev/null || {
				REASON="no $c (apt-get install redis-server redis-tools)"
				return 1
			}
		done
		;;
	postgres)
		PG_BIN=$(ls -1d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
		for c in initdb pg_ctl postgres pgbench; do
			[ -n "$PG_BIN" ] && [ -x "$PG_BIN/$c" ] || {
				REASON="no PostgreSQL $c under /usr/lib/postgresql/*/bin"
				REASON+=" (apt-get install postgresql)"
				return 1
			}
		done
		id -u postgres >/dev/null 2>&1 || {
			REASON="no 'postgres' user to run the cluster as (the postgresql package"
			REASON+=" makes it: apt-get install postgresql)"
			return 1
		}
		;;
	nginx)
		for c in nginx wrk; do
			command -v "$c" >/dev/null || {
				REASON="no $c (apt-get install nginx-light wrk)"
				return 1
			}
		done
		;;
	esac
	command -v setpriv >/dev/null && command -v taskset >/dev/null || {
		REASON="no setpriv/taskset (apt-get install util-linux)"
		return 1
	}
}

# ---- redis -----------------------------------------------------------------------------

svc_redis_start() {
	local d=$SVC_TMP/redis
	mkdir -p "$d"
	svc_free_port REDIS_PORT
	REDIS_SOCK=$d/redis.sock
	SVC_VERSION=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/redis \1/p')
	# No persistence, no protected mode questions: a private cache on loopback.
	cat >"$d/redis.conf" <<-EOF
		port $REDIS_PORT
		bind 127.0.0.1
		unixsocket $REDIS_SOCK
		unixsocketperm 700
		save ""
		appendonly no
		dir $d
		daemonize no
		logfile ""
		databases 1
	EOF
	SVC_LOG=$LOGS/redis$SVC_SFX.server.log
	SVC_PIDFILE=$LAB_RUN/svc-redis.pid
	LAB_SPAWN_LOG=$SVC_LOG lab_spawn svc-redis taskset -c "$M_server_cpus" "${SRV_WRAP[@]}" \
		redis-server "$d/redis.conf"
	svc_wait "$SVC_START_WAIT_S" "$SVC_PIDFILE" "$SVC_LOG" \
		grep -q 'Ready to accept connections' "$SVC_LOG" || return 1
	svc_wait 5 "$SVC_PIDFILE" "$SVC_LOG" test -S "$REDIS_SOCK" || return 1
	SVC_DESC="redis-server $SVC_VERSION on 127.0.0.1:$REDIS_PORT and $REDIS_SOCK, CPU"
	SVC_DESC+=" $M_server_cpus, no persistence$SRV_DESC_SM"
}

svc_redis_cells() {
	local p tr t n log where
	for p in 1 "$SVC_REDIS_PIPELINE"; do
		n=$SVC_REDIS_N
		[ "$p" = 1 ] || n=$((SVC_REDIS_N * 10))
		for tr in "$@"; do
			where=(-h 127.0.0.1 -p "$REDIS_PORT")
			[ "$tr" != unix ] || where=(-s "$REDIS_SOCK")
			# SET first, so that GET reads a value that exists.
			for t in set get; do
				svc_progress redis "$tr" "$t-P$p"
				log=$LOGS/$(printf '%03d' "$CELL")-redis-$tr-$t-P$p.client.log
				svc_cell_client "$tr" "$log" $((SVC_CLIENT_SLACK_S + n / 1000)) \
					redis-benchmark "${where[@]}" -c "$SVC_REDIS_CLIENTS" \
					-n "$n" -P "$p" -d "$SVC_REDIS_VALUE_BYTES" -t "$t" --csv
				svc_record redis "$tr" "$t-P$p" redis-benchmark "$log" \
					"clients=$SVC_REDIS_CLIENTS" "pipeline=$p" "requests=$n" \
					"value_bytes=$SVC_REDIS_VALUE_BYTES" \
					"server=$(lab_json_str "$SVC_DESC")"
			done
		done
	done
}

svc_redis_stop() {
	[ ! -e "$LAB_RUN/svc-redis.pid" ] || lab_stop_pidfile "$LAB_RUN/svc-redis.pid"
}

# ---- postgres --------------------------------------------------------------------------

# As the postgres user (the server refuses to run as root).
svc_as_pg() {
	setpriv --reuid=postgres --regid="$(id -g postgres)" --init-groups -- "$@"
}

svc_postgres_start() {
	local d=$SVC_TMP/pg pid
	PG_DATA=$d/data
	PG_SOCKDIR=$d/sock
	# Started again for the tcp+sockmap cells: the same cluster, port and tables.
	if [ -e "$PG_DATA/PG_VERSION" ]; then
		SVC_LOG=$d/server.log
		svc_postgres_launch
		return
	fi
	svc_free_port PG_PORT
	mkdir -p "$PG_DATA" "$PG_SOCKDIR"
	chown -R postgres: "$d"
	chmod 0700 "$PG_DATA"
	SVC_VERSION=$("$PG_BIN/postgres" --version | sed 's/^postgres (PostgreSQL) /postgresql /')
	# The postgres user may not reach the results folder: its log is copied there at the end.
	SVC_LOG=$d/server.log
	svc_as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U bench --auth=trust --no-locale -E UTF8 \
		--no-sync >"$LOGS/postgres.initdb.log" 2>&1 9>&- || {
		REASON="initdb failed: $(lab_log_tail "$LOGS/postgres.initdb.log")"
		return 1
	}
	# A scratch cluster: nothing is worth an fsync; only the lab's own socket and port.
	cat >>"$PG_DATA/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $PG_PORT
		unix_socket_directories = '$PG_SOCKDIR'
		max_connections = $((SVC_PG_CLIENTS + 10))
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		logging_collector = off
	EOF
	svc_postgres_launch || return 1
	svc_client "$LOGS/postgres.pgbench-init.log" "$SVC_START_WAIT_S" "$PG_BIN/pgbench" \
		-h "$PG_SOCKDIR" -p "$PG_PORT" -U bench -i -q -s "$SVC_PG_SCALE" postgres
	[ "$SVC_RC" = 0 ] || {
		REASON="pgbench -i failed: $(lab_log_tail "$LOGS/postgres.pgbench-init.log")"
		return 1
	}
	# The heavier query: an index range scan that sums SVC_PG_RANGE_ROWS rows.
	cat >"$SVC_TMP/range-sum.sql" <<-EOF
		\\set aid random(1, 100000 * :scale - $SVC_PG_RANGE_ROWS)
		SELECT sum(abalance) FROM pgbench_accounts
		    WHERE aid BETWEEN :aid AND :aid + $SVC_PG_RANGE_ROWS;
	EOF
}

# pg_ctl start of the cluster (inside sockmap-accel's cgroup when SRV_WRAP says so: the
# postmaster and every backend it forks are then in it).
svc_postgres_launch() {
	local pid
	# The postmaster outlives pg_ctl: it must not inherit the run lock (fd 9), or a killed
	# run's lock would stay held and `topo down` refuse to clean up.
	taskset -c "$M_server_cpus" "${SRV_WRAP[@]}" setpriv --reuid=postgres \
		--regid="$(id -g postgres)" --init-groups -- "$PG_BIN/pg_ctl" -D "$PG_DATA" \
		-l "$SVC_LOG" -w -t "$SVC_START_WAIT_S" start >>"$LOGS/postgres.pg_ctl.log" 2>&1 9>&- ||
		{
			REASON="pg_ctl start failed: $(lab_log_tail "$SVC_LOG")"
			[ -f "$PG_DATA/postmaster.pid" ] && svc_postgres_pidfile
			return 1
		}
	svc_postgres_pidfile
	pid=$(head -1 "$PG_DATA/postmaster.pid")
	SVC_DESC="postgres $SVC_VERSION (pid $pid), 127.0.0.1:$PG_PORT and $PG_SOCKDIR, CPU"
	SVC_DESC+=" $M_server_cpus, fsync off, pgbench scale $SVC_PG_SCALE$SRV_DESC_SM"
}

# The postmaster in a lab pid file, so that `topo down` stops it after a killed run too.
svc_postgres_pidfile() {
	local pid
	pid=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	printf '%s %s %s\n' "$pid" "$(lab_pid_starttime "$pid" || echo 0)" svc-postgres \
		>"$LAB_RUN/svc-postgres.pid"
}

svc_postgres_cells() {
	local tr wl log host script
	for wl in select-only range-sum; do
		script=(-S)
		[ "$wl" = select-only ] || script=(-f "$SVC_TMP/range-sum.sql" -s "$SVC_PG_SCALE")
		for tr in "$@"; do
			host=127.0.0.1
			[ "$tr" != unix ] || host=$PG_SOCKDIR
			svc_progress postgres "$tr" "$wl"
			log=$LOGS/$(printf '%03d' "$CELL")-postgres-$tr-$wl.client.log
			rm -f "$SVC_TMP"/pgbench_log.*
			svc_cell_client "$tr" "$log" $((SVC_CLIENT_SLACK_S + ${SVC_DURATION_S%.*})) \
				"$PG_BIN/pgbench" -h "$host" -p "$PG_PORT" -U bench -n \
				"${script[@]}" -c "$SVC_PG_CLIENTS" -j 1 -T "$SVC_DURATION_S" -l \
				--log-prefix="$SVC_TMP/pgbench_log" postgres
			svc_record postgres "$tr" "$wl" pgbench "$log" \
				"--txlog=$SVC_TMP/pgbench_log" "clients=$SVC_PG_CLIENTS" \
				"server=$(lab_json_str "$SVC_DESC")"
		done
	done
}

svc_postgres_stop() {
	local f=$LAB_RUN/svc-postgres.pid
	[ -e "$f" ] || return 0
	if lab_pidfile_alive "$f"; then
		# Fast shutdown: the postmaster ends its backends itself.
		svc_as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null \
			2>&1 9>&- || lab_say "pg_ctl stop failed; stopping the postmaster by pid"
	fi
	lab_stop_pidfile "$f"
	[ ! -f "$SVC_TMP/pg/server.log" ] || cp "$SVC_TMP/pg/server.log" "$LOGS/postgres.server.log"
}

# ---- nginx -----------------------------------------------------------------------------

svc_nginx_start() {
	local d=$SVC_TMP/nginx group
	svc_free_port NGX_PORT
	svc_free_port NGX_UP_PORT
	NGX_UP_SOCK=$d/upstream.sock
	# Started again for tcp+sockmap: nothing of the first nginx's socket may stay in the way.
	rm -f "$NGX_UP_SOCK"
	mkdir -p "$d/html" "$d/tmp"
	# The workers run as nobody: they must reach the page and the temporary folders.
	chmod 0755 "$d" "$d/html"
	head -c "$((SVC_BODY_BYTES - 1))" /dev/zero | tr '\0' 'x' >"$d/html/index.html"
	echo >>"$d/html/index.html"
	chmod 0644 "$d/html/index.html"
	group=$(id -gn nobody 2>/dev/null || echo nogroup)
	SVC_VERSION=$(nginx -v 2>&1 | sed 's|^nginx version: nginx/|nginx |')
	# One worker on the server CPU; an upstream server block of the same nginx answers the
	# proxied locations over TCP and over a Unix socket, with and without kept-alive
	# connections to it. wrk reaches the front over TCP in every cell.
	cat >"$d/nginx.conf" <<-EOF
		user nobody $group;
		worker_processes 1;
		daemon off;
		pid $d/nginx.pid;
		lock_file $d/nginx.lock;
		error_log $d/error.log warn;
		events { worker_connections 1024; }
		http {
		    access_log off;
		    client_body_temp_path $d/tmp/body;
		    proxy_temp_path $d/tmp/proxy;
		    fastcgi_temp_path $d/tmp/fastcgi;
		    uwsgi_temp_path $d/tmp/uwsgi;
		    scgi_temp_path $d/tmp/scgi;
		    keepalive_requests 1000000;
		    upstream up_tcp_keepalive { server 127.0.0.1:$NGX_UP_PORT; keepalive 32; }
		    upstream up_unix_keepalive { server unix:$NGX_UP_SOCK; keepalive 32; }
		    upstream up_tcp_close { server 127.0.0.1:$NGX_UP_PORT; }
		    upstream up_unix_close { server unix:$NGX_UP_SOCK; }
		    server {
		        listen 127.0.0.1:$NGX_UP_PORT;
		        listen unix:$NGX_UP_SOCK;
		        root $d/html;
		        add_header X-Bypasslab-Upstream 1;
		        location / { try_files /index.html =404; }
		    }
		    server {
		        listen 127.0.0.1:$NGX_PORT;
		        root $d/html;
		        location = /static { try_files /index.html =404; }
		        location ~ ^/proxy/(tcp|unix)/keepalive\$ {
		            proxy_pass http://up_\$1_keepalive/;
		            proxy_http_version 1.1;
		            proxy_set_header Connection "";
		        }
		        location ~ ^/proxy/(tcp|unix)/close\$ {
		            proxy_pass http://up_\$1_close/;
		        }
		    }
		}
	EOF
	SVC_LOG=$LOGS/nginx$SVC_SFX.server.log
	SVC_PIDFILE=$LAB_RUN/svc-nginx.pid
	LAB_SPAWN_LOG=$SVC_LOG lab_spawn svc-nginx taskset -c "$M_server_cpus" "${SRV_WRAP[@]}" \
		nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log"
	svc_wait "$SVC_START_WAIT_S" "$SVC_PIDFILE" "$SVC_LOG" svc_listening "$NGX_PORT" ||
		return 1
	svc_wait 5 "$SVC_PIDFILE" "$SVC_LOG" test -S "$NGX_UP_SOCK" || return 1
	# Each URL answers 200 with the page, the proxied ones from the upstream block.
	REASON=$(svc_py http-check "http://127.0.0.1:$NGX_PORT" "$SVC_BODY_BYTES" /static \
		/proxy/tcp/keepalive /proxy/unix/keepalive /proxy/tcp/close /proxy/unix/close) ||
		return 1
	SVC_DESC="$SVC_VERSION, 1 worker on CPU $M_server_cpus, front 127.0.0.1:$NGX_PORT,"
	SVC_DESC+=" upstream block on 127.0.0.1:$NGX_UP_PORT and $NGX_UP_SOCK$SRV_DESC_SM"
}

svc_nginx_cells() {
	local c tr wl url log
	for c in $(svc_cells nginx "$*"); do
		tr=${c%%:*}
		wl=${c#*:}
		# tcp+sockmap: both hops over TCP (wrk to nginx, nginx to its upstream), both
		# redirected.
		case "$wl" in
		static) url=/static ;;
		proxy-keepalive) url=/proxy/${tr%+sockmap}/keepalive ;;
		proxy-close) url=/proxy/${tr%+sockmap}/close ;;
		esac
		svc_progress nginx "$tr" "$wl"
		log=$LOGS/$(printf '%03d' "$CELL")-nginx-$tr-$wl.client.log
		svc_cell_client "$tr" "$log" $((SVC_CLIENT_SLACK_S + ${SVC_DURATION_S%.*})) wrk -t 1 \
			-c "$SVC_WRK_CONNS" -d "${SVC_DURATION_S}s" --latency \
			"http://127.0.0.1:$NGX_PORT$url"
		svc_record nginx "$tr" "$wl" wrk "$log" "clients=$SVC_WRK_CONNS" \
			"url=\"$url\"" "body_bytes=$SVC_BODY_BYTES" \
			"server=$(lab_json_str "$SVC_DESC")"
	done
	# What the server itself complained about (a refused upstream, a missing file).
	[ ! -s "$SVC_TMP/nginx/error.log" ] || cp "$SVC_TMP/nginx/error.log" "$LOGS/nginx.error.log"
}

svc_nginx_stop() {
	[ ! -e "$LAB_RUN/svc-nginx.pid" ] || lab_stop_pidfile "$LAB_RUN/svc-nginx.pid"
}

# ---- one service -----------------------------------------------------------------------

svc_run() {
	local svc=$1 cells smcells
	# shellcheck disable=SC2207
	cells=($(svc_cells "$svc" "tcp unix"))
	# shellcheck disable=SC2207
	smcells=($(svc_cells "$svc" "$SVC_SOCKMAP_TR"))
	SVC_PIDFILE=
	SVC_VERSION=
	SVC_DESC=
	SVC_SFX=
	if ! svc_available "$svc"; then
		svc_record_bad "$svc" unavailable "$REASON" "${cells[@]}" "${smcells[@]}"
		return 0
	fi
	lab_say "$svc: starting a private server"
	if ! "svc_${svc}_start"; then
		svc_record_bad "$svc" failed "server did not start: $REASON" "${cells[@]}" \
			"${smcells[@]}"
		lab_event "$svc: server did not start: $REASON"
		"svc_${svc}_stop"
		return 0
	fi
	"svc_${svc}_cells" tcp unix
	"svc_${svc}_stop"
	svc_run_sockmap "$svc" "${smcells[@]}"
}

# The tcp+sockmap cells: sockmap-accel attaches to its cgroup, the server starts again inside
# it (a second server: the plain TCP cells ran against one that is not in the cgroup, where
# its sends would not even pass the BPF program), and every client starts inside it too.
svc_run_sockmap() {
	local svc=$1
	shift
	if [ -n "$SVC_SM_UNAVAILABLE" ]; then
		svc_record_bad "$svc" unavailable "$SVC_SM_UNAVAILABLE" "$@"
		return 0
	fi
	lab_say "$svc: starting sockmap-accel and the server again inside its cgroup"
	if ! lab_sockmap_start "svc-$svc"; then
		svc_record_bad "$svc" failed "$REASON" "$@"
		lab_event "$svc: $REASON"
		return 0
	fi
	SVC_SFX=.sockmap
	if ! "svc_${svc}_start"; then
		REASON="server did not start in sockmap-accel's cgroup: $REASON"
		svc_record_bad "$svc" failed "$REASON" "$@"
		lab_event "$svc: $REASON"
		"svc_${svc}_stop"
		lab_sockmap_stop
		return 0
	fi
	"svc_${svc}_cells" "$SVC_SOCKMAP_TR"
	"svc_${svc}_stop"
	lab_sockmap_stop
	rm -f "$SM_STATS"
}

# ---- the command -----------------------------------------------------------------------

svc_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	[ -e "$LAB_RUN/client.pid" ] && lab_stop_pidfile "$LAB_RUN/client.pid"
	svc_nginx_stop
	svc_redis_stop
	svc_postgres_stop
	for f in "$LAB_RUN"/svc-*.pid; do
		[ -e "$f" ] && lab_stop_pidfile "$f"
	done
	lab_server_stop
	if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
		"$LAB_PY" "$LAB_D/cells.py" meta "$OUT" "finished=\"$(date -u +%FT%TZ)\"" \
			"completed=$([ "$rc" = 0 ] && echo true || echo false)" >/dev/null 2>&1
	fi
	[ -n "${SVC_TMP:-}" ] && rm -rf "$SVC_TMP"
	for f in services.tmpdir uds-stream.sock tcp.stats.json uds-stream.stats.json \
		"$(lab_path_file "$SVC_SOCKMAP_TR").stats.json"; do
		rm -f "${LAB_RUN:?}/$f"
	done
	rm -f "${LAB_RUN:?}"/sockmap-*.stats.json
	[ "${SVC_MADE_RUN:-0}" = 1 ] && rmdir "$LAB_RUN" 2>/dev/null
	rm -f "$LAB_LOCK"
	if [ "$rc" -ne 0 ] && [ -n "${OUT:-}" ]; then
		lab_err "services stopped (exit $rc) after cell ${CELL:-0}/${NCELLS:-?}; partial" \
			"results in $OUT; every server it started is stopped"
	fi
	exit "$rc"
}

lab_cmd_services() {
	local quick=0 only=$SVC_SERVICES s n
	OUT=
	while [ $# -gt 0 ]; do
		case "$1" in
		--quick) quick=1 ;;
		--out) [ $# -ge 2 ] || lab_die "services: --out needs a folder"; OUT=$2; shift ;;
		--only)
			[ $# -ge 2 ] ||
				lab_die "services: --only needs a list (redis,postgres,nginx)"
			only=${2//,/ }
			for s in $only; do
				[[ " $SVC_SERVICES " == *" $s "* ]] ||
					lab_die "services: unknown service '$s'" \
						"(known: $SVC_SERVICES)"
			done
			shift
			;;
		*) lab_die "services: unknown option '$1' (see scripts/lab --help)" ;;
		esac
		shift
	done
	lab_need_root services
	command -v ss >/dev/null || lab_die "no 'ss' command: apt-get install iproute2"

	# Settings: the echo floor is a small matrix of the lab's own (tcp against uds-stream and
	# tcp+sockmap).
	M_paths="tcp uds-stream $SVC_SOCKMAP_TR"
	M_sizes=$SVC_ECHO_BYTES
	M_cells="latency throughput"
	M_throughput_window=$SVC_ECHO_WINDOW
	M_timeout_ms=1000
	M_client_cpus=0
	M_server_cpus=1
	M_flows=1
	if [ "$quick" = 1 ]; then
		SVC_DURATION_S=1
		SVC_REDIS_N=$((SVC_REDIS_REQUESTS / 20))
		M_duration_s=1
		M_warmup_s=0.2
	else
		SVC_DURATION_S=8
		SVC_REDIS_N=$SVC_REDIS_REQUESTS
		M_duration_s=3
		M_warmup_s=0.5
	fi
	[ "$(nproc)" -ge 2 ] || M_server_cpus=0
	lab_matrix_check
	EG=$LAB_BUILD/app/echo-gen/echo-gen
	SE=$LAB_BUILD/app/sock-echo/sock-echo
	BE=$LAB_BUILD/app/bypass-echo/bypass-echo
	RING=
	lab_sockmap_vars
	SRV_WRAP=()
	CLIENT_WRAP=()
	SRV_DESC_SM=
	SM_PIDFILE=
	SM_CGROUP=
	CELL_EXTRA=()
	SVC_SFX=
	# Without the shortcut here, the tcp+sockmap rows say why; the rest runs.
	SVC_SM_UNAVAILABLE=
	lab_sockmap_check || SVC_SM_UNAVAILABLE="sockmap: $REASON"

	mkdir -p "$(dirname "$LAB_LOCK")"
	eval "exec $LAB_LOCK_FD>\"$LAB_LOCK\""
	flock -n "$LAB_LOCK_FD" || lab_die "another lab run holds $LAB_LOCK; wait for it to finish"
	LAB_HOLDS_LOCK=1
	# A package that cannot be installed leaves its service "not measured", nothing more.
	deps_install "${SERVICES_PACKAGES[@]}" ||
		lab_err "some service packages are missing (above): their rows will say so"

	LAB_NO_HUGE=0
	LAB_NO_HUGE_JSON=false
	RUN_ID=$(date +%Y%m%d-%H%M%S)
	[ -n "$OUT" ] || OUT=$LAB_RESULTS/services-$RUN_ID
	[ ! -e "$OUT/results.json" ] && [ ! -e "$OUT/services.json" ] ||
		lab_die "$OUT already holds a run; give another --out"
	mkdir -p "$OUT/cells" "$OUT/logs"
	OUT=$(cd "$OUT" && pwd)
	LOGS=$OUT/logs
	SVC_MADE_RUN=0
	[ -d "$LAB_RUN" ] || SVC_MADE_RUN=1
	mkdir -p "$LAB_RUN"
	chmod 0755 "$LAB_RUN"
	trap svc_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	SVC_TMP=$(mktemp -d /tmp/bypasslab-lab-services.XXXXXX)
	# Others (postgres, nginx's workers) go through it to their own folders.
	chmod 0711 "$SVC_TMP"
	echo "$SVC_TMP" >"$LAB_RUN/services.tmpdir"
	SVC_PORTS=

	CELL=0
	PATH_W=11
	NCELLS=$(($(wc -w <<<"$M_paths") * $(wc -w <<<"$M_cells")))
	for s in $only; do
		n=$(svc_cells "$s" | wc -w)
		NCELLS=$((NCELLS + n))
	done
	MATRIX="services (echo floor: tcp, uds-stream and $SVC_SOCKMAP_TR, $SVC_ECHO_BYTES B)"
	lab_host_meta
	"$LAB_PY" "$LAB_D/cells.py" meta "$OUT" "kind=\"services\"" \
		"services.list=$(lab_json_words "$only")" "services.quick=$([ "$quick" = 1 ] &&
			echo true || echo false)" \
		"services.duration_s=$SVC_DURATION_S" "services.redis_requests=$SVC_REDIS_N" \
		"services.redis_clients=$SVC_REDIS_CLIENTS" \
		"services.redis_value_bytes=$SVC_REDIS_VALUE_BYTES" \
		"services.redis_pipeline=$SVC_REDIS_PIPELINE" \
		"services.pg_clients=$SVC_PG_CLIENTS" "services.pg_scale=$SVC_PG_SCALE" \
		"services.pg_range_rows=$SVC_PG_RANGE_ROWS" \
		"services.wrk_connections=$SVC_WRK_CONNS" "services.body_bytes=$SVC_BODY_BYTES" \
		"services.echo_bytes=$SVC_ECHO_BYTES" "services.echo_window=$SVC_ECHO_WINDOW" \
		>/dev/null
	lab_say "services $RUN_ID: $NCELLS cells (echo floor, then $only over TCP, Unix" \
		"sockets and $SVC_SOCKMAP_TR), ${SVC_DURATION_S} s or $SVC_REDIS_N requests per" \
		"cell; client on CPU $M_client_cpus, servers on CPU $M_server_cpus"
	[ -z "$SVC_SM_UNAVAILABLE" ] ||
		lab_say "$SVC_SOCKMAP_TR rows not measured: $SVC_SM_UNAVAILABLE"
	lab_say "results: $OUT"
	for s in $M_paths; do
		lab_path_run "$s"
	done
	for s in $only; do
		svc_run "$s"
	done
	lab_say "services $RUN_ID done: $OUT/services.json"
	"$LAB_PY" "$LAB_D/report.py" "$OUT" || lab_err "the report of $OUT failed (above)"
	svc_py table "$OUT" || true
	lab_say "report: $OUT/report.md"
	echo "$OUT"
}
