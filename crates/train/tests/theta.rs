//! Trainable double-well thresholds θ_μ: the trainer's θ step against finite differences of the
//! exact log-likelihood (SGD and the first Adam step), the sampled θ gradient against the exact one,
//! the frozen default, and bit-exact resumption with θ in the checkpoint.

use model::exact::{log_likelihood, sample_from_distribution, visible_distribution};
use model::{Chains, Rbm, ThetaMode, Units, gibbs_from_visible};
use ndarray::{Array1, Array2};
use rand_distr::{Distribution, Normal};
use train::grad::{gradient, stats_from_visible};
use train::{LlEval, Optimizer, Sampler, Schedule, TrainConfig, Trainer, train};

const THETA0: [f64; 3] = [-1.5, 0.4, -0.3];

/// A random Ising × double-well machine with per-unit θ = THETA0 (trainable).
fn machine(nv: usize, wstd: f64, seed: u64) -> Rbm<f64> {
    let mut r = Rbm::<f64>::zeros(Units::Ising, nv, Units::DoubleWell { theta: 0.0 }, 3).unwrap();
    r.randomize_weights(wstd, seed).unwrap();
    let mut g = model::rng::stream(seed, 9, 9);
    let n = Normal::new(0.0, 0.3).unwrap();
    r.visible.bias.mapv_inplace(|_| n.sample(&mut g));
    r.hidden.bias.mapv_inplace(|_| n.sample(&mut g));
    r.hidden =
        r.hidden.with_theta(Array1::from(THETA0.to_vec())).unwrap().with_theta_mode(ThetaMode::Trainable).unwrap();
    r
}

fn data(nv: usize, n: usize, seed: u64) -> Array2<f64> {
    let t = machine(nv, 0.9, seed + 100);
    let (st, p) = visible_distribution(&t).unwrap();
    sample_from_distribution(&st, &p, n, seed).unwrap()
}

fn config(sampler: Sampler, optimizer: Optimizer, batch: usize, epochs: usize) -> TrainConfig {
    TrainConfig {
        sampler,
        optimizer,
        batch_size: batch,
        epochs,
        seed: 4,
        centered: false,
        zero_sum_gauge: false,
        checkpoints: Schedule::EveryEpoch,
        ll: LlEval::None,
    }
}

/// Central finite differences of the exact mean log-likelihood in each θ_μ.
fn fd_theta_gradient(r: &Rbm<f64>, d: &Array2<f64>) -> Vec<f64> {
    let eps = 1e-5;
    (0..3)
        .map(|mu| {
            let ll = |delta: f64| {
                let mut q = r.clone();
                q.hidden.theta.as_mut().unwrap()[mu] += delta;
                log_likelihood(&q, d.view()).unwrap()
            };
            (ll(eps) - ll(-eps)) / (2.0 * eps)
        })
        .collect()
}

/// One full-batch SGD step with the exact sampler moves θ_μ by `lr · ∂⟨ln p⟩/∂θ_μ`, the derivative
/// taken by finite differences of the exact log-likelihood (centred and uncentred gradients alike).
#[test]
fn exact_sgd_step_moves_theta_along_the_finite_difference_gradient() {
    let r = machine(6, 0.7, 1);
    let d = data(6, 40, 2);
    let fd = fd_theta_gradient(&r, &d);
    let lr = 0.05;
    for centered in [false, true] {
        let mut cfg = config(Sampler::Exact, Optimizer::Sgd { lr }, 40, 1);
        cfg.centered = centered;
        let out = train(r.clone(), d.view(), None, cfg).unwrap();
        let t1 = out.last.rbm.hidden.theta.clone().unwrap();
        for mu in 0..3 {
            let step = (t1[mu] - THETA0[mu]) / lr;
            eprintln!("centered={centered} μ={mu}: Δθ/lr {step:.8}, finite difference {:.8}", fd[mu]);
            assert!((step - fd[mu]).abs() < 1e-6 * (1.0 + fd[mu].abs()), "μ={mu}: {step} vs {}", fd[mu]);
        }
    }
}

/// The first Adam step moves every trainable θ_μ by `lr · sign(g_μ)` (bias-corrected moments),
/// with the sign of the finite-difference gradient.
#[test]
fn first_adam_step_moves_theta_by_lr_times_sign() {
    let r = machine(6, 0.7, 3);
    let d = data(6, 40, 4);
    let fd = fd_theta_gradient(&r, &d);
    let lr = 1e-3;
    let out = train(r, d.view(), None, config(Sampler::Exact, Optimizer::adam(lr), 40, 1)).unwrap();
    let t1 = out.last.rbm.hidden.theta.clone().unwrap();
    for mu in 0..3 {
        let expect = lr * fd[mu].signum();
        assert!(fd[mu].abs() > 1e-3, "gradient too small to fix the sign");
        assert!(((t1[mu] - THETA0[mu]) - expect).abs() < 1e-6 * lr, "μ={mu}: {} vs {expect}", t1[mu] - THETA0[mu]);
    }
}

/// The sampled estimate of the θ gradient (trainer statistics from 6400 Gibbs chains, 1000 sweeps
/// from random starts) matches the exact one unit by unit within 4 standard errors, the s.e. being
/// the spread of `E[|h_μ| | v]` over the independent chains divided by √6400.
#[test]
fn sampled_theta_gradient_matches_the_exact_one() {
    let m = machine(10, 0.6, 5);
    let d = data(10, 300, 6);
    let exact = {
        let dm = model::exact::data_hidden_abs_mean(&m, d.view()).unwrap();
        model::exact::model_hidden_abs_mean(&m).unwrap() - dm
    };
    let pos = stats_from_visible(&m, d.view()).unwrap();
    let n = 6400;
    let mut c = Chains::random(&m, n, 3, 0).unwrap();
    gibbs_from_visible(&m, &mut c, 1000, 3, 1).unwrap();
    let neg = stats_from_visible(&m, c.v.view()).unwrap();
    let g = gradient(1.0, &pos, &neg, false).theta.unwrap();
    let per_chain = m.hidden_abs_mean(c.v.view()).unwrap();
    for mu in 0..3 {
        let se = per_chain.column(mu).std(1.0) / (n as f64).sqrt();
        eprintln!("μ={mu}: sampled {:.4}, exact {:.4}, s.e. {se:.4}", g[mu], exact[mu]);
        assert!((g[mu] - exact[mu]).abs() < 4.0 * se, "μ={mu}: {} vs {} (s.e. {se})", g[mu], exact[mu]);
    }
}

/// Frozen θ (the default, and per-unit values with `ThetaMode::Frozen`) never changes, and the
/// gradient carries no θ block.
#[test]
fn frozen_theta_is_left_alone() {
    let d = data(6, 40, 8);
    let mut r = machine(6, 0.7, 7);
    r.hidden = r.hidden.with_theta_mode(ThetaMode::Frozen).unwrap();
    let out = train(r, d.view(), None, config(Sampler::Pcd { k: 2, n_chains: 20 }, Optimizer::Sgd { lr: 0.1 }, 10, 2))
        .unwrap();
    assert_eq!(out.last.rbm.hidden.theta.unwrap().to_vec(), THETA0.to_vec());
    let shared = Rbm::<f64>::zeros(Units::Ising, 6, Units::DoubleWell { theta: -2.0 }, 3).unwrap();
    let out = train(shared, d.view(), None, config(Sampler::Exact, Optimizer::Sgd { lr: 0.1 }, 10, 1)).unwrap();
    assert!(out.last.rbm.hidden.theta.is_none());
    assert!(out.last.opt.m.is_none());
}

/// A PCD + Adam run with trainable θ split into two blocks (checkpoint, resume) equals the unsplit
/// run bit for bit, θ and its Adam moments included.
#[test]
fn trainable_theta_resumes_bit_exactly() {
    let d = data(8, 120, 10).mapv(|x| x as f32);
    let r = machine(8, 0.3, 9).cast::<f32>();
    let cfg = config(Sampler::Pcd { k: 2, n_chains: 40 }, Optimizer::adam(0.01), 20, 4);
    let full = train(r.clone(), d.view(), None, cfg.clone()).unwrap().last;
    let mut a = Trainer::new(r, cfg.clone()).unwrap();
    a.run(d.view(), None, 2, |_| Ok(())).unwrap();
    let mut b = Trainer::resume(a.checkpoint().clone(), cfg).unwrap();
    b.run(d.view(), None, 4, |_| Ok(())).unwrap();
    assert_eq!(b.checkpoint(), &full);
    let t = full.rbm.hidden.theta.unwrap();
    assert!(t.iter().zip(THETA0).all(|(a, b)| *a != b), "θ did not move: {t:?}");
}
