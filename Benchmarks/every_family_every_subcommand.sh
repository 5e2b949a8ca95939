#!/bin/sh
# Runs each table subcommand with every catalogue family (issue #14, "every subcommand works with
# every new family") and prints one line per run: seconds, exit status, subcommand, family, and
# the first stderr line when there is one. Not part of `swift test` (it takes minutes).
# usage: Benchmarks/every_family_every_subcommand.sh [path/to/mfsim]
MFSIM=${1:-.build/release/mfsim}
FAMILIES="linear relu leaky_relu elu selu celu gelu silu softplus tanh erf sigmoid hardtanh relu6 hardsigmoid hardswish gelu_tanh mish softsign logsigmoid tanhshrink softshrink abs sin prelu"
run() {
    name=$1; shift
    start=$(date +%s.%N)
    "$MFSIM" "$@" -o /tmp/mfsim_every.out 2>/tmp/mfsim_every.err
    status=$?
    end=$(date +%s.%N)
    printf '%6.2f  %3d  %-13s %-12s %s\n' "$(echo "$end - $start" | bc)" "$status" "$name" "$a" "$(head -1 /tmp/mfsim_every.err)"
}
for a in $FAMILIES; do
    run slopes slopes --activation "$a" --variance 1e-6 --variance 1 --variance 1e4 --mean 0.3
    run rnn-gain rnn-gain --activation "$a" --variance 1 --norm 1.2
    run gain gain --activation "$a"
    run depth-sweep-g depth-sweep --model gaussian --activation "$a" --layers 50 --c0 0.5
    run depth-sweep-s depth-sweep --model snn --activation "$a" --layers 50
    run ntk ntk --activation "$a" --layers 20 --c0 -1:1:5 --sigma-w2 1.5 --sigma-b2 0.1
    run phase phase --activation "$a" --sigma-w2 0.5:3:3 --sigma-b2 0:0.2:2
    run edge edge --activation "$a" --sigma-b2 0.05
    run simulate simulate --activation "$a" --layers 5 --width 64 --trials 4
    run finite-width finite-width --activation "$a" --layers 10 --width 100
    run shape-dks shape --activation "$a" --method dks
done
