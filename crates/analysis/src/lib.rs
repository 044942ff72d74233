//! Analyses of samples and weights: spectra, overlaps, magnetisations and fits.
//!
//! Pure numerics on `ndarray` arrays; no YAML, no Parquet.

pub mod spectrum;

/// Errors of the analysis routines.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// Input of the wrong shape or content.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// An iterative method did not converge.
    #[error("{method} did not converge after {iterations} iterations (residual {residual:e})")]
    NotConverged {
        /// Which method.
        method: &'static str,
        /// Iterations done.
        iterations: usize,
        /// Last residual.
        residual: f64,
    },
}

/// Crate result type.
pub type Result<T> = std::result::Result<T, Error>;
