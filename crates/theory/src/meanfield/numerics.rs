//! Small numerical kernels shared by the mean-field solvers: a bracketed,
//! safeguarded Newton root finder and cancellation-free forms of `tanh(y)/y`.

use crate::error::{Error, Result};

/// Absolute and relative step tolerance plus an iteration cap for [`solve_bracketed`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct RootTol {
    pub atol: f64,
    pub rtol: f64,
    pub max_iter: usize,
}

impl Default for RootTol {
    fn default() -> Self {
        Self { atol: 1e-300, rtol: 4.0 * f64::EPSILON, max_iter: 400 }
    }
}

/// Root of `f` in the bracket `[a, b]` (`f(a)` and `f(b)` of opposite signs), by Newton
/// steps that fall back to bisection whenever a step would leave the bracket or
/// shrinks it too slowly ("rtsafe"). `f` returns `(value, derivative)`. `x0` is a
/// starting guess (ignored when outside the bracket).
///
/// Errors: `NotConverged` when the bracket is invalid or the cap is hit, `NonFinite`
/// when `f` returns NaN.
pub(crate) fn solve_bracketed<F>(mut f: F, a: f64, b: f64, x0: f64, tol: RootTol, solver: &'static str) -> Result<f64>
where
    F: FnMut(f64) -> (f64, f64),
{
    let (fa, _) = f(a);
    let (fb, _) = f(b);
    if fa.is_nan() || fb.is_nan() {
        return Err(Error::NonFinite(solver));
    }
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    if fa.signum() == fb.signum() {
        return Err(Error::NotConverged { solver, iterations: 0, residual: fa.abs().min(fb.abs()) });
    }
    // xl: f < 0 side, xh: f > 0 side.
    let (mut xl, mut xh) = if fa < 0.0 { (a, b) } else { (b, a) };
    let (lo, hi) = (a.min(b), a.max(b));
    let mut x = if x0 > lo && x0 < hi { x0 } else { 0.5 * (a + b) };
    let mut dxold = (b - a).abs();
    let mut dx = dxold;
    let (mut fx, mut dfx) = f(x);
    for it in 0..tol.max_iter {
        if fx.is_nan() {
            return Err(Error::NonFinite(solver));
        }
        if fx == 0.0 {
            return Ok(x);
        }
        if fx < 0.0 {
            xl = x;
        } else {
            xh = x;
        }
        let newton_ok = dfx.is_finite()
            && dfx != 0.0
            && ((x - xh) * dfx - fx) * ((x - xl) * dfx - fx) < 0.0
            && (2.0 * fx).abs() <= (dxold * dfx).abs();
        dxold = dx;
        if newton_ok {
            dx = fx / dfx;
            x -= dx;
        } else {
            dx = 0.5 * (xh - xl);
            x = xl + dx;
        }
        let scale = tol.atol + tol.rtol * x.abs();
        if dx.abs() <= scale || (xh - xl).abs() <= scale {
            return Ok(x);
        }
        (fx, dfx) = f(x);
        let _ = it;
    }
    Err(Error::NotConverged { solver, iterations: tol.max_iter, residual: fx.abs() })
}

/// `tanh(y)/y − 1`, accurate for small `|y|` (series below 0.02).
pub(crate) fn tanhc_m1(y: f64) -> f64 {
    let y2 = y * y;
    if y.abs() < 0.02 {
        y2 * (-1.0 / 3.0 + y2 * (2.0 / 15.0 + y2 * (-17.0 / 315.0 + y2 * (62.0 / 2835.0))))
    } else {
        y.tanh() / y - 1.0
    }
}

/// `tanh(y)/y` (equal to 1 at `y = 0`).
pub(crate) fn tanhc(y: f64) -> f64 {
    1.0 + tanhc_m1(y)
}

/// Derivative of `tanh(y)/y` with respect to `y`.
pub(crate) fn tanhc_prime(y: f64) -> f64 {
    if y.abs() < 0.02 {
        let y2 = y * y;
        y * (-2.0 / 3.0 + y2 * (8.0 / 15.0 + y2 * (-102.0 / 315.0 + y2 * (496.0 / 2835.0))))
    } else {
        let t = y.tanh();
        ((1.0 - t * t) * y - t) / (y * y)
    }
}

/// `ln(2 cosh x)` without overflow.
pub(crate) fn log2cosh(x: f64) -> f64 {
    let a = x.abs();
    a + (-2.0 * a).exp().ln_1p()
}

/// `1 − tanh²(x)`.
pub(crate) fn sech2(x: f64) -> f64 {
    let t = x.tanh();
    1.0 - t * t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanhc_series_matches_direct_form_at_the_switch() {
        for &y in &[0.019_999f64, 0.020_001, -0.02] {
            let direct = y.tanh() / y - 1.0;
            assert!((tanhc_m1(y) - direct).abs() < 1e-13, "{y}");
            let t = y.tanh();
            let dd = ((1.0 - t * t) * y - t) / (y * y);
            assert!((tanhc_prime(y) - dd).abs() < 1e-10, "{y}");
        }
    }

    #[test]
    fn solver_finds_cubic_root_and_rejects_bad_bracket() {
        let r = solve_bracketed(|x| (x * x * x - 2.0, 3.0 * x * x), 0.0, 2.0, 1.0, RootTol::default(), "t").unwrap();
        assert!((r - 2f64.cbrt()).abs() < 1e-14);
        assert!(solve_bracketed(|x| (x * x + 1.0, 2.0 * x), -1.0, 1.0, 0.0, RootTol::default(), "t").is_err());
    }
}
