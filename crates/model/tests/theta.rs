//! Per-unit double-well thresholds θ_μ: the closed-form `E[|h| | I]`, the θ gradient of the exact
//! log-likelihood, and the samplers' use of θ_μ.

mod common;
use common::*;
use model::exact::{data_hidden_abs_mean, exact_gradient, log_likelihood, log_partition, model_hidden_abs_mean};
use model::units::{DoubleWell, UnitType};
use model::{AisConfig, Chains, Rbm, Units, ais_forward, resample_hidden};
use ndarray::{Array1, Array2, array};
use rand::RngExt;

/// `E[|h| | I]` by trapezoidal quadrature of the unnormalised density `exp(β(I h − h²/2 − θ|h|))`
/// on a grid with a node at the kink h = 0 (log-space shift by the maximum exponent).
fn abs_mean_quadrature(input: f64, theta: f64, beta: f64) -> f64 {
    let expo = |h: f64| beta * (input * h - 0.5 * h * h - theta * h.abs());
    let reach = input.abs() + theta.abs() + 14.0 / beta.sqrt();
    let dh = 2e-4;
    let n = (reach / dh).ceil() as i64;
    let mut grid_max = f64::NEG_INFINITY;
    for k in -n..=n {
        grid_max = grid_max.max(expo(k as f64 * dh));
    }
    let (mut z, mut a) = (0.0, 0.0);
    for k in -n..=n {
        let h = k as f64 * dh;
        let w = if k == -n || k == n { 0.5 } else { 1.0 };
        let f = w * (expo(h) - grid_max).exp();
        z += f;
        a += f * h.abs();
    }
    a / z
}

/// Closed form against quadrature of the exact conditional density, for θ < 0, θ = 0, θ > 0,
/// inputs from −30 to 25 and three temperatures. The trapezoid error (step dh = 2·10⁻⁴, kink on a
/// node) is about `dh²·(βθ)²/12` relative, ≈ 1.3·10⁻⁷ in the steepest case (β = θ = 2.5; measured
/// worst 2.9·10⁻⁷), so the tolerance is 10⁻⁶.
#[test]
fn abs_mean_matches_quadrature() {
    let mut worst: f64 = 0.0;
    for &beta in &[1.0, 0.4, 2.5] {
        for &theta in &[-3.0, -1.0, 0.0, 0.5, 2.5] {
            for &input in &[-30.0, -3.0, -0.5, 0.0, 0.7, 4.0, 25.0] {
                let closed = DoubleWell { theta }.abs_mean(input, beta);
                let quad = abs_mean_quadrature(input, theta, beta);
                let rel = (closed - quad).abs() / quad.max(1e-3);
                worst = worst.max(rel);
                assert!(rel < 1e-6, "β={beta} θ={theta} I={input}: closed {closed} vs quadrature {quad}");
            }
        }
    }
    eprintln!("worst relative error of E[|h| | I] vs quadrature: {worst:.2e}");
}

/// `∂Γ_β/∂θ = −β E[|h| | I]`: central differences of the erfcx-based Γ against the closed form.
#[test]
fn cgf_theta_derivative_is_minus_beta_abs_mean() {
    let eps = 1e-5;
    for &beta in &[1.0, 0.6] {
        for &theta in &[-2.0, -0.3, 0.0, 1.2] {
            for &input in &[-12.0, -1.0, 0.2, 3.0, 20.0] {
                let g = |t: f64| DoubleWell { theta: t }.cgf(&[input], beta);
                let fd = (g(theta + eps) - g(theta - eps)) / (2.0 * eps);
                let an = -beta * DoubleWell { theta }.abs_mean(input, beta);
                assert!((fd - an).abs() < 1e-7 * (1.0 + an.abs()), "β={beta} θ={theta} I={input}: {fd} vs {an}");
            }
        }
    }
}

fn with_thetas(mut r: Rbm<f64>, t: &[f64]) -> Rbm<f64> {
    r.hidden = r.hidden.with_theta(Array1::from(t.to_vec())).unwrap();
    r
}

fn random_rows(states: &Array2<f64>, n: usize, seed: u64) -> Array2<f64> {
    let mut g = rng(seed);
    let mut x = Array2::zeros((n, states.ncols()));
    for mut row in x.rows_mut() {
        row.assign(&states.row(g.random_range(0..states.nrows())));
    }
    x
}

/// The θ_μ gradient of the exact mean log-likelihood (visible states enumerated, hidden units
/// integrated analytically through Γ) against central finite differences in each θ_μ, for Ising
/// and Potts visible units, β = 1 and β = 0.7.
#[test]
fn theta_gradient_matches_finite_differences() {
    let cases = [(Units::Ising, 5, 1.0), (Units::Potts { states: 3 }, 3, 1.0), (Units::Ising, 4, 0.7)];
    let thetas = [-1.5, 0.8, -0.2];
    for (c, &(vis, nv, beta)) in cases.iter().enumerate() {
        let base = random_rbm(vis, nv, Units::DoubleWell { theta: 0.0 }, 3, 0.8, 0.4, 40 + c as u64);
        let r = with_thetas(base, &thetas).with_beta(beta).unwrap();
        let (states, _) = model::exact::visible_distribution(&r).unwrap();
        let data = random_rows(&states, 9, 70 + c as u64);
        let an = (&model_hidden_abs_mean(&r).unwrap() - &data_hidden_abs_mean(&r, data.view()).unwrap()) * beta;
        let eps = 1e-5;
        for mu in 0..3 {
            let ll = |d: f64| {
                let mut t = thetas;
                t[mu] += d;
                log_likelihood(&with_thetas(r.clone(), &t), data.view()).unwrap()
            };
            let fd = (ll(eps) - ll(-eps)) / (2.0 * eps);
            eprintln!("{vis:?} β={beta} μ={mu}: analytic {:.8}, finite difference {fd:.8}", an[mu]);
            assert!((fd - an[mu]).abs() < 1e-6 * (1.0 + fd.abs()), "μ={mu}: {} vs {fd}", an[mu]);
            // The hidden-bias gradient goes through the per-unit conditional means E[h_μ | v]
            // (data: batched layer means; model: enumeration), so it checks θ_μ there too.
            let llc = |d: f64| {
                let mut q = r.clone();
                q.hidden.bias[mu] += d;
                log_likelihood(&q, data.view()).unwrap()
            };
            let fdc = (llc(eps) - llc(-eps)) / (2.0 * eps);
            let gc = exact_gradient(&r, data.view()).unwrap().hbias[mu];
            assert!((fdc - gc).abs() < 1e-6 * (1.0 + fdc.abs()), "c_{mu}: {gc} vs {fdc}");
        }
    }
}

/// Per-unit θ enters ln Z unit by unit: with the weights of unit 1 set to zero, ln Z factorises into
/// the machine of unit 0 alone (its own θ₀) plus `Γ(c₁; θ₁)` of the detached unit.
#[test]
fn per_unit_theta_factorises_log_partition() {
    let mut r =
        with_thetas(random_rbm(Units::Ising, 6, Units::DoubleWell { theta: 0.0 }, 2, 0.7, 0.3, 11), &[-2.0, 1.3]);
    r.weights.column_mut(1).fill(0.0);
    let mut one = Rbm::<f64>::zeros(Units::Ising, 6, Units::DoubleWell { theta: -2.0 }, 1).unwrap();
    one.weights.column_mut(0).assign(&r.weights.column(0));
    one.visible.bias.assign(&r.visible.bias);
    one.hidden.bias[0] = r.hidden.bias[0];
    let detached = DoubleWell { theta: 1.3 }.cgf(&[r.hidden.bias[1]], 1.0);
    let lz = log_partition(&r).unwrap();
    let lz1 = log_partition(&one).unwrap();
    assert!((lz - lz1 - detached).abs() < 1e-10, "{lz} vs {lz1} + {detached}");
}

/// The block Gibbs sampler draws unit μ with its own θ_μ: the empirical mean of |h_μ| over fresh
/// hidden draws at fixed visible rows matches the average closed form within 4 standard errors
/// (s.e. = sample sd/√n, n = 40 000 draws per unit), in f64 and f32 storage; the reference
/// sampler `Rbm::sample_hidden` is checked the same way.
#[test]
fn gibbs_hidden_draws_use_per_unit_theta() {
    let thetas = [-2.0, 0.0, 1.5];
    let r = with_thetas(random_rbm(Units::Ising, 8, Units::DoubleWell { theta: 0.0 }, 3, 0.6, 0.3, 5), &thetas);
    let (states, _) = model::exact::visible_distribution(&r).unwrap();
    let n = 40_000;
    let v = random_rows(&states, n, 6);
    let expected = data_hidden_abs_mean(&r, v.view()).unwrap();
    let check = |h: &Array2<f64>, what: &str| {
        for mu in 0..3 {
            let a = h.column(mu).mapv(f64::abs);
            let m = a.mean().unwrap();
            // The draws are independent given v; the spread of |h| includes that of E[|h| | v] over rows,
            // and the expected value is averaged over the same rows, so sd/√n bounds the error.
            let se = a.std(1.0) / (n as f64).sqrt();
            eprintln!(
                "{what} μ={mu} θ={}: mean |h| {m:.4} vs closed form {:.4} (s.e. {se:.4})",
                thetas[mu], expected[mu]
            );
            assert!((m - expected[mu]).abs() < 4.0 * se, "{what} μ={mu}: {m} vs {} (s.e. {se})", expected[mu]);
        }
    };
    let mut c = Chains { v: v.clone(), h: Array2::zeros((n, 3)) };
    resample_hidden(&r, &mut c, 17, 0).unwrap();
    check(&c.h, "gibbs f64");
    let r32 = r.cast::<f32>();
    let mut c32 = Chains { v: v.mapv(|x| x as f32), h: Array2::zeros((n, 3)) };
    resample_hidden(&r32, &mut c32, 18, 0).unwrap();
    check(&c32.h.mapv(|x| x as f64), "gibbs f32");
    let h = r.sample_hidden(v.view(), &mut rng(19)).unwrap();
    check(&h, "reference");
    // A shared θ would give visibly different means: the three units must differ beyond noise.
    assert!(expected[0] > expected[1] && expected[1] > expected[2]);
}

/// Layer-level contract: `with_theta` rejects other unit types, bad lengths and non-finite values;
/// `with_theta_mode(Trainable)` copies the shared θ into every unit.
#[test]
fn theta_layer_validation() {
    let l = model::Layer::<f64>::new(Units::Ising, 3).unwrap();
    assert!(l.clone().with_theta(array![0.0, 0.0, 0.0]).is_err());
    assert!(l.with_theta_mode(model::ThetaMode::Trainable).is_err());
    let d = model::Layer::<f64>::new(Units::DoubleWell { theta: -2.0 }, 3).unwrap();
    assert!(d.clone().with_theta(array![0.0, 0.0]).is_err());
    assert!(d.clone().with_theta(array![0.0, f64::NAN, 0.0]).is_err());
    let t = d.with_theta_mode(model::ThetaMode::Trainable).unwrap();
    assert_eq!(t.theta.unwrap(), array![-2.0, -2.0, -2.0]);
}

/// Forward AIS (which anneals through Γ_β(s·I; θ_μ) and samples h with θ_μ) agrees with the exact
/// ln Z of a per-unit-θ machine within 4 standard errors.
#[test]
fn ais_uses_per_unit_theta() {
    let r =
        with_thetas(random_rbm(Units::Ising, 10, Units::DoubleWell { theta: 0.0 }, 3, 0.4, 0.3, 21), &[-2.0, 0.5, 1.5]);
    let exact = log_partition(&r).unwrap();
    let f = ais_forward(&r, &AisConfig { n_chains: 256, n_steps: 1000, seed: 3, base_visible_bias: None }).unwrap();
    // The same machine with one shared θ has a clearly different ln Z, so the check has teeth.
    let mut shared = r.clone();
    shared.hidden.theta = None;
    let other = log_partition(&shared).unwrap();
    eprintln!("exact {exact:.4}, AIS {:.4} ± {:.4}, shared-θ exact {other:.4}", f.log_z, f.std_err);
    assert!((f.log_z - exact).abs() < 4.0 * f.std_err, "{} ± {} vs {exact}", f.log_z, f.std_err);
    assert!((other - exact).abs() > 20.0 * f.std_err);
}
