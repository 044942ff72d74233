//! Adaptive explicit Runge–Kutta integration (Dormand–Prince 5(4), FSAL) with
//! per-component error control, used by every ODE of the crate.
//!
//! The method is the classic Dormand & Prince (1980) pair; the step-size
//! controller is the standard `h_new = h * clamp(0.9 * err^{-1/5}, 0.2, 5)`.

use crate::error::{Error, Result};

/// Tolerances and limits for [`integrate`].
#[derive(Debug, Clone, Copy)]
pub struct OdeOptions {
    /// Relative tolerance per component.
    pub rtol: f64,
    /// Absolute tolerance per component.
    pub atol: f64,
    /// First trial step (0 = choose automatically).
    pub h0: f64,
    /// Largest allowed step (0 = unlimited).
    pub h_max: f64,
    /// Maximum number of accepted + rejected steps.
    pub max_steps: usize,
}

impl Default for OdeOptions {
    fn default() -> Self {
        Self { rtol: 1e-8, atol: 1e-10, h0: 0.0, h_max: 0.0, max_steps: 1_000_000 }
    }
}

/// Solution sampled at the requested output times.
#[derive(Debug, Clone)]
pub struct Trajectory {
    /// Output times (as requested).
    pub t: Vec<f64>,
    /// State at each output time (`y[i]` belongs to `t[i]`).
    pub y: Vec<Vec<f64>>,
    /// Number of accepted steps.
    pub steps: usize,
    /// Number of rejected steps.
    pub rejected: usize,
}

const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
const A: [[f64; 6]; 7] = [
    [0.0; 6],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0, 0.0],
    [9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0, 0.0],
    [35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0],
];
/// 5th-order weights (equal to the last row of `A`: FSAL).
const B5: [f64; 7] = [35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0];
/// Difference between 5th- and 4th-order weights.
const E: [f64; 7] = [
    35.0 / 384.0 - 5179.0 / 57600.0,
    0.0,
    500.0 / 1113.0 - 7571.0 / 16695.0,
    125.0 / 192.0 - 393.0 / 640.0,
    -2187.0 / 6784.0 + 92097.0 / 339200.0,
    11.0 / 84.0 - 187.0 / 2100.0,
    -1.0 / 40.0,
];

/// Integrates `dy/dt = f(t, y)` from `y0` at `t_out[0]` through every time of `t_out`
/// (which must be strictly increasing), writing the derivative into its third argument.
///
/// Returns the states at the output times. Output times are hit exactly (the step is
/// shortened to land on them). Errors on non-finite states, step underflow or when
/// `max_steps` is exceeded.
pub fn integrate<F>(mut f: F, y0: &[f64], t_out: &[f64], opts: &OdeOptions) -> Result<Trajectory>
where
    F: FnMut(f64, &[f64], &mut [f64]),
{
    if t_out.is_empty() {
        return Ok(Trajectory { t: vec![], y: vec![], steps: 0, rejected: 0 });
    }
    if t_out.windows(2).any(|w| !(w[1] > w[0])) || t_out.iter().any(|t| !t.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "t_out",
            value: f64::NAN,
            reason: "output times must be finite and strictly increasing",
        });
    }
    if !(opts.rtol > 0.0) || !(opts.atol >= 0.0) {
        return Err(Error::InvalidParameter { name: "rtol", value: opts.rtol, reason: "must be > 0 (atol >= 0)" });
    }
    let n = y0.len();
    let mut y = y0.to_vec();
    let mut t = t_out[0];
    let mut out_t = vec![t];
    let mut out_y = vec![y.clone()];
    let mut k = vec![vec![0.0; n]; 7];
    let mut ytmp = vec![0.0; n];
    let mut ynew = vec![0.0; n];
    f(t, &y, &mut k[0]);
    let span = t_out[t_out.len() - 1] - t;
    let mut h = if opts.h0 > 0.0 { opts.h0 } else { initial_step(&y, &k[0], opts, span) };
    let (mut steps, mut rejected) = (0usize, 0usize);
    for &target in &t_out[1..] {
        while t < target {
            if steps + rejected >= opts.max_steps {
                return Err(Error::Integration { t, reason: "maximum number of steps exceeded" });
            }
            if opts.h_max > 0.0 {
                h = h.min(opts.h_max);
            }
            let last = t + h >= target;
            let hh = if last { target - t } else { h };
            if hh <= f64::EPSILON * t.abs().max(1.0) * 4.0 && !last {
                return Err(Error::Integration { t, reason: "step size underflow" });
            }
            for s in 1..7 {
                for i in 0..n {
                    let mut acc = y[i];
                    for (j, kj) in k.iter().enumerate().take(s) {
                        acc += hh * A[s][j] * kj[i];
                    }
                    ytmp[i] = acc;
                }
                let (head, tail) = k.split_at_mut(s);
                let _ = head;
                f(t + C[s] * hh, &ytmp, &mut tail[0]);
            }
            // ytmp now holds the 5th-order solution (stage 7 point, FSAL).
            let mut err = 0.0f64;
            for i in 0..n {
                let mut e = 0.0;
                let mut y5 = y[i];
                for s in 0..7 {
                    e += E[s] * k[s][i];
                    y5 += hh * B5[s] * k[s][i];
                }
                ynew[i] = y5;
                let sc = opts.atol + opts.rtol * y[i].abs().max(y5.abs());
                let r = hh * e / sc;
                err = err.max(r.abs());
            }
            if !err.is_finite() || ynew.iter().any(|v| !v.is_finite()) {
                if hh < 1e-300 {
                    return Err(Error::NonFinite("ODE right-hand side"));
                }
                h = hh * 0.1;
                rejected += 1;
                continue;
            }
            if err <= 1.0 {
                t = if last { target } else { t + hh };
                std::mem::swap(&mut y, &mut ynew);
                let k6 = k[6].clone();
                k[0].copy_from_slice(&k6);
                steps += 1;
                let fac = if err == 0.0 { 5.0 } else { (0.9 * err.powf(-0.2)).clamp(0.2, 5.0) };
                if !last {
                    h = hh * fac;
                } else {
                    h = h.max(hh * fac.min(1.0));
                }
            } else {
                rejected += 1;
                h = hh * (0.9 * err.powf(-0.2)).clamp(0.1, 1.0);
            }
        }
        out_t.push(target);
        out_y.push(y.clone());
    }
    Ok(Trajectory { t: out_t, y: out_y, steps, rejected })
}

/// Hairer–Nørsett–Wanner heuristic for the first step.
fn initial_step(y: &[f64], f0: &[f64], opts: &OdeOptions, span: f64) -> f64 {
    let mut d0 = 0.0f64;
    let mut d1 = 0.0f64;
    for (yi, fi) in y.iter().zip(f0) {
        let sc = opts.atol + opts.rtol * yi.abs();
        d0 = d0.max((yi / sc).abs());
        d1 = d1.max((fi / sc).abs());
    }
    let h = if d0 < 1e-5 || d1 < 1e-5 { 1e-6 } else { 0.01 * d0 / d1 };
    h.min(span.abs()).max(1e-12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_decay_matches_closed_form() {
        let ts: Vec<f64> = (0..=10).map(|i| i as f64 * 0.5).collect();
        let tr = integrate(|_, y, d| d[0] = -1.3 * y[0], &[2.0], &ts, &OdeOptions::default()).unwrap();
        for (t, y) in tr.t.iter().zip(&tr.y) {
            assert!((y[0] - 2.0 * (-1.3 * t).exp()).abs() < 1e-8);
        }
    }

    #[test]
    fn harmonic_oscillator_conserves_phase() {
        let ts = [0.0, std::f64::consts::PI, 2.0 * std::f64::consts::PI, 20.0];
        let tr = integrate(
            |_, y, d| {
                d[0] = y[1];
                d[1] = -y[0];
            },
            &[1.0, 0.0],
            &ts,
            &OdeOptions::default(),
        )
        .unwrap();
        assert!((tr.y[1][0] + 1.0).abs() < 1e-7);
        assert!((tr.y[2][0] - 1.0).abs() < 1e-7);
        assert!((tr.y[3][0] - 20f64.cos()).abs() < 1e-6 && (tr.y[3][1] + 20f64.sin()).abs() < 1e-6);
    }

    #[test]
    fn rejects_unsorted_times_and_blowup() {
        assert!(integrate(|_, _, d| d[0] = 0.0, &[1.0], &[1.0, 0.5], &OdeOptions::default()).is_err());
        // y' = y^2 blows up at t = 1.
        let r = integrate(
            |_, y, d| d[0] = y[0] * y[0],
            &[1.0],
            &[0.0, 2.0],
            &OdeOptions { max_steps: 10_000, ..Default::default() },
        );
        assert!(r.is_err());
    }
}
