//! Stationarity ("no drift") of the batched Gibbs sampler for every visible × hidden pair
//! (RestrictedBoltzmannMachines.jl PR #122): start chains exactly from the enumerated law, run
//! k ∈ {1, 4, 16} sweeps, and require the total-variation distance to the exact law to stay within
//! 4σ of the Monte-Carlo floor (the TV of the same number of exact i.i.d. draws).

mod common;
use common::*;
use model::exact::{hidden_distribution, sample_from_distribution, visible_distribution};
use model::{Chains, Rbm, Units, gibbs};
use ndarray::{Array1, Array2};

const N_CHAINS: usize = 20_000;
const KS: [usize; 3] = [1, 4, 16];

fn hidden_types() -> Vec<(Units, usize)> {
    vec![
        (Units::Bernoulli, 3),
        (Units::Ising, 3),
        // more than TABLE_MAX_HIDDEN binary hidden units: the general GEMM path
        (Units::Bernoulli, 8),
        (Units::Gaussian { precision: 2.0 }, 2),
        (Units::Potts { states: 3 }, 2),
        (Units::DoubleWell { theta: 0.5 }, 2),
        (Units::DoubleWell { theta: -1.5 }, 2),
    ]
}

fn visible_types() -> Vec<(Units, usize)> {
    vec![(Units::Bernoulli, 5), (Units::Ising, 5), (Units::Potts { states: 3 }, 3)]
}

/// Runs the stationarity check on the layer enumerated by `dist`; returns (k, tv, floor mean, floor sd).
fn check(rbm: &Rbm<f64>, on_visible: bool, seed: u64) -> Vec<(usize, f64, f64, f64)> {
    let (states, p) = if on_visible { visible_distribution(rbm).unwrap() } else { hidden_distribution(rbm).unwrap() };
    let ratio = p.iter().cloned().fold(0.0, f64::max) / p.iter().cloned().fold(1.0, f64::min);
    assert!(ratio > 40.0, "machine not peaked enough: max/min = {ratio}");
    let x0 = sample_from_distribution(&states, &p, N_CHAINS, seed).unwrap();
    let start = if on_visible {
        Chains::from_visible(rbm, x0, seed, 7).unwrap()
    } else {
        // exact joint sample: h ~ p(h), v ~ p(v|h), then the chain's own h ~ p(h|v).
        let v = rbm.sample_visible(x0.view(), &mut rng(seed + 1)).unwrap();
        Chains::from_visible(rbm, v, seed, 7).unwrap()
    };
    let (fm, fs) = tv_floor(&p, N_CHAINS, 100, seed + 2);
    KS.iter()
        .map(|&k| {
            let mut c = start.clone();
            gibbs(rbm, &mut c, k, seed, 100 + k as u64).unwrap();
            let x = if on_visible { c.v } else { c.h };
            let t = tv(&state_indices(&states, &x), &p);
            (k, t, fm, fs)
        })
        .collect()
}

#[test]
fn stationarity_discrete_visible_all_hidden() {
    let mut seed = 1;
    for (vis, nv) in visible_types() {
        for (hid, nh) in hidden_types() {
            seed += 1;
            // Largest weight scale whose least likely state still has ≥ 5 expected chains, so that
            // the TV floor is not dominated by a handful of rare-state counts.
            let rbm = [1.2, 0.9, 0.7, 0.5, 0.35, 0.25, 0.18]
                .iter()
                .map(|&w| {
                    let mut rbm = random_rbm(vis, nv, hid, nh, w, 0.6 * w, seed);
                    if seed % 3 == 0 {
                        // exercise β ≠ 1 and the external field as well
                        rbm = rbm.with_beta(1.3).unwrap();
                        let dir = Array1::from_shape_fn(rbm.visible.width(), |i| if i % 2 == 0 { 1.0 } else { -0.5 });
                        rbm = rbm.with_field(dir.view(), 0.4).unwrap();
                    }
                    rbm
                })
                .find(|r| {
                    let (_, p) = visible_distribution(r).unwrap();
                    p.iter().cloned().fold(1.0, f64::min) * N_CHAINS as f64 >= 5.0
                })
                .expect("no weight scale gives a usable machine");
            for (k, t, fm, fs) in check(&rbm, true, seed) {
                eprintln!("{vis:?} x {hid:?} k={k}: TV {t:.4} floor {fm:.4} ± {fs:.4}");
                assert!(t <= fm + 4.0 * fs, "{vis:?} x {hid:?} k={k}: TV {t} > floor {fm} + 4·{fs}");
            }
        }
    }
}

#[test]
fn stationarity_gaussian_visible_discrete_hidden() {
    for (s, (hid, nh)) in
        [(Units::Bernoulli, 4), (Units::Ising, 4), (Units::Potts { states: 3 }, 3)].into_iter().enumerate()
    {
        let rbm = random_rbm(Units::Gaussian { precision: 1.0 }, 4, hid, nh, 1.3, 0.7, 50 + s as u64);
        for (k, t, fm, fs) in check(&rbm, false, 60 + s as u64) {
            eprintln!("Gaussian x {hid:?} k={k}: TV(h) {t:.4} floor {fm:.4} ± {fs:.4}");
            assert!(t <= fm + 4.0 * fs, "Gaussian x {hid:?} k={k}: TV {t} > floor {fm} + 4·{fs}");
        }
    }
}

#[test]
fn stationarity_gaussian_gaussian_moments() {
    // Exact start from N(μ, Σ) of the closed form; per-component mean and variance within 4 s.e.
    let rbm = random_rbm(Units::Gaussian { precision: 2.0 }, 3, Units::Gaussian { precision: 1.0 }, 2, 0.4, 0.5, 77);
    let (mu, sigma) = model::linear::visible_law(&rbm).unwrap();
    let l = model::linear::cholesky(&sigma).unwrap();
    let z = Array2::from_shape_fn((N_CHAINS, 3), |_| 0.0);
    let mut g = rng(5);
    let z = z.mapv(|_| rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, &mut g));
    let v0 = z.dot(&l.t()) + &mu;
    let start = Chains::from_visible(&rbm, v0, 9, 0).unwrap();
    for k in KS {
        let mut c = start.clone();
        gibbs(&rbm, &mut c, k, 9, k as u64).unwrap();
        let n = N_CHAINS as f64;
        for i in 0..3 {
            let col = c.v.column(i);
            let m = col.mean().unwrap();
            let var = col.mapv(|x| (x - m).powi(2)).sum() / (n - 1.0);
            let s2 = sigma[(i, i)];
            assert!((m - mu[i]).abs() < 4.0 * (s2 / n).sqrt(), "k={k} i={i}: mean {m} vs {}", mu[i]);
            assert!((var - s2).abs() < 4.0 * s2 * (2.0 / n).sqrt(), "k={k} i={i}: var {var} vs {s2}");
        }
    }
}

#[test]
fn stationarity_gaussian_visible_double_well_hidden_moments() {
    // One double-well hidden unit: p(h) ∝ exp(−β(U(h) − c h) + Σ_i Γ_v(W_i h + b_i)) on a fine grid
    // gives ⟨h⟩, ⟨h²⟩, ⟨|h|⟩; chains start from grid draws (grid error ≪ MC error).
    for (s, theta) in [0.8, -1.5].into_iter().enumerate() {
        let rbm =
            random_rbm(Units::Gaussian { precision: 1.0 }, 4, Units::DoubleWell { theta }, 1, 0.45, 0.3, 90 + s as u64);
        let grid: Vec<f64> = (0..40_001).map(|k| -10.0 + k as f64 * 5e-4).collect();
        let hs = Array2::from_shape_vec((grid.len(), 1), grid.clone()).unwrap();
        let fh = rbm.free_energy_hidden(hs.view()).unwrap();
        let lmax = fh.iter().map(|f| -f).fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = fh.iter().map(|f| (-f - lmax).exp()).collect();
        let z: f64 = w.iter().sum();
        let mom = |f: &dyn Fn(f64) -> f64| grid.iter().zip(&w).map(|(h, w)| f(*h) * w).sum::<f64>() / z;
        let (m1, m2, ma) = (mom(&|h| h), mom(&|h| h * h), mom(&|h| h.abs()));
        let p = Array1::from_vec(w.iter().map(|x| x / z).collect());
        let h0 = sample_from_distribution(&hs, &p, N_CHAINS, 3).unwrap();
        let v0 = rbm.sample_visible(h0.view(), &mut rng(4)).unwrap();
        let start = Chains::from_visible(&rbm, v0, 11, 0).unwrap();
        for k in KS {
            let mut c = start.clone();
            gibbs(&rbm, &mut c, k, 11, k as u64).unwrap();
            let h = c.h.column(0).to_owned();
            let n = N_CHAINS as f64;
            for (name, f, exact) in
                [("h", (|x: f64| x) as fn(f64) -> f64, m1), ("h2", |x| x * x, m2), ("|h|", |x: f64| x.abs(), ma)]
            {
                let vals = h.mapv(f);
                let m = vals.mean().unwrap();
                let sd = (vals.mapv(|x| (x - m).powi(2)).sum() / (n - 1.0)).sqrt();
                eprintln!("theta={theta} k={k} {name}: {m:.4} vs exact {exact:.4} (se {:.4})", sd / n.sqrt());
                assert!((m - exact).abs() < 4.0 * sd / n.sqrt(), "theta={theta} k={k} {name}: {m} vs {exact}");
            }
        }
    }
}

#[test]
fn stationarity_test_has_power_against_a_wrong_kernel() {
    // Sweeping with a wrong inverse temperature must be detected by the same criterion.
    let rbm = random_rbm(Units::Ising, 5, Units::Bernoulli, 3, 1.2, 0.7, 3);
    let (states, p) = visible_distribution(&rbm).unwrap();
    let x0 = sample_from_distribution(&states, &p, N_CHAINS, 1).unwrap();
    let wrong = rbm.clone().with_beta(1.25).unwrap();
    let mut c = Chains::from_visible(&wrong, x0, 1, 0).unwrap();
    gibbs(&wrong, &mut c, 16, 1, 1).unwrap();
    let t = tv(&state_indices(&states, &c.v), &p);
    let (fm, fs) = tv_floor(&p, N_CHAINS, 100, 2);
    eprintln!("wrong kernel: TV {t:.4} vs floor {fm:.4} ± {fs:.4}");
    assert!(t > fm + 4.0 * fs);
}

#[test]
fn stationarity_f32_hot_paths() {
    // f32 storage exercises the SIMD lanes, the polynomial exp, the tabulated visible update
    // (≤ 6 binary hidden units), the direct-dot hidden inputs (≤ 8 columns) and the GEMM path.
    let cases = [
        (Units::Bernoulli, Units::Bernoulli, 3),
        (Units::Ising, Units::Ising, 8),
        (Units::Bernoulli, Units::Ising, 12),
    ];
    for (s, (v, h, nh)) in cases.into_iter().enumerate() {
        let r32 = [0.9, 0.6, 0.4, 0.25]
            .iter()
            .map(|&w| random_rbm(v, 5, h, nh, w, 0.5 * w, 300 + s as u64).cast::<f32>())
            .find(|r| {
                visible_distribution(&r.cast::<f64>()).unwrap().1.iter().cloned().fold(1.0, f64::min) * N_CHAINS as f64
                    >= 5.0
            })
            .unwrap();
        let r64 = r32.cast::<f64>();
        let (states, p) = visible_distribution(&r64).unwrap();
        let x0 = sample_from_distribution(&states, &p, N_CHAINS, 1).unwrap().mapv(|x| x as f32);
        let start = Chains::from_visible(&r32, x0, 2, 0).unwrap();
        let (fm, fs) = tv_floor(&p, N_CHAINS, 100, 3);
        for k in KS {
            for pcd_order in [false, true] {
                let mut c = start.clone();
                if pcd_order {
                    model::gibbs_from_visible(&r32, &mut c, k, 4, k as u64).unwrap();
                } else {
                    gibbs(&r32, &mut c, k, 4, k as u64).unwrap();
                }
                let t = tv(&state_indices(&states, &c.v.mapv(|x| x as f64)), &p);
                eprintln!("f32 {v:?} x {h:?}({nh}) k={k} order {pcd_order}: TV {t:.4} floor {fm:.4} ± {fs:.4}");
                assert!(t <= fm + 4.0 * fs);
            }
        }
    }
}
