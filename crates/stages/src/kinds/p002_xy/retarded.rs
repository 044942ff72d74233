//! Differentiated retarded-learning transitions of paper 002 §4.3 (Fig. 11): single-unit Potts
//! RBMs at each noise ratio `r = N/S`, several independent runs per `r` (each its own data draw
//! and its own training seed; the paper plots one curve per `r`, the number of runs is ours),
//! summarised per `r` by the mean ± s.e. over the runs of
//! * the amplitude `A(r) = max_v W_v^spatial − min_v W_v^spatial` of the spatial modulation
//!   (eq. 18; panel a), compared with the amplitude at the largest `r` of the sweep, taken as the
//!   noise level (FIGURES.md P002-F11); the scale-free `‖W̃^spatial‖/(√N ‖w̃‖)` is reported too,
//!   since with a fixed number of epochs the weights of small-`S` runs also had fewer updates;
//! * the peak-to-median ratio of the angular modulation `‖w̃_i‖` (eq. 17, zero-sum reading;
//!   panel b; FIGURES.md P002-F9c recommends the norm reading for the checks), and, reported only,
//!   of eq. (17) as printed, `|Σ_v w_{i,v}|` in the gauge the trainer leaves.
//!
//! # Averaging and the verdicts
//! `A(r)` is averaged over the runs at `r`; the noise reference is the mean over the runs at the
//! largest `r`, and the ratio of the two means carries the delta-method s.e.
//! `R·√((s_A/Ā)² + (s_0/Ā_0)²)`. Peak/median is a per-run statistic (each run has its own peak
//! site), averaged over the runs. Every bound is applied to the mean; the row text gives
//! mean ± s.e., the number of runs and the distance of the bound in s.e. units, and says
//! "not resolved" when the bound lies within 2 s.e. of the mean (the verdict then rests on
//! the mean alone and could flip with more runs).
//!
//! # Why eq. (17) as printed cannot show the spatial peak here
//! With one-hot Potts inputs `Σ_v x_{i,v} = 1`, so the likelihood gradient of the site sum
//! `Σ_v w_{i,v}` is `⟨h⟩_data − ⟨h⟩_model`, the same at every site: SGD moves all site sums by one
//! common amount `c(t)` (measured: the spread over sites of that change is at float rounding,
//! reported as an info row). `|Σ_v w_{i,v}|` is then `|Σ_v w⁰_{i,v} + c(t)|`, the initial noise
//! (sd `σ₀√P` = 0.032 for `weight_std` 0.01) plus a flat offset; its peak/median says how `c(t)`
//! compares with the initial noise, not whether a receptive field formed.
//!
//! Criteria (FIGURES.md §3 P002-F11, with the paper's thresholds as parameters): `A(r)/A(r_max)`
//! `> 5` for `r ≤ r_angular` (0.033) and `< 2` for `r ≥ r_noise` (0.066, `r_max` itself excluded);
//! peak/median `> 3` for `r ≤ r_spatial` (0.002), `< 2` for `r_flat ≤ r ≤ r_flat_max` (0.005–0.008:
//! the paper's "0.002 < r < 0.008 … does not significantly vary over space"), and `≤ 3` (not
//! peaked: FIGURES.md "peaked … only for r ≤ 0.002") at every other `r > r_spatial`.
//!
//! **Why `r = 0.066` is a borderline point of Fig. 11a.** `r_noise = 0.066` is where eq. (31) as
//! printed crosses `Λ_XY(1.5) = 4.391`. The simulated null edge of Fig. 13d,
//! `(P/(P−1))(1 + √(r(P−1)))²`, crosses it only at `r ≈ 0.108`: at `r = 0.066` the edge is 3.49,
//! below the signal, so angular order is learnable there. Measured (PCD-20, 3 runs
//! with their own data draws, seeds 11–13): `A/A(0.2)` = 6.1 ± 2.1 s.e., single runs 9.9, 4.3,
//! 4.1 — every run above 2. One run per `r` (the former protocol) read 5.6 or 1.6 depending on
//! the draw. A failure of the `r = 0.066` row is a finding about the paper's threshold (FIGURES.md
//! takes it from eq. 31), not a tolerance issue.
//!
//! **Fig. 11b localises earlier than the paper says.** Same runs: peak/median of `‖w̃_i‖` =
//! 1.66 ± 0.07 (r = 0.2), 2.10 ± 0.18 (0.066), 3.95 ± 0.64 (0.01), 3.80 ± 0.80 (0.008),
//! 5.64 ± 0.68 (0.005), 11.8 ± 0.9 (0.002): the spatial peak grows continuously and is already
//! above 2 (FIGURES.md's "flat") at r = 0.005–0.008, against the paper's "r < 0.002". The printed
//! reading gives ≈ 3.1–3.8 at every r ≤ 0.066 and 1.4 at r = 0.2: the peak/median of the initial
//! noise `|Σ_v w⁰_{i,v} + c|` (a half-normal gives ≈ 3.7 for 100 sites), flat only where the
//! common drift `|c|` (0.19 at r = 0.2, ≤ 0.03 elsewhere) dominates it.

use super::weights::{UnitRow, read_units};
use super::{FigureChecks, code, need, pf};
use analysis::stats::mean_se;
use pipeline::table::TableBuilder;
use pipeline::{InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};

const FILE: &str = "retarded.rs";

/// The Fig. 11b regime expected at noise ratio `r` and the peak/median bound that goes with it
/// (module docs): `("localised", 3)` (a lower bound) for `r ≤ r_spatial`, `("flat", 2)` for
/// `r_flat ≤ r ≤ r_flat_max`, `("not peaked", 3)` (upper bounds) for every other `r`.
fn spatial_regime(r: f64, r_spatial: f64, r_flat: f64, r_flat_max: f64) -> (&'static str, f64) {
    let eps = 1e-9;
    if r <= r_spatial + eps {
        ("localised", 3.0)
    } else if r >= r_flat - eps && r <= r_flat_max + eps {
        ("flat", 2.0)
    } else {
        ("not peaked", 3.0)
    }
}

/// Mean ± s.e. of one summary over the runs at one `r`.
struct Stat {
    mean: f64,
    se: f64,
}

fn stat(values: &[f64]) -> anyhow::Result<Stat> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Ok(Stat { mean: f64::NAN, se: f64::NAN });
    }
    let m = mean_se(&finite)?;
    Ok(Stat { mean: m.mean, se: m.se })
}

/// Ratio of two means with the delta-method s.e. (module docs).
fn ratio(a: &Stat, b: &Stat) -> Stat {
    let r = a.mean / b.mean;
    Stat { mean: r, se: r.abs() * ((a.se / a.mean).powi(2) + (b.se / b.mean).powi(2)).sqrt() }
}

/// Row text of a bound applied to a mean: `mean ± s.e. (n runs)`, the bound's distance in s.e.
/// and "not resolved" when it lies within 2 s.e. (module docs).
fn verdict_text(what: &str, s: &Stat, n: usize, bound: f64) -> String {
    let z = (s.mean - bound) / s.se;
    let resolved = if z.is_finite() && z.abs() < 2.0 {
        "; not resolved: the bound is within 2 s.e."
    } else if !z.is_finite() {
        "; s.e. undefined (one run)"
    } else {
        ""
    };
    format!("{what}: mean {:.3} ± {:.3} s.e. over {n} runs, (mean − bound)/s.e. = {z:.2}{resolved}", s.mean, s.se)
}

/// The runs at one `r`.
struct Point {
    r: f64,
    n: usize,
    n_sites: f64,
    amplitude: Stat,
    /// Smallest and largest single-run amplitude.
    amplitude_range: (f64, f64),
    overlap: Stat,
    peak: Stat,
    literal_peak: Stat,
    drift_mean: Stat,
    drift_sd_max: f64,
    weight_norm: Stat,
    window: Stat,
    harmonic: Stat,
}

/// `p002_xy_fig11_summary`.
pub struct Fig11Summary;

impl StageKind for Fig11Summary {
    fn info(&self) -> StageInfo {
        let f = |name: &'static str, v: f64, doc: &'static str| {
            ParamSpec::new(name, T::Float, doc).default(Value::Float(v))
        };
        StageInfo {
            name: "p002_xy_fig11_summary",
            doc: "Paper 002 Fig. 11: per r = N/S, mean +- s.e. over the runs at that r of the spatial-modulation amplitude (eq. 18) relative to the mean at the largest r, its scale-free version, and the peak/median of the angular modulation (eq. 17: zero-sum norm reading binding, printed reading reported); checks the differentiated transitions on the means (module docs of kinds/p002_xy/retarded.rs). Outputs summary (one row per r) and checks",
            params: vec![
                f("r_angular", 0.033, "angular ordering expected for r <= this (paper: 0.033)"),
                f("r_noise", 0.066, "no angular ordering for r >= this (FIGURES.md: 0.066)"),
                f("r_spatial", 0.002, "spatial localisation expected for r <= this (paper: 0.002)"),
                f("r_flat", 0.005, "angular modulation flat in space for r >= this (FIGURES.md: 0.005)"),
                f("r_flat_max", 0.008, "... and r <= this (FIGURES.md: 0.008)"),
            ],
            inputs: vec![InputSpec {
                name: "units",
                gather: true,
                doc: "`units` of p002_xy_potts_rf (n_train set) over the r sweep and its runs",
            }],
            outputs: vec!["summary", "checks"],
            code: code(&["analysis"], FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        for k in ["r_angular", "r_noise", "r_spatial", "r_flat", "r_flat_max"] {
            need(pf(p, k) > 0.0, || format!("{k} must be > 0, got {}", pf(p, k)))?;
        }
        need(pf(p, "r_flat") <= pf(p, "r_flat_max") && pf(p, "r_spatial") < pf(p, "r_flat"), || {
            "need r_spatial < r_flat <= r_flat_max".into()
        })
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let mut rows = Vec::new();
        for up in ctx.gathered("units")? {
            for u in read_units(up)? {
                anyhow::ensure!(u.r.is_finite(), "stage `{}`: r is not recorded (set n_train)", up.stage);
                rows.push(u);
            }
        }
        // r is stored rounded to 3 significant digits, so equal r compare equal.
        let keys: Vec<u64> = rows.iter().map(|u| u.r.to_bits()).collect();
        let mut order: Vec<u64> = Vec::new();
        for k in &keys {
            if !order.contains(k) {
                order.push(*k);
            }
        }
        let mut points = Vec::new();
        for k in order {
            let at: Vec<&UnitRow> = rows.iter().filter(|u| u.r.to_bits() == k).collect();
            let col = |f: &dyn Fn(&UnitRow) -> f64| at.iter().map(|u| f(u)).collect::<Vec<f64>>();
            points.push(Point {
                r: f64::from_bits(k),
                n: at.len(),
                n_sites: at[0].n_sites,
                amplitude: stat(&col(&|u| u.spatial_amplitude))?,
                amplitude_range: col(&|u| u.spatial_amplitude)
                    .into_iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), a| (lo.min(a), hi.max(a))),
                overlap: stat(&col(&|u| u.spatial_overlap))?,
                peak: stat(&col(&|u| u.peak_over_median))?,
                literal_peak: stat(&col(&|u| u.literal_peak_over_median))?,
                drift_mean: stat(&col(&|u| u.gauge_drift_mean.abs()))?,
                drift_sd_max: col(&|u| u.gauge_drift_sd).into_iter().fold(f64::NAN, f64::max),
                weight_norm: stat(&col(&|u| u.weight_norm))?,
                window: stat(&col(&|u| u.window_fraction))?,
                harmonic: stat(&col(&|u| u.harmonic_fraction))?,
            });
        }
        anyhow::ensure!(points.len() >= 2, "Fig. 11 needs at least two noise ratios, got {}", points.len());
        points.sort_by(|a, b| b.r.total_cmp(&a.r));
        let noise = Stat { mean: points[0].amplitude.mean, se: points[0].amplitude.se };
        let (r_max, n_ref) = (points[0].r, points[0].n);
        let (ra, rn, rs, rf) = (ctx.f64("r_angular")?, ctx.f64("r_noise")?, ctx.f64("r_spatial")?, ctx.f64("r_flat")?);
        let rf_max = ctx.f64("r_flat_max")?;
        let eps = 1e-9;
        let mut c = FigureChecks::default();
        let refa = "paper 002 Fig. 11a, eq. (18); FIGURES.md P002-F11";
        let refb = "paper 002 Fig. 11b, eq. (17) as ||w~_i|| (FIGURES.md P002-F9c: norm reading for the checks)";
        let refl = "paper 002 eq. (17) as printed, |sum_v w_iv| in the trainer's gauge (reported only)";
        let ratios: Vec<Stat> = points.iter().map(|p| ratio(&p.amplitude, &noise)).collect();
        for (p, q) in points.iter().zip(&ratios) {
            let what = format!(
                "r = {:.4}: A_spatial / A_spatial(r = {r_max:.3}, {n_ref} runs) [single runs over the reference mean: {:.2} to {:.2}]",
                p.r,
                p.amplitude_range.0 / noise.mean,
                p.amplitude_range.1 / noise.mean
            );
            if p.r <= ra + eps {
                c.at_least("11a", &verdict_text(&what, q, p.n, 5.0), q.mean, 5.0, refa);
            } else if p.r >= rn - eps && p.r < r_max - eps {
                let mut text = verdict_text(&what, q, p.n, 2.0);
                if (p.r - rn).abs() < 1e-3 * rn && q.mean > 2.0 {
                    text.push_str(
                        "; finding: 0.066 is where printed eq. (31) crosses Lambda_XY(1.5) = 4.39, but the simulated null edge (P/(P-1))(1+sqrt(r(P-1)))^2 = 3.49 < 4.39 there and crosses only at r = 0.108 (FIGURES.md P002-F13d), so angular order is learnable at r = 0.066",
                    );
                }
                c.at_most("11a", &text, q.mean, 2.0, refa);
            }
            c.info(
                "11a",
                &format!(
                    "r = {:.4}: scale-free ||W~_spatial|| / (sqrt N ||w~||), mean ± s.e. {:.3} ± {:.3} over {} runs (white noise: 1/sqrt N in expected)",
                    p.r, p.overlap.mean, p.overlap.se, p.n
                ),
                p.overlap.mean,
                1.0 / p.n_sites.sqrt(),
                refa,
            );
            let (regime, bound) = spatial_regime(p.r, rs, rf, rf_max);
            let what = format!("r = {:.4}: peak / median of ||w~_i|| ({regime})", p.r);
            match regime {
                "localised" => c.at_least("11b", &verdict_text(&what, &p.peak, p.n, bound), p.peak.mean, bound, refb),
                _ => c.at_most("11b", &verdict_text(&what, &p.peak, p.n, bound), p.peak.mean, bound, refb),
            }
            c.info(
                "11b",
                &format!(
                    "r = {:.4}: peak / median of |sum_v w_iv| (eq. 17 as printed; {regime} bound {bound} in expected), mean ± s.e. {:.3} ± {:.3} over {} runs; the site sums all move by one common drift, |mean drift| = {:.3} ± {:.3}, largest spread over sites {:.1e} (module docs)",
                    p.r, p.literal_peak.mean, p.literal_peak.se, p.n, p.drift_mean.mean, p.drift_mean.se, p.drift_sd_max
                ),
                p.literal_peak.mean,
                bound,
                refl,
            );
        }
        let k = points.len();
        let col = |f: &dyn Fn(&Point) -> f64| points.iter().map(f).collect::<Vec<f64>>();
        let summary = TableBuilder::new()
            .f64("r", col(&|p| p.r))
            .i64("n_runs", points.iter().map(|p| p.n as i64).collect())
            .f64("spatial_amplitude", col(&|p| p.amplitude.mean))
            .f64("spatial_amplitude_se", col(&|p| p.amplitude.se))
            .f64("spatial_ratio", ratios.iter().map(|q| q.mean).collect())
            .f64("spatial_ratio_se", ratios.iter().map(|q| q.se).collect())
            .f64("spatial_overlap", col(&|p| p.overlap.mean))
            .f64("spatial_overlap_se", col(&|p| p.overlap.se))
            .f64("peak_over_median", col(&|p| p.peak.mean))
            .f64("peak_over_median_se", col(&|p| p.peak.se))
            .f64("literal_peak_over_median", col(&|p| p.literal_peak.mean))
            .f64("literal_peak_over_median_se", col(&|p| p.literal_peak.se))
            .f64("gauge_drift_abs", col(&|p| p.drift_mean.mean))
            .f64("gauge_drift_sd_max", col(&|p| p.drift_sd_max))
            .f64("weight_norm", col(&|p| p.weight_norm.mean))
            .f64("window_fraction", col(&|p| p.window.mean))
            .f64("harmonic_fraction", col(&|p| p.harmonic.mean))
            .f64("r_angular", vec![ra; k])
            .f64("r_spatial", vec![rs; k])
            .build()?;
        Ok(vec![("summary".into(), summary), ("checks".into(), c.build()?)])
    }
}

#[cfg(test)]
mod tests {
    use super::{Stat, ratio, spatial_regime, verdict_text};

    #[test]
    fn ratio_se_and_verdict_text() {
        // 10 ± 1 over 5 ± 0.5: R = 2, relative s.e. √(0.1² + 0.1²) → 0.2√2.
        let q = ratio(&Stat { mean: 10.0, se: 1.0 }, &Stat { mean: 5.0, se: 0.5 });
        assert!((q.mean - 2.0).abs() < 1e-15 && (q.se - 0.2 * 2f64.sqrt()).abs() < 1e-15);
        let near = verdict_text("x", &Stat { mean: 2.5, se: 0.5 }, 3, 2.0);
        assert!(near.contains("= 1.0") && near.contains("not resolved"), "{near}");
        let far = verdict_text("x", &Stat { mean: 5.0, se: 0.5 }, 3, 2.0);
        assert!(far.contains("= 6.0") && !far.contains("not resolved"), "{far}");
        assert!(verdict_text("x", &Stat { mean: 5.0, se: 0.0 }, 1, 2.0).contains("one run"));
    }

    #[test]
    fn fig11b_regimes_follow_figures_md() {
        // FIGURES.md P002-F11: peaked (> 3) only for r <= 0.002, flat (< 2) for r in [0.005, 0.008].
        let at = |r: f64| spatial_regime(r, 0.002, 0.005, 0.008);
        assert_eq!(at(0.001), ("localised", 3.0));
        assert_eq!(at(0.002), ("localised", 3.0));
        assert_eq!(at(0.003), ("not peaked", 3.0));
        assert_eq!(at(0.005), ("flat", 2.0));
        assert_eq!(at(0.008), ("flat", 2.0));
        assert_eq!(at(0.01), ("not peaked", 3.0));
        assert_eq!(at(100.0 / 1515.0), ("not peaked", 3.0));
    }
}
