//! Equilibrium sampling from given parameters (paper 001 susceptibilities: `N_s` independent chains,
//! thermalisation, then thinned samples) and autocorrelation times of scalar observables.

use crate::error::{Result, param};
use crate::gibbs::{Chains, gibbs};
use crate::rbm::Rbm;
use crate::real::Real;
use ndarray::{Array1, Array2, ArrayView2};

/// Settings of an equilibrium run.
#[derive(Debug, Clone, PartialEq)]
pub struct EquilibriumConfig {
    /// Number of independent chains `N_s`.
    pub n_chains: usize,
    /// Thermalisation sweeps before the first sample.
    pub n_therm: usize,
    /// Number of recorded samples per chain.
    pub n_samples: usize,
    /// Sweeps between recorded samples (≥ 1).
    pub thin: usize,
    /// Seed; thermalisation uses stream 0, the sweeps before sample `t` stream `t + 1`.
    pub seed: u64,
}

/// Run `cfg.n_therm` sweeps, then call `observe(t, &chains)` for `t = 0..n_samples` with
/// `cfg.thin` sweeps before each. Chains start from `init` (visible rows) or from
/// [`Chains::random`]. Returns the final chains.
pub fn sample_equilibrium<F: Real>(
    rbm: &Rbm<F>,
    cfg: &EquilibriumConfig,
    init: Option<Array2<F>>,
    mut observe: impl FnMut(usize, &Chains<F>) -> Result<()>,
) -> Result<Chains<F>> {
    if cfg.thin == 0 {
        return Err(param("thin", "must be ≥ 1"));
    }
    let mut chains = match init {
        Some(v) => {
            if v.nrows() != cfg.n_chains {
                return Err(param("init", format!("{} rows for {} chains", v.nrows(), cfg.n_chains)));
            }
            Chains::from_visible(rbm, v, cfg.seed, u64::MAX - 1)?
        }
        None => Chains::random(rbm, cfg.n_chains, cfg.seed, u64::MAX - 1)?,
    };
    gibbs(rbm, &mut chains, cfg.n_therm, cfg.seed, 0)?;
    for t in 0..cfg.n_samples {
        gibbs(rbm, &mut chains, cfg.thin, cfg.seed, t as u64 + 1)?;
        observe(t, &chains)?;
    }
    Ok(chains)
}

/// Normalised autocorrelation `ρ(t)`, `t = 0..=max_lag`, of a `time × chains` series: the
/// covariance at lag `t` averaged over chains and time origins, about the grand mean, divided by
/// the lag-0 value.
pub fn autocorrelation(series: ArrayView2<f64>, max_lag: usize) -> Result<Array1<f64>> {
    let (t_len, n) = series.dim();
    if t_len < 2 || n == 0 || max_lag >= t_len {
        return Err(param(
            "series",
            format!("need max_lag < length; got length {t_len}, max_lag {max_lag}, {n} chains"),
        ));
    }
    let mean = series.mean().unwrap_or(0.0);
    let mut c = Array1::zeros(max_lag + 1);
    for lag in 0..=max_lag {
        let mut s = 0.0;
        for t in 0..t_len - lag {
            for k in 0..n {
                s += (series[(t, k)] - mean) * (series[(t + lag, k)] - mean);
            }
        }
        c[lag] = s / ((t_len - lag) * n) as f64;
    }
    let c0 = c[0];
    if c0 <= 0.0 {
        return Err(param("series", "zero variance"));
    }
    Ok(c / c0)
}

/// Integrated autocorrelation time `τ_int = 1 + 2 Σ_{t=1}^{W} ρ(t)` with Sokal's automatic window
/// (smallest `W` with `W ≥ c·τ_int(W)`, `c` typically 5). Returns `(τ_int, W, converged)`;
/// `converged` is false when no such window exists within the supplied lags.
pub fn integrated_time(rho: &[f64], c: f64) -> (f64, usize, bool) {
    let mut tau = 1.0;
    for (w, &r) in rho.iter().enumerate().skip(1) {
        tau += 2.0 * r;
        if w as f64 >= c * tau {
            return (tau, w, true);
        }
    }
    (tau, rho.len().saturating_sub(1), false)
}

/// Exponential autocorrelation time from a least-squares fit of `ln ρ(t) = a − t/τ` over
/// `1 ≤ t < t*`, `t*` the first lag with `ρ(t) < floor`. `None` if fewer than two usable lags or
/// the fitted slope is not negative.
pub fn exponential_time(rho: &[f64], floor: f64) -> Option<f64> {
    let pts: Vec<(f64, f64)> =
        rho.iter().enumerate().skip(1).take_while(|(_, r)| **r >= floor).map(|(t, r)| (t as f64, r.ln())).collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let slope = sxy / sxx;
    (slope < 0.0).then(|| -1.0 / slope)
}
