//! Theory solvers (f64 throughout) for the four RBM-dynamics papers.
//!
//! Each module implements one family of solvers and documents the equations it
//! implements (paper and equation number) and any re-derivation.

pub mod error;
pub mod ode;
pub mod p003;
pub mod quad;
pub mod spiked;

pub mod linear;
pub mod replica;

pub mod meanfield;

pub mod reaction_diffusion;
pub mod thresholds;

pub use error::{Error, Result};
