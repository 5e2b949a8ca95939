#!/bin/bash
# Wall time (and user+sys CPU) of `mfsim ntk --activation A --q0 Q --c0 -1:1:21 --layers 200` (default weights)
# for every catalogued activation (`mfsim activations`) at Q in {1e-6, 1e-2, 1, 1e2, 1e4}, one run each under
# `timeout ${LIMIT:-20}`. Prints one line per run: activation q0 wall_s cpu_s exit_code (TIMEOUT when killed;
# exit 0 with a warning on stderr when the sweep stopped at the validated range).
# Usage: Benchmarks/ntk_wall_grid.sh [mfsim]
MFSIM=${1:-.build/release/mfsim}
LIMIT=${LIMIT:-20}
ACTS=${ACTS_OVERRIDE:-$($MFSIM activations --format csv | tail -n +2 | cut -d, -f1)}
for a in $ACTS; do
  for q in 1e-6 1e-2 1 1e2 1e4; do
    TIMES=$(mktemp)
    /usr/bin/time -o "$TIMES" -f "%e %U %S" timeout $LIMIT $MFSIM ntk --activation $a --q0 $q --c0 -1:1:21 --layers 200 > /dev/null 2>&1
    rc=$?
    read wall user sys < <(tail -1 "$TIMES")
    rm -f "$TIMES"
    cpu=$(echo "$user $sys" | awk '{printf "%.2f", $1+$2}')
    [ $rc -eq 124 ] && wall="TIMEOUT"
    echo "$a $q $wall $cpu $rc"
  done
done
