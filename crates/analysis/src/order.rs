//! Order parameters and localisation measures of a hidden unit's weight vector.
//!
//! * `W = |Σ_i w_i|` — paper 002 eq. (12), the empirical order parameter of the retarded-learning
//!   transition (Fig. 7).
//! * `O = |Σ_i w_i| / (√N ‖w‖₂) ∈ [0, 1]` — the scale-free overlap of `w` with the uniform vector
//!   `1/√N` (FIGURES.md §3, P002-F7b). It is insensitive to the overall growth of `w`, which with a
//!   fixed number of epochs is `∝ S` (the fixed-epoch confound of Fig. 7b); `O = 1` for uniform
//!   weights, `O = 1/√N` for a single site, `O ~ N^{−1/2}` for random weights, and `O ≈ (peak
//!   area)/(√N ‖w‖)` for a place field.
//! * The inverse participation ratio `Σ x_i⁴ / (Σ x_i²)²` (from `1/N` when spread to 1 on one
//!   site) and the largest fraction of `Σ a_i` inside a circular window (P002-F9a/F9b checks).

use crate::{Error, Result};
use ndarray::{ArrayView1, ArrayView2};

/// `W = |Σ_i w_i|`, paper 002 eq. (12).
pub fn order_parameter(w: ArrayView1<f64>) -> Result<f64> {
    crate::check_finite("weights", w.iter().copied())?;
    Ok(w.sum().abs())
}

/// Scale-free overlap `|Σ_i w_i| / (√N ‖w‖₂)` (FIGURES.md §3 for paper 002 Fig. 7b). Errors on a
/// zero vector.
pub fn scale_free_overlap(w: ArrayView1<f64>) -> Result<f64> {
    crate::check_finite("weights", w.iter().copied())?;
    let norm = w.dot(&w).sqrt();
    if norm == 0.0 {
        return Err(Error::Degenerate("scale_free_overlap of a zero vector".into()));
    }
    Ok(w.sum().abs() / ((w.len() as f64).sqrt() * norm))
}

/// Per hidden unit (columns of an `N × M` matrix): `(W_μ, O_μ)` with `W` of eq. (12) and the
/// scale-free overlap `O`.
pub fn order_parameters_of_units(w: ArrayView2<f64>) -> Result<Vec<(f64, f64)>> {
    w.columns().into_iter().map(|c| Ok((order_parameter(c)?, scale_free_overlap(c)?))).collect()
}

/// Inverse participation ratio `Σ x_i⁴ / (Σ x_i²)²` (paper 002 Fig. 9b localisation check,
/// FIGURES.md §3; generic). Errors on a zero vector.
pub fn inverse_participation_ratio(x: ArrayView1<f64>) -> Result<f64> {
    crate::check_finite("values", x.iter().copied())?;
    let s2: f64 = x.iter().map(|v| v * v).sum();
    if s2 == 0.0 {
        return Err(Error::Degenerate("inverse_participation_ratio of a zero vector".into()));
    }
    Ok(x.iter().map(|v| v.powi(4)).sum::<f64>() / (s2 * s2))
}

/// Largest fraction of `Σ a_i` (non-negative `a`, e.g. `|w_i|` or site norms) inside a circular
/// window of `window` consecutive sites, and the first site of that window (paper 002 Fig. 9a
/// check "≥ 70 % of Σ|w| inside a window of ≤ 30 sites", FIGURES.md §3).
pub fn max_window_fraction(a: ArrayView1<f64>, window: usize) -> Result<(f64, usize)> {
    crate::check_finite("values", a.iter().copied())?;
    let n = a.len();
    if window == 0 || window > n {
        return Err(Error::Invalid(format!("window {window} on {n} sites")));
    }
    if a.iter().any(|v| *v < 0.0) {
        return Err(Error::Invalid("max_window_fraction needs non-negative values".into()));
    }
    let total = a.sum();
    if total == 0.0 {
        return Err(Error::Degenerate("max_window_fraction of a zero vector".into()));
    }
    let mut s: f64 = (0..window).map(|i| a[i]).sum();
    let (mut best, mut start) = (s, 0);
    for i in 1..n {
        s += a[(i + window - 1) % n] - a[i - 1];
        if s > best {
            best = s;
            start = i;
        }
    }
    Ok((best / total, start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};

    #[test]
    fn order_parameter_and_overlap_limits() {
        let n = 64;
        let uniform = Array1::from_elem(n, -0.3);
        assert!((order_parameter(uniform.view()).unwrap() - 0.3 * n as f64).abs() < 1e-12);
        assert!((scale_free_overlap(uniform.view()).unwrap() - 1.0).abs() < 1e-14);
        let mut single = Array1::zeros(n);
        single[5] = 2.0;
        assert!((scale_free_overlap(single.view()).unwrap() - 1.0 / (n as f64).sqrt()).abs() < 1e-15);
        let staggered = Array1::from_iter((0..n).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }));
        assert_eq!(order_parameter(staggered.view()).unwrap(), 0.0);
        // A box of width 8 and height h: W = 8h, O = 8h/(√64 · h√8) = 1/√8.
        let boxw = Array1::from_iter((0..n).map(|i| if (10..18).contains(&i) { 0.7 } else { 0.0 }));
        assert!((order_parameter(boxw.view()).unwrap() - 5.6).abs() < 1e-12);
        assert!((scale_free_overlap(boxw.view()).unwrap() - 1.0 / 8f64.sqrt()).abs() < 1e-14);
        let m = Array2::from_shape_fn((n, 2), |(i, mu)| if mu == 0 { uniform[i] } else { boxw[i] });
        let per = order_parameters_of_units(m.view()).unwrap();
        assert!((per[1].1 - 1.0 / 8f64.sqrt()).abs() < 1e-14);
        assert!(scale_free_overlap(Array1::zeros(3).view()).is_err());
    }

    #[test]
    fn localisation_measures() {
        let n = 50;
        assert!(
            (inverse_participation_ratio(Array1::from_elem(n, 2.0).view()).unwrap() - 1.0 / n as f64).abs() < 1e-15
        );
        let mut one = Array1::zeros(n);
        one[3] = -1.0;
        assert_eq!(inverse_participation_ratio(one.view()).unwrap(), 1.0);
        // Mass 1 on sites 48, 49, 0, 1 and 0.1 on the other 46: best window of 4 wraps around.
        let a = Array1::from_iter((0..n).map(|i| if i >= 48 || i <= 1 { 1.0 } else { 0.1 }));
        let (f, start) = max_window_fraction(a.view(), 4).unwrap();
        assert!((f - 4.0 / 8.6).abs() < 1e-12);
        assert_eq!(start, 48);
        assert!(max_window_fraction(a.view(), 51).is_err());
    }
}
