#!/usr/bin/env bash
# Starts the whole backend on one machine with embedded defaults: one silo (localhost
# clustering, SQLite in ./data, dashboard on http://127.0.0.1:8080/dashboard) and one gateway
# (game port 7000). Needs only the .NET SDK. Ctrl+C stops both gracefully.
# Extra arguments go to both processes, e.g. ./run.sh --Logging:LogLevel:Default=Debug
set -euo pipefail
cd "$(dirname "$0")"

config=Release
echo "building ($config)..."
dotnet build OrleansMmo.sln -c "$config" -v quiet -nologo

silo_pid="" gateway_pid=""
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  # Gateway first: it tells its clients why, then the silo writes its state and leaves the cluster.
  for pid in $gateway_pid $silo_pid; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap stop INT TERM EXIT

wait_for() { # port, what, pid: bash's /dev/tcp, so no curl is needed
  for _ in $(seq 1 120); do
    if ! kill -0 "$3" 2>/dev/null; then echo "$2 exited during start-up" >&2; exit 1; fi
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.5
  done
  echo "$2 did not become ready" >&2; exit 1
}

mkdir -p data
dotnet "Silo/bin/$config/net10.0/OrleansMmo.Silo.dll" "$@" &
silo_pid=$!
# The silo opens its client port (30000) once it has joined the cluster.
wait_for 30000 silo "$silo_pid"

dotnet "Gateway/bin/$config/net10.0/OrleansMmo.Gateway.dll" "$@" &
gateway_pid=$!
wait_for 7000 gateway "$gateway_pid"

cat <<MSG

OrleansMmo is running.
  game clients   tcp://127.0.0.1:7000   (protocol: docs/protocol.md)
  dashboard      http://127.0.0.1:8080/dashboard
  health         http://127.0.0.1:8080/health/ready (silo), http://127.0.0.1:7080/health/ready (gateway)
  data           ./data/orleansmmo.db (SQLite)
Ctrl+C stops both.
MSG
wait -n "$silo_pid" "$gateway_pid" || true
