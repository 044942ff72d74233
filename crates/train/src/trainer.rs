//! The training loop: minibatch epochs with seeded shuffles, CD / PCD / Rdm / exact negative
//! phases, SGD or Adam, checkpoints with log-likelihoods, resumable from a [`Checkpoint`].
//!
//! Reseed rule (makes resumption exact without storing generator states): the shuffle of epoch `e`
//! is drawn from stream `(seed, SHUFFLE_STREAM, e)`; the sampler of update `t` (counted from 0 over
//! the whole run) uses streams `(seed, t, block)`; the persistent chains are initialised from
//! stream `(seed, INIT_STREAM)`; AIS at update `t` uses seed `mix(seed, t, AIS)`. A run split into
//! blocks of epochs with [`Trainer::checkpoint`] / [`Trainer::resume`] therefore reproduces the
//! unsplit run bit for bit.

use crate::config::{LlEval, Sampler, Schedule, TrainConfig};
use crate::error::{Error, Result, hyper};
use crate::eval::{LlEstimate, log_likelihoods};
use crate::grad::{Stats, gradient, stats_from_moments, stats_from_visible, theta_trainable};
use crate::optim::{OptState, step};
use model::{Chains, Rbm, Real, gibbs_from_visible};
use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use std::collections::BTreeSet;

const SHUFFLE_STREAM: u64 = u64::MAX - 10;
const INIT_STREAM: u64 = u64::MAX - 11;
const AIS_TAG: u64 = 0xa15;

/// Everything needed to continue a run: parameters, persistent chains, optimiser state, counters.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint<F: Real> {
    /// Current machine.
    pub rbm: Rbm<F>,
    /// Persistent chains (PCD only; `chains.v` are the chain states, `chains.h` the hidden
    /// states that generated them).
    pub chains: Option<Chains<F>>,
    /// Optimiser state.
    pub opt: OptState<F>,
    /// Gradient updates done so far.
    pub update: u64,
    /// Completed epochs.
    pub epoch: usize,
    /// Run seed.
    pub seed: u64,
}

/// A recorded checkpoint: the parameters and log-likelihoods after `update` updates.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<F: Real> {
    /// Update number (0 = initial machine).
    pub update: u64,
    /// Epoch as a real number (`update / updates_per_epoch`).
    pub epoch: f64,
    /// Parameters at this point.
    pub rbm: Rbm<F>,
    /// Training-set log-likelihood.
    pub train_ll: Option<LlEstimate>,
    /// Test-set log-likelihood.
    pub test_ll: Option<LlEstimate>,
}

/// Update numbers at which `schedule` records, for a run of `epochs × updates_per_epoch` updates.
pub fn checkpoint_updates(schedule: &Schedule, updates_per_epoch: u64, epochs: usize) -> BTreeSet<u64> {
    let total = updates_per_epoch.saturating_mul(epochs as u64);
    let mut s = BTreeSet::new();
    match schedule {
        Schedule::EveryEpoch => {
            for e in 0..=epochs as u64 {
                s.insert(e * updates_per_epoch);
            }
        }
        Schedule::LogSpaced { count } => {
            s.insert(0);
            if total > 0 {
                let top = (total as f64).ln();
                for i in 0..*count {
                    let x = if *count == 1 { top } else { top * i as f64 / (*count - 1) as f64 };
                    s.insert((x.exp().round() as u64).clamp(1, total));
                }
                s.insert(total);
            }
        }
        Schedule::Updates(u) => s.extend(u.iter().copied().filter(|&x| x <= total)),
    }
    s
}

/// A training run in progress.
#[derive(Debug, Clone)]
pub struct Trainer<F: Real> {
    /// Hyper-parameters.
    pub config: TrainConfig,
    state: Checkpoint<F>,
}

impl<F: Real> Trainer<F> {
    /// Start a run from an initial machine (see [`crate::init_rbm`]).
    pub fn new(rbm: Rbm<F>, config: TrainConfig) -> Result<Self> {
        config.validate()?;
        if !rbm.is_finite() {
            return Err(Error::NonFinite { what: "initial parameters", update: 0, epoch: 0 });
        }
        if rbm.visible.theta_mode == model::ThetaMode::Trainable {
            return Err(hyper("visible theta_mode", "only hidden double-well thresholds can be trained"));
        }
        let seed = config.seed;
        Ok(Trainer {
            config,
            state: Checkpoint { rbm, chains: None, opt: OptState::default(), update: 0, epoch: 0, seed },
        })
    }

    /// Continue a run from a checkpoint (the configuration must have the same seed and sampler).
    pub fn resume(ckpt: Checkpoint<F>, config: TrainConfig) -> Result<Self> {
        config.validate()?;
        if ckpt.seed != config.seed {
            return Err(Error::Checkpoint(format!("seed {} in checkpoint, {} in config", ckpt.seed, config.seed)));
        }
        if let (Sampler::Pcd { n_chains, .. }, Some(c)) = (&config.sampler, &ckpt.chains)
            && c.n_chains() != *n_chains
        {
            return Err(Error::Checkpoint(format!("{} persistent chains stored, {n_chains} configured", c.n_chains())));
        }
        Ok(Trainer { config, state: ckpt })
    }

    /// The resumable state.
    pub fn checkpoint(&self) -> &Checkpoint<F> {
        &self.state
    }

    /// Current machine.
    pub fn rbm(&self) -> &Rbm<F> {
        &self.state.rbm
    }

    /// Train until `min(stop_epoch, config.epochs)` epochs are complete, calling `on_record` at each
    /// scheduled checkpoint (including update 0 on a fresh run). Errors on bad data, bad
    /// hyper-parameters or a non-finite value (the run stops at once).
    pub fn run(
        &mut self,
        train: ArrayView2<F>,
        test: Option<ArrayView2<F>>,
        stop_epoch: usize,
        mut on_record: impl FnMut(&Record<F>) -> Result<()>,
    ) -> Result<()> {
        let cfg = self.config.clone();
        self.state.rbm.validate_visible(train)?;
        if let Some(t) = test {
            self.state.rbm.validate_visible(t)?;
        }
        let s = train.nrows();
        if s == 0 {
            return Err(hyper("data", "the training set is empty"));
        }
        if cfg.batch_size > s {
            return Err(hyper("batch_size", format!("{} exceeds the {s} training rows", cfg.batch_size)));
        }
        let upe = s.div_ceil(cfg.batch_size) as u64;
        let sched = checkpoint_updates(&cfg.checkpoints, upe, cfg.epochs);
        if self.state.update == 0 && sched.contains(&0) {
            self.record(train, test, upe, &mut on_record)?;
        }
        let mut batch = Array2::<F>::zeros((cfg.batch_size, train.ncols()));
        while self.state.epoch < stop_epoch.min(cfg.epochs) {
            let mut perm: Vec<usize> = (0..s).collect();
            perm.shuffle(&mut model::rng::stream(cfg.seed, SHUFFLE_STREAM, self.state.epoch as u64));
            for chunk in perm.chunks(cfg.batch_size) {
                if chunk.len() != batch.nrows() {
                    batch = Array2::zeros((chunk.len(), train.ncols()));
                }
                for (mut row, &i) in batch.rows_mut().into_iter().zip(chunk) {
                    row.assign(&train.row(i));
                }
                self.update(batch.view())?;
                if sched.contains(&self.state.update) {
                    self.record(train, test, upe, &mut on_record)?;
                }
            }
            self.state.epoch += 1;
        }
        Ok(())
    }

    fn record(
        &self,
        train: ArrayView2<F>,
        test: Option<ArrayView2<F>>,
        upe: u64,
        on_record: &mut impl FnMut(&Record<F>) -> Result<()>,
    ) -> Result<()> {
        let rbm = &self.state.rbm;
        let mut sets = vec![train];
        sets.extend(test);
        let ais_seed = model::rng::mix(self.config.seed, self.state.update, AIS_TAG);
        let lls = if self.config.ll == LlEval::None {
            vec![None, None]
        } else {
            log_likelihoods(rbm, &sets, &self.config.ll, ais_seed)?
        };
        let rec = Record {
            update: self.state.update,
            epoch: self.state.update as f64 / upe as f64,
            rbm: rbm.clone(),
            train_ll: lls[0].clone(),
            test_ll: lls.get(1).cloned().flatten(),
        };
        on_record(&rec)
    }

    /// One gradient update on a minibatch.
    fn update(&mut self, batch: ArrayView2<F>) -> Result<()> {
        let t = self.state.update;
        let seed = self.config.seed;
        let st = &mut self.state;
        let pos = stats_from_visible(&st.rbm, batch)?;
        let neg: Stats<F> = match self.config.sampler {
            Sampler::Cd { k } => {
                let mut c = Chains { v: batch.to_owned(), h: Array2::zeros((batch.nrows(), st.rbm.hidden.width())) };
                gibbs_from_visible(&st.rbm, &mut c, k, seed, t)?;
                stats_from_visible(&st.rbm, c.v.view())?
            }
            Sampler::Pcd { k, n_chains } => {
                if st.chains.is_none() {
                    st.chains = Some(Chains::random(&st.rbm, n_chains, seed, INIT_STREAM)?);
                }
                let c = st.chains.as_mut().expect("initialised");
                gibbs_from_visible(&st.rbm, c, k, seed, t)?;
                stats_from_visible(&st.rbm, c.v.view())?
            }
            Sampler::Rdm { k, n_chains } => {
                let mut c = Chains::random(&st.rbm, n_chains, seed, t)?;
                gibbs_from_visible(&st.rbm, &mut c, k, seed, t)?;
                stats_from_visible(&st.rbm, c.v.view())?
            }
            Sampler::Exact => {
                let mut s: Stats<F> = stats_from_moments(&model::exact::model_moments(&st.rbm)?.1);
                if theta_trainable(&st.rbm) {
                    s.abs_h = Some(model::exact::model_hidden_abs_mean(&st.rbm)?.mapv(F::from_f64));
                }
                s
            }
        };
        let g = gradient(st.rbm.beta, &pos, &neg, self.config.centered);
        if !g.is_finite() {
            return Err(Error::NonFinite { what: "gradient", update: t, epoch: st.epoch });
        }
        step(&self.config.optimizer, &mut st.opt, &mut st.rbm, &g);
        if self.config.zero_sum_gauge {
            st.rbm.apply_zero_sum_gauge()?;
        }
        if !st.rbm.is_finite() {
            return Err(Error::NonFinite { what: "parameters", update: t, epoch: st.epoch });
        }
        st.update += 1;
        Ok(())
    }
}

/// Result of [`train`]: every recorded checkpoint and the final resumable state.
#[derive(Debug, Clone)]
pub struct TrainOutcome<F: Real> {
    /// Recorded checkpoints in update order.
    pub records: Vec<Record<F>>,
    /// State after the last epoch.
    pub last: Checkpoint<F>,
}

/// Train `rbm` on `train` for `config.epochs` epochs, collecting every checkpoint.
pub fn train<F: Real>(
    rbm: Rbm<F>,
    train: ArrayView2<F>,
    test: Option<ArrayView2<F>>,
    config: TrainConfig,
) -> Result<TrainOutcome<F>> {
    let epochs = config.epochs;
    let mut t = Trainer::new(rbm, config)?;
    let mut records = Vec::new();
    t.run(train, test, epochs, |r| {
        records.push(r.clone());
        Ok(())
    })?;
    Ok(TrainOutcome { records, last: t.state })
}

/// Mean of the rows (helper for tables).
pub fn column_means<F: Real>(x: ArrayView2<F>) -> ndarray::Array1<f64> {
    x.mapv(|v| v.to_f64()).mean_axis(Axis(0)).unwrap_or_default()
}
