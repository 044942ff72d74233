//! Stage kinds for paper 002's XY/Potts figures (Harsh, Tubiana, Cocco, Monasson 2020,
//! §4 and §5.1.3: Figs. 8–11 and 13) and the figure-level check table of Fig. 14.
//!
//! | file | kinds | figure |
//! |---|---|---|
//! | [`configs`] | `p002_xy_config_checks` | Fig. 8 (XY configurations) |
//! | [`weights`] | `p002_xy_potts_rf`, `p002_xy_fig9_checks`, `p002_xy_fig10_checks` | Figs. 9, 10 |
//! | [`retarded`] | `p002_xy_fig11_summary` | Fig. 11 |
//! | [`spectrum`] | `p002_xy_spectrum`, `p002_xy_fig13_checks` | Fig. 13 |
//! | [`tag`] | `p002_xy_tag_checks` | Fig. 14 (checks of the `rd_*` theory stages, per figure) |
//!
//! # Check tables
//! Every kind that judges a figure writes an output `checks` with the columns
//! `figure` (e.g. `9c`), `check` (what is measured), `measured`, `expected` (the paper's number, or
//! the bound of the FIGURES.md §3 criterion), `tolerance` (absolute; 0 for one-sided bounds),
//! `rule` (`|m-e|<=tol`, `m>=e`, `m<=e`, `m=e` for yes/no claims, `info` for reported but not
//! enforced comparisons), `is_pass`, `is_binding` and `reference`. `is_binding = false` marks a
//! row that binds only at the paper's size (e.g. the localisation of Figs. 9–10, which needs the
//! paper's 100 epochs): the reference then says why and at what size the run was made.
//! `rbmlab run` copies them into REPORT.md.
//!
//! # Potts weights and the reading of eq. (17)
//! `rbm_train` stores the weights of a Potts visible layer as rows `(i, a, mu, w)`: site `i`,
//! Potts state `a`, hidden unit `mu`. Potts weights have a gauge freedom (adding `g_i` to every
//! `w_{i,·,μ}` shifts the input of unit μ by `Σ_i g_i`), so the analyses use the zero-sum
//! weights `w̃_{i,v} = w_{i,v} − (1/P) Σ_a w_{i,a}` wherever a quantity should not depend on it.
//! Eq. (17), `W_i^angular = |Σ_v w_{i,1,v}|`, is exactly such a gauge quantity: it vanishes for
//! a pure cosine in `v` and in the zero-sum gauge, yet Fig. 9c shows a peak. Both readings are
//! computed (`angular_literal` = eq. (17) as printed, `angular_zero_sum` = `‖w̃_{i,·}‖₂`, plus the
//! raw site norm `angular_norm`); the checks and Figs. 10a, 11b use `angular_zero_sum`, and
//! Fig. 9c draws both, labelled.
//!
//! # Determinism
//! Every kind is a function of its parameters and input tables; the fused spectrum kind draws its
//! samples in fixed chunks, chunk `c` with the seed `mix(seed, S, c)` (see [`spectrum`]), so its
//! result does not depend on the number of threads.

pub mod configs;
pub mod retarded;
pub mod spectrum;
pub mod tag;
pub mod weights;

use arrow::record_batch::RecordBatch;
use pipeline::table::TableBuilder;
use pipeline::{Params, Registry, Value};

/// Registers this module's stage kinds.
pub fn register(r: &mut Registry) {
    r.add(configs::ConfigChecks);
    r.add(weights::PottsRf);
    r.add(weights::Fig9Checks);
    r.add(weights::Fig10Checks);
    r.add(retarded::Fig11Summary);
    r.add(spectrum::XySpectrum);
    r.add(spectrum::Fig13Checks);
    r.add(tag::TagChecks);
}

/// Code fingerprint of a kind implemented in `file` (under `kinds/p002_xy/`) on top of the
/// numeric crates `crates`; the shared helpers of this file are always included.
pub(crate) fn code(crates: &[&str], file: &str) -> String {
    crate::fp::fingerprint_files(crates, &["kinds/p002_xy.rs", &format!("kinds/p002_xy/{file}")])
}

/// Rows of a figure-level `checks` table (module docs).
#[derive(Default)]
pub(crate) struct FigureChecks {
    figure: Vec<String>,
    check: Vec<String>,
    measured: Vec<f64>,
    expected: Vec<f64>,
    tolerance: Vec<f64>,
    rule: Vec<String>,
    pass: Vec<bool>,
    binding: Vec<bool>,
    reference: Vec<String>,
}

impl FigureChecks {
    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, fig: &str, check: &str, m: f64, e: f64, tol: f64, rule: &str, pass: bool, r: &str) {
        self.figure.push(fig.to_string());
        self.check.push(check.to_string());
        self.measured.push(m);
        self.expected.push(e);
        self.tolerance.push(tol);
        self.rule.push(rule.to_string());
        self.pass.push(pass && (m.is_finite() || rule == "info"));
        self.binding.push(true);
        self.reference.push(r.to_string());
    }
    /// Marks the row added last as informational (`is_binding = false`) when the run was below
    /// the paper's size, i.e. `below_paper` is `Some(why)`; `why` (the size it needs and the size
    /// the run had) is appended to its reference.
    pub fn info_below_paper(&mut self, below_paper: Option<&str>) {
        if let (Some(why), Some(b), Some(r)) = (below_paper, self.binding.last_mut(), self.reference.last_mut()) {
            *b = false;
            r.push_str("; INFO ONLY: ");
            r.push_str(why);
        }
    }
    /// `|measured − expected| <= tol`.
    pub fn abs(&mut self, fig: &str, check: &str, measured: f64, expected: f64, tol: f64, r: &str) {
        self.push(fig, check, measured, expected, tol, "|m-e|<=tol", (measured - expected).abs() <= tol, r);
    }
    /// `|measured − expected| <= rel·|expected|`.
    pub fn rel(&mut self, fig: &str, check: &str, measured: f64, expected: f64, rel: f64, r: &str) {
        self.abs(fig, check, measured, expected, rel * expected.abs(), r);
    }
    /// `lo <= measured <= hi` (written as expected = mid-point, tolerance = half-width).
    pub fn within(&mut self, fig: &str, check: &str, measured: f64, lo: f64, hi: f64, r: &str) {
        self.abs(fig, check, measured, 0.5 * (lo + hi), 0.5 * (hi - lo), r);
    }
    /// `measured >= bound`.
    pub fn at_least(&mut self, fig: &str, check: &str, measured: f64, bound: f64, r: &str) {
        self.push(fig, check, measured, bound, 0.0, "m>=e", measured >= bound, r);
    }
    /// `measured <= bound`.
    pub fn at_most(&mut self, fig: &str, check: &str, measured: f64, bound: f64, r: &str) {
        self.push(fig, check, measured, bound, 0.0, "m<=e", measured <= bound, r);
    }
    /// A yes/no claim (measured 1 or 0, expected 1).
    pub fn claim(&mut self, fig: &str, check: &str, holds: bool, r: &str) {
        self.push(fig, check, f64::from(u8::from(holds)), 1.0, 0.0, "m=e", holds, r);
    }
    /// A comparison that is reported but not enforced (FIGURES.md "soft check: warn only").
    pub fn info(&mut self, fig: &str, check: &str, measured: f64, expected: f64, r: &str) {
        self.push(fig, check, measured, expected, f64::NAN, "info", true, r);
    }
    /// A row judged elsewhere (measured, expected, tolerance, rule and verdict copied as is).
    #[allow(clippy::too_many_arguments)]
    pub fn copy(&mut self, fig: &str, check: &str, m: f64, e: f64, tol: f64, rule: &str, pass: bool, r: &str) {
        self.push(fig, check, m, e, tol, rule, pass, r);
    }
    /// The table.
    pub fn build(self) -> anyhow::Result<RecordBatch> {
        TableBuilder::new()
            .str("figure", self.figure)
            .str("check", self.check)
            .f64("measured", self.measured)
            .f64("expected", self.expected)
            .f64("tolerance", self.tolerance)
            .str("rule", self.rule)
            .bool("is_pass", self.pass)
            .bool("is_binding", self.binding)
            .str("reference", self.reference)
            .build()
    }
}

/// Adds the upstream parameters `keep` (when present) as constant columns of `n` rows, so that
/// figure footers can name them (e.g. the learning rate of the run a weight map comes from).
pub(crate) fn carry_some(mut b: TableBuilder, params: &Params, keep: &[&str], n: usize) -> TableBuilder {
    for k in keep {
        b = match params.get(*k) {
            Some(Value::Float(f)) => b.f64(k, vec![*f; n]),
            Some(Value::Int(i)) => b.i64(k, vec![*i; n]),
            Some(Value::Str(s)) => b.str(k, vec![s.clone(); n]),
            Some(Value::Bool(x)) => b.bool(k, vec![*x; n]),
            _ => b,
        };
    }
    b
}

/// A float parameter for `check()` (NaN when missing, so every comparison fails).
pub(crate) fn pf(p: &Params, k: &str) -> f64 {
    p.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// An integer parameter for `check()` (`i64::MIN` when missing).
pub(crate) fn pi(p: &Params, k: &str) -> i64 {
    p.get(k).and_then(Value::as_i64).unwrap_or(i64::MIN)
}

/// `Err(msg)` unless `cond`.
pub(crate) fn need(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(msg()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::table::{col_bool, col_f64, col_str};

    #[test]
    fn figure_checks_apply_their_rules() {
        let mut c = FigureChecks::default();
        c.abs("8", "in", 1.04, 1.0, 0.05, "");
        c.rel("8", "out", 1.2, 1.0, 0.1, "");
        c.within("9c", "range", 3.0, 1.0, 4.0, "");
        c.within("9c", "below range", 0.5, 1.0, 4.0, "");
        c.at_least("9a", "ge", 0.7, 0.7, "");
        c.at_most("9a", "le", 0.71, 0.7, "");
        c.claim("10a", "no", false, "");
        c.info("9b", "soft", 0.1, 0.2, "");
        c.abs("13d", "nan", f64::NAN, 1.0, 1.0, "");
        let t = c.build().unwrap();
        assert_eq!(col_bool(&t, "is_pass").unwrap(), vec![true, false, true, false, true, false, false, true, false]);
        assert_eq!(col_f64(&t, "expected").unwrap()[2], 2.5);
        assert_eq!(col_f64(&t, "tolerance").unwrap()[2], 1.5);
        assert_eq!(col_str(&t, "figure").unwrap()[6], "10a");
    }
}
