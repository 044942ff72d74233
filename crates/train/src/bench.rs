//! Throughput benchmark of the PCD-k trainer (issue 3 performance table).

use crate::config::{Init, LlEval, Optimizer, Sampler, Schedule, TrainConfig, VisibleBiasInit};
use crate::{Trainer, init_rbm};
use model::{BiasMode, Units};
use ndarray::Array2;
use rand::RngExt;
use std::time::Instant;

/// PCD-k gradient updates per second of a {0,1}–{0,1} f32 RBM with `nv` visible and `nh` hidden
/// units, `chains` persistent chains and a minibatch of `chains` random binary rows (one update
/// per epoch), SGD at lr 0.01, centred gradient off. Per update: positive phase (1 GEMM + sigmoid),
/// `k` sweeps (2k GEMMs + fused sampling), negative magnetisations (1 GEMM), two gradient GEMMs.
/// Runs one warm-up update, then as many updates as fit in `seconds` (at least 2).
pub fn pcd_updates_per_sec(nv: usize, nh: usize, chains: usize, k: usize, seconds: f64) -> f64 {
    let mut rng = model::rng::stream(1, 2, 3);
    let data = Array2::<f32>::from_shape_fn((chains, nv), |_| if rng.random::<f32>() < 0.3 { 1.0 } else { 0.0 });
    let init = Init {
        weight_std: 0.01,
        visible_bias: VisibleBiasInit::DataMean,
        visible_bias_mode: BiasMode::Trainable,
        hidden_bias_mode: BiasMode::Trainable,
        seed: 0,
    };
    let rbm = init_rbm(Units::Bernoulli, nv, Units::Bernoulli, nh, &init, data.view()).expect("valid init");
    let config = TrainConfig {
        sampler: Sampler::Pcd { k, n_chains: chains },
        optimizer: Optimizer::Sgd { lr: 0.01 },
        batch_size: chains,
        epochs: usize::MAX,
        seed: 0,
        centered: false,
        zero_sum_gauge: false,
        checkpoints: Schedule::Updates(vec![]),
        ll: LlEval::None,
    };
    let mut t = Trainer::new(rbm, config).expect("valid config");
    t.run(data.view(), None, 1, |_| Ok(())).expect("warm-up");
    let start = Instant::now();
    let mut n = 0usize;
    while n < 2 || start.elapsed().as_secs_f64() < seconds {
        t.run(data.view(), None, 2 + n, |_| Ok(())).expect("update");
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}
