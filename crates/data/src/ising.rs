//! One-dimensional Ising ring with periodic boundary conditions, sampled exactly (paper 002 §3).
//!
//! `P(v) ∝ exp(β Σ_{i=1}^{N} v_i v_{i+1})`, `v_{N+1} ≡ v_1`, `v ∈ {±1}^N`, zero field. This is the
//! two-state ring of [`crate::ring`] with kernel `k = (e^β, e^{−β})` (same / opposite
//! neighbours), sampled by the exact transfer-matrix conditional chain described there (no
//! rejection, no burn-in).
//!
//! Exact statistics (transfer matrix, eigenvalues `2 cosh β`, `2 sinh β`, `t = tanh β`):
//! `⟨v_i v_{i+d}⟩ = (t^d + t^{N−d}) / (1 + t^N)`, magnetisation `⟨v_i⟩ = 0`, correlation length
//! `ξ = −1/ln t` (paper 002 Fig. 2 quotes ξ ≃ 3.7 at β = 1: `−1/ln tanh 1 = 3.67`).

use ndarray::Array2;

use crate::Encoding;
use crate::error::{Result, invalid};
use crate::ring::RingSampler;
use crate::rng::fill_rows;

/// The Ising ring teacher with its sampling tables.
#[derive(Debug, Clone)]
pub struct IsingRing {
    n: usize,
    beta: f64,
    sampler: RingSampler,
}

impl IsingRing {
    /// Ising ring of `n ≥ 2` spins at inverse temperature `β ≥ 0` (paper 002 §3, Fig. 2).
    pub fn new(n: usize, beta: f64) -> Result<Self> {
        if n < 2 {
            return invalid(format!("Ising ring needs N ≥ 2 spins, got {n}"));
        }
        if !(beta.is_finite() && beta >= 0.0) {
            return invalid(format!("Ising ring inverse temperature must be finite and ≥ 0, got {beta}"));
        }
        if beta > 300.0 {
            return invalid(format!("Ising ring β = {beta} overflows the transfer matrix (use β ≤ 300)"));
        }
        let sampler = RingSampler::new(n, &[beta.exp(), (-beta).exp()]);
        Ok(Self { n, beta, sampler })
    }

    /// Number of spins `N`.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Inverse temperature `β`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Exact `⟨v_i v_{i+d}⟩ = (t^d + t^{N−d})/(1 + t^N)`, `t = tanh β` (transfer matrix, PBC);
    /// `d` is taken modulo `N`.
    pub fn correlation(&self, d: usize) -> f64 {
        let t = self.beta.tanh();
        let d = d % self.n;
        (t.powi(d as i32) + t.powi((self.n - d) as i32)) / (1.0 + t.powi(self.n as i32))
    }

    /// Correlation length `ξ = −1/ln tanh β` of the infinite chain (paper 002 §3).
    pub fn correlation_length(&self) -> f64 {
        -1.0 / self.beta.tanh().ln()
    }

    /// Exact mean energy per bond `⟨v_i v_{i+1}⟩` (equal to [`Self::correlation`] at `d = 1`).
    pub fn bond_energy(&self) -> f64 {
        self.correlation(1)
    }

    /// Draws `n_samples` exact, independent ring configurations (one per row) in the requested
    /// encoding. Parallel over blocks of rows; the result depends only on `(seed, N, β)`.
    pub fn sample(&self, n_samples: usize, seed: u64, encoding: Encoding) -> Result<Array2<i8>> {
        let (up, down) = (encoding.encode(1), encoding.encode(-1));
        let mut out = Array2::<i8>::zeros((n_samples, self.n));
        fill_rows(
            &mut out,
            seed,
            || (),
            |_, rng, _, mut row| {
                let row = row.as_slice_mut().expect("standard layout");
                self.sampler.sample(rng, |i, s| row[i] = if s == 0 { up } else { down });
            },
        );
        Ok(out)
    }
}
