//! Threshold tables for the pipeline (paper 002 Figs. 7, 12(a, b), 13(d)): one row per
//! noise ratio r, with `r`, `beta`, signal and noise eigenvalue columns.

use super::{check_beta, check_r, ising, mp, xy};
use crate::error::{Result, ensure};

/// Signal and noise top eigenvalues versus the noise ratio `r = N/S` at fixed β.
/// Every column has one entry per r; constant columns are repeated so that the struct
/// maps directly onto a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdCurve {
    /// Noise ratio r = N/S.
    pub r: Vec<f64>,
    /// Inverse temperature β of the data (constant).
    pub beta: Vec<f64>,
    /// Population ("signal") top eigenvalue: Λ_Ising (eq. 26) or Λ_XY (eq. 30).
    pub lambda_signal: Vec<f64>,
    /// Noise edge as printed in the paper: `(1+√r)²` (eq. 25) or eq. (31) for Potts.
    pub lambda_noise: Vec<f64>,
    /// Noise edge of the actual null model: equal to `lambda_noise` for ±1 spins,
    /// `(P/(P−1))(1+√(r(P−1)))²` for Potts (see the parent module docs).
    pub lambda_noise_null: Vec<f64>,
    /// r at which `lambda_signal` meets `lambda_noise`.
    pub r_crossing: f64,
    /// r at which `lambda_signal` meets `lambda_noise_null`.
    pub r_crossing_null: f64,
}

fn check_grid(r: &[f64]) -> Result<()> {
    ensure(!r.is_empty(), "r grid", 0.0, "need at least one r value")?;
    r.iter().try_for_each(|x| check_r(*x))
}

/// Paper 002 Fig. 12(a, b): `Λ_Ising(β)` versus the MP edge `(1+√r)²` on the grid `r`.
/// With `n_sites = None` the signal is the large-N `e^{2β}` (eq. 26) and the crossing is
/// `(e^β − 1)²`; with `Some(N)` the exact finite-ring value is used.
///
/// Errors: `beta <= 0`, an empty grid or any `r <= 0`, `Some(n)` with `n < 2`.
pub fn ising_threshold_curve(beta: f64, r: &[f64], n_sites: Option<usize>) -> Result<ThresholdCurve> {
    check_beta(beta)?;
    check_grid(r)?;
    let (signal, r_c) = match n_sites {
        None => (ising::lambda_ising(beta)?, ising::r_crossing(beta)?),
        Some(n) => (ising::lambda_ising_finite(beta, n)?, ising::r_crossing_finite(beta, n)?),
    };
    let noise = r.iter().map(|x| mp::ising_noise_edge(*x)).collect::<Result<Vec<_>>>()?;
    Ok(ThresholdCurve {
        r: r.to_vec(),
        beta: vec![beta; r.len()],
        lambda_signal: vec![signal; r.len()],
        lambda_noise_null: noise.clone(),
        lambda_noise: noise,
        r_crossing: r_c,
        r_crossing_null: r_c,
    })
}

/// Paper 002 Fig. 13(d): `Λ_XY(β)` (eq. 30) versus the printed noise edge eq. (31) and the
/// null-model edge, for P Potts states, on the grid `r`.
///
/// Errors: `beta <= 0` or too small for eq. (31) to cross, `n_states < 2`, a bad grid.
pub fn xy_threshold_curve(beta: f64, n_states: usize, r: &[f64]) -> Result<ThresholdCurve> {
    check_beta(beta)?;
    check_grid(r)?;
    let signal = xy::lambda_xy(beta, n_states)?;
    Ok(ThresholdCurve {
        r: r.to_vec(),
        beta: vec![beta; r.len()],
        lambda_signal: vec![signal; r.len()],
        lambda_noise: r.iter().map(|x| mp::potts_noise_edge_eq31(*x, n_states)).collect::<Result<Vec<_>>>()?,
        lambda_noise_null: r.iter().map(|x| mp::potts_null_edge(*x, n_states)).collect::<Result<Vec<_>>>()?,
        r_crossing: xy::r_crossing_eq31(beta, n_states)?,
        r_crossing_null: xy::r_crossing_null(beta, n_states)?,
    })
}

/// Retarded-learning line of the Ising data: `beta[k] = β(r[k]) = log(1 + √r)` (eq. 27),
/// and the signal/noise eigenvalue at the crossing, `lambda[k] = (1 + √r)² = e^{2β}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossingCurve {
    /// Noise ratio r.
    pub r: Vec<f64>,
    /// Critical inverse temperature β(r).
    pub beta: Vec<f64>,
    /// Common eigenvalue at the crossing.
    pub lambda: Vec<f64>,
}

/// Paper 002 Fig. 7 theory line: [`ising::beta_crossing`] on the grid `r`.
/// Errors: an empty grid or any `r <= 0`.
pub fn retarded_learning_curve(r: &[f64]) -> Result<CrossingCurve> {
    check_grid(r)?;
    let beta = r.iter().map(|x| ising::beta_crossing(*x)).collect::<Result<Vec<_>>>()?;
    let lambda = r.iter().map(|x| mp::ising_noise_edge(*x)).collect::<Result<Vec<_>>>()?;
    Ok(CrossingCurve { r: r.to_vec(), beta, lambda })
}

/// Log-spaced grid of `n` values from `lo` to `hi` inclusive (for r axes).
/// Errors: `lo <= 0`, `hi <= lo`, `n < 2`.
pub fn log_grid(lo: f64, hi: f64, n: usize) -> Result<Vec<f64>> {
    ensure(lo > 0.0, "lo", lo, "must be > 0")?;
    ensure(hi > lo, "hi", hi, "must be > lo")?;
    ensure(n >= 2, "n", n as f64, "need at least 2 points")?;
    let (a, b) = (lo.ln(), hi.ln());
    Ok((0..n).map(|k| (a + (b - a) * k as f64 / (n - 1) as f64).exp()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings_are_where_the_columns_meet() {
        let c = ising_threshold_curve(0.5, &[0.1, 1.0], None).unwrap();
        assert!((mp::ising_noise_edge(c.r_crossing).unwrap() - c.lambda_signal[0]).abs() < 1e-12);
        let c = xy_threshold_curve(1.5, 10, &[0.1, 1.0]).unwrap();
        assert!((mp::potts_noise_edge_eq31(c.r_crossing, 10).unwrap() - c.lambda_signal[0]).abs() < 1e-12);
        assert!((mp::potts_null_edge(c.r_crossing_null, 10).unwrap() - c.lambda_signal[0]).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(ising_threshold_curve(0.5, &[], None).is_err());
        assert!(ising_threshold_curve(0.5, &[0.1, 0.0], None).is_err());
        assert!(ising_threshold_curve(-0.5, &[0.1], None).is_err());
        assert!(xy_threshold_curve(1.5, 1, &[0.1]).is_err());
        assert!(retarded_learning_curve(&[-1.0]).is_err());
        assert!(log_grid(0.0, 1.0, 10).is_err());
    }
}
