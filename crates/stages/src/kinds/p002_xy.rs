//! Stage kinds for p002_xy (in progress).

use pipeline::Registry;

/// Registers this module's stage kinds.
pub fn register(_r: &mut Registry) {}
