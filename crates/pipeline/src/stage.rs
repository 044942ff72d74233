//! The contract between the engine and stage implementations: a stage kind declares
//! its typed parameters, inputs and outputs, and turns parameters plus upstream tables
//! into output tables. Nothing here knows what the tables mean.

use crate::value::{ParamType, Params, Value};
use arrow::record_batch::RecordBatch;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// Name (snake_case); also the column name in output tables.
    pub name: &'static str,
    /// Declared type (YAML values are coerced to it before hashing).
    pub ty: ParamType,
    /// Default value, if optional.
    pub default: Option<Value>,
    /// One-line documentation (units, meaning).
    pub doc: &'static str,
}

impl ParamSpec {
    /// A required parameter.
    pub fn new(name: &'static str, ty: ParamType, doc: &'static str) -> Self {
        Self { name, ty, default: None, doc }
    }
    /// Makes the parameter optional with a default.
    pub fn default(mut self, v: Value) -> Self {
        self.default = Some(v);
        self
    }
}

/// A declared input.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// Name used under `inputs:`.
    pub name: &'static str,
    /// Whether the input gathers many upstream points (`stage.output[*]`).
    pub gather: bool,
    /// Documentation.
    pub doc: &'static str,
}

/// Static description of a stage kind.
#[derive(Debug, Clone)]
pub struct StageInfo {
    /// Kind name used in YAML (`kind:`).
    pub name: &'static str,
    /// What it computes.
    pub doc: &'static str,
    /// Parameters.
    pub params: Vec<ParamSpec>,
    /// Inputs.
    pub inputs: Vec<InputSpec>,
    /// Output table names.
    pub outputs: Vec<&'static str>,
    /// Fingerprint of the code implementing the kind (enters the cache key).
    pub code: String,
}

/// One upstream table handed to a stage.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Upstream entry key.
    pub key: String,
    /// Upstream stage name.
    pub stage: String,
    /// Upstream parameters.
    pub params: Params,
    /// The table (parameter columns included).
    pub table: RecordBatch,
}

/// What a running stage sees.
pub struct StageCtx<'a> {
    /// Resolved, typed parameters.
    pub params: &'a Params,
    /// Upstream tables by input name (one element unless the input gathers).
    pub inputs: BTreeMap<String, Vec<Upstream>>,
    /// Progress callback `(done, total)` for long stages.
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
}

impl StageCtx<'_> {
    fn get(&self, name: &str) -> anyhow::Result<&Value> {
        self.params.get(name).ok_or_else(|| anyhow::anyhow!("parameter `{name}` is not set"))
    }
    /// A float parameter.
    pub fn f64(&self, name: &str) -> anyhow::Result<f64> {
        self.get(name)?.as_f64().ok_or_else(|| anyhow::anyhow!("parameter `{name}` is not a number"))
    }
    /// An integer parameter.
    pub fn i64(&self, name: &str) -> anyhow::Result<i64> {
        self.get(name)?.as_i64().ok_or_else(|| anyhow::anyhow!("parameter `{name}` is not an integer"))
    }
    /// A non-negative integer parameter as usize.
    pub fn usize(&self, name: &str) -> anyhow::Result<usize> {
        let v = self.i64(name)?;
        usize::try_from(v).map_err(|_| anyhow::anyhow!("parameter `{name}` must be >= 0, got {v}"))
    }
    /// A seed parameter as u64 (negative seeds are rejected).
    pub fn seed(&self) -> anyhow::Result<u64> {
        let v = self.i64("seed")?;
        u64::try_from(v).map_err(|_| anyhow::anyhow!("seed must be >= 0, got {v}"))
    }
    /// A string parameter.
    pub fn str(&self, name: &str) -> anyhow::Result<&str> {
        self.get(name)?.as_str().ok_or_else(|| anyhow::anyhow!("parameter `{name}` is not a string"))
    }
    /// A boolean parameter.
    pub fn bool(&self, name: &str) -> anyhow::Result<bool> {
        self.get(name)?.as_bool().ok_or_else(|| anyhow::anyhow!("parameter `{name}` is not a boolean"))
    }
    /// A float-list parameter.
    pub fn f64_list(&self, name: &str) -> anyhow::Result<Vec<f64>> {
        self.get(name)?.as_f64_list().ok_or_else(|| anyhow::anyhow!("parameter `{name}` is not a list of numbers"))
    }
    /// The single upstream table of a non-gather input.
    pub fn input(&self, name: &str) -> anyhow::Result<&Upstream> {
        match self.inputs.get(name).map(|v| v.as_slice()) {
            Some([one]) => Ok(one),
            Some(v) => anyhow::bail!("input `{name}` has {} tables, expected one", v.len()),
            None => anyhow::bail!("input `{name}` is not connected"),
        }
    }
    /// All upstream tables of a gather input.
    pub fn gathered(&self, name: &str) -> anyhow::Result<&[Upstream]> {
        self.inputs.get(name).map(|v| v.as_slice()).ok_or_else(|| anyhow::anyhow!("input `{name}` is not connected"))
    }
}

/// Output tables of a stage run, by output name.
pub type Outputs = Vec<(String, RecordBatch)>;

/// A stage implementation.
pub trait StageKind: Send + Sync {
    /// Static description.
    fn info(&self) -> StageInfo;
    /// Plan-time validation of parameter combinations (impossible values → message).
    fn check(&self, _params: &Params) -> Result<(), String> {
        Ok(())
    }
    /// Computes the outputs. Must be deterministic given the parameters and inputs.
    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs>;
}

/// Registered stage kinds by name.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, (Arc<dyn StageKind>, Arc<StageInfo>)>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a kind (a later registration with the same name replaces the earlier one).
    pub fn add(&mut self, k: impl StageKind + 'static) {
        let info = k.info();
        self.kinds.insert(info.name, (Arc::new(k), Arc::new(info)));
    }
    /// Looks a kind up.
    pub fn get(&self, name: &str) -> Option<(&Arc<dyn StageKind>, &Arc<StageInfo>)> {
        self.kinds.get(name).map(|(k, i)| (k, i))
    }
    /// All kind names.
    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.keys().copied().collect()
    }
}
