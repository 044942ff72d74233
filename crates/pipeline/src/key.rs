//! Cache keys: a canonical, typed JSON pre-image hashed with BLAKE3 in derive-key mode.
//!
//! The pre-image (stored verbatim as `key.json` beside each entry) holds the schema
//! string, the stage kind, the declared parameters after type coercion (so `beta: 1`
//! and `beta: 1.0` agree), the upstream keys with output names (gathers sorted), the
//! code fingerprint of the stage kind or an explicit pin, the platform and a salt.
//! It never holds paths, times, thread counts, sweep names or indices, or YAML layout.
//! Maps are serialised with sorted keys and no whitespace.

use crate::spec::Point;
use crate::value::Params;
use serde_json::{Map, Value as J, json};

/// Version string of the key recipe; changing the recipe must change this string.
pub const KEY_SCHEMA: &str = "rbmlab/stage-key/v1";
/// BLAKE3 derive-key context.
pub const KEY_CONTEXT: &str = "rbmlab 2026-11 stage-key v1";

/// The platform component: CPU architecture and OS (floating-point results may differ across them).
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// One upstream reference in a pre-image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UpstreamRef {
    /// Upstream key.
    pub key: String,
    /// Upstream output name.
    pub output: String,
}

/// Builds the key pre-image.
pub fn preimage(
    kind: &str,
    params: &Params,
    inputs: &[(String, Vec<UpstreamRef>)],
    code: &str,
    pinned: Option<&str>,
    salt: &str,
) -> J {
    let mut p = Map::new();
    for (k, v) in params {
        p.insert(k.clone(), v.canonical());
    }
    let mut ins = Map::new();
    for (name, refs) in inputs {
        let mut r = refs.clone();
        r.sort();
        ins.insert(name.clone(), J::Array(r.iter().map(|u| json!({"key": u.key, "output": u.output})).collect()));
    }
    let code = match pinned {
        Some(pin) => json!({ "pinned": pin }),
        None => json!({ "fingerprint": code }),
    };
    json!({
        "schema": KEY_SCHEMA,
        "kind": kind,
        "params": p,
        "inputs": ins,
        "code": code,
        "platform": platform(),
        "salt": salt,
    })
}

/// Canonical bytes of a JSON value: object keys sorted (serde_json's default map is a
/// BTreeMap), no insignificant whitespace.
pub fn canonical_bytes(v: &J) -> Vec<u8> {
    serde_json::to_vec(v).expect("JSON values always serialise")
}

/// The 64-hex-digit key of a pre-image.
pub fn key_of(pre: &J) -> String {
    let h = blake3::derive_key(KEY_CONTEXT, &canonical_bytes(pre));
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Canonical JSON of a sweep point (identity of a point).
pub fn canonical_point(p: &Point) -> J {
    let mut m = Map::new();
    for (k, v) in p {
        // Integers and floats with the same value name the same point.
        let c = match v {
            crate::value::Value::Int(i) => crate::value::Value::Float(*i as f64).canonical(),
            other => other.canonical(),
        };
        m.insert(k.clone(), c);
    }
    J::Object(m)
}

/// Structural diff of two pre-images as human-readable lines ("params.beta: 0.5 → 0.6").
pub fn diff(old: &J, new: &J) -> Vec<String> {
    let mut out = Vec::new();
    diff_rec("", old, new, &mut out);
    out
}

fn show(v: &J) -> String {
    match v {
        J::Object(m) if m.len() == 1 => {
            let (k, x) = m.iter().next().expect("one entry");
            match (k.as_str(), x) {
                ("i" | "f" | "s", J::String(s)) => s.clone(),
                ("b", J::Bool(b)) => b.to_string(),
                _ => v.to_string(),
            }
        }
        J::String(s) => s.clone(),
        _ => v.to_string(),
    }
}

fn diff_rec(path: &str, a: &J, b: &J, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let leafish = |v: &J| matches!(v, J::Object(m) if m.len() == 1 && m.keys().all(|k| ["i", "f", "s", "b"].contains(&k.as_str())));
    match (a, b) {
        (J::Object(x), J::Object(y)) if !leafish(a) && !leafish(b) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => diff_rec(&p, u, v, out),
                    (None, Some(v)) => out.push(format!("{p} added ({})", show(v))),
                    (Some(u), None) => out.push(format!("{p} removed (was {})", show(u))),
                    (None, None) => {}
                }
            }
        }
        (J::Array(x), J::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                diff_rec(&format!("{path}[{i}]"), u, v, out);
            }
        }
        _ => out.push(format!("{path} changed {} → {}", show(a), show(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn params(beta: Value) -> Params {
        let mut p = Params::new();
        p.insert("beta".into(), beta);
        p.insert("n".into(), Value::Int(64));
        p.insert("model".into(), Value::Str("ising".into()));
        p
    }

    const GOLDEN_X86_64_LINUX: &str = "7da0a1ac053fd7a645a8329bdac705850d81db662e8aae279c9bc4a81aec0bd6";

    /// Golden vector: pins the recipe. If this changes, bump KEY_SCHEMA / KEY_CONTEXT.
    #[test]
    fn golden_key() {
        let pre = preimage(
            "toy",
            &params(Value::Float(0.5)),
            &[("x".into(), vec![UpstreamRef { key: "ab".into(), output: "t".into() }])],
            "b3:00",
            None,
            "",
        );
        let bytes = String::from_utf8(canonical_bytes(&pre)).unwrap();
        let plat = platform();
        assert_eq!(
            bytes,
            format!(
                r#"{{"code":{{"fingerprint":"b3:00"}},"inputs":{{"x":[{{"key":"ab","output":"t"}}]}},"kind":"toy","params":{{"beta":{{"f":"0.5"}},"model":{{"s":"ising"}},"n":{{"i":"64"}}}},"platform":"{plat}","salt":"","schema":"rbmlab/stage-key/v1"}}"#
            )
        );
        if plat == "x86_64-linux" {
            assert_eq!(key_of(&pre), GOLDEN_X86_64_LINUX);
        }
    }

    #[test]
    fn gather_order_does_not_matter_and_diff_names_changes() {
        let a = UpstreamRef { key: "1".into(), output: "t".into() };
        let b = UpstreamRef { key: "2".into(), output: "t".into() };
        let p = params(Value::Float(0.5));
        let k1 = key_of(&preimage("toy", &p, &[("x".into(), vec![a.clone(), b.clone()])], "c", None, ""));
        let k2 = key_of(&preimage("toy", &p, &[("x".into(), vec![b, a])], "c", None, ""));
        assert_eq!(k1, k2);
        let old = preimage("toy", &p, &[], "c", None, "");
        let new = preimage("toy", &params(Value::Float(0.6)), &[], "c", None, "");
        assert_eq!(diff(&old, &new), vec!["params.beta changed 0.5 → 0.6".to_string()]);
    }
}
