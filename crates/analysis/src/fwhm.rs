//! Full width at half maximum of a receptive field by a least-squares cubic spline with one knot
//! (paper 002 Fig. 3b caption: "fitting a cubic spline with one knot to the profile
//! `y(i) = w_i − max(w_i)/2` … The roots of this spline were then determined numerically, and the
//! width was defined as the modulus of the difference between the roots").
//!
//! **What exactly is fitted.** The paper does not say where the knot sits nor which sites enter
//! the fit; this implementation makes the following documented choices.
//! 1. The profile is sign-oriented ([`crate::ring::orient_sign`]) and `k = argmax_i w_i`, `w_max = w_k`.
//! 2. Offsets `x = i − k` are taken on the ring (minimum image), so peaks across the boundary
//!    are handled. The fit window is the contiguous run of sites around `k` with
//!    `w_i > floor_frac · w_max`, extended by the first site at or below that level on each side
//!    (at most `N/2 − 1` sites per side).
//! 3. On the window, `y(x) = w − w_max/2` is fitted by least squares with the cubic spline with a
//!    single interior knot at `x = 0` (the arg-max site), in the truncated-power basis
//!    `s(x) = c₀ + c₁x + c₂x² + c₃x³ + c₄ (x)₊³` — two cubic pieces joined with continuous value,
//!    slope and curvature at the knot (5 parameters).
//! 4. The roots are the first sign changes of `s` walking outwards from the knot on each side
//!    (scan step 0.01 site, then bisection to 1e-12); FWHM = `x_right − x_left`.
//!
//! Accuracy of this estimator on noise-free bumps sampled at integer sites with arbitrary
//! sub-site centres (calibrated over 40 random centres per width while choosing the default
//! `floor_frac = 0.3`; Gaussian, `sech` and `sech²` profiles): FWHM ≥ 6 sites within 2.1 %,
//! ≥ 10 sites within 0.7 %, and 3–4 sites within 6.5 % (few points per side). A deeper window
//! biases heavy-tailed profiles because one cubic per side cannot follow a long tail
//! (`floor_frac = 0.05`: `sech` +14 % at FWHM 18). With 2 % white noise on the weights the
//! estimate scatters by 1–3 % (1 sd) and its bias stays within ±2 %.

use crate::circular::wrap;
use crate::lstsq::lstsq;
use crate::ring::orient_sign;
use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1};

/// Options of [`fwhm_spline`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FwhmOptions {
    /// Relative level (fraction of the peak height) that delimits the fit window; in `(0, 0.5)`.
    pub floor_frac: f64,
}

impl Default for FwhmOptions {
    fn default() -> Self {
        Self { floor_frac: 0.3 }
    }
}

/// Result of the one-knot spline fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FwhmFit {
    /// Full width at half maximum (sites).
    pub fwhm: f64,
    /// Left root, as an offset from the knot (negative).
    pub left: f64,
    /// Right root, as an offset from the knot (positive).
    pub right: f64,
    /// Mid-point of the two roots, as a ring position in `[0, N)`.
    pub centre: f64,
    /// Knot = arg-max site of the oriented profile.
    pub knot: usize,
    /// Peak height `w_max` of the oriented profile.
    pub peak: f64,
    /// Sign applied to orient the profile (`±1`).
    pub sign: f64,
    /// Spline coefficients `[c₀, c₁, c₂, c₃, c₄]` of `s(x) = c₀ + c₁x + c₂x² + c₃x³ + c₄(x)₊³`,
    /// `x` = offset from the knot in sites; `s` models `w − w_max/2`.
    pub coef: [f64; 5],
    /// Window offsets `(−L, R)`: the fit used sites `k − L ..= k + R`.
    pub window: (isize, isize),
    /// Residual sum of squares of the fit.
    pub rss: f64,
}

impl FwhmFit {
    /// The fitted spline `s(x)` at offset `x` from the knot (models `w − w_max/2`).
    pub fn spline(&self, x: f64) -> f64 {
        let c = &self.coef;
        c[0] + x * (c[1] + x * (c[2] + x * c[3])) + c[4] * x.max(0.0).powi(3)
    }
}

/// FWHM of the weight profile `w` (one hidden unit, `N = w.len()` sites on a ring) by the
/// one-knot least-squares cubic spline of paper 002 Fig. 3b; the exact procedure is in the
/// module docs. Errors: non-finite or zero profile, `N < 6`, bad options, a window with fewer
/// than 6 sites or no site below half maximum on a side, a singular fit, or a spline without a
/// root on one side ([`Error::Degenerate`]).
pub fn fwhm_spline(w: ArrayView1<f64>, opts: FwhmOptions) -> Result<FwhmFit> {
    crate::check_finite("weight profile", w.iter().copied())?;
    let n = w.len();
    if n < 6 {
        return Err(Error::Invalid(format!("fwhm_spline needs at least 6 sites, got {n}")));
    }
    if !(opts.floor_frac > 0.0 && opts.floor_frac < 0.5) {
        return Err(Error::Invalid(format!("floor_frac = {} must lie in (0, 0.5)", opts.floor_frac)));
    }
    let (o, sign) = orient_sign(w);
    let k = o.iter().enumerate().fold(0, |m, (i, v)| if *v > o[m] { i } else { m });
    let peak = o[k];
    if peak <= 0.0 {
        return Err(Error::Degenerate("fwhm_spline: profile is identically zero".into()));
    }
    let at = |x: isize| o[(k as isize + x).rem_euclid(n as isize) as usize];
    let max_side = (n / 2 - 1) as isize;
    let level = opts.floor_frac * peak;
    let mut l = 1isize;
    while l < max_side && at(-l) > level {
        l += 1;
    }
    let mut r = 1isize;
    while r < max_side && at(r) > level {
        r += 1;
    }
    let half = 0.5 * peak;
    if !(-l..0).any(|x| at(x) < half) || !(1..=r).any(|x| at(x) < half) {
        return Err(Error::Degenerate(
            "fwhm_spline: the profile does not fall below half maximum within half a ring on both sides".into(),
        ));
    }
    let m = (l + r + 1) as usize;
    if m < 6 {
        return Err(Error::Degenerate(format!("fwhm_spline: only {m} sites in the fit window")));
    }
    // Scale offsets to [−1, 1] for conditioning; c_j in original units = ĉ_j / scale^j.
    let scale = l.max(r) as f64;
    let mut a = Array2::zeros((m, 5));
    let mut y = Array1::zeros(m);
    for (row, x) in (-l..=r).enumerate() {
        let t = x as f64 / scale;
        a[(row, 0)] = 1.0;
        a[(row, 1)] = t;
        a[(row, 2)] = t * t;
        a[(row, 3)] = t * t * t;
        a[(row, 4)] = t.max(0.0).powi(3);
        y[row] = at(x) - half;
    }
    let sol = lstsq(a.view(), y.view())?;
    let c = &sol.coef;
    let coef = [c[0], c[1] / scale, c[2] / scale.powi(2), c[3] / scale.powi(3), c[4] / scale.powi(3)];
    let mut fit = FwhmFit {
        fwhm: f64::NAN,
        left: f64::NAN,
        right: f64::NAN,
        centre: f64::NAN,
        knot: k,
        peak,
        sign,
        coef,
        window: (-l, r),
        rss: sol.rss,
    };
    if fit.spline(0.0) <= 0.0 {
        return Err(Error::Degenerate("fwhm_spline: the fitted spline is not above half maximum at the peak".into()));
    }
    let right = first_root(&fit, 1.0, r as f64)
        .ok_or_else(|| Error::Degenerate("fwhm_spline: no right root in the window".into()))?;
    let left = first_root(&fit, -1.0, l as f64)
        .ok_or_else(|| Error::Degenerate("fwhm_spline: no left root in the window".into()))?;
    fit.left = left;
    fit.right = right;
    fit.fwhm = right - left;
    fit.centre = wrap(k as f64 + 0.5 * (left + right), n as f64);
    Ok(fit)
}

/// First zero of `s` walking from 0 in direction `dir` up to distance `reach`.
fn first_root(fit: &FwhmFit, dir: f64, reach: f64) -> Option<f64> {
    let step = 0.01;
    let steps = (reach / step).ceil() as usize;
    let mut prev = 0.0;
    for j in 1..=steps {
        let t = dir * (j as f64 * step).min(reach);
        if fit.spline(t) <= 0.0 {
            let (mut inside, mut outside) = (prev, t);
            for _ in 0..100 {
                let mid = 0.5 * (inside + outside);
                if fit.spline(mid) > 0.0 {
                    inside = mid;
                } else {
                    outside = mid;
                }
                if (outside - inside).abs() < 1e-12 {
                    break;
                }
            }
            return Some(0.5 * (inside + outside));
        }
        prev = t;
    }
    None
}

/// FWHM of every column of an `N × M` weight matrix (one hidden unit per column), in unit order.
pub fn fwhm_of_units(w: ndarray::ArrayView2<f64>, opts: FwhmOptions) -> Result<Vec<FwhmFit>> {
    w.columns().into_iter().map(|c| fwhm_spline(c, opts)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::tests_support::bump;

    #[test]
    fn exact_for_a_profile_that_is_a_one_knot_spline() {
        // w = 1 − x²/100 on the left, 1 − x²/100 − x³/2000 on the right (C² at the knot), 0
        // elsewhere; the window (w > 0.3, plus one site) holds only spline points, so the fit is exact. The
        // roots of 0.5 − x²/100 (− x³/2000) are found here independently by Newton's method.
        let n = 80;
        let k = 77; // peak near the boundary: window wraps
        let f = |x: f64| if x <= 0.0 { 1.0 - x * x / 100.0 } else { 1.0 - x * x / 100.0 - x.powi(3) / 2000.0 };
        let mut w = Array1::zeros(n);
        for x in -9isize..=8 {
            let v = f(x as f64);
            if v > 0.0 {
                w[(k as isize + x).rem_euclid(n as isize) as usize] = 3.0 * v;
            }
        }
        let fit = fwhm_spline((-&w).view(), FwhmOptions::default()).unwrap();
        assert!(fit.rss < 1e-20, "rss {}", fit.rss);
        let newton = |mut x: f64, right: bool| {
            for _ in 0..50 {
                let (g, dg) = if right {
                    (0.5 - x * x / 100.0 - x.powi(3) / 2000.0, -x / 50.0 - 3.0 * x * x / 2000.0)
                } else {
                    (0.5 - x * x / 100.0, -x / 50.0)
                };
                x -= g / dg;
            }
            x
        };
        let (xl, xr) = (newton(-7.0, false), newton(6.0, true));
        assert!(
            (fit.left - xl).abs() < 1e-9 && (fit.right - xr).abs() < 1e-9,
            "{} {} vs {xl} {xr}",
            fit.left,
            fit.right
        );
        assert!((fit.fwhm - (xr - xl)).abs() < 1e-9);
        assert_eq!((fit.knot, fit.sign), (k, -1.0));
        assert!((fit.peak - 3.0).abs() < 1e-12);
    }

    #[test]
    fn gaussian_and_sech_bumps_of_known_width() {
        // Gaussian: FWHM = 2√(2 ln 2) σ. sech(κx): FWHM = 2 acosh(2)/κ. Tolerance 3 % for
        // FWHM ≥ 5.9 sites (calibrated maximum error 2.1 %, module docs).
        let g = 2.0 * (2.0 * 2f64.ln()).sqrt();
        for (c, sigma) in [(37.3, 2.5), (99.7, 4.0), (0.45, 8.0), (61.81, 12.0)] {
            let w = bump(120, c, sigma, 0.8, 0.0);
            let fit = fwhm_spline(w.view(), FwhmOptions::default()).unwrap();
            let want = g * sigma;
            assert!((fit.fwhm / want - 1.0).abs() < 0.03, "σ {sigma}: {} vs {want}", fit.fwhm);
            assert!(crate::circular::min_image(c, fit.centre, 120.0).abs() < 0.05 * want);
        }
        for (c, fw) in [(20.2, 6.0), (55.55, 10.0), (90.9, 25.0)] {
            let kappa = 2.0 * 2f64.acosh() / fw;
            let w = Array1::from_iter((0..120).map(|i| {
                let d = crate::circular::min_image(c, i as f64, 120.0);
                0.6 / (kappa * d).cosh()
            }));
            let fit = fwhm_spline(w.view(), FwhmOptions::default()).unwrap();
            assert!((fit.fwhm / fw - 1.0).abs() < 0.03, "sech {fw}: {}", fit.fwhm);
        }
    }

    #[test]
    fn noisy_gaussian_bumps_are_unbiased_within_the_calibrated_band() {
        // σ = 4 (FWHM 9.42) with white noise of 2 % of the peak, 100 draws: every fit succeeds,
        // the mean is within 2 % of the truth (calibrated bias ≤ 2 %; s.e. of the mean ≈ 0.2 %).
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(21);
        let want = 2.0 * (2.0 * 2f64.ln()).sqrt() * 4.0;
        let mut sum = 0.0;
        for k in 0..100 {
            let c = 10.0 + 0.73 * k as f64;
            let w = bump(100, c, 4.0, 1.0, 0.0).mapv(|v| v + 0.02 * rng.sample::<f64, _>(rand_distr::StandardNormal));
            sum += fwhm_spline(w.view(), FwhmOptions::default()).unwrap().fwhm;
        }
        assert!((sum / 100.0 / want - 1.0).abs() < 0.02, "mean {} vs {want}", sum / 100.0);
    }

    #[test]
    fn rejects_flat_or_too_wide_profiles() {
        assert!(fwhm_spline(Array1::<f64>::ones(50).view(), FwhmOptions::default()).is_err());
        assert!(fwhm_spline(Array1::<f64>::zeros(50).view(), FwhmOptions::default()).is_err());
        // A bump wider than the ring never drops below half maximum.
        let w = bump(40, 10.0, 40.0, 1.0, 0.0);
        assert!(matches!(fwhm_spline(w.view(), FwhmOptions::default()), Err(Error::Degenerate(_))));
        assert!(fwhm_spline(bump(40, 10.0, 3.0, 1.0, 0.0).view(), FwhmOptions { floor_frac: 0.7 }).is_err());
    }
}
