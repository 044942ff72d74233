//! Data for rbmlab: teacher models sampled exactly, and the real data sets with the papers'
//! transforms. Pure library code (no file formats of the pipeline); every sampler returns one
//! sample per row of a compact integer matrix and depends only on its parameters and seed.
//!
//! Teachers (all exact, no Markov chains):
//! * [`curie_weiss`] — Curie–Weiss with a pattern (paper 001 §4.1), via the exact overlap law;
//! * [`hopfield`] — Hopfield with P patterns, incl. paper 001's correlated pair (two CW blocks);
//! * [`ising`] — 1-D Ising ring with PBC (paper 002 §3), transfer-matrix conditional chain;
//! * [`xy`] — discretised XY ring = cosine-kernel Potts ring (paper 002 §4, eq. (29));
//! * [`spiked`] — spiked covariance (paper 003);
//! * [`null`] — independent ±1 / {0,1} / Potts units;
//! * [`planted`] — small planted RBM sampled through exact hidden enumeration.
//!
//! Real data ([`mnist`], [`hgd`], [`orl`]) are read from a data directory laid out like
//! `../shared/data` (filled by `make data`), optionally verified against its `SHA256SUMS`
//! ([`checksum`]); [`transform`] holds binarisation, encodings, the skimage-compatible resize,
//! splits, subsets and one-hot Potts encoding.
//!
//! Parallelism: rows are generated in fixed blocks of [`rng::BLOCK_ROWS`], each with its own
//! RNG stream derived from `(seed, block)`, so results do not depend on the thread count.

#![warn(missing_docs)]

pub mod checksum;
mod counts;
pub mod curie_weiss;
pub mod error;
pub mod hgd;
pub mod hopfield;
pub mod idx;
pub mod ising;
pub mod mnist;
pub mod null;
pub mod orl;
pub mod planted;
pub mod ring;
pub mod rng;
pub mod spiked;
pub mod transform;
pub mod xy;

pub use error::{Error, Result};

/// How binary units are written: `Spin` = ±1, `Binary` = {0, 1} (`0 ↔ −1`, `1 ↔ +1`; paper 001
/// App. D maps the two conventions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Units in {−1, +1}.
    Spin,
    /// Units in {0, 1}.
    Binary,
}

impl Encoding {
    /// Encodes a spin `s ∈ {−1, +1}`: itself for `Spin`, `(s + 1)/2` for `Binary`.
    #[inline]
    pub fn encode(self, s: i8) -> i8 {
        match self {
            Encoding::Spin => s,
            Encoding::Binary => (s + 1) / 2,
        }
    }
}
