//! Discretised XY ring: a `P`-state Potts ring with kernel `cos(2π(v − v')/P)` (paper 002 §4).
//!
//! `P(v) ∝ exp(β Σ_i cos(2π(v_i − v_{i+1})/P))`, `v_i ∈ {0, …, P−1}`, periodic boundary
//! conditions. Sampled exactly by the ring transfer-matrix conditional chain of [`crate::ring`].
//!
//! Exact statistics: the transfer matrix is circulant with eigenvalues (paper 002 eq. (29))
//! `λ_p = Σ_{v=0}^{P−1} e^{β cos(2πv/P)} cos(2πvp/P)`. Writing `D = diag(e^{2πiv/P})`, which
//! shifts the Fourier index by one, `⟨e^{2πi(v_i − v_{i+d})/P}⟩ = Tr(D K^d D† K^{N−d}) / Tr K^N`,
//! hence the finite-ring result
//! `⟨cos(2π(v_i − v_{i+d})/P)⟩ = Σ_p λ_{p+1}^d λ_p^{N−d} / Σ_p λ_p^N` (indices mod P), which
//! tends to `(λ_1/λ_0)^d` as `N → ∞` (re-derived here; paper 002 states the limit).

use ndarray::Array2;

use crate::error::{Result, invalid};
use crate::ring::{RingSampler, pair_law};
use crate::rng::fill_rows;

/// The discretised XY (cosine-kernel Potts) ring teacher.
#[derive(Debug, Clone)]
pub struct XyRing {
    n: usize,
    p: usize,
    beta: f64,
    kernel: Vec<f64>,
    sampler: RingSampler,
}

/// Paper 002 eq. (29): `λ_q(β) = Σ_{v=0}^{P−1} e^{β cos(2πv/P)} cos(2πvq/P)` for `q = 0..P`.
pub fn xy_eigenvalues(beta: f64, p: usize) -> Vec<f64> {
    let tau = std::f64::consts::TAU;
    (0..p)
        .map(|q| {
            (0..p)
                .map(|v| {
                    let a = tau * v as f64 / p as f64;
                    (beta * a.cos()).exp() * (a * q as f64).cos()
                })
                .sum()
        })
        .collect()
}

impl XyRing {
    /// XY ring of `n ≥ 2` sites with `p ≥ 2` Potts states at inverse temperature `β ≥ 0`
    /// (paper 002 §4, Fig. 8 uses N = 100, P = 10, β = 1.5).
    pub fn new(n: usize, p: usize, beta: f64) -> Result<Self> {
        if n < 2 {
            return invalid(format!("XY ring needs N ≥ 2 sites, got {n}"));
        }
        if !(2..=255).contains(&p) {
            return invalid(format!("XY ring needs 2 ≤ P ≤ 255 states, got {p}"));
        }
        if !(beta.is_finite() && (0.0..=300.0).contains(&beta)) {
            return invalid(format!("XY ring inverse temperature must be in [0, 300], got {beta}"));
        }
        let tau = std::f64::consts::TAU;
        let kernel: Vec<f64> = (0..p).map(|d| (beta * (tau * d as f64 / p as f64).cos()).exp()).collect();
        let sampler = RingSampler::new(n, &kernel);
        Ok(Self { n, p, beta, kernel, sampler })
    }

    /// Number of sites `N`.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of Potts states `P`.
    pub fn states(&self) -> usize {
        self.p
    }

    /// Inverse temperature `β`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Transfer-matrix eigenvalues `λ_q`, `q = 0..P` (paper 002 eq. (29)).
    pub fn eigenvalues(&self) -> Vec<f64> {
        xy_eigenvalues(self.beta, self.p)
    }

    /// Exact finite-ring `⟨cos(2π(v_i − v_{i+d})/P)⟩ = Σ_q λ_{q+1}^d λ_q^{N−d} / Σ_q λ_q^N`
    /// (module docs; `d` modulo `N`).
    pub fn cos_correlation(&self, d: usize) -> f64 {
        let lam = self.eigenvalues();
        let (d, n, p) = (d % self.n, self.n as i32, self.p);
        let r: Vec<f64> = lam.iter().map(|l| l / lam[0]).collect();
        let num: f64 = (0..p).map(|q| r[(q + 1) % p].powi(d as i32) * r[q].powi(n - d as i32)).sum();
        let den: f64 = r.iter().map(|x| x.powi(n)).sum();
        num / den
    }

    /// Infinite-ring limit `(λ_1/λ_0)^d` of [`Self::cos_correlation`] (paper 002 §4).
    pub fn cos_correlation_limit(&self, d: usize) -> f64 {
        let lam = self.eigenvalues();
        (lam[1] / lam[0]).powi(d as i32)
    }

    /// Exact joint law `P(v_i = a, v_{i+d} = b)` as a `P × P` matrix (`d` modulo `N`), from the
    /// transfer matrix `K^d(a,b) K^{N−d}(b,a) / Tr K^N` (the pair statistics behind paper 002 eq. (28)).
    pub fn pair_probability(&self, d: usize) -> Array2<f64> {
        let w = pair_law(self.n, &self.kernel, d % self.n);
        Array2::from_shape_vec((self.p, self.p), w).expect("P × P")
    }

    /// Exact one-hot covariance between sites `i` and `i + d` in paper 002's normalisation,
    /// `C(a, b) = P²/(P−1) · (P(v_i = a, v_{i+d} = b) − 1/P²)` (`P × P`). For `N → ∞` it equals
    /// eq. (28), `(1/(P−1)) Σ_{p=1}^{P−1} (λ_p/λ_0)^d cos(2πp(a−b)/P)`; at `d = 0` it is 1 on the
    /// diagonal and `−1/(P−1)` off it.
    pub fn one_hot_covariance(&self, d: usize) -> Array2<f64> {
        let p = self.p as f64;
        self.pair_probability(d).mapv(|x| p * p / (p - 1.0) * (x - 1.0 / (p * p)))
    }

    /// Draws `n_samples` exact, independent configurations (one per row, states `0..P`).
    /// Parallel over blocks of rows; the result depends only on `(seed, N, P, β)`.
    pub fn sample(&self, n_samples: usize, seed: u64) -> Result<Array2<u8>> {
        let mut out = Array2::<u8>::zeros((n_samples, self.n));
        fill_rows(
            &mut out,
            seed,
            || (),
            |_, rng, _, mut row| {
                let row = row.as_slice_mut().expect("standard layout");
                self.sampler.sample(rng, |i, s| row[i] = s as u8);
            },
        );
        Ok(out)
    }
}
