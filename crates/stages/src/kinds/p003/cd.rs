//! Contrastive divergence on the real RBM of paper 003 (Figs. 4 and 7 middle/right): Ising
//! (Rademacher) visible and hidden units without biases, trained by CD-k on the real-valued
//! spiked data, with the engine's Gibbs sampler, statistics, gradient and SGD step
//! (`model::gibbs_from_visible`, `train::grad`, `train::optim`).
//!
//! Why not `rbm_train`: the engine's data adapter reads ±1 data for Ising visible units,
//! whereas the paper's CD clamps the visible layer to the real-valued samples of eq. (11)
//! (only the model term samples `v ∈ {±1}^d`), and Fig. 4 needs the informed
//! initialisation. The update itself is the engine's.
//!
//! Scaling (THEORY_003 §7, Fig. 4): the engine's energy is `−vᵀW_e h`, the paper's
//! `−vᵀWh/√d`, so `W = √d W_e`. A CD step `W_e += lr (⟨vhᵀ⟩_data − ⟨vhᵀ⟩_recon)` on the
//! per-sample gradient is the GD step (eq. 25) `W += η ∇_W L` with `η = lr/α`; the kind takes
//! the GD-equivalent `lr` (η) and uses `lr_cd = η α`, so one CD update compares with one GD step.

use super::runs::{Rec, check_init, dynamics_tables, initial_weights};
use super::{check_data, code, data_params, derived_seed, int, num, spiked};
use model::{BiasMode, Chains, Rbm, Units, gibbs_from_visible};
use ndarray::{Array2, Axis};
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use rand::seq::SliceRandom;
use theory::p003::hidden::{HiddenPrior, MAX_ENUM_K};
use theory::p003::objective::{EffObjective, EffParams, VisiblePrior, gram, overlaps};
use train::grad::{gradient, stats_from_visible};
use train::optim::{OptState, step};

/// `p003_cd`: CD-k trajectory on spiked data.
pub struct CdTrajectory;

fn hidden_units(p: &Params) -> usize {
    match int(p, "k") {
        0 => super::snrs(p).len(),
        k => k.max(1) as usize,
    }
}

impl StageKind for CdTrajectory {
    fn info(&self) -> StageInfo {
        let mut params = data_params();
        params.extend([
            ParamSpec::new("k", T::Int, "hidden units; 0 = number of spikes").default(Value::Int(0)),
            ParamSpec::new("lr", T::Float, "GD-equivalent step η (the CD learning rate is η α, module docs)"),
            ParamSpec::new("cd_k", T::Int, "Gibbs sweeps per update (CD-k from the data)").default(Value::Int(1)),
            ParamSpec::new("batch_size", T::Int, "minibatch size"),
            ParamSpec::new("epochs", T::Int, "epochs"),
            ParamSpec::new("record_every", T::Int, "record every this many updates").default(Value::Int(10)),
        ]);
        params.extend(super::runs::init_params());
        StageInfo {
            name: "p003_cd",
            doc: "Paper 003 Figs. 4, 7M, 7R: CD-k on the real RBM (Rademacher visible and hidden units, no biases, data clamped to the real spiked samples) with the engine's Gibbs sampler and SGD step; records the effective objective of the current weights, the matched overlap, each spike's best overlap, per-unit matched overlaps and unit–unit cosines, against updates (each a GD-equivalent step)",
            params,
            inputs: vec![],
            outputs: vec!["trajectory", "spikes", "units", "pairs"],
            code: code(&["data", "theory", "model", "train"], "cd.rs"),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_data(p)?;
        check_init(p)?;
        if int(p, "k") < 0 || hidden_units(p) > MAX_ENUM_K {
            return Err(format!("k must be in 0..={MAX_ENUM_K} (the recorded objective enumerates 2^k states)"));
        }
        if !(num(p, "lr") > 0.0) {
            return Err("lr must be > 0".into());
        }
        let n = (num(p, "alpha") * int(p, "d") as f64).round() as i64;
        if int(p, "cd_k") < 1 || int(p, "epochs") < 1 || int(p, "record_every") < 1 {
            return Err("cd_k, epochs and record_every must be >= 1".into());
        }
        if int(p, "batch_size") < 1 || int(p, "batch_size") > n {
            return Err(format!("batch_size must be in 1..={n}"));
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let p = ctx.params;
        let data = spiked(p)?;
        let (n, d) = data.x.dim();
        let alpha = n as f64 / d as f64;
        let sd = (d as f64).sqrt();
        let k = hidden_units(p);
        let seed = derived_seed(int(p, "seed"), 31);
        let mut rbm = Rbm::<f64>::zeros(Units::Ising, d, Units::Ising, k)?;
        rbm.weights = initial_weights(p, &data, k)? / sd;
        rbm.visible = rbm.visible.with_bias_mode(BiasMode::Off);
        rbm.hidden = rbm.hidden.with_bias_mode(BiasMode::Off);
        let opt = train::Optimizer::Sgd { lr: num(p, "lr") * alpha };
        let mut st = OptState::default();
        let obj = EffObjective::new(data.x.view(), k, HiddenPrior::Rademacher, VisiblePrior::Rademacher)?;
        let (bs, epochs, every, cd_k) =
            (ctx.usize("batch_size")?, ctx.usize("epochs")?, ctx.usize("record_every")?, ctx.usize("cd_k")?);
        let upe = n.div_ceil(bs);
        let record = |rbm: &Rbm<f64>, t: u64| -> anyhow::Result<Rec> {
            let w = &rbm.weights * sd;
            let (val, g) = obj.value_grad(&EffParams { w: w.clone(), b: None, c: None })?;
            Ok(Rec {
                step: t as i64,
                epoch: t as f64 / upe as f64,
                objective: val / n as f64,
                grad_norm: g.w.iter().map(|v| v * v).sum::<f64>().sqrt() / sd,
                q: gram(&w),
                ov: overlaps(&w, &data.v),
            })
        };
        let mut recs = vec![record(&rbm, 0)?];
        let mut t: u64 = 0;
        let mut status = "max_iter";
        'outer: for e in 0..epochs {
            let mut perm: Vec<usize> = (0..n).collect();
            perm.shuffle(&mut model::rng::stream(seed, 1, e as u64));
            for chunk in perm.chunks(bs) {
                let batch: Array2<f64> = data.x.select(Axis(0), chunk);
                let pos = stats_from_visible(&rbm, batch.view())?;
                let mut chains = Chains { v: batch, h: Array2::zeros((chunk.len(), k)) };
                gibbs_from_visible(&rbm, &mut chains, cd_k, seed, t)?;
                let neg = stats_from_visible(&rbm, chains.v.view())?;
                let g = gradient(1.0, &pos, &neg, false);
                step(&opt, &mut st, &mut rbm, &g);
                t += 1;
                if !rbm.is_finite() {
                    status = "diverged";
                    break 'outer;
                }
                if t.is_multiple_of(every as u64) {
                    recs.push(record(&rbm, t)?);
                }
            }
            (ctx.progress)(e as u64 + 1, epochs as u64);
        }
        if status != "diverged" && recs.last().is_some_and(|r| r.step as u64 != t) {
            recs.push(record(&rbm, t)?);
        }
        dynamics_tables(&recs, &data.snr, status, num(p, "recovered_level"))
    }
}
