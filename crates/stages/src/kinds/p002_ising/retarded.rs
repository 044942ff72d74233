//! Paper 002 Fig. 7: retarded learning. The order parameter `W = |Σ_i w_i1|` (eq. 12) after
//! training a one-unit RBM is small when the data's signal eigenvalue `e^{2β}` is below the
//! Marchenko–Pastur edge `(1 + √r)²` (`r = N/S`) and large above it; the crossover sits at
//! `β(r) = log(1 + √r)` (eq. 27; 0.0953 at r = 0.01) or `r_c(β) = (e^β − 1)²` (0.4208 at β = 0.5).
//!
//! `p002_retarded_learning` gathers the `fields` of many runs, takes `W` and the scale-free
//! overlap `|Σw|/(√N‖w‖)` of unit 0 at the last checkpoint, and averages over runs per value of
//! the control parameter (`control: beta` for Fig. 7a, `control: r` for Fig. 7b with
//! `r = n_sites / n_samples`). Criteria (FIGURES.md P002-F7a/b):
//! * 7a: `W̄(β) < 4 W̄(0)` for `0 < β ≤ 0.05`; `W̄(β) > 8 W̄(0)` for `β ≥ 0.3`; the midpoint of the
//!   rise — the first β where `W̄` crosses `(W̄(β_min) + W̄(β_max))/2`, linearly interpolated — is
//!   within a factor 2.5 of `β(r)`.
//! * 7b: `W̄(r) > 0.5 W̄(r_min)` for `r ≤ 0.1` ("large") and `< 0.1 W̄(r_min)` for `r ≥ 0.8`
//!   ("small"); the midpoint of the drop — where `W̄` falls to half `W̄(r_min)`, interpolated
//!   in `log r` — lies in `[0.08, 1]`; the scale-free overlap exceeds 0.7 for `r ≤ 0.1` and stays
//!   below 0.35 for `r ≥ 1.6`. The overlap is reported because with a fixed number of epochs the
//!   number of updates is `∝ S`, so at large `r` the weights simply do not grow (the fixed-epoch
//!   confound of FIGURES.md); `W` mixes that with the loss of structure, the overlap does not.
//!
//! The check labels carry each mean ± s.e., because several criteria sit within one s.e. of
//! their bound at the paper's 10 runs. Measured with this pipeline's stages (PCD-20, each run
//! its own data set, seeds 0–9 unless stated):
//! * 7a, `W̄(0.05)/W̄(0)` against 4: at the paper's 250 epochs 3.04 ± 0.90 (W̄(0) = 0.21 ± 0.05,
//!   W̄(0.05) = 0.64 ± 0.12; FIGURES.md's 2-seed calibration 2.85); on the same runs at 50
//!   epochs (the quick profile) 3.95 ± 1.48, at 100 epochs 4.65 ± 1.62. `W(0)` of one run is the
//!   projection of a noise-driven weight vector on the uniform direction, a |Gaussian|-like
//!   variable with a run-to-run CV ≈ 0.7, so the ratio of two 10-run means has a CV ≈ 0.3–0.4:
//!   the verdict against 4 is within noise either way. With 6 runs at 50 epochs it read 5.6.
//! * 7b, mean overlap at `r ≤ 0.1` against 0.7: over 40 runs 0.760 ± 0.019 (r = 0.05) and
//!   0.703 ± 0.033 (r = 0.1); 10 runs (seeds 0–9) give 0.718 ± 0.047 and 0.618 ± 0.083. The
//!   r = 0.1 runs split into well-formed bumps (overlap 0.65–0.95; a clean bump of FWHM ≈ 6 on
//!   N = 20 sites has ≈ 0.67) and runs whose 5000 updates on S = 200 configurations left a
//!   noise-dominated field (0.13–0.4).
//!
//!   **PCD-20 vs the exact negative term (session 3).** FIGURES.md's calibration (0.82, 0.76 at
//!   r = 0.05, 0.1) used the exact model term `tanh(w_i)` and 2 seeds. The experiment test
//!   `f7b_protocol_pcd_vs_exact` below reruns seeds 0–9 on the pipeline's own data draws and
//!   initial weights (it reproduces the pipeline's PCD numbers exactly) with (a) PCD-20 with
//!   `batch` chains, (b) PCD-20 with 100 chains, (c) the exact term in an independent f64 loop
//!   (its agreement with the engine's exact sampler is the test
//!   `tanh_negative_term_matches_engine_exact_sampler`). Mean overlap ± s.e. (10 runs):
//!   r = 0.05: 0.718 ± 0.047 / 0.708 ± 0.055 / 0.688 ± 0.064 (paired PCD − exact
//!   +0.030 ± 0.020); r = 0.1: 0.618 ± 0.083 / 0.623 ± 0.080 / 0.623 ± 0.080 (paired
//!   −0.005 ± 0.009); r = 0.2, 0.4, 0.8, 1.67, 3.33: exact 0.411, 0.439, 0.419, 0.289, 0.255,
//!   paired differences all within ±0.01 (s.e. ≤ 0.016). Over 40 runs (seeds 0–39, PCD with
//!   `batch` chains vs exact): r = 0.05: 0.760 ± 0.019 vs 0.747 ± 0.023 (paired
//!   +0.012 ± 0.008); r = 0.1: 0.703 ± 0.033 vs 0.705 ± 0.033 (paired −0.002 ± 0.003); every
//!   larger r paired within ±0.002 (s.e. ≤ 0.004). PCD with few chains does not lower the
//!   overlap: the model term is easy to sample at N = 20, β = 0.5. The calibration's 0.82 and
//!   0.76 are 2-seed draws (run-to-run s.d. ≈ 0.21 at r = 0.1, so a 2-seed s.e. ≈ 0.15) from a
//!   population whose exact-term mean is 0.747 and 0.705: the r = 0.1 mean of the paper's
//!   protocol sits on the 0.7 bound whichever negative term is used, and a 10-run check passes
//!   or fails by chance. The check is left to fail or pass as measured. Batches: S = 12 runs
//!   with batch 10 (a 10-row and a 2-row minibatch per epoch, the trainer's rule for a last
//!   partial batch), S = 6 with batch 6;
//!   `r = n_sites / n_samples` with `n_sites` = 20 from the weights and no test split, and the
//!   overlap uses `N = w.len()` = 20.

use super::fields::{Run, gathered_runs, last_checkpoint};
use super::{Checks, code, need, ps};
use analysis::stats::mean_se;
use anyhow::ensure;
use pipeline::table::TableBuilder;
use pipeline::{InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use std::collections::BTreeMap;
use theory::thresholds::ising;

const FILE: &str = "retarded.rs";

/// Per control value: `(x, W̄, se, Ō, se, runs)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub x: f64,
    pub w: f64,
    pub w_se: f64,
    pub o: f64,
    pub o_se: f64,
    pub n: usize,
}

/// Averages `(x, W, overlap)` triples per distinct `x` (ascending).
pub(crate) fn average(rows: &[(f64, f64, f64)]) -> Vec<Point> {
    let mut by: BTreeMap<u64, (f64, Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for &(x, w, o) in rows {
        let e = by.entry(x.to_bits()).or_insert((x, vec![], vec![]));
        e.1.push(w);
        e.2.push(o);
    }
    let mut out: Vec<Point> = by
        .into_values()
        .map(|(x, w, o)| {
            let (sw, so) = (mean_se(&w).ok(), mean_se(&o).ok());
            Point {
                x,
                w: sw.map_or(f64::NAN, |s| s.mean),
                w_se: sw.map_or(f64::NAN, |s| s.se),
                o: so.map_or(f64::NAN, |s| s.mean),
                o_se: so.map_or(f64::NAN, |s| s.se),
                n: w.len(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.x.total_cmp(&b.x));
    out
}

/// First `x` (ascending) where `y` crosses `level` in the direction `rising`, by linear
/// interpolation in `x` (`log_x`: in `ln x`). NaN when it never crosses.
pub(crate) fn crossing(x: &[f64], y: &[f64], level: f64, rising: bool, log_x: bool) -> f64 {
    let t = |v: f64| if log_x { v.ln() } else { v };
    for k in 1..x.len() {
        let (a, b) = (y[k - 1] - level, y[k] - level);
        let crosses = if rising { a < 0.0 && b >= 0.0 } else { a > 0.0 && b <= 0.0 };
        if crosses {
            let f = a / (a - b);
            let v = t(x[k - 1]) + f * (t(x[k]) - t(x[k - 1]));
            return if log_x { v.exp() } else { v };
        }
    }
    f64::NAN
}

fn ratio_extreme(pts: &[Point], keep: impl Fn(f64) -> bool, reference: f64, max: bool) -> f64 {
    let v: Vec<f64> = pts.iter().filter(|p| keep(p.x)).map(|p| p.w / reference).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    if max {
        v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    } else {
        v.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

/// `"x: mean ± se"` for the points selected by `keep` (W̄ or, with `overlap`, the overlap), for
/// the check labels, so that the report shows how far each mean is from its bound.
fn means_text(pts: &[Point], keep: impl Fn(f64) -> bool, overlap: bool) -> String {
    pts.iter()
        .filter(|p| keep(p.x))
        .map(|p| {
            let (m, s) = if overlap { (p.o, p.o_se) } else { (p.w, p.w_se) };
            format!("{:.3}: {m:.3} ± {s:.3}", p.x)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `p002_retarded_learning` (Fig. 7).
pub struct RetardedLearning;

impl StageKind for RetardedLearning {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p002_retarded_learning",
            doc: "Paper 002 Fig. 7: W = |Σw| (eq. 12) and the scale-free overlap |Σw|/(√N‖w‖) after training, mean ± s.e. over runs vs β (control: beta, Fig. 7a) or vs r = N/S (control: r, Fig. 7b), against the crossover β(r) = log(1+√r) / r_c = (e^β − 1)², with the checks",
            params: vec![
                ParamSpec::new("control", T::Str, "beta (Fig. 7a) | r (Fig. 7b)").default(Value::Str("beta".into())),
            ],
            inputs: vec![InputSpec {
                name: "fields",
                gather: true,
                doc: "`fields` of p002_receptive_fields over (β or S, seed)",
            }],
            outputs: vec!["runs", "summary", "theory", "checks"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let c = ps(p, "control");
        need(c == "beta" || c == "r", || format!("control must be beta or r, got `{c}`"))
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let runs: Vec<Run> = gathered_runs(ctx.gathered("fields")?)?;
        let by_beta = ctx.str("control")? == "beta";
        let mut rows = Vec::new();
        let (mut c_x, mut c_seed, mut c_w, mut c_o, mut c_beta, mut c_r) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for run in &runs {
            let f = last_checkpoint(&run.fields);
            ensure!(!f.is_empty(), "run seed {} has no fields", run.info.seed);
            let r = run.info.n_sites as f64 / run.info.n_samples as f64;
            let x = if by_beta { run.info.beta } else { r };
            ensure!(
                x.is_finite(),
                "run seed {} has no {} (data table without β?)",
                run.info.seed,
                if by_beta { "β" } else { "r" }
            );
            rows.push((x, f[0].order_w, f[0].overlap));
            c_x.push(x);
            c_seed.push(run.info.seed);
            c_w.push(f[0].order_w);
            c_o.push(f[0].overlap);
            c_beta.push(run.info.beta);
            c_r.push(r);
        }
        let pts = average(&rows);
        ensure!(pts.len() >= 3, "Fig. 7 needs at least three values of the control parameter, got {}", pts.len());
        let k = c_x.len();
        let runs_t = TableBuilder::new()
            .f64("x", c_x)
            .i64("seed", c_seed)
            .f64("order_w", c_w)
            .f64("overlap", c_o)
            .f64("data_beta", c_beta.clone())
            .f64("r", c_r.clone())
            .i64("n_hidden", vec![runs[0].info.n_hidden; k])
            .f64("lr", vec![runs[0].info.lr; k])
            .i64("batch_size", vec![runs[0].info.batch_size; k])
            .i64("pcd_k", vec![runs[0].info.pcd_k; k])
            .i64("epochs", vec![runs[0].info.epochs; k])
            .i64("n_sites", vec![runs[0].info.n_sites; k])
            .build()?;
        let np = pts.len();
        let summary = TableBuilder::new()
            .f64("x", pts.iter().map(|p| p.x).collect())
            .f64("w_mean", pts.iter().map(|p| p.w).collect())
            .f64("w_sem", pts.iter().map(|p| p.w_se).collect())
            .f64("overlap_mean", pts.iter().map(|p| p.o).collect())
            .f64("overlap_sem", pts.iter().map(|p| p.o_se).collect())
            .i64("n_runs", pts.iter().map(|p| p.n as i64).collect())
            .build()?;
        let xs: Vec<f64> = pts.iter().map(|p| p.x).collect();
        let ws: Vec<f64> = pts.iter().map(|p| p.w).collect();
        let (theory, checks) = if by_beta {
            let r = c_r[0];
            ensure!(c_r.iter().all(|x| (x - r).abs() <= 1e-12 * r), "Fig. 7a runs must share r = N/S");
            let bc = ising::beta_crossing(r)?;
            let mut c = Checks::new("7a");
            let w0 = if pts[0].x == 0.0 { pts[0].w } else { f64::NAN };
            let n0 = pts[0].n;
            c.below(
                &format!(
                    "max over 0 < β ≤ 0.05 of W̄(β) / W̄(0) ({n0} runs per β; W̄ ± s.e. at β = {})",
                    means_text(&pts, |b| b <= 0.05, false)
                ),
                ratio_extreme(&pts, |b| b > 0.0 && b <= 0.05, w0, true),
                4.0,
                "FIGURES.md P002-F7a",
            );
            c.above(
                &format!("min over β ≥ 0.3 of W̄(β) / W̄(0) (W̄ at β = {})", means_text(&pts, |b| b >= 0.3, false)),
                ratio_extreme(&pts, |b| b >= 0.3, w0, false),
                8.0,
                "FIGURES.md P002-F7a",
            );
            let level = 0.5 * (ws[0] + ws[np - 1]);
            let mid = crossing(&xs, &ws, level, true, false);
            c.factor(
                &format!("HEADLINE (measured) midpoint of the rise of W̄ vs β(r = {r}) = log(1+√r)"),
                mid,
                bc,
                2.5,
                "paper eq. (27), Fig. 7a; FIGURES.md P002-F7a (finite-N smoothing: factor 2.5)",
            );
            c.within(
                &format!("HEADLINE β(r = {r}) = log(1+√r), eq. (27)"),
                bc,
                0.095,
                0.0005,
                "paper Fig. 7a / §5.1.2 quotes 0.095 (r = 0.01)",
            );
            let t = TableBuilder::new().f64("r", vec![r]).f64("beta_c", vec![bc]).build()?;
            (t, c.build()?)
        } else {
            let betas: Vec<f64> = c_beta.clone();
            let beta = betas[0];
            ensure!(betas.iter().all(|b| *b == beta), "Fig. 7b runs must share β");
            let rc = ising::r_crossing(beta)?;
            let mut c = Checks::new("7b");
            let w_ref = pts[0].w;
            c.above(
                "min over r ≤ 0.1 of W̄(r) / W̄(r_min) ('W large')",
                ratio_extreme(&pts, |r| r <= 0.1 + 1e-12, w_ref, false),
                0.5,
                "FIGURES.md P002-F7b",
            );
            c.below(
                "max over r ≥ 0.8 of W̄(r) / W̄(r_min) ('W small')",
                ratio_extreme(&pts, |r| r >= 0.8 - 1e-12, w_ref, true),
                0.1,
                "FIGURES.md P002-F7b",
            );
            let mid = crossing(&xs, &ws, 0.5 * w_ref, false, true);
            c.range(
                &format!("HEADLINE (measured) r where W̄ falls to half W̄(r_min) (r_c(β = {beta}) = {rc:.4})"),
                mid,
                0.08,
                1.0,
                "FIGURES.md P002-F7b (fixed-epoch confound: calibration 0.15)",
            );
            let o_lo = pts.iter().filter(|p| p.x <= 0.1 + 1e-12).map(|p| p.o).fold(f64::INFINITY, f64::min);
            let o_hi = pts.iter().filter(|p| p.x >= 1.6 - 1e-12).map(|p| p.o).fold(f64::NEG_INFINITY, f64::max);
            c.above(
                &format!(
                    "min over r ≤ 0.1 of the mean scale-free overlap |Σw|/(√N‖w‖) ({} runs; mean ± s.e. at r = {})",
                    pts[0].n,
                    means_text(&pts, |r| r <= 0.1 + 1e-12, true)
                ),
                if o_lo.is_finite() { o_lo } else { f64::NAN },
                0.7,
                "FIGURES.md P002-F7b",
            );
            c.below(
                &format!(
                    "max over r ≥ 1.6 of the mean scale-free overlap (r = {})",
                    means_text(&pts, |r| r >= 1.6 - 1e-12, true)
                ),
                if o_hi.is_finite() { o_hi } else { f64::NAN },
                0.35,
                "FIGURES.md P002-F7b",
            );
            c.within(
                &format!("HEADLINE r_c(β = {beta}) = (e^β − 1)²"),
                rc,
                0.42,
                0.005,
                "paper §5.1.2 / Fig. 7b quotes 0.42 (β = 0.5)",
            );
            let t = TableBuilder::new().f64("beta", vec![beta]).f64("r_c", vec![rc]).build()?;
            (t, c.build()?)
        };
        Ok(vec![
            ("runs".into(), runs_t),
            ("summary".into(), summary),
            ("theory".into(), theory),
            ("checks".into(), checks),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_interpolates_linearly_and_in_log() {
        let x = [0.0, 0.1, 0.2, 0.3];
        let y = [0.0, 1.0, 3.0, 4.0];
        // Level 2 between (0.1, 1) and (0.2, 3): 0.15.
        assert!((crossing(&x, &y, 2.0, true, false) - 0.15).abs() < 1e-12);
        assert!(crossing(&x, &y, 5.0, true, false).is_nan());
        let r = [0.1, 1.0, 10.0];
        let w = [4.0, 2.0, 0.0];
        // Falls to 3 halfway between 0.1 and 1 in log r: √0.1.
        assert!((crossing(&r, &w, 3.0, false, true) - 0.1f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn average_groups_by_control_value() {
        let p = average(&[(0.1, 1.0, 0.5), (0.0, 2.0, 0.1), (0.1, 3.0, 0.7)]);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].x, 0.0);
        assert_eq!((p[1].w, p[1].n), (2.0, 2));
        assert!((p[1].w_se - 1.0).abs() < 1e-12 && (p[1].o - 0.6).abs() < 1e-12);
    }

    /// Protocol experiment (not a check; `cargo test -p stages --lib f7b_protocol -- --ignored
    /// --nocapture`): on the same data draws and initial weights as the pipeline's `f7b_*` stages
    /// (N = 20, β = 0.5, data seed = run seed, ν = 0.001, 250 epochs, the yaml's batches), the
    /// final scale-free overlap with (a) the engine's PCD-20 with `n_chains` chains (the
    /// pipeline's trainer), (b) the exact negative term `⟨v_i h⟩ = tanh(w_i)` (M = 1, no fields:
    /// the visible units factorise given h = ±1, and p(h = ±1) = 1/2 by symmetry) in an
    /// independent f64 SGD loop that mirrors the trainer's shuffles.
    fn protocol_run(s: usize, batch: usize, seed: u64, epochs: usize, chains: &[usize]) -> (Vec<f64>, f64) {
        use data::{Encoding, ising::IsingRing};
        use model::{BiasMode, Units};
        let n = 20;
        let x = IsingRing::new(n, 0.5).unwrap().sample(s, seed, Encoding::Spin).unwrap().mapv(|v| v as f32);
        let init = train::Init {
            weight_std: 0.01,
            visible_bias: train::VisibleBiasInit::Zero,
            visible_bias_mode: BiasMode::Off,
            hidden_bias_mode: BiasMode::Off,
            seed,
        };
        let rbm0 = train::init_rbm(Units::Ising, n, Units::Ising, 1, &init, x.view()).unwrap();
        let overlap = |w: ndarray::ArrayView1<f64>| analysis::order::scale_free_overlap(w).unwrap();
        let mut pcd = Vec::new();
        for &nc in chains {
            let cfg = crate::kinds::p002_ising::sgd_protocol(
                train::Sampler::Pcd { k: 20, n_chains: nc },
                0.001,
                batch,
                epochs,
                seed,
                vec![],
            );
            let out = train::train(rbm0.clone(), x.view(), None, cfg).unwrap();
            pcd.push(overlap(out.last.rbm.weights.column(0).mapv(|v| v as f64).view()));
        }
        // Exact negative term, f64, same initial weights and per-epoch shuffles as the trainer.
        let xf = x.mapv(|v| v as f64);
        let w0: Vec<f64> = rbm0.weights.column(0).iter().map(|&v| v as f64).collect();
        let w = tanh_sgd(xf.view(), w0, 0.001, batch, epochs, seed);
        (pcd, overlap(ndarray::ArrayView1::from(&w)))
    }

    /// SGD of one ±1 hidden unit (no biases) with the exact negative term `tanh(w_i)`, the
    /// trainer's per-epoch shuffles and per-sample-averaged minibatch gradient (paper 002 eq. 7).
    fn tanh_sgd(
        x: ndarray::ArrayView2<f64>,
        mut w: Vec<f64>,
        lr: f64,
        batch: usize,
        epochs: usize,
        seed: u64,
    ) -> Vec<f64> {
        use rand::seq::SliceRandom;
        let (s, n) = x.dim();
        for e in 0..epochs {
            let mut perm: Vec<usize> = (0..s).collect();
            perm.shuffle(&mut model::rng::stream(seed, u64::MAX - 10, e as u64));
            for chunk in perm.chunks(batch) {
                let mut g = vec![0.0; n];
                for &r in chunk {
                    let row = x.row(r);
                    let t = row.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>().tanh();
                    for i in 0..n {
                        g[i] += row[i] * t / chunk.len() as f64;
                    }
                }
                for i in 0..n {
                    w[i] += lr * (g[i] - w[i].tanh());
                }
            }
        }
        w
    }

    #[test]
    #[ignore = "protocol experiment, prints numbers (minutes in the dev profile)"]
    fn f7b_protocol_pcd_vs_exact() {
        let sizes = [400usize, 200, 100, 50, 25, 12, 6];
        let batches = [10usize, 10, 10, 10, 10, 10, 6];
        let seeds: u64 = std::env::var("F7B_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
        // Chain counts of the PCD runs (0 → batch size, the pipeline's choice).
        let chains: Vec<usize> = std::env::var("F7B_CHAINS")
            .unwrap_or_else(|_| "0,100".into())
            .split(',')
            .map(|c| c.trim().parse().unwrap())
            .collect();
        for (&s, &b) in sizes.iter().zip(&batches) {
            let mut cols: Vec<Vec<f64>> = vec![vec![]; chains.len() + 1];
            for seed in 0..seeds {
                let ch: Vec<usize> = chains.iter().map(|&c| if c == 0 { b } else { c }).collect();
                let (p, e) = protocol_run(s, b, seed, 250, &ch);
                for (k, v) in p.into_iter().enumerate() {
                    cols[k].push(v);
                }
                cols[chains.len()].push(e);
            }
            let ms = |v: &[f64]| analysis::stats::mean_se(v).map(|m| (m.mean, m.se)).unwrap();
            let d: Vec<f64> = cols[0].iter().zip(&cols[chains.len()]).map(|(a, b)| a - b).collect();
            let txt: Vec<String> = chains
                .iter()
                .zip(&cols)
                .map(|(c, v)| format!("PCD-20 chains={c} {:.3} ± {:.3}", ms(v).0, ms(v).1))
                .collect();
            let ex = ms(&cols[chains.len()]);
            println!(
                "r = {:.3} (S = {s}, batch {b}): {} | exact {:.3} ± {:.3} | paired first PCD − exact {:.3} ± {:.3}",
                20.0 / s as f64,
                txt.join(" | "),
                ex.0,
                ex.1,
                ms(&d).0,
                ms(&d).1
            );
        }
    }

    /// The closed-form negative term of the protocol experiment, `⟨v_i h⟩ = tanh(w_i)` (M = 1,
    /// b = c = 0), against the engine's exact sampler (2^M enumeration in model::exact): the
    /// same SGD run (N = 20, S = 60, batch 10, ν = 0.05, 20 epochs, same shuffles and initial
    /// weights) done both ways ends at the same weights up to rounding (f64 both).
    #[test]
    fn tanh_negative_term_matches_engine_exact_sampler() {
        use data::{Encoding, ising::IsingRing};
        use model::{BiasMode, Units};
        let (n, s, batch, epochs, lr, seed) = (20usize, 60usize, 10usize, 20usize, 0.05, 4u64);
        let x = IsingRing::new(n, 0.5).unwrap().sample(s, seed, Encoding::Spin).unwrap().mapv(f64::from);
        let init = train::Init {
            weight_std: 0.1,
            visible_bias: train::VisibleBiasInit::Zero,
            visible_bias_mode: BiasMode::Off,
            hidden_bias_mode: BiasMode::Off,
            seed,
        };
        let rbm0 = train::init_rbm(Units::Ising, n, Units::Ising, 1, &init, x.view()).unwrap();
        let cfg = crate::kinds::p002_ising::sgd_protocol(train::Sampler::Exact, lr, batch, epochs, seed, vec![]);
        let engine = train::train(rbm0.clone(), x.view(), None, cfg).unwrap().last.rbm.weights;
        let w = tanh_sgd(x.view(), rbm0.weights.column(0).to_vec(), lr, batch, epochs, seed);
        let moved = w.iter().zip(rbm0.weights.column(0)).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(moved > 0.05, "the run must move the weights (moved {moved})");
        for i in 0..n {
            assert!((engine[(i, 0)] - w[i]).abs() < 1e-9, "site {i}: engine {} closed form {}", engine[(i, 0)], w[i]);
        }
    }
}
