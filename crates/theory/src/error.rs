//! Error type shared by every solver of the crate.

/// Errors returned by the theory solvers.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// A parameter lies outside the solver's domain (e.g. a negative temperature or `r <= 0`).
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as the user knows it.
        name: &'static str,
        /// Offending value.
        value: f64,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// An iterative solver did not reach its tolerance.
    #[error("{solver} did not converge after {iterations} iterations (residual {residual:e})")]
    NotConverged {
        /// Which solver.
        solver: &'static str,
        /// Iterations done.
        iterations: usize,
        /// Last residual.
        residual: f64,
    },
    /// A computation produced NaN or infinity.
    #[error("{0} produced a non-finite value")]
    NonFinite(&'static str),
    /// Step size underflow or too many steps in an ODE integration.
    #[error("ODE integration failed at t = {t}: {reason}")]
    Integration {
        /// Time reached.
        t: f64,
        /// Reason.
        reason: &'static str,
    },
}

/// Crate result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Returns `Err(InvalidParameter)` unless `cond` holds.
pub(crate) fn ensure(cond: bool, name: &'static str, value: f64, reason: &'static str) -> Result<()> {
    if cond && value.is_finite() { Ok(()) } else { Err(Error::InvalidParameter { name, value, reason }) }
}
