//! Curie–Weiss model with a pattern (Mattis state), sampled exactly (paper 001 §4.1).
//!
//! The measure on `v ∈ {±1}^N` is `P(v) ∝ exp(β M² / 2N)` with the overlap `M = Σ_i ξ_i v_i`
//! and a pattern `ξ ∈ {±1}^N` (paper 001 §4.1; its printed formula was lost in extraction, this
//! is the standard CW/Mattis form whose critical point is `β_c = 1`, as the paper states).
//!
//! Exact sampler: the gauge `s_i = ξ_i v_i` maps the model to the uniform-pattern CW model, whose
//! number `k` of `s_i = +1` has the law `P(k) ∝ C(N, k) exp(β (2k − N)² / 2N)`
//! (the multiplicity times the Boltzmann weight). We draw `k` from this finite law by inverse CDF,
//! then the set of `k` aligned sites uniformly (all configurations with the same `k` are equally
//! likely), and set `v_i = ξ_i s_i`. No Markov chain, no burn-in.

use ndarray::{Array1, Array2};
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::Encoding;
use crate::counts::{Discrete, ln_binomial_row, scatter_signs};
use crate::error::{Result, invalid};
use crate::rng::{fill_rows, stream_rng};

/// A Curie–Weiss teacher with pattern `ξ` at inverse temperature `β` and its exact overlap law.
#[derive(Debug, Clone)]
pub struct CurieWeiss {
    pattern: Array1<i8>,
    beta: f64,
    law: Discrete,
}

/// Draws `n` independent uniform ±1 entries from `rng` (used for random patterns).
pub fn random_spins(n: usize, rng: &mut Xoshiro256PlusPlus) -> Array1<i8> {
    Array1::from_shape_fn(n, |_| if rng.random::<bool>() { 1 } else { -1 })
}

impl CurieWeiss {
    /// Curie–Weiss model `P(v) ∝ exp(β (ξ·v)² / 2N)` (paper 001 §4.1) with the given ±1 pattern.
    pub fn new(pattern: Array1<i8>, beta: f64) -> Result<Self> {
        let n = pattern.len();
        if n == 0 {
            return invalid("Curie–Weiss needs N ≥ 1 sites");
        }
        if !(beta.is_finite() && beta >= 0.0) {
            return invalid(format!("Curie–Weiss inverse temperature must be finite and ≥ 0, got {beta}"));
        }
        if let Some(x) = pattern.iter().find(|&&x| x != 1 && x != -1) {
            return invalid(format!("Curie–Weiss pattern entries must be ±1, found {x}"));
        }
        let lnc = ln_binomial_row(n);
        let nf = n as f64;
        let logw: Vec<f64> = (0..=n)
            .map(|k| {
                let m = 2.0 * k as f64 - nf;
                lnc[k] + beta * m * m / (2.0 * nf)
            })
            .collect();
        Ok(Self { pattern, beta, law: Discrete::from_log_weights(&logw) })
    }

    /// Curie–Weiss model with a uniformly random ±1 pattern drawn from stream `(seed, 0)`.
    pub fn with_random_pattern(n: usize, beta: f64, seed: u64) -> Result<Self> {
        let mut rng = stream_rng(seed, 0);
        Self::new(random_spins(n, &mut rng), beta)
    }

    /// Number of sites `N`.
    pub fn n(&self) -> usize {
        self.pattern.len()
    }

    /// Inverse temperature `β`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The pattern `ξ` (±1).
    pub fn pattern(&self) -> &Array1<i8> {
        &self.pattern
    }

    /// Exact law of the number `k` of sites with `ξ_i v_i = +1`: entry `k` is
    /// `P(k) = C(N,k) e^{β(2k−N)²/2N} / Z`, `k = 0..=N`; the overlap is `m = (2k − N)/N`.
    pub fn overlap_pmf(&self) -> &[f64] {
        self.law.pmf()
    }

    /// The overlap values `m_k = (2k − N)/N` matching [`Self::overlap_pmf`].
    pub fn overlap_values(&self) -> Vec<f64> {
        let n = self.n() as f64;
        (0..=self.n()).map(|k| (2.0 * k as f64 - n) / n).collect()
    }

    /// Exact finite-N `⟨|m|⟩`, `m = ξ·v/N` (tends to the root of `m = tanh βm` as `N → ∞`).
    pub fn mean_abs_overlap(&self) -> f64 {
        self.moment(|m| m.abs())
    }

    /// Exact finite-N `⟨m²⟩`.
    pub fn mean_sq_overlap(&self) -> f64 {
        self.moment(|m| m * m)
    }

    /// Exact connected site correlation `⟨v_i v_j⟩ = ξ_i ξ_j (N⟨m²⟩ − 1)/(N − 1)` for `i ≠ j`
    /// (from `Σ_{i≠j} s_i s_j = M² − N` and exchangeability); returns the factor multiplying `ξ_i ξ_j`.
    pub fn pair_correlation(&self) -> f64 {
        let n = self.n() as f64;
        if self.n() < 2 {
            return 0.0;
        }
        (n * self.mean_sq_overlap() - 1.0) / (n - 1.0)
    }

    fn moment(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.overlap_values().iter().zip(self.law.pmf()).map(|(m, p)| f(*m) * p).sum()
    }

    /// Draws `n_samples` exact, independent configurations (one per row), in the requested
    /// encoding. Parallel over blocks of rows; the result depends only on `(seed, self)`.
    pub fn sample(&self, n_samples: usize, seed: u64, encoding: Encoding) -> Result<Array2<i8>> {
        let n = self.n();
        let mut out = Array2::<i8>::zeros((n_samples, n));
        fill_rows(
            &mut out,
            seed,
            || (0..n).collect::<Vec<usize>>(),
            |idx, rng, _, mut row| {
                let k = self.law.sample(rng);
                scatter_signs(idx, k, rng, |i, s| row[i] = encoding.encode(s * self.pattern[i]));
            },
        );
        Ok(out)
    }
}
