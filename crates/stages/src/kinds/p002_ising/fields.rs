//! Receptive fields of every hidden unit at every checkpoint of one training run (paper 002
//! Figs. 3–7): centre on the ring (unwrapped over checkpoints), FWHM by the one-knot spline, the
//! order parameter `W = |Σ_i w_iμ|` and the scale-free overlap. Table layouts are in the parent
//! module's docs.
//!
//! `p002_receptive_fields_blocks` is the same analysis for a run trained in ten resumable blocks
//! (`rbm_train` then nine `rbm_train_resume` stages, paper 002 Figs. 5–6): it reads the ten
//! blocks' `weights` and merges their checkpoints, which are numbered globally by the engine.
//! A checkpoint present in several inputs is taken once, so a run split into fewer blocks
//! connects its last block to the remaining inputs.
//!
//! **Exact log-likelihood of one ±1 hidden unit without fields** (`exact_ll: true`; paper 002
//! eqs. 19–20 with M = 1, b = c = 0). Summing the hidden unit out,
//! `p(v) = 2cosh(Σ_i w_i v_i)/Z` and `Z = Σ_v Σ_{h=±1} e^{h Σ_i w_i v_i} = Σ_h Π_i 2cosh(h w_i)
//! = 2 Π_i 2cosh(w_i)`, so the mean log-likelihood of the data is
//! `⟨ln 2cosh(w·v)⟩_data − ln 2 − Σ_i ln 2cosh(w_i)` (nats per sample), evaluated at every
//! checkpoint in O(S N). The engine's own exact evaluation (`ll: auto`) is not used here because
//! it fails for M = 1 (model::exact, see the report); this closed form is checked against a
//! brute-force enumeration in the tests.

use super::{code, pf, pi};
use analysis::circular::min_image;
use analysis::fwhm::{FwhmFit, FwhmOptions, fwhm_spline};
use analysis::order::{order_parameter, scale_free_overlap};
use analysis::ring::{CentreOptions, receptive_field_centre, sort_units_by_centre};
use anyhow::{Context, bail, ensure};
use arrow::record_batch::RecordBatch;
use ndarray::{Array2, ArrayView1, ArrayView2};
use pipeline::table::{self, TableBuilder};
use pipeline::{
    InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Upstream, Value,
};
use std::collections::BTreeMap;

const FILE: &str = "fields.rs";

/// Input names of the blocks kind.
const BLOCKS: [&str; 10] = [
    "block_01", "block_02", "block_03", "block_04", "block_05", "block_06", "block_07", "block_08", "block_09",
    "block_10",
];

/// The weights of one checkpoint.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub checkpoint: i64,
    pub update: i64,
    pub epoch: f64,
    /// `N × M`, column μ = hidden unit μ.
    pub w: Array2<f64>,
}

/// Parses `rbm_train` weights tables (Ising/Bernoulli visible units: `a = 0` everywhere) into
/// snapshots ordered by checkpoint; a checkpoint that appears in several tables is taken from
/// the first (its update count must agree).
pub(crate) fn snapshots(tables: &[&RecordBatch]) -> anyhow::Result<Vec<Snapshot>> {
    let mut merged: BTreeMap<i64, Snapshot> = BTreeMap::new();
    let (mut n, mut m) = (0usize, 0usize);
    let mut parsed = Vec::new();
    for t in tables {
        let ck = table::col_i64(t, "checkpoint")?;
        let (upd, ep) = (table::col_i64(t, "update")?, table::col_f64(t, "epoch")?);
        let (i, a, mu, w) =
            (table::col_i64(t, "i")?, table::col_i64(t, "a")?, table::col_i64(t, "mu")?, table::col_f64(t, "w")?);
        ensure!(
            a.iter().all(|&x| x == 0),
            "the Ising-ring analyses need ±1 (or 0/1) visible units; this run has Potts weights (a > 0)"
        );
        ensure!(i.iter().chain(&mu).all(|&x| x >= 0), "negative unit index in a weights table");
        n = n.max(i.iter().max().map_or(0, |x| *x as usize + 1));
        m = m.max(mu.iter().max().map_or(0, |x| *x as usize + 1));
        parsed.push((ck, upd, ep, i, mu, w));
    }
    ensure!(n >= 6 && m >= 1, "weights tables hold no usable weights ({n} visible, {m} hidden units)");
    for (ck, upd, ep, i, mu, w) in parsed {
        let mut local: BTreeMap<i64, (Snapshot, usize)> = BTreeMap::new();
        for r in 0..ck.len() {
            let e = local.entry(ck[r]).or_insert_with(|| {
                (
                    Snapshot {
                        checkpoint: ck[r],
                        update: upd[r],
                        epoch: ep[r],
                        w: Array2::from_elem((n, m), f64::NAN),
                    },
                    0,
                )
            });
            e.0.w[(i[r] as usize, mu[r] as usize)] = w[r];
            e.1 += 1;
        }
        for (c, (s, count)) in local {
            ensure!(
                count == n * m && s.w.iter().all(|x| x.is_finite()),
                "checkpoint {c} has {count} finite weights, expected {}",
                n * m
            );
            match merged.get(&c) {
                Some(prev) => ensure!(
                    prev.update == s.update,
                    "checkpoint {c} appears with updates {} and {}",
                    prev.update,
                    s.update
                ),
                None => {
                    merged.insert(c, s);
                }
            }
        }
    }
    Ok(merged.into_values().collect())
}

/// `ln 2cosh x`, stable for large `|x|`.
fn ln_2cosh(x: f64) -> f64 {
    let a = x.abs();
    a + (-2.0 * a).exp().ln_1p()
}

/// Exact mean log-likelihood (nats per sample) of ±1 data `x` (`S × N`) under the RBM with one
/// ±1 hidden unit, weights `w` and no fields, and its `ln Z` (module docs).
pub(crate) fn exact_ll_single_unit(x: ArrayView2<i8>, w: ArrayView1<f64>) -> (f64, f64) {
    let log_z = std::f64::consts::LN_2 + w.iter().map(|&v| ln_2cosh(v)).sum::<f64>();
    let s = x.nrows().max(1) as f64;
    let data: f64 = x
        .rows()
        .into_iter()
        .map(|row| ln_2cosh(row.iter().zip(w.iter()).map(|(&v, &wi)| v as f64 * wi).sum::<f64>()))
        .sum::<f64>()
        / s;
    (data - log_z, log_z)
}

/// Identity of a training run, carried as constant columns (parent module docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunInfo {
    pub beta: f64,
    pub n_samples: i64,
    pub n_sites: i64,
    pub seed: i64,
    pub n_hidden: i64,
    pub lr: f64,
    pub batch_size: i64,
    pub pcd_k: i64,
    pub epochs: i64,
}

impl RunInfo {
    /// From the training stage's parameters and the data table it read.
    fn from_upstream(train: &Params, data: &Upstream, n_sites: usize) -> Self {
        let rows = data.table.num_rows() as f64;
        let tf = pf(train, "test_fraction");
        let n_test = if tf.is_finite() && tf > 0.0 { (rows * tf).round() } else { 0.0 };
        Self {
            beta: pf(&data.params, "beta"),
            n_samples: (rows - n_test) as i64,
            n_sites: n_sites as i64,
            seed: pi(train, "seed"),
            n_hidden: pi(train, "n_hidden"),
            lr: pf(train, "lr"),
            batch_size: pi(train, "batch_size"),
            pcd_k: pi(train, "k"),
            epochs: pi(train, "epochs"),
        }
    }

    /// Appends the columns (`n` rows).
    pub(crate) fn columns(&self, b: TableBuilder, n: usize) -> TableBuilder {
        b.f64("beta", vec![self.beta; n])
            .i64("n_samples", vec![self.n_samples; n])
            .i64("n_sites", vec![self.n_sites; n])
            .i64("seed", vec![self.seed; n])
            .i64("n_hidden", vec![self.n_hidden; n])
            .f64("lr", vec![self.lr; n])
            .i64("batch_size", vec![self.batch_size; n])
            .i64("pcd_k", vec![self.pcd_k; n])
            .i64("epochs", vec![self.epochs; n])
    }

    /// Reads the columns back from the first row of a per-run table.
    pub(crate) fn from_table(t: &RecordBatch) -> anyhow::Result<Self> {
        ensure!(t.num_rows() > 0, "empty per-run table");
        let f = |c: &str| -> anyhow::Result<f64> {
            Ok(table::col_f64(t, c).with_context(|| format!("per-run column `{c}`"))?[0])
        };
        let i = |c: &str| -> anyhow::Result<i64> {
            Ok(table::col_i64(t, c).with_context(|| format!("per-run column `{c}`"))?[0])
        };
        Ok(Self {
            beta: f("beta")?,
            n_samples: i("n_samples")?,
            n_sites: i("n_sites")?,
            seed: i("seed")?,
            n_hidden: i("n_hidden")?,
            lr: f("lr")?,
            batch_size: i("batch_size")?,
            pcd_k: i("pcd_k")?,
            epochs: i("epochs")?,
        })
    }
}

/// One row of the `fields` table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub checkpoint: i64,
    pub update: i64,
    pub epoch: f64,
    pub mu: usize,
    pub centre: f64,
    pub centre_unwrapped: f64,
    pub resultant: f64,
    pub argmax: i64,
    pub sign: f64,
    pub peak: f64,
    pub fwhm: f64,
    pub order_w: f64,
    pub overlap: f64,
}

/// Analysis options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub centre: CentreOptions,
    pub fwhm: FwhmOptions,
}

/// Fields of every unit at every snapshot, with the centres unwrapped per unit over snapshots
/// (minimum-image steps between consecutive finite centres; valid while a centre moves less
/// than N/2 between checkpoints). Also returns the spline fits (per snapshot, per unit).
pub(crate) fn analyse(snaps: &[Snapshot], opts: Options) -> (Vec<Field>, Vec<Vec<Option<FwhmFit>>>) {
    let mut out = Vec::new();
    let mut fits = Vec::new();
    let n = snaps.first().map_or(0, |s| s.w.nrows()) as f64;
    let m = snaps.first().map_or(0, |s| s.w.ncols());
    let mut last: Vec<Option<(f64, f64)>> = vec![None; m]; // (wrapped, unwrapped)
    for s in snaps {
        let mut row_fits = Vec::with_capacity(m);
        for (mu, col) in s.w.columns().into_iter().enumerate() {
            let c = receptive_field_centre(col, opts.centre).ok();
            let fit = fwhm_spline(col, opts.fwhm).ok();
            let centre = c.map_or(f64::NAN, |c| c.centre);
            let unwrapped = match (last[mu], centre.is_finite()) {
                (Some((pw, pu)), true) => pu + min_image(pw, centre, n),
                (None, true) => centre,
                (_, false) => f64::NAN,
            };
            if centre.is_finite() {
                last[mu] = Some((centre, unwrapped));
            }
            let (sign, argmax) = c.map_or((f64::NAN, -1), |c| (c.sign, c.argmax as i64));
            let peak = col.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            out.push(Field {
                checkpoint: s.checkpoint,
                update: s.update,
                epoch: s.epoch,
                mu,
                centre,
                centre_unwrapped: unwrapped,
                resultant: c.map_or(f64::NAN, |c| c.resultant),
                argmax,
                sign,
                peak,
                fwhm: fit.as_ref().map_or(f64::NAN, |f| f.fwhm),
                order_w: order_parameter(col).unwrap_or(f64::NAN),
                overlap: scale_free_overlap(col).unwrap_or(f64::NAN),
            });
            row_fits.push(fit);
        }
        fits.push(row_fits);
    }
    (out, fits)
}

/// Reads the `fields` table of one run back (columns of [`Field`]).
pub(crate) fn read_fields(t: &RecordBatch) -> anyhow::Result<Vec<Field>> {
    let i = |c: &str| table::col_i64(t, c).with_context(|| format!("fields column `{c}`"));
    let f = |c: &str| table::col_f64(t, c).with_context(|| format!("fields column `{c}`"));
    let (ck, upd, mu, am) = (i("checkpoint")?, i("update")?, i("mu")?, i("argmax")?);
    let (ep, ce, cu, re, sg, pk, fw, ow, ov) = (
        f("epoch")?,
        f("centre")?,
        f("centre_unwrapped")?,
        f("resultant")?,
        f("sign")?,
        f("peak")?,
        f("fwhm")?,
        f("order_w")?,
        f("overlap")?,
    );
    Ok((0..t.num_rows())
        .map(|r| Field {
            checkpoint: ck[r],
            update: upd[r],
            epoch: ep[r],
            mu: mu[r] as usize,
            centre: ce[r],
            centre_unwrapped: cu[r],
            resultant: re[r],
            argmax: am[r],
            sign: sg[r],
            peak: pk[r],
            fwhm: fw[r],
            order_w: ow[r],
            overlap: ov[r],
        })
        .collect())
}

/// The rows of the last checkpoint, ordered by unit.
pub(crate) fn last_checkpoint(fields: &[Field]) -> Vec<Field> {
    let Some(last) = fields.iter().map(|f| f.checkpoint).max() else { return vec![] };
    let mut v: Vec<Field> = fields.iter().filter(|f| f.checkpoint == last).copied().collect();
    v.sort_by_key(|f| f.mu);
    v
}

/// One gathered per-run table: its identity and its fields.
pub(crate) struct Run {
    pub info: RunInfo,
    pub fields: Vec<Field>,
}

/// Reads every gathered `fields` table.
pub(crate) fn gathered_runs(ups: &[Upstream]) -> anyhow::Result<Vec<Run>> {
    let mut runs = Vec::new();
    for u in ups {
        runs.push(Run { info: RunInfo::from_table(&u.table)?, fields: read_fields(&u.table)? });
    }
    ensure!(!runs.is_empty(), "no runs gathered");
    Ok(runs)
}

fn fields_table(rows: &[Field], info: &RunInfo) -> anyhow::Result<RecordBatch> {
    let n = rows.len();
    let b = TableBuilder::new()
        .i64("checkpoint", rows.iter().map(|r| r.checkpoint).collect())
        .i64("update", rows.iter().map(|r| r.update).collect())
        .f64("epoch", rows.iter().map(|r| r.epoch).collect())
        .i64("mu", rows.iter().map(|r| r.mu as i64).collect())
        .f64("centre", rows.iter().map(|r| r.centre).collect())
        .f64("centre_unwrapped", rows.iter().map(|r| r.centre_unwrapped).collect())
        .f64("resultant", rows.iter().map(|r| r.resultant).collect())
        .i64("argmax", rows.iter().map(|r| r.argmax).collect())
        .f64("sign", rows.iter().map(|r| r.sign).collect())
        .f64("peak", rows.iter().map(|r| r.peak).collect())
        .f64("fwhm", rows.iter().map(|r| r.fwhm).collect())
        .bool("fwhm_ok", rows.iter().map(|r| r.fwhm.is_finite()).collect())
        .f64("order_w", rows.iter().map(|r| r.order_w).collect())
        .f64("overlap", rows.iter().map(|r| r.overlap).collect());
    info.columns(b, n).build()
}

fn profile_tables(
    snap: &Snapshot,
    rows: &[Field],
    fits: &[Option<FwhmFit>],
    info: &RunInfo,
) -> anyhow::Result<(RecordBatch, RecordBatch)> {
    let (n, m) = snap.w.dim();
    let centres: Vec<f64> = (0..m).map(|mu| rows.iter().find(|r| r.mu == mu).map_or(f64::NAN, |r| r.centre)).collect();
    // NaN centres (no field) sort last.
    let keyed: Vec<f64> = centres.iter().map(|c| if c.is_finite() { *c } else { f64::INFINITY }).collect();
    let order = sort_units_by_centre(&keyed);
    let mut rank = vec![0i64; m];
    for (r, &mu) in order.iter().enumerate() {
        rank[mu] = r as i64;
    }
    let sign: Vec<f64> = (0..m)
        .map(|mu| rows.iter().find(|r| r.mu == mu).map_or(1.0, |r| if r.sign.is_finite() { r.sign } else { 1.0 }))
        .collect();
    let (mut c_mu, mut c_i, mut c_w, mut c_wo, mut c_rank, mut c_centre) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for mu in 0..m {
        for i in 0..n {
            c_mu.push(mu as i64);
            c_i.push(i as i64);
            c_w.push(snap.w[(i, mu)]);
            c_wo.push(sign[mu] * snap.w[(i, mu)]);
            c_rank.push(rank[mu]);
            c_centre.push(centres[mu]);
        }
    }
    let k = c_mu.len();
    let b = TableBuilder::new()
        .i64("checkpoint", vec![snap.checkpoint; k])
        .f64("epoch", vec![snap.epoch; k])
        .i64("mu", c_mu)
        .i64("i", c_i)
        .f64("w", c_w)
        .f64("w_oriented", c_wo)
        .i64("rank", c_rank)
        .f64("centre", c_centre);
    let profile = info.columns(b, k).build()?;
    let (mut s_mu, mut s_x, mut s_w, mut s_half, mut s_l, mut s_r) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (mu, fit) in fits.iter().enumerate() {
        let Some(f) = fit else { continue };
        let (lo, hi) = (f.left - 4.0, f.right + 4.0);
        let steps = ((hi - lo) / 0.25).ceil() as usize;
        for j in 0..=steps {
            let x = lo + 0.25 * j as f64;
            s_mu.push(mu as i64);
            s_x.push(f.knot as f64 + x);
            s_w.push(f.spline(x) + 0.5 * f.peak);
            s_half.push(0.5 * f.peak);
            s_l.push(f.knot as f64 + f.left);
            s_r.push(f.knot as f64 + f.right);
        }
    }
    let k = s_mu.len();
    let b = TableBuilder::new()
        .i64("mu", s_mu)
        .f64("x", s_x)
        .f64("w_fit", s_w)
        .f64("half_max", s_half)
        .f64("left_root", s_l)
        .f64("right_root", s_r);
    Ok((profile, info.columns(b, k).build()?))
}

/// `p002_receptive_fields` / `p002_receptive_fields_blocks`.
pub struct ReceptiveFields {
    /// Whether the run comes in ten resumable blocks.
    pub blocks: bool,
}

impl StageKind for ReceptiveFields {
    fn info(&self) -> StageInfo {
        let mut inputs = vec![InputSpec {
            name: "data",
            gather: false,
            doc: "the sample table the run was trained on (for β and S)",
        }];
        if self.blocks {
            for b in BLOCKS {
                inputs.push(InputSpec {
                    name: b,
                    gather: false,
                    doc: "`weights` of one training block (in run order)",
                });
            }
        } else {
            inputs.push(InputSpec { name: "weights", gather: false, doc: "`weights` output of one rbm_train run" });
        }
        StageInfo {
            name: if self.blocks { "p002_receptive_fields_blocks" } else { "p002_receptive_fields" },
            doc: if self.blocks {
                "Paper 002 Figs. 5–6: receptive fields of a run trained in ten resumable blocks (inputs block_01..block_10, the blocks' weights; repeat the last block to connect fewer): the same outputs as p002_receptive_fields over the merged checkpoints"
            } else {
                "Paper 002 Figs. 3–7: per checkpoint and hidden unit, the receptive-field centre on the ring (PBC-aware, unwrapped over checkpoints), FWHM (one-knot cubic spline), W = |Σw| (eq. 12) and |Σw|/(√N‖w‖); the weights and spline fit at one checkpoint (profile, spline)"
            },
            params: vec![
                ParamSpec::new("centre_power", T::Float, "centre = circular mean of the sites weighted by max(w_i, 0)^power (sign-oriented profile)")
                    .default(Value::Float(2.0)),
                ParamSpec::new("centre_window", T::Int, "only sites within this ring distance of the arg-max count (0: all)").default(Value::Int(0)),
                ParamSpec::new("floor_frac", T::Float, "FWHM spline window: the sites above this fraction of the peak, plus one on each side")
                    .default(Value::Float(0.3)),
                ParamSpec::new("profile_checkpoint", T::Int, "checkpoint of the profile and spline outputs (negative counts from the end: -1 = last)")
                    .default(Value::Int(-1)),
                ParamSpec::new("exact_ll", T::Bool, "write the exact log-likelihood of the training data at every checkpoint (M = 1, biases off only; module docs)")
                    .default(Value::Bool(false)),
            ],
            inputs,
            outputs: vec!["fields", "profile", "spline", "loglik"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let (pw, ff) = (pf(p, "centre_power"), pf(p, "floor_frac"));
        super::need(pw > 0.0 && pw.is_finite(), || format!("centre_power must be > 0, got {pw}"))?;
        super::need(pi(p, "centre_window") >= 0, || "centre_window must be >= 0".into())?;
        super::need(ff > 0.0 && ff < 0.5, || format!("floor_frac must lie in (0, 0.5), got {ff}"))
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let ups: Vec<&Upstream> = if self.blocks {
            BLOCKS.iter().map(|b| ctx.input(b)).collect::<anyhow::Result<_>>()?
        } else {
            vec![ctx.input("weights")?]
        };
        let train = &ups[0].params;
        for u in &ups[1..] {
            for k in ["seed", "n_hidden", "lr", "batch_size", "k", "epochs"] {
                ensure!(
                    u.params.get(k) == train.get(k),
                    "block {} differs from the first block in `{k}`: not one run",
                    u.stage
                );
            }
        }
        let snaps = snapshots(&ups.iter().map(|u| &u.table).collect::<Vec<_>>())?;
        let n = snaps[0].w.nrows();
        let info = RunInfo::from_upstream(train, ctx.input("data")?, n);
        let window = ctx.usize("centre_window")?;
        let opts = Options {
            centre: CentreOptions { power: ctx.f64("centre_power")?, half_window: (window > 0).then_some(window) },
            fwhm: FwhmOptions { floor_frac: ctx.f64("floor_frac")? },
        };
        let (rows, fits) = analyse(&snaps, opts);
        let pc = ctx.i64("profile_checkpoint")?;
        let idx = if pc < 0 {
            snaps.len() as i64 + pc
        } else {
            snaps.iter().position(|s| s.checkpoint == pc).map_or(-1, |p| p as i64)
        };
        if idx < 0 || idx as usize >= snaps.len() {
            bail!("profile_checkpoint {pc} does not exist ({} checkpoints)", snaps.len());
        }
        let snap = &snaps[idx as usize];
        let at: Vec<Field> = rows.iter().filter(|r| r.checkpoint == snap.checkpoint).copied().collect();
        let (profile, spline) = profile_tables(snap, &at, &fits[idx as usize], &info)?;
        let (mut l_ck, mut l_up, mut l_ep, mut l_ll, mut l_z) = (vec![], vec![], vec![], vec![], vec![]);
        if ctx.bool("exact_ll")? {
            let off = |k: &str| train.get(k).and_then(Value::as_str) == Some("off");
            ensure!(
                info.n_hidden == 1 && off("visible_bias") && off("hidden_bias"),
                "exact_ll needs one hidden unit and visible_bias = hidden_bias = off"
            );
            ensure!(
                train.get("hidden").and_then(Value::as_str) == Some("ising"),
                "exact_ll needs ±1 hidden units (hidden: ising)"
            );
            let x = crate::codec::get_i8_rows(&ctx.input("data")?.table, "v")?;
            ensure!(x.iter().all(|&v| v == 1 || v == -1), "exact_ll needs ±1 data");
            for snap in &snaps {
                let (ll, lz) = exact_ll_single_unit(x.view(), snap.w.column(0));
                l_ck.push(snap.checkpoint);
                l_up.push(snap.update);
                l_ep.push(snap.epoch);
                l_ll.push(ll);
                l_z.push(lz);
            }
        }
        let k = l_ck.len();
        let loglik = TableBuilder::new()
            .i64("checkpoint", l_ck)
            .i64("update", l_up)
            .f64("epoch", l_ep)
            .f64("train_ll", l_ll)
            .f64("log_z", l_z);
        let loglik = info.columns(loglik, k).build()?;
        Ok(vec![
            ("fields".into(), fields_table(&rows, &info)?),
            ("profile".into(), profile),
            ("spline".into(), spline),
            ("loglik".into(), loglik),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights_table(ck: &[i64], n: usize, m: usize, f: impl Fn(i64, usize, usize) -> f64) -> RecordBatch {
        let (mut c, mut u, mut e, mut i, mut a, mut mu, mut w) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for &k in ck {
            for s in 0..n {
                for h in 0..m {
                    c.push(k);
                    u.push(10 * k);
                    e.push(k as f64);
                    i.push(s as i64);
                    a.push(0);
                    mu.push(h as i64);
                    w.push(f(k, s, h));
                }
            }
        }
        TableBuilder::new()
            .i64("checkpoint", c)
            .i64("update", u)
            .f64("epoch", e)
            .i64("i", i)
            .i64("a", a)
            .i64("mu", mu)
            .f64("w", w)
            .build()
            .unwrap()
    }

    /// A sech bump of half-width `s` centred at `c` on an `n`-ring (minimum image).
    fn bump(i: usize, c: f64, s: f64, n: usize) -> f64 {
        let d = min_image(c, i as f64, n as f64);
        1.0 / (d / s).cosh()
    }

    #[test]
    fn merged_blocks_unwrap_a_field_moving_across_the_boundary() {
        // A field moving +3 sites per checkpoint from site 90 on a 100-ring crosses the boundary;
        // two "blocks" overlap at checkpoint 4 (taken once).
        let n = 100;
        let f = |k: i64, i: usize, _h: usize| -0.8 * bump(i, 90.0 + 3.0 * k as f64, 4.0, n);
        let b1 = weights_table(&[0, 1, 2, 3, 4], n, 1, f);
        let b2 = weights_table(&[4, 5, 6, 7], n, 1, f);
        let snaps = snapshots(&[&b1, &b2]).unwrap();
        assert_eq!(snaps.len(), 8);
        let opts = Options { centre: CentreOptions { power: 2.0, half_window: None }, fwhm: FwhmOptions::default() };
        let (rows, fits) = analyse(&snaps, opts);
        for r in &rows {
            // Symmetric bump: the centre estimate is exact up to aliasing (analysis::ring docs).
            assert!((r.centre_unwrapped - (90.0 + 3.0 * r.checkpoint as f64)).abs() < 1e-6, "{r:?}");
            assert_eq!(r.sign, -1.0);
            // sech(x/s) has FWHM 2 s acosh(2) = 10.536 for s = 4.
            assert!((r.fwhm - 8.0 * 2f64.acosh()).abs() < 0.3, "fwhm {}", r.fwhm);
        }
        assert!(rows.last().unwrap().centre < 20.0);
        assert!(fits.iter().all(|f| f[0].is_some()));
    }

    #[test]
    fn closed_form_log_likelihood_matches_brute_force_enumeration() {
        // N = 8: enumerate all (v, h), compute ln Z and the mean ln p(v) of a few data rows.
        let n = 8;
        let w: Vec<f64> = (0..n).map(|i| 0.3 * (i as f64 - 3.5) + 0.05 * (i * i) as f64).collect();
        let mut z = 0.0;
        for m in 0..1u32 << n {
            for h in [-1.0, 1.0] {
                let e: f64 = (0..n).map(|i| if m >> i & 1 == 1 { w[i] } else { -w[i] }).sum::<f64>() * h;
                z += e.exp();
            }
        }
        let rows: Vec<[i8; 8]> = vec![[1, 1, 1, 1, -1, -1, -1, -1], [1, -1, 1, -1, 1, -1, 1, -1], [-1; 8]];
        let x = Array2::from_shape_fn((rows.len(), n), |(r, i)| rows[r][i]);
        let want: f64 = rows
            .iter()
            .map(|v| {
                let a: f64 = (0..n).map(|i| w[i] * v[i] as f64).sum();
                (a.exp() + (-a).exp()).ln() - z.ln()
            })
            .sum::<f64>()
            / rows.len() as f64;
        let (ll, lz) = exact_ll_single_unit(x.view(), ndarray::Array1::from(w).view());
        assert!((lz - z.ln()).abs() < 1e-12 && (ll - want).abs() < 1e-12, "{ll} vs {want}");
    }

    #[test]
    fn bad_weight_tables_are_rejected() {
        let t = weights_table(&[0], 100, 1, |_, _, _| 0.1);
        let mut bad = weights_table(&[0], 100, 1, |_, _, _| 0.1);
        // Potts weights.
        let cols: Vec<_> = bad.columns().to_vec();
        let a = std::sync::Arc::new(arrow::array::Int64Array::from(vec![1i64; 100]));
        let mut c2 = cols.clone();
        c2[4] = a;
        bad = RecordBatch::try_new(bad.schema(), c2).unwrap();
        assert!(snapshots(&[&bad]).unwrap_err().to_string().contains("Potts"));
        // Conflicting duplicate checkpoint.
        let other = weights_table(&[0], 100, 1, |_, _, _| 0.1);
        let mut c3: Vec<_> = other.columns().to_vec();
        c3[1] = std::sync::Arc::new(arrow::array::Int64Array::from(vec![7i64; 100]));
        let other = RecordBatch::try_new(other.schema(), c3).unwrap();
        assert!(snapshots(&[&t, &other]).is_err());
    }

    #[test]
    fn order_parameter_and_overlap_of_a_uniform_profile() {
        let n = 100;
        let t = weights_table(&[0], n, 2, |_, i, h| if h == 0 { 0.05 } else { bump(i, 30.0, 3.0, n) });
        let snaps = snapshots(&[&t]).unwrap();
        let opts = Options { centre: CentreOptions::default(), fwhm: FwhmOptions::default() };
        let (rows, _) = analyse(&snaps, opts);
        // Uniform weights: W = N w, overlap 1, no half-maximum crossing.
        assert!((rows[0].order_w - 5.0).abs() < 1e-12 && (rows[0].overlap - 1.0).abs() < 1e-12);
        assert!(rows[0].fwhm.is_nan());
        // Bump: W = Σ sech(d/3) ≈ 3π (integral), overlap = W / (√N ‖w‖) with ‖w‖² ≈ 2·3.
        assert!((rows[1].order_w - 3.0 * std::f64::consts::PI).abs() < 0.01);
        assert!((rows[1].overlap - 3.0 * std::f64::consts::PI / (10.0 * 6f64.sqrt())).abs() < 0.01);
    }
}
