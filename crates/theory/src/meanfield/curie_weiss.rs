//! Curie–Weiss (Mattis) teacher of paper 001 §4.1 / App. A: the thermodynamic-limit
//! magnetisation `m = tanh(β(m + H))` (all branches, with stability), the spinodal
//! field, exact finite-N statistics from the magnetisation distribution, the connected
//! susceptibility and the mean-field relaxation time. ±1 units throughout.

use super::numerics::{RootTol, sech2, solve_bracketed, tanhc_m1, tanhc_prime};
use crate::error::{Result, ensure};

fn check_beta(beta: f64) -> Result<()> {
    ensure(beta > 0.0, "beta", beta, "inverse temperature must be finite and > 0")
}

/// Spontaneous magnetisation `m₀(β) ≥ 0`: the largest root of `m = tanh(βm)`
/// (paper 001 §4.1 and App. A, "m = tanh(βm)"). `m₀ = 0` for `β ≤ 1`; the ferromagnetic
/// pair is `±m₀`.
///
/// Solved in `x = βm` as `tanh(x)/x = 1/β`, with a cancellation-free series near
/// `x = 0`. It is accurate to a few ulps for every `β > 1`, including `β → 1⁺`
/// (`m ≈ √(3(β−1))`). Errors for `β ≤ 0` or non-finite `β`.
pub fn cw_magnetisation(beta: f64) -> Result<f64> {
    check_beta(beta)?;
    if beta <= 1.0 {
        return Ok(0.0);
    }
    let c = (beta - 1.0) / beta;
    let x0 = beta * (3.0 * (beta - 1.0)).sqrt().min(beta.tanh());
    let x =
        solve_bracketed(|x| (tanhc_m1(x) + c, tanhc_prime(x)), 0.0, beta, x0, RootTol::default(), "cw_magnetisation")?;
    Ok(x.tanh())
}

/// One solution of the mean-field equation `m = tanh(β(m + H))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CwBranch {
    /// Magnetisation per spin.
    pub m: f64,
    /// Local minimum of the Landau free energy (`f''(m) = −1 + T/(1−m²) > 0`).
    pub stable: bool,
    /// Mean-field free energy per spin `f(m) = −m²/2 − Hm − T s(m)`, with `s` the binary entropy
    /// of the magnetisation.
    pub free_energy: f64,
}

fn cw_free_energy(m: f64, beta: f64, field: f64) -> f64 {
    let ent = |p: f64| if p > 0.0 { -p * p.ln() } else { 0.0 };
    let s = ent(0.5 * (1.0 + m)) + ent(0.5 * (1.0 - m));
    -0.5 * m * m - field * m - s / beta
}

/// All solutions of `m = tanh(β(m + H))`, sorted by `m`, each with its stability and free
/// energy. There is one solution for `β ≤ 1` or `|H| > H_sp(β)`, and three otherwise:
/// two stable branches (the hysteresis loop, paper 001 §5 / Fig. 4E) and one unstable
/// branch. Units: ±1 spins, field in units of the coupling.
///
/// Solved in `x = β(m + H)`: `G(x) = tanh x − x/β + H` is monotone on each interval
/// split by `±acosh(√β)`, so each root is bracketed. Errors for `β ≤ 0` or non-finite input.
pub fn cw_branches(beta: f64, field: f64) -> Result<Vec<CwBranch>> {
    check_beta(beta)?;
    ensure(field.is_finite(), "field", field, "must be finite")?;
    let make = |m: f64| {
        let stable = -1.0 + 1.0 / (beta * (1.0 - m * m)) > 0.0;
        CwBranch { m, stable, free_energy: cw_free_energy(m, beta, field) }
    };
    if field == 0.0 {
        let m0 = cw_magnetisation(beta)?;
        return Ok(if m0 > 0.0 { vec![make(-m0), make(0.0), make(m0)] } else { vec![make(0.0)] });
    }
    let g = |x: f64| (x.tanh() - x / beta + field, sech2(x) - 1.0 / beta);
    let big = beta * (1.0 + field.abs()) + 1.0;
    let mut edges = vec![-big];
    if beta > 1.0 {
        let xs = beta.sqrt().acosh();
        edges.push(-xs);
        edges.push(xs);
    }
    edges.push(big);
    let mut out = Vec::new();
    for w in edges.windows(2) {
        let (ga, gb) = (g(w[0]).0, g(w[1]).0);
        if ga == 0.0 || gb == 0.0 || ga.signum() != gb.signum() {
            let x = solve_bracketed(g, w[0], w[1], 0.5 * (w[0] + w[1]), RootTol::default(), "cw_branches")?;
            let m = x.tanh();
            if out.last().is_none_or(|b: &CwBranch| (b.m - m).abs() > 1e-12) {
                out.push(make(m));
            }
        }
    }
    Ok(out)
}

/// Spinodal field `H_sp(β) = m_sp − atanh(m_sp)/β`, with `m_sp = √(1 − 1/β)`. It is the edge of the
/// mean-field hysteresis loop of `m = tanh(β(m + H))` (paper 001 Fig. 4E; standard CW
/// result, derived from `dH/dm = 0` on `H(m) = atanh(m)/β − m`). Errors for `β ≤ 1`, where no
/// loop exists.
pub fn cw_spinodal_field(beta: f64) -> Result<f64> {
    check_beta(beta)?;
    ensure(beta > 1.0, "beta", beta, "no spinodal (no hysteresis) for beta <= 1")?;
    let ms = (1.0 - 1.0 / beta).sqrt();
    Ok(ms - ms.atanh() / beta)
}

/// Connected susceptibility per spin of the N → ∞ CW model in zero field, Ising units:
/// `χ = (1 − m₀²) / (1 − β(1 − m₀²))`. It equals `1/(1 − β)` for `β < 1` (γ = 1 on both
/// sides; amplitude ratio 2). Standard mean-field result, used for the paper 001 eq. (6)
/// law. Errors at `β = 1`, where it diverges, and for `β ≤ 0`.
pub fn cw_connected_susceptibility(beta: f64) -> Result<f64> {
    let m = cw_magnetisation(beta)?;
    let s = 1.0 - m * m;
    let den = 1.0 - beta * s;
    ensure(den > 0.0, "beta", beta, "susceptibility diverges at the critical point beta = 1")?;
    Ok(s / den)
}

/// Mean-field relaxation time of the magnetisation under local heat-bath (Glauber)
/// dynamics, in sweeps: `τ = 1/(1 − β(1 − m₀²))`, from linearising `dm/dt = −m + tanh(βm)`
/// about the stable state. It diverges as `|β − 1|^{−νz}` with `νz = 1` (paper 001 §5,
/// Fig. 3G: `z = 2`, `ν = 1/2`). Errors at `β = 1` and for `β ≤ 0`.
pub fn cw_relaxation_time(beta: f64) -> Result<f64> {
    let m = cw_magnetisation(beta)?;
    let den = 1.0 - beta * (1.0 - m * m);
    ensure(den > 0.0, "beta", beta, "relaxation time diverges at the critical point beta = 1")?;
    Ok(1.0 / den)
}

/// Exact finite-N statistics of the CW model (zero field, ±1 spins, `m = M/N`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CwFiniteSize {
    /// Number of spins.
    pub n: usize,
    /// Inverse temperature.
    pub beta: f64,
    /// `⟨m²⟩`.
    pub m2: f64,
    /// `⟨|m|⟩`.
    pub m_abs: f64,
    /// `⟨m⁴⟩`.
    pub m4: f64,
    /// `χ = N⟨m²⟩` (connected, since `⟨m⟩ = 0` by symmetry).
    pub chi: f64,
    /// `χ' = N(⟨m²⟩ − ⟨|m|⟩²)`.
    pub chi_abs: f64,
    /// Binder cumulant `1 − ⟨m⁴⟩/(3⟨m²⟩²)`.
    pub binder: f64,
    /// Pair correlation `⟨s_i s_j⟩ = (N⟨m²⟩ − 1)/(N − 1)`, `i ≠ j` (in the pattern gauge).
    pub pair_correlation: f64,
}

/// Exact statistics of the N-spin CW model `p(s) ∝ exp((β/2N)(Σ ξ_i s_i)²)` (paper 001
/// App. A). They come from summing the magnetisation distribution
/// `P(M) ∝ C(N, (N+M)/2) e^{βM²/2N}` over all `N + 1` values of `M`, in O(N). Errors for
/// `β ≤ 0` or `n < 2`.
pub fn cw_finite_size(beta: f64, n: usize) -> Result<CwFiniteSize> {
    check_beta(beta)?;
    ensure(n >= 2, "n", n as f64, "need at least 2 spins")?;
    let nf = n as f64;
    let mut logw = Vec::with_capacity(n + 1);
    let mut lnc = 0.0f64;
    for k in 0..=n {
        if k > 0 {
            lnc += ((n - k + 1) as f64 / k as f64).ln();
        }
        let mm = 2.0 * k as f64 - nf;
        logw.push(lnc + beta * mm * mm / (2.0 * nf));
    }
    let lmax = logw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let (mut z, mut s1, mut s2, mut s4) = (0.0, 0.0, 0.0, 0.0);
    for (k, lw) in logw.iter().enumerate() {
        let p = (lw - lmax).exp();
        let m = (2.0 * k as f64 - nf) / nf;
        z += p;
        s1 += p * m.abs();
        s2 += p * m * m;
        s4 += p * m * m * m * m;
    }
    let (m_abs, m2, m4) = (s1 / z, s2 / z, s4 / z);
    Ok(CwFiniteSize {
        n,
        beta,
        m2,
        m_abs,
        m4,
        chi: nf * m2,
        chi_abs: nf * (m2 - m_abs * m_abs),
        binder: 1.0 - m4 / (3.0 * m2 * m2),
        pair_correlation: (nf * m2 - 1.0) / (nf - 1.0),
    })
}
