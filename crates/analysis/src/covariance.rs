//! Empirical covariance matrices of paper 002 §5.1 (Figs. 12–13): ±1 spin data (eq. 24) and
//! one-hot Potts data (the XY model, compared with eq. 28), their top eigenpairs, and the
//! projection of an eigenvector on the XY modes `span{e¹, e²}`.
//!
//! **Potts centring.** A Potts configuration `v ∈ {0..P−1}^N` is encoded one-hot,
//! `x_{(i,a)} = δ(v_i, a)`, index `i·P + a`. The covariance is
//! `C = κ · (1/S) Σ_s (x_s − μ̂)(x_s − μ̂)ᵀ` with the **sample** mean `μ̂` and
//! `κ = P²/(P−1)`, which maps the uniform single-site covariance `δ_ab/P − 1/P²` onto eq. (28)'s
//! normalisation (diagonal 1, on-site off-diagonal `−1/(P−1)`). It is accumulated as exact integer
//! co-occurrence counts `n_{(i,a),(j,b)}`, then `C = κ (n/S − μ̂μ̂ᵀ)`, which equals the centred sum
//! above identically because `μ̂` is the mean of the same samples. The pitfall FIGURES.md §3 warns
//! about is subtracting the *population* mean `1/P` instead: `XᵀX/S − μμᵀ` with `μ ≠ μ̂` differs
//! from the centred covariance by the rank-2 term `−(μ̂ − μ)μᵀ − μ(μ̂ − μ)ᵀ` (+ a rank-1 term),
//! whose norm `≈ 2κ‖μ̂ − μ‖‖μ‖` dominates the spectrum at small S (≈ 16 instead of ≈ 6 for the
//! null model at N = 100, P = 10, S = 500). The test `population_mean_shortcut_injects_a_spike`
//! reproduces it.
//!
//! **Cost.** For each site pair `i ≤ j` the `P × P` co-occurrence table is accumulated over the
//! samples from a site-major copy of the states (two contiguous `u8` streams, an L1-resident
//! table), in parallel over `i` with rayon: `S·N(N+1)/2` increments, independent of `P`.
//! ±1 data use bit-packed columns and XOR/popcount (64 samples per instruction).

use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use std::f64::consts::PI;

/// Centred, scaled covariance of one-hot Potts data.
#[derive(Debug, Clone)]
pub struct PottsCovariance {
    /// Number of sites `N`.
    pub n: usize,
    /// Number of Potts states `P`.
    pub p: usize,
    /// Number of samples `S`.
    pub samples: usize,
    /// Sample mean `μ̂` of the one-hot encoding (length `NP`, index `i·P + a`).
    pub mean: Array1<f64>,
    /// `κ (1/S) Σ (x − μ̂)(x − μ̂)ᵀ`, `NP × NP`.
    pub cov: Array2<f64>,
    /// The scale `κ` applied (`P²/(P−1)` or 1).
    pub scale: f64,
}

/// Centred one-hot covariance of Potts configurations `states` (`S × N`, entries in `0..p`),
/// scaled by `P²/(P−1)` when `eq28_scale` (paper 002 eq. 28 normalisation; Figs. 13a–e). See the
/// module docs for the centring and the cost. Errors on `S < 2`, `P < 2`, `P > 255` or an
/// out-of-range state.
pub fn potts_covariance(states: ArrayView2<u8>, p: usize, eq28_scale: bool) -> Result<PottsCovariance> {
    let (s, n) = states.dim();
    if s < 2 || n == 0 || !(2..=255).contains(&p) {
        return Err(Error::Invalid(format!("potts_covariance: {s} samples × {n} sites with P = {p}")));
    }
    if let Some(bad) = states.iter().find(|&&v| v as usize >= p) {
        return Err(Error::Invalid(format!("Potts state {bad} out of range 0..{p}")));
    }
    // Site-major copy: column i contiguous.
    let mut cols = vec![0u8; n * s];
    for (r, row) in states.rows().into_iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            cols[i * s + r] = v;
        }
    }
    let d = n * p;
    let sf = s as f64;
    // Single-site counts.
    let mut mean = Array1::<f64>::zeros(d);
    for i in 0..n {
        for &v in &cols[i * s..(i + 1) * s] {
            mean[i * p + v as usize] += 1.0;
        }
    }
    mean /= sf;
    let scale = if eq28_scale { (p * p) as f64 / (p - 1) as f64 } else { 1.0 };
    let mut out = vec![0.0f64; d * d];
    out.par_chunks_mut(p * d).enumerate().for_each(|(i, rows)| {
        let ci = &cols[i * s..(i + 1) * s];
        let mut hist = vec![0u32; p * p];
        for j in i..n {
            hist.iter_mut().for_each(|h| *h = 0);
            if j == i {
                for &a in ci {
                    hist[a as usize * (p + 1)] += 1;
                }
            } else {
                let cj = &cols[j * s..(j + 1) * s];
                for (&a, &b) in ci.iter().zip(cj) {
                    hist[a as usize * p + b as usize] += 1;
                }
            }
            for a in 0..p {
                for b in 0..p {
                    let c = hist[a * p + b] as f64 / sf - mean[i * p + a] * mean[j * p + b];
                    rows[a * d + j * p + b] = scale * c;
                }
            }
        }
    });
    let mut cov = Array2::from_shape_vec((d, d), out).expect("d × d");
    // Mirror the upper block triangle.
    for r in 0..d {
        for c in 0..r {
            if c / p < r / p {
                cov[(r, c)] = cov[(c, r)];
            }
        }
    }
    Ok(PottsCovariance { n, p, samples: s, mean, cov, scale })
}

/// Covariance of ±1 data `samples` (`S × N`): `C_ij = (1/S) Σ_s v_i v_j` (paper 002 eq. 24,
/// `center = false`) or its centred version `C_ij − m̂_i m̂_j` (`center = true`). Exact integer
/// arithmetic on bit-packed columns: with `b = 1` for `v = −1`, `Σ_s v_i v_j = S − 2 popcount(b_i
/// XOR b_j)`, 64 samples per word, parallel over rows. Errors on `S = 0` or entries other than ±1.
pub fn spin_covariance(samples: ArrayView2<i8>, center: bool) -> Result<Array2<f64>> {
    let (s, n) = samples.dim();
    if s == 0 || n == 0 {
        return Err(Error::Invalid(format!("spin_covariance: {s} × {n} samples")));
    }
    if samples.iter().any(|&v| v != 1 && v != -1) {
        return Err(Error::Invalid("spin_covariance needs ±1 entries".into()));
    }
    let words = s.div_ceil(64);
    let mut bits = vec![0u64; n * words];
    for (r, row) in samples.rows().into_iter().enumerate() {
        let (w, b) = (r / 64, r % 64);
        for (i, &v) in row.iter().enumerate() {
            if v < 0 {
                bits[i * words + w] |= 1u64 << b;
            }
        }
    }
    let neg: Vec<i64> =
        (0..n).map(|i| bits[i * words..(i + 1) * words].iter().map(|w| w.count_ones() as i64).sum()).collect();
    let sf = s as f64;
    let mut out = vec![0.0f64; n * n];
    out.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        let bi = &bits[i * words..(i + 1) * words];
        for j in i..n {
            let bj = &bits[j * words..(j + 1) * words];
            let differ: i64 = bi.iter().zip(bj).map(|(a, b)| (a ^ b).count_ones() as i64).sum();
            let mut c = (s as i64 - 2 * differ) as f64 / sf;
            if center {
                let (mi, mj) = ((s as i64 - 2 * neg[i]) as f64 / sf, (s as i64 - 2 * neg[j]) as f64 / sf);
                c -= mi * mj;
            }
            row[j] = c;
        }
    });
    let mut cov = Array2::from_shape_vec((n, n), out).expect("n × n");
    for r in 0..n {
        for c in 0..r {
            cov[(r, c)] = cov[(c, r)];
        }
    }
    Ok(cov)
}

/// The perfect-sampling top eigenvectors of the XY covariance (paper 002 §5.1.3):
/// `e¹_i(v) = √(2/NP) cos(2πv/P)`, `e²_i(v) = √(2/NP) sin(2πv/P)`, as the two columns of an
/// `NP × 2` matrix (row `i·P + v`). Orthonormal for `P ≥ 3`.
pub fn xy_modes(n: usize, p: usize) -> Result<Array2<f64>> {
    if n == 0 || p < 3 {
        return Err(Error::Invalid(format!("xy_modes needs N ≥ 1 and P ≥ 3, got N = {n}, P = {p}")));
    }
    let f = (2.0 / (n * p) as f64).sqrt();
    Ok(Array2::from_shape_fn((n * p, 2), |(r, k)| {
        let ang = 2.0 * PI * (r % p) as f64 / p as f64;
        if k == 0 { f * ang.cos() } else { f * ang.sin() }
    }))
}

/// Norm of the projection of the unit vector `v/‖v‖` on the span of the orthonormal columns of
/// `basis`: `√(Σ_k (v̂·b_k)²)`. With [`xy_modes`] this is paper 002 Fig. 13e,
/// `√((ê·e¹)² + (ê·e²)²)`; with the single column `1/√N` it is Fig. 12c's `|e_top·1/√N|`.
/// The orthonormality of `basis` is checked (to 1e-8).
pub fn projection_norm(v: ArrayView1<f64>, basis: ArrayView2<f64>) -> Result<f64> {
    if basis.nrows() != v.len() || basis.ncols() == 0 {
        return Err(Error::Invalid(format!("vector of length {} vs basis {:?}", v.len(), basis.dim())));
    }
    crate::check_finite("vector", v.iter().copied())?;
    let g = basis.t().dot(&basis);
    for ((a, b), x) in g.indexed_iter() {
        if (x - if a == b { 1.0 } else { 0.0 }).abs() > 1e-8 {
            return Err(Error::Invalid("projection basis is not orthonormal".into()));
        }
    }
    let nv = v.dot(&v).sqrt();
    if nv == 0.0 {
        return Err(Error::Degenerate("projection of a zero vector".into()));
    }
    let c = basis.t().dot(&v);
    Ok(c.dot(&c).sqrt() / nv)
}

/// Norm of the projection of the subspace spanned by the orthonormal columns of `a` onto that of
/// `b`, per column of `b`: `‖Pₐ b_k‖`. E.g. with `a` = the top-2 empirical eigenvectors and
/// `b` = [`xy_modes`], both values → 1 when the empirical top eigenspace is `span{e¹, e²}`
/// (a basis-independent companion of Fig. 13e for the 2-fold degenerate top eigenvalue).
pub fn subspace_capture(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Result<Vec<f64>> {
    if a.nrows() != b.nrows() {
        return Err(Error::Invalid(format!("subspace_capture: {:?} vs {:?}", a.dim(), b.dim())));
    }
    b.columns().into_iter().map(|col| projection_norm(col, a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spectrum::symmetric_top_k;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn uniform_potts(s: usize, n: usize, p: usize, seed: u64) -> Array2<u8> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        Array2::from_shape_fn((s, n), |_| rng.random_range(0..p) as u8)
    }

    /// Dense reference: one-hot matrix, explicit centring with the sample mean.
    fn dense_reference(states: &Array2<u8>, p: usize) -> Array2<f64> {
        let (s, n) = states.dim();
        let x =
            Array2::from_shape_fn((s, n * p), |(r, c)| if states[(r, c / p)] as usize == c % p { 1.0 } else { 0.0 });
        crate::spectrum::sample_covariance(x.view(), true) * ((p * p) as f64 / (p - 1) as f64)
    }

    #[test]
    fn matches_the_dense_centred_covariance() {
        let st = uniform_potts(300, 7, 4, 1);
        let c = potts_covariance(st.view(), 4, true).unwrap();
        let r = dense_reference(&st, 4);
        let diff = (&c.cov - &r).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(diff < 1e-12, "max diff {diff}");
        assert!((c.mean.sum() - 7.0).abs() < 1e-12);
    }

    #[test]
    fn null_model_converges_to_the_eq28_single_site_block_and_its_mp_edge() {
        // Independent uniform Potts: population C = block-diag(diag 1, off-diag −1/(P−1)).
        let (n, p) = (20, 5);
        let st = uniform_potts(200_000, n, p, 2);
        let c = potts_covariance(st.view(), p, true).unwrap();
        // Cross-site entry s.e. = κ √(Var(x_a y_b)/S), κ = P²/(P−1), Var = (1/P²)(1 − 1/P²);
        // allow 5 s.e. over the 10⁴ entries (≈ 0.6 % chance of a false alarm at a fresh seed).
        let kappa = (p * p) as f64 / (p - 1) as f64;
        let var = (1.0 / (p * p) as f64) * (1.0 - 1.0 / (p * p) as f64);
        let tol = 5.0 * kappa * (var / 200_000.0).sqrt();
        for r in 0..n * p {
            for q in 0..n * p {
                let want = if r == q {
                    1.0
                } else if r / p == q / p {
                    -1.0 / (p - 1) as f64
                } else {
                    0.0
                };
                assert!((c.cov[(r, q)] - want).abs() < tol, "({r},{q}) {} vs {want}", c.cov[(r, q)]);
            }
        }
        // Top eigenvalue at S = 500, N = 100, P = 10 (r = 0.2): the MP edge of the
        // N(P−1)-dimensional zero-sum subspace, (P/(P−1))(1 + √(r(P−1)))² = 6.09 (FIGURES.md §3
        // measured 6.01); accept ±5 % (finite-size edge).
        let st = uniform_potts(500, 100, 10, 3);
        let c = potts_covariance(st.view(), 10, true).unwrap();
        let (vals, _) = symmetric_top_k(c.cov.view(), 1).unwrap();
        let edge = 10.0 / 9.0 * (1.0 + (0.2f64 * 9.0).sqrt()).powi(2);
        assert!((vals[0] / edge - 1.0).abs() < 0.05, "top {} vs edge {edge}", vals[0]);
    }

    #[test]
    fn population_mean_shortcut_injects_a_spike() {
        // XᵀX/S − μμᵀ with μ = 1/P (the population mean) instead of μ̂: FIGURES.md §3 saw 16.4.
        let (s, n, p) = (500, 100, 10);
        let st = uniform_potts(s, n, p, 3);
        let good = potts_covariance(st.view(), p, true).unwrap();
        let k = (p * p) as f64 / (p - 1) as f64;
        let mu = Array1::from_elem(n * p, 1.0 / p as f64);
        let mu_hat = &good.mean;
        // Shortcut = good + κ(μ̂μ̂ᵀ − μμᵀ).
        let bad = &good.cov + &((outer(mu_hat, mu_hat) - outer(&mu, &mu)) * k);
        let (vb, _) = symmetric_top_k(bad.view(), 1).unwrap();
        let (vg, _) = symmetric_top_k(good.cov.view(), 1).unwrap();
        assert!(vb[0] > 2.0 * vg[0], "shortcut {} vs centred {}", vb[0], vg[0]);
    }

    fn outer(a: &Array1<f64>, b: &Array1<f64>) -> Array2<f64> {
        Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i] * b[j])
    }

    #[test]
    fn planted_common_state_has_the_closed_form_top_eigenvalue() {
        // With probability q all N sites share one uniform random state, else they are iid
        // uniform. Cross-site covariance q(δ_ab/P − 1/P²), so the scaled population C has top
        // eigenvalue (P/(P−1))(1 + (N−1)q) on the (P−1)-dim space "uniform in i, zero-sum in v".
        let (s, n, p, q) = (100_000, 30, 6, 0.1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        let mut st = Array2::<u8>::zeros((s, n));
        for mut row in st.rows_mut() {
            if rng.random::<f64>() < q {
                let a = rng.random_range(0..p) as u8;
                row.fill(a);
            } else {
                row.iter_mut().for_each(|x| *x = rng.random_range(0..p) as u8);
            }
        }
        let c = potts_covariance(st.view(), p, true).unwrap();
        let (vals, vecs) = symmetric_top_k(c.cov.view(), p - 1).unwrap();
        let want = p as f64 / (p - 1) as f64 * (1.0 + (n - 1) as f64 * q);
        // Each of the P−1 eigenvalues of the spike: relative s.e. ≈ √(2/S_eff), S_eff ≈ qS.
        for v in &vals {
            assert!((v / want - 1.0).abs() < 0.05, "{v} vs {want}");
        }
        // The top eigenvectors are (nearly) uniform over sites: projection on the site-uniform,
        // zero-sum subspace ≈ 1.
        let mut basis = Array2::zeros((n * p, p - 1));
        for k in 0..p - 1 {
            // Orthonormal zero-sum vectors in v: Helmert basis, repeated over sites.
            let mut u = vec![0.0; p];
            for x in u.iter_mut().take(k + 1) {
                *x = 1.0;
            }
            u[k + 1] = -((k + 1) as f64);
            let nrm = (u.iter().map(|x| x * x).sum::<f64>() * n as f64).sqrt();
            for i in 0..n {
                for a in 0..p {
                    basis[(i * p + a, k)] = u[a] / nrm;
                }
            }
        }
        for col in vecs.columns() {
            assert!(projection_norm(col, basis.view()).unwrap() > 0.95);
        }
    }

    #[test]
    fn projection_on_xy_modes_by_construction() {
        let (n, p) = (12, 10);
        let e = xy_modes(n, p).unwrap();
        // v = 0.6 e¹ − 0.3 e² + 0.5 f with f ⟂ e¹, e² (the p = 2 harmonic, uniform in i).
        let f = Array1::from_iter((0..n * p).map(|r| (4.0 * PI * (r % p) as f64 / p as f64).cos()));
        let f = &f / f.dot(&f).sqrt();
        let v = &e.column(0) * 0.6 - &e.column(1) * 0.3 + &f * 0.5;
        let want = (0.36f64 + 0.09).sqrt() / (0.36f64 + 0.09 + 0.25).sqrt();
        assert!((projection_norm(v.view(), e.view()).unwrap() - want).abs() < 1e-12);
        assert!((projection_norm(e.column(1), e.view()).unwrap() - 1.0).abs() < 1e-12);
        assert!(projection_norm(f.view(), e.view()).unwrap() < 1e-12);
        let cap = subspace_capture(e.view(), e.view()).unwrap();
        assert!(cap.iter().all(|c| (c - 1.0).abs() < 1e-12));
        assert!(projection_norm(v.view(), (&e * 2.0).view()).is_err());
    }

    #[test]
    fn spin_covariance_matches_dense_and_ising_decay() {
        // Dense reference on random ±1 data.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let x = Array2::from_shape_fn((257, 9), |_| if rng.random::<f64>() < 0.6 { 1i8 } else { -1 });
        let xf = x.mapv(|v| v as f64);
        for center in [false, true] {
            let c = spin_covariance(x.view(), center).unwrap();
            let r = crate::spectrum::sample_covariance(xf.view(), center);
            assert!((&c - &r).iter().all(|d| d.abs() < 1e-12));
        }
        assert!(spin_covariance(Array2::<i8>::zeros((3, 2)).view(), false).is_err());
    }
}
