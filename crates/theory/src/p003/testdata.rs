//! Test data for the paper-003 unit tests, written out here rather than taken from the
//! `data` crate's generator so that the tests check the algorithms against an independent
//! construction: `X = UΛ^{1/2}Vᵀ/√d + Z` (paper 003 eq. (11)) with ±1 spikes `V` (`d × r`),
//! ±1 latents `U` (`n × r`) and standard Gaussian noise `Z`.

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

/// `(X, V)` for SNRs `lam` (one per spike), seeded.
pub(crate) fn spiked(n: usize, d: usize, lam: &[f64], seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let r = lam.len();
    let pm = |rng: &mut Xoshiro256PlusPlus| if rng.random::<bool>() { 1.0 } else { -1.0 };
    let v = Array2::from_shape_fn((d, r), |_| pm(&mut rng));
    let u = Array2::from_shape_fn((n, r), |_| pm(&mut rng));
    let mut x = Array2::from_shape_fn((n, d), |_| rng.sample::<f64, _>(StandardNormal));
    let mut ul = u;
    for (a, l) in lam.iter().enumerate() {
        ul.column_mut(a).mapv_inplace(|e| e * (l / d as f64).sqrt());
    }
    x += &ul.dot(&v.t());
    (x, v)
}
