//! Wall-clock cost of each paper 001 theory table at figure scale (dev profile). The bound is
//! deliberately loose (the machine is shared); the printed times are the measurement.

use std::time::Instant;

use theory::meanfield::{
    HopfieldInit, MeanFieldFss, SiteRows, bb_rbm_ode, bg_random_setup, bg_rbm_ode, cw_finite_size,
    cw_fss_scaling_function, cw_relaxation_time, free_energy_landscape, hopfield_linear_dynamics, hopfield_saddle,
    hopfield_transition_times, mattis_beta_01, rank1_rbm_fss_scaling_function_01, susceptibility_law_01,
};
use theory::ode::OdeOptions;

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t0 = Instant::now();
    let out = f();
    let s = t0.elapsed().as_secs_f64();
    println!("{label}: {s:.3} s");
    assert!(s < 30.0, "{label} took {s} s");
    out
}

#[test]
fn every_p001_theory_table_computes_in_seconds() {
    let opts = OdeOptions::default();
    // P001-F1L / F1Li: BG-RBM ODE, N = 1000, three temperatures, 401 rows each.
    let rows = timed("F1L/F1Li BG-RBM ODE (3 x N=1000, 401 rows)", || {
        let ts: Vec<f64> = (0..=400).map(|k| k as f64 * 0.1).collect();
        let mut n = 0;
        for (k, &beta) in [1.2, 1.5, 2.0].iter().enumerate() {
            let (w0, xi) = bg_random_setup(1000, 1e-3, k as u64).unwrap();
            n += bg_rbm_ode(beta, &w0, &xi, &ts, &opts).unwrap().t.len();
        }
        n
    });
    assert_eq!(rows, 3 * 401);
    // P001-F5L / F5R: shared-weight BB-RBM ODE, N = 900, three (η, α), 401 epochs each.
    timed("F5L/F5R BB-RBM ODE (3 x N=900, 401 rows)", || {
        for (k, &(eta, nh)) in [(0.03, 400.0), (0.04, 700.0), (0.05, 1000.0)].iter().enumerate() {
            let (w0, xi) = bg_random_setup(900, 1e-3, 10 + k as u64).unwrap();
            let ts: Vec<f64> = (0..=400).map(|e| e as f64 * eta).collect();
            bb_rbm_ode(1.4, nh / 900.0, &w0, &xi, &ts, &opts).unwrap();
        }
    });
    // P001-F1R / F6L: saddle points on a 1000-point temperature grid; linear dynamics, 1000 times.
    timed("F1R/F6L Hopfield saddle (1000 T) + eq. 12 with t_I/t_II (1000 t)", || {
        for k in 1..=1000 {
            hopfield_saddle(0.4, 2.0 * k as f64 / 1000.0).unwrap();
        }
        let init = HopfieldInit {
            n: 1000,
            u_eta: [0.6, 0.4],
            u_eta_tilde: [0.3, -0.5],
            gram_perp: [[1e-3, 0.0], [0.0, 1e-3]],
        };
        let tt = hopfield_transition_times(0.4, 0.5, &init).unwrap();
        let ts: Vec<f64> = (0..1000).map(|k| k as f64 * 1.2 * tt.t_ii / 1000.0).collect();
        hopfield_linear_dynamics(0.4, 0.5, &init, &ts).unwrap();
    });
    // P001-F6R: three 201 x 201 landscapes with explicit weights for N = 1000 sites.
    timed("F6R landscapes (3 x 201x201, N=1000 rows)", || {
        let (g, s) = bg_random_setup(1000, 1.0, 3).unwrap();
        for &(a, b) in &[(0.7, 0.3), (1.1, 0.6), (1.5, 1.4)] {
            let w1: Vec<f64> = (0..1000).map(|i| if i < 700 { a * s[i] } else { b * s[i] } + 0.02 * g[i]).collect();
            let w2: Vec<f64> = (0..1000).map(|i| if i < 700 { a * s[i] } else { -b * s[i] } - 0.02 * g[i]).collect();
            let rows = SiteRows::from_weights(&w1, &w2).unwrap();
            free_energy_landscape(&rows, (-2.5, 2.5), (-2.5, 2.5), 201, 201).unwrap();
        }
    });
    // P001-F3D/E/G, F4, C3: critical laws and exact finite-size curves.
    timed("F3D-G laws: chi law, FSS functions, exact CW finite size (5 sizes x 200 beta), tau", || {
        let fss = MeanFieldFss::default();
        for k in 0..1000 {
            let w = 4.4 * k as f64 / 1000.0;
            susceptibility_law_01(w, 4.45).unwrap();
            cw_relaxation_time(mattis_beta_01(w).unwrap().max(1e-3)).unwrap();
            let x = -10.0 + 20.0 * k as f64 / 1000.0;
            cw_fss_scaling_function(x).unwrap();
            rank1_rbm_fss_scaling_function_01(x, 2.0).unwrap();
        }
        for &n in &[100usize, 1000, 10_000, 30_000, 100_000] {
            for k in 0..200 {
                let beta = 0.8 + 0.4 * k as f64 / 200.0;
                let f = cw_finite_size(beta, n).unwrap();
                fss.scaled_chi(n as f64, f.chi).unwrap();
            }
        }
    });
}
