//! Discrete-time DMFT of full-batch gradient descent on the effective objective (paper 003
//! Theorem 5, eqs. (25)–(30), memory kernels (77)–(80)), for `k = r = 1`, as reconstructed
//! and derived in THEORY_003 §5 (the paper's notation is lost, ambiguity A5).
//!
//! GD: `w^{t+1} = w^t + η (Aᵀ∇φ(Aw^t) − α w^t Γ(q_t))`. Single-site processes:
//! * weights: `w^t = φ_t σ₀ g + ψ_t v* + Σ_{s=1}^t R(t,s) ξ^s` with deterministic
//!   `φ_{t+1} = (1 − ηαΓ_t)φ_t + η Σ_{r≤t} b_{t,r} φ_r`,
//!   `ψ_{t+1} = (1 − ηαΓ_t)ψ_t + η(Σ_{r≤t} b_{t,r} ψ_r + α√λ p_t)`,
//!   `R(t+1,s) = (1 − ηαΓ_t)R(t,s) + η(δ_{t+1,s} + Σ_{r≤t} b_{t,r} R(r,s))`,
//!   response `a_{t,s} = R(t, s+1)`;
//! * samples: `y^t = ζ^t + Σ_{s<t} a_{t,s} f^s + m_t √λ u*`, `f^t = ∇φ(y^t)`, with `ζ` a
//!   centred Gaussian process of covariance `C_w(t,s) = E[w^t w^s]`
//!   `= σ₀²φ_tφ_s + ψ_tψ_s + Σ_{r,r'} R(t,r)R(s,r') C_f(r−1,r'−1)`, `C_f(t,s) = α E[f^t f^s]`;
//! * `m_t = ψ_t`, `p_t = E[f^t u*]`, `q_t = C_w(t,t)`, `Γ_t = Γ(q_t)`,
//!   `b_{t,s} = α E[∂f^t/∂ζ^s]` with (80)
//!   `∂f^t/∂ζ^s = φ''(y^t)(δ_{ts} + Σ_{r=s}^{t−1} a_{t,r} ∂f^r/∂ζ^s)`.
//!
//! The sample process is integrated by Monte Carlo over `N` particles (`ζ` drawn through a
//! growing Cholesky factor of `C_w`, whose rows are prefix-stable), in fixed blocks with
//! streams derived from `(seed, block)`. Cost `O(N T³/3)` time; the per-particle derivative
//! table `∂f^r/∂ζ^s` (`O(N T²/2)` entries) is stored in `f32` to halve its memory: its
//! rounding (`~1e-7` relative) is far below the Monte-Carlo error (`~N^{-1/2}`).
//!
//! The predicted per-sample objective is `E φ(y^t) − F(q_t)`, since `y^t` is the law of
//! `(AW^t)_μ`.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::hidden::{self, HiddenPrior};
use crate::error::{Error, Result, ensure};

/// Settings of the DMFT integration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DmftConfig {
    /// Sample ratio `α`.
    pub alpha: f64,
    /// Spike SNR `λ`.
    pub lambda: f64,
    /// GD step `η`.
    pub eta: f64,
    /// Number of GD steps `T`.
    pub steps: usize,
    /// Initial signal coefficient `m₀` (`w^0 = m₀ v* + σ₀ g`).
    pub m0: f64,
    /// Initial noise coefficient `σ₀`.
    pub s0: f64,
    /// Hidden prior (Rademacher or Gaussian).
    pub hidden: HiddenPrior,
    /// Monte-Carlo particles `N`.
    pub particles: usize,
    /// Seed.
    pub seed: u64,
}

/// DMFT prediction at one GD step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DmftPoint {
    /// Step `t`.
    pub t: usize,
    /// `m_t = lim W^{tᵀ}V/d`.
    pub m: f64,
    /// `q_t = lim Q^t`.
    pub q: f64,
    /// Overlap `m_t/√q_t`.
    pub overlap: f64,
    /// Predicted `L_eff/n = E φ(y^t) − F(q_t)`.
    pub objective: f64,
}

const BLOCK: usize = 1024;

struct Particles {
    g: Vec<f64>,  // len × (T+1) standard normals
    us: Vec<f64>, // u*
    f: Vec<f64>,  // len × (T+1) f^t
    j: Vec<f32>,  // len × tri(T+1): ∂f^r/∂ζ^s at index r(r+1)/2 + s
    len: usize,
}

fn tri(r: usize) -> usize {
    r * (r + 1) / 2
}

/// Integrates the DMFT of GD (paper 003 Theorem 5, `k = r = 1`) for `steps` steps and
/// returns `steps + 1` points (`t = 0..=steps`).
///
/// Errors: `α <= 0`, `λ < 0`, `η <= 0`, `σ₀ <= 0`, fewer than 1000 particles, Bernoulli
/// hidden units (not symmetric), a non-positive-definite `C_w` beyond rounding, or
/// [`Error::NonFinite`] when GD diverges (`η` too large).
pub fn dmft_gd_k1(cfg: &DmftConfig) -> Result<Vec<DmftPoint>> {
    let DmftConfig { alpha, lambda, eta, steps, m0, s0, hidden: prior, particles, seed } = *cfg;
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio n/d must be > 0")?;
    ensure(lambda >= 0.0, "lambda", lambda, "signal-to-noise ratio must be >= 0")?;
    ensure(eta > 0.0, "eta", eta, "step size must be > 0")?;
    ensure(s0 > 0.0, "s0", s0, "initial noise must be > 0")?;
    ensure(m0.is_finite(), "m0", m0, "must be finite")?;
    ensure(particles >= 1000, "particles", particles as f64, "need at least 1000 particles")?;
    ensure(prior.is_symmetric(), "hidden", 0.0, "DMFT implemented for symmetric hidden priors")?;
    let tt = steps + 1; // times 0..=steps
    let sl = lambda.sqrt();
    let mut phi = vec![0.0; tt + 1];
    let mut psi = vec![0.0; tt + 1];
    let mut rr = vec![vec![0.0; tt + 1]; tt + 1]; // R(t, s), s ≥ 1
    let mut cf = vec![vec![0.0; tt]; tt];
    let mut cw = vec![vec![0.0; tt]; tt];
    let mut l = vec![vec![0.0; tt]; tt]; // Cholesky of C_w
    let mut a = vec![vec![0.0; tt]; tt]; // a[t][s] = R(t, s+1)
    let mut bk = vec![vec![0.0; tt]; tt];
    phi[0] = 1.0;
    psi[0] = m0;
    let nblocks = particles.div_ceil(BLOCK);
    let mut blocks: Vec<Particles> = (0..nblocks)
        .into_par_iter()
        .map(|bi| {
            let len = BLOCK.min(particles - bi * BLOCK);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ (bi as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let us: Vec<f64> = (0..len)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    if z > 0.0 { 1.0 } else { -1.0 }
                })
                .collect();
            let g: Vec<f64> = (0..len * tt).map(|_| StandardNormal.sample(&mut rng)).collect();
            Particles { g, us, f: vec![0.0; len * tt], j: vec![0.0; len * tri(tt)], len }
        })
        .collect();
    let mut out = Vec::with_capacity(tt);
    for t in 0..tt {
        // Covariance row C_w(t, s), s ≤ t.
        let rc: Vec<f64> = (0..t).map(|r2| (1..=t).map(|r1| rr[t][r1] * cf[r1 - 1][r2]).sum()).collect();
        for s in 0..=t {
            let mut v = s0 * s0 * phi[t] * phi[s] + psi[t] * psi[s];
            for r2 in 1..=s {
                v += rc[r2 - 1] * rr[s][r2];
            }
            cw[t][s] = v;
            cw[s][t] = v;
        }
        // Cholesky row t.
        for s in 0..=t {
            let mut v = cw[t][s];
            for p in 0..s {
                v -= l[t][p] * l[s][p];
            }
            if s < t {
                l[t][s] = if l[s][s] > 0.0 { v / l[s][s] } else { 0.0 };
            } else {
                // C_w = ΦΦᵀ + ΨΨᵀ + R C_f Rᵀ is PSD exactly (C_f is an empirical Gram
                // matrix); negative pivots come from rounding once w^t has converged and
                // C_w is near-singular.
                if v < -1e-6 * cw[t][t].abs().max(1e-300) {
                    return Err(Error::InvalidParameter {
                        name: "C_w",
                        value: v,
                        reason: "DMFT covariance not positive semi-definite",
                    });
                }
                // Pivots below 1e-10 · q_t are innovations lost in rounding: they are set to
                // zero (the direction is degenerate) instead of amplifying rounding errors
                // in later rows through a division by a tiny pivot.
                l[t][t] = if v > 1e-10 * cw[t][t].abs() { v.sqrt() } else { 0.0 };
            }
        }
        let qt = cw[t][t];
        if !qt.is_finite() || qt > 1e12 {
            return Err(Error::NonFinite("DMFT weight covariance (GD diverges: reduce eta)"));
        }
        let gam_t = hidden::gamma(prior, &ndarray::arr2(&[[qt]]))?[[0, 0]];
        let f_reg = hidden::f_reg(prior, &ndarray::arr2(&[[qt]]))?;
        let m_t = psi[t];
        let lt = &l[t];
        let at = &a[t];
        // Particle step: sums of f u*, f f^s (s ≤ t), ∂f^t/∂ζ^s (s ≤ t), φ(y).
        let partial: Vec<Vec<f64>> = blocks
            .par_iter_mut()
            .map(|p| {
                let mut acc = vec![0.0; 2 + 2 * (t + 1)];
                let mut dy = vec![0.0; t + 1];
                for i in 0..p.len {
                    let gi = &p.g[i * tt..(i + 1) * tt];
                    let zeta: f64 = (0..=t).map(|s| lt[s] * gi[s]).sum();
                    let fi = &p.f[i * tt..(i + 1) * tt];
                    let mem: f64 = (0..t).map(|s| at[s] * fi[s]).sum();
                    let y = zeta + mem + m_t * sl * p.us[i];
                    let f = prior.dphi1(y);
                    let h = prior.d2phi1(y);
                    let ji = &mut p.j[i * tri(tt)..(i + 1) * tri(tt)];
                    // dy^t/dζ^s = δ_ts + Σ_{r=s}^{t−1} a_{t,r} ∂f^r/∂ζ^s.
                    for s in 0..=t {
                        let mut v = if s == t { 1.0 } else { 0.0 };
                        for r in s..t {
                            v += at[r] * ji[tri(r) + s] as f64;
                        }
                        dy[s] = v;
                    }
                    for s in 0..=t {
                        let d = h * dy[s];
                        ji[tri(t) + s] = d as f32;
                        acc[2 + (t + 1) + s] += d;
                    }
                    p.f[i * tt + t] = f;
                    let fi = &p.f[i * tt..(i + 1) * tt];
                    acc[0] += f * p.us[i];
                    acc[1] += prior.phi1(y);
                    for s in 0..=t {
                        acc[2 + s] += f * fi[s];
                    }
                }
                acc
            })
            .collect();
        let mut acc = vec![0.0; 2 + 2 * (t + 1)];
        for pa in partial {
            acc.iter_mut().zip(&pa).for_each(|(x, y)| *x += y);
        }
        let nn = particles as f64;
        let p_t = acc[0] / nn;
        for s in 0..=t {
            let v = alpha * acc[2 + s] / nn;
            cf[t][s] = v;
            cf[s][t] = v;
            bk[t][s] = alpha * acc[2 + (t + 1) + s] / nn;
        }
        let objective = acc[1] / nn - f_reg;
        out.push(DmftPoint { t, m: m_t, q: qt, overlap: if qt > 0.0 { m_t / qt.sqrt() } else { 0.0 }, objective });
        if t + 1 == tt {
            break;
        }
        // Deterministic weight-process update.
        let decay = 1.0 - eta * alpha * gam_t;
        let bsum_phi: f64 = (0..=t).map(|r| bk[t][r] * phi[r]).sum();
        let bsum_psi: f64 = (0..=t).map(|r| bk[t][r] * psi[r]).sum();
        phi[t + 1] = decay * phi[t] + eta * bsum_phi;
        psi[t + 1] = decay * psi[t] + eta * (bsum_psi + alpha * sl * p_t);
        for s in 1..=t + 1 {
            let mut v = if s == t + 1 { 1.0 } else { 0.0 };
            for r in 0..=t {
                v += bk[t][r] * rr[r][s];
            }
            rr[t + 1][s] = decay * rr[t][s] + eta * v;
        }
        for s in 0..=t {
            a[t + 1][s] = rr[t + 1][s + 1];
        }
        let _ = &mut blocks;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p003::se::se_k1_fixed_point;

    /// Long horizon (80 steps, past the 60-step point where the near-singular `C_w` once
    /// produced negative Cholesky pivots): the integration must stay positive semi-definite
    /// and, GD having converged, its overlap and `q` must equal the SE fixed point of §4.5
    /// (Theorem 5 eq. (30): the `t → ∞` limit of the DMFT is the stationary point).
    /// Independent reference: the quadrature fixed point of `se`. Monte-Carlo error of the
    /// DMFT with 8000 particles: two particle sets differ by ≈ 0.004 in the overlap.
    #[test]
    fn long_horizon_dmft_reaches_the_se_fixed_point() {
        let fp = se_k1_fixed_point(2.0, 2.0).unwrap().unwrap();
        for seed in [1u64, 2] {
            let cfg = DmftConfig {
                alpha: 2.0,
                lambda: 2.0,
                eta: 0.2,
                steps: 80,
                m0: 0.3,
                s0: 1.0,
                hidden: HiddenPrior::Rademacher,
                particles: 8000,
                seed,
            };
            let pts = dmft_gd_k1(&cfg).unwrap();
            let last = pts[80];
            println!(
                "seed {seed}: DMFT t=80 overlap {:.4} q {:.4}; SE {:.4} q {:.4}",
                last.overlap, last.q, fp.overlap, fp.q
            );
            assert!((last.overlap - fp.overlap).abs() < 0.01);
            assert!((last.q - fp.q).abs() < 0.03 * fp.q);
            // Converged: the last 20 steps move by less than the Monte-Carlo error.
            assert!((pts[60].overlap - last.overlap).abs() < 0.01);
        }
    }
}
