//! Check tables of paper 003 (copied into REPORT.md by `rbmlab run`): each kind compares
//! gathered finite-`d` runs with the theory (computed here from `theory::p003`, never from
//! the runs' own code path) or with the values THEORY_003 §10 records, with the tolerances
//! FIGURES.md §4 suggests.

use super::{Checks, Rule, code, mean_se};
use anyhow::Context;
use pipeline::table::{col_bool, col_f64, col_i64, col_str};
use pipeline::{InputSpec, Outputs, ParamSpec, ParamType as T, StageCtx, StageInfo, StageKind, Upstream, Value};
use std::collections::BTreeMap;
use theory::p003::baselines::{bbp_lambda, haar_baseline, haar_c2_exact, pca_overlap};
use theory::p003::se::{se_k1_fixed_point, se_k1_uninformative};

fn gather(name: &'static str, doc: &'static str) -> InputSpec {
    InputSpec { name, gather: true, doc }
}

fn info(name: &'static str, doc: &'static str, params: Vec<ParamSpec>, inputs: Vec<InputSpec>) -> StageInfo {
    StageInfo { name, doc, params, inputs, outputs: vec!["checks"], code: code(&["theory"], "checks.rs") }
}

/// Key of a float for grouping.
fn key(x: f64) -> u64 {
    x.to_bits()
}

/// First column value of an upstream table (a parameter column).
fn first_f64(u: &Upstream, c: &str) -> anyhow::Result<f64> {
    col_f64(&u.table, c)?.first().copied().with_context(|| format!("empty table from {}", u.stage))
}

/// SNR where the piecewise-linear curve `(x_i, y_i)` (sorted by x) first reaches `level`
/// from below; NaN when it never does.
fn onset(points: &[(f64, f64)], level: f64) -> f64 {
    for i in 0..points.len() {
        let (x, y) = points[i];
        if y >= level {
            if i == 0 {
                return x;
            }
            let (x0, y0) = points[i - 1];
            return x0 + (level - y0) * (x - x0) / (y - y0);
        }
    }
    f64::NAN
}

/// Weak-recovery threshold estimated from a finite-`d` overlap curve `(λ_i, m_i)` (sorted by
/// λ): least-squares line through the points with `lo <= m² <= hi` on the rising branch,
/// extrapolated to `m² = 0`. Near a continuous transition `m² ∝ (λ − λ_c)` (for PCA, the BBP
/// formula `m² = (1 − γ/λ²)/(1 + γ/λ)`, γ = 1/α, has a non-zero slope at λ = √γ), so unlike a
/// level crossing this estimator targets the point where the overlap leaves zero: it is exact
/// on a linear branch, and on the (concave) asymptotic PCA curve sampled on the pipeline's SNR
/// grids it lands 3–4 % below BBP (unit test). A curve that jumps into or across the window
/// (fewer than two points with `lo <= m² <= hi`, as AMP-RBM's discontinuous onset from a
/// random start) gives the midpoint of the jump: between the last point with `m² < lo` and
/// the next one. NaN otherwise (no point below `lo` before the rise), or for a non-increasing
/// fit.
fn extrapolated_threshold(points: &[(f64, f64)], lo: f64, hi: f64) -> f64 {
    let sel: Vec<(f64, f64)> = points.iter().map(|&(x, m)| (x, m * m)).filter(|&(_, y)| y >= lo && y <= hi).collect();
    if sel.len() < 2 {
        let jump = points.windows(2).find(|w| w[0].1 * w[0].1 < lo && w[1].1 * w[1].1 >= lo);
        return jump.map_or(f64::NAN, |w| 0.5 * (w[0].0 + w[1].0));
    }
    let n = sel.len() as f64;
    let (mx, my) = (sel.iter().map(|p| p.0).sum::<f64>() / n, sel.iter().map(|p| p.1).sum::<f64>() / n);
    let sxy: f64 = sel.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = sel.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 || sxy <= 0.0 {
        return f64::NAN;
    }
    let slope = sxy / sxx;
    mx - my / slope
}

/// Weak-recovery threshold the non-linear `k = r = 1` state evolution predicts for the RBM
/// (Rademacher hidden units), with the rule that gave it (THEORY_003 §4.6, re-derived there,
/// not in the paper):
/// * where the finite-norm uninformative SE point exists (`α` ≳ 2.2), `λ_c = 1/(B*C*)` of
///   (D-4), above which `M = 0` is SE-unstable;
/// * where it does not (`α = 2`), the lowest λ with an informative fixed point `0 < C < 1`
///   (THEORY_003 §4.8: 0.949 at α = 2), found by bisection on the existence of
///   [`se_k1_fixed_point`] between BBP and the first λ (doubling from 1) where it exists.
///
/// Either way `λ ≥ α^{-1/2}` (BBP) with equality only for linear denoisers; both points are
/// replicon-unstable, so this is the SE's prediction, not a theorem about the maximiser.
fn se_weak_recovery_threshold(alpha: f64) -> anyhow::Result<(f64, &'static str)> {
    if let Some(u) = se_k1_uninformative(alpha)? {
        return Ok((u.lambda_c, "λc = 1/(B*C*) of THEORY_003 (D-4)"));
    }
    let exists = |l: f64| -> anyhow::Result<bool> { Ok(se_k1_fixed_point(alpha, l)?.is_some()) };
    let mut lo = bbp_lambda(alpha)?;
    let mut hi = lo.max(1.0);
    while !exists(hi)? {
        lo = hi;
        hi *= 2.0;
        anyhow::ensure!(hi < 64.0, "no informative SE fixed point below λ = 64 at α = {alpha}");
    }
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        if exists(mid)? { hi = mid } else { lo = mid }
    }
    Ok((hi, "lowest λ with an informative SE fixed point, 0 < C < 1 (THEORY_003 §4.8)"))
}

/// `p003_check_amp_se`: AMP-RBM iterations vs state evolution (Fig. 1 left).
pub struct CheckAmpSe;

impl StageKind for CheckAmpSe {
    fn info(&self) -> StageInfo {
        info(
            "p003_check_amp_se",
            "Fig. 1L checks: per SNR, the largest |mean over seeds of AMP − SE| over iterations (tolerance max(tol, 2 s.e.)), the final AMP overlap against the SE fixed point, the SE fixed point against THEORY_003 §4.8 (α = 2), and Theorem 2 (relative gradient at converged AMP fixed points)",
            vec![
                ParamSpec::new("tol", T::Float, "tolerance on the mean AMP − SE deviation").default(Value::Float(0.02)),
                ParamSpec::new("fixed_point_tol", T::Float, "tolerance on the final overlap vs the SE fixed point")
                    .default(Value::Float(0.025)),
            ],
            vec![gather("trajectory", "p003_amp_iterations trajectories over seeds and SNRs")],
        )
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (tol, ftol) = (ctx.f64("tol")?, ctx.f64("fixed_point_tol")?);
        // (alpha, snr, d) → runs of (iteration → AMP − SE), final AMP, SE fixed point, status, rel grad.
        type Run = (Vec<f64>, f64, f64, f64, String, f64);
        let mut g: BTreeMap<(u64, u64, i64), Vec<Run>> = BTreeMap::new();
        for u in ctx.gathered("trajectory")? {
            let t = &u.table;
            let (a, s, d) = (first_f64(u, "alpha")?, first_f64(u, "snr")?, col_i64(t, "d")?[0]);
            let (amp, se) = (col_f64(t, "overlap_amp")?, col_f64(t, "overlap_se")?);
            let dev: Vec<f64> = amp.iter().zip(&se).map(|(x, y)| x - y).collect();
            let run = (
                dev,
                *amp.last().unwrap_or(&f64::NAN),
                col_f64(t, "overlap_se_fixed_point")?[0],
                col_f64(t, "replicon_fixed_point")?[0],
                col_str(t, "status")?[0].clone(),
                col_f64(t, "rel_grad_final")?[0],
            );
            g.entry((key(a), key(s), d)).or_default().push(run);
        }
        let mut c = Checks::default();
        for ((a, s, d), runs) in g {
            let (alpha, snr) = (f64::from_bits(a), f64::from_bits(s));
            let tag = format!("α={alpha}, λ={snr}, d={d}, {} seeds", runs.len());
            let len = runs.iter().map(|r| r.0.len()).min().unwrap_or(0);
            let (mut worst, mut worst_se) = (0.0f64, 0.0f64);
            for t in 0..len {
                let (m, se) = mean_se(&runs.iter().map(|r| r.0[t]).collect::<Vec<_>>());
                if m.abs() > worst.abs() {
                    worst = m;
                    worst_se = se;
                }
            }
            let ttol = tol.max(2.0 * worst_se.max(0.0));
            c.add(
                "F1L",
                format!("max over iterations |mean(AMP − SE)| ({tag}, {len} iterations)"),
                worst.abs(),
                0.0,
                ttol,
                Rule::Close,
                "Theorem 3 (SE, eq. 19)",
            );
            let (fin, _) = mean_se(&runs.iter().map(|r| r.1).collect::<Vec<_>>());
            c.add(
                "F1L",
                format!("final AMP overlap vs SE fixed point ({tag})"),
                fin,
                runs[0].2,
                ftol,
                Rule::Close,
                "Theorem 4; THEORY_003 §10 row 12a (instance spread ≈ 0.01)",
            );
            c.add(
                "F1L",
                format!("replicon factor AT at the SE fixed point ({tag})"),
                runs[0].3,
                1.0,
                0.0,
                Rule::AtMost,
                "Assumption 6 / (D-5): SE valid only where AT < 1",
            );
            let notes = [(2.0, 2.0, 0.8488), (2.0, 1.5, 0.766), (2.0, 3.0, 0.912)];
            if let Some(&(_, _, v)) = notes.iter().find(|(na, ns, _)| *na == alpha && *ns == snr) {
                c.add(
                    "F1L",
                    format!("SE fixed-point overlap vs THEORY_003 §4.8 table (α={alpha}, λ={snr})"),
                    runs[0].2,
                    v,
                    0.002,
                    Rule::Close,
                    "THEORY_003 §4.8 / §10 row 4",
                );
            }
        }
        Ok(vec![("checks".into(), c.build()?)])
    }
}

/// `p003_check_recovery`: overlap vs SNR (Fig. 1 right, Fig. 5) and the weak-recovery scan.
pub struct CheckRecovery;

impl StageKind for CheckRecovery {
    fn info(&self) -> StageInfo {
        let mut i = info(
            "p003_check_recovery",
            "Figs. 1R, 5 and issue 7's weak-recovery measurement: per (α, d, rank), the SNR where the mean GD / AMP-RBM / PCA overlaps first reach onset_level against BBP α^{-1/2} (the paper's claim), the gap's change from the smallest to the largest d, the mean overlap well below BBP, GD and AMP against the rank-1 SE fixed point where the replicon test holds, and for rank > 1 GD/AMP against the SVD (Haar) baseline and Corollary 1",
            vec![
                ParamSpec::new("onset_level", T::Float, "overlap level of the (informational) level-crossing onset")
                    .default(Value::Float(0.3)),
                ParamSpec::new("fit_lo", T::Float, "lowest mean overlap² used in the threshold extrapolation")
                    .default(Value::Float(0.04)),
                ParamSpec::new("fit_hi", T::Float, "highest mean overlap² used in the threshold extrapolation")
                    .default(Value::Float(0.3)),
                ParamSpec::new(
                    "onset_rel_tol",
                    T::Float,
                    "relative tolerance of the onset against BBP (FIGURES F1R: 10 %)",
                )
                .default(Value::Float(0.1)),
                ParamSpec::new("null_tol", T::Float, "bound on the mean overlap at λ <= 0.8 λ_BBP")
                    .default(Value::Float(0.1)),
                ParamSpec::new("se_tol", T::Float, "tolerance of GD/AMP vs the SE fixed point (replicon-stable SNRs)")
                    .default(Value::Float(0.03)),
                ParamSpec::new(
                    "rank_tol",
                    T::Float,
                    "tolerance of rank-r GD/AMP vs the rank-1 prediction (Corollary 1)",
                )
                .default(Value::Float(0.05)),
            ],
            vec![gather("summary", "p003_recovery summaries over (alpha, d, snr, rank, seed)")],
        );
        // One row per (α, d, estimator) where the SNR grid brackets BBP: the measured
        // weak-recovery thresholds behind the claim rows, for the threshold-vs-d figure.
        i.outputs = vec!["checks", "thresholds"];
        i
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (fit_lo, fit_hi) = (ctx.f64("fit_lo")?, ctx.f64("fit_hi")?);
        anyhow::ensure!(0.0 < fit_lo && fit_lo < fit_hi && fit_hi <= 1.0, "need 0 < fit_lo < fit_hi <= 1");
        let (level, rel, null_tol, se_tol, rank_tol) = (
            ctx.f64("onset_level")?,
            ctx.f64("onset_rel_tol")?,
            ctx.f64("null_tol")?,
            ctx.f64("se_tol")?,
            ctx.f64("rank_tol")?,
        );
        // (alpha, rank) → d → snr → [(gd, amp kept, pca, lbfgs)].
        type BySnr = BTreeMap<u64, Vec<[f64; 4]>>;
        let mut g: BTreeMap<(u64, i64), BTreeMap<i64, BySnr>> = BTreeMap::new();
        // (alpha, rank, first SNR) → all spike SNRs of those runs (Corollary 1 prediction).
        let mut spikes: BTreeMap<(u64, i64, u64), Vec<f64>> = BTreeMap::new();
        // (alpha, rank, d) → (GD runs that met the gradient tolerance, GD runs).
        let mut gd_conv: BTreeMap<(u64, i64, i64), (usize, usize)> = BTreeMap::new();
        // (alpha, rank) → d → [(snr, AMP-RBM failed: diverged or negative objective)], random starts.
        type RunsByD = BTreeMap<i64, Vec<(f64, bool)>>;
        let mut amp_fail: BTreeMap<(u64, i64), RunsByD> = BTreeMap::new();
        for u in ctx.gathered("summary")? {
            let t = &u.table;
            let r = col_i64(t, "n_hidden")?[0];
            let amp_st = col_str(t, "status_amp")?;
            if amp_st[0] != "not_run" && u.params.get("amp_init").and_then(pipeline::Value::as_str) == Some("random") {
                amp_fail
                    .entry((key(first_f64(u, "alpha")?), r))
                    .or_default()
                    .entry(col_i64(t, "d")?[0])
                    .or_default()
                    .push((first_f64(u, "snr")?, matches!(amp_st[0].as_str(), "diverged" | "negative_objective")));
            }
            let st = col_str(t, "status_gd")?;
            if st[0] != "not_run" {
                let e = gd_conv.entry((key(first_f64(u, "alpha")?), r, col_i64(t, "d")?[0])).or_default();
                e.0 += usize::from(st[0] == "converged");
                e.1 += 1;
            }
            spikes.insert((key(first_f64(u, "alpha")?), r, key(first_f64(u, "snr")?)), super::snrs(&u.params));
            let lbfgs = col_f64(t, "overlap_lbfgs").map_or(f64::NAN, |c| c[0]);
            let row = [
                col_f64(t, "overlap_gd")?[0],
                col_f64(t, "overlap_amp_kept")?[0],
                col_f64(t, "overlap_pca")?[0],
                lbfgs,
            ];
            g.entry((key(first_f64(u, "alpha")?), r))
                .or_default()
                .entry(col_i64(t, "d")?[0])
                .or_default()
                .entry(key(first_f64(u, "snr")?))
                .or_default()
                .push(row);
        }
        // Theorem 2 over every converged AMP run: relative gradient of L_eff at the output.
        let (mut conv, mut total, mut worst_grad) = (0usize, 0usize, f64::NAN);
        for u in ctx.gathered("summary")? {
            let st = col_str(&u.table, "status_amp")?;
            if st[0] == "not_run" {
                continue;
            }
            // Theorem 2 holds for the self-consistent schedule only (a frozen-C fixed point is
            // stationary for a modified multiplier; theory::p003::amp::AmpParams::Frozen docs).
            if u.params.get("amp_params").and_then(pipeline::Value::as_str) != Some("adaptive") {
                continue;
            }
            total += 1;
            if st[0] == "converged" {
                conv += 1;
                let gr = col_f64(&u.table, "rel_grad_amp")?[0];
                worst_grad = if worst_grad.is_nan() { gr } else { worst_grad.max(gr) };
            }
        }
        let names = ["GD (Adam on eq. 5)", "AMP-RBM (kept runs)", "PCA", "L-BFGS on eq. 5"];
        const PCA: usize = 2;
        // Issue 7 scopes the agreement of finite-d runs with the SE fixed point to d >= 2000.
        const D_SE: i64 = 2000;
        let mut c = Checks::default();
        let mut th_rows = ThresholdRows::default();
        for ((a, rank), by_d) in g {
            let alpha = f64::from_bits(a);
            let bbp = bbp_lambda(alpha)?;
            let fig = if rank == 1 {
                "F1R"
            } else if rank == 2 {
                "F5L"
            } else {
                "F5R"
            };
            // Method → [(d, its threshold minus PCA's)], for the trend with d.
            let mut gaps: BTreeMap<usize, Vec<(i64, f64)>> = BTreeMap::new();
            // (method, d, threshold) of the RBM estimators at the calibration d (the largest).
            let mut at_cal: Vec<(usize, i64, f64)> = Vec::new();
            // A threshold is estimated only where the SNR grid brackets BBP (≥ 1 point at or
            // below it, ≥ 2 above); PCA, whose threshold is BBP, calibrates the estimator at
            // the largest such d.
            let brackets = |by_snr: &BySnr| {
                let below = by_snr.keys().filter(|s| f64::from_bits(**s) <= bbp).count();
                below >= 1 && by_snr.len() - below >= 2
            };
            let d_cal = by_d.iter().filter(|(_, b)| brackets(b)).map(|(d, _)| *d).max();
            for (d, by_snr) in &by_d {
                if let Some(&(ok, all)) = gd_conv.get(&(a, rank, *d)) {
                    c.add(
                        fig,
                        format!("GD runs that reached the gradient tolerance ({ok} of {all}; α={alpha}, d={d}, rank {rank})"),
                        ok as f64 / all as f64,
                        1.0,
                        0.0,
                        Rule::Close,
                        "informational: unconverged runs stopped at gd_steps (their overlaps are lower bounds near threshold)",
                    );
                    c.last_informational();
                }
                let curve = |m: usize| -> Vec<(f64, f64)> {
                    by_snr
                        .iter()
                        .map(|(s, v)| (f64::from_bits(*s), mean_se(&v.iter().map(|x| x[m]).collect::<Vec<_>>()).0))
                        .collect()
                };
                let seeds = by_snr.values().map(Vec::len).max().unwrap_or(0);
                let tag = format!("α={alpha}, d={d}, rank {rank}, {seeds} seeds");
                let pca_pts: Vec<(f64, f64)> = curve(PCA).into_iter().filter(|p| p.1.is_finite()).collect();
                let pca_th = extrapolated_threshold(&pca_pts, fit_lo, fit_hi);
                let pca_below = pca_pts.iter().filter(|p| p.0 <= 0.8 * bbp).map(|p| p.1).fold(f64::NAN, f64::max);
                for (m, name) in names.iter().enumerate() {
                    let pts: Vec<(f64, f64)> = curve(m).into_iter().filter(|p| p.1.is_finite()).collect();
                    if pts.is_empty() {
                        continue;
                    }
                    if rank == 1 && brackets(by_snr) {
                        // The threshold itself: overlap² extrapolated to zero. For the RBM
                        // algorithms this is the paper's claim (threshold = BBP), which issue 7
                        // asks to measure rather than assume: a `claim` row. For PCA (threshold
                        // BBP by the BBP theorem) it calibrates the estimator: binding at the
                        // largest d, where finite-size bias is smallest.
                        let th = extrapolated_threshold(&pts, fit_lo, fit_hi);
                        th_rows.push(alpha, *d, seeds, name, th, pca_th, bbp);
                        if Some(*d) == d_cal && m != PCA {
                            at_cal.push((m, *d, th));
                        }
                        if m != PCA {
                            gaps.entry(m).or_default().push((*d, th - pca_th));
                        }
                        if m == PCA {
                            c.add(
                                fig,
                                format!("weak-recovery threshold of PCA (estimator calibration): mean overlap² extrapolated to 0 (fit on {fit_lo} <= m² <= {fit_hi}) ({tag}); expected = BBP"),
                                th,
                                bbp,
                                rel * bbp,
                                Rule::Close,
                                "BBP theorem: PCA's threshold is α^{-1/2}; binding at the largest bracketing d, informational below",
                            );
                            if Some(*d) != d_cal {
                                c.last_informational();
                            }
                        } else {
                            // The finite-d form of "threshold = BBP": the RBM's threshold against
                            // PCA's, same estimator on the same data sets (their finite-size
                            // biases cancel; PCA's threshold is BBP as d → ∞).
                            c.add(
                                fig,
                                format!("paper claim: weak-recovery threshold of {name} = BBP, tested as its threshold minus PCA's (same estimator, fit on {fit_lo} <= m² <= {fit_hi}, same data): {th:.3} − {pca_th:.3}, BBP {bbp:.3} ({tag})"),
                                th - pca_th,
                                0.0,
                                rel * bbp,
                                Rule::Close,
                                "paper §5: RBM weak-recovery threshold = BBP (eq. 22); THEORY_003 §4.6 caveat; tolerance FIGURES F1R (10 % of BBP)",
                            );
                            c.last_claim();
                        }
                        // A level crossing is biased even for an exact BBP detector: shown
                        // against the level crossing of the asymptotic PCA curve, not counted.
                        let on = onset(&pts, level);
                        let pca_level = onset(
                            &(0..=4000)
                                .map(|i| {
                                    let l = bbp * (1.0 + i as f64 * 1e-3);
                                    (l, pca_overlap(alpha, l).unwrap_or(f64::NAN))
                                })
                                .collect::<Vec<_>>(),
                            level,
                        );
                        c.add(
                            fig,
                            format!("SNR where mean {name} overlap reaches {level} ({tag}); expected = the asymptotic PCA curve's crossing"),
                            on,
                            pca_level,
                            rel * pca_level,
                            Rule::Close,
                            "level crossing, informational (biased estimator of the threshold)",
                        );
                        c.last_informational();
                        let below = pts.iter().filter(|p| p.0 <= 0.8 * bbp).map(|p| p.1).fold(f64::NAN, f64::max);
                        if below.is_finite() {
                            // The finite-d floor: below BBP every estimator's overlap is O(d^{-1/2})
                            // noise. The bound resolves a signal only where that floor (PCA's own
                            // value on the same data) is at most half of it; at a floor of 0.09
                            // against 0.1 a correct algorithm fails half the time.
                            let floor_ok = pca_below <= 0.5 * null_tol;
                            c.add(
                                fig,
                                format!("max mean {name} overlap at λ <= 0.8 λ_BBP ({tag}; PCA's: {pca_below:.3})"),
                                below,
                                null_tol,
                                0.0,
                                Rule::AtMost,
                                if floor_ok || m == PCA {
                                    "FIGURES F1R: < 0.1 below threshold (a check on the RBM algorithms; PCA's finite-d value is informational)"
                                } else {
                                    "FIGURES F1R: < 0.1 below threshold; informational here: the finite-d noise floor (PCA's own value) exceeds half the bound at this d"
                                },
                            );
                            if m == PCA || !floor_ok {
                                c.last_informational();
                            }
                        }
                    }
                    if m != PCA {
                        // Against the rank-1 SE fixed point where it is replicon-stable (Corollary 1
                        // for rank > 1: the matched average is the mean of the per-spike rank-1
                        // overlaps).
                        let mut worst: f64 = f64::NAN;
                        let mut count = 0;
                        let mut last = None;
                        for &(s, y) in &pts {
                            let ls = spikes.get(&(a, rank, key(s))).cloned().unwrap_or_else(|| vec![s]);
                            let mut pred = 0.0;
                            let mut stable = true;
                            for l in &ls {
                                match se_k1_fixed_point(alpha, *l)? {
                                    Some(fp) => {
                                        pred += fp.overlap / ls.len() as f64;
                                        stable &= fp.replicon_stable();
                                    }
                                    None => stable = false,
                                }
                            }
                            if stable {
                                let dv = (y - pred).abs();
                                worst = if worst.is_nan() { dv } else { worst.max(dv) };
                                count += 1;
                                last = Some((s, y, pred));
                            }
                        }
                        if count > 0 {
                            let tl = if rank == 1 { se_tol } else { rank_tol };
                            c.add(fig, format!("max |mean {name} − rank-1 SE fixed point| over {count} replicon-stable SNRs ({tag})"), worst, 0.0, tl, Rule::Close, if rank == 1 { "Theorem 4 / Assumption 6" } else { "Corollary 1" });
                            if rank == 1 && *d < D_SE {
                                c.last_informational();
                            }
                            if rank > 2 {
                                // FIGURES F5R scopes the check to large SNR (the paper shows a gap
                                // at small SNR for rank 10): informational over all SNRs, binding
                                // at the largest.
                                c.last_informational();
                                if let Some((s, y, pred)) = last {
                                    c.add(
                                        fig,
                                        format!("{name} vs rank-1 SE prediction at the largest SNR λ={s} ({tag})"),
                                        y,
                                        pred,
                                        tl,
                                        Rule::Close,
                                        "Corollary 1; FIGURES F5R: within 0.05 at large SNR",
                                    );
                                }
                            }
                        }
                    }
                }
                let (top, _) = by_snr.iter().next_back().context("no SNR")?;
                let degenerate =
                    spikes.get(&(a, rank, *top)).is_none_or(|l| l.iter().all(|x| (x - l[0]).abs() < 1e-12));
                if rank > 1 && degenerate {
                    let (top, v) = by_snr.iter().next_back().context("no SNR")?;
                    let s = f64::from_bits(*top);
                    let hb = haar_baseline(rank as usize, 20000, 7)?;
                    let haar = if rank == 2 { haar_c2_exact() } else { hb.matching };
                    let svd_th = pca_overlap(alpha, s)? * haar;
                    let svd_runs: Vec<f64> = v.iter().map(|x| x[2]).filter(|x| x.is_finite()).collect();
                    let (svd, _) = mean_se(&svd_runs);
                    // Measured and expected are the same statistic: the matched average of
                    // |V̂ᵀÛ| (Û = top-r eigenvectors), whose large-d law is m_PCA × (matched
                    // average of |O|, O Haar); theory::p003::baselines::HaarBaseline docs.
                    // FIGURES F5R asks for 0.01, but one instance's matched average spreads
                    // with s.d. m_PCA·sd_Haar (0.079 at r = 2, 0.030 at r = 10 for λ = 3,
                    // α = 2), so the mean of N seeds has s.e. m_PCA·sd_Haar/√N. That s.e. comes
                    // from the reference law, not from the seeds' own spread (with 2 seeds a
                    // 1-degree-of-freedom estimate, which gave 0.0074 where the true s.e. is
                    // 0.056 and failed a 1.1 s.e. deviation).
                    let svd_se = pca_overlap(alpha, s)? * hb.matching_sd / (svd_runs.len().max(1) as f64).sqrt();
                    let stol = 0.01f64.max(2.0 * svd_se);
                    c.add(
                        fig,
                        format!(
                            "SVD matched overlap vs PCA × Haar average at λ={s}, tolerance max(0.01, 2 s.e.), s.e. = m_PCA·sd_Haar/√N = {svd_se:.4} from the Haar law (N = {} runs; {tag})",
                            svd_runs.len()
                        ),
                        svd,
                        svd_th,
                        stol,
                        Rule::Close,
                        "App. F.1: uniform distribution over the subspace",
                    );
                    // The Haar constant itself against the independent values of THEORY_003 §10 row 11.
                    let known = match rank {
                        2 => Some((haar_c2_exact(), "exact 2√2/π")),
                        10 => Some((0.594, "THEORY_003 §10 row 11 (numpy)")),
                        _ => None,
                    };
                    if let Some((val, src)) = known {
                        c.add(
                            fig,
                            format!(
                                "Haar O({rank}) Monte-Carlo matched average (20000 draws, s.e. {:.4}) vs {src}",
                                hb.matching_se
                            ),
                            hb.matching,
                            val,
                            0.01,
                            Rule::Close,
                            "FIGURES F5R: SVD value = Haar Monte-Carlo within 0.01",
                        );
                    }
                    for (m, name) in names.iter().take(2).enumerate() {
                        let (y, _) = mean_se(&v.iter().map(|x| x[m]).collect::<Vec<_>>());
                        c.add(
                            fig,
                            format!("{name} matched overlap exceeds the Haar SVD baseline at λ={s} ({tag})"),
                            y,
                            svd_th,
                            0.0,
                            Rule::AtLeast,
                            "App. F.1: RBM beats SVD for degenerate spikes",
                        );
                    }
                }
            }
            // GD and L-BFGS ascend the same objective from the same random start; where both
            // ran, their thresholds should agree (the paper profile runs only L-BFGS at the
            // largest d, where Adam needs thousands of steps).
            if let (Some(gd), Some(lb)) = (gaps.get(&0), gaps.get(&3)) {
                for &(d, g) in gd {
                    if let Some(&(_, l)) = lb.iter().find(|(dl, _)| *dl == d) {
                        c.add(fig, format!("GD (Adam) vs L-BFGS weak-recovery threshold on the same data (α={alpha}, d={d}): difference"), g - l, 0.0, rel * bbp, Rule::Close, "same objective (eq. 5), same random start: the two optimisers should find the same threshold");
                        c.last_informational();
                    }
                }
            }
            if rank == 1 {
                let (se_th, rule) = se_weak_recovery_threshold(alpha)?;
                // AMP-RBM from a random start fails (diverges, or ends below W = 0) where the SE
                // has no informative fixed point to converge to: its failures by side of se_th.
                for (d, runs) in amp_fail.get(&(a, rank)).into_iter().flatten() {
                    let side = |below: bool| {
                        let v: Vec<bool> = runs.iter().filter(|(l, _)| (*l < se_th) == below).map(|r| r.1).collect();
                        (v.iter().filter(|f| **f).count(), v.len())
                    };
                    let ((fb, nb), (fa, na)) = (side(true), side(false));
                    if nb == 0 {
                        // No run below the threshold at this d (e.g. the SE-check seeds only).
                        continue;
                    }
                    c.add(
                        fig,
                        format!("AMP-RBM from a random start, failed runs (diverged or negative objective): {fb} of {nb} below the non-linear SE threshold {se_th:.3}, {fa} of {na} at or above it (α={alpha}, d={d}); measured = share failing below it"),
                        fb as f64 / nb as f64,
                        1.0,
                        0.0,
                        Rule::Close,
                        "informational: Algorithm 1 follows its SE, which has no informative fixed point below that threshold (THEORY_003 §4.6, §4.8); `status_amp` / `failure_amp` of each run in the recovery summaries",
                    );
                    c.last_informational();
                }
                // Which prediction the measured threshold follows: the paper's BBP (the linearised
                // argument) or the non-linear SE's (THEORY_003 §4.6). Informational: near either
                // point the RS/SE picture is replicon-unstable.
                for &(m, d, th) in &at_cal {
                    let nearer = if !th.is_finite() {
                        "no threshold"
                    } else if (th - se_th).abs() < (th - bbp).abs() {
                        "nearer the SE threshold"
                    } else {
                        "nearer BBP"
                    };
                    c.add(
                        fig,
                        format!("weak-recovery threshold of {} at the largest d ({d}) vs the non-linear SE threshold {se_th:.3} ({rule}); BBP {bbp:.3}; α={alpha}: {nearer}", names[m]),
                        th,
                        se_th,
                        rel * bbp,
                        Rule::Close,
                        "THEORY_003 §4.6 (D-4) / §4.8: the non-linear SE puts the RBM's threshold above BBP; informational (replicon-unstable there)",
                    );
                    c.last_informational();
                }
            }
            for (m, gs) in &gaps {
                let finite: Vec<(i64, f64)> = gs.iter().copied().filter(|(_, g)| g.is_finite()).collect();
                if finite.len() >= 2 {
                    let name = names[*m];
                    let (d0, d1) = (finite[0].0, finite[finite.len() - 1].0);
                    let path = finite.iter().map(|(d, g)| format!("{d}: {g:+.3}")).collect::<Vec<_>>().join(", ");
                    // How the gap moves: least-squares slope of the gap against log2 d (change per
                    // doubling of d). "Tends to BBP" needs a gap that closes: slope <= 0. (A gap
                    // that stays put, however small, is judged by the per-d rows above.)
                    let slope = ls_slope(&finite.iter().map(|&(d, g)| ((d as f64).log2(), g)).collect::<Vec<_>>());
                    c.add(fig, format!("paper claim: the {name} threshold tends to BBP as d grows: slope of its threshold minus PCA's against log2 d (change per doubling), d={d0}…{d1} [{path}], α={alpha} (negative = closing)"), slope, 0.0, 0.0, Rule::AtMost, "issue 7: how the gap moves with d");
                    c.last_claim();
                }
            }
        }
        if total > 0 {
            c.add("F1R", format!("Theorem 2: max relative gradient ‖∇L_eff‖/‖αWΓ‖ at converged AMP-RBM outputs ({conv} of {total} runs converged)"), worst_grad, 1e-6, 0.0, Rule::AtMost, "Theorem 2, eq. (18)");
        }
        Ok(vec![("checks".into(), c.build()?), ("thresholds".into(), th_rows.build()?)])
    }
}

/// Rows of the `thresholds` table of [`CheckRecovery`].
#[derive(Default)]
struct ThresholdRows {
    alpha: Vec<f64>,
    d: Vec<i64>,
    n_seeds: Vec<i64>,
    method: Vec<String>,
    threshold: Vec<f64>,
    threshold_pca: Vec<f64>,
    snr_bbp: Vec<f64>,
}

impl ThresholdRows {
    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, alpha: f64, d: i64, seeds: usize, method: &str, th: f64, pca_th: f64, bbp: f64) {
        self.alpha.push(alpha);
        self.d.push(d);
        self.n_seeds.push(seeds as i64);
        self.method.push(method.to_string());
        self.threshold.push(th);
        self.threshold_pca.push(pca_th);
        self.snr_bbp.push(bbp);
    }

    /// Columns: alpha, d, n_seeds, method, threshold, threshold_pca, gap_to_pca
    /// (threshold − threshold_pca), snr_bbp.
    fn build(self) -> anyhow::Result<arrow::record_batch::RecordBatch> {
        let gap = self.threshold.iter().zip(&self.threshold_pca).map(|(t, p)| t - p).collect();
        pipeline::table::TableBuilder::new()
            .f64("alpha", self.alpha)
            .i64("d", self.d)
            .i64("n_seeds", self.n_seeds)
            .str("method", self.method)
            .f64("threshold", self.threshold)
            .f64("threshold_pca", self.threshold_pca)
            .f64("gap_to_pca", gap)
            .f64("snr_bbp", self.snr_bbp)
            .build()
    }
}

/// Mean over runs of a per-step column, keyed by step.
fn mean_by_step(ups: &[Upstream], col: &str) -> anyhow::Result<BTreeMap<i64, f64>> {
    let mut m: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for u in ups {
        for (s, y) in col_i64(&u.table, "step")?.into_iter().zip(col_f64(&u.table, col)?) {
            m.entry(s).or_default().push(y);
        }
    }
    Ok(m.into_iter().map(|(s, v)| (s, mean_se(&v).0)).collect())
}

/// Standard error over runs of a per-step column, keyed by step.
fn se_by_step(ups: &[Upstream], col: &str) -> anyhow::Result<BTreeMap<i64, f64>> {
    let mut m: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for u in ups {
        for (s, y) in col_i64(&u.table, "step")?.into_iter().zip(col_f64(&u.table, col)?) {
            m.entry(s).or_default().push(y);
        }
    }
    Ok(m.into_iter().map(|(s, v)| (s, mean_se(&v).1)).collect())
}

/// `p003_check_dmft`: GD at finite d against its DMFT (Fig. 2).
pub struct CheckDmft;

impl StageKind for CheckDmft {
    fn info(&self) -> StageInfo {
        info(
            "p003_check_dmft",
            "Fig. 2 checks: largest |mean GD − DMFT| over the common steps for the overlap and for L_eff/n (FIGURES F2: within 0.03), and the last step's overlap",
            vec![ParamSpec::new("tol", T::Float, "tolerance").default(Value::Float(0.03))],
            vec![
                gather("gd", "p003_gd_trajectory trajectories (GD, informed init) over seeds"),
                gather("dmft", "p003_dmft curves (one per setting)"),
            ],
        )
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let tol = ctx.f64("tol")?;
        let gd = ctx.gathered("gd")?;
        let mut c = Checks::default();
        for dm in ctx.gathered("dmft")? {
            let (alpha, snr) = (first_f64(dm, "alpha")?, first_f64(dm, "snr")?);
            let runs: Vec<Upstream> = gd
                .iter()
                .filter(|u| first_f64(u, "alpha").ok() == Some(alpha) && first_f64(u, "snr").ok() == Some(snr))
                .cloned()
                .collect();
            if runs.is_empty() {
                continue;
            }
            let d = col_i64(&runs[0].table, "d")?[0];
            let tag = format!("α={alpha}, λ={snr}, d={d}, {} seeds", runs.len());
            let steps = col_i64(&dm.table, "step")?;
            for (col, what) in [("overlap", "overlap"), ("objective", "L_eff/n")] {
                let th: BTreeMap<i64, f64> = steps.iter().copied().zip(col_f64(&dm.table, col)?).collect();
                let sim = mean_by_step(&runs, col)?;
                let se = se_by_step(&runs, col)?;
                let common: Vec<(i64, f64)> =
                    sim.iter().filter_map(|(s, y)| th.get(s).map(|t| (*s, (y - t).abs()))).collect();
                let (wstep, worst) = common.iter().copied().fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
                // The seed-to-seed spread (dominated by the O(d^{-1/2}) sampling of the informed
                // start's overlap, amplified while the overlap grows) sets the resolution:
                // tolerance max(tol, 2 s.e.) at the worst step, as for Fig. 1L.
                let wse = se.get(&wstep).copied().unwrap_or(f64::NAN);
                c.add(
                    "F2",
                    format!("max over {} steps |mean GD − DMFT| of {what} (worst at step {wstep}, s.e. {wse:.4}; tolerance max(tol, 2 s.e.)) ({tag})", common.len()),
                    worst,
                    0.0,
                    tol.max(2.0 * wse.max(0.0)),
                    Rule::Close,
                    "Theorem 5; THEORY_003 §10 row 6 (≈ 0.004 at d = 2000)",
                );
                if col == "overlap"
                    && let Some((&s, &y)) = sim.iter().next_back()
                    && let Some(t) = th.get(&s)
                {
                    c.add(
                        "F2",
                        format!("GD overlap at step {s} vs DMFT ({tag})"),
                        y,
                        *t,
                        tol,
                        Rule::Close,
                        "Theorem 5, eq. (30)",
                    );
                }
            }
        }
        Ok(vec![("checks".into(), c.build()?)])
    }
}

/// First step where a mean curve reaches `level`.
fn first_reach(curve: &BTreeMap<i64, f64>, level: f64) -> f64 {
    curve.iter().find(|(_, y)| **y >= level).map_or(f64::NAN, |(s, _)| *s as f64)
}

/// `p003_check_dynamics`: CD vs GD from an informed start (Fig. 4).
pub struct CheckDynamics;

impl StageKind for CheckDynamics {
    fn info(&self) -> StageInfo {
        info(
            "p003_check_dynamics",
            "Fig. 4 checks (FIGURES F4): the final mean CD overlap within 0.05 of the SE fixed point, and the number of updates CD needs to reach `fraction` of that limit against GD's (CD slower)",
            vec![
                ParamSpec::new("tol", T::Float, "tolerance of the CD limit").default(Value::Float(0.05)),
                ParamSpec::new("fraction", T::Float, "fraction of the SE limit defining the convergence time")
                    .default(Value::Float(0.9)),
            ],
            vec![
                gather("gd", "p003_gd_trajectory trajectories (informed init)"),
                gather("cd", "p003_cd trajectories (informed init)"),
            ],
        )
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (tol, frac) = (ctx.f64("tol")?, ctx.f64("fraction")?);
        let (gd, cd) = (ctx.gathered("gd")?, ctx.gathered("cd")?);
        let mut c = Checks::default();
        let Some(first) = cd.first() else { return Ok(vec![("checks".into(), c.build()?)]) };
        let (alpha, snr) = (first_f64(first, "alpha")?, first_f64(first, "snr")?);
        let limit = se_k1_fixed_point(alpha, snr)?.map_or(f64::NAN, |f| f.overlap);
        let (mcd, mgd) = (mean_by_step(cd, "overlap")?, mean_by_step(gd, "overlap")?);
        let tag = format!("α={alpha}, λ={snr}, {} CD / {} GD runs", cd.len(), gd.len());
        let fin = mcd.values().next_back().copied().unwrap_or(f64::NAN);
        c.add(
            "F4",
            format!("final mean CD overlap vs SE fixed point ({tag})"),
            fin,
            limit,
            tol,
            Rule::Close,
            "App. F.1: CD qualitatively like GD",
        );
        let (tc, tg) = (first_reach(&mcd, frac * limit), first_reach(&mgd, frac * limit));
        c.add(
            "F4",
            format!("updates for CD to reach {frac} × SE limit, vs GD's {tg} ({tag})"),
            tc,
            tg,
            0.0,
            Rule::AtLeast,
            "App. F.1: CD converges much slower",
        );
        Ok(vec![("checks".into(), c.build()?)])
    }
}

/// Least-squares slope of `y` on `x`.
fn ls_slope(pts: &[(f64, f64)]) -> f64 {
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// Points of the cascade fit for one run: `v` holds `(λ_a, first recovery step or NaN)` per
/// spike; returns `(ln t_a, ln Σ_{b recovered later or never} λ_b)` for the recovered spikes in
/// recovery order, the same with `t_a` replaced by eq. (138)'s linear-regime time `t_lin(λ_a)`,
/// and the recovered `(λ_a, t_a)` in recovery order.
type CascadePts = (Vec<(f64, f64)>, Vec<(f64, f64)>, Vec<(f64, f64)>);

fn cascade_points(v: &[(f64, f64)], t_lin: impl Fn(f64) -> f64) -> CascadePts {
    let mut order: Vec<(f64, f64)> = v.iter().filter(|x| x.1.is_finite()).copied().collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let total_unrec: f64 = v.iter().filter(|x| x.1.is_nan()).map(|x| x.0).sum();
    let (mut pts, mut pts_pred) = (Vec::new(), Vec::new());
    for (i, &(la, ta)) in order.iter().enumerate() {
        let rest: f64 = order[i + 1..].iter().map(|x| x.0).sum::<f64>() + total_unrec;
        if rest > 0.0 && ta > 0.0 {
            pts.push((ta.ln(), rest.ln()));
            pts_pred.push((t_lin(la).ln(), rest.ln()));
        }
    }
    (pts, pts_pred, order)
}

/// `p003_check_cascade`: sequential recovery of distinct SNRs (Fig. 7 left).
///
/// What eq. (138) assumes (paper 003 App. F.2, THEORY_003 §7): each spike is weakly
/// recovered after its own linear-regime time, `t_a ≈ log d / (2η(√αλ_a − 1)²/λ_a)` for GD
/// (the paper quotes the AMP analogue of LFW23), independently of the others. For GD on the
/// effective objective the linear regime is `Γ(Q) ≈ Γ(0) = I`, where every hidden unit follows
/// the same linear map `W ← W + η(AᵀA − α)W`: that is a statement about the span of `W` (the
/// SVD modes of BBDS24), not about single units, and it lasts only until the strongest spike
/// saturates. Measured at d = 500, α = 8, λ_a = 20a^{-2}, η = 0.01 (seeds 400–402): the
/// strongest spike saturates by step ~5 and captures every unit (unit–unit |cos| ≈ 0.9997);
/// in the span, spike 2 emerges at step 8 (linear time 9) but spike 3 stalls at overlap ≈ 0.4
/// from step 8 to 120 and spikes 4–6 do not grow (linear times 25, 60, 156, 529); their
/// recoveries (124–1192 steps; spikes 5, 6 never within 1500) are set by the Γ repulsion that
/// separates the units (eq. (139)). The same collapse occurs for CD-1 (slope −0.32), Adam
/// (no spike but the first recovered in 1500 steps) and AMP-RBM from a random start (all
/// units on spike 1 by iteration 2, then C_t leaves the feasible region), so the failing
/// slope is the dynamics, not a protocol slip: the check stays binding and fails honestly.
pub struct CheckCascade;

impl StageKind for CheckCascade {
    fn info(&self) -> StageInfo {
        info(
            "p003_check_cascade",
            "Fig. 7L checks: recovery times t_a (first step with the spike's best overlap above the recovered level) ordered by SNR (inversions = 0); the log–log slope of the unrecovered strength L_eff(t) = Σ_{a unrecovered} λ_a at the recovery times against the same fit on the recovery times of eq. (138)'s derivation, t_a ∝ λ_a/(√αλ_a − 1)² (±20 %; asymptotically −(β − 1)/β for λ_a ∝ a^{−β}); and (informational) the spread of the recovery times against that law and the slope fitted without the first recovery (the cascade after all units have collapsed onto the strongest spike) and the slope with recovery measured in the span of the hidden units (`overlap_span`, the weight-matrix modes of the linear regime)",
            vec![
                ParamSpec::new("slope_rel_tol", T::Float, "relative tolerance on the power-law exponent")
                    .default(Value::Float(0.2)),
            ],
            vec![gather("spikes", "p003_gd_trajectory `spikes` tables of cascade runs (snr_decay = β)")],
        )
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let rel = ctx.f64("slope_rel_tol")?;
        let mut c = Checks::default();
        let (mut inversions, mut slopes, mut predicted, mut ratios) = (0usize, Vec::new(), Vec::new(), Vec::new());
        // The same fit restricted to the recoveries after the first one (diagnostic, see below).
        let (mut late, mut late_pred) = (Vec::new(), Vec::new());
        // The same fit with recovery read from the span of the hidden units (diagnostic).
        let (mut span_slopes, mut span_pred) = (Vec::new(), Vec::new());
        let (mut beta, mut alpha) = (f64::NAN, f64::NAN);
        let ups = ctx.gathered("spikes")?;
        for u in ups {
            let t = &u.table;
            beta = first_f64(u, "snr_decay")?;
            alpha = first_f64(u, "alpha")?;
            let t_lin = |l: f64| {
                let g = alpha.sqrt() * l - 1.0;
                if g > 0.0 { l / (g * g) } else { f64::NAN }
            };
            let (step, sp, snr, rec) =
                (col_i64(t, "step")?, col_i64(t, "spike")?, col_f64(t, "snr_spike")?, col_bool(t, "recovered")?);
            let mut times: BTreeMap<i64, (f64, f64)> = BTreeMap::new(); // spike → (snr, first recovery step)
            for i in 0..step.len() {
                let e = times.entry(sp[i]).or_insert((snr[i], f64::NAN));
                if rec[i] && e.1.is_nan() {
                    e.1 = step[i] as f64;
                }
            }
            let v: Vec<(f64, f64)> = times.values().copied().collect();
            if let Ok(span) = col_f64(t, "overlap_span") {
                let level = first_f64(u, "recovered_level")?;
                let mut st: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
                for i in 0..step.len() {
                    let e = st.entry(sp[i]).or_insert((snr[i], f64::NAN));
                    if span[i] > level && e.1.is_nan() {
                        e.1 = step[i] as f64;
                    }
                }
                let sv: Vec<(f64, f64)> = st.values().copied().collect();
                let (pts, pred, _) = cascade_points(&sv, t_lin);
                if pts.len() >= 3 {
                    span_slopes.push(ls_slope(&pts));
                    span_pred.push(ls_slope(&pred));
                }
            }
            for i in 0..v.len() {
                for j in i + 1..v.len() {
                    if v[i].0 > v[j].0 && (v[j].1 < v[i].1 || v[i].1.is_nan() && v[j].1.is_finite()) {
                        inversions += 1;
                    }
                }
            }
            // Points (t_a, Σ_{b recovered later or never} λ_b) for the recovered spikes in
            // recovery order; the same regression on the recovery times that the derivation of
            // (138) predicts, t_a ∝ λ_a/(√α λ_a − 1)² (linear-regime growth rate relative to
            // the bulk edge, THEORY_003 §7 Fig. 7), gives the exponent expected for this
            // finite, discrete sequence (the asymptotic −(β−1)/β needs a ≫ 1 and an infinite
            // tail: for a = 1..5 of λ_a = 20 a^{-2} at α = 8 the same regression gives −0.65).
            let (pts, pts_pred, order) = cascade_points(&v, t_lin);
            if pts.len() >= 3 {
                slopes.push(ls_slope(&pts));
                predicted.push(ls_slope(&pts_pred));
            }
            if pts.len() >= 4 {
                late.push(ls_slope(&pts[1..]));
                late_pred.push(ls_slope(&pts_pred[1..]));
            }
            if order.len() >= 2 {
                let (first, last) = (order[0], order[order.len() - 1]);
                ratios.push(((last.1 / first.1).ln(), (t_lin(last.0) / t_lin(first.0)).ln()));
            }
        }
        c.add(
            "F7L",
            format!("recovery-order inversions (a spike recovered before a stronger one), {} runs", ups.len()),
            inversions as f64,
            0.0,
            0.0,
            Rule::AtMost,
            "App. F.2: sequential recovery by SNR",
        );
        let (m, _) = mean_se(&slopes);
        let (expected, _) = mean_se(&predicted);
        c.add(
            "F7L",
            format!(
                "log–log slope of the unrecovered strength vs recovery step (β = {beta}, α = {alpha}, {} runs); expected: the same fit on eq. (138)'s recovery times t_a ∝ λ_a/(√αλ_a − 1)² (asymptotic exponent −(β−1)/β = {:.3})",
                slopes.len(),
                -(beta - 1.0) / beta
            ),
            m,
            expected,
            rel * expected.abs(),
            Rule::Close,
            "eq. (138): L_eff(t) ∝ t^{−(β−1)/β} (THEORY_003 §7)",
        );
        // The mechanism behind (138): spikes grow independently at their linear-regime rates.
        // Informational: log of the last/first recovery-time ratio, measured vs predicted.
        let (mr, _) = mean_se(&ratios.iter().map(|r| r.0).collect::<Vec<_>>());
        let (pr, _) = mean_se(&ratios.iter().map(|r| r.1).collect::<Vec<_>>());
        c.add(
            "F7L",
            format!(
                "log(t_last/t_first) of the recovered spikes, measured vs eq. (138)'s linear-regime rates ({} runs; a larger value = later spikes delayed beyond the independent-growth picture)",
                ratios.len()
            ),
            mr,
            pr,
            rel * pr.abs(),
            Rule::Close,
            "THEORY_003 §7 Fig. 7: t_a ≈ log d/(2η(√αλ_a − 1)²/λ_a)",
        );
        c.last_informational();
        // Why the slope above comes out shallower than (138)'s (measured, THEORY_003 §7's
        // premise): (138) assumes every spike grows independently at its linear-regime rate
        // from the random start. With k = r units from a small random start, all units first
        // collapse onto the strongest spike (unit–unit |cos| ≈ 0.9997 by step 10 at d = 500,
        // α = 8, λ_1 = 20, η = 0.01), which is recovered on the linear time scale; every later
        // spike is recovered only as the Γ term pushes units off that direction, 4–25× later
        // than its linear-regime time. The fit without the first recovery isolates that later
        // cascade (informational; needs ≥ 4 recovered spikes per run).
        if !late.is_empty() {
            let (ml, _) = mean_se(&late);
            let (pl, _) = mean_se(&late_pred);
            c.add(
                "F7L",
                format!(
                    "log–log slope of the unrecovered strength vs recovery step, recoveries after the first only ({} runs with >= 4 recovered spikes); expected: the same fit on eq. (138)'s recovery times",
                    late.len()
                ),
                ml,
                pl,
                rel * pl.abs(),
                Rule::Close,
                "diagnostic: the cascade after the initial collapse of all units onto the strongest spike",
            );
            c.last_informational();
        }
        // The linear-regime picture behind (138) is one of the span of W (every unit follows the
        // same linear map while Γ(Q) ≈ Γ(0)): the same fit with recovery read from the span
        // tells whether rotating the units would restore (138) (measured: no, −0.31 vs −0.58).
        if !span_slopes.is_empty() {
            let (ms, _) = mean_se(&span_slopes);
            let (ps, _) = mean_se(&span_pred);
            c.add(
                "F7L",
                format!(
                    "log–log slope of the unrecovered strength vs recovery step with recovery read from the span of the hidden units (‖P_span(W) v̂_a‖ > level; {} runs); expected: the same fit on eq. (138)'s recovery times",
                    span_slopes.len()
                ),
                ms,
                ps,
                rel * ps.abs(),
                Rule::Close,
                "diagnostic: eq. (138)'s linear regime acts on the span of W (THEORY_003 §7, BBDS24 modes)",
            );
            c.last_informational();
        }
        Ok(vec![("checks".into(), c.build()?)])
    }
}

#[cfg(test)]
mod cascade_tests {
    use super::{cascade_points, ls_slope};

    /// With `λ_a = a^{-β}` and recovery times `t_a ∝ 1/λ_a` (eq. (138)'s premise for
    /// `√αλ_a ≫ 1`), the unrecovered strength `Σ_{b>a} b^{-β} ≈ a^{1−β}/(β−1)` against
    /// `t_a = a^β` has log–log slope `−(β−1)/β`. Spikes `a ≤ 2000` get their times; the
    /// infinite tail `b > 2000` enters as one never-recovered spike of strength
    /// `∫_{2000.5}^∞ x^{-β} dx` (midpoint rule, error `O(N^{-β-1})`). Fitted over `a ≥ 20` the
    /// remaining `O(1/a)` discreteness corrections shift the slope by < 2 %.
    #[test]
    fn cascade_fit_recovers_the_power_law_exponent() {
        let n = 2000;
        for beta in [1.5_f64, 2.0, 3.0] {
            let mut v: Vec<(f64, f64)> = (1..=n).map(|a| ((a as f64).powf(-beta), (a as f64).powf(beta))).collect();
            v.push(((n as f64 + 0.5).powf(1.0 - beta) / (beta - 1.0), f64::NAN));
            let (pts, pred, order) = cascade_points(&v, |l| 1.0 / l);
            assert_eq!(order.len(), n);
            let s = ls_slope(&pts[19..]);
            let want = -(beta - 1.0) / beta;
            assert!((s - want).abs() < 0.02 * want.abs(), "beta {beta}: slope {s} vs {want}");
            // The predicted points use t_lin = 1/λ = t here: identical abscissae.
            assert!(pts.iter().zip(&pred).all(|(a, b)| (a.0 - b.0).abs() < 1e-9 && a.1 == b.1));
        }
    }
}

/// `p003_check_alignment`: CD from a random start with degenerate spikes (Fig. 7 middle/right).
pub struct CheckAlignment;

impl StageKind for CheckAlignment {
    fn info(&self) -> StageInfo {
        info(
            "p003_check_alignment",
            "Fig. 7M/7R checks (FIGURES): at the last recorded step, every hidden unit's Hungarian-matched overlap > min_overlap and every unit–unit cosine < max_cosine",
            vec![
                ParamSpec::new("min_overlap", T::Float, "bound on the smallest matched overlap")
                    .default(Value::Float(0.7)),
                ParamSpec::new("max_cosine", T::Float, "bound on the largest unit–unit cosine")
                    .default(Value::Float(0.2)),
            ],
            vec![gather("units", "p003_cd `units` tables"), gather("pairs", "p003_cd `pairs` tables")],
        )
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (lo, hi) = (ctx.f64("min_overlap")?, ctx.f64("max_cosine")?);
        let last = |ups: &[Upstream], col: &str, f: fn(f64, f64) -> f64, init: f64| -> anyhow::Result<f64> {
            let mut out = init;
            for u in ups {
                let (s, v) = (col_i64(&u.table, "step")?, col_f64(&u.table, col)?);
                let smax = s.iter().copied().max().unwrap_or(0);
                for (si, vi) in s.iter().zip(v) {
                    if *si == smax {
                        out = f(out, vi);
                    }
                }
            }
            Ok(out)
        };
        let (units, pairs) = (ctx.gathered("units")?, ctx.gathered("pairs")?);
        let mut c = Checks::default();
        let tag = format!("{} runs", units.len());
        c.add(
            "F7M",
            format!("smallest final matched unit–spike overlap ({tag})"),
            last(units, "overlap", f64::min, f64::INFINITY)?,
            lo,
            0.0,
            Rule::AtLeast,
            "App. F.2: units align with distinct spikes",
        );
        c.add(
            "F7R",
            format!("largest final unit–unit cosine ({tag})"),
            last(pairs, "cosine", f64::max, f64::NEG_INFINITY)?,
            hi,
            0.0,
            Rule::AtMost,
            "App. F.2, eq. (139): units disalign",
        );
        Ok(vec![("checks".into(), c.build()?)])
    }
}

#[cfg(test)]
mod tests {
    use super::{extrapolated_threshold, onset, se_weak_recovery_threshold};
    use theory::p003::baselines::{bbp_lambda, pca_overlap};

    #[test]
    fn threshold_extrapolation_is_exact_on_a_linear_branch_and_close_on_the_bbp_curve() {
        // m² = 0.8 (λ − 0.9) above 0.9, zero below: the estimator returns 0.9 exactly.
        let pts: Vec<(f64, f64)> =
            (0..20).map(|i| 0.5 + 0.05 * i as f64).map(|l| (l, (0.8 * (l - 0.9)).max(0.0).sqrt())).collect();
        assert!((extrapolated_threshold(&pts, 0.04, 0.3) - 0.9).abs() < 1e-12);
        // The asymptotic PCA curve (concave in λ) on the pipeline's SNR grid: within 5 % of
        // BBP, i.e. well inside the 10 % tolerance of the weak-recovery check.
        let grid = [0.3, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0];
        for alpha in [2.0, 4.0] {
            let bbp = bbp_lambda(alpha).unwrap();
            let pts: Vec<(f64, f64)> = grid.iter().map(|&l| (l, pca_overlap(alpha, l).unwrap())).collect();
            let th = extrapolated_threshold(&pts, 0.04, 0.3);
            assert!((th - bbp).abs() < 0.05 * bbp, "α = {alpha}: {th} vs {bbp}");
        }
        // Fewer than two usable points: NaN, not a number made up.
        assert!(extrapolated_threshold(&[(1.0, 0.5), (2.0, 0.9)], 0.04, 0.3).is_nan());
        // A discontinuous onset (AMP-RBM from a random start): the midpoint of the jump,
        // across the window or into it.
        let jump = [(0.8, 0.0), (0.9, 0.05), (1.0, 0.8), (1.2, 0.85)];
        assert!((extrapolated_threshold(&jump, 0.04, 0.3) - 0.95).abs() < 1e-12);
        let into = [(0.8, 0.0), (0.9, 0.05), (1.0, 0.5), (1.2, 0.85)];
        assert!((extrapolated_threshold(&into, 0.04, 0.3) - 0.95).abs() < 1e-12);
        // A curve that never rises: NaN.
        assert!(extrapolated_threshold(&[(0.8, 0.0), (0.9, 0.05)], 0.04, 0.3).is_nan());
    }

    #[test]
    fn se_weak_recovery_threshold_matches_theory_003_tables() {
        // THEORY_003 §4.8: at α = 2 the informative branch starts at λ = 0.949 (no uninformative
        // point); §4.6 table: λc = 0.558 at α = 4 and 0.378 at α = 8 (numpy, independent code).
        let (t2, r2) = se_weak_recovery_threshold(2.0).unwrap();
        assert!((t2 - 0.949).abs() < 0.002, "α = 2: {t2}");
        assert!(r2.contains("informative"));
        let (t4, r4) = se_weak_recovery_threshold(4.0).unwrap();
        assert!((t4 - 0.558).abs() < 0.002, "α = 4: {t4}");
        assert!(r4.contains("D-4"));
        let (t8, _) = se_weak_recovery_threshold(8.0).unwrap();
        assert!((t8 - 0.378).abs() < 0.002, "α = 8: {t8}");
        for (t, a) in [(t2, 2.0), (t4, 4.0), (t8, 8.0)] {
            assert!(t > bbp_lambda(a).unwrap(), "the SE threshold lies above BBP");
        }
    }

    #[test]
    fn onset_interpolates_the_first_crossing() {
        let pts = [(0.5, 0.0), (1.0, 0.2), (1.5, 0.6), (2.0, 0.1)];
        assert!((onset(&pts, 0.4) - 1.25).abs() < 1e-12);
        assert_eq!(onset(&pts, 0.0), 0.5);
        assert!(onset(&pts, 0.9).is_nan());
    }
}
