//! Analyses of paper 001 (Bachtis, Biroli, Decelle, Seoane 2024, *Cascade of phase transitions in
//! the training of energy-based models*) that need no trained RBM, only arrays:
//!
//! * [`svd`]: thin SVD of a weight matrix, tracking of singular values / vectors over many
//!   checkpoints (parallel), PCA of a data matrix (Figs. 2B, 2C, 3A).
//! * [`matching`]: alignment `|u_α · u_α^ref|` and matching of two bases by absolute overlap
//!   (Hungarian = optimal, or greedy) (Fig. 2C; also P000-F1i and P003 overlaps).
//! * [`magnetisation`]: `m_α = v·u^α/√N`, `χ = N(⟨m²⟩ − ⟨m⟩²)` with jackknife errors, replica
//!   overlaps (Figs. 2D, 3B–3F, 4A–4D; FIGURES.md §0 "Susceptibility").
//! * [`autocorr`]: autocorrelation function, integrated time with Sokal's automatic window,
//!   exponential time (Fig. 3G).
//! * [`fss`]: quality metric of a finite-size-scaling collapse and its scan over trial
//!   exponents (Figs. 3E, 4B, 4D).

pub mod autocorr;
pub mod fss;
pub mod magnetisation;
pub mod matching;
pub mod svd;
