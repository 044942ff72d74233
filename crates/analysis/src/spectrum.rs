//! Top of the spectrum of a sample covariance matrix `C = XᵀX / n` (or of its centred
//! version), computed without forming `C`: Lanczos iteration with full
//! re-orthogonalisation on the operator `v ↦ Xᵀ(Xv)/n`, the small tridiagonal problem
//! solved by faer's symmetric eigensolver.
//!
//! The cost per iteration is two matrix–vector products with `X` (`4nd` flops), so the
//! top eigenpair of a 4000 × 2000 data matrix takes milliseconds where a dense
//! eigendecomposition of `C` would take seconds.

use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// Largest eigenvalue and its unit eigenvector.
#[derive(Debug, Clone)]
pub struct TopEigen {
    /// Largest eigenvalue.
    pub value: f64,
    /// Unit-norm eigenvector (sign fixed so that its largest-magnitude entry is positive).
    pub vector: Array1<f64>,
    /// Lanczos iterations used.
    pub iterations: usize,
    /// Final residual `‖Cv − λv‖`.
    pub residual: f64,
}

/// Top eigenpair of `C = X̃ᵀX̃ / n` where `X̃ = X` (`center = false`) or `X` with its column
/// means removed (`center = true`). `x` is `n × d`, one sample per row.
///
/// Converges when the Ritz residual falls below `tol · λ`; returns `NotConverged` otherwise.
pub fn top_eigen_covariance(x: ArrayView2<f64>, center: bool, tol: f64) -> Result<TopEigen> {
    let (n, d) = x.dim();
    if n == 0 || d == 0 {
        return Err(Error::Invalid(format!("empty data matrix {n} × {d}")));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid("data contains NaN or infinity".into()));
    }
    let mean = if center { x.mean_axis(Axis(0)).expect("n > 0") } else { Array1::zeros(d) };
    let apply = |v: &Array1<f64>| -> Array1<f64> {
        let (mut out, sum_xv) = gram_apply(x, v, mean.dot(v));
        if center {
            out.scaled_add(-sum_xv, &mean);
        }
        out / n as f64
    };
    let max_iter = d.min(300);
    // Deterministic, generic start vector.
    let mut q = Array1::from_iter((0..d).map(|i| 1.0 + ((i as f64) * 0.754_877_666).sin() * 0.5));
    q /= q.dot(&q).sqrt();
    let mut basis: Vec<Array1<f64>> = vec![q];
    let mut alpha: Vec<f64> = Vec::new();
    let mut beta: Vec<f64> = Vec::new();
    let mut last = (0.0, Array1::zeros(0), f64::INFINITY);
    for it in 1..=max_iter {
        let qj = basis.last().expect("non-empty").clone();
        let mut w = apply(&qj);
        let a = w.dot(&qj);
        alpha.push(a);
        // Full re-orthogonalisation (twice is enough).
        for _ in 0..2 {
            for b in &basis {
                let p = w.dot(b);
                w.scaled_add(-p, b);
            }
        }
        let bnorm = w.dot(&w).sqrt();
        let (theta, s) = top_of_tridiagonal(&alpha, &beta);
        let resid = bnorm * s[s.len() - 1].abs();
        let mut v = Array1::<f64>::zeros(d);
        for (c, b) in s.iter().zip(&basis) {
            v.scaled_add(*c, b);
        }
        last = (theta, v, resid);
        if resid <= tol * theta.abs().max(1e-300) || bnorm < 1e-14 || it == d {
            let (value, mut vector, residual) = last;
            let nrm = vector.dot(&vector).sqrt();
            vector /= nrm;
            let imax = vector.iter().enumerate().fold(0, |m, (i, v)| if v.abs() > vector[m].abs() { i } else { m });
            if vector[imax] < 0.0 {
                vector.mapv_inplace(|v| -v);
            }
            return Ok(TopEigen { value, vector, iterations: it, residual });
        }
        beta.push(bnorm);
        basis.push(w / bnorm);
    }
    Err(Error::NotConverged { method: "Lanczos", iterations: max_iter, residual: last.2 })
}

/// Rows per block of [`gram_apply`]: fixed, so the reduction order (and the result, bit for
/// bit) does not depend on the thread count.
const GRAM_BLOCK_ROWS: usize = 256;

/// `(Xᵀ(Xv − s·1), Σ_μ (x_μ·v − s))` in one pass over the rows of `X`, parallel over fixed
/// row blocks whose partial sums are added in block order. Reading `X` once per product, row
/// by row, replaces a strided `Xᵀ` product that dominated the Lanczos cost at large `d`.
fn gram_apply(x: ArrayView2<f64>, v: &Array1<f64>, shift: f64) -> (Array1<f64>, f64) {
    use rayon::prelude::*;
    let (n, d) = x.dim();
    let blocks = n.div_ceil(GRAM_BLOCK_ROWS);
    let partial: Vec<(Array1<f64>, f64)> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let rows = x.slice(ndarray::s![b * GRAM_BLOCK_ROWS..((b + 1) * GRAM_BLOCK_ROWS).min(n), ..]);
            let mut acc = Array1::<f64>::zeros(d);
            let mut sum = 0.0;
            for row in rows.rows() {
                let c = row.dot(v) - shift;
                sum += c;
                acc.scaled_add(c, &row);
            }
            (acc, sum)
        })
        .collect();
    let mut out = Array1::<f64>::zeros(d);
    let mut sum = 0.0;
    for (acc, s) in &partial {
        out += acc;
        sum += s;
    }
    (out, sum)
}

/// Largest eigenvalue and eigenvector of the symmetric tridiagonal matrix with diagonal
/// `alpha` and off-diagonal `beta` (`beta.len() == alpha.len() − 1`).
fn top_of_tridiagonal(alpha: &[f64], beta: &[f64]) -> (f64, Vec<f64>) {
    let m = alpha.len();
    let t = faer::Mat::<f64>::from_fn(m, m, |i, j| {
        if i == j {
            alpha[i]
        } else if i + 1 == j {
            beta[i]
        } else if j + 1 == i {
            beta[j]
        } else {
            0.0
        }
    });
    let eig = t.self_adjoint_eigen(faer::Side::Lower).expect("symmetric tridiagonal eigenproblem");
    let vals = eig.S();
    let vecs = eig.U();
    let mut k = 0;
    for i in 0..m {
        if vals[i] > vals[k] {
            k = i;
        }
    }
    (vals[k], (0..m).map(|i| vecs[(i, k)]).collect())
}

/// The `k` largest eigenvalues (descending) and their unit eigenvectors (columns, each signed
/// so that its largest-magnitude entry is positive) of the dense symmetric matrix `c`, by faer's
/// full symmetric eigendecomposition (robust to the exact 2-fold degeneracy of the XY top
/// eigenvalue, paper 002 eq. 30, where a single-vector Lanczos would return an arbitrary vector of
/// the pair slowly). `c` is checked for symmetry (to `1e-10 · max|c|`). A 1000 × 1000 matrix
/// (paper 002 Fig. 13, N = 100, P = 10) takes well under a second.
pub fn symmetric_top_k(c: ArrayView2<f64>, k: usize) -> Result<(Vec<f64>, Array2<f64>)> {
    let (n, m) = c.dim();
    if n == 0 || n != m || k == 0 || k > n {
        return Err(Error::Invalid(format!("symmetric_top_k: matrix {n} × {m}, k = {k}")));
    }
    if c.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid("matrix contains NaN or infinity".into()));
    }
    let amax = c.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for i in 0..n {
        for j in 0..i {
            if (c[(i, j)] - c[(j, i)]).abs() > 1e-10 * amax.max(1e-300) {
                return Err(Error::Invalid(format!("matrix is not symmetric at ({i}, {j})")));
            }
        }
    }
    let (vals, vecs) = crate::dense::eigh_desc(c, true, faer::get_global_parallelism())?;
    let mut top = vecs.expect("vectors requested").slice(ndarray::s![.., ..k]).to_owned();
    crate::dense::fix_column_signs(&mut top);
    Ok((vals.iter().take(k).copied().collect(), top))
}

/// Dense sample covariance `X̃ᵀX̃/n` (reference implementation for small `d`).
pub fn sample_covariance(x: ArrayView2<f64>, center: bool) -> Array2<f64> {
    let n = x.nrows() as f64;
    if center {
        let m = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(x.ncols()));
        let xc = &x - &m.insert_axis(Axis(0));
        xc.t().dot(&xc) / n
    } else {
        x.t().dot(&x) / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg_matrix(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut s = seed;
        Array2::from_shape_fn((n, d), |(i, j)| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * (1.0 + (j % 3) as f64) + 0.2 * (i % 2) as f64
        })
    }

    #[test]
    fn lanczos_matches_dense_eigendecomposition() {
        for center in [false, true] {
            let x = lcg_matrix(120, 40, 3);
            let top = top_eigen_covariance(x.view(), center, 1e-12).unwrap();
            let c = sample_covariance(x.view(), center);
            let m = faer::Mat::<f64>::from_fn(40, 40, |i, j| c[(i, j)]);
            let vals = m.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
            let max = vals.iter().cloned().fold(f64::MIN, f64::max);
            assert!((top.value - max).abs() < 1e-9 * max, "{} vs {}", top.value, max);
            let cv = c.dot(&top.vector);
            let r = &cv - &(&top.vector * top.value);
            assert!(r.dot(&r).sqrt() < 1e-8);
        }
    }

    /// Several row blocks: the one-pass product equals the two dense products, and the
    /// eigenpair is bit-identical for 1 and 3 threads (fixed blocks, ordered reduction).
    #[test]
    fn blocked_gram_product_is_exact_and_thread_independent() {
        let x = lcg_matrix(3 * GRAM_BLOCK_ROWS + 17, 30, 5);
        let v = Array1::from_iter((0..30).map(|i| (i as f64 * 0.37).cos()));
        let (out, sum) = gram_apply(x.view(), &v, 0.25);
        let xv = x.dot(&v) - 0.25;
        let reference = x.t().dot(&xv);
        let err = (&out - &reference).iter().fold(0.0f64, |m, e| m.max(e.abs()));
        assert!(err < 1e-10 * reference.iter().fold(0.0f64, |m, e| m.max(e.abs())), "{err}");
        assert!((sum - xv.sum()).abs() < 1e-9);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| top_eigen_covariance(x.view(), true, 1e-12).unwrap())
        };
        let (a, b) = (run(1), run(3));
        assert_eq!(a.value.to_bits(), b.value.to_bits());
        assert!(a.vector.iter().zip(&b.vector).all(|(p, q)| p.to_bits() == q.to_bits()));
    }

    #[test]
    fn rejects_empty_and_nan() {
        assert!(top_eigen_covariance(Array2::<f64>::zeros((0, 3)).view(), false, 1e-9).is_err());
        let mut x = Array2::<f64>::ones((4, 3));
        x[(1, 1)] = f64::NAN;
        assert!(top_eigen_covariance(x.view(), false, 1e-9).is_err());
    }
}
