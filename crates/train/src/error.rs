//! Error type of the `train` crate.

/// Everything that can stop a training run.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// An invalid hyper-parameter (k = 0, negative learning rate, batch larger than the data, …).
    #[error("invalid hyper-parameter {name}: {reason}")]
    Hyper {
        /// Name of the hyper-parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A NaN or infinity appeared in the parameters or the gradient.
    #[error("non-finite {what} at update {update} (epoch {epoch}); training stopped")]
    NonFinite {
        /// Which quantity.
        what: &'static str,
        /// Update counter when it was detected.
        update: u64,
        /// Epoch when it was detected.
        epoch: usize,
    },
    /// The checkpoint does not match the configuration or the data.
    #[error("checkpoint mismatch: {0}")]
    Checkpoint(String),
    /// An error from the model crate (bad data width, values outside the support, …).
    #[error(transparent)]
    Model(#[from] model::Error),
}

/// Result alias of the `train` crate.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn hyper(name: &'static str, reason: impl Into<String>) -> Error {
    Error::Hyper { name, reason: reason.into() }
}
