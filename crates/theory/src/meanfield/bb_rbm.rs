//! Binary–binary (±1) RBM whose `N_h = αN` hidden units share one weight vector,
//! learning Curie–Weiss data, in the thermodynamic limit (paper 001 App. B, eq. 11 and
//! Fig. 5). The [module root](super) derives the ODE, the hidden saddle point `τ`, the
//! exact early-phase solution and the closed-form fixed point.

use super::curie_weiss::cw_magnetisation;
use super::numerics::{RootTol, sech2, solve_bracketed, tanhc, tanhc_m1, tanhc_prime};
use crate::error::{Error, Result, ensure};
use crate::ode::{OdeOptions, integrate};

fn check_alpha(alpha: f64) -> Result<()> {
    ensure(alpha > 0.0, "alpha", alpha, "ratio N_h/N must be finite and > 0")
}

fn check_pattern(w0: &[f64], xi: &[f64]) -> Result<()> {
    ensure(!w0.is_empty(), "w0", 0.0, "need at least one weight")?;
    ensure(w0.len() == xi.len(), "xi", xi.len() as f64, "pattern length must equal the number of weights")?;
    if let Some(bad) = xi.iter().find(|x| **x != 1.0 && **x != -1.0) {
        return Err(Error::InvalidParameter { name: "xi", value: *bad, reason: "pattern entries must be +1 or -1" });
    }
    if let Some(bad) = w0.iter().find(|x| !x.is_finite()) {
        return Err(Error::InvalidParameter { name: "w0", value: *bad, reason: "weights must be finite" });
    }
    Ok(())
}

/// Hidden saddle point `τ ≥ 0` of the shared-weight BB-RBM: the non-zero root of
/// `τ = tanh((1/α)(1/N) Σ_j w_j tanh(w_j τ))` when `q/α > 1`, and `0` otherwise (paper 001 App. B,
/// "τ = tanh(N_h⁻¹ Σ_j w_j tanh(w_j τ))"). `tanh(φ(τ)/α)/τ` decreases strictly, so the
/// root is unique and bracketed in `[0, 1]`. Errors on empty or non-finite weights or
/// `α ≤ 0`.
pub fn bb_tau(w: &[f64], alpha: f64) -> Result<f64> {
    check_alpha(alpha)?;
    ensure(!w.is_empty(), "w", 0.0, "need at least one weight")?;
    if let Some(bad) = w.iter().find(|x| !x.is_finite()) {
        return Err(Error::InvalidParameter { name: "w", value: *bad, reason: "weights must be finite" });
    }
    tau_warm(w, alpha, 0.0)
}

pub(crate) fn tau_warm(w: &[f64], alpha: f64, t0: f64) -> Result<f64> {
    let nf = w.len() as f64;
    let q = w.iter().map(|x| x * x).sum::<f64>() / nf;
    if q <= alpha {
        return Ok(0.0);
    }
    let psi = |t: f64| {
        let (mut sm1, mut ds) = (q / alpha - 1.0, 0.0);
        for &x in w {
            let a = x.abs();
            sm1 += x * x * tanhc_m1(a * t) / (nf * alpha);
            ds += x * x * a * tanhc_prime(a * t) / (nf * alpha);
        }
        let s = 1.0 + sm1;
        let y = t * s;
        let val = sm1 + s * tanhc_m1(y);
        let der = ds * tanhc(y) + s * tanhc_prime(y) * (s + t * ds);
        (val, der)
    };
    let tol = RootTol { rtol: 1e-14, ..RootTol::default() };
    solve_bracketed(psi, 0.0, 1.0, t0, tol, "bb_tau")
}

/// Early-phase growth rate `m²/α` of `U_ξ = N^{-1/2}Σ ξ_i w_i` per unit ODE time (paper 001
/// App. B, "U_ξ(t) = U_ξ(0) exp(m² t/α)"). Per epoch at learning rate η with one full-batch
/// update per epoch it is `m²η/α` (Fig. 5 left: 0.0448, 0.0341, 0.0299 for β = 1.4 and
/// (η, α) = (0.03, 4/9), (0.04, 7/9), (0.05, 10/9)). Scale by the updates per epoch
/// otherwise.
pub fn bb_growth_rate(beta: f64, alpha: f64) -> Result<f64> {
    check_alpha(alpha)?;
    let m = cw_magnetisation(beta)?;
    Ok(m * m / alpha)
}

/// Exact early-phase solution (`τ = 0`, orthogonal components frozen) of the BB-RBM
/// projection `U_ξ = N^{-1/2} Σ ξ_i w_i`: `sinh(cU(t)) = sinh(cU(0)) e^{m²t/α}`, with
/// `c = m/(α√N)` (paper 001 App. B; the printed solution is garbled, re-derived in the
/// module root). Valid until `q` reaches `α` (see [`bb_transition_time`]). Overflow-safe for
/// large `t`. Errors for bad `β`, `α ≤ 0`, `n = 0`, or non-finite `u0`/`t`.
pub fn bb_early_projection(beta: f64, alpha: f64, n: usize, u0: f64, t: f64) -> Result<f64> {
    check_alpha(alpha)?;
    ensure(n >= 1, "n", n as f64, "need at least one visible unit")?;
    ensure(u0.is_finite(), "u0", u0, "must be finite")?;
    ensure(t.is_finite(), "t", t, "must be finite")?;
    let m = cw_magnetisation(beta)?;
    if m == 0.0 {
        return Ok(u0);
    }
    let c = m / (alpha * (n as f64).sqrt());
    let a = c * u0.abs();
    let k = m * m * t / alpha;
    let x = if a + k < 300.0 {
        (a.sinh() * k.exp()).asinh()
    } else {
        // asinh(X) = ln(2X) + O(X^-2) for the huge X reached here.
        a + (-(-2.0 * a).exp()).ln_1p() + k
    };
    Ok(u0.signum() * x / c)
}

/// Predicted end of the BB-RBM paramagnetic phase: the time at which `q = (1/N)Σw²` reaches
/// `α`, i.e. the top singular value `√(q/α)` of `J_{ia} = w_i/N_h` reaches 1 and `τ` turns on. From the exact early
/// solution: `t_c = (α/m²) ln(sinh(cU_c)/sinh(c|U(0)|))`, with `U_c = √(N(α − q_⊥))` (paper 001
/// App. B / Fig. 5 right; re-derived). Errors for `β ≤ 1`, `q(0) ≥ α` or `U(0) = 0`.
pub fn bb_transition_time(beta: f64, alpha: f64, w0: &[f64], xi: &[f64]) -> Result<f64> {
    check_alpha(alpha)?;
    check_pattern(w0, xi)?;
    ensure(beta > 1.0, "beta", beta, "no growth for beta <= 1 (m = 0)")?;
    let m = cw_magnetisation(beta)?;
    let nf = w0.len() as f64;
    let ubar = w0.iter().zip(xi).map(|(w, x)| w * x).sum::<f64>() / nf;
    let q = w0.iter().map(|w| w * w).sum::<f64>() / nf;
    ensure(q < alpha, "w0", q, "initial weights already above the transition (mean w^2 >= alpha)")?;
    ensure(ubar != 0.0, "w0", ubar, "initial projection on the pattern is zero: no growth")?;
    let qperp = q - ubar * ubar;
    let c = m / (alpha * nf.sqrt());
    let uc = (nf * (alpha - qperp)).sqrt();
    let u0 = ubar.abs() * nf.sqrt();
    // ln sinh(x) = x + ln((1 - e^{-2x})/2), stable for large x.
    let lnsinh = |x: f64| x + (-(-2.0 * x).exp()).ln_1p() - std::f64::consts::LN_2;
    Ok(alpha / (m * m) * (lnsinh(c * uc) - lnsinh(c * u0)))
}

/// Fixed point of the shared-weight BB-RBM dynamics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BbFixedPoint {
    /// Inverse temperature of the data.
    pub beta: f64,
    /// `N_h/N`.
    pub alpha: f64,
    /// Data magnetisation `m = tanh(βm)` (also the model's visible magnetisation at the fixed point).
    pub m: f64,
    /// Per-site weight `w` (`w_i = ξ_i w`).
    pub w: f64,
    /// Hidden magnetisation `τ = tanh(wm/α)`.
    pub tau: f64,
    /// Top singular value `w/√α` of the coupling matrix `J_{ia} = w_i/N_h`.
    pub singular_value: f64,
}

/// Fixed point of paper 001 App. B: `m tanh(mw/α) = τ tanh(wτ)`, `τ = tanh(w tanh(wτ)/α)`.
/// It reduces exactly to **`w tanh(wm/α) = βm`**, `τ = tanh(wm/α)` (derivation in the module root),
/// which has a unique root because its left side increases in `w`. For β = 1.4 this gives
/// `w = 1.1719, 1.3005, 1.4496` for `α = 4/9, 7/9, 10/9`. A direct nested-bisection solution of the printed
/// pair agrees; FIGURES.md's "indicative" 1.167, 1.297, 1.446 are about 0.3 % low. Errors for `β ≤ 1` (no
/// magnetised data) or `α ≤ 0`.
pub fn bb_fixed_point(beta: f64, alpha: f64) -> Result<BbFixedPoint> {
    check_alpha(alpha)?;
    ensure(beta > 1.0, "beta", beta, "fixed point needs ferromagnetic data (beta > 1)")?;
    let m = cw_magnetisation(beta)?;
    let target = beta * m;
    let lhs = |w: f64| {
        let y = w * m / alpha;
        (w * y.tanh() - target, y.tanh() + y * sech2(y))
    };
    let mut hi = target.max(1.0);
    let mut k = 0;
    while lhs(hi).0 < 0.0 {
        hi *= 2.0;
        k += 1;
        if k > 200 {
            return Err(Error::NotConverged { solver: "bb_fixed_point", iterations: k, residual: lhs(hi).0.abs() });
        }
    }
    let w = solve_bracketed(lhs, 0.0, hi, target, RootTol::default(), "bb_fixed_point")?;
    Ok(BbFixedPoint { beta, alpha, m, w, tau: (w * m / alpha).tanh(), singular_value: w / alpha.sqrt() })
}

/// Time series of the thermodynamic-limit shared-weight BB-RBM learning dynamics.
#[derive(Debug, Clone, PartialEq)]
pub struct BbTrajectory {
    /// Output times (ODE time; per-epoch rates are `η ×` the per-time rates).
    pub t: Vec<f64>,
    /// `U_ξ = N^{-1/2} Σ_i ξ_i w_i`.
    pub u_xi: Vec<f64>,
    /// `(1/N) Σ_i ξ_i w_i` (→ fixed-point `w`).
    pub w_xi: Vec<f64>,
    /// `q = (1/N) Σ_i w_i²`.
    pub q: Vec<f64>,
    /// Top singular value `√(q/α)` of `J_{ia} = w_i/N_h` (the transition is at 1).
    pub singular_value: Vec<f64>,
    /// `cos(w, ξ)`.
    pub alignment: Vec<f64>,
    /// Hidden saddle point (model hidden magnetisation) `τ ≥ 0`.
    pub tau: Vec<f64>,
    /// Model visible magnetisation along the pattern, `(1/N)Σ_i ξ_i tanh(w_i τ)` (→ m).
    pub m_model: Vec<f64>,
    /// Hidden magnetisation induced by a data lump, `tanh((m/α)(1/N)Σ ξ_j w_j)`.
    pub hidden_data: Vec<f64>,
    /// Data magnetisation `m(β)`.
    pub data_m: f64,
    /// Weights at the last output time (original coordinates).
    pub w_final: Vec<f64>,
    /// Accepted ODE steps.
    pub steps: usize,
}

/// Integrates the thermodynamic-limit learning ODE of the shared-weight BB-RBM on CW data
/// (paper 001 App. B, re-derived in the module root):
/// `dw_i/dt = ξ_i m tanh((m/α)(1/N)Σ_j ξ_j w_j) − τ tanh(w_i τ)`, with `τ` re-solved at every evaluation.
/// Uses the crate's Dormand–Prince integrator in the gauge `u_i = ξ_i w_i`. Errors on bad input,
/// integration failure or a saddle-point failure.
pub fn bb_rbm_ode(
    beta: f64,
    alpha: f64,
    w0: &[f64],
    xi: &[f64],
    t_out: &[f64],
    opts: &OdeOptions,
) -> Result<BbTrajectory> {
    check_alpha(alpha)?;
    check_pattern(w0, xi)?;
    let m = cw_magnetisation(beta)?;
    let nf = w0.len() as f64;
    let u0: Vec<f64> = w0.iter().zip(xi).map(|(w, x)| w * x).collect();
    let mut twarm = 0.0f64;
    let mut fail: Option<Error> = None;
    let rhs = |_t: f64, u: &[f64], du: &mut [f64]| {
        if fail.is_some() {
            du.fill(f64::NAN);
            return;
        }
        match tau_warm(u, alpha, twarm) {
            Ok(tau) => {
                twarm = tau;
                let ubar = u.iter().sum::<f64>() / nf;
                let pos = m * (m * ubar / alpha).tanh();
                for (d, &x) in du.iter_mut().zip(u) {
                    *d = pos - tau * (tau * x).tanh();
                }
            }
            Err(e) => {
                fail = Some(e);
                du.fill(f64::NAN);
            }
        }
    };
    let res = integrate(rhs, &u0, t_out, opts);
    if let Some(e) = fail {
        return Err(e);
    }
    let tr = res?;
    let mut out = BbTrajectory {
        t: tr.t.clone(),
        u_xi: vec![],
        w_xi: vec![],
        q: vec![],
        singular_value: vec![],
        alignment: vec![],
        tau: vec![],
        m_model: vec![],
        hidden_data: vec![],
        data_m: m,
        w_final: vec![],
        steps: tr.steps,
    };
    for u in &tr.y {
        let ubar = u.iter().sum::<f64>() / nf;
        let q = u.iter().map(|x| x * x).sum::<f64>() / nf;
        let tau = tau_warm(u, alpha, 0.0)?;
        out.u_xi.push(ubar * nf.sqrt());
        out.w_xi.push(ubar);
        out.q.push(q);
        out.singular_value.push((q / alpha).sqrt());
        out.alignment.push(if q > 0.0 { ubar / q.sqrt() } else { 0.0 });
        out.tau.push(tau);
        out.m_model.push(u.iter().map(|x| (tau * x).tanh()).sum::<f64>() / nf);
        out.hidden_data.push((m * ubar / alpha).tanh());
    }
    if let Some(u) = tr.y.last() {
        out.w_final = u.iter().zip(xi).map(|(u, x)| u * x).collect();
    }
    Ok(out)
}
