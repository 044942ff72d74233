//! Linear-regime spectral dynamics of the Gaussian–Gaussian RBM (paper 000, Fig. 1): the
//! matrix ODE `dW/dt = σ_h²(C − Σ_model(W))W` integrated from small random weights on
//! zero-mean Gaussian data with a prescribed spectrum.

use super::{Checks, code, logspace, need, pf, pfl, pi};
use anyhow::Context;
use pipeline::table::TableBuilder;
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use theory::linear::{LinearRbm, emergence_times, small_random_weights, synthetic_data};
use theory::ode::OdeOptions;

const FILE: &str = "linear.rs";
const REF: &str = "paper 000 Fig. 1 (linear regime, re-derived mode equations)";

/// Registers the kinds of this file.
pub fn register(r: &mut pipeline::Registry) {
    r.add(LinearRbmDynamics);
}

/// `linear_rbm_dynamics`: paper 000 Fig. 1.
pub struct LinearRbmDynamics;

fn variances(p_top: &[f64], n_visible: usize, bulk: f64) -> Vec<f64> {
    let mut v = p_top.to_vec();
    v.resize(n_visible.max(p_top.len()), bulk);
    v
}

impl StageKind for LinearRbmDynamics {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "linear_rbm_dynamics",
            doc: "Paper 000 Fig. 1: integrates the exact gradient flow dW/dt = sigma_h^2 (C - Sigma_model(W)) W of the Gaussian-Gaussian RBM (adaptive Dormand-Prince) from small random weights on zero-mean Gaussian data whose PCA variances are `top_variances` followed by `bulk_variance`; records the singular values of W, their amplitude along the data principal directions, the alignment with them and the exact log-likelihood at log-spaced times. Checks: final modes equal the closed-form equilibrium w^2 = (v - s_v^2)/(s_v^2 s_h^2 v) within 1 % above threshold and vanish below, modes emerge in decreasing order of data variance, the log-likelihood never decreases",
            params: vec![
                ParamSpec::new(
                    "top_variances",
                    T::FloatList,
                    "data variances of the leading PCA directions (>= 0, decreasing)",
                )
                .default(Value::List(vec![6.0, 4.0, 3.0, 2.0, 1.5].into_iter().map(Value::Float).collect())),
                ParamSpec::new("bulk_variance", T::Float, "variance of the remaining directions (>= 0)")
                    .default(Value::Float(0.5)),
                ParamSpec::new("n_visible", T::Int, "visible units N_v (>= number of top variances)")
                    .default(Value::Int(100)),
                ParamSpec::new("n_hidden", T::Int, "hidden units N_h (1..=N_v)").default(Value::Int(8)),
                ParamSpec::new(
                    "n_samples",
                    T::Int,
                    "0: population covariance; S > 0: empirical covariance of S samples",
                )
                .default(Value::Int(0)),
                ParamSpec::new("sigma_v", T::Float, "visible standard deviation (> 0)").default(Value::Float(1.0)),
                ParamSpec::new("sigma_h", T::Float, "hidden standard deviation (> 0)").default(Value::Float(1.0)),
                ParamSpec::new(
                    "init_std",
                    T::Float,
                    "standard deviation of the initial weights (> 0, small: the MP bulk stays below threshold)",
                )
                .default(Value::Float(0.01)),
                ParamSpec::new("seed", T::Int, "seed of the data directions and initial weights")
                    .default(Value::Int(0)),
                ParamSpec::new("t_min", T::Float, "first output time after t = 0 (> 0)").default(Value::Float(0.01)),
                ParamSpec::new("t_max", T::Float, "last output time (> t_min)").default(Value::Float(100.0)),
                ParamSpec::new("n_times", T::Int, "log-spaced output times (>= 2)").default(Value::Int(150)),
            ],
            inputs: vec![],
            outputs: vec!["modes", "likelihood", "checks"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let top = pfl(p, "top_variances");
        need(!top.is_empty(), || "top_variances must list at least one variance".into())?;
        need(top.iter().all(|v| *v >= 0.0), || format!("variances must be >= 0, got {top:?}"))?;
        need(top.windows(2).all(|w| w[0] >= w[1]), || format!("top_variances must be decreasing, got {top:?}"))?;
        let bulk = pf(p, "bulk_variance");
        need(bulk >= 0.0, || format!("bulk_variance must be >= 0, got {bulk}"))?;
        let nv = pi(p, "n_visible");
        need(nv >= top.len() as i64, || {
            format!("n_visible ({nv}) must be >= the number of top variances ({})", top.len())
        })?;
        let nh = pi(p, "n_hidden");
        need(nh >= 1 && nh <= nv, || format!("n_hidden must lie in 1..=n_visible ({nv}), got {nh}"))?;
        need(pi(p, "n_samples") >= 0, || "n_samples must be >= 0".into())?;
        for k in ["sigma_v", "sigma_h", "init_std"] {
            need(pf(p, k) > 0.0, || format!("{k} must be > 0, got {}", pf(p, k)))?;
        }
        need(pf(p, "t_min") > 0.0 && pf(p, "t_max") > pf(p, "t_min"), || {
            format!("need 0 < t_min < t_max, got t_min = {}, t_max = {}", pf(p, "t_min"), pf(p, "t_max"))
        })?;
        need(pi(p, "n_times") >= 2, || "n_times must be >= 2".into())?;
        need(pi(p, "seed") >= 0, || "seed must be >= 0".into())?;
        // The initial weights must be normalisable: sigma_v sigma_h w_max < 1, with
        // w_max ~ init_std (sqrt N_v + sqrt N_h) for Gaussian entries.
        let wmax = pf(p, "init_std") * ((nv as f64).sqrt() + (nh as f64).sqrt());
        need(pf(p, "sigma_v") * pf(p, "sigma_h") * wmax < 0.5, || {
            format!(
                "init_std too large: the initial top singular value ~ {wmax:.3} must keep sigma_v sigma_h w_max < 0.5 (small-weight start)"
            )
        })
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let nv = ctx.usize("n_visible")?;
        let nh = ctx.usize("n_hidden")?;
        let vars = variances(&ctx.f64_list("top_variances")?, nv, ctx.f64("bulk_variance")?);
        let seed = ctx.seed()?;
        let ns = ctx.usize("n_samples")?;
        let data = synthetic_data(&vars, (ns > 0).then_some(ns), seed).context("linear_rbm_dynamics: data")?;
        let rbm = LinearRbm::new(ctx.f64("sigma_v")?, ctx.f64("sigma_h")?)?;
        // Weights from an independent stream (seed + 1) so that they do not reuse the data's draws.
        let w0 = small_random_weights(nv, nh, ctx.f64("init_std")?, seed.wrapping_add(1))?;
        let mut times = vec![0.0];
        times.extend(logspace(ctx.f64("t_min")?, ctx.f64("t_max")?, ctx.usize("n_times")?));
        let opts = OdeOptions { rtol: 1e-8, atol: 1e-10, ..OdeOptions::default() };
        let traj = rbm
            .integrate_matrix(&w0, &data.covariance, &times, &opts)
            .context("linear_rbm_dynamics: integrating the matrix ODE")?;
        let tab = traj.to_table();
        let modes = TableBuilder::new()
            .f64("time", tab.time)
            .i64("mode", tab.mode)
            .f64("w", tab.w)
            .f64("w_pca", tab.w_pca)
            .f64("w_equilibrium", tab.w_equilibrium)
            .f64("alignment", tab.alignment)
            .f64("log_likelihood", tab.log_likelihood)
            .build()?;
        // dLL/dt by centred differences in t (one-sided at the ends).
        let (t, ll) = (&traj.time, &traj.log_likelihood);
        let k = t.len();
        let dll: Vec<f64> = (0..k)
            .map(|i| {
                let (a, b) = (i.saturating_sub(1), (i + 1).min(k - 1));
                (ll[b] - ll[a]) / (t[b] - t[a])
            })
            .collect();
        let likelihood =
            TableBuilder::new().f64("time", t.clone()).f64("log_likelihood", ll.clone()).f64("dll_dt", dll).build()?;

        // Checks against the closed form (independent of the matrix integration).
        let mut c = Checks::default();
        let last = traj.w_pca.last().context("empty trajectory")?;
        let pca_vars = theory::linear::data_pca(&data.covariance)?.variances;
        let thr = rbm.threshold();
        for a in 0..nh {
            let eq = rbm.equilibrium_w(pca_vars[a].max(0.0))?;
            if pca_vars[a] > thr * 1.05 {
                c.rel(
                    &format!("mode {}: final w vs equilibrium (data variance {:.3})", a + 1, pca_vars[a]),
                    last[a],
                    eq,
                    0.01,
                    REF,
                );
            } else if pca_vars[a] < thr * 0.95 {
                c.at_most(
                    &format!("mode {}: below threshold (variance {:.3}), final w", a + 1, pca_vars[a]),
                    last[a],
                    0.05,
                    REF,
                );
            }
        }
        let em = emergence_times(&traj, 0.5, 0.05);
        let learned: Vec<f64> = em.iter().map_while(|e| *e).collect();
        let n_above = pca_vars.iter().take(nh).filter(|v| **v > thr * 1.05).count();
        c.abs("modes learned (reach half their final value)", learned.len() as f64, n_above as f64, 0.0, REF);
        c.claim("modes emerge in decreasing order of data variance", learned.windows(2).all(|w| w[0] < w[1]), REF);
        let worst_drop = ll.windows(2).map(|w| w[0] - w[1]).fold(0.0f64, f64::max);
        c.at_most(
            "largest decrease of the log-likelihood between outputs",
            worst_drop,
            1e-9,
            "gradient flow: LL non-decreasing",
        );
        c.at_least(
            "final alignment |u_W . u_data| of the top mode",
            traj.alignment.last().map(|a| a[0]).unwrap_or(f64::NAN),
            0.99,
            "paper 000 Fig. 1 inset",
        );
        Ok(vec![("modes".into(), modes), ("likelihood".into(), likelihood), ("checks".into(), c.build()?)])
    }
}
