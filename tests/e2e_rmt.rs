//! Theory vs simulation for the random-matrix slice, through the real binary and the
//! tables it publishes: at d = 2000 the simulated squared overlap is within 0.05 of BBP for
//! λ ≥ 1.5 λc and below 0.1 for λ ≤ 0.5 λc, and the top eigenvalue within 3 %.

mod common;
use common::*;
use pipeline::table::{col_f64, read_parquet};
use std::collections::BTreeMap;

#[test]
fn bbp_thresholds_match_simulation_at_d2000() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let o = rbmlab(&res, &["run", pipeline("bbp_d2000.yaml").to_str().unwrap(), "-j", "2"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    let s = summary(&o, "bbp2000");
    assert_eq!((s.failed, s.computed), (0, 27));

    // Independent evaluation from the published simulation tables.
    let mut by_snr: BTreeMap<u64, Vec<(f64, f64, f64)>> = BTreeMap::new();
    let parts = files_with_ext(&res.join("tables/bbp2000/spectrum/top"), "parquet");
    assert_eq!(parts.len(), 25);
    for p in parts {
        let t = read_parquet(&p).unwrap();
        let (snr, ev, ov, g) = (
            col_f64(&t, "snr").unwrap(),
            col_f64(&t, "top_eigenvalue").unwrap(),
            col_f64(&t, "overlap2").unwrap(),
            col_f64(&t, "gamma").unwrap(),
        );
        assert_eq!(col_f64(&t, "d").unwrap()[0], 2000.0);
        by_snr.entry(snr[0].to_bits()).or_default().push((ev[0], ov[0], g[0]));
    }
    let mut checked = (0, 0);
    for (s, v) in by_snr {
        let lambda = f64::from_bits(s);
        let k = v.len() as f64;
        let gamma = v[0].2;
        let lc = gamma.sqrt();
        let ev = v.iter().map(|x| x.0).sum::<f64>() / k;
        let ov = v.iter().map(|x| x.1).sum::<f64>() / k;
        let (ev_th, ov_th) = if lambda > lc {
            ((1.0 + lambda) * (1.0 + gamma / lambda), (1.0 - gamma / (lambda * lambda)) / (1.0 + gamma / lambda))
        } else {
            ((1.0 + lc).powi(2), 0.0)
        };
        assert!((ev - ev_th).abs() <= 0.03 * ev_th, "λ = {lambda}: top eigenvalue {ev} vs {ev_th}");
        if lambda >= 1.5 * lc {
            assert!((ov - ov_th).abs() <= 0.05, "λ = {lambda}: overlap² {ov} vs {ov_th}");
            checked.0 += 1;
        } else if lambda <= 0.5 * lc {
            assert!(ov < 0.1, "λ = {lambda}: overlap² {ov} should vanish below threshold");
            checked.1 += 1;
        }
    }
    assert_eq!(checked, (3, 2), "both regimes covered");
    // The pipeline's own check table agrees, and the report was generated from it.
    let report = std::fs::read_to_string(res.join("figures/bbp2000/REPORT.md")).unwrap();
    assert!(report.contains("5 of 5 checks pass"), "{report}");
}

#[test]
fn quick_rmt_pipeline_draws_figures_with_text() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let file = root().join("pipelines/rmt.yaml");
    let o = rbmlab(&res, &["run", file.to_str().unwrap(), "-j", "2"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    for f in ["top_eigenvalue", "overlap"] {
        let png = res.join(format!("figures/rmt/{f}.png"));
        let svg = std::fs::read_to_string(res.join(format!("figures/rmt/{f}.svg"))).unwrap();
        assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "{f}.png too small");
        // The SVG carries the title and axis labels as text elements.
        assert!(svg.contains("<text") && svg.contains("SNR"), "{f}.svg has no text");
    }
    let report = std::fs::read_to_string(res.join("figures/rmt/REPORT.md")).unwrap();
    assert!(report.contains("checks pass"));
}
