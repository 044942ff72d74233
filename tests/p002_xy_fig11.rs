//! Paper 002 Fig. 11 chain (pipelines/include/paper002_xy.yaml) end to end at two small training
//! sets with two independent runs each: the summary stage averages over the runs at each r, and
//! the trainer obeys the one-hot Potts identity behind the Fig. 11b reading of eq. (17): the
//! gradient of `Σ_v w_{i,v}` is `⟨h⟩_data − ⟨h⟩_model` at every site, so all site sums move by one
//! common amount (their spread over sites stays at f32 rounding while the zero-sum weights grow).
//! The per-r means are recomputed here from the per-run tables, independently of the stage.

mod common;
use common::*;
use pipeline::table::{col_f64, col_i64, col_str, read_parquet};
use std::path::Path;

fn tables(res: &Path, stage: &str, out: &str) -> Vec<arrow::record_batch::RecordBatch> {
    files_with_ext(&res.join(format!("tables/p002xy_f11_test/{stage}/{out}")), "parquet")
        .iter()
        .map(|p| read_parquet(p).unwrap())
        .collect()
}

/// One run's row: (r, seed, spatial amplitude, peak/median, site-sum drift s.d., ‖w̃‖).
type Run = (f64, i64, f64, f64, f64, f64);
#[test]
fn fig11_averages_independent_runs_and_site_sums_drift_together() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let file = pipeline("p002_xy_fig11_test.yaml");
    let o = rbmlab(&res, &["run", file.to_str().unwrap(), "--profile", "tiny", "-t", "tiny", "-j", "2"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    assert_eq!(summary(&o, "p002xy_f11_test").failed, 0);

    // Per-run rows: (r, seed, amplitude, peak/median, drift sd, |drift mean|, zero-sum norm).
    let mut runs = Vec::new();
    for t in tables(&res, "xy_f11_rf", "units") {
        let (r, seed) = (col_f64(&t, "r").unwrap()[0], col_i64(&t, "seed").unwrap()[0]);
        let g = |c: &str| col_f64(&t, c).unwrap()[0];
        runs.push((r, seed, g("spatial_amplitude"), g("peak_over_median"), g("gauge_drift_sd"), g("weight_norm")));
    }
    assert_eq!(runs.len(), 4, "two r values x two runs");
    for &(r, seed, _, _, sd, norm) in &runs {
        // The zero-sum weights have grown well above their initial norm (0.01·√(N(P−1)) = 0.3),
        // while the site sums moved together: their spread over sites is f32 rounding.
        assert!(norm > 0.5, "r = {r}, seed {seed}: ||w~|| = {norm}");
        assert!(sd < 1e-4 * norm, "r = {r}, seed {seed}: spread of the site-sum drift {sd} vs ||w~|| {norm}");
    }
    let mut seeds: Vec<i64> = runs.iter().map(|x| x.1).collect();
    seeds.sort();
    seeds.dedup();
    assert_eq!(seeds.len(), 2, "independent runs use distinct seeds: {seeds:?}");

    // The summary's means and ratio, recomputed from the per-run rows.
    let mean = |r: f64, f: &dyn Fn(&Run) -> f64| {
        let v: Vec<f64> = runs.iter().filter(|x| (x.0 - r).abs() < 1e-12).map(f).collect();
        assert_eq!(v.len(), 2);
        v.iter().sum::<f64>() / 2.0
    };
    let s = &tables(&res, "xy_fig11_checks", "summary")[0];
    let (rs, n) = (col_f64(s, "r").unwrap(), col_i64(s, "n_runs").unwrap());
    let (ratio, pom) = (col_f64(s, "spatial_ratio").unwrap(), col_f64(s, "peak_over_median").unwrap());
    assert_eq!(rs, vec![0.2, 0.1]);
    assert_eq!(n, vec![2, 2]);
    let want = mean(0.1, &|x| x.2) / mean(0.2, &|x| x.2);
    assert!((ratio[1] - want).abs() < 1e-12 * want.abs(), "ratio {} vs {want}", ratio[1]);
    assert!((pom[0] - mean(0.2, &|x| x.3)).abs() < 1e-12);
    // r = 0.1 >= 0.066: one binding 11a row with the s.e. in its text; both 11b readings per r.
    let c = &tables(&res, "xy_fig11_checks", "checks")[0];
    let (fig, chk, rule) = (col_str(c, "figure").unwrap(), col_str(c, "check").unwrap(), col_str(c, "rule").unwrap());
    let rows_11a: Vec<usize> = (0..c.num_rows()).filter(|&k| fig[k] == "11a" && rule[k] != "info").collect();
    assert_eq!(rows_11a.len(), 1);
    assert!(chk[rows_11a[0]].contains("s.e. over 2 runs"), "{}", chk[rows_11a[0]]);
    assert_eq!((0..c.num_rows()).filter(|&k| fig[k] == "11b" && rule[k] == "m<=e").count(), 2);
    assert_eq!((0..c.num_rows()).filter(|&k| fig[k] == "11b" && chk[k].contains("as printed")).count(), 2);
}
