//! Planning: expand every stage over its sweep, link inputs to upstream tasks, resolve
//! and type-check parameters, and compute every cache key before anything runs.

use crate::error::ConfigError;
use crate::key::{self, UpstreamRef};
use crate::spec::{self, ParamExpr, PipelineSpec, Point, StageSpec};
use crate::stage::{Registry, StageInfo};
use crate::value::{Params, Value};
use crate::yaml::Loc;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One unit of work: a stage at one sweep point.
#[derive(Debug, Clone)]
pub struct Task {
    /// Index in [`Plan::tasks`].
    pub id: usize,
    /// Stage name.
    pub stage: String,
    /// Stage kind.
    pub kind: String,
    /// Sweep coordinates of this task (empty without `foreach`).
    pub point: Point,
    /// Resolved, typed parameters (exactly the kind's declared parameters).
    pub params: Params,
    /// Inputs: name → upstream (task id, output name), gathers in upstream order.
    pub inputs: BTreeMap<String, Vec<(usize, String)>>,
    /// Cache key.
    pub key: String,
    /// Key pre-image.
    pub preimage: serde_json::Value,
    /// Static information of the kind.
    pub info: Arc<StageInfo>,
}

impl Task {
    /// `stage[k=v, …]` for messages.
    pub fn label(&self) -> String {
        if self.point.is_empty() {
            self.stage.clone()
        } else {
            let p: Vec<String> = self.point.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{}[{}]", self.stage, p.join(","))
        }
    }
    /// Stable identity of (stage, point) for the explain index.
    pub fn point_id(&self) -> String {
        let b = key::canonical_bytes(&key::canonical_point(&self.point));
        blake3::hash(&b).to_hex()[..32].to_string()
    }
}

/// All tasks of a pipeline in dependency order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Pipeline name.
    pub pipeline: String,
    /// Profile used.
    pub profile: String,
    /// Tasks, every task after its inputs.
    pub tasks: Vec<Task>,
    /// Task ids per stage (stages in dependency order).
    pub stages: Vec<(String, Vec<usize>)>,
}

fn stage_path(s: &StageSpec, rest: &str) -> String {
    format!("stages.{}{}{}", s.name, if rest.is_empty() { "" } else { "." }, rest)
}

/// Stages in dependency order, or a cycle error.
fn topo(spec: &PipelineSpec) -> Result<Vec<usize>, ConfigError> {
    let idx: BTreeMap<&str, usize> = spec.stages.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let mut state = vec![0u8; spec.stages.len()];
    let mut order = Vec::new();
    fn visit(
        i: usize,
        spec: &PipelineSpec,
        idx: &BTreeMap<&str, usize>,
        state: &mut [u8],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> Result<(), ConfigError> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                let start = stack.iter().position(|&s| s == i).unwrap_or(0);
                let mut names: Vec<&str> = stack[start..].iter().map(|&s| spec.stages[s].name.as_str()).collect();
                names.push(&spec.stages[i].name);
                let s = &spec.stages[i];
                let loc = s.inputs.first().map(|x| x.loc.clone()).unwrap_or_else(|| s.loc.clone());
                return Err(ConfigError::new(
                    &loc,
                    stage_path(s, "inputs"),
                    format!("dependency cycle: {}", names.join(" → ")),
                ));
            }
            _ => {}
        }
        state[i] = 1;
        stack.push(i);
        for inp in &spec.stages[i].inputs {
            if let Some(&j) = idx.get(inp.stage.as_str()) {
                visit(j, spec, idx, state, order, stack)?;
            }
        }
        stack.pop();
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..spec.stages.len() {
        visit(i, spec, &idx, &mut state, &mut order, &mut Vec::new())?;
    }
    Ok(order)
}

/// Numeric-aware equality of coordinate values (`1` and `1.0` agree).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Stages needed to produce `wanted` (with their upstream closure); all stages if `None`.
pub fn closure(spec: &PipelineSpec, wanted: Option<&[String]>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(w) = wanted else {
        return spec.stages.iter().map(|s| s.name.clone()).collect();
    };
    let mut todo: Vec<String> = w.to_vec();
    while let Some(n) = todo.pop() {
        if let Some(items) = spec.targets.get(&n) {
            todo.extend(items.iter().map(|(i, _)| i.clone()));
            continue;
        }
        if let Some(s) = spec.stages.iter().find(|s| s.name == n)
            && out.insert(n.clone())
        {
            todo.extend(s.inputs.iter().map(|i| i.stage.clone()));
        }
    }
    out
}

/// Builds the plan for the stages in `only` (all stages when `None`).
pub fn build(spec: &PipelineSpec, reg: &Registry, only: Option<&BTreeSet<String>>) -> Result<Plan, ConfigError> {
    let order = topo(spec)?;
    let mut tasks: Vec<Task> = Vec::new();
    let mut stage_tasks: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut stages = Vec::new();
    for si in order {
        let s = &spec.stages[si];
        if let Some(o) = only
            && !o.contains(&s.name)
        {
            continue;
        }
        let Some((kind, info)) = reg.get(&s.kind) else {
            let names = reg.names();
            let hint = spec::closest(&s.kind, &names).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            return Err(ConfigError::new(
                &s.kind_loc,
                stage_path(s, "kind"),
                format!("unknown stage kind `{}`{hint}; run `rbmlab stages` for the list", s.kind),
            ));
        };
        // Validate declared params and inputs.
        for (k, loc, _) in &s.params {
            if !info.params.iter().any(|p| p.name == k) {
                let names: Vec<&str> = info.params.iter().map(|p| p.name).collect();
                let hint = spec::closest(k, &names).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
                return Err(ConfigError::new(
                    loc,
                    stage_path(s, &format!("params.{k}")),
                    format!("kind `{}` has no parameter `{k}`{hint}; it takes: {}", s.kind, names.join(", ")),
                ));
            }
        }
        for inp in &s.inputs {
            let Some(decl) = info.inputs.iter().find(|d| d.name == inp.name) else {
                let names: Vec<&str> = info.inputs.iter().map(|d| d.name).collect();
                return Err(ConfigError::new(
                    &inp.loc,
                    stage_path(s, &format!("inputs.{}", inp.name)),
                    format!("kind `{}` has no input `{}`; it takes: {}", s.kind, inp.name, names.join(", ")),
                ));
            };
            if decl.gather != inp.gather {
                let want = if decl.gather {
                    format!("{}.{}[*]", inp.stage, inp.output)
                } else {
                    format!("{}.{}", inp.stage, inp.output)
                };
                return Err(ConfigError::new(
                    &inp.loc,
                    stage_path(s, &format!("inputs.{}", inp.name)),
                    format!(
                        "input `{}` {} many points: write `{want}`",
                        inp.name,
                        if decl.gather { "gathers" } else { "does not gather" }
                    ),
                ));
            }
            let up = spec.stages.iter().find(|t| t.name == inp.stage).expect("checked at load");
            let (_, up_info) = reg.get(&up.kind).ok_or_else(|| {
                ConfigError::new(&up.kind_loc, stage_path(up, "kind"), format!("unknown stage kind `{}`", up.kind))
            })?;
            if !up_info.outputs.contains(&inp.output.as_str()) {
                return Err(ConfigError::new(
                    &inp.loc,
                    stage_path(s, &format!("inputs.{}", inp.name)),
                    format!(
                        "stage `{}` (kind `{}`) has no output `{}`; outputs: {}",
                        up.name,
                        up.kind,
                        inp.output,
                        up_info.outputs.join(", ")
                    ),
                ));
            }
            if only.is_some_and(|o| !o.contains(&up.name)) {
                continue;
            }
        }
        for d in &info.inputs {
            if !s.inputs.iter().any(|i| i.name == d.name) {
                return Err(ConfigError::new(
                    &s.loc,
                    stage_path(s, "inputs"),
                    format!("kind `{}` needs input `{}` ({})", s.kind, d.name, d.doc),
                ));
            }
        }
        let points: Vec<(Point, Loc)> = match &s.foreach {
            None => vec![(Point::new(), s.loc.clone())],
            Some((sw, _)) => {
                let sweep = &spec.sweeps[sw];
                sweep.points.iter().map(|p| (p.clone(), sweep.loc.clone())).collect()
            }
        };
        let mut ids = Vec::new();
        for (point, sweep_loc) in points {
            // Parameters.
            let mut params = Params::new();
            for decl in &info.params {
                let explicit = s.params.iter().find(|(k, _, _)| k == decl.name);
                let (raw, loc, path) = if let Some((_, loc, e)) = explicit {
                    let v = match e {
                        ParamExpr::Lit(v) => v.clone(),
                        ParamExpr::Point(c) => point[c].clone(),
                    };
                    (v, loc.clone(), stage_path(s, &format!("params.{}", decl.name)))
                } else if let Some(v) = point.get(decl.name) {
                    (
                        v.clone(),
                        sweep_loc.clone(),
                        format!("sweeps.{}", s.foreach.as_ref().map(|f| f.0.as_str()).unwrap_or("")),
                    )
                } else if let Some((v, loc)) = spec.params.get(decl.name) {
                    (v.clone(), loc.clone(), format!("params.{}", decl.name))
                } else if let Some(d) = &decl.default {
                    (d.clone(), s.loc.clone(), stage_path(s, "params"))
                } else {
                    return Err(ConfigError::new(
                        &s.loc,
                        stage_path(s, "params"),
                        format!(
                            "kind `{}` needs parameter `{}` ({}: {}); set it under the stage's params, in its sweep, or in the global params",
                            s.kind,
                            decl.name,
                            decl.ty.name(),
                            decl.doc
                        ),
                    ));
                };
                let v = decl
                    .ty
                    .coerce(&raw)
                    .map_err(|m| ConfigError::new(&loc, path.clone(), format!("parameter `{}`: {m}", decl.name)))?;
                params.insert(decl.name.to_string(), v);
            }
            kind.check(&params).map_err(|m| {
                let where_ = if point.is_empty() { String::new() } else { format!(" at point {}", fmt_point(&point)) };
                ConfigError::new(
                    &s.loc,
                    stage_path(s, "params"),
                    format!("impossible parameters for `{}`{where_}: {m}", s.kind),
                )
            })?;
            // Inputs.
            let mut inputs: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
            let mut refs: Vec<(String, Vec<UpstreamRef>)> = Vec::new();
            for inp in &s.inputs {
                let ups = stage_tasks.get(&inp.stage).cloned().unwrap_or_default();
                let matching: Vec<usize> = ups
                    .into_iter()
                    .filter(|&t| tasks[t].point.iter().all(|(k, v)| point.get(k).is_none_or(|w| same(v, w))))
                    .collect();
                let ipath = stage_path(s, &format!("inputs.{}", inp.name));
                if matching.is_empty() {
                    return Err(ConfigError::new(
                        &inp.loc,
                        ipath,
                        format!("no task of stage `{}` matches point {}", inp.stage, fmt_point(&point)),
                    ));
                }
                if !inp.gather && matching.len() != 1 {
                    return Err(ConfigError::new(
                        &inp.loc,
                        ipath,
                        format!(
                            "{} tasks of stage `{}` match point {}; gather them with `{}.{}[*]` or sweep this stage over the same coordinates",
                            matching.len(),
                            inp.stage,
                            fmt_point(&point),
                            inp.stage,
                            inp.output
                        ),
                    ));
                }
                refs.push((
                    inp.name.clone(),
                    matching
                        .iter()
                        .map(|&t| UpstreamRef { key: tasks[t].key.clone(), output: inp.output.clone() })
                        .collect(),
                ));
                inputs.insert(inp.name.clone(), matching.into_iter().map(|t| (t, inp.output.clone())).collect());
            }
            let pre = key::preimage(&s.kind, &params, &refs, &info.code, s.code_version.as_deref(), &s.salt);
            let k = key::key_of(&pre);
            let id = tasks.len();
            tasks.push(Task {
                id,
                stage: s.name.clone(),
                kind: s.kind.clone(),
                point,
                params,
                inputs,
                key: k,
                preimage: pre,
                info: info.clone(),
            });
            ids.push(id);
        }
        stage_tasks.insert(s.name.clone(), ids.clone());
        stages.push((s.name.clone(), ids));
    }
    Ok(Plan { pipeline: spec.name.clone(), profile: spec.profile.clone(), tasks, stages })
}

/// `{a=1, b=x}`.
pub fn fmt_point(p: &Point) -> String {
    let v: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", v.join(", "))
}
