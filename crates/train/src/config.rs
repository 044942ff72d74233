//! Training hyper-parameters.

use crate::error::{Result, hyper};
use model::BiasMode;

/// How the negative (model) term of the gradient is obtained.
#[derive(Debug, Clone, PartialEq)]
pub enum Sampler {
    /// Contrastive divergence: chains restart at the minibatch, `k` sweeps.
    Cd {
        /// Gibbs sweeps per update (≥ 1).
        k: usize,
    },
    /// Persistent contrastive divergence: `n_chains` chains carried across updates, `k` sweeps per update.
    Pcd {
        /// Gibbs sweeps per update (≥ 1).
        k: usize,
        /// Number of persistent chains (≥ 1).
        n_chains: usize,
    },
    /// Non-persistent chains restarted from the uniform/independent law at every update ("Rdm").
    Rdm {
        /// Gibbs sweeps per update (≥ 1).
        k: usize,
        /// Number of chains (≥ 1).
        n_chains: usize,
    },
    /// Exact model moments (enumeration of the smaller discrete layer, or the Gaussian–Gaussian
    /// closed form), e.g. the 2^M hidden enumeration of papers 002/003.
    Exact,
}

impl Sampler {
    /// Sweeps per update (0 for `Exact`).
    pub fn k(&self) -> usize {
        match *self {
            Sampler::Cd { k } | Sampler::Pcd { k, .. } | Sampler::Rdm { k, .. } => k,
            Sampler::Exact => 0,
        }
    }
}

/// Parameter update rule; the gradient is that of the mean log-likelihood of the minibatch (ascent).
#[derive(Debug, Clone, PartialEq)]
pub enum Optimizer {
    /// `θ ← θ + lr·g` (the papers' fixed-rate stochastic gradient ascent, paper 002 eq. (7)).
    Sgd {
        /// Learning rate > 0.
        lr: f64,
    },
    /// Adam (Kingma & Ba 2015) on the ascent direction.
    Adam {
        /// Learning rate > 0.
        lr: f64,
        /// First-moment decay in [0, 1).
        beta1: f64,
        /// Second-moment decay in [0, 1).
        beta2: f64,
        /// Denominator offset > 0.
        eps: f64,
    },
}

impl Optimizer {
    /// Adam with the usual defaults (0.9, 0.999, 1e-8).
    pub fn adam(lr: f64) -> Self {
        Optimizer::Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }
    }
}

/// Visible-bias initialisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VisibleBiasInit {
    /// Zero.
    Zero,
    /// The independent-unit fit of the data: `logit(mean)` for {0,1}, `atanh(mean)` for ±1,
    /// `ln(frequency)` (zero-sum) for Potts, `precision·mean` for Gaussian units (all divided by β);
    /// frequencies are clamped to [1e-4, 1 − 1e-4] (paper 000, MNIST experiments: visible fields
    /// initialised on the empirical mean; rbms).
    DataMean,
}

/// Parameter initialisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Init {
    /// Standard deviation (not variance) of the i.i.d. Gaussian weights.
    pub weight_std: f64,
    /// Visible-bias rule.
    pub visible_bias: VisibleBiasInit,
    /// Mode of the visible bias.
    pub visible_bias_mode: BiasMode,
    /// Mode of the hidden bias (initialised at 0).
    pub hidden_bias_mode: BiasMode,
    /// Seed of the weight draw.
    pub seed: u64,
}

impl Default for Init {
    fn default() -> Self {
        Init {
            weight_std: 1e-2,
            visible_bias: VisibleBiasInit::DataMean,
            visible_bias_mode: BiasMode::Trainable,
            hidden_bias_mode: BiasMode::Trainable,
            seed: 0,
        }
    }
}

/// When to record checkpoints (parameters + log-likelihoods), in gradient updates.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// At update 0 and at the end of every epoch.
    EveryEpoch,
    /// At update 0 and `count` log-spaced update numbers between 1 and the last update (rounded, deduplicated; the last update is always included).
    LogSpaced {
        /// Number of log-spaced points.
        count: usize,
    },
    /// At the listed update numbers.
    Updates(Vec<u64>),
}

/// How log-likelihoods are evaluated at checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub enum LlEval {
    /// Not evaluated.
    None,
    /// Exact when enumerable (or Gaussian–Gaussian), AIS otherwise.
    Auto {
        /// AIS chains.
        ais_chains: usize,
        /// AIS intermediate distributions.
        ais_steps: usize,
    },
    /// Always AIS.
    Ais {
        /// AIS chains.
        ais_chains: usize,
        /// AIS intermediate distributions.
        ais_steps: usize,
    },
}

/// Everything that defines a training run (besides the data and the initial machine).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Negative-phase sampler.
    pub sampler: Sampler,
    /// Update rule.
    pub optimizer: Optimizer,
    /// Minibatch size (the last minibatch of an epoch may be smaller).
    pub batch_size: usize,
    /// Total number of epochs.
    pub epochs: usize,
    /// Seed: epoch shuffles use stream `(seed, SHUFFLE, epoch)`, the sampler of update `t` stream `(seed, t)`.
    pub seed: u64,
    /// Centred gradient (Melchior et al. 2016; rbms default) with the minibatch means as centres.
    pub centered: bool,
    /// Apply the zero-sum gauge to Potts layers after every update.
    pub zero_sum_gauge: bool,
    /// Checkpoint schedule.
    pub checkpoints: Schedule,
    /// Log-likelihood evaluation at checkpoints.
    pub ll: LlEval,
}

impl TrainConfig {
    /// Validate the hyper-parameters (k ≥ 1, chains ≥ 1, lr > 0 finite, batch ≥ 1, Adam decays in [0,1)).
    pub fn validate(&self) -> Result<()> {
        match self.sampler {
            Sampler::Cd { k } | Sampler::Pcd { k, .. } | Sampler::Rdm { k, .. } if k == 0 => {
                return Err(hyper("k", "the number of Gibbs sweeps must be ≥ 1"));
            }
            Sampler::Pcd { n_chains: 0, .. } | Sampler::Rdm { n_chains: 0, .. } => {
                return Err(hyper("n_chains", "need at least one chain"));
            }
            _ => {}
        }
        let lr = match self.optimizer {
            Optimizer::Sgd { lr } => lr,
            Optimizer::Adam { lr, beta1, beta2, eps } => {
                if !(0.0..1.0).contains(&beta1) || !(0.0..1.0).contains(&beta2) {
                    return Err(hyper("adam betas", format!("must lie in [0, 1), got {beta1}, {beta2}")));
                }
                if !(eps > 0.0 && eps.is_finite()) {
                    return Err(hyper("adam eps", format!("must be positive, got {eps}")));
                }
                lr
            }
        };
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(hyper("learning rate", format!("must be positive and finite, got {lr}")));
        }
        if self.batch_size == 0 {
            return Err(hyper("batch_size", "must be ≥ 1"));
        }
        if let Schedule::LogSpaced { count: 0 } = self.checkpoints {
            return Err(hyper("checkpoints", "LogSpaced needs count ≥ 1"));
        }
        if let LlEval::Auto { ais_chains, ais_steps } | LlEval::Ais { ais_chains, ais_steps } = self.ll
            && (ais_chains < 2 || ais_steps == 0)
        {
            return Err(hyper("ll", "AIS needs ≥ 2 chains and ≥ 1 step"));
        }
        Ok(())
    }
}
