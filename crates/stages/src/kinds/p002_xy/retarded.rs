//! Differentiated retarded-learning transitions of paper 002 §4.3 (Fig. 11): one single-unit
//! Potts RBM per noise ratio `r = N/S`, summarised by
//! * the amplitude `A(r) = max_v W_v^spatial − min_v W_v^spatial` of the spatial modulation
//!   (eq. 18; panel a), compared with the amplitude at the largest `r` of the sweep, taken as the
//!   noise level (FIGURES.md P002-F11); the scale-free `‖W̃^spatial‖/(√N ‖w̃‖)` is reported too,
//!   since with a fixed number of epochs the weights of small-`S` runs also had fewer updates;
//! * the peak-to-median ratio of the angular modulation `‖w̃_i‖` (eq. 17, zero-sum reading;
//!   panel b).
//!
//! Criteria (FIGURES.md §3 P002-F11, with the paper's thresholds as parameters): `A(r)/A(r_max)`
//! `> 5` for `r ≤ r_angular` (0.033) and `< 2` for `r ≥ r_noise` (0.066, `r_max` itself excluded);
//! peak/median `> 3` for `r ≤ r_spatial` (0.002) and `< 2` for `r ≥ r_flat` (0.005: the paper's
//! "0.002 < r < 0.008 … does not significantly vary over space", extended to every larger `r`,
//! where "for large r, no modulation is seen").

use super::weights::read_units;
use super::{FigureChecks, code, need, pf};
use pipeline::table::TableBuilder;
use pipeline::{InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};

const FILE: &str = "retarded.rs";

/// `p002_xy_fig11_summary`.
pub struct Fig11Summary;

impl StageKind for Fig11Summary {
    fn info(&self) -> StageInfo {
        let f = |name: &'static str, v: f64, doc: &'static str| {
            ParamSpec::new(name, T::Float, doc).default(Value::Float(v))
        };
        StageInfo {
            name: "p002_xy_fig11_summary",
            doc: "Paper 002 Fig. 11: per r = N/S the spatial-modulation amplitude (eq. 18) relative to the largest r, its scale-free version, and the peak/median of the angular modulation (eq. 17, zero-sum reading); checks the differentiated transitions (module docs of kinds/p002_xy/retarded.rs). Outputs summary and checks",
            params: vec![
                f("r_angular", 0.033, "angular ordering expected for r <= this (paper: 0.033)"),
                f("r_noise", 0.066, "no angular ordering for r >= this (FIGURES.md: 0.066)"),
                f("r_spatial", 0.002, "spatial localisation expected for r <= this (paper: 0.002)"),
                f("r_flat", 0.005, "angular modulation flat in space for r >= this (FIGURES.md: 0.005)"),
            ],
            inputs: vec![InputSpec {
                name: "units",
                gather: true,
                doc: "`units` of p002_xy_potts_rf (n_train set) over the r sweep",
            }],
            outputs: vec!["summary", "checks"],
            code: code(&["analysis"], FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        for k in ["r_angular", "r_noise", "r_spatial", "r_flat"] {
            need(pf(p, k) > 0.0, || format!("{k} must be > 0, got {}", pf(p, k)))?;
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let mut rows = Vec::new();
        for up in ctx.gathered("units")? {
            for u in read_units(up)? {
                anyhow::ensure!(u.r.is_finite(), "stage `{}`: r is not recorded (set n_train)", up.stage);
                rows.push(u);
            }
        }
        anyhow::ensure!(rows.len() >= 2, "Fig. 11 needs at least two noise ratios, got {}", rows.len());
        rows.sort_by(|a, b| b.r.total_cmp(&a.r));
        let noise = rows[0].spatial_amplitude;
        let r_max = rows[0].r;
        let (ra, rn, rs, rf) = (ctx.f64("r_angular")?, ctx.f64("r_noise")?, ctx.f64("r_spatial")?, ctx.f64("r_flat")?);
        let eps = 1e-9;
        let mut c = FigureChecks::default();
        let refa = "paper 002 Fig. 11a, eq. (18); FIGURES.md P002-F11";
        let refb = "paper 002 Fig. 11b, eq. (17) as ||w~_i||; FIGURES.md P002-F11";
        for u in &rows {
            let ratio = u.spatial_amplitude / noise;
            if u.r <= ra + eps {
                c.at_least("11a", &format!("r = {:.4}: A_spatial / A_spatial(r = {r_max:.3})", u.r), ratio, 5.0, refa);
            } else if u.r >= rn - eps && u.r < r_max - eps {
                c.at_most("11a", &format!("r = {:.4}: A_spatial / A_spatial(r = {r_max:.3})", u.r), ratio, 2.0, refa);
            }
            c.info(
                "11a",
                &format!("r = {:.4}: scale-free ||W~_spatial|| / (sqrt N ||w~||)", u.r),
                u.spatial_overlap,
                1.0 / u.n_sites.sqrt(),
                refa,
            );
            if u.r <= rs + eps {
                c.at_least(
                    "11b",
                    &format!("r = {:.4}: peak / median of ||w~_i|| (localised)", u.r),
                    u.peak_over_median,
                    3.0,
                    refb,
                );
            } else if u.r >= rf - eps {
                c.at_most(
                    "11b",
                    &format!("r = {:.4}: peak / median of ||w~_i|| (flat)", u.r),
                    u.peak_over_median,
                    2.0,
                    refb,
                );
            }
        }
        let k = rows.len();
        let summary = TableBuilder::new()
            .f64("r", rows.iter().map(|u| u.r).collect())
            .f64("spatial_amplitude", rows.iter().map(|u| u.spatial_amplitude).collect())
            .f64("spatial_ratio", rows.iter().map(|u| u.spatial_amplitude / noise).collect())
            .f64("spatial_overlap", rows.iter().map(|u| u.spatial_overlap).collect())
            .f64("peak_over_median", rows.iter().map(|u| u.peak_over_median).collect())
            .f64("window_fraction", rows.iter().map(|u| u.window_fraction).collect())
            .f64("harmonic_fraction", rows.iter().map(|u| u.harmonic_fraction).collect())
            .f64("r_angular", vec![ra; k])
            .f64("r_spatial", vec![rs; k])
            .build()?;
        Ok(vec![("summary".into(), summary), ("checks".into(), c.build()?)])
    }
}
