//! Finite-`d` runs on spiked data: the recovery summary of one instance (PCA, GD/Adam on the
//! effective objective, AMP-RBM), AMP-RBM iterations against their state evolution, and
//! GD/Adam trajectories with per-spike, per-unit and unit–unit overlaps.

use super::{Spiked, check_data, code, data_params, derived_seed, int, num, spiked, text};
use anyhow::Context;
use ndarray::{Array2, arr2};
use pipeline::table::TableBuilder;
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use theory::p003::RunStatus;
use theory::p003::amp::{AmpConfig, AmpParams, amp_rbm, empirical_se_init, spectral_init};
use theory::p003::baselines::{matched_average_overlap, max_matching, top_eigenvectors};
use theory::p003::hidden::{HiddenPrior, MAX_ENUM_K};
use theory::p003::lbfgs::{LbfgsConfig, maximise_eff};
use theory::p003::objective::{EffObjective, EffParams, VisiblePrior, overlaps};
use theory::p003::se::{SeParams, se_k1_fixed_point, se_k1_trajectory, se_k1_uninformative};
use theory::p003::train::{Optimizer, TrainConfig, TrainHooks, WeightInit, init_weights, train, train_with};

/// Number of hidden units: `k` or, when 0, the number of spikes.
fn hidden_units(p: &Params) -> usize {
    match int(p, "k") {
        0 => super::snrs(p).len(),
        k => k.max(1) as usize,
    }
}

fn check_k(p: &Params) -> Result<(), String> {
    let k = int(p, "k");
    if k < 0 {
        return Err(format!("k must be >= 0, got {k}"));
    }
    let k = hidden_units(p);
    if k > MAX_ENUM_K {
        return Err(format!(
            "k = {k} hidden units: the 2^k enumeration of the model term is limited to k <= {MAX_ENUM_K}"
        ));
    }
    Ok(())
}

/// `B_{−1}` for AMP-RBM: the rank-1 SE fixed-point `B*` of each unit's SNR (Corollary 1:
/// the diagonal fixed point), or the uninformative point's `B*`, or 0.
fn b_init(alpha: f64, snr: &[f64], k: usize) -> anyhow::Result<Array2<f64>> {
    let unin = se_k1_uninformative(alpha)?.map(|u| u.b);
    let mut b = Array2::zeros((k, k));
    for a in 0..k {
        let l = snr.get(a).or(snr.first()).copied().unwrap_or(0.0);
        let v = match se_k1_fixed_point(alpha, l)? {
            Some(fp) => fp.b,
            None => unin.unwrap_or(0.0),
        };
        b[[a, a]] = v;
    }
    Ok(b)
}

fn optimizer(p: &Params, prefix: &str) -> Result<Optimizer, String> {
    let lr = num(p, &format!("{prefix}lr"));
    if !(lr > 0.0) {
        return Err(format!("{prefix}lr must be > 0, got {lr}"));
    }
    match text(p, &format!("{prefix}optimizer")) {
        "gd" => Ok(Optimizer::Gd { lr }),
        "adam" => Ok(Optimizer::Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
        o => Err(format!("{prefix}optimizer must be gd or adam, got `{o}`")),
    }
}

fn amp_params_spec() -> Vec<ParamSpec> {
    vec![
        ParamSpec::new("amp_init", T::Str, "AMP-RBM initialisation V⁰: random (N(0,1) entries) | informed (amp_m0 V* + G) | spectral (top eigenvectors of XᵀX, norm √d)")
            .default(Value::Str("random".into())),
        ParamSpec::new("amp_m0", T::Float, "signal coefficient of the informed initialisation").default(Value::Float(0.3)),
        ParamSpec::new("amp_iter", T::Int, "maximal AMP-RBM iterations").default(Value::Int(200)),
        ParamSpec::new("amp_theta", T::Float, "damping θ of the Lagrange multiplier Γ (1: none; 0.1–0.3 for k > 1)").default(Value::Float(1.0)),
        ParamSpec::new("amp_tol", T::Float, "convergence: ‖Wᵗ − Wᵗ⁻¹‖/‖Wᵗ‖ below this").default(Value::Float(1e-8)),
        ParamSpec::new("amp_params", T::Str, "frozen (C ≡ diagonal SE fixed-point C*, the robust variant of THEORY_003 §4.2; adaptive where no fixed point exists) | adaptive (Algorithm 1, B₋₁ at the SE fixed point)")
            .default(Value::Str("frozen".into())),
    ]
}

fn check_amp(p: &Params) -> Result<(), String> {
    if !matches!(text(p, "amp_init"), "random" | "informed" | "spectral") {
        return Err(format!("amp_init must be random, informed or spectral, got `{}`", text(p, "amp_init")));
    }
    let th = num(p, "amp_theta");
    if !(th > 0.0 && th <= 1.0) {
        return Err(format!("amp_theta must be in (0, 1], got {th}"));
    }
    if !matches!(text(p, "amp_params"), "frozen" | "adaptive") {
        return Err(format!("amp_params must be frozen or adaptive, got `{}`", text(p, "amp_params")));
    }
    if int(p, "amp_iter") < 1 {
        return Err("amp_iter must be >= 1".into());
    }
    if !(num(p, "amp_tol") > 0.0) {
        return Err("amp_tol must be > 0".into());
    }
    Ok(())
}

/// AMP-RBM initial `V⁰` (`d × k`).
fn amp_v0(p: &Params, data: &Spiked, k: usize) -> anyhow::Result<Array2<f64>> {
    let d = data.x.ncols();
    let seed = derived_seed(int(p, "seed"), 11);
    Ok(match text(p, "amp_init") {
        "spectral" => spectral_init(data.x.view(), k, 1.0, seed)?,
        "informed" => {
            init_weights(d, k, &WeightInit::Informed { truth: &data.v, m0: num(p, "amp_m0"), s0: 1.0 }, seed)?
        }
        _ => init_weights(d, k, &WeightInit::Random { std: 1.0 }, seed)?,
    })
}

/// Frozen `C` for AMP-RBM: the diagonal Corollary-1 fixed point (rank-1 `C*` of each unit's
/// SNR), or the uninformative point's `C*`; `None` when neither exists (e.g. α = 2 below
/// λ = 0.949), in which case the adaptive schedule is used.
fn c_frozen(alpha: f64, snr: &[f64], k: usize) -> anyhow::Result<Option<Array2<f64>>> {
    let unin = se_k1_uninformative(alpha)?.map(|u| u.c);
    let mut c = Array2::zeros((k, k));
    for a in 0..k {
        let l = snr.get(a).or(snr.first()).copied().unwrap_or(0.0);
        match se_k1_fixed_point(alpha, l)?.map(|f| f.c).or(unin) {
            Some(v) => c[[a, a]] = v,
            None => return Ok(None),
        }
    }
    Ok(Some(c))
}

fn run_amp(p: &Params, data: &Spiked, k: usize) -> anyhow::Result<theory::p003::amp::AmpResult> {
    let alpha = data.x.nrows() as f64 / data.x.ncols() as f64;
    let frozen = if text(p, "amp_params") == "frozen" { c_frozen(alpha, &data.snr, k)? } else { None };
    let params = match frozen {
        Some(c) => AmpParams::Frozen { c },
        None => {
            AmpParams::Adaptive { b_init: b_init(alpha, &data.snr, k)?, gamma_init: None, theta: num(p, "amp_theta") }
        }
    };
    let cfg = AmpConfig {
        hidden: HiddenPrior::Rademacher,
        params,
        max_iter: int(p, "amp_iter") as usize,
        tol: num(p, "amp_tol"),
    };
    let v0 = amp_v0(p, data, k)?;
    Ok(amp_rbm(data.x.view(), &v0, &cfg, Some(&data.v))?)
}

/// Matched average overlap of the top-`r` eigenvectors of `XᵀX` with the spikes (the
/// finite-`d` PCA/SVD estimate). Rank 1 uses Lanczos (`analysis::spectrum`), robust near
/// BBP where the eigengap closes; rank `r > 1` block subspace iteration, reported as NaN
/// when it does not converge (a tiny gap below threshold).
fn pca_overlap_finite(data: &Spiked, seed: u64) -> anyhow::Result<f64> {
    let r = data.snr.len();
    if r == 1 {
        let top = analysis::spectrum::top_eigen_covariance(data.x.view(), false, 1e-10)?;
        let v = data.v.column(0);
        return Ok(top.vector.dot(&v).abs() / v.dot(&v).sqrt());
    }
    Ok(match top_eigenvectors(data.x.view(), r.min(data.x.ncols()), seed) {
        Ok((vecs, _)) => matched_average_overlap(&overlaps(&vecs, &data.v)),
        Err(theory::Error::NotConverged { .. }) => f64::NAN,
        Err(e) => return Err(e.into()),
    })
}

/// `p003_recovery`: one instance, several estimators, one summary row.
pub struct Recovery;

impl StageKind for Recovery {
    fn info(&self) -> StageInfo {
        let mut params = data_params();
        params.extend([
            ParamSpec::new("k", T::Int, "hidden units (Rademacher, no biases); 0 = number of spikes")
                .default(Value::Int(0)),
            ParamSpec::new("methods", T::Str, "comma-separated subset of pca, gd, lbfgs, amp")
                .default(Value::Str("pca,gd,amp".into())),
            ParamSpec::new("lbfgs_iter", T::Int, "L-BFGS iterations at most (from GD's random start; stops at gd_tol)")
                .default(Value::Int(2000)),
            ParamSpec::new("gd_optimizer", T::Str, "gd (eq. 25) | adam (the paper's choice for random initialisation)")
                .default(Value::Str("adam".into())),
            ParamSpec::new("gd_lr", T::Float, "step size").default(Value::Float(0.05)),
            ParamSpec::new("gd_steps", T::Int, "full-batch steps").default(Value::Int(400)),
            ParamSpec::new("gd_init_std", T::Float, "entry std of the random initial weights")
                .default(Value::Float(0.1)),
            ParamSpec::new("gd_tol", T::Float, "stop when ‖∇_W L_eff‖_F/√d falls below this")
                .default(Value::Float(1e-6)),
        ]);
        params.extend(amp_params_spec());
        StageInfo {
            name: "p003_recovery",
            doc: "Paper 003 Figs. 1R, 5 and the weak-recovery scan: draws one spiked data set and reports the (matched average) overlap with the spikes of PCA (top-k eigenvectors of XᵀX), of GD/Adam and (optionally) L-BFGS on the effective objective (eq. 5) from the same random start, and of AMP-RBM (Algorithm 1), with each run's status, objective and AMP's relative stationarity gradient (Theorem 2)",
            params,
            inputs: vec![],
            outputs: vec!["summary"],
            code: code(&["data", "theory", "model/src/rng.rs", "analysis"], "runs.rs"),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_data(p)?;
        check_k(p)?;
        check_amp(p)?;
        optimizer(p, "gd_")?;
        for m in text(p, "methods").split(',') {
            if !matches!(m.trim(), "pca" | "gd" | "lbfgs" | "amp") {
                return Err(format!("methods: unknown method `{m}` (pca, gd, lbfgs, amp)"));
            }
        }
        if int(p, "lbfgs_iter") < 1 {
            return Err(format!("lbfgs_iter must be >= 1, got {}", int(p, "lbfgs_iter")));
        }
        if int(p, "gd_steps") < 1 || !(num(p, "gd_init_std") > 0.0) || !(num(p, "gd_tol") > 0.0) {
            return Err("gd_steps must be >= 1, gd_init_std and gd_tol > 0".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let p = ctx.params;
        let data = spiked(p)?;
        let (n, d) = data.x.dim();
        let k = hidden_units(p);
        let methods: Vec<&str> = text(p, "methods").split(',').map(str::trim).collect();
        let nan = f64::NAN;
        let mut row = TableBuilder::new()
            .i64("n", vec![n as i64])
            .i64("n_hidden", vec![k as i64])
            .f64("snr_min", vec![data.snr.iter().cloned().fold(f64::INFINITY, f64::min)]);
        let t0 = std::time::Instant::now();
        let pca =
            if methods.contains(&"pca") { pca_overlap_finite(&data, derived_seed(int(p, "seed"), 12))? } else { nan };
        let t_pca = t0.elapsed().as_secs_f64();
        row = row.f64("overlap_pca", vec![pca]).f64("seconds_pca", vec![t_pca]);
        // GD / Adam on the effective objective from a random start.
        let t0 = std::time::Instant::now();
        // The effective objective and the random start shared by GD and L-BFGS.
        let obj = EffObjective::new(data.x.view(), k, HiddenPrior::Rademacher, VisiblePrior::Rademacher)?;
        let random_start =
            || init_weights(d, k, &WeightInit::Random { std: num(p, "gd_init_std") }, derived_seed(int(p, "seed"), 13));
        let (gd_ov, gd_obj, gd_status, gd_steps) = if methods.contains(&"gd") {
            let w0 = random_start()?;
            let steps = int(p, "gd_steps") as usize;
            let cfg = TrainConfig {
                optimizer: optimizer(p, "gd_").map_err(anyhow::Error::msg)?,
                steps,
                batch_size: None,
                seed: derived_seed(int(p, "seed"), 14),
                record_every: 25.min(steps),
                tol: Some(num(p, "gd_tol")),
            };
            let r = train(&obj, EffParams { w: w0, b: None, c: None }, &cfg, Some(&data.v))?;
            let last = r.trajectory.last().context("empty trajectory")?;
            let ov = last.overlap.as_ref().map_or(nan, matched_average_overlap);
            (ov, last.objective, r.status.as_str().to_string(), last.step as i64)
        } else {
            (nan, nan, "not_run".into(), 0)
        };
        let t_gd = t0.elapsed().as_secs_f64();
        // L-BFGS on the same objective from the same random start (issue 7: the SE fixed
        // point against the long-run GD *and* L-BFGS overlaps).
        let t0 = std::time::Instant::now();
        let (lb_ov, lb_obj, lb_status, lb_it) = if methods.contains(&"lbfgs") {
            let w0 = random_start()?;
            let cfg = LbfgsConfig {
                max_iter: int(p, "lbfgs_iter") as usize,
                grad_tol: num(p, "gd_tol"),
                ..LbfgsConfig::default()
            };
            let r = maximise_eff(&obj, EffParams { w: w0, b: None, c: None }, &cfg, Some(&data.v))?;
            let ov = r.overlap.as_ref().map_or(nan, matched_average_overlap);
            (ov, r.objective, r.status.as_str().to_string(), r.iterations as i64)
        } else {
            (nan, nan, "not_run".into(), 0)
        };
        row = row
            .f64("overlap_lbfgs", vec![lb_ov])
            .f64("objective_lbfgs", vec![lb_obj])
            .str("status_lbfgs", vec![lb_status])
            .i64("iterations_lbfgs", vec![lb_it])
            .f64("seconds_lbfgs", vec![t0.elapsed().as_secs_f64()]);
        row = row
            .f64("overlap_gd", vec![gd_ov])
            .f64("objective_gd", vec![gd_obj])
            .str("status_gd", vec![gd_status])
            .i64("steps_gd", vec![gd_steps])
            .f64("seconds_gd", vec![t_gd]);
        // AMP-RBM.
        let t0 = std::time::Instant::now();
        let (amp_ov, amp_ok_ov, amp_obj, amp_grad, amp_status, amp_it, amp_fail) = if methods.contains(&"amp") {
            let r = run_amp(p, &data, k)?;
            let ov = r.trajectory.last().and_then(|it| it.overlap.as_ref()).map_or(nan, matched_average_overlap);
            // The paper filters failed runs (negative objective); diverged runs have no estimate.
            let ok = matches!(r.status, RunStatus::Converged | RunStatus::MaxIter);
            (
                ov,
                if ok { ov } else { nan },
                r.objective,
                r.rel_grad,
                r.status.as_str().to_string(),
                r.trajectory.len() as i64,
                r.failure.unwrap_or_default(),
            )
        } else {
            (nan, nan, nan, nan, "not_run".into(), 0, String::new())
        };
        let t_amp = t0.elapsed().as_secs_f64();
        row = row
            .f64("overlap_amp", vec![amp_ov])
            .f64("overlap_amp_kept", vec![amp_ok_ov])
            .f64("objective_amp", vec![amp_obj])
            .f64("rel_grad_amp", vec![amp_grad])
            .str("status_amp", vec![amp_status])
            .i64("iterations_amp", vec![amp_it])
            .str("failure_amp", vec![amp_fail])
            .f64("seconds_amp", vec![t_amp])
            .f64("snr_bbp", vec![1.0 / (n as f64 / d as f64).sqrt()]);
        Ok(vec![("summary".into(), row.build()?)])
    }
}

/// `p003_amp_iterations`: AMP-RBM iterates against the state evolution started from the
/// empirical state of the same initialisation (`k = r = 1`).
pub struct AmpIterations;

impl StageKind for AmpIterations {
    fn info(&self) -> StageInfo {
        let mut params = data_params();
        params.extend(amp_params_spec());
        params.push(
            ParamSpec::new(
                "se_params",
                T::Str,
                "adaptive (C_t = (αΓ − B_{t−1})^{-1}, Algorithm 1) | frozen (C ≡ C* of the SE fixed point)",
            )
            .default(Value::Str("frozen".into())),
        );
        StageInfo {
            name: "p003_amp_iterations",
            doc: "Paper 003 Fig. 1 left: overlap of AMP-RBM (Algorithm 1, k = r = 1, Rademacher hidden units) per iteration on one spiked data set, beside its state evolution (eq. 19) started from the empirical (M_v⁰, Σ_v⁰) of the same initialisation; B_{−1} (or the frozen C) at the SE fixed point; the SE replicon factor (D-5) per iteration and the run's status on every row",
            params,
            inputs: vec![],
            outputs: vec!["trajectory"],
            code: code(&["data", "theory", "model/src/rng.rs", "analysis"], "runs.rs"),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_data(p)?;
        check_amp(p)?;
        if super::snrs(p).len() != 1 {
            return Err("p003_amp_iterations compares with the k = r = 1 state evolution: use one spike".into());
        }
        if !matches!(text(p, "se_params"), "adaptive" | "frozen") {
            return Err("se_params must be adaptive or frozen".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let p = ctx.params;
        let data = spiked(p)?;
        let (n, d) = data.x.dim();
        let alpha = n as f64 / d as f64;
        let lambda = data.snr[0];
        let fp = se_k1_fixed_point(alpha, lambda)?.with_context(|| {
            format!("no informative SE fixed point at alpha = {alpha}, snr = {lambda}: pick a larger snr")
        })?;
        let (params, se_params) = if text(p, "se_params") == "frozen" {
            (AmpParams::Frozen { c: arr2(&[[fp.c]]) }, SeParams::Frozen { c: arr2(&[[fp.c]]) })
        } else {
            let th = num(p, "amp_theta");
            (
                AmpParams::Adaptive { b_init: arr2(&[[fp.b]]), gamma_init: None, theta: th },
                SeParams::Adaptive { b_init: arr2(&[[fp.b]]), gamma_init: None, theta: th },
            )
        };
        let iters = int(p, "amp_iter") as usize;
        let cfg = AmpConfig { hidden: HiddenPrior::Rademacher, params, max_iter: iters, tol: num(p, "amp_tol") };
        let v0 = amp_v0(p, &data, 1)?;
        let r = amp_rbm(data.x.view(), &v0, &cfg, Some(&data.v))?;
        let (m0, s0) = empirical_se_init(&v0, &data.v)?;
        let se = se_k1_trajectory(alpha, lambda, m0[[0, 0]], s0[[0, 0]], &se_params, iters)?;
        let m = r.trajectory.len();
        let status = r.status.as_str().to_string();
        let t = TableBuilder::new()
            .i64("iteration", (0..m as i64).collect())
            .f64(
                "overlap_amp",
                r.trajectory.iter().map(|it| it.overlap.as_ref().map_or(f64::NAN, |o| o[[0, 0]])).collect(),
            )
            .f64("q_amp", r.trajectory.iter().map(|it| it.q[[0, 0]]).collect())
            .f64("delta_amp", r.trajectory.iter().map(|it| it.delta).collect())
            .f64("overlap_se", (0..m).map(|t| se.get(t).map_or(f64::NAN, |s| s.overlap)).collect())
            .f64("q_se", (0..m).map(|t| se.get(t).map_or(f64::NAN, |s| s.sigma_u)).collect())
            .f64("replicon_se", (0..m).map(|t| se.get(t).map_or(f64::NAN, |s| s.replicon)).collect())
            .f64("overlap_se_fixed_point", vec![fp.overlap; m])
            .f64("replicon_fixed_point", vec![fp.replicon; m])
            .str("status", vec![status; m])
            .f64("rel_grad_final", vec![r.rel_grad; m])
            .build()?;
        Ok(vec![("trajectory".into(), t)])
    }
}

/// One recorded point of a training trajectory (GD/Adam or CD), in the theory's weight
/// scaling (`W = √d W_engine`).
pub(crate) struct Rec {
    pub step: i64,
    pub epoch: f64,
    pub objective: f64,
    pub grad_norm: f64,
    /// Gram matrix `Q = WᵀW/d`, `k × k`.
    pub q: Array2<f64>,
    /// Overlaps `k × r`.
    pub ov: Array2<f64>,
}

/// Trajectory tables shared by the GD and CD kinds:
/// * `trajectory`: `step, epoch, objective, grad_norm, overlap` (matched average), `q_mean`, `status`;
/// * `spikes`: `step, epoch, spike, snr_spike, overlap` (best unit for that spike), `overlap_span`
///   (NaN here; see [`dynamics_tables_with`]), `recovered` (best-unit overlap > `level`);
/// * `units`: `step, epoch, unit, spike` (Hungarian match at that step), `overlap`;
/// * `pairs`: `step, epoch, unit_a, unit_b, cosine = |Q_ab|/√(Q_aa Q_bb)` (hidden–hidden alignment).
pub(crate) fn dynamics_tables(recs: &[Rec], snr: &[f64], status: &str, level: f64) -> anyhow::Result<Outputs> {
    dynamics_tables_with(recs, snr, status, level, None)
}

/// How the `spikes` table decides that a spike is recovered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RecoveryMeasure {
    /// Best single hidden unit: `max_a |cos(w_a, v_b)|`.
    Unit,
    /// Span of the hidden units: `‖P_{span W} v̂_b‖` (see [`span_overlaps`]).
    Span,
}

/// [`dynamics_tables`] with, optionally, the span overlaps of every record (`span[i][b]` for
/// record `i`, spike `b`, from [`span_overlaps`]) as the `spikes` column `overlap_span`
/// (NaN without them) and the [`RecoveryMeasure`] that sets the `recovered` column.
pub(crate) fn dynamics_tables_with(
    recs: &[Rec],
    snr: &[f64],
    status: &str,
    level: f64,
    span: Option<(&[Vec<f64>], RecoveryMeasure)>,
) -> anyhow::Result<Outputs> {
    let nan = f64::NAN;
    let m = recs.len();
    let traj = TableBuilder::new()
        .i64("step", recs.iter().map(|r| r.step).collect())
        .f64("epoch", recs.iter().map(|r| r.epoch).collect())
        .f64("objective", recs.iter().map(|r| r.objective).collect())
        .f64("grad_norm", recs.iter().map(|r| r.grad_norm).collect())
        .f64("overlap", recs.iter().map(|r| matched_average_overlap(&r.ov)).collect())
        .f64("q_mean", recs.iter().map(|r| r.q.diag().mean().unwrap_or(nan)).collect())
        .str("status", vec![status.to_string(); m])
        .build()?;
    let (mut s_step, mut s_ep, mut s_sp, mut s_snr, mut s_ov, mut s_span, mut s_rec) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut u_step, mut u_ep, mut u_unit, mut u_sp, mut u_ov) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut p_step, mut p_ep, mut p_a, mut p_b, mut p_cos) = (vec![], vec![], vec![], vec![], vec![]);
    for (i, r) in recs.iter().enumerate() {
        let (k, nr) = r.ov.dim();
        for b in 0..nr {
            let best = (0..k).map(|a| r.ov[[a, b]]).fold(0.0, f64::max);
            let sp = span.and_then(|(s, _)| s.get(i)).and_then(|s| s.get(b)).copied().unwrap_or(nan);
            s_step.push(r.step);
            s_ep.push(r.epoch);
            s_sp.push(b as i64);
            s_snr.push(snr.get(b).copied().unwrap_or(nan));
            s_ov.push(best);
            s_span.push(sp);
            s_rec.push(match span.map(|s| s.1) {
                Some(RecoveryMeasure::Span) => sp > level,
                _ => best > level,
            });
        }
        let (assign, _) = max_matching(&r.ov);
        for (a, sp) in assign.iter().enumerate() {
            u_step.push(r.step);
            u_ep.push(r.epoch);
            u_unit.push(a as i64);
            u_sp.push(sp.map_or(-1, |s| s as i64));
            u_ov.push(sp.map_or(nan, |s| r.ov[[a, s]]));
        }
        for a in 0..k {
            for b in a + 1..k {
                let den = (r.q[[a, a]] * r.q[[b, b]]).sqrt();
                p_step.push(r.step);
                p_ep.push(r.epoch);
                p_a.push(a as i64);
                p_b.push(b as i64);
                p_cos.push(if den > 0.0 { r.q[[a, b]].abs() / den } else { nan });
            }
        }
    }
    let spikes = TableBuilder::new()
        .i64("step", s_step)
        .f64("epoch", s_ep)
        .i64("spike", s_sp)
        .f64("snr_spike", s_snr)
        .f64("overlap", s_ov)
        .f64("overlap_span", s_span)
        .bool("recovered", s_rec)
        .build()?;
    let units = TableBuilder::new()
        .i64("step", u_step)
        .f64("epoch", u_ep)
        .i64("unit", u_unit)
        .i64("spike", u_sp)
        .f64("overlap", u_ov)
        .build()?;
    let pairs = TableBuilder::new()
        .i64("step", p_step)
        .f64("epoch", p_ep)
        .i64("unit_a", p_a)
        .i64("unit_b", p_b)
        .f64("cosine", p_cos)
        .build()?;
    Ok(vec![("trajectory".into(), traj), ("spikes".into(), spikes), ("units".into(), units), ("pairs".into(), pairs)])
}

/// Overlap of each spike with the span of the hidden units, `‖P_{span W} v_b‖/‖v_b‖` for the
/// columns `v_b` of `v` (`d × r`), from an orthonormal basis of the columns of `w` (`d × k`,
/// modified Gram–Schmidt applied twice; a column whose residual falls below `1e-12` of its
/// norm adds no direction). It is the largest `|cos(u, v_b)|` over the unit vectors `u` in the
/// span, i.e. the best overlap reachable by rotating the hidden units, and it equals the
/// matched overlap of the left singular vectors of `W` when those align one-to-one with the
/// spikes: the quantity that grows independently per spike in the small-weight (linear)
/// regime of GD, where every unit follows the same linear map (paper 003 eq. (25) with
/// `Γ(Q) ≈ Γ(0)`, the premise of eq. (138); see `p003_gd_trajectory`).
pub(crate) fn span_overlaps(w: &Array2<f64>, v: &Array2<f64>) -> Vec<f64> {
    let mut basis: Vec<ndarray::Array1<f64>> = Vec::with_capacity(w.ncols());
    for col in w.columns() {
        let norm0 = col.dot(&col).sqrt();
        if !(norm0 > 0.0) {
            continue;
        }
        let mut u = col.to_owned();
        for _ in 0..2 {
            for q in &basis {
                let c = q.dot(&u);
                u.scaled_add(-c, q);
            }
        }
        let nu = u.dot(&u).sqrt();
        if nu > 1e-12 * norm0 {
            basis.push(u / nu);
        }
    }
    v.columns()
        .into_iter()
        .map(|vb| {
            let nv = vb.dot(&vb).sqrt();
            if !(nv > 0.0) {
                return f64::NAN;
            }
            let p2: f64 = basis.iter().map(|q| q.dot(&vb).powi(2)).sum();
            (p2.sqrt() / nv).min(1.0)
        })
        .collect()
}

/// Initialisation parameters shared by the GD and CD trajectory kinds.
pub(crate) fn init_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::new("init", T::Str, "random (init_s0 · G) | informed (init_m0 V* + init_s0 G, units a < r)")
            .default(Value::Str("random".into())),
        ParamSpec::new("init_m0", T::Float, "signal coefficient of the informed initialisation")
            .default(Value::Float(0.3)),
        ParamSpec::new("init_s0", T::Float, "noise entry std of the initialisation").default(Value::Float(0.1)),
        ParamSpec::new("recovered_level", T::Float, "a spike counts as recovered when its best overlap exceeds this")
            .default(Value::Float(0.5)),
    ]
}

pub(crate) fn check_init(p: &Params) -> Result<(), String> {
    if !matches!(text(p, "init"), "random" | "informed") {
        return Err(format!("init must be random or informed, got `{}`", text(p, "init")));
    }
    if !(num(p, "init_s0") >= 0.0) || !num(p, "init_m0").is_finite() {
        return Err("init_s0 must be >= 0 and init_m0 finite".into());
    }
    Ok(())
}

/// Initial weights (theory scaling, `d × k`).
pub(crate) fn initial_weights(p: &Params, data: &Spiked, k: usize) -> anyhow::Result<Array2<f64>> {
    let d = data.x.ncols();
    let s0 = num(p, "init_s0");
    let init = if text(p, "init") == "informed" {
        WeightInit::Informed { truth: &data.v, m0: num(p, "init_m0"), s0 }
    } else {
        WeightInit::Random { std: s0 }
    };
    Ok(init_weights(d, k, &init, derived_seed(int(p, "seed"), 21))?)
}

/// `p003_gd_trajectory`: GD (eq. 25) or Adam on the effective objective, recorded per step.
pub struct GdTrajectory;

impl StageKind for GdTrajectory {
    fn info(&self) -> StageInfo {
        let mut params = data_params();
        params.extend([
            ParamSpec::new("k", T::Int, "hidden units (Rademacher, no biases); 0 = number of spikes")
                .default(Value::Int(0)),
            ParamSpec::new("optimizer", T::Str, "gd | adam").default(Value::Str("gd".into())),
            ParamSpec::new("lr", T::Float, "step size η"),
            ParamSpec::new("steps", T::Int, "number of updates"),
            ParamSpec::new("batch_size", T::Int, "minibatch size (0 = full batch)").default(Value::Int(0)),
            ParamSpec::new("record_every", T::Int, "record every this many steps").default(Value::Int(1)),
            ParamSpec::new(
                "recovery_measure",
                T::Str,
                "what `recovered` thresholds: unit (best single hidden unit's overlap) | span (overlap of the spike with the span of the hidden units, ‖P_span(W) v̂‖: the weight-matrix modes of the cascade, eq. (138))",
            )
            .default(Value::Str("unit".into())),
        ]);
        params.extend(init_params());
        StageInfo {
            name: "p003_gd_trajectory",
            doc: "Paper 003 Figs. 2, 7L: GD (eq. 25) or Adam on the effective objective (eq. 5) on one spiked data set, recording the objective, the matched overlap, each spike's best single-unit overlap and its overlap with the span of the hidden units (`overlap_span`), the per-unit matched overlaps and the unit–unit cosines; `recovered` thresholds the measure chosen by `recovery_measure` (span for the Fig. 7L cascade: with Γ(Q) ≈ Γ(0) every unit follows the same linear map, so single units all turn to the strongest spike while each weaker spike emerges from the bulk in the span of W at its own linear-regime time, the premise of eq. (138))",
            params,
            inputs: vec![],
            outputs: vec!["trajectory", "spikes", "units", "pairs"],
            code: code(&["data", "theory", "model/src/rng.rs", "analysis"], "runs.rs"),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_data(p)?;
        check_k(p)?;
        check_init(p)?;
        let mut q = p.clone();
        q.insert("x_lr".into(), Value::Float(num(p, "lr")));
        q.insert("x_optimizer".into(), Value::Str(text(p, "optimizer").into()));
        optimizer(&q, "x_")?;
        if int(p, "steps") < 1 || int(p, "record_every") < 1 || int(p, "batch_size") < 0 {
            return Err("steps and record_every must be >= 1, batch_size >= 0".into());
        }
        recovery_measure(p)?;
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let p = ctx.params;
        let data = spiked(p)?;
        let k = hidden_units(p);
        let obj = EffObjective::new(data.x.view(), k, HiddenPrior::Rademacher, VisiblePrior::Rademacher)?;
        let w0 = initial_weights(p, &data, k)?;
        let mut q = p.clone();
        q.insert("x_lr".into(), Value::Float(num(p, "lr")));
        q.insert("x_optimizer".into(), Value::Str(text(p, "optimizer").into()));
        let bs = int(p, "batch_size") as usize;
        let cfg = TrainConfig {
            optimizer: optimizer(&q, "x_").map_err(anyhow::Error::msg)?,
            steps: int(p, "steps") as usize,
            batch_size: (bs > 0).then_some(bs),
            seed: derived_seed(int(p, "seed"), 22),
            record_every: int(p, "record_every") as usize,
            tol: None,
        };
        let mut span: Vec<Vec<f64>> = Vec::new();
        let mut hook = |_step: usize, q: &EffParams| -> theory::Result<()> {
            span.push(span_overlaps(&q.w, &data.v));
            Ok(())
        };
        let hooks = TrainHooks { on_record: Some(&mut hook), ..TrainHooks::default() };
        let r = train_with(&obj, EffParams { w: w0, b: None, c: None }, &cfg, Some(&data.v), hooks)?;
        let n = data.x.nrows() as f64;
        let recs: Vec<Rec> = r
            .trajectory
            .iter()
            .map(|t| Rec {
                step: t.step as i64,
                epoch: t.step as f64 * bs.max(1) as f64 / if bs > 0 { n } else { 1.0 },
                objective: t.objective,
                grad_norm: t.grad_norm,
                q: t.q.clone(),
                ov: t.overlap.clone().unwrap_or_else(|| Array2::zeros((k, data.snr.len()))),
            })
            .collect();
        let measure = recovery_measure(p).map_err(anyhow::Error::msg)?;
        dynamics_tables_with(&recs, &data.snr, r.status.as_str(), num(p, "recovered_level"), Some((&span, measure)))
    }
}

fn recovery_measure(p: &Params) -> Result<RecoveryMeasure, String> {
    match text(p, "recovery_measure") {
        "unit" => Ok(RecoveryMeasure::Unit),
        "span" => Ok(RecoveryMeasure::Span),
        o => Err(format!("recovery_measure must be unit or span, got `{o}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::span_overlaps;
    use ndarray::Array2;

    /// `span_overlaps` against closed forms: with `W` spanning `e₀` and `e₀ + e₁` (so the span
    /// is `{e₀, e₁}`, reached through a nearly collinear pair), a spike `cos θ e₁ + sin θ e₂`
    /// has span overlap `|cos θ|`, a spike in the span has 1 and one orthogonal to it 0; a
    /// duplicated column adds no direction.
    #[test]
    fn span_overlaps_match_projection_closed_form() {
        let d = 5;
        let mut w = Array2::zeros((d, 3));
        w[[0, 0]] = 2.0;
        w[[0, 1]] = 1.0;
        w[[1, 1]] = 1e-3; // nearly collinear with column 0
        w[[0, 2]] = -4.0; // duplicate direction of column 0
        let th: f64 = 0.7;
        let mut v = Array2::zeros((d, 3));
        v[[1, 0]] = th.cos() * 3.0;
        v[[2, 0]] = th.sin() * 3.0;
        v[[0, 1]] = 1.0;
        v[[1, 1]] = -2.0;
        v[[3, 2]] = 1.0;
        v[[4, 2]] = 1.0;
        let o = span_overlaps(&w, &v);
        assert!((o[0] - th.cos()).abs() < 1e-9, "{o:?}");
        assert!((o[1] - 1.0).abs() < 1e-12, "{o:?}");
        assert!(o[2].abs() < 1e-12, "{o:?}");
    }
}
