//! The theory pipeline (pipelines/theory.yaml) end to end through the real binary: every
//! stage computes, every figure is drawn with text, every `checks` row passes, a few
//! published numbers are re-derived here independently from the tables, and
//! out-of-domain parameters are rejected at plan time with a file:line:column error.

mod common;
use common::*;
use pipeline::table::{col_bool, col_f64, col_str, read_parquet};
use std::path::Path;

const FIGURES: &[&str] = &[
    "p000_linear_modes",
    "p000_linear_likelihood",
    "p000_rs_phase_diagram",
    "p001_cw_growth",
    "p001_cw_inset",
    "p001_hopfield_saddles",
    "p001_hopfield_learning",
    "p001_landscape",
    "p002_thresholds_ising",
    "p002_thresholds_xy",
    "p002_retarded_learning",
    "p002_lattice_profiles",
    "p002_sech_profiles",
    "p002_pde_profile",
];

fn parts(res: &Path, stage: &str, output: &str) -> Vec<arrow::record_batch::RecordBatch> {
    let v: Vec<_> = files_with_ext(&res.join(format!("tables/theory/{stage}/{output}")), "parquet")
        .iter()
        .map(|p| read_parquet(p).unwrap())
        .collect();
    assert!(!v.is_empty(), "no table for {stage}.{output}");
    v
}

#[test]
fn theory_pipeline_runs_draws_every_figure_and_all_checks_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let file = root().join("pipelines/theory.yaml");
    let t0 = std::time::Instant::now();
    let o = rbmlab(&res, &["run", file.to_str().unwrap(), "--profile", "quick", "-j", "2"]);
    let secs = t0.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    let s = summary(&o, "theory");
    assert_eq!(s.failed, 0, "{}", out(&o));
    println!("theory.yaml quick: {} tasks in {secs:.1} s", s.tasks);

    for f in FIGURES {
        let png = res.join(format!("figures/theory/{f}.png"));
        let svg = std::fs::read_to_string(res.join(format!("figures/theory/{f}.svg")))
            .unwrap_or_else(|e| panic!("{f}.svg: {e}"));
        assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "{f}.png too small");
        assert!(svg.contains("<text") && svg.contains("paper"), "{f}.svg lacks its title text");
        assert!(svg.contains("rbmlab"), "{f}.svg lacks the footer");
    }

    // Every check row of every stage passes, and the report says so.
    let mut n_checks = 0;
    for p in files_with_ext(&res.join("tables/theory"), "parquet") {
        if p.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "checks") {
            let t = read_parquet(&p).unwrap();
            let (names, pass, m) =
                (col_str(&t, "check").unwrap(), col_bool(&t, "is_pass").unwrap(), col_f64(&t, "measured").unwrap());
            for i in 0..t.num_rows() {
                assert!(pass[i], "{}: check `{}` failed (measured {})", p.display(), names[i], m[i]);
                n_checks += 1;
            }
        }
    }
    assert!(n_checks >= 40, "only {n_checks} checks");
    let report = std::fs::read_to_string(res.join("figures/theory/REPORT.md")).unwrap();
    assert!(report.contains(&format!("{n_checks} of {n_checks} checks pass")), "{report}");

    // Independent re-derivations from the published tables.
    // (1) PDE stationary b against the root of b = 4 sqrt(b - 2) found by bisection here.
    let (mut lo, mut hi) = (2.0f64, 8.0f64);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if mid - 4.0 * (mid - 2.0).sqrt() > 0.0 { lo = mid } else { hi = mid }
    }
    let b_pde = col_f64(&parts(&res, "rd_pde", "summary")[0], "b").unwrap()[0];
    assert!((b_pde / lo - 1.0).abs() < 0.01, "PDE b = {b_pde} vs bisection {lo}");
    // (2) beta_c(r) on the published grid against exp(2 beta) = (1 + sqrt r)^2.
    let c = &parts(&res, "rl_line", "curve")[0];
    for (r, b) in col_f64(c, "r").unwrap().iter().zip(col_f64(c, "beta_c").unwrap()) {
        assert!(((2.0 * b).exp() / (1.0 + r.sqrt()).powi(2) - 1.0).abs() < 1e-12);
    }
    // (3) CW learning: final rms(w)^2 = beta, with m from tanh iteration here.
    for t in parts(&res, "cw_learning", "curve") {
        let beta = col_f64(&t, "beta").unwrap()[0];
        let w = *col_f64(&t, "w_rms").unwrap().last().unwrap();
        assert!((w * w / beta - 1.0).abs() < 0.02, "beta {beta}: rms(w)^2 = {}", w * w);
        let mut m = 1.0f64;
        for _ in 0..10_000 {
            m = (beta * m).tanh();
        }
        let h = *col_f64(&t, "h_star").unwrap().last().unwrap();
        assert!((h / (beta.sqrt() * m) - 1.0).abs() < 0.02, "beta {beta}: h* = {h}");
    }
    // (4) RS phase diagram: deep in the ferromagnet (1/sigma = 2, w/sigma = 2.5, i.e. sigma =
    // 0.5, w = 1.25) the state is ferromagnetic; at w/sigma = 0, 1/sigma > 1 paramagnetic.
    let g = &parts(&res, "rs_phases", "grid")[0];
    let (ts, ws, ph) =
        (col_f64(g, "inv_sigma").unwrap(), col_f64(g, "w_over_sigma").unwrap(), col_str(g, "phase").unwrap());
    for i in 0..ts.len() {
        if ts[i] > 1.2 && ws[i] > ts[i] * 1.2 {
            assert_eq!(ph[i], "ferromagnetic", "({}, {})", ts[i], ws[i]);
        }
        if ts[i] > 1.2 && ws[i] < ts[i] * 0.8 {
            assert_eq!(ph[i], "paramagnetic", "({}, {})", ts[i], ws[i]);
        }
    }
}

#[test]
fn out_of_domain_parameters_are_rejected_with_a_location() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let src = root().join("pipelines/theory.yaml");
    let cases: &[(&str, &str, &str)] = &[
        (
            "params: {model: xy, beta: 1.5, n_states: 10, r_min: 0.001, r_max: 1.0}",
            "params: {model: xy, beta: 1.5, n_states: 10, r_min: -0.1, r_max: 1.0}",
            "r_min must be > 0",
        ),
        (
            "params: {kappa: 0.4, temperature: 0.5, n_visible: 1000",
            "params: {kappa: 0.4, temperature: -0.5, n_visible: 1000",
            "temperature must be > 0",
        ),
        (
            "params: {model: xy, beta: 1.5, n_states: 10",
            "params: {model: xy, beta: 1.5, n_states: 1",
            "n_states must be >= 2",
        ),
        ("law_u: gaussian, law_v: gaussian", "law_u: cauchy, law_v: gaussian", "component law must be"),
    ];
    for (k, (from, to, msg)) in cases.iter().enumerate() {
        let bad = variant(&src, tmp.path(), &format!("theory_bad{k}.yaml"), &[(from, to)]);
        let o = rbmlab(&res, &["plan", bad.to_str().unwrap()]);
        assert!(!o.status.success(), "case {k} was accepted");
        let e = err(&o);
        let name = format!("theory_bad{k}.yaml:");
        let at = e.find(&name).unwrap_or_else(|| panic!("no file location in: {e}"));
        let rest = &e[at + name.len()..];
        let mut it = rest.split(':');
        let (line, col) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
        assert!(
            line.parse::<usize>().is_ok() && col.split_whitespace().next().unwrap_or("").parse::<usize>().is_ok(),
            "no line:column in: {e}"
        );
        assert!(e.contains(msg), "case {k}: `{msg}` not in: {e}");
    }
}
