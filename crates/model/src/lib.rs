//! Numeric RBM engine: unit types, energies and conditionals, batched Gibbs sampling, exact
//! small-model references (enumeration, Gaussian–Gaussian closed forms), AIS and autocorrelation
//! times. Pure Rust, no I/O.
//!
//! Conventions are documented in [`units`] (unit potentials and Γ) and [`rbm`] (energy, free
//! energies, β, external field). Randomness: [`rng`].

pub mod ais;
pub mod equilibrium;
pub mod error;
pub mod exact;
pub mod gibbs;
mod lanes;
pub mod layer;
pub mod linear;
pub mod rbm;
pub mod real;
pub mod reconstruct;
pub mod rng;
pub mod special;
pub mod units;

pub use ais::{AisConfig, AisResult, ais_forward, ais_reverse};
pub use equilibrium::{EquilibriumConfig, autocorrelation, exponential_time, integrated_time, sample_equilibrium};
pub use error::{Error, Result};
pub use exact::{Gradient, Moments, Side};
pub use gibbs::{CHAIN_BLOCK, Chains, gibbs, gibbs_from_visible, resample_hidden};
pub use layer::{BiasMode, Layer, ThetaMode, potts_indices, potts_one_hot};
pub use rbm::Rbm;
pub use real::Real;
pub use units::{UnitType, Units};
