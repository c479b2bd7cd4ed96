#!/bin/bash
# $1 pid; prints, summed over its collector threads (".NET Server GC" and ".NET BGC"), from /proc/PID/task/TID/schedstat:
# nanoseconds on a core, nanoseconds runnable but waiting for one, and timeslices
p=$1; run=0; wait=0; n=0
for t in /proc/$p/task/*; do
  c=$(cat $t/comm 2>/dev/null)
  if [ "$c" = ".NET Server GC" ] || [ "$c" = ".NET BGC" ]; then read a b cnt < $t/schedstat; run=$((run+a)); wait=$((wait+b)); n=$((n+cnt)); fi
done
echo "$run $wait $n"
