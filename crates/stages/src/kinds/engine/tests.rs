//! Stage-level tests of the `chains` output and of resuming runs whose sampler keeps no
//! persistent chains (exact enumeration, CD).

use super::*;
use pipeline::Upstream;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::BTreeMap;

const N_VISIBLE: usize = 6;

/// Every parameter of the train stage at its default, then `base`, then `over` (shared with the
/// θ tests).
pub(super) fn train_params(base: &[(&str, Value)], over: &[(&str, Value)]) -> Params {
    let mut p: Params = RbmTrain { resume: false }
        .info()
        .params
        .into_iter()
        .filter_map(|s| s.default.map(|d| (s.name.to_string(), d)))
        .collect();
    for (k, v) in base.iter().chain(over).cloned() {
        p.insert(k.to_string(), v);
    }
    p
}

/// The train parameters of these tests: an Ising × 2 machine trained by exact enumeration.
fn params(over: &[(&str, Value)]) -> Params {
    let base = [
        ("visible", s("ising")),
        ("hidden", s("ising")),
        ("n_hidden", Value::Int(2)),
        ("sampler", s("exact")),
        ("lr", Value::Float(0.05)),
        ("batch_size", Value::Int(10)),
        ("epochs", Value::Int(4)),
        ("checkpoints", s("every_epoch")),
        ("ll", s("none")),
        ("seed", Value::Int(7)),
    ];
    train_params(&base, over)
}

/// 40 seeded random rows: ±1 spins in `v`, or uniform values in [-1.5, 1.5) in `x` for Gaussian units.
fn data(gaussian: bool) -> RecordBatch {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let b = TableBuilder::new().i64("sample", (0..40).collect());
    let b = if gaussian {
        let x = Array2::from_shape_fn((40, N_VISIBLE), |_| 3.0 * rand::RngExt::random::<f64>(&mut rng) - 1.5);
        codec::put_f32_rows(b, "x", &x).unwrap()
    } else {
        let v =
            Array2::from_shape_fn((40, N_VISIBLE), |_| if rand::RngExt::random::<bool>(&mut rng) { 1i8 } else { -1 });
        codec::put_i8_rows(b, "v", &v).unwrap()
    };
    b.build().unwrap()
}

fn upstream(stage: &str, params: Params, table: RecordBatch) -> Upstream {
    Upstream { key: format!("{stage}-key"), stage: stage.into(), params, table }
}

/// Runs the train stage (`from`: the upstream state of a resumed block).
fn train(p: &Params, gaussian: bool, from: Option<Upstream>) -> anyhow::Result<BTreeMap<String, RecordBatch>> {
    run_stage(p, data(gaussian), from)
}

/// Runs the train stage on `data` (`from`: the upstream state of a resumed block; shared with the
/// θ tests).
pub(super) fn run_stage(
    p: &Params,
    data: RecordBatch,
    from: Option<Upstream>,
) -> anyhow::Result<BTreeMap<String, RecordBatch>> {
    let kind = RbmTrain { resume: from.is_some() };
    kind.check(p).map_err(anyhow::Error::msg)?;
    let mut inputs = BTreeMap::new();
    inputs.insert("data".to_string(), vec![upstream("data", Params::new(), data)]);
    if let Some(f) = from {
        inputs.insert("from".to_string(), vec![f]);
    }
    let progress = |_: u64, _: u64| {};
    let ctx = StageCtx { params: p, inputs, progress: &progress };
    Ok(kind.run(&ctx)?.into_iter().collect())
}

/// Writes a table as the runner publishes it (parameter columns prepended) and reads it back.
fn published(t: &RecordBatch, p: &Params) -> RecordBatch {
    let t = table::with_param_columns(t, p).unwrap();
    let mut buf = Vec::new();
    table::write_parquet(&mut buf, &t, &serde_json::json!({})).unwrap();
    table::read_parquet_bytes(buf.into()).unwrap()
}

#[test]
fn chainless_samplers_publish_zero_row_chains_with_the_pcd_schema() {
    // The reference schema is that of a PCD run of the same model, whose chains table is built
    // from real chains (the non-empty code path).
    for (visible, sampler, col, width) in
        [("ising", "exact", "v", N_VISIBLE), ("ising", "cd", "v", N_VISIBLE), ("gaussian", "cd", "x", 4 * N_VISIBLE)]
    {
        let gaussian = visible == "gaussian";
        let p = params(&[("visible", s(visible)), ("sampler", s(sampler)), ("epochs", Value::Int(2))]);
        let out = train(&p, gaussian, None).unwrap();
        let pcd_p = params(&[
            ("visible", s(visible)),
            ("sampler", s("pcd")),
            ("n_chains", Value::Int(5)),
            ("epochs", Value::Int(2)),
        ]);
        let pcd = train(&pcd_p, gaussian, None).unwrap();
        let (chains, pcd_chains) = (&out["chains"], &pcd["chains"]);
        assert_eq!(chains.num_rows(), 0, "{visible}/{sampler}");
        assert_eq!(pcd_chains.num_rows(), 5, "{visible}/pcd");
        assert_eq!(chains.schema(), pcd_chains.schema(), "{visible}/{sampler} vs pcd");
        // Through Parquet, as a reader sees it: zero rows, the binary column keeps its width.
        let back = published(chains, &p);
        assert_eq!(back.num_rows(), 0);
        assert_eq!(table::col_i64(&back, "chain").unwrap(), Vec::<i64>::new());
        assert_eq!(table::col_fixed_binary(&back, col).unwrap(), (width, vec![]), "{visible}/{sampler}");
        let rows = if gaussian {
            codec::get_f32_rows(&back, col).unwrap().dim()
        } else {
            codec::get_i8_rows(&back, col).unwrap().dim()
        };
        assert_eq!(rows, (0, N_VISIBLE));
        assert_eq!(
            back.schema().field_with_name(col).unwrap().data_type(),
            published(pcd_chains, &pcd_p).schema().field_with_name(col).unwrap().data_type()
        );
    }
}

/// Final (last-checkpoint) weights of a run.
fn last_weights(out: &BTreeMap<String, RecordBatch>) -> Vec<f64> {
    let t = &out["weights"];
    let ck = table::col_i64(t, "checkpoint").unwrap();
    let last = *ck.iter().max().unwrap();
    ck.iter().zip(table::col_f64(t, "w").unwrap()).filter(|(c, _)| **c == last).map(|(_, w)| w).collect()
}

#[test]
fn exact_sampler_runs_resume_bit_identically_and_refuse_a_sampler_change() {
    let whole_p = params(&[]);
    let whole = train(&whole_p, false, None).unwrap();
    let block1_p = params(&[("stop_epoch", Value::Int(2))]);
    let block1 = train(&block1_p, false, None).unwrap();
    let from = upstream("block1", block1_p.clone(), block1["state"].clone());
    let block2 = train(&whole_p, false, Some(from.clone())).unwrap();
    // Two blocks reach exactly the unsplit run's weights at epoch 4 (checkpoint 4).
    let ck = |o: &BTreeMap<String, RecordBatch>| table::col_i64(&o["weights"], "checkpoint").unwrap();
    assert_eq!(ck(&whole).into_iter().max(), Some(4));
    assert_eq!(ck(&block2).into_iter().max(), Some(4));
    assert_eq!(last_weights(&whole), last_weights(&block2));
    assert_ne!(last_weights(&block1), last_weights(&block2), "the resumed block trained further");
    assert_eq!(block2["chains"].num_rows(), 0);
    // Resuming an exact run with persistent chains would silently start fresh chains: refused.
    let pcd = params(&[("sampler", s("pcd"))]);
    let e = train(&pcd, false, Some(from.clone())).unwrap_err().to_string();
    assert!(e.contains("sampler `exact`") && e.contains("`pcd`"), "{e}");
    // The same state handed over without the upstream parameters: still refused, naming the chains.
    let bare = upstream("block1", Params::new(), from.table);
    let e = train(&pcd, false, Some(bare)).unwrap_err().to_string();
    assert!(e.contains("persistent chains"), "{e}");
}
