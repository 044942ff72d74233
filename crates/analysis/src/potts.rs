//! Analyses of Potts weights `w_{i,μ,v}` (site `i = 0..N`, hidden unit `μ`, Potts state
//! `v = 0..P`) of paper 002 §4 (XY data discretised into P states, Figs. 9–11).
//!
//! The weights of one hidden unit are handled as an `N × P` array `w[i, v]`. In the model crate's
//! layout a Potts visible layer occupies rows `i·P + v` of the `NP × M` weight matrix;
//! [`potts_unit_weights`] extracts unit `μ` in that layout.
//!
//! **Angular modulation, eq. (17), two readings.** The paper defines
//! `W_i^angular = |Σ_{v=0}^{P−1} w_{i,1,v}|`. Potts weights have a gauge freedom: adding `g_i` to
//! all `w_{i,·}` of site `i` shifts every hidden input by the same `Σ_i g_i`, which the hidden bias
//! absorbs. Under the zero-sum gauge (`Σ_v w_{i,v} = 0`, applied by the model crate) the literal
//! sum is identically zero, and for a pure cosine profile `A cos(2πv/P + φ)` it vanishes too —
//! yet Fig. 9c shows a peak. The readings offered ([`AngularReading`]):
//! * `Eq17Literal`: `|Σ_v w_{i,v}|`, exactly as printed (only meaningful without gauge fixing);
//! * `SiteNorm`: `‖w_{i,·}‖₂ = (Σ_v w_{i,v}²)^{1/2}`, the reading FIGURES.md §3 recommends;
//! * `ZeroSumSiteNorm`: `‖w_{i,·} − mean_v w_{i,·}‖₂`, the gauge-invariant version of `SiteNorm`
//!   (equal to it in the zero-sum gauge).
//!
//! Without gauge fixing the printed reading is no better: with one-hot inputs the gradient of
//! `Σ_v w_{i,v}` is `⟨h⟩_data − ⟨h⟩_model` at every site, so training shifts all site sums by one
//! common amount and `|Σ_v w_{i,v}|` keeps only the initial noise plus that drift
//! ([`gauge_sum_drift`] measures it on a trained run).
//!
//! **Spatial modulation, eq. (18):** `W_v^spatial = Σ_{i=1}^N w_{i,1,v}` (a function of `v`).
//!
//! **Cosine fits (Figs. 9d, 9e, 10b).** For each site, `w_i(v) ≈ A cos(ω v + φ) + c` over
//! `v = 0..P−1`. For fixed `ω` the model is linear in `(a, b, c)` with
//! `a cos ωv + b sin ωv + c`, so `A = √(a² + b²) ≥ 0`, `φ = atan2(−b, a) ∈ (−π, π]`. With a free
//! frequency, `ω` minimises the profile residual `RSS(ω)` over `(ω_min, ω_max)`: a grid scan
//! followed by golden-section refinement in the best grid cell. Because `v` is an integer,
//! `ω` and `2π − ω` are aliases (`cos(ωv + φ) = cos((2π − ω)v − φ)`), so `ω` is searched in
//! `(0, π)`. Flipping the sign of a hidden unit maps `φ → φ + π`.

use crate::circular::{circular_mean, circular_std};
use crate::lstsq::lstsq;
use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use std::f64::consts::PI;

/// Weights of hidden unit `mu` as an `N × P` array, from an `NP × M` matrix whose row `i·P + v`
/// belongs to site `i`, state `v` (the model crate's Potts layout).
pub fn potts_unit_weights(w: ArrayView2<f64>, p: usize, mu: usize) -> Result<Array2<f64>> {
    let (rows, m) = w.dim();
    if p == 0 || rows % p != 0 || mu >= m {
        return Err(Error::Invalid(format!("weight matrix {rows} × {m} with P = {p}, unit {mu}")));
    }
    let col = w.column(mu);
    Ok(Array2::from_shape_fn((rows / p, p), |(i, v)| col[i * p + v]))
}

/// Reading of paper 002 eq. (17); see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AngularReading {
    /// `|Σ_v w_{i,v}|`, as printed.
    Eq17Literal,
    /// `‖w_{i,·}‖₂`.
    SiteNorm,
    /// `‖w_{i,·} − mean_v w_{i,·}‖₂` (gauge invariant).
    ZeroSumSiteNorm,
}

impl AngularReading {
    /// Short name for tables and figure footers.
    pub fn name(self) -> &'static str {
        match self {
            Self::Eq17Literal => "eq17_literal",
            Self::SiteNorm => "site_norm",
            Self::ZeroSumSiteNorm => "zero_sum_site_norm",
        }
    }
}

fn check_np(w: ArrayView2<f64>) -> Result<()> {
    if w.nrows() == 0 || w.ncols() < 2 {
        return Err(Error::Invalid(format!("Potts weights must be N × P with N ≥ 1, P ≥ 2, got {:?}", w.dim())));
    }
    crate::check_finite("Potts weights", w.iter().copied())
}

/// Angular modulation `W_i^angular` of paper 002 eq. (17) under the chosen reading, one value per
/// site (Figs. 9c, 10a, 11b). `w` is `N × P`.
pub fn angular_modulation(w: ArrayView2<f64>, reading: AngularReading) -> Result<Array1<f64>> {
    check_np(w)?;
    Ok(w.rows()
        .into_iter()
        .map(|r| match reading {
            AngularReading::Eq17Literal => r.sum().abs(),
            AngularReading::SiteNorm => r.dot(&r).sqrt(),
            AngularReading::ZeroSumSiteNorm => {
                let m = r.mean().unwrap_or(0.0);
                r.iter().map(|x| (x - m).powi(2)).sum::<f64>().sqrt()
            }
        })
        .collect())
}

/// Spatial modulation `W_v^spatial = Σ_i w_{i,v}` of paper 002 eq. (18), one value per Potts
/// state (Fig. 11a). `w` is `N × P`.
pub fn spatial_modulation(w: ArrayView2<f64>) -> Result<Array1<f64>> {
    check_np(w)?;
    Ok(w.sum_axis(Axis(0)))
}

/// Peak-to-median ratio `max_i x_i / median_i x_i` of a non-negative site profile, the
/// flat-vs-peaked statistic of paper 002 Fig. 11b (FIGURES.md §3 P002-F11: peaked > 3, flat < 2).
/// The median of an even number of values is the mean of the two middle ones. Errors on an
/// empty or non-finite profile, on a negative value and on a zero median ([`Error::Degenerate`]).
pub fn peak_over_median(x: ArrayView1<f64>) -> Result<f64> {
    crate::check_finite("peak_over_median profile", x.iter().copied())?;
    let n = x.len();
    if n == 0 {
        return Err(Error::Invalid("peak_over_median: empty profile".into()));
    }
    if x.iter().any(|v| *v < 0.0) {
        return Err(Error::Invalid("peak_over_median: profile has negative values".into()));
    }
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    let median = 0.5 * (s[(n - 1) / 2] + s[n / 2]);
    if median <= 0.0 {
        return Err(Error::Degenerate("peak_over_median: the median is zero".into()));
    }
    Ok(s[n - 1] / median)
}

/// Change of the per-site gauge sums `d_i = Σ_v (w_{i,v} − w0_{i,v})` between two `N × P`
/// weight arrays of one hidden unit, summarised as `(mean_i d_i, sd_i d_i)` (divisor `N`).
///
/// Paper 002 eq. (17) as printed, `|Σ_v w_{i,v}|`, is a gauge quantity. With one-hot Potts
/// inputs (`Σ_v x_{i,v} = 1`) the likelihood gradient of `Σ_v w_{i,v}` is
/// `Σ_v (⟨x_{i,v} h⟩_data − ⟨x_{i,v} h⟩_model) = ⟨h⟩_data − ⟨h⟩_model`, the same for every site;
/// so plain SGD moves all `Σ_v w_{i,v}` by one common amount and `sd_i d_i = 0` (up to float
/// rounding). The printed reading then equals `|Σ_v w0_{i,v} + c(t)|`: the initial noise plus a
/// site-independent drift, which cannot carry a learnt spatial profile. Errors on shape mismatch.
pub fn gauge_sum_drift(w: ArrayView2<f64>, w0: ArrayView2<f64>) -> Result<(f64, f64)> {
    check_np(w)?;
    if w.dim() != w0.dim() {
        return Err(Error::Invalid(format!("gauge_sum_drift: shapes {:?} and {:?}", w.dim(), w0.dim())));
    }
    let d = (&w - &w0).sum_axis(Axis(1));
    let n = d.len() as f64;
    let mean = d.sum() / n;
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    Ok((mean, sd))
}

/// Fit of `y(v) ≈ A cos(ω v + φ) + c` over `v = 0..P−1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineFit {
    /// Amplitude `A ≥ 0`.
    pub amplitude: f64,
    /// Angular frequency `ω` (radians per Potts state).
    pub omega: f64,
    /// Phase `φ ∈ (−π, π]`.
    pub phase: f64,
    /// Offset `c`.
    pub offset: f64,
    /// Residual sum of squares.
    pub rss: f64,
    /// `1 − RSS/Σ(y − ȳ)²` (NaN for a constant profile).
    pub r2: f64,
}

/// Linear least squares of `a cos ωv + b sin ωv + c`.
fn fit_at(y: ArrayView1<f64>, omega: f64) -> Result<CosineFit> {
    let p = y.len();
    let a = Array2::from_shape_fn((p, 3), |(v, j)| match j {
        0 => (omega * v as f64).cos(),
        1 => (omega * v as f64).sin(),
        _ => 1.0,
    });
    let s = lstsq(a.view(), y)?;
    let (ca, cb) = (s.coef[0], s.coef[1]);
    let ym = y.mean().unwrap_or(0.0);
    let syy: f64 = y.iter().map(|v| (v - ym).powi(2)).sum();
    Ok(CosineFit {
        amplitude: (ca * ca + cb * cb).sqrt(),
        omega,
        phase: (-cb).atan2(ca),
        offset: s.coef[2],
        rss: s.rss,
        r2: if syy > 0.0 { 1.0 - s.rss / syy } else { f64::NAN },
    })
}

/// Cosine fit at a fixed frequency `omega` (paper 002 Fig. 9d: "cosine function with frequency
/// = 2π/10 … with the best fit of the phase"). Needs `P ≥ 3` and an `ω` for which `cos ωv`,
/// `sin ωv` and 1 are linearly independent on `v = 0..P−1` (else [`Error::Degenerate`]).
pub fn fit_cosine_fixed(y: ArrayView1<f64>, omega: f64) -> Result<CosineFit> {
    if y.len() < 3 || !omega.is_finite() {
        return Err(Error::Invalid(format!("fit_cosine_fixed: {} points, ω = {omega}", y.len())));
    }
    crate::check_finite("profile", y.iter().copied())?;
    fit_at(y, omega)
}

/// Options of [`fit_cosine`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineOptions {
    /// Lower end of the frequency search.
    pub omega_min: f64,
    /// Upper end of the frequency search (≤ π; see the aliasing note in the module docs).
    pub omega_max: f64,
    /// Number of grid points of the initial scan.
    pub grid: usize,
}

impl Default for CosineOptions {
    fn default() -> Self {
        Self { omega_min: 0.02, omega_max: PI - 0.02, grid: 512 }
    }
}

/// Cosine fit with a free frequency (paper 002 Fig. 9e: "we then fit this vector with a cosine
/// function of adjustable frequency and phase, referred to as, respectively, ω_i and φ_i").
/// Method in the module docs. Needs `P ≥ 5` (4 parameters plus one residual degree of freedom).
pub fn fit_cosine(y: ArrayView1<f64>, opts: CosineOptions) -> Result<CosineFit> {
    if y.len() < 5 {
        return Err(Error::Invalid(format!("fit_cosine needs P ≥ 5 states, got {}", y.len())));
    }
    if !(opts.omega_min > 0.0 && opts.omega_min < opts.omega_max && opts.omega_max <= PI && opts.grid >= 3) {
        return Err(Error::Invalid(format!("fit_cosine options {opts:?}")));
    }
    crate::check_finite("profile", y.iter().copied())?;
    let h = (opts.omega_max - opts.omega_min) / (opts.grid - 1) as f64;
    let rss = |om: f64| fit_at(y, om).map(|f| f.rss).unwrap_or(f64::INFINITY);
    let (mut best_k, mut best) = (0, f64::INFINITY);
    for k in 0..opts.grid {
        let r = rss(opts.omega_min + k as f64 * h);
        if r < best {
            best = r;
            best_k = k;
        }
    }
    if !best.is_finite() {
        return Err(Error::Degenerate("fit_cosine: no frequency gives a regular fit".into()));
    }
    // Golden-section search on [ω_{k−1}, ω_{k+1}].
    let mut lo = opts.omega_min + best_k.saturating_sub(1) as f64 * h;
    let mut hi = (opts.omega_min + (best_k + 1) as f64 * h).min(opts.omega_max);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut x1 = hi - g * (hi - lo);
    let mut x2 = lo + g * (hi - lo);
    let (mut f1, mut f2) = (rss(x1), rss(x2));
    for _ in 0..200 {
        if hi - lo < 1e-13 {
            break;
        }
        if f1 < f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = rss(x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = rss(x2);
        }
    }
    let om = 0.5 * (lo + hi);
    let fit = fit_at(y, om)?;
    // The grid point can only be beaten, never lost.
    if fit.rss <= best { Ok(fit) } else { fit_at(y, opts.omega_min + best_k as f64 * h) }
}

/// Cosine fit of every site of an `N × P` weight array (`omega = Some(ω)`: fixed frequency;
/// `None`: free frequency with default options). Paper 002 Fig. 9e (φ_i, ω_i vs i).
pub fn cosine_fits_per_site(w: ArrayView2<f64>, omega: Option<f64>) -> Result<Vec<CosineFit>> {
    check_np(w)?;
    w.rows()
        .into_iter()
        .map(|r| match omega {
            Some(om) => fit_cosine_fixed(r, om),
            None => fit_cosine(r, CosineOptions::default()),
        })
        .collect()
}

/// Sites whose value exceeds `frac · max` (e.g. the receptive field: site norms above 30 % of
/// the largest, FIGURES.md §3 P002-F9e).
pub fn sites_above(values: ArrayView1<f64>, frac: f64) -> Result<Vec<usize>> {
    crate::check_finite("values", values.iter().copied())?;
    let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    Ok(values.iter().enumerate().filter(|(_, v)| **v > frac * max).map(|(i, _)| i).collect())
}

/// Summary of fitted phases and frequencies over a set of sites.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseStats {
    /// Circular mean of the phases (in `[0, 2π)`).
    pub phase_mean: f64,
    /// Circular standard deviation `√(−2 ln R)` of the phases (radians).
    pub phase_std: f64,
    /// Arithmetic mean of the frequencies.
    pub omega_mean: f64,
    /// Fraction of sites with `|ω_i − ω_ref| < tol·ω_ref`.
    pub omega_within: f64,
}

/// Circular statistics of the phases and agreement of the frequencies with `omega_ref`
/// (relative tolerance `tol`) over `sites` (paper 002 Fig. 9e check: circular std of φ_i < 0.3
/// rad and `|ω_i − 2π/10| < 0.1·2π/10` for ≥ 80 % of the receptive-field sites, FIGURES.md §3).
pub fn phase_statistics(fits: &[CosineFit], sites: &[usize], omega_ref: f64, tol: f64) -> Result<PhaseStats> {
    if sites.is_empty() || sites.iter().any(|&i| i >= fits.len()) {
        return Err(Error::Invalid(format!("phase_statistics: {} sites for {} fits", sites.len(), fits.len())));
    }
    let ph: Vec<f64> = sites.iter().map(|&i| fits[i].phase).collect();
    let om: Vec<f64> = sites.iter().map(|&i| fits[i].omega).collect();
    let tau = 2.0 * PI;
    let within = om.iter().filter(|o| (*o - omega_ref).abs() < tol * omega_ref.abs()).count();
    Ok(PhaseStats {
        phase_mean: circular_mean(&ph, None, tau).map(|m| m.mean).unwrap_or(f64::NAN),
        phase_std: circular_std(&ph, None, tau)?,
        omega_mean: om.iter().sum::<f64>() / om.len() as f64,
        omega_within: within as f64 / om.len() as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circular::min_image;
    use rand::{RngExt, SeedableRng};
    use rand_distr::StandardNormal;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn profile(p: usize, a: f64, om: f64, ph: f64, c: f64) -> Array1<f64> {
        Array1::from_iter((0..p).map(|v| a * (om * v as f64 + ph).cos() + c))
    }

    #[test]
    fn modulations_match_closed_forms() {
        // w[i,v] = g_i cos(2πv/P + 0.4) + h_i: Σ_v cos(2πv/P + φ) = 0 and Σ_v cos² = P/2, so
        // literal = P|h_i|, site norm = √(P g_i²/2 + P h_i²), zero-sum norm = |g_i|√(P/2),
        // spatial_v = (Σg) cos(2πv/P + 0.4) + Σh.
        let (n, p) = (30, 10);
        let g: Vec<f64> = (0..n).map(|i| (-(i as f64 - 12.0).powi(2) / 8.0).exp()).collect();
        let h: Vec<f64> = (0..n).map(|i| 0.01 * (i as f64).sin()).collect();
        let w = Array2::from_shape_fn((n, p), |(i, v)| g[i] * (2.0 * PI * v as f64 / p as f64 + 0.4).cos() + h[i]);
        let lit = angular_modulation(w.view(), AngularReading::Eq17Literal).unwrap();
        let nrm = angular_modulation(w.view(), AngularReading::SiteNorm).unwrap();
        let zs = angular_modulation(w.view(), AngularReading::ZeroSumSiteNorm).unwrap();
        let pf = p as f64;
        for i in 0..n {
            assert!((lit[i] - pf * h[i].abs()).abs() < 1e-12);
            assert!((nrm[i] - (pf * g[i] * g[i] / 2.0 + pf * h[i] * h[i]).sqrt()).abs() < 1e-12);
            assert!((zs[i] - g[i].abs() * (pf / 2.0).sqrt()).abs() < 1e-12);
        }
        let sp = spatial_modulation(w.view()).unwrap();
        let (sg, sh): (f64, f64) = (g.iter().sum(), h.iter().sum());
        for v in 0..p {
            assert!((sp[v] - (sg * (2.0 * PI * v as f64 / pf + 0.4).cos() + sh)).abs() < 1e-12);
        }
        // Model layout round trip: row i·P + v of column μ.
        let big = Array2::from_shape_fn((n * p, 2), |(r, mu)| if mu == 1 { w[(r / p, r % p)] } else { 0.0 });
        assert_eq!(potts_unit_weights(big.view(), p, 1).unwrap(), w);
        assert!(potts_unit_weights(big.view(), 7, 0).is_err());
    }

    #[test]
    fn peak_over_median_and_gauge_drift_match_hand_values() {
        // Sorted 1, 2, 3, 4, 10: median 3, peak 10. Even length: median of 1, 2, 4, 8 is 3.
        let x = Array1::from(vec![3.0, 10.0, 1.0, 4.0, 2.0]);
        assert!((peak_over_median(x.view()).unwrap() - 10.0 / 3.0).abs() < 1e-15);
        assert!((peak_over_median(Array1::from(vec![8.0, 1.0, 4.0, 2.0]).view()).unwrap() - 8.0 / 3.0).abs() < 1e-15);
        assert!(peak_over_median(Array1::from(vec![0.0, 0.0, 5.0]).view()).is_err());
        assert!(peak_over_median(Array1::from(vec![-1.0, 2.0]).view()).is_err());
        // w = w0 + c + (per-site, zero-sum change): every site's sum moves by P·c exactly.
        let (n, p) = (6, 5);
        let w0 = Array2::from_shape_fn((n, p), |(i, v)| 0.01 * ((i * p + v) as f64).sin());
        let w = Array2::from_shape_fn((n, p), |(i, v)| {
            w0[(i, v)] + 0.3 + (i as f64 + 1.0) * (2.0 * PI * v as f64 / p as f64).cos()
        });
        let (m, sd) = gauge_sum_drift(w.view(), w0.view()).unwrap();
        assert!((m - 0.3 * p as f64).abs() < 1e-12 && sd < 1e-12, "{m} {sd}");
        // A site-dependent shift g_i = 0.1 i: sd of P·g_i over i = 0..5 is P·0.1·√(35/12).
        let w2 = Array2::from_shape_fn((n, p), |(i, v)| w0[(i, v)] + 0.1 * i as f64);
        let (_, sd2) = gauge_sum_drift(w2.view(), w0.view()).unwrap();
        assert!((sd2 - p as f64 * 0.1 * (35.0f64 / 12.0).sqrt()).abs() < 1e-12);
        assert!(gauge_sum_drift(w.view(), w0.slice(ndarray::s![..3, ..]).view()).is_err());
    }

    #[test]
    fn cosine_fits_recover_known_parameters() {
        for (a, om, ph, c) in [(0.7, 2.0 * PI / 10.0, 1.2, -0.1), (1.3, 0.9, -2.5, 0.3), (0.2, 2.0, 3.0, 0.0)] {
            let y = profile(10, a, om, ph, c);
            let f = fit_cosine(y.view(), CosineOptions::default()).unwrap();
            assert!((f.omega - om).abs() < 1e-7, "ω {} vs {om}", f.omega);
            assert!((f.amplitude - a).abs() < 1e-6 && (f.offset - c).abs() < 1e-6);
            assert!(min_image(ph, f.phase, 2.0 * PI).abs() < 1e-6, "φ {} vs {ph}", f.phase);
            assert!(f.r2 > 1.0 - 1e-12);
            let g = fit_cosine_fixed(y.view(), om).unwrap();
            assert!((g.amplitude - a).abs() < 1e-12 && min_image(ph, g.phase, 2.0 * PI).abs() < 1e-12);
        }
        // Negative amplitude is the same curve with φ + π.
        let y = profile(10, -0.5, 0.628, 0.1, 0.0);
        let f = fit_cosine_fixed(y.view(), 0.628).unwrap();
        assert!((f.amplitude - 0.5).abs() < 1e-12 && min_image(0.1 + PI, f.phase, 2.0 * PI).abs() < 1e-12);
        assert!(fit_cosine(Array1::zeros(4).view(), CosineOptions::default()).is_err());
    }

    #[test]
    fn noisy_cosines_frequency_error_within_fisher_bound() {
        // y = 0.7 cos(2πv/10 + φ) + noise σ = 0.05 on P = 10 states. The Cramér–Rao sd of ω̂ is
        // ≈ σ / (A √(Σ_v (v − v̄)²/2)) = 0.05/(0.7·√41.25) = 0.011; require < 5 sd in 50 draws.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let om = 2.0 * PI / 10.0;
        let mut phases = Vec::new();
        for _ in 0..50 {
            let ph = 0.8;
            let y = profile(10, 0.7, om, ph, 0.0).mapv(|v| v + 0.05 * rng.sample::<f64, _>(StandardNormal));
            let f = fit_cosine(y.view(), CosineOptions::default()).unwrap();
            assert!((f.omega - om).abs() < 0.055, "ω̂ = {}", f.omega);
            phases.push(f);
        }
        let sites: Vec<usize> = (0..50).collect();
        let st = phase_statistics(&phases, &sites, om, 0.1).unwrap();
        assert!(min_image(0.8, st.phase_mean, 2.0 * PI).abs() < 0.05);
        assert!(st.phase_std < 0.3 && st.omega_within == 1.0);
    }

    #[test]
    fn receptive_field_sites_and_per_site_fits() {
        let (n, p) = (20, 10);
        let om = 2.0 * PI / p as f64;
        let amp: Vec<f64> = (0..n).map(|i| (-(i as f64 - 7.0).powi(2) / 6.0).exp()).collect();
        let w = Array2::from_shape_fn((n, p), |(i, v)| amp[i] * (om * v as f64 - 1.0).cos());
        let norms = angular_modulation(w.view(), AngularReading::SiteNorm).unwrap();
        let sites = sites_above(norms.view(), 0.3).unwrap();
        // amp > 0.3 ⇔ (i − 7)² < 6 ln(1/0.3) = 7.22 ⇔ |i − 7| ≤ 2.
        assert_eq!(sites, vec![5, 6, 7, 8, 9]);
        let fits = cosine_fits_per_site(w.view(), None).unwrap();
        let st = phase_statistics(&fits, &sites, om, 0.1).unwrap();
        assert!(min_image(-1.0, st.phase_mean, 2.0 * PI).abs() < 1e-6 && st.phase_std < 1e-6);
        assert!((st.omega_mean - om).abs() < 1e-6);
    }
}
