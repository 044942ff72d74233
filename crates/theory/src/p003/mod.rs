//! Paper 003 (Xu–Krzakala–Zdeborová 2025, *Learning with RBMs: asymptotics of AMP and
//! GD in high dimensions*): the effective high-dimensional objective (Theorem 1), AMP-RBM
//! (Algorithm 1) and its state evolution (Theorems 3–4, Corollary 1), the BBP and replicon
//! analyses, the Bayes-optimal reference, the PCA/Haar baselines, and the DMFT of gradient
//! descent (Theorem 5).
//!
//! The paper's extracted text lost nearly every formula. Everything here follows the
//! reconstruction in the project notes (THEORY_003): equation numbers `(n)` are the
//! paper's where the prose places them, `(D-n)` are derived in the reconstruction, and each
//! function says which. Conventions (THEORY_003 §0, §3): data `X = UΛ^{1/2}Vᵀ/√d + Z`
//! (`n × d`, `α = n/d`), `A = X/√d`, weights `W ∈ R^{d×k}` with `Q = WᵀW/d`, spikes with
//! `E v*² = E u*² = 1`; `λ` is the spike eigenvalue increment, so BBP sits at
//! `λ = α^{-1/2}` (ambiguity A1 of the notes: the paper may have used `λ² `).
//!
//! Modules:
//! * [`hidden`]: hidden priors, `φ`, `F(Q)`, `Γ(Q)`, tilted `2^k` enumeration.
//! * [`objective`]: `L_eff` with/without biases, value and gradient; overlaps.
//! * [`train`]: GD (full-batch, minibatch) and Adam on `L_eff`.
//! * [`lbfgs`]: L-BFGS on `L_eff` (the quasi-Newton reference for long-run GD).
//! * [`amp`]: AMP-RBM with denoisers, Onsager terms, damped multiplier, status.
//! * [`se`]: state evolution (k = 1 quadrature, general k Monte Carlo), fixed points,
//!   the uninformative point and its `λ_c`, replicon test, linearised (BBP) SE.
//! * [`bayes`]: Bayes-optimal AMP state evolution (rank-1 Rademacher).
//! * [`bayes_amp`]: Bayes-optimal low-rank AMP (random / spectral init) and decimation AMP
//!   (Fig. 6).
//! * [`baselines`]: PCA overlap, Haar averages for degenerate spikes, matching, spectral
//!   vectors.
//! * [`dmft`]: DMFT of full-batch GD for `k = r = 1`.

pub mod amp;
pub mod baselines;
pub mod bayes;
pub mod bayes_amp;
pub mod dmft;
pub mod hidden;
pub mod lbfgs;
mod linalg;
pub mod objective;
pub mod se;
#[cfg(test)]
mod testdata;
pub mod train;

/// Outcome of an iterative run (AMP-RBM or a trainer), as the paper-003 figures filter it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Reached its tolerance.
    Converged,
    /// Ran the maximal number of iterations without meeting the tolerance.
    MaxIter,
    /// Produced non-finite values, exploding norms, or left the domain where the
    /// denoisers are defined.
    Diverged,
    /// Ended with `L_eff < 0` (worse than `W = 0`): the paper's filter for failed AMP runs.
    NegativeObjective,
}

impl RunStatus {
    /// Short name for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Converged => "converged",
            RunStatus::MaxIter => "max_iter",
            RunStatus::Diverged => "diverged",
            RunStatus::NegativeObjective => "negative_objective",
        }
    }
}
