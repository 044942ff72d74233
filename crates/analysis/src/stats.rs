//! Generic statistics the figures need: Student-t quantiles, mean ± standard error (also grouped
//! by a key, e.g. over the seeds of a sweep point), histograms with density normalisation,
//! ordinary least-squares straight lines with standard errors, and the Spearman rank correlation.
//!
//! The Student-t distribution function is `F(t) = 1 − ½ I_{ν/(ν+t²)}(ν/2, ½)` for `t ≥ 0`, with
//! the regularised incomplete beta `I_x(a, b)` evaluated by its continued fraction (modified
//! Lentz); quantiles are found by bisection on `F`.

use crate::{Error, Result, check_finite};

/// Mean, standard deviation and standard error of a set of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSe {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor `n − 1`; 0 when `n = 1`).
    pub sd: f64,
    /// Standard error of the mean `sd/√n` (0 when `n = 1`).
    pub se: f64,
}

/// Mean ± s.e. of `values` (the error bars "over 10 runs" of paper 002 Figs. 3b, 7; generic).
/// Errors on an empty slice or non-finite values.
pub fn mean_se(values: &[f64]) -> Result<MeanSe> {
    check_finite("values", values.iter().copied())?;
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = if n > 1 { (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
    Ok(MeanSe { n, mean, sd, se: sd / (n as f64).sqrt() })
}

/// One group of [`group_mean_se`].
#[derive(Debug, Clone, PartialEq)]
pub struct Group<K> {
    /// The key shared by the group's values.
    pub key: K,
    /// Mean ± s.e. of the group's values.
    pub stats: MeanSe,
}

/// Groups `values` by equal `keys` (in order of first appearance) and returns each group's
/// mean ± s.e. — e.g. W per β over seeds (paper 002 Fig. 7). Generic; `keys.len()` must equal
/// `values.len()`.
pub fn group_mean_se<K: PartialEq + Clone>(keys: &[K], values: &[f64]) -> Result<Vec<Group<K>>> {
    if keys.len() != values.len() {
        return Err(Error::Invalid(format!("{} keys for {} values", keys.len(), values.len())));
    }
    let mut order: Vec<(K, Vec<f64>)> = Vec::new();
    for (k, &v) in keys.iter().zip(values) {
        match order.iter_mut().find(|(kk, _)| kk == k) {
            Some((_, vs)) => vs.push(v),
            None => order.push((k.clone(), vec![v])),
        }
    }
    order.into_iter().map(|(key, vs)| Ok(Group { key, stats: mean_se(&vs)? })).collect()
}

/// Histogram on fixed bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Bin edges, `bins + 1` increasing values.
    pub edges: Vec<f64>,
    /// Counts per bin (the last bin is closed on the right).
    pub counts: Vec<u64>,
    /// `counts / (n_in · width)`: integrates to 1 over the bins (0 everywhere if no value fell in range).
    pub density: Vec<f64>,
    /// Values that fell inside `[edges[0], edges[bins]]`.
    pub n_in: u64,
    /// Values outside the range (not counted in any bin).
    pub n_out: u64,
}

/// Histogram of `values` on `bins` equal bins over `[lo, hi]` with density normalisation
/// (paper 000/001 singular-value histograms, paper 002 Fig. 5 displacement distributions; generic).
/// Bins are half-open `[e_k, e_{k+1})` except the last, which includes `hi`.
pub fn histogram(values: &[f64], lo: f64, hi: f64, bins: usize) -> Result<Histogram> {
    if bins == 0 || !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Err(Error::Invalid(format!("histogram range [{lo}, {hi}] with {bins} bins")));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid("histogram values contain NaN or infinity".into()));
    }
    let width = (hi - lo) / bins as f64;
    let edges: Vec<f64> = (0..=bins).map(|k| if k == bins { hi } else { lo + k as f64 * width }).collect();
    let mut counts = vec![0u64; bins];
    let mut n_out = 0u64;
    for &v in values {
        if v < lo || v > hi {
            n_out += 1;
            continue;
        }
        let k = (((v - lo) / width) as usize).min(bins - 1);
        counts[k] += 1;
    }
    let n_in: u64 = counts.iter().sum();
    let density = counts.iter().map(|&c| if n_in > 0 { c as f64 / (n_in as f64 * width) } else { 0.0 }).collect();
    Ok(Histogram { edges, counts, density, n_in, n_out })
}

/// Ordinary least-squares straight line `y = slope·x + intercept`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    /// Slope.
    pub slope: f64,
    /// Intercept.
    pub intercept: f64,
    /// Standard error of the slope (`√(s²/Sxx)`, `s² = RSS/(n−2)`; NaN when `n = 2`).
    pub slope_se: f64,
    /// Standard error of the intercept (`√(s²(1/n + x̄²/Sxx))`; NaN when `n = 2`).
    pub intercept_se: f64,
    /// Coefficient of determination `1 − RSS/Syy` (1 when `Syy = 0`).
    pub r2: f64,
    /// Residual sum of squares.
    pub rss: f64,
    /// Number of points.
    pub n: usize,
}

/// OLS line through `(x, y)` (the "linear fit y = ax + b" of paper 002 Fig. 3b; generic).
/// Needs ≥ 2 points and non-constant `x`.
pub fn linear_fit(x: &[f64], y: &[f64]) -> Result<LinearFit> {
    if x.len() != y.len() {
        return Err(Error::Invalid(format!("linear_fit: {} x values for {} y values", x.len(), y.len())));
    }
    check_finite("x", x.iter().copied())?;
    check_finite("y", y.iter().copied())?;
    let n = x.len();
    if n < 2 {
        return Err(Error::Invalid("linear_fit needs at least 2 points".into()));
    }
    let xm = x.iter().sum::<f64>() / n as f64;
    let ym = y.iter().sum::<f64>() / n as f64;
    let sxx: f64 = x.iter().map(|v| (v - xm).powi(2)).sum();
    let syy: f64 = y.iter().map(|v| (v - ym).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - xm) * (b - ym)).sum();
    if sxx <= 0.0 {
        return Err(Error::Degenerate("linear_fit: all x values are equal".into()));
    }
    let slope = sxy / sxx;
    let intercept = ym - slope * xm;
    let rss: f64 = x.iter().zip(y).map(|(a, b)| (b - intercept - slope * a).powi(2)).sum();
    let s2 = if n > 2 { rss / (n - 2) as f64 } else { f64::NAN };
    let r2 = if syy > 0.0 { 1.0 - rss / syy } else { 1.0 };
    Ok(LinearFit {
        slope,
        intercept,
        slope_se: (s2 / sxx).sqrt(),
        intercept_se: (s2 * (1.0 / n as f64 + xm * xm / sxx)).sqrt(),
        r2,
        rss,
        n,
    })
}

/// Spearman rank correlation of `x` and `y` (average ranks for ties): the Pearson correlation of
/// the ranks (paper 002 Fig. 13e check "Spearman correlation with r < −0.8", FIGURES.md §3).
pub fn spearman(x: &[f64], y: &[f64]) -> Result<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return Err(Error::Invalid(format!(
            "spearman: need two equal-length samples of ≥ 2 ({} vs {})",
            x.len(),
            y.len()
        )));
    }
    check_finite("x", x.iter().copied())?;
    check_finite("y", y.iter().copied())?;
    let rx = ranks(x);
    let ry = ranks(y);
    let n = x.len() as f64;
    let mx = rx.iter().sum::<f64>() / n;
    let my = ry.iter().sum::<f64>() / n;
    let sxy: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if sxx == 0.0 || syy == 0.0 {
        return Err(Error::Degenerate("spearman: a sample is constant".into()));
    }
    Ok(sxy / (sxx * syy).sqrt())
}

/// Ranks 1..n with ties given their average rank.
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// `ln Γ(x)` for `x > 0` (Lanczos approximation, g = 7, 9 terms; relative error ≲ 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta `I_x(a, b)` (continued fraction, modified Lentz).
pub(crate) fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(1.0 - x, b, a);
    }
    let tiny = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + num * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + num / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let num = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + num * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + num / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    ln_front.exp() * h / a
}

/// Student-t distribution function `P(T ≤ t)` with `dof > 0` degrees of freedom.
pub fn student_t_cdf(t: f64, dof: f64) -> f64 {
    let tail = 0.5 * inc_beta(dof / (dof + t * t), 0.5 * dof, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// Student-t quantile `t_{p, dof}` (e.g. `student_t_quantile(0.975, 9) = 2.262`), used for the
/// confidence intervals of this crate (generic). `p ∈ (0, 1)`, `dof > 0`.
pub fn student_t_quantile(p: f64, dof: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0 && dof > 0.0 && dof.is_finite()) {
        return Err(Error::Invalid(format!("student_t_quantile(p = {p}, dof = {dof})")));
    }
    if p < 0.5 {
        return Ok(-student_t_quantile(1.0 - p, dof)?);
    }
    let mut hi = 1.0;
    while student_t_cdf(hi, dof) < p {
        hi *= 2.0;
        if hi > 1e300 {
            return Err(Error::Degenerate("student_t_quantile: no bracket".into()));
        }
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, dof) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-14 * hi {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_published_tables() {
        // Standard t-table values (two-sided 95 % and 99 %), and the normal limit.
        let cases = [
            (0.975, 1.0, 12.706_204_736),
            (0.975, 9.0, 2.262_157_163),
            (0.975, 30.0, 2.042_272_456),
            (0.995, 4.0, 4.604_094_871),
            (0.975, 1e7, 1.959_964_0),
        ];
        for (p, dof, want) in cases {
            let q = student_t_quantile(p, dof).unwrap();
            assert!((q - want).abs() < 2e-6 * want, "t({p}, {dof}) = {q} vs {want}");
        }
        assert!((student_t_quantile(0.025, 9.0).unwrap() + 2.262_157_163).abs() < 1e-6);
        // Γ(5) = 24, Γ(1/2) = √π.
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
        assert!(student_t_quantile(1.0, 3.0).is_err());
    }

    #[test]
    fn mean_se_and_groups_by_hand() {
        let m = mean_se(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        // sd = √(5/3), se = sd/2.
        assert!(
            (m.mean - 2.5).abs() < 1e-15
                && (m.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-15
                && (m.se - m.sd / 2.0).abs() < 1e-15
        );
        let g = group_mean_se(&[0.5, 1.0, 0.5, 1.0, 0.5], &[1.0, 10.0, 3.0, 14.0, 5.0]).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].key, 0.5);
        assert_eq!((g[0].stats.n, g[0].stats.mean, g[0].stats.sd), (3, 3.0, 2.0));
        assert_eq!((g[1].stats.n, g[1].stats.mean), (2, 12.0));
        assert!(mean_se(&[]).is_err());
        assert!(group_mean_se(&[1], &[1.0, 2.0]).is_err());
    }

    #[test]
    fn histogram_counts_and_density() {
        let v = [0.0, 0.1, 0.25, 0.5, 0.99, 1.0, 1.5, -0.2];
        let h = histogram(&v, 0.0, 1.0, 4).unwrap();
        assert_eq!(h.counts, vec![2, 1, 1, 2]);
        assert_eq!((h.n_in, h.n_out), (6, 2));
        let integral: f64 = h.density.iter().map(|d| d * 0.25).sum();
        assert!((integral - 1.0).abs() < 1e-15);
        // A regular grid of 10⁴ points in [0, 2) gives the uniform density 1/2 in every bin.
        let u: Vec<f64> = (0..10_000).map(|i| 2.0 * (i as f64 + 0.5) / 10_000.0).collect();
        let h = histogram(&u, 0.0, 2.0, 8).unwrap();
        assert!(h.density.iter().all(|d| (d - 0.5).abs() < 1e-12));
        assert!(histogram(&v, 1.0, 1.0, 3).is_err());
    }

    #[test]
    fn linear_fit_by_hand() {
        // x = 0..3, y = 1, 3, 2, 5: Sxx = 5, Sxy = 5.5 ⇒ slope 1.1, intercept 1.1, RSS 2.7,
        // Syy = 8.75, s² = 1.35, se(slope) = √(1.35/5), se(intercept) = √(1.35(1/4 + 2.25/5)).
        let f = linear_fit(&[0.0, 1.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 5.0]).unwrap();
        assert!((f.slope - 1.1).abs() < 1e-14 && (f.intercept - 1.1).abs() < 1e-14);
        assert!((f.rss - 2.7).abs() < 1e-13);
        assert!((f.r2 - (1.0 - 2.7 / 8.75)).abs() < 1e-14);
        assert!((f.slope_se - (1.35f64 / 5.0).sqrt()).abs() < 1e-14);
        assert!((f.intercept_se - (1.35f64 * (0.25 + 2.25 / 5.0)).sqrt()).abs() < 1e-14);
        assert!(linear_fit(&[1.0, 1.0], &[0.0, 1.0]).is_err());
    }

    #[test]
    fn spearman_on_monotone_and_tied_data() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((spearman(&x, &[1.0, 4.0, 9.0, 16.0, 100.0]).unwrap() - 1.0).abs() < 1e-15);
        assert!((spearman(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-15);
        // Ranks of y = [1, 2, 2, 3] are [1, 2.5, 2.5, 4]; Pearson with [1, 2, 3, 4] = 4.5/√(5 · 4.5).
        let rho = spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 2.0, 3.0]).unwrap();
        assert!((rho - 4.5 / (5.0f64 * 4.5).sqrt()).abs() < 1e-14);
    }
}
