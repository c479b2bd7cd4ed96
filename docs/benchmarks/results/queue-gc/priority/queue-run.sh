#!/bin/bash
# The queue's residents case with the apart front door (--gateways 2 --online-gateway-apart as the extra arguments),
# with the collector threads' CPU and run-queue wait (gcsched.sh) at the arrivals' start and 73 s later.
# $1 = output path without extension; run from the repository root after a Release build.
# GCNICE=N: renice the servers' ".NET Server GC" threads to N (as root) once the servers start.
here=$(cd "$(dirname "$0")" && pwd)
out=$1
dotnet Benchmarks/bin/Release/net10.0/OrleansMmo.Benchmarks.dll queue --online 1000 --residents 1000 --arrivals 5000 --capacity 2000 --raise-per-second 0 --stay-seconds 20 --stay-spread 0.5 --seed-dir /var/tmp/orleansmmo-bench/seed7000 --out $out.json "${@:2}" > $out.log 2>&1 &
pid=$!
until grep -q "gateways pid" $out.log 2>/dev/null; do kill -0 $pid 2>/dev/null || exit 1; sleep 0.5; done
silo=$(grep -o "silo pid [0-9]*" $out.log | grep -o "[0-9]*"); gws=$(grep "gateways pid" $out.log | sed "s/^.*gateways//" | grep -o "pid [0-9]*" | grep -o "[0-9]*" | tr "\n" " ")
echo "silo $silo gateways $gws" > $out.sched
if [ -n "$GCNICE" ]; then
  for p in $silo $gws; do for t in /proc/$p/task/*; do c=$(cat $t/comm); if [ "$c" = ".NET Server GC" ]; then renice -n $GCNICE -p $(basename $t) >/dev/null; fi; done; done
fi
until grep -q "arrivals start" $out.log; do kill -0 $pid 2>/dev/null || exit 1; sleep 0.5; done
for p in $silo $gws; do echo "start $p $($here/gcsched.sh $p)" >> $out.sched; done
sleep 73
for p in $silo $gws; do echo "end $p $($here/gcsched.sh $p)" >> $out.sched; done
wait $pid
