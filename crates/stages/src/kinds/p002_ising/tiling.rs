//! Paper 002 Fig. 4: several hidden units tile the ring. Criteria (FIGURES.md §3, P002-F4):
//! * 4a (M = 3): the three circular gaps between sorted centres are each within `N/3 ± 35 %`
//!   (measured: the largest relative deviation `max |gap − N/3| / (N/3)`). This is one run
//!   (seed 0), as the paper's figure ("roughly equally separated", a single example). The
//!   supplementary `info` row reports the smallest gap in units of the FWHM (no overlap: > 1).
//!
//!   **Protocol audit (session 3).** Every training choice of the `f4_few` stage matches §2.2 /
//!   §3.2: ±1 hidden units (§2, §5 "hidden units are of Bernoulli type, h_μ = ±1"), `b = c = 0`
//!   ("we further impose b_i = c_μ = 0"), small Gaussian initial weights (std 0.01), the
//!   per-sample averaged minibatch gradient of eq. (7), minibatches redrawn every epoch ("After
//!   every epoch the subsets are again drawn randomly"), persistent chains (count not stated:
//!   = batch size). The failure is not a deviation; measured with the experiment test below
//!   (`f4a_protocol_exact_gradient`) and a seed sweep of this pipeline's stages, β = 1,
//!   S = 10⁴, 100 epochs:
//!   * PCD-20 (the pipeline), data seed 3, init seeds 0–11: deviation 0.21–0.76, median 0.39,
//!     3 of 12 within 0.35 (seed 0: gaps 32.9/20.4/46.7, deviation 0.40).
//!   * the exact negative term (2³ hidden enumeration, no chain noise), same data and initial
//!     weights: 3 of 12 within 0.35 (median 0.39; seed 0: 33.5/20.3/46.2, i.e. PCD moves the
//!     centres by < 1 site). PCD noise and the chain count play no role.
//!   * the centre estimator plays no role: circular centre of mass of `max(w,0)²`, of
//!     `max(w,0)` within ±15 sites of the peak, and the parabolic arg-max of the 5-site
//!     smoothed oriented profile agree within ≈ 0.5 site on every run.
//!   * other data draws (exact term, 8 init seeds each): data seed 11: 3 of 8; data seed 12:
//!     4 of 8. Initial std 0.001 instead of 0.01 (data seed 3, exact term): 3 of 8 (median
//!     0.37), so the small-init limit does not change the odds.
//!   * longer training does not equalise the gaps: with the exact term, epochs 100 → 300 move
//!     the runs onto a few data-set-specific configurations, identical to 0.1 site across
//!     init seeds (data seed 3: 38.3/20.1/41.6 for four seeds, 50.4/27.2/22.4 for three,
//!     43.2/29.1/27.7 for two); the deviation grows as often as it shrinks.
//!
//!   Diagnosis: the repulsion between fields only acts up to ≈ 20 sites (≈ 1.5 FWHM at
//!   FWHM ≈ 13); beyond it the centres are pinned by the finite-S inhomogeneities of the data
//!   (paper §3.3), so the final gaps are set by where the fields nucleate and by the pinning
//!   landscape, not by an equal-spacing optimum (paper §6: "repulsion is short ranged and may
//!   effectively lead to partial decoupling"). Over 28 exact-term runs (std 0.01) on three data
//!   sets 10 pass (36 %, binomial s.e. 9 %); over the 12 PCD runs 25 % (s.e. 13 %). The paper's single example is
//!   compatible with this; the FIGURES.md tolerance is kept and the seed-0 check fails as
//!   measured;
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

#[cfg(test)]
mod tests {
    use analysis::ring::{CentreOptions, centre_gaps, receptive_field_centre};
    use ndarray::{Array2, ArrayView1};

    /// Largest relative deviation of the sorted circular gaps from `N/M` (the Fig. 4a measure).
    fn deviation(centres: &[f64], n: f64) -> (Vec<f64>, f64) {
        let g = centre_gaps(centres, n).unwrap();
        let m = centres.len() as f64;
        let d = g.iter().map(|x| (x - n / m).abs() / (n / m)).fold(0.0, f64::max);
        (g, d)
    }

    /// Centre as the arg-max of the sign-oriented profile smoothed by a 5-site circular boxcar,
    /// refined by a parabola through the three smoothed values around it (an estimator
    /// independent of the circular centre of mass).
    fn smoothed_argmax(w: ArrayView1<f64>) -> f64 {
        let n = w.len();
        let imax = (0..n).max_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs())).unwrap();
        let s = w[imax].signum();
        let sm: Vec<f64> = (0..n).map(|i| (0..5).map(|k| s * w[(i + n + k - 2) % n]).sum::<f64>() / 5.0).collect();
        let j = (0..n).max_by(|&a, &b| sm[a].total_cmp(&sm[b])).unwrap();
        let (l, c, r) = (sm[(j + n - 1) % n], sm[j], sm[(j + 1) % n]);
        let den = l - 2.0 * c + r;
        let off = if den < 0.0 { 0.5 * (l - r) / den } else { 0.0 };
        (j as f64 + off).rem_euclid(n as f64)
    }

    /// Protocol experiment (not a check; `cargo test -p stages --lib f4a_protocol -- --ignored
    /// --nocapture`): Fig. 4a's protocol (β = 1, N = 100, S = 10⁴ drawn as the pipeline's
    /// `f2_data`, M = 3 ±1 hidden units, b = c = 0, N(0, 0.01²) weights, ν = 0.001, batch 10)
    /// with the exact negative term (2³ hidden enumeration, no PCD noise), the gap deviation
    /// after 100 and 300 epochs under three centre estimators.
    #[test]
    #[ignore = "protocol experiment, prints numbers (minutes in the dev profile)"]
    fn f4a_protocol_exact_gradient() {
        use data::{Encoding, ising::IsingRing};
        use model::{BiasMode, Units};
        let seeds: u64 = std::env::var("F4_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
        let epochs: usize = std::env::var("F4_EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
        let env = |k: &str, d: f64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
        let (data_seed, std) = (env("F4_DATA_SEED", 3.0) as u64, env("F4_STD", 0.01));
        println!("data seed {data_seed}, initial weight std {std}");
        let x = IsingRing::new(100, 1.0).unwrap().sample(10_000, data_seed, Encoding::Spin).unwrap().mapv(|v| v as f32);
        for seed in 0..seeds {
            let init = train::Init {
                weight_std: std,
                visible_bias: train::VisibleBiasInit::Zero,
                visible_bias_mode: BiasMode::Off,
                hidden_bias_mode: BiasMode::Off,
                seed,
            };
            let rbm0 = train::init_rbm(Units::Ising, 100, Units::Ising, 3, &init, x.view()).unwrap();
            let marks: Vec<u64> = [20usize, 100, epochs].iter().map(|e| (e * 1000) as u64).collect();
            let cfg = crate::kinds::p002_ising::sgd_protocol(train::Sampler::Exact, 0.001, 10, epochs, seed, marks);
            let out = train::train(rbm0, x.view(), None, cfg).unwrap();
            for rec in out.records.iter().filter(|r| r.update > 0) {
                let w: Array2<f64> = rec.rbm.weights.mapv(|v| v as f64);
                let com2: Vec<f64> = w
                    .columns()
                    .into_iter()
                    .map(|c| receptive_field_centre(c, CentreOptions::default_p2()).unwrap().centre)
                    .collect();
                let win: Vec<f64> = w
                    .columns()
                    .into_iter()
                    .map(|c| {
                        receptive_field_centre(c, CentreOptions { power: 1.0, half_window: Some(15) }).unwrap().centre
                    })
                    .collect();
                let am: Vec<f64> = w.columns().into_iter().map(smoothed_argmax).collect();
                let f = |c: &[f64]| {
                    let (g, d) = deviation(c, 100.0);
                    format!("{:.1}/{:.1}/{:.1} dev {d:.3}", g[0], g[1], g[2])
                };
                println!(
                    "seed {seed} epoch {:>4}: com² {} | com¹±15 {} | smoothed argmax {}",
                    rec.epoch,
                    f(&com2),
                    f(&win),
                    f(&am)
                );
            }
        }
    }

    trait P2 {
        fn default_p2() -> Self;
    }
    impl P2 for CentreOptions {
        /// The pipeline's estimator (`p002_receptive_fields` default `centre_power: 2`).
        fn default_p2() -> Self {
            CentreOptions { power: 2.0, half_window: None }
        }
    }
}
