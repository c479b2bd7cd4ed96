#!/usr/bin/env bash
# The production topology on one machine, without containers: Redis (membership), PostgreSQL
# (grain storage), two silos, two gateways and haproxy in front of the gateways, all on loopback.
# The same shape as docker-compose.yml, from a Release build.
#
#   ./cluster.sh start [--no-build]   build (unless --no-build), start everything, print the endpoints
#   ./cluster.sh stop                 stop everything this run directory started
#   ./cluster.sh status               what runs, and the endpoints
#   ./cluster.sh kill NAME            SIGKILL one process (silo1, silo2, gateway1, gateway2): failover drills
#
# Run directory: $MMO_CLUSTER_DIR (default ./.cluster): ports.env (every port, the admin key, the
# connection strings; sourceable), pids/, logs/, and the Redis and PostgreSQL data.
# Ports: free loopback ports from $MMO_CLUSTER_BASE_PORT (default 21100, below the ephemeral range) upwards.
# Needs redis-server, postgresql and haproxy (Debian packages; ./test.sh installs them).
# PostgreSQL refuses to run as root: as root its commands run as the postgres user.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run_dir="${MMO_CLUSTER_DIR:-$repo_root/.cluster}"
base_port="${MMO_CLUSTER_BASE_PORT:-21100}"
readonly ready_timeout_seconds="${MMO_CLUSTER_READY_TIMEOUT:-60}"
readonly config=Release
readonly processes=(haproxy gateway2 gateway1 silo2 silo1 redis)

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

pid_file() { printf '%s/pids/%s.pid\n' "$run_dir" "$1"; }

# A pid file holds the pid and, on its second line, a string the process's command line must
# contain: a recycled pid is never signalled.
record_pid() { printf '%s\n%s\n' "$2" "$3" >"$(pid_file "$1")"; }

pid_of() { head -n 1 "$(pid_file "$1")"; }

is_running() {
    local file pid marker
    file="$(pid_file "$1")"
    [[ -s "$file" ]] || return 1
    pid="$(sed -n 1p "$file")"
    marker="$(sed -n 2p "$file")"
    [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

next_port=""
# take_port VAR: sets VAR to the next port from $next_port on that nothing listens on.
take_port() {
    local port="$next_port"
    while port_in_use "$port"; do
        port=$((port + 1))
        ((port < 65000)) || die "no free port"
    done
    next_port=$((port + 1))
    printf -v "$1" '%s' "$port"
}

# HTTP status of GET $2 on 127.0.0.1:$1, with bash only (a fresh machine may lack curl).
http_status() {
    local status
    status="$(timeout 3 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
        head -n 1 <&3' _ "$1" "$2" 2>/dev/null)" || return 1
    printf '%s\n' "$status" | cut -d' ' -f2
}

# Waits until GET $3 on port $2 answers 200, failing early if process $1 died.
wait_ready() {
    local name="$1" port="$2" path="$3" deadline=$((SECONDS + ready_timeout_seconds))
    until [[ "$(http_status "$port" "$path")" == 200 ]]; do
        if ! is_running "$name"; then
            tail -n 20 "$run_dir/logs/$name.log" >&2 || true
            die "$name exited during start-up (log: $run_dir/logs/$name.log)"
        fi
        ((SECONDS < deadline)) || die "$name was not ready after ${ready_timeout_seconds}s (log: $run_dir/logs/$name.log)"
        sleep 0.2
    done
}

postgres_bin_dir() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && printf '%s\n' "$dir"
}

as_pg() {
    if ((EUID == 0)); then
        (cd "$run_dir" && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

start_redis() {
    mkdir -p "$run_dir/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
        --pidfile "$run_dir/redis/redis.pid" --logfile "$run_dir/logs/redis.log" --dir "$run_dir/redis" >/dev/null
    local deadline=$((SECONDS + ready_timeout_seconds))
    until [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG && -s "$run_dir/redis/redis.pid" ]]; do
        ((SECONDS < deadline)) || die "Redis was not ready (log: $run_dir/logs/redis.log)"
        sleep 0.1
    done
    # Redis renames its process to "redis-server 127.0.0.1:PORT".
    record_pid redis "$(cat "$run_dir/redis/redis.pid")" "127.0.0.1:$REDIS_PORT"
}

start_postgres() {
    local pg_bin pg_data="$run_dir/pg/data" socket_dir="$run_dir/pg/socket"
    pg_bin="$(postgres_bin_dir)" || die "PostgreSQL is not installed (apt-get install postgresql)"
    install -d -m 0755 "$run_dir/pg"
    install -d -m 0700 "$pg_data" "$socket_dir"
    chmod 0755 "$run_dir"
    if ((EUID == 0)); then chown -R postgres:postgres "$run_dir/pg"; fi
    as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth-host=scram-sha-256 --auth-local=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$run_dir/logs/initdb.log" 2>&1 || { cat "$run_dir/logs/initdb.log" >&2; die "initdb failed"; }
    # The server log lives beside its data: the postgres user cannot write to a root-owned logs/.
    as_pg "$pg_bin/pg_ctl" start -D "$pg_data" -w -t "$ready_timeout_seconds" -l "$run_dir/pg/server.log" \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$socket_dir -c max_connections=200" >/dev/null ||
        { tail -n 20 "$run_dir/pg/server.log" >&2; die "PostgreSQL did not start"; }
    as_pg "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$PG_PORT" -U postgres -d postgres \
        -c "CREATE ROLE mmo LOGIN PASSWORD '$PG_PASSWORD'" -c "CREATE DATABASE orleansmmo OWNER mmo" >/dev/null
}

stop_postgres() {
    local pg_bin
    [[ -f "$run_dir/pg/data/postmaster.pid" ]] || return 0
    pg_bin="$(postgres_bin_dir)" || return 0
    as_pg "$pg_bin/pg_ctl" stop -D "$run_dir/pg/data" -m fast -w -t 20 >/dev/null 2>&1 || true
}

# Starts a .NET process in the background. Its admin-port argument (unique on the machine while it
# runs) marks it as ours.
start_dotnet() {
    local name="$1" dll="$2" marker="$3"; shift 3
    [[ -f "$dll" ]] || die "$dll is missing: build first (drop --no-build)"
    # setsid: the process outlives this script and the terminal, like a service.
    setsid dotnet "$dll" "$marker" "$@" >"$run_dir/logs/$name.log" 2>&1 </dev/null &
    record_pid "$name" $! "$marker"
    disown $!
}

# Structured logs, one JSON object a line, with UTC timestamps: what a log shipper wants.
readonly json_logs=(--Logging:Console:FormatterName=json --Logging:Console:FormatterOptions:TimestampFormat=yyyy-MM-ddTHH:mm:ss.fffZ
    --Logging:Console:FormatterOptions:UseUtcTimestamp=true)

# Secrets go in the environment (readable only by the process's user), not on the command line.
start_silo() {
    local name="$1" silo_port="$2" gateway_port="$3" admin_port="$4"
    ConnectionStrings__Postgres="$POSTGRES" Tickets__SigningKey="$TICKET_KEY" start_dotnet "$name" "$repo_root/Silo/bin/$config/net10.0/OrleansMmo.Silo.dll" \
        "--Admin:Port=$admin_port" \
        "--ConnectionStrings:Redis=127.0.0.1:$REDIS_PORT" \
        "--Cluster:ClusterId=$CLUSTER_ID" \
        "--Cluster:SiloPort=$silo_port" "--Cluster:GatewayPort=$gateway_port" \
        "${json_logs[@]}"
}

start_gateway() {
    local name="$1" port="$2" admin_port="$3" ws_port="$4"
    Admin__Key="$ADMIN_KEY" start_dotnet "$name" "$repo_root/Gateway/bin/$config/net10.0/OrleansMmo.Gateway.dll" \
        "--Gateway:AdminPort=$admin_port" \
        "--ConnectionStrings:Redis=127.0.0.1:$REDIS_PORT" \
        "--Cluster:ClusterId=$CLUSTER_ID" \
        "--Gateway:GatewayId=$name" \
        "--Gateway:ListenAddress=127.0.0.1" "--Gateway:Port=$port" "--Gateway:PublicHost=127.0.0.1" \
        "--Gateway:WebSocket:Port=$ws_port" \
        "${json_logs[@]}"
}

start_haproxy() {
    MMO_LB_BIND="127.0.0.1:$LB_PORT" MMO_LB_STATS_BIND="127.0.0.1:$LB_STATS_PORT" \
        MMO_GW1_ADDR="127.0.0.1:$GATEWAY1_PORT" MMO_GW1_ADMIN_PORT="$GATEWAY1_ADMIN_PORT" \
        MMO_GW2_ADDR="127.0.0.1:$GATEWAY2_PORT" MMO_GW2_ADMIN_PORT="$GATEWAY2_ADMIN_PORT" \
        MMO_LB_WS_BIND="127.0.0.1:$LB_WS_PORT" \
        MMO_GW1_WS_ADDR="127.0.0.1:$GATEWAY1_WS_PORT" MMO_GW2_WS_ADDR="127.0.0.1:$GATEWAY2_WS_PORT" \
        haproxy -f "$repo_root/deploy/haproxy/haproxy.cfg" -D -p "$run_dir/haproxy.pid" \
        >"$run_dir/logs/haproxy.log" 2>&1 || { cat "$run_dir/logs/haproxy.log" >&2; die "haproxy did not start"; }
    record_pid haproxy "$(head -n 1 "$run_dir/haproxy.pid")" "$repo_root/deploy/haproxy/haproxy.cfg"
    wait_ready_port "$LB_PORT" haproxy
}

wait_ready_port() {
    local deadline=$((SECONDS + ready_timeout_seconds))
    until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        ((SECONDS < deadline)) || die "$2 did not listen on $1"
        sleep 0.1
    done
}

write_ports() {
    next_port="$base_port"
    take_port REDIS_PORT; take_port PG_PORT
    take_port SILO1_PORT; take_port SILO1_GATEWAY_PORT; take_port SILO1_ADMIN_PORT
    take_port SILO2_PORT; take_port SILO2_GATEWAY_PORT; take_port SILO2_ADMIN_PORT
    take_port GATEWAY1_PORT; take_port GATEWAY1_ADMIN_PORT
    take_port GATEWAY2_PORT; take_port GATEWAY2_ADMIN_PORT
    take_port LB_PORT; take_port LB_STATS_PORT
    take_port GATEWAY1_WS_PORT; take_port GATEWAY2_WS_PORT; take_port LB_WS_PORT
    PG_PASSWORD="$(random_hex 16)"
    POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Database=orleansmmo;Username=mmo;Password=$PG_PASSWORD"
    ADMIN_KEY="$(random_hex 24)"
    TICKET_KEY="$(head -c 32 /dev/urandom | base64 -w0)"
    CLUSTER_ID="orleansmmo-$(random_hex 4)"
    (
        umask 077
        for var in REDIS_PORT PG_PORT SILO1_PORT SILO1_GATEWAY_PORT SILO1_ADMIN_PORT SILO2_PORT SILO2_GATEWAY_PORT \
            SILO2_ADMIN_PORT GATEWAY1_PORT GATEWAY1_ADMIN_PORT GATEWAY2_PORT GATEWAY2_ADMIN_PORT LB_PORT LB_STATS_PORT \
            GATEWAY1_WS_PORT GATEWAY2_WS_PORT LB_WS_PORT \
            PG_PASSWORD POSTGRES ADMIN_KEY TICKET_KEY CLUSTER_ID; do
            printf '%s=%q\n' "$var" "${!var}"
        done >"$run_dir/ports.env"
    )
}

cmd_start() {
    local build=1
    [[ "${1:-}" == "--no-build" ]] && build=0
    for name in "${processes[@]}"; do
        is_running "$name" && die "$name is already running from $run_dir: ./cluster.sh stop first"
    done
    command -v redis-server >/dev/null || die "redis-server is not installed"
    command -v haproxy >/dev/null || die "haproxy is not installed"
    if ((build)); then
        log "building ($config)"
        (cd "$repo_root" && dotnet build OrleansMmo.sln -c "$config" -nologo -v quiet -clp:ErrorsOnly) || die "build failed"
    fi

    rm -rf "$run_dir"
    mkdir -p "$run_dir/pids" "$run_dir/logs"
    run_dir="$(cd "$run_dir" && pwd)"
    write_ports
    # From here on, a failure stops whatever already started.
    trap 'log "start failed; stopping what started"; cmd_stop >/dev/null 2>&1' EXIT

    start_redis
    start_postgres
    # The first silo creates the schema; the second joins once the first is ready.
    start_silo silo1 "$SILO1_PORT" "$SILO1_GATEWAY_PORT" "$SILO1_ADMIN_PORT"
    wait_ready silo1 "$SILO1_ADMIN_PORT" /health/ready
    start_silo silo2 "$SILO2_PORT" "$SILO2_GATEWAY_PORT" "$SILO2_ADMIN_PORT"
    start_gateway gateway1 "$GATEWAY1_PORT" "$GATEWAY1_ADMIN_PORT" "$GATEWAY1_WS_PORT"
    start_gateway gateway2 "$GATEWAY2_PORT" "$GATEWAY2_ADMIN_PORT" "$GATEWAY2_WS_PORT"
    wait_ready silo2 "$SILO2_ADMIN_PORT" /health/ready
    wait_ready gateway1 "$GATEWAY1_ADMIN_PORT" /health/ready
    wait_ready gateway2 "$GATEWAY2_ADMIN_PORT" /health/ready
    start_haproxy
    trap - EXIT
    cmd_status
}

stop_pid() { # name, signal, grace seconds
    local name="$1" pid
    is_running "$name" || { rm -f "$(pid_file "$name")"; return 0; }
    pid="$(pid_of "$name")"
    kill "-$2" "$pid" 2>/dev/null || true
    for _ in $(seq $(($3 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$(pid_file "$name")"
}

stop_both() { # name, name, grace seconds: in parallel, so shutdowns do not add up
    local first
    stop_pid "$1" TERM "$3" &
    first=$!
    stop_pid "$2" TERM "$3"
    wait "$first"
}

cmd_stop() {
    [[ -d "$run_dir" ]] || return 0
    run_dir="$(cd "$run_dir" && pwd)"
    # Front to back: the load balancer, then gateways (they tell clients why), then silos (they write
    # state and leave the cluster), then the servers they use.
    stop_pid haproxy TERM 5
    stop_both gateway1 gateway2 15
    stop_both silo1 silo2 30
    stop_pid redis TERM 5
    stop_postgres
    log "stopped ($run_dir)"
}

cmd_status() {
    [[ -f "$run_dir/ports.env" ]] || { log "not started ($run_dir)"; return 1; }
    # shellcheck disable=SC1091
    source "$run_dir/ports.env"
    local name state
    for name in silo1 silo2 gateway1 gateway2 haproxy redis; do
        if is_running "$name"; then state="running (pid $(pid_of "$name"))"; else state="stopped"; fi
        printf '%-9s %s\n' "$name" "$state"
    done
    cat <<MSG

game clients      tcp://127.0.0.1:$LB_PORT (haproxy -> gateway1 127.0.0.1:$GATEWAY1_PORT, gateway2 127.0.0.1:$GATEWAY2_PORT)
websocket, browser ws://127.0.0.1:$LB_WS_PORT/ws, http://127.0.0.1:$LB_WS_PORT/ (haproxy -> gateways :$GATEWAY1_WS_PORT :$GATEWAY2_WS_PORT)
dashboard         http://127.0.0.1:$SILO1_ADMIN_PORT/dashboard, http://127.0.0.1:$SILO2_ADMIN_PORT/dashboard
health, metrics   silos :$SILO1_ADMIN_PORT :$SILO2_ADMIN_PORT, gateways :$GATEWAY1_ADMIN_PORT :$GATEWAY2_ADMIN_PORT (/health/ready, /metrics)
haproxy stats     http://127.0.0.1:$LB_STATS_PORT/
admin key         in $run_dir/ports.env (ADMIN_KEY), header X-Admin-Key
logs              $run_dir/logs/
MSG
}

cmd_kill() {
    local name="${1:-}"
    case "$name" in silo1 | silo2 | gateway1 | gateway2) ;; *) die "kill: name one of silo1 silo2 gateway1 gateway2" ;; esac
    is_running "$name" || die "$name is not running"
    kill -KILL "$(pid_of "$name")"
    log "killed $name"
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill) shift; cmd_kill "$@" ;;
    *) echo "usage: $0 start [--no-build] | stop | status | kill NAME" >&2; exit 2 ;;
esac
