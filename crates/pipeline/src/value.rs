//! Typed parameter values, their declared types, coercion from YAML, and their
//! canonical JSON form used in cache keys.

use crate::yaml::{Kind, Node};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt;

/// A parameter value after coercion to its declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// 64-bit integer.
    Int(i64),
    /// Finite float.
    Float(f64),
    /// UTF-8 string.
    Str(String),
    /// Boolean.
    Bool(bool),
    /// Homogeneous list.
    List(Vec<Value>),
}

impl Value {
    /// Canonical, typed JSON leaf used in cache-key pre-images: `{"i": "3"}`,
    /// `{"f": "0.5"}` (shortest round-trip form), `{"s": "..."}`, `{"b": true}`, lists nested.
    pub fn canonical(&self) -> serde_json::Value {
        match self {
            Value::Int(i) => json!({ "i": i.to_string() }),
            Value::Float(f) => json!({ "f": fmt_float(*f) }),
            Value::Str(s) => json!({ "s": s }),
            Value::Bool(b) => json!({ "b": b }),
            Value::List(v) => serde_json::Value::Array(v.iter().map(Value::canonical).collect()),
        }
    }

    /// Plain JSON (for footers and manifests).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Int(i) => json!(i),
            Value::Float(f) => json!(f),
            Value::Str(s) => json!(s),
            Value::Bool(b) => json!(b),
            Value::List(v) => serde_json::Value::Array(v.iter().map(Value::to_json).collect()),
        }
    }

    /// The value as f64 (ints widen).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
    /// The value as i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    /// The value as a string slice.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The value as a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The value as a list of f64.
    pub fn as_f64_list(&self) -> Option<Vec<f64>> {
        match self {
            Value::List(v) => v.iter().map(Value::as_f64).collect(),
            _ => None,
        }
    }
    /// Converts an untyped YAML scalar or list (as written) into a value, without a declared type.
    pub fn from_node(n: &Node) -> Result<Value, String> {
        Ok(match &n.kind {
            Kind::Int(i) => Value::Int(*i),
            Kind::Float(f) => {
                if !f.is_finite() {
                    return Err(format!("{f} is not allowed: parameters must be finite numbers"));
                }
                Value::Float(*f)
            }
            Kind::Str(s) => Value::Str(s.clone()),
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Seq(v) => Value::List(v.iter().map(Value::from_node).collect::<Result<_, _>>()?),
            Kind::Null => return Err("null is not a parameter value".into()),
            Kind::Map(_) => return Err("a mapping is not a parameter value".into()),
        })
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{}", fmt_float(*x)),
            Value::Str(s) => write!(f, "{s}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::List(v) => {
                write!(f, "[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{x}")?;
                }
                write!(f, "]")
            }
        }
    }
}

/// Shortest round-trip decimal form of a float (`1.0`, `0.1`, `1e-7`), with `-0.0` normalised to `0.0`.
pub fn fmt_float(f: f64) -> String {
    let f = if f == 0.0 { 0.0 } else { f };
    ryu::Buffer::new().format(f).to_string()
}

/// Declared type of a stage parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Integer.
    Int,
    /// Float (integers written in YAML are coerced: `1` ≡ `1.0`).
    Float,
    /// String.
    Str,
    /// Boolean.
    Bool,
    /// List of floats.
    FloatList,
    /// List of integers.
    IntList,
}

impl ParamType {
    /// Name for messages and docs.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "integer",
            ParamType::Float => "float",
            ParamType::Str => "string",
            ParamType::Bool => "boolean",
            ParamType::FloatList => "list of floats",
            ParamType::IntList => "list of integers",
        }
    }

    /// Coerces an untyped value to this type, or says why it cannot.
    pub fn coerce(self, v: &Value) -> Result<Value, String> {
        let bad = || format!("expected {}, found {}", self.name(), describe(v));
        match (self, v) {
            (ParamType::Int, Value::Int(_)) => Ok(v.clone()),
            (ParamType::Int, Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Value::Int(*f as i64)),
            (ParamType::Float, Value::Float(f)) => {
                if f.is_finite() {
                    Ok(v.clone())
                } else {
                    Err(format!("{f} is not allowed: parameters must be finite numbers"))
                }
            }
            (ParamType::Float, Value::Int(i)) => Ok(Value::Float(*i as f64)),
            (ParamType::Str, Value::Str(_)) => Ok(v.clone()),
            (ParamType::Bool, Value::Bool(_)) => Ok(v.clone()),
            (ParamType::FloatList, Value::List(items)) => {
                Ok(Value::List(items.iter().map(|x| ParamType::Float.coerce(x)).collect::<Result<_, _>>()?))
            }
            (ParamType::IntList, Value::List(items)) => {
                Ok(Value::List(items.iter().map(|x| ParamType::Int.coerce(x)).collect::<Result<_, _>>()?))
            }
            (ParamType::FloatList, Value::Float(_) | Value::Int(_)) => {
                Ok(Value::List(vec![ParamType::Float.coerce(v)?]))
            }
            _ => Err(bad()),
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("integer {i}"),
        Value::Float(f) => format!("float {}", fmt_float(*f)),
        Value::Str(s) => format!("string {s:?}"),
        Value::Bool(b) => format!("boolean {b}"),
        Value::List(_) => "a list".into(),
    }
}

/// Resolved, typed parameters of one task (sorted by name).
pub type Params = BTreeMap<String, Value>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_and_float_spellings_coerce_to_one_canonical_form() {
        let a = ParamType::Float.coerce(&Value::Int(1)).unwrap();
        let b = ParamType::Float.coerce(&Value::Float(1.0)).unwrap();
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(Value::Float(0.1).canonical(), Value::Float(1e-1).canonical());
        assert_eq!(Value::Float(-0.0).canonical(), Value::Float(0.0).canonical());
        assert!(ParamType::Float.coerce(&Value::Float(f64::NAN)).is_err());
        assert!(ParamType::Int.coerce(&Value::Float(1.5)).is_err());
        assert!(ParamType::Int.coerce(&Value::Str("3".into())).is_err());
    }
}
