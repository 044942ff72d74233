//! Paper 002 Fig. 4: several hidden units tile the ring. Criteria (FIGURES.md §3, P002-F4):
//! * 4a (M = 3): the three circular gaps between sorted centres are each within `N/3 ± 35 %`
//!   (measured: the largest relative deviation `max |gap − N/3| / (N/3)`). This is one run
//!   (seed 0), as the paper's figure. Over seeds 0–7 of the same protocol (β = 1, S = 10⁴,
//!   100 epochs) the deviation was 0.40, 0.39, 0.26, 0.47, 0.53, 0.36, 0.53, 0.31 (median 0.40;
//!   2 of 8 within 35 %) and did not shrink between epochs 100 and 150: the fields end about
//!   2 FWHM apart and stop pushing each other (the repulsion is short ranged, paper §6), with
//!   gaps like (50, 25, 25) sites. The supplementary `info` row reports the smallest gap in
//!   units of the FWHM (no overlap: > 1);
//! * 4b, 4c (M = 25, 100): the centres cover the ring, the largest gap `< 3N/M + FWHM` (median
//!   FWHM of the run's units);
//! * 4c (M = 100, `Mξ ≫ N`): the median FWHM is smaller than at M = 3 ("the width of the place
//!   fields shrinks as M gets very large"); checked when a run with M ≥ 100 is present.

use super::fields::{Run, gathered_runs, last_checkpoint};
use super::{Checks, code, median};
use analysis::ring::centre_gaps;
use anyhow::ensure;
use pipeline::{InputSpec, Outputs, StageCtx, StageInfo, StageKind};

const FILE: &str = "tiling.rs";

/// Finite final centres and the median final FWHM of a run.
fn final_centres(r: &Run) -> (Vec<f64>, f64) {
    let last = last_checkpoint(&r.fields);
    let c: Vec<f64> = last.iter().map(|f| f.centre).filter(|c| c.is_finite()).collect();
    (c, median(&last.iter().map(|f| f.fwhm).collect::<Vec<_>>()))
}

/// `p002_tiling_checks`.
pub struct TilingChecks;

impl StageKind for TilingChecks {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p002_tiling_checks",
            doc: "Paper 002 Fig. 4: M = 3 centres roughly equally spaced (gaps N/3 ± 35 %); M = 25, 100 centres cover the ring (largest gap < 3N/M + FWHM); fields narrower at M = 100 than at M = 3",
            params: vec![],
            inputs: vec![
                InputSpec { name: "few", gather: false, doc: "`fields` of the M = 3 run" },
                InputSpec {
                    name: "many",
                    gather: true,
                    doc: "`fields` of the runs with many hidden units (M = 25, 100)",
                },
            ],
            outputs: vec!["checks"],
            code: code(FILE),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let few = gathered_runs(std::slice::from_ref(ctx.input("few")?))?.remove(0);
        let many = gathered_runs(ctx.gathered("many")?)?;
        let n = few.info.n_sites as f64;
        let (c3, w3) = final_centres(&few);
        ensure!(few.info.n_hidden >= 2, "`few` must have at least two hidden units");
        let mut c = Checks::new("4a");
        let m3 = few.info.n_hidden as f64;
        let gaps = if c3.len() as f64 == m3 { centre_gaps(&c3, n)? } else { vec![] };
        let dev = if gaps.is_empty() {
            f64::NAN
        } else {
            gaps.iter().map(|x| (x - n / m3).abs() / (n / m3)).fold(0.0, f64::max)
        };
        let gap_text: Vec<String> = gaps.iter().map(|g| format!("{g:.1}")).collect();
        c.below(
            &format!("M = {m3}: max |gap − N/M| / (N/M) between sorted centres (gaps {} sites)", gap_text.join(", ")),
            dev,
            0.35,
            "FIGURES.md P002-F4a (paper: 'roughly equally separated')",
        );
        c.above(
            &format!("M = {m3}: smallest gap / median FWHM ({w3:.1} sites): the fields do not overlap"),
            gaps.iter().copied().reduce(f64::min).unwrap_or(f64::NAN) / w3,
            1.0,
            "paper §3.2.2 (repulsion between receptive fields), §6 ('repulsion is short ranged')",
        );
        c.info("supplementary measure of the repulsion, not a FIGURES.md criterion");
        let mut tables = vec![c.build()?];
        let mut many = many;
        many.sort_by_key(|r| r.info.n_hidden);
        for r in &many {
            let m = r.info.n_hidden as f64;
            let panel = if m >= 100.0 { "4c" } else { "4b" };
            let mut c = Checks::new(panel);
            let (cs, w) = final_centres(r);
            let largest = centre_gaps(&cs, n).map(|g| g.into_iter().fold(0.0, f64::max)).unwrap_or(f64::NAN);
            c.below(
                &format!(
                    "M = {m}: largest gap between sorted centres (bound 3N/M + median FWHM = {:.1})",
                    3.0 * n / m + w
                ),
                largest,
                3.0 * n / m + w,
                "FIGURES.md P002-F4b/c (paper: fields cover the ring)",
            );
            if m >= 100.0 {
                c.below(
                    &format!("M = {m}: median FWHM / median FWHM at M = {m3}"),
                    w / w3,
                    1.0,
                    "paper §3.2.2 'the width of the place fields shrinks as M gets very large' (FIGURES.md P002-F4c)",
                );
            }
            tables.push(c.build()?);
        }
        let schema = tables[0].schema();
        Ok(vec![("checks".into(), arrow::compute::concat_batches(&schema, &tables)?)])
    }
}
