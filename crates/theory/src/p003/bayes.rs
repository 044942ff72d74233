//! Bayes-optimal reference for the rank-1 Rademacher spiked covariance model
//! (Lesieur–Krzakala–Zdeborová 2017, ref. [43] of paper 003; THEORY_003 §6, (D-6)).
//!
//! In the normalisation `A = X/√d = (√λ/d) u* v*ᵀ + Z/√d`, Bayes-AMP with posterior-mean
//! denoisers has the Nishimori-line SE
//! `m_u^t = 𝓕(λ m_v^t)`, `m_v^{t+1} = 𝓕(αλ m_u^t)`, `𝓕(s) = E_Z tanh(s + √s Z)`,
//! started from `m_v = 1` (the maximal overlap; for Rademacher priors the transition is
//! continuous at `αλ² = 1`, so this is the Bayes-optimal fixed point). The cosine overlap
//! comparable to the RBM overlap is `√m_v`.

use crate::error::{Result, ensure};
use crate::quad;

/// `𝓕(s) = E_{Z~N(0,1)} tanh(s + √s Z)` for `s >= 0` (the scalar Rademacher-channel
/// overlap function; quadrature accurate to ~1e-9).
///
/// Errors: `s < 0` or non-finite.
pub fn rademacher_channel(s: f64) -> Result<f64> {
    ensure(s >= 0.0, "s", s, "effective SNR must be >= 0")?;
    if s == 0.0 {
        return Ok(0.0);
    }
    let rule = quad::normal_rule_for_scale(s.sqrt(), quad::TANH_STRIP)?;
    Ok(rule.expect(|z| (s + s.sqrt() * z).tanh()))
}

/// `𝓕(s)` with a fixed composite rule (order-10 Gauss–Legendre panels of width 0.05 on
/// `[−8, 8]` against the normal density), accurate to ~1e-10 for `s ≤ 100` (the integrand
/// varies on the scale `1/√s ≥ 0.1`); used inside the SE iteration to avoid rebuilding rules.
struct Channel {
    rule: quad::Rule,
}

impl Channel {
    fn new() -> Result<Self> {
        Ok(Channel { rule: quad::normal_composite(8.0, 320, 10)? })
    }
    fn eval(&self, s: f64) -> Result<f64> {
        ensure(s >= 0.0, "s", s, "effective SNR must be >= 0")?;
        if s > 100.0 {
            return rademacher_channel(s);
        }
        let r = s.sqrt();
        Ok(self.rule.expect(|z| (s + r * z).tanh()))
    }
}

/// Fixed point of the Bayes-optimal SE (D-6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BayesFixedPoint {
    /// `m_v = E[v̂ v*]` (equal to `E v̂²`).
    pub m_v: f64,
    /// `m_u`.
    pub m_u: f64,
    /// Cosine overlap `√m_v` (the curve plotted beside the RBM overlaps).
    pub overlap: f64,
    /// Iterations used.
    pub iterations: usize,
    /// Whether `|Δm_v| < 1e-12` was reached.
    pub converged: bool,
}

/// Bayes-optimal overlap of the rank-1 Rademacher spiked covariance model at sample ratio
/// `α` and SNR `λ`, by iterating (D-6) from `m_v = 1` (THEORY_003 §6; zero below
/// `λ = α^{-1/2}`).
///
/// Errors: `α <= 0` or `λ < 0`.
pub fn bayes_rank1(alpha: f64, lambda: f64) -> Result<BayesFixedPoint> {
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio n/d must be > 0")?;
    ensure(lambda >= 0.0, "lambda", lambda, "signal-to-noise ratio must be >= 0")?;
    let traj = bayes_rank1_trajectory(alpha, lambda, 1.0, 20_000, 1e-12)?;
    let (m_v, m_u) = *traj.last().expect("non-empty");
    let iterations = traj.len() - 1;
    let converged = traj.len() >= 2 && (traj[traj.len() - 1].0 - traj[traj.len() - 2].0).abs() < 1e-12;
    Ok(BayesFixedPoint { m_v, m_u, overlap: m_v.max(0.0).sqrt(), iterations, converged })
}

/// Trajectory `(m_v^t, m_u^t)` of the Bayes-optimal SE (D-6) from `m_v^0`, stopping after
/// `max_iter` steps or when `|Δm_v| < tol`.
///
/// Errors: `α <= 0`, `λ < 0`, `m_v^0 ∉ [0, 1]`.
pub fn bayes_rank1_trajectory(
    alpha: f64,
    lambda: f64,
    m_v0: f64,
    max_iter: usize,
    tol: f64,
) -> Result<Vec<(f64, f64)>> {
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio n/d must be > 0")?;
    ensure(lambda >= 0.0, "lambda", lambda, "signal-to-noise ratio must be >= 0")?;
    ensure((0.0..=1.0).contains(&m_v0), "m_v0", m_v0, "overlap must be in [0, 1]")?;
    let ch = Channel::new()?;
    let mut m_v = m_v0;
    let mut out = Vec::new();
    for _ in 0..max_iter {
        let m_u = ch.eval(lambda * m_v)?;
        out.push((m_v, m_u));
        let next = ch.eval(alpha * lambda * m_u)?;
        let done = (next - m_v).abs() < tol;
        m_v = next;
        if done {
            break;
        }
    }
    let m_u = ch.eval(lambda * m_v)?;
    out.push((m_v, m_u));
    Ok(out)
}
