//! Paper 003 Theorem 1: the effective objective (5)–(8) with and without biases, checked
//! against finite differences, naive enumeration, closed forms, and the exact RBM
//! log-likelihood computed by brute-force enumeration inside this test.

mod p003_common;

use ndarray::{Array1, Array2, arr2};
use std::time::Instant;
use theory::p003::hidden::{self, HiddenPrior, MAX_ENUM_K};
use theory::p003::objective::{EffObjective, EffParams, VisiblePrior};

/// Naive `log E_h exp(ℓᵀh + ½hᵀMh)` with moments, straight from the definition.
fn naive_tilted(lo: f64, hi: f64, lin: &[f64], quad: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let k = lin.len();
    let mut es = vec![];
    let mut hs = vec![];
    for s in 0..(1usize << k) {
        let h: Vec<f64> = (0..k).map(|a| if (s >> a) & 1 == 1 { hi } else { lo }).collect();
        let mut e = 0.0;
        for a in 0..k {
            e += lin[a] * h[a];
            for b in 0..k {
                e += 0.5 * h[a] * quad[a * k + b] * h[b];
            }
        }
        es.push(e);
        hs.push(h);
    }
    let mx = es.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = es.iter().map(|e| (e - mx).exp()).sum();
    let mut mean = vec![0.0; k];
    let mut sec = vec![0.0; k * k];
    for (e, h) in es.iter().zip(&hs) {
        let p = (e - mx).exp() / z;
        for a in 0..k {
            mean[a] += p * h[a];
            for b in 0..k {
                sec[a * k + b] += p * h[a] * h[b];
            }
        }
    }
    (mx + z.ln() - k as f64 * std::f64::consts::LN_2, mean, sec)
}

#[test]
fn enumeration_matches_naive_sum_and_closed_forms() {
    for (prior, lo, hi) in [(HiddenPrior::Rademacher, -1.0, 1.0), (HiddenPrior::Bernoulli, 0.0, 1.0)] {
        for k in [1usize, 3, 7, 14] {
            let g = p003_common::gaussian(k + 1, k, 40 + k as u64);
            let lin: Vec<f64> = g.row(k).iter().map(|v| 0.7 * v).collect();
            let mut quad = vec![0.0; k * k];
            for a in 0..k {
                for b in 0..k {
                    quad[a * k + b] = 0.3 * (g[[a, b]] + g[[b, a]]);
                }
            }
            let t = hidden::tilted(prior, &lin, &quad).unwrap();
            let (lz, mean, sec) = naive_tilted(lo, hi, &lin, &quad);
            assert!((t.log_z - lz).abs() < 1e-10 * (1.0 + lz.abs()), "{prior:?} k={k}");
            assert!(t.mean.iter().zip(&mean).all(|(a, b)| (a - b).abs() < 1e-10));
            assert!(t.second.iter().zip(&sec).all(|(a, b)| (a - b).abs() < 1e-10));
        }
    }
    // Closed forms of THEORY_003 §2.3.
    let q = arr2(&[[0.7, 0.4], [0.4, 1.3]]);
    let f = hidden::f_reg(HiddenPrior::Rademacher, &q).unwrap();
    assert!((f - (0.5 * (0.7 + 1.3) + 0.4f64.cosh().ln())).abs() < 1e-13);
    let gm = hidden::gamma(HiddenPrior::Rademacher, &q).unwrap();
    assert!((gm[[0, 1]] - 0.4f64.tanh()).abs() < 1e-13 && (gm[[0, 0]] - 1.0).abs() < 1e-13);
    let gb = hidden::gamma(HiddenPrior::Bernoulli, &arr2(&[[0.9]])).unwrap();
    assert!((gb[[0, 0]] - 1.0 / (1.0 + (-0.45f64).exp())).abs() < 1e-13);
    // Gaussian: F = −½ log det(I − Q), Γ = (I − Q)^{-1}.
    let qg = arr2(&[[0.3, 0.1], [0.1, 0.2]]);
    let det = 0.7 * 0.8 - 0.01;
    assert!((hidden::f_reg(HiddenPrior::Gaussian, &qg).unwrap() + 0.5 * f64::ln(det)).abs() < 1e-13);
    let gg = hidden::gamma(HiddenPrior::Gaussian, &qg).unwrap();
    assert!((gg[[0, 0]] - 0.8 / det).abs() < 1e-12 && (gg[[0, 1]] - 0.1 / det).abs() < 1e-12);
    assert!(hidden::gamma(HiddenPrior::Gaussian, &arr2(&[[1.2]])).is_err());
    // k limits.
    assert!(hidden::check_k(HiddenPrior::Rademacher, MAX_ENUM_K + 1).is_err());
    assert!(hidden::check_k(HiddenPrior::Rademacher, 0).is_err());
    assert!(hidden::check_k(HiddenPrior::Gaussian, 50).is_ok());
}

fn params(d: usize, k: usize, biases: bool, seed: u64, wscale: f64) -> EffParams {
    let w = p003_common::gaussian(d, k, seed) * wscale;
    let bb = p003_common::gaussian(d + k, 1, seed + 1);
    EffParams {
        w,
        b: biases.then(|| Array1::from_iter((0..d).map(|i| 0.4 * bb[[i, 0]]))),
        c: biases.then(|| Array1::from_iter((0..k).map(|a| 0.5 * bb[[d + a, 0]]))),
    }
}

#[test]
fn gradient_matches_central_finite_differences() {
    let (n, d, k) = (40, 30, 3);
    let x = p003_common::rademacher(n, d, 9);
    let xg = p003_common::gaussian(n, d, 10);
    let cases = [
        (HiddenPrior::Rademacher, VisiblePrior::Rademacher, &x, 1.0),
        (HiddenPrior::Bernoulli, VisiblePrior::Rademacher, &x, 1.0),
        (HiddenPrior::Gaussian, VisiblePrior::Rademacher, &x, 0.2),
        (HiddenPrior::Rademacher, VisiblePrior::Gaussian, &xg, 1.0),
    ];
    for (hp, vp, data, ws) in cases {
        for biases in [false, true] {
            let obj = EffObjective::new(data.view(), k, hp, vp).unwrap();
            let p = params(d, k, biases, 3, ws);
            let (_, g) = obj.value_grad(&p).unwrap();
            let eps = 1e-5;
            let mut maxerr: f64 = 0.0;
            let mut scale: f64 = 0.0;
            let fd = |pp: &EffParams| obj.value(pp).unwrap();
            for i in (0..d).step_by(3) {
                for a in 0..k {
                    let mut pp = p.clone();
                    pp.w[[i, a]] += eps;
                    let up = fd(&pp);
                    pp.w[[i, a]] -= 2.0 * eps;
                    let dn = fd(&pp);
                    maxerr = maxerr.max(((up - dn) / (2.0 * eps) - g.w[[i, a]]).abs());
                    scale = scale.max(g.w[[i, a]].abs());
                }
            }
            if biases {
                for i in (0..d).step_by(4) {
                    let mut pp = p.clone();
                    pp.b.as_mut().unwrap()[i] += eps;
                    let up = fd(&pp);
                    pp.b.as_mut().unwrap()[i] -= 2.0 * eps;
                    let dn = fd(&pp);
                    maxerr = maxerr.max(((up - dn) / (2.0 * eps) - g.b.as_ref().unwrap()[i]).abs());
                }
                for a in 0..k {
                    let mut pp = p.clone();
                    pp.c.as_mut().unwrap()[a] += eps;
                    let up = fd(&pp);
                    pp.c.as_mut().unwrap()[a] -= 2.0 * eps;
                    let dn = fd(&pp);
                    maxerr = maxerr.max(((up - dn) / (2.0 * eps) - g.c.as_ref().unwrap()[a]).abs());
                }
            }
            println!("{hp:?}/{vp:?} biases={biases}: max |FD − analytic| = {maxerr:.2e} (gradient scale {scale:.2})");
            // Central differences on an O(n) objective: truncation ~ eps² L''' ≈ 1e-9,
            // rounding ~ 1e-16 · 40 / eps ≈ 1e-9.
            assert!(maxerr < 1e-6);
        }
    }
}

/// Exact `log Z` of the Rademacher-visible RBM by summing the visible units out analytically:
/// `log E_h [e^{cᵀh} Π_i cosh((Wh)_i/√d + b_i)]`, with the tilted moments of the exact
/// gradient `∂ log Z/∂W_ia = E[tanh((Wh)_i/√d + b_i) h_a]/√d`.
fn exact_log_z(p: &EffParams, lo: f64, hi: f64) -> (f64, Array2<f64>) {
    let (d, k) = p.w.dim();
    let sd = (d as f64).sqrt();
    let mut es = vec![];
    let mut hs = vec![];
    for s in 0..(1usize << k) {
        let h: Vec<f64> = (0..k).map(|a| if (s >> a) & 1 == 1 { hi } else { lo }).collect();
        let mut e = p.c.as_ref().map_or(0.0, |c| (0..k).map(|a| c[a] * h[a]).sum());
        for i in 0..d {
            let f: f64 = (0..k).map(|a| p.w[[i, a]] * h[a]).sum::<f64>() / sd + p.b.as_ref().map_or(0.0, |b| b[i]);
            e += f.cosh().ln();
        }
        es.push(e);
        hs.push(h);
    }
    let mx = es.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = es.iter().map(|e| (e - mx).exp()).sum();
    let mut g = Array2::<f64>::zeros((d, k));
    for (e, h) in es.iter().zip(&hs) {
        let pr = (e - mx).exp() / z;
        for i in 0..d {
            let f: f64 = (0..k).map(|a| p.w[[i, a]] * h[a]).sum::<f64>() / sd + p.b.as_ref().map_or(0.0, |b| b[i]);
            let t = f.tanh();
            for a in 0..k {
                g[[i, a]] += pr * t * h[a] / sd;
            }
        }
    }
    (mx + z.ln() - k as f64 * std::f64::consts::LN_2, g)
}

/// Exact RBM log-likelihood (eq. (3)) by brute-force enumeration of all `2^d` visible and
/// `2^k` hidden configurations (small `d` only).
fn brute_force_log_likelihood(x: &Array2<f64>, p: &EffParams, lo: f64, hi: f64) -> f64 {
    let (d, k) = p.w.dim();
    let sd = (d as f64).sqrt();
    let energy = |v: &[f64], h: &[f64]| -> f64 {
        let mut e = 0.0;
        for i in 0..d {
            for a in 0..k {
                e += v[i] * p.w[[i, a]] * h[a] / sd;
            }
            e += p.b.as_ref().map_or(0.0, |b| b[i]) * v[i];
        }
        e + p.c.as_ref().map_or(0.0, |c| (0..k).map(|a| c[a] * h[a]).sum())
    };
    let hs: Vec<Vec<f64>> =
        (0..(1usize << k)).map(|s| (0..k).map(|a| if (s >> a) & 1 == 1 { hi } else { lo }).collect()).collect();
    let log_marg = |v: &[f64]| -> f64 {
        let es: Vec<f64> = hs.iter().map(|h| energy(v, h)).collect();
        let mx = es.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        mx + es.iter().map(|e| (e - mx).exp()).sum::<f64>().ln() - k as f64 * std::f64::consts::LN_2
    };
    let mut lz_terms = vec![];
    for s in 0..(1usize << d) {
        let v: Vec<f64> = (0..d).map(|i| if (s >> i) & 1 == 1 { 1.0 } else { -1.0 }).collect();
        lz_terms.push(log_marg(&v));
    }
    let mx = lz_terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let log_z = mx + lz_terms.iter().map(|e| (e - mx).exp()).sum::<f64>().ln() - d as f64 * std::f64::consts::LN_2;
    let data: f64 = x.rows().into_iter().map(|r| log_marg(&r.to_vec())).sum();
    data - x.nrows() as f64 * log_z
}

#[test]
fn theorem1_brute_force_log_likelihood_small_d() {
    // Full log-likelihood by enumeration of 2^d × 2^k states vs L_eff, d = 4, 8, 14, k = 3.
    for (prior, lo, hi) in [(HiddenPrior::Rademacher, -1.0, 1.0), (HiddenPrior::Bernoulli, 0.0, 1.0)] {
        for biases in [false, true] {
            let mut errs = vec![];
            for d in [4usize, 8, 14] {
                let n = 20;
                let x = p003_common::rademacher(n, d, 70 + d as u64);
                let p = params(d, 3, biases, 80 + d as u64, 1.0);
                let exact = brute_force_log_likelihood(&x, &p, lo, hi);
                // The analytic visible sum used below for larger d agrees with brute force.
                let (lz, _) = exact_log_z(&p, lo, hi);
                let obj = EffObjective::new(x.view(), 3, prior, VisiblePrior::Rademacher).unwrap();
                let eff = obj.value(&p).unwrap();
                let (lz_eff, _) = obj.log_z_eff(&p).unwrap();
                assert!(
                    ((exact - eff) / n as f64 + (lz - lz_eff)).abs() < 1e-10,
                    "brute force vs analytic visible sum"
                );
                errs.push(((exact - eff) / n as f64).abs());
            }
            println!("{prior:?} biases={biases}: |L − L_eff|/n at d = 4, 8, 14: {errs:?}");
            assert!(errs[2] < errs[0], "error shrinks with d");
        }
    }
}

#[test]
fn theorem1_error_decays_like_one_over_d() {
    // |log Z − log Z_eff| and the relative error of the W-gradient of log Z, k = 3,
    // d = 100 … 6400 (×4), W entries N(0, 1) (biases N(0, 0.4²), N(0, 0.5²)).
    // Prediction (THEORY_003 §2.1): O(1/d) for symmetric P_v, i.e. ratio ≈ 4 per step.
    for (prior, lo, hi) in [(HiddenPrior::Rademacher, -1.0, 1.0), (HiddenPrior::Bernoulli, 0.0, 1.0)] {
        for biases in [false, true] {
            let mut errs = vec![];
            let mut gerrs = vec![];
            for (j, d) in [100usize, 400, 1600, 6400].into_iter().enumerate() {
                // Average over 4 weight draws to smooth the O(d^{-3/2}) fluctuations.
                let (mut e, mut ge) = (0.0, 0.0);
                for rep in 0..4 {
                    let p = params(d, 3, biases, 1000 * j as u64 + rep, 1.0);
                    let x = p003_common::rademacher(2, d, 5);
                    let obj = EffObjective::new(x.view(), 3, prior, VisiblePrior::Rademacher).unwrap();
                    let (lz, gex) = exact_log_z(&p, lo, hi);
                    let (lz_eff, _) = obj.log_z_eff(&p).unwrap();
                    let (_, mg) = obj.model_term(&p).unwrap();
                    let geff = mg.w / 2.0; // model term is n · log Z_eff, n = 2
                    e += (lz - lz_eff).abs() / 4.0;
                    let num = (&gex - &geff).iter().map(|v| v * v).sum::<f64>().sqrt();
                    ge += num / gex.iter().map(|v| v * v).sum::<f64>().sqrt() / 4.0;
                }
                errs.push(e);
                gerrs.push(ge);
            }
            let ratios: Vec<f64> = errs.windows(2).map(|w| w[0] / w[1]).collect();
            let gratios: Vec<f64> = gerrs.windows(2).map(|w| w[0] / w[1]).collect();
            println!(
                "{prior:?} biases={biases}: log Z errors {errs:?} ratios {ratios:.2?}; grad rel errors {gerrs:?} ratios {gratios:.2?}"
            );
            // Over the two decades the decay must be much faster than d^{-1/2} (factor 8)
            // and consistent with 1/d (factor 64).
            assert!(errs[0] / errs[3] > 25.0, "log Z error decays like 1/d");
            assert!(gerrs[0] / gerrs[3] > 25.0, "gradient error decays like 1/d");
        }
    }
}

#[test]
fn data_term_dominates_model_term_for_small_k() {
    let (n, d, k) = (4000, 2000, 10);
    let x = p003_common::gaussian(n, d, 1);
    let obj = EffObjective::new(x.view(), k, HiddenPrior::Rademacher, VisiblePrior::Rademacher).unwrap();
    let p = params(d, k, false, 2, 0.3);
    let t0 = Instant::now();
    let _ = obj.data_term(&p, None).unwrap();
    let t_data = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let _ = obj.model_term(&p).unwrap();
    let t_model = t1.elapsed().as_secs_f64();
    println!(
        "n={n} d={d} k={k}: data term {:.1} ms, model term (2^k enumeration + O(dk²)) {:.1} ms",
        1e3 * t_data,
        1e3 * t_model
    );
    assert!(t_model < t_data);
    // k = 20 enumeration is feasible (timing reported).
    let t2 = Instant::now();
    let g = hidden::gamma(HiddenPrior::Rademacher, &(Array2::<f64>::eye(20) * 0.5)).unwrap();
    println!("k=20 Γ(Q) by enumeration: {:.2} s", t2.elapsed().as_secs_f64());
    assert!((g[[3, 3]] - 1.0).abs() < 1e-12 && g[[0, 1]].abs() < 1e-12);
}

#[test]
fn bad_inputs_are_errors() {
    let x = p003_common::rademacher(10, 5, 1);
    assert!(EffObjective::new(x.view(), 21, HiddenPrior::Rademacher, VisiblePrior::Rademacher).is_err());
    assert!(EffObjective::new(x.view(), 0, HiddenPrior::Bernoulli, VisiblePrior::Rademacher).is_err());
    let obj = EffObjective::new(x.view(), 2, HiddenPrior::Rademacher, VisiblePrior::Rademacher).unwrap();
    let wrong = EffParams { w: Array2::zeros((4, 2)), b: None, c: None };
    assert!(obj.value(&wrong).is_err());
    let nan = EffParams { w: Array2::from_elem((5, 2), f64::NAN), b: None, c: None };
    assert!(obj.value(&nan).is_err());
    let mut xn = x.clone();
    xn[[0, 0]] = f64::INFINITY;
    assert!(EffObjective::new(xn.view(), 2, HiddenPrior::Rademacher, VisiblePrior::Rademacher).is_err());
    let gobj = EffObjective::new(x.view(), 2, HiddenPrior::Gaussian, VisiblePrior::Rademacher).unwrap();
    let big = EffParams { w: Array2::from_elem((5, 2), 3.0), b: None, c: None };
    assert!(gobj.value(&big).is_err(), "Q ⊀ I for Gaussian hidden units");
    assert!(obj.value_grad_batch(&EffParams { w: Array2::zeros((5, 2)), b: None, c: None }, Some(&[])).is_err());
}
