//! The RBM engine through the pipeline: training (whole and in resumed blocks), exact
//! log-likelihoods checked against a brute-force enumeration written here, teacher recovery,
//! equilibrium sampling, and bad input.

mod common;
use common::*;
use pipeline::table::{col_f64, col_i64, col_str, read_parquet};
use std::path::Path;

fn table(res: &Path, stage: &str, out: &str) -> arrow::record_batch::RecordBatch {
    let parts = files_with_ext(&res.join(format!("tables/engine/{stage}/{out}")), "parquet");
    assert_eq!(parts.len(), 1, "{stage}.{out}");
    read_parquet(&parts[0]).unwrap()
}

fn spins(t: &arrow::record_batch::RecordBatch) -> Vec<Vec<f64>> {
    let (w, b) = pipeline::table::col_fixed_binary(t, "v").unwrap();
    b.chunks(w).map(|r| r.iter().map(|x| *x as i8 as f64).collect()).collect()
}

/// log Σ_h exp(vᵀWh + bᵀv + cᵀh) for ±1 hidden units: bᵀv + Σ_μ ln 2cosh((vᵀW)_μ + c_μ).
fn log_unnorm(v: &[f64], w: &[Vec<f64>], b: &[f64], c: &[f64]) -> f64 {
    let mut s: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
    for mu in 0..c.len() {
        let x: f64 = v.iter().enumerate().map(|(i, vi)| vi * w[i][mu]).sum::<f64>() + c[mu];
        s += (2.0 * x.cosh()).ln();
    }
    s
}

fn log_z(n: usize, w: &[Vec<f64>], b: &[f64], c: &[f64]) -> f64 {
    let terms: Vec<f64> = (0..1u32 << n)
        .map(|m| {
            let v: Vec<f64> = (0..n).map(|i| if m >> i & 1 == 1 { 1.0 } else { -1.0 }).collect();
            log_unnorm(&v, w, b, c)
        })
        .collect();
    let mx = terms.iter().cloned().fold(f64::MIN, f64::max);
    mx + terms.iter().map(|t| (t - mx).exp()).sum::<f64>().ln()
}

#[test]
fn training_resume_loglik_and_sampling() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let o = rbmlab(&res, &["run", pipeline("engine.yaml").to_str().unwrap(), "-j", "2"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    assert_eq!(summary(&o, "engine").computed, 6);

    // 1. Two resumed blocks give exactly the unsplit run.
    for out_name in ["weights", "biases"] {
        let (a, b) = (table(&res, "whole", out_name), table(&res, "block2", out_name));
        let last = |t: &arrow::record_batch::RecordBatch| {
            let ck = col_i64(t, "checkpoint").unwrap();
            let v = col_f64(t, if out_name == "weights" { "w" } else { "value" }).unwrap();
            ck.iter().zip(v).filter(|(c, _)| **c == 6).map(|(_, v)| v).collect::<Vec<_>>()
        };
        assert_eq!(last(&a), last(&b), "{out_name} after resume");
    }
    assert_eq!(spins(&table(&res, "whole", "chains")), spins(&table(&res, "block2", "chains")));

    // 2. The exact log-likelihood stage against a brute-force enumeration done here.
    let wt = table(&res, "whole", "weights");
    let bt = table(&res, "whole", "biases");
    let data = spins(&table(&res, "teacher", "samples"));
    let n = data[0].len();
    let ll = table(&res, "loglik", "loglik");
    let (ll_ck, ll_v) = (col_i64(&ll, "checkpoint").unwrap(), col_f64(&ll, "ll").unwrap());
    for ck in [0i64, 3, 6] {
        let mut w = vec![vec![0.0; 2]; n];
        let (c, i, mu, v) = (
            col_i64(&wt, "checkpoint").unwrap(),
            col_i64(&wt, "i").unwrap(),
            col_i64(&wt, "mu").unwrap(),
            col_f64(&wt, "w").unwrap(),
        );
        for r in 0..c.len() {
            if c[r] == ck {
                w[i[r] as usize][mu[r] as usize] = v[r];
            }
        }
        let (mut b, mut h) = (vec![0.0; n], vec![0.0; 2]);
        let (c, l, i, v) = (
            col_i64(&bt, "checkpoint").unwrap(),
            col_str(&bt, "layer").unwrap(),
            col_i64(&bt, "i").unwrap(),
            col_f64(&bt, "value").unwrap(),
        );
        for r in 0..c.len() {
            if c[r] == ck {
                if l[r] == "visible" { b[i[r] as usize] = v[r] } else { h[i[r] as usize] = v[r] }
            }
        }
        let lz = log_z(n, &w, &b, &h);
        let mean = data.iter().map(|v| log_unnorm(v, &w, &b, &h) - lz).sum::<f64>() / data.len() as f64;
        let got = ll_v[ll_ck.iter().position(|x| *x == ck).unwrap()];
        assert!((got - mean).abs() < 1e-6, "checkpoint {ck}: stage {got} vs enumeration {mean}");
    }

    // 3. Teacher recovery: the trained machine's LL on the data is within 0.02 nats/unit of the teacher's.
    let tw = table(&res, "teacher", "weights");
    let mut w = vec![vec![0.0; 2]; n];
    let (i, mu, v) = (col_i64(&tw, "i").unwrap(), col_i64(&tw, "mu").unwrap(), col_f64(&tw, "w").unwrap());
    for r in 0..i.len() {
        w[i[r] as usize][mu[r] as usize] = v[r];
    }
    let lz = log_z(n, &w, &vec![0.0; n], &[0.0, 0.0]);
    let teacher =
        data.iter().map(|v| log_unnorm(v, &w, &vec![0.0; n], &[0.0, 0.0]) - lz).sum::<f64>() / data.len() as f64;
    let trained = *ll_v.last().unwrap();
    assert!((teacher - trained) / (n as f64) < 0.02, "teacher {teacher} vs trained {trained}");

    // 4. Equilibrium samples: 200 chains × 5 samples, ±1 values, ⟨v_i⟩ ≈ 0 by symmetry (no fields).
    let s = spins(&table(&res, "equilibrium", "samples"));
    assert_eq!(s.len(), 1000);
    assert!(s.iter().flatten().all(|x| *x == 1.0 || *x == -1.0));
}

#[test]
fn engine_bad_input_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    // k = 0 is refused at plan time with the position.
    let v = variant(
        &pipeline("engine.yaml"),
        tmp.path(),
        "k0.yaml",
        &[(
            "k: 5, n_chains: 100, lr: 0.05, batch_size: 100, epochs: 6, checkpoints: every_epoch, ll: auto, visible_bias_init: data_mean, test_fraction: 0.25}\n  block1",
            "k: 0, n_chains: 100, lr: 0.05, batch_size: 100, epochs: 6, checkpoints: every_epoch, ll: auto, visible_bias_init: data_mean, test_fraction: 0.25}\n  block1",
        )],
    );
    let o = rbmlab(&res, &["plan", v.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(err(&o).contains("k0.yaml:") && err(&o).contains("k must be >= 1"), "{}", err(&o));
    // Negative learning rate.
    let v = variant(
        &pipeline("engine.yaml"),
        tmp.path(),
        "lr.yaml",
        &[(
            "lr: 0.05, batch_size: 100, epochs: 6, checkpoints: every_epoch, ll: auto, visible_bias_init: data_mean, test_fraction: 0.25}\n  block1",
            "lr: -0.05, batch_size: 100, epochs: 6, checkpoints: every_epoch, ll: auto, visible_bias_init: data_mean, test_fraction: 0.25}\n  block1",
        )],
    );
    let o = rbmlab(&res, &["plan", v.to_str().unwrap()]);
    assert!(!o.status.success() && err(&o).contains("learning rate"), "{}", err(&o));
    // A diverging run (huge learning rate, Gaussian hidden units) stops with a clear error and publishes nothing.
    let f = tmp.path().join("nan.yaml");
    std::fs::write(
        &f,
        "version: 1\npipeline: nan\nstages:\n  d:\n    kind: generate_ising_ring\n    params: {n: 20, beta: 1.0, n_samples: 500, seed: 1}\n  t:\n    kind: rbm_train\n    inputs: {data: d.samples}\n    params: {visible: ising, hidden: gaussian, n_hidden: 4, lr: 1.0e6, batch_size: 50, epochs: 5, k: 1, ll: none, seed: 1}\n",
    )
    .unwrap();
    let o = rbmlab(&res, &["run", f.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(err(&o).to_lowercase().contains("non-finite") || err(&o).contains("NaN"), "{}", err(&o));
    assert_eq!(summary(&o, "nan").failed, 1);
    assert!(
        !res.join("tables/nan/t/weights").exists() || files_with_ext(&res.join("tables/nan/t"), "parquet").is_empty()
    );
    // A data table whose width does not match the resumed state.
    let v = variant(
        &pipeline("engine.yaml"),
        tmp.path(),
        "width.yaml",
        &[(
            "kind: rbm_train_resume\n    inputs: {data: teacher.samples, from: block1.state}\n    params: {visible: ising, hidden: ising, n_hidden: 2",
            "kind: rbm_train_resume\n    inputs: {data: teacher.samples, from: block1.state}\n    params: {visible: ising, hidden: ising, n_hidden: 3",
        )],
    );
    let o = rbmlab(&res, &["run", v.to_str().unwrap()]);
    assert!(!o.status.success() && err(&o).contains("resume state holds"), "{}", err(&o));
}
