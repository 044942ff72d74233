//! Stage kinds of the `theory` crate: one adapter per solver of papers 000–002, each
//! turning typed parameters into long tables (and, where the paper quotes a number, a
//! `checks` table that `rbmlab run` copies into REPORT.md).
//!
//! | file | kinds | paper / figure |
//! |---|---|---|
//! | [`linear`] | `linear_rbm_dynamics` | 000 Fig. 1 |
//! | [`replica`] | `rs_phase_diagram` | 000 eqs. 10–12, RS phase diagram |
//! | [`meanfield`] | `bg_rbm_learning`, `hopfield_saddle_curve`, `hopfield_learning`, `free_energy_landscape` | 001 Figs. 1, 6 |
//! | [`reaction_diffusion`] | `rd_lattice`, `rd_continuum`, `rd_sech_profiles` | 002 Fig. 14 |
//! | [`thresholds`] | `rmt_threshold_curve`, `retarded_learning_line`, `rmt_threshold_checks` | 002 Figs. 7, 12, 13(d) |
//!
//! Conventions shared by every kind here:
//! * `check()` rejects out-of-domain parameters at plan time (the message becomes a
//!   `file:line:column` error); where the domain is not a simple inequality, `check()`
//!   calls the solver's own validation on the parameters.
//! * A solver that fails to converge makes the stage fail with the solver's message
//!   (it names the solver, iterations and residual); solvers that report convergence per
//!   row instead (the RS phase diagram) get an explicit `converged` column.
//! * A `checks` table has columns `check`, `measured`, `expected` (the paper's value or
//!   closed form), `tolerance` (absolute), `rule` (`|m-e|<=tol`, `m<=e`, `m>=e`, or `m=e`
//!   for yes/no claims), `is_pass` (the rule holds and `measured` is finite) and
//!   `reference` (paper, equation or figure).

pub mod linear;
pub mod meanfield;
pub mod reaction_diffusion;
pub mod replica;
pub mod thresholds;

use crate::fp::fingerprint;
use arrow::record_batch::RecordBatch;
use pipeline::table::TableBuilder;
use pipeline::{Params, Registry, Value};

/// Registers this module's stage kinds.
pub fn register(r: &mut Registry) {
    linear::register(r);
    replica::register(r);
    meanfield::register(r);
    reaction_diffusion::register(r);
    thresholds::register(r);
}

/// Code fingerprint of a kind implemented in `kinds/theory/<file>` on top of the theory
/// crate: the fingerprint of that file combined with the one of this shared module, so an
/// edit to the shared helpers also invalidates the cache.
pub(crate) fn code(file: &str) -> String {
    let own = fingerprint(&["theory"], &format!("kinds/theory/{file}"));
    let shared = fingerprint(&[], "kinds/theory/mod.rs");
    let mut h = blake3::Hasher::new();
    h.update(own.as_bytes());
    h.update(shared.as_bytes());
    format!("b3:{}", &h.finalize().to_hex()[..32])
}

/// Rows of a `checks` table.
#[derive(Default)]
pub(crate) struct Checks {
    check: Vec<String>,
    measured: Vec<f64>,
    expected: Vec<f64>,
    tolerance: Vec<f64>,
    rule: Vec<&'static str>,
    pass: Vec<bool>,
    reference: Vec<String>,
}

impl Checks {
    fn push(&mut self, check: &str, m: f64, e: f64, tol: f64, rule: &'static str, pass: bool, r: &str) {
        self.check.push(check.to_string());
        self.measured.push(m);
        self.expected.push(e);
        self.tolerance.push(tol);
        self.rule.push(rule);
        self.pass.push(m.is_finite() && pass);
        self.reference.push(r.to_string());
    }
    /// Adds `|measured − expected| <= tol`.
    pub fn abs(&mut self, check: &str, measured: f64, expected: f64, tol: f64, reference: &str) {
        let ok = (measured - expected).abs() <= tol;
        self.push(check, measured, expected, tol, "|m-e|<=tol", ok, reference);
    }
    /// Adds `|measured − expected| <= rel |expected|` (the tolerance column holds `rel |expected|`).
    pub fn rel(&mut self, check: &str, measured: f64, expected: f64, rel: f64, reference: &str) {
        self.abs(check, measured, expected, rel * expected.abs(), reference);
    }
    /// Adds a yes/no claim (measured 1 or 0, expected 1).
    pub fn claim(&mut self, check: &str, holds: bool, reference: &str) {
        self.push(check, f64::from(u8::from(holds)), 1.0, 0.0, "m=e", holds, reference);
    }
    /// Adds `measured <= bound`.
    pub fn at_most(&mut self, check: &str, measured: f64, bound: f64, reference: &str) {
        self.push(check, measured, bound, 0.0, "m<=e", measured <= bound, reference);
    }
    /// Adds `measured >= bound`.
    pub fn at_least(&mut self, check: &str, measured: f64, bound: f64, reference: &str) {
        self.push(check, measured, bound, 0.0, "m>=e", measured >= bound, reference);
    }
    /// The table.
    pub fn build(self) -> anyhow::Result<RecordBatch> {
        TableBuilder::new()
            .str("check", self.check)
            .f64("measured", self.measured)
            .f64("expected", self.expected)
            .f64("tolerance", self.tolerance)
            .str("rule", self.rule.iter().map(|s| s.to_string()).collect())
            .bool("is_pass", self.pass)
            .str("reference", self.reference)
            .build()
    }
}

/// A float parameter for `check()` (NaN when missing, so every comparison fails).
pub(crate) fn pf(p: &Params, k: &str) -> f64 {
    p.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// An integer parameter for `check()` (`i64::MIN` when missing).
pub(crate) fn pi(p: &Params, k: &str) -> i64 {
    p.get(k).and_then(Value::as_i64).unwrap_or(i64::MIN)
}

/// A string parameter for `check()`.
pub(crate) fn ps<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or("")
}

/// A float-list parameter for `check()`.
pub(crate) fn pfl(p: &Params, k: &str) -> Vec<f64> {
    p.get(k).and_then(Value::as_f64_list).unwrap_or_default()
}

/// `Err(msg)` unless `cond`.
pub(crate) fn need(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(msg()) }
}

/// Runs a theory-crate validation at plan time, turning its error into the message.
pub(crate) fn solver_ok<T>(r: theory::Result<T>) -> Result<(), String> {
    r.map(|_| ()).map_err(|e| e.to_string())
}

/// `n` evenly spaced values from `a` to `b` inclusive (`n >= 2`).
pub(crate) fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n).map(|k| a + (b - a) * k as f64 / (n - 1) as f64).collect()
}

/// `n` log-spaced values from `a > 0` to `b` inclusive (`n >= 2`).
pub(crate) fn logspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    let (la, lb) = (a.ln(), b.ln());
    (0..n).map(|k| (la + (lb - la) * k as f64 / (n - 1) as f64).exp()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::table::{col_bool, col_f64};

    #[test]
    fn check_rules_pass_exactly_inside_the_tolerance() {
        let mut c = Checks::default();
        c.abs("inside", 1.04, 1.0, 0.05, "");
        c.rel("outside", 1.2, 1.0, 0.1, "");
        c.claim("claim", true, "");
        c.claim("false claim", false, "");
        c.at_most("below", 0.3, 0.5, "");
        c.at_most("above", 0.7, 0.5, "");
        c.at_least("at least", 0.7, 0.5, "");
        c.abs("nan", f64::NAN, 1.0, 1.0, "");
        let t = c.build().unwrap();
        assert_eq!(col_bool(&t, "is_pass").unwrap(), vec![true, false, true, false, true, false, true, false]);
        assert_eq!(col_f64(&t, "measured").unwrap()[4], 0.3);
    }

    #[test]
    fn grids_hit_both_ends() {
        let l = logspace(1e-3, 10.0, 5);
        assert!((l[0] - 1e-3).abs() < 1e-15 && (l[4] - 10.0).abs() < 1e-12);
        assert!((l[2] - 0.1).abs() < 1e-12);
        assert_eq!(linspace(0.0, 1.0, 3), vec![0.0, 0.5, 1.0]);
    }
}
