//! Singular-value decomposition of RBM weight matrices and PCA of data (paper 001 Figs. 2B, 2C,
//! 3A: "evolution of the singular values w_α of the RBM weight matrix W"; Fig. 2A/2C: PCA).
//!
//! The model crate stores `W` as `N_v × N_h` (rows = visible units). Then `W = U diag(w) Vᵀ`
//! with `U` (`N_v × k`) the **visible-space** singular vectors — the `u_α` that paper 001 uses in
//! `m_α = v·u_α/√N_v` (it calls them right singular vectors because it writes `W` as
//! `N_h × N_v`) — and `V` (`N_h × k`) the hidden-space vectors `ū_α`. Signs are fixed so that the
//! largest-magnitude entry of each `u_α` is positive (`v_α` flipped with it), which makes a
//! sequence of checkpoints sign-consistent when the modes change slowly; overlaps used for
//! alignment take absolute values anyway.
//!
//! Speed: each SVD is faer's thin SVD; [`track_svd`] runs checkpoints in parallel with rayon and
//! sequential faer kernels inside, so the cost is `checkpoints × one SVD / cores`.

use crate::dense::{eigh_desc, fix_column_signs, svd_thin};
use crate::{Error, Result};
use faer::Par;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rayon::prelude::*;

/// Thin SVD truncated to the top `k` modes.
#[derive(Debug, Clone)]
pub struct Svd {
    /// Singular values, descending (length `k`).
    pub values: Array1<f64>,
    /// Visible-space singular vectors `u_α`, `N_v × k` (columns orthonormal).
    pub u: Array2<f64>,
    /// Hidden-space singular vectors `ū_α`, `N_h × k`.
    pub v: Array2<f64>,
}

fn check_matrix(w: ArrayView2<f64>) -> Result<()> {
    if w.nrows() == 0 || w.ncols() == 0 {
        return Err(Error::Invalid(format!("empty matrix {:?}", w.dim())));
    }
    crate::check_finite("matrix", w.iter().copied())
}

fn svd_with(w: ArrayView2<f64>, k: Option<usize>, par: Par) -> Result<Svd> {
    check_matrix(w)?;
    let kmax = w.nrows().min(w.ncols());
    let k = k.unwrap_or(kmax);
    if k == 0 || k > kmax {
        return Err(Error::Invalid(format!("k = {k} modes for a {:?} matrix", w.dim())));
    }
    let (vals, vecs) = svd_thin(w, true, par)?;
    let (u, v) = vecs.expect("vectors requested");
    let mut u = u.slice(s![.., ..k]).to_owned();
    let mut v = v.slice(s![.., ..k]).to_owned();
    let signs = fix_column_signs(&mut u);
    for (mut col, sg) in v.columns_mut().into_iter().zip(signs) {
        col.mapv_inplace(|x| x * sg);
    }
    Ok(Svd { values: vals.slice(s![..k]).to_owned(), u, v })
}

/// Thin SVD `W = U diag(w) Vᵀ` of `w` (`N_v × N_h`), keeping the top `k` modes (`None`: all
/// `min(N_v, N_h)`), signs fixed as in the module docs (paper 001 Figs. 2B, 3A).
pub fn svd(w: ArrayView2<f64>, k: Option<usize>) -> Result<Svd> {
    svd_with(w, k, faer::get_global_parallelism())
}

/// All singular values of `w`, descending (cheaper than [`svd`]: no vectors).
pub fn singular_values(w: ArrayView2<f64>) -> Result<Array1<f64>> {
    check_matrix(w)?;
    Ok(svd_thin(w, false, faer::get_global_parallelism())?.0)
}

/// Singular values (and optional alignment) of a sequence of checkpoints.
#[derive(Debug, Clone)]
pub struct SvdTrack {
    /// `checkpoints × k` singular values (descending within a row).
    pub values: Array2<f64>,
    /// With a reference basis: `checkpoints × k` diagonal overlaps `|u_α · r_α|` (paper 001
    /// Fig. 2C: "scalar product of the corresponding singular vectors u_α with the corresponding
    /// PCA component").
    pub overlaps: Option<Array2<f64>>,
}

/// SVD of every checkpoint (all of the same shape), top `k` singular values, and if `reference`
/// (`N_v × k_ref` orthonormal columns, `k_ref ≥ k`) is given, the diagonal overlaps
/// `|u_α · r_α|`, α < k. Parallel over checkpoints (rayon), sequential faer inside; results do
/// not depend on the thread count. Paper 001 Figs. 2B, 2C, 3A.
pub fn track_svd(checkpoints: &[ArrayView2<f64>], k: usize, reference: Option<ArrayView2<f64>>) -> Result<SvdTrack> {
    let Some(first) = checkpoints.first() else {
        return Err(Error::Invalid("track_svd: no checkpoints".into()));
    };
    let dim = first.dim();
    if checkpoints.iter().any(|c| c.dim() != dim) {
        return Err(Error::Invalid("track_svd: checkpoints differ in shape".into()));
    }
    if k == 0 || k > dim.0.min(dim.1) {
        return Err(Error::Invalid(format!("track_svd: k = {k} for {dim:?} matrices")));
    }
    if let Some(r) = reference
        && (r.nrows() != dim.0 || r.ncols() < k)
    {
        return Err(Error::Invalid(format!("track_svd: reference {:?} for {dim:?} matrices and k = {k}", r.dim())));
    }
    let rows: Vec<(Array1<f64>, Option<Array1<f64>>)> = checkpoints
        .par_iter()
        .map(|w| -> Result<_> {
            if let Some(r) = reference {
                let d = svd_with(*w, Some(k), Par::Seq)?;
                let ov = Array1::from_iter((0..k).map(|a| d.u.column(a).dot(&r.column(a)).abs()));
                Ok((d.values, Some(ov)))
            } else {
                check_matrix(*w)?;
                let vals = svd_thin(*w, false, Par::Seq)?.0;
                Ok((vals.slice(s![..k]).to_owned(), None))
            }
        })
        .collect::<Result<_>>()?;
    let mut values = Array2::zeros((rows.len(), k));
    let mut overlaps = reference.map(|_| Array2::zeros((rows.len(), k)));
    for (t, (v, o)) in rows.into_iter().enumerate() {
        values.row_mut(t).assign(&v);
        if let (Some(m), Some(o)) = (overlaps.as_mut(), o) {
            m.row_mut(t).assign(&o);
        }
    }
    Ok(SvdTrack { values, overlaps })
}

/// Principal components of a data matrix.
#[derive(Debug, Clone)]
pub struct Pca {
    /// Column means of the data (length `d`).
    pub mean: Array1<f64>,
    /// Principal axes `u^PCA_α`, `d × k`, orthonormal columns, signed as in [`svd`].
    pub components: Array2<f64>,
    /// Variances along the axes (eigenvalues of the covariance with divisor `n`), descending.
    pub variances: Array1<f64>,
    /// Fraction of the total variance carried by each axis.
    pub explained: Array1<f64>,
}

/// PCA of `data` (`n × d`, one sample per row) from the eigendecomposition of its centred
/// covariance `X̃ᵀX̃/n`, top `k` axes (paper 001 Fig. 2A: `m^PCA_α = u^PCA_α · v/√N_v`).
pub fn pca(data: ArrayView2<f64>, k: usize) -> Result<Pca> {
    check_matrix(data)?;
    let (n, d) = data.dim();
    if k == 0 || k > d {
        return Err(Error::Invalid(format!("pca: k = {k} for {d} dimensions")));
    }
    let mean = data.mean_axis(Axis(0)).expect("n > 0");
    let xc = &data - &mean.view().insert_axis(Axis(0));
    let c = xc.t().dot(&xc) / n as f64;
    let (vals, vecs) = eigh_desc(c.view(), true, faer::get_global_parallelism())?;
    let mut components = vecs.expect("vectors requested").slice(s![.., ..k]).to_owned();
    fix_column_signs(&mut components);
    let total: f64 = vals.iter().map(|v| v.max(0.0)).sum();
    let variances = vals.slice(s![..k]).mapv(|v| v.max(0.0));
    let explained = if total > 0.0 { &variances / total } else { Array1::zeros(k) };
    Ok(Pca { mean, components, variances, explained })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::RngExt;
    use rand::SeedableRng;
    use rand_distr::StandardNormal;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// `m × k` matrix with orthonormal columns (Gram–Schmidt of Gaussian columns).
    pub(crate) fn orthonormal(m: usize, k: usize, seed: u64) -> Array2<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut q = Array2::<f64>::from_shape_fn((m, k), |_| rng.sample(StandardNormal));
        for j in 0..k {
            for _ in 0..2 {
                for i in 0..j {
                    let p = q.column(j).dot(&q.column(i));
                    let qi = q.column(i).to_owned();
                    q.column_mut(j).scaled_add(-p, &qi);
                }
            }
            let nrm = q.column(j).dot(&q.column(j)).sqrt();
            q.column_mut(j).mapv_inplace(|v| v / nrm);
        }
        q
    }

    #[test]
    fn rank_k_matrix_is_recovered() {
        let (m, n) = (60, 40);
        let s_true = [9.0, 5.0, 2.5, 0.7];
        let u = orthonormal(m, 4, 1);
        let v = orthonormal(n, 4, 2);
        let w = u.dot(&Array2::from_diag(&Array1::from(s_true.to_vec()))).dot(&v.t());
        let d = svd(w.view(), Some(6)).unwrap();
        for a in 0..4 {
            assert!((d.values[a] - s_true[a]).abs() < 1e-12);
            assert!((d.u.column(a).dot(&u.column(a)).abs() - 1.0).abs() < 1e-10);
            assert!((d.v.column(a).dot(&v.column(a)).abs() - 1.0).abs() < 1e-10);
            // Sign convention: the u column and v column flip together, so W u-pair is consistent.
            let wv = w.dot(&d.v.column(a));
            assert!((&wv - &(&d.u.column(a) * d.values[a])).iter().all(|x| x.abs() < 1e-10));
        }
        assert!(d.values[4] < 1e-12 && d.values[5] < 1e-12);
        let sv = singular_values(w.view()).unwrap();
        assert_eq!(sv.len(), 40);
        assert!((sv[1] - 5.0).abs() < 1e-12);
        assert!(svd(w.view(), Some(41)).is_err());
    }

    #[test]
    fn tracking_follows_known_growth_and_overlaps() {
        // W(t) = Σ_α s_α(t) u_α v_αᵀ with s_1 = e^{0.05t}, s_2 = 0.5 e^{0.03t}, plus a slowly
        // rotating u_1: u_1(t) = cos θ_t a + sin θ_t b, θ_t = 0.01 t. Reference = (a, u_2).
        let (m, n) = (30, 20);
        let q = orthonormal(m, 3, 5);
        let v = orthonormal(n, 2, 6);
        let times: Vec<f64> = (0..50).map(|t| t as f64).collect();
        let mats: Vec<Array2<f64>> = times
            .iter()
            .map(|t| {
                let th = 0.01 * t;
                let u1 = &q.column(0) * th.cos() + &q.column(1) * th.sin();
                let s1 = (0.05 * t).exp();
                let s2 = 0.5 * (0.03 * t).exp();
                let mut w = Array2::zeros((m, n));
                for i in 0..m {
                    for j in 0..n {
                        w[(i, j)] = s1 * u1[i] * v[(j, 0)] + s2 * q[(i, 2)] * v[(j, 1)];
                    }
                }
                w
            })
            .collect();
        let views: Vec<_> = mats.iter().map(|a| a.view()).collect();
        let mut refb = Array2::zeros((m, 2));
        refb.column_mut(0).assign(&q.column(0));
        refb.column_mut(1).assign(&q.column(2));
        let tr = track_svd(&views, 2, Some(refb.view())).unwrap();
        let ov = tr.overlaps.unwrap();
        for (k, t) in times.iter().enumerate() {
            assert!((tr.values[(k, 0)] - (0.05 * t).exp()).abs() < 1e-10);
            assert!((tr.values[(k, 1)] - 0.5 * (0.03 * t).exp()).abs() < 1e-10);
            assert!((ov[(k, 0)] - (0.01 * t).cos()).abs() < 1e-10);
            assert!((ov[(k, 1)] - 1.0).abs() < 1e-10);
        }
        let plain = track_svd(&views, 2, None).unwrap();
        assert!((&plain.values - &tr.values).iter().all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn pca_recovers_planted_axes_and_variances() {
        // x = 3 z₁ a + 1 z₂ b + 0.1 noise, d = 10: population variances ≈ 9.01, 1.01.
        let d = 10;
        let ab = orthonormal(d, 2, 8);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let n = 20_000;
        let x = Array2::from_shape_fn((n, d), |_| 0.0);
        let mut x = x;
        for mut row in x.rows_mut() {
            let z1: f64 = rng.sample(StandardNormal);
            let z2: f64 = rng.sample(StandardNormal);
            for j in 0..d {
                row[j] = 5.0 + 3.0 * z1 * ab[(j, 0)] + z2 * ab[(j, 1)] + 0.1 * rng.sample::<f64, _>(StandardNormal);
            }
        }
        let p = pca(x.view(), 2).unwrap();
        // Relative s.e. of a variance estimate √(2/n) = 1 %: allow 4 %.
        assert!(
            (p.variances[0] / 9.01 - 1.0).abs() < 0.04 && (p.variances[1] / 1.01 - 1.0).abs() < 0.04,
            "{:?}",
            p.variances
        );
        assert!(p.components.column(0).dot(&ab.column(0)).abs() > 0.999);
        assert!(p.components.column(1).dot(&ab.column(1)).abs() > 0.99);
        assert!((p.mean[3] - 5.0).abs() < 0.05);
    }
}
