//! Small dense linear algebra on `k × k` row-major slices (k ≤ ~20), used inside the
//! per-sample loops of AMP-RBM and the state evolutions where calling a general
//! library would allocate.
//!
//! It also holds the fused pass over a data matrix shared by the effective-objective
//! gradient and AMP-RBM ([`fused_pass`]): for every row `x_μ` of `X` (`n × d`) it forms
//! `y_μ = Wᵀx_μ` (`k` dot products), maps `y_μ ↦ g_μ` by a caller-given row function, and
//! accumulates `Σ_μ g_μ x_μᵀ` (the `k × d` transpose of `Xᵀ G`) while the row is still in
//! cache, so `X` is read from memory once per call instead of twice (`XW`, then `XᵀG`).
//! Rows are grouped in fixed blocks of [`ROW_BLOCK`]; each block has its own partial sums,
//! which are added in block order. The summation order is therefore fixed by `n` alone and
//! the result is bit-identical for any number of rayon threads.

use ndarray::ArrayView2;
use rayon::prelude::*;

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

/// Largest `k` for which the callers use [`fused_pass`]: above it the `2k` row dot/axpy
/// kernels (plain SSE2 arithmetic) become compute-bound and lose to the two separate
/// cache-blocked products of `ndarray` (release, 2 threads, n = 8000, d = 4000, the
/// `p003_grad_bench` example: two products 0.081 s at k = 2 and 0.113 s at k = 10; fused 0.032 s
/// at k = 2, 0.061 s at k = 4, 0.14–0.19 s at k = 10).
pub(crate) const FUSED_MAX_K: usize = 4;

/// Rows per block of [`fused_pass`] (fixed: never derived from the thread count).
pub(crate) const ROW_BLOCK: usize = 512;

/// Blocks whose partial sums are held at once (bounds the scratch to `WAVE · k · d`).
const WAVE: usize = 16;

/// Rows handled together by the micro-kernels of [`fused_pass`] (each load of `W` and of the
/// accumulator serves this many rows).
const R: usize = 4;

/// `[x_r · w]_{r < R}`, each with four interleaved partial sums (fixed order; the same
/// arithmetic for every row whatever its position in the group).
#[inline]
fn dot_rows(xs: &[&[f64]; R], w: &[f64]) -> [f64; R] {
    let mut acc = [[0.0f64; 4]; R];
    let it = w.chunks_exact(4).zip(xs[0].chunks_exact(4)).zip(xs[1].chunks_exact(4));
    for (((wc, x0), x1), (x2, x3)) in it.zip(xs[2].chunks_exact(4).zip(xs[3].chunks_exact(4))) {
        for l in 0..4 {
            acc[0][l] += x0[l] * wc[l];
            acc[1][l] += x1[l] * wc[l];
            acc[2][l] += x2[l] * wc[l];
            acc[3][l] += x3[l] * wc[l];
        }
    }
    let tail = w.len() / 4 * 4;
    let mut out = [0.0; R];
    for r in 0..R {
        let a = &acc[r];
        let mut s = (a[0] + a[1]) + (a[2] + a[3]);
        for i in tail..w.len() {
            s += xs[r][i] * w[i];
        }
        out[r] = s;
    }
    out
}

/// `out_i += Σ_r g_r x_{r,i}`, the rows added one after the other (`(((out + g_0x_0) + g_1x_1)
/// + …)`, the order of `R` successive row updates).
#[inline]
fn axpy_rows(out: &mut [f64], g: &[f64; R], xs: &[&[f64]; R]) {
    let it = out.iter_mut().zip(xs[0]).zip(xs[1]);
    for (((o, x0), x1), (x2, x3)) in it.zip(xs[2].iter().zip(xs[3])) {
        *o = (((*o + g[0] * x0) + g[1] * x1) + g[2] * x2) + g[3] * x3;
    }
}

/// One fused pass over the rows of `x` (`n × d`): for each processed row `μ` (all rows in
/// order, or the listed `rows`), `y = Wᵀx_μ` with `W` given transposed (`wt`, `k × d`
/// row-major); `row_fn(μ, y, state)` overwrites `y` with `g_μ`; `g_μ` is stored in row `j`
/// of `g_out` (`m × k`, `j` the position of `μ` among the processed rows) and `g_μ x_μᵀ` is
/// accumulated. Returns `(Σ_μ g_μ x_μᵀ` as a `k × d` row-major vector, the per-block states
/// in block order)`; a fresh state comes from `init` for every block of [`ROW_BLOCK`] rows.
///
/// Deterministic: the blocks are fixed by the number of rows, each block sums its rows in
/// order (in groups of four rows, the last group padded with zero weights), and the block
/// partials are added in block order, so the output does not depend on the rayon thread
/// count. The caller validates `rows` (indices below `n`) and the shapes.
pub(crate) fn fused_pass<S, I, F>(
    x: ArrayView2<f64>,
    rows: Option<&[usize]>,
    wt: &[f64],
    k: usize,
    g_out: &mut [f64],
    init: I,
    row_fn: F,
) -> (Vec<f64>, Vec<S>)
where
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(usize, &mut [f64], &mut S) + Sync,
{
    let x = x.as_standard_layout();
    let xs = x.as_slice().expect("standard layout");
    let d = x.ncols();
    let m = rows.map_or(x.nrows(), <[usize]>::len);
    assert_eq!(wt.len(), k * d, "fused_pass: W must be k × d");
    assert_eq!(g_out.len(), m * k, "fused_pass: output must be m × k");
    let kd = k * d;
    let nblocks = m.div_ceil(ROW_BLOCK);
    let mut total = vec![0.0; kd];
    let mut part = vec![0.0; WAVE.min(nblocks) * kd];
    let mut states = Vec::with_capacity(nblocks);
    for w0 in (0..nblocks).step_by(WAVE) {
        let nb = WAVE.min(nblocks - w0);
        let lo = w0 * ROW_BLOCK;
        let hi = ((w0 + nb) * ROW_BLOCK).min(m);
        let wave: Vec<S> = part[..nb * kd]
            .par_chunks_mut(kd)
            .zip(g_out[lo * k..hi * k].par_chunks_mut(ROW_BLOCK * k))
            .enumerate()
            .map(|(j, (acc, gblk))| {
                acc.iter_mut().for_each(|v| *v = 0.0);
                let start = (w0 + j) * ROW_BLOCK;
                let len = gblk.len() / k;
                let mut state = init();
                let mut y = vec![0.0; k];
                let mut ys = vec![[0.0; R]; k];
                for r0 in (0..len).step_by(R) {
                    let live = R.min(len - r0);
                    let mut idx = [0usize; R];
                    let mut xr: [&[f64]; R] = [&[]; R];
                    for r in 0..R {
                        let pos = start + r0 + r.min(live - 1);
                        idx[r] = rows.map_or(pos, |rs| rs[pos]);
                        xr[r] = &xs[idx[r] * d..(idx[r] + 1) * d];
                    }
                    for (a, ya) in ys.iter_mut().enumerate() {
                        *ya = dot_rows(&xr, &wt[a * d..(a + 1) * d]);
                    }
                    for r in 0..R {
                        if r < live {
                            for a in 0..k {
                                y[a] = ys[a][r];
                            }
                            row_fn(idx[r], &mut y, &mut state);
                            gblk[(r0 + r) * k..(r0 + r + 1) * k].copy_from_slice(&y);
                        }
                        for a in 0..k {
                            ys[a][r] = if r < live { y[a] } else { 0.0 };
                        }
                    }
                    for (a, ga) in ys.iter().enumerate() {
                        axpy_rows(&mut acc[a * d..(a + 1) * d], ga, &xr);
                    }
                }
                state
            })
            .collect();
        for blk in part[..nb * kd].chunks_exact(kd) {
            total.iter_mut().zip(blk).for_each(|(t, v)| *t += v);
        }
        states.extend(wave);
    }
    (total, states)
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
