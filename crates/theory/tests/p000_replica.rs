//! Paper 000, eqs. (10)–(12): replica-symmetric saddle points of the spiked RBM ensemble,
//! checked against closed forms, independent scalar solvers (trapezoid quadrature written
//! here), finite differences, linear stability, and a Gibbs-sampled RBM drawn from the ensemble.

use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use theory::replica::*;

// ---------------------------------------------------------------------------------------
// Independent helpers (no library quadrature or solver).

/// `E[g(x)]`, `x ~ N(0,1)`: trapezoid rule, step 2e-3 on [−9, 9].
fn gauss_avg(g: impl Fn(f64) -> f64) -> f64 {
    let h = 2e-3;
    let n = 9000;
    let norm = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    (-n..=n).map(|i| i as f64 * h).map(|x| g(x) * (-0.5 * x * x).exp() * norm * h).sum()
}

/// Root of a continuous `f` on `[a, b]` with `f(a) f(b) < 0`, by bisection to 1e-14.
fn bisect(mut a: f64, mut b: f64, f: impl Fn(f64) -> f64) -> f64 {
    let fa = f(a);
    assert!(fa * f(b) < 0.0, "no sign change on [{a}, {b}]");
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if (f(m) > 0.0) == (fa > 0.0) {
            a = m;
        } else {
            b = m;
        }
        if b - a < 1e-14 {
            break;
        }
    }
    0.5 * (a + b)
}

/// Bisection on a predicate that is false at `a` and true at `b`.
fn bisect_pred(mut a: f64, mut b: f64, tol: f64, p: impl Fn(f64) -> bool) -> f64 {
    assert!(!p(a) && p(b), "predicate must switch on [{a}, {b}]");
    while b - a > tol {
        let m = 0.5 * (a + b);
        if p(m) {
            b = m;
        } else {
            a = m;
        }
    }
    0.5 * (a + b)
}

fn ferro_start(k: usize) -> OrderParams {
    OrderParams { m_v: vec![1.0; k], m_h: vec![1.0; k], q_v: 1.0, q_h: 1.0 }
}

fn ens(w: Vec<f64>, sigma: f64, kappa: f64, law: ComponentLaw) -> SpikedEnsemble {
    SpikedEnsemble { w, sigma, kappa, law_u: law, law_v: law }
}

fn solve(e: &SpikedEnsemble, start: &OrderParams) -> FixedPoint {
    let fp = RsSolver::new(e, &SolverOptions::default()).unwrap().solve_from(start).unwrap();
    assert!(fp.converged, "did not converge: {fp:?}");
    fp
}

// ---------------------------------------------------------------------------------------
// K = 1 reductions.

/// κ = 1, σ = 0, ±1 components: m = tanh(w m) (Curie–Weiss), inverted in closed form
/// `w = atanh(m)/m`; also `q = m²` and `f = w m² − 2 ln(2 cosh(w m))`.
#[test]
fn k1_noiseless_reduces_to_curie_weiss_closed_form() {
    for m_star in [0.3f64, 0.8, 0.95] {
        let w = m_star.atanh() / m_star;
        let fp = solve(&ens(vec![w], 0.0, 1.0, ComponentLaw::Bernoulli), &ferro_start(1));
        let p = &fp.params;
        assert!((p.m_v[0] - m_star).abs() < 1e-10 && (p.m_h[0] - m_star).abs() < 1e-10, "{p:?}");
        assert!((p.q_v - m_star * m_star).abs() < 1e-10);
        let f_cw = w * m_star * m_star - 2.0 * (2.0 * (w * m_star).cosh()).ln();
        assert!((fp.free_energy - f_cw).abs() < 1e-10, "{} vs {f_cw}", fp.free_energy);
        assert!(fp.stable && fp.phase == Phase::Ferromagnetic);
    }
}

/// κ = 4, σ = 0, ±1 components: the bipartite Mattis equations
/// `m = tanh(√κ w m̄)`, `m̄ = tanh(w m/√κ)` give `m = tanh(√κ w tanh(w m/√κ))`: scalar bisection.
/// Gaussian components at κ = 4: `m = E[u tanh(√κ w m̄ u)]`, `m̄ = E[v tanh(w m v/√κ)]`, solved by
/// bisection on `m` with trapezoid averages.
#[test]
fn k1_bipartite_mattis_matches_scalar_bisection() {
    let (kappa, w) = (4.0f64, 1.3f64);
    let a = kappa.sqrt();
    let m = bisect(1e-3, 1.0, |m| (a * w * (w * m / a).tanh()).tanh() - m);
    let fp = solve(&ens(vec![w], 0.0, kappa, ComponentLaw::Bernoulli), &ferro_start(1));
    println!("Mattis κ=4: m = {} (bisection {m}), m̄ = {}", fp.params.m_v[0], fp.params.m_h[0]);
    assert!((fp.params.m_v[0] - m).abs() < 1e-10);
    assert!((fp.params.m_h[0] - (w * m / a).tanh()).abs() < 1e-10);
    // The paper's normalisation (eq. 11): m_paper = √κ m̄, m̂_paper = m/√κ.
    assert!((fp.params.paper_m(kappa)[0] - a * fp.params.m_h[0]).abs() < 1e-15);

    let mbar_of = |m: f64| gauss_avg(|v| v * (w * m * v / a).tanh());
    let m_g = bisect(1e-3, 0.8, |m| {
        let mbar = mbar_of(m);
        gauss_avg(|u| u * (a * w * mbar * u).tanh()) - m
    });
    let fp = solve(&ens(vec![w], 0.0, kappa, ComponentLaw::Gaussian), &ferro_start(1));
    println!("Gaussian κ=4: m = {} (trapezoid+bisection {m_g})", fp.params.m_v[0]);
    assert!((fp.params.m_v[0] - m_g).abs() < 1e-8);
}

/// κ = 1, ±1 components with noise: the symmetric solution obeys the SK-with-ferromagnetic-bias
/// equations `m = E tanh(w m + σ√q x)`, `q = E tanh²(w m + σ√q x)`, solved here by plain
/// iteration with trapezoid averages, in the ferromagnetic phase above and below `1/σ = 1`.
#[test]
fn k1_with_noise_matches_independent_sk_iteration() {
    for (w, sigma) in [(1.4, 0.6), (2.5, 1.5)] {
        let (mut m, mut q) = (1.0f64, 1.0f64);
        for _ in 0..5000 {
            let field = |x: f64| (w * m + sigma * q.sqrt() * x).tanh();
            let (m1, q1) = (gauss_avg(field), gauss_avg(|x| field(x).powi(2)));
            let done = (m1 - m).abs() + (q1 - q).abs() < 1e-13;
            m = m1;
            q = q1;
            if done {
                break;
            }
        }
        let fp = solve(&ens(vec![w], sigma, 1.0, ComponentLaw::Bernoulli), &ferro_start(1));
        println!("w={w} σ={sigma}: m = {} vs {m}, q = {} vs {q}", fp.params.m_v[0], fp.params.q_v);
        assert!((fp.params.m_v[0] - m).abs() < 1e-9 && (fp.params.q_v - q).abs() < 1e-9);
        assert!((fp.params.m_h[0] - m).abs() < 1e-9 && (fp.params.q_h - q).abs() < 1e-9);
    }
}

// ---------------------------------------------------------------------------------------
// Internal consistency of the map, its Jacobian and the free energy.

#[test]
fn stein_reduction_agrees_with_tensor_quadrature() {
    let e = ens(vec![1.7, 1.2], 0.7, 2.0, ComponentLaw::Gaussian);
    let stein = RsSolver::new(&e, &SolverOptions::default()).unwrap();
    let tensor = RsSolver::new(&e, &SolverOptions { stein_gaussian: false, ..Default::default() }).unwrap();
    let p = OrderParams { m_v: vec![0.4, -0.2], m_h: vec![0.3, 0.25], q_v: 0.5, q_h: 0.35 };
    let (f1, j1) = stein.map_with_jacobian(&p).unwrap();
    let (f2, j2) = tensor.map_with_jacobian(&p).unwrap();
    let d = f1
        .m_v
        .iter()
        .zip(&f2.m_v)
        .chain(f1.m_h.iter().zip(&f2.m_h))
        .map(|(a, b)| (a - b).abs())
        .fold((f1.q_v - f2.q_v).abs().max((f1.q_h - f2.q_h).abs()), f64::max);
    let dj = (&j1 - &j2).iter().fold(0.0f64, |m, v| m.max(v.abs()));
    println!("Stein vs tensor: map {d:.2e}, Jacobian {dj:.2e}");
    assert!(d < 1e-9 && dj < 1e-8);
    assert!((stein.free_energy(&p).unwrap() - tensor.free_energy(&p).unwrap()).abs() < 1e-9);
}

#[test]
fn jacobian_matches_finite_differences() {
    let flat = |p: &OrderParams| -> Vec<f64> {
        p.m_v.iter().copied().chain([p.q_v]).chain(p.m_h.iter().copied()).chain([p.q_h]).collect()
    };
    let unflat = |v: &[f64]| OrderParams { m_v: v[0..2].to_vec(), q_v: v[2], m_h: v[3..5].to_vec(), q_h: v[5] };
    let p = OrderParams { m_v: vec![0.45, 0.1], m_h: vec![0.35, -0.15], q_v: 0.4, q_h: 0.3 };
    for law in [ComponentLaw::Gaussian, ComponentLaw::Uniform, ComponentLaw::Bernoulli] {
        let s = RsSolver::new(&ens(vec![1.5, 1.1], 0.8, 2.0, law), &SolverOptions::default()).unwrap();
        let (_, j) = s.map_with_jacobian(&p).unwrap();
        let x = flat(&p);
        let h = 1e-6;
        let mut worst = 0.0f64;
        for c in 0..6 {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[c] += h;
            xm[c] -= h;
            let (fp, fm) = (flat(&s.map(&unflat(&xp)).unwrap()), flat(&s.map(&unflat(&xm)).unwrap()));
            for r in 0..6 {
                worst = worst.max(((fp[r] - fm[r]) / (2.0 * h) - j[[r, c]]).abs());
            }
        }
        println!("{}: max |FD − Jacobian| = {worst:.2e}", law.name());
        assert!(worst < 1e-7);
    }
}

/// Envelope theorem: `dΦ/dw = m m̄` and `dΦ/dσ = σ(1 − q q̄)` (Φ = −f), by central differences of
/// re-solved saddle points; and the annealed paramagnetic value `(√κ + 1/√κ) ln 2 + σ²/2`.
#[test]
fn free_energy_derivatives_match_order_parameters() {
    for (law, w, sigma, kappa) in [
        (ComponentLaw::Gaussian, 1.5, 0.7, 2.0),
        (ComponentLaw::Uniform, 2.0, 1.4, 0.5),
        (ComponentLaw::Bernoulli, 1.2, 0.5, 1.0),
    ] {
        let phi = |w: f64, s: f64| -solve(&ens(vec![w], s, kappa, law), &ferro_start(1)).free_energy;
        let fp = solve(&ens(vec![w], sigma, kappa, law), &ferro_start(1));
        let p = &fp.params;
        let h = 1e-5;
        let dw = (phi(w + h, sigma) - phi(w - h, sigma)) / (2.0 * h);
        let ds = (phi(w, sigma + h) - phi(w, sigma - h)) / (2.0 * h);
        println!(
            "{}: dΦ/dw {dw:.9} vs m m̄ {:.9}; dΦ/dσ {ds:.9} vs σ(1−qq̄) {:.9}",
            law.name(),
            p.m_v[0] * p.m_h[0],
            sigma * (1.0 - p.q_v * p.q_h)
        );
        assert!((dw - p.m_v[0] * p.m_h[0]).abs() < 1e-7);
        assert!((ds - sigma * (1.0 - p.q_v * p.q_h)).abs() < 1e-7);
        let para = RsSolver::new(&ens(vec![w], sigma, kappa, law), &SolverOptions::default())
            .unwrap()
            .free_energy(&OrderParams::zeros(1))
            .unwrap();
        let a = kappa.sqrt();
        assert!((para + (a + 1.0 / a) * 2f64.ln() + sigma * sigma / 2.0).abs() < 1e-12);
        // The ferromagnet is the thermodynamic state here (w > 1) and has lower f.
        assert!(fp.free_energy < para);
    }
}

// ---------------------------------------------------------------------------------------
// Phase diagram.

fn spec(kappa: f64, law: ComponentLaw) -> PhaseDiagramSpec {
    PhaseDiagramSpec { kappa, law_u: law, law_v: law, mode_ratios: vec![1.0], inv_sigma: vec![], w_over_sigma: vec![] }
}

fn label(sp: &PhaseDiagramSpec, t: f64, j: f64) -> Phase {
    let (fp, _) = phase_point(sp, t, j, &SolverOptions::default()).unwrap();
    assert!(fp.converged, "not converged at 1/σ={t}, w/σ={j}");
    fp.phase
}

/// Boundaries: bisection on the solver's equilibrium label against (i) the exact P–F line
/// `w = 1` and P–SG line `σ = 1`, (ii) the SG–F line `w/σ = (1/σ)/(1 − q_SG)` with `q_SG` solved
/// here (κ = 1: `q = E tanh²(σ√q x)`, trapezoid + bisection), (iii) the library's
/// `ferro_instability_line` at κ = 3.
#[test]
fn phase_boundaries_match_independent_bisection() {
    let sp = spec(1.0, ComponentLaw::Gaussian);
    // (i) P–F at 1/σ = 2: w_c/σ = 2.
    let jc = bisect_pred(1.0, 3.0, 1e-7, |j| label(&sp, 2.0, j) == Phase::Ferromagnetic);
    println!("P–F at 1/σ=2: w/σ = {jc:.7} (exact 2)");
    assert!((jc - 2.0).abs() < 1e-5);
    // P–SG at w/σ = 0.5: 1/σ = 1.
    let tc = bisect_pred(0.8, 1.3, 1e-7, |t| label(&sp, t, 0.5) == Phase::Paramagnetic);
    println!("P–SG at w/σ=0.5: 1/σ = {tc:.7} (exact 1)");
    assert!((tc - 1.0).abs() < 1e-5);
    // (ii) SG–F at 1/σ = 0.6, κ = 1.
    let t = 0.6;
    let sigma = 1.0 / t;
    let q = bisect(1e-6, 1.0, |q| gauss_avg(|x| (sigma * q.sqrt() * x).tanh().powi(2)) - q);
    let expected = t / (1.0 - q);
    for law in [ComponentLaw::Gaussian, ComponentLaw::Uniform, ComponentLaw::Bernoulli] {
        let jc = bisect_pred(0.5, 3.0, 1e-7, |j| label(&spec(1.0, law), t, j) == Phase::Ferromagnetic);
        println!("SG–F at 1/σ=0.6 ({}): w/σ = {jc:.7}, linear stability with q_SG = {q:.9}: {expected:.7}", law.name());
        assert!((jc - expected).abs() < 1e-5);
    }
    assert!((ferro_instability_line(1.0, t).unwrap() - expected).abs() < 1e-8);
    let tab = boundary_table(1.0, &[t, 2.0]).unwrap();
    assert!((tab.q[0] - q).abs() < 1e-8 && tab.q[1] == 0.0 && (tab.w_over_sigma[1] - 2.0).abs() < 1e-15);
    assert_eq!(tab.kind, vec![BoundaryKind::GlassFerro, BoundaryKind::ParaFerro]);
    // (iii) κ = 3.
    let line = ferro_instability_line(3.0, 0.5).unwrap();
    let jc = bisect_pred(0.3, 3.0, 1e-7, |j| label(&spec(3.0, ComponentLaw::Gaussian), 0.5, j) == Phase::Ferromagnetic);
    println!("SG–F at 1/σ=0.5, κ=3: bisection {jc:.7}, line {line:.7}");
    assert!((jc - line).abs() < 1e-5);
}

/// Paper 000 (text after eq. 12): Gaussian components keep only the top-mode state stable;
/// flatter laws keep several single-mode states, and (Bernoulli) stable mixtures.
#[test]
fn only_top_mode_is_stable_for_gaussian_components() {
    let w = vec![4.0, 3.9, 3.8];
    // Gaussian: every single-mode state β has spectral radius w_1/w_β exactly (module docs).
    let s = RsSolver::new(&ens(w.clone(), 0.5, 1.0, ComponentLaw::Gaussian), &SolverOptions::default()).unwrap();
    let fps = s.fixed_points().unwrap();
    let stable: Vec<&FixedPoint> = fps.iter().filter(|f| f.converged && f.stable).collect();
    assert_eq!(stable.len(), 1, "{fps:#?}");
    assert_eq!(stable[0].condensed, vec![0]);
    for b in 1..3 {
        let fp = fps.iter().find(|f| f.converged && f.condensed == vec![b]).expect("single-mode state");
        println!("gaussian mode {}: ρ = {:.10} vs w1/wβ = {:.10}", b + 1, fp.spectral_radius, w[0] / w[b]);
        assert!((fp.spectral_radius - w[0] / w[b]).abs() < 1e-8);
    }
    assert!(fps.iter().all(|f| f.condensed.len() <= 1), "no mixed state exists for non-degenerate Gaussian modes");

    // Bernoulli at σ = 0: state β has ρ = w_1 (1 − m_β²) with m_β = tanh(w_β m_β) (the mode
    // directions decouple and the q direction does not feed back at σ = 0).
    let wb = [1.6, 1.5, 1.4];
    let s = RsSolver::new(&ens(wb.to_vec(), 0.0, 1.0, ComponentLaw::Bernoulli), &SolverOptions::default()).unwrap();
    let fps = s.fixed_points().unwrap();
    for b in 0..3 {
        let mb = bisect(0.1, 1.0, |m| (wb[b] * m).tanh() - m);
        let fp = fps.iter().find(|f| f.converged && f.condensed == vec![b]).expect("single-mode state");
        println!(
            "bernoulli mode {}: ρ = {:.10} vs w1(1 − m²) = {:.10}",
            b + 1,
            fp.spectral_radius,
            wb[0] * (1.0 - mb * mb)
        );
        assert!((fp.spectral_radius - wb[0] * (1.0 - mb * mb)).abs() < 1e-8);
        assert!(fp.stable);
    }
    // Bernoulli with noise at larger w: a stable mixture of the three modes.
    let s = RsSolver::new(&ens(w.clone(), 0.5, 1.0, ComponentLaw::Bernoulli), &SolverOptions::default()).unwrap();
    let fps = s.fixed_points().unwrap();
    let mixed: Vec<&FixedPoint> = fps.iter().filter(|f| f.converged && f.stable && f.condensed.len() == 3).collect();
    println!(
        "bernoulli: {} stable states, stable 3-mode mixtures {:?}",
        fps.iter().filter(|f| f.converged && f.stable).count(),
        mixed.iter().map(|f| (f.params.m_v.clone(), f.spectral_radius)).collect::<Vec<_>>()
    );
    assert!(!mixed.is_empty());
    assert_eq!(fps.iter().filter(|f| f.converged && f.stable && f.condensed.len() == 1).count(), 3);
    // Uniform with noise (two modes, to keep the tensor quadrature small): both single-mode
    // states are stable.
    let s = RsSolver::new(&ens(w[..2].to_vec(), 0.5, 1.0, ComponentLaw::Uniform), &SolverOptions::default()).unwrap();
    let fps = s.fixed_points().unwrap();
    for f in &fps {
        println!("uniform: m = {:?}, ρ = {:.4}, stable {}", f.params.m_v, f.spectral_radius, f.stable);
    }
    let n_single = fps.iter().filter(|f| f.converged && f.stable && f.condensed.len() == 1).count();
    assert_eq!(n_single, 2);
}

// ---------------------------------------------------------------------------------------
// Monte Carlo.

/// Gibbs sampler for a ±1 RBM drawn from the ensemble (Gaussian ũ, ṽ rescaled to norms √N_v,
/// √N_h; noise `σ g/√L`): returns the time-averaged `(m, m̄)` along the planted mode, from a
/// chain started aligned with it (ferromagnetic state).
fn gibbs_magnetisation(nv: usize, nh: usize, w: f64, sigma: f64, seed: u64, burn: usize, meas: usize) -> (f64, f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut gauss_unit = |n: usize| {
        let mut x: Vec<f64> = (0..n).map(|_| rng.sample::<f64, _>(StandardNormal)).collect();
        let norm = (x.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
        x.iter_mut().for_each(|v| *v /= norm);
        x
    };
    let u = gauss_unit(nv);
    let v = gauss_unit(nh);
    let l = ((nv * nh) as f64).sqrt();
    let mut wm = vec![0.0; nv * nh];
    for i in 0..nv {
        for j in 0..nh {
            wm[i * nh + j] = w * u[i] * v[j] / l + sigma * rng.sample::<f64, _>(StandardNormal) / l.sqrt();
        }
    }
    let mut s: Vec<f64> = u.iter().map(|x| x.signum()).collect();
    let mut hs = vec![0.0; nh];
    let mut field_h = vec![0.0; nh];
    let (mut acc_m, mut acc_mh) = (0.0, 0.0);
    for sweep in 0..burn + meas {
        field_h.iter_mut().for_each(|f| *f = 0.0);
        for i in 0..nv {
            let si = s[i];
            for (f, wij) in field_h.iter_mut().zip(&wm[i * nh..(i + 1) * nh]) {
                *f += si * wij;
            }
        }
        for j in 0..nh {
            let p = 1.0 / (1.0 + (-2.0 * field_h[j]).exp());
            hs[j] = if rng.random::<f64>() < p { 1.0 } else { -1.0 };
        }
        for i in 0..nv {
            let f: f64 = wm[i * nh..(i + 1) * nh].iter().zip(&hs).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-2.0 * f).exp());
            s[i] = if rng.random::<f64>() < p { 1.0 } else { -1.0 };
        }
        if sweep >= burn {
            acc_m += u.iter().zip(&s).map(|(a, b)| a * b).sum::<f64>() / nv as f64;
            acc_mh += v.iter().zip(&hs).map(|(a, b)| a * b).sum::<f64>() / nh as f64;
        }
    }
    (acc_m / meas as f64, acc_mh / meas as f64)
}

/// One ferromagnetic point (Gaussian components, κ = 1/2, w = 1.8, σ = 0.5): the magnetisation
/// of Gibbs-sampled RBMs drawn from the ensemble (N_v = 400, N_h = 200, 12 disorder samples)
/// against the RS prediction, within 4 standard errors of the sample mean plus a 1/L finite-size
/// allowance.
#[test]
fn monte_carlo_magnetisation_matches_rs() {
    let (nv, nh, w, sigma) = (400usize, 200usize, 1.8, 0.5);
    let kappa = nh as f64 / nv as f64;
    let fp = solve(&ens(vec![w], sigma, kappa, ComponentLaw::Gaussian), &ferro_start(1));
    let t0 = std::time::Instant::now();
    let samples: Vec<(f64, f64)> = (0..12).map(|k| gibbs_magnetisation(nv, nh, w, sigma, 1000 + k, 200, 800)).collect();
    let stats = |xs: Vec<f64>| {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    };
    let (m, se) = stats(samples.iter().map(|s| s.0).collect());
    let (mh, seh) = stats(samples.iter().map(|s| s.1).collect());
    let l = ((nv * nh) as f64).sqrt();
    println!(
        "MC ({:.1} s): m = {m:.4} ± {se:.4} vs RS {:.4}; m̄ = {mh:.4} ± {seh:.4} vs RS {:.4}",
        t0.elapsed().as_secs_f64(),
        fp.params.m_v[0],
        fp.params.m_h[0]
    );
    assert!((m - fp.params.m_v[0]).abs() < 4.0 * se + 1.0 / l);
    assert!((mh - fp.params.m_h[0]).abs() < 4.0 * seh + 1.0 / l);
}

// ---------------------------------------------------------------------------------------
// Bad input and performance.

#[test]
fn bad_input_is_reported() {
    let opts = SolverOptions::default();
    assert!(RsSolver::new(&ens(vec![1.0], -0.5, 1.0, ComponentLaw::Gaussian), &opts).is_err(), "negative temperature");
    assert!(RsSolver::new(&ens(vec![1.0], 0.5, 0.0, ComponentLaw::Gaussian), &opts).is_err());
    assert!(RsSolver::new(&ens(vec![-1.0], 0.5, 1.0, ComponentLaw::Gaussian), &opts).is_err());
    assert!(RsSolver::new(&ens(vec![], 0.5, 1.0, ComponentLaw::Gaussian), &opts).is_err());
    assert!(RsSolver::new(&ens(vec![1.0; 7], 0.5, 1.0, ComponentLaw::Gaussian), &opts).is_err());
    assert!(RsSolver::new(&ens(vec![f64::NAN], 0.5, 1.0, ComponentLaw::Gaussian), &opts).is_err());
    assert!(
        RsSolver::new(&ens(vec![1.0], 0.5, 1.0, ComponentLaw::Gaussian), &SolverOptions { tol: 0.0, ..opts }).is_err()
    );
    let s = RsSolver::new(&ens(vec![1.5], 0.5, 1.0, ComponentLaw::Uniform), &opts).unwrap();
    assert!(s.solve_from(&OrderParams { m_v: vec![0.5], m_h: vec![0.5], q_v: 1.5, q_h: 0.5 }).is_err());
    assert!(s.solve_from(&OrderParams { m_v: vec![0.5, 0.1], m_h: vec![0.5], q_v: 0.5, q_h: 0.5 }).is_err());
    assert!(s.map(&OrderParams { m_v: vec![f64::NAN], m_h: vec![0.5], q_v: 0.5, q_h: 0.5 }).is_err());
    // Non-convergence is reported, not hidden: one step from far away.
    let s1 = RsSolver::new(&ens(vec![1.5], 0.5, 1.0, ComponentLaw::Uniform), &SolverOptions { max_iter: 1, ..opts })
        .unwrap();
    let fp = s1.solve_from(&ferro_start(1)).unwrap();
    assert!(!fp.converged && fp.residual > opts.tol);
    // Phase-diagram axes outside the domain.
    let sp =
        PhaseDiagramSpec { inv_sigma: vec![1.0, -0.5], w_over_sigma: vec![1.0], ..spec(1.0, ComponentLaw::Gaussian) };
    assert!(phase_diagram(&sp, &opts).is_err());
    let sp = PhaseDiagramSpec { inv_sigma: vec![0.0], w_over_sigma: vec![1.0], ..spec(1.0, ComponentLaw::Gaussian) };
    assert!(phase_diagram(&sp, &opts).is_err());
    assert!(ferro_instability_line(1.0, -1.0).is_err());
    assert!(spin_glass_overlaps(-1.0, 2.0).is_err());
}

/// Small phase diagrams in the dev profile: labels at reference points, table shape, and the
/// time per grid point (printed, not asserted) extrapolated to 100 × 100.
#[test]
fn phase_diagram_grid_and_timing() {
    let n = 20;
    let inv_sigma: Vec<f64> = (0..n).map(|i| 0.2 + 1.6 * i as f64 / (n - 1) as f64).collect();
    let w_over_sigma: Vec<f64> = (0..n).map(|i| 2.5 * i as f64 / (n - 1) as f64).collect();
    for law in [ComponentLaw::Gaussian, ComponentLaw::Bernoulli, ComponentLaw::Uniform] {
        let sp =
            PhaseDiagramSpec { inv_sigma: inv_sigma.clone(), w_over_sigma: w_over_sigma.clone(), ..spec(1.0, law) };
        let t0 = std::time::Instant::now();
        let pd = phase_diagram(&sp, &SolverOptions::default()).unwrap();
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{}: {n}x{n} grid in {dt:.3} s (dev profile, {} threads) -> 100x100 ≈ {:.1} s; not converged/stable: {}",
            law.name(),
            rayon::current_num_threads(),
            dt * 25.0,
            pd.converged.iter().filter(|c| !**c).count()
        );
        assert_eq!(pd.phase.len(), n * n);
        assert_eq!(pd.phase_labels().len(), n * n);
        let at = |t: f64, j: f64| {
            let i = pd
                .inv_sigma
                .iter()
                .zip(&pd.w_over_sigma)
                .position(|(a, b)| (a - t).abs() < 1e-9 && (b - j).abs() < 1e-9)
                .unwrap();
            pd.phase[i]
        };
        // 1/σ = 1.8 (hot): P below w/σ = 1.8, F above; 1/σ = 0.2 (cold): SG at small w/σ, F at large.
        assert_eq!(at(inv_sigma[n - 1], w_over_sigma[2]), Phase::Paramagnetic);
        assert_eq!(at(inv_sigma[n - 1], w_over_sigma[n - 1]), Phase::Ferromagnetic);
        assert_eq!(at(inv_sigma[0], w_over_sigma[2]), Phase::SpinGlass);
        assert_eq!(at(inv_sigma[0], w_over_sigma[n - 1]), Phase::Ferromagnetic);
        for (i, ph) in pd.phase.iter().enumerate() {
            match ph {
                Phase::Ferromagnetic => assert!(pd.m[i] > 0.0 && pd.top_mode[i] == 1),
                _ => assert!(pd.m[i].abs() < 1e-6),
            }
        }
    }
}
