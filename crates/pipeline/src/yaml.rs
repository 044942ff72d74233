//! A YAML reader that keeps the source position of every node, so that every
//! configuration error can name `file:line:column` and the key path.
//!
//! Scalars are typed with the YAML 1.2 core schema (plain `true/false`, `null`/`~`,
//! integers and floats; quoted scalars are always strings). Anchors and aliases are
//! supported; duplicate mapping keys are rejected.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Source position of a node (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// File the node comes from.
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Node content.
    pub kind: Kind,
    /// Where it starts.
    pub loc: Loc,
}

/// Content of a YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~` or empty.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (may be NaN or infinite: callers reject those where a number is expected).
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys in source order (each key with its position).
    Map(Vec<(String, Loc, Node)>),
}

impl Node {
    /// A short name of the node's type for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a float",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// Looks a key up in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Where.
    pub loc: Loc,
    /// What.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: YAML syntax error: {}", self.loc, self.message)
    }
}

/// Parses a YAML document from `text`; `file` is used for positions only.
pub fn parse_str(text: &str, file: &Path) -> Result<Node, SyntaxError> {
    let file = Arc::new(file.to_path_buf());
    let mut events = Vec::new();
    for ev in Parser::new_from_str(text) {
        match ev {
            Ok((e, span)) => events.push((e, span.start.line(), span.start.col() + 1)),
            Err(e) => {
                let m = e.marker();
                return Err(SyntaxError {
                    loc: Loc { file, line: m.line(), col: m.col() + 1 },
                    message: e.info().to_string(),
                });
            }
        }
    }
    let mut b = Builder { events, pos: 0, file: file.clone(), anchors: Default::default() };
    // Skip StreamStart / DocumentStart.
    while b.pos < b.events.len() {
        match b.events[b.pos].0 {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => b.pos += 1,
            _ => break,
        }
    }
    let loc = b.loc();
    if matches!(b.peek(), None | Some(Event::StreamEnd) | Some(Event::DocumentEnd)) {
        return Ok(Node { kind: Kind::Null, loc });
    }
    let node = b.node()?;
    // A second document is not allowed.
    while b.pos < b.events.len() {
        match b.events[b.pos].0 {
            Event::DocumentEnd | Event::StreamEnd | Event::Nothing => b.pos += 1,
            _ => {
                return Err(SyntaxError { loc: b.loc(), message: "only one YAML document per file".into() });
            }
        }
    }
    Ok(node)
}

/// Reads and parses a YAML file.
pub fn parse_file(path: &Path) -> Result<Node, SyntaxError> {
    let text = std::fs::read_to_string(path).map_err(|e| SyntaxError {
        loc: Loc { file: Arc::new(path.to_path_buf()), line: 0, col: 0 },
        message: format!("cannot read file: {e}"),
    })?;
    parse_str(&text, path)
}

struct Builder<'a> {
    events: Vec<(Event<'a>, usize, usize)>,
    pos: usize,
    file: Arc<PathBuf>,
    anchors: std::collections::HashMap<usize, Node>,
}

impl<'a> Builder<'a> {
    fn peek(&self) -> Option<&Event<'a>> {
        self.events.get(self.pos).map(|e| &e.0)
    }
    fn loc(&self) -> Loc {
        let (line, col) = self.events.get(self.pos).map(|e| (e.1, e.2)).unwrap_or((0, 0));
        Loc { file: self.file.clone(), line, col }
    }
    fn err(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError { loc: self.loc(), message: message.into() }
    }

    fn node(&mut self) -> Result<Node, SyntaxError> {
        let loc = self.loc();
        let ev = self.events.get(self.pos).map(|e| e.0.clone()).ok_or_else(|| self.err("unexpected end of input"))?;
        self.pos += 1;
        let (node, anchor) = match ev {
            Event::Scalar(v, style, anchor, tag) => {
                let kind = if tag.is_some() || style != ScalarStyle::Plain {
                    Kind::Str(v.to_string())
                } else {
                    plain_scalar(&v)
                };
                (Node { kind, loc }, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    match self.peek() {
                        Some(Event::SequenceEnd) => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(self.err("unterminated list")),
                        _ => items.push(self.node()?),
                    }
                }
                (Node { kind: Kind::Seq(items), loc }, anchor)
            }
            Event::MappingStart(anchor, _) => {
                let mut items: Vec<(String, Loc, Node)> = Vec::new();
                loop {
                    match self.peek() {
                        Some(Event::MappingEnd) => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(self.err("unterminated mapping")),
                        _ => {
                            let k = self.node()?;
                            let key = match k.kind.clone() {
                                Kind::Str(s) => s,
                                Kind::Int(i) => i.to_string(),
                                Kind::Bool(b) => b.to_string(),
                                Kind::Float(f) => f.to_string(),
                                _ => {
                                    let message = format!("mapping keys must be scalars, found {}", k.type_name());
                                    return Err(SyntaxError { loc: k.loc, message });
                                }
                            };
                            if items.iter().any(|(kk, _, _)| *kk == key) {
                                return Err(SyntaxError { loc: k.loc, message: format!("duplicate key `{key}`") });
                            }
                            let v = self.node()?;
                            items.push((key, k.loc, v));
                        }
                    }
                }
                (Node { kind: Kind::Map(items), loc }, anchor)
            }
            Event::Alias(id) => {
                let n = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| SyntaxError { loc: loc.clone(), message: "alias to an unknown anchor".into() })?;
                return Ok(Node { kind: n.kind, loc });
            }
            other => {
                return Err(SyntaxError { loc, message: format!("unexpected YAML event {other:?}") });
            }
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }
}

/// Types a plain scalar by the YAML 1.2 core schema.
fn plain_scalar(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Kind::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Kind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Kind::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = s.parse::<i64>()
    {
        return Kind::Int(i);
    }
    if let Some(h) = s.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(h, 16)
    {
        return Kind::Int(i);
    }
    let looks_float = {
        let b = digits.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_digit() || b[0] == b'.')
            && b.iter().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
            && b.iter().any(|c| c.is_ascii_digit())
    };
    if looks_float && let Ok(f) = s.parse::<f64>() {
        return Kind::Float(f);
    }
    Kind::Str(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_positions() {
        let n = parse_str("a: 1\nb: 1.0\nc: '1'\nd: [x, true, ~]\ne:\n  f: 1e-3\n", Path::new("t.yaml")).unwrap();
        assert_eq!(n.get("a").unwrap().kind, Kind::Int(1));
        assert_eq!(n.get("b").unwrap().kind, Kind::Float(1.0));
        assert_eq!(n.get("c").unwrap().kind, Kind::Str("1".into()));
        let e = n.get("e").unwrap();
        assert_eq!(e.get("f").unwrap().kind, Kind::Float(1e-3));
        assert_eq!((e.get("f").unwrap().loc.line, e.get("f").unwrap().loc.col), (6, 6));
        match &n.get("d").unwrap().kind {
            Kind::Seq(v) => assert_eq!(v[2].kind, Kind::Null),
            _ => panic!(),
        }
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_have_positions() {
        let e = parse_str("a: 1\na: 2\n", Path::new("t.yaml")).unwrap_err();
        assert_eq!(e.loc.line, 2);
        let e = parse_str("a: [1, 2\n", Path::new("t.yaml")).unwrap_err();
        assert!(e.loc.line >= 1, "{e}");
    }

    #[test]
    fn anchors_and_aliases() {
        let n = parse_str("x: &v [1, 2]\ny: *v\n", Path::new("t.yaml")).unwrap();
        assert_eq!(n.get("x").unwrap().kind, n.get("y").unwrap().kind);
    }
}
