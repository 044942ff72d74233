//! Configuration errors that name the file, line, column and key path.

use crate::yaml::{Loc, SyntaxError};
use std::fmt;

/// An error in a pipeline file: where, which key, what.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// Position in the YAML file.
    pub loc: Loc,
    /// Dotted key path, e.g. `stages.eig.params.beta`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// Builds an error.
    pub fn new(loc: &Loc, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { loc: loc.clone(), path: path.into(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.loc, self.message)
        } else {
            write!(f, "{}: at `{}`: {}", self.loc, self.path, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<SyntaxError> for ConfigError {
    fn from(e: SyntaxError) -> Self {
        Self { loc: e.loc, path: String::new(), message: format!("YAML syntax error: {}", e.message) }
    }
}
