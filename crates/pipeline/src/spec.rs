//! The pipeline file schema: parsing a YAML tree into a validated [`PipelineSpec`].
//!
//! ```yaml
//! version: 1
//! pipeline: rmt
//! include: [common.yaml]          # params, sweeps, stages and figures merged in
//! params: {d: 500}                # defaults, picked up by any stage declaring a parameter of that name
//! profiles:                       # a profile only overrides params
//!   quick: {params: {d: 200}}
//!   paper: {params: {d: 2000}}
//! sweeps:
//!   grid:
//!     product: {alpha: [2, 4], lambda: {linspace: [0.2, 3.0, 15]}}
//!     zip: {a: [1, 2], b: [3, 4]}   # paired dimensions, multiplied with the product
//!     seeds: {count: 5, base: 0}   # adds a `seed` coordinate
//!     points: [{alpha: 2, lambda: 9.0, seed: 0}]   # explicit extra points
//! stages:
//!   samples: {kind: spiked_covariance, foreach: grid, params: {prior: rademacher}}
//!   spectrum: {kind: covariance_top_eigen, foreach: grid, inputs: {samples: samples.samples}}
//!   summary: {kind: ..., inputs: {top: spectrum.top[*]}}   # `[*]` gathers every matching point
//! figures: {...}                  # validated by the figures crate
//! targets: {default: [summary]}
//! ```
//! Scalars of the exact form `${params.NAME}` (anywhere in sweeps and stage params) and
//! `${point.NAME}` (in stage params) are references.

use crate::error::ConfigError;
use crate::value::Value;
use crate::yaml::{self, Kind, Loc, Node};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A sweep point: coordinate name → value.
pub type Point = BTreeMap<String, Value>;

/// A parsed, profile-resolved pipeline.
#[derive(Debug, Clone)]
pub struct PipelineSpec {
    /// Main file.
    pub file: PathBuf,
    /// Pipeline name (`pipeline:`), used for table views and figure folders.
    pub name: String,
    /// Selected profile.
    pub profile: String,
    /// Global parameters after the profile was applied.
    pub params: BTreeMap<String, (Value, Loc)>,
    /// Expanded sweeps.
    pub sweeps: BTreeMap<String, Sweep>,
    /// Stages in file order.
    pub stages: Vec<StageSpec>,
    /// Figure specifications (validated by the figures crate), in file order.
    pub figures: Vec<(String, Node)>,
    /// Named targets.
    pub targets: BTreeMap<String, Vec<(String, Loc)>>,
}

/// An expanded sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Where it is defined.
    pub loc: Loc,
    /// Coordinate names (every point has all of them).
    pub coords: Vec<String>,
    /// Points in expansion order (their identity is their values, never their index).
    pub points: Vec<Point>,
}

/// A parameter expression in a stage.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamExpr {
    /// A literal value.
    Lit(Value),
    /// `${point.NAME}`.
    Point(String),
}

/// One stage declaration.
#[derive(Debug, Clone)]
pub struct StageSpec {
    /// Stage name.
    pub name: String,
    /// Where it is declared.
    pub loc: Loc,
    /// Stage kind (registered implementation).
    pub kind: String,
    /// Position of the `kind` value.
    pub kind_loc: Loc,
    /// Sweep it runs over.
    pub foreach: Option<(String, Loc)>,
    /// Explicit parameters.
    pub params: Vec<(String, Loc, ParamExpr)>,
    /// Inputs.
    pub inputs: Vec<InputRef>,
    /// Explicit code-version pin replacing the code fingerprint in the key.
    pub code_version: Option<String>,
    /// Extra salt for deliberate invalidation.
    pub salt: String,
}

/// `inputs: {name: stage.output}` or `stage.output[*]`.
#[derive(Debug, Clone)]
pub struct InputRef {
    /// Input name declared by the stage kind.
    pub name: String,
    /// Where.
    pub loc: Loc,
    /// Upstream stage.
    pub stage: String,
    /// Upstream output.
    pub output: String,
    /// Gather every matching point (`[*]`).
    pub gather: bool,
}

const TOP_KEYS: &[&str] =
    &["version", "pipeline", "include", "params", "profiles", "sweeps", "stages", "figures", "targets"];
const STAGE_KEYS: &[&str] = &["kind", "foreach", "params", "inputs", "code_version", "salt", "doc"];
const SWEEP_KEYS: &[&str] = &["product", "zip", "seeds", "points"];

fn err(n: &Node, path: &str, msg: impl Into<String>) -> ConfigError {
    ConfigError::new(&n.loc, path, msg)
}

fn map<'a>(n: &'a Node, path: &str) -> Result<&'a [(String, Loc, Node)], ConfigError> {
    match &n.kind {
        Kind::Map(m) => Ok(m),
        _ => Err(err(n, path, format!("expected a mapping, found {}", n.type_name()))),
    }
}

fn seq<'a>(n: &'a Node, path: &str) -> Result<&'a [Node], ConfigError> {
    match &n.kind {
        Kind::Seq(s) => Ok(s),
        _ => Err(err(n, path, format!("expected a list, found {}", n.type_name()))),
    }
}

fn string(n: &Node, path: &str) -> Result<String, ConfigError> {
    match &n.kind {
        Kind::Str(s) => Ok(s.clone()),
        _ => Err(err(n, path, format!("expected a string, found {}", n.type_name()))),
    }
}

fn check_keys(m: &[(String, Loc, Node)], allowed: &[&str], path: &str) -> Result<(), ConfigError> {
    for (k, loc, _) in m {
        if !allowed.contains(&k.as_str()) {
            let p = join(path, k);
            let hint = closest(k, allowed).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            return Err(ConfigError::new(loc, p, format!("unknown key `{k}`{hint}; allowed: {}", allowed.join(", "))));
        }
    }
    Ok(())
}

/// Joins a key path.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// The allowed word closest to `k` (edit distance ≤ 2), for "did you mean" hints.
pub fn closest<'a>(k: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed.iter().map(|a| (edit_distance(k, a), *a)).filter(|(d, _)| *d <= 2).min().map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `${scope.NAME}` → Some((scope, NAME)).
fn reference(n: &Node) -> Option<(&str, &str)> {
    if let Kind::Str(s) = &n.kind {
        let inner = s.strip_prefix("${")?.strip_suffix('}')?;
        let (scope, name) = inner.split_once('.')?;
        return Some((scope, name));
    }
    None
}

/// Loads a pipeline file, merges its includes and applies `profile`.
pub fn load(path: &Path, profile: &str) -> Result<PipelineSpec, ConfigError> {
    let root = yaml::parse_file(path)?;
    let mut merged = Merged::default();
    collect(&root, path, &mut merged, &mut vec![path.to_path_buf()])?;
    let name = merged
        .name
        .clone()
        .ok_or_else(|| err(&root, "pipeline", "missing required key `pipeline` (the pipeline's name)"))?;
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') || name.is_empty() {
        return Err(err(&root, "pipeline", format!("pipeline name `{name}` must use letters, digits, `_` or `-`")));
    }
    // Params and profile.
    let mut params: BTreeMap<String, (Value, Loc)> = BTreeMap::new();
    for (k, loc, v) in &merged.params {
        let val = Value::from_node(v).map_err(|m| ConfigError::new(&v.loc, join("params", k), m))?;
        let _ = loc;
        params.insert(k.clone(), (val, v.loc.clone()));
    }
    if !merged.profiles.is_empty() {
        // Blocks of the same profile from included files apply first, the including file's last (it wins).
        let blocks: Vec<&Node> = merged.profiles.iter().filter(|(k, _)| k == profile).map(|(_, n)| n).collect();
        if blocks.is_empty() {
            let names: Vec<&str> = merged.profiles.iter().map(|(k, _)| k.as_str()).collect();
            return Err(err(
                &root,
                "profiles",
                format!("unknown profile `{profile}`; this pipeline defines: {}", names.join(", ")),
            ));
        }
        let ppath = join("profiles", profile);
        for pnode in blocks {
            let pm = map(pnode, &ppath)?;
            check_keys(pm, &["params"], &ppath)?;
            if let Some(pp) = pnode.get("params") {
                for (k, kloc, v) in map(pp, &join(&ppath, "params"))? {
                    let path = join(&join(&ppath, "params"), k);
                    if !params.contains_key(k) {
                        return Err(ConfigError::new(
                            kloc,
                            path,
                            format!("profile overrides `{k}`, which is not declared under `params`"),
                        ));
                    }
                    let val = Value::from_node(v).map_err(|m| ConfigError::new(&v.loc, path.clone(), m))?;
                    params.insert(k.clone(), (val, v.loc.clone()));
                }
            }
        }
    }
    // Sweeps.
    let mut sweeps = BTreeMap::new();
    for (k, _, v) in &merged.sweeps {
        sweeps.insert(k.clone(), expand_sweep(v, &join("sweeps", k), &params)?);
    }
    // Stages.
    let mut stages = Vec::new();
    for (k, kloc, v) in &merged.stages {
        stages.push(parse_stage(k, kloc, v, &params, &sweeps)?);
    }
    for s in &stages {
        for inp in &s.inputs {
            if !stages.iter().any(|t| t.name == inp.stage) {
                let names: Vec<&str> = stages.iter().map(|t| t.name.as_str()).collect();
                let hint = closest(&inp.stage, &names).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
                return Err(ConfigError::new(
                    &inp.loc,
                    format!("stages.{}.inputs.{}", s.name, inp.name),
                    format!("input refers to stage `{}`, which does not exist{hint}", inp.stage),
                ));
            }
        }
    }
    // Targets.
    let mut targets = BTreeMap::new();
    for (k, _, v) in &merged.targets {
        let path = join("targets", k);
        let mut items = Vec::new();
        for it in seq(v, &path)? {
            items.push((string(it, &path)?, it.loc.clone()));
        }
        targets.insert(k.clone(), items);
    }
    let spec = PipelineSpec {
        file: path.to_path_buf(),
        name,
        profile: profile.to_string(),
        params,
        sweeps,
        stages,
        figures: merged.figures.into_iter().map(|(k, _, v)| (k, v)).collect(),
        targets,
    };
    for (t, items) in &spec.targets {
        for (it, loc) in items {
            let known = spec.stages.iter().any(|s| &s.name == it)
                || spec.figures.iter().any(|(f, _)| f == it)
                || spec.targets.contains_key(it);
            if !known {
                return Err(ConfigError::new(
                    loc,
                    join("targets", t),
                    format!("`{it}` is neither a stage, a figure nor a target"),
                ));
            }
        }
    }
    Ok(spec)
}

#[derive(Default)]
struct Merged {
    name: Option<String>,
    params: Vec<(String, Loc, Node)>,
    profiles: Vec<(String, Node)>,
    sweeps: Vec<(String, Loc, Node)>,
    stages: Vec<(String, Loc, Node)>,
    figures: Vec<(String, Loc, Node)>,
    targets: Vec<(String, Loc, Node)>,
}

fn collect(root: &Node, path: &Path, m: &mut Merged, stack: &mut Vec<PathBuf>) -> Result<(), ConfigError> {
    let top = map(root, "")?;
    check_keys(top, TOP_KEYS, "")?;
    if let Some(v) = root.get("version") {
        match v.kind {
            Kind::Int(1) => {}
            _ => {
                return Err(err(v, "version", "unsupported schema version: this rbmlab reads `version: 1`"));
            }
        }
    }
    if let Some(n) = root.get("pipeline") {
        let s = string(n, "pipeline")?;
        if m.name.is_none() {
            m.name = Some(s);
        }
    }
    if let Some(inc) = root.get("include") {
        for f in seq(inc, "include")? {
            let rel = string(f, "include")?;
            let p = path.parent().unwrap_or(Path::new(".")).join(&rel);
            if stack.contains(&p) {
                return Err(err(f, "include", format!("include cycle through `{rel}`")));
            }
            let sub = yaml::parse_file(&p)
                .map_err(|e| if e.loc.line == 0 { ConfigError::new(&f.loc, "include", e.message) } else { e.into() })?;
            stack.push(p.clone());
            collect(&sub, &p, m, stack)?;
            stack.pop();
        }
    }
    let merge = |key: &str, into: &mut Vec<(String, Loc, Node)>| -> Result<(), ConfigError> {
        if let Some(n) = root.get(key) {
            for (k, kloc, v) in map(n, key)? {
                if let Some((_, prev, _)) = into.iter().find(|(kk, _, _)| kk == k) {
                    return Err(ConfigError::new(
                        kloc,
                        join(key, k),
                        format!("`{k}` is defined twice (first at {prev})"),
                    ));
                }
                into.push((k.clone(), kloc.clone(), v.clone()));
            }
        }
        Ok(())
    };
    merge("params", &mut m.params)?;
    merge("sweeps", &mut m.sweeps)?;
    merge("stages", &mut m.stages)?;
    merge("figures", &mut m.figures)?;
    merge("targets", &mut m.targets)?;
    if let Some(n) = root.get("profiles") {
        for (k, _, v) in map(n, "profiles")? {
            m.profiles.push((k.clone(), v.clone()));
        }
    }
    Ok(())
}

/// Resolves `${params.X}` in a sweep or parameter node, returning an untyped value.
fn resolve(n: &Node, path: &str, params: &BTreeMap<String, (Value, Loc)>) -> Result<Node, ConfigError> {
    if let Some((scope, name)) = reference(n) {
        if scope != "params" {
            return Err(err(
                n,
                path,
                format!("only `${{params.NAME}}` references are allowed here, found `${{{scope}.{name}}}`"),
            ));
        }
        let (v, _) =
            params.get(name).ok_or_else(|| err(n, path, format!("unknown parameter `{name}` in reference")))?;
        return Ok(Node { kind: value_to_kind(v), loc: n.loc.clone() });
    }
    match &n.kind {
        Kind::Seq(items) => Ok(Node {
            kind: Kind::Seq(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| resolve(x, &format!("{path}[{i}]"), params))
                    .collect::<Result<_, _>>()?,
            ),
            loc: n.loc.clone(),
        }),
        Kind::Map(items) => Ok(Node {
            kind: Kind::Map(
                items
                    .iter()
                    .map(|(k, l, x)| Ok((k.clone(), l.clone(), resolve(x, &join(path, k), params)?)))
                    .collect::<Result<_, ConfigError>>()?,
            ),
            loc: n.loc.clone(),
        }),
        _ => Ok(n.clone()),
    }
}

fn value_to_kind(v: &Value) -> Kind {
    match v {
        Value::Int(i) => Kind::Int(*i),
        Value::Float(f) => Kind::Float(*f),
        Value::Str(s) => Kind::Str(s.clone()),
        Value::Bool(b) => Kind::Bool(*b),
        Value::List(l) => Kind::Seq(
            l.iter()
                .map(|x| Node { kind: value_to_kind(x), loc: Loc { file: Default::default(), line: 0, col: 0 } })
                .collect(),
        ),
    }
}

fn number(n: &Node, path: &str) -> Result<f64, ConfigError> {
    match n.kind {
        Kind::Int(i) => Ok(i as f64),
        Kind::Float(f) if f.is_finite() => Ok(f),
        _ => Err(err(n, path, format!("expected a finite number, found {}", n.type_name()))),
    }
}

fn count(n: &Node, path: &str) -> Result<usize, ConfigError> {
    match n.kind {
        Kind::Int(i) if i >= 1 => Ok(i as usize),
        _ => Err(err(n, path, "expected a positive integer")),
    }
}

/// Values of one sweep dimension: a list, or `{linspace: [a, b, n]}` / `{logspace: [a, b, n]}`
/// (`n` values from `a` to `b` inclusive, equally or geometrically spaced; the i-th value is
/// computed as `a + i (b − a)/(n − 1)` resp. `a (b/a)^{i/(n−1)}`, so extending a grid with the
/// same formula keeps the old points' identity).
fn dimension(n: &Node, path: &str) -> Result<Vec<Value>, ConfigError> {
    match &n.kind {
        Kind::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| Value::from_node(x).map_err(|m| err(x, &format!("{path}[{i}]"), m)))
            .collect(),
        Kind::Map(m) if m.len() == 1 && (m[0].0 == "linspace" || m[0].0 == "logspace") => {
            let (k, _, args) = &m[0];
            let p = join(path, k);
            let a = seq(args, &p)?;
            if a.len() != 3 {
                return Err(err(args, &p, format!("`{k}` takes [start, stop, count]")));
            }
            let (lo, hi, cnt) = (number(&a[0], &p)?, number(&a[1], &p)?, count(&a[2], &p)?);
            if k == "logspace" && !(lo > 0.0 && hi > 0.0) {
                return Err(err(args, &p, "`logspace` needs positive start and stop"));
            }
            Ok((0..cnt)
                .map(|i| {
                    let t = if cnt == 1 { 0.0 } else { i as f64 / (cnt - 1) as f64 };
                    let v = if k == "linspace" { lo + (hi - lo) * t } else { lo * (hi / lo).powf(t) };
                    // Round to 12 significant digits so that 0.1 + 0.2-style noise does not leak into keys.
                    Value::Float(format!("{v:.12e}").parse().unwrap_or(v))
                })
                .collect())
        }
        _ => Err(err(n, path, "expected a list of values or {linspace: [start, stop, count]} / {logspace: [...]}")),
    }
}

fn expand_sweep(n: &Node, path: &str, params: &BTreeMap<String, (Value, Loc)>) -> Result<Sweep, ConfigError> {
    let n = resolve(n, path, params)?;
    let m = map(&n, path)?;
    check_keys(m, SWEEP_KEYS, path)?;
    // Product.
    let mut points: Vec<Point> = vec![Point::new()];
    let mut coords: Vec<String> = Vec::new();
    if let Some(p) = n.get("product") {
        let pp = join(path, "product");
        for (k, _, v) in map(p, &pp)? {
            let vals = dimension(v, &join(&pp, k))?;
            if vals.is_empty() {
                return Err(err(v, &join(&pp, k), "a sweep dimension needs at least one value"));
            }
            coords.push(k.clone());
            points = points
                .into_iter()
                .flat_map(|pt| {
                    vals.iter().map(move |x| {
                        let mut q = pt.clone();
                        q.insert(k.clone(), x.clone());
                        q
                    })
                })
                .collect();
        }
    }
    if let Some(z) = n.get("zip") {
        let zp = join(path, "zip");
        let mut cols: Vec<(String, Vec<Value>, &Node)> = Vec::new();
        for (k, _, v) in map(z, &zp)? {
            if coords.contains(k) {
                return Err(err(v, &join(&zp, k), format!("coordinate `{k}` appears twice in this sweep")));
            }
            cols.push((k.clone(), dimension(v, &join(&zp, k))?, v));
        }
        if let Some((_, first, _)) = cols.first() {
            let len = first.len();
            for (k, c, node) in &cols {
                if c.len() != len {
                    return Err(err(
                        node,
                        &join(&zp, k),
                        format!("zip dimensions must have equal lengths ({} vs {len})", c.len()),
                    ));
                }
            }
            points = points
                .into_iter()
                .flat_map(|pt| {
                    let cols = &cols;
                    (0..len).map(move |i| {
                        let mut q = pt.clone();
                        for (k, c, _) in cols {
                            q.insert(k.clone(), c[i].clone());
                        }
                        q
                    })
                })
                .collect();
            coords.extend(cols.iter().map(|(k, _, _)| k.clone()));
        }
    }
    if let Some(s) = n.get("seeds") {
        let sp = join(path, "seeds");
        if coords.iter().any(|c| c == "seed") {
            return Err(err(s, &sp, "coordinate `seed` appears twice in this sweep"));
        }
        let seeds: Vec<i64> = match &s.kind {
            Kind::Map(m) => {
                check_keys(m, &["count", "base"], &sp)?;
                let c =
                    count(s.get("count").ok_or_else(|| err(s, &sp, "`seeds` needs `count`"))?, &join(&sp, "count"))?;
                let base = match s.get("base").map(|b| &b.kind) {
                    None => 0,
                    Some(Kind::Int(b)) => *b,
                    Some(_) => return Err(err(s, &join(&sp, "base"), "expected an integer")),
                };
                (0..c as i64).map(|i| base + i).collect()
            }
            Kind::Seq(items) => items
                .iter()
                .map(|x| match x.kind {
                    Kind::Int(i) => Ok(i),
                    _ => Err(err(x, &sp, "seeds must be integers")),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(err(s, &sp, "expected {count: N, base: B} or a list of integers"));
            }
        };
        coords.push("seed".into());
        points = points
            .into_iter()
            .flat_map(|pt| {
                seeds.iter().map(move |sd| {
                    let mut q = pt.clone();
                    q.insert("seed".into(), Value::Int(*sd));
                    q
                })
            })
            .collect();
    }
    if coords.is_empty() {
        points.clear();
    }
    if let Some(p) = n.get("points") {
        let pp = join(path, "points");
        for (i, item) in seq(p, &pp)?.iter().enumerate() {
            let ip = format!("{pp}[{i}]");
            let mut q = Point::new();
            for (k, _, v) in map(item, &ip)? {
                q.insert(k.clone(), Value::from_node(v).map_err(|m| err(v, &join(&ip, k), m))?);
            }
            if coords.is_empty() && points.is_empty() {
                coords = q.keys().cloned().collect();
            }
            let keys: Vec<&String> = q.keys().collect();
            let mut want: Vec<&String> = coords.iter().collect();
            want.sort();
            if keys != want {
                return Err(err(
                    item,
                    &ip,
                    format!("an explicit point must set exactly the sweep's coordinates: {}", coords.join(", ")),
                ));
            }
            points.push(q);
        }
    }
    if points.is_empty() {
        return Err(err(&n, path, "this sweep has no points"));
    }
    // Identity is the values: drop exact duplicates, keep first occurrence.
    let mut seen = std::collections::HashSet::new();
    points.retain(|p| seen.insert(serde_json::to_string(&crate::key::canonical_point(p)).unwrap_or_default()));
    Ok(Sweep { loc: n.loc.clone(), coords, points })
}

fn parse_stage(
    name: &str,
    kloc: &Loc,
    n: &Node,
    params: &BTreeMap<String, (Value, Loc)>,
    sweeps: &BTreeMap<String, Sweep>,
) -> Result<StageSpec, ConfigError> {
    let path = join("stages", name);
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(ConfigError::new(kloc, path, format!("stage name `{name}` must be snake_case (a-z, 0-9, _)")));
    }
    let m = map(n, &path)?;
    check_keys(m, STAGE_KEYS, &path)?;
    let kind_node = n.get("kind").ok_or_else(|| err(n, &path, "missing required key `kind`"))?;
    let kind = string(kind_node, &join(&path, "kind"))?;
    let foreach = match n.get("foreach") {
        None => None,
        Some(f) => {
            let s = string(f, &join(&path, "foreach"))?;
            if !sweeps.contains_key(&s) {
                let names: Vec<&str> = sweeps.keys().map(|s| s.as_str()).collect();
                return Err(err(
                    f,
                    &join(&path, "foreach"),
                    format!("unknown sweep `{s}`; defined: {}", names.join(", ")),
                ));
            }
            Some((s, f.loc.clone()))
        }
    };
    let mut ps = Vec::new();
    if let Some(p) = n.get("params") {
        let pp = join(&path, "params");
        for (k, loc, v) in map(p, &pp)? {
            let kp = join(&pp, k);
            let expr = match reference(v) {
                Some(("point", c)) => {
                    let Some((sw, _)) = &foreach else {
                        return Err(err(v, &kp, "`${point.…}` needs the stage to have `foreach`"));
                    };
                    if !sweeps[sw].coords.iter().any(|x| x == c) {
                        return Err(err(v, &kp, format!("sweep `{sw}` has no coordinate `{c}`")));
                    }
                    ParamExpr::Point(c.to_string())
                }
                _ => {
                    let r = resolve(v, &kp, params)?;
                    ParamExpr::Lit(Value::from_node(&r).map_err(|msg| err(v, &kp, msg))?)
                }
            };
            let _ = loc;
            ps.push((k.clone(), v.loc.clone(), expr));
        }
    }
    let mut inputs = Vec::new();
    if let Some(i) = n.get("inputs") {
        let ip = join(&path, "inputs");
        for (k, _, v) in map(i, &ip)? {
            let kp = join(&ip, k);
            let s = string(v, &kp)?;
            let (body, gather) = match s.strip_suffix("[*]") {
                Some(b) => (b, true),
                None => (s.as_str(), false),
            };
            let Some((st, out)) = body.split_once('.') else {
                return Err(err(v, &kp, format!("expected `stage.output` or `stage.output[*]`, found `{s}`")));
            };
            inputs.push(InputRef {
                name: k.clone(),
                loc: v.loc.clone(),
                stage: st.to_string(),
                output: out.to_string(),
                gather,
            });
        }
    }
    let code_version = match n.get("code_version") {
        None => None,
        Some(c) => Some(match &c.kind {
            Kind::Str(s) => s.clone(),
            Kind::Int(i) => i.to_string(),
            _ => {
                return Err(err(c, &join(&path, "code_version"), "expected a string or integer"));
            }
        }),
    };
    let salt = match n.get("salt") {
        None => String::new(),
        Some(s) => string(s, &join(&path, "salt"))?,
    };
    Ok(StageSpec {
        name: name.to_string(),
        loc: kloc.clone(),
        kind,
        kind_loc: kind_node.loc.clone(),
        foreach,
        params: ps,
        inputs,
        code_version,
        salt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str, profile: &str) -> Result<PipelineSpec, ConfigError> {
        let dir = std::env::temp_dir().join(format!("rbmlab-spec-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("p.yaml");
        std::fs::write(&f, text).unwrap();
        load(&f, profile)
    }

    #[test]
    fn sweeps_expand_product_zip_seeds_and_points() {
        let s = load_str(
            "version: 1\npipeline: t\nparams: {n: 2}\nprofiles: {quick: {params: {n: 2}}, paper: {params: {n: 3}}}\nsweeps:\n  g:\n    product: {a: [1, 2], b: {linspace: [0, 1, 3]}}\n    zip: {c: [x, y], e: [1, 2]}\n    seeds: {count: \"${params.n}\", base: 5}\n    points: [{a: 9, b: 9, c: z, e: 9, seed: 0}]\n",
            "paper",
        )
        .unwrap();
        let g = &s.sweeps["g"];
        assert_eq!(g.points.len(), 2 * 3 * 2 * 3 + 1);
        assert_eq!(g.points[0]["seed"], Value::Int(5));
        assert_eq!(g.points[1]["seed"], Value::Int(6));
        assert_eq!(g.points[6]["b"], Value::Float(0.5));
        assert!(g.points.iter().any(|p| p["c"] == Value::Str("z".into())));
    }

    #[test]
    fn linspace_points_keep_their_identity_when_the_grid_is_refined() {
        let a =
            load_str("version: 1\npipeline: t\nsweeps:\n  g:\n    product: {b: {linspace: [0.1, 0.3, 3]}}\n", "quick")
                .unwrap();
        let b =
            load_str("version: 1\npipeline: t\nsweeps:\n  g:\n    product: {b: {linspace: [0.1, 0.3, 5]}}\n", "quick")
                .unwrap();
        for p in &a.sweeps["g"].points {
            assert!(b.sweeps["g"].points.contains(p), "{p:?} lost when refining the grid");
        }
    }

    #[test]
    fn the_including_files_profile_wins_over_an_included_one() {
        let dir = std::env::temp_dir().join(format!("rbmlab-spec-inc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("frag.yaml"),
            "version: 1\nparams: {a: 1, b: 1}\nprofiles: {quick: {params: {a: 2, b: 2}}}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("main.yaml"),
            "version: 1\npipeline: t\ninclude: [frag.yaml]\nprofiles: {quick: {params: {a: 3}}}\n",
        )
        .unwrap();
        let s = load(&dir.join("main.yaml"), "quick").unwrap();
        assert_eq!(s.params["a"].0, Value::Int(3));
        assert_eq!(s.params["b"].0, Value::Int(2));
    }

    #[test]
    fn profile_errors_name_the_key() {
        let e = load_str("version: 1\npipeline: t\nparams: {n: 1}\nprofiles: {quick: {params: {m: 2}}}\n", "quick")
            .unwrap_err();
        assert_eq!(e.path, "profiles.quick.params.m");
        let e = load_str("version: 1\npipeline: t\nparams: {n: 1}\nprofiles: {quick: {params: {n: 2}}}\n", "paper")
            .unwrap_err();
        assert!(e.message.contains("unknown profile `paper`"));
        let e = load_str("version: 2\npipeline: t\n", "quick").unwrap_err();
        assert_eq!((e.loc.line, e.path.as_str()), (1, "version"));
    }
}
