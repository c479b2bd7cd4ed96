#!/usr/bin/env bash
# The production topology on one machine, without containers: Redis (membership), PostgreSQL
# (grain storage), two silos, two gateways and haproxy in front of the gateways, all on loopback.
# The same shape as docker-compose.yml, from a Release build.
#
#   ./cluster.sh start [--no-build]   build (when sources changed; never with --no-build), start everything, print the endpoints
#   ./cluster.sh stop                 stop everything this run directory started
#   ./cluster.sh status               what runs, and the endpoints
#   ./cluster.sh kill NAME            SIGKILL one process (silo1, silo2, gateway1, gateway2): failover drills
#
# Run directory: $MMO_CLUSTER_DIR (default ./.cluster): ports.env (every port, the admin key, the
# connection strings; sourceable), pids/, logs/, and the Redis and PostgreSQL data.
# Ports: free loopback ports from $MMO_CLUSTER_BASE_PORT (default 21100, below the ephemeral range) upwards.
# Mutual TLS between silos and from gateways to silos is on (the production setting): a cluster CA and one
# certificate per process are issued at start into certs/ of the run directory (scripts/make-certificates.sh
# cluster). MMO_CLUSTER_TLS=0 starts a plain cluster instead, to measure what TLS costs.
# Needs redis-server, postgresql, haproxy and openssl (Debian packages; ./test.sh installs them).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$repo_root/scripts/lib.sh"

run_dir="${MMO_CLUSTER_DIR:-$repo_root/.cluster}"
base_port="${MMO_CLUSTER_BASE_PORT:-21100}"
readonly ready_timeout_seconds="${MMO_CLUSTER_READY_TIMEOUT:-60}"
readonly config=Release
readonly processes=(haproxy gateway1 gateway2 silo1 silo2)
# haproxy reaches the gateways from an address of its own (loopback has all of 127/8), the one the gateways
# trust to send a PROXY v2 header: a client connecting to a gateway directly from 127.0.0.1 (a drain
# alternative, a tool) is not a balancer and needs none.
readonly LB_SOURCE_ADDR=127.0.0.2

# The pid file, with its marker, of one of our processes.
pid_file() { printf '%s/pids/%s.pid\n' "$run_dir" "$1"; }

is_running() { pid_alive "$(pid_file "$1")"; }

# take_port VAR: sets VAR to the next free port after the last one taken.
next_port=""
take_port() {
    local port
    port="$(free_port "$next_port")" || die "no free port from $next_port"
    next_port=$((port + 1))
    printf -v "$1" '%s' "$port"
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
    CLUSTER_TLS_DIR=""
    [[ "${MMO_CLUSTER_TLS:-1}" == 0 ]] || CLUSTER_TLS_DIR="$run_dir/certs"
    (
        umask 077
        for var in REDIS_PORT PG_PORT SILO1_PORT SILO1_GATEWAY_PORT SILO1_ADMIN_PORT SILO2_PORT SILO2_GATEWAY_PORT \
            SILO2_ADMIN_PORT GATEWAY1_PORT GATEWAY1_ADMIN_PORT GATEWAY2_PORT GATEWAY2_ADMIN_PORT LB_PORT LB_STATS_PORT \
            GATEWAY1_WS_PORT GATEWAY2_WS_PORT LB_WS_PORT \
            PG_PASSWORD POSTGRES ADMIN_KEY TICKET_KEY CLUSTER_ID CLUSTER_TLS_DIR; do
            printf '%s=%q\n' "$var" "${!var}"
        done >"$run_dir/ports.env"
    )
}

start_redis() {
    redis_start "$run_dir/redis" "$REDIS_PORT" || die "Redis did not start (log: $run_dir/redis/redis.log)"
}

start_postgres() {
    postgres_init "$run_dir/pg"
    postgres_start "$run_dir/pg" "$PG_PORT" -c max_connections=200 || die "PostgreSQL did not start (log: $run_dir/pg/server.log)"
    postgres_sql "$run_dir/pg" "$PG_PORT" "CREATE ROLE mmo LOGIN PASSWORD '$PG_PASSWORD'" "CREATE DATABASE orleansmmo OWNER mmo"
}

# The cluster CA and a certificate for each silo (serverAuth and clientAuth) and gateway (clientAuth).
make_certificates() {
    [[ -n "$CLUSTER_TLS_DIR" ]] || return 0
    "$repo_root/scripts/make-certificates.sh" cluster "$CLUSTER_TLS_DIR" silo1 silo2 client:gateway1 client:gateway2 >/dev/null \
        || die "issuing the cluster certificates failed"
}

# cluster_tls NAME: the Cluster:Tls arguments of process NAME (none on a plain cluster).
cluster_tls() {
    [[ -n "$CLUSTER_TLS_DIR" ]] || return 0
    printf '%s\n' "--Cluster:Tls:CertificatePath=$CLUSTER_TLS_DIR/$1.crt" "--Cluster:Tls:KeyPath=$CLUSTER_TLS_DIR/$1.key" \
        "--Cluster:Tls:CaCertificatePath=$CLUSTER_TLS_DIR/ca.crt"
}

# start_dotnet NAME DLL MARKER ARGS...: a .NET process in the background. Its admin-port argument
# (unique on the machine while it runs) marks it as ours.
start_dotnet() {
    local name="$1" dll="$2" marker="$3"
    shift 3
    [[ -f "$dll" ]] || die "$dll is missing: build first (drop --no-build)"
    # setsid: the process outlives this script and the terminal, like a service.
    setsid dotnet "$dll" "$marker" "$@" >"$run_dir/logs/$name.log" 2>&1 </dev/null &
    record_pid "$(pid_file "$name")" $! "$marker"
    disown $!
}

# Structured logs, one JSON object a line, with UTC timestamps: what a log shipper wants.
readonly json_logs=(--Logging:Console:FormatterName=json --Logging:Console:FormatterOptions:TimestampFormat=yyyy-MM-ddTHH:mm:ss.fffZ
    --Logging:Console:FormatterOptions:UseUtcTimestamp=true)

# Secrets go in the environment (readable only by the process's user), not on the command line.
start_silo() {
    local name="$1" silo_port="$2" gateway_port="$3" admin_port="$4" tls
    mapfile -t tls < <(cluster_tls "$name")
    Admin__Key="$ADMIN_KEY" ConnectionStrings__Postgres="$POSTGRES" Tickets__SigningKey="$TICKET_KEY" start_dotnet "$name" "$repo_root/Silo/bin/$config/net10.0/OrleansMmo.Silo.dll" \
        "--Admin:Port=$admin_port" \
        "--ConnectionStrings:Redis=127.0.0.1:$REDIS_PORT" \
        "--Cluster:ClusterId=$CLUSTER_ID" \
        "--Cluster:SiloPort=$silo_port" "--Cluster:GatewayPort=$gateway_port" \
        "${tls[@]}" "${json_logs[@]}"
}

start_gateway() {
    local name="$1" port="$2" admin_port="$3" ws_port="$4" tls
    mapfile -t tls < <(cluster_tls "$name")
    Admin__Key="$ADMIN_KEY" Tickets__SigningKey="$TICKET_KEY" start_dotnet "$name" "$repo_root/Gateway/bin/$config/net10.0/OrleansMmo.Gateway.dll" \
        "--Gateway:AdminPort=$admin_port" \
        "--ConnectionStrings:Redis=127.0.0.1:$REDIS_PORT" \
        "--Cluster:ClusterId=$CLUSTER_ID" \
        "--Gateway:GatewayId=$name" \
        "--Gateway:ListenAddress=127.0.0.1" "--Gateway:Port=$port" "--Gateway:PublicHost=127.0.0.1" \
        "--Gateway:WebSocket:Port=$ws_port" \
        "--Gateway:TrustedProxies=$LB_SOURCE_ADDR/32" \
        "${tls[@]}" "${json_logs[@]}"
}

start_haproxy() {
    MMO_LB_SOURCE_ADDR="$LB_SOURCE_ADDR" \
        MMO_LB_MAX_CONN_PER_SOURCE="${MMO_LB_MAX_CONN_PER_SOURCE:-64}" MMO_LB_NEW_CONN_PER_SOURCE="${MMO_LB_NEW_CONN_PER_SOURCE:-20}" \
        MMO_LB_BIND="127.0.0.1:$LB_PORT" MMO_LB_STATS_BIND="127.0.0.1:$LB_STATS_PORT" \
        MMO_GW1_ADDR="127.0.0.1:$GATEWAY1_PORT" MMO_GW1_ADMIN_PORT="$GATEWAY1_ADMIN_PORT" \
        MMO_GW2_ADDR="127.0.0.1:$GATEWAY2_PORT" MMO_GW2_ADMIN_PORT="$GATEWAY2_ADMIN_PORT" \
        MMO_LB_WS_BIND="127.0.0.1:$LB_WS_PORT" \
        MMO_GW1_WS_ADDR="127.0.0.1:$GATEWAY1_WS_PORT" MMO_GW2_WS_ADDR="127.0.0.1:$GATEWAY2_WS_PORT" \
        haproxy -f "$repo_root/deploy/haproxy/haproxy.cfg" -D -p "$run_dir/haproxy.pid" \
        >"$run_dir/logs/haproxy.log" 2>&1 || { cat "$run_dir/logs/haproxy.log" >&2; die "haproxy did not start"; }
    record_pid "$(pid_file haproxy)" "$(head -n 1 "$run_dir/haproxy.pid")" "$repo_root/deploy/haproxy/haproxy.cfg"
    wait_until "$ready_timeout_seconds" "haproxy on port $LB_PORT" port_open "$LB_PORT" || die "haproxy did not listen on $LB_PORT"
}

# wait_ready NAME PORT: until GET /health/ready on PORT answers 200; fails at once if NAME dies.
ready_or_gone() { http_ok "$2" /health/ready || ! is_running "$1"; }
wait_ready() {
    local name="$1" log_file="$run_dir/logs/$1.log"
    if ! wait_until "$ready_timeout_seconds" "$name" ready_or_gone "$name" "$2" || ! is_running "$name"; then
        tail -n 20 "$log_file" >&2 || true
        die "$name did not become ready (log: $log_file)"
    fi
}

cmd_start() {
    local build=1 name
    [[ "${1:-}" == "--no-build" ]] && build=0
    for name in "${processes[@]}"; do
        is_running "$name" && die "$name is already running from $run_dir: ./cluster.sh stop first"
    done
    pid_alive "$run_dir/redis/pid" && die "redis is already running from $run_dir: ./cluster.sh stop first"
    for name in redis-server postgresql haproxy openssl; do
        package_present "$name" || die "$name is not installed (Debian package $name; ./test.sh installs it)"
    done
    if ((build)); then
        build_if_changed "$config" || die "build failed"
    fi

    rm -rf "$run_dir"
    mkdir -p "$run_dir/pids" "$run_dir/logs"
    run_dir="$(cd "$run_dir" && pwd)"
    # The postgres user must be able to reach its directory inside.
    chmod 0755 "$run_dir"
    write_ports
    # From here on, a failure stops whatever already started.
    trap 'log "start failed; stopping what started"; cmd_stop >/dev/null 2>&1' EXIT

    make_certificates
    start_redis
    start_postgres
    # The first silo creates the schema; the second joins once the first is ready.
    start_silo silo1 "$SILO1_PORT" "$SILO1_GATEWAY_PORT" "$SILO1_ADMIN_PORT"
    wait_ready silo1 "$SILO1_ADMIN_PORT"
    start_silo silo2 "$SILO2_PORT" "$SILO2_GATEWAY_PORT" "$SILO2_ADMIN_PORT"
    start_gateway gateway1 "$GATEWAY1_PORT" "$GATEWAY1_ADMIN_PORT" "$GATEWAY1_WS_PORT"
    start_gateway gateway2 "$GATEWAY2_PORT" "$GATEWAY2_ADMIN_PORT" "$GATEWAY2_WS_PORT"
    wait_ready silo2 "$SILO2_ADMIN_PORT"
    wait_ready gateway1 "$GATEWAY1_ADMIN_PORT"
    wait_ready gateway2 "$GATEWAY2_ADMIN_PORT"
    start_haproxy
    trap - EXIT
    cmd_status
}

# stop_both NAME NAME GRACE: SIGTERM to both at once, so their shutdowns do not add up.
stop_both() {
    local first
    stop_pid "$(pid_file "$1")" TERM "$3" &
    first=$!
    stop_pid "$(pid_file "$2")" TERM "$3"
    wait "$first"
}

cmd_stop() {
    [[ -d "$run_dir" ]] || return 0
    run_dir="$(cd "$run_dir" && pwd)"
    # Front to back: the load balancer, then gateways (they tell clients why), then silos (they write
    # state and leave the cluster), then the servers they use.
    stop_pid "$(pid_file haproxy)" TERM 5
    stop_both gateway1 gateway2 15
    stop_both silo1 silo2 30
    redis_stop "$run_dir/redis"
    postgres_stop "$run_dir/pg" || true
    log "stopped ($run_dir)"
}

cmd_status() {
    [[ -f "$run_dir/ports.env" ]] || { log "not started ($run_dir)"; return 1; }
    # shellcheck disable=SC1091
    source "$run_dir/ports.env"
    local name state
    for name in silo1 silo2 gateway1 gateway2 haproxy; do
        if is_running "$name"; then state="running (pid $(sed -n 1p "$(pid_file "$name")"))"; else state="stopped"; fi
        printf '%-9s %s\n' "$name" "$state"
    done
    if pid_alive "$run_dir/redis/pid"; then state="running (pid $(sed -n 1p "$run_dir/redis/pid"))"; else state="stopped"; fi
    printf '%-9s %s\n' redis "$state"
    cat <<MSG

game clients      tcp://127.0.0.1:$LB_PORT (haproxy -> gateway1 127.0.0.1:$GATEWAY1_PORT, gateway2 127.0.0.1:$GATEWAY2_PORT; PROXY v2 from $LB_SOURCE_ADDR)
websocket, browser ws://127.0.0.1:$LB_WS_PORT/ws, http://127.0.0.1:$LB_WS_PORT/ (haproxy -> gateways :$GATEWAY1_WS_PORT :$GATEWAY2_WS_PORT)
dashboard         http://127.0.0.1:$SILO1_ADMIN_PORT/dashboard, http://127.0.0.1:$SILO2_ADMIN_PORT/dashboard
health, metrics   silos :$SILO1_ADMIN_PORT :$SILO2_ADMIN_PORT, gateways :$GATEWAY1_ADMIN_PORT :$GATEWAY2_ADMIN_PORT (/health/ready, /metrics)
haproxy stats     http://127.0.0.1:$LB_STATS_PORT/
admin key         in $run_dir/ports.env (ADMIN_KEY), header X-Admin-Key
cluster TLS       ${CLUSTER_TLS_DIR:-off (MMO_CLUSTER_TLS=0)}${CLUSTER_TLS_DIR:+ (mutual TLS: silos and gateways present certificates of its ca.crt)}
logs              $run_dir/logs/ (PostgreSQL: $run_dir/pg/server.log, Redis: $run_dir/redis/redis.log)
MSG
}

cmd_kill() {
    local name="${1:-}"
    case "$name" in silo1 | silo2 | gateway1 | gateway2) ;; *) die "kill: name one of silo1 silo2 gateway1 gateway2" ;; esac
    is_running "$name" || die "$name is not running"
    kill -KILL "$(sed -n 1p "$(pid_file "$name")")"
    log "killed $name"
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill) shift; cmd_kill "$@" ;;
    *) echo "usage: $0 start [--no-build] | stop | status | kill NAME" >&2; exit 2 ;;
esac
