//! State evolution (SE) of AMP-RBM (paper 003 eq. (19), Theorem 3), its fixed points
//! (Theorem 4, Corollary 1), the uninformative point with its weak-recovery threshold
//! (D-4), the replicon test (D-5), and the linearised SE behind the BBP claim
//! (eqs. (21)–(22)). Spikes and latent variables are Rademacher (`E v*² = E u*² = 1`),
//! hidden units Rademacher (the paper's experiments, Appendix F.1: `φ = log cosh`,
//! `f(u) = tanh y` with `y = u + C tanh y`, eqs. (135)–(136)).
//!
//! # SE recursion (eq. (19))
//! `M_u = C_t M_v Λ^{1/2}`, `Σ_u = C_t (M_v M_vᵀ + Σ_v) C_t`, `u = M_u u* + Σ_u^{1/2} G`,
//! `M_v' = α E[f(u) u*ᵀ] Λ^{1/2}`, `Σ_v' = α E[f fᵀ]`, `B_t = α E[∂f]`,
//! `C_t = (αΓ_t − B_{t−1})^{-1}` (or frozen), `Γ_{t+1} = (1−θ)Γ_t + θΓ(Σ_u)`.
//! Predicted overlap (eq. (137)): `m_ab = (C M_v)_ab / √(Σ_u)_aa`.
//!
//! # k = 1 expectations
//! With `f(u) = tanh y(u)` and `u = y − C tanh y`, the expectations over
//! `u ~ N(±M_u, Σ_u)` are integrated over `y` (exact change of variables, Jacobian
//! `1 − C sech² y > 0` for `C < 1`), so no prox has to be solved and the steep region of
//! `f` near `C → 1` is resolved: composite Gauss–Legendre (order 10, panels of width
//! `≤ min(¼, ½√Σ_u)`) over the `y`-image of `±M_u ± 10√Σ_u`. `f'(u) = H/(1 − CH)`,
//! `H = sech² y`.
//!
//! # Fixed point for k = 1 (Theorem 4)
//! For `k = 1` Rademacher units `Γ ≡ 1`; the unknowns are `(C, M_v, Σ_v)` with
//! `M_v = α√λ E[f u*]`, `Σ_v = α E f²`, `C(α − B) = 1`. They are found by iterating the SE
//! from an informative start and polishing with Newton's method.
//!
//! # Weak recovery (derived in THEORY_003 §4.6, (D-4))
//! Linearising the SE in `M_v` around the uninformative point (`M = 0`, finite `Σ_u`, which
//! the maximiser of `L_eff` always has) gives `M_v' = λ B* C* M_v`, hence
//! `λ_c = 1/(B*C*) ≥ λ_BBP = α^{-1/2}` with equality only for linear `f`. Linearising instead
//! around `W = 0` (the paper's argument) gives linear denoisers and the PCA fixed point
//! ([`linearised_se_overlap`]).

use ndarray::Array2;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::amp::denoise_rows;
use super::hidden::{self, HiddenPrior};
use super::linalg;
use crate::error::{Error, Result, ensure};

/// Moments of the `k = 1` Rademacher denoiser under `u = M_u u* + √Σ_u G`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct K1Moments {
    /// `E f(u)²`.
    pub ef2: f64,
    /// `E f(u) u*`.
    pub efu: f64,
    /// `E f'(u)`.
    pub efp: f64,
    /// `E f'(u)²`.
    pub efp2: f64,
    /// Integral of the density (should be 1; a quadrature check).
    pub norm: f64,
}

const GL_ORDER: usize = 10;

/// `k = 1` Rademacher-hidden denoiser moments (eqs. (135)–(136)) by the `y`-grid
/// quadrature of the module docs.
///
/// Errors: `c ∉ (0, 1)`, `s_u <= 0`, non-finite inputs.
pub fn k1_moments(c: f64, m_u: f64, s_u: f64) -> Result<K1Moments> {
    ensure(c > 0.0 && c < 1.0, "C", c, "the k = 1 denoiser needs 0 < C < 1")?;
    ensure(s_u > 0.0, "sigma_u", s_u, "noise standard deviation must be > 0")?;
    ensure(m_u.is_finite(), "M_u", m_u, "must be finite")?;
    let gl = crate::quad::gauss_legendre(GL_ORDER)?;
    let m = m_u.abs();
    let lo = -m - 10.0 * s_u - c;
    let hi = m + 10.0 * s_u + c;
    let width = (0.25f64).min(0.5 * s_u);
    let panels = ((hi - lo) / width).ceil().max(1.0) as usize;
    let pw = (hi - lo) / panels as f64;
    let norm_c = 1.0 / (s_u * (2.0 * std::f64::consts::PI).sqrt());
    let (mut ef2, mut efu, mut efp, mut efp2, mut nrm) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for p in 0..panels {
        let centre = lo + pw * (p as f64 + 0.5);
        for (&x, &wgt) in gl.nodes.iter().zip(&gl.weights) {
            let y = centre + 0.5 * pw * x;
            let w = 0.5 * pw * wgt;
            let t = y.tanh();
            let h = 1.0 - t * t;
            let u = y - c * t;
            let jac = 1.0 - c * h;
            let zp = (u - m_u) / s_u;
            let zm = (u + m_u) / s_u;
            let pp = 0.5 * norm_c * (-0.5 * zp * zp).exp();
            let pm = 0.5 * norm_c * (-0.5 * zm * zm).exp();
            let dens = (pp + pm) * jac * w;
            ef2 += t * t * dens;
            efu += t * (pp - pm) * jac * w;
            let fp = h / jac;
            efp += fp * dens;
            efp2 += fp * fp * dens;
            nrm += dens;
        }
    }
    Ok(K1Moments { ef2, efu, efp, efp2, norm: nrm })
}

/// Denoiser-parameter schedule of an SE run (mirrors [`crate::p003::amp::AmpParams`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SeParams {
    /// `C_t = (αΓ_t − B̄_{t−1})^{-1}` with `B̄_{−1} = b_init`, `Γ^0 = gamma_init` (`None`:
    /// `Γ(0)`), and `Γ`, `B̄` damped by `theta` exactly as in AMP-RBM.
    Adaptive {
        /// `B_{−1}`, `k × k`.
        b_init: Array2<f64>,
        /// `Γ^0`, `k × k`.
        gamma_init: Option<Array2<f64>>,
        /// Damping `θ ∈ (0, 1]`.
        theta: f64,
    },
    /// `C_t ≡ c`.
    Frozen {
        /// The frozen `C`, `k × k`.
        c: Array2<f64>,
    },
}

/// One SE step for `k = r = 1` (values at iteration `t`, matching
/// [`crate::p003::amp::AmpIterate`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeK1State {
    /// Iteration `t`.
    pub iter: usize,
    /// `M_v^t`.
    pub m_v: f64,
    /// `Σ_v^t`.
    pub sigma_v: f64,
    /// `C_t`.
    pub c: f64,
    /// `M_u^t = C_t √λ M_v^t`.
    pub m_u: f64,
    /// `Σ_u^t = C_t² (M_v² + Σ_v)`, the predicted `Q^t`.
    pub sigma_u: f64,
    /// `B_t = α E f'`.
    pub b: f64,
    /// Predicted overlap (eq. (137)) `C M_v/√Σ_u`.
    pub overlap: f64,
    /// Replicon factor `α C² E f'²` at this step ((D-5)).
    pub replicon: f64,
}

fn check_alpha_lambda(alpha: f64, lambda: f64) -> Result<()> {
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio n/d must be > 0")?;
    ensure(lambda >= 0.0, "lambda", lambda, "signal-to-noise ratio must be >= 0")
}

/// SE trajectory of AMP-RBM for `k = r = 1`, Rademacher hidden units (eq. (19)), from
/// `(M_v^0, Σ_v^0)`, for `iters` iterations.
///
/// Errors: `α <= 0`, `λ < 0`, `Σ_v^0 < 0`, wrong parameter shapes, and
/// [`Error::InvalidParameter`] naming `C` when `C_t` leaves `(0, 1)` (the SE analogue of a
/// diverging AMP run).
pub fn se_k1_trajectory(
    alpha: f64,
    lambda: f64,
    m_v0: f64,
    sigma_v0: f64,
    params: &SeParams,
    iters: usize,
) -> Result<Vec<SeK1State>> {
    check_alpha_lambda(alpha, lambda)?;
    ensure(sigma_v0 >= 0.0, "sigma_v0", sigma_v0, "variance must be >= 0")?;
    let sl = lambda.sqrt();
    let (mut b_prev, mut gam, theta, frozen) = match params {
        SeParams::Adaptive { b_init, gamma_init, theta } => {
            ensure(b_init.dim() == (1, 1), "b_init", b_init.len() as f64, "must be 1 × 1")?;
            ensure(*theta > 0.0 && *theta <= 1.0, "theta", *theta, "must be in (0, 1]")?;
            (b_init[[0, 0]], gamma_init.as_ref().map_or(1.0, |g| g[[0, 0]]), *theta, None)
        }
        SeParams::Frozen { c } => {
            ensure(c.dim() == (1, 1), "c", c.len() as f64, "must be 1 × 1")?;
            (0.0, 1.0, 1.0, Some(c[[0, 0]]))
        }
    };
    let (mut m_v, mut s_v) = (m_v0, sigma_v0);
    let mut out = Vec::with_capacity(iters);
    for t in 0..iters {
        let c = frozen.unwrap_or(1.0 / (alpha * gam - b_prev));
        ensure(c > 0.0 && c < 1.0, "C", c, "C_t left (0, 1): the SE (and AMP) diverges")?;
        let m_u = c * sl * m_v;
        let sigma_u = c * c * (m_v * m_v + s_v);
        let mo = k1_moments(c, m_u, sigma_u.sqrt())?;
        let b = alpha * mo.efp;
        out.push(SeK1State {
            iter: t,
            m_v,
            sigma_v: s_v,
            c,
            m_u,
            sigma_u,
            b,
            overlap: c * m_v / sigma_u.sqrt(),
            replicon: alpha * c * c * mo.efp2,
        });
        m_v = alpha * sl * mo.efu;
        s_v = alpha * mo.ef2;
        gam = (1.0 - theta) * gam + theta * 1.0; // Γ ≡ 1 for one Rademacher unit.
        b_prev = (1.0 - theta) * b_prev + theta * b;
    }
    Ok(out)
}

/// A fixed point of the `k = 1` SE (Theorem 4), with its replicon factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct K1FixedPoint {
    /// `α`.
    pub alpha: f64,
    /// `λ`.
    pub lambda: f64,
    /// `C*`.
    pub c: f64,
    /// `B* = α E f'`.
    pub b: f64,
    /// `M_v*`.
    pub m_v: f64,
    /// `Σ_v*`.
    pub sigma_v: f64,
    /// `M_u*`.
    pub m_u: f64,
    /// `Σ_u* = q*`, the predicted `Q = WᵀW/d`.
    pub q: f64,
    /// Predicted overlap `C M_v/√Σ_u` (eq. (137)).
    pub overlap: f64,
    /// Replicon factor `AT = α C² E f'²`; the RS prediction and AMP convergence need `AT < 1`.
    pub replicon: f64,
    /// Residual `|C(α − B) − 1|` of the outer equation.
    pub residual: f64,
}

impl K1FixedPoint {
    /// Whether the replicon (dAT) test passes (`AT < 1`, Assumption 6).
    pub fn replicon_stable(&self) -> bool {
        self.replicon < 1.0
    }
    /// Weak-recovery factor `λ B* C*` of (D-4) (< 1: `M = 0` is SE-stable).
    pub fn lambda_bc(&self) -> f64 {
        self.lambda * self.b * self.c
    }
}

/// Residual of the `k = 1` fixed-point equations in the unknowns `x = (C, M_v, Σ_v)`:
/// `(α√λ E[f u*] − M_v, α E f² − Σ_v, C(α − α E f') − 1)` (Theorem 4 with `Γ = 1`).
fn residual(alpha: f64, lambda: f64, x: &[f64; 3]) -> Result<([f64; 3], K1Moments)> {
    let [c, m_v, s_v] = *x;
    let sl = lambda.sqrt();
    let mo = k1_moments(c, c * sl * m_v, (c * c * (m_v * m_v + s_v)).sqrt())?;
    Ok(([alpha * sl * mo.efu - m_v, alpha * mo.ef2 - s_v, c * alpha * (1.0 - mo.efp) - 1.0], mo))
}

fn in_domain(x: &[f64; 3]) -> bool {
    x[0] > 0.0 && x[0] < 1.0 && x[2] > 0.0 && x.iter().all(|v| v.is_finite())
}

fn rnorm(r: &[f64; 3]) -> f64 {
    r.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Newton polish of the fixed-point equations (finite-difference Jacobian, backtracking
/// inside the domain `0 < C < 1`, `Σ_v > 0`). `fix_m` keeps `M_v = 0` (uninformative point).
fn newton(alpha: f64, lambda: f64, mut x: [f64; 3], fix_m: bool) -> Option<([f64; 3], f64)> {
    let mut r = residual(alpha, lambda, &x).ok()?.0;
    for _ in 0..60 {
        let nr = rnorm(&r);
        if nr < 1e-13 {
            return Some((x, nr));
        }
        let mut jac = [0.0; 9];
        for j in 0..3 {
            let h = 1e-7 * x[j].abs().max(1e-2);
            let mut xp = x;
            xp[j] += h;
            let mut xm = x;
            xm[j] -= h;
            if !in_domain(&xm) || !in_domain(&xp) {
                return None;
            }
            let rp = residual(alpha, lambda, &xp).ok()?.0;
            let rm = residual(alpha, lambda, &xm).ok()?.0;
            for i in 0..3 {
                jac[i * 3 + j] = (rp[i] - rm[i]) / (2.0 * h);
            }
        }
        let mut rhs = r;
        if fix_m {
            // Remove the M_v row/column: M_v stays 0 and its equation holds by symmetry.
            for j in 0..3 {
                jac[3 + j] = if j == 1 { 1.0 } else { 0.0 };
                jac[j * 3 + 1] = if j == 1 { 1.0 } else { 0.0 };
            }
            rhs[1] = 0.0;
        }
        if !linalg::solve_in_place(&mut jac, &mut rhs, 3) {
            return None;
        }
        let mut step = 1.0;
        let mut moved = false;
        for _ in 0..40 {
            let xt = [x[0] - step * rhs[0], x[1] - step * rhs[1], x[2] - step * rhs[2]];
            if in_domain(&xt)
                && let Ok((rt, _)) = residual(alpha, lambda, &xt)
                && rnorm(&rt) < nr
            {
                x = xt;
                r = rt;
                moved = true;
                break;
            }
            step *= 0.5;
        }
        if !moved {
            let nr = rnorm(&r);
            return (nr < 1e-10).then_some((x, nr));
        }
    }
    let nr = rnorm(&r);
    (nr < 1e-10).then_some((x, nr))
}

fn make_fixed_point(alpha: f64, lambda: f64, x: [f64; 3]) -> Result<K1FixedPoint> {
    let (r, mo) = residual(alpha, lambda, &x)?;
    let [c, m_v, s_v] = x;
    let sigma_u = c * c * (m_v * m_v + s_v);
    Ok(K1FixedPoint {
        alpha,
        lambda,
        c,
        b: alpha * mo.efp,
        m_v,
        sigma_v: s_v,
        m_u: c * lambda.sqrt() * m_v,
        q: sigma_u,
        overlap: c * m_v / sigma_u.sqrt(),
        replicon: alpha * c * c * mo.efp2,
        residual: rnorm(&r),
    })
}

/// Runs the adaptive SE map (the iteration AMP-RBM follows) from `x0` for `iters` steps;
/// returns the last state inside the domain.
fn se_iterate(alpha: f64, lambda: f64, x0: [f64; 3], iters: usize) -> [f64; 3] {
    let mut x = x0;
    for _ in 0..iters {
        let Ok((r, _)) = residual(alpha, lambda, &x) else { break };
        let [c, m_v, s_v] = x;
        let b = alpha - (r[2] + 1.0) / c; // α E f'
        let next = [1.0 / (alpha - b), m_v + r[0], s_v + r[1]];
        if !in_domain(&next) {
            break;
        }
        x = next;
    }
    x
}

/// Informative fixed point of the `k = r = 1` SE (Theorem 4) for Rademacher hidden units,
/// spikes and latents, with its replicon factor: the asymptotic overlap of the AMP-RBM
/// fixed point and of the RBM stationary point it describes (THEORY_003 §4.5, §4.8).
///
/// Method: the adaptive SE map is iterated from an informative start
/// (`M_v = α√λ`, `Σ_v = α`, `C = 0.7`), then the three fixed-point equations in
/// `(C, M_v, Σ_v)` are solved by Newton's method (residual `< 1e-10`). A scan of starting
/// `C` values is used when the first attempt fails.
///
/// Returns `Ok(None)` when no informative solution with `0 < C < 1` is found (e.g. `α = 2`,
/// `λ < 0.949`). Errors: `α <= 0`, `λ < 0`.
pub fn se_k1_fixed_point(alpha: f64, lambda: f64) -> Result<Option<K1FixedPoint>> {
    check_alpha_lambda(alpha, lambda)?;
    let m0 = alpha * lambda.sqrt();
    for c0 in [0.7, 0.5, 0.85, 0.3, 0.95, 0.15, 0.99] {
        let x0 = se_iterate(alpha, lambda, [c0, m0, alpha], 200);
        for start in [x0, [c0, m0, alpha]] {
            if let Some((x, _)) = newton(alpha, lambda, start, false) {
                let fp = make_fixed_point(alpha, lambda, x)?;
                if fp.overlap > 1e-6 {
                    return Ok(Some(fp));
                }
            }
        }
    }
    Ok(None)
}

/// Uninformative fixed point of the `k = 1` SE and its weak-recovery threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uninformative {
    /// `α`.
    pub alpha: f64,
    /// `C*`.
    pub c: f64,
    /// `q* = Σ_u*`.
    pub q: f64,
    /// `B*`.
    pub b: f64,
    /// `λ_c = 1/(B*C*)` of (D-4): `M = 0` is SE-unstable above it.
    pub lambda_c: f64,
    /// Replicon factor at this point.
    pub replicon: f64,
}

/// Uninformative fixed point (`M_v = 0`, finite `Σ_u`) of the `k = 1` Rademacher SE and
/// `λ_c = 1/(B*C*)` of THEORY_003 (D-4) (derived there; not in the paper). `Ok(None)` when
/// no such point with `0 < C < 1` exists (e.g. `α = 2`).
///
/// Errors: `α <= 0`.
pub fn se_k1_uninformative(alpha: f64) -> Result<Option<Uninformative>> {
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio n/d must be > 0")?;
    for c0 in [0.7, 0.5, 0.9, 0.3, 0.97, 0.1] {
        let x0 = se_iterate(alpha, 0.0, [c0, 0.0, alpha], 200);
        for start in [x0, [c0, 0.0, alpha]] {
            if let Some((x, _)) = newton(alpha, 0.0, start, true) {
                let f = make_fixed_point(alpha, 0.0, x)?;
                return Ok(Some(Uninformative {
                    alpha,
                    c: f.c,
                    q: f.q,
                    b: f.b,
                    lambda_c: 1.0 / (f.b * f.c),
                    replicon: f.replicon,
                }));
            }
        }
    }
    Ok(None)
}

/// SE of the linearised AMP-RBM around `W = 0` (paper 003 eq. (21), `k = r = 1`): with
/// linear denoisers only the signal-to-noise ratios matter,
/// `ρ_u = λρ_v/(1 + ρ_v)`, `ρ_v' = αλρ_u/(1 + ρ_u)`; returns the overlap
/// `√(ρ_v/(1 + ρ_v))` after `iters` steps from `ρ_v^0`. Its fixed point is the PCA overlap
/// above `λ = α^{-1/2}` and 0 below (eq. (22)).
///
/// Errors: `α <= 0`, `λ < 0`, `ρ_v^0 < 0`.
pub fn linearised_se_overlap(alpha: f64, lambda: f64, rho_v0: f64, iters: usize) -> Result<f64> {
    check_alpha_lambda(alpha, lambda)?;
    ensure(rho_v0 >= 0.0, "rho_v0", rho_v0, "must be >= 0")?;
    let mut rho = rho_v0;
    for _ in 0..iters {
        let ru = lambda * rho / (1.0 + rho);
        rho = alpha * lambda * ru / (1.0 + ru);
    }
    Ok((rho / (1.0 + rho)).sqrt())
}

/// Growth factor per iteration of a small overlap under the linearised SE around `W = 0`:
/// `√α λ` (eq. (22): `M = 0` is stable iff `√α λ_max < 1`).
pub fn bbp_growth_factor(alpha: f64, lambda: f64) -> Result<f64> {
    check_alpha_lambda(alpha, lambda)?;
    Ok(alpha.sqrt() * lambda)
}

/// Asymptotic overlaps of the Corollary-1 stationary point: unit `a < min(k, r)` aligned
/// with spike `a` at the `k = 1` fixed-point overlap for `λ_a`, the remaining units at
/// zero (paper 003 Corollary 1; separable symmetric priors). `None` entries mean no
/// informative rank-1 branch at that SNR (overlap 0 reported as `None`).
///
/// Errors: `α <= 0`, negative SNRs, `k = 0`.
pub fn corollary1_overlaps(alpha: f64, lambdas: &[f64], k: usize) -> Result<Vec<Option<f64>>> {
    ensure(k > 0, "k", 0.0, "need at least one hidden unit")?;
    let mut out = Vec::with_capacity(k);
    for a in 0..k {
        if a < lambdas.len() {
            out.push(se_k1_fixed_point(alpha, lambdas[a])?.map(|f| f.overlap));
        } else {
            out.push(Some(0.0));
        }
    }
    Ok(out)
}

/// One step of the general-`k` SE.
#[derive(Debug, Clone, PartialEq)]
pub struct SeState {
    /// Iteration `t`.
    pub iter: usize,
    /// `M_v^t`, `k × r`.
    pub m_v: Array2<f64>,
    /// `Σ_v^t`, `k × k`.
    pub sigma_v: Array2<f64>,
    /// `C_t`.
    pub c: Array2<f64>,
    /// `Σ_u^t` (predicted `Q^t`).
    pub sigma_u: Array2<f64>,
    /// `B_t`.
    pub b: Array2<f64>,
    /// Predicted overlaps `|(C M_v)_ab|/√(Σ_u)_aa` (eq. (137)), `k × r`.
    pub overlap: Array2<f64>,
}

/// General-`k` SE of AMP-RBM (eq. (19)) for separable hidden priors with bounded `∇φ`
/// (Rademacher or Bernoulli) and Rademacher spikes/latents with SNRs `lambdas` (`r` of
/// them). The `k`-dimensional expectations are Monte-Carlo averages over `n_mc` fixed draws
/// of `(u*, G)` (common random numbers across iterations, seeded), using the same prox and
/// Onsager code as AMP-RBM.
///
/// Errors: `α <= 0`, negative SNRs, shape mismatches, Gaussian hidden prior,
/// `n_mc < 100`, or `C_t` leaving `0 ≺ C ≺ I/sup φ''` (named `C`).
#[allow(clippy::too_many_arguments)]
pub fn se_trajectory(
    alpha: f64,
    lambdas: &[f64],
    prior: HiddenPrior,
    m_v0: &Array2<f64>,
    sigma_v0: &Array2<f64>,
    params: &SeParams,
    iters: usize,
    n_mc: usize,
    seed: u64,
) -> Result<Vec<SeState>> {
    ensure(alpha > 0.0, "alpha", alpha, "sample ratio n/d must be > 0")?;
    ensure(prior != HiddenPrior::Gaussian, "prior", 0.0, "general-k SE needs a bounded denoiser (not Gaussian units)")?;
    ensure(n_mc >= 100, "n_mc", n_mc as f64, "need at least 100 Monte-Carlo draws")?;
    let (k, r) = m_v0.dim();
    hidden::check_k(prior, k)?;
    ensure(r == lambdas.len(), "m_v0", r as f64, "M_v must be k × r with r = number of SNRs")?;
    ensure(sigma_v0.dim() == (k, k), "sigma_v0", sigma_v0.len() as f64, "Σ_v must be k × k")?;
    for &l in lambdas {
        ensure(l >= 0.0, "lambda", l, "signal-to-noise ratio must be >= 0")?;
    }
    let sl: Vec<f64> = lambdas.iter().map(|l| l.sqrt()).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let ustar = Array2::from_shape_fn((n_mc, r), |_| {
        let z: f64 = StandardNormal.sample(&mut rng);
        if z > 0.0 { 1.0 } else { -1.0 }
    });
    let g = Array2::from_shape_fn((n_mc, k), |_| StandardNormal.sample(&mut rng));
    let (mut b_prev, mut gam, theta, frozen) = match params {
        SeParams::Adaptive { b_init, gamma_init, theta } => {
            ensure(b_init.dim() == (k, k), "b_init", b_init.len() as f64, "must be k × k")?;
            ensure(*theta > 0.0 && *theta <= 1.0, "theta", *theta, "must be in (0, 1]")?;
            let g0 = match gamma_init {
                Some(g) => g.clone(),
                None => hidden::gamma(prior, &Array2::zeros((k, k)))?,
            };
            (b_init.clone(), g0, *theta, None)
        }
        SeParams::Frozen { c } => {
            ensure(c.dim() == (k, k), "c", c.len() as f64, "must be k × k")?;
            (Array2::zeros((k, k)), Array2::zeros((k, k)), 1.0, Some(c.clone()))
        }
    };
    let mut m_v = m_v0.clone();
    let mut s_v = sigma_v0.clone();
    let mut f = Array2::<f64>::zeros((n_mc, k));
    let mut out = Vec::with_capacity(iters);
    for t in 0..iters {
        let c = match &frozen {
            Some(c) => c.clone(),
            None => {
                let m = &gam * alpha - &b_prev;
                let flat: Vec<f64> = m.iter().cloned().collect();
                let inv = linalg::inverse(&flat, k).ok_or(Error::InvalidParameter {
                    name: "C",
                    value: f64::NAN,
                    reason: "αΓ − B is singular: the SE (and AMP) diverges",
                })?;
                Array2::from_shape_vec((k, k), inv).expect("k × k")
            }
        };
        let cflat: Vec<f64> = c.iter().cloned().collect();
        let (ev, _) = linalg::sym_eigen(&cflat, k);
        let lo = ev.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = ev.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        ensure(
            lo > 0.0 && hi * prior.max_curvature() < 1.0,
            "C",
            if lo <= 0.0 { lo } else { hi },
            "C_t left the feasible region: the SE (and AMP) diverges",
        )?;
        let mut lam_half_m = m_v.clone();
        for b in 0..r {
            lam_half_m.column_mut(b).mapv_inplace(|v| v * sl[b]);
        }
        let m_u = c.dot(&lam_half_m);
        let sigma_u = c.dot(&(m_v.dot(&m_v.t()) + &s_v)).dot(&c);
        let su_flat: Vec<f64> = sigma_u.iter().cloned().collect();
        let root = Array2::from_shape_vec((k, k), linalg::sym_sqrt(&su_flat, k)).expect("k × k");
        let u = ustar.dot(&m_u.t()) + g.dot(&root);
        let (bsum, maxres) = denoise_rows(prior, &u, &cflat, &mut f);
        if !(maxres < 1e-8) {
            return Err(Error::NotConverged { solver: "SE prox", iterations: 80, residual: maxres });
        }
        let b = Array2::from_shape_vec((k, k), bsum).expect("k × k") * (alpha / n_mc as f64);
        let cm = c.dot(&m_v);
        let overlap = Array2::from_shape_fn((k, r), |(a, bb)| cm[[a, bb]].abs() / sigma_u[[a, a]].sqrt());
        out.push(SeState {
            iter: t,
            m_v: m_v.clone(),
            sigma_v: s_v.clone(),
            c: c.clone(),
            sigma_u: sigma_u.clone(),
            b: b.clone(),
            overlap,
        });
        let mut mv_new = f.t().dot(&ustar) * (alpha / n_mc as f64);
        for bb in 0..r {
            mv_new.column_mut(bb).mapv_inplace(|v| v * sl[bb]);
        }
        m_v = mv_new;
        s_v = f.t().dot(&f) * (alpha / n_mc as f64);
        if frozen.is_none() {
            let gq = hidden::gamma(prior, &sigma_u)?;
            gam = &gam * (1.0 - theta) + &(gq * theta);
            b_prev = &b_prev * (1.0 - theta) + &(b * theta);
        }
    }
    Ok(out)
}
