//! Hidden-unit priors of paper 003 and the low-dimensional averages of Theorem 1:
//! the cumulant function `φ(y) = log E_h e^{yᵀh}` (eq. 6), the regulariser
//! `F(Q) = log E_h e^{½ hᵀQh}` (eq. 7), the multiplier `Γ(Q) = E_{P̃_Q}[hhᵀ]` (eq. 10),
//! and the general tilted average `log E_h exp(ℓᵀh + ½ hᵀMh)` with its first two moments
//! that the biased objective (D-1) needs.
//!
//! All three priors are separable (`P_h = ⊗ p`), so `φ` is a sum of scalar cumulants and
//! the data term costs `O(k)` per sample. The model term is computed **exactly**: by
//! enumerating the `2^k` states of the discrete priors (Gray-code order, so the energy is
//! updated in `O(k)` per state; max-shifted log-sum-exp; fixed blocks of states merged in
//! order, so the result does not depend on the thread count), and in closed form for the
//! Gaussian prior (`F(Q) = −½ log det(I − Q)`, `Γ = (I − Q)^{-1}`, valid for `Q ≺ I`).

use ndarray::Array2;
use rayon::prelude::*;

use super::linalg;
use crate::error::{Error, Result};

/// Largest `k` for which the `2^k` hidden states are enumerated (paper 003: "around 20").
pub const MAX_ENUM_K: usize = 20;

/// States per block of the parallel enumeration.
const BLOCK: usize = 1 << 12;

/// Prior of one hidden unit (the units are i.i.d.).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenPrior {
    /// `h = ±1` with probability ½ each (the paper's "Bernoulli ±1" units; table of §2.3).
    Rademacher,
    /// `h ∈ {0, 1}` with probability ½ each (the Fashion-MNIST experiment, Appendix E).
    Bernoulli,
    /// `h ~ N(0, 1)`: the Gaussian–Gaussian RBM that reduces to PCA.
    Gaussian,
}

impl HiddenPrior {
    /// Scalar cumulant `log E_h e^{y h}` (paper 003 eq. (6), one unit).
    pub fn phi1(self, y: f64) -> f64 {
        match self {
            HiddenPrior::Rademacher => {
                let a = y.abs();
                a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
            }
            HiddenPrior::Bernoulli => softplus(y) - std::f64::consts::LN_2,
            HiddenPrior::Gaussian => 0.5 * y * y,
        }
    }

    /// `E[h | y]`, the derivative of [`HiddenPrior::phi1`].
    pub fn dphi1(self, y: f64) -> f64 {
        match self {
            HiddenPrior::Rademacher => y.tanh(),
            HiddenPrior::Bernoulli => sigmoid(y),
            HiddenPrior::Gaussian => y,
        }
    }

    /// `Var[h | y]`, the second derivative of [`HiddenPrior::phi1`].
    pub fn d2phi1(self, y: f64) -> f64 {
        match self {
            HiddenPrior::Rademacher => {
                let t = y.tanh();
                1.0 - t * t
            }
            HiddenPrior::Bernoulli => {
                let s = sigmoid(y);
                s * (1.0 - s)
            }
            HiddenPrior::Gaussian => 1.0,
        }
    }

    /// Supremum of [`HiddenPrior::d2phi1`] over `y` (1, ¼, 1): the prox of AMP-RBM (eq. 17)
    /// is unique when `C ≺ I / sup φ''`.
    pub fn max_curvature(self) -> f64 {
        match self {
            HiddenPrior::Bernoulli => 0.25,
            _ => 1.0,
        }
    }

    /// Whether the prior is symmetric (`p(h) = p(−h)`), as Corollary 1 and the state
    /// evolutions of this module require.
    pub fn is_symmetric(self) -> bool {
        !matches!(self, HiddenPrior::Bernoulli)
    }

    /// The two values of a discrete unit, or `None` for the Gaussian prior.
    fn states(self) -> Option<(f64, f64)> {
        match self {
            HiddenPrior::Rademacher => Some((-1.0, 1.0)),
            HiddenPrior::Bernoulli => Some((0.0, 1.0)),
            HiddenPrior::Gaussian => None,
        }
    }
}

/// `log(1 + e^y)` without overflow.
pub(crate) fn softplus(y: f64) -> f64 {
    if y > 0.0 { y + (-y).exp().ln_1p() } else { y.exp().ln_1p() }
}

/// Logistic function.
pub(crate) fn sigmoid(y: f64) -> f64 {
    if y >= 0.0 {
        1.0 / (1.0 + (-y).exp())
    } else {
        let e = y.exp();
        e / (1.0 + e)
    }
}

/// Result of a tilted average over the hidden prior.
#[derive(Debug, Clone, PartialEq)]
pub struct Tilted {
    /// `log E_h exp(ℓᵀh + ½ hᵀMh)`.
    pub log_z: f64,
    /// Tilted mean `⟨h⟩` (length `k`).
    pub mean: Vec<f64>,
    /// Tilted second moment `⟨hhᵀ⟩`, `k × k` row-major.
    pub second: Vec<f64>,
}

/// Checks that `k` is enumerable for a discrete prior.
pub fn check_k(prior: HiddenPrior, k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidParameter { name: "k", value: 0.0, reason: "need at least one hidden unit" });
    }
    if prior.states().is_some() && k > MAX_ENUM_K {
        return Err(Error::InvalidParameter {
            name: "k",
            value: k as f64,
            reason: "too many hidden units for exact 2^k enumeration (max 20)",
        });
    }
    Ok(())
}

/// Tilted average `log E_{h~P_h} exp(ℓᵀh + ½ hᵀMh)` with `⟨h⟩` and `⟨hhᵀ⟩` under the
/// tilted law (`M` symmetric, `k × k` row-major). This is the model term of Theorem 1 with
/// biases, (D-1) of THEORY_003 (`ℓ = c + Wᵀm/√d`, `M = WᵀD_sW/d`), and `F(Q)`, `Γ(Q)` of
/// eqs. (7), (10) at `ℓ = 0`, `M = Q`.
///
/// Discrete priors: exact enumeration of the `2^k` states, cost `O(2^k k²)` (the `k²`
/// from accumulating `⟨hhᵀ⟩`). Gaussian prior: closed form, requires `M ≺ I`.
///
/// Errors: `k` is 0 or above [`MAX_ENUM_K`] for a discrete prior; wrong slice lengths;
/// `M` not `≺ I` for the Gaussian prior; non-finite inputs.
pub fn tilted(prior: HiddenPrior, lin: &[f64], quad: &[f64]) -> Result<Tilted> {
    let k = lin.len();
    check_k(prior, k)?;
    if quad.len() != k * k {
        return Err(Error::InvalidParameter {
            name: "quad",
            value: quad.len() as f64,
            reason: "quadratic form must be k × k",
        });
    }
    if lin.iter().chain(quad).any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("tilted average input"));
    }
    match prior.states() {
        None => tilted_gaussian(lin, quad),
        Some((lo, hi)) => Ok(tilted_discrete(lo, hi, lin, quad)),
    }
}

fn tilted_gaussian(lin: &[f64], quad: &[f64]) -> Result<Tilted> {
    let k = lin.len();
    let mut a = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            a[i * k + j] = if i == j { 1.0 } else { 0.0 } - quad[i * k + j];
        }
    }
    let l = linalg::cholesky(&a, k).ok_or(Error::InvalidParameter {
        name: "Q",
        value: quad.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        reason: "Gaussian hidden units need Q ≺ I (F(Q) = +∞ otherwise)",
    })?;
    let logdet: f64 = (0..k).map(|i| 2.0 * l[i * k + i].ln()).sum();
    let inv = linalg::inverse(&a, k).ok_or(Error::NonFinite("(I − Q)^{-1}"))?;
    let mean = linalg::matmul(&inv, lin, k, k, 1);
    let quad_form: f64 = lin.iter().zip(&mean).map(|(a, b)| a * b).sum();
    let mut second = inv;
    for i in 0..k {
        for j in 0..k {
            second[i * k + j] += mean[i] * mean[j];
        }
    }
    Ok(Tilted { log_z: -0.5 * logdet + 0.5 * quad_form, mean, second })
}

/// Partial sums of one block, all relative to the block maximum `shift`.
struct Partial {
    shift: f64,
    s0: f64,
    s1: Vec<f64>,
    s2: Vec<f64>, // upper triangle incl. diagonal, row-major k×k storage
}

fn tilted_discrete(lo: f64, hi: f64, lin: &[f64], quad: &[f64]) -> Tilted {
    let k = lin.len();
    let total: usize = 1 << k;
    let nblocks = total.div_ceil(BLOCK);
    let run = |blk: usize| -> Partial {
        let start = blk * BLOCK;
        let end = (start + BLOCK).min(total);
        let mut h = vec![0.0; k];
        let mut g = vec![0.0; k]; // M h
        let mut p = Partial { shift: f64::NEG_INFINITY, s0: 0.0, s1: vec![0.0; k], s2: vec![0.0; k * k] };
        let mut energy = 0.0;
        for i in start..end {
            let gray = i ^ (i >> 1);
            if i == start {
                for (a, ha) in h.iter_mut().enumerate() {
                    *ha = if (gray >> a) & 1 == 1 { hi } else { lo };
                }
                for a in 0..k {
                    g[a] = (0..k).map(|b| quad[a * k + b] * h[b]).sum();
                }
                energy = (0..k).map(|a| lin[a] * h[a] + 0.5 * h[a] * g[a]).sum();
            } else {
                let j = i.trailing_zeros() as usize;
                let new = if (gray >> j) & 1 == 1 { hi } else { lo };
                let delta = new - h[j];
                energy += delta * (lin[j] + g[j] + 0.5 * quad[j * k + j] * delta);
                for a in 0..k {
                    g[a] += quad[a * k + j] * delta;
                }
                h[j] = new;
            }
            if energy > p.shift {
                let f = (p.shift - energy).exp();
                if f != 1.0 {
                    p.s0 *= f;
                    p.s1.iter_mut().for_each(|v| *v *= f);
                    p.s2.iter_mut().for_each(|v| *v *= f);
                }
                p.shift = energy;
            }
            let w = (energy - p.shift).exp();
            p.s0 += w;
            for a in 0..k {
                let wa = w * h[a];
                if wa != 0.0 {
                    p.s1[a] += wa;
                    for b in a..k {
                        p.s2[a * k + b] += wa * h[b];
                    }
                }
            }
        }
        p
    };
    let parts: Vec<Partial> = if nblocks == 1 { vec![run(0)] } else { (0..nblocks).into_par_iter().map(run).collect() };
    let shift = parts.iter().map(|p| p.shift).fold(f64::NEG_INFINITY, f64::max);
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; k];
    let mut s2 = vec![0.0; k * k];
    for p in &parts {
        let f = (p.shift - shift).exp();
        s0 += f * p.s0;
        for a in 0..k {
            s1[a] += f * p.s1[a];
            for b in a..k {
                s2[a * k + b] += f * p.s2[a * k + b];
            }
        }
    }
    let mean: Vec<f64> = s1.iter().map(|v| v / s0).collect();
    let mut second = vec![0.0; k * k];
    for a in 0..k {
        for b in a..k {
            let v = s2[a * k + b] / s0;
            second[a * k + b] = v;
            second[b * k + a] = v;
        }
    }
    Tilted { log_z: shift + s0.ln() - k as f64 * std::f64::consts::LN_2, mean, second }
}

/// `F(Q) = log E_h e^{½ hᵀQh}` (paper 003 eq. (7); `Q` is `k × k`). See [`tilted`] for errors.
pub fn f_reg(prior: HiddenPrior, q: &Array2<f64>) -> Result<f64> {
    let k = q.nrows();
    let flat: Vec<f64> = q.iter().cloned().collect();
    Ok(tilted(prior, &vec![0.0; k], &flat)?.log_z)
}

/// `Γ(Q) = E_{P̃_Q}[hhᵀ]` with `P̃_Q ∝ P_h e^{½ hᵀQh}` (paper 003 eq. (10); `2∇F(Q)` when the
/// entries of `Q` are treated as independent). See [`tilted`] for errors.
pub fn gamma(prior: HiddenPrior, q: &Array2<f64>) -> Result<Array2<f64>> {
    let k = q.nrows();
    let flat: Vec<f64> = q.iter().cloned().collect();
    let t = tilted(prior, &vec![0.0; k], &flat)?;
    Ok(Array2::from_shape_vec((k, k), t.second).expect("k × k"))
}
