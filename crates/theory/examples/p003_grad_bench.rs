//! Timing split of one paper-003 effective-objective gradient (issue 7 "report the split"):
//! the data term `Σ_μ φ(Wᵀx_μ/√d)` with its gradient `AᵀF` (`O(n d k)`, two products with
//! `X`), the model term `n log Z_eff` with its gradient (the `2^k` enumeration plus
//! `O(d k²)`), the full `value_grad`, one AMP-RBM iteration (Algorithm 1: one product
//! with `X`, the row denoiser, one product with `Xᵀ`), and one GD-equiv run with the recovery
//! stage's settings (its status and step count on stderr: does the tolerance stop it early?).
//!
//! Data: `X = UΛ^{1/2}Vᵀ/√d + Z` (paper 003 eq. (11)) with ±1 spikes and latents and
//! Gaussian noise, λ = 1.5, drawn here with a seeded stream (the `data` crate's generator is
//! not a dependency of `theory`; the timings do not depend on the law of `X`).
//!
//! Output: CSV on stdout, `n,d,k,part,seconds` (the minimum over repetitions); the rayon
//! thread count goes to stderr. Run with
//! `cargo run --release -p theory --example p003_grad_bench`.

use std::time::Instant;

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use theory::p003::amp::{AmpConfig, AmpParams, amp_rbm};
use theory::p003::hidden::HiddenPrior;
use theory::p003::objective::{EffObjective, EffParams, VisiblePrior};
use theory::p003::train::{Optimizer, TrainConfig, WeightInit, init_weights, train};

fn spiked(n: usize, d: usize, lam: f64, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let pm = |rng: &mut Xoshiro256PlusPlus| if rng.random::<bool>() { 1.0 } else { -1.0 };
    let v: Vec<f64> = (0..d).map(|_| pm(&mut rng)).collect();
    let u: Vec<f64> = (0..n).map(|_| pm(&mut rng) * (lam / d as f64).sqrt()).collect();
    Array2::from_shape_fn((n, d), |(i, j)| rng.sample::<f64, _>(StandardNormal) + u[i] * v[j])
}

fn weights(d: usize, k: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Array2::from_shape_fn((d, k), |_| rng.sample::<f64, _>(StandardNormal))
}

/// Minimum wall time of `reps` calls of `f`.
fn time<F: FnMut()>(reps: usize, mut f: F) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Wall time of an AMP-RBM run of `iters` iterations (frozen `C = 0.5 I`, feasible for
/// Rademacher hidden units).
fn amp_time(x: &Array2<f64>, k: usize, iters: usize) -> f64 {
    let v0 = weights(x.ncols(), k, 11);
    let cfg = AmpConfig {
        hidden: HiddenPrior::Rademacher,
        params: AmpParams::Frozen { c: Array2::eye(k) * 0.5 },
        max_iter: iters,
        tol: 1e-300,
    };
    let t = Instant::now();
    let r = amp_rbm(x.view(), &v0, &cfg, None).expect("amp");
    let s = t.elapsed().as_secs_f64();
    assert_eq!(r.trajectory.len(), iters, "AMP stopped early: {:?}", r.failure);
    s
}

/// The recovery stage's GD-equiv run (Adam, lr 0.05, 1500 steps, tolerance 1e-6 on
/// `‖∇_W L_eff‖_F/√d` checked every 25 steps, random start of std 0.1): wall time, with the
/// status and the number of steps on stderr.
fn gd_run(x: &Array2<f64>, lam: f64) -> f64 {
    let obj = EffObjective::new(x.view(), 1, HiddenPrior::Rademacher, VisiblePrior::Rademacher).expect("objective");
    let w0 = init_weights(x.ncols(), 1, &WeightInit::Random { std: 0.1 }, 13).expect("init");
    let cfg = TrainConfig {
        optimizer: Optimizer::Adam { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
        steps: 1500,
        batch_size: None,
        seed: 14,
        record_every: 25,
        tol: Some(1e-6),
    };
    let t = Instant::now();
    let r = train(&obj, EffParams { w: w0, b: None, c: None }, &cfg, None).expect("train");
    let s = t.elapsed().as_secs_f64();
    let last = r.trajectory.last().expect("trajectory");
    eprintln!(
        "GD (n, d) = {:?}, λ = {lam}: {} after {} steps, ‖∇‖/√d = {:.2e}, {s:.1} s",
        x.dim(),
        r.status.as_str(),
        last.step,
        last.grad_norm
    );
    s
}

fn main() {
    eprintln!("rayon threads: {}", rayon::current_num_threads());
    println!("n,d,k,part,seconds");
    // (n, d, k, time one AMP iteration, run the stage's GD).
    let cases = [
        (8000usize, 4000usize, 1usize, true, false),
        (16000, 8000, 1, true, false),
        (8000, 4000, 2, false, false),
        (8000, 4000, 4, false, false),
        (8000, 4000, 10, false, false),
        (4000, 2000, 1, false, true),
    ];
    let mut cached: Option<((usize, usize), Array2<f64>)> = None;
    for (n, d, k, amp, gd) in cases {
        if cached.as_ref().is_none_or(|(dim, _)| *dim != (n, d)) {
            drop(cached.take()); // free the previous matrix first
            cached = Some(((n, d), spiked(n, d, 1.5, 7)));
        }
        let x = &cached.as_ref().expect("data").1;
        let obj = EffObjective::new(x.view(), k, HiddenPrior::Rademacher, VisiblePrior::Rademacher).expect("objective");
        let p = EffParams { w: weights(d, k, 3) * 0.3, b: None, c: None };
        let reps = 5;
        let mut sink = 0.0;
        let t_data = time(reps, || sink += obj.data_term(&p, None).expect("data term").0);
        let t_model = time(reps, || sink += obj.model_term(&p).expect("model term").0);
        let t_full = time(reps, || sink += obj.value_grad(&p).expect("value_grad").0);
        for (part, s) in [("data_term", t_data), ("model_term", t_model), ("value_grad", t_full)] {
            println!("{n},{d},{k},{part},{s:.6}");
        }
        if amp {
            // Per-iteration cost without the set-up and final objective: (T(5) − T(1)) / 4,
            // the smaller of two repetitions.
            let per = (0..2).map(|_| (amp_time(x, k, 5) - amp_time(x, k, 1)) / 4.0).fold(f64::INFINITY, f64::min);
            println!("{n},{d},{k},amp_iteration,{:.6}", per.max(0.0));
        }
        if gd {
            println!("{n},{d},{k},gd_adam_1500,{:.6}", gd_run(x, 1.5));
        }
        assert!(sink.is_finite());
    }
}
