//! Paper 003: state evolution of AMP-RBM, its fixed points, the uninformative point and
//! λ_c, the replicon test, the linearised (BBP) SE, the Bayes-optimal SE and the spectral
//! baselines, checked against closed forms and against the independent reconstruction
//! (THEORY_003 §4.6–§4.8, §6, §10; numbers from its python logs, quoted below).

mod p003_common;

use ndarray::{Array2, arr2};
use std::time::Instant;
use theory::p003::baselines::{self, bbp_lambda, haar_baseline, haar_c2_exact, max_matching, pca_overlap};
use theory::p003::bayes::bayes_rank1;
use theory::p003::hidden::HiddenPrior;
use theory::p003::se::{
    self, SeParams, corollary1_overlaps, k1_moments, linearised_se_overlap, se_k1_fixed_point, se_k1_trajectory,
    se_k1_uninformative,
};

/// Reference values (alpha, lambda, C*, overlap, AT) from THEORY_003 `logs/replicon.log`,
/// computed there on a fine y-grid (spacing 5e-4) with scipy least squares.
const REFERENCE: [(f64, f64, f64, f64, f64); 7] = [
    (2.0, 1.2, 0.8541, 0.6556, 1.6925),
    (2.0, 1.5, 0.7527, 0.7663, 0.7322),
    (2.0, 2.0, 0.6583, 0.8488, 0.3121),
    (2.0, 3.0, 0.5737, 0.9117, 0.1040),
    (4.0, 0.8, 0.5330, 0.6656, 0.7673),
    (4.0, 1.0, 0.4614, 0.7772, 0.4393),
    (4.0, 2.0, 0.3262, 0.9225, 0.0881),
];

#[test]
fn k1_moments_match_a_riemann_sum_in_u_with_bisection_prox() {
    // Independent route: trapezoid rule in u (step 1e-3 on [−20, 20]) with the prox
    // y = u + C tanh y solved by bisection. (Gauss–Hermite in u is NOT a valid check: the
    // prox has complex branch points at distance ≈ 0.12 from the real u axis for C = 0.7.)
    let (c, mu, s) = (0.7, 1.3, 1.1);
    let mo = k1_moments(c, mu, s).unwrap();
    assert!((mo.norm - 1.0).abs() < 1e-10, "density mass {}", mo.norm);
    let prox = |u: f64| {
        let (mut a, mut b) = (u - 1.0, u + 1.0);
        for _ in 0..100 {
            let m = 0.5 * (a + b);
            if m - c * m.tanh() - u > 0.0 { b = m } else { a = m }
        }
        0.5 * (a + b)
    };
    let (mut ef2, mut efu, mut efp, mut efp2) = (0.0, 0.0, 0.0, 0.0);
    let h = 1e-3;
    let norm = 1.0 / (s * (2.0 * std::f64::consts::PI).sqrt());
    for i in 0..=40_000 {
        let u = -20.0 + h * i as f64;
        let pp = 0.5 * norm * (-(u - mu) * (u - mu) / (2.0 * s * s)).exp();
        let pm = 0.5 * norm * (-(u + mu) * (u + mu) / (2.0 * s * s)).exp();
        let t = prox(u).tanh();
        let hh = 1.0 - t * t;
        let fp = hh / (1.0 - c * hh);
        ef2 += h * t * t * (pp + pm);
        efu += h * t * (pp - pm);
        efp += h * fp * (pp + pm);
        efp2 += h * fp * fp * (pp + pm);
    }
    println!("y-grid {mo:?} vs u-trapezoid ef2 {ef2} efu {efu} efp {efp} efp2 {efp2}");
    for (a, b) in [(mo.ef2, ef2), (mo.efu, efu), (mo.efp, efp), (mo.efp2, efp2)] {
        assert!((a - b).abs() < 1e-9);
    }
    assert!(k1_moments(1.0, 0.0, 1.0).is_err());
    assert!(k1_moments(0.5, 0.0, 0.0).is_err());
}

#[test]
fn k1_fixed_points_match_the_reference_reconstruction() {
    let t0 = Instant::now();
    for &(alpha, lambda, c, ov, at) in &REFERENCE {
        let fp = se_k1_fixed_point(alpha, lambda).unwrap().expect("informative branch exists");
        println!(
            "alpha={alpha} lambda={lambda}: C={:.4} (ref {c}) overlap={:.4} (ref {ov}) q={:.4} AT={:.4} (ref {at}) resid={:.1e}",
            fp.c, fp.overlap, fp.q, fp.replicon, fp.residual
        );
        // The reference values are printed to 4 decimals.
        assert!((fp.c - c).abs() < 1.5e-4, "C");
        assert!((fp.overlap - ov).abs() < 1.5e-4, "overlap");
        assert!((fp.replicon - at).abs() < 2e-3 * at.max(1.0), "replicon");
        assert!(fp.residual.abs() < 1e-9);
        assert_eq!(fp.replicon_stable(), at < 1.0);
        // Fixed point of the SE iteration too (frozen C = C*, from the fixed point itself).
        let tr =
            se_k1_trajectory(alpha, lambda, fp.m_v, fp.sigma_v, &SeParams::Frozen { c: arr2(&[[fp.c]]) }, 3).unwrap();
        assert!((tr[2].overlap - fp.overlap).abs() < 1e-9);
    }
    println!("7 fixed points in {:.2} s", t0.elapsed().as_secs_f64());
}

#[test]
fn informative_branch_ends_above_bbp_at_alpha_2() {
    // THEORY_003 §4.8: at α = 2 the branch with 0 < C < 1 exists only for λ >= 0.949
    // (overlap 0.423 there), well above BBP = 0.707.
    assert!(se_k1_fixed_point(2.0, 0.93).unwrap().is_none());
    let fp = se_k1_fixed_point(2.0, 0.96).unwrap().unwrap();
    println!(
        "alpha=2 lambda=0.96: C={:.4} overlap={:.4} (ref C=0.9910 overlap 0.4401 at lambda=0.95996)",
        fp.c, fp.overlap
    );
    assert!((fp.overlap - 0.4401).abs() < 3e-3 && fp.c > 0.98);
    assert!(fp.overlap < pca_overlap(2.0, 0.96).unwrap());
}

#[test]
fn uninformative_point_gives_lambda_c_above_bbp() {
    // THEORY_003 §4.6 table (bbp_check.log): α = 4: C* = 0.6981, q* = 1.3141,
    // λ_c = 0.5579 (BBP 0.5); α = 8: λ_c = 0.3780 (BBP 0.3536); α = 2: none.
    assert!(se_k1_uninformative(2.0).unwrap().is_none());
    for (alpha, c, q, lc, at) in [
        (3.0, 0.8385, 1.5777, 0.6599, 3.408),
        (4.0, 0.6981, 1.3141, 0.5579, 2.2106),
        (8.0, 0.4557, 0.8607, 0.3780, 1.4466),
    ] {
        let u = se_k1_uninformative(alpha).unwrap().unwrap();
        let bbp = bbp_lambda(alpha).unwrap();
        println!(
            "alpha={alpha}: C*={:.4} q*={:.4} lambda_c={:.4} (ref {lc}) BBP={bbp:.4} AT={:.3}",
            u.c, u.q, u.lambda_c, u.replicon
        );
        assert!((u.c - c).abs() < 2e-4 && (u.q - q).abs() < 2e-4 && (u.lambda_c - lc).abs() < 2e-4);
        assert!((u.replicon - at).abs() < 2e-3 * at);
        assert!(u.lambda_c > bbp * 1.05, "non-linear SE threshold above BBP");
        assert!(u.replicon > 1.0, "uninformative point is replicon-unstable");
    }
}

#[test]
fn replicon_threshold_on_the_informative_branch() {
    // THEORY_003 reference_curves_alpha{2,4}.csv (a grid in C): AT crosses 1 between the
    // grid points λ = 1.3598 (AT 1.024) and 1.3722 (AT 0.991) at α = 2, and between
    // 0.7159 (1.033) and 0.7266 (0.992) at α = 4.
    for (alpha, lo, hi, bracket) in [(2.0, 1.2, 1.6, (1.3598, 1.3722)), (4.0, 0.65, 0.9, (0.7159, 0.7266))] {
        let at = |l: f64| se_k1_fixed_point(alpha, l).unwrap().unwrap().replicon - 1.0;
        let (mut a, mut b) = (lo, hi);
        assert!(at(a) > 0.0 && at(b) < 0.0);
        for _ in 0..14 {
            let m = 0.5 * (a + b);
            if at(m) > 0.0 { a = m } else { b = m }
        }
        let thr = 0.5 * (a + b);
        println!("alpha={alpha}: replicon threshold {thr:.4} (reference grid bracket {bracket:?})");
        assert!(thr > bracket.0 && thr < bracket.1);
    }
}

#[test]
fn linearised_se_reproduces_pca_and_the_bbp_threshold() {
    // Paper 003 eqs. (21)–(22): linear denoisers give the power method; its fixed point is
    // the PCA overlap (D-3) above λ = α^{-1/2} and zero below.
    for alpha in [2.0, 4.0] {
        let bbp = bbp_lambda(alpha).unwrap();
        for lambda in [0.5 * bbp, 0.95 * bbp, 1.1 * bbp, 1.5 * bbp, 3.0 * bbp] {
            let lin = linearised_se_overlap(alpha, lambda, 1e-3, 20_000).unwrap();
            let pca = pca_overlap(alpha, lambda).unwrap();
            assert!((lin - pca).abs() < 1e-6, "alpha={alpha} lambda={lambda}: {lin} vs {pca}");
            let g = se::bbp_growth_factor(alpha, lambda).unwrap();
            assert_eq!(g > 1.0, lambda > bbp);
            // Small overlaps grow by √α λ per double step (ρ_v' ≈ αλ² ρ_v).
            let r1 = linearised_se_overlap(alpha, lambda, 1e-10, 1).unwrap();
            let r0 = linearised_se_overlap(alpha, lambda, 1e-10, 0).unwrap();
            assert!((r1 / r0 - g).abs() < 1e-6);
        }
    }
    // THEORY_003 §10 row 7: 0.3669 at α = 2, λ = 0.8.
    assert!((pca_overlap(2.0, 0.8).unwrap() - 0.3669).abs() < 1e-4);
}

#[test]
fn general_k_se_reduces_to_k1_and_to_corollary1() {
    let t0 = Instant::now();
    let alpha = 2.0;
    // k = r = 1 Monte-Carlo SE vs quadrature SE, frozen C = C*(λ = 2).
    let fp = se_k1_fixed_point(alpha, 2.0).unwrap().unwrap();
    let params = SeParams::Frozen { c: arr2(&[[fp.c]]) };
    let quad = se_k1_trajectory(alpha, 2.0, 0.3, 1.0, &params, 8).unwrap();
    let n_mc = 200_000;
    let mc = se::se_trajectory(
        alpha,
        &[2.0],
        HiddenPrior::Rademacher,
        &arr2(&[[0.3]]),
        &arr2(&[[1.0]]),
        &params,
        8,
        n_mc,
        11,
    )
    .unwrap();
    for (a, b) in quad.iter().zip(&mc) {
        // MC error of an average of bounded terms with N = 2e5: ~ 2e-3 on the overlap.
        assert!((a.overlap - b.overlap[[0, 0]]).abs() < 6e-3, "t={}: {} vs {}", a.iter, a.overlap, b.overlap[[0, 0]]);
    }
    // k = r = 2, distinct SNRs, diagonal start, adaptive C with damped Γ: converges to the
    // decoupled rank-1 fixed points (Corollary 1).
    let lams = [3.0, 2.0];
    let pred = corollary1_overlaps(alpha, &lams, 2).unwrap();
    let fps: Vec<_> = lams.iter().map(|&l| se_k1_fixed_point(alpha, l).unwrap().unwrap()).collect();
    let b0 = Array2::from_diag(&ndarray::arr1(&[fps[0].b, fps[1].b]));
    let params = SeParams::Adaptive { b_init: b0, gamma_init: None, theta: 0.3 };
    let m0 = Array2::eye(2) * 0.3;
    let tr =
        se::se_trajectory(alpha, &lams, HiddenPrior::Rademacher, &m0, &Array2::eye(2), &params, 30, 40_000, 5).unwrap();
    let last = tr.last().unwrap();
    println!("k=2 SE overlaps {:?} vs Corollary 1 {:?} ({:.1} s)", last.overlap, pred, t0.elapsed().as_secs_f64());
    // MC error of the SE averages with N = 4e4 draws: ~ 1/√N ≈ 5e-3.
    for a in 0..2 {
        assert!((last.overlap[[a, a]] - pred[a].unwrap()).abs() < 5e-3);
        assert!(last.overlap[[a, 1 - a]] < 2e-2);
    }
    // Without damping the self-consistent C leaves (0, I) from this start (reported as an error).
    let undamped = SeParams::Adaptive {
        b_init: Array2::from_diag(&ndarray::arr1(&[fps[0].b, fps[1].b])),
        gamma_init: None,
        theta: 1.0,
    };
    assert!(
        se::se_trajectory(alpha, &lams, HiddenPrior::Rademacher, &m0, &Array2::eye(2), &undamped, 30, 2_000, 5)
            .is_err()
    );
}

#[test]
fn bayes_optimal_se_matches_reference_values() {
    // THEORY_003 §6 / bayes_opt.log (α = 2).
    for (lambda, ov) in
        [(0.7, 0.0), (0.72, 0.1456), (0.8, 0.3803), (1.0, 0.6243), (1.5, 0.8518), (2.0, 0.9318), (3.0, 0.9828)]
    {
        let b = bayes_rank1(2.0, lambda).unwrap();
        assert!((b.overlap - ov).abs() < 2e-3, "lambda={lambda}: {} vs {ov}", b.overlap);
    }
    // Bayes ≥ SE ≥ 0 and Bayes ≥ PCA on the informative branch.
    for lambda in [1.5, 2.0, 3.0] {
        let b = bayes_rank1(2.0, lambda).unwrap().overlap;
        assert!(b > se_k1_fixed_point(2.0, lambda).unwrap().unwrap().overlap);
        assert!(b > pca_overlap(2.0, lambda).unwrap());
    }
}

#[test]
fn haar_baselines_and_matching() {
    let h2 = haar_baseline(2, 40_000, 1).unwrap();
    println!("c2 = {:.4} ± {:.4} (exact {:.4})", h2.matching, h2.matching_se, haar_c2_exact());
    assert!((h2.matching - haar_c2_exact()).abs() < 4.0 * h2.matching_se);
    assert!((h2.row_max - haar_c2_exact()).abs() < 4.0 * h2.row_max_se);
    let h10 = haar_baseline(10, 20_000, 2).unwrap();
    println!(
        "c10 matching {:.4} ± {:.4} (ref 0.5935), row-max {:.4} ± {:.4} (ref 0.6100)",
        h10.matching, h10.matching_se, h10.row_max, h10.row_max_se
    );
    // Reference from an independent python Monte Carlo (THEORY_003 reference_curves.log),
    // its own error ~1e-3.
    assert!((h10.matching - 0.5935).abs() < 4.0 * h10.matching_se + 3e-3);
    assert!((h10.row_max - 0.6100).abs() < 4.0 * h10.row_max_se + 3e-3);
    // Hungarian vs brute force over all permutations.
    let perms = |n: usize| -> Vec<Vec<usize>> {
        fn rec(pre: &mut Vec<usize>, n: usize, out: &mut Vec<Vec<usize>>) {
            if pre.len() == n {
                out.push(pre.clone());
                return;
            }
            for i in 0..n {
                if !pre.contains(&i) {
                    pre.push(i);
                    rec(pre, n, out);
                    pre.pop();
                }
            }
        }
        let mut out = vec![];
        rec(&mut vec![], n, &mut out);
        out
    };
    let all = perms(6);
    for seed in 0..20 {
        let m = p003_common::gaussian(6, 6, 100 + seed);
        let brute = all.iter().map(|p| (0..6).map(|i| m[[i, p[i]]]).sum::<f64>()).fold(f64::NEG_INFINITY, f64::max);
        let (assign, total) = max_matching(&m);
        assert!((total - brute).abs() < 1e-12);
        let mut cols: Vec<usize> = assign.iter().map(|a| a.unwrap()).collect();
        cols.sort();
        assert_eq!(cols, (0..6).collect::<Vec<_>>());
    }
    // Rectangular: 2 × 4 and 4 × 2.
    let m = p003_common::gaussian(2, 4, 7);
    let brute = (0..4)
        .flat_map(|i| (0..4).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| m[[0, i]] + m[[1, j]])
        .fold(f64::NEG_INFINITY, f64::max);
    assert!((max_matching(&m).1 - brute).abs() < 1e-12);
    assert!((max_matching(&m.t().to_owned()).1 - brute).abs() < 1e-12);
}

#[test]
fn pca_overlap_matches_top_eigenvector_at_finite_d() {
    let (alpha, lambda, d) = (2.0, 1.5, 1000);
    let data = p003_common::spiked(2 * d, d, &[lambda], 3);
    let (vecs, vals) = baselines::top_eigenvectors(data.x.view(), 1, 0).unwrap();
    let ov = vecs.column(0).dot(&data.v.column(0)).abs() / (d as f64).sqrt();
    let pred = pca_overlap(alpha, lambda).unwrap();
    let top = theory::spiked::bbp_top_eigenvalue(lambda, 1.0 / alpha).unwrap();
    println!("PCA overlap {ov:.4} vs {pred:.4}; top eigenvalue {:.4} vs {top:.4}", vals[0]);
    // Finite-d fluctuations of the overlap are O(d^{-1/2}) ≈ 0.03.
    assert!((ov - pred).abs() < 0.05);
    assert!((vals[0] - top).abs() < 0.1);
}

#[test]
fn bad_inputs_are_errors() {
    assert!(se_k1_fixed_point(0.0, 1.0).is_err());
    assert!(se_k1_fixed_point(-1.0, 1.0).is_err());
    assert!(se_k1_fixed_point(2.0, -1.0).is_err());
    assert!(se_k1_uninformative(f64::NAN).is_err());
    assert!(bayes_rank1(0.0, 1.0).is_err());
    assert!(pca_overlap(0.0, 1.0).is_err());
    assert!(linearised_se_overlap(-2.0, 1.0, 0.1, 3).is_err());
    // SE whose C_t leaves (0, 1) is reported, not silently continued.
    let bad = SeParams::Adaptive { b_init: arr2(&[[1.9]]), gamma_init: None, theta: 1.0 };
    assert!(se_k1_trajectory(2.0, 2.0, 0.3, 1.0, &bad, 5).is_err());
    assert!(haar_baseline(0, 10, 1).is_err());
}

#[test]
fn se_curves_take_seconds() {
    let t0 = Instant::now();
    let mut n = 0;
    for alpha in [2.0, 4.0] {
        for j in 0..15 {
            let lambda = 0.5 + 0.2 * j as f64;
            let _ = se_k1_fixed_point(alpha, lambda).unwrap();
            let _ = bayes_rank1(alpha, lambda).unwrap();
            n += 1;
        }
    }
    let el = t0.elapsed().as_secs_f64();
    println!("{n} SE + Bayes points in {el:.2} s");
    assert!(el < 60.0);
}
