//! Ising and XY rings: closed-form correlations, paper 002 eq. (29), brute-force enumeration of
//! small rings, thread-count independence and the 10⁶ × 100 timing of paper 002 Fig. 5.
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas being checked

mod common;

use std::time::Instant;

use data::Encoding;
use data::ising::IsingRing;
use data::xy::{XyRing, xy_eigenvalues};

/// Unnormalised weights of all P^N ring configurations (state of site i = digit i of the code).
fn ring_weights(n: usize, p: usize, bond: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    let total = p.pow(n as u32);
    let w: Vec<f64> = (0..total)
        .map(|code| {
            let v: Vec<usize> = (0..n).map(|i| code / p.pow(i as u32) % p).collect();
            (0..n).map(|i| bond(v[i], v[(i + 1) % n])).sum::<f64>().exp()
        })
        .collect();
    let z: f64 = w.iter().sum();
    w.into_iter().map(|x| x / z).collect()
}

#[test]
fn ising_ring_correlations_within_3_se_for_d_up_to_10() {
    // Paper 002 Fig. 2 data: N = 100, β = 1, 10 000 configurations.
    let ring = IsingRing::new(100, 1.0).unwrap();
    let x = ring.sample(10_000, 2020, Encoding::Spin).unwrap();
    let t = 1.0f64.tanh();
    for d in 0..=10usize {
        // Independent closed form (transfer matrix, PBC).
        let exact = (t.powi(d as i32) + t.powi(100 - d as i32)) / (1.0 + t.powi(100));
        assert!((ring.correlation(d) - exact).abs() < 1e-14);
        // Per-sample ring average of v_i v_{i+d}; samples are independent, so its s.e. is exact.
        let c: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|r| (0..100).map(|i| (r[i] * r[(i + d) % 100]) as f64).sum::<f64>() / 100.0)
            .collect();
        let (m, se) = common::mean_se(&c);
        println!(
            "d = {d:2}: ⟨v_i v_i+d⟩ = {m:.4} ± {se:.4}, exact {exact:.4}, |z| = {:.2}",
            if se > 0.0 { (m - exact).abs() / se } else { 0.0 }
        );
        if d == 0 {
            assert_eq!(m, 1.0);
        } else {
            assert!((m - exact).abs() < 3.0 * se);
        }
    }
    assert!((ring.correlation_length() - 3.67).abs() < 0.005);
}

#[test]
fn ising_ring_matches_enumeration() {
    let (n, beta) = (9, 0.7);
    let exact = ring_weights(n, 2, |a, b| if a == b { beta } else { -beta });
    let ring = IsingRing::new(n, beta).unwrap();
    let x = ring.sample(200_000, 5, Encoding::Binary).unwrap();
    let mut counts = vec![0u64; exact.len()];
    for r in x.rows() {
        // Binary 1 = spin +1 = state 0 of the enumeration; code digit i = 1 - r[i].
        counts[(0..n).map(|i| (1 - r[i] as usize) << i).sum::<usize>()] += 1;
    }
    let (stat, dof, z) = common::chi2(&counts, &exact);
    println!("Ising N=9: χ² = {stat:.1} on {dof} dof, z = {z:.2}");
    assert!(z < 3.5);
}

#[test]
fn xy_eigenvalue_ratio_of_paper_002() {
    // Eq. (29) evaluated here independently of the crate.
    let (beta, p) = (1.5f64, 10usize);
    let lam = |q: usize| -> f64 {
        (0..p)
            .map(|v| {
                let a = 2.0 * std::f64::consts::PI * v as f64 / p as f64;
                (beta * a.cos()).exp() * (a * q as f64).cos()
            })
            .sum()
    };
    let lib = xy_eigenvalues(beta, p);
    for (q, l) in lib.iter().enumerate() {
        assert!((l - lam(q)).abs() < 1e-12);
    }
    let ratio = lam(1) / lam(0);
    assert!((ratio - 0.5961).abs() < 5e-5, "λ1/λ0 = {ratio}");
    // Λ_XY = (P/(P−1))(λ0+λ1)/(λ0−λ1) = 4.3913 (../notes, verified).
    let big = p as f64 / (p as f64 - 1.0) * (lam(0) + lam(1)) / (lam(0) - lam(1));
    assert!((big - 4.3913).abs() < 5e-5);
}

#[test]
fn xy_ring_cos_correlation_and_marginals() {
    // Paper 002 Fig. 8: N = 100, P = 10, β = 1.5.
    let ring = XyRing::new(100, 10, 1.5).unwrap();
    let x = ring.sample(20_000, 8).unwrap();
    let lam = ring.eigenvalues();
    let tau = std::f64::consts::TAU;
    for d in 1..=6usize {
        let limit = (lam[1] / lam[0]).powi(d as i32);
        // At N = 100 the finite-ring corrections (λ_q/λ_0)^{N−d} are below 1e-20.
        assert!((ring.cos_correlation(d) - limit).abs() < 1e-12);
        let c: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|r| {
                (0..100).map(|i| (tau * (r[i] as f64 - r[(i + d) % 100] as f64) / 10.0).cos()).sum::<f64>() / 100.0
            })
            .collect();
        let (m, se) = common::mean_se(&c);
        println!("XY d = {d}: {m:.4} ± {se:.4} vs (λ1/λ0)^d = {limit:.4}");
        assert!((m - limit).abs() < 3.0 * se);
    }
    // Each state has marginal 1/P: per-sample state frequency, 3 s.e.
    for v in 0..10u8 {
        let f: Vec<f64> = x.rows().into_iter().map(|r| r.iter().filter(|&&s| s == v).count() as f64 / 100.0).collect();
        let (m, se) = common::mean_se(&f);
        assert!((m - 0.1).abs() < 3.0 * se, "state {v}: {m} ± {se}");
    }
}

#[test]
fn xy_ring_matches_enumeration_and_exact_pair_law() {
    let (n, p, beta) = (5usize, 4usize, 1.2f64);
    let tau = std::f64::consts::TAU;
    let exact = ring_weights(n, p, |a, b| beta * (tau * (a as f64 - b as f64) / p as f64).cos());
    let ring = XyRing::new(n, p, beta).unwrap();
    // Pair law and finite-ring cos correlation vs enumeration (checks the derivations in xy.rs).
    for d in 0..n {
        let mut pair = vec![0.0; p * p];
        for (code, pr) in exact.iter().enumerate() {
            let (a, b) = (code % p, code / p.pow(d as u32) % p);
            pair[a * p + b] += pr;
        }
        let lib = ring.pair_probability(d);
        let cos: f64 = (0..p * p).map(|k| pair[k] * (tau * ((k / p) as f64 - (k % p) as f64) / p as f64).cos()).sum();
        assert!((ring.cos_correlation(d) - cos).abs() < 1e-12, "d = {d}");
        for k in 0..p * p {
            assert!((lib[(k / p, k % p)] - pair[k]).abs() < 1e-12, "d = {d}");
        }
    }
    let x = ring.sample(200_000, 6).unwrap();
    let mut counts = vec![0u64; exact.len()];
    for r in x.rows() {
        counts[(0..n).map(|i| r[i] as usize * p.pow(i as u32)).sum::<usize>()] += 1;
    }
    let (stat, dof, z) = common::chi2(&counts, &exact);
    println!("XY N=5 P=4: χ² = {stat:.1} on {dof} dof, z = {z:.2}");
    assert!(z < 3.5);
}

#[test]
fn xy_one_hot_covariance_is_eq_28_at_large_n() {
    // Eq. (28) of paper 002, evaluated here from eq. (29), vs the crate's finite-ring transfer
    // matrix covariance at N = 100 (finite-size terms (λ_p/λ_0)^{N−d} < 1e-20).
    let (n, p, beta) = (100usize, 10usize, 1.5f64);
    let ring = XyRing::new(n, p, beta).unwrap();
    let lam = xy_eigenvalues(beta, p);
    let tau = std::f64::consts::TAU;
    for d in [0usize, 1, 2, 5, 17] {
        let c = ring.one_hot_covariance(d);
        for a in 0..p {
            for b in 0..p {
                let eq28: f64 = (1..p)
                    .map(|q| {
                        (lam[q] / lam[0]).powi(d as i32) * (tau * q as f64 * (a as f64 - b as f64) / p as f64).cos()
                    })
                    .sum::<f64>()
                    / (p as f64 - 1.0);
                assert!((c[(a, b)] - eq28).abs() < 1e-12, "d = {d} ({a},{b}): {} vs {eq28}", c[(a, b)]);
            }
        }
    }
}

#[test]
fn ring_output_does_not_depend_on_thread_count() {
    let ring = XyRing::new(30, 7, 0.9).unwrap();
    let run =
        |t| rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap().install(|| ring.sample(2000, 1).unwrap());
    assert_eq!(run(1), run(2));
    let ising = IsingRing::new(30, 0.9).unwrap();
    let run = |t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
            .install(|| ising.sample(2000, 1, Encoding::Spin).unwrap())
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn rings_reject_bad_parameters() {
    assert!(IsingRing::new(1, 1.0).is_err());
    assert!(IsingRing::new(10, -1.0).is_err());
    assert!(XyRing::new(10, 1, 1.0).is_err());
    assert!(XyRing::new(10, 300, 1.0).is_err());
    assert!(XyRing::new(10, 5, f64::INFINITY).is_err());
}

#[test]
fn timing_one_million_ising_configurations() {
    // Paper 002 Fig. 5 data set: 10⁶ configurations of N = 100 at β = 1. Prints the time (no
    // assertion on it); checks the nearest-neighbour correlation against the exact value.
    let ring = IsingRing::new(100, 1.0).unwrap();
    let t0 = Instant::now();
    let x = ring.sample(1_000_000, 7, Encoding::Spin).unwrap();
    let dt = t0.elapsed();
    println!(
        "TIMING: 10^6 Ising-ring configurations (N = 100, β = 1) in {:.2} s on {} threads",
        dt.as_secs_f64(),
        rayon::current_num_threads()
    );
    let c: f64 = x.rows().into_iter().map(|r| (r[0] * r[1]) as f64).sum::<f64>() / 1e6;
    let exact = ring.correlation(1);
    let se = ((1.0 - exact * exact) / 1e6).sqrt();
    assert!((c - exact).abs() < 4.0 * se, "{c} vs {exact}");
}
