//! Small-β learning dynamics of an RBM on 1D Ising data as a reaction–diffusion
//! system (paper 002 §5.2 and appendix).
//!
//! Units: ±1 visible and hidden units, no fields (`b_i = c_μ = 0`), full-batch
//! gradient ascent `dw/dt = ν ∂ log L/∂w` (eq. 22) with `ν = 1` throughout (a
//! different `ν` only rescales time).
//!
//! # Contents
//!
//! * [`discrete`]: the lattice equations — eq. (36) (M = 1, with β), the
//!   parameter-free eq. (37), the **re-derived** coupled pair (50)–(51) for M = 2,
//!   the objectives they ascend, the exact gradients (32) and (48) (corrected), and an
//!   adaptive integration (crate `ode`) to stationarity.
//! * [`continuum`]: the PDEs (38)–(39) and (52)–(53) on a periodic domain
//!   (semi-implicit pseudo-spectral scheme), the stationary sech profile (44),
//!   `b± = 8 ± 4√2` (45) and its linear stability.
//! * [`turing`]: the uniform fixed point and the Turing conditions (A1)–(A12).
//!
//! # Derivation of the small-weight expansion (re-derived; the printed (48), (50), (51) have typos)
//!
//! For M hidden ±1 units the log-likelihood (19) is
//! `log L = Σ_μ ⟨log cosh I_μ⟩_data − log Z`, `I_μ = Σ_i w_iμ v_i`,
//! `Z = Σ_v Π_μ cosh I_μ`. Using `Σ_v cosh(Σ_i x_i v_i) = 2^N Π_i cosh x_i` and
//! `cosh a cosh b = ½[cosh(a+b) + cosh(a−b)]`:
//!
//! * M = 1: `Z = 2^N Π_i cosh w_i`, so `∂ log Z/∂w_i = tanh w_i` — eq. (32).
//! * M = 2: with `a_k = w_k1 + w_k2`, `d_k = w_k1 − w_k2`,
//!   `Z = 2^{N−1}[Π_k cosh a_k + Π_k cosh d_k]` and, writing `R = Π_k cosh d_k / cosh a_k`,
//!   `∂ log Z/∂w_i1 = tanh(a_i)/(1 + R) + tanh(d_i)/(1 + 1/R)`,
//!   `∂ log Z/∂w_i2 = tanh(a_i)/(1 + R) − tanh(d_i)/(1 + 1/R)`.
//!   This is eq. (48) once its two typos are fixed: the denominator of the first
//!   fraction reads `cosh(w_k2 + w_k2)` for `cosh(w_k1 + w_k2)`, and `w_2i` stands for `w_i2`.
//!
//! Expand to fourth order in the weights, at lowest order in β. The data term uses
//! `log cosh x = x²/2 − x⁴/12 + O(x⁶)`, `⟨I²⟩ = Σ_i w_i² + 2β Σ_i w_i w_{i+1} + O(β²w²)`
//! (nearest-neighbour correlation `tanh β = β + O(β³)`, eq. 34) and, for independent
//! ±1 spins, `⟨I⁴⟩ = 3(Σ_i w_i²)² − 2 Σ_i w_i⁴ + O(βw⁴)`. For `log Z`:
//! `log(e^A + e^D) = (A+D)/2 + log 2cosh((A−D)/2)` with `A = Σ log cosh a_k`,
//! `D = Σ log cosh d_k`, `(A − D)/2 = Σ_k w_k1 w_k2 + O(w⁴) ≡ c + O(w⁴)` (this is eq. 49)
//! and `a⁴ + d⁴ = 2(w_1⁴ + 6w_1²w_2² + w_2⁴)`. Collecting terms, up to a constant,
//!
//! ```text
//! log L = Σ_μ [ β Σ_i w_iμ w_{i+1,μ} − ¼ (Σ_i w_iμ²)² + ¼ Σ_i w_iμ⁴ ]
//!         + ½ Σ_i w_i1² w_i2² − ½ (Σ_i w_i1 w_i2)²  +  O(w⁶, βw⁴, β²w²).
//! ```
//!
//! Its gradient is
//!
//! ```text
//! ∂/∂w_i1 = β(w_{i+1,1} + w_{i−1,1}) − w_i1 Σ_k w_k1² + w_i1³ + w_i1 w_i2² − w_i2 Σ_k w_k1 w_k2
//! ∂/∂w_i2 = β(w_{i+1,2} + w_{i−1,2}) − w_i2 Σ_k w_k2² + w_i2³ + w_i2 w_i1² − w_i1 Σ_k w_k1 w_k2
//! ```
//!
//! with error `O(w⁵, βw³, β²w)`. Setting `w_i2 = 0` gives eq. (36). Rescaling
//! `w = √β u`, `t = t'/β` removes β (eq. 37 for M = 1); for M = 2 this is eq. (50)
//! with `w_2i → w_i2`, and eq. (51) with its last term corrected from
//! `−w_i1 Σ_k w_k1 w_k1` to `−w_i1 Σ_k w_k1 w_k2`. Along `w = √β u` every retained term
//! is `O(β^{3/2})` and every neglected one `O(β^{5/2})`, so the relative error of the
//! expansion is `O(β)`: the tests check this scaling against finite differences of the
//! exactly enumerated log-likelihood.
//!
//! # Continuum limit
//!
//! `w_{i+1} + w_{i−1} = 2w_i + ∂²w + O(∂⁴w)` (lattice spacing 1) turns (37) into (38)–(39),
//! `∂_t w = ∂²w + (2 − b)w + w³`, `b = ∫ w²`, and (50)–(51) into (52)–(53) (printed
//! correctly). Both are gradient ascents of
//! `G = Σ_μ ∫[−½(∂w_μ)² + w_μ² + ¼w_μ⁴] − ¼ Σ_μ b_μ² + ½∫w_1²w_2² − ½c²`.
//!
//! # Stationary profile and its stability
//!
//! The localised stationary solution of (38) is `w(x) = √(2(b−2)) / cosh(x√(b−2))`
//! (eq. 44); self-consistency `b = ∫w² = 4√(b−2)` (eq. 45) gives `b² − 16b + 32 = 0`,
//! `b± = 8 ± 4√2`. The paper's eq. (47) is not a closed equation for `∫wε` (the weight
//! `8 − b sech²` depends on x), so its "stable iff b < 8" is a heuristic. An exact
//! analysis (re-derived here): the linearised operator is `𝓛 = H − 2 w wᵀ` with
//! `H = ∂² + (2 − b) + 3w²`, a Pöschl–Teller operator whose spectrum in units of
//! `κ² = b − 2` is `{3, 0, (−∞, −1]}` (eigenfunctions `sech²`, `sech·tanh` = translation).
//! In the even sector a positive eigenvalue `λ` of `𝓛` solves
//! `g(λ) ≡ 2⟨w, (H − λ)⁻¹ w⟩ = 1`; `g` increases from `g(0)` to `+∞` on `(0, 3κ²)`, so such
//! an eigenvalue exists iff `g(0) < 1`. Differentiating the stationary equation in b gives
//! `H ∂_b w = w`, hence `g(0) = 2⟨w, ∂_b w⟩ = ∂_b ∫w² = 2/√(b−2)`: the sech family is
//! linearly unstable iff `b > 6` (the odd sector only holds the translation zero mode and
//! modes below `−κ²`). Both criteria classify `b₋ = 2.343` as stable and `b₊ = 13.657` as
//! unstable; [`continuum::linear_stability`] evaluates the spectrum numerically.
//!
//! # Uniform state and Turing conditions
//!
//! See [`turing`]: on a ring of length L the uniform fixed point is
//! `w* = √(2/(L−1))`, `b* = 2L/(L−1)` (A2), with `f_w = 4/(L−1)`, `tr A = −4L/(L−1)`,
//! `det A = 16/(L−1)`. The exact linearisation of (38)–(39) gives the growth rate
//! `4/(L−1) − k²` for a zero-mean mode of wavenumber k (the `d → ∞` limit of (A9)) and `−4`
//! for the uniform mode.

mod fft;

pub mod continuum;
pub mod discrete;
pub mod turing;

/// A sampled profile `w(position)`; a pipeline stage writes it as a two-column table
/// (`position`, `value`). For the lattice equations `position` is the site index `i`
/// (as `f64`, starting at 0); for the PDEs it is the grid point `x_j = jL/n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Positions (site indices or grid points), increasing and uniformly spaced.
    pub position: Vec<f64>,
    /// Profile values at each position.
    pub value: Vec<f64>,
}

/// Shape of a single bump on a ring, as measured by [`peak_shape`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeakShape {
    /// Circular centre of mass of `w²` (same units as `position`, in `[0, L)`).
    pub centre: f64,
    /// Largest `|w|`.
    pub peak: f64,
    /// Full width at half maximum of `|w|` around the peak (linear interpolation
    /// between samples), in position units.
    pub fwhm: f64,
    /// `Σ w²` times the grid spacing (`Σ_i w_i²` on the lattice, `∫w²` on a PDE grid).
    pub sum_sq: f64,
}

/// Measures centre, height, FWHM and `Σw²·h` of the dominant bump of a profile on a
/// ring of length `n·h` (h = spacing of `profile.position`). Used on the outputs of
/// eqs. (37), (50)–(51), (38) and (52); the sign of the profile is irrelevant
/// (the RBM is invariant under `w → −w`).
///
/// Errors if the profile has fewer than 3 points, mismatched lengths, non-uniform
/// spacing, non-finite values or vanishes identically.
pub fn peak_shape(profile: &Profile) -> crate::error::Result<PeakShape> {
    use crate::error::{Error, ensure};
    let n = profile.value.len();
    ensure(n >= 3, "profile length", n as f64, "need at least 3 points")?;
    ensure(
        profile.position.len() == n,
        "position length",
        profile.position.len() as f64,
        "must equal the number of values",
    )?;
    let h = profile.position[1] - profile.position[0];
    ensure(h > 0.0, "spacing", h, "positions must increase")?;
    for pair in profile.position.windows(2) {
        ensure(
            ((pair[1] - pair[0]) - h).abs() <= 1e-9 * h.max(1.0),
            "spacing",
            pair[1] - pair[0],
            "positions must be uniformly spaced",
        )?;
    }
    if profile.value.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("profile"));
    }
    let len = n as f64 * h;
    let (imax, &vmax) =
        profile.value.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).expect("non-empty");
    let peak = vmax.abs();
    ensure(peak > 0.0, "profile peak", peak, "profile vanishes identically")?;
    let s = vmax.signum();
    let half = 0.5 * peak;
    // Walk outwards from the peak until the signed profile drops below half maximum.
    let walk = |dir: isize| -> f64 {
        let mut prev = peak;
        for step in 1..n {
            let j = (imax as isize + dir * step as isize).rem_euclid(n as isize) as usize;
            let v = s * profile.value[j];
            if v < half {
                return (step as f64 - 1.0 + (prev - half) / (prev - v)) * h;
            }
            prev = v;
        }
        len / 2.0
    };
    let fwhm = (walk(1) + walk(-1)).min(len);
    let (mut cr, mut ci, mut sum_sq) = (0.0, 0.0, 0.0);
    for (x, v) in profile.position.iter().zip(&profile.value) {
        let a = 2.0 * std::f64::consts::PI * (x - profile.position[0]) / len;
        cr += v * v * a.cos();
        ci += v * v * a.sin();
        sum_sq += v * v;
    }
    let centre = profile.position[0] + (ci.atan2(cr) / (2.0 * std::f64::consts::PI) * len).rem_euclid(len);
    Ok(PeakShape { centre, peak, fwhm, sum_sq: sum_sq * h })
}

/// One checkpoint of a run (lattice or PDE), for convergence tables.
#[derive(Debug, Clone, PartialEq)]
pub struct TracePoint {
    /// Time (in units where `ν = 1`).
    pub t: f64,
    /// `Σ_i w_iμ²` (lattice) or `b_μ = ∫w_μ²` (PDE), one entry per hidden unit.
    pub sum_sq: Vec<f64>,
    /// `Σ_i w_i1 w_i2` (lattice) or `c = ∫w_1 w_2` (PDE); 0 for one unit.
    pub overlap: f64,
    /// `max |dw/dt|` over sites and units.
    pub residual: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_shape_of_a_sampled_sech() {
        // Fine grid: FWHM of sech(x) is 2 acosh 2, ∫sech² = 2.
        let h = 0.01;
        let n = 4000;
        let position: Vec<f64> = (0..n).map(|j| j as f64 * h).collect();
        let value = position.iter().map(|x| -1.0 / (x - 13.0f64).cosh()).collect();
        let s = peak_shape(&Profile { position, value }).unwrap();
        assert!((s.fwhm - 2.0 * 2f64.acosh()).abs() < 1e-3);
        assert!((s.centre - 13.0).abs() < 1e-6);
        assert!((s.sum_sq - 2.0).abs() < 1e-6);
        assert!((s.peak - 1.0).abs() < 1e-4);
    }

    #[test]
    fn peak_shape_rejects_bad_profiles() {
        let p = Profile { position: vec![0.0, 1.0, 2.0], value: vec![0.0; 3] };
        assert!(peak_shape(&p).is_err());
        let p = Profile { position: vec![0.0, 1.0], value: vec![1.0, 0.0] };
        assert!(peak_shape(&p).is_err());
        let p = Profile { position: vec![0.0, 1.0, 3.0], value: vec![1.0, 0.0, 0.0] };
        assert!(peak_shape(&p).is_err());
    }
}
