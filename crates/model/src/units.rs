//! Unit types of the four papers behind one trait, [`UnitType`].
//!
//! Conventions (shared by the whole crate). A unit with value `x` (a scalar, or a one-hot vector of
//! length `P` for Potts) receiving the total input `I` (weights times the other layer, plus bias,
//! plus any external field) at inverse temperature `β` has the conditional law
//!
//! `p(x | I) = exp(β (I·x − U(x)) − Γ_β(I))`,
//!
//! where `U` is the unit's potential without its linear (bias) part and
//! `Γ_β(I) = ln Σ_x exp(β(I·x − U(x)))` (an integral for real-valued units) is its cumulant
//! generating function. The potentials are
//!
//! | type | support | `U(x)` | `Γ_β(I)` |
//! |---|---|---|---|
//! | Bernoulli | {0,1} | 0 | `ln(1 + e^{βI})` |
//! | Ising | {−1,+1} | 0 | `ln 2cosh(βI)` |
//! | Gaussian(γ) | ℝ | `γx²/2` | `βI²/(2γ) + ½ ln(2π/(βγ))` |
//! | Potts(P) | one-hot of P | 0 | `ln Σ_a e^{βI_a}` |
//! | DoubleWell(θ) | ℝ | `x²/2 + θ|x|` | see below |
//!
//! Gaussian with `γ = N` is the `h²N/2` hidden unit of the BG-RBM analysed in paper 001.
//!
//! **Double well** (paper 002, Sec. 2.1, text after eq. (2): `U(h) = h²/2 + θ|h|`, the symmetric dReLU of Tubiana's PGM).
//! Derivation (re-derived here): at β = 1, with `a = I − θ` and `b = I + θ`,
//! `∫_0^∞ e^{−h²/2 + a h} dh = √(2π) e^{a²/2} Φ(a)` and `∫_{−∞}^0 e^{−h²/2 + b h} dh = √(2π) e^{b²/2} Φ(−b)`,
//! so `Γ_1(I) = ln √(2π) + ln(e^{L(a)} + e^{L(−b)})` with `L(a) = ln(e^{a²/2}Φ(a))`
//! ([`crate::special::log_phi_scaled`], erfcx-stable). The conditional is the mixture of `N(a,1)`
//! truncated to `h > 0` (weight ∝ `e^{L(a)}`) and `N(b,1)` truncated to `h < 0` (weight ∝ `e^{L(−b)}`);
//! both parts are sampled exactly. For β ≠ 1 substitute `y = √β h`:
//! `β(I h − h²/2 − θ|h|) = (√β I) y − y²/2 − (√β θ)|y|`, hence
//! `Γ_β(I; θ) = Γ_1(√β I; √β θ) − ½ ln β` and `h = y/√β`.
//!
//! **Per-unit thresholds and the θ gradient** (paper 002, Sec. 2.2: θ_μ is trained with w, b, c;
//! the paper prints no formula, re-derived here). Each hidden unit μ has its own `θ_μ`
//! (see [`crate::layer::Layer::unit`]). Differentiating `Γ_β(I; θ) = ln ∫ e^{β(I h − h²/2 − θ|h|)} dh`
//! under the integral gives `∂Γ_β/∂θ = −β E[|h| | I]`. Since `ln p(v) = −β(U_v(v) − b·v) + Σ_μ Γ_β(I_μ(v); θ_μ) − ln Z`,
//!
//! `∂ ln p(v)/∂θ_μ = −β E[|h_μ| | v] + β ⟨E[|h_μ| | v]⟩_model`
//!
//! (the data term minus the model term of paper 002 eq. (5) with `∂E/∂θ_μ = |h_μ|`). The conditional
//! absolute mean is closed form: in the β = 1 variable `y = √β h` the law is the mixture, with
//! weight `w₊ = σ(L(a) − L(−b))`, of `N(a,1)` truncated to `y > 0` and `N(b,1)` truncated to `y < 0`.
//! The positive part has `E[y] = a + λ(a)` and the negative part `E[−y] = −b + λ(−b)`, where
//! `λ(x) = φ(x)/Φ(x) = 1/(√(2π) e^{L(x)})` is the inverse Mills ratio (finite for every `x` through the
//! erfcx form of `L`). Hence
//!
//! `E[|h| | I] = (w₊ (a + λ(a)) + (1 − w₊)(−b + λ(−b))) / √β`, `a = √β(I − θ)`, `b = √β(I + θ)`
//!
//! ([`DoubleWell::abs_mean`]). Both bracketed terms are positive (`x + λ(x) > 0` for all `x`), so
//! no cancellation occurs for large `|I|`.

use crate::special::{
    LN_SQRT_2PI, ln_2cosh, log_phi_scaled, logaddexp, positive_truncated_moments, sample_std_normal_above, sigmoid,
    softplus,
};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// One unit type: cumulant generating function, conditional moments, exact conditional sampling
/// and potential. All slices have length [`UnitType::width`] (1, or `P` for Potts one-hot units).
pub trait UnitType {
    /// Short name used in error messages.
    fn name(&self) -> &'static str;
    /// Number of columns one unit occupies (1, or `P` for Potts).
    fn width(&self) -> usize;
    /// `Γ_β(I) = ln Σ_x exp(β(I·x − U(x)))` (module docs; Γ as defined after paper 002 eq. (3), with β; re-derived for the double well).
    fn cgf(&self, input: &[f64], beta: f64) -> f64;
    /// Conditional mean `E[x | I] = (1/β) ∂Γ_β/∂I`.
    fn mean(&self, input: &[f64], beta: f64, out: &mut [f64]);
    /// Conditional variance of each component of `x` given `I` (`p_a(1−p_a)` for Potts).
    fn var(&self, input: &[f64], beta: f64, out: &mut [f64]);
    /// Exact draw of `x ~ p(x | I)`.
    fn sample<R: Rng + ?Sized>(&self, input: &[f64], beta: f64, rng: &mut R, out: &mut [f64]);
    /// Potential `U(x)` without its linear part.
    fn potential(&self, x: &[f64]) -> f64;
    /// Whether `x` lies in the support.
    fn in_support(&self, x: &[f64]) -> bool;
    /// Number of states of a discrete unit, `None` for real-valued units.
    fn n_states(&self) -> Option<usize>;
    /// Write the `idx`-th state (discrete units only; `idx < n_states`).
    fn state(&self, idx: usize, out: &mut [f64]);
}

/// Bernoulli {0,1} unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bernoulli;
/// Ising ±1 unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ising;
/// Gaussian unit with potential `γx²/2` (`precision` = γ > 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gaussian {
    /// Precision γ of the quadratic potential.
    pub precision: f64,
}
/// Potts unit with `states` states in one-hot representation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Potts {
    /// Number of states P ≥ 2.
    pub states: usize,
}
/// Symmetric double-well unit `U(h) = h²/2 + θ|h|` (paper 002, Sec. 2.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoubleWell {
    /// θ: positive values push mass towards 0 (ReLU-like), negative values split it into two wells.
    pub theta: f64,
}

impl UnitType for Bernoulli {
    fn name(&self) -> &'static str {
        "Bernoulli"
    }
    fn width(&self) -> usize {
        1
    }
    fn cgf(&self, i: &[f64], beta: f64) -> f64 {
        softplus(beta * i[0])
    }
    fn mean(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        out[0] = sigmoid(beta * i[0]);
    }
    fn var(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        let p = sigmoid(beta * i[0]);
        out[0] = p * (1.0 - p);
    }
    fn sample<R: Rng + ?Sized>(&self, i: &[f64], beta: f64, rng: &mut R, out: &mut [f64]) {
        let u: f64 = rng.random();
        out[0] = if u < sigmoid(beta * i[0]) { 1.0 } else { 0.0 };
    }
    fn potential(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn in_support(&self, x: &[f64]) -> bool {
        x[0] == 0.0 || x[0] == 1.0
    }
    fn n_states(&self) -> Option<usize> {
        Some(2)
    }
    fn state(&self, idx: usize, out: &mut [f64]) {
        out[0] = idx as f64;
    }
}

impl UnitType for Ising {
    fn name(&self) -> &'static str {
        "Ising"
    }
    fn width(&self) -> usize {
        1
    }
    fn cgf(&self, i: &[f64], beta: f64) -> f64 {
        ln_2cosh(beta * i[0])
    }
    fn mean(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        out[0] = (beta * i[0]).tanh();
    }
    fn var(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        let m = (beta * i[0]).tanh();
        out[0] = 1.0 - m * m;
    }
    fn sample<R: Rng + ?Sized>(&self, i: &[f64], beta: f64, rng: &mut R, out: &mut [f64]) {
        let u: f64 = rng.random();
        out[0] = if u < sigmoid(2.0 * beta * i[0]) { 1.0 } else { -1.0 };
    }
    fn potential(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn in_support(&self, x: &[f64]) -> bool {
        x[0] == 1.0 || x[0] == -1.0
    }
    fn n_states(&self) -> Option<usize> {
        Some(2)
    }
    fn state(&self, idx: usize, out: &mut [f64]) {
        out[0] = if idx == 0 { -1.0 } else { 1.0 };
    }
}

impl UnitType for Gaussian {
    fn name(&self) -> &'static str {
        "Gaussian"
    }
    fn width(&self) -> usize {
        1
    }
    fn cgf(&self, i: &[f64], beta: f64) -> f64 {
        let g = self.precision;
        0.5 * beta * i[0] * i[0] / g + LN_SQRT_2PI - 0.5 * (beta * g).ln()
    }
    fn mean(&self, i: &[f64], _beta: f64, out: &mut [f64]) {
        out[0] = i[0] / self.precision;
    }
    fn var(&self, _i: &[f64], beta: f64, out: &mut [f64]) {
        out[0] = 1.0 / (beta * self.precision);
    }
    fn sample<R: Rng + ?Sized>(&self, i: &[f64], beta: f64, rng: &mut R, out: &mut [f64]) {
        let z: f64 = StandardNormal.sample(rng);
        out[0] = i[0] / self.precision + z / (beta * self.precision).sqrt();
    }
    fn potential(&self, x: &[f64]) -> f64 {
        0.5 * self.precision * x[0] * x[0]
    }
    fn in_support(&self, x: &[f64]) -> bool {
        x[0].is_finite()
    }
    fn n_states(&self) -> Option<usize> {
        None
    }
    fn state(&self, _idx: usize, _out: &mut [f64]) {
        unreachable!("Gaussian units are not enumerable")
    }
}

impl Potts {
    fn probs(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        let m = i.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(beta * b));
        let mut s = 0.0;
        for (o, &x) in out.iter_mut().zip(i) {
            *o = (beta * x - m).exp();
            s += *o;
        }
        for o in out.iter_mut() {
            *o /= s;
        }
    }
}

impl UnitType for Potts {
    fn name(&self) -> &'static str {
        "Potts"
    }
    fn width(&self) -> usize {
        self.states
    }
    fn cgf(&self, i: &[f64], beta: f64) -> f64 {
        let m = i.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(beta * b));
        m + i.iter().map(|&x| (beta * x - m).exp()).sum::<f64>().ln()
    }
    fn mean(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        self.probs(i, beta, out);
    }
    fn var(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        self.probs(i, beta, out);
        for o in out.iter_mut() {
            *o *= 1.0 - *o;
        }
    }
    fn sample<R: Rng + ?Sized>(&self, i: &[f64], beta: f64, rng: &mut R, out: &mut [f64]) {
        self.probs(i, beta, out);
        let u: f64 = rng.random();
        let mut acc = 0.0;
        let mut pick = self.states - 1;
        for (a, &p) in out.iter().enumerate() {
            acc += p;
            if u < acc {
                pick = a;
                break;
            }
        }
        out.fill(0.0);
        out[pick] = 1.0;
    }
    fn potential(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn in_support(&self, x: &[f64]) -> bool {
        x.iter().all(|&v| v == 0.0 || v == 1.0) && x.iter().filter(|&&v| v == 1.0).count() == 1
    }
    fn n_states(&self) -> Option<usize> {
        Some(self.states)
    }
    fn state(&self, idx: usize, out: &mut [f64]) {
        out.fill(0.0);
        out[idx] = 1.0;
    }
}

impl DoubleWell {
    /// `(a, b, L(a), L(−b), √β)` of the β-rescaled unit (module docs).
    #[inline]
    fn parts(&self, input: f64, beta: f64) -> (f64, f64, f64, f64, f64) {
        let sb = beta.sqrt();
        let i = sb * input;
        let t = sb * self.theta;
        let a = i - t;
        let b = i + t;
        (a, b, log_phi_scaled(a), log_phi_scaled(-b), sb)
    }

    /// Mean and variance of the β = 1 variable `y = √β h` (mixture of two truncated Gaussians).
    fn moments_scaled(&self, input: f64, beta: f64) -> (f64, f64, f64) {
        let (a, b, la, lb, sb) = self.parts(input, beta);
        let wp = sigmoid(la - lb);
        let (mp, vp) = positive_truncated_moments(a);
        let (mn, vn) = positive_truncated_moments(-b);
        let mn = -mn;
        let m = wp * mp + (1.0 - wp) * mn;
        let second = wp * (vp + mp * mp) + (1.0 - wp) * (vn + mn * mn);
        (m, (second - m * m).max(0.0), sb)
    }
}

impl DoubleWell {
    /// Conditional absolute mean `E[|h| | I]` at inverse temperature β (module docs; re-derived,
    /// paper 002 Sec. 2.1 potential). `−β E[|h| | I] = ∂Γ_β/∂θ`, the per-unit term of the θ gradient.
    pub fn abs_mean(&self, input: f64, beta: f64) -> f64 {
        let (a, b, la, lb, sb) = self.parts(input, beta);
        let wp = sigmoid(la - lb);
        let (mp, _) = positive_truncated_moments(a);
        let (mn, _) = positive_truncated_moments(-b);
        (wp * mp + (1.0 - wp) * mn) / sb
    }
}

impl UnitType for DoubleWell {
    fn name(&self) -> &'static str {
        "DoubleWell"
    }
    fn width(&self) -> usize {
        1
    }
    fn cgf(&self, i: &[f64], beta: f64) -> f64 {
        let (_, _, la, lb, _) = self.parts(i[0], beta);
        LN_SQRT_2PI + logaddexp(la, lb) - 0.5 * beta.ln()
    }
    fn mean(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        let (m, _, sb) = self.moments_scaled(i[0], beta);
        out[0] = m / sb;
    }
    fn var(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        let (_, v, _) = self.moments_scaled(i[0], beta);
        out[0] = v / beta;
    }
    fn sample<R: Rng + ?Sized>(&self, i: &[f64], beta: f64, rng: &mut R, out: &mut [f64]) {
        out[0] = self.sample_one(i[0], beta, rng);
    }
    fn potential(&self, x: &[f64]) -> f64 {
        0.5 * x[0] * x[0] + self.theta * x[0].abs()
    }
    fn in_support(&self, x: &[f64]) -> bool {
        x[0].is_finite()
    }
    fn n_states(&self) -> Option<usize> {
        None
    }
    fn state(&self, _idx: usize, _out: &mut [f64]) {
        unreachable!("double-well units are not enumerable")
    }
}

impl DoubleWell {
    /// Exact draw from the two-sided truncated-Gaussian mixture (module docs).
    #[inline]
    pub fn sample_one<R: Rng + ?Sized>(&self, input: f64, beta: f64, rng: &mut R) -> f64 {
        let (a, b, la, lb, sb) = self.parts(input, beta);
        let wp = sigmoid(la - lb);
        let u: f64 = rng.random();
        let y = if u < wp { a + sample_std_normal_above(-a, rng) } else { b - sample_std_normal_above(b, rng) };
        y / sb
    }
}

/// The unit type of a layer, dispatched at run time (one match per block in the hot loops).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Units {
    /// {0,1} units.
    Bernoulli,
    /// ±1 units.
    Ising,
    /// Real units with potential `precision·x²/2`.
    Gaussian {
        /// Precision γ > 0 (γ = N gives the `h²N/2` unit of paper 001).
        precision: f64,
    },
    /// Categorical units with `states` states, stored one-hot.
    Potts {
        /// Number of states P ≥ 2.
        states: usize,
    },
    /// Real units with the double-well potential `h²/2 + θ|h|` of paper 002.
    DoubleWell {
        /// θ of the potential.
        theta: f64,
    },
}

macro_rules! dispatch {
    ($self:expr, $u:ident => $e:expr) => {
        match *$self {
            Units::Bernoulli => {
                let $u = Bernoulli;
                $e
            }
            Units::Ising => {
                let $u = Ising;
                $e
            }
            Units::Gaussian { precision } => {
                let $u = Gaussian { precision };
                $e
            }
            Units::Potts { states } => {
                let $u = Potts { states };
                $e
            }
            Units::DoubleWell { theta } => {
                let $u = DoubleWell { theta };
                $e
            }
        }
    };
}

impl Units {
    /// Check the unit-type parameters (γ > 0 finite, P ≥ 2, θ finite).
    pub fn validate(&self) -> crate::Result<()> {
        match *self {
            Units::Gaussian { precision } if !(precision > 0.0 && precision.is_finite()) => {
                Err(crate::error::param("precision", format!("must be positive and finite, got {precision}")))
            }
            Units::Potts { states } if states < 2 => {
                Err(crate::error::param("states", format!("Potts units need at least 2 states, got {states}")))
            }
            Units::DoubleWell { theta } if !theta.is_finite() => Err(crate::error::param("theta", "must be finite")),
            _ => Ok(()),
        }
    }

    /// Whether the unit takes finitely many values.
    pub fn is_discrete(&self) -> bool {
        self.n_states().is_some()
    }
}

impl UnitType for Units {
    fn name(&self) -> &'static str {
        dispatch!(self, u => u.name())
    }
    fn width(&self) -> usize {
        dispatch!(self, u => u.width())
    }
    fn cgf(&self, i: &[f64], beta: f64) -> f64 {
        dispatch!(self, u => u.cgf(i, beta))
    }
    fn mean(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        dispatch!(self, u => u.mean(i, beta, out))
    }
    fn var(&self, i: &[f64], beta: f64, out: &mut [f64]) {
        dispatch!(self, u => u.var(i, beta, out))
    }
    fn sample<R: Rng + ?Sized>(&self, i: &[f64], beta: f64, rng: &mut R, out: &mut [f64]) {
        dispatch!(self, u => u.sample(i, beta, rng, out))
    }
    fn potential(&self, x: &[f64]) -> f64 {
        dispatch!(self, u => u.potential(x))
    }
    fn in_support(&self, x: &[f64]) -> bool {
        dispatch!(self, u => u.in_support(x))
    }
    fn n_states(&self) -> Option<usize> {
        dispatch!(self, u => u.n_states())
    }
    fn state(&self, idx: usize, out: &mut [f64]) {
        dispatch!(self, u => u.state(idx, out))
    }
}
