#!/bin/bash
# CPU time of `mfsim ntk` (200 layers x 21 c0, --every 200) for every catalogued activation at
# q0 in {1e-6, 1e-2, 1, 1e2, 1e4} and two weight settings (the variance-preserving default
# sigma_w2 = k, sigma_b2 = 0, and a chaotic sigma_w2 = 2, sigma_b2 = 0.1). Prints one line per run:
# activation q0 weights user+sys seconds (or TIMEOUT after ${LIMIT:-3} s). Usage: Benchmarks/ntk_grid.sh [mfsim]
MFSIM=${1:-.build/release/mfsim}
LIMIT=${LIMIT:-3}
ACTS="linear relu leaky_relu elu selu celu gelu silu softplus tanh erf sigmoid hardtanh relu6 hardsigmoid hardswish gelu_tanh mish softsign logsigmoid tanhshrink softshrink abs sin"
for a in ${ACTS_OVERRIDE:-$ACTS}; do
  for q in 1e-6 1e-2 1 1e2 1e4; do
    for w in default "--sigma-w2 2 --sigma-b2 0.1"; do
      extra=""; [ "$w" != default ] && extra="$w"
      TIMES=$(mktemp)
      /usr/bin/time -o "$TIMES" -f "%U %S" timeout $LIMIT $MFSIM ntk --activation $a --q0 $q $extra --layers 200 --every 200 > /dev/null 2>&1
      rc=$?
      t=$(tail -1 "$TIMES" | awk '{print $1+$2}')
      rm -f "$TIMES"
      [ $rc -eq 124 ] && t="TIMEOUT"
      echo "$a $q ${w// /_} $t"
    done
  done
done
