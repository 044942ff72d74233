//! L-BFGS on the effective objective (issue 7: the SE fixed point "matches the long-run
//! AMP, GD and L-BFGS overlaps").
//!
//! A quasi-Newton maximiser of `L_eff` (paper 003 eq. (5), THEORY_003 §2): the limited-memory
//! BFGS direction from the standard two-loop recursion (Nocedal & Wright, *Numerical
//! Optimization*, Algorithm 7.4) with the initial scaling `γ = sᵀy / yᵀy`, and a backtracking
//! line search on the Armijo condition (sufficient decrease `c₁ = 10⁻⁴`). Pairs with
//! non-positive curvature `sᵀy <= 0` are not stored, so the direction stays a descent
//! direction. Nothing here is specific to the paper except [`maximise_eff`], which flattens
//! `(W, b, c)` and minimises `−L_eff`.

use ndarray::{Array1, Array2};

use super::RunStatus;
use super::objective::{EffGrad, EffObjective, EffParams, overlaps};
use crate::error::{Error, Result};

/// Settings of [`minimise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsConfig {
    /// Number of stored `(s, y)` pairs (typically 5–20).
    pub memory: usize,
    /// Maximal number of iterations (each costs one or more value-and-gradient calls).
    pub max_iter: usize,
    /// Stop when the gradient measure returned by the caller's `gnorm` falls below this.
    pub grad_tol: f64,
    /// Maximal number of step halvings in one line search.
    pub max_backtracks: usize,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        LbfgsConfig { memory: 10, max_iter: 1000, grad_tol: 1e-8, max_backtracks: 40 }
    }
}

/// Result of [`minimise`].
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsOutcome {
    /// Last iterate.
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub value: f64,
    /// Gradient measure (the caller's `gnorm`) at `x`.
    pub grad_measure: f64,
    /// Iterations done.
    pub iterations: usize,
    /// Value-and-gradient evaluations.
    pub evaluations: usize,
    /// `Converged` (gradient measure below tolerance), `MaxIter` (iteration budget spent, or
    /// the line search stalled at round-off level before the tolerance), or `Diverged`
    /// (non-finite values).
    pub status: RunStatus,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `f` from `x0` by L-BFGS (two-loop recursion, Armijo backtracking). `fg(x)`
/// returns the value and the gradient; `gnorm(g)` is the stopping measure compared with
/// [`LbfgsConfig::grad_tol`].
///
/// Errors: `memory = 0`, `max_iter = 0`, a non-positive tolerance, an empty `x0`, a gradient
/// of the wrong length, or an error returned by `fg`.
pub fn minimise<F, N>(mut fg: F, gnorm: N, x0: Vec<f64>, cfg: &LbfgsConfig) -> Result<LbfgsOutcome>
where
    F: FnMut(&[f64]) -> Result<(f64, Vec<f64>)>,
    N: Fn(&[f64]) -> f64,
{
    crate::error::ensure(cfg.memory >= 1, "memory", cfg.memory as f64, "must be >= 1")?;
    crate::error::ensure(cfg.max_iter >= 1, "max_iter", cfg.max_iter as f64, "must be >= 1")?;
    crate::error::ensure(cfg.grad_tol > 0.0, "grad_tol", cfg.grad_tol, "must be > 0")?;
    if x0.is_empty() {
        return Err(Error::InvalidParameter { name: "x0", value: 0.0, reason: "must be non-empty" });
    }
    let n = x0.len();
    let mut x = x0;
    let (mut f, mut g) = fg(&x)?;
    if g.len() != n {
        return Err(Error::InvalidParameter {
            name: "gradient",
            value: g.len() as f64,
            reason: "length differs from x",
        });
    }
    let mut evals = 1;
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(cfg.memory);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(cfg.memory);
    let mut rho: Vec<f64> = Vec::with_capacity(cfg.memory);
    let mut alpha_buf = vec![0.0; cfg.memory];
    let mut dir = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut stalled = 0usize;
    let outcome = |x: Vec<f64>, f: f64, gm: f64, it: usize, ev: usize, st: RunStatus| LbfgsOutcome {
        x,
        value: f,
        grad_measure: gm,
        iterations: it,
        evaluations: ev,
        status: st,
    };
    for it in 0..cfg.max_iter {
        let gm = gnorm(&g);
        if !f.is_finite() || !gm.is_finite() {
            return Ok(outcome(x, f, gm, it, evals, RunStatus::Diverged));
        }
        if gm < cfg.grad_tol {
            return Ok(outcome(x, f, gm, it, evals, RunStatus::Converged));
        }
        // Two-loop recursion: dir = −H g.
        dir.copy_from_slice(&g);
        let m = s_hist.len();
        for i in (0..m).rev() {
            let a = rho[i] * dot(&s_hist[i], &dir);
            alpha_buf[i] = a;
            dir.iter_mut().zip(&y_hist[i]).for_each(|(q, y)| *q -= a * y);
        }
        let gamma = if m > 0 {
            dot(&s_hist[m - 1], &y_hist[m - 1]) / dot(&y_hist[m - 1], &y_hist[m - 1])
        } else {
            // First step: unit length along −g.
            1.0 / dot(&g, &g).sqrt().max(f64::MIN_POSITIVE)
        };
        dir.iter_mut().for_each(|q| *q *= gamma);
        for i in 0..m {
            let b = rho[i] * dot(&y_hist[i], &dir);
            dir.iter_mut().zip(&s_hist[i]).for_each(|(r, s)| *r += (alpha_buf[i] - b) * s);
        }
        dir.iter_mut().for_each(|r| *r = -*r);
        let mut slope = dot(&g, &dir);
        if slope >= 0.0 {
            // Not a descent direction (round-off): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            let gn = dot(&g, &g).sqrt().max(f64::MIN_POSITIVE);
            dir.iter_mut().zip(&g).for_each(|(d, gi)| *d = -gi / gn);
            slope = dot(&g, &dir);
        }
        // Armijo backtracking from the unit step.
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..=cfg.max_backtracks {
            x_new.iter_mut().zip(x.iter().zip(&dir)).for_each(|(xn, (xi, di))| *xn = xi + step * di);
            let (fv, gv) = fg(&x_new)?;
            evals += 1;
            if fv.is_finite() && fv <= f + 1e-4 * step * slope {
                accepted = Some((fv, gv));
                break;
            }
            step *= 0.5;
        }
        let Some((f_new, g_new)) = accepted else {
            return Ok(outcome(x, f, gm, it, evals, RunStatus::MaxIter));
        };
        if f - f_new <= 4.0 * f64::EPSILON * f.abs() {
            stalled += 1;
            if stalled >= 3 {
                let gm_new = gnorm(&g_new);
                let st = if gm_new < cfg.grad_tol { RunStatus::Converged } else { RunStatus::MaxIter };
                return Ok(outcome(x_new, f_new, gm_new, it + 1, evals, st));
            }
        } else {
            stalled = 0;
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() && sy > 0.0 {
            if s_hist.len() == cfg.memory {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho.push(1.0 / sy);
        }
        std::mem::swap(&mut x, &mut x_new);
        f = f_new;
        g = g_new;
    }
    let gm = gnorm(&g);
    let st = if gm < cfg.grad_tol { RunStatus::Converged } else { RunStatus::MaxIter };
    Ok(outcome(x, f, gm, cfg.max_iter, evals, st))
}

/// Result of [`maximise_eff`].
#[derive(Debug, Clone, PartialEq)]
pub struct EffLbfgsResult {
    /// Final parameters.
    pub params: EffParams,
    /// `L_eff / n` at the final parameters (per sample, as the GD trainer records it).
    pub objective: f64,
    /// `‖∇_W L_eff‖_F / √d` at the final parameters (the GD trainer's stopping measure).
    pub grad_norm: f64,
    /// Overlap matrix ([`overlaps`]) of the final weights with `truth`, if given.
    pub overlap: Option<Array2<f64>>,
    /// Iterations done.
    pub iterations: usize,
    /// Objective-and-gradient evaluations.
    pub evaluations: usize,
    /// `Converged`, `MaxIter`, `Diverged`, or `NegativeObjective` (`L_eff < 0`: worse than
    /// `W = 0`, the filter the paper applies to failed runs).
    pub status: RunStatus,
}

fn flatten(p: &EffParams) -> Vec<f64> {
    let mut v: Vec<f64> = p.w.iter().copied().collect();
    if let Some(b) = &p.b {
        v.extend(b.iter());
    }
    if let Some(c) = &p.c {
        v.extend(c.iter());
    }
    v
}

fn unflatten(x: &[f64], like: &EffParams) -> EffParams {
    let (d, k) = like.w.dim();
    let w = Array2::from_shape_vec((d, k), x[..d * k].to_vec()).expect("length checked by construction");
    let mut at = d * k;
    let mut take = |o: &Option<Array1<f64>>| {
        o.as_ref().map(|a| {
            let v = Array1::from_vec(x[at..at + a.len()].to_vec());
            at += a.len();
            v
        })
    };
    let b = take(&like.b);
    let c = take(&like.c);
    EffParams { w, b, c }
}

fn flatten_grad(g: &EffGrad) -> Vec<f64> {
    let mut v: Vec<f64> = g.w.iter().map(|x| -x).collect();
    if let Some(b) = &g.b {
        v.extend(b.iter().map(|x| -x));
    }
    if let Some(c) = &g.c {
        v.extend(c.iter().map(|x| -x));
    }
    v
}

/// Maximises the effective objective `L_eff` (paper 003 eq. (5); THEORY_003 §2) from `p0` by
/// L-BFGS on `−L_eff` ([`minimise`]), stopping when `‖∇_W L_eff‖_F/√d < cfg.grad_tol` — the
/// measure of the GD trainer's `tol`, so both stop at the same stationarity.
///
/// Errors: those of [`minimise`] and of the objective (shapes inconsistent with it).
pub fn maximise_eff(
    obj: &EffObjective,
    p0: EffParams,
    cfg: &LbfgsConfig,
    truth: Option<&Array2<f64>>,
) -> Result<EffLbfgsResult> {
    let d = obj.d();
    let nw = d * obj.k();
    if p0.w.dim() != (d, obj.k()) {
        return Err(Error::InvalidParameter {
            name: "w",
            value: p0.w.len() as f64,
            reason: "initial weights must be d × k of the objective",
        });
    }
    let sqrt_d = (d as f64).sqrt();
    let like = p0.clone();
    let fg = |x: &[f64]| -> Result<(f64, Vec<f64>)> {
        let p = unflatten(x, &like);
        let (v, g) = obj.value_grad(&p)?;
        Ok((-v, flatten_grad(&g)))
    };
    let gnorm = |g: &[f64]| dot(&g[..nw], &g[..nw]).sqrt() / sqrt_d;
    let out = minimise(fg, gnorm, flatten(&p0), cfg)?;
    let params = unflatten(&out.x, &like);
    let objective = -out.value / obj.n() as f64;
    let status =
        if out.status == RunStatus::Converged && objective < 0.0 { RunStatus::NegativeObjective } else { out.status };
    Ok(EffLbfgsResult {
        overlap: truth.map(|v| overlaps(&params.w, v)),
        params,
        objective,
        grad_norm: out.grad_measure,
        iterations: out.iterations,
        evaluations: out.evaluations,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock's valley: the minimiser (1, 1) is known in closed form.
    #[test]
    fn rosenbrock_minimum_is_found() {
        let fg = |x: &[f64]| -> Result<(f64, Vec<f64>)> {
            let (a, b) = (x[0], x[1]);
            let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = vec![-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)];
            Ok((f, g))
        };
        let gn = |g: &[f64]| dot(g, g).sqrt();
        let cfg = LbfgsConfig { max_iter: 500, grad_tol: 1e-10, ..LbfgsConfig::default() };
        let r = minimise(fg, gn, vec![-1.2, 1.0], &cfg).unwrap();
        assert_eq!(r.status, RunStatus::Converged);
        assert!((r.x[0] - 1.0).abs() < 1e-8 && (r.x[1] - 1.0).abs() < 1e-8, "{:?}", r.x);
        // Quasi-Newton, not steepest descent: Rosenbrock from (−1.2, 1) needs thousands of
        // gradient steps; L-BFGS needs a few dozen iterations.
        assert!(r.iterations < 100, "{} iterations", r.iterations);
    }

    /// A strictly convex quadratic ½xᵀAx − bᵀx: the minimiser solves Ax = b.
    #[test]
    fn quadratic_minimiser_solves_the_linear_system() {
        let a = [[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]];
        let b = [1.0, -2.0, 0.5];
        let fg = |x: &[f64]| -> Result<(f64, Vec<f64>)> {
            let ax: Vec<f64> = (0..3).map(|i| (0..3).map(|j| a[i][j] * x[j]).sum()).collect();
            Ok((0.5 * dot(x, &ax) - dot(&b, x), ax.iter().zip(&b).map(|(p, q)| p - q).collect()))
        };
        let r =
            minimise(fg, |g| dot(g, g).sqrt(), vec![0.0; 3], &LbfgsConfig { grad_tol: 1e-12, ..Default::default() })
                .unwrap();
        for i in 0..3 {
            let res: f64 = (0..3).map(|j| a[i][j] * r.x[j]).sum::<f64>() - b[i];
            assert!(res.abs() < 1e-10, "row {i}: residual {res}");
        }
    }

    #[test]
    fn bad_settings_are_errors() {
        let fg = |x: &[f64]| -> Result<(f64, Vec<f64>)> { Ok((x[0] * x[0], vec![2.0 * x[0]])) };
        let gn = |g: &[f64]| g[0].abs();
        assert!(minimise(fg, gn, vec![1.0], &LbfgsConfig { memory: 0, ..Default::default() }).is_err());
        assert!(minimise(fg, gn, vec![1.0], &LbfgsConfig { grad_tol: 0.0, ..Default::default() }).is_err());
        assert!(minimise(fg, gn, vec![], &LbfgsConfig::default()).is_err());
        let short = |_: &[f64]| -> Result<(f64, Vec<f64>)> { Ok((0.0, vec![])) };
        assert!(minimise(short, gn, vec![1.0], &LbfgsConfig::default()).is_err());
    }

    /// On the spiked model above BBP (α = 2, λ = 2, d = 300), L-BFGS and Adam from the same
    /// random start reach a stationary point with the same overlap and objective (two
    /// independent optimisers of eq. (5)).
    #[test]
    fn lbfgs_and_adam_agree_on_the_effective_objective() {
        use super::super::hidden::HiddenPrior;
        use super::super::objective::VisiblePrior;
        use super::super::testdata::spiked;
        use super::super::train::{Optimizer, TrainConfig, WeightInit, init_weights, train};
        let (x, v) = spiked(600, 300, &[2.0], 5);
        let obj = EffObjective::new(x.view(), 1, HiddenPrior::Rademacher, VisiblePrior::Rademacher).unwrap();
        let w0 = init_weights(300, 1, &WeightInit::Random { std: 0.1 }, 9).unwrap();
        let p0 = EffParams { w: w0, b: None, c: None };
        let lb =
            maximise_eff(&obj, p0.clone(), &LbfgsConfig { grad_tol: 1e-7, ..Default::default() }, Some(&v)).unwrap();
        assert_eq!(lb.status, RunStatus::Converged, "{lb:?}");
        let cfg = TrainConfig {
            optimizer: Optimizer::Adam { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
            steps: 4000,
            batch_size: None,
            seed: 1,
            record_every: 50,
            tol: Some(1e-7),
        };
        let gd = train(&obj, p0, &cfg, Some(&v)).unwrap();
        let last = gd.trajectory.last().unwrap();
        let (o_lb, o_gd) = (lb.overlap.unwrap()[[0, 0]].abs(), last.overlap.as_ref().unwrap()[[0, 0]].abs());
        assert!(o_lb > 0.5, "L-BFGS overlap {o_lb}");
        assert!((o_lb - o_gd).abs() < 1e-3, "L-BFGS {o_lb} vs Adam {o_gd}");
        // Same stationary point: L-BFGS's objective is at least Adam's (up to Adam's residual
        // gradient), and Adam's gradient is small.
        assert!(
            lb.objective >= last.objective - 1e-6 * lb.objective.abs(),
            "L-BFGS {} vs Adam {} (Adam grad {}, step {}, status {:?})",
            lb.objective,
            last.objective,
            last.grad_norm,
            last.step,
            gd.status
        );
        assert!(
            (lb.objective - last.objective).abs() < 1e-5 * lb.objective.abs(),
            "L-BFGS {} vs Adam {} (Adam grad {})",
            lb.objective,
            last.objective,
            last.grad_norm
        );
        // Quasi-Newton needs far fewer gradient evaluations than Adam's steps.
        assert!(lb.evaluations < last.step, "{} evaluations vs {} Adam steps", lb.evaluations, last.step);
    }
}
