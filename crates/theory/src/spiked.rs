//! Random-matrix thresholds of the spiked covariance model.
//!
//! Data `x = √λ c u + z` with a unit direction `u`, a unit-variance scalar `c` and
//! unit-variance i.i.d. noise `z`, so the population covariance is `I + λ u uᵀ`.
//! With `n` samples in dimension `d` and `γ = d / n`, the sample covariance
//! `Ĉ = XᵀX / n` has, as `n, d → ∞` at fixed `γ` (Baik–Ben Arous–Péché 2005;
//! Paul 2007; used by paper 002 §5.1 and paper 003's BBP discussion):
//!
//! * bulk edges `(1 ± √γ)²` (Marchenko–Pastur);
//! * for `λ > λ_c = √γ` an outlier at `(1 + λ)(1 + γ/λ)` whose eigenvector has squared
//!   overlap `(1 − γ/λ²)/(1 + γ/λ)` with `u`;
//! * for `λ ≤ √γ` the top eigenvalue sticks to the upper edge and the overlap vanishes.
//!
//! These are standard results, quoted rather than re-derived; the tests check them
//! against their limits and against simulation (in the pipeline's end-to-end tests).

use crate::error::{Result, ensure};

/// Marchenko–Pastur bulk edges `((1 − √γ)², (1 + √γ)²)` for aspect ratio `γ = d/n > 0`
/// (unit-variance entries).
pub fn mp_edges(gamma: f64) -> Result<(f64, f64)> {
    ensure(gamma > 0.0, "gamma", gamma, "aspect ratio d/n must be > 0")?;
    let s = gamma.sqrt();
    Ok(((1.0 - s).powi(2), (1.0 + s).powi(2)))
}

/// BBP weak-recovery threshold `λ_c = √γ` for aspect ratio `γ = d/n`.
pub fn bbp_threshold(gamma: f64) -> Result<f64> {
    ensure(gamma > 0.0, "gamma", gamma, "aspect ratio d/n must be > 0")?;
    Ok(gamma.sqrt())
}

/// Limit of the top sample-covariance eigenvalue: `(1 + λ)(1 + γ/λ)` above `√γ`,
/// the bulk edge `(1 + √γ)²` at or below.
pub fn bbp_top_eigenvalue(lambda: f64, gamma: f64) -> Result<f64> {
    ensure(lambda >= 0.0, "lambda", lambda, "signal-to-noise ratio must be >= 0")?;
    let (_, edge) = mp_edges(gamma)?;
    if lambda > gamma.sqrt() { Ok((1.0 + lambda) * (1.0 + gamma / lambda)) } else { Ok(edge) }
}

/// Limit of the squared overlap `(û·u)²` between the top sample eigenvector and the
/// spike: `(1 − γ/λ²)/(1 + γ/λ)` above `√γ`, zero at or below.
pub fn bbp_overlap2(lambda: f64, gamma: f64) -> Result<f64> {
    ensure(lambda >= 0.0, "lambda", lambda, "signal-to-noise ratio must be >= 0")?;
    ensure(gamma > 0.0, "gamma", gamma, "aspect ratio d/n must be > 0")?;
    if lambda > gamma.sqrt() { Ok((1.0 - gamma / (lambda * lambda)) / (1.0 + gamma / lambda)) } else { Ok(0.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_continuous_at_the_threshold() {
        for gamma in [0.1, 0.5, 1.0, 2.0] {
            let lc = bbp_threshold(gamma).unwrap();
            let above = bbp_top_eigenvalue(lc * (1.0 + 1e-9), gamma).unwrap();
            let edge = mp_edges(gamma).unwrap().1;
            assert!((above - edge).abs() < 1e-6, "eigenvalue jumps at threshold");
            assert!(bbp_overlap2(lc * (1.0 + 1e-9), gamma).unwrap() < 1e-6);
        }
    }

    #[test]
    fn large_snr_limits() {
        // λ → ∞: eigenvalue ≈ λ + 1 + γ, overlap → 1.
        let g = 0.5;
        let l = 1e6;
        assert!((bbp_top_eigenvalue(l, g).unwrap() - (l + 1.0 + g)).abs() < 1e-3);
        assert!((bbp_overlap2(l, g).unwrap() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(mp_edges(0.0).is_err());
        assert!(mp_edges(f64::NAN).is_err());
        assert!(bbp_overlap2(-1.0, 0.5).is_err());
    }
}
