#!/bin/bash
# young-window.sh GCS OFFSET [SECONDS]: from a gc-pauses.cs listing, the young (gen0/gen1, blocking) collections in the
# SECONDS (73 unless told) from OFFSET s into the trace: how many, their pauses and promoted bytes summed, pause per MB.
awk -v a="$2" -v w="${3:-73}" '$2 ~ /^gen[01]$/ && $3=="NonConcurrentGC" { t=$1+0; if (t>=a && t<a+w) { n++; p+=$5; m+=$10; if ($5>mx) mx=$5 } }
 END { printf "young collections %d, paused %.0f ms, promoted %.1f MB, %.2f ms/MB, longest %.1f ms\n", n, p, m, (m>0?p/m:0), mx }' "$1"
