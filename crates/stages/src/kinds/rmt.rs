//! Random-matrix thresholds of the spiked covariance model (paper 002 §5.1, paper 003):
//! sample generation, the top of the sample-covariance spectrum, the BBP theory curve,
//! and the simulation-vs-theory check table.

use crate::codec;
use crate::fp::fingerprint;
use data::spiked::{self, Directions, Noise, SpikePrior, SpikedConfig};
use ndarray::Array1;
use pipeline::table::{self, TableBuilder};
use pipeline::{InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use std::collections::BTreeMap;

const MODULE: &str = "kinds/rmt.rs";

type GroupKey = (u64, u64, i64);

fn prior(s: &str) -> Result<SpikePrior, String> {
    match s {
        "gaussian" => Ok(SpikePrior::Gaussian),
        "rademacher" => Ok(SpikePrior::Rademacher),
        other => other
            .strip_prefix("sparse:")
            .and_then(|r| r.parse::<f64>().ok())
            .map(SpikePrior::Sparse)
            .ok_or_else(|| format!("prior must be gaussian, rademacher or sparse:<density>, got `{other}`")),
    }
}

fn noise(s: &str) -> Result<Noise, String> {
    match s {
        "gaussian" => Ok(Noise::Gaussian),
        "rademacher" => Ok(Noise::Rademacher),
        other => Err(format!("noise must be gaussian or rademacher, got `{other}`")),
    }
}

fn num(p: &Params, k: &str) -> f64 {
    p.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn generator_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::new("d", T::Int, "dimension"),
        ParamSpec::new("alpha", T::Float, "samples per dimension, n = round(alpha d)"),
        ParamSpec::new("snr", T::Float, "signal-to-noise ratio lambda >= 0"),
        ParamSpec::new("prior", T::Str, "latent prior: gaussian | rademacher | sparse:<density>")
            .default(Value::Str("rademacher".into())),
        ParamSpec::new("noise", T::Str, "noise: gaussian | rademacher").default(Value::Str("gaussian".into())),
        ParamSpec::new("seed", T::Int, "RNG seed"),
    ]
}

fn check_generator(p: &Params) -> Result<(), String> {
    let d = p.get("d").and_then(Value::as_i64).unwrap_or(0);
    if d < 1 {
        return Err(format!("d must be >= 1, got {d}"));
    }
    if !(num(p, "alpha") > 0.0) {
        return Err(format!("alpha must be > 0, got {}", num(p, "alpha")));
    }
    if !(num(p, "snr") >= 0.0) {
        return Err(format!("snr must be >= 0, got {}", num(p, "snr")));
    }
    if (num(p, "alpha") * d as f64).round() < 1.0 {
        return Err("alpha d rounds to zero samples".into());
    }
    prior(p.get("prior").and_then(Value::as_str).unwrap_or(""))?;
    noise(p.get("noise").and_then(Value::as_str).unwrap_or(""))?;
    Ok(())
}

fn generate(ctx: &StageCtx) -> anyhow::Result<spiked::SpikedSample> {
    let d = ctx.usize("d")?;
    let n = (ctx.f64("alpha")? * d as f64).round() as usize;
    let cfg = SpikedConfig {
        d,
        n,
        snr: vec![ctx.f64("snr")?],
        prior: prior(ctx.str("prior")?).map_err(anyhow::Error::msg)?,
        noise: noise(ctx.str("noise")?).map_err(anyhow::Error::msg)?,
        directions: Directions::Gaussian,
        seed: ctx.seed()?,
    };
    Ok(spiked::sample_spiked(&cfg)?)
}

/// One-row table of the top of the spectrum of `x` against the spike `u`; `carry` are
/// parameters copied as columns.
fn top_table(
    x: ndarray::ArrayView2<f64>,
    u: &Array1<f64>,
    center: bool,
    carry: &Params,
) -> anyhow::Result<arrow::record_batch::RecordBatch> {
    anyhow::ensure!(u.len() == x.ncols(), "spike has {} entries but samples have {} columns", u.len(), x.ncols());
    let top = analysis::spectrum::top_eigen_covariance(x, center, 1e-10)?;
    let ov = top.vector.dot(u);
    let (n, d) = x.dim();
    let mut b = TableBuilder::new();
    for (k, v) in carry {
        match v {
            Value::Float(f) => b = b.f64(k, vec![*f]),
            Value::Int(i) => b = b.i64(k, vec![*i]),
            Value::Str(s) => b = b.str(k, vec![s.clone()]),
            Value::Bool(x) => b = b.bool(k, vec![*x]),
            Value::List(_) => {}
        }
    }
    b.i64("n", vec![n as i64])
        .f64("gamma", vec![d as f64 / n as f64])
        .f64("top_eigenvalue", vec![top.value])
        .f64("overlap2", vec![ov * ov])
        .i64("lanczos_iterations", vec![top.iterations as i64])
        .build()
}

/// `spiked_covariance`: n = α d samples of x = √λ c u + z (rank one).
pub struct SpikedCovariance;

impl StageKind for SpikedCovariance {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "spiked_covariance",
            doc: "Samples x = sqrt(snr) c u + z of the rank-one spiked covariance model (n = alpha d rows, f32 binary column x); snr = 0 with rademacher noise is the null model of independent ±1 units",
            params: generator_params(),
            inputs: vec![],
            outputs: vec!["samples", "spike"],
            code: fingerprint(&["data"], MODULE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_generator(p)
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let s = generate(ctx)?;
        let (n, d) = s.x.dim();
        let samples =
            codec::put_f32_rows(TableBuilder::new().i64("sample", (0..n as i64).collect()), "x", &s.x)?.build()?;
        let spike = TableBuilder::new().i64("i", (0..d as i64).collect()).f64("u", s.u.row(0).to_vec()).build()?;
        Ok(vec![("samples".into(), samples), ("spike".into(), spike)])
    }
}

/// `covariance_top_eigen`: top eigenvalue of XᵀX/n and the squared overlap of its
/// eigenvector with the planted spike.
pub struct CovarianceTopEigen;

impl StageKind for CovarianceTopEigen {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "covariance_top_eigen",
            doc: "Top eigenvalue of the sample covariance X^T X / n (Lanczos) and the squared overlap of its eigenvector with the spike",
            params: vec![ParamSpec::new("center", T::Bool, "subtract column means first").default(Value::Bool(false))],
            inputs: vec![
                InputSpec { name: "samples", gather: false, doc: "table with a binary column `x` (f32 rows)" },
                InputSpec { name: "spike", gather: false, doc: "table with columns i, u (unit spike direction)" },
            ],
            outputs: vec!["top"],
            code: fingerprint(&["analysis"], MODULE),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let up = ctx.input("samples")?;
        let x = codec::get_f32_rows(&up.table, "x")?;
        let u = Array1::from(table::col_f64(&ctx.input("spike")?.table, "u")?);
        // Upstream generator parameters are carried as columns so the table is self-describing.
        let t = top_table(x.view(), &u, ctx.bool("center")?, &up.params)?;
        Ok(vec![("top".into(), t)])
    }
}

/// `spiked_top_eigen`: generation and spectrum in one stage, for large sweeps where
/// storing every sample matrix would cost gigabytes (same generator and analysis code as
/// `spiked_covariance` followed by `covariance_top_eigen`).
pub struct SpikedTopEigen;

impl StageKind for SpikedTopEigen {
    fn info(&self) -> StageInfo {
        let mut params = generator_params();
        params.push(ParamSpec::new("center", T::Bool, "subtract column means first").default(Value::Bool(false)));
        StageInfo {
            name: "spiked_top_eigen",
            doc: "Draws spiked-covariance samples (as spiked_covariance) and returns the top eigenvalue of X^T X / n and its squared overlap with the spike, without storing the samples",
            params,
            inputs: vec![],
            outputs: vec!["top"],
            code: fingerprint(&["data", "analysis"], MODULE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_generator(p)
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let s = generate(ctx)?;
        let u = s.u.row(0).to_owned();
        let t = top_table(s.x.view(), &u, ctx.bool("center")?, &Params::new())?;
        Ok(vec![("top".into(), t)])
    }
}

/// `bbp_theory`: Marchenko–Pastur edge and BBP predictions along an SNR grid.
pub struct BbpTheory;

impl StageKind for BbpTheory {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "bbp_theory",
            doc: "BBP predictions for the spiked covariance model: top eigenvalue (1+l)(1+g/l) and overlap^2 (1-g/l^2)/(1+g/l) above l_c = sqrt(g), MP edge (1+sqrt(g))^2 and 0 below (g = 1/alpha)",
            params: vec![
                ParamSpec::new("alpha", T::Float, "samples per dimension (gamma = 1/alpha)"),
                ParamSpec::new("snr_min", T::Float, "first SNR of the curve").default(Value::Float(0.0)),
                ParamSpec::new("snr_max", T::Float, "last SNR of the curve"),
                ParamSpec::new("n_points", T::Int, "curve resolution").default(Value::Int(400)),
            ],
            inputs: vec![],
            outputs: vec!["curve"],
            code: fingerprint(&["theory"], MODULE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if !(num(p, "alpha") > 0.0) {
            return Err("alpha must be > 0".into());
        }
        if !(num(p, "snr_max") > num(p, "snr_min") && num(p, "snr_min") >= 0.0) {
            return Err("need 0 <= snr_min < snr_max".into());
        }
        if p.get("n_points").and_then(Value::as_i64).unwrap_or(0) < 2 {
            return Err("n_points must be >= 2".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let g = 1.0 / ctx.f64("alpha")?;
        let (lo, hi, m) = (ctx.f64("snr_min")?, ctx.f64("snr_max")?, ctx.usize("n_points")?);
        let lc = theory::spiked::bbp_threshold(g)?;
        let mut snr: Vec<f64> = (0..m).map(|i| lo + (hi - lo) * i as f64 / (m - 1) as f64).collect();
        // Put the threshold itself on the curve so the kink is drawn exactly.
        if lc > lo && lc < hi {
            snr.push(lc);
            snr.sort_by(f64::total_cmp);
        }
        let mut ev = Vec::new();
        let mut ov = Vec::new();
        for &l in &snr {
            ev.push(theory::spiked::bbp_top_eigenvalue(l, g)?);
            ov.push(theory::spiked::bbp_overlap2(l, g)?);
        }
        let edge = theory::spiked::mp_edges(g)?.1;
        let k = snr.len();
        let t = TableBuilder::new()
            .f64("snr", snr)
            .f64("gamma", vec![g; k])
            .f64("snr_threshold", vec![lc; k])
            .f64("mp_edge", vec![edge; k])
            .f64("top_eigenvalue", ev)
            .f64("overlap2", ov)
            .build()?;
        Ok(vec![("curve".into(), t)])
    }
}

/// `bbp_check`: simulation (mean ± s.e. over seeds) against the BBP formulas, one row per
/// (alpha, snr) with the tolerance and the verdict.
pub struct BbpCheck;

impl StageKind for BbpCheck {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "bbp_check",
            doc: "Compares simulated top eigenvalues and overlaps with BBP: overlap^2 within overlap_tol for snr >= 1.5 l_c, below null_tol for snr <= 0.5 l_c, eigenvalue within eig_rel_tol",
            params: vec![
                ParamSpec::new("overlap_tol", T::Float, "absolute tolerance on overlap^2 above 1.5 l_c")
                    .default(Value::Float(0.05)),
                ParamSpec::new("null_tol", T::Float, "upper bound of overlap^2 below 0.5 l_c")
                    .default(Value::Float(0.1)),
                ParamSpec::new("eig_rel_tol", T::Float, "relative tolerance on the top eigenvalue")
                    .default(Value::Float(0.03)),
            ],
            inputs: vec![InputSpec {
                name: "top",
                gather: true,
                doc: "covariance_top_eigen tables over (alpha, snr, seed)",
            }],
            outputs: vec!["checks"],
            code: fingerprint(&["theory"], MODULE),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        // Group by (alpha, snr, d) over seeds.
        // (alpha bits, snr bits, d) → [(top eigenvalue, overlap², gamma)] over seeds.
        let mut groups: BTreeMap<GroupKey, Vec<(f64, f64, f64)>> = BTreeMap::new();
        for up in ctx.gathered("top")? {
            let t = &up.table;
            let (a, s, d) = (table::col_f64(t, "alpha")?, table::col_f64(t, "snr")?, table::col_i64(t, "d")?);
            let (e, o, g) =
                (table::col_f64(t, "top_eigenvalue")?, table::col_f64(t, "overlap2")?, table::col_f64(t, "gamma")?);
            for i in 0..t.num_rows() {
                groups.entry((a[i].to_bits(), s[i].to_bits(), d[i])).or_default().push((e[i], o[i], g[i]));
            }
        }
        let (ot, nt, et) = (ctx.f64("overlap_tol")?, ctx.f64("null_tol")?, ctx.f64("eig_rel_tol")?);
        let mut cols: (Vec<f64>, Vec<f64>, Vec<i64>, Vec<i64>) = Default::default();
        let mut out: [Vec<f64>; 8] = Default::default();
        let mut regime = Vec::new();
        let mut pass = Vec::new();
        for ((a, s, d), v) in groups {
            let (alpha, snr) = (f64::from_bits(a), f64::from_bits(s));
            let k = v.len() as f64;
            let g = v[0].2;
            let mean = |f: &dyn Fn(&(f64, f64, f64)) -> f64| v.iter().map(f).sum::<f64>() / k;
            let sem = |f: &dyn Fn(&(f64, f64, f64)) -> f64, m: f64| {
                if v.len() < 2 {
                    f64::NAN
                } else {
                    (v.iter().map(|x| (f(x) - m).powi(2)).sum::<f64>() / (k - 1.0) / k).sqrt()
                }
            };
            let (me, mo) = (mean(&|x| x.0), mean(&|x| x.1));
            let (se, so) = (sem(&|x| x.0, me), sem(&|x| x.1, mo));
            let lc = theory::spiked::bbp_threshold(g)?;
            let (te, to) = (theory::spiked::bbp_top_eigenvalue(snr, g)?, theory::spiked::bbp_overlap2(snr, g)?);
            let r = snr / lc;
            let (reg, ok) = if r >= 1.5 {
                ("above", (mo - to).abs() <= ot && (me - te).abs() <= et * te)
            } else if r <= 0.5 {
                ("below", mo < nt && (me - te).abs() <= et * te)
            } else {
                ("near", true)
            };
            cols.0.push(alpha);
            cols.1.push(snr);
            cols.2.push(d);
            cols.3.push(v.len() as i64);
            for (slot, val) in out.iter_mut().zip([r, me, se, te, mo, so, to, g]) {
                slot.push(val);
            }
            regime.push(reg.to_string());
            pass.push(ok);
        }
        let [ratio, me, se, te, mo, so, to, g] = out;
        let t = TableBuilder::new()
            .f64("alpha", cols.0)
            .f64("snr", cols.1)
            .i64("d", cols.2)
            .i64("n_seeds", cols.3)
            .f64("gamma", g)
            .f64("snr_over_threshold", ratio)
            .str("regime", regime)
            .f64("top_eigenvalue_mean", me)
            .f64("top_eigenvalue_sem", se)
            .f64("top_eigenvalue_theory", te)
            .f64("overlap2_mean", mo)
            .f64("overlap2_sem", so)
            .f64("overlap2_theory", to)
            .bool("is_pass", pass)
            .build()?;
        Ok(vec![("checks".into(), t)])
    }
}
