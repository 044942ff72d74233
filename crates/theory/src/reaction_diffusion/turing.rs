//! Turing-instability conditions of paper 002, appendix (A1)–(A12), for the
//! reaction–diffusion system (38)–(39) on a ring of length L.
//!
//! The paper treats `b` as a second species with diffusion constant `d → ∞`:
//! `∂_t w = f(w, b) + ∂²w`, `∂_t b = g(w, b) + d ∂²b` with `f = (2 − b)w + w³` and, for a
//! uniform w, `g = 4b − 2b² + 2Lw⁴` (A1). Its uniform fixed point is
//! `w* = √(2/(L−1))`, `b* = 2L/(L−1)` (A2) and the Jacobian (A4) is
//! `A = [[2 + 3w*² − b*, −w*], [8Lw*³, 4(1 − b*)]]`, which simplifies to
//! `f_w = 4/(L−1)`, `f_b = −w*`, `g_w = 8Lw*³`, `g_b = −4(L+1)/(L−1)`,
//! `tr A = −4L/(L−1)`, `det A = 16/(L−1)` (derived here; the eigenvalues of A are `−4`
//! and `−4/(L−1)`). Conditions: (A6) `tr A < 0`, `det A > 0`; (A10) `d f_w + g_b > 0`;
//! (A11) `(d f_w + g_b)² − 4d det A > 0`; (A12) `f_w > 0` decides (A10) as `d → ∞`.
//!
//! The dispersion relation (A9) gives the growth rate of a Fourier mode k as the
//! largest real part of the eigenvalues of `A − k² diag(1, d)`; for `d → ∞` and `k ≠ 0`
//! it tends to `f_w − k² = 4/(L−1) − k²`, which is also the exact growth rate of a
//! zero-mean perturbation of the uniform state under (38)–(39) (b is unchanged to first
//! order), so the PDE solver can be checked against it ([`pde_growth_rate`]). At k = 0 the
//! two eigenvalues of A are −4 and −4/(L−1); only −4 (eigenvector `δb = 2Lw*δw`) is a mode
//! of the PDE, where b is slaved to w.

use crate::error::{Result, ensure};

/// Uniform fixed point, Jacobian and Turing conditions (paper 002 eqs. A2, A4, A6, A10–A12).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TuringReport {
    /// Ring length L.
    pub length: f64,
    /// Diffusion constant d of the inhibitor b (`f64::INFINITY` for the paper's limit).
    pub d: f64,
    /// `w* = √(2/(L−1))` (A2).
    pub w_star: f64,
    /// `b* = 2L/(L−1)` (A2).
    pub b_star: f64,
    /// `f_w = 2 + 3w*² − b*` (A4, A12).
    pub f_w: f64,
    /// `f_b = −w*` (A4).
    pub f_b: f64,
    /// `g_w = 8Lw*³` (A4).
    pub g_w: f64,
    /// `g_b = 4(1 − b*)` (A4).
    pub g_b: f64,
    /// `tr A` (A6).
    pub trace: f64,
    /// `det A` (A6).
    pub det: f64,
    /// (A6): the uniform state is stable without diffusion (`tr A < 0` and `det A > 0`).
    pub homogeneous_stable: bool,
    /// (A10): `d f_w + g_b > 0` (for `d = ∞`: `f_w > 0`, eq. A12).
    pub a10: bool,
    /// (A11): `(d f_w + g_b)² − 4 d det A > 0` (for `d = ∞`: `f_w ≠ 0`).
    pub a11: bool,
    /// All of (A6), (A10), (A11): diffusion-driven (Turing) instability.
    pub turing_unstable: bool,
}

/// Evaluates paper 002 (A2)–(A12) for a ring of length `length` and inhibitor diffusion
/// constant `d` (`f64::INFINITY` allowed, the paper's case).
///
/// Errors: `length <= 1` (no non-trivial uniform fixed point) or `d <= 0` / NaN.
pub fn turing_analysis(length: f64, d: f64) -> Result<TuringReport> {
    ensure(length > 1.0, "length", length, "uniform fixed point (A2) needs L > 1")?;
    if d != f64::INFINITY {
        ensure(d > 0.0, "d", d, "diffusion constant must be > 0 (infinity allowed)")?;
    }
    let w_star = (2.0 / (length - 1.0)).sqrt();
    let b_star = 2.0 * length / (length - 1.0);
    let f_w = 2.0 + 3.0 * w_star * w_star - b_star;
    let f_b = -w_star;
    let g_w = 8.0 * length * w_star.powi(3);
    let g_b = 4.0 * (1.0 - b_star);
    let trace = f_w + g_b;
    let det = f_w * g_b - f_b * g_w;
    let (a10, a11) = if d.is_infinite() {
        (f_w > 0.0, f_w != 0.0)
    } else {
        let s = d * f_w + g_b;
        (s > 0.0, s * s - 4.0 * d * det > 0.0)
    };
    let homogeneous_stable = trace < 0.0 && det > 0.0;
    Ok(TuringReport {
        length,
        d,
        w_star,
        b_star,
        f_w,
        f_b,
        g_w,
        g_b,
        trace,
        det,
        homogeneous_stable,
        a10,
        a11,
        turing_unstable: homogeneous_stable && a10 && a11,
    })
}

/// Growth rate `max Re λ(k)` of the linearised two-species system, paper 002 eq. (A9)
/// with γ = 1: the largest real part of the eigenvalues of `A − k² diag(1, d)`. For
/// `d = ∞` and `k ≠ 0` the limit `f_w − k²` is returned.
///
/// Errors: as [`turing_analysis`], or a non-finite `k`.
pub fn growth_rate(length: f64, d: f64, k: f64) -> Result<f64> {
    ensure(k.is_finite(), "k", k, "wavenumber must be finite")?;
    let r = turing_analysis(length, d)?;
    if d.is_infinite() && k != 0.0 {
        return Ok(r.f_w - k * k);
    }
    let dd = if d.is_infinite() { 0.0 } else { d };
    let (a, b, c, e) = (r.f_w - k * k, r.f_b, r.g_w, r.g_b - dd * k * k);
    let tr = a + e;
    let det = a * e - b * c;
    let disc = tr * tr - 4.0 * det;
    if disc < 0.0 {
        return Ok(0.5 * tr);
    }
    // Cancellation-free roots of λ² − tr λ + det = 0.
    let q = 0.5 * (tr + tr.signum() * disc.sqrt());
    if q == 0.0 {
        return Ok(0.0);
    }
    Ok(q.max(det / q))
}

/// Exact growth rate of a small Fourier mode `cos(kx)` about the uniform fixed point under
/// the PDE (38)–(39) itself (b slaved to w): `f_w − k² = 4/(L−1) − k²` for `k ≠ 0` (zero-mean
/// modes leave b unchanged to first order) and `−4` for `k = 0` (`δb = 2Lw*δw`).
/// Re-derived; it is the `d → ∞` limit of (A9) for `k ≠ 0`, while for `k = 0` only the
/// eigenvalue `−4` of A is physical — the other one, `−4/(L−1)`, belongs to an
/// eigenvector with `δb ≠ 2Lw*δw`, which the two-species picture (A3) allows but
/// the PDE does not.
///
/// Errors: `length <= 1`, non-finite `k`.
pub fn pde_growth_rate(length: f64, k: f64) -> Result<f64> {
    ensure(k.is_finite(), "k", k, "wavenumber must be finite")?;
    let r = turing_analysis(length, f64::INFINITY)?;
    Ok(if k == 0.0 { -4.0 } else { r.f_w - k * k })
}

/// Right-hand side of paper 002 eq. (A1), the rate of change of `b = ∫w²` under (38):
/// `db/dt = 4b − 2b² + 2∫w ∂²w + 2∫w⁴`, for a field `w` sampled on the uniform periodic
/// grid `x_j = jL/n` (`n` a power of two; `∫w ∂²w` evaluated spectrally).
///
/// Errors: `length <= 0`, `w.len()` not a power of two `>= 4`, non-finite values.
pub fn a1_b_rate(w: &[f64], length: f64) -> Result<f64> {
    super::continuum::grid(length, w.len())?;
    if w.iter().any(|x| !x.is_finite()) {
        return Err(crate::error::Error::NonFinite("field w"));
    }
    let n = w.len();
    let h = length / n as f64;
    let (mut re, mut im) = (w.to_vec(), vec![0.0; n]);
    let fft = super::fft::Fft::new(n);
    fft.forward(&mut re, &mut im);
    for (k, kk) in super::fft::wavenumbers(n, length).iter().enumerate() {
        re[k] *= -kk * kk;
        im[k] *= -kk * kk;
    }
    fft.inverse(&mut re, &mut im);
    let b: f64 = h * w.iter().map(|x| x * x).sum::<f64>();
    let w_lap: f64 = h * w.iter().zip(&re).map(|(a, c)| a * c).sum::<f64>();
    let w4: f64 = h * w.iter().map(|x| x.powi(4)).sum::<f64>();
    Ok(4.0 * b - 2.0 * b * b + 2.0 * w_lap + 2.0 * w4)
}

/// Dispersion curve of the ring: growth rates of the modes `k_n = 2πn/L`, `n = 0..=n_max`.
#[derive(Debug, Clone, PartialEq)]
pub struct DispersionCurve {
    /// Mode index n.
    pub mode: Vec<usize>,
    /// Wavenumber `k = 2πn/L`.
    pub k: Vec<f64>,
    /// Growth rate `max Re λ(k)` (eq. A9).
    pub growth_rate: Vec<f64>,
}

/// Tabulates [`growth_rate`] for the first `n_max + 1` Fourier modes of the ring
/// (paper 002 eq. A9). Errors: as [`growth_rate`].
pub fn dispersion_curve(length: f64, d: f64, n_max: usize) -> Result<DispersionCurve> {
    let mode: Vec<usize> = (0..=n_max).collect();
    let k: Vec<f64> = mode.iter().map(|n| 2.0 * std::f64::consts::PI * *n as f64 / length).collect();
    let growth_rate = k.iter().map(|k| growth_rate(length, d, *k)).collect::<Result<Vec<_>>>()?;
    Ok(DispersionCurve { mode, k, growth_rate })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms_of_the_jacobian() {
        for l in [1.5, 2.0, 10.0, 40.0, 100.0] {
            let r = turing_analysis(l, f64::INFINITY).unwrap();
            assert!((r.f_w - 4.0 / (l - 1.0)).abs() < 1e-12);
            assert!((r.trace + 4.0 * l / (l - 1.0)).abs() < 1e-12);
            assert!((r.det - 16.0 / (l - 1.0)).abs() < 1e-10);
            assert!(r.homogeneous_stable && r.a10 && r.a11 && r.turing_unstable);
            // Uniform mode (k = 0) of A: eigenvalues −4 and −4/(L−1).
            assert!((growth_rate(l, f64::INFINITY, 0.0).unwrap() + 4.0f64.min(4.0 / (l - 1.0))).abs() < 1e-9);
        }
    }

    #[test]
    fn finite_d_converges_to_the_infinite_limit() {
        let l = 40.0;
        let k = 2.0 * std::f64::consts::PI / l;
        let lim = growth_rate(l, f64::INFINITY, k).unwrap();
        let big = growth_rate(l, 1e9, k).unwrap();
        assert!((lim - big).abs() < 1e-6, "{lim} vs {big}");
        // d = 1: no Turing instability (A10 fails, since g_b < 0 and f_w < |g_b|).
        let r = turing_analysis(l, 1.0).unwrap();
        assert!(!r.a10 && !r.turing_unstable);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(turing_analysis(1.0, f64::INFINITY).is_err());
        assert!(turing_analysis(10.0, 0.0).is_err());
        assert!(turing_analysis(10.0, f64::NAN).is_err());
        assert!(growth_rate(10.0, 1.0, f64::NAN).is_err());
    }
}
