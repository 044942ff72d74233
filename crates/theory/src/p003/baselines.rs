//! Spectral baselines of paper 003: the PCA/SVD overlap of the spiked covariance model
//! (THEORY_003 (D-3)), the Haar averages that give the SVD curve for degenerate spikes
//! (Figs. 5–6, "uniform distribution over the subspace"), the matched average overlap used
//! as the figure of merit for `k > 1`, and the top eigenvectors of `XᵀX` (spectral
//! initialisation, PCA estimates).

use ndarray::{Array1, Array2, ArrayView2};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::linalg;
use crate::error::{Error, Result, ensure};

/// Asymptotic cosine overlap of the top eigenvector of `XᵀX` with a spike of eigenvalue
/// increment `λ` at sample ratio `α` (BBP 2005; THEORY_003 (D-3) with `γ = 1/α`):
/// `m² = (1 − γ/λ²)/(1 + γ/λ)` above `λ = √γ`, else 0.
pub fn pca_overlap(alpha: f64, lambda: f64) -> Result<f64> {
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio must be > 0")?;
    Ok(crate::spiked::bbp_overlap2(lambda, 1.0 / alpha)?.sqrt())
}

/// BBP weak-recovery threshold `λ = α^{-1/2}` (paper 003 eq. (22) in the spike-eigenvalue
/// convention of eq. (11)).
pub fn bbp_lambda(alpha: f64) -> Result<f64> {
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio must be > 0")?;
    Ok(alpha.powf(-0.5))
}

/// `E max(|cos θ|, |sin θ|)` over a uniform angle: the exact rank-2 Haar constant
/// `c_2 = 2√2/π` (THEORY_003 §7, Figs. 5–6).
pub fn haar_c2_exact() -> f64 {
    2.0 * std::f64::consts::SQRT_2 / std::f64::consts::PI
}

/// Maximum-weight perfect matching of a `k × r` score matrix (`k ≤ r`: every row gets a
/// distinct column; `k > r`: transposed internally) by the Hungarian algorithm, `O(m³)`.
/// Returns `(assignment row → column (None when unmatched), total score)`.
pub fn max_matching(score: &Array2<f64>) -> (Vec<Option<usize>>, f64) {
    let (rows, cols) = score.dim();
    if rows == 0 || cols == 0 {
        return (vec![None; rows], 0.0);
    }
    let transposed = rows > cols;
    let (n, m) = if transposed { (cols, rows) } else { (rows, cols) };
    let cost = |i: usize, j: usize| -> f64 { -if transposed { score[[j, i]] } else { score[[i, j]] } };
    // e-maxx Hungarian, 1-based, n ≤ m.
    let inf = f64::INFINITY;
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![inf; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut assign = vec![None; rows];
    let mut total = 0.0;
    for j in 1..=m {
        if p[j] != 0 {
            let (r, c) = if transposed { (j - 1, p[j] - 1) } else { (p[j] - 1, j - 1) };
            assign[r] = Some(c);
            total += score[[r, c]];
        }
    }
    (assign, total)
}

/// Average overlap under the best one-to-one matching, `(1/min(k,r)) max_π Σ_a m_{aπ(a)}`
/// (the "average overlap" of Figs. 5–6; the paper's exact definition was lost, matching is
/// THEORY_003's suggestion).
pub fn matched_average_overlap(overlaps: &Array2<f64>) -> f64 {
    let m = overlaps.nrows().min(overlaps.ncols());
    if m == 0 {
        return 0.0;
    }
    max_matching(overlaps).1 / m as f64
}

/// Monte-Carlo Haar average for degenerate spikes: with `O` Haar on `O(r)`,
/// `matching = E[(1/r) max_π Σ_a |O_{aπ(a)}|]` and `row_max = E[(1/r) Σ_a max_b |O_ab|]`,
/// with their standard errors. The SVD average overlap for `r` equal spikes is
/// `pca_overlap · matching` (THEORY_003 §7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HaarBaseline {
    /// Rank `r`.
    pub r: usize,
    /// Mean matched average `|O|`.
    pub matching: f64,
    /// Its standard error.
    pub matching_se: f64,
    /// Mean row-wise maximum `|O|`.
    pub row_max: f64,
    /// Its standard error.
    pub row_max_se: f64,
}

/// Haar `O(r)` sample: Gram–Schmidt (QR with positive `R` diagonal) of a Gaussian matrix.
fn haar(r: usize, rng: &mut Xoshiro256PlusPlus) -> Array2<f64> {
    let mut q = Array2::from_shape_fn((r, r), |_| StandardNormal.sample(rng));
    for j in 0..r {
        for p in 0..j {
            let dot: f64 = (0..r).map(|i| q[[i, j]] * q[[i, p]]).sum();
            for i in 0..r {
                q[[i, j]] -= dot * q[[i, p]];
            }
        }
        let nrm = (0..r).map(|i| q[[i, j]] * q[[i, j]]).sum::<f64>().sqrt();
        for i in 0..r {
            q[[i, j]] /= nrm;
        }
    }
    q
}

/// Haar averages of [`HaarBaseline`] from `samples` draws (blocks of 1000 with streams
/// derived from `(seed, block)`).
///
/// Errors: `r = 0` or `samples < 2`.
pub fn haar_baseline(r: usize, samples: usize, seed: u64) -> Result<HaarBaseline> {
    ensure(r > 0, "r", r as f64, "rank must be > 0")?;
    ensure(samples >= 2, "samples", samples as f64, "need at least 2 samples")?;
    const B: usize = 1000;
    let blocks = samples.div_ceil(B);
    let sums: Vec<[f64; 4]> = (0..blocks)
        .into_par_iter()
        .map(|blk| {
            let mut rng =
                Xoshiro256PlusPlus::seed_from_u64(seed ^ (blk as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let cnt = B.min(samples - blk * B);
            let mut s = [0.0; 4];
            for _ in 0..cnt {
                let o = haar(r, &mut rng).mapv(f64::abs);
                let mm = matched_average_overlap(&o);
                let rm =
                    o.rows().into_iter().map(|row| row.iter().cloned().fold(0.0, f64::max)).sum::<f64>() / r as f64;
                s[0] += mm;
                s[1] += mm * mm;
                s[2] += rm;
                s[3] += rm * rm;
            }
            s
        })
        .collect();
    let mut t = [0.0; 4];
    for s in sums {
        for i in 0..4 {
            t[i] += s[i];
        }
    }
    let n = samples as f64;
    let se = |s: f64, s2: f64| ((s2 / n - (s / n).powi(2)).max(0.0) / (n - 1.0)).sqrt();
    Ok(HaarBaseline {
        r,
        matching: t[0] / n,
        matching_se: se(t[0], t[1]),
        row_max: t[2] / n,
        row_max_se: se(t[2], t[3]),
    })
}

/// Top-`k` eigenvectors (orthonormal columns, `d × k`) and eigenvalues of `XᵀX/n` by block
/// subspace iteration with Rayleigh–Ritz (block `k + 4`, random seeded start), stopping when
/// the Ritz residual `‖Sx − θx‖/θ` of every wanted pair is below `1e-9`.
///
/// Errors: `k = 0` or `k > d`; [`Error::NotConverged`] after 5000 iterations.
pub fn top_eigenvectors(x: ArrayView2<f64>, k: usize, seed: u64) -> Result<(Array2<f64>, Array1<f64>)> {
    let (n, d) = x.dim();
    ensure(k > 0 && k <= d, "k", k as f64, "need 0 < k <= d")?;
    let p = (k + 4).min(d);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut q = Array2::from_shape_fn((d, p), |_| StandardNormal.sample(&mut rng));
    orthonormalise(&mut q);
    let mut resid = f64::INFINITY;
    for _ in 0..5000 {
        let sq = x.t().dot(&x.dot(&q)) / n as f64;
        // Rayleigh–Ritz on span(q).
        let h = q.t().dot(&sq);
        let hv: Vec<f64> = h.iter().cloned().collect();
        let hs: Vec<f64> = (0..p * p).map(|i| 0.5 * (hv[i] + hv[(i % p) * p + i / p])).collect();
        let (ev, vecs) = linalg::sym_eigen(&hs, p);
        let mut idx: Vec<usize> = (0..p).collect();
        idx.sort_by(|&a, &b| ev[b].partial_cmp(&ev[a]).unwrap_or(std::cmp::Ordering::Equal));
        let rot = Array2::from_shape_fn((p, p), |(i, j)| vecs[i * p + idx[j]]);
        let ritz = q.dot(&rot);
        let sritz = sq.dot(&rot);
        resid = 0.0;
        for j in 0..k {
            let th = ev[idx[j]];
            let r = (&sritz.column(j) - &(&ritz.column(j) * th)).iter().map(|v| v * v).sum::<f64>().sqrt();
            resid = f64::max(resid, r / th.abs().max(1e-300));
        }
        if resid < 1e-9 {
            let vals = Array1::from_iter((0..k).map(|j| ev[idx[j]]));
            return Ok((ritz.slice(ndarray::s![.., 0..k]).to_owned(), vals));
        }
        q = sritz;
        orthonormalise(&mut q);
    }
    Err(Error::NotConverged { solver: "top_eigenvectors", iterations: 5000, residual: resid })
}

/// Gram–Schmidt (twice) on the columns of `q`, in place.
pub(crate) fn orthonormalise(q: &mut Array2<f64>) {
    let p = q.ncols();
    for j in 0..p {
        for _ in 0..2 {
            for i in 0..j {
                let dot = q.column(i).dot(&q.column(j));
                let ci = q.column(i).to_owned();
                q.column_mut(j).scaled_add(-dot, &ci);
            }
        }
        let nrm = q.column(j).dot(&q.column(j)).sqrt();
        q.column_mut(j).mapv_inplace(|v| v / nrm);
    }
}
