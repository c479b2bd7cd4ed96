#!/usr/bin/env bash
# Runs one benchmark with its servers and its clients on separate cores, the second measurement the benchmark
# docs record beside the shared one: on a small box every process otherwise competes for the same cores, and a
# rise in the players' latency cannot be told apart from the clients' own work.
#
#   scripts/pin-benchmark.sh [--servers CPUS] [--clients CPUS] -- dotnet Benchmarks/bin/Release/net10.0/OrleansMmo.Benchmarks.dll abuse ...
#
# Servers are the benchmark's `host silo|gateway` processes; everything else it starts (bot workers, attackers,
# haproxy) and the benchmark itself are clients. Defaults: servers on the last core, clients on the others.
# Processes are pinned as they appear (checked twice a second, every thread: `taskset -a`).
set -euo pipefail

cores=$(nproc)
servers=$((cores - 1))
clients="0-$((cores > 1 ? cores - 2 : 0))"
while [[ $# -gt 0 ]]; do
    case $1 in
        --servers) servers=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "usage: $0 [--servers CPUS] [--clients CPUS] -- COMMAND..." >&2; exit 2 ;;
    esac
done
[[ $# -gt 0 ]] || { echo "usage: $0 [--servers CPUS] [--clients CPUS] -- COMMAND..." >&2; exit 2; }

"$@" &
benchmark=$!

descendants() {
    local pid
    for pid in $(pgrep -P "$1" || true); do
        echo "$pid"
        descendants "$pid"
    done
}

declare -A pinned=()
while kill -0 "$benchmark" 2>/dev/null; do
    for pid in "$benchmark" $(descendants "$benchmark"); do
        [[ -n ${pinned[$pid]:-} ]] && continue
        command=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)
        case $command in
            *" host silo "* | *" host gateway "*) cpus=$servers ;;
            *) cpus=$clients ;;
        esac
        # Once per process: threads started later inherit the mask of the thread that starts them.
        taskset -a -p -c "$cpus" "$pid" >/dev/null 2>&1 && pinned[$pid]=$cpus || true
    done
    sleep 0.5
done

wait "$benchmark"
