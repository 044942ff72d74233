//! Stage kinds for the Ising-ring figures of paper 002 (Harsh, Tubiana, Cocco, Monasson 2020,
//! "'Place-cell' emergence and learning of invariant data with RBMs"): Figs. 1–7 and 12.
//! The pipeline is `pipelines/paper002.yaml`; the numerics live in crates `analysis`, `theory`
//! and `data`, these kinds only turn tables into arrays and back.
//!
//! | file | kinds | figure |
//! |---|---|---|
//! | [`schematic`] | `p002_architecture`, `p002_correlation_checks` | 1, 2 |
//! | [`fields`] | `p002_receptive_fields`, `p002_receptive_fields_blocks` | 3–7 (per run) |
//! | [`width`] | `p002_single_field_checks`, `p002_width_vs_xi` | 3a, 3b |
//! | [`tiling`] | `p002_tiling_checks` | 4 |
//! | [`diffusion`] | `p002_diffusion`, `p002_coupled_diffusion` | 5, 6 |
//! | [`retarded`] | `p002_retarded_learning` | 7a, 7b |
//! | [`spectrum`] | `p002_ising_spectrum`, `p002_spectrum_checks` | 12 |
//!
//! # Per-run tables
//! `p002_receptive_fields` reads one `rbm_train` run (its `weights` output) and the data table
//! it was trained on, and writes (besides the stage's own parameters, prepended by the runner)
//! the run's identity as constant columns copied from upstream: `beta` (the data generator's
//! inverse temperature, NaN when the data table has none), `n_samples` (training rows S),
//! `n_sites` (N), `seed` (the training seed), `n_hidden` (M), `lr`, `batch_size`, `pcd_k` and
//! `epochs`. Its outputs:
//! * `fields`: one row per (checkpoint, hidden unit `mu`): `checkpoint, update, epoch, mu`,
//!   `centre` (PBC-aware receptive-field centre in `[0, N)`, analysis::ring), `centre_unwrapped`
//!   (the same, unwrapped over checkpoints: crossing the boundary adds or subtracts N, paper
//!   Figs. 5a, 6), `resultant` (circular concentration of the field), `argmax`, `sign` (±1 that
//!   makes the peak positive), `peak` (oriented peak height), `fwhm` (one-knot cubic spline,
//!   analysis::fwhm; NaN when the profile has no half-maximum crossing) with `fwhm_ok`,
//!   `order_w` = |Σ_i w_iμ| (paper eq. 12) and `overlap` = |Σ_i w_iμ|/(√N‖w_μ‖).
//! * `profile`: the weights at one checkpoint (default: the last), one row per (mu, i): `w`,
//!   `w_oriented` (= sign · w), `rank` (position of the unit when units are sorted by centre,
//!   paper Fig. 4b, c), `centre`.
//! * `spline`: the fitted FWHM spline of each unit at that checkpoint on a 0.25-site grid:
//!   `mu, x` (site coordinate, not wrapped), `w_fit`, and the constants `half_max`,
//!   `left_root`, `right_root` (site coordinates) for drawing.
//!
//! # Checks
//! Every `checks` output has the columns `figure` (paper 002 panel), `check`, `measured`,
//! `expected` (the paper's number or the FIGURES.md criterion), `tolerance`, `rule` (how
//! measured, expected and tolerance combine: `abs(m-e)<=tol`, `m<e`, `m>e`, `m/e in [1/tol,tol]`),
//! `is_pass` (the rule holds and `measured` is finite), `is_binding` and `reference` (where the
//! criterion comes from). `is_binding = false` marks a check that FIGURES.md says applies only at
//! the paper's sizes while the stage can see from its inputs that it ran below them (e.g. the
//! Fig. 5b MSD slope with S < 10⁶ training configurations); `reference` then ends with the
//! reason. The report shows such rows as `info` and does not count them. `rbmlab run` gathers
//! the tables into `results/figures/paper002/REPORT.md`.

mod diffusion;
mod fields;
mod retarded;
mod schematic;
mod spectrum;
mod tiling;
mod width;

use arrow::record_batch::RecordBatch;
use pipeline::table::TableBuilder;
use pipeline::{Params, Registry, Value};

/// Registers this module's stage kinds.
pub fn register(r: &mut Registry) {
    r.add(schematic::Architecture);
    r.add(schematic::CorrelationChecks);
    r.add(fields::ReceptiveFields { blocks: false });
    r.add(fields::ReceptiveFields { blocks: true });
    r.add(width::SingleFieldChecks);
    r.add(width::WidthVsXi);
    r.add(tiling::TilingChecks);
    r.add(diffusion::Diffusion);
    r.add(diffusion::CoupledDiffusion);
    r.add(retarded::RetardedLearning);
    r.add(spectrum::IsingSpectrum);
    r.add(spectrum::SpectrumChecks);
}

/// Code fingerprint of a kind in `kinds/p002_ising/<file>`: that file and this shared module,
/// on top of the numeric crates the kinds call.
pub(crate) fn code(file: &str) -> String {
    crate::fp::fingerprint_files(
        &["analysis", "theory", "data"],
        &["kinds/p002_ising.rs", &format!("kinds/p002_ising/{file}")],
    )
}

/// Float parameter (NaN when missing).
pub(crate) fn pf(p: &Params, k: &str) -> f64 {
    p.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// Integer parameter (0 when missing).
pub(crate) fn pi(p: &Params, k: &str) -> i64 {
    p.get(k).and_then(Value::as_i64).unwrap_or(0)
}

/// String parameter ("" when missing).
pub(crate) fn ps<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or("")
}

/// `Ok(())` when `ok`, else the message.
pub(crate) fn need(ok: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(msg()) }
}

/// Median of the finite values (NaN when there are none).
pub(crate) fn median(v: &[f64]) -> f64 {
    let mut f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() {
        return f64::NAN;
    }
    f.sort_by(f64::total_cmp);
    let n = f.len();
    if n % 2 == 1 { f[n / 2] } else { 0.5 * (f[n / 2 - 1] + f[n / 2]) }
}

/// Rows of a `checks` table (columns in the module docs).
pub(crate) struct Checks {
    figure: String,
    check: Vec<String>,
    measured: Vec<f64>,
    expected: Vec<f64>,
    tolerance: Vec<f64>,
    rule: Vec<&'static str>,
    pass: Vec<bool>,
    binding: Vec<bool>,
    reference: Vec<String>,
}

impl Checks {
    /// An empty table for one figure panel (e.g. "3b").
    pub(crate) fn new(figure: &str) -> Self {
        Self {
            figure: figure.to_string(),
            check: vec![],
            measured: vec![],
            expected: vec![],
            tolerance: vec![],
            rule: vec![],
            pass: vec![],
            binding: vec![],
            reference: vec![],
        }
    }

    /// Marks the row pushed last as informational (`is_binding = false`) for the reason `why`
    /// (a supplementary measure that FIGURES.md does not make a criterion).
    pub(crate) fn info(&mut self, why: &str) {
        self.info_unless_paper_size(true, why);
    }

    /// Marks the row pushed last as informational (`is_binding = false`) when `below_paper`
    /// holds, appending `why` (the paper size it needs and the size it ran at) to its reference.
    pub(crate) fn info_unless_paper_size(&mut self, below_paper: bool, why: &str) {
        if below_paper && let (Some(b), Some(r)) = (self.binding.last_mut(), self.reference.last_mut()) {
            *b = false;
            r.push_str("; INFO ONLY: ");
            r.push_str(&why.replace('|', "∣"));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, check: &str, m: f64, e: f64, tol: f64, rule: &'static str, pass: bool, reference: &str) {
        // REPORT.md is a Markdown table: write absolute values with U+2223 instead of `|`.
        let check = check.replace('|', "∣");
        self.check.push(check);
        self.measured.push(m);
        self.expected.push(e);
        self.tolerance.push(tol);
        self.rule.push(rule);
        self.pass.push(m.is_finite() && pass);
        self.binding.push(true);
        self.reference.push(reference.replace('|', "∣"));
    }

    /// `|measured − expected| ≤ tol`.
    pub(crate) fn within(&mut self, check: &str, m: f64, e: f64, tol: f64, reference: &str) {
        self.push(check, m, e, tol, "abs(m-e)<=tol", (m - e).abs() <= tol, reference);
    }

    /// `lo ≤ measured ≤ hi`, written as expected = midpoint, tolerance = half-width.
    pub(crate) fn range(&mut self, check: &str, m: f64, lo: f64, hi: f64, reference: &str) {
        self.push(check, m, 0.5 * (lo + hi), 0.5 * (hi - lo), "abs(m-e)<=tol", m >= lo && m <= hi, reference);
    }

    /// `measured < bound`.
    pub(crate) fn below(&mut self, check: &str, m: f64, bound: f64, reference: &str) {
        self.push(check, m, bound, 0.0, "m<e", m < bound, reference);
    }

    /// `measured > bound`.
    pub(crate) fn above(&mut self, check: &str, m: f64, bound: f64, reference: &str) {
        self.push(check, m, bound, 0.0, "m>e", m > bound, reference);
    }

    /// `expected / f ≤ measured ≤ expected · f` (a factor-`f` agreement, `f > 1`).
    pub(crate) fn factor(&mut self, check: &str, m: f64, e: f64, f: f64, reference: &str) {
        self.push(check, m, e, f, "m/e in [1/tol,tol]", m >= e / f && m <= e * f, reference);
    }

    /// The table.
    pub(crate) fn build(self) -> anyhow::Result<RecordBatch> {
        let n = self.check.len();
        TableBuilder::new()
            .str("figure", vec![self.figure; n])
            .str("check", self.check)
            .f64("measured", self.measured)
            .f64("expected", self.expected)
            .f64("tolerance", self.tolerance)
            .str("rule", self.rule.into_iter().map(String::from).collect())
            .bool("is_pass", self.pass)
            .bool("is_binding", self.binding)
            .str("reference", self.reference)
            .build()
    }
}

/// Plain-SGD settings of the paper-002 protocol (biases off, no centring, no log-likelihood)
/// used by the protocol experiments in the tests of this module's kinds.
#[cfg(test)]
pub(crate) fn sgd_protocol(
    sampler: train::Sampler,
    lr: f64,
    batch_size: usize,
    epochs: usize,
    seed: u64,
    checkpoints: Vec<u64>,
) -> train::TrainConfig {
    train::TrainConfig {
        sampler,
        optimizer: train::Optimizer::Sgd { lr },
        batch_size,
        epochs,
        seed,
        centered: false,
        zero_sum_gauge: false,
        checkpoints: train::Schedule::Updates(checkpoints),
        ll: train::LlEval::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::table::{col_bool, col_f64};

    #[test]
    fn check_rules_and_non_finite_measurements() {
        let mut c = Checks::new("x");
        c.within("a", 1.04, 1.0, 0.05, "");
        c.range("b", 2.5, 2.0, 3.0, "");
        c.below("c", 0.5, 0.4, "");
        c.above("d", f64::NAN, 0.0, "");
        c.factor("e", 0.2, 0.095, 2.5, "");
        c.factor("f", 0.24, 0.095, 2.5, "");
        c.info_unless_paper_size(true, "needs S ≥ 10⁶, ran at 10⁵");
        c.info_unless_paper_size(false, "never shown");
        let t = c.build().unwrap();
        assert_eq!(col_bool(&t, "is_pass").unwrap(), vec![true, true, false, false, true, false]);
        assert_eq!(col_bool(&t, "is_binding").unwrap(), vec![true, true, true, true, true, false]);
        let r = pipeline::table::col_str(&t, "reference").unwrap();
        assert!(r[5].ends_with("INFO ONLY: needs S ≥ 10⁶, ran at 10⁵") && r[4].is_empty());
        assert_eq!(col_f64(&t, "expected").unwrap()[1], 2.5);
        assert_eq!(col_f64(&t, "tolerance").unwrap()[1], 0.5);
    }

    #[test]
    fn median_skips_non_finite_values() {
        assert_eq!(median(&[3.0, f64::NAN, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[f64::NAN]).is_nan());
    }
}
