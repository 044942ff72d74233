//! Curie–Weiss teacher: exact overlap law vs enumeration, sampler vs exact law (χ²), and
//! convergence of ⟨|m|⟩ to the mean-field magnetisation.
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas being checked

mod common;

use data::Encoding;
use data::curie_weiss::CurieWeiss;
use ndarray::Array1;

#[test]
fn overlap_law_matches_brute_force_enumeration() {
    // Independent: sum exp(β (ξ·v)²/2N) over all 2^12 configurations, binned by k.
    let n = 12;
    let beta = 1.3;
    let cw = CurieWeiss::with_random_pattern(n, beta, 5).unwrap();
    let xi = cw.pattern().clone();
    let mut w = vec![0.0; n + 1];
    for code in 0u32..(1 << n) {
        let v: Vec<i8> = (0..n).map(|i| if code >> i & 1 == 1 { 1 } else { -1 }).collect();
        let m: i32 = (0..n).map(|i| (xi[i] * v[i]) as i32).sum();
        let k = ((m + n as i32) / 2) as usize;
        w[k] += (beta * (m * m) as f64 / (2.0 * n as f64)).exp();
    }
    let z: f64 = w.iter().sum();
    for (k, p) in cw.overlap_pmf().iter().enumerate() {
        assert!((p - w[k] / z).abs() < 1e-12, "k = {k}: {p} vs {}", w[k] / z);
    }
}

#[test]
fn sampled_overlap_histogram_matches_exact_law() {
    for &(n, beta, s) in &[(100usize, 1.5f64, 200_000usize), (61, 0.8, 100_000)] {
        let cw = CurieWeiss::with_random_pattern(n, beta, 11).unwrap();
        let x = cw.sample(s, 42, Encoding::Spin).unwrap();
        let xi = cw.pattern();
        let mut counts = vec![0u64; n + 1];
        for row in x.rows() {
            let m: i32 = row.iter().zip(xi).map(|(v, x)| (*v as i32) * (*x as i32)).sum();
            counts[((m + n as i32) / 2) as usize] += 1;
        }
        let (stat, dof, z) = common::chi2(&counts, cw.overlap_pmf());
        println!("CW N={n} β={beta} S={s}: χ² = {stat:.1} on {dof} dof, z = {z:.2}");
        assert!(z < 3.5, "χ² test rejects the sampler (z = {z})");
    }
}

#[test]
fn binary_encoding_is_the_spin_sample_mapped() {
    let cw = CurieWeiss::with_random_pattern(30, 1.2, 1).unwrap();
    let s = cw.sample(500, 9, Encoding::Spin).unwrap();
    let b = cw.sample(500, 9, Encoding::Binary).unwrap();
    assert_eq!(b, s.mapv(|v| (v + 1) / 2));
}

#[test]
fn mean_abs_overlap_tends_to_mean_field_magnetisation() {
    let beta = 1.5;
    let m_star = common::cw_mean_field(beta);
    assert!((m_star - 0.8586).abs() < 1e-4, "m* = {m_star}");
    let mut prev_gap = f64::INFINITY;
    for &(n, s) in &[(50usize, 20_000usize), (200, 20_000), (800, 10_000), (3200, 4_000)] {
        let cw = CurieWeiss::with_random_pattern(n, beta, n as u64).unwrap();
        let exact = cw.mean_abs_overlap();
        let x = cw.sample(s, 3, Encoding::Spin).unwrap();
        let xi = cw.pattern().mapv(|v| v as f64);
        let am: Vec<f64> = x.rows().into_iter().map(|r| (r.mapv(|v| v as f64).dot(&xi) / n as f64).abs()).collect();
        let (mean, se) = common::mean_se(&am);
        let gap = (exact - m_star).abs();
        println!(
            "N = {n}: sampled ⟨|m|⟩ = {mean:.5} ± {se:.5}, exact {exact:.5}, mean field {m_star:.5}, gap {gap:.2e}"
        );
        assert!((mean - exact).abs() < 4.0 * se, "sampled ⟨|m|⟩ off the exact finite-N value");
        assert!(gap < prev_gap, "finite-size gap does not shrink with N");
        prev_gap = gap;
    }
    // Finite-size correction is O(1/N): at N = 3200 it is below 1e-3.
    assert!(prev_gap < 1e-3);
}

#[test]
fn site_correlation_matches_samples() {
    let cw = CurieWeiss::with_random_pattern(40, 1.1, 2).unwrap();
    let x = cw.sample(50_000, 8, Encoding::Spin).unwrap();
    let xi = cw.pattern();
    let c: Vec<f64> = x.rows().into_iter().map(|r| (r[3] * r[17]) as f64 * (xi[3] * xi[17]) as f64).collect();
    let (m, se) = common::mean_se(&c);
    let exact = cw.pair_correlation();
    println!("CW ⟨ξ3 v3 ξ17 v17⟩ = {m:.4} ± {se:.4}, exact {exact:.4}");
    assert!((m - exact).abs() < 4.0 * se);
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let cw = CurieWeiss::with_random_pattern(50, 1.4, 4).unwrap();
    let run = |t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
            .install(|| cw.sample(1000, 77, Encoding::Spin).unwrap())
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn rejects_bad_parameters() {
    assert!(CurieWeiss::new(Array1::from(vec![1i8, 0, -1]), 1.0).is_err());
    assert!(CurieWeiss::new(Array1::from(vec![1i8, 1]), -0.1).is_err());
    assert!(CurieWeiss::new(Array1::from(vec![1i8, 1]), f64::NAN).is_err());
    assert!(CurieWeiss::new(Array1::<i8>::zeros(0), 1.0).is_err());
}
