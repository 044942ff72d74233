#!/usr/bin/env bash
# Benchmarks; every number is measured in this run and written to results/bench/*.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/rbmlab}
OUT=${RESULTS:-results}/bench
mkdir -p "$OUT"
export OPENBLAS_NUM_THREADS=1

echo "== planning a fully cached 10 000-point sweep"
R="$OUT/plan-store"
"$BIN" --results "$R" run bench/plan10k.yaml -j 2 --no-figures | head -1
echo "run,tasks,plan_seconds" > "$OUT/plan.csv"
for i in 1 2 3 4 5; do
  s=$(date +%s.%N)
  "$BIN" --results "$R" plan bench/plan10k.yaml > "$OUT/plan-output.txt"
  e=$(date +%s.%N)
  t=$(echo "$e - $s" | bc -l)
  echo "$i,10000,$t" >> "$OUT/plan.csv"
done
head -1 "$OUT/plan-output.txt"
cat "$OUT/plan.csv"

if [ -f bench/pcd.sh ]; then
  echo "== PCD training throughput (Rust vs numpy, PyTorch when available)"
  bash bench/pcd.sh "$OUT"
fi

echo "== paper 003: effective-objective gradient split (data term vs 2^k model term) and AMP-RBM iteration"
cargo run --release -q -p theory --example p003_grad_bench > "$OUT/p003_grad.csv"
cat "$OUT/p003_grad.csv"
