//! Shared helpers of the model integration tests.
#![allow(dead_code)]

use model::{Rbm, Units};
use ndarray::{Array1, Array2};
use rand::RngExt;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use std::collections::HashMap;

pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// An RBM with Gaussian random weights (std `wstd`) and biases (std `bstd`).
pub fn random_rbm(vis: Units, nv: usize, hid: Units, nh: usize, wstd: f64, bstd: f64, seed: u64) -> Rbm<f64> {
    let mut r = Rbm::<f64>::zeros(vis, nv, hid, nh).unwrap();
    let mut g = rng(seed);
    let nw = Normal::new(0.0, wstd).unwrap();
    let nb = Normal::new(0.0, bstd).unwrap();
    r.weights.mapv_inplace(|_| nw.sample(&mut g));
    r.visible.bias.mapv_inplace(|_| nb.sample(&mut g));
    r.hidden.bias.mapv_inplace(|_| nb.sample(&mut g));
    r
}

/// Map each row of `x` to the index of the identical row in `states`.
pub fn state_indices(states: &Array2<f64>, x: &Array2<f64>) -> Vec<usize> {
    let key = |r: ndarray::ArrayView1<f64>| r.iter().map(|v| (*v * 2.0).round() as i64).collect::<Vec<_>>();
    let map: HashMap<Vec<i64>, usize> = states.rows().into_iter().enumerate().map(|(i, r)| (key(r), i)).collect();
    x.rows().into_iter().map(|r| *map.get(&key(r)).expect("row is not a state")).collect()
}

/// Total-variation distance between the empirical law of `idx` and `p`.
pub fn tv(idx: &[usize], p: &Array1<f64>) -> f64 {
    let mut c = vec![0.0; p.len()];
    for &i in idx {
        c[i] += 1.0;
    }
    let n = idx.len() as f64;
    0.5 * c.iter().zip(p.iter()).map(|(a, b)| (a / n - b).abs()).sum::<f64>()
}

/// Mean and standard deviation of the TV distance of `n` exact i.i.d. draws from `p`
/// (the Monte-Carlo floor), over `reps` independent replicates.
pub fn tv_floor(p: &Array1<f64>, n: usize, reps: usize, seed: u64) -> (f64, f64) {
    let mut cdf = Vec::new();
    let mut a = 0.0;
    for &q in p {
        a += q;
        cdf.push(a);
    }
    let mut g = rng(seed);
    let mut vals = Vec::new();
    let mut idx = vec![0usize; n];
    for _ in 0..reps {
        for x in idx.iter_mut() {
            let u: f64 = g.random::<f64>() * a;
            *x = cdf.partition_point(|&c| c <= u).min(p.len() - 1);
        }
        vals.push(tv(&idx, p));
    }
    let m = vals.iter().sum::<f64>() / reps as f64;
    let v = vals.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps - 1) as f64;
    (m, v.sqrt())
}
