//! Replica-symmetric (RS) saddle points of the spiked ±1 RBM ensemble (paper 000, eqs. 10–12),
//! re-derived because the extraction lost the fields `h`, `h̄` and the free energy.
//!
//! # Ensemble (paper 000 eq. 10)
//! `N_v` visible and `N_h` hidden ±1 units, no biases, energy `−sᵀWσ`, inverse temperature 1, and
//!
//! ```text
//! W_ij = Σ_{α=1..K} w_α u^α_i v^α_j + r_ij,   u^α_i = ũ^α_i/√N_v,  v^α_j = ṽ^α_j/√N_h,
//! r_ij ~ N(0, σ²/L),  L = √(N_v N_h),  κ = N_h/N_v,
//! ```
//!
//! with `ũ, ṽ` i.i.d. from zero-mean unit-variance component laws ([`ComponentLaw`]: Gaussian,
//! uniform on `[−√3, √3]`, Bernoulli ±1). Order parameters (our normalisation):
//! `m_α = (1/N_v) Σ_i ũ^α_i s_i` (visible), `m̄_α = (1/N_h) Σ_j ṽ^α_j σ_j` (hidden), and the
//! Edwards–Anderson overlaps `q = (1/N_v) Σ_i ⟨s_i⟩²`, `q̄ = (1/N_h) Σ_j ⟨σ_j⟩²`.
//!
//! # Derivation (replica trick, RS, `p → 0`)
//! The spike energy is `Σ_α w_α (s·u^α)(σ·v^α) = L Σ_α w_α m_α m̄_α`. Averaging `Z^p` over `r`
//! gives `exp[(σ²/2L) Σ_ij (Σ_a s^a_i σ^a_j)²] = exp[(Lσ²/2)(p + Σ_{a≠b} Q_ab Q̄_ab)]` with
//! `Q_ab = s^a·s^b/N_v`, `Q̄_ab = σ^a·σ^b/N_h`. Introducing the order parameters with conjugate
//! fields (two Hubbard–Stratonovich / delta-function pairs, as in the paper) and taking the RS
//! ansatz `Q_ab = q`, `Q̄_ab = q̄`, `m^a = m`, `m̄^a = m̄`, a visible site sees
//! `exp[(√κ σ² q̄/2)((Σ_a s^a)² − p) + Σ_a √κ Σ_α w_α m̄_α ũ_α s^a]` and a hidden site the mirror
//! image with `√κ → 1/√κ`. With `a = √κ` the single-site fields are
//!
//! ```text
//! h(x, ũ)  = a Σ_α w_α m̄_α ũ_α + σ √(a q̄) x          (visible),
//! h̄(x, ṽ)  = (1/a) Σ_α w_α m_α ṽ_α + σ √(q/a) x       (hidden),      x ~ N(0, 1),
//! ```
//!
//! and the RS free-energy functional per `L` (β = 1; the free energy is `f = −Φ`) is
//!
//! ```text
//! Φ = −Σ_α w_α m_α m̄_α + (σ²/2)(1 − q)(1 − q̄) + (1/a) E_{x,ũ} ln 2cosh h + a E_{x,ṽ} ln 2cosh h̄ .
//! ```
//!
//! Its stationarity conditions (using Stein's lemma `E[x g(x)] = E[g'(x)]` for the `q̄, q`
//! derivatives) are the saddle-point equations (paper 000 eqs. 11–12):
//!
//! ```text
//! m_α = E[ũ_α tanh h],   q = E[tanh² h],   m̄_α = E[ṽ_α tanh h̄],   q̄ = E[tanh² h̄].
//! ```
//!
//! **Relation to the paper's normalisation.** The paper's `(m_α, m̂_α)` of eq. (11) are
//! `m_α^paper = √κ m̄_α` (hidden) and `m̂_α^paper = m_α/√κ` (visible), its `(q, q̂) = (q̄, q)`; in
//! those variables the fields read `w_α m^paper_α ũ_α` and `w_α m̂^paper_α ṽ_α`, and the coupling
//! term is `Σ w_α m_α m̂_α`, as printed. See [`OrderParams::paper_m`].
//!
//! **Checks of the functional.** At `m = q = 0`, `Φ = (a + 1/a) ln 2 + σ²/2`, the annealed
//! value `(1/L) ln E Z` (exact in the paramagnet). The envelope theorem gives
//! `dΦ/dw_α = m_α m̄_α` and `dΦ/dσ = σ (1 − q q̄)`, which match the direct computation
//! `(1/L) ∂ ln Z` (Gaussian integration by parts for `σ`); the tests verify both by finite
//! differences of re-solved saddle points.
//!
//! # Phases and their boundaries (linearisation)
//! At `m = 0` the fields do not depend on `ũ, ṽ`, so linearising in `m`:
//! `δm = a w (1 − q) δm̄`, `δm̄ = (w/a)(1 − q̄) δm` for any unit-variance law. The `m = 0`
//! state becomes unstable towards the top mode when `w_1² (1 − q)(1 − q̄) = 1`:
//! paramagnet → ferromagnet at `w_1 = 1` for `σ ≤ 1`, spin glass → ferromagnet at
//! `w_1 = 1/√((1 − q_SG)(1 − q̄_SG))` for `σ > 1`. Linearising `q` at `q = 0`:
//! `q = aσ² q̄`, `q̄ = σ² q / a`, so the paramagnet → spin-glass line is `σ = 1` whatever κ. In the
//! `(1/σ, w/σ)` plane of the paper, `1/σ` plays the SK temperature `T/J` and `w/σ` the
//! ferromagnetic coupling `J₀/J`, and the diagram has the SK topology (paper 000, text after
//! eq. 12). These lines assume continuous transitions; see [`ferro_instability_line`].
//!
//! # Stability of a fixed point
//! The RS map `(m, q, m̄, q̄) ↦ (E[ũ tanh h], E[tanh² h], E[ṽ tanh h̄], E[tanh² h̄])` has a block
//! Jacobian `J = [[0, A], [B, 0]]`; its eigenvalues are `±√μ` with `μ ∈ spec(A B)`. A fixed point
//! is called stable when the spectral radius `√ρ(AB) < 1` (it attracts the saddle-point
//! iteration). For Gaussian components this reproduces the paper's claim analytically: at a
//! single-mode state `β`, Stein's lemma turns the self-consistency into
//! `w_β²(1 − q)(1 − q̄) = 1`, and the eigenvalue along a larger mode `α` is
//! `w_α²(1 − q)(1 − q̄) = (w_α/w_β)² > 1`: every state that is not condensed on the top mode is
//! unstable. The same identity shows that for non-degenerate `w` no mixed state exists with
//! Gaussian components (two condensed modes would need `w_α²(1 − q)(1 − q̄) = w_β²(1 − q)(1 − q̄)
//! = 1`). For Bernoulli components `m = E_x tanh(c + s x) > c E[1 − tanh²]`, so
//! `w_β²(1 − q)(1 − q̄) < 1` and lower modes (and mixtures) can be stable.
//!
//! # Numerics
//! Averages over `(ũ, x)` use tensor quadrature from [`crate::quad`] sized for `tanh`
//! integrands: Gauss–Hermite / composite Gauss–Legendre for Gaussian laws, composite
//! Gauss–Legendre for the uniform law, the exact two-point rule for Bernoulli. For Gaussian
//! components the `K + 1`-dimensional average collapses to one dimension by Stein's lemma
//! (`Σ_α c_α ũ_α + s x ~ N(0, |c|² + s²)`, `E[ũ_α g(h)] = c_α E[g'(h)]`); the generic tensor path
//! is kept for testing ([`SolverOptions::stein_gaussian`]). Fixed points are found by Newton's
//! method on the reduced map `(m, q) ↦ F_v(F_h(m, q))` with the analytic Jacobian and
//! backtracking, falling back to plain iteration when a Newton step does not reduce the
//! residual.

use faer::Mat;
use ndarray::Array2;
use rayon::prelude::*;

use crate::error::{Error, Result, ensure};
use crate::quad::{self, Rule, TANH_STRIP};

/// Law of the rescaled singular-vector components `ũ`, `ṽ` (zero mean, unit variance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentLaw {
    /// Standard normal (kurtosis 3).
    Gaussian,
    /// Uniform on `[−√3, √3]` (kurtosis 1.8).
    Uniform,
    /// Rademacher ±1 with probability ½ (kurtosis 1).
    Bernoulli,
}

impl ComponentLaw {
    /// Name used in tables: `"gaussian"`, `"uniform"`, `"bernoulli"`.
    pub fn name(&self) -> &'static str {
        match self {
            ComponentLaw::Gaussian => "gaussian",
            ComponentLaw::Uniform => "uniform",
            ComponentLaw::Bernoulli => "bernoulli",
        }
    }

    /// Kurtosis `E[u⁴]` of the unit-variance law.
    pub fn kurtosis(&self) -> f64 {
        match self {
            ComponentLaw::Gaussian => 3.0,
            ComponentLaw::Uniform => 1.8,
            ComponentLaw::Bernoulli => 1.0,
        }
    }

    /// Quadrature rule for `E[g(c u)]` with `|c| <= scale` and `g` of `tanh` type.
    fn rule(&self, scale: f64) -> Result<Rule> {
        match self {
            ComponentLaw::Gaussian => quad::normal_rule_for_scale(scale, TANH_STRIP),
            ComponentLaw::Uniform => quad::uniform_rule_for_scale(3f64.sqrt(), scale, TANH_STRIP),
            ComponentLaw::Bernoulli => Ok(Rule { nodes: vec![-1.0, 1.0], weights: vec![0.5, 0.5] }),
        }
    }
}

/// Parameters of the spiked ensemble (paper 000 eq. 10).
#[derive(Debug, Clone, PartialEq)]
pub struct SpikedEnsemble {
    /// Isolated singular values `w_α >= 0`, `K = w.len()` in `1..=MAX_MODES`.
    pub w: Vec<f64>,
    /// Noise strength `σ >= 0` (`r_ij ~ N(0, σ²/L)`); `1/σ` is the SK-like temperature.
    pub sigma: f64,
    /// Aspect ratio `κ = N_h/N_v > 0`.
    pub kappa: f64,
    /// Law of the visible-side components `ũ`.
    pub law_u: ComponentLaw,
    /// Law of the hidden-side components `ṽ`.
    pub law_v: ComponentLaw,
}

/// Largest number of modes accepted (the tensor quadrature grows like `n^K`).
pub const MAX_MODES: usize = 6;

impl SpikedEnsemble {
    /// Checks the domain: `1 <= K <= MAX_MODES`, `w_α >= 0`, `σ >= 0` (a negative noise
    /// strength would be a negative temperature), `κ > 0`, all finite.
    pub fn validate(&self) -> Result<()> {
        ensure(
            !self.w.is_empty() && self.w.len() <= MAX_MODES,
            "K",
            self.w.len() as f64,
            "number of modes must be in 1..=6",
        )?;
        for &w in &self.w {
            ensure(w >= 0.0, "w", w, "singular values must be finite and >= 0")?;
        }
        ensure(
            self.sigma >= 0.0,
            "sigma",
            self.sigma,
            "noise strength must be finite and >= 0 (1/sigma is a temperature)",
        )?;
        ensure(self.kappa > 0.0, "kappa", self.kappa, "aspect ratio N_h/N_v must be finite and > 0")?;
        Ok(())
    }
}

/// RS order parameters in our normalisation (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderParams {
    /// Visible magnetisations `m_α = E[ũ_α tanh h]`.
    pub m_v: Vec<f64>,
    /// Hidden magnetisations `m̄_α = E[ṽ_α tanh h̄]`.
    pub m_h: Vec<f64>,
    /// Visible overlap `q = E[tanh² h]`.
    pub q_v: f64,
    /// Hidden overlap `q̄ = E[tanh² h̄]`.
    pub q_h: f64,
}

impl OrderParams {
    /// All-zero (paramagnetic) order parameters for `k` modes.
    pub fn zeros(k: usize) -> Self {
        Self { m_v: vec![0.0; k], m_h: vec![0.0; k], q_v: 0.0, q_h: 0.0 }
    }

    /// The paper's `m_α` of eq. (11): `√κ m̄_α`.
    pub fn paper_m(&self, kappa: f64) -> Vec<f64> {
        self.m_h.iter().map(|m| kappa.sqrt() * m).collect()
    }

    /// The paper's `m̂_α` of eq. (11): `m_α/√κ`.
    pub fn paper_m_hat(&self, kappa: f64) -> Vec<f64> {
        self.m_v.iter().map(|m| m / kappa.sqrt()).collect()
    }
}

/// Options of the saddle-point solver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverOptions {
    /// Convergence tolerance on `max |F(X) − X|` of the reduced map.
    pub tol: f64,
    /// Maximum number of Newton / iteration steps.
    pub max_iter: usize,
    /// Plain iterations before Newton starts.
    pub warmup: usize,
    /// Use the one-dimensional Stein reduction for Gaussian laws (exact identity; `false`
    /// forces the generic tensor quadrature, for testing).
    pub stein_gaussian: bool,
    /// `|m_α|` above which mode α counts as condensed.
    pub m_threshold: f64,
    /// `q` above which an `m = 0` state counts as a spin glass.
    pub q_threshold: f64,
}

impl Default for SolverOptions {
    fn default() -> Self {
        Self { tol: 1e-11, max_iter: 300, warmup: 3, stein_gaussian: true, m_threshold: 1e-6, q_threshold: 1e-8 }
    }
}

/// Thermodynamic phase of a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `m = 0`, `q = 0`.
    Paramagnetic,
    /// Some `m_α != 0`.
    Ferromagnetic,
    /// `m = 0`, `q > 0`.
    SpinGlass,
}

impl Phase {
    /// Label used in tables: `"paramagnetic"`, `"ferromagnetic"`, `"spin_glass"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Phase::Paramagnetic => "paramagnetic",
            Phase::Ferromagnetic => "ferromagnetic",
            Phase::SpinGlass => "spin_glass",
        }
    }
}

/// A solution attempt of the RS equations.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPoint {
    /// Order parameters reached (magnetisation signs normalised to `m_α >= 0`).
    pub params: OrderParams,
    /// Whether the residual fell below `tol`.
    pub converged: bool,
    /// Steps used.
    pub iterations: usize,
    /// Final residual `max |F(X) − X|`.
    pub residual: f64,
    /// RS free energy per `L = √(N_v N_h)`, `f = −Φ` (module docs).
    pub free_energy: f64,
    /// Spectral radius `√ρ(AB)` of the Jacobian of the RS map.
    pub spectral_radius: f64,
    /// `spectral_radius < 1`.
    pub stable: bool,
    /// Phase of this state.
    pub phase: Phase,
    /// Condensed modes (0-based indices with `|m_α| > m_threshold`).
    pub condensed: Vec<usize>,
}

/// Quadrature workspace for one layer's average (visible: over `ũ, x`; hidden: over `ṽ, x`).
#[derive(Debug, Clone)]
struct Side {
    k: usize,
    /// Singular values `w_β`.
    w: Vec<f64>,
    /// Noise strength `σ`.
    sigma: f64,
    /// Factor `f` in `c_β = f w_β m_conj[β]` (`a` visible, `1/a` hidden).
    field: f64,
    /// Factor `g` in `s = σ √(g q_conj)` (`a` visible, `1/a` hidden).
    noise: f64,
    stein: bool,
    /// Generic path: tensor points (flattened `n × k`) and weights.
    u_pts: Vec<f64>,
    u_w: Vec<f64>,
    /// Gaussian `x` rule (generic) or `z` rule (Stein).
    x: Rule,
}

/// Averages of one side, and its Jacobian with respect to the conjugate side's `(m, q)`.
#[derive(Debug, Clone)]
struct SideOut {
    /// `(m_1..m_K, q)`.
    f: Vec<f64>,
    /// Row-major `(K+1) × (K+1)`.
    jac: Vec<f64>,
    /// `E ln 2cosh`.
    logz: f64,
}

impl SideOut {
    fn new(k: usize) -> Self {
        Self { f: vec![0.0; k + 1], jac: vec![0.0; (k + 1) * (k + 1)], logz: 0.0 }
    }
}

/// `ln(2 cosh h) = |h| + ln(1 + e^{−2|h|})`, without overflow.
fn log2cosh(h: f64) -> f64 {
    let a = h.abs();
    a + (-2.0 * a).exp().ln_1p()
}

impl Side {
    fn new(law: ComponentLaw, w: &[f64], sigma: f64, field: f64, noise: f64, stein_gaussian: bool) -> Result<Self> {
        let k = w.len();
        let s_max = sigma * noise.sqrt();
        let stein = stein_gaussian && law == ComponentLaw::Gaussian;
        if stein {
            let c2: f64 = w.iter().map(|wb| (field * wb).powi(2)).sum();
            let x = quad::normal_rule_for_scale((c2 + s_max * s_max).sqrt(), TANH_STRIP)?;
            return Ok(Self { k, w: w.to_vec(), sigma, field, noise, stein, u_pts: vec![], u_w: vec![], x });
        }
        let rules: Vec<Rule> = w.iter().map(|wb| law.rule(field * wb)).collect::<Result<_>>()?;
        let n: usize = rules.iter().map(|r| r.len()).product();
        let mut u_pts = Vec::with_capacity(n * k);
        let mut u_w = Vec::with_capacity(n);
        let mut idx = vec![0usize; k];
        for _ in 0..n {
            let mut wt = 1.0;
            for (b, r) in rules.iter().enumerate() {
                u_pts.push(r.nodes[idx[b]]);
                wt *= r.weights[idx[b]];
            }
            u_w.push(wt);
            for b in 0..k {
                idx[b] += 1;
                if idx[b] < rules[b].len() {
                    break;
                }
                idx[b] = 0;
            }
        }
        let x = quad::normal_rule_for_scale(s_max, TANH_STRIP)?;
        Ok(Self { k, w: w.to_vec(), sigma, field, noise, stein, u_pts, u_w, x })
    }

    /// Evaluates the averages given the conjugate side's `(m, q)`.
    fn eval(&self, conj_m: &[f64], conj_q: f64, c: &mut [f64], out: &mut SideOut, want_logz: bool) {
        let (k, w, sigma) = (self.k, &self.w[..], self.sigma);
        for b in 0..k {
            c[b] = self.field * w[b] * conj_m[b];
        }
        let s = sigma * (self.noise * conj_q.max(0.0)).sqrt();
        let gamma = 0.5 * sigma * sigma * self.noise;
        out.f.iter_mut().for_each(|v| *v = 0.0);
        out.jac.iter_mut().for_each(|v| *v = 0.0);
        out.logz = 0.0;
        let kk = k + 1;
        if self.stein {
            let big_s = (c[..k].iter().map(|v| v * v).sum::<f64>() + s * s).sqrt();
            let (mut a0, mut a3, mut lz) = (0.0, 0.0, 0.0);
            for (&z, &wz) in self.x.nodes.iter().zip(&self.x.weights) {
                let h = big_s * z;
                let t = h.tanh();
                let d1 = 1.0 - t * t;
                a0 += wz * d1;
                a3 += wz * 2.0 * d1 * (1.0 - 3.0 * t * t);
                if want_logz {
                    lz += wz * log2cosh(h);
                }
            }
            for a in 0..k {
                out.f[a] = c[a] * a0;
                for b in 0..k {
                    let juu = if a == b { a0 } else { 0.0 } - c[a] * c[b] * a3;
                    out.jac[a * kk + b] = self.field * w[b] * juu;
                }
                out.jac[a * kk + k] = -gamma * c[a] * a3;
                out.jac[k * kk + a] = self.field * w[a] * c[a] * a3;
            }
            out.f[k] = 1.0 - a0;
            out.jac[k * kk + k] = gamma * a3;
            out.logz = lz;
            return;
        }
        // Generic tensor quadrature. Accumulate raw moments, then scale.
        // jac[a][b] <- E[u_a u_b d1], jac[k][b] <- E[u_b 2 t d1], jac[k][k] <- E[2 d1 (1 − 3t²)].
        let n = self.u_w.len();
        for p in 0..n {
            let u = &self.u_pts[p * k..(p + 1) * k];
            let wu = self.u_w[p];
            let cu: f64 = (0..k).map(|b| c[b] * u[b]).sum();
            let (mut st, mut st2, mut sd1, mut sd2, mut sd3, mut lz) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for (&x, &wx) in self.x.nodes.iter().zip(&self.x.weights) {
                let h = cu + s * x;
                let t = h.tanh();
                let t2 = t * t;
                let d1 = 1.0 - t2;
                st += wx * t;
                st2 += wx * t2;
                sd1 += wx * d1;
                sd2 += wx * 2.0 * t * d1;
                sd3 += wx * 2.0 * d1 * (1.0 - 3.0 * t2);
                if want_logz {
                    lz += wx * log2cosh(h);
                }
            }
            for a in 0..k {
                out.f[a] += wu * u[a] * st;
                let ua = wu * u[a] * sd1;
                for (j, ub) in out.jac[a * kk..a * kk + k].iter_mut().zip(u) {
                    *j += ua * ub;
                }
                out.jac[k * kk + a] += wu * u[a] * sd2;
            }
            out.f[k] += wu * st2;
            out.jac[k * kk + k] += wu * sd3;
            out.logz += wu * lz;
        }
        for a in 0..k {
            for (j, wb) in out.jac[a * kk..a * kk + k].iter_mut().zip(w) {
                *j *= self.field * wb;
            }
            // ∂m_a/∂q_conj = γ E[u_a ∂²_h tanh] = −γ E[u_a 2 t d1].
            out.jac[a * kk + k] = -gamma * out.jac[k * kk + a];
        }
        for (j, wb) in out.jac[k * kk..k * kk + k].iter_mut().zip(w) {
            *j *= self.field * wb;
        }
        out.jac[k * kk + k] *= gamma;
    }
}

/// RS saddle-point solver for one ensemble (quadrature rules built once).
#[derive(Debug, Clone)]
pub struct RsSolver {
    ens: SpikedEnsemble,
    opts: SolverOptions,
    vis: Side,
    hid: Side,
}

/// Work buffers of one solve.
struct Work {
    c: Vec<f64>,
    ov: SideOut,
    oh: SideOut,
}

impl RsSolver {
    /// Validates the ensemble and options and builds the quadrature rules.
    ///
    /// Errors: ensemble outside its domain (negative σ = negative temperature, κ <= 0, …),
    /// non-positive `tol`, `max_iter = 0`.
    pub fn new(ens: &SpikedEnsemble, opts: &SolverOptions) -> Result<Self> {
        ens.validate()?;
        ensure(opts.tol > 0.0, "tol", opts.tol, "must be finite and > 0")?;
        ensure(opts.max_iter > 0, "max_iter", 0.0, "must be > 0")?;
        ensure(opts.m_threshold > 0.0, "m_threshold", opts.m_threshold, "must be finite and > 0")?;
        ensure(opts.q_threshold > 0.0, "q_threshold", opts.q_threshold, "must be finite and > 0")?;
        let a = ens.kappa.sqrt();
        let vis = Side::new(ens.law_u, &ens.w, ens.sigma, a, a, opts.stein_gaussian)?;
        let hid = Side::new(ens.law_v, &ens.w, ens.sigma, 1.0 / a, 1.0 / a, opts.stein_gaussian)?;
        Ok(Self { ens: ens.clone(), opts: *opts, vis, hid })
    }

    /// The ensemble being solved.
    pub fn ensemble(&self) -> &SpikedEnsemble {
        &self.ens
    }

    fn k(&self) -> usize {
        self.ens.w.len()
    }

    fn work(&self) -> Work {
        let k = self.k();
        Work { c: vec![0.0; k], ov: SideOut::new(k), oh: SideOut::new(k) }
    }

    fn check_params(&self, p: &OrderParams) -> Result<()> {
        let k = self.k();
        ensure(
            p.m_v.len() == k && p.m_h.len() == k,
            "m",
            p.m_v.len() as f64,
            "magnetisation vectors must have K entries",
        )?;
        for &v in p.m_v.iter().chain(&p.m_h) {
            ensure(v.is_finite(), "m", v, "must be finite")?;
        }
        ensure((0.0..=1.0).contains(&p.q_v), "q_v", p.q_v, "overlap must lie in [0, 1]")?;
        ensure((0.0..=1.0).contains(&p.q_h), "q_h", p.q_h, "overlap must lie in [0, 1]")?;
        Ok(())
    }

    /// One application of the RS equations (paper 000 eqs. 11–12, in our normalisation):
    /// returns `(E[ũ tanh h], E[tanh² h], E[ṽ tanh h̄], E[tanh² h̄])` evaluated at `p` (visible
    /// averages use `p`'s hidden parameters and vice versa).
    ///
    /// Errors: wrong number of modes, `q` outside `[0, 1]`, non-finite input.
    pub fn map(&self, p: &OrderParams) -> Result<OrderParams> {
        Ok(self.map_with_jacobian(p)?.0)
    }

    /// [`RsSolver::map`] and its analytic Jacobian, `(2K+2) × (2K+2)` in the variable order
    /// `(m_v[0..K], q_v, m_h[0..K], q_h)` (derivatives of the `q` averages by Stein's lemma).
    ///
    /// Errors: as [`RsSolver::map`].
    pub fn map_with_jacobian(&self, p: &OrderParams) -> Result<(OrderParams, Array2<f64>)> {
        self.check_params(p)?;
        let k = self.k();
        let mut w = self.work();
        self.vis.eval(&p.m_h, p.q_h, &mut w.c, &mut w.ov, false);
        self.hid.eval(&p.m_v, p.q_v, &mut w.c, &mut w.oh, false);
        let out = OrderParams { m_v: w.ov.f[..k].to_vec(), q_v: w.ov.f[k], m_h: w.oh.f[..k].to_vec(), q_h: w.oh.f[k] };
        let kk = k + 1;
        let mut j = Array2::<f64>::zeros((2 * kk, 2 * kk));
        for r in 0..kk {
            for c in 0..kk {
                j[[r, kk + c]] = w.ov.jac[r * kk + c];
                j[[kk + r, c]] = w.oh.jac[r * kk + c];
            }
        }
        Ok((out, j))
    }

    /// RS free energy per `L = √(N_v N_h)`, `f = −Φ(m, m̄, q, q̄)` (re-derived; module docs).
    /// Meaningful at a saddle point (it is the value of the functional at `p`).
    ///
    /// Errors: as [`RsSolver::map`].
    pub fn free_energy(&self, p: &OrderParams) -> Result<f64> {
        self.check_params(p)?;
        let mut w = self.work();
        Ok(self.free_energy_with(p, &mut w))
    }

    fn free_energy_with(&self, p: &OrderParams, w: &mut Work) -> f64 {
        let a = self.ens.kappa.sqrt();
        let s2 = self.ens.sigma * self.ens.sigma;
        self.vis.eval(&p.m_h, p.q_h, &mut w.c, &mut w.ov, true);
        self.hid.eval(&p.m_v, p.q_v, &mut w.c, &mut w.oh, true);
        let coupling: f64 = (0..self.k()).map(|b| self.ens.w[b] * p.m_v[b] * p.m_h[b]).sum();
        let phi = -coupling + 0.5 * s2 * (1.0 - p.q_v) * (1.0 - p.q_h) + w.ov.logz / a + a * w.oh.logz;
        -phi
    }

    /// Reduced map `X_v ↦ F_v(F_h(X_v))` with `X = (m_1..m_K, q)`; writes the hidden image to
    /// `xh` and the Jacobian `A·B` (row-major `(K+1)²`) to `j`.
    fn reduced(&self, xv: &[f64], w: &mut Work, out: &mut [f64], xh: &mut [f64], j: &mut [f64]) {
        let k = self.k();
        let kk = k + 1;
        self.hid.eval(&xv[..k], xv[k], &mut w.c, &mut w.oh, false);
        xh.copy_from_slice(&w.oh.f);
        self.vis.eval(&xh[..k], xh[k], &mut w.c, &mut w.ov, false);
        out.copy_from_slice(&w.ov.f);
        for r in 0..kk {
            for c in 0..kk {
                j[r * kk + c] = (0..kk).map(|m| w.ov.jac[r * kk + m] * w.oh.jac[m * kk + c]).sum();
            }
        }
    }

    /// Solves the RS equations from `start` (damped Newton on the reduced map, with plain
    /// iteration as fallback), then evaluates stability, free energy and phase. Never fails on
    /// non-convergence: the returned [`FixedPoint::converged`] says whether `tol` was reached.
    ///
    /// Errors: invalid `start` (wrong length, `q` outside `[0, 1]`, non-finite).
    pub fn solve_from(&self, start: &OrderParams) -> Result<FixedPoint> {
        self.check_params(start)?;
        let k = self.k();
        let kk = k + 1;
        let mut w = self.work();
        let mut x: Vec<f64> = start.m_v.iter().copied().chain([start.q_v]).collect();
        let mut fx = vec![0.0; kk];
        let mut xh = vec![0.0; kk];
        let mut jac = vec![0.0; kk * kk];
        let mut trial = vec![0.0; kk];
        let mut ftrial = vec![0.0; kk];
        let mut xh_trial = vec![0.0; kk];
        let clamp = |v: &mut [f64]| {
            for m in v[..k].iter_mut() {
                *m = m.clamp(-1.0, 1.0);
            }
            v[k] = v[k].clamp(0.0, 1.0);
        };
        let resid = |x: &[f64], fx: &[f64]| x.iter().zip(fx).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
        let mut jac_trial = vec![0.0; kk * kk];
        // Invariant: (fx, xh, jac) are the reduced map, hidden image and Jacobian at x.
        self.reduced(&x, &mut w, &mut fx, &mut xh, &mut jac);
        let mut res = resid(&x, &fx);
        let mut it = 0;
        let mut converged = false;
        loop {
            if !res.is_finite() {
                break;
            }
            if res < self.opts.tol {
                converged = true;
                break;
            }
            if it >= self.opts.max_iter {
                break;
            }
            it += 1;
            let mut accepted = false;
            if it > self.opts.warmup {
                // Newton: (AB − I) δ = −(F − X), with backtracking on the residual.
                let mut mat = jac.clone();
                for d in 0..kk {
                    mat[d * kk + d] -= 1.0;
                }
                let mut delta: Vec<f64> = x.iter().zip(&fx).map(|(a, b)| a - b).collect();
                if solve_linear(&mut mat, &mut delta, kk) {
                    let mut lambda = 1.0;
                    while lambda >= 1.0 / 64.0 {
                        for d in 0..kk {
                            trial[d] = x[d] + lambda * delta[d];
                        }
                        clamp(&mut trial);
                        self.reduced(&trial, &mut w, &mut ftrial, &mut xh_trial, &mut jac_trial);
                        let r = resid(&trial, &ftrial);
                        if r.is_finite() && r < res * (1.0 - 1e-4 * lambda) {
                            std::mem::swap(&mut x, &mut trial);
                            std::mem::swap(&mut fx, &mut ftrial);
                            std::mem::swap(&mut xh, &mut xh_trial);
                            std::mem::swap(&mut jac, &mut jac_trial);
                            res = r;
                            accepted = true;
                            break;
                        }
                        lambda *= 0.5;
                    }
                }
            }
            if !accepted {
                // Plain iteration X <- F(X).
                x.copy_from_slice(&fx);
                clamp(&mut x);
                self.reduced(&x, &mut w, &mut fx, &mut xh, &mut jac);
                res = resid(&x, &fx);
            }
        }
        let mut params = OrderParams { m_v: x[..k].to_vec(), q_v: x[k], m_h: xh[..k].to_vec(), q_h: xh[k] };
        // Per-mode sign symmetry (symmetric laws): normalise to m_v >= 0.
        for b in 0..k {
            if params.m_v[b] < 0.0 {
                params.m_v[b] = -params.m_v[b];
                params.m_h[b] = -params.m_h[b];
            }
        }
        let rho = spectral_radius(&jac, kk).sqrt();
        let free_energy = self.free_energy_with(&params, &mut w);
        let condensed: Vec<usize> = (0..k).filter(|&b| params.m_v[b].abs() > self.opts.m_threshold).collect();
        let phase = if !condensed.is_empty() {
            Phase::Ferromagnetic
        } else if params.q_v > self.opts.q_threshold || params.q_h > self.opts.q_threshold {
            Phase::SpinGlass
        } else {
            Phase::Paramagnetic
        };
        Ok(FixedPoint {
            params,
            converged,
            iterations: it,
            residual: res,
            free_energy,
            spectral_radius: rho,
            stable: rho.is_finite() && rho < 1.0,
            phase,
            condensed,
        })
    }

    /// Default starting points: paramagnet (`m = q = 0`), spin glass (`m = 0`, `q = 1`), each
    /// single mode (`m_α = 1`), each pair of modes and, for `K >= 3`, all modes (`m = 1`, `q = 1`).
    pub fn default_starts(&self) -> Vec<OrderParams> {
        let k = self.k();
        let mut starts = vec![OrderParams::zeros(k)];
        let base = OrderParams { m_v: vec![0.0; k], m_h: vec![0.0; k], q_v: 1.0, q_h: 1.0 };
        starts.push(base.clone());
        let with = |modes: &[usize]| {
            let mut p = base.clone();
            for &b in modes {
                p.m_v[b] = 1.0;
                p.m_h[b] = 1.0;
            }
            p
        };
        for a in 0..k {
            starts.push(with(&[a]));
        }
        for a in 0..k {
            for b in a + 1..k {
                starts.push(with(&[a, b]));
            }
        }
        if k >= 3 {
            starts.push(with(&(0..k).collect::<Vec<_>>()));
        }
        starts
    }

    /// Distinct fixed points reached from `starts` (all attempts are kept when they did not
    /// converge, so that a failure is visible; converged duplicates — equal `|m|` and `q`
    /// within 1e-6 — are merged).
    ///
    /// Errors: an invalid start.
    pub fn fixed_points_from(&self, starts: &[OrderParams]) -> Result<Vec<FixedPoint>> {
        let mut found: Vec<FixedPoint> = Vec::new();
        for s in starts {
            let fp = self.solve_from(s)?;
            if fp.converged && found.iter().any(|g| g.converged && same_state(g, &fp)) {
                continue;
            }
            found.push(fp);
        }
        Ok(found)
    }

    /// [`RsSolver::fixed_points_from`] with [`RsSolver::default_starts`].
    pub fn fixed_points(&self) -> Result<Vec<FixedPoint>> {
        self.fixed_points_from(&self.default_starts())
    }

    /// The thermodynamic state: the converged, stable fixed point of lowest free energy among
    /// [`RsSolver::fixed_points`] (paper 000: states weighted by their free energy). If none is
    /// both converged and stable, returns the converged point of smallest spectral radius (or
    /// the smallest residual) so that the caller sees `stable`/`converged` = false.
    ///
    /// Errors: none beyond construction; returns `Err(NotConverged)` only if no attempt ran.
    pub fn equilibrium(&self) -> Result<(FixedPoint, usize)> {
        let fps = self.fixed_points()?;
        let n_stable = fps.iter().filter(|f| f.converged && f.stable).count();
        let best = fps
            .iter()
            .filter(|f| f.converged && f.stable)
            .min_by(|a, b| a.free_energy.total_cmp(&b.free_energy))
            .or_else(|| {
                fps.iter().filter(|f| f.converged).min_by(|a, b| a.spectral_radius.total_cmp(&b.spectral_radius))
            })
            .or_else(|| fps.iter().min_by(|a, b| a.residual.total_cmp(&b.residual)))
            .cloned()
            .ok_or(Error::NotConverged { solver: "rs equilibrium", iterations: 0, residual: f64::NAN })?;
        Ok((best, n_stable))
    }
}

fn same_state(a: &FixedPoint, b: &FixedPoint) -> bool {
    let tol = 1e-6;
    a.params.m_v.iter().zip(&b.params.m_v).all(|(x, y)| (x.abs() - y.abs()).abs() < tol)
        && (a.params.q_v - b.params.q_v).abs() < tol
}

/// Gaussian elimination with partial pivoting; solves `m x = b` in place (`b` becomes `x`).
fn solve_linear(m: &mut [f64], b: &mut [f64], n: usize) -> bool {
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs())).unwrap_or(col);
        let p = m[piv * n + col].abs();
        if p.is_nan() || p <= 1e-300 {
            return false;
        }
        if piv != col {
            for c in 0..n {
                m.swap(piv * n + c, col * n + c);
            }
            b.swap(piv, col);
        }
        for r in col + 1..n {
            let f = m[r * n + col] / m[col * n + col];
            if f != 0.0 {
                for c in col..n {
                    m[r * n + c] -= f * m[col * n + c];
                }
                b[r] -= f * b[col];
            }
        }
    }
    for r in (0..n).rev() {
        let mut s = b[r];
        for c in r + 1..n {
            s -= m[r * n + c] * b[c];
        }
        b[r] = s / m[r * n + r];
    }
    b.iter().all(|v| v.is_finite())
}

/// Spectral radius of a small real matrix (row-major `n × n`), via faer's eigenvalues.
fn spectral_radius(m: &[f64], n: usize) -> f64 {
    if m.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let a = Mat::<f64>::from_fn(n, n, |i, j| m[i * n + j]);
    match a.eigenvalues() {
        Ok(ev) => ev.iter().map(|z| (z.re * z.re + z.im * z.im).sqrt()).fold(0.0, f64::max),
        Err(_) => f64::NAN,
    }
}

/// Specification of a phase diagram in the paper's `(1/σ, w/σ)` plane (paper 000, text after
/// eq. 12): `σ = 1/inv_sigma`, `w_1 = w_over_sigma · σ`, `w_α = mode_ratios[α] · w_1`.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseDiagramSpec {
    /// Aspect ratio `κ = N_h/N_v`.
    pub kappa: f64,
    /// Law of `ũ`.
    pub law_u: ComponentLaw,
    /// Law of `ṽ`.
    pub law_v: ComponentLaw,
    /// `w_α / w_1` (first entry 1; `[1.0]` for a single mode).
    pub mode_ratios: Vec<f64>,
    /// Temperature axis values `1/σ > 0`.
    pub inv_sigma: Vec<f64>,
    /// Coupling axis values `w_1/σ >= 0`.
    pub w_over_sigma: Vec<f64>,
}

/// Phase diagram as a long table: one row per grid point, `inv_sigma`-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhaseDiagram {
    /// `1/σ` of the row.
    pub inv_sigma: Vec<f64>,
    /// `w_1/σ` of the row.
    pub w_over_sigma: Vec<f64>,
    /// Equilibrium phase.
    pub phase: Vec<Phase>,
    /// Index (1-based) of the mode with the largest `|m_α|` in the equilibrium state, 0 if none.
    pub top_mode: Vec<i64>,
    /// Visible magnetisation of mode 1, `m_1`.
    pub m: Vec<f64>,
    /// Hidden magnetisation of mode 1, `m̄_1`.
    pub m_hidden: Vec<f64>,
    /// Visible overlap `q`.
    pub q: Vec<f64>,
    /// Hidden overlap `q̄`.
    pub q_hidden: Vec<f64>,
    /// Free energy per `L` of the equilibrium state.
    pub free_energy: Vec<f64>,
    /// Number of distinct converged stable fixed points found.
    pub n_stable: Vec<i64>,
    /// Whether the chosen state converged and is stable.
    pub converged: Vec<bool>,
}

impl PhaseDiagram {
    /// The phase column as strings (see [`Phase::as_str`]).
    pub fn phase_labels(&self) -> Vec<&'static str> {
        self.phase.iter().map(|p| p.as_str()).collect()
    }
}

/// One grid point of a phase diagram (helper shared by [`phase_diagram`] and tests).
///
/// Errors: `inv_sigma <= 0` (negative or infinite temperature), `w_over_sigma < 0`, invalid
/// spec.
pub fn phase_point(
    spec: &PhaseDiagramSpec,
    inv_sigma: f64,
    w_over_sigma: f64,
    opts: &SolverOptions,
) -> Result<(FixedPoint, usize)> {
    ensure(inv_sigma > 0.0, "inv_sigma", inv_sigma, "temperature 1/sigma must be finite and > 0")?;
    ensure(w_over_sigma >= 0.0, "w_over_sigma", w_over_sigma, "must be finite and >= 0")?;
    ensure(
        spec.mode_ratios.first() == Some(&1.0),
        "mode_ratios",
        spec.mode_ratios.first().copied().unwrap_or(f64::NAN),
        "first ratio must be 1",
    )?;
    let sigma = 1.0 / inv_sigma;
    let w1 = w_over_sigma * sigma;
    let ens = SpikedEnsemble {
        w: spec.mode_ratios.iter().map(|r| r * w1).collect(),
        sigma,
        kappa: spec.kappa,
        law_u: spec.law_u,
        law_v: spec.law_v,
    };
    RsSolver::new(&ens, opts)?.equilibrium()
}

/// RS phase diagram over the grid `inv_sigma × w_over_sigma` (paper 000, text after eq. 12),
/// computed in parallel over grid points with rayon (deterministic: no randomness, each
/// point independent). Each point is labelled by its equilibrium state
/// ([`RsSolver::equilibrium`]).
///
/// Errors: invalid spec or axis values (e.g. `1/σ <= 0`).
pub fn phase_diagram(spec: &PhaseDiagramSpec, opts: &SolverOptions) -> Result<PhaseDiagram> {
    ensure(
        !spec.inv_sigma.is_empty() && !spec.w_over_sigma.is_empty(),
        "grid",
        0.0,
        "both axes need at least one value",
    )?;
    let pts: Vec<(f64, f64)> =
        spec.inv_sigma.iter().flat_map(|&t| spec.w_over_sigma.iter().map(move |&j| (t, j))).collect();
    let res: Vec<Result<(FixedPoint, usize)>> = pts.par_iter().map(|&(t, j)| phase_point(spec, t, j, opts)).collect();
    let mut pd = PhaseDiagram::default();
    for ((t, j), r) in pts.into_iter().zip(res) {
        let (fp, n_stable) = r?;
        let p = &fp.params;
        let top = p
            .m_v
            .iter()
            .enumerate()
            .filter(|(_, m)| m.abs() > opts.m_threshold)
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i as i64 + 1)
            .unwrap_or(0);
        pd.inv_sigma.push(t);
        pd.w_over_sigma.push(j);
        pd.phase.push(fp.phase);
        pd.top_mode.push(top);
        pd.m.push(p.m_v[0]);
        pd.m_hidden.push(p.m_h[0]);
        pd.q.push(p.q_v);
        pd.q_hidden.push(p.q_h);
        pd.free_energy.push(fp.free_energy);
        pd.n_stable.push(n_stable as i64);
        pd.converged.push(fp.converged && fp.stable);
    }
    Ok(pd)
}

/// Ferromagnetic instability line of the `m = 0` state in the `(1/σ, w/σ)` plane (module docs,
/// linearisation; valid for any unit-variance laws when the transition is continuous):
/// returns `w_1/σ` at which the top mode condenses: `inv_sigma` (i.e. `w_1 = 1`) for `σ <= 1`,
/// and `inv_sigma / √((1 − q)(1 − q̄))` with the spin-glass overlaps for `σ > 1`.
///
/// Errors: `inv_sigma <= 0`, `κ <= 0`, spin-glass solution not converged.
pub fn ferro_instability_line(kappa: f64, inv_sigma: f64) -> Result<f64> {
    ensure(inv_sigma > 0.0, "inv_sigma", inv_sigma, "temperature 1/sigma must be finite and > 0")?;
    ensure(kappa > 0.0, "kappa", kappa, "must be finite and > 0")?;
    let sigma = 1.0 / inv_sigma;
    if sigma <= 1.0 {
        return Ok(inv_sigma);
    }
    let (q, qh) = spin_glass_overlaps(kappa, sigma)?;
    Ok(inv_sigma / ((1.0 - q) * (1.0 - qh)).sqrt())
}

/// Which transition a [`BoundaryTable`] row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoundaryKind {
    /// Paramagnet → ferromagnet, `w_1 = 1` (`σ <= 1`).
    ParaFerro,
    /// Spin glass → ferromagnet, `w_1 = 1/√((1 − q)(1 − q̄))` (`σ > 1`).
    GlassFerro,
}

impl BoundaryKind {
    /// Label used in tables: `"para_ferro"`, `"glass_ferro"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            BoundaryKind::ParaFerro => "para_ferro",
            BoundaryKind::GlassFerro => "glass_ferro",
        }
    }
}

/// The ferromagnetic instability line as a table, for overlaying on a [`PhaseDiagram`]
/// (the paramagnet → spin-glass line is the vertical `1/σ = 1` for `w_1/σ < 1`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoundaryTable {
    /// `1/σ`.
    pub inv_sigma: Vec<f64>,
    /// `w_1/σ` on the line.
    pub w_over_sigma: Vec<f64>,
    /// Spin-glass overlap `q` at that temperature (0 for `σ <= 1`).
    pub q: Vec<f64>,
    /// Spin-glass overlap `q̄`.
    pub q_hidden: Vec<f64>,
    /// Transition type.
    pub kind: Vec<BoundaryKind>,
}

/// [`ferro_instability_line`] evaluated at every `inv_sigma` (module docs, linearisation of
/// paper 000 eqs. 11–12 at `m = 0`), as a table.
///
/// Errors: as [`ferro_instability_line`].
pub fn boundary_table(kappa: f64, inv_sigma: &[f64]) -> Result<BoundaryTable> {
    let mut tab = BoundaryTable::default();
    for &t in inv_sigma {
        ensure(t > 0.0, "inv_sigma", t, "temperature 1/sigma must be finite and > 0")?;
        let (q, qh) = spin_glass_overlaps(kappa, 1.0 / t)?;
        tab.inv_sigma.push(t);
        tab.w_over_sigma.push(ferro_instability_line(kappa, t)?);
        tab.q.push(q);
        tab.q_hidden.push(qh);
        tab.kind.push(if t >= 1.0 { BoundaryKind::ParaFerro } else { BoundaryKind::GlassFerro });
    }
    Ok(tab)
}

/// Spin-glass overlaps `(q, q̄)` of the `m = 0` RS solution at noise `σ` (zero for `σ <= 1`).
///
/// Errors: `σ < 0`, `κ <= 0`, no convergence.
pub fn spin_glass_overlaps(kappa: f64, sigma: f64) -> Result<(f64, f64)> {
    let ens =
        SpikedEnsemble { w: vec![0.0], sigma, kappa, law_u: ComponentLaw::Bernoulli, law_v: ComponentLaw::Bernoulli };
    let solver = RsSolver::new(&ens, &SolverOptions::default())?;
    if sigma <= 1.0 {
        return Ok((0.0, 0.0));
    }
    let fp = solver.solve_from(&OrderParams { m_v: vec![0.0], m_h: vec![0.0], q_v: 1.0, q_h: 1.0 })?;
    if !fp.converged {
        return Err(Error::NotConverged {
            solver: "spin_glass_overlaps",
            iterations: fp.iterations,
            residual: fp.residual,
        });
    }
    Ok((fp.params.q_v, fp.params.q_h))
}
