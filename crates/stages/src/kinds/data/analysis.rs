//! Analyses of sample tables and their checks against the generators' exact statistics:
//! ring correlation functions, pattern overlaps and their histogram, and `checks` tables
//! (one row per check with `measured`, `expected`, `tolerance` and `is_pass`) that
//! `rbmlab run` collects into REPORT.md.
//!
//! Standard errors are those of a mean over independent samples (the generators are exact,
//! so rows are i.i.d.): for a per-sample statistic `c_s`, `s.e. = sd(c_s)/√S`.
//!
//! The χ² test of an overlap law pools neighbouring bins (in order of `k`) until each pooled
//! bin expects at least `min_expected` counts, and takes `dof = bins − 1` (the law has no fitted
//! parameter). Its p-value is the regularised upper incomplete gamma `Q(dof/2, χ²/2)`
//! ([`chi2_sf`]: series for `x < a + 1`, Lentz continued fraction otherwise, as in Numerical
//! Recipes §6.2).

use super::common::{carry, code, int_in, mean_sem, num_in, read_samples, text};
use anyhow::Context;
use arrow::record_batch::RecordBatch;
use ndarray::Array2;
use pipeline::table::{self, TableBuilder};
use pipeline::{
    InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Upstream, Value,
};
use rayon::prelude::*;
use std::collections::BTreeMap;

const FILES: &[&str] = &["kinds/data/analysis.rs", "kinds/data/common.rs"];
/// Samples per parallel block of the estimators (fixed, so sums do not depend on threads).
const BLOCK: usize = 1024;

fn input(name: &'static str, doc: &'static str) -> InputSpec {
    InputSpec { name, gather: false, doc }
}

/// Unit values of an upstream sample table as f64 spins when its `encoding` parameter is
/// `binary` ({0,1} → ±1), else as stored.
fn spins(up: &Upstream) -> anyhow::Result<Array2<i8>> {
    let v = read_samples(&up.table).with_context(|| format!("samples of stage `{}`", up.stage))?;
    Ok(match up.params.get("encoding").and_then(Value::as_str) {
        Some("binary") => v.mapv(|x| 2 * x - 1),
        _ => v,
    })
}

/// Columns of a checks table (never overwritten by carried upstream parameters).
const CHECK_COLUMNS: &[&str] = &[
    "check",
    "measured",
    "expected",
    "tolerance",
    "is_pass",
    "p_value",
    "sem",
    "d",
    "mu",
    "nu",
    "site",
    "mean_z2",
    "n_rows",
];

/// A checks table: the standard columns, `extra` ones, and the generator's parameters
/// (`upstream`, e.g. `beta`) so that each row of REPORT.md says which teacher it checks.
fn checks_row_table(
    upstream: &Params,
    names: Vec<String>,
    measured: Vec<f64>,
    expected: Vec<f64>,
    tolerance: Vec<f64>,
    pass: Vec<bool>,
    extra: impl FnOnce(TableBuilder) -> TableBuilder,
) -> anyhow::Result<RecordBatch> {
    let b = TableBuilder::new()
        .str("check", names)
        .f64("measured", measured)
        .f64("expected", expected)
        .f64("tolerance", tolerance);
    let n = pass.len();
    carry(extra(b).bool("is_pass", pass), upstream, n, CHECK_COLUMNS).build()
}

/// Per-sample ring correlation `c_s(d) = (1/N) Σ_i f(v_i, v_{i+d})`, summed over samples:
/// returns `(Σ_s c_s(d), Σ_s c_s(d)²)` for `d = 0..=d_max`, `f` given as a table `f[a][b]`
/// over unit values shifted by `offset`.
fn ring_sums(v: &Array2<i8>, d_max: usize, f: &(dyn Fn(i8, i8) -> f64 + Sync)) -> (Vec<f64>, Vec<f64>) {
    let (s, n) = v.dim();
    let blocks: Vec<(Vec<f64>, Vec<f64>)> = (0..s.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let (mut sum, mut sq) = (vec![0.0; d_max + 1], vec![0.0; d_max + 1]);
            for r in b * BLOCK..((b + 1) * BLOCK).min(s) {
                let row = v.row(r);
                let row = row.as_slice().expect("standard layout");
                for d in 0..=d_max {
                    let mut c = 0.0;
                    for i in 0..n {
                        let j = if i + d >= n { i + d - n } else { i + d };
                        c += f(row[i], row[j]);
                    }
                    c /= n as f64;
                    sum[d] += c;
                    sq[d] += c * c;
                }
            }
            (sum, sq)
        })
        .collect();
    let (mut sum, mut sq) = (vec![0.0; d_max + 1], vec![0.0; d_max + 1]);
    for (a, b) in blocks {
        for d in 0..=d_max {
            sum[d] += a[d];
            sq[d] += b[d];
        }
    }
    (sum, sq)
}

/// `ring_correlation`: empirical correlation function of ring samples.
pub struct RingCorrelation;

impl StageKind for RingCorrelation {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "ring_correlation",
            doc: "Empirical ring correlation C(d) = ⟨(1/N) Σ_i f(v_i, v_{i+d mod N})⟩ over samples with its s.e.; f = v v' (observable product, ±1 units; {0,1} samples are mapped to ±1) or cos(2π(v − v')/P) (observable cos, Potts states, P from the upstream `states`). Output correlation: d, correlation, sem, n_rows, plus the upstream parameters",
            params: vec![
                ParamSpec::new("observable", T::Str, "product | cos").default(Value::Str("product".into())),
                ParamSpec::new("d_max", T::Int, "largest distance (0 = N/2)").default(Value::Int(0)),
            ],
            inputs: vec![input("samples", "sample table (generate_ising_ring, generate_xy_ring, …)")],
            outputs: vec!["correlation"],
            code: code(&[], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        int_in(p, "d_max", 0, 1 << 20)?;
        match text(p, "observable") {
            "product" | "cos" => Ok(()),
            o => Err(format!("observable must be product or cos, got `{o}`")),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let up = ctx.input("samples")?;
        let v = spins(up)?;
        let (s, n) = v.dim();
        anyhow::ensure!(s >= 2 && n >= 1, "need at least 2 samples of at least 1 unit, got {s} × {n}");
        let d_max = match ctx.usize("d_max")? {
            0 => n / 2,
            d => d.min(n - 1),
        };
        let (sum, sq) = if ctx.str("observable")? == "cos" {
            let p = up
                .params
                .get("states")
                .and_then(Value::as_i64)
                .filter(|p| *p >= 2)
                .ok_or_else(|| anyhow::anyhow!("observable cos needs the upstream parameter `states` (P)"))?
                as usize;
            anyhow::ensure!(
                !up.params.get("one_hot").and_then(Value::as_bool).unwrap_or(false),
                "observable cos needs Potts states, not one-hot samples"
            );
            let tab: Vec<f64> = (0..p).map(|k| (std::f64::consts::TAU * k as f64 / p as f64).cos()).collect();
            let pi = p as i64;
            ring_sums(&v, d_max, &|a, b| tab[(a as i64 - b as i64).rem_euclid(pi) as usize])
        } else {
            ring_sums(&v, d_max, &|a, b| (a as f64) * (b as f64))
        };
        let sf = s as f64;
        let corr: Vec<f64> = sum.iter().map(|x| x / sf).collect();
        let sem: Vec<f64> =
            sq.iter().zip(&corr).map(|(q, m)| ((q - sf * m * m).max(0.0) / (sf - 1.0) / sf).sqrt()).collect();
        let k = d_max + 1;
        let b = TableBuilder::new()
            .i64("d", (0..k as i64).collect())
            .f64("correlation", corr)
            .f64("sem", sem)
            .i64("n_rows", vec![s as i64; k]);
        let t = carry(b, &up.params, k, &["d", "correlation", "sem", "n_rows", "observable", "d_max"]).build()?;
        Ok(vec![("correlation".into(), t)])
    }
}

/// Long pattern table `(mu, i, xi)` → `P × N` matrix.
fn read_patterns(t: &RecordBatch, n: usize) -> anyhow::Result<Array2<f64>> {
    let (mu, i, xi) = (table::col_i64(t, "mu")?, table::col_i64(t, "i")?, table::col_f64(t, "xi")?);
    let p = mu.iter().copied().max().unwrap_or(0);
    anyhow::ensure!(p >= 1 && mu.iter().all(|m| *m >= 1), "pattern table needs mu = 1..P");
    let mut out = Array2::<f64>::zeros((p as usize, n));
    for r in 0..mu.len() {
        anyhow::ensure!((0..n as i64).contains(&i[r]), "pattern site {} out of range for N = {n}", i[r]);
        out[(mu[r] as usize - 1, i[r] as usize)] = xi[r];
    }
    Ok(out)
}

/// `pattern_overlaps`: overlaps m_μ = ξ^μ·v/N of every sample and their histogram.
pub struct PatternOverlaps;

impl StageKind for PatternOverlaps {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "pattern_overlaps",
            doc: "Overlaps m_μ = ξ^μ·s/N of each sample with each pattern (s = ±1 units; {0,1} samples are mapped to ±1). Outputs overlaps (sample, m_1 … m_P) and histogram (mu, k, overlap = (2k − n_μ)/N with n_μ = Σ|ξ^μ_i|, count, frequency) over the full grid k = 0..n_μ, both with the upstream parameters",
            params: vec![],
            inputs: vec![
                input("samples", "sample table"),
                input("patterns", "pattern table (mu, i, xi) of the same generator"),
            ],
            outputs: vec!["overlaps", "histogram"],
            code: code(&[], FILES),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let up = ctx.input("samples")?;
        let v = spins(up)?;
        let (s, n) = v.dim();
        let xi = read_patterns(&ctx.input("patterns")?.table, n)?;
        let p = xi.nrows();
        let vf = v.mapv(|x| x as f64);
        let m = vf.dot(&xi.t()) / n as f64; // S × P
        let mut b = TableBuilder::new().i64("sample", table::col_i64(&up.table, "sample")?);
        for mu in 0..p {
            b = b.f64(&format!("m_{}", mu + 1), m.column(mu).to_vec());
        }
        let overlaps = carry(b, &up.params, s, &["sample"]).build()?;
        let (mut cm, mut ck, mut co, mut cc, mut cf) = (vec![], vec![], vec![], vec![], vec![]);
        for mu in 0..p {
            let sup = xi.row(mu).iter().map(|x| x.abs()).sum::<f64>().round() as i64;
            let mut counts = vec![0i64; sup as usize + 1];
            for r in 0..s {
                let big_m = (m[(r, mu)] * n as f64).round() as i64;
                let k = (big_m + sup) / 2;
                anyhow::ensure!((0..=sup).contains(&k), "overlap {big_m} outside ±{sup}");
                counts[k as usize] += 1;
            }
            for (k, c) in counts.into_iter().enumerate() {
                cm.push(mu as i64 + 1);
                ck.push(k as i64);
                co.push((2 * k as i64 - sup) as f64 / n as f64);
                cc.push(c);
                cf.push(c as f64 / s as f64);
            }
        }
        let rows = cm.len();
        let b = TableBuilder::new().i64("mu", cm).i64("k", ck).f64("overlap", co).i64("count", cc).f64("frequency", cf);
        let hist = carry(b, &up.params, rows, &["mu", "k", "overlap", "count", "frequency"]).build()?;
        Ok(vec![("overlaps".into(), overlaps), ("histogram".into(), hist)])
    }
}

/// `check_ring_correlation`: simulated ring correlations against the exact ones.
pub struct CheckRingCorrelation;

impl StageKind for CheckRingCorrelation {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "check_ring_correlation",
            doc: "Checks |C_sim(d) − C_exact(d)| ≤ n_se · s.e. for d_min ≤ d ≤ d_max (paper 002: Ising ring within 3 s.e. for d ≤ 10; XY ⟨cos⟩ for d ≤ 6). Output checks: check, d, measured, expected, tolerance, sem, is_pass",
            params: vec![
                ParamSpec::new("d_min", T::Int, "first distance checked").default(Value::Int(1)),
                ParamSpec::new("d_max", T::Int, "last distance checked").default(Value::Int(10)),
                ParamSpec::new("n_se", T::Float, "tolerance in standard errors").default(Value::Float(3.0)),
                ParamSpec::new("exact_column", T::Str, "column of the exact table (correlation | cos_correlation)")
                    .default(Value::Str("correlation".into())),
            ],
            inputs: vec![
                input("correlation", "ring_correlation table"),
                input("exact", "generator's exact table with columns d and exact_column"),
            ],
            outputs: vec!["checks"],
            code: code(&[], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let lo = int_in(p, "d_min", 0, 1 << 20)?;
        int_in(p, "d_max", lo, 1 << 20)?;
        num_in(p, "n_se", 0.0, 100.0)?;
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let c = &ctx.input("correlation")?.table;
        let e = &ctx.input("exact")?.table;
        let col = ctx.str("exact_column")?;
        let exact: BTreeMap<i64, f64> = table::col_i64(e, "d")?.into_iter().zip(table::col_f64(e, col)?).collect();
        let (ds, corr, sem) = (table::col_i64(c, "d")?, table::col_f64(c, "correlation")?, table::col_f64(c, "sem")?);
        let (lo, hi, k) = (ctx.i64("d_min")?, ctx.i64("d_max")?, ctx.f64("n_se")?);
        let (mut names, mut dd, mut me, mut ex, mut tol, mut se, mut pass) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for r in 0..ds.len() {
            let d = ds[r];
            if d < lo || d > hi {
                continue;
            }
            let x = *exact.get(&d).ok_or_else(|| anyhow::anyhow!("exact table has no d = {d}"))?;
            names.push(format!("{col}(d={d})"));
            dd.push(d);
            me.push(corr[r]);
            ex.push(x);
            tol.push(k * sem[r]);
            se.push(sem[r]);
            pass.push((corr[r] - x).abs() <= k * sem[r]);
        }
        anyhow::ensure!(!names.is_empty(), "no distance in [{lo}, {hi}] to check");
        let up = &ctx.input("exact")?.params;
        let t = checks_row_table(up, names, me, ex, tol, pass, |b| b.i64("d", dd).f64("sem", se))?;
        Ok(vec![("checks".into(), t)])
    }
}

/// Regularised upper incomplete gamma `Q(a, x) = Γ(a, x)/Γ(a)` (Numerical Recipes §6.2).
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let lead = -x + a * x.ln() - analysis::stats::ln_gamma(a);
    if x < a + 1.0 {
        let (mut ap, mut sum) = (a, 1.0 / a);
        let mut del = sum;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * lead.exp()).max(0.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        lead.exp() * h
    }
}

/// Survival function of the χ² law with `dof` degrees of freedom: `P(X ≥ x) = Q(dof/2, x/2)`.
pub fn chi2_sf(x: f64, dof: f64) -> f64 {
    gamma_q(dof / 2.0, x / 2.0)
}

/// The χ² value exceeded with probability `alpha` (bisection on [`chi2_sf`]).
pub fn chi2_critical(alpha: f64, dof: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, dof + 10.0 * (2.0 * dof).sqrt() + 100.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if chi2_sf(mid, dof) > alpha {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Pools `(observed, expected)` bins in order until each expects at least `min_expected`
/// (a short tail is merged into the last pooled bin); returns `(χ², bins)`.
pub fn pooled_chi2(obs: &[f64], exp: &[f64], min_expected: f64) -> (f64, usize) {
    let mut bins: Vec<(f64, f64)> = Vec::new();
    let (mut o, mut e) = (0.0, 0.0);
    for (a, b) in obs.iter().zip(exp) {
        o += a;
        e += b;
        if e >= min_expected {
            bins.push((o, e));
            (o, e) = (0.0, 0.0);
        }
    }
    if e > 0.0 || o > 0.0 {
        match bins.last_mut() {
            Some(l) => {
                l.0 += o;
                l.1 += e;
            }
            None => bins.push((o, e)),
        }
    }
    let chi2 = bins.iter().map(|(o, e)| (o - e).powi(2) / e).sum();
    (chi2, bins.len())
}

/// `check_overlap_law`: empirical overlap histogram against the exact Curie–Weiss law.
pub struct CheckOverlapLaw;

impl StageKind for CheckOverlapLaw {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "check_overlap_law",
            doc: "χ² test of the sampled overlap histogram (pattern mu) against the exact law (bins pooled to ≥ min_expected expected counts; pass iff p ≥ alpha), and ⟨|m|⟩, ⟨m²⟩ within n_se s.e. of the exact finite-N values (paper 001 §4.1). Output checks: check, measured, expected, tolerance (χ²: the critical value), p_value, is_pass",
            params: vec![
                ParamSpec::new("mu", T::Int, "pattern index (1-based)").default(Value::Int(1)),
                ParamSpec::new("alpha", T::Float, "significance level of the χ² test").default(Value::Float(1e-3)),
                ParamSpec::new("min_expected", T::Float, "smallest expected count of a pooled bin")
                    .default(Value::Float(5.0)),
                ParamSpec::new("n_se", T::Float, "tolerance of the moments in s.e.").default(Value::Float(3.0)),
            ],
            inputs: vec![
                input("histogram", "pattern_overlaps histogram"),
                input("exact", "exact overlap law (k, probability, mean_abs_overlap, mean_sq_overlap)"),
            ],
            outputs: vec!["checks"],
            code: code(&[], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        int_in(p, "mu", 1, 1 << 20)?;
        num_in(p, "alpha", 1e-300, 0.5)?;
        num_in(p, "min_expected", 1e-9, 1e9)?;
        num_in(p, "n_se", 0.0, 100.0)?;
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let h = &ctx.input("histogram")?.table;
        let e = &ctx.input("exact")?.table;
        let mu = ctx.i64("mu")?;
        let (hm, hk, hc, ho) = (
            table::col_i64(h, "mu")?,
            table::col_i64(h, "k")?,
            table::col_f64(h, "count")?,
            table::col_f64(h, "overlap")?,
        );
        let counts: BTreeMap<i64, (f64, f64)> =
            (0..hm.len()).filter(|&r| hm[r] == mu).map(|r| (hk[r], (hc[r], ho[r]))).collect();
        let (ek, ep) = (table::col_i64(e, "k")?, table::col_f64(e, "probability")?);
        anyhow::ensure!(
            counts.len() == ek.len() && ek.iter().all(|k| counts.contains_key(k)),
            "histogram of pattern {mu} has {} bins, exact law {}: not the same grid",
            counts.len(),
            ek.len()
        );
        let s: f64 = counts.values().map(|c| c.0).sum();
        let obs: Vec<f64> = ek.iter().map(|k| counts[k].0).collect();
        let exp: Vec<f64> = ep.iter().map(|p| p * s).collect();
        let (chi2, bins) = pooled_chi2(&obs, &exp, ctx.f64("min_expected")?);
        let dof = (bins.max(2) - 1) as f64;
        let alpha = ctx.f64("alpha")?;
        let p = chi2_sf(chi2, dof);
        let k = ctx.f64("n_se")?;
        // Moments of the empirical law and their standard errors.
        let moment = |f: &dyn Fn(f64) -> f64| {
            let m = counts.values().map(|(c, o)| c * f(*o)).sum::<f64>() / s;
            let v = counts.values().map(|(c, o)| c * (f(*o) - m).powi(2)).sum::<f64>() / (s - 1.0);
            (m, (v / s).sqrt())
        };
        let (ma, sa) = moment(&|o| o.abs());
        let (m2, s2) = moment(&|o| o * o);
        let ea = table::col_f64(e, "mean_abs_overlap")?[0];
        let e2 = table::col_f64(e, "mean_sq_overlap")?[0];
        let t = checks_row_table(
            &ctx.input("exact")?.params,
            vec![format!("chi2 overlap law ({bins} pooled bins)"), "mean abs(m)".into(), "mean m^2".into()],
            vec![chi2, ma, m2],
            vec![dof, ea, e2],
            vec![chi2_critical(alpha, dof), k * sa, k * s2],
            vec![p >= alpha, (ma - ea).abs() <= k * sa, (m2 - e2).abs() <= k * s2],
            |b| b.f64("p_value", vec![p, f64::NAN, f64::NAN]).i64("n_rows", vec![s as i64; 3]),
        )?;
        Ok(vec![("checks".into(), t)])
    }
}

/// `check_overlap_moments`: sampled ⟨m_μ m_ν⟩ against the exact second moments.
pub struct CheckOverlapMoments;

impl StageKind for CheckOverlapMoments {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "check_overlap_moments",
            doc: "Checks the sampled ⟨m_μ m_ν⟩ (mean of per-sample products) against the exact second moments within n_se s.e. (paper 001 §4.2, Hopfield pair). Output checks: check, mu, nu, measured, expected, tolerance, sem, is_pass",
            params: vec![ParamSpec::new("n_se", T::Float, "tolerance in s.e.").default(Value::Float(3.0))],
            inputs: vec![
                input("overlaps", "pattern_overlaps overlaps (m_1 … m_P)"),
                input("exact", "exact table with mu, nu, second_moment"),
            ],
            outputs: vec!["checks"],
            code: code(&[], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        num_in(p, "n_se", 0.0, 100.0).map(|_| ())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let o = &ctx.input("overlaps")?.table;
        let e = &ctx.input("exact")?.table;
        let (mu, nu, q) = (table::col_i64(e, "mu")?, table::col_i64(e, "nu")?, table::col_f64(e, "second_moment")?);
        let k = ctx.f64("n_se")?;
        let (mut names, mut me, mut ex, mut tol, mut se, mut pass) = (vec![], vec![], vec![], vec![], vec![], vec![]);
        for r in 0..mu.len() {
            let a = table::col_f64(o, &format!("m_{}", mu[r]))?;
            let b = table::col_f64(o, &format!("m_{}", nu[r]))?;
            let prod: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
            let (m, s) = mean_sem(&prod);
            names.push(format!("E[m_{} m_{}]", mu[r], nu[r]));
            me.push(m);
            ex.push(q[r]);
            tol.push(k * s);
            se.push(s);
            pass.push((m - q[r]).abs() <= k * s);
        }
        let up = &ctx.input("exact")?.params;
        let t = checks_row_table(up, names, me, ex, tol, pass, |b| b.i64("mu", mu).i64("nu", nu).f64("sem", se))?;
        Ok(vec![("checks".into(), t)])
    }
}

/// `check_site_means`: sampled unit means against the exact ones.
pub struct CheckSiteMeans;

impl StageKind for CheckSiteMeans {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "check_site_means",
            doc: "Per-site z = (sample mean − exact ⟨v_i⟩)/s.e.; passes iff max_i |z| ≤ z_max (default 4.5: a two-sided normal tail of 7e-6 per site, so a false alarm over 100 sites has probability < 1e-3). Output checks: one row with measured = max |z|, the site, and the mean of z² (≈ 1)",
            params: vec![ParamSpec::new("z_max", T::Float, "largest allowed |z|").default(Value::Float(4.5))],
            inputs: vec![
                input("samples", "sample table"),
                input("exact", "exact table with i, mean (same unit values as the samples)"),
            ],
            outputs: vec!["checks"],
            code: code(&[], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        num_in(p, "z_max", 0.0, 100.0).map(|_| ())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let v = read_samples(&ctx.input("samples")?.table)?;
        let e = &ctx.input("exact")?.table;
        let exact = table::col_f64(e, "mean")?;
        let (s, n) = v.dim();
        anyhow::ensure!(exact.len() == n && s >= 2, "exact table has {} sites, samples {n}", exact.len());
        let (mut zmax, mut arg, mut z2) = (0.0f64, 0usize, 0.0);
        for i in 0..n {
            let col: Vec<f64> = v.column(i).iter().map(|x| *x as f64).collect();
            let (m, se) = mean_sem(&col);
            let z = if se > 0.0 {
                (m - exact[i]) / se
            } else if m == exact[i] {
                0.0
            } else {
                f64::INFINITY
            };
            z2 += z * z / n as f64;
            if z.abs() > zmax {
                (zmax, arg) = (z.abs(), i);
            }
        }
        let zm = ctx.f64("z_max")?;
        let up = &ctx.input("exact")?.params;
        let t = checks_row_table(
            up,
            vec!["max abs(z) of site means".into()],
            vec![zmax],
            vec![0.0],
            vec![zm],
            vec![zmax <= zm],
            |b| b.i64("site", vec![arg as i64]).f64("mean_z2", vec![z2]).i64("n_rows", vec![s as i64]),
        )?;
        Ok(vec![("checks".into(), t)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_survival_matches_printed_tables() {
        // Upper 5 % and 0.1 % points of the χ² law (Abramowitz & Stegun table 26.8).
        for (x, dof, p) in
            [(3.841_459, 1.0, 0.05), (18.307_038, 10.0, 0.05), (124.342_113, 100.0, 0.05), (29.588_298, 10.0, 0.001)]
        {
            assert!((chi2_sf(x, dof) - p).abs() < 1e-6 * p.max(1e-3) * 100.0, "dof {dof}: {}", chi2_sf(x, dof));
        }
        // dof = 2: closed form e^{−x/2}.
        for x in [0.1, 1.0, 7.0, 40.0] {
            assert!((chi2_sf(x, 2.0) - (-x / 2.0f64).exp()).abs() < 1e-13);
        }
        assert!((chi2_critical(0.05, 10.0) - 18.307_038).abs() < 1e-5);
        // ln Γ at integers is ln (n−1)!.
        assert!((analysis::stats::ln_gamma(11.0) - 3_628_800f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn pooling_merges_small_bins_and_the_tail() {
        let (chi2, bins) = pooled_chi2(&[1.0, 2.0, 10.0, 3.0, 1.0], &[2.0, 4.0, 10.0, 2.0, 2.0], 5.0);
        // bins: (3, 6), (10, 10), tail (4, 4) merged into the last → (14, 14)
        assert_eq!(bins, 2);
        assert!((chi2 - 9.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn ring_sums_of_a_constant_and_an_alternating_ring() {
        // All +1: C(d) = 1. Alternating ±1 on an even ring: C(d) = (−1)^d; s.e. sums then vanish.
        let ones = Array2::<i8>::from_elem((3, 6), 1);
        let alt = Array2::from_shape_fn((3, 6), |(_, i)| if i % 2 == 0 { 1 } else { -1 });
        let f = |a: i8, b: i8| (a as f64) * (b as f64);
        let (s1, q1) = ring_sums(&ones, 3, &f);
        let (s2, _) = ring_sums(&alt, 3, &f);
        assert_eq!(s1, vec![3.0; 4]);
        assert_eq!(q1, vec![3.0; 4]);
        assert_eq!(s2, vec![3.0, -3.0, 3.0, -3.0]);
    }
}
