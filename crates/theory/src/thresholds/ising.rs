//! One-dimensional Ising ring `p ∝ exp(β Σ_i v_i v_{i+1})`, ±1 spins, periodic
//! (paper 002 eqs. 8–9, 26–27).

use super::{check_beta, check_r};
use crate::error::{Result, ensure};

/// `−ln tanh β = ln coth β`, computed stably as `2 artanh(e^{−2β})` (no cancellation at
/// large β).
fn ln_coth(beta: f64) -> f64 {
    2.0 * (-2.0 * beta).exp().atanh()
}

/// Correlation length `ξ(β) = 1/ln coth β` of paper 002 eq. (9), defined by
/// `⟨v_i v_{i+d}⟩ = (tanh β)^d = e^{−d/ξ}` on the infinite chain (ξ(1) = 3.672;
/// the paper's "ξ ≃ 3.7"). `ξ(0) = 0`.
///
/// Errors: `beta < 0` or non-finite.
pub fn xi(beta: f64) -> Result<f64> {
    check_beta(beta)?;
    if beta == 0.0 {
        return Ok(0.0);
    }
    Ok(1.0 / ln_coth(beta))
}

/// Exact spin–spin correlation at distance `d` on the periodic ring of `n_sites` sites:
/// `⟨v_i v_{i+d}⟩ = (t^d + t^{N−d})/(1 + t^N)`, `t = tanh β` (transfer matrix with
/// eigenvalues `2cosh β`, `2sinh β`); eq. (9) is its `N → ∞` limit.
///
/// Errors: `beta < 0`, `n_sites == 0`, `d >= n_sites`.
pub fn ring_correlation(beta: f64, n_sites: usize, d: usize) -> Result<f64> {
    check_beta(beta)?;
    ensure(n_sites >= 1, "n_sites", n_sites as f64, "need at least one site")?;
    ensure(d < n_sites, "d", d as f64, "distance must be < n_sites")?;
    let t = beta.tanh();
    let tn = t.powi(n_sites as i32);
    Ok((t.powi(d as i32) + t.powi((n_sites - d) as i32)) / (1.0 + tn))
}

/// Large-N top eigenvalue of the Ising correlation matrix, paper 002 eq. (26):
/// `Λ_Ising = (1 + tanh β)/(1 − tanh β) = e^{2β}`.
///
/// Errors: `beta < 0` or non-finite.
pub fn lambda_ising(beta: f64) -> Result<f64> {
    check_beta(beta)?;
    Ok((2.0 * beta).exp())
}

/// Exact top eigenvalue of the correlation matrix of the N-site periodic ring
/// (finite-N version of eq. 26): C is circulant with positive entries, so its top
/// eigenvector is uniform and `Λ_N = Σ_d ⟨v_0 v_d⟩ = e^{2β}(1 − t^N)/(1 + t^N)
/// = e^{2β} tanh(N/(2ξ))` (summing the geometric series of [`ring_correlation`]).
///
/// Errors: `beta < 0`, `n_sites == 0`.
pub fn lambda_ising_finite(beta: f64, n_sites: usize) -> Result<f64> {
    check_beta(beta)?;
    ensure(n_sites >= 1, "n_sites", n_sites as f64, "need at least one site")?;
    if beta == 0.0 {
        return Ok(1.0);
    }
    Ok((2.0 * beta).exp() * (0.5 * n_sites as f64 * ln_coth(beta)).tanh())
}

/// Inverse temperature at which `Λ_Ising = e^{2β}` meets the MP edge `(1 + √r)²`,
/// paper 002 eq. (27): `β(r) = log(1 + √r)` (β(0.01) = 0.0953).
///
/// Errors: `r <= 0` or non-finite.
pub fn beta_crossing(r: f64) -> Result<f64> {
    check_r(r)?;
    Ok(r.sqrt().ln_1p())
}

/// Inverse of [`beta_crossing`]: the noise ratio `r_c(β) = (e^β − 1)²` below which the
/// Ising signal eigenvalue exceeds the MP edge (r_c(0.5) = 0.4208).
///
/// Errors: `beta <= 0` or non-finite.
pub fn r_crossing(beta: f64) -> Result<f64> {
    ensure(beta > 0.0, "beta", beta, "inverse temperature must be > 0 for a crossing")?;
    Ok(beta.exp_m1().powi(2))
}

/// Noise ratio at which the *finite-N* signal `Λ_N` ([`lambda_ising_finite`]) meets the
/// MP edge `(1+√r)²`: `r = (√Λ_N − 1)²`.
///
/// Errors: `beta <= 0`, `n_sites < 2`.
pub fn r_crossing_finite(beta: f64, n_sites: usize) -> Result<f64> {
    ensure(beta > 0.0, "beta", beta, "inverse temperature must be > 0 for a crossing")?;
    ensure(n_sites >= 2, "n_sites", n_sites as f64, "need at least two sites")?;
    Ok((lambda_ising_finite(beta, n_sites)?.sqrt() - 1.0).powi(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_beta_is_stable() {
        // All spins aligned: Λ_N → N.
        let l = lambda_ising_finite(25.0, 50).unwrap();
        assert!((l - 50.0).abs() < 1e-6, "{l}");
        assert!(xi(25.0).unwrap() > 1e20);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(xi(-0.1).is_err());
        assert!(lambda_ising(f64::NAN).is_err());
        assert!(beta_crossing(0.0).is_err());
        assert!(beta_crossing(-1.0).is_err());
        assert!(r_crossing(0.0).is_err());
        assert!(ring_correlation(0.5, 10, 10).is_err());
        assert!(lambda_ising_finite(0.5, 0).is_err());
    }
}
