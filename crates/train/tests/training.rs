//! Trainer tests: teacher recovery, exact-gradient convergence, PCD gradient convergence,
//! determinism and resumption, bad inputs.

use model::exact::{exact_gradient, log_likelihood, sample_from_distribution, visible_distribution};
use model::{BiasMode, Chains, Rbm, Units, gibbs_from_visible};
use ndarray::{Array1, Array2};
use rand_distr::{Distribution, Normal};
use train::grad::{gradient, stats_from_visible};
use train::{Init, LlEval, Optimizer, Sampler, Schedule, TrainConfig, Trainer, VisibleBiasInit, init_rbm, train};

fn teacher(vis: Units, nv: usize, hid: Units, nh: usize, wstd: f64, seed: u64) -> Rbm<f64> {
    let mut r = Rbm::<f64>::zeros(vis, nv, hid, nh).unwrap();
    r.randomize_weights(wstd, seed).unwrap();
    let mut g = model::rng::stream(seed, 9, 9);
    let n = Normal::new(0.0, 0.5).unwrap();
    r.visible.bias.mapv_inplace(|_| n.sample(&mut g));
    r.hidden.bias.mapv_inplace(|_| n.sample(&mut g) - 0.5);
    r
}

fn teacher_data(t: &Rbm<f64>, n: usize, seed: u64) -> Array2<f64> {
    let (st, p) = visible_distribution(t).unwrap();
    sample_from_distribution(&st, &p, n, seed).unwrap()
}

fn base_config(sampler: Sampler, lr: f64, batch: usize, epochs: usize) -> TrainConfig {
    TrainConfig {
        sampler,
        optimizer: Optimizer::Sgd { lr },
        batch_size: batch,
        epochs,
        seed: 11,
        centered: false,
        zero_sum_gauge: false,
        checkpoints: Schedule::EveryEpoch,
        ll: LlEval::None,
    }
}

#[test]
fn pcd_training_recovers_a_planted_teacher() {
    // ±1 visible, ±1 hidden with biases (paper 002 units); the teacher's structure is worth
    // about 1.5 nats over the independent-site model, so recovering it is a real test.
    let (v, h) = (Units::Ising, Units::Ising);
    let t = teacher(v, 12, h, 3, 0.8, 1);
    let train_d = teacher_data(&t, 4000, 2);
    let test_d = teacher_data(&t, 4000, 3);
    let teacher_ll = log_likelihood(&t, test_d.view()).unwrap();
    let tr = train_d.mapv(|x| x as f32);
    let te = test_d.mapv(|x| x as f32);
    let init = Init { weight_std: 0.01, ..Init::default() };
    let rbm = init_rbm(v, 12, h, 3, &init, tr.view()).unwrap();
    let mut cfg = base_config(Sampler::Pcd { k: 10, n_chains: 200 }, 0.05, 100, 40);
    cfg.checkpoints = Schedule::LogSpaced { count: 6 };
    cfg.ll = LlEval::Auto { ais_chains: 64, ais_steps: 100 };
    let out = train(rbm, tr.view(), Some(te.view()), cfg).unwrap();
    let last = out.records.last().unwrap();
    let student = last.test_ll.as_ref().unwrap();
    let gap = (teacher_ll - student.mean) / 12.0;
    eprintln!(
        "teacher test LL {teacher_ll:.4}, student {:.4} ({:?}); gap {gap:.4} nats/unit",
        student.mean, student.method
    );
    for r in &out.records {
        eprintln!("  update {} epoch {:.2}: test LL {:.4}", r.update, r.epoch, r.test_ll.as_ref().unwrap().mean);
    }
    let independent = out.records[0].test_ll.as_ref().unwrap().mean;
    let learned = (student.mean - independent) / (teacher_ll - independent);
    eprintln!("fraction of the teacher's structure learned: {learned:.3}");
    assert!(teacher_ll - independent > 1.0);
    assert!(learned > 0.9);
    assert!(gap < 0.02, "gap {gap} nats/unit");
    // the record's exact LL is the exact LL of the recorded parameters
    let direct = log_likelihood(&last.rbm, te.view()).unwrap();
    assert!((direct - student.mean).abs() < 1e-9);
}

#[test]
fn exact_trainer_reaches_the_maximum_likelihood() {
    // Full-batch exact gradient ascent: the MLE's training LL is ≥ the teacher's training LL.
    for centered in [false, true] {
        let t = teacher(Units::Ising, 8, Units::Bernoulli, 2, 1.0, 4);
        let d = teacher_data(&t, 2000, 5);
        let teacher_ll = log_likelihood(&t, d.view()).unwrap();
        let rbm =
            init_rbm(Units::Ising, 8, Units::Bernoulli, 2, &Init { weight_std: 0.1, ..Init::default() }, d.view())
                .unwrap();
        let mut cfg = base_config(Sampler::Exact, 0.2, 2000, 1500);
        cfg.centered = centered;
        cfg.checkpoints = Schedule::Updates(vec![]);
        let out = train(rbm, d.view(), None, cfg).unwrap();
        let ll = log_likelihood(&out.last.rbm, d.view()).unwrap();
        let g = exact_gradient(&out.last.rbm, d.view()).unwrap();
        let gn = g.w.iter().chain(g.vbias.iter()).chain(g.hbias.iter()).map(|x| x * x).sum::<f64>().sqrt();
        eprintln!("centered={centered}: student train LL {ll:.5}, teacher {teacher_ll:.5}, |grad| {gn:.2e}");
        assert!(ll >= teacher_ll - 1e-3, "{ll} < {teacher_ll}");
        assert!(gn < 1e-2);
    }
}

#[test]
fn exact_linear_trainer_learns_the_top_data_modes() {
    // Gaussian–Gaussian RBM (γ_v = γ_h = 1, 2 hidden units) on data with covariance
    // diag(3, 2, 0.5, 0.5, 0.5): the ML model covariance matches the data variance along the two
    // directions above 1/γ_v (paper 000, linear regime), and stays at 1/γ_v along the others.
    let n = 4000;
    let sd = [3.0f64.sqrt(), 2.0f64.sqrt(), 0.5f64.sqrt(), 0.5f64.sqrt(), 0.5f64.sqrt()];
    let mut g = model::rng::stream(1, 1, 1);
    let z = Normal::new(0.0, 1.0).unwrap();
    let d = Array2::from_shape_fn((n, 5), |(_, j)| sd[j] * z.sample(&mut g));
    let cov = d.t().dot(&d) / n as f64;
    let g1 = Units::Gaussian { precision: 1.0 };
    let init = Init {
        weight_std: 0.1,
        visible_bias: VisibleBiasInit::Zero,
        visible_bias_mode: BiasMode::Off,
        hidden_bias_mode: BiasMode::Off,
        seed: 3,
    };
    let rbm = init_rbm(g1, 5, g1, 2, &init, d.view()).unwrap();
    let out = train(rbm, d.view(), None, base_config(Sampler::Exact, 0.05, n, 600)).unwrap();
    let (_, sigma) = model::linear::visible_law(&out.last.rbm).unwrap();
    for i in 0..2 {
        assert!(
            (sigma[(i, i)] - cov[(i, i)]).abs() < 0.02 * cov[(i, i)],
            "mode {i}: {} vs {}",
            sigma[(i, i)],
            cov[(i, i)]
        );
    }
    for i in 2..5 {
        assert!((sigma[(i, i)] - 1.0).abs() < 0.02, "direction {i}: {}", sigma[(i, i)]);
    }
}

#[test]
fn pcd_gradient_converges_to_the_exact_gradient() {
    let t = teacher(Units::Bernoulli, 12, Units::Bernoulli, 3, 1.0, 7);
    let d = teacher_data(&t, 500, 8);
    let m = teacher(Units::Bernoulli, 12, Units::Bernoulli, 3, 0.8, 9);
    let exact = exact_gradient(&m, d.view()).unwrap();
    let pos = stats_from_visible(&m, d.view()).unwrap();
    let err = |n: usize, k: usize| {
        let mut c = Chains::random(&m, n, 3, 0).unwrap();
        gibbs_from_visible(&m, &mut c, k, 3, 1).unwrap();
        let neg = stats_from_visible(&m, c.v.view()).unwrap();
        let g = gradient(1.0, &pos, &neg, false);
        let e2: f64 = g.w.iter().zip(exact.w.iter()).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
            + g.vbias.iter().zip(exact.vbias.iter()).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
            + g.hbias.iter().zip(exact.hbias.iter()).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
        e2.sqrt()
    };
    let (e_small, e_large, e_short) = (err(100, 200), err(6400, 200), err(6400, 1));
    eprintln!("|ĝ − g|: 100 chains {e_small:.4}, 6400 chains {e_large:.4}, 6400 chains 1 sweep {e_short:.4}");
    // statistical error ∝ 1/√n: expected ratio 8; the one-sweep run is dominated by its bias.
    assert!(e_large < e_small / 4.0);
    assert!(e_short > 3.0 * e_large);
}

fn small_run(threads: usize, epochs: usize) -> (Rbm<f32>, Option<Chains<f32>>) {
    let t = teacher(Units::Ising, 10, Units::Ising, 2, 0.8, 2);
    let d = teacher_data(&t, 300, 1).mapv(|x| x as f32);
    let rbm = init_rbm(Units::Ising, 10, Units::Ising, 2, &Init::default(), d.view()).unwrap();
    let cfg = base_config(Sampler::Pcd { k: 3, n_chains: 150 }, 0.02, 32, epochs);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let out = train(rbm, d.view(), None, cfg).unwrap();
        (out.last.rbm, out.last.chains)
    })
}

#[test]
fn training_is_deterministic_thread_independent_and_resumable() {
    let a = small_run(1, 4);
    let b = small_run(2, 4);
    assert_eq!(a, b);
    // split into blocks of epochs: 2 + resume 2 == 4 straight
    let t = teacher(Units::Ising, 10, Units::Ising, 2, 0.8, 2);
    let d = teacher_data(&t, 300, 1).mapv(|x| x as f32);
    let rbm = init_rbm(Units::Ising, 10, Units::Ising, 2, &Init::default(), d.view()).unwrap();
    let cfg = base_config(Sampler::Pcd { k: 3, n_chains: 150 }, 0.02, 32, 4);
    let mut tr = Trainer::new(rbm, cfg.clone()).unwrap();
    tr.run(d.view(), None, 2, |_| Ok(())).unwrap();
    let ck = tr.checkpoint().clone();
    let mut tr2 = Trainer::resume(ck, cfg).unwrap();
    tr2.run(d.view(), None, 4, |_| Ok(())).unwrap();
    assert_eq!((tr2.rbm().clone(), tr2.checkpoint().chains.clone()), a);
    // a different seed gives a different run
    let mut cfg3 = base_config(Sampler::Pcd { k: 3, n_chains: 150 }, 0.02, 32, 4);
    cfg3.seed = 12;
    let rbm = init_rbm(Units::Ising, 10, Units::Ising, 2, &Init::default(), d.view()).unwrap();
    assert_ne!(train(rbm, d.view(), None, cfg3).unwrap().last.rbm, a.0);
}

#[test]
fn cd_rdm_and_adam_run_and_improve_the_likelihood() {
    let t = teacher(Units::Ising, 10, Units::Ising, 2, 0.8, 5);
    let d = teacher_data(&t, 1000, 6);
    let rbm = init_rbm(Units::Ising, 10, Units::Ising, 2, &Init::default(), d.view()).unwrap();
    let ll0 = log_likelihood(&rbm, d.view()).unwrap();
    for sampler in [Sampler::Cd { k: 1 }, Sampler::Rdm { k: 20, n_chains: 100 }] {
        let mut cfg = base_config(sampler.clone(), 0.05, 50, 10);
        cfg.optimizer = Optimizer::adam(0.02);
        let out = train(rbm.clone(), d.view(), None, cfg).unwrap();
        let ll = log_likelihood(&out.last.rbm, d.view()).unwrap();
        eprintln!("{sampler:?}: LL {ll0:.4} → {ll:.4}");
        assert!(ll > ll0 + 0.1);
    }
}

#[test]
fn bad_inputs_are_clear_errors() {
    let d = Array2::from_shape_fn((20, 4), |(i, j)| ((i + j) % 2) as f64);
    let rbm = init_rbm(Units::Bernoulli, 4, Units::Bernoulli, 2, &Init::default(), d.view()).unwrap();
    let run = |cfg: TrainConfig, data: &Array2<f64>| train(rbm.clone(), data.view(), None, cfg).map(|_| ());
    let ok = base_config(Sampler::Pcd { k: 1, n_chains: 5 }, 0.01, 5, 1);
    assert!(run(ok.clone(), &d).is_ok());
    let e = run(base_config(Sampler::Pcd { k: 0, n_chains: 5 }, 0.01, 5, 1), &d).unwrap_err();
    assert!(matches!(e, train::Error::Hyper { name: "k", .. }), "{e}");
    let e = run(base_config(Sampler::Cd { k: 1 }, -0.1, 5, 1), &d).unwrap_err();
    assert!(matches!(e, train::Error::Hyper { name: "learning rate", .. }), "{e}");
    let e = run(base_config(Sampler::Cd { k: 1 }, 0.1, 50, 1), &d).unwrap_err();
    assert!(matches!(e, train::Error::Hyper { name: "batch_size", .. }), "{e}");
    let wide = Array2::zeros((20, 5));
    let e = run(ok.clone(), &wide).unwrap_err();
    assert!(matches!(e, train::Error::Model(model::Error::Shape { .. })), "{e}");
    let mut bad = d.clone();
    bad[(3, 2)] = 0.5;
    let e = run(ok.clone(), &bad).unwrap_err();
    assert!(matches!(e, train::Error::Model(model::Error::Support { row: 3, col: 2, .. })), "{e}");
    let ising = d.mapv(|x| 2.0 * x - 1.0);
    assert!(run(ok.clone(), &ising).is_err());
    // divergence: a Gaussian–Gaussian machine pushed past normalisability produces a non-finite value
    let g = Units::Gaussian { precision: 1.0 };
    let dg = Array2::from_shape_fn((20, 3), |(i, j)| (i as f64 - 10.0) * (j as f64 + 1.0));
    let rg = init_rbm(g, 3, g, 2, &Init { weight_std: 0.5, ..Init::default() }, dg.view()).unwrap();
    let e = train(rg, dg.view(), None, base_config(Sampler::Pcd { k: 5, n_chains: 20 }, 1e3, 20, 50)).unwrap_err();
    assert!(matches!(e, train::Error::NonFinite { .. }), "{e}");
}

#[test]
fn log_spaced_schedule() {
    let s = train::checkpoint_updates(&Schedule::LogSpaced { count: 5 }, 10, 100);
    let v: Vec<u64> = s.into_iter().collect();
    assert_eq!(v, vec![0, 1, 6, 32, 178, 1000]);
    let e = train::checkpoint_updates(&Schedule::EveryEpoch, 3, 2);
    assert_eq!(e.into_iter().collect::<Vec<_>>(), vec![0, 3, 6]);
    let _ = Array1::<f64>::zeros(1);
}

#[test]
fn potts_training_with_zero_sum_gauge() {
    // Potts visible (P = 3), Bernoulli hidden: PCD with the gauge applied after every update keeps
    // every weight group zero-sum and improves the exact likelihood of the teacher's data.
    // teacher: hidden unit μ rewards sites in state μ (a mixture of "mostly 0", "mostly 1" and uniform)
    let mut t = Rbm::<f64>::zeros(Units::Potts { states: 3 }, 5, Units::Bernoulli, 2).unwrap();
    for i in 0..5 {
        t.weights[(i * 3, 0)] = 2.0;
        t.weights[(i * 3 + 1, 1)] = 2.0;
    }
    t.hidden.bias.fill(-6.0);
    let d = teacher_data(&t, 2000, 4);
    let rbm = init_rbm(
        Units::Potts { states: 3 },
        5,
        Units::Bernoulli,
        2,
        &Init { weight_std: 0.1, ..Init::default() },
        d.view(),
    )
    .unwrap();
    let ll0 = log_likelihood(&rbm, d.view()).unwrap();
    let teacher_ll = log_likelihood(&t, d.view()).unwrap();
    let mut cfg = base_config(Sampler::Pcd { k: 5, n_chains: 200 }, 0.05, 50, 20);
    cfg.zero_sum_gauge = true;
    let out = train(rbm, d.view(), None, cfg).unwrap();
    let ll = log_likelihood(&out.last.rbm, d.view()).unwrap();
    eprintln!("Potts: LL {ll0:.4} → {ll:.4} (teacher {teacher_ll:.4})");
    assert!(teacher_ll - ll0 > 0.3, "teacher has too little structure");
    assert!(ll - ll0 > 0.8 * (teacher_ll - ll0));
    for i in 0..5 {
        for mu in 0..2 {
            let s: f64 = (0..3).map(|a| out.last.rbm.weights[(i * 3 + a, mu)]).sum();
            assert!(s.abs() < 1e-10);
        }
    }
}
