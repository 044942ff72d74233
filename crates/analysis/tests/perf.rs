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

/// Prints the numbers quoted in the hand-over report (not a check).
#[test]
#[ignore]
fn measured_values() {
    use analysis::fwhm::{FwhmOptions, fwhm_spline};
    use analysis::p001::autocorr::integrated_time;
    use ndarray::Array1;
    use rand_distr::StandardNormal;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let st = Array2::from_shape_fn((500, 100), |_| rng.random_range(0..10) as u8);
    let c = potts_covariance(st.view(), 10, true).unwrap();
    let (v, _) = symmetric_top_k(c.cov.view(), 1).unwrap();
    eprintln!("null Potts S = 500: top {:.3} vs edge {:.3}", v[0], 10.0 / 9.0 * (1.0 + 1.8f64.sqrt()).powi(2));
    for sigma in [2.5, 4.0, 8.0] {
        let w = Array1::from_iter((0..120).map(|i| (-0.5 * ((i as f64 - 37.3) / sigma).powi(2)).exp()));
        let f = fwhm_spline(w.view(), FwhmOptions::default()).unwrap();
        eprintln!("Gaussian σ = {sigma}: FWHM {:.4} vs {:.4}", f.fwhm, 2.0 * (2.0 * 2f64.ln()).sqrt() * sigma);
    }
    for phi in [0.5f64, 0.9] {
        let mut x = Array2::zeros((4, 250_000));
        for ch in 0..4 {
            let mut v: f64 = rng.sample::<f64, _>(StandardNormal) / (1.0 - phi * phi).sqrt();
            for s in 0..250_000 {
                x[(ch, s)] = v;
                v = phi * v + rng.sample::<f64, _>(StandardNormal);
            }
        }
        let it = integrated_time(x.view(), 3.0).unwrap();
        eprintln!(
            "AR(1) φ = {phi}: τ_int {:.3} ± {:.3} (W = {}) vs {:.3}",
            it.tau,
            it.se,
            it.window,
            (1.0 + phi) / (1.0 - phi)
        );
    }
}
