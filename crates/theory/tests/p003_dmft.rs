//! Paper 003 Theorem 5: GD on the effective objective at finite d against the DMFT
//! integration (THEORY_003 §5 recipe; §10 row 6: agreement ~0.004 over 40 steps at
//! d = 2000, α = 2, λ = 2, η = 0.2, w⁰ = 0.3 v* + g).

mod p003_common;

use std::time::Instant;
use theory::p003::dmft::{DmftConfig, dmft_gd_k1};
use theory::p003::hidden::HiddenPrior;
use theory::p003::objective::{EffObjective, EffParams, VisiblePrior};
use theory::p003::train::{Optimizer, TrainConfig, train};

fn cfg(particles: usize, seed: u64) -> DmftConfig {
    DmftConfig {
        alpha: 2.0,
        lambda: 2.0,
        eta: 0.2,
        steps: 40,
        m0: 0.3,
        s0: 1.0,
        hidden: HiddenPrior::Rademacher,
        particles,
        seed,
    }
}

/// GD trajectories (m_t, q_t, overlap_t, L/n) at dimension d for one seed.
fn gd_run(d: usize, seed: u64) -> Vec<(f64, f64, f64, f64)> {
    let data = p003_common::spiked(2 * d, d, &[2.0], seed);
    let obj = EffObjective::new(data.x.view(), 1, HiddenPrior::Rademacher, VisiblePrior::Rademacher).unwrap();
    // w⁰ = 0.3 v* + g̃ with g̃ ⟂ v* and ‖g̃‖² = d exactly, so that the empirical initial
    // statistics equal the DMFT ones (m₀ = 0.3, σ₀ = 1) and only the data noise fluctuates.
    let mut g = p003_common::gaussian(d, 1, seed + 100);
    let proj = g.column(0).dot(&data.v.column(0)) / d as f64;
    g.column_mut(0).scaled_add(-proj, &data.v.column(0));
    let nrm = (g.column(0).dot(&g.column(0)) / d as f64).sqrt();
    let w0 = g / nrm + &(&data.v * 0.3);
    let tc = TrainConfig {
        optimizer: Optimizer::Gd { lr: 0.2 },
        steps: 40,
        batch_size: None,
        seed: 0,
        record_every: 1,
        tol: None,
    };
    let res = train(&obj, EffParams { w: w0, b: None, c: None }, &tc, Some(&data.v)).unwrap();
    res.trajectory
        .iter()
        .map(|r| {
            // m_t = wᵀv*/d from the cosine overlap and q (‖v*‖² = d).
            let q = r.q[[0, 0]];
            let ov = r.overlap.as_ref().unwrap()[[0, 0]];
            (ov * q.sqrt(), q, ov, r.objective)
        })
        .collect()
}

/// GD (4 seeds at dimension `d`) against two DMFT particle sets; returns the worst deviation.
fn compare(d: usize) -> f64 {
    let t0 = Instant::now();
    let dm = dmft_gd_k1(&cfg(20_000, 1)).unwrap();
    let t_dmft = t0.elapsed().as_secs_f64();
    // DMFT Monte-Carlo error: a second independent particle set.
    let dm2 = dmft_gd_k1(&cfg(20_000, 2)).unwrap();
    let t1 = Instant::now();
    let nseeds = 4;
    let runs: Vec<_> = (0..nseeds).map(|s| gd_run(d, 500 + s)).collect();
    let t_gd = t1.elapsed().as_secs_f64();
    // Pooled run-to-run standard error of the seed mean (3–4 runs per step give unstable
    // per-step estimates; the pooled one averages the variance over the 41 steps).
    let pooled_var: f64 = (0..=40)
        .map(|t| {
            let ov: Vec<f64> = runs.iter().map(|r| r[t].2).collect();
            let (_, se) = p003_common::mean_se(&ov);
            se * se
        })
        .sum::<f64>()
        / 41.0;
    let se_pool = pooled_var.sqrt();
    let mut worst: f64 = 0.0;
    let mut worst_mc: f64 = 0.0;
    for t in 0..=40 {
        let ov: Vec<f64> = runs.iter().map(|r| r[t].2).collect();
        let (m, _) = p003_common::mean_se(&ov);
        let q: f64 = runs.iter().map(|r| r[t].1).sum::<f64>() / nseeds as f64;
        let obj: f64 = runs.iter().map(|r| r[t].3).sum::<f64>() / nseeds as f64;
        if [0, 1, 2, 3, 4, 5, 8, 12, 20, 40].contains(&t) {
            println!(
                "t={t:2}: GD overlap {m:.4} q {q:.4} L/n {obj:.4} | DMFT overlap {:.4} q {:.4} L/n {:.4} (second particle set {:.4})",
                dm[t].overlap, dm[t].q, dm[t].objective, dm2[t].overlap
            );
        }
        worst = worst.max((m - dm[t].overlap).abs());
        worst_mc = worst_mc.max((dm[t].overlap - dm2[t].overlap).abs());
        // Per step: DMFT Monte-Carlo error (the two particle sets differ by < 0.005) plus
        // 3 pooled standard errors of the GD seed mean.
        assert!(
            (m - dm[t].overlap).abs() < 0.005 + 3.0 * se_pool,
            "t={t}: GD {m} vs DMFT {} (se {se_pool})",
            dm[t].overlap
        );
        // q = ‖w‖²/d of one run fluctuates by ≈ q √(2/d); 3 s.e. of the seed mean.
        let qtol = 3.0 * dm[t].q * (2.0 / (d as f64 * nseeds as f64)).sqrt() + 0.005;
        assert!((q - dm[t].q).abs() < qtol, "t={t}: q {q} vs {}", dm[t].q);
        // L/n = E log cosh y − q/2 moves with q (slope ½) plus O(n^{-1/2}) sampling.
        assert!((obj - dm[t].objective).abs() < 0.5 * qtol + 0.005, "t={t}: objective");
    }
    println!("pooled s.e. of the {nseeds}-seed GD mean {se_pool:.4}");
    println!(
        "max |GD − DMFT| overlap over 40 steps = {worst:.4} (notes: ~0.004); DMFT MC spread {worst_mc:.4}; DMFT {t_dmft:.1} s, GD {nseeds} × d={d} {t_gd:.1} s"
    );
    assert!(worst < 0.005 + 3.0 * se_pool);
    worst
}

/// The THEORY_003 §10 row 6 setting (d = 2000); ~18 s in the dev profile, hence ignored by
/// default (run with `--ignored`). Measured: max |GD − DMFT| = 0.0065 over 40 steps, pooled
/// s.e. of the 4-seed mean 0.0036, DMFT particle-set spread 0.0025.
#[test]
#[ignore]
fn gd_tracks_dmft_at_d2000() {
    compare(2000);
}

/// Always-run version at d = 1000 (same tolerance rule: 0.005 + 3 pooled s.e.).
#[test]
fn gd_tracks_dmft_at_d1000() {
    compare(1000);
}

#[test]
fn dmft_matches_gd_for_gaussian_hidden_units() {
    // Gaussian hidden units (∇φ linear, Γ(q) = 1/(1 − q) varies with q), pure noise (λ = 0),
    // α = 4: the same DMFT code with another prior against GD at d = 800.
    let c = DmftConfig {
        alpha: 4.0,
        lambda: 0.0,
        eta: 0.05,
        steps: 20,
        m0: 0.0,
        s0: 0.3,
        hidden: HiddenPrior::Gaussian,
        particles: 20_000,
        seed: 3,
    };
    let dm = dmft_gd_k1(&c).unwrap();
    let d = 800;
    let x = p003_common::gaussian(4 * d, d, 9);
    let obj = EffObjective::new(x.view(), 1, HiddenPrior::Gaussian, VisiblePrior::Rademacher).unwrap();
    let w0 = p003_common::gaussian(d, 1, 10) * 0.3;
    let tc = TrainConfig {
        optimizer: Optimizer::Gd { lr: 0.05 },
        steps: 20,
        batch_size: None,
        seed: 0,
        record_every: 1,
        tol: None,
    };
    let res = train(&obj, EffParams { w: w0, b: None, c: None }, &tc, None).unwrap();
    for t in [0, 5, 10, 20] {
        let q = res.trajectory[t].q[[0, 0]];
        println!("Gaussian hidden, λ = 0: t={t} GD q {q:.5} DMFT q {:.5}", dm[t].q);
        // Sampling error of q at d = 800: relative ~ √(2/d) ≈ 0.05.
        assert!((q - dm[t].q).abs() < 0.1 * dm[t].q);
    }
}

#[test]
fn dmft_bad_inputs() {
    let mut c = cfg(2000, 1);
    c.alpha = 0.0;
    assert!(dmft_gd_k1(&c).is_err());
    let mut c = cfg(2000, 1);
    c.hidden = HiddenPrior::Bernoulli;
    assert!(dmft_gd_k1(&c).is_err());
    let mut c = cfg(10, 1);
    c.particles = 10;
    assert!(dmft_gd_k1(&c).is_err());
    // η far above the stability limit 2/(1 + √α)² diverges and is reported.
    let mut c = cfg(2000, 1);
    c.eta = 5.0;
    c.steps = 60;
    assert!(dmft_gd_k1(&c).is_err());
}
