//! Paper 003 Fig. 6 (FIGURES P003-F6L/F6R): the "other AMP algorithms" on degenerate spikes —
//! Bayes-optimal low-rank AMP (LKZ17) from random and from spectral initialisation, and
//! decimation AMP (Pourkamali–Barbier–Macris) — and their checks against the rank-1
//! Bayes-optimal overlap and against AMP-RBM's run-to-run spread.

use super::{Checks, Rule, check_data, code, data_params, derived_seed, int, mean_se, num, spiked, text};
use anyhow::Context;
use pipeline::table::{TableBuilder, col_f64, col_i64};
use pipeline::{
    InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Upstream, Value,
};
use std::collections::BTreeMap;
use theory::p003::baselines::matched_average_overlap;
use theory::p003::bayes::bayes_rank1;
use theory::p003::bayes_amp::{BayesAmpConfig, BayesInit, MAX_BAYES_RANK, bayes_amp, decimation_amp};

const METHODS: [&str; 3] = ["bayes_random", "bayes_spectral", "decimation"];

/// `p003_other_amp`: one spiked instance, the three Fig. 6 algorithms, one summary row.
pub struct OtherAmp;

impl StageKind for OtherAmp {
    fn info(&self) -> StageInfo {
        let mut params = data_params();
        params.extend([
            ParamSpec::new("methods", T::Str, "comma-separated subset of bayes_random, bayes_spectral, decimation")
                .default(Value::Str(METHODS.join(","))),
            ParamSpec::new("max_iter", T::Int, "maximal AMP iterations (per stage for decimation)")
                .default(Value::Int(200)),
            ParamSpec::new("tol", T::Float, "convergence: ‖Gᵗ − Gᵗ⁻¹‖/‖Gᵗ‖ below this").default(Value::Float(1e-6)),
            ParamSpec::new("random_scale", T::Float, "entry std of the random initialisation")
                .default(Value::Float(0.1)),
            ParamSpec::new("power_iter", T::Int, "block power iterations of the spectral initialisation")
                .default(Value::Int(60)),
        ]);
        StageInfo {
            name: "p003_other_amp",
            doc: "Paper 003 Fig. 6: on one spiked data set (rank r Rademacher spikes), the matched average overlap of Bayes-optimal low-rank AMP (LKZ17, exact 2^r posterior) from random and from spectral initialisation, and of decimation AMP (rank-1 Bayes-AMP + deflation, one direction at a time), with status, iterations and wall time per method",
            params,
            inputs: vec![],
            outputs: vec!["summary"],
            code: code(&["data", "theory", "model/src/rng.rs"], "other_amp.rs"),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_data(p)?;
        let r = super::snrs(p).len();
        if r > MAX_BAYES_RANK {
            return Err(format!("rank {r}: the exact 2^r posterior of Bayes-AMP is limited to r <= {MAX_BAYES_RANK}"));
        }
        if super::snrs(p).iter().any(|l| *l <= 0.0) {
            return Err("Bayes-AMP needs SNRs > 0".into());
        }
        for m in text(p, "methods").split(',') {
            if !METHODS.contains(&m.trim()) {
                return Err(format!("methods: unknown method `{m}` ({})", METHODS.join(", ")));
            }
        }
        if int(p, "max_iter") < 1 || int(p, "power_iter") < 1 {
            return Err("max_iter and power_iter must be >= 1".into());
        }
        if !(num(p, "tol") > 0.0 && num(p, "random_scale") > 0.0) {
            return Err("tol and random_scale must be > 0".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let p = ctx.params;
        let data = spiked(p)?;
        let methods: Vec<&str> = text(p, "methods").split(',').map(str::trim).collect();
        let mut row = TableBuilder::new().i64("n", vec![data.x.nrows() as i64]);
        for m in METHODS {
            let (ov, status, it, secs) = if methods.contains(&m) {
                let t0 = std::time::Instant::now();
                let init = if m == "bayes_random" {
                    BayesInit::Random { scale: num(p, "random_scale") }
                } else {
                    BayesInit::Spectral { iterations: int(p, "power_iter") as usize }
                };
                let cfg = BayesAmpConfig {
                    snr: data.snr.clone(),
                    init,
                    max_iter: int(p, "max_iter") as usize,
                    tol: num(p, "tol"),
                    seed: derived_seed(int(p, "seed"), 31),
                };
                let r = if m == "decimation" {
                    decimation_amp(data.x.view(), &cfg, Some(&data.v))?
                } else {
                    bayes_amp(data.x.view(), &cfg, Some(&data.v))?
                };
                (
                    matched_average_overlap(&r.overlaps),
                    r.status.as_str().to_string(),
                    r.iterations as i64,
                    t0.elapsed().as_secs_f64(),
                )
            } else {
                (f64::NAN, "not_run".to_string(), 0, 0.0)
            };
            row = row
                .f64(&format!("overlap_{m}"), vec![ov])
                .str(&format!("status_{m}"), vec![status])
                .i64(&format!("iterations_{m}"), vec![it])
                .f64(&format!("seconds_{m}"), vec![secs]);
        }
        Ok(vec![("summary".into(), row.build()?)])
    }
}

fn first_f64(u: &Upstream, c: &str) -> anyhow::Result<f64> {
    col_f64(&u.table, c)?.first().copied().with_context(|| format!("empty table from {}", u.stage))
}

/// Pooled within-SNR standard deviation `√(mean_s var_s)` over SNRs with ≥ 2 finite runs,
/// with the number of SNRs used.
fn pooled_std(by_snr: &BTreeMap<u64, Vec<f64>>) -> (f64, usize) {
    let mut vars = Vec::new();
    for v in by_snr.values() {
        let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        if f.len() >= 2 {
            let m = f.iter().sum::<f64>() / f.len() as f64;
            vars.push(f.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (f.len() - 1) as f64);
        }
    }
    if vars.is_empty() { (f64::NAN, 0) } else { ((vars.iter().sum::<f64>() / vars.len() as f64).sqrt(), vars.len()) }
}

/// `p003_check_other_amp`: Fig. 6 checks.
pub struct CheckOtherAmp;

impl StageKind for CheckOtherAmp {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p003_check_other_amp",
            doc: "Fig. 6 checks (FIGURES P003-F6): per (α, d, rank), at the largest SNR the mean matched overlap of spectral-init Bayes-AMP and of decimation AMP against the rank-1 Bayes-optimal overlap (D-6) (± tol), and the run-to-run spread (pooled within-SNR std) of random-init Bayes-AMP against that of AMP-RBM (kept runs of p003_recovery at the same α, d, rank)",
            params: vec![
                ParamSpec::new("tol", T::Float, "tolerance against the rank-1 Bayes overlap (FIGURES F6: 0.05)")
                    .default(Value::Float(0.05)),
            ],
            inputs: vec![
                InputSpec { name: "other", gather: true, doc: "p003_other_amp summaries" },
                InputSpec { name: "rbm", gather: true, doc: "p003_recovery summaries of the same degenerate settings" },
            ],
            outputs: vec!["checks"],
            code: code(&["theory"], "other_amp.rs"),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let tol = ctx.f64("tol")?;
        type Key = (u64, i64, usize);
        // (alpha, d, rank) → method → snr → overlaps.
        let mut g: BTreeMap<Key, BTreeMap<&str, BTreeMap<u64, Vec<f64>>>> = BTreeMap::new();
        for u in ctx.gathered("other")? {
            let t = &u.table;
            let rank = super::snrs(&u.params).len();
            let key = (first_f64(u, "alpha")?.to_bits(), col_i64(t, "d")?[0], rank);
            let snr = first_f64(u, "snr")?.to_bits();
            for m in METHODS {
                let v = col_f64(t, &format!("overlap_{m}"))?[0];
                g.entry(key).or_default().entry(m).or_default().entry(snr).or_default().push(v);
            }
        }
        for u in ctx.gathered("rbm")? {
            let t = &u.table;
            let key = (first_f64(u, "alpha")?.to_bits(), col_i64(t, "d")?[0], col_i64(t, "n_hidden")?[0] as usize);
            if let Some(e) = g.get_mut(&key) {
                let snr = first_f64(u, "snr")?.to_bits();
                e.entry("amp_rbm").or_default().entry(snr).or_default().push(col_f64(t, "overlap_amp_kept")?[0]);
            }
        }
        let mut c = Checks::default();
        for ((a, d, rank), by_m) in g {
            let alpha = f64::from_bits(a);
            let fig = if rank <= 2 { "F6L" } else { "F6R" };
            for (m, name) in [("bayes_spectral", "spectral-init Bayes-AMP"), ("decimation", "decimation AMP")] {
                let Some(by_snr) = by_m.get(m) else { continue };
                let Some((s, v)) = by_snr.iter().next_back() else { continue };
                let snr = f64::from_bits(*s);
                let (mean, _) = mean_se(v);
                let bayes = bayes_rank1(alpha, snr)?.overlap;
                c.add(
                    fig,
                    format!("{name} mean matched overlap vs rank-1 Bayes-optimal at the largest SNR λ={snr} (α={alpha}, d={d}, rank {rank}, {} runs)", v.len()),
                    mean,
                    bayes,
                    tol,
                    Rule::Close,
                    "App. F.1, Fig. 6: spectral init and decimation reach the rank-1 Bayes overlap at large SNR",
                );
            }
            if let (Some(rnd), Some(rbm)) = (by_m.get("bayes_random"), by_m.get("amp_rbm")) {
                let (sr, nr) = pooled_std(rnd);
                let (sa, na) = pooled_std(rbm);
                c.add(
                    fig,
                    format!("run-to-run std of random-init Bayes-AMP (pooled over {nr} SNRs) vs AMP-RBM's (expected, {na} SNRs) (α={alpha}, d={d}, rank {rank})"),
                    sr,
                    sa,
                    0.0,
                    Rule::AtLeast,
                    "App. F.1, Fig. 6: random-init AMP has a high variance",
                );
            }
        }
        Ok(vec![("checks".into(), c.build()?)])
    }
}

#[cfg(test)]
mod tests {
    use super::pooled_std;
    use std::collections::BTreeMap;

    #[test]
    fn pooled_std_averages_variances() {
        let mut m = BTreeMap::new();
        m.insert(1u64, vec![0.0, 2.0]); // var 2
        m.insert(2u64, vec![1.0, 1.0, 1.0]); // var 0
        m.insert(3u64, vec![5.0, f64::NAN]); // one finite value: skipped
        let (s, n) = pooled_std(&m);
        assert_eq!(n, 2);
        assert!((s - 1.0).abs() < 1e-12);
    }
}
