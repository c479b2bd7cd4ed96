#!/bin/bash
# runs.sh OUTDIR: the three traced runs of "The collector's pauses follow its threads" (docs/benchmarks/README.md), one
# after another, from the repository's root on a Release build with silo-env.patch applied (dotnet-trace on PATH).
set -euo pipefail
traced=docs/benchmarks/results/queue-login-silo/traced.sh
MMO_BENCH_SILO_ENV="DOTNET_GCDynamicAdaptationMode=0;DOTNET_GCHeapCount=1" $traced h1 "$1"
MMO_BENCH_SILO_ENV="DOTNET_GCDynamicAdaptationMode=0;DOTNET_GCHeapCount=2" $traced h2 "$1"
$traced base1 "$1"
# then, for each: dotnet run docs/benchmarks/results/queue-gc/gc-pauses.cs -- OUTDIR/NAME-silo.nettrace > NAME-silo-gcs.txt
#                 docs/benchmarks/results/queue-gc/heaps/young-window.sh NAME-silo-gcs.txt OFFSET 110
