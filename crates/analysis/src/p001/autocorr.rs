//! Autocorrelation of MCMC time series and the integrated / exponential autocorrelation times
//! (paper 001 Fig. 3G: "MCMC relaxation time … as a function of w₁"; FIGURES.md P001-F3G: τ from
//! an exponential fit of `C(t)` over the window `C > 0.05`).
//!
//! Series are given as `chains × T` (independent chains of equal length, all at equilibrium);
//! the mean `x̄` is the grand mean, and the normalised autocorrelation is
//! `ρ(t) = Γ(t)/Γ(0)`, `Γ(t) = Σ_c Σ_{s<T−t} (x_{c,s} − x̄)(x_{c,s+t} − x̄) / (C (T − t))`
//! (Sokal 1996, *Monte Carlo methods in statistical mechanics*, eq. 3.18).
//!
//! **Convention.** `τ_int = 1 + 2 Σ_{t≥1} ρ(t)`, the factor by which correlations inflate the
//! variance of the mean (`Var x̄ ≈ τ_int σ²/n`); an AR(1) series `x_t = φ x_{t−1} + ε_t` has
//! `ρ(t) = φ^t` and `τ_int = (1+φ)/(1−φ)`. (Sokal's `τ_int` is half of this.) **Window:** the
//! sum is truncated at the smallest `W` with `W ≥ c · τ̂_int(W)` (Sokal's automatic windowing;
//! his criterion `W ≥ c_S τ_S` with `τ_S = τ_int/2` is the same as ours with `c = c_S/2`; the
//! default `c = 3` corresponds to Sokal's customary `c_S = 6`). **Error:**
//! `se(τ_int) ≈ τ_int √(2(2W+1)/n)`, `n = C·T` (Madras & Sokal 1988).
//! **Exponential time:** `ln ρ(t) = ln A − t/τ_exp` fitted by least squares over
//! `1 ≤ t < t*`, `t*` the first lag with `ρ(t) ≤ threshold`.

use crate::stats::linear_fit;
use crate::{Error, Result};
use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;

/// Normalised autocorrelation `ρ(t)`, `t = 0..=max_lag`, of `chains × T` series (module docs).
/// Errors on `max_lag ≥ T`, non-finite input or zero variance. Lags are computed in parallel.
pub fn autocorrelation(series: ArrayView2<f64>, max_lag: usize) -> Result<Array1<f64>> {
    let (c, t) = series.dim();
    if c == 0 || t < 2 || max_lag >= t {
        return Err(Error::Invalid(format!("autocorrelation of {c} × {t} series up to lag {max_lag}")));
    }
    crate::check_finite("series", series.iter().copied())?;
    let mean = series.sum() / (c * t) as f64;
    let centred: Vec<Vec<f64>> = series.rows().into_iter().map(|r| r.iter().map(|x| x - mean).collect()).collect();
    let gamma: Vec<f64> = (0..=max_lag)
        .into_par_iter()
        .map(|lag| {
            let mut s = 0.0;
            for row in &centred {
                s += row[..t - lag].iter().zip(&row[lag..]).map(|(a, b)| a * b).sum::<f64>();
            }
            s / (c * (t - lag)) as f64
        })
        .collect();
    if gamma[0] <= 0.0 {
        return Err(Error::Degenerate("autocorrelation of a constant series".into()));
    }
    Ok(Array1::from_iter(gamma.iter().map(|g| g / gamma[0])))
}

/// Integrated autocorrelation time with its window and error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntegratedTime {
    /// `τ_int = 1 + 2 Σ_{t=1}^{W} ρ(t)`.
    pub tau: f64,
    /// Window `W`.
    pub window: usize,
    /// `τ_int √(2(2W+1)/n)`.
    pub se: f64,
    /// False if no lag up to `T/2` satisfied `W ≥ c τ̂(W)` (then `W = ⌊T/2⌋` and `τ` is a lower
    /// estimate), or if the running estimate `τ̂(W)` became ≤ 0 before that (noise-dominated,
    /// `W` is where it happened): in both cases run longer chains.
    pub converged: bool,
}

/// Integrated autocorrelation time of `chains × T` series with Sokal's automatic window of
/// constant `c` (module docs; paper 001 Fig. 3G companion, and the thinning needed before
/// [`super::magnetisation::susceptibility`]). Lags are computed in growing batches (64, 128, …
/// up to `T/2`), so cost is `O(C·T·W)`.
pub fn integrated_time(series: ArrayView2<f64>, c: f64) -> Result<IntegratedTime> {
    let (chains, t) = series.dim();
    if !(c > 0.0 && c.is_finite()) || t < 4 {
        return Err(Error::Invalid(format!("integrated_time: c = {c}, T = {t}")));
    }
    let n = (chains * t) as f64;
    let cap = t / 2;
    let mut max_lag = 64.min(cap);
    loop {
        let rho = autocorrelation(series, max_lag)?;
        let mut tau = 1.0;
        for w in 1..=max_lag {
            tau += 2.0 * rho[w];
            if tau <= 0.0 {
                // Noise-dominated estimate (too short a series): report, do not accept.
                let se = tau.abs() * (2.0 * (2 * w + 1) as f64 / n).sqrt();
                return Ok(IntegratedTime { tau, window: w, se, converged: false });
            }
            if w as f64 >= c * tau {
                let se = tau * (2.0 * (2 * w + 1) as f64 / n).sqrt();
                return Ok(IntegratedTime { tau, window: w, se, converged: true });
            }
        }
        if max_lag == cap {
            let se = tau * (2.0 * (2 * max_lag + 1) as f64 / n).sqrt();
            return Ok(IntegratedTime { tau, window: max_lag, se, converged: false });
        }
        max_lag = (2 * max_lag).min(cap);
    }
}

/// Exponential fit of the autocorrelation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialTime {
    /// `τ_exp` from `ρ(t) ≈ A e^{−t/τ_exp}`.
    pub tau: f64,
    /// Prefactor `A`.
    pub amplitude: f64,
    /// Number of lags fitted.
    pub lags: usize,
}

/// Exponential autocorrelation time from `rho` (`rho[0] = 1`), fitting `ln ρ(t)` linearly over
/// `1 ≤ t < t*` with `t*` the first lag where `ρ ≤ threshold` (FIGURES.md P001-F3G: threshold
/// 0.05). Needs ≥ 2 lags in the window and a decaying fit.
pub fn exponential_time(rho: &[f64], threshold: f64) -> Result<ExponentialTime> {
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(Error::Invalid(format!("threshold {threshold}")));
    }
    crate::check_finite("autocorrelation", rho.iter().copied())?;
    let (mut ts, mut ls) = (Vec::new(), Vec::new());
    for (t, &r) in rho.iter().enumerate().skip(1) {
        if r <= threshold {
            break;
        }
        ts.push(t as f64);
        ls.push(r.ln());
    }
    if ts.len() < 2 {
        return Err(Error::Degenerate(format!("exponential_time: {} lags above {threshold}", ts.len())));
    }
    let f = linear_fit(&ts, &ls)?;
    if f.slope >= 0.0 {
        return Err(Error::Degenerate("exponential_time: autocorrelation does not decay".into()));
    }
    Ok(ExponentialTime { tau: -1.0 / f.slope, amplitude: f.intercept.exp(), lags: ts.len() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{RngExt, SeedableRng};
    use rand_distr::StandardNormal;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// `chains × t` AR(1) series started in equilibrium (x₀ ~ N(0, 1/(1−φ²))).
    fn ar1(chains: usize, t: usize, phi: f64, seed: u64) -> Array2<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut x = Array2::zeros((chains, t));
        for c in 0..chains {
            let mut v: f64 = rng.sample::<f64, _>(StandardNormal) / (1.0 - phi * phi).sqrt();
            for s in 0..t {
                x[(c, s)] = v;
                v = phi * v + rng.sample::<f64, _>(StandardNormal);
            }
        }
        x
    }

    #[test]
    fn ar1_integrated_time_is_one_plus_phi_over_one_minus_phi() {
        for (phi, chains, t) in [(0.9, 4, 250_000), (0.5, 2, 200_000), (0.0, 1, 100_000)] {
            let x = ar1(chains, t, phi, 3);
            let it = integrated_time(x.view(), 3.0).unwrap();
            let want = (1.0 + phi) / (1.0 - phi);
            assert!(it.converged);
            // Statistical error plus the truncation bias 2φ^{W+1}/(1−φ) (tiny at W ≈ 3τ).
            let bias = 2.0 * phi.powi(it.window as i32 + 1) / (1.0 - phi);
            assert!(
                (it.tau - want).abs() < 4.0 * it.se + bias,
                "φ {phi}: τ {} ± {} vs {want} (W = {})",
                it.tau,
                it.se,
                it.window
            );
        }
    }

    #[test]
    fn exponential_time_of_exact_and_sampled_ar1() {
        // Exact ρ(t) = φ^t ⇒ τ_exp = −1/ln φ exactly.
        let phi: f64 = 0.8;
        let rho: Vec<f64> = (0..40).map(|t| phi.powi(t)).collect();
        let e = exponential_time(&rho, 0.05).unwrap();
        assert!((e.tau + 1.0 / phi.ln()).abs() < 1e-10 && (e.amplitude - 1.0).abs() < 1e-10);
        // ρ ≤ 0.05 first at t = 14 (0.8^14 = 0.044): 13 lags fitted.
        assert_eq!(e.lags, 13);
        // Sampled: within 5 % (ρ(t) s.e. ≈ √(τ_int/n) ≈ 0.002 ≪ ρ > 0.05 in the window).
        let x = ar1(4, 200_000, phi, 9);
        let r = autocorrelation(x.view(), 40).unwrap();
        let e = exponential_time(r.as_slice().unwrap(), 0.05).unwrap();
        assert!((e.tau / (-1.0 / phi.ln()) - 1.0).abs() < 0.05, "{e:?}");
        assert!(exponential_time(&[1.0, 0.01], 0.05).is_err());
    }

    #[test]
    fn autocorrelation_of_a_known_periodic_series_and_errors() {
        // x_s = (−1)^s: ρ(t) = (−1)^t exactly (mean 0 for even T).
        let x = Array2::from_shape_fn((1, 100), |(_, s)| if s % 2 == 0 { 1.0 } else { -1.0 });
        let r = autocorrelation(x.view(), 5).unwrap();
        for (t, v) in r.iter().enumerate() {
            assert!((v - if t % 2 == 0 { 1.0 } else { -1.0 }).abs() < 1e-12);
        }
        assert!(autocorrelation(Array2::<f64>::ones((2, 10)).view(), 3).is_err());
        assert!(autocorrelation(x.view(), 100).is_err());
        // A window criterion that cannot be met within T/2 lags is reported through
        // `converged = false`: here (T = 100, c = 1000) the running estimate turns negative at
        // W = 19 at this seed; the smooth ramp x_s = s² never meets it and stops at W = T/2.
        let y = ar1(1, 100, 0.5, 1);
        let it = integrated_time(y.view(), 1000.0).unwrap();
        assert!(!it.converged, "{it:?}");
        let z = Array2::from_shape_fn((1, 60), |(_, s)| (s * s) as f64);
        let it = integrated_time(z.view(), 3.0).unwrap();
        assert!(!it.converged && it.window == 30, "{it:?}");
    }
}
