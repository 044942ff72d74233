//! Tables: building Arrow record batches, writing them as Parquet with the house
//! conventions (zstd, portable types, the stage's parameters as constant columns,
//! provenance in the footer) and reading them back.

use crate::value::{Params, Value};
use arrow::array::{
    Array, ArrayRef, BooleanArray, FixedSizeBinaryArray, Float32Array, Float64Array, Int32Array, Int64Array,
    StringArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Footer key holding the provenance JSON.
pub const FOOTER_PROVENANCE: &str = "rbmlab.provenance";
/// Footer key holding the table-convention version.
pub const FOOTER_SCHEMA: &str = "rbmlab.schema_version";

/// Column-by-column builder of a record batch with portable types only.
#[derive(Default)]
pub struct TableBuilder {
    fields: Vec<Field>,
    cols: Vec<ArrayRef>,
}

impl TableBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }
    fn push(mut self, name: &str, col: ArrayRef) -> Self {
        self.fields.push(Field::new(name, col.data_type().clone(), false));
        self.cols.push(col);
        self
    }
    /// A float64 column.
    pub fn f64(self, name: &str, v: Vec<f64>) -> Self {
        self.push(name, Arc::new(Float64Array::from(v)))
    }
    /// A float32 column.
    pub fn f32(self, name: &str, v: Vec<f32>) -> Self {
        self.push(name, Arc::new(Float32Array::from(v)))
    }
    /// An int64 column.
    pub fn i64(self, name: &str, v: Vec<i64>) -> Self {
        self.push(name, Arc::new(Int64Array::from(v)))
    }
    /// An int32 column.
    pub fn i32(self, name: &str, v: Vec<i32>) -> Self {
        self.push(name, Arc::new(Int32Array::from(v)))
    }
    /// A boolean column.
    pub fn bool(self, name: &str, v: Vec<bool>) -> Self {
        self.push(name, Arc::new(BooleanArray::from(v)))
    }
    /// A UTF-8 column.
    pub fn str(self, name: &str, v: Vec<String>) -> Self {
        self.push(name, Arc::new(StringArray::from(v)))
    }
    /// A fixed-width binary column: row `i` is `data[i*width..(i+1)*width]`.
    pub fn fixed_binary(self, name: &str, width: usize, data: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            width > 0 && data.len().is_multiple_of(width),
            "binary column `{name}`: {} bytes is not a multiple of width {width}",
            data.len()
        );
        let arr = FixedSizeBinaryArray::try_from_iter(data.chunks(width))?;
        Ok(self.push(name, Arc::new(arr)))
    }
    /// Finishes the batch (all columns must have equal length).
    pub fn build(self) -> anyhow::Result<RecordBatch> {
        let schema = Arc::new(Schema::new(self.fields));
        Ok(RecordBatch::try_new(schema, self.cols)?)
    }
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> anyhow::Result<&'a ArrayRef> {
    b.column_by_name(name).ok_or_else(|| anyhow::anyhow!("table has no column `{name}` (columns: {})", columns(b)))
}

/// Casts column `name` to `to` (only from the listed source types) and downcasts it.
fn cast_column<A: Array + Clone + 'static>(
    b: &RecordBatch,
    name: &str,
    from: &[DataType],
    to: DataType,
) -> anyhow::Result<A> {
    let c = column(b, name)?;
    anyhow::ensure!(
        from.contains(c.data_type()),
        "column `{name}` has type {}, expected one of {from:?}",
        c.data_type()
    );
    let cast = arrow::compute::cast(c, &to)?;
    Ok(cast.as_any().downcast_ref::<A>().expect("cast to the requested type").clone())
}

/// Reads a numeric column as f64 (float64, float32, int64 and int32 are accepted).
pub fn col_f64(b: &RecordBatch, name: &str) -> anyhow::Result<Vec<f64>> {
    let numeric = [DataType::Float64, DataType::Float32, DataType::Int64, DataType::Int32];
    Ok(cast_column::<Float64Array>(b, name, &numeric, DataType::Float64)?.values().to_vec())
}

/// Reads an integer column as i64.
pub fn col_i64(b: &RecordBatch, name: &str) -> anyhow::Result<Vec<i64>> {
    Ok(cast_column::<Int64Array>(b, name, &[DataType::Int64, DataType::Int32], DataType::Int64)?.values().to_vec())
}

/// Reads a boolean column.
pub fn col_bool(b: &RecordBatch, name: &str) -> anyhow::Result<Vec<bool>> {
    let a = cast_column::<BooleanArray>(b, name, &[DataType::Boolean], DataType::Boolean)?;
    Ok((0..a.len()).map(|i| a.value(i)).collect())
}

/// Reads a string column.
pub fn col_str(b: &RecordBatch, name: &str) -> anyhow::Result<Vec<String>> {
    let a = cast_column::<StringArray>(b, name, &[DataType::Utf8], DataType::Utf8)?;
    Ok((0..a.len()).map(|i| a.value(i).to_string()).collect())
}

/// Reads a fixed-width binary column: returns (width, concatenated bytes).
pub fn col_fixed_binary(b: &RecordBatch, name: &str) -> anyhow::Result<(usize, Vec<u8>)> {
    let a = column(b, name)?
        .as_any()
        .downcast_ref::<FixedSizeBinaryArray>()
        .ok_or_else(|| anyhow::anyhow!("column `{name}` is not fixed-width binary"))?;
    let w = a.value_length() as usize;
    let mut out = Vec::with_capacity(w * a.len());
    for i in 0..a.len() {
        out.extend_from_slice(a.value(i));
    }
    Ok((w, out))
}

fn columns(b: &RecordBatch) -> String {
    b.schema().fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
}

/// Prepends the parameters as constant columns (those the table does not already have).
/// Lists become a UTF-8 JSON column.
pub fn with_param_columns(batch: &RecordBatch, params: &Params) -> anyhow::Result<RecordBatch> {
    let n = batch.num_rows();
    let mut fields: Vec<Field> = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (k, v) in params {
        if batch.column_by_name(k).is_some() {
            continue;
        }
        let col: ArrayRef = match v {
            Value::Int(i) => Arc::new(Int64Array::from(vec![*i; n])),
            Value::Float(f) => Arc::new(Float64Array::from(vec![*f; n])),
            Value::Str(s) => Arc::new(StringArray::from(vec![s.as_str(); n])),
            Value::Bool(b) => Arc::new(BooleanArray::from(vec![*b; n])),
            Value::List(_) => Arc::new(StringArray::from(vec![v.to_json().to_string(); n])),
        };
        fields.push(Field::new(k, col.data_type().clone(), false));
        cols.push(col);
    }
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        fields.push(f.as_ref().clone());
        cols.push(c.clone());
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

/// Checks the house column rules: snake_case names, portable types.
pub fn check_conventions(batch: &RecordBatch) -> anyhow::Result<()> {
    for f in batch.schema().fields() {
        let name = f.name();
        let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        anyhow::ensure!(ok, "column name `{name}` is not snake_case");
        let portable = matches!(
            f.data_type(),
            DataType::Int64
                | DataType::Int32
                | DataType::Float64
                | DataType::Float32
                | DataType::Boolean
                | DataType::Utf8
                | DataType::FixedSizeBinary(_)
        );
        anyhow::ensure!(portable, "column `{name}` has non-portable type {}", f.data_type());
    }
    Ok(())
}

/// Writes a batch as Parquet (zstd level 3, one row group per 1M rows) with footer
/// key–value metadata; returns the bytes written. The output bytes depend only on the
/// batch and the metadata.
pub fn write_parquet<W: Write + Send>(w: W, batch: &RecordBatch, provenance: &serde_json::Value) -> anyhow::Result<()> {
    check_conventions(batch)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(1 << 20))
        .set_key_value_metadata(Some(vec![
            KeyValue::new(FOOTER_PROVENANCE.to_string(), provenance.to_string()),
            KeyValue::new(FOOTER_SCHEMA.to_string(), "1".to_string()),
        ]))
        .build();
    // The same pairs go into the Arrow schema metadata too: pyarrow (and pandas) surface the
    // schema stored under `ARROW:schema` and ignore the other footer pairs.
    let meta: std::collections::HashMap<String, String> =
        [(FOOTER_PROVENANCE.to_string(), provenance.to_string()), (FOOTER_SCHEMA.to_string(), "1".to_string())]
            .into_iter()
            .collect();
    let schema = Arc::new(batch.schema().as_ref().clone().with_metadata(meta));
    let batch = batch.clone().with_schema(schema.clone())?;
    let mut writer = ArrowWriter::try_new(w, schema, Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(())
}

/// Reads a Parquet file into one batch.
pub fn read_parquet(path: &Path) -> anyhow::Result<RecordBatch> {
    let f = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    read_parquet_bytes(bytes_of(f)?)
}

fn bytes_of(mut f: std::fs::File) -> anyhow::Result<bytes::Bytes> {
    let mut v = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut v)?;
    Ok(bytes::Bytes::from(v))
}

/// Reads Parquet bytes into one batch.
pub fn read_parquet_bytes(data: bytes::Bytes) -> anyhow::Result<RecordBatch> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(data)?;
    let schema = builder.schema().clone();
    let reader = builder.with_batch_size(1 << 20).build()?;
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>()?;
    Ok(arrow::compute::concat_batches(&schema, &batches)?)
}

/// Reads the footer key–value metadata of a Parquet file.
pub fn footer_metadata(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let f = std::fs::File::open(path)?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f)?;
    Ok(builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| kv.iter().map(|k| (k.key.clone(), k.value.clone().unwrap_or_default())).collect())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_with_params_and_footer() {
        let b = TableBuilder::new().f64("x", vec![1.0, 2.0]).i64("step", vec![0, 1]).build().unwrap();
        let mut p = Params::new();
        p.insert("beta".into(), Value::Float(0.5));
        p.insert("seed".into(), Value::Int(3));
        let b = with_param_columns(&b, &p).unwrap();
        let mut buf = Vec::new();
        write_parquet(&mut buf, &b, &serde_json::json!({"stage": "t"})).unwrap();
        let back = read_parquet_bytes(bytes::Bytes::from(buf.clone())).unwrap();
        assert_eq!(back.columns(), b.columns());
        assert_eq!(back.schema().fields(), b.schema().fields());
        assert_eq!(col_f64(&back, "beta").unwrap(), vec![0.5, 0.5]);
        // Deterministic bytes.
        let mut buf2 = Vec::new();
        write_parquet(&mut buf2, &b, &serde_json::json!({"stage": "t"})).unwrap();
        assert_eq!(buf, buf2);
    }

    #[test]
    fn rejects_bad_column_names() {
        let b = TableBuilder::new().f64("Bad Name", vec![1.0]).build().unwrap();
        assert!(write_parquet(Vec::new(), &b, &serde_json::json!({})).is_err());
    }
}
