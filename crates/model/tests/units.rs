//! Unit-type conformance: Γ against direct sums / quadrature, conditional mean and variance against
//! finite differences of Γ, samplers against the conditional moments.

use model::units::UnitType;
use model::{Units, units::DoubleWell};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

fn scalar_types() -> Vec<Units> {
    vec![
        Units::Bernoulli,
        Units::Ising,
        Units::Gaussian { precision: 2.5 },
        Units::DoubleWell { theta: 1.0 },
        Units::DoubleWell { theta: -2.0 },
        Units::DoubleWell { theta: 0.0 },
    ]
}

/// ln ∫ exp(β(I x − U(x))) dx by the trapezoidal rule on [−40, 40], or the direct sum for discrete units.
fn reference_cgf(u: &Units, i: f64, beta: f64) -> f64 {
    match u.n_states() {
        Some(s) => {
            let mut x = vec![0.0];
            (0..s)
                .map(|k| {
                    u.state(k, &mut x);
                    (beta * (i * x[0] - u.potential(&x))).exp()
                })
                .sum::<f64>()
                .ln()
        }
        None => {
            let n = 800_000;
            let dx = 80.0 / n as f64;
            let f = |x: f64| beta * (i * x - u.potential(&[x]));
            let m = (0..=n).map(|k| f(-40.0 + k as f64 * dx)).fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = (0..=n).map(|k| (f(-40.0 + k as f64 * dx) - m).exp()).sum();
            m + (s * dx).ln()
        }
    }
}

#[test]
fn cgf_matches_reference_and_moments_match_derivatives() {
    for u in scalar_types() {
        for &beta in &[1.0, 0.6, 2.0] {
            for &i in &[-3.0, -0.4, 0.0, 0.9, 4.0] {
                let g = u.cgf(&[i], beta);
                let r = reference_cgf(&u, i, beta);
                assert!((g - r).abs() < 1e-7, "{u:?} β={beta} I={i}: Γ {g} vs reference {r}");
                let e = 1e-4;
                let gp = u.cgf(&[i + e], beta);
                let gm = u.cgf(&[i - e], beta);
                let mut m = [0.0];
                let mut v = [0.0];
                u.mean(&[i], beta, &mut m);
                u.var(&[i], beta, &mut v);
                let fd1 = (gp - gm) / (2.0 * e) / beta;
                let fd2 = (gp - 2.0 * g + gm) / (e * e) / (beta * beta);
                assert!((m[0] - fd1).abs() < 1e-6, "{u:?} β={beta} I={i}: mean {} vs FD {fd1}", m[0]);
                assert!(
                    (v[0] - fd2).abs() < 2e-4 * (1.0 + fd2.abs()),
                    "{u:?} β={beta} I={i}: var {} vs FD {fd2}",
                    v[0]
                );
            }
        }
    }
}

#[test]
fn potts_cgf_and_moments() {
    let u = Units::Potts { states: 4 };
    let i: [f64; 4] = [0.3, -1.2, 2.0, 0.0];
    let beta: f64 = 1.7;
    let direct: f64 = i.iter().map(|x| (beta * x).exp()).sum::<f64>().ln();
    assert!((u.cgf(&i, beta) - direct).abs() < 1e-12);
    let mut m = [0.0; 4];
    u.mean(&i, beta, &mut m);
    for a in 0..4 {
        let mut ip = i;
        ip[a] += 1e-5;
        let mut im = i;
        im[a] -= 1e-5;
        let fd = (u.cgf(&ip, beta) - u.cgf(&im, beta)) / 2e-5 / beta;
        assert!((m[a] - fd).abs() < 1e-7);
    }
}

#[test]
fn samplers_match_conditional_moments() {
    let n = 200_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    for u in scalar_types() {
        for &(i, beta) in &[(0.7, 1.0), (-2.5, 1.6), (6.0, 0.5)] {
            let mut x = [0.0];
            let xs: Vec<f64> = (0..n)
                .map(|_| {
                    u.sample(&[i], beta, &mut rng, &mut x);
                    x[0]
                })
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
            let (mut m, mut v) = ([0.0], [0.0]);
            u.mean(&[i], beta, &mut m);
            u.var(&[i], beta, &mut v);
            let se = (v[0] / n as f64).sqrt();
            assert!((mean - m[0]).abs() < 5.0 * se + 1e-12, "{u:?} I={i} β={beta}: mean {mean} vs {} (se {se})", m[0]);
            // s.e. of the sample variance: √((μ4 − σ⁴)/n), μ4 estimated from the sample
            let se_var = ((m4 - var * var).max(0.0) / n as f64).sqrt();
            assert!((var - v[0]).abs() < 5.0 * se_var + 1e-12, "{u:?}: var {var} vs {} (se {se_var})", v[0]);
        }
    }
}

#[test]
fn double_well_extreme_inputs_are_finite() {
    let dw = DoubleWell { theta: 3.0 };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    for &i in &[-200.0, -40.0, 40.0, 200.0] {
        let g = dw.cgf(&[i], 1.0);
        assert!(g.is_finite());
        let x = dw.sample_one(i, 1.0, &mut rng);
        assert!(x.is_finite() && (x - (i - 3.0f64.copysign(i))).abs() < 8.0, "I={i}: x={x}");
    }
}
