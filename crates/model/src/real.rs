//! Floating-point abstraction: every array of an [`crate::Rbm`] is `f32` (default, fast) or `f64`.

use ndarray::{LinalgScalar, ScalarOperand};
use std::fmt::{Debug, Display};
use std::ops::{AddAssign, DivAssign, MulAssign, Neg, SubAssign};

/// A floating-point scalar usable as the storage type of RBM parameters and chains.
///
/// Implemented for `f32` and `f64`. Exact references (enumeration, closed forms, AIS weights)
/// always accumulate in `f64`, whatever the storage type.
pub trait Real:
    LinalgScalar
    + ScalarOperand
    + Send
    + Sync
    + Debug
    + Display
    + Default
    + PartialOrd
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Neg<Output = Self>
{
    /// Type name, `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Convert from `f64` (rounding for `f32`).
    fn from_f64(x: f64) -> Self;
    /// Convert to `f64` (exact).
    fn to_f64(self) -> f64;
    /// e^x.
    fn exp(self) -> Self;
    /// e^x by an inlinable, vectorisable polynomial (`f32`: Cody–Waite reduction to
    /// `|r| ≤ ln2/2`, degree-7 Taylor polynomial, argument clamped to [−87.3, 88]; relative
    /// error below 3·10⁻⁷; `f64`: the library `exp`). Used by the binary-unit hot loops.
    fn exp_fast(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// True when neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// A uniform number in [0, 1) from 64 random bits (24 bits used for `f32`, 53 for `f64`).
    fn uniform_from_bits(bits: u64) -> Self;
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn exp(self) -> Self {
        f32::exp(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn exp_fast(self) -> Self {
        const LOG2E: f32 = std::f32::consts::LOG2_E;
        const LN2_HI: f32 = 0.693_145_75;
        const LN2_LO: f32 = 1.428_606_8e-6;
        const ROUND: f32 = 12_582_912.0; // 1.5·2²³: adding and subtracting rounds to an integer
        let x = self.clamp(-87.3, 88.0);
        let k = (x * LOG2E + ROUND) - ROUND;
        let r = (x - k * LN2_HI) - k * LN2_LO;
        let p = 1.0
            + r * (1.0
                + r * (0.5
                    + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
        p * f32::from_bits(((k as i32 + 127) as u32) << 23)
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    #[inline(always)]
    fn uniform_from_bits(bits: u64) -> Self {
        (bits >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }
}

impl Real for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn exp_fast(self) -> Self {
        f64::exp(self)
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    #[inline(always)]
    fn uniform_from_bits(bits: u64) -> Self {
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::Real;

    #[test]
    fn f32_exp_fast_relative_error() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 87.9 {
            let e = (x as f64).exp();
            worst = worst.max(((x.exp_fast() as f64) - e).abs() / e);
            x += 0.001_7;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert!((-1000.0f32).exp_fast() >= 0.0 && 1000.0f32.exp_fast().is_finite());
    }
}
