//! Random-matrix thresholds of retarded learning (paper 002 §5.1).
//!
//! The linearised learning dynamics (23) aligns the weights with the top eigenvector
//! of the empirical correlation matrix C (24). Learning picks up the structure of the
//! data when the top eigenvalue of the *population* correlation matrix (the "signal",
//! Λ_Ising or Λ_XY) exceeds the right edge of the Marchenko–Pastur spectrum of a null
//! model of independent units (the "noise"), whose position depends on the ratio
//! `r = N/S` (sites over samples).
//!
//! * [`mp`]: Marchenko–Pastur density and edges (eq. 25), and the Potts null model —
//!   the printed eq. (31) *and* the edge of the simulated null model (see below).
//! * [`ising`]: 1D Ising ring — correlation length ξ (eq. 9), exact ring correlations,
//!   Λ_Ising finite-N and `e^{2β}` (eq. 26), the crossing `β(r) = log(1+√r)` (eq. 27).
//! * [`xy`]: discretised XY (Potts) ring — λ_p (eq. 29), Λ_XY (eq. 30), the
//!   correlation matrix (eq. 28), the crossings of Λ_XY with the two noise edges.
//! * [`curves`]: tables for the pipeline (threshold curves with `r`, `beta`, `lambda`
//!   columns).
//!
//! # Potts noise edge: printed eq. (31) versus the null model
//!
//! One-hot Potts data with correlations scaled by `P²/(P−1)` (so that `C_ii(a,a) = 1`
//! and `C_ii(a,b) = −1/(P−1)`, as in eq. 28) has, for independent uniform sites, the
//! population matrix `(P/(P−1))·Π` where Π projects on the `N(P−1)`-dimensional zero-sum
//! subspace (the `N` all-ones-per-site directions have eigenvalue 0 exactly). The
//! sample matrix of S samples is therefore a Marchenko–Pastur matrix of variance
//! `σ² = P/(P−1)` and ratio `γ = N(P−1)/S = r(P−1)` on that subspace, with right edge
//! `(P/(P−1))(1 + √(r(P−1)))²` (re-derived here; FIGURES.md measured it by simulation:
//! 6.01 vs 6.09 at r = 0.2). The printed eq. (31), `P/(P−1) + (1 + √(rP))²`, adds the
//! population eigenvalue to the MP edge of ratio `rP` instead of multiplying, and
//! overestimates the edge (6.94 at r = 0.2); for P = 2 it also fails to reduce to twice
//! the Ising edge `2(1+√r)²`, which the null-model formula does. The paper's quoted
//! crossing `r ≃ 0.066` comes from eq. (31) (0.0658 at β = 1.5, P = 10); the null-model
//! edge crosses Λ_XY at r ≈ 0.108. Both are provided; figures should plot eq. (31) to
//! reproduce the paper and may overlay the null-model edge.

pub mod curves;
pub mod ising;
pub mod mp;
pub mod xy;

use crate::error::{Result, ensure};

/// Checks `beta >= 0` and finite (shared by the submodules).
pub(crate) fn check_beta(beta: f64) -> Result<()> {
    ensure(beta >= 0.0, "beta", beta, "inverse temperature must be >= 0")
}

/// Checks `r > 0` and finite.
pub(crate) fn check_r(r: f64) -> Result<()> {
    ensure(r > 0.0, "r", r, "noise ratio N/S must be > 0")
}

/// Checks the number of Potts states `P >= 2`.
pub(crate) fn check_states(n_states: usize) -> Result<()> {
    ensure(n_states >= 2, "n_states", n_states as f64, "a Potts variable needs P >= 2 states")
}
