//! Bayes-optimal low-rank AMP for the spiked covariance model with Rademacher latents and
//! spikes (Lesieur–Krzakala–Zdeborová 2017, ref. [43] of paper 003), from random or spectral
//! initialisation, and decimation AMP (Pourkamali–Barbier–Macris, ref. [59]): the "other AMP
//! algorithms" of paper 003 Fig. 6 (FIGURES P003-F6L/F6R).
//!
//! # Algorithm (derived here, THEORY_003 §4.4 general AMP (56)–(60) with posterior-mean denoisers)
//! Data `X = UΛ^{1/2}Vᵀ/√d + Z` (`n × d`, `α = n/d`), `A = X/√d`, `L = Λ^{1/2}` (`r × r`,
//! assumed known, as Bayes-optimal estimation requires). With `G = g_t(V^t)` (`d × r`, the
//! posterior means of `v*`) and `F = f_t(U^t)` (`n × r`, the posterior means of `u*`):
//! ```text
//! U^t     = A G^t − F^{t−1} C_tᵀ,      C_t = (1/d) Σ_i ∂g_t(v_i)
//! F^t_μ   = E[u* | b = L u_μ, Â = L S_G L],   S_G = GᵀG/d
//! B_t     = (1/d) Σ_μ ∂f_t(u_μ)  = (1/d) Σ_μ Cov[u*|·] L
//! V^{t+1} = Aᵀ F^t − G^t B_tᵀ
//! G^{t+1}_i = E[v* | b = L v_i, Â = L S_F L],  S_F = FᵀF/d
//! ```
//! where `E[x | b, Â]` is the mean of `x ∈ {±1}^r` under `∝ exp(bᵀx − ½ xᵀÂx)` (exact
//! `2^r` enumeration). Why: by the SE (19), `u^t ≈ M_u u* + Σ_u^{1/2} z` with
//! `M_u = E[g v*ᵀ] L` and `Σ_u = E[g gᵀ]`; on the Nishimori line (posterior-mean denoisers)
//! `E[g v*ᵀ] = E[g gᵀ] = S_G`, so the Gaussian-channel posterior
//! `exp(u*ᵀM_uᵀΣ_u^{-1}u − ½ u*ᵀM_uᵀΣ_u^{-1}M_u u*)` is `exp(u*ᵀ L u − ½ u*ᵀ L S_G L u*)`;
//! likewise `M_v = α E[f u*ᵀ] L = S_F L`, `Σ_v = S_F` on the `v` side. For `r = 1` this is the
//! AMP of THEORY_003 §6, whose SE is (D-6): the fixed point of [`crate::p003::bayes::bayes_rank1`]
//! is the prediction (tested below).
//!
//! Initialisations: *random*, `G^0 = s·N(0, 1)` (no information; LFW23: the overlap stays
//! small for `O(log d)` iterations and, for degenerate spikes, which spike each column ends
//! on is random: the "high variance" of Fig. 6); *spectral*, `G^0 = m_PCA √d Ê` with `Ê` an
//! orthonormal basis of the top-`r` eigenspace of `XᵀX` and `m_PCA` the asymptotic PCA
//! overlap (D-3) of the mean SNR (so that `S_G ≈ E[g v*ᵀ]`, the Nishimori calibration).
//! No Onsager term enters the first step (`F^{−1} = 0`).
//!
//! Decimation AMP ([`decimation_amp`]): recover one direction at a time. At stage `a` run the
//! rank-1 Bayes-AMP above (SNR `λ_a`, spectral initialisation on the current residual) on the
//! residual `X_a`, keep its posterior means `(f̂, ĝ)`, and deflate
//! `X_{a+1} = X_a − √λ_a f̂ ĝᵀ/√d` (the estimated rank-1 part of eq. (11)). The paper's exact
//! decimation schedule was not recoverable (ambiguity A6); this is the plain
//! one-direction-at-a-time variant the paper describes in words.

use ndarray::{Array2, ArrayView2, Axis, s};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::RunStatus;
use super::baselines::{matched_average_overlap, orthonormalise, pca_overlap};
use super::objective::overlaps;
use crate::error::{Error, Result, ensure};

/// Largest rank handled by the exact `2^r` posterior enumeration.
pub const MAX_BAYES_RANK: usize = 14;

/// Initialisation of [`bayes_amp`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BayesInit {
    /// `G^0 = scale · N(0, 1)` entries.
    Random {
        /// Entry standard deviation (small: no information).
        scale: f64,
    },
    /// `G^0 = m_PCA √d Ê`, top-`r` eigenspace of `XᵀX` by `iterations` steps of block power
    /// iteration (orthonormalised; the subspace, not individual eigenvectors, is needed).
    Spectral {
        /// Block power iterations.
        iterations: usize,
    },
}

/// Settings of [`bayes_amp`] and [`decimation_amp`].
#[derive(Debug, Clone, PartialEq)]
pub struct BayesAmpConfig {
    /// SNRs `λ_a` of the `r` spikes (known to the Bayes-optimal estimator).
    pub snr: Vec<f64>,
    /// Initialisation.
    pub init: BayesInit,
    /// Maximal iterations (per stage for decimation).
    pub max_iter: usize,
    /// Converged when `‖G^t − G^{t−1}‖_F/‖G^t‖_F < tol`.
    pub tol: f64,
    /// Seed of the random initialisation / power-iteration start.
    pub seed: u64,
}

/// Result of [`bayes_amp`] / [`decimation_amp`].
#[derive(Debug, Clone, PartialEq)]
pub struct BayesAmpResult {
    /// Posterior means of `v*` (`d × r`).
    pub v_hat: Array2<f64>,
    /// Posterior means of `u*` (`n × r`).
    pub u_hat: Array2<f64>,
    /// Matched average overlap with the spikes per iteration (empty without `truth`; for
    /// decimation, the overlap of the directions recovered so far, per stage).
    pub overlap_trajectory: Vec<f64>,
    /// Final overlap matrix `r × r` (NaN-free; zeros without `truth`).
    pub overlaps: Array2<f64>,
    /// Outcome (for decimation: the worst stage's).
    pub status: RunStatus,
    /// Iterations done (summed over stages for decimation).
    pub iterations: usize,
}

/// Posterior summary of `x ∈ {±1}^r` under `∝ exp(bᵀx − ½xᵀÂx)` for many rows: mean per row,
/// plus the summed posterior covariance over rows. States are enumerated once.
struct Hypercube {
    r: usize,
    /// `2^r × r` states.
    states: Vec<f64>,
}

impl Hypercube {
    fn new(r: usize) -> Self {
        let m = 1usize << r;
        let mut states = vec![0.0; m * r];
        for s in 0..m {
            for j in 0..r {
                states[s * r + j] = if (s >> j) & 1 == 1 { 1.0 } else { -1.0 };
            }
        }
        Hypercube { r, states }
    }

    /// Means of every row of `b_rows` (`rows × r`, the fields `b`) into `out`; returns the
    /// summed covariance `Σ_rows Cov[x|·]` (`r × r` row-major). `quad` is `Â` (`r × r`).
    fn posterior(&self, b_rows: &Array2<f64>, quad: &[f64], out: &mut Array2<f64>) -> Vec<f64> {
        let r = self.r;
        let m = 1usize << r;
        // −½ xᵀÂx per state (the diagonal is constant on the hypercube but kept: it cancels).
        let qs: Vec<f64> = (0..m)
            .map(|s| {
                let x = &self.states[s * r..(s + 1) * r];
                let mut e = 0.0;
                for a in 0..r {
                    for b in 0..r {
                        e += x[a] * quad[a * r + b] * x[b];
                    }
                }
                -0.5 * e
            })
            .collect();
        let parts: Vec<(Vec<f64>, Vec<f64>)> = out
            .axis_chunks_iter_mut(Axis(0), 256)
            .into_par_iter()
            .zip(b_rows.axis_chunks_iter(Axis(0), 256).into_par_iter())
            .map(|(mut oblk, bblk)| {
                let mut e = vec![0.0; m];
                let mut wsum = vec![0.0; m];
                let mut msq = vec![0.0; r * r];
                let mut mean = vec![0.0; r];
                for (mut orow, brow) in oblk.rows_mut().into_iter().zip(bblk.rows()) {
                    let mut emax = f64::NEG_INFINITY;
                    for s in 0..m {
                        let x = &self.states[s * r..(s + 1) * r];
                        let mut v = qs[s];
                        for j in 0..r {
                            v += brow[j] * x[j];
                        }
                        e[s] = v;
                        emax = emax.max(v);
                    }
                    let mut z = 0.0;
                    for v in e.iter_mut() {
                        *v = (*v - emax).exp();
                        z += *v;
                    }
                    mean.iter_mut().for_each(|v| *v = 0.0);
                    for s in 0..m {
                        let w = e[s] / z;
                        wsum[s] += w;
                        let x = &self.states[s * r..(s + 1) * r];
                        for j in 0..r {
                            mean[j] += w * x[j];
                        }
                    }
                    for j in 0..r {
                        orow[j] = mean[j];
                        for l in 0..r {
                            msq[j * r + l] += mean[j] * mean[l];
                        }
                    }
                }
                (wsum, msq)
            })
            .collect();
        // Σ_rows E[xxᵀ|·] = Σ_s (Σ_rows w_s) x_s x_sᵀ; minus Σ_rows mean meanᵀ.
        let mut wtot = vec![0.0; m];
        let mut msq = vec![0.0; r * r];
        for (w, q) in parts {
            wtot.iter_mut().zip(&w).for_each(|(a, b)| *a += b);
            msq.iter_mut().zip(&q).for_each(|(a, b)| *a += b);
        }
        let mut cov = vec![0.0; r * r];
        for s in 0..m {
            let x = &self.states[s * r..(s + 1) * r];
            for j in 0..r {
                for l in 0..r {
                    cov[j * r + l] += wtot[s] * x[j] * x[l];
                }
            }
        }
        cov.iter_mut().zip(&msq).for_each(|(c, q)| *c -= q);
        cov
    }
}

fn check_cfg(n: usize, d: usize, cfg: &BayesAmpConfig, truth: Option<&Array2<f64>>) -> Result<()> {
    if let Some(v) = truth
        && v.nrows() != d
    {
        return Err(Error::InvalidParameter {
            name: "truth",
            value: v.nrows() as f64,
            reason: "spikes must have d rows",
        });
    }
    let r = cfg.snr.len();
    ensure(r >= 1, "snr", r as f64, "need at least one spike")?;
    ensure(r <= MAX_BAYES_RANK, "rank", r as f64, "the exact 2^r posterior enumeration is limited to r <= 14")?;
    ensure(r <= d && n >= 1, "rank", r as f64, "rank must not exceed d")?;
    for &l in &cfg.snr {
        ensure(l > 0.0, "snr", l, "SNRs must be > 0")?;
    }
    ensure(cfg.max_iter > 0, "max_iter", 0.0, "must be > 0")?;
    ensure(cfg.tol > 0.0, "tol", cfg.tol, "must be > 0")?;
    match cfg.init {
        BayesInit::Random { scale } => ensure(scale > 0.0, "scale", scale, "random init scale must be > 0"),
        BayesInit::Spectral { iterations } => {
            ensure(iterations > 0, "iterations", 0.0, "spectral init needs >= 1 power iteration")
        }
    }
}

/// Orthonormal `d × r` basis of the top-`r` eigenspace of `XᵀX` after `iterations` block
/// power steps from a seeded Gaussian start.
pub fn top_subspace(x: ArrayView2<f64>, r: usize, iterations: usize, seed: u64) -> Result<Array2<f64>> {
    let d = x.ncols();
    ensure(r >= 1 && r <= d, "r", r as f64, "need 1 <= r <= d")?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut q = Array2::from_shape_fn((d, r), |_| StandardNormal.sample(&mut rng));
    orthonormalise(&mut q);
    for _ in 0..iterations {
        q = x.t().dot(&x.dot(&q));
        orthonormalise(&mut q);
    }
    if q.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("top_subspace"));
    }
    Ok(q)
}

/// `L M L` for diagonal `L` (`l` its diagonal) and `M = PᵀP/d`.
fn tilt(p: &Array2<f64>, l: &[f64], d: f64) -> Vec<f64> {
    let r = l.len();
    let s = p.t().dot(p) / d;
    let mut out = vec![0.0; r * r];
    for a in 0..r {
        for b in 0..r {
            out[a * r + b] = l[a] * s[[a, b]] * l[b];
        }
    }
    out
}

/// Bayes-optimal low-rank AMP (LKZ17; module docs) on data `x` (`n × d`) with `r =
/// cfg.snr.len()` Rademacher spikes, from random or spectral initialisation. With `truth`
/// (`d × r`) the matched average overlap is recorded per iteration.
///
/// Errors: `r = 0` or `r > 14`, non-positive SNRs, `max_iter = 0`, `tol <= 0`, a bad init
/// parameter, shape mismatches. Non-finite iterates give [`RunStatus::Diverged`].
pub fn bayes_amp(x: ArrayView2<f64>, cfg: &BayesAmpConfig, truth: Option<&Array2<f64>>) -> Result<BayesAmpResult> {
    let (n, d) = x.dim();
    check_cfg(n, d, cfg, truth)?;
    let r = cfg.snr.len();
    let alpha = n as f64 / d as f64;
    let g0 = match cfg.init {
        BayesInit::Random { scale } => {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(cfg.seed);
            Array2::from_shape_fn((d, r), |_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                scale * z
            })
        }
        BayesInit::Spectral { iterations } => {
            let mean_snr = cfg.snr.iter().sum::<f64>() / r as f64;
            let m = pca_overlap(alpha, mean_snr)?.max(0.05);
            top_subspace(x, r, iterations, cfg.seed)? * (m * (d as f64).sqrt())
        }
    };
    Ok(run_bayes_amp(x, &cfg.snr, g0, cfg.max_iter, cfg.tol, truth))
}

/// The iteration of the module docs from `G^0 = g`.
fn run_bayes_amp(
    x: ArrayView2<f64>,
    snr: &[f64],
    mut g: Array2<f64>,
    max_iter: usize,
    tol: f64,
    truth: Option<&Array2<f64>>,
) -> BayesAmpResult {
    let (n, d) = x.dim();
    let r = snr.len();
    let df = d as f64;
    let sd = df.sqrt();
    let l: Vec<f64> = snr.iter().map(|v| v.sqrt()).collect();
    let cube = Hypercube::new(r);
    let mut f = Array2::<f64>::zeros((n, r));
    let mut f_prev = Array2::<f64>::zeros((n, r));
    let mut c_g = Array2::<f64>::zeros((r, r)); // C_t (no Onsager at t = 0)
    let mut traj = Vec::new();
    let mut status = RunStatus::MaxIter;
    let mut iters = 0;
    let score = |g: &Array2<f64>| truth.map(|v| overlaps(g, v));
    for t in 0..max_iter {
        iters = t + 1;
        // U = A G − F_prev Cᵀ.
        let mut u = x.dot(&g) / sd;
        u -= &f_prev.dot(&c_g.t());
        let mut bu = u;
        for mut row in bu.rows_mut() {
            row.iter_mut().zip(&l).for_each(|(v, li)| *v *= li);
        }
        let cov_u = cube.posterior(&bu, &tilt(&g, &l, df), &mut f);
        // B = (1/d) Σ_μ Cov[u*|·] L.
        let b = Array2::from_shape_fn((r, r), |(a, c)| cov_u[a * r + c] * l[c] / df);
        let mut v = x.t().dot(&f) / sd;
        v -= &g.dot(&b.t());
        for mut row in v.rows_mut() {
            row.iter_mut().zip(&l).for_each(|(e, li)| *e *= li);
        }
        let mut g_new = Array2::<f64>::zeros((d, r));
        let cov_v = cube.posterior(&v, &tilt(&f, &l, df), &mut g_new);
        c_g = Array2::from_shape_fn((r, r), |(a, c)| cov_v[a * r + c] * l[c] / df);
        if g_new.iter().any(|v| !v.is_finite()) || f.iter().any(|v| !v.is_finite()) {
            status = RunStatus::Diverged;
            break;
        }
        let num = (&g_new - &g).iter().map(|v| v * v).sum::<f64>().sqrt();
        let den = g_new.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
        g = g_new;
        std::mem::swap(&mut f_prev, &mut f);
        if let Some(o) = score(&g) {
            traj.push(matched_average_overlap(&o));
        }
        if num / den < tol {
            status = RunStatus::Converged;
            break;
        }
    }
    let ov = score(&g).unwrap_or_else(|| Array2::zeros((r, r)));
    // f_prev holds the last F after the swap.
    BayesAmpResult { v_hat: g, u_hat: f_prev, overlap_trajectory: traj, overlaps: ov, status, iterations: iters }
}

/// Decimation AMP (Pourkamali–Barbier–Macris; module docs): `r` stages of rank-1 Bayes-AMP
/// with SNR `λ_a`, each initialised spectrally (top eigenvector of the current residual,
/// `cfg.init` must be [`BayesInit::Spectral`] or [`BayesInit::Random`]) and followed by the
/// deflation `X ← X − √λ_a f̂ ĝᵀ/√d`. Column `a` of `v_hat` is stage `a`'s estimate; the
/// trajectory holds the matched overlap of the columns found so far after each stage.
///
/// Errors: as [`bayes_amp`].
pub fn decimation_amp(x: ArrayView2<f64>, cfg: &BayesAmpConfig, truth: Option<&Array2<f64>>) -> Result<BayesAmpResult> {
    let (n, d) = x.dim();
    check_cfg(n, d, cfg, truth)?;
    let r = cfg.snr.len();
    let mut res = x.to_owned();
    let mut v_hat = Array2::<f64>::zeros((d, r));
    let mut u_hat = Array2::<f64>::zeros((n, r));
    let mut traj = Vec::new();
    let mut status = RunStatus::Converged;
    let mut iters = 0;
    let sd = (d as f64).sqrt();
    for a in 0..r {
        let stage = BayesAmpConfig {
            snr: vec![cfg.snr[a]],
            init: cfg.init,
            max_iter: cfg.max_iter,
            tol: cfg.tol,
            seed: cfg.seed.wrapping_add(a as u64 + 1),
        };
        let out = bayes_amp(res.view(), &stage, None)?;
        iters += out.iterations;
        status = match (status, out.status) {
            (RunStatus::Diverged, _) | (_, RunStatus::Diverged) => RunStatus::Diverged,
            (RunStatus::MaxIter, _) | (_, RunStatus::MaxIter) => RunStatus::MaxIter,
            _ => RunStatus::Converged,
        };
        v_hat.column_mut(a).assign(&out.v_hat.column(0));
        u_hat.column_mut(a).assign(&out.u_hat.column(0));
        // X ← X − √λ_a f̂ ĝᵀ/√d.
        let c = cfg.snr[a].sqrt() / sd;
        let fu = out.u_hat.column(0);
        let gv = out.v_hat.column(0);
        for (mut row, fm) in res.rows_mut().into_iter().zip(fu.iter()) {
            row.scaled_add(-c * fm, &gv);
        }
        if let Some(v) = truth {
            traj.push(matched_average_overlap(&overlaps(&v_hat.slice(s![.., 0..=a]).to_owned(), v)));
        }
    }
    let ov = truth.map(|v| overlaps(&v_hat, v)).unwrap_or_else(|| Array2::zeros((r, r)));
    Ok(BayesAmpResult { v_hat, u_hat, overlap_trajectory: traj, overlaps: ov, status, iterations: iters })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p003::bayes::bayes_rank1;
    use crate::p003::testdata::spiked as data;

    #[test]
    fn hypercube_posterior_matches_rank1_tanh_and_brute_force() {
        // r = 1: mean tanh(b); summed variance Σ (1 − tanh²).
        let cube = Hypercube::new(1);
        let b = Array2::from_shape_vec((3, 1), vec![0.3, -1.2, 2.0]).unwrap();
        let mut out = Array2::zeros((3, 1));
        let cov = cube.posterior(&b, &[0.7], &mut out);
        let want: f64 = b.iter().map(|v| 1.0 - v.tanh().powi(2)).sum();
        for i in 0..3 {
            assert!((out[[i, 0]] - b[[i, 0]].tanh()).abs() < 1e-14);
        }
        assert!((cov[0] - want).abs() < 1e-13);
        // r = 2 with coupling: brute force over the four states.
        let cube = Hypercube::new(2);
        let quad = [0.5, 0.4, 0.4, 1.0];
        let b = Array2::from_shape_vec((1, 2), vec![0.2, -0.7]).unwrap();
        let mut out = Array2::zeros((1, 2));
        let cov = cube.posterior(&b, &quad, &mut out);
        let (mut z, mut m, mut mm) = (0.0, [0.0; 2], [0.0; 4]);
        for x0 in [-1.0, 1.0] {
            for x1 in [-1.0f64, 1.0] {
                let x = [x0, x1];
                let e = 0.2 * x0 - 0.7 * x1 - 0.5 * (0.5 * x0 * x0 + 2.0 * 0.4 * x0 * x1 + 1.0 * x1 * x1);
                let w = e.exp();
                z += w;
                for a in 0..2 {
                    m[a] += w * x[a];
                    for c in 0..2 {
                        mm[a * 2 + c] += w * x[a] * x[c];
                    }
                }
            }
        }
        for a in 0..2 {
            assert!((out[[0, a]] - m[a] / z).abs() < 1e-14);
            for c in 0..2 {
                let want = mm[a * 2 + c] / z - m[a] * m[c] / (z * z);
                assert!((cov[a * 2 + c] - want).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn rank1_bayes_amp_reaches_its_state_evolution_fixed_point() {
        // α = 2, λ = 1.5, d = 2000: SE (D-6) 0.852 (THEORY_003 §6). Instance fluctuations at
        // d = 2000 are ≈ 0.01 (THEORY_003 §10 rows 10, 12a); tolerance 0.025 ≈ 2.5 of them.
        let (n, d, lam) = (4000, 2000, 1.5);
        let se = bayes_rank1(2.0, lam).unwrap().overlap;
        assert!((se - 0.852).abs() < 2e-3, "SE {se}");
        let (x, v) = data(n, d, &[lam], 3);
        for init in [BayesInit::Spectral { iterations: 60 }, BayesInit::Random { scale: 0.1 }] {
            let cfg = BayesAmpConfig { snr: vec![lam], init, max_iter: 200, tol: 1e-7, seed: 5 };
            let out = bayes_amp(x.view(), &cfg, Some(&v)).unwrap();
            let ov = out.overlaps[[0, 0]];
            assert_eq!(out.status, RunStatus::Converged, "{init:?}");
            assert!((ov - se).abs() < 0.025, "{init:?}: AMP {ov} vs SE {se}");
        }
    }

    #[test]
    fn decimation_and_spectral_amp_separate_degenerate_spikes_at_large_snr() {
        // Rank 2, λ = 4, α = 2, d = 1000: each recovered direction should reach the rank-1
        // Bayes overlap (paper Fig. 6: "reach the rank-1 Bayes optimal overlap for large
        // SNRs"); PCA only reaches m_PCA × 0.90 on average. Tolerance 0.05 (FIGURES F6).
        let (n, d, lam) = (2000, 1000, 4.0);
        let bayes = bayes_rank1(2.0, lam).unwrap().overlap;
        let (x, v) = data(n, d, &[lam, lam], 11);
        let cfg = BayesAmpConfig {
            snr: vec![lam, lam],
            init: BayesInit::Spectral { iterations: 60 },
            max_iter: 300,
            tol: 1e-7,
            seed: 1,
        };
        let dec = decimation_amp(x.view(), &cfg, Some(&v)).unwrap();
        let m = matched_average_overlap(&dec.overlaps);
        assert!((m - bayes).abs() < 0.05, "decimation {m} vs Bayes {bayes}");
        let sp = bayes_amp(x.view(), &cfg, Some(&v)).unwrap();
        let m = matched_average_overlap(&sp.overlaps);
        assert!((m - bayes).abs() < 0.05, "spectral AMP {m} vs Bayes {bayes}");
    }

    #[test]
    fn bad_input_is_an_error() {
        let x = Array2::<f64>::zeros((10, 5));
        let mut cfg =
            BayesAmpConfig { snr: vec![], init: BayesInit::Random { scale: 0.1 }, max_iter: 5, tol: 1e-6, seed: 0 };
        assert!(bayes_amp(x.view(), &cfg, None).is_err());
        cfg.snr = vec![1.0; 15];
        assert!(bayes_amp(x.view(), &cfg, None).is_err());
        cfg.snr = vec![-1.0];
        assert!(decimation_amp(x.view(), &cfg, None).is_err());
    }
}
