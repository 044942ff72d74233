//! Small dense linear least squares `min_x ‖A x − b‖₂` by Householder QR.
//!
//! Used by the few-parameter fits of this crate (one-knot spline, cosine profile, straight
//! lines). The columns are equilibrated (scaled to unit norm) before the factorisation, so the
//! rank test does not depend on the units of the regressors.

use crate::{Error, Result};
use ndarray::{Array1, ArrayView1, ArrayView2};

/// Solution of a least-squares problem.
#[derive(Debug, Clone)]
pub struct LstsqSolution {
    /// Coefficients `x` (length = number of columns of `A`).
    pub coef: Array1<f64>,
    /// Residual sum of squares `‖A x − b‖²`.
    pub rss: f64,
}

/// Least-squares solution of `A x ≈ b` (`A` is `m × k`, `m ≥ k`) by Householder QR with column
/// equilibration. Returns [`Error::Degenerate`] when `A` is numerically rank deficient
/// (a diagonal entry of `R` below `1e-10` after equilibration). Generic numerics, no paper.
pub fn lstsq(a: ArrayView2<f64>, b: ArrayView1<f64>) -> Result<LstsqSolution> {
    let (m, k) = a.dim();
    if b.len() != m {
        return Err(Error::Invalid(format!("lstsq: A has {m} rows but b has {}", b.len())));
    }
    if k == 0 || m < k {
        return Err(Error::Invalid(format!("lstsq: need at least as many rows as columns ({m} × {k})")));
    }
    crate::check_finite("lstsq matrix", a.iter().copied())?;
    crate::check_finite("lstsq right-hand side", b.iter().copied())?;
    // Column equilibration.
    let scale: Vec<f64> = (0..k)
        .map(|j| {
            let s = a.column(j).dot(&a.column(j)).sqrt();
            if s > 0.0 { s } else { 1.0 }
        })
        .collect();
    // Work in column-major storage: r[j] is column j.
    let mut r: Vec<Vec<f64>> = (0..k).map(|j| a.column(j).iter().map(|v| v / scale[j]).collect()).collect();
    let mut y: Vec<f64> = b.to_vec();
    for j in 0..k {
        let norm = r[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm < 1e-10 {
            return Err(Error::Degenerate(format!("lstsq: design matrix is rank deficient at column {j}")));
        }
        let alpha = if r[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = r[j][j..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        if vnorm2 > 0.0 {
            for col in r.iter_mut().skip(j) {
                let p: f64 = v.iter().zip(&col[j..]).map(|(a, b)| a * b).sum::<f64>() * 2.0 / vnorm2;
                for (c, vi) in col[j..].iter_mut().zip(&v) {
                    *c -= p * vi;
                }
            }
            let p: f64 = v.iter().zip(&y[j..]).map(|(a, b)| a * b).sum::<f64>() * 2.0 / vnorm2;
            for (c, vi) in y[j..].iter_mut().zip(&v) {
                *c -= p * vi;
            }
        }
        if r[j][j].abs() < 1e-10 {
            return Err(Error::Degenerate(format!("lstsq: design matrix is rank deficient at column {j}")));
        }
    }
    // Back substitution R z = y[..k].
    let mut z = vec![0.0; k];
    for i in (0..k).rev() {
        let mut s = y[i];
        for (jj, zj) in z.iter().enumerate().skip(i + 1) {
            s -= r[jj][i] * zj;
        }
        z[i] = s / r[i][i];
    }
    let rss = y[k..].iter().map(|v| v * v).sum();
    let coef = Array1::from_iter(z.iter().zip(&scale).map(|(z, s)| z / s));
    Ok(LstsqSolution { coef, rss })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    #[test]
    fn solves_exact_system_and_reports_rss_of_overdetermined_one() {
        // Exact: y = 2 − 3x + 0.5x² on 6 points.
        let xs = [0.0f64, 1.0, 2.0, 3.0, 4.0, 5.0];
        let a = Array2::from_shape_fn((6, 3), |(i, j)| xs[i].powi(j as i32));
        let b = Array1::from_iter(xs.iter().map(|x| 2.0 - 3.0 * x + 0.5 * x * x));
        let s = lstsq(a.view(), b.view()).unwrap();
        assert!((s.coef[0] - 2.0).abs() < 1e-12 && (s.coef[1] + 3.0).abs() < 1e-12 && (s.coef[2] - 0.5).abs() < 1e-12);
        assert!(s.rss < 1e-20);
        // Mean of [1, 2, 6]: fitted constant 3, RSS = 4 + 1 + 9 = 14 (by hand).
        let a = array![[1.0], [1.0], [1.0]];
        let b = array![1.0, 2.0, 6.0];
        let s = lstsq(a.view(), b.view()).unwrap();
        assert!((s.coef[0] - 3.0).abs() < 1e-14 && (s.rss - 14.0).abs() < 1e-12);
    }

    #[test]
    fn rank_deficiency_and_bad_shapes_are_errors() {
        let a = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
        let b = array![1.0, 2.0, 3.0];
        assert!(matches!(lstsq(a.view(), b.view()), Err(Error::Degenerate(_))));
        assert!(lstsq(a.view(), array![1.0, 2.0].view()).is_err());
        let a = array![[1.0, f64::NAN], [0.0, 1.0]];
        assert!(lstsq(a.view(), array![1.0, 2.0].view()).is_err());
    }
}
