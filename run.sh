#!/usr/bin/env bash
# Starts the whole backend on one machine with embedded defaults: one silo (localhost clustering,
# SQLite in ./data, dashboard on http://127.0.0.1:8080/dashboard) and one gateway (game port 7000).
# Needs only the .NET SDK. Builds (Release) when a source changed since its last build. Ctrl+C, or
# SIGTERM when started in the background, stops both gracefully.
# Extra arguments go to both processes, e.g. ./run.sh --Logging:LogLevel:OrleansMmo=Debug
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$repo_root/scripts/lib.sh"
cd "$repo_root"

readonly config=Release
silo_pid="" gateway_pid=""

stop() {
    trap - INT TERM EXIT
    echo
    log "stopping"
    # Gateway first: it tells its clients why; then the silo writes its state and leaves the cluster.
    local pid
    for pid in $gateway_pid $silo_pid; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# start NAME PORT DLL ARGS...: starts a process and waits until it listens on PORT; fails if it exits first.
# setsid: Ctrl+C reaches this script only, which stops the gateway before the silo (a terminal's SIGINT
# would reach all three at once, and the gateway would watch the silo go).
listening_or_gone() { port_open "$1" || ! kill -0 "$2" 2>/dev/null; }
start() {
    local name="$1" port="$2" dll="$3"
    shift 3
    setsid dotnet "$dll" "$@" &
    local pid=$!
    printf -v "${name}_pid" '%s' "$pid"
    if ! wait_until 60 "$name on port $port" listening_or_gone "$port" "$pid" || ! kill -0 "$pid" 2>/dev/null; then
        die "$name did not start"
    fi
}

build_if_changed "$config" || die "build failed"
trap stop INT TERM EXIT
mkdir -p data
# The silo opens its client port (30000) once it has joined the cluster.
start silo 30000 "Silo/bin/$config/net10.0/OrleansMmo.Silo.dll" "$@"
start gateway 7000 "Gateway/bin/$config/net10.0/OrleansMmo.Gateway.dll" "$@"

cat <<MSG

OrleansMmo is running.
  game clients   tcp://127.0.0.1:7000   (protocol: docs/protocol.md)
  browser        http://127.0.0.1:7002/ (the browser client; WebSocket clients: ws://127.0.0.1:7002/ws)
  dashboard      http://127.0.0.1:8080/dashboard
  health         http://127.0.0.1:8080/health/ready (silo), http://127.0.0.1:7080/health/ready (gateway)
  data           ./data/orleansmmo.db (SQLite)
Ctrl+C stops both (kill -TERM $$ when started in the background).
MSG
wait -n "$silo_pid" "$gateway_pid" || true
