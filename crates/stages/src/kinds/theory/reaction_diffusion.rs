//! Reaction–diffusion learning equations of paper 002 §5.2 (Fig. 14): the lattice
//! equations (37) and (50)–(51) from white noise, the continuum PDE (38)–(39) / (52)–(53)
//! from white noise, and the stationary sech profiles `b±` with their stability.
//!
//! Profiles are stored sign-normalised (the RBM is invariant under `w → −w`): each unit's
//! profile is multiplied by the sign of its largest-|w| entry, so every bump points up.

use super::{Checks, code, need, pf, pi, solver_ok};
use anyhow::Context;
use pipeline::table::TableBuilder;
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use theory::reaction_diffusion::continuum::{
    PdeOptions, b_roots, grid, integrate_pde, linear_stability, pde_from_noise, sech_fwhm, sech_peak, sech_profile,
};
use theory::reaction_diffusion::discrete::{DiscreteOptions, lattice_from_noise};
use theory::reaction_diffusion::{PeakShape, Profile, TracePoint, peak_shape};

const FILE: &str = "reaction_diffusion.rs";
const REF_45: &str = "paper 002 eqs. (43)-(45)";

/// Registers the kinds of this file.
pub fn register(r: &mut pipeline::Registry) {
    r.add(RdLattice);
    r.add(RdContinuum);
    r.add(RdSechProfiles);
}

/// Profile values multiplied by the sign of the largest-|w| entry.
fn upright(v: &[f64]) -> Vec<f64> {
    let s = v.iter().fold(0.0f64, |a, x| if x.abs() > a.abs() { *x } else { a }).signum();
    let s = if s == 0.0 { 1.0 } else { s };
    v.iter().map(|x| s * x).collect()
}

/// Number of bumps: local maxima of |w| on the ring that exceed half the global maximum.
fn count_bumps(v: &[f64]) -> usize {
    let n = v.len();
    let peak = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    (0..n)
        .filter(|&i| {
            let (a, b, c) = (v[(i + n - 1) % n].abs(), v[i].abs(), v[(i + 1) % n].abs());
            b > 0.5 * peak && b >= a && b > c
        })
        .count()
}

/// Rotation of two hidden units' weights `(w1, w2) -> (cos θ w1 + sin θ w2, −sin θ w1 + cos θ w2)`
/// maximising `Σ_i Σ_μ w_iμ⁴` (scan of θ in [0, π/2) in 0.25° steps, then the quartic is
/// π/2-periodic). The small-β objective of eqs. (50)–(51) is invariant under such
/// rotations (its quartic terms depend only on the Gram matrix `WᵀW` and on the row norms
/// `w_i1² + w_i2²`), so the flow stops at an arbitrary rotation of the localised pair; this
/// picks the most localised representative (one bump per unit), as drawn in the paper.
fn localise(w1: &[f64], w2: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let rot = |th: f64| -> (Vec<f64>, Vec<f64>) {
        let (c, s) = (th.cos(), th.sin());
        (
            w1.iter().zip(w2).map(|(a, b)| c * a + s * b).collect(),
            w1.iter().zip(w2).map(|(a, b)| -s * a + c * b).collect(),
        )
    };
    let quartic = |p: &(Vec<f64>, Vec<f64>)| p.0.iter().chain(&p.1).map(|v| v.powi(4)).sum::<f64>();
    let best = (0..360)
        .map(|k| k as f64 * std::f64::consts::FRAC_PI_2 / 360.0)
        .max_by(|a, b| quartic(&rot(*a)).total_cmp(&quartic(&rot(*b))))
        .unwrap_or(0.0);
    rot(best)
}

fn trace_table(trace: &[TracePoint]) -> anyhow::Result<arrow::record_batch::RecordBatch> {
    let (mut t, mut unit, mut sq, mut ov, mut res) = (vec![], vec![], vec![], vec![], vec![]);
    for p in trace {
        for (u, s) in p.sum_sq.iter().enumerate() {
            t.push(p.t);
            unit.push(u as i64 + 1);
            sq.push(*s);
            ov.push(p.overlap);
            res.push(p.residual);
        }
    }
    TableBuilder::new().f64("t", t).i64("unit", unit).f64("sum_sq", sq).f64("overlap", ov).f64("residual", res).build()
}

fn shapes(profiles: &[Profile]) -> anyhow::Result<Vec<PeakShape>> {
    profiles.iter().map(|p| peak_shape(p).context("measuring the stationary bump")).collect()
}

/// Circular distance between two centres on a ring of length `len`.
fn ring_distance(a: f64, b: f64, len: f64) -> f64 {
    let d = (a - b).rem_euclid(len);
    d.min(len - d)
}

/// `rd_lattice`: paper 002 Fig. 14(a, b).
pub struct RdLattice;

impl StageKind for RdLattice {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "rd_lattice",
            doc: "Paper 002 Fig. 14(a,b): integrates the parameter-free small-beta lattice equation (37) (n_hidden = 1) or the re-derived coupled pair (50)-(51) (n_hidden = 2) on a ring from white noise to stationarity (adaptive Dormand-Prince); outputs the stationary profiles (w as integrated; w_local: for M = 2 the rotation of the two units maximising sum w^4, since the expanded objective is invariant under rotations in hidden-unit space), the trace of sum w^2, the bump shapes and checks against b- = 8 - 4 sqrt 2. Fails with the solver's message if max|dw/dt| does not fall below tol by t_max",
            params: vec![
                ParamSpec::new("n_sites", T::Int, "ring size N (>= 3)").default(Value::Int(100)),
                ParamSpec::new("n_hidden", T::Int, "hidden units M: 1 (eq. 37) or 2 (eqs. 50-51)")
                    .default(Value::Int(1)),
                ParamSpec::new("amplitude", T::Float, "standard deviation of the white-noise initial weights (> 0)")
                    .default(Value::Float(1e-3)),
                ParamSpec::new("seed", T::Int, "seed of the initial noise").default(Value::Int(7)),
                ParamSpec::new("tol", T::Float, "stationarity tolerance on max|dw/dt| (> 0)")
                    .default(Value::Float(1e-7)),
                ParamSpec::new("t_max", T::Float, "give up (error) after this time (> 0)")
                    .default(Value::Float(5000.0)),
            ],
            inputs: vec![],
            outputs: vec!["profile", "trace", "summary", "checks"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        need(pi(p, "n_sites") >= 3, || format!("n_sites must be >= 3, got {}", pi(p, "n_sites")))?;
        let m = pi(p, "n_hidden");
        need(m == 1 || m == 2, || format!("n_hidden must be 1 (eq. 37) or 2 (eqs. 50-51), got {m}"))?;
        need(pf(p, "amplitude") > 0.0, || format!("amplitude must be > 0, got {}", pf(p, "amplitude")))?;
        need(pf(p, "tol") > 0.0, || format!("tol must be > 0, got {}", pf(p, "tol")))?;
        need(pf(p, "t_max") > 0.0, || format!("t_max must be > 0, got {}", pf(p, "t_max")))?;
        need(pi(p, "seed") >= 0, || "seed must be >= 0".into())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (n, m) = (ctx.usize("n_sites")?, ctx.usize("n_hidden")?);
        let opts = DiscreteOptions { tol: ctx.f64("tol")?, t_max: ctx.f64("t_max")?, ..Default::default() };
        let run = lattice_from_noise(n, m, ctx.f64("amplitude")?, ctx.seed()?, &opts)
            .context("rd_lattice: integrating the lattice equations to stationarity")?;
        let local: Vec<Vec<f64>> = if m == 2 {
            let (a, b) = localise(&run.profiles[0].value, &run.profiles[1].value);
            vec![a, b]
        } else {
            vec![run.profiles[0].value.clone()]
        };
        let local_profiles: Vec<Profile> =
            local.iter().map(|v| Profile { position: run.profiles[0].position.clone(), value: v.clone() }).collect();
        let sh = shapes(&local_profiles)?;
        let (mut unit, mut site, mut w, mut wl) = (vec![], vec![], vec![], vec![]);
        for (u, p) in run.profiles.iter().enumerate() {
            let lu = upright(&local[u]);
            for (i, v) in upright(&p.value).into_iter().enumerate() {
                unit.push(u as i64 + 1);
                site.push(i as i64);
                w.push(v);
                wl.push(lu[i]);
            }
        }
        let profile = TableBuilder::new().i64("unit", unit).i64("site", site).f64("w", w).f64("w_local", wl).build()?;
        let summary = TableBuilder::new()
            .i64("unit", (1..=m as i64).collect())
            .f64("sum_sq", run.sum_sq.clone())
            .f64("peak", sh.iter().map(|s| s.peak).collect())
            .f64("fwhm", sh.iter().map(|s| s.fwhm).collect())
            .f64("centre", sh.iter().map(|s| s.centre).collect())
            .f64("overlap", vec![run.overlap; m])
            .f64("residual", vec![run.residual; m])
            .f64("t_final", vec![run.t; m])
            .bool("converged", vec![run.residual < opts.tol; m])
            .build()?;
        let (bm, _) = b_roots();
        let mut c = Checks::default();
        if m == 1 {
            let r = "paper 002 Fig. 14(a), eq. (37) vs continuum (44)-(45)";
            c.rel("lattice sum_i w_i^2 vs b- = 8 - 4 sqrt 2 (5 %)", run.sum_sq[0], bm, 0.05, r);
            c.rel("lattice peak vs continuum sqrt(2(b- - 2)) (15 %)", sh[0].peak, sech_peak(bm)?, 0.15, r);
            c.rel("lattice FWHM vs continuum 2 acosh 2 / sqrt(b- - 2) (20 %)", sh[0].fwhm, sech_fwhm(bm)?, 0.20, r);
            c.abs("number of bumps from white noise", count_bumps(&run.profiles[0].value) as f64, 1.0, 0.0, r);
        } else {
            let r = "paper 002 Fig. 14(b), re-derived eqs. (50)-(51)";
            for (u, s) in run.sum_sq.iter().enumerate() {
                c.rel(&format!("unit {} sum_i w_i^2 vs b- (10 %)", u + 1), *s, bm, 0.10, r);
                c.abs(
                    &format!("unit {} (localised rotation): number of bumps", u + 1),
                    count_bumps(&local[u]) as f64,
                    1.0,
                    0.0,
                    r,
                );
            }
            c.at_most("|sum_i w_i1 w_i2| (orthogonal receptive fields)", run.overlap.abs(), 0.05, r);
            let rows: Vec<f64> = local[0].iter().zip(&local[1]).map(|(a, b)| a.hypot(*b)).collect();
            c.abs(
                "bumps of the rotation-invariant row norm sqrt(w_i1^2 + w_i2^2)",
                count_bumps(&rows) as f64,
                2.0,
                0.0,
                r,
            );
            let sep = ring_distance(sh[0].centre, sh[1].centre, n as f64);
            c.at_least("bump separation / larger FWHM", sep / sh[0].fwhm.max(sh[1].fwhm), 1.0, r);
        }
        c.at_most("final max|dw/dt|", run.residual, opts.tol, "stationarity");
        Ok(vec![
            ("profile".into(), profile),
            ("trace".into(), trace_table(&run.trace)?),
            ("summary".into(), summary),
            ("checks".into(), c.build()?),
        ])
    }
}

fn pde_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::new("length", T::Float, "periodic domain length L (> 0)").default(Value::Float(40.0)),
        ParamSpec::new("n_grid", T::Int, "grid points / Fourier modes (power of two >= 4)").default(Value::Int(256)),
        ParamSpec::new("dt", T::Float, "time step of the semi-implicit spectral scheme (> 0)")
            .default(Value::Float(0.01)),
        ParamSpec::new("t_max", T::Float, "final time (> 0)").default(Value::Float(2000.0)),
    ]
}

fn check_pde(p: &Params) -> Result<(), String> {
    let n = pi(p, "n_grid");
    need(n >= 4, || format!("n_grid must be a power of two >= 4, got {n}"))?;
    solver_ok(grid(pf(p, "length"), n as usize))?;
    need(pf(p, "dt") > 0.0, || format!("dt must be > 0, got {}", pf(p, "dt")))?;
    need(pf(p, "t_max") > 0.0, || format!("t_max must be > 0, got {}", pf(p, "t_max")))
}

/// `rd_continuum`: paper 002 Fig. 14(c) reached dynamically.
pub struct RdContinuum;

impl StageKind for RdContinuum {
    fn info(&self) -> StageInfo {
        let mut params = vec![
            ParamSpec::new("n_fields", T::Int, "1: PDE (38)-(39); 2: PDE (52)-(53)").default(Value::Int(1)),
            ParamSpec::new("amplitude", T::Float, "standard deviation of the white-noise initial field (> 0)")
                .default(Value::Float(1e-3)),
            ParamSpec::new("seed", T::Int, "seed of the initial noise").default(Value::Int(3)),
            ParamSpec::new("tol", T::Float, "stationarity tolerance on max|dw/dt| (> 0; about 1e-4 for two fields)")
                .default(Value::Float(1e-8)),
        ];
        params.extend(pde_params());
        StageInfo {
            name: "rd_continuum",
            doc: "Paper 002 §5.2: integrates the continuum PDE (38)-(39) (one field) or (52)-(53) (two fields) on a periodic domain from white noise until stationary; outputs the profiles with the sech profile (44) at b- centred on each bump, the trace of b = int w^2, and checks (b within 1 % of b-, profile within 1 % of sech). Fails with the solver's message when max|dw/dt| is still above tol at t_max",
            params,
            inputs: vec![],
            outputs: vec!["profile", "trace", "summary", "checks"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let m = pi(p, "n_fields");
        need(m == 1 || m == 2, || format!("n_fields must be 1 or 2, got {m}"))?;
        need(pf(p, "amplitude") > 0.0, || format!("amplitude must be > 0, got {}", pf(p, "amplitude")))?;
        need(pf(p, "tol") > 0.0, || format!("tol must be > 0, got {}", pf(p, "tol")))?;
        need(pi(p, "seed") >= 0, || "seed must be >= 0".into())?;
        check_pde(p)
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let m = ctx.usize("n_fields")?;
        let opts = PdeOptions {
            length: ctx.f64("length")?,
            n_grid: ctx.usize("n_grid")?,
            dt: ctx.f64("dt")?,
            t_max: ctx.f64("t_max")?,
            tol: ctx.f64("tol")?,
            ..Default::default()
        };
        let run = pde_from_noise(m, ctx.f64("amplitude")?, ctx.seed()?, &opts)
            .context("rd_continuum: integrating the PDE to stationarity")?;
        let sh = shapes(&run.profiles)?;
        let (bm, _) = b_roots();
        let (mut unit, mut x, mut w, mut ws) = (vec![], vec![], vec![], vec![]);
        let mut dev = Vec::new();
        for (u, p) in run.profiles.iter().enumerate() {
            let exact = sech_profile(bm, &p.position, sh[u].centre, opts.length)?;
            let up = upright(&p.value);
            dev.push(up.iter().zip(&exact.value).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max));
            for i in 0..up.len() {
                unit.push(u as i64 + 1);
                x.push(p.position[i]);
                w.push(up[i]);
                ws.push(exact.value[i]);
            }
        }
        let profile = TableBuilder::new().i64("unit", unit).f64("x", x).f64("w", w).f64("w_sech", ws).build()?;
        let trace = trace_table(&run.trace)?;
        let summary = TableBuilder::new()
            .i64("unit", (1..=m as i64).collect())
            .f64("b", run.b.clone())
            .f64("peak", sh.iter().map(|s| s.peak).collect())
            .f64("fwhm", sh.iter().map(|s| s.fwhm).collect())
            .f64("centre", sh.iter().map(|s| s.centre).collect())
            .f64("c", vec![run.c; m])
            .f64("residual", vec![run.residual; m])
            .f64("t_final", vec![run.t; m])
            .bool("converged", vec![run.converged; m])
            .build()?;
        let mut c = Checks::default();
        let peak = sech_peak(bm)?;
        if m == 1 {
            let r = "paper 002 eqs. (38)-(39) -> (44)-(45), Fig. 14(c)";
            c.rel("PDE b = int w^2 vs b- = 8 - 4 sqrt 2 (1 %)", run.b[0], bm, 0.01, r);
            c.at_most("max|w - sech profile (44) at b-| / peak", dev[0] / peak, 0.01, r);
        } else {
            let r = "paper 002 eqs. (52)-(53), §5.2.3";
            for (u, b) in run.b.iter().enumerate() {
                c.rel(&format!("field {} b vs b- (5 %)", u + 1), *b, bm, 0.05, r);
            }
            c.at_most("|c| = |int w1 w2|", run.c.abs(), 0.05, r);
            let sep = ring_distance(sh[0].centre, sh[1].centre, opts.length);
            c.at_least("bump separation / larger FWHM", sep / sh[0].fwhm.max(sh[1].fwhm), 1.0, r);
        }
        c.claim("PDE reached stationarity (max|dw/dt| < tol)", run.converged, "stationarity");
        Ok(vec![
            ("profile".into(), profile),
            ("trace".into(), trace),
            ("summary".into(), summary),
            ("checks".into(), c.build()?),
        ])
    }
}

/// `rd_sech_profiles`: the two candidate stationary profiles and their stability.
pub struct RdSechProfiles;

impl StageKind for RdSechProfiles {
    fn info(&self) -> StageInfo {
        let mut params = vec![
            ParamSpec::new(
                "perturbation",
                T::Float,
                "relative size of the perturbations applied to the b± profiles (0 < p < 0.5)",
            )
            .default(Value::Float(0.01)),
        ];
        params.extend(pde_params());
        StageInfo {
            name: "rd_sech_profiles",
            doc: "Paper 002 Fig. 14(c): the stationary profiles (44) for b± = 8 ± 4 sqrt 2 centred on the domain, the spectrum of the linearised operator about each (even/odd sectors), and the PDE (38)-(39) run from each profile perturbed by `perturbation` (b+ shrunk, b- grown plus an off-centre bump): b+ leaves and ends on b-, b- returns. Outputs `profile` (analytic), `evolved` (initial and final perturbed runs) and `stability`",
            params,
            inputs: vec![],
            outputs: vec!["profile", "evolved", "stability", "checks"],
            code: code(FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let e = pf(p, "perturbation");
        need(e > 0.0 && e < 0.5, || format!("perturbation must lie in (0, 0.5), got {e}"))?;
        check_pde(p)
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let opts = PdeOptions {
            length: ctx.f64("length")?,
            n_grid: ctx.usize("n_grid")?,
            dt: ctx.f64("dt")?,
            t_max: ctx.f64("t_max")?,
            tol: 1e-8,
            stop_when_stationary: true,
            ..Default::default()
        };
        let eps = ctx.f64("perturbation")?;
        let x = grid(opts.length, opts.n_grid)?;
        let centre = 0.5 * opts.length;
        let (bm, bp) = b_roots();
        let mut prof = (vec![], vec![], vec![], vec![]);
        let mut evo = (vec![], vec![], vec![], vec![], vec![]);
        let mut stab: (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) = Default::default();
        let mut stab_b = (vec![], vec![], vec![], vec![], vec![]);
        let norm = |a: &[f64]| a.iter().map(|v| v * v).sum::<f64>().sqrt();
        let mut c = Checks::default();
        c.abs("b- = 8 - 4 sqrt 2", bm, 2.343, 5e-4, REF_45);
        c.abs("b+ = 8 + 4 sqrt 2", bp, 13.657, 5e-4, REF_45);
        c.abs("peak of the b- profile", sech_peak(bm)?, 0.828, 5e-4, "paper 002 eq. (43), Fig. 14(c)");
        c.abs("peak of the b+ profile", sech_peak(bp)?, 4.828, 5e-4, "paper 002 eq. (43), Fig. 14(c)");
        for (sign, b) in [(-1.0, bm), (1.0, bp)] {
            let w = sech_profile(b, &x, centre, opts.length)?.value;
            for (xi, wi) in x.iter().zip(&w) {
                prof.0.push(sign);
                prof.1.push(b);
                prof.2.push(xi - centre);
                prof.3.push(*wi);
            }
            let st = linear_stability(b, opts.length, opts.n_grid)
                .with_context(|| format!("rd_sech_profiles: linear stability at b = {b}"))?;
            // b+: shrink (leaves towards b-); b-: grow and add an off-centre bump (returns).
            let init: Vec<f64> = if sign > 0.0 {
                w.iter().map(|v| (1.0 - eps) * v).collect()
            } else {
                w.iter()
                    .zip(&x)
                    .map(|(v, xx)| {
                        (1.0 + eps) * v + eps * sech_peak(bm).unwrap_or(0.0) * (-(xx - centre - 1.0).powi(2)).exp()
                    })
                    .collect()
            };
            let run = integrate_pde(std::slice::from_ref(&init), &opts)
                .with_context(|| format!("rd_sech_profiles: PDE from the perturbed b = {b} profile"))?;
            let fin = &run.profiles[0].value;
            let rel_from_start = norm(&fin.iter().zip(&w).map(|(p, q)| p - q).collect::<Vec<_>>()) / norm(&w);
            let s = peak_shape(&run.profiles[0])?;
            let back = sech_profile(bm, &x, s.centre, opts.length)?.value;
            let rel_to_bm = norm(&fin.iter().zip(&back).map(|(p, q)| p - q).collect::<Vec<_>>()) / norm(&back);
            for i in 0..x.len() {
                evo.0.push(sign);
                evo.1.push(x[i] - centre);
                evo.2.push(init[i]);
                evo.3.push(fin[i]);
                evo.4.push(run.t);
            }
            stab.0.push(sign);
            stab.1.push(b);
            stab.2.push(st.top_even);
            stab.3.push(st.top_odd);
            stab_b.0.push(st.predicted_unstable);
            stab_b.1.push(st.paper_unstable);
            stab_b.2.push(rel_from_start);
            stab_b.3.push(run.b[0]);
            stab_b.4.push(run.converged);
            let tag = if sign > 0.0 { "b+" } else { "b-" };
            if sign > 0.0 {
                c.at_least(
                    "b+: top eigenvalue of the linearisation (even sector)",
                    st.top_even,
                    1e-6,
                    "re-derived (b > 6 unstable); paper 002 eq. (47): b > 8",
                );
                c.at_least(
                    "b+ shrunk by `perturbation`: relative change of the profile",
                    rel_from_start,
                    0.5,
                    "paper 002 Fig. 14(c): b+ unstable",
                );
                c.rel("b+ shrunk: final b vs b- (0.1 %)", run.b[0], bm, 1e-3, "paper 002 Fig. 14(c)");
            } else {
                c.at_most(
                    "b-: top eigenvalue of the linearisation (even sector)",
                    st.top_even,
                    1e-6,
                    "re-derived (b > 6 unstable); paper 002 eq. (47): b < 8",
                );
                c.at_most(
                    "b- perturbed: distance to the re-centred b- profile",
                    rel_to_bm,
                    0.01,
                    "paper 002 Fig. 14(c): b- stable",
                );
            }
            c.claim(&format!("{tag}: perturbed run reached stationarity"), run.converged, "stationarity");
        }
        let profile = TableBuilder::new()
            .f64("branch_sign", prof.0)
            .f64("b", prof.1)
            .f64("x", prof.2)
            .f64("w", prof.3)
            .build()?;
        let evolved = TableBuilder::new()
            .f64("branch_sign", evo.0)
            .f64("x", evo.1)
            .f64("w_initial", evo.2)
            .f64("w_final", evo.3)
            .f64("t_final", evo.4)
            .build()?;
        let stability = TableBuilder::new()
            .f64("branch_sign", stab.0)
            .f64("b", stab.1)
            .f64("top_even", stab.2)
            .f64("top_odd", stab.3)
            .bool("predicted_unstable", stab_b.0)
            .bool("paper_unstable", stab_b.1)
            .f64("perturbed_relative_change", stab_b.2)
            .f64("perturbed_final_b", stab_b.3)
            .bool("converged", stab_b.4)
            .build()?;
        Ok(vec![
            ("profile".into(), profile),
            ("evolved".into(), evolved),
            ("stability".into(), stability),
            ("checks".into(), c.build()?),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps_and_ring_distances() {
        let v: Vec<f64> =
            (0..20).map(|i| (-(i as f64 - 5.0).powi(2)).exp() - 0.9 * (-(i as f64 - 15.0).powi(2)).exp()).collect();
        assert_eq!(count_bumps(&v), 2);
        assert_eq!(count_bumps(&v[..10]), 1);
        assert_eq!(ring_distance(1.0, 19.0, 20.0), 2.0);
        assert_eq!(upright(&[0.1, -0.5, 0.2]), vec![-0.1, 0.5, -0.2]);
    }
}
