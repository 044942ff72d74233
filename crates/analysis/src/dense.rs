//! Thin wrappers around faer's dense symmetric eigensolver and SVD on `ndarray` inputs, with an
//! explicit parallelism argument so that callers already running inside rayon can ask for
//! sequential kernels.

use crate::{Error, Result};
use faer::Par;
use faer::dyn_stack::{MemBuffer, MemStack};
use ndarray::{Array1, Array2, ArrayView2};

fn to_faer(a: ArrayView2<f64>) -> faer::Mat<f64> {
    faer::Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)])
}

fn to_nd(m: faer::MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// All eigenvalues (descending) and, if `vectors`, the eigenvectors (columns, same order) of
/// the symmetric matrix `c` (lower triangle read).
pub(crate) fn eigh_desc(c: ArrayView2<f64>, vectors: bool, par: Par) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
    let n = c.nrows();
    let a = to_faer(c);
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = if vectors { Some(faer::Mat::<f64>::zeros(n, n)) } else { None };
    let compute =
        if vectors { faer::linalg::evd::ComputeEigenvectors::Yes } else { faer::linalg::evd::ComputeEigenvectors::No };
    let mut mem =
        MemBuffer::new(faer::linalg::evd::self_adjoint_evd_scratch::<f64>(n, compute, par, Default::default()));
    faer::linalg::evd::self_adjoint_evd(
        a.as_ref(),
        s.as_mut(),
        u.as_mut().map(|m| m.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::LinAlg(format!("symmetric eigendecomposition: {e:?}")))?;
    // faer returns ascending order.
    let vals = Array1::from_iter((0..n).rev().map(|k| s[k]));
    let vecs = u.map(|m| {
        let nd = to_nd(m.as_ref());
        Array2::from_shape_fn((n, n), |(i, k)| nd[(i, n - 1 - k)])
    });
    Ok((vals, vecs))
}

/// Singular values and, optionally, the thin factors `(U, V)`.
pub(crate) type SvdParts = (Array1<f64>, Option<(Array2<f64>, Array2<f64>)>);

/// Thin SVD `a = U diag(s) Vᵀ` (singular values descending); vectors only if `vectors`.
pub(crate) fn svd_thin(a: ArrayView2<f64>, vectors: bool, par: Par) -> Result<SvdParts> {
    let (m, n) = a.dim();
    let k = m.min(n);
    let fa = to_faer(a);
    let mut s = faer::diag::Diag::<f64>::zeros(k);
    let compute =
        if vectors { faer::linalg::svd::ComputeSvdVectors::Thin } else { faer::linalg::svd::ComputeSvdVectors::No };
    let mut u = if vectors { Some(faer::Mat::<f64>::zeros(m, k)) } else { None };
    let mut v = if vectors { Some(faer::Mat::<f64>::zeros(n, k)) } else { None };
    let mut mem =
        MemBuffer::new(faer::linalg::svd::svd_scratch::<f64>(m, n, compute, compute, par, Default::default()));
    faer::linalg::svd::svd(
        fa.as_ref(),
        s.as_mut(),
        u.as_mut().map(|x| x.as_mut()),
        v.as_mut().map(|x| x.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::LinAlg(format!("SVD: {e:?}")))?;
    let vals = Array1::from_iter((0..k).map(|i| s[i]));
    let vecs = match (u, v) {
        (Some(u), Some(v)) => Some((to_nd(u.as_ref()), to_nd(v.as_ref()))),
        _ => None,
    };
    Ok((vals, vecs))
}

/// Flips each column's sign so that its largest-magnitude entry is positive; returns the signs.
pub(crate) fn fix_column_signs(m: &mut Array2<f64>) -> Vec<f64> {
    let mut signs = Vec::with_capacity(m.ncols());
    for mut col in m.columns_mut() {
        let imax = col.iter().enumerate().fold(0, |b, (i, v)| if v.abs() > col[b].abs() { i } else { b });
        let sg = if col.get(imax).copied().unwrap_or(0.0) < 0.0 { -1.0 } else { 1.0 };
        if sg < 0.0 {
            col.mapv_inplace(|v| -v);
        }
        signs.push(sg);
    }
    signs
}
