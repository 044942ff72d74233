//! RBM trainers: minibatch SGD/Adam with CD-k, PCD-k, Rdm or exact negative phases, centred
//! gradients, initialisation rules, checkpoint schedules with exact/AIS log-likelihoods, and
//! resumable [`Checkpoint`]s. Pure Rust, no I/O.

pub mod bench;
pub mod config;
pub mod error;
pub mod eval;
pub mod grad;
pub mod init;
pub mod optim;
pub mod trainer;

pub use config::{Init, LlEval, Optimizer, Sampler, Schedule, TrainConfig, VisibleBiasInit};
pub use error::{Error, Result};
pub use eval::{LlEstimate, LlMethod, log_likelihoods};
pub use init::{data_mean_bias, init_rbm};
pub use trainer::{Checkpoint, Record, TrainOutcome, Trainer, checkpoint_updates, train};
