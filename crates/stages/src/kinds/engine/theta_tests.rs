//! Stage-level tests of trainable double-well thresholds: the `theta` output, the exact θ step,
//! resumption with θ in the `state` table, and the refusal to rebuild such a machine without θ.

use super::*;
use pipeline::Upstream;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::BTreeMap;

/// Train-stage parameters: defaults, then an Ising × 2 double-well machine (θ₀ = −1) trained
/// with the exact gradient, then `over`.
fn params(over: &[(&str, Value)]) -> Params {
    let base = [
        ("visible", s("ising")),
        ("hidden", s("double_well")),
        ("theta", Value::Float(-1.0)),
        ("theta_mode", s("trainable")),
        ("n_hidden", Value::Int(2)),
        ("sampler", s("exact")),
        ("lr", Value::Float(0.05)),
        ("batch_size", Value::Int(30)),
        ("epochs", Value::Int(4)),
        ("checkpoints", s("every_epoch")),
        ("ll", s("none")),
        ("precision", s("f64")),
        ("weight_std", Value::Float(0.5)),
        ("seed", Value::Int(3)),
    ];
    super::tests::train_params(&base, over)
}

/// 30 seeded ±1 rows of 5 spins.
fn data() -> RecordBatch {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let v = Array2::from_shape_fn((30, 5), |_| if rand::RngExt::random::<bool>(&mut rng) { 1i8 } else { -1 });
    codec::put_i8_rows(TableBuilder::new().i64("sample", (0..30).collect()), "v", &v).unwrap().build().unwrap()
}

fn run(p: &Params, from: Option<Upstream>) -> anyhow::Result<BTreeMap<String, RecordBatch>> {
    super::tests::run_stage(p, data(), from)
}

/// θ_μ at checkpoint `ck` of a `theta` table.
fn theta_at(t: &RecordBatch, ck: i64) -> Vec<f64> {
    let c = table::col_i64(t, "checkpoint").unwrap();
    c.iter().zip(table::col_f64(t, "theta").unwrap()).filter(|(x, _)| **x == ck).map(|(_, v)| v).collect()
}

/// The `theta` table holds θ₀ at checkpoint 0 and then the trained values; the first exact SGD step
/// moves each θ_μ by lr × the finite-difference derivative of the exact mean log-likelihood of the
/// machine rebuilt from the checkpoint-0 weights and biases.
#[test]
fn theta_table_records_the_exact_theta_step() {
    let p = params(&[("epochs", Value::Int(1)), ("checkpoints", s("log:1"))]);
    let out = run(&p, None).unwrap();
    let th = &out["theta"];
    assert_eq!(theta_at(th, 0), vec![-1.0, -1.0]);
    let t1 = theta_at(th, 1);
    // Rebuild the initial machine (frozen-θ reader on purpose: θ₀ is the shared value).
    let frozen = |mut q: Params| {
        q.insert("theta_mode".into(), s("frozen"));
        q
    };
    let w = Upstream { key: "w".into(), stage: "t".into(), params: frozen(p.clone()), table: out["weights"].clone() };
    let b = Upstream { key: "b".into(), stage: "t".into(), params: frozen(p.clone()), table: out["biases"].clone() };
    let (r0, _, _) = rbm_at::<f64>(&w, &b, 0).unwrap();
    let x = data_matrix::<f64>(&data(), Units::Ising, None).unwrap();
    let eps = 1e-5;
    for mu in 0..2 {
        let ll = |d: f64| {
            let mut t = ndarray::Array1::from_elem(2, -1.0);
            t[mu] += d;
            let mut q = r0.clone();
            q.hidden = q.hidden.clone().with_theta(t).unwrap();
            model::exact::log_likelihood(&q, x.view()).unwrap()
        };
        let fd = (ll(eps) - ll(-eps)) / (2.0 * eps);
        let step = (t1[mu] + 1.0) / 0.05;
        assert!((step - fd).abs() < 1e-6 * (1.0 + fd.abs()), "μ={mu}: {step} vs {fd}");
    }
    // Readers that rebuild machines from weights and biases alone refuse a trained θ.
    let wt = Upstream { key: "w".into(), stage: "t".into(), params: p.clone(), table: out["weights"].clone() };
    assert!(rbm_at::<f64>(&wt, &b, 0).unwrap_err().to_string().contains("theta"));
}

/// Two blocks (state handed over) reach the unsplit run's θ exactly; frozen θ stays at θ₀.
#[test]
fn trainable_theta_survives_resume() {
    let whole = run(&params(&[]), None).unwrap();
    let b1p = params(&[("stop_epoch", Value::Int(2))]);
    let b1 = run(&b1p, None).unwrap();
    let from = Upstream { key: "b1".into(), stage: "b1".into(), params: b1p, table: b1["state"].clone() };
    let b2 = run(&params(&[]), Some(from)).unwrap();
    assert_eq!(theta_at(&whole["theta"], 4), theta_at(&b2["theta"], 4));
    assert_ne!(theta_at(&b1["theta"], 2), theta_at(&b2["theta"], 4));
    let frozen = run(&params(&[("theta_mode", s("frozen"))]), None).unwrap();
    assert_eq!(theta_at(&frozen["theta"], 4), vec![-1.0, -1.0]);
    assert!(run(&params(&[("hidden", s("ising"))]), None).is_err(), "trainable θ needs double-well units");
}
