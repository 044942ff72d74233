//! Shared helpers of the paper-003 integration tests: a small spiked-covariance generator
//! (paper 003 eq. (11) with Rademacher spikes and latents), written here so that the tests
//! do not reuse any library code path for the data.
#![allow(dead_code)]

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A spiked data set: `x = U Λ^{1/2} Vᵀ/√d + Z` (`n × d`), spikes `v` (`d × r`, ±1 entries),
/// latents `u` (`n × r`, ±1 entries).
pub struct Spiked {
    pub x: Array2<f64>,
    pub v: Array2<f64>,
    pub u: Array2<f64>,
}

fn pm(rng: &mut Xoshiro256PlusPlus) -> f64 {
    if rng.random::<bool>() { 1.0 } else { -1.0 }
}

/// Draws a spiked covariance data set with SNRs `lambdas`.
pub fn spiked(n: usize, d: usize, lambdas: &[f64], seed: u64) -> Spiked {
    let r = lambdas.len();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let v = Array2::from_shape_fn((d, r), |_| pm(&mut rng));
    let u = Array2::from_shape_fn((n, r), |_| pm(&mut rng));
    let mut x = Array2::from_shape_fn((n, d), |_| rng.sample::<f64, _>(StandardNormal));
    let mut ul = u.clone();
    for (b, l) in lambdas.iter().enumerate() {
        ul.column_mut(b).mapv_inplace(|e| e * l.sqrt() / (d as f64).sqrt());
    }
    x += &ul.dot(&v.t());
    Spiked { x, v, u }
}

/// Standard Gaussian `rows × cols` matrix.
pub fn gaussian(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.sample::<f64, _>(StandardNormal))
}

/// Uniform ±1 `rows × cols` matrix.
pub fn rademacher(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| pm(&mut rng))
}

/// Mean and standard error.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, (v / n).sqrt())
}
