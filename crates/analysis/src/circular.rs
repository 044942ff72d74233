//! Circular statistics on a circle of arbitrary period (`2π` for phases, `N` for sites of a
//! ring): wrapping, minimum-image differences, the (weighted) circular mean and resultant
//! length, the circular standard deviation and the sorted gaps between points.
//!
//! Definitions (Mardia & Jupp, *Directional Statistics*, §2.3): for angles `θ_k` with weights
//! `a_k ≥ 0`, `R e^{iθ̄} = Σ a_k e^{iθ_k} / Σ a_k`; the circular mean is `θ̄`, the mean resultant
//! length is `R ∈ [0, 1]`, and the circular standard deviation is `√(−2 ln R)` (which equals `σ`
//! in expectation for a wrapped normal of parameter `σ`, since `E[cos(θ − μ)] = e^{−σ²/2}`).

use crate::{Error, Result};
use std::f64::consts::TAU;

/// Wraps `x` into `[0, period)`.
pub fn wrap(x: f64, period: f64) -> f64 {
    let y = x.rem_euclid(period);
    if y >= period { 0.0 } else { y }
}

/// Minimum-image difference `b − a` on a circle of length `period`, in `[−period/2, period/2)`.
pub fn min_image(a: f64, b: f64, period: f64) -> f64 {
    wrap(b - a + 0.5 * period, period) - 0.5 * period
}

/// Weighted circular mean and mean resultant length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircularMean {
    /// Mean position in `[0, period)`.
    pub mean: f64,
    /// Mean resultant length `R ∈ [0, 1]` (1: all points coincide; 0: undetermined mean).
    pub resultant: f64,
}

/// Sum `(Σ a cos kx, Σ a sin kx, Σ a)` with `k = 2π/period`, after validating the input.
fn resultant_sums(x: &[f64], weights: Option<&[f64]>, period: f64) -> Result<(f64, f64, f64)> {
    if !(period > 0.0 && period.is_finite()) {
        return Err(Error::Invalid(format!("circle period {period}")));
    }
    crate::check_finite("angles", x.iter().copied())?;
    if let Some(w) = weights {
        if w.len() != x.len() {
            return Err(Error::Invalid(format!("{} weights for {} points", w.len(), x.len())));
        }
        if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::Invalid("weights must be finite and non-negative".into()));
        }
    }
    let k = TAU / period;
    let (mut c, mut s, mut tot) = (0.0, 0.0, 0.0);
    for (j, &xi) in x.iter().enumerate() {
        let a = weights.map_or(1.0, |w| w[j]);
        c += a * (k * xi).cos();
        s += a * (k * xi).sin();
        tot += a;
    }
    if tot <= 0.0 {
        return Err(Error::Degenerate("circular mean: weights sum to zero".into()));
    }
    Ok((c, s, tot))
}

/// Circular mean of `x` on a circle of length `period`, with optional non-negative weights
/// (paper 002 Fig. 9e phases; receptive-field centres of Figs. 3–6 via [`crate::ring`]).
/// Errors when the weights sum to zero, or when `R < 1e-12` (no defined mean direction).
pub fn circular_mean(x: &[f64], weights: Option<&[f64]>, period: f64) -> Result<CircularMean> {
    let (c, s, tot) = resultant_sums(x, weights, period)?;
    let resultant = (c * c + s * s).sqrt() / tot;
    if resultant < 1e-12 {
        return Err(Error::Degenerate("circular mean: resultant length is zero (no mean direction)".into()));
    }
    Ok(CircularMean { mean: wrap(s.atan2(c) * period / TAU, period), resultant })
}

/// Circular standard deviation `√(−2 ln R)` of `x` in the units of `period` (i.e. the radian
/// value times `period/2π`). Paper 002 Fig. 9e check "circular std of φ_i < 0.3 rad" (FIGURES.md §3).
/// Returns `+∞` when `R < 1e-12` (as for [`circular_mean`], no mean direction).
pub fn circular_std(x: &[f64], weights: Option<&[f64]>, period: f64) -> Result<f64> {
    let (c, s, tot) = resultant_sums(x, weights, period)?;
    let r = ((c * c + s * s).sqrt() / tot).min(1.0);
    if r < 1e-12 {
        return Ok(f64::INFINITY);
    }
    Ok((-2.0 * r.ln()).sqrt() * period / TAU)
}

/// Gaps between circularly consecutive points: the points are wrapped, sorted, and gap `k` is
/// the distance from sorted point `k` to sorted point `k+1` (the last gap wraps around), so the
/// gaps are ≥ 0 and sum to `period`. Paper 002 Fig. 4 (gaps between receptive-field centres)
/// and Fig. 10b (gaps between sorted phases). Needs ≥ 1 point.
pub fn sorted_gaps(x: &[f64], period: f64) -> Result<Vec<f64>> {
    if !(period > 0.0 && period.is_finite()) {
        return Err(Error::Invalid(format!("circle period {period}")));
    }
    crate::check_finite("positions", x.iter().copied())?;
    let mut w: Vec<f64> = x.iter().map(|&v| wrap(v, period)).collect();
    w.sort_by(f64::total_cmp);
    let n = w.len();
    Ok((0..n).map(|k| if k + 1 < n { w[k + 1] - w[k] } else { w[0] + period - w[n - 1] }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_distr::StandardNormal;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn wrap_and_min_image() {
        assert_eq!(wrap(-1.0, 10.0), 9.0);
        assert_eq!(wrap(23.5, 10.0), 3.5);
        assert!((min_image(9.5, 0.5, 10.0) - 1.0).abs() < 1e-12);
        assert!((min_image(0.5, 9.5, 10.0) + 1.0).abs() < 1e-12);
        assert!((min_image(2.0, 4.0, 10.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn mean_across_the_cut_is_exact_for_symmetric_points() {
        // Points symmetric around 2π − 0.05 straddle the cut at 0.
        let mu = TAU - 0.05;
        let x = [mu - 0.2, mu + 0.2, mu - 0.1, mu + 0.1, mu];
        let x: Vec<f64> = x.iter().map(|v| wrap(*v, TAU)).collect();
        let m = circular_mean(&x, None, TAU).unwrap();
        assert!((m.mean - mu).abs() < 1e-12);
        // R = (1 + 2cos 0.1 + 2cos 0.2)/5 by hand.
        let r = (1.0 + 2.0 * 0.1f64.cos() + 2.0 * 0.2f64.cos()) / 5.0;
        assert!((m.resultant - r).abs() < 1e-14);
        // On a ring of 100 sites: mass at 99 and 1 has centre 0.
        let m = circular_mean(&[99.0, 1.0], None, 100.0).unwrap();
        assert!(m.mean.min(100.0 - m.mean) < 1e-9);
        // Opposite points have no mean.
        assert!(circular_mean(&[0.0, 50.0], None, 100.0).is_err());
        assert_eq!(circular_std(&[0.0, 50.0], None, 100.0).unwrap(), f64::INFINITY);
    }

    #[test]
    fn circular_std_recovers_wrapped_normal_sigma() {
        // For a wrapped normal, E R = e^{−σ²/2}; with n = 10⁵ draws the s.e. of R is
        // √((1 − e^{−σ²})²/(2n)) ≈ 1e-4, i.e. ≪ the 1 % tolerance on σ.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for sigma in [0.1, 0.3, 1.0] {
            let x: Vec<f64> =
                (0..100_000).map(|_| wrap(2.0 + sigma * rng.sample::<f64, _>(StandardNormal), TAU)).collect();
            let s = circular_std(&x, None, TAU).unwrap();
            assert!((s - sigma).abs() < 0.01 * sigma + 2e-3, "sigma {sigma}: {s}");
            let m = circular_mean(&x, None, TAU).unwrap();
            assert!(min_image(2.0, m.mean, TAU).abs() < 0.02);
        }
    }

    #[test]
    fn gaps_sum_to_period_and_equal_spacing_is_detected() {
        let g = sorted_gaps(&[70.0, 5.0, 38.0], 100.0).unwrap();
        assert_eq!(g, vec![33.0, 32.0, 35.0]);
        let g = sorted_gaps(
            &[0.3, 0.3 + TAU / 5.0 * 3.0, 0.3 + TAU / 5.0, 0.3 + TAU / 5.0 * 4.0, 0.3 + TAU / 5.0 * 2.0],
            TAU,
        )
        .unwrap();
        assert!(g.iter().all(|v| (v - TAU / 5.0).abs() < 1e-12));
        assert_eq!(sorted_gaps(&[4.0], 10.0).unwrap(), vec![10.0]);
    }
}
