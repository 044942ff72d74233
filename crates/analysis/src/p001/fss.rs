//! Quality of a finite-size-scaling (FSS) collapse (paper 001 Figs. 3E, 4B, 4D: "scaled using
//! the mean-field finite-size scaling ansatz of Eq. (7)"; FIGURES.md §0: `χ = N^{γ/(νd_u)}
//! φ(N^{1/(νd_u)}(β − β_c))`, both exponents 1/2 in mean field).
//!
//! Each curve `k` (system size `N_k`) is rescaled to `X = N_k^a (x − x_c)`, `Y = N_k^{−b} y`.
//! The metric (in the spirit of Bhattacharjee & Seno, J. Phys. A 34 (2001) 6375) is the mean,
//! over all ordered pairs of distinct curves `(p, q)` and all points `i` of `p` whose `X_{p,i}`
//! lies inside the `X` range of `q`, of the squared difference between `Y_{p,i}` and the linear
//! interpolation of curve `q` at `X_{p,i}`, either of `ln Y` (`log_y = true`, scale free, natural
//! for susceptibilities spanning decades) or of `Y` divided by the mean of `Y²` over the
//! compared points (`log_y = false`). It is 0 for a perfect collapse, and it is compared across
//! trial exponents only (its absolute value depends on the noise).

use crate::{Error, Result};

/// One curve `y(x)` measured at system size `size`.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// System size `N` (e.g. `√(N_v N_h)` in paper 001).
    pub size: f64,
    /// Control parameter values (e.g. β = w²/16).
    pub x: Vec<f64>,
    /// Observable values (e.g. χ).
    pub y: Vec<f64>,
}

/// Trial scaling of [`collapse_quality`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    /// Critical point `x_c`.
    pub x_c: f64,
    /// Exponent of the abscissa, `X = N^a (x − x_c)` (`1/(ν d_u)`).
    pub a: f64,
    /// Exponent of the ordinate, `Y = N^{−b} y` (`γ/(ν d_u)`).
    pub b: f64,
    /// Compare `ln Y` (true) or relative `Y` (false).
    pub log_y: bool,
}

/// Collapse metric and how many point comparisons it averages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CollapseQuality {
    /// The metric of the module docs (≥ 0; smaller is better).
    pub value: f64,
    /// Number of (curve pair, point) comparisons.
    pub comparisons: usize,
}

/// Collapse metric of `curves` under the trial `scaling` (module docs). Errors on fewer than two
/// curves, mismatched lengths, non-positive sizes, non-positive `y` with `log_y`, or no overlap
/// between rescaled curves.
pub fn collapse_quality(curves: &[Curve], scaling: Scaling) -> Result<CollapseQuality> {
    if curves.len() < 2 {
        return Err(Error::Invalid("collapse_quality needs at least two curves".into()));
    }
    let mut scaled: Vec<Vec<(f64, f64)>> = Vec::with_capacity(curves.len());
    for c in curves {
        if c.x.len() != c.y.len() || c.x.len() < 2 || !(c.size > 0.0 && c.size.is_finite()) {
            return Err(Error::Invalid(format!(
                "curve of size {} with {} x and {} y values",
                c.size,
                c.x.len(),
                c.y.len()
            )));
        }
        crate::check_finite("curve x", c.x.iter().copied())?;
        crate::check_finite("curve y", c.y.iter().copied())?;
        if scaling.log_y && c.y.iter().any(|v| *v <= 0.0) {
            return Err(Error::Invalid("log_y collapse needs positive y".into()));
        }
        let sx = c.size.powf(scaling.a);
        let sy = c.size.powf(-scaling.b);
        let mut pts: Vec<(f64, f64)> =
            c.x.iter()
                .zip(&c.y)
                .map(|(x, y)| {
                    let yy = sy * y;
                    (sx * (x - scaling.x_c), if scaling.log_y { yy.ln() } else { yy })
                })
                .collect();
        pts.sort_by(|p, q| p.0.total_cmp(&q.0));
        scaled.push(pts);
    }
    let (mut sum, mut norm, mut count) = (0.0, 0.0, 0usize);
    for (p, cp) in scaled.iter().enumerate() {
        for (q, cq) in scaled.iter().enumerate() {
            if p == q {
                continue;
            }
            let (lo, hi) = (cq[0].0, cq[cq.len() - 1].0);
            for &(x, y) in cp {
                if x < lo || x > hi {
                    continue;
                }
                let k = cq.partition_point(|pt| pt.0 < x).clamp(1, cq.len() - 1);
                let (x0, y0) = cq[k - 1];
                let (x1, y1) = cq[k];
                let yi = if x1 > x0 { y0 + (y1 - y0) * (x - x0) / (x1 - x0) } else { 0.5 * (y0 + y1) };
                sum += (y - yi).powi(2);
                norm += y * y;
                count += 1;
            }
        }
    }
    if count == 0 {
        return Err(Error::Degenerate("collapse_quality: rescaled curves do not overlap".into()));
    }
    let value = if scaling.log_y { sum / count as f64 } else { sum / norm.max(f64::MIN_POSITIVE) };
    Ok(CollapseQuality { value, comparisons: count })
}

/// Evaluates [`collapse_quality`] for every candidate `(a, b)` at fixed `x_c` and returns the
/// values (NaN where a candidate gives no overlap) and the index of the best candidate (paper 001
/// Fig. 3E check: the metric is minimal near the mean-field ratio 1/2 when scanned over
/// [0.3, 0.7], FIGURES.md §2).
pub fn scan_collapse(curves: &[Curve], x_c: f64, candidates: &[(f64, f64)], log_y: bool) -> Result<(Vec<f64>, usize)> {
    if candidates.is_empty() {
        return Err(Error::Invalid("scan_collapse: no candidates".into()));
    }
    let mut values = Vec::with_capacity(candidates.len());
    for &(a, b) in candidates {
        match collapse_quality(curves, Scaling { x_c, a, b, log_y }) {
            Ok(q) => values.push(q.value),
            Err(Error::Degenerate(_)) => values.push(f64::NAN),
            Err(e) => return Err(e),
        }
    }
    let best = (0..values.len())
        .filter(|&i| values[i].is_finite())
        .min_by(|&i, &j| values[i].total_cmp(&values[j]))
        .ok_or_else(|| Error::Degenerate("scan_collapse: no candidate gives overlapping curves".into()))?;
    Ok((values, best))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_distr::StandardNormal;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// χ(N, x) = N^{1/2} f(N^{1/2}(x − x_c)), f(z) = 1/(1 + z²) + 0.2/(1 + e^{−z}), times
    /// (1 + noise·ξ).
    fn curves(noise: f64, seed: u64) -> Vec<Curve> {
        let xc = 1.2377;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        [100.0f64, 400.0, 1600.0]
            .iter()
            .map(|&n| {
                let x: Vec<f64> = (0..201).map(|i| xc - 0.5 + i as f64 * 0.005).collect();
                let y = x
                    .iter()
                    .map(|&x| {
                        let z = n.sqrt() * (x - xc);
                        let f = 1.0 / (1.0 + z * z) + 0.2 / (1.0 + (-z).exp());
                        n.sqrt() * f * (1.0 + noise * rng.sample::<f64, _>(StandardNormal))
                    })
                    .collect();
                Curve { size: n, x, y }
            })
            .collect()
    }

    #[test]
    fn exact_scaling_function_collapses_at_the_true_exponents() {
        let c = curves(0.0, 0);
        let grid: Vec<(f64, f64)> = (0..=40).map(|k| 0.3 + 0.01 * k as f64).map(|r| (r, r)).collect();
        for log_y in [true, false] {
            let (vals, best) = scan_collapse(&c, 1.2377, &grid, log_y).unwrap();
            assert!((grid[best].0 - 0.5).abs() < 0.011, "log_y {log_y}: best {}", grid[best].0);
            let at = |r: f64| vals[((r - 0.3) / 0.01).round() as usize];
            // Only interpolation error remains at 0.5; the wrong ratios are far worse.
            assert!(at(0.35) > 100.0 * at(0.5) && at(0.65) > 100.0 * at(0.5), "{} {} {}", at(0.35), at(0.5), at(0.65));
        }
        let q = collapse_quality(&c, Scaling { x_c: 1.2377, a: 0.5, b: 0.5, log_y: true }).unwrap();
        assert!(q.value < 1e-4 && q.comparisons > 300);
    }

    #[test]
    fn noisy_curves_still_select_the_mean_field_ratio() {
        // 3 % multiplicative noise: the minimum stays within ±0.05 of 1/2 (FIGURES.md asks ±0.1).
        let c = curves(0.03, 4);
        let grid: Vec<(f64, f64)> = (0..=40).map(|k| 0.3 + 0.01 * k as f64).map(|r| (r, r)).collect();
        let (_, best) = scan_collapse(&c, 1.2377, &grid, true).unwrap();
        assert!((grid[best].0 - 0.5).abs() <= 0.05, "best {}", grid[best].0);
    }

    #[test]
    fn errors_are_reported() {
        let c = curves(0.0, 0);
        assert!(collapse_quality(&c[..1], Scaling { x_c: 0.0, a: 0.5, b: 0.5, log_y: true }).is_err());
        let far = vec![
            Curve { size: 10.0, x: vec![0.0, 1.0], y: vec![1.0, 1.0] },
            Curve { size: 20.0, x: vec![5.0, 6.0], y: vec![1.0, 1.0] },
        ];
        assert!(matches!(
            collapse_quality(&far, Scaling { x_c: 0.0, a: 0.0, b: 0.0, log_y: false }),
            Err(Error::Degenerate(_))
        ));
        let neg = vec![Curve { size: 10.0, x: vec![0.0, 1.0], y: vec![-1.0, 1.0] }, c[0].clone()];
        assert!(collapse_quality(&neg, Scaling { x_c: 0.0, a: 0.5, b: 0.5, log_y: true }).is_err());
    }
}
