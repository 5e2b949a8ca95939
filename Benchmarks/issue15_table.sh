#!/bin/bash
# Issue #15's table in one hyperfine run: W1-W3 against the NumPy baseline, and the elu Gram matrix
# of 200 inputs of unequal norms (3 layers) against relu's. Usage: Benchmarks/issue15_table.sh [mfsim]
set -e
MFSIM=${1:-.build/release/mfsim}
DIR=$(mktemp -d)
# 200 (and 2000) inputs in dimension 5, norms varying from ~0.3 to ~3 (deterministic).
python3 - "$DIR" <<'PY'
import sys, math
d = sys.argv[1]
for n in (200, 2000):
    with open(f"{d}/x{n}.csv", "w") as f:
        for i in range(n):
            scale = 0.3 + 2.7 * ((i * 7919) % n) / n
            f.write(",".join(repr(round(scale * math.sin(1.3 * i + 0.7 * k + 0.1 * i * k), 6)) for k in range(5)) + "\n")
PY
hyperfine -N -w 1 -r ${RUNS:-5} --export-markdown "$DIR/table.md" \
  "$MFSIM --version" \
  "$MFSIM fixedpoint" \
  "python3 Benchmarks/baseline_numpy.py fixedpoint" \
  "$MFSIM depth-sweep --model snn --mu0 1 --nu0 3 --layers 200" \
  "$MFSIM depth-sweep --model gaussian --q0 1 --c0 0.5 --layers 200" \
  "python3 Benchmarks/baseline_numpy.py sweep 200" \
  "$MFSIM ntk --activation elu --sigma-w2 2 --sigma-b2 0.1 --c0 -1:1:21 --layers 200" \
  "python3 Benchmarks/baseline_numpy.py ntk 200 21" \
  "$MFSIM ntk --activation elu --c0 -1:1:201 --layers 200" \
  "$MFSIM ntk --activation relu --gram $DIR/x200.csv --layers 3 --format npy -o $DIR/relu.npy" \
  "$MFSIM ntk --activation elu --gram $DIR/x200.csv --layers 3 --format npy -o $DIR/elu.npy"
cat "$DIR/table.md"
echo "inputs in $DIR (x2000.csv for the dataset-scale run)"
