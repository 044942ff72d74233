//! Hopfield teacher with two correlated patterns `ξ^{1,2} = η ± η̃` (paper 001 §4.2 and
//! App. C): saddle points `(m₁, m₂)` in the three temperature regimes, the amplitudes
//! `r`, `p` of the data correlations, the linear learning dynamics of the η and η̃
//! projections of a two-hidden-unit BG-RBM (eq. 12), and the transition times
//! `t_I`, `t_II`. The [module root](super) holds the derivations (block decomposition,
//! rates, transition criterion).

use super::curie_weiss::cw_magnetisation;
use super::numerics::log2cosh;
use crate::error::{Error, Result, ensure};

/// Temperature regime of the two-pattern Hopfield teacher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HopfieldRegime {
    /// `T ≥ 1 + κ`: `m₁ = m₂ = 0`.
    Paramagnetic,
    /// `1 − κ ≤ T < 1 + κ`: retrieval of the common part η, `m₁ = m₂ = m > 0`.
    Symmetric,
    /// `T < 1 − κ`: four lumps at `±ξ¹, ±ξ²`, `m₁ ≠ m₂`.
    FourLumps,
}

/// One stationary point of the two-pattern free energy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HopfieldFixedPoint {
    /// Overlap with ξ¹.
    pub m1: f64,
    /// Overlap with ξ².
    pub m2: f64,
    /// Local minimum of the free energy (both Hessian eigenvalues positive).
    pub stable: bool,
    /// Free energy per spin `f = (m₁²+m₂²)/2 − T(1/N)Σ_i log 2cosh(β(m₁ξ¹_i + m₂ξ²_i))`.
    pub free_energy: f64,
}

/// Saddle-point solution of the two-pattern Hopfield teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct HopfieldSaddle {
    /// Correlation parameter κ ∈ [0, 1).
    pub kappa: f64,
    /// Temperature `T = 1/β`.
    pub temperature: f64,
    /// Which of the three regimes `T` lies in.
    pub regime: HopfieldRegime,
    /// Stable solution with `m₁ ≥ m₂ ≥ 0` (the paper's `m⁺`).
    pub m1: f64,
    /// Stable solution's second overlap (the paper's `m⁻`).
    pub m2: f64,
    /// `r = tanh(β(m⁺ + m⁻)) = m_CW(β(1+κ))`.
    pub r: f64,
    /// `p = tanh(β(m⁺ − m⁻)) = m_CW(β(1−κ))`.
    pub p: f64,
    /// Linear growth rate along η, `r²(1+κ)/2`.
    pub rate_eta: f64,
    /// Linear growth rate along η̃, `p²(1−κ)/2`.
    pub rate_eta_tilde: f64,
    /// Every stationary point (up to 9), stable and unstable, sorted by free energy.
    pub fixed_points: Vec<HopfieldFixedPoint>,
}

fn check_params(kappa: f64, temperature: f64) -> Result<()> {
    ensure((0.0..1.0).contains(&kappa), "kappa", kappa, "correlation must lie in [0, 1)")?;
    ensure(temperature > 0.0, "temperature", temperature, "temperature must be finite and > 0")
}

/// Saddle points of `m_μ = (1/N)Σ_i ξ^μ_i tanh(β Σ_ν m_ν ξ^ν_i)` for `ξ^{1,2} = η ± η̃`
/// (paper 001 App. C, the three-regime solution of its ref. \[31\]). They are computed exactly
/// through the block decomposition `a = m₁+m₂ = (1+κ) m_CW(β(1+κ))`,
/// `b = m₁−m₂ = (1−κ) m_CW(β(1−κ))`. Every combination of `a ∈ {0, ±(1+κ)r}` and
/// `b ∈ {0, ±(1−κ)p}` is a stationary point; the stable ones have non-zero `a` and `b`
/// whenever those exist. The regimes switch at `T = 1 ± κ`. Also returns the rates
/// `r²(1+κ)/2` and `p²(1−κ)/2` of eq. (12). Errors for `κ ∉ [0,1)` or `T ≤ 0`.
pub fn hopfield_saddle(kappa: f64, temperature: f64) -> Result<HopfieldSaddle> {
    check_params(kappa, temperature)?;
    let beta = 1.0 / temperature;
    let (ce, ct) = (0.5 * (1.0 + kappa), 0.5 * (1.0 - kappa));
    let r = cw_magnetisation(beta * (1.0 + kappa))?;
    let p = cw_magnetisation(beta * (1.0 - kappa))?;
    let a0 = (1.0 + kappa) * r;
    let b0 = (1.0 - kappa) * p;
    let free =
        |a: f64, b: f64| (a * a + b * b) / 4.0 - temperature * (ce * log2cosh(beta * a) + ct * log2cosh(beta * b));
    let curv = |x: f64, c: f64| {
        let t = (beta * x).tanh();
        1.0 - 2.0 * c * beta * (1.0 - t * t)
    };
    let a_set: Vec<f64> = if a0 > 0.0 { vec![-a0, 0.0, a0] } else { vec![0.0] };
    let b_set: Vec<f64> = if b0 > 0.0 { vec![-b0, 0.0, b0] } else { vec![0.0] };
    let mut fps = Vec::new();
    for &a in &a_set {
        for &b in &b_set {
            fps.push(HopfieldFixedPoint {
                m1: 0.5 * (a + b),
                m2: 0.5 * (a - b),
                stable: curv(a, ce) > 0.0 && curv(b, ct) > 0.0,
                free_energy: free(a, b),
            });
        }
    }
    fps.sort_by(|x, y| x.free_energy.total_cmp(&y.free_energy));
    let regime = if r > 0.0 && p > 0.0 {
        HopfieldRegime::FourLumps
    } else if r > 0.0 {
        HopfieldRegime::Symmetric
    } else {
        HopfieldRegime::Paramagnetic
    };
    Ok(HopfieldSaddle {
        kappa,
        temperature,
        regime,
        m1: 0.5 * (a0 + b0),
        m2: 0.5 * (a0 - b0),
        r,
        p,
        rate_eta: r * r * ce,
        rate_eta_tilde: p * p * ct,
        fixed_points: fps,
    })
}

/// Initial condition of a two-hidden-unit BG-RBM, projected on the teacher's directions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HopfieldInit {
    /// Number of visible units `N`.
    pub n: usize,
    /// `U^μ_η(0) = η·w^μ(0)`, μ = 1, 2.
    pub u_eta: [f64; 2],
    /// `U^μ_η̃(0) = η̃·w^μ(0)`, μ = 1, 2.
    pub u_eta_tilde: [f64; 2],
    /// `(1/N) Σ_i w^μ_{⊥i} w^ν_{⊥i}` of the components orthogonal to η and η̃. They are frozen in the
    /// linear phase, and they add to the singular values of `W/√N`. Use zeros to ignore them.
    pub gram_perp: [[f64; 2]; 2],
}

/// Predicted transition times of the two-pattern learning dynamics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransitionTimes {
    /// `t_I`: `λ_η(t) = c_η Σ_μ A_μ(t)² = 1` (the RBM splits into two lumps ±η). `+∞` if there is no η growth.
    pub t_i: f64,
    /// `t_II`: `λ_η̃(t) = c_η̃ Σ_μ B_μ(t)² = 1` (split into four lumps). `+∞` if `p = 0` or no η̃ projection.
    pub t_ii: f64,
    /// `λ_η(0)`.
    pub lambda_eta0: f64,
    /// `λ_η̃(0)`.
    pub lambda_eta_tilde0: f64,
}

fn lambdas0(init: &HopfieldInit, kappa: f64) -> Result<(f64, f64)> {
    ensure(init.n >= 2, "n", init.n as f64, "need at least two visible units")?;
    for v in init.u_eta.iter().chain(&init.u_eta_tilde).chain(init.gram_perp.iter().flatten()) {
        ensure(v.is_finite(), "init", *v, "initial projections must be finite")?;
    }
    ensure(init.gram_perp[0][0] >= 0.0, "gram_perp", init.gram_perp[0][0], "diagonal must be >= 0")?;
    ensure(init.gram_perp[1][1] >= 0.0, "gram_perp", init.gram_perp[1][1], "diagonal must be >= 0")?;
    let nf = init.n as f64;
    let (ce, ct) = (0.5 * (1.0 + kappa), 0.5 * (1.0 - kappa));
    // lambda = sum_mu U_mu^2 / (N |eta|^2), |eta|^2 = N c.
    let le = init.u_eta.iter().map(|u| u * u).sum::<f64>() / (nf * nf * ce);
    let lt = init.u_eta_tilde.iter().map(|u| u * u).sum::<f64>() / (nf * nf * ct);
    Ok((le, lt))
}

/// Transition times `t_I = −ln λ_η(0)/(r²(1+κ))` and `t_II = −ln λ_η̃(0)/(p²(1−κ))`, where
/// `λ_η(0) = Σ_μ (U^μ_η(0))²/(N|η|²)` (paper 001 App. C and §4.2, re-derived in the module
/// root: the first transition is at `(1+κ)A² = 1` for `w^{1,2} = Aη ± Bη̃`). They come from the linear solution
/// (eq. 12), neglecting the η–η̃ cross term of `WᵀW/N`. Errors for bad `κ`, `T`, or an initial
/// condition already above a transition (`λ(0) ≥ 1`).
pub fn hopfield_transition_times(kappa: f64, temperature: f64, init: &HopfieldInit) -> Result<TransitionTimes> {
    let s = hopfield_saddle(kappa, temperature)?;
    let (le, lt) = lambdas0(init, kappa)?;
    ensure(le < 1.0, "u_eta", le, "initial weights already above the first transition (lambda_eta >= 1)")?;
    ensure(lt < 1.0, "u_eta_tilde", lt, "initial weights already above the second transition (lambda_eta_tilde >= 1)")?;
    let time = |l: f64, rate: f64| if l > 0.0 && rate > 0.0 { -l.ln() / (2.0 * rate) } else { f64::INFINITY };
    Ok(TransitionTimes {
        t_i: time(le, s.rate_eta),
        t_ii: time(lt, s.rate_eta_tilde),
        lambda_eta0: le,
        lambda_eta_tilde0: lt,
    })
}

/// Linear-phase learning curves of the two-hidden-unit BG-RBM on the two-pattern teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct HopfieldLinear {
    /// Times.
    pub t: Vec<f64>,
    /// `U^μ_η(t) = U^μ_η(0) e^{r²(1+κ)t/2}`.
    pub u_eta: Vec<[f64; 2]>,
    /// `U^μ_η̃(t) = U^μ_η̃(0) e^{p²(1−κ)t/2}`.
    pub u_eta_tilde: Vec<[f64; 2]>,
    /// `λ_η(t) = c_η Σ_μ A_μ(t)²` (first transition at 1).
    pub lambda_eta: Vec<f64>,
    /// `λ_η̃(t) = c_η̃ Σ_μ B_μ(t)²` (second transition at 1).
    pub lambda_eta_tilde: Vec<f64>,
    /// Singular values of `W(t)/√N` (descending), including the frozen orthogonal part:
    /// the predicted curves of Fig. 6 left.
    pub singular_values: Vec<[f64; 2]>,
    /// `r²(1+κ)/2`.
    pub rate_eta: f64,
    /// `p²(1−κ)/2`.
    pub rate_eta_tilde: f64,
    /// `t_I`, `t_II`.
    pub times: TransitionTimes,
}

/// Evaluates the linear solution (paper 001 eq. 12 and App. C) of the projected learning
/// ODEs `dU^μ_η/dt = r²(1+κ)/2 · U^μ_η`, `dU^μ_η̃/dt = p²(1−κ)/2 · U^μ_η̃` at the times `t`, with
/// the predicted singular values of `W/√N`. `G = WᵀW/N = c_η A Aᵀ + c_η̃ B Bᵀ + G_⊥`, with
/// `A_μ = U^μ_η/|η|²` and `B_μ = U^μ_η̃/|η̃|²`. The solution holds while the RBM is paramagnetic
/// along a direction. Beyond `t_I`, the η curves are extrapolations, as in the paper's Fig. 6
/// left. Errors as [`hopfield_transition_times`], or on non-finite times.
pub fn hopfield_linear_dynamics(
    kappa: f64,
    temperature: f64,
    init: &HopfieldInit,
    t: &[f64],
) -> Result<HopfieldLinear> {
    let s = hopfield_saddle(kappa, temperature)?;
    let times = hopfield_transition_times(kappa, temperature, init)?;
    if let Some(bad) = t.iter().find(|x| !x.is_finite()) {
        return Err(Error::InvalidParameter { name: "t", value: *bad, reason: "times must be finite" });
    }
    let nf = init.n as f64;
    let (ce, ct) = (0.5 * (1.0 + kappa), 0.5 * (1.0 - kappa));
    let mut out = HopfieldLinear {
        t: t.to_vec(),
        u_eta: vec![],
        u_eta_tilde: vec![],
        lambda_eta: vec![],
        lambda_eta_tilde: vec![],
        singular_values: vec![],
        rate_eta: s.rate_eta,
        rate_eta_tilde: s.rate_eta_tilde,
        times,
    };
    let g = init.gram_perp;
    for &tt in t {
        let (ge, gt) = ((s.rate_eta * tt).exp(), (s.rate_eta_tilde * tt).exp());
        let ue = [init.u_eta[0] * ge, init.u_eta[1] * ge];
        let ut = [init.u_eta_tilde[0] * gt, init.u_eta_tilde[1] * gt];
        let a = [ue[0] / (nf * ce), ue[1] / (nf * ce)];
        let b = [ut[0] / (nf * ct), ut[1] / (nf * ct)];
        let g00 = ce * a[0] * a[0] + ct * b[0] * b[0] + g[0][0];
        let g11 = ce * a[1] * a[1] + ct * b[1] * b[1] + g[1][1];
        let g01 = ce * a[0] * a[1] + ct * b[0] * b[1] + 0.5 * (g[0][1] + g[1][0]);
        let half_tr = 0.5 * (g00 + g11);
        let disc = (0.25 * (g00 - g11) * (g00 - g11) + g01 * g01).sqrt();
        let l1 = (half_tr + disc).max(0.0);
        let l2 = (half_tr - disc).max(0.0);
        out.u_eta.push(ue);
        out.u_eta_tilde.push(ut);
        out.lambda_eta.push(ce * (a[0] * a[0] + a[1] * a[1]));
        out.lambda_eta_tilde.push(ct * (b[0] * b[0] + b[1] * b[1]));
        out.singular_values.push([l1.sqrt(), l2.sqrt()]);
    }
    Ok(out)
}
