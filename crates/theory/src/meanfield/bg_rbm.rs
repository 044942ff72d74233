//! Binary–Gaussian RBM with one hidden unit, learning Curie–Weiss data, in the
//! thermodynamic limit (paper 001 §4.1, eqs. 3 and 10, App. A). See the
//! [module root](super) for the derivation of the ODE, the saddle point `h*`, the
//! exponential phase and the stationary point.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::curie_weiss::cw_magnetisation;
use super::numerics::{RootTol, solve_bracketed, tanhc_m1, tanhc_prime};
use crate::error::{Error, Result, ensure};
use crate::ode::{OdeOptions, integrate};

/// Saddle point `h* ≥ 0` of the BG-RBM hidden field: the non-zero root of
/// `h = (1/N) Σ_k w_k tanh(h w_k)` when `q = (1/N)Σ w_k² > 1`, and `0` otherwise (paper 001
/// eq. 3 / App. A, "h* = (1/N) Σ_k w_k tanh(h* w_k)"). The root is unique because
/// `φ(h)/h` decreases strictly. It is found by safeguarded Newton in `[0, mean|w|]`.
/// `-h*` is the mirror saddle point. Errors on empty or non-finite weights.
pub fn bg_h_star(w: &[f64]) -> Result<f64> {
    ensure(!w.is_empty(), "w", 0.0, "need at least one weight")?;
    if let Some(bad) = w.iter().find(|x| !x.is_finite()) {
        return Err(Error::InvalidParameter { name: "w", value: *bad, reason: "weights must be finite" });
    }
    h_star_warm(w, 0.0)
}

/// `h*` with a warm start `h0` (used inside the ODE right-hand side).
pub(crate) fn h_star_warm(w: &[f64], h0: f64) -> Result<f64> {
    let nf = w.len() as f64;
    let q = w.iter().map(|x| x * x).sum::<f64>() / nf;
    if q <= 1.0 {
        return Ok(0.0);
    }
    let amax = w.iter().map(|x| x.abs()).sum::<f64>() / nf;
    let psi = |h: f64| {
        let (mut s, mut ds) = (q - 1.0, 0.0);
        for &x in w {
            let a = x.abs();
            s += x * x * tanhc_m1(h * a) / nf;
            ds += x * x * a * tanhc_prime(h * a) / nf;
        }
        (s, ds)
    };
    let tol = RootTol { rtol: 1e-14, ..RootTol::default() };
    solve_bracketed(psi, 0.0, amax, h0, tol, "bg_h_star")
}

/// Exponential growth rate of the weight projection on the pattern in the early phase:
/// `U_ξ(t) = U_ξ(0) e^{m² t}`, rate `m(β)²` per unit ODE time (paper 001 §4.1, "dU_ξ/dt =
/// m² U_ξ"). With SGD at learning rate ε on the per-sample gradient, `t = ε·updates`.
pub fn bg_growth_rate(beta: f64) -> Result<f64> {
    let m = cw_magnetisation(beta)?;
    Ok(m * m)
}

/// Stationary point of the BG-RBM learning dynamics on CW data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgStationary {
    /// Inverse temperature of the data.
    pub beta: f64,
    /// Data magnetisation `m = tanh(βm)`.
    pub m: f64,
    /// Weight magnitude `w = √β` (all `w_i = ξ_i w`).
    pub w: f64,
    /// Hidden saddle point `h* = √β m`.
    pub h_star: f64,
}

/// Stationary point `w_i = ξ_i √β`, `h* = √β m` of eq. (10) (paper 001 §4.1 and App. A;
/// re-derived in the module root: the printed `wm² = h* tanh²(h*w)` has one `tanh` too
/// many). Errors for `β ≤ 1`, where the data have no magnetisation and the fixed point is
/// degenerate.
pub fn bg_stationary_point(beta: f64) -> Result<BgStationary> {
    ensure(beta > 1.0, "beta", beta, "stationary point needs ferromagnetic data (beta > 1)")?;
    let m = cw_magnetisation(beta)?;
    let w = beta.sqrt();
    Ok(BgStationary { beta, m, w, h_star: w * m })
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

/// Predicted time at which the BG-RBM leaves the paramagnetic phase (`h*` becomes non-zero).
/// In the exponential phase `q(t) = q_⊥ + ū(0)² e^{2m²t}`, with `ū = mean(ξ_i w_i)` and
/// `q_⊥ = mean(w²) − ū²` frozen, so `t_c = ln((1 − q_⊥)/ū(0)²)/(2m²)` (paper 001 §4.1,
/// transition at `N⁻¹Σw² = 1`; closed form re-derived). Errors for `β ≤ 1`, an initial
/// condition already in the ordered phase (`q(0) ≥ 1`), or no initial projection.
pub fn bg_transition_time(beta: f64, w0: &[f64], xi: &[f64]) -> Result<f64> {
    check_pattern(w0, xi)?;
    ensure(beta > 1.0, "beta", beta, "no growth for beta <= 1 (m = 0)")?;
    let m = cw_magnetisation(beta)?;
    let nf = w0.len() as f64;
    let ubar = w0.iter().zip(xi).map(|(w, x)| w * x).sum::<f64>() / nf;
    let q = w0.iter().map(|w| w * w).sum::<f64>() / nf;
    ensure(q < 1.0, "w0", q, "initial weights already above the transition (mean w^2 >= 1)")?;
    ensure(ubar != 0.0, "w0", ubar, "initial projection on the pattern is zero: no growth")?;
    let qperp = q - ubar * ubar;
    Ok(((1.0 - qperp) / (ubar * ubar)).ln() / (2.0 * m * m))
}

/// Random `±1` pattern and small Gaussian initial weights `w_i ~ N(0, init_std²)`, drawn from
/// `Xoshiro256PlusPlus::seed_from_u64(seed)` (pattern first, then weights). It is a convenience
/// for building theory tables that mimic a training run's initial condition.
pub fn bg_random_setup(n: usize, init_std: f64, seed: u64) -> Result<(Vec<f64>, Vec<f64>)> {
    ensure(n >= 1, "n", n as f64, "need at least one visible unit")?;
    ensure(init_std >= 0.0, "init_std", init_std, "must be >= 0")?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let xi: Vec<f64> = (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            if z >= 0.0 { 1.0 } else { -1.0 }
        })
        .collect();
    let w0 = (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            init_std * z
        })
        .collect();
    Ok((w0, xi))
}

/// Time series of the thermodynamic-limit BG-RBM learning dynamics (one row per output time).
#[derive(Debug, Clone, PartialEq)]
pub struct BgTrajectory {
    /// Output times (ODE time; `t = ε × updates` for SGD at learning rate ε).
    pub t: Vec<f64>,
    /// `U_ξ = N^{-1/2} Σ_i ξ_i w_i`.
    pub u_xi: Vec<f64>,
    /// Mean weight along the pattern, `(1/N) Σ_i ξ_i w_i` (→ √β).
    pub w_xi: Vec<f64>,
    /// `q = (1/N) Σ_i w_i²` (the transition is at `q = 1`).
    pub q: Vec<f64>,
    /// `rms(w) = √q` (→ √β).
    pub w_rms: Vec<f64>,
    /// Alignment `w_xi / w_rms = cos(w, ξ)`.
    pub alignment: Vec<f64>,
    /// Hidden saddle point `h* ≥ 0` (→ √β m).
    pub h_star: Vec<f64>,
    /// Model magnetisation along the pattern at the saddle point, `(1/N)Σ_i ξ_i tanh(h* w_i)` (→ m).
    pub m_model: Vec<f64>,
    /// Data magnetisation `m(β)`.
    pub data_m: f64,
    /// Weights at the last output time (original coordinates, not the gauge).
    pub w_final: Vec<f64>,
    /// Accepted ODE steps.
    pub steps: usize,
}

/// Integrates the thermodynamic-limit learning ODE of the BG-RBM with one hidden unit on
/// CW data at inverse temperature `beta` with pattern `xi` (paper 001 eq. 10, re-derived
/// in the module root):
/// `dw_i/dt = ξ_i m² (1/N)Σ_k ξ_k w_k − h* tanh(h* w_i)`, with `h*` re-solved at every evaluation.
///
/// Uses the crate's adaptive Dormand–Prince integrator in the gauge `u_i = ξ_i w_i`.
/// `t_out` must be strictly increasing; the state at `t_out[0]` is `w0`. Errors on bad input
/// (`β ≤ 0`, length mismatch, non-±1 pattern, non-finite weights), on integration failure,
/// and when the saddle-point solver fails.
pub fn bg_rbm_ode(beta: f64, w0: &[f64], xi: &[f64], t_out: &[f64], opts: &OdeOptions) -> Result<BgTrajectory> {
    check_pattern(w0, xi)?;
    let m = cw_magnetisation(beta)?;
    let m2 = m * m;
    let nf = w0.len() as f64;
    let u0: Vec<f64> = w0.iter().zip(xi).map(|(w, x)| w * x).collect();
    let mut hwarm = 0.0f64;
    let mut fail: Option<Error> = None;
    let rhs = |_t: f64, u: &[f64], du: &mut [f64]| {
        if fail.is_some() {
            du.fill(f64::NAN);
            return;
        }
        match h_star_warm(u, hwarm) {
            Ok(h) => {
                hwarm = h;
                let ubar = u.iter().sum::<f64>() / nf;
                for (d, &x) in du.iter_mut().zip(u) {
                    *d = m2 * ubar - h * (h * x).tanh();
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
    let mut out = BgTrajectory {
        t: tr.t.clone(),
        u_xi: vec![],
        w_xi: vec![],
        q: vec![],
        w_rms: vec![],
        alignment: vec![],
        h_star: vec![],
        m_model: vec![],
        data_m: m,
        w_final: vec![],
        steps: tr.steps,
    };
    for u in &tr.y {
        let ubar = u.iter().sum::<f64>() / nf;
        let q = u.iter().map(|x| x * x).sum::<f64>() / nf;
        let h = h_star_warm(u, 0.0)?;
        out.u_xi.push(ubar * nf.sqrt());
        out.w_xi.push(ubar);
        out.q.push(q);
        out.w_rms.push(q.sqrt());
        out.alignment.push(if q > 0.0 { ubar / q.sqrt() } else { 0.0 });
        out.h_star.push(h);
        out.m_model.push(u.iter().map(|x| (h * x).tanh()).sum::<f64>() / nf);
    }
    if let Some(u) = tr.y.last() {
        out.w_final = u.iter().zip(xi).map(|(u, x)| u * x).collect();
    }
    Ok(out)
}
