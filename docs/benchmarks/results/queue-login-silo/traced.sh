#!/bin/bash
# traced.sh NAME OUTDIR [extra queue args, e.g. --login-silo]: the apart command of "Nor a login silo apart", with the
# (game) silo's collections traced from the servers' start for 4 minutes (dotnet-trace on PATH). Writes NAME.json,
# NAME.log and NAME-silo.nettrace to OUTDIR and appends where the arrivals start in the trace to OUTDIR/offsets.txt.
# Read the trace with: dotnet run docs/benchmarks/results/queue-gc/gc-pauses.cs -- OUTDIR/NAME-silo.nettrace
set -euo pipefail
name=$1 out=$2; shift 2
dotnet Benchmarks/bin/Release/net10.0/OrleansMmo.Benchmarks.dll queue --online 1000 --residents 1000 --arrivals 5000 \
    --capacity 2000 --raise-per-second 0 --stay-seconds 20 --stay-spread 0.5 --seed-dir /var/tmp/orleansmmo-bench/seed7000 \
    --gateways 2 --online-gateway-apart --out "$out/$name.json" "$@" > "$out/$name.log" 2>&1 &
bench=$!
until grep -q "^silo pid" "$out/$name.log" 2>/dev/null; do sleep 0.2; done
pid=$(grep -o "^silo pid [0-9]*" "$out/$name.log" | awk '{print $3}')
traced_at=$(date +%s.%N)
dotnet-trace collect -p "$pid" --profile gc-collect --duration 00:00:04:00 -o "$out/$name-silo.nettrace" > "$out/$name-trace.log" 2>&1 &
# The line alone: the run's header also speaks of the arrivals starting.
until grep -q "^arrivals start$" "$out/$name.log" 2>/dev/null; do sleep 0.2; done
echo "$name: arrivals start $(echo "$(date +%s.%N) - $traced_at" | bc) s into the trace" >> "$out/offsets.txt"
wait "$bench"
wait
