//! Marchenko–Pastur spectra of the null models of paper 002 §5.1: independent unbiased
//! ±1 spins (eq. 25) and independent uniform Potts variables (eq. 31 and the
//! null-model edge derived in the parent module docs).
//!
//! Edges come from [`crate::spiked::mp_edges`]; the densities are implemented here.

use super::{check_r, check_states};
use crate::error::{Result, ensure};
use crate::spiked::mp_edges;

/// Marchenko–Pastur density (continuous part) of the eigenvalues of `C = XXᵀ/S` for
/// `N × S` data with i.i.d. unit-variance entries at ratio `r = N/S`:
/// `ρ(x) = √((x₊ − x)(x − x₋)) / (2π r x)` on `[x₋, x₊] = [(1−√r)², (1+√r)²]`, 0 outside.
/// For `r > 1` a point mass `1 − 1/r` at 0 ([`mp_zero_mass`]) completes the
/// normalisation. Background of paper 002 eq. (25).
///
/// Errors: `r <= 0`, non-finite `x`.
pub fn mp_density(r: f64, x: f64) -> Result<f64> {
    check_r(r)?;
    ensure(x.is_finite(), "x", x, "eigenvalue must be finite")?;
    let (lo, hi) = mp_edges(r)?;
    if x <= lo || x >= hi || x <= 0.0 {
        return Ok(0.0);
    }
    Ok(((hi - x) * (x - lo)).sqrt() / (2.0 * std::f64::consts::PI * r * x))
}

/// Weight `max(0, 1 − 1/r)` of the zero eigenvalues of the MP law at ratio r.
/// Errors: `r <= 0`.
pub fn mp_zero_mass(r: f64) -> Result<f64> {
    check_r(r)?;
    Ok((1.0 - 1.0 / r).max(0.0))
}

/// Right edge of the ±1 null model, paper 002 eq. (25): `Λ_noise = (1 + √r)²`.
/// Errors: `r <= 0`.
pub fn ising_noise_edge(r: f64) -> Result<f64> {
    check_r(r)?;
    Ok(mp_edges(r)?.1)
}

/// Potts noise edge **as printed** in paper 002 eq. (31): `P/(P−1) + (1 + √(rP))²`.
/// It overestimates the edge of the actual null model (see [`potts_null_edge`] and the
/// parent module docs) but reproduces the paper's crossing `r ≃ 0.066`.
///
/// Errors: `r <= 0`, `n_states < 2`.
pub fn potts_noise_edge_eq31(r: f64, n_states: usize) -> Result<f64> {
    check_r(r)?;
    check_states(n_states)?;
    let p = n_states as f64;
    Ok(p / (p - 1.0) + (1.0 + (r * p).sqrt()).powi(2))
}

/// Right edge of the spectrum of the null model of independent uniform Potts variables
/// (one-hot, correlations scaled by `P²/(P−1)`, correctly centred), re-derived in the
/// parent module docs and matching the simulation recorded in FIGURES.md:
/// `(P/(P−1)) (1 + √(r(P−1)))²`.
///
/// Errors: `r <= 0`, `n_states < 2`.
pub fn potts_null_edge(r: f64, n_states: usize) -> Result<f64> {
    check_r(r)?;
    check_states(n_states)?;
    let p = n_states as f64;
    Ok(p / (p - 1.0) * mp_edges(r * (p - 1.0))?.1)
}

/// Density of the `N(P−1)` non-trivial eigenvalues of the Potts null-model correlation
/// matrix (the other N eigenvalues are exactly 0): an MP law of variance
/// `σ² = P/(P−1)` and ratio `γ = r(P−1)`, `ρ(x) = ρ_MP(x/σ²; γ)/σ²` (parent module docs;
/// re-derived). For `γ > 1` the zero mass `1 − 1/γ` of [`mp_zero_mass`]`(γ)` completes it.
///
/// Errors: `r <= 0`, `n_states < 2`, non-finite `x`.
pub fn potts_null_density(r: f64, n_states: usize, x: f64) -> Result<f64> {
    check_r(r)?;
    check_states(n_states)?;
    let s2 = n_states as f64 / (n_states as f64 - 1.0);
    Ok(mp_density(r * (n_states as f64 - 1.0), x / s2)? / s2)
}

/// A tabulated spectral density: columns `lambda` and `density`, plus the atom at 0.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralDensity {
    /// Eigenvalue grid (strictly inside the bulk).
    pub lambda: Vec<f64>,
    /// Density at each grid point.
    pub density: Vec<f64>,
    /// Weight of the point mass at 0 (not included in `density`).
    pub zero_mass: f64,
    /// Left bulk edge.
    pub lower_edge: f64,
    /// Right bulk edge.
    pub upper_edge: f64,
}

fn tabulate(
    lo: f64,
    hi: f64,
    n_points: usize,
    zero_mass: f64,
    f: impl Fn(f64) -> Result<f64>,
) -> Result<SpectralDensity> {
    ensure(n_points >= 2, "n_points", n_points as f64, "need at least 2 points")?;
    // Chebyshev-like nodes cluster at the square-root edges.
    let lambda: Vec<f64> = (0..n_points)
        .map(|j| {
            let th = std::f64::consts::PI * (j as f64 + 0.5) / n_points as f64;
            0.5 * (lo + hi) - 0.5 * (hi - lo) * th.cos()
        })
        .collect();
    let density = lambda.iter().map(|x| f(*x)).collect::<Result<Vec<_>>>()?;
    Ok(SpectralDensity { lambda, density, zero_mass, lower_edge: lo, upper_edge: hi })
}

/// MP density ([`mp_density`]) tabulated at `n_points` nodes inside the bulk.
/// Errors: `r <= 0`, `n_points < 2`.
pub fn mp_density_curve(r: f64, n_points: usize) -> Result<SpectralDensity> {
    check_r(r)?;
    let (lo, hi) = mp_edges(r)?;
    tabulate(lo, hi, n_points, mp_zero_mass(r)?, |x| mp_density(r, x))
}

/// Potts null-model density ([`potts_null_density`]) tabulated at `n_points` nodes.
/// Errors: `r <= 0`, `n_states < 2`, `n_points < 2`.
pub fn potts_null_density_curve(r: f64, n_states: usize, n_points: usize) -> Result<SpectralDensity> {
    check_r(r)?;
    check_states(n_states)?;
    let s2 = n_states as f64 / (n_states as f64 - 1.0);
    let g = r * (n_states as f64 - 1.0);
    let (lo, hi) = mp_edges(g)?;
    tabulate(s2 * lo, s2 * hi, n_points, mp_zero_mass(g)?, |x| potts_null_density(r, n_states, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moments by Gauss–Chebyshev-type quadrature on the bulk (substitution
    /// x = c − h cos θ removes the square-root edges).
    fn moment(r: f64, k: i32) -> f64 {
        let (lo, hi) = mp_edges(r).unwrap();
        let (c, h) = (0.5 * (lo + hi), 0.5 * (hi - lo));
        let n = 20_000;
        (0..n)
            .map(|j| {
                let th = std::f64::consts::PI * (j as f64 + 0.5) / n as f64;
                let x = c - h * th.cos();
                mp_density(r, x).unwrap() * x.powi(k) * h * th.sin() * std::f64::consts::PI / n as f64
            })
            .sum()
    }

    #[test]
    fn mp_moments() {
        // Known MP moments at unit variance: mass min(1, 1/r), E[x] = 1, E[x²] = 1 + r.
        for r in [0.1, 0.5, 2.0] {
            let m0 = moment(r, 0) + mp_zero_mass(r).unwrap();
            let m1 = moment(r, 1);
            let m2 = moment(r, 2);
            assert!((m0 - 1.0).abs() < 1e-6, "r={r} m0={m0}");
            assert!((m1 - 1.0).abs() < 1e-6, "r={r} m1={m1}");
            assert!((m2 - (1.0 + r)).abs() < 1e-6, "r={r} m2={m2}");
        }
    }

    #[test]
    fn potts_with_two_states_is_twice_the_ising_edge() {
        for r in [0.01, 0.2, 1.0] {
            let e = potts_null_edge(r, 2).unwrap();
            assert!((e - 2.0 * ising_noise_edge(r).unwrap()).abs() < 1e-12);
            // The printed eq. (31) does not have this property.
            assert!((potts_noise_edge_eq31(r, 2).unwrap() - e).abs() > 0.1);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(mp_density(0.0, 1.0).is_err());
        assert!(mp_density(-0.5, 1.0).is_err());
        assert!(potts_null_edge(0.1, 1).is_err());
        assert!(potts_noise_edge_eq31(0.1, 0).is_err());
        assert!(mp_density_curve(0.5, 1).is_err());
    }
}
