//! Helpers shared by the integration tests: a χ² goodness-of-fit statistic and the location of
//! the real data directory.
#![allow(dead_code)]

use std::path::PathBuf;

/// Pearson χ² of `counts` against probabilities `p` (cells with expected count < 5 are pooled
/// into one cell) and its Wilson–Hilferty normal score `z` (χ²_k ≈ k(1 − 2/9k + z√(2/9k))³;
/// accurate to ~1e-3 in the tail probability for k ≥ 10). Returns `(chi2, dof, z)`.
pub fn chi2(counts: &[u64], p: &[f64]) -> (f64, usize, f64) {
    assert_eq!(counts.len(), p.len());
    let n: u64 = counts.iter().sum();
    let (mut stat, mut cells) = (0.0, 0usize);
    let (mut pool_o, mut pool_e) = (0.0, 0.0);
    for (&o, &pi) in counts.iter().zip(p) {
        let e = pi * n as f64;
        if e < 5.0 {
            pool_o += o as f64;
            pool_e += e;
        } else {
            stat += (o as f64 - e).powi(2) / e;
            cells += 1;
        }
    }
    if pool_e > 0.0 {
        stat += (pool_o - pool_e).powi(2) / pool_e.max(1e-300);
        cells += 1;
    }
    let k = (cells - 1) as f64;
    let a = 2.0 / (9.0 * k);
    let z = ((stat / k).powf(1.0 / 3.0) - (1.0 - a)) / a.sqrt();
    (stat, cells - 1, z)
}

/// The real data directory: `$RBMLAB_DATA_DIR`, the project's `data/` (after `make data`), a
/// `shared/data` beside the repository, or `/work/shared/data`; `None` (with a printed message)
/// when none holds a `SHA256SUMS`.
pub fn data_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cands: Vec<PathBuf> = Vec::new();
    if let Ok(d) = std::env::var("RBMLAB_DATA_DIR") {
        cands.push(d.into());
    }
    cands.push(manifest.join("../../data"));
    cands.push(manifest.join("../../../shared/data"));
    cands.push("/work/shared/data".into());
    let found = cands.into_iter().find(|d| d.join("SHA256SUMS").is_file() && d.join("mnist").is_dir());
    if found.is_none() {
        println!("SKIPPED: no real data directory found (run `make data` or set RBMLAB_DATA_DIR)");
    }
    found
}

/// Mean and standard error of a sample.
pub fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

/// Root of `m = tanh(βm)` in (0, 1] for β > 1 by bisection (0 for β ≤ 1).
pub fn cw_mean_field(beta: f64) -> f64 {
    if beta <= 1.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (1e-12, 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if (beta * mid).tanh() > mid {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}
