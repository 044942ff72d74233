//! RBM engine stages: training (`rbm_train`, resumable in blocks with `rbm_train_resume`),
//! equilibrium sampling from a checkpoint (`rbm_sample`) and log-likelihoods (`rbm_loglik`).
//!
//! Tables (parameters are prepended by the runner):
//! * `weights`: `checkpoint, update, epoch, i, a, mu, w` — one row per weight; `i` is the visible
//!   site, `a` the Potts state (0 for other units), `mu` the hidden unit. Load a matrix in numpy with
//!   `df[df.checkpoint == c].pivot(index="i", columns="mu", values="w")`.
//! * `biases`: `checkpoint, update, epoch, layer ("visible"|"hidden"), i, a, value`.
//! * `theta`: `checkpoint, update, epoch, mu, theta` — the double-well thresholds θ_μ of every hidden
//!   unit at each checkpoint (constant with `theta_mode: frozen`, learned with `trainable`); zero rows
//!   for other hidden unit types.
//! * `curve`: one row per checkpoint: `train_ll`, `test_ll` (nats per sample), their per-unit values
//!   and standard errors, `log_z`, `ll_method` ("exact"|"ais"|"none"), `weight_norm`, and
//!   `task_chain_sweeps` (constant: Gibbs chain sweeps this task did, for throughput reports).
//! * `chains`: final persistent chains, one row per chain, `v` a fixed-width i8 column (Potts: state index;
//!   Gaussian visible units: `x`, f32). Samplers without persistent chains (`exact`, `cd`, `rdm`)
//!   publish zero rows with the same columns, so readers need no special case.
//! * `state`: everything needed to resume (`block, index, value`), consumed by `rbm_train_resume`.

// Column-oriented accumulators are tuples of vectors, one per output column.
#![allow(clippy::type_complexity)]

use crate::codec;
use crate::fp::fingerprint;
use anyhow::{Context, bail};
use arrow::record_batch::RecordBatch;
use model::{BiasMode, Chains, Real, ThetaMode, Units};
use ndarray::{Array1, Array2, ArrayView2};
use pipeline::table::{self, TableBuilder};
use pipeline::{
    InputSpec, Outputs, ParamSpec, ParamType as T, Params, Registry, StageCtx, StageInfo, StageKind, Value,
};
use train::{Checkpoint, Init, LlEval, Optimizer, Sampler, Schedule, TrainConfig, VisibleBiasInit};

const MODULE: &str = "kinds/engine.rs";

/// Registers the engine's stage kinds.
pub fn register(r: &mut Registry) {
    r.add(RbmTrain { resume: false });
    r.add(RbmTrain { resume: true });
    r.add(RbmSample);
    r.add(RbmLoglik);
}

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

fn model_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::new("visible", T::Str, "visible units: ising | bernoulli | potts | gaussian"),
        ParamSpec::new("hidden", T::Str, "hidden units: ising | bernoulli | gaussian | double_well | potts"),
        ParamSpec::new("n_hidden", T::Int, "number of hidden units M"),
        ParamSpec::new("states", T::Int, "Potts states P (visible or hidden Potts units)").default(Value::Int(0)),
        ParamSpec::new("visible_precision", T::Float, "precision of Gaussian visible units").default(Value::Float(1.0)),
        ParamSpec::new("hidden_precision", T::Float, "precision of Gaussian hidden units (paper 001: N)")
            .default(Value::Float(1.0)),
        ParamSpec::new("theta", T::Float, "double-well parameter θ of U(h) = h²/2 + θ|h| (initial θ_μ when trainable)")
            .default(Value::Float(0.0)),
        ParamSpec::new(
            "theta_mode",
            T::Str,
            "frozen | trainable: learn one θ_μ per double-well hidden unit (paper 002 Sec. 2.2)",
        )
        .default(s("frozen")),
    ]
}

fn theta_mode(p: &Params) -> Result<ThetaMode, String> {
    let hid = p_str(p, "hidden");
    match p.get("theta_mode").and_then(Value::as_str).unwrap_or("frozen") {
        "frozen" => Ok(ThetaMode::Frozen),
        "trainable" if hid == "double_well" => Ok(ThetaMode::Trainable),
        "trainable" => Err(format!("theta_mode trainable needs double_well hidden units, got `{hid}`")),
        o => Err(format!("theta_mode must be frozen or trainable, got `{o}`")),
    }
}

fn units(kind: &str, states: i64, precision: f64, theta: f64) -> Result<Units, String> {
    let u = match kind {
        "ising" => Units::Ising,
        "bernoulli" => Units::Bernoulli,
        "gaussian" => Units::Gaussian { precision },
        "double_well" => Units::DoubleWell { theta },
        "potts" => {
            if states < 2 {
                return Err(format!("potts units need `states` >= 2, got {states}"));
            }
            Units::Potts { states: states as usize }
        }
        o => return Err(format!("unknown unit type `{o}` (ising, bernoulli, potts, gaussian, double_well)")),
    };
    u.validate().map_err(|e| e.to_string())?;
    Ok(u)
}

fn p_str<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or("")
}
fn p_i64(p: &Params, k: &str) -> i64 {
    p.get(k).and_then(Value::as_i64).unwrap_or(0)
}
fn p_f64(p: &Params, k: &str) -> f64 {
    p.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// Unit types of a (train-stage) parameter set.
fn layer_units(p: &Params) -> Result<(Units, Units), String> {
    let states = p_i64(p, "states");
    let v = units(p_str(p, "visible"), states, p_f64(p, "visible_precision"), 0.0)?;
    let h = units(p_str(p, "hidden"), states, p_f64(p, "hidden_precision"), p_f64(p, "theta"))?;
    if matches!(v, Units::DoubleWell { .. }) {
        return Err("double_well units are hidden units only".into());
    }
    Ok((v, h))
}

fn bias_mode(s: &str) -> Result<BiasMode, String> {
    match s {
        "trainable" => Ok(BiasMode::Trainable),
        "frozen" => Ok(BiasMode::Frozen),
        "off" => Ok(BiasMode::Off),
        o => Err(format!("bias mode must be trainable, frozen or off, got `{o}`")),
    }
}

fn schedule(s: &str) -> Result<Schedule, String> {
    if s == "every_epoch" {
        return Ok(Schedule::EveryEpoch);
    }
    if let Some(n) = s.strip_prefix("log:").and_then(|n| n.parse::<usize>().ok())
        && n >= 1
    {
        return Ok(Schedule::LogSpaced { count: n });
    }
    Err(format!("checkpoints must be `every_epoch` or `log:<count>`, got `{s}`"))
}

/// Builds the training configuration from the stage parameters.
fn config(p: &Params) -> Result<TrainConfig, String> {
    let k = p_i64(p, "k");
    let batch = p_i64(p, "batch_size");
    let chains = match p_i64(p, "n_chains") {
        0 => batch,
        c => c,
    };
    if k < 1 && p_str(p, "sampler") != "exact" {
        return Err(format!("k must be >= 1, got {k}"));
    }
    if batch < 1 || chains < 1 {
        return Err(format!("batch_size and n_chains must be >= 1, got {batch} and {chains}"));
    }
    let (k, chains) = (k.max(0) as usize, chains as usize);
    let sampler = match p_str(p, "sampler") {
        "pcd" => Sampler::Pcd { k, n_chains: chains },
        "cd" => Sampler::Cd { k },
        "rdm" => Sampler::Rdm { k, n_chains: chains },
        "exact" => Sampler::Exact,
        o => return Err(format!("sampler must be pcd, cd, rdm or exact, got `{o}`")),
    };
    let lr = p_f64(p, "lr");
    let optimizer = match p_str(p, "optimizer") {
        "sgd" => Optimizer::Sgd { lr },
        "adam" => Optimizer::adam(lr),
        o => return Err(format!("optimizer must be sgd or adam, got `{o}`")),
    };
    let epochs = p_i64(p, "epochs");
    if epochs < 1 {
        return Err(format!("epochs must be >= 1, got {epochs}"));
    }
    let ll = match p_str(p, "ll") {
        "none" => LlEval::None,
        "auto" => LlEval::Auto {
            ais_chains: p_i64(p, "ais_chains").max(1) as usize,
            ais_steps: p_i64(p, "ais_steps").max(1) as usize,
        },
        "ais" => LlEval::Ais {
            ais_chains: p_i64(p, "ais_chains").max(1) as usize,
            ais_steps: p_i64(p, "ais_steps").max(1) as usize,
        },
        o => return Err(format!("ll must be none, auto or ais, got `{o}`")),
    };
    let seed = p_i64(p, "seed");
    if seed < 0 {
        return Err(format!("seed must be >= 0, got {seed}"));
    }
    let cfg = TrainConfig {
        sampler,
        optimizer,
        batch_size: batch as usize,
        epochs: epochs as usize,
        seed: seed as u64,
        centered: p.get("centered").and_then(Value::as_bool).unwrap_or(false),
        zero_sum_gauge: p.get("zero_sum_gauge").and_then(Value::as_bool).unwrap_or(false),
        checkpoints: schedule(p_str(p, "checkpoints"))?,
        ll,
    };
    cfg.validate().map_err(|e| e.to_string())?;
    Ok(cfg)
}

/// `rbm_train` / `rbm_train_resume`.
pub struct RbmTrain {
    resume: bool,
}

impl StageKind for RbmTrain {
    fn info(&self) -> StageInfo {
        let mut params = model_params();
        params.extend([
            ParamSpec::new("sampler", T::Str, "pcd | cd | rdm | exact (2^M enumeration or linear closed form)")
                .default(s("pcd")),
            ParamSpec::new("k", T::Int, "Gibbs sweeps per update").default(Value::Int(1)),
            ParamSpec::new("n_chains", T::Int, "persistent chains (0 = batch_size)").default(Value::Int(0)),
            ParamSpec::new("optimizer", T::Str, "sgd (fixed learning rate, the papers' protocol) | adam")
                .default(s("sgd")),
            ParamSpec::new("lr", T::Float, "learning rate"),
            ParamSpec::new("batch_size", T::Int, "minibatch size"),
            ParamSpec::new("epochs", T::Int, "length of the whole run in epochs (sets the checkpoint schedule)"),
            ParamSpec::new("stop_epoch", T::Int, "stop this block after this many epochs in all (0 = epochs)")
                .default(Value::Int(0)),
            ParamSpec::new("weight_std", T::Float, "standard deviation of the initial Gaussian weights")
                .default(Value::Float(0.01)),
            ParamSpec::new(
                "visible_bias_init",
                T::Str,
                "zero | data_mean (logit / atanh / log-frequency of the data mean)",
            )
            .default(s("zero")),
            ParamSpec::new("visible_bias", T::Str, "trainable | frozen | off").default(s("trainable")),
            ParamSpec::new("hidden_bias", T::Str, "trainable | frozen | off").default(s("trainable")),
            ParamSpec::new("centered", T::Bool, "centred gradient").default(Value::Bool(false)),
            ParamSpec::new("zero_sum_gauge", T::Bool, "keep Potts weights in the zero-sum gauge")
                .default(Value::Bool(false)),
            ParamSpec::new(
                "checkpoints",
                T::Str,
                "every_epoch | log:<count> (log-spaced in updates, update 0 included)",
            )
            .default(s("log:20")),
            ParamSpec::new(
                "ll",
                T::Str,
                "log-likelihood at checkpoints: none | auto (exact when enumerable, else AIS) | ais",
            )
            .default(s("auto")),
            ParamSpec::new("ais_chains", T::Int, "AIS chains").default(Value::Int(256)),
            ParamSpec::new("ais_steps", T::Int, "AIS temperatures").default(Value::Int(1000)),
            ParamSpec::new("test_fraction", T::Float, "fraction of the data held out as test set (seeded split)")
                .default(Value::Float(0.0)),
            ParamSpec::new("precision", T::Str, "f32 | f64").default(s("f32")),
            ParamSpec::new("seed", T::Int, "seed of initialisation, shuffles and sampling"),
        ]);
        let mut inputs = vec![InputSpec {
            name: "data",
            gather: false,
            doc: "sample table with an i8 column `v` (f32 column `x` for Gaussian visible units)",
        }];
        if self.resume {
            inputs.push(InputSpec { name: "from", gather: false, doc: "the `state` output of the previous block" });
        }
        StageInfo {
            name: if self.resume { "rbm_train_resume" } else { "rbm_train" },
            doc: if self.resume {
                "Continues an rbm_train run from the `state` of a previous block (same parameters) up to stop_epoch; bit-identical to an unsplit run"
            } else {
                "Trains an RBM by minibatch SGD/Adam with CD-k, PCD-k, Rdm or the exact gradient; writes weights and biases at checkpoints, the log-likelihood curve, the persistent chains and a resumable state"
            },
            params,
            inputs,
            outputs: vec!["weights", "biases", "curve", "chains", "state", "theta"],
            code: fingerprint(&["model", "train"], MODULE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        layer_units(p)?;
        if p_i64(p, "n_hidden") < 1 {
            return Err(format!("n_hidden must be >= 1, got {}", p_i64(p, "n_hidden")));
        }
        config(p)?;
        theta_mode(p)?;
        bias_mode(p_str(p, "visible_bias"))?;
        bias_mode(p_str(p, "hidden_bias"))?;
        if !matches!(p_str(p, "visible_bias_init"), "zero" | "data_mean") {
            return Err("visible_bias_init must be zero or data_mean".into());
        }
        if !(0.0..1.0).contains(&p_f64(p, "test_fraction")) {
            return Err("test_fraction must lie in [0, 1)".into());
        }
        if !(p_f64(p, "weight_std") >= 0.0) {
            return Err("weight_std must be >= 0".into());
        }
        if !matches!(p_str(p, "precision"), "f32" | "f64") {
            return Err("precision must be f32 or f64".into());
        }
        let (e, st) = (p_i64(p, "epochs"), p_i64(p, "stop_epoch"));
        if st < 0 || st > e {
            return Err(format!("stop_epoch must lie in [0, epochs = {e}], got {st}"));
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        match ctx.str("precision")? {
            "f64" => train_stage::<f64>(ctx, self.resume),
            _ => train_stage::<f32>(ctx, self.resume),
        }
    }
}

/// Reads a data table as a matrix in the model's column layout (Potts indices → one-hot).
fn data_matrix<F: Real>(t: &RecordBatch, vis: Units, n_sites_hint: Option<usize>) -> anyhow::Result<Array2<F>> {
    if let Units::Gaussian { .. } = vis {
        return Ok(codec::get_f32_rows(t, "x")
            .context("Gaussian visible units read the f32 column `x`")?
            .mapv(F::from_f64));
    }
    let v = codec::get_i8_rows(t, "v").context("the data table needs an i8 sample column `v`")?;
    if let Units::Potts { states } = vis {
        let one_hot_width = n_sites_hint.map(|n| n * states);
        if Some(v.ncols()) == one_hot_width
            || (n_sites_hint.is_none()
                && v.iter().all(|&x| x == 0 || x == 1)
                && v.ncols() % states == 0
                && v.ncols() > states)
        {
            return Ok(v.mapv(|x| F::from_f64(x as f64)));
        }
        if v.iter().any(|&x| x < 0 || x as usize >= states) {
            bail!("Potts data must hold states 0..{} (or one-hot rows)", states - 1);
        }
        let idx = v.mapv(|x| x as usize);
        return Ok(model::potts_one_hot(idx.view(), states)?);
    }
    Ok(v.mapv(|x| F::from_f64(x as f64)))
}

fn n_sites(vis: Units, width: usize) -> usize {
    match vis {
        Units::Potts { states } => width / states,
        _ => width,
    }
}

fn train_stage<F: Real>(ctx: &StageCtx, resume: bool) -> anyhow::Result<Outputs> {
    let p = ctx.params;
    let (vis, hid) = layer_units(p).map_err(anyhow::Error::msg)?;
    let cfg = config(p).map_err(anyhow::Error::msg)?;
    let data = data_matrix::<F>(&ctx.input("data")?.table, vis, None)?;
    // Seeded train/test split.
    let tf = ctx.f64("test_fraction")?;
    let (train_x, test_x) = if tf > 0.0 {
        let n = data.nrows();
        let n_test = ((n as f64) * tf).round() as usize;
        anyhow::ensure!(n_test >= 1 && n_test < n, "test_fraction {tf} leaves no train or no test rows out of {n}");
        let mut idx: Vec<usize> = (0..n).collect();
        let mut rng = model::rng::stream(cfg.seed, u64::MAX - 20, 0);
        for i in (1..n).rev() {
            let j = (rand::RngExt::random::<u64>(&mut rng) % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        let (te, tr) = idx.split_at(n_test);
        let mut tr = tr.to_vec();
        let mut te = te.to_vec();
        tr.sort_unstable();
        te.sort_unstable();
        (data.select(ndarray::Axis(0), &tr), Some(data.select(ndarray::Axis(0), &te)))
    } else {
        (data, None)
    };
    let nv = n_sites(vis, train_x.ncols());
    let nh = ctx.usize("n_hidden")?;
    let mut start_update = 0u64;
    let mut trainer = if resume {
        let from = ctx.input("from")?;
        let ck = state_from_table::<F>(&from.table, vis, hid, nv, nh, p)?;
        // A block continues the run of the previous one: a different sampler would silently
        // change the run (a PCD block after an exact one would start fresh random chains).
        let sampler = p_str(p, "sampler");
        if let Some(prev) = from.params.get("sampler").and_then(Value::as_str) {
            anyhow::ensure!(
                prev == sampler,
                "rbm_train_resume: the previous block used sampler `{prev}`, this one `{sampler}`; a resumed run must keep its sampler"
            );
        }
        anyhow::ensure!(
            ck.chains.is_some() || !matches!(cfg.sampler, Sampler::Pcd { .. }) || ck.update == 0,
            "rbm_train_resume: sampler pcd needs the persistent chains, but the resume state holds none (was the previous block trained with sampler exact, cd or rdm?)"
        );
        start_update = ck.update;
        train::Trainer::resume(ck, cfg.clone())?
    } else {
        let init = Init {
            weight_std: ctx.f64("weight_std")?,
            visible_bias: if ctx.str("visible_bias_init")? == "data_mean" {
                VisibleBiasInit::DataMean
            } else {
                VisibleBiasInit::Zero
            },
            visible_bias_mode: bias_mode(ctx.str("visible_bias")?).map_err(anyhow::Error::msg)?,
            hidden_bias_mode: bias_mode(ctx.str("hidden_bias")?).map_err(anyhow::Error::msg)?,
            seed: cfg.seed,
        };
        let mut rbm = train::init_rbm(vis, nv, hid, nh, &init, train_x.view())?;
        rbm.hidden = rbm.hidden.with_theta_mode(theta_mode(p).map_err(anyhow::Error::msg)?)?;
        train::Trainer::new(rbm, cfg.clone())?
    };
    let stop = match ctx.usize("stop_epoch")? {
        0 => cfg.epochs,
        s => s,
    };
    // Checkpoint indices are global to the run, so blocks of a resumed run number them consistently.
    let updates_per_epoch = train_x.nrows().div_ceil(cfg.batch_size) as u64;
    let schedule = train::checkpoint_updates(&cfg.checkpoints, updates_per_epoch, cfg.epochs);
    let mut tables = Tables::default();
    trainer.run(train_x.view(), test_x.as_ref().map(|t| t.view()), stop, |r| {
        tables.push(schedule.range(..r.update).count() as i64, r);
        Ok(())
    })?;
    let last = trainer.checkpoint();
    // Gibbs work of this task (block): chain sweeps = updates × k × chains (CD: the minibatch
    // rows are the chains, so an epoch costs n_train × k sweeps). Deterministic, so the report
    // can divide it by the recorded compute time to give the sampler's throughput.
    let done = last.update - start_update;
    tables.task_chain_sweeps = match cfg.sampler {
        Sampler::Pcd { k, n_chains } | Sampler::Rdm { k, n_chains } => (done * (k * n_chains) as u64) as i64,
        Sampler::Cd { k } => {
            let n = train_x.nrows() as u64;
            let full = done / updates_per_epoch;
            let part = (done % updates_per_epoch) * cfg.batch_size as u64;
            ((full * n + part.min(n)) * k as u64) as i64
        }
        Sampler::Exact => 0,
    };
    let mut out = tables.finish()?;
    out.push(("chains".into(), chains_table(last.chains.as_ref(), vis, nv)?));
    out.push(("state".into(), state_table(last)?));
    Ok(out)
}

#[derive(Default)]
struct Tables {
    w: (Vec<i64>, Vec<i64>, Vec<f64>, Vec<i64>, Vec<i64>, Vec<i64>, Vec<f64>),
    b: (Vec<i64>, Vec<i64>, Vec<f64>, Vec<String>, Vec<i64>, Vec<i64>, Vec<f64>),
    c: Vec<(i64, i64, f64, [f64; 6], f64, String, f64)>,
    th: (Vec<i64>, Vec<i64>, Vec<f64>, Vec<i64>, Vec<f64>),
    task_chain_sweeps: i64,
}

fn unit_width<F: Real>(l: &model::Layer<F>) -> usize {
    match l.units {
        Units::Potts { states } => states,
        _ => 1,
    }
}

impl Tables {
    fn push<F: Real>(&mut self, ck: i64, r: &train::Record<F>) {
        let rbm = &r.rbm;
        let (pv, ph) = (unit_width(&rbm.visible), unit_width(&rbm.hidden));
        let upd = r.update as i64;
        for ((row, col), w) in rbm.weights.indexed_iter() {
            self.w.0.push(ck);
            self.w.1.push(upd);
            self.w.2.push(r.epoch);
            self.w.3.push((row / pv) as i64);
            self.w.4.push((row % pv) as i64);
            self.w.5.push((col / ph) as i64);
            self.w.6.push(w.to_f64());
        }
        for (name, layer) in [("visible", &rbm.visible), ("hidden", &rbm.hidden)] {
            let pw = unit_width(layer);
            for (j, b) in layer.bias.iter().enumerate() {
                self.b.0.push(ck);
                self.b.1.push(upd);
                self.b.2.push(r.epoch);
                self.b.3.push(name.to_string());
                self.b.4.push((j / pw) as i64);
                self.b.5.push((j % pw) as i64);
                self.b.6.push(b.to_f64());
            }
        }
        for (mu, t) in rbm.hidden.thetas().into_iter().flatten().enumerate() {
            self.th.0.push(ck);
            self.th.1.push(upd);
            self.th.2.push(r.epoch);
            self.th.3.push(mu as i64);
            self.th.4.push(t);
        }
        let nan = f64::NAN;
        let (tr, te) = (r.train_ll.as_ref(), r.test_ll.as_ref());
        let method = tr.map(|l| match l.method {
            train::LlMethod::Exact => "exact",
            train::LlMethod::Ais => "ais",
        });
        let norm = rbm.weights.iter().map(|w| w.to_f64().powi(2)).sum::<f64>().sqrt();
        self.c.push((
            ck,
            upd,
            r.epoch,
            [
                tr.map_or(nan, |l| l.mean),
                tr.map_or(nan, |l| l.per_unit),
                tr.map_or(nan, |l| l.std_err),
                te.map_or(nan, |l| l.mean),
                te.map_or(nan, |l| l.per_unit),
                te.map_or(nan, |l| l.std_err),
            ],
            tr.map_or(nan, |l| l.log_z),
            method.unwrap_or("none").to_string(),
            norm,
        ));
    }

    fn finish(self) -> anyhow::Result<Outputs> {
        let w = self.w;
        let weights = TableBuilder::new()
            .i64("checkpoint", w.0)
            .i64("update", w.1)
            .f64("epoch", w.2)
            .i64("i", w.3)
            .i64("a", w.4)
            .i64("mu", w.5)
            .f64("w", w.6)
            .build()?;
        let b = self.b;
        let biases = TableBuilder::new()
            .i64("checkpoint", b.0)
            .i64("update", b.1)
            .f64("epoch", b.2)
            .str("layer", b.3)
            .i64("i", b.4)
            .i64("a", b.5)
            .f64("value", b.6)
            .build()?;
        let c = &self.c;
        let col = |k: usize| c.iter().map(|r| r.3[k]).collect::<Vec<f64>>();
        let curve = TableBuilder::new()
            .i64("checkpoint", c.iter().map(|r| r.0).collect())
            .i64("update", c.iter().map(|r| r.1).collect())
            .f64("epoch", c.iter().map(|r| r.2).collect())
            .f64("train_ll", col(0))
            .f64("train_ll_per_unit", col(1))
            .f64("train_ll_se", col(2))
            .f64("test_ll", col(3))
            .f64("test_ll_per_unit", col(4))
            .f64("test_ll_se", col(5))
            .f64("log_z", c.iter().map(|r| r.4).collect())
            .str("ll_method", c.iter().map(|r| r.5.clone()).collect())
            .f64("weight_norm", c.iter().map(|r| r.6).collect())
            .i64("task_chain_sweeps", vec![self.task_chain_sweeps; c.len()])
            .build()?;
        let th = self.th;
        let theta = TableBuilder::new()
            .i64("checkpoint", th.0)
            .i64("update", th.1)
            .f64("epoch", th.2)
            .i64("mu", th.3)
            .f64("theta", th.4)
            .build()?;
        Ok(vec![
            ("weights".into(), weights),
            ("biases".into(), biases),
            ("curve".into(), curve),
            ("theta".into(), theta),
        ])
    }
}

/// Visible states as an i8 matrix (Potts one-hot → state index).
fn visible_states<F: Real>(v: ArrayView2<F>, vis: Units) -> anyhow::Result<Array2<i8>> {
    Ok(match vis {
        Units::Potts { states } => model::potts_indices(v, states)?.mapv(|x| x as i8),
        _ => v.mapv(|x| x.to_f64().round() as i8),
    })
}

/// The `chains` output: one row per persistent chain (`chain`, then the visible states as `v`, i8
/// per site, or `x`, f32 per site for Gaussian units). A sampler without persistent chains
/// (exact, CD, Rdm) gives zero rows with the same columns and widths as a PCD run of the model.
fn chains_table<F: Real>(chains: Option<&Chains<F>>, vis: Units, n_sites: usize) -> anyhow::Result<RecordBatch> {
    let Some(c) = chains else {
        // Arrow cannot build a fixed-width binary column from zero rows, so build one row of
        // zeros and slice it away: the schema stays exactly that of a non-empty table.
        let one = TableBuilder::new().i64("chain", vec![0]);
        let one = match vis {
            Units::Gaussian { .. } => codec::put_f32_rows(one, "x", &Array2::zeros((1, n_sites)))?,
            _ => codec::put_i8_rows(one, "v", &Array2::zeros((1, n_sites)))?,
        };
        return Ok(one.build()?.slice(0, 0));
    };
    if let Units::Gaussian { .. } = vis {
        let x = c.v.mapv(|x| x.to_f64());
        return codec::put_f32_rows(TableBuilder::new().i64("chain", (0..x.nrows() as i64).collect()), "x", &x)?
            .build();
    }
    let v = visible_states(c.v.view(), vis)?;
    codec::put_i8_rows(TableBuilder::new().i64("chain", (0..v.nrows() as i64).collect()), "v", &v)?.build()
}

/// Serialises a checkpoint as `(block, index, value)` rows (f64 values; f32 runs round-trip exactly).
fn state_table<F: Real>(c: &Checkpoint<F>) -> anyhow::Result<RecordBatch> {
    let mut blocks: Vec<String> = Vec::new();
    let mut index: Vec<i64> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut put = |name: &str, it: &mut dyn Iterator<Item = f64>| {
        for (i, v) in it.enumerate() {
            blocks.push(name.to_string());
            index.push(i as i64);
            values.push(v);
        }
    };
    put("meta", &mut [c.update as f64, c.epoch as f64, c.opt.t as f64, c.rbm.beta].into_iter());
    put("weights", &mut c.rbm.weights.iter().map(|x| x.to_f64()));
    put("visible_bias", &mut c.rbm.visible.bias.iter().map(|x| x.to_f64()));
    put("hidden_bias", &mut c.rbm.hidden.bias.iter().map(|x| x.to_f64()));
    if let Some(t) = &c.rbm.hidden.theta {
        put("hidden_theta", &mut t.iter().copied());
    }
    if let Some(ch) = &c.chains {
        put("chains_shape", &mut [ch.v.nrows() as f64, ch.v.ncols() as f64, ch.h.ncols() as f64].into_iter());
        put("chains_v", &mut ch.v.iter().map(|x| x.to_f64()));
        put("chains_h", &mut ch.h.iter().map(|x| x.to_f64()));
    }
    for (tag, g) in [("m", &c.opt.m), ("s", &c.opt.s)] {
        if let Some(g) = g {
            put(&format!("opt_{tag}_w"), &mut g.w.iter().map(|x| x.to_f64()));
            put(&format!("opt_{tag}_vbias"), &mut g.vbias.iter().map(|x| x.to_f64()));
            put(&format!("opt_{tag}_hbias"), &mut g.hbias.iter().map(|x| x.to_f64()));
            if let Some(t) = &g.theta {
                put(&format!("opt_{tag}_theta"), &mut t.iter().map(|x| x.to_f64()));
            }
        }
    }
    TableBuilder::new().str("block", blocks).i64("index", index).f64("value", values).build()
}

fn blocks(t: &RecordBatch) -> anyhow::Result<std::collections::BTreeMap<String, Vec<f64>>> {
    let (b, v) = (table::col_str(t, "block")?, table::col_f64(t, "value")?);
    let mut m: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for (k, x) in b.into_iter().zip(v) {
        m.entry(k).or_default().push(x);
    }
    Ok(m)
}

fn state_from_table<F: Real>(
    t: &RecordBatch,
    vis: Units,
    hid: Units,
    nv: usize,
    nh: usize,
    p: &Params,
) -> anyhow::Result<Checkpoint<F>> {
    let m = blocks(t)?;
    let get = |k: &str| m.get(k).cloned().ok_or_else(|| anyhow::anyhow!("resume state has no block `{k}`"));
    let meta = get("meta")?;
    let mut rbm = model::Rbm::<F>::zeros(vis, nv, hid, nh)?;
    let (r, c) = rbm.weights.dim();
    let w = get("weights")?;
    anyhow::ensure!(
        w.len() == r * c,
        "resume state holds {} weights, the model needs {} (different model parameters?)",
        w.len(),
        r * c
    );
    rbm.weights = Array2::from_shape_vec((r, c), w.into_iter().map(F::from_f64).collect())?;
    rbm.visible = rbm.visible.with_bias(Array1::from(get("visible_bias")?).mapv(F::from_f64))?;
    rbm.hidden = rbm.hidden.with_bias(Array1::from(get("hidden_bias")?).mapv(F::from_f64))?;
    rbm.visible = rbm.visible.with_bias_mode(bias_mode(p_str(p, "visible_bias")).map_err(anyhow::Error::msg)?);
    rbm.hidden = rbm.hidden.with_bias_mode(bias_mode(p_str(p, "hidden_bias")).map_err(anyhow::Error::msg)?);
    if let Some(t) = m.get("hidden_theta") {
        rbm.hidden = rbm.hidden.with_theta(Array1::from(t.clone()))?;
    }
    rbm.hidden = rbm.hidden.with_theta_mode(theta_mode(p).map_err(anyhow::Error::msg)?)?;
    rbm = rbm.with_beta(meta[3])?;
    let chains = match m.get("chains_shape") {
        Some(sh) => {
            let (n, wv, wh) = (sh[0] as usize, sh[1] as usize, sh[2] as usize);
            Some(Chains {
                v: Array2::from_shape_vec((n, wv), get("chains_v")?.into_iter().map(F::from_f64).collect())?,
                h: Array2::from_shape_vec((n, wh), get("chains_h")?.into_iter().map(F::from_f64).collect())?,
            })
        }
        None => None,
    };
    let grad = |tag: &str| -> anyhow::Result<Option<train::grad::Grad<F>>> {
        let Some(w) = m.get(&format!("opt_{tag}_w")) else { return Ok(None) };
        Ok(Some(train::grad::Grad {
            w: Array2::from_shape_vec((r, c), w.iter().map(|x| F::from_f64(*x)).collect())?,
            vbias: Array1::from(get(&format!("opt_{tag}_vbias"))?).mapv(F::from_f64),
            hbias: Array1::from(get(&format!("opt_{tag}_hbias"))?).mapv(F::from_f64),
            theta: m.get(&format!("opt_{tag}_theta")).map(|t| t.iter().map(|x| F::from_f64(*x)).collect()),
        }))
    };
    let opt = train::optim::OptState { t: meta[2] as u64, m: grad("m")?, s: grad("s")? };
    let seed = u64::try_from(p_i64(p, "seed")).map_err(|_| anyhow::anyhow!("seed must be >= 0"))?;
    Ok(Checkpoint { rbm, chains, opt, update: meta[0] as u64, epoch: meta[1] as usize, seed })
}

/// Rebuilds the machine of one checkpoint from an `rbm_train` stage's weights and biases.
fn rbm_at<F: Real>(
    weights: &pipeline::Upstream,
    biases: &pipeline::Upstream,
    checkpoint: i64,
) -> anyhow::Result<(model::Rbm<F>, i64, f64)> {
    let p = &weights.params;
    let (vis, hid) = layer_units(p).map_err(anyhow::Error::msg)?;
    // The trained θ_μ live in the `theta` output, which these consumers do not read: refuse rather
    // than silently rebuild the machine with the initial θ.
    anyhow::ensure!(
        theta_mode(p).map_err(anyhow::Error::msg)? == ThetaMode::Frozen,
        "machines trained with theta_mode trainable cannot be rebuilt from weights and biases alone (θ_μ is in the `theta` table)"
    );
    let t = &weights.table;
    let ck = table::col_i64(t, "checkpoint")?;
    let last = *ck.iter().max().ok_or_else(|| anyhow::anyhow!("weights table is empty"))?;
    let want = if checkpoint < 0 { last + 1 + checkpoint } else { checkpoint };
    anyhow::ensure!((0..=last).contains(&want), "checkpoint {checkpoint} does not exist (0..={last})");
    let (i, a, mu, w) =
        (table::col_i64(t, "i")?, table::col_i64(t, "a")?, table::col_i64(t, "mu")?, table::col_f64(t, "w")?);
    let (upd, ep) = (table::col_i64(t, "update")?, table::col_f64(t, "epoch")?);
    let nv = i.iter().max().map_or(0, |x| *x as usize + 1);
    let nh = mu.iter().max().map_or(0, |x| *x as usize + 1);
    let mut rbm = model::Rbm::<F>::zeros(vis, nv, hid, nh)?;
    let pv = match vis {
        Units::Potts { states } => states,
        _ => 1,
    };
    let ph = match hid {
        Units::Potts { states } => states,
        _ => 1,
    };
    let (mut update, mut epoch) = (0, 0.0);
    for r in 0..ck.len() {
        if ck[r] == want {
            rbm.weights[(i[r] as usize * pv + a[r] as usize, mu[r] as usize * ph)] = F::from_f64(w[r]);
            update = upd[r];
            epoch = ep[r];
        }
    }
    let bt = &biases.table;
    let (bck, layer, bi, ba, bv) = (
        table::col_i64(bt, "checkpoint")?,
        table::col_str(bt, "layer")?,
        table::col_i64(bt, "i")?,
        table::col_i64(bt, "a")?,
        table::col_f64(bt, "value")?,
    );
    let mut vb = rbm.visible.bias.clone();
    let mut hb = rbm.hidden.bias.clone();
    for r in 0..bck.len() {
        if bck[r] == want {
            if layer[r] == "visible" {
                vb[bi[r] as usize * pv + ba[r] as usize] = F::from_f64(bv[r]);
            } else {
                hb[bi[r] as usize * ph + ba[r] as usize] = F::from_f64(bv[r]);
            }
        }
    }
    rbm.visible = rbm.visible.with_bias(vb)?;
    rbm.hidden = rbm.hidden.with_bias(hb)?;
    Ok((rbm, update, epoch))
}

/// `rbm_sample`: equilibrium samples of a trained machine.
pub struct RbmSample;

impl StageKind for RbmSample {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "rbm_sample",
            doc: "Equilibrium block-Gibbs samples of the machine at one checkpoint of an rbm_train stage: n_chains independent chains from random states, n_therm sweeps, then n_samples samples per chain every `thin` sweeps",
            params: vec![
                ParamSpec::new("checkpoint", T::Int, "checkpoint index (negative counts from the end: -1 = last)")
                    .default(Value::Int(-1)),
                ParamSpec::new("beta", T::Float, "inverse temperature of the sampled machine")
                    .default(Value::Float(1.0)),
                ParamSpec::new("n_chains", T::Int, "independent chains N_s"),
                ParamSpec::new("n_therm", T::Int, "thermalisation sweeps"),
                ParamSpec::new("n_samples", T::Int, "samples recorded per chain").default(Value::Int(1)),
                ParamSpec::new("thin", T::Int, "sweeps between recorded samples").default(Value::Int(1)),
                ParamSpec::new("seed", T::Int, "RNG seed"),
            ],
            inputs: vec![
                InputSpec { name: "weights", gather: false, doc: "`weights` output of rbm_train" },
                InputSpec { name: "biases", gather: false, doc: "`biases` output of the same rbm_train task" },
            ],
            outputs: vec!["samples"],
            code: fingerprint(&["model", "train"], MODULE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        for k in ["n_chains", "n_samples", "thin"] {
            if p_i64(p, k) < 1 {
                return Err(format!("{k} must be >= 1"));
            }
        }
        if p_i64(p, "n_therm") < 0 || !(p_f64(p, "beta") > 0.0) {
            return Err("n_therm must be >= 0 and beta > 0".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (rbm, update, epoch) = rbm_at::<f32>(ctx.input("weights")?, ctx.input("biases")?, ctx.i64("checkpoint")?)?;
        let rbm = rbm.with_beta(ctx.f64("beta")?)?;
        let vis = rbm.visible.units;
        let cfg = model::EquilibriumConfig {
            n_chains: ctx.usize("n_chains")?,
            n_therm: ctx.usize("n_therm")?,
            n_samples: ctx.usize("n_samples")?,
            thin: ctx.usize("thin")?,
            seed: ctx.seed()?,
        };
        let mut rows: Vec<Array2<i8>> = Vec::new();
        let mut times: Vec<i64> = Vec::new();
        model::sample_equilibrium(&rbm, &cfg, None, |t, ch| {
            let v = visible_states(ch.v.view(), vis)
                .map_err(|e| model::Error::Param { name: "samples", reason: e.to_string() })?;
            times.extend(std::iter::repeat_n(t as i64, v.nrows()));
            rows.push(v);
            Ok(())
        })?;
        let views: Vec<ndarray::ArrayView2<i8>> = rows.iter().map(|r| r.view()).collect();
        let all = ndarray::concatenate(ndarray::Axis(0), &views)?;
        let n = all.nrows();
        let chain: Vec<i64> = (0..n).map(|r| (r % cfg.n_chains) as i64).collect();
        let b = TableBuilder::new()
            .i64("sample", (0..n as i64).collect())
            .i64("chain", chain)
            .i64("t", times)
            .i64("update", vec![update; n])
            .f64("epoch", vec![epoch; n]);
        Ok(vec![("samples".into(), codec::put_i8_rows(b, "v", &all)?.build()?)])
    }
}

/// `rbm_loglik`: log-likelihood of a data table under every checkpoint of a run.
pub struct RbmLoglik;

impl StageKind for RbmLoglik {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "rbm_loglik",
            doc: "Log-likelihood of a data table under each checkpoint of an rbm_train stage: exact (enumeration of the smaller layer) or AIS with its statistical error",
            params: vec![
                ParamSpec::new("method", T::Str, "exact | ais | auto").default(s("auto")),
                ParamSpec::new("ais_chains", T::Int, "AIS chains").default(Value::Int(512)),
                ParamSpec::new("ais_steps", T::Int, "AIS temperatures").default(Value::Int(2000)),
                ParamSpec::new("seed", T::Int, "AIS seed").default(Value::Int(0)),
            ],
            inputs: vec![
                InputSpec { name: "weights", gather: false, doc: "`weights` output of rbm_train" },
                InputSpec { name: "biases", gather: false, doc: "`biases` output of the same rbm_train task" },
                InputSpec { name: "data", gather: false, doc: "sample table to evaluate" },
            ],
            outputs: vec!["loglik"],
            code: fingerprint(&["model", "train"], MODULE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if !matches!(p_str(p, "method"), "exact" | "ais" | "auto") {
            return Err("method must be exact, ais or auto".into());
        }
        if p_i64(p, "ais_chains") < 1 || p_i64(p, "ais_steps") < 1 {
            return Err("ais_chains and ais_steps must be >= 1".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let w = ctx.input("weights")?;
        let n_ck = table::col_i64(&w.table, "checkpoint")?.into_iter().max().map_or(0, |m| m + 1);
        let (ac, st) = (ctx.usize("ais_chains")?, ctx.usize("ais_steps")?);
        let eval = match ctx.str("method")? {
            "ais" => LlEval::Ais { ais_chains: ac, ais_steps: st },
            _ => LlEval::Auto { ais_chains: ac, ais_steps: st },
        };
        let mut cols: (Vec<i64>, Vec<i64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<String>) =
            Default::default();
        for c in 0..n_ck {
            let (rbm, update, epoch) = rbm_at::<f64>(w, ctx.input("biases")?, c)?;
            let x = data_matrix::<f64>(&ctx.input("data")?.table, rbm.visible.units, Some(rbm.visible.n_units))?;
            if ctx.str("method")? == "exact" && model::exact::enumeration_side(&rbm).is_err() {
                bail!("method exact: the model is too large to enumerate; use ais");
            }
            let est = train::log_likelihoods(&rbm, &[x.view()], &eval, ctx.seed()?.wrapping_add(c as u64))?;
            let e = est.into_iter().next().flatten().ok_or_else(|| anyhow::anyhow!("no estimate"))?;
            cols.0.push(c);
            cols.1.push(update);
            cols.2.push(epoch);
            cols.3.push(e.mean);
            cols.4.push(e.per_unit);
            cols.5.push(e.std_err);
            cols.6.push(e.log_z);
            cols.7.push(match e.method {
                train::LlMethod::Exact => "exact".into(),
                train::LlMethod::Ais => "ais".into(),
            });
        }
        let t = TableBuilder::new()
            .i64("checkpoint", cols.0)
            .i64("update", cols.1)
            .f64("epoch", cols.2)
            .f64("ll", cols.3)
            .f64("ll_per_unit", cols.4)
            .f64("ll_se", cols.5)
            .f64("log_z", cols.6)
            .str("ll_method", cols.7)
            .build()?;
        Ok(vec![("loglik".into(), t)])
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod theta_tests;
