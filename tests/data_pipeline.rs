//! The data pipeline end to end through the real binary: the synthetic target publishes
//! every generator, and the published samples reproduce the teachers' exact statistics when
//! re-analysed here, independently of the stage code (Ising-ring correlations within 3 s.e.
//! for d ≤ 10, a χ² test of the Curie–Weiss overlap law); a dataset stage without data fails
//! with a message naming `make data` while the other stages publish; with the real data
//! present, the MNIST stage reproduces the training label counts.

mod common;
use common::*;
use pipeline::table::{col_f64, col_fixed_binary, col_i64, col_str, read_parquet};
use std::path::{Path, PathBuf};

fn one_table(res: &Path, stage: &str, output: &str) -> arrow::record_batch::RecordBatch {
    let parts = files_with_ext(&res.join(format!("tables/data/{stage}/{output}")), "parquet");
    assert_eq!(parts.len(), 1, "{stage}.{output}: {parts:?}");
    read_parquet(&parts[0]).unwrap()
}

fn all_tables(res: &Path, stage: &str, output: &str) -> Vec<arrow::record_batch::RecordBatch> {
    files_with_ext(&res.join(format!("tables/data/{stage}/{output}")), "parquet")
        .iter()
        .map(|p| read_parquet(p).unwrap())
        .collect()
}

/// Rows of the `v` column as i8 vectors.
fn rows(t: &arrow::record_batch::RecordBatch) -> (usize, Vec<i8>) {
    let (w, b) = col_fixed_binary(t, "v").unwrap();
    (w, b.into_iter().map(|x| x as i8).collect())
}

/// ln C(n, k) by summing logarithms (independent of any library routine).
fn ln_binom(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).map(|j| ((n - j) as f64).ln() - ((j + 1) as f64).ln()).sum()
}

/// Upper α-point of χ²(dof) by the Wilson–Hilferty cube-root normal approximation.
fn chi2_upper(dof: f64, z: f64) -> f64 {
    let a = 2.0 / (9.0 * dof);
    dof * (1.0 - a + z * a.sqrt()).powi(3)
}

#[test]
fn synthetic_target_reproduces_exact_statistics() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let file = root().join("pipelines/data.yaml");
    let o = rbmlab(&res, &["run", file.to_str().unwrap(), "-t", "synthetic", "-j", "2"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    assert_eq!(summary(&o, "data").failed, 0);

    // Ising ring (paper 002 Fig. 2): ⟨v_i v_{i+d}⟩ from the published configurations against
    // (t^d + t^{N−d})/(1 + t^N), s.e. from the spread of the per-configuration averages.
    let t = one_table(&res, "ising", "samples");
    let (n, v) = rows(&t);
    let s = t.num_rows();
    assert_eq!((n, s), (100, 10_000));
    assert!(v.iter().all(|x| *x == 1 || *x == -1));
    let beta = col_f64(&t, "beta").unwrap()[0];
    let th = beta.tanh();
    let exact = |d: usize| (th.powi(d as i32) + th.powi((n - d) as i32)) / (1.0 + th.powi(n as i32));
    let published = col_f64(&one_table(&res, "ising", "exact"), "correlation").unwrap();
    for d in 1..=10 {
        let per: Vec<f64> = (0..s)
            .map(|r| (0..n).map(|i| (v[r * n + i] * v[r * n + (i + d) % n]) as f64).sum::<f64>() / n as f64)
            .collect();
        let m = per.iter().sum::<f64>() / s as f64;
        let se = (per.iter().map(|c| (c - m).powi(2)).sum::<f64>() / (s as f64 - 1.0) / s as f64).sqrt();
        assert!((m - exact(d)).abs() <= 3.0 * se, "d = {d}: {m} vs {} (s.e. {se})", exact(d));
        assert!((published[d] - exact(d)).abs() < 1e-12, "exact table at d = {d}");
    }

    // Curie–Weiss: χ² of the sampled overlap histogram against P(k) ∝ C(N,k) e^{β(2k−N)²/2N}
    // (bins pooled to ≥ 5 expected counts), at every β of the sweep.
    let samples = all_tables(&res, "cw", "samples");
    let patterns = all_tables(&res, "cw", "patterns");
    assert_eq!(samples.len(), 3);
    for (t, p) in samples.iter().zip(&patterns) {
        let beta = col_f64(t, "beta").unwrap()[0];
        assert_eq!(col_f64(p, "beta").unwrap()[0], beta, "tables paired by β");
        let xi = col_i64(p, "xi").unwrap();
        let (n, v) = rows(t);
        let s = t.num_rows();
        let mut counts = vec![0.0; n + 1];
        for r in 0..s {
            let m: i64 = (0..n).map(|i| xi[i] * v[r * n + i] as i64).sum();
            counts[((m + n as i64) / 2) as usize] += 1.0;
        }
        let logw: Vec<f64> =
            (0..=n).map(|k| ln_binom(n, k) + beta * (2.0 * k as f64 - n as f64).powi(2) / (2.0 * n as f64)).collect();
        let top = logw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = logw.iter().map(|l| (l - top).exp()).sum();
        let (mut chi2, mut bins, mut o, mut e) = (0.0, 0usize, 0.0, 0.0);
        let mut last = (0.0, 0.0);
        for k in 0..=n {
            o += counts[k];
            e += (logw[k] - top).exp() / z * s as f64;
            if e >= 5.0 {
                chi2 += (o - e) * (o - e) / e;
                bins += 1;
                last = (o, e);
                (o, e) = (0.0, 0.0);
            }
        }
        // merge the short tail into the last bin
        chi2 += (last.0 + o - last.1 - e).powi(2) / (last.1 + e) - (last.0 - last.1).powi(2) / last.1;
        let dof = (bins - 1) as f64;
        let crit = chi2_upper(dof, 3.09); // α = 0.001
        assert!(chi2 < crit, "β = {beta}: χ² = {chi2:.1} over {dof} dof exceeds {crit:.1}");
    }

    // The pipeline's own checks agree, and the figures were drawn.
    let report = std::fs::read_to_string(res.join("figures/data/REPORT.md")).unwrap();
    let line = report.lines().find(|l| l.contains("checks pass")).unwrap();
    let nums: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|x| x.parse().ok()).collect();
    assert!(nums.len() >= 2 && nums[0] == nums[1] && nums[0] >= 30, "{line}\n{report}");
    for f in ["ising_configurations", "xy_configurations", "ising_correlation", "cw_overlap_law", "hopfield_lumps"] {
        assert!(res.join(format!("figures/data/{f}.png")).exists(), "{f}.png");
    }
}

#[test]
fn missing_data_dir_names_make_data_and_other_stages_publish() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let missing = tmp.path().join("no-data-here");
    let file = variant(
        &root().join("pipelines/data.yaml"),
        tmp.path(),
        "data.yaml",
        &[("data_dir: data", &format!("data_dir: {}", missing.display()))],
    );
    let o = rbmlab(&res, &["run", file.to_str().unwrap(), "-t", "mnist", "-t", "null_binary_check", "-j", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", out(&o), err(&o));
    let e = err(&o);
    assert!(e.contains("make data") && e.contains("SHA256SUMS") && e.contains("mnist"), "{e}");
    let s = summary(&o, "data");
    assert_eq!(s.failed, 1, "{}", out(&o));
    // The synthetic branch published its tables.
    let t = one_table(&res, "null_binary_check", "checks");
    assert!(col_str(&t, "check").unwrap()[0].contains("site means"));
    assert!(files_with_ext(&res.join("tables/data/mnist"), "parquet").is_empty());
}

fn real_data_dir() -> Option<PathBuf> {
    [root().join("data"), root().join("../shared/data")]
        .into_iter()
        .find(|d| d.join("SHA256SUMS").is_file() && d.join("mnist").is_dir())
}

#[test]
fn mnist_stage_keeps_the_training_labels() {
    let Some(dir) = real_data_dir() else {
        eprintln!("skipped: no data/ or ../shared/data with MNIST (run `make data`)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let file = variant(
        &root().join("pipelines/data.yaml"),
        tmp.path(),
        "data.yaml",
        &[("data_dir: data", &format!("data_dir: {}", dir.display()))],
    );
    let o = rbmlab(&res, &["run", file.to_str().unwrap(), "-t", "mnist", "--no-figures"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    let t = one_table(&res, "mnist", "samples");
    let labels = col_i64(&t, "label").unwrap();
    let mut counts = [0usize; 10];
    for l in &labels {
        counts[*l as usize] += 1;
    }
    assert_eq!(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    let (w, v) = rows(&t);
    assert_eq!((w, t.num_rows()), (784, 60_000));
    // Binarised at grey/255 > 0.5: only {0,1}; MNIST's ink covers about 13 % of the pixels
    // (mean grey 33.3 of 255, mostly saturated strokes).
    assert!(v.iter().all(|x| *x == 0 || *x == 1));
    let ones = v.iter().filter(|x| **x == 1).count() as f64 / v.len() as f64;
    assert!((0.10..0.16).contains(&ones), "fraction of ones {ones}");
    assert_eq!(col_i64(&t, "sample").unwrap()[..3], [0, 1, 2]);
}

#[test]
fn changed_data_is_refused_and_nothing_is_published() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &Path, tag: &str| {
        let res = tmp.path().join(format!("results-{tag}"));
        let file = variant(
            &root().join("pipelines/data.yaml"),
            tmp.path(),
            &format!("data-{tag}.yaml"),
            &[("data_dir: data", &format!("data_dir: {}", dir.display()))],
        );
        let o = rbmlab(&res, &["run", file.to_str().unwrap(), "-t", "mnist", "--no-figures"]);
        assert_eq!(o.status.code(), Some(1), "{}\n{}", out(&o), err(&o));
        assert!(files_with_ext(&res.join("tables/data/mnist"), "parquet").is_empty());
        err(&o)
    };
    // A checksum list describing other MNIST files than the pinned ones: refused up front.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let fake: String = [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    .iter()
    .map(|f| format!("{}  ./mnist/{f}\n", "ab".repeat(32)))
    .collect();
    std::fs::write(other.join("SHA256SUMS"), fake).unwrap();
    let e = run(&other, "other");
    assert!(e.contains("different mnist data set") && e.contains("PINNED"), "{e}");
    // The shipped list with a damaged file: the checksum mismatch names the file and `make data`.
    let Some(real) = real_data_dir() else { return };
    let damaged = tmp.path().join("damaged");
    std::fs::create_dir_all(damaged.join("mnist")).unwrap();
    std::fs::copy(real.join("SHA256SUMS"), damaged.join("SHA256SUMS")).unwrap();
    std::fs::write(damaged.join("mnist/train-images-idx3-ubyte.gz"), b"not the images").unwrap();
    let e = run(&damaged, "damaged");
    assert!(
        e.contains("checksum mismatch") && e.contains("train-images-idx3-ubyte.gz") && e.contains("make data"),
        "{e}"
    );
}
