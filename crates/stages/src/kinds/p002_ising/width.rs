//! Paper 002 Fig. 3: a single hidden unit learns a localised receptive field (3a), whose width
//! grows linearly with the correlation length `ξ = 1/ln coth β` of the data with a positive
//! intercept (3b).
//!
//! Criteria (FIGURES.md §3, P002-F3a, F3b, C5):
//! * 3a: one dominant peak, `W > 0.5 · peak · FWHM`; `FWHM/ξ ∈ [2, 7]`; tails `|w_i| < 0.2 ·
//!   peak` beyond `1.5 FWHM` from the centre; the exact log-likelihood saturates: its increment
//!   from epoch `ll_epoch` (20) to the end is < 10 % of the increment from 0 to `ll_epoch`.
//! * 3b: the FWHM of every run at its last checkpoint, mean ± s.d. per β; the least-squares line
//!   `FWHM = a ξ + b` through the per-β means (the paper's red line) has `R² > 0.9`,
//!   `a ∈ [2, 7]` and `b ∈ [0.3, 8]` (the paper: "the intercept (b) is non zero").

use super::fields::{Field, Run, RunInfo, gathered_runs, last_checkpoint, read_fields};
use super::{Checks, code};
use analysis::circular::min_image;
use analysis::stats::{linear_fit, mean_se};
use anyhow::{Context, ensure};
use pipeline::table::{self, TableBuilder};
use pipeline::{InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use std::collections::BTreeMap;

const FILE: &str = "width.rs";

/// `ξ(β) = 1/ln coth β` (paper 002 eq. 9), via the theory crate.
pub(crate) fn xi(beta: f64) -> anyhow::Result<f64> {
    Ok(theory::thresholds::ising::xi(beta)?)
}

/// `p002_single_field_checks` (Fig. 3a).
pub struct SingleFieldChecks;

impl StageKind for SingleFieldChecks {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p002_single_field_checks",
            doc: "Paper 002 Fig. 3a and claim C5: one dominant peak (W > 0.5 peak·FWHM), FWHM/ξ in [2, 7], tails below 20 % of the peak beyond 1.5 FWHM, and the exact log-likelihood saturated after ll_epoch epochs",
            params: vec![
                ParamSpec::new(
                    "ll_epoch",
                    T::Int,
                    "epoch by which the log-likelihood should have saturated (paper: 10–20)",
                )
                .default(Value::Int(20)),
            ],
            inputs: vec![
                InputSpec { name: "fields", gather: false, doc: "`fields` of p002_receptive_fields (one M = 1 run)" },
                InputSpec { name: "profile", gather: false, doc: "`profile` of the same stage" },
                InputSpec {
                    name: "loglik",
                    gather: false,
                    doc: "`loglik` of the same stage (run with exact_ll: true)",
                },
            ],
            outputs: vec!["checks"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        super::need(super::pi(p, "ll_epoch") >= 1, || "ll_epoch must be >= 1".into())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let ft = &ctx.input("fields")?.table;
        let info = RunInfo::from_table(ft)?;
        let last = last_checkpoint(&read_fields(ft)?);
        ensure!(!last.is_empty(), "no fields");
        let f = last[0];
        let xi = xi(info.beta).context("Fig. 3a needs the data's β")?;
        let mut c = Checks::new("3a");
        c.above("single dominant peak: W / (peak · FWHM)", f.order_w / (f.peak * f.fwhm), 0.5, "FIGURES.md P002-F3a");
        c.range(
            &format!("FWHM / ξ (ξ = {xi:.3}, FWHM = {:.2} sites)", f.fwhm),
            f.fwhm / xi,
            2.0,
            7.0,
            "FIGURES.md P002-F3a (paper: peak width ∝ ξ)",
        );
        let pt = &ctx.input("profile")?.table;
        let (mu, i, wo) = (table::col_i64(pt, "mu")?, table::col_i64(pt, "i")?, table::col_f64(pt, "w_oriented")?);
        let n = info.n_sites as f64;
        let tail = (0..mu.len())
            .filter(|&r| mu[r] == 0 && min_image(f.centre, i[r] as f64, n).abs() > 1.5 * f.fwhm)
            .map(|r| wo[r].abs())
            .fold(f64::NAN, f64::max);
        c.below(
            "tails: max |w_i| beyond 1.5 FWHM of the centre / peak",
            tail / f.peak,
            0.2,
            "FIGURES.md P002-F3a (paper: small fluctuations in the tails)",
        );
        let ct = &ctx.input("loglik")?.table;
        let (ep, ll) = (table::col_f64(ct, "epoch")?, table::col_f64(ct, "train_ll")?);
        let at = |e: f64| -> f64 {
            // The exact LL at the checkpoint nearest to epoch e.
            let k = (0..ep.len()).min_by(|&a, &b| (ep[a] - e).abs().total_cmp(&(ep[b] - e).abs()));
            k.map_or(f64::NAN, |k| ll[k])
        };
        let e_sat = ctx.i64("ll_epoch")? as f64;
        let e_end = ep.iter().copied().fold(f64::NAN, f64::max);
        ensure!(!ep.is_empty(), "the loglik table is empty (run p002_receptive_fields with exact_ll: true)");
        let ratio = (at(e_end) - at(e_sat)) / (at(e_sat) - at(0.0));
        c.below(
            &format!("exact LL gain epochs {e_sat}→{e_end} / gain 0→{e_sat}"),
            ratio,
            0.1,
            "paper §3.2.1 'log-likelihoods … saturate after about 10–20 epochs' (FIGURES.md P002-C5)",
        );
        Ok(vec![("checks".into(), c.build()?)])
    }
}

/// Per-β summary of the final FWHMs.
#[derive(Debug, Clone)]
pub(crate) struct WidthRow {
    pub beta: f64,
    pub xi: f64,
    pub mean: f64,
    pub sd: f64,
    pub sem: f64,
    pub n_ok: usize,
    pub n_failed: usize,
}

/// `(β, seed, final FWHM)` of one run.
pub(crate) type RunWidth = (f64, i64, f64);

/// Groups the final FWHM of unit 0 of each run by β.
pub(crate) fn widths(runs: &[Run]) -> anyhow::Result<(Vec<RunWidth>, Vec<WidthRow>)> {
    let mut per_run = Vec::new();
    let mut by_beta: BTreeMap<u64, (f64, Vec<f64>, usize)> = BTreeMap::new();
    for r in runs {
        let last: Vec<Field> = last_checkpoint(&r.fields);
        let f = last.first().context("a run without fields")?;
        per_run.push((r.info.beta, r.info.seed, f.fwhm));
        let e = by_beta.entry(r.info.beta.to_bits()).or_insert((r.info.beta, vec![], 0));
        if f.fwhm.is_finite() {
            e.1.push(f.fwhm);
        } else {
            e.2 += 1;
        }
    }
    let mut rows = Vec::new();
    for (_, (beta, v, failed)) in by_beta {
        let s = mean_se(&v).ok();
        rows.push(WidthRow {
            beta,
            xi: xi(beta)?,
            mean: s.map_or(f64::NAN, |s| s.mean),
            sd: s.map_or(f64::NAN, |s| s.sd),
            sem: s.map_or(f64::NAN, |s| s.se),
            n_ok: v.len(),
            n_failed: failed,
        });
    }
    rows.sort_by(|a, b| a.beta.total_cmp(&b.beta));
    Ok((per_run, rows))
}

/// `p002_width_vs_xi` (Fig. 3b).
pub struct WidthVsXi;

impl StageKind for WidthVsXi {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p002_width_vs_xi",
            doc: "Paper 002 Fig. 3b: final FWHM of one-unit runs vs ξ = 1/ln coth β (mean ± s.d. over runs per β), the line FWHM = aξ + b through the means, and its checks (R² > 0.9, a in [2, 7], b in [0.3, 8])",
            params: vec![],
            inputs: vec![InputSpec {
                name: "fields",
                gather: true,
                doc: "`fields` of p002_receptive_fields over (β, seed)",
            }],
            outputs: vec!["runs", "widths", "fit", "checks"],
            code: code(FILE),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let runs = gathered_runs(ctx.gathered("fields")?)?;
        let (per_run, rows) = widths(&runs)?;
        let ok: Vec<&WidthRow> = rows.iter().filter(|r| r.mean.is_finite()).collect();
        ensure!(ok.len() >= 2, "Fig. 3b needs finite widths at two β values or more, got {}", ok.len());
        let fit =
            linear_fit(&ok.iter().map(|r| r.xi).collect::<Vec<_>>(), &ok.iter().map(|r| r.mean).collect::<Vec<_>>())?;
        let k = per_run.len();
        let runs_t = TableBuilder::new()
            .f64("beta", per_run.iter().map(|r| r.0).collect())
            .f64("xi", per_run.iter().map(|r| xi(r.0).unwrap_or(f64::NAN)).collect())
            .i64("seed", per_run.iter().map(|r| r.1).collect())
            .f64("fwhm", per_run.iter().map(|r| r.2).collect())
            .i64("n_runs", vec![k as i64; k])
            .build()?;
        let widths_t = TableBuilder::new()
            .f64("beta", rows.iter().map(|r| r.beta).collect())
            .f64("xi", rows.iter().map(|r| r.xi).collect())
            .f64("fwhm_mean", rows.iter().map(|r| r.mean).collect())
            .f64("fwhm_sd", rows.iter().map(|r| r.sd).collect())
            .f64("fwhm_sem", rows.iter().map(|r| r.sem).collect())
            .i64("n_ok", rows.iter().map(|r| r.n_ok as i64).collect())
            .i64("n_failed", rows.iter().map(|r| r.n_failed as i64).collect())
            .build()?;
        let x_max = 1.1 * rows.iter().map(|r| r.xi).fold(0.0, f64::max);
        let xs: Vec<f64> = (0..=50).map(|j| x_max * j as f64 / 50.0).collect();
        let nx = xs.len();
        let fit_t = TableBuilder::new()
            .f64("xi", xs.clone())
            .f64("fwhm_fit", xs.iter().map(|x| fit.slope * x + fit.intercept).collect())
            .f64("slope", vec![fit.slope; nx])
            .f64("slope_se", vec![fit.slope_se; nx])
            .f64("intercept", vec![fit.intercept; nx])
            .f64("intercept_se", vec![fit.intercept_se; nx])
            .f64("r2", vec![fit.r2; nx])
            .build()?;
        let mut c = Checks::new("3b");
        let n_ok: usize = rows.iter().map(|r| r.n_ok).sum();
        c.above(
            "fraction of runs with a measurable FWHM",
            n_ok as f64 / k as f64,
            0.9,
            "FIGURES.md P002-F3b (every run should localise)",
        );
        c.above("linear fit FWHM = aξ + b: R²", fit.r2, 0.9, "FIGURES.md P002-F3b (paper: width ∝ ξ)");
        c.range(
            &format!("slope a (± {:.2})", fit.slope_se),
            fit.slope,
            2.0,
            7.0,
            "FIGURES.md P002-F3b (calibration a ≈ 4.2)",
        );
        c.range(
            &format!("HEADLINE intercept b > 0 (± {:.2}; paper: non zero, β→0 theory: finite width)", fit.intercept_se),
            fit.intercept,
            0.3,
            8.0,
            "paper Fig. 3b caption; FIGURES.md P002-F3b (calibration b ≈ 1.0)",
        );
        Ok(vec![
            ("runs".into(), runs_t),
            ("widths".into(), widths_t),
            ("fit".into(), fit_t),
            ("checks".into(), c.build()?),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::p002_ising::fields::Field;

    fn run(beta: f64, seed: i64, fwhm: f64) -> Run {
        let info = RunInfo {
            beta,
            n_samples: 10_000,
            n_sites: 100,
            seed,
            n_hidden: 1,
            lr: 0.001,
            batch_size: 10,
            pcd_k: 20,
            epochs: 100,
        };
        let f = |ck: i64, fw: f64| Field {
            checkpoint: ck,
            update: ck,
            epoch: ck as f64,
            mu: 0,
            centre: 50.0,
            centre_unwrapped: 50.0,
            resultant: 0.9,
            argmax: 50,
            sign: 1.0,
            peak: 0.6,
            fwhm: fw,
            order_w: 10.0,
            overlap: 0.5,
        };
        Run { info, fields: vec![f(0, f64::NAN), f(5, fwhm)] }
    }

    #[test]
    fn widths_group_by_beta_and_use_the_last_checkpoint() {
        let runs = vec![run(1.0, 0, 17.0), run(0.5, 0, 6.0), run(1.0, 1, 19.0), run(0.5, 1, f64::NAN)];
        let (per_run, rows) = widths(&runs).unwrap();
        assert_eq!(per_run.len(), 4);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].beta, 0.5);
        assert_eq!((rows[0].n_ok, rows[0].n_failed), (1, 1));
        assert!((rows[1].mean - 18.0).abs() < 1e-12 && (rows[1].sd - 2f64.sqrt()).abs() < 1e-12);
        // ξ(1) = 1/ln coth 1 = 3.671861.
        assert!((rows[1].xi - 3.671861).abs() < 1e-6);
    }
}
