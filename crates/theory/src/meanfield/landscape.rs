//! Free-energy landscape `F(h₁, h₂)` of a binary–Gaussian RBM with two hidden units at
//! given weights (paper 001 App. C, Fig. 6 right), on a grid, with its local minima.
//! During learning on the two-pattern teacher, the landscape has 1 minimum, then 2 along η, then
//! 4 (one per lump ±ξ¹, ±ξ²).

use rayon::prelude::*;

use super::numerics::{log2cosh, sech2};
use crate::error::{Error, Result, ensure};

/// Visible sites grouped by their weight rows `(w¹_i, w²_i)`, each with a weight
/// (`1/N` per site, or the block fraction). The weights must sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRows {
    /// `(w¹_i, w²_i)` for each (group of) site(s).
    pub rows: Vec<[f64; 2]>,
    /// Fraction of sites carrying each row (sums to 1).
    pub weight: Vec<f64>,
}

impl SiteRows {
    /// One row per site from the two hidden units' weight vectors (each site has weight `1/N`).
    /// Errors on empty input, a length mismatch or non-finite weights.
    pub fn from_weights(w1: &[f64], w2: &[f64]) -> Result<Self> {
        ensure(!w1.is_empty(), "w1", 0.0, "need at least one visible unit")?;
        ensure(w1.len() == w2.len(), "w2", w2.len() as f64, "both hidden units need N weights")?;
        if let Some(bad) = w1.iter().chain(w2).find(|x| !x.is_finite()) {
            return Err(Error::InvalidParameter { name: "w", value: *bad, reason: "weights must be finite" });
        }
        let nf = w1.len() as f64;
        Ok(Self { rows: w1.iter().zip(w2).map(|(a, b)| [*a, *b]).collect(), weight: vec![1.0 / nf; w1.len()] })
    }

    /// Block weights `w^μ = a_μ η + b_μ η̃` on the two-pattern teacher. The η block (a fraction
    /// `(1+κ)/2` of the sites) has rows `±(a₁, a₂)`; the η̃ block (`(1−κ)/2`) has rows `±(b₁, b₂)`. The
    /// signs drop out of `F`. Errors for `κ ∉ [0, 1)` or non-finite input.
    pub fn two_block(kappa: f64, a: [f64; 2], b: [f64; 2]) -> Result<Self> {
        ensure((0.0..1.0).contains(&kappa), "kappa", kappa, "correlation must lie in [0, 1)")?;
        for v in a.iter().chain(&b) {
            ensure(v.is_finite(), "a/b", *v, "block amplitudes must be finite")?;
        }
        Ok(Self { rows: vec![a, b], weight: vec![0.5 * (1.0 + kappa), 0.5 * (1.0 - kappa)] })
    }

    /// Symmetric block weights `w^{1,2} = Aη ± Bη̃` with `A = √(λ_η/(1+κ))` and `B = √(λ_η̃/(1−κ))`.
    /// `λ_η` and `λ_η̃` are the eigenvalues of `WᵀW/N` (the transitions are at 1; see the module root).
    /// Errors for negative λ or bad κ.
    pub fn symmetric_block(kappa: f64, lambda_eta: f64, lambda_eta_tilde: f64) -> Result<Self> {
        ensure((0.0..1.0).contains(&kappa), "kappa", kappa, "correlation must lie in [0, 1)")?;
        ensure(lambda_eta >= 0.0, "lambda_eta", lambda_eta, "must be >= 0")?;
        ensure(lambda_eta_tilde >= 0.0, "lambda_eta_tilde", lambda_eta_tilde, "must be >= 0")?;
        let a = (lambda_eta / (1.0 + kappa)).sqrt();
        let b = (lambda_eta_tilde / (1.0 - kappa)).sqrt();
        Self::two_block(kappa, [a, a], [b, -b])
    }

    fn validate(&self) -> Result<()> {
        ensure(!self.rows.is_empty(), "rows", 0.0, "need at least one row")?;
        ensure(self.rows.len() == self.weight.len(), "weight", self.weight.len() as f64, "one weight per row")?;
        let total: f64 = self.weight.iter().sum();
        ensure((total - 1.0).abs() < 1e-9, "weight", total, "row weights must sum to 1")?;
        for v in self.rows.iter().flatten().chain(&self.weight) {
            ensure(v.is_finite(), "rows", *v, "must be finite")?;
        }
        Ok(())
    }
}

/// Free energy per visible unit `F(h₁,h₂) = (h₁²+h₂²)/2 − Σ_i ω_i log 2cosh(h₁w¹_i + h₂w²_i)`
/// of the BG-RBM with two hidden units. Here `p(h) ∝ e^{−N F(h)}` after summing out `v` (paper 001
/// App. C, Fig. 6 right; derivation in the module root).
pub fn free_energy_2h(rows: &SiteRows, h: [f64; 2]) -> f64 {
    let s: f64 = rows.rows.iter().zip(&rows.weight).map(|(r, w)| w * log2cosh(h[0] * r[0] + h[1] * r[1])).sum();
    0.5 * (h[0] * h[0] + h[1] * h[1]) - s
}

fn grad_hess(rows: &SiteRows, h: [f64; 2]) -> ([f64; 2], [[f64; 2]; 2]) {
    let mut g = h;
    let mut hs = [[1.0, 0.0], [0.0, 1.0]];
    for (r, w) in rows.rows.iter().zip(&rows.weight) {
        let x = h[0] * r[0] + h[1] * r[1];
        let t = x.tanh();
        let s2 = sech2(x);
        for mu in 0..2 {
            g[mu] -= w * r[mu] * t;
            for nu in 0..2 {
                hs[mu][nu] -= w * r[mu] * r[nu] * s2;
            }
        }
    }
    (g, hs)
}

/// A local minimum of `F(h₁, h₂)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LandscapeMinimum {
    /// Position.
    pub h1: f64,
    /// Position.
    pub h2: f64,
    /// Free energy there.
    pub f: f64,
    /// Newton refinement converged (`|∇F| < 1e-10`, positive-definite Hessian); otherwise the
    /// position is the grid point.
    pub refined: bool,
}

/// `F` on a rectangular grid, plus its local minima.
#[derive(Debug, Clone, PartialEq)]
pub struct Landscape {
    /// Grid along `h₁` (`n1` points).
    pub h1: Vec<f64>,
    /// Grid along `h₂` (`n2` points).
    pub h2: Vec<f64>,
    /// `f[i * n2 + j] = F(h1[i], h2[j])`.
    pub f: Vec<f64>,
    /// Local minima: interior grid points strictly below their 8 neighbours, refined by
    /// Newton and de-duplicated, sorted by `F`.
    pub minima: Vec<LandscapeMinimum>,
}

/// Evaluates `F(h₁,h₂)` (see [`free_energy_2h`]) on an `n1 × n2` grid over the given ranges. It
/// finds the local minima (paper 001 Fig. 6 right: 1 → 2 → 4 minima during learning). Minima on the
/// grid's border are not reported, so choose ranges that enclose them. Parallel over grid rows.
/// Errors for `n1, n2 < 3`, empty or non-finite ranges, or invalid rows.
pub fn free_energy_landscape(
    rows: &SiteRows,
    h1_range: (f64, f64),
    h2_range: (f64, f64),
    n1: usize,
    n2: usize,
) -> Result<Landscape> {
    rows.validate()?;
    ensure(n1 >= 3, "n1", n1 as f64, "need at least 3 grid points")?;
    ensure(n2 >= 3, "n2", n2 as f64, "need at least 3 grid points")?;
    ensure(h1_range.1 > h1_range.0, "h1_range", h1_range.1 - h1_range.0, "must be a non-empty finite interval")?;
    ensure(h2_range.1 > h2_range.0, "h2_range", h2_range.1 - h2_range.0, "must be a non-empty finite interval")?;
    let grid = |(a, b): (f64, f64), n: usize| -> Vec<f64> {
        (0..n).map(|k| a + (b - a) * k as f64 / (n - 1) as f64).collect()
    };
    let h1 = grid(h1_range, n1);
    let h2 = grid(h2_range, n2);
    let mut f = vec![0.0; n1 * n2];
    f.par_chunks_mut(n2).enumerate().for_each(|(i, row)| {
        for (j, v) in row.iter_mut().enumerate() {
            *v = free_energy_2h(rows, [h1[i], h2[j]]);
        }
    });
    let dh = ((h1[1] - h1[0]).powi(2) + (h2[1] - h2[0]).powi(2)).sqrt();
    let mut minima: Vec<LandscapeMinimum> = Vec::new();
    for i in 1..n1 - 1 {
        for j in 1..n2 - 1 {
            let c = f[i * n2 + j];
            let is_min = (0..3usize)
                .all(|di| (0..3usize).all(|dj| (di == 1 && dj == 1) || c < f[(i + di - 1) * n2 + (j + dj - 1)]));
            if !is_min {
                continue;
            }
            let m = refine_minimum(rows, [h1[i], h2[j]], dh);
            if !minima.iter().any(|o| ((o.h1 - m.h1).powi(2) + (o.h2 - m.h2).powi(2)).sqrt() < 1e-6 + 1e-3 * dh) {
                minima.push(m);
            }
        }
    }
    minima.sort_by(|a, b| a.f.total_cmp(&b.f));
    Ok(Landscape { h1, h2, f, minima })
}

/// Damped Newton from a grid minimum, restricted to a few grid spacings around it.
fn refine_minimum(rows: &SiteRows, start: [f64; 2], dh: f64) -> LandscapeMinimum {
    let fallback = LandscapeMinimum { h1: start[0], h2: start[1], f: free_energy_2h(rows, start), refined: false };
    let mut h = start;
    for _ in 0..200 {
        let (g, hs) = grad_hess(rows, h);
        let gn = (g[0] * g[0] + g[1] * g[1]).sqrt();
        let det = hs[0][0] * hs[1][1] - hs[0][1] * hs[1][0];
        if gn < 1e-10 {
            return if det > 0.0 && hs[0][0] > 0.0 {
                LandscapeMinimum { h1: h[0], h2: h[1], f: free_energy_2h(rows, h), refined: true }
            } else {
                fallback
            };
        }
        // Newton step when the Hessian is positive definite, otherwise a gradient step.
        let newton = det > 0.0 && hs[0][0] > 0.0;
        let step = if newton {
            [(hs[1][1] * g[0] - hs[0][1] * g[1]) / det, (hs[0][0] * g[1] - hs[1][0] * g[0]) / det]
        } else {
            [0.1 * dh * g[0] / gn, 0.1 * dh * g[1] / gn]
        };
        if newton && gn < 1e-5 {
            // Close to the minimum, F no longer resolves the decrease: take the full step.
            h = [h[0] - step[0], h[1] - step[1]];
            continue;
        }
        let f0 = free_energy_2h(rows, h);
        let mut lam = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let cand = [h[0] - lam * step[0], h[1] - lam * step[1]];
            if free_energy_2h(rows, cand) <= f0 {
                h = cand;
                accepted = true;
                break;
            }
            lam *= 0.5;
        }
        if !accepted || ((h[0] - start[0]).powi(2) + (h[1] - start[1]).powi(2)).sqrt() > 3.0 * dh {
            return fallback;
        }
    }
    fallback
}
