//! Replica-symmetric phase diagram of the spiked ±1 RBM ensemble (paper 000, eqs. 10–12
//! and the text after them) in the `(1/σ, w/σ)` plane.

use super::{Checks, code, linspace, need, pf, pfl, pi, ps};
use anyhow::Context;
use pipeline::table::TableBuilder;
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use theory::replica::{
    ComponentLaw, MAX_MODES, Phase, PhaseDiagramSpec, SolverOptions, ferro_instability_line, phase_diagram,
};

const FILE: &str = "replica.rs";
const REF: &str = "paper 000 eqs. (10)-(12), RS phase diagram (SK topology)";

/// Registers the kinds of this file.
pub fn register(r: &mut pipeline::Registry) {
    r.add(RsPhaseDiagram);
}

fn law(s: &str) -> Result<ComponentLaw, String> {
    match s {
        "gaussian" => Ok(ComponentLaw::Gaussian),
        "uniform" => Ok(ComponentLaw::Uniform),
        "bernoulli" => Ok(ComponentLaw::Bernoulli),
        o => Err(format!("component law must be gaussian, uniform or bernoulli, got `{o}`")),
    }
}

/// Integer code of a phase for heatmaps (0 paramagnetic, 1 ferromagnetic, 2 spin glass).
fn phase_code(p: Phase) -> i64 {
    match p {
        Phase::Paramagnetic => 0,
        Phase::Ferromagnetic => 1,
        Phase::SpinGlass => 2,
    }
}

/// `rs_phase_diagram`.
pub struct RsPhaseDiagram;

impl StageKind for RsPhaseDiagram {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "rs_phase_diagram",
            doc: "Paper 000 eqs. (10)-(12): replica-symmetric saddle points of the spiked RBM ensemble W = sum_a w_a u^a v^aT + noise(sigma) on a grid of (1/sigma, w_1/sigma); each point is labelled by its equilibrium state (lowest free energy among the converged, stable fixed points reached from several starts). Outputs `grid` (phase, phase_code 0 PM / 1 F / 2 SG, m, q, free energy, number of stable fixed points, converged = the chosen state converged and is stable), `lines` (linearised boundaries: ferromagnetic instability of the m = 0 state and the PM/SG line 1/sigma = 1) and `checks` (all points converged; phases agree with the linearised boundaries away from them)",
            params: vec![
                ParamSpec::new("kappa", T::Float, "aspect ratio N_h/N_v (> 0)").default(Value::Float(1.0)),
                ParamSpec::new("law_u", T::Str, "law of the visible components: gaussian | uniform | bernoulli")
                    .default(Value::Str("gaussian".into())),
                ParamSpec::new("law_v", T::Str, "law of the hidden components: gaussian | uniform | bernoulli")
                    .default(Value::Str("gaussian".into())),
                ParamSpec::new(
                    "mode_ratios",
                    T::FloatList,
                    "w_a / w_1 for each mode (first 1, then in [0, 1]; at most 6 modes)",
                )
                .default(Value::List(vec![Value::Float(1.0)])),
                ParamSpec::new("inv_sigma_min", T::Float, "smallest 1/sigma (temperature axis, > 0)")
                    .default(Value::Float(0.05)),
                ParamSpec::new("inv_sigma_max", T::Float, "largest 1/sigma").default(Value::Float(2.0)),
                ParamSpec::new("n_inv_sigma", T::Int, "grid points along 1/sigma (>= 2)").default(Value::Int(100)),
                ParamSpec::new("w_min", T::Float, "smallest w_1/sigma (>= 0)").default(Value::Float(0.0)),
                ParamSpec::new("w_max", T::Float, "largest w_1/sigma").default(Value::Float(2.5)),
                ParamSpec::new("n_w", T::Int, "grid points along w_1/sigma (>= 2)").default(Value::Int(100)),
            ],
            inputs: vec![],
            outputs: vec!["grid", "lines", "checks"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        need(pf(p, "kappa") > 0.0, || format!("kappa must be > 0, got {}", pf(p, "kappa")))?;
        law(ps(p, "law_u"))?;
        law(ps(p, "law_v"))?;
        let r = pfl(p, "mode_ratios");
        need(!r.is_empty() && r.len() <= MAX_MODES, || {
            format!("mode_ratios needs 1..={MAX_MODES} entries, got {}", r.len())
        })?;
        need(r[0] == 1.0, || format!("the first mode ratio must be 1, got {}", r[0]))?;
        need(r.iter().all(|x| (0.0..=1.0).contains(x)), || format!("mode ratios must lie in [0, 1], got {r:?}"))?;
        let (a, b) = (pf(p, "inv_sigma_min"), pf(p, "inv_sigma_max"));
        need(a > 0.0, || {
            format!("inv_sigma_min must be > 0 (1/sigma is a temperature; sigma = infinity is excluded), got {a}")
        })?;
        need(b > a, || format!("inv_sigma_max must be > inv_sigma_min, got {a} and {b}"))?;
        let (c, d) = (pf(p, "w_min"), pf(p, "w_max"));
        need(c >= 0.0 && d > c, || format!("need 0 <= w_min < w_max, got {c} and {d}"))?;
        need(pi(p, "n_inv_sigma") >= 2 && pi(p, "n_w") >= 2, || "n_inv_sigma and n_w must be >= 2".into())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let spec = PhaseDiagramSpec {
            kappa: ctx.f64("kappa")?,
            law_u: law(ctx.str("law_u")?).map_err(anyhow::Error::msg)?,
            law_v: law(ctx.str("law_v")?).map_err(anyhow::Error::msg)?,
            mode_ratios: ctx.f64_list("mode_ratios")?,
            inv_sigma: linspace(ctx.f64("inv_sigma_min")?, ctx.f64("inv_sigma_max")?, ctx.usize("n_inv_sigma")?),
            w_over_sigma: linspace(ctx.f64("w_min")?, ctx.f64("w_max")?, ctx.usize("n_w")?),
        };
        let opts = SolverOptions::default();
        let pd = phase_diagram(&spec, &opts).context("rs_phase_diagram")?;
        let n = pd.inv_sigma.len();
        // Linearised boundaries (independent of the full solve: closed form above sigma = 1,
        // one spin-glass solve per temperature below).
        let line: Vec<f64> = spec
            .inv_sigma
            .iter()
            .map(|&t| ferro_instability_line(spec.kappa, t))
            .collect::<theory::Result<_>>()
            .context("rs_phase_diagram: ferromagnetic instability line")?;
        let lines = TableBuilder::new()
            .f64("inv_sigma", spec.inv_sigma.clone())
            .f64("w_over_sigma_ferro", line.clone())
            .f64("inv_sigma_spin_glass", vec![1.0; spec.inv_sigma.len()])
            .build()?;
        // Phase predicted by the lines, compared where the point is at least one grid step
        // away from both boundaries (first-order effects and grid resolution aside).
        let (dt, dw) = (spec.inv_sigma[1] - spec.inv_sigma[0], spec.w_over_sigma[1] - spec.w_over_sigma[0]);
        let (mut agree, mut compared) = (0usize, 0usize);
        for i in 0..n {
            let t = pd.inv_sigma[i];
            let k = spec.inv_sigma.iter().position(|x| *x == t).unwrap_or(0);
            let wl = line[k];
            if (pd.w_over_sigma[i] - wl).abs() <= dw || (t - 1.0).abs() <= dt {
                continue;
            }
            let predicted = if pd.w_over_sigma[i] > wl {
                Phase::Ferromagnetic
            } else if t < 1.0 {
                Phase::SpinGlass
            } else {
                Phase::Paramagnetic
            };
            compared += 1;
            agree += usize::from(pd.phase[i] == predicted);
        }
        // On a critical line itself the state is only marginally stable (spectral radius 1),
        // so `converged` is false there by definition; those points are excluded.
        let on_line = |i: usize| {
            let k = spec.inv_sigma.iter().position(|x| *x == pd.inv_sigma[i]).unwrap_or(0);
            (pd.inv_sigma[i] - 1.0).abs() < 1e-9 || (pd.w_over_sigma[i] - line[k]).abs() < 1e-9
        };
        let off: Vec<usize> = (0..n).filter(|&i| !on_line(i)).collect();
        let n_conv = off.iter().filter(|&&i| pd.converged[i]).count();
        let mut c = Checks::default();
        c.abs(
            &format!(
                "fraction of grid points off the critical lines ({} of {n}) whose state converged and is stable",
                off.len()
            ),
            n_conv as f64 / off.len().max(1) as f64,
            1.0,
            0.0,
            "solver status",
        );
        c.at_least(
            "fraction of points (>= 1 grid step from the lines) in the phase the linearised boundaries predict",
            agree as f64 / compared.max(1) as f64,
            0.98,
            REF,
        );
        let grid = TableBuilder::new()
            .f64("inv_sigma", pd.inv_sigma.clone())
            .f64("w_over_sigma", pd.w_over_sigma.clone())
            .str("phase", pd.phase_labels().into_iter().map(String::from).collect())
            .i64("phase_code", pd.phase.iter().map(|p| phase_code(*p)).collect())
            .i64("top_mode", pd.top_mode.clone())
            .f64("m", pd.m.clone())
            .f64("m_hidden", pd.m_hidden.clone())
            .f64("q", pd.q.clone())
            .f64("q_hidden", pd.q_hidden.clone())
            .f64("free_energy", pd.free_energy.clone())
            .i64("n_stable", pd.n_stable.clone())
            .bool("converged", pd.converged.clone())
            .build()?;
        Ok(vec![("grid".into(), grid), ("lines".into(), lines), ("checks".into(), c.build()?)])
    }
}
