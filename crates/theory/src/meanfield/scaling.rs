//! Critical laws that the analysis of paper 001 §5 fits against: the Mattis mapping
//! `β = w²/16` for {0,1} units (App. D, `w_c = 4`), the susceptibility law (eq. 6, lost in
//! the extraction, re-derived in the [module root](super)), the mean-field finite-size-
//! scaling ansatz (eq. 7, `γ = 1`, `ν = 1/2`, `d_u = 4`) with the exact CW scaling function,
//! and the critical slowing-down law `τ ∝ |β − β_c|^{-1}`.

use crate::error::{Result, ensure};

/// Critical top singular value of a {0,1} RBM (paper 001 App. D: `W₀₁ = 4 W_{±1}`, `β_c = 1`).
pub const W_CRIT_01: f64 = 4.0;

/// Effective inverse temperature of a rank-1 {0,1} RBM with singular value `w`:
/// `β = w²/16` (paper 001 App. D and §5). Errors on non-finite `w`.
pub fn mattis_beta_01(w: f64) -> Result<f64> {
    ensure(w.is_finite(), "w", w, "must be finite")?;
    Ok(w * w / 16.0)
}

/// Effective inverse temperature of a rank-1 ±1 RBM with singular value `w`: `β = w²`
/// (paper 001 App. D, eq. 13). Errors on non-finite `w`.
pub fn mattis_beta_ising(w: f64) -> Result<f64> {
    ensure(w.is_finite(), "w", w, "must be finite")?;
    Ok(w * w)
}

/// Singular value of a {0,1} RBM at effective inverse temperature `β`: `w = 4√β` (inverse of
/// [`mattis_beta_01`]). Errors for `β < 0`.
pub fn mattis_w_01(beta: f64) -> Result<f64> {
    ensure(beta >= 0.0, "beta", beta, "must be finite and >= 0")?;
    Ok(4.0 * beta.sqrt())
}

/// Pre-critical susceptibility law of paper 001 eq. (6) (lost in the extraction; re-derived
/// in the module root): `χ_m = N_v Var(m_v) = 4/(w_c² − w²) = 1/(4(β_c − β))` for {0,1}
/// units, with `m_v = u·v/√N_v`, `β = w²/16`, `β_c = w_c²/16`. `w_c` is the only parameter
/// (4 in theory; 4.45 for MNIST, 5.25 for HGD). Errors unless `0 < w_c` and `|w| < w_c`.
pub fn susceptibility_law_01(w: f64, w_c: f64) -> Result<f64> {
    ensure(w_c > 0.0, "w_c", w_c, "critical point must be finite and > 0")?;
    ensure(w.is_finite() && w.abs() < w_c, "w", w, "law holds below the critical point only (|w| < w_c)")?;
    Ok(4.0 / (w_c * w_c - w * w))
}

/// Effective system size of an RBM for finite-size scaling, `N = √(N_v N_h)` (paper 001 §5).
pub fn effective_size(n_v: usize, n_h: usize) -> f64 {
    ((n_v as f64) * (n_h as f64)).sqrt()
}

/// Finite-size-scaling exponents: the ansatz `χ = N^{γ/(ν d_u)} φ(N^{1/(ν d_u)} (β − β_c))`
/// (paper 001 eq. 7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanFieldFss {
    /// Susceptibility exponent γ (1 in mean field).
    pub gamma: f64,
    /// Correlation-length exponent ν (1/2 in mean field).
    pub nu: f64,
    /// Upper critical dimension `d_u` (4).
    pub d_u: f64,
}

impl Default for MeanFieldFss {
    /// Mean-field values `γ = 1`, `ν = 1/2`, `d_u = 4`.
    fn default() -> Self {
        Self { gamma: 1.0, nu: 0.5, d_u: 4.0 }
    }
}

impl MeanFieldFss {
    /// Custom exponents (e.g. to scan the collapse quality). Errors unless all are finite and `> 0`.
    pub fn new(gamma: f64, nu: f64, d_u: f64) -> Result<Self> {
        ensure(gamma > 0.0, "gamma", gamma, "must be > 0")?;
        ensure(nu > 0.0, "nu", nu, "must be > 0")?;
        ensure(d_u > 0.0, "d_u", d_u, "must be > 0")?;
        Ok(Self { gamma, nu, d_u })
    }

    /// `γ/(ν d_u)` (1/2 in mean field).
    pub fn chi_exponent(&self) -> f64 {
        self.gamma / (self.nu * self.d_u)
    }

    /// `1/(ν d_u)` (1/2 in mean field).
    pub fn x_exponent(&self) -> f64 {
        1.0 / (self.nu * self.d_u)
    }

    /// Scaling variable `x = N^{1/(ν d_u)} (β − β_c)` (signed; the paper plots `|β − β_c|`).
    /// Errors for `N ≤ 0` or non-finite input.
    pub fn scaling_variable(&self, n: f64, beta: f64, beta_c: f64) -> Result<f64> {
        ensure(n > 0.0, "n", n, "size must be > 0")?;
        ensure(beta.is_finite(), "beta", beta, "must be finite")?;
        ensure(beta_c.is_finite(), "beta_c", beta_c, "must be finite")?;
        Ok(n.powf(self.x_exponent()) * (beta - beta_c))
    }

    /// Scaled susceptibility `y = χ N^{−γ/(ν d_u)}`. Errors for `N ≤ 0` or non-finite `χ`.
    pub fn scaled_chi(&self, n: f64, chi: f64) -> Result<f64> {
        ensure(n > 0.0, "n", n, "size must be > 0")?;
        ensure(chi.is_finite(), "chi", chi, "must be finite")?;
        Ok(chi * n.powf(-self.chi_exponent()))
    }
}

/// Exact mean-field (Curie–Weiss) FSS scaling function in Ising units:
/// `φ(x) = ∫y² e^{xy²/2 − y⁴/12} dy / ∫e^{xy²/2 − y⁴/12} dy`. So
/// `N⟨m²⟩ → N^{1/2} φ(N^{1/2}(β − 1))` as `N → ∞` at fixed `x` (paper 001 eq. 7 with
/// `γ = 1`, `ν = 1/2`, `d_u = 4`; derived in the module root). Divide by 4 for the {0,1}
/// susceptibility of eq. (6). Limits: `φ(x) → 1/|x|` for `x → −∞`, `φ(x) → 3x` for `x → +∞`.
/// Computed by the trapezoidal rule on the region where the integrand exceeds `e^{−60}` of
/// its peak (spectrally accurate for this smooth integrand). Errors on non-finite `x`.
pub fn cw_fss_scaling_function(x: f64) -> Result<f64> {
    ensure(x.is_finite(), "x", x, "must be finite")?;
    let (lo, hi) = if x > 0.0 {
        ((3.0 * x - 27.0).max(0.0).sqrt(), (3.0 * x + 27.0).sqrt())
    } else {
        (0.0, 27f64.sqrt().min((124.0 / x.abs().max(1e-300)).sqrt()))
    };
    let emax = if x > 0.0 { 0.75 * x * x } else { 0.0 };
    let dy_target = 0.05 / (1.0 + x.abs()).sqrt();
    let n = (((hi - lo) / dy_target).ceil() as usize).max(200);
    let dy = (hi - lo) / n as f64;
    let (mut z, mut s) = (0.0, 0.0);
    for k in 0..=n {
        let y = lo + dy * k as f64;
        let y2 = y * y;
        let wgt = if k == 0 || k == n { 0.5 } else { 1.0 };
        let p = wgt * (x * y2 / 2.0 - y2 * y2 / 12.0 - emax).exp();
        z += p;
        s += p * y2;
    }
    Ok(s / z)
}

/// FSS scaling function of the visible susceptibility of a rank-1 {0,1} RBM
/// `W = w u ūᵀ` with biases that cancel the induced fields (`b = −W1/2`, `c = −Wᵀ1/2`):
/// `χ₀₁ = N_v Var(u·v/√N_v) ≈ N_v^{1/2} φ_r(x)/4`, with `x = N_v^{1/2}(β − 1)`, `β = w²/16` and
/// `φ_r(x) = r^{-1/2} φ(x r^{-1/2})`. Here φ is [`cw_fss_scaling_function`] and `r` is
/// `r = κ_u + (N_v/N_h) κ_ū`, with `κ_u = N_v Σ_i u_i⁴` and `κ_ū = N_h Σ_a ū_a⁴`. These are 1 for flat
/// (±1/√N) vectors and ≈ 3 for Gaussian ones.
///
/// Derivation (paper 001 App. D taken to quartic order; not in the paper). In ±1 units the RBM
/// couples `s` and `τ` through `(w/4) u ūᵀ`. Summing out `τ` gives
/// `Σ_a ln 2cosh((w/4)(u·s) ū_a) = N_v β m²/2 − β² (N_v²/N_h) κ_ū m⁴/12 + …`, with `m = u·s/√N_v`.
/// The number of configurations at given `m` contributes `−N_v(m²/2 + κ_u m⁴/12)`. So
/// `ln P(m) = −N_v[(1−β)m²/2 + r m⁴/12]` at `β ≈ 1`, and rescaling `y → r^{-1/4} y` in φ's
/// integrals gives `φ_r`. This is the finite-size curve that P001-C3 / Fig. 3D–E data should
/// collapse on. Errors for non-finite `x` or `r ≤ 0`.
pub fn rank1_rbm_fss_scaling_function_01(x: f64, r: f64) -> Result<f64> {
    ensure(r > 0.0, "r", r, "quartic ratio must be finite and > 0")?;
    let sr = r.sqrt();
    Ok(cw_fss_scaling_function(x / sr)? / sr / 4.0)
}

/// Critical slowing down: `τ = A |β − β_c|^{−νz}` with `νz = 1` (`z = 2` for local
/// non-conserved moves, `ν = 1/2`; paper 001 §5 and Fig. 3G). Errors at `β = β_c`, for
/// `A ≤ 0` or non-finite input.
pub fn relaxation_law(beta: f64, beta_c: f64, amplitude: f64) -> Result<f64> {
    ensure(amplitude > 0.0, "amplitude", amplitude, "must be finite and > 0")?;
    ensure(beta_c.is_finite(), "beta_c", beta_c, "must be finite")?;
    ensure(beta.is_finite() && beta != beta_c, "beta", beta, "law diverges at beta = beta_c")?;
    Ok(amplitude / (beta - beta_c).abs())
}
