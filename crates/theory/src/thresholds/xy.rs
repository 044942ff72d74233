//! Discretised XY (clock/Potts) ring `p ∝ exp(β Σ_i cos(2π(v_i − v_{i+1})/P))`,
//! `v_i ∈ {0, …, P−1}` (paper 002 eqs. 14–15, 28–31).
//!
//! Correlations are those of the one-hot encoding scaled by `P²/(P−1)`, so that
//! `C_ii(a, a) = 1` and `C_ii(a, b) = −1/(P−1)` for `a ≠ b` (eq. 28 at `i = j`).

use super::{check_beta, check_states};
use crate::error::{Error, Result, ensure};
use ndarray::Array2;

/// `e^{−β} λ_p(β)`, overflow-free for large β.
fn scaled_lambda(beta: f64, n_states: usize, p: usize) -> f64 {
    let pf = n_states as f64;
    (0..n_states)
        .map(|v| {
            let a = 2.0 * std::f64::consts::PI * v as f64 / pf;
            (beta * (a.cos() - 1.0)).exp() * (a * p as f64).cos()
        })
        .sum()
}

/// Eigenvalue `λ_p(β) = Σ_{v=0}^{P−1} exp[β cos(2πv/P)] cos(2πvp/P)` of the circulant
/// transfer matrix, paper 002 eq. (29).
///
/// Errors: `beta < 0`, `n_states < 2`, `p >= n_states`.
pub fn lambda_p(beta: f64, n_states: usize, p: usize) -> Result<f64> {
    check_beta(beta)?;
    check_states(n_states)?;
    ensure(p < n_states, "p", p as f64, "mode index must be < P")?;
    let v = beta.exp() * scaled_lambda(beta, n_states, p);
    if !v.is_finite() {
        return Err(Error::NonFinite("lambda_p (beta too large)"));
    }
    Ok(v)
}

/// Ratio `λ_p(β)/λ_0(β)` (eq. 29), the per-site decay of the p-th angular harmonic:
/// `⟨cos(2πp(v_i − v_{i+d})/P)⟩ = (λ_p/λ_0)^d` on the infinite chain
/// (λ₁/λ₀ = 0.5961 at β = 1.5, P = 10). Finite for any β.
///
/// Errors: as [`lambda_p`].
pub fn lambda_ratio(beta: f64, n_states: usize, p: usize) -> Result<f64> {
    check_beta(beta)?;
    check_states(n_states)?;
    ensure(p < n_states, "p", p as f64, "mode index must be < P")?;
    Ok(scaled_lambda(beta, n_states, p) / scaled_lambda(beta, n_states, 0))
}

/// Top eigenvalue of the XY correlation matrix, paper 002 eq. (30):
/// `Λ_XY = (P/(P−1)) (λ_0 + λ_1)/(λ_0 − λ_1)` (4.3913 at β = 1.5, P = 10); its eigenspace is
/// spanned by the spatially uniform `cos(2πv/P)`, `sin(2πv/P)` modes.
///
/// Errors: `beta < 0`, `n_states < 2`.
pub fn lambda_xy(beta: f64, n_states: usize) -> Result<f64> {
    let rho = lambda_ratio(beta, n_states, 1)?;
    let p = n_states as f64;
    Ok(p / (p - 1.0) * (1.0 + rho) / (1.0 - rho))
}

/// Angular correlation length `ξ_XY = −1/ln(λ_1/λ_0)` (1.93 at β = 1.5, P = 10); 0 at β = 0.
///
/// Errors: `beta < 0`, `n_states < 2`.
pub fn xi_xy(beta: f64, n_states: usize) -> Result<f64> {
    let rho = lambda_ratio(beta, n_states, 1)?;
    if rho <= 0.0 {
        return Ok(0.0);
    }
    Ok(-1.0 / rho.ln())
}

/// One entry of the infinite-chain XY correlation matrix, paper 002 eq. (28):
/// `C_ij(a, b) = (1/(P−1)) Σ_{p=1}^{P−1} (λ_p/λ_0)^d cos(2πp(a − b)/P)` with `d = |i − j|`.
///
/// Errors: `beta < 0`, `n_states < 2`, `a` or `b >= n_states`.
pub fn xy_correlation(beta: f64, n_states: usize, d: usize, a: usize, b: usize) -> Result<f64> {
    check_beta(beta)?;
    check_states(n_states)?;
    ensure(a < n_states && b < n_states, "state", a.max(b) as f64, "Potts states must be < P")?;
    let ratios = (1..n_states).map(|p| lambda_ratio(beta, n_states, p)).collect::<Result<Vec<_>>>()?;
    Ok(entry(&ratios, n_states, d, a as isize - b as isize))
}

fn entry(ratios: &[f64], n_states: usize, d: usize, delta: isize) -> f64 {
    let pf = n_states as f64;
    let s: f64 = ratios
        .iter()
        .enumerate()
        .map(|(q, r)| {
            let p = (q + 1) as f64;
            r.powi(d as i32) * (2.0 * std::f64::consts::PI * p * delta as f64 / pf).cos()
        })
        .sum();
    s / (pf - 1.0)
}

/// The `NP × NP` XY correlation matrix of eq. (28) on a ring of `n_sites` sites, using
/// the ring (minimal-image) distance `d = min(|i−j|, N−|i−j|)`; row/column index
/// `i·P + a`. For `N ≫ ξ_XY` its top eigenvalue tends to [`lambda_xy`].
///
/// Errors: `beta < 0`, `n_states < 2`, `n_sites == 0`.
pub fn xy_correlation_matrix(beta: f64, n_states: usize, n_sites: usize) -> Result<Array2<f64>> {
    check_beta(beta)?;
    check_states(n_states)?;
    ensure(n_sites >= 1, "n_sites", n_sites as f64, "need at least one site")?;
    let ratios = (1..n_states).map(|p| lambda_ratio(beta, n_states, p)).collect::<Result<Vec<_>>>()?;
    // Table over (ring distance, state difference mod P).
    let dmax = n_sites / 2;
    let table: Vec<Vec<f64>> =
        (0..=dmax).map(|d| (0..n_states).map(|delta| entry(&ratios, n_states, d, delta as isize)).collect()).collect();
    let np = n_sites * n_states;
    Ok(Array2::from_shape_fn((np, np), |(r, c)| {
        let (i, a) = (r / n_states, r % n_states);
        let (j, b) = (c / n_states, c % n_states);
        let d = i.abs_diff(j);
        let d = d.min(n_sites - d);
        table[d][(a + n_states - b) % n_states]
    }))
}

/// Noise ratio at which `Λ_XY(β)` meets the printed noise edge eq. (31):
/// `r = (√(Λ_XY − P/(P−1)) − 1)²/P` (0.0658 at β = 1.5, P = 10, the paper's "r ≃ 0.066").
///
/// Errors: `beta < 0`, `n_states < 2`, or no crossing (`Λ_XY ≤ P/(P−1) + 1`, the
/// `r → 0` limit of eq. 31).
pub fn r_crossing_eq31(beta: f64, n_states: usize) -> Result<f64> {
    let l = lambda_xy(beta, n_states)?;
    let p = n_states as f64;
    let s = (l - p / (p - 1.0)).max(0.0).sqrt() - 1.0;
    ensure(s > 0.0, "beta", beta, "Lambda_XY is below the r -> 0 limit of eq. (31): no crossing")?;
    let r = s * s / p;
    Ok(r)
}

/// Noise ratio at which `Λ_XY(β)` meets the null-model Potts edge
/// `(P/(P−1))(1 + √(r(P−1)))²`: `r = (√(Λ_XY (P−1)/P) − 1)²/(P−1)` (≈ 0.108 at β = 1.5, P = 10).
///
/// Errors: `beta <= 0` (no crossing at β = 0), `n_states < 2`.
pub fn r_crossing_null(beta: f64, n_states: usize) -> Result<f64> {
    let l = lambda_xy(beta, n_states)?;
    let p = n_states as f64;
    let s = (l * (p - 1.0) / p).sqrt() - 1.0;
    ensure(s > 0.0, "beta", beta, "Lambda_XY equals the r -> 0 noise edge: no crossing")?;
    let r = s * s / (p - 1.0);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_states_reduce_to_ising() {
        // P = 2 is the Ising ring: λ1/λ0 = tanh β and Λ_XY = 2 e^{2β} (one-hot scaling).
        for beta in [0.1, 0.5, 1.5] {
            assert!((lambda_ratio(beta, 2, 1).unwrap() - f64::tanh(beta)).abs() < 1e-14);
            assert!((lambda_xy(beta, 2).unwrap() - 2.0 * (2.0 * beta).exp()).abs() < 1e-10);
        }
    }

    #[test]
    fn diagonal_block_of_eq28() {
        let c = xy_correlation_matrix(1.5, 10, 4).unwrap();
        for a in 0..10 {
            for b in 0..10 {
                let want = if a == b { 1.0 } else { -1.0 / 9.0 };
                assert!((c[[a, b]] - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(lambda_p(-1.0, 10, 1).is_err());
        assert!(lambda_p(1.0, 1, 0).is_err());
        assert!(lambda_p(1.0, 10, 10).is_err());
        assert!(lambda_xy(1.0, 1).is_err());
        assert!(r_crossing_null(0.0, 10).is_err());
        assert!(r_crossing_eq31(0.1, 10).is_err());
        assert!(xy_correlation_matrix(1.0, 10, 0).is_err());
    }
}
