//! Error type of the `model` crate.

/// Everything that can go wrong when building, evaluating or sampling an RBM.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// Two arrays that must agree in size do not.
    #[error("shape mismatch in {what}: expected {expected}, got {got}")]
    Shape {
        /// Which quantity had the wrong size.
        what: &'static str,
        /// Expected size.
        expected: usize,
        /// Actual size.
        got: usize,
    },
    /// A value lies outside the support of a unit type (e.g. 0.5 for a Bernoulli unit).
    #[error("value {value} at row {row}, column {col} is outside the support of {units} units")]
    Support {
        /// Unit type name.
        units: &'static str,
        /// Row of the offending configuration.
        row: usize,
        /// Column of the offending value.
        col: usize,
        /// The value.
        value: f64,
    },
    /// An invalid parameter or hyper-parameter.
    #[error("invalid parameter {name}: {reason}")]
    Param {
        /// Parameter name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// The requested exact computation would need too many states, or the layer is continuous.
    #[error("not enumerable: {0}")]
    NotEnumerable(String),
    /// The model is not normalisable (e.g. a Gaussian–Gaussian RBM whose precision matrix is not positive definite).
    #[error("model is not normalisable: {0}")]
    NotNormalisable(String),
    /// A NaN or infinity appeared in a computed quantity.
    #[error("non-finite value in {0}")]
    NonFinite(String),
}

/// Result alias of the `model` crate.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn shape(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got { Ok(()) } else { Err(Error::Shape { what, expected, got }) }
}

pub(crate) fn param(name: &'static str, reason: impl Into<String>) -> Error {
    Error::Param { name, reason: reason.into() }
}
