//! Mode magnetisations and susceptibilities from sample matrices (paper 001 Eq. 5 and
//! FIGURES.md §0 "Susceptibility": `m_α = v·u^α/√N`, `χ_{m_α} = N(⟨m_α²⟩ − ⟨m_α⟩²)`, averaged over
//! independent equilibrium chains), and replica overlaps `q = (1/N) Σ_i σ_i^a σ_i^b` (FIGURES.md
//! proposal for P001-F3C).
//!
//! The variance uses the divisor `S` (the literal `⟨m²⟩ − ⟨m⟩²`). Its error is the delete-one
//! jackknife over samples, evaluated in closed form in `O(S)`: with `A = Σm`, `B = Σm²`, the
//! leave-`s`-out variance is `(B − m_s²)/(S−1) − ((A − m_s)/(S−1))²`, and
//! `se² = (S−1)/S Σ_s (χ_(s) − χ̄)²`. This assumes independent samples (one per chain); for
//! correlated samples from one chain, thin them by `τ_int` first ([`super::autocorr`]).

use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Projections `m_α = v·u^α/√N` of every sample (`S × N`, rows) on every mode (`N × k`,
/// columns): an `S × k` matrix (paper 001 Fig. 2D, Eq. 5). Units are those of the samples
/// ({0,1} or ±1); say which on the plots.
pub fn project_samples(samples: ArrayView2<f64>, modes: ArrayView2<f64>) -> Result<Array2<f64>> {
    if samples.ncols() != modes.nrows() || samples.nrows() == 0 || modes.ncols() == 0 {
        return Err(Error::Invalid(format!("project_samples: samples {:?} vs modes {:?}", samples.dim(), modes.dim())));
    }
    crate::check_finite("samples", samples.iter().copied())?;
    crate::check_finite("modes", modes.iter().copied())?;
    Ok(samples.dot(&modes) / (samples.ncols() as f64).sqrt())
}

/// A susceptibility with its jackknife error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Susceptibility {
    /// `⟨m⟩`.
    pub mean: f64,
    /// `χ = N(⟨m²⟩ − ⟨m⟩²)`.
    pub chi: f64,
    /// Delete-one jackknife standard error of `χ` (independent samples).
    pub chi_se: f64,
    /// Number of samples.
    pub samples: usize,
}

/// `χ = N(⟨m²⟩ − ⟨m⟩²)` of the magnetisation samples `m` of a system of `n` units, with the
/// jackknife error of the module docs (paper 001 Eq. 5). Needs ≥ 2 samples.
pub fn susceptibility(m: ArrayView1<f64>, n: usize) -> Result<Susceptibility> {
    let s = m.len();
    if s < 2 || n == 0 {
        return Err(Error::Invalid(format!("susceptibility: {s} samples, N = {n}")));
    }
    crate::check_finite("magnetisations", m.iter().copied())?;
    let sf = s as f64;
    let nf = n as f64;
    // Shift by the first value for numerical stability (variance is shift invariant).
    let c = m[0];
    let a: f64 = m.iter().map(|x| x - c).sum();
    let b: f64 = m.iter().map(|x| (x - c).powi(2)).sum();
    let chi = nf * (b / sf - (a / sf).powi(2));
    let loo: Vec<f64> = m
        .iter()
        .map(|x| {
            let y = x - c;
            nf * ((b - y * y) / (sf - 1.0) - ((a - y) / (sf - 1.0)).powi(2))
        })
        .collect();
    let lm = loo.iter().sum::<f64>() / sf;
    let se = ((sf - 1.0) / sf * loo.iter().map(|v| (v - lm).powi(2)).sum::<f64>()).sqrt();
    Ok(Susceptibility { mean: c + a / sf, chi, chi_se: se, samples: s })
}

/// Susceptibilities of all modes: [`project_samples`] then [`susceptibility`] per column with
/// `N = samples.ncols()` (paper 001 Figs. 3B, 3D, 3F; hidden-layer version Fig. 4A with hidden
/// samples and hidden modes `ū^α`).
pub fn mode_susceptibilities(samples: ArrayView2<f64>, modes: ArrayView2<f64>) -> Result<Vec<Susceptibility>> {
    let m = project_samples(samples, modes)?;
    let n = samples.ncols();
    m.columns().into_iter().map(|c| susceptibility(c, n)).collect()
}

/// Replica overlaps `q_s = (1/N) Σ_i a_{s,i} b_{s,i}` between paired rows of two sample matrices
/// of independent replicas (FIGURES.md P001-F3C proposal; `χ_q = N Var(q)` via
/// [`susceptibility`] on the result).
pub fn replica_overlaps(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Result<Array1<f64>> {
    if a.dim() != b.dim() || a.nrows() == 0 || a.ncols() == 0 {
        return Err(Error::Invalid(format!("replica_overlaps: {:?} vs {:?}", a.dim(), b.dim())));
    }
    crate::check_finite("replica a", a.iter().copied())?;
    crate::check_finite("replica b", b.iter().copied())?;
    let n = a.ncols() as f64;
    Ok(Array1::from_iter(a.rows().into_iter().zip(b.rows()).map(|(x, y)| x.dot(&y) / n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p001::svd::tests::orthonormal;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn independent_spins_have_the_closed_form_susceptibility() {
        // v_i = ±1 independent with ⟨v_i⟩ = μ_i: Var(v·u/√N) = Σ u_i²(1 − μ_i²)/N, so
        // χ = Σ_i u_i²(1 − μ_i²) for a unit vector u.
        let (s, n) = (40_000, 50);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mu: Vec<f64> = (0..n).map(|i| -0.8 + 1.6 * i as f64 / (n - 1) as f64).collect();
        let x =
            Array2::from_shape_fn((s, n), |(_, i)| if rng.random::<f64>() < 0.5 * (1.0 + mu[i]) { 1.0 } else { -1.0 });
        let u = orthonormal(n, 3, 2);
        let chis = mode_susceptibilities(x.view(), u.view()).unwrap();
        for (a, c) in chis.iter().enumerate() {
            let want: f64 = (0..n).map(|i| u[(i, a)].powi(2) * (1.0 - mu[i] * mu[i])).sum();
            // Near-Gaussian m: se ≈ χ√(2/S) = 0.7 % of χ; the jackknife must agree within 20 %.
            let se_gauss = want * (2.0 / s as f64).sqrt();
            assert!((c.chi_se / se_gauss - 1.0).abs() < 0.2, "se {} vs {se_gauss}", c.chi_se);
            assert!((c.chi - want).abs() < 4.0 * c.chi_se, "mode {a}: {} vs {want} ± {}", c.chi, c.chi_se);
            let mean_want: f64 = (0..n).map(|i| u[(i, a)] * mu[i]).sum::<f64>() / (n as f64).sqrt();
            assert!((c.mean - mean_want).abs() < 4.0 * (want / n as f64 / s as f64).sqrt());
        }
    }

    #[test]
    fn susceptibility_by_hand_and_overlaps() {
        // m = [1, 2, 3, 6], N = 2: ⟨m⟩ = 3, ⟨m²⟩ = 12.5 ⇒ χ = 2·3.5 = 7.
        let m = ndarray::array![1.0, 2.0, 3.0, 6.0];
        let c = susceptibility(m.view(), 2).unwrap();
        assert!((c.chi - 7.0).abs() < 1e-12 && (c.mean - 3.0).abs() < 1e-12);
        // Jackknife by explicit deletion.
        let loo: Vec<f64> = (0..4)
            .map(|k| {
                let r: Vec<f64> = m.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, v)| *v).collect();
                let mean = r.iter().sum::<f64>() / 3.0;
                2.0 * (r.iter().map(|v| v * v).sum::<f64>() / 3.0 - mean * mean)
            })
            .collect();
        let lm = loo.iter().sum::<f64>() / 4.0;
        let se = (0.75 * loo.iter().map(|v| (v - lm).powi(2)).sum::<f64>()).sqrt();
        assert!((c.chi_se - se).abs() < 1e-12);
        // Independent unbiased replicas: Var(q) = 1/N, so χ_q = N Var(q) = 1 (± 4 se).
        let (s, n) = (20_000, 64);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut spin = || if rng.random::<bool>() { 1.0 } else { -1.0 };
        let a = Array2::from_shape_fn((s, n), |_| spin());
        let b = Array2::from_shape_fn((s, n), |_| spin());
        let q = replica_overlaps(a.view(), b.view()).unwrap();
        let cq = susceptibility(q.view(), n).unwrap();
        assert!((cq.chi - 1.0).abs() < 4.0 * cq.chi_se, "{cq:?}");
        assert!(susceptibility(ndarray::array![1.0].view(), 3).is_err());
    }
}
