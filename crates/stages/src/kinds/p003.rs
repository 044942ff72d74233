//! Stage kinds for p003 (in progress).

use pipeline::Registry;

/// Registers this module's stage kinds.
pub fn register(_r: &mut Registry) {}
