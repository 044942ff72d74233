//! Lattice learning equations of paper 002 §5.2: eq. (36)/(37) for one hidden unit,
//! the re-derived eqs. (50)–(51) for two, their objectives, the exact gradients
//! (32)/(48) they approximate, and integration to stationarity.
//!
//! See the parent module for the derivation. All sites live on a ring of `n ≥ 3` sites
//! (`w_{n} ≡ w_0`).

use super::{Profile, TracePoint};
use crate::error::{Error, Result, ensure};
use crate::ode::{OdeOptions, integrate};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

fn check_ring(w: &[f64], name: &'static str) -> Result<()> {
    ensure(w.len() >= 3, name, w.len() as f64, "ring needs at least 3 sites")?;
    if w.iter().any(|x| !x.is_finite()) {
        return Err(Error::NonFinite(name));
    }
    Ok(())
}

fn check_beta(beta: f64) -> Result<()> {
    ensure(beta >= 0.0, "beta", beta, "inverse temperature must be >= 0")
}

/// Writes the M = 1 small-β gradient into `out` (no checks; hot loop).
fn rhs_m1_into(beta: f64, w: &[f64], out: &mut [f64]) {
    let n = w.len();
    let s2: f64 = w.iter().map(|x| x * x).sum();
    for i in 0..n {
        let (l, r) = (w[(i + n - 1) % n], w[(i + 1) % n]);
        out[i] = beta * (l + r) - w[i] * s2 + w[i].powi(3);
    }
}

/// Writes the M = 2 small-β gradients (corrected eqs. 50–51) into `o1`, `o2` (no checks).
fn rhs_m2_into(beta: f64, w1: &[f64], w2: &[f64], o1: &mut [f64], o2: &mut [f64]) {
    let n = w1.len();
    let (mut s1, mut s2, mut c) = (0.0, 0.0, 0.0);
    for i in 0..n {
        s1 += w1[i] * w1[i];
        s2 += w2[i] * w2[i];
        c += w1[i] * w2[i];
    }
    for i in 0..n {
        let (im, ip) = ((i + n - 1) % n, (i + 1) % n);
        let (a, b) = (w1[i], w2[i]);
        o1[i] = beta * (w1[im] + w1[ip]) - a * s1 + a * a * a + a * b * b - b * c;
        o2[i] = beta * (w2[im] + w2[ip]) - b * s2 + b * b * b + b * a * a - a * c;
    }
}

/// Small-β, small-w gradient of the M = 1 log-likelihood, paper 002 eq. (36):
/// `β(w_{i+1} + w_{i−1}) − w_i Σ_k w_k² + w_i³` on a ring. With `beta = 1` this is the
/// right-hand side of the parameter-free eq. (37). Re-derived (see module docs).
///
/// Errors: `beta < 0`, fewer than 3 sites, non-finite weights.
pub fn small_beta_gradient(beta: f64, w: &[f64]) -> Result<Vec<f64>> {
    check_beta(beta)?;
    check_ring(w, "w")?;
    let mut out = vec![0.0; w.len()];
    rhs_m1_into(beta, w, &mut out);
    Ok(out)
}

/// Small-β, small-w gradient for M = 2 hidden units: paper 002 eqs. (50)–(51)
/// **re-derived** (typos `w_2i → w_i2` in (50) and `Σ w_k1 w_k1 → Σ w_k1 w_k2` in (51)
/// fixed), with the coupling β kept explicit (`beta = 1` gives (50)–(51)):
/// `∂_i1 = β(w_{i+1,1}+w_{i−1,1}) − w_i1 Σ_k w_k1² + w_i1³ + w_i1 w_i2² − w_i2 Σ_k w_k1 w_k2`
/// and the same with 1 ↔ 2. Returns `(∂/∂w_·1, ∂/∂w_·2)`.
///
/// Errors: `beta < 0`, fewer than 3 sites, unequal lengths, non-finite weights.
pub fn small_beta_gradient_m2(beta: f64, w1: &[f64], w2: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    check_beta(beta)?;
    check_ring(w1, "w1")?;
    check_ring(w2, "w2")?;
    ensure(w1.len() == w2.len(), "w2 length", w2.len() as f64, "must equal the length of w1")?;
    let (mut o1, mut o2) = (vec![0.0; w1.len()], vec![0.0; w1.len()]);
    rhs_m2_into(beta, w1, w2, &mut o1, &mut o2);
    Ok((o1, o2))
}

/// Objective ascended by eq. (36)/(37) (M = 1), the fourth-order small-β expansion of the
/// log-likelihood (19) up to a constant (re-derived, module docs):
/// `β Σ_i w_i w_{i+1} − ¼(Σ_i w_i²)² + ¼ Σ_i w_i⁴`.
///
/// Errors: as [`small_beta_gradient`].
pub fn small_beta_objective(beta: f64, w: &[f64]) -> Result<f64> {
    small_beta_objective_m2(beta, w, &vec![0.0; w.len()])
}

/// Objective ascended by the re-derived eqs. (50)–(51) (M = 2), up to a constant:
/// `Σ_μ[β Σ_i w_iμ w_{i+1,μ} − ¼(Σ_i w_iμ²)² + ¼ Σ_i w_iμ⁴] + ½ Σ_i w_i1² w_i2² − ½(Σ_i w_i1 w_i2)²`.
///
/// Errors: as [`small_beta_gradient_m2`].
pub fn small_beta_objective_m2(beta: f64, w1: &[f64], w2: &[f64]) -> Result<f64> {
    check_beta(beta)?;
    check_ring(w1, "w1")?;
    check_ring(w2, "w2")?;
    ensure(w1.len() == w2.len(), "w2 length", w2.len() as f64, "must equal the length of w1")?;
    let n = w1.len();
    let mut f = 0.0;
    for w in [w1, w2] {
        let (mut hop, mut s2, mut s4) = (0.0, 0.0, 0.0);
        for i in 0..n {
            hop += w[i] * w[(i + 1) % n];
            s2 += w[i] * w[i];
            s4 += w[i].powi(4);
        }
        f += beta * hop - 0.25 * s2 * s2 + 0.25 * s4;
    }
    let (mut cross, mut c) = (0.0, 0.0);
    for i in 0..n {
        cross += w1[i] * w1[i] * w2[i] * w2[i];
        c += w1[i] * w2[i];
    }
    Ok(f + 0.5 * cross - 0.5 * c * c)
}

/// Validates a weighted set of ±1 configurations over `n` sites.
fn check_data(configs: &[Vec<f64>], probs: &[f64], n: usize) -> Result<()> {
    ensure(!configs.is_empty(), "configs", 0.0, "need at least one configuration")?;
    ensure(
        probs.len() == configs.len(),
        "probs length",
        probs.len() as f64,
        "must equal the number of configurations",
    )?;
    for c in configs {
        ensure(c.len() == n, "configuration length", c.len() as f64, "must equal the number of sites")?;
        if let Some(bad) = c.iter().find(|v| v.abs() != 1.0) {
            return Err(Error::InvalidParameter {
                name: "configuration entry",
                value: *bad,
                reason: "visible units must be +1 or -1",
            });
        }
    }
    let total: f64 = probs.iter().sum();
    ensure(
        probs.iter().all(|p| *p >= 0.0) && (total - 1.0).abs() < 1e-9,
        "probs sum",
        total,
        "weights must be >= 0 and sum to 1",
    )
}

/// Data term `⟨v_i tanh(Σ_j w_j v_j)⟩_data` of eqs. (32)/(48) for a weighted set of
/// configurations (rows of ±1 values with probabilities summing to 1).
fn data_term(w: &[f64], configs: &[Vec<f64>], probs: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; w.len()];
    for (v, p) in configs.iter().zip(probs) {
        let t = p * v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>().tanh();
        out.iter_mut().zip(v).for_each(|(o, vi)| *o += t * vi);
    }
    out
}

/// Exact log-likelihood gradient of a one-hidden-unit ±1 RBM without fields, paper 002
/// eq. (32): `⟨v_i tanh(Σ_j w_j v_j)⟩_data − tanh w_i`. The data distribution is given as
/// configurations `configs` (±1 entries) with probabilities `probs` (summing to 1), e.g.
/// the exact Ising-ring distribution or an empirical sample with weights `1/S`.
///
/// Errors: fewer than 3 sites, mismatched lengths, bad probabilities, non-finite weights.
pub fn exact_gradient_m1(w: &[f64], configs: &[Vec<f64>], probs: &[f64]) -> Result<Vec<f64>> {
    check_ring(w, "w")?;
    check_data(configs, probs, w.len())?;
    let mut g = data_term(w, configs, probs);
    g.iter_mut().zip(w).for_each(|(g, wi)| *g -= wi.tanh());
    Ok(g)
}

/// Exact log-likelihood gradient of a two-hidden-unit ±1 RBM without fields, paper 002
/// eq. (48) **corrected** (denominator `cosh(w_k1 + w_k2)`, `w_2i → w_i2`; derivation in the
/// module docs): with `a = w_1 + w_2`, `d = w_1 − w_2`, `R = Π_k cosh d_k / cosh a_k`,
/// `∂/∂w_i1 = ⟨v_i tanh I_1⟩ − tanh(a_i)/(1+R) − tanh(d_i)/(1+1/R)` and
/// `∂/∂w_i2 = ⟨v_i tanh I_2⟩ − tanh(a_i)/(1+R) + tanh(d_i)/(1+1/R)`.
/// `R` is evaluated in log space. Data as in [`exact_gradient_m1`].
///
/// Errors: as [`exact_gradient_m1`], plus unequal weight lengths.
pub fn exact_gradient_m2(w1: &[f64], w2: &[f64], configs: &[Vec<f64>], probs: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    check_ring(w1, "w1")?;
    check_ring(w2, "w2")?;
    ensure(w1.len() == w2.len(), "w2 length", w2.len() as f64, "must equal the length of w1")?;
    check_data(configs, probs, w1.len())?;
    let lncosh = |x: f64| x.abs() + (-2.0 * x.abs()).exp().ln_1p() - std::f64::consts::LN_2;
    let log_r: f64 = w1.iter().zip(w2).map(|(a, b)| lncosh(a - b) - lncosh(a + b)).sum();
    // 1/(1+R) and 1/(1+1/R) as logistic functions of log R.
    let p_a = 1.0 / (1.0 + log_r.exp());
    let p_d = 1.0 / (1.0 + (-log_r).exp());
    let mut g1 = data_term(w1, configs, probs);
    let mut g2 = data_term(w2, configs, probs);
    for i in 0..w1.len() {
        let ta = (w1[i] + w2[i]).tanh() * p_a;
        let td = (w1[i] - w2[i]).tanh() * p_d;
        g1[i] -= ta + td;
        g2[i] -= ta - td;
    }
    Ok((g1, g2))
}

/// Options for integrating the lattice equations to stationarity.
#[derive(Debug, Clone, Copy)]
pub struct DiscreteOptions {
    /// The residual `max|dw/dt|` is checked every `t_chunk` time units.
    pub t_chunk: f64,
    /// Give up (error `NotConverged`) after this time.
    pub t_max: f64,
    /// Stationarity tolerance on `max|dw/dt|`.
    pub tol: f64,
    /// Tolerances of the adaptive Dormand–Prince integrator.
    pub ode: OdeOptions,
}

impl Default for DiscreteOptions {
    fn default() -> Self {
        Self {
            t_chunk: 5.0,
            t_max: 5000.0,
            tol: 1e-7,
            ode: OdeOptions { rtol: 1e-9, atol: 1e-12, ..OdeOptions::default() },
        }
    }
}

/// Result of integrating eq. (37) or eqs. (50)–(51) to stationarity.
#[derive(Debug, Clone)]
pub struct DiscreteRun {
    /// Final weights of each hidden unit: `position` = site index i, `value` = w_iμ.
    pub profiles: Vec<Profile>,
    /// `Σ_i w_iμ²` per unit at the end.
    pub sum_sq: Vec<f64>,
    /// `Σ_i w_i1 w_i2` at the end (0 for one unit).
    pub overlap: f64,
    /// Final time.
    pub t: f64,
    /// Final `max|dw/dt|`.
    pub residual: f64,
    /// Checkpoints every `t_chunk` (including t = 0).
    pub trace: Vec<TracePoint>,
}

fn trace_point(t: f64, y: &[f64], m: usize, dy: &[f64]) -> TracePoint {
    let n = y.len() / m;
    let sum_sq = (0..m).map(|u| y[u * n..(u + 1) * n].iter().map(|x| x * x).sum()).collect();
    let overlap = if m == 2 { (0..n).map(|i| y[i] * y[n + i]).sum() } else { 0.0 };
    let residual = dy.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    TracePoint { t, sum_sq, overlap, residual }
}

/// Integrates the parameter-free lattice equation(s) at `beta` (1 for eqs. 37 and 50–51)
/// from `initial` (one weight vector per hidden unit, M = 1 or 2) with the adaptive
/// Dormand–Prince integrator until `max|dw/dt| < opts.tol`.
///
/// Errors: M ∉ {1, 2}, bad weights (see [`small_beta_gradient_m2`]), bad options,
/// integration failure, and `NotConverged` if stationarity is not reached by `t_max`.
pub fn integrate_lattice(beta: f64, initial: &[Vec<f64>], opts: &DiscreteOptions) -> Result<DiscreteRun> {
    check_beta(beta)?;
    let m = initial.len();
    ensure(m == 1 || m == 2, "hidden units", m as f64, "only M = 1 (eq. 37) and M = 2 (eqs. 50-51) are implemented")?;
    let n = initial[0].len();
    for w in initial {
        check_ring(w, "initial weights")?;
        ensure(w.len() == n, "initial weights length", w.len() as f64, "all units need the same number of sites")?;
    }
    ensure(opts.t_chunk > 0.0, "t_chunk", opts.t_chunk, "must be > 0")?;
    ensure(opts.t_max > 0.0, "t_max", opts.t_max, "must be > 0")?;
    ensure(opts.tol > 0.0, "tol", opts.tol, "must be > 0")?;

    let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
        if m == 1 {
            rhs_m1_into(beta, y, dy);
        } else {
            let (d1, d2) = dy.split_at_mut(n);
            rhs_m2_into(beta, &y[..n], &y[n..], d1, d2);
        }
    };
    let mut y: Vec<f64> = initial.concat();
    let mut dy = vec![0.0; y.len()];
    rhs(0.0, &y, &mut dy);
    let mut trace = vec![trace_point(0.0, &y, m, &dy)];
    let mut t = 0.0;
    let mut chunks = 0usize;
    while trace.last().expect("non-empty").residual >= opts.tol {
        if t >= opts.t_max {
            return Err(Error::NotConverged {
                solver: "lattice reaction-diffusion (eq. 37 / 50-51) to stationarity",
                iterations: chunks,
                residual: trace.last().expect("non-empty").residual,
            });
        }
        let t1 = (t + opts.t_chunk).min(opts.t_max);
        let traj = integrate(rhs, &y, &[t, t1], &opts.ode)?;
        y = traj.y.into_iter().next_back().expect("two outputs");
        t = t1;
        chunks += 1;
        rhs(t, &y, &mut dy);
        if dy.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite("lattice reaction-diffusion"));
        }
        trace.push(trace_point(t, &y, m, &dy));
    }
    let last = trace.last().expect("non-empty").clone();
    let position: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let profiles =
        (0..m).map(|u| Profile { position: position.clone(), value: y[u * n..(u + 1) * n].to_vec() }).collect();
    Ok(DiscreteRun { profiles, sum_sq: last.sum_sq, overlap: last.overlap, t, residual: last.residual, trace })
}

/// Small-amplitude white-noise initial weights: `m` vectors of `n` i.i.d. `N(0, amplitude²)`
/// entries from `Xoshiro256PlusPlus::seed_from_u64(seed)` (unit after unit).
///
/// Errors: `n < 3`, `m == 0`, `amplitude <= 0`.
pub fn white_noise(n: usize, m: usize, amplitude: f64, seed: u64) -> Result<Vec<Vec<f64>>> {
    ensure(n >= 3, "n", n as f64, "ring needs at least 3 sites")?;
    ensure(m >= 1, "m", m as f64, "need at least one unit")?;
    ensure(amplitude > 0.0, "amplitude", amplitude, "noise amplitude must be > 0")?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Ok((0..m)
        .map(|_| {
            (0..n)
                .map(|_| amplitude * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng))
                .collect()
        })
        .collect())
}

/// Paper 002 Fig. 14(a)/(b): integrates eq. (37) (`m = 1`) or the re-derived
/// eqs. (50)–(51) (`m = 2`) on a ring of `n` sites from white noise of the given amplitude
/// to stationarity. See [`integrate_lattice`] for errors.
pub fn lattice_from_noise(
    n: usize,
    m: usize,
    amplitude: f64,
    seed: u64,
    opts: &DiscreteOptions,
) -> Result<DiscreteRun> {
    integrate_lattice(1.0, &white_noise(n, m, amplitude, seed)?, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m2_reduces_to_m1_when_second_unit_vanishes() {
        let w: Vec<f64> = (0..7).map(|i| 0.1 * (i as f64 - 3.0)).collect();
        let z = vec![0.0; 7];
        let g1 = small_beta_gradient(0.3, &w).unwrap();
        let (g, g2) = small_beta_gradient_m2(0.3, &w, &z).unwrap();
        assert_eq!(g1, g);
        assert!(g2.iter().all(|x| x.abs() < 1e-15));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(small_beta_gradient(-0.1, &[0.0; 5]).is_err());
        assert!(small_beta_gradient(0.1, &[0.0; 2]).is_err());
        assert!(small_beta_gradient_m2(0.1, &[0.0; 5], &[0.0; 6]).is_err());
        assert!(small_beta_gradient(0.1, &[0.0, f64::NAN, 0.0]).is_err());
        assert!(integrate_lattice(1.0, &vec![vec![0.1; 5]; 3], &DiscreteOptions::default()).is_err());
        assert!(white_noise(10, 1, 0.0, 1).is_err());
        assert!(exact_gradient_m1(&[0.1; 3], &[vec![1.0; 3]], &[0.5]).is_err());
        assert!(exact_gradient_m1(&[0.1; 3], &[vec![1.0, 0.5, -1.0]], &[1.0]).is_err());
    }
}
