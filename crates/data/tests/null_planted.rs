//! Null models and the small planted RBM (exact hidden enumeration vs brute force over (v, h)).
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas being checked

mod common;

use data::Encoding;
use data::null::{independent_binary, independent_potts};
use data::planted::PlantedRbm;
use ndarray::{Array1, Array2};

#[test]
fn null_models_have_the_right_marginals() {
    let x = independent_binary(20_000, 30, 0.3, 1, Encoding::Binary).unwrap();
    let m = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
    let se = (0.3 * 0.7 / x.len() as f64).sqrt();
    assert!((m - 0.3).abs() < 4.0 * se, "{m}");
    let s = independent_binary(100, 10, 0.5, 1, Encoding::Spin).unwrap();
    assert!(s.iter().all(|&v| v == 1 || v == -1));
    // Independence of two sites: ⟨v_0 v_1⟩ = 0 within 4 s.e.
    let c = s.rows().into_iter().map(|r| (r[0] * r[1]) as f64).sum::<f64>() / 100.0;
    assert!(c.abs() < 4.0 * (1.0f64 / 100.0).sqrt());
    let p = independent_potts(10_000, 20, 7, 2).unwrap();
    let mut counts = vec![0u64; 7];
    p.iter().for_each(|&v| counts[v as usize] += 1);
    let (_, _, z) = common::chi2(&counts, &[1.0 / 7.0; 7]);
    assert!(z < 3.5);
    assert!(independent_binary(1, 1, 1.2, 0, Encoding::Spin).is_err());
    assert!(independent_potts(1, 1, 1, 0).is_err());
}

#[test]
fn planted_rbm_matches_brute_force() {
    for (venc, henc) in
        [(Encoding::Binary, Encoding::Binary), (Encoding::Spin, Encoding::Spin), (Encoding::Binary, Encoding::Spin)]
    {
        let (nv, m) = (6usize, 2usize);
        let w = Array2::from_shape_fn((nv, m), |(i, mu)| 0.9 * ((i * 3 + mu * 5) % 7) as f64 / 7.0 - 0.35);
        let b = Array1::from_shape_fn(nv, |i| 0.2 - 0.1 * i as f64);
        let c = Array1::from(vec![0.3, -0.5]);
        let rbm = PlantedRbm::new(w.clone(), b.clone(), c.clone(), venc, henc).unwrap();
        // Brute force: P(v) = Σ_h exp(vᵀWh + bᵀv + cᵀh) over all (v, h).
        let val = |bit: bool, e: Encoding| e.encode(if bit { 1 } else { -1 }) as f64;
        let mut pv = vec![0.0; 1 << nv];
        for code in 0..(1usize << nv) {
            let v: Vec<f64> = (0..nv).map(|i| val(code >> i & 1 == 1, venc)).collect();
            for hc in 0..(1usize << m) {
                let h: Vec<f64> = (0..m).map(|mu| val(hc >> mu & 1 == 1, henc)).collect();
                let mut e = 0.0;
                for i in 0..nv {
                    e += b[i] * v[i];
                    for mu in 0..m {
                        e += v[i] * w[(i, mu)] * h[mu];
                    }
                }
                e += c[0] * h[0] + c[1] * h[1];
                pv[code] += e.exp();
            }
        }
        let z: f64 = pv.iter().sum();
        pv.iter_mut().for_each(|p| *p /= z);
        let x = rbm.sample(200_000, 4).unwrap();
        let up = venc.encode(1);
        let mut counts = vec![0u64; 1 << nv];
        for r in x.rows() {
            counts[(0..nv).map(|i| usize::from(r[i] == up) << i).sum::<usize>()] += 1;
        }
        let (stat, dof, zs) = common::chi2(&counts, &pv);
        println!("planted RBM {venc:?}/{henc:?}: χ² = {stat:.1} on {dof} dof, z = {zs:.2}");
        assert!(zs < 3.5);
    }
    let bad =
        PlantedRbm::new(Array2::zeros((3, 2)), Array1::zeros(2), Array1::zeros(2), Encoding::Spin, Encoding::Spin);
    assert!(bad.is_err());
}
