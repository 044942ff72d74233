//! Alignment of singular (or principal) vectors with a reference basis by absolute overlap.
//!
//! * [`diagonal_overlaps`]: `|u_α · r_α|` for the same index α — what paper 001 Fig. 2C plots
//!   ("scalar product of the corresponding singular vectors u_α with the corresponding PCA
//!   component").
//! * [`match_modes`]: a one-to-one assignment of modes to reference vectors that maximises the
//!   total absolute overlap `Σ_α |u_α · r_{π(α)}|`, which is robust to mode crossings (two
//!   singular values exchanging order), either **optimally** by the Hungarian algorithm
//!   (Kuhn–Munkres with potentials, `O(k² k_ref)`), or **greedily** (repeatedly take the largest
//!   remaining `|overlap|`; not optimal in general, kept because it is what many analyses use and
//!   is easy to explain).
//!
//! Vectors need not be normalised by the caller: overlaps are computed between unit vectors.

use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};

/// Matching method of [`match_modes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMethod {
    /// Optimal assignment (Hungarian algorithm).
    Hungarian,
    /// Greedy: largest remaining absolute overlap first.
    Greedy,
}

/// Result of [`match_modes`].
#[derive(Debug, Clone, PartialEq)]
pub struct Matching {
    /// `partner[α]` = index of the reference vector assigned to mode α.
    pub partner: Vec<usize>,
    /// `|u_α · r_{partner[α]}|` for each mode.
    pub overlaps: Vec<f64>,
    /// Sum of `overlaps`.
    pub total: f64,
}

/// Matrix of absolute overlaps `|û_α · r̂_β|` between the columns of `u` (`d × k`) and of
/// `reference` (`d × k_ref`), after normalising each column (zero columns are an error).
pub fn overlap_matrix(u: ArrayView2<f64>, reference: ArrayView2<f64>) -> Result<Array2<f64>> {
    if u.nrows() != reference.nrows() || u.ncols() == 0 || reference.ncols() == 0 {
        return Err(Error::Invalid(format!("overlap_matrix: {:?} vs {:?}", u.dim(), reference.dim())));
    }
    crate::check_finite("vectors", u.iter().copied())?;
    crate::check_finite("reference", reference.iter().copied())?;
    let norms = |m: ArrayView2<f64>| -> Result<Vec<f64>> {
        m.columns()
            .into_iter()
            .map(|c| {
                let n = c.dot(&c).sqrt();
                if n > 0.0 { Ok(n) } else { Err(Error::Degenerate("zero vector in overlap_matrix".into())) }
            })
            .collect()
    };
    let (nu, nr) = (norms(u)?, norms(reference)?);
    let mut o = u.t().dot(&reference);
    for ((a, b), x) in o.indexed_iter_mut() {
        *x = (*x / (nu[a] * nr[b])).abs();
    }
    Ok(o)
}

/// `|u_α · r_α|` for α < min(k, k_ref) (paper 001 Fig. 2C; P000-F1i).
pub fn diagonal_overlaps(u: ArrayView2<f64>, reference: ArrayView2<f64>) -> Result<Vec<f64>> {
    let o = overlap_matrix(u, reference)?;
    Ok((0..o.nrows().min(o.ncols())).map(|a| o[(a, a)]).collect())
}

/// One-to-one matching of the columns of `u` (`d × k`) to those of `reference` (`d × k_ref`,
/// `k ≤ k_ref`) maximising the total absolute overlap (Hungarian) or greedily; see the module
/// docs. Paper 001 Fig. 2C under mode crossings; paper 003 overlaps (FIGURES.md §5).
pub fn match_modes(u: ArrayView2<f64>, reference: ArrayView2<f64>, method: MatchMethod) -> Result<Matching> {
    let o = overlap_matrix(u, reference)?;
    let (k, kr) = o.dim();
    if k > kr {
        return Err(Error::Invalid(format!("match_modes: {k} modes but only {kr} reference vectors")));
    }
    let partner = match method {
        MatchMethod::Hungarian => hungarian_min(&o.mapv(|x| -x)),
        MatchMethod::Greedy => greedy_max(&o),
    };
    let overlaps: Vec<f64> = partner.iter().enumerate().map(|(a, &b)| o[(a, b)]).collect();
    Ok(Matching { total: overlaps.iter().sum(), partner, overlaps })
}

fn greedy_max(o: &Array2<f64>) -> Vec<usize> {
    let (k, kr) = o.dim();
    let mut partner = vec![usize::MAX; k];
    let mut used = vec![false; kr];
    for _ in 0..k {
        let mut best = (f64::NEG_INFINITY, 0, 0);
        for a in (0..k).filter(|&a| partner[a] == usize::MAX) {
            for b in (0..kr).filter(|&b| !used[b]) {
                if o[(a, b)] > best.0 {
                    best = (o[(a, b)], a, b);
                }
            }
        }
        partner[best.1] = best.2;
        used[best.2] = true;
    }
    partner
}

/// Minimum-cost assignment of every row to a distinct column (`rows ≤ cols`), Hungarian algorithm
/// with row/column potentials (shortest augmenting paths).
pub(crate) fn hungarian_min(cost: &Array2<f64>) -> Vec<usize> {
    let (n, m) = cost.dim();
    let inf = f64::INFINITY;
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut p = vec![0usize; m + 1]; // p[j] = row (1-based) assigned to column j
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![inf; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0usize;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost[(i0 - 1, j - 1)] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut ans = vec![0usize; n];
    for j in 1..=m {
        if p[j] != 0 {
            ans[p[j] - 1] = j - 1;
        }
    }
    ans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p001::svd::tests::orthonormal;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn permutations(k: usize) -> Vec<Vec<usize>> {
        if k == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(k - 1) {
            for pos in 0..=p.len() {
                let mut q = p.clone();
                q.insert(pos, k - 1);
                out.push(q);
            }
        }
        out
    }

    #[test]
    fn hungarian_is_optimal_against_brute_force() {
        // Random 6 × 6 and 4 × 6 benefit matrices: the Hungarian total equals the best over all
        // injective assignments (enumerated), greedy is never better.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        for trial in 0..60 {
            let (k, kr) = if trial % 2 == 0 { (6, 6) } else { (4, 6) };
            let o = Array2::from_shape_fn((k, kr), |_| rng.random::<f64>());
            let h = hungarian_min(&o.mapv(|x| -x));
            let th: f64 = h.iter().enumerate().map(|(a, &b)| o[(a, b)]).sum();
            let mut best = f64::NEG_INFINITY;
            for p in permutations(kr) {
                best = best.max((0..k).map(|a| o[(a, p[a])]).sum());
            }
            assert!((th - best).abs() < 1e-12, "trial {trial}: {th} vs {best}");
            let mut seen = h.clone();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), k);
            let g = greedy_max(&o);
            let tg: f64 = g.iter().enumerate().map(|(a, &b)| o[(a, b)]).sum();
            assert!(tg <= th + 1e-12);
        }
    }

    #[test]
    fn recovers_a_signed_permutation_and_greedy_can_fail() {
        let q = orthonormal(40, 5, 3);
        // u = reference columns permuted (2, 0, 4, 1, 3) with sign flips and 5 % admixture.
        let perm = [2usize, 0, 4, 1, 3];
        let mut u = Array2::zeros((40, 5));
        for (a, &b) in perm.iter().enumerate() {
            let sgn = if a % 2 == 0 { -1.0 } else { 1.0 };
            let mix = &q.column(b) * sgn + &q.column((b + 1) % 5) * 0.05;
            u.column_mut(a).assign(&mix);
        }
        for method in [MatchMethod::Hungarian, MatchMethod::Greedy] {
            let m = match_modes(u.view(), q.view(), method).unwrap();
            assert_eq!(m.partner, perm.to_vec());
            let want = 1.0 / (1.0f64 + 0.0025).sqrt();
            assert!(m.overlaps.iter().all(|o| (o - want).abs() < 1e-12));
        }
        // Greedy is suboptimal on [[0.9, 0.8], [0.8, 0.1]]: greedy total 1.0, optimal 1.6.
        let o = ndarray::array![[0.9, 0.8], [0.8, 0.1]];
        assert_eq!(greedy_max(&o), vec![0, 1]);
        assert_eq!(hungarian_min(&o.mapv(|x| -x)), vec![1, 0]);
        let d = diagonal_overlaps(u.view(), q.view()).unwrap();
        assert!(d[0] < 0.1);
        assert!(match_modes(q.view(), u.slice(ndarray::s![.., ..3]), MatchMethod::Greedy).is_err());
    }
}
