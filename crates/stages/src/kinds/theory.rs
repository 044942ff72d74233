//! Stage kinds of the `theory` crate (in progress).

use pipeline::Registry;

/// Registers this module's stage kinds.
pub fn register(_r: &mut Registry) {}
