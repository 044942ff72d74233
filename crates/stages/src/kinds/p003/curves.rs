//! Asymptotic curves of paper 003: the rank-1 state-evolution fixed point with its replicon
//! factor, PCA (BBP), the Bayes-optimal overlap and the Haar-averaged SVD baseline along an
//! SNR grid, and the DMFT of gradient descent.

use super::{code, int, num};
use pipeline::table::TableBuilder;
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use theory::p003::baselines::{bbp_lambda, haar_baseline, pca_overlap};
use theory::p003::bayes::bayes_rank1;
use theory::p003::dmft::{DmftConfig, dmft_gd_k1};
use theory::p003::hidden::HiddenPrior;
use theory::p003::se::{se_k1_fixed_point, se_k1_uninformative};

/// `p003_curves`: theory overlaps along an SNR grid.
pub struct Curves;

impl StageKind for Curves {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p003_curves",
            doc: "Paper 003 Figs. 1R, 5: along an SNR grid at sample ratio alpha, the informative SE fixed point of AMP-RBM (Theorem 4, k = r = 1, Rademacher units; NaN where no branch with 0 < C < 1 exists) with its replicon factor AT (D-5; split into stable AT < 1 and unstable columns), the PCA overlap (D-3), the Bayes-optimal overlap (D-6), and the SVD baseline for `rank` degenerate spikes (PCA × Haar matched average, Figs. 5–6); `thresholds` gives BBP α^{-1/2}, the uninformative-point threshold λ_c = 1/(B*C*) (D-4) and the grid's first SE-branch and replicon-stable SNRs",
            params: vec![
                ParamSpec::new("alpha", T::Float, "sample ratio n/d"),
                ParamSpec::new("snr_min", T::Float, "first SNR").default(Value::Float(0.05)),
                ParamSpec::new("snr_max", T::Float, "last SNR"),
                ParamSpec::new("n_points", T::Int, "grid points").default(Value::Int(60)),
                ParamSpec::new("rank", T::Int, "number of degenerate spikes of the SVD baseline")
                    .default(Value::Int(1)),
                ParamSpec::new("haar_samples", T::Int, "Monte-Carlo Haar matrices for rank > 2")
                    .default(Value::Int(20000)),
                ParamSpec::new("seed", T::Int, "seed of the Haar average").default(Value::Int(0)),
            ],
            inputs: vec![],
            outputs: vec!["curve", "thresholds"],
            code: code(&["theory"], "curves.rs"),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if !(num(p, "alpha") > 0.0) {
            return Err("alpha must be > 0".into());
        }
        if !(num(p, "snr_min") >= 0.0 && num(p, "snr_max") > num(p, "snr_min")) {
            return Err("need 0 <= snr_min < snr_max".into());
        }
        if int(p, "n_points") < 2 || int(p, "rank") < 1 || int(p, "haar_samples") < 2 || int(p, "seed") < 0 {
            return Err("n_points >= 2, rank >= 1, haar_samples >= 2 and seed >= 0 required".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let alpha = ctx.f64("alpha")?;
        let (lo, hi, m) = (ctx.f64("snr_min")?, ctx.f64("snr_max")?, ctx.usize("n_points")?);
        let r = ctx.usize("rank")?;
        let (haar, haar_se) = match r {
            1 => (1.0, 0.0),
            2 => (theory::p003::baselines::haar_c2_exact(), 0.0),
            _ => {
                let h = haar_baseline(r, ctx.usize("haar_samples")?, ctx.seed()?)?;
                (h.matching, h.matching_se)
            }
        };
        let bbp = bbp_lambda(alpha)?;
        let unin = se_k1_uninformative(alpha)?;
        let mut snr: Vec<f64> = (0..m).map(|i| lo + (hi - lo) * i as f64 / (m - 1) as f64).collect();
        if bbp > lo && bbp < hi {
            snr.push(bbp);
            snr.sort_by(f64::total_cmp);
        }
        let nan = f64::NAN;
        let mut cols: [Vec<f64>; 8] = Default::default();
        let mut stable = Vec::new();
        for (i, &l) in snr.iter().enumerate() {
            let fp = se_k1_fixed_point(alpha, l)?;
            let (ov, at, q) = fp.map_or((nan, nan, nan), |f| (f.overlap, f.replicon, f.q));
            let st = at < 1.0;
            let pca = pca_overlap(alpha, l)?;
            let vals = [
                ov,
                if st { ov } else { nan },
                if st { nan } else { ov },
                at,
                q,
                pca,
                bayes_rank1(alpha, l)?.overlap,
                pca * haar,
            ];
            for (c, v) in cols.iter_mut().zip(vals) {
                c.push(v);
            }
            stable.push(st);
            (ctx.progress)(i as u64 + 1, snr.len() as u64);
        }
        let k = snr.len();
        let first = |f: &dyn Fn(usize) -> bool| (0..k).find(|&i| f(i)).map_or(nan, |i| snr[i]);
        let branch = first(&|i| cols[0][i].is_finite());
        let stable_from = first(&|i| stable[i] && (i..k).all(|j| stable[j]));
        let [ov, ov_s, ov_u, at, q, pca, bayes, svd] = cols;
        let curve = TableBuilder::new()
            .f64("snr", snr)
            .f64("overlap_se", ov)
            .f64("overlap_se_stable", ov_s)
            .f64("overlap_se_unstable", ov_u)
            .f64("replicon", at)
            .bool("replicon_stable", stable)
            .f64("q_se", q)
            .f64("overlap_pca", pca)
            .f64("overlap_bayes", bayes)
            .f64("overlap_svd", svd)
            .f64("snr_bbp", vec![bbp; k])
            .f64("snr_c_uninformative", vec![unin.map_or(nan, |u| u.lambda_c); k])
            .build()?;
        let th = TableBuilder::new()
            .f64("snr_bbp", vec![bbp])
            .f64("snr_c_uninformative", vec![unin.map_or(nan, |u| u.lambda_c)])
            .f64("replicon_uninformative", vec![unin.map_or(nan, |u| u.replicon)])
            .f64("snr_se_branch", vec![branch])
            .f64("snr_replicon_stable", vec![stable_from])
            .f64("haar_matching", vec![haar])
            .f64("haar_matching_se", vec![haar_se])
            .build()?;
        Ok(vec![("curve".into(), curve), ("thresholds".into(), th)])
    }
}

/// `p003_dmft`: DMFT of full-batch GD (`k = r = 1`).
pub struct Dmft;

impl StageKind for Dmft {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p003_dmft",
            doc: "Paper 003 Theorem 5 (eqs. 25–30, kernels 77–80; THEORY_003 §5 recipe): DMFT of full-batch GD on the effective objective for k = r = 1 Rademacher units from w⁰ = m0 v* + s0 g, integrated with Monte-Carlo particles; overlap m_t/√q_t, q_t and the predicted L_eff/n per step",
            params: vec![
                ParamSpec::new("alpha", T::Float, "sample ratio n/d"),
                ParamSpec::new("snr", T::Float, "spike SNR λ"),
                ParamSpec::new("lr", T::Float, "GD step η"),
                ParamSpec::new("steps", T::Int, "GD steps T"),
                ParamSpec::new("init_m0", T::Float, "initial signal coefficient m0").default(Value::Float(0.3)),
                ParamSpec::new("init_s0", T::Float, "initial noise coefficient s0").default(Value::Float(0.1)),
                ParamSpec::new("particles", T::Int, "Monte-Carlo particles N").default(Value::Int(40000)),
                ParamSpec::new("dmft_seed", T::Int, "seed of the particles").default(Value::Int(0)),
            ],
            inputs: vec![],
            outputs: vec!["curve"],
            code: code(&["theory"], "curves.rs"),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if !(num(p, "alpha") > 0.0 && num(p, "snr") >= 0.0 && num(p, "lr") > 0.0 && num(p, "init_s0") > 0.0) {
            return Err("need alpha > 0, snr >= 0, lr > 0, init_s0 > 0".into());
        }
        if int(p, "steps") < 1 || int(p, "particles") < 1000 || int(p, "dmft_seed") < 0 {
            return Err("steps >= 1, particles >= 1000, dmft_seed >= 0 required".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let cfg = DmftConfig {
            alpha: ctx.f64("alpha")?,
            lambda: ctx.f64("snr")?,
            eta: ctx.f64("lr")?,
            steps: ctx.usize("steps")?,
            m0: ctx.f64("init_m0")?,
            s0: ctx.f64("init_s0")?,
            hidden: HiddenPrior::Rademacher,
            particles: ctx.usize("particles")?,
            seed: ctx.usize("dmft_seed")? as u64,
        };
        let pts = dmft_gd_k1(&cfg)?;
        let t = TableBuilder::new()
            .i64("step", pts.iter().map(|p| p.t as i64).collect())
            .f64("overlap", pts.iter().map(|p| p.overlap).collect())
            .f64("q", pts.iter().map(|p| p.q).collect())
            .f64("m", pts.iter().map(|p| p.m).collect())
            .f64("objective", pts.iter().map(|p| p.objective).collect())
            .build()?;
        Ok(vec![("curve".into(), t)])
    }
}
