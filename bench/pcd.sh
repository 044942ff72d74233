#!/usr/bin/env bash
# PCD-k throughput: Rust (release) vs numpy + OpenBLAS (and PyTorch CPU when it installs), same
# algorithm, same shapes, measured in this run. Writes <out>/pcd.tsv and prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-results/bench}
SECONDS_PER_SHAPE=${SECONDS_PER_SHAPE:-4}
mkdir -p "$OUT"
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -c "import numpy" 2>/dev/null || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check numpy
# PyTorch from PyPI is a multi-gigabyte CUDA build: opt in with BENCH_TORCH=1.
if [ "${BENCH_TORCH:-0}" = 1 ]; then
  "$VENV/bin/python" -c "import torch" 2>/dev/null || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check torch \
    || echo "(PyTorch not installable here: skipped)"
fi
cargo build --release -q -p train --example pcd_bench
# One thread for BLAS on 2 shared cores (multithreaded BLAS is erratic here); rayon uses both cores.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
target/release/examples/pcd_bench "$SECONDS_PER_SHAPE" > "$OUT/pcd.tsv"
"$VENV/bin/python" bench/pcd_bench.py "$SECONDS_PER_SHAPE" | tail -n +2 >> "$OUT/pcd.tsv"
"$VENV/bin/python" - "$OUT/pcd.tsv" <<'PY'
import sys, collections
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n")[1:] if l.strip()]
by = collections.defaultdict(dict)
for impl, nv, nh, ch, k, r in rows:
    by[(nv, nh, ch, k)][impl] = float(r)
# updates/s per implementation; chain sweeps/s = updates/s x k x chains (the unit the paper-002
# report prints for its training stages, e.g. (100, 1, 100, 20) is the Fig. 5 setting).
print(f"{'shape (nv,nh,chains,k)':<26}" + "".join(f"{i:>12}" for i in ["rust", "numpy", "torch"]) + "   rust/numpy  rust/torch  rust sweeps/s")
for s, d in by.items():
    rn = d.get("rust", float("nan")) / d["numpy"] if "numpy" in d else float("nan")
    rt = d.get("rust", float("nan")) / d["torch"] if "torch" in d else float("nan")
    sweeps = d.get("rust", float("nan")) * int(s[2]) * int(s[3])
    print(f"{str(s):<26}" + "".join(f"{d.get(i, float('nan')):>12.2f}" for i in ["rust", "numpy", "torch"]) + f"   {rn:10.2f}  {rt:10.2f}  {sweeps:13.3e}")
PY
