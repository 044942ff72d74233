//! Small dense linear algebra on `k × k` row-major slices (k ≤ ~20), used inside the
//! per-sample loops of AMP-RBM and the state evolutions where calling a general
//! library would allocate.

/// Solves `a x = b` in place (`a` is `k × k` row-major and is overwritten) by Gaussian
/// elimination with partial pivoting. Returns `false` when `a` is numerically singular.
pub(crate) fn solve_in_place(a: &mut [f64], b: &mut [f64], k: usize) -> bool {
    solve_multi_in_place(a, b, k, 1)
}

/// Inverse of a `k × k` row-major matrix (`None` if singular).
pub(crate) fn inverse(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut out = vec![0.0; k * k];
    let mut work = vec![0.0; k * k];
    let mut col = vec![0.0; k];
    for j in 0..k {
        work.copy_from_slice(a);
        col.iter_mut().for_each(|c| *c = 0.0);
        col[j] = 1.0;
        if !solve_in_place(&mut work, &mut col, k) {
            return None;
        }
        for i in 0..k {
            out[i * k + j] = col[i];
        }
    }
    Some(out)
}

/// Cholesky factor `L` (lower, row-major) of a symmetric positive-definite matrix;
/// `None` when a pivot is not positive.
pub(crate) fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            if i == j {
                if !(s > 0.0) {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// Symmetric eigen-decomposition by cyclic Jacobi rotations: returns the eigenvalues
/// (unsorted) and the eigenvectors as columns of a row-major `k × k` matrix.
pub(crate) fn sym_eigen(a: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; k * k];
    for i in 0..k {
        v[i * k + i] = 1.0;
    }
    for _sweep in 0..100 {
        let mut off = 0.0;
        for i in 0..k {
            for j in i + 1..k {
                off += m[i * k + j] * m[i * k + j];
            }
        }
        if off < 1e-30 {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                let apq = m[p * k + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * k + q] - m[p * k + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..k {
                    let mrp = m[r * k + p];
                    let mrq = m[r * k + q];
                    m[r * k + p] = c * mrp - s * mrq;
                    m[r * k + q] = s * mrp + c * mrq;
                }
                for r in 0..k {
                    let mpr = m[p * k + r];
                    let mqr = m[q * k + r];
                    m[p * k + r] = c * mpr - s * mqr;
                    m[q * k + r] = s * mpr + c * mqr;
                }
                for r in 0..k {
                    let vrp = v[r * k + p];
                    let vrq = v[r * k + q];
                    v[r * k + p] = c * vrp - s * vrq;
                    v[r * k + q] = s * vrp + c * vrq;
                }
            }
        }
    }
    ((0..k).map(|i| m[i * k + i]).collect(), v)
}

/// Symmetric square root `S^{1/2}` of a positive semi-definite matrix (negative
/// eigenvalues from rounding are clipped to zero).
pub(crate) fn sym_sqrt(a: &[f64], k: usize) -> Vec<f64> {
    let (ev, v) = sym_eigen(a, k);
    let mut out = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            let mut s = 0.0;
            for p in 0..k {
                s += v[i * k + p] * ev[p].max(0.0).sqrt() * v[j * k + p];
            }
            out[i * k + j] = s;
        }
    }
    out
}

/// Row-major product `a (m × p) · b (p × q)`.
pub(crate) fn matmul(a: &[f64], b: &[f64], m: usize, p: usize, q: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * q];
    for i in 0..m {
        for l in 0..p {
            let x = a[i * p + l];
            if x != 0.0 {
                for j in 0..q {
                    out[i * q + j] += x * b[l * q + j];
                }
            }
        }
    }
    out
}

/// Solves `a X = B` in place for `m` right-hand sides (`b` is `k × m` row-major and receives
/// `X`; `a` is overwritten) by one Gaussian elimination with partial pivoting, `O(k³ + k²m)`.
/// Returns `false` when `a` is numerically singular.
pub(crate) fn solve_multi_in_place(a: &mut [f64], b: &mut [f64], k: usize, m: usize) -> bool {
    for col in 0..k {
        let mut piv = col;
        let mut best = a[col * k + col].abs();
        for r in col + 1..k {
            let v = a[r * k + col].abs();
            if v > best {
                best = v;
                piv = r;
            }
        }
        if !(best > 1e-300) || !best.is_finite() {
            return false;
        }
        if piv != col {
            for j in 0..k {
                a.swap(col * k + j, piv * k + j);
            }
            for j in 0..m {
                b.swap(col * m + j, piv * m + j);
            }
        }
        let d = a[col * k + col];
        for r in col + 1..k {
            let f = a[r * k + col] / d;
            if f != 0.0 {
                for j in col..k {
                    a[r * k + j] -= f * a[col * k + j];
                }
                for j in 0..m {
                    b[r * m + j] -= f * b[col * m + j];
                }
            }
        }
    }
    for col in (0..k).rev() {
        for j in 0..m {
            let mut s = b[col * m + j];
            for l in col + 1..k {
                s -= a[col * k + l] * b[l * m + j];
            }
            b[col * m + j] = s / a[col * k + col];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_rhs_solve_matches_column_by_column() {
        let a = [4.0, 1.0, 0.5, 1.0, 3.0, -0.2, 0.3, 0.1, 2.0];
        let b = [1.0, 0.0, 2.0, 0.0, 1.0, -1.0, 0.5, 0.5, 0.0];
        let (mut a2, mut b2) = (a, b);
        assert!(solve_multi_in_place(&mut a2, &mut b2, 3, 3));
        for j in 0..3 {
            let mut aw = a;
            let mut col = [b[j], b[3 + j], b[6 + j]];
            assert!(solve_in_place(&mut aw, &mut col, 3));
            for i in 0..3 {
                assert!((b2[i * 3 + j] - col[i]).abs() < 1e-14);
            }
        }
    }
}
