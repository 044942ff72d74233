//! Small exact-sampling building blocks: a finite discrete distribution given by log-weights,
//! log-binomial tables and the uniform choice of a subset of given size.

use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A distribution on `0..len` stored as its cumulative distribution function.
#[derive(Debug, Clone)]
pub(crate) struct Discrete {
    pmf: Vec<f64>,
    cdf: Vec<f64>,
}

impl Discrete {
    /// Builds the distribution `p_k ∝ exp(logw_k)` (entries equal to `-inf` get probability 0).
    pub(crate) fn from_log_weights(logw: &[f64]) -> Self {
        let max = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut pmf: Vec<f64> = logw.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = pmf.iter().sum();
        pmf.iter_mut().for_each(|p| *p /= total);
        let mut acc = 0.0;
        let cdf = pmf
            .iter()
            .map(|p| {
                acc += p;
                acc
            })
            .collect();
        Self { pmf, cdf }
    }

    pub(crate) fn pmf(&self) -> &[f64] {
        &self.pmf
    }

    /// Inverse-CDF draw (binary search).
    #[inline]
    pub(crate) fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> usize {
        let u: f64 = rng.random::<f64>() * self.cdf[self.cdf.len() - 1];
        self.cdf.partition_point(|&c| c <= u).min(self.cdf.len() - 1)
    }
}

/// `ln C(n, k)` for `k = 0..=n`, by the product recurrence (relative error ~1e-13 at n = 10⁶).
pub(crate) fn ln_binomial_row(n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n + 1);
    let mut acc = 0.0f64;
    out.push(0.0);
    for k in 1..=n {
        acc += ((n - k + 1) as f64).ln() - (k as f64).ln();
        out.push(acc);
    }
    out
}

/// Permutes `idx` so that its first `k` entries are a uniformly random `k`-subset of its entries
/// (partial Fisher–Yates; valid whatever the current order of `idx`, which need not be reset).
/// Returns `(chosen, rest)` as slices.
#[inline]
pub(crate) fn choose_subset<'a>(
    idx: &'a mut [usize],
    k: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> (&'a [usize], &'a [usize]) {
    let n = idx.len();
    for i in 0..k.min(n) {
        let j = rng.random_range(i..n);
        idx.swap(i, j);
    }
    let (a, b) = idx.split_at(k.min(n));
    (a, b)
}

/// Writes `count` values `+1` and `len - count` values `-1` at the positions `sites` (uniformly
/// at random), calling `set(site, spin)` for each; draws `min(count, len - count)` indices.
#[inline]
pub(crate) fn scatter_signs(
    sites: &mut [usize],
    count: usize,
    rng: &mut Xoshiro256PlusPlus,
    mut set: impl FnMut(usize, i8),
) {
    let n = sites.len();
    let (k, major, minor) = if 2 * count <= n { (count, -1i8, 1i8) } else { (n - count, 1i8, -1i8) };
    let (chosen, rest) = choose_subset(sites, k, rng);
    for &s in chosen {
        set(s, minor);
    }
    for &s in rest {
        set(s, major);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ln_binomial_matches_direct_products() {
        let row = ln_binomial_row(20);
        // C(20, 7) = 77520, C(20, 10) = 184756.
        assert!((row[7] - 77520f64.ln()).abs() < 1e-12);
        assert!((row[10] - 184756f64.ln()).abs() < 1e-12);
        assert_eq!(row[0], 0.0);
        assert!(row[20].abs() < 1e-12);
    }

    #[test]
    fn subset_choice_is_uniform() {
        // Each of 6 sites should be chosen with probability k/n = 2/6.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut idx: Vec<usize> = (0..6).collect();
        let mut hits = [0usize; 6];
        let trials = 60_000;
        for _ in 0..trials {
            let (c, _) = choose_subset(&mut idx, 2, &mut rng);
            for &s in c {
                hits[s] += 1;
            }
        }
        let p = 1.0 / 3.0;
        let se = (trials as f64 * p * (1.0 - p)).sqrt();
        for h in hits {
            assert!((h as f64 - trials as f64 * p).abs() < 4.0 * se, "{hits:?}");
        }
    }
}
