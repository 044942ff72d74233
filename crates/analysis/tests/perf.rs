//! Timings of the heavy analyses (run with `cargo test -p analysis --test perf -- --ignored
//! --nocapture`); ignored by default because they measure, not check.

use analysis::covariance::{potts_covariance, spin_covariance};
use analysis::p001::svd::track_svd;
use analysis::spectrum::symmetric_top_k;
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::time::Instant;

#[test]
#[ignore]
fn perf_report() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let (s, n, p) = (100_000, 100, 10);
    let st = Array2::from_shape_fn((s, n), |_| rng.random_range(0..p) as u8);
    let t = Instant::now();
    let c = potts_covariance(st.view(), p, true).unwrap();
    eprintln!("potts_covariance S = {s}, N = {n}, P = {p}: {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let (v, _) = symmetric_top_k(c.cov.view(), 2).unwrap();
    eprintln!("symmetric_top_k 1000 × 1000: {:.2} s (top {:.3})", t.elapsed().as_secs_f64(), v[0]);

    let x = Array2::from_shape_fn((100_000, 400), |_| if rng.random::<bool>() { 1i8 } else { -1 });
    let t = Instant::now();
    let _ = spin_covariance(x.view(), false).unwrap();
    eprintln!("spin_covariance S = 1e5, N = 400: {:.2} s", t.elapsed().as_secs_f64());

    let mats: Vec<Array2<f64>> =
        (0..16).map(|_| Array2::from_shape_fn((784, 500), |_| rng.random::<f64>() - 0.5)).collect();
    let views: Vec<_> = mats.iter().map(|m| m.view()).collect();
    let t = Instant::now();
    let _ = track_svd(&views, 100, None).unwrap();
    eprintln!("track_svd 16 × (784 × 500), values only: {:.2} s", t.elapsed().as_secs_f64());
    let refb = analysis::p001::svd::svd(mats[0].view(), Some(100)).unwrap().u;
    let t = Instant::now();
    let _ = track_svd(&views, 100, Some(refb.view())).unwrap();
    eprintln!("track_svd 16 × (784 × 500), with vectors + overlaps: {:.2} s", t.elapsed().as_secs_f64());
}
