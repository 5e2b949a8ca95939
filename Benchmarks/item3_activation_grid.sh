#!/bin/bash
# Issue #15 item 3: wall and user CPU seconds of
#   mfsim ntk --activation A --q0 Q0 --sigma-w2 W --sigma-b2 B --c0 -1:1:21 --layers 200
# for every catalogued activation (`mfsim activations`, the canonical spec with every parameter at its
# default) at input variances q across SPEC §2's validated range [1e-6, 1e4], in three weight settings:
#   default  ntk's own defaults (sigma_w2 = k = 1/E_1[phi^2], sigma_b2 = 0), q0 = q: q moves towards the
#            activation's fixed point (1 for sigma_b2 = 0 where E_q[phi^2] is sublinear), a new q each layer;
#   fixed    sigma_w2 = q/E_q[phi^2] (`mfsim gain --variance q`'s weight_variance_factor), sigma_b2 = 0,
#            q0 = q: q is a fixed point of the length map, every layer at (about) the same variance q;
#   drift    the same sigma_w2, q0 = 2q (q < 1) or q/2 (q >= 1): q moves towards q layer by layer while
#            staying near it (the case where no variance recurs until the trajectory has converged).
# One run each under `timeout ${LIMIT:-20}`. Prints one line per run:
#   activation q setting sigma_w2 q0 wall_s user_s exit_code rows
# (wall TIMEOUT when killed; rows < 4200 when the sweep stopped where q left the validated range, with a
# warning on stderr). Usage: Benchmarks/item3_activation_grid.sh [mfsim]
# Overrides: ACTS_OVERRIDE="softsign tanh", QS="1e-6 1 1e4", SETTINGS="fixed drift", LIMIT=20.
MFSIM=${1:-.build/release/mfsim}
LIMIT=${LIMIT:-20}
QS=${QS:-"1e-6 1e-3 0.1 1 10 1e2 1e3 1e4"}
SETTINGS=${SETTINGS:-"default fixed drift"}
ACTS=${ACTS_OVERRIDE:-$($MFSIM activations --format csv --columns spec | tail -n +2 | tr -d '"\r')}
echo "activation q setting sigma_w2 q0 wall_s user_s exit_code rows"
for a in $ACTS; do
  for q in $QS; do
    factor=$($MFSIM gain --activation "$a" --variance "$q" --format csv --columns weight_variance_factor | tail -1 | tr -d '\r')
    for s in $SETTINGS; do
      case $s in
        default) w=""; label=k; q0=$q ;;
        fixed) w="--sigma-w2 $factor --sigma-b2 0"; label=$factor; q0=$q ;;
        drift) w="--sigma-w2 $factor --sigma-b2 0"; label=$factor; q0=$(awk -v q="$q" 'BEGIN { printf "%.17g", (q < 1 ? 2 * q : q / 2) }') ;;
      esac
      TIMES=$(mktemp); OUT=$(mktemp)
      /usr/bin/time -o "$TIMES" -f "%e %U" timeout "$LIMIT" "$MFSIM" ntk --activation "$a" --q0 "$q0" $w \
        --c0 -1:1:21 --layers 200 > "$OUT" 2> /dev/null
      rc=$?
      read -r wall user < <(tail -1 "$TIMES")
      rows=$(($(wc -l < "$OUT") - 1))
      rm -f "$TIMES" "$OUT"
      [ $rc -eq 124 ] && { wall="TIMEOUT"; rows="-"; }
      echo "$a $q $s $label $q0 $wall $user $rc $rows"
    done
  done
done
