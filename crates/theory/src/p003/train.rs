//! Gradient-based trainers on the effective objective ("GD-equiv" of paper 003):
//! full-batch gradient ascent (eq. (25)), minibatch gradient ascent, and Adam (the
//! optimiser the paper uses for Figs. 3, 5, 6), with seeded initialisations.
//!
//! Step convention: the weights follow eq. (25), `W ← W + η ∇_W L_eff` with the total
//! (not per-sample) objective, whose `W`-gradient `AᵀF − αWΓ` is `O(1)` per entry. The
//! biases, whose gradients are `O(n)`, step along the per-sample gradient `∇_{b,c} L_eff/n`.
//! Adam is invariant to these scalings.

use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::RunStatus;
use super::objective::{EffGrad, EffObjective, EffParams, gram, overlaps};
use crate::error::{Error, Result};

/// Optimiser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// Plain gradient ascent with step `lr` (eq. (25) with `η = lr`).
    Gd {
        /// Step size `η`.
        lr: f64,
    },
    /// Adam (Kingma–Ba) ascent.
    Adam {
        /// Step size.
        lr: f64,
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Denominator regulariser.
        eps: f64,
    },
}

/// Trainer settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Optimiser.
    pub optimizer: Optimizer,
    /// Number of steps (parameter updates).
    pub steps: usize,
    /// Minibatch size; `None` for full batch.
    pub batch_size: Option<usize>,
    /// Seed of the minibatch order.
    pub seed: u64,
    /// Record the trajectory every this many steps (and at the first and last step).
    pub record_every: usize,
    /// Stop with [`RunStatus::Converged`] when `‖∇_W L_eff‖_F/√d` falls below this
    /// (full-batch gradient, checked at record steps).
    pub tol: Option<f64>,
}

/// One point of a training trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainRecord {
    /// Number of updates done.
    pub step: usize,
    /// Full-batch `L_eff / n` (per-sample effective log-likelihood up to the constant `log P_v`).
    pub objective: f64,
    /// `‖∇_W L_eff‖_F / √d` (full batch).
    pub grad_norm: f64,
    /// Gram matrix `Q = WᵀW/d`.
    pub q: Array2<f64>,
    /// Overlaps `k × r` with the planted spikes when they were given.
    pub overlap: Option<Array2<f64>>,
}

/// Result of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainResult {
    /// Final parameters.
    pub params: EffParams,
    /// Recorded trajectory.
    pub trajectory: Vec<TrainRecord>,
    /// Converged / max-iter / diverged / negative objective.
    pub status: RunStatus,
}

/// Initialisation of the weights.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightInit<'a> {
    /// i.i.d. `N(0, std²)` entries (the paper's random initialisation).
    Random {
        /// Entry standard deviation.
        std: f64,
    },
    /// `W_{:a} = m0 V_{:a} + s0 g_a` for `a < min(k, r)` and `s0 g_a` otherwise, with `V`
    /// the `d × r` planted spikes (informed initialisation of Figs. 1, 2, 4). The noise
    /// columns `g_a` are Gaussian draws made *exact in their statistics*: orthogonalised
    /// against every spike column and against each other, then scaled to `‖g_a‖² = d`. Hence
    /// `WᵀV/d = m0 VᵀV/d` and `Q = m0² (VᵀV/d)_{aa} + s0²` hold exactly (for Rademacher
    /// spikes `m_{aa} = m0/√(m0² + s0²)` with no `O(d^{-1/2})` sampling error), which is the
    /// initial condition `w⁰ = m0 v* + s0 g` of the SE and DMFT (THEORY_003 §4.4, §5). The
    /// empirical law of the rows is unchanged as `d → ∞` (the projections remove
    /// `O(d^{-1/2})` per coordinate), and the start stays independent of the data noise.
    /// Needs `d > r + k`.
    Informed {
        /// Planted spikes, `d × r`.
        truth: &'a Array2<f64>,
        /// Signal coefficient.
        m0: f64,
        /// Noise coefficient.
        s0: f64,
    },
}

/// Draws `d × k` initial weights from a seeded stream.
///
/// Errors: `d = 0`, `k = 0`, negative or non-finite scales, or a spike matrix with `d` rows
/// mismatched.
pub fn init_weights(d: usize, k: usize, init: &WeightInit, seed: u64) -> Result<Array2<f64>> {
    if d == 0 || k == 0 {
        return Err(Error::InvalidParameter { name: "d, k", value: 0.0, reason: "dimensions must be positive" });
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut g = Array2::from_shape_fn((d, k), |_| rng.sample::<f64, _>(StandardNormal));
    match init {
        WeightInit::Random { std } => {
            crate::error::ensure(*std >= 0.0, "std", *std, "must be >= 0")?;
            g.mapv_inplace(|v| v * std);
        }
        WeightInit::Informed { truth, m0, s0 } => {
            crate::error::ensure(*s0 >= 0.0, "s0", *s0, "must be >= 0")?;
            crate::error::ensure(m0.is_finite(), "m0", *m0, "must be finite")?;
            if truth.nrows() != d {
                return Err(Error::InvalidParameter {
                    name: "truth",
                    value: truth.nrows() as f64,
                    reason: "spikes must have d rows",
                });
            }
            exact_noise(&mut g, truth)?;
            g.mapv_inplace(|v| v * s0);
            for a in 0..k.min(truth.ncols()) {
                g.column_mut(a).scaled_add(*m0, &truth.column(a));
            }
        }
    }
    Ok(g)
}

/// Orthogonalises the columns of `g` (`d × k`) against the columns of `truth` (`d × r`) and
/// against each other (modified Gram–Schmidt, two passes for rounding), then scales each to
/// `‖g_a‖² = d` (see [`WeightInit::Informed`]). Errors when `d <= r + k` or a column vanishes.
fn exact_noise(g: &mut Array2<f64>, truth: &Array2<f64>) -> Result<()> {
    let (d, k) = g.dim();
    let r = truth.ncols();
    if d <= r + k {
        return Err(Error::InvalidParameter {
            name: "d",
            value: d as f64,
            reason: "informed initialisation needs d > r + k to orthogonalise the noise",
        });
    }
    // Orthonormal basis of span(V) (columns may be slightly non-orthogonal, e.g. Rademacher).
    let mut basis: Vec<Array1<f64>> = Vec::with_capacity(r + k);
    let push = |mut v: Array1<f64>, basis: &mut Vec<Array1<f64>>| -> Result<Array1<f64>> {
        for _ in 0..2 {
            for e in basis.iter() {
                let c = v.dot(e);
                v.scaled_add(-c, e);
            }
        }
        let nrm = v.dot(&v).sqrt();
        if !(nrm > 1e-12) || !nrm.is_finite() {
            return Err(Error::InvalidParameter {
                name: "truth",
                value: nrm,
                reason: "degenerate spike or noise column in the informed initialisation",
            });
        }
        v /= nrm;
        basis.push(v.clone());
        Ok(v)
    };
    for b in 0..r {
        push(truth.column(b).to_owned(), &mut basis)?;
    }
    let sd = (d as f64).sqrt();
    for a in 0..k {
        let e = push(g.column(a).to_owned(), &mut basis)?;
        g.column_mut(a).assign(&(e * sd));
    }
    Ok(())
}

struct AdamState {
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

fn flatten(g: &EffGrad, n: f64, out: &mut Vec<f64>) {
    out.clear();
    out.extend(g.w.iter().cloned());
    if let Some(b) = &g.b {
        out.extend(b.iter().map(|v| v / n));
    }
    if let Some(c) = &g.c {
        out.extend(c.iter().map(|v| v / n));
    }
}

fn apply(p: &mut EffParams, step: &[f64]) {
    let nw = p.w.len();
    p.w.iter_mut().zip(&step[..nw]).for_each(|(w, s)| *w += s);
    let mut off = nw;
    if let Some(b) = p.b.as_mut() {
        let l = b.len();
        b.iter_mut().zip(&step[off..off + l]).for_each(|(w, s)| *w += s);
        off += l;
    }
    if let Some(c) = p.c.as_mut() {
        let l = c.len();
        c.iter_mut().zip(&step[off..off + l]).for_each(|(w, s)| *w += s);
    }
}

/// Trajectory point at `p`; also returns `‖∇_W L_eff‖_F/√d` and the full-batch gradient
/// (which the next full-batch step reuses instead of recomputing it at the same `p`).
fn record(
    obj: &EffObjective,
    p: &EffParams,
    step: usize,
    truth: Option<&Array2<f64>>,
) -> Result<(TrainRecord, f64, EffGrad)> {
    let (val, g) = obj.value_grad(p)?;
    let gn = g.w.iter().map(|v| v * v).sum::<f64>().sqrt() / (obj.d() as f64).sqrt();
    Ok((
        TrainRecord {
            step,
            objective: val / obj.n() as f64,
            grad_norm: gn,
            q: gram(&p.w),
            overlap: truth.map(|v| overlaps(&p.w, v)),
        },
        gn,
        g,
    ))
}

/// Maximises `L_eff` from `p0` (paper 003 eq. (25) for [`Optimizer::Gd`]; Adam as in
/// Appendices E–F). Records the full-batch objective, gradient norm, `Q` and (with `truth`,
/// the `d × r` planted spikes) the overlaps every `record_every` steps.
///
/// A non-finite objective or weights with `max |Q_aa| > 1e8` end the run with
/// [`RunStatus::Diverged`]; a final objective below zero gives
/// [`RunStatus::NegativeObjective`] (worse than `W = 0`).
///
/// Errors: invalid settings (`steps = 0`, non-positive step, zero batch or record stride,
/// batch larger than `n`) or parameter shapes inconsistent with the objective.
pub fn train(obj: &EffObjective, p0: EffParams, cfg: &TrainConfig, truth: Option<&Array2<f64>>) -> Result<TrainResult> {
    train_with(obj, p0, cfg, truth, TrainHooks::default())
}

/// Optional extras of [`train_with`]; `TrainHooks::default()` reproduces [`train`] exactly.
pub struct TrainHooks<'f> {
    /// Multiplier of the bias steps (`b`, `c`) relative to the weight steps: the update of
    /// the optimiser is computed as in [`train`] and its bias part is scaled by this factor
    /// (1 = one step size for all parameters). With Adam, whose step is `≈ lr` per
    /// coordinate, `1/√d` makes the weights in the engine convention `W/√d` and the biases
    /// move by comparable amounts.
    pub bias_lr_scale: f64,
    /// Called with `(step, parameters)` at every recorded step (step 0 included), e.g. to
    /// track a held-out criterion and keep the best parameters; an error aborts the run.
    pub on_record: Option<RecordHook<'f>>,
}

/// Callback of [`TrainHooks::on_record`]: `(step, parameters)`.
pub type RecordHook<'f> = &'f mut dyn FnMut(usize, &EffParams) -> Result<()>;

impl Default for TrainHooks<'_> {
    fn default() -> Self {
        TrainHooks { bias_lr_scale: 1.0, on_record: None }
    }
}

/// [`train`] with the extras of [`TrainHooks`] (per-group step sizes, a callback at record
/// steps). Errors: those of [`train`], a non-positive or non-finite `bias_lr_scale`, and any
/// error returned by the callback.
pub fn train_with(
    obj: &EffObjective,
    p0: EffParams,
    cfg: &TrainConfig,
    truth: Option<&Array2<f64>>,
    mut hooks: TrainHooks,
) -> Result<TrainResult> {
    let bias_scale = hooks.bias_lr_scale;
    crate::error::ensure(bias_scale > 0.0 && bias_scale.is_finite(), "bias_lr_scale", bias_scale, "must be > 0")?;
    let lr = match cfg.optimizer {
        Optimizer::Gd { lr } => lr,
        Optimizer::Adam { lr, beta1, beta2, eps } => {
            crate::error::ensure((0.0..1.0).contains(&beta1), "beta1", beta1, "must be in [0, 1)")?;
            crate::error::ensure((0.0..1.0).contains(&beta2), "beta2", beta2, "must be in [0, 1)")?;
            crate::error::ensure(eps > 0.0, "eps", eps, "must be > 0")?;
            lr
        }
    };
    crate::error::ensure(lr > 0.0, "lr", lr, "step size must be > 0")?;
    crate::error::ensure(cfg.steps > 0, "steps", cfg.steps as f64, "must be > 0")?;
    crate::error::ensure(cfg.record_every > 0, "record_every", 0.0, "must be > 0")?;
    if let Some(bs) = cfg.batch_size {
        crate::error::ensure(bs > 0 && bs <= obj.n(), "batch_size", bs as f64, "must be in 1..=n")?;
    }
    if let Some(v) = truth
        && v.nrows() != obj.d()
    {
        return Err(Error::InvalidParameter {
            name: "truth",
            value: v.nrows() as f64,
            reason: "spikes must have d rows",
        });
    }
    let n = obj.n() as f64;
    let mut p = p0;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..obj.n()).collect();
    let mut cursor = obj.n();
    let mut flat = Vec::new();
    let mut adam: Option<AdamState> = None;
    let mut traj = Vec::new();
    let mut status = RunStatus::MaxIter;
    // Full-batch gradient at the current parameters, left by the last record step: the
    // next full-batch step uses it (value_grad_batch(p, None) is value_grad(p), the same
    // deterministic computation), saving one pass over X per record.
    let (r0, _, g0) = record(obj, &p, 0, truth)?;
    let mut cached: Option<EffGrad> = Some(g0);
    traj.push(r0);
    if let Some(f) = hooks.on_record.as_mut() {
        f(0, &p)?;
    }
    for step in 1..=cfg.steps {
        let batch: Option<Vec<usize>> = cfg.batch_size.map(|bs| {
            if cursor + bs > order.len() {
                for i in (1..order.len()).rev() {
                    let j = rng.random_range(0..=i);
                    order.swap(i, j);
                }
                cursor = 0;
            }
            let b = order[cursor..cursor + bs].to_vec();
            cursor += bs;
            b
        });
        let reuse = cached.take().filter(|_| batch.is_none());
        let g = match reuse.map_or_else(|| obj.value_grad_batch(&p, batch.as_deref()), |g| Ok((f64::NAN, g))) {
            Ok((_, g)) => g,
            Err(Error::NonFinite(_)) => {
                status = RunStatus::Diverged;
                break;
            }
            Err(e) => return Err(e),
        };
        flatten(&g, n, &mut flat);
        match cfg.optimizer {
            Optimizer::Gd { lr } => flat.iter_mut().for_each(|v| *v *= lr),
            Optimizer::Adam { lr, beta1, beta2, eps } => {
                let st =
                    adam.get_or_insert_with(|| AdamState { m: vec![0.0; flat.len()], v: vec![0.0; flat.len()], t: 0 });
                st.t += 1;
                let c1 = 1.0 - beta1.powi(st.t);
                let c2 = 1.0 - beta2.powi(st.t);
                for ((g, m), v) in flat.iter_mut().zip(st.m.iter_mut()).zip(st.v.iter_mut()) {
                    *m = beta1 * *m + (1.0 - beta1) * *g;
                    *v = beta2 * *v + (1.0 - beta2) * *g * *g;
                    *g = lr * (*m / c1) / ((*v / c2).sqrt() + eps);
                }
            }
        }
        if bias_scale != 1.0 {
            let nw = p.w.len();
            flat[nw..].iter_mut().for_each(|v| *v *= bias_scale);
        }
        apply(&mut p, &flat);
        let qmax = gram(&p.w).diag().iter().cloned().fold(0.0, f64::max);
        if !qmax.is_finite() || qmax > 1e8 {
            status = RunStatus::Diverged;
            break;
        }
        if step % cfg.record_every == 0 || step == cfg.steps {
            match record(obj, &p, step, truth) {
                Ok((r, gn, g)) => {
                    cached = Some(g);
                    traj.push(r);
                    if let Some(f) = hooks.on_record.as_mut() {
                        f(step, &p)?;
                    }
                    if cfg.tol.is_some_and(|t| gn < t) {
                        status = RunStatus::Converged;
                        break;
                    }
                }
                Err(Error::NonFinite(_)) => {
                    status = RunStatus::Diverged;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
    }
    if status != RunStatus::Diverged && traj.last().is_some_and(|r| r.objective < 0.0) {
        status = RunStatus::NegativeObjective;
    }
    Ok(TrainResult { params: p, trajectory: traj, status })
}

/// Zero biases of the right lengths for [`EffParams`] (`with_b`, `with_c` select which).
pub fn params_with_biases(w: Array2<f64>, with_b: bool, with_c: bool) -> EffParams {
    let (d, k) = w.dim();
    EffParams { w, b: with_b.then(|| Array1::zeros(d)), c: with_c.then(|| Array1::zeros(k)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The informed start is exact in its statistics: `WᵀV/d = m0 VᵀV/d`, `Q_aa = m0² + s0²`
    /// (Rademacher spikes, `‖V_a‖² = d`), `Q_ab = m0² (VᵀV/d)_ab` off the diagonal, against
    /// the closed forms; a plain Gaussian start misses them by `O(d^{-1/2})`.
    #[test]
    fn informed_init_has_exact_overlap_and_norm() {
        let (d, r, k) = (300, 2, 3);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let v = Array2::from_shape_fn((d, r), |_| if rng.random::<bool>() { 1.0 } else { -1.0 });
        let (m0, s0) = (0.3, 1.0);
        let w = init_weights(d, k, &WeightInit::Informed { truth: &v, m0, s0 }, 9).unwrap();
        let vv = v.t().dot(&v) / d as f64;
        let wv = w.t().dot(&v) / d as f64;
        let q = gram(&w);
        for a in 0..k {
            for b in 0..r {
                let want = if a < r { m0 * vv[[a, b]] } else { 0.0 };
                assert!((wv[[a, b]] - want).abs() < 1e-12, "WᵀV/d [{a},{b}] = {} vs {want}", wv[[a, b]]);
            }
            for c in 0..k {
                let want = if a < r && c < r { m0 * m0 * vv[[a, c]] } else { 0.0 } + if a == c { s0 * s0 } else { 0.0 };
                assert!((q[[a, c]] - want).abs() < 1e-12, "Q[{a},{c}] = {} vs {want}", q[[a, c]]);
            }
        }
        let ov = overlaps(&w, &v);
        assert!((ov[[0, 0]] - m0 / (m0 * m0 + s0 * s0).sqrt()).abs() < 1e-12);
        // d too small to orthogonalise: a clear error.
        assert!(
            init_weights(4, 3, &WeightInit::Informed { truth: &v.slice(ndarray::s![..4, ..]).to_owned(), m0, s0 }, 1)
                .is_err()
        );
    }
}
