//! Encoding of sample matrices in tables: one row per sample, the sample's values in a
//! fixed-width binary column (`f32` little-endian for real values, `i8` for discrete
//! values), as the README shows how to load with numpy.

use anyhow::Context;
use arrow::record_batch::RecordBatch;
use ndarray::Array2;
use pipeline::table::{self, TableBuilder};

/// Appends an `n × d` real matrix as column `name` (`4d` bytes per row, f32 LE).
pub fn put_f32_rows(b: TableBuilder, name: &str, x: &Array2<f64>) -> anyhow::Result<TableBuilder> {
    let d = x.ncols();
    let mut bytes = Vec::with_capacity(x.len() * 4);
    for v in x.iter() {
        bytes.extend_from_slice(&(*v as f32).to_le_bytes());
    }
    b.fixed_binary(name, 4 * d.max(1), &bytes)
}

/// Reads column `name` written by [`put_f32_rows`] back as an `n × d` f64 matrix.
pub fn get_f32_rows(t: &RecordBatch, name: &str) -> anyhow::Result<Array2<f64>> {
    let (w, bytes) = table::col_fixed_binary(t, name)?;
    anyhow::ensure!(w % 4 == 0, "column `{name}` has width {w}, not a multiple of 4 (f32)");
    let d = w / 4;
    let n = t.num_rows();
    let v: Vec<f64> = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect();
    Array2::from_shape_vec((n, d), v).context("sample matrix shape")
}

/// Appends an `n × d` discrete matrix as column `name` (`d` bytes per row, i8).
pub fn put_i8_rows(b: TableBuilder, name: &str, x: &Array2<i8>) -> anyhow::Result<TableBuilder> {
    let bytes: Vec<u8> = x.iter().map(|v| *v as u8).collect();
    b.fixed_binary(name, x.ncols().max(1), &bytes)
}

/// Reads column `name` written by [`put_i8_rows`].
pub fn get_i8_rows(t: &RecordBatch, name: &str) -> anyhow::Result<Array2<i8>> {
    let (w, bytes) = table::col_fixed_binary(t, name)?;
    Array2::from_shape_vec((t.num_rows(), w), bytes.into_iter().map(|b| b as i8).collect())
        .context("sample matrix shape")
}
