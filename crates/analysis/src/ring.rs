//! Receptive fields on the `N`-site ring of paper 002 (Ising data with periodic boundary
//! conditions, eq. 8): the centre of a weight profile `w_i` (PBC-aware), unwrapping of centre
//! trajectories over epochs (Figs. 5a, 6: "when the peak crosses the boundary, we add or subtract
//! the size N of the system"), sorting hidden units by centre (Fig. 4b, c) and the gaps and
//! pairwise separations between centres (Figs. 4a, 6).
//!
//! **Centre.** Sites sit at positions `i = 0, …, N−1` on a circle of length `N`. The profile is
//! first sign-oriented (multiplied by the sign of its largest-magnitude entry: the RBM is
//! invariant under `h_μ → −h_μ, w_iμ → −w_iμ`, paper 002 Fig. 4 caption). The centre is the
//! weighted circular mean of the site positions with weights `a_i = max(w_i, 0)^power`,
//! optionally restricted to the sites within `half_window` of the arg-max. A uniform baseline
//! adds nothing to `Σ a_i e^{2πi·i/N}`, and for a bump that is symmetric about `c` the sum has
//! phase exactly `2πc/N` up to aliasing terms `∝ ĝ(2π)` (Poisson summation), so the estimate is
//! unbiased for symmetric peaks at non-integer positions.

use crate::circular::{circular_mean, min_image, sorted_gaps, wrap};
use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Options of [`receptive_field_centre`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CentreOptions {
    /// Exponent of the site weights `a_i = max(w_i, 0)^power` (1: centre of mass of the positive
    /// part; 2: of its square, which suppresses tail noise more).
    pub power: f64,
    /// If set, only sites at ring distance ≤ `half_window` from the arg-max count.
    pub half_window: Option<usize>,
}

impl Default for CentreOptions {
    fn default() -> Self {
        Self { power: 1.0, half_window: None }
    }
}

/// Centre of one receptive field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RingCentre {
    /// Centre position in `[0, N)` (site units).
    pub centre: f64,
    /// Mean resultant length of the site weights (near 1: sharply localised; near 0: spread).
    pub resultant: f64,
    /// Site of the largest `|w_i|`.
    pub argmax: usize,
    /// `+1` or `−1`: the sign applied to orient the profile (largest-magnitude entry positive).
    pub sign: f64,
}

/// Multiplies `w` by the sign of its largest-magnitude entry, so that the peak is positive
/// (paper 002 Fig. 4a: "the overall sign of the weights attached to the same hidden unit does
/// not matter"). Returns the oriented copy and the sign used.
pub fn orient_sign(w: ArrayView1<f64>) -> (Array1<f64>, f64) {
    let imax = argmax_abs(w);
    let sign = if w.get(imax).copied().unwrap_or(0.0) < 0.0 { -1.0 } else { 1.0 };
    (w.mapv(|v| v * sign), sign)
}

fn argmax_abs(w: ArrayView1<f64>) -> usize {
    w.iter().enumerate().fold(0, |m, (i, v)| if v.abs() > w[m].abs() { i } else { m })
}

/// PBC-aware centre of the weight profile `w` of one hidden unit on an `N = w.len()` ring
/// (paper 002 Figs. 3a, 5a: "the center of the peak"); method in the module docs.
/// Errors on an empty or non-finite profile, on an identically zero profile and when the
/// weights have no defined circular mean.
pub fn receptive_field_centre(w: ArrayView1<f64>, opts: CentreOptions) -> Result<RingCentre> {
    crate::check_finite("weight profile", w.iter().copied())?;
    if !(opts.power > 0.0 && opts.power.is_finite()) {
        return Err(Error::Invalid(format!("centre power {}", opts.power)));
    }
    let n = w.len();
    let (o, sign) = orient_sign(w);
    let argmax = argmax_abs(w);
    if o[argmax] <= 0.0 {
        return Err(Error::Degenerate("receptive_field_centre: profile is identically zero".into()));
    }
    let pos: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let a: Vec<f64> = (0..n)
        .map(|i| {
            let inside =
                opts.half_window.is_none_or(|h| min_image(argmax as f64, i as f64, n as f64).abs() <= h as f64);
            if inside { o[i].max(0.0).powf(opts.power) } else { 0.0 }
        })
        .collect();
    let m = circular_mean(&pos, Some(&a), n as f64)?;
    Ok(RingCentre { centre: m.mean, resultant: m.resultant, argmax, sign })
}

/// Centres of all hidden units of an `N × M` weight matrix (column `μ` = unit `μ`), in unit order.
pub fn centres_of_units(w: ArrayView2<f64>, opts: CentreOptions) -> Result<Vec<RingCentre>> {
    if w.ncols() == 0 {
        return Err(Error::Invalid("weight matrix has no hidden units".into()));
    }
    w.columns().into_iter().map(|c| receptive_field_centre(c, opts)).collect()
}

/// Unwraps a trajectory of ring positions (each in `[0, N)`, one per checkpoint): every step is
/// replaced by its minimum image, so crossing the boundary adds or subtracts `N` (paper 002
/// Figs. 5a, 6). Valid when the true displacement between consecutive checkpoints is < `N/2`.
/// The first point is kept as is.
pub fn unwrap_trajectory(positions: &[f64], n: f64) -> Result<Vec<f64>> {
    if !(n > 0.0 && n.is_finite()) {
        return Err(Error::Invalid(format!("ring length {n}")));
    }
    crate::check_finite("trajectory", positions.iter().copied())?;
    let mut out = Vec::with_capacity(positions.len());
    out.push(positions[0]);
    for k in 1..positions.len() {
        let prev = out[k - 1];
        out.push(prev + min_image(positions[k - 1], positions[k], n));
    }
    Ok(out)
}

/// Unwraps each row of a `units × checkpoints` (or `runs × checkpoints`) array of ring positions
/// with [`unwrap_trajectory`].
pub fn unwrap_trajectories(positions: ArrayView2<f64>, n: f64) -> Result<Array2<f64>> {
    let mut out = Array2::zeros(positions.dim());
    for (r, row) in positions.rows().into_iter().enumerate() {
        let u = unwrap_trajectory(&row.to_vec(), n)?;
        out.row_mut(r).assign(&Array1::from(u));
    }
    Ok(out)
}

/// Permutation that sorts hidden units by receptive-field centre (ascending in `[0, N)`), the
/// row order of the heat maps of paper 002 Fig. 4b, c.
pub fn sort_units_by_centre(centres: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..centres.len()).collect();
    idx.sort_by(|&a, &b| centres[a].total_cmp(&centres[b]));
    idx
}

/// Gaps between circularly consecutive centres on the ring of length `n` (they sum to `n`);
/// paper 002 Fig. 4a check "gaps within N/3 ± 35 %" and Fig. 4b, c coverage (largest gap).
pub fn centre_gaps(centres: &[f64], n: f64) -> Result<Vec<f64>> {
    sorted_gaps(centres, n)
}

/// Minimum-image separations `c_b − c_a` for all pairs `a < b` (in `[−n/2, n/2)`), in the order
/// (0,1), (0,2), …, (1,2), …; paper 002 Fig. 6 (coupled diffusion: separations stay constant).
pub fn pairwise_separations(centres: &[f64], n: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for a in 0..centres.len() {
        for b in a + 1..centres.len() {
            out.push(min_image(centres[a], centres[b], n));
        }
    }
    out
}

/// Circular centre of mass of several (unwrapped) unit positions at one checkpoint, wrapped to
/// `[0, n)`; its unwrapped trajectory measures the collective drift of paper 002 Fig. 6.
pub fn centre_of_mass(centres: &[f64], n: f64) -> Result<f64> {
    let w: Vec<f64> = centres.iter().map(|&c| wrap(c, n)).collect();
    Ok(circular_mean(&w, None, n)?.mean)
}

/// Synthetic profiles shared by the tests of several modules.
#[cfg(test)]
pub(crate) mod tests_support {
    use ndarray::Array1;

    /// Wrapped Gaussian bump of height `h`, centre `c`, std `s`, on `n` sites, plus `base`.
    pub(crate) fn bump(n: usize, c: f64, s: f64, h: f64, base: f64) -> Array1<f64> {
        Array1::from_iter((0..n).map(|i| {
            let mut v = base;
            for k in -3i32..=3 {
                let d = i as f64 - c + k as f64 * n as f64;
                v += h * (-0.5 * d * d / (s * s)).exp();
            }
            v
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::bump;
    use super::*;
    use ndarray::Array1;

    #[test]
    fn centre_of_symmetric_bump_is_exact_even_across_the_boundary() {
        for (c, s) in [(37.3, 4.0), (99.6, 3.0), (0.2, 6.0), (50.0, 2.5)] {
            for power in [1.0, 2.0] {
                // Uniform baseline and a negative overall sign must not matter.
                let w = bump(100, c, s, -0.7, -0.05);
                let r = receptive_field_centre(w.view(), CentreOptions { power, half_window: None }).unwrap();
                assert_eq!(r.sign, -1.0);
                assert!(min_image(c, r.centre, 100.0).abs() < 1e-9, "c {c}: {}", r.centre);
            }
        }
        // Windowed: a second, smaller bump far away is ignored.
        let w = bump(100, 20.4, 3.0, 1.0, 0.0) + bump(100, 70.0, 3.0, 0.5, 0.0);
        let r = receptive_field_centre(w.view(), CentreOptions { power: 1.0, half_window: Some(15) }).unwrap();
        // The window [5, 35] is not symmetric about 20.4: truncation bias ~ e^{−15²/18} ≈ 4e-6.
        assert!((r.centre - 20.4).abs() < 1e-4, "{}", r.centre);
        assert!(receptive_field_centre(Array1::zeros(10).view(), CentreOptions::default()).is_err());
    }

    #[test]
    fn unwrapping_restores_a_known_drift() {
        // A centre drifting by +0.7 site per epoch for 400 epochs crosses the boundary 2–3 times.
        let truth: Vec<f64> = (0..400).map(|t| 95.0 + 0.7 * t as f64).collect();
        let wrapped: Vec<f64> = truth.iter().map(|v| wrap(*v, 100.0)).collect();
        let u = unwrap_trajectory(&wrapped, 100.0).unwrap();
        for (a, b) in u.iter().zip(&truth) {
            assert!((a - b).abs() < 1e-9);
        }
        // And backwards.
        let truth: Vec<f64> = (0..300).map(|t| 3.0 - 1.3 * t as f64).collect();
        let wrapped: Vec<f64> = truth.iter().map(|v| wrap(*v, 100.0)).collect();
        let u = unwrap_trajectories(Array2::from_shape_vec((1, 300), wrapped).unwrap().view(), 100.0).unwrap();
        assert!(u.iter().zip(&truth).all(|(a, b)| (a - b).abs() < 1e-9));
    }

    #[test]
    fn sorting_gaps_and_separations() {
        // Three bumps at 10.5, 43.0, 77.2 in scrambled unit order.
        let cs = [77.2, 10.5, 43.0];
        let mut w = Array2::zeros((100, 3));
        for (mu, &c) in cs.iter().enumerate() {
            w.column_mut(mu).assign(&bump(100, c, 3.0, 1.0, 0.0));
        }
        let r = centres_of_units(w.view(), CentreOptions::default()).unwrap();
        let centres: Vec<f64> = r.iter().map(|x| x.centre).collect();
        assert_eq!(sort_units_by_centre(&centres), vec![1, 2, 0]);
        let g = centre_gaps(&centres, 100.0).unwrap();
        for (a, b) in g.iter().zip([32.5, 34.2, 33.3]) {
            assert!((a - b).abs() < 1e-6, "{g:?}");
        }
        let s = pairwise_separations(&centres, 100.0);
        for (a, b) in s.iter().zip([33.3, -34.2, 32.5]) {
            assert!((a - b).abs() < 1e-6, "{s:?}");
        }
        let com = centre_of_mass(&[99.0, 1.0, 3.0], 100.0).unwrap();
        assert!((min_image(1.0, com, 100.0)).abs() < 0.01);
    }
}
