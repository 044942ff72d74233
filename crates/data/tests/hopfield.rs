//! Hopfield teacher: brute-force enumeration at small N (full configuration law, overlap law,
//! exact correlations), and paper 001's four-lump / two-lump structures at large N.
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas being checked

mod common;

use data::Encoding;
use data::hopfield::{CorrelatedPair, Hopfield};
use data::{Error, curie_weiss::random_spins, rng::stream_rng};
use ndarray::Array2;

/// Exact probabilities of all 2^N configurations (bit i of the code = spin i up), by direct
/// evaluation of exp(β/2N Σ_μ (ξ^μ·v)²).
fn brute_force(patterns: &Array2<i8>, beta: f64) -> Vec<f64> {
    let (p, n) = patterns.dim();
    let mut w: Vec<f64> = (0u32..(1 << n))
        .map(|code| {
            let e: f64 = (0..p)
                .map(|mu| {
                    let o: i32 =
                        (0..n).map(|i| patterns[(mu, i)] as i32 * if code >> i & 1 == 1 { 1 } else { -1 }).sum();
                    (o * o) as f64
                })
                .sum();
            beta * e / (2.0 * n as f64)
        })
        .collect();
    let max = w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    w.iter_mut().for_each(|x| *x = (*x - max).exp());
    let z: f64 = w.iter().sum();
    w.iter().map(|x| x / z).collect()
}

fn code_of(row: ndarray::ArrayView1<i8>) -> usize {
    row.iter().enumerate().map(|(i, &v)| usize::from(v == 1) << i).sum()
}

#[test]
fn correlated_pair_matches_full_enumeration_at_n10() {
    // κ = 0.4 → N_η = 7, N_η̃ = 3; T = 0.5.
    let pair = CorrelatedPair::new(10, 0.4, 3).unwrap();
    assert_eq!(pair.n_eta, 7);
    let h = pair.hopfield(2.0).unwrap();
    assert_eq!(h.block_sizes(), vec![vec![7], vec![3]]);
    let exact = brute_force(&pair.patterns(), 2.0);
    let s = 300_000;
    let x = h.sample(s, 1, Encoding::Spin).unwrap();
    let mut counts = vec![0u64; 1 << 10];
    for r in x.rows() {
        counts[code_of(r)] += 1;
    }
    let (stat, dof, z) = common::chi2(&counts, &exact);
    println!("pair N=10: χ² = {stat:.1} on {dof} dof, z = {z:.2}");
    assert!(z < 3.5);
}

#[test]
fn general_patterns_match_enumeration_at_n16() {
    // Three random ±1 patterns plus a site-sparse one: linked classes, joint count enumeration.
    let n = 16;
    let mut rng = stream_rng(99, 0);
    let mut pats = Array2::<i8>::zeros((3, n));
    for mu in 0..3 {
        let r = random_spins(n, &mut rng);
        for i in 0..n {
            pats[(mu, i)] = if mu == 2 && i % 4 == 0 { 0 } else { r[i] };
        }
    }
    // Site 5 is free of all patterns.
    for mu in 0..3 {
        pats[(mu, 5)] = 0;
    }
    let beta = 1.4;
    let h = Hopfield::new(pats.clone(), beta).unwrap();
    let exact = brute_force(&pats, beta);
    // Exact correlations from the class decomposition vs enumeration.
    let mut q = Array2::<f64>::zeros((3, 3));
    let mut cij = Array2::<f64>::zeros((n, n));
    for (code, p) in exact.iter().enumerate() {
        let v: Vec<f64> = (0..n).map(|i| if code >> i & 1 == 1 { 1.0 } else { -1.0 }).collect();
        let o: Vec<f64> = (0..3).map(|mu| (0..n).map(|i| pats[(mu, i)] as f64 * v[i]).sum()).collect();
        for a in 0..3 {
            for b in 0..3 {
                q[(a, b)] += p * o[a] * o[b] / (n * n) as f64;
            }
        }
        for i in 0..n {
            for j in 0..n {
                cij[(i, j)] += p * v[i] * v[j];
            }
        }
    }
    let qh = h.overlap_second_moments();
    for (a, b) in q.iter().zip(qh.iter()) {
        assert!((a - b).abs() < 1e-12, "{q} vs {qh}");
    }
    for i in 0..n {
        for j in 0..n {
            let c = h.site_correlation(i, j).unwrap();
            assert!((c - cij[(i, j)]).abs() < 1e-12, "({i},{j}): {c} vs {}", cij[(i, j)]);
        }
    }
    // Sampler vs the joint law of the three overlaps (binned from the enumeration).
    let key = |v: &[i8]| -> usize {
        (0..3).fold(0usize, |acc, mu| {
            let o: i32 = (0..n).map(|i| pats[(mu, i)] as i32 * v[i] as i32).sum();
            acc * 33 + (o + 16) as usize
        })
    };
    let mut p_key = vec![0.0; 33 * 33 * 33];
    for (code, p) in exact.iter().enumerate() {
        let v: Vec<i8> = (0..n).map(|i| if code >> i & 1 == 1 { 1 } else { -1 }).collect();
        p_key[key(&v)] += p;
    }
    let x = h.sample(200_000, 5, Encoding::Spin).unwrap();
    let mut counts = vec![0u64; p_key.len()];
    for r in x.rows() {
        counts[key(r.as_slice().unwrap())] += 1;
    }
    let used: Vec<usize> = (0..p_key.len()).filter(|&k| p_key[k] > 0.0).collect();
    assert!(used.iter().all(|&k| p_key[k] > 0.0) && counts.iter().enumerate().all(|(k, &c)| c == 0 || p_key[k] > 0.0));
    let (stat, dof, z) = common::chi2(
        &used.iter().map(|&k| counts[k]).collect::<Vec<_>>(),
        &used.iter().map(|&k| p_key[k]).collect::<Vec<_>>(),
    );
    println!("P=3 N=16: χ² = {stat:.1} on {dof} dof, z = {z:.2}");
    assert!(z < 3.5);
}

#[test]
fn correlated_pair_overlap_law_matches_enumeration_at_n16() {
    let pair = CorrelatedPair::new(16, 0.5, 8).unwrap();
    let beta = 1.0 / 0.8;
    let pats = pair.patterns();
    let exact = brute_force(&pats, beta);
    let key = |v: &dyn Fn(usize) -> i32| -> usize {
        let o1: i32 = (0..16).map(|i| pats[(0, i)] as i32 * v(i)).sum();
        let o2: i32 = (0..16).map(|i| pats[(1, i)] as i32 * v(i)).sum();
        ((o1 + 16) * 33 + (o2 + 16)) as usize
    };
    let mut p = vec![0.0; 33 * 33];
    for (code, pr) in exact.iter().enumerate() {
        p[key(&|i| if code >> i & 1 == 1 { 1 } else { -1 })] += pr;
    }
    let x = pair.hopfield(beta).unwrap().sample(200_000, 2, Encoding::Spin).unwrap();
    let mut counts = vec![0u64; p.len()];
    for r in x.rows() {
        counts[key(&|i| r[i] as i32)] += 1;
    }
    let used: Vec<usize> = (0..p.len()).filter(|&k| p[k] > 0.0).collect();
    assert!(counts.iter().enumerate().all(|(k, &c)| c == 0 || p[k] > 0.0), "sampled an impossible overlap pair");
    let (stat, dof, z) = common::chi2(
        &used.iter().map(|&k| counts[k]).collect::<Vec<_>>(),
        &used.iter().map(|&k| p[k]).collect::<Vec<_>>(),
    );
    println!("pair N=16 (m1, m2) law: χ² = {stat:.1} on {dof} dof, z = {z:.2}");
    assert!(z < 3.5);
}

/// Paper 001 App. C saddle point for T < 1 − κ, iterated from a retrieval state of ξ¹.
fn four_lump_saddle(beta: f64, kappa: f64) -> (f64, f64) {
    let (a, b) = ((1.0 + kappa) / 2.0, (1.0 - kappa) / 2.0);
    let (mut m1, mut m2) = (1.0, 0.2);
    for _ in 0..10_000 {
        let (tp, tm) = ((beta * (m1 + m2)).tanh(), (beta * (m1 - m2)).tanh());
        (m1, m2) = (a * tp + b * tm, a * tp - b * tm);
    }
    (m1, m2)
}

/// Overlaps (m1, m2) = (ξ¹·v/N, ξ²·v/N) of each sample.
fn overlaps(pair: &CorrelatedPair, x: &Array2<i8>) -> Vec<(f64, f64)> {
    let p = pair.patterns().mapv(|v| v as f64);
    let n = x.ncols() as f64;
    x.rows()
        .into_iter()
        .map(|r| {
            let v = r.mapv(|a| a as f64);
            (p.row(0).dot(&v) / n, p.row(1).dot(&v) / n)
        })
        .collect()
}

#[test]
fn four_lumps_below_one_minus_kappa() {
    let (n, kappa, t) = (4000, 0.4, 0.5);
    let beta = 1.0 / t;
    let (mp, mm) = four_lump_saddle(beta, kappa);
    println!("saddle point (m+, m−) = ({mp:.4}, {mm:.4})");
    assert!(mp > mm + 0.2 && mm > 0.2, "four-lump saddle not found");
    let pair = CorrelatedPair::new(n, kappa, 1).unwrap();
    let x = pair.hopfield(beta).unwrap().sample(4000, 9, Encoding::Spin).unwrap();
    let centres = [(mp, mm), (mm, mp), (-mp, -mm), (-mm, -mp)];
    let mut hits = [0usize; 4];
    let mut far = 0usize;
    let mut dev = [[0.0f64; 2]; 4];
    for (m1, m2) in overlaps(&pair, &x) {
        let (k, d) = centres
            .iter()
            .enumerate()
            .map(|(k, c)| (k, ((m1 - c.0).powi(2) + (m2 - c.1).powi(2)).sqrt()))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        if d > 0.1 {
            far += 1;
        }
        hits[k] += 1;
        dev[k][0] += m1 - centres[k].0;
        dev[k][1] += m2 - centres[k].1;
    }
    println!("four-lump occupations {hits:?}, samples farther than 0.1 from every lump: {far}");
    let s = x.nrows() as f64;
    assert_eq!(far, 0, "samples outside the four lumps");
    for (k, &h) in hits.iter().enumerate() {
        // Each lump has probability 1/4: within 4 s.e. of a multinomial count.
        assert!((h as f64 - s / 4.0).abs() < 4.0 * (s * 0.25 * 0.75).sqrt(), "lump {k}: {h}");
        let (d1, d2) = (dev[k][0] / h as f64, dev[k][1] / h as f64);
        // Lump centres agree with the N = ∞ saddle point up to O(1/N) shifts (< 0.01 here).
        assert!(d1.abs() < 0.01 && d2.abs() < 0.01, "lump {k} centre off by ({d1}, {d2})");
    }
}

#[test]
fn two_lumps_between_one_minus_and_one_plus_kappa() {
    let (n, kappa, t) = (8000, 0.4, 1.2);
    let beta = 1.0 / t;
    // Paper 001 App. C pair-retrieval state: m1 = m2 = m = (1+κ)/2 tanh(2βm).
    let a = (1.0 + kappa) / 2.0;
    let mut m: f64 = 1.0;
    for _ in 0..100_000 {
        m = a * (2.0 * beta * m).tanh();
    }
    assert!(m > 0.2, "pair-retrieval solution not found");
    // The four-lump iteration collapses onto the symmetric state in this phase.
    let (m1s, m2s) = four_lump_saddle(beta, kappa);
    assert!((m1s - m2s).abs() < 1e-3, "({m1s}, {m2s})");
    let pair = CorrelatedPair::new(n, kappa, 2).unwrap();
    let x = pair.hopfield(beta).unwrap().sample(4000, 4, Encoding::Spin).unwrap();
    let ov = overlaps(&pair, &x);
    let plus = ov.iter().filter(|o| o.0 > 0.0 && o.1 > 0.0).count();
    let minus = ov.iter().filter(|o| o.0 < 0.0 && o.1 < 0.0).count();
    let max_split = ov.iter().map(|o| (o.0 - o.1).abs()).fold(0.0, f64::max);
    let centre: Vec<f64> = ov.iter().map(|o| (0.5 * (o.0 + o.1)).abs()).collect();
    let (c, se) = common::mean_se(&centre);
    println!(
        "two lumps: (+,+) {plus}, (−,−) {minus}, max |m1 − m2| = {max_split:.3}, ⟨|m1+m2|/2⟩ = {c:.4} ± {se:.4}, m = {m:.4}"
    );
    let s = x.nrows() as f64;
    assert_eq!(plus + minus, x.nrows(), "samples outside the two lumps (m1 m2 < 0)");
    assert!((plus as f64 - s / 2.0).abs() < 4.0 * (s * 0.25).sqrt());
    // |m1 − m2| = (1−κ)|m_η̃| with m_η̃ paramagnetic, s.d. √(1/(N_η̃(1 − β(1−κ)))) ≈ 0.041 → ≤ 0.15.
    assert!(max_split < 0.15);
    assert!((c - m).abs() < 0.01, "lump centre {c} vs saddle point {m}");
}

#[test]
fn many_linked_patterns_are_reported_intractable() {
    let mut rng = stream_rng(1, 0);
    let mut pats = Array2::<i8>::zeros((4, 1000));
    for mu in 0..4 {
        pats.row_mut(mu).assign(&random_spins(1000, &mut rng));
    }
    assert!(matches!(Hopfield::new(pats, 1.0), Err(Error::Intractable(_))));
    assert!(Hopfield::new(Array2::from_elem((1, 4), 2i8), 1.0).is_err());
    assert!(CorrelatedPair::new(10, 1.5, 0).is_err());
}
