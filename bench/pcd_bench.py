#!/usr/bin/env python3
"""Reference PCD-k throughput (gradient updates per second) in numpy (+ PyTorch CPU if importable).

Same algorithm as `train::bench::pcd_updates_per_sec` in the Rust workspace: a {0,1}-{0,1} RBM in
float32, `chains` persistent chains, a minibatch of `chains` random binary rows, per update
  positive phase   mh_d = sigmoid(v_d W + c)
  k sweeps         h ~ p(h|v), v ~ p(v|h)            (2k GEMMs)
  negative phase   mh_m = sigmoid(v_m W + c)
  SGD step         W += lr (v_d^T mh_d - v_m^T mh_m)/B, b, c likewise.
Usage: python3 bench/pcd_bench.py [seconds_per_shape]   (prints a TSV table)
"""
import sys
import time

import numpy as np

SHAPES = [(784, 100, 2000, 10), (784, 500, 2000, 10), (100, 1, 1000, 20), (100, 3, 1000, 20), (100, 1, 100, 20), (100, 3, 100, 20)]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_updates_per_sec(nv, nh, chains, k, seconds, lr=0.01):
    rng = np.random.default_rng(0)
    data = (rng.random((chains, nv), dtype=np.float32) < 0.3).astype(np.float32)
    w = (0.01 * rng.standard_normal((nv, nh))).astype(np.float32)
    p = data.mean(0).clip(1e-4, 1 - 1e-4)
    b = np.log(p / (1 - p)).astype(np.float32)
    c = np.zeros(nh, dtype=np.float32)
    v = (rng.random((chains, nv), dtype=np.float32) < 0.5).astype(np.float32)

    def update():
        nonlocal w, b, c, v
        mh_d = sigmoid(data @ w + c)
        for _ in range(k):
            h = (rng.random((chains, nh), dtype=np.float32) < sigmoid(v @ w + c)).astype(np.float32)
            v = (rng.random((chains, nv), dtype=np.float32) < sigmoid(h @ w.T + b)).astype(np.float32)
        mh_m = sigmoid(v @ w + c)
        n = np.float32(1.0 / chains)
        w += np.float32(lr) * (data.T @ mh_d - v.T @ mh_m) * n
        b += np.float32(lr) * (data.mean(0) - v.mean(0))
        c += np.float32(lr) * (mh_d.mean(0) - mh_m.mean(0))

    update()
    t0 = time.perf_counter()
    n = 0
    while n < 2 or time.perf_counter() - t0 < seconds:
        update()
        n += 1
    return n / (time.perf_counter() - t0)


def torch_updates_per_sec(nv, nh, chains, k, seconds, lr=0.01):
    import torch

    g = torch.Generator().manual_seed(0)
    data = (torch.rand(chains, nv, generator=g) < 0.3).float()
    w = 0.01 * torch.randn(nv, nh, generator=g)
    p = data.mean(0).clamp(1e-4, 1 - 1e-4)
    b = torch.log(p / (1 - p))
    c = torch.zeros(nh)
    v = (torch.rand(chains, nv, generator=g) < 0.5).float()

    def update():
        nonlocal w, b, c, v
        mh_d = torch.sigmoid(data @ w + c)
        for _ in range(k):
            h = torch.bernoulli(torch.sigmoid(v @ w + c), generator=g)
            v = torch.bernoulli(torch.sigmoid(h @ w.T + b), generator=g)
        mh_m = torch.sigmoid(v @ w + c)
        w += lr * (data.T @ mh_d - v.T @ mh_m) / chains
        b += lr * (data.mean(0) - v.mean(0))
        c += lr * (mh_d.mean(0) - mh_m.mean(0))

    with torch.no_grad():
        update()
        t0 = time.perf_counter()
        n = 0
        while n < 2 or time.perf_counter() - t0 < seconds:
            update()
            n += 1
    return n / (time.perf_counter() - t0)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    print("impl\tnv\tnh\tchains\tk\tupdates_per_sec")
    for nv, nh, chains, k in SHAPES:
        r = numpy_updates_per_sec(nv, nh, chains, k, seconds)
        print(f"numpy\t{nv}\t{nh}\t{chains}\t{k}\t{r:.3f}", flush=True)
        if have_torch:
            r = torch_updates_per_sec(nv, nh, chains, k, seconds)
            print(f"torch\t{nv}\t{nh}\t{chains}\t{k}\t{r:.3f}", flush=True)


if __name__ == "__main__":
    main()
