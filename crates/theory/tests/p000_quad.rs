//! Quadrature rules of `theory::quad` against closed forms and an independent fine trapezoid rule.

use theory::quad::{self, TANH_STRIP};

/// Trapezoid rule for `E[g(x)]`, `x ~ N(0,1)`, spacing 1e-3 on [−10, 10] (spectrally accurate
/// for smooth integrands decaying like the Gaussian): an independent reference.
fn trapezoid_normal(g: impl Fn(f64) -> f64) -> f64 {
    let h = 1e-3;
    let n = 20_000;
    (0..=n).map(|i| -10.0 + i as f64 * h).map(|x| g(x) * quad::normal_pdf(x) * h).sum()
}

fn log2cosh(h: f64) -> f64 {
    h.abs() + (-2.0 * h.abs()).exp().ln_1p()
}

#[test]
fn gauss_legendre_is_exact_for_polynomials_and_exponential() {
    for n in [1usize, 2, 5, 16, 40] {
        let r = quad::gauss_legendre(n).unwrap();
        for k in 0..(2 * n) {
            let exact = if k % 2 == 1 { 0.0 } else { 2.0 / (k as f64 + 1.0) };
            let got = r.integrate(|x| x.powi(k as i32));
            assert!((got - exact).abs() < 1e-13, "n={n} k={k}: {got} vs {exact}");
        }
    }
    let r = quad::gauss_legendre_on(12, 0.0, 2.0).unwrap();
    assert!((r.integrate(f64::exp) - (2f64.exp() - 1.0)).abs() < 1e-13);
    let c = quad::composite_gauss_legendre(-1.0, 3.0, 7, 5).unwrap();
    assert!((c.integrate(|x| x.sin()) - (1f64.cos() - 3f64.cos())).abs() < 1e-13);
}

#[test]
fn gauss_hermite_moments_and_characteristic_function() {
    for n in [1usize, 3, 10, 40, 80, 150] {
        let r = quad::gauss_hermite_normal(n).unwrap();
        assert!((r.total_weight() - 1.0).abs() < 1e-13, "n={n}");
        // E[x^{2k}] = (2k-1)!! for 2k <= 2n-1, checked up to 2k = 16.
        let mut df = 1.0;
        for k in 1..=8usize.min(n.saturating_sub(1)) {
            df *= (2 * k - 1) as f64;
            let got = r.expect(|x| x.powi(2 * k as i32));
            assert!((got / df - 1.0).abs() < 1e-11, "n={n} k={k}: {got} vs {df}");
        }
    }
    // E[cos(bx)] = exp(-b²/2).
    let r = quad::gauss_hermite_normal(60).unwrap();
    for b in [0.5, 1.0, 2.0, 3.0] {
        assert!((r.expect(|x| (b * x).cos()) - (-0.5 * b * b).exp()).abs() < 1e-13);
    }
}

#[test]
fn normal_rule_for_scale_matches_trapezoid_for_tanh_family() {
    let mut worst = 0.0f64;
    for s in [0.0, 0.3, 1.0, 1.6, 2.5, 5.0, 10.0] {
        let r = quad::normal_rule_for_scale(s, TANH_STRIP).unwrap();
        for c in [0.0, 0.7, 3.0] {
            let fs: [&dyn Fn(f64) -> f64; 3] = [&|h: f64| h.tanh(), &|h: f64| h.tanh().powi(2), &log2cosh];
            for f in fs {
                let got = r.expect(|x| f(c + s * x));
                let refv = trapezoid_normal(|x| f(c + s * x));
                worst = worst.max((got - refv).abs());
                assert!((got - refv).abs() < 1e-9, "s={s} c={c}: {got} vs {refv} (n={})", r.len());
            }
        }
    }
    println!("normal_rule_for_scale: worst |error| vs trapezoid = {worst:.2e}");
}

#[test]
fn uniform_rule_matches_closed_forms() {
    let r3 = 3f64.sqrt();
    for s in [0.1, 1.0, 4.0, 20.0] {
        let r = quad::uniform_rule_for_scale(r3, s, TANH_STRIP).unwrap();
        assert!((r.total_weight() - 1.0).abs() < 1e-13);
        for c in [0.0, 0.5, 2.0] {
            // E tanh(c + s u) = [ln cosh(c + s√3) − ln cosh(c − s√3)]/(2√3 s).
            let lc = |h: f64| log2cosh(h) - std::f64::consts::LN_2; // ln cosh
            let exact_t = (lc(c + s * r3) - lc(c - s * r3)) / (2.0 * r3 * s);
            // E tanh² = 1 − E sech² = 1 − [tanh(c + s√3) − tanh(c − s√3)]/(2√3 s).
            let exact_t2 = 1.0 - ((c + s * r3).tanh() - (c - s * r3).tanh()) / (2.0 * r3 * s);
            let got_t = r.expect(|u| (c + s * u).tanh());
            let got_t2 = r.expect(|u| (c + s * u).tanh().powi(2));
            assert!((got_t - exact_t).abs() < 1e-9, "s={s} c={c}: {got_t} vs {exact_t}");
            assert!((got_t2 - exact_t2).abs() < 1e-9, "s={s} c={c}: {got_t2} vs {exact_t2}");
        }
    }
}

#[test]
fn bad_rule_parameters_are_errors() {
    assert!(quad::gauss_hermite_normal(0).is_err());
    assert!(quad::gauss_legendre(quad::MAX_LEGENDRE + 1).is_err());
    assert!(quad::composite_gauss_legendre(0.0, 1.0, 0, 4).is_err());
    assert!(quad::normal_composite(-1.0, 4, 4).is_err());
    assert!(quad::uniform_rule_for_scale(0.0, 1.0, TANH_STRIP).is_err());
    assert!(quad::normal_rule_for_scale(1.0, 0.0).is_err());
    assert!(quad::normal_rule_for_scale(f64::INFINITY, TANH_STRIP).is_err());
}
