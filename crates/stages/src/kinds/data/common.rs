//! Helpers shared by the data stage kinds: code fingerprints over several module files,
//! parameter readers for `check()`, the sample-table writer/reader, and carrying upstream
//! parameters into analysis tables.

use crate::codec;
use arrow::record_batch::RecordBatch;
use data::Encoding;
use ndarray::Array2;
use pipeline::table::TableBuilder;
use pipeline::{Params, Value};

/// Name of the binary column holding one sample per row.
pub const SAMPLE_COLUMN: &str = "v";

/// Fingerprint of a kind implemented across several files of this module (paths under
/// `stages/src`) on top of the numeric crates `crates`: the digest of their individual
/// fingerprints, so an edit to any of the files or crates changes it.
pub fn code(crates: &[&str], files: &[&str]) -> String {
    crate::fp::fingerprint_files(crates, files)
}

/// Integer parameter for `check()` (absent or mistyped → `i64::MIN`, rejected by range checks).
pub fn int(p: &Params, k: &str) -> i64 {
    p.get(k).and_then(Value::as_i64).unwrap_or(i64::MIN)
}

/// Float parameter for `check()` (absent → NaN, rejected by range checks).
pub fn num(p: &Params, k: &str) -> f64 {
    p.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// String parameter for `check()`.
pub fn text<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or("")
}

/// `spin` → ±1 units, `binary` → {0, 1} units.
pub fn encoding(s: &str) -> Result<Encoding, String> {
    match s {
        "spin" => Ok(Encoding::Spin),
        "binary" => Ok(Encoding::Binary),
        o => Err(format!("encoding must be spin (±1) or binary ({{0,1}}), got `{o}`")),
    }
}

/// `Err` unless `lo <= p[k] <= hi` (integers).
pub fn int_in(p: &Params, k: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let v = int(p, k);
    if v < lo || v > hi {
        return Err(format!(
            "{k} must lie in [{lo}, {hi}], got {}",
            p.get(k).map(|v| v.to_string()).unwrap_or_default()
        ));
    }
    Ok(v)
}

/// `Err` unless `p[k]` is finite and within `[lo, hi]`.
pub fn num_in(p: &Params, k: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v = num(p, k);
    if !(v.is_finite() && v >= lo && v <= hi) {
        return Err(format!("{k} must be finite and lie in [{lo}, {hi}], got {v}"));
    }
    Ok(v)
}

/// The sample table of the module docs: `sample` indices, the `v` column, then any extra
/// columns added by `extra`.
pub fn samples_table(
    index: Vec<i64>,
    v: &Array2<i8>,
    extra: impl FnOnce(TableBuilder) -> TableBuilder,
) -> anyhow::Result<RecordBatch> {
    anyhow::ensure!(index.len() == v.nrows(), "{} sample indices for {} samples", index.len(), v.nrows());
    let b = codec::put_i8_rows(TableBuilder::new().i64("sample", index), SAMPLE_COLUMN, v)?;
    extra(b).build()
}

/// Reads the `v` column of a sample table.
pub fn read_samples(t: &RecordBatch) -> anyhow::Result<Array2<i8>> {
    codec::get_i8_rows(t, SAMPLE_COLUMN)
}

/// Converts unsigned unit values (Potts states, {0,1}) to the `i8` of the sample table.
pub fn to_i8(x: &Array2<u8>, max: u8) -> anyhow::Result<Array2<i8>> {
    anyhow::ensure!(max <= i8::MAX as u8, "unit values up to {max} do not fit an i8");
    if let Some(v) = x.iter().find(|&&v| v > max) {
        anyhow::bail!("unit value {v} exceeds {max}");
    }
    Ok(x.mapv(|v| v as i8))
}

/// Adds `params` (typically an upstream stage's) as constant columns of `n` rows, except
/// names in `skip` (pass the names the table already has); lists are skipped.
pub fn carry(mut b: TableBuilder, params: &Params, n: usize, skip: &[&str]) -> TableBuilder {
    for (k, v) in params {
        if skip.contains(&k.as_str()) {
            continue;
        }
        b = match v {
            Value::Float(f) => b.f64(k, vec![*f; n]),
            Value::Int(i) => b.i64(k, vec![*i; n]),
            Value::Str(s) => b.str(k, vec![s.clone(); n]),
            Value::Bool(x) => b.bool(k, vec![*x; n]),
            Value::List(_) => b,
        };
    }
    b
}

/// Mean and standard error of the mean of `x` (s.e. NaN for fewer than two values).
pub fn mean_sem(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    if x.len() < 2 {
        return (m, f64::NAN);
    }
    let var = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}
